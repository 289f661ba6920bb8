"""Humanoid (biped) characters: knights, wizards, orcs, robots ... drawn from ``look`` data.

A character is laid out from proportions of its stature ``S`` (head, torso, legs, widths and
limb thickness from ``look.build``), then painted part by part on a
:class:`~.canvas.PartCanvas`, back to front:

- view ``"side"``: a 3/4 figure facing right. The character's right side is the near side:
  right arm and leg in front, left arm and leg behind (a shade darker). The weapon is held
  in the right (near) hand, the shield on the left arm in front of the body.
- views ``"front"``, ``"top_down"``, ``"isometric"``: a front-facing RPG figure; the
  character's right side is on the image's left.

``look`` keys (all optional, see ``configs/subjects/humanoids.toml``):

- ``body``: ``tunic`` | ``armor`` | ``robe`` | ``bare`` | ``bones`` | ``mech`` | ``suit``
- ``head``: ``hair`` | ``helm`` | ``helm_open`` | ``hood`` | ``wizard_hat`` | ``kabuto`` |
  ``horned_helm`` | ``tricorn`` | ``bandana`` | ``mask`` | ``skull`` | ``robot`` | ``space_helmet``
- ``hair``: hair styles to pick from (``short``, ``long``, ``ponytail``, ``spiky``, ``mohawk``,
  ``topknot``, ``bald``, ``messy``, ``bun``)
- ``always`` / ``extras``: accessories always worn / worn by some sprites (``plume``, ``cape``,
  ``pauldrons``, ``beard``, ``scarf``, ``quiver``, ``eyepatch``, ``trim``, ``belt``, ``sash``,
  ``hat``, ``apron``, ``strap``, ``rags``, ``helmet`` ...)
- ``ears`` (``pointed`` | ``big``), ``nose`` (``long``), ``tusks``, ``glow_eyes``, ``beard``
  (``long``), ``pauldron`` (``plate``), ``pose`` (``reach`` for zombies), ``weapon``,
  ``big_weapon``, ``shield``, ``shield_kind`` (``kite`` | ``round`` | ``tower`` | ``buckler``),
  ``emblem`` (see :data:`.held_weapons.EMBLEMS`)
- ``build``: ``height`` (canvas fill), ``head`` (head share of the stature), ``width``,
  ``legs`` (leg share of the body below the head), ``limb`` (limb thickness)
- ``slots``: which colour slot paints ``torso``, ``arms``, ``legs``, ``boots``, ``hands``
- ``colors``: RGB per slot; ``recolor``: slots prompt colours replace (in order) and variants
  hue-shift

Per-sprite variety (see :class:`_Picker`: chosen by the request seed, rotated by the variant):
``heads``, ``weapons``, ``shield_kinds``, ``emblems`` (alternatives to ``head``, ``weapon``,
``shield_kind``, ``emblem``), ``weapon_styles`` (weapon kind → designs from
:data:`.held_weapons.STYLES`, default all), the ``hair`` style, which ``extras`` are worn,
``palettes`` (a list of slot → RGB tables, one applied), ``hair_colors`` / ``skin_tones`` /
``variant_colors`` (slot → list of RGB, one picked each); the build jitters a little.

Headgear and hair belong to the ``head`` part (they move with the head); capes, scarves and
quivers are ``accessory``.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ...core.palette import merge_rare_colors
from ..base import RenderedSprite, SpriteSpec
from .canvas import HIGHLIGHT, LIGHT, SHADOW, Material, PartCanvas, erode4, shifted
from .held_weapons import GRIP, STYLES, draw_shield, draw_weapon, resolve_weapon
from .palettes import resolve_colors, style_contrast

RGB = tuple[int, int, int]

_BASE_COLORS: dict[str, RGB] = {
    "skin": (234, 182, 140), "hair": (104, 66, 40), "eyes": (30, 28, 44),
    "primary": (64, 104, 176), "secondary": (92, 72, 56), "metal": (168, 176, 192),
    "leather": (116, 76, 46), "accent": (206, 54, 54), "blade": (206, 214, 226),
    "wood": (140, 96, 56), "gold": (236, 186, 62), "magic": (104, 214, 255),
    "gun": (86, 92, 110), "hilt": (60, 40, 60), "dark": (34, 28, 42),
}

# which colour slot paints each body role, per body kind (``look.slots`` overrides)
_BODY_SLOTS = {
    "tunic": {"torso": "primary", "arms": "primary", "legs": "secondary", "boots": "leather", "hands": "skin"},
    "armor": {"torso": "metal", "arms": "metal", "legs": "metal", "boots": "metal", "hands": "metal"},
    "robe": {"torso": "primary", "arms": "primary", "legs": "secondary", "boots": "leather", "hands": "skin"},
    "bare": {"torso": "skin", "arms": "skin", "legs": "secondary", "boots": "leather", "hands": "skin"},
    "bones": {"torso": "skin", "arms": "skin", "legs": "skin", "boots": "skin", "hands": "skin"},
    "mech": {"torso": "primary", "arms": "metal", "legs": "metal", "boots": "primary", "hands": "metal"},
    "suit": {"torso": "suit", "arms": "suit", "legs": "suit", "boots": "secondary", "hands": "secondary"},
}

# extra height above the skull that the headgear needs (fraction of stature)
_HAT_ROOM = {"wizard_hat": 0.20, "kabuto": 0.05, "horned_helm": 0.05, "helm": 0.035, "hood": 0.035,
             "tricorn": 0.07, "robot": 0.07, "space_helmet": 0.02, "helm_open": 0.03, "skull": 0.0,
             "mask": 0.015, "hair": 0.02}

_HAIR_TONES: list[RGB] = [(58, 40, 30), (104, 66, 40), (170, 110, 56), (222, 186, 110), (150, 60, 36),
                          (40, 36, 44)]


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(a[i] + (b[i] - a[i]) * t) for i in range(3))  # type: ignore[return-value]


def _dim(m: Material) -> Material:
    """The same material one step darker: for far limbs seen behind the body."""
    o, s, b, li, _ = m.ramp
    return Material((o, _mix(o, s, 0.5), s, b, li))


def _skin_material(m: Material) -> Material:
    """Skin with softer, browner shadows than the generic ramp (which turns light skin red)."""
    o, s, b, li, hi = m.ramp
    shadow = _mix(s, (int(b[0] * 0.80), int(b[1] * 0.66), int(b[2] * 0.68)), 0.8)
    outline = _mix(o, (int(b[0] * 0.40), int(b[1] * 0.25), int(b[2] * 0.27)), 0.7)
    return Material((outline, shadow, b, li, hi))


@lru_cache(maxsize=4096)
def _material(rgb: RGB, contrast: float, glossy: bool, skin: bool) -> Material:
    mat = Material.from_base(rgb, contrast=contrast, glossy=glossy)
    return _skin_material(mat) if skin else mat


class _Mats(dict):
    """Slot name → :class:`Material`, built on first use (a sprite uses about half its slots)."""

    _GLOSSY = ("metal", "blade", "gold", "magic", "visor", "gun")

    def __init__(self, colors: dict[str, RGB], styles: tuple[str, ...], *, skin: bool) -> None:
        super().__init__()
        self.colors, self.skin = colors, skin
        self.contrast = style_contrast(styles)

    def __missing__(self, key: str) -> Material:
        if key not in self.colors:
            raise KeyError(key)
        mat = _material(tuple(self.colors[key]), self.contrast, key in self._GLOSSY, key == "skin" and self.skin)
        self[key] = mat
        return mat

    def __contains__(self, key: object) -> bool:
        return key in self.colors

    def first(self, *keys: str) -> Material:
        """The material of the first slot in ``keys`` that the look defines (the last as fallback)."""
        return self[next((k for k in keys if k in self.colors), keys[-1])]


# ---------------------------------------------------------------------------- configuration
@dataclass
class _Cfg:
    front: bool
    body: str
    head: str
    hair: str
    weapon: str
    shield: str | None
    extras: set[str]
    build: dict[str, float]
    slots: dict[str, str]
    mats: dict[str, Material]
    colors: dict[str, RGB]
    cute: bool
    spiky: bool
    ears: str
    tusks: bool
    glow: bool
    pose: str
    big_weapon: bool
    emblem: str
    weapon_style: str = ""
    look: dict = field(default_factory=dict)
    compact: bool = False  # narrow canvas: weapons held upright, close to the body


_M64 = (1 << 64) - 1


def _mix64(x: int) -> int:
    """The splitmix64 finaliser: a well-mixed 64-bit hash of ``x``."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


class _Picker:
    """Design choices for one request (head, weapon, palette, accessories ...).

    Each call is one design axis with ``n`` options. The request's seed picks the option like
    a shuffled deck: every run of ``n`` consecutive seeds deals each option once, in an order
    hashed from the subject, the axis and the run, so a batch of seeds shows them all. The
    variant index then rotates the pick, so the variants of one request never share it. The
    engine renders variant ``v`` of seed ``s`` with ``spec.seed = s + v``; the request seed is
    ``spec.seed - spec.variant``.
    """

    def __init__(self, spec: SpriteSpec) -> None:
        self.seed = (int(spec.seed) - int(spec.variant)) & 0xFFFFFFFF
        self.salt = zlib.crc32(f"humanoid:{spec.subject}".encode())
        self.v = int(spec.variant)
        self.axis = 0

    def index(self, n: int) -> int:
        self.axis += 1
        run, pos = divmod(self.seed, n)
        key = _mix64((self.salt << 32) ^ (self.axis << 56) ^ run)
        deck = sorted(range(n), key=lambda i: _mix64(key + i))
        return (deck[pos] + self.v) % n

    def __call__(self, options, default=None):
        options = list(options or ())
        return options[self.index(len(options))] if options else default


def _config(spec: SpriteSpec, look: dict, rng: np.random.Generator) -> _Cfg:
    styles = tuple(spec.style)
    cute = "cute" in styles
    spiky = "dark_fantasy" in styles or "horror" in styles
    body = str(look.get("body", "tunic"))
    pick = _Picker(spec)
    head = str(pick(look.get("heads"), look.get("head", "hair")))

    base = dict(_BASE_COLORS)
    base.update({k: tuple(int(c) for c in v) for k, v in dict(look.get("colors", {})).items()})
    # colours from the look's natural alternatives: one coordinated palette, then one pick per slot
    chosen = dict(pick(look.get("palettes"), {}))
    for slot, options in {"hair": look.get("hair_colors"), "skin": look.get("skin_tones"),
                          **dict(look.get("variant_colors", {}))}.items():
        if options:
            chosen[slot] = pick(options)
    base.update({k: tuple(int(c) for c in v) for k, v in chosen.items()})
    hair = str(pick(look.get("hair"), "short"))
    extras = set(look.get("always", []))
    opt = list(look.get("extras", []))
    code = pick.index(1 << len(opt)) if opt else 0
    extras |= {name for i, name in enumerate(opt) if not (code >> i) & 1}
    weapon = resolve_weapon(spec.weapon, str(pick(look.get("weapons"), look.get("weapon", "none"))))
    weapon_style = str(pick(look.get("weapon_styles", {}).get(weapon, STYLES.get(weapon)), ""))
    has_shield = bool(look.get("shield", False)) if spec.shield is None else bool(spec.shield)
    shield = str(pick(look.get("shield_kinds"), look.get("shield_kind", "kite"))) if has_shield else None
    emblem = str(pick(look.get("emblems"), look.get("emblem", "stripe")))

    recolor = tuple(look.get("recolor", ("primary", "secondary")))
    keep = tuple(k for k in ("skin", "eyes", "eye") if k not in recolor)
    colors = resolve_colors(base, prompt_colors=spec.colors, recolorable=recolor, styles=styles,
                            variant=spec.variant, rng=rng, keep=keep)
    colors.setdefault("suit", colors.get("primary", (230, 230, 230)))
    colors.setdefault("visor", (40, 70, 120))
    colors.setdefault("shield", colors["primary"])
    colors.setdefault("shield2", colors["secondary"])
    colors.setdefault("emblem", colors["gold"] if emblem == "cross" else colors["accent"])
    colors.setdefault("trim", colors["gold"])
    colors.setdefault("horn", (236, 226, 196))
    mats = _Mats(colors, styles, skin=body != "bones")

    # body build: proportions jitter per sprite around the look's build
    build = {"height": 0.92, "head": 0.33, "width": 0.31, "legs": 0.46, "limb": 1.0}
    build.update({k: float(v) for k, v in dict(look.get("build", {})).items()})
    build["width"] *= float(rng.uniform(0.90, 1.10))
    build["head"] *= float(rng.uniform(0.94, 1.06))
    build["legs"] *= float(rng.uniform(0.93, 1.07))
    # (no thicker than the chunkiest look: fists bigger than that swallow the weapon's grip)
    build["limb"] = min(build["limb"] * float(rng.uniform(0.92, 1.08)), max(build["limb"], 1.35))
    build["height"] *= float(rng.uniform(0.95, 1.02))
    if cute:
        build["head"] = max(build["head"] * 1.3, 0.45)
        build["legs"] *= 0.85
        build["width"] *= 1.08
        build["limb"] *= 1.1
    slots = dict(_BODY_SLOTS.get(body, _BODY_SLOTS["tunic"]))
    slots.update({k: str(v) for k, v in dict(look.get("slots", {})).items()})
    return _Cfg(front=spec.view != "side", body=body, head=head, hair=hair, weapon=weapon, shield=shield,
                extras=extras, build=build, slots=slots, mats=mats, colors=colors, cute=cute, spiky=spiky,
                ears=str(look.get("ears", "")), tusks=bool(look.get("tusks", False)),
                glow=bool(look.get("glow_eyes", False)), pose=str(look.get("pose", "")),
                big_weapon=bool(look.get("big_weapon", False)), emblem=emblem, weapon_style=weapon_style,
                look=look)


