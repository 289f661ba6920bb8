"""Real processes: ``sprixen serve`` on a free port driven over HTTP, killed (``kill -9``) in the middle
of a job and started again; two ``sprixen worker`` processes sharing one PostgreSQL queue.

A job is kept running as long as a test wants by giving it a ``referenceImageUrl`` on a loopback
"image host" that holds the download open: the worker is then busy inside the job, heart-beating.
"""

from __future__ import annotations

import functools
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from pg import free_port
from server_fixtures import both_storages as database_url  # noqa: F401  (fixture: "" | PostgreSQL URL)
from server_fixtures import pg_cluster, pg_url  # noqa: F401  (fixtures)
from sprixen_engine.server.db import Database, Job
from sprixen_engine.server.keys import list_keys

httpx = pytest.importorskip("httpx")

CLI = [sys.executable, "-m", "sprixen_engine.cli"]
KEY_LINE = re.compile(r"Created the first API key .*?(spx_live_\S+)")


def png_bytes(size: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (size, size), (200, 40, 40, 255)).save(out, "PNG")
    return out.getvalue()


class Proc:
    """A ``sprixen …`` subprocess whose stderr is collected (``wait_for(regex)``)."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([*CLI, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                     env=env)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def stderr(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: str | re.Pattern, timeout: float = 30.0) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if m := re.search(pattern, line):
                    return m
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"no {pattern!r} from {self.proc.args[3:5]} (exit {self.proc.poll()}):\n{self.stderr}")

    def kill(self) -> None:
        """``kill -9``: no clean-up of any kind."""
        self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._reader.join(5)


@pytest.fixture
def procs():
    """Start ``sprixen`` processes with ``procs(*args)``; all are stopped at the end."""
    started: list[Proc] = []

    def start(*args: str) -> Proc:
        started.append(Proc(*map(str, args)))
        return started[-1]

    yield start
    for p in started:
        p.stop()


class ImageHost:
    """A loopback HTTP server for reference images: ``/hold…`` paths answer only when ``release`` is set
    (or for ``/hold-once…``, from the 2nd request on); every request is counted per path."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.hits: Counter[str] = Counter()
        self.png = png_bytes()
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host.hits[self.path] += 1
                hold = self.path.startswith("/hold") and not (
                    self.path.startswith("/hold-once") and host.hits[self.path] > 1)
                if hold:
                    host.release.wait(30)
                self.send_response(200)
                self.send_header("content-type", "image/png")
                self.send_header("content-length", str(len(host.png)))
                self.end_headers()
                self.wfile.write(host.png)

            def log_message(self, *args) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address) -> None:
                pass  # a killed worker's connection is gone: nothing to report

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_hits(self, path: str, n: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while self.hits[path] < n:
            assert time.monotonic() < deadline, f"{path}: {self.hits[path]} of {n} requests after {timeout} s"
            time.sleep(0.02)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def image_host():
    host = ImageHost()
    yield host
    host.close()


def serve(procs, data: Path, database: str, port: int, *, workers: int = 1, stale_after: float = 60.0) -> Proc:
    """``sprixen serve``, ready to answer (no key: 401); ``database`` "" is SQLite in ``data``."""
    db = ["--database", database.replace("postgresql+psycopg://", "postgresql://")] if database else []
    p = procs("serve", "--port", port, "--data", data, "--workers", workers, "--stale-after", stale_after,
              "--starting-credits", 10, "--log-level", "warning", *db)
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/generations", timeout=2, trust_env=False).status_code == 401:
                return p
        except httpx.TransportError:
            pass
        assert p.proc.poll() is None and time.monotonic() < deadline, f"the server did not start:\n{p.stderr}"
        time.sleep(0.05)


def wait_status(client: httpx.Client, url: str, statuses: tuple[str, ...], timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(url).raise_for_status().json()
        if body["status"] in statuses:
            return body
        assert time.monotonic() < deadline, f"{url} still {body['status']} after {timeout} s: {body}"
        time.sleep(0.05)


def api_client(port: int, key: str) -> httpx.Client:
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {key}"},
                        timeout=10, trust_env=False)


def stored(data: Path, database: str) -> Database:
    return Database(database or f"sqlite:///{(data / 'sprixen.db').resolve()}")


def test_serve_create_poll_download(tmp_path, procs, database_url):  # noqa: F811
    port = free_port()
    server = serve(procs, tmp_path, database_url, port)
    key = server.wait_for(KEY_LINE).group(1)
    with api_client(port, key) as client:
        assert client.get("/v1/generations", headers={"Authorization": "Bearer spx_live_nope"}).status_code == 401
        r = client.post("/v1/generations", json={"prompt": "a red slime", "resolution": "32x32", "variantCount": 2})
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "pending" and r.json()["id"].startswith("gen_")
        body = wait_status(client, f"/v1/generations/{r.json()['id']}", ("completed", "failed"))
        assert body["status"] == "completed", body
        assert len(body["resultUrls"]) == 2
        for url in body["resultUrls"]:
            assert url.startswith(f"http://127.0.0.1:{port}/public/uploads/")
            png = client.get(url)
            assert png.status_code == 200 and png.headers["content-type"] == "image/png"
            assert Image.open(io.BytesIO(png.content)).size == (32, 32)
    db = stored(tmp_path, database_url)
    assert [k.credits for k in list_keys(db)] == [8]
    db.dispose()


def test_restart_mid_job_requeues_then_fails_after_max_attempts(tmp_path, procs, image_host, database_url):  # noqa: F811
    """kill -9 while jobs run: the restarted server takes them back at once (their worker process is
    gone: no waiting for the 60 s heartbeat lease); ``a`` completes. ``b``, whose worker dies on both of
    its 2 attempts, ends ``failed`` with a message and its credit refunded."""
    port = free_port()
    restart = functools.partial(serve, procs, tmp_path, database_url, port, workers=2)  # stale after 60 s
    first = restart()
    key = first.wait_for(KEY_LINE).group(1)
    db = stored(tmp_path, database_url)

    def job(job_id: str) -> Job:
        with db.session() as s:
            return s.get(Job, job_id)

    def start_job(client: httpx.Client, path: str) -> str:
        r = client.post("/v1/generations", json={"prompt": "a knight", "resolution": "32x32",
                                                 "referenceImageUrl": image_host.url + path})
        assert r.status_code == 201, r.text
        return r.json()["id"]

    with api_client(port, key) as client:
        a, b = start_job(client, "/hold-once-a.png"), start_job(client, "/hold-b.png")
        image_host.wait_hits("/hold-once-a.png", 1)
        image_host.wait_hits("/hold-b.png", 1)
        assert [client.get(f"/v1/generations/{j}").json()["status"] for j in (a, b)] == ["processing"] * 2
    first.kill()  # both in their 1st attempt

    second = restart()
    assert not KEY_LINE.search(second.stderr)  # the key survived the restart: no new one
    with api_client(port, key) as client:
        body = wait_status(client, f"/v1/generations/{a}", ("completed", "failed"))
        assert body["status"] == "completed", body
        assert client.get(body["resultUrls"][0]).status_code == 200
    assert image_host.hits["/hold-once-a.png"] == 2 and job(a).attempts == 2
    image_host.wait_hits("/hold-b.png", 2)  # b was taken back and started again…
    assert job(b).status == "processing" and job(b).attempts == 2
    second.kill()  # …and dies again

    restart()
    with api_client(port, key) as client:
        body = wait_status(client, f"/v1/generations/{b}", ("completed", "failed"))
    assert body["status"] == "failed" and "stopped" in body["error"] and "refunded" in body["error"], body
    assert job(b).refunded and job(b).attempts == 2
    with db.session() as s:  # nothing stuck
        assert s.scalar(select(func.count()).select_from(Job).where(Job.status.in_(("pending", "processing")))) == 0
    assert [k.credits for k in list_keys(db)] == [9]  # 10 − 1 (a, completed); b was refunded
    db.dispose()


def test_stale_after_sets_the_heartbeat():
    from sprixen_engine.cli_server import lease

    assert lease(60) == {"stale_after_s": 60, "heartbeat_s": 5.0}
    assert lease(1.5) == {"stale_after_s": 1.5, "heartbeat_s": 0.375}  # 4 beats per lease


def test_two_worker_processes_run_each_job_once(tmp_path, procs, pg_url):  # noqa: F811
    """Two ``sprixen worker`` processes on one PostgreSQL: 40 generations, each run exactly once."""
    from sprixen_engine.server.jobs import JobQueue
    from sprixen_engine.server.keys import create_key
    from sprixen_engine.server.schemas import GenerationBody
    from sprixen_engine.server.settings import ServerSettings

    db = Database(pg_url)
    _, key = create_key(db, credits=100)
    queue = JobQueue(db, ServerSettings(data_dir=tmp_path, database_url=pg_url, max_concurrent_jobs=100))
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")
    workers = [procs("worker", "--database", plain, "--data", tmp_path, "--poll", "0.05") for _ in range(2)]
    for w in workers:
        w.wait_for("sprixen worker:")
    subjects = ["knight", "slime", "wizard", "potion", "tree", "chest", "bat", "golem"]
    ids = [queue.submit(kind="generation", key_id=key.id, cost=1, request=GenerationBody(
        prompt=f"a {subjects[i % 8]} number {i}", resolution="32x32").engine_fields()).id for i in range(40)]
    deadline = time.monotonic() + 45
    while True:
        with db.session() as s:
            jobs = list(s.scalars(select(Job).where(Job.id.in_(ids))))
        if all(j.status in ("completed", "failed") for j in jobs):
            break
        assert time.monotonic() < deadline, Counter(j.status for j in jobs)
        assert all(w.proc.poll() is None for w in workers), [w.stderr for w in workers]
        time.sleep(0.1)
    for w in workers:
        w.stop()
    assert {(j.status, j.attempts) for j in jobs} == {("completed", 1)}, [j.error for j in jobs if j.error]
    per_process = Counter(j.worker.split(":")[1] for j in jobs)
    assert set(per_process) == {str(w.pid) for w in workers}, per_process  # both took work
    for j in jobs:
        [url] = j.result["resultUrls"]
        assert Image.open(tmp_path / url.removeprefix("/")).size == (32, 32)
    assert [k.credits for k in list_keys(db)] == [60]
    db.dispose()
