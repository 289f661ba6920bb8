"""The animation pipeline: sprite → rig → per-frame poses → frames, metadata and rig JSON.

1. read the sprite (a procedural :class:`SpriteAsset` brings its parts and pivots; any other RGBA image
   is classified and segmented by :mod:`.segment`);
2. pick the archetype (request → ``locomotionType`` → sprite metadata → silhouette classifier);
3. rig it (:mod:`.rig`), plan the poses (:mod:`.motions`), render each frame with nearest-neighbour
   sampling, lock the supporting parts to the rest ground line for in-place cycles, close joint cracks,
   add effects (hurt flash) and mirror for left-facing directions.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..config import config_dir as default_config_dir
from ..config import read_toml
from ..core.image import as_rgba
from ..errors import invalid
from ..requests import AnimationRequest
from . import motions
from .result import Animation
from .rig import HIERARCHY, SUPPORT_PARTS, Rig, Transform, about, build_rig, close_joint_gaps
from .wave import displace, spine_field, spine_points

# direction → (view plane, amplitude factor, mirrored); only right/left are true side views
VIEWS = {
    "right": ("side", 1.0, False), "left": ("side", 1.0, True),
    "down": ("front", 1.0, False), "up": ("front", 1.0, False),
    "down_right": ("side", 0.6, False), "up_right": ("side", 0.6, False),
    "down_left": ("side", 0.6, True), "up_left": ("side", 0.6, True),
}
SIDE_VIEWS = ("right", "left")


@dataclass
class SpriteInput:
    """A sprite as the animation pipeline needs it: ``(H, W, 4)`` uint8 RGBA, parts, pivots, metadata."""

    rgba: np.ndarray
    parts: dict[str, np.ndarray] = field(default_factory=dict)
    pivots: dict[str, tuple[float, float]] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)


def load_motion_config(config_dir: Path | None = None) -> dict[str, Any]:
    """``configs/animation.toml`` as a dict."""
    return read_toml((config_dir or default_config_dir()) / "animation.toml")


def sprite_input(sprite: Any) -> SpriteInput:
    """Accept a SpriteAsset, a GenerationResult (its first variant), a PIL image, an array or a path.

    A PNG written by ``GenerationResult.save`` is read back with its parts and pivots (from the
    ``{id}.json`` and ``{id}_vN_parts.png`` next to it).
    """
    from ..results import GenerationResult, SpriteAsset

    if isinstance(sprite, GenerationResult):
        sprite = sprite.sprites[0]
    if isinstance(sprite, SpriteAsset):
        # pivots at the 1/100 px precision ``GenerationResult.save`` writes, so a saved PNG animates the same
        pivots = {k: (round(float(x), 2), round(float(y), 2)) for k, (x, y) in sprite.pivots.items()}
        return SpriteInput(as_rgba(sprite.image), dict(sprite.parts), pivots, dict(sprite.metadata))
    if isinstance(sprite, str | Path):
        return _load_saved_sprite(Path(sprite))
    return SpriteInput(as_rgba(sprite, field="sprite"))


def _load_saved_sprite(path: Path) -> SpriteInput:
    import json

    if not path.is_file():
        raise invalid("sprite", "file does not exist", str(path))
    rgba = as_rgba(path, field="sprite")
    out = SpriteInput(rgba)
    stem = path.name.rsplit("_v", 1)[0]
    meta_path = path.with_name(f"{stem}.json")
    if not meta_path.is_file():
        return out
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError):
        return out
    for entry in meta.get("variants", []):
        if entry.get("image") != path.name:
            continue
        out.pivots = {k: (float(v[0]), float(v[1])) for k, v in entry.get("pivots", {}).items()}
        out.metadata = {k: v for k, v in entry.items() if k not in ("pivots", "parts", "image")}
        out.metadata.setdefault("archetype", meta.get("archetype"))
        parts = entry.get("parts") or {}
        if parts.get("labels") and parts.get("image") and path.with_name(parts["image"]).is_file():
            labels = np.asarray(Image.open(path.with_name(parts["image"])))
            if labels.shape == rgba.shape[:2]:
                out.parts = {name: labels == int(i) for i, name in sorted(parts["labels"].items(), key=lambda kv: int(kv[0]))}
    return out


def _body_height(alpha: np.ndarray) -> int:
    rows = np.flatnonzero(alpha.any(axis=1))
    return int(rows[-1] - rows[0] + 1) if rows.size else 0


def match_body_height(view: Any, base: Any, *, tolerance: float = 0.04) -> Any:
    """``view`` (a SpriteAsset) scaled by nearest neighbour, about its ground point, so its opaque height
    matches ``base``'s; unchanged when they already agree within ``tolerance``. Parts and pivots follow."""
    from dataclasses import replace

    import cv2

    v, b = np.asarray(view.image), np.asarray(base.image)
    hv, hb = _body_height(v[..., 3] > 0), _body_height(b[..., 3] > 0)
    if hv == 0 or hb == 0 or abs(hv / hb - 1.0) <= tolerance:
        return view
    k = hb / hv
    gx, gy = view.pivots.get("ground", (v.shape[1] / 2, float(v.shape[0])))
    m = np.float64([[k, 0, gx * (1 - k)], [0, k, gy * (1 - k)]])
    size = (v.shape[1], v.shape[0])
    image = cv2.warpAffine(v, m, size, flags=cv2.INTER_NEAREST)
    parts = {n: cv2.warpAffine(p.astype(np.uint8), m, size, flags=cv2.INTER_NEAREST).astype(bool)
             for n, p in view.parts.items()}
    pivots = {n: (k * x + m[0, 2], k * y + m[1, 2]) for n, (x, y) in view.pivots.items()}
    return replace(view, image=Image.fromarray(image, "RGBA"), parts=parts, pivots=pivots,
                   metadata={**view.metadata, "normalizedScale": round(k, 4)})


