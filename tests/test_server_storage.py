"""The job queue and credits on SQLite and PostgreSQL: submit/claim/complete/fail, the 402 and 429
checks under concurrent submits, each pending job claimed exactly once by concurrent claimers,
stale jobs re-queued then failed and refunded, webhook deliveries queued with the job's outcome."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, update

from server_fixtures import both_storages as storage_url  # noqa: F401  (fixture: "" | PostgreSQL URL)
from server_fixtures import pg_cluster, pg_url  # noqa: F401  (fixtures)
from sprixen_engine.errors import InsufficientCredits, RateLimited
from sprixen_engine.server.db import Database, Job, WebhookDelivery, utcnow
from sprixen_engine.server.jobs import JobQueue
from sprixen_engine.server.keys import balance, create_key
from sprixen_engine.server.present import present_job
from sprixen_engine.server.settings import ServerSettings

GEN = {"prompt": "a knight", "resolution": "32x32", "variantCount": 2}


@pytest.fixture
def store(tmp_path, storage_url):  # noqa: F811
    """``(queue, key_id)``: a queue on the storage under test and a key holding 100 credits."""
    settings = ServerSettings(data_dir=tmp_path, database_url=storage_url, max_concurrent_jobs=1000)
    db = Database(settings.resolved_database_url())
    _, key = create_key(db, name="t", credits=100)
    yield JobQueue(db, settings, presenter=present_job), key.id
    db.dispose()


def submit(queue: JobQueue, key_id: str, kind: str = "generation", cost: int = 2, **kw) -> Job:
    return queue.submit(kind=kind, key_id=key_id, request=dict(GEN), cost=cost, base_url="http://h", **kw)


def row(queue: JobQueue, job_id: str) -> Job:
    with queue.db.session() as s:
        return s.get(Job, job_id)


def test_submit_claim_complete(store):
    queue, key = store
    job = submit(queue, key)
    assert job.id.startswith("gen_") and job.status == "pending" and balance(queue.db, key) == 98
    got = queue.claim("w1")
    assert got.id == job.id and got.status == "processing" and got.worker == "w1" and got.attempts == 1
    assert queue.claim("w2") is None
    assert queue.heartbeat(job.id, "w1", 0.5) and not queue.heartbeat(job.id, "w2")
    assert row(queue, job.id).progress == 0.5
    assert queue.complete(job.id, "w2", {"resultUrls": []}) is None  # not w2's job
    done = queue.complete(job.id, "w1", {"resultUrls": ["/public/uploads/x.png"]})
    assert done.status == "completed" and done.progress == 1.0 and done.completed_at is not None
    assert queue.fail(job.id, "w1", "late") is None  # a finished job stays finished
    assert row(queue, job.id).result == {"resultUrls": ["/public/uploads/x.png"]}
    assert balance(queue.db, key) == 98


def test_claim_filters_kinds_and_takes_oldest_first(store):
    queue, key = store
    first, edit, second = submit(queue, key), submit(queue, key, kind="map_edit", cost=0), submit(queue, key)
    assert queue.claim("w", ["map_edit"]).id == edit.id
    assert [queue.claim("w", ["generation"]).id, queue.claim("w", ["generation"]).id] == [first.id, second.id]


def test_fail_refunds_once(store):
    queue, key = store
    job = submit(queue, key, cost=3)
    assert balance(queue.db, key) == 97
    queue.claim("w")
    failed = queue.fail(job.id, "w", "the backend broke")
    assert failed.status == "failed" and failed.error == "the backend broke" and failed.refunded
    assert queue.fail(job.id, "w", "again") is None
    assert balance(queue.db, key) == 100


def test_insufficient_credits_is_402_and_queues_nothing(store):
    queue, key = store
    submit(queue, key, cost=99)
    with pytest.raises(InsufficientCredits) as err:
        submit(queue, key, cost=2)
    assert err.value.status_code == 402
    assert err.value.message == "Insufficient credits. You have 1 credits remaining."
    with queue.db.session() as s:
        assert len(s.scalars(select(Job)).all()) == 1
    assert balance(queue.db, key) == 1


def test_concurrency_limit_is_429_and_counts_only_generation_kinds(store):
    queue, key = store
    queue.settings.max_concurrent_jobs = 5
    jobs = [submit(queue, key, kind=k) for k in ("generation", "animation", "tile", "music", "generation")]
    with pytest.raises(RateLimited) as err:
        submit(queue, key)
    assert err.value.status_code == 429 and "limit is 5" in err.value.message
    assert balance(queue.db, key) == 90  # the refused job cost nothing
    submit(queue, key, kind="map_edit", cost=0)  # map edits are not generations
    queue.claim("w", ["generation"])
    queue.complete(jobs[0].id, "w", {})
    submit(queue, key)  # a finished job frees its slot


def _submit_at_once(queue, key, threads: int, refused: type[Exception], code: int) -> list:
    """``threads`` threads submit a 1-credit job at the same instant: "ok" or ``code`` for each."""
    barrier = threading.Barrier(threads)

    def go(_):
        barrier.wait()
        try:
            submit(queue, key, cost=1)
            return "ok"
        except refused:
            return code

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(go, range(threads)))


def test_concurrent_submits_respect_credits_and_limit(store):
    """20 threads submit at once: exactly 5 pass the concurrency limit; with 7 credits, at most 7 pay."""
    from sprixen_engine.server.keys import add_credits

    queue, key = store
    queue.settings.max_concurrent_jobs = 5
    outcomes = _submit_at_once(queue, key, 20, RateLimited, 429)
    assert outcomes.count("ok") == 5 and outcomes.count(429) == 15
    assert balance(queue.db, key) == 95

    queue.settings.max_concurrent_jobs = 1000
    with queue.db.session() as s, s.begin():
        s.execute(update(Job).values(status="completed"))
    add_credits(queue.db, key, -88)  # 7 left
    outcomes = _submit_at_once(queue, key, 20, InsufficientCredits, 402)
    assert outcomes.count("ok") == 7 and outcomes.count(402) == 13
    assert balance(queue.db, key) == 0


def test_concurrent_claimers_take_each_job_exactly_once(store):
    queue, key = store
    with queue.db.session() as s, s.begin():  # 200 pending jobs, inserted in one go
        now = utcnow()
        s.add_all(Job(id=f"gen_{i:04d}", kind="generation", key_id=key, status="pending", request={}, cost=0,
                      created_at=now + dt.timedelta(microseconds=i)) for i in range(200))
    taken: list[list[str]] = [[] for _ in range(8)]
    barrier = threading.Barrier(8)

    def claimer(n: int) -> None:
        barrier.wait()
        while (job := queue.claim(f"w{n}")) is not None:
            taken[n].append(job.id)
            queue.complete(job.id, f"w{n}", {})

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    flat = [j for ids in taken for j in ids]
    assert sorted(flat) == [f"gen_{i:04d}" for i in range(200)]  # every job, none twice
    assert sum(1 for ids in taken if ids) >= 2  # the claimers really competed
    with queue.db.session() as s:
        assert {(j.status, j.attempts) for j in s.scalars(select(Job))} == {("completed", 1)}
        assert all(j.worker == f"w{n}" for n, ids in enumerate(taken) for j in (s.get(Job, i) for i in ids))


def test_reap_requeues_then_fails_and_refunds(store):
    queue, key = store
    assert queue.settings.max_attempts == 2
    job = submit(queue, key, cost=2, webhook_url="http://127.0.0.1:9/hook")
    fresh = submit(queue, key, cost=1)
    queue.claim("dead")  # job: attempt 1, then the worker dies
    queue.claim("alive")  # fresh: keeps its heartbeat
    with queue.db.session() as s, s.begin():
        s.execute(update(Job).where(Job.id == job.id).values(heartbeat_at=utcnow() - dt.timedelta(minutes=5)))
    assert queue.reap(stale_after_s=60) == [job.id]
    back = row(queue, job.id)
    assert back.status == "pending" and back.worker is None and back.attempts == 1
    assert not queue.heartbeat(job.id, "dead")  # its old worker learns it lost the job
    assert queue.complete(job.id, "dead", {}) is None
    assert row(queue, fresh.id).status == "processing"
    assert balance(queue.db, key) == 97

    assert queue.claim("dead-again").id == job.id  # attempt 2 (the last), and that worker dies too
    assert set(queue.reap(stale_after_s=0)) == {job.id, fresh.id}  # fresh: silent now too, re-queued
    failed = row(queue, job.id)
    assert failed.status == "failed" and failed.attempts == 2 and failed.refunded
    assert "stopped" in failed.error and "refunded" in failed.error
    assert row(queue, fresh.id).status == "pending"
    assert balance(queue.db, key) == 99  # job refunded; fresh (re-queued, attempt 1 of 2) still paid
    with queue.db.session() as s:
        hooks = s.scalars(select(WebhookDelivery).where(WebhookDelivery.job_id == job.id)).all()
    assert [h.event for h in hooks] == ["generation.failed"]
    assert hooks[0].payload["data"]["status"] == "failed" and hooks[0].payload["data"]["error"] == failed.error


def test_reap_takes_back_the_jobs_of_an_exited_local_process_at_once(store):
    queue, key = store
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    here = socket.gethostname()
    orphan, remote, mine = submit(queue, key), submit(queue, key), submit(queue, key)
    queue.claim(f"{here}:{gone}:abcd1234")  # a process of this machine that has exited
    queue.claim(f"elsewhere:{gone}:abcd1234")  # another machine: only its heartbeat tells
    queue.claim(f"{here}:{os.getpid()}:abcd1234")  # this process: alive
    assert queue.reap(stale_after_s=3600) == [orphan.id]
    assert [row(queue, j.id).status for j in (orphan, remote, mine)] == ["pending", "processing", "processing"]


def test_webhook_rows_follow_the_outcome(store):
    queue, key = store
    ok = submit(queue, key, webhook_url="https://example.test/ok")
    bad = submit(queue, key, kind="tile", webhook_url="https://example.test/bad")
    silent = submit(queue, key)
    edit = submit(queue, key, kind="map_edit", cost=0, webhook_url="https://example.test/edit")
    for _ in range(4):
        queue.claim("w")
    queue.complete(ok.id, "w", {"resultUrls": ["/public/uploads/a.png"]})
    queue.fail(bad.id, "w", "no")
    queue.complete(silent.id, "w", {})
    queue.complete(edit.id, "w", {})
    with queue.db.session() as s:
        hooks = {h.job_id: h for h in s.scalars(select(WebhookDelivery))}
    assert set(hooks) == {ok.id, bad.id}  # none without webhookUrl, none for map edits
    assert hooks[ok.id].event == "generation.completed" and hooks[ok.id].url == "https://example.test/ok"
    assert hooks[ok.id].status == "pending" and hooks[ok.id].attempts == 0 and hooks[ok.id].key_id == key
    data = hooks[ok.id].payload["data"]
    assert data["id"] == ok.id and data["resultUrls"] == ["http://h/public/uploads/a.png"]
    assert hooks[bad.id].event == "tile.failed"
