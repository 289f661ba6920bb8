"""``/v1/generations``: create, poll, list, select."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from ..http import CallerDep, PageDep, paginated
from ..schemas import GenerationBody, SelectBody
from ..services import generations as svc

router = APIRouter(prefix="/v1/generations", tags=["Generations"])


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a sprite generation job")
def create_generation(caller: CallerDep, body: GenerationBody) -> dict[str, Any]:
    """Queue a generation (1 credit per variant). Poll ``GET /v1/generations/:id`` or pass ``webhookUrl``."""
    return svc.create_generation(caller, body)


@router.get("", summary="List generations (paginated)")
def list_generations(caller: CallerDep, page: PageDep) -> dict[str, Any]:
    data, total = svc.list_generations(caller, page.page, page.limit)
    return paginated(data, total, page)


@router.post("/select", status_code=status.HTTP_201_CREATED, summary="Promote a variation to a project sprite")
def select_variation(caller: CallerDep, body: SelectBody) -> dict[str, Any]:
    return svc.select_variation(caller, body)


@router.get("/{generation_id}", summary="Get a generation's status and results")
def get_generation(caller: CallerDep, generation_id: str) -> dict[str, Any]:
    return svc.get_generation(caller, generation_id)
