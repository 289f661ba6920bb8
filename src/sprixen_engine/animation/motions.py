"""Motion per archetype and animation type: frame index → :class:`FramePose`.

Every amplitude comes from ``configs/animation.toml`` (section per archetype). Cyclic types (idle,
walk, run, custom) sample a phase ``phi = i / n`` so the last frame leads back into the first; the
others sample ``t = i / (n - 1)`` from the first key pose to the last.

Angles follow :mod:`.rig` (degrees, clockwise on screen). For a sprite facing right a limb that hangs
down swings FORWARD with a negative angle, while an upright part (torso, head) leans forward with a
positive one; :func:`swing` and :func:`lean` name that.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .rig import Transform

CYCLIC = ("idle", "walk", "run", "custom")

SLASH = ("sword", "axe", "mace", "hammer", "club", "scythe", "blade", "katana", "saber", "sabre", "flail",
         "greatsword", "cleaver", "sickle", "whip")
THRUST = ("spear", "lance", "dagger", "rapier", "pike", "trident", "knife", "fist", "unarmed", "claw", "halberd")
SHOOT = ("bow", "crossbow", "gun", "pistol", "rifle", "sling", "blaster", "musket")
CAST = ("staff", "wand", "orb", "tome", "book", "scepter", "sceptre", "rod", "magic", "spell")


def swing(forward_deg: float) -> float:
    """Angle that swings a hanging limb ``forward_deg`` degrees forward (facing right)."""
    return -forward_deg


def lean(forward_deg: float) -> float:
    """Angle that leans an upright part ``forward_deg`` degrees forward (facing right)."""
    return forward_deg


def smooth(x: float) -> float:
    """Smoothstep on [0, 1]."""
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


def keys(t: float, points: Sequence[tuple[float, float]]) -> float:
    """Value at ``t`` of the key curve ``points`` ``[(t0, v0), (t1, v1), ...]`` (eased between keys)."""
    if t <= points[0][0]:
        return points[0][1]
    for (t0, v0), (t1, v1) in zip(points, points[1:]):
        if t <= t1:
            return v0 + (v1 - v0) * smooth((t - t0) / (t1 - t0) if t1 > t0 else 1.0)
    return points[-1][1]


@dataclass
class FramePose:
    """One frame's pose.

    local : part → local transform about its joint. root : whole-body transform about the ground pivot.
    ground_lock : after posing, move the body so its supporting parts touch the rest ground line.
    lift : pixels to raise the body after the ground lock (flight phases).
    hold : duration multiplier of this frame. flash : hurt-flash mix in [0, 1].
    wave : serpentine body wave ``(phase in cycles, amplitude factor)``. strike : serpentine head lunge
        as a fraction of the body height.
    key : name of a key pose this frame shows (anticipation, impact, last ...), for holds.
    """

    local: dict[str, Transform] = field(default_factory=dict)
    root: Transform = field(default_factory=Transform)
    ground_lock: bool = True
    lift: float = 0.0
    hold: float = 1.0
    flash: float = 0.0
    wave: tuple[float, float] | None = None
    strike: float = 0.0
    key: str | None = None

    def add(self, part: str, t: Transform) -> None:
        """Layer ``t`` onto ``part`` (``"root"`` for the whole body)."""
        if part == "root":
            self.root = self.root.combine(t)
        else:
            self.local[part] = self.local.get(part, Transform()).combine(t)


@dataclass
class MotionContext:
    """What the motion functions need to know about the sprite and the request.

    height : body height in pixels. parts : part names the rig has. plane : ``side`` (right/left and
    diagonals) or ``front`` (up/down: limbs lift instead of swinging). amp : amplitude factor
    (diagonals swing less). attack_style : slash | thrust | shoot | cast. primitives : custom motions.
    rest_dir : limb → its rest direction in degrees (0 = forward, 90 = straight down): arms shoulder →
        hand, ``weapon`` grip → tip.
    """

    archetype: str
    type: str
    n: int
    p: dict[str, Any]
    height: float
    parts: frozenset[str]
    weapon_hand: str = "right"
    attack_style: str = "slash"
    plane: str = "side"
    amp: float = 1.0
    primitives: tuple[str, ...] = ()
    two_handed: bool = False
    rest_dir: dict[str, float] = field(default_factory=dict)


def attack_style(weapon_type: str | None, has_weapon: bool) -> str:
    """slash | thrust | shoot | cast from a free-text weapon type (e.g. "great axe" → slash)."""
    text = (weapon_type or "").lower()
    for style, words in (("shoot", SHOOT), ("cast", CAST), ("thrust", THRUST), ("slash", SLASH)):
        if any(w in text for w in words):
            return style
    return "slash" if has_weapon else "thrust"


def plan(ctx: MotionContext) -> list[FramePose]:
    """The ``ctx.n`` frame poses of ``ctx.type`` for ``ctx.archetype``."""
    cyclic = ctx.type in CYCLIC
    poses = []
    for i in range(ctx.n):
        x = i / ctx.n if cyclic else (i / (ctx.n - 1) if ctx.n > 1 else 0.0)
        if ctx.type == "custom":
            pose = FramePose()
            for prim in ctx.primitives or ("bounce",):
                PRIMITIVES[prim](ctx, x, pose)
        else:
            pose = MOTIONS[ctx.archetype][ctx.type](ctx, x)
        poses.append(pose)
    return poses


# ----------------------------------------------------------------------------------------------
# Shared pieces


def _cycle_swing(ctx: MotionContext, part: str, phi: float, amplitude: float, offset: float,
                 lift_px: float, pose: FramePose) -> None:
    """A limb's swing at phase ``phi`` (cycles) with ``offset``; lifts while swinging forward."""
    if part not in ctx.parts:
        return
    a = 2 * math.pi * (phi - offset)
    if ctx.plane == "front":                                   # seen from the front: lift, no swing
        pose.add(part, Transform(dy=-2 * lift_px * max(0.0, math.sin(a))))
        return
    pose.add(part, Transform(angle=swing(amplitude * ctx.amp * math.sin(a)),
                             dy=-lift_px * max(0.0, math.cos(a))))


