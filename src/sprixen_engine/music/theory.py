"""Music theory kernels: pitch classes, keys, scales, chords, roman numerals and voicings.

Pure functions on ints and tuples (no I/O, no randomness). Pitch classes are ints 0–11 (0 = C); pitches
are MIDI note numbers (60 = middle C).

Keys
----
:func:`parse_key` reads "D minor", "F# major", "Bb minor", "F♯ major", "B♭m", "Dm", "d minor", "C",
"e flat major", "f-sharp minor", "A dorian", "E harmonic minor" … into ``(tonic_pc, mode)``; a
missing mode means major, ``m``/``min``/``minor``/``aeolian`` minor, ``M``/``maj``/``ionian`` major.

Modes: :data:`MODES` (major, minor, dorian, phrygian, lydian, mixolydian, harmonic_minor).

Roman numerals
--------------
A numeral names a scale degree of the key's mode (``I``–``VII``); its *case* gives the triad quality
(upper = major, lower = minor), and the suffix the rest: ``°``/``o``/``dim`` diminished, ``+``/``aug``
augmented, ``ø`` half-diminished seventh, ``7`` a seventh (dominant on an upper-case numeral, minor on a
lower-case one, diminished on ``°7``), ``maj7``/``M7``, ``6``, ``sus2``, ``sus4``, ``add9``, ``5`` (power
chord). Accidentals in front (``b``/``#``/``♭``/``♯``) move the root a semitone from the mode's degree.
In minor ``VII`` is therefore the subtonic (Bb in C minor) and ``V`` the major dominant with the raised
leading tone (G–B–D); ``bII`` the Neapolitan. ``harmonic_minor`` reads its numerals against the natural
minor scale, so one progression serves both.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from ..errors import invalid

__all__ = [
    "CHORD_INTERVALS", "MODES", "MODE_NAMES", "PITCH_NAMES", "Chord", "chord_from_numeral", "degree_pitch",
    "diatonic_quality", "is_minorish",
    "key_name", "key_signature", "midi_key_name", "parse_key", "parse_numeral", "parse_pitch_class",
    "pitch_name", "progression", "relative_key", "scale_pcs", "scale_pitches", "voice_chord",
]

#: sharp spellings, index = pitch class
PITCH_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")

#: semitone offsets of each mode's seven degrees from the tonic
MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
}
#: how a mode is written in a key name ("A harmonic minor")
MODE_NAMES = {m: m.replace("_", " ") for m in MODES}

#: the scale a mode's roman numerals are read against (harmonic minor → natural minor)
_NUMERAL_SCALE = {**{m: m for m in MODES}, "harmonic_minor": "minor"}

#: modes whose third is minor (a minor-key signature and spelling)
_MINORISH = frozenset({"minor", "dorian", "phrygian", "harmonic_minor"})

#: where a mode's tonic sits in its parent major scale (semitones above the parent tonic)
_PARENT_OFFSET = {"major": 0, "dorian": 2, "phrygian": 4, "lydian": 5, "mixolydian": 7, "minor": 9,
                  "harmonic_minor": 9}

CHORD_INTERVALS: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7), "min": (0, 3, 7), "dim": (0, 3, 6), "aug": (0, 4, 8),
    "sus2": (0, 2, 7), "sus4": (0, 5, 7), "5": (0, 7),
    "maj7": (0, 4, 7, 11), "min7": (0, 3, 7, 10), "dom7": (0, 4, 7, 10), "hdim7": (0, 3, 6, 10),
    "dim7": (0, 3, 6, 9), "minmaj7": (0, 3, 7, 11), "maj6": (0, 4, 7, 9), "min6": (0, 3, 7, 9),
    "add9": (0, 4, 7, 14), "madd9": (0, 3, 7, 14),
}

_KEY_RULE = ("must be a key like 'D minor' or 'F# major' (tonic A-G with an optional #/b; mode one of "
             "major, minor, dorian, phrygian, lydian, mixolydian, harmonic minor)")

_LETTERS = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
_MODE_WORDS = {
    "": "major", "maj": "major", "major": "major", "ma": "major", "ionian": "major",
    "m": "minor", "min": "minor", "minor": "minor", "mi": "minor", "aeolian": "minor", "natural minor": "minor",
    "dorian": "dorian", "phrygian": "phrygian", "lydian": "lydian", "mixolydian": "mixolydian",
    "mixo": "mixolydian", "harmonic minor": "harmonic_minor", "harmonic": "harmonic_minor",
    "minor harmonic": "harmonic_minor", "harm minor": "harmonic_minor", "hm": "harmonic_minor",
}
_KEY_RE = re.compile(
    r"^(?:the\s+)?(?:key\s+of\s+)?(?P<letter>[a-g])\s*(?P<acc>#|b|\s?sharp|\s?flat)?\s*(?P<mode>.*?)"
    r"(?:\s+key)?$")


def parse_pitch_class(name: str) -> int:
    """Pitch class of a note name: ``"C"`` → 0, ``"F#"``/``"F♯"``/``"f sharp"`` → 6, ``"Bb"`` → 10.

    Raises :class:`~sprixen_engine.errors.InvalidRequest` (field ``note``) for anything else.
    """
    text = _normalise(name) if isinstance(name, str) else None
    m = re.fullmatch(r"([a-g])\s*(#|b|sharp|flat)?", text or "")
    if m is None:
        raise invalid("note", "must be a note name A-G with an optional # or b, like 'F#' or 'Bb'", name)
    return _pc(m.group(1), m.group(2))


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\u266f", "#").replace("\u266d", "b").replace("\u266e", "")
    text = re.sub(r"[-_]+", " ", text.strip())
    return re.sub(r"\s+", " ", text).lower()


def _pc(letter: str, acc: str | None) -> int:
    shift = {"#": 1, "sharp": 1, "b": -1, "flat": -1}.get((acc or "").strip(), 0)
    return (_LETTERS[letter] + shift) % 12


def parse_key(key: str) -> tuple[int, str]:
    """``(tonic_pc, mode)`` of a key name.

    Accepts sharps/flats as ``#``/``b``/``♯``/``♭`` or words ("f sharp", "e-flat"), any case, and the
    mode as a word (see :data:`MODES`) or a suffix (``Dm``, ``Dmin``, ``DM``/``Dmaj``). No mode → major.

    >>> parse_key("F# major"), parse_key("Bb minor"), parse_key("Dm"), parse_key("e flat dorian")
    ((6, 'major'), (10, 'minor'), (2, 'minor'), (3, 'dorian'))

    Raises
    ------
    InvalidRequest
        field ``key``: "must be a key like 'D minor' or 'F# major' …" naming the allowed forms.
    """
    if not isinstance(key, str) or not key.strip() or len(key) > 40:
        raise invalid("key", _KEY_RULE, key)
    raw = unicodedata.normalize("NFKC", key).strip()
    if re.fullmatch(r"[A-G][#b\u266f\u266d]?M", raw):  # "DM" / "F#M": capital M is major
        return _pc(raw[0].lower(), _normalise(raw[1:-1]) or None), "major"
    text = _normalise(raw)
    m = _KEY_RE.match(text)
    if m is None:
        raise invalid("key", _KEY_RULE, key)
    mode_text = m.group("mode").strip()
    mode = _MODE_WORDS.get(mode_text)
    if mode is None:
        raise invalid("key", _KEY_RULE, key)
    return _pc(m.group("letter"), m.group("acc")), mode


def key_signature(tonic: int, mode: str) -> int:
    """Sharps (> 0) or flats (< 0) in the key signature; 6 for F#/D#m-style keys, -6 for Gb/Ebm."""
    parent = (tonic - _PARENT_OFFSET[mode]) % 12
    if mode == "harmonic_minor":
        parent = (tonic + 3) % 12
    sharps = (parent * 7) % 12  # fifths above C
    if sharps == 6 and "b" in _tonic_spelling(tonic % 12, mode):
        return -6  # Eb minor: six flats
    return sharps if sharps <= 6 else sharps - 12


_SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
#: usual tonic spelling of major and minor keys (F# major, Eb minor: the six-accidental keys)
_MAJOR_TONICS = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_MINOR_TONICS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")


def _uses_flats(tonic: int, mode: str) -> bool:
    parent = (tonic - _PARENT_OFFSET[mode]) % 12 if mode != "harmonic_minor" else (tonic + 3) % 12
    return "b" in _MAJOR_TONICS[parent] or parent == 5


def _tonic_spelling(tonic: int, mode: str) -> str:
    if mode == "major":
        return _MAJOR_TONICS[tonic]
    if mode in ("minor", "harmonic_minor"):
        return _MINOR_TONICS[tonic]
    return (_FLAT_NAMES if _uses_flats(tonic, mode) else _SHARP_NAMES)[tonic]


def key_name(tonic: int, mode: str) -> str:
    """A readable key name with the usual spelling: ``key_name(10, "minor")`` → ``"Bb minor"``."""
    return f"{_tonic_spelling(tonic % 12, mode)} {MODE_NAMES[mode]}"


def pitch_name(pitch: int, tonic: int = 0, mode: str = "major") -> str:
    """``"C4"``-style name of a MIDI pitch, spelled for the key (flats in flat keys)."""
    names = _FLAT_NAMES if _uses_flats(tonic % 12, mode) else _SHARP_NAMES
    return f"{names[pitch % 12]}{pitch // 12 - 1}"


