"""Recover true-resolution pixel art from "pseudo pixel art".

A diffusion model asked for pixel art paints a large image (say 1024x1024) whose pixel
cells have a non-integer size (1024/34 = 30.12 px), a sub-pixel offset, blur, colour noise,
JPEG artefacts and often a margin. :func:`detect_grid` finds the cell size and phase per
axis; :func:`pixelize` samples every cell robustly and snaps the colours to a palette, giving
one output pixel per cell.

Grid detection, per axis
------------------------
1. Edge profile: the sum over rows (columns) and channels of ``|I[x+1] - I[x]|``, after
   subtracting the image's noise level, so that only real colour edges count. Cell edges
   add up to peaks at ``phase + k * cell``; noise, JPEG blocks and flat cells do not.
2. Period: the strongest peak of the profile's autocorrelation (a lag at which the edge
   pattern repeats), preferring a divisor lag when it repeats just as well.
3. Sub-pixel refinement: the period that maximises the profile's Fourier energy at the
   fundamental and its harmonics, searched finely around step 2; the phase is the argument
   of the fundamental coefficient (a least-squares fit of a comb to the edges).
4. Confidence: how much more edge energy sits on the comb's teeth than between them.
   Below :data:`MIN_CONFIDENCE` the axis is taken to be true resolution (cell 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from ..errors import invalid
from . import palette as pal
from .image import as_rgba

#: Below this comb contrast an axis has no detectable grid (it is taken as true resolution).
MIN_CONFIDENCE = 0.35
#: Smallest cell size (pixels) that detection looks for.
MIN_CELL = 2.0
#: Fewest cells per axis that detection looks for.
MIN_CELLS = 3


@dataclass(frozen=True)
class Grid:
    """A pixel grid laid over an image.

    Output column ``j`` covers ``x`` in ``[phase_x + j * cell_w, phase_x + (j + 1) * cell_w)``
    in pixel-edge coordinates (pixel ``i`` spans ``[i, i + 1)``); rows likewise. ``phase_x``
    may be negative when column 0 starts outside the image. ``confidence`` (0..1) is the
    weaker axis' comb contrast; 1.0 for a grid that was given rather than detected.
    """

    cell_w: float
    cell_h: float
    phase_x: float
    phase_y: float
    cols: int
    rows: int
    confidence: float

    @property
    def is_identity(self) -> bool:
        """True when every cell is one image pixel (the input is already true resolution)."""
        return self.cell_w == 1.0 and self.cell_h == 1.0 and self.phase_x == 0.0 and self.phase_y == 0.0


@dataclass(frozen=True)
class _Axis:
    cell: float
    phase: float
    count: int
    confidence: float


def detect_grid(image: np.ndarray, *, size: tuple[int, int] | None = None,
                cell: tuple[float, float] | None = None) -> Grid:
    """Find the pixel grid of a pseudo-pixel-art image.

    Parameters
    ----------
    image : (H, W, 4) uint8 ndarray (or anything :func:`~sprixen_engine.core.image.as_rgba` takes)
    size : (w, h), optional
        Wanted output size in cells. The search is restricted to cell sizes near ``W / w``
        and the grid is snapped to exactly ``w x h`` cells (see :func:`pixelize`).
    cell : (cell_w, cell_h) floats, optional
        Known cell size; only the phase is fitted.

    Returns
    -------
    Grid
        For an image with no detectable grid on an axis, that axis has cell 1 and phase 0.
    """
    rgba = as_rgba(image)
    _check_size_cell(rgba.shape[:2], size, cell)
    return _detect([rgba], size, cell)


def pixelize(image: np.ndarray, *, colors: int | None = None, size: tuple[int, int] | None = None,
             cell: tuple[float, float] | None = None) -> np.ndarray:
    """Turn pseudo pixel art into true-resolution pixel art, one output pixel per cell.

    Parameters
    ----------
    image : (H, W, 4) uint8 ndarray (or anything :func:`~sprixen_engine.core.image.as_rgba` takes)
    colors : int, optional
        Palette size (1-256). ``None`` detects it: cell colours closer than
        :data:`~sprixen_engine.core.palette.MERGE_DELTA_E` (Lab) are merged.
    size : (w, h), optional
        Exact output size in cells. When the detected grid has about that many cells
        (within 20 %) its cell size and phase are kept and the ``w x h`` window of cells
        nearest the image centre is taken; otherwise the image is divided evenly into
        ``w x h`` cells.
    cell : (cell_w, cell_h) floats, optional
        Cell size in pixels, for images whose grid cannot be detected; the phase is still fitted.

    Returns
    -------
    (rows, cols, 4) uint8 ndarray
        Each cell's colour is the per-channel median of its inner region (the central 60 %,
        away from blurred edges), snapped to the palette. A cell is opaque (alpha 255) when
        most of its inner pixels have alpha >= 128, else fully transparent. An input that is
        already true resolution comes back unchanged (unless ``colors`` asks for fewer colours).

    Raises
    ------
    InvalidRequest
        ``image``, ``colors``, ``size`` or ``cell`` out of range.
    """
    return pixelize_frames([image], colors=colors, size=size, cell=cell)[0]


def pixelize_frames(frames: Sequence[np.ndarray], *, colors: int | None = None,
                    size: tuple[int, int] | None = None,
                    cell: tuple[float, float] | None = None) -> list[np.ndarray]:
    """:func:`pixelize` a sequence of same-sized frames with one grid and one palette.

    The grid is detected from the frames' summed edge profiles, so every frame gets the same
    cell size and phase, and the palette is built from all frames' cells together, so a colour
    means the same thing in every frame. Options as in :func:`pixelize`.

    Returns
    -------
    list of (rows, cols, 4) uint8 ndarrays, all the same shape.
    """
    if isinstance(frames, np.ndarray) and frames.ndim == 3 or not len(frames):
        raise invalid("frames", "must be a non-empty sequence of images", type(frames).__name__)
    rgbas = [as_rgba(f, field="image" if len(frames) == 1 else f"frames[{i}]") for i, f in enumerate(frames)]
    shapes = {f.shape for f in rgbas}
    if len(shapes) > 1:
        raise invalid("frames", "all frames must have the same size", sorted(shapes))
    if colors is not None and (isinstance(colors, bool) or not isinstance(colors, (int, np.integer))
                               or not 1 <= colors <= 256):
        raise invalid("colors", "must be an integer between 1 and 256", colors)
    _check_size_cell(rgbas[0].shape[:2], size, cell)

    grid = _detect(rgbas, size, cell)
    if grid.is_identity and colors is None:
        return [f.copy() for f in rgbas]
    cells = [_sample_cells(f, grid) for f in rgbas]
    joint = np.concatenate(cells, axis=1)
    if colors is None:
        palette = pal.merge_palette(joint)
    else:
        palette = pal.quantize(joint, colors=colors)[1]
    return [pal.map_to_palette(c, palette) for c in cells]


# ---------------------------------------------------------------- validation


def _check_size_cell(hw: tuple[int, int], size: object, cell: object) -> None:
    if size is not None:
        if (not isinstance(size, (tuple, list)) or len(size) != 2
                or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in size)):
            raise invalid("size", "must be a pair of integers (w, h)", size)
        if not (1 <= size[0] <= hw[1] and 1 <= size[1] <= hw[0]):
            raise invalid("size", f"each side must be between 1 and the image size {hw[1]}x{hw[0]}",
                          tuple(size))
    if cell is not None:
        if (not isinstance(cell, (tuple, list)) or len(cell) != 2
                or not all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in cell)):
            raise invalid("cell", "must be a pair of numbers (cell_w, cell_h)", cell)
        if not (1 <= cell[0] <= hw[1] and 1 <= cell[1] <= hw[0]):
            raise invalid("cell", f"each side must be between 1 and the image size {hw[1]}x{hw[0]} pixels",
                          tuple(cell))


# ---------------------------------------------------------------- detection


def _detect(rgbas: list[np.ndarray], size: tuple[int, int] | None,
            cell: tuple[float, float] | None) -> Grid:
    h, w = rgbas[0].shape[:2]
    profile_x = sum(_edge_profile(f, axis=1) for f in rgbas)
    profile_y = sum(_edge_profile(f, axis=0) for f in rgbas)
    ax = _fit_axis(profile_x, w, count=None if size is None else size[0], cell=None if cell is None else cell[0])
    ay = _fit_axis(profile_y, h, count=None if size is None else size[1], cell=None if cell is None else cell[1])
    return Grid(ax.cell, ay.cell, ax.phase, ay.phase, ax.count, ay.count, min(ax.confidence, ay.confidence))


def _edge_profile(rgba: np.ndarray, *, axis: int) -> np.ndarray:
    """Edge strength at each inner pixel boundary along ``axis`` (1: x, 0: y).

    Element ``i`` is the boundary at edge coordinate ``i + 1``. Each channel's difference is
    reduced by the image's noise level (from a sample of rows), so only real edges remain.
    """
    h, w = rgba.shape[:2]
    if rgba.shape[axis] < 2:
        return np.zeros(0)
    if axis == 1:
        diff = cv2.absdiff(rgba[:, 1:], rgba[:, :-1]).reshape(h, -1)
    else:
        diff = cv2.absdiff(rgba[1:], rgba[:-1]).reshape(h - 1, -1)
    sample = diff[:: max(1, diff.shape[0] // 64)].ravel()
    noise = float(np.partition(sample, sample.size // 2)[sample.size // 2])
    diff = cv2.subtract(diff, 2 * noise + 1)
    if axis == 1:
        return cv2.reduce(diff, 0, cv2.REDUCE_SUM, dtype=cv2.CV_32S).reshape(-1, 4).sum(axis=1).astype(np.float64)
    return cv2.reduce(diff, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel().astype(np.float64)


def _fit_axis(profile: np.ndarray, length: int, *, count: int | None, cell: float | None) -> _Axis:
    """Cell size, phase and cell count along one axis of ``length`` pixels."""
    if cell is not None:
        period, confidence = float(cell), 1.0
    else:
        lo, hi = MIN_CELL, length / MIN_CELLS
        if count is not None:
            lo, hi = max(lo, 0.8 * length / count), min(hi, 1.25 * length / count)
        period = _coarse_period(profile, lo, hi) if lo < hi else None
        if period is not None:
            period = _refine_period(profile, period)
        confidence = 0.0 if period is None else _comb_contrast(profile, period, _phase(profile, period))
    if cell is None and confidence < MIN_CONFIDENCE:
        period = 1.0 if count is None else length / count
        return _window(length, period, 0.0, count, confidence)
    return _window(length, period, _phase(profile, period), count, confidence)


def _coarse_period(profile: np.ndarray, lo: float, hi: float) -> float | None:
    """Integer-precision period from the autocorrelation peak in ``[lo, hi]``, or ``None``."""
    p = profile - profile.mean()
    n = len(p)
    spec = np.fft.rfft(p, 2 * n)
    acf = np.fft.irfft(spec * spec.conj())[:n]
    if acf[0] <= 0:
        return None
    lags = np.arange(int(np.ceil(lo)), min(int(hi), n - 1) + 1)
    lags = lags[(lags >= 1) & (lags < n - 1)]
    if not len(lags):
        return None
    peaks = lags[(acf[lags] >= acf[lags - 1]) & (acf[lags] >= acf[lags + 1]) & (acf[lags] > 0)]
    if not len(peaks):
        return None
    best = int(peaks[np.argmax(acf[peaks])])
    for d in (4, 3, 2):  # a divisor lag that repeats nearly as well is the real period
        near = peaks[np.abs(peaks - best / d) <= max(1.0, 0.03 * best / d)]
        if len(near) and acf[near].max() >= 0.6 * acf[best]:
            best = int(near[np.argmax(acf[near])])
            break
    return float(best)


def _harmonic_energy(profile: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """Fourier energy of ``profile`` at ``1/p`` and its harmonics below 0.4 cycles/px, per period."""
    nz = np.flatnonzero(profile)
    x, v = nz + 1.0, profile[nz]
    m_max = max(1, int(0.4 * periods.min()))
    m = np.arange(1, min(m_max, 4) + 1)
    phase = (2 * np.pi) * x[None, None, :] * (m[None, :, None] / periods[:, None, None])
    re = (np.cos(phase) * v).sum(axis=2)
    im = (np.sin(phase) * v).sum(axis=2)
    return (re**2 + im**2).sum(axis=1)


def _refine_period(profile: np.ndarray, period: float) -> float:
    """Sub-pixel period: maximise the harmonic energy in two progressively finer scans."""
    span = max(0.6, 0.03 * period)
    for _ in range(2):
        candidates = period + np.linspace(-span, span, 25)
        candidates = candidates[candidates >= 1.5]
        period = float(candidates[np.argmax(_harmonic_energy(profile, candidates))])
        span = span / 10
    return period


def _phase(profile: np.ndarray, period: float) -> float:
    """Edge position of the comb with ``period`` that best fits the profile, in ``[0, period)``."""
    x = np.arange(1, len(profile) + 1)
    angle = (2 * np.pi / period) * x
    coef = complex((profile * np.cos(angle)).sum(), (profile * np.sin(angle)).sum())
    return float((np.angle(coef) / (2 * np.pi) * period) % period)


def _comb_contrast(profile: np.ndarray, period: float, phase: float) -> float:
    """0..1: share of edge energy on the comb's teeth, above what a comb-free profile would give."""
    total = profile.sum()
    if total <= 0:
        return 0.0
    x = np.arange(1, len(profile) + 1)
    d = np.abs((x - phase + period / 2) % period - period / 2)
    width = min(period / 4, 1.5)
    on = profile[d <= width].sum() / total
    chance = min(1.0, (2 * np.floor(width) + 1) / period)
    return float(max(0.0, (on - chance) / (1 - chance))) if chance < 1 else 0.0


