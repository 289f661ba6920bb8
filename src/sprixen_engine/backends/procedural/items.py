"""Item renderer: inventory icons and pickups (weapons, potions, keys, food ...).

Each subject's ``look`` table names a drawing routine (``shape``) and the data it draws
with: colour slots (``[<id>.look.colors]``), the slots a prompt colour recolours
(``recolorable``, main material first), proportions, and designed variant palettes
(``variant_colors`` / ``variant_hue``). ``form`` = ``variant % 3`` picks one of three
designs per shape (longsword / broadsword / sabre, round / conical / tall flask ...).

Layout: long items (swords, axes, staves, keys, meat ...) are drawn in a :class:`~.shapes.Frame`
along the canvas diagonal, blade or head up-right, fitted so their extent fills ~90 % of the
canvas; compact items are drawn in a centred box of the subject's aspect ratio.

Parts: functional names (``blade``, ``guard``, ``grip``, ``pommel``, ``head``, ``handle``,
``glass``, ``liquid``, ``cork``, ``lid``, ``flame`` ...); ``body`` is always the whole item.
Pivots: ``center``, ``ground`` (bottom centre) and ``grip`` where a hand holds it; a few
items add ``tip``, ``flame`` or ``hook``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from ..base import RenderedSprite, SpriteSpec
from . import shapes as S
from .shapes import BASE, HIGHLIGHT, LIGHT, OUTLINE, SHADOW, Ctx, Frame


def render(spec: SpriteSpec, look: Mapping, rng: np.random.Generator) -> RenderedSprite:
    """Draw one item icon. ``look`` is the subject's catalogue ``look`` table."""
    look = look or {}
    shape = str(look.get("shape", spec.subject))
    fn = _SHAPES.get(shape) or _SHAPES.get(spec.subject) or _gem
    ctx = Ctx(spec, look, rng)
    pivots = dict(fn(ctx) or {})
    pivots.setdefault("center", ctx.centre())
    x0, _y0, x1, y1 = ctx.bbox()
    pivots.setdefault("ground", ((x0 + x1 + 1) / 2.0, float(min(y1 + 1, ctx.h - 1))))
    return ctx.finish(pivots, facing="right")


# ---------------------------------------------------------------------------- layout
def fit_frame(ctx: Ctx, ext: Sequence[tuple[float, float]], *, fill: float = 0.9,
              direction: tuple[float, float] | None = None, shift: tuple[float, float] = (0.0, 0.0)) -> Frame:
    """A frame whose points ``ext`` (``(u, s)`` in units of the axis length) fill the canvas.

    The axis runs along ``direction`` (default: the canvas diagonal, bottom-left → top-right);
    the length is chosen so the bounding box of ``ext`` fills ``fill`` of the drawable area, and
    the frame is centred on it.
    """
    W, H = ctx.w - 2.0, ctx.h - 2.0
    if direction is None:
        dx, dy = W, -H
        k = math.hypot(dx, dy)
        dx, dy = dx / k, dy / k
        # stay within 30..60 degrees so very wide or tall canvases keep a diagonal weapon
        ang = min(max(math.atan2(-dy, dx), math.radians(30)), math.radians(60))
        dx, dy = math.cos(ang), -math.sin(ang)
    else:
        k = math.hypot(*direction)
        dx, dy = direction[0] / k, direction[1] / k
    nx, ny = dy, -dx
    xs = [u * dx + s * nx for u, s in ext]
    ys = [u * dy + s * ny for u, s in ext]
    xr, yr = max(xs) - min(xs), max(ys) - min(ys)
    L = fill * min(W / max(xr, 1e-6), H / max(yr, 1e-6))
    xm, ym = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    ax = ctx.w / 2.0 - L * xm + shift[0] * W
    ay = ctx.h / 2.0 - L * ym + shift[1] * H
    return Frame((ax, ay), (ax + dx * L, ay + dy * L))


