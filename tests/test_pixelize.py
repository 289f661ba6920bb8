"""Tests for :mod:`sprixen_engine.core.pixelgrid`.

The sprites are drawn here with numpy (a few flat colours, an outline, a transparent
background) and degraded the way a diffusion model renders "pixel art": a non-integer
cell size, a sub-pixel offset, a margin, blur, colour noise and a JPEG round trip.
``benchmarks/bench_pixelize.py`` reuses :func:`make_sprite`, :func:`degrade` and
:func:`cell_accuracy`.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from sprixen_engine.core.pixelgrid import Grid, detect_grid, pixelize, pixelize_frames
from sprixen_engine.errors import InvalidRequest

# ---------------------------------------------------------------- fixtures as functions


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb.reshape(-1, 1, 3).astype(np.float32) / 255, cv2.COLOR_RGB2Lab).reshape(-1, 3)


def _distinct_palette(rng: np.random.Generator, n: int, min_delta_e: float = 15.0) -> np.ndarray:
    """``n`` random RGB colours, pairwise at least ``min_delta_e`` apart in Lab."""
    colours: list[np.ndarray] = []
    while len(colours) < n:
        c = rng.integers(20, 236, 3).astype(np.uint8)
        if all(np.linalg.norm(_lab(c) - _lab(o)) >= min_delta_e for o in colours):
            colours.append(c)
    return np.array(colours)


def make_sprite(seed: int = 0, size: tuple[int, int] = (24, 32)) -> np.ndarray:
    """A little pixel-art figure: ``(h, w, 4)`` uint8 for ``size=(w, h)``.

    Head, body, legs and arms in flat colours with a shaded side, single-pixel eyes and
    a buckle, a dithered patch, a dark 1-px outline and a transparent background.
    """
    w, h = size
    rng = np.random.default_rng(seed)
    outline, skin, skin_dark, body, body_dark, legs, eye, accent = _distinct_palette(rng, 8)
    yy, xx = np.mgrid[0:h, 0:w]
    cx = w / 2 + rng.uniform(-1, 1)
    img = np.zeros((h, w, 4), np.uint8)

    def paint(mask: np.ndarray, rgb: np.ndarray) -> None:
        img[mask] = (*rgb, 255)

    head_r, head_cy = w * rng.uniform(0.22, 0.3), h * 0.2
    body_top, body_bot = int(h * 0.36), int(h * 0.68)
    half_body = int(w * rng.uniform(0.22, 0.3))
    legs_mask = (yy >= body_bot) & (yy < h - 2) & (np.abs(xx - cx) < half_body - 1) & (np.abs(xx - cx) > 1)
    arms = (yy >= body_top + 1) & (yy < body_bot - 2) & (np.abs(xx - cx) >= half_body) & (
        np.abs(xx - cx) < half_body + 2)
    body_mask = (yy >= body_top) & (yy < body_bot) & (np.abs(xx - cx) < half_body)
    head = (xx - cx) ** 2 + ((yy - head_cy) * 1.1) ** 2 < head_r**2
    paint(legs_mask, legs)
    paint(arms, skin)
    paint(body_mask, body)
    paint(body_mask & (xx > cx + half_body / 3), body_dark)
    paint(head, skin)
    paint(head & (xx > cx + head_r / 3), skin_dark)
    dither = body_mask & (yy > body_top + 2) & (yy < body_top + 6) & (xx < cx - 1) & ((xx + yy) % 2 == 0)
    paint(dither, accent)
    for ex in (int(cx - head_r / 2.5), int(cx + head_r / 2.5)):
        img[int(head_cy), ex] = (*eye, 255)
    img[body_bot - 2, int(cx)] = (*accent, 255)
    solid = img[:, :, 3] > 0
    ring = cv2.dilate(solid.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & ~solid
    paint(ring, outline)
    return img


def degrade(sprite: np.ndarray, *, factor: float, margin: int = 2, shift: tuple[float, float] = (0.0, 0.0),
            sigma: float = 1.0, noise: float = 6.0, quality: int = 85,
            background: tuple[int, int, int] | None = None, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Render ``sprite`` like a diffusion model's pseudo pixel art.

    The sprite is padded by ``margin`` transparent cells; the padded grid of ``(ny, nx)`` cells
    is drawn at ``factor`` pixels per cell (nearest), offset by ``shift`` pixels (keep it below
    half a cell), into an image of ``round(n * factor)`` pixels per axis. Then Gaussian blur
    ``sigma``, Gaussian colour noise ``noise`` and a JPEG round trip at ``quality``.

    ``background=None`` keeps an alpha channel (the blurred coverage, as a matting model would
    give) over a flat grey; an RGB ``background`` gives an opaque image.

    Returns ``(image, truth)``: the degraded ``(H, W, 4)`` image and the padded sprite
    ``(ny, nx, 4)``, which is what pixelize should give back (composited over ``background``
    when that is set).
    """
    truth = np.pad(sprite, ((margin, margin), (margin, margin), (0, 0)))
    ny, nx = truth.shape[:2]
    H, W = round(ny * factor), round(nx * factor)
    ys = np.clip(np.floor((np.arange(H) + 0.5 - shift[1]) / factor), 0, ny - 1).astype(int)
    xs = np.clip(np.floor((np.arange(W) + 0.5 - shift[0]) / factor), 0, nx - 1).astype(int)
    big = truth[ys[:, None], xs[None, :]].astype(np.float32)
    alpha = big[:, :, 3:] / 255
    bg = np.array(background if background is not None else (128, 128, 128), np.float32)
    rgb = big[:, :, :3] * alpha + bg * (1 - alpha)
    rgb = cv2.GaussianBlur(rgb, (0, 0), sigma)
    rng = np.random.default_rng(seed)
    rgb = np.clip(rgb + rng.normal(0, noise, rgb.shape), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=quality)
    rgb = np.asarray(Image.open(buf).convert("RGB"))
    if background is None:
        a = np.clip(cv2.GaussianBlur(big[:, :, 3], (0, 0), sigma), 0, 255).astype(np.uint8)
    else:
        a = np.full((H, W), 255, np.uint8)
        flat = truth[:, :, 3:] / 255
        truth = np.concatenate([np.round(truth[:, :, :3] * flat + bg * (1 - flat)).astype(np.uint8),
                                np.full((ny, nx, 1), 255, np.uint8)], axis=2)
    return np.dstack([rgb, a]), truth


