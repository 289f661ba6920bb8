"""Autotile sets: every transition between two materials, seamless, with Tiled and Godot terrain data.

:func:`build_autotile_set` blends material **A** (the painted terrain, e.g. sand) into material **B** (the
background, e.g. grass) and returns an :class:`AutotileSet`: one atlas image, the labels of each tile, and
exporters for a Tiled tileset with a Wang set (:meth:`AutotileSet.tiled_tsx`) and a Godot 4 ``TileSet`` with a
terrain set (:meth:`AutotileSet.godot_tres`), so painting terrain in either tool picks the right transition.

Kinds
-----
``wang16``
    The 16 corner tiles: each tile corner is A or B (Tiled ``type="corner"``, Godot "Match Corners").
    Atlas 4×4, tile ``n`` at ``(n % 4, n // 4)`` with ``n = 1·TR + 2·BR + 4·BL + 8·TL`` (bit set = the
    corner is A), so tile 0 is all B and tile 15 all A (the 2-corner numbering of cr31's Wang tile pages).
``blob47``
    The 47 "blob" tiles of a cell of A among its 8 neighbours, a corner neighbour counting only when both
    sides next to it are A (256 → 47), plus one fill tile of B (the background), 48 tiles in all. Atlas 12×4
    in Godot 3's "3×3 minimal" autotile template order (the layout most Godot/Tiled users have drawn
    against), the B fill tile in the template's one empty slot (10, 1). Each blob tile records its cr31
    mask (N 1, NE 2, E 4, SE 8, S 16, SW 32, W 64, NW 128). Tiled: a ``type="mixed"`` Wang set (edges and
    corners); Godot: "Match Corners and Sides".

Geometry (why every compatible pair is seamless)
------------------------------------------------
Each tile is described by a 3×3 label grid ``[[TL, T, TR], [L, C, R], [BL, B, BR]]`` (0 = A, 1 = B) laid
over the tile as bands: corner squares ``w·S`` wide, edge bands between them, the centre in the middle
(``w = 1/2`` for wang16, so the tile is four quadrants; ``w = 1/4`` for blob47). Two tiles that agree on the
labels of their shared edge (its two corners and, for blob47, the edge) have identical label bands along it,
so the label picture of a painted map is one continuous picture. The material boundary is the zero set of a
field computed from that picture by operations that only look ``p <= w·S`` pixels away:

1. a Gaussian blur of the ±1 label picture (radius ``p - 1``), turned into an approximate signed distance
   in pixels (``σ·√2·erfinv``), which rounds the corners of the label bands;
2. plus smooth noise in pixels: a partition of unity over the tile's corners (keyed by the corner label),
   edges (keyed by the edge's labels) and interior (keyed by the whole grid), each element a sum of plane
   waves in coordinates relative to its own anchor, so a corner or an edge shows the same noise in every
   tile that shares it.

A tile is rendered on a canvas padded by ``p`` pixels whose labels are its own border bands repeated, which
is exactly what any compatible neighbour holds there; so each tile equals the same-size window of one
continuous render of the whole map (:func:`render_terrain` renders a map in one pass, and the tests check
the assembled tiles against it pixel for pixel). The textures are sampled at the pixel's position modulo
``S``, so seamless ``S``-periodic textures continue across tiles too.

Pixel art: each pixel is exactly a texture-A or texture-B pixel, or a rim pixel: A pixels that touch B
(4-neighbours) are shaded to outline the boundary (``rim``: ×0.7 darker when A is at least as light as B,
e.g. sand on grass; 40 % towards white when A is darker, e.g. foam on water). Smooth: a 1-px antialiased
blend and a soft 2-px rim band on the A side.

Isometric
---------
``view="isometric"`` renders the top-down tiles, then projects each one with
:func:`sprixen_engine.core.isometric.project_floor` into a 130×230 tile (footprint 130×66 at the bottom).
The texture's top row lies along the footprint's upper-right edge, which is the map's ``-y`` side in Tiled's
isometric orientation and in Godot's "Diamond Down" layout, so the Tiled Wang ids are the same as top-down,
and Godot's peering bits rotate by 45°: top → ``top_right_side``, right → ``bottom_right_side``, bottom →
``bottom_left_side``, left → ``top_left_side``; corners TL → ``top_corner``, TR → ``right_corner``,
BR → ``bottom_corner``, BL → ``left_corner``.

References (see /work/shared/FORMATS.md; [V] read in the tool's source, [V3] seen only in third-party files)
---------------------------------------------------------------------------------------------------------
- Tiled wangid order top, top-right, right, bottom-right, bottom, bottom-left, left, top-left; 0 = unset,
  colours from 1; corner sets use the odd slots [V] (FORMATS.md §2). TSX element order: ``<tileset>``,
  ``<tileoffset>``, ``<grid>``, ``<image>``, ``<wangsets>``; ``<wangcolor name color tile probability>`` [V]
  (mapeditor/tiled ``src/libtiled/mapwriter.cpp`` ``writeTileset``). Isometric layers draw a tile image with
  its bottom-left at the bottom-left of the cell [V] (``isometricrenderer.cpp``, ``CellRenderer::BottomLeft``).
- Godot ``tile_shape`` 1 = isometric, ``tile_layout`` 5 = Diamond Down, ``terrain_set_N/mode`` 0 = corners and
  sides, 1 = corners; peering-bit names [V] (FORMATS.md §1). Valid bits per shape and mode [V]
  (godotengine/godot ``scene/resources/2d/tile_set.cpp`` ``is_valid_terrain_peering_bit_for_mode``): square
  sides right/bottom/left/top_side, square corners bottom_right/bottom_left/top_left/top_right_corner;
  isometric sides bottom_right/bottom_left/top_left/top_right_side, isometric corners right/bottom/left/
  top_corner. Diamond Down puts map ``x + 1`` down-right and ``y + 1`` down-left [V] (``map_to_local``).
  ``texture_origin``: the texture is drawn at ``cell centre - size / 2 - texture_origin`` [V]
  (``TileSetAtlasSource`` ``draw_tile``), so ``Vector2i(0, 82)`` puts the footprint centre (82 px below the
  image centre) on the cell centre. Every tile also has a centre terrain (always a constraint when painting)
  [V] (``tile_map_layer.cpp`` ``_get_terrain_constraints_from_added_pattern``).
- [V3] ``terrain_set_0/terrain_N/color = Color(r, g, b, 1)`` and ``X:Y/next_alternative_id`` /
  ``X:Y/1 = 1`` alternative tiles (Godot-saved .tres files in public repositories). The 3×3 minimal layout
  (two independent public copies: BetauerGodotTools ``TileSetLayouts``, a Unity ``TileJoinedTM``).
"""

