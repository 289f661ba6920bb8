"""``sprixen serve | worker | keys | credits``: the local REST server, external workers, API keys, credits.

Registered in :mod:`sprixen_engine.cli`. ``--data DIR`` picks the data folder (default ``$SPRIXEN_DATA``
or ``~/.local/share/sprixen-engine``), ``--database URL`` any SQLAlchemy URL (default: SQLite in DIR).
"""

from __future__ import annotations

import threading
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from .cli_common import fail
from .errors import SprixenError

DataOpt = typer.Option(None, "--data", help="Data folder (database, uploads). Default: $SPRIXEN_DATA or "
                                            "~/.local/share/sprixen-engine.")
DbOpt = typer.Option(None, "--database", help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db. "
                                              "Default: SQLite in the data folder.")


def require_server_extra() -> None:
    """Exit with an install hint when the server's packages (the ``server`` extra) are missing."""
    import importlib.util

    missing = [m for m in ("fastapi", "uvicorn", "sqlalchemy", "mcp") if importlib.util.find_spec(m) is None]
    if missing:
        from .errors import InvalidRequest

        fail(InvalidRequest(f"the server needs {', '.join(missing)}: pip install 'sprixen-engine[server]'"), code=1)


def server_settings(data: Path | None, database: str | None, **extra):
    """``ServerSettings`` from the common options (``extra`` overrides fields); checks the server extra."""
    require_server_extra()
    from .server.settings import ServerSettings, default_data_dir

    values = {"data_dir": Path(data).expanduser() if data else default_data_dir(), **extra}
    if database:
        values["database_url"] = normalise_database_url(database)
    return ServerSettings(**values)


def lease(stale_after: float) -> dict[str, float]:
    """Settings for a ``--stale-after`` of ``stale_after`` seconds: a running job's heartbeat comes at
    least 4 times within it (every 5 s by default), so only a dead worker's jobs are ever taken back."""
    return {"stale_after_s": stale_after, "heartbeat_s": min(5.0, stale_after / 4)}


StaleOpt = typer.Option(60.0, "--stale-after", min=0.1,
                        help="Seconds without a heartbeat before a running job is taken back (re-queued, or "
                             "failed after 2 attempts).")


