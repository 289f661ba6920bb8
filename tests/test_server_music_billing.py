"""REST /v1/music and /v1/billing through the in-process server: the reference's music flow (create →
poll → FLAC download), list/delete, 400s naming the field, credits (402 when short, refunds on failure)."""

from __future__ import annotations

import base64
import io

import pytest
import soundfile as sf

from server_fixtures import *  # noqa: F401,F403
from server_fixtures import assert_bad_request, make_api
from sprixen_engine.server.db import Job
from sprixen_engine.server.keys import create_key

REFERENCE_BODY = {"prompt": "epic orchestral battle theme with brass", "presetSlug": "epic_orchestral",
                  "bpm": 140, "key": "D minor", "duration": 30}
NOT_AUDIO = "data:text/plain;base64," + base64.b64encode(b"this is not audio").decode()


@pytest.fixture
def api(tmp_path, engine, database_url):
    """The shared ``api`` server without the 60/min limit (``api.wait`` polls every 50 ms)."""
    with make_api(tmp_path, engine, database_url, rate_limit_per_minute=1_000_000) as a:
        yield a


def _create(api, **fields) -> dict:
    r = api.client.post("/v1/music", headers=api.headers, json={"presetSlug": "chiptune_adventure", "duration": 5,
                                                                  **fields})
    assert r.status_code == 201, r.text
    return r.json()


def _flac(api, url: str) -> tuple:
    r = api.client.get(url)
    assert r.status_code == 200, r.status_code
    data, rate = sf.read(io.BytesIO(r.content), always_2d=True)
    assert sf.info(io.BytesIO(r.content)).format == "FLAC"
    return data, rate


def _credits(api, headers=None) -> int:
    r = api.client.get("/v1/billing/status", headers=headers or api.headers)
    assert r.status_code == 200, r.text
    return r.json()["credits"]


