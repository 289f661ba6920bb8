"""A small pixel-art canvas that paints named parts with shaded materials.

Renderers (``humanoid.py``, ``creatures.py``, ``objects.py``) compose a sprite from
primitive shapes. Each shape belongs to a named part (``head``, ``arm_left`` ...) and
has a :class:`Material`: a five-tone ramp ``(outline, shadow, base, light, highlight)``
made from one base colour with hue-shifted shadows and highlights, as pixel artists do.
Shapes are shaded when painted, from one light direction (top-left by default):

- ``"sphere"``  ellipses lit like a ball (heads, bellies, slimes, fruit);
- ``"cylinder"`` capsules lit across their axis (limbs, tails, handles);
- ``"rim"``    any mask: a lit rim on the side facing the light, a shadow rim opposite;
- ``"flat"``   one tone.

:meth:`PartCanvas.render` adds a selective 1-px outline (a dark, hue-kept tone of the
neighbouring material, lighter on the lit side) and returns the RGBA image and one mask
per part. All coordinates are pixels, ``x`` to the right and ``y`` down; float coordinates
are rasterised with sub-pixel precision.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

import cv2
import numpy as np

RGB = tuple[int, int, int]

OUTLINE, SHADOW, BASE, LIGHT, HIGHLIGHT = range(5)
_MIN_STEP = 0.035  # least HLS lightness between a ramp's dark tones
_SHIFT = 4  # fractional bits for cv2 sub-pixel rasterisation
_ONE = 1 << _SHIFT


def _clamp01(v: float) -> float:
    return min(1.0, max(0.0, v))


def _shift_hue(h: float, target: float, amount: float) -> float:
    """Move hue ``h`` (0..1) toward ``target`` by ``amount`` (0..1 of a turn), the short way."""
    d = ((target - h + 0.5) % 1.0) - 0.5
    step = max(-abs(amount), min(abs(amount), d))
    return (h + step) % 1.0


@dataclass(frozen=True)
class Material:
    """A five-tone colour ramp, dark to light: outline, shadow, base, light, highlight."""

    ramp: tuple[RGB, RGB, RGB, RGB, RGB]

    @classmethod
    def from_base(cls, rgb: RGB, *, contrast: float = 1.0, glossy: bool = False) -> Material:
        """Derive a ramp from a base colour.

        Shadows get darker, more saturated and shift toward blue/purple; lights get
        brighter and shift toward yellow. ``contrast`` scales the tonal steps;
        ``glossy`` makes the highlight almost white (metal, gems, glass).
        """
        r, g, b = (c / 255.0 for c in rgb)
        h, lum, s = colorsys.rgb_to_hls(r, g, b)
        grey = s < 0.08

        def tone(dl: float, ds: float, hue_target: float, hue_amt: float) -> RGB:
            hh = h if grey else _shift_hue(h, hue_target, hue_amt)
            ll = _clamp01(lum + dl * contrast)
            ss = _clamp01(s + ds) if not grey else s
            rr, gg, bb = colorsys.hls_to_rgb(hh, ll, ss)
            return (round(rr * 255), round(gg * 255), round(bb * 255))

        # dark tones keep a visible step (_MIN_STEP lightness) even for near-black bases
        l_shadow = min(lum - min(0.22, lum * 0.55) * contrast, lum - _MIN_STEP)
        l_outline = min(max(0.06, lum * 0.28), l_shadow - _MIN_STEP)
        outline = tone((l_outline - lum) / max(contrast, 1e-6), 0.1, 0.70, 0.06)
        shadow = tone((l_shadow - lum) / max(contrast, 1e-6), 0.06, 0.70, 0.04)
        light = tone(min(0.14, (1 - lum) * 0.45), -0.02, 0.15, 0.03)
        if glossy:
            highlight = tone(min(0.40, (1 - lum) * 0.85), -0.25, 0.15, 0.03)
        else:
            highlight = tone(min(0.24, (1 - lum) * 0.65), -0.08, 0.15, 0.05)
        return cls((outline, shadow, tuple(int(c) for c in rgb), light, highlight))  # type: ignore[arg-type]

    @property
    def base(self) -> RGB:
        return self.ramp[BASE]


class PartCanvas:
    """Paints shaded shapes into an ``(h, w)`` RGBA canvas while tracking part ownership.

    Parameters
    ----------
    h, w : canvas height and width in pixels.
    light : 2-D direction *toward* the light in image coordinates, e.g. ``(-1, -1)`` =
        top-left. Normalised internally.
    """

    def __init__(self, h: int, w: int, *, light: tuple[float, float] = (-0.55, -0.8)) -> None:
        self.h, self.w = int(h), int(w)
        self.rgb = np.zeros((self.h, self.w, 3), np.uint8)
        self.alpha = np.zeros((self.h, self.w), np.uint8)
        self.part = np.full((self.h, self.w), -1, np.int16)
        self.mat = np.full((self.h, self.w), -1, np.int16)
        self.part_names: list[str] = []
        self.materials: list[Material] = []
        self._part_index: dict[str, int] = {}
        self._mat_index: dict[Material, int] = {}
        self._ramps: list[np.ndarray] = []
        lx, ly = light
        n = float(np.hypot(lx, ly)) or 1.0
        self.light2 = (lx / n, ly / n)
        lz = 0.9
        n3 = float(np.sqrt(lx * lx + ly * ly + lz * lz))
        self.light3 = (lx / n3, ly / n3, lz / n3)

    # ------------------------------------------------------------------ bookkeeping
    def part_id(self, name: str) -> int:
        """Index of part ``name`` in :attr:`part_names` (registered on first use)."""
        i = self._part_index.get(name)
        if i is None:
            i = self._part_index[name] = len(self.part_names)
            self.part_names.append(name)
        return i

    def material_id(self, material: Material) -> int:
        """Index of ``material`` in :attr:`materials` (registered on first use)."""
        i = self._mat_index.get(material)
        if i is None:
            i = self._mat_index[material] = len(self.materials)
            self.materials.append(material)
            self._ramps.append(np.array(material.ramp, np.uint8))
        return i

    @staticmethod
    def window(mask: np.ndarray, pad: int = 0) -> tuple[slice, slice] | None:
        """The bounding box of ``mask`` grown by ``pad`` pixels (clipped), or None if empty."""
        x, y, bw, bh = cv2.boundingRect(mask.view(np.uint8))
        if bw == 0:
            return None
        h, w = mask.shape
        return (slice(max(0, y - pad), min(h, y + bh + pad)), slice(max(0, x - pad), min(w, x + bw + pad)))

    def _blank(self) -> np.ndarray:
        return np.zeros((self.h, self.w), np.uint8)

    @staticmethod
    def _fx(v: float) -> int:
        return int(round(v * _ONE))

    # ------------------------------------------------------------------ rasterisers
    def ellipse_mask(self, center: tuple[float, float], radii: tuple[float, float],
                     angle: float = 0.0) -> np.ndarray:
        """Bool mask of a filled ellipse; ``radii`` = (rx, ry) in pixels, ``angle`` in degrees."""
        m = self._blank()
        cx, cy = center
        rx, ry = max(radii[0], 0.5), max(radii[1], 0.5)
        # cv2 ellipse radii are the distance from centre to the outermost pixel centre
        cv2.ellipse(m, (self._fx(cx - 0.5), self._fx(cy - 0.5)),
                    (self._fx(rx - 0.5), self._fx(ry - 0.5)), angle, 0, 360, 1, -1, cv2.LINE_8, _SHIFT)
        return m.astype(bool)

    def polygon_mask(self, points: list[tuple[float, float]]) -> np.ndarray:
        """Bool mask of a filled polygon with vertices in pixel-edge coordinates."""
        m = self._blank()
        pts = np.array([[self._fx(x - 0.5), self._fx(y - 0.5)] for x, y in points], np.int32)
        cv2.fillPoly(m, [pts], 1, cv2.LINE_8, _SHIFT)
        return m.astype(bool)

    def capsule_mask(self, p0: tuple[float, float], p1: tuple[float, float],
                     r0: float, r1: float | None = None) -> np.ndarray:
        """Bool mask of a tapered capsule from ``p0`` (radius ``r0``) to ``p1`` (radius ``r1``)."""
        r1 = r0 if r1 is None else r1
        x0, y0 = p0
        x1, y1 = p1
        dx, dy = x1 - x0, y1 - y0
        length = float(np.hypot(dx, dy))
        m = self.ellipse_mask(p0, (r0, r0)) | self.ellipse_mask(p1, (r1, r1))
        if length > 1e-6:
            nx, ny = -dy / length, dx / length
            quad = [(x0 + nx * r0, y0 + ny * r0), (x1 + nx * r1, y1 + ny * r1),
                    (x1 - nx * r1, y1 - ny * r1), (x0 - nx * r0, y0 - ny * r0)]
            m |= self.polygon_mask(quad)
        return m

    def line_mask(self, p0: tuple[float, float], p1: tuple[float, float]) -> np.ndarray:
        """Bool mask of a 1-px line (8-connected) between pixel centres."""
        m = self._blank()
        cv2.line(m, (int(round(p0[0])), int(round(p0[1]))), (int(round(p1[0])), int(round(p1[1]))), 1, 1,
                 cv2.LINE_8)
        return m.astype(bool)

    # ------------------------------------------------------------------ shading
    def tones_sphere(self, mask: np.ndarray, center: tuple[float, float], radii: tuple[float, float],
                      highlight: bool) -> np.ndarray:
        ys, xs = _nonzero(mask)
        u = (xs + 0.5 - center[0]) / max(radii[0], 0.5)
        v = (ys + 0.5 - center[1]) / max(radii[1], 0.5)
        nz = np.sqrt(np.clip(1.0 - u * u - v * v, 0.0, 1.0))
        lx, ly, lz = self.light3
        lum = u * lx + v * ly + nz * lz
        return self._quantise(lum, highlight, ys, xs)

    def tones_cylinder(self, mask: np.ndarray, p0: tuple[float, float], p1: tuple[float, float],
                        radius: float, highlight: bool) -> np.ndarray:
        dx, dy = p1[0] - p0[0], p1[1] - p0[1]
        length = float(np.hypot(dx, dy)) or 1.0
        nx, ny = -dy / length, dx / length
        ys, xs = _nonzero(mask)
        u = ((xs + 0.5 - p0[0]) * nx + (ys + 0.5 - p0[1]) * ny) / max(radius, 0.5)
        u = np.clip(u, -1.0, 1.0)
        nz = np.sqrt(1.0 - u * u)
        lx, ly, lz = self.light3
        lum = u * (nx * lx + ny * ly) + nz * lz
        return self._quantise(lum, highlight, ys, xs)

    def _tones_rim(self, mask: np.ndarray, depth: int, highlight: bool) -> np.ndarray:
        out = np.full(mask.shape, -1, np.int8)
        win = self.window(mask)
        if win is not None:
            out[win] = self._tones_rim_window(mask[win], depth, highlight)
        return out

    def _tones_rim_window(self, mask: np.ndarray, depth: int, highlight: bool) -> np.ndarray:
        lx, ly = self.light2
        sx, sy = int(np.sign(round(lx * 1.4))), int(np.sign(round(ly * 1.4)))
        tones = np.where(mask, BASE, -1).astype(np.int8)
        toward = shifted(mask, -sx, -sy)  # toward[y, x] = mask[y+sy, x+sx]: the pixel nearer the light
        tones[mask & ~toward] = LIGHT
        away = mask.copy()
        for k in range(1, depth + 1):
            away &= shifted(mask, sx * k, sy * k)
        tones[mask & ~away & (tones != LIGHT)] = SHADOW
        if highlight:
            lit2 = mask & ~shifted(mask, -sx * 2, -sy * 2) & (tones == BASE)
            tones[lit2] = LIGHT
        return tones

    @staticmethod
    def _quantise(lum: np.ndarray, highlight: bool, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        t = np.full(lum.shape, BASE, np.int8)
        t[lum < 0.42] = SHADOW
        t[lum > 0.80] = LIGHT
        if highlight:
            t[lum > 0.94] = HIGHLIGHT
        return t, ys, xs  # type: ignore[return-value]

    # ------------------------------------------------------------------ painting
    def paint(self, part: str, mask: np.ndarray, material: Material, tones, *, inner: str | None,
               behind: bool = False) -> np.ndarray:
        """Paint ``mask`` with ``material`` tones. ``tones`` is an int8 (h, w) array or (t, ys, xs).

        Works inside the mask's bounding box (plus 1 px for the separating line) only.
        """
        win = self.window(mask, 1)
        if win is None:
            return mask
        m = mask[win]
        if behind:
            m = m & (self.alpha[win] == 0)
        pid, mid = self.part_id(part), self.material_id(material)
        if isinstance(tones, tuple):
            t, ys, xs = tones
            tw = np.full(m.shape, -1, np.int8)
            tw[ys - win[0].start, xs - win[1].start] = t
        else:
            tw = tones[win]
        alpha, prt, rgb = self.alpha[win], self.part[win], self.rgb[win]
        under = ((alpha > 0) & (prt != pid)) if inner is not None else None
        ramp = self._ramps[mid]
        sel = m & (tw >= 0)
        rgb[sel] = ramp[tw[sel]]
        alpha[sel] = 255
        prt[sel] = pid
        self.mat[win][sel] = mid
        if under is not None and under.any():
            # the shape's own edge pixels that sit over another part get a separating line
            edge = sel & ~erode4(sel) & dilate4(under & ~sel)
            rgb[edge] = ramp[OUTLINE if inner == "line" else SHADOW]
        out = np.zeros(mask.shape, bool)
        out[win] = sel
        return out

    def ellipse(self, part: str, center: tuple[float, float], radii: tuple[float, float],
                material: Material, *, shading: str = "sphere", highlight: bool = True,
                inner: str | None = None, angle: float = 0.0, behind: bool = False) -> np.ndarray:
        """Paint an ellipse; returns the painted bool mask."""
        m = self.ellipse_mask(center, radii, angle)
        if shading == "sphere":
            tones = self.tones_sphere(m, center, radii, highlight)
        else:
            tones = self._tones_for(m, shading, highlight)
        return self.paint(part, m, material, tones, inner=inner, behind=behind)

    def capsule(self, part: str, p0: tuple[float, float], p1: tuple[float, float], r0: float,
                material: Material, *, r1: float | None = None, shading: str = "cylinder",
                highlight: bool = False, inner: str | None = None, behind: bool = False) -> np.ndarray:
        """Paint a (tapered) capsule, e.g. a limb from joint ``p0`` to joint ``p1``."""
        m = self.capsule_mask(p0, p1, r0, r1)
        if shading == "cylinder":
            tones = self.tones_cylinder(m, p0, p1, max(r0, r1 if r1 is not None else r0), highlight)
        else:
            tones = self._tones_for(m, shading, highlight)
        return self.paint(part, m, material, tones, inner=inner, behind=behind)

    def polygon(self, part: str, points: list[tuple[float, float]], material: Material, *,
                shading: str = "rim", highlight: bool = False, inner: str | None = None,
                behind: bool = False) -> np.ndarray:
        """Paint a polygon (vertices in pixel-edge coordinates)."""
        m = self.polygon_mask(points)
        return self.paint(part, m, material, self._tones_for(m, shading, highlight), inner=inner,
                           behind=behind)

    def rect(self, part: str, x0: float, y0: float, x1: float, y1: float, material: Material, *,
             shading: str = "rim", highlight: bool = False, inner: str | None = None,
             behind: bool = False) -> np.ndarray:
        """Paint the axis-aligned rectangle covering pixels ``x0 <= x < x1``, ``y0 <= y < y1``."""
        return self.polygon(part, [(x0, y0), (x1, y0), (x1, y1), (x0, y1)], material,
                            shading=shading, highlight=highlight, inner=inner, behind=behind)

    def mask(self, part: str, mask: np.ndarray, material: Material, *, shading: str = "rim",
             highlight: bool = False, inner: str | None = None, behind: bool = False) -> np.ndarray:
        """Paint an arbitrary bool ``(h, w)`` mask."""
        return self.paint(part, mask, material, self._tones_for(mask, shading, highlight), inner=inner,
                           behind=behind)

    def _tones_for(self, mask: np.ndarray, shading: str, highlight: bool) -> np.ndarray:
        if shading == "flat":
            return np.where(mask, BASE, -1).astype(np.int8)
        if shading == "rim":
            depth = 1 if min(self.h, self.w) < 48 else 2
            return self._tones_rim(mask, depth, highlight)
        raise ValueError(f"shading: must be one of sphere, cylinder, rim, flat (got {shading!r})")

    def detail(self, mask: np.ndarray, color: RGB, *, part: str | None = None, only_on: bool = True) -> None:
        """Paint flat ``color`` pixels (eyes, belts, rivets). Keeps the part under them unless ``part``.

        With ``only_on`` the detail is clipped to already-opaque pixels.
        """
        sel = mask & (self.alpha > 0) if only_on else mask
        self.rgb[sel] = color
        self.alpha[sel] = 255
        if part is not None:
            self.part[sel] = self.part_id(part)
        elif not only_on:
            self.part[sel & (self.part < 0)] = self.part_id("accessory")

    def pixel(self, x: float, y: float, color: RGB, *, part: str | None = None) -> None:
        """Paint one pixel (clipped to the canvas, painted even on transparent pixels)."""
        xi, yi = int(np.floor(x)), int(np.floor(y))
        if 0 <= xi < self.w and 0 <= yi < self.h:
            self.rgb[yi, xi] = color
            self.alpha[yi, xi] = 255
            if part is not None or self.part[yi, xi] < 0:
                self.part[yi, xi] = self.part_id(part or "accessory")

    def tone_of(self, part: str, tone: int) -> RGB | None:
        """The ramp colour ``tone`` of the material most used by ``part`` (None if absent)."""
        if part not in self.part_names:
            return None
        m = self.mat[self.part == self.part_names.index(part)]
        if m.size == 0:
            return None
        return self.materials[int(np.bincount(m[m >= 0]).argmax())].ramp[tone]

    # ------------------------------------------------------------------ output
    def render(self, *, outline: bool = True) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Finish the sprite.

        Returns
        -------
        rgba : ``(h, w, 4)`` uint8 with hard alpha.
        parts : part name → ``(h, w)`` bool mask (outline pixels go to the adjacent part).
        """
        rgb, alpha, part, mat = self.rgb.copy(), self.alpha.copy(), self.part.copy(), self.mat.copy()
        if outline and self.materials:
            opaque = alpha > 0
            ring = dilate4(opaque) & ~opaque
            ys, xs = np.nonzero(ring)
            if ys.size:
                lx, ly = self.light2
                outl = np.array([m.ramp[OUTLINE] for m in self.materials], np.float32)
                shad = np.array([m.ramp[SHADOW] for m in self.materials], np.float32)
                # neighbour lookup in the order right, left, down, up; take the first opaque one
                best_m = np.full(ys.shape, -1, np.int32)
                best_p = np.full(ys.shape, -1, np.int32)
                lit = np.zeros(ys.shape, bool)
                for dx, dy in ((0, 1), (0, -1), (1, 0), (-1, 0)):
                    ny, nx = ys + dy, xs + dx
                    ok = (ny >= 0) & (ny < self.h) & (nx >= 0) & (nx < self.w)
                    ny, nx = np.clip(ny, 0, self.h - 1), np.clip(nx, 0, self.w - 1)
                    has = ok & opaque[ny, nx] & (best_m < 0)
                    best_m[has] = mat[ny[has], nx[has]]
                    best_p[has] = part[ny[has], nx[has]]
                    # the ring pixel lies on the light side of its neighbour
                    lit[has] = (-dx * lx - dy * ly) > 0.5
                best_m = np.maximum(best_m, 0)
                col = outl[best_m]
                col[lit] = 0.55 * outl[best_m[lit]] + 0.45 * shad[best_m[lit]]
                rgb[ys, xs] = np.round(col).astype(np.uint8)
                alpha[ys, xs] = 255
                part[ys, xs] = best_p
        rgba = np.dstack([rgb, alpha])
        rgba[alpha == 0] = 0
        parts = {name: part == i for i, name in enumerate(self.part_names)}
        return rgba, {k: v for k, v in parts.items() if v.any()}


def _nonzero(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.nonzero`` of a 2-D mask, searched inside its bounding box only."""
    x, y, bw, bh = cv2.boundingRect(mask.view(np.uint8))
    ys, xs = np.nonzero(mask[y:y + bh, x:x + bw])
    return ys + y, xs + x


def shifted(mask: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """``out[y, x] = mask[y - dy, x - dx]`` (False outside): the mask moved by ``(dx, dy)``."""
    out = np.zeros_like(mask)
    h, w = mask.shape
    ys0, ys1 = max(0, dy), min(h, h + dy)
    xs0, xs1 = max(0, dx), min(w, w + dx)
    if ys1 > ys0 and xs1 > xs0:
        out[ys0:ys1, xs0:xs1] = mask[ys0 - dy:ys1 - dy, xs0 - dx:xs1 - dx]
    return out


_CROSS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], np.uint8)


def dilate4(mask: np.ndarray) -> np.ndarray:
    return cv2.dilate(mask.astype(np.uint8), _CROSS).astype(bool)


def erode4(mask: np.ndarray) -> np.ndarray:
    return cv2.erode(mask.astype(np.uint8), _CROSS, borderType=cv2.BORDER_CONSTANT, borderValue=0).astype(bool)