# ---------------------------------------------------------------------------- layout
@dataclass
class _L:
    S: float
    yg: float          # ground (pixel edge under the feet)
    cx: float
    hx: float          # head centre
    hy: float
    hrx: float
    hry: float
    neck: float
    sh: float          # shoulder line
    hip: float
    sw: float          # half shoulder width (front view)
    ww: float          # half waist width
    arm_r: float
    leg_r: float
    hand_r: float
    foot_h: float
    foot_len: float
    arm_len: float
    det: int           # detail level 0 / 1 / 2


def _layout(cfg: _Cfg, S: float, yg: float, cx: float) -> _L:
    b = cfg.build
    room = _HAT_ROOM.get(cfg.head, 0.02) * S
    if "plume" in cfg.extras and cfg.head in ("helm", "helm_open"):
        room += 0.03 * S
    top = yg - S + room
    head_h = (S - room) * b["head"]
    hry = head_h / 2
    hrx = hry * (0.94 if cfg.front else 0.98)
    if cfg.head in ("robot",):
        hrx *= 1.02
    neck = top + head_h * 0.92
    rest = yg - neck
    leg = rest * b["legs"]
    hip = yg - leg
    sw = max(1.6, S * b["width"] / 2)
    ww = sw * 0.86
    limb = b["limb"]
    arm_r = max(0.75, 0.046 * S * limb)
    leg_r = max(0.85, 0.056 * S * limb)
    det = 0 if S < 18 else (1 if S < 48 else 2)
    hx = cx + (0.10 * hrx if not cfg.front else 0.0)
    return _L(S=S, yg=yg, cx=cx, hx=hx, hy=top + hry, hrx=hrx, hry=hry, neck=neck,
              sh=neck + max(0.8, rest * 0.07), hip=hip, sw=sw, ww=ww, arm_r=arm_r, leg_r=leg_r,
              hand_r=max(0.8, arm_r * 1.18), foot_h=max(1.0, 0.06 * S), foot_len=max(1.5, 0.11 * S),
              arm_len=(hip - neck) * 1.02 + 0.02 * S, det=det)


def _ik(s, hnd, length: float, bend: tuple[float, float]) -> tuple[float, float]:
    """Elbow of a two-bone limb from ``s`` to ``hnd`` (bones of ``length / 2``), bent toward ``bend``."""
    dx, dy = hnd[0] - s[0], hnd[1] - s[1]
    d = math.hypot(dx, dy) or 1e-6
    a = length / 2
    mx, my = (s[0] + hnd[0]) / 2, (s[1] + hnd[1]) / 2
    if d >= length:
        return mx, my
    off = math.sqrt(max(0.0, a * a - (d / 2) ** 2))
    px, py = -dy / d, dx / d
    if px * bend[0] + py * bend[1] < 0:
        px, py = -px, -py
    return mx + px * off, my + py * off


# ---------------------------------------------------------------------------- render
def render(spec: SpriteSpec, look: dict, rng: np.random.Generator) -> RenderedSprite:
    """Draw one humanoid character for ``spec`` from its catalogue ``look`` table."""
    h, w = int(spec.size[0]), int(spec.size[1])
    cfg = _config(spec, look, rng)
    fill = min(0.96, max(0.6, cfg.build["height"]))
    S = fill * h - 2.0
    if min(S, (w - 2) / 0.75) < 18:
        # tiny sprites: bigger heads, fewer accessories
        cfg.build["head"] = max(cfg.build["head"] * 1.2, 0.42)
        cfg.build["legs"] *= 0.9
        cfg.extras -= {"scarf", "quiver", "pauldrons", "trim", "tatters", "symbol", "spikes", "mempo"}
    cfg.compact = (w - 4) < 0.8 * S
    # draw on a canvas with room around the (h, w) window, then crop the figure centred;
    # if it does not fit (tall weapons, narrow canvases) shrink the stature and draw again
    pad_t = int(0.3 * S) + 2
    pad_x = max(2, int(0.8 * S - w / 2) + 2)
    for _ in range(4):
        cv = PartCanvas(h + pad_t, w + 2 * pad_x)
        yg = pad_t + h - 1.0
        pivots = _draw(cv, cfg, _layout(cfg, S, yg, pad_x + w / 2.0))
        cols = np.flatnonzero(cv.alpha.any(axis=0))
        rows = np.flatnonzero(cv.alpha.any(axis=1))
        top, x0, x1 = int(rows[0]), int(cols[0]), int(cols[-1])
        need = 1.0
        if top < pad_t + 1:
            need = min(need, (yg - (pad_t + 1)) / (yg - top))
        if x1 - x0 + 1 > w - 4:  # keep a transparent column beside the outline
            need = min(need, (w - 4) / (x1 - x0 + 1))
        if top == 0 or x0 == 0 or x1 == cv.w - 1:
            need = min(need, 0.8)
        if need >= 1.0:
            break
        S *= need * 0.985
    # crop a (h, w) window centred on the figure
    xs0 = round((x0 + x1 + 1) / 2.0 - w / 2.0)
    xs0 = min(max(xs0, x1 + 3 - w), x0 - 2)
    xs0 = min(max(xs0, 0), cv.w - w)
    out = PartCanvas(h, w)
    sl = (slice(pad_t, pad_t + h), slice(xs0, xs0 + w))
    out.rgb[:] = cv.rgb[sl]
    out.alpha[:] = cv.alpha[sl]
    out.part[:] = cv.part[sl]
    out.mat[:] = cv.mat[sl]
    out.part_names = cv.part_names
    out.materials = cv.materials
    rgba, parts = out.render(outline=True)
    rgba, palette = merge_rare_colors(rgba, 32)
    piv = {k: (float(x - xs0), float(y - pad_t)) for k, (x, y) in pivots.items()}
    return RenderedSprite(rgba=rgba, parts=parts, pivots=piv, facing="front" if cfg.front else "right",
                          palette=palette, details={"weapon": cfg.weapon, "shield": bool(cfg.shield)})


# ---------------------------------------------------------------------------- drawing
class _P:
    """Drawing context: canvas, config, layout and resolved materials."""

    def __init__(self, cv: PartCanvas, cfg: _Cfg, L: _L) -> None:
        self.cv, self.cfg, self.L = cv, cfg, L
        self.m = cfg.mats
        self.side = not cfg.front

    def mat(self, role: str) -> Material:
        return self.m[self.cfg.slots.get(role, role)]

    def on(self, part: str) -> np.ndarray:
        """Mask of the pixels ``part`` owns so far."""
        return self.cv.part == self.cv.part_id(part)


def _draw(cv: PartCanvas, cfg: _Cfg, L: _L) -> dict[str, tuple[float, float]]:
    """Paint the figure; returns its pivots (joints, the weapon grip, the ground point)."""
    p = _P(cv, cfg, L)
    rh, lh, angle = _hand_targets(p)
    j = (_draw_side if p.side else _draw_front)(p, rh, lh, angle)
    gy = L.yg - 0.5
    piv = {"neck": (j["neck_x"], L.neck), "shoulder_right": j["rs"], "shoulder_left": j["ls"], "hand_right": rh,
           "hand_left": lh, "hip_right": j["hip_r"], "hip_left": j["hip_l"], "foot_right": (j["foot_r"], gy),
           "foot_left": (j["foot_l"], gy), "ground": (j["ground_x"], gy)}
    if cfg.weapon != "none":
        piv["weapon_grip"] = rh
    return piv


# ---- poses
def _hand_targets(p: _P):
    """(near/right hand, far/left hand, weapon angle) for the current weapon and pose."""
    L, cfg = p.L, p.cfg
    grip = GRIP.get(cfg.weapon, "none")
    al = L.arm_len
    if p.side and cfg.compact:
        sws = L.sw * 0.8
        if cfg.pose == "reach":
            rh = (L.cx + sws + al * 0.6, L.sh + al * 0.2)
        elif grip in ("melee", "pole"):
            rh = (L.cx + sws * 0.5 + al * 0.3, L.sh + al * 0.68)
        elif grip == "aim":
            rh = (L.cx + sws * 0.4 + al * 0.55, L.sh + al * 0.3)
        else:
            rh = (L.cx + sws * 0.5, L.sh + al * 0.92)
        if cfg.shield:
            lh = (L.cx + sws * 1.0, L.sh + al * 0.5)
        elif cfg.pose == "reach":  # the far arm a little higher, so both arms show
            lh = (L.cx + sws + al * 0.55, min(L.sh + al * 0.12, rh[1] - 1.6))
        else:
            lh = (L.cx - sws * 0.7, L.sh + al * 0.88)
        angle = {"melee": -80.0, "pole": -88.0, "aim": 0.0}.get(grip, -60.0)
        if cfg.weapon == "bow":
            angle = -90.0
        if cfg.shield and grip in ("pole", "aim"):
            lh = (max(lh[0], rh[0] + 0.12 * L.S), lh[1])
        return rh, lh, angle
    if p.side:
        sws = L.sw * 0.8
        if cfg.pose == "reach":
            rh = (L.cx + sws + al * 0.75, L.sh + al * 0.12)
        elif grip == "melee" and cfg.shield:
            # sword arm raised over the shield rim, blade up
            rh = (L.cx + sws * 0.9 + al * 0.45, L.sh + al * 0.3)
        elif grip == "melee":
            rh = (L.cx + sws * 0.6 + al * 0.42, L.sh + al * 0.62)
        elif grip == "pole":
            rh = (L.cx + sws * 0.6 + al * 0.4, L.sh + al * 0.5)
        elif grip == "aim":
            rh = (L.cx + sws * 0.4 + al * 0.82, L.sh + al * 0.22)
        elif cfg.body == "mech":
            rh = (L.cx + sws * 1.1, L.sh + al * 0.8)
        else:
            rh = (L.cx + sws * 0.5, L.sh + al * 0.92)
        if cfg.shield:
            lh = (L.cx + sws * 1.4, L.sh + al * 0.78)
        elif cfg.pose == "reach":  # the far arm a little higher, so both arms show
            lh = (L.cx + sws + al * 0.70, min(L.sh + al * 0.05, rh[1] - 1.6))
        else:
            lh = (L.cx - sws * 1.0 - L.hand_r * 0.4, L.sh + al * 0.88)
        if cfg.shield and grip in ("pole", "aim"):
            # hold the shield ahead of the upright pole so both read
            lh = (max(lh[0], rh[0] + 0.12 * L.S), lh[1])
        angle = {"melee": -70.0 if cfg.shield else -58.0, "pole": -84.0, "aim": 0.0}.get(grip, -60.0)
        if cfg.weapon == "wand":
            angle = -35.0
        if cfg.weapon == "bow":
            angle = -90.0
        return rh, lh, angle
    # front view: right hand on the image's left
    off = L.sw + L.arm_r * 0.6
    rest_y = L.sh + al * 0.9
    if cfg.pose == "reach":
        rh = (L.cx - L.sw * 0.55, L.sh + al * 0.42)
        lh = (L.cx + L.sw * 0.55, L.sh + al * 0.42)
        return rh, lh, -90.0
    if grip in ("melee", "pole", "aim"):
        rh = (L.cx - off - al * (0.06 if cfg.compact else 0.18), L.sh + al * 0.72)
    else:
        rh = (L.cx - off - al * 0.06, rest_y)
    lh = (L.cx + off + al * 0.06, rest_y) if not cfg.shield else (L.cx + off + al * 0.1, L.sh + al * 0.7)
    angle = {"melee": -92.0 if cfg.compact else -100.0, "pole": -90.0, "aim": -90.0}.get(grip, -90.0)
    if cfg.weapon == "blaster":
        angle = 150.0
    return rh, lh, angle