def _sprite_seed(rgba: np.ndarray) -> int:
    return int.from_bytes(hashlib.sha256(rgba.tobytes()).digest()[:4], "little")


def resolve_archetype(request: AnimationRequest, sprite: SpriteInput) -> tuple[str, str, float | None]:
    """(archetype, where it came from, classifier confidence or None)."""
    if request.archetype:
        return request.archetype, "request", None
    if request.resolved_archetype:
        return request.resolved_archetype, "locomotionType (deprecated)", None
    meta = sprite.metadata.get("archetype")
    if meta in HIERARCHY:
        return meta, "sprite metadata", None
    from .segment import classify_silhouette

    archetype, confidence, _ = classify_silhouette(sprite.rgba[..., 3])
    return archetype, "silhouette classifier", round(float(confidence), 3)


def _parts_fit(parts: dict[str, np.ndarray], archetype: str) -> bool:
    """Whether a sprite's own parts are the ones this archetype's motions drive."""
    need = {"humanoid_biped": {"torso", "leg_left", "leg_right"}, "quadruped": {"body"},
            "winged": {"body"}, "amorphous": set(), "serpentine": set()}[archetype]
    return bool(parts) and need <= set(parts) and (archetype != "winged" or any(p.startswith("wing") for p in parts))


def rig_sprite(sprite: SpriteInput, archetype: str, weapon_hand: str | None) -> tuple[Rig, str, bool]:
    """Rig the sprite; returns (rig, parts source, whether the input was mirrored to face right)."""
    rgba, parts, pivots = sprite.rgba, sprite.parts, sprite.pivots
    mirrored = False
    if _parts_fit(parts, archetype) and (archetype != "serpentine" or spine_points(pivots) is not None):
        source = "sprite"
    else:
        from .segment import facing, segment_sprite

        if facing(rgba, archetype) == "left":
            rgba, mirrored = rgba[:, ::-1].copy(), True
        parts, pivots = segment_sprite(rgba, archetype)
        source = "segmented"
    return build_rig(rgba, parts, pivots, archetype, weapon_hand=weapon_hand), source, mirrored


