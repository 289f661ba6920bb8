"""Variations of an existing sprite: palette swaps and small proportion changes.

Used for ``type="variation"`` requests, whose reference image may be any RGBA sprite
(procedural, model-made or hand-drawn), so nothing here needs part masks.
"""

from __future__ import annotations

import cv2
import numpy as np


def hue_rotate(rgba: np.ndarray, turns: float, *, min_saturation: float = 0.22,
               protect_skin: bool = True) -> np.ndarray:
    """Rotate the hue of the saturated colours of ``rgba`` by ``turns`` (1.0 = a full turn).

    Greys, outlines and (with ``protect_skin``) skin tones keep their colour, so a palette
    swap reads as "same character, other outfit". Returns a new ``(H, W, 4)`` uint8 array.
    """
    out = rgba.copy()
    hsv = cv2.cvtColor(np.ascontiguousarray(rgba[..., :3]), cv2.COLOR_RGB2HSV_FULL).astype(np.int16)
    h, s, v = hsv[..., 0], hsv[..., 1] / 255.0, hsv[..., 2] / 255.0
    sel = (rgba[..., 3] > 0) & (s >= min_saturation) & (v > 0.18)
    if protect_skin:
        # skin: orange hues (about 5°–40°), moderate saturation, bright
        hue_deg = h * (360.0 / 256.0)
        skin = (hue_deg > 5) & (hue_deg < 40) & (s < 0.62) & (v > 0.55)
        sel &= ~skin
    hsv[..., 0] = np.where(sel, (h + int(round(turns * 256))) % 256, h)
    rgb = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB_FULL)
    out[..., :3] = np.where(sel[..., None], rgb, rgba[..., :3])
    return out


def reproportion(rgba: np.ndarray, *, width_scale: float, height_scale: float) -> np.ndarray:
    """Rescale the opaque subject by the given factors with nearest-neighbour sampling,
    keeping its bottom centre fixed and the canvas size unchanged (the subject is shrunk to
    fit if it would leave the canvas). No new colours are introduced.
    """
    h, w = rgba.shape[:2]
    ys, xs = np.nonzero(rgba[..., 3])
    if ys.size == 0:
        return rgba.copy()
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    crop = rgba[y0:y1, x0:x1]
    nw = max(1, int(round((x1 - x0) * width_scale)))
    nh = max(1, int(round((y1 - y0) * height_scale)))
    fit = min(1.0, w / nw, y1 / nh)
    nw, nh = max(1, int(nw * fit)), max(1, int(nh * fit))
    scaled = cv2.resize(crop, (nw, nh), interpolation=cv2.INTER_NEAREST)
    out = np.zeros_like(rgba)
    cx = (x0 + x1) / 2.0
    left = int(np.clip(round(cx - nw / 2.0), 0, w - nw))
    top = y1 - nh
    out[top:y1, left:left + nw] = scaled
    return out


def vary_sprite(rgba: np.ndarray, rng: np.random.Generator, *, variant: int) -> np.ndarray:
    """Variant ``variant`` (0 = the original) of a sprite: a hue swap plus a proportion change.

    The amounts come from ``rng`` so each variant is reproducible from its seed.
    """
    if variant == 0:
        return rgba.copy()
    turns = float(rng.uniform(0.15, 0.45)) * (1 if variant % 2 else -1)
    out = hue_rotate(rgba, turns)
    ws = float(rng.uniform(0.86, 1.12))
    hs = float(rng.uniform(0.88, 1.0))
    return reproportion(out, width_scale=ws, height_scale=hs)
