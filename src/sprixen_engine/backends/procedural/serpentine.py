"""Limbless long-bodied creatures: snake, cobra, worm, sea serpent.

The body is one tapered tube swept along a smooth spline (Catmull-Rom through control points
made from the subject's ``pose``), shaded across its axis from the top-left light, with a
lighter belly on the downward-facing side and a pattern laid out in arc length (bands,
diamonds, stripe, rings, spots). The head is drawn on the front end, facing right.

The body's medial axis is published as pivots ``spine_0`` … ``spine_N`` (head to tail, on
opaque pixels) so the animation engine can run a travelling wave along it; also ``head``,
``neck``, ``tail_base``, ``tail_tip`` and ``ground``.

``look`` keys: ``pose`` (s_curve, raised, arch, humps), ``lift`` (head height), ``waves``,
``amp`` (wave height), ``radius``, ``tail_taper``, ``head_r``, ``head_len``, ``pattern``
(none, bands, diamonds, stripe, rings, spots), ``pattern_period``, ``hood``, ``fins``,
``tongue``, ``face`` (eyes, none, mouth), ``extras`` (patterns/accessories each seed may
pick), ``options`` (per-seed alternatives, e.g. ``pattern``, ``waves``); colours ``primary``,
``secondary`` (belly), ``pattern``, ``fin``, ``accent`` (tongue), ``eye``; ``alt_colors``.
Each seed also jitters thickness, head size, wave height, lift and the wave phase.

``view="top_down"`` draws the serpent from above, winding in the ground plane.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..base import RenderedSprite, SpriteSpec
from .anatomy import (
    BASE,
    LIGHT,
    SHADOW,
    Figure,
    Fit,
    Material,
    PartCanvas,
    TubeInfo,
    disc,
    eye,
    finish,
    look_colors,
    lum_tones,
    make_materials,
    overlay_line,
    part_mask,
    resample,
    styles_has,
    vary,
)

DEFAULTS: dict = {
    "pose": "s_curve",
    "lift": 0.42,
    "waves": 1.5,
    "amp": 0.14,
    "radius": 0.065,
    "tail_taper": 0.18,
    "head_r": 0.075,
    "head_len": 1.45,
    "pattern": "none",
    "pattern_period": 2.2,
    "hood": False,
    "fins": False,
    "tongue": True,
    "face": "eyes",
    "extras": [],
    "x_head": 0.42,
    "x_tail": -0.5,
}

DEFAULT_COLORS = {
    "primary": (90, 150, 60),
    "secondary": (220, 210, 140),
    "pattern": (50, 80, 40),
    "fin": (220, 120, 60),
    "accent": (220, 50, 60),
    "eye": (240, 200, 40),
}

N_SPINE = 8  # spine_0 … spine_8
_SAMPLES = 40


def _params(spec: SpriteSpec, look: Mapping, rng: np.random.Generator) -> dict:
    p = dict(DEFAULTS)
    p.update({k: v for k, v in look.items() if k not in ("colors", "alt_colors")})
    vary(p, rng, ("radius", "head_r", "amp", "lift"), 0.12)
    p["phase"] = float(rng.uniform(-0.25, 0.25))
    for c in p["chosen"]:
        if c in ("bands", "diamonds", "stripe", "rings", "spots", "none"):
            p["pattern"] = c
    if styles_has(spec, "cute"):
        p["head_r"] *= 1.45
        p["radius"] *= 1.2
        p["amp"] *= 0.8
        p["face"] = "cute"
    return p


def _profile(u: np.ndarray, p: dict) -> np.ndarray:
    """Body radius along ``u`` (0 = neck, 1 = tail tip)."""
    r = float(p["radius"])
    taper = float(p["tail_taper"])
    if p["pose"] == "arch":  # worms: even thickness, rounded ends
        return r * np.where(u < 0.85, 1.0, 1.0 - (u - 0.85) / 0.15 * (1 - max(taper, 0.55)))
    grow = np.clip(u / 0.28, 0, 1)
    tail = np.clip((u - 0.28) / 0.72, 0.0, 1.0) ** 1.2
    return r * np.where(u < 0.28, 0.78 + 0.22 * grow, 1.0 - (1 - taper) * tail)


def _spine(p: dict, aspect: float) -> tuple[np.ndarray, np.ndarray]:
    """Resampled spine (units, head first; the ground at ``y = 0``) and its radii.

    Poses: ``s_curve`` (head raised on an S-shaped neck, the body on the ground in gentle
    waves), ``raised`` (cobra: the neck straight up), ``arch`` (worm: one hump), ``humps``
    (sea serpent: arches rising out of the water line).
    """
    pose = p["pose"]
    r = float(p["radius"])
    tall = min(1.6, max(0.85, aspect))
    lift = float(p["lift"]) * tall
    amp = float(p["amp"])
    xh, xt = float(p["x_head"]), float(p["x_tail"])
    if aspect < 0.8:  # wide canvases: a longer body
        xt = xt - (0.8 - aspect) * 0.6
    waves = float(p["waves"])
    ph = float(p.get("phase", 0.0))
    if pose == "raised":
        ctrl = [
            (xh - 0.08, -lift),
            (xh - 0.1, -lift * 0.68),
            (xh - 0.14, -lift * 0.36),
            (xh - 0.22, -r * 1.05),
        ]
    elif pose == "arch":
        ctrl = [(xh, -r)]
    else:
        ctrl = [
            (xh, -lift),
            (xh - 0.09, -lift * 0.95),
            (xh - 0.15, -lift * 0.72),
            (xh - 0.1, -lift * 0.42),
            (xh - 0.12, -lift * 0.16),
            (xh - 0.2, -r),
        ]
    x0 = ctrl[-1][0]
    n = max(6, int(waves * 8) + 1)
    body = []
    for i in range(n):
        v = (i + 1) / n
        x = x0 + (xt - x0) * v
        if pose == "arch":
            hump = math.sin(math.pi * min(1.0, v / 0.8)) ** 1.5 if v < 0.8 else 0.0
        elif pose == "humps":
            # smooth arches that barely dip to the water line between them
            w = (waves * v + ph * 0.3) % 1.0
            hump = (0.5 - 0.5 * math.cos(2 * math.pi * w)) ** 0.7
        else:
            hump = 0.5 - 0.5 * math.cos(2 * math.pi * (waves * v + ph))
        body.append((x, hump))
    # body radius at each control point (by index; close enough for placing on the ground)
    nn = len(ctrl) + n
    out = list(ctrl)
    for k, (x, hump) in enumerate(body):
        uu = (len(ctrl) + k + 1) / nn
        rr = r * float(_profile(np.array([uu]), p)[0])
        out.append((x, -(rr + amp * hump)))
    pts = resample(out, _SAMPLES)
    seg = np.hypot(*(pts[1:] - pts[:-1]).T)
    s = np.concatenate([[0], np.cumsum(seg)])
    return pts, _profile(s / s[-1], p)


# ---------------------------------------------------------------------------- painting helpers
def _tone_paint(cv: PartCanvas, sel: np.ndarray, info: TubeInfo, mat: Material, floor: int = SHADOW) -> None:
    if not sel.any():
        return
    tones = np.maximum(lum_tones(info.lum), floor)
    ramp = np.array(mat.ramp, np.uint8)
    cv.rgb[sel] = ramp[tones[sel]]


def _pattern(cv: PartCanvas, info: TubeInfo, fit: Fit, p: dict, m: dict, top_down: bool = False) -> None:
    kind = p["pattern"]
    if kind == "none":
        return
    back = info.mask & ((info.ny * info.u <= 0.45) if not top_down else True)
    period = max(3.0, float(p["pattern_period"]) * float(np.median(info.radii)))
    s = info.s
    # signed position across the tube: -1 upper edge .. +1 lower edge
    v = np.where(info.ny < 0, -info.u, info.u)
    body = info.mask & (info.t > 0.02)
    pat = m["pattern"]
    if kind == "bands":
        sel = body & back & (((s / period) % 1.0) < 0.45) & (info.t < 0.97)
        _tone_paint(cv, sel, info, pat)
    elif kind == "rings":
        width = 1.0 if period < 6 else 1.6
        sel = body & ((s % period) < width) & (info.t > 0.04) & (info.t < 0.96)
        cv.rgb[sel] = np.array(m["primary"].ramp[SHADOW], np.uint8)
        if "band" in p["chosen"] or p.get("clitellum"):
            band = body & (info.t > 0.22) & (info.t < 0.34)
            _tone_paint(cv, band, info, m["pattern"], BASE)
    elif kind == "stripe":
        sel = body & back & (np.abs(v + (0.0 if top_down else 0.35)) < 0.28) & (info.t < 0.95)
        _tone_paint(cv, sel, info, pat, BASE)
    elif kind == "diamonds":
        if period < 5:
            sel = body & back & (((s / period) % 1.0) < 0.4) & (info.t < 0.95)
        else:
            a = np.abs(((s / period) % 1.0) - 0.5) * 2
            sel = (
                body
                & back
                & (a * 0.9 + np.abs(v + (0.0 if top_down else 0.2)) * 1.1 < 0.85)
                & (info.t < 0.95)
            )
        _tone_paint(cv, sel, info, pat)
    elif kind == "spots":
        k = np.floor(s / period)
        off = ((k * 7919) % 5) / 5.0 - 0.4
        a = ((s / period) % 1.0) - 0.5
        sel = body & back & (a * a * 4 + (v - off) ** 2 * 3 < 0.35) & (info.t < 0.95)
        _tone_paint(cv, sel, info, pat)


def _split(info: TubeInfo) -> list:
    return [("body", info.t < 0.6, None), ("tail", info.t >= 0.6, None)]


# ---------------------------------------------------------------------------- side view
def _build(p: dict, m: dict, spec: SpriteSpec, colors: dict, aspect: float, top_down: bool) -> Figure:
    f = Figure()
    prim, sec = m["primary"], m["secondary"]
    if top_down:
        pts, radii = _spine_top(p, aspect)
    else:
        pts, radii = _spine(p, aspect)
    hr = float(p["head_r"])
    hl = float(p["head_len"])
    # head direction: from the second spine point toward the first, flattened to face right
    hx, hy = pts[0]
    dx, dy = pts[0] - pts[3]
    ang = math.atan2(dy, dx)
    if not top_down:
        ang = max(-0.45, min(0.35, ang * 0.3))  # look ahead (right), slightly up/down
    else:
        ang = max(-0.6, min(0.6, ang))
    ca, sa = math.cos(ang), math.sin(ang)
    hc = (hx + ca * hr * hl * 0.45, hy + sa * hr * hl * 0.45)

    def rot(dxu: float, dyu: float) -> tuple[float, float]:
        return (hc[0] + dxu * ca - dyu * sa, hc[1] + dxu * sa + dyu * ca)

    # things behind the body: hood, fins
    if p.get("hood") and not top_down:
        hp = pts[int(_SAMPLES * 0.06)]
        hood_w = hr * float(p.get("hood_w", 1.45))
        f.ellipse(
            "body", (hp[0] - hr * 0.25, hp[1] + hr * 0.35), (hood_w, hr * 2.3), m["primary"], highlight=False
        )
        f.custom(lambda cv, fit: _hood_marks(cv, fit, (hp[0] - hr * 0.25, hp[1] + hr * 0.35), hood_w, hr, m))
    if p.get("fins") and not top_down:
        _fins(f, pts, radii, m["fin"], p)
    if (p.get("fins") and not top_down) or "tail_fin" in p["chosen"]:
        tx, ty = pts[-1]
        tdx, tdy = pts[-1] - pts[-4]
        ln = math.hypot(tdx, tdy) or 1.0
        tdx, tdy = tdx / ln, tdy / ln
        R = float(p["radius"]) * 1.5
        f.poly(
            "tail",
            [
                (tx - tdx * R * 0.3, ty - tdy * R * 0.3),
                (tx + tdx * R - tdy * R * 0.9, ty + tdy * R + tdx * R * 0.9),
                (tx + tdx * R * 0.5, ty + tdy * R * 0.5),
                (tx + tdx * R + tdy * R * 0.9, ty + tdy * R - tdx * R * 0.9),
            ],
            m["fin"],
            shading="rim",
        )

    belly = None if top_down else sec
    f.tube(
        _split,
        [tuple(q) for q in pts],
        radii,
        prim,
        belly=belly,
        belly_min=0.4,
        post=lambda cv, info, fit: _pattern(cv, info, fit, p, m, top_down),
    )

    # head
    head_mat = prim
    if p.get("crest") and not top_down:
        f.poly(
            "head",
            [
                rot(-hr * 0.9, -hr * 0.3),
                rot(-hr * 1.9, -hr * 1.4),
                rot(-hr * 1.3, -hr * 0.35),
                rot(-hr * 1.6, -hr * 0.2),
                rot(-hr * 0.7, hr * 0.1),
            ],
            m["fin"],
            shading="rim",
        )
    if top_down:
        f.ellipse("head", hc, (hr * hl * 0.66, hr * 1.05), head_mat, angle=math.degrees(ang))
    else:
        f.ellipse("head", hc, (hr * hl * 0.6, hr * 0.78), head_mat, angle=math.degrees(ang))
        # jaw line / lighter chin
        f.ellipse(
            "head",
            rot(hr * 0.1, hr * 0.38),
            (hr * hl * 0.45, hr * 0.32),
            sec,
            angle=math.degrees(ang),
            shading="flat",
        )
    if p.get("snout", 0.0) and not top_down:
        sl = float(p["snout"]) * hr
        f.capsule(
            "head", rot(hr * 0.4, hr * 0.05), rot(hr * 0.4 + sl, hr * 0.15), hr * 0.5, head_mat, r1=hr * 0.4
        )
    tip = (
        rot(hr * hl * 0.6 + float(p.get("snout", 0.0)) * hr * 0.9, hr * 0.12)
        if not top_down
        else rot(hr * hl * 0.62, 0.0)
    )
    after = []
    if p.get("tongue") and "no_tongue" not in p["chosen"]:
        after.append(lambda rgba, parts, fit: _tongue(rgba, parts, fit, tip, hr, m["accent"]))
        f.extra_box.append((tip[0], tip[1] - hr * 0.4, tip[0] + hr * 1.1, tip[1] + hr * 0.4))
    # face
    cute = p["face"] == "cute"
    face = p["face"]
    if face != "none" or "eyes" in p["chosen"]:
        if top_down:
            for side in (-1, 1):
                ec = rot(hr * 0.3, side * hr * 0.62)
                f.custom(
                    lambda cv, fit, ec=ec: eye(
                        cv, fit, ec, hr * 0.24, m["primary"].ramp[0], glint=None, part="head"
                    )
                )
        else:
            ec = rot(hr * (0.25 if not cute else 0.15), -hr * 0.22)
            er = hr * (0.28 if not cute else 0.42)
            iris = colors.get("eye")
            f.eye(ec, er, m["primary"].ramp[0], white=(250, 250, 240), big=cute, iris=iris, part="head")
    if (face == "mouth" or "mouth" in p["chosen"]) and not top_down:
        f.custom(lambda cv, fit: _mouth(cv, fit, rot, hr, hl, m))

    # pivots: spine samples at equal arc length, head to tail
    seg = np.hypot(*(pts[1:] - pts[:-1]).T)
    s = np.concatenate([[0], np.cumsum(seg)])
    for i in range(N_SPINE + 1):
        target = s[-1] * i / N_SPINE
        k = int(np.searchsorted(s, target))
        k = min(max(k, 0), len(pts) - 1)
        if i == N_SPINE:
            k = len(pts) - 1
        f.pivot(f"spine_{i}", (float(pts[k][0]), float(pts[k][1])))
    f.pivot("head", hc)
    f.pivot("neck", (float(pts[0][0]), float(pts[0][1])))
    kt = int(len(pts) * 0.6)
    f.pivot("tail_base", (float(pts[kt][0]), float(pts[kt][1])))
    f.pivot("tail_tip", (float(pts[-1][0]), float(pts[-1][1])))
    f.after = after  # type: ignore[attr-defined]
    return f


def _spine_top(p: dict, aspect: float) -> tuple[np.ndarray, np.ndarray]:
    xh, xt = float(p["x_head"]), float(p["x_tail"])
    waves = max(1.0, float(p["waves"]))
    A = max(0.1, float(p["amp"]) * 1.2) * min(1.6, max(0.8, aspect))
    n = int(waves * 4) + 2
    ctrl = []
    for i in range(n + 1):
        v = i / n
        x = xh + (xt - xh) * v
        y = (
            A
            * math.sin(2 * math.pi * (waves * v * 0.8 + p.get("phase", 0.0)))
            * (0.35 + 0.65 * min(1, v * 3))
        )
        ctrl.append((x, y))
    pts = resample(ctrl, _SAMPLES)
    seg = np.hypot(*(pts[1:] - pts[:-1]).T)
    s = np.concatenate([[0], np.cumsum(seg)])
    return pts, _profile(s / s[-1], p) * 1.1


def _tongue(rgba: np.ndarray, parts: dict, fit: Fit, tip, hr, mat: Material) -> None:
    """A forked 1-px tongue flicking out of the mouth, painted after the outline."""
    x, y = fit.p(tip)
    x = float(np.floor(x)) + 0.5
    y = float(np.floor(y)) + 0.5
    # start on the outline pixel in front of the snout
    while x < rgba.shape[1] - 1 and rgba[int(y), int(x), 3] > 0:
        x += 1.0
    hp = hr * fit.s
    n = 2 if hp < 3 else (3 if hp < 5 else 4)
    col = mat.ramp[BASE]
    overlay_line(rgba, parts, "head", (x - 1, y), (x + n - 1, y), col)
    if hp >= 3:
        k = 1 if hp < 6 else 2
        overlay_line(rgba, parts, "head", (x + n, y - 1), (x + n + k - 1, y - k), col)
        overlay_line(rgba, parts, "head", (x + n, y + 1), (x + n + k - 1, y + k), col)


def _mouth(cv: PartCanvas, fit: Fit, rot, hr, hl, m) -> None:
    a = fit.p(rot(hr * 0.1, hr * 0.2))
    b = fit.p(rot(hr * hl * 0.58, hr * 0.15))
    cv.detail(cv.line_mask(a, b), m["primary"].ramp[0], part="head")
    if hr * fit.s >= 4:
        for t in (0.45, 0.75):
            q = (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t + 1)
            cv.pixel(q[0], q[1], (245, 240, 225), part="head")


def _hood_marks(cv: PartCanvas, fit: Fit, c, hood_w, hr, m) -> None:
    if hr * fit.s < 3.5:
        return
    x, y = fit.p(c)
    r = max(1.0, hr * fit.s * 0.35)
    mk = disc(cv, (x - hood_w * fit.s * 0.35, y - hr * fit.s * 0.6), r, r * 1.2)
    body = part_mask(cv, "body")
    cv.detail(mk & body, m["secondary"].ramp[LIGHT])
    inner = disc(cv, (x - hood_w * fit.s * 0.35, y - hr * fit.s * 0.6), r * 0.5, r * 0.6)
    cv.detail(inner & body, m["pattern"].ramp[SHADOW])


def _fins(f: Figure, pts: np.ndarray, radii: np.ndarray, mat: Material, p: dict) -> None:
    n = len(pts)
    k0, k1 = int(n * 0.12), int(n * 0.86)
    step = max(2, (k1 - k0) // 9)
    R = float(p["radius"])
    for k in range(k0, k1, step):
        a, b = pts[max(k - 1, 0)], pts[min(k + 1, n - 1)]
        d = b - a
        ln = float(np.hypot(*d)) or 1.0
        tx, ty = d / ln
        nx, ny = ty, -tx  # left normal of the head→tail direction
        if ny > 0:
            nx, ny = -nx, -ny
        if ny > -0.75:
            continue
        c = pts[k]
        r = radii[k]
        hgt = R * 1.3 * (1.0 - 0.5 * k / n)
        base0 = (c[0] - tx * r * 0.9 + nx * r * 0.4, c[1] - ty * r * 0.9 + ny * r * 0.4)
        base1 = (c[0] + tx * r * 0.9 + nx * r * 0.4, c[1] + ty * r * 0.9 + ny * r * 0.4)
        tip = (c[0] + nx * (r + hgt) + tx * hgt * 0.7, c[1] + ny * (r + hgt) + ty * hgt * 0.7)
        f.poly("body" if k < n * 0.6 else "tail", [base0, tip, base1], mat, shading="rim")


# ---------------------------------------------------------------------------- entry point
def render(spec: SpriteSpec, look: Mapping, rng: np.random.Generator) -> RenderedSprite:
    """Draw one serpentine creature for ``spec`` from its catalogue ``look`` table."""
    h, w = spec.size
    colors = dict(DEFAULT_COLORS)
    colors.update(look_colors(spec, look, rng))
    m = make_materials(colors, spec.style)
    p = _params(spec, look, rng)
    top = spec.view == "top_down"
    aspect = (h - 2) / (w - 2)
    f = _build(p, m, spec, colors, aspect, top)
    cv, fit = f.draw_fitted(h, w, anchor="center" if top else "ground")
    piv = dict(f.pivots)
    if top:
        piv["ground"] = (
            float(np.mean([piv[f"spine_{i}"][0] for i in range(N_SPINE + 1)])),
            float(np.mean([piv[f"spine_{i}"][1] for i in range(N_SPINE + 1)])),
        )
    else:
        xs = [piv[f"spine_{i}"][0] for i in range(2, N_SPINE + 1)]
        piv["ground"] = (float(np.mean(xs)), f.bbox()[3])
    names = [f"spine_{i}" for i in range(N_SPINE + 1)] + ["head", "neck", "tail_base", "tail_tip"]
    return finish(cv, piv, fit, facing="right", on_body=names, after=getattr(f, "after", ()))
