"""Map exports: one zip per target engine, each written the way the target tool writes its own files.

>>> data = export_map(m, "tmx")                       # doctest: +SKIP
>>> zipfile.ZipFile(io.BytesIO(data)).namelist()      # doctest: +SKIP
['README.txt', 'meadow.tmx', 'meadow_tiles.tsx', 'meadow.tmj', 'meadow_tiles.tsj', 'meadow_tiles.png']

Formats (``FORMATS``):

``json``       the engine's own schema (``maps.io.save_map``: ``<map>.map.json`` + ``<map>_tiles/*.png``).
``tmx``        Tiled: TMX + external TSX + tileset PNG, and the same map as Tiled JSON (.tmj + .tsj);
               orthogonal or isometric; tile layers as CSV or base64-zlib (``layer_encoding``).
``godot``      Godot 4.3+: ``.tscn`` with one ``TileMapLayer`` per tile layer + ``.tres`` ``TileSet``.
``unity``      a folder for ``Assets/``: TMX/TSX for SuperTiled2Unity, plus a plain JSON and an editor script
               ``SprixenMapLoader.cs`` that builds a Tilemap from it.
``gamemaker``  a GameMaker 2024 project: room ``.yy`` with ``GMRTileLayer`` s, tileset and sprite ``.yy``, PNG.

Every zip has a ``README.txt`` naming its files, the conventions used and what was not verified. The same
map gives a byte-identical zip (fixed timestamps, deterministic ids).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..errors import invalid
from .export_common import ZipWriter, build_atlas, slug
from .model import PROJECTIONS, Map

FORMATS = ("json", "tmx", "godot", "unity", "gamemaker")
LAYER_ENCODINGS = ("csv", "base64-zlib")

_CONTENTS = {
    "json": "the engine's own map schema (see sprixen_engine.maps.io): {base}.map.json and the tile images in "
            "{base}_tiles/. Load it back with sprixen_engine.maps.io.load_map.",
    "tmx": "Tiled {tiled}: {base}.tmx (map, {orientation}, layers encoded as {encoding}) + {base}_tiles.tsx "
           "(tileset) + {base}_tiles.png (atlas), and the same map as Tiled JSON: {base}.tmj + {base}_tiles.tsj.\n"
           "Tile layers: {tile_layers}. Object layers: {object_layers}. The collision object layer holds the "
           "map's own collision objects plus one rectangle per horizontal run of blocked cells "
           "(property collision_source = object | tiles); collision tiles also carry a collision polygon in "
           "the tileset.",
    "godot": "Godot 4.3+: {base}.tscn (a Node2D with one TileMapLayer per tile layer: {tile_layers}; entities as "
             "Marker2D nodes) + {base}_tileset.tres (TileSet{shape}, one TileSetAtlasSource, physics layer 0 "
             "with polygons on collision tiles, a terrain set, custom data layers) + {base}_tiles.png.\n"
             "Copy the three files into one folder of your project: the scene and the TileSet refer to each other "
             "by relative paths, which Godot resolves against the file's own folder.",
    "unity": "see the README.txt inside this folder.",
    "gamemaker": "a GameMaker 2024 project: {base}.yyp, rooms/rm_{base}/ (one GMRTileLayer per tile layer, "
                 "TileCompressedData run-length encoded, a hidden 'collision' tile layer), tilesets/ts_{base}/, "
                 "sprites/spr_{base}_tiles/ (the tileset PNG; tile 0 is GameMaker's empty tile), and "
                 "datafiles/{base}_objects.json (entities and collision rectangles).{iso}\n"
                 "Record tags, key order and the .yyp's IDEVersion are copied from IDE-saved GameMaker files "
                 "(YoYoGames/GM-TestFramework projects/xUnit, October 2024); open the .yyp and let the IDE upgrade "
                 "it if it asks. The project was not opened in GameMaker by the tests (they decode the tile data "
                 "back to the map's grid and check every listed resource is present).",
}


def _check(m: Map, fmt: str, layer_encoding: str) -> None:
    if not isinstance(m, Map):
        raise TypeError(f"map must be a sprixen_engine.maps.model.Map, got {type(m).__name__}")
    if fmt not in FORMATS:
        raise invalid("format", "must be one of json, tmx, godot, unity, gamemaker", fmt)
    if layer_encoding not in LAYER_ENCODINGS:
        raise invalid("layer_encoding", "must be one of csv, base64-zlib", layer_encoding)
    if m.projection not in PROJECTIONS:
        raise invalid("projection", f"must be one of {', '.join(PROJECTIONS)}", m.projection)
    if m.width < 1 or m.height < 1 or m.cell_w < 1 or m.cell_h < 1:
        raise invalid("map", "width, height and cell size must be positive", (m.width, m.height, m.cell_w, m.cell_h))


def export_files(m: Map, format: str, *, layer_encoding: str = "csv") -> dict[str, bytes | str]:
    """The files of an export as ``{path in the zip: content}`` (what :func:`export_map` zips)."""
    fmt = format.lower().strip() if isinstance(format, str) else format
    _check(m, fmt, layer_encoding)
    base = slug(m.name)
    files: dict[str, bytes | str]
    notes: list[str] = []
    if fmt == "json":
        files = _json_files(m)
    elif fmt == "tmx":
        from .export_tiled import tiled_files

        atlas = build_atlas(m)
        notes = atlas.notes
        files = tiled_files(m, base, layer_encoding=layer_encoding, atlas=atlas)
    elif fmt == "godot":
        from .export_godot import godot_files

        atlas = build_atlas(m)
        notes = atlas.notes
        files = godot_files(m, base, atlas=atlas)
    elif fmt == "unity":
        from .export_unity import unity_files

        atlas = build_atlas(m)
        notes = atlas.notes
        files = unity_files(m, base, layer_encoding=layer_encoding, atlas=atlas)
        if notes:
            files["README.txt"] = str(files["README.txt"]) + _notes_text(notes)
        return {f"{base}/{k}": v for k, v in files.items()}
    else:
        from .export_gamemaker import gamemaker_files

        atlas = build_atlas(m, leading_blank=True)
        notes = atlas.notes
        files = gamemaker_files(m, base, atlas=atlas)
    return {"README.txt": _readme(m, fmt, base, layer_encoding, notes), **files}


def export_map(m: Map, format: str, *, layer_encoding: str = "csv") -> bytes:
    """Export ``m`` for a target engine as the bytes of a zip.

    Parameters
    ----------
    m : the map.
    format : ``json`` | ``tmx`` | ``godot`` | ``unity`` | ``gamemaker`` (case-insensitive).
    layer_encoding : ``csv`` | ``base64-zlib``: how TMX / TMJ tile layers are stored (``tmx`` and ``unity``).

    Raises
    ------
    InvalidRequest : unknown format or layer encoding (the message names the field), a layer holding a tile id
        that is not in the map's tileset, a layer of the wrong shape.
    """
    files = export_files(m, format, layer_encoding=layer_encoding)      # validates before any zip is opened
    z = ZipWriter()
    for name, content in files.items():
        z.add(name, content)
    return z.finish()


# --------------------------------------------------------------------------- json


def _json_files(m: Map) -> dict[str, bytes | str]:
    """The files ``maps.io.save_map`` writes, read back from a temporary folder."""
    from .io import save_map

    with tempfile.TemporaryDirectory(prefix="sprixen-export-") as tmp:
        root = Path(tmp)
        written = save_map(m, root)
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in written}


# --------------------------------------------------------------------------- README


def _notes_text(notes: list[str]) -> str:
    return "\nTileset notes:\n" + "".join(f"- {n}\n" for n in notes)


def _readme(m: Map, fmt: str, base: str, layer_encoding: str, notes: list[str]) -> str:
    tls = [la.name for la in m.layers if la.kind == "tiles" and la.data is not None and la.name != "collision"]
    ols = [la.name for la in m.layers if la.kind == "objects" and la.name != "collision"] + ["collision"]
    iso = m.projection == "isometric"
    body = _CONTENTS[fmt].format(
        base=base, tiled="1.10 format", orientation="isometric" if iso else "orthogonal",
        encoding="CSV" if layer_encoding == "csv" else "base64 + zlib", tile_layers=", ".join(tls) or "none",
        object_layers=", ".join(ols), shape=", isometric tile shape, diamond-down layout" if iso else "",
        iso=(" GameMaker tile layers are orthogonal only: for this isometric map they keep the grid and are hidden;"
             " notes/sprixen_draw_iso.gml draws them on the diamond grid." if iso else ""))
    title = f"{m.name} - {fmt} export from sprixen-engine"
    lines = [title, "=" * len(title), "",
             f"Map: {m.width}x{m.height} cells, {m.projection} projection, cell {m.cell_w}x{m.cell_h} px, "
             f"{len(m.tiles)} tiles, seed {m.seed}, version {m.version}.", "", body, ""]
    return "\n".join(lines) + (_notes_text(notes) if notes else "")
