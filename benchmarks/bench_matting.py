"""Benchmark: classic background removal against OpenCV GrabCut, on scenes with known masks.

Each scene is a 1024x1024 figure of flat-coloured parts (one part 12-17 ΔE from the light
backgrounds, thin parts, a ring) drawn at 4x and area-averaged, so every pixel has a known
coverage ``a`` and colour ``F``; the image is ``a F + (1 - a) B`` over one of seven
backgrounds: flat, vertical gradient, radial gradient, Gaussian noise (sigma 12), colourful
blotchy texture, and painted checkerboards of 8 and 16 px squares. Over checkerboards the
ring is closed and its hole shows the pattern; elsewhere it is open, because
``remove_background`` keeps enclosed regions of a smooth background's colour by design
(they could be eyes or teeth), which a ground-truth mask would count as errors.

Measured in the same run, on the same images, both on one OpenCV thread:

- ``classic``: :func:`sprixen_engine.core.matting.remove_background` (defaults);
  median of ``repeats`` timed runs after a warm-up.
- ``grabcut``: ``cv2.grabCut`` initialised with a rectangle 2 % inside the border,
  5 iterations; one timed run (it takes seconds).

Run alone: ``python benchmarks/bench_matting.py [--quick]`` prints a markdown table.

Reported per background kind: ms per image, mask IoU (``alpha >= 128`` against
``a >= 0.5``; mean and minimum) and the edge colour error (mean over partly covered
pixels the method keeps of the largest channel difference to ``F``; GrabCut keeps the
composited colours, halo included). Targets: flat backgrounds in at most 20 ms, IoU at
least 0.97 everywhere.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the test's background makers
try:
    import sprixen_engine  # noqa: F401
except ImportError:  # running from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sprixen_engine.core.matting import remove_background  # noqa: E402
from test_matting import _background  # noqa: E402

SIZE = 1024
KINDS = ("flat", "vertical", "radial", "noise", "texture", "checker8", "checker16")
TARGET_FLAT_MS = 20.0
TARGET_IOU = 0.97
_CLOSE = (214, 198, 182)  # 12-17 ΔE from the flat, radial and checker backgrounds
FIGURES = (  # parts: (shape, geometry in % of the side, colour)
    (  # a standing figure with a sword
        ("ellipse", (50, 55, 16, 22), (200, 60, 50)),
        ("circle", (50, 27, 10), _CLOSE),
        ("rect", (38, 72, 46, 90), (60, 90, 200)),
        ("rect", (54, 72, 62, 90), (60, 90, 200)),
        ("rect", (20, 40, 34, 46), (40, 150, 70)),
        ("line", (66, 50, 88, 18, 0.6), (240, 200, 60)),
        ("ring", (22, 64, 9, 2.5), (90, 60, 40)),
    ),
    (  # a four-legged creature with horns and a tail
        ("ellipse", (48, 55, 26, 13), (120, 80, 160)),
        ("circle", (78, 42, 9), _CLOSE),
        ("rect", (28, 62, 33, 84), (70, 50, 40)),
        ("rect", (40, 64, 45, 86), (70, 50, 40)),
        ("rect", (55, 64, 60, 86), (70, 50, 40)),
        ("rect", (66, 62, 71, 84), (70, 50, 40)),
        ("line", (80, 34, 86, 20, 0.5), (245, 240, 220)),
        ("line", (74, 34, 70, 21, 0.5), (245, 240, 220)),
        ("line", (23, 52, 8, 36, 1.5), (120, 80, 160)),
        ("ring", (30, 24, 8, 2), (230, 170, 40)),
    ),
    (  # a potion, a key and a shield
        ("circle", (35, 62, 17), (50, 160, 140)),
        ("rect", (30, 30, 40, 46), _CLOSE),
        ("rect", (28, 24, 42, 30), (110, 70, 40)),
        ("ellipse", (72, 48, 14, 20), (170, 170, 185)),
        ("ellipse", (72, 48, 9, 14), (180, 40, 60)),
        ("line", (60, 84, 90, 84, 0.8), (220, 180, 50)),
        ("rect", (84, 84, 88, 92), (220, 180, 50)),
        ("ring", (55, 84, 6, 2), (220, 180, 50)),
    ),
)


def _scene(figure: int, kind: str, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """RGBA image (SIZE, SIZE, 4) uint8, coverage (SIZE, SIZE) float, colours (SIZE, SIZE, 3)."""
    big = SIZE * 4
    u = big / 100
    colour = np.zeros((big, big, 3), np.float32)
    cover = np.zeros((big, big), np.uint8)
    for shape, geo, rgb in FIGURES[figure]:
        m = np.zeros((big, big), np.uint8)
        g = [round(v * u) for v in geo]
        if shape == "ellipse":
            cv2.ellipse(m, (g[0], g[1]), (g[2], g[3]), 0, 0, 360, 1, -1)
        elif shape == "circle":
            cv2.circle(m, (g[0], g[1]), g[2], 1, -1)
        elif shape == "rect":
            cv2.rectangle(m, (g[0], g[1]), (g[2], g[3]), 1, -1)
        elif shape == "line":
            cv2.line(m, (g[0], g[1]), (g[2], g[3]), 1, g[4])
        else:  # closed over a checkerboard, open (a C) elsewhere
            arc = (0, 360) if kind.startswith("checker") else (40, 320)
            cv2.ellipse(m, (g[0], g[1]), (g[2], g[2]), 0, *arc, 1, g[3])
        colour[m > 0] = rgb
        cover[m > 0] = 1
    a = cv2.resize(cover.astype(np.float32), (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    fg = cv2.resize(colour * cover[..., None], (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    fg /= np.maximum(a, 1e-6)[..., None]
    rgb = a[..., None] * fg + (1 - a[..., None]) * _background(kind, SIZE, seed, phase=seed)
    rgba = np.dstack([np.clip(np.rint(rgb), 0, 255).astype(np.uint8), np.full(a.shape, 255, np.uint8)])
    return rgba, a, fg




def _grabcut(rgba: np.ndarray) -> np.ndarray:
    """The baseline: rectangle 2 % inside the border, 5 iterations; (H, W) bool foreground."""
    h, w = rgba.shape[:2]
    mx, my = round(0.02 * w), round(0.02 * h)
    mask = np.zeros((h, w), np.uint8)
    bgd, fgd = np.zeros((1, 65)), np.zeros((1, 65))
    rgb = np.ascontiguousarray(rgba[..., :3])
    cv2.grabCut(rgb, mask, (mx, my, w - 2 * mx, h - 2 * my), bgd, fgd, 5, cv2.GC_INIT_WITH_RECT)
    return (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)


def _scores(keep: np.ndarray, colours: np.ndarray, a: np.ndarray, fg: np.ndarray) -> tuple[float, float]:
    """(mask IoU, edge colour error) of a result keeping ``keep`` with ``colours``."""
    truth = a >= 0.5
    iou = float((keep & truth).sum() / (keep | truth).sum())
    edge = (a > 0.05) & (a < 0.95) & keep
    error = float(np.abs(colours.astype(np.float32) - fg)[edge].max(axis=1).mean())
    return iou, error


def run(quick: bool = False) -> dict:
    """Run the benchmark; ``quick``: one figure per background kind instead of three.

    Returns a JSON-ready dict: per-kind ``rows``, the ``targets`` and whether they are met,
    and the same as a ``markdown`` table.
    """
    repeats = 3 if quick else 5
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    results: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    try:
        for k, kind in enumerate(KINDS):
            for figure in [k % len(FIGURES)] if quick else range(len(FIGURES)):
                rgba, a, fg = _scene(figure, kind, seed=figure + k)
                remove_background(rgba)  # warm-up
                times = []
                for _ in range(repeats):
                    start = time.perf_counter()
                    out = remove_background(rgba)
                    times.append(time.perf_counter() - start)
                start = time.perf_counter()
                keep = _grabcut(rgba)
                grabcut_s = time.perf_counter() - start
                ours = _scores(out[..., 3] >= 128, out[..., :3], a, fg)
                theirs = _scores(keep, rgba[..., :3], a, fg)
                results[kind].append(
                    {
                        "ms": 1000 * float(np.median(times)),
                        "iou": ours[0],
                        "edge": ours[1],
                        "gc_ms": 1000 * grabcut_s,
                        "gc_iou": theirs[0],
                        "gc_edge": theirs[1],
                    }
                )
    finally:
        cv2.setNumThreads(threads)

    rows = []
    for kind, runs in results.items():
        mean = {key: float(np.mean([r[key] for r in runs])) for key in runs[0]}
        rows.append(
            {
                "background": kind,
                "images": len(runs),
                "classic_ms": round(mean["ms"], 2),
                "classic_iou": round(mean["iou"], 4),
                "classic_iou_min": round(min(r["iou"] for r in runs), 4),
                "classic_edge_error": round(mean["edge"], 1),
                "grabcut_ms": round(mean["gc_ms"], 1),
                "grabcut_iou": round(mean["gc_iou"], 4),
                "grabcut_iou_min": round(min(r["gc_iou"] for r in runs), 4),
                "grabcut_edge_error": round(mean["gc_edge"], 1),
                "speedup": round(mean["gc_ms"] / mean["ms"], 1),
            }
        )
    flat_ms = next(r["classic_ms"] for r in rows if r["background"] == "flat")
    worst_iou = min(r["classic_iou_min"] for r in rows)
    result = {
        "benchmark": "matting",
        "quick": quick,
        "size": f"{SIZE}x{SIZE}",
        "images": sum(r["images"] for r in rows),
        "opencv_threads": 1,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs",
        "rows": rows,
        "targets": {
            "flat_ms": TARGET_FLAT_MS,
            "flat_ms_met": flat_ms <= TARGET_FLAT_MS,
            "iou": TARGET_IOU,
            "iou_met": worst_iou >= TARGET_IOU,
        },
    }
    result["markdown"] = markdown(result)
    return result


def markdown(result: dict) -> str:
    """The result as a markdown table."""
    header = (
        "| background | images | classic ms | GrabCut ms | speed-up | classic IoU (min) "
        "| GrabCut IoU (min) | classic edge err | GrabCut edge err |"
    )
    lines = [
        f"### Matting: classic vs GrabCut ({result['images']} images, {result['size']}, 1 OpenCV thread)",
        "",
        header,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['background']} | {r['images']} | {r['classic_ms']:.1f} | {r['grabcut_ms']:.0f} "
            f"| {r['speedup']:.0f}x | {r['classic_iou']:.4f} ({r['classic_iou_min']:.4f}) "
            f"| {r['grabcut_iou']:.4f} ({r['grabcut_iou_min']:.4f}) | {r['classic_edge_error']:.1f} "
            f"| {r['grabcut_edge_error']:.1f} |"
        )
    t = result["targets"]
    met = {True: "met", False: "NOT met"}
    lines += [
        "",
        (
            f"Targets: flat <= {t['flat_ms']:.0f} ms: {met[t['flat_ms_met']]}; IoU >= {t['iou']}: "
            f"{met[t['iou_met']]}. Edge error: mean largest channel difference (0-255) to the true "
            f"colour over the partly covered pixels kept. Machine: {result['machine']}."
        ),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv)["markdown"])
