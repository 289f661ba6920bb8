"""REST projects (``/v1/projects``): style lock → generation → selection → the project's sprite library;
validation and per-key isolation."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from server_fixtures import *  # noqa: F401,F403
from sprixen_engine.server import keys


def test_style_lock_generate_select_and_list(api):
    r = api.client.post("/v1/projects", headers=api.headers, json={
        "name": "Dungeon Crawler", "description": "crypts", "artStyle": "pixel", "resolution": "48x48",
        "viewAngle": "side"})
    assert r.status_code == 201, r.text
    project = r.json()
    assert project["id"].startswith("prj_") and project["createdAt"].endswith("Z")
    assert (project["name"], project["artStyle"], project["resolution"], project["viewAngle"]) == (
        "Dungeon Crawler", "pixel", "48x48", "side")
    pid = project["id"]
    listed = api.client.get("/v1/projects", headers=api.headers).json()
    assert [(p["id"], p["spriteCount"]) for p in listed] == [(pid, 0)]

    r = api.client.post("/v1/generations", headers=api.headers, json={"prompt": "a knight", "projectId": pid})
    assert r.status_code == 201, r.text
    gen = api.wait(f"/v1/generations/{r.json()['id']}")
    assert gen["status"] == "completed" and gen["projectId"] == pid
    image = Image.open(io.BytesIO(api.client.get(gen["resultUrls"][0]).content))
    assert image.size == (48, 48)  # the project's resolution

    r = api.client.post("/v1/generations/select", headers=api.headers, json={"generationId": gen["id"]})
    assert r.status_code == 201, r.text
    chosen = r.json()
    assert chosen["projectId"] == pid

    full = api.client.get(f"/v1/projects/{pid}", headers=api.headers).json()
    assert full["spriteCount"] == 1 and full["artStyle"] == "pixel"
    assert [(s["id"], s["imageUrl"]) for s in full["sprites"]] == [(chosen["spriteId"], chosen["imageUrl"])]
    sprites = api.client.get(f"/v1/projects/{pid}/sprites", headers=api.headers).json()
    assert [s["id"] for s in sprites] == [chosen["spriteId"]] and sprites[0]["generationId"] == gen["id"]
    assert api.client.get("/v1/projects", headers=api.headers).json()[0]["spriteCount"] == 1


def test_view_angle_spellings(api):
    r = api.client.post("/v1/projects", headers=api.headers, json={"name": "Top", "viewAngle": "top-down"})
    assert r.status_code == 201 and r.json()["viewAngle"] == "top_down"
    minimal = api.client.post("/v1/projects", headers=api.headers, json={"name": "Plain"}).json()
    assert minimal["artStyle"] is None and minimal["resolution"] is None


@pytest.mark.parametrize(("body", "field"), [
    ({}, "name"), ({"name": ""}, "name"), ({"name": "x", "artStyle": "cubist"}, "artStyle"),
    ({"name": "x", "resolution": "huge"}, "resolution"), ({"name": "x", "resolution": "4x4"}, "resolution"),
    ({"name": "x", "viewAngle": "worm"}, "viewAngle"), ({"name": "x", "palette": "gb"}, "palette"),
])
def test_bad_project_bodies_are_400_naming_the_field(api, body, field):
    r = api.client.post("/v1/projects", headers=api.headers, json=body)
    assert r.status_code == 400, r.text
    assert r.json()["message"].startswith(field) and r.json()["error"] == "Bad Request"


def test_projects_are_per_key(api):
    pid = api.client.post("/v1/projects", headers=api.headers, json={"name": "Mine"}).json()["id"]
    other, _ = keys.create_key(api.state.db, name="other", credits=10)
    theirs = {"Authorization": f"Bearer {other}"}
    for path in (f"/v1/projects/{pid}", f"/v1/projects/{pid}/sprites", "/v1/projects/prj_nope"):
        r = api.client.get(path, headers=theirs)
        assert r.status_code == 404 and r.json()["statusCode"] == 404
    r = api.client.post("/v1/generations", headers=theirs, json={"prompt": "a knight", "projectId": pid})
    assert r.status_code == 404
    assert api.client.get("/v1/projects", headers=theirs).json() == []
    assert api.client.get("/v1/projects", headers={"Authorization": "Bearer spx_live_wrong"}).status_code == 401
    assert api.client.get(f"/v1/projects/{pid}", headers=api.headers).status_code == 200
