"""The procedural composer: preset + key + tempo + duration + seed → :class:`~.score.Score`.

Stages (:func:`compose`): 1. check the inputs, 2. key and tempo, 3. fit the length, 4. the arrangement
(sections sized to the duration), 5. chords per bar with cadences, 6. melody, 7. bass and harmony
parts, 8. drums, 9. swing, clipping and clean-up. Every random choice comes from a numpy Generator
seeded by ``(seed, stage tag)``, so the same inputs give the same score, and a change in one stage
does not reshuffle the others.

Length fitting (exact duration)
-------------------------------
``Score.duration == duration`` always (to float precision). The composer keeps the grid musical:

1. *Whole bars, tempo stretched*: bars = round(duration × bpm / 60 / meter); the tempo becomes
   ``bars × meter × 60 / duration`` when that is within ±2 % of the asked tempo. When the tempo is
   free (``bpm=None``) any nearby bar count whose tempo lies in the preset's range (±5 %) will do.
2. *Whole beats, tempo stretched*: otherwise beats = round(duration × bpm / 60), same rule; the last
   bar then has fewer or more beats than the meter (e.g. a 2/4 bar at the end of a 4/4 piece).
3. *Exact tempo*: otherwise (very short pieces) the asked tempo is kept and the last bar is cut or
   lengthened by the fraction of a beat that remains.

In a non-loop piece the final bar holds the tonic chord to the very end (the "fermata" absorbs a
longer last bar; there is no ritardando, the score has one tempo). ``metadata["fit"]`` says which
case ran and ``metadata["tempo_stretch"]`` the ratio applied.

Arrangement
-----------
The preset's plan (intro, A, A', B, A by default) is scaled to the bar count: short pieces drop
sections in ``drop_order`` (A' first, then the intro, …) until each has 4 bars (intro 2); long ones
repeat the body (A' B A); section lengths keep the preset's proportions, in whole 4-bar phrases where
possible (then 2-bar halves; an odd bar lengthens the intro or the last section). A loop leaves out the intro
and outro: the file *is* the loop.

Melody
------
Sections are cut into 4-bar phrases (a spare bar makes a 5-bar phrase, 2 or 3 spare bars a short
one). An antecedent phrase is ``M V M O`` (motif, variation, motif,
open ending on a non-tonic chord tone over a half cadence); a consequent is ``M V N C`` (…, new
material rising to the phrase's high point, closed cadence ending on the tonic over the final cadence).
A sections end closed, B sections open (half cadence into the return of A); a loop's last bar is a
turnaround ``T`` ending a step away from the piece's first note over the loop cadence (V), so the end
flows into the start. A' repeats A's motif with ornaments (passing notes); the return of A repeats A.
Strong-beat and long notes are chord tones;
weak-beat notes move mostly by step, a leap is followed by a step back, a motif spans about an octave,
and a figure that would leave the register is turned round (mirrored) rather than jumped away from.
Every melody note is in the key's scale: on strong beats and long notes, scale degrees that would clash
with a borrowed chord's altered tone (B♭ against the B of a V chord in C minor) are stepped around;
short passing notes may brush against them. Bass, harmony and drum notes may be chromatic (the raised
leading tone of V in minor, borrowed chords such as ♭II and ♭VII, walking-bass approach notes).

Accompaniment
-------------
Bass styles: ``root`` (held), ``pedal`` (tonic drone), ``root_fifth``, ``walking`` (root, third, fifth, then a
chromatic approach to the next root), ``arpeggio`` (root-octave-fifth-octave), ``octave_pulse``
(synthwave eighths), ``driving`` (eighths on the root). Harmony styles: ``pad`` (voice-led chords, tied
while the chord stays), ``arpeggio``, ``strum`` (down on the beat, up off it, strings staggered by
0.03 beats), ``block`` (rhythmic stabs / comping), ``ostinato`` (root-fifth-octave figure), ``guide``
(one voice-led line of thirds and sevenths), ``bell`` (sparse high chord tones). Drums play the preset's
16th-grid pattern for the section kind, a fill in the last bar of a section, a crash on each new
section; a non-loop piece ends on one kick + crash. Swing delays the off-beat eighths by
``swing / 6`` beats. All times are rounded to 1/480 beat (the MIDI resolution).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import invalid
from .presets import (
    DRUM_NOTES,
    Modifiers,
    PartSpec,
    Preset,
    get_preset,
    load_presets,
    parse_modifiers,
    parse_rhythm,
    section_kind,
)
from .score import Note, Part, Score, Section
from .theory import MODES, Chord, chord_from_numeral, degree_pitch, is_minorish, key_name, parse_key, voice_chord

__all__ = ["BPM_RANGE", "DURATION_RANGE", "SEED_RANGE", "TEMPO_STRETCH", "compose"]

BPM_RANGE = (40.0, 240.0)
DURATION_RANGE = (5.0, 300.0)
SEED_RANGE = (0, 2**32 - 1)
#: the most the tempo is stretched to fit whole bars / beats into the duration
TEMPO_STRETCH = 0.02
#: ticks per beat every time is rounded to (the MIDI file's resolution), so MIDI and score agree
GRID = 480

_DYNAMICS = {"intro": 0.8, "A": 0.9, "B": 1.0, "C": 1.0, "outro": 0.85}
_HAT_LINES = ("hat", "pedal_hat", "shaker", "tambourine", "ride", "cabasa")
_CHIP = {"melody": ("pulse", 80), "harmony": ("pulse", 81), "bass": ("triangle", 38)}


def _rng(seed: int, *tags: str) -> np.random.Generator:
    return np.random.default_rng([seed, *(zlib.crc32(t.encode()) for t in tags)])


# ----------------------------------------------------------------------------------------------
# Plan data


@dataclass
class _Bar:
    index: int
    start: float
    length: float
    section: int
    name: str
    kind: str
    pos: int  # bar index inside its section
    role: str = "M"  # M V N O C T, or "-" (no melody)
    numeral: str = ""
    chord: Chord = field(default_factory=lambda: Chord(0, "maj"))
    last_in_section: bool = False
    final: bool = False  # last bar of a non-loop piece


@dataclass
class _Ctx:
    preset: Preset
    mods: Modifiers
    tonic: int
    mode: str
    meter: int
    energy: float
    loop: bool
    seed: int
    total: float
    bars: list[_Bar]


# ----------------------------------------------------------------------------------------------
# 1. Inputs


def _check_inputs(preset: str, bpm: float | None, key: str | None, duration: float, seed: int, loop: bool,
                  presets: Mapping[str, Preset] | None) -> Preset:
    spec = get_preset(preset, presets)
    if bpm is not None:
        if isinstance(bpm, bool) or not isinstance(bpm, (int, float)) or not math.isfinite(bpm) \
                or not BPM_RANGE[0] <= bpm <= BPM_RANGE[1]:
            raise invalid("bpm", f"must be a number between {BPM_RANGE[0]:g} and {BPM_RANGE[1]:g}", bpm)
    if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not math.isfinite(duration) \
            or not DURATION_RANGE[0] <= duration <= DURATION_RANGE[1]:
        raise invalid("duration", f"must be between {DURATION_RANGE[0]:g} and {DURATION_RANGE[1]:g} seconds",
                      duration)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not SEED_RANGE[0] <= seed <= SEED_RANGE[1]:
        raise invalid("seed", f"must be an integer between {SEED_RANGE[0]} and {SEED_RANGE[1]}", seed)
    if not isinstance(loop, (bool, np.bool_)):
        raise invalid("loop", "must be true or false", loop)
    if key is not None:
        parse_key(key)
    return spec


# ----------------------------------------------------------------------------------------------
# 2.-3. Key, tempo and length


def _choose_key(spec: Preset, key: str | None, mods: Modifiers, seed: int) -> tuple[int, str]:
    if key is not None:
        return parse_key(key)
    rng = _rng(seed, "key")
    modes = list(spec.key.modes)
    if mods.mode is not None:
        wanted = [m for m in modes if is_minorish(m) == (mods.mode == "minor")]
        modes = wanted or [mods.mode]
    mode = modes[int(rng.integers(len(modes)))]
    tonics = spec.key.tonic_pcs
    return tonics[int(rng.integers(len(tonics)))], mode


def _choose_bpm(spec: Preset, mods: Modifiers, energy: float, seed: int) -> float:
    lo, hi = spec.tempo.range
    rng = _rng(seed, "tempo")
    pos = float(rng.uniform(0.25, 0.75)) + 0.3 * mods.energy
    bpm = lo + min(1.0, max(0.0, pos)) * (hi - lo)
    if mods.tempo > 0:
        bpm = hi * 1.08
    elif mods.tempo < 0:
        bpm = lo * 0.92
    return float(min(BPM_RANGE[1], max(BPM_RANGE[0], bpm)))


def fit_length(duration: float, bpm: float, meter: int, *, free_range: tuple[float, float] | None = None
               ) -> tuple[float, float, str]:
    """``(bpm, total_beats, fit)`` with ``total_beats × 60 / bpm == duration`` (see the module notes).

    ``free_range``: the tempo may move anywhere inside it (``bpm=None``), so whole bars, then whole
    beats, are taken whenever their tempo falls in the range (or within 2 % of ``bpm``).
    """
    def allowed(fitted: float) -> bool:
        if not BPM_RANGE[0] <= fitted <= BPM_RANGE[1]:
            return False
        if abs(fitted / bpm - 1.0) <= TEMPO_STRETCH:
            return True
        return free_range is not None and free_range[0] <= fitted <= free_range[1]

    beats = duration * bpm / 60.0
    for unit, fit in ((meter, "whole_bars"), (1, "whole_beats")):
        near = max(1, round(beats / unit))
        counts = [near] if free_range is None else sorted({max(1, near + d) for d in (0, -1, 1, -2, 2)},
                                                          key=lambda c: abs(c - beats / unit))
        for count in counts:
            fitted = count * unit * 60.0 / duration
            if allowed(fitted):
                return fitted, float(count * unit), fit
    return float(bpm), beats, "exact_tempo"


# ----------------------------------------------------------------------------------------------
# 4. Arrangement


def plan_sections(n_bars: int, spec: Preset, *, loop: bool) -> list[tuple[str, int]]:
    """``[(section name, bars), ...]`` summing to ``n_bars`` (see *Arrangement* in the module notes)."""
    arr = spec.arrangement
    plan = list(zip(arr.plan, arr.bars))
    if loop:
        plan = [(n, b) for n, b in plan if section_kind(n) not in ("intro", "outro")] or [("A", 8)]
    nominal = sum(b for _, b in plan)
    if n_bars >= 1.5 * nominal:
        head = [(n, b) for n, b in plan if n == "intro"]
        tail = [(n, b) for n, b in plan if n == "outro"]
        body = [(n, b) for n, b in plan if n not in ("intro", "outro")]
        repeat = body[1:] if len(body) > 1 and body[0][0] == body[-1][0] else body
        k = max(1, round(n_bars / nominal))
        plan = head + body + repeat * (k - 1) + tail
    drops = list(arr.drop_order)

    def needed(entries: list[tuple[str, int]]) -> int:
        return sum(min(b, 2 if section_kind(n) in ("intro", "outro") else 4) for n, b in entries)

    while len(plan) > 1 and n_bars < needed(plan) and drops:
        name = drops.pop(0)
        idx = [i for i, (n, _) in enumerate(plan) if n == name]
        if name == "A" and len(idx) < 2:
            continue  # the first A always stays
        for i in reversed(idx[1:] if name == "A" else idx):
            if len(plan) > 1 and n_bars < needed(plan):
                del plan[i]
    while len(plan) > max(1, n_bars):
        del plan[-1]
    return list(zip([n for n, _ in plan], _allocate(n_bars, [b for _, b in plan], [n for n, _ in plan])))


def _allocate(n: int, weights: Sequence[int], names: Sequence[str]) -> list[int]:
    """Split ``n`` bars by ``weights``: main sections in whole 4-bar phrases where possible (then 2-bar
    halves), intro / outro 1–4 bars; an odd bar goes to the intro (else the last section)."""
    k = len(weights)
    if k == 1:
        return [n]
    total = float(sum(weights))
    raw = [w / total * n for w in weights]
    edge = [nm in ("intro", "outro") for nm in names]
    alloc = [min(4, max(1, round(r))) if e else max(4 if n >= 4 * k else 2 if n >= 2 * k else 1, 4 * int(r // 4))
             for r, e in zip(raw, edge)]
    main = [j for j in range(k) if not edge[j]] or list(range(k))
    for chunk in (4, 2):
        while sum(alloc) + chunk <= n:
            j = max(main, key=lambda i: (raw[i] - alloc[i], -i))
            alloc[j] += chunk
    while sum(alloc) < n:
        j = names.index("intro") if "intro" in names else k - 1
        alloc[j] += 1
    while sum(alloc) > n:
        j = max(range(k), key=lambda i: (alloc[i] - (1 if edge[i] else 2), alloc[i]))
        alloc[j] -= 1
    return alloc


def _phrase_roles(length: int, end: str) -> list[str]:
    """Bar roles of a section of ``length`` bars ending ``end`` (C closed, O open, T turnaround)."""
    if length <= 0:
        return []
    chunks = [4] * (length // 4)
    rest = length % 4
    if rest == 1 and chunks:
        chunks[-1] += 1
    elif rest:
        chunks.append(rest)
    roles: list[str] = []
    for k, n in enumerate(chunks):
        last = k == len(chunks) - 1
        ending = end if last else ("O" if k % 2 == 0 else "C")
        templates = {1: [ending], 2: ["M", ending], 3: ["M", "V", ending],
                     4: ["M", "V", "M", ending] if ending == "O" else ["M", "V", "N", ending],
                     5: ["M", "V", "M", "N", ending]}
        roles += templates[n]
    return roles


def _build_bars(sections: list[tuple[str, int]], ctx_meter: int, total: float, loop: bool) -> list[_Bar]:
    bars: list[_Bar] = []
    index = 0
    for s, (name, length) in enumerate(sections):
        kind = section_kind(name)
        last_section = s == len(sections) - 1
        if last_section:
            end = "T" if loop else "C"
        elif kind in ("B", "intro"):
            end = "O"
        else:
            end = "C"
        roles = _phrase_roles(length, end)
        if kind == "intro":
            roles = ["-"] * length
        for pos in range(length):
            bars.append(_Bar(index, index * ctx_meter, ctx_meter, s, name, kind, pos, roles[pos],
                             last_in_section=pos == length - 1))
            index += 1
    bars[-1].length = total - bars[-1].start
    bars[-1].final = not loop
    return bars


# ----------------------------------------------------------------------------------------------
# 5. Chords


def _assign_chords(ctx: _Ctx, sections: list[tuple[str, int]]) -> dict[str, list[str]]:
    spec = ctx.preset
    rng = _rng(ctx.seed, "progressions")
    chosen: dict[str, list[str]] = {}
    for kind in ("A", "B", "C", "intro", "outro"):
        options = spec.progressions.get(kind) or spec.progressions.get("B" if kind == "C" else "A")
        chosen[kind] = list(options[int(rng.integers(len(options)))])
    hr = spec.tempo.harmonic_rhythm
    cad = spec.cadences
    wf = spec.key.written_for
    for bar in ctx.bars:
        prog = chosen[bar.kind]
        bar.numeral = prog[(bar.pos // hr) % len(prog)]
    for i, bar in enumerate(ctx.bars):
        ending = {"C": cad.final, "O": cad.half, "T": cad.loop}.get(bar.role)
        if bar.kind == "intro" and bar.last_in_section and bar.pos > 0:
            ending = cad.half
        if ending is None or (bar.pos == 0 and i > 0 and i < len(ctx.bars) - 1):
            continue
        for j, numeral in enumerate(reversed(ending)):
            k = i - j
            if k < 0 or ctx.bars[k].section != bar.section or (j > 0 and ctx.bars[k].pos == 0):
                break
            if j > 0 and ctx.bars[k].role in ("O", "C", "M"):
                break
            ctx.bars[k].numeral = numeral
    if ctx.loop and len(ctx.bars) > 1:
        first = chord_from_numeral(ctx.bars[0].numeral, ctx.tonic, ctx.mode, written_for=wf)
        if first.root != ctx.tonic:  # the loop cadence leads to the tonic; start there too
            ctx.bars[0].numeral = "i" if wf == "minor" else "I"
    for bar in ctx.bars:
        bar.chord = chord_from_numeral(bar.numeral, ctx.tonic, ctx.mode, written_for=wf)
    return chosen


# ----------------------------------------------------------------------------------------------
# 6. Melody


@dataclass
class _Motif:
    rhythm: list[tuple[float, bool]]
    intervals: list[int]


class _MelodyWriter:
    def __init__(self, ctx: _Ctx, part: PartSpec) -> None:
        self.ctx = ctx
        self.part = part
        self.mode = ctx.mode
        self.scale = MODES[ctx.mode]
        self.scale_pcs = {(ctx.tonic + i) % 12 for i in self.scale}
        lo, hi = part.register_range
        self.tonic_pitch = lo - ((lo - ctx.tonic) % 12)
        self.lo = self.pitch_step(next(p for p in range(lo, hi + 1) if p % 12 in self.scale_pcs))
        self.hi = self.pitch_step(next(p for p in range(hi, lo - 1, -1) if p % 12 in self.scale_pcs))
        spec = ctx.preset.melody
        self.rhythms = [parse_rhythm(c) for c in spec.rhythms]
        self.cadence_rhythms = [parse_rhythm(c) for c in spec.cadence_rhythms]
        self.leap = spec.leap
        self.articulation = spec.articulation * (0.55 if part.style == "staccato" else 1.0)
        self.first_step: int | None = None

    # pitch <-> step
    def step_pitch(self, step: int) -> int:
        return degree_pitch(step, self.tonic_pitch, self.mode)

    def pitch_step(self, pitch: int) -> int:
        octave, rem = divmod(pitch - self.tonic_pitch, 12)
        degree = min(range(7), key=lambda d: abs(self.scale[d] - rem))
        return octave * 7 + degree

    def chord_steps(self, chord: Chord) -> list[int]:
        pcs = set(chord.pcs)
        return [s for s in range(self.lo, self.hi + 1) if self.step_pitch(s) % 12 in pcs]

    def avoided(self, chord: Chord) -> set[int]:
        """Scale pcs a semitone from a chord tone that is outside the scale (cross relations)."""
        alien = [pc for pc in chord.pcs if pc not in self.scale_pcs]
        return {pc for pc in self.scale_pcs if any((pc - a) % 12 in (1, 11) for a in alien)}

    def nearest(self, target: int, options: Iterable[int], rng: np.random.Generator | None = None) -> int:
        opts = list(options)
        if not opts:
            return min(max(target, self.lo), self.hi)
        best = min(abs(o - target) for o in opts)
        ties = [o for o in opts if abs(o - target) == best]
        if rng is not None and len(ties) > 1:
            return ties[int(rng.integers(len(ties)))]
        return ties[0]

    # motif material
    def contour(self, n: int, rng: np.random.Generator, bias: float = 0.0) -> list[int]:
        out: list[int] = []
        prev = 0
        pos = 0
        for _ in range(max(0, n - 1)):
            if abs(prev) >= 3:
                d = -int(np.sign(prev))  # a leap is followed by a step back
            else:
                r = float(rng.random())
                if r < self.leap * 0.5:
                    d = int(rng.choice([3, 4, -3, -4]))
                elif r < self.leap * 0.5 + 0.12 and out and prev != 0:
                    d = 0  # a repeated note, never first and never twice in a row
                elif r < self.leap * 0.5 + 0.42:
                    d = int(rng.choice([2, -2]))
                else:
                    d = int(rng.choice([1, -1]))
                if bias and d != 0 and rng.random() < abs(bias):
                    d = abs(d) * (1 if bias > 0 else -1)
            if not -4 <= pos + d <= 5:  # a motif spans about an octave at most
                d = -d
            out.append(d)
            pos += d
            prev = d
        return out

    def new_motif(self, rng: np.random.Generator, avoid: list[tuple[float, bool]] | None = None) -> _Motif:
        options = [r for r in self.rhythms if r != avoid] or self.rhythms
        weights = np.array([sum(not rest for _, rest in r) for r in options], float)
        weights = weights ** (2.0 * (self.ctx.energy - 0.5))
        rhythm = options[int(rng.choice(len(options), p=weights / weights.sum()))]
        n = sum(not rest for _, rest in rhythm)
        return _Motif(rhythm, self.contour(n, rng))

    # rendering one bar
    def realise(self, bar: _Bar, rhythm: list[tuple[float, bool]], steps: list[int],
                rng: np.random.Generator) -> list[tuple[float, float, int]]:
        """``[(offset, duration, step)]`` for the sounding notes, fixed to chord / scale / register."""
        chord_steps = self.chord_steps(bar.chord)
        avoid = self.avoided(bar.chord)
        # register: move the whole bar diatonically just inside it (a sequence keeps the line joined),
        # then mirror single notes at the edges
        if steps and max(steps) > self.hi:
            steps = [s - (max(steps) - self.hi) for s in steps]
        if steps and min(steps) < self.lo:
            steps = [s + min(self.lo - min(steps), self.hi - max(steps)) for s in steps]
        steps = [2 * self.hi - s if s > self.hi else 2 * self.lo - s if s < self.lo else s for s in steps]
        out: list[tuple[float, float, int]] = []
        t = 0.0
        k = 0
        half = self.ctx.meter / 2 if self.ctx.meter % 2 == 0 else float(self.ctx.meter)
        for dur, rest in rhythm:
            if rest:
                t += dur
                continue
            s = steps[k]
            direction = int(np.sign(s - steps[k - 1])) if k > 0 else 0
            last = out[-1][2] if out else None
            strong = abs(t % half) < 1e-9 or dur >= 1.5
            if strong and s not in chord_steps and chord_steps:
                s = self.snap(s, chord_steps, direction, last, leap=k > 0 and abs(s - steps[k - 1]) >= 3)
            if (strong or dur >= 1.0) and self.step_pitch(s) % 12 in avoid:  # passing notes may clash
                cands = [c for c in (s + (direction or 1), s - (direction or 1), s - 2, s + 2)
                         if self.lo <= c <= self.hi and self.step_pitch(c) % 12 not in avoid]
                chord_c = [c for c in cands if c in chord_steps and c != last and abs(c - s) == 1]
                s = (chord_c or cands or [s])[0]
            out.append((t, dur, s))
            k += 1
            t += dur
        return out

    def snap(self, s: int, chord_steps: list[int], direction: int, last: int | None, leap: bool = False) -> int:
        """The chord tone for ``s``: on the side the line is moving to (the near side after a leap, so a
        leap never grows), not a repeat of ``last`` when the line meant to move."""
        side = -direction if leap else direction
        ranked = sorted(chord_steps, key=lambda c: (abs(c - s), (c - s) * side < 0, c))
        if direction != 0:
            moving = [c for c in ranked if c != last and abs(c - s) <= 3]
            if moving:
                return moving[0]
        return ranked[0]

    def motif_steps(self, motif: _Motif, start: int) -> list[int]:
        steps = [start]
        for d in motif.intervals:
            steps.append(steps[-1] + d)
        return steps

    def ending(self, bar: _Bar, target: int, prev: int, rng: np.random.Generator,
               rhythm: list[tuple[float, bool]] | None = None) -> tuple[list[tuple[float, bool]], list[int]]:
        """A cadence bar: notes stepping from ``prev`` into ``target`` (the last note)."""
        if rhythm is None:
            rhythm = self.cadence_rhythms[int(rng.integers(len(self.cadence_rhythms)))]
            if abs(prev - target) > 4:  # a long way to go: the cell with the most notes
                rhythm = max(self.cadence_rhythms + self.rhythms, key=lambda r: sum(not rest for _, rest in r))
        n = sum(not rest for _, rest in rhythm)
        if abs(prev - target) > n:  # far away: walk there
            return rhythm, [round(prev + (target - prev) * (i + 1) / n) for i in range(n)]
        direction = 1 if prev > target else -1 if prev < target else int(rng.choice([1, -1]))
        if not self.lo <= target + direction * (n - 1) <= self.hi:
            direction = -direction  # approach from the side that stays in the register
        steps = [target + direction * (n - 1 - i) for i in range(n)]
        if n >= 3 and rng.random() < 0.4:  # a neighbour turn before the goal
            steps[-2] = target - direction
        return rhythm, steps

    # the whole melody
    def write(self) -> list[list[float]]:
        ctx = self.ctx
        notes: list[list[float]] = []
        motifs: dict[str, _Motif] = {}
        homes: dict[str, int] = {}
        mid = (self.lo + self.hi) // 2
        base_rng = _rng(ctx.seed, "motifs")
        motifs["A"] = self.new_motif(base_rng)
        motifs["B"] = self.new_motif(base_rng, avoid=motifs["A"].rhythm)
        motifs["B"].intervals = [-d if base_rng.random() < 0.5 else d for d in motifs["B"].intervals]
        motifs["C"] = self.new_motif(base_rng, avoid=motifs["B"].rhythm)
        tonic_home = self.nearest(mid, [s for s in range(self.lo, self.hi + 1) if s % 7 == 0])
        homes["A"] = tonic_home  # the main motif starts on (or next to) the tonic
        homes["B"] = min(self.hi - 3, tonic_home + 2)
        homes["C"] = tonic_home + 4
        prev = mid
        occurrences: dict[str, int] = {}
        current = -1
        rng = base_rng
        climax = tonic_home + 4
        last_start: int | None = None

        def toward(home: int, limit: int) -> int:
            return prev + max(-limit, min(limit, home - prev))
        for bar in ctx.bars:
            if bar.section != current:
                current = bar.section
                occurrences[bar.name] = occurrences.get(bar.name, 0) + 1
                tag = bar.name if "'" not in bar.name else f"{bar.name}#{occurrences[bar.name]}"
                rng = _rng(ctx.seed, "melody", tag)
            if bar.role == "-" or not self.part.plays_in(bar.kind):
                continue
            kind = bar.kind if bar.kind in motifs else "A"
            motif = motifs[kind]
            role = bar.role
            chord_steps = self.chord_steps(bar.chord)
            if bar.final:
                role = "F"
            upcoming = ctx.bars[bar.index + 1] if bar.index + 1 < len(ctx.bars) else None
            # a section's last phrase heads for the next section's home note
            goal = homes.get(upcoming.kind, homes["A"]) if bar.last_in_section and upcoming else homes[kind]
            if role == "M":
                # a section opens on its home note; later statements drift back towards it
                start = self.nearest(homes[kind] if bar.pos == 0 else toward(homes[kind], 3), chord_steps, rng)
                last_start = start
                rhythm, steps = motif.rhythm, self.motif_steps(motif, start)
            elif role == "V":
                op = float(rng.random())
                others = [c for c in chord_steps if c != last_start] or chord_steps
                start = self.nearest(toward(homes[kind], 2) + int(rng.choice([-1, 1])), others, rng)
                if op < 0.35:  # sequence: the motif from a new chord tone
                    rhythm, steps = motif.rhythm, self.motif_steps(motif, start)
                elif op < 0.6:  # inversion
                    inv = _Motif(motif.rhythm, [-d for d in motif.intervals])
                    rhythm, steps = inv.rhythm, self.motif_steps(inv, start)
                else:  # same opening, new tail
                    n = len(motif.intervals)
                    keep = motif.intervals[: n // 2]
                    tail = self.contour(n - len(keep) + 1, rng)
                    rhythm, steps = motif.rhythm, self.motif_steps(_Motif(motif.rhythm, keep + tail), start)
            elif role == "N":
                fresh = self.new_motif(rng, avoid=motif.rhythm)
                start = self.nearest(prev + 1, chord_steps, rng)
                fresh.intervals = self.contour(len(fresh.intervals) + 1, rng, bias=0.35)
                rhythm, steps = fresh.rhythm, self.motif_steps(fresh, start)
                if max(steps) < climax - 2:  # the phrase's high point
                    steps = [s + 2 for s in steps]
            elif role == "O":
                options = [s for s in chord_steps if s % 7 != 0] or chord_steps
                prefer = [s for s in options if s % 7 in (1, 4)] or options
                target = self.nearest(toward(goal, 4 if goal != homes[kind] else 2), prefer, rng)
                rhythm, steps = self.ending(bar, target, prev, rng)
            elif role == "C":
                target = self.nearest(toward(goal, 4 if goal != homes[kind] else 3),
                                      [s for s in range(self.lo, self.hi + 1) if s % 7 == 0])
                rhythm, steps = self.ending(bar, target, prev, rng)
            elif role == "T":
                first = self.first_step if self.first_step is not None else homes["A"]
                around = [s for s in (first - 1, first + 1, first - 2, first + 2) if self.lo <= s <= self.hi]
                good = [s for s in around if s in chord_steps] or around or [first]
                target = self.nearest(prev, good[:2] if len(good) > 1 else good)
                richest = max(self.cadence_rhythms, key=lambda r: sum(not rest for _, rest in r))
                rhythm, steps = self.ending(bar, target, prev, rng, rhythm=richest if bar.index == 0 else None)
            else:  # F: the final tonic, held to the end (after a cadence figure when it is all there is)
                target = self.nearest(prev, [s for s in range(self.lo, self.hi + 1) if s % 7 == 0])
                if bar.pos > 0:
                    rhythm, steps = [(float(ctx.meter), False)], [target]
                else:
                    richest = max(self.cadence_rhythms, key=lambda r: sum(not rest for _, rest in r))
                    rhythm, steps = self.ending(bar, target, prev, rng, rhythm=richest)
            if bar.length < ctx.meter - 1e-9:  # a shortened last bar: the same figure, faster
                rhythm = [(d * bar.length / ctx.meter, rest) for d, rest in rhythm]
            if role in ("M", "V", "N") and (max(steps) > self.hi or min(steps) < self.lo):
                mirrored = [2 * steps[0] - x for x in steps]  # turn the figure round rather than jump
                if self.lo <= min(mirrored) and max(mirrored) <= self.hi:
                    steps = mirrored
            if role in ("M", "V", "N") and abs(steps[0] - prev) > 5:  # keep the line joined up
                shift = -7 if steps[0] > prev else 7
                if self.lo <= min(steps) + shift and max(steps) + shift <= self.hi:
                    steps = [s + shift for s in steps]
            placed = self.realise(bar, rhythm, steps, rng)
            if role in ("C", "F") and placed:  # the closing note stays the tonic
                t, d, _ = placed[-1]
                placed[-1] = (t, d, steps[-1])
            if role == "T" and placed:
                t, d, _ = placed[-1]
                placed[-1] = (t, d, steps[-1])
                if len(placed) > 1 and placed[0][0] == 0.0 and bar.index == 0:  # a one-bar loop
                    placed[0] = (0.0, placed[0][1], steps[-1] + (1 if steps[-1] < first else -1))
                    self.first_step = placed[0][2]
            if role in ("O", "C", "T") and len(placed) >= 2 and placed[-2][2] == placed[-1][2]:
                avoid = self.avoided(bar.chord)
                t, d, s = placed[-2]
                for cand in (s + 1, s - 1):
                    if self.lo <= cand <= self.hi and self.step_pitch(cand) % 12 not in avoid:
                        placed[-2] = (t, d, cand)  # step into the goal rather than repeat it
                        break
            if "'" in bar.name and role in ("M", "V", "N"):
                placed = self.ornament(placed, bar, rng)
            dyn = _DYNAMICS.get(bar.kind, 0.9) * (1.0 if "'" not in bar.name else 1.05)
            for j, (t, d, s) in enumerate(placed):
                if self.first_step is None:
                    self.first_step = s
                start = bar.start + t
                dur = d * (self.articulation if role not in ("F",) else 1.0)
                if role == "F" or (bar.last_in_section and j == len(placed) - 1 and role in ("C", "O")):
                    dur = d  # cadence notes are held
                if role == "F" and j == len(placed) - 1:
                    dur = bar.length - t
                vel = self.part.velocity * dyn * (0.8 + 0.4 * ctx.energy)
                vel += 8 if abs(t) < 1e-9 else 0
                vel += 6 if s >= climax else 0
                notes.append([start, dur, self.step_pitch(s), _vel(vel + rng.normal(0, 3))])
                prev = s
        return notes

    def ornament(self, placed: list[tuple[float, float, int]], bar: _Bar,
                 rng: np.random.Generator) -> list[tuple[float, float, int]]:
        """A': split one long note into two with a passing / neighbour note."""
        if rng.random() > 0.5:
            return placed
        chord_steps = self.chord_steps(bar.chord)
        avoid = self.avoided(bar.chord)
        for i, (t, d, s) in enumerate(placed):
            if d >= 1.0 and i + 1 < len(placed):
                nxt = placed[i + 1][2]
                step = s + (1 if nxt > s else -1 if nxt < s else int(rng.choice([1, -1])))
                if self.lo <= step <= self.hi and self.step_pitch(step) % 12 not in avoid:
                    half = d / 2
                    return placed[:i] + [(t, half, s), (t + half, half, step)] + placed[i + 1:]
            if d >= 1.0 and i + 1 == len(placed) and s not in chord_steps:
                break
        return placed