def test_reference_music_flow_create_poll_download(api):
    created = _create(api, **{**REFERENCE_BODY, "duration": 5, "seed": 7})
    assert created["id"].startswith("mus_") and created["status"] == "pending"
    assert created["prompt"] == REFERENCE_BODY["prompt"] and created["duration"] == 5
    assert created["createdAt"].endswith("Z") and created["audioUrl"] is None
    assert _credits(api) == 997                                   # 3 credits a track

    done = api.wait(f"/v1/music/{created['id']}")
    assert done["status"] == "completed" and done["error"] is None and done["completedAt"].endswith("Z"), done
    assert done["audioUrl"] == f"http://testserver/public/uploads/{created['id']}.flac"
    assert (done["duration"], done["bpm"], done["key"], done["presetSlug"]) == (5, 140, "D minor", "epic_orchestral")
    assert done["backend"] == "procedural" and done["seed"] == 7 and done["stemUrls"] == {}

    data, rate = _flac(api, done["audioUrl"])
    assert rate == 44100 and data.shape[1] == 2
    assert abs(data.shape[0] / rate - 5) <= 0.010
    midi = api.client.get(done["midiUrl"])
    assert midi.status_code == 200 and midi.content.startswith(b"MThd")

    # download: a 302 to the FLAC whose body also names it; following it (curl -L) gets the audio
    url = f"/v1/music/{created['id']}/download"
    r = api.client.get(url, headers=api.headers, follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == done["audioUrl"] and r.json() == {"url": done["audioUrl"]}
    assert api.client.get(url, headers=api.headers).content == api.client.get(done["audioUrl"]).content
    r = api.client.get(url + "?format=mid", headers=api.headers, follow_redirects=False)
    assert r.headers["location"] == done["midiUrl"]


def test_stems_loop_and_reference_audio_from_an_upload(api):
    first = api.wait(f"/v1/music/{_create(api, presetSlug='epic_orchestral', bpm=140, key='D minor', seed=1)['id']}")
    # stems: one FLAC per instrument group, each as long as the mix
    stems = api.wait(f"/v1/music/{_create(api, stems=True, loop=True, seed=2)['id']}")
    assert stems["status"] == "completed" and stems["loop"] is True
    assert set(stems["stemUrls"]) == {"drums", "bass", "harmony", "melody"}
    mix, _ = _flac(api, stems["audioUrl"])
    for stem_url in stems["stemUrls"].values():
        assert _flac(api, stem_url)[0].shape == mix.shape
    # the reference audio (a relative /public/uploads URL, as some clients keep) sets tempo and key
    path = first["audioUrl"].removeprefix("http://testserver")
    follow = api.wait(f"/v1/music/{_create(api, presetSlug='menu_chill', referenceAudioUrl=path)['id']}")
    assert follow["status"] == "completed", follow
    assert follow["key"] == "D minor" and abs(follow["bpm"] - 140) < 2


def test_list_paginates_newest_first_and_delete(api):
    ids = [_create(api, seed=n)["id"] for n in range(3)]
    for i in ids:
        api.wait(f"/v1/music/{i}")
    page1 = api.client.get("/v1/music?page=1&limit=2", headers=api.headers).json()
    page2 = api.client.get("/v1/music?page=2&limit=2", headers=api.headers).json()
    assert (page1["total"], page1["page"], page1["limit"]) == (3, 1, 2)
    assert [t["id"] for t in page1["data"] + page2["data"]] == ids[::-1]

    audio = api.client.get(f"/v1/music/{ids[0]}", headers=api.headers).json()["audioUrl"]
    r = api.client.delete(f"/v1/music/{ids[0]}", headers=api.headers)
    assert r.status_code == 200 and r.json() == {"id": ids[0], "deleted": True}
    r = api.client.get(f"/v1/music/{ids[0]}", headers=api.headers)
    assert r.status_code == 404 and r.json() == {"statusCode": 404, "message": f"Music track {ids[0]} not found",
                                                 "error": "Not Found"}
    assert api.client.get(audio).status_code == 404                      # its files went with it
    assert api.client.get("/v1/music", headers=api.headers).json()["total"] == 2
    # another key sees none of them
    other, _ = create_key(api.state.db, name="other", credits=10)
    other_headers = {"Authorization": f"Bearer {other}"}
    assert api.client.get(f"/v1/music/{ids[1]}", headers=other_headers).status_code == 404
    assert api.client.get("/v1/music", headers=other_headers).json()["total"] == 0


@pytest.mark.parametrize("body, field", [
    ({"presetSlug": "epic_orchestral", "key": "Q minor"}, "key"),
    ({"presetSlug": "epic_orchestral", "bpm": 500}, "bpm"),
    ({"presetSlug": "polka_party"}, "presetSlug"),
    ({"presetSlug": "epic_orchestral", "duration": 2}, "duration"),
    ({"presetSlug": "epic_orchestral", "webhookUrl": "ftp://example.com/hook"}, "webhookUrl"),
    ({"presetSlug": "epic_orchestral", "referenceAudio": [0.1, 0.2]}, "referenceAudio"),
    ({"presetSlug": "epic_orchestral", "tempo": 120}, "tempo"),
    ({"duration": 10}, "prompt"),
])
def test_bad_music_bodies_are_400_naming_the_field(api, body, field):
    assert_bad_request(api.client.post("/v1/music", headers=api.headers, json=body), field)
    assert _credits(api) == 1000                                   # nothing charged


def test_billing_status_is_a_local_plan(api):
    r = api.client.get("/v1/billing/status", headers=api.headers)
    assert r.status_code == 200
    assert r.json() == {"credits": 1000, "subscription": {"status": "active", "plan": "local", "currentPeriodEnd": None}}
    assert api.client.get("/v1/billing/status").status_code == 401


def test_short_of_credits_is_402_with_the_reference_message(api):
    key, _ = create_key(api.state.db, name="poor", credits=2)
    headers = {"Authorization": f"Bearer {key}"}
    r = api.client.post("/v1/music", headers=headers, json=REFERENCE_BODY)
    assert r.status_code == 402
    assert r.json() == {"statusCode": 402, "message": "Insufficient credits. You have 2 credits remaining.",
                        "error": "Payment Required"}
    assert _credits(api, headers) == 2
    assert api.client.get("/v1/music", headers=headers).json()["total"] == 0   # nothing queued


def test_a_failed_track_is_refunded(api):
    created = _create(api, referenceAudioUrl=NOT_AUDIO)
    done = api.wait(f"/v1/music/{created['id']}")
    assert done["status"] == "failed" and done["audioUrl"] is None
    assert done["error"].startswith("referenceAudioUrl:"), done["error"]
    with api.state.db.session() as s:
        job = s.get(Job, created["id"])
        assert (job.cost, job.refunded) == (3, True)
    assert _credits(api) == 1000
    r = api.client.get(f"/v1/music/{created['id']}/download", headers=api.headers)
    assert r.status_code == 400 and "failed" in r.json()["message"]
