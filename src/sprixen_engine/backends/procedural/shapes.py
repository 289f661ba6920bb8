"""Shared drawing helpers for the item and prop renderers (``items.py``, ``props.py``).

- :class:`Ctx` bundles one sprite's canvas, resolved colours/materials, rng and size class, the
  seeded design choices (:attr:`Ctx.form`, :meth:`Ctx.pick`, :meth:`Ctx.vary` ...), and finishes
  the sprite (margin, outline, :func:`~sprixen_engine.core.palette.merge_rare_colors`, parts).
- :class:`Box` is a drawing box: centred (items) or standing on the ground (props).
- :class:`Frame` maps local ``(t, s)`` coordinates along an axis (``t`` along, ``s`` across,
  ``+s`` toward the upper-left / the light) to canvas pixels: long weapons are drawn in it.
- Tone helpers paint arbitrary masks with sphere/linear shading from the canvas' light
  (:func:`paint_sphere`, :func:`paint_split`; painting goes through the canvas' windowed
  painter), and texture helpers add planks, cracks, speckles, flames and leaf clusters.

Everything is vectorised on the (small) canvas arrays; only the ``rng`` handed in is used.
"""

from __future__ import annotations

import colorsys
import math
import zlib
from collections.abc import Iterable, Mapping, Sequence

import cv2
import numpy as np

from ...core.palette import merge_rare_colors
from ..base import RenderedSprite, SpriteSpec
from .canvas import BASE, HIGHLIGHT, LIGHT, OUTLINE, RGB, SHADOW, Material, PartCanvas, shifted
from .canvas import dilate4 as dilate4
from .canvas import erode4 as erode4
from .palettes import hue_shift, materials, resolve_colors

__all__ = ["BASE", "HIGHLIGHT", "LIGHT", "OUTLINE", "SHADOW", "Box", "Ctx", "Frame", "dilate4", "erode4"]

_GLOSSY = ("metal", "steel", "gold", "gem", "glass", "blade", "silver", "crystal", "orb")
MAX_COLORS = 32


# ---------------------------------------------------------------------------- colours
def _rgb(v: Sequence[int]) -> RGB:
    return tuple(int(c) for c in v)  # type: ignore[return-value]


def nudge(rgb: RGB, rng: np.random.Generator, *, hue: float = 0.015, light: float = 0.05) -> RGB:
    """``rgb`` with a small seeded hue turn and lightness change (no two oaks quite the same green)."""
    h, lum, s = colorsys.rgb_to_hls(*(c / 255.0 for c in rgb))
    lum = min(1.0, max(0.0, lum * (1.0 + float(rng.uniform(-light, light)))))
    r, g, b = colorsys.hls_to_rgb((h + float(rng.uniform(-hue, hue))) % 1.0, lum, s)
    return (round(r * 255), round(g * 255), round(b * 255))


def resolve_look_colors(ctx: Ctx) -> dict[str, RGB]:
    """The colours for one sprite from its ``look`` table.

    ``look.colors`` holds the slots; ``look.recolorable`` the slots prompt colours replace, in
    order (main material first). Seeds and variants choose among designed alternatives:

    - ``look.choices`` (slot → list of RGB): each slot independently keeps its colour or takes
      one of the alternatives, by the sprite's rng (gem colours, wood tones, grip wraps);
    - ``look.variant_colors``: designed palettes (slot overrides: silver and copper coins);
      :meth:`Ctx.pick` chooses one per request seed, and the variants of one request take the
      following ones;
    - without ``variant_colors`` a palette is a seeded 0.12–0.42 hue turn of ``variant_slots``
      (default: the main slot);
    - finally the main slot gets a small seeded :func:`nudge`.

    ``look.derive`` (slot → ``[source, f]``) re-derives a slot from a prompt-recoloured source
    slot, mixed ``f`` of the way to white (a blue flame gets a pale blue core, not a yellow one).

    Prompt colours always win; style grading comes last.
    """
    look, rng, spec = ctx.look, ctx.rng, ctx.spec
    base = {k: _rgb(v) for k, v in look.get("colors", {}).items()}
    rec = list(look.get("recolorable", ("primary", "secondary")))
    for slot, options in look.get("choices", {}).items():
        k = int(rng.integers(0, len(options) + 1))
        if k:
            base[slot] = _rgb(options[k - 1])
    vcols = look.get("variant_colors")
    if vcols:
        for slot, rgb in vcols[ctx.pick("palette", len(vcols))].items():
            base[slot] = _rgb(rgb)
    else:
        k = ctx.pick("palette", 3)
        turns = float(rng.uniform(0.12, 0.42)) * (0, 1, -1)[k]
        for slot in look.get("variant_slots", rec[:1]):
            if slot in base and turns:
                base[slot] = hue_shift(base[slot], turns)
    if rec[0] in base:
        base[rec[0]] = nudge(base[rec[0]], rng)
    fixed = dict(zip(rec, spec.colors))
    for slot, (src, f) in look.get("derive", {}).items():
        if src in fixed and slot not in fixed:
            base[slot] = mix(_rgb(fixed[src]), (255, 255, 255), float(f))
    return resolve_colors(base, prompt_colors=spec.colors, recolorable=rec, styles=spec.style, variant=0)


