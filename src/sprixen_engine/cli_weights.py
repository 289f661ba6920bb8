"""``sprixen weights``: list, import and verify model weights (nothing is ever downloaded).

Registered in :mod:`sprixen_engine.cli` with ``app.add_typer(weights_app, name="weights")``.
Errors exit with status 2 and one message; ``verify`` exits 1 when a file is mismatched or missing.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from .cli_common import fail
from .errors import SprixenError

weights_app = typer.Typer(add_completion=False, no_args_is_help=True,
                          help="List, import and verify model weights (never downloads).")


def _out() -> Console:
    return Console()


def _registry():
    from .backends.weights import registry_from_config

    return registry_from_config()


def human_size(n: int) -> str:
    """``1536`` → ``"1.5 KiB"``."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


@weights_app.command("list")
def list_weights() -> None:
    """Show every model of configs/models.toml: present or missing, size, licence, user, path."""
    try:
        rows = _registry().status()
    except SprixenError as exc:
        fail(exc, code=2)
        return
    table = Table(title="model weights", title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("size", no_wrap=True, justify="right")
    for col in ("licence", "used by", "path"):
        table.add_column(col, overflow="fold")
    for r in rows:
        lic = r.license + (" [bold yellow](non-commercial)[/]" if r.non_commercial else "")
        table.add_row(r.id, "[green]present[/]" if r.present else "[red]missing[/]",
                      human_size(r.size_bytes) if r.present else "-", lic, r.used_by,
                      str(r.path) if r.path else "-")
    out = _out()
    out.print(table)
    n = sum(r.present for r in rows)
    out.print(f"{n} of {len(rows)} present. Place weights with `sprixen weights import PATH --as ID`.",
              highlight=False)


@weights_app.command("import")
def import_weights(
    path: Path = typer.Argument(..., help="A weights file, a model folder or a Hugging Face cache snapshot."),
    model_id: str = typer.Option(..., "--as", help="The model id (see `sprixen weights list`)."),
    copy: bool = typer.Option(False, "--copy", help="Copy the files instead of hard-linking them."),
    to: Path | None = typer.Option(None, "--to", help="Weights root to import into "
                                   "(default: $SPRIXEN_WEIGHTS, else weights/)."),
) -> None:
    """Place a model's files under <weights root>/<ID>/ (hard links where possible)."""
    try:
        registry = _registry()
        res = registry.import_weights(path, model_id, mode="copy" if copy else "link", dest_root=to)
        active = registry.locate(model_id)
    except SprixenError as exc:
        fail(exc, code=2)
        return
    out = _out()
    verb = "replaced" if res.replaced else "imported"
    out.print(f"[green]{verb}[/] {model_id} → {res.path} ({res.files} files, {human_size(res.size_bytes)}; "
              f"{res.linked} linked, {res.copied} copied)", highlight=False, soft_wrap=True)
    if active is not None and active != res.path:
        out.print(f"note: {model_id} still resolves to {active}, which comes first in the search order",
                  highlight=False, soft_wrap=True)
    spec = registry.spec(model_id)
    if spec.non_commercial:
        out.print(f"licence: {spec.license} — non-commercial use only", highlight=False)


@weights_app.command("verify")
def verify(model_id: str | None = typer.Argument(None, help="Model id; all installed models when omitted.")) -> None:
    """Check file hashes against configs/models.toml (exit 1 on a mismatch or a missing file)."""
    try:
        rows = _registry().verify(model_id)
    except SprixenError as exc:
        fail(exc, code=2)
        return
    out = _out()
    style = {"ok": "green", "mismatch": "bold red", "missing": "red", "no-hash": "yellow"}
    for r in rows:
        line = f"[{style[r.status]}]{r.status:>8}[/] {r.model_id} {r.file}"
        if r.status == "mismatch":
            line += f" (expected {r.expected}, got {r.actual})"
        out.print(line, highlight=False, soft_wrap=True)
    if not rows:
        out.print("no installed models to verify", highlight=False)
    counts = {s: sum(r.status == s for r in rows) for s in ("ok", "mismatch", "no-hash", "missing")}
    out.print(", ".join(f"{v} {k}" for k, v in counts.items()), highlight=False)
    if counts["mismatch"] or counts["missing"]:
        raise typer.Exit(1)