def cell_accuracy(result: np.ndarray, truth: np.ndarray, sprite_mask: np.ndarray | None = None) -> float:
    """Fraction of foreground cells that ``result`` gets right.

    A cell is right when its opacity matches and its colour is nearer (in Lab) to the true
    colour than to any other colour of ``truth``. Foreground cells are the opaque cells of
    ``truth``, or ``sprite_mask`` when given (for opaque images, whose background is opaque).
    A ``result`` of another shape is first resampled onto the truth grid (nearest).
    """
    ny, nx = truth.shape[:2]
    if result.shape[:2] != (ny, nx):
        ys = (np.arange(ny) + 0.5) * result.shape[0] // ny
        xs = (np.arange(nx) + 0.5) * result.shape[1] // nx
        result = result[ys.astype(int)[:, None], xs.astype(int)[None, :]]
    fg = truth[:, :, 3] > 0 if sprite_mask is None else sprite_mask
    colours = np.unique(truth[truth[:, :, 3] > 0][:, :3], axis=0)
    dist = np.linalg.norm(_lab(result[:, :, :3])[:, None] - _lab(colours)[None], axis=2)
    nearest = colours[dist.argmin(axis=1)].reshape(ny, nx, 3)
    right = (result[:, :, 3] > 0) & np.all(nearest == truth[:, :, :3], axis=2)
    return float(right[fg].mean())


# ---------------------------------------------------------------- recovery

# factor (px per cell), sub-pixel shift (px), background (None: transparent with alpha), sprite seed
CASES = [
    (30.12, (0.0, 0.0), None, 0),
    (30.12, (7.3, -4.1), (235, 230, 220), 1),
    (17.37, (-5.2, 3.3), None, 2),
    (12.5, (2.5, 3.6), (30, 30, 40), 3),
    (9.61, (-2.7, -1.3), None, 4),
    (6.4, (1.5, -1.7), (250, 250, 250), 5),
]


def _case(factor, shift, background, seed, **kw):
    sprite = make_sprite(seed)
    image, truth = degrade(sprite, factor=factor, shift=shift, background=background, seed=seed, **kw)
    return image, truth, np.pad(sprite[:, :, 3] > 0, 2)


@pytest.mark.parametrize("factor, shift, background, seed", CASES)
def test_pixelize_recovers_degraded_sprite(factor, shift, background, seed):
    image, truth, mask = _case(factor, shift, background, seed)
    out = pixelize(image)
    assert out.shape == truth.shape and out.dtype == np.uint8
    assert cell_accuracy(out, truth, mask) >= 0.95
    assert set(np.unique(out[:, :, 3])) <= {0, 255}


@pytest.mark.parametrize("factor, shift, background, seed", CASES[:3])
def test_detect_grid_finds_cell_size_and_phase(factor, shift, background, seed):
    image, truth, _ = _case(factor, shift, background, seed)
    grid = detect_grid(image)
    assert isinstance(grid, Grid) and grid.confidence >= 0.5
    assert (grid.cols, grid.rows) == (truth.shape[1], truth.shape[0])
    assert abs(grid.cell_w - factor) < 0.005 * factor and abs(grid.cell_h - factor) < 0.005 * factor
    assert abs(grid.phase_x - shift[0]) < 1.0 and abs(grid.phase_y - shift[1]) < 1.0


