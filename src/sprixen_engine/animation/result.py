"""The :class:`Animation` result object and its exporters (sheet, GIF, atlas, Godot SpriteFrames, rig JSON).

:class:`AnimationSet` groups one :class:`Animation` per direction and writes them as one sheet (a row per
direction). Both share the module helpers below: :func:`_layout` places frames in a sheet, and
:func:`_aseprite_atlas`, :func:`_sprite_frames_tres` and :func:`_encode_gif` write the formats.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image

from .. import __version__
from ..errors import invalid
from ..results import _json_default

#: ``meta.app`` of the Aseprite JSON we write (Aseprite writes its own web site there).
APP_URL = "https://github.com/sprixen/sprixen-engine"
#: Animation types that play once; every other type (idle, walk, run, custom) loops.
ONE_SHOT_TYPES = frozenset({"attack", "jump", "death", "hurt"})
#: Aseprite tag directions (``doc/anidir.h``).
TAG_DIRECTIONS = ("forward", "reverse", "pingpong", "pingpong_reverse")
#: Smallest GIF frame delay we write, centiseconds. Browsers play shorter delays (0 or 1 cs) at 100 ms.
GIF_MIN_DELAY_CS = 2

Rect = tuple[int, int, int, int]  # x, y, w, h in sheet pixels


def default_loop(animation_type: str) -> bool:
    """Whether an animation of ``animation_type`` loops by default (False for attack, jump, death, hurt)."""
    return animation_type not in ONE_SHOT_TYPES


@dataclass
class Animation:
    """One animation of one sprite in one direction.

    Attributes
    ----------
    id : stable identifier used in file names (``anim_...``).
    type : idle | walk | run | attack | jump | death | hurt | custom.
    frames : equal-size RGBA PIL images, in play order.
    durations_ms : one duration per frame, milliseconds (integers ≥ 1).
    fps : nominal frames per second (4–60).
    metadata : JSON-able details (archetype and how it was decided, direction, seed, motion parameters,
        approximated directions, effect colours ...).
    part_names : names of the rig's parts; label ``i`` in :attr:`part_maps` is ``part_names[i - 1]``.
    part_maps : per frame, an ``(H, W)`` uint8 label image (0 = no part) telling which part drew each
        pixel; empty when unknown (e.g. after a user edits frames).
    rig : the rig and its per-frame transforms, JSON-able:
        ``{"parts": {name: {"parent": str | None, "pivot": [x, y], "z": int}},
        "frames": [{name: [a, b, c, d, e, f]}, ...]}`` where ``[a, b, c, d, e, f]`` is the 2x3 affine
        (row-major ``[[a, b, c], [d, e, f]]``) mapping rest-pose pixel coordinates to frame coordinates.
    """

    id: str
    type: str
    frames: list[Image.Image]
    durations_ms: list[int]
    fps: int
    metadata: dict[str, Any] = field(default_factory=dict)
    part_names: list[str] = field(default_factory=list)
    part_maps: list[np.ndarray] = field(default_factory=list)
    rig: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if not self.frames:
            raise invalid("frames", "must hold at least one frame", len(self.frames))
        if len(self.durations_ms) != len(self.frames):
            raise invalid("durations_ms", f"must hold one duration per frame ({len(self.frames)})",
                          len(self.durations_ms))
        if any(int(d) < 1 for d in self.durations_ms):
            raise invalid("durations_ms", "must all be at least 1 ms", list(self.durations_ms))
        sizes = {f.size for f in self.frames}
        if len(sizes) != 1:
            raise invalid("frames", "must all have the same size", sorted(sizes))

    @property
    def frame_size(self) -> tuple[int, int]:
        """``(width, height)`` of every frame, pixels."""
        return self.frames[0].size

    @property
    def loop(self) -> bool:
        """Whether the animation loops by default (see :func:`default_loop`)."""
        return default_loop(self.type)

    # -- copies -------------------------------------------------------------------------------------------

    def with_frames(self, frames: list[Image.Image], *, part_maps: list[np.ndarray] | None = None,
                    rig: dict[str, Any] | None = None, metadata_update: dict[str, Any] | None = None,
                    id: str | None = None, durations_ms: list[int] | None = None) -> Animation:
        """A copy with new ``frames``; the original is never changed.

        ``part_maps``, ``rig`` and ``durations_ms`` default to (copies of) the original's. Part maps are
        dropped when the frame count or size changes (they no longer match); pass ``part_maps=[]`` to drop
        them explicitly, e.g. after an edit that moves pixels. ``metadata_update`` is merged over a deep
        copy of the metadata. ``durations_ms`` is required when the frame count changes.
        """
        frames = list(frames)
        if durations_ms is None:
            if len(frames) != len(self.frames):
                raise invalid("durations_ms", "must be given when the frame count changes", len(frames))
            durations_ms = list(self.durations_ms)
        if part_maps is None:
            same_shape = len(frames) == len(self.frames) and all(f.size == self.frame_size for f in frames)
            part_maps = [m.copy() for m in self.part_maps] if same_shape else []
        metadata = copy.deepcopy(self.metadata)
        metadata.update(metadata_update or {})
        return Animation(id=self.id if id is None else id, type=self.type, frames=frames,
                         durations_ms=list(durations_ms), fps=self.fps, metadata=metadata,
                         part_names=list(self.part_names), part_maps=list(part_maps),
                         rig=copy.deepcopy(self.rig) if rig is None else rig)

    # -- exporters ----------------------------------------------------------------------------------------

    def sheet(self, columns: int | None = None, padding: int = 0) -> Image.Image:
        """The frames in one RGBA image on a transparent background.

        Parameters
        ----------
        columns : frames per row; ``None`` puts all frames in one row, left to right.
        padding : transparent gap between neighbouring frames, pixels (none around the border).
        """
        return _draw(self._rows(columns), _layout(self._row_lengths(columns), self.frame_size, padding))

    def gif(self) -> bytes:
        """An animated GIF (looping forever) of the frames; see :func:`_encode_gif` for the details."""
        return _encode_gif(self.frames, self.durations_ms)

    def atlas(self, image_name: str = "sheet.png", *, format: Literal["hash", "array"] = "hash",
              tags: list[dict[str, Any]] | None = None, columns: int | None = None,
              padding: int = 0) -> dict[str, Any]:
        """The Aseprite sprite-sheet JSON (``--format json-hash`` or ``json-array``) of :meth:`sheet`.

        Parameters
        ----------
        image_name : the sheet's file name, written to ``meta.image``.
        format : ``"hash"`` (frames keyed by file name) or ``"array"`` (frames in a list with ``filename``).
        tags : ``meta.frameTags`` as ``{"name", "from", "to"[, "direction"]}`` (0-based, inclusive);
            default one ``forward`` tag over all frames named after :attr:`type`.
        columns, padding : the layout of the sheet, as given to :meth:`sheet`.
        """
        if tags is None:
            tags = [{"name": self.type, "from": 0, "to": len(self.frames) - 1}]
        layout = _layout(self._row_lengths(columns), self.frame_size, padding)
        return _aseprite_atlas(self.id, layout, self.frame_size, self.durations_ms, image_name, format, tags,
                               {"id": self.id, "type": self.type, "fps": self.fps, "loop": self.loop})

    def godot_sprite_frames(self, texture_path: str = "res://sheet.png", *, loop: bool | None = None,
                            columns: int | None = None, padding: int = 0) -> str:
        """A Godot 4 ``SpriteFrames`` resource (``.tres`` text) for ``AnimatedSprite2D``.

        One ``AtlasTexture`` per frame cuts :meth:`sheet` (at ``texture_path``); the animation is named
        after :attr:`type`, plays at ``speed = fps`` and loops when ``loop`` (default :attr:`loop`).
        """
        layout = _layout(self._row_lengths(columns), self.frame_size, padding)
        clip = _Clip(self.type, self.fps, self.loop if loop is None else loop, range(len(self.frames)),
                     self.durations_ms)
        return _sprite_frames_tres(self.id, texture_path, layout, [clip])

    def rig_json(self) -> dict[str, Any]:
        """The rig as JSON-able data: ids, timing (ms), frame size (pixels), parts and per-frame affines.

        Without a rig, ``parts`` is ``{}`` and ``frames`` is ``[]``.
        """
        rig = self.rig or {}
        return _jsonable({"id": self.id, "type": self.type, "fps": self.fps,
                          "frameSize": list(self.frame_size), "durationsMs": list(self.durations_ms),
                          "partNames": list(self.part_names), "parts": rig.get("parts", {}),
                          "frames": rig.get("frames", []), "metadata": self.metadata})

    def save(self, directory: str | Path, *, frame_pngs: bool = False) -> list[Path]:
        """Write the animation under ``directory`` (created) with stable names and return the paths.

        Files: ``{id}.png`` (strip sheet), ``{id}.gif``, ``{id}.json`` (Aseprite atlas of ``{id}.png``),
        ``{id}.tres`` (Godot SpriteFrames of ``res://{id}.png``), ``{id}.rig.json``, with ``frame_pngs``
        ``{id}_f{NN}.png`` per frame (0-based, as in the atlas), and last ``{id}.meta.json`` (metadata and
        the list of written files).
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        stem = self.id
        written = [_write(out / f"{stem}.png", self.sheet()),
                   _write(out / f"{stem}.gif", self.gif()),
                   _write(out / f"{stem}.json", self.atlas(f"{stem}.png")),
                   _write(out / f"{stem}.tres", self.godot_sprite_frames(f"res://{stem}.png")),
                   _write(out / f"{stem}.rig.json", self.rig_json())]
        if frame_pngs:
            written += [_write(out / f"{stem}_f{i:02d}.png", f.convert("RGBA")) for i, f in enumerate(self.frames)]
        meta = {"id": self.id, "type": self.type, "fps": self.fps, "loop": self.loop,
                "frameCount": len(self.frames), "frameSize": list(self.frame_size),
                "durationsMs": list(self.durations_ms), "metadata": self.metadata,
                "files": [p.name for p in written]}
        written.append(_write(out / f"{stem}.meta.json", meta))
        return written

    # -- layout -------------------------------------------------------------------------------------------

    def _row_lengths(self, columns: int | None) -> list[int]:
        n = len(self.frames)
        if columns is None:
            return [n]
        if columns < 1:
            raise invalid("columns", "must be at least 1", columns)
        return [min(columns, n - start) for start in range(0, n, columns)]

    def _rows(self, columns: int | None) -> list[list[Image.Image]]:
        rows, start = [], 0
        for length in self._row_lengths(columns):
            rows.append(self.frames[start:start + length])
            start += length
        return rows


@dataclass
class AnimationSet:
    """The same animation in several directions (the result of ``Engine.animate_directions``).

    Attributes
    ----------
    id : stable identifier used in file names.
    animations : direction (``"down"``, ``"left"`` ...) → :class:`Animation`; every one has the same frame
        size and frame count. The dict order is the row order of the sheet.
    metadata : JSON-able details shared by the directions.
    """

    id: str
    animations: dict[str, Animation]
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.animations, dict) or not self.animations:
            raise invalid("animations", "must be a non-empty dict of direction -> Animation",
                          type(self.animations).__name__)
        first = next(iter(self.animations.values()))
        for direction, anim in self.animations.items():
            if not isinstance(anim, Animation):
                raise invalid(f"animations.{direction}", "must be an Animation", type(anim).__name__)
            if not re.fullmatch(r"[A-Za-z0-9_-]+", str(direction)):
                raise invalid("animations", "direction names must be letters, digits, '_' or '-'", direction)
            if anim.frame_size != first.frame_size:
                raise invalid(f"animations.{direction}", f"frame size must match the others ({_wxh(first)})",
                              _wxh(anim))
            if len(anim.frames) != len(first.frames):
                raise invalid(f"animations.{direction}",
                              f"frame count must match the others ({len(first.frames)})", len(anim.frames))

    @property
    def directions(self) -> list[str]:
        """The directions, in sheet row order."""
        return list(self.animations)

    @property
    def frame_size(self) -> tuple[int, int]:
        """``(width, height)`` of every frame, pixels."""
        return next(iter(self.animations.values())).frame_size

    def sheet(self, padding: int = 0) -> Image.Image:
        """One RGBA image with a row per direction (dict order), frames left to right; ``padding`` in pixels."""
        rows = [a.frames for a in self.animations.values()]
        return _draw(rows, _layout([len(r) for r in rows], self.frame_size, padding))

    def gif(self, direction: str) -> bytes:
        """The animated GIF of one direction (see :meth:`Animation.gif`)."""
        return self._get(direction).gif()

    def atlas(self, image_name: str = "sheet.png", *, format: Literal["hash", "array"] = "hash",
              padding: int = 0) -> dict[str, Any]:
        """The Aseprite JSON of :meth:`sheet`: all frames (row by row) and one ``forward`` frame tag per
        direction named ``"{type}_{direction}"`` (e.g. ``walk_down``)."""
        tags, durations, start = [], [], 0
        for direction, anim in self.animations.items():
            tags.append({"name": f"{anim.type}_{direction}", "from": start, "to": start + len(anim.frames) - 1})
            durations += anim.durations_ms
            start += len(anim.frames)
        layout = self._layout(padding)
        first = next(iter(self.animations.values()))
        extra = {"id": self.id, "type": first.type, "fps": first.fps, "loop": first.loop,
                 "directions": self.directions}
        return _aseprite_atlas(self.id, layout, self.frame_size, durations, image_name, format, tags, extra)

    def godot_sprite_frames(self, texture_path: str = "res://sheet.png", *, loop: bool | None = None,
                            padding: int = 0) -> str:
        """A Godot 4 ``SpriteFrames`` ``.tres`` with one animation per direction (``"{type}_{direction}"``)."""
        clips, start = [], 0
        for direction, anim in self.animations.items():
            n = len(anim.frames)
            clips.append(_Clip(f"{anim.type}_{direction}", anim.fps, anim.loop if loop is None else loop,
                               range(start, start + n), anim.durations_ms))
            start += n
        return _sprite_frames_tres(self.id, texture_path, self._layout(padding), clips)

    def save(self, directory: str | Path) -> list[Path]:
        """Write ``{id}.png`` (sheet), ``{id}.json`` (Aseprite atlas), ``{id}.tres`` (Godot SpriteFrames of
        ``res://{id}.png``), ``{id}_{direction}.gif`` per direction and last ``{id}.meta.json``; return the
        paths. ``directory`` is created."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        stem = self.id
        written = [_write(out / f"{stem}.png", self.sheet()),
                   _write(out / f"{stem}.json", self.atlas(f"{stem}.png")),
                   _write(out / f"{stem}.tres", self.godot_sprite_frames(f"res://{stem}.png"))]
        written += [_write(out / f"{stem}_{d}.gif", a.gif()) for d, a in self.animations.items()]
        first = next(iter(self.animations.values()))
        meta = {"id": self.id, "type": first.type, "fps": first.fps, "frameCount": len(first.frames),
                "frameSize": list(self.frame_size), "directions": {
                    d: {"id": a.id, "durationsMs": list(a.durations_ms), "metadata": a.metadata}
                    for d, a in self.animations.items()},
                "metadata": self.metadata, "files": [p.name for p in written]}
        written.append(_write(out / f"{stem}.meta.json", meta))
        return written

    def _get(self, direction: str) -> Animation:
        if direction not in self.animations:
            raise invalid("direction", f"must be one of {self.directions}", direction)
        return self.animations[direction]

    def _layout(self, padding: int) -> _Layout:
        return _layout([len(a.frames) for a in self.animations.values()], self.frame_size, padding)


# -- shared helpers ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """Where each frame sits in a sheet: ``rects[i]`` is frame ``i`` (row by row), ``size`` is ``(w, h)``."""

    rects: list[Rect]
    size: tuple[int, int]


def _layout(row_lengths: list[int], frame_size: tuple[int, int], padding: int) -> _Layout:
    """Place rows of ``row_lengths`` frames of ``frame_size`` ``(w, h)`` with ``padding`` pixels between."""
    if padding < 0:
        raise invalid("padding", "must be at least 0", padding)
    w, h = frame_size
    rects = [(col * (w + padding), row * (h + padding), w, h)
             for row, length in enumerate(row_lengths) for col in range(length)]
    cols, rows = max(row_lengths), len(row_lengths)
    return _Layout(rects, (cols * w + (cols - 1) * padding, rows * h + (rows - 1) * padding))


def _draw(rows: list[list[Image.Image]], layout: _Layout) -> Image.Image:
    """Paste the frames of ``rows`` (row by row, as laid out by :func:`_layout`) on a transparent sheet."""
    w, h = layout.size
    canvas = np.zeros((h, w, 4), np.uint8)
    frames = [f for row in rows for f in row]
    for (x, y, fw, fh), frame in zip(layout.rects, frames, strict=True):
        canvas[y:y + fh, x:x + fw] = np.asarray(frame.convert("RGBA"))
    return Image.fromarray(canvas, "RGBA")


def _aseprite_atlas(stem: str, layout: _Layout, frame_size: tuple[int, int], durations_ms: list[int],
                    image_name: str, format: str, tags: list[dict[str, Any]],
                    extra: dict[str, Any]) -> dict[str, Any]:
    """Aseprite's sprite-sheet JSON, field for field as ``src/app/doc_exporter.cpp`` writes it.

    Frame file names follow Aseprite's default ``{title} {frame}.{extension}`` (``{title}.{extension}`` for
    a single frame) with title ``stem`` and extension ``png``. ``extra`` goes under ``meta.sprixen``.
    """
    if format not in ("hash", "array"):
        raise invalid("format", "must be 'hash' or 'array'", format)
    n = len(layout.rects)
    w, h = frame_size
    entries = []
    for i, ((x, y, fw, fh), ms) in enumerate(zip(layout.rects, durations_ms, strict=True)):
        entries.append((f"{stem} {i}.png" if n > 1 else f"{stem}.png", {
            "frame": {"x": x, "y": y, "w": fw, "h": fh},
            "rotated": False,
            "trimmed": False,
            "spriteSourceSize": {"x": 0, "y": 0, "w": w, "h": h},
            "sourceSize": {"w": w, "h": h},
            "duration": int(ms),
        }))
    frames: dict[str, Any] | list[dict[str, Any]]
    if format == "hash":
        frames = dict(entries)
    else:
        frames = [{"filename": name, **entry} for name, entry in entries]
    meta = {"app": APP_URL, "version": __version__, "image": image_name, "format": "RGBA8888",
            "size": {"w": layout.size[0], "h": layout.size[1]}, "scale": "1",
            "frameTags": [_frame_tag(t, n) for t in tags], "sprixen": extra}
    return {"frames": frames, "meta": meta}


def _frame_tag(tag: dict[str, Any], n_frames: int) -> dict[str, Any]:
    """One ``meta.frameTags`` entry ``{name, from, to, direction}``, checked against ``n_frames``."""
    try:
        name, start, end = str(tag["name"]), int(tag["from"]), int(tag["to"])
    except (KeyError, TypeError, ValueError):
        raise invalid("tags", "each tag needs 'name', 'from' and 'to'", tag) from None
    if not 0 <= start <= end < n_frames:
        raise invalid("tags", f"need 0 <= from <= to < {n_frames}", tag)
    direction = tag.get("direction", "forward")
    if direction not in TAG_DIRECTIONS:
        raise invalid("tags", f"direction must be one of {list(TAG_DIRECTIONS)}", direction)
    return {"name": name, "from": start, "to": end, "direction": direction}


@dataclass(frozen=True)
class _Clip:
    """One Godot animation: its name, speed (fps), loop flag, sheet frame indices and their durations (ms)."""

    name: str
    fps: int
    loop: bool
    frames: range
    durations_ms: list[int]


def _sprite_frames_tres(seed: str, texture_path: str, layout: _Layout, clips: list[_Clip]) -> str:
    """A Godot 4 ``SpriteFrames`` text resource cutting the sheet at ``texture_path`` into ``layout.rects``.

    The syntax follows a file saved by the Godot 4 editor
    (R2Road/godot_playground ``playground/resources/sprite/actor001/sprite2d_animation_actor001_atlas_texture.tres``):
    ``load_steps`` = ext + sub resources + 1, ids ``1_xxxxx`` / ``AtlasTexture_xxxxx``, frames as
    ``{"duration", "texture"}``, StringName names ``&"walk"``. The optional ``uid`` attributes are left out
    (Godot assigns them on import). A frame's ``duration`` multiplies ``1 / speed``, so a frame of ``ms``
    milliseconds at ``fps`` gets ``ms * fps / 1000`` (1.0 when it lasts exactly one nominal frame).
    Ids are derived from ``seed`` and the frame index, so the same input gives the same text.
    """
    used: set[str] = set()
    tex_id = "1_" + _godot_id(f"{seed}:{texture_path}", used)
    sub_ids = ["AtlasTexture_" + _godot_id(f"{seed}:{i}", used) for i in range(len(layout.rects))]
    lines = [f'[gd_resource type="SpriteFrames" load_steps={len(sub_ids) + 2} format=3]', "",
             f'[ext_resource type="Texture2D" path="{_escape(texture_path)}" id="{tex_id}"]', ""]
    for sub_id, (x, y, w, h) in zip(sub_ids, layout.rects, strict=True):
        lines += [f'[sub_resource type="AtlasTexture" id="{sub_id}"]', f'atlas = ExtResource("{tex_id}")',
                  f"region = Rect2({x}, {y}, {w}, {h})", ""]
    animations = []
    for clip in clips:
        frames = ", ".join(f'{{\n"duration": {_godot_float(ms * clip.fps / 1000)},\n'
                           f'"texture": SubResource("{sub_ids[i]}")\n}}'
                           for i, ms in zip(clip.frames, clip.durations_ms, strict=True))
        animations.append(f'{{\n"frames": [{frames}],\n"loop": {"true" if clip.loop else "false"},\n'
                          f'"name": &"{_escape(clip.name)}",\n"speed": {_godot_float(clip.fps)}\n}}')
    lines += ["[resource]", f"animations = [{', '.join(animations)}]", ""]
    return "\n".join(lines)


def _godot_id(key: str, used: set[str]) -> str:
    """A 5-character ``[a-z0-9]`` id like Godot's ``generate_scene_unique_id``, derived from ``key``."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    salt = 0
    while True:
        n = int.from_bytes(hashlib.sha1(f"{key}#{salt}".encode()).digest()[:8], "big")
        ident = "".join(alphabet[(n // 36 ** k) % 36] for k in range(5))
        if ident not in used:
            used.add(ident)
            return ident
        salt += 1


def _godot_float(value: float) -> str:
    """A float the way Godot's text resources write it: ``10.0``, ``1.5``, ``0.333333``."""
    return repr(float(round(value, 6)))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _encode_gif(frames: list[Image.Image], durations_ms: list[int]) -> bytes:
    """An animated GIF89a of ``frames`` that loops forever, with transparency.

    - Delays: GIF stores centiseconds, so each duration is rounded to 10 ms with a minimum of
      :data:`GIF_MIN_DELAY_CS` (20 ms): browsers play 0–10 ms delays at 100 ms.
    - Transparency: pixels with alpha < 128 become one reserved palette index; the rest are opaque.
      Frames use disposal 2 (restore to background) so moving sprites leave no trail.
    - Colours: one global palette for all frames. Up to 255 distinct opaque colours are kept exactly
      (pixel art); more are reduced to 255 with Pillow's median cut, without dithering.
    - Pillow merges consecutive identical frames into one frame with the summed delay (same playback).
    """
    rgba = np.stack([np.asarray(f.convert("RGBA")) for f in frames])  # (N, H, W, 4)
    opaque = rgba[..., 3] >= 128
    colours = rgba[..., :3][opaque]  # (K, 3)
    if len(np.unique(colours, axis=0)) > 255:
        reduced = Image.fromarray(colours[None]).quantize(255, Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        colours = np.asarray(reduced.convert("RGB"))[0]
    palette, index = np.unique(colours, axis=0, return_inverse=True)
    transparent = len(palette)
    taken = {tuple(int(v) for v in c) for c in palette}
    spare = next((i, 0, 0) for i in range(256) if (i, 0, 0) not in taken)  # a colour no pixel uses
    flat_palette = bytes(palette.astype(np.uint8).tobytes()) + bytes(spare)
    indices = np.full(opaque.shape, transparent, np.uint8)
    indices[opaque] = index.reshape(-1)
    images = []
    for plane in indices:
        im = Image.fromarray(plane, "P")
        im.putpalette(flat_palette)
        images.append(im)
    delays = [max(GIF_MIN_DELAY_CS, round(int(ms) / 10)) * 10 for ms in durations_ms]
    buf = io.BytesIO()
    images[0].save(buf, "GIF", save_all=True, append_images=images[1:], duration=delays, loop=0, disposal=2,
                   transparency=transparent, background=transparent, palette=flat_palette, optimize=False)
    return buf.getvalue()


def _jsonable(obj: Any) -> Any:
    """``obj`` with numpy scalars/arrays, tuples and paths turned into plain JSON types (recursively)."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (np.generic, Path)):
        return _json_default(obj)
    return obj


def _write(path: Path, content: Image.Image | bytes | str | dict[str, Any]) -> Path:
    """Write a PNG (image), bytes, text or indented JSON (dict) to ``path`` and return it."""
    if isinstance(content, Image.Image):
        content.save(path)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content, indent=2, default=_json_default) + "\n", encoding="utf-8")
    return path


def _wxh(anim: Animation) -> str:
    return "{}x{}".format(*anim.frame_size)
