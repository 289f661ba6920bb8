"""The local REST server under load, over loopback (bounded in time and size).

1. Polling: 200 concurrent clients each GET ``/v1/generations/:id`` every 2 s (the reference's recommended
   polling interval; start times spread over the first interval) for ``rounds`` polls; latency p50/p99
   measured at the client. Target: p99 ≤ 20 ms.
2. Queue: 1,000 sprite generations (32×32) POSTed, then polled until every one is completed; none may
   be lost or run twice. Throughput (jobs/s, submit to last completion) is reported against the
   baseline of calling ``Engine.generate`` directly in one process for the same prompts and writing the
   same files (``GenerationResult.save``).

The server is a real ``sprixen serve`` process (uvicorn, SQLite, 2 in-process workers) on 127.0.0.1 with
the per-key limits lifted (``--rate-limit``, ``--max-concurrent``) so the load is not refused.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SUBJECTS = ["knight", "slime", "wizard", "bat", "potion", "chest", "wolf", "goblin", "sword", "skeleton"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sprixen() -> str:
    exe = Path(sys.executable).with_name("sprixen")
    return str(exe) if exe.exists() else (shutil.which("sprixen") or "sprixen")


def _start_server(data: Path, port: int, workers: int) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([_sprixen(), "serve", "--port", str(port), "--data", str(data), "--workers",
                             str(workers), "--rate-limit", "1000000", "--max-concurrent", "100000",
                             "--starting-credits", "1000000", "--log-level", "warning"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env={**os.environ, "SPRIXEN_DATA": str(data)})
    key = None
    deadline = time.monotonic() + 60
    assert proc.stderr is not None
    while key is None and time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            raise RuntimeError("sprixen serve exited before printing its key")
        m = re.search(r"(spx_live_\w+)", line)
        if m:
            key = m.group(1)
    if key is None:
        proc.kill()
        raise RuntimeError("no API key printed within 60 s")
    import httpx

    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1.0)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    return proc, key


async def _pollers(base: str, headers: dict, gen_id: str, clients: int, rounds: int,
                   interval: float = 2.0) -> np.ndarray:
    import httpx

    latencies: list[float] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30.0) as client:
        async def one(k: int) -> None:
            await asyncio.sleep(interval * k / clients)
            for _ in range(rounds):
                t0 = time.perf_counter()
                r = await client.get(f"/v1/generations/{gen_id}")
                latencies.append(time.perf_counter() - t0)
                assert r.status_code == 200, r.text
                await asyncio.sleep(max(0.0, interval - (time.perf_counter() - t0)))
        await asyncio.gather(*(one(k) for k in range(clients)))
    return np.array(latencies) * 1000.0


async def _submit_all(base: str, headers: dict, n: int) -> list[str]:
    import httpx

    sem = asyncio.Semaphore(32)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60.0) as client:
        async def post(i: int) -> str:
            async with sem:
                r = await client.post("/v1/generations", json={
                    "prompt": f"a {SUBJECTS[i % len(SUBJECTS)]}, pixel art", "resolution": "32x32", "seed": i})
                assert r.status_code == 201, r.text
                return r.json()["id"]
        return list(await asyncio.gather(*(post(i) for i in range(n))))


def _wait_all(base: str, headers: dict, ids: list[str], timeout: float) -> dict[str, str]:
    import httpx

    wanted = set(ids)
    statuses: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=base, headers=headers, timeout=30.0) as client:
        while time.monotonic() < deadline:
            statuses = {}
            page = 1
            while True:
                body = client.get(f"/v1/generations?page={page}&limit=100").json()
                statuses.update({d["id"]: d["status"] for d in body["data"]})
                if page * 100 >= body["total"]:
                    break
                page += 1
            done = [i for i in wanted if statuses.get(i) in ("completed", "failed")]
            if len(done) == len(wanted):
                return statuses
            time.sleep(0.5)
    return statuses


def _direct_baseline(n: int) -> tuple[float, float]:
    """Jobs per second calling the Engine directly in one process, same prompts: ``(generate + save, generate)``."""
    from sprixen_engine import Engine

    engine = Engine()
    engine.generate("a knight, pixel art", resolution="32x32", seed=0)  # warm
    out = Path(tempfile.mkdtemp(prefix="sprixen-bench-direct-"))
    rates = []
    for save in (True, False):
        t0 = time.perf_counter()
        for i in range(n):
            result = engine.generate(f"a {SUBJECTS[i % len(SUBJECTS)]}, pixel art", resolution="32x32", seed=i)
            if save:
                result.save(out)
        rates.append(n / (time.perf_counter() - t0))
    return rates[0], rates[1]


def run(quick: bool = False) -> dict:

    clients, rounds = (200, 2) if quick else (200, 5)
    jobs = 100 if quick else 1000
    lat, main = _queue_run(jobs, server_workers=2, poll=(clients, rounds))
    _, external = _queue_run(jobs, server_workers=0, external_workers=2)
    direct_rate, generate_only = _direct_baseline(min(jobs, 200))
    p50, p99 = float(np.percentile(lat, 50)), float(np.percentile(lat, 99))
    rows = [
        {"measure": f"GET /v1/generations/:id, {clients} concurrent pollers × {rounds}", "value": f"p50 {p50:.1f} ms, "
         f"p99 {p99:.1f} ms ({lat.size} requests)", "target": "p99 ≤ 20 ms", "met": p99 <= 20.0},
    ]
    for name, r in (("2 in-process workers", main), ("2 `sprixen worker` processes", external)):
        rows.append({"measure": f"{jobs} queued 32×32 generations, {name}", "value": (
            f"{r['completed']} completed, {r['failed']} failed, {r['lost']} lost, {r['files']} result files; submit "
            f"{r['submitted']:.1f} s, all done {r['elapsed']:.1f} s = {r['rate']:.1f} jobs/s = "
            f"{r['rate'] / direct_rate:.2f}× direct"), "target": "none lost",
            "met": r["lost"] == 0 and r["failed"] == 0 and r["files"] == jobs + 1})
    rows.append({"measure": "baseline: the Engine called directly in one process", "value": (
        f"generate + save {direct_rate:.1f} jobs/s (generate alone {generate_only:.1f} jobs/s)"),
        "target": "reported", "met": ""})
    return {"rows": rows, "p50_ms": p50, "p99_ms": p99, "in_process": main, "external_workers": external,
            "direct_jobs_per_s": direct_rate, "generate_only_jobs_per_s": generate_only,
            "notes": ["client, server and workers share this machine's cores (2 here): the client's own event loop "
                      "is part of the measured latency and competes with the workers",
                      "in-process workers share the server's interpreter (one GIL) with the HTTP handling; "
                      "`sprixen worker` processes (SQLite here, PostgreSQL across machines) run beside it"]}


def _queue_run(jobs: int, *, server_workers: int, external_workers: int = 0,
               poll: tuple[int, int] | None = None) -> tuple[np.ndarray, dict]:
    """A fresh server (+ ``external_workers`` worker processes): optionally the pollers, then ``jobs``
    queued generations until all finish. Returns the poll latencies (ms) and the queue figures."""
    import httpx

    data = Path(tempfile.mkdtemp(prefix="sprixen-bench-server-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc, key = _start_server(data, port, workers=server_workers)
    workers = [subprocess.Popen([_sprixen(), "worker", "--data", str(data), "--poll", "0.05"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env={**os.environ, "SPRIXEN_DATA": str(data)}) for _ in range(external_workers)]
    headers = {"Authorization": f"Bearer {key}"}
    lat = np.zeros(0)
    try:
        first = httpx.post(f"{base}/v1/generations", headers=headers, json={"prompt": "a knight, pixel art"}).json()
        _wait_all(base, headers, [first["id"]], 60)
        if poll is not None:
            lat = asyncio.run(_pollers(base, headers, first["id"], *poll))
        t0 = time.perf_counter()
        ids = asyncio.run(_submit_all(base, headers, jobs))
        submitted = time.perf_counter() - t0
        statuses = _wait_all(base, headers, ids, timeout=1800)
        elapsed = time.perf_counter() - t0
    finally:
        for p in [proc, *workers]:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    completed = sum(statuses.get(i) == "completed" for i in ids)
    failed = sum(statuses.get(i) == "failed" for i in ids)
    return lat, {"completed": completed, "failed": failed, "lost": len(ids) - completed - failed,
                 "files": len(list((data / "public" / "uploads").glob("gen_*_v1.png"))),
                 "submitted": submitted, "elapsed": elapsed, "rate": jobs / elapsed}
