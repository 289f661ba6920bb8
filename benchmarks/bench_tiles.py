"""Isometric tiles and maps on one core.

Tiles — ours: texture synthesis (64×64, pixel style, several materials) + exact floor projection to
130×230. Baseline, same process: Pillow projecting an already-made texture with one
``Image.transform(AFFINE)`` (rotate 45°, squash 2:1) and pasting it — projection only, no texture.
Target: 1,000 floor tiles ≤ 2 s.

Maps — ours: ``generate_map`` 256×256 (noise biomes, rivers, roads, villages, decorations, collision) and
``export_map`` to every format. Baselines, same process: numpy fractal noise of the same size (the
cheapest terrain a generator could make) and ``json.dumps`` of the raw layer arrays (the cheapest export).
Targets: generate ≤ 1 s; export to every format ≤ 2 s.
"""

from __future__ import annotations

import json
import time

import numpy as np
from PIL import Image

MATERIALS = ["grass", "stone", "cobblestone", "water", "sand", "wood_planks", "brick", "lava", "snow", "dirt"]


def _pil_projection(texture: Image.Image) -> Image.Image:
    big = texture.resize((92, 92), Image.Resampling.NEAREST).rotate(45, expand=True, resample=Image.Resampling.NEAREST)
    diamond = big.resize((130, 66), Image.Resampling.NEAREST)
    canvas = Image.new("RGBA", (130, 230), (0, 0, 0, 0))
    canvas.paste(diamond, (0, 164), diamond)
    return canvas


def _noise(n: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros((n, n), np.float32)
    for octave in range(5):
        cells = 4 * 2**octave
        grid = rng.random((cells + 1, cells + 1)).astype(np.float32)
        idx = np.linspace(0, cells, n, endpoint=False)
        i0 = idx.astype(int)
        f = (idx - i0)[:, None]
        a = grid[i0][:, i0] * (1 - f.T) + grid[i0][:, i0 + 1] * f.T
        b = grid[i0 + 1][:, i0] * (1 - f.T) + grid[i0 + 1][:, i0 + 1] * f.T
        out += (a * (1 - f) + b * f) / 2**octave
    return out


def run(quick: bool = False) -> dict:
    from sprixen_engine.core.isometric import project_floor
    from sprixen_engine.maps.export import FORMATS, export_map
    from sprixen_engine.maps.generate import generate_map
    from sprixen_engine.tiles.textures import synthesize_texture

    n = 200 if quick else 1000
    for m in MATERIALS:                                   # warm-up (numba compile, caches)
        project_floor(synthesize_texture(m, size=64, seed=0))
    t0 = time.perf_counter()
    for i in range(n):
        project_floor(synthesize_texture(MATERIALS[i % len(MATERIALS)], size=64, seed=i))
    ours_tiles = time.perf_counter() - t0
    textures = [Image.fromarray(synthesize_texture(m, size=64, seed=1)) for m in MATERIALS]
    t0 = time.perf_counter()
    for i in range(n):
        _pil_projection(textures[i % len(textures)])
    base_tiles = time.perf_counter() - t0

    side = 128 if quick else 256
    generate_map("warm", projection="top_down", width=32, height=32, seed=0)
    t0 = time.perf_counter()
    m = generate_map("bench", projection="isometric", width=side, height=side, seed=1)
    gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    _noise(side, np.random.default_rng(0))
    base_gen = time.perf_counter() - t0
    export_times = {}
    for fmt in FORMATS:
        t0 = time.perf_counter()
        export_map(m, fmt)
        export_times[fmt] = time.perf_counter() - t0
    t0 = time.perf_counter()
    json.dumps({la.name: la.data.tolist() for la in m.layers if la.data is not None})
    base_export = time.perf_counter() - t0
    total_export = sum(export_times.values())
    per_1000 = ours_tiles / n * 1000
    return {
        "rows": [
            {"metric": "1,000 floor tiles (texture + projection), s", "ours": round(per_1000, 3),
             "baseline (Pillow affine projection only)": round(base_tiles / n * 1000, 3),
             "ratio ours/baseline": round(ours_tiles / base_tiles, 3), "target": "<= 2 s", "met": per_1000 <= 2.0},
            {"metric": f"generate a {side}x{side} map, s", "ours": round(gen, 3),
             "baseline (numpy fractal noise only)": round(base_gen, 4), "ratio ours/baseline": round(gen / base_gen, 1),
             "target": "<= 1 s", "met": gen <= 1.0},
            {"metric": f"export the {side}x{side} map to every format, s", "ours": round(total_export, 3),
             "baseline (json.dumps of the layer arrays)": round(base_export, 4),
             "ratio ours/baseline": round(total_export / base_export, 1), "target": "<= 2 s", "met": total_export <= 2.0},
            *({"metric": f"export {fmt}, s", "ours": round(t, 3), "target": "-"} for fmt, t in export_times.items()),
        ],
        "notes": [f"{n} tiles over {len(MATERIALS)} materials at 64x64; one thread. Map exports use flat placeholder "
                  "tile images (generate_map alone does not render tiles)."],
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