def _window(length: int, period: float, phase: float, count: int | None, confidence: float) -> _Axis:
    """Cells along an axis: those whose centre lies in the image, or ``count`` cells about the centre."""
    if count is None:
        first = np.ceil(-phase / period - 0.5)
        start = phase + first * period
        count = int(np.floor((length - start) / period - 0.5)) + 1
    else:
        first = np.round((length / 2 - phase) / period - count / 2)
        start = phase + first * period
    return _Axis(period, float(start), count, confidence)


# ---------------------------------------------------------------- sampling


def _sample_positions(start: float, period: float, count: int, length: int) -> tuple[np.ndarray, int]:
    """Pixel indices of ``m`` samples across the inner 60 % of each cell: ``(count * m,)`` and ``m``."""
    half = 0.3 * period
    m = int(np.clip(round(2 * half), 1, 8))
    centres = start + (np.arange(count) + 0.5) * period
    offsets = (np.arange(m) + 0.5) / m * 2 * half - half
    pos = np.floor(centres[:, None] + offsets[None, :]).astype(np.int64)
    return np.clip(pos, 0, length - 1).ravel(), m


def _sample_cells(rgba: np.ndarray, grid: Grid) -> np.ndarray:
    """Robust colour of every cell: ``(rows, cols, 4)`` uint8 (see :func:`pixelize`)."""
    h, w = rgba.shape[:2]
    ys, my = _sample_positions(grid.phase_y, grid.cell_h, grid.rows, h)
    xs, mx = _sample_positions(grid.phase_x, grid.cell_w, grid.cols, w)
    s = rgba[ys[:, None], xs[None, :]].reshape(grid.rows, my, grid.cols, mx, 4)
    s = s.transpose(0, 2, 1, 3, 4).reshape(grid.rows, grid.cols, my * mx, 4)
    opaque = s[:, :, :, 3] >= 128
    n_opaque = opaque.sum(axis=2)
    rgb = np.where(opaque[..., None], s[:, :, :, :3].astype(np.int16), np.int16(999))
    rgb.sort(axis=2)
    lo = np.maximum(n_opaque - 1, 0) // 2
    hi = n_opaque // 2
    take = lambda k: np.take_along_axis(rgb, np.minimum(k, rgb.shape[2] - 1)[:, :, None, None], axis=2)[:, :, 0]
    out = np.zeros((grid.rows, grid.cols, 4), np.uint8)
    keep = n_opaque * 2 > my * mx
    out[keep, :3] = ((take(lo) + take(hi) + 1) // 2)[keep]
    out[keep, 3] = 255
    return out
