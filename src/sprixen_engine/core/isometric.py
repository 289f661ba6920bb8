"""Isometric tile geometry and the flat-texture → isometric projection kernels.

Every isometric tile is a ``(230, 130, 4)`` uint8 RGBA array (130×230 px) sharing one footprint.

Coordinates
-----------
Continuous *pixel-edge* coordinates: pixel ``[i, j]`` (row ``i``, column ``j``) covers
``j <= x < j + 1``, ``i <= y < i + 1``; its centre is ``(j + 0.5, i + 0.5)``. ``y`` grows downwards.

The footprint
-------------
A 2:1 diamond :data:`FOOT_W` × :data:`FOOT_H` = 130×66 filling the bottom 66 rows of the canvas:

==========  ============  =========================================
vertex      (x, y)        note
==========  ============  =========================================
top         (65, 164)     ``TILE_H - FOOT_H``
right       (130, 197)
bottom      (65, 230)     the bottom edge of the canvas (the anchor)
left        (0, 197)
centre      (65, 197)     :data:`FOOT_CENTER`
==========  ============  =========================================

:data:`BASELINE` = 229 is the *row index* of the lowest footprint row (its pixels' bottom edge is the
bottom vertex at y = 230). The footprint centre lies on the corner shared by pixels [196, 64], [196, 65],
[197, 64] and [197, 65]: an object standing on it has its lowest row at index 196 (``BASELINE - 33``).

Engine anchors: the tile's origin is the bottom vertex (65, 230) = the bottom-centre of the image, i.e. a
normalised pivot of (0.5, 1.0) with y down (Unity: (0.5, 0) with y up); the footprint centre (65, 197) is
82 px below the image centre (65, 115), normalised (0.5, 197/230). Tiled draws tile images bottom-aligned
on a 130×66 cell, so no tile offset is needed there.

Pixel rule (exact partition)
----------------------------
A pixel belongs to the footprint when its centre ``p`` satisfies ``0 <= u < 1`` and ``0 <= v < 1`` in
``p = top + u * (65, 33) + v * (-65, 33)``: ``u`` runs along the down-right edge, ``v`` along the
down-left edge. Both *top* edges are closed, both *bottom* edges open. The test is done in integers
(``4290 * u`` and ``4290 * v`` are integers at pixel centres up to a factor 2), so copies shifted by the
grid steps (±65, ±33), (±130, 0) and (0, ±66) partition the plane: no pixel is covered twice and none is
missed. The footprint has exactly 4290 pixels (= 130 * 66 / 2, the diamond's area).

Textures
--------
The texture square maps onto the footprint by the affine map ``(tx, ty) / S = (u, v)``: texture column
``tx`` runs along the down-right edge, texture row ``ty`` along the down-left edge. So the texture's
top row lies along the upper-right (NE) edge, its right column along the lower-right (SE) edge, its
bottom row along the lower-left (SW) edge and its left column along the upper-left (NW) edge. The
neighbour at (+65, +33) (map ``x + 1``) puts its left column against this tile's right column, and the
neighbour at (-65, +33) (map ``y + 1``) its top row against this tile's bottom row: a seamless (wrapping)
texture continues across tiles.

The footprint mask and the floor's texel index per texture size are computed once and cached read-only
(``functools.lru_cache``); nothing else is kept between calls.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache

import cv2
import numpy as np

from ..errors import invalid

#: tile canvas size in pixels (130×230)
TILE_W, TILE_H = 130, 230
#: footprint diamond size in pixels (130×66); also the isometric map cell size
FOOT_W, FOOT_H = 130, 66
#: half steps: neighbouring tiles sit at (±HALF_W, ±HALF_H)
HALF_W, HALF_H = FOOT_W // 2, FOOT_H // 2
#: row index of the footprint's lowest pixel row; the bottom vertex is at y = BASELINE + 1 = 230
BASELINE = TILE_H - 1
#: y of the footprint's top vertex (and row index of its top pixel row)
FOOT_TOP = TILE_H - FOOT_H
#: the tile's origin for engines: the footprint's bottom vertex, in pixel-edge coordinates
BOTTOM_VERTEX = (HALF_W, TILE_H)
#: the footprint centre in pixel-edge coordinates (where props stand)
FOOT_CENTER = (HALF_W, TILE_H - HALF_H)
#: screen height of a wall as tall as a footprint side (2:1 dimetric: 130 / √2 · cos 30° ≈ 79.6)
CUBE_H = 80
#: default and largest wall height in pixels
WALL_HEIGHT = 96
MAX_WALL_HEIGHT = TILE_H - FOOT_H
#: brightness of the wall faces (light from the upper left), multiplied into the sRGB values
SHADE = {"top": 1.0, "left": 0.8, "right": 0.6}
#: extra factor for the 1-px crease line on the side faces just under the top face
EDGE_SHADE = 0.8
#: texture sizes accepted (square, S × S)
MIN_TEXTURE, MAX_TEXTURE = 16, 256
#: smooth textures larger than this are area-reduced before the warp (the warp samples bilinearly)
SMOOTH_TEXTURE = 64
#: auto-scaled props fit in this box (width, height) and stand on the footprint centre
PROP_MAX_W, PROP_MAX_H = 100, FOOT_CENTER[1] - 10
#: contact shadow: peak opacity (0-255) and largest half-width (stays inside the footprint)
SHADOW_ALPHA, SHADOW_MAX_RX = 110, 44

_D = 4 * HALF_W * HALF_H  # 8580: u = U / _D, v = V / _D at pixel centres


def geometry() -> dict[str, object]:
    """The tile geometry as JSON-able numbers (written into tile metadata for exporters).

    Points are ``[x, y]`` in pixel-edge coordinates (y down) of the 130×230 image.
    """
    cx, cy = FOOT_CENTER
    return {
        "tile_size": [TILE_W, TILE_H],
        "footprint_size": [FOOT_W, FOOT_H],
        "grid_step": [HALF_W, HALF_H],
        "baseline_row": BASELINE,
        "anchor": list(BOTTOM_VERTEX),
        "anchor_normalized": [0.5, 1.0],
        "footprint_center": [cx, cy],
        "footprint_center_normalized": [0.5, round(cy / TILE_H, 6)],
        "footprint_center_from_image_center": [0, cy - TILE_H // 2],
        "footprint_vertices": {"top": [cx, FOOT_TOP], "right": [FOOT_W, cy], "bottom": [cx, TILE_H],
                               "left": [0, cy]},
        "pixel_rule": "pixel centres; top edges closed, bottom edges open",
    }


# ---------------------------------------------------------------------------------------- masks


def _uv_numerators(rows: np.ndarray, cols: np.ndarray, rise: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Integer ``(U, V)`` with ``u = U / 8580``, ``v = V / 8580`` at the centres of pixels ``[rows, cols]``.

    ``rise`` lifts the footprint by that many pixels (a wall's top face).
    """
    x2 = 2 * cols.astype(np.int32) + 1 - FOOT_W  # 2 * (x - 65)
    y2 = 2 * (rows.astype(np.int32) + rise) + 1 - 2 * FOOT_TOP  # 2 * (y - 164)
    return HALF_H * x2 + HALF_W * y2, HALF_W * y2 - HALF_H * x2