def midi_key_name(tonic: int, mode: str) -> str:
    """The key as a MIDI key-signature name for mido (``"F#"``, ``"Bbm"``).

    Major and minor (also harmonic minor) keep their tonic; the church modes have no MIDI spelling,
    so their signature is written as the parent major key (D dorian → ``"C"``).
    """
    tonic %= 12
    if mode == "major":
        return _MAJOR_TONICS[tonic]
    if mode in ("minor", "harmonic_minor"):
        return _MINOR_TONICS[tonic] + "m"
    return _MAJOR_TONICS[(tonic - _PARENT_OFFSET[mode]) % 12]


def relative_key(tonic: int, mode: str) -> tuple[int, str]:
    """The relative major of a minor key and the relative minor of a major key (modes: their parent's)."""
    if mode in _MINORISH:
        return (tonic + 3) % 12, "major"
    return (tonic + 9) % 12, "minor"


def scale_pcs(tonic: int, mode: str) -> tuple[int, ...]:
    """The seven pitch classes of the scale, from the tonic up."""
    return tuple((tonic + i) % 12 for i in MODES[mode])


def scale_pitches(tonic: int, mode: str, low: int, high: int) -> list[int]:
    """Every scale pitch in ``[low, high]`` (MIDI numbers, ascending)."""
    pcs = set(scale_pcs(tonic, mode))
    return [p for p in range(max(0, low), min(127, high) + 1) if p % 12 in pcs]


def degree_pitch(step: int, tonic_pitch: int, mode: str) -> int:
    """MIDI pitch of scale step ``step`` (0 = ``tonic_pitch``, 7 = an octave up, -1 = the degree below)."""
    octave, degree = divmod(step, 7)
    return tonic_pitch + 12 * octave + MODES[mode][degree]


# ----------------------------------------------------------------------------------------------
# Chords


@dataclass(frozen=True)
class Chord:
    """A chord: ``root`` pitch class, ``quality`` (a :data:`CHORD_INTERVALS` key), the numeral it came from."""

    root: int
    quality: str
    numeral: str = ""

    @property
    def intervals(self) -> tuple[int, ...]:
        return CHORD_INTERVALS[self.quality]

    @property
    def pcs(self) -> tuple[int, ...]:
        """Pitch classes, root first (ordered root, third, fifth, seventh …)."""
        return tuple((self.root + i) % 12 for i in self.intervals)

    @property
    def fifth(self) -> int:
        """Semitones from the root to the chord's fifth (7 unless diminished/augmented)."""
        return next((i for i in self.intervals if i in (6, 7, 8)), 7)


_NUMERAL_RE = re.compile(
    r"^(?P<acc>[b#]*)(?P<num>VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)"
    r"(?P<qual>°|o|dim|\+|aug|ø)?(?P<ext>maj7|M7|7|6|sus2|sus4|add9|5)?$")
_DEGREES = {"i": 0, "ii": 1, "iii": 2, "iv": 3, "v": 4, "vi": 5, "vii": 6}


