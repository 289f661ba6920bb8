"""Tiles and maps through the Engine facade and the CLI: tiles, library, packs, tilesets, maps, exports."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from sprixen_engine import Engine, InvalidRequest
from sprixen_engine.core import isometric as iso
from sprixen_engine.errors import NotFound


@pytest.fixture()
def engine(tmp_path, monkeypatch):
    monkeypatch.setenv("SPRIXEN_DATA", str(tmp_path / "data"))
    return Engine()


@pytest.mark.parametrize("projection", ["floor", "wall", "prop"])
def test_generate_tile_projections(engine, projection):
    prompt = {"floor": "mossy stone floor tile", "wall": "dark brick wall", "prop": "a wooden barrel"}[projection]
    tile = engine.generate_tile(prompt, projection=projection, seed=4, label="My Tile", collision=True)
    assert tile.image.size == (iso.TILE_W, iso.TILE_H) and tile.image.mode == "RGBA"
    a = np.asarray(tile.image)[..., 3] > 0
    foot = iso.footprint_mask()
    if projection == "floor":
        assert np.array_equal(a, foot)
        assert tile.metadata["material"] == "stone" and tile.metadata["modifiers"] == ["mossy"]
        assert tile.texture.size == (64, 64)
    elif projection == "wall":
        assert a[iso.BASELINE].any() and not a[iso.BASELINE + 1:].any()
        assert a.sum() > foot.sum() * 2
    else:
        assert tile.metadata["subject"] == "barrel"
    assert tile.label == "My Tile" and tile.collision is True
    assert tile.metadata["geometry"]["anchor"] == [65, 230]
    again = engine.generate_tile(prompt, projection=projection, seed=4, label="My Tile", collision=True)
    assert np.array_equal(np.asarray(again.image), np.asarray(tile.image)) and again.id == tile.id


def test_prop_heights_follow_the_subject(engine):
    tree = np.asarray(engine.generate_tile("an oak tree", projection="prop", seed=1).image)[..., 3] > 0
    rock = np.asarray(engine.generate_tile("a rock", projection="prop", seed=1).image)[..., 3] > 0
    height = lambda a: np.ptp(np.nonzero(a.any(1))[0])  # noqa: E731
    assert height(tree) > 1.8 * height(rock)


def test_library_keeps_generated_tiles(engine):
    assert engine.tile_pack("custom").tiles == []
    tile = engine.generate_tile("cracked ice", label="Thin Ice", collision=True, seed=2)
    engine.generate_tile("lava", seed=3, add_to_library=False)
    pack = engine.tile_pack("custom")
    assert [t.id for t in pack.tiles] == [tile.id]
    stored = pack.tiles[0]
    assert stored.label == "Thin Ice" and stored.collision is True
    assert np.array_equal(np.asarray(stored.image), np.asarray(tile.image))
    with pytest.raises(NotFound):
        engine.tile_library.get("tile_missing")


def test_built_in_packs_are_deterministic_and_cached(engine, tmp_path):
    packs = engine.tile_packs()
    ids = [p.id for p in packs]
    assert ids[:4] == ["fantasy_terrain", "dungeon", "winter", "desert"] and ids[-1] == "custom"
    assert {p.name for p in packs} >= {"Fantasy Terrain", "Dungeon", "Winter", "Desert"}
    for p in packs[:4]:
        assert p.is_built_in and len(p.tiles) >= 8
        assert all(t.image.size == (130, 230) for t in p.tiles)
        assert {"floor", "wall", "prop"} <= {t.projection for t in p.tiles}
        shape = p.to_json()
        assert shape["isBuiltIn"] is True and shape["tiles"][0]["label"]
    cache = list((tmp_path / "data" / "packs").glob("dungeon-*/pack.json"))
    assert len(cache) == 1
    fresh = Engine().tile_pack("dungeon")             # read back from the disk cache
    for a, b in zip(fresh.tiles, packs[1].tiles):
        assert a.id == b.id and np.array_equal(np.asarray(a.image), np.asarray(b.image))
    with pytest.raises(NotFound, match="tile_pack"):
        engine.tile_pack("moon_base")


@pytest.mark.parametrize("kind, count", [("wang16", 16), ("blob47", 48)])
def test_generate_tileset(engine, tmp_path, kind, count):
    ts = engine.generate_tileset("sand", against="grass", kind=kind, size=16, seed=5)
    assert len(ts.tiles) == count
    assert ts.metadata["materials"] == ["sand", "grass"]
    files = ts.save(tmp_path / kind, "beach")
    assert {p.suffix for p in files} >= {".png", ".tsx", ".tres"}
    with pytest.raises(InvalidRequest) as exc:
        engine.generate_tileset("sand", kind="wang8")
    assert exc.value.field == "kind"


def test_create_map_uses_the_pack_and_fills_missing_tiles(engine):
    m = engine.create_map("Forest Level", width=12, height=10, seed=7)
    assert (m.width, m.height, m.projection, m.tile_pack) == (12, 10, "isometric", "fantasy_terrain")
    pack = engine.tile_pack("fantasy_terrain")
    assert [t.label for t in m.tiles[:len(pack.tiles)]] == [t.label for t in pack.tiles]
    used = set(np.unique(m.layer("terrain").data)) | set(np.unique(m.layer("decorations").data))
    for tid in used - {0}:
        assert m.tile(int(tid)).image is not None, m.tile(int(tid)).name
    again = engine.create_map("Forest Level", width=12, height=10, seed=7)
    assert np.array_equal(again.layer("terrain").data, m.layer("terrain").data)
    td = engine.create_map("Snowfield", projection="top_down", width=8, height=8, seed=1, tile_pack="winter")
    assert all(t.image is None or t.image.size == (32, 32) for t in td.tiles)
    assert (np.isin(td.layer("terrain").data, [td.tile("snow").id, td.tile("ice").id]).mean() > 0.2)


def test_edit_and_export_a_created_map(engine):
    m = engine.create_map("River Test", projection="top_down", width=16, height=16, seed=11)
    edit = engine.edit_map(m, "Add a river running through the center")
    assert edit.map.version == m.version + 1 and edit.operations[0]["op"] == "add_river"
    water = {t.id for t in edit.map.tiles if t.terrain in ("water", "deep_water", "bridge")}
    centre = edit.map.layer("terrain").data[6:10, 6:10]
    assert np.isin(centre, list(water)).any()
    with pytest.raises(InvalidRequest) as exc:
        engine.edit_map(m, "sing a song")
    assert exc.value.field == "prompt" and "example" in str(exc.value)
    for fmt in ("json", "tmx", "godot", "unity", "gamemaker"):
        names = zipfile.ZipFile(io.BytesIO(engine.export_map(edit.map, fmt))).namelist()
        assert names and "README.txt" in " ".join(names)
    with pytest.raises(InvalidRequest) as exc:
        engine.export_map(m, "fbx")
    assert exc.value.field == "format"


def test_created_map_tmx_loads_in_pytmx(engine, tmp_path):
    pytmx = pytest.importorskip("pytmx")
    m = engine.create_map("Iso", width=8, height=8, seed=3)
    zipfile.ZipFile(io.BytesIO(engine.export_map(m, "tmx"))).extractall(tmp_path)
    tmx = pytmx.TiledMap(str(next(tmp_path.glob("*.tmx"))))
    assert (tmx.width, tmx.height, tmx.orientation) == (8, 8, "isometric")
    assert (tmx.tilewidth, tmx.tileheight) == (130, 66)
    layer = tmx.get_layer_by_name("terrain")
    gids = np.array([[layer.data[y][x] for x in range(8)] for y in range(8)])
    assert (gids > 0).all()


def test_cli_tiles_and_maps(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from sprixen_engine.cli import app

    monkeypatch.setenv("SPRIXEN_DATA", str(tmp_path / "data"))
    run = CliRunner().invoke
    res = run(app, ["tile", "wet cobblestone", "--seed", "1", "-o", str(tmp_path / "tile")])
    assert res.exit_code == 0, res.output
    assert len(list((tmp_path / "tile").glob("tile_*.png"))) == 2
    res = run(app, ["tile-packs"])
    assert res.exit_code == 0 and json.loads(res.output)[-1]["id"] == "custom"
    res = run(app, ["map", "create", "Demo", "--width", "10", "--height", "10", "--seed", "2", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    saved = tmp_path / "m" / "demo.map.json"
    assert saved.exists() and (tmp_path / "m" / "demo.png").exists()
    res = run(app, ["map", "edit", str(saved), "add a lake in the south-west"])
    assert res.exit_code == 0, res.output
    assert json.loads(saved.read_text())["version"] == 2
    res = run(app, ["map", "export", str(saved), "-f", "godot", "-o", str(tmp_path / "demo.zip")])
    assert res.exit_code == 0 and zipfile.is_zipfile(tmp_path / "demo.zip")
    res = run(app, ["map", "undo", str(saved)])
    assert res.exit_code == 0 and json.loads(saved.read_text())["version"] == 1
    res = run(app, ["map", "preview", str(saved), "-o", str(tmp_path / "p.png")])
    assert res.exit_code == 0 and Image.open(tmp_path / "p.png").width > 100
    res = run(app, ["map", "export", str(saved), "-f", "fbx"])
    assert res.exit_code == 2 and "format" in res.output
