"""Pieces every map exporter shares: the tileset atlas, tile-id remapping, collision shapes and the zip.

The atlas packs the map's ``TileDef`` images into one PNG grid (no margin, no spacing), one cell per
tile in tileset order. Every exporter uses the same atlas, so a tile sits at the same atlas cell in the
TSX, the Godot ``TileSetAtlasSource`` and the Unity loader; GameMaker's tileset asks for one blank cell
first (``leading_blank=True``) because GameMaker reserves tile index 0 for "no tile".

Collision (see :func:`collision_rects`): the exported collision shapes are the map's own collision
objects (a ``collision`` object layer) plus, for every row, one rectangle per horizontal run of blocked
cells that those objects do not already cover. A cell is blocked when a tile layer holds a tile whose
``TileDef.collision`` is true there, or when a *tile* layer named ``collision`` is non-zero there.
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from ..errors import invalid
from .model import Map, MapObject

#: grey levels of the flat placeholders drawn for tiles that have no image yet (neutral; one level per tile name,
#: so that a map whose tiles are not rendered yet still shows its structure)
PLACEHOLDER_LEVELS = tuple(range(104, 177, 12))
#: fixed zip timestamp so the same map exports to byte-identical archives
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


# --------------------------------------------------------------------------- naming


def slug(name: str, *, default: str = "map") -> str:
    """A file-name-safe identifier: lower-case letters, digits and ``_`` (``"Dark Forest!"`` → ``dark_forest``)."""
    s = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if not s:
        s = default
    if s[0].isdigit():
        s = f"{default}_{s}"
    return s


# --------------------------------------------------------------------------- atlas


@dataclass
class Atlas:
    """The map's tiles packed into one RGBA grid.

    image : the atlas, ``columns * tile_w`` × ``rows * tile_h``. tile_w, tile_h : size of one cell (the
    tile image size: 130×230 for isometric tiles, the cell size otherwise). cells : tile id → atlas cell
    index (row-major). notes : what was done to tiles that had no image or an odd size.
    """

    image: Image.Image
    tile_w: int
    tile_h: int
    columns: int
    rows: int
    cells: dict[int, int]
    leading_blank: bool = False
    notes: list[str] = field(default_factory=list)

    def cell_xy(self, tile_id: int) -> tuple[int, int]:
        """Atlas (column, row) of a tile id."""
        i = self.cells[tile_id]
        return i % self.columns, i // self.columns

    @property
    def tile_count(self) -> int:
        """Tiles in the atlas, the leading blank included."""
        return len(self.cells) + (1 if self.leading_blank else 0)

    def png(self) -> bytes:
        return png_bytes(self.image)


def png_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False, compress_level=6)
    return buf.getvalue()


def tile_image_size(m: Map) -> tuple[int, int]:
    """The atlas cell size: the largest tile image, or the map's cell size when no tile has an image."""
    sizes = [t.image.size for t in m.tiles if t.image is not None]
    if not sizes:
        return m.cell_w, m.cell_h
    return max(max(w for w, _ in sizes), m.cell_w), max(max(h for _, h in sizes), m.cell_h)


def placeholder_level(name: str) -> int:
    """The grey level of a tile's placeholder (stable across runs: no ``hash()``)."""
    return PLACEHOLDER_LEVELS[sum((i + 1) * ord(c) for i, c in enumerate(name)) % len(PLACEHOLDER_LEVELS)]


