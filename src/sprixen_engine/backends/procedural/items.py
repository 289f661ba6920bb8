"""Item renderer: inventory icons and pickups (weapons, potions, keys, food ...).

Each subject's ``look`` table names a drawing routine (``shape``) and the data it draws
with: colour slots (``[<id>.look.colors]``), the slots a prompt colour recolours
(``recolorable``, main material first), proportions, designed palettes (``variant_colors``)
and per-slot alternatives (``choices``). :attr:`~.shapes.Ctx.form` picks one of three designs
per shape (longsword / broadsword / sabre, round / conical / tall flask ...): it rotates with
the seed, and the three variants of one request always get three different designs. Within a
design the sprite's rng picks proportions (within what still reads well) and details: gem
colours, guard shapes, grip wraps, emblems, stoppers, labels ...

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
from .canvas import Material
from .shapes import BASE, HIGHLIGHT, LIGHT, OUTLINE, SHADOW, Box, Ctx, Frame


def render(spec: SpriteSpec, look: Mapping, rng: np.random.Generator) -> RenderedSprite:
    """Draw one item icon. ``look`` is the subject's catalogue ``look`` table."""
    ctx, pivots = S.draw_shape(_SHAPES, _gem, spec, look, rng)
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


def circ(u: float, s: float, r: float) -> list[tuple[float, float]]:
    """Extent points of a circle of radius ``r`` at ``(u, s)`` (all in axis units) for :func:`fit_frame`."""
    return [(u + r * math.cos(a), s + r * math.sin(a)) for a in np.linspace(0, 2 * math.pi, 12, endpoint=False)]


def _r(fr: Frame, frac: float, minimum: float) -> float:
    """A radius in pixels: ``frac`` of the axis, at least ``minimum`` pixels."""
    return max(frac * fr.L, minimum)


# ---------------------------------------------------------------------------- weapons
def _blade(ctx: Ctx) -> dict:
    """Swords and daggers: pommel, grip, crossguard and a beveled steel blade, tip up-right.

    Seeded: blade length and width, guard span and shape (straight or swept toward the tip),
    fuller, grip wrap, a gem in the pommel.
    """
    form = ctx.form
    blade_len = min(0.8, ctx.vary(ctx.num("blade_length", 0.72), 0.06))
    bw = ctx.vary(ctx.num("blade_width", 0.055), 0.14)
    gw = ctx.vary(ctx.num("guard_width", 0.15), 0.18)
    swept = ctx.chance(0.4)
    fuller = ctx.chance(0.7)
    wrapped = ctx.chance(0.7)
    pommel_gem = "gem" in ctx.cols and ctx.chance(0.4)
    curve = 0.0
    if form == 1:      # broadsword: wider blade, heavier guard
        bw *= 1.3
        gw *= 1.15
    elif form == 2:    # sabre: curved, slimmer, small guard
        curve = ctx.vary(ctx.num("curve", 0.05), 0.25)
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
    if fuller and not ctx.small:
        # a darker groove along the centre of the lower blade
        t, s = fr.local(ctx)
        u = t / L
        groove = blade & (np.abs(s + 0.5) < 0.55) & (u > ug + 0.04) & (u < ug + 0.55 * blade_len)
        S.tone(ctx, groove, bmat, SHADOW)
    # guard: straight, or swept toward the tip
    gmat = ctx.mat("guard")
    gr = _r(fr, 0.032, 1.0)
    gwp = gw * L
    if form == 2:
        p0, p1 = fr.u(ug, -gwp), fr.u(ug + 0.03, gwp)
    else:
        bend = 0.035 if form == 1 else 0.0
        p0, p1 = fr.u(ug + bend, -gwp), fr.u(ug + bend, gwp)
    if swept:
        for end, sg in ((p0, -1.0), (p1, 1.0)):
            mid = fr.u(ug, sg * gwp * 0.55)
            ctx.cv.capsule("guard", mid, (end[0] + fr.dx * 0.035 * L, end[1] + fr.dy * 0.035 * L), gr, gmat,
                           inner="line", highlight=True)
    ctx.cv.capsule("guard", p0 if not swept else fr.u(ug, -gwp * 0.6), p1 if not swept else fr.u(ug, gwp * 0.6),
                   gr, gmat, inner="line", highlight=True)
    if form == 1 and not ctx.small:
        ctx.cv.ellipse("guard", fr.u(ug, 0), (gr * 1.5, gr * 1.5), gmat, inner="line")
    # grip and pommel
    gripm = ctx.mat("grip")
    g0, g1 = fr.u(0.05, 0), fr.u(ug - 0.01, 0)
    rg = _r(fr, 0.03, 1.0)
    grip = ctx.cv.capsule("grip", g0, g1, rg, gripm, behind=True)
    if wrapped:
        _banded(ctx, fr, grip, gripm, 0.045, 0.3)
    pr = _r(fr, 0.045, 1.3)
    pc = fr.u(0.035, 0)
    ctx.cv.ellipse("pommel", pc, (pr, pr), gmat, inner="line")
    if pommel_gem and not ctx.small:
        ctx.cv.ellipse("gem", pc, (max(0.6, pr * 0.5),) * 2, ctx.mat("gem"), shading="flat")
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
    _banded(ctx, fr, ctx.cv.capsule(part, fr.u(u0), fr.u(u1), r, mat), mat, 0.04, 0.4)


def _banded(ctx: Ctx, fr: Frame, sel: np.ndarray, mat: Material, period: float, s_max: float) -> None:
    """Shadow every other band (``period`` of the frame length, at least 2 px) of a wrapped grip."""
    if not ctx.small:
        t, s = fr.local(ctx)
        band = ((t / max(2.0, period * fr.L)).astype(int) % 2 == 0) & sel & (s < s_max)
        S.tone(ctx, band, mat, SHADOW)


