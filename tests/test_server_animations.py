"""REST animations (``/v1/sprites/:spriteId/animations``, ``/v1/animations``) end to end through the
in-process server: the reference's curl flow, field pass-through, validation, 404s, credits and
refunds, webhooks, processed copies and deletion."""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest
from PIL import Image

from server_fixtures import *  # noqa: F401,F403
from server_fixtures import make_api
from sprixen_engine.server import keys


def generate(api, prompt: str = "a knight with a sword", **fields) -> dict:
    r = api.client.post("/v1/generations", headers=api.headers,
                        json={"prompt": prompt, "resolution": "32x32", **fields})
    assert r.status_code == 201, r.text
    body = api.wait(f"/v1/generations/{r.json()['id']}")
    assert body["status"] == "completed", body
    return body


def make_sprite(api, **fields) -> str:
    gen = generate(api, **fields)
    r = api.client.post("/v1/generations/select", headers=api.headers, json={"generationId": gen["id"]})
    assert r.status_code == 201, r.text
    return r.json()["spriteId"]


def animate(api, sprite_id: str, **body) -> dict:
    r = api.client.post(f"/v1/sprites/{sprite_id}/animations", headers=api.headers, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def credits(api) -> int:
    return keys.balance(api.state.db, keys.authenticate(api.state.db, api.headers["Authorization"]).id)


def sprite_png(api, sprite_id: str):
    from sprixen_engine.server.db import Sprite
    from sprixen_engine.server.files import local_upload

    with api.state.db.session() as s:
        return local_upload(api.state.settings, s.get(Sprite, sprite_id).image_path)


def get_bytes(api, url: str) -> bytes:
    r = api.client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return r.content


def assert_error(r, status: int, *words: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"statusCode", "message", "error"} and body["statusCode"] == status
    for w in words:
        assert w in body["message"], body


def test_walk_flow_process_list_delete(api, engine):
    sprite_id = make_sprite(api)
    before = credits(api)
    created = animate(api, sprite_id, type="walk")
    assert created["id"].startswith("anim_") and created["status"] == "pending"
    assert created["type"] == "walk" and created["frameCount"] == 8  # the walk default
    assert created["createdAt"].endswith("Z") and created["spriteId"] == sprite_id
    assert credits(api) == before - 1

    done = api.wait(f"/v1/animations/{created['id']}")
    assert done["status"] == "completed" and done["completedAt"] and done["error"] is None
    assert done["frameCount"] == 8 and done["fps"] == 10 and done["type"] == "walk"
    assert done["spriteSheetUrl"] == f"http://testserver/public/uploads/{created['id']}.png"
    n, w, h = done["frameCount"], done["frameWidth"], done["frameHeight"]
    sheet_bytes = get_bytes(api, done["spriteSheetUrl"])
    assert Image.open(io.BytesIO(sheet_bytes)).size == (n * w, h)
    atlas = api.client.get(done["atlasUrl"]).json()
    assert len(atlas["frames"]) == n and atlas["meta"]["image"] == f"{created['id']}.png"
    assert b"SpriteFrames" in get_bytes(api, done["godotUrl"])

    r = api.client.get(f"/v1/animations/{created['id']}/gif", headers=api.headers)
    assert r.status_code == 200 and r.headers["content-type"] == "image/gif"
    gif = Image.open(io.BytesIO(r.content))
    assert gif.n_frames == n and r.content == get_bytes(api, done["gifUrl"])

    # processed copies equal processing the same animation in-process; the original is untouched
    direct = engine.animate(sprite_png(api, sprite_id), type="walk")
    copies = []
    for mode in ("stabilize", "tight", "aggressive"):
        r = api.client.post(f"/v1/animations/{created['id']}/process", headers=api.headers, json={"mode": mode})
        assert r.status_code == 201, r.text
        copy = r.json()
        assert copy["id"].startswith("anim_processed_") and "/public/uploads/processed_" in copy["spriteSheetUrl"]
        assert copy["type"] == "walk" and copy["frameCount"] == 8 and copy["fps"] == 10
        assert copy["processedFrom"] == created["id"] and copy["mode"] == mode and copy["status"] == "completed"
        got = np.asarray(Image.open(io.BytesIO(get_bytes(api, copy["spriteSheetUrl"]))).convert("RGBA"))
        want = np.asarray(engine.process_animation(direct, mode).sheet())
        assert np.array_equal(got, want), mode
        assert api.client.get(f"/v1/animations/{copy['id']}/gif", headers=api.headers).status_code == 200
        copies.append(copy["id"])
    assert credits(api) == before - 1  # processing is free
    assert get_bytes(api, done["spriteSheetUrl"]) == sheet_bytes

    listed = api.client.get(f"/v1/sprites/{sprite_id}/animations", headers=api.headers).json()
    assert isinstance(listed, list) and {a["id"] for a in listed} == {created["id"], *copies}

    r = api.client.delete(f"/v1/animations/{created['id']}", headers=api.headers)
    assert r.status_code == 200 and r.json() == {"id": created["id"], "deleted": True}
    assert api.client.get(done["spriteSheetUrl"]).status_code == 404
    assert not list(api.state.settings.uploads_dir.glob(f"{created['id']}*"))
    assert_error(api.client.get(f"/v1/animations/{created['id']}", headers=api.headers), 404, created["id"])
    assert_error(api.client.get(f"/v1/animations/{created['id']}/gif", headers=api.headers), 404)
    assert_error(api.client.delete(f"/v1/animations/{created['id']}", headers=api.headers), 404)
    listed = api.client.get(f"/v1/sprites/{sprite_id}/animations", headers=api.headers).json()
    assert {a["id"] for a in listed} == set(copies)  # copies outlive their original
    assert api.client.get(f"/v1/animations/{copies[0]}", headers=api.headers).json()["status"] == "completed"


def test_fields_pass_through_and_generation_id_as_sprite(api):
    gen = generate(api)
    body = {"type": "attack", "frameCount": 6, "fps": 15, "archetype": "humanoid_biped", "direction": "up-left",
            "weaponHand": "right", "weaponType": "sword", "hasShield": True}
    first = animate(api, gen["id"], **body)  # a generation id: its first variation, selected on first use
    assert first["frameCount"] == 6 and first["fps"] == 15 and first["spriteId"].startswith("spr_")
    done = api.wait(f"/v1/animations/{first['id']}")
    assert done["status"] == "completed", done
    assert (done["archetype"], done["direction"], done["weaponType"], done["hasShield"]) == (
        "humanoid_biped", "up_left", "sword", True)
    assert done["weaponHand"] == "right" and done["archetypeSource"] == "request"
    assert done["frameCount"] == 6 and done["fps"] == 15 and done["approximatedDirections"] == ["up_left"]

    second = animate(api, gen["id"], type="idle")
    assert second["spriteId"] == first["spriteId"] and second["frameCount"] == 4
    api.wait(f"/v1/animations/{second['id']}")
    for ref in (gen["id"], first["spriteId"]):
        listed = api.client.get(f"/v1/sprites/{ref}/animations", headers=api.headers).json()
        assert [a["id"] for a in listed] == [second["id"], first["id"]]  # newest first
    projects = api.client.get("/v1/projects", headers=api.headers).json()
    assert [(p["name"], p["spriteCount"]) for p in projects] == [("My Sprites", 1)]


@pytest.mark.parametrize(("field", "value"), [
    ("type", "swim"), ("frameCount", 1), ("frameCount", 13), ("fps", 3), ("fps", 61), ("archetype", "robot"),
    ("direction", "sideways"), ("weaponHand", "tail"), ("customDescription", "x" * 501), ("hasShield", "maybe"),
    ("locomotionType", "hover"), ("webhookUrl", "ftp://example.com/hook"), ("colour", "red"),
])
def test_bad_values_are_400_naming_the_field(api, field, value):
    sprite_id = make_sprite(api)
    before = credits(api)
    r = api.client.post(f"/v1/sprites/{sprite_id}/animations", headers=api.headers, json={field: value})
    assert_error(r, 400, field)
    assert r.json()["message"].startswith(field)
    assert credits(api) == before


def test_unknown_and_foreign_ids_are_404(api):
    sprite_id = make_sprite(api)
    anim = animate(api, sprite_id, type="idle")
    api.wait(f"/v1/animations/{anim['id']}")
    for ref in ("spr_nope", "gen_nope", "anim_nope"):
        assert_error(api.client.post(f"/v1/sprites/{ref}/animations", headers=api.headers, json={}), 404, ref)
        assert_error(api.client.get(f"/v1/sprites/{ref}/animations", headers=api.headers), 404, ref)
    for path in ("", "/gif"):
        assert_error(api.client.get(f"/v1/animations/anim_nope{path}", headers=api.headers), 404, "anim_nope")
    assert_error(api.client.post("/v1/animations/anim_nope/process", headers=api.headers, json={}), 404)
    assert_error(api.client.post(f"/v1/animations/{anim['id']}/process", headers=api.headers,
                                 json={"mode": "blur"}), 400, "mode")
    assert_error(api.client.get(f"/v1/animations/{sprite_id}", headers=api.headers), 404)  # not an animation

    other, _ = keys.create_key(api.state.db, name="other", credits=10)
    theirs = {"Authorization": f"Bearer {other}"}
    assert_error(api.client.post(f"/v1/sprites/{sprite_id}/animations", headers=theirs, json={}), 404)
    assert_error(api.client.get(f"/v1/sprites/{sprite_id}/animations", headers=theirs), 404)
    for method, path in (("get", ""), ("get", "/gif"), ("post", "/process"), ("delete", "")):
        r = api.client.request(method.upper(), f"/v1/animations/{anim['id']}{path}", headers=theirs,
                               json={} if method == "post" else None)
        assert_error(r, 404, anim["id"])
    assert api.client.get(f"/v1/animations/{anim['id']}", headers=api.headers).json()["status"] == "completed"


def test_failed_animation_is_refunded_and_missing_image_is_404(api):
    sprite_id = make_sprite(api)
    png = sprite_png(api, sprite_id)
    Image.new("RGBA", Image.open(png).size, (0, 0, 0, 0)).save(png)  # nothing left to animate
    before = credits(api)
    anim = animate(api, sprite_id, type="walk")
    assert credits(api) == before - 1
    done = api.wait(f"/v1/animations/{anim['id']}")
    assert done["status"] == "failed" and "opaque" in done["error"]
    assert credits(api) == before
    assert_error(api.client.get(f"/v1/animations/{anim['id']}/gif", headers=api.headers), 404, "failed")
    assert_error(api.client.post(f"/v1/animations/{anim['id']}/process", headers=api.headers, json={}), 404)

    png.unlink()
    r = api.client.post(f"/v1/sprites/{sprite_id}/animations", headers=api.headers, json={})
    assert_error(r, 404, "missing")
    assert credits(api) == before


def test_webhook_url_is_accepted_and_queues_animation_completed(api):
    from sqlalchemy import select

    from sprixen_engine.server.db import WebhookDelivery

    sprite_id = make_sprite(api)
    anim = animate(api, sprite_id, type="run", webhookUrl="http://127.0.0.1:9/hooks")
    done = api.wait(f"/v1/animations/{anim['id']}")
    with api.state.db.session() as s:
        rows = list(s.scalars(select(WebhookDelivery).where(WebhookDelivery.job_id == anim["id"])))
    assert [d.event for d in rows] == ["animation.completed"]
    data = rows[0].payload["data"]
    assert data["id"] == anim["id"] and data["spriteSheetUrl"] == done["spriteSheetUrl"] and data["frameCount"] == 6


def test_pending_animation_has_no_gif_and_delete_refunds(tmp_path, engine):
    from sprixen_engine.server.worker import work_loop

    with make_api(tmp_path, engine, workers=0) as api:
        r = api.client.post("/v1/generations", headers=api.headers, json={"prompt": "a slime", "resolution": "32x32"})
        gen_id = r.json()["id"]
        work_loop(api.state.queue, lambda: engine, api.state.settings, threading.Event(), max_jobs=1)
        before = credits(api)
        anim = animate(api, gen_id, type="jump")
        assert anim["frameCount"] == 6 and credits(api) == before - 1
        assert_error(api.client.get(f"/v1/animations/{anim['id']}/gif", headers=api.headers), 404, "pending")
        assert_error(api.client.post(f"/v1/animations/{anim['id']}/process", headers=api.headers, json={}),
                     404, "pending")
        r = api.client.delete(f"/v1/animations/{anim['id']}", headers=api.headers)
        assert r.status_code == 200 and r.json()["deleted"] is True
        assert credits(api) == before
        assert api.client.get(f"/v1/sprites/{gen_id}/animations", headers=api.headers).json() == []
        assert api.state.queue.claim("w") is None  # nothing left to run


def test_down_uses_the_front_view_like_the_engine(api, engine):
    """A procedural humanoid animated "down" over the API gets the engine's true front view (the sprite is
    rendered again from its generation), not an approximation from the saved side-view PNG."""
    gen = generate(api, "a knight with a sword", seed=11, variantCount=2)
    r = api.client.post("/v1/generations/select", headers=api.headers,
                        json={"generationId": gen["id"], "variationIndex": 1})
    sprite_id = r.json()["spriteId"]
    done = api.wait(f"/v1/animations/{animate(api, sprite_id, type='walk', direction='down')['id']}")
    assert done["status"] == "completed", done
    assert "down" not in (done.get("approximatedDirections") or [])
    live = engine.generate("a knight with a sword", resolution="32x32", seed=11, variant_count=2).sprites[1]
    expected = engine.animate(live, type="walk", direction="down").sheet()
    sheet = Image.open(io.BytesIO(get_bytes(api, done["spriteSheetUrl"]))).convert("RGBA")
    assert np.array_equal(np.asarray(sheet), np.asarray(expected.convert("RGBA")))
    from_png = engine.animate(sprite_png(api, sprite_id), type="walk", direction="down")
    assert "down" in from_png.metadata.get("approximatedDirections", [])  # what the PNG alone would give
