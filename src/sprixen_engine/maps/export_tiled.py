"""Tiled export: TMX + TSX + tileset PNG, and the same map as Tiled JSON (.tmj + .tsj).

Written the way Tiled's own ``mapwriter.cpp`` writes them (TMX/JSON format 1.10):

- ``<map orientation="orthogonal"|"isometric" renderorder="right-down">``; map ``tilewidth``/``tileheight``
  are the grid cell (130×66 isometric, 32×32 otherwise); the external tileset's ``tilewidth``/``tileheight``
  are the tile image size (130×230 isometric). Tiled draws a tile with the bottom-left of its image at the
  bottom-left of the cell (isometric: of the diamond's bounding box, ``IsometricRenderer::drawTileLayer``),
  which is where the engine puts it, so no ``<tileoffset>`` is written.
- Tile layers (terrain, decorations, …) as ``<layer>`` with ``encoding="csv"`` or
  ``encoding="base64" compression="zlib"`` (uint32 little-endian GIDs, firstgid 1, 0 = empty).
- Object layers: every object layer of the map except ``collision`` as an ``<objectgroup>`` of rectangles
  (entities); a ``collision`` ``<objectgroup>`` in place of the map's ``collision`` layer (the engine keeps
  it as a hidden tile layer of marker tiles, or as objects) with the map's own collision objects plus one
  rectangle per horizontal run of blocked cells (see :func:`~.export_common.collision_shapes`). Object pixel
  coordinates follow Tiled: cells × (tilewidth, tileheight) on orthogonal maps, cells × tileheight on
  both axes on isometric maps (Tiled projects them onto the diamond grid).
- Custom properties: map (name, projection, seed, version, tile pack, the map's own properties), layers,
  objects and tiles (name, label, terrain, collision, the tile's own properties). Collision tiles also
  carry a collision shape in the TSX (``<tile><objectgroup>``: the cell footprint at the bottom of the
  image), which tools such as SuperTiled2Unity turn into colliders.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from .export_common import (
    Atlas,
    CollisionShape,
    build_atlas,
    collision_shapes,
    entity_objects,
    layer_properties,
    map_properties,
    object_properties,
    plain,
    remap_layer,
    tile_lut,
    tile_properties,
)
from .model import Map

TMX_VERSION = "1.10"
TILED_VERSION = "1.10.2"


# --------------------------------------------------------------------------- shared helpers


def orientation(m: Map) -> str:
    return "isometric" if m.projection == "isometric" else "orthogonal"


def object_unit(m: Map) -> tuple[int, int]:
    """Pixels per cell for object coordinates: Tiled stores isometric objects in tileheight units on both axes."""
    return (m.cell_h, m.cell_h) if m.projection == "isometric" else (m.cell_w, m.cell_h)


def _num(v: float) -> str:
    """Tiled writes whole numbers without a decimal point."""
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _prop_type(value: Any) -> tuple[str | None, Any]:
    """Tiled property (type, value): bool | int | float | string; anything else as a JSON string."""
    value = plain(value)
    if isinstance(value, bool):
        return "bool", value
    if isinstance(value, int):
        return "int", value
    if isinstance(value, float):
        return "float", value
    if isinstance(value, str):
        return None, value
    return None, json.dumps(value, sort_keys=True)


def footprint_polygon(m: Map, tw: int, th: int) -> list[tuple[float, float]]:
    """The cell footprint inside a ``tw``×``th`` tile image (bottom-aligned): a diamond or a square."""
    cw, ch = m.cell_w, m.cell_h
    x0, y0 = (tw - cw) / 2, th - ch
    if m.projection == "isometric":
        return [(x0 + cw / 2, y0), (x0 + cw, y0 + ch / 2), (x0 + cw / 2, y0 + ch), (x0, y0 + ch / 2)]
    return [(x0, y0), (x0 + cw, y0), (x0 + cw, y0 + ch), (x0, y0 + ch)]


class _Ids:
    def __init__(self) -> None:
        self.layer = 0
        self.obj = 0

    def next_layer(self) -> int:
        self.layer += 1
        return self.layer

    def next_obj(self) -> int:
        self.obj += 1
        return self.obj


def _layer_plan(m: Map):
    """What goes in the map, in order: ('tiles', layer, gids) | ('objects', name, [(name, type, x, y, w, h, props)])."""
    lut = tile_lut(m)
    plan: list[tuple] = []
    shapes = collision_shapes(m)
    entity_layers = dict(entity_objects(m))
    collision_written = False
    for la in m.layers:
        if la.kind == "tiles" and la.data is not None and la.name == "collision":
            # the engine's collision marker layer becomes the collision object layer
            if not collision_written:
                plan.append(("objects", la, _collision_objs(shapes)))
                collision_written = True
        elif la.kind == "tiles" and la.data is not None:
            plan.append(("tiles", la, remap_layer(m, la, lut)))
        elif la.kind == "objects" and la.name != "collision":
            objs = [(o.name, o.type, o.x, o.y, o.w, o.h, {**object_properties(o.properties), "sprixen_id": o.id})
                    for o in entity_layers[la.name]]
            plan.append(("objects", la, objs))
        elif la.kind == "objects" and not collision_written:
            plan.append(("objects", la, _collision_objs(shapes)))
            collision_written = True
    if not collision_written and shapes:
        plan.append(("objects", None, _collision_objs(shapes)))
    return plan


def _collision_objs(shapes: list[CollisionShape]):
    return [(s.name, s.type, s.x, s.y, s.w, s.h, {**object_properties(s.properties), "collision_source": s.source}) for s in shapes]


# --------------------------------------------------------------------------- TMX / TSX


def _xml_props(props: dict[str, Any], indent: str) -> list[str]:
    if not props:
        return []
    out = [f"{indent}<properties>"]
    for name, value in props.items():
        kind, v = _prop_type(value)
        t = f" type={quoteattr(kind)}" if kind else ""
        if kind == "bool":
            v = "true" if v else "false"
        sv = str(v)
        if "\n" in sv:
            out.append(f"{indent} <property name={quoteattr(str(name))}{t}>{escape(sv)}</property>")
        else:
            out.append(f"{indent} <property name={quoteattr(str(name))}{t} value={quoteattr(sv)}/>")
    out.append(f"{indent}</properties>")
    return out


def _csv(gids: np.ndarray) -> str:
    rows = [",".join(map(str, row)) for row in gids.tolist()]
    return "\n" + ",\n".join(rows) + "\n"


def _b64_zlib(gids: np.ndarray) -> str:
    return base64.b64encode(zlib.compress(gids.astype("<u4").tobytes(), 6)).decode("ascii")


def tsx_text(m: Map, atlas: Atlas, image_name: str, name: str) -> str:
    """The external tileset (.tsx)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<tileset version="{TMX_VERSION}" tiledversion="{TILED_VERSION}" name={quoteattr(name)} '
             f'tilewidth="{atlas.tile_w}" tileheight="{atlas.tile_h}" tilecount="{len(m.tiles)}" '
             f'columns="{atlas.columns}">']
    if m.projection == "isometric":
        lines.append(f' <grid orientation="isometric" width="{m.cell_w}" height="{m.cell_h}"/>')
    lines.append(f' <image source={quoteattr(image_name)} width="{atlas.image.width}" height="{atlas.image.height}"/>')
    poly = footprint_polygon(m, atlas.tile_w, atlas.tile_h)
    for k, t in enumerate(m.tiles):
        lines.append(f' <tile id="{k}">')
        lines += _xml_props(tile_properties(t), "  ")
        if t.collision:
            pts = " ".join(f"{_num(x)},{_num(y)}" for x, y in poly)
            lines += ['  <objectgroup draworder="index" id="2">',
                      '   <object id="1" type="collision" x="0" y="0">',
                      f'    <polygon points="{pts}"/>',
                      '   </object>',
                      '  </objectgroup>']
        lines.append(" </tile>")
    lines.append("</tileset>")
    return "\n".join(lines) + "\n"


