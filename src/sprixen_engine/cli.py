"""The ``sprixen`` command line (typer + rich).

Bad input exits with status 2 and a one-line message naming the field.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .cli_common import err, fail
from .cli_maps import map_app
from .cli_mcp import mcp
from .cli_server import credits_app, keys_app, serve, worker
from .cli_weights import weights_app
from .errors import SprixenError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="sprixen-engine: offline game sprites, animations, tiles, maps and music.")
app.add_typer(weights_app, name="weights")
app.add_typer(map_app, name="map")
app.add_typer(keys_app, name="keys")
app.add_typer(credits_app, name="credits")
app.command("serve")(serve)
app.command("worker")(worker)
app.command("mcp")(mcp)
out = Console()


def _engine():
    from .engine import Engine

    return Engine()


def _write_files(make: Callable[[], list[Path]]) -> None:
    """Run ``make`` (which writes files and returns their paths) and print the paths, one per line;
    a :class:`SprixenError` becomes the one-line message and exit status 2."""
    try:
        written = make()
    except SprixenError as exc:
        fail(exc)
        return
    for path in written:
        out.print(str(path), highlight=False)


@app.command()
def generate(
    prompt: str = typer.Argument(..., help="What to draw, 3–500 characters."),
    output: Path = typer.Option(Path("."), "-o", "--output", help="Folder to write PNGs and JSON into."),
    type: str = typer.Option("sprite", "--type", help="sprite|variation|character|item|environment|pack"),
    variants: int = typer.Option(1, "--variants", "-n", help="Number of variants, 1–3."),
    resolution: str | None = typer.Option(None, "--resolution", help="Output size WxH, e.g. 64x64."),
    pixel_perfect: str = typer.Option("auto", "--pixel-perfect", help="auto|on|off"),
    no_base: bool = typer.Option(False, "--no-base", help="Strip ground shadows and pedestals."),
    skip_bg_removal: bool = typer.Option(False, "--skip-bg-removal", help="Keep the background."),
    pack_items: str | None = typer.Option(None, "--pack-items", help="Comma-separated items for one sheet."),
    reference: Path | None = typer.Option(None, "--reference", help="Reference PNG (variation or style)."),
    seed: int | None = typer.Option(None, "--seed", help="Seed for reproducible output."),
    backend: str = typer.Option("auto", "--backend", help="auto|procedural|sdxl"),
) -> None:
    """Generate sprites from a text prompt."""
    try:
        result = _engine().generate(
            prompt, type=type, variant_count=variants, resolution=resolution, pixel_perfect=pixel_perfect,
            no_base=no_base, skip_bg_removal=skip_bg_removal,
            pack_items=[s.strip() for s in pack_items.split(",") if s.strip()] if pack_items else None,
            reference_image=reference, seed=seed, backend=backend)
    except SprixenError as exc:
        fail(exc)
        return
    files = result.save(output)
    interp = result.metadata["interpretation"]
    out.print(f"[green]{result.id}[/] {interp.get('subject')} ({interp.get('category')}, "
              f"confidence {interp.get('subject_confidence', 0):.2f}) seed {result.metadata['seed']} "
              f"via {result.metadata['backend']} in {result.metadata['timingsMs']['total']:.1f} ms")
    for f in files:
        out.print(f"  {f}", highlight=False)


@app.command()
def batch(
    file: Path = typer.Argument(..., help="A .txt (prompt per line), .jsonl or .csv file of requests."),
    output: Path = typer.Option(..., "-o", "--output", help="Output folder (holds manifest.json)."),
    backend: str = typer.Option("auto", "--backend", help="auto|procedural|sdxl for rows that do not say."),
) -> None:
    """Generate every request in FILE; re-running skips rows already done."""
    from .batch import read_batch_file, run_batch

    try:
        rows = read_batch_file(file)
        engine = _engine()
    except SprixenError as exc:
        fail(exc)
        return
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]:.1f} items/s"), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=False) as progress:
        task = progress.add_task("generating", total=len(rows), rate=0.0)

        def tick(i: int, row, status: str) -> None:
            speed = progress.tasks[0].speed or 0.0
            progress.update(task, advance=1, rate=speed)
            if status == "error":
                progress.console.print(f"[yellow]line {row.line}:[/] failed, see manifest", highlight=False)

        manifest = run_batch(engine, rows, output, defaults={"backend": backend}, on_progress=tick)
    s = manifest["summary"]
    out.print(f"done {s['done']}, skipped {s['skipped']}, errors {s['error']} → {output / 'manifest.json'}")
    if s["error"]:
        for slot, item in manifest["items"].items():
            if item["status"] == "error":
                err.print(f"  {slot}: {item['error']}", highlight=False)
    raise typer.Exit(1 if s["error"] and not s["done"] and not s["skipped"] else 0)


@app.command()
def pixelize(
    image: Path = typer.Argument(..., help="Input image (pseudo pixel art)."),
    output: Path = typer.Option(..., "-o", "--output", help="Output PNG."),
    colors: int | None = typer.Option(None, "--colors", help="Palette size (default: detected)."),
    size: str | None = typer.Option(None, "--size", help="Snap to exactly WxH."),
    cell: float | None = typer.Option(None, "--cell", help="Cell size override in source pixels."),
    scale: int = typer.Option(1, "--scale", help="Also upscale the result by this integer (nearest)."),
) -> None:
    """Recover the true-resolution sprite from an upscaled, blurred, noisy rendition."""
    from .api import pixelize as _pixelize

    try:
        img = _pixelize(image, colors=colors, size=size, cell=cell)
    except SprixenError as exc:
        fail(exc)
        return
    if scale > 1:
        from PIL import Image

        img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    output.parent.mkdir(parents=True, exist_ok=True)
    img.save(output)
    out.print(f"{image} → {output} ({img.width}x{img.height})", highlight=False)


@app.command("remove-bg")
def remove_bg(
    image: Path = typer.Argument(..., help="Input image."),
    output: Path = typer.Option(..., "-o", "--output", help="Output PNG with transparency."),
    method: str = typer.Option("auto", "--method", help="auto|classic|rmbg"),
    no_base: bool = typer.Option(False, "--no-base", help="Also strip ground shadows and pedestals."),
) -> None:
    """Cut the subject out of its background."""
    from .api import remove_background

    try:
        img = remove_background(image, method=method, no_base=no_base)
    except SprixenError as exc:
        fail(exc)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    img.save(output)
    out.print(f"{image} → {output}", highlight=False)


@app.command()
def animate(
    sprite: Path = typer.Argument(..., help="Sprite PNG (one saved by `sprixen generate` keeps its parts)."),
    output: Path = typer.Option(Path("."), "-o", "--output", help="Folder for sheet, GIF, atlas, .tres, rig."),
    type: str = typer.Option("walk", "--type", help="idle|walk|run|attack|jump|death|hurt|custom"),
    frames: int | None = typer.Option(None, "--frames", help="Frame count 2–12 (default per type)."),
    fps: int | None = typer.Option(None, "--fps", help="Frames per second 4–60 (default per type)."),
    archetype: str | None = typer.Option(None, "--archetype",
                                         help="humanoid_biped|quadruped|winged|amorphous|serpentine"),
    direction: str = typer.Option("right", "--direction", help="right|left|up|down|up-right|up-left|down-right|down-left"),
    directions: int | None = typer.Option(None, "--directions", help="4 or 8: one sheet, a row per direction."),
    weapon_hand: str | None = typer.Option(None, "--weapon-hand", help="left|right|both"),
    weapon_type: str | None = typer.Option(None, "--weapon-type", help="sword, axe, spear, bow, staff ..."),
    shield: bool = typer.Option(False, "--shield", help="The sprite carries a shield."),
    description: str | None = typer.Option(None, "--description", help="Motion for --type custom."),
    normalize_size: bool = typer.Option(False, "--normalize-size", help="Keep the base sprite's size."),
    process: str | None = typer.Option(None, "--process", help="Also write a processed copy: stabilize|tight|aggressive"),
    frame_pngs: bool = typer.Option(False, "--frame-pngs", help="Also write one PNG per frame."),
    seed: int | None = typer.Option(None, "--seed", help="Seed (varies swing amplitudes slightly)."),
) -> None:
    """Animate a sprite: sheet PNG, GIF, Aseprite JSON, Godot SpriteFrames .tres and the rig as JSON."""
    options = dict(type=type, frame_count=frames, fps=fps, archetype=archetype, weapon_hand=weapon_hand,
                   weapon_type=weapon_type, has_shield=shield, custom_description=description,
                   normalize_size=normalize_size, seed=seed)

    def make() -> list[Path]:
        engine = _engine()
        if directions is not None:
            return engine.animate_directions(sprite, directions=directions, **options).save(output)
        result = engine.animate(sprite, direction=direction, **options)
        written = result.save(output, frame_pngs=frame_pngs)
        if process:
            written += engine.process_animation(result, process).save(output, frame_pngs=frame_pngs)
        return written

    _write_files(make)


@app.command()
def tile(
    prompt: str = typer.Argument(..., help='e.g. "mossy stone floor tile" or "an oak tree" (prop).'),
    output: Path = typer.Option(Path("."), "-o", "--output", help="Folder for the tile PNG, texture and JSON."),
    projection: str = typer.Option("floor", "--projection", help="floor|wall|prop"),
    label: str | None = typer.Option(None, "--label", help="Display name (default from the material)."),
    collision: bool = typer.Option(False, "--collision", help="The tile blocks movement."),
    seed: int | None = typer.Option(None, "--seed", help="Seed for reproducible output."),
    no_library: bool = typer.Option(False, "--no-library", help="Do not add it to the custom tile library."),
) -> None:
    """Make one isometric 130×230 tile (flat texture → projection)."""
    _write_files(lambda: _engine().generate_tile(prompt, label=label, projection=projection, collision=collision,
                                                 seed=seed, add_to_library=not no_library).save(output))


@app.command()
def tileset(
    prompt: str = typer.Argument(..., help='The painted terrain, e.g. "sand".'),
    output: Path = typer.Option(Path("."), "-o", "--output", help="Folder for atlas PNG, .tsx, .tres, JSON."),
    against: str = typer.Option("grass", "--against", help="The background terrain."),
    kind: str = typer.Option("wang16", "--kind", help="wang16|blob47"),
    view: str = typer.Option("top_down", "--view", help="top_down|isometric"),
    size: int = typer.Option(32, "--size", help="Tile size in pixels (top_down), 16–128."),
    seed: int | None = typer.Option(None, "--seed", help="Seed for reproducible output."),
) -> None:
    """Make an autotile set (16 Wang corners or 47 blob transitions) with a Tiled Wang set and a Godot terrain set."""
    _write_files(lambda: _engine().generate_tileset(prompt, against=against, kind=kind, view=view, size=size,
                                                    seed=seed).save(output))


@app.command("tile-packs")
def tile_packs() -> None:
    """List the tile packs (built-in and custom) as JSON."""
    import json

    try:
        packs = _engine().tile_packs()
    except SprixenError as exc:
        fail(exc)
        return
    out.print_json(json.dumps([p.to_json() for p in packs]))


@app.command()
def music(
    prompt: str | None = typer.Argument(None, help='e.g. "epic orchestral battle theme with brass".'),
    output: Path = typer.Option(Path("track.flac"), "-o", "--output", help="FLAC/WAV file, or a folder (FLAC + MIDI + stems)."),
    preset: str | None = typer.Option(None, "--preset", help="epic_orchestral, chiptune_adventure, … (10 presets)"),
    bpm: float | None = typer.Option(None, "--bpm", help="Tempo 40–240."),
    key: str | None = typer.Option(None, "--key", help='e.g. "D minor", "F# major".'),
    duration: float = typer.Option(30.0, "--duration", help="Seconds, 5–300."),
    loop: bool = typer.Option(False, "--loop", help="Make the end flow into the start."),
    stems: bool = typer.Option(False, "--stems", help="Also write drums/bass/harmony/melody stems (folder output)."),
    midi: bool = typer.Option(False, "--midi", help="Also write a .mid next to the audio file."),
    reference: Path | None = typer.Option(None, "--reference", help="Audio whose tempo and key to follow."),
    seed: int | None = typer.Option(None, "--seed", help="Seed for identical output."),
    bit_depth: int = typer.Option(16, "--bit-depth", help="16 or 24."),
    backend: str = typer.Option("auto", "--backend", help="auto|procedural|musicgen"),
) -> None:
    """Compose and render game music to FLAC (and MIDI, stems)."""

    def make() -> list[Path]:
        track = _engine().generate_music(prompt, preset=preset, bpm=bpm, key=key, duration=duration, loop=loop,
                                         stems=stems, seed=seed, reference_audio=reference, bit_depth=bit_depth,
                                         backend=backend)
        written = track.save(output)
        if midi and output.suffix:
            written.append(track.save_midi(output.with_suffix(".mid")))
        return written

    _write_files(make)


@app.command()
def showcase(
    output: Path = typer.Option(Path("showcase"), "-o", "--output", help="Folder for the gallery."),
) -> None:
    """Write the demo gallery: ~30 prompts at two sizes, an index.html and a contact sheet."""
    from .showcase import build_showcase

    try:
        index = build_showcase(_engine(), output, console=err)
    except SprixenError as exc:
        fail(exc)
        return
    out.print(f"showcase written: {index}", highlight=False)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
