"""RMBG-2.0's torch runtime on a tiny remote-code model written here in the hub folder's layout.

The folder holds ``config.json`` whose ``auto_map`` points at ``BiRefNet_config.py`` and ``birefnet.py``
(a ``PreTrainedModel`` whose forward returns a list of logit maps at the input resolution, the finest
last) and ``model.safetensors``. Its weights are the "darkness" 1x1 conv of ``test_rmbg``: foreground
wherever a pixel is darker than white, and only when the input is normalised as the model card says
and the weights were really loaded (a fresh model's weights are zeros).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sprixen_engine.backends.base import MattingBackend
from sprixen_engine.device import DevicePolicy
from sprixen_engine.errors import ModelUnavailable

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("onnxruntime")

from sprixen_engine.backends import rmbg as rmbg_module  # noqa: E402
from sprixen_engine.backends.rmbg import MEAN, STD, RMBGMatting, missing_packages  # noqa: E402
from test_rmbg import K, StubRegistry, T, build_model, disc_image  # noqa: E402

CONFIG_PY = '''from transformers import PretrainedConfig


class BiRefNetConfig(PretrainedConfig):
    model_type = "tiny_birefnet"

    def __init__(self, coarse=4, **kwargs):
        self.coarse = coarse
        super().__init__(**kwargs)
'''

MODEL_PY = '''import torch
import torch.nn.functional as F
from torch import nn
from transformers import PreTrainedModel

from .BiRefNet_config import BiRefNetConfig

try:
    import a_package_nobody_installed  # noqa: F401  (guarded: optional)
except ImportError:
    pass


class BiRefNet(PreTrainedModel):
    config_class = BiRefNetConfig

    def __init__(self, config):
        super().__init__(config)
        self.conv = nn.Conv2d(3, 1, 1)
        self.post_init()

    def _init_weights(self, module):
        if isinstance(module, nn.Conv2d):
            nn.init.zeros_(module.weight)
            nn.init.zeros_(module.bias)

    def forward(self, x):
        logits = self.conv(x)
        coarse = F.interpolate(F.avg_pool2d(logits, self.config.coarse), size=x.shape[-2:])
        return [coarse, logits]
'''


def build_torch_model(folder: Path, *, extra_import: str = "") -> Path:
    """Write the tiny remote-code RMBG-2.0 folder (hub file names) and return it."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "BiRefNet_config.py").write_text(CONFIG_PY)
    (folder / "birefnet.py").write_text(extra_import + MODEL_PY)
    (folder / "config.json").write_text(json.dumps({
        "architectures": ["BiRefNet"], "model_type": "tiny_birefnet", "coarse": 4,
        "auto_map": {"AutoConfig": "BiRefNet_config.BiRefNetConfig",
                     "AutoModelForImageSegmentation": "birefnet.BiRefNet"}}))
    # pixel_c = x_c * std_c + mean_c  =>  logit = -K sum_c std_c x_c + K (3 - sum mean - T)
    weight = torch.tensor(-K * STD, dtype=torch.float32).reshape(1, 3, 1, 1)
    bias = torch.tensor([K * (3 - float(MEAN.sum()) - T)], dtype=torch.float32)
    save_file({"conv.weight": weight, "conv.bias": bias}, folder / "model.safetensors")
    return folder


@pytest.fixture(scope="module")
def torch_dir(tmp_path_factory) -> Path:
    return build_torch_model(tmp_path_factory.mktemp("rmbg-torch") / "rmbg-2.0")


@pytest.fixture(scope="module")
def onnx_file(tmp_path_factory) -> Path:
    return build_model(tmp_path_factory.mktemp("rmbg-onnx") / "model.onnx")


@pytest.fixture(scope="module")
def backend(torch_dir) -> RMBGMatting:
    return RMBGMatting(torch_dir, device=DevicePolicy(max_batch=3))


def test_loads_remote_code_from_local_files(backend, torch_dir):
    assert isinstance(backend, MattingBackend) and backend.runtime == "torch"
    assert type(backend.model).__name__ == "BiRefNet" and not backend.model.training
    info = backend.info
    assert info["runtime"] == "torch" and info["providers"] == ["torch:cpu"] and info["precision"] == "fp32"
    assert info["activation"] == "sigmoid" and info["batch_size"] == 3 and info["model"] == torch_dir.name
    assert backend.input_size == (1024, 1024)


@pytest.mark.parametrize("h, w", [(517, 300), (256, 256)])
def test_mask_follows_the_subject(backend, h, w):
    img = disc_image(h, w)
    out = backend.remove(img, hard=False, no_base=False)
    assert out.shape == (h, w, 4) and out.dtype == np.uint8
    yy, xx = np.mgrid[:h, :w]
    dist = np.hypot(yy - h / 2, xx - w / 2) - min(h, w) * 0.3
    assert (out[..., 3][dist < -3] == 255).all() and (out[..., 3][dist > 3] == 0).all()


@pytest.mark.parametrize("hard, no_base", [(False, False), (True, False), (True, True)])
def test_same_alpha_as_the_onnx_runtime(backend, onnx_file, hard, no_base):
    """Both runtimes share pre-processing and refinement: the same model gives the same cut-out."""
    onnx = RMBGMatting(onnx_file)
    assert onnx.runtime == "onnx"
    images = [disc_image(300, 300, colour=(200, 30, 30), radius=100), disc_image(120, 90)]
    images[0][10:13, 10:13, :3] = 0  # a speck to drop
    for image in images:
        a = onnx.remove(image, hard=hard, no_base=no_base)
        b = backend.remove(image, hard=hard, no_base=no_base)
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 1
    np.testing.assert_allclose(backend.predict(images[:1])[0], onnx.predict(images[:1])[0], atol=1e-4)


