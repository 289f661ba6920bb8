"""Workers: take jobs from the queue and run them on the Engine.

``WorkerPool`` runs ``n`` threads in the server process; ``sprixen worker`` runs the same loop in
another process or on another machine against a shared PostgreSQL. Work that touches the GPU is
serialised through one device lock per process (the "device executor"): CUDA kernels from several
threads would only fight over memory; CPU work runs in parallel.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import SprixenError
from .db import Database, Job
from .jobs import JobQueue
from .settings import ServerSettings

log = logging.getLogger("sprixen.worker")

#: one per process: held while a job runs on a CUDA device
DEVICE_LOCK = threading.Lock()


def worker_id() -> str:
    """``host:pid:random`` — unique per worker thread (:func:`.jobs.exited_local_worker` reads the
    host and pid back to spot the jobs of a process that died)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class JobContext:
    """What a handler gets: the job, the engine, where to write files, and a progress callback."""

    def __init__(self, job: Job, engine: Any, settings: ServerSettings, db: Database,
                 progress: Callable[[float], None]) -> None:
        self.job = job
        self.engine = engine
        self.settings = settings
        self.db = db
        self.progress = progress

    @property
    def request(self) -> dict[str, Any]:
        return dict(self.job.request or {})

    @property
    def uploads(self):
        d = self.settings.uploads_dir
        d.mkdir(parents=True, exist_ok=True)
        return d


def uses_cuda(engine: Any) -> bool:
    """Whether jobs on ``engine`` may run CUDA kernels. Asking the device policy imports torch (~1.5 s), so
    until a model backend has imported torch nothing can be on the GPU and the answer is no."""
    if "torch" not in sys.modules:
        return False
    device = getattr(engine, "device", None)
    return getattr(device, "device", "cpu") == "cuda"


def run_one(queue: JobQueue, job: Job, engine: Any, settings: ServerSettings, wid: str) -> None:
    """Run ``job`` (already claimed by ``wid``), heart-beating while it runs, and record the outcome."""
    from .work import handler_for

    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(settings.heartbeat_s):
            queue.heartbeat(job.id, wid)

    pulse = threading.Thread(target=beat, name=f"heartbeat-{job.id}", daemon=True)
    pulse.start()
    try:
        handler = handler_for(job.kind)
        ctx = JobContext(job, engine, settings, queue.db, lambda p: queue.heartbeat(job.id, wid, p))
        on_gpu = uses_cuda(engine)
        if on_gpu:
            with DEVICE_LOCK:
                result = handler(ctx)
        else:
            result = handler(ctx)
        queue.complete(job.id, wid, result)
    except SprixenError as exc:
        queue.fail(job.id, wid, exc.message)
    except Exception as exc:  # a bug: the job fails with the error, the worker lives on
        log.error("job %s failed: %s", job.id, traceback.format_exc())
        queue.fail(job.id, wid, f"Internal error: {type(exc).__name__}: {exc}")
    finally:
        stop.set()


def work_loop(queue: JobQueue, engine_factory: Callable[[], Any], settings: ServerSettings, stop: threading.Event,
              *, kinds: Iterable[str] | None = None, max_jobs: int | None = None) -> int:
    """Claim and run jobs until ``stop`` is set (or ``max_jobs`` ran); returns how many ran.
    Every few seconds it also reaps jobs whose worker died."""
    wid = worker_id()
    engine = None
    ran = 0
    last_reap = 0.0
    while not stop.is_set() and (max_jobs is None or ran < max_jobs):
        now = time.monotonic()
        if now - last_reap > max(1.0, settings.stale_after_s / 4):
            last_reap = now
            try:
                queue.reap()
            except Exception:  # pragma: no cover - a DB hiccup must not kill the worker
                log.exception("reap failed")
        try:
            job = queue.claim(wid, kinds)
        except Exception:  # pragma: no cover
            log.exception("claim failed")
            job = None
        if job is None:
            stop.wait(settings.poll_interval_s)
            continue
        if engine is None:
            engine = engine_factory()
        run_one(queue, job, engine, settings, wid)
        ran += 1
    return ran


class WorkerPool:
    """``settings.workers`` threads running :func:`work_loop` on one shared Engine."""

    def __init__(self, queue: JobQueue, engine_factory: Callable[[], Any], settings: ServerSettings) -> None:
        self.queue = queue
        self.settings = settings
        self._engine: Any = None
        self._engine_lock = threading.Lock()
        self._factory = engine_factory
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def engine(self) -> Any:
        with self._engine_lock:
            if self._engine is None:
                self._engine = self._factory()
            return self._engine

    def start(self) -> None:
        for i in range(self.settings.workers):
            t = threading.Thread(target=work_loop, args=(self.queue, self.engine, self.settings, self.stop),
                                 name=f"sprixen-worker-{i}", daemon=True)
            t.start()
            self.threads.append(t)

    def shutdown(self, timeout: float = 5.0) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout)
