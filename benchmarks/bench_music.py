"""Procedural music: a 30 s track on one core, and 10 tracks in parallel on every core.

Ours: ``Engine.generate_music`` end to end (compose + synthesise + master) for 30 s tracks of several
presets. Baseline, same process: the same scores played by the simplest possible synthesiser — one
numpy sine with a linear decay per note, summed, no drums, effects or mastering.
Targets: ≥ 50× faster than real time on one core; 10 tracks in a process pool use every core.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

PRESETS = ["epic_orchestral", "chiptune_adventure", "dungeon_dark", "menu_chill", "scifi_synthwave"]
SR = 44100


def _sine_baseline(score) -> np.ndarray:
    out = np.zeros(int(round(score.duration * SR)), np.float32)
    for part in score.parts:
        if part.is_drums:
            continue
        for note in part.notes:
            s0 = int(score.seconds(note.start) * SR)
            n = max(1, int(score.seconds(note.duration) * SR))
            n = min(n, out.size - s0)
            if n <= 0:
                continue
            t = np.arange(n, dtype=np.float32) / SR
            f = 440.0 * 2 ** ((note.pitch - 69) / 12)
            out[s0:s0 + n] += np.sin(2 * np.pi * f * t) * np.linspace(1, 0, n, dtype=np.float32) * note.velocity / 400
    return out


def _one(args: tuple[str, int]) -> float:
    from sprixen_engine import Engine

    preset, seed = args
    t0 = time.perf_counter()
    Engine().generate_music(preset=preset, duration=30, seed=seed)
    return time.perf_counter() - t0


def run(quick: bool = False) -> dict:
    from sprixen_engine import Engine

    engine = Engine()
    engine.generate_music(preset="menu_chill", duration=6, seed=0)           # warm-up: numba compile / caches
    presets = PRESETS[:2] if quick else PRESETS
    times, base = [], []
    for i, p in enumerate(presets):
        t0 = time.perf_counter()
        track = engine.generate_music(preset=p, duration=30, seed=i)
        times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        _sine_baseline(track.score)
        base.append(time.perf_counter() - t0)
    ours = float(np.mean(times))
    jobs = [(presets[i % len(presets)], 100 + i) for i in range(4 if quick else 10)]
    cores = os.cpu_count() or 1
    t0 = time.perf_counter()
    for j in jobs:
        _one(j)
    serial = time.perf_counter() - t0
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=cores) as pool:
        list(pool.map(_one, jobs))
    parallel = time.perf_counter() - t0
    return {
        "rows": [
            {"metric": "30 s track, seconds to make (one core)", "ours": round(ours, 3),
             "baseline (numpy sine per note)": round(float(np.mean(base)), 3), "real-time factor": round(30 / ours, 1),
             "target": ">= 50x real time", "met": 30 / ours >= 50},
            {"metric": f"{len(jobs)} tracks: serial / process pool of {cores}, s", "ours": round(parallel, 2),
             "serial": round(serial, 2), "speed-up": round(serial / parallel, 2),
             "target": "uses every core (speed-up > 1.5 on 2 cores)", "met": serial / parallel > 1.5},
        ],
        "notes": [f"presets {', '.join(presets)}; per-track times {[round(t, 3) for t in times]}; the pool's "
                  "workers pay their own imports and numba cache loads."],
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
