"""GPU benchmark: full-size SDXL with random weights, diffusers' defaults versus the engine's path.

No weights are downloaded: the UNet, the VAE, both text encoders, the scheduler and TAESDXL are
built from the architecture configs in ``configs/sdxl_arch/`` (diffusers' published SDXL base 1.0
configs) with random weights, directly on the GPU in fp16. Random weights cost exactly what real
ones cost; the images are noise. The tokenizer is a small CLIP BPE vocabulary written locally
(``tests/tiny_sdxl.py``), padded to 77 tokens as SDXL's.

Measured in one process, on the same weights and seeds:

(a) ``diffusers_*``: ``StableDiffusionXLPipeline`` as constructed (fp16, SDPA by default, the
    VAE upcast to fp32 for decoding because SDXL's VAE config says ``force_upcast``, no compile).
    ``diffusers_4step`` swaps in Euler with trailing timesteps and guidance 0, as the
    SDXL-Lightning card tells diffusers users to.
(b) ``engine_*``: :class:`sprixen_engine.backends.sdxl.SDXLSpriteBackend` built with
    ``SDXLSpriteBackend.from_pipeline`` on the same components, through its own ``generate``:
    channels_last UNet, ``torch.compile(mode="max-autotune", fullgraph=True)`` after warm-up
    calls, the fp16-fix VAE set-up (``force_upcast`` off: decode in fp16), optionally TAESDXL.

Cases (``--cases``, comma separated, default all): ``diffusers_b1``, ``diffusers_b3``,
``diffusers_4step``, ``engine_b1``, ``engine_b3``, ``engine_taesd_b1``, ``engine_4step``,
``engine_4step_taesd``, ``decode`` (the three decoders alone on one latent).

Reported per case: seconds per call and per image (median of ``--repeats``), denoising it/s
(UNet steps per second for the whole batch, timed with CUDA events between scheduler steps),
peak GPU memory (``torch.cuda.max_memory_allocated``), warm-up time (includes compilation),
the speed-up against the matching diffusers case, and the issue's targets.

    python benchmarks/gpu_sdxl.py [--tiny] [--out results.json] [--cases ...] [--compile MODE]
    python benchmarks/gpu_sdxl.py --merge part1.json part2.json --out all.json

``--tiny`` runs the same code on the CPU with the tiny SDXL of ``tests/tiny_sdxl.py`` at 64x64
with 2 steps and no compile: a smoke run for CI, not a performance figure. A max-autotune
compile of the full UNet takes minutes per batch shape; split long runs with ``--cases`` and join
the JSON files with ``--merge`` (the inductor caches make a second process's compile quick).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from gpu_common import fmt, load_runs, machine_info, sync, table_head, targets_and_anchors, tests_dir_on_path, write  # noqa: E402

ARCH_DIR = ROOT / "configs" / "sdxl_arch"
NO_CUDA = "no CUDA device: run with --tiny for a smoke run"

PROMPT = "pixel art game sprite of a knight with a sword, full body, side view, white background"
NEGATIVE = "blurry, photo, text"
GUIDANCE = 6.0
ALL_CASES = ("diffusers_b1", "diffusers_b3", "diffusers_4step", "engine_b1", "engine_b3", "engine_taesd_b1",
             "engine_4step", "engine_4step_taesd", "decode")
# each engine case and the diffusers case it is compared with
BASELINE = {"engine_b1": "diffusers_b1", "engine_b3": "diffusers_b3", "engine_taesd_b1": "diffusers_b1",
            "engine_4step": "diffusers_4step", "engine_4step_taesd": "diffusers_4step"}
TARGETS = {"speedup_vs_diffusers": 1.5, "s_per_image_30step": 1.2, "s_per_image_4step": 0.25,
           "batch3_over_batch1": 2.2}
ANCHORS = {  # published figures, for reading the table (issue #3)
    "diffusers/PyTorch fp16, 30 steps 1024², H100": "≈ 2.5 s/image",
    "TensorRT, 30 steps 1024², H100": "1.47 s/image",
    "stable-fast, H100": "21.6 it/s",
    "4-step LCM + TensorRT, H100": "234 ms/image",
    "UNet arithmetic bound (~12 TFLOP per guided step)": "≈ 0.4 s per 30-step image",
}


# ----------------------------------------------------------------------------------------------
# Architecture configs and components


def arch_config(name: str) -> dict[str, Any]:
    """``configs/sdxl_arch/<name>.json`` without its bookkeeping keys (``_class_name``, ``_source``...)."""
    data = json.loads((ARCH_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_") and k not in ("architectures", "model_type")}


def full_components(device: str, dtype: Any, tmp: Path) -> dict[str, Any]:
    """SDXL base 1.0 components with random weights, built on ``device`` and cast to ``dtype``."""
    import torch
    from diffusers import AutoencoderKL, AutoencoderTiny, EulerDiscreteScheduler, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

    tests_dir_on_path()
    from tiny_sdxl import write_tokenizer_files

    torch.manual_seed(0)
    with torch.device(device):          # initialise on the GPU: seconds instead of a minute of CPU init
        unet = UNet2DConditionModel.from_config(arch_config("unet"))
        vae = AutoencoderKL.from_config(arch_config("vae"))
        taesd = AutoencoderTiny.from_config(arch_config("taesdxl"))
        text_encoder = CLIPTextModel(CLIPTextConfig(**arch_config("text_encoder")))
        text_encoder_2 = CLIPTextModelWithProjection(CLIPTextConfig(**arch_config("text_encoder_2")))
    modules = {"unet": unet, "vae": vae, "text_encoder": text_encoder, "text_encoder_2": text_encoder_2,
               "taesd": taesd}
    for m in modules.values():
        m.to(device=device, dtype=dtype).eval().requires_grad_(False)
    tokenizer = CLIPTokenizer.from_pretrained(write_tokenizer_files(tmp / "tokenizer"), model_max_length=77,
                                              local_files_only=True)
    return {**modules, "tokenizer": tokenizer, "tokenizer_2": tokenizer,
            "scheduler": EulerDiscreteScheduler.from_config(arch_config("scheduler"))}


def tiny_components_for_bench(tmp: Path) -> dict[str, Any]:
    """The tiny SDXL of ``tests/tiny_sdxl.py`` (CPU, fp32) plus a tiny TAESD of the same scale factor."""
    import torch
    from diffusers import AutoencoderTiny

    tests_dir_on_path()
    from tiny_sdxl import tiny_components

    comps = {k: v for k, v in tiny_components(tmp).items() if k not in ("image_encoder", "feature_extractor")}
    torch.manual_seed(0)
    comps["taesd"] = AutoencoderTiny(encoder_block_out_channels=(8, 8), decoder_block_out_channels=(8, 8),
                                     num_encoder_blocks=(1, 1), num_decoder_blocks=(1, 1))
    for name in ("unet", "vae", "text_encoder", "text_encoder_2", "taesd"):
        comps[name].eval().requires_grad_(False)
    return comps


def fp16_fix_vae(vae: Any) -> Any:
    """A copy of ``vae`` with ``force_upcast`` off, as the fp16-fix VAE's config has (same weights here)."""
    from diffusers import AutoencoderKL

    fixed = AutoencoderKL.from_config({**dict(vae.config), "force_upcast": False})
    fixed.load_state_dict(vae.state_dict())
    if fixed.dtype != vae.dtype or fixed.device != vae.device:
        fixed = fixed.to(device=vae.device, dtype=vae.dtype)
    return fixed.eval().requires_grad_(False)


