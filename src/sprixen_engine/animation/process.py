"""Non-destructive post-processing of an :class:`Animation` (the API's ``POST /v1/animations/:id/process``).

Modes, for frames with too much transparent padding, drift, or that need a stronger canvas fit:

``stabilize``
    :func:`~sprixen_engine.core.stabilize.stabilize_frames` re-anchors every frame (torso x and ground
    line fixed, jumps kept); same canvas size.
``tight``
    crops every frame to the union box of all frames plus 1 px (one box, so nothing jitters).
``aggressive``
    ``tight``, then scales the content by one factor to fill the original canvas, bottom-centred
    (a whole nearest-neighbour factor for pixel art).

The result is a new :class:`Animation` (id ``anim_processed_<mode>_<hash>``); part maps and rig
transforms follow the pixels. The original is never changed.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import numpy as np

from ..core import stabilize as stab
from ..core.image import as_rgba, to_pil
from ..errors import invalid
from .result import Animation

MODES = ("stabilize", "tight", "aggressive")
#: Part names whose pixels are registered for horizontal drift, in order of preference.
TORSO_PARTS = ("torso", "body")
#: Part-name prefixes of the parts that stand on the ground.
SUPPORT_PREFIXES = ("leg", "shin", "foot")
#: Frames with hard alpha and at most this many colours count as pixel art (see :func:`is_pixel_art`).
PIXEL_ART_COLOURS = 64
#: Margin of the ``tight`` crop, pixels.
TIGHT_MARGIN = 1


def process_animation(anim: Animation, mode: str, *, pixel_art: bool | None = None) -> Animation:
    """Return a processed copy of ``anim``.

    Parameters
    ----------
    anim : Animation
    mode : {"stabilize", "tight", "aggressive"}
        See the module docstring.
    pixel_art : bool or None
        Scaling kernel for ``aggressive``: whole-factor nearest neighbour (True) or Lanczos (False).
        ``None``: ``anim.metadata["pixelArt"]`` when it is a bool, else :func:`is_pixel_art`.

    Returns
    -------
    Animation
        New frames, part maps (moved, cropped or scaled with the frames) and rig (each frame's
        affine composed with the same move); ``metadata["processed"]`` holds ``mode``, ``from``
        (the original id) and ``offsets`` (``[[dx, dy], ...]``, stabilize), ``box`` (the crop
        ``[x0, y0, x1, y1]``, tight; the content box, aggressive) or ``scale`` and ``pixelArt``
        (aggressive).

    Raises
    ------
    InvalidRequest
        ``mode`` is not one of :data:`MODES`.
    """
    if mode not in MODES:
        raise invalid("mode", "must be one of stabilize, tight, aggressive", mode)
    frames = [as_rgba(f) for f in anim.frames]
    maps = [np.asarray(m) for m in anim.part_maps]
    w, h = anim.frame_size
    info: dict[str, Any] = {"mode": mode, "from": anim.id}

    if mode == "stabilize":
        torso, support = _part_masks(anim)
        frames, offsets = stab.stabilize_frames(frames, torso_masks=torso, support_masks=support)
        maps = [stab.translate(m, dx, dy) for m, (dx, dy) in zip(maps, offsets)]
        moves = [(1.0, dx, dy) for dx, dy in offsets]
        info["offsets"] = [list(o) for o in offsets]
    else:
        box = stab.union_box(frames)
        if box is None:  # nothing visible: nothing to crop or fit
            moves = [(1.0, 0, 0)] * len(frames)
            info["box"] = None
        elif mode == "tight":
            x0, y0, x1, y1 = stab.grow_box(box, TIGHT_MARGIN, (w, h))
            frames = stab.crop_frames(frames, box, TIGHT_MARGIN)
            maps = stab.crop_frames(maps, box, TIGHT_MARGIN) if maps else []
            moves = [(1.0, -x0, -y0)] * len(frames)
            info["box"] = [x0, y0, x1, y1]
        else:
            if pixel_art is None:
                flag = anim.metadata.get("pixelArt")
                pixel_art = flag if isinstance(flag, bool) else is_pixel_art(frames)
            scale, (px, py, _, _) = stab.fit_layout(box, (w, h), pixel_art=pixel_art)
            frames = stab.fit_frames(frames, (w, h), pixel_art=pixel_art, box=box)
            maps = stab.fit_frames(maps, (w, h), pixel_art=pixel_art, box=box) if maps else []
            moves = [(scale, px - scale * box[0], py - scale * box[1])] * len(frames)
            info.update(box=list(box), scale=scale, pixelArt=bool(pixel_art))

    digest = hashlib.sha256(f"{anim.id}\n{mode}".encode()).hexdigest()[:12]
    return anim.with_frames([to_pil(f) for f in frames], part_maps=maps, rig=_moved_rig(anim.rig, moves),
                            metadata_update={"processed": info}, id=f"anim_processed_{mode}_{digest}")


def is_pixel_art(frames: list[np.ndarray]) -> bool:
    """Whether ``(H, W, 4)`` uint8 frames look like pixel art: hard alpha (only 0 and 255) and at most
    :data:`PIXEL_ART_COLOURS` distinct opaque RGB colours over all frames. Anti-aliased or smooth
    renders fail one or the other.
    """
    stack = np.stack(frames)
    alpha = stack[..., 3]
    if np.any((alpha > 0) & (alpha < 255)):
        return False
    rgb = stack[alpha == 255][:, :3].astype(np.uint32)
    return len(np.unique((rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2])) <= PIXEL_ART_COLOURS


def _part_masks(anim: Animation) -> tuple[list[np.ndarray] | None, list[np.ndarray] | None]:
    """Per-frame torso and support masks from the part maps; None where the parts are unknown."""
    if not anim.part_maps or len(anim.part_maps) != len(anim.frames):
        return None, None
    names = list(anim.part_names)
    torso_label = next((names.index(p) + 1 for p in TORSO_PARTS if p in names), None)
    support_labels = [i + 1 for i, n in enumerate(names) if n.lower().startswith(SUPPORT_PREFIXES)]
    torso = None if torso_label is None else [m == torso_label for m in anim.part_maps]
    support = [np.isin(m, support_labels) for m in anim.part_maps] if support_labels else None
    return torso, support


def _moved_rig(rig: dict[str, Any] | None, moves: list[tuple[float, float, float]]) -> dict[str, Any] | None:
    """``rig`` with each frame's affines followed by ``p -> scale * p + (tx, ty)`` (one move per frame).

    Rest-pose pivots are unchanged: they live in rest-pose coordinates.
    """
    if rig is None:
        return None
    out = copy.deepcopy(rig)
    out["frames"] = [
        {name: v if name.startswith("_") else  # "_wave" etc.: per-frame extras, not part affines
         [s * v[0], s * v[1], s * v[2] + tx, s * v[3], s * v[4], s * v[5] + ty] for name, v in pose.items()}
        for pose, (s, tx, ty) in zip(rig.get("frames", []), moves)
    ]
    return out
