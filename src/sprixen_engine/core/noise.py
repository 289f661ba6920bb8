"""Periodic (tileable) noise kernels: every field here wraps around, so ``np.roll`` shows no seam.

* :func:`value_noise` / :func:`fbm`: random values on a lattice that wraps, smoothed by a cubic
  B-spline. The spline is applied as two small matrix products (``My @ L @ Mx.T``) whose
  ``(size, cells)`` weight matrices are cached per size, so an octave costs microseconds.
* :func:`voronoi`: Worley cells on a jittered lattice with toroidal distance: cell id, distance to
  the cell's point and distance to the nearest cell edge (numba kernel).
* :func:`walks`: random-walk polylines (cracks, scratches) whose pixels wrap around the torus.
* :func:`emboss`, :func:`shift`: periodic finite differences and shifts.

All functions are pure: randomness comes only from the ``numpy.random.Generator`` passed in.
Fields are ``(size, size)`` float32 unless stated.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["emboss", "fbm", "lattice_matrix", "shift", "value_noise", "voronoi", "walks"]


@lru_cache(maxsize=256)
def lattice_matrix(size: int, cells: int) -> np.ndarray:
    """``(size, cells)`` float32 weights of a periodic cubic B-spline from ``cells`` lattice values.

    Row ``x`` holds the weights that sample ``x`` (at lattice coordinate ``(x + 0.5) * cells / size
    - 0.5``) gives the four nearest lattice values, indices taken modulo ``cells``; so the sampled
    curve has period ``size`` for any ``cells >= 1``. The matrix is scaled so that unit-variance
    lattice values give samples of unit variance on average (the spline alone smooths them to
    about 0.48). The returned array is read-only and shared (cached).
    """
    x = (np.arange(size) + 0.5) * cells / size - 0.5
    i0 = np.floor(x).astype(np.int64)
    t = x - i0
    weights = np.stack([(1 - t) ** 3, 3 * t**3 - 6 * t**2 + 4, -3 * t**3 + 3 * t**2 + 3 * t + 1, t**3], axis=1) / 6
    m = np.zeros((size, cells))
    for k in range(4):
        np.add.at(m, (np.arange(size), (i0 + k - 1) % cells), weights[:, k])
    m /= np.sqrt((m**2).sum(axis=1).mean())
    out = m.astype(np.float32)
    out.flags.writeable = False
    return out


def _cells2(cells: int | tuple[int, int], size: int) -> tuple[int, int]:
    cy, cx = (cells, cells) if isinstance(cells, (int, np.integer)) else cells
    return max(1, min(int(cy), size)), max(1, min(int(cx), size))


def value_noise(rng: np.random.Generator, size: int, cells: int | tuple[int, int]) -> np.ndarray:
    """Smooth periodic noise, ``(size, size)`` float32, zero mean and about unit variance.

    Parameters
    ----------
    rng : the only source of randomness.
    size : side of the square field in pixels.
    cells : lattice cells per side, or ``(rows, columns)`` for stretched noise (``(32, 2)`` gives
        horizontal streaks); clipped to ``1..size``.
    """
    cy, cx = _cells2(cells, size)
    lattice = rng.standard_normal((cy, cx), dtype=np.float32)
    return lattice_matrix(size, cy) @ lattice @ lattice_matrix(size, cx).T


def fbm(rng: np.random.Generator, size: int, cells: int | tuple[int, int], *, octaves: int = 3,
        gain: float = 0.5) -> np.ndarray:
    """Fractal sum of ``octaves`` :func:`value_noise` layers (cells doubling, amplitude × ``gain``).

    Returns ``(size, size)`` float32 with about unit variance (the sum is divided by the root sum
    of squared amplitudes).
    """
    cy, cx = _cells2(cells, size)
    out = np.zeros((size, size), np.float32)
    total = 0.0
    amp = 1.0
    for _ in range(max(1, octaves)):
        out += np.float32(amp) * value_noise(rng, size, (cy, cx))
        total += amp * amp
        amp *= gain
        cy, cx = min(cy * 2, size), min(cx * 2, size)
    out *= np.float32(1.0 / np.sqrt(total))
    return out


def shift(field: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``field`` moved by ``(dy, dx)`` pixels with wrap-around: ``out[y, x] = field[y - dy, x - dx]``."""
    return np.roll(field, (dy, dx), axis=(0, 1))


def emboss(height: np.ndarray, *, dy: int = 1, dx: int = 1) -> np.ndarray:
    """Periodic directional difference ``h[y, x] - h[y - dy, x - dx]``.

    With the default ``(1, 1)`` it is positive on slopes that face a light in the top-left corner.
    """
    return height - shift(height, dy, dx)


# ---------------------------------------------------------------------------------- Worley cells