def _vel(v: float) -> int:
    return int(min(127, max(1, round(v))))


# ----------------------------------------------------------------------------------------------
# 7. Bass and harmony


def _onsets(pattern: str, bar: _Bar, meter: int) -> list[tuple[float, str]]:
    """``[(offset_beats, char)]`` of a 16th-grid pattern over a bar (repeated or cut to its length)."""
    steps = meter * 4
    bars_in = max(1, len(pattern) // steps)
    seg = pattern[(bar.pos % bars_in) * steps:(bar.pos % bars_in + 1) * steps]
    out = []
    n = int(math.ceil(bar.length * 4 - 1e-9))
    for i in range(n):
        ch = seg[i % steps]
        if ch != ".":
            out.append((i * 0.25, ch))
    return out


def _accent(ch: str) -> float:
    return {"X": 1.2, "x": 1.0, "o": 0.6}.get(ch, 1.0)


def _gaps(times: list[float], length: float) -> list[float]:
    ends = times[1:] + [length]
    return [max(0.05, e - t) for t, e in zip(times, ends)]


def _root_pitch(pc: int, lo: int, hi: int, prev: int | None) -> int:
    cands = [p for p in range(lo, hi + 1) if p % 12 == pc and p + 7 <= hi + 4] or \
            [p for p in range(lo, hi + 1) if p % 12 == pc]
    target = prev if prev is not None else lo + 0.4 * (hi - lo)
    return min(cands, key=lambda p: (abs(p - target), p))


def _fold(p: int, lo: int, hi: int) -> int:
    while p > hi:
        p -= 12
    while p < lo:
        p += 12
    return p


class _PartWriter:
    """Bass and harmony parts, bar by bar."""

    def __init__(self, ctx: _Ctx, part: PartSpec) -> None:
        self.ctx = ctx
        self.part = part
        self.rng = _rng(ctx.seed, "part", part.name)
        self.prev_voicing: tuple[int, ...] | None = None
        self.prev_root: int | None = None
        self.held: list[list[float]] = []  # notes a tie may extend
        self.held_key: tuple | None = None
        self.notes: list[list[float]] = []

    def default_pattern(self) -> str:
        m, p = self.ctx.meter, self.part
        steps = m * 4
        if p.pattern:
            return p.pattern
        if p.group == "bass":
            if p.style in ("root", "pedal"):
                return "x" + "." * (steps - 1)
            if p.style == "root_fifth":
                return ("x" + "." * (steps // 2 - 1)) * 2 if m % 2 == 0 else "x" + "." * 7 + "x" + "." * (steps - 9)
            if p.style == "walking":
                return "x..." * m
            return "x." * (steps // 2)
        if p.style == "strum":
            return "x..." * m
        return ("x" + "." * 7) * (steps // 8) if m % 2 == 0 else "x" + "." * (steps - 1)  # block: half notes

    def vel(self, bar: _Bar, scale: float = 1.0) -> float:
        dyn = _DYNAMICS.get(bar.kind, 0.9)
        return self.part.velocity * dyn * (0.8 + 0.4 * self.ctx.energy) * scale

    def add(self, start: float, dur: float, pitch: int, vel: float) -> list[float]:
        note = [start, dur, int(pitch), _vel(vel + self.rng.normal(0, 2.5))]
        self.notes.append(note)
        return note

    def write_bar(self, bar: _Bar, nxt: _Bar | None) -> None:
        if not self.part.plays_in(bar.kind):
            self.held_key = None
            return
        if self.part.group == "bass":
            self.bass_bar(bar, nxt)
        else:
            self.harmony_bar(bar)

    # bass
    def bass_bar(self, bar: _Bar, nxt: _Bar | None) -> None:
        p, ctx = self.part, self.ctx
        lo, hi = p.register_range
        chord = bar.chord
        if p.style == "pedal":
            root = _root_pitch(ctx.tonic, lo, hi, self.prev_root)
        else:
            root = _root_pitch(chord.root, lo, hi, self.prev_root)
        self.prev_root = root
        fifth = _fold(root + chord.fifth, lo, hi)
        third = _fold(root + chord.intervals[1], lo, hi) if len(chord.intervals) > 2 else fifth
        if bar.final:
            self.tie_or_add(bar, ("bass", root), [root], bar.length, self.vel(bar))
            return
        if bar.pos == 0:
            self.held_key = None
        if p.style in ("root", "pedal") and not p.pattern:
            self.tie_or_add(bar, ("bass", root), [root], bar.length * p.articulation, self.vel(bar))
            return
        self.held_key = None
        onsets = _onsets(self.default_pattern(), bar, ctx.meter)
        times = [t for t, _ in onsets]
        gaps = _gaps(times, bar.length)
        n = len(onsets)
        if p.style == "root_fifth":
            seq = [root if i % 2 == 0 else fifth for i in range(n)]
        elif p.style == "walking":
            next_root = _root_pitch(nxt.chord.root, lo, hi, root) if nxt is not None else root
            approach = next_root - 1 if self.rng.random() < 0.5 else next_root + 1
            approach = _fold(approach, lo, hi)
            middle = [third, fifth, root + 12 if root + 12 <= hi else third]
            seq = [root] + middle[: max(0, n - 2)] + ([approach] if n > 1 else [])
            seq += [fifth] * (n - len(seq))
        elif p.style == "arpeggio":
            octave = root + 12 if root + 12 <= hi else root
            cycle = [root, octave, fifth, octave]  # the root bounces, the fifth passes
            seq = [cycle[i % 4] for i in range(n)]
        elif p.style == "octave_pulse":
            octave = root + 12 if root + 12 <= hi + 2 else root - 12
            seq = [root if i % 2 == 0 else octave for i in range(n)]
        elif p.style == "driving":
            seq = [root] * n
            if n > 2 and self.rng.random() < 0.4:
                seq[-1] = fifth
        else:
            seq = [root] * n
        for (t, ch), gap, pitch in zip(onsets, gaps, seq):
            accent = 1.08 if abs(t % 1.0) < 1e-9 else 0.92
            self.add(bar.start + t, gap * p.articulation, pitch, self.vel(bar, _accent(ch) * accent))

    # harmony
    def voicing(self, chord: Chord) -> tuple[int, ...]:
        p = self.part
        lo, hi = p.register_range
        v = voice_chord(chord, low=lo, high=hi, voices=p.voices, prev=self.prev_voicing,
                        spread=p.style == "pad" and p.voices >= 4)
        self.prev_voicing = v
        return v

    def tie_or_add(self, bar: _Bar, key: tuple, pitches: Sequence[int], dur: float, vel: float) -> None:
        if self.held_key == key and self.held and all(abs(n[0] + n[1] - bar.start) < 0.3 for n in self.held):
            for n in self.held:
                n[1] = bar.start + dur - n[0]
            return
        self.held = [self.add(bar.start, dur, pt, vel) for pt in pitches]
        self.held_key = key

    def harmony_bar(self, bar: _Bar) -> None:
        p, ctx = self.part, self.ctx
        style = p.style
        chord = bar.chord
        if style == "guide":
            lo, hi = p.register_range
            prev = self.prev_root if self.prev_root is not None else (lo + hi) // 2
            tones = [pc for pc in chord.pcs[1:]] or list(chord.pcs)
            cands = [q for q in range(lo, hi + 1) if q % 12 in tones]
            pitch = min(cands, key=lambda q: (abs(q - prev), q)) if cands else prev
            self.prev_root = pitch
            self.tie_or_add(bar, ("guide", pitch), [pitch], bar.length * (1.0 if bar.final else p.articulation),
                            self.vel(bar))
            return
        voicing = self.voicing(chord)
        if bar.final:
            stagger = 0.04 if style == "strum" else 0.0
            self.held_key = None
            for i, pitch in enumerate(voicing):
                self.add(bar.start + i * stagger, bar.length - i * stagger, pitch, self.vel(bar))
            return
        if style == "pad":
            self.tie_or_add(bar, ("pad", voicing), voicing, bar.length * p.articulation, self.vel(bar))
            return
        self.held_key = None
        if style in ("arpeggio", "ostinato", "bell"):
            if style == "ostinato":
                lo, hi = p.register_range
                root = _root_pitch(chord.root, lo, hi, self.prev_root)
                self.prev_root = root
                seq = [root, _fold(root + chord.fifth, lo, hi), root + 12 if root + 12 <= hi else root,
                       _fold(root + chord.fifth, lo, hi)]
            else:
                seq = list(voicing)
                if p.arp == "down":
                    seq = seq[::-1]
                elif p.arp == "updown":
                    seq = seq + seq[-2:0:-1]
            if p.pattern:
                onsets = _onsets(p.pattern, bar, ctx.meter)
            else:
                count = int(math.ceil(bar.length / p.rate - 1e-9))
                onsets = [(i * p.rate, "x") for i in range(count)]
            gaps = _gaps([t for t, _ in onsets], bar.length)
            for i, ((t, ch), gap) in enumerate(zip(onsets, gaps)):
                if style == "bell":
                    if self.rng.random() > 0.65:
                        continue
                    pitch = seq[-1 - int(self.rng.integers(min(3, len(seq))))]
                elif p.arp == "random":
                    pitch = seq[int(self.rng.integers(len(seq)))]
                else:
                    pitch = seq[i % len(seq)]
                accent = 1.1 if abs(t % 1.0) < 1e-9 else 0.9
                self.add(bar.start + t, min(gap, p.rate if not p.pattern else gap) * p.articulation, pitch,
                         self.vel(bar, _accent(ch) * accent))
            return
        onsets = _onsets(self.default_pattern(), bar, ctx.meter)
        gaps = _gaps([t for t, _ in onsets], bar.length)
        for (t, ch), gap in zip(onsets, gaps):
            vel = self.vel(bar, _accent(ch))
            if style == "strum":
                down = abs(t % 1.0) < 1e-9
                strings = list(voicing) if down else list(voicing)[::-1][:3]
                for i, pitch in enumerate(strings):
                    off = i * 0.03
                    self.add(bar.start + t + off, max(0.05, gap * p.articulation - off), pitch,
                             vel * (1.0 if down else 0.8))
            else:  # block
                for pitch in voicing:
                    self.add(bar.start + t, gap * p.articulation, pitch, vel)


# ----------------------------------------------------------------------------------------------
# 8. Drums


def _drum_patterns(ctx: _Ctx) -> dict[str, dict[str, str]]:
    drums = ctx.preset.drums
    assert drums is not None
    patterns = {k: dict(v) for k, v in drums.patterns.items()}
    if ctx.mods.energy < 0:
        for lines in patterns.values():
            for name, grid in lines.items():
                grid = grid.replace("o", ".")
                if name in _HAT_LINES:
                    grid = "".join(c if i % 2 == 0 else "." for i, c in enumerate(grid))
                lines[name] = grid
    elif ctx.mods.energy > 0:
        for lines in patterns.values():
            for name, grid in lines.items():
                if name in _HAT_LINES and "x" in grid.lower():
                    lines[name] = "".join(c if c != "." or i % 2 else "x" for i, c in enumerate(grid))
    return patterns


def _write_drums(ctx: _Ctx) -> list[list[float]]:
    drums = ctx.preset.drums
    assert drums is not None
    patterns = _drum_patterns(ctx)
    rng = _rng(ctx.seed, "drums")
    notes: list[list[float]] = []
    base = drums.velocity * (0.8 + 0.4 * ctx.energy)
    for bar in ctx.bars:
        if not drums.plays_in(bar.kind):
            continue
        dyn = _DYNAMICS.get(bar.kind, 0.9)
        if bar.final:
            for line in ("kick", "crash"):
                notes.append([bar.start, 1.0, DRUM_NOTES[line], _vel(base * dyn * 1.15)])
            continue
        lines = patterns.get(bar.kind) or patterns["A"]
        if bar.last_in_section and "fill" in patterns and bar.pos > 0:
            lines = patterns["fill"]
        hits: dict[tuple[float, int], float] = {}
        for name, grid in lines.items():
            for t, ch in _onsets(grid, bar, ctx.meter):
                hits[(t, DRUM_NOTES[name])] = base * dyn * _accent(ch)
        if drums.crash_on_sections and bar.pos == 0 and bar.section > 0:
            hits[(0.0, DRUM_NOTES["crash"])] = base * dyn * 1.1
        for (t, pitch), vel in sorted(hits.items()):
            notes.append([bar.start + t, 0.25 if pitch not in (49, 57, 52, 55) else 1.0, pitch,
                          _vel(vel + rng.normal(0, 4))])
    return notes


# ----------------------------------------------------------------------------------------------
# 9. Finishing


def _swing_time(t: float, amount: float) -> float:
    if amount <= 0:
        return t
    b = math.floor(t + 1e-9)
    f = t - b
    d = amount / 6.0
    g = f * (0.5 + d) / 0.5 if f <= 0.5 else 0.5 + d + (f - 0.5) * (0.5 - d) / 0.5
    return b + g


def _finish(raw: list[list[float]], total: float, swing: float) -> list[Note]:
    """Swing, round to the MIDI grid, clip at ``total``, resolve same-pitch overlaps; sorted notes."""
    cleaned: list[list[float]] = []
    for start, dur, pitch, vel in raw:
        a, b = _swing_time(start, swing), _swing_time(start + dur, swing)
        a = round(a * GRID) / GRID
        b = total if b >= total - 1e-9 else min(round(b * GRID) / GRID, total)  # held to the very end
        if a >= total - 1e-9 or b - a < 1.0 / GRID or not 0 <= pitch <= 127:
            continue
        cleaned.append([a, b - a, int(pitch), int(vel)])
    cleaned.sort(key=lambda n: (n[2], n[0], -n[1]))
    out: list[list[float]] = []
    for note in cleaned:
        if out and out[-1][2] == note[2]:
            prev = out[-1]
            if abs(prev[0] - note[0]) < 1e-9:  # same start and pitch: keep the louder, longer one
                prev[1] = max(prev[1], note[1])
                prev[3] = max(prev[3], note[3])
                continue
            if prev[0] + prev[1] > note[0]:
                prev[1] = note[0] - prev[0]
        out.append(note)
    notes = [Note(float(s), float(d), int(p), int(v)) for s, d, p, v in out if d >= 1.0 / GRID - 1e-12]
    notes.sort(key=lambda n: (n.start, n.pitch))
    return notes


# ----------------------------------------------------------------------------------------------
# Modifiers → preset changes


def _apply_modifiers(spec: Preset, mods: Modifiers) -> Preset:
    parts = []
    for p in spec.parts:
        update: dict[str, object] = {}
        if mods.chip:
            voice, program = _CHIP[p.group]
            update.update(voice=voice, program=program)
            if p.group == "harmony" and p.style in ("pad", "block", "strum", "guide"):
                update.update(style="arpeggio", rate=0.25, voices=min(p.voices, 3), articulation=0.8)
        if mods.lead is not None and p.group == "melody":
            update.update(voice=mods.lead[0], program=mods.lead[1])
        parts.append(p.model_copy(update=update) if update else p)
    drums = spec.drums
    if drums is not None and mods.chip:
        drums = drums.model_copy(update={"voice": "noise_drums", "program": 0})
    if not mods.drums:
        drums = None
    return spec.model_copy(update={"parts": tuple(parts), "drums": drums})


# ----------------------------------------------------------------------------------------------
# The composer


def compose(*, preset: str, bpm: float | None = None, key: str | None = None, duration: float, seed: int,
            loop: bool = False, modifiers: Sequence[str] = (), presets: Mapping[str, Preset] | None = None
            ) -> Score:
    """Compose a piece.

    Parameters
    ----------
    preset : one of the presets (:func:`~.presets.load_presets`; the ten of the reference).
    bpm : tempo 40–240; ``None`` picks one in the preset's range (higher with ``energy:high``,
        ``tempo:fast``). The score's tempo may differ by up to 2 % to fit whole bars (module notes).
    key : "D minor", "F# major", "Bbm", … (:func:`~.theory.parse_key`); ``None`` picks from the preset.
    duration : seconds, 5–300; ``Score.duration`` equals it exactly.
    seed : 0 … 2**32-1; same inputs and seed → the same score.
    loop : the end flows back into the start (no intro, turnaround instead of a final cadence, notes
        cut at the end).
    modifiers : strings from :func:`~.presets.match_prompt` (``"lead:brass"``, ``"energy:high"`` …).
    presets : preset table (default: the configs' presets).

    Returns
    -------
    Score
        with ``metadata`` holding the preset, seed, key name, requested and actual tempo, the fit, the
        section plan, progressions, energy, swing and the preset's mix notes.

    Raises
    ------
    InvalidRequest
        for an unknown preset (the message lists them), a bpm, duration, seed or key out of range, or an
        unknown modifier — each naming the allowed values.
    """
    # 1. check inputs
    presets = load_presets() if presets is None else presets
    spec = _check_inputs(preset, bpm, key, duration, seed, loop, presets)
    mods = parse_modifiers(modifiers)
    spec = _apply_modifiers(spec, mods)
    seed = int(seed)
    loop = bool(loop)
    energy = min(1.0, max(0.0, spec.energy + 0.25 * mods.energy))
    meter = spec.tempo.meter

    # 2. key and tempo
    tonic, mode = _choose_key(spec, key, mods, seed)
    target_bpm = float(bpm) if bpm is not None else _choose_bpm(spec, mods, energy, seed)

    # 3. length
    free = None
    if bpm is None:
        lo, hi = spec.tempo.range
        free = (min(lo, target_bpm) * 0.95, max(hi, target_bpm) * 1.05)
    tempo, total, fit = fit_length(float(duration), target_bpm, meter, free_range=free)
    if fit == "whole_bars":
        n_bars = int(round(total / meter))
    else:
        n_bars = max(1, int(round(total / meter)))

    # 4. arrangement
    sections = plan_sections(n_bars, spec, loop=loop)
    bars = _build_bars(sections, meter, total, loop)
    ctx = _Ctx(spec, mods, tonic, mode, meter, energy, loop, seed, total, bars)

    # 5. chords
    chosen = _assign_chords(ctx, sections)

    # 6. melody, 7. bass and harmony
    parts: list[Part] = []
    for p in spec.parts:
        if p.group == "melody":
            raw = _MelodyWriter(ctx, p).write()
        else:
            writer = _PartWriter(ctx, p)
            for i, bar in enumerate(bars):
                writer.write_bar(bar, bars[i + 1] if i + 1 < len(bars) else (bars[0] if loop else None))
            raw = writer.notes
        parts.append(Part(p.name, p.voice, p.group, _finish(raw, total, spec.tempo.swing), program=p.program,
                          pan=p.pan, gain=p.gain))

    # 8. drums
    if spec.drums is not None:
        d = spec.drums
        parts.append(Part("drums", d.voice, "drums", _finish(_write_drums(ctx), total, spec.tempo.swing),
                          program=d.program, pan=d.pan, gain=d.gain, is_drums=True))

    # 9. the score
    score_sections = []
    for s, (name, _) in enumerate(sections):
        in_s = [b for b in bars if b.section == s]
        start = in_s[0].start
        score_sections.append(Section(name, float(start), float(sum(b.length for b in in_s))))
    metadata = {
        "backend": "procedural",
        "preset": spec.slug,
        "title": spec.title,
        "seed": seed,
        "key": key_name(tonic, mode),
        "requested_key": key,
        "requested_bpm": bpm,
        "bpm": tempo,
        "tempo_stretch": tempo / target_bpm,
        "fit": fit,
        "bars": len(bars),
        "duration": float(duration),
        "loop": loop,
        "modifiers": list(mods.items),
        "energy": energy,
        "swing": spec.tempo.swing,
        "sections": [[name, length] for name, length in sections],
        "progressions": {k: v for k, v in chosen.items() if any(b.kind == k for b in bars)},
        "roles": "".join(b.role if b.role != "-" else "." for b in bars),
        "mix": dict(spec.mix),
    }
    return Score(bpm=tempo, key_tonic=tonic, mode=mode, meter=meter, total_beats=total, parts=parts,
                 sections=score_sections, chords=[(b.chord.root, b.chord.quality) for b in bars], loop=loop,
                 metadata=metadata)