def _axe(ctx: Ctx) -> dict:
    """Single, bearded or double axe. Seeded: bit depth, head position, back poll, grip wrap, rivets."""
    form = ctx.form
    double = form == 2
    bit = ctx.vary(0.34 if form != 1 else 0.28, 0.12)
    uh = ctx.vary(0.82, 0.025)
    poll = ctx.choose(("spike", "block", "none")) if not double else "none"
    wrap_to = ctx.choose((0.0, 0.2, 0.26, 0.32))
    rivets = ctx.chance(0.5)
    ext = [(0.0, 0.0), (1.0, 0.0), (uh - 0.1, bit + 0.02), (uh + 0.08, bit)]
    if double:
        ext += [(uh - 0.07, -bit * 0.85), (uh + 0.08, -bit * 0.85)]
    else:
        ext += [(uh, -0.08)]
    fr = fit_frame(ctx, ext, fill=0.93)
    _shaft(ctx, fr, 0.02, min(0.97, uh + 0.15), 0.032, 1.0)
    if wrap_to:
        _wrap(ctx, fr, 0.04, wrap_to, 0.032)
    head = ctx.mat("head")
    L = fr.L

    def bitpoly(sign: float, d: float) -> list:
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
    elif poll == "spike":
        m |= S.poly(ctx, [fr.u(uh - 0.05, 0), fr.u(uh - 0.01, -0.12 * L), fr.u(uh + 0.06, 0)])
    elif poll == "block":
        m |= S.poly(ctx, [fr.u(uh - 0.05, 0), fr.u(uh - 0.05, -0.08 * L), fr.u(uh + 0.06, -0.08 * L),
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
    if rivets and ctx.m >= 32:
        for u in (uh - 0.04, uh + 0.04):
            ctx.cv.pixel(*fr.u(u, 0.0), head.ramp[HIGHLIGHT])
    return {"grip": fr.u(0.15), "tip": fr.u(uh, bit * L)}


def _hammer(ctx: Ctx) -> dict:
    """Hammer, flanged mace or warhammer. Seeded: head size, mace spikes, bands, grip wrap, pommel."""
    form = ctx.form
    hw = ctx.vary(0.22, 0.15) if form != 1 else 0.0
    u0 = ctx.vary(0.78, 0.03)
    spikes_n = ctx.choose((6, 8))
    mr = ctx.vary(0.13, 0.12)
    banded = ctx.chance(0.6)
    wrap_to = ctx.choose((0.0, 0.22, 0.28, 0.34))
    pommel = ctx.chance(0.5)
    ext = [(0.0, 0.0), (1.0, 0.0)]
    if form == 1:
        ext += [(0.82, mr + 0.02), (0.82, -mr - 0.02), (1.0, 0.08)]
    else:
        ext += [(u0, hw + 0.02), (0.98, hw + 0.02), (u0, -hw - 0.02), (0.98, -hw)]
    fr = fit_frame(ctx, ext, fill=0.93)
    L = fr.L
    head = ctx.mat("head")
    _shaft(ctx, fr, 0.02, 0.86, 0.03, 1.0)
    if wrap_to:
        _wrap(ctx, fr, 0.04, wrap_to, 0.03)
    if pommel:
        ctx.cv.ellipse("head", fr.u(0.025), (max(1.0, 0.045 * L),) * 2, head, inner="line")
    if form == 1:   # flanged mace
        c = fr.u(0.84)
        r = max(mr * L, 2.5)
        m = S.ellipse(ctx, c, (r, r))
        if not ctx.small:
            for k in range(spikes_n):
                a = math.radians(k * 360 / spikes_n + 22.5)
                tip = (c[0] + r * 1.35 * math.cos(a), c[1] + r * 1.35 * math.sin(a))
                m |= S.capsule(ctx, c, tip, max(0.8, r * 0.22), 0.5)
        S.paint_sphere(ctx, "head", m, head, (c[0] - r * 0.1, c[1] - r * 0.1), (r * 1.2, r * 1.2))
        ctx.cv.capsule("head", fr.u(0.93), fr.u(0.99), max(0.9, 0.03 * L), head, highlight=True)
    else:
        # rectangular head across the shaft; the warhammer (form 2) has a spike on one side
        u1 = 0.98
        if form == 0:
            pts = [fr.u(u0, -hw * L), fr.u(u0, hw * L), fr.u(u1, hw * L), fr.u(u1, -hw * L)]
        else:
            pts = [fr.u(u0, 0), fr.u(u0, hw * 0.75 * L), fr.u(u1, hw * 0.75 * L), fr.u(u1, 0),
                   fr.u((u0 + u1) / 2 + 0.02, -hw * 1.15 * L)]
        m = S.poly(ctx, pts)
        sel = S.paint_split(ctx, "head", m, head, fr, lit=LIGHT, dark=BASE, ridge=HIGHLIGHT, offset=0.0)
        if not ctx.small:
            t, s = fr.local(ctx)
            if banded:
                S.tone(ctx, sel & (np.abs(t / L - (u0 + u1) / 2) < 0.03), head, SHADOW)
            # striking faces
            face = sel & (np.abs(s) > hw * L * 0.82) if form == 0 else sel & (s > hw * 0.75 * L * 0.8)
            S.tone(ctx, face, head, HIGHLIGHT)
    return {"grip": fr.u(0.16)}


def _spear(ctx: Ctx) -> dict:
    """Spear, halberd (an axe blade under the point) or trident.

    Seeded: head length and width, tassel, shaft rings, butt cap.
    """
    form = ctx.form
    hw = ctx.vary(0.065 if form != 2 else 0.14, 0.15)
    hb = ctx.vary(0.74, 0.04)            # where the head starts
    tassel = form != 2 and ctx.chance(0.5)
    rings = ctx.choose((0, 1, 2))
    butt = ctx.chance(0.5)
    ext = [(0.0, 0.0), (1.0, 0.0), (0.82, hw), (0.82, -hw)]
    if form == 1:
        ext += [(hb - 0.02, -0.17), (hb + 0.1, -0.17), (hb + 0.06, 0.06)]
    if tassel:
        ext += [(0.62, -0.12)]
    fr = fit_frame(ctx, ext, fill=0.95)
    L = fr.L
    head = ctx.mat("head")
    guard = ctx.mat("guard", (180, 140, 60))
    _shaft(ctx, fr, 0.0, hb + 0.04, 0.022, 0.8)
    for k in range(rings):
        ctx.cv.capsule("handle", fr.u(0.3 + 0.12 * k), fr.u(0.32 + 0.12 * k), max(0.03 * L, 1.0), guard,
                       inner="line")
    if butt:
        ctx.cv.capsule("handle", fr.u(0.0), fr.u(0.04), max(0.03 * L, 1.0), guard, inner="line")
    if form == 2:   # trident
        prong = max(0.02 * L, 0.9)
        m = S.poly(ctx, fr.band([hb - 0.02, hb + 0.04], [0, 0], [hw * L, hw * L * 0.9]))
        for sgn in (-1, 0, 1):
            s0 = sgn * (hw * L - prong)
            tipu = 0.98 if sgn else 1.0
            m |= S.poly(ctx, [fr.u(hb + 0.01, s0 - prong), fr.u(tipu - 0.06, s0 - prong), fr.u(tipu, s0),
                              fr.u(tipu - 0.06, s0 + prong), fr.u(hb + 0.01, s0 + prong)])
        S.paint_split(ctx, "head", m, head, fr, lit=LIGHT, dark=BASE, ridge=HIGHLIGHT)
        return {"grip": fr.u(0.3), "tip": fr.u(1.0)}
    pts = fr.band([hb, hb + 0.06, hb + 0.12, 1.0], [0, 0, 0, 0], [max(0.018 * L, 0.8), hw * L, hw * L * 0.8, 0])
    m = S.poly(ctx, pts)
    if form == 1:   # halberd: a crescent axe blade on the lower side
        bl = [(hb - 0.01, -0.01), (hb - 0.03, -0.17), (hb + 0.04, -0.15), (hb + 0.1, -0.18), (hb + 0.08, -0.01)]
        m |= S.poly(ctx, [fr.u(u, s * L) for u, s in bl])
        m |= S.poly(ctx, [fr.u(hb, 0.0), fr.u(hb + 0.03, 0.07 * L), fr.u(hb + 0.06, 0.0)])  # back hook
    S.paint_split(ctx, "head", m, head, fr, lit=LIGHT, dark=BASE, ridge=HIGHLIGHT)
    ctx.cv.capsule("head", fr.u(hb - 0.02), fr.u(hb + 0.02), max(0.035 * L, 1.2), guard, highlight=True)
    if tassel and not ctx.small:   # a tassel hanging under the head
        tm = ctx.mat("accent", (190, 40, 40))
        a = fr.u(hb - 0.01)
        ctx.cv.polygon("tassel", [(a[0] - 1.0, a[1]), (a[0] + 1.0, a[1]), (a[0] + 1.5, a[1] + 0.16 * L),
                                  (a[0] - 1.5, a[1] + 0.16 * L)], tm)
    return {"grip": fr.u(0.3), "tip": fr.u(1.0)}


def _staff(ctx: Ctx) -> dict:
    """Orb in claws, crystal shard or crook. Seeded: orb size, claws, gnarl, metal rings on the shaft."""
    form = ctx.form
    orb_r = ctx.vary(ctx.num("orb_size", 0.1), 0.15)
    claws = ctx.chance(0.7)
    rings = ctx.choose((0, 1, 2))
    gnarl = ctx.vary(0.012, 0.4) if not ctx.small else 0.0
    ext = [(0.0, 0.0)] + circ(0.84 + orb_r * 0.4, 0.0, orb_r * 1.15)
    if form == 1:
        ext = [(0.0, 0.0), (1.0, 0.0), (0.75, orb_r), (0.75, -orb_r)]
    if form == 2:
        ext = [(0.0, 0.0)] + circ(0.86, 0.05, 0.1)
    fr = fit_frame(ctx, ext, fill=0.95)
    L = fr.L
    orb = ctx.mat("orb")
    metal = ctx.mat("metal", (190, 160, 80))
    _shaft(ctx, fr, 0.0, 0.78 if form == 2 else 0.84, 0.026, 1.0, wobble=gnarl)
    for k in range(rings):
        u = 0.56 - 0.2 * k
        ctx.cv.capsule("head", fr.u(u), fr.u(u + 0.025), max(0.036 * L, 1.2), metal, highlight=True, inner="line")
    if form == 2:
        # crook: curl at the top holding a small gem
        c = fr.u(0.86, 0.05 * L)
        r = max(0.09 * L, 2.4)
        ring = S.ellipse(ctx, c, (r, r)) & ~S.ellipse(ctx, c, (max(r - max(0.05 * L, 1.3), 0.6),) * 2)
        t, s = fr.local(ctx)
        ring &= ~((s < 0.05 * L - r * 0.2) & (t < 0.86 * L))
        ctx.cv.mask("head", ring, ctx.mat("handle"), shading="rim")
        gr = max(r * 0.45, 1.0)
        ctx.cv.ellipse("orb", c, (gr, gr), orb)
        return {"grip": fr.u(0.35), "tip": fr.u(0.95)}
    c = fr.u(0.84 + orb_r * 0.4)
    r = max(orb_r * L, 2.2)
    if form == 0:   # orb, held in claws or set on a collar
        ctx.cv.ellipse("orb", c, (r, r), orb)
        if claws and not ctx.small:
            for sg in (-1, 1):
                p0 = fr.u(0.80, sg * 0.012 * L)
                p1 = fr.u(0.84 + orb_r * 0.5, sg * (r + 0.3))
                p2 = fr.u(0.84 + orb_r * 1.1, sg * r * 0.55)
                ctx.cv.capsule("head", p0, p1, max(0.7, 0.018 * L), metal, r1=max(0.6, 0.014 * L), inner="line")
                ctx.cv.capsule("head", p1, p2, max(0.6, 0.014 * L), metal, r1=0.5, inner="line")
        ctx.cv.capsule("head", fr.u(0.78), fr.u(0.82), max(0.04 * L, 1.3), metal, highlight=True, inner="line")
        # glow sparkle
        ctx.cv.pixel(c[0] - r * 0.35, c[1] - r * 0.35, orb.ramp[HIGHLIGHT])
    else:           # crystal shard on a socket
        cs = S.poly(ctx, fr.band([0.76, 0.8, 0.92, 1.0], [0, 0, 0, 0],
                                 [max(0.03 * L, 1.0), r * 0.75, r * 0.75, 0]))
        S.paint_split(ctx, "orb", cs, orb, fr, lit=LIGHT, dark=BASE, ridge=HIGHLIGHT)
        ctx.cv.capsule("head", fr.u(0.75, -r * 0.7), fr.u(0.75, r * 0.7), max(0.028 * L, 1.0), metal,
                       highlight=True, inner="line")
    return {"grip": fr.u(0.35), "tip": fr.u(0.84 + orb_r)}


def _wand(ctx: Ctx) -> dict:
    """Star, faceted gem or orb on a tapered stick. Seeded: tip size, grip wrap, collar, taper."""
    form = ctx.form
    tip_r = ctx.vary(0.12, 0.14)
    wrap_to = ctx.choose((0.0, 0.2, 0.26, 0.32))
    collar = ctx.chance(0.5)
    ext = [(0.0, 0.0), (1.0, 0.0), (0.86, tip_r + 0.01), (0.86, -tip_r - 0.01)]
    fr = fit_frame(ctx, ext, fill=0.9)
    L = fr.L
    tipm = ctx.mat("orb")
    metal = ctx.mat("metal", (200, 170, 80))
    ctx.cv.capsule("handle", fr.u(0.02), fr.u(0.8), max(ctx.vary(0.03, 0.15) * L, 1.0), ctx.mat("handle"),
                   r1=max(0.018 * L, 0.7))
    if wrap_to:
        _wrap(ctx, fr, 0.02, wrap_to, 0.032, slot="grip")
    c = fr.u(0.86)
    r = max(tip_r * L, 2.2)
    if form == 0:   # star
        m = S.poly(ctx, S.star_points(c[0], c[1], r * 1.1, r * 0.48, 5, rot=-90 + 15))
        S.paint_sphere(ctx, "head", m, tipm, c, (r, r))
    elif form == 1:  # faceted gem
        m = S.poly(ctx, [fr.u(0.8, 0), fr.u(0.86, r * 0.8), fr.u(0.98, 0), fr.u(0.86, -r * 0.8)])
        S.paint_split(ctx, "head", m, tipm, fr, lit=LIGHT, dark=SHADOW, ridge=HIGHLIGHT)
    else:            # orb
        ctx.cv.ellipse("head", c, (r * 0.85, r * 0.85), tipm)
    if collar or form == 2:
        ctx.cv.capsule("handle", fr.u(0.76, -r * 0.5), fr.u(0.76, r * 0.5), max(0.025 * L, 0.8), metal,
                       highlight=True, inner="line")
    return {"grip": fr.u(0.14), "tip": c}


def _bow(ctx: Ctx) -> dict:
    """Longbow, deep short bow with horn nocks, or recurve. Seeded: draw depth, limb thickness,
    grip size, limb-tip wraps."""
    form = ctx.form
    bulge = ctx.vary((0.2, 0.3, 0.17)[form], 0.1)
    thick = ctx.vary((1.0, 1.3, 1.0)[form], 0.12)
    tip_wraps = ctx.chance(0.4)
    flick = -0.1 if form == 2 else 0.0    # where the recurve's tips go
    fr = fit_frame(ctx, [(0.0, flick), (1.0, flick), (0.5, bulge + 0.04), (0.0, 0.04), (1.0, 0.04)], fill=0.96)
    L = fr.L
    wood = ctx.mat("handle")
    n = 9
    us = [i / (n - 1) for i in range(n)]
    cen, half = [], []
    for u in us:
        x = 2 * u - 1
        c = bulge * L * (1 - x * x)
        if form == 2:   # recurve: tips flick back toward the string side
            c -= 0.08 * L * max(0.0, abs(x) - 0.65) / 0.35
        cen.append(c)
        half.append(max(0.8, (0.035 - 0.017 * abs(x)) * L * thick))
    m = S.poly(ctx, fr.band(us, cen, half))
    S.paint_split(ctx, "limb", m, wood, fr, lit=LIGHT, dark=BASE, ridge=None, offset=bulge * L)
    # string: tip to tip (1 px)
    sm = S.line(ctx, fr.u(0.0, cen[0]), fr.u(1.0, cen[-1]))
    ctx.cv.mask("string", sm & ~m, ctx.mat("string", (230, 220, 190)), shading="flat", behind=True)
    # grip wrap at the middle
    gm = ctx.mat("grip")
    gl = ctx.vary(0.08, 0.25)
    g0, g1 = fr.u(0.5 - gl, cen[4] * 0.97), fr.u(0.5 + gl, cen[4] * 0.97)
    ctx.cv.capsule("grip", g0, g1, max(0.045 * L, 1.2), gm, inner="line")
    if tip_wraps and not ctx.small:
        for u in (0.16, 0.84):
            x = 2 * u - 1
            c = bulge * L * (1 - x * x)
            ctx.cv.capsule("grip", fr.u(u - 0.02, c), fr.u(u + 0.02, c), max(0.03 * L, 1.0), gm, inner="line")
    if form == 1:
        # horn nocks at the limb tips
        nm = ctx.mat("nock", (236, 224, 194))
        for u, c in ((0.0, cen[0]), (1.0, cen[-1])):
            ctx.cv.ellipse("limb", fr.u(u, c), (max(1.0, 0.035 * L),) * 2, nm, inner="line")
    return {"grip": fr.u(0.5, cen[4])}


def _arrow(ctx: Ctx) -> dict:
    """Broadhead, barbed or bodkin arrow. Seeded: fletching length and width, head size, crest band."""
    form = ctx.form
    fw = ctx.vary((0.07, 0.1, 0.06)[form], 0.12)
    fl = ctx.vary((0.17, 0.2, 0.26)[form], 0.12)   # fletching length
    hs = ctx.vary((0.065, 0.09, 0.045)[form], 0.1)
    crest = ctx.chance(0.6)
    fr = fit_frame(ctx, [(0.0, 0.0), (1.0, 0.0), (0.03, fw), (0.03, -fw), (fl, fw), (fl, -fw), (0.9, hs),
                         (0.9, -hs)], fill=0.95)
    L = fr.L
    ctx.cv.capsule("shaft", fr.u(0.01), fr.u(0.86), max(0.016 * L, 0.7), ctx.mat("handle"))
    hw = max(hs * L, 1.6)
    if form == 0:
        hp = [fr.u(0.8, hw * 0.5), fr.u(0.82, hw), fr.u(1.0, 0), fr.u(0.82, -hw), fr.u(0.8, -hw * 0.5)]
    elif form == 1:   # barbed
        hp = [fr.u(0.8, hw * 0.4), fr.u(0.78, hw), fr.u(1.0, 0), fr.u(0.78, -hw), fr.u(0.8, -hw * 0.4),
              fr.u(0.84, 0)]
    else:             # bodkin: long and narrow
        hp = [fr.u(0.74, hw * 0.7), fr.u(0.8, hw), fr.u(1.0, 0), fr.u(0.8, -hw), fr.u(0.74, -hw * 0.7)]
    S.paint_split(ctx, "head", S.poly(ctx, hp), ctx.mat("head"), fr, lit=LIGHT, dark=BASE, ridge=HIGHLIGHT)
    fm = ctx.mat("feather")
    fwp = max(fw * L, 1.6)
    for sg in (1, -1):
        pts = [fr.u(fl + 0.1, sg * 0.5), fr.u(fl, sg * fwp), fr.u(0.03, sg * fwp), fr.u(0.0, sg * 0.5)]
        m = S.poly(ctx, pts)
        ctx.cv.mask("fletching", m, fm, shading="flat" if sg < 0 else "rim")
        if sg < 0:
            S.tone(ctx, m, fm, SHADOW)
    if crest and not ctx.small:
        t, _s = fr.local(ctx)
        stripe = (np.abs(t / L - fl * 0.6) < 0.018) & ctx.owned("fletching")
        S.tone(ctx, stripe, fm, OUTLINE if form == 0 else HIGHLIGHT)
    return {"grip": fr.u(0.3), "tip": fr.u(1.0)}


def _key(ctx: Ctx) -> dict:
    """Ring, trefoil or diamond bow. Seeded: bow size, bit teeth, collar."""
    form = ctx.form
    br = ctx.vary(0.14, 0.1)
    fr = fit_frame(ctx, circ(br, 0.0, br + 0.01) + [(1.0, 0.0), (0.9, -0.14)], fill=0.92)
    L = fr.L
    gold = ctx.mat("metal")
    r = max(br * L, 3.0)
    c = fr.u(br)
    if form == 1:   # trefoil bow
        m = np.zeros((ctx.h, ctx.w), bool)
        ang0 = math.degrees(math.atan2(-fr.dy, -fr.dx))  # pointing away from the shaft
        for a in (-75, 0, 75):
            rr = r * 0.55
            aa = math.radians(ang0 + a)
            m |= S.ellipse(ctx, (c[0] + r * 0.48 * math.cos(aa), c[1] + r * 0.48 * math.sin(aa)), (rr, rr))
        hole = S.ellipse(ctx, c, (max(r * 0.28, 0.8),) * 2)
    elif form == 2:  # diamond bow
        m = S.poly(ctx, [fr.u(0.0, 0), fr.u(br, r), fr.u(2 * br, 0), fr.u(br, -r)])
        hole = S.poly(ctx, [fr.u(br / 2, 0), fr.u(br, r * 0.45), fr.u(1.5 * br, 0), fr.u(br, -r * 0.45)])
    else:
        m = S.ellipse(ctx, c, (r, r))
        hole = S.ellipse(ctx, c, (max(r * 0.5, 1.0),) * 2)
    if ctx.small:
        hole = S.ellipse(ctx, c, (0.9, 0.9)) if form != 2 else hole & S.erode4(hole)
    bow = m & ~hole
    S.paint_sphere(ctx, "bow", bow, gold, (c[0] - r * 0.2, c[1] - r * 0.2), (r * 1.1, r * 1.1))
    rs = max(0.04 * L, 1.1)
    ctx.cv.capsule("shaft", fr.u(br + 0.55 * r / L), fr.u(0.98), rs, gold, highlight=True, behind=True)
    # bit: two to four teeth of seeded depth on the lower-right side
    bit_w = max(0.13 * L, 3.0)
    n = 2 if ctx.small else int(ctx.rng.integers(2, 5))
    u0, u1 = ctx.vary(0.76, 0.03), 0.96
    step = (u1 - u0) / (2 * n - 1)
    teeth = [fr.u(u0, 0)]
    for k in range(2 * n - 1):
        d = bit_w * (float(ctx.rng.uniform(0.7, 1.0)) if k % 2 == 0 else float(ctx.rng.uniform(0.4, 0.6)))
        teeth += [fr.u(u0 + k * step, -d), fr.u(u0 + (k + 1) * step, -d)]
    teeth.append(fr.u(u1, 0))
    ctx.cv.mask("bit", S.poly(ctx, teeth), gold, shading="rim", behind=True)
    if not ctx.small and ctx.chance(0.7):
        cu = br + ctx.vary(0.13, 0.2)
        ctx.cv.capsule("shaft", fr.u(cu, 0), fr.u(cu + 0.04, 0), rs * 1.45, gold, highlight=True, inner="line")
    return {"grip": fr.u(br + 0.13), "bow": c}


# ---------------------------------------------------------------------------- compact items
def _emblem(ctx: Ctx, b: Box, inner: np.ndarray, kind: str, emb: Material, rim: Material) -> None:
    """A heraldic charge on a shield face: cross, chevron, pale (a vertical band), bend, star or quarters."""
    cw = max(1.0, b.s * 0.09)
    keep = S.erode(inner, 1 if not ctx.small else 0)
    if kind == "cross":
        m = S.rect(ctx, b.x(0.5) - cw, b.y(0.12), b.x(0.5) + cw, b.y(0.82))
        m |= S.rect(ctx, b.x(0.16), b.y(0.34) - cw, b.x(0.84), b.y(0.34) + cw)
    elif kind == "chevron":
        m = S.poly(ctx, b.pts([(0.0, 0.42), (0.5, 0.7), (1.0, 0.42), (1.0, 0.62), (0.5, 0.9), (0.0, 0.62)]))
    elif kind == "pale":
        m = S.rect(ctx, b.x(0.5) - cw * 1.6, b.y(0.0), b.x(0.5) + cw * 1.6, b.y(1.0))
    elif kind == "bend":
        m = S.poly(ctx, b.pts([(0.0, 0.12), (0.16, 0.0), (1.0, 0.84), (0.84, 1.0)]))
    elif kind == "quarters":
        m = (S.rect(ctx, b.x(0.0), b.y(0.0), b.x(0.5), b.y(0.4)) | S.rect(ctx, b.x(0.5), b.y(0.4), b.x(1.0), b.y(1.0)))
    else:   # star
        m = np.zeros_like(inner)
    ctx.cv.mask("emblem", m & (keep if kind == "cross" else inner), emb, shading="rim")
    if kind in ("star", "chevron", "quarters") and not ctx.small:
        sc = b.p(0.5, 0.3 if kind != "star" else 0.42)
        sr = b.s * (0.13 if kind != "star" else 0.22)
        ctx.cv.mask("emblem", S.poly(ctx, S.star_points(sc[0], sc[1], sr, sr * 0.45)) & inner,
                    rim if kind != "star" else emb, shading="flat" if kind != "star" else "rim")


def _shield(ctx: Ctx) -> dict:
    """Kite, round (planks and a boss) or heater shield. Seeded: aspect, heraldic charge, plank
    count, boss size, rim rivets."""
    form = ctx.form
    b = Box.centred(ctx, ctx.vary(0.86 if form != 1 else 1.0, 0.06), fill=0.92)
    body, rim = ctx.mat("primary"), ctx.mat("metal")
    emb = ctx.mat("secondary")
    rivets = ctx.large or (not ctx.small and ctx.chance(0.5))
    if form == 1:   # round shield with a boss and planks
        c = b.p(0.5, 0.5)
        r = (b.W / 2, b.H / 2)
        ctx.cv.ellipse("rim", c, r, rim)
        rw = max(1.0, b.s * 0.07)
        inner = S.ellipse(ctx, c, (r[0] - rw, r[1] - rw))
        S.paint_sphere(ctx, "face", inner, body, c, r, highlight=False)
        if ctx.chance(0.35):   # a painted band across
            ctx.cv.mask("emblem", S.rect(ctx, b.x(0.0), b.y(0.36), b.x(1.0), b.y(0.64)) & inner, emb, shading="flat")
        if not ctx.small:
            S.planks(ctx, inner, body, horizontal=False, n=int(ctx.rng.integers(3, 6)), lo=c[0] - r[0],
                     hi=c[0] + r[0])
        br = max(b.s * ctx.vary(0.16, 0.2), 1.6)
        ctx.cv.ellipse("boss", c, (br, br), rim, inner="line")
        outer = S.ellipse(ctx, c, r)
    else:
        if form == 0:   # kite
            pts = b.pts([(0.0, 0.08), (0.18, 0.0), (0.5, -0.02), (0.82, 0.0), (1.0, 0.08), (0.97, 0.42),
                         (0.78, 0.75), (0.5, 1.0), (0.22, 0.75), (0.03, 0.42)])
        else:           # heater
            pts = b.pts([(0.0, 0.0), (1.0, 0.0), (1.0, 0.45), (0.9, 0.7), (0.5, 1.0), (0.1, 0.7), (0.0, 0.45)])
        outer = S.poly(ctx, pts)
        ctx.cv.mask("rim", outer, rim, shading="rim", highlight=True)
        inner = S.erode(outer, max(1, round(b.s * 0.07)))
        S.paint_sphere(ctx, "face", inner, body, b.p(0.45, 0.38), (b.W * 0.7, b.H * 0.7), highlight=False)
        kinds = ("cross", "pale", "bend", "quarters") if form == 0 else ("chevron", "star", "bend", "quarters")
        _emblem(ctx, b, inner, ctx.choose(kinds), emb, rim)
    if rivets:
        rv = S.checker_dots(ctx, outer & ~S.erode(outer, 1) & S.erode(outer, 0), 5)
        S.tone(ctx, rv & ~S.erode4(outer), rim, HIGHLIGHT)
    return {"grip": b.p(0.5, 0.45 if form != 1 else 0.5)}


def _helmet(ctx: Ctx) -> dict:
    """Knight's helm (bars or slit visor, optional plume), horned helm or crested T-visor helm.

    Seeded: plume, visor, breaths, horn size, crest size, trim.
    """
    form = ctx.form
    b = Box.centred(ctx, 1.0 if form != 1 else 1.25, fill=0.92)
    metal = ctx.mat("metal")
    dark = ctx.mat("visor", (30, 30, 40))
    acc = ctx.mat("plume")
    trim = ctx.mat("trim", (170, 130, 70))
    plume = form == 2 or (form == 0 and ctx.chance(0.5))
    if form == 1:   # horned viking helm
        dome_c = b.p(0.5, 0.62)
        r = (b.W * 0.3, b.H * 0.42)
        horn = ctx.mat("horn", (236, 222, 190))
        reach, rise = ctx.vary(0.47, 0.05), ctx.vary(0.04, 1.0)
        for sg in (-1, 1):
            base = b.p(0.5 + sg * 0.22, 0.55)
            mid = b.p(0.5 + sg * (reach - 0.07), 0.42)
            tip = b.p(0.5 + sg * reach, rise)
            m = S.poly(ctx, [(base[0], base[1] - b.H * 0.1), (mid[0] + sg * b.W * 0.02, mid[1] - b.H * 0.1),
                             tip, (mid[0] + sg * b.W * 0.09, mid[1] + b.H * 0.06), (base[0], base[1] + b.H * 0.1)])
            ctx.cv.mask("horn", m, horn, shading="rim", highlight=True)
        m = S.ellipse(ctx, dome_c, r) & (ctx.pyc < dome_c[1] + r[1] * 0.35)
        S.paint_sphere(ctx, "head", m, metal, (dome_c[0], dome_c[1] - r[1] * 0.2), r, inner="line")
        bh = max(1.0, b.H * 0.1)
        ctx.cv.rect("rim", b.x(0.19), dome_c[1] + r[1] * 0.12, b.x(0.81), dome_c[1] + r[1] * 0.12 + bh, trim,
                    highlight=True, inner="line")
        if ctx.chance(0.7):
            ctx.cv.rect("nasal", b.x(0.5) - max(0.8, b.W * 0.04), dome_c[1] - r[1] * 0.4,
                        b.x(0.5) + max(0.8, b.W * 0.04), dome_c[1] + r[1] * 0.75, trim, inner="line")
        return {"grip": (b.x(0.5), dome_c[1] + r[1] * 0.12 + bh * 0.5)}
    top = 0.22 if plume else 0.04
    if plume:
        if form == 2:   # transverse crest arc
            k = ctx.vary(1.0, 0.12)
            pm = S.ellipse(ctx, b.p(0.5, 0.3), (b.W * 0.42 * k, b.H * 0.26)) & (ctx.pyc < b.y(0.34))
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
    y_eye = b.y(top + ctx.vary(0.42 if form == 0 else 0.4, 0.06) * (1 - top))
    eh = max(1.0, b.H * 0.07)
    if form == 0:
        eye = S.rect(ctx, b.x(0.18), y_eye, b.x(0.82), y_eye + eh)
        if not ctx.small:
            if ctx.chance(0.5):   # a vertical bar below the slit
                eye |= S.rect(ctx, b.x(0.5) - max(0.5, b.W * 0.03), y_eye, b.x(0.5) + max(0.5, b.W * 0.03),
                              b.y(0.92))
            else:                 # a second slit
                eye |= S.rect(ctx, b.x(0.26), y_eye + eh * 2, b.x(0.74), y_eye + eh * 3)
        ctx.cv.mask("visor", eye & dome, dark, shading="flat")
        if not ctx.small and ctx.chance(0.6):
            holes = S.checker_dots(ctx, S.rect(ctx, b.x(0.6), y_eye + eh * 2.5, b.x(0.85), b.y(0.9)), 3) & dome
            ctx.cv.mask("visor", holes, dark, shading="flat")
    else:   # T-shaped opening
        tw = max(1.0, b.W * ctx.vary(0.12, 0.2))
        opening = S.rect(ctx, b.x(0.2), y_eye, b.x(0.8), y_eye + eh * 1.4)
        opening |= S.rect(ctx, b.x(0.5) - tw, y_eye, b.x(0.5) + tw, b.y(1.01))
        ctx.cv.mask("visor", opening & dome, dark, shading="flat")
    if not ctx.small:
        ridge = S.rect(ctx, b.x(0.5) - 0.5, b.y(top + 0.02), b.x(0.5) + 0.5, y_eye - 1) & dome
        if ctx.chance(0.4):   # a brass band along the ridge
            ctx.cv.mask("trim", S.dilate4(ridge) & dome, trim, shading="rim")
        else:
            S.tone(ctx, ridge, metal, LIGHT)
    return {"grip": b.p(0.5, 0.95)}


def _armor(ctx: Ctx) -> dict:
    """Breastplate, breastplate with a tabard, or a mail shirt with sleeves and a tabard.

    Seeded: torso width, pauldron size and trim, tabard width, belt, chest emblem.
    """
    form = ctx.form
    b = Box.centred(ctx, 1.0, fill=0.92)
    metal = ctx.mat("metal")
    cloth = ctx.mat("primary")
    belt = ctx.mat("belt", (110, 70, 40))
    trim = ctx.mat("trim", (220, 180, 70))
    wj = ctx.jit(0.04)
    tw = ctx.vary(0.14, 0.2)
    torso = S.poly(ctx, b.pts([(0.18 - wj, 0.12), (0.36, 0.04), (0.64, 0.04), (0.82 + wj, 0.12), (0.8 + wj, 0.6),
                               (0.7, 0.88), (0.3, 0.88), (0.2 - wj, 0.6)]))
    neck = S.ellipse(ctx, b.p(0.5, 0.02), (b.W * 0.16, b.H * 0.12))
    torso &= ~neck
    if form == 2:   # chainmail shirt with sleeves and a cloth tabard
        for sg in (-1, 1):
            ctx.cv.capsule("sleeves", b.p(0.5 + sg * 0.28, 0.16), b.p(0.5 + sg * 0.42, 0.56), b.W * 0.09, metal,
                           r1=b.W * 0.07)
        S.paint_sphere(ctx, "torso", torso, metal, b.p(0.45, 0.4), (b.W * 0.45, b.H * 0.6), highlight=False,
                       inner="line")
        if not ctx.small:
            S.tone(ctx, S.checker_dots(ctx, ctx.owned("torso") | ctx.owned("sleeves"), 2), metal, SHADOW)
        tab = S.poly(ctx, b.pts([(0.5 - tw - 0.02, 0.1), (0.5 + tw + 0.02, 0.1), (0.5 + tw, 0.95), (0.5, 0.88),
                                 (0.5 - tw, 0.95)]))
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
            tab = S.poly(ctx, b.pts([(0.5 - tw * 0.6, 0.5), (0.5 + tw * 0.6, 0.5), (0.5 + tw * 0.6, 0.98),
                                     (0.5, 0.92), (0.5 - tw * 0.6, 0.98)]))
            ctx.cv.mask("tabard", tab, cloth, shading="rim", inner="line")
        elif not ctx.small and ctx.chance(0.5):   # an emblem on the chest
            ctx.cv.ellipse("emblem", b.p(0.5, 0.3), (b.s * 0.08, b.s * 0.08), trim, inner="line")
        # pauldrons
        pr = ctx.vary(1.0, 0.15)
        trimmed = not ctx.small and ctx.chance(0.4)
        for sg in (-1, 1):
            part = "pauldron_" + ("left" if sg > 0 else "right")
            c = b.p(0.5 + sg * 0.32, 0.16)
            ctx.cv.ellipse(part, c, (b.W * 0.18 * pr, b.H * 0.14 * pr), metal, inner="line")
            if trimmed:
                rim = S.ellipse(ctx, c, (b.W * 0.18 * pr, b.H * 0.14 * pr))
                S.tone(ctx, rim & S.edge_toward(rim, 0, 1), trim, BASE)
    # belt with buckle
    if form != 0 or ctx.chance(0.6):
        by = b.y(ctx.vary(0.66, 0.04))
        bh = max(1.0, b.H * 0.08)
        bm = S.rect(ctx, b.x(0.2), by, b.x(0.8), by + bh) & S.dilate(torso, 1)
        ctx.cv.mask("belt", bm, belt, shading="rim", inner="line")
        buck = S.rect(ctx, b.x(0.5) - max(1.0, b.W * 0.06), by - 0.3, b.x(0.5) + max(1.0, b.W * 0.06),
                      by + bh + 0.3)
        ctx.cv.mask("belt", buck, trim, shading="rim", highlight=True)
    return {"grip": b.p(0.5, 0.1)}


def _boots(ctx: Ctx) -> dict:
    """A pair of boots: plain, short, or tall riding boots with a buckled strap and a heel.

    Seeded: shaft height, cuff depth, toe length, laces.
    """
    form = ctx.form
    b = Box.centred(ctx, 1.0, fill=0.92)
    leather = ctx.mat("primary")
    sole = ctx.mat("sole", (60, 42, 34))
    cuff = ctx.mat("secondary")
    tall = (ctx.vary(0.06, 0.6), ctx.vary(0.3, 0.15), 0.0)[form]
    cuff_h = ctx.vary(0.13, 0.25) if form != 2 else 0.08
    toe = ctx.vary(0.95, 0.04)
    laces = form == 0 and not ctx.small and ctx.chance(0.6)
    for k, (dx, dy, part) in enumerate(((0.28, -0.06, "boot_back"), (0.0, 0.0, "boot_front"))):
        def x(f: float, dx: float = dx) -> float:
            return b.x(f * 0.72 + dx)

        def y(f: float, dy: float = dy) -> float:
            return b.y(f * 0.94 + 0.06 + dy)

        shaft = S.rect(ctx, x(0.08), y(tall), x(0.52), y(0.8))
        foot = S.ellipse(ctx, (x(0.5), y(0.8)), (b.W * 0.72 * (toe - 0.51), b.H * 0.94 * 0.16)) & (ctx.pyc < y(0.93))
        foot |= S.rect(ctx, x(0.08), y(0.62), x(0.6), y(0.93))
        m = shaft | foot
        S.paint_sphere(ctx, part, m, leather, (x(0.3), y(0.35)), (b.W * 0.5, b.H * 0.7), highlight=False,
                       inner="line")
        if k == 0:
            S.tone(ctx, m & ctx.owned(part), leather, SHADOW)
        sm = S.rect(ctx, x(0.06), y(0.86), x(toe), y(0.99)) & S.dilate(m, 1)
        if form == 2:   # a heel
            sm |= S.rect(ctx, x(0.06), y(0.86), x(0.3), y(1.03))
        ctx.cv.mask("sole", sm, sole, shading="flat", inner="line")
        if form == 2:   # buckled strap
            st = S.rect(ctx, x(0.06), y(0.45), x(0.54), y(0.45) + max(1.0, b.H * 0.07))
            ctx.cv.mask(part, st, sole, shading="flat")
            ctx.cv.pixel(x(0.3), y(0.45) + 0.5, ctx.mat("trim", (220, 180, 70)).base, part=part)
        if laces and k == 1:
            lc = S.checker_dots(ctx, S.rect(ctx, x(0.3), y(tall + 0.15), x(0.5), y(0.7)), 2) & m
            ctx.cv.detail(lc, cuff.base)
        cm = S.rect(ctx, x(0.02), y(tall) - b.H * 0.02, x(0.58), y(tall) + max(1.5, b.H * cuff_h))
        ctx.cv.mask("cuff", cm, cuff, shading="rim", highlight=True, inner="line")
    return {"grip": b.p(0.3, tall * 0.94 + 0.1)}


def _ring(ctx: Ctx) -> dict:
    """A ring with a round, square-cut or small gem. Seeded: band thickness, gem size, setting, prongs."""
    form = ctx.form
    b = Box.centred(ctx, 1.0, fill=0.9)
    gold = ctx.mat("metal")
    gem = ctx.mat("gem")
    c = b.p(0.5, 0.62)
    r = (b.W * 0.4, b.H * 0.33)
    th = max(1.3, b.s * ctx.vary(0.11, 0.18))
    band = S.ellipse(ctx, c, r) & ~S.ellipse(ctx, (c[0], c[1] + th * 0.25), (r[0] - th, r[1] - th))
    S.paint_sphere(ctx, "band", band, gold, (c[0] - r[0] * 0.3, c[1] - r[1] * 0.5), (r[0] * 1.2, r[1] * 1.3))
    gc = b.p(0.5, 0.25)
    gr = b.s * ctx.vary(0.2 if form != 2 else 0.15, 0.1)
    sw = ctx.vary(0.9, 0.15)
    ctx.cv.rect("setting", gc[0] - gr * sw, gc[1] + gr * 0.3, gc[0] + gr * sw, c[1] - r[1] + th * 0.8, gold,
                highlight=True, inner="line")
    if form == 1:
        gm = S.poly(ctx, [(gc[0], gc[1] - gr), (gc[0] + gr, gc[1]), (gc[0], gc[1] + gr), (gc[0] - gr, gc[1])])
        S.paint_sphere(ctx, "gem", gm, gem, gc, (gr, gr), inner="line")
    else:
        ctx.cv.ellipse("gem", gc, (gr, gr), gem, inner="line")
    if not ctx.small:
        ctx.cv.pixel(gc[0] - gr * 0.4, gc[1] - gr * 0.4, gem.ramp[HIGHLIGHT])
        if ctx.chance(0.5):   # prongs
            for sg in (-1, 1):
                ctx.cv.pixel(gc[0] + sg * gr * 0.75, gc[1] - gr * 0.55, gold.ramp[LIGHT], part="setting")
    return {"grip": (c[0], c[1] + r[1] - th * 0.5)}


def _crown(ctx: Ctx) -> dict:
    """A three-, five-point or arched crown. Seeded: point height, gem count and colours, tip pearls."""
    form = ctx.form
    b = Box.centred(ctx, 1.2 if form != 2 else 1.0, fill=0.92)
    gold = ctx.mat("metal")
    gems = [ctx.mat("gem"), ctx.mat("gem2", (60, 110, 220))]
    n = (3, 5, 3)[form]
    band_top, band_bot = ctx.vary(0.6, 0.05), 0.95
    tips = np.linspace(0.03, 0.97, n)
    hi, lo = ctx.vary(0.12, 0.3), ctx.vary(0.26, 0.12)
    tip_ys = [hi if (k == n // 2 or form == 1) else lo for k in range(n)]
    if form == 2:   # arched crown: a velvet cap under two arches and a cross on top
        cap = S.ellipse(ctx, b.p(0.5, band_top), (b.W * 0.44, b.H * 0.42)) & (ctx.pyc < b.y(band_top))
        S.paint_sphere(ctx, "velvet", cap, ctx.mat("velvet", (170, 30, 52)), b.p(0.4, 0.3), (b.W * 0.5, b.H * 0.5),
                       highlight=False)
        arch = cap & ~S.erode(cap, 1)
        arch |= S.rect(ctx, b.x(0.5) - max(0.5, b.W * 0.04), b.y(0.18), b.x(0.5) + max(0.5, b.W * 0.04), b.y(band_top))
        ctx.cv.mask("crown", arch & (ctx.pyc > b.y(0.16)), gold, shading="rim", highlight=True)
        cw = max(0.5, b.W * 0.04)
        cross = S.rect(ctx, b.x(0.5) - cw, b.y(0.0), b.x(0.5) + cw, b.y(0.2))
        cross |= S.rect(ctx, b.x(0.5) - cw * 3, b.y(0.06), b.x(0.5) + cw * 3, b.y(0.06) + 2 * cw)
        ctx.cv.mask("crown", cross, gold, shading="rim", highlight=True, inner="line")
        m = S.rect(ctx, b.x(0.04), b.y(band_top), b.x(0.96), b.y(band_bot))
    else:
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
    # tip pearls and band gems
    br = max(0.9, b.s * 0.07)
    if form != 2 and not ctx.small and ctx.chance(0.75):
        pearl = gold if ctx.chance(0.5) else ctx.mat("pearl", (240, 236, 226))
        for k in range(n):
            ctx.cv.ellipse("crown", b.p(min(max(tips[k], 0.06), 0.94), tip_ys[k]), (br, br), pearl)
    ng = 3 if ctx.small else ctx.choose((1, 3, 3, 5))
    first = int(ctx.rng.integers(0, 2))
    for k in range(ng):
        gr = max(1.0, b.s * (0.08 if ng < 5 else 0.06))
        fx = 0.5 + (k - (ng - 1) / 2) * (0.6 / max(ng - 1, 1) if ng > 1 else 0)
        ctx.cv.ellipse("gems", b.p(fx, (band_top + band_bot) / 2), (gr, gr * (1.0 if not ctx.small else 0.8)),
                       gems[(k + first) % 2], inner="line")
    return {"grip": b.p(0.5, 0.95)}


def _potion(ctx: Ctx) -> dict:
    """Round flask, conical flask or tall bottle. Seeded: width, neck, fill level, stopper (cork,
    wax-sealed cork or glass), a paper label, bubbles."""
    form = ctx.form
    b = Box.centred(ctx, ctx.vary(0.8 if form != 2 else 0.62, 0.08), fill=0.94)
    glass = ctx.mat("glass")
    liquid = ctx.mat("liquid")
    stopper = ctx.choose(("cork", "cork", "wax", "glass"))
    cork = ctx.mat("cork") if stopper == "cork" else ctx.mat("wax", (170, 40, 46)) if stopper == "wax" else glass
    label = not ctx.small and ctx.chance(0.35)
    neck_w = ctx.vary(0.15 if form != 2 else 0.2, 0.12)
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
    level = {0: 0.5, 1: 0.55, 2: 0.42}[form] + float(ctx.rng.uniform(-0.1, 0.08))
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
    if label:
        ly = b.y(ctx.vary(0.7, 0.05))
        lab = S.rect(ctx, b.x(0.18), ly, b.x(0.82), ly + max(2.0, b.H * 0.14)) & S.erode(body, 1)
        ctx.cv.mask("label", lab, ctx.mat("label", (236, 222, 180)), shading="rim")
        ctx.cv.detail(lab & ~S.erode(lab, 1) & (ctx.pyc > ly + 1), ctx.col("label", SHADOW))
    if not ctx.small:
        for x, y in S.scatter(ctx, liq & ~S.edge_toward(liq, 0, -1) & ~ctx.owned("label"), b, (0.2, 0.8),
                              (level, 0.95), 6, 3):
            ctx.cv.pixel(x, y, liquid.ramp[HIGHLIGHT])
    # lip and cork
    lip_y = b.y(neck_top)
    ctx.cv.rect("glass", b.x(0.5 - neck_w - 0.06), lip_y, b.x(0.5 + neck_w + 0.06), lip_y + max(1.0, b.H * 0.05),
                glass, highlight=True)
    if stopper == "glass":
        ctx.cv.ellipse("cork", b.p(0.5, 0.05), (b.W * (neck_w + 0.02), b.H * 0.07), glass, inner="line")
    else:
        ctx.cv.rect("cork", b.x(0.5 - neck_w + 0.03), b.y(0.0), b.x(0.5 + neck_w - 0.03), lip_y + 0.2, cork,
                    inner="line")
        if stopper == "wax":   # wax dripping over the lip
            ctx.cv.rect("cork", b.x(0.5 - neck_w - 0.02), lip_y - 0.5, b.x(0.5 + neck_w + 0.02), lip_y + 1.2, cork,
                        inner="line")
    return {"grip": b.p(0.5, neck_bot)}


def _gem(ctx: Ctx) -> dict:
    """Brilliant (side view), round cut (top view) or step cut. Seeded: proportions, table size,
    sparkle."""
    form = ctx.form
    b = Box.centred(ctx, ctx.vary(1.0 if form != 2 else 0.85, 0.1), fill=0.86)
    gem = ctx.mat("gem")
    cv = ctx.cv
    tbl = ctx.vary(1.0, 0.25)
    if form == 0:   # brilliant: crown on top, pavilion below
        gy = ctx.vary(0.36, 0.15)
        t0, t1 = 0.5 - 0.28 * tbl, 0.5 + 0.28 * tbl
        pts = b.pts([(t0, 0.0), (t1, 0.0), (1.0, gy), (0.5, 1.0), (0.0, gy)])
        m = S.poly(ctx, pts)
        cv.mask("gem", m, gem, shading="flat")
        facets = [
            (b.pts([(t0, 0.0), (0.36, gy), (0.0, gy)]), LIGHT),
            (b.pts([(t0, 0.0), (t1, 0.0), (0.64, gy), (0.36, gy)]), HIGHLIGHT),
            (b.pts([(t1, 0.0), (1.0, gy), (0.64, gy)]), BASE),
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
        inner = S.scaled(outer, oc, 0.5 * tbl)
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
        ch = ctx.vary(0.22, 0.25)
        outer = b.pts([(ch, 0.0), (1 - ch, 0.0), (1.0, ch), (1.0, 1 - ch), (1 - ch, 1.0), (ch, 1.0), (0.0, 1 - ch),
                       (0.0, ch)])
        m = S.poly(ctx, outer)
        cv.mask("gem", m, gem, shading="flat")
        i0 = min(0.4, max(ch + 0.02, 0.26 / tbl))
        i1 = 1.0 - i0
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
    if not ctx.small and ctx.chance(0.75):
        sx, sy = b.p((0.3 if form != 0 else 0.34) + ctx.jit(0.06), (0.22 if form != 0 else 0.12) + ctx.jit(0.04))
        spark = S.rect(ctx, sx - 0.5, sy - 1.5, sx + 0.5, sy + 1.5) | S.rect(ctx, sx - 1.5, sy - 0.5, sx + 1.5, sy + 0.5)
        S.tone(ctx, spark & (cv.alpha > 0), gem, HIGHLIGHT)
    return {}


def _disc(ctx: Ctx, c: tuple[float, float], r: float, metal: Material, emblem: str, *, hole: bool = False,
          notched: bool = True) -> np.ndarray:
    """One coin facing the viewer: a thick edge below, a bevelled rim and an embossed ``emblem``
    (star, crown, diamond or dots); ``hole``: a square hole through the middle. Returns its mask."""
    th = max(1.0, r * 0.15)
    side = S.ellipse(ctx, (c[0], c[1] + th), (r, r))
    face = S.ellipse(ctx, c, (r, r))
    if hole:
        hw = max(1.0, r * 0.2)
        sq = S.rect(ctx, c[0] - hw, c[1] - hw, c[0] + hw, c[1] + hw)
        face &= ~sq
        side &= ~S.rect(ctx, c[0] - hw, c[1] - hw + th, c[0] + hw, c[1] + hw)
    sel = ctx.cv.mask("edge", side & ~face, metal, shading="flat")
    S.tone(ctx, sel, metal, SHADOW)
    if notched and not ctx.small:
        S.tone(ctx, S.checker_dots(ctx, sel & (ctx.pyc > c[1] + r * 0.2), 2), metal, OUTLINE)
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
    if hole:   # the hole's own bevel
        t[S.dilate(sq, 1) & face & (ang > 0)] = LIGHT
        t[S.dilate(sq, 1) & face & (ang <= 0)] = SHADOW
    S.paint_tones(ctx, "face", face, metal, t)
    # emblem, embossed: light, with a shadow on its lower-right edge
    x, y = c
    er = (r - rimw) * 0.62
    if hole:
        em = np.zeros_like(face)
        if not ctx.small:
            for dx, dy in ((0, -1), (1, 0), (0, 1), (-1, 0)):
                em |= S.ellipse(ctx, (x + dx * er * 0.75, y + dy * er * 0.75), (0.6, 0.6))
    elif ctx.small or r < 5:
        em = S.rect(ctx, x - 0.5, y - er * 0.8, x + 0.5, y + er * 0.8)
    elif emblem == "star":
        em = S.poly(ctx, S.star_points(x, y, er, er * 0.45))
    elif emblem == "crown":
        em = S.poly(ctx, [(x - er, y + er * 0.6), (x - er, y - er * 0.5), (x - er * 0.5, y), (x, y - er * 0.8),
                          (x + er * 0.5, y), (x + er, y - er * 0.5), (x + er, y + er * 0.6)])
    else:
        em = S.poly(ctx, [(x, y - er), (x + er * 0.7, y), (x, y + er), (x - er * 0.7, y)])
        em &= ~S.rect(ctx, x - er * 0.25, y - er * 0.25, x + er * 0.25, y + er * 0.25)
    S.tone(ctx, em & face, metal, LIGHT)
    S.tone(ctx, (S.edge_toward(em, 1, 1) | S.edge_toward(em, 0, 1)) & face, metal, SHADOW)
    return face | side


def _coin(ctx: Ctx) -> dict:
    """One coin, a little pile of coins, or a coin with a square hole. Seeded: emblem, pile size."""
    form = ctx.form
    b = Box.centred(ctx, 1.0, fill=0.9)
    metal = ctx.mat("metal")
    emblem = ctx.choose(("star", "crown", "diamond"))
    if form == 1:   # a stack of coins seen from above the edge, a little uneven
        n = 2 if ctx.small else int(ctx.rng.integers(3, 6))
        rx = b.W * 0.4
        ry = rx * 0.42
        th = (b.H - 2 * ry) / (n + 0.3)
        lx, _ly = ctx.cv.light2
        for k in range(n):
            cx = b.x(0.5) + (0.0 if ctx.small else ctx.jit(0.05) * b.W)
            cy = b.y(1.0) - ry - k * th
            side = S.ellipse(ctx, (cx, cy), (rx, ry)) | S.rect(ctx, cx - rx, cy - th, cx + rx, cy)
            t = S.hgrad_tones(ctx, cx - rx, cx + rx, light_frac=0.3, shadow_frac=0.7)
            t = np.minimum(t, BASE) - (1 if ctx.small else 0)   # small stacks: darker edges, for contrast
            sel = S.paint_tones(ctx, "edge", side, metal, t.astype(np.int8), inner="line")
            if k:   # the seam over the coin below
                S.tone(ctx, S.edge_toward(side, 0, 1), metal, OUTLINE)
            if not ctx.small:   # a reeded edge
                S.tone(ctx, sel & (ctx.xx % 2 == 0) & (ctx.pyc > cy - th + 1) & (ctx.pyc < cy + ry * 0.6), metal,
                       SHADOW)
            top = S.ellipse(ctx, (cx, cy - th), (rx, ry))
            face = ctx.cv.mask("face", top, metal, shading="flat")
            rim = face & ~S.erode4(top)
            S.tone(ctx, rim & ((ctx.pxc - cx) * lx > 0), metal, LIGHT)
            S.tone(ctx, rim & ((ctx.pxc - cx) * lx <= 0), metal, SHADOW)
            S.tone(ctx, S.ellipse(ctx, (cx - rx * 0.1, cy - th - ry * 0.1), (rx * 0.5, ry * 0.45)) & face, metal, LIGHT)
        return {"grip": (cx, cy - th)}
    c = b.p(0.5, 0.48)
    _disc(ctx, c, b.s * ctx.vary(0.46, 0.04), metal, emblem, hole=form == 2)
    return {"grip": c}


def _chest(ctx: Ctx) -> dict:
    """Chest with a rounded lid and two straps, three straps, or a flat lid.

    Seeded: proportions, strap positions, lock (plate or padlock), corner guards, rivets, planks.
    """
    form = ctx.form
    b = Box.centred(ctx, ctx.vary(1.25, 0.08), fill=0.94, stretch=0.3)
    wood = ctx.mat("primary")
    band = ctx.mat("metal")
    lock = ctx.mat("lock", (230, 190, 70))
    split = ctx.vary(0.42, 0.08)
    corners = ctx.chance(0.4)
    padlock = ctx.chance(0.35)
    # box
    box = S.rect(ctx, b.x(0.02), b.y(split), b.x(0.98), b.y(1.0))
    t = S.vgrad_tones(ctx, b.y(split), b.y(1.0))
    S.paint_tones(ctx, "base", box, wood, t)
    if not ctx.small:
        S.planks(ctx, box, wood, horizontal=True, n=int(ctx.rng.integers(2, 4 if ctx.m < 48 else 5)), lo=b.y(split),
                 hi=b.y(1.0))
    # lid: rounded top
    lid = S.ellipse(ctx, b.p(0.5, split), (b.W * 0.48, b.H * split * 0.95)) & (ctx.pyc < b.y(split))
    if form == 2:   # flat lid
        lid = S.rect(ctx, b.x(0.02), b.y(split * 0.35), b.x(0.98), b.y(split))
    S.paint_sphere(ctx, "lid", lid, wood, b.p(0.4, split * 0.3), (b.W * 0.55, b.H * split * 1.1), highlight=False,
                   inner="line")
    if not ctx.small:
        S.planks(ctx, lid, wood, horizontal=False, n=int(ctx.rng.integers(2, 5)), lo=b.x(0.02), hi=b.x(0.98))
    # metal bands: lid rim and vertical straps
    bw = max(1.0, b.W * ctx.vary(0.07, 0.2))
    rim = S.rect(ctx, b.x(0.0), b.y(split) - max(1.0, b.H * 0.05), b.x(1.0), b.y(split) + max(1.0, b.H * 0.05))
    ctx.cv.mask("bands", rim, band, shading="rim", highlight=True, inner="line")
    straps = np.zeros((ctx.h, ctx.w), bool)
    inset = ctx.vary(0.2, 0.3)
    xs = (inset, 1 - inset) if form != 1 else (0.12, 0.5, 0.88)
    for fx in xs:
        straps |= S.rect(ctx, b.x(fx) - bw / 2, b.y(0.0), b.x(fx) + bw / 2, b.y(1.0))
    straps &= box | lid
    if form == 1:
        straps &= ~S.rect(ctx, b.x(0.38), b.y(split - 0.2), b.x(0.62), b.y(split + 0.3))
    ctx.cv.mask("bands", straps & ~rim, band, shading="rim", highlight=True, inner="line")
    if corners and not ctx.small:
        k = b.s * 0.16
        for cx in (0.0, 1.0):
            x0 = b.x(cx) - (k if cx else 0)
            ctx.cv.rect("bands", x0 + (-0.5 if cx else 0.5), b.y(1.0) - k, x0 + k, b.y(1.0), band, highlight=True,
                        inner="line")
    if ctx.large or (not ctx.small and ctx.chance(0.5)):
        rv = S.checker_dots(ctx, straps & ~S.erode(straps, 0), 3)
        S.tone(ctx, rv, band, HIGHLIGHT)
    # lock: a plate with a keyhole, or a hanging padlock
    lw, lh = max(1.5, b.W * 0.1), max(2.0, b.H * 0.16)
    lc = b.p(0.5, split + 0.06)
    if padlock and not ctx.small:
        ring = S.ellipse(ctx, (lc[0], lc[1]), (lw * 0.7, lh * 0.5)) & ~S.ellipse(ctx, lc, (lw * 0.7 - 1, lh * 0.5 - 1))
        ctx.cv.mask("lock", ring & (ctx.pyc < lc[1] + 0.5), lock, shading="rim")
        ctx.cv.rect("lock", lc[0] - lw, lc[1], lc[0] + lw, lc[1] + lh * 1.1, lock, highlight=True, inner="line")
        lc = (lc[0], lc[1] + lh * 0.3)
    else:
        ctx.cv.rect("lock", lc[0] - lw, lc[1] - lh * 0.6, lc[0] + lw, lc[1] + lh, lock, highlight=True, inner="line")
    kh = S.rect(ctx, lc[0] - 0.5, lc[1] - 0.1, lc[0] + 0.5, lc[1] + max(1.0, lh * 0.6))
    ctx.cv.mask("lock", kh, ctx.mat("keyhole", (30, 20, 20)), shading="flat")
    return {"grip": b.p(0.5, split)}


def _lantern(ctx: Ctx) -> dict:
    """Square lantern, round lantern with a domed cap, or a tall lantern with a pointed roof.

    Seeded: cap height, glass width, bar count, handle (ring or hook), base.
    """
    form = ctx.form
    b = Box.centred(ctx, ctx.vary((0.66, 0.72, 0.56)[form], 0.06), fill=0.94)
    metal = ctx.mat("metal")
    glow = ctx.mat("glow", (255, 210, 110))
    cap_y0, cap_y1 = 0.14, ctx.vary(0.3, 0.1) if form != 2 else 0.34
    gw = ctx.vary(0.38, 0.08)
    # handle: a ring or a hook
    rc, rr = b.p(0.5, 0.1), (b.W * 0.22, b.H * 0.1)
    th = max(1.0, b.s * 0.08)
    if ctx.chance(0.6) or ctx.small:
        ring = S.ellipse(ctx, rc, rr) & ~S.ellipse(ctx, rc, (rr[0] - th, rr[1] - th))
        ctx.cv.mask("handle", ring & (ctx.pyc < b.y(0.16)), metal, shading="rim")
    else:
        hook = S.capsule(ctx, b.p(0.5, 0.16), b.p(0.5, 0.05), th * 0.5)
        hook |= S.capsule(ctx, b.p(0.5, 0.05), b.p(0.66, 0.05), th * 0.5)
        ctx.cv.mask("handle", hook, metal, shading="rim")
    # cap
    if form == 0:
        ctx.cv.polygon("cap", b.pts([(0.3, cap_y0), (0.7, cap_y0), (0.95, cap_y1), (0.05, cap_y1)]), metal,
                       highlight=True, inner="line")
    elif form == 1:
        dome = S.ellipse(ctx, b.p(0.5, cap_y1), (b.W * 0.46, b.H * (cap_y1 - cap_y0) * 1.1)) & (ctx.pyc < b.y(cap_y1))
        S.paint_sphere(ctx, "cap", dome, metal, b.p(0.4, cap_y0), (b.W * 0.5, b.H * 0.2), inner="line")
    else:
        ctx.cv.polygon("cap", b.pts([(0.5, 0.02), (1.0, cap_y1), (0.0, cap_y1)]), metal, highlight=True,
                       inner="line")
    # glass chamber with the light
    gy0, gy1 = cap_y1, 0.86
    if form == 1:
        gl = S.ellipse(ctx, b.p(0.5, (gy0 + gy1) / 2), (b.W * (gw + 0.04), b.H * (gy1 - gy0) / 2))
    elif form == 2:
        gl = S.poly(ctx, b.pts([(0.5 - gw + 0.06, gy0), (0.5 + gw - 0.06, gy0), (0.5 + gw, gy1), (0.5 - gw, gy1)]))
    else:
        gl = S.rect(ctx, b.x(0.5 - gw), b.y(gy0), b.x(0.5 + gw), b.y(gy1))
    S.paint_tones(ctx, "glass", gl, glow, S.sphere_tones(ctx, b.p(0.5, 0.6), (b.W * 0.5, b.H * 0.4), bias=0.25))
    S.flame(ctx, "flame", b.x(0.5), b.y(0.78), max(1.0, b.W * ctx.vary(0.14, 0.15)), b.H * 0.3,
            ("flame", "flame_mid", "flame_core"), tongues=False)
    # bars
    nb = 2 if ctx.small else int(ctx.rng.integers(3, 5))
    w = max(1.0, b.W * 0.07)
    bars = np.zeros((ctx.h, ctx.w), bool)
    for fx in np.linspace(0.5 - gw, 0.5 + gw, nb):
        bars |= S.rect(ctx, b.x(fx) - w / 2, b.y(gy0), b.x(fx) + w / 2, b.y(gy1))
    bars &= S.dilate(gl, 0)
    ctx.cv.mask("frame", bars, metal, shading="rim", highlight=True)
    # base
    if form == 2:   # little feet
        ctx.cv.rect("base", b.x(0.06), b.y(gy1), b.x(0.94), b.y(0.94), metal, highlight=True, inner="line")
        for fx in (0.1, 0.78):
            ctx.cv.rect("base", b.x(fx), b.y(0.94), b.x(fx + 0.12), b.y(1.0), metal, inner="line")
    else:
        ctx.cv.rect("base", b.x(0.02), b.y(gy1), b.x(0.98), b.y(1.0), metal, highlight=True, inner="line")
    return {"grip": b.p(0.5, 0.04), "hook": b.p(0.5, 0.02), "flame": b.p(0.5, 0.6)}


def _torch(ctx: Ctx) -> dict:
    """A wrapped torch leaning right, a metal sconce cup, or an upright brand with a tall flame.

    Seeded: flame size and lean, head size, stick thickness, wrap bands.
    """
    form = ctx.form
    fk = ctx.vary(1.15 if form == 2 else 1.0, 0.1)
    # the stick leans up-right; the flame rises vertically from its top
    fr = fit_frame(ctx, [(0.0, 0.0), (0.72, 0.0), (0.72, 0.2), (0.72, -0.2), (1.0, 0.3 * fk), (0.9, -0.1)],
                   fill=0.94, direction=(0.45, -1.0) if form != 2 else (0.18, -1.0))
    L = fr.L
    stick = ctx.mat("handle")
    sr = ctx.vary(0.04, 0.15)
    ctx.cv.capsule("handle", fr.u(0.02), fr.u(0.66), max(sr * L, 1.1), stick, r1=max((sr + 0.015) * L, 1.4))
    head = ctx.mat("wrap", (150, 110, 80))
    hr = max(ctx.vary(0.085, 0.12) * L, 1.8)
    if form == 1:   # metal sconce cup
        head = ctx.mat("metal", (140, 140, 150))
        m = S.poly(ctx, fr.band([0.56, 0.6, 0.72], [0, 0, 0], [hr * 0.5, hr, hr * 1.15]))
        S.paint_split(ctx, "head", m, head, fr, lit=LIGHT, dark=BASE, ridge=HIGHLIGHT)
    else:
        ctx.cv.capsule("head", fr.u(0.58), fr.u(0.7), hr, head, inner="line")
        if not ctx.small:
            t, _s = fr.local(ctx)
            for u in ((0.64,), (0.61, 0.67))[int(ctx.rng.integers(0, 2))]:
                band = (np.abs(t / L - u) < 0.012 + 0.5 / L) & ctx.owned("head")
                S.tone(ctx, band, head, SHADOW)
    top = fr.u(0.7)
    fw = max(0.17 * L, 2.2)
    fh = max(0.42 * L * fk, 4.0)
    lean = (0.1, 0.1, 0.0)[form] + ctx.jit(0.06)
    S.flame(ctx, "flame", top[0] + 0.1 * fw, top[1] + fw * 0.5, fw, fh, lean=lean)
    return {"grip": fr.u(0.25), "flame": (top[0], top[1] - fh * 0.4)}


def _scroll(ctx: Ctx) -> dict:
    """An open scroll (upright or sideways) or a rolled one tied with a ribbon.

    Seeded: proportions, worn edge, text lines or a treasure map, wax seal, ribbon tails.
    """
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
    horiz = form == 1   # an open scroll held sideways: the rolls left and right
    b = Box.centred(ctx, ctx.vary(1.3 if horiz else 0.82, 0.06), fill=0.94)
    rr = max(1.3, (b.W if horiz else b.H) * 0.08)
    # the sheet
    sheet = S.rect(ctx, b.x(0.08), b.y(0.1), b.x(0.92), b.y(0.9)) if horiz else \
        S.rect(ctx, b.x(0.1), b.y(0.08), b.x(0.9), b.y(0.92))
    if not ctx.small and ctx.chance(0.6):
        # a wavy, worn edge
        edge = (ctx.pyc > b.y(0.9) - 1) if horiz else (ctx.pxc > b.x(0.9) - 1)
        sheet &= ~(S.checker_dots(ctx, sheet & edge, 3))
    t = S.hgrad_tones(ctx, b.x(0.1), b.x(0.9), light_frac=0.12, shadow_frac=0.9)
    S.paint_tones(ctx, "paper", sheet, paper, t)
    # text lines, or a treasure map: a dotted trail to a red cross
    if ctx.small:
        ctx.cv.detail(S.rect(ctx, b.x(0.3), b.y(0.45), b.x(0.7), b.y(0.45) + 1), ink.base)
    elif ctx.chance(0.3):
        p0 = b.p(0.25, float(ctx.rng.uniform(0.25, 0.75)))
        p1 = b.p(0.72, float(ctx.rng.uniform(0.25, 0.75)))
        mid = b.p(0.5, float(ctx.rng.uniform(0.2, 0.8)))
        trail = S.polyline(ctx, [p0, mid, p1]) & ((ctx.xx + ctx.yy) % 2 == 0)
        ctx.cv.detail(trail & sheet, ink.base)
        k = max(1.0, b.s * 0.07)
        cross = S.line(ctx, (p1[0] - k, p1[1] - k), (p1[0] + k, p1[1] + k))
        cross |= S.line(ctx, (p1[0] - k, p1[1] + k), (p1[0] + k, p1[1] - k))
        ctx.cv.detail(cross & sheet, ctx.col("ribbon"))
    else:
        lines = np.zeros((ctx.h, ctx.w), bool)
        n = int(ctx.rng.integers(3, 6)) if ctx.m < 48 else int(ctx.rng.integers(5, 8))
        for i in range(n):
            y = b.y(0.22 + 0.56 * i / max(n - 1, 1))
            x1 = b.x(0.78 - (0.2 if i == n - 1 else float(ctx.rng.uniform(0, 0.12))))
            lines |= S.rect(ctx, b.x(0.22), y, x1, y + 1)
        gaps = (ctx.xx * 5 + ctx.yy * 3 + int(ctx.rng.integers(0, 7))) % 7 == 0
        ctx.cv.detail(lines & ~gaps & sheet, ink.base)
    # the rolls
    for f in (0.08, 0.92):
        a0, a1 = (b.p(f, 0.04), b.p(f, 0.96)) if horiz else (b.p(0.04, f), b.p(0.96, f))
        ctx.cv.capsule("roll", a0, a1, rr, rollm, highlight=True, inner="line")
    if ctx.chance(0.5):   # wax seal with ribbon tails
        seal = ctx.mat("ribbon", (190, 40, 50))
        sc = b.p(0.5 + ctx.jit(0.15), 0.72)
        sr = max(1.5, b.s * 0.12)
        if not ctx.small:
            ctx.cv.polygon("seal", [(sc[0] - sr * 0.8, sc[1]), (sc[0] - sr * 0.2, sc[1]), (sc[0] - sr * 0.6, b.y(0.98)),
                                    (sc[0] - sr * 1.2, b.y(0.96))], seal)
        ctx.cv.ellipse("seal", sc, (sr, sr), seal, inner="line")
    return {"grip": b.p(0.5, 0.5)}


def _book(ctx: Ctx) -> dict:
    """A closed book, an open book, or a thick tome with spine bands.

    Seeded: emblem (gem, star, plate or eye), strap and clasp, corner guards, spine bands,
    page lines, bookmark.
    """
    form = ctx.form
    cover = ctx.mat("primary")
    pages = ctx.mat("paper", (240, 228, 196))
    trim = ctx.mat("metal")
    if form == 1:   # open book: two pages on a cover, a bookmark ribbon
        b = Box.centred(ctx, ctx.vary(1.4, 0.06), fill=0.94)
        ctx.cv.polygon("cover", b.pts([(0.0, 0.1), (0.5, 0.2), (1.0, 0.1), (1.0, 1.0), (0.5, 0.96), (0.0, 1.0)]),
                       cover, inner="line")
        for sg in (-1, 1):
            pts = [(0.5, 0.14), (0.5 + sg * 0.25, 0.0), (0.5 + sg * 0.47, 0.04), (0.5 + sg * 0.47, 0.9),
                   (0.5 + sg * 0.25, 0.86), (0.5, 0.92)]
            m = S.poly(ctx, b.pts(pts))
            sel = ctx.cv.mask("pages", m, pages, shading="flat", inner="line")
            if sg > 0:
                S.tone(ctx, sel & (ctx.pxc < b.x(0.56)), pages, SHADOW)
            if not ctx.small:
                n = int(ctx.rng.integers(3, 6))
                for i in range(n):
                    fy = 0.24 + 0.5 * i / max(n - 1, 1)
                    x0, x1 = (0.1, 0.4) if sg < 0 else (0.6, 0.9 - 0.15 * float(ctx.rng.random() < 0.3))
                    row = S.line(ctx, b.p(x0, fy), b.p(x1, fy))
                    ctx.cv.detail(row & sel & ~S.edge_toward(sel, 0, 1), pages.ramp[OUTLINE if ctx.large else SHADOW])
        if ctx.chance(0.6):
            ctx.cv.rect("ribbon", b.x(0.52), b.y(0.6), b.x(0.52) + max(1.0, b.W * 0.04), b.y(1.04),
                        ctx.mat("ribbon", (190, 40, 50)), inner="line")
        return {"grip": b.p(0.5, 0.6)}
    thick = form == 2
    b = Box.centred(ctx, ctx.vary(0.9 if thick else 0.8, 0.05), fill=0.94)
    pd = 0.24 if thick else 0.16
    # pages block (visible on the right and bottom edge)
    pg = S.rect(ctx, b.x(pd), b.y(0.06), b.x(0.98), b.y(0.98))
    ctx.cv.mask("pages", pg, pages, shading="flat")
    if not ctx.small:
        lines = pg & (ctx.yy % 2 == 0) & (ctx.pxc > b.x(0.98 - pd * 0.6))
        S.tone(ctx, lines, pages, SHADOW)
    # cover
    right = 1.0 - pd * 0.6
    cm = S.rect(ctx, b.x(0.02), b.y(0.0), b.x(right), b.y(0.92))
    t = S.sphere_tones(ctx, b.p(0.35, 0.3), (b.W * 0.75, b.H * 0.85), highlight=False)
    S.paint_tones(ctx, "cover", cm, cover, t, inner="line")
    # spine, with raised bands on a tome
    sw = max(1.5, b.W * (0.18 if thick else 0.14))
    sp = S.rect(ctx, b.x(0.02), b.y(0.0), b.x(0.02) + sw, b.y(0.92))
    S.tone(ctx, sp, cover, SHADOW)
    S.tone(ctx, sp & (ctx.pxc < b.x(0.02) + 1), cover, LIGHT)
    bands = ((0.15, 0.8) if thick else ()) + ((0.48,) if thick and ctx.chance(0.5) else ())
    for fy in bands:
        S.tone(ctx, S.rect(ctx, b.x(0.02), b.y(fy), b.x(0.02) + sw, b.y(fy) + max(1.0, b.H * 0.04)), trim, LIGHT)
    # emblem
    ec = b.p(0.02 + sw / b.W + (right - 0.02 - sw / b.W) / 2, 0.42)
    er = b.s * ctx.vary(0.17, 0.12)
    kind = ctx.choose(("gem", "star", "plate", "eye"))
    if kind == "gem" or ctx.small:
        ctx.cv.ellipse("emblem", ec, (er, er), ctx.mat("gem", (80, 200, 220)), inner="line")
        if not ctx.small:
            frame = S.poly(ctx, [(ec[0], ec[1] - er * 1.8), (ec[0] + er * 1.5, ec[1]), (ec[0], ec[1] + er * 1.8),
                                 (ec[0] - er * 1.5, ec[1])]) & ~S.ellipse(ctx, ec, (er + 1, er + 1))
            ctx.cv.mask("emblem", frame & ~S.erode4(frame), trim, shading="flat")
    elif kind == "star":
        ctx.cv.mask("emblem", S.poly(ctx, S.star_points(ec[0], ec[1], er * 1.2, er * 0.5)), trim, shading="flat")
    elif kind == "eye":
        eye = S.ellipse(ctx, ec, (er * 1.3, er * 0.7))
        ctx.cv.mask("emblem", eye, trim, shading="flat")
        ctx.cv.mask("emblem", S.ellipse(ctx, ec, (er * 0.45, er * 0.45)), ctx.mat("gem", (80, 200, 220)),
                    shading="flat")
    else:
        plate = S.rect(ctx, ec[0] - b.W * 0.22, b.y(0.22), ec[0] + b.W * 0.22, b.y(0.22) + max(2.0, b.H * 0.16))
        ctx.cv.mask("emblem", plate, trim, shading="rim", highlight=True, inner="line")
    if ctx.chance(0.4):
        # strap and clasp across the right edge
        st = S.rect(ctx, b.x(right - 0.2), b.y(0.62), b.x(1.0), b.y(0.62) + max(1.5, b.H * 0.1))
        ctx.cv.mask("strap", st, ctx.mat("strap", (90, 60, 40)), shading="rim", inner="line")
        ctx.cv.rect("clasp", b.x(right - 0.06), b.y(0.58), b.x(right - 0.06) + max(1.5, b.W * 0.1),
                    b.y(0.66) + max(1.5, b.H * 0.1), trim, highlight=True, inner="line")
    if ctx.large or (not ctx.small and ctx.chance(0.4)):
        # corner guards
        for fy in (0.0, 0.92):
            c = b.p(right, fy)
            k = b.s * 0.14
            sg = 1 if fy == 0.0 else -1
            ctx.cv.polygon("corners", [(c[0], c[1]), (c[0] - k, c[1]), (c[0], c[1] + sg * k)], trim, highlight=True)
    return {"grip": b.p(0.1, 0.5)}


def _bomb(ctx: Ctx) -> dict:
    """A round bomb, a ribbed grenade with a pin, or a banded bomb. Seeded: size, fuse curl, spark,
    shine."""
    form = ctx.form
    b = Box.centred(ctx, 1.0, fill=0.94)
    body = ctx.mat("primary")
    metal = ctx.mat("metal")
    fuse = ctx.mat("fuse", (200, 170, 120))
    if form == 1:   # grenade: a ribbed oval with a lever cap and a ring pin
        c = b.p(0.44, 0.6)
        r = (b.W * ctx.vary(0.3, 0.06), b.H * 0.38)
        m = S.ellipse(ctx, c, r)
        S.paint_sphere(ctx, "body", m, body, (c[0] - r[0] * 0.2, c[1] - r[1] * 0.3), r)
        if not ctx.small:
            ribs = ((np.abs(ctx.pyc - c[1]) % max(2.0, r[1] * 0.45) < 1.0) | (np.abs(ctx.pxc - c[0]) < 0.5))
            S.tone(ctx, ribs & S.erode(m, 1), body, SHADOW)
        top = (c[0], c[1] - r[1])
        ctx.cv.rect("cap", top[0] - r[0] * 0.45, top[1] - b.H * 0.12, top[0] + r[0] * 0.45, top[1] + 1.0, metal,
                    highlight=True, inner="line")
        lever = S.capsule(ctx, (top[0] + r[0] * 0.3, top[1] - b.H * 0.1), (c[0] + r[0] * 1.05, c[1] - r[1] * 0.1),
                          max(0.7, b.s * 0.04))
        ctx.cv.mask("cap", lever, metal, shading="rim", behind=True)
        rc = (top[0] - r[0] * 0.7, top[1] - b.H * 0.1)
        rr = max(1.5, b.s * 0.09)
        ring = S.ellipse(ctx, rc, (rr, rr)) & ~S.ellipse(ctx, rc, (rr - 1.0, rr - 1.0))
        ctx.cv.mask("pin", ring, metal, shading="rim", behind=True)
        return {"grip": c, "fuse": top}
    c = b.p(0.44, 0.6)
    r = b.s * ctx.vary(0.38, 0.05)
    ctx.cv.ellipse("body", c, (r, r), body)
    # fuse cap at the top-right
    a = math.radians(-50 + ctx.jit(10))
    cc = (c[0] + r * 0.78 * math.cos(a), c[1] + r * 0.78 * math.sin(a))
    capr = max(1.2, r * 0.26)
    ctx.cv.capsule("cap", cc, (cc[0] + capr * 0.5, cc[1] - capr * 0.6), capr, metal, highlight=True, inner="line")
    # fuse: a seeded curl up and to the right
    f0 = (cc[0] + capr * 0.6, cc[1] - capr * 1.1)
    f1 = b.p(0.8 + ctx.jit(0.06), 0.14 + ctx.jit(0.04))
    f2 = b.p(0.92, 0.1) if ctx.chance(0.5) else b.p(0.76, 0.04)
    fm = S.polyline(ctx, [f0, ((f0[0] + f1[0]) / 2 - 0.5, f1[1] + 1), f1, f2])
    if ctx.m >= 40:
        fm |= S.dilate4(fm) & S.polyline(ctx, [(x + 1, y) for x, y in [f0, f1, f2]])
    ctx.cv.mask("fuse", fm, fuse, shading="flat", behind=True)
    # spark: a small star at the fuse end
    sr = max(1.5, b.s * ctx.vary(0.11, 0.15))
    spark = S.poly(ctx, S.star_points(f2[0], f2[1], sr, sr * 0.4, ctx.choose((4, 5)), rot=ctx.choose((-90, -45))))
    ctx.cv.mask("spark", spark, ctx.mat("flame", (255, 160, 40)), shading="flat")
    ctx.cv.mask("spark", S.ellipse(ctx, f2, (max(0.7, sr * 0.35),) * 2), ctx.mat("flame_core", (255, 240, 150)),
                shading="flat")
    if form == 2:
        # a riveted metal band around the middle
        band = S.ellipse(ctx, c, (r, r)) & (np.abs(ctx.pyc - c[1] - r * 0.1) < max(1.0, r * 0.16))
        ctx.cv.mask("body", band, metal, shading="flat")
        S.tone(ctx, band & S.edge_toward(band, 0, 1), metal, SHADOW)
        if not ctx.small:
            S.tone(ctx, band & (ctx.xx % 3 == 0) & (np.abs(ctx.pyc - c[1] - r * 0.1) < 0.6), metal, HIGHLIGHT)
    return {"grip": c, "fuse": f2}


def _heart(ctx: Ctx) -> dict:
    """A glossy heart, a faceted crystal heart or a heart with a healing cross.

    Seeded: width, lobe size, point, shine, sparkle.
    """
    form = ctx.form
    b = Box.centred(ctx, ctx.vary((1.1, 1.15, 1.0)[form], 0.05), fill=0.92)
    mat = ctx.mat("primary")
    lr = ctx.vary(0.27, 0.05)
    waist = ctx.vary(0.82, 0.04)
    m = S.ellipse(ctx, b.p(0.5 - lr * 0.95, 0.3), (b.W * lr, b.H * 0.3))
    m |= S.ellipse(ctx, b.p(0.5 + lr * 0.95, 0.3), (b.W * lr, b.H * 0.3))
    m |= S.poly(ctx, b.pts([(0.02, 0.36), (0.5, 0.42), (0.98, 0.36), (0.62, waist), (0.5, 1.0), (0.38, waist)]))
    m |= S.poly(ctx, b.pts([(0.01, 0.32), (0.99, 0.32), (0.5, 1.0)]))
    if form == 1:   # a faceted crystal heart: flat-toned facets meeting at a bright table
        t = np.full((ctx.h, ctx.w), BASE, np.int8)
        cx, cy = b.p(0.5, 0.46)
        t[(ctx.pxc < cx) & (ctx.pyc < cy)] = LIGHT
        t[(ctx.pxc >= cx) & (ctx.pyc >= cy)] = SHADOW
        t[S.poly(ctx, b.pts([(0.5, 0.34), (0.62, 0.46), (0.5, 0.6), (0.38, 0.46)]))] = HIGHLIGHT
        t[S.poly(ctx, b.pts([(0.1, 0.2), (0.3, 0.08), (0.36, 0.16), (0.16, 0.3)]))] = HIGHLIGHT
        S.paint_tones(ctx, "body", m, mat, t)
    else:
        S.paint_sphere(ctx, "body", m, mat, b.p(0.45, 0.42), (b.W * 0.55, b.H * 0.6))
        # glossy shine
        sx, sy = 0.26 + ctx.jit(0.04), 0.26 + ctx.jit(0.04)
        sh = S.ellipse(ctx, b.p(sx, sy), (max(0.8, b.W * 0.07), max(1.0, b.H * ctx.vary(0.1, 0.2))), angle=-35)
        S.tone(ctx, sh & m, mat, HIGHLIGHT)
    if form == 2:   # a white healing cross
        cw = max(0.5, b.W * 0.06)
        c = b.p(0.5, 0.47)
        k = b.s * 0.2
        cross = S.rect(ctx, c[0] - cw, c[1] - k, c[0] + cw, c[1] + k) | S.rect(ctx, c[0] - k, c[1] - cw, c[0] + k, c[1] + cw)
        ctx.cv.mask("cross", cross & S.erode(m, 1), ctx.mat("cross", (250, 248, 240)), shading="rim")
    elif not ctx.small and ctx.chance(0.5):
        sp = S.ellipse(ctx, b.p(0.72, 0.22), (max(0.6, b.W * 0.04), max(0.6, b.H * 0.04)))
        S.tone(ctx, sp & m, mat, LIGHT)
    return {}


def _apple(ctx: Ctx) -> dict:
    """A round apple, a tall apple with two leaves, or a bitten apple.

    Seeded: shape, stem lean, leaf size, blush speckles, bite size.
    """
    form = ctx.form
    b = Box.centred(ctx, 1.0 if form != 1 else 0.86, fill=0.92)
    skin = ctx.mat("primary")
    c = b.p(0.5, 0.6 if form != 1 else 0.58)
    r = (b.W * ctx.vary(0.45, 0.04), b.H * (0.39 if form != 1 else 0.41))
    m = S.ellipse(ctx, (c[0] - r[0] * 0.3, c[1]), (r[0] * 0.72, r[1]))
    m |= S.ellipse(ctx, (c[0] + r[0] * 0.3, c[1]), (r[0] * 0.72, r[1]))
    if form == 1:   # tapering toward the bottom
        m &= S.ellipse(ctx, (c[0], c[1] - r[1] * 0.2), (r[0] * 1.1, r[1] * 1.25))
    m |= S.ellipse(ctx, (c[0], c[1] + r[1] * 0.1), (r[0] * 0.8, r[1] * 0.9))
    dent = S.ellipse(ctx, (c[0], c[1] - r[1] * 1.05), (r[0] * 0.16, r[1] * 0.18))
    m &= ~dent
    bite = np.zeros_like(m)
    if form == 2:
        k = ctx.vary(1.0, 0.15) * (1.25 if ctx.small else 1.0)
        bite = S.ellipse(ctx, (c[0] + r[0] * 1.05, c[1] + r[1] * 0.05), (r[0] * 0.35 * k, r[1] * 0.42 * k))
        m &= ~bite
    S.paint_sphere(ctx, "body", m, skin, (c[0] - r[0] * 0.1, c[1]), (r[0] * 1.05, r[1] * 1.05))
    if form == 2:
        flesh = S.dilate(bite, 1) & m & ~bite
        ctx.cv.mask("flesh", flesh, ctx.mat("flesh", (250, 236, 190)), shading="flat")
    if not ctx.small and ctx.chance(0.4):
        # blush speckles
        st = S.checker_dots(ctx, m & (ctx.pxc > c[0]) & ~S.edge_toward(m, 1, 0), 3)
        S.tone(ctx, st, skin, SHADOW)
    # stem and leaves
    stem = ctx.mat("stem", (110, 70, 40))
    s0 = (c[0], c[1] - r[1] * 0.75)
    s1 = (c[0] + b.W * ctx.vary(0.06, 0.5), b.y(0.04))
    ctx.cv.capsule("stem", s0, s1, max(0.6, b.s * 0.035), stem, behind=False)
    leaf = ctx.mat("leaf", (80, 160, 60))
    lk = ctx.vary(1.0, 0.15)
    sides = (1, -1) if form == 1 else (1,) if ctx.chance(0.8) else ()
    for sg in sides:
        lc = (s1[0] + sg * b.W * 0.13 * lk, s1[1] + b.H * 0.08)
        lm = S.ellipse(ctx, lc, (max(1.5, b.W * 0.15 * lk), max(0.9, b.H * 0.07 * lk)), angle=-25 * sg)
        lm |= S.line(ctx, (s1[0], s1[1] + 1), lc)
        S.paint_sphere(ctx, "leaf", lm, leaf, (lc[0] - 1, lc[1] - 1), (b.W * 0.15, b.H * 0.08), highlight=False)
        if not ctx.small:
            vein = S.line(ctx, (lc[0] - sg * b.W * 0.1, lc[1] + 0.5), (lc[0] + sg * b.W * 0.1, lc[1] - 1.5)) & lm
            S.tone(ctx, vein, leaf, SHADOW)
    return {"grip": s1}


def _meat(ctx: Ctx) -> dict:
    """A drumstick (whole or bitten), a bone through a roast, or a ham with its cut face showing.

    Seeded: meat size, knuckle size, roast marks, bites.
    """
    form = ctx.form
    meat = ctx.mat("primary")
    bone = ctx.mat("bone", (238, 230, 210))
    mk = ctx.vary(1.0, 0.08)
    if form == 1:   # bone through both ends
        fr = fit_frame(ctx, circ(0.06, 0.0, 0.12) + circ(0.94, 0.0, 0.12) + circ(0.5, 0.0, 0.3 * mk), fill=0.93)
        L = fr.L
        kr = max(ctx.vary(0.07, 0.12) * L, 1.5)
        for u in (0.06, 0.94):
            for sg in (-1, 1):
                ctx.cv.ellipse("bone", fr.u(u, sg * kr * 0.75), (kr, kr), bone)
        ctx.cv.capsule("bone", fr.u(0.06), fr.u(0.94), max(0.045 * L, 1.0), bone)
        c = fr.u(0.5)
        rr = 0.3 * L * mk
        m = S.ellipse(ctx, c, (rr, 0.27 * L * mk), angle=-math.degrees(math.atan2(-fr.dy, fr.dx)))
        S.paint_sphere(ctx, "meat", m, meat, (c[0] - 0.05 * L, c[1] - 0.05 * L), (rr, rr), inner="line")
        grip = fr.u(0.06)
    elif form == 2:   # ham: a big round joint, a bone end, the cut face toward the viewer
        fr = fit_frame(ctx, circ(0.06, 0.0, 0.1) + circ(0.62, 0.0, 0.38 * mk), fill=0.94)
        L = fr.L
        kr = max(0.065 * L, 1.5)
        for sg in (-1, 1):
            ctx.cv.ellipse("bone", fr.u(0.06, sg * kr * 0.75), (kr, kr), bone)
        ctx.cv.capsule("bone", fr.u(0.06), fr.u(0.4), max(0.045 * L, 1.0), bone)
        c = fr.u(0.62)
        rr = 0.38 * L * mk
        m = S.ellipse(ctx, c, (rr, rr * 0.88), angle=-math.degrees(math.atan2(-fr.dy, fr.dx)))
        m |= S.poly(ctx, [fr.u(0.28, 0.07 * L), fr.u(0.5, rr * 0.9), fr.u(0.5, -rr * 0.9), fr.u(0.28, -0.07 * L)])
        S.paint_sphere(ctx, "meat", m, meat, (c[0] - 0.08 * L, c[1] - 0.08 * L), (rr * 1.1, rr * 1.1), inner="line")
        cut = S.ellipse(ctx, fr.u(0.74, -0.06 * L), (rr * 0.5, rr * 0.42)) & S.erode(m, 1)
        ctx.cv.mask("cut", cut, ctx.mat("flesh", (236, 150, 140)), shading="rim", highlight=True)
        if not ctx.small:
            ctx.cv.ellipse("bone", fr.u(0.74, -0.06 * L), (max(0.8, rr * 0.12),) * 2, bone, shading="flat")
        grip = fr.u(0.12)
    else:
        fr = fit_frame(ctx, circ(0.07, 0.0, 0.13) + circ(0.68, 0.0, 0.3 * mk), fill=0.94)
        L = fr.L
        kr = max(ctx.vary(0.07, 0.12) * L, 1.5)
        for sg in (-1, 1):
            ctx.cv.ellipse("bone", fr.u(0.07, sg * kr * 0.75), (kr, kr), bone)
        ctx.cv.capsule("bone", fr.u(0.07), fr.u(0.5), max(0.045 * L, 1.0), bone)
        c = fr.u(0.68)
        rr = 0.3 * L * mk
        m = S.ellipse(ctx, c, (rr, rr * 0.92))
        m |= S.poly(ctx, [fr.u(0.36, 0.06 * L), fr.u(0.6, rr), fr.u(0.6, -rr), fr.u(0.36, -0.06 * L)])
        if not ctx.small and ctx.chance(0.4):   # bitten
            for k in range(3):
                m &= ~S.ellipse(ctx, fr.u(0.82 + 0.05 * k, (0.22 - 0.13 * k) * L), (rr * 0.22, rr * 0.22))
        S.paint_sphere(ctx, "meat", m, meat, (c[0] - 0.06 * L, c[1] - 0.06 * L), (rr * 1.15, rr * 1.15), inner="line")
        grip = fr.u(0.15)
    if not ctx.small:
        # roasted texture: darker dots or grill stripes on the lit side
        own = m & ctx.owned("meat")
        if ctx.chance(0.5):
            marks = S.checker_dots(ctx, own, 3)
        else:
            marks = own & ((ctx.xx + ctx.yy) % 4 == 0) & ~S.edge_toward(own, 0, -1)
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
