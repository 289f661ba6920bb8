"""SDXL sprite backend on a tiny random SDXL built here (CPU, 2 steps, 64x64, no hub)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sprixen_engine.backends.sdxl import PROMPT_KINDS, build_prompt, load_sdxl_config, prompt_kind
from sprixen_engine.device import DevicePolicy
from sprixen_engine.errors import InvalidRequest, ModelUnavailable

pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("transformers")

from tiny_sdxl import build_tiny_lora, build_tiny_sdxl  # noqa: E402

CPU = DevicePolicy("cpu", "fp32", 1, "test")
SIZE = (64, 64)
KW = dict(size_wh=SIZE, negative_prompt="blurry", steps=2, guidance=5.0)


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory) -> Path:
    return build_tiny_sdxl(tmp_path_factory.mktemp("sdxl") / "sdxl-tiny")


@pytest.fixture(scope="module")
def backend(tiny_dir):
    from sprixen_engine.backends.sdxl import SDXLSpriteBackend

    return SDXLSpriteBackend(tiny_dir, device=CPU)


@pytest.fixture(scope="module")
def lora_file(tiny_dir, tmp_path_factory) -> Path:
    pytest.importorskip("peft")
    return build_tiny_lora(tiny_dir, tmp_path_factory.mktemp("lora") / "tiny_lora.safetensors")


# ------------------------------------------------------------------ loading and outputs
def test_loads_saved_folder_and_reports(backend, tiny_dir):
    assert backend.name == "sdxl"
    info = backend.describe()
    assert info["scheduler"] == "EulerDiscreteScheduler" and info["dtype"] == "fp32" and info["vae"] == "default"
    assert (tiny_dir / "tokenizer" / "tokenizer_config.json").exists()
    assert backend.defaults() == (30, 6.0)


@pytest.mark.parametrize("n", [1, 3])
def test_output_shapes_and_dtype(backend, n):
    images = backend.generate(["pixel art knight with a sword"] * n, seeds=list(range(10, 10 + n)), **KW)
    assert len(images) == n
    for img in images:
        assert img.shape == (64, 64, 4) and img.dtype == np.uint8
        assert (img[..., 3] == 255).all()
        assert img[..., :3].std() > 0


def test_size_snapped_to_multiple_of_8(backend):
    (img,) = backend.generate(["a knight"], seeds=[0], size_wh=(70, 67), negative_prompt="", steps=2)
    assert img.shape == (64, 64, 4)
    (wide,) = backend.generate(["a knight"], seeds=[0], size_wh=(96, 64), negative_prompt="", steps=2)
    assert wide.shape == (64, 96, 4)


def test_variant_reproducible_alone(backend):
    seeds = [3, 4, 5]
    batch = backend.generate(["red knight"] * 3, seeds=seeds, **KW)
    for i in (0, 2):
        (single,) = backend.generate(["red knight"], seeds=[seeds[i]], **KW)
        assert np.abs(single.astype(int) - batch[i].astype(int)).max() <= 2
    again = backend.generate(["red knight"] * 3, seeds=seeds, **KW)
    assert all(np.array_equal(a, b) for a, b in zip(batch, again, strict=True))


def test_different_seeds_differ(backend):
    a, b = backend.generate(["red knight"] * 2, seeds=[1, 2], **KW)
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 5


def test_img2img_with_reference(backend):
    rng = np.random.default_rng(0)
    ref = np.zeros((40, 40, 4), np.uint8)
    ref[..., :3] = rng.integers(0, 256, (40, 40, 3))
    ref[8:32, 8:32, 3] = 255
    kw = dict(KW, steps=4)
    out = backend.generate(["knight"] * 2, seeds=[7, 8], reference=ref, strength=0.5, **kw)
    assert [o.shape for o in out] == [(64, 64, 4)] * 2 and out[0].dtype == np.uint8
    (solo,) = backend.generate(["knight"], seeds=[8], reference=ref, strength=0.5, **kw)
    assert np.abs(solo.astype(int) - out[1].astype(int)).max() <= 2
    (txt,) = backend.generate(["knight"], seeds=[7], **kw)
    assert np.abs(txt.astype(int) - out[0].astype(int)).mean() > 1
    assert backend.img2img.unet is backend.pipe.unet          # components are shared, not copied
    with pytest.raises(InvalidRequest, match="strength"):
        backend.generate(["knight"], seeds=[1], reference=ref, strength=0.2, **KW)   # 2 × 0.2 < 1 step


# ------------------------------------------------------------------ LoRA, modes, VAE
def test_lora_fused_with_weight_changes_output(tiny_dir, backend, lora_file):
    from sprixen_engine.backends.sdxl import SDXLSpriteBackend

    (plain,) = backend.generate(["a knight"], seeds=[11], **KW)
    with_lora = SDXLSpriteBackend(tiny_dir, device=CPU, lora=[(lora_file, 0.5)])
    (lo,) = with_lora.generate(["a knight"], seeds=[11], **KW)
    assert np.abs(lo.astype(int) - plain.astype(int)).mean() > 1
    # fused: no adapter layers remain, and the weight scales the change
    assert not any("lora" in n for n, _ in with_lora.pipe.unet.named_parameters())
    assert with_lora.describe()["lora"] == [["tiny_lora.safetensors", 0.5]]
    stronger = SDXLSpriteBackend(tiny_dir, device=CPU, lora=[(lora_file, 1.0)])
    (hi,) = stronger.generate(["a knight"], seeds=[11], **KW)
    assert np.abs(hi.astype(int) - plain.astype(int)).mean() > np.abs(lo.astype(int) - plain.astype(int)).mean()


def test_two_loras_fuse_additively(tiny_dir, lora_file):
    from sprixen_engine.backends.sdxl import SDXLSpriteBackend

    twice = SDXLSpriteBackend(tiny_dir, device=CPU, lora=[(lora_file, 0.5), (lora_file, 0.5)])
    once = SDXLSpriteBackend(tiny_dir, device=CPU, lora=[(lora_file, 1.0)])
    (a,) = twice.generate(["a knight"], seeds=[11], **KW)
    (b,) = once.generate(["a knight"], seeds=[11], **KW)
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 2


def test_missing_lora_file(tiny_dir, tmp_path):
    from sprixen_engine.backends.sdxl import SDXLSpriteBackend

    with pytest.raises(ModelUnavailable, match="lora"):
        SDXLSpriteBackend(tiny_dir, device=CPU, lora=[(tmp_path / "nope.safetensors", 1.0)])


def test_lcm_mode_scheduler(tiny_dir):
    from sprixen_engine.backends.sdxl import SDXLSpriteBackend

    lcm = SDXLSpriteBackend(tiny_dir, device=CPU, mode="lcm")
    assert type(lcm.pipe.scheduler).__name__ == "LCMScheduler"
    steps, guidance = lcm.defaults()
    assert 4 <= steps <= 8 and 1.0 <= guidance <= 1.5
    (img,) = lcm.generate(["a knight"], seeds=[1], size_wh=SIZE, negative_prompt="", steps=2)
    assert img.shape == (64, 64, 4)
    assert type(lcm.img2img.scheduler).__name__ == "LCMScheduler"


def test_lightning_mode_scheduler(tiny_dir):
    from sprixen_engine.backends.sdxl import SDXLSpriteBackend

    fast = SDXLSpriteBackend(tiny_dir, device=CPU, mode="lightning")
    sched = fast.pipe.scheduler
    assert type(sched).__name__ == "EulerDiscreteScheduler" and sched.config.timestep_spacing == "trailing"
    assert fast.defaults() == (4, 0.0)
    sched.set_timesteps(4)
    assert int(sched.timesteps[0]) == 999                   # trailing spacing starts at the last timestep
    (img,) = fast.generate(["a knight"], seeds=[1], size_wh=SIZE, negative_prompt="", steps=2)
    assert img.shape == (64, 64, 4)


def test_replacement_vae_and_taesd(tiny_dir, tmp_path):
    import torch
    from diffusers import AutoencoderKL, AutoencoderTiny

    from sprixen_engine.backends.sdxl import SDXLSpriteBackend

    vae_dir = tmp_path / "vae"
    AutoencoderKL.from_pretrained(tiny_dir / "vae", local_files_only=True).save_pretrained(vae_dir)
    torch.manual_seed(0)
    taesd_dir = tmp_path / "taesd"
    # 2 blocks: one 2x down/up-sampling, matching the tiny VAE's scale factor (TAESDXL: 4 blocks, 8x)
    AutoencoderTiny(encoder_block_out_channels=(8, 8), decoder_block_out_channels=(8, 8),
                    num_encoder_blocks=(1, 1), num_decoder_blocks=(1, 1)).save_pretrained(taesd_dir)
    b1 = SDXLSpriteBackend(tiny_dir, device=CPU, vae_dir=vae_dir)
    assert b1.describe()["vae"] == "fp16-fix"
    b2 = SDXLSpriteBackend(tiny_dir, device=CPU, taesd_dir=taesd_dir)
    assert type(b2.pipe.vae).__name__ == "AutoencoderTiny" and b2.describe()["vae"] == "taesd"
    (img,) = b2.generate(["a knight"], seeds=[0], **KW)
    assert img.shape == (64, 64, 4) and img.dtype == np.uint8
    with pytest.raises(ModelUnavailable, match="taesdxl"):
        SDXLSpriteBackend(tiny_dir, device=CPU, taesd_dir=tmp_path / "missing")


# ------------------------------------------------------------------ errors
def test_missing_model_folder(tmp_path):
    from sprixen_engine.backends.sdxl import SDXLSpriteBackend

    with pytest.raises(ModelUnavailable) as err:
        SDXLSpriteBackend(tmp_path / "nothing-here", device=CPU)
    msg = str(err.value)
    assert "sdxl-base-1.0" in msg and "model_index.json" in msg and "weights/sdxl-base-1.0/" in msg
    assert "SPRIXEN_WEIGHTS" in msg and "engine.toml" in msg


def test_folder_that_is_not_diffusers(tmp_path):
    from sprixen_engine.backends.sdxl import SDXLSpriteBackend

    (tmp_path / "junk.txt").write_text("x")
    with pytest.raises(InvalidRequest, match="model_dir.*model_index.json"):
        SDXLSpriteBackend(tmp_path, device=CPU)


def test_broken_diffusers_folder(tmp_path):
    from sprixen_engine.backends.sdxl import SDXLSpriteBackend

    (tmp_path / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusionXLPipeline",
                                                           "unet": ["diffusers", "UNet2DConditionModel"]}))
    with pytest.raises(ModelUnavailable, match="sdxl-base-1.0"):
        SDXLSpriteBackend(tmp_path, device=CPU)


def test_bad_mode(tiny_dir):
    from sprixen_engine.backends.sdxl import SDXLSpriteBackend

    with pytest.raises(InvalidRequest, match="^mode"):
        SDXLSpriteBackend(tiny_dir, device=CPU, mode="turbo")


@pytest.mark.parametrize("field, kwargs", [
    ("prompts", dict(prompts=[])),
    ("prompts", dict(prompts=[""])),
    ("prompts", dict(prompts="a knight")),
    ("seeds", dict(seeds=[1, 2])),
    ("seeds", dict(seeds=[-1])),
    ("size", dict(size_wh=(32, 64))),
    ("size", dict(size_wh=(64, 4096))),
    ("size", dict(size_wh=(64.0, 64))),
    ("negative_prompt", dict(negative_prompt=None)),
    ("steps", dict(steps=0)),
    ("guidance", dict(guidance=-1.0)),
    ("reference", dict(reference=np.zeros((16, 16), np.uint8))),
    ("reference", dict(reference=np.zeros((16, 16, 3), np.float32))),
    ("strength", dict(reference=np.zeros((16, 16, 3), np.uint8), strength=0.0)),
])
def test_check_inputs_names_field(backend, field, kwargs):
    args = dict(prompts=["a knight"], seeds=[1], **KW)
    args.update(kwargs)
    prompts = args.pop("prompts")
    with pytest.raises(InvalidRequest) as err:
        backend.generate(prompts, **args)
    assert err.value.field == field and str(err.value).startswith(field)


# ------------------------------------------------------------------ prompts (no torch needed)
def test_build_prompt_character():
    pos, neg = build_prompt(subject="skeleton_knight", category="character", styles=("dark_fantasy", "pixel"),
                            colors=(("red", (200, 0, 0)), ("gold", (220, 180, 0))), view="side",
                            art_style="pixel", modifiers=("moss",))
    assert pos.startswith("pixel art game sprite")
    assert "dark fantasy" in pos and "red and gold color scheme" in pos and "skeleton knight, with moss" in pos
    assert "side view" in pos and "white background" in pos
    assert ", ," not in pos and "  " not in pos
    assert "watermark" in neg and "anti-aliasing" in neg


@pytest.mark.parametrize("art_style", ["pixel", "vector", "painterly"])
@pytest.mark.parametrize("kind", PROMPT_KINDS)
def test_build_prompt_every_kind_and_style(kind, art_style):
    pos, neg = build_prompt(subject="stone wall", kind=kind, art_style=art_style, items=("sword", "potion"))
    cfg = load_sdxl_config()
    assert pos.startswith(cfg.style_lock[art_style].split(",")[0])
    assert ("sword, potion" in pos) == (kind == "pack_sheet")
    assert ("seams" in neg) == (kind == "tile_texture")
    assert "{" not in pos and ", ," not in pos


def test_prompt_kind_and_errors():
    assert prompt_kind("creature") == "creature"
    assert prompt_kind("character", request_type="pack") == "pack_item"
    assert prompt_kind("item", request_type="environment") == "prop"
    with pytest.raises(InvalidRequest, match="^art_style"):
        build_prompt(subject="knight", art_style="oil")
    with pytest.raises(InvalidRequest, match="^kind"):
        build_prompt(subject="knight", kind="poster")
    with pytest.raises(InvalidRequest, match="^subject"):
        build_prompt(subject=" ")


def test_module_import_is_lazy():
    code = ("import sys, sprixen_engine.backends.sdxl as m; "
            "assert not any(k in sys.modules for k in ('torch', 'diffusers', 'transformers')), 'heavy import'")
    subprocess.run([sys.executable, "-c", code], check=True)
