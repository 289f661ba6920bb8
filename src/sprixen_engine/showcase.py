"""The demo gallery written by ``make demo`` / ``sprixen showcase``.

Renders the prompts of ``configs/showcase.toml`` at each listed size, then writes
``index.html`` (every sprite enlarged with nearest-neighbour, with its interpretation)
and ``contact_sheet.png``.
"""

from __future__ import annotations

import html
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from .config import read_toml
from .results import slug


def build_showcase(engine: Any, out_dir: str | Path, *, console: Any = None) -> Path:
    """Render the showcase into ``out_dir``; returns the path of ``index.html``."""
    from rich.progress import Progress

    spec = read_toml(engine.config.config_dir / "showcase.toml")
    out = Path(out_dir)
    (out / "sprites").mkdir(parents=True, exist_ok=True)
    sizes, variants, seed = spec["sizes"], int(spec.get("variants", 3)), int(spec.get("seed", 0))
    jobs: list[tuple[str, dict[str, Any]]] = []
    for p in spec.get("prompt", []):
        for size in sizes:
            jobs.append((p["text"], {"prompt": p["text"], "resolution": size, "variant_count": variants}))
    for p in spec.get("pack", []):
        jobs.append((p["text"], {"prompt": p["text"], "type": "pack", "pack_items": p["items"],
                                 "resolution": sizes[0]}))
    cards: list[dict[str, Any]] = []
    first_sprite: dict[str, Image.Image] = {}
    assets: dict[tuple[str, str], Any] = {}
    t0 = time.perf_counter()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("showcase", total=len(jobs) + len(spec.get("variation", []))
                                 + len(spec.get("animation", [])) + len(spec.get("direction_set", []))
                                 + len(spec.get("map", [])) + len(spec.get("tileset", [])) + 1
                                 + len(spec.get("music", [])))
        for title, req in jobs:
            result = engine.generate(seed=seed, **req)
            cards.append(_card(title, req, result, out))
            first_sprite.setdefault(req["prompt"], result.images[0])
            assets[(req["prompt"], req["resolution"])] = result.sprites[0]
            progress.advance(task)
        for v in spec.get("variation", []):
            ref = first_sprite[v["of"]]
            result = engine.generate(v["of"], type="variation", reference_image=ref, variant_count=3, seed=seed)
            cards.append(_card(f"variations of: {v['of']}", {"resolution": f"{ref.width}x{ref.height}"}, result, out))
            progress.advance(task)
        anim_size = spec.get("animation_size", sizes[-1])
        for a in spec.get("animation", []):
            sprite = assets.get((a["of"], anim_size)) or engine.generate(a["of"], resolution=anim_size, seed=seed).sprites[0]
            cards.append(_animation_card(engine, a, sprite, out))
            progress.advance(task)
        for d in spec.get("direction_set", []):
            sprite = assets.get((d["of"], anim_size)) or engine.generate(d["of"], resolution=anim_size, seed=seed).sprites[0]
            cards.append(_direction_card(engine, d, sprite, out))
            progress.advance(task)
        if spec.get("tiles"):
            cards.append(_tiles_card(engine, spec["tiles"], seed, out))
        progress.advance(task)
        for t in spec.get("tileset", []):
            cards.append(_tileset_card(engine, t, seed, out))
            progress.advance(task)
        for m in spec.get("map", []):
            cards.append(_map_card(engine, m, out))
            progress.advance(task)
        for preset in spec.get("music", []):
            cards.append(_music_card(engine, preset, float(spec.get("music_seconds", 20)), seed, out))
            progress.advance(task)
    elapsed = time.perf_counter() - t0
    sheet = _contact_sheet([c for c in cards if c["resolution"] == sizes[0] and not c.get("pack")
                            and not c.get("info")], out)
    index = out / "index.html"
    index.write_text(_html(cards, sheet, elapsed))
    (out / "showcase.json").write_text(json.dumps(cards, indent=2))
    return index


def _card(title: str, req: dict[str, Any], result: Any, out: Path) -> dict[str, Any]:
    stem = f"{slug(title, limit=48)}_{req.get('resolution', 'ref')}"
    files = []
    for n, img in enumerate(result.images, start=1):
        name = f"sprites/{stem}_v{n}.png"
        img.save(out / name)
        files.append(name)
    meta = result.metadata
    interp = meta.get("interpretation", {})
    w, h = result.images[0].size
    return {"title": title, "resolution": req.get("resolution"), "files": files, "size": [w, h], "seed": meta["seed"],
            "subject": interp.get("subject"), "category": interp.get("category"),
            "archetype": interp.get("archetype"), "confidence": interp.get("subject_confidence"),
            "matchedBy": interp.get("matched_by"), "styles": meta.get("styles"), "backend": meta["backend"],
            "ms": meta["timingsMs"]["total"], "pack": bool(meta.get("packItems"))}


