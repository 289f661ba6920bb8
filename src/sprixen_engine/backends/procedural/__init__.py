"""The embedded procedural sprite backend: no weights, deterministic, milliseconds per sprite.

Each archetype / category has one renderer module exposing ``render(spec, look, rng)``
that composes the sprite from shaded parts on a :class:`~.canvas.PartCanvas`:

- ``humanoid.py``   humanoid_biped characters
- ``quadruped.py``  four-legged creatures
- ``winged.py``     flying creatures
- ``amorphous.py``  slimes, ghosts, jellyfish, wisps
- ``serpentine.py`` snakes, worms, sea serpents
- ``items.py``      items (weapons, potions, keys, ...)
- ``props.py``      environment props (trees, rocks, crates, ...)

``look`` is the subject's ``look`` table from ``configs/subjects/*.toml``.
"""

from __future__ import annotations

import importlib
import zlib
from pathlib import Path

import numpy as np

from ...core.palette import merge_similar_colors
from ..base import RenderedSprite, SpriteSpec

_RENDERERS = {
    "humanoid_biped": "humanoid",
    "quadruped": "quadruped",
    "winged": "winged",
    "amorphous": "amorphous",
    "serpentine": "serpentine",
    "item": "items",
    "prop": "props",
}


def spec_rng(spec: SpriteSpec) -> np.random.Generator:
    """A generator seeded from the spec's seed, subject and variant (stable across runs)."""
    salt = zlib.crc32(f"{spec.subject}:{spec.variant}".encode())
    return np.random.default_rng([spec.seed & 0xFFFFFFFF, salt])


class ProceduralSpriteBackend:
    """Draws every catalogue subject from its ``look`` data. ``name = "procedural"``."""

    name = "procedural"

    def __init__(self, config_dir: Path | None = None) -> None:
        from ...config import config_dir as default_dir
        from ...sprites.catalogue import load_catalogue

        self.catalogue = load_catalogue(config_dir or default_dir())

    def render(self, spec: SpriteSpec) -> RenderedSprite:
        subject = self.catalogue[spec.subject]
        key = subject.archetype if subject.category in ("character", "creature") else subject.category
        module = importlib.import_module(f".{_RENDERERS[key]}", __name__)
        sprite = module.render(spec, subject.look, spec_rng(spec))
        # tones closer than the eye can tell apart only blur the palette
        sprite.rgba, sprite.palette = merge_similar_colors(sprite.rgba, min_delta_e=3.0)
        return sprite
