"""Animations of sprites: create (queue), poll, list per sprite, GIF, processed copies, delete.

An animation is a job of kind ``animation`` whose ``parent_id`` is the sprite. A processed copy
(``POST /v1/animations/:id/process``) is made at once and stored as a completed job of the same kind
(id ``anim_processed_…``, files ``processed_….*``), so it is read, listed, downloaded and deleted
like any animation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from ...errors import InvalidRequest, NotFound
from ..db import Job, Sprite, utcnow
from ..files import local_upload
from ..ids import new_id
from ..present import common, present_job, presenter
from ..schemas import AnimationBody, ProcessBody, SelectBody
from ..state import Caller
from ..work.animation import load_animation, save_animation, type_defaults
from . import projects

#: result keys shown as absolute URLs, and as they are
URL_FIELDS = ("spriteSheetUrl", "gifUrl", "atlasUrl", "godotUrl", "rigUrl", "metadataUrl")
DETAIL_FIELDS = ("frameWidth", "frameHeight", "durationsMs", "loop", "archetype", "archetypeSource", "direction",
                 "weaponHand", "weaponType", "hasShield", "approximatedDirections")


@presenter("animation")
def present_animation(job: Job, url) -> dict[str, Any]:
    """``GET /v1/animations/:id``: status, type, frame count and fps; files and details once completed."""
    req, res = job.request or {}, job.result or {}
    out = {**common(job), "type": req.get("type", "walk"), "spriteId": job.parent_id,
           "frameCount": res.get("frameCount", req.get("frameCount")), "fps": res.get("fps", req.get("fps"))}
    out.update({k: url(res[k]) for k in URL_FIELDS if k in res})
    out.update({k: res[k] for k in DETAIL_FIELDS if k in res})
    if req.get("processedFrom"):
        out.update(processedFrom=req["processedFrom"], mode=req.get("mode"))
    return out


def resolve_sprite(caller: Caller, sprite_id: str, *, select_generation: bool = True) -> Sprite | None:
    """The caller's sprite ``spr_…``; a ``gen_…`` id means variation 0 of that completed generation,
    selected into its project (or the default one) on first use unless ``select_generation`` is false
    (then ``None`` when it was never selected). Unknown ids: 404."""
    if not sprite_id.startswith("gen_"):
        return projects.get_sprite_row(caller, sprite_id)
    gen = caller.queue.get(caller.key.id, sprite_id, "generation", what="Sprite")
    with caller.db.session() as s:
        sprite = s.scalar(select(Sprite).where(Sprite.key_id == caller.key.id, Sprite.generation_id == gen.id,
                                               Sprite.variation_index == 0).order_by(Sprite.created_at).limit(1))
    if sprite is not None or not select_generation:
        return sprite
    if gen.status != "completed":
        raise InvalidRequest(f"spriteId: generation {gen.id} is {gen.status}; animate it once it has completed",
                             field="spriteId")
    from .generations import select_variation

    chosen = select_variation(caller, SelectBody(generation_id=gen.id, variation_index=0))
    return projects.get_sprite_row(caller, chosen["spriteId"])


def create_animation(caller: Caller, sprite_id: str, body: AnimationBody) -> dict[str, Any]:
    """Queue an animation of a sprite (``settings.prices["animation"]`` credits, refunded on failure)."""
    sprite = resolve_sprite(caller, sprite_id)
    assert sprite is not None
    if local_upload(caller.settings, sprite.image_path) is None:
        raise NotFound(f"The image of sprite {sprite.id} ({sprite.image_path}) is missing; it cannot be animated")
    request = body.model_dump(by_alias=True, exclude_none=True, exclude={"webhook_url"})
    frames, fps = type_defaults(caller.state.engine(), body.type)
    request.setdefault("frameCount", frames)
    request.setdefault("fps", fps)
    request.update(spriteId=sprite.id, spriteImageUrl=sprite.image_path)
    job = caller.queue.submit(kind="animation", key_id=caller.key.id, request=request,
                              cost=caller.settings.prices.get("animation", 1), base_url=caller.base_url,
                              webhook_url=body.webhook_url, parent_id=sprite.id)
    return present_job(job, caller.base_url)


def _job(caller: Caller, animation_id: str) -> Job:
    return caller.queue.get(caller.key.id, animation_id, "animation", what="Animation")


def get_animation(caller: Caller, animation_id: str) -> dict[str, Any]:
    return present_job(_job(caller, animation_id), caller.base_url)


def list_animations(caller: Caller, sprite_id: str) -> list[dict[str, Any]]:
    """Every animation of the sprite (processed copies included), newest first."""
    sprite = resolve_sprite(caller, sprite_id, select_generation=False)
    if sprite is None:
        return []
    with caller.db.session() as s:
        rows = list(s.scalars(select(Job).where(
            Job.key_id == caller.key.id, Job.kind == "animation", Job.parent_id == sprite.id,
            Job.deleted.is_(False)).order_by(Job.created_at.desc(), Job.id)))
    return [present_job(j, caller.base_url) for j in rows]


def _completed(caller: Caller, animation_id: str, wanted: str) -> Job:
    """The completed animation, or 404 saying why ``wanted`` is not there yet."""
    job = _job(caller, animation_id)
    if job.status == "failed":
        raise NotFound(f"Animation {job.id} failed ({job.error}); it has no {wanted}")
    if job.status != "completed":
        raise NotFound(f"Animation {job.id} is {job.status}; its {wanted} is ready when its status is completed "
                       f"(poll GET /v1/animations/{job.id})")
    return job


def gif_path(caller: Caller, animation_id: str) -> Path:
    """The GIF file of a completed animation."""
    job = _completed(caller, animation_id, "GIF")
    path = local_upload(caller.settings, job.result["gifUrl"])
    if path is None:
        raise NotFound(f"The GIF of animation {job.id} is missing from the uploads folder")
    return path


def process_animation(caller: Caller, animation_id: str, body: ProcessBody) -> dict[str, Any]:
    """A processed copy (stabilize | tight | aggressive) of a completed animation, made now, free of
    charge; the original is untouched."""
    job = _completed(caller, animation_id, "frames to process")
    uploads = caller.settings.uploads_dir
    anim = caller.state.engine().process_animation(load_animation(uploads, job.result), body.mode)
    copy_id = new_id("anim_processed")
    anim.id = copy_id.removeprefix("anim_")
    now = utcnow()
    request = {"type": anim.type, "frameCount": len(anim.frames), "fps": anim.fps, "processedFrom": job.id,
               "mode": body.mode}
    row = Job(id=copy_id, kind="animation", key_id=caller.key.id, status="completed", request=request,
              result=save_animation(anim, uploads), cost=0, parent_id=job.parent_id, base_url=caller.base_url,
              progress=1.0, created_at=now, started_at=now, completed_at=now)
    with caller.db.session() as s, s.begin():
        s.add(row)
    return present_job(row, caller.base_url)


def delete_animation(caller: Caller, animation_id: str) -> dict[str, Any]:
    """Delete an animation and its files; one not finished yet is failed first (its credits refunded)."""
    job = caller.queue.delete(caller.key.id, animation_id, "animation", what="Animation")
    uploads = caller.settings.uploads_dir
    files = [uploads / n for n in job.result["files"]] if job.result else [
        *uploads.glob(f"{job.id}.*"), uploads / f"{job.id}_parts.png"]  # a worker may have written them
    for path in files:
        path.unlink(missing_ok=True)
    return {"id": job.id, "deleted": True}
