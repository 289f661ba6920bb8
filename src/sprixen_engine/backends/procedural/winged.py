"""Flying creatures: dragon, bat, bird, eagle, owl, phoenix, bee.

Wings are spread in a mid-flap pose so the sprite reads as flying. ``look.kind`` picks the
builder:

- ``bird`` (side view facing right; also eagle and phoenix through data): round body, head
  with beak (``beak``: short, hooked, long), feathered wings (near wing in front, far wing
  behind and darker), tail (``tail``: fan, long, flame), legs tucked or talons;
- ``dragon`` (side view): tube torso/neck/tail with lighter belly, horned head, spikes along
  the back, membrane wings with bones, legs (``legs`` 2 or 4);
- ``bat`` and ``owl`` (front view, ``facing="front"``): symmetric spread wings;
- ``bee`` (side view): head, fuzzy thorax, striped abdomen with stinger, translucent wings.

Proportions: ``body_w``, ``body_h``, ``head_r``, ``wing_span``, ``tail_len``, ``beak_len``
(jittered ±10 % per seed, as is the flap angle); ``extras`` each seed may pick
(``white_head``, ``crest``, ``light_belly``, ``no_fangs``, ``no_tufts``, ``big_spikes``),
``options`` per-seed alternatives (``legs``, ``horn_len``, ``tail_tip``, ``ear_len``,
``scallop``, ``tail``, ``feathers``, ``stripes`` ...). Colours: ``primary`` (body), ``secondary`` (belly,
membrane, face disc), ``wing`` (wing colour if different), ``accent`` (wing tips, flames,
stripes), ``beak``, ``horn``, ``eye``; ``alt_colors`` natural alternatives.

Pivots: ``wing_root_left``, ``wing_root_right``, ``neck``, ``tail_base``, ``ground`` (below
the body at rest), ``center``; for the dragon also ``hip_*``/``foot_*``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..base import RenderedSprite, SpriteSpec
from .anatomy import (
    OUTLINE,
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
    resample,
    retone,
    styles_has,
    vary,
)

Pt = tuple[float, float]

DEFAULT_COLORS = {
    "primary": (120, 90, 70),
    "secondary": (220, 200, 170),
    "accent": (240, 140, 40),
    "beak": (240, 190, 50),
    "horn": (230, 220, 190),
    "eye": (30, 25, 25),
    "wing": (120, 90, 70),
}


def _rot(p: Pt, c: Pt, deg: float, scale: float = 1.0, dx: float = 0.0, dy: float = 0.0) -> Pt:
    a = math.radians(deg)
    x, y = (p[0] - c[0]) * scale, (p[1] - c[1]) * scale
    return (c[0] + x * math.cos(a) - y * math.sin(a) + dx, c[1] + x * math.sin(a) + y * math.cos(a) + dy)


def _params(spec: SpriteSpec, look: Mapping, rng: np.random.Generator) -> dict:
    p = {k: v for k, v in look.items() if k not in ("colors", "alt_colors")}
    p.setdefault("kind", "bird")
    defaults = {
        "body_w": 0.26,
        "body_h": 0.17,
        "head_r": 0.12,
        "wing_span": 1.0,
        "tail_len": 0.3,
        "beak_len": 0.1,
    }
    for k, v in defaults.items():
        p.setdefault(k, v)
    vary(p, rng, tuple(defaults))
    p["flap"] = float(rng.uniform(-12, 12))
    p["cute"] = styles_has(spec, "cute")
    p["scary"] = styles_has(spec, "horror", "dark_fantasy")
    if p["cute"]:
        p["head_r"] *= 1.4
        p["body_w"] *= 0.9
        p["wing_span"] *= 0.85
    return p


# ---------------------------------------------------------------------------- wings
def _feather_wing(root: Pt, span: float, notches: int) -> list[Pt]:
    """A raised feathered wing (side view), root at ``root``, tip up and back; unit span."""
    rx, ry = root
    S = span
    lead = [
        (rx + 0.04 * S, ry - 0.02 * S),
        (rx + 0.03 * S, ry - 0.25 * S),
        (rx - 0.04 * S, ry - 0.46 * S),
        (rx - 0.2 * S, ry - 0.66 * S),
        (rx - 0.36 * S, ry - 0.76 * S),
    ]
    # trailing edge: from the tip back down to the body, with primary feather points
    tip = lead[-1]
    end = (rx - 0.2 * S, ry + 0.02 * S)
    trail = []
    for i in range(1, 2 * notches + 1):
        t = i / (2 * notches)
        bx = tip[0] + (end[0] - tip[0]) * t
        by = tip[1] + (end[1] - tip[1]) * t
        # bulge the trailing edge backward
        bulge = math.sin(math.pi * t) * 0.1 * S
        k = 0.0 if i % 2 == 0 else 0.07 * S * (1 - t * 0.6)
        trail.append((bx - bulge + k * 0.7, by - k * 0.7))
    return lead + trail


def _membrane_wing(root: Pt, span: float, fingers: int = 3) -> tuple[list[Pt], Pt, list[Pt]]:
    """A raised bat/dragon wing (side view): polygon, wrist, finger tips."""
    rx, ry = root
    S = span
    wrist = (rx - 0.02 * S, ry - 0.55 * S)
    tips = [(rx - 0.3 * S, ry - 0.8 * S), (rx - 0.5 * S, ry - 0.52 * S), (rx - 0.5 * S, ry - 0.22 * S)][
        :fingers
    ]
    back = (rx - 0.26 * S, ry + 0.02 * S)
    pts = [(rx + 0.05 * S, ry), (rx + 0.05 * S, ry - 0.3 * S), wrist, tips[0]]
    prev = tips[0]
    for t in tips[1:] + [back]:
        mid = ((prev[0] + t[0]) / 2, (prev[1] + t[1]) / 2)
        # scallop: pull the membrane edge between two fingers toward the wrist
        pts.append((mid[0] + (wrist[0] - mid[0]) * 0.3, mid[1] + (wrist[1] - mid[1]) * 0.3))
        pts.append(t)
        prev = t
    return pts, wrist, tips


def _xf(
    pts: list[Pt],
    root: Pt,
    deg: float,
    scale: float = 1.0,
    dx: float = 0.0,
    dy: float = 0.0,
    mirror: bool = False,
) -> list[Pt]:
    out = []
    for x, y in pts:
        if mirror:
            x = 2 * root[0] - x
        out.append(_rot((x, y), root, deg, scale, dx, dy))
    return out


def _bones(cv: PartCanvas, fit: Fit, wrist: Pt, tips: list[Pt], root: Pt, mat: Material, part: str) -> None:
    col = mat.ramp[SHADOW] if fit.s < 40 else mat.ramp[OUTLINE]
    sel = part_mask(cv, part)
    w = fit.p(wrist)
    for t in tips:
        tt = fit.p(t)
        # stop a pixel short of the tip so the outline stays clean
        q = (w[0] + (tt[0] - w[0]) * 0.92, w[1] + (tt[1] - w[1]) * 0.92)
        cv.detail(cv.line_mask(w, q) & sel, col)
    cv.detail(cv.line_mask(fit.p(root), w) & sel, col)


# ---------------------------------------------------------------------------- bird / eagle / phoenix
def _bird(f: Figure, p: dict, m: dict, colors: dict) -> str:
    bw, bh, hr = p["body_w"], p["body_h"], p["head_r"]
    prim, sec = m["primary"], m["secondary"]
    wing = m.get("wing", prim)
    S = 0.95 * p["wing_span"]
    chosen = p["chosen"]
    fire = p.get("tail") == "flame"
    body_c = (0.0, 0.0)
    root = (0.03, -bh * 0.55)
    flap = p["flap"]
    notches = int(p.get("feathers", 4))
    # far wing: rotated forward, darker, behind everything
    far_pts = _xf(_feather_wing(root, S * 0.92, notches), root, 28 + flap * 0.5, dx=0.05)
    _wing_paint(f, "wing_right", far_pts, darker(wing), m, p, root, S, fire, far=True)
    # tail
    tl = p["tail_len"]
    t0 = (-bw * 0.75, -bh * 0.05)
    kind = p.get("tail", "fan")
    if kind == "flame":
        lines = []
        for i, (ang, ln) in enumerate(((-12, 0.85), (12, 1.2), (36, 0.95))):
            a = math.radians(ang)
            L = tl * ln
            wob = bh * 0.35 * (1 if i % 2 else -1)
            pts = [t0]
            for k, fr in enumerate((0.3, 0.55, 0.8, 1.0)):
                sgn = 1 if k % 2 else -1
                pts.append((t0[0] - L * fr * math.cos(a), t0[1] + L * fr * math.sin(a) + wob * sgn * fr))
            lines.append([tuple(v) for v in resample(pts, 14)])
        rad = np.linspace(bh * 0.5, bh * 0.1, 14) * np.r_[np.linspace(0.7, 1.0, 4), np.ones(10)]
        f.tubes(
            lambda ti: [
                ("tail", ti.t < 0.3, None),
                ("tail", (ti.t >= 0.3) & (ti.t < 0.7), m["secondary"]),
                ("tail", ti.t >= 0.7, m["accent"]),
            ],
            lines,
            [rad] * 3,
            prim,
        )
    elif kind == "long":
        f.poly(
            "tail",
            [
                (t0[0] + 0.05, t0[1] - bh * 0.35),
                (t0[0] - tl, t0[1] + tl * 0.25),
                (t0[0] - tl * 0.95, t0[1] + tl * 0.45),
                (t0[0] + 0.05, t0[1] + bh * 0.4),
            ],
            wing,
            shading="rim",
        )
    else:
        f.poly(
            "tail",
            [
                (t0[0] + 0.06, t0[1] - bh * 0.4),
                (t0[0] - tl, t0[1] - bh * 0.35),
                (t0[0] - tl * 1.08, t0[1] + bh * 0.1),
                (t0[0] - tl, t0[1] + bh * 0.55),
                (t0[0] + 0.06, t0[1] + bh * 0.45),
            ],
            wing,
            shading="rim",
        )
    f.pivot("tail_base", t0)
    # legs
    legc = m["beak"]
    for side, name in ((0, "leg_right"), (1, "leg_left")):
        hx = -bw * 0.05 + side * bw * 0.15
        a = (hx, bh * 0.6)
        b = (hx - bw * 0.35, bh * 1.2)
        mat = legc if side else darker(legc)
        f.capsule(name, a, b, bh * 0.1, mat, behind=not side, shading="flat" if not side else "cylinder")
        if p.get("talons"):
            f.capsule(name, b, (b[0] + bw * 0.12, b[1] + bh * 0.18), bh * 0.08, mat)
        f.pivot("hip_" + name[4:], a)
        f.pivot("foot_" + name[4:], b)
    # body, belly, head
    f.ellipse("body", body_c, (bw, bh), prim, angle=-10)
    f.ellipse(
        "body", (bw * 0.2, bh * 0.3), (bw * 0.62, bh * 0.6), sec, angle=-10, shading="sphere", highlight=False
    )
    hc = (bw * 0.95, -bh * 0.75)
    head_mat = m["secondary"] if ("white_head" in chosen or p.get("head") == "secondary") else prim
    if "white_head" in chosen:
        head_mat = m["head"]
    f.capsule("head", (bw * 0.55, -bh * 0.2), hc, hr * 0.85, head_mat, r1=hr * 0.9)
    f.ellipse("head", hc, (hr, hr * 0.92), head_mat)
    f.pivot("neck", (bw * 0.6, -bh * 0.35))
    if p.get("crest") or "crest" in chosen:
        cm = m["accent"] if fire else head_mat
        cx, cy = hc
        f.poly(
            "head",
            [
                (cx - hr * 0.4, cy - hr * 0.6),
                (cx - hr * 1.3, cy - hr * 1.6),
                (cx - hr * 0.5, cy - hr * 1.1),
                (cx - hr * 0.2, cy - hr * 1.8),
                (cx + hr * 0.1, cy - hr * 0.85),
            ],
            cm,
            shading="rim",
        )
    # beak
    bl = p["beak_len"]
    bx0 = hc[0] + hr * 0.75
    by0 = hc[1] + hr * 0.05
    beak = p.get("beak", "short")
    if beak == "hooked":
        pts = [
            (bx0 - hr * 0.1, by0 - hr * 0.45),
            (bx0 + bl * 0.7, by0 - hr * 0.35),
            (bx0 + bl, by0 - hr * 0.05),
            (bx0 + bl * 0.85, by0 + hr * 0.35),
            (bx0 + bl * 0.55, by0 + hr * 0.05),
            (bx0 - hr * 0.1, by0 + hr * 0.35),
        ]
    else:
        pts = [
            (bx0 - hr * 0.1, by0 - hr * 0.32),
            (bx0 + bl, by0 + hr * 0.05),
            (bx0 - hr * 0.1, by0 + hr * 0.4),
        ]
    f.poly("head", pts, m["beak"], shading="rim", highlight=True)
    er = hr * (0.24 if not p["cute"] else 0.36)
    ec = (hc[0] + hr * 0.3, hc[1] - hr * 0.15)
    f.eye(
        ec,
        er,
        m["primary"].ramp[OUTLINE] if not p["scary"] else (200, 30, 30),
        white=(255, 255, 255),
        big=p["cute"],
        iris=colors.get("eye_iris"),
        part="head",
    )
    # near wing last (in front of the body)
    near_pts = _xf(_feather_wing(root, S, notches), root, -4 + flap)
    _wing_paint(f, "wing_left", near_pts, wing, m, p, root, S, fire, far=False)
    f.pivot("wing_root_left", root)
    f.pivot("wing_root_right", (root[0] + 0.05, root[1]))
    f.pivot("center", body_c)
    return "right"


def _wing_paint(
    f: Figure,
    part: str,
    pts: list[Pt],
    mat: Material,
    m: dict,
    p: dict,
    root: Pt,
    S: float,
    fire: bool,
    far: bool,
) -> None:
    f.poly(part, pts, mat, shading="rim", inner=None if far else "shade")
    tips = p.get("wing_tips")
    if fire or tips:
        tip_mat = m["accent"] if not far else darker(m["accent"])

        def paint_tips(cv: PartCanvas, fit: Fit) -> None:
            sel = part_mask(cv, part)
            rx, ry = fit.p(root)
            ys, xs = np.nonzero(sel)
            if ys.size == 0:
                return
            d = np.hypot(xs + 0.5 - rx, ys + 0.5 - ry)
            far_ = d > d.max() * (0.62 if fire else 0.72)
            mk = np.zeros_like(sel)
            mk[ys[far_], xs[far_]] = True
            retone(cv, mk, mat, tip_mat, own=True)

        f.custom(paint_tips)
    if not far:

        def feather_lines(cv: PartCanvas, fit: Fit) -> None:
            if fit.s * S < 30:
                return
            sel = part_mask(cv, part)
            # lines from the notches of the trailing edge toward the wing's middle
            n = len(pts) - 5
            cx, cy = fit.p(pts[2])
            col = mat.ramp[SHADOW]
            for i in range(1, n, 2):
                q = fit.p(pts[5 + i])
                a = (q[0] + (cx - q[0]) * 0.12, q[1] + (cy - q[1]) * 0.12)
                b = (q[0] + (cx - q[0]) * 0.45, q[1] + (cy - q[1]) * 0.45)
                cv.detail(cv.line_mask(a, b) & sel, col)

        f.custom(feather_lines)


# ---------------------------------------------------------------------------- dragon
def _dragon(f: Figure, p: dict, m: dict, colors: dict) -> str:
    prim, sec = m["primary"], m["secondary"]
    memb = m.get("wing", sec)
    bw, bh, hr = p["body_w"], p["body_h"], p["head_r"]
    S = p["wing_span"]
    flap = p["flap"]
    hip = (-bw * 0.6, 0.02)
    chest = (bw * 0.55, -0.02)
    root = (-bw * 0.2, -bh * 0.75)
    S = S * 0.72
    # far wing
    far_pts, fw, ftips = _membrane_wing(root, S * 0.9)
    far_pts = _xf(far_pts, root, 30 + flap * 0.5, dx=0.06)
    fw = _rot(fw, root, 30 + flap * 0.5, 1.0, 0.06)
    ftips = [_rot(t, root, 30 + flap * 0.5, 1.0, 0.06) for t in ftips]
    f.poly("wing_right", far_pts, darker(memb), shading="flat")
    f.custom(
        lambda cv, fit: (
            _bones(cv, fit, fw, ftips, (root[0] + 0.06, root[1]), darker(prim), "wing_right")
            if fit.s * S > 40
            else None
        )
    )
    # far legs
    legs = int(p.get("legs", 4))
    _dragon_leg(f, "leg_back_right", (hip[0] + 0.06, hip[1] + bh * 0.3), bh, darker(prim), True, p)
    if legs == 4:
        _dragon_leg(
            f, "leg_front_right", (chest[0] + 0.04, chest[1] + bh * 0.5), bh * 0.8, darker(prim), True, p
        )
    # tail
    tl = p["tail_len"]
    tail = [
        (hip[0] + 0.05, hip[1]),
        (hip[0] - tl * 0.35, hip[1] + bh * 0.5),
        (hip[0] - tl * 0.75, hip[1] + bh * 0.3),
        (hip[0] - tl, hip[1] - bh * 0.4),
    ]
    tail = [tuple(v) for v in resample(tail, 14)]
    f.tube("tail", tail, np.linspace(bh * 0.75, bh * 0.15, 14), prim, belly=sec, belly_min=0.5)
    tip = tail[-1]
    d = np.subtract(tail[-1], tail[-3])
    d = d / (np.hypot(*d) or 1)
    nx, ny = -d[1], d[0]
    R = bh * 0.55
    f.poly(
        "tail",
        [
            (tip[0] - d[0] * R * 0.3, tip[1] - d[1] * R * 0.3),
            (tip[0] + nx * R, tip[1] + ny * R),
            (tip[0] + d[0] * R * 1.4, tip[1] + d[1] * R * 1.4),
            (tip[0] - nx * R, tip[1] - ny * R),
        ],
        m["accent"] if "spade" in p.get("tail_tip", "spade") else prim,
        shading="rim",
    )
    f.pivot("tail_base", (hip[0] - 0.02, hip[1]))
    # back spikes (behind the body)
    spine = [
        (hip[0] - tl * 0.6, hip[1] + bh * 0.45 - bh * 0.75),
        (hip[0], hip[1] - bh * 0.95),
        (chest[0], chest[1] - bh * 1.0),
    ]
    big = p["scary"] or "big_spikes" in p["chosen"]
    _spikes(f, spine, bh * (0.65 if big else 0.45), m["accent"], 8 if big else 6)
    # torso, neck, head
    hc = (chest[0] + bw * 0.8, chest[1] - bh * 2.6)
    neck = [tuple(v) for v in resample([chest, (chest[0] + bw * 0.35, chest[1] - bh * 1.0), hc], 10)]
    torso = [hip, ((hip[0] + chest[0]) / 2, 0.0), chest]
    f.tubes(
        "body",
        [torso, neck],
        [[bh, bh * 0.95, bh * 1.05], np.linspace(bh * 0.7, hr * 0.6, 10)],
        prim,
        belly=sec,
        belly_min=0.45,
    )
    f.pivot("neck", (chest[0] + 0.02, chest[1] - bh * 0.6))
    # horns behind the head
    horn = m["horn"]
    cx, cy = hc
    hl = float(p.get("horn_len", 1.0))
    f.poly(
        "head",
        [
            (cx - hr * 0.1, cy - hr * 0.5),
            (cx - hr * 1.6 * hl, cy - hr * 1.5 * hl),
            (cx - hr * 0.6, cy - hr * 0.2),
        ],
        darker(horn),
        shading="flat",
    )
    f.ellipse("head", hc, (hr, hr * 0.8), prim)
    f.capsule(
        "head", (cx + hr * 0.4, cy + hr * 0.1), (cx + hr * 1.5, cy + hr * 0.3), hr * 0.55, prim, r1=hr * 0.42
    )
    f.capsule(
        "head", (cx + hr * 0.2, cy + hr * 0.5), (cx + hr * 1.3, cy + hr * 0.6), hr * 0.28, sec, shading="flat"
    )
    f.poly(
        "head",
        [
            (cx + hr * 0.05, cy - hr * 0.55),
            (cx - hr * 1.3 * hl, cy - hr * 1.1 * hl),
            (cx - hr * 0.45, cy - hr * 0.15),
        ],
        horn,
        shading="rim",
    )
    er = hr * (0.26 if not p["cute"] else 0.4)
    eye_col = colors.get("eye", (240, 200, 40))
    f.eye(
        (cx + hr * 0.35, cy - hr * 0.15),
        er,
        m["primary"].ramp[OUTLINE],
        white=(255, 255, 255),
        big=p["cute"],
        iris=eye_col,
        part="head",
    )
    f.custom(
        lambda cv, fit: (
            cv.pixel(*fit.p((cx + hr * 1.55, cy + hr * 0.05)), prim.ramp[OUTLINE], part="head")
            if fit.s * hr > 3.5
            else None
        )
    )
    # near legs
    _dragon_leg(f, "leg_back_left", (hip[0], hip[1] + bh * 0.3), bh, prim, False, p)
    if legs == 4:
        _dragon_leg(f, "leg_front_left", (chest[0] - 0.02, chest[1] + bh * 0.5), bh * 0.8, prim, False, p)
    # near wing
    pts, wr, tips = _membrane_wing(root, S)
    pts = _xf(pts, root, -6 + flap)
    wr = _rot(wr, root, -6 + flap)
    tips = [_rot(t, root, -6 + flap) for t in tips]
    f.poly("wing_left", pts, memb, shading="rim", inner="line")
    f.custom(lambda cv, fit: _bones(cv, fit, wr, tips, root, prim, "wing_left"))
    f.pivot("wing_root_left", root)
    f.pivot("wing_root_right", (root[0] + 0.06, root[1]))
    f.pivot("center", (0.0, 0.0))
    return "right"


def _dragon_leg(f: Figure, name: str, top: Pt, bh: float, mat: Material, behind: bool, p: dict) -> None:
    knee = (top[0] + bh * 0.35, top[1] + bh * 0.55)
    foot = (top[0] - bh * 0.05, top[1] + bh * 1.05)
    f.ellipse(name, (top[0], top[1] + bh * 0.1), (bh * 0.45, bh * 0.55), mat, behind=behind)
    f.capsule(name, top, knee, bh * 0.3, mat, r1=bh * 0.22, behind=behind)
    f.capsule(name, knee, foot, bh * 0.22, mat, r1=bh * 0.18, behind=behind)
    f.capsule(name, foot, (foot[0] + bh * 0.35, foot[1] + bh * 0.05), bh * 0.14, mat, behind=behind)
    f.pivot("hip_" + name[4:], top)
    f.pivot("foot_" + name[4:], (foot[0], foot[1] + bh * 0.15))


def _spikes(f: Figure, line: list[Pt], hgt: float, mat: Material, n: int) -> None:
    """A row of ``n`` spikes along ``line`` (on its upper side), painted as one zigzag polygon."""
    pts = [tuple(v) for v in resample(line, n * 2 + 1)]
    top, base = [], []
    for i, c in enumerate(pts):
        a, b = pts[max(i - 1, 0)], pts[min(i + 1, len(pts) - 1)]
        d = np.subtract(b, a)
        ln = float(np.hypot(*d)) or 1.0
        nx, ny = d[1] / ln, -d[0] / ln
        if ny > 0:
            nx, ny = -nx, -ny
        k = hgt * (0.6 + 0.4 * math.sin(math.pi * i / len(pts))) if i % 2 else 0.0
        top.append((c[0] + nx * k - d[0] / ln * k * 0.4, c[1] + ny * k - d[1] / ln * k * 0.4))
        base.append((c[0] - nx * hgt * 0.3, c[1] - ny * hgt * 0.3))
    f.poly("body", top + base[::-1], mat, shading="rim")


# ---------------------------------------------------------------------------- bat (front view)
def _bat(f: Figure, p: dict, m: dict, colors: dict) -> str:
    prim, memb = m["primary"], m.get("wing", m["secondary"])
    bw, bh, hr = p["body_w"], p["body_h"], p["head_r"]
    S = p["wing_span"]
    flap = p["flap"]
    for side, name in ((1, "wing_left"), (-1, "wing_right")):  # the bat's left is the image right
        root = (side * bw * 0.6, -bh * 0.35)
        wrist = (side * S * 0.42, -bh * 0.35 - S * 0.3 - flap * 0.004)
        tips = [
            (side * S * 0.72, -bh * 0.2 - S * 0.12),
            (side * S * 0.66, bh * 0.2 + S * 0.08),
            (side * S * 0.36, bh * 0.6 + S * 0.12),
        ]
        pts = [root, (side * bw * 0.9, -bh * 0.6 - S * 0.08), wrist, tips[0]]
        prev = tips[0]
        back = (side * bw * 0.5, bh * 0.55)
        for t in tips[1:] + [back]:
            mid = ((prev[0] + t[0]) / 2, (prev[1] + t[1]) / 2)
            k = float(p.get("scallop", 0.2))
            pts.append((mid[0] + (wrist[0] - mid[0]) * k, mid[1] + (wrist[1] - mid[1]) * k))
            pts.append(t)
            prev = t
        f.poly(name, pts, memb, shading="rim")
        f.custom(
            lambda cv, fit, wrist=wrist, tips=tips, root=root, name=name: _bones(
                cv, fit, wrist, tips, root, prim, name
            )
        )
        f.pivot("wing_root_" + name[5:], root)
    # ears, head, body
    hc = (0.0, -bh * 1.05)
    el = float(p.get("ear_len", 2.0))
    for side in (-1, 1):
        f.poly(
            "head",
            [
                (side * hr * 0.2, hc[1] - hr * 0.5),
                (side * hr * 0.85, hc[1] - hr * el),
                (side * hr * 1.0, hc[1] - hr * 0.1),
            ],
            prim,
            shading="rim",
        )
        if hr * 1.6 > 0.12:
            f.poly(
                "head",
                [
                    (side * hr * 0.45, hc[1] - hr * 0.6),
                    (side * hr * 0.82, hc[1] - hr * (el - 0.45)),
                    (side * hr * 0.85, hc[1] - hr * 0.45),
                ],
                m["secondary"],
                shading="flat",
            )
    f.ellipse("body", (0.0, 0.0), (bw, bh), prim)
    f.ellipse(
        "body",
        (0.0, bh * 0.2),
        (bw * 0.55, bh * 0.65),
        m["secondary"] if "light_belly" in p["chosen"] else darker(prim),
        highlight=False,
    )
    f.ellipse("head", hc, (hr * 1.05, hr * 0.95), prim)
    for side, name in ((1, "leg_left"), (-1, "leg_right")):
        a = (side * bw * 0.35, bh * 0.8)
        b = (side * bw * 0.45, bh * 1.25)
        f.capsule(name, a, b, bw * 0.12, darker(prim))
        f.pivot("foot_" + name[4:], b)
    er = hr * (0.22 if not p["cute"] else 0.32)
    eye_col = colors.get("eye", (230, 40, 40))
    for side in (-1, 1):
        ec = (side * hr * 0.42, hc[1] - hr * 0.05)
        f.custom(
            lambda cv, fit, ec=ec: eye(
                cv,
                fit,
                ec,
                er,
                eye_col,
                white=(255, 255, 255),
                big=p["cute"],
                glint=(255, 255, 255),
                part="head",
            )
        )
    if p.get("fangs", True) and "no_fangs" not in p["chosen"]:
        f.custom(lambda cv, fit: _fangs(cv, fit, hc, hr))
    f.pivot("neck", (0.0, hc[1] + hr * 0.8))
    f.pivot("center", (0.0, 0.0))
    f.pivot("tail_base", (0.0, bh))
    return "front"


def _fangs(cv: PartCanvas, fit: Fit, hc, hr) -> None:
    if hr * fit.s < 2.5:
        return
    x, y = fit.p((0.0, hc[1] + hr * 0.55))
    for dx in (-1.0, 1.0):
        cv.pixel(x + dx * max(1.0, hr * fit.s * 0.25) - 0.5, y, (250, 250, 250), part="head")


# ---------------------------------------------------------------------------- owl (front view)
def _owl(f: Figure, p: dict, m: dict, colors: dict) -> str:
    prim, sec = m["primary"], m["secondary"]
    wing = m.get("wing", prim)
    bw, bh, hr = p["body_w"], p["body_h"], p["head_r"]
    S = p["wing_span"]
    flap = p["flap"]
    for side, name in ((1, "wing_left"), (-1, "wing_right")):
        root = (side * bw * 0.75, -bh * 0.3)
        tip = (side * S * 0.62, -bh * 0.5 - S * 0.3 - flap * 0.004)
        pts = [root, (side * bw * 1.2, -bh * 0.75), (side * S * 0.4, -bh * 0.6 - S * 0.28), tip]
        n = 4
        end = (side * bw * 0.85, bh * 0.5)
        for i in range(1, 2 * n + 1):
            t = i / (2 * n)
            bx = tip[0] + (end[0] - tip[0]) * t
            by = tip[1] + (end[1] - tip[1]) * t
            k = 0.0 if i % 2 == 0 else S * 0.06
            bulge = math.sin(math.pi * t) * S * 0.08
            pts.append((bx + side * (k * 0.5 - bulge * 0.3), by + k * 0.8 + bulge))
        f.poly(name, pts, wing, shading="rim")
        f.pivot("wing_root_" + name[5:], root)
    # ear tufts (not on barn owls), body, face
    for side in (-1, 1) if "no_tufts" not in p["chosen"] else ():
        f.poly(
            "head",
            [
                (side * hr * 0.35, -bh * 0.85),
                (side * hr * 1.15, -bh * 1.45 - hr * 0.35),
                (side * hr * 0.95, -bh * 0.65),
            ],
            prim,
            shading="rim",
        )
    f.ellipse("body", (0.0, 0.0), (bw, bh), prim)
    f.ellipse("body", (0.0, bh * 0.35), (bw * 0.7, bh * 0.6), sec, highlight=False)
    f.custom(lambda cv, fit: _chevrons(cv, fit, bw, bh, m))
    for side, name in ((1, "leg_left"), (-1, "leg_right")):
        a = (side * bw * 0.3, bh * 0.85)
        b = (side * bw * 0.35, bh * 1.08)
        f.capsule(name, a, b, bw * 0.11, m["beak"])
        f.pivot("foot_" + name[4:], b)
    fc = (0.0, -bh * 0.45)
    f.ellipse("head", fc, (hr * 1.25, hr * 0.95), sec, highlight=False)
    er = hr * (0.48 if not p["cute"] else 0.56)
    for side in (-1, 1):
        ec = (side * hr * 0.55, fc[1] - hr * 0.05)
        f.custom(lambda cv, fit, ec=ec: _owl_eye(cv, fit, ec, er, colors, m))
    bx, by = fc[0], fc[1] + hr * 0.2
    f.poly(
        "head",
        [(bx - hr * 0.18, by - hr * 0.15), (bx + hr * 0.18, by - hr * 0.15), (bx, by + hr * 0.38)],
        m["beak"],
        shading="flat",
    )
    f.pivot("neck", (0.0, -bh * 0.1))
    f.pivot("center", (0.0, 0.0))
    f.pivot("tail_base", (0.0, bh * 0.9))
    return "front"


def _owl_eye(cv: PartCanvas, fit: Fit, c, r, colors, m) -> None:
    x, y = fit.p(c)
    rp = r * fit.s
    if rp < 1.4:
        cv.detail(disc(cv, (x, y), max(rp, 0.6), max(rp, 0.6)), (250, 220, 60), part="head")
        cv.pixel(x, y, (20, 16, 16), part="head")
        return
    cv.detail(disc(cv, (x, y), rp, rp), colors.get("eye", (250, 200, 40)), part="head", only_on=False)
    pr = max(rp * 0.5, 0.6)
    cv.detail(disc(cv, (x, y + rp * 0.05), pr, pr), (20, 16, 16), part="head")
    if rp >= 2.5:
        cv.pixel(x - pr * 0.5, y - pr * 0.5, (255, 255, 255), part="head")


def _chevrons(cv: PartCanvas, fit: Fit, bw, bh, m) -> None:
    if fit.s * bw < 6:
        return
    body = part_mask(cv, "body")
    col = m["primary"].ramp[SHADOW]
    for i, yy in enumerate((0.15, 0.42, 0.68)):
        for xx in (-0.35, 0.0, 0.35) if i % 2 == 0 else (-0.18, 0.18):
            x, y = fit.p((bw * xx, bh * yy))
            k = max(1.0, fit.s * bw * 0.1)
            cv.detail(
                (cv.line_mask((x - k, y - k * 0.6), (x, y)) | cv.line_mask((x, y), (x + k, y - k * 0.6)))
                & body,
                col,
            )


# ---------------------------------------------------------------------------- bee
def _bee(f: Figure, p: dict, m: dict, colors: dict) -> str:
    prim = m["primary"]
    wing = m["wing"]
    bw, bh, hr = p["body_w"], p["body_h"], p["head_r"]
    S = p["wing_span"]
    flap = p["flap"]
    th = (0.0, 0.0)
    # far (hind) wing
    root = (-bw * 0.1, -bh * 0.55)
    f.ellipse(
        "wing_right",
        _rot((root[0] + S * 0.02, root[1] - S * 0.16), root, 25 + flap * 0.5, 1, 0.04),
        (S * 0.09, S * 0.19),
        darker(wing),
        angle=22 + flap * 0.5,
        shading="flat",
    )
    # legs (dark, thin)
    dark = m["dark"]
    for i, dx in enumerate((0.08, -0.02, -0.12)):
        a = (th[0] + dx * bw * 3, bh * 0.55)
        b = (a[0] - bw * 0.3, bh * 1.35)
        f.capsule("leg_right" if i == 1 else "leg_left", a, b, 0.012, dark, min_px=0.5, shading="flat")
    # abdomen with stripes, stinger
    ac = (-bw * 1.15, bh * 0.35)
    f.poly(
        "body",
        [
            (ac[0] - bw * 1.05, ac[1] + bh * 0.5),
            (ac[0] - bw * 1.45, ac[1] + bh * 0.75),
            (ac[0] - bw * 0.95, ac[1] + bh * 0.15),
        ],
        dark,
        shading="flat",
    )
    f.ellipse("body", ac, (bw * 1.2, bh * 0.95), prim, angle=18)
    f.custom(lambda cv, fit: _stripes(cv, fit, ac, bw, m, p))
    f.pivot("tail_base", (ac[0] - bw * 0.6, ac[1]))
    # thorax (fuzzy), head, antennae
    f.ellipse("body", th, (bw * 0.8, bh * 0.85), m.get("fuzz", prim))
    hc = (bw * 0.85, bh * 0.05)
    for side, dy in ((0, 0.0), (1, 0.04)):
        a = (hc[0] + hr * 0.1, hc[1] - hr * 0.8)
        b = (hc[0] + hr * 0.9 - side * hr * 0.4, hc[1] - hr * 2.0 + dy)
        f.capsule("head", a, b, 0.01, dark if side == 0 else darker(dark), min_px=0.5, shading="flat")
        f.ellipse(
            "head", b, (hr * 0.18, hr * 0.18), dark if side == 0 else darker(dark), min_px=0.5, shading="flat"
        )
    f.ellipse("head", hc, (hr, hr * 0.95), dark)
    er = hr * (0.45 if not p["cute"] else 0.55)
    ec = (hc[0] + hr * 0.35, hc[1] - hr * 0.15)
    f.eye(
        ec,
        er,
        (16, 12, 20),
        white=(255, 255, 255),
        big=p["cute"],
        part="head",
        iris=(70, 56, 90) if not p["cute"] else None,
    )
    f.pivot("neck", (bw * 0.6, 0.0))
    # near (fore) wing
    f.ellipse(
        "wing_left",
        _rot((root[0] - S * 0.03, root[1] - S * 0.19), root, -10 + flap, 1),
        (S * 0.1, S * 0.21),
        wing,
        angle=-14 + flap,
        highlight=True,
        inner="line",
    )
    f.pivot("wing_root_left", root)
    f.pivot("wing_root_right", (root[0] + 0.04, root[1]))
    f.pivot("center", th)
    return "right"


def _stripes(cv: PartCanvas, fit: Fit, ac, bw, m, p) -> None:
    body = part_mask(cv, "body")
    cx, cy = fit.p(ac)
    L = bw * 1.2 * fit.s
    xs, ys = centres(cv)
    a = math.radians(18)
    u = ((xs - cx) * math.cos(a) + (ys - cy) * math.sin(a)) / max(L, 1.0)  # -1 (tail) .. 1 (front)
    n = int(p.get("stripes", 3))
    band = ((u + 1.0) * n / 2.0 % 1.0) < 0.45
    retone(cv, body & band & (u < 0.85) & (u > -0.92) & ((xs - cx) < L * 0.95), m["primary"], m["dark"])


_BUILDERS = {"bird": _bird, "dragon": _dragon, "bat": _bat, "owl": _owl, "bee": _bee}


def render(spec: SpriteSpec, look: Mapping, rng: np.random.Generator) -> RenderedSprite:
    """Draw one flying creature for ``spec`` from its catalogue ``look`` table."""
    h, w = spec.size
    colors = dict(DEFAULT_COLORS)
    colors.update(look_colors(spec, look, rng, recolorable=("primary", "secondary", "wing")))
    if "wing" not in dict(look.get("colors", {})):
        colors["wing"] = colors["primary"]
    colors.setdefault("dark", (40, 34, 40))
    colors.setdefault("head", (246, 246, 240))
    m = make_materials(colors, spec.style)
    p = _params(spec, look, rng)
    f = Figure()
    facing = _BUILDERS[p["kind"]](f, p, m, colors)

    x0, y0, x1, y1 = f.bbox()
    f.extra_box.append((x0, y0, x1, y1 + (y1 - y0) * 0.04))
    cv, fit = f.draw_fitted(h, w, anchor="center")
    piv = dict(f.pivots)
    c = piv.get("center", (0.0, 0.0))
    piv["ground"] = (c[0], y1 + (y1 - y0) * 0.04)
    return finish(cv, piv, fit, facing=facing)
