"""Property tests for :mod:`sprixen_engine.core.palette`."""

from __future__ import annotations

import numpy as np
import pytest

from sprixen_engine.core.palette import (
    add_outline,
    extract_palette,
    limit_colors,
    map_to_palette,
    merge_palette,
    quantize,
    to_lab,
    transfer_palette,
)
from sprixen_engine.errors import InvalidRequest


def blob(seed: int = 0, size: int = 24) -> np.ndarray:
    """A random-coloured opaque disc on a transparent background; ``(size, size, 4)`` uint8."""
    rng = np.random.default_rng(seed)
    img = np.zeros((size, size, 4), np.uint8)
    yy, xx = np.mgrid[0:size, 0:size]
    disc = (yy - size / 2) ** 2 + (xx - size / 2) ** 2 < (size / 3) ** 2
    img[disc, :3] = rng.integers(0, 256, (disc.sum(), 3))
    img[disc, 3] = 255
    return img


def colours(img: np.ndarray) -> set[tuple[int, int, int]]:
    return set(map(tuple, img[img[:, :, 3] > 0][:, :3].tolist()))


def test_extract_palette_orders_by_frequency_and_skips_transparent():
    img = np.zeros((4, 4, 4), np.uint8)
    img[:, :, :3] = (9, 9, 9)  # colour behind alpha 0: ignored
    img[:2] = (10, 20, 30, 255)
    img[2, :3] = (200, 0, 0, 255)
    img[3, 0] = (0, 0, 200, 128)
    pal = extract_palette(img)
    assert pal.dtype == np.uint8 and pal.shape == (3, 3)
    assert pal.tolist() == [[10, 20, 30], [200, 0, 0], [0, 0, 200]]
    assert extract_palette(img, max_colors=2).shape == (2, 3)
    assert extract_palette(np.zeros((3, 3, 4), np.uint8)).shape == (0, 3)


@pytest.mark.parametrize("method", ["kmeans", "median_cut"])
@pytest.mark.parametrize("n", [1, 4, 16])
def test_quantize_gives_at_most_n_colours_from_its_palette(method, n):
    img = blob(n)
    out, pal = quantize(img, colors=n, method=method)
    assert out.shape == img.shape and out.dtype == np.uint8
    assert len(pal) <= n and colours(out) == set(map(tuple, pal.tolist()))
    assert np.array_equal(out[:, :, 3], img[:, :, 3])
    assert np.array_equal(out[img[:, :, 3] == 0], img[img[:, :, 3] == 0])


@pytest.mark.parametrize("method", ["kmeans", "median_cut"])
def test_quantize_is_deterministic_and_keeps_few_colour_images(method):
    img = blob(3, size=64)
    a, pa = quantize(img, colors=8, method=method, seed=5)
    b, pb = quantize(img, colors=8, method=method, seed=5)
    assert np.array_equal(a, b) and np.array_equal(pa, pb)
    assert np.array_equal(quantize(a, colors=8, method=method)[0], a)


def test_quantize_kmeans_finds_separated_clusters():
    rng = np.random.default_rng(0)
    centres = np.array([[220, 30, 30], [30, 200, 40], [40, 40, 210], [240, 240, 240]])
    labels = rng.integers(0, 4, 2000)
    img = np.clip(centres[labels] + rng.normal(0, 4, (2000, 3)), 0, 255).astype(np.uint8)
    img = np.dstack([img.reshape(40, 50, 3), np.full((40, 50), 255, np.uint8)])
    _, pal = quantize(img, colors=4)
    err = np.abs(pal[:, None].astype(int) - centres[None]).sum(axis=2).min(axis=0)
    assert err.max() <= 12


def test_map_to_palette_uses_only_palette_colours_and_nearest_in_lab():
    img = blob(1)
    pal = np.array([[0, 0, 0], [255, 255, 255], [255, 0, 0]], np.uint8)
    out = map_to_palette(img, pal)
    assert colours(out) <= set(map(tuple, pal.tolist()))
    assert np.array_equal(out[:, :, 3], img[:, :, 3])
    dist = np.linalg.norm(to_lab(img[:, :, :3])[:, :, None] - to_lab(pal)[None, None], axis=3)
    chosen = np.linalg.norm(to_lab(out[:, :, :3]) - to_lab(img[:, :, :3]), axis=2)
    opaque = img[:, :, 3] > 0
    assert np.allclose(chosen[opaque], dist.min(axis=2)[opaque], atol=1e-3)
    assert np.array_equal(map_to_palette(out, pal), out)


