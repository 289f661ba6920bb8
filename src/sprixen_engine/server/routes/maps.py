"""``/v1/maps``: the World Builder — create, list, get, patch, delete, AI edit, export, preview."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from ..http import CallerDep
from ..schemas import MapBody, MapEditBody, MapPatchBody
from ..services import maps as svc

router = APIRouter(prefix="/v1/maps", tags=["World Builder (Maps)"])

LayerEncoding = Annotated[str, Query(alias="layerEncoding", max_length=20,
                                     description="grid (rows of tile ids, default) or compact (raw / rle)")]
PNG = {200: {"content": {"image/png": {}}}}


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a map")
def create_map(caller: CallerDep, body: MapBody) -> dict[str, Any]:
    """Generate a map (isometric, top_down, side_view or world; 4–512 cells a side) from ``seed``."""
    return svc.create_map(caller, body)


@router.get("", summary="List your maps")
def list_maps(caller: CallerDep) -> list[dict[str, Any]]:
    return svc.list_maps(caller)


@router.get("/{map_id}", summary="Get a map with its tileset and layers")
def get_map(caller: CallerDep, map_id: str, layer_encoding: LayerEncoding = "grid") -> dict[str, Any]:
    return svc.get_map(caller, map_id, layer_encoding)


@router.patch("/{map_id}", summary="Rename, change tile pack, or replace layers (a new version)")
def patch_map(caller: CallerDep, map_id: str, body: MapPatchBody) -> dict[str, Any]:
    """``layers``: ``{"terrain": [[tile id, …], …], "entities": [{type, x, y}, …]}``; tile ids index the
    map's ``tiles`` (0 = empty). The collision layer is recomputed unless sent."""
    return svc.patch_map(caller, map_id, body)


@router.delete("/{map_id}", summary="Delete a map")
def delete_map(caller: CallerDep, map_id: str) -> dict[str, Any]:
    return svc.delete_map(caller, map_id)


@router.post("/{map_id}/ai-edit", status_code=status.HTTP_201_CREATED, summary="Edit a map in plain English")
def start_edit(caller: CallerDep, map_id: str, body: MapEditBody) -> dict[str, Any]:
    """Queue an edit such as "Add a river running through the center"; poll
    ``GET /v1/maps/:id/ai-edit/:jobId``. Text the editor cannot parse is a 400 listing what it understands."""
    return svc.start_edit(caller, map_id, body)


@router.get("/{map_id}/ai-edit/{job_id}", summary="Get an AI edit's status and result")
def get_edit(caller: CallerDep, map_id: str, job_id: str) -> dict[str, Any]:
    return svc.get_edit(caller, map_id, job_id)


@router.get("/{map_id}/export/{format}", summary="Export a map (zip)",
            responses={200: {"content": {"application/zip": {}}}})
def export_map(caller: CallerDep, map_id: str, format: str,
               layer_encoding: Annotated[str, Query(alias="layerEncoding", max_length=20)] = "csv") -> Response:
    """``format``: json | tmx (Tiled) | godot | unity | gamemaker; ``layerEncoding``: csv | base64-zlib."""
    data, name = svc.export_map(caller, map_id, format, layer_encoding)
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/{map_id}/preview", summary="A PNG picture of the map", responses=PNG)
def preview(caller: CallerDep, map_id: str,
            max_side: Annotated[int, Query(alias="maxSide", ge=64, le=4096)] = 1024) -> Response:
    return Response(svc.preview_png(caller, map_id, max_side), media_type="image/png")


@router.get("/{map_id}/tiles/{tile_id}", summary="One tile image of the map's tileset", responses=PNG)
def tile_image(caller: CallerDep, map_id: str, tile_id: int) -> Response:
    return Response(svc.tile_png(caller, map_id, tile_id), media_type="image/png")
