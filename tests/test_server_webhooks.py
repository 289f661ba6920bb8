"""Webhooks end to end, on SQLite and PostgreSQL: a real HTTP receiver on loopback verifies the Standard
Webhooks signatures and sees the reference's payloads, the retries (same ``webhook-id``), give-ups,
timeouts and failure events; ``/v1/webhooks`` lists deliveries, hands out the secret and sends test events."""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from server_fixtures import *  # noqa: F401,F403
from server_fixtures import make_api
from sprixen_engine.server.keys import create_key
from sprixen_engine.server.webhooks import verify

NOT_AUDIO = "data:text/plain;base64," + base64.b64encode(b"this is not audio").decode()
HANG = "hang"


class Receiver:
    """An HTTP server on 127.0.0.1 (a free port) that records every POST and answers from ``plan``:
    the n-th request gets ``plan[n]`` (the last entry repeats) — a status code, or ``HANG`` (answer 200
    only after ``hang_s``)."""

    def __init__(self, plan=(200,), hang_s: float = 2.0) -> None:
        self.plan, self.hang_s = list(plan), hang_s
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver.lock:
                    n = len(receiver.requests)
                    receiver.requests.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body, "t": time.monotonic()})
                action = receiver.plan[min(n, len(receiver.plan) - 1)]
                if action == HANG:
                    time.sleep(receiver.hang_s)
                    action = 200
                try:
                    self.send_response(action)
                    self.end_headers()
                except OSError:  # the sender gave up waiting
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/sprixen"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, n: int, timeout: float = 20.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < n:
            assert time.monotonic() < deadline, f"{len(self.requests)} of {n} webhook requests after {timeout} s"
            time.sleep(0.02)
        return self.requests

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api(tmp_path, engine, both_storages):
    """The shared ``api`` server, on SQLite and on PostgreSQL, without the 60/min limit (``api.wait``
    polls every 50 ms)."""
    with make_api(tmp_path, engine, both_storages, rate_limit_per_minute=1_000_000) as a:
        yield a


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def make(plan=(200,), hang_s: float = 2.0) -> Receiver:
        made.append(Receiver(plan, hang_s))
        return made[-1]

    yield make
    for r in made:
        r.close()


def _secret(api) -> str:
    r = api.client.get("/v1/webhooks/secret", headers=api.headers)
    assert r.status_code == 200, r.text
    return r.json()["secret"]


def _delivery(api, job_id: str, *, until=("delivered", "failed"), timeout: float = 20.0) -> dict:
    """The job's one delivery once its status is in ``until``."""
    deadline = time.monotonic() + timeout
    while True:
        out = api.client.get(f"/v1/webhooks/deliveries?jobId={job_id}", headers=api.headers).json()
        if out["data"] and out["data"][0]["status"] in until:
            assert out["total"] == 1
            return out["data"][0]
        assert time.monotonic() < deadline, out
        time.sleep(0.05)


def test_generation_completed_webhook_is_signed_with_the_reference_payload(api, receiver):
    hook = receiver()
    secret = _secret(api)
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24
    r = api.client.post("/v1/generations", headers=api.headers,
                        json={"prompt": "a warrior knight", "type": "character", "webhookUrl": hook.url})
    assert r.status_code == 201, r.text
    gen_id = r.json()["id"]
    [got] = hook.wait_for(1)
    assert verify(secret, got["headers"], got["body"])
    assert not verify(secret, got["headers"], got["body"].replace(b"completed", b"failed"))
    assert not verify(_secret_of_another_key(api), got["headers"], got["body"])
    assert got["headers"]["webhook-id"].startswith("msg_") and got["headers"]["content-type"] == "application/json"

    payload = json.loads(got["body"])
    assert set(payload) == {"event", "timestamp", "data"}
    assert payload["event"] == "generation.completed" and payload["timestamp"].endswith("Z")
    data = payload["data"]
    assert data["id"] == gen_id and data["status"] == "completed" and data["completedAt"].endswith("Z")
    assert data["resultUrls"] and all(u.startswith("http://testserver/public/uploads/") for u in data["resultUrls"])
    assert data == api.client.get(f"/v1/generations/{gen_id}", headers=api.headers).json()  # the same JSON as polling

    d = _delivery(api, gen_id)
    assert (d["status"], d["attempts"], d["lastStatusCode"], d["event"], d["url"]) == (
        "delivered", 1, 200, "generation.completed", hook.url)
    assert d["id"] == got["headers"]["webhook-id"] and d["payload"] == payload and d["deliveredAt"].endswith("Z")


def _secret_of_another_key(api) -> str:
    key, _ = create_key(api.state.db, name="other")
    return _secret(type(api)(api.client, {"Authorization": f"Bearer {key}"}, key, api.state))


