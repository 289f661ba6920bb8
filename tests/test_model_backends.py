"""The model backends through the Engine: a tiny random SDXL (with a tiny IP-Adapter) and a tiny
RMBG-2.0-shaped ONNX model, placed in a weights folder the test makes, found by the registry, selected
by ``backend=`` / ``method=``."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

pytest.importorskip("diffusers")
pytest.importorskip("onnx")

from sprixen_engine import Engine, ModelUnavailable  # noqa: E402
from sprixen_engine.config import EngineConfig, GenerationSettings, WeightsSettings  # noqa: E402
from test_rmbg import build_model  # noqa: E402
from tiny_sdxl import build_tiny_ip_adapter, build_tiny_sdxl  # noqa: E402

PACK = ["sword", "potion", "brass telescope"]


@pytest.fixture(scope="module")
def weights_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("weights")
    build_tiny_sdxl(root / "sdxl-base-1.0")
    build_tiny_ip_adapter(root / "sdxl-base-1.0", root / "ip-adapter-sdxl")
    build_model(root / "rmbg-2.0-onnx" / "onnx" / "model.onnx")
    return root


def _engine(weights_dir, ids):
    paths = {i: str(weights_dir / i) for i in ids}
    config = EngineConfig(generation=GenerationSettings(model_resolution=64), weights=WeightsSettings(paths=paths))
    engine = Engine(config)
    backend, _ = engine.sprite_backend("sdxl")
    backend.defaults = lambda: (4, 5.0)    # 4 steps instead of sdxl.toml's 30: the tiny model only has to run
    return engine


@pytest.fixture(scope="module")
def model_engine(weights_dir):
    """Everything installed: SDXL, its IP-Adapter and RMBG-2.0 (ONNX)."""
    return _engine(weights_dir, ("sdxl-base-1.0", "ip-adapter-sdxl", "rmbg-2.0-onnx"))


@pytest.fixture(scope="module")
def no_adapter_engine(weights_dir):
    return _engine(weights_dir, ("sdxl-base-1.0", "rmbg-2.0-onnx"))


def _reference():
    ref = np.full((48, 48, 3), 255, np.uint8)
    ref[8:40, 12:36] = (200, 40, 40)
    return ref


@pytest.fixture()
def bare_engine(tmp_path, monkeypatch):
    """An Engine that finds no weights anywhere."""
    monkeypatch.setenv("SPRIXEN_WEIGHTS", str(tmp_path / "none"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "no-cache"))
    engine = Engine()
    engine.weights.local_dir = tmp_path / "no-local"  # the repo's weights/ may hold real files
    return engine


def test_sdxl_backend_generates_sprites_at_the_requested_size(model_engine):
    result = model_engine.generate("a red dragon, pixel art", variant_count=2, resolution="32x32", seed=3,
                                   backend="sdxl")
    assert result.metadata["backend"] == "sdxl"
    assert result.metadata["model"]
    assert [im.size for im in result.images] == [(32, 32), (32, 32)]
    steps = result.sprites[0].metadata["steps"]
    assert steps[0] == "background_removal_rmbg" and "pixelize" in steps
    again = model_engine.generate("a red dragon, pixel art", variant_count=2, resolution="32x32", seed=3,
                                  backend="sdxl")
    assert [im.tobytes() for im in again.images] == [im.tobytes() for im in result.images]


def test_sdxl_smooth_style_is_resized_not_pixelized(model_engine):
    result = model_engine.generate("a knight, painterly", resolution="48x48", seed=1, backend="sdxl",
                                   skip_bg_removal=True)
    assert result.images[0].size == (48, 48)
    assert "pixelize" not in result.sprites[0].metadata["steps"]


def test_auto_keeps_the_procedural_backend_without_cuda(model_engine):
    result = model_engine.generate("a knight", seed=1)
    if model_engine.device.device == "cpu":
        assert result.metadata["backend"] == "procedural"
        assert "no CUDA device" in result.metadata["backendChoice"]


def test_remove_background_auto_uses_rmbg_when_installed(model_engine, bare_engine):
    img = np.full((80, 60, 3), 255, np.uint8)
    img[20:60, 15:45] = (30, 40, 160)
    assert model_engine.matting_backend("auto").name == "rmbg"
    cut = np.asarray(model_engine.remove_background(img))
    assert cut[0, 0, 3] == 0 and cut[40, 30, 3] == 255
    assert bare_engine.matting_backend("auto").name == "classic"


def test_missing_weights_name_files_and_place(bare_engine):
    with pytest.raises(ModelUnavailable) as info:
        bare_engine.generate("a knight", backend="sdxl")
    assert "sdxl-base-1.0" in info.value.message and "model_index.json" in info.value.message
    assert "weights" in info.value.message
    with pytest.raises(ModelUnavailable, match="rmbg-2.0"):
        bare_engine.remove_background(np.zeros((8, 8, 3), np.uint8), method="rmbg")
    assert bare_engine.generate("a knight", seed=1).metadata["backend"] == "procedural"


def test_weights_cli_is_registered(tmp_path, monkeypatch):
    from sprixen_engine.cli import app

    monkeypatch.setenv("SPRIXEN_WEIGHTS", str(tmp_path))
    res = CliRunner().invoke(app, ["weights", "list"])
    assert res.exit_code == 0, res.output
    assert "sdxl-base-1.0" in res.output and "rmbg-2.0-onnx" in res.output


# ------------------------------------------------------------------ reference images


def test_reference_goes_through_the_ip_adapter_when_installed(model_engine, no_adapter_engine):
    kw = dict(resolution="32x32", seed=5, backend="sdxl", skip_bg_removal=True)
    with_ref = model_engine.generate("a knight, pixel art", reference_image=_reference(), **kw)
    model = with_ref.metadata["model"]
    assert model["ip_adapter"]["weights"] == "ip-adapter_sdxl.safetensors" and model["reference"] == "ip_adapter"
    assert with_ref.images[0].size == (32, 32)
    plain = model_engine.generate("a knight, pixel art", **kw)
    assert plain.metadata["model"]["reference"] == "none"
    assert plain.images[0].tobytes() != with_ref.images[0].tobytes()
    again = model_engine.generate("a knight, pixel art", reference_image=_reference(), **kw)
    assert again.images[0].tobytes() == with_ref.images[0].tobytes()
    # without the adapter's weights the reference starts img2img
    fallback = no_adapter_engine.generate("a knight, pixel art", reference_image=_reference(), **kw)
    assert fallback.metadata["model"]["ip_adapter"] is None and fallback.metadata["model"]["reference"] == "img2img"


# ------------------------------------------------------------------ packs


def test_model_pack_draws_each_item_in_one_batch_per_variant(model_engine, monkeypatch):
    backend, _ = model_engine.sprite_backend("sdxl")
    calls = []
    real = backend.generate

    def spy(prompts, **kwargs):
        calls.append((list(prompts), list(kwargs["seeds"])))
        return real(prompts, **kwargs)

    monkeypatch.setattr(backend, "generate", spy)
    result = model_engine.generate("dungeon loot, pixel art", type="pack", pack_items=PACK, variant_count=2,
                                   resolution="32x32", seed=4, backend="sdxl")
    assert result.metadata["backend"] == "sdxl" and result.metadata["model"]["backend"] == "sdxl"
    assert result.metadata["packItems"] == PACK
    # one call per variant, one prompt per item (the pack_item template), seeds per item
    assert [len(p) for p, _ in calls] == [3, 3]
    assert calls[0][1] == [4, 4 + 7919, 4 + 2 * 7919] and calls[1][1][0] == 5
    prompts = calls[0][0]
    assert all("matching set" in p for p in prompts)
    assert "sword" in prompts[0] and "brass telescope" in prompts[2]   # unknown words kept as text
    for sprite in result.sprites:
        atlas = sprite.atlas
        assert list(atlas["frames"]) == ["sword", "potion", "brass_telescope"]
        sheet = np.asarray(sprite.image)
        assert sheet.shape == (2 * 32 + 3 * 2, 2 * 32 + 3 * 2, 4)            # 2x2 grid, 2 px padding
        for entry in atlas["frames"].values():
            f = entry["frame"]
            assert (f["w"], f["h"]) == (32, 32)
            assert sheet[f["y"]:f["y"] + 32, f["x"]:f["x"] + 32, 3].any()
        assert sprite.metadata["nativeSize"] == "64x64"
        assert sprite.metadata["steps"][0] == "background_removal_rmbg" and "pixelize" in sprite.metadata["steps"]
    assert result.sprites[0].image.tobytes() != result.sprites[1].image.tobytes()


def test_model_pack_is_reproducible_and_takes_the_reference_as_image_prompt(model_engine, no_adapter_engine):
    kw = dict(type="pack", pack_items=PACK[:2], resolution="32x32", seed=9, backend="sdxl")
    a = model_engine.generate("two items", **kw)
    b = model_engine.generate("two items", **kw)
    assert a.sprites[0].image.tobytes() == b.sprites[0].image.tobytes()
    assert a.metadata["model"]["reference"] == "none"
    ref = model_engine.generate("two items", reference_image=_reference(), **kw)
    assert ref.metadata["model"]["reference"] == "ip_adapter"
    assert ref.sprites[0].image.tobytes() != a.sprites[0].image.tobytes()
    # img2img would copy the reference into every item: without the adapter, packs leave it out
    plain = no_adapter_engine.generate("two items", reference_image=_reference(), **kw)
    assert plain.metadata["model"]["reference"] == "none" and plain.metadata["backend"] == "sdxl"


def test_procedural_pack_and_variation_say_procedural(model_engine):
    pack = model_engine.generate("two items", type="pack", pack_items=PACK[:2], resolution="32x32", seed=1,
                                 backend="procedural")
    assert pack.metadata["backend"] == "procedural" and "model" not in pack.metadata
    var = model_engine.generate("a variation", type="variation", reference_image=np.asarray(pack.images[0]),
                                seed=1, backend="sdxl")
    assert var.metadata["backend"] == "procedural" and "model" not in var.metadata
