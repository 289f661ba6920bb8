"""Godot 4.3+ export: a ``.tscn`` scene with one ``TileMapLayer`` per tile layer and a ``.tres`` ``TileSet``.

Layouts follow Godot's own source (see ``FORMATS.md`` §1):

- ``tile_map_data``: uint16 format 0, then 12 bytes per used cell, little-endian:
  ``x int16 | y int16 | source_id u16 | atlas_x u16 | atlas_y u16 | alternative u16``
  (``TileMapLayer::get_tile_map_data_as_array``), written as ``PackedByteArray("<base64>")`` in a
  ``format=4`` scene. Cell ``(x, y)`` of the map is Godot cell ``(x, y)``.
- The ``TileSet``: one ``TileSetAtlasSource`` over the shared atlas PNG with ``texture_region_size`` = the tile
  image size; isometric maps use ``tile_shape = 1`` (isometric) and ``tile_layout = 5`` (diamond down), whose
  ``map_to_local`` puts cell ``(x, y)`` at ``((x - y) * w / 2, (x + y) * h / 2)`` plus half a cell — the same
  diamond layout as Tiled and the engine. Tall tiles get ``texture_origin = Vector2i(0, (image_h - cell_h) / 2)``
  so the image bottom sits on the bottom of the cell (Godot draws a tile centred on the cell, shifted by
  ``-texture_origin``).
- Physics layer 0 with the cell footprint polygon (pixels around the cell centre) on every collision tile;
  a terrain set (mode 0) with one terrain per ``TileDef.terrain`` and each tile's centre terrain; custom data
  layers for the tile name, label, terrain, collision flag and the tiles' own properties.
- Object layers: entities as ``Marker2D`` nodes (position = the object's centre, ``metadata/…`` = type and
  properties); the map's own collision objects as ``CollisionPolygon2D`` children of a ``StaticBody2D``.
  Collision from collision *tiles* comes from the TileSet physics layer.
- Resource paths are relative (``"map_tileset.tres"``): Godot's text loader resolves a path without ``res://``
  against the loading file's folder, so the exported folder can go anywhere under ``res://``.
"""

from __future__ import annotations

import base64
import colorsys
import json
from typing import Any

import numpy as np

from .export_common import (
    Atlas,
    build_atlas,
    collision_shapes,
    entity_objects,
    map_properties,
    plain,
    remap_layer,
    tile_lut,
    tile_properties,
)
from .model import Map

TILE_SHAPE_SQUARE, TILE_SHAPE_ISOMETRIC = 0, 1
TILE_LAYOUT_DIAMOND_DOWN = 5
#: Variant::Type ids used for custom data layers
VARIANT_BOOL, VARIANT_INT, VARIANT_FLOAT, VARIANT_STRING = 1, 2, 3, 4

CELL_DTYPE = np.dtype([("x", "<i2"), ("y", "<i2"), ("source", "<u2"), ("ax", "<u2"), ("ay", "<u2"), ("alt", "<u2")])


# --------------------------------------------------------------------------- values


