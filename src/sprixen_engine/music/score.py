"""The score: what the composer writes and the synthesiser plays (and the MIDI writer exports).

Times are in beats (quarter notes) from the start; ``Score.seconds(beats)`` converts with the tempo.
Pitches are MIDI note numbers (60 = middle C); velocities 1–127. Drum parts use General MIDI drum
numbers (36 kick, 38 snare, 42 closed hat, 46 open hat, 49 crash, 51 ride, 45/47/50 toms).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: instrument groups the stems are split into (game-audio layers)
GROUPS = ("drums", "bass", "harmony", "melody")


@dataclass(frozen=True)
class Note:
    """One note: ``start`` and ``duration`` in beats, ``pitch`` MIDI number, ``velocity`` 1–127."""

    start: float
    duration: float
    pitch: int
    velocity: int = 96


@dataclass
class Part:
    """One instrument's notes.

    name : unique part name (``"lead"``, ``"bass"``, ``"pad"``, ``"drums"`` …).
    instrument : synthesiser voice id (``pulse``, ``triangle``, ``noise_drums``, ``fm_pad``, ``pluck``,
        ``strings``, ``brass``, ``saw_lead``, ``piano`` …; the synthesiser documents the set).
    group : one of :data:`GROUPS` (stems). program : General MIDI program 0–127 for the MIDI file.
    pan : -1 (left) … 1 (right). gain : linear level before the mix bus. is_drums : MIDI channel 10.
    """

    name: str
    instrument: str
    group: str
    notes: list[Note] = field(default_factory=list)
    program: int = 0
    pan: float = 0.0
    gain: float = 1.0
    is_drums: bool = False


@dataclass
class Section:
    """A section of the arrangement: ``name`` (intro, A, A', B, outro …), ``start`` and ``beats``."""

    name: str
    start: float
    beats: float


@dataclass
class Score:
    """A composition.

    bpm : tempo (beats per minute). key_tonic : pitch class 0–11 (0 = C). mode : ``major`` | ``minor`` |
    ``dorian`` | … . meter : beats per bar (4 = 4/4, 3 = 3/4). total_beats : the length; the audio is
    exactly ``seconds(total_beats)`` long. loop : the end leads back into the start. chords : per bar, the
    chord as (root pitch class, quality) for analysis and metadata.
    """

    bpm: float
    key_tonic: int
    mode: str
    meter: int
    total_beats: float
    parts: list[Part] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    chords: list[tuple[int, str]] = field(default_factory=list)
    loop: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)

    def seconds(self, beats: float) -> float:
        """``beats`` converted to seconds at this tempo."""
        return beats * 60.0 / self.bpm

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.seconds(self.total_beats)
