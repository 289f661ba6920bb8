"""Four-legged creatures (wolf, dog, fox, cat, lion, horse, deer, boar, bear ...).

Side view facing right: a shaded torso tube (haunch → waist → chest), four legs (the far
pair darker and offset so all four read), a neck, a head made of cranium + snout with eye,
nose and ears, and a tail. Everything is driven by the subject's ``look`` table, so a new
animal is mostly data:

- proportions (units of body length): ``body_h``, ``leg_len``, ``leg_w``, ``chest``,
  ``haunch``, ``waist``, ``hump``, ``neck_len``, ``neck_angle`` (degrees above horizontal),
  ``neck_w``, ``head_r``, ``snout_len``, ``snout_r``, ``snout_angle`` (degrees below
  horizontal), ``ear_len``, ``tail_len``, ``tail_r``;
- kinds: ``ears`` (pointed, floppy, round, side, small), ``tail`` (bushy, thin_up, tuft,
  hair, nub, short_up, curl, curly), ``mane`` (none, lion, horse), ``horns`` (none,
  antlers), ``feet`` (paw, hoof), ``tusks``/``bristles`` booleans;
- ``extras``: markings/accessories each seed may pick (collar, spots, stripes, socks,
  blaze, saddle, tail_tip, mask, chest_patch, patch, no_antlers ...), ``max_extras`` at
  most (default 2), one of each ``exclusive`` group; ``sock_slot`` the colour of socks;
- ``options``: per-seed alternatives for any key (e.g. ``ears``, ``tail``, ``mane``);
- ``colors``: slots primary, secondary, belly, dark, horn, accent, eye, marking;
  ``alt_colors`` natural alternative coats.

Each seed jitters the proportions (±10 %), the neck angle and picks options, extras and a
coat (see :func:`~.anatomy.vary` and :func:`~.anatomy.look_colors`).

``view="top_down"`` draws the animal from above (head to the right).
"""

from __future__ import annotations

import itertools
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
    centres,
    darker,
    disc,
    eye,
    finish,
    look_colors,
    make_materials,
    part_mask,
    styles_has,
    vary,
    zigzag,
)

Pt = tuple[float, float]

DEFAULTS: dict = {
    "body_h": 0.42,
    "leg_len": 0.42,
    "leg_w": 0.07,
    "chest": 1.05,
    "haunch": 1.0,
    "waist": 0.86,
    "hump": 0.0,
    "neck_len": 0.22,
    "neck_angle": 40.0,
    "neck_w": 1.0,
    "head_r": 0.16,
    "snout_len": 0.18,
    "snout_r": 0.075,
    "snout_angle": 12.0,
    "ears": "pointed",
    "ear_len": 0.16,
    "tail": "bushy",
    "tail_len": 0.45,
    "tail_r": 0.08,
    "mane": "none",
    "horns": "none",
    "tusks": False,
    "bristles": False,
    "feet": "paw",
    "extras": [],
}

DEFAULT_COLORS = {
    "primary": (140, 110, 80),
    "secondary": (200, 180, 150),
    "dark": (50, 40, 40),
    "horn": (225, 215, 185),
    "accent": (200, 40, 40),
    "eye": (30, 25, 25),
}

_NUM = (
    "body_h",
    "leg_len",
    "leg_w",
    "chest",
    "haunch",
    "waist",
    "neck_len",
    "head_r",
    "snout_len",
    "snout_r",
    "ear_len",
    "tail_len",
    "tail_r",
)


def _params(spec: SpriteSpec, look: Mapping, rng: np.random.Generator) -> dict:
    p = dict(DEFAULTS)
    p.update({k: v for k, v in look.items() if k not in ("colors", "alt_colors")})
    vary(p, rng, _NUM)
    p["neck_angle"] = float(p["neck_angle"]) + rng.uniform(-8, 8)
    if styles_has(spec, "cute"):
        p["head_r"] *= 1.4
        p["snout_len"] *= 0.6
        p["leg_len"] *= 0.75
        p["body_h"] *= 1.12
        p["neck_len"] = max(p["neck_len"] * 0.8, 0.12)
        p["neck_angle"] = max(p["neck_angle"], 50.0)
        p["ear_len"] *= 1.15
    if styles_has(spec, "dark_fantasy", "horror"):
        p["bristles"] = True
        p["spiky"] = True
    return p