# ----------------------------------------------------------------------------------------------
# Timing


class StepClock:
    """Times the denoising loop: a mark after each ``scheduler.step`` (CUDA events, no sync)."""

    def __init__(self, scheduler: Any, cuda: bool) -> None:
        self.scheduler, self.cuda, self.marks = scheduler, cuda, []

    def __enter__(self) -> StepClock:
        import torch

        original = self.scheduler.step

        def step(*args, **kwargs):
            out = original(*args, **kwargs)
            if self.cuda:
                event = torch.cuda.Event(enable_timing=True)
                event.record()
                self.marks.append(event)
            else:
                self.marks.append(time.perf_counter())
            return out

        self.scheduler.step = step
        return self

    def __exit__(self, *exc) -> None:
        del self.scheduler.step          # back to the class's method

    def seconds_per_step(self) -> float | None:
        """Mean seconds between the first and the last step mark of the last call."""
        marks = self.marks
        if len(marks) < 2:
            return None
        if self.cuda:
            return marks[0].elapsed_time(marks[-1]) / 1000 / (len(marks) - 1)
        return (marks[-1] - marks[0]) / (len(marks) - 1)


def time_case(run: Callable[[], Any], scheduler_of: Callable[[], Any], *, cuda: bool, warmup: int,
              repeats: int) -> dict[str, Any]:
    """Warm up, then time ``repeats`` calls of ``run``; returns timings, it/s, peak memory, the last output."""
    import torch

    t0 = time.perf_counter()
    for _ in range(warmup):
        run()
    sync(cuda)
    warmup_s = time.perf_counter() - t0
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    times, step_s, out = [], [], None
    for _ in range(repeats):
        with StepClock(scheduler_of(), cuda) as clock:
            sync(cuda)
            t = time.perf_counter()
            out = run()
            sync(cuda)
            times.append(time.perf_counter() - t)
        sps = clock.seconds_per_step()
        if sps:
            step_s.append(sps)
    peak = torch.cuda.max_memory_allocated() / 2**30 if cuda else None
    return {"s_per_call": statistics.median(times), "s_min": min(times), "warmup_s": warmup_s,
            "it_per_s": 1 / statistics.median(step_s) if step_s else None,
            "peak_gib": peak, "output": out}


