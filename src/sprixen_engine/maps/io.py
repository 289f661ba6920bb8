"""Save / load maps in the engine's own JSON schema, and draw previews.

File schema (``{name}.map.json``, ``format = "sprixen-map"``, ``formatVersion = 1``)::

    {
      "format": "sprixen-map", "formatVersion": 1,
      "id": "", "name": "Meadow", "projectionType": "isometric",       # isometric | top_down | side_view | world
      "gridWidth": 16, "gridHeight": 16,
      "cellSize": {"width": 130, "height": 66},                       # pixels of one cell's footprint
      "version": 2, "seed": 7, "tilePack": null,
      "tiles": [{"id": 1, "name": "grass", "label": "Grass", "terrain": "grass", "collision": false,
                 "image": "meadow_tiles/001_grass.png" | null, "properties": {...}}, ...],
      "layers": [<layer>, ...],                                       # terrain, decorations, entities, collision
      "properties": {...},
      "historyLength": 1,
      "history": [[<layer>, ...], ...]                                # earlier versions' layers, oldest first
    }

    tile layer:   {"name", "kind": "tiles", "visible", "properties",
                   "encoding": "raw" | "rle", "data": [...]}
                  raw: gridHeight × gridWidth tile ids, row-major (row 0 = north);
                  rle: [id, run, id, run, ...] over the same row-major order. 0 = empty; id n = tiles[n - 1].
    object layer: {"name", "kind": "objects", "visible", "properties",
                   "objects": [{"id", "name", "type", "x", "y", "w", "h", "properties"}]}   # cells, floats

Tile images (when a tile has one) are PNGs in a sibling folder ``{stem}_tiles/`` named ``{id:03d}_{name}.png``;
``image`` holds the path relative to the JSON file.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from ..errors import invalid
from ..results import slug
from .generate import Vocabulary, load_vocabulary, tile_class
from .model import Layer, Map, MapObject, TileDef

FORMAT, FORMAT_VERSION = "sprixen-map", 1


# ----------------------------------------------------------------------------------------------- encode
def rle_encode(data: np.ndarray) -> list[int]:
    """``[value, run, value, run, …]`` of ``data`` in row-major order."""
    flat = np.asarray(data).ravel()
    if flat.size == 0:
        return []
    starts = np.flatnonzero(np.concatenate(([True], flat[1:] != flat[:-1])))
    runs = np.diff(np.concatenate((starts, [flat.size])))
    out = np.empty(2 * starts.size, np.int64)
    out[0::2], out[1::2] = flat[starts], runs
    return out.tolist()


def rle_decode(pairs: list[int], shape: tuple[int, int]) -> np.ndarray:
    arr = np.asarray(pairs, np.int64).reshape(-1, 2)
    flat = np.repeat(arr[:, 0], arr[:, 1])
    if flat.size != shape[0] * shape[1]:
        raise invalid("layers", f"RLE data covers {flat.size} cells, expected {shape[0] * shape[1]}", flat.size)
    return flat.reshape(shape).astype(np.int32)


def _layer_to_json(layer: Layer) -> dict[str, Any]:
    out: dict[str, Any] = {"name": layer.name, "kind": layer.kind, "visible": layer.visible,
                           "properties": layer.properties}
    if layer.kind == "objects":
        out["objects"] = [{"id": o.id, "name": o.name, "type": o.type, "x": float(o.x), "y": float(o.y),
                           "w": float(o.w), "h": float(o.h), "properties": o.properties} for o in layer.objects]
    else:
        data = np.asarray(layer.data)
        rle = rle_encode(data)
        if len(rle) < data.size:
            out["encoding"], out["data"] = "rle", rle
        else:
            out["encoding"], out["data"] = "raw", data.ravel().tolist()
    return out


def _layer_from_json(d: dict[str, Any], shape: tuple[int, int]) -> Layer:
    kind = d.get("kind", "tiles")
    layer = Layer(name=d["name"], kind=kind, visible=bool(d.get("visible", True)),
                  properties=dict(d.get("properties", {})))
    if kind == "objects":
        layer.objects = [MapObject(id=int(o["id"]), name=o["name"], type=o["type"], x=float(o["x"]),
                                   y=float(o["y"]), w=float(o.get("w", 1.0)), h=float(o.get("h", 1.0)),
                                   properties=dict(o.get("properties", {}))) for o in d.get("objects", [])]
    elif d.get("encoding", "raw") == "rle":
        layer.data = rle_decode(d["data"], shape)
    else:
        flat = np.asarray(d["data"], np.int32)
        if flat.size != shape[0] * shape[1]:
            raise invalid("layers", f"layer {d['name']!r} has {flat.size} cells, expected {shape[0] * shape[1]}",
                          flat.size)
        layer.data = flat.reshape(shape)
    return layer


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (np.integer, np.floating, np.bool_)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (tuple, set)):
        return list(obj)
    raise TypeError(f"not JSON-serialisable: {type(obj).__name__}")


# ------------------------------------------------------------------------------------------- save / load
def map_to_dict(m: Map, *, image_paths: dict[int, str] | None = None) -> dict[str, Any]:
    """The JSON document of ``m`` (see the module docstring); ``image_paths``: tile id → relative PNG path."""
    image_paths = image_paths or {}
    return {
        "format": FORMAT, "formatVersion": FORMAT_VERSION,
        "id": m.id, "name": m.name, "projectionType": m.projection,
        "gridWidth": m.width, "gridHeight": m.height,
        "cellSize": {"width": m.cell_w, "height": m.cell_h},
        "version": m.version, "seed": m.seed, "tilePack": m.tile_pack,
        "tiles": [{"id": t.id, "name": t.name, "label": t.label, "terrain": t.terrain, "collision": t.collision,
                   "image": image_paths.get(t.id), "properties": t.properties} for t in m.tiles],
        "layers": [_layer_to_json(la) for la in m.layers],
        "properties": m.properties,
        "historyLength": len(m.history),
        "history": [[_layer_to_json(la) for la in layers] for layers in m.history],
    }


def save_map(m: Map, path: str | Path) -> list[Path]:
    """Write ``m`` as ``{slug(name)}.map.json`` in the folder ``path`` (or to ``path`` itself when it ends in
    ``.json``) plus its tile images in ``{stem}_tiles/``. Returns the written paths, the JSON first."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        target = path
    else:
        target = path / f"{slug(m.name, sep='_')}.map.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    stem = target.name[: -len(".map.json")] if target.name.endswith(".map.json") else target.stem
    written: list[Path] = []
    images: dict[int, str] = {}
    with_images = [t for t in m.tiles if t.image is not None]
    if with_images:
        folder = target.parent / f"{stem}_tiles"
        folder.mkdir(exist_ok=True)
        for t in with_images:
            png = folder / f"{t.id:03d}_{slug(t.name, sep='_')}.png"
            t.image.save(png)
            written.append(png)
            images[t.id] = f"{folder.name}/{png.name}"
    target.write_text(json.dumps(map_to_dict(m, image_paths=images), default=_json_default))
    return [target, *written]


