"""Drift stabilisation, tight cropping and canvas fitting for animation frames.

Generated animations often drift: the character slides sideways or sinks by a pixel or so
per frame although it should walk (or idle) in place. :func:`stabilize_frames` re-anchors
every frame with a whole-pixel translation:

* **Horizontal**: the torso (or the whole silhouette) of each frame is registered to the
  reference frame's by phase correlation (:func:`estimate_shift`), and the difference is
  cancelled, so the body does not wander while the legs keep swinging.
* **Vertical**: from the ground line, see :func:`stabilize_frames` for the rule that keeps
  intended jumps.

:func:`union_box`, :func:`crop_frames` and :func:`fit_frames` trim the transparent padding
with ONE box for all frames (so nothing jitters) and scale the content by ONE factor.

Conventions: frames are ``(H, W, 4)`` uint8 RGBA arrays of equal size; masks are ``(H, W)``
arrays (bool or numbers, > 0 = inside); ``x`` grows to the right and ``y`` downwards, in
pixels; a shift ``(dx, dy)`` moves content ``dx`` px right and ``dy`` px down. Boxes are
``(x0, y0, x1, y1)`` with exclusive ``x1, y1`` (like PIL and numpy slices).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from ..errors import invalid
from .resize import resize

#: Alpha from which a pixel belongs to the silhouette (anchors, masks).
OPAQUE = 128
#: Rows (as a share of the height, at least 2 rows) at the bottom of the support in which the
#: ground anchor's ``x`` is measured.
GROUND_BAND = 0.03
#: Phase-correlation peaks below this response are not trusted; the centroid shift is used.
MIN_RESPONSE = 0.1
#: A frame is in ground contact when its ground row is at most this share of the height (at
#: least 1 px) above the fitted ground line.
CONTACT_TOLERANCE = 0.01

Box = tuple[int, int, int, int]


def ground_anchor(alpha: np.ndarray, support: np.ndarray | None = None) -> tuple[float, float] | None:
    """Bottom centre of the supporting pixels: where the character touches the ground.

    Parameters
    ----------
    alpha : (H, W) uint8 ndarray
        Alpha channel; pixels with alpha >= :data:`OPAQUE` are the silhouette.
    support : (H, W) ndarray or None
        The supporting parts (legs, feet), > 0 inside. ``None``, or a mask with no opaque
        pixel, means the whole silhouette (its bottom rows are what stands on the ground).

    Returns
    -------
    (x, y) : floats, pixels, or None when nothing is opaque
        ``y`` is the lowest opaque row of the support; ``x`` the mean column of its opaque
        pixels in the lowest ``max(2, ceil(GROUND_BAND * H))`` rows (both feet when both touch).
    """
    opaque = np.asarray(alpha) >= OPAQUE
    if support is not None:
        supported = opaque & (np.asarray(support) > 0)
        opaque = supported if supported.any() else opaque
    rows = np.flatnonzero(opaque.any(axis=1))
    if not len(rows):
        return None
    y = int(rows[-1])
    band = max(2, math.ceil(GROUND_BAND * opaque.shape[0]))
    xs = np.nonzero(opaque[max(0, y - band + 1):y + 1])[1]
    return float(xs.mean()), float(y)


def estimate_shift(ref_mask: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    """Translation ``(dx, dy)`` that moves ``ref_mask`` onto ``mask`` (sub-pixel, pixels).

    ``mask`` is about ``ref_mask`` moved ``dx`` px right and ``dy`` px down; shifting ``mask``
    by ``(-dx, -dy)`` aligns it with the reference.

    Parameters
    ----------
    ref_mask, mask : (H, W) ndarrays of the same shape
        Bool masks or weights (alpha, luminance x alpha); values are used as float32.

    Returns
    -------
    (dx, dy) : floats
        ``(0.0, 0.0)`` when either mask is empty.

    Notes
    -----
    Phase correlation (``cv2.phaseCorrelate``) on the masks zero-padded to about 1.5x their
    size. Sprite masks are already zero around the subject, so the padding (rather than a
    Hanning window, which would re-weight the subject as it moves) removes the wrap-around
    and the border steps of subjects cut by the canvas edge. A response below
    :data:`MIN_RESPONSE` (shapes too different to register, e.g. a turn) falls back to the
    difference of the masks' centroids.
    """
    ref = np.asarray(ref_mask, np.float32)
    cur = np.asarray(mask, np.float32)
    if ref.shape != cur.shape or ref.ndim != 2:
        raise invalid("mask", f"must be a 2-D array shaped like ref_mask {ref.shape}", cur.shape)
    if not ref.any() or not cur.any():
        return 0.0, 0.0
    h, w = ref.shape
    ph, pw = cv2.getOptimalDFTSize(math.ceil(1.5 * h)), cv2.getOptimalDFTSize(math.ceil(1.5 * w))
    top, left = (ph - h) // 2, (pw - w) // 2
    padded = []
    for m in (ref, cur):
        p = np.zeros((ph, pw), np.float32)
        p[top:top + h, left:left + w] = m
        padded.append(p)
    (dx, dy), response = cv2.phaseCorrelate(padded[0], padded[1])
    if response >= MIN_RESPONSE:
        return float(dx), float(dy)
    (rx, ry), (cx, cy) = _centroid(ref), _centroid(cur)
    return cx - rx, cy - ry


def translate(image: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Move ``image`` ``dx`` px right and ``dy`` px down; uncovered pixels become 0 (transparent).

    Content moved past the edge is lost (unlike ``np.roll``, nothing wraps around).

    Parameters
    ----------
    image : (H, W[, C]) ndarray
        A frame or a label map.
    dx, dy : int

    Returns
    -------
    ndarray of the same shape and dtype (a new array).
    """
    h, w = image.shape[:2]
    out = np.zeros_like(image)
    if abs(dx) < w and abs(dy) < h:
        out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
            image[max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


def stabilize_frames(
    frames: Sequence[np.ndarray],
    *,
    torso_masks: Sequence[np.ndarray] | None = None,
    support_masks: Sequence[np.ndarray] | None = None,
    reference: int = 0,
) -> tuple[list[np.ndarray], list[tuple[int, int]]]:
    """Cancel the drift of an animation with one whole-pixel translation per frame.

    Parameters
    ----------
    frames : sequence of (H, W, 4) uint8 ndarrays, all the same shape
    torso_masks : sequence of (H, W) ndarrays or None
        Per frame, the part whose horizontal position must not drift (torso, body). ``None``
        uses the alpha of the whole silhouette; a frame whose (or whose reference's) torso
        mask is empty is registered on the silhouettes too.
    support_masks : sequence of (H, W) ndarrays or None
        Per frame, the parts that stand on the ground (legs, feet) for :func:`ground_anchor`.
        ``None`` uses the bottom of the whole silhouette.
    reference : int
        Index of the frame the others are aligned to (it keeps offset ``(0, 0)`` unless it is
        itself airborne and the ground line drifts).

    Returns
    -------
    frames : list of (H, W, 4) uint8 ndarrays
        New arrays; pixels shifted off the canvas are lost, uncovered ones are transparent.
    offsets : list of (dx, dy) ints
        The translation applied to each frame (``dx`` right, ``dy`` down).

    Notes
    -----
    *Horizontal.* ``dx = -round(estimate_shift(reference torso, frame torso)[0])``: the torso
    keeps the reference frame's x. Intended horizontal travel (a lunge) is removed too; the
    frames are meant to play in place.

    *Vertical: the ground line.* Let ``g[i]`` be the ground row of frame ``i``
    (:func:`ground_anchor`). Drift is taken to be slow and smooth, intended lift-offs to sit
    above it: a line ``a + b*i`` is fitted to ``g`` (a constant with fewer than 3 frames),
    frames more than :data:`CONTACT_TOLERANCE` of the height (at least 1 px) above it are
    called airborne, and the fit is repeated on the others until the set no longer changes.
    The ground line ``L`` runs through the ground rows of the contact frames, interpolated
    linearly between them and continued with the fitted slope past the first and last, for
    airborne and empty frames. Each
    frame moves by ``dy = round(L[reference] - L[i])``, so

    * contact frames (walk, run, idle, the take-off and landing of a jump) get their ground
      row pinned exactly to the reference's: a sideways/downward drift of a walk is removed
      however large it has grown;
    * airborne frames get the drift correction of their neighbours and keep their height
      above the ground: a jump stays a jump.

    A slow rise of at most the tolerance per frame cannot be told from drift and is flattened,
    as is the lift of a two-frame animation whose frames are both used for the fit.
    Frames with nothing opaque keep ``dx = 0``.
    """
    rgbas = _check_frames(frames)
    n = len(rgbas)
    if isinstance(reference, bool) or not isinstance(reference, (int, np.integer)) or not 0 <= reference < n:
        raise invalid("reference", f"must be a frame index between 0 and {n - 1}", reference)
    torso = _check_masks(torso_masks, "torso_masks", rgbas)
    support = _check_masks(support_masks, "support_masks", rgbas)
    h = rgbas[0].shape[0]

    alphas = [f[..., 3] for f in rgbas]
    dxs = np.zeros(n, int)
    for i in range(n):
        if i == reference:
            continue
        use_torso = torso is not None and torso[i].any() and torso[reference].any()
        ref_mask, mask = (torso[reference], torso[i]) if use_torso else (alphas[reference], alphas[i])
        dxs[i] = -round(estimate_shift(ref_mask, mask)[0])

    anchors = [ground_anchor(a, None if support is None else support[i]) for i, a in enumerate(alphas)]
    ground = np.array([np.nan if a is None else a[1] for a in anchors])
    line = _ground_line(ground, tolerance=max(1.0, CONTACT_TOLERANCE * h))
    dys = np.round(line[reference] - line).astype(int)

    offsets = [(int(dx), int(dy)) if anchors[i] is not None else (0, 0)
               for i, (dx, dy) in enumerate(zip(dxs, dys))]
    return [translate(f, dx, dy) for f, (dx, dy) in zip(rgbas, offsets)], offsets


def union_box(frames: Sequence[np.ndarray]) -> Box | None:
    """Bounding box of every pixel with alpha > 0 in any frame.

    Parameters
    ----------
    frames : sequence of (H, W, 4) uint8 ndarrays, all the same shape

    Returns
    -------
    (x0, y0, x1, y1) ints, exclusive ``x1, y1``; None when every frame is fully transparent.
    """
    visible = np.any([f[..., 3] > 0 for f in _check_frames(frames)], axis=0)
    rows, cols = np.flatnonzero(visible.any(axis=1)), np.flatnonzero(visible.any(axis=0))
    if not len(rows):
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def grow_box(box: Box, margin: int, size_wh: tuple[int, int]) -> Box:
    """``box`` grown by ``margin`` px on every side, clipped to a ``size_wh = (w, h)`` canvas."""
    x0, y0, x1, y1 = box
    w, h = size_wh
    return max(0, x0 - margin), max(0, y0 - margin), min(w, x1 + margin), min(h, y1 + margin)


def crop_frames(frames: Sequence[np.ndarray], box: Box, margin: int = 1) -> list[np.ndarray]:
    """Crop every frame to the same region: ``box`` plus ``margin`` px, within the canvas.

    Parameters
    ----------
    frames : sequence of (H, W[, C]) ndarrays (frames or label maps), all the same shape
    box : (x0, y0, x1, y1)
        Usually :func:`union_box`; the margin is clipped where it would leave the canvas
        (see :func:`grow_box`), so the result is never larger than the input.
    margin : int >= 0

    Returns
    -------
    list of new (h, w[, C]) ndarrays with ``(x0, y0, x1, y1) = grow_box(box, margin, (W, H))``.
    """
    if isinstance(margin, bool) or not isinstance(margin, (int, np.integer)) or margin < 0:
        raise invalid("margin", "must be a non-negative integer", margin)
    x0, y0, x1, y1 = grow_box(box, int(margin), (frames[0].shape[1], frames[0].shape[0]))
    if x1 <= x0 or y1 <= y0:
        raise invalid("box", "must overlap the canvas", box)
    return [np.array(f[y0:y1, x0:x1]) for f in frames]


def fit_layout(box: Box, size_wh: tuple[int, int], *, pixel_art: bool) -> tuple[float, Box]:
    """Scale and placement that :func:`fit_frames` gives the content ``box`` on a canvas.

    Parameters
    ----------
    box : (x0, y0, x1, y1)
        The content to fit.
    size_wh : (w, h)
        The canvas, pixels.
    pixel_art : bool
        True: a whole factor ``n >= 1`` (the largest that fits), or ``1/k`` when the content is
        larger than the canvas. False: the exact factor that makes the content touch the
        canvas on one axis.

    Returns
    -------
    scale : float
    placed : (x0, y0, x1, y1)
        Where the scaled content lands: horizontally centred (rounding left), bottom on the
        canvas' bottom edge, so the ground line stays at the bottom.
    """
    bw, bh = box[2] - box[0], box[3] - box[1]
    w, h = size_wh
    if pixel_art:
        fits = min(w // bw, h // bh)
        scale = float(fits) if fits >= 1 else 1 / math.ceil(max(bw / w, bh / h))
    else:
        scale = min(w / bw, h / bh)
    nw, nh = min(w, max(1, round(bw * scale))), min(h, max(1, round(bh * scale)))
    x0 = (w - nw) // 2
    return scale, (x0, h - nh, x0 + nw, h)


def fit_frames(
    frames: Sequence[np.ndarray],
    size_wh: tuple[int, int],
    *,
    pixel_art: bool,
    box: Box | None = None,
) -> list[np.ndarray]:
    """Scale the content of all frames by ONE factor to fill a ``size_wh`` canvas.

    Parameters
    ----------
    frames : sequence of (H, W, 4) uint8 ndarrays, or of (H, W) label maps, all the same shape
    size_wh : (w, h)
        Output canvas, pixels.
    pixel_art : bool
        True: whole-factor nearest-neighbour scaling (no new colours, crisp pixels). False:
        Lanczos on premultiplied alpha (:func:`sprixen_engine.core.resize.resize`). Label maps
        are always resampled with nearest neighbour, at the same factor.
    box : (x0, y0, x1, y1) or None
        The content; default :func:`union_box` of ``frames`` (pass the frames' box when
        fitting label maps, so they stay registered with their frames).

    Returns
    -------
    list of new (h, w[, 4]) arrays; the content sits bottom-centred (:func:`fit_layout`), the
    rest is transparent (0). All frames transparent: returned as transparent canvases.
    """
    if box is None:
        box = union_box(frames)
    w, h = size_wh
    if box is None:
        return [np.zeros((h, w) + f.shape[2:], f.dtype) for f in frames]
    _, (x0, y0, x1, y1) = fit_layout(box, size_wh, pixel_art=pixel_art)
    out = []
    for f in frames:
        crop = np.ascontiguousarray(f[box[1]:box[3], box[0]:box[2]])
        if f.ndim == 2:
            scaled = cv2.resize(crop, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST_EXACT)
        else:
            scaled = resize(crop, (x1 - x0, y1 - y0), mode="nearest" if pixel_art else "lanczos")
        canvas = np.zeros((h, w) + f.shape[2:], f.dtype)
        canvas[y0:y1, x0:x1] = scaled
        out.append(canvas)
    return out


# ---------------------------------------------------------------- helpers


def _ground_line(ground: np.ndarray, *, tolerance: float) -> np.ndarray:
    """The drifting ground line of :func:`stabilize_frames` (see its Notes).

    ``ground`` is ``(N,)`` floats (NaN for empty frames); returns ``(N,)`` floats (zeros when
    every frame is empty).
    """
    idx = np.flatnonzero(~np.isnan(ground))
    if not len(idx):
        return np.zeros(len(ground))
    contact = idx
    for _ in range(len(idx)):
        coef = np.polyfit(contact, ground[contact], 1 if len(contact) >= 3 else 0)
        lifted = ground[idx] < np.polyval(coef, idx) - tolerance
        if np.array_equal(idx[~lifted], contact):
            break
        contact = idx[~lifted]
    slope = coef[0] if len(coef) == 2 else 0.0
    frames = np.arange(len(ground))
    line = np.interp(frames, contact, ground[contact])
    before, after = frames < contact[0], frames > contact[-1]
    line[before] = ground[contact[0]] + slope * (frames[before] - contact[0])
    line[after] = ground[contact[-1]] + slope * (frames[after] - contact[-1])
    return line


def _centroid(mask: np.ndarray) -> tuple[float, float]:
    ys, xs = np.indices(mask.shape)
    total = mask.sum()
    return float((xs * mask).sum() / total), float((ys * mask).sum() / total)


def _check_frames(frames: Sequence[np.ndarray], field: str = "frames") -> list[np.ndarray]:
    if isinstance(frames, np.ndarray) and frames.ndim == 4:
        frames = list(frames)
    if not isinstance(frames, (list, tuple)) or not frames:
        raise invalid(field, "must be a non-empty sequence of (H, W, 4) uint8 arrays", type(frames).__name__)
    for i, f in enumerate(frames):
        if not isinstance(f, np.ndarray) or f.dtype != np.uint8 or f.ndim != 3 or f.shape[2] != 4:
            raise invalid(f"{field}[{i}]", "must be an (H, W, 4) uint8 array", getattr(f, "shape", type(f).__name__))
        if f.shape != frames[0].shape:
            raise invalid(f"{field}[{i}]", f"must have the shape of frame 0 {frames[0].shape}", f.shape)
    return list(frames)


def _check_masks(masks: Sequence[np.ndarray] | None, field: str, frames: list[np.ndarray]) -> list | None:
    if masks is None:
        return None
    if len(masks) != len(frames):
        raise invalid(field, f"must have one mask per frame ({len(frames)})", len(masks))
    for i, m in enumerate(masks):
        if np.shape(m) != frames[0].shape[:2]:
            raise invalid(f"{field}[{i}]", f"must be an (H, W) array of shape {frames[0].shape[:2]}", np.shape(m))
    return [np.asarray(m) > 0 for m in masks]
