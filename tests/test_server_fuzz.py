"""Schemathesis fuzzes every operation of the server's OpenAPI schema: whatever it sends, the answer is
never a 500 and always carries the reference's error shape when it is an error."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

from sprixen_engine.server.app import create_app  # noqa: E402
from sprixen_engine.server.keys import create_key  # noqa: E402
from sprixen_engine.server.settings import ServerSettings  # noqa: E402

# no workers: queued jobs stay pending (this suite is about the HTTP layer), limits lifted so the
# fuzzer reaches the handlers instead of 429s
_DATA = Path(tempfile.mkdtemp(prefix="sprixen-fuzz-"))
APP = create_app(ServerSettings(data_dir=_DATA, workers=0, print_new_key=False, rate_limit_per_minute=10**9,
                                max_concurrent_jobs=10**9), start_workers=False)
KEY, _ = create_key(APP.state.sprixen.db, name="fuzz", credits=10**9)
AUTH = {"Authorization": f"Bearer {KEY}"}

schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    response = case.call(headers=AUTH)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"statusCode", "message", "error"} and body["statusCode"] == response.status_code, body
