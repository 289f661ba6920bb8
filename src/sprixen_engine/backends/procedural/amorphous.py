"""Shapeless and soft creatures: slime, ghost, jellyfish, wisp, mushroom creature.

Front-facing (``facing="front"``). The body is one big outline (a flat-bottomed dome, a sheet
with a tattered hem, a scalloped bell, a flame, a cap on a stem) lit like a single ellipsoid
from the top-left so it reads as a soft volume, with a face and the subject's features on
top. ``look.kind`` picks the builder; the other keys tune it:

- ``width``/``height`` (units; the body is about 1 unit tall), ``eye_r``, ``face`` (eyes,
  hollow, none), ``mouth`` (smile, open, none), ``tentacles`` (count), ``tattered`` (hem
  points), ``scallops``, ``extras`` (accessories each seed may pick: drop, bubbles, crown,
  droplet, blush, tongue, chain, long, no_face, no_spots, dots ...), ``options``
  (per-seed alternatives of any key); size and eyes are jittered per seed;
- colours ``primary`` (body), ``secondary`` (inner layer, gills, oral arms), ``core``
  (wisp core / highlights), ``accent`` (crown, spots, blush), ``stem``, ``eye``;
  ``alt_colors`` alternative colourings.

Parts: ``body`` (≥ 80 % of the pixels), plus ``tentacles``, ``leg_left``/``leg_right``,
``arm_left``/``arm_right`` or ``accessory`` where the subject has them. Pivots: ``center``,
``ground`` (and ``hip_*``/``foot_*``/``shoulder_*`` for the mushroom's legs and arms).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..base import RenderedSprite, SpriteSpec
from .anatomy import (
    BASE,
    HIGHLIGHT,
    LIGHT,
    Figure,
    Fit,
    PartCanvas,
    centres,
    darker,
    disc,
    eye,
    finish,
    look_colors,
    make_materials,
    mix,
    part_mask,
    resample,
    styles_has,
    vary,
)

DEFAULT_COLORS = {
    "primary": (90, 200, 90),
    "secondary": (170, 240, 160),
    "core": (255, 250, 220),
    "accent": (240, 200, 60),
    "stem": (236, 222, 196),
    "eye": (30, 30, 40),
}
FLOATERS = ("ghost", "wisp", "jellyfish")


def _ellipse_pts(c, r, a0=0.0, a1=2 * math.pi, n=28) -> list[tuple[float, float]]:
    return [(c[0] + r[0] * math.cos(a), c[1] + r[1] * math.sin(a)) for a in np.linspace(a0, a1, n)]


def _params(spec: SpriteSpec, look: Mapping, rng: np.random.Generator) -> dict:
    p = {k: v for k, v in look.items() if k not in ("colors", "alt_colors")}
    p.setdefault("kind", "slime")
    p.setdefault("width", 1.0)
    p.setdefault("height", 0.8)
    p.setdefault("eye_r", 0.07)
    vary(p, rng, ("width", "height", "eye_r"))
    p["sway"] = float(rng.uniform(-1, 1))
    p["cute"] = styles_has(spec, "cute")
    p["scary"] = styles_has(spec, "horror", "dark_fantasy")
    if p["cute"]:
        p["eye_r"] *= 1.35
    return p


def _face(
    f: Figure,
    p: dict,
    m: dict,
    colors: dict,
    c: tuple[float, float],
    spacing: float,
    *,
    hollow: bool = False,
    mouth: str = "smile",
    mouth_dy: float = 0.12,
    part: str = "body",
) -> None:
    if "no_face" in p["chosen"] or p.get("face") == "none":
        return
    er = float(p["eye_r"])
    pupil = colors.get("eye", (30, 30, 40))
    glint = None if p["scary"] else (255, 255, 255)
    if p["scary"] and hollow:
        pupil = (30, 10, 20)
    for side in (-1, 1):
        ec = (c[0] + side * spacing, c[1])
        if hollow:
            f.custom(lambda cv, fit, ec=ec: _hollow_eye(cv, fit, ec, er, pupil, p["scary"]))
        else:
            f.custom(
                lambda cv, fit, ec=ec: eye(
                    cv,
                    fit,
                    ec,
                    er,
                    pupil,
                    white=(255, 255, 255),
                    big=p["cute"] or bool(p.get("big_eyes")),
                    glint=glint,
                    part=part,
                )
            )
    if "blush" in p["chosen"] or p["cute"]:
        for side in (-1, 1):
            bc = (c[0] + side * (spacing + er * 1.3), c[1] + er * 1.4)
            f.custom(lambda cv, fit, bc=bc: _blush(cv, fit, bc, er, m))
    mouth = p.get("mouth", mouth)
    if "tongue" in p["chosen"]:
        mouth = "tongue"
    if mouth != "none":
        mc = (c[0], c[1] + mouth_dy)
        f.custom(lambda cv, fit: _mouth(cv, fit, mc, er, mouth, pupil, part))


def _hollow_eye(cv: PartCanvas, fit: Fit, c, er, col, scary) -> None:
    x, y = fit.p(c)
    rx, ry = max(er * fit.s * 0.85, 0.6), max(er * fit.s * 1.3, 0.9)
    mk = disc(cv, (x, y), rx, ry)
    cv.detail(mk, col)
    if scary and rx >= 1.2:
        cv.pixel(x, y, (230, 40, 40))


def _blush(cv: PartCanvas, fit: Fit, c, er, m) -> None:
    x, y = fit.p(c)
    r = er * fit.s
    if r < 1.5:
        return
    mk = disc(cv, (x, y), r * 0.7, max(r * 0.35, 0.6))
    cv.detail(mk, mix(m["primary"].ramp[LIGHT], (250, 120, 150), 0.55))


def _mouth(cv: PartCanvas, fit: Fit, c, er, kind: str, col, part: str) -> None:
    x, y = fit.p(c)
    r = er * fit.s
    if kind in ("open", "tongue"):
        mk = disc(cv, (x, y), max(r * 0.6, 0.6), max(r * 0.8, 0.7))
        cv.detail(mk, col)
        if kind == "tongue" and r >= 1.5:
            cv.detail(disc(cv, (x, y + r * 0.5), r * 0.45, r * 0.4) & mk, (236, 90, 110))
        return
    if r < 1.2:
        cv.pixel(x, y, col)
        return
    w = max(1.0, r * 0.9)
    xs, ys = centres(cv)
    curve = y + ((xs - x) / w) ** 2 * -0.8 * min(r, 2.0) * 0.5
    mk = (np.abs(xs - x) <= w) & (np.abs(ys - curve - min(r, 2.0) * 0.4) < 0.5)
    cv.detail(mk, col)


# ---------------------------------------------------------------------------- builders
def _slime(f: Figure, p: dict, m: dict, colors: dict) -> None:
    W, H = 0.5 * p["width"], p["height"]
    prim = m["primary"]
    light = ((-0.1 * W, -H * 0.52), (W * 1.1, H * 0.62))
    if "crown" in p["chosen"]:
        acc = m["accent"]
        cy = -H * 0.96
        pts = [
            (-W * 0.32, cy + H * 0.12),
            (-W * 0.36, cy - H * 0.14),
            (-W * 0.16, cy - H * 0.02),
            (0, cy - H * 0.2),
            (W * 0.16, cy - H * 0.02),
            (W * 0.36, cy - H * 0.14),
            (W * 0.32, cy + H * 0.12),
        ]
        f.poly("accessory", pts, acc, shading="rim", highlight=True)
    if "drop" in p["chosen"] or p.get("drop_top"):
        f.poly(
            "body", [(-W * 0.28, -H * 0.86), (W * 0.05, -H * 1.14), (W * 0.26, -H * 0.86)], prim, sphere=light
        )
    f.poly("body", _ellipse_pts((0, -H * 0.5), (W * 0.93, H * 0.5)), prim, sphere=light)
    f.poly("body", _ellipse_pts((0, -H * 0.17), (W, H * 0.17)), prim, sphere=light)
    if "droplet" in p["chosen"]:
        f.ellipse("body", (W * 1.0, -H * 0.09), (W * 0.17, H * 0.1), prim)
    # inner lighter body (jelly look), bubbles, gloss
    f.custom(lambda cv, fit: _slime_gloss(cv, fit, W, H, m, p))
    _face(f, p, m, colors, (W * 0.04, -H * 0.45), W * 0.3, mouth="smile", mouth_dy=H * 0.15)
    f.pivot("center", (0, -H * 0.5))


def _slime_gloss(cv: PartCanvas, fit: Fit, W, H, m, p) -> None:
    body = part_mask(cv, "body")
    s = fit.s
    ramp = m["primary"].ramp
    # a lighter inner core toward the bottom-right reads as translucent jelly
    x, y = fit.p((W * 0.15, -H * 0.32))
    inner = disc(cv, (x, y), W * 0.6 * s, H * 0.28 * s)
    cv.detail(body & inner & _interior(body, 2 if s > 40 else 1), ramp[LIGHT])
    if "bubbles" in p["chosen"] and s >= 24:
        for bx, by, br in ((0.55, -0.3, 0.07), (0.35, -0.15, 0.045), (-0.5, -0.22, 0.05)):
            mk = disc(cv, fit.p((W * bx, H * by)), max(W * br * s, 0.8), max(W * br * s, 0.8))
            cv.detail(body & mk, ramp[HIGHLIGHT])
    # gloss highlight (top-left)
    gx, gy = fit.p((-W * 0.5, -H * 0.72))
    r = max(W * 0.1 * s, 0.7)
    mk = disc(cv, (gx, gy), r, r * 1.5, angle=35)
    cv.detail(body & mk, (255, 255, 255))
    if s >= 30:
        cv.detail(body & disc(cv, (gx - r * 0.3, gy + r * 2.6), r * 0.5, r * 0.5), (255, 255, 255))


def _interior(mask: np.ndarray, k: int) -> np.ndarray:
    import cv2

    return cv2.erode(mask.astype(np.uint8), np.ones((2 * k + 1, 2 * k + 1), np.uint8)).astype(bool)


def _ghost(f: Figure, p: dict, m: dict, colors: dict) -> None:
    W, H = 0.5 * p["width"], p["height"]
    prim = m["primary"]
    sway = 0.12 * W * (1 + p["sway"] * 0.6)
    n = int(p.get("tattered", 4)) + (2 if p["scary"] else 0)
    depth = H * (0.14 if not p["scary"] else 0.22)
    top = -H
    hem = -0.0
    head_c = (0, top + W)
    pts = _ellipse_pts(head_c, (W * 0.9, W), math.pi, 2 * math.pi, 18)  # dome, left → right
    pts.append((W * 0.98, -H * 0.42))
    # tattered hem, right → left, drifting back (left) as the ghost floats right
    for i in range(2 * n + 1):
        t = i / (2 * n)
        x = W * 1.02 - t * W * 2.04 - sway * math.sin(t * math.pi) * 0.5 - sway
        y = hem - (depth if i % 2 else 0.0) - (0.05 * H * math.sin(t * math.pi * 3) if i % 2 == 0 else 0.0)
        pts.append((x, y))
    pts.append((-W * 0.98, -H * 0.42))
    light = ((-0.15 * W, -H * 0.62), (W * 1.2, H * 0.75))
    # arms (small nubs) behind the sheet edge; the ghost's left is the image right
    _arms(f, (W * 0.78, -H * 0.52), (W * 1.25, -H * 0.4), W * 0.17, W * 0.13, prim)
    f.poly("body", pts, prim, sphere=light)
    f.custom(lambda cv, fit: _ghost_shade(cv, fit, W, H, m))
    if "chain" in p["chosen"]:
        f.custom(lambda cv, fit: _chain(cv, fit, W, H, m))
    _face(f, p, m, colors, (W * 0.08, top + W * 0.95), W * 0.34, hollow=True, mouth="open", mouth_dy=W * 0.45)
    f.pivot("center", (0, -H * 0.5))


def _ghost_shade(cv: PartCanvas, fit: Fit, W, H, m) -> None:
    # a pale inner glow makes the sheet look translucent
    body = part_mask(cv, "body")
    x, y = fit.p((W * 0.2, -H * 0.35))
    mk = disc(cv, (x, y), W * 0.55 * fit.s, H * 0.3 * fit.s)
    cv.detail(body & mk & _interior(body, 1), m["primary"].ramp[LIGHT])


def _chain(cv: PartCanvas, fit: Fit, W, H, m) -> None:
    body = part_mask(cv, "body")
    y = fit.p((0, -H * 0.3))[1]
    xs, ys = centres(cv)
    band = np.abs(ys - y - (xs - cv.w / 2) * 0.15) < 0.6
    dots = band & ((xs.astype(int) % 2) == 0)
    cv.detail(body & dots, (120, 120, 130))
    cv.detail(body & band & ~dots, (80, 80, 92))


def _jelly(f: Figure, p: dict, m: dict, colors: dict) -> None:
    W, H = 0.5 * p["width"], p["height"]
    prim, sec = m["primary"], m["secondary"]
    tiny = p.get("_s", 99.0) * W < 14
    yb = -H * (
        0.30 if tiny else 0.6 if "long" in p["chosen"] else 0.5
    )  # bell rim (short tentacles when tiny)
    bh = H * 0.5
    ntent = int(p.get("tentacles", 4))
    if tiny or "long" in p["chosen"]:  # fewer tentacles so the bell dominates
        ntent = min(ntent, 3)
    # thin tentacles (behind the bell), all in one pass
    lines = []
    for i in range(ntent):
        x = W * 0.78 * (-1 + 2 * (i + 0.5) / ntent)
        wob = W * (0.1 + 0.04 * p["sway"]) * (1 if i % 2 else -1)
        pts = [(x, yb), (x + wob, yb * 0.65), (x - wob, yb * 0.3), (x + wob * 0.5, -0.0)]
        lines.append([(a, min(b, -0.015)) for a, b in resample(pts, 10)])
    f.tubes("tentacles", lines, [W * 0.045] * ntent, darker(sec), min_px=0.5)
    # oral arms: two frilly ribbons in the middle
    arms = []
    for side in (-1, 1):
        x = side * W * 0.18
        pts = [
            (x, yb),
            (x + side * W * 0.1, yb * 0.6),
            (x - side * W * 0.05, yb * 0.3),
            (x + side * W * 0.05, yb * 0.06),
        ]
        arms.append([tuple(q) for q in resample(pts, 10)])
    f.tubes("body", arms, [np.linspace(W * 0.13, W * 0.06, 10)] * 2, sec)
    # bell: dome + scalloped rim
    pts = _ellipse_pts((0, yb), (W, bh), math.pi, 2 * math.pi, 22)
    k = int(p.get("scallops", 5))
    for i in range(2 * k + 1):
        t = i / (2 * k)
        x = W * (1 - 2 * t)
        pts.append((x, yb + (H * 0.07 if i % 2 else H * 0.02)))
    light = ((-0.2 * W, yb - bh * 0.45), (W * 1.15, bh * 1.1))
    f.poly("body", pts, prim, sphere=light)
    f.custom(lambda cv, fit: _jelly_inner(cv, fit, W, H, yb, bh, m, p))
    _face(
        f,
        p,
        m,
        colors,
        (0.0, yb - bh * 0.28),
        W * 0.3,
        mouth="smile" if p["cute"] else "none",
        mouth_dy=bh * 0.22,
    )
    f.pivot("center", (0, yb - bh * 0.4))


def _jelly_inner(cv: PartCanvas, fit: Fit, W, H, yb, bh, m, p) -> None:
    body = part_mask(cv, "body")
    s = fit.s
    x, y = fit.p((0.05 * W, yb - bh * 0.3))
    mk = disc(cv, (x, y), W * 0.62 * s, bh * 0.5 * s)
    cv.detail(
        body & mk & _interior(body, 1) & (np.arange(cv.h)[:, None] < fit.p((0, yb))[1] - 1),
        m["primary"].ramp[LIGHT],
    )
    if ("dots" in p["chosen"] or p.get("dots")) and s >= 24:
        for bx, by in ((-0.45, 0.55), (0.4, 0.5), (0.0, 0.8)):
            mk = disc(cv, fit.p((W * bx, yb - bh * by)), max(W * 0.08 * s, 0.7))
            cv.detail(body & mk, m["accent"].ramp[BASE])
    gx, gy = fit.p((-W * 0.55, yb - bh * 0.6))
    cv.detail(
        body & disc(cv, (gx, gy), max(W * 0.08 * s, 0.7), max(W * 0.14 * s, 0.9), angle=30),
        m["primary"].ramp[HIGHLIGHT],
    )


def _wisp(f: Figure, p: dict, m: dict, colors: dict) -> None:
    W, H = 0.5 * p["width"], p["height"]
    prim, sec = m["primary"], m["secondary"]
    lean = W * 0.15 * (1 + p["sway"] * 0.5)
    R = W * 0.82
    cy = -R

    def flame(scale: float, dy: float) -> list[tuple[float, float]]:
        pts = _ellipse_pts((0, cy), (R, R), 0, math.pi, 14)  # bottom half: right → left (through the bottom)
        pts = [(x * scale, cy + (y - cy) * scale + dy) for x, y in pts]
        # three tongues: left side going up, the main tip, the right side coming down
        tips = [
            (-R * 1.0, cy - H * 0.12),
            (-R * 0.95 - lean * 0.5, cy - H * 0.52),
            (-R * 0.42, cy - H * 0.34),
            (-R * 0.25 - lean, cy - H * 1.0),
            (R * 0.22, cy - H * 0.44),
            (R * 0.78 - lean * 0.3, cy - H * 0.68),
            (R * 0.98, cy - H * 0.2),
        ]
        tips = [(x * scale, cy + (y - cy) * scale + dy) for x, y in tips]
        return pts + tips

    light = ((-0.15 * W, cy - H * 0.2), (R * 1.3, H * 0.7))
    f.poly("body", flame(1.0, 0.0), prim, sphere=light)
    f.poly("body", flame(0.66, R * 0.22), sec, sphere=((-0.1 * W, cy), (R, H * 0.5)))
    core = m["core"]
    f.ellipse("body", (0.02, cy + R * 0.25), (R * 0.36, R * 0.38), core, highlight=True, shading="flat")
    if "no_face" not in p["chosen"]:
        _face(f, p, m, colors, (0.02, cy + R * 0.2), R * 0.2, mouth="none")
    f.pivot("center", (0, cy))


def _mushroom(f: Figure, p: dict, m: dict, colors: dict) -> None:
    W, H = 0.5 * p["width"], p["height"]
    cap, stem = m["primary"], m["stem"]
    yr = -H * 0.55  # cap rim
    ch = H * 0.45
    sh = H * 0.42
    # stubby legs
    for side, name in ((1, "leg_left"), (-1, "leg_right")):
        hip = (side * W * 0.22, -H * 0.14)
        foot = (side * W * 0.26, -H * 0.05)
        f.capsule(name, hip, foot, W * 0.13, stem, r1=W * 0.12)
        f.ellipse(name, (foot[0] + side * W * 0.03, -H * 0.045), (W * 0.17, H * 0.05), darker(stem))
        f.pivot("hip_" + name[4:], hip)
        f.pivot("foot_" + name[4:], (foot[0], 0.0))
    # arms
    _arms(f, (W * 0.35, -H * 0.33), (W * 0.55, -H * 0.22), W * 0.08, W * 0.07, stem)
    # stem (torso)
    f.poly(
        "body",
        _ellipse_pts((0, yr + sh * 0.55), (W * 0.42, sh * 0.62)),
        stem,
        sphere=((-W * 0.1, yr + sh * 0.5), (W * 0.5, sh * 0.7)),
    )
    # cap: dome with a slightly drooping rim, gills underneath
    f.ellipse("body", (0, yr + H * 0.02), (W * 0.92, H * 0.07), m["secondary"], shading="flat")
    pts = _ellipse_pts((0, yr), (W, ch), math.pi, 2 * math.pi, 24)
    pts += [
        (W * 0.96, yr + H * 0.05),
        (W * 0.6, yr + H * 0.02),
        (-W * 0.6, yr + H * 0.02),
        (-W * 0.96, yr + H * 0.05),
    ]
    f.poly("body", pts, cap, sphere=((-0.15 * W, yr - ch * 0.45), (W * 1.1, ch * 1.1)))
    f.custom(lambda cv, fit: _cap_spots(cv, fit, W, yr, ch, m, p))
    _face(f, p, m, colors, (0.0, yr + sh * 0.4), W * 0.17, mouth="smile", mouth_dy=sh * 0.25)
    f.pivot("center", (0, -H * 0.5))


def _cap_spots(cv: PartCanvas, fit: Fit, W, yr, ch, m, p) -> None:
    if "no_spots" in p["chosen"]:
        return
    body = part_mask(cv, "body")
    s = fit.s
    _, yrim = fit.p((0, yr))
    cap = body & (np.arange(cv.h)[:, None] < yrim - 0.5)
    spots = [
        (-0.45, 0.55, 0.17),
        (0.1, 0.8, 0.15),
        (0.55, 0.45, 0.13),
        (-0.05, 0.35, 0.1),
        (0.78, 0.15, 0.08),
        (-0.8, 0.2, 0.08),
    ]
    if s * W < 14:
        spots = spots[:3]
    col = m["accent"].ramp
    for bx, by, br in spots:
        c = fit.p((W * bx, yr - ch * by))
        r = max(W * br * s, 0.8)
        mk = disc(cv, c, r, r * 0.85)
        cv.detail(cap & mk, col[BASE])
        if r >= 2.5:
            cv.detail(cap & mk & disc(cv, (c[0] - r * 0.3, c[1] - r * 0.3), r * 0.4, r * 0.4), col[LIGHT])


_BUILDERS = {"slime": _slime, "ghost": _ghost, "jellyfish": _jelly, "wisp": _wisp, "mushroom": _mushroom}


def render(spec: SpriteSpec, look: Mapping, rng: np.random.Generator) -> RenderedSprite:
    """Draw one amorphous creature for ``spec`` from its catalogue ``look`` table."""
    h, w = spec.size
    colors = dict(DEFAULT_COLORS)
    colors.update(look_colors(spec, look, rng, recolorable=("primary", "secondary", "core")))
    m = make_materials(colors, spec.style)
    p = _params(spec, look, rng)
    kind = p["kind"]
    f = Figure()
    _BUILDERS[kind](f, p, m, colors)
    p["_s"] = f.fit(h, w).s
    if kind == "jellyfish":  # the level of detail depends on the pixel scale
        f = Figure()
        _BUILDERS[kind](f, p, m, colors)
    cv = PartCanvas(h, w)
    floating = kind in FLOATERS
    if floating:
        x0, y0, x1, y1 = f.bbox()
        f.extra_box.append((x0, y0, x1, y1 + (y1 - y0) * 0.06))  # float a little above the ground
    fit = f.fit(h, w, anchor="ground")
    f.draw(cv, fit)
    piv = dict(f.pivots)
    piv["ground"] = (0.0, f.bbox()[3])
    return finish(cv, piv, fit, facing="front")


def _arms(f: Figure, shoulder: tuple[float, float], hand: tuple[float, float], r0: float, r1: float,
          mat) -> None:
    """Two small arms, mirrored: ``shoulder``/``hand`` are the creature's left side (image right)."""
    for side, name in ((1, "arm_left"), (-1, "arm_right")):
        a0, a1 = (side * shoulder[0], shoulder[1]), (side * hand[0], hand[1])
        f.capsule(name, a0, a1, r0, mat, r1=r1)
        f.pivot("shoulder_" + name[4:], a0)
        f.pivot("hand_" + name[4:], a1)