# ---------------------------------------------------------------------------- context
def draw_shape(shapes: Mapping, fallback, spec: SpriteSpec, look: Mapping,
               rng: np.random.Generator) -> tuple[Ctx, dict]:
    """Draw ``spec`` with the function ``shapes`` names for ``look.shape`` (or the subject id, else
    ``fallback``); returns the context and its pivots, with ``center`` filled in."""
    look = look or {}
    shape = str(look.get("shape", spec.subject))
    fn = shapes.get(shape) or shapes.get(spec.subject) or fallback
    ctx = Ctx(spec, look, rng)
    pivots = dict(fn(ctx) or {})
    pivots.setdefault("center", ctx.centre())
    return ctx, pivots


class Ctx:
    """One sprite being drawn: canvas, size class, colours, materials and rng."""

    def __init__(self, spec: SpriteSpec, look: Mapping, rng: np.random.Generator) -> None:
        h, w = (int(v) for v in spec.size)
        self.spec, self.look, self.rng = spec, look, rng
        self.h, self.w = h, w
        self.m = min(h, w)
        self.small = self.m < 24      # 16..23 px: no tiny details
        self.large = self.m >= 48     # richer detail
        v = self.variant = int(spec.variant)
        # the Engine renders variant v of a request with the request's seed + v
        self.request = (int(spec.seed) - v) & 0xFFFFFFFF
        self._salt = zlib.crc32(spec.subject.encode())
        # the design, (variant - request seed + salt) mod 3, rotates with the seed, and the three
        # variants of one request get three designs, rendered as the Engine does (seed = request
        # + v) or all with one seed (then the design moves by 2 per variant)
        self.form = (v - (int(spec.seed) - v) + self._salt) % 3
        self.styles = tuple(spec.style)
        self.cv = PartCanvas(h, w)
        self.cols = resolve_look_colors(self)
        glossy = tuple(look.get("glossy", _GLOSSY))
        self.mats: dict[str, Material] = materials(self.cols, self.styles, glossy=glossy)
        self.yy, self.xx = np.mgrid[0:h, 0:w]
        self.pxc = self.xx + 0.5  # pixel centres
        self.pyc = self.yy + 0.5

    # -- style flags
    def has(self, *names: str) -> bool:
        """Whether the prompt asked for any of ``names`` as a style or named it as a modifier."""
        return any(n in self.styles or n in self.spec.modifiers for n in names)

    @property
    def dark(self) -> bool:
        return self.has("dark_fantasy", "horror")

    @property
    def icy(self) -> bool:
        return self.has("ice")

    @property
    def cute(self) -> bool:
        return self.has("cute")

    def mat(self, slot: str, fallback: RGB = (128, 128, 128)) -> Material:
        if slot not in self.mats:
            self.mats[slot] = Material.from_base(fallback)
        return self.mats[slot]

    def col(self, slot: str, tone: int = BASE) -> RGB:
        return self.mat(slot).ramp[tone]

    def owned(self, part: str) -> np.ndarray:
        """The pixels painted so far that belong to ``part``."""
        return self.cv.part == self.cv.part_id(part)

    def num(self, key: str, default: float) -> float:
        return float(self.look.get(key, default))

    # -- seeded choices
    def pick(self, name: str, n: int) -> int:
        """Choice ``name`` among ``n`` options: seeded by the request, the next one for each variant."""
        return (zlib.crc32(f"{name}:{self.request}".encode()) + self._salt + self.variant) % n

    def jit(self, amount: float) -> float:
        """A seeded offset in ``[-amount, amount]``."""
        return float(self.rng.uniform(-amount, amount))

    def vary(self, x: float, frac: float) -> float:
        """``x`` scaled by a seeded factor in ``[1 - frac, 1 + frac]`` (proportion jitter)."""
        return x * (1.0 + float(self.rng.uniform(-frac, frac)))

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def choose(self, options: Sequence):
        """One of ``options``, by the sprite's rng."""
        return options[int(self.rng.integers(0, len(options)))]

    # -- finishing
    def finish(self, pivots: Mapping[str, tuple[float, float]], *, facing: str = "front",
               min_piece: int = 3) -> RenderedSprite:
        margin = np.ones((self.h, self.w), bool)
        margin[1:-1, 1:-1] = False
        self.erase(margin)
        self._drop_specks(min_piece)
        rgba, parts = self.cv.render(outline=True)
        rgba, palette = merge_rare_colors(rgba, MAX_COLORS)
        opaque = rgba[..., 3] > 0
        parts["body"] = opaque
        piv = {k: (float(min(max(x, 0.0), self.w - 1.0)), float(min(max(y, 0.0), self.h - 1.0)))
               for k, (x, y) in pivots.items()}
        return RenderedSprite(rgba=rgba, parts=parts, pivots=piv, facing=facing, palette=palette)

    def erase(self, mask: np.ndarray) -> None:
        """Make the pixels of ``mask`` transparent again."""
        self.cv.alpha[mask] = 0
        self.cv.part[mask] = -1

    def below(self, mask: np.ndarray, y: float) -> np.ndarray:
        """Erase the pixels of ``mask`` below row ``y`` (a flat bottom on the ground); returns the rest."""
        cut = mask & (self.pyc > y)
        self.erase(cut)
        return mask & ~cut

    def _drop_specks(self, min_piece: int) -> None:
        """Remove stray rasterisation specks: components smaller than ``min_piece`` pixels."""
        if min_piece <= 1:
            return
        n, lab, stats, _ = cv2.connectedComponentsWithStats((self.cv.alpha > 0).astype(np.uint8), connectivity=8)
        if n > 2:
            small = np.nonzero(stats[1:, cv2.CC_STAT_AREA] < min_piece)[0] + 1
            if small.size:
                self.erase(np.isin(lab, small))

    def bbox(self) -> tuple[int, int, int, int]:
        """Opaque bounding box ``(x0, y0, x1, y1)`` inclusive of the drawn (pre-outline) pixels."""
        win = self.cv.window(self.cv.alpha > 0)
        if win is None:
            return (0, 0, self.w - 1, self.h - 1)
        return win[1].start, win[0].start, win[1].stop - 1, win[0].stop - 1

    def ground_pivot(self, part_names: Iterable[str] | None = None) -> tuple[float, float]:
        """Bottom centre of the lowest row of the given parts (all if None), before the outline."""
        cv = self.cv
        if part_names is None:
            m = cv.alpha > 0
        else:
            ids = [cv.part_names.index(p) for p in part_names if p in cv.part_names]
            m = np.isin(cv.part, ids) if ids else cv.alpha > 0
        ys, xs = np.nonzero(m)
        if ys.size == 0:
            return (self.w / 2, self.h - 1.0)
        yb = ys.max()
        row = xs[ys == yb]
        return (float(row.min() + row.max() + 1) / 2.0, float(min(yb + 1, self.h - 1)))

    def centre(self) -> tuple[float, float]:
        x0, y0, x1, y1 = self.bbox()
        return ((x0 + x1 + 1) / 2.0, (y0 + y1 + 1) / 2.0)