def _hurt(ctx: MotionContext, t: float, upright: str) -> FramePose:
    decay = 1.0 - t
    p = ctx.p
    pose = FramePose(flash=decay if t < 0.5 else 0.0, key="impact" if t == 0 else None)
    pose.add("root", Transform(dx=-p.get("hurt_knockback", 0.06) * ctx.height * decay))
    if upright in ctx.parts:
        pose.add(upright, Transform(angle=lean(-p.get("hurt_lean", 10.0) * decay)))
    if "head" in ctx.parts:
        pose.add("head", Transform(angle=lean(-8.0 * decay)))
    return pose


def _jump_root(ctx: MotionContext, t: float) -> FramePose:
    """Crouch, take off, rise, apex, fall, land: root height and squash/stretch."""
    h = ctx.p.get("jump_height", 0.28) * ctx.height
    c = ctx.p.get("jump_crouch", 0.08)
    dy = keys(t, [(0, 0), (0.15, 0), (0.35, -0.65 * h), (0.55, -h), (0.75, -0.55 * h), (0.9, 0), (1, 0)])
    sy = keys(t, [(0, 1), (0.15, 1 - c), (0.3, 1 + c / 2), (0.55, 1), (0.85, 1), (0.92, 1 - c), (1, 1)])
    pose = FramePose(ground_lock=False)
    pose.add("root", Transform(dy=dy, sy=sy, sx=1 / math.sqrt(sy)))
    return pose


def _death_root(ctx: MotionContext, t: float, fall: float) -> FramePose:
    pose = FramePose(ground_lock=False, key="last" if t >= 1.0 else None, flash=0.5 if t == 0 else 0.0)
    pose.add("root", Transform(angle=keys(t, [(0, 0), (0.2, -6.0), (0.7, fall * 0.8), (0.85, fall), (1, fall)]),
                               dy=keys(t, [(0, 0), (0.4, 0.04 * ctx.height), (1, 0)])))
    return pose


def _attack_keys(t: float) -> str | None:
    return {0.25: "anticipation", 0.5: "impact"}.get(round(t * 4) / 4) if abs(t * 4 - round(t * 4)) < 0.13 else None


# ----------------------------------------------------------------------------------------------
# humanoid_biped


def _wrap(angle: float) -> float:
    """``angle`` in degrees wrapped to (-180, 180]."""
    return -((-angle + 180.0) % 360.0 - 180.0)


def _arm_names(ctx: MotionContext) -> tuple[str, str]:
    """(weapon arm, other arm)."""
    hand = "right" if ctx.weapon_hand in ("right", "both") else "left"
    return f"arm_{hand}", f"arm_{'left' if hand == 'right' else 'right'}"


