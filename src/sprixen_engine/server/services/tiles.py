"""Tiles: generate a custom isometric tile (a job), poll it, and list the tile packs.

Built-in packs come from the Engine (made once, cached in the engine's data folder); their PNGs are
copied once per process to ``/public/uploads/packs/<pack>/<tile>.png`` so clients can download them.
Custom tiles are scoped to the key: the ``custom`` pack is the key's completed tile jobs (the server
never adds them to the engine's own, machine-wide tile library).
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..db import Job, iso
from ..present import common, present_job, presenter
from ..schemas import TileBody
from ..state import Caller
from ..work import upload_url

CUSTOM_PACK = {"id": "custom", "name": "Custom Tiles", "isBuiltIn": False}

#: (uploads folder, pack id) whose PNGs this process has written
_PUBLISHED: set[tuple[str, str]] = set()
_PUBLISH_LOCK = threading.Lock()


@presenter("tile")
def tile_json(job: Job, url) -> dict[str, Any]:
    """A tile job: the reference's ``{id, status, label, createdAt}`` plus the files once completed."""
    req, res = job.request or {}, job.result or {}
    out = {**common(job), "label": res.get("label", req.get("tileLabel")), "prompt": req.get("prompt"),
           "projectionType": req.get("projectionType", "floor"), "collision": bool(req.get("collision", False))}
    if res:
        out.update({"imageUrl": url(res["imageUrl"]), "textureUrl": url(res["textureUrl"]),
                    "metadataUrl": url(res["metadataUrl"]),
                    **{k: res.get(k) for k in ("width", "height", "seed", "backend", "material")}})
    return out


def generate_tile(caller: Caller, body: TileBody) -> dict[str, Any]:
    """Queue a tile job (``prices["tile"]`` credits)."""
    request = body.model_dump(by_alias=True, exclude_none=True, exclude={"webhook_url"})
    job = caller.queue.submit(kind="tile", key_id=caller.key.id, request=request,
                              cost=caller.settings.prices.get("tile", 1), base_url=caller.base_url,
                              webhook_url=body.webhook_url)
    return present_job(job, caller.base_url)


def get_tile(caller: Caller, tile_id: str) -> dict[str, Any]:
    return present_job(caller.queue.get(caller.key.id, tile_id, "tile", what="Tile"), caller.base_url)


def list_tiles(caller: Caller, page: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    rows, total = caller.queue.page(caller.key.id, "tile", page=page, limit=limit)
    return [present_job(j, caller.base_url) for j in rows], total


def list_tile_packs(caller: Caller) -> list[dict[str, Any]]:
    """Every built-in pack (free) and the key's ``custom`` pack, each ``{id, name, isBuiltIn, tiles}``."""
    from ...tiles.packs import pack_specs

    engine = caller.state.engine()
    packs = []
    for pack_id in pack_specs(engine.config.config_dir):
        pack = engine.tile_pack(pack_id)
        publish_pack(caller.settings.uploads_dir, pack)
        packs.append({"id": pack.id, "name": pack.name, "isBuiltIn": True, "tiles": [
            tile_entry(caller, t.id, t.label, t.projection, t.collision, f"packs/{pack.id}/{t.id}",
                       terrain=t.metadata.get("terrain")) for t in pack.tiles]})
    return [*packs, {**CUSTOM_PACK, "tiles": custom_tiles(caller)}]


def custom_tiles(caller: Caller) -> list[dict[str, Any]]:
    """The key's completed tile jobs, oldest first, as pack tiles."""
    with caller.db.session() as s:
        jobs = list(s.scalars(select(Job).where(Job.key_id == caller.key.id, Job.kind == "tile",
                                                Job.status == "completed", Job.deleted.is_(False))
                              .order_by(Job.created_at, Job.id)))
    out = []
    for job in jobs:
        req, res = job.request or {}, job.result or {}
        out.append({**tile_entry(caller, job.id, res.get("label"), req.get("projectionType", "floor"),
                                 bool(req.get("collision", False)), job.id),
                    "prompt": req.get("prompt"), "createdAt": iso(job.created_at)})
    return out


def tile_entry(caller: Caller, tile_id: str, label: str | None, projection: str, collision: bool, stem: str,
               *, terrain: str | None = None) -> dict[str, Any]:
    """One tile of a pack; ``stem``: its files' path under the uploads folder, without ``.png``."""
    out = {"id": tile_id, "label": label, "imageUrl": caller.url(upload_url(f"{stem}.png")),
           "textureUrl": caller.url(upload_url(f"{stem}_texture.png")), "projectionType": projection,
           "collision": collision}
    if terrain is not None:
        out["terrain"] = terrain
    return out


def publish_pack(uploads: Path, pack: Any) -> None:
    """Write a built-in pack's tile and texture PNGs under ``uploads/packs/<pack id>/`` (once per process;
    atomically, so a concurrent download never sees half a file)."""
    key = (str(uploads), pack.id)
    with _PUBLISH_LOCK:
        if key in _PUBLISHED:
            return
        folder = uploads / "packs" / pack.id
        folder.mkdir(parents=True, exist_ok=True)
        for t in pack.tiles:
            _save_png(t.image, folder / f"{t.id}.png")
            _save_png(t.texture, folder / f"{t.id}_texture.png")
        _PUBLISHED.add(key)


def _save_png(image: Any, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            image.save(fh, format="PNG")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