def load_map(path: str | Path) -> Map:
    """Read a map written by :func:`save_map` (``path``: the ``.map.json`` file, or a folder holding one)."""
    path = Path(path)
    if path.is_dir():
        found = sorted(path.glob("*.map.json"))
        if len(found) != 1:
            raise invalid("path", f"folder must hold exactly one *.map.json (found {len(found)})", str(path))
        path = found[0]
    if not path.is_file():
        raise invalid("path", "file does not exist", str(path))
    try:
        doc = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise invalid("path", f"is not valid JSON ({exc})", str(path)) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise invalid("path", f"is not a {FORMAT} file", str(path))
    if int(doc.get("formatVersion", 0)) > FORMAT_VERSION:
        raise invalid("path", f"formatVersion {doc['formatVersion']} is newer than this engine reads "
                              f"({FORMAT_VERSION})", str(path))
    shape = (int(doc["gridHeight"]), int(doc["gridWidth"]))
    tiles = []
    for t in doc.get("tiles", []):
        image = None
        if t.get("image"):
            with Image.open(path.parent / t["image"]) as im:
                image = im.convert("RGBA")
                image.load()
        tiles.append(TileDef(id=int(t["id"]), name=t["name"], label=t.get("label", t["name"]),
                             terrain=t.get("terrain", t["name"]), collision=bool(t.get("collision", False)),
                             image=image, properties=dict(t.get("properties", {}))))
    cell = doc.get("cellSize", {})
    return Map(name=doc["name"], projection=doc["projectionType"], width=shape[1], height=shape[0],
               cell_w=int(cell.get("width", 32)), cell_h=int(cell.get("height", 32)), tiles=tiles,
               layers=[_layer_from_json(d, shape) for d in doc.get("layers", [])],
               tile_pack=doc.get("tilePack"), properties=dict(doc.get("properties", {})),
               seed=int(doc.get("seed", 0)), version=int(doc.get("version", 1)),
               history=[[_layer_from_json(d, shape) for d in layers] for layers in doc.get("history", [])],
               id=str(doc.get("id", "")))


