"""Classic background removal (matting) that needs no model weights.

:func:`remove_background` separates a subject from a background it can model from the
image border:

1. **Already transparent input** (a quarter of the border pixels, or 5 % of all pixels,
   have alpha 0): the alpha is kept; near-transparent pixels (alpha < 16) and stray islands
   are cleared.
2. **Background model**, at a working resolution of at most ``WORK_SIDE`` px a side:
   either a *checkerboard* (the painted "transparency" of AI images: a two-tone square wave
   of the same period along a top/bottom row and a left/right column, matching at least
   ``CHECKER_SHARE`` of the border) or a *smooth colour field*, a quadratic in ``(x, y)``
   fitted to the border's background samples: the largest part of the border one smooth
   field explains, grown from the border's longest smooth runs. The subject may cover most
   of the border (a fence along the bottom edge, a creature cut off by the frame) as long
   as the background stays its largest smooth region. The border's other samples are
   subject: they count for neither the noise nor the sure background below.
3. **Border-connected fill** (4-connected) of the pixels within a Lab tolerance of the
   model. The tolerance adapts to the border: ``2.6 x`` the median distance of the border's
   background samples to the model (about 4 sigma of Gaussian noise), between
   ``MIN_TOLERANCE`` and ``MAX_TOLERANCE`` (ΔE76), so flat backgrounds get a tight one.
   Noisy borders are box-smoothed first. For a gradient the field is refitted to all the
   background found, then the fill is repeated against a local mean of the background
   around each pixel until it stops growing, which follows linear and radial gradients into
   the subject's concavities. Regions of background colour that the subject encloses are
   kept (they may be eyes or teeth), except checkerboard gaps: enclosed regions matching
   the pattern that show both tones.
4. **GrabCut** when the border is still textured after smoothing (median distance above
   ``TEXTURED`` ΔE), at working resolution: initialised with the border's background
   samples as sure background, the rest of the border and the pixels a strict fill (1.5 x
   their median distance) reaches as probable background and the rest as probable
   foreground. It also removes enclosed background, and it can lose parts coloured like the
   texture and parts thinner than about two working pixels, or keep texture coloured like
   the subject where the subject nearly encloses it.
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
from typing import NamedTuple

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
RUN_JUMP = 6.0
SEED_RUNS = 6
CHECKER_RUNS = 4
CHECKER_SHARE = 0.3
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
    transparent image. The subject may cover more of the border than the background (tested
    up to about 60 %), but a subject region of one smooth colour that covers more of the
    border than the background is taken for it; a subject covering nearly all the border
    leaves no background to model. A checkerboard is only recognised with at least
    ``CHECKER_RUNS`` squares showing along a row and a column of the border. Subject colours
    within the tolerance of a checkerboard tone are lost on the squares of that tone where
    they touch the background.

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
    """Detect a painted two-tone checkerboard on the border of ``rgb`` (H, W, 3) uint8.

    A row (top or bottom) and a column (left or right) must each show a square wave of the
    same period (:func:`_line_period`); those stretches give the tones. At least
    ``CHECKER_SHARE`` of the whole border must match the pattern (the subject may cover the
    rest), and a tenth as many at most may show a tone on the other tone's squares (which
    rules out, say, a subject's stripes along two edges of a flat background).
    """
    h, w = rgb.shape[:2]
    rows = [(y, wave) for y in (0, h - 1) if (wave := _line_period(rgb[y]))]
    cols = [(x, wave) for x in (0, w - 1) if (wave := _line_period(rgb[:, x]))]
    pairs = [(r, c) for r in rows for c in cols if r[1].period == c[1].period]
    if not pairs:
        return None
    (y, row), (x, col) = max(pairs, key=lambda pair: pair[0][1].size + pair[1][1].size)
    checker = _Checker(row.period, (col.phase, row.phase), np.zeros((2, 6), np.float32))
    ys = np.concatenate([np.full(row.size, y), np.arange(col.start, col.stop)])  # the two waves
    xs = np.concatenate([np.arange(row.start, row.stop), np.full(col.size, x)])
    parity = checker.parity(ys, xs)
    colours = rgb[ys, xs].astype(np.float32)
    tones = np.stack([np.median(colours[parity == k], axis=0) for k in (0, 1)])
    if np.abs(tones[0] - tones[1]).max() < 6 or np.mean(_tone_fit(colours, tones, parity)) < 0.9:
        return None
    ys, xs = _ring(h, w)
    colours, parity = rgb[ys, xs].astype(np.float32), checker.parity(ys, xs)
    fits, swapped = _tone_fit(colours, tones, parity), _tone_fit(colours, tones, 1 - parity)
    if fits.mean() < CHECKER_SHARE or np.count_nonzero(swapped & ~fits) > np.count_nonzero(fits) / 10:
        return None
    return replace(checker, tones=np.concatenate([_lab(tones), tones], axis=1).astype(np.float32))


def _tone_fit(colours: np.ndarray, tones: np.ndarray, parity: np.ndarray) -> np.ndarray:
    """(N,) bool: RGB ``colours`` (N, 3) within 16 per channel of the tone of their parity."""
    return np.abs(colours - tones[parity]).max(axis=1) <= 16


class _Wave(NamedTuple):
    """A square wave along a line: squares of ``period`` px starting at multiples of it plus
    ``phase``; whole squares of the wave in ``start:stop``."""

    period: int
    phase: int
    start: int
    stop: int

    @property
    def size(self) -> int:
        return self.stop - self.start


def _line_period(line: np.ndarray) -> _Wave | None:
    """The longest two-tone square wave along ``line`` (N, 3) uint8, or None.

    Edges are steps of at least 6 grey levels (a step spread over neighbouring pixels counts
    once); the wave is the longest chain of at least ``CHECKER_RUNS`` runs between edges of
    one length (within 1 px) whose every other run has the same grey (within 8).
    """
    grey = line.astype(np.float32) @ np.float32([0.299, 0.587, 0.114])
    edges = np.flatnonzero(np.abs(np.diff(grey)) >= 6) + 1
    edges = edges[np.diff(edges, prepend=-1) > 1]
    if edges.size <= CHECKER_RUNS:
        return None
    lengths = np.diff(edges)
    sums = np.concatenate([[0], np.cumsum(grey)])
    means = (sums[edges[1:]] - sums[edges[:-1]]) / lengths
    link = np.abs(np.diff(lengths)) <= 1  # run k + 1 continues the wave of run k ...
    link[1:] &= np.abs(means[2:] - means[:-2]) < 8  # ... in the tone of run k - 1
    bounds = np.flatnonzero(np.diff(np.concatenate([[0], link.astype(np.int8), [0]])))
    starts, stops = bounds[::2], bounds[1::2]  # link[a:b] all true: runs a..b form a chain
    if starts.size == 0:
        return None
    k = int(np.argmax(stops - starts))
    a, b = starts[k], stops[k]
    period = int(np.median(lengths[a : b + 1]))
    if b - a + 1 < CHECKER_RUNS or period < 3:
        return None
    phase = int(np.bincount(edges[a : b + 2] % period).argmax())
    return _Wave(period, phase, int(edges[a]), int(edges[b + 1]))


# x^i y^j terms of the quadratic background field, constant first
_POWERS = [(i, j) for i in range(3) for j in range(3 - i)]


def _border_field(
    values: np.ndarray, ys: np.ndarray, xs: np.ndarray, shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Background field (h, w, C) from the border samples ``values`` (N, C) at ``ys, xs``
    (in :func:`_ring` order), and which samples it takes for background (N,) bool.

    The background is the largest part of the border that one smooth field explains, so a
    subject may cover most of the border as long as no smooth region of it is larger:

    1. The border is cut into runs where the colour jumps between neighbours, by more than
       ``RUN_JUMP`` ΔE and three times the jump at the 75th percentile (the background's
       noise, even where flat subject regions make most jumps 0).
    2. From each of the ``SEED_RUNS`` longest runs, a field is fitted and extended to the
       runs it explains (:func:`_robust_fit`). A smooth run starts from its plane, a
       textured one (the plane leaves a median residual above ``TEXTURED`` ΔE) from its mean
       colour: a plane through texture extrapolates wildly, the mean of a gradient is close
       to everything. Runs much smoother than the start (a flat region on a noisy or
       textured background) are never taken.
    3. The start whose field explains most samples wins.
    """
    lab = values[:, :3]
    jump = _delta_e(lab, np.roll(lab, -1, axis=0))  # between sample i and i + 1
    cut = jump > max(RUN_JUMP, 3 * float(np.percentile(jump, 75)))
    runs = np.cumsum(np.roll(cut, 1)) % max(1, np.count_nonzero(cut))  # the ring closes
    grain = np.bincount(runs, jump * ~cut) / np.maximum(np.bincount(runs, ~cut), 1)
    terms = _terms(ys, xs, shape)
    best = None
    for run in np.argsort(-np.bincount(runs), kind="stable")[:SEED_RUNS]:
        seed = runs == run
        textured = np.median(_residuals(terms, _solve(terms, values, seed, 1), values)[seed]) > TEXTURED
        degrees = (0, 1, 1, 2, 2, 2) if textured else (1, 1, 2, 2, 2)
        alike = grain >= grain[run] / 3 - 1
        coef, keep = _robust_fit(terms, values, seed, degrees, runs, alike)
        if best is None or np.count_nonzero(keep) > np.count_nonzero(best[1]):
            best = coef, keep
    return _field(best[0], shape), best[1]