def _knee(ctx: MotionContext, side: str, phi: float, offset: float, bend: float, pose: FramePose) -> None:
    """Bend the knee (shin backwards) while the leg swings forward; straight while it carries weight."""
    if f"shin_{side}" in ctx.parts and ctx.plane == "side":
        pose.add(f"shin_{side}", Transform(angle=-swing(bend * max(0.0, math.cos(2 * math.pi * (phi - offset))))))


def _humanoid_cycle(ctx: MotionContext, phi: float, legs: float, arms: float, lift: float,
                    knee: float = 0.0) -> FramePose:
    pose = FramePose()
    _cycle_swing(ctx, "leg_right", phi, legs, 0.0, lift, pose)
    _cycle_swing(ctx, "leg_left", phi, legs, 0.5, lift, pose)
    _knee(ctx, "right", phi, 0.0, knee, pose)
    _knee(ctx, "left", phi, 0.5, knee, pose)
    weapon_arm, _ = _arm_names(ctx)
    for arm, offset in (("arm_right", 0.5), ("arm_left", 0.0)):       # arms oppose their own-side leg
        scale = ctx.p["weapon_arm_swing_scale"] if arm == weapon_arm and "weapon" in ctx.parts else 1.0
        if ctx.two_handed and arm != weapon_arm:
            offset, scale = (0.5 if weapon_arm == "arm_right" else 0.0), ctx.p["weapon_arm_swing_scale"]
        if ctx.plane == "side":
            _cycle_swing(ctx, arm, phi, arms * scale, offset, 0.0, pose)
    # one pixel of bob: up while the legs pass each other
    if "torso" in ctx.parts and abs(math.cos(2 * math.pi * phi)) < 0.5:
        pose.add("torso", Transform(dy=-ctx.p["idle_bob_px"]))
    return pose


def humanoid_walk(ctx: MotionContext, phi: float) -> FramePose:
    p = ctx.p
    return _humanoid_cycle(ctx, phi, p["walk_leg_swing"], p["walk_arm_swing"], p["walk_foot_lift_px"],
                           p["walk_knee_bend"])


def humanoid_run(ctx: MotionContext, phi: float) -> FramePose:
    p = ctx.p
    pose = _humanoid_cycle(ctx, phi, p["run_leg_swing"], p["run_arm_swing"], 2 * p["walk_foot_lift_px"],
                           p["run_knee_bend"])
    if ctx.plane == "side":
        pose.add("torso", Transform(angle=lean(p["run_lean"] * ctx.amp)))
    # flight: both feet off the ground while the legs pass
    pose.lift = p["run_flight"] * ctx.height * max(0.0, abs(math.cos(2 * math.pi * phi)) - 0.5) * 2
    return pose


def humanoid_idle(ctx: MotionContext, phi: float) -> FramePose:
    p = ctx.p
    pose = FramePose()
    breath = 1.0 if phi >= 0.5 else 0.0
    pose.add("torso", Transform(dy=p["idle_bob_px"] * breath))
    sway = p["idle_arm_sway"] * math.sin(2 * math.pi * phi)
    pose.add("arm_right", Transform(angle=swing(sway)))
    pose.add("arm_left", Transform(angle=swing(-sway)))
    return pose


