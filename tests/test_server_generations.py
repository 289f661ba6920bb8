"""REST /v1/generations through the in-process server: the reference's Quick Start, liberal inputs,
every error status with the reference's body and the rate-limit headers."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from server_fixtures import *  # noqa: F401,F403
from server_fixtures import assert_bad_request, make_api
from server_fixtures import both_storages as database_url  # noqa: F401
from sprixen_engine.server.keys import balance, create_key

STYLE_CONTRACT = ("STYLE CONTRACT: 16-bit SNES-era pixel art, limited palette of 16 colors, 1px dark outline, "
                  "top-left lighting, no anti-aliasing, no dithering, flat shading with one highlight tone, "
                  "transparent background, centered, full body visible, side view facing right, no text, "
                  "no watermark, consistent proportions. SUBJECT: a hooded rogue with twin daggers, "
                  "green cloak, leather boots")


def _png(api, url: str) -> Image.Image:
    r = api.client.get(url)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png", r.status_code
    return Image.open(io.BytesIO(r.content))


def test_quick_start_create_poll_download(api):
    r = api.client.post("/v1/generations", headers=api.headers, json={
        "prompt": "a warrior knight in pixel art, 32x32, dark fantasy style", "type": "character"})
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["id"].startswith("gen_") and created["status"] == "pending" and created["createdAt"].endswith("Z")
    done = api.wait(f"/v1/generations/{created['id']}")
    assert done["status"] == "completed" and done["error"] is None and done["completedAt"].endswith("Z")
    assert len(done["resultUrls"]) == 1 and done["resultUrls"][0].startswith("http://testserver/public/uploads/")
    img = _png(api, done["resultUrls"][0])
    assert img.size == (32, 32) and img.mode == "RGBA"
    # a relative URL (what some clients keep) fetches the same file
    path = done["resultUrls"][0].removeprefix("http://testserver")
    assert api.client.get(path).content == api.client.get(done["resultUrls"][0]).content
    assert balance(api.state.db, _key_id(api)) == 999


def _key_id(api) -> str:
    from sprixen_engine.server.keys import authenticate

    return authenticate(api.state.db, api.headers["Authorization"]).id


def test_style_contract_prompt_and_client_flags_just_work(api):
    r = api.client.post("/v1/generations", headers=api.headers, json={
        "prompt": STYLE_CONTRACT, "type": "sprite", "noBase": True, "pixelPerfect": "on", "resolution": "64x64",
        "variantCount": 3, "skipBgRemoval": False})
    assert r.status_code == 201, r.text
    done = api.wait(f"/v1/generations/{r.json()['id']}")
    assert done["status"] == "completed", done
    assert len(done["resultUrls"]) == 3
    for url in done["resultUrls"]:
        assert _png(api, url).size == (64, 64)
    assert len(set(api.client.get(u).content for u in done["resultUrls"])) == 3  # three different variants


@pytest.mark.parametrize("body, field", [
    ({"prompt": "ab"}, "prompt"),
    ({"prompt": "a knight", "variantCount": 7}, "variantCount"),
    ({"prompt": "a knight", "pixelPerfect": "maybe"}, "pixelPerfect"),
    ({"prompt": "a knight", "resolution": "huge"}, "resolution"),
    ({"prompt": "a knight", "type": "spaceship"}, "type"),
    ({"prompt": "a knight", "packItems": [f"item {i}" for i in range(9)]}, "packItems"),
    ({"prompt": "a knight", "webhookUrl": "ftp://example.com/hook"}, "webhookUrl"),
    ({"prompt": "a knight", "colour": "red"}, "colour"),
    ({"prompt": "a knight", "chainAnimation": {"type": "moonwalk"}}, "chainAnimation.type"),
    ({}, "prompt"),
    ({"prompt": "a knight", "referenceImage": "/etc/passwd"}, "referenceImage"),  # never a server-side path
])
def test_bad_bodies_are_400_naming_the_field(api, body, field):
    assert_bad_request(api.client.post("/v1/generations", headers=api.headers, json=body), field)


@pytest.mark.parametrize("content", [b"not json", b"[1, 2]", b"\"a string\""])
def test_non_object_bodies_are_400(api, content):
    r = api.client.post("/v1/generations", headers={**api.headers, "content-type": "application/json"},
                        content=content)
    assert r.status_code == 400 and r.json()["statusCode"] == 400, r.text


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer spx_live_unknown", "Basic abc", "spx_live_x"])
def test_missing_or_bad_key_is_401(api, header):
    headers = {"Authorization": header} if header else {}
    r = api.client.get("/v1/generations", headers=headers)
    assert r.status_code == 401
    assert r.json()["statusCode"] == 401 and r.json()["error"] == "Unauthorized"
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(r.headers)


def test_revoked_key_is_401(api):
    from sprixen_engine.server.keys import revoke_key

    revoke_key(api.state.db, api.key)
    assert api.client.get("/v1/generations", headers=api.headers).status_code == 401


def test_insufficient_credits_is_402_with_the_reference_message(api):
    key, row = create_key(api.state.db, name="poor", credits=2)
    headers = {"Authorization": f"Bearer {key}"}
    r = api.client.post("/v1/generations", headers=headers, json={"prompt": "a knight", "variantCount": 3})
    assert r.status_code == 402
    assert r.json() == {"statusCode": 402, "message": "Insufficient credits. You have 2 credits remaining.",
                        "error": "Payment Required"}
    assert balance(api.state.db, row.id) == 2
    assert api.client.get("/v1/generations", headers=headers).json()["total"] == 0


def test_unknown_and_foreign_generations_are_404(api):
    r = api.client.get("/v1/generations/gen_doesnotexist", headers=api.headers)
    assert r.status_code == 404 and r.json() == {"statusCode": 404, "message": "Generation gen_doesnotexist not found",
                                                 "error": "Not Found"}
    gid = api.client.post("/v1/generations", headers=api.headers, json={"prompt": "a knight"}).json()["id"]
    other, _ = create_key(api.state.db, name="other", credits=5)
    r = api.client.get(f"/v1/generations/{gid}", headers={"Authorization": f"Bearer {other}"})
    assert r.status_code == 404
    assert api.client.get("/v1/nothing-here", headers=api.headers).json()["statusCode"] == 404


def test_pagination(api):
    ids = [api.client.post("/v1/generations", headers=api.headers, json={"prompt": f"a knight {i}"}).json()["id"]
           for i in range(3)]
    p1 = api.client.get("/v1/generations?page=1&limit=2", headers=api.headers).json()
    p2 = api.client.get("/v1/generations?page=2&limit=2", headers=api.headers).json()
    assert (p1["total"], p1["page"], p1["limit"], len(p1["data"])) == (3, 1, 2, 2)
    assert len(p2["data"]) == 1
    assert {d["id"] for d in p1["data"] + p2["data"]} == set(ids)
    r = api.client.get("/v1/generations?limit=0", headers=api.headers)
    assert r.status_code == 400 and r.json()["message"].startswith("limit:")


def test_select_promotes_a_variation(api):
    gid = api.client.post("/v1/generations", headers=api.headers,
                          json={"prompt": "a red slime", "variantCount": 2}).json()["id"]
    done = api.wait(f"/v1/generations/{gid}")
    r = api.client.post("/v1/generations/select", headers=api.headers,
                        json={"generationId": gid, "variationIndex": 1})
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["spriteId"].startswith("spr_") and out["projectId"].startswith("prj_")
    assert api.client.get(out["imageUrl"]).content == api.client.get(done["resultUrls"][1]).content
    bad = api.client.post("/v1/generations/select", headers=api.headers, json={"generationId": gid,
                                                                              "variationIndex": 2})
    assert bad.status_code == 400 and bad.json()["message"].startswith("variationIndex:")
    missing = api.client.post("/v1/generations/select", headers=api.headers, json={"generationId": "gen_x"})
    assert missing.status_code == 404


def test_failed_generation_is_refunded(api):
    before = balance(api.state.db, _key_id(api))
    r = api.client.post("/v1/generations", headers=api.headers, json={
        "prompt": "a knight", "variantCount": 2, "referenceImageUrl": "data:text/plain,not-an-image"})
    done = api.wait(f"/v1/generations/{r.json()['id']}")
    assert done["status"] == "failed" and "referenceImageUrl" in done["error"]
    assert balance(api.state.db, _key_id(api)) == before


def test_chained_animation_comes_back_with_the_sprite(api):
    r = api.client.post("/v1/generations", headers=api.headers, json={
        "prompt": "a knight with a sword", "variantCount": 3, "chainAnimation": {"type": "walk", "frameCount": 4}})
    done = api.wait(f"/v1/generations/{r.json()['id']}")
    assert done["status"] == "completed" and done["variantCount"] == 1 and len(done["resultUrls"]) == 1
    (anim,) = done["animations"]
    sheet = _png(api, anim["spriteSheetUrl"])
    assert anim["type"] == "walk" and anim["frameCount"] == 4 and sheet.width == 4 * _png(api, done["resultUrls"][0]).width


def test_concurrency_limit_is_429_with_retry_after(tmp_path, engine):
    with make_api(tmp_path, engine, workers=0, max_concurrent_jobs=2) as api:
        for _ in range(2):
            assert api.client.post("/v1/generations", headers=api.headers, json={"prompt": "a knight"}).status_code == 201
        r = api.client.post("/v1/generations", headers=api.headers, json={"prompt": "a knight"})
        assert r.status_code == 429 and r.json()["error"] == "Too Many Requests"
        assert int(r.headers["retry-after"]) >= 1
        assert balance(api.state.db, _key_id(api)) == 998  # the refused one cost nothing


def test_rate_limit_headers_and_429(tmp_path, engine):
    with make_api(tmp_path, engine, workers=0, rate_limit_per_minute=5) as api:
        seen = []
        for _ in range(5):
            r = api.client.get("/v1/generations", headers=api.headers)
            assert r.status_code == 200
            seen.append(int(r.headers["x-ratelimit-remaining"]))
            assert r.headers["x-ratelimit-limit"] == "5" and int(r.headers["x-ratelimit-reset"]) > 1.7e9
        assert seen == [4, 3, 2, 1, 0]
        r = api.client.get("/v1/generations", headers=api.headers)
        assert r.status_code == 429 and r.json()["statusCode"] == 429
        assert 1 <= int(r.headers["retry-after"]) <= 60 and r.headers["x-ratelimit-remaining"] == "0"
        other, _ = create_key(api.state.db, name="other", credits=1)  # limits are per key
        assert api.client.get("/v1/generations", headers={"Authorization": f"Bearer {other}"}).status_code == 200


def test_docs_and_openapi(api):
    assert api.client.get("/api-docs").status_code == 200
    spec = api.client.get("/openapi.json").json()
    assert "/v1/generations" in spec["paths"] and "/v1/generations/{generation_id}" in spec["paths"]


def test_cli_without_the_server_extra_says_what_to_install(monkeypatch, tmp_path):
    import importlib.util

    from typer.testing import CliRunner

    from sprixen_engine.cli import app

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else real(name, *a))
    out = CliRunner().invoke(app, ["keys", "list", "--data", str(tmp_path)])
    assert out.exit_code == 1 and "pip install 'sprixen-engine[server]'" in out.output and "uvicorn" in out.output
