"""GPU benchmark: full-size MusicGen small and medium with random weights, transformers' ``generate`` versus
the engine's decoding path.

No weights are downloaded: ``MusicgenForConditionalGeneration`` (T5-base text encoder, EnCodec 32 kHz, the
decoder) is built from the architecture configs in ``configs/musicgen_arch/{small,medium}/`` (the published
configs' architecture keys; a test proves them by parameter count on the meta device), directly on the GPU,
then cast to fp16. Random weights cost exactly what real ones cost per token; the audio is noise. The tokenizer
is the small T5 (Unigram) vocabulary of ``tests/tiny_musicgen.py``; the prompt is a few words, as MusicGen's are.

Measured in one process, per model, on the same weights:

(a) ``transformers_default``: ``model.generate(**inputs, do_sample=True, guidance_scale=3.0,
    max_new_tokens=frames + 3)`` as the MusicGen docs show it (fp16, SDPA, dynamic KV cache, classifier-free
    guidance batched inside ``generate``), EnCodec decoding included. ``transformers_static`` (not in the
    default set) adds ``cache_implementation="static"``, with which transformers compiles the forward on CUDA.
(b) ``engine_*``: :class:`sprixen_engine.backends.musicgen.MusicGenBackend` built with ``from_model`` on the same
    model, through its own ``generate_batch``: the engine's decoding loop (preallocated KV cache, text K/V once,
    batched guidance, Gumbel sampling from per-track generators), EnCodec decoding included.
    ``engine_eager_b1``: no graphs; ``engine_b1``: each step a CUDA graph per attention bucket;
    ``engine_b4``: four different tracks in one batch (CUDA graphs); ``engine_compile_b1`` (not in the default
    set): ``torch.compile`` of the step, then CUDA graphs.

Reported per case: seconds per call (median of ``--repeats``), audio seconds per wall second for all tracks
(``x_realtime``, the issue's "s of audio per second") and per track, decoder steps per second, peak GPU memory
(``torch.cuda.max_memory_allocated``), warm-up seconds (graph capture / compilation), the split between code
generation and decoding (engine), the speed-up against ``transformers_default`` of the same model, and a
greedy-decoding agreement check (the engine's codes against transformers' for the same prompt: identical in the
fp32 smoke run; in fp16 they drift apart after some steps). Target (issue #...): medium ≥ 3× real time on an H100.

    python benchmarks/gpu_musicgen.py [--tiny] [--models small,medium] [--cases ...] [--duration 10] [--out r.json]
    python benchmarks/gpu_musicgen.py --merge small.json medium.json --out all.json

``--tiny`` runs the same code on the CPU with the tiny MusicGen of ``tests/tiny_musicgen.py`` (fp32, 1 s, the
engine's fixed-shape ``static`` steps instead of CUDA graphs): a smoke run for CI, not a performance figure.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from gpu_common import fmt, load_runs, machine_info, sync, table_head, targets_and_anchors, tests_dir_on_path, write  # noqa: E402

ARCH_DIR = ROOT / "configs" / "musicgen_arch"
NO_CUDA = "no CUDA device: run with --tiny for a smoke run"

MODELS = ("small", "medium")
PROMPT = "epic orchestral soundtrack, heroic brass and strings, big cinematic drums, 140 bpm, D minor"
PROMPTS = (PROMPT, "8-bit chiptune adventure music, square wave lead, retro video game, 150 bpm",
           "dark dungeon ambience, low drones, eerie bells, slow and ominous, 70 bpm, E minor",
           "medieval fantasy tavern music, lute, fiddle and hand drums, lively folk, 120 bpm, G major")
GUIDANCE = 3.0
ALL_CASES = ("transformers_default", "transformers_static", "engine_eager_b1", "engine_b1", "engine_b4",
             "engine_compile_b1")
DEFAULT_CASES = ("transformers_default", "engine_eager_b1", "engine_b1", "engine_b4")
TARGET_X_REALTIME = 3.0      # medium, engine, one track, H100
ANCHORS = {  # published figures, for reading the table (issue)
    "MusicGen medium, transformers default generate, RTX 4090": "0.8 s of audio per second",
    "MusicGen medium, CUDA graphs + flash attention, RTX 4090": "2.6x that (about 2.1 s of audio per second)",
    "decoder weights read per guided step (fp16)": "small 0.84 GB, medium 3.7 GB: the bandwidth floor of one step",
}


# ----------------------------------------------------------------------------------------------
# Architecture configs and models


def _strip(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (_strip(v) if isinstance(v, dict) else v) for k, v in d.items() if not k.startswith("_")}


def arch_config(name: str) -> Any:
    """``MusicgenConfig`` of ``configs/musicgen_arch/<name>/config.json`` (bookkeeping keys dropped)."""
    from transformers import MusicgenConfig

    data = _strip(json.loads((ARCH_DIR / name / "config.json").read_text(encoding="utf-8")))
    data.pop("architectures", None)
    data.pop("model_type", None)
    return MusicgenConfig(**data)


def generation_config(name: str) -> Any:
    from transformers import GenerationConfig

    data = _strip(json.loads((ARCH_DIR / name / "generation_config.json").read_text(encoding="utf-8")))
    return GenerationConfig(**data)


def full_model(name: str, device: str, dtype: Any) -> Any:
    """MusicGen ``name`` with random weights, initialised on ``device`` and cast to ``dtype`` (eval mode)."""
    import torch
    from transformers import MusicgenForConditionalGeneration

    torch.manual_seed(0)
    with torch.device(device):            # initialise on the GPU: seconds instead of a minute of CPU init
        model = MusicgenForConditionalGeneration(arch_config(name))
    if device != "meta":   # EnCodec's codebooks start at zero (every code the same audio); fill them
        tests_dir_on_path()
        from tiny_musicgen import random_codebooks

        random_codebooks(model)
    model = model.to(device=device, dtype=dtype).eval().requires_grad_(False)
    model.generation_config = generation_config(name)
    return model


def tokenizer() -> Any:
    tests_dir_on_path()
    from tiny_musicgen import tiny_tokenizer

    return tiny_tokenizer()


def tiny_model_for_bench() -> Any:
    tests_dir_on_path()
    from tiny_musicgen import tiny_model

    return tiny_model().requires_grad_(False)


# ----------------------------------------------------------------------------------------------
# Timing


def time_case(run: Callable[[], Any], *, warm: Callable[[], Any] | None, cuda: bool, warmup: int,
              repeats: int) -> dict[str, Any]:
    """Warm up (``warm`` or ``run``), then time ``repeats`` calls of ``run``: median and min seconds, peak memory."""
    import torch

    t0 = time.perf_counter()
    for _ in range(warmup):
        (warm or run)()
    sync(cuda)
    warmup_s = time.perf_counter() - t0
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(repeats):
        sync(cuda)
        t = time.perf_counter()
        run()
        sync(cuda)
        times.append(time.perf_counter() - t)
    return {"s_per_call": statistics.median(times), "s_min": min(times), "warmup_s": warmup_s,
            "peak_gib": torch.cuda.max_memory_allocated() / 2**30 if cuda else None}


# ----------------------------------------------------------------------------------------------
# The benchmark


def bench_model(label: str, model: Any, tok: Any, *, cases: list[str], cuda: bool, duration: float, batch: int,
                warmup: int, repeats: int, agree_s: float) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """All cases on one model; returns the rows and the greedy agreement check."""
    import gc

    import torch

    from sprixen_engine.backends.musicgen import MusicGenBackend, frames_for_duration
    from sprixen_engine.device import DevicePolicy

    policy = DevicePolicy("cuda", "fp16", 8, "gpu benchmark") if cuda else DevicePolicy("cpu", "fp32", 1, "tiny")
    dev = "cuda" if cuda else "cpu"
    fr = float(model.config.audio_encoder.frame_rate)
    frames = frames_for_duration(duration, fr)
    delay = model.config.decoder.num_codebooks // model.config.decoder.audio_channels - 1
    graph_accel = "cuda_graph" if cuda else "static"
    rows: list[dict[str, Any]] = []

    def record(case: str, path: str, accel: str, n: int, run, warm, stats: Callable[[], Any] | None) -> None:
        print(f"  {label}/{case} ...", flush=True)
        try:
            res = time_case(run, warm=warm, cuda=cuda, warmup=warmup, repeats=repeats)
        except Exception as exc:  # noqa: BLE001 - one failing case must not lose the others' numbers
            rows.append({"model": label, "case": case, "path": path, "accel": accel, "batch": n,
                         "error": f"{type(exc).__name__}: {exc}"[:500]})
            print(f"    failed: {type(exc).__name__}: {exc}", flush=True)
            return
        row = {"model": label, "case": case, "path": path, "accel": accel, "batch": n, "duration_s": duration,
               "frames": frames, **res}
        row["x_realtime"] = n * duration / res["s_per_call"]
        row["x_realtime_per_track"] = duration / res["s_per_call"]
        row["steps_per_s"] = (frames + delay) / res["s_per_call"]
        if stats is not None:
            st = stats()
            row.update(codes_s=st.seconds.get("codes"), decode_s=st.seconds.get("decode"),
                       graphs_captured=st.graphs_captured)
        rows.append(row)

    # (a) transformers' generate, as documented
    for case in ("transformers_default", "transformers_static"):
        if case not in cases:
            continue
        inputs = tok([PROMPT], padding=True, return_tensors="pt").to(dev)
        extra = {"cache_implementation": "static"} if case == "transformers_static" else {}

        def run(inputs=inputs, extra=extra, n_new=frames + delay):
            with torch.inference_mode():
                return model.generate(**inputs, do_sample=True, guidance_scale=GUIDANCE, max_new_tokens=n_new,
                                      **extra)

        # the default path has nothing to capture or compile: a short warm-up; the static one compiles
        warm = (lambda inputs=inputs: run(inputs, {}, min(frames, 25) + delay)) if not extra else None
        record(case, "transformers", "static_cache" if extra else "default", 1, run, warm, None)
        gc.collect()

    # (b) the engine's path
    specs = {"engine_eager_b1": ("eager", 1), "engine_b1": (graph_accel, 1), "engine_b4": (graph_accel, batch),
             "engine_compile_b1": ("compile", 1)}
    for case, (accel, n) in specs.items():
        if case not in cases:
            continue
        if accel == "compile" and not cuda:
            continue
        backend = MusicGenBackend.from_model(model, tok, device=policy, accel=accel)
        prompts = [PROMPTS[i % len(PROMPTS)] for i in range(n)]

        def run(backend=backend, prompts=prompts):
            return backend.generate_batch(prompts, duration=duration, seeds=list(range(len(prompts))),
                                          guidance=GUIDANCE)

        record(case, "engine", accel, n, run, None, lambda backend=backend: backend.last_stats)
        del backend
        gc.collect()
        if cuda:
            torch.cuda.empty_cache()

    # greedy agreement: the engine's codes against transformers' generate, same prompt
    agreement = {}
    if any(c.startswith("engine") for c in cases):
        n_frames = frames_for_duration(agree_s, fr)
        eng = MusicGenBackend.from_model(model, tok, device=policy, accel=graph_accel)
        ref = MusicGenBackend.from_model(model, tok, device=policy, decoding="transformers")
        a = eng.generate_codes([PROMPT], frames=n_frames, seeds=[0], guidance=GUIDANCE, temperature=0)
        b = ref.generate_codes([PROMPT], frames=n_frames, seeds=[0], guidance=GUIDANCE, temperature=0)
        same = (a == b).all(dim=1)[0]
        first = int((~same).nonzero()[0, 0]) if not bool(same.all()) else None
        agreement = {"model": label, "frames": n_frames, "equal_fraction": float((a == b).float().mean()),
                     "first_differing_frame": first}
        del eng, ref
        gc.collect()
    return rows, agreement


def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    import gc
    import warnings

    import torch

    cuda = not args.tiny
    cases = [c.strip() for c in args.cases.split(",")] if args.cases else list(DEFAULT_CASES)
    unknown = sorted(set(cases) - set(ALL_CASES))
    if unknown:
        raise SystemExit(f"--cases: unknown case(s) {', '.join(unknown)}; choose from {', '.join(ALL_CASES)}")
    models = ["tiny"] if args.tiny else [m.strip() for m in args.models.split(",")]
    bad = sorted(set(models) - set(MODELS) - ({"tiny"} if args.tiny else set()))
    if bad:
        raise SystemExit(f"--models: unknown model(s) {', '.join(bad)}; choose from {', '.join(MODELS)}")
    duration = args.duration or (10.0 if cuda else 1.0)
    repeats = args.repeats or (2 if cuda else 1)
    warmup = args.warmup if args.warmup is not None else 1
    agree_s = args.agree_duration or (2.0 if cuda else 1.0)
    warnings.filterwarnings("ignore", message=".*must be `None` or an integer within the vocabulary.*")
    tok = tokenizer()
    rows: list[dict[str, Any]] = []
    agreement: list[dict[str, Any]] = []
    build: dict[str, float] = {}
    for name in models:
        print(f"{name}: building ...", flush=True)
        t = time.perf_counter()
        model = tiny_model_for_bench() if name == "tiny" else full_model(name, "cuda", torch.float16)
        build[name] = round(time.perf_counter() - t, 2)
        r, a = bench_model(name, model, tok, cases=cases, cuda=cuda, duration=duration, batch=args.batch,
                           warmup=warmup, repeats=repeats, agree_s=agree_s)
        rows += r
        if a:
            agreement.append(a)
        del model
        gc.collect()
        if cuda:
            torch.cuda.empty_cache()
    settings = {"duration_s": duration, "guidance": GUIDANCE, "batch": args.batch, "dtype": "fp16" if cuda else "fp32",
                "device": "cuda" if cuda else "cpu", "repeats": repeats, "warmup": warmup, "build_s": build,
                "tiny": bool(args.tiny), "cases": cases}
    return finish({"machine": machine_info(cuda, "transformers"), "settings": settings, "cases": rows, "agreement": agreement})


# ----------------------------------------------------------------------------------------------
# Ratios, targets, report


def finish(result: dict[str, Any]) -> dict[str, Any]:
    """Add the speed-ups against ``transformers_default`` (same model), the target and the markdown."""
    ok = [r for r in result["cases"] if "error" not in r]
    base = {r["model"]: r for r in ok if r["case"] == "transformers_default"}
    for r in ok:
        if r["model"] in base and r["case"] != "transformers_default":
            r["speedup_vs_default"] = r["x_realtime"] / base[r["model"]]["x_realtime"]
    tiny = bool(result["settings"].get("tiny"))
    targets = []
    for r in ok:
        if r["case"] == "engine_b1":
            goal = TARGET_X_REALTIME if r["model"] == "medium" else None
            met = None if tiny or goal is None else r["x_realtime"] >= goal
            targets.append({"target": f"{r['model']}: engine, one track, x real time",
                            "goal": f">= {goal:g} (H100)" if goal else "report", "measured": r["x_realtime"],
                            "from": f"{r['model']}/engine_b1", "met": met})
        if r["case"] in ("engine_b1", "engine_b4") and "speedup_vs_default" in r:
            targets.append({"target": f"{r['model']}: {r['case']} speed-up over transformers' default",
                            "goal": "report", "measured": r["speedup_vs_default"],
                            "from": f"{r['model']}/{r['case']} / transformers_default", "met": None})
    result["targets"] = targets
    result["anchors"] = ANCHORS
    result["markdown"] = markdown(result)
    return result


def markdown(result: dict[str, Any]) -> str:
    s, m = result["settings"], result["machine"]
    head = table_head(f"MusicGen (random weights) · {s['duration_s']:g} s per track · {s['dtype']} on "
                      f"{m.get('gpu') or 'CPU'} · torch {m['torch']} · transformers {m['transformers']} · "
                      f"guidance {s['guidance']:g}", s.get("tiny"))
    lines = [head, "", "| model | case | accel | tracks | s/call | × real time | × per track | steps/s | codes s "
             "| decode s | peak GiB | warm-up s | × vs default |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in result["cases"]:
        if "error" in r:
            lines.append(f"| {r['model']} | {r['case']} | {r['accel']} | {r['batch']} | failed: {r['error'][:80]} "
                         "| | | | | | | | |")
            continue
        lines.append(f"| {r['model']} | {r['case']} | {r['accel']} | {r['batch']} | {fmt(r['s_per_call'])} "
                     f"| {fmt(r['x_realtime'])} | {fmt(r['x_realtime_per_track'])} | {fmt(r['steps_per_s'])} "
                     f"| {fmt(r.get('codes_s'))} | {fmt(r.get('decode_s'))} | {fmt(r['peak_gib'])} | {fmt(r['warmup_s'])} "
                     f"| {fmt(r.get('speedup_vs_default'))} |")
    if result.get("agreement"):
        lines += ["", "| model | greedy frames | codes equal to transformers' | first differing frame |",
                  "|---|---|---|---|"]
        lines += [f"| {a['model']} | {a['frames']} | {fmt(a['equal_fraction'])} | {fmt(a['first_differing_frame'])} |"
                  for a in result["agreement"]]
    lines += targets_and_anchors(result, ANCHORS)
    return "\n".join(lines) + "\n"


def merge(paths: list[Path]) -> dict[str, Any]:
    """Join the rows of several runs (same machine); later files win per (model, case)."""
    parts = load_runs(paths)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    agreement: dict[str, dict[str, Any]] = {}
    for part in parts:
        for r in part["cases"]:
            rows[(r["model"], r["case"])] = {k: v for k, v in r.items() if k != "speedup_vs_default"}
        for a in part.get("agreement", []):
            agreement[a["model"]] = a
    order = {c: i for i, c in enumerate(ALL_CASES)}
    models = {m: i for i, m in enumerate(("tiny", *MODELS))}
    cases = sorted(rows.values(), key=lambda r: (models.get(r["model"], 9), order.get(r["case"], 99)))
    return finish({"machine": parts[-1]["machine"], "settings": {**parts[-1]["settings"],
                   "merged_from": [str(p) for p in paths]}, "cases": cases, "agreement": list(agreement.values())})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", action="store_true", help="tiny MusicGen on the CPU, 1 s: a smoke run")
    ap.add_argument("--out", type=Path, default=None,
                    help="JSON result (a .md table is written beside it); default "
                         "benchmarks/results/gpu_musicgen[_tiny].json")
    ap.add_argument("--models", default="small,medium", help="comma-separated subset of: small, medium")
    ap.add_argument("--cases", default=None, help=f"comma-separated subset of: {', '.join(ALL_CASES)} "
                                                  f"(default: {', '.join(DEFAULT_CASES)})")
    ap.add_argument("--duration", type=float, default=None, help="seconds of audio per track (default 10; tiny 1)")
    ap.add_argument("--batch", type=int, default=4, help="tracks in one batch for engine_b4 (default 4)")
    ap.add_argument("--repeats", type=int, default=None, help="timed calls per case (default 2; tiny 1)")
    ap.add_argument("--warmup", type=int, default=None, help="warm-up calls per case (default 1)")
    ap.add_argument("--agree-duration", type=float, default=None,
                    help="seconds of greedy codes compared with transformers (default 2; tiny 1)")
    ap.add_argument("--merge", type=Path, nargs="+", default=None, help="join earlier JSON results instead of running")
    args = ap.parse_args(argv)

    if args.merge:
        result = merge(args.merge)
    else:
        import torch

        if not args.tiny and not torch.cuda.is_available():
            raise SystemExit(NO_CUDA)
        result = run_benchmark(args)
    out = args.out or HERE / "results" / ("gpu_musicgen_tiny.json" if args.tiny else "gpu_musicgen.json")
    write(result, out)
    print(result["markdown"])
    print(f"wrote {out} and {out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