def humanoid_attack(ctx: MotionContext, t: float) -> FramePose:
    p, h = ctx.p, ctx.height
    weapon_arm, other_arm = _arm_names(ctx)
    pose = FramePose(key=_attack_keys(t))
    style = ctx.attack_style
    step = p["attack_step"] * h
    # the weapon's own direction (grip → tip) when there is one, else the arm's (shoulder → hand)
    rest = ctx.rest_dir.get("weapon", ctx.rest_dir.get(weapon_arm, 90.0))
    if style == "slash":
        # absolute directions (0 = forward, -90 = up); the strike sweeps clockwise over the top
        start, end = p["attack_windup_dir"], p["attack_strike_dir"]
        windup = _wrap(start - rest)
        strike = windup + (end - start) % 360.0
        arm = keys(t, [(0, 0), (0.25, windup), (0.5, strike), (0.75, strike - 0.35 * (strike - windup)), (1, 0)])
        pose.add(weapon_arm, Transform(angle=arm))
        pose.add(other_arm, Transform(angle=keys(t, [(0, 0), (0.25, -12.0), (0.5, 18.0), (1, 0)])))
    elif style == "thrust":
        aim = _wrap(0.0 - rest)                                 # point the weapon (or fist) straight ahead
        reach = keys(t, [(0, 0), (0.25, -0.06 * h), (0.5, 0.16 * h), (0.75, 0.1 * h), (1, 0)])
        pose.add(weapon_arm, Transform(angle=keys(t, [(0, 0), (0.25, aim), (0.75, aim), (1, 0)]), dx=reach))
    elif style == "cast":
        # raise the staff, tip it forward towards the target, lower it
        pose.add(weapon_arm, Transform(dy=keys(t, [(0, 0), (0.25, -0.1 * h), (0.5, -0.14 * h), (0.75, -0.08 * h), (1, 0)]),
                                       angle=keys(t, [(0, 0), (0.25, -p["cast_tilt"] / 2), (0.5, p["cast_tilt"]), (1, 0)])))
        pose.add(other_arm, Transform(angle=keys(t, [(0, 0), (0.5, swing(70.0)), (1, 0)])))
        step = 0.3 * step
    else:  # shoot: draw back, release, recoil
        pose.add(weapon_arm, Transform(dx=keys(t, [(0, 0), (0.25, -0.05 * h), (0.5, 0.0), (0.6, -0.03 * h), (1, 0)])))
        pose.add(other_arm, Transform(dx=keys(t, [(0, 0), (0.25, -0.08 * h), (0.5, 0.02 * h), (1, 0)])))
        step = 0.0
    if ctx.two_handed:
        pose.local[other_arm] = pose.local.get(weapon_arm, Transform())
    if "shield" in ctx.parts:
        pose.add(other_arm, Transform(angle=keys(t, [(0, 0), (0.5, swing(25.0)), (1, 0)])))
    pose.add("torso", Transform(angle=lean(keys(t, [(0, 0), (0.25, -p["attack_lean"] / 2), (0.5, p["attack_lean"]),
                                                    (0.75, 0.6 * p["attack_lean"]), (1, 0)]))))
    pose.add("root", Transform(dx=keys(t, [(0, 0), (0.25, -step / 2), (0.5, step), (0.75, step), (1, 0)])))
    pose.add("leg_right", Transform(angle=swing(keys(t, [(0, 0), (0.5, 18.0), (0.75, 18.0), (1, 0)]))))
    pose.add("leg_left", Transform(angle=swing(keys(t, [(0, 0), (0.5, -12.0), (0.75, -12.0), (1, 0)]))))
    return pose


def humanoid_jump(ctx: MotionContext, t: float) -> FramePose:
    pose = _jump_root(ctx, t)
    tuck = ctx.p["jump_tuck"] * keys(t, [(0, 0), (0.3, 0), (0.55, 1), (0.8, 0.3), (1, 0)])
    pose.add("leg_right", Transform(angle=swing(tuck)))
    pose.add("leg_left", Transform(angle=swing(-0.6 * tuck)))
    pose.add("shin_right", Transform(angle=-swing(1.5 * tuck)))
    pose.add("shin_left", Transform(angle=-swing(0.8 * tuck)))
    arms = keys(t, [(0, 0), (0.15, -20.0), (0.4, 60.0), (0.75, 30.0), (1, 0)])
    pose.add("arm_right", Transform(angle=swing(arms)))
    pose.add("arm_left", Transform(angle=swing(arms * 0.8)))
    return pose


def humanoid_death(ctx: MotionContext, t: float) -> FramePose:
    pose = _death_root(ctx, t, ctx.p["death_fall"])
    limp = keys(t, [(0, 0), (0.3, -40.0), (0.8, -70.0), (1, -75.0)])
    pose.add("arm_right", Transform(angle=swing(limp)))
    pose.add("arm_left", Transform(angle=swing(0.7 * limp)))
    pose.add("head", Transform(angle=lean(keys(t, [(0, 0), (0.3, -15.0), (1, 10.0)]))))
    return pose


def humanoid_hurt(ctx: MotionContext, t: float) -> FramePose:
    return _hurt(ctx, t, "torso")


# ----------------------------------------------------------------------------------------------
# quadruped

WALK_GAIT = {"leg_back_left": 0.0, "leg_front_left": 0.25, "leg_back_right": 0.5, "leg_front_right": 0.75}
TROT_GAIT = {"leg_front_left": 0.0, "leg_back_right": 0.0, "leg_front_right": 0.5, "leg_back_left": 0.5}
GALLOP_GAIT = {"leg_front_left": 0.0, "leg_front_right": 0.1, "leg_back_left": 0.5, "leg_back_right": 0.6}


