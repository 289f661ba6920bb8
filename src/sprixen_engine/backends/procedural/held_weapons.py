"""Weapons and shields held by humanoid characters (drawn by :mod:`.humanoid`).

Every weapon is drawn from its grip point (the centre of the hand that holds it) along a
direction ``angle`` (degrees, image coordinates: 0 = right, -90 = up), with lengths in
units of the character's stature ``S`` so a weapon scales with the figure. The humanoid
renderer paints the hand again over the grip afterwards, so the weapon reads as held.
Shields are drawn around a centre point, foreshortened in side view.

Materials are looked up by slot name in ``mats``: ``blade``, ``metal``, ``gold``, ``wood``,
``leather``, ``magic``, ``primary``, ``secondary``, ``accent``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .canvas import HIGHLIGHT, Material, PartCanvas

WEAPONS = ("sword", "katana", "dagger", "axe", "hammer", "mace", "spear", "staff", "wand", "bow", "blaster")

# item ids / words → the weapon kind drawn for them
ALIASES: dict[str, str] = {
    "none": "none", "unarmed": "none", "fists": "none", "nothing": "none",
    "blade": "sword", "longsword": "sword", "broadsword": "sword", "sabre": "sword", "saber": "sword",
    "cutlass": "sword", "rapier": "sword", "greatsword": "sword", "scimitar": "sword",
    "claymore": "sword",
    "knife": "dagger", "kunai": "dagger", "dirk": "dagger", "shiv": "dagger", "sickle": "dagger",
    "hatchet": "axe", "battleaxe": "axe", "battle axe": "axe", "tomahawk": "axe", "cleaver": "axe",
    "pickaxe": "axe", "pick": "axe",
    "warhammer": "hammer", "maul": "hammer", "mallet": "hammer",
    "club": "mace", "flail": "mace", "morningstar": "mace", "torch": "mace",
    "lance": "spear", "pike": "spear", "trident": "spear", "halberd": "spear", "javelin": "spear",
    "polearm": "spear", "glaive": "spear", "pitchfork": "spear", "scythe": "spear",
    "longbow": "bow", "crossbow": "bow", "shortbow": "bow", "arrow": "bow", "quiver": "bow",
    "magic staff": "staff", "rod": "staff", "scepter": "staff", "sceptre": "staff", "stave": "staff",
    "crook": "staff", "stick": "wand", "magic wand": "wand",
    "gun": "blaster", "pistol": "blaster", "rifle": "blaster", "laser": "blaster", "raygun": "blaster",
    "ray gun": "blaster",
    "no-dachi": "katana", "nodachi": "katana", "wakizashi": "katana", "tachi": "katana",
}

# how the weapon hand holds each kind: "melee" (raised forward), "pole" (upright staff/spear),
# "aim" (arm stretched forward: bow, blaster)
GRIP = {"sword": "melee", "katana": "melee", "dagger": "melee", "axe": "melee", "hammer": "melee",
        "mace": "melee", "wand": "melee", "spear": "pole", "staff": "pole", "bow": "aim", "blaster": "aim"}

# design variants per weapon kind (the first is the default); ``draw_weapon(style=...)``
STYLES: dict[str, tuple[str, ...]] = {
    "sword": ("arming", "broad", "long", "sabre"), "dagger": ("straight", "curved"),
    "axe": ("single", "bearded", "double"), "hammer": ("block", "maul"), "mace": ("spiked", "round", "club"),
    "spear": ("leaf", "winged", "glaive"), "staff": ("orb", "crystal", "gnarled"), "wand": ("orb", "star"),
}


def resolve_weapon(requested: str | None, default: str) -> str:
    """The weapon kind to draw: ``requested`` (an item id or alias) or the subject's ``default``.

    ``"none"`` means unarmed. Unknown ids fall back to the subject's default weapon, or a sword
    when the subject is unarmed by default.
    """
    default = (default or "none").lower()
    if default not in WEAPONS:
        default = ALIASES.get(default, "none")
    if requested is None:
        return default
    key = requested.strip().lower().replace("_", " ")
    if key in WEAPONS:
        return key
    if key in ALIASES:
        return ALIASES[key]
    for word in key.split():
        if word in WEAPONS:
            return word
        if word in ALIASES:
            return ALIASES[word]
    return default if default != "none" else "sword"


# ---------------------------------------------------------------------------- geometry
def _dir(angle: float) -> tuple[float, float]:
    a = math.radians(angle)
    return math.cos(a), math.sin(a)


def _add(p, d, k: float) -> tuple[float, float]:
    return p[0] + d[0] * k, p[1] + d[1] * k


def _edge_line(cv: PartCanvas, p0, p1, color, part: str) -> None:
    m = cv.line_mask(p0, p1) & (cv.part == cv.part_id(part))
    cv.detail(m, color)


class Held:
    """Where a drawn weapon ended up: its grip and tip (pixel coordinates)."""

    def __init__(self, grip: tuple[float, float], tip: tuple[float, float]) -> None:
        self.grip = grip
        self.tip = tip


def draw_weapon(cv: PartCanvas, kind: str, grip: tuple[float, float], angle: float, S: float,
                mats: dict[str, Material], *, fwd: float = 1.0, detail: int = 1,
                hand_r: float = 1.0, big: bool = False, style: str | None = None) -> Held:
    """Paint weapon ``kind`` held at ``grip`` pointing along ``angle``.

    ``fwd`` is +1 when the wielder's outward side is +x (side view, facing right) and -1 when
    it is -x; blades with one cutting edge (axe) turn their edge that way. ``detail`` is 0 at
    tiny sizes, 1 normal, 2 at 64 px and more. ``big`` draws the oversized variant (great axe,
    long blade). ``style`` picks a design from :data:`STYLES` (its first one when None or unknown).
    """
    style = style if style in STYLES.get(kind, ()) else STYLES.get(kind, ("",))[0]
    d = _dir(angle)
    n = (-d[1], d[0])
    # the normal that points outward (toward fwd on x, or up when vertical)
    if n[0] * fwd < -1e-6 or (abs(n[0]) < 1e-6 and n[1] > 0):
        n = (-n[0], -n[1])
    up = n if n[1] < 0 or (n[1] == 0 and n[0] < 0) else (-n[0], -n[1])  # normal facing the light
    part = "weapon"
    k = 1.25 if big else 1.0
    lw = max(0.6, 0.028 * S)  # handle radius
    if kind in ("sword", "dagger", "katana"):
        # (length, blade width) factors: broad blades are short and wide, long ones two-handed
        fl, fw = {"broad": (0.9, 1.35), "long": (1.12, 0.85), "curved": (1.1, 0.9)}.get(style, (1.0, 1.0))
        L = {"sword": 0.40, "dagger": 0.20, "katana": 0.46}[kind] * S * k * fl
        bw = max(0.7, {"sword": 0.048, "dagger": 0.045, "katana": 0.036}[kind] * S * fw)
        hilt = max(1.0, (0.10 if kind == "katana" or style == "long" else 0.06) * S)
        gp = _add(grip, d, hand_r + 0.2)
        tip = _add(gp, d, L)
        if kind == "katana" or style in ("sabre", "curved"):
            pts_a, pts_b = [], []
            for t in np.linspace(0.0, 1.0, 7):
                c = _add(gp, d, L * t)
                bend = -(0.10 if kind == "katana" else 0.13) * L * t * t  # spine curves back toward -n
                c = _add(c, n, bend)
                wdt = bw * (1.0 - 0.55 * t ** 4)
                pts_a.append(_add(c, n, wdt))
                pts_b.append(_add(c, n, -wdt))
            tip = pts_b[-1]
            cv.polygon(part, pts_a + pts_b[::-1], mats["blade"], highlight=True)
            edge = pts_a if n == up else pts_b
            for p, q in itertools.pairwise(edge):
                _edge_line(cv, _add(p, up, -0.5), _add(q, up, -0.5), mats["blade"].ramp[HIGHLIGHT], part)
        else:
            neck = _add(gp, d, L - bw * 1.6)
            pts = [_add(gp, n, bw), _add(neck, n, bw), tip, _add(neck, n, -bw), _add(gp, n, -bw)]
            cv.polygon(part, pts, mats["blade"], highlight=True)
            e0 = _add(_add(gp, up, bw - 0.5), d, 0.5)
            e1 = _add(_add(neck, up, bw - 0.5), d, bw * 0.8)
            _edge_line(cv, e0, e1, mats["blade"].ramp[HIGHLIGHT], part)
            if detail >= 2 and kind == "sword":  # fuller
                _edge_line(cv, _add(gp, d, 1.5), _add(neck, d, -1.0), mats["blade"].ramp[1], part)
        # hilt and guard
        back = _add(grip, d, -hilt)
        cv.capsule(part, back, gp, lw, mats["leather"] if kind != "katana" else mats["hilt"])
        if kind == "katana":
            cv.ellipse(part, gp, (max(0.8, 0.045 * S), max(0.8, 0.045 * S)), mats["gold"], highlight=True)
        else:
            gl = max(1.2, (0.10 if kind == "sword" else 0.07) * S * (1.1 if big else 1.0)
                     * (1.2 if style in ("broad", "long") else 1.0))
            gr = max(0.55, 0.022 * S)
            cv.capsule(part, _add(gp, n, gl), _add(gp, n, -gl), gr, mats["gold"], highlight=True)
            if detail >= 1:
                cv.ellipse(part, _add(back, d, -0.3), (max(0.7, lw * 1.3),) * 2, mats["gold"], highlight=True)
        return Held(grip, tip)

    if kind in ("axe", "hammer", "mace"):
        length = {"axe": 0.42, "hammer": 0.38, "mace": 0.32}[kind] * S * k
        bottom = _add(grip, d, -max(1.0, 0.07 * S, hand_r + 0.8))  # the butt shows below the fist
        top = _add(grip, d, length)
        cv.capsule(part, bottom, top, lw, mats["wood"])
        if kind == "axe":
            hd = _add(grip, d, length * 0.80)
            hl = max(1.6, 0.10 * S * k)  # half-length of the head along the handle at its edge
            reach = max(2.2, 0.17 * S * k)
            double = big or style == "double"
            # the blade's lower horn: a bearded axe hooks far down the haft
            lo, lo_reach = (1.9, 0.85) if style == "bearded" else (1.0, 1.0)
            for s in ((1, -1) if double else (1,)):
                nn = (n[0] * s, n[1] * s)
                pts = [_add(hd, d, -hl * 0.35), _add(_add(hd, d, -hl * lo), nn, reach * lo_reach),
                       _add(_add(hd, d, hl * 0.15), nn, reach * 1.08), _add(_add(hd, d, hl), nn, reach),
                       _add(hd, d, hl * 0.35)]
                cv.polygon(part, pts, mats["metal"], highlight=True)
                _edge_line(cv, _add(_add(hd, d, -hl * 0.9), nn, reach - 0.6), _add(_add(hd, d, hl * 0.9), nn, reach - 0.6),
                           mats["blade"].ramp[HIGHLIGHT], part)
            if not double and detail >= 1:
                spike = [_add(hd, d, -hl * 0.3), _add(hd, n, -reach * 0.45), _add(hd, d, hl * 0.3)]
                cv.polygon(part, spike, mats["metal"])
            cv.capsule(part, _add(top, d, -0.4), top, lw, mats["wood"])
        elif kind == "hammer":
            hd = _add(grip, d, length * 0.86)
            maul = style == "maul"  # a heavy square block
            hw = max(1.8, 0.12 * S * k * (0.8 if maul else 1.0))
            ht = max(1.3, 0.08 * S * k * (1.5 if maul else 1.0))
            pts = [_add(_add(hd, n, hw), d, -ht), _add(_add(hd, n, hw), d, ht),
                   _add(_add(hd, n, -hw), d, ht), _add(_add(hd, n, -hw), d, -ht)]
            cv.polygon(part, pts, mats["metal"], highlight=True)
            if detail >= 2 and not maul:
                cv.capsule(part, _add(hd, n, -hw * 0.35), _add(hd, n, hw * 0.35), max(0.6, ht * 0.3), mats["gold"])
        elif style == "club":  # a knotty wooden club swelling toward its end
            hd = _add(grip, d, length * 1.08)
            r = max(1.2, 0.07 * S * k)
            cv.capsule(part, _add(grip, d, length * 0.3), hd, lw * 1.1, mats["wood"], r1=r, highlight=True)
            if detail >= 1:
                cv.pixel(*_add(_add(hd, d, -r * 1.2), up, r * 0.3), mats["wood"].ramp[1], part=part)
            top = _add(hd, d, r)
        else:  # mace
            hd = _add(grip, d, length)
            r = max(1.3, 0.075 * S * k)
            if style == "round":  # a smooth ball with a cap knob and a collar
                cv.capsule(part, _add(hd, d, -r * 1.3), _add(hd, d, -r * 0.6), lw * 1.5, mats["gold"])
                cv.ellipse(part, _add(hd, d, r * 0.95), (max(0.6, r * 0.4),) * 2, mats["metal"])
            elif detail >= 1:
                for a in range(0, 360, 60):
                    sd = _dir(angle + a)
                    cv.capsule(part, hd, _add(hd, sd, r * 1.45), max(0.5, r * 0.22), mats["metal"])
            cv.ellipse(part, hd, (r, r), mats["metal"], highlight=True)
            top = _add(hd, d, r)
        return Held(grip, top)

    if kind in ("spear", "staff"):
        up_len = (0.56 if kind == "spear" else 0.50) * S
        down_len = (0.30 if kind == "spear" else 0.36) * S
        top = _add(grip, d, up_len)
        bottom = _add(grip, d, -down_len)
        cv.capsule(part, bottom, top, lw, mats["wood"])
        if kind == "spear":
            hl = max(2.5, 0.15 * S)
            hw = max(1.0, 0.05 * S)
            base = _add(top, d, -0.5)
            mid = _add(base, d, hl * 0.35)
            tip = _add(base, d, hl)
            if style == "glaive":  # a long single-edged blade sweeping outward
                tip = _add(base, d, hl * 1.3)
                cv.polygon(part, [_add(base, n, -hw * 0.6), _add(base, n, hw * 0.7), _add(_add(base, d, hl * 0.7), n, hw * 1.4),
                                  tip, _add(_add(base, d, hl * 0.7), n, -hw * 0.6)], mats["blade"], highlight=True)
            else:
                cv.polygon(part, [_add(base, n, hw * 0.5), _add(mid, n, hw), tip, _add(mid, n, -hw),
                                  _add(base, n, -hw * 0.5)], mats["blade"], highlight=True)
            if style == "winged":  # lugs across the socket
                cv.capsule(part, _add(base, n, hw * 1.7), _add(base, n, -hw * 1.7), max(0.5, lw * 0.9), mats["metal"])
            _edge_line(cv, _add(mid, up, hw - 0.6), _add(tip, d, -0.6), mats["blade"].ramp[HIGHLIGHT], part)
            if detail >= 1:
                cv.capsule(part, _add(base, d, -max(1.0, 0.03 * S)), base, lw * 1.35, mats["leather"])
            return Held(grip, tip)
        r = max(1.2, 0.06 * S)
        if style == "crystal":  # a tall gem set on the staff's end
            tip = _add(top, d, r * 3.0)
            cv.polygon(part, [_add(top, d, -r * 0.3), _add(_add(top, d, r * 1.1), n, r * 0.95), tip,
                              _add(_add(top, d, r * 1.1), n, -r * 0.95)], mats["magic"], highlight=True)
            cv.capsule(part, _add(top, n, -r * 0.7), _add(top, n, r * 0.7), max(0.5, lw * 0.9), mats["gold"])
            return Held(grip, tip)
        if style == "gnarled":  # a curled wooden crook cradling a small light
            a, b = _add(_add(top, d, r * 1.6), n, r * 0.9), _add(_add(top, d, r * 2.2), n, -r * 0.6)
            cv.capsule(part, top, a, lw, mats["wood"])
            cv.capsule(part, a, b, lw, mats["wood"], r1=max(0.5, lw * 0.7))
            cv.ellipse(part, _add(top, d, r * 1.05), (max(0.8, r * 0.6),) * 2, mats["magic"], highlight=True)
            return Held(grip, b)
        orb = _add(top, d, r * 0.9)
        if detail >= 1:
            # a forked head cradling the orb
            cv.capsule(part, _add(top, n, -r * 1.0), _add(_add(orb, n, -r * 1.15), d, r * 0.6), max(0.5, lw * 0.8),
                       mats["wood"])
            cv.capsule(part, _add(top, n, r * 1.0), _add(_add(orb, n, r * 1.15), d, r * 0.6), max(0.5, lw * 0.8),
                       mats["wood"])
            cv.capsule(part, _add(top, n, -r), _add(top, n, r), max(0.5, lw * 0.9), mats["wood"])
        cv.ellipse(part, orb, (r, r), mats["magic"], highlight=True)
        if detail >= 2:
            cv.pixel(orb[0] - r * 0.35, orb[1] - r * 0.35, (255, 255, 255), part=part)
        return Held(grip, _add(orb, d, r))

    if kind == "wand":
        L = max(3.0, 0.22 * S)
        back = _add(grip, d, -max(0.8, 0.05 * S))
        tip = _add(grip, d, L)
        cv.capsule(part, back, tip, max(0.5, lw * 0.8), mats["wood"])
        r = max(0.8, 0.04 * S)
        if style == "star":  # a little golden star
            for a, ray in ((0.0, 1.6), (90.0, 1.6), (45.0, 0.9), (135.0, 0.9)):  # a four-point sparkle
                sd = _dir(angle + a)
                cv.capsule(part, _add(tip, sd, -r * ray), _add(tip, sd, r * ray), max(0.5, r * 0.4), mats["gold"])
            cv.pixel(tip[0], tip[1], mats["magic"].ramp[HIGHLIGHT], part=part)
            return Held(grip, _add(tip, d, r * 1.6))
        cv.ellipse(part, tip, (r, r), mats["magic"], highlight=True)
        if detail >= 1:
            glow = mats["magic"].ramp[HIGHLIGHT]
            for ox, oy in ((1.0, 0), (-1.0, 0), (0, 1.0), (0, -1.0)):
                p = (tip[0] + ox * (r + 0.6), tip[1] + oy * (r + 0.6))
                cv.pixel(p[0], p[1], glow, part=part)
        return Held(grip, _add(tip, d, r))

    if kind == "bow":
        R = max(3.5, 0.30 * S)
        rx = max(1.5, R * 0.35)
        th = max(0.9, 0.035 * S)
        # a vertical arc bulging outward (fwd) with the grip at its belly
        c = (grip[0] - fwd * (rx - th * 0.5), grip[1])
        outer = cv.ellipse_mask(c, (rx + th * 0.5, R))
        inner = cv.ellipse_mask(c, (max(0.5, rx - th * 0.8), R - th * 1.2))
        xs = np.arange(cv.w)[None, :] + 0.5
        half = (xs - c[0]) * fwd >= -0.01
        arc = outer & ~inner & half
        cv.mask(part, arc, mats["wood"], highlight=True)
        ys_top = math.floor(c[1] - R + 0.5)
        ys_bot = math.floor(c[1] + R - 0.5)
        sx = c[0] + (0.0 if fwd > 0 else -1.0) + fwd * 0.0
        string = cv.line_mask((sx, ys_top + 0.5), (sx, ys_bot + 0.5))
        cv.detail(string, (236, 232, 214), part=part, only_on=False)
        return Held(grip, (c[0], c[1] - R))

    if kind == "blaster":
        L = max(4.0, 0.24 * S)
        bh = max(1.0, 0.045 * S)  # half height of the body
        o = _add(grip, d, -max(0.8, 0.04 * S))
        body0 = _add(o, n, 0.0)
        # body sits on top of the hand (toward `up`), barrel forward
        c0 = _add(body0, up, bh * 0.9)
        c1 = _add(c0, d, L * 0.62)
        pts = [_add(c0, up, bh), _add(c1, up, bh), _add(c1, up, -bh), _add(c0, up, -bh)]
        cv.polygon(part, pts, mats["gun"], highlight=True)
        bar0 = _add(c1, up, bh * 0.25)
        bar1 = _add(bar0, d, L * 0.38)
        cv.capsule(part, bar0, bar1, max(0.55, bh * 0.55), mats["metal"], highlight=True)
        cv.ellipse(part, bar1, (max(0.6, bh * 0.6),) * 2, mats["magic"], highlight=True)
        if detail >= 1:
            _edge_line(cv, _add(c0, d, 1.0), _add(c1, d, -0.5), mats["accent"].base, part)
        return Held(grip, bar1)

    raise ValueError(f"weapon: unknown kind {kind!r}")


# ---------------------------------------------------------------------------- shields
SHIELDS = ("kite", "round", "tower", "buckler")
EMBLEMS = ("stripe", "cross", "quarters", "bend", "boss", "none")


def draw_shield(cv: PartCanvas, kind: str, center: tuple[float, float], S: float, mats: dict[str, Material], *,
                side: bool, fwd: float = 1.0, emblem: str = "stripe", detail: int = 1) -> None:
    """Paint a ``kind`` shield (``kite``, ``round``, ``tower``, ``buckler``) centred on ``center``.

    Side view foreshortens the shield to about two thirds of its width. ``emblem`` decorates
    the face (see :data:`EMBLEMS`): a ``stripe``, a ``cross``, ``quarters`` (in ``shield2``), a
    diagonal ``bend``, a metal ``boss`` or ``none``. Round shields always have a boss.
    """
    part = "shield"
    cx, cy = center
    fs = 0.8 if side else 1.0
    rim = mats["metal"]
    face = mats["shield"]
    if kind in ("round", "buckler"):
        r = (0.19 if kind == "round" else 0.13) * S
        rx, ry = max(1.5, r * fs), max(1.8, r)
        cv.ellipse(part, center, (rx, ry), rim, highlight=True)
        irx, iry = max(1.0, rx - max(0.8, 0.03 * S)), max(1.2, ry - max(0.8, 0.03 * S))
        cv.ellipse(part, center, (irx, iry), face, shading="sphere", highlight=False)
        field, box = cv.ellipse_mask(center, (irx, iry)), (cx - irx, cy - iry, cx + irx, cy + iry)
    else:
        if kind == "tower":
            hw, hh = 0.14 * S * fs, 0.24 * S
            pts = [(cx - hw, cy - hh), (cx + hw, cy - hh), (cx + hw, cy + hh), (cx - hw, cy + hh)]
        else:  # kite
            hw, hh = max(1.6, 0.17 * S * fs), max(2.4, 0.25 * S)
            top = cy - hh * 0.8
            pts = [(cx - hw, top + hh * 0.1), (cx - hw * 0.6, top - hh * 0.08), (cx + hw * 0.6, top - hh * 0.08),
                   (cx + hw, top + hh * 0.1), (cx + hw * 0.92, cy + hh * 0.25), (cx, cy + hh * 1.1),
                   (cx - hw * 0.92, cy + hh * 0.25)]
        cv.polygon(part, pts, rim, highlight=True)
        inner = _shrink(pts, (cx, cy), max(0.8, 0.03 * S))
        cv.polygon(part, inner, face, highlight=True)
        xs, ys = [p[0] for p in inner], [p[1] for p in inner]
        field, box = cv.polygon_mask(inner), (min(xs), min(ys), max(xs), max(ys))
    if detail >= 1:
        _emblem(cv, part, emblem, field, box, center, S, mats, bx=None if kind in ("round", "buckler") else
                sum(p[0] for p in inner) / len(inner))
    if kind in ("round", "buckler"):
        br = max(0.8, 0.05 * S)
        cv.ellipse(part, center, (max(0.7, br * fs * 1.1), br), rim, highlight=True)
    elif emblem == "boss":
        br = max(0.8, 0.045 * S)
        cv.ellipse(part, (cx, cy - 0.03 * S), (max(0.7, br * fs * 1.1), br), rim, highlight=True)


def _emblem(cv: PartCanvas, part: str, emblem: str, field: np.ndarray, box, center, S: float,
            mats: dict[str, Material], *, bx: float | None) -> None:
    """Paint ``emblem`` on a shield face ``field`` (its bounding ``box`` = x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    cx, cy = center
    bx = cx if bx is None else bx
    col = mats["emblem"]
    vw = max(0.5, 0.02 * S)

    def bar(xa: float, ya: float, xb: float, yb: float) -> None:
        cv.mask(part, cv.polygon_mask([(xa, ya), (xb, ya), (xb, yb), (xa, yb)]) & field, col, shading="flat")

    if emblem in ("cross", "stripe"):
        bar(bx - vw, y0 + 0.6, bx + vw, y1 - 0.8)
        if emblem == "cross":
            yy = y0 + (y1 - y0) * 0.33
            bar(x0 + 0.6, yy - vw, x1 - 0.6, yy + vw)
    elif emblem == "quarters":
        ys, xs = np.mgrid[0:cv.h, 0:cv.w]
        cv.mask(part, field & (((xs + 0.5 - cx) * (ys + 0.5 - cy)) > 0), mats["shield2"], shading="flat")
    elif emblem == "bend":  # a diagonal band from the upper left
        w = max(0.8, 0.035 * S)
        cv.mask(part, cv.polygon_mask([(x0 - w, y0 + w * 0.5), (x0 + w, y0 - w * 0.5), (x1 + w, y1 - w * 0.5),
                                       (x1 - w, y1 + w * 0.5)]) & field, col, shading="flat")


def _shrink(pts, c, t: float):
    """Move every vertex toward ``c`` by about ``t`` pixels (an inset polygon)."""
    out = []
    for x, y in pts:
        dx, dy = c[0] - x, c[1] - y
        dist = math.hypot(dx, dy) or 1.0
        out.append((x + dx / dist * t * 1.3, y + dy / dist * t * 1.3))
    return out
