"""Property tests for classic background removal (sprixen_engine.core.matting).

Scenes are built here: a figure of flat-coloured parts (one close to the background, a
thin sword, a ring enclosing a hole) drawn at 4x and area-averaged, so every pixel has a
known coverage ``a`` and foreground colour ``F``; the image is ``a F + (1 - a) B``. A fence
drawn the same way spans the full width on the bottom edge and covers half the border.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from sprixen_engine.backends.base import MattingBackend
from sprixen_engine.backends.classic_matting import ClassicMatting
from sprixen_engine.core.matting import _grabcut, remove_background
from sprixen_engine.errors import InvalidRequest

SIZE = 384  # above the 256 px working resolution, so the full-resolution edge pass runs
PARTS = [  # (shape, colour); coordinates in % of the side
    (("ellipse", (50, 55), (16, 22)), (200, 60, 50)),  # body
    (("circle", (50, 27), 10), (214, 198, 182)),  # head, 12-17 ΔE from the light backgrounds
    (("rect", (38, 72), (46, 90)), (60, 90, 200)),  # legs
    (("rect", (54, 72), (62, 90)), (60, 90, 200)),
    (("rect", (20, 40), (34, 46)), (40, 150, 70)),  # arm
    (("line", (66, 50), (88, 18), 1.2), (240, 200, 60)),  # thin sword, ~4.6 px wide
    (("ring", (22, 62), 9, 3), (90, 60, 40)),  # ring around a hole showing the background
]


def _figure(size: int, *, ring: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Foreground colour (size, size, 3) float, coverage (size, size) float and hole mask."""
    big = size * 4
    colour = np.zeros((big, big, 3), np.float32)
    cover = np.zeros((big, big), np.uint8)
    hole = np.zeros((big, big), np.uint8)
    u = big / 100

    def p(*v: float) -> tuple[int, ...]:
        return tuple(round(x * u) for x in v)

    for (kind, *geo), rgb in PARTS if ring else PARTS[:-1]:
        m = np.zeros((big, big), np.uint8)
        if kind == "ellipse":
            cv2.ellipse(m, p(*geo[0]), p(*geo[1]), 0, 0, 360, 1, -1)
        elif kind == "circle":
            cv2.circle(m, p(*geo[0]), round(geo[1] * u), 1, -1)
        elif kind == "rect":
            cv2.rectangle(m, p(*geo[0]), p(*geo[1]), 1, -1)
        elif kind == "line":
            cv2.line(m, p(*geo[0]), p(*geo[1]), 1, round(geo[2] * u))
        else:
            cv2.circle(m, p(*geo[0]), round(geo[1] * u), 1, round(geo[2] * u))
            cv2.circle(hole, p(*geo[0]), round((geo[1] - geo[2] / 2) * u), 1, -1)
        colour[m > 0] = rgb
        cover[m > 0] = 1
    a = cv2.resize(cover.astype(np.float32), (size, size), interpolation=cv2.INTER_AREA)
    total = cv2.resize(colour * cover[..., None], (size, size), interpolation=cv2.INTER_AREA)
    fg = total / np.maximum(a, 1e-6)[..., None]
    inside = cv2.resize((hole & (1 - cover)).astype(np.float32), (size, size), interpolation=cv2.INTER_AREA)
    return fg, a, inside >= 0.5


