"""Sprite generations: create (queue), poll, list, select a variation into a project."""

from __future__ import annotations

from typing import Any

from ...errors import InvalidRequest
from ..db import Sprite
from ..ids import new_id
from ..present import present_job
from ..schemas import GenerationBody, SelectBody
from ..state import Caller
from . import projects


def create_generation(caller: Caller, body: GenerationBody) -> dict[str, Any]:
    """Queue a generation; costs ``variantCount`` credits (1 when chaining animations)."""
    request = body.engine_fields()
    if body.project_id:
        project = projects.get_project_row(caller, body.project_id)
        request["projectId"] = project.id
        request["project"] = projects.style_lock(project)
    if body.reference_image_url:
        request["referenceImageUrl"] = body.reference_image_url
    price = caller.settings.prices.get("generation", 1)
    job = caller.queue.submit(kind="generation", key_id=caller.key.id, request=request,
                              cost=price * int(request.get("variantCount", 1)), base_url=caller.base_url,
                              webhook_url=body.webhook_url)
    return present_job(job, caller.base_url)


def get_generation(caller: Caller, generation_id: str) -> dict[str, Any]:
    return present_job(caller.queue.get(caller.key.id, generation_id, "generation", what="Generation"),
                       caller.base_url)


def list_generations(caller: Caller, page: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    rows, total = caller.queue.page(caller.key.id, "generation", page=page, limit=limit)
    return [present_job(j, caller.base_url) for j in rows], total


def select_variation(caller: Caller, body: SelectBody) -> dict[str, Any]:
    """Promote variation ``variationIndex`` of a completed generation to a sprite in a project."""
    job = caller.queue.get(caller.key.id, body.generation_id, "generation", what="Generation")
    if job.status != "completed":
        raise InvalidRequest(f"generationId: generation {job.id} is {job.status}; only a completed generation "
                             "can be selected", field="generationId")
    urls = (job.result or {}).get("resultUrls", [])
    if body.variation_index >= len(urls):
        raise InvalidRequest(f"variationIndex: must be 0–{len(urls) - 1} for this generation "
                             f"(got {body.variation_index})", field="variationIndex")
    project_id = body.project_id or (job.request or {}).get("projectId")
    project = projects.get_project_row(caller, project_id) if project_id else projects.default_project(caller)
    sprite = Sprite(id=new_id("spr"), key_id=caller.key.id, project_id=project.id, generation_id=job.id,
                    variation_index=body.variation_index, image_path=urls[body.variation_index],
                    prompt=(job.request or {}).get("prompt", ""))
    with caller.db.session() as s, s.begin():
        s.add(sprite)
    return {"spriteId": sprite.id, "projectId": project.id, "imageUrl": caller.url(sprite.image_path)}