def _animation_card(engine: Any, spec: dict[str, Any], sprite: Any, out: Path) -> dict[str, Any]:
    """One GIF (and sheet + atlas + .tres) per animation type of one sprite."""
    stem = slug(spec["of"], limit=40)
    files, notes, t0 = [], [], time.perf_counter()
    for anim_type in spec["types"]:
        anim = engine.animate(sprite, type=anim_type, custom_description=spec.get("custom"))
        anim.id = f"{stem}_{anim_type}"
        anim.save(out / "animations")
        files.append(f"animations/{anim.id}.gif")
        notes.append(f"{anim_type} {len(anim.frames)}f@{anim.fps}")
    ms = (time.perf_counter() - t0) * 1e3
    return {"title": f"animations: {spec['of']}", "resolution": f"{anim.frame_size[0]}x{anim.frame_size[1]}",
            "files": files, "size": list(anim.frame_size), "ms": ms,
            "info": f"{anim.metadata['archetype']} ({anim.metadata['archetypeSource']}) · " + ", ".join(notes)}


def _direction_card(engine: Any, spec: dict[str, Any], sprite: Any, out: Path) -> dict[str, Any]:
    """A direction set: the sheet (a row per direction) and one GIF per direction."""
    t0 = time.perf_counter()
    result = engine.animate_directions(sprite, type=spec.get("type", "walk"), directions=int(spec.get("directions", 4)))
    result.id = f"{slug(spec['of'], limit=40)}_{result.metadata['type']}_dir{len(result.animations)}"
    result.save(out / "animations")
    ms = (time.perf_counter() - t0) * 1e3
    files = [f"animations/{result.id}_{d}.gif" for d in result.animations]
    approx = ", ".join(result.metadata["approximatedDirections"]) or "none"
    return {"title": f"{len(files)}-direction {result.metadata['type']}: {spec['of']}",
            "resolution": "x".join(map(str, result.frame_size)), "files": files, "size": list(result.frame_size),
            "ms": ms, "info": f"{' · '.join(result.animations)} (approximated: {approx}); "
                                               f"sheet animations/{result.id}.png"}


def _tiles_card(engine: Any, prompts: list[str], seed: int, out: Path) -> dict[str, Any]:
    """Isometric tiles: floor, wall (prompts ending in "wall") and prop (prompts starting with "a"/"an")."""
    (out / "tiles").mkdir(parents=True, exist_ok=True)
    files, t0 = [], time.perf_counter()
    for p in prompts:
        projection = "wall" if p.endswith(" wall") else "prop" if p.split()[0] in ("a", "an") else "floor"
        tile = engine.generate_tile(p, projection=projection, seed=seed, add_to_library=False)
        name = f"tiles/{slug(p, limit=40)}.png"
        tile.image.save(out / name)
        files.append(name)
    return {"title": "isometric tiles (130×230)", "resolution": "130x230", "files": files, "size": [130, 230],
            "ms": (time.perf_counter() - t0) * 1e3, "scale": 1,
            "info": " · ".join(prompts)}


