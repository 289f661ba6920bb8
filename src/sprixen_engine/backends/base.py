"""Backend protocols and the data that flows between pipelines and backends.

One ``Protocol`` per capability. A pipeline builds a spec, asks the selected backend
to render it, then post-processes with the kernels in :mod:`sprixen_engine.core`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

ARCHETYPES = ("humanoid_biped", "quadruped", "winged", "amorphous", "serpentine")
CATEGORIES = ("character", "creature", "item", "prop")
VIEWS = ("side", "front", "top_down", "isometric")


@dataclass(frozen=True)
class SpriteSpec:
    """Everything a sprite backend needs to draw one sprite.

    Attributes
    ----------
    subject : catalogue id, e.g. ``"knight"`` (see ``configs/subjects/*.toml``).
    category : one of :data:`CATEGORIES`.
    archetype : one of :data:`ARCHETYPES` for characters/creatures, else ``None``.
    size : ``(h, w)`` of the native pixel canvas in pixels (16–128 each side).
    style : canonical style ids from the prompt, e.g. ``("dark_fantasy",)``; may be empty.
    colors : RGB colours named in the prompt, in the order they were mentioned; the
        first recolours the subject's primary material, the second its secondary.
    view : one of :data:`VIEWS`.
    variant : 0-based variant index; variants differ in proportions, palette and accessories.
    seed : integer seed; the same spec always gives the same pixels.
    weapon : item id held in the weapon hand (``"sword"``, ``"bow"``, ...) or ``None`` for the
        subject's default; ``"none"`` for explicitly unarmed.
    shield : ``True``/``False`` to force a shield, ``None`` for the subject's default.
    modifiers : other catalogue subjects named with the subject ("mossy rock" → ``("moss",)``);
        renderers add them as details where they can.

    Note: the Engine renders variant ``v`` of a request with ``seed = request_seed + v``;
    renderers recover the request seed as ``seed - variant`` to rotate designs per request.
    """

    subject: str
    category: str
    archetype: str | None = None
    size: tuple[int, int] = (32, 32)
    style: tuple[str, ...] = ()
    colors: tuple[tuple[int, int, int], ...] = ()
    view: str = "side"
    variant: int = 0
    seed: int = 0
    weapon: str | None = None
    shield: bool | None = None
    modifiers: tuple[str, ...] = ()


@dataclass
class RenderedSprite:
    """A backend's output for one :class:`SpriteSpec`.

    Attributes
    ----------
    rgba : ``(H, W, 4)`` uint8, straight alpha, transparent background.
    parts : part name → ``(H, W)`` bool mask. Names: head, torso, arm_left, arm_right,
        leg_left, leg_right (legs: leg_front_left/leg_front_right/leg_back_left/leg_back_right
        for quadrupeds), tail, wing_left, wing_right, weapon, shield, body, accessory...
        "left"/"right" are the character's own sides. Masks may be empty only if omitted.
    pivots : joint name → ``(x, y)`` pixel coordinates (floats allowed): neck, shoulder_left,
        shoulder_right, hand_left, hand_right, hip_left, hip_right, foot_left, foot_right,
        tail_base, wing_root_left, wing_root_right, ground (bottom centre of the supporting parts).
    facing : ``"right"`` / ``"left"`` / ``"front"`` — where the sprite looks.
    palette : the RGB colours used (outline and shading tones included).
    details : JSON-able design facts later stages use, e.g. ``{"weapon": "bow", "shield": False}``.
    """

    rgba: np.ndarray
    parts: dict[str, np.ndarray] = field(default_factory=dict)
    pivots: dict[str, tuple[float, float]] = field(default_factory=dict)
    facing: str = "right"
    palette: list[tuple[int, int, int]] = field(default_factory=list)
    details: dict[str, object] = field(default_factory=dict)


@runtime_checkable
class SpriteBackend(Protocol):
    """Draws sprites from specs. ``name`` is recorded in result metadata."""

    name: str

    def render(self, spec: SpriteSpec) -> RenderedSprite: ...


@runtime_checkable
class MattingBackend(Protocol):
    """Separates a subject from its background: ``(H, W, 4)`` in, ``(H, W, 4)`` out."""

    name: str

    def remove(self, rgba: np.ndarray, *, hard: bool, no_base: bool) -> np.ndarray: ...
