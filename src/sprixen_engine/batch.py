"""Offline batch generation: a file of requests in, a folder of sprites and a manifest out.

Input formats (one request per line / row):

- ``.txt``   one prompt per line (blank lines and ``#`` comments skipped);
- ``.jsonl`` one JSON object per line with any ``generate`` field (snake_case or camelCase);
- ``.csv``   a header row naming ``generate`` fields; ``packItems``/``pack_items`` split on ``|`` or ``,``.

Each row without a ``seed`` gets one derived from its content, so a re-run makes the same
images. ``manifest.json`` in the output folder records every row (done or error) and is
rewritten after each item; re-running skips rows already done with the same request.
"""

from __future__ import annotations

import csv
import json
import os
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import SprixenError, invalid
from .results import slug

MANIFEST = "manifest.json"
_INT_FIELDS = {"variant_count", "variantCount", "seed"}
_BOOL_FIELDS = {"no_base", "noBase", "skip_bg_removal", "skipBgRemoval"}
_LIST_FIELDS = {"pack_items", "packItems"}


@dataclass
class BatchRow:
    """One input row: its 1-based line number, the raw request fields, or a parse error."""

    line: int
    fields: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def key(self) -> str:
        """Content key of the row (stable across runs)."""
        return f"{zlib.crc32(json.dumps(self.fields, sort_keys=True, default=str).encode()):08x}"


def read_batch_file(path: str | Path) -> list[BatchRow]:
    """Parse a ``.txt``, ``.jsonl`` or ``.csv`` batch file into rows (bad rows carry an error)."""
    p = Path(path)
    if not p.is_file():
        raise invalid("file", "does not exist or is not a file", str(p))
    suffix = p.suffix.lower()
    if suffix not in (".txt", ".jsonl", ".csv"):
        raise invalid("file", "must end in .txt, .jsonl or .csv", p.name)
    text = p.read_text(encoding="utf-8-sig")
    return list(_rows(text, suffix))


def _rows(text: str, suffix: str) -> Iterator[BatchRow]:
    if suffix == ".txt":
        for n, line in enumerate(text.splitlines(), start=1):
            s = line.strip()
            if s and not s.startswith("#"):
                yield BatchRow(n, {"prompt": s})
    elif suffix == ".jsonl":
        for n, line in enumerate(text.splitlines(), start=1):
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            try:
                obj = json.loads(s)
            except json.JSONDecodeError as exc:
                yield BatchRow(n, error=f"line {n}: not valid JSON ({exc.msg})")
                continue
            if not isinstance(obj, dict):
                yield BatchRow(n, error=f"line {n}: must be a JSON object, got {type(obj).__name__}")
                continue
            yield BatchRow(n, obj)
    else:
        reader = csv.DictReader(text.splitlines())
        for n, rec in enumerate(reader, start=2):
            fields: dict[str, Any] = {}
            for k, v in rec.items():
                if k is None or v is None or v == "":
                    continue
                k = k.strip()
                fields[k] = _coerce(k, v.strip())
            yield BatchRow(n, fields)


def _coerce(key: str, value: str) -> Any:
    if key in _INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value  # validation names the field
    if key in _BOOL_FIELDS:
        return value.lower() in ("1", "true", "yes", "on")
    if key in _LIST_FIELDS:
        return [s.strip() for s in re.split(r"[|,]", value) if s.strip()]
    return value


def load_manifest(out_dir: Path) -> dict[str, Any]:
    path = out_dir / MANIFEST
    if path.exists():
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError:
            pass
    return {"version": 1, "items": {}}


def _write_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    tmp = out_dir / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2))
    os.replace(tmp, out_dir / MANIFEST)


def run_batch(engine: Any, rows: list[BatchRow], out_dir: str | Path, *, defaults: dict[str, Any] | None = None,
              on_progress: Callable[[int, BatchRow, str], None] | None = None) -> dict[str, Any]:
    """Generate every row into ``out_dir`` and keep ``manifest.json`` up to date.

    ``defaults`` are request fields applied where a row omits them (e.g. ``{"backend": "procedural"}``).
    ``on_progress(index, row, status)`` is called after each row with status ``done``,
    ``skipped`` or ``error``. Returns the manifest: ``items`` maps ``"line:<n>"`` to
    ``{status, key, request, id, files, error}`` and ``summary`` counts each status.
    """
    from .requests import GenerationRequest, parse_request

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    manifest = load_manifest(out)
    items: dict[str, Any] = manifest.setdefault("items", {})
    counts = {"done": 0, "skipped": 0, "error": 0}
    for i, row in enumerate(rows):
        slot = f"line:{row.line}"
        prev = items.get(slot)
        status = "done"
        if prev and prev.get("status") == "done" and prev.get("key") == row.key and \
                all((out / f).exists() for f in prev.get("files", [])):
            status = "skipped"
        elif row.error is not None:
            items[slot] = {"status": "error", "key": row.key, "error": row.error}
            status = "error"
        else:
            fields = {**(defaults or {}), **row.fields}
            fields.setdefault("seed", zlib.crc32(json.dumps(row.fields, sort_keys=True, default=str).encode()))
            try:
                request = parse_request(GenerationRequest, fields)
                result = engine.run_generation(request)
                folder = f"{row.line:05d}-{slug(request.prompt)}"
                files = [str(p.relative_to(out)) for p in result.save(out / folder)]
                items[slot] = {"status": "done", "key": row.key, "id": result.id, "seed": result.metadata["seed"],
                               "request": {k: v for k, v in fields.items() if k != "reference_image"},
                               "subject": result.metadata["interpretation"].get("subject"), "files": files}
            except SprixenError as exc:
                items[slot] = {"status": "error", "key": row.key, "error": str(exc)}
                status = "error"
            except Exception as exc:  # one broken row must never abort the batch
                items[slot] = {"status": "error", "key": row.key,
                               "error": f"internal error ({type(exc).__name__}: {exc})"}
                status = "error"
            _write_manifest(out, manifest)
        counts[status] += 1
        if on_progress is not None:
            on_progress(i, row, status)
    manifest["summary"] = counts
    _write_manifest(out, manifest)
    return manifest