def parse_numeral(numeral: str) -> tuple[int, int, str]:
    """``(degree 0–6, accidental semitones, quality)`` of a roman numeral (see the module notes).

    >>> parse_numeral("bVII"), parse_numeral("ii7"), parse_numeral("vii°"), parse_numeral("V7")
    ((6, -1, 'maj'), (1, 0, 'min7'), (6, 0, 'dim'), (4, 0, 'dom7'))
    """
    text = unicodedata.normalize("NFC", str(numeral)).strip().replace("\u266d", "b").replace("\u266f", "#")
    m = _NUMERAL_RE.match(text)
    if m is None:
        raise invalid("numeral", "must be a roman numeral I-VII / i-vii with optional b/# and °, +, ø, 7, maj7, "
                      "6, sus2, sus4, add9 or 5", numeral)
    num, qual, ext = m.group("num"), m.group("qual") or "", m.group("ext") or ""
    upper = num.isupper()
    acc = sum(1 if c == "#" else -1 for c in m.group("acc"))
    if qual in ("°", "o", "dim"):
        quality = "dim7" if ext == "7" else "dim"
    elif qual == "ø":
        quality = "hdim7"
    elif qual in ("+", "aug"):
        quality = "aug"
    elif ext in ("maj7", "M7"):
        quality = "maj7" if upper else "minmaj7"
    elif ext == "7":
        quality = "dom7" if upper else "min7"
    elif ext == "6":
        quality = "maj6" if upper else "min6"
    elif ext in ("sus2", "sus4", "5"):
        quality = ext
    elif ext == "add9":
        quality = "add9" if upper else "madd9"
    else:
        quality = "maj" if upper else "min"
    return _DEGREES[num.lower()], acc, quality


_TRIADS = {(4, 7): "maj", (3, 7): "min", (3, 6): "dim", (4, 8): "aug"}
_SEVENTHS = {(4, 7, 11): "maj7", (3, 7, 10): "min7", (4, 7, 10): "dom7", (3, 6, 10): "hdim7", (3, 6, 9): "dim7",
             (3, 7, 11): "minmaj7", (4, 8, 11): "maj7"}


def diatonic_quality(degree: int, mode: str, *, seventh: bool = False) -> str:
    """Quality of the chord stacked in thirds on ``degree`` (0–6) of ``mode``'s scale."""
    scale = MODES[mode]

    def above(k: int) -> int:
        return (scale[(degree + k) % 7] - scale[degree]) % 12

    if seventh:
        return _SEVENTHS.get((above(2), above(4), above(6)), "dom7")
    return _TRIADS.get((above(2), above(4)), "maj")


def is_minorish(mode: str) -> bool:
    """Whether ``mode`` has a minor third (minor, dorian, phrygian, harmonic minor)."""
    return mode in _MINORISH


def chord_from_numeral(numeral: str, tonic: int, mode: str, *, written_for: str | None = None) -> Chord:
    """The chord a roman numeral names in a key: ``chord_from_numeral("V", 0, "minor")`` → G major.

    ``written_for`` ("major" or "minor"): the mode the numeral was written in (a preset's progressions).
    When the key's mode differs, the numeral is *translated*:

    - across major ↔ minor, a plain numeral keeps its scale degree and takes the key's diatonic quality
      (triad or seventh), except that the dominant V keeps its major third in a minor key, and a chord that
      would turn diminished is replaced (VII of minor → IV in major, ii of major → iv in minor);
    - a numeral with an accidental (a borrowed chord), and any numeral in a mode of the same family
      (minor numerals in dorian), keeps its root pitch and takes the diatonic quality when that root is in
      the key's scale, else stays as written.

    So "I IV V vi" written for major becomes i iv V VI in a minor key, and "i VI VII" written for minor
    becomes I vi IV in a major key. Borrowed chords written with an accidental (bVII, bII) stay borrowed.
    """
    degree, acc, quality = parse_numeral(numeral)
    target = _NUMERAL_SCALE[mode]
    if written_for is None or written_for == target:
        root = (tonic + MODES[target][degree] + acc) % 12
        return Chord(root, quality, str(numeral))
    offsets = MODES[target]
    written_root = (tonic + MODES[written_for][degree] + acc) % 12
    plain = quality in ("maj", "min", "dim", "aug", *_SEVENTHS.values())
    seventh = len(CHORD_INTERVALS[quality]) == 4
    if not plain:
        return Chord(written_root, quality, str(numeral))
    cross = is_minorish(target) != is_minorish(written_for)
    if cross and acc == 0:
        new_degree = degree
    else:
        rel = (written_root - tonic) % 12
        if rel not in offsets:
            return Chord(written_root, quality, str(numeral))
        new_degree = offsets.index(rel)
    if mode in ("minor", "harmonic_minor") and new_degree == 4 and quality in ("maj", "dom7"):
        return Chord((tonic + offsets[4]) % 12, quality, str(numeral))  # the dominant keeps its leading tone
    new_quality = diatonic_quality(new_degree, target, seventh=seventh)
    if new_quality in ("dim", "hdim7", "dim7") and quality not in ("dim", "hdim7", "dim7"):
        # a diminished stand-in would sound wrong: the subtonic VII of minor becomes IV in major (its
        # plagal role; V would pull the ear to the dominant key), other degrees take the diatonic chord a
        # third above, which shares two tones (ii° → iv, vi° → i)
        new_degree = 3 if new_degree == 6 else (new_degree + 2) % 7
        new_quality = diatonic_quality(new_degree, target, seventh=seventh)
    return Chord((tonic + offsets[new_degree]) % 12, new_quality, str(numeral))