# ---------------------------------------------------------------------------- side view
def _build_side(p: dict, m: dict[str, Material], spec: SpriteSpec, colors: dict, small: bool) -> Figure:
    f = Figure()
    prim = m["primary"]
    far = darker(prim)
    belly = m.get("belly")
    dark = m["dark"]
    chosen = p["chosen"]
    bh, ll, lw = p["body_h"], p["leg_len"], p["leg_w"]
    r_mid = bh / 2
    yc = -(ll + r_mid)
    hip = (-0.5 + r_mid * p["haunch"], yc)
    chest = (0.5 - r_mid * p["chest"], yc - float(p.get("hump", 0.0)) - 0.02)
    mid = ((hip[0] + chest[0]) / 2, yc - r_mid * (1 - p["waist"]) * 0.8)
    chest = (chest[0], chest[1] + r_mid * (p["chest"] - 1.0) * 0.6)
    socks = "socks" in chosen
    leg_mat_near = m[p.get("sock_slot", "dark")] if socks else prim
    hoof = p["feet"] == "hoof"

    # ---------------------------------------------------------------- legs
    xf = chest[0] + 0.02
    xb = hip[0] + 0.06
    off = min(max(lw * 2.6, 0.08), (xf - xb) * 0.2)
    off = max(off, 1.8 / p.get("_s", 1e9))  # at least ~2 px so the far legs always show

    def leg_front(name: str, x: float, mat: Material, lmat: Material, behind: bool) -> None:
        top = (x, yc)
        knee = (x + 0.01, -ll * 0.42)
        foot = (x, -lw * 0.9)
        if p.get("_s", 99.0) < 24 and not socks:  # small sprites: one straight capsule per leg
            f.capsule(
                name, top, foot, lw * 1.3, mat, r1=lw * 0.95, behind=behind, inner=None if behind else "shade"
            )
        else:
            f.capsule(
                name,
                top,
                knee,
                lw * 1.45,
                mat,
                r1=lw * 1.05,
                behind=behind,
                inner=None if behind else "shade",
            )
            f.capsule(name, knee, foot, lw * 1.05, mat if not socks else lmat, r1=lw * 0.95, behind=behind)
        _foot(name, foot, mat if not socks else lmat, behind)
        f.pivot(f"shoulder_{name[4:]}", top)
        f.pivot(f"foot_{name[4:]}", (foot[0], 0.0))

    def leg_back(name: str, x: float, mat: Material, lmat: Material, behind: bool) -> None:
        top = (x, yc + bh * 0.05)
        f.ellipse(
            name,
            (x + 0.01, yc + bh * 0.1),
            (bh * 0.3 * p["haunch"], bh * 0.42),
            mat,
            angle=-15,
            behind=behind,
            highlight=False,
            inner=None if behind else "shade",
        )
        hock = (x - min(0.09, ll * 0.2), -ll * 0.3)
        foot = (x - min(0.05, ll * 0.1), -lw * 0.9)
        f.capsule(name, (x, yc + bh * 0.3), hock, lw * 1.35, mat, r1=lw * 0.95, behind=behind)
        f.capsule(name, hock, foot, lw * 0.95, mat if not socks else lmat, r1=lw * 0.9, behind=behind)
        _foot(name, foot, mat if not socks else lmat, behind)
        f.pivot(f"hip_{name[4:]}", top)
        f.pivot(f"foot_{name[4:]}", (foot[0], 0.0))

    def _foot(name: str, foot: tuple[float, float], mat: Material, behind: bool) -> None:
        x = foot[0]
        if hoof:
            return  # painted over the leg ends once all legs are drawn (see _hooves)
        if lw * p.get("_s", 99.0) >= 1.3:
            f.ellipse(name, (x + lw * 0.45, -lw * 0.7), (lw * 1.3, lw * 0.7), mat, behind=behind, min_px=0.5)

    # far legs first (behind everything), darker, offset inward (outward when the legs crowd)
    out = -0.8 if p.get("_crowded") else 1.0
    leg_back("leg_back_right", xb + off * out, far, darker(leg_mat_near), True)
    leg_front("leg_front_right", xf - off * out, far, darker(leg_mat_near), True)

    # ---------------------------------------------------------------- tail (behind the body)
    t0 = (hip[0] - r_mid * 0.75, yc - r_mid * 0.45)
    _tail(f, p, m, t0, chosen)
    f.pivot("tail_base", t0)

    # ---------------------------------------------------------------- neck + mane behind head
    na = math.radians(p["neck_angle"])
    n0 = (chest[0] + r_mid * 0.35, chest[1] - r_mid * 0.25)
    nl = p["neck_len"]
    head = (n0[0] + math.cos(na) * nl + p["head_r"] * 0.2, n0[1] - math.sin(na) * nl - p["head_r"] * 0.1)
    nr = r_mid * 0.62 * p["neck_w"]
    hr = p["head_r"]

    # ---------------------------------------------------------------- torso
    spine = [hip, mid, chest]
    radii = [r_mid * p["haunch"], r_mid * p["waist"], r_mid * p["chest"]]
    f.tube("body", spine, radii, prim, belly=belly, belly_min=0.55, highlight=False)
    f.capsule("body", n0, (head[0] - hr * 0.3, head[1] + hr * 0.1), nr, prim, r1=nr * 0.8 if nl > 0.1 else nr)
    f.pivot("neck", n0)
    if p["mane"] == "horse":
        _horse_mane(f, p, m, n0, head, nr, hr)
    if p.get("bristles"):
        _bristles(f, p, m, hip, chest, r_mid, small)
    # markings on the torso
    if chosen & {"spots", "stripes", "saddle", "patch"}:
        f.custom(lambda cv, fit: _markings(cv, fit, p, m, chosen, hip, chest, r_mid, yc))

    # ---------------------------------------------------------------- near legs
    leg_back("leg_back_left", xb, prim, leg_mat_near, False)
    leg_front("leg_front_left", xf, prim, leg_mat_near, False)
    if hoof:
        f.custom(lambda cv, fit: _hooves(cv, fit, lw, dark))
    if "chest_patch" in chosen:  # a pale bib on the throat and chest (wolves, foxes, moon bears)
        bib = (chest[0] + r_mid * p["chest"] * 0.75, chest[1] + r_mid * 0.1)
        f.custom(
            lambda cv, fit: cv.detail(
                disc(cv, fit.p(bib), max(r_mid * 0.4 * fit.s, 1.0), max(r_mid * 0.75 * fit.s, 1.5), angle=-25)
                & part_mask(cv, "body"),
                m["secondary"].ramp[BASE],
            )
        )

    # ---------------------------------------------------------------- head
    if p["mane"] == "lion":
        _lion_mane(f, p, m, head, hr, small)
    _head(f, p, m, head, hr, chosen, colors, spec, small)
    f.pivot("head", head)
    f.pivot("hip_front", (xf, yc))
    f.pivot("hip_back", (xb, yc))
    return f


