"""Music presets (``configs/music/presets/*.toml``) and prompt → preset matching.

A preset is data: tempo range and meter, modes and tonics, roman-numeral progression families per
section kind, cadences, melody rhythm cells, the instruments (voice id, GM program, pan, gain, style,
register), drum patterns on a 16th-note grid, the arrangement plan and mix notes. A new preset is a
new file; :func:`load_presets` validates every key and names the file, the key and the allowed values
when something is wrong. The schema is :class:`Preset` (and the tables it holds).

Patterns are strings with one character per 16th note (``meter × 4`` characters per bar, or a
multiple of that for patterns several bars long): ``X`` accent, ``x`` hit, ``o`` soft (ghost) hit,
``.`` nothing. Melody rhythm cells are note values separated by spaces: ``w`` 4 beats, ``h`` 2, ``q``
1, ``e`` ½, ``s`` ¼, ``t`` ⅓ (triplet eighth), a trailing ``.`` for dotted, an ``r`` in front for a
rest (``"q. e h"``, ``"rq q h"``); a cell fills one bar exactly.

Prompt matching
---------------
:func:`match_prompt` scores every preset by the words of the prompt (``[match]`` table of each preset:
``keywords`` weigh 1.0, ``synonyms`` 0.8, ``hints`` — mood words shared by several presets — 0.4;
phrases match longest first, each prompt word counts once). Modifier words (``configs/music/
modifiers.toml``: lead instrument, energy, tempo, mode, 8-bit style, no drums) become modifiers such
as ``"lead:brass"`` or ``"energy:high"`` unless they already counted for the chosen preset. With no
preset word at all: a close spelling (difflib ≥ 0.85), then an optional sentence embedder, then the
preset nearest to what the modifiers ask for (energy, brightness, tempo), then the default preset,
each with a lower confidence.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple, Protocol

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..config import config_dir as default_config_dir
from ..config import read_toml
from ..errors import invalid
from ..sprites.prompt import _prepare, _singular  # the sprite parser's text normalisation, shared
from .theory import MODES, parse_numeral, parse_pitch_class

__all__ = [
    "DRUM_NOTES", "MODIFIER_KINDS", "PRESET_NAMES", "VOICES", "DrumSpec", "Modifiers", "PartSpec", "Preset",
    "PromptMatch", "get_preset", "load_modifier_vocabulary", "load_presets", "match_prompt", "parse_modifiers",
    "parse_rhythm",
]

#: the ten presets of the reference (the files in ``configs/music/presets/`` must be exactly these)
PRESET_NAMES = ("epic_orchestral", "chiptune_adventure", "peaceful_village", "dungeon_dark", "battle_intense",
                "boss_fight", "menu_chill", "ambient_exploration", "fantasy_tavern", "scifi_synthwave")

#: synthesiser voice ids (the synthesiser implements exactly these)
VOICES = ("pulse", "triangle", "noise_drums", "saw_lead", "square_lead", "fm_pad", "fm_bell", "wavetable_pad",
          "pluck", "strings", "brass", "choir", "piano", "organ", "bass_synth", "bass_pluck", "sub_bass", "flute",
          "lute", "drums", "synth_drums", "arp_synth")
DRUM_VOICES = ("drums", "synth_drums", "noise_drums")

#: drum pattern line names → General MIDI drum notes
DRUM_NOTES = {
    "kick": 36, "kick2": 35, "rim": 37, "snare": 38, "clap": 39, "snare2": 40, "tom_floor": 41, "hat": 42,
    "tom_floor_high": 43, "pedal_hat": 44, "tom_low": 45, "open_hat": 46, "tom_mid": 47, "tom_high": 50,
    "crash": 49, "ride": 51, "china": 52, "ride_bell": 53, "tambourine": 54, "splash": 55, "cowbell": 56,
    "crash2": 57, "bongo_high": 60, "bongo_low": 61, "conga": 63, "cabasa": 69, "shaker": 70, "claves": 75,
    "wood_block": 76, "triangle": 81,
}

STYLES: dict[str, tuple[str, ...]] = {
    "melody": ("legato", "staccato"),
    "bass": ("root", "root_fifth", "walking", "arpeggio", "octave_pulse", "driving", "pedal"),
    "harmony": ("pad", "arpeggio", "strum", "block", "ostinato", "guide", "bell"),
}
SECTION_KINDS = ("intro", "A", "B", "C", "outro")
_SECTION_NAME_RE = re.compile(r"^(intro|outro|[ABC]'{0,3})$")
_PATTERN_RE = re.compile(r"^[Xxo.]+$")
_RHYTHM_TOKEN_RE = re.compile(r"^(r?)([whqest])(\.?)$")
_VALUES = {"w": 4.0, "h": 2.0, "q": 1.0, "e": 0.5, "s": 0.25, "t": 1.0 / 3.0}

MODIFIER_KINDS = ("lead", "energy", "tempo", "mode", "style", "drums")


def parse_rhythm(cell: str) -> list[tuple[float, bool]]:
    """``[(duration_beats, is_rest), ...]`` of a rhythm cell such as ``"q. e h"`` (see the module notes)."""
    out = []
    for token in str(cell).split():
        m = _RHYTHM_TOKEN_RE.match(token)
        if m is None:
            raise ValueError(f"rhythm token {token!r} in {cell!r} must be w/h/q/e/s/t, optionally dotted "
                             "('q.') or a rest ('rq')")
        value = _VALUES[m.group(2)] * (1.5 if m.group(3) else 1.0)
        out.append((value, bool(m.group(1))))
    if not out or all(rest for _, rest in out):
        raise ValueError(f"rhythm cell {cell!r} must hold at least one note")
    return out


def section_kind(name: str) -> str:
    """``"A''"`` → ``"A"``; ``"intro"`` → ``"intro"``."""
    return name.rstrip("'")


# ----------------------------------------------------------------------------------------------
# Schema


def _check_sections(v: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """``sections`` lists only known section kinds (shared by parts and drums)."""
    if v is not None:
        bad = [s for s in v if s not in SECTION_KINDS]
        if bad:
            raise ValueError(f"must list section kinds from {', '.join(SECTION_KINDS)} (got {bad})")
    return v


def _one_of(allowed: tuple[str, ...] | dict[str, Any]) -> AfterValidator:
    """A field check: the value must be one of ``allowed`` (the message lists them)."""
    def check(v: str) -> str:
        if v not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)} (got {v!r})")
        return v
    return AfterValidator(check)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class MatchSpec(_Strict):
    """``[match]``: prompt words. ``keywords`` weigh 1.0, ``synonyms`` 0.8, ``hints`` 0.4."""

    keywords: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()


class TempoSpec(_Strict):
    """``[tempo]``: ``range`` [low, high] bpm, ``meter`` beats per bar, ``swing`` 0 (straight) … 1
    (triplet feel on the off-beat eighths), ``harmonic_rhythm`` bars per chord."""

    range: tuple[float, float]
    meter: Literal[2, 3, 4, 5, 6] = 4
    swing: Unit = 0.0
    harmonic_rhythm: Literal[1, 2] = 1

    @field_validator("range")
    @classmethod
    def _range(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not (40 <= v[0] <= v[1] <= 240):
            raise ValueError(f"must be [low, high] with 40 <= low <= high <= 240 (got {list(v)})")
        return v


class KeySpec(_Strict):
    """``[key]``: ``modes`` (one of :data:`~.theory.MODES` each) and ``tonics`` (note names) to pick from;
    ``numerals``: "major" or "minor", the mode the progressions are written in (default: the first mode's
    family). Other keys translate them (:func:`~.theory.chord_from_numeral`)."""

    modes: tuple[str, ...]
    tonics: tuple[str, ...] = ("C", "D", "E", "F", "G", "A")
    numerals: Literal["major", "minor"] | None = None

    @property
    def written_for(self) -> str:
        """The mode the preset's roman numerals are written in (default: that of the first mode)."""
        if self.numerals is not None:
            return self.numerals
        return "minor" if self.modes[0] in ("minor", "dorian", "phrygian", "harmonic_minor") else "major"

    @field_validator("modes")
    @classmethod
    def _modes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [m for m in v if m not in MODES]
        if bad or not v:
            raise ValueError(f"must be a non-empty list of {', '.join(MODES)} (got {list(v)})")
        return v

    @field_validator("tonics")
    @classmethod
    def _tonics(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("must name at least one tonic")
        for name in v:
            try:
                parse_pitch_class(name)
            except ValueError:
                raise ValueError(f"must be note names like 'D' or 'F#' (got {name!r})") from None
        return v

    @property
    def tonic_pcs(self) -> tuple[int, ...]:
        return tuple(parse_pitch_class(n) for n in self.tonics)


Numerals = tuple[str, ...]


class CadenceSpec(_Strict):
    """``[cadences]``: ``final`` ends A sections and the piece on the tonic (e.g. ``["V", "i"]``), ``half``
    ends antecedent phrases and B sections (``["V"]``), ``loop`` ends a loop and leads back to the first
    chord (``["V"]``). Each is the last chords of its phrase, one per bar."""

    final: Numerals = ("V", "I")
    half: Numerals = ("V",)
    loop: Numerals = ("V",)

    @field_validator("final", "half", "loop")
    @classmethod
    def _numerals(cls, v: Numerals) -> Numerals:
        if not v:
            raise ValueError("must hold at least one roman numeral")
        for n in v:
            parse_numeral(n)
        return v


class MelodySpec(_Strict):
    """``[melody]``: rhythm cells for motifs (``rhythms``) and cadence bars (``cadence_rhythms``), the
    chance of leaps (``leap``, 0–1), ``articulation`` (fraction of each note sounded)."""

    rhythms: tuple[str, ...]
    cadence_rhythms: tuple[str, ...] = ("h h", "q q h", "w")
    leap: Unit = 0.2
    articulation: float = Field(0.92, gt=0.05, le=1.0)

    @field_validator("rhythms", "cadence_rhythms")
    @classmethod
    def _cells(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("must hold at least one rhythm cell")
        for cell in v:
            parse_rhythm(cell)
        return v


class PartSpec(_Strict):
    """``[[parts]]``: one pitched instrument.

    name : unique part name. group : melody | bass | harmony (exactly one melody part).
    voice : synthesiser voice id (:data:`VOICES`). program : GM program 0–127. pan : -1…1. gain : 0…2.
    style : how it plays (:data:`STYLES` per group). register : [low, high] MIDI pitches.
    velocity : base MIDI velocity. voices : notes per chord (harmony). rate : beats per note
    (arpeggio, ostinato, bell). arp : up | down | updown | random. pattern : onsets on the 16th grid
    (bass, block, strum). articulation : fraction of the gap to the next onset that sounds.
    sections : section kinds it plays in (default: all but the intro for the melody, all for others).
    """

    name: str = Field(min_length=1, max_length=40)
    group: Literal["melody", "bass", "harmony"]
    voice: Annotated[str, _one_of(VOICES)]
    program: int = Field(0, ge=0, le=127)
    pan: float = Field(0.0, ge=-1.0, le=1.0)
    gain: float = Field(1.0, ge=0.0, le=2.0)
    style: str
    register_range: tuple[int, int] = Field(alias="register")
    velocity: int = Field(90, ge=1, le=127)
    voices: int = Field(4, ge=1, le=6)
    rate: float = Field(0.5, gt=0.0, le=8.0)
    arp: Literal["up", "down", "updown", "random"] = "up"
    pattern: str | None = None
    articulation: float = Field(0.95, gt=0.05, le=1.0)
    sections: tuple[str, ...] | None = None

    @field_validator("register_range")
    @classmethod
    def _register(cls, v: tuple[int, int]) -> tuple[int, int]:
        if not (0 <= v[0] and v[0] + 12 <= v[1] <= 127):
            raise ValueError(f"must be [low, high] MIDI pitches with an octave or more between (got {list(v)})")
        return v

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, v: str | None) -> str | None:
        if v is not None and (not _PATTERN_RE.match(v) or "x" not in v.lower()):
            raise ValueError(f"must be a 16th-note grid of X x o . with at least one hit (got {v!r})")
        return v

    @field_validator("sections")
    @classmethod
    def _sections(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return _check_sections(v)

    @model_validator(mode="after")
    def _style(self) -> PartSpec:
        allowed = STYLES[self.group]
        if self.style not in allowed:
            raise ValueError(f"style of a {self.group} part must be one of {', '.join(allowed)} (got {self.style!r})")
        return self

    def plays_in(self, kind: str) -> bool:
        if self.sections is not None:
            return kind in self.sections
        return not (self.group == "melody" and kind == "intro")


class DrumSpec(_Strict):
    """``[drums]``: the kit (``voice`` drums | synth_drums | noise_drums, GM kit ``program``), ``pan``,
    ``gain``, ``velocity`` (of an ``x``), the section kinds it plays in and ``patterns``: section kind
    (intro, A, B, C, outro) or ``fill`` (last bar of a section) → line name (:data:`DRUM_NOTES`) →
    16th-note grid. Sections without a pattern use ``A``'s."""

    voice: Annotated[str, _one_of(DRUM_VOICES)] = "drums"
    program: int = Field(0, ge=0, le=127)
    pan: float = Field(0.0, ge=-1.0, le=1.0)
    gain: float = Field(1.0, ge=0.0, le=2.0)
    velocity: int = Field(96, ge=1, le=127)
    sections: tuple[str, ...] | None = None
    crash_on_sections: bool = True
    patterns: dict[str, dict[str, str]]

    @field_validator("patterns")
    @classmethod
    def _patterns(cls, v: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        if "A" not in v:
            raise ValueError("must define patterns.A (the main groove)")
        for kind, lines in v.items():
            if kind not in (*SECTION_KINDS, "fill"):
                raise ValueError(f"keys must be section kinds {', '.join(SECTION_KINDS)} or 'fill' (got {kind!r})")
            for line, grid in lines.items():
                if line not in DRUM_NOTES:
                    raise ValueError(f"patterns.{kind}: line {line!r} must be one of {', '.join(DRUM_NOTES)}")
                if not isinstance(grid, str) or not _PATTERN_RE.match(grid):
                    raise ValueError(f"patterns.{kind}.{line} must be a grid of X x o . (got {grid!r})")
        return v

    @field_validator("sections")
    @classmethod
    def _sections(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return _check_sections(v)

    def plays_in(self, kind: str) -> bool:
        return self.sections is None or kind in self.sections


class ArrangementSpec(_Strict):
    """``[arrangement]``: the section ``plan`` (intro, A, A', B, …, outro), nominal ``bars`` per section
    (relative lengths: the composer scales them to the duration) and ``drop_order``: the sections left
    out, in turn, while the piece is shorter than 4 bars a section (2 for intro / outro); dropping ``A``
    removes its repeats, never the first one."""

    plan: tuple[str, ...]
    bars: tuple[int, ...]
    drop_order: tuple[str, ...] = ("A'", "intro", "outro", "A", "B")

    @model_validator(mode="after")
    def _check(self) -> ArrangementSpec:
        bad = [n for n in self.plan if not _SECTION_NAME_RE.match(n)]
        if bad:
            raise ValueError(f"plan names must be intro, outro or A/B/C with primes (got {bad})")
        if "A" not in self.plan:
            raise ValueError(f"plan must contain 'A' (got {list(self.plan)})")
        if len(self.bars) != len(self.plan) or any(b < 1 for b in self.bars):
            raise ValueError(f"bars must give a positive length for each of the {len(self.plan)} plan entries "
                             f"(got {list(self.bars)})")
        return self


class Preset(_Strict):
    """One music preset (a ``configs/music/presets/<slug>.toml`` file). Tables: see their classes."""

    slug: str
    title: str
    description: str = ""
    energy: Unit = 0.5
    valence: Unit = 0.5
    match: MatchSpec = MatchSpec()
    tempo: TempoSpec
    key: KeySpec
    progressions: dict[str, tuple[Numerals, ...]]
    cadences: CadenceSpec = CadenceSpec()
    melody: MelodySpec
    parts: tuple[PartSpec, ...]
    drums: DrumSpec | None = None
    arrangement: ArrangementSpec
    mix: dict[str, float | int | str | bool] = {}

    @field_validator("progressions")
    @classmethod
    def _progressions(cls, v: dict[str, tuple[Numerals, ...]]) -> dict[str, tuple[Numerals, ...]]:
        if "A" not in v:
            raise ValueError("must define progressions.A")
        for kind, options in v.items():
            if kind not in SECTION_KINDS:
                raise ValueError(f"keys must be section kinds {', '.join(SECTION_KINDS)} (got {kind!r})")
            if not options or any(not p for p in options):
                raise ValueError(f"progressions.{kind} must be a non-empty list of non-empty numeral lists")
            for prog in options:
                for n in prog:
                    parse_numeral(n)
        return v

    @model_validator(mode="after")
    def _check(self) -> Preset:
        steps = self.tempo.meter * 4
        for cell in (*self.melody.rhythms, *self.melody.cadence_rhythms):
            total = sum(d for d, _ in parse_rhythm(cell))
            if abs(total - self.tempo.meter) > 1e-6:
                raise ValueError(f"melody rhythm {cell!r} lasts {total:g} beats; a cell must fill one "
                                 f"{self.tempo.meter}-beat bar")
        names = [p.name for p in self.parts]
        if len(set(names)) != len(names) or "drums" in names:
            raise ValueError(f"part names must be unique and not 'drums' (got {names})")
        if sum(p.group == "melody" for p in self.parts) != 1:
            raise ValueError("parts must hold exactly one melody part")
        for p in self.parts:
            if p.pattern is not None and len(p.pattern) % steps:
                raise ValueError(f"parts.{p.name}.pattern must have a multiple of {steps} steps "
                                 f"({self.tempo.meter}/4 on a 16th grid; got {len(p.pattern)})")
        if self.drums is not None:
            for kind, lines in self.drums.patterns.items():
                for line, grid in lines.items():
                    if len(grid) % steps:
                        raise ValueError(f"drums.patterns.{kind}.{line} must have a multiple of {steps} steps "
                                         f"(got {len(grid)})")
        return self


# ----------------------------------------------------------------------------------------------
# Loading


def presets_dir(config_dir: Path | None = None) -> Path:
    return Path(config_dir or default_config_dir()) / "music" / "presets"


def load_presets(config_dir: Path | None = None) -> dict[str, Preset]:
    """Every preset in ``<config_dir>/music/presets/*.toml`` (file name order), slug → :class:`Preset`.

    Parsed once per folder and file modification time. Raises
    :class:`~sprixen_engine.errors.InvalidRequest` naming the file, the key path and the rule on bad data
    (unknown keys included).
    """
    folder = presets_dir(config_dir).resolve()
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise invalid("music presets", "folder must hold <slug>.toml preset files", str(folder))
    stamp = tuple((str(f), f.stat().st_mtime) for f in files)
    return dict(_load_cached(stamp))


@lru_cache(maxsize=8)
def _load_cached(stamp: tuple[tuple[str, float], ...]) -> tuple[tuple[str, Preset], ...]:
    out = []
    for name, _ in stamp:
        path = Path(name)
        data = read_toml(path)
        try:
            preset = Preset.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "is not a known key"
            raise invalid(f"music preset {path.name}: {loc}", msg, err.get("input")) from None
        if preset.slug != path.stem:
            raise invalid(f"music preset {path.name}: slug", "must equal the file name", preset.slug)
        out.append((preset.slug, preset))
    return tuple(out)


def get_preset(name: str, presets: Mapping[str, Preset] | None = None) -> Preset:
    """The preset ``name`` (case, spaces and hyphens forgiven); :class:`InvalidRequest` listing the presets."""
    presets = load_presets() if presets is None else presets
    key = name.strip().replace("-", "_").replace(" ", "_").lower() if isinstance(name, str) else None
    if key not in presets:
        raise invalid("preset", f"must be one of {', '.join(presets)}", name)
    return presets[key]


# ----------------------------------------------------------------------------------------------
# Modifiers


@dataclass(frozen=True)
class Modifiers:
    """Parsed modifiers. ``lead`` : (voice, program) for the melody, ``energy`` : -1 / 0 / +1,
    ``tempo`` : -1 / 0 / +1, ``mode`` : "major" / "minor" / None, ``chip`` : 8-bit voices,
    ``drums`` : False to leave the drums out."""

    lead: tuple[str, int] | None = None
    energy: int = 0
    tempo: int = 0
    mode: str | None = None
    chip: bool = False
    drums: bool = True
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModifierVocabulary:
    leads: dict[str, tuple[str, int]]  # lead id → (voice, program)
    words: dict[tuple[str, ...], str]  # phrase (singular stems) → modifier "kind:value"
    negators: frozenset[str]
    default_preset: str


def load_modifier_vocabulary(config_dir: Path | None = None) -> ModifierVocabulary:
    """``configs/music/modifiers.toml``: the modifier words (validated, cached)."""
    path = Path(config_dir or default_config_dir()) / "music" / "modifiers.toml"
    return _modifier_vocab(str(path.resolve()), path.stat().st_mtime)


@lru_cache(maxsize=8)
def _modifier_vocab(path: str, _mtime: float) -> ModifierVocabulary:
    data = read_toml(Path(path))
    where = Path(path).name
    known = {"lead", "energy", "tempo", "mode", "style", "drums", "negators", "defaults"}
    extra = set(data) - known
    if extra:
        raise invalid(f"{where}", f"tables must be {', '.join(sorted(known))}", sorted(extra))
    leads: dict[str, tuple[str, int]] = {}
    words: dict[tuple[str, ...], str] = {}

    def add(phrases: Any, modifier: str, loc: str) -> None:
        if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
            raise invalid(f"{where}: {loc}", "must be a list of words", phrases)
        for phrase in phrases:
            words[_stems(phrase)] = modifier

    for lead_id, entry in data.get("lead", {}).items():
        if not isinstance(entry, dict) or set(entry) - {"voice", "program", "words"}:
            raise invalid(f"{where}: lead.{lead_id}", "must be a table with voice, program, words", entry)
        voice, program = entry.get("voice"), entry.get("program", 0)
        if voice not in VOICES:
            raise invalid(f"{where}: lead.{lead_id}.voice", f"must be one of {', '.join(VOICES)}", voice)
        if not isinstance(program, int) or not 0 <= program <= 127:
            raise invalid(f"{where}: lead.{lead_id}.program", "must be an int 0-127", program)
        leads[lead_id] = (voice, program)
        add(entry.get("words", []), f"lead:{lead_id}", f"lead.{lead_id}.words")
    allowed = {"energy": ("high", "low"), "tempo": ("fast", "slow"), "mode": ("major", "minor"),
               "style": ("8bit",), "drums": ("none",)}
    for kind, values in allowed.items():
        table = data.get(kind, {})
        for value, phrases in table.items():
            if value not in values:
                raise invalid(f"{where}: {kind}.{value}", f"must be one of {', '.join(values)}", value)
            add(phrases, f"{kind}:{value}", f"{kind}.{value}")
    negators = data.get("negators", {}).get("words", [])
    default = data.get("defaults", {}).get("preset", "ambient_exploration")
    return ModifierVocabulary(leads, words, frozenset(_stems(" ".join(negators))), default)


def parse_modifiers(modifiers: Iterable[str] | None, vocab: ModifierVocabulary | None = None) -> Modifiers:
    """Read modifier strings (``"lead:brass"``, ``"energy:high"``, ``"tempo:slow"``, ``"mode:minor"``,
    ``"style:8bit"``, ``"drums:none"``); later ones win. :class:`InvalidRequest` naming the allowed values."""
    vocab = vocab or load_modifier_vocabulary()
    if modifiers is None:
        modifiers = ()
    if isinstance(modifiers, str):
        modifiers = [modifiers]
    allowed = [f"lead:{lead}" for lead in vocab.leads] + ["energy:high", "energy:low", "tempo:fast", "tempo:slow",
                                                           "mode:major", "mode:minor", "style:8bit", "drums:none"]
    fields: dict[str, Any] = {}
    items: list[str] = []
    for item in modifiers:
        text = str(item).strip().lower().replace("=", ":").replace(" ", "")
        if text not in allowed:
            raise invalid("modifiers", f"each must be one of {', '.join(allowed)}", item)
        kind, value = text.split(":", 1)
        items.append(text)
        if kind == "lead":
            fields["lead"] = vocab.leads[value]
        elif kind in ("energy", "tempo"):
            fields[kind] = 1 if value in ("high", "fast") else -1
        elif kind == "mode":
            fields["mode"] = value
        elif kind == "style":
            fields["chip"] = True
        elif kind == "drums":
            fields["drums"] = False
    return Modifiers(**fields, items=tuple(dict.fromkeys(items)))


# ----------------------------------------------------------------------------------------------
# Prompt matching


class SupportsEncode(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class PromptMatch(NamedTuple):
    """What :func:`match_prompt` found: the preset slug, modifier strings, confidence 0–1 and how it
    matched (``keyword`` | ``synonym`` | ``embedding`` | ``fallback``)."""

    preset: str
    modifiers: tuple[str, ...]
    confidence: float
    matched_by: str


_WEIGHTS = {"keyword": 1.0, "synonym": 0.8, "hint": 0.4}
_FORMS: dict[str, str] = {}


def _stems(text: str) -> tuple[str, ...]:
    words = re.findall(r"[^\W_]+", _prepare(text))
    return tuple(_singular(w, _FORMS) for w in words)


def _phrase_table(presets: Mapping[str, Preset], vocab: ModifierVocabulary) -> dict[tuple[str, ...], list[tuple]]:
    table: dict[tuple[str, ...], list[tuple]] = {}
    for slug, p in presets.items():
        for tier, phrases in (("keyword", p.match.keywords), ("synonym", p.match.synonyms),
                              ("hint", p.match.hints)):
            for phrase in phrases:
                stems = _stems(phrase)
                if stems:
                    table.setdefault(stems, []).append(("preset", slug, tier))
    for stems, modifier in vocab.words.items():
        if stems:
            table.setdefault(stems, []).append(("modifier", modifier, ""))
    return table


def match_prompt(prompt: str, *, presets: Mapping[str, Preset] | None = None,
                 embedder: SupportsEncode | None = None,
                 vocabulary: ModifierVocabulary | None = None) -> PromptMatch:
    """The preset a free prompt asks for, plus modifiers.

    >>> match_prompt("epic orchestral battle theme with brass")[:2]
    ('epic_orchestral', ('lead:brass', 'energy:high'))
    >>> match_prompt("8-bit adventure").preset
    'chiptune_adventure'

    Never raises on a string (an empty or meaningless prompt gives the default preset with confidence
    0.1); ``TypeError`` for a non-string.
    """
    if not isinstance(prompt, str):
        raise TypeError(f"prompt must be a str (got {type(prompt).__name__})")
    presets = load_presets() if presets is None else presets
    vocab = vocabulary or load_modifier_vocabulary()
    table = _phrase_table(presets, vocab)
    max_len = max((len(k) for k in table), default=1)
    words = _stems(prompt)

    # 1. phrases, longest first, each word used once
    hits: list[tuple[int, tuple[str, ...], list[tuple]]] = []
    i = 0
    while i < len(words):
        for n in range(min(max_len, len(words) - i), 0, -1):
            entries = table.get(words[i:i + n])
            if entries:
                hits.append((i, words[i:i + n], entries))
                i += n
                break
        else:
            i += 1

    # 2. preset scores
    scores: dict[str, float] = {}
    tiers: dict[str, set[str]] = {}
    first_at: dict[str, int] = {}
    for pos, _, entries in hits:
        for kind, value, tier in entries:
            if kind == "preset":
                scores[value] = scores.get(value, 0.0) + _WEIGHTS[tier]
                tiers.setdefault(value, set()).add(tier)
                first_at.setdefault(value, pos)
    order = {slug: k for k, slug in enumerate(presets)}
    ranked = sorted(scores, key=lambda s: (-scores[s], first_at[s], order[s]))

    # 3. modifiers: words that did not count for the chosen preset
    def modifiers_for(chosen: str | None) -> tuple[str, ...]:
        mods: dict[str, None] = {}
        for pos, _, entries in hits:
            if chosen is not None and any(k == "preset" and v == chosen for k, v, _ in entries):
                continue
            for kind, value, _ in entries:
                if kind == "modifier":
                    if pos > 0 and words[pos - 1] in vocab.negators:
                        value = _negate(value)
                    if value:
                        mods[value] = None
        return tuple(mods)

    if ranked:
        best = ranked[0]
        score = scores[best]
        tier_set = tiers[best]
        if "keyword" in tier_set:
            conf, by = (1.0 if score >= 2.0 else 0.9), "keyword"
        elif "synonym" in tier_set:
            conf, by = 0.8, "synonym"
        else:
            conf, by = 0.5, "synonym"
        if len(ranked) > 1 and scores[ranked[1]] >= 0.75 * score:
            conf -= 0.15
        return PromptMatch(best, modifiers_for(best), round(conf, 3), by)

    mods = modifiers_for(None)
    # 4. fallbacks: spelling, embedder, nearest by modifiers, default
    content = [w for w in words if len(w) >= 4]
    singles = {k[0]: v for k, v in table.items() if len(k) == 1}
    best_ratio, best_slug = 0.0, None
    for w in content:
        for cand in difflib.get_close_matches(w, list(singles), n=3, cutoff=0.85):
            ratio = difflib.SequenceMatcher(None, w, cand).ratio()
            slugs = [v for k, v, _ in singles[cand] if k == "preset"]
            if slugs and ratio > best_ratio:
                best_ratio, best_slug = ratio, slugs[0]
    if best_slug is not None:
        return PromptMatch(best_slug, _drop_implied(mods, presets[best_slug]), round(0.5 * best_ratio, 3), "fallback")
    if embedder is not None and prompt.strip():
        try:
            texts = [prompt] + [f"{p.title}: {p.description}" for p in presets.values()]
            vecs = np.asarray(embedder.encode(texts), dtype=np.float64)
            sims = vecs[1:] @ vecs[0]
            k = int(np.argmax(sims))
            slug = list(presets)[k]
            return PromptMatch(slug, _drop_implied(mods, presets[slug]), round(float(max(0.0, sims[k])) * 0.8, 3),
                               "embedding")
        except Exception:  # noqa: BLE001 - a broken embedder must not break matching
            pass
    nearest = _nearest_by_modifiers(mods, presets)
    if nearest is not None:
        return PromptMatch(nearest, _drop_implied(mods, presets[nearest]), 0.25, "fallback")
    default = vocab.default_preset if vocab.default_preset in presets else next(iter(presets))
    return PromptMatch(default, mods, 0.1, "fallback")


def _negate(modifier: str) -> str:
    flips = {"energy:high": "energy:low", "energy:low": "energy:high", "tempo:fast": "tempo:slow",
             "tempo:slow": "tempo:fast", "mode:major": "mode:minor", "mode:minor": "mode:major"}
    return flips.get(modifier, "" if modifier in ("style:8bit", "drums:none") else modifier)


def _drop_implied(mods: tuple[str, ...], preset: Preset) -> tuple[str, ...]:
    chip = preset.parts[0].voice in ("pulse", "triangle") or (preset.drums is not None
                                                              and preset.drums.voice == "noise_drums")
    return tuple(m for m in mods if not (m == "style:8bit" and chip))


def _nearest_by_modifiers(mods: tuple[str, ...], presets: Mapping[str, Preset]) -> str | None:
    """The preset whose energy / brightness / tempo is nearest to what the modifiers ask for."""
    target: dict[str, float] = {}
    for m in mods:
        kind, value = m.split(":", 1)
        if kind == "energy":
            target["energy"] = 0.85 if value == "high" else 0.2
        elif kind == "mode":
            target["valence"] = 0.8 if value == "major" else 0.2
        elif kind == "tempo":
            target["tempo"] = 150.0 if value == "fast" else 75.0
        elif kind == "style":
            chip = [s for s, p in presets.items() if p.drums is not None and p.drums.voice == "noise_drums"]
            if chip:
                return chip[0]
    if not target:
        return None

    def distance(p: Preset) -> float:
        d = 0.0
        if "energy" in target:
            d += (p.energy - target["energy"]) ** 2
        if "valence" in target:
            d += (p.valence - target["valence"]) ** 2
        if "tempo" in target:
            d += ((sum(p.tempo.range) / 2 - target["tempo"]) / 100.0) ** 2
        return d

    return min(presets, key=lambda s: distance(presets[s]))
