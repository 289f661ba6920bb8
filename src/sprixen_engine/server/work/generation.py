"""Sprite generations: the Engine renders the variants (and chained animations) into the uploads folder."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from ...errors import InvalidRequest
from ...requests import GenerationRequest, parse_request
from ..files import fetch_bytes
from . import handler, upload_url

#: request keys the service stores that are not GenerationRequest fields
SERVER_ONLY = ("projectId", "referenceImageUrl")


@handler("generation")
def run_generation(ctx: Any) -> dict[str, Any]:
    body = ctx.request
    fields = {k: v for k, v in body.items() if k not in SERVER_ONLY}
    if body.get("referenceImageUrl"):
        data = fetch_bytes(ctx.settings, body["referenceImageUrl"], field="referenceImageUrl")
        try:
            fields["referenceImage"] = Image.open(io.BytesIO(data)).convert("RGBA")
        except Exception:
            raise InvalidRequest("referenceImageUrl: is not an image Pillow can read",
                                 field="referenceImageUrl") from None
    request = parse_request(GenerationRequest, fields, api_names=True)
    result = ctx.engine.run_generation(request)
    result.id = ctx.job.id
    result.save(ctx.uploads)
    urls = [upload_url(f"{ctx.job.id}_v{n}.png") for n in range(1, len(result.sprites) + 1)]
    animations = []
    for n, sprite in enumerate(result.sprites, start=1):
        for anim in sprite.animations:
            folder = f"{ctx.job.id}_v{n}_animations"
            animations.append({"variationIndex": n - 1, "id": anim.id, "type": anim.type, "frameCount": len(anim.frames),
                               "fps": anim.fps, "spriteSheetUrl": upload_url(f"{folder}/{anim.id}.png"),
                               "gifUrl": upload_url(f"{folder}/{anim.id}.gif"),
                               "atlasUrl": upload_url(f"{folder}/{anim.id}.json")})
    meta = result.metadata
    return {"resultUrls": urls, "metadataUrl": upload_url(f"{ctx.job.id}.json"), "animations": animations,
            "seed": meta.get("seed"), "backend": meta.get("backend"),
            "variants": [{k: s.metadata.get(k) for k in ("archetype", "facing", "width", "height", "seed")
                          if k in s.metadata} for s in result.sprites]}
