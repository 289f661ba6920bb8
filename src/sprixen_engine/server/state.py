"""What every request handler and MCP tool shares: settings, database, queue, engine; and the caller."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from .db import Database
from .jobs import JobQueue
from .keys import KeyInfo
from .settings import ServerSettings


class AppState:
    """One per server process (``app.state.sprixen``)."""

    def __init__(self, settings: ServerSettings, *, engine: Any = None) -> None:
        from .present import present_job

        self.settings = settings
        settings.uploads_dir.mkdir(parents=True, exist_ok=True)
        self.db = Database(settings.resolved_database_url())
        self.queue = JobQueue(self.db, settings, presenter=present_job)
        self._engine = engine
        self._engine_lock = threading.Lock()

    def engine(self) -> Any:
        """The shared :class:`~sprixen_engine.Engine` (built on first use)."""
        with self._engine_lock:
            if self._engine is None:
                from ..engine import Engine

                self._engine = Engine()
            return self._engine


@dataclass(frozen=True)
class Caller:
    """An authenticated request: the shared state, the key, and the base URL for absolute links."""

    state: AppState
    key: KeyInfo
    base_url: str

    @property
    def db(self) -> Database:
        return self.state.db

    @property
    def queue(self) -> JobQueue:
        return self.state.queue

    @property
    def settings(self) -> ServerSettings:
        return self.state.settings

    def url(self, path: str | None) -> str | None:
        """``path`` (``/public/uploads/…``) as an absolute URL."""
        if path is None:
            return None
        return absolute(self.base_url, path)


def absolute(base_url: str, path: str) -> str:
    if "://" in path or not base_url:
        return path
    return base_url.rstrip("/") + "/" + path.lstrip("/")