from __future__ import annotations

import json
import math
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import numpy as np
from PIL import Image
from scipy import ndimage, special

from ..errors import invalid

__all__ = [
    "BLOB_LAYOUT",
    "KINDS",
    "VIEWS",
    "AutotileSet",
    "blob_mask",
    "blob_grid",
    "build_autotile_set",
    "reduce_blob_mask",
    "render_terrain",
    "wang16_grid",
]

KINDS = ("wang16", "blob47")
VIEWS = ("top_down", "isometric")
#: terrain indices: A (the painted material) and B (the background). Tiled wang colour = index + 1.
A, B = 0, 1
_UNUSED = 2  # label of the zero-width bands of wang16 grids (never drawn, only keys noise)

#: cr31 blob mask bits
N, NE, E, SE, S, SW, W, NW = 1, 2, 4, 8, 16, 32, 64, 128
#: Godot 3 "3×3 minimal" template, 12×4, as cr31 masks; -1 is the template's empty slot (our B fill tile)
BLOB_LAYOUT: tuple[tuple[int, ...], ...] = (
    (16, 20, 84, 80, 213, 92, 116, 87, 28, 125, 124, 112),
    (17, 21, 85, 81, 29, 127, 253, 113, 31, 119, -1, 245),
    (1, 5, 69, 65, 23, 223, 247, 209, 95, 255, 221, 241),
    (0, 4, 68, 64, 117, 71, 197, 93, 7, 199, 215, 193),
)

BLOB_BORDER = 0.25  # corner/edge band width of blob47 tiles, in tile sizes
#: A-side rim: ×RIM_DARK when A is at least as light as B, else RIM_LIGHT (> 1: 40 % towards white)
RIM_DARK, RIM_LIGHT = 0.7, 1.4
#: per kind: canvas padding p and boundary noise amplitude, in tile sizes (p <= band width, p < 1/2)
PAD = {"wang16": 0.375, "blob47": 0.25}
NOISE = {"wang16": 0.16, "blob47": 0.1}
WAVELENGTHS = (0.4, 1.2)  # noise wavelengths, in tile sizes
WAVES = 5  # plane waves per noise element
MIN_SIZE, MAX_SIZE = 8, 256

# names of the 3×3 grid cells
_CORNERS = {"top_left": (0, 0), "top_right": (0, 2), "bottom_right": (2, 2), "bottom_left": (2, 0)}
_EDGES = {"top": (0, 1), "right": (1, 2), "bottom": (2, 1), "left": (1, 0)}
# Tiled wangid slots in order: top, top-right, right, bottom-right, bottom, bottom-left, left, top-left
_WANG_SLOTS = ((0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0), (0, 0))
# Godot peering bits in CellNeighbor order, per view: (bit name, grid cell)
_GODOT_BITS = {
    "top_down": (("right_side", (1, 2)), ("bottom_right_corner", (2, 2)), ("bottom_side", (2, 1)),
                 ("bottom_left_corner", (2, 0)), ("left_side", (1, 0)), ("top_left_corner", (0, 0)),
                 ("top_side", (0, 1)), ("top_right_corner", (0, 2))),
    "isometric": (("right_corner", (0, 2)), ("bottom_right_side", (1, 2)), ("bottom_corner", (2, 2)),
                  ("bottom_left_side", (2, 1)), ("left_corner", (2, 0)), ("top_left_side", (1, 0)),
                  ("top_corner", (0, 0)), ("top_right_side", (0, 1))),
}


# ------------------------------------------------------------------------------------- labels


def reduce_blob_mask(mask: int) -> int:
    """Drop the corner bits whose two neighbouring sides are not both set (cr31's 256 → 47 rule)."""
    m = int(mask) & 0xFF
    for corner, (a, b) in ((NE, (N, E)), (SE, (S, E)), (SW, (S, W)), (NW, (N, W))):
        if not (m & a and m & b):
            m &= ~corner
    return m


def blob_mask(neighbours: np.ndarray) -> int:
    """The reduced cr31 mask of the centre of a 3×3 boolean neighbourhood (``True`` = material A)."""
    n = np.asarray(neighbours, bool)
    raw = (N * n[0, 1] + NE * n[0, 2] + E * n[1, 2] + SE * n[2, 2] + S * n[2, 1] + SW * n[2, 0]
           + W * n[1, 0] + NW * n[0, 0])
    return reduce_blob_mask(int(raw))


def wang16_grid(n: int, center: int | None = None) -> np.ndarray:
    """The 3×3 label grid of wang16 tile ``n`` (``n = 1·TR + 2·BR + 4·BL + 8·TL``, bit set = A).

    The edge bands are unused (zero width); the centre is the majority corner label, ``center`` for ties.
    """
    g = np.full((3, 3), _UNUSED, np.int8)
    for bit, cell in ((1, (0, 2)), (2, (2, 2)), (4, (2, 0)), (8, (0, 0))):
        g[cell] = A if n & bit else B
    count_a = bin(n & 15).count("1")
    g[1, 1] = A if count_a > 2 else B if count_a < 2 else (A if center is None else center)
    return g


