"""The :class:`Track` result of :meth:`Engine.generate_music`: audio, stems, score and metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import invalid
from .score import Score


@dataclass
class Track:
    """A rendered piece of music.

    Attributes
    ----------
    samples : float32 ``(channels, samples)`` in [-1, 1] at ``sample_rate`` Hz.
    sample_rate : Hz (44 100 for the procedural backend).
    metadata : backend, preset, bpm, key, duration, seed, loudness (LUFS), true peak (dBTP) …
    score : the composition (procedural backend), for MIDI export; ``None`` for MusicGen.
    stems : instrument group (drums, bass, harmony, melody) → float32 ``(channels, samples)``; they sum to
        ``samples``. Empty unless stems were asked for (or for MusicGen, which has none).
    id : ``mus_…``, used in file names.
    """

    samples: np.ndarray
    sample_rate: int
    metadata: dict[str, Any] = field(default_factory=dict)
    score: Score | None = None
    stems: dict[str, np.ndarray] = field(default_factory=dict)
    id: str = "mus_track"

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.samples.shape[1] / self.sample_rate

    def save(self, path: str | Path, *, bit_depth: int | None = None) -> list[Path]:
        """Write the mix. ``path`` is a ``.flac``/``.wav`` file, or a folder (then ``{id}.flac`` goes in it,
        plus ``{id}.mid`` when there is a score and ``{id}_{group}.flac`` per stem). Returns the paths."""
        from .audio import write_audio

        depth = bit_depth or int(self.metadata.get("bitDepth", 16))
        target = Path(path)
        if target.suffix.lower() in (".flac", ".wav"):
            target.parent.mkdir(parents=True, exist_ok=True)
            write_audio(target, self.samples, self.sample_rate, bit_depth=depth)
            return [target]
        if target.suffix:
            raise invalid("path", "must end in .flac or .wav, or be a folder", str(path))
        target.mkdir(parents=True, exist_ok=True)
        written = [target / f"{self.id}.flac"]
        write_audio(written[0], self.samples, self.sample_rate, bit_depth=depth)
        if self.score is not None:
            written.append(self.save_midi(target / f"{self.id}.mid"))
        for group, stem in self.stems.items():
            written.append(target / f"{self.id}_{group}.flac")
            write_audio(written[-1], stem, self.sample_rate, bit_depth=depth)
        return written

    def save_midi(self, path: str | Path) -> Path:
        """The composition as a Standard MIDI File (one track per instrument, tempo and key signature)."""
        from .midi import write_midi

        if self.score is None:
            raise invalid("midi", "is only available for the procedural backend (MusicGen makes audio only)",
                          self.metadata.get("backend"))
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_midi(self.score, path)
        return path
