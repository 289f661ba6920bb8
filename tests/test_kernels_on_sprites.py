"""The kernels on the engine's own sprites: pixelize undoes a diffusion-style degradation,
remove_background recovers the mask from composites, the palette tools keep their promises."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

import sprixen_engine as sx

PROMPTS = ["a knight with a sword", "a red dragon", "a green slime", "a golden key", "an oak tree", "a wolf"]


@pytest.fixture(scope="module")
def sprites(engine):
    return [np.asarray(engine.generate(p, seed=4, resolution="32x32").images[0]) for p in PROMPTS]


def _degrade(sprite: np.ndarray, rng: np.random.Generator, *, cell: float, bg=(255, 255, 255)) -> np.ndarray:
    """What a diffusion model makes of pixel art: non-integer cells, sub-pixel shift, blur,
    colour noise, JPEG, on an opaque background."""
    h, w = sprite.shape[:2]
    out_h, out_w = int(round(h * cell)), int(round(w * cell))
    shift = rng.uniform(-0.4, 0.4, 2) * cell + (cell - 1) / 2  # pixel k spans [k, k + 1) * cell + shift
    m = np.array([[cell, 0, shift[0]], [0, cell, shift[1]]], np.float32)
    flat = np.where(sprite[..., 3:] > 0, sprite[..., :3], np.array(bg, np.uint8)).astype(np.uint8)
    big = cv2.warpAffine(flat, m, (out_w, out_h), flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)
    big = cv2.GaussianBlur(big, (0, 0), 1.0).astype(np.float32)
    big = np.clip(big + rng.normal(0, 4, big.shape), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(big).save(buf, format="JPEG", quality=88)
    return np.asarray(Image.open(buf).convert("RGB"))


@pytest.mark.parametrize("cell", [30.12, 17.37, 11.6])
def test_pixelize_recovers_engine_sprites(sprites, cell):
    rng = np.random.default_rng(int(cell * 100))
    for sprite in sprites:
        degraded = _degrade(sprite, rng, cell=cell)
        palette = np.unique(sprite[sprite[..., 3] > 0][:, :3], axis=0)
        bg = np.array([[255, 255, 255]], np.uint8)
        got = np.asarray(sx.pixelize(degraded, size=(32, 32)))
        assert got.shape == (32, 32, 4)
        # compare on the sprite's own palette (plus the background it was painted on)
        snapped = np.asarray(sx.map_to_palette(got, np.vstack([palette, bg])))[..., :3]
        truth = np.where(sprite[..., 3:] > 0, sprite[..., :3], bg[0])
        accuracy = np.all(snapped == truth, axis=2).mean()
        assert accuracy >= 0.95, accuracy


@pytest.mark.parametrize("kind", ["flat", "gradient", "noise", "checker"])
def test_remove_background_recovers_engine_sprite_masks(sprites, kind):
    rng = np.random.default_rng(1)
    scale = 8
    for sprite in sprites:
        big = cv2.resize(sprite, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
        h, w = big.shape[:2]
        yy, xx = np.mgrid[0:h, 0:w]
        if kind == "flat":
            bg = np.zeros((h, w, 3), np.float32) + (235, 240, 250)
        elif kind == "gradient":
            t = (yy / h)[..., None]
            bg = (1 - t) * np.array([250, 245, 225]) + t * np.array([170, 200, 235])
        elif kind == "noise":
            bg = np.clip(np.zeros((h, w, 3)) + (200, 215, 190) + rng.normal(0, 6, (h, w, 3)), 0, 255)
        else:
            sq = ((yy // 16 + xx // 16) % 2)[..., None]
            bg = np.where(sq == 0, 255.0, 204.0) * np.ones(3)
        a = big[..., 3:] / 255.0
        comp = (big[..., :3] * a + bg * (1 - a)).astype(np.uint8)
        cut = np.asarray(sx.remove_background(comp))
        truth, got = big[..., 3] > 0, cut[..., 3] > 127
        iou = (truth & got).sum() / (truth | got).sum()
        assert iou >= 0.97, (kind, iou)


def test_palette_tools(sprites):
    knight = sprites[0]
    pal = sx.extract_palette(knight)
    assert 4 <= len(pal) <= 32 and all(len(c) == 3 for c in pal)
    few = np.asarray(sx.limit_colors(knight, 4))
    assert len(np.unique(few[few[..., 3] > 0][:, :3], axis=0)) <= 4
    mapped = np.asarray(sx.map_to_palette(knight, [(0, 0, 0), (255, 255, 255)]))
    assert {tuple(c) for c in mapped[mapped[..., 3] > 0][:, :3]} <= {(0, 0, 0), (255, 255, 255)}
    blob = np.zeros((12, 12, 4), np.uint8)
    blob[4:8, 4:8] = (200, 60, 60, 255)
    outlined = np.asarray(sx.add_outline(blob))
    ring = (outlined[..., 3] > 0) & (blob[..., 3] == 0)
    assert ring.sum() == 16 and outlined[ring][:, :3].mean() < 120


def test_resize_follows_pixel_perfect(sprites):
    knight = sprites[0]
    colours = {tuple(c) for c in knight.reshape(-1, 4)}
    up = np.asarray(sx.resize(knight, "256x256"))  # auto, whole-number upscale of pixel art: nearest
    assert up.shape == (256, 256, 4) and {tuple(c) for c in up.reshape(-1, 4)} <= colours
    assert np.array_equal(up[::8, ::8], knight)
    smooth = np.asarray(sx.resize(knight, (100, 100), pixel_perfect="off"))
    assert smooth.shape == (100, 100, 4) and len({tuple(c) for c in smooth.reshape(-1, 4)}) > len(colours)
    with pytest.raises(sx.InvalidRequest, match="pixelPerfect"):
        sx.resize(knight, "64x64", pixel_perfect="sometimes")
