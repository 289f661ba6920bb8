"""The GPU benchmark scripts, checked without a GPU.

- ``configs/sdxl_arch/``: each architecture config, instantiated on the meta device (no memory,
  no download), has the published parameter count of SDXL base 1.0's component.
- ``benchmarks/gpu_sdxl.py --tiny`` and ``benchmarks/gpu_rmbg.py --tiny`` run end to end on the
  CPU and write their JSON and markdown; the engine's path draws exactly diffusers' images.
- Without CUDA (and without ``--tiny``) the scripts stop with a clear message.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench_scripts import load_bench_script

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
ARCH = ROOT / "configs" / "sdxl_arch"

# published parameter counts of stabilityai/stable-diffusion-xl-base-1.0's components
PUBLISHED = {
    "unet": 2_567_463_684,
    "vae": 83_653_863,
    "text_encoder": 123_060_480,       # CLIP ViT-L/14 text tower
    "text_encoder_2": 694_659_840,     # OpenCLIP ViT-bigG/14 text tower with projection
}


@pytest.fixture(scope="module")
def gpu_sdxl():
    pytest.importorskip("diffusers")
    pytest.importorskip("transformers")
    return load_bench_script("gpu_sdxl")


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_arch_config_has_the_published_parameter_count(gpu_sdxl, name):
    accelerate = pytest.importorskip("accelerate")
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    cfg = gpu_sdxl.arch_config(name)
    with accelerate.init_empty_weights():
        if name == "unet":
            model = UNet2DConditionModel.from_config(cfg)
        elif name == "vae":
            model = AutoencoderKL.from_config(cfg)
        else:
            cls = CLIPTextModel if name == "text_encoder" else CLIPTextModelWithProjection
            model = cls(CLIPTextConfig(**cfg))
    params = list(model.parameters())
    assert all(p.device.type == "meta" for p in params)
    count = sum(p.numel() for p in params)
    assert abs(count - PUBLISHED[name]) / PUBLISHED[name] < 0.005, (name, count)


def test_arch_configs_name_their_class_and_key_values():
    load = {p.stem: json.loads(p.read_text()) for p in ARCH.glob("*.json")}
    assert set(load) == {"unet", "vae", "text_encoder", "text_encoder_2", "scheduler", "taesdxl"}
    assert load["unet"]["_class_name"] == "UNet2DConditionModel"
    assert load["unet"]["transformer_layers_per_block"] == [1, 2, 10]
    assert load["unet"]["addition_embed_type"] == "text_time"
    assert load["vae"]["scaling_factor"] == 0.13025 and load["vae"]["force_upcast"] is True
    assert load["text_encoder"]["hidden_act"] == "quick_gelu"
    assert load["text_encoder_2"]["hidden_act"] == "gelu"
    assert load["scheduler"]["_class_name"] == "EulerDiscreteScheduler"
    assert load["scheduler"]["timestep_spacing"] == "leading"
    assert load["taesdxl"]["_class_name"] == "AutoencoderTiny"


def test_taesdxl_and_scheduler_configs_build(gpu_sdxl):
    accelerate = pytest.importorskip("accelerate")
    from diffusers import AutoencoderTiny, EulerDiscreteScheduler

    with accelerate.init_empty_weights():
        taesd = AutoencoderTiny.from_config(gpu_sdxl.arch_config("taesdxl"))
    assert 2_000_000 < sum(p.numel() for p in taesd.parameters()) < 3_000_000   # TAESD: about 2.4 M
    scheduler = EulerDiscreteScheduler.from_config(gpu_sdxl.arch_config("scheduler"))
    assert scheduler.config.steps_offset == 1


def test_gpu_sdxl_tiny_runs_end_to_end(gpu_sdxl, tmp_path):
    out = tmp_path / "sdxl.json"
    assert gpu_sdxl.main(["--tiny", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert (tmp_path / "sdxl.md").read_text().startswith("SDXL (random weights) · 64x64")
    cases = {r["case"]: r for r in result["cases"]}
    assert set(cases) == set(gpu_sdxl.ALL_CASES) - {"decode"}
    for r in cases.values():
        assert r["s_per_call"] > 0 and r["s_per_image"] == pytest.approx(r["s_per_call"] / r["batch"])
        assert r["it_per_s"] > 0
    for name, base in gpu_sdxl.BASELINE.items():
        assert cases[name]["speedup_vs_diffusers"] == pytest.approx(
            cases[base]["s_per_image"] / cases[name]["s_per_image"])
    # same weights, seeds and scheduler in fp32: the engine's generate() draws diffusers' images
    assert cases["engine_b1"]["max_abs_diff_vs_diffusers"] <= 1
    assert cases["engine_b3"]["max_abs_diff_vs_diffusers"] <= 1
    assert cases["engine_4step"]["max_abs_diff_vs_diffusers"] <= 1
    assert {d["decoder"] for d in result["decode"]} == {"vae_fp32_upcast", "vae_fp16", "taesdxl"}
    assert len(result["targets"]) == 4 and all(t["met"] is None for t in result["targets"])  # smoke run
    assert result["settings"]["tiny"] is True and result["settings"]["compile"] == "none"


def test_gpu_sdxl_merge_joins_partial_runs(gpu_sdxl, tmp_path):
    part_a, part_b = tmp_path / "a.json", tmp_path / "b.json"
    gpu_sdxl.main(["--tiny", "--cases", "diffusers_b1", "--out", str(part_a)])
    gpu_sdxl.main(["--tiny", "--cases", "engine_b1", "--out", str(part_b)])
    assert "speedup_vs_diffusers" not in json.loads(part_b.read_text())["cases"][0]
    merged = tmp_path / "all.json"
    gpu_sdxl.main(["--merge", str(part_a), str(part_b), "--out", str(merged)])
    result = json.loads(merged.read_text())
    assert [r["case"] for r in result["cases"]] == ["diffusers_b1", "engine_b1"]
    assert result["cases"][1]["speedup_vs_diffusers"] > 0
    assert result["targets"][0]["from"] == "engine_b1 / diffusers_b1"


def test_gpu_sdxl_rejects_unknown_cases(gpu_sdxl, tmp_path):
    with pytest.raises(SystemExit, match="unknown case"):
        gpu_sdxl.main(["--tiny", "--cases", "warp_speed", "--out", str(tmp_path / "x.json")])


def test_gpu_sdxl_without_cuda_says_so(gpu_sdxl):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present: the full benchmark would run")
    with pytest.raises(SystemExit, match="no CUDA device: run with --tiny for a smoke run"):
        gpu_sdxl.main([])


def test_from_pipeline_checks_the_mode():
    from sprixen_engine.backends.sdxl import SDXLSpriteBackend
    from sprixen_engine.device import DevicePolicy
    from sprixen_engine.errors import InvalidRequest

    with pytest.raises(InvalidRequest, match="mode"):
        SDXLSpriteBackend.from_pipeline(object(), device=DevicePolicy(), mode="turbo")


def test_gpu_rmbg_tiny_runs_end_to_end(tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    gpu_rmbg = load_bench_script("gpu_rmbg")
    out = tmp_path / "rmbg.json"
    assert gpu_rmbg.main(["--tiny", "--repeats", "1", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    cases = {r["case"]: r for r in result["cases"]}
    assert set(cases) == {"rmbg_infer_b1", "rmbg_infer_b4", "rmbg_remove_b1", "rmbg_remove_b4", "classic"}
    assert cases["rmbg_infer_b4"]["images_per_call"] == 4 and cases["rmbg_infer_b4"]["note"] == "one call of 4"
    assert all(r["ms_per_image"] > 0 for r in cases.values())
    assert result["alpha_agreement_with_classic"] > 0.99      # the darkness model finds the disc
    assert result["target"]["met"] is None                      # smoke run
    assert "tiny smoke model" in (tmp_path / "rmbg.md").read_text()
    if "CUDAExecutionProvider" not in ort.get_available_providers():
        with pytest.raises(SystemExit, match="no CUDAExecutionProvider"):
            gpu_rmbg.main([])


def test_gpu_scripts_stay_out_of_the_cpu_runner():
    runner = (BENCH / "run.py").read_text()
    assert 'glob("bench_*.py")' in runner
    assert not list(BENCH.glob("bench_gpu*.py"))
    assert (BENCH / "gpu_sdxl.py").is_file() and (BENCH / "gpu_rmbg.py").is_file()


def test_full_size_components_build_on_the_meta_device(gpu_sdxl, tmp_path):
    """The full-size build path of gpu_sdxl.py (configs, fp16 cast, 77-token tokenizer), without memory."""
    import torch
    from diffusers import StableDiffusionXLPipeline

    comps = gpu_sdxl.full_components("meta", torch.float16, tmp_path)
    taesd = comps.pop("taesd")
    assert next(taesd.parameters()).dtype == torch.float16
    counts = {k: sum(p.numel() for p in comps[k].parameters()) for k in PUBLISHED}
    assert counts == PUBLISHED
    assert len(comps["tokenizer"](["a knight"], padding="max_length", max_length=77).input_ids[0]) == 77
    assert StableDiffusionXLPipeline(**comps).vae_scale_factor == 8
