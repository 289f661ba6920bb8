"""Music tracks: the Engine composes and renders the track; FLAC, MIDI and stems go to the uploads folder."""

from __future__ import annotations

import io
from typing import Any

from ...errors import InvalidRequest
from ...requests import MusicRequest, parse_request
from ..files import fetch_bytes
from . import handler, upload_url


def _reference_audio(ctx: Any, url: str) -> tuple[Any, int]:
    """``referenceAudioUrl`` decoded to ``(samples (channels, n), rate)``."""
    import soundfile as sf

    data = fetch_bytes(ctx.settings, url, field="referenceAudioUrl")
    try:
        samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except Exception:  # soundfile raises several types for unreadable input
        raise InvalidRequest("referenceAudioUrl: is not an audio file soundfile can read (FLAC, WAV, OGG)",
                             field="referenceAudioUrl") from None
    return samples.T, int(rate)


@handler("music")
def run_music(ctx: Any) -> dict[str, Any]:
    body = ctx.request
    url = body.pop("referenceAudioUrl", None)
    reference = _reference_audio(ctx, url) if url else None
    request = parse_request(MusicRequest, body, api_names=True)
    ctx.progress(0.05)
    track = ctx.engine.generate_music(**request.model_dump(exclude={"reference_audio"}), reference_audio=reference)
    track.id = ctx.job.id
    written = track.save(ctx.uploads)          # mus_x.flac, mus_x.mid (procedural), mus_x_<group>.flac per stem
    meta = track.metadata
    return {"audioUrl": upload_url(written[0].name),
            "midiUrl": upload_url(f"{track.id}.mid") if track.score is not None else None,
            "stemUrls": {group: upload_url(f"{track.id}_{group}.flac") for group in track.stems},
            "duration": round(track.duration, 3), "sampleRate": track.sample_rate, "bpm": meta.get("bpm"),
            "key": meta.get("key"), "preset": meta.get("preset"), "seed": meta.get("seed"),
            "backend": meta.get("backend")}