# ---- side view ---------------------------------------------------------------
def _draw_side(p: _P, rh, lh, angle: float) -> dict:
    cv, L, cfg = p.cv, p.L, p.cfg
    cx = L.cx
    sws = L.sw * 0.8
    wws = L.ww * 0.82
    rs = (cx + sws * 0.05, L.sh + L.arm_r * 0.2)   # near (right) shoulder
    ls = (cx - sws * (0.5 if cfg.shield else 0.1), L.sh + L.arm_r * 0.2)  # far (left) shoulder
    stride = 0.075 * L.S
    if cfg.body == "robe":
        stride *= 0.6
    hip_r = (cx + wws * 0.35, L.hip)
    hip_l = (cx - wws * 0.35, L.hip)
    foot_r = (cx + stride, L.yg)
    foot_l = (cx - stride * 1.05, L.yg)

    # capes / quivers / backpacks behind everything
    _back_items(p)
    # far arm behind the body unless it holds the shield in front
    if not cfg.shield and cfg.pose != "reach":
        _arm(p, "arm_left", ls, lh, far=True)
    _leg(p, "leg_left", hip_l, foot_l, far=True)
    _leg(p, "leg_right", hip_r, foot_r, far=False)
    _torso(p)
    _head(p)
    if cfg.pose == "reach" and not cfg.shield:
        _arm(p, "arm_left", ls, lh, far=True)
    if cfg.shield:
        _arm(p, "arm_left", ls, lh, far=True)
        draw_shield(cv, cfg.shield, (lh[0] + L.S * 0.03, lh[1]), L.S, p.m, side=True,
                    emblem=cfg.emblem, detail=L.det)
    _arm(p, "arm_right", rs, rh, far=False, weapon=angle)
    return {"neck_x": L.hx - L.hrx * 0.15, "rs": rs, "ls": ls, "hip_r": hip_r, "hip_l": hip_l, "foot_r": foot_r[0],
            "foot_l": foot_l[0], "ground_x": (foot_r[0] + foot_l[0]) / 2}


def _draw_front(p: _P, rh, lh, angle: float) -> dict:
    cv, L, cfg = p.cv, p.L, p.cfg
    cx = L.cx
    rs = (cx - L.sw + L.arm_r * 0.7, L.sh + L.arm_r * 0.2)
    ls = (cx + L.sw - L.arm_r * 0.7, L.sh + L.arm_r * 0.2)
    spread = L.ww * 0.48
    hip_r = (cx - spread, L.hip)
    hip_l = (cx + spread, L.hip)
    fs = spread + L.leg_r * 0.25
    if cfg.body == "robe":
        fs = spread * 0.9
    foot_r = (cx - fs, L.yg)
    foot_l = (cx + fs, L.yg)
    _back_items(p)
    _leg(p, "leg_right", hip_r, foot_r, far=False)
    _leg(p, "leg_left", hip_l, foot_l, far=False)
    _torso(p)
    reach = cfg.pose == "reach"
    if not reach:
        _arm(p, "arm_right", rs, rh, far=False, weapon=angle)
        _arm(p, "arm_left", ls, lh, far=False)
    _head(p)
    if reach:
        _arm(p, "arm_right", rs, rh, far=False, weapon=angle)
        _arm(p, "arm_left", ls, lh, far=False)
    if cfg.shield:
        draw_shield(cv, cfg.shield, (lh[0] + L.S * 0.05, lh[1] + L.S * 0.02), L.S, p.m, side=False,
                    emblem=cfg.emblem, detail=L.det)
    return {"neck_x": cx, "rs": rs, "ls": ls, "hip_r": hip_r, "hip_l": hip_l, "foot_r": foot_r[0],
            "foot_l": foot_l[0], "ground_x": cx}


# ---- limbs
def _limb_mats(p: _P, limb: str, end: str, far: bool) -> tuple[Material, Material]:
    """The materials of a limb and its hand/foot; the far limb's are dimmed."""
    a, b = p.mat(limb), p.mat(end)
    return (_dim(a), _dim(b)) if far else (a, b)


def _arm(p: _P, part: str, s, hnd, *, far: bool, weapon: float | None = None) -> None:
    cv, L, cfg = p.cv, p.L, p.cfg
    mat, hand = _limb_mats(p, "arms", "hands", far)
    r = L.arm_r
    if cfg.body == "bones":
        r = max(0.6, r * 0.6)
    bend = (-0.6, 0.8) if p.side else ((-1.0 if s[0] < L.cx else 1.0), 0.3)
    e = _ik(s, hnd, L.arm_len, bend)
    inner = "line" if (not far and L.det >= 1) else None
    if cfg.body == "robe" and L.det >= 1:
        # sleeve widening toward the wrist
        cv.capsule(part, s, e, r * 1.05, mat, inner=inner)
        wrist = (hnd[0] + (e[0] - hnd[0]) * 0.25, hnd[1] + (e[1] - hnd[1]) * 0.25)
        cv.capsule(part, e, wrist, r * 1.05, mat, r1=r * 1.5, inner=inner)
    elif cfg.body == "suit":
        cv.capsule(part, s, e, r * 1.2, mat, inner=inner)
        cv.capsule(part, e, hnd, r * 1.15, mat, inner=inner)
    else:
        if L.det >= 2:
            cv.capsule(part, s, e, r, mat, inner=inner)
            cv.capsule(part, e, hnd, r * 0.95, mat, inner=inner)
        else:  # one paint for both bones at small sizes
            cv.mask(part, cv.capsule_mask(s, e, r) | cv.capsule_mask(e, hnd, r * 0.95), mat, inner=inner)
        if cfg.body == "armor" and L.det >= 1:
            cv.ellipse(part, e, (r * 0.9, r * 0.9), p.m["metal"] if not far else _dim(p.m["metal"]))
        if cfg.body == "bare" and L.det >= 1 and not far:
            wrist = (hnd[0] + (e[0] - hnd[0]) * 0.5, hnd[1] + (e[1] - hnd[1]) * 0.5)
            cv.capsule(part, wrist, (hnd[0] + (e[0] - hnd[0]) * 0.15, hnd[1] + (e[1] - hnd[1]) * 0.15), r * 1.05,
                       p.m["leather"])
        if cfg.body == "mech" and L.det >= 1:
            cv.ellipse(part, e, (r * 0.85, r * 0.85), p.m["dark"])
    if "pauldrons" in cfg.extras or (cfg.body in ("armor", "mech") and L.det >= 1):
        pr = r * (1.7 if cfg.body in ("armor", "mech") else 1.5)
        pm = p.m["metal"] if (cfg.body != "mech" or p.side) else p.mat("torso")
        if far:
            pm = _dim(pm)
        if (not far or not p.side) and cfg.look.get("pauldron") == "plate" and L.det >= 1:
            # lacquered shoulder plate (samurai sode)
            pm = p.mat("torso") if not far else _dim(p.mat("torso"))
            out = 0.0 if p.side else (-1.0 if s[0] < L.cx else 1.0)
            pts = [(s[0] - pr * (0.9 - 0.4 * out), s[1] - pr * 0.7), (s[0] + pr * (0.9 + 0.4 * out), s[1] - pr * 0.7),
                   (s[0] + pr * (0.9 + 0.9 * out), s[1] + pr * 1.5), (s[0] - pr * (0.9 - 0.9 * out), s[1] + pr * 1.5)]
            cv.polygon(part, pts, pm, highlight=True, inner="line")
            for k in (0.1, 0.8):
                y = s[1] - pr * 0.7 + pr * 2.2 * k + 1
                cv.detail(cv.line_mask((s[0] - pr * 2, y), (s[0] + pr * 2, y)) & cv.polygon_mask(pts), pm.ramp[SHADOW])
        elif not far or not p.side:
            cv.ellipse(part, (s[0], s[1] - r * 0.15), (pr, pr * 0.9), pm, highlight=True)
            if (cfg.spiky or "spikes" in cfg.extras) and L.det >= 1:
                cv.polygon(part, [(s[0] - pr * 0.5, s[1] - pr * 0.6), (s[0] + pr * 0.1, s[1] - pr * 2.0),
                                  (s[0] + pr * 0.5, s[1] - pr * 0.6)], pm)
    if weapon is not None and cfg.weapon != "none":
        fwd = 1.0 if p.side else -1.0
        draw_weapon(cv, cfg.weapon, hnd, weapon, L.S, p.m, fwd=fwd, detail=L.det, hand_r=L.hand_r,
                    big=cfg.big_weapon and not cfg.compact, style=cfg.weapon_style)
    hr = L.hand_r if cfg.body != "bones" else max(0.7, L.hand_r * 0.8)
    cv.ellipse(part, hnd, (hr, hr), hand)