def animate(sprite: Any, request: AnimationRequest, *, config_dir: Path | None = None,
            anim_id: str | None = None, true_view: bool = False) -> Animation:
    """Animate ``sprite`` as ``request`` asks. See :meth:`sprixen_engine.Engine.animate`.

    ``true_view``: the sprite is already drawn in the asked direction's view (a procedural sprite
    re-rendered by the engine), so the direction is not an approximation.
    """
    cfg = load_motion_config(config_dir)
    src = sprite_input(sprite)
    if not (src.rgba[..., 3] > 0).any():
        raise invalid("sprite", "has no opaque pixel to animate", "empty image")
    type_cfg = cfg["types"][request.type]
    n = request.frame_count or int(type_cfg["frames"])
    fps = request.fps or int(type_cfg["fps"])
    seed = request.seed if request.seed is not None else _sprite_seed(src.rgba)
    archetype, archetype_source, confidence = resolve_archetype(request, src)
    rig, parts_source, input_mirrored = rig_sprite(src, archetype, request.weapon_hand)
    plane, amp, mirrored = VIEWS[request.direction]
    weapon = src.metadata.get("weapon") if src.metadata.get("weapon") != "none" else None
    ctx = _context(cfg, request, rig, archetype, n, plane, amp, seed, sprite_weapon=weapon)
    poses = motions.plan(ctx)
    frames, maps, transforms, pad = render_frames(rig, poses, cfg, cyclic=request.type in motions.CYCLIC)
    effect_colors = _flash(frames, poses, cfg)
    if mirrored:
        frames = [f[:, ::-1].copy() for f in frames]
        maps = [m[:, ::-1].copy() for m in maps]
        flip = np.array([[-1.0, 0, frames[0].shape[1]], [0, 1, 0], [0, 0, 1]])
        transforms = [{k: flip @ m for k, m in t.items()} for t in transforms]
    hold = type_cfg.get("hold", {})
    base_ms = 1000.0 / fps
    durations = [max(1, round(base_ms * hold.get(p.key, p.hold) if p.key else base_ms * p.hold)) for p in poses]
    metadata = _metadata(request, src, rig, ctx, n, fps, seed, archetype_source, confidence, parts_source,
                         input_mirrored, frames, effect_colors, true_view)
    metadata["canvasPadding"] = list(pad)
    anim_id = anim_id or _anim_id(src.rgba, request, seed)
    return Animation(id=anim_id, type=request.type, frames=[Image.fromarray(f, "RGBA") for f in frames],
                     durations_ms=durations, fps=fps, metadata=metadata, part_names=list(rig.names),
                     part_maps=maps, rig=_rig_json(rig, transforms, poses))


def _context(cfg, request, rig, archetype, n, plane, amp, seed, sprite_weapon=None) -> motions.MotionContext:
    params = dict(cfg[archetype])
    jitter = 1.0 + 0.16 * (np.random.default_rng(seed).random() - 0.5)      # ±8 % per seed
    for k, v in params.items():
        if k.endswith(("swing", "sway")):
            params[k] = v * jitter
    params.setdefault("weapon_arm_swing_scale", 0.35)
    prims = ()
    if request.type == "custom":
        prims = motions.custom_primitives(request.custom_description, cfg["custom"]["primitives"],
                                          cfg["custom"]["default"])
    names = frozenset(rig.names)
    return motions.MotionContext(
        archetype=archetype, type=request.type, n=n, p=params, height=rig.body_height, parts=names,
        weapon_hand=request.weapon_hand or _held_hand(rig), plane=plane, amp=amp, primitives=prims,
        attack_style=motions.attack_style(request.weapon_type or sprite_weapon, "weapon" in names),
        two_handed=request.weapon_hand == "both", rest_dir=_limb_directions(rig))


def _limb_directions(rig: Rig) -> dict[str, float]:
    """Rest direction of each arm (shoulder → hand) and of the weapon (grip → farthest pixel), degrees
    (0 = forward/right, 90 = down)."""
    out = {}
    for side in ("left", "right"):
        a, b = rig.pivots.get(f"shoulder_{side}"), rig.pivots.get(f"hand_{side}")
        if a is not None and b is not None and math.dist(a, b) > 1.0:
            out[f"arm_{side}"] = math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))
    grip = rig.pivots.get("weapon_grip")
    if "weapon" in rig.names and grip is not None:
        ys, xs = np.nonzero(rig.layers[rig.names.index("weapon")][..., 3])
        far = int(np.argmax((xs + 0.5 - grip[0]) ** 2 + (ys + 0.5 - grip[1]) ** 2))
        out["weapon"] = math.degrees(math.atan2(ys[far] + 0.5 - grip[1], xs[far] + 0.5 - grip[0]))
    return out