def _placeholder(m: Map, tw: int, th: int, level: int) -> Image.Image:
    """A flat grey tile: the cell's footprint (diamond for isometric, square otherwise), bottom-aligned."""
    img = Image.new("RGBA", (tw, th), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    cw, ch = m.cell_w, m.cell_h
    x0, y0 = (tw - cw) // 2, th - ch
    fill, edge = (level, level, level, 255), (level - 32, level - 32, level - 32, 255)
    if m.projection == "isometric":
        pts = [(x0 + cw / 2, y0), (x0 + cw - 1, y0 + ch / 2), (x0 + cw / 2, y0 + ch - 1), (x0, y0 + ch / 2)]
        d.polygon(pts, fill=fill, outline=edge)
    else:
        d.rectangle([x0, y0, x0 + cw - 1, y0 + ch - 1], fill=fill, outline=edge)
    return img


def build_atlas(m: Map, *, leading_blank: bool = False, columns: int | None = None) -> Atlas:
    """Pack ``m.tiles`` into one grid image.

    Tiles keep their tileset order (cell ``i`` = ``m.tiles[i]``, or ``i + 1`` with ``leading_blank``).
    An image smaller than the cell is pasted bottom-centred (Tiled, Godot and this atlas all anchor a tile
    at the bottom of its cell); a larger one is cropped the same way. A tile without an image gets a flat
    neutral-grey placeholder (:func:`placeholder_level`) and a note.
    """
    tw, th = tile_image_size(m)
    n = len(m.tiles) + (1 if leading_blank else 0)
    cols = columns or max(1, math.ceil(math.sqrt(max(n, 1))))
    rows = max(1, math.ceil(n / cols))
    sheet = Image.new("RGBA", (cols * tw, rows * th), (0, 0, 0, 0))
    cells: dict[int, int] = {}
    notes: list[str] = []
    for k, t in enumerate(m.tiles):
        i = k + (1 if leading_blank else 0)
        cells[t.id] = i
        if t.image is None:
            level = placeholder_level(t.name)
            img = _placeholder(m, tw, th, level)
            notes.append(f"tile {t.name!r} (id {t.id}) has no image: flat grey placeholder (level {level})")
        else:
            img = t.image if t.image.mode == "RGBA" else t.image.convert("RGBA")
            if img.size != (tw, th):
                notes.append(f"tile {t.name!r} (id {t.id}) is {img.width}x{img.height}, "
                             f"placed bottom-centred in a {tw}x{th} cell")
        if img.width > tw or img.height > th:
            left, top = max((img.width - tw) // 2, 0), max(img.height - th, 0)
            img = img.crop((left, top, left + min(tw, img.width), top + min(th, img.height)))
        sheet.alpha_composite(img, ((i % cols) * tw + (tw - img.width) // 2, (i // cols) * th + th - img.height))
    return Atlas(sheet, tw, th, cols, rows, cells, leading_blank, notes)


# --------------------------------------------------------------------------- layers and tile ids


def tile_layers(m: Map):
    """The map's tile layers (``kind == "tiles"`` with data), in drawing order."""
    return [la for la in m.layers if la.kind == "tiles" and la.data is not None]


def object_layers(m: Map):
    return [la for la in m.layers if la.kind == "objects"]


def tile_lut(m: Map, atlas_offset: int = 0) -> np.ndarray:
    """Lookup array: tile id → 1-based position in ``m.tiles`` (+ ``atlas_offset``), 0 for empty."""
    top = max([t.id for t in m.tiles] + [0])
    lut = np.full(top + 1, -1, dtype=np.int64)
    lut[0] = 0
    for k, t in enumerate(m.tiles):
        lut[t.id] = k + 1 + atlas_offset
    return lut


def remap_layer(m: Map, layer, lut: np.ndarray) -> np.ndarray:
    """``layer.data`` through ``lut`` as uint32 ``(H, W)``; unknown ids raise ``InvalidRequest``."""
    data = np.asarray(layer.data)
    if data.shape != (m.height, m.width):
        raise invalid(f"layers.{layer.name}.data", f"must have shape ({m.height}, {m.width})", data.shape)
    d = data.astype(np.int64, copy=False)
    bad = (d < 0) | (d >= len(lut))
    if not bad.any():
        out = lut[d]
        bad = out < 0
    if bad.any():
        y, x = np.argwhere(bad)[0]
        raise invalid(f"layers.{layer.name}.data", f"must hold 0 or a tile id of the map's tileset at cell ({x}, {y})",
                      int(d[y, x]))
    return out.astype(np.uint32)


# --------------------------------------------------------------------------- collision


def blocked_cells(m: Map) -> np.ndarray:
    """``(H, W)`` bool: cells under a collision tile, or non-zero in a tile layer named ``collision``."""
    blocked = np.zeros((m.height, m.width), dtype=bool)
    solid_ids = [t.id for t in m.tiles if t.collision]
    for la in tile_layers(m):
        d = np.asarray(la.data)
        if d.shape != blocked.shape:
            continue
        if la.name == "collision":
            blocked |= d != 0
        elif solid_ids:
            blocked |= np.isin(d, solid_ids)
    return blocked


def merged_runs(mask: np.ndarray) -> list[tuple[int, int, int]]:
    """Horizontal runs of True cells, row by row: ``[(x, y, length), …]``."""
    runs: list[tuple[int, int, int]] = []
    if not mask.any():
        return runs
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    edges = np.diff(padded, axis=1)
    for y in np.nonzero(mask.any(axis=1))[0]:
        starts = np.nonzero(edges[y] == 1)[0]
        ends = np.nonzero(edges[y] == -1)[0]
        runs.extend((int(s), int(y), int(e - s)) for s, e in zip(starts, ends))
    return runs


@dataclass
class CollisionShape:
    """An axis-aligned rectangle in cell units (the map's own object, or a merged run of blocked cells)."""

    x: float
    y: float
    w: float
    h: float
    name: str = ""
    type: str = "collision"
    properties: dict[str, Any] = field(default_factory=dict)
    source: str = "tiles"      # "tiles" (derived from collision tiles) | "object" (the map's own object)


def collision_shapes(m: Map) -> list[CollisionShape]:
    """The map's collision objects, then one rectangle per run of blocked cells they don't already cover."""
    shapes: list[CollisionShape] = []
    covered = np.zeros((m.height, m.width), dtype=bool)
    for la in object_layers(m):
        if la.name != "collision":
            continue
        for o in la.objects:
            shapes.append(CollisionShape(o.x, o.y, o.w, o.h, o.name, o.type or "collision", dict(o.properties),
                                         "object"))
            x0, y0 = max(math.ceil(o.x - 1e-9), 0), max(math.ceil(o.y - 1e-9), 0)
            x1, y1 = min(math.floor(o.x + o.w + 1e-9), m.width), min(math.floor(o.y + o.h + 1e-9), m.height)
            if x1 > x0 and y1 > y0:
                covered[y0:y1, x0:x1] = True
    for x, y, n in merged_runs(blocked_cells(m) & ~covered):
        shapes.append(CollisionShape(x, y, n, 1, "", "collision", {}, "tiles"))
    return shapes


def collision_mask(m: Map) -> np.ndarray:
    """``(H, W)`` bool: cells whose centre lies inside any of :func:`collision_shapes`."""
    mask = np.zeros((m.height, m.width), dtype=bool)
    for s in collision_shapes(m):
        x0, y0 = max(math.ceil(s.x - 0.5), 0), max(math.ceil(s.y - 0.5), 0)
        x1, y1 = min(math.ceil(s.x + s.w - 0.5), m.width), min(math.ceil(s.y + s.h - 0.5), m.height)
        if x1 > x0 and y1 > y0:
            mask[y0:y1, x0:x1] = True
    return mask


def entity_objects(m: Map) -> list[tuple[str, list[MapObject]]]:
    """Object layers other than ``collision``: ``[(layer name, objects), …]``."""
    return [(la.name, la.objects) for la in object_layers(m) if la.name != "collision"]


# --------------------------------------------------------------------------- properties


def map_properties(m: Map) -> dict[str, Any]:
    """The custom properties every export carries for the map, then ``m.properties``.

    Names avoid the TMX ``<map>`` attribute names (``name``, ``version``, ``width`` …) because pytmx refuses
    properties that shadow an attribute; a map property with such a name is written as ``map_<name>``.
    """
    props: dict[str, Any] = {"map_name": m.name, "projection": m.projection, "seed": int(m.seed),
                             "map_version": int(m.version)}
    if m.tile_pack:
        props["tile_pack"] = m.tile_pack
    if m.id:
        props["map_id"] = m.id
    for k, v in m.properties.items():
        k = str(k)
        props.setdefault(f"map_{k}" if k in RESERVED_MAP_NAMES else k, v)
    return props


#: attribute names of TMX ``<map>`` / ``<object>`` elements that pytmx will not accept as property names
RESERVED_MAP_NAMES = frozenset({"name", "version", "tiledversion", "orientation", "renderorder", "width", "height",
                                "tilewidth", "tileheight", "infinite", "nextlayerid", "nextobjectid", "id",
                                "backgroundcolor", "compressionlevel", "properties", "class", "type"})
RESERVED_OBJECT_NAMES = frozenset({"id", "name", "type", "class", "x", "y", "width", "height", "rotation", "gid",
                                   "visible", "template", "properties", "points", "image", "object_type"})


RESERVED_LAYER_NAMES = frozenset({"id", "name", "class", "type", "x", "y", "width", "height", "opacity", "visible",
                                  "locked", "offsetx", "offsety", "parallaxx", "parallaxy", "tintcolor", "color",
                                  "draworder", "encoding", "compression", "properties", "data"})


def object_properties(props: dict[str, Any]) -> dict[str, Any]:
    """An object's properties with names that shadow an object attribute written as ``prop_<name>``."""
    return {(f"prop_{k}" if str(k) in RESERVED_OBJECT_NAMES else str(k)): v for k, v in props.items()}


def layer_properties(props: dict[str, Any]) -> dict[str, Any]:
    """A layer's properties with names that shadow a layer attribute written as ``prop_<name>``."""
    return {(f"prop_{k}" if str(k) in RESERVED_LAYER_NAMES else str(k)): v for k, v in props.items()}


def tile_properties(t) -> dict[str, Any]:
    props: dict[str, Any] = {"name": t.name, "label": t.label, "terrain": t.terrain, "collision": bool(t.collision)}
    for k, v in t.properties.items():
        props.setdefault(str(k), v)
    return props


def plain(value: Any) -> Any:
    """A JSON-able version of a property value (numpy scalars → Python, others → str)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return str(value)


# --------------------------------------------------------------------------- zip


class ZipWriter:
    """Deterministic zip in memory: fixed timestamps, entries in insertion order, deflate."""

    def __init__(self) -> None:
        self._buf = io.BytesIO()
        self._zip = zipfile.ZipFile(self._buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)

    def add(self, name: str, data: bytes | str) -> None:
        info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        self._zip.writestr(info, data.encode("utf-8") if isinstance(data, str) else data)

    def finish(self) -> bytes:
        self._zip.close()
        return self._buf.getvalue()
