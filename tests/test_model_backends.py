"""The model backends through the Engine: a tiny random SDXL and a tiny RMBG-2.0-shaped ONNX model,
placed in a weights folder the test makes, found by the registry, selected by ``backend=`` / ``method=``."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

pytest.importorskip("diffusers")
pytest.importorskip("onnx")

from sprixen_engine import Engine, ModelUnavailable  # noqa: E402
from sprixen_engine.config import EngineConfig, GenerationSettings, WeightsSettings  # noqa: E402
from test_rmbg import build_model  # noqa: E402
from tiny_sdxl import build_tiny_sdxl  # noqa: E402


@pytest.fixture(scope="module")
def weights_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("weights")
    build_tiny_sdxl(root / "sdxl-base-1.0")
    build_model(root / "rmbg-2.0-onnx" / "onnx" / "model.onnx")
    return root


@pytest.fixture(scope="module")
def model_engine(weights_dir):
    paths = {"sdxl-base-1.0": str(weights_dir / "sdxl-base-1.0"),
             "rmbg-2.0-onnx": str(weights_dir / "rmbg-2.0-onnx")}
    config = EngineConfig(generation=GenerationSettings(model_resolution=64), weights=WeightsSettings(paths=paths))
    return Engine(config)


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