# Tube-shaped tails: root offset (× body units), control points (× tail length, from the root),
# radii (× tail radius) and colour slot. The other kinds are single ellipses, drawn in _tail.
_TUBE_TAILS: dict[str, tuple[float, tuple[Pt, ...], tuple[float, ...], str]] = {
    "bushy": (0.04, ((-0.4, 0.05), (-0.8, 0.35), (-0.95, 0.7)), (0.45, 0.95, 1.0, 0.55), "primary"),
    "fox": (0.04, ((-0.45, 0.02), (-0.85, 0.22), (-1.05, 0.18)), (0.4, 0.95, 0.95, 0.45), "primary"),
    "thin_up": (0.03, ((-0.35, -0.05), (-0.55, -0.45), (-0.4, -0.85)), (1.0, 1.0, 0.9, 0.8), "primary"),
    "curl": (0.03, ((-0.35, -0.25), (-0.3, -0.7), (-0.05, -0.8)), (1.0, 1.0, 0.85, 0.6), "primary"),
    "tuft": (0.03, ((-0.45, 0.2), (-0.8, 0.25), (-0.95, -0.1)), (1.0, 1.0, 0.9, 0.9), "primary"),
    "hair": (0.02, ((-0.25, 0.1), (-0.4, 0.5), (-0.35, 0.95)), (0.6, 1.0, 0.95, 0.5), "secondary"),
    "curly": (0.03, ((-0.4, 0.1), (-0.55, 0.5), (-0.35, 0.55)), (1.0, 1.0, 0.9, 1.0), "primary"),
}


def _tail(f: Figure, p: dict, m: dict, t0, chosen) -> None:
    kind = p["tail"]
    L, r = p["tail_len"], p["tail_r"]
    prim, sec = m["primary"], m["secondary"]
    x, y = t0
    if kind in _TUBE_TAILS:
        root, ctrl, radii, slot = _TUBE_TAILS[kind]
        pts = [(x + root, y), *((x + L * fx, y + L * fy) for fx, fy in ctrl)]
        rad = [r * k for k in radii]
        # the last part of the tail in the secondary colour (a fox's, or a white tail tip)
        tip = 0.7 if kind == "fox" else 0.72 if kind == "bushy" and (
            "tail_tip" in chosen or p.get("tail_tip", False)) else None
        if tip is None:
            f.tube("tail", pts, rad, m[slot])
        else:
            f.tube(lambda ti: [("tail", ti.t < tip, None), ("tail", ti.t >= tip, sec)], pts, rad, m[slot])
    if kind == "tuft":
        f.ellipse("tail", (x - L * 0.98, y - L * 0.18), (r * 2.4, r * 3.0), sec, angle=20)
    elif kind == "curly":
        f.ellipse("tail", (x - L * 0.6, y + L * 0.55), (r * 1.8, r * 2.4), m["dark"])
    elif kind == "nub":
        f.ellipse("tail", (x - r * 0.4, y - r * 0.1), (r * 1.1, r * 0.9), prim)
    elif kind == "short_up":
        f.ellipse("tail", (x - r * 0.9, y - r * 1.0), (r * 0.8, r * 1.5), sec, angle=-35)


