"""A throw-away PostgreSQL for the storage and server suites (``from pg import *`` or via ``server_fixtures``).

``pg_cluster`` (session): ``initdb`` + ``pg_ctl start`` of the installed PostgreSQL (Debian's
``/usr/lib/postgresql/<v>/bin``, ``$SPRIXEN_PG_BIN`` or ``pg_ctl`` on ``PATH``) in a temporary folder,
listening on a free 127.0.0.1 port with ``trust`` auth and durability off (fsync); about 1 s to start,
stopped and deleted at the end of the session. PostgreSQL refuses to run as root, so as root the
cluster runs as ``nobody``. When there is no PostgreSQL or it cannot start, the tests that need it skip
with the reason (``SPRIXEN_REQUIRE_POSTGRES=1`` turns that into a failure, for CI).
``pg_url`` (function): a fresh, empty database on that cluster, as a SQLAlchemy URL.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

__all__ = ["PgCluster", "find_pg_bin", "free_port", "pg_cluster", "pg_url"]


def free_port() -> int:
    """A TCP port nobody listens on now (on 127.0.0.1)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_pg_bin() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (newest Debian version first), or ``None``."""
    candidates = [os.environ.get("SPRIXEN_PG_BIN", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    on_path = shutil.which("pg_ctl")
    candidates.append(str(Path(on_path).parent) if on_path else "")
    for c in candidates:
        if c and (Path(c) / "initdb").is_file() and (Path(c) / "pg_ctl").is_file():
            return Path(c)
    return None


class PgCluster:
    """One PostgreSQL server in a temporary folder; ``url(db)`` for SQLAlchemy, ``create_database()``."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        # /tmp: reachable by nobody, and short enough for the server's unix socket path
        self.dir = Path(tempfile.mkdtemp(prefix="sprixen-pg-", dir="/tmp" if os.path.isdir("/tmp") else None))
        self.data = self.dir / "data"
        self.port = 0
        self.start_s = 0.0
        self._names = itertools.count(1)
        # as root, run the server as nobody (the folder must be theirs)
        self.user: dict = {}
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.dir, nobody.pw_uid, nobody.pw_gid)
            self.user = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}

    def _run(self, *args: str) -> None:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}
        done = subprocess.run([str(self.bindir / args[0]), *args[1:]], capture_output=True, text=True,
                              env=env, cwd=self.dir, timeout=60, **self.user)
        if done.returncode != 0:
            log = (self.dir / "log").read_text(errors="replace")[-1500:] if (self.dir / "log").exists() else ""
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip()[-1500:]} {log}")

    def start(self) -> None:
        t0 = time.monotonic()
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
                  "--no-sync")
        for attempt in range(3):  # a free port can be taken between free_port() and the bind
            self.port = free_port()
            opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                    "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300 "
                    "-c shared_buffers=32MB")
            try:
                self._run("pg_ctl", "start", "-w", "-t", "30", "-D", str(self.data), "-l", str(self.dir / "log"),
                          "-o", opts)
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        self.start_s = time.monotonic() - t0

    def stop(self) -> None:
        if self.data.exists():
            try:
                self._run("pg_ctl", "stop", "-m", "immediate", "-D", str(self.data))
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres", *, driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; returns its name."""
        import psycopg

        name = f"t{next(self._names)}_{os.getpid()}"
        with psycopg.connect(self.url(driver="postgresql"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name


def _unavailable(reason: str) -> None:
    if os.environ.get("SPRIXEN_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required (SPRIXEN_REQUIRE_POSTGRES=1): {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_cluster():
    """A running PostgreSQL for the whole session (skips the test when none can start)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg (the PostgreSQL driver) is not installed")
    bindir = find_pg_bin()
    if bindir is None:
        _unavailable("PostgreSQL is not installed (no initdb/pg_ctl; Debian: apt-get install postgresql)")
    cluster = PgCluster(bindir)
    try:
        cluster.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired, KeyError) as exc:
        cluster.stop()
        _unavailable(f"PostgreSQL ({bindir}) could not start: {exc}")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """A fresh PostgreSQL database for one test (``postgresql+psycopg://…``)."""
    return pg_cluster.url(pg_cluster.create_database())
