"""REST Tiles and World Builder (Maps): tile jobs and packs, maps create / get / list / patch / AI edit /
export / preview / delete, scoping to the key, and 400s naming the field. Small maps (16×16) keep it fast."""

from __future__ import annotations

import io
import os
import time
import zipfile

import pytest
from PIL import Image

from server_fixtures import *  # noqa: F401,F403

pytest.importorskip("fastapi")

EXPORT_FILES = {"json": (".map.json", "README.txt"), "tmx": (".tmx", ".tsx", ".tmj"),
                "godot": (".tscn", ".tres"), "unity": ("SprixenMapLoader.cs", "README.txt"),
                "gamemaker": (".yyp", "README.txt")}


def other_headers(api) -> dict[str, str]:
    from sprixen_engine.server.keys import create_key

    key, _ = create_key(api.state.db, name="other", credits=10)
    return {"Authorization": f"Bearer {key}"}


def png(api, url: str, headers: dict[str, str] | None = None) -> Image.Image:
    r = api.client.get(url, headers=headers)
    assert r.status_code == 200, (url, r.status_code)
    assert r.headers["content-type"] == "image/png"
    return Image.open(io.BytesIO(r.content))


def bad(r, field: str) -> str:
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["statusCode"] == 400 and body["error"] == "Bad Request"
    assert body["message"].startswith(field), (field, body["message"])
    return body["message"]


def credits(api) -> int:
    from sprixen_engine.server.db import ApiKey

    with api.state.db.session() as s:
        return sum(k.credits for k in s.query(ApiKey).all() if k.name == "test")


# ------------------------------------------------------------------------------------------------ tiles
def test_tile_generate_poll_download_and_custom_pack(api):
    before = credits(api)
    r = api.client.post("/v1/tile-packs/generate", headers=api.headers, json={
        "prompt": "mossy stone floor tile", "tileLabel": "Mossy Stone", "collision": False,
        "projectionType": "floor"})
    assert r.status_code == 201, r.text
    job = r.json()
    assert job["id"].startswith("tile_") and job["status"] == "pending" and job["label"] == "Mossy Stone"
    assert job["createdAt"].endswith("Z")
    assert credits(api) == before - 1
    done = api.wait(f"/v1/tiles/{job['id']}")
    assert done["status"] == "completed", done
    assert done["label"] == "Mossy Stone" and done["projectionType"] == "floor" and done["collision"] is False
    assert png(api, done["imageUrl"]).size == (130, 230)
    w, h = png(api, done["textureUrl"]).size
    assert w == h
    assert done["imageUrl"].endswith(f"/public/uploads/{job['id']}.png")

    packs = api.client.get("/v1/tile-packs", headers=api.headers).json()
    custom = packs[-1]
    assert (custom["id"], custom["name"], custom["isBuiltIn"]) == ("custom", "Custom Tiles", False)
    assert [t["id"] for t in custom["tiles"]] == [job["id"]]
    assert custom["tiles"][0]["imageUrl"] == done["imageUrl"]
    built_in = packs[:-1]
    assert {p["id"] for p in built_in} >= {"fantasy_terrain", "dungeon", "winter", "desert"}
    for p in built_in:
        assert p["isBuiltIn"] is True and p["name"] and p["tiles"]
        t = p["tiles"][0]
        assert {"id", "label", "imageUrl", "textureUrl", "projectionType", "collision"} <= set(t)
        assert png(api, t["imageUrl"]).size == (130, 230)
    grass = next(t for t in built_in[0]["tiles"] if t["label"] == "Grass")
    assert grass["terrain"] == "grass"

    # custom tiles belong to the key
    other = other_headers(api)
    assert api.client.get(f"/v1/tiles/{job['id']}", headers=other).status_code == 404
    other_packs = api.client.get("/v1/tile-packs", headers=other).json()
    assert other_packs[-1]["tiles"] == [] and len(other_packs) == len(packs)
    listed = api.client.get("/v1/tiles", headers=api.headers).json()
    assert listed["total"] == 1 and listed["data"][0]["id"] == job["id"]


