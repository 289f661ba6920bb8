"""Job handlers: one function per job kind that runs the job on the Engine and returns its result.

A handler takes a :class:`~sprixen_engine.server.worker.JobContext` and returns a JSON-able dict
(file URLs are site-relative, ``/public/uploads/…``; the presenters make them absolute). It raises
:class:`~sprixen_engine.errors.SprixenError` for a failure the user should read.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from ...errors import InvalidRequest

Handler = Callable[[Any], dict[str, Any]]
_HANDLERS: dict[str, Handler] = {}
#: kind → module (imported on first use, so the server starts fast)
_MODULES = {"generation": "generation", "animation": "animation", "tile": "tile", "music": "music",
            "map_edit": "map_edit"}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``kind``."""
    def register(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn
    return register


def handler_for(kind: str) -> Handler:
    if kind not in _HANDLERS and kind in _MODULES:
        importlib.import_module(f"{__name__}.{_MODULES[kind]}")
    if kind not in _HANDLERS:
        raise InvalidRequest(f"kind: no handler for job kind {kind!r}", field="kind")
    return _HANDLERS[kind]


def upload_url(name: str) -> str:
    """The site-relative URL of a file written to the uploads folder."""
    return f"/public/uploads/{name}"
