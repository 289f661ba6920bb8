"""Custom tiles: the Engine makes the 130×230 isometric tile; its files go to the uploads folder as
``<job id>.png`` (the tile), ``<job id>_texture.png`` (the flat texture or prop sprite) and ``<job id>.json``."""

from __future__ import annotations

from typing import Any

from ...requests import TileRequest, parse_request
from ..services import tiles as _presenter  # noqa: F401  registers the "tile" presenter (webhook payloads)
from . import handler, upload_url


@handler("tile")
def run_tile(ctx: Any) -> dict[str, Any]:
    r = parse_request(TileRequest, ctx.request, api_names=True)
    ctx.progress(0.05)
    tile = ctx.engine.generate_tile(r.prompt, label=r.label, projection=r.projection, collision=r.collision,
                                    seed=r.seed, texture_size=r.texture_size, backend=r.backend,
                                    add_to_library=False)        # custom tiles belong to the key, not the machine
    tile.id = ctx.job.id
    tile.save(ctx.uploads)
    meta = tile.metadata
    return {"imageUrl": upload_url(f"{tile.id}.png"), "textureUrl": upload_url(f"{tile.id}_texture.png"),
            "metadataUrl": upload_url(f"{tile.id}.json"), "label": tile.label, "width": tile.image.width,
            "height": tile.image.height, "seed": meta.get("seed"), "backend": meta.get("backend"),
            "material": meta.get("material") or meta.get("subject")}
