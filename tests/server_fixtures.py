"""Fixtures for the REST server suites (import them in a test module with
``from server_fixtures import *  # noqa: F401,F403``).

``api`` is an in-process server (FastAPI TestClient, its lifespan runs one worker and the webhook
sender) on a fresh data folder, with one key holding 1000 credits: ``api.client``, ``api.headers``,
``api.key``, ``api.state``, ``api.wait(url)`` polls until a job is completed or failed.
``database_url`` decides the storage: SQLite by default. A module runs on SQLite *and* PostgreSQL (a
fresh database per test on the session's cluster, see ``tests/pg.py``; skipped where PostgreSQL is
missing) by importing the parametrised fixture under that name::

    from server_fixtures import *  # noqa: F401,F403
    from server_fixtures import both_storages as database_url  # noqa: F401
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest

from pg import pg_cluster, pg_url  # noqa: F401  (fixtures)

pytest.importorskip("fastapi")

#: the storages a ``both_storages`` test runs on (the test ids end in ``[sqlite]`` / ``[postgresql]``)
STORAGES = ("sqlite", "postgresql")


@dataclass
class Api:
    client: Any
    headers: dict[str, str]
    key: str
    state: Any

    def wait(self, url: str, *, timeout: float = 60.0, headers: dict[str, str] | None = None) -> dict[str, Any]:
        """GET ``url`` until ``status`` is completed or failed; returns the last body."""
        deadline = time.monotonic() + timeout
        while True:
            r = self.client.get(url, headers=headers or self.headers)
            assert r.status_code == 200, r.text
            body = r.json()
            if body.get("status") in ("completed", "failed"):
                return body
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} still {body.get('status')} after {timeout} s: {body}")
            time.sleep(0.05)


def assert_bad_request(response: Any, field: str) -> None:
    """A 400 in the reference's error shape whose message starts with ``field:``."""
    assert response.status_code == 400, response.text
    out = response.json()
    assert out["statusCode"] == 400 and out["error"] == "Bad Request"
    assert out["message"].startswith(f"{field}:"), out["message"]


def make_api(tmp_path, engine, database_url: str = "", **overrides: Any):
    """A started TestClient server; use as a context manager."""
    from fastapi.testclient import TestClient

    from sprixen_engine.server.app import create_app
    from sprixen_engine.server.keys import create_key
    from sprixen_engine.server.settings import ServerSettings

    # tests poll fast: the per-key rate limit is lifted unless a test sets its own
    values = dict(data_dir=tmp_path, database_url=database_url, workers=1, print_new_key=False,
                  rate_limit_per_minute=1_000_000,
                  poll_interval_s=0.02, webhook_retry_delays_s=(0.2, 0.4, 0.6), heartbeat_s=0.5)
    values.update(overrides)
    app = create_app(ServerSettings(**values), engine=engine)

    class _Ctx:
        def __enter__(self) -> Api:
            self.client = TestClient(app)
            self.client.__enter__()
            key, _ = create_key(app.state.sprixen.db, name="test", credits=1000)
            return Api(self.client, {"Authorization": f"Bearer {key}"}, key, app.state.sprixen)

        def __exit__(self, *exc: Any) -> None:
            self.client.__exit__(*exc)
            app.state.sprixen.db.dispose()

    return _Ctx()


@pytest.fixture
def database_url() -> str:
    """The storage under test: ``""`` = SQLite in the data folder."""
    return ""


@pytest.fixture(params=STORAGES)
def both_storages(request) -> str:
    """``database_url`` on each storage: ``""`` (SQLite in the data folder), then a fresh PostgreSQL database."""
    return "" if request.param == "sqlite" else request.getfixturevalue("pg_url")


@pytest.fixture
def api(tmp_path, engine, database_url):
    with make_api(tmp_path, engine, database_url) as a:
        yield a
