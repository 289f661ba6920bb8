"""Procedural sprite generation throughput at 32x32 on one core.

Ours: ``Engine.generate`` end to end (prompt parsing, rendering, background-removal pass,
resize, result objects) over a mix of prompts covering every archetype, items and props.
Baseline, same process: a trivial "placeholder sprite" made with PIL ImageDraw (an ellipse
head, a rectangle body and four limb lines) — the cheapest sprite a tool could make.
Target: ≥ 200 sprites/s.
"""

from __future__ import annotations

import time

import numpy as np
from PIL import Image, ImageDraw

PROMPTS = [
    "a knight with a sword and shield", "a wizard", "an archer", "a skeleton", "an orc", "a robot",
    "a grey wolf", "a horse", "a red dragon", "a bat", "a green slime", "a ghost", "a snake", "a worm",
    "a steel sword", "a health potion", "a golden key", "a treasure chest", "an oak tree", "a mossy rock",
    "a wooden barrel", "a mushroom", "a crate", "a torch",
]


def _baseline_sprite(rng: np.random.Generator) -> Image.Image:
    img = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    c = tuple(int(v) for v in rng.integers(0, 255, 3))
    d.ellipse((11, 2, 21, 12), fill=c + (255,), outline=(0, 0, 0, 255))
    d.rectangle((11, 12, 21, 22), fill=c + (255,), outline=(0, 0, 0, 255))
    for x0, y0, x1, y1 in ((11, 13, 6, 20), (21, 13, 26, 20), (13, 22, 12, 30), (19, 22, 20, 30)):
        d.line((x0, y0, x1, y1), fill=(0, 0, 0, 255), width=2)
    return img


def _rate(fn, n: int) -> float:
    t0 = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - t0)


def run(quick: bool = False) -> dict:
    from sprixen_engine import Engine

    engine = Engine()
    n = 240 if quick else 1200
    # warm caches (catalogue, numba, renderer modules) before timing
    for p in PROMPTS:
        engine.generate(p, resolution="32x32", seed=0, backend="procedural")
    ours = _rate(lambda i: engine.generate(PROMPTS[i % len(PROMPTS)], resolution="32x32", seed=i,
                                           backend="procedural"), n)
    rng = np.random.default_rng(0)
    base = _rate(lambda i: _baseline_sprite(rng), n)
    ours64 = _rate(lambda i: engine.generate(PROMPTS[i % len(PROMPTS)], resolution="64x64", seed=i,
                                             backend="procedural"), n // 4)
    return {
        "rows": [
            {"metric": "sprites/s at 32x32 (end to end)", "ours": round(ours, 1),
             "baseline (PIL ImageDraw placeholder)": round(base, 1), "ratio ours/baseline": round(ours / base, 3),
             "target": ">= 200", "met": ours >= 200},
            {"metric": "sprites/s at 64x64 (end to end)", "ours": round(ours64, 1), "target": "-"},
        ],
        "notes": [f"{n} generations over {len(PROMPTS)} prompts; one thread."],
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
