"""Shared building blocks of the creature renderers (quadruped, winged, amorphous, serpentine).

Creatures are designed in *unit* coordinates (``x`` to the right, ``y`` down, the ground at
``y = 0`` for creatures that stand) and recorded on a :class:`Figure`: a list of shaded
shapes with a part name and a material. :meth:`Figure.fit` works out the scale and offset
that fit the figure's bounding box into the canvas (1-px margin left for the outline), and
:meth:`Figure.draw` rasterises the shapes at the target resolution, so the same design
reads at 16x16 and at 128x128. Radii never drop below ``min_px`` pixels, so thin limbs
stay one pixel wide on tiny canvases instead of vanishing.

Also here: :func:`tube` (a shaded sphere-swept spine with per-pixel arc length and side,
for tails, snakes, tentacles and torsos), eyes, colour helpers and :func:`finish`, which
renders the canvas and returns a :class:`~sprixen_engine.backends.base.RenderedSprite`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..base import RenderedSprite, SpriteSpec
from .canvas import BASE, HIGHLIGHT, LIGHT, OUTLINE, RGB, SHADOW, Material, PartCanvas
from .palettes import materials, resolve_colors

Pt = tuple[float, float]

MAX_COLORS = 32


# ---------------------------------------------------------------------------- colours
def look_colors(spec: SpriteSpec, look: Mapping, rng: np.random.Generator,
                recolorable: Sequence[str] = ("primary", "secondary")) -> dict[str, RGB]:
    """Resolve a subject's colour slots for ``spec``.

    ``look.colors`` holds the default slots. When ``look.variant_colors`` (a list of slot
    tables) is present, variant ``v > 0`` merges entry ``(v - 1) % len`` over the defaults
    (natural coat colours for real animals) instead of the generic hue rotation of
    :func:`~.palettes.resolve_colors`; prompt colours and style grading apply either way.
    """
    base = {k: tuple(v) for k, v in dict(look.get("colors", {})).items()}
    alts = look.get("variant_colors")
    variant = spec.variant
    if alts and variant > 0:
        base.update({k: tuple(v) for k, v in alts[(variant - 1) % len(alts)].items()})
        variant = 0
        rng.uniform()  # keep the stream position independent of the branch
    return resolve_colors(base, prompt_colors=spec.colors, recolorable=recolorable, styles=spec.style,
                          variant=variant, rng=rng)


def make_materials(colors: Mapping[str, RGB], styles: Sequence[str]) -> dict[str, Material]:
    return materials(colors, styles)


def darker(mat: Material) -> Material:
    """The far-side version of a material: every tone one step darker (reuses the ramp's colours)."""
    o, s, b, lt, _ = mat.ramp
    return Material((o, o, s, b, lt))


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(int(round(a[i] + (b[i] - a[i]) * t)) for i in range(3))  # type: ignore[return-value]


def styles_has(spec: SpriteSpec, *names: str) -> bool:
    return any(s in spec.style for s in names)


# ---------------------------------------------------------------------------- fitting
@dataclass
class Fit:
    """Unit → pixel transform: ``px = ox + s * x``, ``py = oy + s * y``."""

    s: float
    ox: float
    oy: float

    def p(self, pt: Pt) -> Pt:
        return (self.ox + pt[0] * self.s, self.oy + pt[1] * self.s)

    def r(self, r: float, min_px: float = 0.5) -> float:
        return max(r * self.s, min_px)

    def unit(self, px: float) -> float:
        """Pixels → units."""
        return px / self.s


@dataclass
class _Op:
    kind: str
    part: str
    args: tuple
    kw: dict
    mat: Material | None = None


@dataclass
class Figure:
    """A creature designed in unit coordinates, drawn later at the canvas resolution."""

    ops: list[_Op] = field(default_factory=list)
    pivots: dict[str, Pt] = field(default_factory=dict)
    extra_box: list[tuple[float, float, float, float]] = field(default_factory=list)

    # ------------------------------------------------------------------ recording
    def ellipse(self, part: str, c: Pt, r: Pt, mat: Material, *, angle: float = 0.0, min_px: float = 0.5,
                **kw) -> None:
        self.ops.append(_Op("ellipse", part, (c, r, angle, min_px), kw, mat))

    def capsule(self, part: str, p0: Pt, p1: Pt, r0: float, mat: Material, *, r1: float | None = None,
                min_px: float = 0.5, **kw) -> None:
        self.ops.append(_Op("capsule", part, (p0, p1, r0, r0 if r1 is None else r1, min_px), kw, mat))

    def poly(self, part: str, pts: Sequence[Pt], mat: Material, **kw) -> None:
        self.ops.append(_Op("poly", part, (list(pts),), kw, mat))

    def tube(self, part: str | Callable, pts: Sequence[Pt], radii: Sequence[float] | float, mat: Material,
             *, min_px: float = 0.5, **kw) -> None:
        """A sphere-swept spine; ``part`` may be a callable ``(TubeInfo) -> {part: mask}`` to split it."""
        r = np.broadcast_to(np.asarray(radii, float), (len(pts),)).copy()
        self.ops.append(_Op("tube", part if isinstance(part, str) else "", (list(pts), r, min_px, part), kw, mat))

    def custom(self, fn: Callable[[PartCanvas, Fit], None], box: tuple[float, float, float, float] | None = None
               ) -> None:
        """Run ``fn(canvas, fit)`` at this point of the drawing order (details, patterns, eyes)."""
        self.ops.append(_Op("custom", "", (fn,), {}))
        if box is not None:
            self.extra_box.append(box)

    def pivot(self, name: str, p: Pt) -> None:
        self.pivots[name] = p

    # ------------------------------------------------------------------ geometry
    def bbox(self) -> tuple[float, float, float, float]:
        xs0, ys0, xs1, ys1 = [], [], [], []
        for op in self.ops:
            if op.kind == "ellipse":
                (cx, cy), (rx, ry), ang, _ = op.args
                a = np.radians(ang)
                ex = float(np.hypot(rx * np.cos(a), ry * np.sin(a)))
                ey = float(np.hypot(rx * np.sin(a), ry * np.cos(a)))
                xs0.append(cx - ex), xs1.append(cx + ex), ys0.append(cy - ey), ys1.append(cy + ey)
            elif op.kind == "capsule":
                p0, p1, r0, r1, _ = op.args
                for (x, y), r in ((p0, r0), (p1, r1)):
                    xs0.append(x - r), xs1.append(x + r), ys0.append(y - r), ys1.append(y + r)
            elif op.kind == "poly":
                for x, y in op.args[0]:
                    xs0.append(x), xs1.append(x), ys0.append(y), ys1.append(y)
            elif op.kind == "tube":
                pts, r = op.args[0], op.args[1]
                a = np.asarray(pts, float)
                xs0.append(float((a[:, 0] - r).min())), xs1.append(float((a[:, 0] + r).max()))
                ys0.append(float((a[:, 1] - r).min())), ys1.append(float((a[:, 1] + r).max()))
        for x0, y0, x1, y1 in self.extra_box:
            xs0.append(x0), ys0.append(y0), xs1.append(x1), ys1.append(y1)
        return min(xs0), min(ys0), max(xs1), max(ys1)

    def fit(self, h: int, w: int, *, anchor: str = "ground", fill: float = 1.0, max_fill_h: float = 1.0) -> Fit:
        """Scale/offset that fit the figure into an ``(h, w)`` canvas with a 1-px outline margin.

        ``anchor="ground"`` puts ``y = 0`` ... the bottom of the box on the last drawable row;
        ``"center"`` centres vertically. ``fill`` shrinks the figure (0..1) for floating subjects.
        """
        x0, y0, x1, y1 = self.bbox()
        bw, bh = max(x1 - x0, 1e-6), max(y1 - y0, 1e-6)
        aw, ah = w - 2.0, h - 2.0
        s = min(aw / bw, ah * max_fill_h / bh) * fill
        ox = 1.0 + (aw - bw * s) / 2.0 - x0 * s
        if anchor == "ground":
            oy = (h - 1.0) - y1 * s
        else:
            oy = 1.0 + (ah - bh * s) / 2.0 - y0 * s
        # snap to a quarter pixel so the rasterisation is stable
        return Fit(s, round(ox * 4) / 4, round(oy * 4) / 4)

    # ------------------------------------------------------------------ drawing
    def draw(self, cv: PartCanvas, fit: Fit) -> dict[str, np.ndarray]:
        """Rasterise all recorded ops in order; returns the painted mask of every named tube."""
        tubes: dict[str, TubeInfo] = {}
        for op in self.ops:
            kw = op.kw
            if op.kind == "ellipse":
                c, (rx, ry), ang, mn = op.args
                cv.ellipse(op.part, fit.p(c), (fit.r(rx, mn), fit.r(ry, mn)), op.mat, angle=ang, **kw)
            elif op.kind == "capsule":
                p0, p1, r0, r1, mn = op.args
                cv.capsule(op.part, fit.p(p0), fit.p(p1), fit.r(r0, mn), op.mat, r1=fit.r(r1, mn), **kw)
            elif op.kind == "poly":
                cv.polygon(op.part, [fit.p(p) for p in op.args[0]], op.mat, **kw)
            elif op.kind == "tube":
                pts, r, mn, splitter = op.args
                ppx = [fit.p(p) for p in pts]
                rpx = np.maximum(r * fit.s, mn)
                info = tube_info(cv.h, cv.w, ppx, rpx)
                paint_tube(cv, info, op.part if isinstance(splitter, str) else splitter, op.mat, **kw)
                tubes[op.part or f"tube{len(tubes)}"] = info
            elif op.kind == "custom":
                op.args[0](cv, fit)
        return tubes


# ---------------------------------------------------------------------------- tubes
@dataclass
class TubeInfo:
    """Per-pixel coordinates of a sphere-swept spine (only meaningful inside ``mask``).

    s : arc length (pixels) from the first spine point; ``t``: s / total length (0..1);
    nx, ny : unit normal of the surface in the image plane (toward the pixel);
    u : distance from the spine / local radius (0 on the axis, 1 at the rim);
    lum : lighting term from the canvas light (top-left).
    """

    mask: np.ndarray
    s: np.ndarray
    t: np.ndarray
    nx: np.ndarray
    ny: np.ndarray
    u: np.ndarray
    lum: np.ndarray
    length: float
    pts: np.ndarray
    radii: np.ndarray


def resample(pts: Sequence[Pt], n: int) -> np.ndarray:
    """Catmull-Rom spline through ``pts`` sampled at ``n`` points (endpoints kept)."""
    p = np.asarray(pts, float)
    if len(p) < 3:
        t = np.linspace(0, 1, n)[:, None]
        return p[0] * (1 - t) + p[-1] * t
    ext = np.vstack([2 * p[0] - p[1], p, 2 * p[-1] - p[-2]])
    segs = len(p) - 1
    u = np.linspace(0, segs, n)
    i = np.minimum(u.astype(int), segs - 1)
    f = (u - i)[:, None]
    p0, p1, p2, p3 = ext[i], ext[i + 1], ext[i + 2], ext[i + 3]
    return 0.5 * ((2 * p1) + (-p0 + p2) * f + (2 * p0 - 5 * p1 + 4 * p2 - p3) * f * f
                  + (-p0 + 3 * p1 - 3 * p2 + p3) * f * f * f)


_LIGHT3 = None


def tube_info(h: int, w: int, pts: Sequence[Pt], radii: np.ndarray, light=(-0.55, -0.8)) -> TubeInfo:
    """Rasterise a tapered poly-line tube (pixel coordinates) and its per-pixel frame."""
    p = np.asarray(pts, float)
    r = np.asarray(radii, float)
    x0 = int(max(0, np.floor((p[:, 0] - r).min())))
    x1 = int(min(w, np.ceil((p[:, 0] + r).max()) + 1))
    y0 = int(max(0, np.floor((p[:, 1] - r).min())))
    y1 = int(min(h, np.ceil((p[:, 1] + r).max()) + 1))
    full = np.zeros((h, w), bool)
    zeros = np.zeros((h, w), np.float32)
    seglen = np.hypot(*(p[1:] - p[:-1]).T)
    cum = np.concatenate([[0.0], np.cumsum(seglen)])
    total = float(cum[-1]) or 1.0
    if x1 <= x0 or y1 <= y0:
        return TubeInfo(full, zeros, zeros, zeros, zeros, zeros, zeros, total, p, r)
    yy, xx = np.mgrid[y0:y1, x0:x1]
    px = (xx.ravel() + 0.5)[:, None]
    py = (yy.ravel() + 0.5)[:, None]
    a = p[:-1]
    d = p[1:] - p[:-1]
    dd = np.maximum((d * d).sum(1), 1e-9)
    tt = np.clip(((px - a[:, 0]) * d[:, 0] + (py - a[:, 1]) * d[:, 1]) / dd, 0.0, 1.0)
    qx = a[:, 0] + tt * d[:, 0]
    qy = a[:, 1] + tt * d[:, 1]
    dist = np.hypot(px - qx, py - qy)
    rr = r[:-1] + tt * (r[1:] - r[:-1])
    score = dist - rr
    k = score.argmin(1)
    idx = np.arange(len(k))
    inside = score[idx, k] <= 0.0
    dk = dist[idx, k]
    rk = np.maximum(rr[idx, k], 1e-6)
    vx = (px[:, 0] - qx[idx, k])
    vy = (py[:, 0] - qy[idx, k])
    n = np.maximum(dk, 1e-9)
    nx, ny = vx / n, vy / n
    # on the axis: use the segment's normal pointing up
    axis = dk < 1e-6
    sx, sy = d[k, 0] / np.sqrt(dd[k]), d[k, 1] / np.sqrt(dd[k])
    nx = np.where(axis, sy, nx)
    ny = np.where(axis, -sx, ny)
    u = np.clip(dk / rk, 0.0, 1.0)
    lx, ly = light
    lz = 0.9
    ln = np.sqrt(lx * lx + ly * ly + lz * lz)
    lum = (u * (nx * lx + ny * ly) + np.sqrt(1 - u * u) * lz) / ln
    s = cum[k] + tt[idx, k] * seglen[k]

    def put(v: np.ndarray) -> np.ndarray:
        out = np.zeros((h, w), np.float32)
        out[y0:y1, x0:x1] = v.reshape(y1 - y0, x1 - x0)
        return out

    full[y0:y1, x0:x1] = inside.reshape(y1 - y0, x1 - x0)
    return TubeInfo(full, put(s), put(s / total), put(nx), put(ny), put(u), put(lum), total, p, r)


def lum_tones(lum: np.ndarray, highlight: bool = False) -> np.ndarray:
    t = np.full(lum.shape, BASE, np.int8)
    t[lum < 0.42] = SHADOW
    t[lum > 0.80] = LIGHT
    if highlight:
        t[lum > 0.95] = HIGHLIGHT
    return t


def paint_tones(cv: PartCanvas, part: str, mask: np.ndarray, mat: Material, tones: np.ndarray, *,
                behind: bool = False, inner: str | None = None) -> np.ndarray:
    """Paint ``mask`` owned by ``part``/``mat`` with a per-pixel tone index array."""
    if not mask.any():
        return mask
    full = np.where(mask, tones, -1).astype(np.int8)
    return cv._paint(part, mask, mat, full, inner=inner, behind=behind)  # noqa: SLF001


def paint_tube(cv: PartCanvas, info: TubeInfo, part: str | Callable, mat: Material, *,
               highlight: bool = False, behind: bool = False, inner: str | None = None,
               belly: Material | None = None, belly_min: float = 0.45) -> None:
    """Paint a tube; ``belly`` paints the downward-facing side with a second material."""
    tones = lum_tones(info.lum, highlight)
    parts = part(info) if callable(part) else {part: info.mask}
    for name, m in parts.items():
        m = m & info.mask
        if belly is not None:
            b = m & (info.ny * info.u > belly_min)
            paint_tones(cv, name, m & ~b, mat, tones, behind=behind, inner=inner)
            paint_tones(cv, name, b, belly, np.maximum(tones, BASE), behind=behind, inner=inner)
        else:
            paint_tones(cv, name, m, mat, tones, behind=behind, inner=inner)


# ---------------------------------------------------------------------------- details
def eye(cv: PartCanvas, fit: Fit, c: Pt, r: float, pupil: RGB, *, white: RGB | None = None,
        glint: RGB | None = (255, 255, 255), iris: RGB | None = None, part: str | None = None,
        big: bool = False) -> None:
    """A readable eye at unit centre ``c`` with unit radius ``r``.

    Tiny eyes are one dark pixel; from ~1.5 px radius the eye gets a glint, and ``big`` eyes
    (cute style, owls, slimes) get a white sclera, an iris and a glint.
    """
    x, y = fit.p(c)
    rp = r * fit.s
    if rp < 0.95 or (rp < 1.4 and not big):
        cv.pixel(x, y, pupil, part=part)
        return
    if big and white is not None and rp >= 1.4:
        m = cv.ellipse_mask((x, y), (rp, rp * 1.1))
        cv.detail(m, white, part=part, only_on=False)
        pr = max(rp * 0.62, 0.75)
        pm = cv.ellipse_mask((x + rp * 0.2, y + rp * 0.1), (pr, pr * 1.15)) & m
        cv.detail(pm, iris or pupil, part=part, only_on=False)
        if iris is not None and pr >= 1.5:
            cv.detail(cv.ellipse_mask((x + rp * 0.25, y + rp * 0.15), (pr * 0.5, pr * 0.6)) & m, pupil,
                      part=part, only_on=False)
        if glint is not None:
            cv.pixel(x + rp * 0.2 - pr * 0.45, y - pr * 0.45, glint, part=part)
        return
    m = cv.ellipse_mask((x, y), (max(rp * 0.8, 0.75), max(rp, 0.9)))
    cv.detail(m, iris or pupil, part=part, only_on=False)
    if iris is not None and rp >= 2.2:
        cv.detail(cv.ellipse_mask((x + rp * 0.15, y + rp * 0.1), (rp * 0.45, rp * 0.6)) & m, pupil, part=part,
                  only_on=False)
    if glint is not None and rp >= 1.4:
        cv.pixel(x - rp * 0.25, y - rp * 0.45, glint, part=part)


def zigzag(p0: Pt, p1: Pt, n: int, height: float, *, side: float = -1.0, phase: float = 0.0) -> list[Pt]:
    """Points of ``n`` spikes along the segment ``p0``→``p1`` (spikes on the left-hand normal × side)."""
    x0, y0 = p0
    x1, y1 = p1
    dx, dy = x1 - x0, y1 - y0
    ln = float(np.hypot(dx, dy)) or 1.0
    nx, ny = dy / ln * side, -dx / ln * side
    pts = []
    for i in range(2 * n + 1):
        f = i / (2 * n)
        k = height if i % 2 else 0.0
        pts.append((x0 + dx * f + nx * k + dx / ln * phase, y0 + dy * f + ny * k + dy / ln * phase))
    return pts


# ---------------------------------------------------------------------------- output
def limit_colors(rgba: np.ndarray, max_colors: int = MAX_COLORS) -> np.ndarray:
    """Merge the rarest opaque colours into their nearest kept colour until ``max_colors`` remain."""
    a = rgba[..., 3] > 0
    rgb = rgba[..., :3][a].astype(np.int32)
    key = (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
    uniq, inv, counts = np.unique(key, return_inverse=True, return_counts=True)
    if len(uniq) <= max_colors:
        return rgba
    cols = np.stack([(uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255], 1).astype(np.float32)
    order = np.argsort(-counts, kind="stable")
    keep, drop = order[:max_colors], order[max_colors:]
    d = ((cols[drop][:, None, :] - cols[keep][None, :, :]) ** 2).sum(-1)
    remap = np.arange(len(uniq))
    remap[drop] = keep[d.argmin(1)]
    out = rgba.copy()
    out[..., :3][a] = cols[remap[inv.ravel()]].astype(np.uint8)
    return out


def finish(cv: PartCanvas, pivots: Mapping[str, Pt], fit: Fit | None, *, facing: str = "right",
           outline: bool = True) -> RenderedSprite:
    """Render the canvas (outline on), cap the palette, map pivots to pixels and pack the result."""
    rgba, parts = cv.render(outline=outline)
    rgba = limit_colors(rgba)
    h, w = cv.h, cv.w
    piv: dict[str, tuple[float, float]] = {}
    for name, p in pivots.items():
        x, y = fit.p(p) if fit is not None else p
        piv[name] = (float(min(max(x, 0.0), w - 0.01)), float(min(max(y, 0.0), h - 0.01)))
    a = rgba[..., 3] > 0
    cols = rgba[..., :3][a]
    palette = sorted({tuple(int(v) for v in c) for c in np.unique(cols, axis=0)}) if cols.size else []
    return RenderedSprite(rgba=rgba, parts=parts, pivots=piv, facing=facing, palette=palette)  # type: ignore[arg-type]


def jitter(rng: np.random.Generator, v: float, amount: float) -> float:
    """``v`` scaled by a random factor in ``[1 - amount, 1 + amount]``."""
    return float(v * (1.0 + rng.uniform(-amount, amount)))


def pick(rng: np.random.Generator, options: Sequence, k: int = 1) -> list:
    if not options or k <= 0:
        return []
    k = min(k, len(options))
    idx = rng.choice(len(options), size=k, replace=False)
    return [options[int(i)] for i in sorted(idx)]


__all__ = [
    "BASE", "HIGHLIGHT", "LIGHT", "OUTLINE", "SHADOW", "Figure", "Fit", "Material", "PartCanvas", "TubeInfo",
    "darker", "eye", "finish", "jitter", "limit_colors", "look_colors", "make_materials", "mix", "paint_tones",
    "paint_tube", "pick", "resample", "styles_has", "tube_info", "zigzag",
]