def _as_rgb_uint8(images: Any) -> Any:
    import numpy as np

    return np.stack([np.asarray(im)[..., :3] for im in images]).astype(np.uint8)


# ----------------------------------------------------------------------------------------------
# The benchmark


def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np
    import torch
    from diffusers import EulerDiscreteScheduler, StableDiffusionXLPipeline

    from sprixen_engine.backends.sdxl import SDXLSpriteBackend
    from sprixen_engine.device import DevicePolicy

    cuda = not args.tiny
    device, dtype = ("cuda", torch.float16) if cuda else ("cpu", torch.float32)
    policy = DevicePolicy("cuda", "fp16", 8, "gpu benchmark") if cuda else DevicePolicy("cpu", "fp32", 1, "tiny smoke")
    size = args.size or (1024 if cuda else 64)
    steps = args.steps or (30 if cuda else 2)
    fast_steps = args.fast_steps or (4 if cuda else 2)
    compile_mode = "none" if args.tiny else args.compile
    warmup = args.warmup if args.warmup is not None else (2 if compile_mode != "none" else 1)
    repeats = args.repeats or (3 if cuda else 1)
    cases = [c.strip() for c in args.cases.split(",")] if args.cases else list(ALL_CASES)
    unknown = sorted(set(cases) - set(ALL_CASES))
    if unknown:
        raise SystemExit(f"--cases: unknown case(s) {', '.join(unknown)}; choose from {', '.join(ALL_CASES)}")
    if cuda and not args.dynamic_shapes:
        # one static graph per batch shape (UNet batch 2, 6 and 1) instead of a dynamic-shape recompile
        torch._dynamo.config.automatic_dynamic_shapes = False
        torch._dynamo.config.cache_size_limit = max(torch._dynamo.config.cache_size_limit, 16)
    warnings.filterwarnings("ignore", message=".*invalid value encountered.*")  # random weights: NaN images

    t_build = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sprixen-gpu-bench-") as tmp:
        comps = full_components(device, dtype, Path(tmp)) if cuda else tiny_components_for_bench(Path(tmp))
    taesd = comps.pop("taesd")
    build_s = time.perf_counter() - t_build
    scheduler_cfg = comps["scheduler"].config

    def diffusers_pipe(lightning: bool) -> Any:
        scheduler = (EulerDiscreteScheduler.from_config(scheduler_cfg, timestep_spacing="trailing") if lightning
                     else EulerDiscreteScheduler.from_config(scheduler_cfg))
        pipe = StableDiffusionXLPipeline(**{**comps, "scheduler": scheduler})
        pipe.set_progress_bar_config(disable=True)
        return pipe

    def diffusers_run(pipe: Any, batch: int, n_steps: int, guidance: float) -> Callable[[], Any]:
        def run():
            gens = [torch.Generator("cpu").manual_seed(i) for i in range(batch)]
            return pipe(prompt=[PROMPT] * batch, negative_prompt=[NEGATIVE] * batch if guidance > 1 else None,
                        num_inference_steps=n_steps, guidance_scale=guidance, height=size, width=size,
                        generator=gens).images
        return run

    def engine_run(backend: Any, batch: int, n_steps: int, guidance: float) -> Callable[[], Any]:
        def run():
            return backend.generate([PROMPT] * batch, seeds=list(range(batch)), size_wh=(size, size),
                                    negative_prompt=NEGATIVE, steps=n_steps, guidance=guidance)
        return run

    rows: list[dict[str, Any]] = []
    outputs: dict[str, Any] = {}

    def record(name: str, path: str, batch: int, n_steps: int, vae: str, run, scheduler_of) -> None:
        print(f"  {name} ...", flush=True)
        res = time_case(run, scheduler_of, cuda=cuda, warmup=warmup if path == "engine" else 1, repeats=repeats)
        outputs[name] = _as_rgb_uint8(res.pop("output"))
        res["s_per_image"] = res["s_per_call"] / batch
        rows.append({"case": name, "path": path, "batch": batch, "steps": n_steps, "vae": vae, **res})

    # (a) diffusers as constructed: run first, before the engine turns the shared UNet channels_last
    std = diffusers_pipe(lightning=False)
    if "diffusers_b1" in cases:
        record("diffusers_b1", "diffusers", 1, steps, "default (fp32 upcast)",
               diffusers_run(std, 1, steps, GUIDANCE), lambda: std.scheduler)
    if "diffusers_b3" in cases:
        record("diffusers_b3", "diffusers", 3, steps, "default (fp32 upcast)",
               diffusers_run(std, 3, steps, GUIDANCE), lambda: std.scheduler)
    if "diffusers_4step" in cases:
        light = diffusers_pipe(lightning=True)
        record("diffusers_4step", "diffusers", 1, fast_steps, "default (fp32 upcast)",
               diffusers_run(light, 1, fast_steps, 0.0), lambda: light.scheduler)

    # (b) the engine's path: SDXLSpriteBackend's own placement, compile and generate()
    engine_cases = [c for c in cases if c.startswith("engine_")]
    if engine_cases:
        fixed_vae = fp16_fix_vae(comps["vae"])
        base = StableDiffusionXLPipeline(**{**comps, "vae": fixed_vae,
                                            "scheduler": EulerDiscreteScheduler.from_config(scheduler_cfg)})
        engine = SDXLSpriteBackend.from_pipeline(base, device=policy, mode="standard",
                                                 compile=compile_mode == "max-autotune", vae_kind="fp16-fix")
        if compile_mode not in ("none", "max-autotune"):
            engine.pipe.unet = torch.compile(engine.pipe.unet, mode=compile_mode, fullgraph=True)

        def sibling(mode: str, vae: Any, vae_kind: str) -> Any:
            # shares the (compiled) UNet and the text encoders with `engine`
            parts = {**engine.pipe.components, "vae": vae,
                     "scheduler": EulerDiscreteScheduler.from_config(scheduler_cfg)}
            return SDXLSpriteBackend.from_pipeline(StableDiffusionXLPipeline(**parts), device=policy, mode=mode,
                                                   compile=False, vae_kind=vae_kind)

        specs = {"engine_b1": (engine, 1, steps, GUIDANCE, "fp16-fix (fp16 decode)"),
                 "engine_b3": (engine, 3, steps, GUIDANCE, "fp16-fix (fp16 decode)")}
        if "engine_taesd_b1" in cases:
            specs["engine_taesd_b1"] = (sibling("standard", taesd, "taesd"), 1, steps, GUIDANCE, "taesdxl")
        if "engine_4step" in cases:
            specs["engine_4step"] = (sibling("lightning", fixed_vae, "fp16-fix"), 1, fast_steps, 0.0,
                                     "fp16-fix (fp16 decode)")
        if "engine_4step_taesd" in cases:
            specs["engine_4step_taesd"] = (sibling("lightning", taesd, "taesd"), 1, fast_steps, 0.0, "taesdxl")
        for name in ("engine_b1", "engine_b3", "engine_taesd_b1", "engine_4step", "engine_4step_taesd"):
            if name in cases:
                backend, batch, n_steps, guidance, vae = specs[name]
                record(name, "engine", batch, n_steps, vae, engine_run(backend, batch, n_steps, guidance),
                       lambda b=backend: b.pipe.scheduler)

    # agreement: the engine draws the same images as diffusers (same weights, seeds, scheduler)
    for name, base_name in BASELINE.items():
        if name in outputs and base_name in outputs and "taesd" not in name:
            a, b = outputs[base_name].astype(np.int16), outputs[name].astype(np.int16)
            row = next(r for r in rows if r["case"] == name)
            row["max_abs_diff_vs_diffusers"] = int(np.abs(a - b).max()) if a.shape == b.shape else None

    decode_rows = decode_benchmark(comps["vae"], taesd, size=size, cuda=cuda, repeats=max(repeats, 3)) \
        if "decode" in cases else []
    settings = {"size": f"{size}x{size}", "steps": steps, "fast_steps": fast_steps, "guidance": GUIDANCE,
                "dtype": "fp16" if cuda else "fp32", "device": device, "compile": compile_mode,
                "static_shapes": cuda and not args.dynamic_shapes, "warmup_engine": warmup, "repeats": repeats,
                "build_s": round(build_s, 2), "tiny": bool(args.tiny)}
    return finish({"machine": machine_info(cuda, "diffusers"), "settings": settings, "cases": rows, "decode": decode_rows})