def test_tile_bad_values(api):
    post = lambda body: api.client.post("/v1/tile-packs/generate", headers=api.headers, json=body)  # noqa: E731
    bad(post({"prompt": "stone", "projectionType": "ceiling"}), "projectionType")
    bad(post({"prompt": ""}), "prompt")
    bad(post({"prompt": "stone", "webhookUrl": "ftp://example.com"}), "webhookUrl")
    bad(post({"prompt": "stone", "collision": "maybe"}), "collision")
    bad(post({"prompt": "stone", "tileLabel": "x" * 61}), "tileLabel")
    assert api.client.get("/v1/tiles/tile_nope", headers=api.headers).status_code == 404


# ------------------------------------------------------------------------------------------------- maps
def create(api, **fields) -> dict:
    body = {"name": "Forest Level", "projectionType": "isometric", "gridWidth": 16, "gridHeight": 16, "seed": 7,
            **fields}
    r = api.client.post("/v1/maps", headers=api.headers, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_map_lifecycle(api):
    made = create(api)
    map_id = made["id"]
    assert map_id.startswith("map_")
    assert {k: made[k] for k in ("name", "projectionType", "gridWidth", "gridHeight", "version")} == {
        "name": "Forest Level", "projectionType": "isometric", "gridWidth": 16, "gridHeight": 16, "version": 1}
    assert made["createdAt"].endswith("Z") and made["tilePack"] == "fantasy_terrain"
    url = f"/v1/maps/{map_id}"

    assert [m["id"] for m in api.client.get("/v1/maps", headers=api.headers).json()] == [map_id]
    full = api.client.get(url, headers=api.headers).json()
    assert set(full["layers"]) == {"terrain", "decorations", "entities", "collision"}
    terrain = full["layers"]["terrain"]
    assert terrain["encoding"] == "grid" and len(terrain["data"]) == 16 and {len(r) for r in terrain["data"]} == {16}
    assert full["layers"]["entities"]["objects"], "a generated map has a spawn and chests"
    assert full["tiles"][0]["id"] == 1 and full["tiles"][0]["imageUrl"]
    assert png(api, full["tiles"][0]["imageUrl"], api.headers).size == (130, 230)
    compact = api.client.get(url, headers=api.headers, params={"layerEncoding": "compact"}).json()
    assert compact["layers"]["terrain"]["encoding"] in ("raw", "rle")

    # PATCH: rename, then paint the whole terrain with water (a colliding tile) → collision recomputed
    r = api.client.patch(url, headers=api.headers, json={"name": "Flooded"})
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["version"]) == ("Flooded", 2)
    water = next(t["id"] for t in full["tiles"] if t["terrain"] == "water")
    r = api.client.patch(url, headers=api.headers, json={"layers": {
        "terrain": [[water] * 16 for _ in range(16)], "decorations": {"encoding": "rle", "data": [0, 256]},
        "entities": [{"type": "spawn", "x": 3, "y": 4}]}})
    assert r.status_code == 200, r.text
    patched = r.json()
    assert patched["version"] == 3 and patched["historyLength"] == full["historyLength"] + 1
    assert patched["layers"]["terrain"]["data"] == [[water] * 16] * 16
    assert all(v > 0 for row in patched["layers"]["collision"]["data"] for v in row)
    assert [(o["type"], o["x"], o["y"], o["id"]) for o in patched["layers"]["entities"]["objects"]] == [
        ("spawn", 3.0, 4.0, 1)]
    # the compact form comes back in as it went out
    r = api.client.patch(url, headers=api.headers, json={"layers": {"terrain": compact["layers"]["terrain"]}})
    assert r.status_code == 200 and r.json()["layers"]["terrain"]["data"] == terrain["data"]
    assert r.json()["version"] == 4

    # AI edit → a new version
    r = api.client.post(f"{url}/ai-edit", headers=api.headers, json={"prompt": "Add a river running through the center"})
    assert r.status_code == 201, r.text
    edit = r.json()
    assert edit["id"].startswith("edit_") and edit["status"] == "pending" and edit["mapId"] == map_id
    done = api.wait(f"{url}/ai-edit/{edit['id']}")
    assert done["status"] == "completed", done
    assert done["version"] == 5 and done["operations"][0]["op"] == "add_river" and done["summary"]["cells"] > 0
    assert api.client.get(url, headers=api.headers).json()["version"] == 5
    assert api.client.get(f"/v1/maps/{map_id}/ai-edit/edit_nope", headers=api.headers).status_code == 404

    # exports: a zip per format with the expected files
    for fmt, expected in EXPORT_FILES.items():
        r = api.client.get(f"{url}/export/{fmt}", headers=api.headers)
        assert r.status_code == 200, (fmt, r.text[:200])
        assert r.headers["content-type"] == "application/zip"
        assert r.headers["content-disposition"] == f'attachment; filename="flooded-{fmt}.zip"'
        names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
        for suffix in expected:
            assert any(n.endswith(suffix) for n in names), (fmt, suffix, names)
    msg = bad(api.client.get(f"{url}/export/pdf", headers=api.headers), "format")
    assert "json, tmx, godot, unity, gamemaker" in msg
    bad(api.client.get(f"{url}/export/tmx", headers=api.headers, params={"layerEncoding": "xml"}), "layerEncoding")

    assert max(png(api, f"{url}/preview?maxSide=256", api.headers).size) <= 256

    # another key sees nothing
    other = other_headers(api)
    for method, path in (("get", url), ("patch", url), ("delete", url), ("get", f"{url}/export/json"),
                         ("get", f"{url}/preview"), ("get", f"{url}/ai-edit/{edit['id']}")):
        kwargs = {"json": {"name": "x"}} if method == "patch" else {}
        assert getattr(api.client, method)(path, headers=other, **kwargs).status_code == 404, (method, path)
    r = api.client.post(f"{url}/ai-edit", headers=other, json={"prompt": "add a forest"})
    assert r.status_code == 404
    assert api.client.get("/v1/maps", headers=other).json() == []

    # delete
    r = api.client.delete(url, headers=api.headers)
    assert r.status_code == 200 and r.json() == {"id": map_id, "deleted": True}
    r = api.client.get(url, headers=api.headers)
    assert r.status_code == 404 and r.json()["message"] == f"Map {map_id} not found"
    assert api.client.get("/v1/maps", headers=api.headers).json() == []
    assert not (api.state.settings.data_dir / "maps" / map_id).exists()


