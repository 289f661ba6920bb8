"""Benchmark: pseudo-pixel-art recovery (``core.pixelgrid.pixelize``) against PyPI peers.

The data set is made like the tests make theirs (``tests/test_pixelize.py``): numpy-drawn
sprites on a transparent grid of ``n x n`` cells, drawn at ``1024 / n`` px per cell (a
non-integer size) with a random sub-pixel shift, Gaussian blur, colour noise and a JPEG
round trip. Half the images keep a (blurred) alpha channel, half sit on an opaque background.

Measured for every method on the same images, one core (``cv2.setNumThreads(1)``):

* ms per 1024x1024 image (ours: median of 3 calls per image; peers: one call each, since
  they take 0.2-3 s; pixel-snapper's time includes decoding the PNG its API takes);
* foreground-cell accuracy (see ``cell_accuracy`` in the tests): an output whose grid has
  another size is resampled onto the true grid with nearest neighbour, and the rate of such
  cell-count mismatches is reported too; a peer that raises scores 0 on that image.

Run alone: ``python benchmarks/bench_pixelize.py [--quick]`` prints a markdown table.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from importlib.metadata import version
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the test-made sprites, degradation and metric
try:
    import sprixen_engine  # noqa: F401
except ImportError:  # running from a checkout without the package installed
    sys.path.insert(0, str(ROOT / "src"))

from sprixen_engine.core.pixelgrid import pixelize  # noqa: E402
from test_pixelize import _lab, cell_accuracy, degrade, make_sprite  # noqa: E402

SIZE = 1024
PEERS = ("proper-pixel-art", "pixel-snapper")


def make_set(count: int, seed: int = 0) -> list[dict]:
    """``count`` degraded 1024x1024 images with their true grids (see the module docstring)."""
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(count):
        n = int(rng.integers(32, 81))  # cells per side: 12.8-32 px cells
        sw, sh = int(rng.integers(16, n - 1)), int(rng.integers(16, n - 1))
        sprite = make_sprite(seed * 1000 + i, size=(sw, sh))
        left, top = int(rng.integers(1, n - sw)), int(rng.integers(1, n - sh))
        grid = np.pad(sprite, ((top, n - sh - top), (left, n - sw - left), (0, 0)))
        background = None
        if i % 2:  # an opaque background colour well away from the sprite's colours
            used = _lab(np.unique(sprite[sprite[:, :, 3] > 0][:, :3], axis=0))
            while background is None or np.linalg.norm(used - _lab(np.array(background)), axis=1).min() < 20:
                background = tuple(int(v) for v in rng.integers(0, 256, 3))
        shift = tuple(rng.uniform(-0.3, 0.3, 2) * SIZE / n)
        image, truth = degrade(grid, factor=SIZE / n, margin=0, shift=shift,
                               sigma=float(rng.uniform(0.8, 1.5)), noise=float(rng.uniform(3, 8)), quality=85,
                               background=background, seed=seed * 1000 + i)
        cases.append({"image": image, "truth": truth, "mask": grid[:, :, 3] > 0, "cells": n})
    return cases


def _ours(image: np.ndarray) -> tuple[np.ndarray, float]:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        out = pixelize(image)
        times.append(time.perf_counter() - start)
    return out, statistics.median(times)


def _proper_pixel_art(image: np.ndarray) -> tuple[np.ndarray, float]:
    from proper_pixel_art import pixelate

    pil = Image.fromarray(image)
    start = time.perf_counter()
    result = pixelate(pil)
    elapsed = time.perf_counter() - start
    return np.asarray(result.image.convert("RGBA")), elapsed


def _pixel_snapper(image: np.ndarray) -> tuple[np.ndarray, float]:
    from pixel_snapper import PixelSnapperConfig, process_image

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG", compress_level=1)
    start = time.perf_counter()
    out = process_image(buf.getvalue(), PixelSnapperConfig())
    elapsed = time.perf_counter() - start
    return np.asarray(Image.open(io.BytesIO(out)).convert("RGBA")), elapsed


METHODS = {"sprixen": _ours, "proper-pixel-art": _proper_pixel_art, "pixel-snapper": _pixel_snapper}


def run(quick: bool = False) -> dict:
    """Run the benchmark; returns a JSON-ready dict whose ``"markdown"`` is :func:`markdown`'s table.

    ``quick`` uses 4 images instead of 16.
    """
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        cases = make_set(4 if quick else 16)
        methods = {}
        for name, method in METHODS.items():
            accuracy, times, mismatches, failures = [], [], 0, []
            for k, case in enumerate(cases):
                try:
                    out, elapsed = method(case["image"])
                except Exception as exc:  # noqa: BLE001 - a peer failing counts as a miss, not a crash
                    failures.append(f"image {k}: {type(exc).__name__}: {exc}"[:200])
                    accuracy.append(0.0)
                    continue
                times.append(elapsed * 1000)
                mismatches += out.shape[:2] != case["truth"].shape[:2]
                accuracy.append(cell_accuracy(out, case["truth"], case["mask"]))
            methods[name] = {
                "version": "local" if name == "sprixen" else version(name),
                "ms_per_image": round(statistics.mean(times), 2) if times else None,
                "accuracy": round(statistics.mean(accuracy), 4),
                "min_accuracy": round(min(accuracy), 4),
                "count_mismatch_rate": round(mismatches / len(cases), 4),
                "failures": failures,
            }
    finally:
        cv2.setNumThreads(threads)
    ours = methods["sprixen"]
    result = {
        "benchmark": "pixelize",
        "images": len(cases),
        "image_size": f"{SIZE}x{SIZE}",
        "cells_per_side": [c["cells"] for c in cases],
        "methods": methods,
        "speedup_vs": {peer: round(methods[peer]["ms_per_image"] / ours["ms_per_image"], 1)
                       for peer in PEERS if methods[peer]["ms_per_image"]},
        "targets": {
            "ms_per_image<=30": ours["ms_per_image"] <= 30,
            "accuracy>=0.95": ours["accuracy"] >= 0.95,
            "speedup_vs_proper-pixel-art>=40": methods["proper-pixel-art"]["ms_per_image"] is not None
            and methods["proper-pixel-art"]["ms_per_image"] / ours["ms_per_image"] >= 40,
            "accuracy_above_peers": all(ours["accuracy"] > methods[p]["accuracy"] for p in PEERS),
        },
    }
    result["markdown"] = markdown(result)
    return result


def markdown(result: dict) -> str:
    """A markdown table of :func:`run`'s result."""
    lines = [f"### pixelize: {result['images']} degraded {result['image_size']} images, one core", "",
             ("| method | version | ms / image | speed-up of ours | accuracy (mean / min) "
              "| cell-count mismatch | failures |"),
             "|---|---|---:|---:|---:|---:|---:|"]
    for name, m in result["methods"].items():
        speedup = "-" if name == "sprixen" else f"{result['speedup_vs'].get(name, float('nan')):.1f}x"
        ms = "-" if m["ms_per_image"] is None else f"{m['ms_per_image']:.1f}"
        lines.append(f"| {name} | {m['version']} | {ms} | {speedup} "
                     f"| {m['accuracy']:.3f} / {m['min_accuracy']:.3f} "
                     f"| {m['count_mismatch_rate']:.0%} | {len(m['failures'])} |")
    met = (f"{k} {'met' if v else 'NOT met'}" for k, v in result["targets"].items())
    lines += ["", "Targets: " + ", ".join(met)]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv)["markdown"])