def decode_benchmark(vae: Any, taesd: Any, *, size: int, cuda: bool, repeats: int) -> list[dict[str, Any]]:
    """The decoders alone on one latent: the default VAE upcast to fp32 (what diffusers does for
    SDXL's VAE), the same VAE in fp16 (fp16-fix set-up) and TAESDXL."""
    import copy

    import torch

    latent_side = size // (2 ** (len(vae.config.block_out_channels) - 1))
    latents = torch.randn(1, 4, latent_side, latent_side, generator=torch.Generator("cpu").manual_seed(0))
    rows = []
    for name, model in (("vae_fp32_upcast", copy.deepcopy(vae).float()), ("vae_fp16", vae), ("taesdxl", taesd)):
        x = latents.to(device=model.device, dtype=model.dtype)

        def run(model=model, x=x):
            with torch.inference_mode():
                return model.decode(x).sample

        sync(cuda)
        run()                               # warm-up
        sync(cuda)
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            run()
            sync(cuda)
            times.append(time.perf_counter() - t)
        rows.append({"decoder": name, "dtype": str(model.dtype).removeprefix("torch."),
                     "s_per_image": statistics.median(times),
                     "peak_gib": torch.cuda.max_memory_allocated() / 2**30 if cuda else None})
    return rows


# ----------------------------------------------------------------------------------------------
# Ratios, targets, report


