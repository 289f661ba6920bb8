"""Result objects returned by the :class:`~sprixen_engine.Engine` facade.

Each result holds PIL images plus JSON-able ``metadata`` and writes itself with ``save(dir)``
using stable file names (``{id}_v1.png``, ``{id}.json`` ...).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image


def slug(text: str, *, limit: int = 40, sep: str = "-") -> str:
    """A file-name-safe lower-case slug of ``text`` ("A Red Dragon!" → "a-red-dragon")."""
    s = re.sub(r"[^a-z0-9]+", sep, text.lower()).strip(sep)
    return s[:limit].rstrip(sep) or "item"


@dataclass
class SpriteAsset:
    """One generated sprite (one variant).

    Attributes
    ----------
    image : RGBA PIL image at the requested resolution.
    parts : part name → ``(H, W)`` bool mask at the image's resolution (empty for model output
        until segmented by the animation engine).
    pivots : joint name → ``(x, y)`` in image pixels.
    metadata : per-variant details (seed, palette, native size ...).
    atlas : for pack sheets, the TexturePacker "JSON hash" index of item rectangles.
    request : the :class:`GenerationRequest` that made it (lets the animation engine re-render the
        sprite in another view), or ``None``.
    animations : animations chained to the generation (``chain_animations``).
    """

    image: Image.Image
    parts: dict[str, np.ndarray] = field(default_factory=dict)
    pivots: dict[str, tuple[float, float]] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    atlas: dict[str, Any] | None = None
    request: Any = field(default=None, repr=False)
    animations: list[Any] = field(default_factory=list)

    def part_label_map(self) -> tuple[np.ndarray, list[str]]:
        """``(H, W)`` uint8 label image (0 = none, i = ``names[i - 1]``) and the part names."""
        names = list(self.parts)
        labels = np.zeros((self.image.height, self.image.width), np.uint8)
        for i, name in enumerate(names, start=1):
            labels[self.parts[name]] = i
        return labels, names


@dataclass
class GenerationResult:
    """The result of :meth:`Engine.generate`: one :class:`SpriteAsset` per variant."""

    id: str
    sprites: list[SpriteAsset]
    metadata: dict[str, Any]

    @property
    def images(self) -> list[Image.Image]:
        """The variants as RGBA PIL images."""
        return [s.image for s in self.sprites]

    def save(self, directory: str | Path) -> list[Path]:
        """Write ``{id}_v{n}.png`` per variant, ``{id}_v{n}_parts.png`` (part label map, when the
        sprite has parts), ``{id}_v{n}.atlas.json`` (pack sheets) and ``{id}.json`` (metadata).

        Returns the written paths. The JSON lists each variant's files, part legend and pivots.
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        variants = []
        for n, sprite in enumerate(self.sprites, start=1):
            png = out / f"{self.id}_v{n}.png"
            sprite.image.save(png)
            written.append(png)
            entry: dict[str, Any] = {"image": png.name, **sprite.metadata,
                                     "pivots": {k: [round(float(v[0]), 2), round(float(v[1]), 2)]
                                                for k, v in sprite.pivots.items()}}
            if sprite.parts:
                labels, names = sprite.part_label_map()
                parts_png = out / f"{self.id}_v{n}_parts.png"
                Image.fromarray(labels, "L").save(parts_png)
                written.append(parts_png)
                entry["parts"] = {"image": parts_png.name, "labels": {str(i): nm for i, nm in
                                                                     enumerate(names, start=1)}}
            if sprite.atlas is not None:
                atlas = dict(sprite.atlas)
                atlas["meta"] = {**atlas.get("meta", {}), "image": png.name}
                atlas_path = out / f"{self.id}_v{n}.atlas.json"
                atlas_path.write_text(json.dumps(atlas, indent=2))
                written.append(atlas_path)
                entry["atlas"] = atlas_path.name
            if sprite.animations:
                folder = out / f"{self.id}_v{n}_animations"
                entry["animations"] = []
                for anim in sprite.animations:
                    files = anim.save(folder)
                    written.extend(files)
                    entry["animations"].append({"id": anim.id, "type": anim.type,
                                                "files": [str(f.relative_to(out)) for f in files]})
            variants.append(entry)
        meta = out / f"{self.id}.json"
        meta.write_text(json.dumps({"id": self.id, **self.metadata, "variants": variants}, indent=2,
                                   default=_json_default))
        written.append(meta)
        return written


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (np.integer, np.floating)):
        return obj.item()
    if isinstance(obj, (tuple, set)):
        return list(obj)
    if isinstance(obj, Path):
        return str(obj)
    return repr(obj)
