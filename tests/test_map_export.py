"""Map exports, checked with third-party readers.

- Tiled: the TMX/TSX and the .tmj/.tsj load in pytmx and pytiled-parser with the right size, orientation,
  layers, tile ids, tile properties and collision / entity objects; Tiled's own ``tmxrasterizer`` renders the
  TMX and its picture matches a render of the same atlas laid out the engine's way (and the engine's preview).
- Godot: ``tile_map_data`` decoded back (12-byte little-endian cells) gives the map's grids; the TileSet has the
  isometric shape / layout, region size, texture origin and physics polygons on collision tiles only.
- GameMaker: ``TileCompressedData`` decoded back gives the grids; the run-length coder reproduces the IDE's own
  encoding of a real tileset; every resource the .yyp lists is in the zip.
- Unity: the JSON's keys are fields of the C# data classes; the C# parses (tree-sitter) and braces balance.
- json: the engine's own schema loads back with ``maps.io.load_map``.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from sprixen_engine.errors import InvalidRequest
from sprixen_engine.maps.export import FORMATS, export_files, export_map
from sprixen_engine.maps.export_common import build_atlas, collision_shapes, merged_runs
from sprixen_engine.maps.export_gamemaker import compress_tiles, decompress_tiles, parse_gm_json
from sprixen_engine.maps.model import CELL_SIZE, Layer, Map, MapObject, TileDef

# --------------------------------------------------------------------------- maps built by hand


def _iso_tile(color, *, trunk: int = 0) -> Image.Image:
    """A 130×230 isometric tile: a diamond at the bottom, optionally a tall 'trunk' rising from its centre."""
    img = Image.new("RGBA", (130, 230), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.polygon([(65, 164), (129, 197), (65, 229), (0, 197)], fill=color)
    if trunk:
        d.rectangle([55, 197 - trunk, 75, 197], fill=(color[0] // 2, color[1] // 2, color[2] // 2, 255))
    return img


def _square_tile(color, size: int = 32, *, dot: bool = False) -> Image.Image:
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0) if dot else color)
    d = ImageDraw.Draw(img)
    if dot:
        d.ellipse([8, 8, 23, 23], fill=color)
    else:
        d.rectangle([0, 0, size - 1, size - 1], outline=(0, 0, 0, 255))
    return img


def make_map(projection: str = "isometric", *, w: int = 6, h: int = 5, images: bool = True) -> Map:
    """grass / water (collision) / rock (collision, tall) / flower tiles, terrain + decorations + objects."""
    cw, ch = CELL_SIZE[projection]
    iso = projection == "isometric"
    colours = [(60, 160, 60, 255), (40, 90, 200, 255), (120, 90, 60, 255), (220, 80, 160, 255)]
    if iso:
        imgs = [_iso_tile(colours[0]), _iso_tile(colours[1]), _iso_tile(colours[2], trunk=120),
                _iso_tile(colours[3], trunk=20)]
    else:
        imgs = [_square_tile(colours[0]), _square_tile(colours[1]), _square_tile(colours[2], dot=True),
                _square_tile(colours[3], dot=True)]
    if not images:
        imgs[3] = None
    tiles = [TileDef(1, "grass", "Grass", "grass", False, imgs[0], {"speed": 1.5}),
             TileDef(2, "water", "Water", "water", True, imgs[1]),
             TileDef(3, "rock", "Rock", "stone", True, imgs[2], {"height": 2}),
             TileDef(4, "flower", "Flower", "grass", False, imgs[3])]
    terrain = np.ones((h, w), np.int32)
    terrain[1:3, 2:5] = 2
    deco = np.zeros((h, w), np.int32)
    deco[0, 0] = 3
    deco[h - 1, w - 1] = 3
    deco[3, 1] = 4
    entities = [MapObject(1, "spawn", "spawn", 1, 1, properties={"team": "red"}),
                MapObject(2, "chest", "chest", 4.5, 3, 1, 1, properties={"gold": 30})]
    collision = [MapObject(1, "wall", "wall", 0, h - 1, 2, 1)]
    layers = [Layer("terrain", "tiles", terrain), Layer("decorations", "tiles", deco),
              Layer("entities", "objects", objects=entities), Layer("collision", "objects", objects=collision)]
    return Map("Test Map", projection, w, h, cw, ch, tiles, layers, tile_pack="meadow", seed=42,
               properties={"biome": "meadow"})


def unzip(data: bytes, dest: Path) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        z.extractall(dest)
        return z.namelist()


def blocked_truth(m: Map) -> np.ndarray:
    """Cells under a collision tile, straight from the model."""
    solid = [t.id for t in m.tiles if t.collision]
    out = np.zeros((m.height, m.width), bool)
    for la in m.layers:
        if la.kind == "tiles":
            out |= np.isin(la.data, solid)
    return out


# --------------------------------------------------------------------------- dispatcher


@pytest.mark.parametrize("projection", ["isometric", "top_down"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_zips_its_files(fmt, projection):
    m = make_map(projection)
    data = export_map(m, fmt)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
    expected = {
        "json": {"README.txt", "test_map.map.json", "test_map_tiles/001_grass.png"},
        "tmx": {"README.txt", "test_map.tmx", "test_map_tiles.tsx", "test_map.tmj", "test_map_tiles.tsj",
                "test_map_tiles.png"},
        "godot": {"README.txt", "test_map.tscn", "test_map_tileset.tres", "test_map_tiles.png"},
        "unity": {"test_map/test_map.tmx", "test_map/test_map_tiles.tsx", "test_map/test_map_tiles.png",
                  "test_map/test_map.json", "test_map/Editor/SprixenMapLoader.cs", "test_map/README.txt"},
        "gamemaker": {"README.txt", "test_map.yyp", "rooms/rm_test_map/rm_test_map.yy",
                      "tilesets/ts_test_map/ts_test_map.yy", "sprites/spr_test_map_tiles/spr_test_map_tiles.yy",
                      "datafiles/test_map_objects.json"},
    }[fmt]
    assert expected <= set(names), sorted(names)
    assert export_map(m, fmt) == data            # deterministic: same map, same bytes


def test_bad_format_names_the_field():
    m = make_map()
    with pytest.raises(InvalidRequest, match=r"^format: must be one of json, tmx, godot, unity, gamemaker \(got 'fbx'\)") as e:
        export_map(m, "fbx")
    assert e.value.field == "format"
    with pytest.raises(InvalidRequest, match="layer_encoding") as e:
        export_map(m, "tmx", layer_encoding="gzip")
    assert e.value.field == "layer_encoding"
    assert export_map(m, "TMX") == export_map(m, "tmx")


def test_unknown_tile_id_is_refused():
    m = make_map()
    m.layer("terrain").data[2, 3] = 99
    for fmt in ("tmx", "godot", "unity", "gamemaker"):
        with pytest.raises(InvalidRequest, match=r"layers\.terrain\.data.*cell \(3, 2\).*got 99"):
            export_map(m, fmt)


def test_atlas_placeholder_and_collision_runs():
    m = make_map("top_down", images=False)
    atlas = build_atlas(m)
    assert atlas.tile_w == 32 and atlas.tile_h == 32 and atlas.columns == 2 and atlas.rows == 2
    assert any("flower" in n and "placeholder" in n for n in atlas.notes)
    cell = np.asarray(atlas.image)[32:64, 32:64]     # flower = 4th tile → atlas cell (1, 1)
    inner = cell[4:28, 4:28]
    assert (inner[..., 3] == 255).all() and (inner[..., 0] == inner[..., 1]).all() and (inner[..., 1] == inner[..., 2]).all()
    # the README carries the note
    files = export_files(m, "tmx")
    assert "has no image: flat grey placeholder" in files["README.txt"]
    # collision: the map's wall object first, then merged runs of collision-tile cells it does not cover
    shapes = collision_shapes(m)
    assert (shapes[0].name, shapes[0].source, shapes[0].w) == ("wall", "object", 2)
    assert merged_runs(np.array([[1, 1, 0, 1], [0, 0, 0, 0], [1, 1, 1, 1]], bool)) == [(0, 0, 2), (3, 0, 1), (0, 2, 4)]
    covered = np.zeros((m.height, m.width), bool)
    for s in shapes:
        covered[int(s.y):int(s.y + s.h), int(s.x):int(s.x + s.w)] = True
    assert (covered >= blocked_truth(m)).all()


# --------------------------------------------------------------------------- Tiled: pytmx, pytiled-parser


def _objects_px(m: Map, o_x: float, o_y: float) -> tuple[float, float]:
    ux, uy = (m.cell_h, m.cell_h) if m.projection == "isometric" else (m.cell_w, m.cell_h)
    return o_x * ux, o_y * uy


@pytest.mark.parametrize("encoding", ["csv", "base64-zlib"])
@pytest.mark.parametrize("projection", ["isometric", "top_down"])
def test_tmx_loads_in_pytmx(tmp_path, projection, encoding):
    pytmx = pytest.importorskip("pytmx")
    m = make_map(projection)
    unzip(export_map(m, "tmx", layer_encoding=encoding), tmp_path)
    tm = pytmx.TiledMap(str(tmp_path / "test_map.tmx"))
    assert (tm.width, tm.height) == (m.width, m.height)
    assert tm.orientation == ("isometric" if projection == "isometric" else "orthogonal")
    assert (tm.tilewidth, tm.tileheight) == (m.cell_w, m.cell_h)
    assert [la.name for la in tm.layers] == ["terrain", "decorations", "entities", "collision"]
    assert tm.properties["map_name"] == "Test Map" and tm.properties["seed"] == 42
    assert tm.properties["projection"] == projection
    # every cell of both tile layers: the tile pytmx finds there is the model's tile
    names = {t.id: t.name for t in m.tiles}
    for li, lname in enumerate(["terrain", "decorations"]):
        data = m.layer(lname).data
        for y in range(m.height):
            for x in range(m.width):
                props = tm.get_tile_properties(x, y, li)
                assert (props or {}).get("name") == names.get(int(data[y, x])), (lname, x, y)
                gid = tm.get_layer_by_name(lname).data[y][x]
                assert (tm.tiledgidmap[gid] if gid else 0) == int(data[y, x])      # Tiled GID = tile id
    water = tm.get_tile_properties(2, 1, 0)
    assert water["collision"] is True and water["terrain"] == "water"
    assert (water["width"], water["height"]) == ((130, 230) if projection == "isometric" else (32, 32))
    assert len(water["colliders"]) == 1                                            # tile collision shape
    ents = {o.name: o for o in tm.get_layer_by_name("entities")}
    assert ents["spawn"].type == "spawn" and ents["spawn"].properties["team"] == "red"
    assert (ents["chest"].x, ents["chest"].y) == _objects_px(m, 4.5, 3)
    coll = list(tm.get_layer_by_name("collision"))
    wall = [o for o in coll if o.name == "wall"][0]
    assert (wall.x, wall.y) == _objects_px(m, 0, m.height - 1)
    # the derived rectangles cover exactly the collision-tile cells not under the wall
    ux, uy = _objects_px(m, 1, 1)
    mask = np.zeros((m.height, m.width), bool)
    for o in coll:
        if o.properties.get("collision_source") == "tiles":
            x0, y0, n = round(o.x / ux), round(o.y / uy), round(o.width / ux)
            assert round(o.height / uy) == 1
            mask[y0, x0:x0 + n] = True
    truth = blocked_truth(m)
    truth[m.height - 1, 0:2] = False
    assert (mask == truth).all()


def test_awkward_names_and_properties_still_load(tmp_path):
    """Property names that shadow TMX attributes (pytmx refuses those) and XML / quote characters."""
    pytmx = pytest.importorskip("pytmx")
    pytiled_parser = pytest.importorskip("pytiled_parser")
    m = make_map("top_down")
    m.name = 'Fort <"A" & B>'
    m.properties.update({"name": "dup", "width": 3, "notes": "line 1\nline 2", "tags": ["a", "b"]})
    m.layer("entities").objects[0].properties.update({"type": "x", "name": "y"})
    m.layer("terrain").properties["name"] = "ground"
    files = export_files(m, "tmx")
    assert "fort_a_b.tmx" in files
    unzip(export_map(m, "tmx"), tmp_path)
    tm = pytmx.TiledMap(str(tmp_path / "fort_a_b.tmx"))
    assert tm.properties["map_name"] == 'Fort <"A" & B>' and tm.properties["map_width"] == 3
    assert tm.properties["notes"] == "line 1\nline 2" and json.loads(tm.properties["tags"]) == ["a", "b"]
    spawn = [o for o in tm.get_layer_by_name("entities") if o.name == "spawn"][0]
    assert spawn.properties["prop_type"] == "x" and spawn.type == "spawn"
    pm = pytiled_parser.parse_map(tmp_path / "fort_a_b.tmj")
    assert pm.properties["map_name"] == 'Fort <"A" & B>'
    godot = export_files(m, "godot")
    scene = parse_godot(godot["fort_a_b.tscn"])
    assert scene[2][2]["metadata/map_name"] == '"Fort <\\"A\\" & B>"'
    gm = export_files(m, "gamemaker")
    assert parse_gm_json(gm["rooms/rm_fort_a_b/rm_fort_a_b.yy"])["name"] == "rm_fort_a_b"


@pytest.mark.parametrize("encoding", ["csv", "base64-zlib"])
@pytest.mark.parametrize("ext", ["tmx", "tmj"])
@pytest.mark.parametrize("projection", ["isometric", "top_down"])
def test_tmx_and_tmj_load_in_pytiled_parser(tmp_path, projection, ext, encoding):
    pytiled_parser = pytest.importorskip("pytiled_parser")
    m = make_map(projection)
    unzip(export_map(m, "tmx", layer_encoding=encoding), tmp_path)
    pm = pytiled_parser.parse_map(tmp_path / f"test_map.{ext}")
    assert (pm.map_size.width, pm.map_size.height) == (m.width, m.height)
    assert pm.orientation == ("isometric" if projection == "isometric" else "orthogonal")
    assert (pm.tile_size.width, pm.tile_size.height) == (m.cell_w, m.cell_h)
    assert [la.name for la in pm.layers] == ["terrain", "decorations", "entities", "collision"]
    assert pm.properties["map_name"] == "Test Map" and pm.properties["seed"] == 42
    ts = pm.tilesets[1]
    tile_size = (130, 230) if projection == "isometric" else (32, 32)
    assert (ts.tile_width, ts.tile_height) == tile_size and ts.tile_count == 4
    assert ts.tiles[1].properties["name"] == "water" and ts.tiles[1].properties["collision"] is True
    assert ts.tiles[1].objects is not None and 0 not in {k for k, t in ts.tiles.items() if t.objects}
    for li, lname in enumerate(["terrain", "decorations"]):
        assert np.array_equal(np.array(pm.layers[li].data), m.layer(lname).data)   # GIDs = tile ids (firstgid 1)
    ents = {o.name: o for o in pm.layers[2].tiled_objects}
    assert ents["spawn"].class_ == "spawn" and ents["spawn"].properties["team"] == "red"
    assert (ents["chest"].coordinates.x, ents["chest"].coordinates.y) == _objects_px(m, 4.5, 3)
    coll = pm.layers[3].tiled_objects
    assert coll[0].name == "wall" and coll[0].class_ == "wall"
    assert {o.properties["collision_source"] for o in coll} == {"object", "tiles"}


# --------------------------------------------------------------------------- Tiled: tmxrasterizer


def _reference_render(m: Map, atlas_png: Path) -> Image.Image:
    """The tile layers drawn from the exported atlas the engine's way (isometric: diamond grid, tiles
    bottom-aligned on the cell, back to front by x + y), cropped to the map's bounding box as Tiled does."""
    atlas = Image.open(atlas_png).convert("RGBA")
    spec = build_atlas(m)
    tw, th = spec.tile_w, spec.tile_h
    cols = atlas.width // tw
    iso = m.projection == "isometric"
    if iso:
        size = ((m.width + m.height) * m.cell_w // 2, (m.width + m.height) * m.cell_h // 2)
    else:
        size = (m.width * m.cell_w, m.height * m.cell_h)
    top = th - m.cell_h
    canvas = Image.new("RGBA", (size[0], size[1] + top), (0, 0, 0, 0))
    pos = {t.id: k for k, t in enumerate(m.tiles)}
    for lname in ("terrain", "decorations"):
        data = m.layer(lname).data
        ys, xs = np.nonzero(data)
        for k in np.lexsort((xs, xs + ys)) if iso else np.lexsort((xs, ys)):
            x, y = int(xs[k]), int(ys[k])
            i = pos[int(data[y, x])]
            tile = atlas.crop(((i % cols) * tw, (i // cols) * th, (i % cols + 1) * tw, (i // cols + 1) * th))
            if iso:
                left = (x - y) * m.cell_w // 2 + m.height * m.cell_w // 2 - m.cell_w // 2
                bottom = (x + y) * m.cell_h // 2 + m.cell_h
            else:
                left, bottom = x * m.cell_w, (y + 1) * m.cell_h
            canvas.alpha_composite(tile, (left, bottom - th + top))
    return canvas.crop((0, top, size[0], size[1] + top))


def _masks_agree(a: np.ndarray, b: np.ndarray) -> float:
    ma, mb = a[..., 3] > 0, b[..., 3] > 0
    return (ma & mb).sum() / max((ma | mb).sum(), 1)


@pytest.mark.parametrize("ext", ["tmx", "tmj"])
@pytest.mark.parametrize("projection", ["isometric", "top_down"])
def test_tmxrasterizer_renders_the_engine_layout(tmp_path, projection, ext):
    exe = shutil.which("tmxrasterizer")
    if exe is None:
        pytest.skip("tmxrasterizer not installed (Debian package 'tiled'; `make test` installs it when apt works)")
    m = make_map(projection, w=7, h=6)
    unzip(export_map(m, "tmx"), tmp_path)
    out = tmp_path / "tiled.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(tmp_path))
    run = subprocess.run([exe, "--hide-layer", "entities", "--hide-layer", "collision",
                          str(tmp_path / f"test_map.{ext}"), str(out)], env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0 and out.exists(), run.stderr
    check_dir = os.environ.get("SPRIXEN_EXPORT_CHECK_DIR")
    if check_dir:
        Path(check_dir).mkdir(parents=True, exist_ok=True)
        shutil.copy(out, Path(check_dir) / f"tmxrasterizer_{projection}_{ext}.png")
    tiled = np.asarray(Image.open(out).convert("RGBA")).astype(int)
    ref = np.asarray(_reference_render(m, tmp_path / "test_map_tiles.png")).astype(int)
    assert tiled.shape == ref.shape
    assert _masks_agree(tiled, ref) > 0.999                             # measured: pixel-identical
    both = (tiled[..., 3] == 255) & (ref[..., 3] == 255)
    assert np.abs(tiled[both][:, :3] - ref[both][:, :3]).mean() < 0.5
    # the engine's own preview lays the map out the same way (it adds room above row 0 for tall tiles)
    try:
        from sprixen_engine.maps.io import preview
    except ImportError:
        return
    pv = np.asarray(preview(m, scale=1.0, objects=False).convert("RGBA")).astype(int)
    assert pv.shape[1] == tiled.shape[1] and pv.shape[0] >= tiled.shape[0]
    pv = pv[pv.shape[0] - tiled.shape[0]:]
    assert _masks_agree(tiled, pv) > 0.98                               # measured: pixel-identical
    both = (tiled[..., 3] == 255) & (pv[..., 3] == 255)
    assert np.abs(tiled[both][:, :3] - pv[both][:, :3]).mean() < 4.0


# --------------------------------------------------------------------------- Godot


def parse_godot(text: str) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """``[(section tag, header attributes, properties)]`` of a .tscn / .tres (values left as text)."""
    sections: list[tuple[str, dict[str, str], dict[str, str]]] = []
    for line in text.splitlines():
        if line.startswith("["):
            tag = line[1:].split(" ", 1)[0].rstrip("]")
            attrs = dict(re.findall(r'(\w+)=("[^"]*"|\S+?)(?=[ \]])', line))
            sections.append((tag, {k: v.strip('"') for k, v in attrs.items()}, {}))
        elif " = " in line and sections:
            k, v = line.split(" = ", 1)
            sections[-1][2][k] = v
    return sections


def decode_tile_map_data(value: str) -> np.ndarray:
    """``PackedByteArray("…")`` → ``(n, 6)`` int array of ``x y source atlas_x atlas_y alternative``."""
    raw = base64.b64decode(re.fullmatch(r'PackedByteArray\("([A-Za-z0-9+/=]*)"\)', value).group(1))
    assert int.from_bytes(raw[:2], "little") == 0 and (len(raw) - 2) % 12 == 0
    return np.frombuffer(raw[2:], dtype="<i2,<i2,<u2,<u2,<u2,<u2").view(np.dtype("<i2")).reshape(-1, 6).astype(int)


@pytest.mark.parametrize("projection", ["isometric", "top_down"])
def test_godot_tile_map_data_round_trips(tmp_path, projection):
    m = make_map(projection)
    unzip(export_map(m, "godot"), tmp_path)
    scene = parse_godot((tmp_path / "test_map.tscn").read_text())
    tres = parse_godot((tmp_path / "test_map_tileset.tres").read_text())
    assert scene[0][0] == "gd_scene" and scene[0][1]["format"] == "4"
    assert scene[1][1] == {"type": "TileSet", "path": "test_map_tileset.tres", "id": "1_tileset"}
    assert tres[0][0] == "gd_resource" and tres[0][1]["type"] == "TileSet"
    assert tres[1][1]["path"] == "test_map_tiles.png"
    atlas_src = tres[2][2]
    res = tres[3][2]
    iso = projection == "isometric"
    tw, th = (130, 230) if iso else (32, 32)
    assert atlas_src["texture_region_size"] == f"Vector2i({tw}, {th})"
    assert res["tile_size"] == f"Vector2i({m.cell_w}, {m.cell_h})"
    assert (res.get("tile_shape"), res.get("tile_layout")) == (("1", "5") if iso else (None, None))
    assert res["custom_data_layer_0/name"] == '"name"' and res["sources/0"] == 'SubResource("TileSetAtlasSource_1")'
    # atlas coords → tile name, from the TileSet's own custom data
    by_coords = {}
    for key, val in atlas_src.items():
        mm = re.fullmatch(r"(\d+):(\d+)/0/custom_data_0", key)
        if mm:
            by_coords[(int(mm[1]), int(mm[2]))] = json.loads(val)
    assert sorted(by_coords.values()) == sorted(t.name for t in m.tiles)
    for (cx, cy), name in by_coords.items():
        solid = m.tile(name).collision
        assert (f"{cx}:{cy}/0/physics_layer_0/polygon_0/points" in atlas_src) == solid
        assert (f"{cx}:{cy}/0/texture_origin" in atlas_src) == iso
    if iso:
        assert atlas_src["0:0/0/texture_origin"] == "Vector2i(0, 82)"          # (230 - 66) / 2: bottom-aligned
        assert atlas_src["1:0/0/physics_layer_0/polygon_0/points"] == "PackedVector2Array(0, -33, 65, 0, 0, 33, -65, 0)"
    name_to_id = {t.name: t.id for t in m.tiles}
    layers = [(h["name"], p) for tag, h, p in scene if h.get("type") == "TileMapLayer"]
    assert [n for n, _ in layers] == ["terrain", "decorations"]
    for lname, props in layers:
        cells = decode_tile_map_data(props["tile_map_data"])
        grid = np.zeros((m.height, m.width), int)
        for x, y, source, ax, ay, alt in cells:
            assert source == 0 and alt == 0
            grid[y, x] = name_to_id[by_coords[(ax, ay)]]
        assert np.array_equal(grid, m.layer(lname).data), lname
        assert props["tile_set"] == 'ExtResource("1_tileset")'
    markers = {h["name"]: p for tag, h, p in scene if h.get("type") == "Marker2D"}
    assert markers["spawn"]["metadata/type"] == '"spawn"' and markers["spawn"]["metadata/team"] == '"red"'
    spawn = (65, 99) if iso else (48, 48)                                       # centre of cell (1, 1)
    assert markers["spawn"]["position"] == f"Vector2({spawn[0]}, {spawn[1]})"
    polys = [p for tag, h, p in scene if h.get("type") == "CollisionPolygon2D"]
    assert len(polys) == 1 and polys[0]["metadata/type"] == '"wall"'


# --------------------------------------------------------------------------- GameMaker

#: TileCompressedData of tileset ``tilesAuto`` in YoYoGames/GM-TestFramework projects/xUnit (IDE-saved, 63×31)
GM_IDE_SAMPLE = [-1443, 0, 3, 50, 21, 51, -60, 0, 3, 17, 1, 25, -60, 0, 3, 17, 1, 25, -57, 0, 9, 50, 21, 21, 2, 1, 3,
                 21, 21, 51, -54, 0, 1, 17, -7, 1, 1, 25, -54, 0, 9, 48, 29, 29, 9, 1, 5, 29, 29, 49, -57, 0, 3, 17, 1,
                 25, -60, 0, 3, 17, 1, 25, -60, 0, 3, 48, 29, 49, -3, 0]


def test_gamemaker_run_length_matches_the_ide():
    cells = decompress_tiles(GM_IDE_SAMPLE)
    assert len(cells) == 63 * 31
    assert compress_tiles(np.array(cells)) == GM_IDE_SAMPLE
    rng = np.random.default_rng(0)
    for _ in range(20):
        a = rng.integers(0, 4, size=int(rng.integers(1, 300)))
        assert decompress_tiles(compress_tiles(a)) == a.tolist()


@pytest.mark.parametrize("projection", ["isometric", "top_down"])
def test_gamemaker_room_decodes_to_the_map(tmp_path, projection):
    m = make_map(projection)
    names = unzip(export_map(m, "gamemaker"), tmp_path)
    project = parse_gm_json((tmp_path / "test_map.yyp").read_text())
    assert project["$GMProject"] == "" and project["resourceType"] == "GMProject"
    for r in project["resources"]:
        assert r["id"]["path"] in names
    assert project["RoomOrderNodes"][0]["roomId"]["name"] == "rm_test_map"
    room = parse_gm_json((tmp_path / "rooms/rm_test_map/rm_test_map.yy").read_text())
    tileset = parse_gm_json((tmp_path / "tilesets/ts_test_map/ts_test_map.yy").read_text())
    sprite = parse_gm_json((tmp_path / "sprites/spr_test_map_tiles/spr_test_map_tiles.yy").read_text())
    assert room["$GMRoom"] == "v1" and tileset["$GMTileSet"] == "v1" and sprite["$GMSprite"] == ""
    tw, th = (130, 230) if projection == "isometric" else (32, 32)
    assert (tileset["tileWidth"], tileset["tileHeight"]) == (tw, th)
    frame = sprite["frames"][0]["name"]
    png = Image.open(tmp_path / f"sprites/spr_test_map_tiles/{frame}.png")
    assert png.size == (sprite["width"], sprite["height"])
    assert tileset["tile_count"] == (png.width // tw) * (png.height // th)
    assert np.asarray(png)[:th, :tw, 3].max() == 0                       # tile 0 is GameMaker's empty tile
    # keys in the IDE's order: sorted ignoring case, upper-cased ('bboxMode' before 'bbox_bottom')
    keys = list(sprite)
    assert keys == sorted(keys, key=str.upper) and keys.index("bboxMode") < keys.index("bbox_bottom")
    layers = {la["name"]: la for la in room["layers"]}
    assert {"terrain", "decorations", "collision", "Instances", "Background"} <= set(layers)
    for lname in ("terrain", "decorations"):
        la = layers[lname]
        assert la["$GMRTileLayer"] == "" and la["tiles"]["TileDataFormat"] == 1
        assert la["tilesetId"]["path"] == "tilesets/ts_test_map/ts_test_map.yy"
        w, h = la["tiles"]["SerialiseWidth"], la["tiles"]["SerialiseHeight"]
        grid = np.array(decompress_tiles(la["tiles"]["TileCompressedData"])).reshape(h, w)
        assert np.array_equal(grid & 0x7FFFF, m.layer(lname).data)       # tile index = tile id (blank cell 0)
        assert la["visible"] is (projection != "isometric")
    coll = layers["collision"]
    grid = np.array(decompress_tiles(coll["tiles"]["TileCompressedData"])).reshape(m.height, m.width)
    expected = blocked_truth(m)
    expected[m.height - 1, 0:2] = True                                  # the wall object
    assert np.array_equal(grid > 0, expected) and coll["visible"] is False
    objects = json.loads((tmp_path / "datafiles/test_map_objects.json").read_text())
    assert [o["name"] for o in objects["layers"]["entities"]] == ["spawn", "chest"]
    assert ("notes/sprixen_draw_iso.gml" in names) == (projection == "isometric")


# --------------------------------------------------------------------------- Unity


def _cs_classes(cs: str) -> dict[str, dict[str, str]]:
    """``{class: {field: type}}`` of the ``[Serializable]`` data classes in the loader."""
    out = {}
    for mm in re.finditer(r"\[Serializable\]\s*public class (\w+)\s*\{(.*?)\n    \}", cs, re.S):
        out[mm[1]] = {f: t for t, f in re.findall(r"public ([\w\[\]]+) (\w+);", mm[2])}
    return out


def _check_keys(value, cls: str, classes: dict[str, dict[str, str]], where: str = "$") -> None:
    fields = classes[cls]
    for key, v in value.items():
        assert key in fields, f"{where}.{key} is not a field of C# class {cls}"
        t = fields[key]
        elem = t[:-2] if t.endswith("[]") else t
        if elem in classes:
            for i, item in enumerate(v if t.endswith("[]") else [v]):
                _check_keys(item, elem, classes, f"{where}.{key}[{i}]")


@pytest.mark.parametrize("projection", ["isometric", "top_down"])
def test_unity_json_and_loader(tmp_path, projection):
    m = make_map(projection)
    unzip(export_map(m, "unity"), tmp_path)
    root = tmp_path / "test_map"
    doc = json.loads((root / "test_map.json").read_text())
    assert doc["format"] == "sprixen-unity-map" and (doc["width"], doc["height"]) == (m.width, m.height)
    for la in doc["layers"]:
        assert np.array_equal(np.array(la["data"]).reshape(m.height, m.width), m.layer(la["name"]).data)
    assert [t["name"] for t in doc["tiles"]] == [t.name for t in m.tiles]
    assert {o["name"] for o in doc["objects"]} == {"spawn", "chest"}
    atlas = Image.open(root / doc["atlas"]["image"])
    assert atlas.size == (doc["atlas"]["columns"] * doc["atlas"]["tileWidth"], doc["atlas"]["rows"] * doc["atlas"]["tileHeight"])
    cs = (root / "Editor/SprixenMapLoader.cs").read_text()
    assert "public static class SprixenMapLoader" in cs and "using UnityEngine.Tilemaps;" in cs
    assert cs.count("{") == cs.count("}") and cs.count("(") == cs.count(")")
    classes = _cs_classes(cs)
    assert "SprixenMapData" in classes
    _check_keys(doc, "SprixenMapData", classes)                          # JsonUtility fills every key
    readme = (root / "README.txt").read_text()
    assert "NOT verified" in readme and "SuperTiled2Unity" in readme
    # the TMX/TSX for SuperTiled2Unity are the Tiled export's
    assert (root / "test_map.tmx").read_text() == export_files(m, "tmx")["test_map.tmx"]


def test_unity_loader_parses_as_csharp():
    ts = pytest.importorskip("tree_sitter")
    cs_grammar = pytest.importorskip("tree_sitter_c_sharp")
    from sprixen_engine.maps.export_unity import LOADER_CS

    tree = ts.Parser(ts.Language(cs_grammar.language())).parse(LOADER_CS.encode())
    errors = []

    def walk(node):
        if node.type == "ERROR" or node.is_missing:
            errors.append((node.start_point, node.type))
        for child in node.children:
            walk(child)

    walk(tree.root_node)
    assert not tree.root_node.has_error and not errors, errors


# --------------------------------------------------------------------------- json


def test_json_export_loads_back(tmp_path):
    from sprixen_engine.maps.io import load_map

    m = make_map("isometric")
    names = unzip(export_map(m, "json"), tmp_path)
    assert "README.txt" in names
    back = load_map(tmp_path / "test_map.map.json")
    assert (back.name, back.projection, back.width, back.height, back.seed) == (m.name, m.projection, m.width, m.height, 42)
    for lname in ("terrain", "decorations"):
        assert np.array_equal(back.layer(lname).data, m.layer(lname).data)
    assert [o.name for o in back.layer("entities").objects] == ["spawn", "chest"]
    assert back.tile("rock").image.size == (130, 230)


# --------------------------------------------------------------------------- generated maps and timing


def _big_map(projection: str, size: int = 256) -> Map:
    try:
        from sprixen_engine.maps.generate import generate_map
    except ImportError:
        m = make_map(projection, w=size, h=size)
        rng = np.random.default_rng(0)
        m.layer("terrain").data = rng.integers(1, 3, (size, size)).astype(np.int32)
        return m
    return generate_map("Big", projection=projection, width=size, height=size, seed=1)


def test_generated_map_exports_everywhere(tmp_path):
    """A generator-made map: its hidden ``collision`` tile layer becomes Tiled's collision object layer."""
    pytmx = pytest.importorskip("pytmx")
    m = _big_map("isometric", 24)
    for fmt in FORMATS:
        assert export_map(m, fmt)[:2] == b"PK"
    unzip(export_map(m, "tmx"), tmp_path)
    tm = pytmx.TiledMap(str(tmp_path / "big.tmx"))
    kinds = {la.name: type(la).__name__ for la in tm.layers}
    assert kinds.get("terrain") == "TiledTileLayer" and kinds.get("collision") == "TiledObjectGroup"


def test_export_timing_256(record_property):
    """A 256×256 map exports to every format; timings are reported (target ≤ 2 s each), not asserted."""
    lines = []
    for projection in ("isometric", "top_down"):
        m = _big_map(projection)
        for fmt in FORMATS:
            t = time.perf_counter()
            data = export_map(m, fmt)
            dt = time.perf_counter() - t
            record_property(f"export_{projection}_{fmt}_s", round(dt, 3))
            lines.append(f"{projection:9s} {fmt:9s} {dt:6.3f} s {len(data) / 1e3:8.1f} kB")
            assert data[:2] == b"PK"
    print("\n256x256 export timings:\n" + "\n".join(lines))