def _quad_cycle(ctx: MotionContext, phi: float, gait: dict[str, float], swing_deg: float, lift: float) -> FramePose:
    p = ctx.p
    pose = FramePose()
    for leg, offset in gait.items():
        _cycle_swing(ctx, leg, phi, swing_deg, offset, lift, pose)
    pose.add("head", Transform(angle=lean(p["head_bob"] * math.sin(4 * math.pi * phi))))
    pose.add("tail", Transform(angle=p["tail_sway"] * math.sin(2 * math.pi * phi)))
    return pose


def quadruped_walk(ctx: MotionContext, phi: float) -> FramePose:
    return _quad_cycle(ctx, phi, WALK_GAIT, ctx.p["walk_leg_swing"], ctx.p["walk_foot_lift_px"])


def quadruped_run(ctx: MotionContext, phi: float) -> FramePose:
    """Gallop (trot when there are too few frames to show a gallop's four beats)."""
    gait = TROT_GAIT if ctx.n < 6 else GALLOP_GAIT
    pose = _quad_cycle(ctx, phi, gait, ctx.p["run_leg_swing"], 2 * ctx.p["walk_foot_lift_px"])
    if ctx.plane == "side":
        pose.add("body", Transform(angle=ctx.p["run_pitch"] * math.sin(2 * math.pi * phi)))
    pose.lift = 0.04 * ctx.height * max(0.0, math.sin(2 * math.pi * phi))
    return pose


def quadruped_idle(ctx: MotionContext, phi: float) -> FramePose:
    pose = FramePose()
    pose.add("body", Transform(dy=1.0 if phi >= 0.5 else 0.0))
    pose.add("head", Transform(angle=lean(0.5 * ctx.p["head_bob"] * math.sin(2 * math.pi * phi))))
    pose.add("tail", Transform(angle=ctx.p["tail_sway"] * math.sin(2 * math.pi * phi)))
    return pose


def quadruped_attack(ctx: MotionContext, t: float) -> FramePose:
    p = ctx.p
    pose = FramePose(key=_attack_keys(t))
    lunge = p["attack_lunge"] * ctx.height
    pose.add("root", Transform(dx=keys(t, [(0, 0), (0.25, -lunge / 3), (0.5, lunge), (0.75, lunge / 2), (1, 0)])))
    pose.add("body", Transform(angle=keys(t, [(0, 0), (0.25, -5.0), (0.5, 6.0), (1, 0)])))
    pose.add("head", Transform(angle=keys(t, [(0, 0), (0.25, -8.0), (0.5, -p["attack_head"]), (1, 0)])))
    for leg in ("leg_front_left", "leg_front_right"):
        pose.add(leg, Transform(angle=swing(keys(t, [(0, 0), (0.5, 30.0), (1, 0)]))))
    for leg in ("leg_back_left", "leg_back_right"):
        pose.add(leg, Transform(angle=swing(keys(t, [(0, 0), (0.25, 10.0), (0.5, -20.0), (1, 0)]))))
    return pose


def quadruped_jump(ctx: MotionContext, t: float) -> FramePose:
    pose = _jump_root(ctx, t)
    stretch = keys(t, [(0, 0), (0.3, 0), (0.55, 1), (0.85, 0.2), (1, 0)])
    for leg in ("leg_front_left", "leg_front_right"):
        pose.add(leg, Transform(angle=swing(35.0 * stretch)))
    for leg in ("leg_back_left", "leg_back_right"):
        pose.add(leg, Transform(angle=swing(-35.0 * stretch)))
    pose.add("body", Transform(angle=keys(t, [(0, 0), (0.35, -10.0), (0.55, 0), (0.75, 8.0), (1, 0)])))
    return pose


def quadruped_death(ctx: MotionContext, t: float) -> FramePose:
    pose = FramePose(ground_lock=False, key="last" if t >= 1.0 else None, flash=0.5 if t == 0 else 0.0)
    fold = ctx.p["death_fold"] * keys(t, [(0, 0), (0.2, 0), (0.7, 1), (1, 1)])
    for leg in ("leg_front_left", "leg_front_right"):
        pose.add(leg, Transform(angle=swing(-fold)))
    for leg in ("leg_back_left", "leg_back_right"):
        pose.add(leg, Transform(angle=swing(fold)))
    leg_len = 0.3 * ctx.height
    pose.add("root", Transform(dy=leg_len * keys(t, [(0, 0), (0.2, 0), (0.7, 0.8), (1, 0.85)]),
                               angle=keys(t, [(0, 0), (0.2, -4.0), (0.8, 6.0), (1, 8.0)])))
    pose.add("head", Transform(angle=keys(t, [(0, 0), (0.5, 10.0), (1, 25.0)])))
    return pose