def _leg(p: _P, part: str, hip, foot, *, far: bool) -> None:
    cv, L, cfg = p.cv, p.L, p.cfg
    legm, boot = _limb_mats(p, "legs", "boots", far)
    r = L.leg_r
    if cfg.body == "bones":
        r = max(0.6, r * 0.55)
    if cfg.body == "suit":
        r *= 1.15
    ankle = (foot[0], L.yg - L.foot_h - r * 0.3)
    inner = "line" if (p.side and not far and L.det >= 1) else None
    if cfg.body != "robe":
        cv.capsule(part, hip, ankle, r, legm, r1=r * 0.92, inner=inner)
        if cfg.body in ("armor", "bones", "mech") and L.det >= 1:
            knee = ((hip[0] + ankle[0]) / 2, (hip[1] + ankle[1]) / 2 + r * 0.2)
            km = p.m["metal"] if cfg.body != "bones" else legm
            if cfg.body == "mech":
                km = p.m["dark"]
            if far:
                km = _dim(km)
            cv.ellipse(part, knee, (r * 1.0, r * 0.85), km, highlight=cfg.body == "armor")
    # boot: lower leg + foot pointing forward (side) or down (front)
    bh = (L.yg - L.hip) * (0.32 if cfg.body not in ("bones",) else 0.0)
    if p.side:
        x0 = foot[0] - r * 1.05
        x1 = foot[0] + L.foot_len
        y0 = L.yg - L.foot_h - r * 0.6
        pts = [(x0, y0), (foot[0] + r * 0.6, y0), (x1, L.yg - L.foot_h * 0.55), (x1, L.yg), (x0, L.yg)]
        if cfg.body == "bones":
            pts = [(x0 + r * 0.3, L.yg - L.foot_h * 0.9), (x1, L.yg - L.foot_h * 0.4), (x1, L.yg),
                   (x0 + r * 0.3, L.yg)]
        bm = cv.polygon_mask(pts)
        if cfg.body != "bones" and cfg.body != "robe":
            top = (foot[0], min(L.yg - L.foot_h - r * 0.3, L.yg - bh))
            bm |= cv.capsule_mask(top, ankle, r * 1.06)
        cv.mask(part, bm, boot, highlight=True, inner=inner)
    else:
        fw = max(r * 1.15, 1.3)
        bm = cv.ellipse_mask((foot[0], L.yg - L.foot_h * 0.7), (fw, L.foot_h * 0.7 + r * 0.3))
        bm |= cv.polygon_mask([(foot[0] - fw, L.yg - L.foot_h * 0.7), (foot[0] + fw, L.yg - L.foot_h * 0.7),
                               (foot[0] + fw, L.yg), (foot[0] - fw, L.yg)])
        if cfg.body not in ("bones", "robe"):
            bm |= cv.capsule_mask((foot[0], L.yg - bh), ankle, r * 1.06)
        cv.mask(part, bm, boot, highlight=True)


# ---- torso
def _torso_pts(p: _P, half_top: float, half_waist: float, y_bottom: float, half_bottom: float,
               shift: float = 0.0):
    L = p.L
    cx = L.cx
    t = L.neck - 0.02 * L.S
    s = L.sh + 0.05 * L.S
    return [(cx - half_top * 0.8 + shift * 0.3, t), (cx + half_top * 0.8 + shift * 0.3, t),
            (cx + half_top, s), (cx + half_waist, L.hip), (cx + half_bottom + shift, y_bottom),
            (cx - half_bottom + shift, y_bottom), (cx - half_waist, L.hip), (cx - half_top, s)]


def _hem(p: _P) -> float:
    L = p.L
    b = p.cfg.body
    if b == "robe":
        return L.yg - max(L.foot_h * 0.9, 1.6 if L.det == 0 else 0.0)
    if b in ("tunic",):
        return L.hip + (L.yg - L.hip) * 0.28
    if b == "armor":
        return L.hip + (L.yg - L.hip) * 0.22
    return L.hip + max(1.0, 0.02 * L.S)


def _torso(p: _P) -> None:
    cv, L, cfg, m = p.cv, p.L, p.cfg, p.m
    cx, S, side = L.cx, L.S, p.side
    # half widths at the shoulders and the waist: narrower in the 3/4 side view
    tw, ww = (L.sw * 0.8, L.ww * 0.82) if side else (L.sw, L.ww)
    tm = p.mat("torso")
    body = cfg.body
    hem = _hem(p)
    if body == "robe":
        pts = _torso_pts(p, tw, ww * (1.02 if side else 1.0), hem, L.sw * (1.0 if side else 1.2),
                         shift=-0.04 * S if side else 0.0)
        cv.polygon("torso", pts, tm, highlight=True)
        if cfg.spiky or "tatters" in cfg.extras:
            _tatter(p, "torso", pts[5][0] - 1, pts[4][0] + 1, hem)
        _robe_details(p, front=not side)
    elif body == "bones":
        _bones_torso(p, side=side)
    elif body == "mech":
        _mech_torso(p, front=not side)
    elif body == "suit":
        cv.polygon("torso", _torso_pts(p, tw * 1.1, ww * 1.1, L.hip + 0.03 * S, ww * 1.05), tm, highlight=True)
        cy = (L.sh + L.hip) / 2
        if L.det >= 1:  # chest control panel with status lights
            x0, x1 = (cx + tw * 0.15, cx + tw * 0.95) if side else (cx - tw * 0.45, cx + tw * 0.45)
            cv.rect("torso", x0, cy - 0.03 * S, x1, cy + 0.05 * S, m["primary"])
            if side:
                cv.pixel(cx + tw * 0.5, cy, m["magic"].ramp[LIGHT], part="torso")
            else:
                cv.pixel(cx - tw * 0.2, cy, m["magic"].ramp[LIGHT], part="torso")
                cv.pixel(cx + tw * 0.2, cy, m["accent"].ramp[LIGHT], part="torso")
        cv.rect("torso", cx - ww * 1.1, L.hip - 0.035 * S, cx + ww * 1.1, L.hip + 0.01 * S, m["secondary"])
    else:
        cv.polygon("torso", _torso_pts(p, tw, ww, hem, ww * (1.12 if body == "tunic" else 1.0)), tm, highlight=True)
        if body == "armor":
            _armor_details(p, front=not side)
        elif body == "bare":
            _bare_details(p, front=not side)
        elif body == "tunic":
            _tunic_details(p, front=not side, x0=cx - ww, x1=cx + ww, hem=hem)
        if "rags" in cfg.extras:
            _tatter(p, "torso", cx - ww * 1.12 - 1, cx + ww * 1.12 + 1, hem)
    _belt(p, cx - ww * 1.05, cx + ww * 1.05)
    if "scarf" in cfg.extras:
        ny = L.neck + 0.01 * S
        sc = m["accent"]
        if side:  # wrapped round the neck, the ends flying back
            cv.capsule("accessory", (cx - tw * 0.6, ny), (cx + tw * 0.6, ny), max(0.8, 0.04 * S), sc)
            cv.polygon("accessory", [(cx - tw * 0.5, L.neck - 0.01 * S), (cx - tw * 1.6, L.neck + 0.06 * S),
                                     (cx - tw * 1.4, L.neck + 0.12 * S), (cx - tw * 0.4, L.neck + 0.05 * S)], sc)
        else:
            cv.capsule("accessory", (cx - tw * 0.7, ny), (cx + tw * 0.7, ny), max(0.8, 0.04 * S), sc)


def _mech_torso(p: _P, *, front: bool) -> None:
    cv, L, m = p.cv, p.L, p.m
    cx = L.cx
    tm = p.mat("torso")
    hw = L.sw * (1.0 if front else 0.95)
    top = L.neck + 0.035 * L.S
    chest_bot = L.hip - 0.08 * L.S
    cv.capsule("torso", (cx + (0.0 if front else hw * 0.1), L.neck - 0.04 * L.S), (cx, top + 0.03 * L.S),
               max(0.7, 0.05 * L.S), m["dark"])
    cv.rect("torso", cx - hw * 0.42, chest_bot - 0.5, cx + hw * 0.42, L.hip, m["dark"])
    pts = [(cx - hw, top), (cx + hw, top), (cx + hw, top + (chest_bot - top) * 0.55), (cx + hw * 0.72, chest_bot),
           (cx - hw * 0.72, chest_bot), (cx - hw, top + (chest_bot - top) * 0.55)]
    cv.polygon("torso", pts, tm, highlight=True)
    pw = L.ww * (0.9 if front else 0.75)
    cv.rect("torso", cx - pw, L.hip - 0.025 * L.S, cx + pw, L.hip + 0.055 * L.S, m["metal"], highlight=True)
    if L.det >= 1:
        cy = top + (chest_bot - top) * 0.45
        px0, px1 = (cx - hw * 0.5, cx + hw * 0.5) if front else (cx + hw * 0.05, cx + hw * 0.85)
        core = ((px0 + px1) / 2, cy)
        cr = max(1.0, 0.05 * L.S)
        cv.ellipse("torso", core, (cr * 1.3, cr * 1.3), m["dark"], shading="flat")
        cv.ellipse("torso", core, (cr, cr), m["magic"], highlight=True)


def _tatter(p: _P, part: str, x0: float, x1: float, hem: float, *, step: float = 0.07,
            depth: float = 0.04) -> None:
    """Cut a zig-zag into the hem of ``part`` between ``x0`` and ``x1``: torn robes, rags, capes."""
    cv, L = p.cv, p.L
    step = max(2.0, step * L.S)
    depth = max(1.0, depth * L.S)
    pts = []
    x, i = x0, 0
    while x < x1:
        pts.append((x, hem - (depth if i % 2 else 0.0)))
        x += step / 2
        i += 1
    pts += [(x1 + 1, hem + 3), (x0 - 1, hem + 3)]
    # clear those pixels of the part (what lies behind, e.g. the legs, shows through)
    cut = cv.polygon_mask(pts) & p.on(part)
    cv.alpha[cut] = 0
    cv.part[cut] = -1
    cv.mat[cut] = -1


def _belt(p: _P, x0: float, x1: float) -> None:
    cv, L, cfg, m = p.cv, p.L, p.cfg, p.m
    if cfg.body in ("bones", "mech", "suit"):
        return
    if cfg.body == "robe" and "sash" not in cfg.extras and "belt" not in cfg.extras:
        return
    bh = max(1.0, 0.035 * L.S)
    y = L.hip - bh * 0.6
    mat = m["secondary"] if "sash" in cfg.extras else m["leather"]
    if cfg.body == "armor":
        mat = m["leather"]
    cv.rect("torso", x0, y, x1, y + bh, mat, shading="flat")
    if L.det >= 1 and "sash" not in cfg.extras:
        bx = (L.cx + (x1 - L.cx) * 0.55) if p.side else L.cx
        cv.detail(cv.polygon_mask([(bx - 0.5, y), (bx + 0.5 + (L.det > 1), y), (bx + 0.5 + (L.det > 1), y + bh),
                                   (bx - 0.5, y + bh)]), m["gold"].base)
    if "sash" in cfg.extras and L.det >= 1:
        sx = L.cx - (x1 - L.cx) * 0.3 if p.side else L.cx + (x1 - L.cx) * 0.4
        cv.polygon("torso", [(sx - 0.6, y), (sx + 0.8, y), (sx + 0.4, y + bh * 3.2), (sx - 1.0, y + bh * 3.0)],
                   mat)


def _armor_details(p: _P, *, front: bool) -> None:
    cv, L, cfg, m = p.cv, p.L, p.cfg, p.m
    cx = L.cx
    hem = _hem(p)
    # tabard / lacquer panel over the plate
    if "tabard" in cfg.extras or cfg.slots.get("torso") == "metal":
        tab = m["primary"]
        if front:
            hw = L.ww * 0.55
            pts = [(cx - hw, L.sh + 0.03 * L.S), (cx + hw, L.sh + 0.03 * L.S), (cx + hw * 1.1, hem + 0.03 * L.S),
                   (cx - hw * 1.1, hem + 0.03 * L.S)]
        else:
            sws = L.sw * 0.8
            x0 = cx - sws * 0.1
            pts = [(x0, L.sh + 0.03 * L.S), (cx + sws * 0.95, L.sh + 0.05 * L.S),
                   (cx + L.ww * 0.8, hem + 0.03 * L.S), (x0, hem + 0.03 * L.S)]
        cv.polygon("torso", pts, tab, highlight=True)
        if "trim" in cfg.extras and L.det >= 1:
            edge = cv.polygon_mask(pts)
            ring = edge & ~erode4(edge)
            cv.detail(ring, m["trim"].base)
        if L.det >= 1 and cfg.emblem == "cross" and front:
            cy = L.sh + (L.hip - L.sh) * 0.45
            cv.detail(cv.line_mask((cx, cy - 0.06 * L.S), (cx, cy + 0.06 * L.S))
                      | cv.line_mask((cx - 0.04 * L.S, cy - 0.02 * L.S), (cx + 0.04 * L.S, cy - 0.02 * L.S)),
                      m["gold"].ramp[LIGHT])
    else:
        # lamellar bands (samurai)
        if L.det >= 1:
            step = max(2, round(0.05 * L.S))
            tor = p.on("torso")
            for y in np.arange(L.sh + step, hem, step):
                cv.detail(cv.line_mask((cx - L.sw * 1.5, y), (cx + L.sw * 1.5, y)) & tor,
                          p.mat("torso").ramp[SHADOW])
            if "trim" in cfg.extras:
                cv.detail(cv.line_mask((cx - L.sw * 1.5, L.hip), (cx + L.sw * 1.5, L.hip)) & tor, m["gold"].base)