def _hooves(cv: PartCanvas, fit: Fit, lw: float, dark: Material) -> None:
    """Darken the last rows of every leg (hooves); cheaper than one more shape per leg."""
    k = max(1, round(lw * fit.s * 1.1))
    _, ground = fit.p((0.0, 0.0))
    y0 = max(0, int(np.floor(ground)) - k)
    ramp = np.array(dark.ramp, np.uint8)
    for name in ("leg_front_left", "leg_front_right", "leg_back_left", "leg_back_right"):
        sel = part_mask(cv, name)
        sel[:y0] = False
        tone = SHADOW if name.endswith("right") else BASE
        cv.rgb[sel] = ramp[tone]
        cv.mat[sel] = cv.material_id(dark)
        cv.rgb[sel & ~np.roll(sel, 1, axis=1)] = ramp[LIGHT if tone == BASE else BASE]


def _horse_mane(f: Figure, p: dict, m: dict, n0, head, nr, hr) -> None:
    # a strip of hair along the top of the neck, from the poll to the withers, with a jagged edge
    hx, hy = head[0] - hr * 0.5, head[1] - hr * 0.55
    wx, wy = n0[0] - nr * 0.9, n0[1] - nr * 0.7
    dx, dy = wx - hx, wy - hy
    ln = math.hypot(dx, dy) or 1.0
    nx, ny = dy / ln, -dx / ln  # normal pointing up-right of the line head->withers... orient to "up"
    if ny > 0:
        nx, ny = -nx, -ny
    w = nr * 0.55
    pts = [(hx + nx * w * 0.2, hy + ny * w * 0.2)]
    k = 4
    for i in range(1, k + 1):
        t = i / k
        bx, by = hx + dx * t, hy + dy * t
        a = w * (1.3 if i % 2 else 0.6)
        pts.append((bx + nx * a - dx / ln * w * 0.3, by + ny * a - dy / ln * w * 0.3))
    pts += [(wx - nx * w * 0.2, wy - ny * w * 0.2), (hx - nx * w, hy - ny * w)]
    f.poly("body", pts, m["secondary"], shading="rim")


def _bristles(f: Figure, p: dict, m: dict, hip, chest, r, small: bool) -> None:
    n = 3 if small else 5
    x0, x1 = hip[0] + r * 0.2, chest[0] + r * 0.5
    y0, y1 = hip[1] - r * p["haunch"] * 0.95, chest[1] - r * p["chest"] * 0.97
    pts = zigzag((x0, y0 + r * 0.12), (x1, y1 + r * 0.12), n, r * (0.45 if p.get("spiky") else 0.3), side=1.0)
    pts += [(x1 + r * 0.1, y1 + r * 0.35), (x0, y0 + r * 0.3)]
    f.poly("body", pts, m["secondary"] if not p.get("spiky") else m["dark"], shading="flat")


def _markings(cv: PartCanvas, fit: Fit, p: dict, m: dict, chosen: set, hip, chest, r, yc) -> None:
    body = part_mask(cv, "body")
    s = fit.s
    if "stripes" in chosen:
        ramp = m["dark"].ramp
        x0, _ = fit.p((hip[0] - r * 0.4, 0))
        x1, _ = fit.p((chest[0] + r * 0.2, 0))
        step = max(2.0, (x1 - x0) / 5)
        xs, ys = centres(cv)
        _, ytop = fit.p((0, yc - r))
        band = ((xs - x0 + (ys - ytop) * 0.35) % step) < max(1.0, step * 0.33)
        band &= (xs > x0) & (xs < x1) & (ys < ytop + r * s * 1.5)
        cv.detail(body & band, ramp[SHADOW if s < 25 else BASE])
    if "spots" in chosen or "patch" in chosen:
        ramp = (m[p.get("spot_slot", "dark")] if "spots" in chosen else m["secondary"]).ramp
        rng = np.random.default_rng(int(r * 1000) + len(chosen))  # placement from the proportions
        n = 2 if "patch" in chosen else (3 if s < 20 else 5)
        for _ in range(n):
            t = rng.uniform(0.1, 0.9)
            cx = hip[0] + (chest[0] - hip[0]) * t
            cy = yc + rng.uniform(-0.6, 0.2) * r
            rr = r * (0.5 if "patch" in chosen else 0.22)
            mm = disc(cv, fit.p((cx, cy)), max(rr * s, 1.0), max(rr * s * 0.8, 1.0))
            cv.detail(body & mm, ramp[BASE])
    if "saddle" in chosen:
        acc = m["accent"].ramp
        cx = (hip[0] + chest[0]) / 2 + 0.02
        x0, y0 = fit.p((cx - r * 0.6, yc - r * 1.2))
        x1, y1 = fit.p((cx + r * 0.6, yc + r * 0.1))
        mm = np.zeros((cv.h, cv.w), bool)
        mm[int(y0) : math.ceil(y1), int(x0) : math.ceil(x1)] = True
        cv.detail(body & mm, acc[BASE])
        cv.detail(body & mm & ~np.roll(mm, 1, 0), acc[LIGHT])


