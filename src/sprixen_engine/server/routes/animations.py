"""``/v1/sprites/:spriteId/animations`` and ``/v1/animations``: create, poll, list, GIF, process, delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import FileResponse

from ..http import CallerDep
from ..schemas import AnimationBody, ProcessBody
from ..services import animations as svc

router = APIRouter(prefix="/v1", tags=["Animations"])


@router.post("/sprites/{sprite_id}/animations", status_code=status.HTTP_201_CREATED,
             summary="Create an animation job for a sprite")
def create_animation(caller: CallerDep, sprite_id: str, body: AnimationBody) -> dict[str, Any]:
    """Queue an animated sprite sheet (1 credit). ``spriteId``: a sprite (``spr_…``) or a completed
    generation (``gen_…``, its first variation). Poll ``GET /v1/animations/:id`` or pass ``webhookUrl``."""
    return svc.create_animation(caller, sprite_id, body)


@router.get("/sprites/{sprite_id}/animations", summary="List a sprite's animations")
def list_animations(caller: CallerDep, sprite_id: str) -> list[dict[str, Any]]:
    return svc.list_animations(caller, sprite_id)


@router.get("/animations/{animation_id}", summary="Get an animation's status and sprite sheet URL")
def get_animation(caller: CallerDep, animation_id: str) -> dict[str, Any]:
    return svc.get_animation(caller, animation_id)


@router.get("/animations/{animation_id}/gif", summary="Download the animation as an animated GIF",
            response_class=FileResponse, responses={200: {"content": {"image/gif": {}}}})
def get_gif(caller: CallerDep, animation_id: str) -> FileResponse:
    path = svc.gif_path(caller, animation_id)
    return FileResponse(path, media_type="image/gif", filename=f"{animation_id}.gif")


@router.post("/animations/{animation_id}/process", status_code=status.HTTP_201_CREATED,
             summary="Create a processed copy (stabilize | tight | aggressive)")
def process_animation(caller: CallerDep, animation_id: str, body: ProcessBody) -> dict[str, Any]:
    """A non-destructive copy with less padding or drift; the original is untouched."""
    return svc.process_animation(caller, animation_id, body)


@router.delete("/animations/{animation_id}", summary="Delete an animation")
def delete_animation(caller: CallerDep, animation_id: str) -> dict[str, Any]:
    return svc.delete_animation(caller, animation_id)
