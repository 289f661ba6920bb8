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

import colorsys
import math
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ...core.palette import merge_rare_colors, to_lab
from ..base import RenderedSprite, SpriteSpec
from .canvas import BASE, HIGHLIGHT, LIGHT, OUTLINE, RGB, SHADOW, Material, PartCanvas
from .palettes import resolve_colors, style_contrast

Pt = tuple[float, float]

MAX_COLORS = 32


# ---------------------------------------------------------------------------- colours
def look_colors(
    spec: SpriteSpec,
    look: Mapping,
    rng: np.random.Generator,
    recolorable: Sequence[str] = ("primary", "secondary"),
    nudged: Sequence[str] = ("primary", "secondary", "belly", "wing"),
) -> dict[str, RGB]:
    """Resolve a subject's colour slots for ``spec``.

    ``look.colors`` holds the default slots and ``look.alt_colors`` (a list of slot tables) the
    natural alternatives (coats, scale colours ...): consecutive request seeds cycle through
    the ``1 + len(alt_colors)`` colourings (from a per-subject start) and the variants of a
    request take the next ones, so they never share a colouring. When the prompt names a colour,
    the colouring whose primary is nearest to it (CIE Lab) is used for every variant instead. Without ``alt_colors`` variants get the
    generic hue rotation of :func:`~.palettes.resolve_colors`. Prompt colours and style
    grading apply either way; the ``nudged`` slots the prompt did not fix then get a small
    per-seed shift of hue, lightness and saturation.
    """
    base = {k: tuple(v) for k, v in dict(look.get("colors", {})).items()}
    coats = [{}, *look.get("alt_colors", [])]
    variant = spec.variant
    if len(coats) > 1:
        i = (zlib.crc32(spec.subject.encode()) + request_seed(spec) + variant) % len(coats)
        if spec.colors:  # "a red dragon": the colouring whose primary is nearest the named colour
            primaries = np.array([coat.get("primary", base.get("primary", (128, 128, 128))) for coat in coats],
                                 np.uint8)
            named = to_lab(np.array(spec.colors[:1], np.uint8))
            i = int(np.argmin(((to_lab(primaries) - named) ** 2).sum(axis=1)))
        base.update({k: tuple(v) for k, v in coats[i].items()})
        variant = 0
    colors = resolve_colors(
        base, prompt_colors=spec.colors, recolorable=recolorable, styles=spec.style, variant=variant, rng=rng
    )
    fixed = set(recolorable[: len(spec.colors)])
    dh, dl, ds = rng.uniform(-1.0, 1.0, 3)
    for k in nudged:
        if k in colors and k not in fixed:
            colors[k] = _nudge(colors[k], dh * 0.012, dl * 0.035, 1.0 + ds * 0.08)
    return colors


def _nudge(rgb: RGB, dh: float, dl: float, sm: float) -> RGB:
    h, lum, s = colorsys.rgb_to_hls(*(c / 255.0 for c in rgb))
    r, g, b = colorsys.hls_to_rgb((h + dh) % 1.0, min(1.0, max(0.0, lum + dl)), min(1.0, s * sm))
    return (round(r * 255), round(g * 255), round(b * 255))


def make_materials(colors: Mapping[str, RGB], styles: Sequence[str]) -> dict[str, Material]:
    """:func:`~.palettes.materials` with a cache (ramps are pure functions of colour and style)."""
    return {k: _material(tuple(v), tuple(styles), k in _GLOSSY) for k, v in colors.items()}


_GLOSSY = ("metal", "steel", "gold", "gem", "glass", "blade")


@lru_cache(maxsize=4096)
def _material(rgb: RGB, styles: tuple[str, ...], glossy: bool) -> Material:
    return Material.from_base(rgb, contrast=style_contrast(styles), glossy=glossy)