def quadruped_hurt(ctx: MotionContext, t: float) -> FramePose:
    return _hurt(ctx, t, "body")


# ----------------------------------------------------------------------------------------------
# winged


def _flap(ctx: MotionContext, phi: float, pose: FramePose, speed: float = 1.0) -> None:
    """Wing beat with a faster downstroke; the body rises on the downstroke."""
    p = ctx.p
    x = (phi * speed) % 1.0
    d = p["downstroke_share"]
    down, u = (True, x / d) if x < d else (False, (x - d) / (1 - d))
    a0, a1 = (p["flap_up"], p["flap_down"]) if down else (p["flap_down"], p["flap_up"])
    angle = a0 + (a1 - a0) * smooth(u)
    squash = 1.0 - (1.0 - p["flap_squash"]) * math.sin(math.pi * u)
    for wing in ("wing_left", "wing_right"):
        pose.add(wing, Transform(angle=angle * ctx.amp, sy=squash))
    # body height follows the beat: highest just after the downstroke
    pose.add("root", Transform(dy=p["body_bob"] * ctx.height * math.cos(2 * math.pi * (x - d))))
    pose.ground_lock = False


def winged_fly(ctx: MotionContext, phi: float) -> FramePose:
    pose = FramePose()
    _flap(ctx, phi, pose, speed=ctx.p["run_flap_speed"] if ctx.type == "run" else 1.0)
    pose.add("tail", Transform(angle=ctx.p["tail_sway"] * math.sin(2 * math.pi * phi)))
    for leg in ("leg_back_left", "leg_back_right", "leg_front_left", "leg_front_right"):
        pose.add(leg, Transform(angle=swing(-10.0 + 6.0 * math.sin(2 * math.pi * phi))))
    return pose


def winged_attack(ctx: MotionContext, t: float) -> FramePose:
    pose = FramePose(key=_attack_keys(t), ground_lock=False)
    lunge = ctx.p["attack_lunge"] * ctx.height
    pose.add("root", Transform(dx=keys(t, [(0, 0), (0.25, -lunge / 3), (0.5, lunge), (1, 0)])))
    for wing in ("wing_left", "wing_right"):
        pose.add(wing, Transform(angle=keys(t, [(0, 0), (0.25, ctx.p["flap_up"]), (0.5, ctx.p["flap_down"]), (1, 0)])))
    pose.add("head", Transform(angle=keys(t, [(0, 0), (0.25, -10.0), (0.5, 20.0), (1, 0)])))
    return pose


def winged_jump(ctx: MotionContext, t: float) -> FramePose:
    pose = _jump_root(ctx, t)
    _flap(ctx, t, pose)
    return pose


def winged_death(ctx: MotionContext, t: float) -> FramePose:
    pose = _death_root(ctx, t, 25.0)
    drop = keys(t, [(0, 0), (0.8, 1), (1, 1)])
    pose.add("root", Transform(dy=0.1 * ctx.height * drop))
    for wing in ("wing_left", "wing_right"):
        pose.add(wing, Transform(angle=60.0 * drop, sy=1.0 - 0.4 * drop))
    return pose


def winged_hurt(ctx: MotionContext, t: float) -> FramePose:
    pose = _hurt(ctx, t, "body")
    pose.ground_lock = False
    return pose


# ----------------------------------------------------------------------------------------------
# amorphous


def _squash(pose: FramePose, sy: float, dy: float = 0.0, dx: float = 0.0) -> None:
    """Scale about the ground pivot keeping the area: sx = 1 / sy."""
    pose.add("root", Transform(sx=1.0 / sy, sy=sy, dy=dy, dx=dx))
    pose.ground_lock = False


def amorphous_hop(ctx: MotionContext, phi: float) -> FramePose:
    p = ctx.p
    big = 1.5 if ctx.type == "run" else 1.0
    pose = FramePose()
    sq = p["squash"] * big
    if phi < 0.2:
        _squash(pose, 1 - sq * math.sin(math.pi * phi / 0.2))
    elif phi < 0.8:
        u = (phi - 0.2) / 0.6
        _squash(pose, 1 + 0.6 * sq * math.sin(math.pi * u) * (1 - u), dy=-p["hop_height"] * big * ctx.height
                * math.sin(math.pi * u))
    else:
        _squash(pose, 1 - 0.5 * sq * math.sin(math.pi * (phi - 0.8) / 0.2))
    return pose