def test_batches_match_one_by_one(backend):
    images = [disc_image(200, 120), disc_image(64, 80, colour=(10, 10, 10)), disc_image(90, 90)]
    batched = backend.remove_batch(images, hard=False, no_base=False)
    for image, out in zip(images, batched, strict=True):
        np.testing.assert_array_equal(out, backend.remove(image, hard=False, no_base=False))


def test_cuda_policy_without_cuda_runs_on_the_cpu(torch_dir, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    rmbg = RMBGMatting(torch_dir, device=DevicePolicy("cuda", "fp16"))
    assert rmbg.precision == "fp16"  # asked for; settled when the model loads
    assert rmbg.providers == ["torch:cpu"] and rmbg.precision == "fp32"
    assert "no CUDA" in rmbg.info["fallback"]
    assert rmbg.remove(disc_image(64, 64), hard=True, no_base=False)[32, 32, 3] == 255


def test_runtime_is_picked_from_the_folder(torch_dir, onnx_file, tmp_path):
    assert RMBGMatting(torch_dir).runtime == "torch"
    hub = build_torch_model(tmp_path / "hub")  # the hub folder ships the ONNX exports too: ONNX wins
    build_model(hub / "onnx" / "model.onnx")
    assert RMBGMatting(hub).runtime == "onnx"
    assert RMBGMatting(hub, runtime="torch").runtime == "torch"
    with pytest.raises(ModelUnavailable, match="config.json"):
        RMBGMatting(onnx_file.parent, runtime="torch")


def test_missing_model_packages_are_named(tmp_path):
    folder = build_torch_model(tmp_path / "needs", extra_import="import kornia_not_here.filters\n")
    assert missing_packages(folder) == ["kornia_not_here"]  # relative and guarded imports are skipped
    with pytest.raises(ModelUnavailable, match="kornia_not_here"):
        RMBGMatting(folder).remove(disc_image(32, 32), hard=True, no_base=False)


def test_from_registry_prefers_onnx_and_falls_back_to_torch(torch_dir, tmp_path, monkeypatch):
    build_model(tmp_path / "rmbg-2.0-onnx" / "onnx" / "model.onnx")
    registry = StubRegistry({"rmbg-2.0": torch_dir, "rmbg-2.0-onnx": tmp_path / "rmbg-2.0-onnx"})
    monkeypatch.setattr(rmbg_module, "_cuda_wanted", lambda device: False)
    assert RMBGMatting.from_registry(registry).runtime == "onnx"
    # a CUDA device that onnxruntime cannot use: torch runs on it instead
    assert RMBGMatting.from_registry(registry, device=DevicePolicy("cuda", "fp16")).runtime == "torch"
    del registry.folders["rmbg-2.0-onnx"]
    only_torch = RMBGMatting.from_registry(registry, device=DevicePolicy("cpu"))
    assert only_torch.runtime == "torch" and only_torch.model_path == torch_dir
    # model code that cannot be imported here: any ONNX export first, else the torch folder (it says why)
    needs = build_torch_model(tmp_path / "needs", extra_import="import kornia_not_here\n")
    registry = StubRegistry({"rmbg-2.0": needs, "rmbg-2.0-onnx": tmp_path / "rmbg-2.0-onnx"})
    assert RMBGMatting.from_registry(registry, device=DevicePolicy("cuda", "fp16")).runtime == "onnx"
    del registry.folders["rmbg-2.0-onnx"]
    with pytest.raises(ModelUnavailable, match="kornia_not_here"):
        RMBGMatting.from_registry(registry).remove(disc_image(32, 32), hard=True, no_base=False)
    with pytest.raises(ModelUnavailable) as err:
        RMBGMatting.from_registry(StubRegistry(), device=DevicePolicy("cpu"))
    for part in ("rmbg-2.0-onnx", "rmbg-2.0-onnx-fp16", "weights/rmbg-2.0/", "birefnet.py", "model.safetensors"):
        assert part in str(err.value), part


def test_engine_auto_matting_uses_the_torch_folder(torch_dir, tmp_path, monkeypatch):
    from sprixen_engine import Engine
    from sprixen_engine.config import EngineConfig, WeightsSettings

    monkeypatch.setenv("SPRIXEN_WEIGHTS", str(tmp_path / "none"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "no-cache"))
    engine = Engine(EngineConfig(weights=WeightsSettings(paths={"rmbg-2.0": str(torch_dir)})))
    engine.weights.local_dir = tmp_path / "no-local"
    backend = engine.matting_backend("auto")
    assert backend.name == "rmbg" and backend.runtime == "torch"
    img = np.full((80, 60, 3), 255, np.uint8)
    img[20:60, 15:45] = (30, 40, 160)
    cut = np.asarray(engine.remove_background(img))
    assert cut[0, 0, 3] == 0 and cut[40, 30, 3] == 255
    # model code that cannot be imported here: auto keeps the classic kernel, rmbg says why
    needs = build_torch_model(tmp_path / "needs", extra_import="import kornia_not_here\n")
    engine = Engine(EngineConfig(weights=WeightsSettings(paths={"rmbg-2.0": str(needs)})))
    engine.weights.local_dir = tmp_path / "no-local"
    assert engine.matting_backend("auto").name == "classic"
    with pytest.raises(ModelUnavailable, match="kornia_not_here"):
        engine.remove_background(img, method="rmbg")
