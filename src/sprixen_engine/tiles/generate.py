"""The tile pipeline: prompt → flat seamless texture → isometric 130×230 projection.

``floor`` and ``wall`` tiles project a texture synthesised from the prompt's material and modifiers
(:mod:`.textures`) or, when the request's backend resolves to SDXL (``backend="sdxl"``, or ``"auto"``
with its weights and a CUDA device; see :meth:`~sprixen_engine.Engine.sprite_backend`), one drawn by
the model with circular padding and brought to ``texture_size`` by a wrap-aware downscale
(:func:`model_texture`); ``prop`` tiles stand a sprite from the sprite backend on the footprint's centre.
The geometry (footprint, baseline, anchor) is :mod:`sprixen_engine.core.isometric`'s and shared by
every tile, so any two tiles line up on the grid.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from typing import Any

import numpy as np
from PIL import Image

from ..core import isometric as iso
from ..requests import TileRequest
from .textures import MaterialSpec, parse_material, synthesize_texture
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
    """Make one tile. ``engine`` (an :class:`~sprixen_engine.Engine`; one is made when needed) draws the sprite
    of ``prop`` tiles and resolves ``request.backend`` for floor/wall textures (``procedural`` needs none)."""
    seed = request.seed if request.seed is not None else secrets.randbelow(2**32)
    if request.projection == "prop":
        return _prop_tile(request, seed, engine)
    spec = parse_material(request.prompt)
    style = texture_style(request.prompt)
    model, engine, note = _texture_backend(request, engine)
    if model is None:
        texture = synthesize_texture(spec.material, size=request.texture_size, seed=seed, modifiers=spec.modifiers,
                                     style=style)
        source: dict[str, Any] = {"backend": "procedural"}
    else:
        texture, source = model_texture(model, spec, prompt=request.prompt, style=style, size=request.texture_size,
                                        seed=seed, resolution=engine.config.generation.model_resolution)
    if note is not None:
        source["backendChoice"] = note
    pixel_art = style == "pixel"
    image = (iso.project_floor(texture, pixel_art=pixel_art) if request.projection == "floor"
             else iso.project_wall(texture, pixel_art=pixel_art))
    label = request.label or _label(spec.material, spec.modifiers)
    metadata = {**source, "material": spec.material, "modifiers": list(spec.modifiers),
                "materialConfidence": round(float(spec.confidence), 3), "matchedBy": spec.matched_by,
                "style": style}
    return _tile(request, seed, image, texture, label, metadata)


def _texture_backend(request: TileRequest, engine: Any) -> tuple[Any, Any, str | None]:
    """``(model, engine, note)``: the model backend that draws the texture (``None``: the procedural
    synthesiser), the engine it came from and the engine's note on the choice (``None`` when the request
    names ``procedural``, which needs no engine)."""
    if request.backend == "procedural":
        return None, engine, None
    if engine is None:
        from ..engine import Engine

        engine = Engine()
    backend, note = engine.sprite_backend(request.backend)      # "sdxl" without weights raises ModelUnavailable
    return (backend if hasattr(backend, "generate_texture") else None), engine, note


def model_texture(backend: Any, spec: MaterialSpec, *, prompt: str, style: str, size: int, seed: int,
                  resolution: int = 1024) -> tuple[np.ndarray, dict[str, Any]]:
    """A seamless ``(size, size, 4)`` texture from a model backend, and its metadata.

    The backend draws the material (``"mossy cracked stone"``) with its ``tile_texture`` template and
    circular padding (:meth:`~sprixen_engine.backends.sdxl.SDXLSpriteBackend.generate_texture`) at the side
    :func:`texture_render_size` picks near ``resolution``, a whole multiple of ``size`` where it can; the
    texture then comes down to ``size`` with a wrap-aware kernel that keeps it seamless: grid-aware
    :func:`~sprixen_engine.core.pixelgrid.pixelize_periodic` for pixel art, an area downscale
    (:func:`~sprixen_engine.core.resize.resize_periodic`) for smooth styles.
    """
    from ..core.pixelgrid import pixelize_periodic
    from ..core.resize import resize_periodic

    subject = " ".join([*spec.modifiers, spec.material.replace("_", " ")])
    words = set(re.findall(r"[a-z]+", prompt.lower()))
    art_style = "pixel" if style == "pixel" else "vector" if "vector" in words else "painterly"
    lim = backend.config.limits
    side = texture_render_size(size, target=resolution, multiple=backend.texture_multiple,
                               lo=int(lim.get("min_side", 64)), hi=int(lim.get("max_side", 2048)))
    raw = backend.generate_texture(subject, seed=seed, size_px=side, art_style=art_style)
    if style == "pixel":
        texture, kernel = pixelize_periodic(raw, (size, size)), "pixelize_periodic"
    else:
        texture, kernel = resize_periodic(raw, (size, size), mode="area"), "resize_periodic_area"
    return texture, {"backend": backend.name, "model": backend.describe(), "artStyle": art_style,
                     "texturePrompt": subject, "nativeSize": f"{raw.shape[1]}x{raw.shape[0]}",
                     "downscale": kernel}


def texture_render_size(size: int, *, target: int = 1024, multiple: int = 32, lo: int = 64, hi: int = 2048) -> int:
    """The side at which a model draws a ``size``-px texture: a multiple of ``multiple`` (where circular
    padding wraps exactly) in ``[max(lo, size), hi]``, nearest to ``target``, preferring sides that are
    whole multiples of ``size`` (an integral downscale factor).

    >>> texture_render_size(64), texture_render_size(100), texture_render_size(250)
    (1024, 800, 1024)
    """
    low = max(lo, size)
    whole = [s for s in range(math.lcm(size, multiple), hi + 1, math.lcm(size, multiple)) if s >= low]
    if whole:
        return min(whole, key=lambda s: (abs(s - target), -s))
    first, last = -(-low // multiple) * multiple, hi // multiple * multiple
    return int(min(max(round(target / multiple) * multiple, first), last))


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