def blob_grid(mask: int | None) -> np.ndarray:
    """The 3×3 label grid of the blob tile with cr31 ``mask`` (centre A); ``None`` gives the B fill tile."""
    if mask is None:
        return np.full((3, 3), B, np.int8)
    m = reduce_blob_mask(mask)
    bit = {(0, 1): N, (0, 2): NE, (1, 2): E, (2, 2): SE, (2, 1): S, (2, 0): SW, (1, 0): W, (0, 0): NW}
    g = np.array([[A if m & bit[(r, c)] else B for c in range(3)] if r != 1 else
                  [A if m & W else B, A, A if m & E else B] for r in range(3)], np.int8)
    return g


# ------------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class _Params:
    size: int
    border: float  # band width in tile sizes
    pad: int  # p: the canvas padding (≤ border·size)
    radius: int  # blur radius
    sigma: float
    amp: float  # noise amplitude in px
    b1: float  # noise weights: 1 within b1 of a lattice line, 0 beyond b2
    b2: float
    seed: int
    rim: float
    pixel_art: bool

    @property
    def band(self) -> int:
        """Width in px of the corner/edge bands."""
        return int(round(self.border * self.size))


def _params(kind: str, size: int, seed: int, rim: float, pixel_art: bool) -> _Params:
    border = 0.5 if kind == "wang16" else BLOB_BORDER
    pad = max(2, int(size * PAD[kind]))
    radius = pad - 1
    sigma = max(radius / 2.5, 0.35)
    return _Params(size=size, border=border, pad=pad, radius=radius, sigma=sigma, amp=NOISE[kind] * size,
                   b1=1.0,
                   b2=size / 2, seed=seed, rim=rim, pixel_art=pixel_art)


def _band_index(t: np.ndarray, size: int, band: int) -> np.ndarray:
    """Which band (0, 1, 2) pixel coordinates ``t`` (local, may lie outside the tile) fall in."""
    return np.where(t < band, 0, np.where(t >= size - band, 2, 1))


# ------------------------------------------------------------------------------------- noise


def _waves(prm: _Params, key: tuple[int, ...]) -> np.ndarray:
    """``(WAVES, 4)`` plane waves (fx, fy, phase, amplitude) of the noise element ``key``."""
    rng = np.random.default_rng(np.random.SeedSequence([prm.seed & 0xFFFFFFFF, prm.seed >> 32 & 0xFFFFFFFF,
                                                        *[k + 7 for k in key]]))
    lam = prm.size * np.exp(rng.uniform(*np.log(WAVELENGTHS), WAVES))
    theta = rng.uniform(0, 2 * np.pi, WAVES)
    phase = rng.uniform(0, 2 * np.pi, WAVES)
    amp = lam / lam.sum()
    return np.stack([np.cos(theta) / lam, np.sin(theta) / lam, phase, amp], axis=1)