def _lion_mane(f: Figure, p: dict, m: dict, head, hr, small: bool) -> None:
    cx, cy = head[0] - hr * 0.45, head[1] + hr * 0.15
    R = hr * 1.75
    n = 7 if small else 10
    pts = []
    for i in range(2 * n):
        a = math.pi * 2 * i / (2 * n) + 0.2
        rr = R * (1.0 if i % 2 == 0 else 0.78)
        pts.append((cx + math.cos(a) * rr * 0.95, cy + math.sin(a) * rr * 1.05))
    f.poly("head", pts, m["secondary"], shading="rim")
    f.ellipse("head", (cx, cy), (R * 0.82, R * 0.88), m["secondary"], highlight=False)


def _head(f: Figure, p: dict, m: dict, head, hr, chosen, colors, spec, small) -> None:
    prim, sec, dark = m["primary"], m["secondary"], m["dark"]
    hx, hy = head
    sa = math.radians(p["snout_angle"])
    sl, sr = p["snout_len"], p["snout_r"]
    cute = styles_has(spec, "cute")
    ears = p["ears"]
    el = p["ear_len"]
    # far ear (behind the head)
    if ears in ("pointed", "small"):
        w = hr * (0.42 if ears == "pointed" else 0.3)
        bx = hx - hr * 0.15
        f.poly(
            "head",
            [
                (bx + hr * 0.12 - w, hy - hr * 0.45),
                (bx + hr * 0.12 + w, hy - hr * 0.6),
                (bx + hr * 0.05 + w * 0.1, hy - hr * 0.62 - el),
            ],
            darker(prim),
            shading="flat",
        )
    elif ears == "side":
        f.ellipse(
            "head",
            (hx - hr * 0.1, hy - hr * 0.85),
            (el * 0.45, hr * 0.28),
            darker(prim),
            angle=-60,
            shading="flat",
        )
    # antlers (far one behind the head)
    if p["horns"] == "antlers" and "no_antlers" not in chosen:
        _antlers(f, p, m, (hx - hr * 0.05, hy - hr * 0.7), hr, far=True, small=small)
    # cranium and snout
    f.ellipse("head", (hx, hy), (hr, hr * 0.88), prim)
    s0 = (hx + hr * 0.35, hy + hr * 0.12)
    s1 = (s0[0] + math.cos(sa) * sl, s0[1] + math.sin(sa) * sl)
    blaze = m.get("marking", sec)
    muzzle = sec if p.get("muzzle", False) else blaze if "blaze" in chosen else prim
    f.capsule("head", s0, s1, sr, muzzle, r1=sr * 0.85)
    if "blaze" in chosen:
        f.capsule(
            "head",
            (hx + hr * 0.2, hy - hr * 0.5),
            (s0[0] + (s1[0] - s0[0]) * 0.5, s0[1] - sr * 0.4),
            hr * 0.12,
            blaze,
            shading="flat",
        )
    # nose at the snout tip
    nose = (s1[0] + sr * 0.45, s1[1] - sr * 0.35)
    if "nose" in m:  # a flat snout disc (pigs, boars)
        f.ellipse("head", (s1[0] + sr * 0.55, s1[1]), (sr * 0.38, sr * 0.8), m["nose"], shading="rim")
        nose = (s1[0] + sr * 0.8, s1[1] - sr * 0.1)
    f.custom(lambda cv, fit: _nose(cv, fit, nose, sr, dark, p))
    if p.get("tusks"):
        tx, ty = s1[0] - sr * 0.7, s1[1] + sr * 0.35
        f.poly(
            "head",
            [(tx - sr * 0.5, ty), (tx + sr * 0.25, ty), (tx + sr * 0.2, ty - sr * 1.6)],
            m["horn"],
            shading="flat",
        )
    # near ear
    if ears in ("pointed", "small"):
        w = hr * (0.42 if ears == "pointed" else 0.3)
        bx = hx - hr * 0.45
        f.poly(
            "head",
            [(bx - w * 0.9, hy - hr * 0.35), (bx + w, hy - hr * 0.62), (bx - w * 0.25, hy - hr * 0.6 - el)],
            prim,
            shading="rim",
        )
        if not small:
            f.poly(
                "head",
                [
                    (bx - w * 0.45, hy - hr * 0.5),
                    (bx + w * 0.45, hy - hr * 0.62),
                    (bx - w * 0.2, hy - hr * 0.6 - el * 0.6),
                ],
                darker(sec),
                shading="flat",
            )
    elif ears == "floppy":
        f.ellipse(
            "head",
            (hx - hr * 0.45, hy - hr * 0.05),
            (hr * 0.32, el * 0.75),
            m.get("ear", darker(prim)),
            angle=18,
            inner="line",
        )
    elif ears == "round":
        f.ellipse("head", (hx - hr * 0.5, hy - hr * 0.75), (el * 0.55, el * 0.5), prim)
        f.ellipse(
            "head", (hx - hr * 0.45, hy - hr * 0.72), (el * 0.28, el * 0.25), darker(prim), shading="flat"
        )
    elif ears == "side":
        f.ellipse("head", (hx - hr * 0.55, hy - hr * 0.55), (el * 0.5, hr * 0.28), prim, angle=-20)
    if p["horns"] == "antlers" and "no_antlers" not in chosen:
        _antlers(f, p, m, (hx - hr * 0.3, hy - hr * 0.75), hr, far=False, small=small)
    # eye
    er = hr * (0.3 if cute else 0.2)
    ec = (hx + hr * 0.38, hy - hr * 0.18)
    eye_col = colors.get("eye", (30, 25, 25))
    if styles_has(spec, "horror", "dark_fantasy"):
        eye_col = (230, 40, 30)
    pupil = m["dark"].ramp[0]
    f.eye(
        ec,
        er,
        pupil,
        white=(250, 250, 245),
        big=cute,
        part="head",
        iris=eye_col,
        glint=(255, 255, 255) if not styles_has(spec, "horror") else None,
    )
    if "collar" in chosen:
        f.custom(lambda cv, fit: _collar(cv, fit, p, m, head, hr))
    if "mask" in chosen:
        f.custom(lambda cv, fit: _face_mask(cv, fit, head, hr, m))