def _bare_details(p: _P, *, front: bool) -> None:
    cv, L, cfg, m = p.cv, p.L, p.cfg, p.m
    cx = L.cx
    skin = m["skin"]
    if L.det >= 1:
        # pecs and a shaded belly line
        pec_y = L.sh + (L.hip - L.sh) * 0.38
        if front:
            cv.detail(cv.line_mask((cx - L.sw * 0.6, pec_y), (cx - 0.5, pec_y))
                      | cv.line_mask((cx + 0.5, pec_y), (cx + L.sw * 0.6, pec_y)), skin.ramp[SHADOW])
            cv.detail(cv.line_mask((cx, pec_y + 1), (cx, L.hip - 1.5)), skin.ramp[SHADOW])
        else:
            cv.detail(cv.line_mask((cx + L.sw * 0.1, pec_y), (cx + L.sw * 0.75, pec_y)), skin.ramp[SHADOW])
    if "strap" in cfg.extras or "fur" in cfg.extras:
        sws = L.sw * (1.0 if front else 0.8)
        sr = max(0.6, 0.03 * L.S)
        a = (cx - sws * 0.8, L.sh - 0.01 * L.S)
        b = (cx + sws * 0.85, L.hip - 0.02 * L.S)
        if not front:
            a, b = (cx - sws * 0.7, L.sh), (cx + sws * 0.7, L.hip - 0.02 * L.S)
        cv.capsule("torso", a, b, sr, m["leather"])
    if "fur" in cfg.extras:
        # fur mantle over the shoulders
        fm = m.first("fur", "secondary")
        sws = L.sw * (1.05 if front else 0.85)
        cv.ellipse("torso", (cx, L.neck + 0.02 * L.S), (sws * 1.05, 0.07 * L.S + 0.5), fm, highlight=False)


def _tunic_details(p: _P, *, front: bool, x0: float, x1: float, hem: float) -> None:
    cv, L, cfg, m = p.cv, p.L, p.cfg, p.m
    cx = L.cx
    if L.det >= 1:
        # collar / neckline
        if front:
            cv.polygon("torso", [(cx - L.sw * 0.35, L.neck - 0.02 * L.S), (cx + L.sw * 0.35, L.neck - 0.02 * L.S),
                                 (cx, L.neck + 0.06 * L.S)], m["skin"], shading="flat")
        else:
            cv.polygon("torso", [(cx + L.sw * 0.2, L.neck - 0.02 * L.S), (cx + L.sw * 0.75, L.neck - 0.02 * L.S),
                                 (cx + L.sw * 0.6, L.neck + 0.05 * L.S)], m["skin"], shading="flat")
    if "apron" in cfg.extras:
        aw = (x1 - x0) * (0.32 if front else 0.25)
        ax = cx if front else cx + (x1 - cx) * 0.45
        cv.rect("torso", ax - aw, L.sh + (L.hip - L.sh) * 0.45, ax + aw, hem + 0.02 * L.S, m.first("apron", "metal"), highlight=False)
    if "vest" in cfg.extras:
        vm = m["leather"]
        if front:
            for s in (-1, 1):
                cv.polygon("torso", [(cx + s * L.sw * 0.35, L.neck), (cx + s * L.sw * 1.0, L.sh),
                                     (cx + s * L.ww * 1.0, L.hip), (cx + s * L.ww * 0.3, L.hip)], vm)
        else:
            cv.polygon("torso", [(cx - L.sw * 0.8, L.neck), (cx + L.sw * 0.1, L.neck), (cx + L.ww * 0.2, L.hip),
                                 (cx - L.ww * 0.82, L.hip)], vm)


def _robe_details(p: _P, *, front: bool) -> None:
    cv, L, cfg, m = p.cv, p.L, p.cfg, p.m
    cx = L.cx
    hem = _hem(p)
    if "trim" in cfg.extras and L.det >= 1:
        tm = m["trim"]
        tw = 0.025 * L.S
        x0, x1 = (cx, cx) if front else (cx + L.sw * 0.3, cx + L.sw * 0.4)
        y0 = L.neck + 0.03 * L.S
        if tw < 0.9:
            stripe = cv.line_mask((x0 - 0.5, y0), (x1 - 0.5, hem - 0.5)) & p.on("torso")
            cv.detail(stripe, tm.base)
        else:
            cv.polygon("torso", [(x0 - tw, y0), (x0 + tw, y0), (x1 + tw, hem), (x1 - tw, hem)], tm, shading="flat")
        hem_band = cv.polygon_mask([(cx - L.S, hem - max(1.0, 0.03 * L.S)), (cx + L.S, hem - max(1.0, 0.03 * L.S)),
                                    (cx + L.S, hem), (cx - L.S, hem)]) & p.on("torso")
        cv.detail(hem_band, tm.base)
    if "symbol" in cfg.extras and L.det >= 1:
        cy = L.sh + (L.hip - L.sh) * 0.35
        sx = cx if front else cx + L.sw * 0.35
        s = max(1.0, 0.045 * L.S)
        col = m.first("emblem", "gold").base
        cv.detail(cv.line_mask((sx, cy - s), (sx, cy + s * 1.2)) | cv.line_mask((sx - s * 0.8, cy - s * 0.2),
                                                                                   (sx + s * 0.8, cy - s * 0.2)), col)


def _bones_torso(p: _P, *, side: bool) -> None:
    cv, L, cfg, m = p.cv, p.L, p.cfg, p.m
    cx = L.cx
    bone = m["skin"]
    dark = m["dark"]
    hw = L.sw * (0.75 if side else 0.95)
    # spine
    sx = cx - (hw * 0.5 if side else 0)
    cv.capsule("torso", (sx, L.neck), (sx, L.hip), max(0.55, 0.025 * L.S), bone)
    # rib cage
    rc_y = L.sh + (L.hip - L.sh) * 0.33
    rc = (cx + (hw * 0.1 if side else 0), rc_y)
    rr = (hw, (L.hip - L.sh) * 0.4)
    cage = cv.ellipse("torso", rc, rr, bone, highlight=True)
    if L.det >= 1:
        step = max(2, round(rr[1] * 2 / 4))
        for y in np.arange(rc[1] - rr[1] + step, rc[1] + rr[1] - 0.5, step):
            gap = cv.line_mask((rc[0] - rr[0] + (0.0 if side else 0.5), y), (rc[0] + rr[0], y)) & cage
            if not side:
                gap &= ~cv.line_mask((cx, L.neck), (cx, L.hip))
            cv.detail(gap, dark.base)
    # pelvis
    cv.ellipse("torso", (cx, L.hip - 0.01 * L.S), (L.ww * (0.8 if side else 1.0), max(1.0, 0.045 * L.S)), bone)
    if "rags" in cfg.extras:
        rm = m["primary"]
        pts = [(cx - L.ww * 1.05, L.hip - 0.03 * L.S), (cx + L.ww * 1.05, L.hip - 0.03 * L.S),
               (cx + L.ww * 1.0, L.hip + 0.14 * L.S), (cx - L.ww * 1.0, L.hip + 0.14 * L.S)]
        cv.polygon("torso", pts, rm)
        _tatter(p, "torso", cx - L.ww * 1.1 - 1, cx + L.ww * 1.1 + 1, L.hip + 0.14 * L.S)
    if "armor" in cfg.extras:
        cv.polygon("torso", _torso_pts(p, hw * 0.95, L.ww * 0.85, L.sh + (L.hip - L.sh) * 0.6, L.ww * 0.8),
                   m["metal"], highlight=True)


def _back_items(p: _P) -> None:
    """Things worn on the back: capes, quivers, backpacks (``accessory``)."""
    cv, L, cfg, m = p.cv, p.L, p.cfg, p.m
    cx = L.cx
    if "cape" in cfg.extras:
        cm = m.first("cape", "accent")
        hem = L.yg - max(1.0, 0.06 * L.S)
        if p.side:
            sws = L.sw * 0.8
            fl = 1.45 if cfg.compact else 1.9
            pts = [(cx - sws * 0.6, L.neck), (cx + sws * 0.2, L.neck), (cx - sws * 0.3, L.hip),
                   (cx - sws * 0.2, hem), (cx - sws * fl, hem), (cx - sws * (fl - 0.65), L.hip)]
        else:
            pts = [(cx - L.sw * 0.9, L.neck), (cx + L.sw * 0.9, L.neck), (cx + L.sw * 1.35, hem),
                   (cx - L.sw * 1.35, hem)]
        cv.polygon("accessory", pts, _dim(cm) if not p.side else cm, highlight=True)
        if cfg.spiky:
            _tatter(p, "accessory", cx - L.sw * 2.5, cx + L.sw * 2.5, hem, step=0.08, depth=0.05)
    if "quiver" in cfg.extras and p.side:
        qa = (cx - L.sw * 0.55, L.hip - 0.02 * L.S)
        qb = (cx - L.sw * 0.95, L.neck - 0.06 * L.S)
        qr = max(0.9, 0.05 * L.S)
        if L.det >= 1:
            for k in (-1, 0, 1):
                tip = (qb[0] + k * qr * 0.8 - 0.8, qb[1] - 0.05 * L.S)
                cv.capsule("accessory", qb, tip, max(0.5, qr * 0.45), m["accent"])
        cv.capsule("accessory", qa, qb, qr, m["leather"])
    if cfg.body == "suit" or "backpack" in cfg.extras:
        bm = m.first("suit", "secondary")
        if p.side:
            sws = L.sw * 0.8
            cv.rect("accessory", cx - sws * 1.7, L.neck + 0.01 * L.S, cx - sws * 0.5, L.hip - 0.02 * L.S,
                    _dim(bm), highlight=True)
        else:
            cv.rect("accessory", cx - L.sw * 1.2, L.neck + 0.02 * L.S, cx + L.sw * 1.2, L.hip - 0.04 * L.S,
                    _dim(bm))
    if "long" == cfg.hair and cfg.head in ("hair",) and not p.side:
        # long hair falling behind the shoulders
        cv.rect("head", L.hx - L.hrx * 1.02, L.hy, L.hx + L.hrx * 1.02, L.neck + 0.12 * L.S, _dim(m["hair"]))


