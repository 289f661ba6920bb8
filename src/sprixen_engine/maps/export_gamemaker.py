"""GameMaker 2024 export: a small project with a room, a tileset, its sprite and the PNG.

Record shapes, tags (``"$GMRoom":"v1"``, ``"$GMTileSet":"v1"``, ``"$GMSprite":""``, ``"$GMRTileLayer":""`` …)
and key order are copied from IDE-saved files in YoYoGames/GM-TestFramework ``projects/xUnit`` (Oct 2024):
keys sorted ignoring case (the IDE compares upper-cased keys, so ``bboxMode`` precedes ``bbox_bottom``),
trailing commas, records one per line. See ``FORMATS.md`` §3.

- ``rooms/rm_<map>/rm_<map>.yy``: one ``GMRTileLayer`` per tile layer (``TileDataFormat`` 1,
  ``TileCompressedData`` run-length encoded the way the IDE writes it: ``-n, v`` for a run of n ≥ 3 equal
  values, ``+n, v1 … vn`` for literals), a hidden ``collision`` tile layer (cells inside a collision
  shape hold the marker tile, others 0), an empty instance layer and a background layer.
- ``tilesets/ts_<map>/ts_<map>.yy`` over ``sprites/spr_<map>_tiles`` (the shared atlas with a blank first cell,
  because GameMaker reserves tile index 0 for "no tile", and a red collision-marker cell after the tiles).
  A cell's tile index is therefore the tile's 1-based tileset position.
- ``datafiles/<map>_objects.json``: entities and collision rectangles in pixels (rooms can only hold instances of
  object resources, which the map has none of), registered as an included file.
- ``<map>.yyp``: the project listing those resources (shape of the xUnit ``.yyp``).

GameMaker tile layers are orthogonal only. For isometric maps the tile layers keep the map's grid
(cell ``(x, y)`` = tilemap cell ``(x, y)``) but are hidden, and ``notes/sprixen_draw_iso.gml`` draws them on the
diamond grid from a Draw event (not run in GameMaker here).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from .export_common import (
    Atlas,
    build_atlas,
    collision_mask,
    collision_shapes,
    entity_objects,
    map_properties,
    plain,
    png_bytes,
    remap_layer,
    slug,
    tile_layers,
    tile_lut,
)
from .model import Map

#: GameMaker tile blob bits (GameMaker manual, Tile_Map_Layers)
TILE_INDEX_MASK = 0x7FFFF
#: the IDE version recorded in the .yyp: copied with the record tags from the IDE-saved xUnit project (a YoYo
#: build number; numerically older than any 2024.x release, so a 2024 IDE treats the project as one to upgrade)
IDE_VERSION = "9.9.1.814"
MARKER_RGBA = (255, 0, 0, 110)


# --------------------------------------------------------------------------- GameMaker JSON


def _key(k: str) -> str:
    return k.upper()


def _scalar(v: Any) -> str:
    v = plain(v)
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v) if not v.is_integer() else f"{v:.1f}"
    return json.dumps(v, ensure_ascii=False)


def _inline(v: Any) -> str:
    if isinstance(v, dict):
        if not v:
            return "{}"
        return "{" + "".join(f"{json.dumps(k)}:{_inline(v[k])}," for k in sorted(v, key=_key)) + "}"
    if isinstance(v, (list, tuple)):
        if not v:
            return "[]"
        return "[" + "".join(f"{_inline(x)}," for x in v) + "]"
    return _scalar(v)


def gm_json(record: dict[str, Any]) -> str:
    """A resource as the IDE writes it: top-level keys one per line, nested records inline, trailing commas."""
    lines = ["{"]
    for k in sorted(record, key=_key):
        v = record[k]
        if isinstance(v, dict) and v and not any(isinstance(x, (dict, list)) and x for x in v.values()):
            lines.append(f"  {json.dumps(k)}:{{")
            lines += [f"    {json.dumps(kk)}:{_inline(v[kk])}," for kk in sorted(v, key=_key)]
            lines.append("  },")
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            lines.append(f"  {json.dumps(k)}:[")
            lines += [f"    {_inline(x)}," for x in v]
            lines.append("  ],")
        else:
            lines.append(f"  {json.dumps(k)}:{_inline(v)},")
    lines.append("}")
    return "\n".join(lines)


def parse_gm_json(text: str) -> Any:
    """Read a GameMaker ``.yy``/``.yyp`` (JSON with trailing commas)."""
    import re

    return json.loads(re.sub(r",(\s*[}\]])", r"\1", text))


# --------------------------------------------------------------------------- TileCompressedData


def compress_tiles(values: np.ndarray) -> list[int]:
    """Row-major run-length encoding as GameMaker writes ``TileCompressedData`` (format 1).

    Runs of 3 or more equal values become ``-n, v``; everything else is gathered into literal blocks ``n, v1 … vn``
    (the IDE keeps pairs such as ``21, 21`` literal, as seen in its own files).
    """
    flat = np.asarray(values, dtype=np.int64).ravel()
    out: list[int] = []
    if flat.size == 0:
        return out
    change = np.flatnonzero(np.diff(flat)) + 1
    starts = np.concatenate(([0], change))
    lengths = np.diff(np.concatenate((starts, [flat.size])))
    literal: list[int] = []
    for s, n in zip(starts.tolist(), lengths.tolist()):
        v = int(flat[s])
        if n >= 3:
            if literal:
                out += [len(literal), *literal]
                literal = []
            out += [-n, v]
        else:
            literal += [v] * n
    if literal:
        out += [len(literal), *literal]
    return out


def decompress_tiles(data: list[int]) -> list[int]:
    """Inverse of :func:`compress_tiles`."""
    out: list[int] = []
    i = 0
    while i < len(data):
        n = data[i]
        if n < 0:
            out += [data[i + 1]] * (-n)
            i += 2
        else:
            out += data[i + 1:i + 1 + n]
            i += 1 + n
    return out


# --------------------------------------------------------------------------- resources


def _ref(name: str, path: str) -> dict[str, str]:
    return {"name": name, "path": path}


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "sprixen:" + "/".join(parts)))


def _ident(name: str, prefix: str) -> str:
    """A GameMaker resource / layer name: letters, digits and underscores, not starting with a digit."""
    return slug(name, default=prefix)


def sprite_record(name: str, project: str, atlas: Atlas, frame: str, layer: str) -> dict[str, Any]:
    w, h = atlas.image.size
    path = f"sprites/{name}/{name}.yy"
    keyframe = {"$Keyframe<SpriteFrameKeyframe>": "", "Channels": {"0": {
        "$SpriteFrameKeyframe": "", "Id": _ref(frame, path), "resourceType": "SpriteFrameKeyframe",
        "resourceVersion": "2.0"}}, "Disabled": False, "id": _uuid(name, "keyframe"), "IsCreationKey": False,
        "Key": 0.0, "Length": 1.0, "resourceType": "Keyframe<SpriteFrameKeyframe>", "resourceVersion": "2.0",
        "Stretch": False}
    track = {"$GMSpriteFramesTrack": "", "builtinName": 0, "events": [], "inheritsTrackColour": True,
             "interpolation": 1, "isCreationTrack": False,
             "keyframes": {"$KeyframeStore<SpriteFrameKeyframe>": "", "Keyframes": [keyframe],
                           "resourceType": "KeyframeStore<SpriteFrameKeyframe>", "resourceVersion": "2.0"},
             "modifiers": [], "name": "frames", "resourceType": "GMSpriteFramesTrack", "resourceVersion": "2.0",
             "spriteId": None, "trackColour": 0, "tracks": [], "traits": 0}
    sequence = {"$GMSequence": "", "%Name": "", "autoRecord": True, "backdropHeight": 1080,
                "backdropImageOpacity": 0.5, "backdropImagePath": "", "backdropWidth": 1920, "backdropXOffset": 0.0,
                "backdropYOffset": 0.0,
                "events": {"$KeyframeStore<MessageEventKeyframe>": "", "Keyframes": [],
                           "resourceType": "KeyframeStore<MessageEventKeyframe>", "resourceVersion": "2.0"},
                "eventStubScript": None, "eventToFunction": {}, "length": 1.0, "lockOrigin": False,
                "moments": {"$KeyframeStore<MomentsEventKeyframe>": "", "Keyframes": [],
                            "resourceType": "KeyframeStore<MomentsEventKeyframe>", "resourceVersion": "2.0"},
                "name": "", "playback": 1, "playbackSpeed": 15.0, "playbackSpeedType": 0,
                "resourceType": "GMSequence", "resourceVersion": "2.0", "showBackdrop": True,
                "showBackdropImage": False, "timeUnits": 1, "tracks": [track], "visibleRange": None, "volume": 1.0,
                "xorigin": 0, "yorigin": 0}
    return {
        "$GMSprite": "", "%Name": name, "bboxMode": 0, "bbox_bottom": h - 1, "bbox_left": 0, "bbox_right": w - 1,
        "bbox_top": 0, "collisionKind": 1, "collisionTolerance": 0, "DynamicTexturePage": False,
        "edgeFiltering": False, "For3D": False,
        "frames": [{"$GMSpriteFrame": "", "%Name": frame, "name": frame, "resourceType": "GMSpriteFrame",
                    "resourceVersion": "2.0"}],
        "gridX": atlas.tile_w, "gridY": atlas.tile_h, "height": h, "HTile": False,
        "layers": [{"$GMImageLayer": "", "%Name": layer, "blendMode": 0, "displayName": "default",
                    "isLocked": False, "name": layer, "opacity": 100.0, "resourceType": "GMImageLayer",
                    "resourceVersion": "2.0", "visible": True}],
        "name": name, "nineSlice": None, "origin": 0, "parent": _ref(project, f"{project}.yyp"),
        "preMultiplyAlpha": False, "resourceType": "GMSprite", "resourceVersion": "2.0", "sequence": sequence,
        "swatchColours": None, "swfPrecision": 2.525, "textureGroupId": _ref("Default", "texturegroups/Default"),
        "type": 0, "VTile": False, "width": w,
    }


def tileset_record(name: str, project: str, sprite: str, atlas: Atlas, tile_count: int) -> dict[str, Any]:
    return {
        "$GMTileSet": "v1", "%Name": name, "autoTileSets": [],
        "macroPageTiles": {"SerialiseHeight": 0, "SerialiseWidth": 0, "TileSerialiseData": []},
        "name": name, "out_columns": atlas.columns, "out_tilehborder": 2, "out_tilevborder": 2,
        "parent": _ref(project, f"{project}.yyp"), "resourceType": "GMTileSet", "resourceVersion": "2.0",
        "spriteId": _ref(sprite, f"sprites/{sprite}/{sprite}.yy"), "spriteNoExport": True,
        "textureGroupId": _ref("Default", "texturegroups/Default"), "tileAnimationFrames": [],
        "tileAnimationSpeed": 15.0, "tileHeight": atlas.tile_h, "tilehsep": 0, "tilevsep": 0,
        "tileWidth": atlas.tile_w, "tilexoff": 0, "tileyoff": 0, "tile_count": tile_count,
    }


def _layer_common(name: str, depth: int, visible: bool, grid: tuple[int, int]) -> dict[str, Any]:
    return {"%Name": name, "depth": depth, "effectEnabled": True, "effectType": None, "gridX": grid[0],
            "gridY": grid[1], "hierarchyFrozen": False, "inheritLayerDepth": False, "inheritLayerSettings": False,
            "inheritSubLayers": True, "inheritVisibility": True, "layers": [], "name": name, "properties": [],
            "resourceVersion": "2.0", "userdefinedDepth": False, "visible": visible}


def tile_layer_record(name: str, depth: int, visible: bool, cells: np.ndarray, tileset: str,
                      grid: tuple[int, int]) -> dict[str, Any]:
    rec = _layer_common(name, depth, visible, grid)
    rec.update({"$GMRTileLayer": "", "resourceType": "GMRTileLayer", "x": 0, "y": 0,
                "tiles": {"SerialiseHeight": int(cells.shape[0]), "SerialiseWidth": int(cells.shape[1]),
                          "TileCompressedData": compress_tiles(cells), "TileDataFormat": 1},
                "tilesetId": _ref(tileset, f"tilesets/{tileset}/{tileset}.yy")})
    return rec


def room_size(m: Map, atlas: Atlas) -> tuple[int, int]:
    if m.projection == "isometric":
        return (m.width + m.height) * m.cell_w // 2, (m.width + m.height) * m.cell_h // 2 + atlas.tile_h - m.cell_h
    return m.width * atlas.tile_w, m.height * atlas.tile_h


def room_record(m: Map, name: str, project: str, tileset: str, atlas: Atlas, marker: int) -> dict[str, Any]:
    lut = tile_lut(m, atlas_offset=0)          # 1-based positions = GameMaker tile index (blank cell 0)
    grid = (atlas.tile_w, atlas.tile_h)
    iso = m.projection == "isometric"
    layers: list[dict[str, Any]] = []
    taken: set[str] = set()
    tl = tile_layers(m)
    depth = 0
    blocked = np.zeros((m.height, m.width), dtype=np.int64)
    blocked[collision_mask(m)] = marker
    layers.append(tile_layer_record(_unique(_ident("collision", "layer"), taken), depth, False, blocked, tileset, grid))
    for la in reversed(tl):
        if la.name == "collision":
            continue
        depth += 100
        cells = remap_layer(m, la, lut).astype(np.int64) & TILE_INDEX_MASK
        layers.append(tile_layer_record(_unique(_ident(la.name, "layer"), taken), depth, bool(la.visible) and not iso,
                                        cells, tileset, grid))
    inst = _layer_common("Instances", depth + 100, True, (m.cell_w, m.cell_h))
    inst.update({"$GMRInstanceLayer": "", "instances": [], "resourceType": "GMRInstanceLayer"})
    bg = _layer_common("Background", depth + 200, True, (m.cell_w, m.cell_h))
    bg.update({"$GMRBackgroundLayer": "", "animationFPS": 15.0, "animationSpeedType": 0, "colour": 4278190080,
               "hspeed": 0.0, "htiled": False, "resourceType": "GMRBackgroundLayer", "spriteId": None,
               "stretch": False, "userdefinedAnimFPS": False, "vspeed": 0.0, "vtiled": False, "x": 0, "y": 0})
    layers += [inst, bg]
    rw, rh = room_size(m, atlas)
    view = {"hborder": 32, "hport": 768, "hspeed": -1, "hview": 768, "inherit": False, "objectId": None,
            "vborder": 32, "visible": False, "vspeed": -1, "wport": 1024, "wview": 1024, "xport": 0, "xview": 0,
            "yport": 0, "yview": 0}
    return {
        "$GMRoom": "v1", "%Name": name, "creationCodeFile": "", "inheritCode": False, "inheritCreationOrder": False,
        "inheritLayers": False, "instanceCreationOrder": [], "isDnd": False, "layers": layers, "name": name,
        "parent": _ref(project, f"{project}.yyp"), "parentRoom": None,
        "physicsSettings": {"inheritPhysicsSettings": False, "PhysicsWorld": False, "PhysicsWorldGravityX": 0.0,
                            "PhysicsWorldGravityY": 10.0, "PhysicsWorldPixToMetres": 0.1},
        "resourceType": "GMRoom", "resourceVersion": "2.0",
        "roomSettings": {"Height": rh, "inheritRoomSettings": False, "persistent": False, "Width": rw},
        "sequenceId": None, "views": [dict(view) for _ in range(8)],
        "viewSettings": {"clearDisplayBuffer": True, "clearViewBackground": False, "enableViews": False,
                         "inheritViewSettings": False},
        "volume": 1.0,
    }


def _unique(name: str, taken: set[str]) -> str:
    out, k = name, 2
    while out in taken:
        out, k = f"{name}_{k}", k + 1
    taken.add(out)
    return out


def project_record(project: str, room: str, tileset: str, sprite: str, datafile: str) -> dict[str, Any]:
    return {
        "$GMProject": "", "%Name": project,
        "AudioGroups": [{"$GMAudioGroup": "", "%Name": "audiogroup_default", "name": "audiogroup_default",
                         "resourceType": "GMAudioGroup", "resourceVersion": "2.0", "targets": -1}],
        "configs": {"children": [], "name": "Default"}, "defaultScriptType": 1, "Folders": [],
        "IncludedFiles": [{"$GMIncludedFile": "", "%Name": datafile, "CopyToMask": -1, "filePath": "datafiles",
                           "name": datafile, "resourceType": "GMIncludedFile", "resourceVersion": "2.0"}],
        "isEcma": False, "LibraryEmitters": [], "MetaData": {"IDEVersion": IDE_VERSION}, "name": project,
        "resources": [{"id": _ref(room, f"rooms/{room}/{room}.yy")},
                      {"id": _ref(sprite, f"sprites/{sprite}/{sprite}.yy")},
                      {"id": _ref(tileset, f"tilesets/{tileset}/{tileset}.yy")}],
        "resourceType": "GMProject", "resourceVersion": "2.0",
        "RoomOrderNodes": [{"roomId": _ref(room, f"rooms/{room}/{room}.yy")}], "templateType": None,
        "TextureGroups": [{"$GMTextureGroup": "", "%Name": "Default", "autocrop": True, "border": 2,
                           "compressFormat": "bz2", "customOptions": "", "directory": "", "groupParent": None,
                           "isScaled": True, "loadType": "default", "mipsToGenerate": 0, "name": "Default",
                           "resourceType": "GMTextureGroup", "resourceVersion": "2.0", "targets": -1}],
    }


def objects_json(m: Map) -> dict[str, Any]:
    """Entities and collision rectangles in room pixels (top-left origin), with the map's properties."""
    iso = m.projection == "isometric"
    unit = (m.cell_w, m.cell_h)

    def rect(x: float, y: float, w: float, h: float) -> dict[str, float]:
        return {"x": x * unit[0], "y": y * unit[1], "width": w * unit[0], "height": h * unit[1]}

    out: dict[str, Any] = {"map": {k: plain(v) for k, v in map_properties(m).items()},
                           "projection": m.projection, "cell": {"width": m.cell_w, "height": m.cell_h},
                           "coordinates": "cells" if iso else "pixels", "layers": {}}
    for name, objs in entity_objects(m):
        out["layers"][name] = [
            {"id": o.id, "name": o.name, "type": o.type, "cell": {"x": o.x, "y": o.y, "w": o.w, "h": o.h},
             **({} if iso else rect(o.x, o.y, o.w, o.h)), "properties": {k: plain(v) for k, v in o.properties.items()}}
            for o in objs]
    out["collision"] = [
        {"name": s.name, "type": s.type, "source": s.source, "cell": {"x": s.x, "y": s.y, "w": s.w, "h": s.h},
         **({} if iso else rect(s.x, s.y, s.w, s.h))} for s in collision_shapes(m)]
    return out


