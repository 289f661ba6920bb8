"""IP-Adapter reference images on the tiny SDXL: a tiny random adapter and CLIP image encoder built here
in the h94/IP-Adapter layout (CPU, 2 steps, 64x64, no hub)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from sprixen_engine.device import DevicePolicy
from sprixen_engine.errors import InvalidRequest, ModelUnavailable

pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("transformers")

from tiny_sdxl import build_tiny_ip_adapter, build_tiny_sdxl  # noqa: E402

CPU = DevicePolicy("cpu", "fp32", 1, "test")
KW = dict(size_wh=(64, 64), negative_prompt="blurry", steps=2, guidance=5.0)


def reference_image(seed: int = 0) -> np.ndarray:
    """A 40x40 RGBA reference: random colours on a transparent border."""
    rng = np.random.default_rng(seed)
    ref = np.zeros((40, 40, 4), np.uint8)
    ref[..., :3] = rng.integers(0, 256, (40, 40, 3))
    ref[6:34, 6:34, 3] = 255
    return ref


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory) -> Path:
    return build_tiny_sdxl(tmp_path_factory.mktemp("sdxl") / "sdxl-tiny")


@pytest.fixture(scope="module")
def ip_dir(tiny_dir, tmp_path_factory) -> Path:
    return build_tiny_ip_adapter(tiny_dir, tmp_path_factory.mktemp("ip") / "ip-adapter-sdxl")


@pytest.fixture(scope="module")
def backend(tiny_dir, ip_dir):
    from sprixen_engine.backends.sdxl import SDXLSpriteBackend

    return SDXLSpriteBackend(tiny_dir, device=CPU, ip_adapter_dir=ip_dir)


@pytest.fixture(scope="module")
def plain(tiny_dir):
    from sprixen_engine.backends.sdxl import SDXLSpriteBackend

    return SDXLSpriteBackend(tiny_dir, device=CPU)


def test_loads_encoder_and_reports(backend, plain):
    assert type(backend.pipe.image_encoder).__name__ == "CLIPVisionModelWithProjection"
    info = backend.describe()
    assert info["ip_adapter"] == {"weights": "ip-adapter_sdxl.safetensors", "scale": 0.6,
                                  "reference_mode": "ip_adapter"}
    assert plain.describe()["ip_adapter"] is None
    assert backend.reference_path(True) == "ip_adapter" and backend.reference_path(False) == "none"
    assert backend.reference_path(True, "both") == "both"
    assert plain.reference_path(True) == "img2img"           # no adapter: references go through img2img


def test_reference_conditions_the_images(backend):
    ref = reference_image()
    out = backend.generate(["a knight"] * 2, seeds=[5, 6], reference=ref, **KW)
    assert [o.shape for o in out] == [(64, 64, 4)] * 2 and out[0].dtype == np.uint8
    assert (out[0][..., 3] == 255).all()
    (none,) = backend.generate(["a knight"], seeds=[5], **KW)
    assert np.abs(none.astype(int) - out[0].astype(int)).mean() > 5
    (other,) = backend.generate(["a knight"], seeds=[5], reference=reference_image(1), **KW)
    assert np.abs(other.astype(int) - out[0].astype(int)).mean() > 1      # another reference, another image
    # same seed and reference: the same bytes; variant i alone matches the batch
    again = backend.generate(["a knight"] * 2, seeds=[5, 6], reference=ref, **KW)
    assert all(np.array_equal(a, b) for a, b in zip(out, again, strict=True))
    (solo,) = backend.generate(["a knight"], seeds=[6], reference=ref, **KW)
    assert np.abs(solo.astype(int) - out[1].astype(int)).max() <= 2


def test_without_a_reference_the_adapter_changes_nothing(backend, plain):
    for guidance in (5.0, 0.0):                              # with and without classifier-free guidance
        kw = dict(KW, guidance=guidance)
        (a,) = backend.generate(["red knight"], seeds=[3], **kw)
        (b,) = plain.generate(["red knight"], seeds=[3], **kw)
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 2


def test_reference_modes(backend):
    ref = reference_image()
    kw = dict(KW, steps=4)
    (ip,) = backend.generate(["a knight"], seeds=[9], reference=ref, **kw)
    (i2i,) = backend.generate(["a knight"], seeds=[9], reference=ref, strength=0.5, reference_mode="img2img", **kw)
    (both,) = backend.generate(["a knight"], seeds=[9], reference=ref, strength=0.5, reference_mode="both", **kw)
    assert both.shape == i2i.shape == ip.shape == (64, 64, 4)
    assert np.abs(both.astype(int) - i2i.astype(int)).mean() > 5      # the image prompt acts on img2img too
    assert np.abs(i2i.astype(int) - ip.astype(int)).mean() > 5
    assert backend.img2img.image_encoder is backend.pipe.image_encoder
    # strength only matters when img2img runs
    backend.generate(["a knight"], seeds=[1], reference=ref, strength=0.2, **KW)
    with pytest.raises(InvalidRequest, match="^strength"):
        backend.generate(["a knight"], seeds=[1], reference=ref, strength=0.2, reference_mode="both", **KW)
    with pytest.raises(InvalidRequest, match="^reference_mode"):
        backend.generate(["a knight"], seeds=[1], reference=ref, reference_mode="style", **KW)


def test_scale_and_mode_options(tiny_dir, ip_dir, tmp_path):
    from sprixen_engine.backends.sdxl import SDXLSpriteBackend

    with pytest.raises(InvalidRequest, match="^ip_adapter_scale"):
        SDXLSpriteBackend(tiny_dir, device=CPU, ip_adapter_dir=ip_dir, ip_adapter_scale=3.0)
    with pytest.raises(InvalidRequest, match="^reference_mode"):
        SDXLSpriteBackend(tiny_dir, device=CPU, reference_mode="ipadapter")
    # the sdxl_models folder itself is accepted too
    both = SDXLSpriteBackend(tiny_dir, device=CPU, ip_adapter_dir=ip_dir / "sdxl_models", ip_adapter_scale=1.0,
                             reference_mode="both")
    assert both.describe()["ip_adapter"]["scale"] == 1.0 and both.reference_path(True) == "both"


def test_missing_weights_name_files_and_place(tiny_dir, ip_dir, tmp_path):
    from sprixen_engine.backends.sdxl import SDXLSpriteBackend

    with pytest.raises(ModelUnavailable) as err:
        SDXLSpriteBackend(tiny_dir, device=CPU, ip_adapter_dir=tmp_path / "nothing")
    msg = str(err.value)
    for part in ("ip_adapter_dir", "ip-adapter-sdxl", "sdxl_models/ip-adapter_sdxl.safetensors",
                 "sdxl_models/image_encoder/config.json", "weights/ip-adapter-sdxl/", "SPRIXEN_WEIGHTS"):
        assert part in msg, part
    # an image encoder without weights is incomplete
    partial = tmp_path / "partial"
    shutil.copytree(ip_dir, partial)
    for f in (partial / "sdxl_models" / "image_encoder").glob("model*.safetensors"):
        f.unlink()
    with pytest.raises(ModelUnavailable, match="ip-adapter-sdxl"):
        SDXLSpriteBackend(tiny_dir, device=CPU, ip_adapter_dir=partial)
