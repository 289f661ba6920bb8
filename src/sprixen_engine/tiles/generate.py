"""The tile pipeline: prompt → flat seamless texture → isometric 130×230 projection.

``floor`` and ``wall`` tiles project a texture synthesised from the prompt's material and modifiers
(:mod:`.textures`); ``prop`` tiles stand a sprite from the sprite backend on the footprint's centre.
The geometry (footprint, baseline, anchor) is :mod:`sprixen_engine.core.isometric`'s and shared by
every tile, so any two tiles line up on the grid.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

import numpy as np
from PIL import Image

from ..core import isometric as iso
from ..requests import TileRequest
from .textures import parse_material, synthesize_texture
from .tile import Tile

SMOOTH_WORDS = ("smooth", "painterly", "realistic", "painted", "hd", "vector")
PROP_RESOLUTION = "64x64"


def texture_style(prompt: str) -> str:
    """``smooth`` when the prompt asks for a non-pixel look, else ``pixel``."""
    words = set(re.findall(r"[a-z]+", prompt.lower()))
    return "smooth" if words & set(SMOOTH_WORDS) else "pixel"


def tile_id(request: TileRequest, seed: int) -> str:
    digest = hashlib.sha256(f"{request.model_dump_json()}|{seed}".encode()).hexdigest()
    return f"tile_{digest[:16]}"


def generate_tile(request: TileRequest, *, engine: Any = None) -> Tile:
    """Make one tile. ``engine`` (an :class:`~sprixen_engine.Engine`) draws the sprite of ``prop`` tiles."""
    seed = request.seed if request.seed is not None else secrets.randbelow(2**32)
    if request.projection == "prop":
        return _prop_tile(request, seed, engine)
    spec = parse_material(request.prompt)
    style = texture_style(request.prompt)
    texture = synthesize_texture(spec.material, size=request.texture_size, seed=seed, modifiers=spec.modifiers,
                                 style=style)
    pixel_art = style == "pixel"
    image = (iso.project_floor(texture, pixel_art=pixel_art) if request.projection == "floor"
             else iso.project_wall(texture, pixel_art=pixel_art))
    label = request.label or _label(spec.material, spec.modifiers)
    metadata = {"backend": "procedural", "material": spec.material, "modifiers": list(spec.modifiers),
                "materialConfidence": round(float(spec.confidence), 3), "matchedBy": spec.matched_by,
                "style": style}
    return _tile(request, seed, image, texture, label, metadata)


def _prop_tile(request: TileRequest, seed: int, engine: Any) -> Tile:
    if engine is None:
        from ..engine import Engine

        engine = Engine()
    result = engine.generate(request.prompt, resolution=PROP_RESOLUTION, seed=seed, type="environment",
                             backend=request.backend)
    sprite = np.asarray(result.images[0].convert("RGBA"))
    interp = result.metadata.get("interpretation", {})
    image = iso.place_prop(sprite, scale=prop_scale(sprite, str(interp.get("subject")), engine))
    label = request.label or str(interp.get("subject", "prop")).replace("_", " ").title()
    metadata = {"backend": result.metadata.get("backend"), "subject": interp.get("subject"),
                "subjectConfidence": interp.get("subject_confidence"), "spriteId": result.id}
    return _tile(request, seed, image, sprite, label, metadata)


def prop_scale(sprite: np.ndarray, subject: str, engine: Any) -> int:
    """The whole-number upscale that brings the sprite's opaque height closest to its subject's height in
    ``[prop_heights]`` of ``configs/tile_packs.toml`` while fitting the canvas (trees tall, barrels small)."""
    from ..config import read_toml

    heights = read_toml(engine.config.config_dir / "tile_packs.toml").get("prop_heights", {})
    target = float(heights.get(subject, heights.get("default", 80)))
    rows, cols = np.nonzero(sprite[..., 3].any(axis=1))[0], np.nonzero(sprite[..., 3].any(axis=0))[0]
    if rows.size == 0:
        return 1
    h, w = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    fit = max(1, min(iso.TILE_W // w, (iso.FOOT_CENTER[1] - 4) // h))
    return int(min(fit, max(1, round(target / h))))


def _tile(request: TileRequest, seed: int, image: np.ndarray, texture: np.ndarray, label: str,
          metadata: dict[str, Any]) -> Tile:
    metadata = {**metadata, "prompt": request.prompt, "projection": request.projection, "seed": seed,
                "collision": request.collision, "size": f"{iso.TILE_W}x{iso.TILE_H}", **anchor_metadata()}
    return Tile(id=tile_id(request, seed), image=Image.fromarray(image, "RGBA"),
                texture=Image.fromarray(texture, "RGBA"), label=label, projection=request.projection,
                collision=request.collision, metadata=metadata)


def anchor_metadata() -> dict[str, Any]:
    """The shared geometry, for engines placing the tiles (see :func:`sprixen_engine.core.isometric.geometry`)."""
    return {"geometry": iso.geometry()}


def _label(material: str, modifiers: tuple[str, ...] | list[str]) -> str:
    return " ".join([*modifiers, material.replace("_", " ")]).title()