DRAW_ISO_GML = """/// sprixen_draw_iso(layer_name, cell_w, cell_h, origin_x, origin_y)
/// Draws a hidden tile layer of an exported isometric map on the diamond grid, back to front.
/// Call it from a Draw event. Written for GameMaker 2024 but NOT run in GameMaker by the exporter's tests.
function sprixen_draw_iso(_layer_name, _cell_w, _cell_h, _origin_x, _origin_y) {
    var _tm = layer_tilemap_get_id(layer_get_id(_layer_name));
    var _ts = tilemap_get_tileset(_tm);
    var _w = tilemap_get_width(_tm);
    var _h = tilemap_get_height(_tm);
    var _th = tilemap_get_tile_height(_tm);
    for (var _s = 0; _s <= _w + _h - 2; _s++) {
        for (var _x = max(0, _s - _h + 1); _x <= min(_s, _w - 1); _x++) {
            var _y = _s - _x;
            var _t = tilemap_get(_tm, _x, _y);
            if (tile_get_empty(_t)) continue;
            var _sx = _origin_x + (_x - _y) * _cell_w / 2;
            var _sy = _origin_y + (_x + _y) * _cell_h / 2 + _cell_h - _th;
            draw_tile(_ts, _t, 0, _sx, _sy);
        }
    }
}
"""