def _nose(cv: PartCanvas, fit: Fit, c, sr, dark: Material, p) -> None:
    x, y = fit.p(c)
    r = sr * fit.s
    if r < 2.2:
        cv.pixel(x - 0.5, y, dark.ramp[SHADOW])
    else:
        mm = disc(cv, (x - r * 0.2, y), r * 0.45, r * 0.35)
        cv.detail(mm, dark.ramp[SHADOW], part="head", only_on=False)
    if p.get("tusks") and r >= 2.2:
        mm = disc(cv, (x, y + r * 0.3), r * 0.3, r * 0.55)
        cv.detail(mm, dark.ramp[SHADOW], part="head", only_on=False)


def _antlers(f: Figure, p: dict, m: dict, base, hr, far: bool, small: bool) -> None:
    mat = darker(m["horn"]) if far else m["horn"]
    bx, by = base
    if far:
        bx += hr * 0.4
        by += hr * 0.05
    L = hr * float(p.get("antler_len", 2.6))
    r = max(hr * 0.08, 0.012)
    beam = [
        (bx, by),
        (bx - L * 0.2, by - L * 0.45),
        (bx - L * 0.12, by - L * 0.85),
        (bx + L * 0.15, by - L * 1.05),
    ]
    kw = {"min_px": 0.5, "behind": far, "shading": "flat" if far else "cylinder"}
    for a, b in itertools.pairwise(beam):
        f.capsule("head", a, b, r, mat, **kw)
    tines = [
        ((bx - L * 0.08, by - L * 0.2), (bx + L * 0.22, by - L * 0.32)),
        (beam[1], (beam[1][0] + L * 0.32, beam[1][1] - L * 0.28)),
        (beam[2], (beam[2][0] + L * 0.3, beam[2][1] - L * 0.08)),
    ]
    if small or L * p.get("_s", 50.0) < 20:
        if far:
            return
        beam = [(bx, by), (bx - L * 0.12, by - L * 0.35), (bx - L * 0.65, by - L * 0.95)]
        tines = [((bx - L * 0.12, by - L * 0.35), (bx + L * 0.5, by - L * 0.9))]
        for a, b in itertools.pairwise(beam):
            f.capsule("head", a, b, r, mat, **kw)
        for a, b in tines:
            f.capsule("head", a, b, r, mat, **kw)
        return
    for a, b in tines:
        f.capsule("head", a, b, r, mat, r1=r * 0.7, **kw)


def _collar(cv: PartCanvas, fit: Fit, p, m, head, hr) -> None:
    if "body" not in cv.part_names:
        return
    acc = m["accent"].ramp
    hx, hy = head
    c = fit.p((hx - hr * 0.95, hy + hr * 0.75))
    mm = disc(cv, c, max(hr * 0.22 * fit.s, 0.8), max(hr * 0.9 * fit.s, 1.5), angle=-25)
    cv.detail(mm & (part_mask(cv, "body") | part_mask(cv, "head")), acc[BASE])
    gx, gy = fit.p((hx - hr * 0.9, hy + hr * 1.35))
    cv.pixel(gx, gy, (240, 200, 60))


