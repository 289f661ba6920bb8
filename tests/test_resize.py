"""Property tests for :mod:`sprixen_engine.core.resize`."""

from __future__ import annotations

import numpy as np
import pytest

from sprixen_engine.core.resize import choose_resize_mode, resize, upscale_integer
from sprixen_engine.errors import InvalidRequest


def noise_image(h: int = 20, w: int = 30, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 4), dtype=np.uint8)


def square_on_transparent() -> np.ndarray:
    """An opaque orange square; the transparent pixels around it are black (0, 0, 0, 0)."""
    img = np.zeros((32, 32, 4), np.uint8)
    img[8:24, 8:24] = (250, 140, 20, 255)
    return img


@pytest.mark.parametrize("factor", [2, 3, 5])
def test_integer_upscale_then_nearest_downscale_is_identity(factor):
    img = noise_image()
    big = upscale_integer(img, factor)
    assert big.shape == (20 * factor, 30 * factor, 4)
    assert np.array_equal(resize(img, (30 * factor, 20 * factor), mode="nearest"), big)
    assert np.array_equal(resize(big, (30, 20), mode="nearest"), img)


@pytest.mark.parametrize("size", [(100, 100), (20, 20), (13, 7), (64, 48)])
def test_lanczos_has_no_dark_fringe_on_transparent_edges(size):
    out = resize(square_on_transparent(), size, mode="lanczos")
    assert out.shape == (size[1], size[0], 4) and out.dtype == np.uint8
    visible = out[:, :, 3] > 0
    assert visible.any()
    assert np.abs(out[visible][:, :3].astype(int) - (250, 140, 20)).max() <= 2
    assert not out[~visible].any()


def test_lanczos_keeps_flat_colour_and_smooths():
    flat = np.full((16, 16, 4), (10, 200, 60, 255), np.uint8)
    expected = np.full((24, 40, 4), (10, 200, 60, 255), np.uint8)
    assert np.array_equal(resize(flat, (40, 24), mode="lanczos"), expected)
    edge = np.zeros((8, 8, 4), np.uint8)
    edge[:, :, 3] = 255
    edge[:, 4:, :3] = 255
    row = resize(edge, (64, 64), mode="lanczos")[32, :, 0].astype(int)
    assert len(np.unique(row)) > 4  # intermediate values: smooth, not blocky


@pytest.mark.parametrize("pixel_perfect, style, src, dst, expected", [
    ("on", "vector", (1024, 1024), (256, 256), "nearest"),
    ("off", "pixel", (32, 32), (256, 256), "lanczos"),
    ("auto", "pixel", (32, 32), (256, 256), "nearest"),     # whole-number upscale
    ("auto", "pixel", (32, 32), (32, 32), "nearest"),       # same size
    ("auto", "pixel", (32, 48), (96, 144), "nearest"),
    ("auto", "pixel", (1024, 1024), (64, 64), "nearest"),   # small target
    ("auto", "pixel", (1024, 1024), (256, 256), "lanczos"),  # high-res downscale
    ("auto", "pixel", (48, 48), (200, 200), "lanczos"),     # fractional upscale, large target
    ("auto", "pixel", (32, 32), (256, 384), "lanczos"),     # different factors per axis
    ("auto", "vector", (32, 32), (64, 64), "lanczos"),
    ("auto", "painterly", (64, 64), (32, 32), "lanczos"),
    ("auto", "anime", (256, 256), (512, 512), "lanczos"),
    ("auto", "cartoon", (256, 256), (128, 128), "lanczos"),
])
def test_choose_resize_mode(pixel_perfect, style, src, dst, expected):
    assert choose_resize_mode(pixel_perfect, art_style=style, src_hw=src, dst_hw=dst) == expected


@pytest.mark.parametrize("call, field", [
    (lambda: resize(noise_image(), (10, 10), mode="bicubic"), "mode"),
    (lambda: resize(noise_image(), (0, 10), mode="nearest"), "size"),
    (lambda: resize(noise_image(), (10.0, 10), mode="nearest"), "size"),
    (lambda: resize(np.zeros((4, 4, 4), np.int32), (8, 8), mode="nearest"), "image"),
    (lambda: upscale_integer(noise_image(), 2.5), "factor"),
    (lambda: upscale_integer(noise_image(), 0), "factor"),
    (lambda: choose_resize_mode("maybe", art_style="pixel", src_hw=(8, 8), dst_hw=(8, 8)), "pixelPerfect"),
    (lambda: choose_resize_mode("auto", art_style="voxel", src_hw=(8, 8), dst_hw=(8, 8)), "artStyle"),
    (lambda: choose_resize_mode("auto", art_style="pixel", src_hw=(0, 8), dst_hw=(8, 8)), "src_hw"),
])
def test_bad_input_names_the_field(call, field):
    with pytest.raises(InvalidRequest, match=f"^{field}:"):
        call()