def _inside(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return (u >= 0) & (u < _D) & (v >= 0) & (v < _D)


@lru_cache(maxsize=1)
def _band_mask() -> np.ndarray:
    """The footprint rows 164-229 as a read-only (66, 130) uint8 mask, 255 inside (computed once)."""
    rows, cols = np.ogrid[FOOT_TOP:TILE_H, :TILE_W]
    band = _inside(*_uv_numerators(rows, cols)) * np.uint8(255)
    band.flags.writeable = False
    return band


def footprint_mask() -> np.ndarray:
    """The footprint diamond as a ``(230, 130)`` bool mask (see the module docstring for the pixel rule).

    Exactly 4290 pixels, rows 164-229; shifted copies at the grid steps partition the plane.

    Returns
    -------
    (TILE_H, TILE_W) bool ndarray
    """
    rows, cols = np.ogrid[:TILE_H, :TILE_W]
    return _inside(*_uv_numerators(rows, cols))


# ------------------------------------------------------------------------------------ validation


def _check_texture(texture: object, field: str = "texture") -> np.ndarray:
    if not isinstance(texture, np.ndarray):
        raise invalid(field, "must be a numpy uint8 array of shape (S, S, 3) or (S, S, 4)", type(texture).__name__)
    if texture.dtype != np.uint8:
        raise invalid(field, "array dtype must be uint8", str(texture.dtype))
    if texture.ndim != 3 or texture.shape[2] not in (3, 4):
        raise invalid(field, "array shape must be (S, S, 3) or (S, S, 4)", texture.shape)
    if texture.shape[0] != texture.shape[1]:
        raise invalid(field, "texture must be square (S, S)", texture.shape)
    if not MIN_TEXTURE <= texture.shape[0] <= MAX_TEXTURE:
        raise invalid(field, f"texture side must be {MIN_TEXTURE}-{MAX_TEXTURE} px", texture.shape)
    return np.ascontiguousarray(texture)


def _check_flag(value: object, field: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise invalid(field, "must be True or False", value)
    return bool(value)


# ------------------------------------------------------------------------------------------ warps


class _Sampler:
    """Samples a wrapping texture through affine maps: exact nearest texels, or bilinear.

    Nearest: a pixel whose centre maps to texture coordinates ``(tx, ty)`` (in texels) takes texel
    ``(floor(tx), floor(ty))`` mod S. The maps have small rational coefficients, so ``floor`` of the float64
    value nudged by 1e-9 is exact: points on a texel boundary take the texel after it, the same half-open
    rule as the footprint (cv2's nearest warp rounds coordinates to 1/1024 px and cannot promise that).
    Bilinear: ``cv2.warpAffine`` with wrapping borders; textures with transparency are premultiplied, and
    textures larger than :data:`SMOOTH_TEXTURE` px are area-reduced first (the warp only filters bilinearly).
    """

    def __init__(self, texture: np.ndarray, pixel_art: bool) -> None:
        self.pixel_art = pixel_art
        alpha = texture[:, :, 3] if texture.shape[2] == 4 else None
        self.premultiplied = not pixel_art and alpha is not None and bool((alpha < 255).any())
        if self.premultiplied:
            tex = texture.astype(np.float32)
            tex[:, :, :3] *= tex[:, :, 3:] / 255
        else:
            tex = texture[:, :, :3]
        if not pixel_art and tex.shape[0] > SMOOTH_TEXTURE:
            tex = cv2.resize(tex, (SMOOTH_TEXTURE, SMOOTH_TEXTURE), interpolation=cv2.INTER_AREA)
        self.texture = np.ascontiguousarray(tex)

    def warp(self, m: np.ndarray, shape_hw: tuple[int, int]) -> np.ndarray:
        """Sample at ``(tx, ty) = m @ (x, y, 1)`` for the pixel centres of a ``shape_hw`` region.

        ``m`` maps pixel-edge coordinates of the region to texture coordinates in units of the
        texture side (0-1 spans the texture once). Returns ``(h, w, 3)`` uint8 RGB.
        """
        s = self.texture.shape[0]
        h, w = shape_hw
        if self.pixel_art:
            return self.texture.reshape(s * s, 3).take(_texel_index(m, shape_hw, s), axis=0)
        # cv2 puts pixel centres at integers on both sides: shift by half a pixel in and out
        a = m[:, :2] * s
        t = (m[:, :2] @ np.array([0.5, 0.5]) + m[:, 2]) * s - 0.5
        out = cv2.warpAffine(self.texture, np.hstack([a, t[:, None]]), (w, h),
                             flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_WRAP)
        out = out.reshape(h, w, -1)
        if not self.premultiplied:
            return out
        alpha = out[:, :, 3:]
        rgb = out[:, :, :3] * (255 / np.maximum(alpha, 1e-3))
        rgb[alpha[:, :, 0] <= 0] = 0
        return np.clip(np.round(rgb), 0, 255).astype(np.uint8)


def _texel_index(m: np.ndarray, shape_hw: tuple[int, int], side: int) -> np.ndarray:
    """Flat index ``ty * side + tx`` of the texel under each pixel centre (nearest, exact; see :class:`_Sampler`)."""
    h, w = shape_hw
    xs = np.arange(w) + 0.5
    ys = np.arange(h)[:, None] + 0.5
    tx = np.floor((xs * m[0, 0] + (ys * m[0, 1] + m[0, 2])) * side + 1e-9).astype(np.intp) % side
    ty = np.floor((xs * m[1, 0] + (ys * m[1, 1] + m[1, 2])) * side + 1e-9).astype(np.intp) % side
    return ty * side + tx


@lru_cache(maxsize=32)
def _floor_index(side: int) -> np.ndarray:
    """Read-only (66, 130) texel index of the floor band; ``side * side`` (an extra empty texel) outside."""
    index = np.where(_band_mask() > 0, _texel_index(_floor_map(0, FOOT_TOP), (FOOT_H, TILE_W), side), side * side)
    index.flags.writeable = False
    return index


def _floor_map(rise: int, row0: int) -> np.ndarray:
    """Affine map (region pixel-edge coords → texture units) of the footprint lifted by ``rise``.

    The region starts at canvas row ``row0``, column 0.
    """
    # u = (x - 65) / 130 + (y - top) / 66,  v = (y - top) / 66 - (x - 65) / 130, y = y_region + row0
    dy0 = row0 - (FOOT_TOP - rise)
    return np.array([[1 / FOOT_W, 1 / FOOT_H, -HALF_W / FOOT_W + dy0 / FOOT_H],
                     [-1 / FOOT_W, 1 / FOOT_H, HALF_W / FOOT_W + dy0 / FOOT_H]])


def project_floor(texture: np.ndarray, *, pixel_art: bool = True) -> np.ndarray:
    """Project a seamless square texture onto the footprint diamond.

    Parameters
    ----------
    texture : (S, S, 3) or (S, S, 4) uint8 ndarray
        A seamless (wrapping) texture, 16 <= S <= 256. Its alpha, if any, only weights the filtering
        in smooth mode: the floor itself is opaque.
    pixel_art : bool
        ``True``: exact nearest neighbour (each pixel takes the texel under its centre, half-open like the
        footprint), so the tile uses only the texture's colours. ``False``: bilinear ``cv2.warpAffine`` with
        wrapping borders, on premultiplied colours (textures above 64 px are area-reduced to 64 px first).

    Returns
    -------
    (230, 130, 4) uint8 ndarray
        Alpha is exactly :func:`footprint_mask` (255 inside, 0 outside); RGB is 0 outside.

    Notes
    -----
    The map is exact and affine: texture ``(tx, ty)`` goes to ``top + tx / S * (65, 33) + ty / S * (-65, 33)``
    (see the module docstring for which texture edge meets which neighbour). Only the 66 footprint rows are
    warped.
    """
    tex = _check_texture(texture)
    pixel_art = _check_flag(pixel_art, "pixel_art")
    out = np.zeros((TILE_H, TILE_W, 4), np.uint8)
    if pixel_art:  # one gather through a cached index: opaque texels plus a transparent one for outside
        side = tex.shape[0]
        lut = np.zeros((side * side + 1, 4), np.uint8)
        lut[:-1, :3] = tex[:, :, :3].reshape(-1, 3)
        lut[:-1, 3] = 255
        band = lut.view(np.uint32).ravel().take(_floor_index(side))
        out[FOOT_TOP:] = band.view(np.uint8).reshape(FOOT_H, TILE_W, 4)
        return out
    rgb = _Sampler(tex, pixel_art).warp(_floor_map(0, FOOT_TOP), (FOOT_H, TILE_W))
    mask = _band_mask()
    out[FOOT_TOP:] = cv2.merge([cv2.bitwise_and(rgb, rgb, mask=mask), mask])
    return out


def project_wall(texture: np.ndarray, *, height: int = WALL_HEIGHT, pixel_art: bool = True,
                 edges: bool = True) -> np.ndarray:
    """A block standing on the footprint: a top face and two shaded side faces from one texture.

    Parameters
    ----------
    texture : (S, S, 3) or (S, S, 4) uint8 ndarray
        Seamless texture, 16 <= S <= 256 (as for :func:`project_floor`).
    height : int
        Block height in pixels, 1 to :data:`MAX_WALL_HEIGHT` (164). :data:`CUBE_H` (80) is a cube.
    pixel_art : bool
        Nearest-neighbour (``True``) or bilinear sampling, as for :func:`project_floor`.
    edges : bool
        Darken (×0.8) the 1-px line of side-face pixels just under the top face.

    Returns
    -------
    (230, 130, 4) uint8 ndarray
        Opaque block (alpha 255) on a transparent background.

    Notes
    -----
    - Top face: the floor projection lifted by ``height`` (same pixel rule).
    - Side faces: the vertical strips over the footprint's lower-left and lower-right edges. Their bottom
      edges are the footprint's (open) bottom edges, so the block meets neighbouring floors exactly and its
      bottom vertex sits on :data:`BASELINE`. The left face is columns 0-64, the right face 65-129.
    - Side textures stand upright: texture ``tx`` runs along the bottom edge (the left face continues the top
      face's lower-left edge, the right face continues the left face around the front corner), texture ``ty``
      runs down from the face's top edge, S texels per :data:`CUBE_H` px.
    - Shading (light from the upper left): sRGB values × :data:`SHADE` = top 1.0, left 0.8, right 0.6.
    """
    tex = _check_texture(texture)
    if isinstance(height, bool) or not isinstance(height, (int, np.integer)) or not 1 <= height <= MAX_WALL_HEIGHT:
        raise invalid("height", f"must be an integer between 1 and {MAX_WALL_HEIGHT}", height)
    pixel_art = _check_flag(pixel_art, "pixel_art")
    edges = _check_flag(edges, "edges")
    h = int(height)
    sampler = _Sampler(tex, pixel_art)
    row0 = FOOT_TOP - h
    rows, cols = np.ogrid[row0:TILE_H, :TILE_W]
    u0, v0 = _uv_numerators(rows, cols)
    uh, vh = _uv_numerators(rows, cols, rise=h)
    top = _inside(uh, vh)
    left = (cols < HALF_W) & (vh >= _D) & (v0 < _D)
    right = (cols >= HALF_W) & (uh >= _D) & (u0 < _D)

    shape = (TILE_H - row0, TILE_W)
    k = HALF_H / HALF_W
    # side faces: tx = (x - x_start) / 65, ty = (y - y_top(x)) / CUBE_H with y in canvas coordinates
    left_map = np.array([[1 / HALF_W, 0, 0],
                         [-k / CUBE_H, 1 / CUBE_H, (row0 - (TILE_H - HALF_H - h)) / CUBE_H]])
    right_map = np.array([[1 / HALF_W, 0, -1.0],
                          [k / CUBE_H, 1 / CUBE_H, (row0 - (TILE_H - h) - HALF_H) / CUBE_H]])
    shade = np.zeros(shape, np.float32)
    shade[top] = SHADE["top"]
    shade[left] = SHADE["left"]
    shade[right] = SHADE["right"]
    if edges:
        below_top = np.zeros(shape, bool)
        below_top[1:] = top[:-1]
        shade[below_top & (left | right)] *= EDGE_SHADE
    rgb = np.where(top[:, :, None], sampler.warp(_floor_map(h, row0), shape),
                   np.where(left[:, :, None], sampler.warp(left_map, shape), sampler.warp(right_map, shape)))
    solid = top | left | right
    out = np.zeros((TILE_H, TILE_W, 4), np.uint8)
    band = out[row0:]
    band[:, :, :3] = np.clip(np.round(rgb * shade[:, :, None]), 0, 255).astype(np.uint8)
    band[:, :, 3] = solid * np.uint8(255)
    return out


# ------------------------------------------------------------------------------------------- props


def _check_sprite(sprite: object) -> np.ndarray:
    if not isinstance(sprite, np.ndarray):
        raise invalid("sprite", "must be a numpy uint8 array of shape (H, W, 4)", type(sprite).__name__)
    if sprite.dtype != np.uint8:
        raise invalid("sprite", "array dtype must be uint8", str(sprite.dtype))
    if sprite.ndim != 3 or sprite.shape[2] != 4 or sprite.shape[0] < 1 or sprite.shape[1] < 1:
        raise invalid("sprite", "array shape must be (H, W, 4) with a transparent background", sprite.shape)
    if not (sprite[:, :, 3] > 0).any():
        raise invalid("sprite", "has no opaque pixels", sprite.shape)
    return sprite


def _contact_shadow(rx: float) -> np.ndarray:
    """A soft 2:1 ellipse (a ground circle) centred on the footprint centre, as a (230, 130) float alpha."""
    cx, cy = FOOT_CENTER
    ry = rx * HALF_H / HALF_W
    rows, cols = np.ogrid[:TILE_H, :TILE_W]
    r = np.sqrt(((cols + 0.5 - cx) / rx) ** 2 + ((rows + 0.5 - cy) / ry) ** 2)
    t = np.clip((1.0 - r) / 0.5, 0.0, 1.0)  # full strength inside half the radius, fading to 0 at the rim
    return SHADOW_ALPHA * t * t * (3 - 2 * t) * footprint_mask()


def place_prop(sprite: np.ndarray, *, shadow: bool = True, scale: int | None = None) -> np.ndarray:
    """Stand an object sprite on the footprint centre, with a soft contact shadow.

    Parameters
    ----------
    sprite : (H, W, 4) uint8 ndarray
        The object on a transparent background (any size; e.g. a 64×64 procedural sprite).
    shadow : bool
        Draw a soft elliptical shadow (black, up to 110/255 opaque) on the ground under the object,
        inside the footprint, before the object.
    scale : int or None
        Whole-number nearest-neighbour upscale factor (1-16). ``None``: the largest factor that keeps the
        object within :data:`PROP_MAX_W` × :data:`PROP_MAX_H` (100×187) and the canvas. An object larger than
        that at factor 1 is reduced (area filter on premultiplied alpha) to fit instead.

    Returns
    -------
    (230, 130, 4) uint8 ndarray

    Notes
    -----
    The sprite is cropped to its opaque pixels. Its anchor is the bottom-centre: the lowest opaque row, at the
    middle of that row's leftmost and rightmost opaque pixels. The anchor row lands on row 196 (its bottom edge
    on the footprint centre y = 197) and the anchor's middle on x = 65 (rounded down to a whole pixel when it
    falls on a pixel centre). The shadow's width follows the object's base (its lowest quarter), at most
    :data:`SHADOW_MAX_RX` (44) px half-width so it stays inside the footprint.
    """
    spr = _check_sprite(sprite)
    shadow = _check_flag(shadow, "shadow")
    if scale is not None and (isinstance(scale, bool) or not isinstance(scale, (int, np.integer))
                              or not 1 <= scale <= 16):
        raise invalid("scale", "must be None or an integer between 1 and 16", scale)
    opaque = spr[:, :, 3] > 0
    ys, xs = np.nonzero(opaque)
    spr = spr[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = spr.shape[:2]
    cx, cy = FOOT_CENTER

    def placed(img: np.ndarray) -> tuple[int, int]:
        """Top-left (row, col) of ``img`` in the tile when its anchor sits on the footprint centre."""
        bottom = np.nonzero(img[-1, :, 3] > 0)[0]
        mid2 = int(bottom[0] + bottom[-1] + 1)  # twice the anchor's x inside img
        return cy - img.shape[0], cx - (mid2 + 1) // 2

    def fits(img: np.ndarray) -> bool:
        top, left = placed(img)
        return top >= 0 and left >= 0 and left + img.shape[1] <= TILE_W

    if scale is None:
        k = max(1, min(PROP_MAX_W // w, PROP_MAX_H // h))
        while k > 1 and not fits(np.repeat(np.repeat(spr, k, 0), k, 1)):
            k -= 1
        img = np.repeat(np.repeat(spr, k, 0), k, 1)
        if not fits(img) or w > PROP_MAX_W or h > PROP_MAX_H:
            img = _shrink_to_fit(spr)
    else:
        img = np.repeat(np.repeat(spr, int(scale), 0), int(scale), 1)
        if not fits(img):
            raise invalid("scale", f"makes the {w}x{h} object ({img.shape[1]}x{img.shape[0]} px) overflow "
                          f"the {TILE_W}x{TILE_H} tile", scale)
    top, left = placed(img)
    ih, iw = img.shape[:2]

    out = np.zeros((TILE_H, TILE_W, 4), np.float32)  # premultiplied while compositing
    if shadow:
        base = img[ih - max(1, ih // 4):, :, 3] > 0
        cols = np.nonzero(base.any(axis=0))[0]
        rx = float(np.clip(0.6 * (cols[-1] - cols[0] + 1), 8, SHADOW_MAX_RX))
        out[:, :, 3] = _contact_shadow(rx)
    src = img.astype(np.float32)
    a = src[:, :, 3:] / 255
    region = out[top:top + ih, left:left + iw]
    region[:, :, :3] = src[:, :, :3] * a + region[:, :, :3] * (1 - a)
    region[:, :, 3:] = src[:, :, 3:] + region[:, :, 3:] * (1 - a)
    alpha = out[:, :, 3:]
    rgb = out[:, :, :3] * (255 / np.maximum(alpha, 1e-3))
    rgb[alpha[:, :, 0] < 0.5] = 0
    return np.dstack([np.clip(np.round(rgb), 0, 255), np.clip(np.round(alpha), 0, 255)]).astype(np.uint8)


def _shrink_to_fit(spr: np.ndarray) -> np.ndarray:
    """Reduce an object too large for the prop box (area filter, premultiplied alpha); keeps its anchor row."""
    h, w = spr.shape[:2]
    f = min(PROP_MAX_W / w, PROP_MAX_H / h, 1.0) * 0.98
    size = (max(1, int(w * f)), max(1, int(h * f)))
    a = spr[:, :, 3:].astype(np.float32) / 255
    pm = np.dstack([spr[:, :, :3] * a, a * 255])
    small = cv2.resize(pm, size, interpolation=cv2.INTER_AREA).reshape(size[1], size[0], 4)
    sa = small[:, :, 3:]
    rgb = small[:, :, :3] * (255 / np.maximum(sa, 1e-3))
    out = np.dstack([np.clip(np.round(rgb), 0, 255), np.clip(np.round(sa), 0, 255)]).astype(np.uint8)
    out[out[:, :, 3] == 0] = 0
    rows = np.nonzero((out[:, :, 3] > 0).any(axis=1))[0]
    return out[:rows[-1] + 1]


# ------------------------------------------------------------------------------------ map layout


def _check_cell(cell_w: object, cell_h: object) -> tuple[int, int]:
    for name, v in (("cell_w", cell_w), ("cell_h", cell_h)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 2 or v % 2:
            raise invalid(name, "must be an even integer >= 2", v)
    return int(cell_w), int(cell_h)


def cell_origin(x: int, y: int, cell_w: int = FOOT_W, cell_h: int = FOOT_H, *, layout: str = "isometric",
                tile_w: int = TILE_W, tile_h: int = TILE_H) -> tuple[int, int]:
    """Where the top-left of cell ``(x, y)``'s tile image goes on a map.

    ``layout="isometric"`` is Tiled's diamond layout: cell ``(x, y)`` has its footprint centre at
    ``((x - y) * cell_w / 2, (x + y) * cell_h / 2)``, the map frame having cell (0, 0)'s footprint centre at
    (0, 0); the ``tile_w`` × ``tile_h`` image is drawn bottom-aligned and centred on the cell. For the default
    130×230 tiles: ``((x - y) * 65 - 65, (x + y) * 33 - 197)``. ``layout="top_down"``: ``(x * cell_w, y * cell_h)``
    (the frame's origin is cell (0, 0)'s top-left). Draw in increasing ``x + y`` order (back to front).

    See Also
    --------
    cell_at : the reverse (which cell a map point falls in).
    """
    cw, ch = _check_cell(cell_w, cell_h)
    if layout == "top_down":
        return int(x) * cw, int(y) * ch
    if layout != "isometric":
        raise invalid("layout", "must be 'isometric' or 'top_down'", layout)
    return (int(x) - int(y)) * (cw // 2) - tile_w // 2, (int(x) + int(y)) * (ch // 2) + ch // 2 - tile_h


def cell_at(px: float, py: float, cell_w: int = FOOT_W, cell_h: int = FOOT_H, *,
            layout: str = "isometric") -> tuple[int, int]:
    """The cell ``(x, y)`` whose footprint contains the map point ``(px, py)`` (frames as in :func:`cell_origin`).

    Isometric footprints follow the tile pixel rule (top edges closed, bottom edges open), so for pixel centres
    ``cell_at(j + 0.5, i + 0.5)`` agrees with :func:`footprint_mask` of the tile drawn at :func:`cell_origin`.
    """
    cw, ch = _check_cell(cell_w, cell_h)
    if layout == "top_down":
        return math.floor(px / cw), math.floor(py / ch)
    if layout != "isometric":
        raise invalid("layout", "must be 'isometric' or 'top_down'", layout)
    # relative to cell (0, 0)'s top vertex (0, -ch / 2): u = dx / cw + dy / ch, v = dy / ch - dx / cw;
    # exact rationals, so points on an edge fall on the same side as in the pixel rule
    dx, dy = Fraction(px) / cw, (Fraction(py) + ch // 2) / ch
    return math.floor(dy + dx), math.floor(dy - dx)