def finish(result: dict[str, Any]) -> dict[str, Any]:
    """Add the ratios against diffusers, the targets and the markdown table to ``result``."""
    by = {r["case"]: r for r in result["cases"]}
    for name, base_name in BASELINE.items():
        if name in by and base_name in by:
            by[name]["speedup_vs_diffusers"] = by[base_name]["s_per_image"] / by[name]["s_per_image"]
    targets = []

    def target(what: str, value: float | None, goal: float, better: str, source: str) -> None:
        met = None if value is None else (value >= goal if better == "higher" else value <= goal)
        if result["settings"].get("tiny"):
            met = None                  # a smoke run says nothing about the targets
        targets.append({"target": what, "goal": f"{'≥' if better == 'higher' else '≤'} {goal:g}",
                        "measured": value, "from": source, "met": met})

    if "engine_b1" in by and "diffusers_b1" in by:
        target("engine vs diffusers defaults, 30 steps, batch 1 (×)", by["engine_b1"]["speedup_vs_diffusers"],
               TARGETS["speedup_vs_diffusers"], "higher", "engine_b1 / diffusers_b1")
    thirty = [by[c] for c in ("engine_b1", "engine_taesd_b1") if c in by]
    if thirty:
        best = min(thirty, key=lambda r: r["s_per_image"])
        target("s per 30-step image", best["s_per_image"], TARGETS["s_per_image_30step"], "lower", best["case"])
    four = [by[c] for c in ("engine_4step", "engine_4step_taesd") if c in by]
    if four:
        best = min(four, key=lambda r: r["s_per_image"])
        target("s per 4-step image", best["s_per_image"], TARGETS["s_per_image_4step"], "lower", best["case"])
    if "engine_b1" in by and "engine_b3" in by:
        target("3 batched variants / one image (×)", by["engine_b3"]["s_per_call"] / by["engine_b1"]["s_per_call"],
               TARGETS["batch3_over_batch1"], "lower", "engine_b3 / engine_b1 (s per call)")
    result["targets"] = targets
    result["anchors"] = ANCHORS
    result["markdown"] = markdown(result)
    return result