def _noise(waves: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Noise in [-1, 1] at ``(v[:, None], u[None, :])`` (pixel offsets from the element's anchor)."""
    fx, fy, phase, amp = waves.T
    a = 2 * np.pi * fx[:, None] * u[None, :] + phase[:, None]  # (K, W)
    b = 2 * np.pi * fy[:, None] * v[None, :]  # (K, H)
    # cos(a + b) = cos a cos b - sin a sin b, summed over the waves as one matrix product
    left = np.concatenate([(amp[:, None] * np.cos(b)).T, (-amp[:, None] * np.sin(b)).T], axis=1)
    return left @ np.concatenate([np.cos(a), np.sin(a)], axis=0)


def _bump(t: np.ndarray, prm: _Params) -> np.ndarray:
    """Weight of a lattice line at signed distance ``t``: 1 within b1, cos² down to 0 at b2."""
    d = np.abs(t)
    ramp = np.cos(0.5 * np.pi * np.clip((d - prm.b1) / (prm.b2 - prm.b1), 0.0, 1.0)) ** 2
    return np.where(d <= prm.b1, 1.0, ramp)


def _middle(t: np.ndarray, prm: _Params) -> np.ndarray:
    """Weight of a cell's middle along one axis (local coordinate ``t``); 0 outside the cell."""
    inside = (t >= 0) & (t < prm.size)
    return np.where(inside, 1.0 - _bump(t, prm) - _bump(t - prm.size, prm), 0.0)


def _tile_elements(g: np.ndarray) -> list[tuple[tuple[int, ...], tuple[int, int], str, str]]:
    """The 9 noise elements of a tile: (key, anchor in tile units (x, y), x weight, y weight).

    Weights: ``"lo"``/``"hi"`` = bump at the tile's left/top or right/bottom line, ``"mid"`` = the middle.
    """
    c = [int(v) for v in g.ravel()]
    return [
        ((0, c[0]), (0, 0), "lo", "lo"), ((0, c[2]), (1, 0), "hi", "lo"),
        ((0, c[6]), (0, 1), "lo", "hi"), ((0, c[8]), (1, 1), "hi", "hi"),
        ((1, c[0], c[1], c[2]), (0, 0), "mid", "lo"), ((1, c[6], c[7], c[8]), (0, 1), "mid", "hi"),
        ((2, c[0], c[3], c[6]), (0, 0), "lo", "mid"), ((2, c[2], c[5], c[8]), (1, 0), "hi", "mid"),
        ((3, *c), (0, 0), "mid", "mid"),
    ]


def _weight(kind: str, t: np.ndarray, prm: _Params) -> np.ndarray:
    if kind == "lo":
        return _bump(t, prm)
    if kind == "hi":
        return _bump(t - prm.size, prm)
    return _middle(t, prm)


# ------------------------------------------------------------------------------------ fields


def _label_picture(grids: np.ndarray, prm: _Params) -> np.ndarray:
    """±1 label picture (+1 = A) of an ``(H, W, 3, 3)`` grid map, padded by ``pad`` (border bands repeated)."""
    h, w = grids.shape[:2]
    s, p = prm.size, prm.pad
    t = np.arange(s) + 0.5
    bi = _band_index(t, s, prm.band)
    pic = grids[:, :, bi[:, None], bi[None, :]]  # (H, W, s, s)
    pic = pic.transpose(0, 2, 1, 3).reshape(h * s, w * s)
    return np.pad(np.where(pic == A, 1.0, -1.0), p, mode="edge")


def _distance(pic: np.ndarray, prm: _Params) -> np.ndarray:
    """Approximate signed distance (px, + inside A) from the blurred label picture."""
    blur = ndimage.gaussian_filter(pic, prm.sigma, mode="nearest", radius=prm.radius)
    return prm.sigma * math.sqrt(2) * special.erfinv(np.clip(blur, -0.999, 0.999))


def _tile_field(g: np.ndarray, prm: _Params) -> np.ndarray:
    """The field of one tile on its canvas plus a 1-px ring: ``(S + 2, S + 2)`` float, > 0 is A."""
    s, p = prm.size, prm.pad
    dist = _distance(_label_picture(g[None, None], prm), prm)
    t = np.arange(-p, s + p) + 0.5
    num = np.zeros((t.size, t.size))
    den = np.zeros((t.size, t.size))
    for key, (ax, ay), wx, wy in _tile_elements(g):
        weight = _weight(wy, t, prm)[:, None] * _weight(wx, t, prm)[None, :]
        num += weight * _noise(_waves(prm, key), t - ax * s, t - ay * s)
        den += weight * weight
    field = dist + prm.amp * num / np.sqrt(den)
    return field[p - 1:p + s + 1, p - 1:p + s + 1]


def _map_field(grids: np.ndarray, prm: _Params) -> np.ndarray:
    """The field of a whole ``(H, W, 3, 3)`` map in one pass, plus a 1-px ring: ``(H·S + 2, W·S + 2)``.

    Noise elements are enumerated globally (each lattice corner, each edge, each cell once), keyed by the
    labels the map holds there, independently of any single tile.
    """
    h, w = grids.shape[:2]
    s, p = prm.size, prm.pad
    dist = _distance(_label_picture(grids, prm), prm)
    ty = np.arange(-p, h * s + p) + 0.5
    tx = np.arange(-p, w * s + p) + 0.5
    num = np.zeros((ty.size, tx.size))
    den = np.zeros((ty.size, tx.size))
    reach = int(math.ceil(prm.b2)) + 1

    def add(key: tuple[int, ...], ax: int, ay: int, wxk: str, wyk: str, cx: int, cy: int) -> None:
        # (ax, ay): anchor in px; (cx, cy): the cell whose local frame defines "mid" weights
        x0, x1 = max(0, ax - reach + p), min(tx.size, ax + s + reach + p)
        y0, y1 = max(0, ay - reach + p), min(ty.size, ay + s + reach + p)
        lx, ly = tx[x0:x1] - cx * s, ty[y0:y1] - cy * s
        wx = _bump(tx[x0:x1] - ax, prm) if wxk == "line" else _middle(lx, prm)
        wy = _bump(ty[y0:y1] - ay, prm) if wyk == "line" else _middle(ly, prm)
        weight = wy[:, None] * wx[None, :]
        num[y0:y1, x0:x1] += weight * _noise(_waves(prm, key), tx[x0:x1] - ax, ty[y0:y1] - ay)
        den[y0:y1, x0:x1] += weight * weight

    def corner_label(i: int, j: int) -> int:  # lattice point (row i, col j)
        ci, cj = min(i, h - 1), min(j, w - 1)
        return int(grids[ci, cj, 0 if i == ci else 2, 0 if j == cj else 2])

    for i in range(h + 1):
        for j in range(w + 1):
            add((0, corner_label(i, j)), j * s, i * s, "line", "line", j, i)
    for i in range(h + 1):  # horizontal edges
        for j in range(w):
            ci = min(i, h - 1)
            row = 0 if i == ci else 2
            key = (1, *[int(v) for v in grids[ci, j, row]])
            add(key, j * s, i * s, "mid", "line", j, i)
    for i in range(h):  # vertical edges
        for j in range(w + 1):
            cj = min(j, w - 1)
            col = 0 if j == cj else 2
            key = (2, *[int(v) for v in grids[i, cj, :, col]])
            add(key, j * s, i * s, "line", "mid", j, i)
    for i in range(h):
        for j in range(w):
            add((3, *[int(v) for v in grids[i, j].ravel()]), j * s, i * s, "mid", "mid", j, i)
    field = dist + prm.amp * num / np.sqrt(den)
    return field[p - 1:p + h * s + 1, p - 1:p + w * s + 1]


def _shade_float(rgb: np.ndarray, factor: float | np.ndarray) -> np.ndarray:
    """Rim shading: ``factor <= 1`` multiplies (darker), ``factor > 1`` moves ``factor - 1`` towards white."""
    rgb = rgb.astype(np.float64)
    return np.where(factor <= 1.0, rgb * factor, rgb + (255.0 - rgb) * (factor - 1.0))


def _shade(rgb: np.ndarray, factor: float) -> np.ndarray:
    return np.clip(np.round(_shade_float(rgb, factor)), 0, 255).astype(np.uint8)


def _luminance(rgb: np.ndarray) -> float:
    return float((rgb.reshape(-1, 3).astype(np.float64) @ np.array([0.299, 0.587, 0.114])).mean())


def _auto_rim(rim: float | None, tex_a: np.ndarray, tex_b: np.ndarray) -> float:
    if rim is not None:
        return rim
    return RIM_DARK if _luminance(tex_a) >= _luminance(tex_b) else RIM_LIGHT


def _paint(field: np.ndarray, tex_a: np.ndarray, tex_b: np.ndarray, prm: _Params) -> tuple[np.ndarray, np.ndarray]:
    """RGBA image and A mask of a field with a 1-px ring; textures sampled at the position modulo S.

    Returns ``(H, W, 4)`` uint8 (opaque) and ``(H, W)`` bool, the ring removed.
    """
    hh, ww = field.shape[0] - 2, field.shape[1] - 2
    s = prm.size
    rows, cols = np.arange(hh) % s, np.arange(ww) % s
    a = tex_a[rows[:, None], cols[None, :]]
    b = tex_b[rows[:, None], cols[None, :]]
    f = field[1:-1, 1:-1]
    mask = f > 0
    if prm.pixel_art:
        ring = field > 0
        touches_b = ~(ring[:-2, 1:-1] & ring[2:, 1:-1] & ring[1:-1, :-2] & ring[1:-1, 2:])
        rim = mask & touches_b
        rgb = np.where(mask[:, :, None], a, b)
        if prm.rim != 1.0:
            rgb = np.where(rim[:, :, None], _shade(a, prm.rim), rgb)
    else:
        alpha = np.clip(f + 0.5, 0.0, 1.0)[:, :, None]
        band = np.clip(1.0 - np.abs(f - 1.0), 0.0, 1.0)[:, :, None]
        mix = alpha * _shade_float(a, 1.0 + (prm.rim - 1.0) * band) + (1.0 - alpha) * b
        rgb = np.clip(np.round(mix), 0, 255).astype(np.uint8)
    out = np.dstack([rgb, np.full((hh, ww), 255, np.uint8)])
    return out, mask


# ----------------------------------------------------------------------------------- textures


def _prepare_texture(texture: object, size: int, field_name: str, pixel_art: bool) -> np.ndarray:
    """``(S, S, 3)`` uint8 RGB, periodically resampled to ``size`` when its side differs."""
    if not isinstance(texture, np.ndarray):
        raise invalid(field_name, "must be a numpy uint8 array of shape (H, W, 3) or (H, W, 4)",
                      type(texture).__name__)
    if texture.dtype != np.uint8:
        raise invalid(field_name, "array dtype must be uint8", str(texture.dtype))
    if texture.ndim != 3 or texture.shape[2] not in (3, 4) or min(texture.shape[:2]) < 2:
        raise invalid(field_name, "array shape must be (H, W, 3) or (H, W, 4)", texture.shape)
    rgb = texture[:, :, :3]
    if rgb.shape[:2] == (size, size):
        return np.ascontiguousarray(rgb)
    if pixel_art:  # nearest texel to each output pixel centre: exact colours, still periodic
        rows = ((np.arange(size) + 0.5) * rgb.shape[0] / size).astype(int)
        cols = ((np.arange(size) + 0.5) * rgb.shape[1] / size).astype(int)
        return np.ascontiguousarray(rgb[rows[:, None], cols[None, :]])
    zoom = (size / rgb.shape[0], size / rgb.shape[1])
    chans = [ndimage.zoom(rgb[:, :, c].astype(np.float64), zoom, order=1, mode="grid-wrap", grid_mode=True)
             for c in range(3)]
    out = np.clip(np.round(np.dstack(chans)), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(out[:size, :size])


# -------------------------------------------------------------------------------------- set


@dataclass
class AutotileSet:
    """A generated autotile set.

    Attributes
    ----------
    image : PIL.Image.Image
        RGBA atlas, ``columns × rows`` tiles of ``tile_size``.
    tiles : list of dict
        One per atlas slot, in Tiled tile-id order (row-major): ``index`` (Tiled tile id), ``x``/``y`` (atlas
        column/row = Godot atlas coords), ``corners`` and ``edges`` (``{"top_left": 0, ...}``, 0 = A,
        1 = B; wang16 has no edges), ``center`` (Godot centre terrain), ``wangid`` (8 ints, Tiled order, or
        ``None`` when the tile is left out of the Wang set), ``mask`` (blob47: cr31 mask, ``None`` for the
        B fill tile), ``role`` (``"corner"``, ``"blob"``, ``"isolated"`` or ``"fill"``) and ``grid`` (the
        3×3 label grid ``[[TL, T, TR], [L, C, R], [BL, B, BR]]``, 2 = unused band; not written to JSON).
    kind, view : str
    names : (str, str)
        Material names of A and B (Tiled wang colours 1 and 2, Godot terrains 0 and 1).
    tile_size : (int, int)
        ``(width, height)`` of one tile image: ``(S, S)`` top-down, ``(130, 230)`` isometric.
    columns, rows : int
    masks : (T, S, S) bool ndarray
        Where each tile shows material A (top-down, before projection).
    colors : ((r, g, b), (r, g, b))
        Mean colours of the two textures (wang colours, Godot terrain colours).
    metadata : dict
        Parameters and the seed used.
    """

    image: Image.Image
    tiles: list[dict[str, Any]]
    kind: str
    view: str
    names: tuple[str, str]
    tile_size: tuple[int, int]
    columns: int
    rows: int
    masks: np.ndarray
    colors: tuple[tuple[int, int, int], tuple[int, int, int]]
    metadata: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------------------ helpers

    def tile_array(self, index: int) -> np.ndarray:
        """The ``(h, w, 4)`` uint8 image of tile ``index``."""
        t = self.tiles[index]
        tw, th = self.tile_size
        arr = np.asarray(self.image)
        return arr[t["y"] * th:(t["y"] + 1) * th, t["x"] * tw:(t["x"] + 1) * tw].copy()

    @property
    def tile_count(self) -> int:
        return len(self.tiles)

    def _stem(self) -> str:
        return f"{self.names[0]}_{self.names[1]}_{self.kind}"

    # ------------------------------------------------------------------------------- Tiled

    def tiled_tsx(self, image_name: str = "tileset.png") -> str:
        """A Tiled tileset (.tsx) with one Wang set: ``type="corner"`` (wang16) or ``"mixed"`` (blob47).

        Wang colour 1 is A (``names[0]``), 2 is B. Every tile with a ``wangid`` gets one ``<wangtile>``.
        """
        tw, th = self.tile_size
        iw, ih = self.image.size
        lines = ['<?xml version="1.0" encoding="UTF-8"?>',
                 f'<tileset version="1.10" tiledversion="1.10.2" name={quoteattr(self._stem())} '
                 f'tilewidth="{tw}" tileheight="{th}" tilecount="{len(self.tiles)}" columns="{self.columns}">']
        if self.view == "isometric":
            lines.append(" <!-- Isometric: Tiled draws each 130x230 image with its bottom-left corner at the "
                         "bottom-left of the map's 130x66 diamond cell, so the footprint (the image's bottom 66 "
                         "rows) lands on the cell with no tile offset. Use a map with orientation=\"isometric\" "
                         "tilewidth=\"130\" tileheight=\"66\". -->")
            lines.append(' <grid orientation="isometric" width="130" height="66"/>')
        lines.append(f" <image source={quoteattr(image_name)} width=\"{iw}\" height=\"{ih}\"/>")
        wang_type = "corner" if self.kind == "wang16" else "mixed"
        fill = {A: self._solid_tile(A), B: self._solid_tile(B)}
        lines.append(" <wangsets>")
        lines.append(f"  <wangset name={quoteattr(f'{self.names[0]}/{self.names[1]}')} type=\"{wang_type}\" "
                     f"tile=\"-1\">")
        for terrain in (A, B):
            r, g, b = self.colors[terrain]
            lines.append(f"   <wangcolor name={quoteattr(self.names[terrain])} color=\"#{r:02x}{g:02x}{b:02x}\" "
                         f"tile=\"{fill[terrain]}\" probability=\"1\"/>")
        for t in sorted(self.tiles, key=lambda t: t["index"]):
            if t["wangid"] is not None:
                lines.append(f"   <wangtile tileid=\"{t['index']}\" wangid=\"{','.join(map(str, t['wangid']))}\"/>")
        lines += ["  </wangset>", " </wangsets>", "</tileset>", ""]
        return "\n".join(lines)

    def _solid_tile(self, terrain: int) -> int:
        for t in self.tiles:
            if t["wangid"] is not None and all(v in (0, terrain + 1) for v in t["wangid"]):
                return int(t["index"])
        return -1

    # ------------------------------------------------------------------------------- Godot

    def godot_tres(self, texture_path: str = "res://tileset.png") -> str:
        """A Godot 4 ``TileSet`` resource (.tres): one atlas source, one terrain set with terrains A and B.

        wang16: mode 1 (match corners); the six half-and-half tiles have a second alternative (id 1) with the
        other centre terrain, so painting either terrain finds a tile. blob47: mode 0 (corners and sides),
        47 tiles with centre A plus the B fill tile. Isometric: ``tile_shape = 1``, ``tile_layout = 5``
        (Diamond Down), ``tile_size = Vector2i(130, 66)``, regions 130×230 with ``texture_origin =
        Vector2i(0, 82)``.
        """
        tw, th = self.tile_size
        iso = self.view == "isometric"
        bits = [(name, cell) for name, cell in _GODOT_BITS[self.view]
                if self.kind == "blob47" or cell in _CORNERS.values()]
        src = "TileSetAtlasSource_autotile"
        lines = ['[gd_resource type="TileSet" load_steps=3 format=3]', "",
                 f'[ext_resource type="Texture2D" path={json.dumps(texture_path)} id="1_tex"]', "",
                 f'[sub_resource type="TileSetAtlasSource" id="{src}"]', 'texture = ExtResource("1_tex")',
                 f"texture_region_size = Vector2i({tw}, {th})"]
        for t in sorted(self.tiles, key=lambda t: (t["y"], t["x"])):
            key = f"{t['x']}:{t['y']}"
            alternatives = [t["center"]]
            if self.kind == "wang16" and sum(v == A for v in t["corners"].values()) == 2:
                alternatives.append(B if t["center"] == A else A)
            if len(alternatives) > 1:
                lines.append(f"{key}/next_alternative_id = {len(alternatives)}")
            for alt, center in enumerate(alternatives):
                lines.append(f"{key}/{alt} = {alt}")
                if iso:
                    lines.append(f"{key}/{alt}/texture_origin = Vector2i(0, 82)")
                lines.append(f"{key}/{alt}/terrain_set = 0")
                lines.append(f"{key}/{alt}/terrain = {center}")
                grid = t["grid"]
                for name, cell in bits:
                    lines.append(f"{key}/{alt}/terrains_peering_bit/{name} = {int(grid[cell[0]][cell[1]])}")
        lines += ["", "[resource]"]
        if iso:
            lines += ["tile_shape = 1", "tile_layout = 5", "tile_size = Vector2i(130, 66)"]
        else:
            lines.append(f"tile_size = Vector2i({tw}, {th})")
        lines.append(f"terrain_set_0/mode = {1 if self.kind == 'wang16' else 0}")
        for terrain in (A, B):
            r, g, b = (c / 255 for c in self.colors[terrain])
            lines.append(f"terrain_set_0/terrain_{terrain}/name = {json.dumps(self.names[terrain])}")
            lines.append(f"terrain_set_0/terrain_{terrain}/color = Color({r:.6g}, {g:.6g}, {b:.6g}, 1)")
        lines += [f'sources/0 = SubResource("{src}")', ""]
        return "\n".join(lines)

    # -------------------------------------------------------------------------------- files

    def to_json(self, image_name: str = "tileset.png") -> dict[str, Any]:
        """JSON-able description: layout, terrains and each tile's labels."""
        tiles = [{k: v for k, v in t.items() if k != "grid"} for t in self.tiles]
        return {"kind": self.kind, "view": self.view, "image": image_name, "terrains": list(self.names),
                "labels": {"0": self.names[0], "1": self.names[1]}, "tileSize": list(self.tile_size),
                "columns": self.columns, "rows": self.rows,
                "layout": ("4x4, n = 1*TR + 2*BR + 4*BL + 8*TL (bit = A)" if self.kind == "wang16" else
                           "Godot 3x3 minimal 12x4 (cr31 masks), B fill tile in slot (10, 1)"),
                "tiles": tiles, "metadata": self.metadata}

    def save(self, directory: str | Path, stem: str = "tileset") -> list[Path]:
        """Write ``<stem>.png`` (atlas), ``<stem>.tsx``, ``<stem>.tres`` and ``<stem>.json``; return the paths.

        The .tsx refers to the PNG by file name, the .tres by ``res://<stem>.png`` (put them side by side at
        the project root, or edit the path).
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        png, tsx, tres, js = (out / f"{stem}{ext}" for ext in (".png", ".tsx", ".tres", ".json"))
        self.image.save(png)
        tsx.write_text(self.tiled_tsx(png.name), encoding="utf-8")
        tres.write_text(self.godot_tres(f"res://{png.name}"), encoding="utf-8")
        js.write_text(json.dumps(self.to_json(png.name), indent=2), encoding="utf-8")
        return [png, tsx, tres, js]


# ------------------------------------------------------------------------------------ builder


def _tile_specs(kind: str) -> list[dict[str, Any]]:
    """Atlas slots of ``kind``: x, y, grid, mask, role."""
    specs = []
    if kind == "wang16":
        for n in range(16):
            specs.append({"x": n % 4, "y": n // 4, "grid": wang16_grid(n), "mask": None, "role": "corner", "n": n})
        return specs
    for y, row in enumerate(BLOB_LAYOUT):
        for x, m in enumerate(row):
            mask = None if m < 0 else m
            role = "fill" if mask is None else ("isolated" if mask == 0 else "blob")
            specs.append({"x": x, "y": y, "grid": blob_grid(mask), "mask": mask, "role": role})
    return specs


def _labels(spec: dict[str, Any], kind: str) -> dict[str, Any]:
    g = spec["grid"]
    corners = {name: int(g[c]) for name, c in _CORNERS.items()}
    wangid: list[int] | None
    if kind == "wang16":
        wangid = [int(g[c]) + 1 if i % 2 else 0 for i, c in enumerate(_WANG_SLOTS)]
        edges = None
    else:
        edges = {name: int(g[c]) for name, c in _EDGES.items()}
        # Tiled has no centre: the isolated blob has the B fill tile's labels, so it stays out of the Wang set
        wangid = None if spec["role"] == "isolated" else [int(g[c]) + 1 for c in _WANG_SLOTS]
    out: dict[str, Any] = {"corners": corners}
    if edges is not None:
        out["edges"] = edges
    out.update({"center": int(g[1, 1]), "wangid": wangid})
    return out


def _check_common(kind: object, view: object, size: object, seed: object, pixel_art: object,
                  rim: object) -> tuple[str, str, int, int, bool, float | None]:
    if kind not in KINDS:
        raise invalid("kind", f"must be one of {', '.join(KINDS)}", kind)
    if view not in VIEWS:
        raise invalid("view", f"must be one of {', '.join(VIEWS)}", view)
    lo = 16 if view == "isometric" else MIN_SIZE
    if (isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not lo <= size <= MAX_SIZE
            or size % 2):
        raise invalid("size", f"must be an even integer between {lo} and {MAX_SIZE}", size)
    if seed is None:
        seed = secrets.randbelow(2**32)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
        raise invalid("seed", "must be None or a non-negative integer below 2**63", seed)
    if not isinstance(pixel_art, (bool, np.bool_)):
        raise invalid("pixel_art", "must be True or False", pixel_art)
    if rim is not None and (isinstance(rim, bool) or not isinstance(rim, (int, float)) or not 0.0 <= rim <= 2.0):
        raise invalid("rim", "must be None or a number between 0 and 2 (1 = no rim)", rim)
    return str(kind), str(view), int(size), int(seed), bool(pixel_art), None if rim is None else float(rim)


def build_autotile_set(texture_a: np.ndarray, texture_b: np.ndarray, *, kind: str = "wang16",
                       view: str = "top_down", size: int = 32, seed: int | None = 0,
                       names: tuple[str, str] = ("a", "b"), pixel_art: bool = True,
                       rim: float | None = None) -> AutotileSet:
    """Build every transition tile between material A and material B.

    Parameters
    ----------
    texture_a, texture_b : (H, W, 3) or (H, W, 4) uint8 ndarray
        Seamless (wrapping) textures of A (the painted terrain) and B (the background). Alpha is ignored.
        Textures whose side is not ``size`` are resampled periodically (nearest in pixel-art mode) to
        ``size × size``, so they keep wrapping at the tile period.
    kind : {"wang16", "blob47"}
        16 corner tiles (4×4 atlas) or the 47 blob tiles plus a B fill tile (12×4 atlas).
    view : {"top_down", "isometric"}
        Square ``size`` tiles, or 130×230 isometric floor tiles (``size`` is then the texture resolution of
        the footprint, 16-256).
    size : int
        Tile side in pixels (top-down), 8-256.
    seed : int or None
        Seeds the boundary noise; ``None`` draws one (recorded in ``metadata["seed"]``).
    names : (str, str)
        Material names of A and B, used for the Wang colours and Godot terrains.
    pixel_art : bool
        ``True``: hard boundary, only texture colours plus the rim shade. ``False``: antialiased blend.
    rim : float or None
        Shade of the boundary rim on the A side: ``< 1`` multiplies (darker), ``> 1`` moves ``rim - 1``
        towards white, 1 = no rim. ``None``: 0.7 when A is at least as light as B, else 1.4.

    Returns
    -------
    AutotileSet

    Examples
    --------
    >>> import numpy as np
    >>> sand = np.full((16, 16, 3), (220, 200, 140), np.uint8)
    >>> grass = np.full((16, 16, 3), (70, 140, 60), np.uint8)
    >>> ts = build_autotile_set(sand, grass, kind="wang16", size=16, names=("sand", "grass"))
    >>> ts.image.size, len(ts.tiles), ts.tiles[15]["wangid"]
    ((64, 64), 16, [0, 1, 0, 1, 0, 1, 0, 1])
    """
    kind, view, size, seed, pixel_art, rim = _check_common(kind, view, size, seed, pixel_art, rim)
    if (not isinstance(names, (tuple, list)) or len(names) != 2 or not all(isinstance(n, str) and n.strip()
                                                                           for n in names)):
        raise invalid("names", "must be two non-empty strings (A, B)", names)
    if names[0] == names[1]:
        raise invalid("names", "the two materials need different names", names)
    tex_a = _prepare_texture(texture_a, size, "texture_a", pixel_art)
    tex_b = _prepare_texture(texture_b, size, "texture_b", pixel_art)
    rim = _auto_rim(rim, tex_a, tex_b)
    prm = _params(kind, size, seed, rim, pixel_art)

    specs = _tile_specs(kind)
    images, masks, tiles = [], [], []
    for spec in specs:
        img, mask = _paint(_tile_field(spec["grid"], prm), tex_a, tex_b, prm)
        images.append(img)
        masks.append(mask)
    columns = max(s["x"] for s in specs) + 1
    rows = max(s["y"] for s in specs) + 1
    if view == "isometric":
        from ..core.isometric import TILE_H, TILE_W, project_floor

        images = [project_floor(img, pixel_art=pixel_art) for img in images]
        tw, th = TILE_W, TILE_H
    else:
        tw, th = size, size
    atlas = np.zeros((rows * th, columns * tw, 4), np.uint8)
    for spec, img in zip(specs, images):
        atlas[spec["y"] * th:(spec["y"] + 1) * th, spec["x"] * tw:(spec["x"] + 1) * tw] = img
    for spec in sorted(specs, key=lambda s: (s["y"], s["x"])):
        tile = {"index": spec["y"] * columns + spec["x"], "x": spec["x"], "y": spec["y"]}
        tile.update(_labels(spec, kind))
        if kind == "blob47":
            tile["mask"] = spec["mask"]
        tile["role"] = spec["role"]
        tile["grid"] = spec["grid"].tolist()
        tiles.append(tile)
    order = [next(i for i, s in enumerate(specs) if (s["x"], s["y"]) == (t["x"], t["y"])) for t in tiles]
    colors = tuple(tuple(int(round(c)) for c in tex.reshape(-1, 3).mean(axis=0)) for tex in (tex_a, tex_b))
    metadata = {"backend": "procedural", "seed": seed, "kind": kind, "view": view, "size": size,
                "pixelArt": pixel_art, "rim": rim, "border": prm.border, "noise": NOISE[kind],
                "names": list(names)}
    return AutotileSet(image=Image.fromarray(atlas, "RGBA"), tiles=tiles, kind=kind, view=view,
                       names=(names[0], names[1]), tile_size=(tw, th), columns=columns, rows=rows,
                       masks=np.stack([masks[i] for i in order]), colors=colors,  # type: ignore[arg-type]
                       metadata=metadata)


def render_terrain(texture_a: np.ndarray, texture_b: np.ndarray, grids: np.ndarray, *, kind: str = "wang16",
                   size: int = 32, seed: int = 0, pixel_art: bool = True, rim: float | None = None) -> np.ndarray:
    """Render a whole terrain map in one pass: the picture the autotiles reproduce when painted.

    Parameters
    ----------
    grids : (H, W, 3, 3) int ndarray
        Each cell's label grid (0 = A, 1 = B), e.g. ``tiles[i]["grid"]`` of the tile painted there. Adjacent
        cells must agree on their shared corners (and, for blob47, edges).
    kind, size, seed, pixel_art, rim
        As for :func:`build_autotile_set` (top-down only).

    Returns
    -------
    (H·size, W·size, 4) uint8 ndarray
        Equal to the tiles of ``build_autotile_set(..., seed=seed)`` laid side by side.
    """
    kind, _, size, seed, pixel_art, rim = _check_common(kind, "top_down", size, seed, pixel_art, rim)
    g = np.asarray(grids)
    if g.ndim != 4 or g.shape[2:] != (3, 3) or g.shape[0] < 1 or g.shape[1] < 1:
        raise invalid("grids", "must have shape (H, W, 3, 3)", g.shape)
    tex_a = _prepare_texture(texture_a, size, "texture_a", pixel_art)
    tex_b = _prepare_texture(texture_b, size, "texture_b", pixel_art)
    prm = _params(kind, size, seed, _auto_rim(rim, tex_a, tex_b), pixel_art)
    image, _ = _paint(_map_field(g.astype(np.int8), prm), tex_a, tex_b, prm)
    return image