def test_map_bad_values_never_touch_the_map(api):
    post = lambda body: api.client.post("/v1/maps", headers=api.headers, json=body)  # noqa: E731
    bad(post({"projectionType": "top_down"}), "name")
    bad(post({"name": "a", "gridWidth": 2}), "gridWidth")
    bad(post({"name": "a", "gridHeight": 513}), "gridHeight")
    bad(post({"name": "a", "projectionType": "hex"}), "projectionType")
    bad(post({"name": "a", "tilePack": "nope"}), "tilePack")
    bad(post({"name": "a", "tilePack": "custom"}), "tilePack")
    bad(post({"name": "a", "seed": -1}), "seed")

    made = create(api, projectionType="top_down")
    url = f"/v1/maps/{made['id']}"
    n = len(api.client.get(url, headers=api.headers).json()["tiles"])
    patch = lambda body: api.client.patch(url, headers=api.headers, json=body)  # noqa: E731
    bad(patch({"layers": {"terrain": [[1] * 16] * 15}}), "layers.terrain")
    bad(patch({"layers": {"terrain": [[1] * 16] * 15 + [[1] * 15 + [n + 1]]}}), "layers.terrain[15][15]")
    bad(patch({"layers": {"terrain": [[1] * 16] * 15 + [[1] * 15 + ["grass"]]}}), "layers.terrain[15][15]")
    bad(patch({"layers": {"terrain": {"encoding": "rle", "data": [1, 255]}}}), "layers.terrain.data")
    bad(patch({"layers": {"terrain": {"encoding": "png", "data": []}}}), "layers.terrain.encoding")
    bad(patch({"layers": {"sky": [[0] * 16] * 16}}), "layers.sky")
    bad(patch({"layers": {"entities": [{"type": "chest", "x": 16, "y": 0}]}}), "layers.entities[0].x")
    bad(patch({"layers": {"entities": [{"type": "", "x": 1, "y": 0}]}}), "layers.entities[0].type")
    bad(patch({"layers": {"entities": [{"type": "npc", "x": 1, "y": 0, "hp": 3}]}}), "layers.entities[0].hp")
    bad(patch({"layers": {"entities": [{"type": "npc", "x": 1, "y": 1, "id": 2},
                                       {"type": "npc", "x": 2, "y": 2, "id": 2}]}}), "layers.entities[1].id")
    bad(patch({"layers": {"entities": "spawn"}}), "layers.entities")
    bad(patch({"tilePack": "winter", "layers": {}}), "layers")
    bad(patch({"tilePack": "nope"}), "tilePack")
    bad(patch({"name": ""}), "name")
    bad(patch({"gridWidth": 20}), "gridWidth")
    bad(api.client.post(f"{url}/ai-edit", headers=api.headers, json={"prompt": "blah blah blah"}), "prompt")
    bad(api.client.post(f"{url}/ai-edit", headers=api.headers, json={}), "prompt")
    after = api.client.get(url, headers=api.headers).json()
    assert after["version"] == 1
    assert api.client.patch(url, headers=api.headers, json={}).json()["version"] == 1   # nothing to change