def _background(kind: str, size: int, seed: int = 0, *, phase: int = 3) -> np.ndarray:
    """(size, size, 3) float RGB background of the given kind (``phase``: checkerboard offset, px).

    Also used by benchmarks/bench_matting.py."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    if kind == "flat":
        return np.broadcast_to(np.float32([242, 240, 236]), (size, size, 3)).copy()
    if kind == "vertical":
        return np.float32([40, 60, 120]) + y[..., None] * np.float32([190, 140, 50])
    if kind == "radial":
        t = np.clip(np.hypot(x - 0.45, y - 0.5) / 0.75, 0, 1)[..., None]
        return (1 - t) * np.float32([250, 245, 220]) + t * np.float32([110, 140, 170])
    if kind == "noise":
        return np.float32([200, 210, 225]) + rng.normal(0, 12, (size, size, 3))
    if kind == "texture":  # colourful blotches + grain: GrabCut territory
        blotch = cv2.resize(rng.normal(0, 1, (8, 8, 3)).astype(np.float32), (size, size))
        return np.float32([120, 170, 110]) + 25 * blotch + rng.normal(0, 6, (size, size, 3))
    period = int(kind.removeprefix("checker"))
    squares = (np.mgrid[0:size, 0:size] + phase) // period  # phase not aligned with the image
    light = ((squares[0] + squares[1]) % 2 == 0)[..., None]
    return np.where(light, np.float32([255, 255, 255]), np.float32([204, 204, 204]))


def _compose(fg: np.ndarray, a: np.ndarray, bg: np.ndarray) -> np.ndarray:
    rgb = np.clip(np.rint(a[..., None] * fg + (1 - a[..., None]) * bg), 0, 255).astype(np.uint8)
    return np.dstack([rgb, np.full(a.shape, 255, np.uint8)])


def _iou(m1: np.ndarray, m2: np.ndarray) -> float:
    return float((m1 & m2).sum() / (m1 | m2).sum())


KINDS = ["flat", "vertical", "radial", "noise", "texture", "checker8", "checker16"]


@pytest.mark.parametrize("kind", KINDS)
def test_mask_matches_and_edges_have_no_halo(kind: str) -> None:
    fg, a, hole = _figure(SIZE)
    image = _compose(fg, a, _background(kind, SIZE))
    out = remove_background(image)

    assert out.shape == image.shape and out.dtype == np.uint8
    # enclosed background is kept over smooth backgrounds (it could be eyes), removed over
    # a checkerboard (the pattern gives it away) and by GrabCut over a texture
    expected = (a >= 0.5) | (hole if kind in ("flat", "vertical", "radial", "noise") else False)
    assert _iou(out[..., 3] >= 128, expected) >= 0.97
    # no halo: partly covered edge pixels carry the subject's colour, not the background's
    near_hole = cv2.dilate(hole.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    edge = (a > 0.05) & (a < 0.95) & (out[..., 3] >= 64) & ~near_hole
    error = np.abs(out[..., :3] - fg)[edge].max(axis=1).mean()
    composite_error = np.abs(image[..., :3] - fg)[edge].max(axis=1).mean()
    assert edge.sum() > 200
    assert error < 12 and error < 0.25 * composite_error


FENCE = [  # (x0, y0, x1, y1) in % of the side, colour: a fence spanning the full width
    ((0, 45, 7, 100), (150, 100, 60)),  # end posts on the left and right edges
    ((93, 45, 100, 100), (150, 100, 60)),
    *(((x, 56, x + 6, 100), (190, 140, 90)) for x in range(14, 86, 12)),  # pickets
    ((0, 76, 100, 88), (120, 80, 45)),  # rail
    ((0, 88, 100, 100), (70, 150, 60)),  # ground strip along the bottom edge
]


def _fence(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Foreground colour (size, size, 3) float and coverage (size, size) float of a fence
    touching the left, right and bottom edges (about half of the border), drawn like
    :func:`_figure`; it encloses no background."""
    big, u = size * 4, size * 4 / 100
    colour = np.zeros((big, big, 3), np.float32)
    cover = np.zeros((big, big), np.uint8)
    for (x0, y0, x1, y1), rgb in FENCE:
        m = np.zeros((big, big), np.uint8)
        cv2.rectangle(m, (round(x0 * u), round(y0 * u)), (round(x1 * u) - 1, round(y1 * u) - 1), 1, -1)
        colour[m > 0] = rgb
        cover[m > 0] = 1
    a = cv2.resize(cover.astype(np.float32), (size, size), interpolation=cv2.INTER_AREA)
    total = cv2.resize(colour * cover[..., None], (size, size), interpolation=cv2.INTER_AREA)
    return total / np.maximum(a, 1e-6)[..., None], a


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "texture"])
def test_fence_on_three_edges_covering_half_the_border(kind: str) -> None:
    # the border's commonest colours are the subject's: the background must still be found
    # (over a texture GrabCut decides, and it keeps gaps between pickets on some textures)
    fg, a = _fence(SIZE)
    solid = a >= 0.5
    assert np.concatenate([solid[0], solid[-1], solid[:, 0], solid[:, -1]]).mean() > 0.5
    out = remove_background(_compose(fg, a, _background(kind, SIZE)))
    kept = out[..., 3] >= 128
    assert _iou(kept, solid) >= 0.97
    assert kept[-1].mean() > 0.95 and kept[SIZE // 2 :, [0, -1]].mean() > 0.95  # the edges it touches
    assert not kept[0].any()


def test_grabcut_is_not_run_without_both_seed_kinds() -> None:
    rgb = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    everywhere = np.ones((32, 32), bool)
    assert not _grabcut(rgb, everywhere, everywhere).any()  # all background
    assert _grabcut(rgb, ~everywhere, ~everywhere).all()  # no background at all


def test_soft_alpha_follows_coverage_over_flat_background() -> None:
    fg, a, _ = _figure(SIZE, ring=False)
    out = remove_background(_compose(fg, a, _background("flat", SIZE)))  # smooth art: soft by default
    edge = (a > 0.1) & (a < 0.9)
    assert np.abs(out[..., 3] / 255 - a)[edge].mean() < 0.05
    assert np.unique(out[..., 3]).size > 50


def test_hard_alpha_is_binary_and_keeps_the_mask() -> None:
    fg, a, _ = _figure(SIZE, ring=False)
    out = remove_background(_compose(fg, a, _background("vertical", SIZE)), hard=True)
    assert set(np.unique(out[..., 3])) <= {0, 255}
    assert _iou(out[..., 3] == 255, a >= 0.5) >= 0.97


def test_pixel_art_gets_exact_hard_alpha() -> None:
    rng = np.random.default_rng(1)
    sprite = np.zeros((32, 32), bool)
    cv2.ellipse(sprite.view(np.uint8), (16, 17), (9, 12), 0, 0, 360, 1, -1)
    palette = np.array([[30, 30, 40], [200, 60, 50], [230, 190, 60], [70, 120, 210]], np.uint8)
    small = np.where(sprite[..., None], palette[rng.integers(0, 4, (32, 32))], np.uint8([90, 200, 120]))
    image = cv2.resize(small, (256, 256), interpolation=cv2.INTER_NEAREST)  # 8x8 blocks
    out = remove_background(image)
    expected = cv2.resize(sprite.astype(np.uint8), (256, 256), interpolation=cv2.INTER_NEAREST) > 0
    assert set(np.unique(out[..., 3])) <= {0, 255}
    assert np.array_equal(out[..., 3] == 255, expected)
    assert np.array_equal(out[..., :3], image)


def test_transparent_input_keeps_alpha_and_drops_specks() -> None:
    fg, a, _ = _figure(SIZE, ring=False)
    rgba = _compose(fg, a, _background("flat", SIZE))
    rgba[..., 3] = np.rint(a * 255).astype(np.uint8)
    rgba[10:13, 10:13, 3] = 90  # a stray semi-transparent speck
    rgba[370, 5, 3] = 8  # near-transparent dust
    out = remove_background(rgba)
    assert np.array_equal(out[..., :3], rgba[..., :3])
    assert out[10:13, 10:13, 3].max() == 0 and out[370, 5, 3] == 0
    subject = a > 16 / 255
    assert np.array_equal(out[..., 3][subject], rgba[..., 3][subject])


def _with_shadow(kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The figure (no ring) standing on a soft dark ellipse shadow; image, coverage, shadow."""
    fg, a, _ = _figure(SIZE, ring=False)
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) / SIZE
    r = np.hypot((x - 0.5) / 0.22, (y - 0.9) / 0.035)
    shade = 0.55 * np.clip(1.5 * (1 - r), 0, 1)
    return _compose(fg, a, _background(kind, SIZE) * (1 - shade[..., None])), a, shade > 0.05


@pytest.mark.parametrize("kind", ["flat", "checker8"])
def test_no_base_removes_a_ground_shadow(kind: str) -> None:
    image, a, shadow = _with_shadow(kind)
    outside = shadow & (a < 0.05)
    kept = remove_background(image)
    assert (kept[..., 3][outside] >= 128).mean() > 0.5  # the shadow is part of the cut-out
    out = remove_background(image, no_base=True)
    assert out[..., 3][outside].max() == 0
    assert _iou(out[..., 3] >= 128, a >= 0.5) >= 0.97


def test_no_base_leaves_a_figure_without_base_alone() -> None:
    fg, a, _ = _figure(SIZE)
    image = _compose(fg, a, _background("flat", SIZE))
    assert np.array_equal(remove_background(image, no_base=True), remove_background(image))


def test_empty_background_gives_transparent_image() -> None:
    image = _compose(*_figure(64)[:2], _background("flat", 64))
    image[..., :3] = 128
    assert remove_background(image)[..., 3].max() == 0


def test_deterministic_on_textured_background() -> None:
    fg, a, _ = _figure(256)
    image = _compose(fg, a, _background("texture", 256, seed=3))
    assert np.array_equal(remove_background(image), remove_background(image))


@pytest.mark.parametrize(
    ("image", "options", "field"),
    [
        (np.zeros((8, 8, 4), np.float32), {}, "image"),
        (np.zeros((8, 8, 2), np.uint8), {}, "image"),
        ("no/such/file.png", {}, "image"),
        (np.zeros((8, 8, 4), np.uint8), {"hard": "yes"}, "hard"),
        (np.zeros((8, 8, 4), np.uint8), {"no_base": 1}, "no_base"),
        (np.zeros((8, 8, 4), np.uint8), {"tolerance": 0}, "tolerance"),
        (np.zeros((8, 8, 4), np.uint8), {"tolerance": 101}, "tolerance"),
        (np.zeros((8, 8, 4), np.uint8), {"tolerance": "5"}, "tolerance"),
        (np.zeros((8, 8, 4), np.uint8), {"tolerance": True}, "tolerance"),
    ],
)
def test_bad_input_names_the_field(image: object, options: dict, field: str) -> None:
    with pytest.raises(InvalidRequest, match=f"^{field}: ") as caught:
        remove_background(image, **options)
    assert caught.value.field == field


def test_classic_backend_satisfies_the_protocol() -> None:
    backend = ClassicMatting()
    assert isinstance(backend, MattingBackend) and backend.name == "classic"
    fg, a, _ = _figure(128, ring=False)
    out = backend.remove(_compose(fg, a, _background("flat", 128)), hard=True, no_base=False)
    assert out.shape == (128, 128, 4) and set(np.unique(out[..., 3])) <= {0, 255}
