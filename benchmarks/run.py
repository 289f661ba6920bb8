"""Benchmark runner: runs every ``benchmarks/bench_*.py`` module's ``run(quick)`` on one core.

Writes ``benchmarks/results/latest.json`` and ``latest.md``. Each module measures its named
baseline in the same process and reports ratios against it; targets are reported, never asserted.

    python benchmarks/run.py [--quick] [names...]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(var, "1")

HERE = Path(__file__).resolve().parent


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = module        # so process pools can pickle the module's functions
    spec.loader.exec_module(module)
    return module


def _markdown(name: str, result: dict) -> str:
    if isinstance(result.get("markdown"), str):
        return f"## {name}\n\n{result['markdown']}\n"
    rows = result.get("rows") or []
    if not rows:
        return f"## {name}\n\n```json\n{json.dumps(result, indent=2, default=str)}\n```\n"
    keys = list(dict.fromkeys(k for r in rows for k in r))
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        lines.append("| " + " | ".join(_fmt(r.get(k, "")) for k in keys) + " |")
    notes = "\n".join(f"- {n}" for n in result.get("notes", []))
    return f"## {name}\n\n" + "\n".join(lines) + ("\n\n" + notes if notes else "") + "\n"


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", help="bench module names without the bench_ prefix")
    ap.add_argument("--quick", action="store_true", help="smaller sets, for a smoke run")
    args = ap.parse_args(argv)
    try:
        import cv2

        cv2.setNumThreads(1)
    except ImportError:
        pass
    sys.path.insert(0, str(HERE))
    files = sorted(HERE.glob("bench_*.py"))
    if args.names:
        files = [f for f in files if f.stem.removeprefix("bench_") in args.names]
    results = {"machine": {"python": platform.python_version(), "platform": platform.platform(),
                           "cpu_threads": 1}, "started": time.strftime("%Y-%m-%dT%H:%M:%S"), "benchmarks": {}}
    md = ["# Benchmark results", "", f"{results['started']} · {platform.platform()} · one thread", ""]
    for f in files:
        name = f.stem.removeprefix("bench_")
        print(f"running {name} ...", flush=True)
        t0 = time.perf_counter()
        result = _load(f).run(quick=args.quick)
        result["wall_s"] = round(time.perf_counter() - t0, 2)
        results["benchmarks"][name] = result
        section = _markdown(name, result)
        md.append(section)
        print(section, flush=True)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    (out / "latest.md").write_text("\n".join(md))
    print(f"wrote {out / 'latest.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
