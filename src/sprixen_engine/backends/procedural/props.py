"""Environment-prop renderer: trees, rocks, crates, fences, campfires ... standing on the ground.

Props are drawn front/side-on (side-scroller or top-down RPG style) in a box that sits on
the bottom margin of the canvas (the vine hangs from the top edge instead). Each subject's
``look`` table names a drawing routine (``shape``), its colour slots, the slots a prompt colour
recolours (``recolorable``, main material first), designed palettes (``variant_colors``) and
per-slot alternatives (``choices``: wood tones, fruit and flower colours ...).
:attr:`~.shapes.Ctx.form` picks one of three designs (round oak / fruit tree / wide tree ...),
rotating with the seed and never shared by the variants of one request; the sprite's rng picks
proportions and details (lobes, planks, cracks, moss, flowers ...). Props always stand on the
bottom margin.

Style effects on shape: ``ice`` puts snow caps on trees, rocks, crates, roofs ...;
``dark_fantasy``/``horror`` make trees bare and twisted and tombstones cracked.

Parts: functional names (``trunk``, ``foliage``, ``cap``, ``stem``, ``planks``, ``hoops``,
``flame`` ...); ``body`` is always the whole prop. Pivots: ``ground`` (bottom centre of the
base), ``center``; the vine has ``anchor_top`` instead of standing on the ground.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from ..base import RenderedSprite, SpriteSpec
from . import shapes as S
from .shapes import BASE, HIGHLIGHT, LIGHT, OUTLINE, SHADOW, Box, Ctx


def render(spec: SpriteSpec, look: Mapping, rng: np.random.Generator) -> RenderedSprite:
    """Draw one prop. ``look`` is the subject's catalogue ``look`` table."""
    ctx, pivots = S.draw_shape(_SHAPES, _rock, spec, look, rng)
    if "anchor_top" not in pivots:
        pivots.setdefault("ground", ctx.ground_pivot(pivots.pop("_ground_parts", None)))
    pivots.pop("_ground_parts", None)
    return ctx.finish(pivots, facing="front")


def _grass(ctx: Ctx, b: Box, x0: float, x1: float, *, height: float = 0.1, part: str = "grass",
           slot: str = "grass") -> None:
    """A tuft of grass blades along the ground between ``x0`` and ``x1`` (fractions of ``b``)."""
    if ctx.small:
        return
    mat = ctx.mat(slot, (90, 170, 70))
    yb = b.bottom
    hh = max(2.0, b.H * height)
    n = max(3, int((x1 - x0) * b.W / 2.2))
    pts = [(b.x(x0), yb)]
    for i in range(n):
        fx = x0 + (x1 - x0) * (i + 0.5) / n
        tip = hh * float(ctx.rng.uniform(0.55, 1.0))
        pts += [(b.x(fx) - 0.6, yb - hh * 0.3), (b.x(fx) + float(ctx.rng.uniform(-0.8, 0.8)), yb - tip),
                (b.x(fx) + 0.6, yb - hh * 0.3)]
    pts.append((b.x(x1), yb))
    m = S.poly(ctx, pts)
    ctx.cv.mask(part, m, mat, shading="rim", behind=True)


def _snow(ctx: Ctx, mask: np.ndarray, depth: int | None = None, *, part: str = "snow") -> np.ndarray:
    """A snow cap on the upward-facing edges of ``mask``: ``depth`` pixels, ragged per column."""
    if depth is None:
        depth = max(1, round(ctx.m / 12))
    top = S.edge_toward(mask, 0, -1)
    col = ctx.rng.integers(-1, 2, size=ctx.w)[None, :]
    snow, layer = top.copy(), top
    for k in range(1, depth + 1):
        layer = S.shift(layer, 0, -1) & mask & (k < depth + col)
        snow |= layer
    mat = ctx.mat("snow", (236, 244, 252))
    ctx.cv.mask(part, snow, mat, shading="flat")
    S.tone(ctx, snow & S.edge_toward(snow, 0, 1) & ~top, mat, SHADOW)
    S.tone(ctx, top & ctx.cv.alpha.astype(bool), mat, LIGHT)
    return snow


