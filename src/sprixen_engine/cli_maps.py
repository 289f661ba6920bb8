"""``sprixen map``: create, edit, export and preview maps saved as ``<name>.map.json``.

Registered in :mod:`sprixen_engine.cli` with ``app.add_typer(map_app, name="map")``. Bad input exits with
status 2 and one message naming the field.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from .cli_common import fail
from .errors import SprixenError

map_app = typer.Typer(add_completion=False, no_args_is_help=True,
                      help="Create, edit (plain English), export and preview tile maps.")
out = Console()


def _engine():
    from .engine import Engine

    return Engine()


def _load(path: Path):
    from .maps.io import load_map

    return load_map(path)


@map_app.command("create")
def create(
    name: str = typer.Argument(..., help="Map name."),
    output: Path = typer.Option(Path("."), "-o", "--output", help="Folder for <name>.map.json and its tiles."),
    projection: str = typer.Option("isometric", "--projection", help="isometric|top_down|side_view|world"),
    width: int = typer.Option(16, "--width", help="Grid width in cells, 4–512."),
    height: int = typer.Option(16, "--height", help="Grid height in cells, 4–512."),
    tile_pack: str | None = typer.Option(None, "--tile-pack", help="fantasy_terrain|dungeon|winter|desert|custom"),
    seed: int | None = typer.Option(None, "--seed", help="Seed for reproducible maps."),
    preview: bool = typer.Option(True, "--preview/--no-preview", help="Also write <name>.png."),
) -> None:
    """Generate a map (biomes, rivers, roads, villages) and save it."""
    try:
        m = _engine().create_map(name, projection=projection, width=width, height=height, tile_pack=tile_pack,
                                 seed=seed)
        written = m.save(output)
        if preview:
            png = Path(written[0]).with_suffix("").with_suffix(".png")
            m.preview().save(png)
            written.append(png)
    except SprixenError as exc:
        fail(exc)
        return
    out.print(str(written[0]), highlight=False)


@map_app.command("edit")
def edit(
    path: Path = typer.Argument(..., help="A <name>.map.json."),
    prompt: str = typer.Argument(..., help='e.g. "Add a river running through the center".'),
) -> None:
    """Edit a saved map in plain English; saves the new version in place (undo with `sprixen map undo`)."""
    import json

    try:
        result = _engine().edit_map(_load(path), prompt)
        result.map.save(path.parent)
    except SprixenError as exc:
        fail(exc)
        return
    out.print_json(json.dumps({"version": result.map.version, "operations": result.operations,
                               "summary": result.summary}, default=str))


@map_app.command("undo")
def undo(path: Path = typer.Argument(..., help="A <name>.map.json.")) -> None:
    """Restore the previous version of a saved map."""
    from .maps.edit import undo as undo_map

    try:
        m = undo_map(_load(path))
        m.save(path.parent)
    except SprixenError as exc:
        fail(exc)
        return
    out.print(f"{path} → version {m.version}", highlight=False)


@map_app.command("export")
def export(
    path: Path = typer.Argument(..., help="A <name>.map.json."),
    format: str = typer.Option(..., "--format", "-f", help="json|tmx|godot|unity|gamemaker"),
    output: Path | None = typer.Option(None, "-o", "--output", help="Zip file (default <name>_<format>.zip)."),
    layer_encoding: str = typer.Option("csv", "--layer-encoding", help="csv|base64-zlib (tmx)"),
) -> None:
    """Export a saved map as a zip for a game engine or editor."""
    try:
        m = _load(path)
        data = _engine().export_map(m, format, layer_encoding=layer_encoding)
    except SprixenError as exc:
        fail(exc)
        return
    target = output or path.with_name(f"{path.name.split('.')[0]}_{format}.zip")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    out.print(str(target), highlight=False)


@map_app.command("preview")
def preview(
    path: Path = typer.Argument(..., help="A <name>.map.json."),
    output: Path = typer.Option(..., "-o", "--output", help="PNG to write."),
) -> None:
    """Render a saved map to a PNG."""
    try:
        image = _load(path).preview()
    except SprixenError as exc:
        fail(exc)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    image.save(output)
    out.print(str(output), highlight=False)