# ---------------------------------------------------------------------------- frames
class Frame:
    """Local coordinates along the axis ``a → b``: ``p(t, s) = a + t·d + s·n``.

    ``t`` runs from 0 at ``a`` to :attr:`L` at ``b`` (pixels); ``n`` is ``d`` turned a quarter
    counter-clockwise on screen, so for an axis pointing up-right ``+s`` is the upper-left side.
    """

    def __init__(self, a: tuple[float, float], b: tuple[float, float]) -> None:
        self.ax, self.ay = float(a[0]), float(a[1])
        dx, dy = float(b[0]) - self.ax, float(b[1]) - self.ay
        self.L = math.hypot(dx, dy) or 1.0
        self.dx, self.dy = dx / self.L, dy / self.L
        self.nx, self.ny = self.dy, -self.dx

    def p(self, t: float, s: float = 0.0) -> tuple[float, float]:
        return (self.ax + t * self.dx + s * self.nx, self.ay + t * self.dy + s * self.ny)

    def u(self, u: float, s: float = 0.0) -> tuple[float, float]:
        """Like :meth:`p` with ``t = u·L`` (``u`` a fraction of the axis)."""
        return self.p(u * self.L, s)

    def local(self, ctx: Ctx) -> tuple[np.ndarray, np.ndarray]:
        """Per-pixel ``(t, s)`` of the canvas pixel centres."""
        rx, ry = ctx.pxc - self.ax, ctx.pyc - self.ay
        return rx * self.dx + ry * self.dy, rx * self.nx + ry * self.ny

    def band(self, us: Sequence[float], centre: Sequence[float], half: Sequence[float]) -> list[tuple[float, float]]:
        """Polygon of a band along the axis: at each ``u`` the centre offset and half width (pixels)."""
        left = [self.u(u, c + hw) for u, c, hw in zip(us, centre, half)]
        right = [self.u(u, c - hw) for u, c, hw in zip(us, centre, half)]
        return left + right[::-1]


