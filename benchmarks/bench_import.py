"""``import sprixen_engine`` time in a fresh interpreter (best of 5). Target: < 0.5 s.

Baseline, same run: ``import json`` (an interpreter start-up floor), so the ratio shows the
package's own cost.
"""

from __future__ import annotations

import subprocess
import sys


def _best(module: str, n: int = 5) -> float:
    code = f"import time; t=time.perf_counter(); import {module}; print(time.perf_counter()-t)"
    return min(float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                    check=True).stdout) for _ in range(n))


def run(quick: bool = False) -> dict:
    ours, base = _best("sprixen_engine"), _best("json")
    return {"rows": [{"metric": "import time (s)", "ours": round(ours, 4), "baseline (import json)": round(base, 4),
                      "target": "< 0.5 s", "met": ours < 0.5}]}


if __name__ == "__main__":
    print(run())
