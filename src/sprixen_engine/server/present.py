"""The public JSON of each job kind (the reference's response shapes, camelCase, absolute URLs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .db import Job, iso
from .state import absolute

_PRESENTERS: dict[str, Callable[[Job, Callable[[str | None], str | None]], dict[str, Any]]] = {}


def presenter(kind: str):
    """Register the decorated ``fn(job, url) -> dict`` as the presenter of ``kind``."""
    def register(fn):
        _PRESENTERS[kind] = fn
        return fn
    return register


#: service modules that register presenters (imported on first use, in every process)
_PRESENTER_MODULES = ("animations", "tiles", "maps", "music")
_loaded = False


def _load_presenters() -> None:
    global _loaded
    if _loaded:
        return
    import importlib

    for name in _PRESENTER_MODULES:
        try:
            importlib.import_module(f"{__package__}.services.{name}")
        except ModuleNotFoundError as exc:  # pragma: no cover - a service not written yet
            if exc.name != f"{__package__}.services.{name}":
                raise
    _loaded = True


def present_job(job: Job, base_url: str | None = None) -> dict[str, Any]:
    """The job as the API shows it; URLs made absolute against ``base_url`` (default: the URL it was
    submitted to)."""
    _load_presenters()
    base = job.base_url if base_url is None else base_url

    def url(path: str | None) -> str | None:
        return None if path is None else absolute(base, path)

    fn = _PRESENTERS.get(job.kind, _generic)
    return fn(job, url)


def common(job: Job) -> dict[str, Any]:
    return {"id": job.id, "status": job.status, "error": job.error, "progress": round(job.progress, 3),
            "createdAt": iso(job.created_at), "startedAt": iso(job.started_at), "completedAt": iso(job.completed_at)}


def _generic(job: Job, url) -> dict[str, Any]:
    return {**common(job), "kind": job.kind, "result": job.result}


@presenter("generation")
def _generation(job: Job, url) -> dict[str, Any]:
    req, res = job.request or {}, job.result or {}
    out = {**common(job), "prompt": req.get("prompt"), "type": req.get("type", "sprite"),
           "variantCount": req.get("variantCount", 1), "projectId": req.get("projectId"),
           "resultUrls": [url(u) for u in res.get("resultUrls", [])]}
    if res.get("animations"):
        out["animations"] = [{**a, **{k: url(a[k]) for k in ("spriteSheetUrl", "gifUrl", "atlasUrl") if k in a}}
                             for a in res["animations"]]
    if res:
        out["seed"] = res.get("seed")
        out["backend"] = res.get("backend")
    return out