# ---- head
def _head(p: _P) -> None:
    cv, L, cfg, m = p.cv, p.L, p.cfg, p.m
    hx, hy, rx, ry = L.hx, L.hy, L.hrx, L.hry
    kind = cfg.head
    skin = m["skin"]
    side = p.side
    part = "head"

    # big ears sit behind the skull; pointed (elf) ears poke through the hair afterwards
    has_ears = cfg.ears in ("pointed", "big") and kind not in ("helm", "robot", "space_helmet", "skull")
    if has_ears and (cfg.ears == "big" or not side):
        _ears(p)

    if kind == "robot":
        _robot_head(p)
        return
    if kind == "space_helmet":
        _space_head(p)
        return
    if kind == "skull":
        _skull(p)
        _headwear_extra(p)
        return

    # the face
    cv.ellipse(part, (hx, hy), (rx, ry), skin, shading="rim" if L.det >= 1 else "flat")
    if kind not in ("helm", "mask"):
        _nose(p)
    _hair_back(p)
    if has_ears and cfg.ears == "pointed" and side and kind in ("hair",):
        _ears(p)
    _eyes(p)
    if cfg.tusks:
        tc = (240, 232, 206)
        ty = hy + ry * 0.55
        if side:
            cv.pixel(hx + rx * 0.6, ty, tc, part=part)
            if L.det >= 2:
                cv.pixel(hx + rx * 0.6, ty - 1, tc, part=part)
        else:
            for s in (-1, 1):
                cv.pixel(hx + s * rx * 0.45, ty, tc, part=part)
                if L.det >= 2:
                    cv.pixel(hx + s * rx * 0.45, ty - 1, tc, part=part)
    if "beard" in cfg.extras:
        bm = m.first("beard", "hair")
        long_ = cfg.look.get("beard", "short") == "long"
        if side:
            c = (hx + rx * 0.28, hy + ry * (0.72 if long_ else 0.55))
            cv.ellipse(part, c, (rx * 0.8, ry * (0.7 if long_ else 0.5)), bm, highlight=True)
            if L.det >= 1:
                cv.pixel(hx + rx * 0.55, hy + ry * 0.35, skin.ramp[SHADOW], part=part)
        else:
            c = (hx, hy + ry * (0.72 if long_ else 0.55))
            cv.ellipse(part, c, (rx * 0.85, ry * (0.72 if long_ else 0.52)), bm, highlight=True)
            if L.det >= 1:
                cv.detail(cv.line_mask((hx - rx * 0.2, hy + ry * 0.38), (hx + rx * 0.2, hy + ry * 0.38)),
                          skin.ramp[SHADOW])
    if "eyepatch" in cfg.extras and L.det >= 1:
        # over the left eye: the far eye in side view, the image's right eye in front view
        ex = hx + rx * (0.12 if side else max(0.38, 1.0 / rx))
        ey = hy + ry * 0.05
        strap = cv.line_mask((hx - rx * 0.9, ey - ry * 0.55), (hx + rx * 0.9, ey - ry * 0.2))
        cv.detail((strap & ~cv.ellipse_mask((hx + rx * 0.62, ey), (1.2, 1.2))) | cv.ellipse_mask(
            (ex, ey + 0.2), (max(0.8, rx * 0.22),) * 2), m["dark"].base)
    _headgear(p)
    _headwear_extra(p)


def _ears(p: _P) -> None:
    cv, L, cfg = p.cv, p.L, p.cfg
    hx, hy, rx, ry = L.hx, L.hy, L.hrx, L.hry
    skin = p.m["skin"]
    big = cfg.ears == "big"
    ln = rx * (1.35 if big else 1.15)
    if p.side:
        ex, ey = hx - rx * 0.15, hy + ry * 0.08
        pts = [(ex + rx * 0.2, ey - ry * 0.22), (ex - ln, ey - ry * (0.55 if big else 0.85)),
               (ex - rx * 0.05, ey + ry * 0.32)]
        cv.polygon("head", pts, skin, highlight=True, inner="line" if not big and L.det >= 1 else None)
    else:
        for s in (-1, 1):
            ex = hx + s * rx * 0.8
            pts = [(ex, hy - ry * 0.2), (ex + s * ln, hy - ry * 0.45), (ex, hy + ry * 0.3)]
            cv.polygon("head", pts, skin, highlight=True)


def _eyes(p: _P, *, color: RGB | None = None, glow: bool | None = None, y_off: float = 0.05,
          spacing: float = 0.38) -> None:
    cv, L, cfg, m = p.cv, p.L, p.cfg, p.m
    hx, hy, rx, ry = L.hx, L.hy, L.hrx, L.hry
    glow = cfg.glow if glow is None else glow
    col = color or (m["eyes"].ramp[HIGHLIGHT] if glow else m["eyes"].base)
    big = cfg.cute or cfg.ears == "big"
    eh = 1 if ry < 4.5 else (2 if ry < 12 else 3)
    if big and ry >= 4:
        eh += 1
    ew = 1 if rx < 8 else 2
    y = hy + ry * y_off
    if p.side:
        xs = [hx + rx * 0.62]
        if rx >= 3.5:
            xs.append(hx + rx * (0.12 if rx >= 6 else 0.05))
    else:
        d = max(rx * spacing, 1.0)
        xs = [hx - d, hx + d]
    masks = np.zeros((cv.h, cv.w), bool)
    for x in xs:
        x0 = math.floor(x - (ew - 1) / 2)
        y0 = math.floor(y - eh / 2 + 0.5)
        masks[max(0, y0):y0 + eh, max(0, x0):x0 + ew] = True
    cv.detail(masks, col)
    if L.det >= 2 and not glow:
        # tiny catch-lights
        for x in xs:
            x0 = math.floor(x - (ew - 1) / 2)
            y0 = math.floor(y - eh / 2 + 0.5)
            cv.pixel(x0 + ew - 1, y0, (250, 250, 250))
    if L.det >= 2 and not glow and p.cfg.head not in ("mask",):
        mouth_y = hy + ry * 0.5
        if p.side:
            cv.detail(cv.line_mask((hx + rx * 0.55, mouth_y), (hx + rx * 0.8, mouth_y)), m["skin"].ramp[SHADOW])
        else:
            cv.detail(cv.line_mask((hx - rx * 0.15, mouth_y), (hx + rx * 0.15, mouth_y)), m["skin"].ramp[SHADOW])


def _hair_back(p: _P) -> None:
    """Hair on the skull (side: the back and top of the head; front: a cap with a fringe)."""
    cv, L, cfg, m = p.cv, p.L, p.cfg, p.m
    if cfg.head not in ("hair", "mask") or cfg.hair == "bald":
        return
    hx, hy, rx, ry = L.hx, L.hy, L.hrx, L.hry
    hm = m["hair"]
    style = cfg.hair
    part = "head"
    if p.side:
        cap = cv.ellipse_mask((hx - rx * 0.1, hy - ry * 0.12), (rx * 1.04, ry * 0.98))
        face = cv.ellipse_mask((hx + rx * 0.52, hy + ry * 0.3), (rx * 0.88, ry * 0.84))
        mask = cap & ~face
        if style in ("long", "ponytail", "messy"):
            back = cv.polygon_mask([(hx - rx * 1.0, hy - ry * 0.2), (hx - rx * 0.1, hy),
                                    (hx - rx * 0.2, hy + ry * (1.5 if style == "long" else 0.9)),
                                    (hx - rx * 1.05, hy + ry * (1.45 if style == "long" else 0.9))])
            mask |= back
        if style == "ponytail":
            mask |= cv.capsule_mask((hx - rx * 0.95, hy - ry * 0.3), (hx - rx * 1.55, hy + ry * 0.6),
                                    max(0.8, rx * 0.3), max(0.6, rx * 0.2))
        if style == "topknot":
            mask |= cv.ellipse_mask((hx - rx * 0.2, hy - ry * 1.05), (max(1.0, rx * 0.35), max(1.0, ry * 0.3)))
        if style == "mohawk":
            mask = cap & ~face & (cv.ellipse_mask((hx - rx * 0.05, hy - ry * 0.35), (rx * 1.1, ry * 0.9))) & \
                ~cv.ellipse_mask((hx + rx * 0.1, hy + ry * 0.35), (rx * 1.2, ry * 1.0))
            mask |= cv.polygon_mask([(hx - rx * 0.9, hy - ry * 0.6), (hx - rx * 0.3, hy - ry * 1.3),
                                     (hx + rx * 0.4, hy - ry * 1.1), (hx + rx * 0.5, hy - ry * 0.7)])
        if style == "spiky":
            for k, (ax, ay) in enumerate(((-0.9, -0.6), (-0.4, -1.0), (0.2, -1.0), (0.7, -0.7))):
                mask |= cv.polygon_mask([(hx + rx * (ax - 0.35), hy + ry * (ay + 0.35)), (hx + rx * (ax - 0.2 - 0.1 * k),
                                         hy + ry * (ay - 0.35)), (hx + rx * (ax + 0.35), hy + ry * (ay + 0.3))])
        if style == "messy":
            mask |= cv.polygon_mask([(hx - rx * 0.8, hy - ry * 0.7), (hx - rx * 1.3, hy - ry * 0.9),
                                     (hx - rx * 0.6, hy - ry * 1.05)])
        if style == "bun":
            mask |= cv.ellipse_mask((hx - rx * 0.95, hy - ry * 0.4), (max(1.0, rx * 0.38),) * 2)
        cv.mask(part, mask, hm, highlight=True)
    else:
        cap = cv.ellipse_mask((hx, hy - ry * 0.14), (rx * 1.04, ry * 0.96))
        face = cv.ellipse_mask((hx, hy + ry * 0.42), (rx * 0.92, ry * 0.82))
        mask = cap & ~face
        if style in ("long", "ponytail", "messy"):
            for s in (-1, 1):
                mask |= cv.polygon_mask([(hx + s * rx * 1.04, hy - ry * 0.2), (hx + s * rx * 0.72, hy),
                                         (hx + s * rx * 0.72, hy + ry * (1.2 if style == "long" else 0.7)),
                                         (hx + s * rx * 1.06, hy + ry * (1.2 if style == "long" else 0.7))])
        if style == "topknot":
            mask |= cv.ellipse_mask((hx, hy - ry * 1.05), (max(1.0, rx * 0.35), max(1.0, ry * 0.3)))
        if style == "mohawk":
            mask = cv.polygon_mask([(hx - rx * 0.3, hy - ry * 0.5), (hx - rx * 0.25, hy - ry * 1.3),
                                    (hx + rx * 0.25, hy - ry * 1.3), (hx + rx * 0.3, hy - ry * 0.5)])
        if style == "spiky":
            for ax in (-0.7, -0.25, 0.25, 0.7):
                mask |= cv.polygon_mask([(hx + rx * (ax - 0.3), hy - ry * 0.6), (hx + rx * ax * 1.15, hy - ry * 1.25),
                                         (hx + rx * (ax + 0.3), hy - ry * 0.6)])
        if style == "messy":
            mask |= cv.polygon_mask([(hx - rx * 0.9, hy - ry * 0.5), (hx - rx * 1.25, hy - ry * 0.3),
                                     (hx - rx * 0.8, hy - ry * 0.2)])
            mask |= cv.polygon_mask([(hx + rx * 0.9, hy - ry * 0.5), (hx + rx * 1.25, hy - ry * 0.3),
                                     (hx + rx * 0.8, hy - ry * 0.2)])
        if style == "bun":
            mask |= cv.ellipse_mask((hx, hy - ry * 1.05), (max(1.0, rx * 0.4),) * 2)
        cv.mask(part, mask, hm, highlight=True)