def darker(mat: Material) -> Material:
    """The far-side version of a material: every tone one step darker (reuses the ramp's colours)."""
    o, s, b, lt, _ = mat.ramp
    return Material((o, o, s, b, lt))


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(a[i] + (b[i] - a[i]) * t) for i in range(3))  # type: ignore[return-value]


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
    def ellipse(
        self, part: str, c: Pt, r: Pt, mat: Material, *, angle: float = 0.0, min_px: float = 0.5, **kw
    ) -> None:
        self.ops.append(_Op("ellipse", part, (c, r, angle, min_px), kw, mat))

    def capsule(
        self,
        part: str,
        p0: Pt,
        p1: Pt,
        r0: float,
        mat: Material,
        *,
        r1: float | None = None,
        min_px: float = 0.5,
        **kw,
    ) -> None:
        self.ops.append(_Op("capsule", part, (p0, p1, r0, r0 if r1 is None else r1, min_px), kw, mat))

    def poly(
        self, part: str, pts: Sequence[Pt], mat: Material, *, sphere: tuple[Pt, Pt] | None = None, **kw
    ) -> None:
        """A polygon; ``sphere=(center, radii)`` (units) lights it like that ellipsoid, not ``shading``."""
        self.ops.append(_Op("poly", part, (list(pts), sphere), kw, mat))

    def tube(
        self,
        part: str | Callable,
        pts: Sequence[Pt],
        radii: Sequence[float] | float,
        mat: Material,
        *,
        min_px: float = 0.5,
        post: Callable | None = None,
        **kw,
    ) -> None:
        """A sphere-swept spine.

        ``part`` may be a callable ``(TubeInfo) -> [(part, mask, material or None), ...]`` that
        splits the tube into parts / colours (e.g. a white tail tip, head/body/tail of a snake).
        ``post(canvas, info, fit)`` runs right after the tube is painted (patterns, scales).
        """
        r = np.broadcast_to(np.asarray(radii, float), (len(pts),)).copy()
        self.ops.append(
            _Op("tube", part if isinstance(part, str) else "", (list(pts), r, min_px, part, post), kw, mat)
        )

    def tubes(
        self,
        part: str | Callable,
        lines: Sequence[Sequence[Pt]],
        radii: Sequence,
        mat: Material,
        *,
        min_px: float = 0.5,
        post: Callable | None = None,
        **kw,
    ) -> None:
        """Several tubes of one part and material (tentacles, streamers) rasterised in one pass."""
        rs = [
            np.broadcast_to(np.asarray(rr, float), (len(q),)).copy()
            for q, rr in zip(lines, radii, strict=True)
        ]
        kw["_multi"] = True
        args = ([list(q) for q in lines], rs, min_px, part, post)
        self.ops.append(_Op("tube", part if isinstance(part, str) else "", args, kw, mat))

    def custom(
        self, fn: Callable[[PartCanvas, Fit], None], box: tuple[float, float, float, float] | None = None
    ) -> None:
        """Run ``fn(canvas, fit)`` at this point of the drawing order (details, patterns, eyes)."""
        self.ops.append(_Op("custom", "", (fn,), {}))
        if box is not None:
            self.extra_box.append(box)

    def eye(self, c: Pt, r: float, pupil: RGB, **kwargs) -> None:
        """Draw :func:`eye` at figure point ``c`` with radius ``r`` at this point of the drawing order."""
        self.custom(lambda cv, fit: eye(cv, fit, c, r, pupil, **kwargs))

    def pivot(self, name: str, p: Pt) -> None:
        self.pivots[name] = p

    # ------------------------------------------------------------------ geometry
    def bbox(self) -> tuple[float, float, float, float]:
        key = (len(self.ops), len(self.extra_box))
        cached = getattr(self, "_bbox_cache", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        out = self._bbox()
        self._bbox_cache = (key, out)
        return out

    def _bbox(self) -> tuple[float, float, float, float]:
        xs0, ys0, xs1, ys1 = [], [], [], []
        for op in self.ops:
            kind = op.kind
            if kind == "ellipse":
                (cx, cy), (rx, ry), ang, _ = op.args
                if ang:
                    a = math.radians(ang)
                    ex = math.hypot(rx * math.cos(a), ry * math.sin(a))
                    ey = math.hypot(rx * math.sin(a), ry * math.cos(a))
                else:
                    ex, ey = rx, ry
                xs0.append(cx - ex)
                xs1.append(cx + ex)
                ys0.append(cy - ey)
                ys1.append(cy + ey)
            elif kind == "capsule":
                (ax, ay), (bx, by), r0, r1, _ = op.args
                xs0.append(min(ax - r0, bx - r1))
                xs1.append(max(ax + r0, bx + r1))
                ys0.append(min(ay - r0, by - r1))
                ys1.append(max(ay + r0, by + r1))
            elif kind == "poly":
                pts = op.args[0]
                xs = [q[0] for q in pts]
                ys = [q[1] for q in pts]
                xs0.append(min(xs))
                xs1.append(max(xs))
                ys0.append(min(ys))
                ys1.append(max(ys))
            elif kind == "tube":
                multi = op.kw.get("_multi", False)
                for q, r in zip(op.args[0], op.args[1], strict=True) if multi else [(op.args[0], op.args[1])]:
                    a = np.asarray(q, float)
                    xs0.append(float((a[:, 0] - r).min()))
                    xs1.append(float((a[:, 0] + r).max()))
                    ys0.append(float((a[:, 1] - r).min()))
                    ys1.append(float((a[:, 1] + r).max()))
        for x0, y0, x1, y1 in self.extra_box:
            xs0.append(x0)
            ys0.append(y0)
            xs1.append(x1)
            ys1.append(y1)
        return min(xs0), min(ys0), max(xs1), max(ys1)

    def fit(
        self, h: int, w: int, *, anchor: str = "ground", fill: float = 1.0, max_fill_h: float = 1.0
    ) -> Fit:
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
    def draw_fitted(self, h: int, w: int, **fit_kw) -> tuple[PartCanvas, Fit]:
        """Fit (see :meth:`fit`) and draw on a new ``(h, w)`` canvas, shrinking the figure a
        little when it would touch a corner (wing tips, tail fins): corners stay transparent."""
        for fill in (1.0, 0.92, 0.85):
            fit = self.fit(h, w, fill=fill, **fit_kw)
            cv = PartCanvas(h, w)
            self.draw(cv, fit)
            if corners_clear(cv):
                break
        return cv, fit

    def draw(self, cv: PartCanvas, fit: Fit) -> dict[str, np.ndarray]:
        """Rasterise all recorded ops in order; returns the painted mask of every named tube."""
        tubes: dict[str, TubeInfo] = {}
        for op in self.ops:
            kw = op.kw
            if op.kind == "ellipse":
                c, (rx, ry), ang, mn = op.args
                paint_ellipse(cv, op.part, fit.p(c), (fit.r(rx, mn), fit.r(ry, mn)), op.mat, angle=ang, **kw)
            elif op.kind == "capsule":
                p0, p1, r0, r1, mn = op.args
                paint_capsule(cv, op.part, fit.p(p0), fit.p(p1), fit.r(r0, mn), fit.r(r1, mn), op.mat, **kw)
            elif op.kind == "poly":
                pts, sph = op.args
                if sph is not None:
                    sph = (fit.p(sph[0]), (sph[1][0] * fit.s, sph[1][1] * fit.s))
                paint_poly(cv, op.part, [fit.p(p) for p in pts], op.mat, sphere=sph, **kw)
            elif op.kind == "tube":
                pts, r, mn, splitter, post = op.args
                multi = op.kw.get("_multi", False)
                kw = {k: v for k, v in kw.items() if k != "_multi"}
                lines = list(zip(pts, r, strict=True)) if multi else [(pts, r)]
                ppx_all, rpx_all = [], []
                for q, rr in lines:
                    ppx = np.array([fit.p(v) for v in q])
                    rpx = np.maximum(np.asarray(rr, float) * fit.s, mn)
                    # no need for segments much shorter than ~2.5 px: thin the samples out
                    length = float(np.hypot(*(ppx[1:] - ppx[:-1]).T).sum())
                    want = max(4, int(length / 2.5) + 1)
                    if len(ppx) > want:
                        keep = np.unique(np.round(np.linspace(0, len(ppx) - 1, want)).astype(int))
                        ppx, rpx = ppx[keep], rpx[keep]
                    ppx_all.append(ppx)
                    rpx_all.append(rpx)
                info = tube_info(cv, ppx_all if multi else ppx_all[0], rpx_all if multi else rpx_all[0])
                paint_tube(cv, info, op.part if isinstance(splitter, str) else splitter, op.mat, **kw)
                if post is not None:
                    post(cv, info, fit)
                tubes[op.part or f"tube{len(tubes)}"] = info
            elif op.kind == "custom":
                op.args[0](cv, fit)
        return tubes


# ---------------------------------------------------------------------------- shapes
# ``PartCanvas`` paints polygons and large ellipses itself (public methods); the helpers below
# add what it lacks: ellipses that stay round when tiny, capsules that taper smoothly and stay
# an unbroken line when hair-thin, and any mask lit like a sphere or a cylinder.
def _cv2_round(rx: float, ry: float, angle: float) -> bool:
    """Whether ``cv2`` rasterises this ellipse well (not a diamond / plus sign)."""
    return min(rx, ry) >= 4.0 or (min(rx, ry) >= 3.0 and angle == 0.0)


def disc(cv: PartCanvas, c: Pt, rx: float, ry: float | None = None, angle: float = 0.0) -> np.ndarray:
    """An ellipse mask (pixel coordinates) that stays round when small.

    ``cv2`` rasterises ellipses of 1–3 px radius as diamonds/plus signs; small ones are
    tested at pixel centres with a slightly inflated radius instead.
    """
    ry = rx if ry is None else ry
    if _cv2_round(rx, ry, angle):
        return cv.ellipse_mask(c, (rx, ry), angle)
    x, y = c
    ex, ey = (max(rx, ry),) * 2 if angle else (rx, ry)
    x0, x1 = max(0, int(np.floor(x - ex - 1))), min(cv.w, int(np.ceil(x + ex + 1)))
    y0, y1 = max(0, int(np.floor(y - ey - 1))), min(cv.h, int(np.ceil(y + ey + 1)))
    m = np.zeros((cv.h, cv.w), bool)
    if x1 <= x0 or y1 <= y0:
        return m
    xx, yy = _grid(x0, x1, y0, y1)
    dx, dy = xx - x, yy - y
    if angle:
        a = np.radians(angle)
        dx, dy = dx * np.cos(a) + dy * np.sin(a), -dx * np.sin(a) + dy * np.cos(a)
    ax, ay = max(rx, 0.5) + 0.3, max(ry, 0.5) + 0.3
    m[y0:y1, x0:x1] = (dx / ax) ** 2 + (dy / ay) ** 2 <= 1.0
    if not m.any():
        xi, yi = int(np.floor(x)), int(np.floor(y))
        if 0 <= xi < cv.w and 0 <= yi < cv.h:
            m[yi, xi] = True
    return m


def capsule_px(cv: PartCanvas, p0: Pt, p1: Pt, r0: float, r1: float) -> np.ndarray:
    """Mask of a tapered capsule (pixel coordinates): round at any size, and an unbroken
    1-px line when thinner than a pixel (``cv.capsule_mask`` drops pixels of thin limbs)."""
    rmax = max(r0, r1)
    (ax, ay), (bx, by) = p0, p1
    x0, x1 = max(0, int(np.floor(min(ax, bx) - rmax)) - 1), min(cv.w, int(np.ceil(max(ax, bx) + rmax)) + 1)
    y0, y1 = max(0, int(np.floor(min(ay, by) - rmax)) - 1), min(cv.h, int(np.ceil(max(ay, by) + rmax)) + 1)
    m = np.zeros((cv.h, cv.w), bool)
    if x1 <= x0 or y1 <= y0:
        return m
    xs, ys = _grid(x0, x1, y0, y1)
    dx, dy = bx - ax, by - ay
    ll = dx * dx + dy * dy
    t = np.clip(((xs - ax) * dx + (ys - ay) * dy) / ll, 0.0, 1.0) if ll >= 1e-9 else np.zeros((y1 - y0, 1))
    ex, ey = xs - (ax + t * dx), ys - (ay + t * dy)
    rm = (r0 - 0.5) + (r1 - r0) * t
    inside = ex * ex + ey * ey <= np.maximum(rm, 0.0) ** 2 + 0.5 * np.maximum(rm, 0.35)
    if rmax < 1.0:  # hair-thin: every pixel the axis passes through
        inside |= (np.abs(ex) <= 0.5) & (np.abs(ey) <= 0.5)
    m[y0:y1, x0:x1] = inside
    return m


def paint_sphere(
    cv: PartCanvas,
    part: str,
    mask: np.ndarray,
    mat: Material,
    center: Pt,
    radii: Pt,
    *,
    highlight: bool = True,
    behind: bool = False,
    inner: str | None = None,
) -> np.ndarray:
    """Paint any mask (pixel coordinates) lit like the ellipsoid ``center``/``radii`` (blobs, flames)."""
    if not mask.any():
        return mask
    return cv.paint(
        part, mask, mat, cv.tones_sphere(mask, center, radii, highlight), inner=inner, behind=behind
    )


def paint_ellipse(
    cv: PartCanvas,
    part: str,
    c: Pt,
    radii: Pt,
    mat: Material,
    *,
    angle: float = 0.0,
    shading: str = "sphere",
    **kw,
) -> np.ndarray:
    """:meth:`PartCanvas.ellipse`, with small ellipses kept round (see :func:`disc`)."""
    if _cv2_round(radii[0], radii[1], angle):
        return cv.ellipse(part, c, radii, mat, shading=shading, angle=angle, **kw)
    m = disc(cv, c, radii[0], radii[1], angle)
    if shading == "sphere":
        return paint_sphere(cv, part, m, mat, c, radii, **kw)
    return cv.mask(part, m, mat, shading=shading, **kw)


def paint_capsule(
    cv: PartCanvas,
    part: str,
    p0: Pt,
    p1: Pt,
    r0: float,
    r1: float,
    mat: Material,
    *,
    shading: str = "cylinder",
    highlight: bool = False,
    inner: str | None = None,
    behind: bool = False,
) -> np.ndarray:
    """:meth:`PartCanvas.capsule` with :func:`capsule_px`'s rasterisation."""
    m = capsule_px(cv, p0, p1, r0, r1)
    if shading != "cylinder":
        return cv.mask(part, m, mat, shading=shading, highlight=highlight, inner=inner, behind=behind)
    if not m.any():
        return m
    tones = cv.tones_cylinder(m, p0, p1, max(r0, r1), highlight)
    return cv.paint(part, m, mat, tones, inner=inner, behind=behind)


def paint_poly(
    cv: PartCanvas,
    part: str,
    pts: Sequence[Pt],
    mat: Material,
    *,
    sphere: tuple[Pt, Pt] | None = None,
    highlight: bool = False,
    **kw,
) -> np.ndarray:
    """:meth:`PartCanvas.polygon`; ``sphere=(center, radii)`` (pixels) lights it like that ball."""
    if sphere is None:
        return cv.polygon(part, list(pts), mat, highlight=highlight, **kw)
    kw.pop("shading", None)
    return paint_sphere(cv, part, cv.polygon_mask(list(pts)), mat, *sphere, highlight=highlight, **kw)


def retone(cv: PartCanvas, sel: np.ndarray, like: Material, to: Material, *, own: bool = False) -> None:
    """Recolour ``sel`` with ``to``'s ramp, keeping the light: pixels brighter than ``like``'s base
    tone get ``to``'s light tone, darker ones its shadow. ``own`` makes ``to`` their material."""
    cur = cv.rgb[sel].astype(int).sum(1)
    base = sum(like.ramp[BASE])
    tone = np.where(cur > base + 10, LIGHT, np.where(cur < base - 10, SHADOW, BASE))
    cv.rgb[sel] = np.array(to.ramp, np.uint8)[tone]
    if own:
        cv.mat[sel] = cv.material_id(to)


def part_mask(cv: PartCanvas, name: str) -> np.ndarray:
    """Pixels owned by part ``name`` so far (all False if it has none)."""
    if name not in cv.part_names:
        return np.zeros((cv.h, cv.w), bool)
    return cv.part == cv.part_id(name)


_CENTRES = np.arange(1024, dtype=np.float64) + 0.5


def _grid(x0: int, x1: int, y0: int, y1: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates of the box ``[x0, x1) x [y0, y1)`` as broadcastable arrays."""
    if x1 <= _CENTRES.size and y1 <= _CENTRES.size:
        return _CENTRES[None, x0:x1], _CENTRES[y0:y1, None]
    return (
        np.arange(x0, x1, dtype=np.float64)[None, :] + 0.5,
        np.arange(y0, y1, dtype=np.float64)[:, None] + 0.5,
    )


def centres(cv: PartCanvas) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre ``x`` (1, w) and ``y`` (h, 1) coordinates of the whole canvas."""
    return _grid(0, cv.w, 0, cv.h)


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
    box: tuple[int, int, int, int] = (0, 0, 0, 0)


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
    return 0.5 * (
        (2 * p1)
        + (-p0 + p2) * f
        + (2 * p0 - 5 * p1 + 4 * p2 - p3) * f * f
        + (-p0 + 3 * p1 - 3 * p2 + p3) * f * f * f
    )


def tube_info(cv: PartCanvas, pts, radii) -> TubeInfo:
    """Rasterise a tapered poly-line tube (pixel coordinates) and its per-pixel frame, lit by
    ``cv``'s light.

    ``pts``/``radii`` may also be lists of poly-lines / radius arrays: several tubes (tentacles,
    tail streamers) are then rasterised in one pass, ``s``/``t`` measured along each one.
    """
    if isinstance(pts, list | tuple) and len(pts) and np.ndim(pts[0]) == 2:
        lines = [(np.asarray(q, float), np.asarray(rr, float)) for q, rr in zip(pts, radii, strict=True)]
    else:
        lines = [(np.asarray(pts, float), np.asarray(radii, float))]
    h, w = cv.h, cv.w
    A, D, R0, R1, C0, SL, TOT = [], [], [], [], [], [], []
    for q, rr in lines:
        sl = np.hypot(*(q[1:] - q[:-1]).T)
        cum = np.concatenate([[0.0], np.cumsum(sl)])
        A.append(q[:-1])
        D.append(q[1:] - q[:-1])
        R0.append(rr[:-1])
        R1.append(rr[1:])
        C0.append(cum[:-1])
        SL.append(sl)
        TOT.append(np.full(len(sl), float(cum[-1]) or 1.0))
    a, d = np.vstack(A), np.vstack(D)
    r0, r1, c0, seglen, tot = (np.concatenate(v) for v in (R0, R1, C0, SL, TOT))
    p = np.vstack([q for q, _ in lines])
    r = np.concatenate([rr for _, rr in lines])
    x0 = int(max(0, np.floor((p[:, 0] - r).min())))
    x1 = int(min(w, np.ceil((p[:, 0] + r).max()) + 1))
    y0 = int(max(0, np.floor((p[:, 1] - r).min())))
    y1 = int(min(h, np.ceil((p[:, 1] + r).max()) + 1))
    full = np.zeros((h, w), bool)
    zeros = np.zeros((h, w), np.float32)
    total = float(tot[0])
    if x1 <= x0 or y1 <= y0:
        return TubeInfo(full, zeros, zeros, zeros, zeros, zeros, zeros, total, p, r, (0, 0, 0, 0))
    bh, bw = y1 - y0, x1 - x0
    dd = np.maximum((d * d).sum(1), 1e-9)
    nseg = len(a)
    if bh * bw * nseg <= 24000:
        # small: every pixel against every segment at once
        gx, gy = _grid(x0, x1, y0, y1)
        px = np.broadcast_to(gx, (bh, bw)).reshape(-1, 1)
        py = np.broadcast_to(gy, (bh, bw)).reshape(-1, 1)
        tt = np.clip(((px - a[:, 0]) * d[:, 0] + (py - a[:, 1]) * d[:, 1]) / dd, 0.0, 1.0)
        score = np.hypot(px - (a[:, 0] + tt * d[:, 0]), py - (a[:, 1] + tt * d[:, 1])) - (r0 + tt * (r1 - r0))
        k = score.argmin(1)
        idx = np.arange(len(k))
        tk = tt[idx, k]
        inside = score[idx, k] <= 0.0
        px, py = px[:, 0], py[:, 0]
    else:
        # large: each segment only in its own neighbourhood, keeping the best score per pixel
        best = np.full((bh, bw), np.inf)
        kk = np.zeros((bh, bw), np.int64)
        tb = np.zeros((bh, bw))
        for j in range(nseg):
            rj = max(r0[j], r1[j]) + 1.5
            ex0, ey0 = a[j]
            ex1, ey1 = a[j] + d[j]
            sx0 = max(x0, int(np.floor(min(ex0, ex1) - rj)))
            sx1 = min(x1, int(np.ceil(max(ex0, ex1) + rj)) + 1)
            sy0 = max(y0, int(np.floor(min(ey0, ey1) - rj)))
            sy1 = min(y1, int(np.ceil(max(ey0, ey1) + rj)) + 1)
            if sx1 <= sx0 or sy1 <= sy0:
                continue
            gx, gy = _grid(sx0, sx1, sy0, sy1)
            t = np.clip(((gx - a[j, 0]) * d[j, 0] + (gy - a[j, 1]) * d[j, 1]) / dd[j], 0.0, 1.0)
            sc = np.hypot(gx - (a[j, 0] + t * d[j, 0]), gy - (a[j, 1] + t * d[j, 1])) - (
                r0[j] + t * (r1[j] - r0[j])
            )
            view = (slice(sy0 - y0, sy1 - y0), slice(sx0 - x0, sx1 - x0))
            better = sc < best[view]
            best[view] = np.where(better, sc, best[view])
            kk[view] = np.where(better, j, kk[view])
            tb[view] = np.where(better, t, tb[view])
        k = kk.ravel()
        tk = tb.ravel()
        inside = best.ravel() <= 0.0
        gx, gy = _grid(x0, x1, y0, y1)
        px = np.broadcast_to(gx, (bh, bw)).ravel()
        py = np.broadcast_to(gy, (bh, bw)).ravel()
    qx = a[k, 0] + tk * d[k, 0]
    qy = a[k, 1] + tk * d[k, 1]
    vx, vy = px - qx, py - qy
    dk = np.hypot(vx, vy)
    rk = np.maximum(r0[k] + tk * (r1[k] - r0[k]), 1e-6)
    n = np.maximum(dk, 1e-9)
    nx, ny = vx / n, vy / n
    # on the axis: use the segment's normal pointing up
    axis = dk < 1e-6
    sx, sy = d[k, 0] / np.sqrt(dd[k]), d[k, 1] / np.sqrt(dd[k])
    nx = np.where(axis, sy, nx)
    ny = np.where(axis, -sx, ny)
    inside = inside | ((rk < 1.0) & (np.abs(vx) <= 0.5) & (np.abs(vy) <= 0.5))
    u = np.clip(dk / rk, 0.0, 1.0)
    lx, ly, lz = cv.light3
    lum = u * (nx * lx + ny * ly) + np.sqrt(1 - u * u) * lz
    s = c0[k] + tk * seglen[k]
    tnorm = s / tot[k]

    def put(v: np.ndarray) -> np.ndarray:
        out = np.zeros((h, w), np.float32)
        out[y0:y1, x0:x1] = v.reshape(y1 - y0, x1 - x0)
        return out

    full[y0:y1, x0:x1] = inside.reshape(y1 - y0, x1 - x0)
    return TubeInfo(
        full, put(s), put(tnorm), put(nx), put(ny), put(u), put(lum), total, p, r, (y0, y1, x0, x1)
    )


def lum_tones(
    lum: np.ndarray, highlight: bool = False, cuts: tuple[float, float, float] = (0.42, 0.80, 0.95)
) -> np.ndarray:
    """Quantise a lighting term into ramp indices (shadow / base / light / highlight)."""
    t = np.full(lum.shape, BASE, np.int8)
    t[lum < cuts[0]] = SHADOW
    t[lum > cuts[1]] = LIGHT
    if highlight:
        t[lum > cuts[2]] = HIGHLIGHT
    return t


def paint_tones(
    cv: PartCanvas,
    part: str,
    mask: np.ndarray,
    mat: Material,
    tones: np.ndarray,
    *,
    behind: bool = False,
    inner: str | None = None,
) -> np.ndarray:
    """Paint ``mask`` owned by ``part``/``mat`` with a per-pixel (h, w) tone index array."""
    if not mask.any():
        return mask
    return cv.paint(part, mask, mat, np.where(mask, tones, -1).astype(np.int8), inner=inner, behind=behind)


def paint_tube(
    cv: PartCanvas,
    info: TubeInfo,
    part: str | Callable,
    mat: Material,
    *,
    highlight: bool = False,
    behind: bool = False,
    inner: str | None = None,
    belly: Material | None = None,
    belly_min: float = 0.45,
) -> None:
    """Paint a tube; ``belly`` paints the downward-facing side with a second material."""
    if not info.mask.any():
        return
    tones = lum_tones(info.lum, highlight)
    pieces = part(info) if callable(part) else [(part, info.mask, None)]
    bel = info.ny * info.u > belly_min if belly is not None else None
    for name, m, mt in pieces:
        m = m & info.mask
        if bel is not None:
            paint_tones(cv, name, m & ~bel, mt or mat, tones, behind=behind, inner=inner)
            paint_tones(cv, name, m & bel, belly, np.maximum(tones, BASE), behind=behind, inner=inner)
        else:
            paint_tones(cv, name, m, mt or mat, tones, behind=behind, inner=inner)


# ---------------------------------------------------------------------------- details
def eye(
    cv: PartCanvas,
    fit: Fit,
    c: Pt,
    r: float,
    pupil: RGB,
    *,
    white: RGB | None = None,
    glint: RGB | None = (255, 255, 255),
    iris: RGB | None = None,
    part: str | None = None,
    big: bool = False,
) -> None:
    """A readable eye at unit centre ``c`` with unit radius ``r``.

    Tiny eyes are one dark pixel; from ~1.5 px radius the eye gets a glint, and ``big`` eyes
    (cute style, owls, slimes) get a white sclera, an iris and a glint.
    """
    x, y = fit.p(c)
    rp = r * fit.s
    if rp < 0.95 or (rp < 1.4 and not big):
        cv.pixel(x, y, pupil, part=part)
        return
    if big and white is not None and rp >= 2.5:
        m = disc(cv, (x, y), rp, rp * 1.1)
        cv.detail(m, white, part=part, only_on=False)
        pr = max(rp * 0.62, 0.75)
        pm = disc(cv, (x + rp * 0.2, y + rp * 0.1), pr, pr * 1.15) & m
        cv.detail(pm, iris or pupil, part=part, only_on=False)
        if iris is not None and pr >= 1.5:
            cv.detail(
                disc(cv, (x + rp * 0.25, y + rp * 0.15), pr * 0.5, pr * 0.6) & m,
                pupil,
                part=part,
                only_on=False,
            )
        if glint is not None:
            cv.pixel(x + rp * 0.2 - pr * 0.45, y - pr * 0.45, glint, part=part)
        return
    if rp < 2.2:
        # small eyes: a crisp 2x2 / 2x3 block (a rasterised tiny ellipse would look like a plus sign)
        bw = 2
        bh = 3 if (big or rp >= 1.8) else 2
        x0, y0 = int(np.floor(x - bw / 2 + 0.5)), int(np.floor(y - bh / 2 + 0.5))
        m = np.zeros((cv.h, cv.w), bool)
        m[max(y0, 0) : max(y0 + bh, 0), max(x0, 0) : max(x0 + bw, 0)] = True
        cv.detail(m, pupil, part=part, only_on=False)
        if glint is not None and bh == 3:
            cv.pixel(x0, y0, glint, part=part)
        return
    m = disc(cv, (x, y), max(rp * 0.75, 0.75), max(rp * 0.95, 0.9))
    cv.detail(m, iris or pupil, part=part, only_on=False)
    if iris is not None:
        cv.detail(
            disc(cv, (x + rp * 0.15, y + rp * 0.1), rp * 0.4, rp * 0.55) & m, pupil, part=part, only_on=False
        )
    if glint is not None:
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
def finish(
    cv: PartCanvas,
    pivots: Mapping[str, Pt],
    fit: Fit | None,
    *,
    facing: str = "right",
    outline: bool = True,
    on_body: Sequence[str] = (),
    after: Sequence[Callable[[np.ndarray, dict, Fit | None], None]] = (),
) -> RenderedSprite:
    """Render the canvas (outline on), cap the palette, map pivots to pixels and pack the result.

    Pivots named in ``on_body`` are snapped onto the nearest opaque pixel. Each ``after``
    callback ``fn(rgba, parts, fit)`` may then paint un-outlined pixels (a snake's tongue,
    sparks) in place, keeping ``parts`` in step.
    """
    rgba, parts = cv.render(outline=outline)
    for fn in after:
        fn(rgba, parts, fit)
    rgba, palette = merge_rare_colors(rgba, MAX_COLORS)
    h, w = cv.h, cv.w
    piv: dict[str, tuple[float, float]] = {}
    for name, p in pivots.items():
        x, y = fit.p(p) if fit is not None else p
        q = (float(min(max(x, 0.0), w - 0.01)), float(min(max(y, 0.0), h - 0.01)))
        piv[name] = snap_to_opaque(rgba, q) if name in on_body else q
    return RenderedSprite(rgba=rgba, parts=parts, pivots=piv, facing=facing, palette=palette)  # type: ignore[arg-type]


def corners_clear(cv: PartCanvas) -> bool:
    """Whether the corner pixels stay transparent once the outline is added."""
    a = cv.alpha > 0
    return not any(
        a[y, x] or a[y, x + dx] or a[y + dy, x]
        for y, dy in ((0, 1), (cv.h - 1, -1))
        for x, dx in ((0, 1), (cv.w - 1, -1))
    )


def snap_to_opaque(rgba: np.ndarray, p: tuple[float, float]) -> tuple[float, float]:
    """``p`` if it lies on an opaque pixel, else the centre of the nearest opaque pixel."""
    h, w = rgba.shape[:2]
    xi, yi = int(np.floor(p[0])), int(np.floor(p[1]))
    if 0 <= xi < w and 0 <= yi < h and rgba[yi, xi, 3] > 0:
        return p
    ys, xs = np.nonzero(rgba[..., 3])
    if ys.size == 0:
        return p
    k = int(np.argmin((xs + 0.5 - p[0]) ** 2 + (ys + 0.5 - p[1]) ** 2))
    return (float(xs[k] + 0.5), float(ys[k] + 0.5))


def overlay_line(rgba: np.ndarray, parts: dict, part: str, p0: Pt, p1: Pt, color: RGB) -> None:
    """Paint a 1-px line (pixel coordinates) without outline, owned by ``part``."""
    h, w = rgba.shape[:2]
    n = int(max(abs(p1[0] - p0[0]), abs(p1[1] - p0[1]))) + 1
    xs = np.floor(np.linspace(p0[0], p1[0], n)).astype(int)
    ys = np.floor(np.linspace(p0[1], p1[1], n)).astype(int)
    ok = (xs >= 1) & (xs < w - 1) & (ys >= 1) & (ys < h - 1)
    xs, ys = xs[ok], ys[ok]
    rgba[ys, xs, :3] = color
    rgba[ys, xs, 3] = 255
    for name, mk in parts.items():
        if name != part:
            mk[ys, xs] = False
    if part in parts:
        parts[part][ys, xs] = True
    else:
        mk = np.zeros((h, w), bool)
        mk[ys, xs] = True
        parts[part] = mk


# ---------------------------------------------------------------------------- per-seed variety
def request_seed(spec: SpriteSpec) -> int:
    """The seed of the request ``spec`` belongs to: the engine renders variant ``v`` of a
    request with seed ``seed + v``."""
    return (spec.seed - spec.variant) & 0xFFFFFFFF


def jitter(rng: np.random.Generator, v: float, amount: float) -> float:
    """``v`` scaled by a random factor in ``[1 - amount, 1 + amount]``."""
    return float(v * (1.0 + rng.uniform(-amount, amount)))


def vary(p: dict, rng: np.random.Generator, numeric: Sequence[str] = (), amount: float = 0.1) -> None:
    """Per-seed design choices from the look data, in place.

    - ``p["options"]``: key → list of alternatives; one is picked for each key;
    - every key in ``numeric`` is scaled by a random factor in ``1 ± amount``
      (``p["jitter"]`` overrides ``amount``);
    - ``p["chosen"]``: between 0 and ``p["max_extras"]`` (default 2) of ``p["extras"]``, at
      most one of each group in ``p["exclusive"]``.
    """
    for key, values in dict(p.get("options", {})).items():
        p[key] = values[int(rng.integers(len(values)))]
    amount = float(p.get("jitter", amount))
    for k in numeric:
        p[k] = jitter(rng, float(p[k]), amount)
    extras = list(p.get("extras", []))
    n = int(rng.integers(0, int(p.get("max_extras", 2)) + 1))
    groups = [set(g) for g in p.get("exclusive", [])]
    chosen: set[str] = set()
    for i in rng.permutation(len(extras)):
        e = extras[int(i)]
        if len(chosen) < n and not any(e in g and chosen & g for g in groups):
            chosen.add(e)
    p["chosen"] = chosen


__all__ = [
    "BASE",
    "HIGHLIGHT",
    "LIGHT",
    "OUTLINE",
    "SHADOW",
    "Figure",
    "Fit",
    "Material",
    "PartCanvas",
    "TubeInfo",
    "capsule_px",
    "centres",
    "corners_clear",
    "darker",
    "disc",
    "eye",
    "finish",
    "jitter",
    "look_colors",
    "lum_tones",
    "make_materials",
    "mix",
    "overlay_line",
    "paint_capsule",
    "paint_ellipse",
    "paint_poly",
    "paint_sphere",
    "paint_tones",
    "paint_tube",
    "part_mask",
    "request_seed",
    "resample",
    "retone",
    "snap_to_opaque",
    "styles_has",
    "tube_info",
    "vary",
    "zigzag",
]