def gamemaker_files(m: Map, base: str, *, atlas: Atlas | None = None) -> dict[str, bytes | str]:
    """``{path: content}`` of the GameMaker project folder (``atlas``: built with ``leading_blank=True``; the
    collision marker cell is drawn into it)."""
    atlas = atlas or build_atlas(m, leading_blank=True)
    if not atlas.leading_blank:
        raise ValueError("gamemaker_files needs an atlas built with leading_blank=True")
    # one more cell after the tiles: the collision marker (a translucent red footprint)
    marker = len(m.tiles) + 1
    if marker >= atlas.columns * atlas.rows:
        grown = Image.new("RGBA", (atlas.image.width, atlas.image.height + atlas.tile_h), (0, 0, 0, 0))
        grown.paste(atlas.image, (0, 0))
        atlas.image, atlas.rows = grown, atlas.rows + 1
    mx, my = (marker % atlas.columns) * atlas.tile_w, (marker // atlas.columns) * atlas.tile_h
    d = ImageDraw.Draw(atlas.image)
    x0, y0 = mx + (atlas.tile_w - m.cell_w) // 2, my + atlas.tile_h - m.cell_h
    if m.projection == "isometric":
        d.polygon([(x0 + m.cell_w / 2, y0), (x0 + m.cell_w - 1, y0 + m.cell_h / 2), (x0 + m.cell_w / 2, y0 + m.cell_h - 1),
                   (x0, y0 + m.cell_h / 2)], fill=MARKER_RGBA)
    else:
        d.rectangle([x0, y0, x0 + m.cell_w - 1, y0 + m.cell_h - 1], fill=MARKER_RGBA)
    project = _ident(base, "map")
    room, tileset, sprite = f"rm_{project}", f"ts_{project}", f"spr_{project}_tiles"
    frame, layer = _uuid(project, "frame"), _uuid(project, "layer")
    datafile = f"{project}_objects.json"
    png = png_bytes(atlas.image)
    files: dict[str, bytes | str] = {
        f"{project}.yyp": gm_json(project_record(project, room, tileset, sprite, datafile)),
        f"rooms/{room}/{room}.yy": gm_json(room_record(m, room, project, tileset, atlas, marker)),
        f"tilesets/{tileset}/{tileset}.yy": gm_json(tileset_record(tileset, project, sprite, atlas,
                                                                    atlas.columns * atlas.rows)),
        f"sprites/{sprite}/{sprite}.yy": gm_json(sprite_record(sprite, project, atlas, frame, layer)),
        f"sprites/{sprite}/{frame}.png": png,
        f"sprites/{sprite}/layers/{frame}/{layer}.png": png,
        f"datafiles/{datafile}": json.dumps(objects_json(m), indent=1),
    }
    if m.projection == "isometric":
        files["notes/sprixen_draw_iso.gml"] = DRAW_ISO_GML
    return files