@pytest.mark.parametrize("extra", [(0, 0), (3, -2), (-6, 5)])
def test_size_gives_exact_shape(extra):
    image, truth, mask = _case(*CASES[2])
    w, h = truth.shape[1] + extra[0], truth.shape[0] + extra[1]
    out = pixelize(image, size=(w, h))
    assert out.shape == (h, w, 4)
    if extra == (0, 0):
        assert cell_accuracy(out, truth, mask) >= 0.95


def test_frames_share_grid_and_palette():
    sprite = make_sprite(7)
    frames, truths = [], []
    for i in range(3):  # the figure walks one cell right per frame
        moved = np.roll(np.pad(sprite, ((0, 0), (1, 3), (0, 0))), i, axis=1)
        image, truth = degrade(moved, factor=15.3, shift=(2.2, -3.1), seed=10 + i)
        frames.append(image)
        truths.append(truth)
    frames.append(np.zeros_like(frames[0]))  # an empty frame gets the same grid
    outs = pixelize_frames(frames)
    assert len(outs) == 4 and {o.shape for o in outs} == {truths[0].shape}
    assert not outs[3][:, :, 3].any()
    for out, truth in zip(outs, truths):
        assert cell_accuracy(out, truth) >= 0.95
    # one palette: each true colour comes out as one and the same colour in every frame
    seen: dict[tuple, set] = {}
    for out, truth in zip(outs, truths):
        both = (out[:, :, 3] > 0) & (truth[:, :, 3] > 0)
        for t, o in zip(map(tuple, truth[both][:, :3]), map(tuple, out[both][:, :3])):
            seen.setdefault(t, set()).add(o)
    assert sum(len(v) for v in seen.values()) <= len(seen) + 1  # allow one stray cell


def test_cell_override():
    image, truth, mask = _case(*CASES[4])
    out = pixelize(image, cell=(9.61, 9.61))
    assert out.shape == truth.shape and cell_accuracy(out, truth, mask) >= 0.95
    # an image without a visible grid: the cell size alone decides the layout
    ramp = np.dstack([np.tile(np.linspace(0, 255, 300, dtype=np.uint8), (200, 1))] * 3)
    flat = pixelize(ramp, cell=(12.5, 10.0))
    assert flat.shape == (20, 24, 4)
    assert np.all(np.diff(flat[0, :, 0].astype(int)) >= 0)


@pytest.mark.parametrize("seed, size",
                         [(0, (24, 32)), (1, (16, 16)), (2, (48, 40)), (3, (64, 64)), (4, (128, 96))])
@pytest.mark.parametrize("opaque", [False, True])
def test_true_resolution_input_is_unchanged(seed, size, opaque):
    sprite = make_sprite(seed, size=size)
    if opaque:
        sprite[sprite[:, :, 3] == 0] = (255, 255, 255, 255)
    assert detect_grid(sprite).is_identity
    assert np.array_equal(pixelize(sprite), sprite)


@pytest.mark.parametrize("factor", [2, 3, 5])
def test_clean_integer_upscale_comes_back_exactly(factor):
    sprite = make_sprite(factor)
    big = np.repeat(np.repeat(sprite, factor, axis=0), factor, axis=1)
    assert np.array_equal(pixelize(big), sprite)


def test_colors_limits_palette():
    image, _, _ = _case(*CASES[0])
    out = pixelize(image, colors=4)
    opaque = out[out[:, :, 3] > 0][:, :3]
    assert len(np.unique(opaque, axis=0)) <= 4


@pytest.mark.parametrize("kwargs, field", [
    ({"image": np.zeros((8, 8, 4), np.float32)}, "image"),
    ({"image": np.zeros((8, 8, 5), np.uint8)}, "image"),
    ({"size": (0, 10)}, "size"),
    ({"size": (10.5, 3)}, "size"),
    ({"size": (500, 10)}, "size"),
    ({"cell": (0.5, 3)}, "cell"),
    ({"cell": "big"}, "cell"),
    ({"colors": 0}, "colors"),
    ({"colors": 300}, "colors"),
    ({"colors": True}, "colors"),
])
def test_bad_input_names_the_field(kwargs, field):
    args = {"image": make_sprite(0)} | kwargs
    with pytest.raises(InvalidRequest, match=f"^{field}:") as info:
        pixelize(args.pop("image"), **args)
    assert info.value.field == field


def test_bad_frames_name_the_field():
    with pytest.raises(InvalidRequest, match="^frames:"):
        pixelize_frames([make_sprite(0), make_sprite(0, size=(16, 16))])
    with pytest.raises(InvalidRequest, match="^frames:"):
        pixelize_frames([])
