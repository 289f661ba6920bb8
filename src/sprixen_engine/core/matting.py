"""Classic background removal (matting) that needs no model weights.

:func:`remove_background` separates a subject from a background it can model from the
image border:

1. **Already transparent input** (half the border pixels have alpha 0): the alpha is kept;
   near-transparent pixels (alpha < 16) and stray islands are cleared.
2. **Background model**, at a working resolution of at most ``WORK_SIDE`` px a side:
   either a *checkerboard* (the painted "transparency" of AI images: a two-tone square wave
   of the same period along a top/bottom row and a left/right column, confirmed on the
   whole border) or a *smooth colour field*, a quadratic in ``(x, y)`` fitted to the border.
3. **Border-connected fill** (4-connected) of the pixels within a Lab tolerance of the
   model. The tolerance adapts to the border: ``2.6 x`` the median border distance to the
   model (about 4 sigma of Gaussian noise), between ``MIN_TOLERANCE`` and ``MAX_TOLERANCE``
   (ΔE76), so flat backgrounds get a tight one. Noisy borders are box-smoothed first. For a
   gradient the field is refitted to all the background found, then the fill is repeated
   against a local mean of the background around each pixel until it stops growing, which
   follows linear and radial gradients into the subject's concavities. Regions of
   background colour that the subject encloses are kept (they may be eyes or teeth),
   except checkerboard gaps: enclosed regions matching the pattern that show both tones.
4. **GrabCut** when the border is still textured after smoothing (median distance above
   ``TEXTURED`` ΔE): initialised with the border as sure background, the pixels a strict
   fill reaches as probable background and the rest as probable foreground. It also removes
   enclosed background.
5. Foreground components smaller than ``KEEP_PART`` of the largest are dropped.
6. **Edges at full resolution**, inside the subject's bounding box: pixels in a band around
   the working-resolution boundary are re-thresholded against the background model; then
   the pixels next to the boundary get a straight alpha ``a`` from the compositing model
   ``I = a F + (1 - a) B`` (``F``: mean colour of the opaque pixels within 2 px, ``B``: the
   background model) and the colour ``F`` plus the residual the model leaves, which removes
   the background fringe (halo). Pixel art keeps exact 0/255 edges and untouched colours
   instead: at most 64 px a side, or an edge without anti-aliasing mixes (at most 16
   colours, or 80 % of its pixels in colours that also occur inside the subject).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from numbers import Real

import cv2
import numpy as np

from ..errors import invalid
from .image import ImageLike, as_rgba

WORK_SIDE = 256
MIN_TOLERANCE = 6.0
MAX_TOLERANCE = 40.0
NOISE_SMOOTH = 2.0
TEXTURED = 5.0
KEEP_PART = 0.02
PIXEL_ART_COLOURS = 16
PIXEL_ART_SIDE = 64


def remove_background(
    image: ImageLike,
    *,
    hard: bool | None = None,
    no_base: bool = False,
    tolerance: float | None = None,
) -> np.ndarray:
    """Make the background of ``image`` transparent.

    Parameters
    ----------
    image : (H, W[, 3 | 4]) uint8 ndarray, PIL image, path or bytes
        The picture; see :func:`sprixen_engine.core.image.as_rgba`.
    hard : bool or None, optional
        ``True`` gives 0/255 alpha, ``False`` anti-aliased alpha. ``None`` (default) picks
        hard alpha for pixel art: at most 64 px a side, an edge without anti-aliasing
        mixes, or (transparent input) an alpha that is already 0/255.
    no_base : bool, optional
        Also remove a ground shadow or pedestal under the subject (see Notes).
    tolerance : float or None, optional
        Lab distance (ΔE76, 0 < tolerance <= 100) below which a pixel matches the
        background model. ``None`` (default) adapts it to the border's noise.

    Returns
    -------
    (H, W, 4) uint8 ndarray
        A new RGBA image, straight alpha. Edge colours are decontaminated (the background's
        contribution removed); fully transparent pixels keep their input colour.

    Raises
    ------
    InvalidRequest
        Naming ``image``, ``hard``, ``no_base`` or ``tolerance``.

    Notes
    -----
    The method is described in the module docstring. An empty subject gives a fully
    transparent image; a subject that covers most of the border leaves no background to
    model and comes back mostly opaque. Subject colours within the tolerance of a
    checkerboard tone are lost on the squares of that tone where they touch the background.

    ``no_base`` is a heuristic on the silhouette (alpha >= 128):

    1. *Detect.* In the bottom 30 % of the silhouette take the widest row and climb while
       rows keep 75 % of its opaque-pixel count. The rows climbed are a base when they are
       at least 1.5 times as wide as tall (a shadow ellipse or a disc seen from the side)
       and the silhouette half the base's height above them is at most 65 % as wide.
    2. *Separate.* From that reference row, follow each opaque column whose colour differs
       from the background (the transparent pixels of the row) downwards while the colour
       changes by less than 12 ΔE from the pixel above: those are legs and feet.
    3. *Remove* everything else from the reference row down: paint it with the background
       model and cut the image again, so background that the base enclosed (the gap
       between the legs) goes too. On already transparent input it is just cleared.

    It misses a base less than 1.5 times wider than the legs above it or taller than two
    thirds of its width; it cuts feet whose colour flows smoothly into the shadow where the
    shadow starts, and removes parts that reach into the base rows from the side (a tail),
    and the lower flare of a wide skirt whose hem it takes for a base.
    """
    rgba = as_rgba(image)
    if hard is not None and not isinstance(hard, (bool, np.bool_)):
        raise invalid("hard", "must be true, false or null", hard)
    if not isinstance(no_base, (bool, np.bool_)):
        raise invalid("no_base", "must be true or false", no_base)
    if tolerance is not None and (
        isinstance(tolerance, bool) or not isinstance(tolerance, Real) or not 0 < tolerance <= 100
    ):
        raise invalid("tolerance", "must be a number in (0, 100] or null", tolerance)

    if _transparent_border(rgba[..., 3]):
        out = rgba.copy()
        opaque = rgba[..., 3] >= 16
        if no_base:
            opaque &= ~_base_mask(rgba)
        out[..., 3] = np.where(_main_parts(opaque), rgba[..., 3], 0)
        pixel_art = max(opaque.shape) <= PIXEL_ART_SIDE or not np.any(opaque & (out[..., 3] < 255))
    else:
        out, pixel_art, background = _matte(rgba, tolerance)
        base = _base_mask(out) if no_base else None
        if base is not None and base.any():  # paint the base over with background, cut again
            ys, xs = np.nonzero(base)
            painted = rgba.copy()
            painted[ys, xs, :3] = np.clip(background.at(ys, xs, base.shape)[:, 3:].round(), 0, 255)
            out, pixel_art, _ = _matte(painted, tolerance)
            out[ys, xs, :3] = rgba[ys, xs, :3]
    if pixel_art if hard is None else hard:
        out[..., 3] = np.where(out[..., 3] >= 128, 255, 0)
    return out


def _base_mask(rgba: np.ndarray) -> np.ndarray:
    """(H, W) bool: the ground shadow or pedestal under a cut-out subject, if one is found.

    See the notes of :func:`remove_background` (``no_base``).
    """
    alpha = rgba[..., 3]
    solid = alpha >= 128
    base = np.zeros(alpha.shape, bool)
    widths = np.count_nonzero(solid, axis=1)
    rows = np.flatnonzero(widths)
    if rows.size < 8:
        return base
    top, bottom = rows[0], rows[-1]
    zone = bottom - (bottom - top + 1) * 3 // 10
    widest = zone + int(np.argmax(widths[zone : bottom + 1]))
    base_top = widest
    while base_top > zone and widths[base_top - 1] >= 0.75 * widths[widest]:
        base_top -= 1
    height = bottom - base_top + 1
    ref = max(top, base_top - height // 2 - 1)
    if base_top <= zone or widths[widest] < 1.5 * height or widths[ref] > 0.65 * widths[widest]:
        return base
    lab = _lab(rgba[ref : bottom + 1, :, :3])
    starts = solid[ref].copy()
    clear = alpha[ref] == 0  # transparent pixels keep the background's colour: compare with it
    if clear.any():
        starts &= _delta_e(lab[0], np.median(lab[0][clear], axis=0)) > 12
    flows = (_delta_e(lab[1:], lab[:-1]) < 12) & (alpha[ref + 1 : bottom + 1] > 0)
    legs = np.logical_and.accumulate(np.concatenate([starts[None], flows]), axis=0)
    base[ref : bottom + 1] = (alpha[ref : bottom + 1] > 0) & ~legs
    return base


# -- background models -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Checker:
    """A painted checkerboard: squares of ``period`` px with a corner at ``origin`` (y, x)."""

    period: int
    origin: tuple[int, int]
    tones: np.ndarray  # (2, 6) float32 Lab + RGB, indexed by parity

    def parity(self, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        """0/1 square parity at pixel coordinates ``ys``, ``xs`` (broadcast)."""
        oy, ox = self.origin
        return ((ys - oy) // self.period + (xs - ox) // self.period) & 1


@dataclass(frozen=True)
class _Background:
    """Background colour, (h, w, 6) float32 Lab + RGB at working resolution.

    For a checkerboard, full-resolution lookups use the exact pattern instead.
    """

    model: np.ndarray
    checker: _Checker | None

    def at(self, ys: np.ndarray, xs: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
        """(N, 6) Lab + RGB at full-resolution pixels ``ys, xs`` of an image of ``shape``."""
        if self.checker is not None:
            return np.take(self.checker.tones, self.checker.parity(ys, xs), axis=0)
        hc, wc = self.model.shape[:2]
        index = ys * hc // shape[0] * wc + xs * wc // shape[1]
        return np.take(self.model.reshape(-1, 6), index, axis=0)


def _find_checker(rgb: np.ndarray) -> _Checker | None:
    """Detect a painted two-tone checkerboard on the border of ``rgb`` (H, W, 3) uint8."""
    horizontal = _line_period(rgb[0]) or _line_period(rgb[-1])
    vertical = _line_period(rgb[:, 0]) or _line_period(rgb[:, -1])
    if horizontal is None or vertical is None or horizontal[0] != vertical[0]:
        return None
    ys, xs = _ring(*rgb.shape[:2])
    checker = _Checker(horizontal[0], (vertical[1], horizontal[1]), np.zeros((2, 6), np.float32))
    parity = checker.parity(ys, xs)
    colours = rgb[ys, xs].astype(np.float32)
    tones = np.stack([np.median(colours[parity == k], axis=0) for k in (0, 1)])
    fits = np.abs(colours - tones[parity]).max(axis=1) <= 16
    if np.abs(tones[0] - tones[1]).max() < 6 or fits.mean() < 0.7:
        return None
    return replace(checker, tones=np.concatenate([_lab(tones), tones], axis=1).astype(np.float32))


def _line_period(line: np.ndarray) -> tuple[int, int] | None:
    """(period, phase) of a two-tone square wave along ``line`` (N, 3) uint8, or None."""
    grey = line.astype(np.float32) @ np.float32([0.299, 0.587, 0.114])
    lo, hi = np.percentile(grey, [10, 90])
    if hi - lo < 6:
        return None
    bits = grey > (lo + hi) / 2
    starts = np.flatnonzero(bits[1:] != bits[:-1]) + 1
    if starts.size < 4:
        return None
    runs = np.diff(starts)
    period = int(np.bincount(runs).argmax())
    if period < 3 or np.mean(runs == period) < 0.6:
        return None
    return period, int(np.bincount(starts % period).argmax())


def _fit_field(values: np.ndarray, ys: np.ndarray, xs: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Quadratic field in (x, y) fitted to ``values`` (N, C) at pixels ``ys, xs``; (h, w, C).

    Two least-squares passes; the second drops samples whose residual exceeds three times
    the median (subject pixels touching the border, noise outliers).
    """
    h, w = shape
    powers = [(i, j) for i in range(3) for j in range(3 - i)]
    xn, yn = (xs + 0.5) / w * 2 - 1, (ys + 0.5) / h * 2 - 1
    terms = np.stack([xn**i * yn**j for i, j in powers], axis=1)
    keep = np.ones(len(values), bool)
    for _ in range(2):  # normal equations with einsum: no threaded BLAS/LAPACK on the hot path
        t = terms[keep]
        gram = np.einsum("ni,nj->ij", t, t) + 1e-9 * np.eye(len(powers))
        coef = np.linalg.solve(gram, np.einsum("ni,nc->ic", t, values[keep]))
        resid = _delta_e(np.einsum("ni,ic->nc", terms, coef)[:, :3], values[:, :3])
        keep = resid <= 3 * np.median(resid) + 1.0
    # evaluate on the grid: sum over j of y^j * row_j(x), row_j(x) = sum over i of x^i c_ij
    gx = ((np.arange(w) + 0.5) / w * 2 - 1)[:, None] ** np.arange(3)
    gy = ((np.arange(h, dtype=np.float32) + 0.5) / h * 2 - 1)[:, None, None]
    row = [sum(gx[:, i, None] * coef[powers.index((i, j))] for i in range(3 - j)) for j in range(3)]
    out = np.empty((h, w, values.shape[1]), np.float32)
    out[:] = row[0]
    out += gy * row[1].astype(np.float32)
    out += gy * gy * row[2].astype(np.float32)
    return out