def markdown(result: dict[str, Any]) -> str:
    s, m = result["settings"], result["machine"]
    head = table_head(f"SDXL (random weights) · {s['size']} · {s['dtype']} on {m.get('gpu') or 'CPU'} · "
                      f"torch {m['torch']} · diffusers {m['diffusers']} · compile {s['compile']}", s.get("tiny"))
    lines = [head, "", "| case | path | batch | steps | VAE | s/call | s/image | it/s | peak GiB | warm-up s "
             "| × vs diffusers |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in result["cases"]:
        lines.append(f"| {r['case']} | {r['path']} | {r['batch']} | {r['steps']} | {r['vae']} | {fmt(r['s_per_call'])} "
                     f"| {fmt(r['s_per_image'])} | {fmt(r['it_per_s'])} | {fmt(r['peak_gib'])} | {fmt(r['warmup_s'])} "
                     f"| {fmt(r.get('speedup_vs_diffusers'))} |")
    if result.get("decode"):
        lines += ["", "| decoder | dtype | s/image | peak GiB |", "|---|---|---|---|"]
        lines += [f"| {r['decoder']} | {r['dtype']} | {fmt(r['s_per_image'])} | {fmt(r['peak_gib'])} |"
                  for r in result["decode"]]
    lines += targets_and_anchors(result, ANCHORS)
    return "\n".join(lines) + "\n"


def merge(paths: list[Path]) -> dict[str, Any]:
    """Join the cases of several runs (same machine and settings) into one result; later files win."""
    parts = load_runs(paths)
    rows: dict[str, dict[str, Any]] = {}
    decode: list[dict[str, Any]] = []
    for part in parts:
        for r in part["cases"]:
            rows[r["case"]] = {k: v for k, v in r.items() if k != "speedup_vs_diffusers"}
        decode = part.get("decode") or decode
    order = {c: i for i, c in enumerate(ALL_CASES)}
    cases = sorted(rows.values(), key=lambda r: order.get(r["case"], 99))
    return finish({"machine": parts[-1]["machine"], "settings": {**parts[-1]["settings"], "merged_from":
                   [str(p) for p in paths]}, "cases": cases, "decode": decode})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", action="store_true", help="tiny SDXL on the CPU, 64x64, 2 steps: a smoke run")
    ap.add_argument("--out", type=Path, default=None,
                    help="JSON result (a .md table is written beside it); default benchmarks/results/gpu_sdxl[_tiny].json")
    ap.add_argument("--cases", default=None, help=f"comma-separated subset of: {', '.join(ALL_CASES)}")
    ap.add_argument("--compile", default="max-autotune", choices=("max-autotune", "default", "none"),
                    help="torch.compile of the engine's UNet (max-autotune is the engine's own setting)")
    ap.add_argument("--dynamic-shapes", action="store_true",
                    help="let torch.compile go dynamic on the batch axis (default: one static graph per shape)")
    ap.add_argument("--size", type=int, default=None, help="image side (default 1024; tiny 64)")
    ap.add_argument("--steps", type=int, default=None, help="standard steps (default 30; tiny 2)")
    ap.add_argument("--fast-steps", type=int, default=None, help="few-step mode steps (default 4; tiny 2)")
    ap.add_argument("--repeats", type=int, default=None, help="timed calls per case (default 3; tiny 1)")
    ap.add_argument("--warmup", type=int, default=None, help="engine warm-up calls (default 2 compiled, else 1)")
    ap.add_argument("--merge", type=Path, nargs="+", default=None, help="join earlier JSON results instead of running")
    args = ap.parse_args(argv)

    if args.merge:
        result = merge(args.merge)
    else:
        import torch

        if not args.tiny and not torch.cuda.is_available():
            raise SystemExit(NO_CUDA)
        if args.tiny:
            torch.manual_seed(0)
        result = run_benchmark(args)
    out = args.out or HERE / "results" / ("gpu_sdxl_tiny.json" if args.tiny else "gpu_sdxl.json")
    write(result, out)
    print(result["markdown"])
    print(f"wrote {out} and {out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
