"""``/v1/music``: create, poll, list, download, delete."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse

from ..http import CallerDep, PageDep, paginated
from ..schemas import MusicBody
from ..services import music as svc

router = APIRouter(prefix="/v1/music", tags=["Music"])


@router.post("", status_code=status.HTTP_201_CREATED, summary="Generate a music track")
def create_music(caller: CallerDep, body: MusicBody) -> dict[str, Any]:
    """Queue a track from a preset and/or a prompt (3 credits). Poll ``GET /v1/music/:id`` or pass
    ``webhookUrl``. ``referenceAudioUrl``: audio whose tempo and key the track follows."""
    return svc.create_music(caller, body)


@router.get("", summary="List music tracks (paginated)")
def list_music(caller: CallerDep, page: PageDep) -> dict[str, Any]:
    data, total = svc.list_music(caller, page.page, page.limit)
    return paginated(data, total, page)


@router.get("/{music_id}", summary="Get a track's status and audio URL")
def get_music(caller: CallerDep, music_id: str) -> dict[str, Any]:
    return svc.get_music(caller, music_id)


@router.get("/{music_id}/download", status_code=status.HTTP_302_FOUND,
            summary="Get a direct download URL for the audio file")
def download_music(caller: CallerDep, music_id: str, format: Literal["flac", "mid"] = "flac") -> JSONResponse:
    """A 302 redirect to the FLAC (``format=mid``: the MIDI file) whose body is ``{"url": …}``:
    ``curl -L …/download -o track.flac`` saves the audio, a client that does not follow redirects
    reads the URL from the body or the ``Location`` header."""
    url = svc.download_url(caller, music_id, format)
    return JSONResponse({"url": url}, status_code=status.HTTP_302_FOUND, headers={"Location": url})


@router.delete("/{music_id}", summary="Delete a music track")
def delete_music(caller: CallerDep, music_id: str) -> dict[str, Any]:
    return svc.delete_music(caller, music_id)