# ------------------------------------------------------------------------------------------------ preview
def _rgba(color: tuple[int, int, int], a: int = 255) -> tuple[int, int, int, int]:
    return (*color, a)


def _tile_color(t: TileDef, vocab: Vocabulary) -> tuple[int, int, int]:
    kind = tile_class(t, vocab)
    if kind is not None and kind[0] != "collision":
        return vocab.color(kind[1])
    text = str(t.properties.get("color", "")).lstrip("#")
    if len(text) == 6:
        return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
    h = sum(map(ord, t.name)) * 2654435761 % 2 ** 24
    return (h >> 16) & 255, (h >> 8) & 255, h & 255


def _darker(c: tuple[int, int, int], f: float = 0.65) -> tuple[int, int, int]:
    return int(c[0] * f), int(c[1] * f), int(c[2] * f)


def marker(kind: str, color: tuple[int, int, int], w: int, h: int) -> Image.Image:
    """A small flat symbol for a decoration / entity without an image, ``w × h`` RGBA, standing on the bottom
    edge's centre (trees: trunk and crown, rocks: a lump, houses: a gabled block …). Tiny sizes are drawn at
    16 px and shrunk."""
    if min(w, h) < 16:
        k = 16 / max(1, min(w, h))
        big = marker(kind, color, max(16, int(round(w * k))), max(16, int(round(h * k))))
        return big.resize((max(1, w), max(1, h)), Image.Resampling.BOX)
    im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    dark = _rgba(_darker(color))
    c = _rgba(color)
    cx = w / 2
    u = min(w, h)
    trunk = _rgba((92, 64, 40))
    if kind in ("tree", "autumn_tree"):
        d.rectangle([cx - u * 0.06, h - u * 0.35, cx + u * 0.06, h - 1], fill=trunk)
        d.ellipse([cx - u * 0.36, h - u * 0.95, cx + u * 0.36, h - u * 0.28], fill=c, outline=dark)
    elif kind == "pine":
        d.rectangle([cx - u * 0.05, h - u * 0.25, cx + u * 0.05, h - 1], fill=trunk)
        d.polygon([(cx, h - u), (cx - u * 0.33, h - u * 0.2), (cx + u * 0.33, h - u * 0.2)], fill=c, outline=dark)
        d.polygon([(cx, h - u), (cx - u * 0.14, h - u * 0.62), (cx + u * 0.14, h - u * 0.62)],
                  fill=(240, 246, 250, 255))
    elif kind == "dead_tree":
        lw = max(1, int(u * 0.07))
        d.line([(cx, h - 1), (cx, h - u * 0.8)], fill=c, width=lw)
        d.line([(cx, h - u * 0.5), (cx - u * 0.25, h - u * 0.85)], fill=c, width=max(1, lw - 1))
        d.line([(cx, h - u * 0.6), (cx + u * 0.22, h - u * 0.9)], fill=c, width=max(1, lw - 1))
    elif kind == "cactus":
        d.rectangle([cx - u * 0.08, h - u * 0.8, cx + u * 0.08, h - 1], fill=c, outline=dark)
        d.rectangle([cx - u * 0.28, h - u * 0.6, cx - u * 0.08, h - u * 0.5], fill=c)
        d.rectangle([cx - u * 0.28, h - u * 0.75, cx - u * 0.2, h - u * 0.5], fill=c)
    elif kind == "bush":
        d.ellipse([cx - u * 0.3, h - u * 0.42, cx + u * 0.3, h - 1], fill=c, outline=dark)
    elif kind == "rock":
        d.polygon([(cx - u * 0.3, h - 1), (cx - u * 0.2, h - u * 0.35), (cx + u * 0.1, h - u * 0.42),
                   (cx + u * 0.3, h - u * 0.15), (cx + u * 0.3, h - 1)], fill=c, outline=dark)
    elif kind == "flower":
        for fx, fy, col in ((-0.2, 0.2, c), (0.15, 0.3, (250, 230, 90, 255)), (0.05, 0.1, (250, 250, 250, 255))):
            r = max(1.0, u * 0.08)
            d.ellipse([cx + u * fx - r, h - u * fy - r - 1, cx + u * fx + r, h - u * fy + r - 1], fill=col)
    elif kind == "house":
        d.rectangle([cx - u * 0.32, h - u * 0.5, cx + u * 0.32, h - 1], fill=_rgba((214, 190, 150)), outline=dark)
        d.polygon([(cx - u * 0.42, h - u * 0.48), (cx, h - u * 0.9), (cx + u * 0.42, h - u * 0.48)],
                  fill=_rgba((170, 55, 40)), outline=_rgba((110, 35, 25)))
        d.rectangle([cx - u * 0.07, h - u * 0.25, cx + u * 0.07, h - 1], fill=trunk)
    elif kind == "chest":
        d.rectangle([cx - u * 0.25, h - u * 0.4, cx + u * 0.25, h - 1], fill=c, outline=_rgba((90, 60, 10)))
        d.line([(cx - u * 0.25, h - u * 0.25), (cx + u * 0.25, h - u * 0.25)], fill=_rgba((90, 60, 10)))
    elif kind == "torch":
        d.rectangle([cx - u * 0.04, h - u * 0.55, cx + u * 0.04, h - 1], fill=trunk)
        d.ellipse([cx - u * 0.12, h - u * 0.8, cx + u * 0.12, h - u * 0.5], fill=c)
    elif kind == "spawn":
        d.ellipse([cx - u * 0.3, h - u * 0.62, cx + u * 0.3, h - 1], fill=c, outline=(0, 0, 0, 255),
                  width=max(1, int(u * 0.08)))
    else:   # enemy, npc, anything else: a figure
        d.ellipse([cx - u * 0.2, h - u * 0.75, cx + u * 0.2, h - 1], fill=c, outline=dark)
        d.ellipse([cx - u * 0.12, h - u * 0.95, cx + u * 0.12, h - u * 0.7], fill=c, outline=dark)
    return im


