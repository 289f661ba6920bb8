"""The music pipeline: request → preset + modifiers → score → audio (procedural) or MusicGen audio,
mastered to the same loudness, as a :class:`Track`.

1. a free prompt is matched to the nearest preset plus modifiers (:func:`.presets.match_prompt`); an explicit
   preset wins, the prompt's modifiers still apply;
2. reference audio (optional) gives the tempo and key to follow, unless the request names them;
3. procedural: :func:`.compose.compose` → :func:`.synth.render` (44.1 kHz stereo, −16 LUFS, ≤ −1 dBTP);
   MusicGen: :class:`~sprixen_engine.backends.musicgen.MusicGenBackend` → resampled to 44.1 kHz → the same
   master bus.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import numpy as np

from ..core.image import ImageLike  # noqa: F401  (typing only: kept out of the public API)
from ..errors import invalid
from ..requests import MusicRequest
from .track import Track

SAMPLE_RATE = 44100


def track_id(request: MusicRequest, seed: int) -> str:
    payload = request.model_dump_json(exclude={"reference_audio"}) + f"|{seed}"
    return f"mus_{hashlib.sha256(payload.encode()).hexdigest()[:16]}"


def load_reference(reference: Any) -> tuple[np.ndarray, int]:
    """Reference audio (a path, or a ``(samples, sample_rate)`` pair) → float32 ``(channels, n)``, rate."""
    import soundfile as sf

    if isinstance(reference, tuple) and len(reference) == 2:
        samples, sr = reference
        data = np.asarray(samples, np.float32)
        return (data[None] if data.ndim == 1 else data), int(sr)
    try:
        data, sr = sf.read(str(reference), dtype="float32", always_2d=True)
    except Exception as exc:  # soundfile raises several types for unreadable input
        raise invalid("reference_audio", f"must be a readable audio file (FLAC, WAV, OGG) ({exc})",
                      str(reference)) from exc
    return data.T, int(sr)


def generate_music(request: MusicRequest, *, engine: Any) -> Track:
    """Make one track. ``engine`` supplies the config and the MusicGen weights registry."""
    from .analysis import analyse_reference
    from .presets import match_prompt
    from .theory import key_name, parse_key

    seed = request.seed if request.seed is not None else secrets.randbelow(2**32)
    if request.preset is None and request.prompt is None:
        raise invalid("prompt", "give a prompt or a preset (one of the ten presets)", None)
    match = match_prompt(request.prompt) if request.prompt else None
    preset = request.preset or match.preset
    modifiers = tuple(match.modifiers) if match else ()
    bpm, key = request.bpm, request.key
    if key is not None:
        tonic, mode = parse_key(key)                      # InvalidRequest naming "key" for bad names
        key = key_name(tonic, mode)
    reference = None
    if request.reference_audio is not None:
        samples, sr = load_reference(request.reference_audio)
        reference = analyse_reference(samples, sr)
        bpm = bpm if bpm is not None else round(float(reference.bpm), 2)
        key = key if key is not None else key_name(reference.key_tonic, reference.mode)
    backend, note = engine.music_backend(request.backend)
    metadata: dict[str, Any] = {"preset": preset, "modifiers": list(modifiers), "seed": seed,
                                "duration": request.duration, "loop": request.loop, "bitDepth": request.bit_depth,
                                "backendChoice": note, "prompt": request.prompt}
    if match is not None:
        metadata["promptMatch"] = {"preset": match.preset, "confidence": round(float(match.confidence), 3),
                                   "matchedBy": match.matched_by}
    if reference is not None:
        metadata["reference"] = {"bpm": round(float(reference.bpm), 2),
                                 "key": key_name(reference.key_tonic, reference.mode)}
    if backend is None:
        return _procedural(request, preset, modifiers, bpm, key, seed, metadata)
    return _musicgen(backend, request, preset, bpm, key, seed, metadata)


def _procedural(request, preset, modifiers, bpm, key, seed, metadata) -> Track:
    from .compose import compose
    from .synth import render
    from .theory import key_name

    score = compose(preset=preset, bpm=bpm, key=key, duration=request.duration, seed=seed, loop=request.loop,
                    modifiers=modifiers)
    result = render(score, sample_rate=SAMPLE_RATE, seed=seed)
    metadata.update({"backend": "procedural", "bpm": round(score.bpm, 3), "key": key_name(score.key_tonic, score.mode),
                     "meter": score.meter, "sampleRate": SAMPLE_RATE, "sections": [
                         {"name": s.name, "start": round(score.seconds(s.start), 3),
                          "seconds": round(score.seconds(s.beats), 3)} for s in score.sections],
                     "parts": [{"name": p.name, "instrument": p.instrument, "group": p.group, "notes": len(p.notes)}
                               for p in score.parts],
                     "render": result.metadata})
    return Track(samples=result.mix, sample_rate=SAMPLE_RATE, metadata=metadata, score=score,
                 stems=dict(result.stems) if request.stems else {}, id=track_id(request, seed))


def _musicgen(backend, request, preset, bpm, key, seed, metadata) -> Track:
    from ..backends.musicgen import build_prompt, to_engine_rate
    from .synth import master

    text = build_prompt(request.prompt or "", preset, bpm, key)
    audio, sr = backend.generate(text, duration=request.duration, seed=seed)
    audio = to_engine_rate(audio, sr, SAMPLE_RATE)
    if audio.shape[0] == 1:
        audio = np.repeat(audio, 2, axis=0)
    n = int(round(request.duration * SAMPLE_RATE))      # exact length: trim or pad the 20 ms frame grid
    audio = audio[:, :n] if audio.shape[1] >= n else np.pad(audio, ((0, 0), (0, n - audio.shape[1])))
    mixed, info = master(audio, SAMPLE_RATE, loop=request.loop)
    metadata.update({"backend": "musicgen", "model": backend.describe(), "modelPrompt": text,
                     "bpm": bpm, "key": key, "sampleRate": SAMPLE_RATE, "render": info,
                     "note": "MusicGen makes audio only: no MIDI file, no stems"})
    return Track(samples=mixed, sample_rate=SAMPLE_RATE, metadata=metadata, score=None, stems={},
                 id=track_id(request, seed))
