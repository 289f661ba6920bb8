"""RMBG-2.0 backend on tiny ONNX models built here (same layout as the real export).

The "darkness" model is a 1x1 conv: logit = 20 * (sum_c (1 - pixel_c) - 0.3), i.e. foreground
wherever a pixel is noticeably darker than white. It only gives that answer when the backend
normalises exactly as the model card says, so it checks pre-processing end to end.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from sprixen_engine.backends.base import MattingBackend
from sprixen_engine.device import DevicePolicy
from sprixen_engine.errors import InvalidRequest, ModelUnavailable

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from sprixen_engine.backends.rmbg import MEAN, STD, RMBGMatting, foreground_colours, preprocess  # noqa: E402

SIDE = 1024
K, T = 20.0, 0.3


def build_model(path: Path, *, sigmoid: bool = False, batch: int | str = "batch", fp16: bool = False,
                input_name: str = "pixel_values", extra_output: bool = True) -> Path:
    """Write the darkness model: (N, 3, 1024, 1024) -> (N, 1, 1024, 1024) logits (or probabilities)."""
    from onnx import TensorProto, helper, numpy_helper

    dtype = TensorProto.FLOAT16 if fp16 else TensorProto.FLOAT
    np_dtype = np.float16 if fp16 else np.float32
    # pixel_c = x_c * std_c + mean_c  =>  logit = -K sum_c std_c x_c + K (3 - sum mean - T)
    weight = (-K * STD).reshape(1, 3, 1, 1).astype(np_dtype)
    bias = np.array([K * (3 - MEAN.sum() - T)], np_dtype)
    nodes = [helper.make_node("Conv", ["x_in", "w", "b"], ["logits"])]
    # the real export has auxiliary outputs too: a decoy (N, 3, ...) output listed first
    outputs = []
    if extra_output:
        nodes.append(helper.make_node("Identity", ["x_in"], ["decoy"]))
        outputs.append(helper.make_tensor_value_info("decoy", dtype, [batch, 3, SIDE, SIDE]))
    nodes.insert(0, helper.make_node("Identity", [input_name], ["x_in"]))
    if sigmoid:
        nodes.append(helper.make_node("Sigmoid", ["logits"], ["alphas"]))
    else:
        nodes.append(helper.make_node("Identity", ["logits"], ["alphas"]))
    outputs.append(helper.make_tensor_value_info("alphas", dtype, [batch, 1, SIDE, SIDE]))
    graph = helper.make_graph(
        nodes, "darkness",
        [helper.make_tensor_value_info(input_name, dtype, [batch, 3, SIDE, SIDE])],
        outputs,
        [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("rmbg")
    build_model(root / "logits.onnx")
    build_model(root / "sigmoid.onnx", sigmoid=True)
    return root


@pytest.fixture(scope="module")
def backend(model_dir) -> RMBGMatting:
    return RMBGMatting(model_dir / "logits.onnx", device=DevicePolicy(max_batch=3))


def disc_image(h: int, w: int, *, colour=(40, 60, 200), radius: float | None = None) -> np.ndarray:
    """A dark disc (anti-aliased edge) on white."""
    yy, xx = np.mgrid[:h, :w]
    r = radius or min(h, w) * 0.3
    cover = np.clip(r + 0.5 - np.hypot(yy - h / 2, xx - w / 2), 0, 1)[..., None]
    rgb = np.rint(cover * np.array(colour) + (1 - cover) * 255).astype(np.uint8)
    return np.concatenate([rgb, np.full((h, w, 1), 255, np.uint8)], axis=2)


# -- pre-processing ----------------------------------------------------------------------------


def test_preprocess_normalises_nchw_at_model_size():
    img = np.zeros((300, 517, 4), np.uint8)
    img[..., 0] = 255
    img[..., 2] = 128
    x = preprocess([img, img[:10, :20]])
    assert x.shape == (2, 3, SIDE, SIDE) and x.dtype == np.float32
    expected = (np.array([255, 0, 128]) / 255 - MEAN) / STD
    np.testing.assert_allclose(x[:, :, 500, 700], np.broadcast_to(expected, (2, 3)), atol=1e-5)
    # a left/right split stays a left/right split after resizing (channels first, not transposed)
    img[:, 258:, :3] = 0
    x = preprocess([img], (64, 32))
    assert x.shape == (1, 3, 64, 32)
    assert x[0, 0, :, 0].min() > 2 and x[0, 0, :, -1].max() < -2


# -- model outputs -----------------------------------------------------------------------------


def test_is_a_matting_backend_reading_names_from_the_graph(backend):
    assert isinstance(backend, MattingBackend) and backend.name == "rmbg"
    assert backend.input_size == (SIDE, SIDE)
    assert backend.info["providers"] == ["CPUExecutionProvider"]


@pytest.mark.parametrize("h, w", [(517, 300), (256, 256)])
def test_mask_follows_the_subject_at_the_input_size(backend, h, w):
    img = disc_image(h, w)
    out = backend.remove(img, hard=False, no_base=False)
    assert out.shape == (h, w, 4) and out.dtype == np.uint8
    assert out[h // 2, w // 2, 3] == 255 and out[2, 2, 3] == 0 and out[-3, -3, 3] == 0
    yy, xx = np.mgrid[:h, :w]
    dist = np.hypot(yy - h / 2, xx - w / 2) - min(h, w) * 0.3
    assert (out[..., 3][dist < -3] == 255).all() and (out[..., 3][dist > 3] == 0).all()
    assert backend.activation == "sigmoid"  # logits were detected from the value range


def test_sigmoid_inside_or_outside_the_model_gives_the_same_alpha(model_dir):
    img = disc_image(517, 300)
    a = RMBGMatting(model_dir / "logits.onnx").remove(img, hard=False, no_base=False)
    with_sigmoid = RMBGMatting(model_dir / "sigmoid.onnx")
    b = with_sigmoid.remove(img, hard=False, no_base=False)
    assert with_sigmoid.activation == "auto"  # probabilities: no second sigmoid
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 1
    # forcing a wrong activation is visible: sigmoid(probability) >= 0.5 everywhere
    forced = RMBGMatting(model_dir / "sigmoid.onnx", activation="sigmoid")
    assert forced.predict([img])[0].min() >= 0.5


def test_hard_alpha_is_binary_and_soft_alpha_is_not(backend):
    img = disc_image(300, 300, radius=100)
    soft = backend.remove(img, hard=False, no_base=False)[..., 3]
    hard = backend.remove(img, hard=True, no_base=False)[..., 3]
    assert set(np.unique(hard)) == {0, 255}
    assert ((soft > 0) & (soft < 255)).any()
    np.testing.assert_array_equal(hard == 255, soft >= 128)


def test_soft_edges_are_decontaminated(backend):
    img = disc_image(300, 300, colour=(200, 30, 30), radius=100)
    out = backend.remove(img, hard=False, no_base=False)
    edge = (out[..., 3] > 32) & (out[..., 3] < 224)
    assert edge.any()
    # the white background bleeds into the input's edge; the output's edge is back to red
    assert out[edge, 1].mean() < img[edge, 1].mean() - 20
    fg = foreground_colours(img[..., :3], out[..., 3] / 255)
    assert fg.shape == (300, 300, 3) and 0 <= fg.min() and fg.max() <= 1


def test_specks_are_dropped_and_input_alpha_is_kept(backend):
    img = disc_image(300, 300, radius=80)
    img[10:13, 10:13, :3] = 0  # a 3x3 speck
    img[:, :150, 3] = np.where(img[:, :150, 3] > 0, 255, 0)
    img[150:, :, 3] = 0  # the input is already cut below the middle
    out = backend.remove(img, hard=False, no_base=False)
    assert out[11, 11, 3] == 0
    assert (out[150:, :, 3] == 0).all() and out[140, 150, 3] == 255


def test_no_base_removes_a_shadow_under_the_subject(backend):
    img = np.full((200, 200, 4), 255, np.uint8)
    img[40:150, 85:115, :3] = (30, 30, 120)  # a body
    yy, xx = np.mgrid[:200, :200]
    img[((yy - 155) / 10) ** 2 + ((xx - 100) / 70) ** 2 <= 1, :3] = 90  # a wide shadow ellipse
    kept = backend.remove(img, hard=True, no_base=False)[..., 3]
    cut = backend.remove(img, hard=True, no_base=True)[..., 3]
    assert kept[155, 40] == 255 and cut[155, 40] == 0
    assert cut[100, 100] == 255


def test_batches_match_one_by_one(backend):
    images = [disc_image(517, 300), disc_image(64, 80, colour=(10, 10, 10)), disc_image(200, 120)]
    batched = backend.remove_batch(images, hard=False, no_base=False)
    for image, out in zip(images, batched):
        np.testing.assert_array_equal(out, backend.remove(image, hard=False, no_base=False))


def test_fixed_batch_axis_runs_one_by_one(tmp_path):
    path = build_model(tmp_path / "fixed.onnx", batch=1, input_name="input", extra_output=False)
    rmbg = RMBGMatting(path, device=DevicePolicy(max_batch=8))
    assert rmbg.info["batch_size"] == 1
    out = rmbg.remove_batch([disc_image(100, 100)] * 2, hard=True, no_base=False)
    np.testing.assert_array_equal(out[0], out[1])


def test_fp16_model_takes_half_precision_input(tmp_path):
    path = build_model(tmp_path / "model_fp16.onnx", fp16=True)
    rmbg = RMBGMatting(tmp_path, precision="fp16")  # a folder: the file is found in it
    assert rmbg.model_path == path
    out = rmbg.remove(disc_image(100, 100), hard=True, no_base=False)
    assert out[50, 50, 3] == 255 and out[2, 2, 3] == 0


def test_bad_arguments_name_the_field(model_dir, backend, tmp_path):
    with pytest.raises(InvalidRequest, match="precision"):
        RMBGMatting(model_dir / "logits.onnx", precision="int8")
    with pytest.raises(InvalidRequest, match="hard"):
        backend.remove(disc_image(20, 20), hard="yes", no_base=False)
    with pytest.raises(InvalidRequest, match=r"images\[0\]"):
        backend.remove_batch([np.zeros((4, 4), np.float32)], hard=False, no_base=False)
    with pytest.raises(ModelUnavailable, match="rmbg-2.0-onnx"):
        RMBGMatting(tmp_path / "nothing-here")


# -- providers ---------------------------------------------------------------------------------


def test_providers_fall_back_to_the_cpu(model_dir, monkeypatch):
    seen = []
    real = ort.InferenceSession

    def spy(path, sess_options=None, providers=None):
        seen.append((list(providers), sess_options.graph_optimization_level, sess_options.intra_op_num_threads))
        if broken_cuda and "CUDAExecutionProvider" in providers:
            raise RuntimeError("libcudart.so.12: cannot open shared object file")
        return real(path, sess_options=sess_options, providers=["CPUExecutionProvider"])

    broken_cuda = False
    monkeypatch.setattr(ort, "InferenceSession", spy)
    path = model_dir / "logits.onnx"
    cpu = ["CPUExecutionProvider"]
    # onnxruntime without CUDA: CPU only, even when the device policy says cuda
    monkeypatch.setattr(ort, "get_available_providers", lambda: cpu)
    assert RMBGMatting(path, device=DevicePolicy("cuda", "fp16")).providers == cpu
    # onnxruntime with CUDA: CUDA first, CPU behind it; a cpu policy keeps it on the CPU
    monkeypatch.setattr(ort, "get_available_providers", lambda: ["CUDAExecutionProvider", *cpu])
    assert RMBGMatting(path).requested_providers == []  # the session is created on first use
    assert RMBGMatting(path).providers == cpu
    assert RMBGMatting(path, device=DevicePolicy("cpu")).providers == cpu

    @dataclass(frozen=True)
    class Threaded(DevicePolicy):
        threads: int = 10_000

    assert RMBGMatting(path, device=Threaded("cpu")).providers == cpu
    assert [s[0] for s in seen] == [cpu, ["CUDAExecutionProvider", *cpu], cpu, cpu]
    assert all(s[1] == ort.GraphOptimizationLevel.ORT_ENABLE_ALL for s in seen)
    assert 1 <= seen[-1][2] <= (os.cpu_count() or 1)
    # a CUDA provider that fails to load: the CPU, and metadata says why
    broken_cuda = True
    rmbg = RMBGMatting(path)
    assert rmbg.providers == cpu and rmbg.requested_providers == cpu
    assert "libcudart" in rmbg.info["fallback"]
    out = rmbg.remove(disc_image(64, 64), hard=True, no_base=False)
    assert out[32, 32, 3] == 255


# -- registry ----------------------------------------------------------------------------------


@dataclass
class StubRegistry:
    """The weights-registry contract (locate / require / spec) over a dict of folders."""

    folders: dict[str, Path] = field(default_factory=dict)

    def locate(self, model_id):
        return self.folders.get(model_id)

    def require(self, model_id):
        found = self.locate(model_id)
        if found is None:
            raise ModelUnavailable(f"{model_id} missing")
        return found

    def spec(self, model_id):
        files = {"rmbg-2.0-onnx": ("onnx/model.onnx",), "rmbg-2.0-onnx-fp16": ("onnx/model_fp16.onnx",)}

        @dataclass(frozen=True)
        class Spec:
            id: str
            files: tuple[str, ...]

        return Spec(model_id, files[model_id])


@pytest.fixture
def both_exports(tmp_path) -> StubRegistry:
    build_model(tmp_path / "rmbg-2.0-onnx" / "onnx" / "model.onnx")
    build_model(tmp_path / "rmbg-2.0-onnx-fp16" / "onnx" / "model_fp16.onnx", fp16=True)
    return StubRegistry({i: tmp_path / i for i in ("rmbg-2.0-onnx", "rmbg-2.0-onnx-fp16")})


def test_from_registry_prefers_fp16_only_on_cuda(both_exports, monkeypatch):
    monkeypatch.setattr(ort, "get_available_providers", lambda: ["CPUExecutionProvider"])
    cpu = RMBGMatting.from_registry(both_exports)
    assert cpu.precision == "fp32" and cpu.model_path.name == "model.onnx"
    assert RMBGMatting.from_registry(both_exports, device=DevicePolicy("cuda", "fp16")).precision == "fp32"
    assert RMBGMatting.from_registry(both_exports, prefer_fp16=True).precision == "fp16"
    monkeypatch.setattr(ort, "get_available_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    gpu = RMBGMatting.from_registry(both_exports)
    assert gpu.precision == "fp16" and gpu.model_path.name == "model_fp16.onnx"
    assert RMBGMatting.from_registry(both_exports, device=DevicePolicy("cpu")).precision == "fp32"
    # only the other export present: it is the fallback
    del both_exports.folders["rmbg-2.0-onnx-fp16"]
    assert RMBGMatting.from_registry(both_exports).precision == "fp32"


def test_from_registry_without_weights_says_what_to_place_where():
    with pytest.raises(ModelUnavailable) as err:
        RMBGMatting.from_registry(StubRegistry(), device=DevicePolicy("cpu"))
    message = str(err.value)
    for part in ("rmbg-2.0-onnx", "rmbg-2.0-onnx-fp16", "onnx/model.onnx", "onnx/model_fp16.onnx",
                 "weights/rmbg-2.0-onnx/", "$SPRIXEN_WEIGHTS", "non-commercial"):
        assert part in message


def test_from_the_real_registry(tmp_path):
    weights = pytest.importorskip("sprixen_engine.backends.weights")
    from sprixen_engine.config import config_dir

    manifest = weights.load_manifest(config_dir())
    local = tmp_path / "weights"
    empty = weights.WeightsRegistry(manifest, env_dir=tmp_path / "env", local_dir=local, hf_cache=tmp_path / "hf")
    with pytest.raises(ModelUnavailable, match="rmbg-2.0"):
        RMBGMatting.from_registry(empty, device=DevicePolicy("cpu"))
    for f in manifest["rmbg-2.0-onnx"].files:
        if f.endswith(".onnx"):
            build_model(local / "rmbg-2.0-onnx" / f)
        else:
            (local / "rmbg-2.0-onnx" / f).parent.mkdir(parents=True, exist_ok=True)
            (local / "rmbg-2.0-onnx" / f).write_text("{}")
    registry = weights.WeightsRegistry(manifest, env_dir=tmp_path / "env", local_dir=local, hf_cache=tmp_path / "hf")
    rmbg = RMBGMatting.from_registry(registry, device=DevicePolicy("cpu"))
    assert rmbg.precision == "fp32" and rmbg.model_path.suffix == ".onnx"