def normalise_database_url(url: str) -> str:
    """``postgresql://…`` → ``postgresql+psycopg://…`` (psycopg 3 is the driver the extra installs)."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain):]
    return url


def _db(data: Path | None, database: str | None):
    from .server.db import Database

    settings = server_settings(data, database)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings, Database(settings.resolved_database_url())


def serve(host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
          port: int = typer.Option(3001, help="TCP port."),
          data: Path | None = DataOpt, database: str | None = DbOpt,
          workers: int = typer.Option(2, help="In-process job workers (0: leave jobs to `sprixen worker`)."),
          public_url: str = typer.Option("", help="Base of the URLs in responses (default: as called)."),
          starting_credits: int = typer.Option(100, help="Credits a new key starts with."),
          rate_limit: int = typer.Option(60, help="Requests per minute per key."),
          max_concurrent: int = typer.Option(5, help="Concurrent generations per key."),
          stale_after: float = StaleOpt,
          log_level: str = typer.Option("info", help="uvicorn log level.")) -> None:
    """Run the REST API v1 (Swagger UI at /api-docs) and the MCP endpoint (/v1/mcp)."""
    import uvicorn

    from .server.app import create_app

    try:
        settings = server_settings(data, database, host=host, port=port, workers=workers, public_url=public_url,
                                   starting_credits=starting_credits, rate_limit_per_minute=rate_limit,
                                   max_concurrent_jobs=max_concurrent, **lease(stale_after))
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        app = create_app(settings)
    except SprixenError as exc:
        fail(exc)
        return
    Console(stderr=True).print(f"sprixen serve: http://{host}:{port}  (docs: /api-docs, data: {settings.data_dir})",
                               highlight=False)
    uvicorn.run(app, host=host, port=port, log_level=log_level)


def worker(data: Path | None = DataOpt, database: str | None = DbOpt,
           threads: int = typer.Option(1, help="Worker threads in this process."),
           kinds: str = typer.Option("", help="Only these job kinds, comma-separated (generation, animation, "
                                              "tile, music, map_edit). Default: all."),
           max_jobs: int = typer.Option(0, help="Exit after this many jobs (0: run until stopped)."),
           stale_after: float = StaleOpt,
           poll: float = typer.Option(0.2, help="Seconds between polls of an empty queue.")) -> None:
    """Run jobs from a shared queue (use a PostgreSQL --database to run workers on other machines)."""
    from .server.jobs import JobQueue
    from .server.present import present_job
    from .server.state import AppState
    from .server.webhooks import WebhookSender
    from .server.worker import work_loop

    settings = server_settings(data, database, workers=threads, poll_interval_s=poll, **lease(stale_after))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    state = AppState(settings)
    queue = JobQueue(state.db, settings, presenter=present_job)
    stop = threading.Event()
    sender = WebhookSender(state.db, settings)
    sender.start()
    wanted = [k.strip() for k in kinds.split(",") if k.strip()] or None
    per_thread = None if max_jobs <= 0 else max_jobs
    ts = [threading.Thread(target=work_loop, args=(queue, state.engine, settings, stop),
                           kwargs={"kinds": wanted, "max_jobs": per_thread}, daemon=True) for _ in range(threads)]
    Console(stderr=True).print(f"sprixen worker: {threads} thread(s) on {settings.resolved_database_url()}",
                               highlight=False)
    for t in ts:
        t.start()
    try:
        for t in ts:
            while t.is_alive():
                t.join(0.5)
    except KeyboardInterrupt:
        stop.set()
    finally:
        stop.set()
        sender.shutdown()


keys_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Create, list and revoke API keys.")


@keys_app.command("create")
def keys_create(name: str = typer.Option("", help="A label for the key."),
                credits: int | None = typer.Option(None, help="Starting credits (default 100)."),
                data: Path | None = DataOpt, database: str | None = DbOpt) -> None:
    """Create a key and print it alone on stdout (it is stored hashed: this is the only time it is shown)."""
    from .server.keys import create_key

    settings, db = _db(data, database)
    key, _ = create_key(db, name=name, credits=settings.starting_credits if credits is None else credits)
    typer.echo(key)


@keys_app.command("list")
def keys_list(data: Path | None = DataOpt, database: str | None = DbOpt) -> None:
    """List keys (prefix, name, credits, state)."""
    from .server.db import iso
    from .server.keys import list_keys

    _, db = _db(data, database)
    table = Table("id", "prefix", "name", "credits", "created", "state")
    for row in list_keys(db):
        table.add_row(row.id, row.prefix + "…", row.name, str(row.credits), iso(row.created_at) or "",
                      "revoked" if row.revoked_at else "active")
    Console().print(table)


@keys_app.command("revoke")
def keys_revoke(key: str = typer.Argument(..., help="The key, its id, prefix or name."),
                data: Path | None = DataOpt, database: str | None = DbOpt) -> None:
    """Revoke a key: requests with it get 401 from now on."""
    from .server.keys import revoke_key

    _, db = _db(data, database)
    try:
        row = revoke_key(db, key)
    except SprixenError as exc:
        fail(exc)
        return
    typer.echo(f"revoked {row.id} ({row.prefix}…)")


credits_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Manage the credits of API keys.")


@credits_app.command("add")
def credits_add(amount: int = typer.Argument(..., help="Credits to add (negative to remove)."),
                key: str = typer.Option(..., "--key", help="The key, its id, prefix or name."),
                data: Path | None = DataOpt, database: str | None = DbOpt) -> None:
    """Add credits to a key and print the new balance."""
    from .server.keys import add_credits, find_key

    _, db = _db(data, database)
    try:
        row = find_key(db, key)
        typer.echo(str(add_credits(db, row.id, amount)))
    except SprixenError as exc:
        fail(exc)