def amorphous_idle(ctx: MotionContext, phi: float) -> FramePose:
    pose = FramePose()
    _squash(pose, 1 + ctx.p["idle_squash"] * math.sin(2 * math.pi * phi))
    return pose


def amorphous_attack(ctx: MotionContext, t: float) -> FramePose:
    pose = FramePose(key=_attack_keys(t))
    a = ctx.p["attack_stretch"]
    sx = keys(t, [(0, 1), (0.25, 0.85), (0.5, 1 + a), (0.75, 1.08), (1, 1)])
    pose.add("root", Transform(sx=sx, sy=1 / sx, dx=keys(t, [(0, 0), (0.25, -0.04), (0.5, 0.12), (1, 0)]) * ctx.height))
    pose.ground_lock = False
    return pose


def amorphous_jump(ctx: MotionContext, t: float) -> FramePose:
    pose = _jump_root(ctx, t)
    sy = pose.root.sy
    pose.root = Transform(dy=pose.root.dy, sy=sy * sy, sx=1 / (sy * sy))     # jellier than a body
    return pose


def amorphous_death(ctx: MotionContext, t: float) -> FramePose:
    pose = FramePose(ground_lock=False, key="last" if t >= 1.0 else None, flash=0.5 if t == 0 else 0.0)
    sy = keys(t, [(0, 1), (0.2, 1.1), (0.8, 0.4), (1, 0.35)])
    pose.add("root", Transform(sy=sy, sx=min(1.0 / sy, 1.6)))
    return pose


def amorphous_hurt(ctx: MotionContext, t: float) -> FramePose:
    pose = _hurt(ctx, t, "body")
    _squash(pose, 1 - 0.15 * (1 - t))
    return pose


# ----------------------------------------------------------------------------------------------
# serpentine (the body wave itself is rendered by animate.py from the spine pivots)


def serpentine_move(ctx: MotionContext, phi: float) -> FramePose:
    speed = ctx.p["run_speed"] if ctx.type == "run" else 1.0
    amp = 0.5 if ctx.type == "idle" else (1.3 if ctx.type == "run" else 1.0)
    return FramePose(wave=(phi * speed, amp * ctx.amp), ground_lock=False)


def serpentine_attack(ctx: MotionContext, t: float) -> FramePose:
    strike = ctx.p["attack_strike"] * keys(t, [(0, 0), (0.25, -0.4), (0.5, 1), (0.75, 0.6), (1, 0)])
    return FramePose(wave=(0.25 * t, 0.5), strike=strike, ground_lock=False, key=_attack_keys(t))


def serpentine_jump(ctx: MotionContext, t: float) -> FramePose:
    pose = _jump_root(ctx, t)
    pose.wave = (t, 0.6)
    return pose


def serpentine_death(ctx: MotionContext, t: float) -> FramePose:
    pose = FramePose(wave=(0.5 * t, 1.0 - t), ground_lock=False, key="last" if t >= 1.0 else None,
                     flash=0.5 if t == 0 else 0.0)
    pose.add("root", Transform(sy=keys(t, [(0, 1), (0.5, 1.05), (1, 0.8)])))
    return pose


def serpentine_hurt(ctx: MotionContext, t: float) -> FramePose:
    pose = _hurt(ctx, t, "body")
    pose.wave = (0.1 * t, 0.6 * (1 - t))
    pose.ground_lock = False
    return pose


MOTIONS: dict[str, dict[str, Callable[[MotionContext, float], FramePose]]] = {
    "humanoid_biped": {"idle": humanoid_idle, "walk": humanoid_walk, "run": humanoid_run,
                       "attack": humanoid_attack, "jump": humanoid_jump, "death": humanoid_death,
                       "hurt": humanoid_hurt},
    "quadruped": {"idle": quadruped_idle, "walk": quadruped_walk, "run": quadruped_run,
                  "attack": quadruped_attack, "jump": quadruped_jump, "death": quadruped_death,
                  "hurt": quadruped_hurt},
    "winged": {"idle": winged_fly, "walk": winged_fly, "run": winged_fly, "attack": winged_attack,
               "jump": winged_jump, "death": winged_death, "hurt": winged_hurt},
    "amorphous": {"idle": amorphous_idle, "walk": amorphous_hop, "run": amorphous_hop,
                  "attack": amorphous_attack, "jump": amorphous_jump, "death": amorphous_death,
                  "hurt": amorphous_hurt},
    "serpentine": {"idle": serpentine_move, "walk": serpentine_move, "run": serpentine_move,
                   "attack": serpentine_attack, "jump": serpentine_jump, "death": serpentine_death,
                   "hurt": serpentine_hurt},
}


