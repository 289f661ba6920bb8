"""Projects (style lock) and their sprite libraries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ...errors import NotFound
from ..db import Project, Sprite, iso
from ..ids import new_id
from ..schemas import ProjectBody
from ..state import Caller

DEFAULT_PROJECT = "My Sprites"


def project_json(p: Project, *, sprite_count: int | None = None) -> dict[str, Any]:
    out = {"id": p.id, "name": p.name, "description": p.description, "artStyle": p.art_style,
           "resolution": p.resolution, "viewAngle": p.view_angle, "createdAt": iso(p.created_at)}
    if sprite_count is not None:
        out["spriteCount"] = sprite_count
    return out


def sprite_json(caller: Caller, s: Sprite) -> dict[str, Any]:
    return {"id": s.id, "projectId": s.project_id, "generationId": s.generation_id,
            "variationIndex": s.variation_index, "prompt": s.prompt, "imageUrl": caller.url(s.image_path),
            "createdAt": iso(s.created_at)}


def create_project(caller: Caller, body: ProjectBody) -> dict[str, Any]:
    p = Project(id=new_id("prj"), key_id=caller.key.id, name=body.name, description=body.description,
                art_style=body.art_style, resolution=body.resolution, view_angle=body.view_angle)
    with caller.db.session() as s, s.begin():
        s.add(p)
    return project_json(p)


def _owned(caller: Caller, model: type, row_id: str, what: str):
    """The caller's row ``row_id`` of ``model`` (another key's rows are as good as missing: 404)."""
    with caller.db.session() as s:
        row = s.get(model, row_id)
    if row is None or row.key_id != caller.key.id:
        raise NotFound(f"{what} {row_id} not found")
    return row


def get_project_row(caller: Caller, project_id: str) -> Project:
    return _owned(caller, Project, project_id, "Project")


def default_project(caller: Caller) -> Project:
    """The key's default project (created on first use) for selections without a ``projectId``."""
    with caller.db.session() as s:
        p = s.scalar(select(Project).where(Project.key_id == caller.key.id, Project.name == DEFAULT_PROJECT)
                     .order_by(Project.created_at).limit(1))
    if p is not None:
        return p
    p = Project(id=new_id("prj"), key_id=caller.key.id, name=DEFAULT_PROJECT,
                description="Sprites selected without a projectId")
    with caller.db.session() as s, s.begin():
        s.add(p)
    return p


def list_projects(caller: Caller) -> list[dict[str, Any]]:
    with caller.db.session() as s:
        rows = list(s.execute(
            select(Project, func.count(Sprite.id)).outerjoin(Sprite, Sprite.project_id == Project.id)
            .where(Project.key_id == caller.key.id).group_by(Project.id).order_by(Project.created_at)))
    return [project_json(p, sprite_count=int(n)) for p, n in rows]


def get_project(caller: Caller, project_id: str) -> dict[str, Any]:
    p = get_project_row(caller, project_id)
    sprites = list_sprite_rows(caller, project_id)
    return {**project_json(p, sprite_count=len(sprites)), "sprites": [sprite_json(caller, x) for x in sprites]}


def list_sprite_rows(caller: Caller, project_id: str | None = None) -> list[Sprite]:
    cond = [Sprite.key_id == caller.key.id]
    if project_id is not None:
        cond.append(Sprite.project_id == project_id)
    with caller.db.session() as s:
        return list(s.scalars(select(Sprite).where(*cond).order_by(Sprite.created_at)))


def list_sprites(caller: Caller, project_id: str | None = None) -> list[dict[str, Any]]:
    if project_id is not None:
        get_project_row(caller, project_id)
    return [sprite_json(caller, x) for x in list_sprite_rows(caller, project_id)]


def get_sprite_row(caller: Caller, sprite_id: str) -> Sprite:
    return _owned(caller, Sprite, sprite_id, "Sprite")


def style_lock(project: Project) -> dict[str, Any]:
    """The engine's ``project`` argument for a project's style lock."""
    return {k: v for k, v in {"artStyle": project.art_style, "resolution": project.resolution,
                              "viewAngle": project.view_angle, "name": project.name}.items() if v is not None}
