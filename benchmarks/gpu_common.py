"""Pieces the GPU benchmark scripts (``gpu_sdxl.py``, ``gpu_musicgen.py``, ``gpu_rmbg.py``) share: table cells, CUDA sync,
machine description, result files and joining runs (``--merge``). Imported by the scripts from their own
folder; no torch import until a function needs it."""

from __future__ import annotations

import importlib
import json
import platform
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def fmt(v: Any, digits: int = 3) -> str:
    """A markdown table cell: ``–`` for None, yes/no, ``digits`` significant digits for floats."""
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return str(v)


def sync(cuda: bool) -> None:
    """Wait for queued CUDA work (timings stop only when the GPU is done)."""
    if cuda:
        import torch

        torch.cuda.synchronize()


def tests_dir_on_path() -> None:
    """Make ``tests/`` importable (the ``--tiny`` runs reuse the tests' tiny-model builders)."""
    tests = str(ROOT / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)


def machine_info(cuda: bool, library: str) -> dict[str, Any]:
    """Python, platform, torch and ``library`` versions, and the GPU's name and memory when ``cuda``."""
    import torch

    info = {"python": platform.python_version(), "platform": platform.platform(), "torch": torch.__version__,
            library: importlib.import_module(library).__version__, "gpu": None}
    if cuda:
        props = torch.cuda.get_device_properties(0)
        info.update(gpu=torch.cuda.get_device_name(0), gpu_memory_gib=round(props.total_memory / 2**30, 1),
                    cuda=torch.version.cuda)
    return info


def table_head(title: str, tiny: bool, *, smoke: str = "tiny smoke run") -> str:
    """The first line of a result's markdown: ``title``, flagged when the run was a ``--tiny`` smoke run."""
    return title + (f" · **{smoke}: not a performance figure**" if tiny else "")


def targets_and_anchors(result: dict[str, Any], anchors: dict[str, str]) -> list[str]:
    """Markdown lines for the result's targets table (when any) and the published anchors."""
    lines: list[str] = []
    if result.get("targets"):
        lines += ["", "| target | goal | measured | from | met |", "|---|---|---|---|---|"]
        lines += [f"| {t['target']} | {t['goal']} | {fmt(t['measured'])} | {t['from']} | {fmt(t['met'])} |"
                  for t in result["targets"]]
    return lines + ["", "Published anchors: " + "; ".join(f"{k}: {v}" for k, v in result.get("anchors", anchors).items())]


def write(result: dict[str, Any], out: Path) -> None:
    """``out`` (JSON) and ``out`` with ``.md`` (the result's markdown table)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    out.with_suffix(".md").write_text(result["markdown"], encoding="utf-8")


def load_runs(paths: list[Path]) -> list[dict[str, Any]]:
    """The JSON results of several runs, refusing runs from different GPUs (they cannot be compared)."""
    parts = [json.loads(Path(p).read_text(encoding="utf-8")) for p in paths]
    gpus = {p["machine"].get("gpu") for p in parts}
    if len(gpus) > 1:
        raise SystemExit(f"--merge: runs from different machines ({', '.join(map(str, gpus))}) cannot be compared")
    return parts