def _fit_scale(m: Map, scale: float | None, max_side: int, tall: int) -> float:
    if m.projection == "isometric":
        w = (m.width + m.height) * m.cell_w / 2
        h = (m.width + m.height) * m.cell_h / 2 + max(0, tall - m.cell_h)
    else:
        w, h = m.width * m.cell_w, m.height * m.cell_h
    s = 1.0 if scale is None else float(scale)
    if s <= 0:
        raise invalid("scale", "must be positive", scale)
    if max(w, h) * s > max_side:
        s = max_side / max(w, h)
    return s


def preview(m: Map, *, scale: float | None = None, max_side: int = 4096, objects: bool = True) -> Image.Image:
    """An RGBA image of the map.

    Isometric maps: cell ``(x, y)`` has its footprint centre at ``((x - y)·cw/2, (x + y)·ch/2)`` (Tiled's
    diamond layout); tile images are drawn bottom-aligned, back to front, the decorations layer after the
    terrain layer, then the entities. Other projections: square cells. A tile without an image is drawn as a
    flat diamond / square in its terrain's preview colour (terrain.toml), a decoration or entity without an
    image as a small symbol. ``scale`` multiplies the cell size; the image is then shrunk (tiles first) so its
    longer side is at most ``max_side`` pixels. Side views get a sky background.
    """
    vocab = load_vocabulary()
    tall = max([t.image.height for t in m.tiles if t.image is not None] + [m.cell_h * 2])
    s = _fit_scale(m, scale, max_side, tall)
    iso = m.projection == "isometric"
    cw = max(2, int(round(m.cell_w * s)))
    ch = max(1, int(round(m.cell_h * s)))
    if iso:
        cw += cw % 2
        ch += ch % 2
    # sprites per tile id: terrain (flat fill or image), decorations (symbol or image)
    ids_color = np.zeros((len(m.tiles) + 1, 4), np.uint8)
    images: dict[int, Image.Image] = {}
    for t in m.tiles:
        ids_color[t.id] = (*_tile_color(t, vocab), 255)
        if t.image is not None:
            k = cw / t.image.width
            images[t.id] = t.image.convert("RGBA").resize((cw, max(1, int(round(t.image.height * k)))),
                                                          Image.Resampling.LANCZOS)
    sym_h = ch * 2 if iso else ch
    sym_w = cw // 2 if iso else cw
    sprites: dict[int, Image.Image] = {}
    for t in m.tiles:
        if t.id in images:
            sprites[t.id] = images[t.id]
        else:
            kind = tile_class(t, vocab)
            if kind is not None and kind[0] == "decoration":
                sprites[t.id] = marker(kind[1], vocab.color(kind[1]), sym_w, sym_h)
    terrain = np.asarray(m.layer("terrain").data)
    try:
        deco = np.asarray(m.layer("decorations").data)
    except KeyError:
        deco = np.zeros_like(terrain)
    try:
        ents = m.layer("entities").objects if objects else []
    except KeyError:
        ents = []
    if iso:
        return _preview_iso(m, terrain, deco, ents, ids_color, images, sprites, cw, ch, vocab)
    return _preview_square(m, terrain, deco, ents, ids_color, images, sprites, cw, ch, vocab)