def test_patch_tile_pack_keeps_every_cells_class(api):
    made = create(api, projectionType="top_down", name="Meadow")
    url = f"/v1/maps/{made['id']}"
    before = api.client.get(url, headers=api.headers).json()
    r = api.client.patch(url, headers=api.headers, json={"tilePack": "winter"})
    assert r.status_code == 200, r.text
    after = r.json()
    assert (after["tilePack"], after["version"], after["historyLength"]) == ("winter", 2, 0)
    assert any(t["properties"].get("pack") == "winter" for t in after["tiles"])

    def classes(doc, layer):
        terrain = {t["id"]: t["terrain"] for t in doc["tiles"]}
        return [[terrain.get(v) for v in row] for row in doc["layers"][layer]["data"]]

    assert classes(after, "terrain") == classes(before, "terrain")
    assert classes(after, "decorations") == classes(before, "decorations")
    r = api.client.get(f"{url}/export/tmx", headers=api.headers)
    assert r.status_code == 200


def test_versions_are_claimed_once(api, engine):
    """Two changes from the same version: the second is a Conflict and the first one's files stay whole;
    a claimed folder a crashed writer left behind is taken over once stale."""
    from sprixen_engine.server.services import maps

    made = create(api, projectionType="top_down", name="Race")
    db, settings = api.state.db, api.state.settings
    rec = maps.get_record(db, _key_id(api), made["id"])
    m = maps.load_latest(settings, rec)
    first = maps.save_new_version(db, settings, rec, m.copy())
    assert first.version == 2
    with pytest.raises(maps.Conflict):
        maps.save_new_version(db, settings, rec, m.copy())
    assert maps.load_latest(settings, first).version == 2
    folder = maps.map_folder(settings, rec.id)
    assert sorted(p.name for p in folder.iterdir()) == ["v1", "v2"]
    # a writer that renamed v3 into place and died before moving the row on
    (folder / "v3").mkdir()
    (folder / "v3" / "junk.map.json").write_text("{}")
    with pytest.raises(maps.Conflict):
        maps.save_new_version(db, settings, first, m.copy())
    old = time.time() - maps.STALE_CLAIM_S - 5
    os.utime(folder / "v3", (old, old))
    third = maps.save_new_version(db, settings, first, m.copy())
    assert third.version == 3 and maps.load_latest(settings, third).name == "Race"
    for _ in range(3):
        third = maps.save_new_version(db, settings, third, m.copy())
    assert sorted(p.name for p in folder.iterdir()) == ["v4", "v5", "v6"]


def _key_id(api) -> str:
    from sprixen_engine.server.keys import authenticate

    return authenticate(api.state.db, api.headers["Authorization"]).id