# -- working-resolution segmentation -----------------------------------------------------------


def _matte(rgba: np.ndarray, tolerance: float | None) -> tuple[np.ndarray, bool, _Background]:
    """Classic matting of an opaque image: (RGBA out, looks like pixel art, background)."""
    h, w = rgba.shape[:2]
    checker = _find_checker(rgba[..., :3]) if min(h, w) >= 16 else None
    factor = -(-max(h, w) // WORK_SIDE)
    if checker is not None:  # keep squares >= 2 working pixels
        factor = min(factor, max(1, checker.period // 2))
    hc, wc = -(-h // factor), -(-w // factor)
    small = cv2.resize(rgba, (wc, hc), interpolation=cv2.INTER_AREA) if factor > 1 else rgba
    small = np.ascontiguousarray(small[..., :3])
    colours = np.empty((hc, wc, 6), np.float32)  # Lab + RGB
    colours[..., :3] = _lab(small)
    colours[..., 3:] = small

    if checker is None:
        fg, model = _segment_smooth(colours, small, tolerance)
    else:
        par = checker.parity(np.arange(h)[:, None], np.arange(w)[None, :]).astype(np.float32)
        weight = cv2.resize(par, (wc, hc), interpolation=cv2.INTER_AREA) if factor > 1 else par
        tones = checker.tones[:, 3:]
        rgb = tones[0] + weight[..., None] * (tones[1] - tones[0])
        model = np.concatenate([_lab(rgb), rgb], axis=2)
        fg = _segment_checker(colours, model, weight, tolerance)
    background = _Background(model, checker)
    return *_refine_edges(rgba, _main_parts(fg), background, tolerance, factor), background


def _segment_smooth(
    colours: np.ndarray, rgb: np.ndarray, tolerance: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Foreground (h, w) bool and background model (h, w, 6) over a smooth or textured background.

    ``colours`` is (h, w, 6) float32 Lab + RGB, ``rgb`` the same image as (h, w, 3) uint8.
    """
    ys, xs = _ring(*rgb.shape[:2])
    field = _fit_field(colours[ys, xs], ys, xs, rgb.shape[:2])
    dist = _delta_e(colours[..., :3], field[..., :3])
    noise = float(np.median(dist[ys, xs]))
    if noise > NOISE_SMOOTH:
        colours = cv2.blur(colours, (3, 3))
        dist = _delta_e(colours[..., :3], field[..., :3])
        noise = float(np.median(dist[ys, xs]))
    if noise > TEXTURED:  # GrabCut, seeded with what is surely background
        fg = _grabcut(rgb, _border_fill(dist < (tolerance or noise)))
        return fg, _local_mean(colours, ~fg, field)

    tol = tolerance or _adaptive_tolerance(noise)
    bg = _border_fill(dist < tol)
    if np.ptp(field[::8, ::8, :3].reshape(-1, 3), axis=0).max() < tol / 2:  # flat
        return ~bg, field
    # a gradient: refit the field to all the background found, then follow it inwards
    ys, xs = np.nonzero(bg)
    step = max(1, ys.size // 4096)
    field = _fit_field(colours[ys[::step], xs[::step]], ys[::step], xs[::step], rgb.shape[:2])
    for _ in range(8):
        local = _local_mean(colours[..., :3], bg, field[..., :3])
        grown = _border_fill(_delta_e(colours[..., :3], local) < tol)
        done = np.count_nonzero(grown != bg) <= bg.size // 1000
        bg = grown
        if done:
            break
    return ~bg, _local_mean(colours, bg, field)


def _segment_checker(
    colours: np.ndarray, model: np.ndarray, weight: np.ndarray, tolerance: float | None
) -> np.ndarray:
    """Foreground (h, w) bool over a checkerboard ``model``; ``weight``: share of tone 1."""
    ys, xs = _ring(*weight.shape)
    dist = _delta_e(colours[..., :3], model[..., :3])
    tol = tolerance or _adaptive_tolerance(float(np.median(dist[ys, xs])))
    candidate = dist < tol
    bg = _border_fill(candidate)
    # enclosed regions matching the pattern that show both tones are gaps, not subject
    n, labels, stats, _ = cv2.connectedComponentsWithStats((candidate & ~bg).astype(np.uint8), connectivity=4)
    area = stats[:, cv2.CC_STAT_AREA]
    tone0 = np.bincount(labels[weight < 0.2], minlength=n)
    tone1 = np.bincount(labels[weight > 0.8], minlength=n)
    gap = (tone0 >= 0.05 * area) & (tone1 >= 0.05 * area) & (area >= 4)
    gap[0] = False
    return ~(bg | gap[labels])


def _local_mean(colours: np.ndarray, bg: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """Mean of the background ``colours`` (h, w, C) around each pixel; ``prior`` where there are none.

    ``bg`` is eroded by one pixel first: its rim mixes in the subject's colours.
    """
    sure = cv2.erode(bg.astype(np.uint8), None).astype(np.float32)
    k = (max(5, max(bg.shape) // 16),) * 2
    weight = cv2.blur(sure, k)[..., None]
    return (cv2.blur(colours * sure[..., None], k) + 0.02 * prior) / (weight + 0.02)


def _adaptive_tolerance(noise: float) -> float:
    """Fill tolerance (ΔE) from the median border distance to the background model."""
    return float(np.clip(2.6 * noise, MIN_TOLERANCE, MAX_TOLERANCE))


def _border_fill(candidate: np.ndarray) -> np.ndarray:
    """Pixels of ``candidate`` (h, w) bool 4-connected to the image border."""
    h, w = candidate.shape
    padded = np.ones((h + 2, w + 2), np.uint8)
    padded[1:-1, 1:-1] = candidate
    mask = np.zeros((h + 4, w + 4), np.uint8)
    cv2.floodFill(padded, mask, (0, 0), 1, 0, 0, 4 | cv2.FLOODFILL_MASK_ONLY | (1 << 8))
    return mask[2:-2, 2:-2] > 0


def _grabcut(rgb: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """GrabCut foreground (h, w) bool; ``seeds`` are probably background, the border surely.

    Deterministic: OpenCV's RNG (GrabCut's k-means) is seeded first.
    """
    mask = np.where(seeds, cv2.GC_PR_BGD, cv2.GC_PR_FGD).astype(np.uint8)
    mask[[0, -1], :] = mask[:, [0, -1]] = cv2.GC_BGD
    cv2.setRNGSeed(0)
    cv2.grabCut(rgb, mask, None, np.zeros((1, 65)), np.zeros((1, 65)), 3, cv2.GC_INIT_WITH_MASK)
    return (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)


# -- full-resolution edges ---------------------------------------------------------------------


def _refine_edges(
    rgba: np.ndarray, fg_small: np.ndarray, bg: _Background, tolerance: float | None, factor: int
) -> tuple[np.ndarray, bool]:
    """Full-resolution cut-out from the working-resolution mask ``fg_small`` (h, w) bool.

    Returns the RGBA result and whether the subject looks like pixel art (then its alpha
    stays 0/255 and its colours untouched). Pixels are gathered through flat indices
    (``np.take``), several times faster than 2-D fancy indexing.
    """
    h, w = rgba.shape[:2]
    pixels = rgba.reshape(-1, 4)
    ys, xs = _ring(h, w)
    border = bg.at(ys, xs, (h, w))[:, :3]
    noise = np.median(_delta_e(_lab(np.take(pixels, ys * w + xs, axis=0)), border))
    smooth = bg.checker is None and noise > NOISE_SMOOTH
    src = cv2.blur(rgba, (3, 3)).reshape(-1, 4) if smooth else pixels  # colours to threshold
    if smooth:
        noise = np.median(_delta_e(_lab(np.take(src, ys * w + xs, axis=0)), border))
    tol = tolerance or _adaptive_tolerance(float(noise))
    result = rgba.copy()
    result[..., 3] = 0
    rows, cols = np.flatnonzero(fg_small.any(axis=1)), np.flatnonzero(fg_small.any(axis=0))
    if rows.size == 0:
        return result, False

    # work inside the subject's bounding box, with room for the band
    hc, wc = fg_small.shape
    m = 2 * factor + 4
    y0, y1 = max(0, rows[0] * h // hc - m), min(h, (rows[-1] + 1) * h // hc + m)
    x0, x1 = max(0, cols[0] * w // wc - m), min(w, (cols[-1] + 1) * w // wc + m)
    fg = fg_small.astype(np.uint8)  # nearest-neighbour upscaling of the box
    fg = np.take(np.take(fg, np.arange(y0, y1) * hc // h, axis=0), np.arange(x0, x1) * wc // w, axis=1)
    image = rgba[y0:y1, x0:x1]

    # 1. re-threshold a band around the working-resolution boundary
    kernel = np.ones((2 * factor + 1, 2 * factor + 1), np.uint8)
    ys, xs = _points(cv2.dilate(fg, kernel) - cv2.erode(fg, kernel))
    colours = np.take(src, (ys + y0) * w + xs + x0, axis=0)
    inside = _delta_e(_lab(colours), bg.at(ys + y0, xs + x0, (h, w))[:, :3]) > tol
    fg.reshape(-1)[ys * fg.shape[1] + xs] = inside
    inner = cv2.erode(fg, None)
    if max(h, w) <= PIXEL_ART_SIDE or _unmixed_edge(image, fg - inner, inner):
        result[y0:y1, x0:x1, 3] = fg * np.uint8(255)
        return result, True

    # 2. edge pixels (1 px each side of the boundary, 2 px if smoothed, which blurs it):
    #    alpha and colour from I = a F + (1 - a) B on the unsmoothed colours
    r = 2 if smooth else 1
    kernel = np.ones((2 * r + 1, 2 * r + 1), np.uint8)
    if smooth:
        inner = cv2.erode(fg, kernel)
    ys, xs = _points(cv2.dilate(fg, kernel) - inner)
    local, index = ys * fg.shape[1] + xs, (ys + y0) * w + xs + x0
    box = (2 * r + 3, 2 * r + 3)
    total = cv2.boxFilter(cv2.bitwise_and(image, image, mask=inner), cv2.CV_16U, box, normalize=False)
    count = np.take(cv2.boxFilter(inner, cv2.CV_16U, box, normalize=False), local)
    front = np.take(total.reshape(-1, 4), local, axis=0)[:, :3] / np.maximum(count, 1)[:, None]
    back = bg.at(ys + y0, xs + x0, (h, w))[:, 3:]
    pixel = np.take(pixels, index, axis=0)[:, :3].astype(np.float32)
    span = front.astype(np.float32) - back
    span2 = np.einsum("ij,ij->i", span, span)
    a = np.clip(np.einsum("ij,ij->i", pixel - back, span) / np.maximum(span2, 1), 0, 1)
    resid = pixel - back - a[:, None] * span
    ok = (count > 0) & (span2 > 20**2) & (np.einsum("ij,ij->i", resid, resid) < 0.1 * span2 + 100)
    alpha = fg * np.uint8(255)
    alpha.reshape(-1)[local[ok]] = np.rint(a[ok] * 255)
    result[y0:y1, x0:x1, 3] = alpha
    fixed = np.clip(np.rint(front[ok] + resid[ok]), 0, 255).astype(np.uint8)
    result.reshape(-1, 4)[index[ok], :3] = fixed
    return result, False


# -- helpers -----------------------------------------------------------------------------------


def _lab(rgb: np.ndarray) -> np.ndarray:
    """Lab of RGB(A) (..., 3 | 4) in 0..255 (floats rounded to uint8), as float32 (..., 3) in
    OpenCV's 8-bit scaling: ``L * 255 / 100, a + 128, b + 128``. Compare with :func:`_delta_e`."""
    u8 = rgb if rgb.dtype == np.uint8 else np.clip(np.rint(rgb), 0, 255).astype(np.uint8)
    lab = cv2.cvtColor(np.ascontiguousarray(u8).reshape(-1, 1, rgb.shape[-1]), cv2.COLOR_RGB2Lab)
    return lab.reshape(rgb.shape[:-1] + (3,)).astype(np.float32)


def _delta_e(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """ΔE76 between colours in :func:`_lab`'s scaling, over the last axis."""
    d = lab1 - lab2
    d0, d1, d2 = d[..., 0] * np.float32(100 / 255), d[..., 1], d[..., 2]
    return np.sqrt(d0 * d0 + d1 * d1 + d2 * d2)


def _ring(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates (ys, xs) of the 1-px border of an (h, w) image."""
    ys = np.concatenate([np.zeros(w, int), np.full(w, h - 1), np.arange(h), np.arange(h)])
    xs = np.concatenate([np.arange(w), np.arange(w), np.zeros(h, int), np.full(h, w - 1)])
    return ys, xs


def _points(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates (ys, xs) of the non-zero pixels of a uint8 ``mask`` (faster than np.nonzero)."""
    found = cv2.findNonZero(mask)
    if found is None:
        return np.zeros(0, int), np.zeros(0, int)
    found = found.reshape(-1, 2).astype(int)
    return found[:, 1], found[:, 0]


def _transparent_border(alpha: np.ndarray) -> bool:
    ys, xs = _ring(*alpha.shape)
    return bool(np.mean(alpha[ys, xs] == 0) >= 0.5)


def _main_parts(mask: np.ndarray) -> np.ndarray:
    """``mask`` without 8-connected components smaller than ``KEEP_PART`` of the largest."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 2:
        return mask.astype(bool)
    area = stats[:, cv2.CC_STAT_AREA]
    area[0] = 0
    return (area >= KEEP_PART * area.max())[labels]


def _unmixed_edge(rgba: np.ndarray, edge: np.ndarray, inner: np.ndarray) -> bool:
    """Whether a subject's ``edge`` (H, W) uint8 has no anti-aliasing mixes, as in pixel art.

    True when the edge shows at most ``PIXEL_ART_COLOURS`` colours (an outline), or 80 % of
    its pixels have a colour that also occurs in the subject's ``inner`` (H, W) uint8 part.
    """
    ys, xs = _points(edge)
    step = max(1, ys.size // 4096)
    colours = _packed(rgba[ys[::step], xs[::step]])
    if np.unique(colours).size <= PIXEL_ART_COLOURS:
        return True
    grid = max(1, int(np.sqrt(inner.size / 16384)))
    inside = _packed(rgba[::grid, ::grid][inner[::grid, ::grid] > 0])
    return bool(np.isin(colours, inside).mean() >= 0.8)


def _packed(rgba: np.ndarray) -> np.ndarray:
    """(N,) uint32 keys of the RGB colours of (N, 3 | 4) uint8 pixels."""
    rgb = rgba[:, :3].astype(np.uint32)
    return rgb[:, 0] << 16 | rgb[:, 1] << 8 | rgb[:, 2]
