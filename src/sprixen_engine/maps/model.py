"""The map model: a grid of tile ids in named layers, the tileset they index, and the edit history.

Coordinates: cell ``(x, y)`` = column ``x`` (0 … width-1, west → east), row ``y`` (0 … height-1,
north → south). Layer arrays are ``(height, width)`` and indexed ``[y, x]``. Tile id 0 = empty;
ids 1 … len(tileset) index ``Map.tiles`` (``tiles[id - 1]``), the way Tiled's gids work with firstgid 1.

Isometric maps use Tiled's ``isometric`` (diamond) layout: cell ``(x, y)`` has its footprint centre at
``((x - y) * cell_w / 2, (x + y) * cell_h / 2)`` relative to cell (0, 0); tile images are taller than the
cell (130×230 for a 130×66 cell) and are drawn bottom-aligned, as Tiled does.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

PROJECTIONS = ("isometric", "top_down", "side_view", "world")
LAYER_NAMES = ("terrain", "decorations", "entities", "collision")
#: grid cell size in pixels per projection (isometric: the 130×66 footprint of a 130×230 tile)
CELL_SIZE = {"isometric": (130, 66), "top_down": (32, 32), "side_view": (32, 32), "world": (32, 32)}


@dataclass
class TileDef:
    """One tile of a map's tileset.

    id : 1-based tile id used in layer arrays. name : stable key, e.g. ``"grass"``, ``"water"``.
    label : display name. terrain : material / terrain class (``grass``, ``water`` …) used by edits.
    collision : whether the tile blocks movement (exports add a collision shape).
    image : RGBA PIL image (130×230 isometric, else cell size), or ``None`` until rendered.
    properties : extra JSON-able properties exported as custom properties.
    """

    id: int
    name: str
    label: str
    terrain: str
    collision: bool = False
    image: Image.Image | None = None
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class MapObject:
    """An object on an object layer (entities, collision shapes), in cell units.

    x, y : top-left in cells (floats allowed). w, h : size in cells. type : e.g. ``spawn``, ``chest``.
    """

    id: int
    name: str
    type: str
    x: float
    y: float
    w: float = 1.0
    h: float = 1.0
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class Layer:
    """A named layer: a tile layer (``data`` ``(H, W)`` int32 tile ids) or an object layer (``objects``)."""

    name: str
    kind: str = "tiles"                 # "tiles" | "objects"
    data: np.ndarray | None = None
    objects: list[MapObject] = field(default_factory=list)
    visible: bool = True
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class Map:
    """A tile map.

    name, projection (isometric | top_down | side_view | world), width × height cells, cell size in pixels,
    the tileset ``tiles``, ``layers`` (terrain, decorations, entities, collision by default), the tile pack
    the tiles came from, free ``properties``, the generation ``seed``, the ``version`` (1 on creation,
    +1 per edit) and ``history`` (earlier versions' layers, oldest first, for undo).
    """

    name: str
    projection: str
    width: int
    height: int
    cell_w: int
    cell_h: int
    tiles: list[TileDef] = field(default_factory=list)
    layers: list[Layer] = field(default_factory=list)
    tile_pack: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    version: int = 1
    history: list[list[Layer]] = field(default_factory=list)
    id: str = ""

    def layer(self, name: str) -> Layer:
        """The layer called ``name`` (KeyError naming the layers when missing)."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(f"no layer {name!r}; layers: {[la.name for la in self.layers]}")

    def tile(self, name_or_id: str | int) -> TileDef:
        """A tileset entry by name or id."""
        for t in self.tiles:
            if t.id == name_or_id or t.name == name_or_id:
                return t
        raise KeyError(f"no tile {name_or_id!r}; tiles: {[t.name for t in self.tiles]}")

    def copy(self) -> Map:
        """A deep copy (tile images shared: they are never edited in place)."""
        images = [t.image for t in self.tiles]
        for t in self.tiles:
            t.image = None
        try:
            out = copy.deepcopy(self)
        finally:
            for t, img in zip(self.tiles, images):
                t.image = img
        for t, img in zip(out.tiles, images):
            t.image = img
        return out

    # trivial delegations to maps/io.py (the logic lives there)
    def save(self, path: str | Path) -> list[Path]:
        """Write ``{name}.map.json`` (+ tile PNGs) into the folder ``path``; see :func:`maps.io.save_map`."""
        from .io import save_map

        return save_map(self, path)

    @classmethod
    def load(cls, path: str | Path) -> Map:
        """Read a map written by :meth:`save`; see :func:`maps.io.load_map`."""
        from .io import load_map

        return load_map(path)

    def preview(self, *, scale: float | None = None, max_side: int = 4096) -> Image.Image:
        """An RGBA picture of the map; see :func:`maps.io.preview`."""
        from .io import preview

        return preview(self, scale=scale, max_side=max_side)
