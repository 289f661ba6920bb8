"""Shared drawing helpers for the item and prop renderers (``items.py``, ``props.py``).

- :class:`Ctx` bundles one sprite's canvas, resolved colours/materials, rng and size class, and
  finishes the sprite (margin, outline, colour cap, parts, palette).
- :class:`Frame` maps local ``(t, s)`` coordinates along an axis (``t`` along, ``s`` across,
  ``+s`` toward the upper-left / the light) to canvas pixels: long weapons are drawn in it.
- Tone helpers paint arbitrary masks with sphere/linear shading from the canvas' light
  (:func:`paint_sphere`, :func:`paint_split`), and texture helpers add wood grain, speckles,
  flames and leaf clusters.

Everything is vectorised on the (small) canvas arrays; only the ``rng`` handed in is used.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import cv2
import numpy as np

from ..base import RenderedSprite, SpriteSpec
from .canvas import BASE, HIGHLIGHT, LIGHT, OUTLINE, RGB, SHADOW, Material, PartCanvas
from .palettes import hue_shift, materials, resolve_colors

__all__ = ["BASE", "HIGHLIGHT", "LIGHT", "OUTLINE", "SHADOW", "Ctx", "Frame"]

_GLOSSY = ("metal", "steel", "gold", "gem", "glass", "blade", "silver", "crystal", "orb")
MAX_COLORS = 32


# ---------------------------------------------------------------------------- colours
def resolve_look_colors(spec: SpriteSpec, look: Mapping, rng: np.random.Generator) -> dict[str, RGB]:
    """The colours for one sprite from a ``look`` table.

    ``look.colors`` holds the slots; ``look.recolorable`` the slots prompt colours replace, in
    order (main material first). Variants (designed rather than random where it matters):

    - ``look.variant_colors``: a list of per-variant slot overrides (silver and copper coins);
    - ``look.variant_hue``: per-variant hue turns for the ``variant_slots``;
    - otherwise variants > 0 rotate the hue of ``variant_slots`` (default: the first
      recolorable slot, so a wooden handle stays wood) by a seeded 0.12–0.42 turn, as
      :func:`~.palettes.resolve_colors` does.

    ``look.derive`` (slot → ``[source, f]``) re-derives a slot from a prompt-recoloured source
    slot, mixed ``f`` of the way to white (a blue flame gets a pale blue core, not a yellow one).

    Prompt colours always win over variant colours; style grading comes last.
    """
    base = {k: tuple(int(c) for c in v) for k, v in look.get("colors", {}).items()}
    rec = list(look.get("recolorable", ("primary", "secondary")))
    vslots = list(look.get("variant_slots", rec[:1]))
    vcols = look.get("variant_colors")
    vhue = look.get("variant_hue")
    v = int(spec.variant)
    if vcols:
        for slot, rgb in vcols[v % len(vcols)].items():
            base[slot] = tuple(int(c) for c in rgb)
    turns = 0.0
    if vhue:
        turns = float(vhue[v % len(vhue)])
        if v:
            turns += float(rng.uniform(-0.02, 0.02))
    elif not vcols and v > 0:
        turns = float(rng.uniform(0.12, 0.42)) * (1 if v % 2 else -1)
    if turns:
        for slot in vslots:
            if slot in base:
                base[slot] = hue_shift(base[slot], turns)
    fixed = dict(zip(rec, spec.colors))
    for slot, (src, f) in look.get("derive", {}).items():
        if src in fixed and slot not in fixed:
            base[slot] = mix(tuple(int(c) for c in fixed[src]), (255, 255, 255), float(f))
    return resolve_colors(base, prompt_colors=spec.colors, recolorable=rec, styles=spec.style, variant=0,
                          rng=rng)


def _packed(px: np.ndarray) -> np.ndarray:
    return (px[:, 0].astype(np.int32) << 16) | (px[:, 1].astype(np.int32) << 8) | px[:, 2]


def limit_colors(rgba: np.ndarray, n: int = MAX_COLORS) -> tuple[np.ndarray, list[RGB]]:
    """Cap the opaque colours at ``n``: the rarest ones map onto their nearest kept colour.

    Returns the (possibly new) image and its sorted palette.
    """
    op = rgba[..., 3] > 0
    px = rgba[op][:, :3]
    if px.size == 0:
        return rgba, []
    uniq, inv, counts = np.unique(_packed(px), return_inverse=True, return_counts=True)
    if uniq.size > n:
        cols = np.stack([(uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255], 1).astype(np.float32)
        order = np.argsort(-counts, kind="stable")
        keep, drop = order[:n], order[n:]
        d = ((cols[drop][:, None, :] - cols[keep][None, :, :]) ** 2).sum(-1)
        remap = np.arange(uniq.size)
        remap[drop] = keep[d.argmin(1)]
        rgba = rgba.copy()
        rgba[op, :3] = cols[remap[inv.ravel()]].astype(np.uint8)
        uniq = np.unique(uniq[remap])
    palette = [(int(k >> 16) & 255, int(k >> 8) & 255, int(k) & 255) for k in uniq.tolist()]
    return rgba, palette


# ---------------------------------------------------------------------------- context
class Ctx:
    """One sprite being drawn: canvas, size class, colours, materials and rng."""

    def __init__(self, spec: SpriteSpec, look: Mapping, rng: np.random.Generator) -> None:
        h, w = (int(v) for v in spec.size)
        self.spec, self.look, self.rng = spec, look, rng
        self.h, self.w = h, w
        self.m = min(h, w)
        self.small = self.m < 24      # 16..23 px: no tiny details
        self.large = self.m >= 48     # richer detail
        self.variant = int(spec.variant)
        self.form = self.variant % 3
        self.styles = tuple(spec.style)
        self.cv = PartCanvas(h, w)
        self.cols = resolve_look_colors(spec, look, rng)
        glossy = tuple(look.get("glossy", _GLOSSY))
        self.mats: dict[str, Material] = materials(self.cols, self.styles, glossy=glossy)
        self.yy, self.xx = np.mgrid[0:h, 0:w]
        self.pxc = self.xx + 0.5  # pixel centres
        self.pyc = self.yy + 0.5

    # -- style flags
    def has(self, *names: str) -> bool:
        return any(n in self.styles for n in names)

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

    def num(self, key: str, default: float) -> float:
        return float(self.look.get(key, default))

    def jit(self, amount: float) -> float:
        """A seeded offset in ``[-amount, amount]``."""
        return float(self.rng.uniform(-amount, amount))

    # -- finishing
    def finish(self, pivots: Mapping[str, tuple[float, float]], *, facing: str = "front",
               min_piece: int = 3) -> RenderedSprite:
        cv = self.cv
        for sl in (np.s_[0, :], np.s_[-1, :], np.s_[:, 0], np.s_[:, -1]):
            cv.alpha[sl] = 0
            cv.part[sl] = -1
        _drop_specks(cv, min_piece)
        rgba, parts = cv.render(outline=True)
        rgba, palette = limit_colors(rgba)
        opaque = rgba[..., 3] > 0
        parts["body"] = opaque
        piv = {k: (float(min(max(x, 0.0), self.w - 1.0)), float(min(max(y, 0.0), self.h - 1.0)))
               for k, (x, y) in pivots.items()}
        return RenderedSprite(rgba=rgba, parts=parts, pivots=piv, facing=facing, palette=palette)

    def bbox(self) -> tuple[int, int, int, int]:
        """Opaque bounding box ``(x0, y0, x1, y1)`` inclusive of the drawn (pre-outline) pixels."""
        ys, xs = np.nonzero(self.cv.alpha)
        if ys.size == 0:
            return (0, 0, self.w - 1, self.h - 1)
        return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())

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


def _drop_specks(cv: PartCanvas, min_piece: int) -> None:
    """Remove stray rasterisation specks: components smaller than ``min_piece`` pixels."""
    if min_piece <= 1:
        return
    m = (cv.alpha > 0).astype(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    if n <= 2:
        return
    small = np.nonzero(stats[1:, cv2.CC_STAT_AREA] < min_piece)[0] + 1
    if small.size:
        kill = np.isin(lab, small)
        cv.alpha[kill] = 0
        cv.part[kill] = -1


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

    def pts(self, ts: Iterable[tuple[float, float]], *, frac: bool = True) -> list[tuple[float, float]]:
        f = self.u if frac else self.p
        return [f(t, s) for t, s in ts]

    def local(self, ctx: Ctx) -> tuple[np.ndarray, np.ndarray]:
        """Per-pixel ``(t, s)`` of the canvas pixel centres."""
        rx, ry = ctx.pxc - self.ax, ctx.pyc - self.ay
        return rx * self.dx + ry * self.dy, rx * self.nx + ry * self.ny

    def band(self, us: Sequence[float], centre: Sequence[float], half: Sequence[float]) -> list[tuple[float, float]]:
        """Polygon of a band along the axis: at each ``u`` the centre offset and half width (pixels)."""
        left = [self.u(u, c + hw) for u, c, hw in zip(us, centre, half)]
        right = [self.u(u, c - hw) for u, c, hw in zip(us, centre, half)]
        return left + right[::-1]


def diagonal_frame(ctx: Ctx, pad_a: float, pad_b: float | None = None, *, steep: float = 0.0) -> Frame:
    """The bottom-left → top-right axis of the canvas, inset by ``pad`` pixels at both ends.

    ``steep`` (0..1) pulls the ends toward the vertical centre line (torches, wands).
    """
    pad_b = pad_a if pad_b is None else pad_b
    x0, y0, x1, y1 = 1.0, 1.0, ctx.w - 1.0, ctx.h - 1.0
    a = [x0 + pad_a, y1 - pad_a]
    b = [x1 - pad_b, y0 + pad_b]
    if steep:
        cx = ctx.w / 2.0
        a[0] += (cx - a[0]) * steep
        b[0] -= (b[0] - cx) * steep
    return Frame(tuple(a), tuple(b))


# ---------------------------------------------------------------------------- tones
def sphere_tones(ctx: Ctx, center: tuple[float, float], radii: tuple[float, float], *,
                 highlight: bool = True, bias: float = 0.0) -> np.ndarray:
    """Per-pixel tone indices (int8, whole canvas) of a ball lit from the canvas light."""
    lx, ly, lz = ctx.cv.light3
    u = (ctx.pxc - center[0]) / max(radii[0], 0.5)
    v = (ctx.pyc - center[1]) / max(radii[1], 0.5)
    nz = np.sqrt(np.clip(1.0 - u * u - v * v, 0.0, 1.0))
    lum = u * lx + v * ly + nz * lz + bias
    t = np.full(lum.shape, BASE, np.int8)
    t[lum < 0.42] = SHADOW
    t[lum > 0.80] = LIGHT
    if highlight:
        t[lum > 0.94] = HIGHLIGHT
    return t


def paint_tones(ctx: Ctx, part: str, mask: np.ndarray, mat: Material, tones: np.ndarray, *,
                inner: str | None = None, behind: bool = False) -> np.ndarray:
    """Paint ``mask`` with per-pixel tone indices ``tones`` (int8 canvas-shaped array).

    ``inner="line"`` / ``"shadow"`` draws a separating line on the shape's own edge pixels
    that sit over another part (as :class:`PartCanvas` does).
    """
    cv = ctx.cv
    under = None
    if inner is not None:
        pid = cv.part_names.index(part) if part in cv.part_names else -2
        under = (cv.alpha > 0) & (cv.part != pid)
    sel = cv.mask(part, mask, mat, shading="flat", behind=behind)
    if sel.any():
        ramp = np.array(mat.ramp, np.uint8)
        cv.rgb[sel] = ramp[tones[sel]]
        if under is not None and under.any():
            edge = sel & ~erode4(sel) & dilate4(under & ~sel)
            cv.rgb[edge] = ramp[OUTLINE if inner == "line" else SHADOW]
    return sel


_CROSS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], np.uint8)


def dilate4(mask: np.ndarray) -> np.ndarray:
    return cv2.dilate(mask.astype(np.uint8), _CROSS).astype(bool)


def erode4(mask: np.ndarray) -> np.ndarray:
    return cv2.erode(mask.astype(np.uint8), _CROSS, borderType=cv2.BORDER_CONSTANT, borderValue=0).astype(bool)


def paint_sphere(ctx: Ctx, part: str, mask: np.ndarray, mat: Material, center: tuple[float, float],
                 radii: tuple[float, float], *, highlight: bool = True, inner: str | None = None,
                 bias: float = 0.0, behind: bool = False) -> np.ndarray:
    """Paint any mask shaded as one ball (``center``, ``radii``): blobs, clusters, rounded solids."""
    return paint_tones(ctx, part, mask, mat, sphere_tones(ctx, center, radii, highlight=highlight, bias=bias),
                       inner=inner, behind=behind)


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
        sm = sel & (s > offset)
        # the lit pixels next to the far edge (the edge facing the light)
        edge = sm & ~_shift_any(sel, frame.nx, frame.ny)
        ctx.cv.rgb[edge] = mat.ramp[ridge]
    return sel


def _shift_any(mask: np.ndarray, nx: float, ny: float) -> np.ndarray:
    """``out[y, x] = mask[y + round(ny), x + round(nx)]`` (the neighbour in direction ``n``)."""
    dx, dy = round(nx * 1.3), round(ny * 1.3)
    h, w = mask.shape
    out = np.zeros_like(mask)
    ys0, ys1 = max(0, -dy), min(h, h - dy)
    xs0, xs1 = max(0, -dx), min(w, w - dx)
    out[ys0:ys1, xs0:xs1] = mask[ys0 + dy:ys1 + dy, xs0 + dx:xs1 + dx]
    return out


def tone(ctx: Ctx, mask: np.ndarray, mat: Material, idx: int, *, part: str | None = None) -> None:
    """Repaint the opaque pixels of ``mask`` with tone ``idx`` of ``mat`` (keeps parts)."""
    ctx.cv.detail(mask, mat.ramp[idx], part=part)


def vgrad_tones(ctx: Ctx, y0: float, y1: float, *, reverse: bool = False) -> np.ndarray:
    """Tones from light (top) to shadow (bottom) between rows ``y0`` and ``y1``."""
    f = np.clip((ctx.pyc - y0) / max(y1 - y0, 1e-6), 0, 1)
    if reverse:
        f = 1 - f
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
    return ctx.cv.polygon_mask([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])


def capsule(ctx: Ctx, p0: tuple[float, float], p1: tuple[float, float], r0: float, r1: float | None = None) -> np.ndarray:
    return ctx.cv.capsule_mask(p0, p1, r0, r1)


def line(ctx: Ctx, p0: tuple[float, float], p1: tuple[float, float]) -> np.ndarray:
    return ctx.cv.line_mask(p0, p1)


def polyline(ctx: Ctx, pts: Sequence[tuple[float, float]]) -> np.ndarray:
    m = np.zeros((ctx.h, ctx.w), np.uint8)
    arr = np.round(np.array(pts, np.float64) - 0.5).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(m, [arr], False, 1, 1, cv2.LINE_8)
    return m.astype(bool)


def erode(mask: np.ndarray, k: int = 1) -> np.ndarray:
    if k <= 0:
        return mask
    ker = np.ones((2 * k + 1, 2 * k + 1), np.uint8)
    return cv2.erode(mask.astype(np.uint8), ker, borderType=cv2.BORDER_CONSTANT, borderValue=0).astype(bool)


def dilate(mask: np.ndarray, k: int = 1) -> np.ndarray:
    if k <= 0:
        return mask
    ker = np.ones((2 * k + 1, 2 * k + 1), np.uint8)
    return cv2.dilate(mask.astype(np.uint8), ker).astype(bool)


def edge_toward(mask: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Pixels of ``mask`` whose neighbour at ``(dx, dy)`` is outside it (the edge facing that way)."""
    h, w = mask.shape
    nb = np.zeros_like(mask)
    ys0, ys1 = max(0, -dy), min(h, h - dy)
    xs0, xs1 = max(0, -dx), min(w, w - dx)
    nb[ys0:ys1, xs0:xs1] = mask[ys0 + dy:ys1 + dy, xs0 + dx:xs1 + dx]
    return mask & ~nb