def _preview_square(m: Map, terrain: np.ndarray, deco: np.ndarray, ents: list[MapObject], ids_color: np.ndarray,
                    images: dict[int, Image.Image], sprites: dict[int, Image.Image], cw: int, ch: int,
                    vocab: Vocabulary) -> Image.Image:
    h, w = terrain.shape
    # every distinct (terrain, decoration) pair is composited once into a cell-sized tile; one vectorised
    # gather then lays out the whole map
    pairs, inverse = np.unique(terrain.astype(np.int64) * (len(m.tiles) + 1) + deco, return_inverse=True)
    sky = (158, 207, 236, 255) if m.projection == "side_view" else (0, 0, 0, 0)
    atlas = np.zeros((len(pairs), ch, cw, 4), np.uint8)
    for k, pair in enumerate(pairs.tolist()):
        tid, did = divmod(pair, len(m.tiles) + 1)
        cell = Image.new("RGBA", (cw, ch), sky)
        if tid in images:
            cell.alpha_composite(images[tid].resize((cw, ch)) if images[tid].size != (cw, ch) else images[tid])
        elif tid > 0:
            cell.alpha_composite(Image.new("RGBA", (cw, ch), tuple(int(c) for c in ids_color[tid])))
        if did in sprites:
            sp = sprites[did]
            cell.alpha_composite(sp.resize((cw, ch)) if sp.size != (cw, ch) else sp)
        atlas[k] = np.asarray(cell)
    out = atlas[inverse.reshape(h, w)].transpose(0, 2, 1, 3, 4).reshape(h * ch, w * cw, 4)
    img = Image.fromarray(out, "RGBA")
    for o in ents:
        sp = marker(o.type, vocab.color(o.type), cw, ch)
        _paste_clipped(img, sp, int(round(o.x * cw)), int(round(o.y * ch)))
    return img