def test_retries_with_the_same_id_until_a_2xx(api, receiver):
    hook = receiver([500, 500, 200])
    secret = _secret(api)
    job = _music(api, hook.url)
    got = hook.wait_for(3)
    d = _delivery(api, job)
    assert (d["status"], d["attempts"], d["lastStatusCode"], d["lastError"]) == ("delivered", 3, 200, None)
    assert len({g["headers"]["webhook-id"] for g in got}) == 1 and got[0]["headers"]["webhook-id"] == d["id"]
    assert all(verify(secret, g["headers"], g["body"]) for g in got)
    assert json.loads(got[0]["body"])["event"] == "music.completed"
    # the api fixture's back-off: 0.2 s, then 0.4 s
    assert got[1]["t"] - got[0]["t"] >= 0.18 and got[2]["t"] - got[1]["t"] >= 0.38
    time.sleep(0.3)
    assert len(hook.requests) == 3


def test_gives_up_after_three_retries(api, receiver):
    hook = receiver([500])
    job = _music(api, hook.url)
    d = _delivery(api, job, until=("failed",))
    assert (d["attempts"], d["lastStatusCode"], d["lastError"], d["nextAttemptAt"]) == (4, 500, "HTTP 500", None)
    time.sleep(0.8)                                                  # longer than any back-off: nothing more comes
    assert len(hook.requests) == 4


def test_a_hanging_receiver_times_out_and_counts_as_a_failure(tmp_path, engine, both_storages, receiver):
    hook = receiver([HANG], hang_s=2.0)
    with make_api(tmp_path, engine, both_storages, webhook_timeout_s=0.3, webhook_retry_delays_s=(0.1,),
                  rate_limit_per_minute=1_000_000) as api:
        job = _music(api, hook.url)
        d = _delivery(api, job, until=("failed",))
    assert d["attempts"] == 2 and d["lastStatusCode"] is None and "Timeout" in d["lastError"], d
    assert len(hook.requests) == 2


def test_a_failed_job_sends_its_failed_event(api, receiver):
    hook = receiver()
    r = api.client.post("/v1/music", headers=api.headers, json={
        "presetSlug": "dungeon_dark", "duration": 5, "referenceAudioUrl": NOT_AUDIO, "webhookUrl": hook.url})
    assert r.status_code == 201, r.text
    [got] = hook.wait_for(1)
    payload = json.loads(got["body"])
    assert payload["event"] == "music.failed"
    assert payload["data"]["id"] == r.json()["id"] and payload["data"]["status"] == "failed"
    assert payload["data"]["error"].startswith("referenceAudioUrl:") and payload["data"]["audioUrl"] is None


def test_webhook_urls_must_be_http(api):
    for path, body in [("/v1/music", {"presetSlug": "menu_chill"}), ("/v1/generations", {"prompt": "a knight"})]:
        for url in ["ftp://example.com/hook", "example.com/hook", "file:///etc/passwd"]:
            r = api.client.post(path, headers=api.headers, json={**body, "webhookUrl": url})
            assert r.status_code == 400 and r.json()["message"].startswith("webhookUrl:"), (path, url, r.text)


def test_test_event_and_the_deliveries_list(api, receiver):
    hook = receiver()
    secret = _secret(api)
    first = _music(api, hook.url)
    _delivery(api, first)
    r = api.client.post("/v1/webhooks/test", headers=api.headers, json={"url": hook.url})
    assert r.status_code == 201, r.text
    test = r.json()
    assert test["event"] == "webhook.test" and test["status"] == "pending" and test["jobId"] is None
    got = hook.wait_for(2)[1]
    assert verify(secret, got["headers"], got["body"]) and got["headers"]["webhook-id"] == test["id"]
    assert json.loads(got["body"])["event"] == "webhook.test"

    # paginated, newest first; filters by status; other keys see none of it
    deadline = time.monotonic() + 10
    while (page := api.client.get("/v1/webhooks/deliveries?limit=1", headers=api.headers).json())[
            "data"][0]["status"] != "delivered":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert (page["total"], page["page"], page["limit"], page["data"][0]["id"]) == (2, 1, 1, test["id"])
    older = api.client.get("/v1/webhooks/deliveries?limit=1&page=2", headers=api.headers).json()["data"][0]
    assert older["jobId"] == first and older["event"] == "music.completed"
    assert api.client.get("/v1/webhooks/deliveries?status=failed", headers=api.headers).json()["total"] == 0
    key, _ = create_key(api.state.db, name="other")
    other = {"Authorization": f"Bearer {key}"}
    assert api.client.get("/v1/webhooks/deliveries", headers=other).json()["total"] == 0

    r = api.client.post("/v1/webhooks/test", headers=api.headers, json={"url": "ftp://example.com"})
    assert r.status_code == 400 and r.json()["message"].startswith("url:"), r.text
    assert api.client.get("/v1/webhooks/secret").status_code == 401


def _music(api, webhook_url: str) -> str:
    r = api.client.post("/v1/music", headers=api.headers,
                        json={"presetSlug": "menu_chill", "duration": 5, "seed": 3, "webhookUrl": webhook_url})
    assert r.status_code == 201, r.text
    return r.json()["id"]