class Box:
    """A drawing box on the canvas; ``x(f)``/``y(f)``/``p(fx, fy)`` map fractions of it to pixels.

    :meth:`centred` is an item's box, :meth:`grounded` a prop's, standing on the bottom margin.
    """

    def __init__(self, x0: float, y0: float, w: float, h: float) -> None:
        self.x0, self.y0, self.W, self.H = x0, y0, w, h
        self.s = min(w, h)

    @staticmethod
    def _aspect(ctx: Ctx, aspect: float, stretch: float) -> float:
        """``aspect`` pulled ``stretch`` (0..1) of the way toward the drawable area's aspect."""
        return aspect * (((ctx.w - 2.0) / (ctx.h - 2.0)) / aspect) ** stretch

    @classmethod
    def centred(cls, ctx: Ctx, aspect: float, fill: float = 0.88, *, stretch: float = 0.0) -> Box:
        """The largest box of ``aspect`` (w/h) within ``fill`` of the drawable area, centred."""
        aspect = cls._aspect(ctx, aspect, stretch)
        bw, bh = (ctx.w - 2.0) * fill, (ctx.h - 2.0) * fill
        if bw / bh > aspect:
            bw = bh * aspect
        else:
            bh = bw / aspect
        return cls(ctx.w / 2.0 - bw / 2, ctx.h / 2.0 - bh / 2, bw, bh)

    @classmethod
    def grounded(cls, ctx: Ctx, aspect: float, hfill: float = 0.94, *, wfill: float = 0.96,
                 stretch: float = 0.35, top: bool = False) -> Box:
        """A box ``hfill`` of the drawable height tall (narrowed to ``wfill`` of the width if need be),
        centred horizontally on the bottom margin (``top``: hanging from the top margin)."""
        aspect = cls._aspect(ctx, aspect, stretch)
        bh = (ctx.h - 2.0) * hfill
        bw = bh * aspect
        if bw > (ctx.w - 2.0) * wfill:
            bw = (ctx.w - 2.0) * wfill
            bh = bw / aspect
        return cls(ctx.w / 2.0 - bw / 2, 1.0 if top else ctx.h - 1.0 - bh, bw, bh)

    def x(self, f: float) -> float:
        return self.x0 + f * self.W

    def y(self, f: float) -> float:
        return self.y0 + f * self.H

    def p(self, fx: float, fy: float) -> tuple[float, float]:
        return (self.x0 + fx * self.W, self.y0 + fy * self.H)

    def pts(self, fs: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
        return [self.p(fx, fy) for fx, fy in fs]

    @property
    def bottom(self) -> float:
        return self.y0 + self.H


# ---------------------------------------------------------------------------- tones
def sphere_lum(ctx: Ctx, center: tuple[float, float], radii: tuple[float, float]) -> np.ndarray:
    """Per-pixel lighting (about -1..1, whole canvas) of a ball lit from the canvas light."""
    lx, ly, lz = ctx.cv.light3
    u = (ctx.pxc - center[0]) / max(radii[0], 0.5)
    v = (ctx.pyc - center[1]) / max(radii[1], 0.5)
    nz = np.sqrt(np.clip(1.0 - u * u - v * v, 0.0, 1.0))
    return u * lx + v * ly + nz * lz


def quantise(lum: np.ndarray, *, highlight: bool = False) -> np.ndarray:
    """Tone indices from lighting, with the canvas' thresholds."""
    t = np.full(lum.shape, BASE, np.int8)
    t[lum < 0.42] = SHADOW
    t[lum > 0.80] = LIGHT
    if highlight:
        t[lum > 0.94] = HIGHLIGHT
    return t


def sphere_tones(ctx: Ctx, center: tuple[float, float], radii: tuple[float, float], *,
                 highlight: bool = True, bias: float = 0.0) -> np.ndarray:
    """Per-pixel tone indices (int8, whole canvas) of a ball lit from the canvas light."""
    return quantise(sphere_lum(ctx, center, radii) + bias, highlight=highlight)


def paint_tones(ctx: Ctx, part: str, mask: np.ndarray, mat: Material, tones: np.ndarray, *,
                inner: str | None = None, behind: bool = False) -> np.ndarray:
    """Paint ``mask`` with per-pixel tone indices ``tones`` (int8 canvas-shaped array).

    ``inner="line"`` / ``"shadow"`` draws a separating line on the shape's own edge pixels
    that sit over another part (as every :class:`PartCanvas` shape does).
    """
    return ctx.cv.paint(part, mask, mat, tones, inner=inner, behind=behind)


def paint_sphere(ctx: Ctx, part: str, mask: np.ndarray, mat: Material, center: tuple[float, float],
                 radii: tuple[float, float], *, highlight: bool = True, inner: str | None = None,
                 behind: bool = False) -> np.ndarray:
    """Paint any mask shaded as one ball (``center``, ``radii``): blobs, clusters, rounded solids."""
    cv = ctx.cv
    return cv.paint(part, mask, mat, cv.tones_sphere(mask, center, radii, highlight), inner=inner, behind=behind)


def paint_split(ctx: Ctx, part: str, mask: np.ndarray, mat: Material, frame: Frame, *,
                lit: int = LIGHT, dark: int = BASE, ridge: int | None = HIGHLIGHT, offset: float = 0.0,
                inner: str | None = None) -> np.ndarray:
    """Two-tone bevel along ``frame``'s axis: the ``+s`` side ``lit``, the other ``dark``.

    ``ridge`` paints the pixels along the lit edge of the seam (a blade's gleam).
    """
    _t, s = frame.local(ctx)
    tones = np.where(s > offset, lit, dark).astype(np.int8)
    sel = paint_tones(ctx, part, mask, mat, tones, inner=inner)
    if ridge is not None:
        # the lit pixels next to the far edge (the edge facing the light)
        edge = sel & (s > offset) & ~shift(sel, round(frame.nx * 1.3), round(frame.ny * 1.3))
        ctx.cv.rgb[edge] = mat.ramp[ridge]
    return sel


def tone(ctx: Ctx, mask: np.ndarray, mat: Material, idx: int, *, part: str | None = None) -> None:
    """Repaint the opaque pixels of ``mask`` with tone ``idx`` of ``mat`` (keeps parts)."""
    ctx.cv.detail(mask, mat.ramp[idx], part=part)


def vgrad_tones(ctx: Ctx, y0: float, y1: float) -> np.ndarray:
    """Tones from light (top) to shadow (bottom) between rows ``y0`` and ``y1``."""
    f = np.clip((ctx.pyc - y0) / max(y1 - y0, 1e-6), 0, 1)
    t = np.full(f.shape, BASE, np.int8)
    t[f < 0.22] = LIGHT
    t[f > 0.72] = SHADOW
    return t


def hgrad_tones(ctx: Ctx, x0: float, x1: float, *, light_frac: float = 0.3, shadow_frac: float = 0.7,
                highlight: tuple[float, float] | None = None) -> np.ndarray:
    """Tones of a vertical cylinder between columns ``x0`` and ``x1`` (lit left)."""
    f = (ctx.pxc - x0) / max(x1 - x0, 1e-6)
    t = np.full(f.shape, BASE, np.int8)
    t[f < light_frac] = LIGHT
    t[f > shadow_frac] = SHADOW
    if highlight is not None:
        t[(f > highlight[0]) & (f < highlight[1])] = HIGHLIGHT
    return t


# ---------------------------------------------------------------------------- masks
def ellipse(ctx: Ctx, c: tuple[float, float], r: tuple[float, float], angle: float = 0.0) -> np.ndarray:
    return ctx.cv.ellipse_mask(c, r, angle)


def poly(ctx: Ctx, pts: Sequence[tuple[float, float]]) -> np.ndarray:
    return ctx.cv.polygon_mask(list(pts))


def rect(ctx: Ctx, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """The pixels ``x0 <= x < x1``, ``y0 <= y < y1`` (sub-pixel edges)."""
    return ctx.cv.polygon_mask([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])


def capsule(ctx: Ctx, p0: tuple[float, float], p1: tuple[float, float], r0: float, r1: float | None = None) -> np.ndarray:
    return ctx.cv.capsule_mask(p0, p1, r0, r1)


def line(ctx: Ctx, p0: tuple[float, float], p1: tuple[float, float]) -> np.ndarray:
    return ctx.cv.line_mask(p0, p1)


def polyline(ctx: Ctx, pts: Sequence[tuple[float, float]]) -> np.ndarray:
    """A 1-px open polyline through ``pts``."""
    m = np.zeros((ctx.h, ctx.w), np.uint8)
    arr = np.round(np.array(pts, np.float64) - 0.5).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(m, [arr], False, 1, 1, cv2.LINE_8)
    return m.astype(bool)


def erode(mask: np.ndarray, k: int = 1) -> np.ndarray:
    """Erode by ``k`` pixels (square kernel; pixels outside the canvas count as empty)."""
    if k <= 0:
        return mask
    ker = np.ones((2 * k + 1, 2 * k + 1), np.uint8)
    return cv2.erode(mask.astype(np.uint8), ker, borderType=cv2.BORDER_CONSTANT, borderValue=0).astype(bool)


def dilate(mask: np.ndarray, k: int = 1) -> np.ndarray:
    """Dilate by ``k`` pixels (square kernel)."""
    if k <= 0:
        return mask
    ker = np.ones((2 * k + 1, 2 * k + 1), np.uint8)
    return cv2.dilate(mask.astype(np.uint8), ker).astype(bool)


def shift(mask: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """``out[y, x] = mask[y + dy, x + dx]``: whether the neighbour at ``(dx, dy)`` is set."""
    return shifted(mask, -dx, -dy)


def edge_toward(mask: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Pixels of ``mask`` whose neighbour at ``(dx, dy)`` is outside it (the edge facing that way)."""
    return mask & ~shift(mask, dx, dy)


def speckle(ctx: Ctx, mask: np.ndarray, density: float) -> np.ndarray:
    """A seeded random subset of ``mask`` (texture dots)."""
    return mask & (ctx.rng.random(mask.shape) < density)


def checker_dots(ctx: Ctx, mask: np.ndarray, period: int, phase: int = 0) -> np.ndarray:
    """A regular sparse dot pattern inside ``mask`` (brick-like / leaf texture)."""
    p = max(2, int(period))
    sel = ((ctx.xx + (ctx.yy // p) * (p // 2) + phase) % p == 0) & (ctx.yy % p == phase % p)
    return mask & sel


def scatter(ctx: Ctx, inside: np.ndarray, box: Box, xr: tuple[float, float], yr: tuple[float, float],
            tries: int, limit: int | None = None) -> list[tuple[float, float]]:
    """Up to ``limit`` seeded points that land on ``inside`` (fruit, berries, glints ...).

    ``tries`` points are drawn in the ``xr`` × ``yr`` fractions of ``box`` until ``limit`` are kept.
    """
    out: list[tuple[float, float]] = []
    for _ in range(tries):
        x, y = box.x(float(ctx.rng.uniform(*xr))), box.y(float(ctx.rng.uniform(*yr)))
        if inside[int(y), int(x)]:
            out.append((x, y))
            if limit is not None and len(out) >= limit:
                break
    return out


# ---------------------------------------------------------------------------- textures
def planks(ctx: Ctx, mask: np.ndarray, mat: Material, *, horizontal: bool, n: int, lo: float, hi: float) -> None:
    """Plank seams (outline tone) splitting ``mask`` into ``n`` boards between ``lo`` and ``hi``."""
    coord = ctx.pyc if horizontal else ctx.pxc
    if n < 2:
        return
    step = (hi - lo) / n
    seams = np.zeros(mask.shape, bool)
    for i in range(1, n):
        c = lo + i * step
        seams |= np.abs(coord - c) < 0.5
    tone(ctx, mask & seams, mat, OUTLINE)
    # light line just after each seam (the board's lit edge)
    after = np.zeros(mask.shape, bool)
    for i in range(n):
        c = lo + i * step + 1.0
        after |= np.abs(coord - c) < 0.5
    tone(ctx, mask & after & ~seams, mat, LIGHT)


def crack(ctx: Ctx, mask: np.ndarray, pts: Sequence[tuple[float, float]], mat: Material, *,
          tone_idx: int = OUTLINE, lit: bool = True) -> np.ndarray:
    """A crack along the polyline ``pts`` inside ``mask`` in tone ``tone_idx`` of ``mat``; ``lit``
    adds the light tone on its left lip (the edge that catches the light). Returns the crack."""
    line = polyline(ctx, pts) & mask
    tone(ctx, line, mat, tone_idx)
    if lit:
        tone(ctx, shift(line, -1, 0) & mask & ~line, mat, LIGHT)
    return line


def flame(ctx: Ctx, part: str, cx: float, base_y: float, half_w: float, height: float,
          slots: Sequence[str] = ("flame", "flame_mid", "flame_core"), *, lean: float = 0.0,
          tongues: bool = True) -> np.ndarray:
    """A layered flame standing on ``(cx, base_y)``: outer, middle and core teardrops.

    Returns the outer mask. Each layer is a rounded bottom with a (wavy) tip; the middle and
    core layers sit low in the flame, as in hand-drawn fire.
    """
    rng = ctx.rng
    out = None
    scales = ((1.0, 1.0), (0.66, 0.72), (0.34, 0.42))
    for i, (slot, (sw, sh)) in enumerate(zip(slots, scales)):
        hw, hh = max(half_w * sw, 0.8), max(height * sh, 1.5)
        if ctx.small and i == 2 and half_w < 2.5:
            break
        r = hw
        cy = base_y - r
        tipx = cx + lean * hh + (rng.uniform(-0.15, 0.15) * hw if i == 0 else 0.0)
        tipy = base_y - hh
        pts = []
        for k in range(9):  # bottom semicircle, left to right
            a = math.pi * (1.0 - k / 8.0)
            pts.append((cx + r * math.cos(a), cy + r * math.sin(a) * 0.95))
        pts = pts[::-1]
        # right flank up to the tip, then left flank back down
        pts.append((cx + r * 0.85, cy - (tipy - cy) * -0.2))
        pts.append((tipx + (cx - tipx) * 0.2 + hw * 0.35, cy + (tipy - cy) * 0.6))
        pts.append((tipx, tipy))
        pts.append((tipx + (cx - tipx) * 0.3 - hw * 0.55, cy + (tipy - cy) * 0.45))
        pts.append((cx - r * 0.95, cy - (tipy - cy) * -0.15))
        m = poly(ctx, pts)
        if i == 0 and tongues and not ctx.small:
            # two side licks
            for side in (-1, 1):
                bx = cx + side * hw * 0.55
                ty = cy + (tipy - cy) * float(rng.uniform(0.45, 0.7))
                tx = bx + side * hw * float(rng.uniform(0.25, 0.55))
                m |= poly(ctx, [(bx - hw * 0.35, cy), (tx, ty), (bx + hw * 0.35, cy)])
        ctx.cv.mask(part, m, ctx.mat(slot, (255, 160, 40)), shading="flat")
        if out is None:
            out = m
    return out if out is not None else np.zeros((ctx.h, ctx.w), bool)


def clump_lum(ctx: Ctx, mask: np.ndarray, spacing: float) -> np.ndarray:
    """Local lighting of leaf clumps: each pixel is lit like a small ball around its nearest clump centre.

    Clump centres sit on a jittered grid over ``mask``; the Voronoi seams between them give
    the dark crescents of hand-drawn foliage.
    """
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        return np.zeros(mask.shape)
    sp = max(2.5, spacing)
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    gx = np.arange(x0 + sp * 0.5, x1, sp)
    gy = np.arange(y0 + sp * 0.4, y1, sp * 0.85)
    cx, cy = np.meshgrid(gx, gy)
    cx = cx + (np.arange(cy.shape[0])[:, None] % 2) * sp * 0.5
    cx = (cx + ctx.rng.uniform(-0.3, 0.3, cx.shape) * sp).ravel()
    cy = (cy + ctx.rng.uniform(-0.3, 0.3, cy.shape) * sp).ravel()
    px, py = xs + 0.5, ys + 0.5
    d = (px[:, None] - cx[None, :]) ** 2 + (py[:, None] - cy[None, :]) ** 2
    k = d.argmin(1)
    lx, ly = ctx.cv.light2
    u = (px - cx[k]) / (sp * 0.6)
    v = (py - cy[k]) / (sp * 0.6)
    out = np.zeros(mask.shape)
    lit = u * lx + v * ly
    rim = np.clip(u * u + v * v - 0.5, 0, 1.5)
    out[ys, xs] = 0.45 * np.clip(lit, -1, 1) - rim * np.where(lit < 0.1, 1.3, 0.2)
    return out


def leaf_cluster(ctx: Ctx, part: str, mat: Material, blobs: Sequence[tuple[float, float, float, float]], *,
                 light_center: tuple[float, float] | None = None, radii: tuple[float, float] | None = None,
                 texture: bool = True, inner: str | None = None, bumps: bool = True,
                 clump: float | None = None) -> np.ndarray:
    """Foliage: a union of ellipses ``(cx, cy, rx, ry)`` shaded as one lit mass of leaf clumps.

    The union is shaded like one ball around ``light_center``/``radii`` (default: the blobs'
    bounding ellipse); with ``texture`` each pixel also takes the lighting of its leaf clump
    (see :func:`clump_lum`), and the rim gets small bites so the silhouette reads as leaves.
    """
    m = np.zeros((ctx.h, ctx.w), bool)
    xs0, ys0, xs1, ys1 = 1e9, 1e9, -1e9, -1e9
    for cx, cy, rx, ry in blobs:
        m |= ellipse(ctx, (cx, cy), (rx, ry))
        xs0, ys0 = min(xs0, cx - rx), min(ys0, cy - ry)
        xs1, ys1 = max(xs1, cx + rx), max(ys1, cy + ry)
    if bumps and not ctx.small:
        rim = m & ~erode4(m)
        m &= ~speckle(ctx, rim & ~edge_toward(m, 0, 1), 0.22)
    c = light_center or ((xs0 + xs1) / 2, (ys0 + ys1) / 2)
    r = radii or ((xs1 - xs0) / 2, (ys1 - ys0) / 2)
    lum = sphere_lum(ctx, c, r) + 0.05
    if texture and not ctx.small:
        sp = clump if clump is not None else max(3.0, min(ctx.h, ctx.w) / 10.0)
        lum = lum + 0.32 * clump_lum(ctx, m, sp)
    else:
        # per-blob roundness: the lower-right of each blob a step darker
        for cx, cy, rx, ry in blobs:
            u = (ctx.pxc - cx) / rx
            v = (ctx.pyc - cy) / ry
            dd = u * u + v * v
            lum = np.where((dd < 1.0) & (dd > 0.45) & (u * 0.6 + v * 0.8 > 0.35), lum - 0.2, lum)
    t = quantise(lum, highlight=False)
    return paint_tones(ctx, part, m, mat, t, inner=inner)


def mix(a: RGB, b: RGB, f: float) -> RGB:
    return tuple(round(x + (y - x) * f) for x, y in zip(a, b))  # type: ignore[return-value]


def scaled(points: Sequence[tuple[float, float]], c: tuple[float, float], fx: float, fy: float | None = None,
           ) -> list[tuple[float, float]]:
    fy = fx if fy is None else fy
    return [(c[0] + (x - c[0]) * fx, c[1] + (y - c[1]) * fy) for x, y in points]


def star_points(cx: float, cy: float, r_out: float, r_in: float, n: int = 5, rot: float = -90.0,
                ) -> list[tuple[float, float]]:
    pts = []
    for k in range(2 * n):
        r = r_out if k % 2 == 0 else r_in
        a = math.radians(rot + k * 180.0 / n)
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return pts