class Box:
    """A centred drawing box of a given aspect; ``x(f)``/``y(f)`` map fractions to pixels."""

    def __init__(self, ctx: Ctx, aspect: float, fill: float = 0.88, *, stretch: float = 0.0) -> None:
        W, H = ctx.w - 2.0, ctx.h - 2.0
        # ``stretch`` lets a compact item follow a non-square canvas part of the way
        canvas_aspect = W / H
        aspect = aspect * (canvas_aspect / aspect) ** stretch if stretch else aspect
        bw, bh = W * fill, H * fill
        if bw / bh > aspect:
            bw = bh * aspect
        else:
            bh = bw / aspect
        self.x0 = ctx.w / 2.0 - bw / 2
        self.y0 = ctx.h / 2.0 - bh / 2
        self.W, self.H = bw, bh
        self.s = min(bw, bh)

    def x(self, f: float) -> float:
        return self.x0 + f * self.W

    def y(self, f: float) -> float:
        return self.y0 + f * self.H

    def p(self, fx: float, fy: float) -> tuple[float, float]:
        return (self.x0 + fx * self.W, self.y0 + fy * self.H)

    def pts(self, fs: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
        return [self.p(fx, fy) for fx, fy in fs]


def circ(u: float, s: float, r: float) -> list[tuple[float, float]]:
    """Extent points of a circle of radius ``r`` at ``(u, s)`` (all in axis units) for :func:`fit_frame`."""
    return [(u + r * math.cos(a), s + r * math.sin(a)) for a in np.linspace(0, 2 * math.pi, 12, endpoint=False)]


def _px(fr: Frame, pixels: float) -> float:
    """``pixels`` as a fraction of the frame length."""
    return pixels / fr.L


def _r(fr: Frame, frac: float, minimum: float) -> float:
    """A radius in pixels: ``frac`` of the axis, at least ``minimum`` pixels."""
    return max(frac * fr.L, minimum)


# ---------------------------------------------------------------------------- weapons
def _blade(ctx: Ctx) -> dict:
    """Swords and daggers: pommel, grip, crossguard and a beveled steel blade, tip up-right."""
    form = ctx.form
    blade_len = ctx.num("blade_length", 0.72)
    bw = ctx.num("blade_width", 0.055)
    gw = ctx.num("guard_width", 0.15)
    curve = 0.0
    if form == 1:      # broadsword: wider blade, heavier guard
        bw *= 1.3
        gw *= 1.15
    elif form == 2:    # sabre: curved, slimmer, small guard
        curve = ctx.num("curve", 0.05)
        bw *= 0.9
        gw *= 0.8
    if ctx.dark:
        bw *= 1.1
    ug = 1.0 - blade_len
    fr = fit_frame(ctx, [(0.0, 0.0), (1.0, 0.0), (ug, gw + 0.03), (ug, -gw - 0.03), (0.5, bw + curve),
                         (0.6, -bw)], fill=0.94)
    L = fr.L
    bwp = max(bw * L, 1.3)
    # blade
    us = [ug, ug + 0.3 * blade_len, ug + 0.6 * blade_len, 0.86, 0.95, 1.0]
    k = [(u - ug) / blade_len for u in us]
    cen = [curve * L * (kk ** 2) for kk in k]
    taper = ctx.num("taper", 0.85)
    half = [bwp, bwp * (1 - 0.1 * taper), bwp * (1 - 0.15 * taper), bwp * 0.8, bwp * 0.45, 0.0]
    if form == 1:
        half = [bwp, bwp, bwp, bwp * 0.95, bwp * 0.6, 0.0]
    pts = fr.band(us, cen, half)
    if ctx.dark and not ctx.small:
        # serrated back edge
        ser = []
        for i, (u, c, hw) in enumerate(zip(us[:-2], cen, half)):
            ser.append(fr.u(u, c + hw))
            if i < 3:
                um = (u + us[i + 1]) / 2
                ser.append(fr.u(um, c + hw + max(1.0, 0.03 * L)))
        pts = ser + pts[len(us) - 2:]
    blade = S.poly(ctx, pts)
    bmat = ctx.mat("blade")
    S.paint_split(ctx, "blade", blade, bmat, fr, lit=LIGHT, dark=BASE, ridge=HIGHLIGHT, offset=0.0)
    if not ctx.small:
        # fuller: a darker groove along the centre of the lower blade
        t, s = fr.local(ctx)
        u = t / L
        fuller = blade & (np.abs(s + 0.5) < 0.55) & (u > ug + 0.04) & (u < ug + 0.55 * blade_len)
        S.tone(ctx, fuller, bmat, SHADOW)
    # guard
    gmat = ctx.mat("guard")
    gr = _r(fr, 0.032, 1.0)
    gwp = gw * L
    if form == 2:
        p0, p1 = fr.u(ug, -gwp), fr.u(ug + 0.03, gwp)
    else:
        bend = 0.035 if form == 1 else 0.0
        p0, p1 = fr.u(ug + bend, -gwp), fr.u(ug + bend, gwp)
    ctx.cv.capsule("guard", p0, p1, gr, gmat, inner="line", highlight=True)
    if form == 1 and not ctx.small:
        ctx.cv.ellipse("guard", fr.u(ug, 0), (gr * 1.5, gr * 1.5), gmat, inner="line")
    # grip and pommel
    gripm = ctx.mat("grip")
    g0, g1 = fr.u(0.05, 0), fr.u(ug - 0.01, 0)
    rg = _r(fr, 0.03, 1.0)
    ctx.cv.capsule("grip", g0, g1, rg, gripm, behind=True)
    if not ctx.small:
        t, s = fr.local(ctx)
        wrap = ((t / max(2.0, 0.045 * L)).astype(int) % 2 == 0) & (ctx.cv.part == ctx.cv.part_names.index("grip"))
        S.tone(ctx, wrap & (s < 0.3), gripm, SHADOW)
    pr = _r(fr, 0.045, 1.3)
    ctx.cv.ellipse("pommel", fr.u(0.035, 0), (pr, pr), gmat, inner="line")
    if "gem" in ctx.cols and ctx.large:
        ctx.cv.ellipse("gem", fr.u(ug, 0), (gr * 0.9, gr * 0.9), ctx.mat("gem"))
    return {"grip": fr.u((0.05 + ug) / 2), "tip": fr.u(1.0), "guard": fr.u(ug)}


def _shaft(ctx: Ctx, fr: Frame, u0: float, u1: float, rfrac: float, rmin: float = 1.0, *,
           part: str = "handle", slot: str = "handle", wobble: float = 0.0) -> np.ndarray:
    """A wooden shaft along the frame; ``wobble`` bends it into a gnarled staff."""
    mat = ctx.mat(slot)
    r = _r(fr, rfrac, rmin)
    if wobble:
        n = 5
        us = [u0 + (u1 - u0) * i / (n - 1) for i in range(n)]
        offs = [0.0] + [float(ctx.rng.uniform(-1, 1)) * wobble * fr.L for _ in range(n - 2)] + [0.0]
        m = S.poly(ctx, fr.band(us, offs, [r * (1.1 - 0.2 * i / (n - 1)) for i in range(n)]))
        return S.paint_split(ctx, part, m, mat, fr, lit=LIGHT, dark=BASE, ridge=None, offset=0.3)
    return ctx.cv.capsule(part, fr.u(u0), fr.u(u1), r, mat)


def _wrap(ctx: Ctx, fr: Frame, u0: float, u1: float, rfrac: float, slot: str = "grip", part: str = "grip") -> None:
    """A leather grip wrap on a shaft (slightly thicker, banded)."""
    mat = ctx.mat(slot)
    r = _r(fr, rfrac, 1.0) + (0.4 if not ctx.small else 0.0)
    m = ctx.cv.capsule(part, fr.u(u0), fr.u(u1), r, mat)
    if not ctx.small:
        t, s = fr.local(ctx)
        band = ((t / max(2.0, 0.04 * fr.L)).astype(int) % 2 == 0) & m & (s < 0.4)
        S.tone(ctx, band, mat, SHADOW)


def _axe(ctx: Ctx) -> dict:
    form = ctx.form
    double = form == 2
    bit = 0.34 if form != 1 else 0.28
    ext = [(0.0, 0.0), (1.0, 0.0), (0.72, bit + 0.02), (0.9, bit)]
    if double:
        ext += [(0.75, -bit * 0.85), (0.9, -bit * 0.85)]
    else:
        ext += [(0.82, -0.08)]
    fr = fit_frame(ctx, ext, fill=0.93)
    _shaft(ctx, fr, 0.02, 0.97, 0.032, 1.0)
    _wrap(ctx, fr, 0.04, 0.26, 0.032)
    head = ctx.mat("head")
    L = fr.L
    uh = 0.82
    def bitpoly(sign: float, depth: float) -> list:
        d = depth
        if form == 1:   # bearded axe: long lower horn
            prof = [(uh - 0.06, 0.02), (uh - 0.07, 0.10), (uh - 0.22, d * 0.85), (uh - 0.14, d * 1.02),
                    (uh - 0.02, d * 1.02), (uh + 0.08, d * 0.95), (uh + 0.07, 0.10), (uh + 0.06, 0.02)]
        else:
            prof = [(uh - 0.07, 0.02), (uh - 0.09, 0.12), (uh - 0.17, d * 0.9), (uh - 0.1, d * 1.02),
                    (uh + 0.0, d * 1.04), (uh + 0.1, d * 1.0), (uh + 0.15, d * 0.88), (uh + 0.08, 0.12),
                    (uh + 0.07, 0.02)]
        return [fr.u(u, sign * s * L) for u, s in prof]
    m = S.poly(ctx, bitpoly(1.0, bit))
    if double:
        m |= S.poly(ctx, bitpoly(-1.0, bit * 0.85))
    else:
        # short back spike / poll
        m |= S.poly(ctx, [fr.u(uh - 0.05, 0), fr.u(uh - 0.03, -0.08 * L), fr.u(uh + 0.04, -0.08 * L),
                          fr.u(uh + 0.06, 0)])
    sock = S.poly(ctx, fr.band([uh - 0.08, uh + 0.08], [0, 0], [max(0.06 * L, 1.6)] * 2))
    m |= sock
    sel = S.paint_split(ctx, "head", m, head, fr, lit=LIGHT, dark=BASE, ridge=None, offset=0.0)
    # sharpened edge: the outer band of the bit(s) in the highlight tone
    _t, s = fr.local(ctx)
    edge_w = max(1.0, 0.06 * L)
    S.tone(ctx, sel & (s > bit * L - edge_w), head, HIGHLIGHT)
    if double:
        S.tone(ctx, sel & (s < -(bit * 0.85 * L - edge_w)), head, LIGHT)
    S.tone(ctx, sock & ~S.erode4(sock) & ~S.erode4(sel) & (s < 0), head, SHADOW)
    return {"grip": fr.u(0.15), "tip": fr.u(uh, bit * L)}


def _hammer(ctx: Ctx) -> dict:
    form = ctx.form
    hw = 0.22 if form != 1 else 0.0
    ext = [(0.0, 0.0), (1.0, 0.0)]
    if form == 1:
        ext += [(0.82, 0.15), (0.82, -0.15), (1.0, 0.08)]
    else:
        ext += [(0.8, hw + 0.02), (0.98, hw + 0.02), (0.8, -hw - 0.02), (0.98, -hw)]
    fr = fit_frame(ctx, ext, fill=0.93)
    L = fr.L
    head = ctx.mat("head")
    _shaft(ctx, fr, 0.02, 0.86, 0.03, 1.0)
    _wrap(ctx, fr, 0.04, 0.28, 0.03)
    if form == 1:   # flanged mace
        c = fr.u(0.84)
        r = max(0.13 * L, 2.5)
        spikes = []
        for k in range(8):
            a = math.radians(k * 45 + 22.5)
            spikes += [(c[0] + r * 1.35 * math.cos(a), c[1] + r * 1.35 * math.sin(a))]
        m = S.ellipse(ctx, c, (r, r))
        if not ctx.small:
            for sx, sy in spikes:
                m |= S.capsule(ctx, c, (sx, sy), max(0.8, r * 0.22), 0.5)
        S.paint_sphere(ctx, "head", m, head, (c[0] - r * 0.1, c[1] - r * 0.1), (r * 1.2, r * 1.2))
        ctx.cv.capsule("head", fr.u(0.93), fr.u(0.99), max(0.9, 0.03 * L), head, highlight=True)
    else:
        # rectangular head across the shaft; the warhammer (form 2) has a spike on one side
        u0, u1 = 0.78, 0.98
        if form == 0:
            pts = [fr.u(u0, -hw * L), fr.u(u0, hw * L), fr.u(u1, hw * L), fr.u(u1, -hw * L)]
        else:
            pts = [fr.u(u0, 0), fr.u(u0, hw * 0.75 * L), fr.u(u1, hw * 0.75 * L), fr.u(u1, 0),
                   fr.u((u0 + u1) / 2 + 0.02, -hw * 1.15 * L)]
        m = S.poly(ctx, pts)
        sel = S.paint_split(ctx, "head", m, head, fr, lit=LIGHT, dark=BASE, ridge=HIGHLIGHT, offset=0.0)
        if not ctx.small:
            t, s = fr.local(ctx)
            band = sel & (np.abs(t / L - (u0 + u1) / 2) < 0.03)
            S.tone(ctx, band, head, SHADOW)
            # striking faces
            face = sel & (np.abs(s) > hw * L * 0.82) if form == 0 else sel & (s > hw * 0.75 * L * 0.8)
            S.tone(ctx, face, head, HIGHLIGHT)
    return {"grip": fr.u(0.16)}


def _spear(ctx: Ctx) -> dict:
    form = ctx.form
    hw = 0.065 if form != 2 else 0.14
    ext = [(0.0, 0.0), (1.0, 0.0), (0.82, hw), (0.82, -hw)]
    if form == 1:
        ext += [(0.62, -0.12)]
    fr = fit_frame(ctx, ext, fill=0.95)
    L = fr.L
    head = ctx.mat("head")
    _shaft(ctx, fr, 0.0, 0.78, 0.022, 0.8)
    if form == 2:   # trident
        prong = max(0.02 * L, 0.9)
        base = S.poly(ctx, fr.band([0.72, 0.78], [0, 0], [hw * L, hw * L * 0.9]))
        m = base
        for sgn in (-1, 0, 1):
            s0 = sgn * (hw * L - prong)
            tipu = 0.98 if sgn else 1.0
            m |= S.poly(ctx, [fr.u(0.75, s0 - prong), fr.u(tipu - 0.06, s0 - prong), fr.u(tipu, s0),
                              fr.u(tipu - 0.06, s0 + prong), fr.u(0.75, s0 + prong)])
        S.paint_split(ctx, "head", m, head, fr, lit=LIGHT, dark=BASE, ridge=HIGHLIGHT)
    else:
        pts = fr.band([0.74, 0.8, 0.86, 1.0], [0, 0, 0, 0], [max(0.018 * L, 0.8), hw * L, hw * L * 0.8, 0])
        m = S.poly(ctx, pts)
        S.paint_split(ctx, "head", m, head, fr, lit=LIGHT, dark=BASE, ridge=HIGHLIGHT)
        ctx.cv.capsule("head", fr.u(0.72), fr.u(0.76), max(0.035 * L, 1.2), ctx.mat("guard", (180, 140, 60)),
                       highlight=True)
        if form == 1 and not ctx.small:   # tassel hanging under the head
            tm = ctx.mat("accent", (190, 40, 40))
            a = fr.u(0.73)
            ctx.cv.polygon("tassel", [(a[0] - 1.0, a[1]), (a[0] + 1.0, a[1]), (a[0] + 1.5, a[1] + 0.16 * L),
                                      (a[0] - 1.5, a[1] + 0.16 * L)], tm)
    return {"grip": fr.u(0.3), "tip": fr.u(1.0)}


def _staff(ctx: Ctx) -> dict:
    form = ctx.form
    orb_r = ctx.num("orb_size", 0.1)
    ext = [(0.0, 0.0)] + circ(0.84 + orb_r * 0.4, 0.0, orb_r * 1.15)
    if form == 1:
        ext = [(0.0, 0.0), (1.0, 0.0), (0.75, orb_r), (0.75, -orb_r)]
    if form == 2:
        ext = [(0.0, 0.0)] + circ(0.86, 0.05, 0.1)
    fr = fit_frame(ctx, ext, fill=0.95)
    L = fr.L
    orb = ctx.mat("orb")
    gnarl = 0.012 if not ctx.small else 0.0
    if form == 2:
        _shaft(ctx, fr, 0.0, 0.78, 0.026, 1.0, wobble=gnarl)
        # crook: curl at the top holding a small gem
        c = fr.u(0.86, 0.05 * L)
        r = max(0.09 * L, 2.4)
        ring = S.ellipse(ctx, c, (r, r)) & ~S.ellipse(ctx, c, (max(r - max(0.05 * L, 1.3), 0.6),) * 2)
        t, s = fr.local(ctx)
        ring &= ~((s < 0.05 * L - r * 0.2) & (t < 0.86 * L))
        ctx.cv.mask("head", ring, ctx.mat("handle"), shading="rim")
        gc = fr.u(0.86, 0.05 * L)
        gr = max(r * 0.45, 1.0)
        ctx.cv.ellipse("orb", gc, (gr, gr), orb)
        return {"grip": fr.u(0.35), "tip": fr.u(0.95)}
    _shaft(ctx, fr, 0.0, 0.84, 0.026, 1.0, wobble=gnarl)
    c = fr.u(0.84 + orb_r * 0.4)
    r = max(orb_r * L, 2.2)
    metal = ctx.mat("metal", (190, 160, 80))
    if form == 0:   # orb held in claws
        ctx.cv.ellipse("orb", c, (r, r), orb)
        if not ctx.small:
            for sg in (-1, 1):
                p0 = fr.u(0.80, sg * 0.012 * L)
                p1 = fr.u(0.84 + orb_r * 0.5, sg * (r + 0.3))
                p2 = fr.u(0.84 + orb_r * 1.1, sg * r * 0.55)
                ctx.cv.capsule("head", p0, p1, max(0.7, 0.018 * L), metal, r1=max(0.6, 0.014 * L), inner="line")
                ctx.cv.capsule("head", p1, p2, max(0.6, 0.014 * L), metal, r1=0.5, inner="line")
        ctx.cv.capsule("head", fr.u(0.78), fr.u(0.82), max(0.04 * L, 1.3), metal, highlight=True, inner="line")
        # glow sparkle
        hx, hy = c[0] - r * 0.35, c[1] - r * 0.35
        ctx.cv.pixel(hx, hy, orb.ramp[HIGHLIGHT])
    else:           # crystal shard on a socket
        cs = S.poly(ctx, fr.band([0.76, 0.8, 0.92, 1.0], [0, 0, 0, 0],
                                 [max(0.03 * L, 1.0), r * 0.75, r * 0.75, 0]))
        S.paint_split(ctx, "orb", cs, orb, fr, lit=LIGHT, dark=BASE, ridge=HIGHLIGHT)
        ctx.cv.capsule("head", fr.u(0.75, -r * 0.7), fr.u(0.75, r * 0.7), max(0.028 * L, 1.0), metal,
                       highlight=True, inner="line")
    return {"grip": fr.u(0.35), "tip": fr.u(0.84 + orb_r)}


def _wand(ctx: Ctx) -> dict:
    form = ctx.form
    ext = [(0.0, 0.0), (1.0, 0.0), (0.86, 0.13), (0.86, -0.13)]
    fr = fit_frame(ctx, ext, fill=0.9)
    L = fr.L
    tipm = ctx.mat("orb")
    ctx.cv.capsule("handle", fr.u(0.02), fr.u(0.8), max(0.03 * L, 1.0), ctx.mat("handle"),
                   r1=max(0.018 * L, 0.7))
    _wrap(ctx, fr, 0.02, 0.26, 0.032, slot="grip")
    c = fr.u(0.86)
    r = max(0.12 * L, 2.2)
    if form == 0:   # star
        m = S.poly(ctx, S.star_points(c[0], c[1], r * 1.1, r * 0.48, 5, rot=-90 + 15))
        S.paint_sphere(ctx, "head", m, tipm, c, (r, r))
    elif form == 1:  # faceted gem
        m = S.poly(ctx, [fr.u(0.8, 0), fr.u(0.86, r * 0.8), fr.u(0.98, 0), fr.u(0.86, -r * 0.8)])
        S.paint_split(ctx, "head", m, tipm, fr, lit=LIGHT, dark=SHADOW, ridge=HIGHLIGHT)
    else:            # heart / orb
        ctx.cv.ellipse("head", c, (r * 0.85, r * 0.85), tipm)
        ctx.cv.capsule("handle", fr.u(0.76, -r * 0.5), fr.u(0.76, r * 0.5), max(0.025 * L, 0.8),
                       ctx.mat("metal", (200, 170, 80)), highlight=True, inner="line")
    return {"grip": fr.u(0.14), "tip": c}


def _bow(ctx: Ctx) -> dict:
    form = ctx.form
    bulge = 0.22 if form != 2 else 0.17
    fr = fit_frame(ctx, [(0.0, 0.0), (1.0, 0.0), (0.5, bulge + 0.04), (0.0, 0.04), (1.0, 0.04)], fill=0.96)
    L = fr.L
    wood = ctx.mat("handle")
    n = 9
    us = [i / (n - 1) for i in range(n)]
    cen, half = [], []
    for u in us:
        x = 2 * u - 1
        c = bulge * L * (1 - x * x)
        if form == 2:   # recurve: tips flick back toward the string side
            c -= 0.05 * L * max(0.0, abs(x) - 0.7) / 0.3
        cen.append(c)
        half.append(max(0.8, (0.035 - 0.017 * abs(x)) * L))
    m = S.poly(ctx, fr.band(us, cen, half))
    S.paint_split(ctx, "limb", m, wood, fr, lit=LIGHT, dark=BASE, ridge=None, offset=bulge * L)
    # string: tip to tip (1 px)
    sm = S.line(ctx, fr.u(0.02, cen[0]), fr.u(0.98, cen[-1]))
    ctx.cv.mask("string", sm & ~m, ctx.mat("string", (230, 220, 190)), shading="flat", behind=True)
    # grip wrap at the middle
    gm = ctx.mat("grip")
    g0, g1 = fr.u(0.42, bulge * L * 0.97), fr.u(0.58, bulge * L * 0.97)
    ctx.cv.capsule("grip", g0, g1, max(0.045 * L, 1.2), gm, inner="line")
    if form == 1:
        # horn nocks at the limb tips
        nm = ctx.mat("nock", (236, 224, 194))
        for u, c in ((0.0, cen[0]), (1.0, cen[-1])):
            ctx.cv.ellipse("limb", fr.u(u, c), (max(1.0, 0.035 * L),) * 2, nm, inner="line")
    return {"grip": fr.u(0.5, bulge * L)}


def _arrow(ctx: Ctx) -> dict:
    form = ctx.form
    fw = 0.07 if form != 1 else 0.09
    fr = fit_frame(ctx, [(0.0, 0.0), (1.0, 0.0), (0.03, fw), (0.03, -fw), (0.17, fw), (0.17, -fw), (0.9, 0.06),
                         (0.9, -0.06)], fill=0.95)
    L = fr.L
    ctx.cv.capsule("shaft", fr.u(0.01), fr.u(0.86), max(0.016 * L, 0.7), ctx.mat("handle"))
    hw = max(0.065 * L, 1.6)
    head = S.poly(ctx, [fr.u(0.8, hw * 0.5), fr.u(0.82, hw), fr.u(1.0, 0), fr.u(0.82, -hw), fr.u(0.8, -hw * 0.5)]
                  if form != 2 else [fr.u(0.8, hw * 0.4), fr.u(0.86, hw), fr.u(1.0, 0), fr.u(0.86, -hw),
                                     fr.u(0.8, -hw * 0.4), fr.u(0.84, 0)])
    S.paint_split(ctx, "head", head, ctx.mat("head"), fr, lit=LIGHT, dark=BASE, ridge=HIGHLIGHT)
    fm = ctx.mat("feather")
    fwp = max(fw * L, 1.6)
    for sg in (1, -1):
        pts = [fr.u(0.27, sg * 0.5), fr.u(0.17, sg * fwp), fr.u(0.03, sg * fwp), fr.u(0.0, sg * 0.5)]
        m = S.poly(ctx, pts)
        ctx.cv.mask("fletching", m, fm, shading="flat" if sg < 0 else "rim")
        if sg < 0:
            S.tone(ctx, m, fm, SHADOW)
    if not ctx.small:
        t, _s = fr.local(ctx)
        stripe = (np.abs(t / L - 0.1) < 0.018) & (ctx.cv.part == ctx.cv.part_names.index("fletching"))
        S.tone(ctx, stripe, fm, OUTLINE if form == 0 else HIGHLIGHT)
    return {"grip": fr.u(0.3), "tip": fr.u(1.0)}


def _key(ctx: Ctx) -> dict:
    form = ctx.form
    fr = fit_frame(ctx, circ(0.14, 0.0, 0.15) + [(1.0, 0.0), (0.9, -0.14)], fill=0.92)
    L = fr.L
    gold = ctx.mat("metal")
    r = max(0.14 * L, 3.0)
    c = fr.u(0.14)
    if form == 1:   # trefoil bow
        m = np.zeros((ctx.h, ctx.w), bool)
        ang0 = math.degrees(math.atan2(-fr.dy, -fr.dx))  # pointing away from the shaft
        for a in (-75, 0, 75):
            rr = r * 0.55
            aa = math.radians(ang0 + a)
            m |= S.ellipse(ctx, (c[0] + r * 0.48 * math.cos(aa), c[1] + r * 0.48 * math.sin(aa)), (rr, rr))
        hole = S.ellipse(ctx, c, (max(r * 0.28, 0.8),) * 2)
    elif form == 2:  # diamond bow
        m = S.poly(ctx, [fr.u(0.0, 0), fr.u(0.14, r), fr.u(0.28, 0), fr.u(0.14, -r)])
        hole = S.poly(ctx, [fr.u(0.07, 0), fr.u(0.14, r * 0.45), fr.u(0.21, 0), fr.u(0.14, -r * 0.45)])
    else:
        m = S.ellipse(ctx, c, (r, r))
        hole = S.ellipse(ctx, c, (max(r * 0.5, 1.0),) * 2)
    if ctx.small:
        hole = S.ellipse(ctx, c, (0.9, 0.9)) if form != 2 else hole & S.erode4(hole)
    bow = m & ~hole
    S.paint_sphere(ctx, "bow", bow, gold, (c[0] - r * 0.2, c[1] - r * 0.2), (r * 1.1, r * 1.1))
    rs = max(0.04 * L, 1.1)
    ctx.cv.capsule("shaft", fr.u(0.24), fr.u(0.98), rs, gold, highlight=True, behind=True)
    # bit: teeth on the lower-right side
    bit_w = max(0.13 * L, 3.0)
    teeth = [fr.u(0.78, 0), fr.u(0.78, -bit_w), fr.u(0.84, -bit_w), fr.u(0.84, -bit_w * 0.55),
             fr.u(0.88, -bit_w * 0.55), fr.u(0.88, -bit_w), fr.u(0.96, -bit_w), fr.u(0.96, 0)]
    tm = S.poly(ctx, teeth)
    ctx.cv.mask("bit", tm, gold, shading="rim", behind=True)
    if not ctx.small:
        ctx.cv.capsule("shaft", fr.u(0.26, 0), fr.u(0.3, 0), rs * 1.45, gold, highlight=True, inner="line")
    return {"grip": fr.u(0.27), "bow": c}


# ---------------------------------------------------------------------------- compact items
def _shield(ctx: Ctx) -> dict:
    form = ctx.form
    b = Box(ctx, 0.86 if form != 1 else 1.0, fill=0.92)
    body, rim = ctx.mat("primary"), ctx.mat("metal")
    emb = ctx.mat("secondary")
    if form == 1:   # round shield with a boss and planks
        c = b.p(0.5, 0.5)
        r = (b.W / 2, b.H / 2)
        ctx.cv.ellipse("rim", c, r, rim)
        rw = max(1.0, b.s * 0.07)
        inner = S.ellipse(ctx, c, (r[0] - rw, r[1] - rw))
        S.paint_sphere(ctx, "face", inner, body, c, r, highlight=False)
        if not ctx.small:
            S.planks(ctx, inner, body, horizontal=False, n=4, lo=c[0] - r[0], hi=c[0] + r[0])
        br = max(b.s * 0.16, 1.6)
        ctx.cv.ellipse("boss", c, (br, br), rim, inner="line")
        return {"grip": c}
    if form == 0:   # kite
        pts = b.pts([(0.0, 0.08), (0.18, 0.0), (0.5, -0.02), (0.82, 0.0), (1.0, 0.08), (0.97, 0.42), (0.78, 0.75),
                     (0.5, 1.0), (0.22, 0.75), (0.03, 0.42)])
    else:           # heater
        pts = b.pts([(0.0, 0.0), (1.0, 0.0), (1.0, 0.45), (0.9, 0.7), (0.5, 1.0), (0.1, 0.7), (0.0, 0.45)])
    outer = S.poly(ctx, pts)
    ctx.cv.mask("rim", outer, rim, shading="rim", highlight=True)
    rw = max(1, round(b.s * 0.07))
    inner = S.erode(outer, rw)
    c = b.p(0.45, 0.38)
    S.paint_sphere(ctx, "face", inner, body, c, (b.W * 0.7, b.H * 0.7), highlight=False)
    # emblem
    if form == 0:
        cw = max(1.0, b.s * 0.09)
        cross = S.rect(ctx, b.x(0.5) - cw, b.y(0.12), b.x(0.5) + cw, b.y(0.82))
        cross |= S.rect(ctx, b.x(0.16), b.y(0.34) - cw, b.x(0.84), b.y(0.34) + cw)
        cross &= S.erode(inner, 1 if not ctx.small else 0)
        ctx.cv.mask("emblem", cross, emb, shading="rim")
    else:
        # chevron / bend in the secondary colour
        band = S.poly(ctx, b.pts([(0.0, 0.42), (0.5, 0.7), (1.0, 0.42), (1.0, 0.62), (0.5, 0.9), (0.0, 0.62)]))
        band &= S.erode(inner, 0)
        ctx.cv.mask("emblem", band, emb, shading="rim")
        if not ctx.small:
            sc = b.p(0.5, 0.3)
            sr = b.s * 0.13
            ctx.cv.mask("emblem", S.poly(ctx, S.star_points(sc[0], sc[1], sr, sr * 0.45)), rim, shading="flat")
    if ctx.large:
        # rivets along the rim
        rv = S.checker_dots(ctx, outer & ~S.erode(outer, 1) & S.erode(outer, 0), 5)
        S.tone(ctx, rv & ~S.erode4(outer), rim, HIGHLIGHT)
    return {"grip": b.p(0.5, 0.45)}


def _helmet(ctx: Ctx) -> dict:
    form = ctx.form
    b = Box(ctx, 1.0 if form != 1 else 1.25, fill=0.92)
    metal = ctx.mat("metal")
    dark = ctx.mat("visor", (30, 30, 40))
    acc = ctx.mat("plume")
    plume = form == 2 or (form == 0 and ctx.rng.random() < 0.5)
    if form == 1:   # horned viking helm
        dome_c = b.p(0.5, 0.62)
        r = (b.W * 0.3, b.H * 0.42)
        horn = ctx.mat("horn", (236, 222, 190))
        for sg in (-1, 1):
            base = b.p(0.5 + sg * 0.22, 0.55)
            mid = b.p(0.5 + sg * 0.40, 0.42)
            tip = b.p(0.5 + sg * 0.47, 0.04)
            m = S.poly(ctx, [(base[0], base[1] - b.H * 0.1), (mid[0] + sg * b.W * 0.02, mid[1] - b.H * 0.1),
                             tip, (mid[0] + sg * b.W * 0.09, mid[1] + b.H * 0.06), (base[0], base[1] + b.H * 0.1)])
            ctx.cv.mask("horn", m, horn, shading="rim", highlight=True)
        m = S.ellipse(ctx, dome_c, r) & (ctx.pyc < dome_c[1] + r[1] * 0.35)
        S.paint_sphere(ctx, "head", m, metal, (dome_c[0], dome_c[1] - r[1] * 0.2), r, inner="line")
        bh = max(1.0, b.H * 0.1)
        ctx.cv.rect("rim", b.x(0.19), dome_c[1] + r[1] * 0.12, b.x(0.81), dome_c[1] + r[1] * 0.12 + bh,
                    ctx.mat("trim", (170, 130, 70)), highlight=True, inner="line")
        ctx.cv.rect("nasal", b.x(0.5) - max(0.8, b.W * 0.04), dome_c[1] - r[1] * 0.4, b.x(0.5) + max(0.8, b.W * 0.04),
                    dome_c[1] + r[1] * 0.75, ctx.mat("trim", (170, 130, 70)), inner="line")
        return {"grip": b.p(0.5, 0.9)}
    top = 0.22 if plume else 0.04
    if plume:
        if form == 2:   # transverse crest arc
            pm = S.ellipse(ctx, b.p(0.5, 0.3), (b.W * 0.42, b.H * 0.26)) & (ctx.pyc < b.y(0.34))
            pm &= ~S.ellipse(ctx, b.p(0.5, 0.36), (b.W * 0.2, b.H * 0.14))
            S.paint_sphere(ctx, "plume", pm, acc, b.p(0.45, 0.25), (b.W * 0.42, b.H * 0.26))
        else:           # feather plume
            pm = S.ellipse(ctx, b.p(0.62, 0.16), (b.W * 0.16, b.H * 0.15), angle=-30)
            pm |= S.capsule(ctx, b.p(0.55, 0.28), b.p(0.72, 0.05), max(1.0, b.s * 0.08), max(0.6, b.s * 0.03))
            S.paint_sphere(ctx, "plume", pm, acc, b.p(0.6, 0.12), (b.W * 0.18, b.H * 0.16))
    # dome + cheeks
    dome = S.ellipse(ctx, b.p(0.5, top + 0.36), (b.W * 0.4, b.H * 0.36))
    dome |= S.rect(ctx, b.x(0.1), b.y(top + 0.36), b.x(0.9), b.y(1.0) - (0 if form == 0 else b.H * 0.05))
    if form == 2:
        dome &= ~S.rect(ctx, b.x(0.0), b.y(0.96), b.x(0.3), b.y(1.01))
    S.paint_sphere(ctx, "head", dome, metal, b.p(0.42, top + 0.38), (b.W * 0.48, b.H * 0.56), inner="line")
    y_eye = b.y(top + (0.42 if form == 0 else 0.4) * (1 - top))
    eh = max(1.0, b.H * 0.07)
    if form == 0:
        eye = S.rect(ctx, b.x(0.18), y_eye, b.x(0.82), y_eye + eh)
        if not ctx.small:
            eye |= S.rect(ctx, b.x(0.5) - max(0.5, b.W * 0.03), y_eye, b.x(0.5) + max(0.5, b.W * 0.03),
                          b.y(0.92))
        ctx.cv.mask("visor", eye & dome, dark, shading="flat")
        if not ctx.small:
            holes = S.checker_dots(ctx, S.rect(ctx, b.x(0.6), y_eye + eh * 2.5, b.x(0.85), b.y(0.9)), 3) & dome
            ctx.cv.mask("visor", holes, dark, shading="flat")
    else:   # T-shaped opening
        tw = max(1.0, b.W * 0.12)
        opening = S.rect(ctx, b.x(0.2), y_eye, b.x(0.8), y_eye + eh * 1.4)
        opening |= S.rect(ctx, b.x(0.5) - tw, y_eye, b.x(0.5) + tw, b.y(1.01))
        ctx.cv.mask("visor", opening & dome, dark, shading="flat")
    # ridge highlight on the dome
    if not ctx.small:
        ridge = S.rect(ctx, b.x(0.5) - 0.5, b.y(top + 0.02), b.x(0.5) + 0.5, y_eye - 1) & dome
        S.tone(ctx, ridge, metal, LIGHT)
    return {"grip": b.p(0.5, 0.95)}


def _armor(ctx: Ctx) -> dict:
    form = ctx.form
    b = Box(ctx, 1.0, fill=0.92)
    metal = ctx.mat("metal")
    cloth = ctx.mat("primary")
    belt = ctx.mat("belt", (110, 70, 40))
    torso = S.poly(ctx, b.pts([(0.18, 0.12), (0.36, 0.04), (0.64, 0.04), (0.82, 0.12), (0.8, 0.6), (0.7, 0.88),
                               (0.3, 0.88), (0.2, 0.6)]))
    neck = S.ellipse(ctx, b.p(0.5, 0.02), (b.W * 0.16, b.H * 0.12))
    torso &= ~neck
    if form == 2:   # chainmail shirt with cloth tabard
        S.paint_sphere(ctx, "torso", torso, metal, b.p(0.45, 0.4), (b.W * 0.45, b.H * 0.6), highlight=False)
        if not ctx.small:
            ring = S.checker_dots(ctx, torso, 2)
            S.tone(ctx, ring, metal, SHADOW)
        tab = S.poly(ctx, b.pts([(0.36, 0.1), (0.64, 0.1), (0.62, 0.95), (0.5, 0.88), (0.38, 0.95)]))
        S.paint_sphere(ctx, "tabard", tab, cloth, b.p(0.45, 0.4), (b.W * 0.3, b.H * 0.6), highlight=False,
                       inner="line")
    else:
        S.paint_sphere(ctx, "torso", torso, metal, b.p(0.42, 0.35), (b.W * 0.42, b.H * 0.55))
        if not ctx.small:
            # central ridge and pectoral line
            ridge = S.rect(ctx, b.x(0.5) - 0.5, b.y(0.12), b.x(0.5) + 0.5, b.y(0.72)) & torso
            S.tone(ctx, ridge, metal, HIGHLIGHT)
            pec = S.polyline(ctx, b.pts([(0.26, 0.42), (0.5, 0.5), (0.74, 0.42)])) & torso
            S.tone(ctx, pec, metal, SHADOW)
        if form == 1:
            tab = S.poly(ctx, b.pts([(0.42, 0.5), (0.58, 0.5), (0.58, 0.98), (0.5, 0.92), (0.42, 0.98)]))
            ctx.cv.mask("tabard", tab, cloth, shading="rim", inner="line")
    # pauldrons
    for sg in (-1, 1):
        c = b.p(0.5 + sg * 0.32, 0.16)
        ctx.cv.ellipse("pauldron_" + ("left" if sg > 0 else "right"), c, (b.W * 0.18, b.H * 0.14), metal,
                       inner="line")
    # belt with buckle
    by = b.y(0.66)
    bh = max(1.0, b.H * 0.08)
    bm = S.rect(ctx, b.x(0.2), by, b.x(0.8), by + bh) & S.dilate(torso, 1)
    ctx.cv.mask("belt", bm, belt, shading="rim", inner="line")
    buck = S.rect(ctx, b.x(0.5) - max(1.0, b.W * 0.06), by - 0.3, b.x(0.5) + max(1.0, b.W * 0.06), by + bh + 0.3)
    ctx.cv.mask("belt", buck, ctx.mat("trim", (220, 180, 70)), shading="rim", highlight=True)
    return {"grip": b.p(0.5, 0.1)}


def _boots(ctx: Ctx) -> dict:
    form = ctx.form
    b = Box(ctx, 1.0, fill=0.92)
    leather = ctx.mat("primary")
    sole = ctx.mat("sole", (60, 42, 34))
    cuff = ctx.mat("secondary")
    tall = 0.0 if form != 1 else 0.18
    for k, (dx, dy, part) in enumerate(((0.28, -0.06, "boot_back"), (0.0, 0.0, "boot_front"))):
        def x(f: float, dx: float = dx) -> float:
            return b.x(f * 0.72 + dx)

        def y(f: float, dy: float = dy) -> float:
            return b.y(f * 0.94 + 0.06 + dy)

        shaft = S.rect(ctx, x(0.08), y(tall), x(0.52), y(0.8))
        foot = S.ellipse(ctx, (x(0.5), y(0.8)), (b.W * 0.72 * 0.44, b.H * 0.94 * 0.16)) & (ctx.pyc < y(0.93))
        foot |= S.rect(ctx, x(0.08), y(0.62), x(0.6), y(0.93))
        m = shaft | foot
        S.paint_sphere(ctx, part, m, leather, (x(0.3), y(0.35)), (b.W * 0.5, b.H * 0.7), highlight=False,
                       inner="line")
        if k == 0:
            S.tone(ctx, m & (ctx.cv.part == ctx.cv.part_names.index(part)), leather, SHADOW)
        sm = S.rect(ctx, x(0.06), y(0.86), x(0.95), y(0.99)) & S.dilate(m, 1)
        ctx.cv.mask("sole", sm, sole, shading="flat", inner="line")
        if form == 2:   # buckled strap
            st = S.rect(ctx, x(0.06), y(0.45), x(0.54), y(0.45) + max(1.0, b.H * 0.07))
            ctx.cv.mask(part, st, sole, shading="flat")
            ctx.cv.pixel(x(0.3), y(0.45) + 0.5, ctx.mat("trim", (220, 180, 70)).base, part=part)
        cm = S.rect(ctx, x(0.02), y(tall) - b.H * 0.02, x(0.58), y(tall) + max(1.5, b.H * 0.13))
        ctx.cv.mask("cuff", cm, cuff, shading="rim", highlight=True, inner="line")
    return {"grip": b.p(0.3, 0.2)}


def _ring(ctx: Ctx) -> dict:
    form = ctx.form
    b = Box(ctx, 1.0, fill=0.9)
    gold = ctx.mat("metal")
    gem = ctx.mat("gem")
    c = b.p(0.5, 0.62)
    r = (b.W * 0.4, b.H * 0.33)
    th = max(1.3, b.s * 0.11)
    band = S.ellipse(ctx, c, r) & ~S.ellipse(ctx, (c[0], c[1] + th * 0.25), (r[0] - th, r[1] - th))
    S.paint_sphere(ctx, "band", band, gold, (c[0] - r[0] * 0.3, c[1] - r[1] * 0.5), (r[0] * 1.2, r[1] * 1.3))
    gc = b.p(0.5, 0.25)
    gr = b.s * (0.2 if form != 2 else 0.15)
    ctx.cv.rect("setting", gc[0] - gr * 0.9, gc[1] + gr * 0.3, gc[0] + gr * 0.9, c[1] - r[1] + th * 0.8, gold,
                highlight=True, inner="line")
    if form == 1:
        gm = S.poly(ctx, [(gc[0], gc[1] - gr), (gc[0] + gr, gc[1]), (gc[0], gc[1] + gr), (gc[0] - gr, gc[1])])
        S.paint_sphere(ctx, "gem", gm, gem, gc, (gr, gr), inner="line")
    else:
        ctx.cv.ellipse("gem", gc, (gr, gr), gem, inner="line")
    if not ctx.small:
        ctx.cv.pixel(gc[0] - gr * 0.4, gc[1] - gr * 0.4, gem.ramp[HIGHLIGHT])
    return {"grip": (c[0], c[1] + r[1] - th * 0.5)}


def _crown(ctx: Ctx) -> dict:
    form = ctx.form
    b = Box(ctx, 1.2, fill=0.92)
    gold = ctx.mat("metal")
    gem = ctx.mat("gem")
    gem2 = ctx.mat("gem2", (60, 110, 220))
    n = 3 if form != 1 else 5
    if ctx.small:
        n = 3
    band_top, band_bot = 0.6, 0.95
    tips = np.linspace(0.03, 0.97, n)
    tip_ys = [0.12 if (k == n // 2 or form == 2) else 0.24 for k in range(n)]
    pts = [b.p(0.05, band_bot)]
    for k in range(n):
        pts.append(b.p(tips[k], tip_ys[k]))
        if k < n - 1:
            pts.append(b.p((tips[k] + tips[k + 1]) / 2, 0.5))
    pts.append(b.p(0.95, band_bot))
    m = S.poly(ctx, pts) | S.rect(ctx, b.x(0.04), b.y(band_top), b.x(0.96), b.y(band_bot))
    t = S.hgrad_tones(ctx, b.x(0.0), b.x(1.0), light_frac=0.3, shadow_frac=0.76)
    S.paint_tones(ctx, "crown", m, gold, t)
    # band
    bm = S.rect(ctx, b.x(0.02), b.y(band_top), b.x(0.98), b.y(band_bot)) & m
    S.tone(ctx, bm & (ctx.pyc < b.y(band_top) + 1), gold, HIGHLIGHT)
    S.tone(ctx, bm & (np.abs(ctx.pxc - b.x(0.18)) < max(0.5, b.W * 0.03)), gold, HIGHLIGHT)
    S.tone(ctx, bm & (ctx.pyc > b.y(band_bot) - 1.0), gold, SHADOW)
    # tip balls and band gems
    br = max(0.9, b.s * 0.07)
    for k in range(n):
        if not ctx.small:
            ctx.cv.ellipse("crown", b.p(min(max(tips[k], 0.06), 0.94), tip_ys[k]), (br, br), gold)
    ng = 3
    for k in range(ng):
        gmat = gem if k % 2 == 0 else gem2
        gr = max(1.0, b.s * 0.08)
        ctx.cv.ellipse("gems", b.p(0.2 + 0.3 * k, (band_top + band_bot) / 2), (gr, gr * (1.0 if not ctx.small else 0.8)),
                       gmat, inner="line")
    return {"grip": b.p(0.5, 0.95)}


def _potion(ctx: Ctx) -> dict:
    form = ctx.form
    b = Box(ctx, 0.8 if form != 2 else 0.62, fill=0.94)
    glass = ctx.mat("glass")
    liquid = ctx.mat("liquid")
    cork = ctx.mat("cork")
    neck_w = 0.15 if form != 2 else 0.2
    neck_top, neck_bot = 0.12, 0.36 if form != 2 else 0.26
    if form == 0:     # round flask
        bc, br = b.p(0.5, 0.66), (b.W * 0.5, b.H * 0.34)
        body = S.ellipse(ctx, bc, br)
    elif form == 1:   # conical (Erlenmeyer)
        bc, br = b.p(0.5, 0.68), (b.W * 0.5, b.H * 0.34)
        body = S.poly(ctx, b.pts([(0.5 - neck_w, 0.32), (0.5 + neck_w, 0.32), (1.0, 0.9), (0.95, 1.0), (0.05, 1.0),
                                  (0.0, 0.9)]))
    else:             # tall bottle with shoulders
        bc, br = b.p(0.5, 0.62), (b.W * 0.5, b.H * 0.4)
        body = S.ellipse(ctx, b.p(0.5, 0.36), (b.W * 0.5, b.H * 0.12)) | S.rect(ctx, b.x(0.0), b.y(0.36),
                                                                                b.x(1.0), b.y(0.94))
        body |= S.ellipse(ctx, b.p(0.5, 0.94), (b.W * 0.5, b.H * 0.06))
    neck = S.rect(ctx, b.x(0.5 - neck_w), b.y(neck_top), b.x(0.5 + neck_w), b.y(neck_bot + 0.04))
    S.paint_sphere(ctx, "glass", body | neck, glass, bc, (br[0] * 1.05, br[1] * 1.25), highlight=False)
    # liquid inside the body, below the fill level
    level = {0: 0.5, 1: 0.55, 2: 0.42}[form] + float(ctx.rng.uniform(-0.04, 0.04))
    wall = 1 if ctx.m < 40 else 2
    liq = S.erode(body, wall) & (ctx.pyc > b.y(level))
    lt = S.sphere_tones(ctx, (bc[0] - br[0] * 0.25, bc[1] - br[1] * 0.1), (br[0] * 1.0, br[1] * 1.0))
    S.paint_tones(ctx, "liquid", liq, liquid, lt)
    surf = liq & (ctx.pyc < b.y(level) + 1.0)
    S.tone(ctx, surf, liquid, LIGHT)
    # glass gleam: a short bright streak on the upper-left of the body
    g = S.ellipse(ctx, (bc[0] - br[0] * 0.55, bc[1] - br[1] * 0.2), (max(0.6, br[0] * 0.12), max(1.0, br[1] * 0.35)),
                  angle=20)
    S.tone(ctx, g & body, glass, HIGHLIGHT)
    if not ctx.small:
        bub = [(bc[0] + br[0] * 0.25, bc[1] + br[1] * 0.2), (bc[0] + br[0] * 0.05, bc[1] + br[1] * 0.5)]
        for x, y in bub:
            if liq[int(y), int(x)]:
                ctx.cv.pixel(x, y, liquid.ramp[HIGHLIGHT])
    # lip and cork
    lip_y = b.y(neck_top)
    ctx.cv.rect("glass", b.x(0.5 - neck_w - 0.06), lip_y, b.x(0.5 + neck_w + 0.06), lip_y + max(1.0, b.H * 0.05),
                glass, highlight=True)
    ctx.cv.rect("cork", b.x(0.5 - neck_w + 0.03), b.y(0.0), b.x(0.5 + neck_w - 0.03), lip_y + 0.2, cork,
                inner="line")
    return {"grip": b.p(0.5, neck_bot)}


def _gem(ctx: Ctx) -> dict:
    form = ctx.form
    b = Box(ctx, 1.0 if form != 2 else 0.85, fill=0.86)
    gem = ctx.mat("gem")
    cv = ctx.cv
    if form == 0:   # brilliant: crown on top, pavilion below
        gy = 0.36
        pts = b.pts([(0.22, 0.0), (0.78, 0.0), (1.0, gy), (0.5, 1.0), (0.0, gy)])
        m = S.poly(ctx, pts)
        cv.mask("gem", m, gem, shading="flat")
        facets = [
            (b.pts([(0.22, 0.0), (0.36, gy), (0.0, gy)]), LIGHT),
            (b.pts([(0.22, 0.0), (0.78, 0.0), (0.64, gy), (0.36, gy)]), HIGHLIGHT),
            (b.pts([(0.78, 0.0), (1.0, gy), (0.64, gy)]), BASE),
            (b.pts([(0.0, gy), (0.36, gy), (0.5, 1.0)]), LIGHT),
            (b.pts([(0.64, gy), (1.0, gy), (0.5, 1.0)]), SHADOW),
        ]
        for fp, t in facets:
            S.tone(ctx, S.poly(ctx, fp) & m, gem, t)
        S.tone(ctx, S.poly(ctx, b.pts([(0.36, gy), (0.64, gy), (0.5, 1.0)])) & m, gem, BASE)
    elif form == 1:  # round cut seen from above: octagon with a table
        oc = b.p(0.5, 0.5)
        R = b.s * 0.5
        outer = [(oc[0] + R * math.cos(math.radians(22.5 + 45 * k)), oc[1] + R * math.sin(math.radians(22.5 + 45 * k)))
                 for k in range(8)]
        m = S.poly(ctx, outer)
        cv.mask("gem", m, gem, shading="flat")
        inner = S.scaled(outer, oc, 0.5)
        lx, ly = cv.light2
        for k in range(8):
            p0, p1 = outer[k], outer[(k + 1) % 8]
            q0, q1 = inner[k], inner[(k + 1) % 8]
            a = math.radians(22.5 + 45 * k + 22.5)
            d = math.cos(a) * lx + math.sin(a) * ly
            t = HIGHLIGHT if d > 0.8 else LIGHT if d > 0.2 else BASE if d > -0.5 else SHADOW
            S.tone(ctx, S.poly(ctx, [p0, p1, q1, q0]) & m, gem, t)
        S.tone(ctx, S.poly(ctx, inner) & m, gem, LIGHT)
        S.tone(ctx, S.poly(ctx, S.scaled(inner, oc, 0.6, 0.6)) & S.poly(ctx, [(oc[0] - R, oc[1] - R), (oc[0] + R, oc[1] - R),
                                                                             (oc[0] - R, oc[1] + R)]), gem, HIGHLIGHT)
    else:            # emerald / step cut: chamfered rectangle
        ch = 0.22
        outer = b.pts([(ch, 0.0), (1 - ch, 0.0), (1.0, ch), (1.0, 1 - ch), (1 - ch, 1.0), (ch, 1.0), (0.0, 1 - ch),
                       (0.0, ch)])
        m = S.poly(ctx, outer)
        cv.mask("gem", m, gem, shading="flat")
        i0, i1 = 0.26, 0.74
        tbl = S.rect(ctx, b.x(i0), b.y(i0), b.x(i1), b.y(i1))
        xs, ys = ctx.pxc, ctx.pyc
        top = m & (ys < b.y(i0)) & ~tbl
        bot = m & (ys > b.y(i1))
        left = m & (xs < b.x(i0)) & ~top & ~bot
        right = m & (xs > b.x(i1)) & ~top & ~bot
        S.tone(ctx, top, gem, LIGHT)
        S.tone(ctx, left, gem, LIGHT)
        S.tone(ctx, right, gem, SHADOW)
        S.tone(ctx, bot, gem, SHADOW)
        S.tone(ctx, tbl & m, gem, BASE)
        S.tone(ctx, S.rect(ctx, b.x(i0), b.y(i0), b.x(0.5), b.y(0.5)) & m, gem, LIGHT)
    # sparkle
    if not ctx.small:
        sx, sy = b.p(0.3 if form != 0 else 0.34, 0.22 if form != 0 else 0.12)
        spark = S.rect(ctx, sx - 0.5, sy - 1.5, sx + 0.5, sy + 1.5) | S.rect(ctx, sx - 1.5, sy - 0.5, sx + 1.5, sy + 0.5)
        S.tone(ctx, spark & (cv.alpha > 0), gem, HIGHLIGHT)
    return {}


def _coin(ctx: Ctx) -> dict:
    form = ctx.form
    b = Box(ctx, 1.0, fill=0.9)
    metal = ctx.mat("metal")
    c = b.p(0.5, 0.48)
    r = b.s * 0.46
    th = max(1.0, b.s * 0.07)
    # edge thickness: the disc's side, shown below
    side = S.ellipse(ctx, (c[0], c[1] + th), (r, r))
    ctx.cv.mask("edge", side, metal, shading="flat")
    S.tone(ctx, side, metal, SHADOW)
    if not ctx.small:
        notch = S.checker_dots(ctx, side & (ctx.pyc > c[1] + r * 0.2), 2) & ~S.ellipse(ctx, c, (r, r))
        S.tone(ctx, notch, metal, OUTLINE)
    face = S.ellipse(ctx, c, (r, r))
    lx, ly = ctx.cv.light2
    ang = (ctx.pxc - c[0]) * lx + (ctx.pyc - c[1]) * ly
    rimw = max(1.0, r * 0.18)
    inner = S.ellipse(ctx, c, (r - rimw, r - rimw))
    t = np.full((ctx.h, ctx.w), BASE, np.int8)
    rim = face & ~inner
    t[rim & (ang > r * 0.3)] = LIGHT
    t[rim & (ang > r * 0.75)] = HIGHLIGHT
    t[rim & (ang < -r * 0.3)] = SHADOW
    # inner bevel: opposite lighting (the face sits below the rim)
    bev = inner & ~S.erode(inner, 1)
    t[bev & (ang > r * 0.2)] = SHADOW
    t[bev & (ang < -r * 0.2)] = LIGHT
    S.paint_tones(ctx, "face", face, metal, t)
    # emblem
    ic = c
    er = (r - rimw) * 0.62
    if ctx.small:
        em = S.rect(ctx, ic[0] - 0.5, ic[1] - er * 0.8, ic[0] + 0.5, ic[1] + er * 0.8)
    elif form == 0:
        em = S.poly(ctx, S.star_points(ic[0], ic[1], er, er * 0.45))
    elif form == 1:
        em = S.poly(ctx, [(ic[0] - er, ic[1] + er * 0.6), (ic[0] - er, ic[1] - er * 0.5), (ic[0] - er * 0.5, ic[1]),
                          (ic[0], ic[1] - er * 0.8), (ic[0] + er * 0.5, ic[1]), (ic[0] + er, ic[1] - er * 0.5),
                          (ic[0] + er, ic[1] + er * 0.6)])
    else:
        em = S.poly(ctx, [(ic[0], ic[1] - er), (ic[0] + er * 0.7, ic[1]), (ic[0], ic[1] + er), (ic[0] - er * 0.7, ic[1])])
        em &= ~S.rect(ctx, ic[0] - er * 0.25, ic[1] - er * 0.25, ic[0] + er * 0.25, ic[1] + er * 0.25)
    # embossed: light top-left edge, shadow bottom-right edge
    S.tone(ctx, em, metal, LIGHT)
    S.tone(ctx, S.edge_toward(em, 1, 1) | S.edge_toward(em, 0, 1), metal, SHADOW)
    return {"grip": c}


def _chest(ctx: Ctx) -> dict:
    form = ctx.form
    b = Box(ctx, 1.25, fill=0.94, stretch=0.3)
    wood = ctx.mat("primary")
    band = ctx.mat("metal")
    lock = ctx.mat("lock", (230, 190, 70))
    split = 0.42
    # box
    box = S.rect(ctx, b.x(0.02), b.y(split), b.x(0.98), b.y(1.0))
    t = S.vgrad_tones(ctx, b.y(split), b.y(1.0))
    S.paint_tones(ctx, "base", box, wood, t)
    if not ctx.small:
        S.planks(ctx, box, wood, horizontal=True, n=2 if ctx.m < 48 else 3, lo=b.y(split), hi=b.y(1.0))
    # lid: rounded top
    lid = S.ellipse(ctx, b.p(0.5, split), (b.W * 0.48, b.H * split * 0.95)) & (ctx.pyc < b.y(split))
    if form == 2:   # flat lid
        lid = S.rect(ctx, b.x(0.02), b.y(split * 0.35), b.x(0.98), b.y(split))
    S.paint_sphere(ctx, "lid", lid, wood, b.p(0.4, split * 0.3), (b.W * 0.55, b.H * split * 1.1), highlight=False,
                   inner="line")
    if not ctx.small:
        S.planks(ctx, lid, wood, horizontal=False, n=3, lo=b.x(0.02), hi=b.x(0.98))
    # metal bands: lid rim and vertical straps
    bw = max(1.0, b.W * 0.07)
    rim = S.rect(ctx, b.x(0.0), b.y(split) - max(1.0, b.H * 0.05), b.x(1.0), b.y(split) + max(1.0, b.H * 0.05))
    ctx.cv.mask("bands", rim, band, shading="rim", highlight=True, inner="line")
    straps = np.zeros((ctx.h, ctx.w), bool)
    xs = (0.2, 0.8) if form != 1 else (0.12, 0.5, 0.88)
    for fx in xs:
        straps |= S.rect(ctx, b.x(fx) - bw / 2, b.y(0.0), b.x(fx) + bw / 2, b.y(1.0))
    straps &= box | lid
    if form == 1:
        straps &= ~S.rect(ctx, b.x(0.38), b.y(split - 0.2), b.x(0.62), b.y(split + 0.3))
    ctx.cv.mask("bands", straps & ~rim, band, shading="rim", highlight=True, inner="line")
    if ctx.large:
        rv = S.checker_dots(ctx, straps & ~S.erode(straps, 0), 3)
        S.tone(ctx, rv, band, HIGHLIGHT)
    # lock plate with keyhole
    lw, lh = max(1.5, b.W * 0.1), max(2.0, b.H * 0.16)
    lc = b.p(0.5, split + 0.06)
    ctx.cv.rect("lock", lc[0] - lw, lc[1] - lh * 0.6, lc[0] + lw, lc[1] + lh, lock, highlight=True, inner="line")
    kh = S.rect(ctx, lc[0] - 0.5, lc[1] - 0.1, lc[0] + 0.5, lc[1] + max(1.0, lh * 0.6))
    ctx.cv.mask("lock", kh, ctx.mat("keyhole", (30, 20, 20)), shading="flat")
    return {"grip": b.p(0.5, split)}


def _lantern(ctx: Ctx) -> dict:
    form = ctx.form
    b = Box(ctx, 0.66, fill=0.94)
    metal = ctx.mat("metal")
    glow = ctx.mat("glow", (255, 210, 110))
    # handle ring
    rc, rr = b.p(0.5, 0.1), (b.W * 0.22, b.H * 0.1)
    th = max(1.0, b.s * 0.08)
    ring = S.ellipse(ctx, rc, rr) & ~S.ellipse(ctx, rc, (rr[0] - th, rr[1] - th))
    ring &= ctx.pyc < b.y(0.16)
    ctx.cv.mask("handle", ring, metal, shading="rim")
    # cap
    cap_y0, cap_y1 = 0.14, 0.3
    ctx.cv.polygon("cap", b.pts([(0.3, cap_y0), (0.7, cap_y0), (0.95, cap_y1), (0.05, cap_y1)]), metal, highlight=True,
                   inner="line")
    # glass chamber with the light
    gy0, gy1 = cap_y1, 0.86
    gl = S.rect(ctx, b.x(0.12), b.y(gy0), b.x(0.88), b.y(gy1))
    if form == 1:
        gl = S.ellipse(ctx, b.p(0.5, (gy0 + gy1) / 2), (b.W * 0.42, b.H * (gy1 - gy0) / 2))
    S.paint_sphere(ctx, "glass", gl, glow, b.p(0.5, 0.6), (b.W * 0.5, b.H * 0.4), highlight=True, bias=0.25)
    fh = b.H * 0.3
    S.flame(ctx, "flame", b.x(0.5), b.y(0.78), max(1.0, b.W * 0.14), fh, ("flame", "flame_mid", "flame_core"),
            tongues=False)
    # bars
    bars = np.zeros((ctx.h, ctx.w), bool)
    bx = (0.12, 0.5, 0.88) if not ctx.small else (0.12, 0.88)
    if form == 2:
        bx = (0.12, 0.36, 0.64, 0.88) if not ctx.small else (0.12, 0.88)
    for fx in bx:
        w = max(1.0, b.W * 0.07)
        bars |= S.rect(ctx, b.x(fx) - w / 2, b.y(gy0), b.x(fx) + w / 2, b.y(gy1))
    if form == 1:
        bars &= gl | ~S.dilate(gl, 0)
        bars &= S.dilate(gl, 0)
    ctx.cv.mask("frame", bars, metal, shading="rim", highlight=True)
    # base
    ctx.cv.rect("base", b.x(0.02), b.y(gy1), b.x(0.98), b.y(1.0), metal, highlight=True, inner="line")
    return {"grip": b.p(0.5, 0.04), "hook": b.p(0.5, 0.02), "flame": b.p(0.5, 0.6)}


def _torch(ctx: Ctx) -> dict:
    form = ctx.form
    # the stick leans up-right; the flame rises vertically from its top
    fr = fit_frame(ctx, [(0.0, 0.0), (0.72, 0.0), (0.72, 0.2), (0.72, -0.2), (1.0, 0.3), (0.9, -0.1)],
                   fill=0.94, direction=(0.45, -1.0))
    L = fr.L
    stick = ctx.mat("handle")
    ctx.cv.capsule("handle", fr.u(0.02), fr.u(0.66), max(0.04 * L, 1.1), stick, r1=max(0.055 * L, 1.4))
    head = ctx.mat("wrap", (150, 110, 80))
    hr = max(0.085 * L, 1.8)
    if form == 1:   # metal sconce cup
        head = ctx.mat("metal", (140, 140, 150))
        m = S.poly(ctx, fr.band([0.56, 0.6, 0.72], [0, 0, 0], [hr * 0.5, hr, hr * 1.15]))
        S.paint_split(ctx, "head", m, head, fr, lit=LIGHT, dark=BASE, ridge=HIGHLIGHT)
    else:
        ctx.cv.capsule("head", fr.u(0.58), fr.u(0.7), hr, head, inner="line")
        if not ctx.small:
            t, _s = fr.local(ctx)
            band = (np.abs(t / L - 0.64) < 0.012 + 0.5 / L) & (ctx.cv.part == ctx.cv.part_names.index("head"))
            S.tone(ctx, band, head, SHADOW)
    top = fr.u(0.7)
    fw = max(0.17 * L, 2.2)
    fh = max(0.42 * L, 4.0)
    S.flame(ctx, "flame", top[0] + 0.1 * fw, top[1] + fw * 0.5, fw, fh, lean=0.1 if form != 2 else -0.08)
    return {"grip": fr.u(0.25), "flame": (top[0], top[1] - fh * 0.4)}


def _scroll(ctx: Ctx) -> dict:
    form = ctx.form
    paper = ctx.mat("paper")
    rollm = ctx.mat("roll", (200, 170, 120))
    ink = ctx.mat("ink", (90, 60, 50))
    if form == 2:   # rolled up, tied with a ribbon, on the diagonal
        fr = fit_frame(ctx, [(0.0, 0.0), (1.0, 0.0), (0.5, 0.2), (0.5, -0.2)], fill=0.92)
        L = fr.L
        r = max(0.17 * L, 2.6)
        ctx.cv.capsule("paper", fr.u(0.08), fr.u(0.92), r, paper, highlight=True)
        for u in (0.04, 0.96):
            c = fr.u(u)
            ctx.cv.ellipse("roll", c, (r * 0.55, r), rollm, angle=-math.degrees(math.atan2(fr.dy, fr.dx)) * 0 + 45,
                           inner="line")
            ctx.cv.ellipse("roll", c, (max(r * 0.2, 0.6), max(r * 0.35, 0.8)), ctx.mat("ink", (90, 60, 50)),
                           angle=45, shading="flat")
        rib = ctx.mat("ribbon", (190, 40, 50))
        ctx.cv.capsule("ribbon", fr.u(0.5, -r * 1.05), fr.u(0.5, r * 1.05), max(0.045 * L, 1.0), rib, inner="line")
        if not ctx.small:
            ctx.cv.capsule("ribbon", fr.u(0.5, -r * 0.9), fr.u(0.42, -r * 1.9), max(0.03 * L, 0.8), rib)
            ctx.cv.capsule("ribbon", fr.u(0.5, -r * 0.9), fr.u(0.6, -r * 1.85), max(0.03 * L, 0.8), rib)
        return {"grip": fr.u(0.5)}
    b = Box(ctx, 0.82, fill=0.94)
    rr = max(1.3, b.H * 0.08)
    # the sheet
    sheet = S.rect(ctx, b.x(0.1), b.y(0.08), b.x(0.9), b.y(0.92))
    if not ctx.small:
        # wavy right edge
        sheet &= ~(S.checker_dots(ctx, sheet & (ctx.pxc > b.x(0.9) - 1), 3))
    t = S.hgrad_tones(ctx, b.x(0.1), b.x(0.9), light_frac=0.12, shadow_frac=0.9)
    S.paint_tones(ctx, "paper", sheet, paper, t)
    # text lines
    if not ctx.small:
        lines = np.zeros((ctx.h, ctx.w), bool)
        n = 4 if ctx.m < 48 else 6
        for i in range(n):
            y = b.y(0.22 + 0.56 * i / max(n - 1, 1))
            x1 = b.x(0.78 - (0.2 if i == n - 1 else float(ctx.rng.uniform(0, 0.12))))
            lines |= S.rect(ctx, b.x(0.22), y, x1, y + 1)
        gaps = (ctx.xx * 5 + ctx.yy * 3 + int(ctx.rng.integers(0, 7))) % 7 == 0
        ctx.cv.detail(lines & ~gaps & sheet, ink.base)
    else:
        ctx.cv.detail(S.rect(ctx, b.x(0.3), b.y(0.45), b.x(0.7), b.y(0.45) + 1), ink.base)
    # rolls at the top and bottom
    for fy in (0.08, 0.92):
        ctx.cv.capsule("roll", b.p(0.04, fy), b.p(0.96, fy), rr, rollm, highlight=True, inner="line")
    if form == 1:   # wax seal with ribbon tails
        seal = ctx.mat("ribbon", (190, 40, 50))
        sc = b.p(0.5, 0.72)
        sr = max(1.5, b.s * 0.12)
        if not ctx.small:
            ctx.cv.polygon("seal", [(sc[0] - sr * 0.8, sc[1]), (sc[0] - sr * 0.2, sc[1]), (sc[0] - sr * 0.6, b.y(0.98)),
                                    (sc[0] - sr * 1.2, b.y(0.96))], seal)
        ctx.cv.ellipse("seal", sc, (sr, sr), seal, inner="line")
    return {"grip": b.p(0.5, 0.5)}


def _book(ctx: Ctx) -> dict:
    form = ctx.form
    b = Box(ctx, 0.8, fill=0.94)
    cover = ctx.mat("primary")
    pages = ctx.mat("paper", (240, 228, 196))
    trim = ctx.mat("metal")
    # pages block (visible on the right and bottom edge)
    pg = S.rect(ctx, b.x(0.16), b.y(0.06), b.x(0.98), b.y(0.98))
    ctx.cv.mask("pages", pg, pages, shading="flat")
    if not ctx.small:
        lines = pg & (ctx.yy % 2 == 0) & (ctx.pxc > b.x(0.9))
        S.tone(ctx, lines, pages, SHADOW)
    # cover
    cm = S.rect(ctx, b.x(0.02), b.y(0.0), b.x(0.9), b.y(0.92))
    t = S.sphere_tones(ctx, b.p(0.35, 0.3), (b.W * 0.75, b.H * 0.85), highlight=False)
    S.paint_tones(ctx, "cover", cm, cover, t, inner="line")
    # spine
    sw = max(1.5, b.W * 0.14)
    sp = S.rect(ctx, b.x(0.02), b.y(0.0), b.x(0.02) + sw, b.y(0.92))
    S.tone(ctx, sp, cover, SHADOW)
    S.tone(ctx, sp & (ctx.pxc < b.x(0.02) + 1), cover, LIGHT)
    if form == 2 and not ctx.small:
        for fy in (0.15, 0.8):
            S.tone(ctx, S.rect(ctx, b.x(0.02), b.y(fy), b.x(0.02) + sw, b.y(fy) + 1), trim, LIGHT)
    # emblem
    ec = b.p(0.56, 0.42)
    er = b.s * 0.17
    if form == 0:
        ctx.cv.ellipse("emblem", ec, (er, er), ctx.mat("gem", (80, 200, 220)), inner="line")
        if not ctx.small:
            frame = S.poly(ctx, [(ec[0], ec[1] - er * 1.8), (ec[0] + er * 1.5, ec[1]), (ec[0], ec[1] + er * 1.8),
                                 (ec[0] - er * 1.5, ec[1])]) & ~S.ellipse(ctx, ec, (er + 1, er + 1))
            frame &= ~S.erode4(frame) | ~S.erode4(S.erode4(frame))
            ctx.cv.mask("emblem", frame & ~S.erode4(frame), trim, shading="flat")
    elif form == 1:
        # strap and clasp across the right edge
        st = S.rect(ctx, b.x(0.7), b.y(0.38), b.x(1.0), b.y(0.38) + max(1.5, b.H * 0.12))
        ctx.cv.mask("strap", st, ctx.mat("strap", (90, 60, 40)), shading="rim", inner="line")
        ctx.cv.rect("clasp", b.x(0.82), b.y(0.34), b.x(0.82) + max(1.5, b.W * 0.1), b.y(0.42) + max(1.5, b.H * 0.12),
                    trim, highlight=True, inner="line")
        ctx.cv.mask("emblem", S.poly(ctx, S.star_points(ec[0] - er * 0.3, ec[1] - er * 0.2, er, er * 0.45)), trim,
                    shading="flat")
    else:
        plate = S.rect(ctx, b.x(0.32), b.y(0.22), b.x(0.78), b.y(0.22) + max(2.0, b.H * 0.16))
        ctx.cv.mask("emblem", plate, trim, shading="rim", highlight=True, inner="line")
    if ctx.large:
        # corner guards
        for fx, fy in ((0.9, 0.0), (0.9, 0.92)):
            c = b.p(fx, fy)
            k = b.s * 0.12
            sg = 1 if fy == 0.0 else -1
            ctx.cv.polygon("corners", [(c[0], c[1]), (c[0] - k, c[1]), (c[0], c[1] + sg * k)], trim, highlight=True)
    return {"grip": b.p(0.1, 0.5)}


def _bomb(ctx: Ctx) -> dict:
    form = ctx.form
    b = Box(ctx, 1.0, fill=0.94)
    body = ctx.mat("primary")
    metal = ctx.mat("metal")
    fuse = ctx.mat("fuse", (200, 170, 120))
    c = b.p(0.44, 0.6)
    r = b.s * 0.38
    ctx.cv.ellipse("body", c, (r, r), body)
    # fuse cap at the top-right
    a = math.radians(-50)
    cc = (c[0] + r * 0.78 * math.cos(a), c[1] + r * 0.78 * math.sin(a))
    capr = max(1.2, r * 0.26)
    ctx.cv.capsule("cap", cc, (cc[0] + capr * 0.5, cc[1] - capr * 0.6), capr, metal, highlight=True, inner="line")
    # fuse: a curl up and to the right
    f0 = (cc[0] + capr * 0.6, cc[1] - capr * 1.1)
    f1 = b.p(0.8, 0.14)
    f2 = b.p(0.92, 0.1) if form != 1 else b.p(0.76, 0.04)
    fm = S.polyline(ctx, [f0, ((f0[0] + f1[0]) / 2 - 0.5, f1[1] + 1), f1, f2])
    if ctx.m >= 40:
        fm |= S.dilate4(fm) & S.polyline(ctx, [(x + 1, y) for x, y in [f0, f1, f2]])
    ctx.cv.mask("fuse", fm, fuse, shading="flat", behind=True)
    # spark: a small star at the fuse end
    sr = max(1.5, b.s * 0.11)
    spark = S.poly(ctx, S.star_points(f2[0], f2[1], sr, sr * 0.4, 4 if form != 2 else 5, rot=-90 + 45 * (form == 1)))
    ctx.cv.mask("spark", spark, ctx.mat("flame", (255, 160, 40)), shading="flat")
    ctx.cv.mask("spark", S.ellipse(ctx, f2, (max(0.7, sr * 0.35),) * 2), ctx.mat("flame_core", (255, 240, 150)),
                shading="flat")
    if form == 2 and not ctx.small:
        # skull-ish marking / band
        band = S.ellipse(ctx, c, (r, r)) & (np.abs(ctx.pyc - c[1] - r * 0.1) < max(1.0, r * 0.12))
        S.tone(ctx, band, metal, BASE, part="body")
    return {"grip": c, "fuse": f2}


def _heart(ctx: Ctx) -> dict:
    form = ctx.form
    b = Box(ctx, (1.1, 1.2, 0.95)[form], fill=0.92)
    mat = ctx.mat("primary")
    lr = 0.27 if form != 1 else 0.29
    m = S.ellipse(ctx, b.p(0.5 - lr * 0.95, 0.3), (b.W * lr, b.H * 0.3))
    m |= S.ellipse(ctx, b.p(0.5 + lr * 0.95, 0.3), (b.W * lr, b.H * 0.3))
    m |= S.poly(ctx, b.pts([(0.02, 0.36), (0.5, 0.42), (0.98, 0.36), (0.62, 0.82), (0.5, 1.0), (0.38, 0.82)]))
    m |= S.poly(ctx, b.pts([(0.01, 0.32), (0.99, 0.32), (0.5, 1.0)]))
    S.paint_sphere(ctx, "body", m, mat, b.p(0.45, 0.42), (b.W * 0.55, b.H * 0.6))
    # glossy shine
    sh = S.ellipse(ctx, b.p(0.26, 0.26), (max(0.8, b.W * 0.07), max(1.0, b.H * 0.1)), angle=-35)
    S.tone(ctx, sh & m, mat, HIGHLIGHT)
    if form == 2 and not ctx.small:
        sp = S.ellipse(ctx, b.p(0.72, 0.22), (max(0.6, b.W * 0.04), max(0.6, b.H * 0.04)))
        S.tone(ctx, sp & m, mat, LIGHT)
    return {}


def _apple(ctx: Ctx) -> dict:
    form = ctx.form
    b = Box(ctx, 1.0, fill=0.92)
    skin = ctx.mat("primary")
    c = b.p(0.5, 0.6)
    r = (b.W * 0.45, b.H * 0.39)
    m = S.ellipse(ctx, (c[0] - r[0] * 0.3, c[1]), (r[0] * 0.72, r[1]))
    m |= S.ellipse(ctx, (c[0] + r[0] * 0.3, c[1]), (r[0] * 0.72, r[1]))
    m |= S.ellipse(ctx, (c[0], c[1] + r[1] * 0.1), (r[0] * 0.8, r[1] * 0.9))
    dent = S.ellipse(ctx, (c[0], c[1] - r[1] * 1.05), (r[0] * 0.16, r[1] * 0.18))
    m &= ~dent
    if form == 2 and not ctx.small:
        bite = S.ellipse(ctx, (c[0] + r[0] * 1.05, c[1] + r[1] * 0.05), (r[0] * 0.35, r[1] * 0.42))
        m &= ~bite
    S.paint_sphere(ctx, "body", m, skin, (c[0] - r[0] * 0.1, c[1]), (r[0] * 1.05, r[1] * 1.05))
    if form == 2 and not ctx.small:
        flesh = S.dilate(bite, 1) & m & ~bite
        ctx.cv.mask("flesh", flesh, ctx.mat("flesh", (250, 236, 190)), shading="flat")
    if form == 1 and not ctx.small:
        # blush stripes
        st = S.checker_dots(ctx, m & (ctx.pxc > c[0]), 3)
        S.tone(ctx, st, skin, SHADOW)
    # stem and leaf
    stem = ctx.mat("stem", (110, 70, 40))
    s0 = (c[0], c[1] - r[1] * 0.75)
    s1 = (c[0] + b.W * 0.06, b.y(0.04))
    ctx.cv.capsule("stem", s0, s1, max(0.6, b.s * 0.035), stem, behind=False)
    leaf = ctx.mat("leaf", (80, 160, 60))
    lc = (s1[0] + b.W * 0.13, s1[1] + b.H * 0.08)
    lm = S.ellipse(ctx, lc, (max(1.5, b.W * 0.15), max(0.9, b.H * 0.07)), angle=-25)
    lm |= S.line(ctx, (s1[0], s1[1] + 1), lc)
    S.paint_sphere(ctx, "leaf", lm, leaf, (lc[0] - 1, lc[1] - 1), (b.W * 0.15, b.H * 0.08), highlight=False)
    if not ctx.small:
        vein = S.line(ctx, (lc[0] - b.W * 0.1, lc[1] + 0.5), (lc[0] + b.W * 0.1, lc[1] - 1.5)) & lm
        S.tone(ctx, vein, leaf, SHADOW)
    return {"grip": s1}


def _meat(ctx: Ctx) -> dict:
    form = ctx.form
    meat = ctx.mat("primary")
    bone = ctx.mat("bone", (238, 230, 210))
    if form == 1:   # bone through both ends
        fr = fit_frame(ctx, circ(0.06, 0.0, 0.12) + circ(0.94, 0.0, 0.12) + circ(0.5, 0.0, 0.3), fill=0.93)
        L = fr.L
        kr = max(0.07 * L, 1.5)
        for u in (0.06, 0.94):
            for sg in (-1, 1):
                ctx.cv.ellipse("bone", fr.u(u, sg * kr * 0.75), (kr, kr), bone)
        ctx.cv.capsule("bone", fr.u(0.06), fr.u(0.94), max(0.045 * L, 1.0), bone)
        c = fr.u(0.5)
        m = S.ellipse(ctx, c, (0.3 * L, 0.27 * L), angle=-math.degrees(math.atan2(-fr.dy, fr.dx)))
        S.paint_sphere(ctx, "meat", m, meat, (c[0] - 0.05 * L, c[1] - 0.05 * L), (0.3 * L, 0.3 * L), inner="line")
        grip = fr.u(0.06)
    else:
        fr = fit_frame(ctx, circ(0.07, 0.0, 0.13) + circ(0.68, 0.0, 0.3), fill=0.94)
        L = fr.L
        kr = max(0.07 * L, 1.5)
        for sg in (-1, 1):
            ctx.cv.ellipse("bone", fr.u(0.07, sg * kr * 0.75), (kr, kr), bone)
        ctx.cv.capsule("bone", fr.u(0.07), fr.u(0.5), max(0.045 * L, 1.0), bone)
        c = fr.u(0.68)
        rr = 0.3 * L
        m = S.ellipse(ctx, c, (rr, rr * 0.92))
        m |= S.poly(ctx, [fr.u(0.36, 0.06 * L), fr.u(0.6, rr), fr.u(0.6, -rr), fr.u(0.36, -0.06 * L)])
        if form == 2 and not ctx.small:
            for k in range(3):
                m &= ~S.ellipse(ctx, fr.u(0.82 + 0.05 * k, (0.22 - 0.13 * k) * L), (rr * 0.22, rr * 0.22))
        S.paint_sphere(ctx, "meat", m, meat, (c[0] - 0.06 * L, c[1] - 0.06 * L), (rr * 1.15, rr * 1.15), inner="line")
        grip = fr.u(0.15)
    if not ctx.small:
        # roasted texture: darker streaks and a glossy fat highlight
        marks = S.checker_dots(ctx, m & (ctx.cv.part == ctx.cv.part_names.index("meat")), 3)
        S.tone(ctx, marks & (S.sphere_tones(ctx, c, (0.3 * L, 0.3 * L)) <= BASE), meat, SHADOW)
    return {"grip": grip}


_SHAPES: dict[str, Callable[[Ctx], dict | None]] = {
    "blade": _blade, "sword": _blade, "dagger": _blade,
    "axe": _axe, "hammer": _hammer, "spear": _spear, "staff": _staff, "wand": _wand,
    "bow": _bow, "arrow": _arrow, "key": _key, "shield": _shield, "helmet": _helmet,
    "armor": _armor, "boots": _boots, "ring": _ring, "crown": _crown, "potion": _potion,
    "gem": _gem, "coin": _coin, "chest": _chest, "lantern": _lantern, "torch": _torch,
    "scroll": _scroll, "book": _book, "bomb": _bomb, "heart": _heart, "apple": _apple,
    "meat": _meat,
}