def _fit_field(values: np.ndarray, ys: np.ndarray, xs: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Quadratic field (h, w, C) fitted to ``values`` (N, C) at pixels ``ys, xs``, outliers
    dropped (:func:`_robust_fit`)."""
    return _field(_robust_fit(_terms(ys, xs, shape), values, np.ones(len(values), bool), (2, 2))[0], shape)


def _terms(ys: np.ndarray, xs: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(N, 6) quadratic terms at pixels ``ys, xs``, coordinates scaled to [-1, 1]."""
    h, w = shape
    xn, yn = (xs + 0.5) / w * 2 - 1, (ys + 0.5) / h * 2 - 1
    return np.stack([xn**i * yn**j for i, j in _POWERS], axis=1)


def _solve(terms: np.ndarray, values: np.ndarray, keep: np.ndarray, degree: int) -> np.ndarray:
    """Coefficients (6, C) of the least-squares polynomial of ``degree`` through the ``keep``
    samples of ``values`` (N, C); ``terms`` (N, 6) from :func:`_terms`.

    Samples spanning less than a tenth of the image along an axis (one border row) fit no
    terms along it: the field is taken constant that way rather than extrapolated. Normal
    equations with einsum: no threaded BLAS/LAPACK on the hot path.
    """
    t = terms[keep]
    use = np.array([i + j <= degree for i, j in _POWERS])
    for axis, index in ((0, 3), (1, 1)):  # x is term 3 (i = 1, j = 0), y term 1 (0, 1)
        if np.ptp(t[:, index]) < 0.2:
            use &= np.array([p[axis] == 0 for p in _POWERS])
    t = t[:, use]
    gram = np.einsum("ni,nj->ij", t, t) + 1e-9 * np.eye(t.shape[1])
    coef = np.zeros((len(_POWERS), values.shape[1]))
    coef[use] = np.linalg.solve(gram, np.einsum("ni,nc->ic", t, values[keep]))
    return coef


def _residuals(terms: np.ndarray, coef: np.ndarray, values: np.ndarray) -> np.ndarray:
    """(N,) ΔE between the samples ``values`` (N, C) and the field ``coef`` at ``terms``."""
    return _delta_e(np.einsum("ni,ic->nc", terms, coef)[:, :3], values[:, :3])


def _robust_fit(
    terms: np.ndarray,
    values: np.ndarray,
    keep: np.ndarray,
    degrees: tuple[int, ...],
    runs: np.ndarray | None = None,
    allowed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients (6, C) of a field fitted to the ``keep`` samples of ``values`` (N, C),
    refitted to the samples it explains (:func:`_inliers`) once per entry of ``degrees``
    (the polynomial degree of that pass) or until they stop changing, and the samples the
    last fit explains (N,) bool.

    With ``runs`` (N,) int, a sample is only explained when most of its run is, and the run
    is ``allowed`` (per run, bool): a subject's region cannot join the background a few
    samples at a time, bending the field towards itself.
    """
    for degree in degrees:
        coef = _solve(terms, values, keep, degree)
        kept, keep = keep, _inliers(_residuals(terms, coef, values), keep)
        if runs is not None:
            mostly = keep & ((np.bincount(runs, keep) >= np.bincount(runs) / 2) & allowed)[runs]
            keep = mostly if mostly.any() else keep
        if degree == degrees[-1] and np.array_equal(keep, kept):
            break  # the passes left would repeat this fit
    return coef, keep


def _inliers(resid: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """(N,) bool: residuals (ΔE) at most three times the median of the ``keep`` ones, plus 1."""
    return resid <= 3 * np.median(resid[keep]) + 1.0


def _field(coef: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The quadratic with coefficients ``coef`` (6, C) evaluated on an ``shape`` grid, float32."""
    # sum over j of y^j * row_j(x), row_j(x) = sum over i of x^i c_ij
    h, w = shape
    gx = ((np.arange(w) + 0.5) / w * 2 - 1)[:, None] ** np.arange(3)
    gy = ((np.arange(h, dtype=np.float32) + 0.5) / h * 2 - 1)[:, None, None]
    row = [sum(gx[:, i, None] * coef[_POWERS.index((i, j))] for i in range(3 - j)) for j in range(3)]
    out = np.empty((h, w, coef.shape[1]), np.float32)
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
    field, on_bg = _border_field(colours[ys, xs], ys, xs, rgb.shape[:2])
    ys, xs = ys[on_bg], xs[on_bg]  # the border's background samples: noise and sure background
    dist = _delta_e(colours[..., :3], field[..., :3])
    noise = float(np.median(dist[ys, xs]))
    if noise > NOISE_SMOOTH:
        colours = cv2.blur(colours, (3, 3))
        dist = _delta_e(colours[..., :3], field[..., :3])
        noise = float(np.median(dist[ys, xs]))
    if noise > TEXTURED:  # GrabCut; the border's other samples may be texture or subject
        seeds = _border_fill(dist < (tolerance or 1.5 * noise))
        seeds[[0, -1], :] = seeds[:, [0, -1]] = True
        sure = np.zeros_like(seeds)
        sure[ys, xs] = True
        fg = _grabcut(rgb, seeds, sure)
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
    border = dist[ys, xs]  # noise from the border samples that fit, starting from the best quarter
    keep = border <= np.percentile(border, 25)
    for _ in range(2):
        keep = _inliers(border, keep)
    tol = tolerance or _adaptive_tolerance(float(np.median(border[keep])))
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


def _grabcut(rgb: np.ndarray, seeds: np.ndarray, sure: np.ndarray) -> np.ndarray:
    """GrabCut foreground (h, w) bool; ``seeds`` are probably background, ``sure`` surely.

    Without pixels of either kind there is nothing to cut and the seeds are the answer.
    Deterministic: OpenCV's RNG (GrabCut's k-means) is seeded first.
    """
    mask = np.where(seeds, cv2.GC_PR_BGD, cv2.GC_PR_FGD).astype(np.uint8)
    mask[sure] = cv2.GC_BGD
    fg = mask == cv2.GC_PR_FGD
    if fg.all() or not fg.any():
        return fg
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
    hc, wc = fg_small.shape
    pixels = rgba.reshape(-1, 4)
    ys, xs = _ring(h, w)
    on_bg = ~fg_small[ys * hc // h, xs * wc // w]  # noise from the border's background only
    if on_bg.any():
        ys, xs = ys[on_bg], xs[on_bg]
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
    """Coordinates (ys, xs) of the 1-px border of an (h, w) image, clockwise from the top-left
    corner, each pixel once: neighbours along the border are neighbours in the arrays."""
    if h < 2 or w < 2:
        ys, xs = np.nonzero(np.ones((h, w), bool))
        return ys, xs
    ys = np.concatenate([np.zeros(w, int), np.arange(1, h), np.full(w - 1, h - 1), np.arange(h - 2, 0, -1)])
    xs = np.concatenate([np.arange(w), np.full(h - 1, w - 1), np.arange(w - 2, -1, -1), np.zeros(h - 2, int)])
    return ys, xs


def _points(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates (ys, xs) of the non-zero pixels of a uint8 ``mask`` (faster than np.nonzero)."""
    found = cv2.findNonZero(mask)
    if found is None:
        return np.zeros(0, int), np.zeros(0, int)
    found = found.reshape(-1, 2).astype(int)
    return found[:, 1], found[:, 0]


def _transparent_border(alpha: np.ndarray) -> bool:
    """Whether the image is already cut out: a share of its border, or of all its pixels, is
    fully transparent (a sprite whose outline touches the edge still counts)."""
    ys, xs = _ring(*alpha.shape)
    return bool(np.mean(alpha[ys, xs] == 0) >= 0.25 or np.count_nonzero(alpha) <= 0.95 * alpha.size)


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