def progression(numerals: Sequence[str], tonic: int, mode: str, *, written_for: str | None = None) -> list[Chord]:
    """Chords of a roman-numeral progression in a key (``written_for``: see :func:`chord_from_numeral`)."""
    return [chord_from_numeral(n, tonic, mode, written_for=written_for) for n in numerals]


# ----------------------------------------------------------------------------------------------
# Voicings


def voice_chord(chord: Chord, *, low: int, high: int, voices: int = 4, prev: Sequence[int] | None = None,
                spread: bool = False) -> tuple[int, ...]:
    """A voicing of ``chord`` inside ``[low, high]`` with ``voices`` notes, ascending.

    Every set of ``voices`` chord-tone pitches in the range that holds all the chord's pitch classes
    (the fifth may be left out of a seventh chord in three voices) and spans at most an octave
    (``spread``: an octave and a fifth, for pads and strings) is a candidate. Doubling the root is
    free, the fifth costs a little, the third more; a bass note other than the root costs a little.
    The candidate nearest ``prev`` (smallest total movement of the sorted voices: voice leading) wins,
    or the one centred in the range when there is no ``prev``. Falls back to the chord tones folded
    into the range when nothing fits.
    """
    pcs = list(dict.fromkeys(chord.pcs))
    fifth = (chord.root + chord.fifth) % 12
    if len(pcs) > voices and fifth in pcs and len(pcs) > 3:
        pcs.remove(fifth)
    pcs = pcs[:voices]
    need = set(pcs)
    pool = [p for p in range(max(0, low), min(127, high) + 1) if p % 12 in need]
    size = min(voices, len(pool))
    max_span = (19 if spread else 12) + (12 if voices > 4 else 0)
    third = pcs[1] if len(pcs) > 1 else chord.root
    centre = (low + high) / 2
    prev_sorted = sorted(prev) if prev else None
    best: tuple[float, tuple[int, ...]] | None = None
    for combo in combinations(pool, size):
        if combo[-1] - combo[0] > max_span or {p % 12 for p in combo} != need:
            continue
        penalty = 0.0
        counts: dict[int, int] = {}
        for p in combo:
            counts[p % 12] = counts.get(p % 12, 0) + 1
        for pc, k in counts.items():
            if k > 1:
                penalty += (k - 1) * (0.0 if pc == chord.root else 0.8 if pc == fifth else 2.0 if pc == third else 1.2)
        if combo[0] % 12 != chord.root:
            penalty += 1.0
        if spread:
            penalty += 0.15 * max(0, 12 - (combo[-1] - combo[0]))
        if prev_sorted is not None:
            n = min(len(combo), len(prev_sorted))
            cost = sum(abs(a - b) for a, b in zip(combo[:n], prev_sorted[:n])) + 2.0 * penalty
        else:
            cost = abs(sum(combo) / len(combo) - centre) + 2.0 * penalty
        key = (cost, combo)
        if best is None or key < best:
            best = key
    if best is not None:
        return best[1]
    folded = sorted({_fold_into(pc, low, high) for pc in pcs})
    return tuple(folded[:voices])


def _fold_into(pc: int, low: int, high: int) -> int:
    p = low + (pc - low) % 12
    return p if p <= high else max(0, min(127, (low + high) // 2))