def _face_mask(cv: PartCanvas, fit: Fit, head, hr, m) -> None:
    hx, hy = head
    mm = disc(cv, fit.p((hx + hr * 0.35, hy - hr * 0.15)), hr * 0.5 * fit.s, hr * 0.28 * fit.s)
    cv.detail(mm & part_mask(cv, "head"), m["dark"].ramp[BASE])


# ---------------------------------------------------------------------------- top-down view
def _build_top(p: dict, m: dict, spec: SpriteSpec, colors: dict, small: bool) -> Figure:
    """From above, head to the right (the animal's left side is the top of the image):
    splayed legs under the torso, the head with ears and eyes, the tail."""
    f = Figure()
    prim, sec, dark = m["primary"], m["secondary"], m["dark"]
    bw = p["body_h"] * 0.72
    lw, ll = p["leg_w"] * 1.2, min(p["leg_len"], 0.5)
    hip, chest = (-0.3, 0.0), (0.28, 0.0)
    hoof = p["feet"] == "hoof"
    for name, x, side in (
        ("leg_front_left", chest[0], -1),
        ("leg_back_left", hip[0] + 0.04, -1),
        ("leg_front_right", chest[0], 1),
        ("leg_back_right", hip[0] + 0.04, 1),
    ):
        stride = (0.12 if "front" in name else -0.1) * (1 if side < 0 else 0.6)
        top = (x, side * bw * 0.5)
        foot = (x + stride, side * (bw * 0.95 + ll * 0.3))
        f.capsule(name, top, foot, lw * 1.2, prim, r1=lw)
        f.ellipse(name, foot, (lw * 1.2, lw * 1.1), dark if hoof else prim)
        f.pivot(("hip_" if "back" in name else "shoulder_") + name[4:], top)
        f.pivot("foot_" + name[4:], foot)
    t0 = (hip[0] - bw * 0.85, 0.0)
    L, r = p["tail_len"], p["tail_r"]
    kind = p["tail"]
    if kind in ("nub", "short_up"):
        f.ellipse("tail", (t0[0] - r * 1.2, 0), (r * 1.4, r * 1.2), sec if kind == "short_up" else prim)
    else:
        tm = sec if kind == "hair" else prim
        rr = r if kind in ("bushy", "fox", "hair") else max(r, 0.035)
        pts = [(t0[0] + 0.06, 0), (t0[0] - L * 0.45, L * 0.15), (t0[0] - L * 0.9, L * 0.02)]
        if kind == "fox" or "tail_tip" in p["chosen"]:
            f.tube(
                lambda ti: [("tail", ti.t < 0.7, None), ("tail", ti.t >= 0.7, sec)],
                pts,
                [rr * 0.5, rr, rr * 0.6],
                tm,
            )
        else:
            f.tube("tail", pts, [rr * 0.6, rr, rr * 0.7], tm)
        if kind == "tuft":
            f.ellipse("tail", pts[-1], (r * 2.6, r * 2.6), sec)
    f.pivot("tail_base", t0)
    f.tube(
        "body",
        [hip, (0.0, 0.0), chest],
        [bw * p["haunch"], bw * p["waist"], bw * p["chest"]],
        prim,
        highlight=False,
    )
    if p.get("bristles") or p.get("mane") == "horse":
        f.capsule("body", (hip[0] + 0.04, 0), (chest[0] + bw * 0.5, 0), bw * 0.22, sec, shading="flat")
    if "saddle" in p["chosen"]:
        f.capsule("body", (-0.02, -bw * 0.8), (-0.02, bw * 0.8), bw * 0.35, m["accent"])
    hr = p["head_r"] * 1.15
    head = (chest[0] + bw * 0.75 + hr * 0.75 + p["neck_len"] * 0.2, 0.0)
    f.capsule("body", chest, head, min(bw * 0.55, hr * 0.75), prim)
    if p["mane"] == "lion":
        f.ellipse("head", (head[0] - hr * 0.45, 0), (hr * 1.45, hr * 1.65), sec, inner="line")
    f.ellipse("head", head, (hr * 1.05, hr * 0.95), prim, inner="line")
    sl = p["snout_len"] * 0.9 + hr * 0.2
    f.capsule(
        "head",
        (head[0] + hr * 0.4, 0),
        (head[0] + hr * 0.5 + sl, 0),
        p["snout_r"] * 1.05,
        prim,
        r1=p["snout_r"] * 0.8,
    )
    tip = (head[0] + hr * 0.5 + sl + p["snout_r"] * 0.45, 0)
    f.custom(lambda cv, fit: cv.pixel(*fit.p((tip[0] - fit.unit(0.6), 0)), dark.ramp[SHADOW], part="head"))
    el = p["ear_len"]
    ears = p["ears"]
    for side in (-1, 1):
        if ears == "floppy":
            f.ellipse(
                "head",
                (head[0] - hr * 0.3, side * hr * 0.85),
                (hr * 0.5, hr * 0.32),
                darker(prim),
                angle=-side * 25,
            )
        elif ears == "round":
            f.ellipse("head", (head[0] - hr * 0.45, side * hr * 0.8), (el * 0.45, el * 0.5), prim)
        else:
            f.poly(
                "head",
                [
                    (head[0] - hr * 0.75, side * hr * 0.3),
                    (head[0] - hr * 0.05, side * hr * 0.6),
                    (head[0] - hr * 0.6 - el * 0.6, side * (hr * 0.85 + el * 0.9)),
                ],
                prim,
                shading="rim",
                inner="line",
            )
    if p["horns"] == "antlers" and "no_antlers" not in p["chosen"]:
        for side in (-1, 1):
            a = (head[0] - hr * 0.2, side * hr * 0.45)
            b = (head[0] - hr * 0.9, side * hr * 2.3)
            f.capsule("head", a, b, 0.018, m["horn"], min_px=0.5)
            f.capsule("head", b, (head[0] + hr * 0.1, side * hr * 2.6), 0.016, m["horn"], min_px=0.5)
    for side in (-1, 1):
        ec = (head[0] + hr * 0.4, side * hr * 0.42)
        f.custom(lambda cv, fit, ec=ec: eye(cv, fit, ec, hr * 0.14, dark.ramp[0], glint=None, part="head"))
    f.pivot("head", head)
    f.pivot("neck", (chest[0] + bw * 0.5, 0))
    f.pivot("hip_front", (chest[0], 0))
    f.pivot("hip_back", (hip[0] + 0.04, 0))
    return f


