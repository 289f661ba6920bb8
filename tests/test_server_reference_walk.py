"""Every curl example of the reference, in order, against a real ``sprixen serve`` process over HTTP:
generations (create → poll → PNGs, list, select), animations (create → poll → sheet, list, GIF, process,
delete), projects, tiles (generate → poll → 130×230 PNG, packs), maps (create, list, get, patch, ai-edit →
poll, every export format, delete), music (create → poll → FLAC download, list, delete) and billing —
with the credits adding up at the end."""

from __future__ import annotations

import io
import re
import time
import zipfile

import pytest
from PIL import Image

from pg import free_port
from test_server_process import procs, wait_status  # noqa: F401  (procs is a fixture)

httpx = pytest.importorskip("httpx")
sf = pytest.importorskip("soundfile")

START_CREDITS = 100


def _png(client, url: str) -> Image.Image:
    r = client.get(url)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png", (url, r.status_code)
    return Image.open(io.BytesIO(r.content))


def test_reference_walk(tmp_path, procs):  # noqa: F811
    port = free_port()
    server = procs("serve", "--port", port, "--data", tmp_path, "--workers", 2, "--rate-limit", 100000,
                   "--starting-credits", START_CREDITS, "--log-level", "warning")
    key = server.wait_for(r"Created the first API key .*?(spx_live_\S+)", timeout=60).group(1)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{base}/openapi.json", timeout=2, trust_env=False)
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline, server.stderr
            time.sleep(0.05)
    c = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=120, trust_env=False)
    spent = 0

    # --- Generations -----------------------------------------------------------------------------------
    r = c.post("/v1/generations", json={"prompt": "a warrior knight in pixel art, 32x32, dark fantasy style",
                                        "type": "character", "variantCount": 3})
    assert r.status_code == 201 and r.json()["status"] == "pending"
    spent += 3
    gen = wait_status(c, f"/v1/generations/{r.json()['id']}", ("completed", "failed"), timeout=60)
    assert gen["status"] == "completed" and len(gen["resultUrls"]) == 3
    assert all(u.startswith(f"{base}/public/uploads/") for u in gen["resultUrls"])
    assert {_png(c, u).size for u in gen["resultUrls"]} == {(32, 32)}
    page = c.get("/v1/generations?page=1&limit=20").json()
    assert page["total"] == 1 and page["page"] == 1 and page["limit"] == 20 and page["data"][0]["id"] == gen["id"]
    sel = c.post("/v1/generations/select", json={"generationId": gen["id"], "variationIndex": 0}).json()
    assert sel["spriteId"].startswith("spr_") and sel["projectId"].startswith("prj_")
    assert _png(c, sel["imageUrl"]).size == (32, 32)

    # --- Animations ------------------------------------------------------------------------------------
    r = c.post(f"/v1/sprites/{sel['spriteId']}/animations", json={
        "type": "walk", "frameCount": 8, "fps": 12, "archetype": "humanoid_biped", "direction": "right"})
    assert r.status_code == 201 and r.json()["id"].startswith("anim_") and r.json()["frameCount"] == 8
    spent += 1
    anim = wait_status(c, f"/v1/animations/{r.json()['id']}", ("completed", "failed"), timeout=60)
    assert anim["status"] == "completed" and anim["fps"] == 12
    assert _png(c, anim["spriteSheetUrl"]).width == 8 * 32
    listed = c.get(f"/v1/sprites/{sel['spriteId']}/animations").json()
    assert [a["id"] for a in listed] == [anim["id"]]
    gif = c.get(f"/v1/animations/{anim['id']}/gif")
    assert gif.headers["content-type"] == "image/gif" and Image.open(io.BytesIO(gif.content)).n_frames == 8
    processed = c.post(f"/v1/animations/{anim['id']}/process", json={"mode": "tight"}).json()
    assert processed["id"].startswith("anim_processed_") and processed["frameCount"] == 8
    assert "processed_" in processed["spriteSheetUrl"] and _png(c, processed["spriteSheetUrl"]).width > 0
    assert c.delete(f"/v1/animations/{anim['id']}").json() == {"id": anim["id"], "deleted": True}
    assert c.get(f"/v1/animations/{anim['id']}").status_code == 404

    # --- Projects --------------------------------------------------------------------------------------
    prj = c.post("/v1/projects", json={"name": "Dungeon Crawler", "artStyle": "pixel", "resolution": "32x32",
                                       "viewAngle": "side"}).json()
    assert prj["id"].startswith("prj_") and prj["artStyle"] == "pixel" and prj["resolution"] == "32x32"
    projects = c.get("/v1/projects").json()
    assert {p["id"] for p in projects} >= {prj["id"], sel["projectId"]}
    assert next(p for p in projects if p["id"] == sel["projectId"])["spriteCount"] == 1
    assert c.get(f"/v1/projects/{sel['projectId']}").json()["sprites"][0]["id"] == sel["spriteId"]

    # --- Tiles -----------------------------------------------------------------------------------------
    r = c.post("/v1/tile-packs/generate", json={"prompt": "mossy stone floor tile", "tileLabel": "Mossy Stone",
                                                "collision": False, "projectionType": "floor"})
    assert r.status_code == 201 and r.json()["id"].startswith("tile_") and r.json()["label"] == "Mossy Stone"
    spent += 1
    tile = wait_status(c, f"/v1/tiles/{r.json()['id']}", ("completed", "failed"), timeout=60)
    assert tile["status"] == "completed" and _png(c, tile["imageUrl"]).size == (130, 230)
    packs = c.get("/v1/tile-packs").json()
    names = {p["name"] for p in packs}
    assert "Fantasy Terrain" in names and any(not p["isBuiltIn"] for p in packs)
    custom = next(p for p in packs if not p["isBuiltIn"])
    assert [t["id"] for t in custom["tiles"]] == [tile["id"]]
    built_in = next(p for p in packs if p["isBuiltIn"])
    assert _png(c, built_in["tiles"][0]["imageUrl"]).size == (130, 230)

    # --- World Builder ---------------------------------------------------------------------------------
    r = c.post("/v1/maps", json={"name": "Forest Level", "projectionType": "isometric", "gridWidth": 16,
                                 "gridHeight": 16})
    assert r.status_code == 201
    m = r.json()
    assert m["id"].startswith("map_") and m["projectionType"] == "isometric"
    assert [x["id"] for x in c.get("/v1/maps").json()] == [m["id"]]
    full = c.get(f"/v1/maps/{m['id']}").json()
    assert {"terrain", "decorations", "entities"} <= set(full["layers"])
    assert c.patch(f"/v1/maps/{m['id']}", json={"name": "Forest Level 2"}).json()["name"] == "Forest Level 2"
    r = c.post(f"/v1/maps/{m['id']}/ai-edit", json={"prompt": "Add a river running through the center"})
    assert r.status_code == 201
    edit = wait_status(c, f"/v1/maps/{m['id']}/ai-edit/{r.json()['id']}", ("completed", "failed"), timeout=60)
    assert edit["status"] == "completed", edit
    for fmt in ("json", "tmx", "godot", "unity", "gamemaker"):
        z = c.get(f"/v1/maps/{m['id']}/export/{fmt}")
        assert z.status_code == 200 and z.headers["content-type"] == "application/zip", fmt
        assert re.search(r"attachment", z.headers["content-disposition"])
        assert zipfile.ZipFile(io.BytesIO(z.content)).testzip() is None
    assert c.delete(f"/v1/maps/{m['id']}").json()["deleted"] is True
    assert c.get(f"/v1/maps/{m['id']}").status_code == 404

    # --- Music -----------------------------------------------------------------------------------------
    r = c.post("/v1/music", json={"prompt": "epic orchestral battle theme with brass", "presetSlug": "epic_orchestral",
                                  "bpm": 140, "key": "D minor", "duration": 6})
    assert r.status_code == 201 and r.json()["id"].startswith("mus_") and r.json()["duration"] == 6
    spent += 3
    track = wait_status(c, f"/v1/music/{r.json()['id']}", ("completed", "failed"), timeout=60)
    assert track["status"] == "completed" and track["audioUrl"].endswith(".flac")
    dl = c.get(f"/v1/music/{track['id']}/download", follow_redirects=True)
    audio, rate = sf.read(io.BytesIO(dl.content))
    assert rate == 44100 and audio.shape[1] == 2 and abs(audio.shape[0] / rate - 6.0) <= 0.01
    assert c.get("/v1/music").json()["total"] == 1
    assert c.delete(f"/v1/music/{track['id']}").json()["deleted"] is True

    # --- Billing and errors ----------------------------------------------------------------------------
    billing = c.get("/v1/billing/status").json()
    assert billing["credits"] == START_CREDITS - spent and billing["subscription"]["status"] == "active"
    r = httpx.get(f"{base}/v1/billing/status", trust_env=False)
    assert r.status_code == 401 and r.json()["statusCode"] == 401 and "x-ratelimit-limit" in r.headers
