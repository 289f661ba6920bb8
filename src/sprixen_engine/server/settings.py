"""Settings of the local REST server (``sprixen serve``) and its workers.

Every limit of the reference is a field here so deployments and tests can change it: 60 requests a
minute and 5 concurrent generations per key, credit prices, webhook retry delays (5 s, 25 s, 125 s)
and timeout (10 s).
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

#: what each job kind costs, in credits (the reference: 1 per sprite variant, 1 per animation,
#: 1 per tile, 3 per music track); a generation costs ``generation × variantCount``
DEFAULT_PRICES = {"generation": 1, "animation": 1, "tile": 1, "music": 3, "map_edit": 0}


def default_data_dir() -> Path:
    """``$SPRIXEN_DATA`` or ``~/.local/share/sprixen-engine`` (the engine's data folder)."""
    return Path(os.environ.get("SPRIXEN_DATA") or "~/.local/share/sprixen-engine").expanduser()


class ServerSettings(BaseModel):
    """How the server runs.

    data_dir : holds ``sprixen.db`` (SQLite default), ``public/uploads/`` (served files) and ``maps/``.
    database_url : any SQLAlchemy URL; empty → ``sqlite:///<data_dir>/sprixen.db``. Use
        ``postgresql+psycopg://user@host/db`` to share the queue with ``sprixen worker`` processes.
    workers : in-process job workers (0: only external ``sprixen worker`` processes run jobs).
    public_url : base of the URLs in responses; empty → the URL the client called.
    stale_after_s : a ``processing`` job whose worker has not reported for this long is taken back
        (re-queued, or failed after ``max_attempts``).
    """

    model_config = ConfigDict(extra="forbid")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = Field(3001, ge=1, le=65535)
    workers: int = Field(2, ge=0, le=64)
    public_url: str = ""
    rate_limit_per_minute: int = Field(60, ge=1)
    max_concurrent_jobs: int = Field(5, ge=1)
    starting_credits: int = Field(100, ge=0)
    prices: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_PRICES))
    webhook_retry_delays_s: tuple[float, ...] = (5.0, 25.0, 125.0)
    webhook_timeout_s: float = Field(10.0, gt=0)
    poll_interval_s: float = Field(0.2, gt=0)
    heartbeat_s: float = Field(5.0, gt=0)
    stale_after_s: float = Field(60.0, gt=0)
    max_attempts: int = Field(2, ge=1)
    print_new_key: bool = True

    def resolved_database_url(self) -> str:
        """``database_url`` or the SQLite file in ``data_dir``."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'sprixen.db').resolve()}"

    @property
    def uploads_dir(self) -> Path:
        """Where generated files live; served under ``/public/uploads/``."""
        return self.data_dir / "public" / "uploads"