# ---------------------------------------------------------------------------- plants
def _tree(ctx: Ctx) -> dict:
    """Round oak, tall fruit tree or wide spreading tree (bare and twisted in dark styles).

    Seeded: trunk width, branch angles, crown lobes (position, size, an extra lobe), fruit,
    a knot hole, grass.
    """
    form, rng = ctx.form, ctx.rng
    b = Box.grounded(ctx, ctx.vary((0.86, 0.8, 1.0)[form], 0.06), 0.96, stretch=0.4)
    bark = ctx.mat("trunk")
    leaves = ctx.mat("primary")
    bare = ctx.dark and not ctx.cute
    # trunk: flared roots up into the crown
    tw = ctx.vary(0.13 if form != 2 else 0.15, 0.15)
    top_y = 0.45 if not bare else 0.2
    trunk = S.poly(ctx, b.pts([(0.5 - tw * 1.6, 1.0), (0.5 - tw * 0.6, 0.9), (0.5 - tw * 0.5, top_y),
                               (0.5 + tw * 0.5, top_y), (0.5 + tw * 0.6, 0.9), (0.5 + tw * 1.6, 1.0)]))
    # branches into the canopy
    br = np.zeros_like(trunk)
    rbr = max(0.7, b.s * 0.035)
    for sg in (-1, 1):
        br |= S.capsule(ctx, b.p(0.5, 0.62), b.p(0.5 + sg * ctx.vary(0.24, 0.15), 0.38 if not bare else 0.28),
                        rbr * 1.3, rbr * 0.8)
    if bare:
        for sg in (-1, 1):
            br |= S.capsule(ctx, b.p(0.5 + sg * 0.2, 0.36), b.p(0.5 + sg * ctx.vary(0.4, 0.1), ctx.vary(0.12, 0.5)),
                            rbr, 0.6)
            br |= S.capsule(ctx, b.p(0.5 + sg * 0.12, 0.45), b.p(0.5 + sg * ctx.vary(0.05, 0.8), 0.04), rbr, 0.6)
    t = S.hgrad_tones(ctx, b.x(0.5 - tw * 0.6), b.x(0.5 + tw * 0.6), light_frac=0.3, shadow_frac=0.72)
    tm = S.paint_tones(ctx, "trunk", trunk | br, bark, t)
    if not ctx.small:
        grain = tm & ((ctx.xx + (ctx.yy // 3)) % 3 == 0) & (ctx.pyc > b.y(0.5)) & (t == BASE)
        S.tone(ctx, grain, bark, SHADOW)
        if ctx.chance(0.35):   # a knot hole
            kh = S.ellipse(ctx, b.p(0.5 + ctx.jit(tw * 0.2), ctx.vary(0.72, 0.06)), (max(0.8, b.W * tw * 0.22),
                                                                                    max(1.0, b.H * 0.035)))
            S.tone(ctx, kh & tm, bark, OUTLINE)
    if bare:
        if ctx.large or not ctx.small:
            _grass(ctx, b, 0.25, 0.75, slot="grass")
        return {"_ground_parts": ["trunk"], "canopy": b.p(0.5, 0.3)}
    # canopy: a big mass plus lobes, light from the top-left
    blobs = []
    if form == 0:       # round oak
        blobs = [(0.5, 0.32, 0.44, 0.3), (0.27, 0.45, 0.22, 0.17), (0.73, 0.44, 0.23, 0.18), (0.42, 0.16, 0.26, 0.16),
                 (0.62, 0.2, 0.24, 0.16)]
    elif form == 1:     # tall oval crown
        blobs = [(0.5, 0.34, 0.42, 0.32), (0.5, 0.12, 0.28, 0.12), (0.3, 0.5, 0.2, 0.14), (0.7, 0.5, 0.2, 0.14)]
    else:               # wide spreading crown
        blobs = [(0.5, 0.3, 0.48, 0.22), (0.24, 0.4, 0.24, 0.15), (0.76, 0.4, 0.24, 0.15), (0.5, 0.16, 0.3, 0.14)]
    if ctx.chance(0.5):   # an extra lobe on one side
        sg = ctx.choose((-1, 1))
        blobs.append((0.5 + sg * 0.3, float(rng.uniform(0.2, 0.4)), 0.18, 0.14))
    px = []
    for cx, cy, rx, ry in blobs:
        j = 0.05
        px.append((b.x(cx + float(rng.uniform(-j, j))), b.y(cy + float(rng.uniform(-j, j))),
                   min(rx * ctx.vary(1.0, 0.1), 0.5 - abs(cx - 0.5) + 0.02) * b.W, ry * ctx.vary(1.0, 0.1) * b.H))
    crown = S.leaf_cluster(ctx, "foliage", leaves, px, light_center=b.p(0.5, 0.32), radii=(b.W * 0.5, b.H * 0.34))
    if (form == 1 or ctx.chance(0.2)) and not ctx.small:
        # fruit: red dots on the lit side of the crown
        fruit = ctx.mat("fruit", (220, 50, 40))
        r = max(0.8, b.s * 0.04)
        for p in S.scatter(ctx, S.erode(crown, 1), b, (0.15, 0.85), (0.12, 0.55), 12, 4 if ctx.m < 48 else 7):
            ctx.cv.ellipse("fruit", p, (r, r), fruit)
    if ctx.icy:
        _snow(ctx, crown)
    if not ctx.small and ctx.chance(0.75):
        _grass(ctx, b, 0.22, 0.78)
    return {"_ground_parts": ["trunk"], "canopy": b.p(0.5, 0.3)}


def _pine(ctx: Ctx) -> dict:
    """A pine, a tall narrow spruce or a wide fir with pine cones.

    Seeded: width, tier count, trunk, jagged edge, cones.
    """
    form = ctx.form
    b = Box.grounded(ctx, ctx.vary((0.62, 0.5, 0.8)[form], 0.06), 0.97, stretch=0.3)
    bark = ctx.mat("trunk")
    needles = ctx.mat("primary")
    trunk_top = ctx.vary(0.78, 0.03)
    tw = ctx.vary(0.08, 0.2)
    ctx.cv.rect("trunk", b.x(0.5 - tw), b.y(trunk_top), b.x(0.5 + tw), b.y(1.0), bark, shading="rim")
    n = (3, 4, 2)[form] if ctx.small else (4, 5, 3)[form] + (int(ctx.rng.integers(0, 2)) if ctx.m >= 32 else 0)
    widen = ctx.vary(1.0, 0.08)
    tiers = []
    foliage = np.zeros((ctx.h, ctx.w), bool)
    top = 0.0
    bottom = 0.86
    for i in range(n):
        f0 = i / n
        y0 = top + (bottom - top) * f0 * 0.92
        y1 = top + (bottom - top) * (i + 1) / n + (0.04 if i < n - 1 else 0)
        half = min(0.5, (0.2 + 0.3 * (i + 1) / n) * widen)
        teeth = 3 if ctx.m < 40 else ctx.choose((5, 5, 7))
        pts = [b.p(0.5, y0)]
        # jagged lower edge, right to left
        for k in range(teeth + 1):
            fx = 0.5 + half - 2 * half * k / teeth
            dy = 0.0 if k % 2 == 0 else -0.045
            pts.append(b.p(fx, y1 + dy))
        m = S.poly(ctx, pts)
        tiers.append((m, y0, y1, half))
        foliage |= m
    # paint bottom tier first so upper tiers overlap with a shadow line
    for m, y0, y1, half in reversed(tiers):
        t = np.where(ctx.pxc < b.x(0.5) + (ctx.pyc - b.y(y0)) * -0.15, LIGHT, BASE).astype(np.int8)
        t[(ctx.pxc > b.x(0.5) + half * b.W * 0.45)] = SHADOW
        sel = S.paint_tones(ctx, "foliage", m, needles, t, inner="shadow")
        if not ctx.small:
            # needle texture: dark specks in the lower part of each tier
            low = sel & (ctx.pyc > b.y(y0 + (y1 - y0) * 0.45)) & (t >= BASE)
            dots = S.speckle(ctx, low & ~S.edge_toward(sel, 0, 1), 0.18)
            S.tone(ctx, dots & (t == BASE), needles, SHADOW)
            S.tone(ctx, dots & (t == LIGHT), needles, BASE)
    if ctx.icy or form == 2 and ctx.has("ice", "holy", "cute") or (form == 2 and ctx.variant >= 2 and ctx.icy):
        _snow(ctx, foliage)
    if (form == 2 or ctx.chance(0.25)) and not ctx.icy:
        # pine cones
        cone = ctx.mat("fruit", (150, 92, 50))
        for p in S.scatter(ctx, foliage, b, (0.3, 0.7), (0.35, 0.75), 3):
            ctx.cv.ellipse("cones", p, (max(0.7, b.W * 0.035), max(1.0, b.H * 0.03)), cone)
    return {"_ground_parts": ["trunk"]}


def _bush(ctx: Ctx) -> dict:
    """A round bush, a berry bush or a low flowering hedge. Seeded: lobes (position, size, count),
    berries or blossoms."""
    form, rng = ctx.form, ctx.rng
    b = Box.grounded(ctx, ctx.vary((1.35, 1.15, 1.6)[form], 0.06), ctx.vary((0.72, 0.8, 0.62)[form], 0.06),
                     stretch=0.5)
    leaves = ctx.mat("primary")
    blobs = [(0.5, 0.5, 0.36, 0.48), (0.24, 0.64, 0.24, 0.36), (0.76, 0.62, 0.24, 0.38), (0.36, 0.34, 0.22, 0.3),
             (0.64, 0.32, 0.22, 0.3)]
    if ctx.chance(0.5):
        blobs = [bl for i, bl in enumerate(blobs) if i != int(rng.integers(3, 5))]
    px = []
    for cx, cy, rx, ry in blobs:
        px.append((b.x(cx + float(rng.uniform(-0.05, 0.05))), b.y(cy + float(rng.uniform(-0.05, 0.05))),
                   rx * ctx.vary(1.0, 0.1) * b.W, ry * ctx.vary(1.0, 0.1) * b.H))
    sel = S.leaf_cluster(ctx, "foliage", leaves, px, light_center=b.p(0.5, 0.55), radii=(b.W * 0.55, b.H * 0.6))
    m = ctx.below(sel, b.bottom)   # a flat bottom on the ground
    if (form in (1, 2) or ctx.chance(0.25)) and not ctx.small:
        acc = ctx.mat("accent", (220, 40, 60) if form == 1 else (250, 240, 120))
        r = max(0.7, b.s * (0.05 if form == 1 else 0.04))
        for p in S.scatter(ctx, S.erode(m, 1), b, (0.1, 0.9), (0.15, 0.8), 30, 4 if ctx.m < 40 else 8):
            ctx.cv.ellipse("berries" if form == 1 else "flowers", p, (r, r), acc, highlight=form == 1)
    if ctx.icy:
        _snow(ctx, m)
    return {}


def _vine(ctx: Ctx) -> dict:
    form, rng = ctx.form, ctx.rng
    b = Box.grounded(ctx, 0.8, 1.0, stretch=0.8, top=True)
    stem = ctx.mat("stem", (70, 110, 50))
    leaves = ctx.mat("primary")
    # the branch the vines hang from, along the top margin
    bar_h = max(1.0, b.H * 0.05)
    ctx.cv.capsule("branch", (b.x(0.04), 1.0 + bar_h * 0.5), (b.x(0.96), 1.0 + bar_h * 0.6), bar_h * 0.7,
                   ctx.mat("branch", (110, 80, 50)))
    n = 3 if ctx.small else (4 if form != 1 else 5)
    lw = 0.6 if ctx.m < 48 else 1.0
    leaf_r = max(1.0, b.s * 0.07)
    flowers = form == 2 and not ctx.small
    fmat = ctx.mat("accent", (240, 120, 170))
    strands = []
    for i in range(n):
        fx = 0.1 + 0.8 * (i + float(rng.uniform(0.2, 0.8))) / n
        length = float(rng.uniform(0.55, 0.98)) if i % 2 == 0 else float(rng.uniform(0.4, 0.8))
        amp = b.W * float(rng.uniform(0.03, 0.07))
        ph = float(rng.uniform(0, math.tau))
        k = 10
        pts = [(b.x(fx) + amp * math.sin(ph + 2.6 * j / k * math.pi), 1.0 + bar_h * 0.5 + (b.H * length) * j / k)
               for j in range(k + 1)]
        strands.append(pts)
        sm = S.polyline(ctx, pts)
        if lw >= 1.0:
            sm |= S.shift(sm, 1, 0)
        ctx.cv.mask("vine", sm, stem, shading="flat")
    sides = {1: np.zeros((ctx.h, ctx.w), bool), -1: np.zeros((ctx.h, ctx.w), bool)}
    flower_m = np.zeros((ctx.h, ctx.w), bool)
    for si, pts in enumerate(strands):
        # leaves alternate left/right along the strand
        step = max(2, round(leaf_r * 1.8 / max(1e-6, (pts[1][1] - pts[0][1]))))
        for j in range(1, len(pts), max(1, step // 2 if ctx.large else step)):
            x, y = pts[j]
            side = -1 if (j + si) % 2 else 1
            sides[side] |= S.ellipse(ctx, (x + side * leaf_r * 0.9, y), (leaf_r, leaf_r * 0.7), side * 35)
        tip = pts[-1]
        sides[1] |= S.ellipse(ctx, (tip[0], tip[1] - leaf_r * 0.3), (leaf_r * 0.8, leaf_r * 1.1))
        if flowers:
            x, y = pts[len(pts) // 2]
            flower_m |= S.ellipse(ctx, (x, y), (leaf_r * 0.75, leaf_r * 0.75))
    ctx.cv.mask("leaves", sides[-1], leaves, shading="rim")
    ctx.cv.mask("leaves", sides[1], leaves, shading="rim", highlight=True, inner="shadow")
    if flowers:
        ctx.cv.mask("flowers", flower_m, fmat, shading="rim", highlight=True)
    if ctx.icy:
        _snow(ctx, ctx.cv.alpha > 0, 1)
    return {"anchor_top": (ctx.w / 2.0, 1.0)}


def _moss(ctx: Ctx) -> dict:
    """A flat moss patch, a flowering mound, or a patch with a toadstool.

    Seeded: height, where the patch peaks, clumps, sprouts, blossoms, the toadstool's spot.
    """
    form, rng = ctx.form, ctx.rng
    b = Box.grounded(ctx, 3.0 if form != 1 else 2.2, ctx.vary((0.34, 0.5, 0.3)[form], 0.1), stretch=0.0)
    moss = ctx.mat("primary")
    blobs = []
    n = int(rng.integers(6, 9)) if not ctx.small else 4
    peak = 0.5 + ctx.jit(0.15)
    for i in range(n):
        fx = 0.08 + 0.84 * i / (n - 1)
        edge = 1.0 - abs(fx - peak) / max(peak, 1 - peak)     # lower toward the ends of the patch
        blobs.append((b.x(fx + float(rng.uniform(-0.03, 0.03))),
                      b.y(0.95 - 0.45 * edge + float(rng.uniform(-0.06, 0.06))),
                      b.W * float(rng.uniform(0.09, 0.13)), b.H * (0.3 + 0.4 * edge) * float(rng.uniform(0.9, 1.1))))
    blobs.append((b.x(0.5), b.y(0.9), b.W * 0.46, b.H * 0.3))
    blobs.append((b.x(peak), b.y(0.62), b.W * 0.16, b.H * 0.4))
    m = S.leaf_cluster(ctx, "moss", moss, blobs, light_center=b.p(0.42, 0.7), radii=(b.W * 0.9, b.H * 1.1),
                       texture=True, clump=max(2.5, b.H * 0.35))
    m = ctx.below(m, b.bottom)
    if not ctx.small:
        # little sprouts sticking out of the top
        sprout = np.zeros_like(m)
        for _ in range(int(rng.integers(2, 6)) if ctx.m < 48 else 7):
            fx = b.x(float(rng.uniform(0.15, 0.85)))
            ys = np.nonzero(m[:, int(fx)])[0]
            if ys.size:
                y = ys.min()
                sprout |= S.line(ctx, (fx, y), (fx + float(rng.uniform(-1, 1)), y - max(1.5, b.H * 0.3)))
        ctx.cv.mask("sprouts", sprout & ~m, ctx.mat("sprout", (150, 200, 80)), shading="flat")
    if (form == 1 or ctx.chance(0.25)) and not ctx.small:
        acc = ctx.mat("accent", (250, 240, 150))
        for x, y in S.scatter(ctx, S.erode(m, 1), b, (0.15, 0.85), (0.2, 0.8), 10, int(rng.integers(3, 7))):
            ctx.cv.pixel(x, y, acc.base)
            ctx.cv.pixel(x + 1, y, acc.ramp[LIGHT])
    if form == 2:
        # a tiny toadstool growing out of the moss
        cap = ctx.mat("cap", (210, 70, 50))
        fx = b.x(ctx.choose((0.3, 0.68, 0.75)))
        ys = np.nonzero(m[:, int(fx)])[0]
        if ys.size:
            y = float(ys.min())
            sh = max(1.5, b.H * ctx.vary(0.3, 0.2))
            ctx.cv.rect("mushroom", fx - 0.5, y - sh, fx + 0.5 + (ctx.m >= 48), y + 1, ctx.mat("stem", (236, 224, 200)),
                        shading="flat")
            cr = max(1.6, b.W * 0.05)
            cm = S.ellipse(ctx, (fx + 0.5, y - sh), (cr, cr * 0.8)) & (ctx.pyc < y - sh + 0.6)
            S.paint_sphere(ctx, "mushroom", cm, cap, (fx, y - sh - cr * 0.3), (cr, cr))
    if ctx.icy:
        _snow(ctx, ctx.cv.alpha > 0)
    return {}


def _flowers(ctx: Ctx) -> dict:
    """A clump of daisies, tulips or asters. Seeded: number and placement of heads, petal count."""
    form, rng = ctx.form, ctx.rng
    b = Box.grounded(ctx, ctx.vary(1.0, 0.08), 0.86, stretch=0.4)
    stem = ctx.mat("stem", (70, 140, 60))
    petal = ctx.mat("primary")
    petal2 = ctx.mat("secondary")
    centre = ctx.mat("center", (250, 210, 60))
    n = 3 if ctx.small else int(rng.integers(4, 7)) - (form == 2)
    heads = []
    for i in range(n):
        fx = 0.5 + (i - (n - 1) / 2) * (0.8 / n) + float(rng.uniform(-0.04, 0.04))
        fy = (0.1 if i % 2 == 0 else 0.28) + float(rng.uniform(0.0, 0.1))
        if i == n // 2:
            fy = 0.06
        heads.append((fx, fy))
    base_y = 1.0
    sw = 0.5 if ctx.m < 40 else 0.8
    stems = np.zeros((ctx.h, ctx.w), bool)
    for fx, fy in heads:
        bx = 0.5 + (fx - 0.5) * 0.35
        stems |= S.capsule(ctx, b.p(bx, base_y), b.p(fx, fy + 0.05), sw, sw)
    ctx.cv.mask("stems", stems, stem, shading="flat")
    # leaf blades fanning out of the base
    leaves = np.zeros_like(stems)
    lw = max(0.8, b.W * 0.07)
    for sg, tipx, tipy in ((-1, 0.12, 0.5), (1, 0.88, 0.55), (-1, 0.3, 0.62), (1, 0.7, 0.66)):
        if ctx.small and abs(tipx - 0.5) < 0.3:
            continue
        base = b.p(0.5 + sg * 0.06, 1.0)
        tip = b.p(tipx, tipy)
        mid = ((base[0] + tip[0]) / 2 - sg * lw * 0.6, (base[1] + tip[1]) / 2)
        leaves |= S.poly(ctx, [(base[0] - lw, base[1]), (mid[0] - lw, mid[1]), tip, (mid[0] + lw, mid[1]),
                               (base[0] + lw, base[1])])
    leaves |= S.ellipse(ctx, b.p(0.5, 0.97), (b.W * 0.16, max(1.0, b.H * 0.05)))
    leaves &= ctx.pyc < b.bottom
    t = np.where(ctx.pxc < b.x(0.5), LIGHT, BASE).astype(np.int8)
    S.paint_tones(ctx, "leaves", leaves, stem, t, inner="shadow")
    r = max(1.2 if not ctx.small else 2.0, b.s * (0.12 if form != 1 else 0.1))
    for i, (fx, fy) in enumerate(heads):
        c = b.p(fx, fy + 0.06)
        mat = petal if (i % 2 == 0 or form == 0) else petal2
        if form == 1:   # tulips: cup shape with notched top
            cup = S.ellipse(ctx, (c[0], c[1] + r * 0.2), (r * 0.85, r * 1.0))
            cup &= ~S.poly(ctx, [(c[0] - r * 0.4, c[1] - r * 1.2), (c[0], c[1] - r * 0.2), (c[0] + r * 0.4, c[1] - r * 1.2)])
            S.paint_sphere(ctx, "petals", cup, mat, (c[0] - r * 0.2, c[1]), (r, r * 1.1))
        else:
            if ctx.small:
                ctx.cv.ellipse("petals", c, (r, r), mat, highlight=False)
            else:
                m = np.zeros_like(stems)
                k = (5 if form == 0 else 6) + int(rng.integers(0, 2))
                for j in range(k):
                    a = math.tau * j / k + float(rng.uniform(0, 0.5))
                    m |= S.ellipse(ctx, (c[0] + r * 0.6 * math.cos(a), c[1] + r * 0.6 * math.sin(a)), (r * 0.5, r * 0.5))
                S.paint_sphere(ctx, "petals", m, mat, (c[0] - r * 0.2, c[1] - r * 0.2), (r * 1.1, r * 1.1), highlight=False)
            ctx.cv.ellipse("centers", c, (max(0.6, r * 0.35), max(0.6, r * 0.35)), centre, highlight=False)
    return {"_ground_parts": ["stems", "leaves"]}


def _mushroom(ctx: Ctx) -> dict:
    """A toadstool, a pair (a big one and a small one), or a tall conical cap.

    Seeded: cap width and height, stem width, which side the small one grows, spot count and
    placement, grass.
    """
    form, rng = ctx.form, ctx.rng
    b = Box.grounded(ctx, 1.0, 0.92, stretch=0.3)
    cap = ctx.mat("primary")
    stemm = ctx.mat("stem", (240, 230, 206))
    spots = ctx.mat("spots", (250, 250, 246))
    shrooms = [(0.5, 1.0)]
    if form == 1:
        sg = ctx.choose((-1, 1))
        shrooms = [(0.5 - sg * 0.12, 0.9), (0.5 + sg * 0.3, 0.52)]
    cwk, chk, stk = ctx.vary(1.0, 0.1), ctx.vary(1.0, 0.12), ctx.vary(1.0, 0.2)
    n_spots = 3 if ctx.small else int(rng.integers(2, 6))
    for cx, scale in shrooms:
        cw = (0.5 if form != 2 else 0.36) * scale * cwk
        ch = (0.5 if form != 2 else 0.62) * scale * chk
        cw = min(cw, 0.5 - abs(cx - 0.5) + 0.02)

        def x(f: float, cx: float = cx, scale: float = scale) -> float:
            return b.x(cx + (f - 0.5) * scale)

        top = 1.0 - scale * 0.98
        cap_bot = top + ch
        # stem
        stw = 0.13 * scale * stk
        st = S.poly(ctx, [(x(0.5 - stw * 1.3), b.y(1.0)), (x(0.5 - stw), b.y(cap_bot - 0.05)),
                          (x(0.5 + stw), b.y(cap_bot - 0.05)), (x(0.5 + stw * 1.3), b.y(1.0))])
        t = S.hgrad_tones(ctx, x(0.5 - stw), x(0.5 + stw), light_frac=0.3, shadow_frac=0.7)
        S.paint_tones(ctx, "stem", st, stemm, t)
        # cap: dome (form 2: conical)
        if form == 2:
            cm = S.poly(ctx, [(x(0.5), b.y(top)), (x(0.5 + cw), b.y(cap_bot)), (x(0.5 - cw), b.y(cap_bot))])
            cm |= S.ellipse(ctx, (x(0.5), b.y(cap_bot - ch * 0.12)), (cw * b.W, ch * 0.14 * b.H))
            cm &= ctx.pyc < b.y(cap_bot)
        else:
            cm = S.ellipse(ctx, (x(0.5), b.y(cap_bot)), (cw * b.W, ch * b.H)) & (ctx.pyc < b.y(cap_bot))
            cm |= S.ellipse(ctx, (x(0.5), b.y(cap_bot - ch * 0.08)), (cw * b.W, ch * 0.18 * b.H))
        S.paint_sphere(ctx, "cap", cm, cap, (x(0.42), b.y(top + ch * 0.7)), (cw * b.W * 1.05, ch * b.H * 1.05),
                       inner="line")
        # gills: a shadow band under the rim
        gl = S.ellipse(ctx, (x(0.5), b.y(cap_bot)), (cw * b.W * 0.8, max(0.8, ch * 0.12 * b.H))) & ~cm
        ctx.cv.mask("stem", gl, stemm, shading="flat")
        S.tone(ctx, gl, stemm, SHADOW)
        # spots
        sr = max(0.7, cw * b.W * 0.16)
        spots_at = [(0.5, top + ch * 0.3), (0.5 - cw * 0.55, top + ch * 0.6), (0.5 + cw * 0.55, top + ch * 0.55),
                    (0.5 + cw * 0.1, top + ch * 0.78), (0.5 - cw * 0.2, top + ch * 0.72)]
        for k, (fx, fy) in enumerate(spots_at[:n_spots]):
            px, py = x(fx + float(rng.uniform(-0.06, 0.06))), b.y(fy + float(rng.uniform(-0.04, 0.04)))
            rr = sr * (1.0 if k == 0 else 0.8)
            sm = S.ellipse(ctx, (px, py), (rr, rr * 0.85)) & cm
            ctx.cv.mask("spots", sm, spots, shading="flat")
            if rr > 1.2:
                S.tone(ctx, S.edge_toward(sm, 1, 1) & sm, spots, SHADOW)
    if not ctx.small and ctx.chance(0.7):
        _grass(ctx, b, 0.25, 0.75, height=0.08)
    return {"_ground_parts": ["stem"]}


# ---------------------------------------------------------------------------- stone
def _rock_poly(ctx: Ctx, b: Box, cx: float, w: float, h: float, bottom: float, n: int = 9) -> list:
    rng = ctx.rng
    pts = []
    for k in range(n + 1):
        a = math.pi * (1.0 - k / n)         # from left (pi) over the top to right (0)
        rr = float(rng.uniform(0.84, 1.02))
        x = cx + 0.5 * w * math.cos(a) * rr
        y = bottom - h * math.sin(a) * rr * (0.96 if 0 < k < n else 0.25)
        pts.append((b.x(x), b.y(y)))
    pts.append((b.x(cx + 0.47 * w), b.y(bottom)))
    pts.append((b.x(cx - 0.47 * w), b.y(bottom)))
    return pts


def _rock(ctx: Ctx) -> dict:
    """A boulder, a tall mossy rock, or a boulder with a small stone beside it.

    Seeded: outline, proportions, facets, cracks (count and placement), pits, moss, pebbles.
    """
    form, rng = ctx.form, ctx.rng
    b = Box.grounded(ctx, ctx.vary((1.3, 1.1, 1.5)[form], 0.08), ctx.vary((0.74, 0.84, 0.66)[form], 0.08),
                     stretch=0.5)
    stone = ctx.mat("primary")
    side = ctx.choose((-1, 1)) if form == 2 else 1
    rocks = [(0.5 if form != 2 else 0.5 - side * 0.08, 0.96 if form != 2 else 0.8, 1.0)]
    if form == 2:
        rocks.append((0.5 + side * 0.34, 0.3, ctx.vary(0.45, 0.15)))
    elif not ctx.small and ctx.chance(0.35):   # a pebble
        rocks = [(0.46, 0.9, 1.0), (ctx.choose((0.1, 0.9)), 0.18, 0.22)]
    n_cracks = int(rng.integers(0, 3))
    allm = np.zeros((ctx.h, ctx.w), bool)
    for cx, w, h in rocks:
        pts = _rock_poly(ctx, b, cx, w, h, 1.0, (9 if not ctx.small else 7) + int(rng.integers(-1, 2)))
        m = S.poly(ctx, pts)
        # facets: the top plane lit, the front plain, the right side in shadow
        t = S.sphere_tones(ctx, b.p(cx - w * 0.12, 1.0 - h * 0.7), (w * b.W * 0.62, h * b.H * 0.95), highlight=False)
        top_plane = S.poly(ctx, [b.p(cx - w * 0.42, 1.0 - h * 0.5), b.p(cx - w * 0.2, 1.0 - h * 1.05),
                                 b.p(cx + w * 0.3, 1.0 - h * 1.05), b.p(cx + w * 0.12, 1.0 - h * 0.55)])
        t = np.where(top_plane & (t >= BASE), LIGHT, t).astype(np.int8)
        right = ctx.pxc > b.x(cx + w * 0.22) + (ctx.pyc - b.y(1.0)) * 0.25
        t = np.where(right & (t > SHADOW), t - 1, t).astype(np.int8)
        sel = S.paint_tones(ctx, "rock", m, stone, t, inner="line")
        allm |= sel
        if not ctx.small and h > 0.5:
            # cracks running down from the top, and a few pits
            for _ in range(n_cracks):
                x0 = cx + w * float(rng.uniform(-0.3, 0.3))
                pts = [b.p(x0, 1.0 - h * 0.95), b.p(x0 + w * float(rng.uniform(-0.1, 0.15)), 1.0 - h * 0.6),
                       b.p(x0 + w * float(rng.uniform(-0.15, 0.2)), 1.0 - h * float(rng.uniform(0.2, 0.4)))]
                S.crack(ctx, S.erode(sel, 1), pts, stone)
            pits = S.speckle(ctx, S.erode(sel, 1) & (t == BASE), float(rng.uniform(0.02, 0.07)))
            S.tone(ctx, pits, stone, SHADOW)
    if form == 1 or ctx.has("nature", "moss") or ctx.chance(0.25):
        moss = ctx.mat("moss", (96, 160, 60))
        top = S.edge_toward(allm, 0, -1)
        mm = top.copy()
        for _ in range((2 if ctx.m < 48 else 3) + int(rng.integers(0, 2))):
            mm |= S.shift(mm, 0, -1) & allm
        mm &= ctx.pxc < b.x(ctx.vary(0.72, 0.15))
        mm |= S.speckle(ctx, S.shift(mm, 0, -1) & allm, 0.5)
        ctx.cv.mask("moss", mm, moss, shading="flat")
        S.tone(ctx, mm & S.edge_toward(mm, 0, -1), moss, LIGHT)
    if ctx.icy:
        _snow(ctx, allm)
    return {}


def _crystals(ctx: Ctx) -> dict:
    """A fan of shards, a few big ones, or a tall spray. Seeded: angles, lengths, which small
    shards grow, glints."""
    form, rng = ctx.form, ctx.rng
    b = Box.grounded(ctx, 1.0, 0.94, stretch=0.4)
    crystal = ctx.mat("primary")
    rockm = ctx.mat("rock", (100, 96, 110))
    # shards: (base x, angle from vertical, length, half width)
    if form == 0:
        shards = [(0.5, 0.0, 0.95, 0.12), (0.3, -28, 0.62, 0.1), (0.7, 24, 0.68, 0.1), (0.18, -50, 0.36, 0.08),
                  (0.84, 48, 0.4, 0.08)]
    elif form == 1:
        shards = [(0.42, -8, 0.95, 0.14), (0.66, 18, 0.78, 0.12), (0.22, -35, 0.5, 0.09)]
    else:
        shards = [(0.5, 4, 0.8, 0.11), (0.32, -18, 0.9, 0.1), (0.68, 30, 0.55, 0.1), (0.15, -45, 0.42, 0.08),
                  (0.85, 52, 0.34, 0.07)]
    if ctx.small:
        shards = shards[:3]
    elif len(shards) > 3 and ctx.chance(0.4):
        del shards[int(rng.integers(3, len(shards)))]
    base_y = 0.9
    order = sorted(range(len(shards)), key=lambda i: abs(shards[i][1]), reverse=True)
    for i in order:
        bx, ang, ln, hw = shards[i]
        ang += float(rng.uniform(-8, 8))
        ln *= ctx.vary(1.0, 0.12) if ln < 0.9 else 1.0
        a = math.radians(ang)
        dx, dy = math.sin(a), -math.cos(a)
        nx, ny = -dy, dx
        L = ln * b.H * 0.92
        HW = max(1.2, hw * b.W)
        x0, y0 = b.x(bx), b.y(base_y)
        tip = (x0 + dx * L, y0 + dy * L)
        sh = 0.78
        pts = [(x0 - nx * HW, y0 - ny * HW), (x0 - nx * HW + dx * L * sh, y0 - ny * HW + dy * L * sh), tip,
               (x0 + nx * HW + dx * L * sh, y0 + ny * HW + dy * L * sh), (x0 + nx * HW, y0 + ny * HW)]
        m = S.poly(ctx, pts)
        # left facet lit, right facet darker; a bright edge on the ridge
        rx, ry = ctx.pxc - x0, ctx.pyc - y0
        s = rx * nx + ry * ny
        t = np.where(s < -HW * 0.1, LIGHT, BASE).astype(np.int8)
        t[s > HW * 0.55] = SHADOW
        sel = S.paint_tones(ctx, "crystals", m, crystal, t, inner="line")
        ridge = sel & (np.abs(s + HW * 0.1) < 0.55) & (rx * dx + ry * dy < L * sh)
        S.tone(ctx, ridge, crystal, HIGHLIGHT)
    # rocky base
    base = S.ellipse(ctx, b.p(0.5, 0.98), (b.W * 0.46, b.H * 0.12)) & (ctx.pyc < b.bottom)
    S.paint_sphere(ctx, "base", base, rockm, b.p(0.4, 0.9), (b.W * 0.5, b.H * 0.16), highlight=False, inner="line")
    if not ctx.small:
        # glints
        for x, y in S.scatter(ctx, ctx.owned("crystals"), b, (0.2, 0.8), (0.1, 0.7), int(rng.integers(1, 5))):
            ctx.cv.pixel(x, y, crystal.ramp[HIGHLIGHT])
    if ctx.icy:
        _snow(ctx, base)
    return {"_ground_parts": ["base"]}


def _tombstone(ctx: Ctx) -> dict:
    """A round-topped headstone, a cross on a plinth, or a wide slab with chamfered (or broken)
    corners. Seeded: proportions, engraving (cross, lines or a ring), cracks, moss, grass."""
    form, rng = ctx.form, ctx.rng
    b = Box.grounded(ctx, ctx.vary((0.78, 0.7, 1.05)[form], 0.06), ctx.vary(0.92, 0.04) if form != 2 else 0.72,
                     stretch=0.2)
    stone = ctx.mat("primary")
    if form == 1:   # cross-shaped marker on a plinth
        aw = ctx.vary(0.17, 0.12)
        arm = ctx.vary(0.2, 0.15)
        m = S.rect(ctx, b.x(0.5 - aw), b.y(0.0), b.x(0.5 + aw), b.y(0.88))
        m |= S.rect(ctx, b.x(0.08), b.y(arm), b.x(0.92), b.y(arm + aw * 2 * b.W / b.H))
    elif form == 0:
        m = S.ellipse(ctx, b.p(0.5, 0.32), (b.W * 0.42, b.H * 0.32)) & (ctx.pyc < b.y(0.32))
        m |= S.rect(ctx, b.x(0.08), b.y(0.3), b.x(0.92), b.y(0.9))
    else:
        m = S.rect(ctx, b.x(0.04), b.y(0.06), b.x(0.96), b.y(0.9))
        m &= ~S.poly(ctx, b.pts([(0.0, 0.0), (0.2, 0.0), (0.0, 0.22)]))
        m &= ~S.poly(ctx, b.pts([(1.0, 0.0), (0.8, 0.0), (1.0, 0.22)]))
        if ctx.chance(0.5):   # a corner broken off
            sg = ctx.choose((0, 1))
            m &= ~S.poly(ctx, b.pts([(sg, 0.0), (abs(sg - 0.4), 0.0), (abs(sg - 0.22), 0.2), (sg, 0.42)]))
    t = S.sphere_tones(ctx, b.p(0.4, 0.3), (b.W * 0.6, b.H * 0.7), highlight=False)
    right = ctx.pxc > b.x(0.86)
    t[right & (t > SHADOW)] = SHADOW
    sel = S.paint_tones(ctx, "stone", m, stone, t)
    # plinth
    ph = ctx.vary(0.14, 0.2)
    ctx.cv.rect("plinth", b.x(0.0), b.y(1.0 - ph), b.x(1.0), b.y(1.0), ctx.mat("plinth", (110, 110, 124)),
                inner="line")
    # engraving: a cross, lines of text or a ring
    if form != 1:
        kind = "cross" if ctx.small else ctx.choose(("cross", "lines", "ring"))
        cw = max(0.5, b.W * 0.05)
        cc = b.p(0.5, 0.4)
        if kind == "cross":
            eng = S.rect(ctx, cc[0] - cw, b.y(0.18), cc[0] + cw, b.y(0.62))
            eng |= S.rect(ctx, b.x(0.3), b.y(0.3) - cw, b.x(0.7), b.y(0.3) + cw)
        elif kind == "lines":
            eng = np.zeros_like(sel)
            for fy in np.linspace(0.28, 0.6, int(rng.integers(2, 5))):
                eng |= S.rect(ctx, b.x(0.26), b.y(fy), b.x(0.74 - 0.1 * float(rng.random() < 0.4)), b.y(fy) + 1)
        else:
            rr = b.s * 0.18
            eng = S.ellipse(ctx, cc, (rr, rr)) & ~S.ellipse(ctx, cc, (rr - 1.2, rr - 1.2))
        eng &= S.erode(sel, 1)
        S.tone(ctx, eng, stone, SHADOW)
        S.tone(ctx, eng & ~S.shift(eng, 1, 1), stone, OUTLINE)
        S.tone(ctx, S.shift(eng, 1, 1) & sel & ~eng, stone, LIGHT)
    if not ctx.small:
        for _ in range(int(rng.integers(0, 2)) + (1 if ctx.dark else 0)):
            c0 = b.p(float(rng.uniform(0.15, 0.85)), float(rng.uniform(0.1, 0.3)))
            c1 = (c0[0] - b.W * float(rng.uniform(-0.14, 0.14)), c0[1] + b.H * 0.15)
            c2 = (c1[0] + b.W * float(rng.uniform(-0.08, 0.08)), c1[1] + b.H * 0.14)
            S.crack(ctx, sel, [c0, c1, c2], stone, tone_idx=SHADOW, lit=False)
        # moss at the base (and sometimes over the top)
        moss = ctx.mat("moss", (96, 150, 64))
        mm = S.speckle(ctx, sel & (ctx.pyc > b.y(0.8)) & S.shift(sel, 0, 3), float(rng.uniform(0.15, 0.45)))
        if ctx.chance(0.35):
            mm |= S.speckle(ctx, S.edge_toward(sel, 0, -1) | (S.shift(S.edge_toward(sel, 0, -1), 0, -1) & sel), 0.6)
        ctx.cv.mask("moss", mm, moss, shading="flat")
        if ctx.chance(0.75):
            _grass(ctx, b, -0.02, 1.02, height=0.1)
    if ctx.icy:
        _snow(ctx, ctx.cv.alpha > 0)
    return {}


# ---------------------------------------------------------------------------- wooden and built props
def _crate(ctx: Ctx) -> dict:
    """A square crate with one brace, a wide crate with an X brace, or a tall crate with metal corners.

    Seeded: proportions, plank count, frame width, brace direction, nails, a stencilled mark.
    """
    form, rng = ctx.form, ctx.rng
    b = Box.grounded(ctx, ctx.vary((1.0, 1.3, 0.82)[form], 0.05), 0.84 if form != 2 else 0.9, stretch=0.3)
    wood = ctx.mat("primary")
    frame = ctx.mat("frame", (120, 76, 42))
    box = S.rect(ctx, b.x(0.0), b.y(0.0), b.x(1.0), b.y(1.0))
    t = S.vgrad_tones(ctx, b.y(0.0), b.y(1.0))
    S.paint_tones(ctx, "planks", box, wood, t)
    if not ctx.small:
        n = int(rng.integers(2, 5)) if ctx.m < 48 else int(rng.integers(3, 6))
        S.planks(ctx, box, wood, horizontal=True, n=n, lo=b.y(0.0), hi=b.y(1.0))
    fw = max(1.0, b.s * ctx.vary(0.13, 0.15))
    x0, y0, x1, y1 = b.x(0.0) + fw, b.y(0.0) + fw, b.x(1.0) - fw, b.y(1.0) - fw
    inner = S.rect(ctx, x0, y0, x1, y1)
    ctx.cv.mask("frame", box & ~inner, frame, shading="rim", highlight=True)
    # braces: one diagonal (either way), or an X
    k = fw * 0.8 * 0.7
    up = [(x0, y1 - k), (x0, y1), (x0 + k, y1), (x1, y0 + k), (x1, y0), (x1 - k, y0)]
    down = [(x0, y0), (x0 + k, y0), (x1, y1 - k), (x1, y1), (x1 - k, y1), (x0, y0 + k)]
    braces = [up, down] if form == 1 else [ctx.choose((up, down))]
    for pts in braces:
        ctx.cv.mask("brace", S.poly(ctx, pts) & inner, frame, shading="rim", highlight=True, inner="line")
    if not ctx.small and ctx.chance(0.3):   # a stencilled ring or cross on the boards
        c = b.p(0.5 + ctx.choose((-0.22, 0.22)), 0.5)
        r = b.s * 0.12
        mark = S.ellipse(ctx, c, (r, r)) & ~S.ellipse(ctx, c, (r - 1.0, r - 1.0)) if ctx.chance(0.5) else \
            S.line(ctx, (c[0] - r, c[1] - r), (c[0] + r, c[1] + r)) | S.line(ctx, (c[0] - r, c[1] + r), (c[0] + r, c[1] - r))
        S.tone(ctx, mark & inner & ctx.owned("planks"), wood, OUTLINE)
    if form == 2:
        metal = ctx.mat("metal", (140, 140, 150))
        k = max(1.5, b.s * ctx.vary(0.2, 0.12))
        for cx, cy in ((0, 0), (1, 0), (0, 1), (1, 1)):
            mx = b.x(cx) - (k if cx else 0)
            my = b.y(cy) - (k if cy else 0)
            ctx.cv.rect("metal", mx, my, mx + k, my + k, metal, highlight=True, inner="line")
    elif not ctx.small and ctx.chance(0.7):   # nails in the frame corners
        for cx, cy in ((0, 0), (1, 0), (0, 1), (1, 1)):
            ctx.cv.pixel(b.x(cx) + (fw * 0.5 if cx == 0 else -fw * 0.5), b.y(cy) + (fw * 0.5 if cy == 0 else -fw * 0.5),
                         frame.ramp[OUTLINE])
    if ctx.icy:
        _snow(ctx, ctx.cv.alpha > 0)
    return {}


def _barrel(ctx: Ctx) -> dict:
    """A barrel, a tall keg with three hoops, or a squat tub with a tap.

    Seeded: bulge, hoop positions, stave count, a bung, an open top (with water), lid.
    """
    form, rng = ctx.form, ctx.rng
    b = Box.grounded(ctx, ctx.vary((0.76, 0.6, 1.0)[form], 0.05), (0.9, 0.94, 0.72)[form], stretch=0.25)
    wood = ctx.mat("primary")
    metal = ctx.mat("metal")
    bulge = ctx.vary((0.08, 0.06, 0.05)[form], 0.25)
    open_top = ctx.chance(0.3)
    pts = []
    n = 8
    for k in range(n + 1):
        f = k / n
        pts.append(b.p(bulge * (1 - (2 * f - 1) ** 2) * -1 + 0.08, 0.08 + 0.92 * f))
    for k in range(n, -1, -1):
        f = k / n
        pts.append(b.p(0.92 + bulge * (1 - (2 * f - 1) ** 2), 0.08 + 0.92 * f))
    body = S.poly(ctx, pts) | S.ellipse(ctx, b.p(0.5, 0.08), (b.W * 0.42, b.H * 0.08))
    body &= ctx.pyc < b.bottom
    t = S.hgrad_tones(ctx, b.x(0.0), b.x(1.0), light_frac=0.3, shadow_frac=0.72, highlight=(0.16, 0.24))
    sel = S.paint_tones(ctx, "staves", body, wood, t)
    # staves
    if not ctx.small:
        nst = int(rng.integers(3, 6)) if ctx.m < 48 else int(rng.integers(5, 8))
        for i in range(1, nst):
            f = i / nst
            # stave seams follow the bulge: x = centre + (f - .5) * width(y)
            u = (ctx.pyc - b.y(0.08)) / (b.H * 0.92)
            wy = 0.84 + 2 * bulge * (1 - (2 * u - 1) ** 2)
            xs = b.x(0.5) + (f - 0.5) * wy * b.W
            seam = sel & (np.abs(ctx.pxc - xs) < 0.5)
            S.tone(ctx, seam, wood, SHADOW if f < 0.7 else OUTLINE)
    # top: a lid, or open with water inside
    lid = S.ellipse(ctx, b.p(0.5, 0.08), (b.W * 0.4, max(1.0, b.H * 0.065)))
    ctx.cv.mask("lid", lid, wood, shading="flat")
    S.tone(ctx, lid, wood, LIGHT)
    S.tone(ctx, S.edge_toward(lid, 0, -1), wood, SHADOW)
    if open_top and not ctx.small:
        water = S.ellipse(ctx, b.p(0.5, 0.085), (b.W * 0.32, max(0.8, b.H * 0.04)))
        ctx.cv.mask("lid", water, ctx.mat("water", (60, 110, 170)), shading="flat")
    # hoops
    hh = max(1.0, b.H * 0.07)
    ys = (0.2, 0.8) if form != 1 else (0.16, 0.5, 0.84)
    shift = ctx.jit(0.04)
    for fy in ys:
        cy = b.y(fy + shift * (1 if fy < 0.5 else -1 if fy > 0.5 else 0))
        sag = b.H * 0.02
        hm = S.poly(ctx, [(b.x(-0.1), cy - hh / 2), (b.x(0.5), cy - hh / 2 + sag), (b.x(1.1), cy - hh / 2),
                          (b.x(1.1), cy + hh / 2), (b.x(0.5), cy + hh / 2 + sag), (b.x(-0.1), cy + hh / 2)]) & sel
        tt = S.hgrad_tones(ctx, b.x(0.0), b.x(1.0), light_frac=0.3, shadow_frac=0.75, highlight=(0.18, 0.26))
        S.paint_tones(ctx, "hoops", hm, metal, tt, inner="line")
    if form == 2 or (not ctx.small and ctx.chance(0.3)):
        # a tap, or a bung on the front
        c = b.p(0.5 + ctx.jit(0.1), 0.55)
        r = max(1.0, b.W * 0.07)
        ctx.cv.ellipse("staves", c, (r, r), ctx.mat("frame", (90, 60, 40)), inner="line")
        if form == 2:
            ctx.cv.rect("tap", c[0] - r * 0.4, c[1], c[0] + r * 0.4, c[1] + r * 2.2, metal, highlight=True,
                        inner="line")
    if ctx.icy:
        _snow(ctx, ctx.cv.alpha > 0)
    return {}


def _pot(ctx: Ctx) -> dict:
    """A round pot, a tall amphora with handles, or a wide jar.

    Seeded: proportions, neck, decoration (dotted or double band, or none), handles, a crack.
    """
    form, rng = ctx.form, ctx.rng
    b = Box.grounded(ctx, ctx.vary((0.82, 0.62, 1.05)[form], 0.06), ctx.vary((0.82, 0.94, 0.7)[form], 0.05),
                     stretch=0.2)
    clay = ctx.mat("primary")
    band = ctx.mat("secondary")
    neck_w = ctx.vary((0.28, 0.2, 0.36)[form], 0.12)
    deco = ctx.choose(("dots", "dots", "double", "none"))
    body_c = b.p(0.5, (0.6, 0.6, 0.58)[form])
    body_r = (b.W * 0.5, b.H * (0.4, 0.4, 0.42)[form])
    body = S.ellipse(ctx, body_c, body_r) & (ctx.pyc < b.bottom)
    body |= S.rect(ctx, b.x(0.5 - neck_w * 0.7), b.y(0.92), b.x(0.5 + neck_w * 0.7), b.y(1.0))
    neck = S.rect(ctx, b.x(0.5 - neck_w), b.y(0.06), b.x(0.5 + neck_w), b.y(0.3))
    S.paint_sphere(ctx, "pot", body | neck, clay, (body_c[0] - body_r[0] * 0.2, body_c[1] - body_r[1] * 0.25),
                   (body_r[0] * 1.1, body_r[1] * 1.15))
    neck_t = S.hgrad_tones(ctx, b.x(0.5 - neck_w), b.x(0.5 + neck_w))
    S.tone(ctx, neck & (neck_t == SHADOW), clay, SHADOW)
    # rim and mouth
    rim = S.rect(ctx, b.x(0.5 - neck_w - 0.07), b.y(0.0), b.x(0.5 + neck_w + 0.07), b.y(0.0) + max(1.5, b.H * 0.08))
    ctx.cv.mask("rim", rim, clay, shading="rim", highlight=True, inner="line")
    if not ctx.small:
        mouth = S.rect(ctx, b.x(0.5 - neck_w + 0.02), b.y(0.0) + 0.0, b.x(0.5 + neck_w - 0.02), b.y(0.0) + 1.0)
        S.tone(ctx, mouth & rim, clay, OUTLINE)
    # decorative band
    by = body_c[1] - body_r[1] * ctx.vary(0.15, 0.6)
    bh = max(1.0, b.H * 0.07)
    tt = S.hgrad_tones(ctx, b.x(0.0), b.x(1.0))
    if deco != "none" or ctx.small:
        S.paint_tones(ctx, "band", S.rect(ctx, b.x(0.0), by, b.x(1.0), by + bh) & body, band, tt)
    if deco == "double" and not ctx.small:
        S.paint_tones(ctx, "band", S.rect(ctx, b.x(0.0), by + bh + 2, b.x(1.0), by + 2 * bh + 2) & body, band, tt)
    elif deco == "dots" and not ctx.small:
        zig = S.checker_dots(ctx, S.rect(ctx, b.x(0.0), by + bh + 1, b.x(1.0), by + bh + 2) & body, 3)
        S.tone(ctx, zig, band, BASE, part="band")
    if not ctx.small and ctx.chance(0.25):   # a crack
        x0 = b.x(float(rng.uniform(0.3, 0.7)))
        S.crack(ctx, S.erode(body, 1), [(x0, b.y(0.35)), (x0 + b.W * ctx.jit(0.08), b.y(0.55)),
                                        (x0 + b.W * ctx.jit(0.1), b.y(0.7))], clay)
    if (form == 1 or ctx.chance(0.25)) and not ctx.small:
        # handles
        for sg in (-1, 1):
            hc = b.p(0.5 + sg * (neck_w + 0.12), 0.22)
            r = (b.W * 0.14, b.H * 0.1)
            ring = S.ellipse(ctx, hc, r) & ~S.ellipse(ctx, hc, (max(0.6, r[0] - 1.3), max(0.6, r[1] - 1.3)))
            ctx.cv.mask("handles", ring, clay, shading="rim", behind=True)
    if ctx.icy:
        _snow(ctx, ctx.cv.alpha > 0)
    return {}


def _fence(ctx: Ctx) -> dict:
    """A pointed picket fence, a round-topped fence, or a fence with cross braces.

    Seeded: post count, width and (uneven) heights, rail heights, a broken rail, grass.
    """
    form, rng = ctx.form, ctx.rng
    W, H = ctx.w - 2.0, ctx.h - 2.0
    hf = ctx.vary((0.7, 0.62, 0.76)[form], 0.06)
    b = Box.grounded(ctx, W / (H * hf), hf, wfill=0.98, stretch=0.0)
    wood = ctx.mat("primary")
    n = max(2, round(b.W / max(6.0, b.H * 0.55)) + int(rng.integers(-1, 2)))
    if ctx.small:
        n = 2
    pw = max(1.5, min(b.W * 0.13, b.H * 0.22) * ctx.vary(1.0, 0.12))
    rails = tuple(f + ctx.jit(0.04) for f in ((0.3, 0.68) if form != 1 else (0.25, 0.55)))
    rh = max(1.0, b.H * 0.12)
    tops = [max(0.0, float(rng.uniform(-0.04, 0.1))) if ctx.chance(0.5) else 0.0 for _ in range(n)]
    # rails behind the posts
    for fy in rails:
        ctx.cv.rect("rails", b.x(0.0), b.y(fy), b.x(1.0), b.y(fy) + rh, wood, shading="rim")
        if not ctx.small:
            m = S.rect(ctx, b.x(0.0), b.y(fy) + rh - 1, b.x(1.0), b.y(fy) + rh)
            S.tone(ctx, m, wood, SHADOW)
    if form == 2 and not ctx.small:
        for i in range(n - 1):
            xa = b.x(0.0) + pw / 2 + (b.W - pw) * i / (n - 1)
            xb = b.x(0.0) + pw / 2 + (b.W - pw) * (i + 1) / (n - 1)
            m = S.capsule(ctx, (xa, b.y(rails[1]) + rh), (xb, b.y(rails[0])), max(0.6, rh * 0.45))
            ctx.cv.mask("rails", m, wood, shading="rim", inner="line")
    for i in range(n):
        xc = b.x(0.0) + pw / 2 + (b.W - pw) * i / (n - 1)
        top = b.y(tops[i] if not ctx.small else 0.0)
        if form == 1:
            pts = [(xc - pw / 2, b.bottom), (xc - pw / 2, top + b.H * 0.06), (xc, top), (xc + pw / 2, top + b.H * 0.06),
                   (xc + pw / 2, b.bottom)]
            m = S.poly(ctx, pts) | S.ellipse(ctx, (xc, top + pw / 2), (pw / 2, pw / 2))
        else:
            pts = [(xc - pw / 2, b.bottom), (xc - pw / 2, top + pw * 0.6), (xc, top),
                   (xc + pw / 2, top + pw * 0.6), (xc + pw / 2, b.bottom)]
            m = S.poly(ctx, pts)
        t = S.hgrad_tones(ctx, xc - pw / 2, xc + pw / 2, light_frac=0.34, shadow_frac=0.67)
        S.paint_tones(ctx, "posts", m, wood, t, inner="line")
        if not ctx.small:
            for fy in rails:
                ctx.cv.pixel(xc, b.y(fy) + rh / 2, wood.ramp[OUTLINE])
    if ctx.icy:
        _snow(ctx, ctx.cv.alpha > 0)
    if not ctx.small and ctx.chance(0.75):
        _grass(ctx, b, 0.0, 1.0, height=ctx.vary(0.14, 0.3))
    return {"_ground_parts": ["posts"]}


def _signpost(ctx: Ctx) -> dict:
    """A board on a post, two arrow boards, or a sign hanging from an arm (either side).

    Seeded: which way the arm or the arrows point, board height, planks, lines of writing, nails.
    """
    form = ctx.form
    b = Box.grounded(ctx, ctx.vary(0.95, 0.06), 0.94, stretch=0.4)
    wood = ctx.mat("primary")
    post = ctx.mat("post", (120, 80, 48))
    ink = ctx.mat("ink", (70, 46, 34))
    pw = max(1.5, b.W * ctx.vary(0.12, 0.15))
    flip = ctx.chance(0.5)

    def X(f: float) -> float:   # a mirrored x fraction
        return b.x(1.0 - f if flip else f)

    if form == 2:   # hanging sign from an arm
        px = X(0.18)
        t = S.hgrad_tones(ctx, px - pw / 2, px + pw / 2)
        S.paint_tones(ctx, "post", S.rect(ctx, px - pw / 2, b.y(0.0), px + pw / 2, b.y(1.0)), post, t)
        ctx.cv.rect("post", min(px, X(0.95)), b.y(0.04), max(px, X(0.95)), b.y(0.04) + max(1.0, pw * 0.8), post,
                    inner="line")
        y0, y1 = b.y(0.3), b.y(ctx.vary(0.62, 0.08))
        for fx in (0.42, 0.82):
            ctx.cv.mask("chains", S.line(ctx, (X(fx), b.y(0.08)), (X(fx), y0)), ctx.mat("chain", (70, 70, 80)),
                        shading="flat")
        board = S.rect(ctx, min(X(0.32), X(0.92)), y0, max(X(0.32), X(0.92)), y1)
    else:
        px = b.x(0.5)
        t = S.hgrad_tones(ctx, px - pw / 2, px + pw / 2)
        S.paint_tones(ctx, "post", S.rect(ctx, px - pw / 2, b.y(0.1), px + pw / 2, b.y(1.0)), post, t)
        if form == 1:   # two arrow boards pointing opposite ways
            a = [(X(fx), b.y(fy)) for fx, fy in [(0.05, 0.08), (0.8, 0.08), (0.96, 0.2), (0.8, 0.32), (0.05, 0.32)]]
            c = [(X(fx), b.y(fy)) for fx, fy in [(0.95, 0.38), (0.2, 0.38), (0.04, 0.5), (0.2, 0.62), (0.95, 0.62)]]
            board = S.poly(ctx, a) | S.poly(ctx, c)
            y0, y1 = b.y(0.08), b.y(0.62)
        else:
            y0, y1 = b.y(0.06), b.y(ctx.vary(0.52, 0.1))
            board = S.rect(ctx, b.x(0.02), y0, b.x(0.98), y1)
    t = S.vgrad_tones(ctx, y0, y1)
    sel = S.paint_tones(ctx, "board", board, wood, t, inner="line")
    if not ctx.small:
        if form == 0:
            S.planks(ctx, sel, wood, horizontal=True, n=int(ctx.rng.integers(1, 4)), lo=y0, hi=y1)
        # writing
        lines = np.zeros_like(sel)
        ys = np.unique(np.round(np.linspace(y0 + (y1 - y0) * 0.3, y1 - (y1 - y0) * 0.3, int(ctx.rng.integers(1, 4)))))
        if form == 1:
            ys = [b.y(0.2) - 0.5, b.y(0.5) - 0.5]
        for yy in ys:
            lines |= (np.abs(ctx.pyc - yy - 0.5) < 0.5)
        lines &= S.erode(sel, 2 if ctx.m >= 40 else 1)
        gaps = ((ctx.xx + int(ctx.rng.integers(0, 4))) % 4 == 0)
        ctx.cv.detail(lines & ~gaps, ink.base)
        # nails
        if form == 0:
            for fx in (0.1, 0.9):
                ctx.cv.pixel(b.x(fx), (y0 + y1) / 2, wood.ramp[OUTLINE])
        gx = (0.3, 0.7) if form != 2 else ((0.62, 0.98) if flip else (0.02, 0.38))
        _grass(ctx, b, gx[0], gx[1], height=0.08)
    if ctx.icy:
        _snow(ctx, ctx.cv.alpha > 0)
    return {"_ground_parts": ["post"]}


def _campfire(ctx: Ctx) -> dict:
    """Crossed logs in a stone ring, a teepee of logs on embers, or a small fire in a stone ring.

    Seeded: log angles and count, stone count and size, flame size.
    """
    form, rng = ctx.form, ctx.rng
    b = Box.grounded(ctx, 1.0, 0.96, stretch=0.3)
    logm = ctx.mat("primary")
    stone = ctx.mat("stone", (130, 128, 140))
    ember = ctx.mat("ember", (250, 120, 40))
    # logs: crossed, ends toward the viewer
    lr = max(1.2, b.H * ctx.vary(0.08, 0.12))
    ly = 0.86
    rise = ctx.vary(0.16, 0.25)
    logs = [((0.14, ly - 0.02), (0.86, ly - rise)), ((0.86, ly - 0.02), (0.14, ly - rise))]
    if form == 1:   # teepee
        logs = [((0.2, ly + 0.04), (0.55, 0.4)), ((0.8, ly + 0.04), (0.45, 0.4)), ((0.5, ly + 0.06), (0.5, 0.42))]
        if not ctx.small and ctx.chance(0.5):
            logs.insert(0, ((0.34, ly - 0.02), (0.56, 0.36)))
    elif ctx.chance(0.4):   # a third log across the front
        logs.append(((0.2, ly + 0.02), (0.8, ly + 0.0)))
    for p0, p1 in logs:
        ctx.cv.capsule("logs", b.p(*p0), b.p(*p1), lr, logm, inner="line")
        if not ctx.small and form != 1:
            ctx.cv.ellipse("logs", b.p(*p0), (lr * 0.8, lr * 0.8), ctx.mat("log_end", (214, 170, 110)), shading="flat")
    # flame
    fk = ctx.vary(1.0, 0.12)
    fw = b.W * (0.3 if form != 2 else 0.22) * fk
    fh = b.H * (0.8 if form != 2 else 0.62) * fk
    base_y = b.y(ly - 0.06 if form != 1 else ly - 0.02)
    S.flame(ctx, "flame", b.x(0.5), base_y, fw, fh * 0.95)
    # stone ring in front
    if form != 1:
        n = int(rng.integers(4, 7)) if not ctx.small else 3
        sr = (b.W * (0.5 / n) * 1.05, max(1.2, b.H * ctx.vary(0.085, 0.15)))
        for i in range(n):
            cx = b.x(0.5 / n + i / n)
            cy = b.bottom - sr[1]
            ctx.cv.ellipse("stones", (cx, cy), (sr[0], sr[1] * ctx.vary(1.0, 0.15)), stone, inner="line")
    elif not ctx.small:
        em = S.ellipse(ctx, b.p(0.5, 0.96), (b.W * 0.36, b.H * 0.05)) & (ctx.pyc < b.bottom)
        ctx.cv.mask("embers", em, ember, shading="flat", behind=True)
    return {"_ground_parts": ["stones", "logs"], "flame": (b.x(0.5), base_y - fh * 0.35)}


def _well(ctx: Ctx) -> dict:
    """A well with a shingled roof and a hanging bucket, one with a pointed roof, or a low open
    well with a winch. Seeded: wall height, brick size, bucket, rope length, moss on the stones."""
    form = ctx.form
    low = form == 2
    b = Box.grounded(ctx, 1.3 if low else 0.9, 0.7 if low else 0.96, stretch=0.3)
    stone = ctx.mat("primary")
    wood = ctx.mat("wood", (128, 86, 50))
    roof = ctx.mat("roof", (170, 60, 50))
    water = ctx.mat("water", (50, 90, 160))
    rope = ctx.mat("rope", (214, 190, 140))
    wall_top = ctx.vary(0.4 if low else 0.58, 0.05)
    bar_y = 0.1 if low else 0.27
    # posts (behind the wall) and the crossbar
    pw = max(1.2, b.W * 0.08)
    for fx in (0.14, 0.86):
        t = S.hgrad_tones(ctx, b.x(fx) - pw / 2, b.x(fx) + pw / 2)
        post = S.rect(ctx, b.x(fx) - pw / 2, b.y(bar_y - 0.07), b.x(fx) + pw / 2, b.y(wall_top + 0.14))
        S.paint_tones(ctx, "posts", post, wood, t)
    ctx.cv.rect("posts", b.x(0.12), b.y(bar_y), b.x(0.88), b.y(bar_y) + max(1.0, b.H * 0.04), wood, inner="line")
    if low:   # the winch handle
        hx = b.x(0.86) + pw / 2
        ctx.cv.capsule("posts", (hx, b.y(bar_y) + 0.5), (hx + b.W * 0.08, b.y(bar_y + 0.14)), max(0.6, pw * 0.35), wood)
    # rope and bucket
    rope_x = b.x(0.5)
    hang = form == 0 or (form == 1 and ctx.chance(0.6))
    bucket_y = b.y(bar_y + ctx.vary(0.17, 0.2)) if hang else b.y(wall_top)
    ctx.cv.mask("rope", S.line(ctx, (rope_x, b.y(bar_y) + 1), (rope_x, bucket_y)), rope, shading="flat")
    bw_ = max(1.5, b.W * 0.1)
    if hang:
        ctx.cv.polygon("bucket", [(rope_x - bw_, bucket_y), (rope_x + bw_, bucket_y),
                                  (rope_x + bw_ * 0.75, bucket_y + bw_ * 1.3),
                                  (rope_x - bw_ * 0.75, bucket_y + bw_ * 1.3)], wood, highlight=True)
    # stone wall: a cylinder front with a rim ellipse
    wall = S.rect(ctx, b.x(0.02), b.y(wall_top), b.x(0.98), b.y(1.0))
    wall |= S.ellipse(ctx, b.p(0.5, wall_top), (b.W * 0.48, b.H * 0.07))
    t = S.hgrad_tones(ctx, b.x(0.02), b.x(0.98), light_frac=0.3, shadow_frac=0.74)
    sel = S.paint_tones(ctx, "wall", wall, stone, t, inner="line")
    if not ctx.small:
        # brick courses
        course = max(2, round(b.H * ctx.vary(0.09, 0.2)))
        rows = ((ctx.yy - int(b.y(wall_top))) % course == 0)
        brick_w = max(3, round(b.W * ctx.vary(0.16, 0.2)))
        cols = ((ctx.xx + ((ctx.yy - int(b.y(wall_top))) // course) * (brick_w // 2)) % brick_w == 0)
        mortar = sel & (rows | cols) & (ctx.pyc > b.y(wall_top) + b.H * 0.07)
        S.tone(ctx, mortar, stone, SHADOW)
        if ctx.chance(0.35):
            moss = ctx.mat("moss", (96, 150, 64))
            ctx.cv.mask("moss", S.speckle(ctx, sel & (ctx.pyc > b.y(0.86)), 0.35), moss, shading="flat")
    # rim and dark water
    rim = S.ellipse(ctx, b.p(0.5, wall_top), (b.W * 0.48, max(1.5, b.H * 0.07)))
    ctx.cv.mask("wall", rim, stone, shading="flat")
    S.tone(ctx, rim, stone, LIGHT)
    hole = S.ellipse(ctx, b.p(0.5, wall_top + 0.005), (b.W * 0.38, max(0.8, b.H * 0.045)))
    ctx.cv.mask("water", hole, water, shading="flat")
    S.tone(ctx, hole & S.edge_toward(hole, 0, -1), water, OUTLINE)
    if low:
        if not ctx.small and ctx.chance(0.6):   # the bucket resting on the rim
            bx = b.x(ctx.choose((0.2, 0.8)))
            by = b.y(wall_top) - bw_ * 0.8
            ctx.cv.polygon("bucket", [(bx - bw_, by), (bx + bw_, by), (bx + bw_ * 0.75, by + bw_ * 1.3),
                                      (bx - bw_ * 0.75, by + bw_ * 1.3)], wood, highlight=True, inner="line")
        if ctx.icy:
            _snow(ctx, ctx.cv.alpha > 0)
        return {"_ground_parts": ["wall"]}
    # roof
    over = ctx.jit(0.03)
    if form == 1:
        rp = b.pts([(-0.02 - over, 0.27), (0.5, 0.0), (1.02 + over, 0.27)])
    else:
        rp = b.pts([(0.0 - over, 0.27), (0.2, 0.02), (0.8, 0.02), (1.0 + over, 0.27)])
    rm = S.poly(ctx, rp)
    rt = S.vgrad_tones(ctx, b.y(0.0), b.y(0.27))
    rsel = S.paint_tones(ctx, "roof", rm, roof, rt, inner="line")
    if not ctx.small:
        # shingles
        sh = rsel & ((ctx.yy - int(b.y(0.0))) % 3 == 2)
        S.tone(ctx, sh, roof, SHADOW)
        sh2 = rsel & ((ctx.xx + ((ctx.yy - int(b.y(0.0))) // 3) * 2) % 4 == 0) & ~sh
        S.tone(ctx, sh2, roof, SHADOW)
    if ctx.icy:
        _snow(ctx, rsel)
    return {"_ground_parts": ["wall"]}


_SHAPES: dict[str, Callable[[Ctx], dict | None]] = {
    "tree": _tree, "pine_tree": _pine, "pine": _pine, "bush": _bush, "rock": _rock,
    "crystal_cluster": _crystals, "crystals": _crystals, "vine": _vine, "moss": _moss, "flowers": _flowers,
    "mushroom": _mushroom, "crate": _crate, "barrel": _barrel, "pot": _pot, "fence": _fence,
    "signpost": _signpost, "tombstone": _tombstone, "campfire": _campfire, "well": _well,
}