# ----------------------------------------------------------------------------------------------
# custom motion primitives (type="custom"), layered in the order the description names them


def prim_wave(ctx: MotionContext, phi: float, pose: FramePose) -> None:
    wobble = 20.0 * math.sin(4 * math.pi * phi)
    if ctx.archetype == "humanoid_biped":
        _, free_arm = _arm_names(ctx) if "weapon" in ctx.parts else ("", "arm_right")
        pose.add(free_arm, Transform(angle=swing(150.0) + wobble))
    else:
        for part in ("tail", "wing_right", "head"):
            if part in ctx.parts:
                pose.add(part, Transform(angle=wobble))
                break


def prim_bow(ctx: MotionContext, phi: float, pose: FramePose) -> None:
    depth = 35.0 * math.sin(math.pi * phi)
    upright = "torso" if "torso" in ctx.parts else "head"
    pose.add(upright, Transform(angle=lean(depth)))


def prim_cast(ctx: MotionContext, phi: float, pose: FramePose) -> None:
    raise_ = 80.0 * math.sin(math.pi * phi)
    for arm in ("arm_right", "arm_left"):
        pose.add(arm, Transform(angle=swing(raise_)))
    pose.add("torso", Transform(angle=lean(-0.1 * raise_)))
    for wing in ("wing_left", "wing_right"):
        pose.add(wing, Transform(angle=-0.4 * raise_))


def prim_spin(ctx: MotionContext, phi: float, pose: FramePose) -> None:
    c = math.cos(2 * math.pi * phi)
    pose.add("root", Transform(sx=math.copysign(max(abs(c), 0.2), c)))


def prim_bounce(ctx: MotionContext, phi: float, pose: FramePose) -> None:
    s = math.sin(2 * math.pi * phi)
    up = abs(s)
    pose.add("root", Transform(dy=-0.12 * ctx.height * up, sy=1.0 - 0.08 * (1 - up) + 0.04 * up))
    pose.ground_lock = False


def prim_shake(ctx: MotionContext, phi: float, pose: FramePose) -> None:
    i = round(phi * ctx.n)
    pose.add("root", Transform(dx=(1.0 if i % 2 else -1.0), angle=2.0 * math.sin(2 * math.pi * phi)))


def prim_crouch(ctx: MotionContext, phi: float, pose: FramePose) -> None:
    pose.add("root", Transform(sy=1.0 - 0.18 * math.sin(math.pi * phi)))
    pose.add("torso", Transform(angle=lean(10.0 * math.sin(math.pi * phi))))
    pose.ground_lock = False


def prim_fly(ctx: MotionContext, phi: float, pose: FramePose) -> None:
    if "wing_left" in ctx.parts or "wing_right" in ctx.parts:
        _flap(ctx, phi, pose)
    pose.add("root", Transform(dy=-0.12 * ctx.height - 0.04 * ctx.height * math.sin(2 * math.pi * phi)))
    pose.ground_lock = False


def prim_slither(ctx: MotionContext, phi: float, pose: FramePose) -> None:
    if ctx.archetype == "serpentine":
        pose.wave = (phi, 1.0)
        pose.ground_lock = False
    else:
        pose.add("root", Transform(angle=4.0 * math.sin(2 * math.pi * phi), dx=math.sin(2 * math.pi * phi)))


PRIMITIVES: dict[str, Callable[[MotionContext, float, FramePose], None]] = {
    "wave": prim_wave, "bow": prim_bow, "cast": prim_cast, "spin": prim_spin, "bounce": prim_bounce,
    "shake": prim_shake, "crouch": prim_crouch, "fly": prim_fly, "slither": prim_slither,
}


def custom_primitives(description: str | None, table: dict[str, list[str]], default: str) -> tuple[str, ...]:
    """Motion primitives a free-text description asks for, in the order of the table (≥ 1)."""
    import re

    text = " " + re.sub(r"[^a-z ]+", " ", (description or "").lower()) + " "
    found = [name for name, words in table.items() if any(f" {w} " in text for w in words)]
    return tuple(found) or (default,)
