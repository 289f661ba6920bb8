"""What the ``sprixen`` command modules share: the stderr console and the error exit."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.text import Text

from .errors import SprixenError

err = Console(stderr=True)


def fail(exc: SprixenError, *, code: int | None = None) -> None:
    """Print ``exc``'s message on stderr and exit: 2 for bad input (400), else 1 unless ``code``.

    The message is plain text: "[weights.paths]" must not be read as rich markup.
    """
    err.print(Text("error: ", style="bold red") + Text(exc.message), highlight=False, soft_wrap=True)
    raise typer.Exit(code if code is not None else (2 if exc.status_code == 400 else 1))
