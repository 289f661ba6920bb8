"""Environment-prop renderer: trees, rocks, crates, fences, campfires ... standing on the ground.

Props are drawn front/side-on (side-scroller or top-down RPG style) in a box that sits on
the bottom margin of the canvas (the vine hangs from the top edge instead). Each subject's
``look`` table names a drawing routine (``shape``), its colour slots, the slots a prompt colour
recolours (``recolorable``, main material first) and designed variant palettes;
``form = variant % 3`` picks one of three designs (round oak / fruit tree / wide tree ...).

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
from .shapes import BASE, HIGHLIGHT, LIGHT, OUTLINE, SHADOW, Ctx


def render(spec: SpriteSpec, look: Mapping, rng: np.random.Generator) -> RenderedSprite:
    """Draw one prop. ``look`` is the subject's catalogue ``look`` table."""
    look = look or {}
    shape = str(look.get("shape", spec.subject))
    fn = _SHAPES.get(shape) or _SHAPES.get(spec.subject) or _rock
    ctx = Ctx(spec, look, rng)
    pivots = dict(fn(ctx) or {})
    pivots.setdefault("center", ctx.centre())
    if "anchor_top" not in pivots:
        pivots.setdefault("ground", ctx.ground_pivot(pivots.pop("_ground_parts", None)))
    pivots.pop("_ground_parts", None)
    return ctx.finish(pivots, facing="front")


class GBox:
    """A box standing on the bottom margin, centred horizontally; ``x(f)``/``y(f)`` map fractions.

    ``aspect`` is the prop's width/height; ``stretch`` (0..1) lets it follow a non-square canvas
    part of the way; ``hfill`` is the fraction of the canvas height it may use.
    """

    def __init__(self, ctx: Ctx, aspect: float, hfill: float = 0.94, *, wfill: float = 0.96,
                 stretch: float = 0.35, top: bool = False) -> None:
        W, H = ctx.w - 2.0, ctx.h - 2.0
        aspect = aspect * ((W / H) / aspect) ** stretch
        bh = H * hfill
        bw = bh * aspect
        if bw > W * wfill:
            bw = W * wfill
            bh = bw / aspect
        self.W, self.H = bw, bh
        self.x0 = ctx.w / 2.0 - bw / 2
        self.y0 = 1.0 if top else ctx.h - 1.0 - bh
        self.s = min(bw, bh)

    def x(self, f: float) -> float:
        return self.x0 + f * self.W

    def y(self, f: float) -> float:
        return self.y0 + f * self.H

    def p(self, fx: float, fy: float) -> tuple[float, float]:
        return (self.x0 + fx * self.W, self.y0 + fy * self.H)

    def pts(self, fs) -> list[tuple[float, float]]:
        return [self.p(fx, fy) for fx, fy in fs]

    @property
    def bottom(self) -> float:
        return self.y0 + self.H