def tmx_text(m: Map, atlas: Atlas, tileset_source: str, *, layer_encoding: str = "csv") -> str:
    """The map (.tmx) referencing ``tileset_source``."""
    plan = _layer_plan(m)
    ids = _Ids()
    ux, uy = object_unit(m)
    body: list[str] = []
    body += _xml_props(map_properties(m), " ")
    body.append(f' <tileset firstgid="1" source={quoteattr(tileset_source)}/>')
    for kind, la, payload in plan:
        layer_id = ids.next_layer()
        vis = "" if la is None or la.visible else ' visible="0"'
        lname = la.name if la is not None else "collision"
        if kind == "tiles":
            body.append(f' <layer id="{layer_id}" name={quoteattr(lname)} width="{m.width}" height="{m.height}"{vis}>')
            body += _xml_props(layer_properties(la.properties), "  ")
            if layer_encoding == "csv":
                body.append(f'  <data encoding="csv">{_csv(payload)}</data>')
            else:
                body.append(f'  <data encoding="base64" compression="zlib">\n   {_b64_zlib(payload)}\n  </data>')
            body.append(" </layer>")
        else:
            body.append(f' <objectgroup id="{layer_id}" name={quoteattr(lname)}{vis}>')
            if la is not None:
                body += _xml_props(layer_properties(la.properties), "  ")
            for name, typ, x, y, w, h, props in payload:
                oid = ids.next_obj()
                attrs = f'id="{oid}"'
                if name:
                    attrs += f" name={quoteattr(str(name))}"
                if typ:
                    attrs += f" type={quoteattr(str(typ))}"
                attrs += f' x="{_num(x * ux)}" y="{_num(y * uy)}" width="{_num(w * ux)}" height="{_num(h * uy)}"'
                pl = _xml_props(props, "   ")
                if pl:
                    body += [f"  <object {attrs}>", *pl, "  </object>"]
                else:
                    body.append(f"  <object {attrs}/>")
            body.append(" </objectgroup>")
    head = ['<?xml version="1.0" encoding="UTF-8"?>',
            f'<map version="{TMX_VERSION}" tiledversion="{TILED_VERSION}" orientation="{orientation(m)}" '
            f'renderorder="right-down" width="{m.width}" height="{m.height}" tilewidth="{m.cell_w}" '
            f'tileheight="{m.cell_h}" infinite="0" nextlayerid="{ids.layer + 1}" nextobjectid="{ids.obj + 1}">']
    return "\n".join(head + body + ["</map>"]) + "\n"