def _tileset_card(engine: Any, spec: dict[str, Any], seed: int, out: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    ts = engine.generate_tileset(spec["prompt"], against=spec.get("against", "grass"), kind=spec.get("kind", "wang16"),
                                 seed=seed)
    stem = f"{slug(spec['prompt'])}_{slug(spec.get('against', 'grass'))}_{ts.kind}"
    ts.save(out / "tiles", stem)
    return {"title": f"autotile set: {spec['prompt']} on {spec.get('against', 'grass')} ({ts.kind})",
            "resolution": "x".join(map(str, ts.image.size)), "files": [f"tiles/{stem}.png"], "size": list(ts.image.size),
            "ms": (time.perf_counter() - t0) * 1e3, "scale": 2,
            "info": f"{len(ts.tiles)} tiles + Tiled Wang set (.tsx) + Godot terrain set (.tres)"}


def _map_card(engine: Any, spec: dict[str, Any], out: Path) -> dict[str, Any]:
    (out / "maps").mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    m = engine.create_map(spec["name"], projection=spec.get("projection", "isometric"), width=spec.get("size", 16),
                          height=spec.get("size", 16), seed=spec.get("seed"), tile_pack=spec.get("tile_pack"))
    info = f"{m.projection} {m.width}×{m.height}, pack {m.tile_pack}, seed {m.seed}"
    if spec.get("edit"):
        m = engine.edit_map(m, spec["edit"]).map
        info += f", then “{spec['edit']}”"
    m.save(out / "maps")
    for fmt in ("tmx", "godot"):
        (out / "maps" / f"{slug(m.name)}_{fmt}.zip").write_bytes(engine.export_map(m, fmt))
    name = f"maps/{slug(m.name)}.png"
    image = m.preview(max_side=1400)
    image.save(out / name)
    return {"title": f"map: {m.name}", "resolution": "x".join(map(str, image.size)), "files": [name],
            "size": list(image.size), "ms": (time.perf_counter() - t0) * 1e3, "scale": 1,
            "info": info + " · exports: .tmx/.tmj, Godot .tscn in maps/"}


def _music_card(engine: Any, preset: str, seconds: float, seed: int, out: Path) -> dict[str, Any]:
    """One track per preset: FLAC + MIDI, and pictures of it (spectrogram over piano roll)."""
    from .music.pictures import piano_roll, spectrogram

    (out / "music").mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    track = engine.generate_music(preset=preset, duration=seconds, seed=seed)
    ms = (time.perf_counter() - t0) * 1e3
    track.save(out / "music" / f"{preset}.flac")
    track.save_midi(out / "music" / f"{preset}.mid")
    spec_img, roll = spectrogram(track.samples, track.sample_rate), piano_roll(track.score)
    both = Image.new("RGB", (spec_img.width, spec_img.height + roll.height + 4), (0, 0, 0))
    both.paste(spec_img, (0, 0))
    both.paste(roll, (0, spec_img.height + 4))
    name = f"music/{preset}.png"
    both.save(out / name)
    meta = track.metadata
    return {"title": f"music: {preset}", "resolution": "x".join(map(str, both.size)), "files": [name],
            "size": list(both.size), "ms": ms, "scale": 1, "audio": f"music/{preset}.flac",
            "info": f"{meta['bpm']} bpm · {meta['key']} · {seconds:g} s · {meta['render'].get('loudness_lufs', float('nan')):.1f} LUFS · "
                    f"FLAC + MIDI in music/"}


def _contact_sheet(cards: list[dict[str, Any]], out: Path, *, scale: int = 4, pad: int = 4) -> str:
    """One PNG with the first variant of every card, enlarged ``scale``× on a checker background."""
    images = [Image.open(out / c["files"][0]).convert("RGBA") for c in cards]
    if not images:
        return ""
    cell = max(max(i.width, i.height) for i in images) * scale + pad
    cols = min(8, len(images))
    rows = -(-len(images) // cols)
    w, h = cols * cell + pad, rows * cell + pad
    yy, xx = np.mgrid[0:h, 0:w]
    checker = np.where(((yy // 8) + (xx // 8)) % 2 == 0, 58, 70).astype(np.uint8)
    sheet = Image.fromarray(np.dstack([checker, checker, checker + 6, np.full_like(checker, 255)]), "RGBA")
    for k, img in enumerate(images):
        big = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
        r, c = divmod(k, cols)
        x = pad + c * cell + (cell - pad - big.width) // 2
        y = pad + r * cell + (cell - pad - big.height) // 2
        sheet.alpha_composite(big, (x, y))
    sheet.save(out / "contact_sheet.png")
    return "contact_sheet.png"


def _html(cards: list[dict[str, Any]], sheet: str, elapsed: float) -> str:
    rows = []
    for c in cards:
        w, h = c["size"]
        k = c.get("scale") or max(1, 128 // max(w, h))  # whole-number enlargement keeps every pixel square
        if w * k > 1200:
            k = 1
        imgs = "".join(f'<img src="{html.escape(f)}" width="{w * k}" height="{h * k}" style="max-width:100%;height:auto" '
                       f'alt="">' for f in c["files"])
        conf = f"{c['confidence']:.2f}" if isinstance(c.get("confidence"), (int, float)) else "–"
        info = html.escape(f"{c['info']} · {c['ms']:.0f} ms") if c.get("info") else (
            f"{html.escape(str(c['subject']))} · {html.escape(str(c['category']))}"
            f"{' · ' + html.escape(str(c['archetype'])) if c.get('archetype') else ''} · conf {conf}"
            f" ({html.escape(str(c['matchedBy']))}) · {c['resolution']} · seed {c['seed']} · {c['ms']:.1f} ms")
        audio = (f'<audio controls preload="none" src="{html.escape(c["audio"])}"></audio>' if c.get("audio") else "")
        rows.append(f'<div class="card"><div class="imgs">{imgs}</div>{audio}<h3>{html.escape(c["title"])}</h3>'
                    f'<p>{info}</p></div>')
    sheet_html = f'<h2>Contact sheet</h2><img class="sheet" src="{sheet}" alt="contact sheet">' if sheet else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sprixen-engine showcase</title>
<style>
body {{ background:#1d1f27; color:#d8dae3; font:14px/1.4 system-ui, sans-serif; margin:24px; }}
h1 {{ font-size:22px; }} h3 {{ font-size:14px; margin:8px 0 2px; }} p {{ margin:0; color:#9aa0b4; font-size:12px; }}
.grid {{ display:grid; grid-template-columns:repeat(auto-fill, minmax(430px, 1fr)); gap:16px; }}
.card {{ background:#272a35; border-radius:8px; padding:12px; }}
.imgs {{ display:flex; gap:8px; flex-wrap:wrap; align-items:flex-end; }}
.imgs img {{ image-rendering:pixelated;
  background:repeating-conic-gradient(#3a3d4a 0% 25%, #434757 0% 50%) 0 0/16px 16px; }}
img.sheet {{ image-rendering:pixelated; max-width:100%; }}
</style></head><body>
<h1>sprixen-engine showcase — embedded procedural backend</h1>
<p>{len(cards)} generations in {elapsed:.2f} s on the CPU, no model weights. Images are enlarged with
nearest-neighbour; the checkerboard shows transparency.</p>
<div class="grid">{''.join(rows)}</div>
{sheet_html}
</body></html>
"""