def _voronoi_kernel(size, ey, ex, oy, ox, wy, wx, cell, f1, edge):  # pragma: no cover - compiled by numba
    # ey/ex: (gy + 4, gx + 4) point positions of the lattice padded by two wrapped cells per side,
    # already shifted by whole periods, so the search needs no modulo.
    gy = ey.shape[0] - 4
    gx = ey.shape[1] - 4
    sy = size / gy
    sx = size / gx
    # the 8 bisectors around each point of the padded lattice: midpoint and unit normal
    my = np.empty((gy + 2, gx + 2, 8))
    mx = np.empty((gy + 2, gx + 2, 8))
    ny = np.empty((gy + 2, gx + 2, 8))
    nx = np.empty((gy + 2, gx + 2, 8))
    for i in range(1, gy + 3):
        for j in range(1, gx + 3):
            k = 0
            for di in range(-1, 2):
                for dj in range(-1, 2):
                    if di == 0 and dj == 0:
                        continue
                    vy = ey[i + di, j + dj] - ey[i, j]
                    vx = ex[i + di, j + dj] - ex[i, j]
                    n = np.sqrt(vy * vy + vx * vx) + 1e-12
                    my[i - 1, j - 1, k] = ey[i, j] + 0.5 * vy
                    mx[i - 1, j - 1, k] = ex[i, j] + 0.5 * vx
                    ny[i - 1, j - 1, k] = vy / n
                    nx[i - 1, j - 1, k] = vx / n
                    k += 1
    for y in range(size):
        for x in range(size):
            yc = y + 0.5 + wy[y, x] - oy
            xc = x + 0.5 + wx[y, x] - ox
            if yc < 0 or yc >= size:
                yc = yc % size
            if xc < 0 or xc >= size:
                xc = xc % size
            cy = min(int(yc / sy), gy - 1) + 2
            cx = min(int(xc / sx), gx - 1) + 2
            best = 1e30
            bi = cy
            bj = cx
            for i in range(cy - 1, cy + 2):
                for j in range(cx - 1, cx + 2):
                    ry = ey[i, j] - yc
                    rx = ex[i, j] - xc
                    d = ry * ry + rx * rx
                    if d < best:
                        best = d
                        bi = i
                        bj = j
            near = 1e30
            for k in range(8):
                d = (my[bi - 1, bj - 1, k] - yc) * ny[bi - 1, bj - 1, k] + (mx[bi - 1, bj - 1, k] - xc) * nx[bi - 1, bj - 1, k]
                near = min(near, d)
            cell[y, x] = ((bi - 2) % gy) * gx + (bj - 2) % gx
            f1[y, x] = np.sqrt(best)
            edge[y, x] = near


@lru_cache(maxsize=1)
def _compiled_voronoi():
    """The numba-compiled kernel (numba is imported on first use; the machine code is cached on disk)."""
    from numba import njit

    return njit(cache=True, fastmath=True)(_voronoi_kernel)


def voronoi(rng: np.random.Generator, size: int, cells: int | tuple[int, int], *, jitter: float = 0.8,
            warp: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Worley cells with toroidal distance: one feature point per cell of a ``cells`` lattice.

    Parameters
    ----------
    rng : draws the point positions.
    size : side of the square field in pixels.
    cells : lattice cells per side or ``(rows, columns)``.
    jitter : 0 puts each point at its cell's centre (a regular grid), 1 anywhere in its cell.
    warp : optional periodic ``(dy, dx)`` pixel offsets added to each pixel's position before the
        search, for irregular outlines (they must wrap, e.g. from :func:`value_noise`).

    Returns
    -------
    cell : (size, size) int32 — index of the nearest point, ``row * columns + column``.
    f1 : (size, size) float32 — distance to that point, in pixels.
    edge : (size, size) float32 — distance to the nearest cell border (0 on the border).
    """
    gy, gx = _cells2(cells, size)
    jitter = float(np.clip(jitter, 0.0, 1.0))
    u = rng.random((2, gy, gx))
    py = (np.arange(gy)[:, None] + 0.5 + jitter * (u[0] - 0.5)) * (size / gy)
    px = (np.arange(gx)[None, :] + 0.5 + jitter * (u[1] - 0.5)) * (size / gx)
    iy = np.arange(-2, gy + 2)
    ix = np.arange(-2, gx + 2)
    ey = py[iy % gy][:, ix % gx] + (iy // gy * size)[:, None]
    ex = px[iy % gy][:, ix % gx] + (ix // gx * size)[None, :]
    if warp is None:
        zeros = _zeros(size)
        wy, wx = zeros, zeros
    else:
        wy, wx = (np.ascontiguousarray(w, dtype=np.float32) for w in warp)
    cell = np.empty((size, size), np.int32)
    f1 = np.empty((size, size), np.float32)
    edge = np.empty((size, size), np.float32)
    oy, ox = rng.random(2) * size  # shift the lattice so that its cell borders do not line up with the tile edge
    _compiled_voronoi()(size, np.ascontiguousarray(ey), np.ascontiguousarray(ex), oy, ox, wy, wx, cell, f1, edge)
    return cell, f1, edge


@lru_cache(maxsize=16)
def _zeros(size: int) -> np.ndarray:
    z = np.zeros((size, size), np.float32)
    z.flags.writeable = False
    return z


# ---------------------------------------------------------------------------------- polylines


def walks(rng: np.random.Generator, size: int, count: int, length: float, *, wobble: float = 0.35,
          step: float = 0.7, angle: float | None = None,
          starts: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pixels of ``count`` random-walk polylines of ``length`` pixels on the torus.

    Each walk turns by a normal random angle (std ``wobble`` radians) every ``step`` pixels; with
    ``step < 1`` consecutive pixels touch (8-connected). ``angle`` fixes the start heading (else
    uniform); ``starts`` gives start points ``(ys, xs)`` (else uniform).

    Returns
    -------
    ys, xs : (count, n) int64 arrays of pixel coordinates in ``0..size-1``.
    """
    n = max(1, int(round(length / step)))
    a0 = rng.uniform(0, 2 * np.pi, count) if angle is None else np.full(count, angle)
    turns = rng.normal(0.0, wobble, (count, n))
    turns[:, 0] = 0.0
    heading = a0[:, None] + np.cumsum(turns, axis=1)
    if starts is None:
        y0, x0 = rng.uniform(0, size, count), rng.uniform(0, size, count)
    else:
        y0, x0 = (np.asarray(s, float) for s in starts)
    ys = y0[:, None] + np.cumsum(np.sin(heading) * step, axis=1)
    xs = x0[:, None] + np.cumsum(np.cos(heading) * step, axis=1)
    return np.floor(ys).astype(np.int64) % size, np.floor(xs).astype(np.int64) % size
