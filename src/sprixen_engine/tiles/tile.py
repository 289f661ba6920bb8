"""The :class:`Tile` result: one isometric 130×230 tile, the flat texture it was projected from, and its files."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from ..core import isometric as iso
from ..errors import invalid

PROJECTIONS = ("floor", "wall", "prop")


@dataclass
class Tile:
    """One isometric tile.

    Attributes
    ----------
    id : stable id, also the file stem (``tile_…``).
    image : RGBA PIL image, 130×230; the footprint geometry is :mod:`sprixen_engine.core.isometric`'s.
    texture : RGBA PIL image the tile was made from: the flat square texture (floor, wall) or the
        object sprite (prop).
    label : display name ("Mossy Stone").
    projection : ``"floor"``, ``"wall"`` or ``"prop"``.
    collision : whether the tile blocks movement.
    metadata : JSON-able details (backend, seed, prompt, ...).
    """

    id: str
    image: Image.Image
    texture: Image.Image
    label: str
    projection: str
    collision: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.projection not in PROJECTIONS:
            raise invalid("projectionType", f"must be one of {list(PROJECTIONS)}", self.projection)

    def save(self, directory: str | Path) -> list[Path]:
        """Write ``{id}.png``, ``{id}_texture.png`` and ``{id}.json``; return the paths.

        The JSON holds the id, label, projection, collision flag, file names, the shared tile geometry
        (``geometry``: size, anchor, footprint centre and vertices, grid step; see
        :func:`sprixen_engine.core.isometric.geometry`) and ``metadata``.
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        image, texture, meta = out / f"{self.id}.png", out / f"{self.id}_texture.png", out / f"{self.id}.json"
        self.image.save(image)
        self.texture.save(texture)
        meta.write_text(json.dumps({"id": self.id, "label": self.label, "projection": self.projection,
                                    "collision": self.collision, "image": image.name, "texture": texture.name,
                                    "geometry": iso.geometry(), "metadata": self.metadata},
                                   indent=2, default=_json_default))
        return [image, texture, meta]

    @classmethod
    def load(cls, directory: str | Path, tile_id: str) -> Tile:
        """Read a tile written by :meth:`save`."""
        folder = Path(directory)
        data = json.loads((folder / f"{tile_id}.json").read_text())
        with Image.open(folder / data["image"]) as img, Image.open(folder / data["texture"]) as tex:
            image, texture = img.convert("RGBA"), tex.convert("RGBA")
        return cls(id=data["id"], image=image, texture=texture, label=data["label"],
                   projection=data["projection"], collision=bool(data["collision"]),
                   metadata=data.get("metadata", {}))


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    if isinstance(obj, (tuple, set)):
        return list(obj)
    return str(obj)
