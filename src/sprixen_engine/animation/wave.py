"""A travelling wave along a body's medial axis (serpents): each pixel moves along the spine's normal.

The spine is a polyline of pivots ``spine_0`` (head) … ``spine_N`` (tail). Every canvas pixel gets the
arc length ``s`` of its nearest spine point and the spine's unit normal there; a frame displaces pixels
by ``A(s) · sin(2π (s / λ − phase))`` along that normal (nearest-neighbour resampling, no new colours).
The amplitude grows from the head (``head_damping`` of full) to the tail so the head stays readable.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass
class SpineField:
    """Per-pixel spine coordinates of a canvas.

    s : ``(H, W)`` float32 arc length (pixels) of the nearest spine point, 0 at the head.
    normal : ``(H, W, 2)`` float32 unit normal ``(nx, ny)`` of the spine there.
    tangent : ``(H, W, 2)`` float32 unit tangent (head → tail).
    length : total spine length in pixels.
    """

    s: np.ndarray
    normal: np.ndarray
    tangent: np.ndarray
    length: float


def spine_points(pivots: dict[str, tuple[float, float]]) -> np.ndarray | None:
    """``(N, 2)`` spine polyline from ``spine_0..spine_N`` pivots (head first), or None if < 2 points."""
    found = sorted((int(m.group(1)), xy) for k, xy in pivots.items() if (m := re.fullmatch(r"spine_(\d+)", k)))
    if len(found) < 2:
        return None
    return np.array([xy for _, xy in found], np.float64)


def spine_field(points: np.ndarray, size_hw: tuple[int, int]) -> SpineField:
    """Project every pixel centre of an ``(H, W)`` canvas onto the polyline ``points`` ``(N, 2)``."""
    h, w = size_hw
    yy, xx = np.mgrid[:h, :w]
    q = np.stack([xx.ravel() + 0.5, yy.ravel() + 0.5], axis=1)          # (P, 2)
    a, b = points[:-1], points[1:]                                       # (S, 2)
    seg = b - a
    seg_len = np.maximum(np.linalg.norm(seg, axis=1), 1e-6)
    u = np.clip(((q[:, None, :] - a[None]) * seg[None]).sum(-1) / seg_len**2, 0.0, 1.0)   # (P, S)
    nearest = a[None] + u[..., None] * seg[None]
    d2 = ((q[:, None, :] - nearest) ** 2).sum(-1)
    k = d2.argmin(axis=1)
    start = np.concatenate([[0.0], np.cumsum(seg_len)])[:-1]
    s = start[k] + u[np.arange(len(k)), k] * seg_len[k]
    t = seg[k] / seg_len[k, None]
    n = np.stack([-t[:, 1], t[:, 0]], axis=1)
    return SpineField(s=s.reshape(h, w).astype(np.float32), normal=n.reshape(h, w, 2).astype(np.float32),
                      tangent=t.reshape(h, w, 2).astype(np.float32), length=float(seg_len.sum()))


def displace(rgba: np.ndarray, labels: np.ndarray, field: SpineField, *, phase: float, amplitude_px: float,
             wavelength: float, head_damping: float, strike_px: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Apply the wave (and an optional head strike along the tangent) to one frame.

    Parameters
    ----------
    rgba : ``(H, W, 4)`` uint8 frame; labels : ``(H, W)`` uint8 part labels, moved alongside.
    phase : wave phase in cycles. amplitude_px : peak sideways offset at the tail (pixels).
    wavelength : wave length as a fraction of the spine length.
    head_damping : amplitude factor at the head (rises linearly to 1 at the tail).
    strike_px : forward (towards the head) lunge of the head end, fading to 0 by mid-body.

    The inverse map evaluates the displacement at the destination pixel (exact for the small
    offsets used here), so the result is a nearest-neighbour resampling without new colours.
    """
    length = max(field.length, 1.0)
    rel = field.s / length
    env = head_damping + (1.0 - head_damping) * rel
    off = amplitude_px * env * np.sin(2 * math.pi * (rel / max(wavelength, 1e-3) - phase))
    lunge = strike_px * np.clip(1.0 - 2.0 * rel, 0.0, 1.0) ** 2
    h, w = labels.shape
    yy, xx = np.mgrid[:h, :w].astype(np.float32)
    dx = off * field.normal[..., 0] - lunge * field.tangent[..., 0]
    dy = off * field.normal[..., 1] - lunge * field.tangent[..., 1]
    map_x, map_y = xx - dx, yy - dy
    out = cv2.remap(rgba, map_x, map_y, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0))
    lab = cv2.remap(labels, map_x, map_y, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return out, lab