def speckle(ctx: Ctx, mask: np.ndarray, density: float) -> np.ndarray:
    """A seeded random subset of ``mask`` (texture dots)."""
    return mask & (ctx.rng.random(mask.shape) < density)


def checker_dots(ctx: Ctx, mask: np.ndarray, period: int, phase: int = 0) -> np.ndarray:
    """A regular sparse dot pattern inside ``mask`` (brick-like / leaf texture)."""
    p = max(2, int(period))
    sel = ((ctx.xx + (ctx.yy // p) * (p // 2) + phase) % p == 0) & (ctx.yy % p == phase % p)
    return mask & sel


# ---------------------------------------------------------------------------- textures
def wood_grain(ctx: Ctx, mask: np.ndarray, mat: Material, *, horizontal: bool = True, spacing: float = 3.0,
               dense: float = 0.75) -> None:
    """Plank grain: broken lines of the shadow tone across ``mask`` every ``spacing`` px."""
    coord = ctx.yy if horizontal else ctx.xx
    other = ctx.xx if horizontal else ctx.yy
    sp = max(2, round(spacing))
    phase = int(ctx.rng.integers(0, sp))
    lines = (coord + phase) % sp == 0
    gaps = ((other * 7 + coord * 13 + int(ctx.rng.integers(0, 97))) % 11) < 11 * dense
    tone(ctx, mask & lines & gaps & erode(mask, 0), mat, SHADOW)


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


def sphere_lum(ctx: Ctx, center: tuple[float, float], radii: tuple[float, float]) -> np.ndarray:
    """Per-pixel lighting (about -1..1) of a ball lit from the canvas light."""
    lx, ly, lz = ctx.cv.light3
    u = (ctx.pxc - center[0]) / max(radii[0], 0.5)
    v = (ctx.pyc - center[1]) / max(radii[1], 0.5)
    nz = np.sqrt(np.clip(1.0 - u * u - v * v, 0.0, 1.0))
    return u * lx + v * ly + nz * lz


def quantise(lum: np.ndarray, *, highlight: bool = False) -> np.ndarray:
    t = np.full(lum.shape, BASE, np.int8)
    t[lum < 0.42] = SHADOW
    t[lum > 0.80] = LIGHT
    if highlight:
        t[lum > 0.94] = HIGHLIGHT
    return t


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


def clamp(v: float, lo: float, hi: float) -> float:
    return lo if v < lo else min(v, hi)
