"""Music tracks: create (queue, 3 credits), poll, list, download, delete; and their public JSON."""

from __future__ import annotations

from typing import Any

from ...errors import InvalidRequest
from ..db import Job
from ..files import local_upload
from ..present import common, present_job, presenter
from ..schemas import MusicBody
from ..state import Caller

#: what ``GET /v1/music/:id/download?format=…`` serves, and the result field that holds it
DOWNLOAD_FORMATS = {"flac": "audioUrl", "mid": "midiUrl"}


def _number(v: Any) -> Any:
    """``30.0`` → ``30`` (the reference writes whole numbers); anything else unchanged."""
    return int(v) if isinstance(v, float) and v.is_integer() else v


@presenter("music")
def _music(job: Job, url) -> dict[str, Any]:
    """The reference's music JSON (``audioUrl``, ``duration``, ``completedAt`` …) plus what the engine
    reports: the preset, bpm and key it used, MIDI and stem URLs, seed and backend."""
    req, res = job.request or {}, job.result or {}
    return {**common(job), "prompt": req.get("prompt"), "presetSlug": res.get("preset", req.get("presetSlug")),
            "bpm": _number(res.get("bpm", req.get("bpm"))), "key": res.get("key", req.get("key")),
            "duration": _number(res.get("duration", req.get("duration"))), "loop": req.get("loop", False),
            "audioUrl": url(res.get("audioUrl")), "midiUrl": url(res.get("midiUrl")),
            "stemUrls": {group: url(u) for group, u in res.get("stemUrls", {}).items()},
            "seed": res.get("seed", req.get("seed")), "backend": res.get("backend")}


def create_music(caller: Caller, body: MusicBody) -> dict[str, Any]:
    """Queue a track; costs ``prices["music"]`` credits (3), given back if it fails."""
    if body.prompt is None and body.preset is None:
        raise InvalidRequest("prompt: give a prompt or a presetSlug (one of the ten presets)", field="prompt")
    request = body.model_dump(by_alias=True, exclude_none=True, exclude={"webhook_url", "reference_audio"})
    job = caller.queue.submit(kind="music", key_id=caller.key.id, request=request,
                              cost=caller.settings.prices.get("music", 3), base_url=caller.base_url,
                              webhook_url=body.webhook_url)
    return present_job(job, caller.base_url)


def _job(caller: Caller, music_id: str) -> Job:
    return caller.queue.get(caller.key.id, music_id, "music", what="Music track")


def get_music(caller: Caller, music_id: str) -> dict[str, Any]:
    return present_job(_job(caller, music_id), caller.base_url)


def list_music(caller: Caller, page: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    rows, total = caller.queue.page(caller.key.id, "music", page=page, limit=limit)
    return [present_job(j, caller.base_url) for j in rows], total


def download_url(caller: Caller, music_id: str, fmt: str = "flac") -> str:
    """The absolute URL of a completed track's FLAC (or ``fmt="mid"``: its MIDI file)."""
    job = _job(caller, music_id)
    if job.status != "completed":
        raise InvalidRequest(f"id: music track {job.id} is {job.status}; it can be downloaded once completed",
                             field="id")
    path = (job.result or {}).get(DOWNLOAD_FORMATS[fmt])
    if path is None:
        raise InvalidRequest(f"format: track {job.id} has no {fmt} file (MusicGen tracks are audio only)",
                             field="format")
    return caller.url(path)


def delete_music(caller: Caller, music_id: str) -> dict[str, Any]:
    """Delete a track and its files (FLAC, MIDI, stems)."""
    job = caller.queue.delete(caller.key.id, music_id, "music", what="Music track")
    res = job.result or {}
    for path in [res.get("audioUrl"), res.get("midiUrl"), *res.get("stemUrls", {}).values()]:
        target = local_upload(caller.settings, path) if path else None
        if target is not None:
            target.unlink(missing_ok=True)
    return {"id": job.id, "deleted": True}
