"""Import time in a fresh interpreter (best of 5): the package, and the Engine facade. Target: < 0.5 s.

Baseline, same run: ``import json`` (an interpreter start-up floor), so the ratio shows the
package's own cost.
"""

from __future__ import annotations

import subprocess
import sys


def _best(statement: str, n: int = 5) -> float:
    code = f"import time; t=time.perf_counter(); {statement}; print(time.perf_counter()-t)"
    return min(float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                    check=True).stdout) for _ in range(n))


def run(quick: bool = False) -> dict:
    base = _best("import json")
    rows = []
    for statement in ("import sprixen_engine", "from sprixen_engine import Engine"):
        ours = _best(statement)
        rows.append({"metric": f"`{statement}` (s)", "ours": round(ours, 4), "baseline (import json)": round(base, 4),
                     "target": "< 0.5 s", "met": ours < 0.5})
    return {"rows": rows}


if __name__ == "__main__":
    print(run())
