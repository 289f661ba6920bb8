"""``/v1/projects``: list, get (with sprites), create (style lock), and a project's sprites."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from ..http import CallerDep
from ..schemas import ProjectBody
from ..services import projects as svc

router = APIRouter(prefix="/v1/projects", tags=["Projects"])


@router.get("", summary="List projects (with sprite counts)")
def list_projects(caller: CallerDep) -> list[dict[str, Any]]:
    return svc.list_projects(caller)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a project with an optional Style Lock")
def create_project(caller: CallerDep, body: ProjectBody) -> dict[str, Any]:
    """Generations with this ``projectId`` inherit its art style, resolution and view angle."""
    return svc.create_project(caller, body)


@router.get("/{project_id}", summary="Get a project with its sprite library")
def get_project(caller: CallerDep, project_id: str) -> dict[str, Any]:
    return svc.get_project(caller, project_id)


@router.get("/{project_id}/sprites", summary="List a project's sprites")
def list_sprites(caller: CallerDep, project_id: str) -> list[dict[str, Any]]:
    return svc.list_sprites(caller, project_id)