def test_merge_palette_merges_noise_but_keeps_distinct_colours():
    rng = np.random.default_rng(2)
    centres = np.array([[200, 60, 60], [60, 200, 60], [60, 60, 200], [30, 30, 30], [230, 220, 120]])
    labels = rng.integers(0, 5, 3000)
    rgb = np.clip(centres[labels] + rng.normal(0, 1.5, (3000, 3)), 0, 255).astype(np.uint8)
    img = np.dstack([rgb.reshape(60, 50, 3), np.full((60, 50), 255, np.uint8)])
    pal = merge_palette(img)
    assert len(pal) == 5
    assert np.abs(pal[:, None].astype(int) - centres[None]).sum(axis=2).min(axis=0).max() <= 4


def test_limit_colors():
    img = blob(4)
    assert len(colours(limit_colors(img, 5))) <= 5
    few = quantize(img, colors=3)[0]
    assert np.array_equal(limit_colors(few, 3), few)


@pytest.mark.parametrize("selective", [True, False])
def test_outline_only_on_transparent_pixels_next_to_opaque(selective):
    img = blob(5)
    out = add_outline(img, selective=selective)
    solid = img[:, :, 3] > 0
    padded = np.pad(solid, 1)
    touching = padded[:-2, 1:-1] | padded[2:, 1:-1] | padded[1:-1, :-2] | padded[1:-1, 2:]
    ring = ~solid & touching
    assert np.array_equal(out[solid], img[solid])
    assert np.all(out[ring, 3] == 255)
    assert not out[~solid & ~ring, 3].any()
    if not selective:
        assert len(colours(out[ring][None])) == 1


def test_selective_outline_is_darker_with_the_same_hue():
    img = np.zeros((9, 9, 4), np.uint8)
    img[3:6, 3:6] = (40, 200, 90, 255)
    out = add_outline(img)
    edge = out[2, 4]
    assert edge[3] == 255
    assert to_lab(edge[:3])[0] < to_lab(img[4, 4, :3])[0] - 20
    assert np.argmax(edge[:3]) == 1  # still green
    flat = add_outline(img, color=(255, 0, 255))
    assert tuple(flat[2, 4]) == (255, 0, 255, 255)


def test_outline_thickness():
    img = np.zeros((15, 15, 4), np.uint8)
    img[7, 7] = (200, 100, 50, 255)
    out = add_outline(img, thickness=3)
    assert out[:, :, 3].astype(bool).sum() == 1 + 4 + 8 + 12  # diamond of radius 3
    assert out[7, 10, 3] == 255 and out[7, 11, 3] == 0


def test_transfer_palette_uses_reference_colours_in_lightness_order():
    img = np.zeros((1, 4, 4), np.uint8)
    img[0, :, 3] = 255
    img[0, :, :3] = [[10, 10, 10], [90, 90, 90], [170, 170, 170], [250, 250, 250]]
    ref = np.zeros((2, 2, 4), np.uint8)
    ref[..., 3] = 255
    ref[..., :3] = [[[120, 20, 20], [250, 200, 120]], [[20, 20, 80], [60, 160, 60]]]
    out = transfer_palette(img, ref)
    assert colours(out) <= colours(ref)
    assert np.array_equal(out[:, :, 3], img[:, :, 3])
    lightness = to_lab(out[0, :, :3])[:, 0]
    assert np.all(np.diff(lightness) >= 0) and len(colours(out)) == 4


@pytest.mark.parametrize("call, field", [
    (lambda: quantize(blob(), colors=0), "colors"),
    (lambda: quantize(blob(), colors=4, method="octree"), "method"),
    (lambda: map_to_palette(blob(), np.zeros((0, 3), np.uint8)), "palette"),
    (lambda: map_to_palette(blob(), [[300, 0, 0]]), "palette"),
    (lambda: limit_colors(blob(), 257), "n"),
    (lambda: add_outline(blob(), thickness=0), "thickness"),
    (lambda: add_outline(blob(), color=(1, 2)), "color"),
    (lambda: extract_palette(blob(), max_colors=0), "max_colors"),
    (lambda: merge_palette(blob(), tolerance=0), "tolerance"),
    (lambda: transfer_palette(blob(), np.zeros((4, 4, 4), np.uint8)), "reference"),
    (lambda: extract_palette(np.zeros((4, 4), np.float64)), "image"),
])
def test_bad_input_names_the_field(call, field):
    with pytest.raises(InvalidRequest, match=f"^{field}:"):
        call()