def gd_value(value: Any) -> str:
    """A Python value in Godot's text-resource syntax (bool, int, float, String; others as a JSON String)."""
    value = plain(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else f"{value:.1f}"
    if not isinstance(value, str):
        value = json.dumps(value, sort_keys=True)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _variant_type(values: list[Any]) -> int:
    vals = [plain(v) for v in values]
    if all(isinstance(v, bool) for v in vals):
        return VARIANT_BOOL
    if all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
        return VARIANT_INT
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        return VARIANT_FLOAT
    return VARIANT_STRING


def _vec2s(points: list[tuple[float, float]]) -> str:
    return "PackedVector2Array(" + ", ".join(f"{_n(x)}, {_n(y)}" for x, y in points) + ")"


def _n(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{float(v):.6g}"


def node_name(name: str, taken: set[str]) -> str:
    """A valid, unique sibling node name (Godot forbids ``. : @ / " %``)."""
    base = "".join("_" if c in '.:@/"%' else c for c in (name or "node")).strip() or "node"
    out, k = base, 2
    while out in taken:
        out, k = f"{base}{k}", k + 1
    taken.add(out)
    return out


# --------------------------------------------------------------------------- geometry


def cell_to_local(m: Map, u: float, v: float) -> tuple[float, float]:
    """Continuous cell coordinates (cell ``(i, j)`` spans ``[i, i+1) × [j, j+1)``) → Godot local pixels."""
    if m.projection == "isometric":
        return m.cell_w / 2 + (u - v) * m.cell_w / 2, (u + v) * m.cell_h / 2
    return u * m.cell_w, v * m.cell_h


def footprint_around_centre(m: Map) -> list[tuple[float, float]]:
    """The cell footprint in pixels around the cell centre (TileSet polygon coordinates)."""
    hw, hh = m.cell_w / 2, m.cell_h / 2
    if m.projection == "isometric":
        return [(0, -hh), (hw, 0), (0, hh), (-hw, 0)]
    return [(-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh)]


# --------------------------------------------------------------------------- tile_map_data


def encode_tile_map_data(m: Map, layer, atlas: Atlas) -> bytes:
    """``TileMapLayer.tile_map_data`` bytes for one tile layer (empty bytes for an empty layer)."""
    pos = remap_layer(m, layer, tile_lut(m))          # 1-based tileset positions, validated
    ys, xs = np.nonzero(pos)
    if len(xs) == 0:
        return b""
    cell = pos[ys, xs].astype(np.int64) - 1 + (1 if atlas.leading_blank else 0)
    cells = np.empty(len(xs), dtype=CELL_DTYPE)
    cells["x"], cells["y"], cells["source"] = xs, ys, 0
    cells["ax"], cells["ay"], cells["alt"] = cell % atlas.columns, cell // atlas.columns, 0
    return np.array([0], dtype="<u2").tobytes() + cells.tobytes()


def decode_tile_map_data(raw: bytes) -> np.ndarray:
    """Inverse of :func:`encode_tile_map_data`: a structured array of cells (``x y source ax ay alt``)."""
    if not raw:
        return np.empty(0, dtype=CELL_DTYPE)
    if (len(raw) - 2) % 12 or int.from_bytes(raw[:2], "little") != 0:
        raise ValueError(f"tile_map_data: expected format 0 and 2 + 12·n bytes, got {len(raw)} bytes")
    return np.frombuffer(raw[2:], dtype=CELL_DTYPE)


# --------------------------------------------------------------------------- files


def tileset_text(m: Map, atlas: Atlas, texture_path: str) -> str:
    """The ``TileSet`` resource (.tres)."""
    terrains = list(dict.fromkeys(t.terrain for t in m.tiles if t.terrain))
    data_keys: dict[str, list[Any]] = {}
    for t in m.tiles:
        for k, v in tile_properties(t).items():
            data_keys.setdefault(k, []).append(v)
    data_index = {k: i for i, k in enumerate(data_keys)}
    poly = _vec2s(footprint_around_centre(m))
    origin_y = (atlas.tile_h - m.cell_h) // 2
    origin_x = 0
    src = ['[sub_resource type="TileSetAtlasSource" id="TileSetAtlasSource_1"]',
           'texture = ExtResource("1_tex")',
           f"texture_region_size = Vector2i({atlas.tile_w}, {atlas.tile_h})"]
    for t in m.tiles:
        cx, cy = atlas.cell_xy(t.id)
        key = f"{cx}:{cy}/0"
        src.append(f"{key} = 0")
        if origin_x or origin_y:
            src.append(f"{key}/texture_origin = Vector2i({origin_x}, {origin_y})")
        if t.terrain:
            src += [f"{key}/terrain_set = 0", f"{key}/terrain = {terrains.index(t.terrain)}"]
        if t.collision:
            src.append(f"{key}/physics_layer_0/polygon_0/points = {poly}")
        for k, v in tile_properties(t).items():
            src.append(f"{key}/custom_data_{data_index[k]} = {gd_value(v)}")
    res = ["[resource]"]
    if m.projection == "isometric":
        res += [f"tile_shape = {TILE_SHAPE_ISOMETRIC}", f"tile_layout = {TILE_LAYOUT_DIAMOND_DOWN}"]
    res.append(f"tile_size = Vector2i({m.cell_w}, {m.cell_h})")
    res.append("physics_layer_0/collision_layer = 1")
    if terrains:
        res.append("terrain_set_0/mode = 0")
        for i, name in enumerate(terrains):
            r, g, b = _terrain_colour(name)
            res += [f"terrain_set_0/terrain_{i}/name = {gd_value(name)}",
                    f"terrain_set_0/terrain_{i}/color = Color({r:.3f}, {g:.3f}, {b:.3f}, 1)"]
    for k, i in data_index.items():
        res += [f"custom_data_layer_{i}/name = {gd_value(k)}", f"custom_data_layer_{i}/type = {_variant_type(data_keys[k])}"]
    res.append('sources/0 = SubResource("TileSetAtlasSource_1")')
    head = ['[gd_resource type="TileSet" load_steps=3 format=3]', "",
            f'[ext_resource type="Texture2D" path={gd_value(texture_path)} id="1_tex"]', ""]
    return "\n".join(head + src + [""] + res) + "\n"


def _terrain_colour(name: str) -> tuple[float, float, float]:
    """A stable editor colour per terrain name."""
    h = sum((i + 1) * ord(c) for i, c in enumerate(name)) % 360
    return colorsys.hsv_to_rgb(h / 360, 0.55, 0.85)


def scene_text(m: Map, atlas: Atlas, tileset_path: str) -> str:
    """The scene (.tscn): a Node2D root, one TileMapLayer per tile layer, entities and collision bodies."""
    root = node_name(m.name.replace(" ", ""), set()) or "Map"
    blocks: list[list[str]] = []
    root_block = [f'[node name="{root}" type="Node2D"]']
    root_block += [f"metadata/{k} = {gd_value(v)}" for k, v in map_properties(m).items() if _meta_ok(k)]
    blocks.append(root_block)
    taken: set[str] = set()
    any_data = False
    first_tiles = True
    for la in m.layers:
        if la.kind == "tiles" and la.data is not None:
            raw = encode_tile_map_data(m, la, atlas)
            b = [f'[node name="{node_name(la.name, taken)}" type="TileMapLayer" parent="."]']
            if not la.visible or la.name == "collision":
                b.append("visible = false")
            if m.projection == "isometric" and not first_tiles:
                b.append("y_sort_enabled = true")
            if raw:
                any_data = True
                b.append(f'tile_map_data = PackedByteArray("{base64.b64encode(raw).decode("ascii")}")')
            b.append('tile_set = ExtResource("1_tileset")')
            b += [f"metadata/{k} = {gd_value(v)}" for k, v in la.properties.items() if _meta_ok(k)]
            blocks.append(b)
            first_tiles = False
    for name, objs in entity_objects(m):
        parent = node_name(name, taken)
        blocks.append([f'[node name="{parent}" type="Node2D" parent="."]'])
        kids: set[str] = set()
        for o in objs:
            x, y = cell_to_local(m, o.x + o.w / 2, o.y + o.h / 2)
            b = [f'[node name="{node_name(o.name or o.type, kids)}" type="Marker2D" parent="{parent}"]',
                 f"position = Vector2({_n(x)}, {_n(y)})", f"metadata/type = {gd_value(o.type)}",
                 f"metadata/sprixen_id = {gd_value(o.id)}",
                 f"metadata/size_cells = Vector2({_n(o.w)}, {_n(o.h)})"]
            b += [f"metadata/{k} = {gd_value(v)}" for k, v in o.properties.items() if _meta_ok(k)]
            blocks.append(b)
    own = [s for s in collision_shapes(m) if s.source == "object"]
    if own:
        body = node_name("collision", taken)
        blocks.append([f'[node name="{body}" type="StaticBody2D" parent="."]'])
        kids = set()
        for s in own:
            corners = [cell_to_local(m, u, v) for u, v in
                       ((s.x, s.y), (s.x + s.w, s.y), (s.x + s.w, s.y + s.h), (s.x, s.y + s.h))]
            blocks.append([f'[node name="{node_name(s.name or s.type, kids)}" type="CollisionPolygon2D" parent="{body}"]',
                           f"polygon = {_vec2s(corners)}", f"metadata/type = {gd_value(s.type)}"])
    head = [f"[gd_scene load_steps=2 format={4 if any_data else 3}]", "",
            f'[ext_resource type="TileSet" path={gd_value(tileset_path)} id="1_tileset"]']
    out = head
    for b in blocks:
        out += [""] + b
    return "\n".join(out) + "\n"


def _meta_ok(key: str) -> bool:
    """Metadata keys must be valid identifiers in Godot (``StringName`` checked by ``Object::set_meta``)."""
    return key.isidentifier()


def godot_files(m: Map, base: str, *, atlas: Atlas | None = None) -> dict[str, bytes | str]:
    """``{file name: content}``: ``base``.tscn, ``base``_tileset.tres, ``base``_tiles.png."""
    atlas = atlas or build_atlas(m)
    png, tres = f"{base}_tiles.png", f"{base}_tileset.tres"
    return {f"{base}.tscn": scene_text(m, atlas, tres), tres: tileset_text(m, atlas, png), png: atlas.png()}


__all__ = ["decode_tile_map_data", "encode_tile_map_data", "godot_files", "scene_text", "tileset_text"]
