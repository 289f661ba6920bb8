"""Animations: the Engine animates a sprite's saved PNG into the uploads folder.

Files of an animation with stem ``s`` (the job id, or ``processed_…`` for a processed copy): ``s.png``
(strip sheet), ``s.gif``, ``s.json`` (Aseprite atlas), ``s.tres`` (Godot SpriteFrames), ``s.rig.json``,
``s.meta.json`` (``Animation.save``) and ``s_parts.png``: the frames' part maps side by side like the
sheet (grey level = part label), so :func:`load_animation` rebuilds the exact :class:`Animation` for
``POST /v1/animations/:id/process``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ...errors import NotFound
from ...requests import AnimationRequest, parse_request
from ..files import local_upload
from . import handler, upload_url

#: request keys the service stores that are not AnimationRequest fields
SERVER_ONLY = ("spriteId", "spriteImageUrl", "processedFrom", "mode")


def type_defaults(engine: Any, animation_type: str) -> tuple[int, int]:
    """``(frameCount, fps)`` an animation of ``animation_type`` gets when the request leaves them out
    (``configs/animation.toml``)."""
    from ...animation.animate import load_motion_config

    cfg = load_motion_config(engine.config.config_dir)["types"][animation_type]
    return int(cfg["frames"]), int(cfg["fps"])


@handler("animation")
def run_animation(ctx: Any) -> dict[str, Any]:
    body = ctx.request
    path = local_upload(ctx.settings, body.get("spriteImageUrl", ""))
    if path is None:
        raise NotFound(f"The image of sprite {body.get('spriteId')} ({body.get('spriteImageUrl')}) is missing; "
                       "it cannot be animated")
    request = parse_request(AnimationRequest, {k: v for k, v in body.items() if k not in SERVER_ONLY},
                            api_names=True)
    ctx.progress(0.05)
    sprite: Any = path
    if request.direction == "down":  # a procedural humanoid has a true front view: animate the live sprite
        sprite = live_sprite(ctx, body.get("spriteId"), path) or path
    anim = ctx.engine.animate(sprite, **request.model_dump())
    anim.id = ctx.job.id
    return save_animation(anim, ctx.uploads)


def live_sprite(ctx: Any, sprite_id: str | None, path: Path) -> Any:
    """The :class:`~sprixen_engine.results.SpriteAsset` behind a saved procedural sprite, rendered again
    from its generation's request and seed (deterministic), or ``None`` when that is not possible or the
    render differs from the saved PNG. The live sprite carries its request, so the engine can re-render it
    in another view (``direction: "down"`` → the front view) instead of approximating from the PNG."""
    from ...requests import GenerationRequest
    from ..db import Job, Sprite
    from .generation import SERVER_ONLY as GENERATION_ONLY

    with ctx.db.session() as s:
        row = s.get(Sprite, sprite_id) if sprite_id else None
        gen = s.get(Job, row.generation_id) if row is not None else None
    result = (gen.result or {}) if gen is not None else {}
    if gen is None or gen.status != "completed" or result.get("backend") != "procedural" or result.get("seed") is None:
        return None
    fields = {k: v for k, v in (gen.request or {}).items() if k not in (*GENERATION_ONLY, "chainAnimations")}
    if "referenceImageUrl" in (gen.request or {}):
        return None
    again = ctx.engine.run_generation(parse_request(GenerationRequest, {**fields, "seed": result["seed"]},
                                                    api_names=True))
    if row.variation_index >= len(again.sprites):
        return None
    sprite = again.sprites[row.variation_index]
    saved = np.asarray(Image.open(path).convert("RGBA"))
    return sprite if np.array_equal(np.asarray(sprite.image.convert("RGBA")), saved) else None


def save_animation(anim: Any, uploads: Path) -> dict[str, Any]:
    """Write ``anim`` (its files named after ``anim.id``) and return the job result: site-relative URLs,
    numbers and the names of the files (for deletion)."""
    written = anim.save(uploads)
    if anim.part_maps:
        strip = np.concatenate([np.asarray(m, np.uint8) for m in anim.part_maps], axis=1)
        parts = uploads / f"{anim.id}_parts.png"
        Image.fromarray(strip, "L").save(parts)
        written.append(parts)
    meta, stem = anim.metadata, anim.id
    w, h = anim.frame_size
    result = {"spriteSheetUrl": upload_url(f"{stem}.png"), "gifUrl": upload_url(f"{stem}.gif"),
              "atlasUrl": upload_url(f"{stem}.json"), "godotUrl": upload_url(f"{stem}.tres"),
              "rigUrl": upload_url(f"{stem}.rig.json"), "metadataUrl": upload_url(f"{stem}.meta.json"),
              "frameCount": len(anim.frames), "fps": anim.fps, "frameWidth": w, "frameHeight": h,
              "durationsMs": list(anim.durations_ms), "loop": anim.loop,
              "files": [p.name for p in written]}
    for key in ("archetype", "archetypeSource", "direction", "weaponHand", "weaponType", "hasShield",
                "approximatedDirections", "processed"):
        if key in meta:
            result[key] = meta[key]
    return result


def load_animation(uploads: Path, result: dict[str, Any]) -> Any:
    """The :class:`~sprixen_engine.animation.result.Animation` saved by :func:`save_animation`
    (``result`` is what it returned): frames cut from the sheet, timing and metadata from
    ``.meta.json``, rig from ``.rig.json``, part maps from ``_parts.png``."""
    from ...animation.result import Animation

    stem = Path(result["spriteSheetUrl"]).stem
    sheet_path = uploads / f"{stem}.png"
    if not sheet_path.is_file():
        raise NotFound(f"The sprite sheet of animation {stem} is missing from the uploads folder")
    meta = json.loads((uploads / f"{stem}.meta.json").read_text())
    rig = json.loads((uploads / f"{stem}.rig.json").read_text())
    w, h = meta["frameSize"]
    n = int(meta["frameCount"])
    sheet = Image.open(sheet_path).convert("RGBA")
    frames = [sheet.crop((i * w, 0, (i + 1) * w, h)) for i in range(n)]
    parts_path = uploads / f"{stem}_parts.png"
    part_maps = []
    if parts_path.is_file():
        strip = np.asarray(Image.open(parts_path))
        part_maps = [strip[:, i * w:(i + 1) * w].copy() for i in range(n)]
    return Animation(id=stem, type=meta["type"], frames=frames, durations_ms=meta["durationsMs"], fps=meta["fps"],
                     metadata=meta["metadata"], part_names=rig.get("partNames", []), part_maps=part_maps,
                     rig={"parts": rig.get("parts", {}), "frames": rig.get("frames", [])})