def _preview_iso(m: Map, terrain: np.ndarray, deco: np.ndarray, ents: list[MapObject], ids_color: np.ndarray,
                 images: dict[int, Image.Image], sprites: dict[int, Image.Image], cw: int, ch: int,
                 vocab: Vocabulary) -> Image.Image:
    h, w = terrain.shape
    tall = max([im.height for im in images.values()] + [ch * 2])
    top = tall - ch                              # room above row 0 for tall tiles / symbols
    width = (w + h) * cw // 2
    height = (w + h) * ch // 2 + top
    ox = h * cw // 2                             # x of cell (0, 0)'s footprint centre

    # flat diamonds for every cell without an image, vectorised: pixel → cell by the inverse diamond transform
    py, px = np.mgrid[0:height - top, 0:width].astype(np.float32)
    a = (px + 0.5 - ox) / (cw / 2)
    b = (py + 0.5) / (ch / 2) - 1.0
    cx = np.floor((a + b) / 2 + 0.5).astype(np.int32)
    cy = np.floor((b - a) / 2 + 0.5).astype(np.int32)
    inside = (cx >= 0) & (cx < w) & (cy >= 0) & (cy < h)
    ids = np.zeros(cx.shape, np.int32)
    ids[inside] = terrain[cy[inside], cx[inside]]
    flat = ids_color.copy()
    for tid in images:
        flat[tid] = 0                            # drawn from their images below
    canvas = np.zeros((height, width, 4), np.uint8)
    canvas[top:] = flat[ids]
    img = Image.fromarray(canvas, "RGBA")

    def paste(sp: Image.Image, x: int, y: int) -> None:
        # bottom-aligned on the footprint: sprite bottom = footprint bottom vertex, centred horizontally
        left = ox + (x - y) * cw // 2 - sp.width // 2
        bottom = top + (x + y) * ch // 2 + ch
        _paste_clipped(img, sp, left, bottom - sp.height)

    if images:
        ys, xs = np.nonzero(np.isin(terrain, list(images)))
        for k in np.lexsort((xs, xs + ys)):
            paste(images[int(terrain[ys[k], xs[k]])], int(xs[k]), int(ys[k]))
    ys, xs = np.nonzero(deco > 0)
    for k in np.lexsort((xs, xs + ys)):
        sp = sprites.get(int(deco[ys[k], xs[k]]))
        if sp is not None:
            x, y = int(xs[k]), int(ys[k])
            if sp.height <= ch * 2 and int(deco[y, x]) not in images:   # a symbol: stand it on the centre
                left = ox + (x - y) * cw // 2 - sp.width // 2
                foot = top + (x + y) * ch // 2 + ch // 2 + ch // 4
                _paste_clipped(img, sp, left, foot - sp.height)
            else:
                paste(sp, x, y)
    for o in sorted(ents, key=lambda o: (o.x + o.y, o.x)):
        sp = marker(o.type, vocab.color(o.type), cw // 2, ch * 2 if o.type == "house" else int(ch * 1.4))
        if o.type == "house":
            sp = sp.resize((int(cw * 0.8), sp.height))
        x, y = int(math.floor(o.x)), int(math.floor(o.y))
        left = ox + (x - y) * cw // 2 - sp.width // 2
        foot = top + (x + y) * ch // 2 + ch // 2 + ch // 4
        _paste_clipped(img, sp, left, foot - sp.height)
    return img


def _paste_clipped(img: Image.Image, sp: Image.Image, left: int, upper: int) -> None:
    x0, y0 = max(0, -left), max(0, -upper)
    x1, y1 = min(sp.width, img.width - left), min(sp.height, img.height - upper)
    if x1 <= x0 or y1 <= y0:
        return
    part = sp if (x0, y0, x1, y1) == (0, 0, sp.width, sp.height) else sp.crop((x0, y0, x1, y1))
    img.alpha_composite(part, (left + x0, upper + y0))