def _hidden(cv: PartCanvas) -> bool:
    """Whether a leg no longer reaches the ground or the tail shows less than 2 pixels."""
    ground = int(np.nonzero((cv.alpha > 0).any(1))[0].max())
    tol = max(1, round(0.06 * cv.h))
    for name in ("leg_front_right", "leg_back_right", "leg_front_left", "leg_back_left", "tail"):
        rows = np.nonzero(part_mask(cv, name).any(1))[0]
        if rows.size == 0 or part_mask(cv, name).sum() < 2 or (name != "tail" and ground - rows.max() > tol):
            return True
    return False


# ---------------------------------------------------------------------------- entry point
def render(spec: SpriteSpec, look: Mapping, rng: np.random.Generator) -> RenderedSprite:
    """Draw one quadruped for ``spec`` from its catalogue ``look`` table."""
    h, w = spec.size
    colors = dict(DEFAULT_COLORS)
    colors.update(look_colors(spec, look, rng))
    m = make_materials(colors, spec.style)
    p = _params(spec, look, rng)
    small = min(h, w) < 28
    cv = PartCanvas(h, w)
    if spec.view == "top_down":
        f = _build_top(p, m, spec, colors, small)
        fit = f.fit(h, w, anchor="center")
        f.draw(cv, fit)
        piv = dict(f.pivots)
        piv["ground"] = (0.0, 0.0)
        return finish(cv, piv, fit, facing="right")
    f = _build_side(p, m, spec, colors, small)
    # the level of detail follows the pixel scale (pixels per body length), not the canvas size
    p["_s"] = f.fit(h, w).s
    small = p["_s"] < 30
    f = _build_side(p, m, spec, colors, small)
    # tall canvases: stretch legs and neck a little so the animal uses the height
    x0, y0, x1, y1 = f.bbox()
    aspect = (y1 - y0) / (x1 - x0)
    want = (h - 2) / (w - 2)
    if want > 1.2 and want > aspect * 1.15:
        k = min(1.3, (want / max(aspect, 1.0)) ** 0.5)
        p["leg_len"] *= k
        p["neck_len"] *= k
        p["neck_angle"] = min(75.0, p["neck_angle"] + 10 * (k - 1) / 0.35)
        f = _build_side(p, m, spec, colors, small)
    fit = f.fit(h, w, anchor="ground")
    f.draw(cv, fit)
    if _hidden(cv):  # small or stocky animals: the far legs / the tail disappeared behind the body
        p["_crowded"] = True
        p["tail_r"] *= 1.5
        f = _build_side(p, m, spec, colors, small)
        fit = f.fit(h, w, anchor="ground")
        cv = PartCanvas(h, w)
        f.draw(cv, fit)
    piv = dict(f.pivots)
    feet = [piv[k] for k in piv if k.startswith("foot_")]
    piv["ground"] = (float(np.mean([q[0] for q in feet])), f.bbox()[3])
    return finish(cv, piv, fit, facing="right")