def _held_hand(rig: Rig) -> str:
    parent = rig.parents.get("weapon", "arm_right")
    return "left" if parent == "arm_left" else "right"


def render_frames(rig: Rig, poses: list[motions.FramePose], cfg: dict[str, Any], *, cyclic: bool
                  ) -> tuple[list[np.ndarray], list[np.ndarray], list[dict[str, np.ndarray]], tuple[int, int, int, int]]:
    """Render every pose.

    The canvas is the sprite's own, grown only where a pose would leave it (a slime's squash, an arm
    raised over a head that touches the top edge); one-shot types first slide back inside when they fit.

    Returns
    -------
    frames : ``(H', W', 4)`` uint8 RGBA. maps : ``(H', W')`` uint8 part labels. worlds : per frame, part →
    ``(3, 3)`` matrix from rest-pose pixels to frame pixels. pad : ``(left, top, right, bottom)`` pixels
    added to the sprite's canvas.
    """
    h, w = rig.size_hw
    rest_low = rig.lowest_y(rig.world({}, Transform()), SUPPORT_PARTS[rig.archetype])
    worlds = [_pose_world(rig, pose, rest_low, cyclic=cyclic) for pose in poses]
    spine = spine_points(rig.pivots) if rig.archetype == "serpentine" else None
    sp = cfg.get("serpentine", {})
    wave_px = 0.0
    if spine is not None:
        length = float(np.linalg.norm(np.diff(spine, axis=0), axis=1).sum())
        wave_px = max(sp["amplitude"] * max((p.wave or (0, 0))[1] for p in poses) + sp["attack_strike"], 0.0) * length
    pad = _padding(rig, worlds, margin=math.ceil(wave_px))
    shift = np.array([[1.0, 0, pad[0]], [0, 1, pad[1]], [0, 0, 1]])
    worlds = [{k: shift @ m for k, m in world.items()} for world in worlds]
    size = (h + pad[1] + pad[3], w + pad[0] + pad[2])
    field_ = spine_field(spine + [pad[0], pad[1]], size) if spine is not None else None
    radius = max(2.0, 0.06 * rig.body_height)
    frames, maps = [], []
    for pose, world in zip(poses, worlds):
        rgba, labels = rig.render(world, size)
        if field_ is not None and (pose.wave or pose.strike):
            phase, amp = pose.wave or (0.0, 0.0)
            rgba, labels = displace(rgba, labels, field_, phase=phase, amplitude_px=sp["amplitude"] * amp * field_.length,
                                    wavelength=sp["wavelength"], head_damping=sp["head_damping"],
                                    strike_px=pose.strike * field_.length)
        moved = [tuple((world[n] @ [*rig.joint[n], 1.0])[:2]) for n in rig.names if n in pose.local]
        if moved:
            close_joint_gaps(rgba, labels, moved, radius)
        frames.append(rgba)
        maps.append(labels)
    return frames, maps, worlds, pad


def _pose_world(rig: Rig, pose: motions.FramePose, rest_low: float | None, *, cyclic: bool
                ) -> dict[str, np.ndarray]:
    """World matrices of one pose: ground-locked (the supporting parts' lowest point back on the rest
    ground line ``rest_low``) for in-place cycles, slid inside the canvas for one-shots."""
    world = rig.world(pose.local, pose.root)
    shift_y = 0.0
    if pose.ground_lock:
        low = rig.lowest_y(world, SUPPORT_PARTS[rig.archetype])
        if rest_low is not None and low is not None:
            shift_y = round(rest_low - low)
    shift_y -= round(pose.lift)
    shift_x = 0.0 if cyclic else _keep_inside(rig, world, rig.size_hw[1])
    if shift_x or shift_y:
        t = np.array([[1.0, 0, shift_x], [0, 1, shift_y], [0, 0, 1]])
        world = {k: t @ m for k, m in world.items()}
    return world


def _extent(rig: Rig, world: dict[str, np.ndarray]) -> np.ndarray:
    """``(K, 2)`` transformed hull points of every part."""
    return np.concatenate([rig.hulls[i] @ world[n][:2, :2].T + world[n][:2, 2]
                           for i, n in enumerate(rig.names) if len(rig.hulls[i])])


