"""A sprite's rig: its parts in draw order, each hung from a parent at a joint pivot, and the renderer
that poses them.

A pose gives each part a local :class:`Transform` about its own pivot; world transforms compose down
the hierarchy (root → torso → arm → weapon ...). Parts are drawn back to front with nearest-neighbour
sampling, so pixel art gains no new colours. Two things keep a posed sprite whole:

* **hidden pixels**: each part's layer also covers what the parts in front of it hid (inside the part's
  convex hull) and a disc around its joint, filled with the part's nearest own colour, so a swinging
  arm uncovers torso and a rotating leg keeps its top under the hip;
* **joint gaps**: after compositing, 1-px cracks near joints are closed from their neighbours.

Coordinates are image pixels ``(x, y)``, y down; angles are degrees, positive = clockwise on screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np
from scipy import ndimage

# part → (parent part, pivot name); "root" is the whole body. Pivot names are those the procedural
# renderers and animation.segment write; "hip_center" is the midpoint of the two hips.
HIERARCHY: dict[str, dict[str, tuple[str, str]]] = {
    "humanoid_biped": {
        "torso": ("root", "hip_center"), "head": ("torso", "neck"),
        "arm_left": ("torso", "shoulder_left"), "arm_right": ("torso", "shoulder_right"),
        "leg_left": ("root", "hip_left"), "leg_right": ("root", "hip_right"),
        "weapon": ("arm_right", "weapon_grip"), "shield": ("arm_left", "hand_left"),
    },
    "quadruped": {
        "body": ("root", "center"), "head": ("body", "neck"), "tail": ("body", "tail_base"),
        "leg_front_left": ("body", "shoulder_front_left"), "leg_front_right": ("body", "shoulder_front_right"),
        "leg_back_left": ("body", "hip_back_left"), "leg_back_right": ("body", "hip_back_right"),
    },
    "winged": {
        "body": ("root", "center"), "head": ("body", "neck"), "tail": ("body", "tail_base"),
        "wing_left": ("body", "wing_root_left"), "wing_right": ("body", "wing_root_right"),
        "leg_back_left": ("body", "hip_back_left"), "leg_back_right": ("body", "hip_back_right"),
        "leg_front_left": ("body", "shoulder_front_left"), "leg_front_right": ("body", "shoulder_front_right"),
    },
    "amorphous": {"body": ("root", "ground")},
    "serpentine": {"head": ("root", "neck"), "body": ("root", "center"), "tail": ("root", "tail_base")},
}

# parts whose lowest pixels carry the body on the ground, per archetype
SUPPORT_PARTS = {
    "humanoid_biped": ("leg_left", "leg_right", "shin_left", "shin_right"),
    "quadruped": ("leg_front_left", "leg_front_right", "leg_back_left", "leg_back_right"),
    "winged": ("leg_back_left", "leg_back_right", "leg_front_left", "leg_front_right"),
    "amorphous": ("body",),
    "serpentine": ("body", "tail", "head"),
}


@dataclass
class Transform:
    """A part's local transform about its pivot: scale, then rotate, then translate.

    angle : degrees, clockwise on screen. dx, dy : pixels. sx, sy : scale factors (negative mirrors).
    """

    angle: float = 0.0
    dx: float = 0.0
    dy: float = 0.0
    sx: float = 1.0
    sy: float = 1.0

    def combine(self, other: Transform) -> Transform:
        """Both at once: angles and offsets add, scales multiply (for layering motion primitives)."""
        return Transform(self.angle + other.angle, self.dx + other.dx, self.dy + other.dy,
                         self.sx * other.sx, self.sy * other.sy)


def about(pivot: tuple[float, float], t: Transform) -> np.ndarray:
    """The ``(3, 3)`` matrix applying ``t`` about ``pivot``: ``T(p + d) · R · S · T(-p)``."""
    a = math.radians(t.angle)
    c, s = math.cos(a), math.sin(a)
    px, py = pivot
    m = np.array([[c * t.sx, -s * t.sy, 0.0], [s * t.sx, c * t.sy, 0.0], [0.0, 0.0, 1.0]])
    m[0, 2] = px + t.dx - (m[0, 0] * px + m[0, 1] * py)
    m[1, 2] = py + t.dy - (m[1, 0] * px + m[1, 1] * py)
    return m


@dataclass
class Rig:
    """A rigged sprite.

    Attributes
    ----------
    rgba : ``(H, W, 4)`` uint8 rest pose.
    archetype : humanoid_biped | quadruped | winged | amorphous | serpentine.
    names : part names, back to front (draw order).
    parents : part → parent part, or ``"root"``.
    joint : part → the ``(x, y)`` pivot it turns about (rest pose).
    pivots : every named point of the sprite (joints, hands, feet, ``ground`` ...), rest pose.
    layers : per part (same order as ``names``) an ``(H, W, 4)`` uint8 layer: the part's own pixels
        plus its hidden pixels (see module docstring).
    hulls : per part, ``(K, 2)`` float convex-hull points of its layer (extreme points under any affine map).
    soft : per part, whether its layer has partial alpha (smooth styles; pixel art has none).
    """

    rgba: np.ndarray
    archetype: str
    names: list[str]
    parents: dict[str, str]
    joint: dict[str, tuple[float, float]]
    pivots: dict[str, tuple[float, float]]
    layers: list[np.ndarray]
    hulls: list[np.ndarray]
    soft: list[bool] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def size_hw(self) -> tuple[int, int]:
        return self.rgba.shape[0], self.rgba.shape[1]

    @property
    def ground(self) -> tuple[float, float]:
        return self.pivots["ground"]

    @property
    def body_height(self) -> float:
        """Height of the opaque silhouette in pixels (motion amplitudes scale with it)."""
        rows = np.flatnonzero(self.rgba[..., 3].any(axis=1))
        return float(rows[-1] - rows[0] + 1) if rows.size else float(self.rgba.shape[0])

    def world(self, local: dict[str, Transform], root: Transform) -> dict[str, np.ndarray]:
        """World ``(3, 3)`` matrices (rest pixel → frame pixel) for every part, parents first."""
        out: dict[str, np.ndarray] = {"root": about(self.ground, root)}
        pending = list(self.names)
        while pending:
            progressed = False
            for name in list(pending):
                parent = self.parents[name]
                if parent in out:
                    out[name] = out[parent] @ about(self.joint[name], local.get(name, Transform()))
                    pending.remove(name)
                    progressed = True
            if not progressed:          # a contact cycle (rare): hang the rest from the root
                out[pending[0]] = out["root"] @ about(self.joint[pending[0]], local.get(pending[0], Transform()))
                pending.pop(0)
        return out

    def lowest_y(self, world: dict[str, np.ndarray], parts: tuple[str, ...]) -> float | None:
        """The lowest (largest) y any of ``parts`` reaches under ``world``, or None if none exist."""
        ys = [(self.hulls[i] @ world[n][:2, :2].T + world[n][:2, 2])[:, 1].max()
              for i, n in enumerate(self.names) if n in parts and len(self.hulls[i])]
        return max(ys) if ys else None

    def render(self, world: dict[str, np.ndarray], size_hw: tuple[int, int] | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """Draw every part under its world matrix on a canvas of ``size_hw`` (default: the sprite's).

        Returns
        -------
        rgba : ``(H, W, 4)`` uint8 frame. labels : ``(H, W)`` uint8, ``i`` = ``names[i - 1]``, 0 = empty.
        """
        h, w = size_hw or self.size_hw
        out = np.zeros((h, w, 4), np.uint8)
        labels = np.zeros((h, w), np.uint8)
        for i, (name, layer) in enumerate(zip(self.names, self.layers), start=1):
            warped = cv2.warpAffine(layer, world[name][:2], (w, h), flags=cv2.INTER_NEAREST,
                                    borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0))
            a = warped[..., 3]
            np.copyto(out, warped, where=(a == 255)[..., None])
            if self.soft[i - 1]:                      # smooth-style edges: "over" compositing
                soft = (a > 0) & (a < 255)
                fa = a[soft, None].astype(np.float32) / 255.0
                below = out[soft].astype(np.float32)
                rgb = warped[soft, :3] * fa + below[:, :3] * (1 - fa)
                alpha = 255.0 * fa[:, 0] + below[:, 3] * (1 - fa[:, 0])
                out[soft] = np.concatenate([rgb, alpha[:, None]], axis=1).round().astype(np.uint8)
            np.copyto(labels, np.uint8(i), where=a > 0)
        return out, labels


# ----------------------------------------------------------------------------------------------
# Building a rig


def build_rig(rgba: np.ndarray, parts: dict[str, np.ndarray], pivots: dict[str, tuple[float, float]],
              archetype: str, *, weapon_hand: str | None = None) -> Rig:
    """Rig a sprite from its part masks and pivots.

    Parameters
    ----------
    rgba : ``(H, W, 4)`` uint8 sprite.
    parts : name → ``(H, W)`` bool mask (disjoint), in draw order (back to front).
    pivots : name → ``(x, y)`` pixels (names as in :data:`HIERARCHY`; missing ones are derived).
    archetype : key of :data:`HIERARCHY`.
    weapon_hand : ``left`` | ``right`` | ``both``: the arm the ``weapon`` part hangs from (``both`` =
        the near arm, with the far arm following it). ``None`` keeps the hand the sprite holds it in.
    """
    pivots = dict(pivots)
    notes: list[str] = []
    names = [n for n, m in parts.items() if m.any()]
    masks = {n: parts[n].astype(bool) for n in names}
    alpha = rgba[..., 3] > 0
    # pixels no part claims (e.g. an outline ring) join the nearest part
    _absorb_unclaimed(masks, alpha)
    _derive_missing_pivots(pivots, masks, alpha)
    table = dict(HIERARCHY[archetype])
    if archetype == "humanoid_biped":
        names = _split_knees(names, masks, pivots, table)
    rgba = rgba.copy()
    if "weapon" in masks:
        hand = _weapon_hand(pivots, weapon_hand)
        table["weapon"] = (f"arm_{hand}", "weapon_grip")
        other = "left" if hand == "right" else "right"
        if "shield" in masks:
            table["shield"] = (f"arm_{other}", f"hand_{other}")
        rgba, masks, pivots = _move_weapon_to(rgba, masks, pivots, hand, notes)
    parents: dict[str, str] = {}
    joint: dict[str, tuple[float, float]] = {}
    for n in names:
        parent, pivot = table.get(n, (None, None))
        if parent is not None and parent != "root" and parent not in masks:
            parent = None
        if parent is None or pivot not in pivots:
            parent, contact = _attach_by_contact(n, masks, exclude_descendants=parents)
            pivot_xy = contact
        else:
            pivot_xy = pivots[pivot]
        parents[n], joint[n] = parent, (float(pivot_xy[0]), float(pivot_xy[1]))
    layers, hulls = _layers(rgba, names, masks, joint)
    soft = [bool(((layer[..., 3] > 0) & (layer[..., 3] < 255)).any()) for layer in layers]
    return Rig(rgba=rgba, archetype=archetype, names=names, parents=parents, joint=joint, pivots=pivots,
               layers=layers, hulls=hulls, soft=soft, notes=notes)


def _split_knees(names: list[str], masks: dict[str, np.ndarray], pivots: dict, table: dict) -> list[str]:
    """Split each leg at the knee (half way from hip to foot) into ``leg_*`` (thigh) and ``shin_*``,
    so walks can bend the knee of the swinging leg. Adds ``knee_*`` pivots. Returns the new draw order."""
    out = []
    for name in names:
        out.append(name)
        side = name.removeprefix("leg_")
        hip, foot = pivots.get(f"hip_{side}"), pivots.get(f"foot_{side}")
        if name not in ("leg_left", "leg_right") or hip is None or foot is None or foot[1] - hip[1] < 4:
            continue
        knee_y = int(round(hip[1] + 0.5 * (foot[1] - hip[1])))
        ys, xs = np.nonzero(masks[name])
        lower = masks[name].copy()
        lower[:knee_y] = False
        if lower.sum() < 2 or lower.sum() == masks[name].sum():
            continue
        row = xs[ys == knee_y] if (ys == knee_y).any() else xs[ys >= knee_y]
        pivots[f"knee_{side}"] = (float(row.mean()) + 0.5, float(knee_y))
        masks[f"shin_{side}"] = lower
        masks[name] = masks[name] & ~lower
        table[f"shin_{side}"] = (name, f"knee_{side}")
        out.append(f"shin_{side}")
    return out


def _absorb_unclaimed(masks: dict[str, np.ndarray], alpha: np.ndarray) -> None:
    claimed = np.zeros_like(alpha)
    for m in masks.values():
        claimed |= m
    loose = alpha & ~claimed
    if not loose.any() or not masks:
        return
    label = np.zeros(alpha.shape, np.int32)
    for i, m in enumerate(masks.values(), start=1):
        label[m] = i
    _, (iy, ix) = ndimage.distance_transform_edt(label == 0, return_indices=True)
    nearest = label[iy, ix]
    for i, m in enumerate(masks.values(), start=1):
        m |= loose & (nearest == i)


def _derive_missing_pivots(pivots: dict, masks: dict[str, np.ndarray], alpha: np.ndarray) -> None:
    ys, xs = np.nonzero(alpha)
    if "ground" not in pivots:
        pivots["ground"] = (float(xs.mean()) if xs.size else 0.0, float(ys.max()) if ys.size else 0.0)
    if "center" not in pivots and xs.size:
        pivots["center"] = (float(xs.mean()), float(ys.mean()))
    if "hip_left" in pivots and "hip_right" in pivots:
        (lx, ly), (rx, ry) = pivots["hip_left"], pivots["hip_right"]
        pivots.setdefault("hip_center", ((lx + rx) / 2, (ly + ry) / 2))


def _weapon_hand(pivots: dict, asked: str | None) -> str:
    if asked in ("left", "right"):
        return asked
    if asked == "both":
        return "right"
    grip = pivots.get("weapon_grip")
    if grip is None or "hand_left" not in pivots or "hand_right" not in pivots:
        return "right"
    d = {h: math.dist(grip, pivots[f"hand_{h}"]) for h in ("left", "right")}
    return min(d, key=d.get)


def _move_weapon_to(rgba, masks, pivots, hand, notes):
    """Shift the weapon so its grip sits in ``hand_{hand}`` (the sprite may hold it in the other)."""
    grip, target = pivots.get("weapon_grip"), pivots.get(f"hand_{hand}")
    if grip is None or target is None:
        return rgba, masks, pivots
    dx, dy = round(target[0] - grip[0]), round(target[1] - grip[1])
    if dx == 0 and dy == 0:
        return rgba, masks, pivots
    h, w = masks["weapon"].shape
    m = np.float64([[1, 0, dx], [0, 1, dy]])
    weapon_px = np.where(masks["weapon"][..., None], rgba, 0).astype(np.uint8)
    moved = cv2.warpAffine(weapon_px, m, (w, h), flags=cv2.INTER_NEAREST)
    new_mask = moved[..., 3] > 0
    rgba = rgba.copy()
    rgba[masks["weapon"]] = 0
    masks = dict(masks)
    for n in masks:
        if n != "weapon":
            masks[n] = masks[n] & ~new_mask
    rgba[new_mask] = moved[new_mask]
    masks["weapon"] = new_mask
    pivots = dict(pivots)
    pivots["weapon_grip"] = (grip[0] + dx, grip[1] + dy)
    notes.append(f"weapon moved into the {hand} hand ({dx:+d}, {dy:+d}) px")
    return rgba, masks, pivots


def _attach_by_contact(name: str, masks: dict[str, np.ndarray],
                       exclude_descendants: dict[str, str]) -> tuple[str, tuple[float, float]]:
    """Hang a part without a table entry from the part it touches most, at the contact centroid."""
    ring = cv2.dilate(masks[name].view(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & ~masks[name]
    best, best_n, contact = "root", 0, None
    for other, m in masks.items():
        if other == name or exclude_descendants.get(other) == name:
            continue
        n = int((ring & m).sum())
        if n > best_n:
            best, best_n, contact = other, n, ring & m
    if contact is None:
        ys, xs = np.nonzero(masks[name])
        return "root", (float(xs.mean()), float(ys.min()))
    ys, xs = np.nonzero(contact)
    return best, (float(xs.mean()), float(ys.mean()))


def _layers(rgba: np.ndarray, names: list[str], masks: dict[str, np.ndarray],
            joint: dict[str, tuple[float, float]]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per-part layers with hidden pixels filled from the part's nearest own colour."""
    h, w = rgba.shape[:2]
    front = np.zeros((len(names), h, w), bool)              # front[k]: pixels of the parts drawn after k
    for k in range(len(names) - 2, -1, -1):
        front[k] = front[k + 1] | masks[names[k + 1]]
    layers, hulls = [], []
    for k, name in enumerate(names):
        own = masks[name]
        layer = np.where(own[..., None], rgba, 0).astype(np.uint8)
        x, y, bw, bh = cv2.boundingRect(own.view(np.uint8))
        thickness = max(1.0, float(cv2.distanceTransform(np.pad(own, 1).view(np.uint8), cv2.DIST_L2, 3).max()))
        # the window that can hold hidden pixels: the part's box grown by the joint disc
        r = int(math.ceil(thickness + 1.0))
        x0, y0, x1, y1 = max(0, x - r), max(0, y - r), min(w, x + bw + r), min(h, y + bh + r)
        win_own, win_front = own[y0:y1, x0:x1], front[k][y0:y1, x0:x1]
        if win_front.any():
            hull = np.zeros(win_own.shape, np.uint8)
            cv2.fillConvexPoly(hull, cv2.convexHull(cv2.findNonZero(win_own.view(np.uint8))), 1)
            yy, xx = np.mgrid[y0:y1, x0:x1]
            jx, jy = joint[name]
            disc = (xx + 0.5 - jx) ** 2 + (yy + 0.5 - jy) ** 2 <= (thickness + 1.0) ** 2
            hidden = win_front & (hull.astype(bool) | disc)
            if hidden.any():
                _, (iy, ix) = ndimage.distance_transform_edt(~win_own, return_indices=True)
                win = layer[y0:y1, x0:x1]
                src = rgba[y0:y1, x0:x1]
                win[hidden] = src[iy[hidden], ix[hidden]]
        layers.append(layer)
        hull_pts = cv2.convexHull(cv2.findNonZero((layer[..., 3] > 0).view(np.uint8)))
        hulls.append(hull_pts.reshape(-1, 2).astype(np.float64) + 0.5)
    return layers, hulls


# ----------------------------------------------------------------------------------------------
# Joint gaps


def close_joint_gaps(rgba: np.ndarray, labels: np.ndarray, joints: list[tuple[float, float]],
                     radius: float) -> int:
    """Fill 1-px transparent cracks within ``radius`` px of ``joints`` (in place).

    A transparent pixel is a crack when its left and right, or its upper and lower, neighbours are
    opaque; it takes the colour (and label) of one of them, so no new colour appears.
    Returns the number of pixels filled.
    """
    h, w = labels.shape
    a = rgba[..., 3] > 0
    near = np.zeros((h, w), bool)
    yy, xx = np.mgrid[:h, :w]
    for jx, jy in joints:
        near |= (xx - jx) ** 2 + (yy - jy) ** 2 <= radius * radius
    pad = np.pad(a, 1)
    left, right, up, down = pad[1:-1, :-2], pad[1:-1, 2:], pad[:-2, 1:-1], pad[2:, 1:-1]
    crack = near & ~a & ((left & right) | (up & down))
    ys, xs = np.nonzero(crack)
    for y, x in zip(ys, xs):
        sy, sx = (y, x - 1) if left[y, x] and right[y, x] else (y - 1, x)
        rgba[y, x] = rgba[sy, sx]
        labels[y, x] = labels[sy, sx]
    return int(ys.size)