# --------------------------------------------------------------------------- JSON (.tmj / .tsj)


def _json_props(props: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, value in props.items():
        kind, v = _prop_type(value)
        out.append({"name": str(name), "type": kind or "string", "value": v})
    return out


def tsj_dict(m: Map, atlas: Atlas, image_name: str, name: str) -> dict[str, Any]:
    """The external tileset as Tiled JSON (.tsj)."""
    poly = footprint_polygon(m, atlas.tile_w, atlas.tile_h)
    tiles = []
    for k, t in enumerate(m.tiles):
        entry: dict[str, Any] = {"id": k, "properties": _json_props(tile_properties(t))}
        if t.collision:
            entry["objectgroup"] = {
                "draworder": "index", "id": 2, "name": "", "opacity": 1, "type": "objectgroup", "visible": True,
                "x": 0, "y": 0,
                "objects": [{"id": 1, "name": "", "type": "collision", "x": 0, "y": 0, "width": 0, "height": 0,
                             "rotation": 0, "visible": True,
                             "polygon": [{"x": x, "y": y} for x, y in poly]}],
            }
        tiles.append(entry)
    d: dict[str, Any] = {
        "columns": atlas.columns, "image": image_name, "imageheight": atlas.image.height,
        "imagewidth": atlas.image.width, "margin": 0, "name": name, "spacing": 0, "tilecount": len(m.tiles),
        "tiledversion": TILED_VERSION, "tileheight": atlas.tile_h, "tiles": tiles, "tilewidth": atlas.tile_w,
        "type": "tileset", "version": TMX_VERSION,
    }
    if m.projection == "isometric":
        d["grid"] = {"height": m.cell_h, "orientation": "isometric", "width": m.cell_w}
    return d


def tmj_dict(m: Map, atlas: Atlas, tileset_source: str, *, layer_encoding: str = "csv") -> dict[str, Any]:
    """The map as Tiled JSON (.tmj), with the same layers, objects and properties as the TMX."""
    plan = _layer_plan(m)
    ux, uy = object_unit(m)
    ids = _Ids()
    layers = []
    for kind, la, payload in plan:
        layer_id = ids.next_layer()
        lname = la.name if la is not None else "collision"
        entry: dict[str, Any] = {"id": layer_id, "name": lname, "opacity": 1,
                                 "visible": True if la is None else bool(la.visible), "x": 0, "y": 0}
        if la is not None and la.properties:
            entry["properties"] = _json_props(layer_properties(la.properties))
        if kind == "tiles":
            entry.update(type="tilelayer", width=m.width, height=m.height)
            if layer_encoding == "csv":
                entry["data"] = payload.ravel()     # numpy; tmj_text writes it as one compact line
            else:
                entry.update(data=_b64_zlib(payload), encoding="base64", compression="zlib")
        else:
            objs = []
            for name, typ, x, y, w, h, props in payload:
                o: dict[str, Any] = {"id": ids.next_obj(), "name": str(name or ""), "type": str(typ or ""),
                                     "x": x * ux, "y": y * uy, "width": w * ux, "height": h * uy,
                                     "rotation": 0, "visible": True}
                if props:
                    o["properties"] = _json_props(props)
                objs.append(o)
            entry.update(type="objectgroup", draworder="topdown", objects=objs)
        layers.append(entry)
    return {
        "compressionlevel": -1, "height": m.height, "infinite": False, "layers": layers,
        "nextlayerid": ids.layer + 1, "nextobjectid": ids.obj + 1, "orientation": orientation(m),
        "properties": _json_props(map_properties(m)), "renderorder": "right-down", "tiledversion": TILED_VERSION,
        "tileheight": m.cell_h, "tilesets": [{"firstgid": 1, "source": tileset_source}], "tilewidth": m.cell_w,
        "type": "map", "version": TMX_VERSION, "width": m.width,
    }


def tmj_text(d: dict[str, Any]) -> str:
    """JSON text like Tiled writes it: indented, with each layer's ``data`` array on one line."""
    arrays: list[np.ndarray] = []
    for layer in d["layers"]:
        if isinstance(layer.get("data"), np.ndarray):
            arrays.append(layer["data"])
            layer["data"] = f"\x00data{len(arrays) - 1}\x00"
    text = json.dumps(d, indent=1)
    for i, arr in enumerate(arrays):
        text = text.replace(f'"\\u0000data{i}\\u0000"', "[" + ",".join(map(str, arr.tolist())) + "]", 1)
    return text


# --------------------------------------------------------------------------- bundle


def tiled_files(m: Map, base: str, *, layer_encoding: str = "csv", atlas: Atlas | None = None,
                json_too: bool = True) -> dict[str, bytes | str]:
    """``{file name: content}`` for ``base``.tmx/.tsx/.tmj/.tsj and ``base``_tiles.png."""
    atlas = atlas or build_atlas(m)
    png, tsx, tsj = f"{base}_tiles.png", f"{base}_tiles.tsx", f"{base}_tiles.tsj"
    files: dict[str, bytes | str] = {
        f"{base}.tmx": tmx_text(m, atlas, tsx, layer_encoding=layer_encoding),
        tsx: tsx_text(m, atlas, png, f"{base}_tiles"),
    }
    if json_too:
        files[f"{base}.tmj"] = tmj_text(tmj_dict(m, atlas, tsj, layer_encoding=layer_encoding))
        files[tsj] = json.dumps(tsj_dict(m, atlas, png, f"{base}_tiles"), indent=1)
    files[png] = atlas.png()
    return files
