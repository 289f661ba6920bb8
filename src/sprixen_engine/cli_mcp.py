"""``sprixen mcp``: the MCP tools over stdio, for agents that start their tools as a subprocess.

The tools run in this process against the same database as ``sprixen serve`` (``--data``/``--database``),
as the key given with ``--key`` (or ``$SPRIXEN_API_KEY``). Jobs are run by in-process workers
(``--workers``, default 1; 0 leaves them to a running ``sprixen serve`` or ``sprixen worker``).
Result URLs start with ``--public-url``; by default they are ``file://`` URLs of the files in the
data folder. Registered in :mod:`sprixen_engine.cli`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from .cli_server import DataOpt, DbOpt, server_settings
from .errors import SprixenError


def mcp(key: str = typer.Option(..., "--key", envvar="SPRIXEN_API_KEY", show_default=False,
                                help="API key (spx_live_…) the tools act as. Default: $SPRIXEN_API_KEY."),
        data: Path | None = DataOpt, database: str | None = DbOpt,
        workers: int = typer.Option(1, help="In-process job workers (0: leave jobs to `sprixen serve`/`worker`)."),
        public_url: str = typer.Option("", help="Base of the URLs in results, e.g. http://127.0.0.1:3001 when "
                                                "`sprixen serve` serves the same data folder. Default: file:// "
                                                "URLs into the data folder.")) -> None:
    """Serve the MCP tools over stdio (for `claude mcp add … -- sprixen mcp --key …`)."""
    import anyio

    from .server.app import background_work
    from .server.keys import authenticate
    from .server.mcp_tools import stdio_server
    from .server.state import AppState

    settings = server_settings(data, database, workers=workers, public_url=public_url, print_new_key=False)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    state = AppState(settings)
    try:
        key_info = authenticate(state.db, f"Bearer {key.strip()}")
    except SprixenError as exc:
        print(f"sprixen mcp: {exc.message}", file=sys.stderr, flush=True)
        raise typer.Exit(2) from None
    base_url = public_url or settings.data_dir.resolve().as_uri()
    server = stdio_server(state, key_info, base_url)
    try:
        with background_work(state, enabled=workers > 0):
            anyio.run(server.run_stdio_async)
    except KeyboardInterrupt:
        pass
    finally:
        state.db.dispose()