def _grass(ctx: Ctx, b: GBox, x0: float, x1: float, *, height: float = 0.1, part: str = "grass",
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
        layer = S._shift_any(layer, 0, -1) & mask & (k < depth + col)
        snow |= layer
    mat = ctx.mat("snow", (236, 244, 252))
    ctx.cv.mask(part, snow, mat, shading="flat")
    S.tone(ctx, snow & S.edge_toward(snow, 0, 1) & ~top, mat, SHADOW)
    S.tone(ctx, top & ctx.cv.alpha.astype(bool), mat, LIGHT)
    return snow


# ---------------------------------------------------------------------------- plants
def _tree(ctx: Ctx) -> dict:
    form, rng = ctx.form, ctx.rng
    b = GBox(ctx, (0.86, 0.8, 1.0)[form], 0.96, stretch=0.4)
    bark = ctx.mat("trunk")
    leaves = ctx.mat("primary")
    bare = ctx.dark and not ctx.cute
    # trunk: flared roots up into the crown
    tw = 0.13 if form != 2 else 0.15
    top_y = 0.45 if not bare else 0.2
    trunk = S.poly(ctx, b.pts([(0.5 - tw * 1.6, 1.0), (0.5 - tw * 0.6, 0.9), (0.5 - tw * 0.5, top_y),
                               (0.5 + tw * 0.5, top_y), (0.5 + tw * 0.6, 0.9), (0.5 + tw * 1.6, 1.0)]))
    # branches into the canopy
    br = np.zeros_like(trunk)
    rbr = max(0.7, b.s * 0.035)
    for sg in (-1, 1):
        br |= S.capsule(ctx, b.p(0.5, 0.62), b.p(0.5 + sg * 0.24, 0.38 if not bare else 0.28), rbr * 1.3, rbr * 0.8)
    if bare:
        for sg in (-1, 1):
            br |= S.capsule(ctx, b.p(0.5 + sg * 0.2, 0.36), b.p(0.5 + sg * 0.4, 0.12), rbr, 0.6)
            br |= S.capsule(ctx, b.p(0.5 + sg * 0.12, 0.45), b.p(0.5 + sg * 0.05, 0.04), rbr, 0.6)
    t = S.hgrad_tones(ctx, b.x(0.5 - tw * 0.6), b.x(0.5 + tw * 0.6), light_frac=0.3, shadow_frac=0.72)
    tm = S.paint_tones(ctx, "trunk", trunk | br, bark, t)
    if not ctx.small:
        grain = tm & ((ctx.xx + (ctx.yy // 3)) % 3 == 0) & (ctx.pyc > b.y(0.5)) & (t == BASE)
        S.tone(ctx, grain, bark, SHADOW)
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
    px = []
    for cx, cy, rx, ry in blobs:
        j = 0.03
        px.append((b.x(cx + float(rng.uniform(-j, j))), b.y(cy + float(rng.uniform(-j, j))), rx * b.W, ry * b.H))
    crown = S.leaf_cluster(ctx, "foliage", leaves, px, light_center=b.p(0.5, 0.32), radii=(b.W * 0.5, b.H * 0.34))
    if form == 1 and not ctx.small:
        # fruit: red dots on the lit side of the crown
        fruit = ctx.mat("fruit", (220, 50, 40))
        k = 0
        for _ in range(12):
            fx, fy = b.x(float(rng.uniform(0.15, 0.85))), b.y(float(rng.uniform(0.12, 0.55)))
            if crown[int(fy), int(fx)] and S.erode(crown, 1)[int(fy), int(fx)]:
                r = max(0.8, b.s * 0.04)
                ctx.cv.ellipse("fruit", (fx, fy), (r, r), fruit)
                k += 1
                if k >= (4 if ctx.m < 48 else 7):
                    break
    if ctx.icy:
        _snow(ctx, crown)
    if not ctx.small:
        _grass(ctx, b, 0.22, 0.78)
    return {"_ground_parts": ["trunk"], "canopy": b.p(0.5, 0.3)}


def _pine(ctx: Ctx) -> dict:
    form, rng = ctx.form, ctx.rng
    b = GBox(ctx, (0.62, 0.55, 0.72)[form], 0.97, stretch=0.3)
    bark = ctx.mat("trunk")
    needles = ctx.mat("primary")
    trunk_top = 0.78
    ctx.cv.rect("trunk", b.x(0.42), b.y(trunk_top), b.x(0.58), b.y(1.0), bark, shading="rim")
    n = 3 if (ctx.small or form == 2) else 4
    if ctx.large and form == 1:
        n = 5
    tiers = []
    foliage = np.zeros((ctx.h, ctx.w), bool)
    top = 0.0
    bottom = 0.86
    for i in range(n):
        f0 = i / n
        y0 = top + (bottom - top) * f0 * 0.92
        y1 = top + (bottom - top) * (i + 1) / n + (0.04 if i < n - 1 else 0)
        half = 0.2 + 0.3 * (i + 1) / n
        teeth = 3 if ctx.m < 40 else 5
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
    for i, (m, y0, y1, half) in enumerate(reversed(tiers)):
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
    if form == 2 and not ctx.icy:
        # pine cones
        cone = ctx.mat("fruit", (150, 92, 50))
        for _ in range(3):
            fx, fy = b.x(float(rng.uniform(0.3, 0.7))), b.y(float(rng.uniform(0.35, 0.75)))
            if foliage[int(fy), int(fx)]:
                ctx.cv.ellipse("cones", (fx, fy), (max(0.7, b.W * 0.035), max(1.0, b.H * 0.03)), cone)
    return {"_ground_parts": ["trunk"]}


def _bush(ctx: Ctx) -> dict:
    form, rng = ctx.form, ctx.rng
    b = GBox(ctx, (1.35, 1.15, 1.6)[form], (0.72, 0.8, 0.62)[form], stretch=0.5)
    leaves = ctx.mat("primary")
    blobs = [(0.5, 0.5, 0.36, 0.48), (0.24, 0.64, 0.24, 0.36), (0.76, 0.62, 0.24, 0.38), (0.36, 0.34, 0.22, 0.3),
             (0.64, 0.32, 0.22, 0.3)]
    px = []
    for cx, cy, rx, ry in blobs:
        px.append((b.x(cx + float(rng.uniform(-0.03, 0.03))), b.y(cy + float(rng.uniform(-0.03, 0.03))), rx * b.W,
                   ry * b.H))
    m = np.zeros((ctx.h, ctx.w), bool)
    sel = S.leaf_cluster(ctx, "foliage", leaves, px, light_center=b.p(0.5, 0.55), radii=(b.W * 0.55, b.H * 0.6))
    # flat bottom on the ground
    cut = sel & (ctx.pyc > b.bottom)
    ctx.cv.alpha[cut] = 0
    ctx.cv.part[cut] = -1
    m = sel & ~cut
    if form in (1, 2) and not ctx.small:
        acc = ctx.mat("accent", (220, 40, 60) if form == 1 else (250, 240, 120))
        k = 0
        for _ in range(30):
            fx, fy = b.x(float(rng.uniform(0.1, 0.9))), b.y(float(rng.uniform(0.15, 0.8)))
            if S.erode(m, 1)[int(fy), int(fx)]:
                r = max(0.7, b.s * (0.05 if form == 1 else 0.04))
                ctx.cv.ellipse("berries" if form == 1 else "flowers", (fx, fy), (r, r), acc,
                               highlight=form == 1)
                k += 1
                if k >= (4 if ctx.m < 40 else 8):
                    break
    if ctx.icy:
        _snow(ctx, m)
    return {}


def _vine(ctx: Ctx) -> dict:
    form, rng = ctx.form, ctx.rng
    b = GBox(ctx, 0.8, 1.0, stretch=0.8, top=True)
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
            sm |= S._shift_any(sm, 1, 0)
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
    form, rng = ctx.form, ctx.rng
    b = GBox(ctx, 3.0, (0.34, 0.4, 0.3)[form], stretch=0.0)
    moss = ctx.mat("primary")
    blobs = []
    n = 7 if not ctx.small else 4
    for i in range(n):
        fx = 0.08 + 0.84 * i / (n - 1)
        edge = 1.0 - abs(2 * fx - 1)              # lower toward the ends of the patch
        blobs.append((b.x(fx + float(rng.uniform(-0.03, 0.03))),
                      b.y(0.95 - 0.45 * edge + float(rng.uniform(-0.06, 0.06))),
                      b.W * float(rng.uniform(0.09, 0.13)), b.H * (0.3 + 0.4 * edge) * float(rng.uniform(0.9, 1.1))))
    blobs.append((b.x(0.5), b.y(0.9), b.W * 0.46, b.H * 0.3))
    m = S.leaf_cluster(ctx, "moss", moss, blobs, light_center=b.p(0.42, 0.7), radii=(b.W * 0.9, b.H * 1.1),
                       texture=True, clump=max(2.5, b.H * 0.35))
    cut = m & (ctx.pyc > b.bottom)
    ctx.cv.alpha[cut] = 0
    ctx.cv.part[cut] = -1
    m &= ~cut
    if not ctx.small:
        # little sprouts sticking out of the top
        sprout = np.zeros_like(m)
        for _ in range(4 if ctx.m < 48 else 7):
            fx = b.x(float(rng.uniform(0.15, 0.85)))
            ys = np.nonzero(m[:, int(fx)])[0]
            if ys.size:
                y = ys.min()
                sprout |= S.line(ctx, (fx, y), (fx + float(rng.uniform(-1, 1)), y - max(1.5, b.H * 0.3)))
        ctx.cv.mask("sprouts", sprout & ~m, ctx.mat("sprout", (150, 200, 80)), shading="flat")
    if form == 1 and not ctx.small:
        acc = ctx.mat("accent", (250, 240, 150))
        for _ in range(4):
            fx, fy = b.x(float(rng.uniform(0.2, 0.8))), b.y(float(rng.uniform(0.4, 0.8)))
            if m[int(fy), int(fx)]:
                ctx.cv.pixel(fx, fy, acc.base)
    elif form == 2 and not ctx.small:
        # a tiny toadstool growing out of the moss
        cap = ctx.mat("cap", (210, 70, 50))
        fx = b.x(0.68)
        ys = np.nonzero(m[:, int(fx)])[0]
        if ys.size:
            y = float(ys.min())
            sh = max(1.5, b.H * 0.3)
            ctx.cv.rect("mushroom", fx - 0.5, y - sh, fx + 0.5 + (ctx.m >= 48), y + 1, ctx.mat("stem", (236, 224, 200)),
                        shading="flat")
            cr = max(1.6, b.W * 0.05)
            cm = S.ellipse(ctx, (fx + 0.5, y - sh), (cr, cr * 0.8)) & (ctx.pyc < y - sh + 0.6)
            S.paint_sphere(ctx, "mushroom", cm, cap, (fx, y - sh - cr * 0.3), (cr, cr))
    if ctx.icy:
        _snow(ctx, ctx.cv.alpha > 0)
    return {}


def _flowers(ctx: Ctx) -> dict:
    form, rng = ctx.form, ctx.rng
    b = GBox(ctx, 1.0, 0.86, stretch=0.4)
    stem = ctx.mat("stem", (70, 140, 60))
    petal = ctx.mat("primary")
    petal2 = ctx.mat("secondary")
    centre = ctx.mat("center", (250, 210, 60))
    n = 3 if ctx.small else (5 if form != 2 else 4)
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
                k = 5 if form == 0 else 6
                for j in range(k):
                    a = math.tau * j / k + float(rng.uniform(0, 0.5))
                    m |= S.ellipse(ctx, (c[0] + r * 0.6 * math.cos(a), c[1] + r * 0.6 * math.sin(a)), (r * 0.5, r * 0.5))
                S.paint_sphere(ctx, "petals", m, mat, (c[0] - r * 0.2, c[1] - r * 0.2), (r * 1.1, r * 1.1), highlight=False)
            ctx.cv.ellipse("centers", c, (max(0.6, r * 0.35), max(0.6, r * 0.35)), centre, highlight=False)
    return {"_ground_parts": ["stems", "leaves"]}


def _mushroom(ctx: Ctx) -> dict:
    form, rng = ctx.form, ctx.rng
    b = GBox(ctx, 1.0, 0.92, stretch=0.3)
    cap = ctx.mat("primary")
    stemm = ctx.mat("stem", (240, 230, 206))
    spots = ctx.mat("spots", (250, 250, 246))
    shrooms = [(0.5, 1.0, 1.0)]
    if form == 1 and not ctx.small:
        shrooms = [(0.62, 1.0, 0.9), (0.2, 0.52, 0.45)]
    for cx, scale, _ in shrooms:
        cw = 0.5 * scale if form != 2 else 0.36 * scale
        ch = 0.5 * scale if form != 2 else 0.62 * scale

        def x(f: float, cx: float = cx, scale: float = scale) -> float:
            return b.x(cx + (f - 0.5) * scale)

        top = 1.0 - scale * 0.98
        cap_bot = top + ch
        # stem
        stw = 0.13 * scale
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
                    (0.5 + cw * 0.1, top + ch * 0.78)]
        if ctx.small:
            spots_at = spots_at[:3]
        for k, (fx, fy) in enumerate(spots_at):
            px, py = x(fx + float(rng.uniform(-0.03, 0.03))), b.y(fy)
            rr = sr * (1.0 if k == 0 else 0.8)
            sm = S.ellipse(ctx, (px, py), (rr, rr * 0.85)) & cm
            ctx.cv.mask("spots", sm, spots, shading="flat")
            if rr > 1.2:
                S.tone(ctx, S.edge_toward(sm, 1, 1) & sm, spots, SHADOW)
    if not ctx.small:
        _grass(ctx, b, 0.25, 0.75, height=0.08)
    return {"_ground_parts": ["stem"]}


# ---------------------------------------------------------------------------- stone
def _rock_poly(ctx: Ctx, b: GBox, cx: float, w: float, h: float, bottom: float, n: int = 9) -> list:
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
    form, rng = ctx.form, ctx.rng
    b = GBox(ctx, (1.3, 1.1, 1.5)[form], (0.74, 0.84, 0.66)[form], stretch=0.5)
    stone = ctx.mat("primary")
    rocks = [(0.5 if form != 2 else 0.42, 0.96 if form != 2 else 0.8, 1.0)]
    if form == 2:
        rocks.append((0.84, 0.3, 0.45))
    allm = np.zeros((ctx.h, ctx.w), bool)
    for cx, w, h in rocks:
        pts = _rock_poly(ctx, b, cx, w, h, 1.0, 9 if not ctx.small else 7)
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
        if not ctx.small:
            # a crack and a couple of pits
            c0 = b.p(cx + w * float(rng.uniform(-0.1, 0.15)), 1.0 - h * 0.95)
            c1 = b.p(cx + w * float(rng.uniform(0.0, 0.2)), 1.0 - h * 0.55)
            c2 = b.p(cx + w * float(rng.uniform(-0.05, 0.3)), 1.0 - h * 0.3)
            crack = S.polyline(ctx, [c0, c1, c2]) & S.erode(sel, 1)
            S.tone(ctx, crack, stone, OUTLINE)
            S.tone(ctx, S._shift_any(crack, -1, 0) & sel & ~crack, stone, LIGHT)
            pits = S.speckle(ctx, S.erode(sel, 1) & (t == BASE), 0.04)
            S.tone(ctx, pits, stone, SHADOW)
    if form == 1 or ctx.has("nature"):
        moss = ctx.mat("moss", (96, 160, 60))
        top = S.edge_toward(allm, 0, -1)
        mm = top.copy()
        for _ in range(2 if ctx.m < 48 else 3):
            mm |= S._shift_any(mm, 0, -1) & allm
        mm &= ctx.pxc < b.x(0.72)
        mm |= S.speckle(ctx, S._shift_any(mm, 0, -1) & allm, 0.5)
        ctx.cv.mask("moss", mm, moss, shading="flat")
        S.tone(ctx, mm & S.edge_toward(mm, 0, -1), moss, LIGHT)
    if ctx.icy:
        _snow(ctx, allm)
    return {}


def _crystals(ctx: Ctx) -> dict:
    form, rng = ctx.form, ctx.rng
    b = GBox(ctx, 1.0, 0.94, stretch=0.4)
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
    base_y = 0.9
    order = sorted(range(len(shards)), key=lambda i: abs(shards[i][1]), reverse=True)
    for i in order:
        bx, ang, ln, hw = shards[i]
        ang += float(rng.uniform(-5, 5))
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
        for _ in range(2):
            fx, fy = b.x(float(rng.uniform(0.3, 0.7))), b.y(float(rng.uniform(0.2, 0.6)))
            if ctx.cv.alpha[int(fy), int(fx)] and ctx.cv.part[int(fy), int(fx)] == ctx.cv.part_names.index("crystals"):
                ctx.cv.pixel(fx, fy, crystal.ramp[HIGHLIGHT])
    if ctx.icy:
        _snow(ctx, base)
    return {"_ground_parts": ["base"]}


def _tombstone(ctx: Ctx) -> dict:
    form, rng = ctx.form, ctx.rng
    b = GBox(ctx, (0.78, 0.7, 0.85)[form], 0.92, stretch=0.2)
    stone = ctx.mat("primary")
    if form == 1:   # cross-shaped marker on a plinth
        aw = 0.17
        m = S.rect(ctx, b.x(0.5 - aw), b.y(0.0), b.x(0.5 + aw), b.y(0.88))
        m |= S.rect(ctx, b.x(0.08), b.y(0.2), b.x(0.92), b.y(0.2 + aw * 2 * b.W / b.H))
    else:
        m = S.ellipse(ctx, b.p(0.5, 0.32), (b.W * 0.42, b.H * 0.32)) & (ctx.pyc < b.y(0.32))
        m |= S.rect(ctx, b.x(0.08), b.y(0.3), b.x(0.92), b.y(0.9))
        if form == 2:
            m = S.rect(ctx, b.x(0.08), b.y(0.06), b.x(0.92), b.y(0.9))
            m &= ~S.poly(ctx, b.pts([(0.0, 0.0), (0.25, 0.0), (0.0, 0.2)]))
            m &= ~S.poly(ctx, b.pts([(1.0, 0.0), (0.75, 0.0), (1.0, 0.2)]))
    t = S.sphere_tones(ctx, b.p(0.4, 0.3), (b.W * 0.6, b.H * 0.7), highlight=False)
    right = ctx.pxc > b.x(0.86)
    t[right & (t > SHADOW)] = SHADOW
    sel = S.paint_tones(ctx, "stone", m, stone, t)
    # plinth
    ctx.cv.rect("plinth", b.x(0.0), b.y(0.86), b.x(1.0), b.y(1.0), ctx.mat("plinth", (110, 110, 124)), inner="line")
    # engraving: a cross (forms 0/2) or lines
    if form != 1:
        cw = max(0.5, b.W * 0.05)
        cc = b.p(0.5, 0.4)
        eng = S.rect(ctx, cc[0] - cw, b.y(0.18), cc[0] + cw, b.y(0.62))
        eng |= S.rect(ctx, b.x(0.3), b.y(0.3) - cw, b.x(0.7), b.y(0.3) + cw)
        if form == 2 and not ctx.small:
            eng = np.zeros_like(eng)
            for fy in (0.28, 0.42, 0.56):
                eng |= S.rect(ctx, b.x(0.26), b.y(fy), b.x(0.74), b.y(fy) + 1)
        eng &= S.erode(sel, 1)
        S.tone(ctx, eng, stone, SHADOW)
        S.tone(ctx, eng & ~S._shift_any(eng, 1, 1), stone, OUTLINE)
        S.tone(ctx, S._shift_any(eng, 1, 1) & sel & ~eng, stone, LIGHT)
    if not ctx.small:
        n_cracks = 2 if ctx.dark else 1
        for _ in range(n_cracks):
            c0 = b.p(float(rng.uniform(0.7, 0.85)), float(rng.uniform(0.1, 0.3)))
            c1 = (c0[0] - b.W * 0.12, c0[1] + b.H * 0.15)
            c2 = (c1[0] + b.W * 0.06, c1[1] + b.H * 0.14)
            cr = S.polyline(ctx, [c0, c1, c2]) & sel
            S.tone(ctx, cr, stone, SHADOW)
        # moss at the base / top
        moss = ctx.mat("moss", (96, 150, 64))
        mm = S.speckle(ctx, sel & (ctx.pyc > b.y(0.8)) & S._shift_any(sel, 0, 2), 0.3)
        ctx.cv.mask("moss", mm, moss, shading="flat")
        _grass(ctx, b, -0.02, 1.02, height=0.1)
    if ctx.icy:
        _snow(ctx, ctx.cv.alpha > 0)
    return {}


# ---------------------------------------------------------------------------- wooden and built props
def _crate(ctx: Ctx) -> dict:
    form = ctx.form
    b = GBox(ctx, 1.0, 0.84, stretch=0.3)
    wood = ctx.mat("primary")
    frame = ctx.mat("frame", (120, 76, 42))
    box = S.rect(ctx, b.x(0.0), b.y(0.0), b.x(1.0), b.y(1.0))
    t = S.vgrad_tones(ctx, b.y(0.0), b.y(1.0))
    S.paint_tones(ctx, "planks", box, wood, t)
    if not ctx.small:
        S.planks(ctx, box, wood, horizontal=True, n=3 if ctx.m < 48 else 4, lo=b.y(0.0), hi=b.y(1.0))
    fw = max(1.0, b.s * 0.13)
    inner = S.rect(ctx, b.x(0.0) + fw, b.y(0.0) + fw, b.x(1.0) - fw, b.y(1.0) - fw)
    fm = box & ~inner
    ctx.cv.mask("frame", fm, frame, shading="rim", highlight=True)
    # brace
    bw = fw * 0.8
    braces = []
    braces.append([(b.x(0.0) + fw, b.y(1.0) - fw - bw * 0.7), (b.x(0.0) + fw, b.y(1.0) - fw),
                   (b.x(0.0) + fw + bw * 0.7, b.y(1.0) - fw), (b.x(1.0) - fw, b.y(0.0) + fw + bw * 0.7),
                   (b.x(1.0) - fw, b.y(0.0) + fw), (b.x(1.0) - fw - bw * 0.7, b.y(0.0) + fw)])
    if form == 1:
        braces.append([(b.x(0.0) + fw, b.y(0.0) + fw), (b.x(0.0) + fw + bw * 0.7, b.y(0.0) + fw),
                       (b.x(1.0) - fw, b.y(1.0) - fw - bw * 0.7), (b.x(1.0) - fw, b.y(1.0) - fw),
                       (b.x(1.0) - fw - bw * 0.7, b.y(1.0) - fw), (b.x(0.0) + fw, b.y(0.0) + fw + bw * 0.7)])
    for pts in braces:
        m = S.poly(ctx, pts) & inner
        ctx.cv.mask("brace", m, frame, shading="rim", highlight=True, inner="line")
    if form == 2:
        metal = ctx.mat("metal", (140, 140, 150))
        k = max(1.5, b.s * 0.2)
        for cx, cy in ((0, 0), (1, 0), (0, 1), (1, 1)):
            x0 = b.x(cx) - (k if cx else 0)
            y0 = b.y(cy) - (k if cy else 0)
            ctx.cv.rect("metal", x0, y0, x0 + k, y0 + k, metal, highlight=True, inner="line")
    if not ctx.small:
        for cx, cy in ((0, 0), (1, 0), (0, 1), (1, 1)):
            px = b.x(cx) + (fw * 0.5 if cx == 0 else -fw * 0.5)
            py = b.y(cy) + (fw * 0.5 if cy == 0 else -fw * 0.5)
            if form != 2:
                ctx.cv.pixel(px, py, frame.ramp[OUTLINE])
    if ctx.icy:
        _snow(ctx, ctx.cv.alpha > 0)
    return {}


def _barrel(ctx: Ctx) -> dict:
    form = ctx.form
    b = GBox(ctx, 0.76, 0.9, stretch=0.25)
    wood = ctx.mat("primary")
    metal = ctx.mat("metal")
    bulge = 0.08
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
        nst = 4 if ctx.m < 48 else 6
        for i in range(1, nst):
            f = i / nst
            # stave seams follow the bulge: x = centre + (f - .5) * width(y)
            u = (ctx.pyc - b.y(0.08)) / (b.H * 0.92)
            wy = 0.84 + 2 * bulge * (1 - (2 * u - 1) ** 2)
            xs = b.x(0.5) + (f - 0.5) * wy * b.W
            seam = sel & (np.abs(ctx.pxc - xs) < 0.5)
            S.tone(ctx, seam, wood, SHADOW if f < 0.7 else OUTLINE)
    # lid (top ellipse)
    lid = S.ellipse(ctx, b.p(0.5, 0.08), (b.W * 0.4, max(1.0, b.H * 0.065)))
    ctx.cv.mask("lid", lid, wood, shading="flat")
    S.tone(ctx, lid, wood, LIGHT)
    S.tone(ctx, S.edge_toward(lid, 0, -1), wood, SHADOW)
    # hoops
    hh = max(1.0, b.H * 0.07)
    ys = (0.2, 0.8) if form != 1 else (0.16, 0.5, 0.84)
    for fy in ys:
        cy = b.y(fy)
        sag = b.H * 0.02
        hm = S.poly(ctx, [(b.x(-0.1), cy - hh / 2), (b.x(0.5), cy - hh / 2 + sag), (b.x(1.1), cy - hh / 2),
                          (b.x(1.1), cy + hh / 2), (b.x(0.5), cy + hh / 2 + sag), (b.x(-0.1), cy + hh / 2)]) & sel
        tt = S.hgrad_tones(ctx, b.x(0.0), b.x(1.0), light_frac=0.3, shadow_frac=0.75, highlight=(0.18, 0.26))
        S.paint_tones(ctx, "hoops", hm, metal, tt, inner="line")
    if form == 2 and not ctx.small:
        # a tap / bung on the front
        ctx.cv.ellipse("staves", b.p(0.5, 0.55), (max(1.0, b.W * 0.07), max(1.0, b.W * 0.07)), ctx.mat("frame", (90, 60, 40)),
                       inner="line")
    if ctx.icy:
        _snow(ctx, ctx.cv.alpha > 0)
    return {}


def _pot(ctx: Ctx) -> dict:
    form = ctx.form
    b = GBox(ctx, (0.82, 0.62, 1.05)[form], (0.82, 0.94, 0.7)[form], stretch=0.2)
    clay = ctx.mat("primary")
    band = ctx.mat("secondary")
    neck_w = (0.28, 0.2, 0.36)[form]
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
    by = body_c[1] - body_r[1] * 0.15
    bh = max(1.0, b.H * 0.07)
    bm = S.rect(ctx, b.x(0.0), by, b.x(1.0), by + bh) & body
    tt = S.hgrad_tones(ctx, b.x(0.0), b.x(1.0))
    S.paint_tones(ctx, "band", bm, band, tt)
    if not ctx.small:
        zig = S.checker_dots(ctx, S.rect(ctx, b.x(0.0), by + bh + 1, b.x(1.0), by + bh + 2) & body, 3)
        S.tone(ctx, zig, band, BASE, part="band")
    if form == 1 and not ctx.small:
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
    form = ctx.form
    W, H = ctx.w - 2.0, ctx.h - 2.0
    b = GBox(ctx, W / (H * (0.7, 0.62, 0.76)[form]), (0.7, 0.62, 0.76)[form], wfill=0.98, stretch=0.0)
    wood = ctx.mat("primary")
    n = max(2, round(b.W / max(6.0, b.H * 0.55)))
    if ctx.small:
        n = 2
    pw = max(1.5, min(b.W * 0.13, b.H * 0.22))
    rails = (0.3, 0.68) if form != 1 else (0.25, 0.55)
    rh = max(1.0, b.H * 0.12)
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
        if form == 1:
            pts = [(xc - pw / 2, b.bottom), (xc - pw / 2, b.y(0.06)), (xc, b.y(0.0)), (xc + pw / 2, b.y(0.06)),
                   (xc + pw / 2, b.bottom)]
            m = S.poly(ctx, pts) | S.ellipse(ctx, (xc, b.y(0.0) + pw / 2), (pw / 2, pw / 2))
        else:
            pts = [(xc - pw / 2, b.bottom), (xc - pw / 2, b.y(0.0) + pw * 0.6), (xc, b.y(0.0)),
                   (xc + pw / 2, b.y(0.0) + pw * 0.6), (xc + pw / 2, b.bottom)]
            m = S.poly(ctx, pts)
        t = S.hgrad_tones(ctx, xc - pw / 2, xc + pw / 2, light_frac=0.34, shadow_frac=0.67)
        S.paint_tones(ctx, "posts", m, wood, t, inner="line")
        if not ctx.small:
            for fy in rails:
                ctx.cv.pixel(xc, b.y(fy) + rh / 2, wood.ramp[OUTLINE])
    if ctx.icy:
        _snow(ctx, ctx.cv.alpha > 0)
    if not ctx.small:
        _grass(ctx, b, 0.0, 1.0, height=0.14)
    return {"_ground_parts": ["posts"]}


def _signpost(ctx: Ctx) -> dict:
    form = ctx.form
    b = GBox(ctx, 0.95, 0.94, stretch=0.4)
    wood = ctx.mat("primary")
    post = ctx.mat("post", (120, 80, 48))
    ink = ctx.mat("ink", (70, 46, 34))
    pw = max(1.5, b.W * 0.12)
    if form == 2:   # hanging sign from an arm
        px = b.x(0.18)
        t = S.hgrad_tones(ctx, px - pw / 2, px + pw / 2)
        S.paint_tones(ctx, "post", S.rect(ctx, px - pw / 2, b.y(0.0), px + pw / 2, b.y(1.0)), post, t)
        ctx.cv.rect("post", px, b.y(0.04), b.x(0.95), b.y(0.04) + max(1.0, pw * 0.8), post, inner="line")
        y0, y1 = b.y(0.3), b.y(0.62)
        for fx in (0.42, 0.82):
            ctx.cv.mask("chains", S.line(ctx, (b.x(fx), b.y(0.08)), (b.x(fx), y0)), ctx.mat("chain", (70, 70, 80)),
                        shading="flat")
        board = S.rect(ctx, b.x(0.32), y0, b.x(0.92), y1)
    else:
        px = b.x(0.5)
        t = S.hgrad_tones(ctx, px - pw / 2, px + pw / 2)
        S.paint_tones(ctx, "post", S.rect(ctx, px - pw / 2, b.y(0.1), px + pw / 2, b.y(1.0)), post, t)
        if form == 1:   # two arrow boards pointing opposite ways
            a = b.pts([(0.05, 0.08), (0.8, 0.08), (0.96, 0.2), (0.8, 0.32), (0.05, 0.32)])
            c = b.pts([(0.95, 0.38), (0.2, 0.38), (0.04, 0.5), (0.2, 0.62), (0.95, 0.62)])
            board = S.poly(ctx, a) | S.poly(ctx, c)
            y0, y1 = b.y(0.08), b.y(0.62)
        else:
            y0, y1 = b.y(0.06), b.y(0.52)
            board = S.rect(ctx, b.x(0.02), y0, b.x(0.98), y1)
    t = S.vgrad_tones(ctx, y0, y1)
    sel = S.paint_tones(ctx, "board", board, wood, t, inner="line")
    if not ctx.small:
        if form == 0:
            S.planks(ctx, sel, wood, horizontal=True, n=2, lo=y0, hi=y1)
        # writing
        lines = np.zeros_like(sel)
        ys = np.unique(np.round(np.linspace(y0 + (y1 - y0) * 0.3, y1 - (y1 - y0) * 0.3, 2)))
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
        _grass(ctx, b, 0.3 if form != 2 else 0.02, 0.7 if form != 2 else 0.38, height=0.08)
    if ctx.icy:
        _snow(ctx, ctx.cv.alpha > 0)
    return {"_ground_parts": ["post"]}


def _campfire(ctx: Ctx) -> dict:
    form = ctx.form
    b = GBox(ctx, 1.0, 0.96, stretch=0.3)
    logm = ctx.mat("primary")
    stone = ctx.mat("stone", (130, 128, 140))
    ember = ctx.mat("ember", (250, 120, 40))
    # logs: crossed, ends toward the viewer
    lr = max(1.2, b.H * 0.08)
    ly = 0.86
    logs = [((0.14, ly - 0.02), (0.86, ly - 0.16)), ((0.86, ly - 0.02), (0.14, ly - 0.16))]
    if form == 1:   # teepee
        logs = [((0.2, ly + 0.04), (0.55, 0.4)), ((0.8, ly + 0.04), (0.45, 0.4)), ((0.5, ly + 0.06), (0.5, 0.42))]
    for p0, p1 in logs:
        ctx.cv.capsule("logs", b.p(*p0), b.p(*p1), lr, logm, inner="line")
        if not ctx.small and form != 1:
            ctx.cv.ellipse("logs", b.p(*p0), (lr * 0.8, lr * 0.8), ctx.mat("log_end", (214, 170, 110)), shading="flat")
    # flame
    fw = b.W * (0.3 if form != 2 else 0.22)
    fh = b.H * (0.8 if form != 2 else 0.62)
    base_y = b.y(ly - 0.06 if form != 1 else ly - 0.02)
    S.flame(ctx, "flame", b.x(0.5), base_y, fw, fh * 0.95)
    # stone ring in front
    if form != 1:
        n = 5 if not ctx.small else 3
        sr = (b.W * (0.5 / n) * 1.05, max(1.2, b.H * 0.085))
        for i in range(n):
            cx = b.x(0.5 / n + i / n)
            cy = b.bottom - sr[1]
            ctx.cv.ellipse("stones", (cx, cy), sr, stone, inner="line")
    elif not ctx.small:
        em = S.ellipse(ctx, b.p(0.5, 0.96), (b.W * 0.36, b.H * 0.05)) & (ctx.pyc < b.bottom)
        ctx.cv.mask("embers", em, ember, shading="flat", behind=True)
    return {"_ground_parts": ["stones", "logs"], "flame": (b.x(0.5), base_y - fh * 0.35)}


def _well(ctx: Ctx) -> dict:
    form = ctx.form
    b = GBox(ctx, 0.9, 0.96, stretch=0.3)
    stone = ctx.mat("primary")
    wood = ctx.mat("wood", (128, 86, 50))
    roof = ctx.mat("roof", (170, 60, 50))
    water = ctx.mat("water", (50, 90, 160))
    wall_top = 0.58
    # posts (behind the wall)
    pw = max(1.2, b.W * 0.08)
    for fx in (0.14, 0.86):
        t = S.hgrad_tones(ctx, b.x(fx) - pw / 2, b.x(fx) + pw / 2)
        S.paint_tones(ctx, "posts", S.rect(ctx, b.x(fx) - pw / 2, b.y(0.2), b.x(fx) + pw / 2, b.y(0.72)), wood, t)
    # crossbar, rope and bucket
    ctx.cv.rect("posts", b.x(0.12), b.y(0.27), b.x(0.88), b.y(0.27) + max(1.0, b.H * 0.04), wood, inner="line")
    rope_x = b.x(0.5)
    bucket_y = b.y(0.44)
    ctx.cv.mask("rope", S.line(ctx, (rope_x, b.y(0.3)), (rope_x, bucket_y)), ctx.mat("rope", (214, 190, 140)),
                shading="flat")
    if form != 2:
        bw_ = max(1.5, b.W * 0.1)
        ctx.cv.polygon("bucket", [(rope_x - bw_, bucket_y), (rope_x + bw_, bucket_y),
                                  (rope_x + bw_ * 0.75, bucket_y + bw_ * 1.3), (rope_x - bw_ * 0.75, bucket_y + bw_ * 1.3)],
                       wood, highlight=True)
    # stone wall: a cylinder front with a rim ellipse
    wall = S.rect(ctx, b.x(0.02), b.y(wall_top), b.x(0.98), b.y(1.0))
    wall |= S.ellipse(ctx, b.p(0.5, wall_top), (b.W * 0.48, b.H * 0.07))
    t = S.hgrad_tones(ctx, b.x(0.02), b.x(0.98), light_frac=0.3, shadow_frac=0.74)
    sel = S.paint_tones(ctx, "wall", wall, stone, t, inner="line")
    if not ctx.small:
        # brick courses
        course = max(2, round(b.H * 0.09))
        rows = ((ctx.yy - int(b.y(wall_top))) % course == 0)
        brick_w = max(3, round(b.W * 0.16))
        cols = ((ctx.xx + ((ctx.yy - int(b.y(wall_top))) // course) * (brick_w // 2)) % brick_w == 0)
        mortar = sel & (rows | cols) & (ctx.pyc > b.y(wall_top) + b.H * 0.07)
        S.tone(ctx, mortar, stone, SHADOW)
    # rim and dark water
    rim = S.ellipse(ctx, b.p(0.5, wall_top), (b.W * 0.48, max(1.5, b.H * 0.07)))
    ctx.cv.mask("wall", rim, stone, shading="flat")
    S.tone(ctx, rim, stone, LIGHT)
    hole = S.ellipse(ctx, b.p(0.5, wall_top + 0.005), (b.W * 0.38, max(0.8, b.H * 0.045)))
    ctx.cv.mask("water", hole, water, shading="flat")
    S.tone(ctx, hole & S.edge_toward(hole, 0, -1), water, OUTLINE)
    # roof
    if form == 1:
        rp = b.pts([(0.0, 0.26), (0.5, 0.0), (1.0, 0.26), (0.88, 0.26), (0.5, 0.06), (0.12, 0.26)])
        rp = b.pts([(-0.02, 0.27), (0.5, 0.0), (1.02, 0.27)])
    else:
        rp = b.pts([(0.0, 0.27), (0.2, 0.02), (0.8, 0.02), (1.0, 0.27)])
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
