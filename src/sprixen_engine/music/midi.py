"""Standard MIDI File export of a :class:`~.score.Score` (and a reader for checks), with mido.

Layout (type 1, 480 ticks per beat): one track per :class:`~.score.Part`, in the score's order, named
after the part. The first track also carries the tempo (``set_tempo``; integer microseconds per beat,
so the tempo reads back within 0.0001 bpm), the time signature (``meter``/4), the key signature
(church modes are written with their parent major key's signature, see
:func:`~.theory.midi_key_name`) and a marker at each section start. Every track starts with its
program change, volume (CC7, from ``gain``) and pan (CC10); drum parts use channel 10 (index 9), the
others channels 0–15 in order, skipping 9. Note times come from the score's beats × 480 (the composer
already rounds them to that grid, so the file and the score agree note for note). Each track ends at
the score's length.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .score import Score
from .theory import midi_key_name

__all__ = ["TICKS_PER_BEAT", "MidiNote", "read_midi_notes", "write_midi"]

TICKS_PER_BEAT = 480
DRUM_CHANNEL = 9


def _channels(score: Score) -> list[int]:
    free = [c for c in range(16) if c != DRUM_CHANNEL]
    out, k = [], 0
    for part in score.parts:
        if part.is_drums:
            out.append(DRUM_CHANNEL)
        else:
            out.append(free[k % len(free)])
            k += 1
    return out


def build_midi(score: Score) -> Any:
    """The :class:`mido.MidiFile` of ``score`` (see the module notes for the layout)."""
    import mido

    mid = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    end_tick = round(score.total_beats * TICKS_PER_BEAT)
    for index, (part, channel) in enumerate(zip(score.parts, _channels(score))):
        track = mido.MidiTrack()
        mid.tracks.append(track)
        events: list[tuple[int, int, Any]] = []  # (tick, order, message); note-offs before note-ons
        track.append(mido.MetaMessage("track_name", name=part.name, time=0))
        if index == 0:
            track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(score.bpm), time=0))
            track.append(mido.MetaMessage("time_signature", numerator=score.meter, denominator=4, time=0))
            track.append(mido.MetaMessage("key_signature", key=midi_key_name(score.key_tonic, score.mode), time=0))
            for section in score.sections:
                events.append((round(section.start * TICKS_PER_BEAT), 0,
                               mido.MetaMessage("marker", text=section.name)))
        if not part.is_drums:
            track.append(mido.Message("program_change", channel=channel, program=int(part.program) & 127, time=0))
        volume = int(min(127, max(0, round(100 * part.gain))))
        pan = int(min(127, max(0, round(64 + 63 * part.pan))))
        track.append(mido.Message("control_change", channel=channel, control=7, value=volume, time=0))
        track.append(mido.Message("control_change", channel=channel, control=10, value=pan, time=0))
        for note in part.notes:
            on = round(note.start * TICKS_PER_BEAT)
            off = max(on + 1, round((note.start + note.duration) * TICKS_PER_BEAT))
            pitch = int(min(127, max(0, note.pitch)))
            vel = int(min(127, max(1, note.velocity)))
            events.append((on, 2, mido.Message("note_on", channel=channel, note=pitch, velocity=vel)))
            events.append((off, 1, mido.Message("note_off", channel=channel, note=pitch, velocity=0)))
        events.sort(key=lambda e: (e[0], e[1]))
        now = 0
        for tick, _, msg in events:
            track.append(msg.copy(time=tick - now))
            now = tick
        track.append(mido.MetaMessage("end_of_track", time=max(0, end_tick - now)))
    return mid


def write_midi(score: Score, path_or_file: str | os.PathLike[str] | IO[bytes]) -> Any:
    """Write ``score`` as a Standard MIDI File to a path or a binary file object; returns the MidiFile."""
    mid = build_midi(score)
    if isinstance(path_or_file, (str, os.PathLike)):
        path = Path(path_or_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        mid.save(filename=str(path))
    else:
        mid.save(file=path_or_file)
    return mid


@dataclass(frozen=True)
class MidiNote:
    """A note read back from a MIDI file: track index, times in beats, pitch, velocity, channel."""

    track: int
    start: float
    duration: float
    pitch: int
    velocity: int
    channel: int


def read_midi_notes(path_or_file: str | os.PathLike[str] | IO[bytes] | Any) -> list[MidiNote]:
    """Every note of a MIDI file (or a :class:`mido.MidiFile`), paired note-on/note-off, sorted by
    (track, start, pitch). Times are in beats (ticks / ticks per beat)."""
    import mido

    if isinstance(path_or_file, mido.MidiFile):
        mid = path_or_file
    elif isinstance(path_or_file, (str, os.PathLike)):
        mid = mido.MidiFile(str(path_or_file))
    else:
        mid = mido.MidiFile(file=path_or_file)
    tpb = mid.ticks_per_beat
    out: list[MidiNote] = []
    for t_index, track in enumerate(mid.tracks):
        now = 0
        open_notes: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for msg in track:
            now += msg.time
            if msg.type == "note_on" and msg.velocity > 0:
                open_notes.setdefault((msg.channel, msg.note), []).append((now, msg.velocity))
            elif msg.type in ("note_off", "note_on"):
                stack = open_notes.get((msg.channel, msg.note))
                if stack:
                    start, vel = stack.pop(0)
                    out.append(MidiNote(t_index, start / tpb, (now - start) / tpb, msg.note, vel, msg.channel))
    out.sort(key=lambda n: (n.track, n.start, n.pitch))
    return out