def _headgear(p: _P) -> None:
    cv, L, cfg, m = p.cv, p.L, p.cfg, p.m
    hx, hy, rx, ry = L.hx, L.hy, L.hrx, L.hry
    kind = cfg.head
    side = p.side
    part = "head"
    if kind in ("helm", "helm_open", "horned_helm"):
        hm = m["metal"]
        if kind == "helm":
            cv.ellipse(part, (hx - (rx * 0.02 if side else 0), hy - ry * 0.06), (rx * 1.1, ry * 1.08), hm,
                       highlight=True)
            # visor slit
            sy = hy + ry * 0.02
            if side:
                x0, x1 = hx - rx * 0.05, hx + rx * 1.2
            else:
                x0, x1 = hx - rx * 0.85, hx + rx * 0.85
            slit = cv.polygon_mask([(x0, sy - 0.5), (x1, sy - 0.5), (x1, sy + 0.5 + (L.det > 1)), (x0, sy + 0.5 +
                                                                                                  (L.det > 1))])
            slit &= p.on(part)
            cv.detail(slit, m["dark"].base)
            if L.det >= 1:
                if side:
                    cv.detail(cv.line_mask((hx + rx * 0.35, sy + 2), (hx + rx * 0.35, hy + ry * 0.85))
                              & p.on(part), hm.ramp[SHADOW])
                else:
                    cv.detail(cv.line_mask((hx, sy + 2), (hx, hy + ry * 0.9)), hm.ramp[SHADOW])
                if cfg.glow:
                    cv.detail(slit & cv.ellipse_mask((hx + (rx * 0.6 if side else rx * 0.35), sy), (1.2, 1.0)),
                              m["eyes"].ramp[HIGHLIGHT])
                    if not side:
                        cv.detail(slit & cv.ellipse_mask((hx - rx * 0.35, sy), (1.2, 1.0)), m["eyes"].ramp[HIGHLIGHT])
        else:
            # open helmet: a dome over the brow, face visible
            dome = cv.ellipse_mask((hx - (rx * 0.05 if side else 0), hy - ry * 0.12), (rx * 1.1, ry * 1.0))
            face = cv.ellipse_mask((hx + (rx * 0.45 if side else 0), hy + ry * 0.5), (rx * (0.8 if side else 0.72),
                                                                                       ry * 0.78))
            cv.mask(part, dome & ~face, hm, highlight=True)
            if side:
                # nasal guard
                cv.capsule(part, (hx + rx * 0.62, hy - ry * 0.4), (hx + rx * 0.66, hy + ry * 0.2), max(0.5, rx * 0.1),
                           hm)
            band_y = hy - ry * 0.25
            band = cv.polygon_mask([(hx - rx * 1.2, band_y), (hx + rx * 1.2, band_y),
                                    (hx + rx * 1.2, band_y + max(1.0, ry * 0.18)),
                                    (hx - rx * 1.2, band_y + max(1.0, ry * 0.18))]) & p.on(part)
            band &= ~face
            cv.detail(band, m["trim"].base if kind == "helm_open" else hm.ramp[SHADOW])
            if kind == "horned_helm":
                _horns(p)
        if "plume" in cfg.extras:
            pm = m["accent"]
            pr = max(0.9, rx * 0.32)
            if L.det == 0:
                cv.ellipse(part, (hx - (rx * 0.3 if side else 0), hy - ry * 1.0), (1.0, 0.7), pm, shading="flat")
            elif side:
                cv.capsule(part, (hx + rx * 0.2, hy - ry * 1.05), (hx - rx * 0.9, hy - ry * 0.95), pr, pm,
                           r1=max(0.6, pr * 0.6), highlight=True)
                cv.capsule(part, (hx - rx * 0.9, hy - ry * 0.95), (hx - rx * 1.35, hy - ry * 0.45),
                           max(0.6, pr * 0.6), pm, r1=max(0.5, pr * 0.4))
            else:
                cv.ellipse(part, (hx, hy - ry * 1.12), (max(0.9, rx * 0.28), max(1.2, ry * 0.35)), pm,
                           highlight=True)
        return

    if kind == "hood":
        hm = m.first("hood", "primary")
        dark_face = cfg.glow
        if side:
            outer = cv.ellipse_mask((hx - rx * 0.12, hy - ry * 0.04), (rx * 1.16, ry * 1.12))
            outer |= cv.polygon_mask([(hx - rx * 0.3, hy - ry * 1.0), (hx - rx * 1.35, hy - ry * 0.55),
                                      (hx - rx * 1.0, hy + ry * 0.2)])
            outer |= cv.polygon_mask([(hx - rx * 1.2, hy + ry * 0.3), (hx + rx * 0.3, hy + ry * 0.5),
                                      (hx + rx * 0.2, hy + ry * 1.3), (hx - rx * 1.1, hy + ry * 1.25)])
            big_open = 1.0 if L.det >= 1 else 1.18
            opening = cv.ellipse_mask((hx + rx * 0.52, hy + ry * 0.22), (rx * 0.7 * big_open, ry * 0.72 * big_open))
        else:
            outer = cv.ellipse_mask((hx, hy - ry * 0.04), (rx * 1.16, ry * 1.12))
            outer |= cv.polygon_mask([(hx - rx * 1.15, hy + ry * 0.2), (hx + rx * 1.15, hy + ry * 0.2),
                                      (hx + rx * 1.3, hy + ry * 1.3), (hx - rx * 1.3, hy + ry * 1.3)])
            big_open = 1.0 if L.det >= 1 else 1.12
            opening = cv.ellipse_mask((hx, hy + ry * 0.25), (rx * 0.72 * big_open, ry * 0.72 * big_open))
        cv.mask(part, outer & ~opening, hm, highlight=True)
        if dark_face:
            cv.mask(part, opening & cv.ellipse_mask((hx, hy), (rx * 1.3, ry * 1.3)) & ~(outer & ~opening),
                    Material.from_base(_mix(hm.base, (10, 8, 14), 0.75)), shading="flat")
            _eyes(p, glow=True, y_off=0.25, spacing=0.32)
        else:
            # a shadow under the hood's brim
            brim = opening & ~shifted(opening, 0, 1)
            cv.detail(brim, m["skin"].ramp[SHADOW])
        if "scarf" in cfg.extras or "mask_scarf" in cfg.extras:
            sm = m["accent"]
            if side:
                cv.polygon(part, [(hx - rx * 0.1, hy + ry * 0.4), (hx + rx * 1.05, hy + ry * 0.35),
                                  (hx + rx * 0.95, hy + ry * 0.95), (hx - rx * 0.1, hy + ry * 1.0)], sm)
            else:
                cv.polygon(part, [(hx - rx * 0.9, hy + ry * 0.35), (hx + rx * 0.9, hy + ry * 0.35),
                                  (hx + rx * 0.8, hy + ry * 0.95), (hx - rx * 0.8, hy + ry * 0.95)], sm)
        return

    if kind == "mask":  # ninja: cloth wrap with an eye band
        hm = m["primary"]
        wrap = cv.ellipse_mask((hx - (rx * 0.04 if side else 0), hy - ry * 0.02), (rx * 1.06, ry * 1.04))
        band = cv.polygon_mask([(hx - rx * (0.1 if side else 0.8), hy - ry * 0.2),
                                (hx + rx * 1.2, hy - ry * 0.2), (hx + rx * 1.2, hy + ry * 0.26),
                                (hx - rx * (0.1 if side else 0.8), hy + ry * 0.26)])
        if not side:
            band &= cv.ellipse_mask((hx, hy), (rx * 0.85, ry))
        cv.mask(part, wrap & ~band, hm, highlight=True)
        _eyes(p, y_off=0.02)
        # headband with tails flying back
        bm = m["accent"]
        by = hy - ry * 0.42
        bh = max(1.0, ry * 0.16)
        cv.detail(cv.polygon_mask([(hx - rx * 1.2, by), (hx + rx * 1.2, by), (hx + rx * 1.2, by + bh),
                                   (hx - rx * 1.2, by + bh)]) & wrap, bm.base)
        if side:
            cv.capsule(part, (hx - rx * 0.9, by + bh * 0.5), (hx - rx * 1.7, by + ry * 0.2), max(0.5, bh * 0.5), bm)
            cv.capsule(part, (hx - rx * 0.9, by + bh * 0.5), (hx - rx * 1.55, by + ry * 0.65), max(0.5, bh * 0.45),
                       bm)
        return

    if kind == "wizard_hat":
        hm = m.first("hat", "primary")
        brim_y = hy - ry * 0.5
        brw = rx * 1.55
        tilt = -rx * 0.8 if side else 0.0
        tip = (hx + tilt - (rx * 0.5 if side else 0), hy - ry - _HAT_ROOM["wizard_hat"] * L.S * 1.05)
        cone = [(hx - rx * 0.85, brim_y), (hx - rx * 0.3, brim_y - ry * 0.9), tip,
                (hx + rx * 0.2 + (tilt * 0.2), brim_y - ry * 0.95), (hx + rx * 0.85, brim_y)]
        if not side:
            cone = [(hx - rx * 0.85, brim_y), (hx - rx * 0.35, brim_y - ry * 1.0), tip,
                    (hx + rx * 0.35, brim_y - ry * 1.0), (hx + rx * 0.85, brim_y)]
        cv.polygon(part, cone, hm, highlight=True)
        cv.ellipse(part, (hx, brim_y), (brw, max(1.0, ry * 0.22)), hm, highlight=False)
        band = cv.polygon_mask([(hx - rx * 0.9, brim_y - max(1.0, ry * 0.3)), (hx + rx * 0.9, brim_y - max(1.0, ry * 0.3)),
                                (hx + rx * 0.9, brim_y - 0.4), (hx - rx * 0.9, brim_y - 0.4)])
        cv.detail(band & cv.polygon_mask(cone), m["secondary"].base)
        if L.det >= 2:
            sx, sy = (hx - rx * 0.1, brim_y - ry * 0.8)
            cv.pixel(sx, sy, m["gold"].ramp[LIGHT])
        return

    if kind == "kabuto":
        hm = m.first("helmet", "secondary")
        dome = cv.ellipse_mask((hx - (rx * 0.05 if side else 0), hy - ry * 0.15), (rx * 1.08, ry * 0.92))
        face = cv.ellipse_mask((hx + (rx * 0.45 if side else 0), hy + ry * 0.45), (rx * (0.82 if side else 0.78),
                                                                                   ry * 0.78))
        cv.mask(part, dome & ~face, hm, highlight=True)
        # flared neck guard (shikoro)
        if side:
            cv.polygon(part, [(hx - rx * 0.95, hy - ry * 0.45), (hx - rx * 0.1, hy - ry * 0.2),
                              (hx - rx * 0.15, hy + ry * 0.55), (hx - rx * 1.3, hy + ry * 0.75),
                              (hx - rx * 1.2, hy + ry * 0.1)], hm)
        else:
            for s in (-1, 1):
                cv.polygon(part, [(hx + s * rx * 0.75, hy - ry * 0.35), (hx + s * rx * 1.05, hy - ry * 0.2),
                                  (hx + s * rx * 1.5, hy + ry * 0.45), (hx + s * rx * 0.9, hy + ry * 0.45)], hm)
        # golden crest
        gm = m["gold"]
        cr = max(0.5, rx * 0.13)
        if side:
            cv.capsule(part, (hx + rx * 0.5, hy - ry * 0.75), (hx + rx * 0.95, hy - ry * 1.4), cr, gm, highlight=True)
            cv.capsule(part, (hx + rx * 0.4, hy - ry * 0.75), (hx + rx * 0.1, hy - ry * 1.45), cr, gm, highlight=True)
        else:
            for s in (-1, 1):
                cv.capsule(part, (hx + s * rx * 0.12, hy - ry * 0.7), (hx + s * rx * 0.8, hy - ry * 1.45), cr, gm,
                           highlight=True)
        if "mempo" in cfg.extras and L.det >= 1:
            mm = m["dark"]
            if side:
                cv.polygon(part, [(hx + rx * 0.3, hy + ry * 0.35), (hx + rx * 1.05, hy + ry * 0.3),
                                  (hx + rx * 0.85, hy + ry * 0.95), (hx + rx * 0.2, hy + ry * 0.9)], mm)
            else:
                cv.polygon(part, [(hx - rx * 0.7, hy + ry * 0.35), (hx + rx * 0.7, hy + ry * 0.35),
                                  (hx + rx * 0.5, hy + ry * 0.95), (hx - rx * 0.5, hy + ry * 0.95)], mm)
        return

    if kind == "tricorn":
        hm = m.first("hat", "dark")
        top = hy - ry * 0.45
        if side:
            cv.polygon(part, [(hx - rx * 0.75, top), (hx - rx * 0.6, top - ry * 0.75), (hx + rx * 0.55, top - ry * 0.75),
                              (hx + rx * 0.75, top)], hm, highlight=True)
            cv.polygon(part, [(hx - rx * 1.45, top - ry * 0.55), (hx - rx * 0.5, top + ry * 0.15),
                              (hx + rx * 0.75, top + ry * 0.12), (hx + rx * 1.45, top - ry * 0.45),
                              (hx + rx * 0.6, top - ry * 0.15), (hx - rx * 0.5, top - ry * 0.1)], hm, highlight=True)
        else:
            cv.ellipse(part, (hx, top - ry * 0.2), (rx * 0.8, ry * 0.6), hm, highlight=True)
            cv.polygon(part, [(hx - rx * 1.5, top - ry * 0.65), (hx, top + ry * 0.2), (hx + rx * 1.5, top - ry * 0.65),
                              (hx + rx * 0.8, top + ry * 0.2), (hx - rx * 0.8, top + ry * 0.2)], hm, highlight=True)
        trim = p.on(part)
        if L.det >= 1:
            edge = cv.line_mask((hx - rx * 1.45, top - ry * (0.55 if side else 0.65)), (hx - rx * 0.5 if side else hx,
                                                                                      top + ry * 0.15))
            edge |= cv.line_mask((hx - rx * 0.5 if side else hx, top + ry * 0.15),
                                 (hx + rx * 1.45, top - ry * (0.45 if side else 0.65)))
            cv.detail(edge & trim, m["gold"].base)
            if L.det >= 2:
                sx = hx + (rx * 0.05 if side else 0)
                cv.pixel(sx, top - ry * 0.4, (236, 232, 220))
        return

    if kind == "bandana":
        bm = m["accent"]
        cap = cv.ellipse_mask((hx - (rx * 0.08 if side else 0), hy - ry * 0.2), (rx * 1.06, ry * 0.9))
        face = cv.ellipse_mask((hx + (rx * 0.45 if side else 0), hy + ry * 0.45), (rx * 0.9, ry * 0.85))
        cv.mask(part, cap & ~face, bm, highlight=True)
        if side:
            cv.polygon(part, [(hx - rx * 0.9, hy - ry * 0.1), (hx - rx * 1.5, hy + ry * 0.3),
                              (hx - rx * 1.15, hy + ry * 0.45), (hx - rx * 0.75, hy + ry * 0.1)], bm)


