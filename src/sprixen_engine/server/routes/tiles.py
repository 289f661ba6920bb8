"""``/v1/tile-packs`` (generate a tile, list packs) and ``/v1/tiles`` (poll and list tile jobs).

The reference names no poll endpoint for tiles; ``GET /v1/tiles/:id`` is this server's (the ``tile_…`` id
that ``POST /v1/tile-packs/generate`` returns), and webhooks (``tile.completed``) work as for generations.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from ..http import CallerDep, PageDep, paginated
from ..schemas import TileBody
from ..services import tiles as svc

router = APIRouter(tags=["Tiles"])


@router.post("/v1/tile-packs/generate", status_code=status.HTTP_201_CREATED, summary="Generate a custom tile")
def generate_tile(caller: CallerDep, body: TileBody) -> dict[str, Any]:
    """Queue a 130×230 isometric tile (1 credit). Poll ``GET /v1/tiles/:id`` or pass ``webhookUrl``; when
    completed it is in your ``custom`` pack."""
    return svc.generate_tile(caller, body)


@router.get("/v1/tile-packs", summary="List tile packs (built-in and your custom tiles)")
def list_tile_packs(caller: CallerDep) -> list[dict[str, Any]]:
    return svc.list_tile_packs(caller)


@router.get("/v1/tiles", summary="List your tile jobs (paginated)")
def list_tiles(caller: CallerDep, page: PageDep) -> dict[str, Any]:
    data, total = svc.list_tiles(caller, page.page, page.limit)
    return paginated(data, total, page)


@router.get("/v1/tiles/{tile_id}", summary="Get a tile job's status and files")
def get_tile(caller: CallerDep, tile_id: str) -> dict[str, Any]:
    return svc.get_tile(caller, tile_id)
