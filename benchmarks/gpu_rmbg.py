"""GPU benchmark: RMBG-2.0 matting at 1024x1024 (ONNX, fp16 on CUDA) against the classic kernel.

Times :class:`sprixen_engine.backends.rmbg.RMBGMatting` on the same synthetic sprites (a dark
disc with an anti-aliased edge on white, 1024x1024):

- ``rmbg_infer_b1`` / ``rmbg_infer_b4``: the model call alone (pre-processing + onnxruntime +
  activation), one image per call and four per call (throughput in images/s);
- ``rmbg_remove_b1`` / ``rmbg_remove_b4``: the whole ``remove`` / ``remove_batch`` (refinement
  into alpha included);
- ``classic``: :func:`sprixen_engine.core.matting.remove_background` on the same images (CPU), the
  baseline the ``auto`` method falls back to.

Target (issue #3, report only): ≤ 40 ms per 1024² image on an H100 (BiRefNet publishes 69 ms on
an A100).

    python benchmarks/gpu_rmbg.py [--model PATH] [--tiny] [--out results.json]

``--model`` defaults to the weights registry's ``rmbg-2.0-onnx-fp16`` (then ``rmbg-2.0-onnx``).
The CUDA path needs ``onnxruntime-gpu``; without its CUDA provider the script stops unless
``--allow-cpu``. ``--tiny`` builds the tiny "darkness" ONNX model of ``tests/test_rmbg.py`` and
runs on the CPU: a smoke run for CI, not a performance figure.
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from gpu_common import table_head, write  # noqa: E402

SIDE = 1024
TARGET_MS = 40.0
ANCHOR = "BiRefNet (RMBG-2.0's architecture) publishes 69 ms per 1024² image on an A100"
NO_CUDA = ("onnxruntime has no CUDAExecutionProvider (install onnxruntime-gpu): run with --tiny for a smoke run, "
           "or --allow-cpu to time the CPU")


def sprite_images(n: int, side: int = SIDE, seed: int = 0) -> list[np.ndarray]:
    """``n`` RGBA uint8 test sprites: a dark disc (anti-aliased edge) on white, at varied spots."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
    out = []
    for _ in range(n):
        cy, cx = rng.uniform(0.35, 0.65, 2) * side
        r = rng.uniform(0.2, 0.3) * side
        cover = np.clip(r - np.hypot(yy - cy, xx - cx) + 0.5, 0, 1)[..., None]
        colour = rng.integers(20, 120, 3).astype(np.float32)
        rgb = np.rint(colour * cover + 255 * (1 - cover)).astype(np.uint8)
        out.append(np.dstack([rgb, np.full((side, side), 255, np.uint8)]))
    return out


def _median_s(fn, repeats: int) -> float:
    fn()  # warm-up (session creation, CUDA kernels, cuDNN autotune)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def tiny_model(folder: Path) -> Path:
    """The tiny darkness ONNX model of ``tests/test_rmbg.py`` (needs ``onnx`` and ``pytest``)."""
    spec = importlib.util.spec_from_file_location("_rmbg_test_models", ROOT / "tests" / "test_rmbg.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = module        # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module.build_model(folder / "tiny_rmbg.onnx")


def default_model() -> tuple[Path, str]:
    """The registry's RMBG-2.0 export: fp16 first, then fp32 (raises ModelUnavailable with where to put it)."""
    from sprixen_engine.backends.rmbg import FP16_ID, FP32_ID
    from sprixen_engine.backends.weights import registry_from_config
    from sprixen_engine.errors import ModelUnavailable

    registry = registry_from_config()
    for model_id, precision in ((FP16_ID, "fp16"), (FP32_ID, "fp32")):
        found = registry.locate(model_id)
        if found is not None:
            return Path(found), precision
    raise ModelUnavailable(f"gpu_rmbg: neither {FP16_ID} nor {FP32_ID} is present; "
                           f"{registry.missing_message(FP16_ID)}; or pass --model PATH")


def run_benchmark(model: Path, precision: str, *, tiny: bool, repeats: int, n_images: int) -> dict[str, Any]:
    import onnxruntime as ort

    from sprixen_engine.backends.rmbg import RMBGMatting
    from sprixen_engine.core.matting import remove_background
    from sprixen_engine.device import DevicePolicy

    policy = DevicePolicy("cpu", "fp32", 4, "tiny smoke") if tiny else DevicePolicy("cuda", "fp16", 4, "gpu benchmark")
    images = sprite_images(n_images)
    b1 = RMBGMatting(model, device=policy, precision=precision, batch_size=1)
    b4 = RMBGMatting(model, device=policy, precision=precision, batch_size=4)
    rows = []

    def add(case: str, per_call_s: float, images_per_call: int, note: str = "") -> None:
        rows.append({"case": case, "images_per_call": images_per_call, "ms_per_call": per_call_s * 1000,
                     "ms_per_image": per_call_s * 1000 / images_per_call,
                     "images_per_s": images_per_call / per_call_s, "note": note})

    add("rmbg_infer_b1", _median_s(lambda: b1.predict(images[:1]), repeats), 1, "pre-process + model + activation")
    batch4 = b4._batch_size()
    note4 = "" if batch4 == 4 else f"graph batch axis fixed at {batch4}: ran as {4 // batch4} calls"
    add("rmbg_infer_b4", _median_s(lambda: [b4.predict(images[i:i + batch4]) for i in range(0, 4, batch4)], repeats),
        4, note4 or "one call of 4")
    add("rmbg_remove_b1", _median_s(lambda: b1.remove(images[0], hard=False), repeats), 1, "with refinement")
    add("rmbg_remove_b4", _median_s(lambda: b4.remove_batch(images[:4], hard=False), repeats), 4, "with refinement")
    add("classic", _median_s(lambda: remove_background(images[0], hard=False), repeats), 1, "CPU kernel baseline")
    alpha_agree = float(np.mean([(b1.remove(im, hard=True)[..., 3] > 127) == (remove_background(im, hard=True)[..., 3] > 127)
                                for im in images[:2]]))
    info = b1.info
    infer = rows[0]["ms_per_image"]
    result = {
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "onnxruntime": ort.__version__, "providers": info["providers"], "gpu": _gpu_name()},
        "settings": {"model": str(model), "precision": precision, "side": SIDE, "repeats": repeats,
                     "tiny": tiny, "activation": info["activation"]},
        "cases": rows,
        "alpha_agreement_with_classic": alpha_agree,
        "target": {"goal_ms": TARGET_MS, "measured_ms": infer, "from": "rmbg_infer_b1",
                   "met": None if tiny else infer <= TARGET_MS},
        "anchor": ANCHOR,
    }
    result["markdown"] = markdown(result)
    return result