def _headwear_extra(p: _P) -> None:
    """Optional hats on plain-haired or bony heads."""
    cv, L, cfg, m = p.cv, p.L, p.cfg, p.m
    hx, hy, rx, ry = L.hx, L.hy, L.hrx, L.hry
    part = "head"
    if "hat" in cfg.extras and cfg.head in ("hair",):
        hm = m.first("hat", "wood")
        cv.ellipse(part, (hx, hy - ry * 0.45), (rx * 1.45, max(1.0, ry * 0.2)), hm)
        cv.ellipse(part, (hx - (rx * 0.05 if p.side else 0), hy - ry * 0.7), (rx * 0.85, ry * 0.45), hm, highlight=True)
        band = cv.polygon_mask([(hx - rx, hy - ry * 0.62), (hx + rx, hy - ry * 0.62), (hx + rx, hy - ry * 0.45),
                                (hx - rx, hy - ry * 0.45)]) & p.on(part)
        cv.detail(band, m["accent"].base)
    if "helmet" in cfg.extras and cfg.head in ("skull", "hair"):
        hm = m["metal"]
        dome = cv.ellipse_mask((hx - (rx * 0.05 if p.side else 0), hy - ry * 0.25), (rx * 1.1, ry * 0.9))
        cut = cv.polygon_mask([(hx - rx * 2, hy - ry * 0.15), (hx + rx * 2, hy - ry * 0.15), (hx + rx * 2, hy + ry * 2),
                               (hx - rx * 2, hy + ry * 2)])
        cv.mask(part, dome & ~cut, hm, highlight=True)
        if "horns" in cfg.extras:
            _horns(p, 0.85)


def _horns(p: _P, k: float = 1.0) -> None:
    """A pair of horns on a helmet, curving out and up (``k`` scales them)."""
    cv, L = p.cv, p.L
    hx, hy, rx, ry = L.hx, L.hy, L.hrx * k, L.hry * k
    hc = p.m["horn"]
    hr = max(0.7, rx * 0.22)
    if p.side:
        cv.capsule("head", (hx - rx * 0.55, hy - ry * 0.45), (hx - rx * 1.15, hy - ry * 1.25), hr, hc,
                   r1=max(0.5, hr * 0.45))
        cv.capsule("head", (hx + rx * 0.3, hy - ry * 0.6), (hx + rx * 0.75, hy - ry * 1.3), hr * 0.9, hc,
                   r1=max(0.5, hr * 0.45))
        return
    for s in (-1, 1):
        base = (hx + s * rx * 0.8, hy - ry * 0.45)
        mid = (hx + s * rx * 1.35, hy - ry * 0.7)
        tip = (hx + s * rx * 1.45, hy - ry * 1.3)
        cv.capsule("head", base, mid, hr, hc)
        cv.capsule("head", mid, tip, hr * 0.8, hc, r1=max(0.5, hr * 0.4))


def _skull(p: _P) -> None:
    cv, L, cfg, m = p.cv, p.L, p.cfg, p.m
    hx, hy, rx, ry = L.hx, L.hy, L.hrx, L.hry
    bone = m["skin"]
    part = "head"
    side = p.side
    cv.ellipse(part, (hx - (rx * 0.08 if side else 0), hy - ry * 0.14), (rx * 1.0, ry * 0.86), bone, highlight=True)
    jaw_c = (hx + (rx * 0.32 if side else 0), hy + ry * 0.58)
    cv.ellipse(part, jaw_c, (rx * (0.6 if side else 0.62), ry * 0.4), bone, shading="rim")
    dark = m["dark"].base
    glow = m["eyes"].ramp[HIGHLIGHT]
    sr = max(0.7, rx * 0.3)
    ey = hy + ry * 0.05
    sockets = [hx + rx * 0.52] if side else [hx - rx * 0.4, hx + rx * 0.4]
    if side and rx >= 4.5:
        sockets.append(hx + rx * 0.0)
    for x in sockets:
        cv.detail(cv.ellipse_mask((x, ey), (sr, sr * 1.15)), dark)
        if cfg.glow:
            cv.pixel(x - (0.0 if sr > 1.2 else 0.5), ey - (0.0 if sr > 1.2 else 0.5), glow, part=part)
    if L.det >= 1:
        ty = hy + ry * 0.6
        if side:
            cv.pixel(hx + rx * 0.8, hy + ry * 0.36, dark)
            cv.detail(cv.line_mask((hx + rx * 0.1, ty), (hx + rx * 0.9, ty)), dark)
        else:
            cv.detail(cv.line_mask((hx - rx * 0.45, ty), (hx + rx * 0.45, ty)), dark)
            cv.pixel(hx - 0.5, hy + ry * 0.34, dark)
        if L.det >= 2:
            xs = np.arange(hx - (rx * 0.3 if not side else -rx * 0.2), hx + rx * (0.45 if not side else 0.9), 2.0)
            for x in xs:
                cv.detail(cv.line_mask((x, ty - 1), (x, ty + 1)) & p.on(part), bone.ramp[SHADOW])


def _nose(p: _P) -> None:
    """A nose bump on side-view faces (long and pointy for goblins)."""
    cv, L, cfg, m = p.cv, p.L, p.cfg, p.m
    if L.det < 1 and cfg.look.get("nose") != "long":
        return
    hx, hy, rx, ry = L.hx, L.hy, L.hrx, L.hry
    skin = m["skin"]
    if cfg.look.get("nose") == "long":
        if p.side:
            cv.polygon("head", [(hx + rx * 0.8, hy + ry * 0.0), (hx + rx * 1.45, hy + ry * 0.35),
                                (hx + rx * 0.8, hy + ry * 0.42)], skin)
        elif L.det >= 1:
            cv.detail(cv.line_mask((hx - 0.5, hy + ry * 0.15), (hx - 0.5, hy + ry * 0.45)), skin.ramp[SHADOW])
        return
    if p.side:
        x = hx + rx - 0.2
        y = hy + ry * 0.18
        cv.pixel(x, y, skin.base, part="head")
        if L.det >= 2:
            cv.pixel(x, y + 1, skin.ramp[SHADOW], part="head")


def _robot_head(p: _P) -> None:
    cv, L, cfg, m = p.cv, p.L, p.cfg, p.m
    hx, hy, rx, ry = L.hx, L.hy, L.hrx, L.hry
    part = "head"
    hm = p.mat("torso")
    round_ = "boxy" not in cfg.extras
    # antenna
    am = m["metal"]
    at = (hx - (rx * 0.2 if p.side else 0), hy - ry - _HAT_ROOM["robot"] * L.S * 0.85)
    cv.capsule(part, (at[0], hy - ry * 0.8), at, max(0.5, 0.018 * L.S), am)
    cv.ellipse(part, at, (max(0.8, rx * 0.2),) * 2, m["accent"], highlight=True)
    if round_:
        cv.ellipse(part, (hx, hy - ry * 0.05), (rx * 1.0, ry * 0.88), hm, highlight=True, inner="line")
    else:
        cv.rect(part, hx - rx * 0.95, hy - ry * 0.88, hx + rx * 0.95, hy + ry * 0.72, hm, highlight=True,
                inner="line")
    # ear bolts
    if L.det >= 1:
        if p.side:
            cv.ellipse(part, (hx - rx * 0.25, hy + ry * 0.05), (max(0.8, rx * 0.25),) * 2, am, highlight=True)
        else:
            for s in (-1, 1):
                cv.ellipse(part, (hx + s * rx * 1.02, hy + ry * 0.05), (max(0.8, rx * 0.2), max(1.0, ry * 0.3)), am)
    # visor band with glowing eyes
    vy0, vy1 = hy - ry * 0.32, hy + ry * 0.22
    if p.side:
        vx0, vx1 = hx + rx * 0.05, hx + rx * 1.0
    else:
        vx0, vx1 = hx - rx * 0.8, hx + rx * 0.8
    cv.detail(cv.polygon_mask([(vx0, vy0), (vx1, vy0), (vx1, vy1), (vx0, vy1)]), m["dark"].base)
    _eyes(p, glow=True, y_off=-0.06, spacing=0.42)
    if L.det >= 1:
        my = hy + ry * 0.5
        if p.side:
            cv.detail(cv.line_mask((hx + rx * 0.4, my), (hx + rx * 0.85, my)), hm.ramp[SHADOW])
        else:
            cv.detail(cv.line_mask((hx - rx * 0.4, my), (hx + rx * 0.4, my)), hm.ramp[SHADOW])


def _space_head(p: _P) -> None:
    cv, L, cfg, m = p.cv, p.L, p.cfg, p.m
    hx, hy, rx, ry = L.hx, L.hy, L.hrx, L.hry
    part = "head"
    sm = m["suit"]
    cv.ellipse(part, (hx - (rx * 0.06 if p.side else 0), hy), (rx * 1.12, ry * 1.08), sm, highlight=True,
               inner="line")
    vm = m["visor"]
    if p.side:
        vc, vr = (hx + rx * 0.42, hy + ry * 0.02), (rx * 0.72, ry * 0.62)
    else:
        vc, vr = (hx, hy + ry * 0.05), (rx * 0.82, ry * 0.62)
    cv.ellipse(part, vc, vr, vm, highlight=True)
    if L.det >= 1:
        cv.pixel(vc[0] - vr[0] * 0.4, vc[1] - vr[1] * 0.45, (240, 250, 255), part=part)
    if "antenna" in cfg.extras:
        ax = hx - rx * 0.5
        cv.capsule(part, (ax, hy - ry * 0.8), (ax - rx * 0.1, hy - ry * 1.35), max(0.5, 0.015 * L.S), m["metal"])
        cv.pixel(ax - rx * 0.1, hy - ry * 1.35, m["accent"].ramp[LIGHT], part=part)

