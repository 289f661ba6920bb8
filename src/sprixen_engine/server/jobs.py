"""The job queue: submit (with credits and the per-key concurrency limit), claim, finish, recover.

Claiming is one atomic ``UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING``; on PostgreSQL the
sub-select takes ``FOR UPDATE SKIP LOCKED``, so any number of ``sprixen worker`` processes (and the
server's own workers) share one queue and each job runs exactly once. A running job's worker
refreshes ``heartbeat_at``; :meth:`JobQueue.reap` takes back jobs whose worker went silent (a crash or
a restart): re-queued while ``attempts < max_attempts``, else ``failed`` with a message and refunded.
A job whose worker was a process of this machine that has exited is taken back at once (a restarted
server resumes its jobs without waiting for the heartbeat to go stale).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import func, select, update

from ..errors import NotFound, RateLimited
from . import keys
from .db import Database, Job, WebhookDelivery, as_utc, utcnow
from .ids import JOB_PREFIX, new_id
from .settings import ServerSettings

#: kinds that count towards the "concurrent generations" limit
LIMITED_KINDS = ("generation", "animation", "tile", "music")
TERMINAL = ("completed", "failed")

#: kind → webhook event stem (``generation.completed`` …); map edits send none
WEBHOOK_EVENTS = {"generation": "generation", "animation": "animation", "tile": "tile", "music": "music"}

#: set by the presenters module: ``presenter(job) -> dict`` (the public JSON of a job, absolute URLs)
Presenter = Callable[[Job], dict[str, Any]]


class JobQueue:
    def __init__(self, db: Database, settings: ServerSettings, presenter: Presenter | None = None) -> None:
        self.db = db
        self.settings = settings
        self.presenter = presenter

    # ------------------------------------------------------------------ submit
    def submit(self, *, kind: str, key_id: str, request: dict[str, Any], cost: int, base_url: str = "",
               webhook_url: str | None = None, parent_id: str | None = None) -> Job:
        """Queue a job: checks the key's concurrent-job limit (429), takes ``cost`` credits (402),
        inserts the row — all in one transaction."""
        job = Job(id=new_id(JOB_PREFIX[kind]), kind=kind, key_id=key_id, status="pending", request=request,
                  cost=cost, webhook_url=webhook_url, parent_id=parent_id, base_url=base_url, created_at=utcnow())
        with self.db.session() as s, s.begin():
            keys.lock_key(s, key_id)
            if kind in LIMITED_KINDS:
                active = s.scalar(select(func.count()).select_from(Job).where(
                    Job.key_id == key_id, Job.kind.in_(LIMITED_KINDS), Job.status.in_(("pending", "processing"))))
                limit = self.settings.max_concurrent_jobs
                if active >= limit:
                    raise RateLimited(f"Too many concurrent generations: {active} running, the limit is {limit}. "
                                      "Retry when one completes.")
            keys.charge(s, key_id, cost)
            s.add(job)
        return job

    # ------------------------------------------------------------------ read
    def get(self, key_id: str, job_id: str, kind: str | Iterable[str], *, what: str = "Job") -> Job:
        kinds = (kind,) if isinstance(kind, str) else tuple(kind)
        with self.db.session() as s:
            job = s.get(Job, job_id)
        if job is None or job.key_id != key_id or job.kind not in kinds or job.deleted:
            raise NotFound(f"{what} {job_id} not found")
        return job

    def page(self, key_id: str, kind: str, *, page: int, limit: int, parent_id: str | None = None
             ) -> tuple[list[Job], int]:
        """One page (newest first) of the key's jobs of ``kind`` and the total count."""
        cond = [Job.key_id == key_id, Job.kind == kind, Job.deleted.is_(False)]
        if parent_id is not None:
            cond.append(Job.parent_id == parent_id)
        with self.db.session() as s:
            total = s.scalar(select(func.count()).select_from(Job).where(*cond)) or 0
            rows = list(s.scalars(select(Job).where(*cond).order_by(Job.created_at.desc(), Job.id)
                                  .offset((page - 1) * limit).limit(limit)))
        return rows, int(total)

    def delete(self, key_id: str, job_id: str, kind: str, *, what: str) -> Job:
        """Hide a job from every list and GET; one not finished yet is failed first (refunded, and a
        worker still running it can no longer complete it)."""
        job = self.get(key_id, job_id, kind, what=what)
        if job.status in ("pending", "processing"):
            job = self.fail(job.id, None, "Deleted before it finished; credits were refunded.") or job
        with self.db.session() as s, s.begin():
            s.execute(update(Job).where(Job.id == job.id).values(deleted=True))
        return job

    # ------------------------------------------------------------------ workers
    def claim(self, worker_id: str, kinds: Iterable[str] | None = None) -> Job | None:
        """Atomically take the oldest pending job (of ``kinds``), or ``None``."""
        sub = select(Job.id).where(Job.status == "pending")
        if kinds:
            sub = sub.where(Job.kind.in_(tuple(kinds)))
        sub = sub.order_by(Job.created_at, Job.id).limit(1)
        if self.db.is_postgres:
            sub = sub.with_for_update(skip_locked=True)
        now = utcnow()
        stmt = (update(Job).where(Job.id == sub.scalar_subquery(), Job.status == "pending")
                .values(status="processing", worker=worker_id, started_at=now, heartbeat_at=now,
                        attempts=Job.attempts + 1).returning(Job)
                .execution_options(synchronize_session=False))
        with self.db.session() as s, s.begin():
            return s.scalar(stmt)

    def heartbeat(self, job_id: str, worker_id: str, progress: float | None = None) -> bool:
        """Refresh the lease; ``False`` when the job is no longer this worker's (taken back)."""
        values: dict[str, Any] = {"heartbeat_at": utcnow()}
        if progress is not None:
            values["progress"] = float(min(max(progress, 0.0), 1.0))
        with self.db.session() as s, s.begin():
            done = s.execute(update(Job).where(Job.id == job_id, Job.worker == worker_id,
                                               Job.status == "processing").values(**values))
        return done.rowcount == 1

    def complete(self, job_id: str, worker_id: str | None, result: dict[str, Any]) -> Job | None:
        return self._finish(job_id, worker_id, status="completed", result=result)

    def fail(self, job_id: str, worker_id: str | None, error: str) -> Job | None:
        return self._finish(job_id, worker_id, status="failed", error=error)

    def _finish(self, job_id: str, worker_id: str | None, *, status: str, result: dict[str, Any] | None = None,
                error: str | None = None) -> Job | None:
        """Mark the job done (only if ``worker_id`` still owns it), refund a failure, queue its webhook."""
        with self.db.session() as s, s.begin():
            cond = [Job.id == job_id, Job.status.in_(("pending", "processing"))]
            if worker_id is not None:
                cond.append(Job.worker == worker_id)
            job = s.scalar(update(Job).where(*cond).values(
                status=status, result=result, error=error, completed_at=utcnow(),
                progress=1.0 if status == "completed" else Job.progress)
                .returning(Job).execution_options(synchronize_session=False))
            if job is None:
                return None
            if status == "failed" and job.cost and not job.refunded:
                keys.refund(s, job.key_id, job.cost)
                job.refunded = True
            self._queue_webhook(s, job)
        return job

    def _queue_webhook(self, s: Any, job: Job) -> None:
        stem = WEBHOOK_EVENTS.get(job.kind)
        if not job.webhook_url or stem is None or self.presenter is None:
            return
        now = utcnow()
        payload = {"event": f"{stem}.{job.status}", "timestamp": _iso(now), "data": self.presenter(job)}
        s.add(WebhookDelivery(id=new_id("msg", 24), key_id=job.key_id, job_id=job.id, event=payload["event"],
                              url=job.webhook_url, payload=payload, status="pending", next_attempt_at=now,
                              created_at=now))

    def reap(self, stale_after_s: float | None = None) -> list[str]:
        """Take back ``processing`` jobs whose heartbeat is older than ``stale_after_s`` or whose worker
        process (on this machine) has exited: back to ``pending`` while attempts remain, else
        ``failed`` (refunded). Returns their ids."""
        cutoff = utcnow() - dt.timedelta(seconds=stale_after_s if stale_after_s is not None
                                         else self.settings.stale_after_s)
        with self.db.session() as s:
            running = list(s.scalars(select(Job).where(Job.status == "processing")))
        stale = [job for job in running if job.heartbeat_at is None or as_utc(job.heartbeat_at) < cutoff
                 or exited_local_worker(job.worker)]
        out = []
        for job in stale:
            if job.attempts < self.settings.max_attempts:
                with self.db.session() as s, s.begin():
                    done = s.execute(update(Job).where(Job.id == job.id, Job.status == "processing",
                                                       Job.worker == job.worker)
                                     .values(status="pending", worker=None, heartbeat_at=None))
                if done.rowcount == 1:
                    out.append(job.id)
            elif self._finish(job.id, job.worker, status="failed",
                              error=f"The worker running this job stopped (attempt {job.attempts} of "
                                    f"{self.settings.max_attempts}); credits were refunded.") is not None:
                out.append(job.id)
        return out


def exited_local_worker(worker: str | None) -> bool:
    """Whether ``worker`` (``host:pid:…``, see :func:`.worker.worker_id`) was a process of this machine
    that no longer exists. Unknown hosts and live (or unreadable) processes count as alive."""
    host, _, rest = (worker or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # e.g. another user's process: alive
        pass
    return False


def _iso(value: dt.datetime) -> str:
    from .db import iso

    return iso(value) or ""