def _gpu_name() -> str | None:
    try:
        import torch

        return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except ImportError:
        return None


def markdown(result: dict[str, Any]) -> str:
    m, s = result["machine"], result["settings"]
    head = table_head(f"RMBG-2.0 · {Path(s['model']).name} ({s['precision']}) · {SIDE}² · onnxruntime "
                      f"{m['onnxruntime']} · {', '.join(m['providers'])} · {m.get('gpu') or 'CPU'}", s["tiny"],
                      smoke="tiny smoke model")
    lines = [head, "", "| case | images/call | ms/call | ms/image | images/s | note |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['case']} | {r['images_per_call']} | {r['ms_per_call']:.1f} | {r['ms_per_image']:.1f} | "
              f"{r['images_per_s']:.1f} | {r['note']} |" for r in result["cases"]]
    t = result["target"]
    met = "–" if t["met"] is None else ("yes" if t["met"] else "no")
    lines += ["", f"Target: ≤ {t['goal_ms']:g} ms per image ({t['from']}): measured {t['measured_ms']:.1f} ms, "
              f"met: {met}. Hard-alpha agreement with the classic kernel: {result['alpha_agreement_with_classic']:.3f}. "
              f"Anchor: {result['anchor']}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=None, help="RMBG-2.0 .onnx file or folder (default: the registry)")
    ap.add_argument("--precision", choices=("fp16", "fp32"), default=None,
                    help="which export --model is (default: fp16 when the file name says so)")
    ap.add_argument("--tiny", action="store_true", help="tiny ONNX model on the CPU: a smoke run")
    ap.add_argument("--allow-cpu", action="store_true", help="time the CPU when onnxruntime has no CUDA provider")
    ap.add_argument("--repeats", type=int, default=None, help="timed calls per case (default 10; tiny 2)")
    ap.add_argument("--out", type=Path, default=None,
                    help="JSON result (.md beside it); default benchmarks/results/gpu_rmbg[_tiny].json")
    args = ap.parse_args(argv)

    import onnxruntime as ort

    with tempfile.TemporaryDirectory(prefix="sprixen-rmbg-bench-") as tmp:
        if args.tiny:
            model, precision = tiny_model(Path(tmp)), "fp32"
        else:
            if "CUDAExecutionProvider" not in ort.get_available_providers() and not args.allow_cpu:
                raise SystemExit(NO_CUDA)
            if args.model is not None:
                model = args.model
                precision = args.precision or ("fp16" if "fp16" in model.name else "fp32")
            else:
                model, precision = default_model()
                precision = args.precision or precision
        repeats = args.repeats or (2 if args.tiny else 10)
        result = run_benchmark(model, precision, tiny=args.tiny, repeats=repeats, n_images=4)
    out = args.out or HERE / "results" / ("gpu_rmbg_tiny.json" if args.tiny else "gpu_rmbg.json")
    write(result, out)
    print(result["markdown"])
    print(f"wrote {out} and {out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
