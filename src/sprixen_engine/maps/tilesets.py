"""A map's tileset from a tile pack, and tile images for the terrain classes a pack does not cover.

Isometric maps use the 130×230 tile images as they are. Top-down, side-view and world maps use the
tile's flat texture (floors, walls) or its sprite (props) at the cell size, nearest-neighbour.
"""

from __future__ import annotations

from typing import Any

from PIL import Image

from ..config import read_toml
from ..requests import TileRequest
from ..results import slug
from .model import Map, TileDef


def cell_image(tile: Any, projection: str, cell: tuple[int, int]) -> Image.Image:
    """The image a map cell shows for ``tile`` (a :class:`~sprixen_engine.tiles.tile.Tile`)."""
    if projection == "isometric":
        return tile.image
    return tile.texture.convert("RGBA").resize(cell, Image.Resampling.NEAREST)


def pack_tiledefs(pack: Any, projection: str, cell: tuple[int, int]) -> list[TileDef]:
    """TileDefs (ids 1…n) for every tile of ``pack``; the terrain class comes from the pack entry."""
    out = []
    for i, tile in enumerate(pack.tiles, start=1):
        terrain = tile.metadata.get("terrain") or slug(tile.label, sep="_")
        out.append(TileDef(id=i, name=slug(tile.label, sep="_"), label=tile.label, terrain=terrain,
                           collision=tile.collision, image=cell_image(tile, projection, cell),
                           properties={"tileId": tile.id, "pack": pack.id, "projection": tile.projection}))
    return out


def render_missing_tiles(m: Map, engine: Any) -> list[str]:
    """Give every image-less tile of ``m`` an image made from its terrain class's material (floors,
    walls) or subject (decorations) in ``configs/terrain.toml``. Returns the names rendered.
    The ``collision`` marker stays without an image (its layer is hidden)."""
    from ..tiles.generate import generate_tile

    vocab = read_toml(engine.config.config_dir / "terrain.toml")
    rendered = []
    for t in m.tiles:
        if t.image is not None or t.terrain == "collision":
            continue
        entry, projection = _class_entry(vocab, t.terrain)
        if entry is None:
            continue
        material = str(entry.get("material", t.terrain.replace("_", " ")))
        if projection == "prop":
            prompt = f"a {material}"
        else:
            prompt = material
            projection = "wall" if t.terrain == "wall" else "floor"
        seed = (m.seed * 1000 + t.id) % 2**32
        tile = generate_tile(TileRequest(prompt=prompt, label=t.label, projection=projection, collision=t.collision,
                                         seed=seed, backend="procedural"), engine=engine)
        t.image = cell_image(tile, m.projection, (m.cell_w, m.cell_h))
        t.properties = {**t.properties, "generatedFrom": prompt}
        rendered.append(t.name)
    return rendered


def _class_entry(vocab: dict[str, Any], terrain: str) -> tuple[dict[str, Any] | None, str]:
    if terrain in vocab.get("terrain", {}):
        return vocab["terrain"][terrain], "floor"
    if terrain in vocab.get("decorations", {}):
        return vocab["decorations"][terrain], "prop"
    return None, "floor"