def _padding(rig: Rig, worlds: list[dict[str, np.ndarray]], margin: int = 0) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) growth of the canvas so that no frame is clipped; the horizontal
    growth is symmetric so the sprite stays centred."""
    h, w = rig.size_hw
    pts = np.concatenate([_extent(rig, world) for world in worlds])
    x0, y0 = pts.min(axis=0) - margin
    x1, y1 = pts.max(axis=0) + margin
    side = max(0, math.ceil(-x0 - 0.01), math.ceil(x1 - w - 0.01))
    top = max(0, math.ceil(-y0 - 0.01))
    bottom = max(0, math.ceil(y1 - h - 0.01))
    return side, top, side, bottom


def _keep_inside(rig: Rig, world: dict[str, np.ndarray], width: int) -> float:
    """Horizontal shift that keeps a one-shot pose (a fall, a lunge) inside the canvas, when it fits."""
    xs = _extent(rig, world)[:, 0]
    lo, hi = xs.min(), xs.max()
    if hi - lo > width:
        return 0.0
    if lo < 0:
        return float(math.ceil(-lo))
    if hi > width:
        return float(-math.ceil(hi - width))
    return 0.0


def _flash(frames: list[np.ndarray], poses: list[motions.FramePose], cfg: dict[str, Any]) -> list[str]:
    """Mix the hurt-flash colour into flashed frames (in place); returns the new colours as hex."""
    eff = cfg.get("effects", {})
    colour = np.array(eff.get("hurt_flash", [255, 255, 255]), np.float32)
    mix = float(eff.get("hurt_flash_mix", 0.6))
    added: set[str] = set()
    for f, pose in zip(frames, poses):
        if pose.flash <= 0:
            continue
        opaque = f[..., 3] > 0
        k = mix * pose.flash
        f[opaque, :3] = np.rint(f[opaque, :3] * (1 - k) + colour * k).astype(np.uint8)
        added.update(f"#{c:06x}" for c in _colour_codes(f).tolist())
    return sorted(added)


def _colour_codes(rgba: np.ndarray) -> np.ndarray:
    """Sorted unique ``0xRRGGBB`` codes of the opaque pixels of ``(H, W, 4)`` uint8 ``rgba``."""
    px = rgba[rgba[..., 3] > 0, :3].astype(np.uint32)
    return np.unique((px[:, 0] << 16) | (px[:, 1] << 8) | px[:, 2])


def _metadata(request, src, rig, ctx, n, fps, seed, archetype_source, confidence, parts_source, input_mirrored,
              frames, effect_colors, true_view) -> dict[str, Any]:
    seen = np.unique(np.concatenate([_colour_codes(f) for f in frames]))
    allowed = np.union1d(_colour_codes(rig.rgba), np.array([int(h[1:], 16) for h in effect_colors], np.uint32))
    new = np.setdiff1d(seen, allowed)
    plane, amp, _ = VIEWS[request.direction]
    meta: dict[str, Any] = {
        "type": request.type, "frameCount": n, "fps": fps, "seed": seed, "direction": request.direction,
        "archetype": ctx.archetype, "archetypeSource": archetype_source, "partsSource": parts_source,
        "parts": list(rig.names), "view": plane, "cyclic": request.type in motions.CYCLIC,
        "frameSize": f"{frames[0].shape[1]}x{frames[0].shape[0]}", "spriteSize": f"{rig.size_hw[1]}x{rig.size_hw[0]}", "newColors": len(new), "effectColors": effect_colors,
        "normalizeSize": request.normalize_size, "bodyHeight": rig.body_height,
    }
    if confidence is not None:
        meta["archetypeConfidence"] = confidence
    drawn_facing = src.metadata.get("facing")
    if true_view:
        meta["viewSource"] = "the procedural sprite re-rendered in front view"
    elif drawn_facing == "front":
        if request.direction != "down":
            meta["approximatedDirections"] = [request.direction]
            meta["approximation"] = "the sprite is drawn facing the viewer; it moves the same way in every direction"
    elif request.direction not in SIDE_VIEWS:
        meta["approximatedDirections"] = [request.direction]
        meta["approximation"] = (
            "the sprite is drawn in side view; " + ("up/down motions lift the limbs in place on the side-view "
                                                    "drawing" if plane == "front" else
                                                    f"diagonals play the side view with {amp:.0%} of the swing"))
    if input_mirrored:
        meta["inputMirrored"] = "the sprite faced left; it was mirrored to rig it and mirrored back for left views"
    if request.type == "custom":
        meta["customPrimitives"] = list(ctx.primitives)
        meta["customDescription"] = request.custom_description
    if request.type == "attack":
        meta["attackStyle"] = ctx.attack_style
    if "weapon" in rig.names:
        meta["weaponHand"] = request.weapon_hand or _held_hand(rig)
    if request.weapon_type or src.metadata.get("weapon") not in (None, "none"):
        meta["weaponType"] = request.weapon_type or src.metadata["weapon"]
    meta["hasShield"] = request.has_shield
    if request.has_shield and "shield" not in rig.names:
        meta["shieldNote"] = "hasShield was asked but the sprite has no shield part; nothing was added"
    if ctx.archetype == "quadruped" and request.type in ("walk", "run"):
        meta["gait"] = "four-beat walk" if request.type == "walk" else ("trot" if n < 6 else "gallop")
    if rig.notes:
        meta["rigNotes"] = list(rig.notes)
    if request.locomotion_type:
        meta["deprecated"] = "locomotionType is deprecated; use archetype"
    return meta


def _rig_json(rig: Rig, worlds: list[dict[str, np.ndarray]], poses: list[motions.FramePose]) -> dict[str, Any]:
    parts = {n: {"parent": None if rig.parents[n] == "root" else rig.parents[n],
                 "pivot": [round(rig.joint[n][0], 2), round(rig.joint[n][1], 2)], "z": z}
             for z, n in enumerate(rig.names)}
    frames = []
    for world, pose in zip(worlds, poses):
        entry: dict[str, Any] = {n: [round(float(v), 4) for v in world[n][:2].ravel()] for n in rig.names}
        if pose.wave or pose.strike:
            entry["_wave"] = {"phase": (pose.wave or (0.0, 0.0))[0], "amplitude": (pose.wave or (0.0, 0.0))[1],
                              "strike": pose.strike}
        frames.append(entry)
    return {"archetype": rig.archetype, "ground": list(rig.ground),
            "pivots": {k: [round(float(x), 2), round(float(y), 2)] for k, (x, y) in rig.pivots.items()},
            "parts": parts, "frames": frames}


def pad_to_common_canvas(anims: dict[str, Animation]) -> dict[str, Animation]:
    """Grow every animation's canvas to the largest ``canvasPadding`` among them, so every direction
    has the same frame size and the sprite's ground anchor at the same pixel (new copies)."""
    pads = {k: a.metadata.get("canvasPadding", [0, 0, 0, 0]) for k, a in anims.items()}
    target = [max(p[i] for p in pads.values()) for i in range(4)]
    out = {}
    for key, anim in anims.items():
        left, top = target[0] - pads[key][0], target[1] - pads[key][1]
        w, h = anim.frame_size
        size = (w + left + target[2] - pads[key][2], h + top + target[3] - pads[key][3])
        if (left, top) == (0, 0) and size == (w, h):
            out[key] = anim
            continue
        frames = []
        for f in anim.frames:
            canvas = Image.new("RGBA", size, (0, 0, 0, 0))
            canvas.paste(f, (left, top))
            frames.append(canvas)
        maps = [np.pad(m, ((top, size[1] - h - top), (left, size[0] - w - left))) for m in anim.part_maps]
        rig = None
        if anim.rig is not None:
            rig = dict(anim.rig)
            rig["frames"] = [{n: (v[:2] + [v[2] + left] + v[3:5] + [v[5] + top]) if isinstance(v, list) else v
                              for n, v in fr.items()} for fr in anim.rig["frames"]]
        out[key] = anim.with_frames(frames, part_maps=maps, rig=rig, metadata_update={
            "canvasPadding": target, "frameSize": f"{size[0]}x{size[1]}"})
    return out


def _anim_id(rgba: np.ndarray, request: AnimationRequest, seed: int) -> str:
    digest = hashlib.sha256(rgba.tobytes() + request.model_dump_json().encode() + str(seed).encode()).hexdigest()
    return f"anim_{digest[:16]}"


__all__ = ["animate", "sprite_input", "SpriteInput", "about", "render_frames"]
