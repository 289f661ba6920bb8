"""Procedural composer: theory kernels, presets, prompt matching, composition properties and MIDI export."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import mido
import numpy as np
import pytest

from sprixen_engine.errors import InvalidRequest
from sprixen_engine.music.compose import BPM_RANGE, DURATION_RANGE, compose, fit_length, plan_sections
from sprixen_engine.music.midi import TICKS_PER_BEAT, read_midi_notes, write_midi
from sprixen_engine.music.presets import (
    PRESET_NAMES,
    VOICES,
    get_preset,
    load_presets,
    match_prompt,
    parse_modifiers,
    parse_rhythm,
)
from sprixen_engine.music.score import GROUPS
from sprixen_engine.music.theory import (
    MODES,
    chord_from_numeral,
    key_name,
    midi_key_name,
    parse_key,
    parse_numeral,
    relative_key,
    scale_pcs,
    voice_chord,
)
from sprixen_engine.requests import MUSIC_PRESETS, MusicRequest

SHARPS = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLATS = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")

# Krumhansl–Kessler key profiles (major, minor), index 0 = tonic
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def kk_key(score) -> tuple[int, str]:
    """Krumhansl–Kessler key of the score's pitched notes (duration-weighted pitch-class histogram)."""
    hist = np.zeros(12)
    for part in score.parts:
        if not part.is_drums:
            for n in part.notes:
                hist[n.pitch % 12] += n.duration
    best = max(((np.corrcoef(hist, np.roll(prof, t))[0, 1], t, mode) for t in range(12)
                for mode, prof in (("major", KK_MAJOR), ("minor", KK_MINOR))))
    return best[1], best[2]


def melody(score):
    (part,) = [p for p in score.parts if p.group == "melody"]
    return part


# ----------------------------------------------------------------------------------------------
# theory


@pytest.mark.parametrize("tonic", range(12))
@pytest.mark.parametrize("mode", ["major", "minor"])
def test_parse_key_all_24_keys_and_spellings(tonic: int, mode: str) -> None:
    names = {SHARPS[tonic], FLATS[tonic]}
    suffix = "m" if mode == "minor" else ""
    for name in names:
        spellings = [f"{name} {mode}", f"{name.lower()} {mode}", f"{name.upper()} {mode.upper()}", f"{name}{suffix}",
                     f"  {name}   {mode} ", name.replace("#", "\u266f").replace("b", "\u266d") + f" {mode}",
                     f"{name}-{mode}", f"{name} {'min' if mode == 'minor' else 'maj'}"]
        if len(name) == 2:
            word = "sharp" if name[1] == "#" else "flat"
            spellings.append(f"{name[0]} {word} {mode}")
        for text in spellings:
            assert parse_key(text) == (tonic, mode), text
    assert parse_key(key_name(tonic, mode)) == (tonic, mode)


@pytest.mark.parametrize(("text", "expected"), [
    ("D minor", (2, "minor")), ("F# major", (6, "major")), ("Bb minor", (10, "minor")), ("Dm", (2, "minor")),
    ("d minor", (2, "minor")), ("C", (0, "major")), ("DM", (2, "major")), ("B\u266dm", (10, "minor")),
    ("e flat major", (3, "major")), ("A dorian", (9, "dorian")), ("E phrygian", (4, "phrygian")),
    ("F lydian", (5, "lydian")), ("G mixolydian", (7, "mixolydian")), ("A harmonic minor", (9, "harmonic_minor")),
    ("c# harmonic_minor", (1, "harmonic_minor")), ("Cb major", (11, "major")), ("E# minor", (5, "minor")),
    ("key of G major", (7, "major")), ("A aeolian", (9, "minor")), ("C ionian", (0, "major")),
])
def test_parse_key_forms(text: str, expected: tuple[int, str]) -> None:
    assert parse_key(text) == expected


@pytest.mark.parametrize("bad", ["H minor", "D minr", "", "   ", "C##", "minor", "D major minor", "Do majeur", 5, None,
                                 "X", "D locrian"])
def test_parse_key_invalid_names_allowed_forms(bad: object) -> None:
    with pytest.raises(InvalidRequest, match="must be a key like 'D minor' or 'F# major'") as info:
        parse_key(bad)  # type: ignore[arg-type]
    assert info.value.field == "key"
    assert "dorian" in info.value.message and "harmonic minor" in info.value.message


@pytest.mark.parametrize("mode", list(MODES))
def test_key_names_round_trip_and_midi_names(mode: str) -> None:
    for tonic in range(12):
        assert parse_key(key_name(tonic, mode)) == (tonic, mode)
        mido.MetaMessage("key_signature", key=midi_key_name(tonic, mode))  # a name mido accepts
    assert key_name(10, "minor") == "Bb minor" and key_name(6, "major") == "F# major"
    assert midi_key_name(2, "dorian") == "C" and midi_key_name(9, "harmonic_minor") == "Am"


def test_scales_and_relative_keys() -> None:
    assert scale_pcs(2, "minor") == (2, 4, 5, 7, 9, 10, 0)
    assert set(scale_pcs(9, "minor")) == set(scale_pcs(0, "major"))
    assert relative_key(9, "minor") == (0, "major") and relative_key(0, "major") == (9, "minor")
    for mode, steps in MODES.items():
        assert len(steps) == 7 and steps[0] == 0 and list(steps) == sorted(steps), mode


def test_roman_numerals() -> None:
    assert parse_numeral("bVII") == (6, -1, "maj")
    assert parse_numeral("vii°7") == (6, 0, "dim7")
    assert parse_numeral("Imaj7")[2] == "maj7" and parse_numeral("V7")[2] == "dom7"
    assert parse_numeral("ii7")[2] == "min7" and parse_numeral("IVsus4")[2] == "sus4"
    c_minor = [chord_from_numeral(n, 0, "minor") for n in ("i", "iv", "V", "VI", "VII", "bII", "III")]
    assert [(c.root, c.quality) for c in c_minor] == [(0, "min"), (5, "min"), (7, "maj"), (8, "maj"), (10, "maj"),
                                                      (1, "maj"), (3, "maj")]
    assert chord_from_numeral("V", 0, "minor").pcs == (7, 11, 2)  # the raised leading tone
    with pytest.raises(InvalidRequest, match="roman numeral"):
        parse_numeral("VIII")


def test_numerals_translate_between_major_and_minor() -> None:
    in_minor = [chord_from_numeral(n, 0, "minor", written_for="major") for n in ("I", "IV", "V", "vi", "bVII")]
    assert [(c.root, c.quality) for c in in_minor] == [(0, "min"), (5, "min"), (7, "maj"), (8, "maj"), (10, "maj")]
    in_major = [chord_from_numeral(n, 0, "major", written_for="minor") for n in ("i", "VI", "VII", "iv", "bII")]
    assert [(c.root, c.quality) for c in in_major] == [(0, "maj"), (9, "min"), (5, "maj"), (5, "maj"), (1, "maj")]


def test_voice_chord_range_tones_and_voice_leading() -> None:
    c_major, f_major = chord_from_numeral("I", 0, "major"), chord_from_numeral("IV", 0, "major")
    first = voice_chord(c_major, low=52, high=76, voices=4)
    assert len(first) == 4 and all(52 <= p <= 76 for p in first) and list(first) == sorted(first)
    assert {p % 12 for p in first} == {0, 4, 7}
    nxt = voice_chord(f_major, low=52, high=76, voices=4, prev=first)
    assert {p % 12 for p in nxt} == {5, 9, 0}
    assert sum(abs(a - b) for a, b in zip(first, nxt)) <= 6  # smooth: C-E-G-C → C-F-A-C style
    seventh = voice_chord(chord_from_numeral("V7", 0, "major"), low=48, high=72, voices=3)
    assert len(seventh) == 3 and 11 in {p % 12 for p in seventh} and 5 in {p % 12 for p in seventh}


# ----------------------------------------------------------------------------------------------
# presets


def test_preset_files_are_the_ten_of_the_reference() -> None:
    presets = load_presets()
    assert tuple(sorted(presets)) == tuple(sorted(PRESET_NAMES)) == tuple(sorted(MUSIC_PRESETS))
    for slug, p in presets.items():
        assert p.slug == slug and p.title and p.description
        assert sum(part.group == "melody" for part in p.parts) == 1
        assert all(part.voice in VOICES for part in p.parts)
        assert p.drums is None or p.drums.voice in VOICES


def test_presets_are_clearly_different() -> None:
    presets = load_presets()
    signatures = {(p.parts[0].voice, tuple(sorted({q.voice for q in p.parts})), p.tempo.range, p.tempo.meter,
                   p.drums.voice if p.drums else None) for p in presets.values()}
    assert len(signatures) == len(presets)
    melody_voices = {next(q.voice for q in p.parts if q.group == "melody") for p in presets.values()}
    assert len(melody_voices) >= 7
    tempos = sorted(sum(p.tempo.range) / 2 for p in presets.values())
    assert tempos[-1] - tempos[0] > 80  # from slow ambient/dungeon to fast battle/boss


def _copy_configs(tmp_path: Path) -> Path:
    root = tmp_path / "configs"
    shutil.copytree(Path(__file__).resolve().parents[1] / "configs" / "music", root / "music")
    return root


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('voice = "strings"', 'voice = "violin"', "must be one of pulse"),
    ("[tempo]", "[tempo]\nbogus = 1", "tempo.bogus: is not a known key"),
    ('range = [84, 112]', 'range = [84, 300]', "tempo.range"),
    ('kick = "X.......X.x....."', 'kick = "X.......X.x.."', "multiple of 16 steps"),
    ('rhythms = ["h q q"', 'rhythms = ["h q"', "lasts 3 beats"),
    ('"i", "VI", "III", "VII"]', '"i", "VI", "III", "VIII"]', "roman numeral"),
    ('style = "root_fifth"', 'style = "waltz"', "style of a bass part must be one of"),
])
def test_bad_preset_data_names_file_and_key(tmp_path: Path, old: str, new: str, expected: str) -> None:
    root = _copy_configs(tmp_path)
    path = root / "music" / "presets" / "epic_orchestral.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(InvalidRequest, match="epic_orchestral.toml") as info:
        load_presets(root)
    assert expected in str(info.value)


def test_a_new_preset_is_data(tmp_path: Path) -> None:
    root = _copy_configs(tmp_path)
    src = (root / "music" / "presets" / "menu_chill.toml").read_text()
    (root / "music" / "presets" / "lofi_rain.toml").write_text(src.replace('slug = "menu_chill"', 'slug = "lofi_rain"'))
    presets = load_presets(root)
    assert "lofi_rain" in presets
    score = compose(preset="lofi_rain", duration=12, seed=1, presets=presets)
    assert score.metadata["preset"] == "lofi_rain"


def test_rhythm_cells() -> None:
    assert parse_rhythm("q. e h") == [(1.5, False), (0.5, False), (2.0, False)]
    assert parse_rhythm("rq q h") == [(1.0, True), (1.0, False), (2.0, False)]
    with pytest.raises(ValueError, match="rhythm token"):
        parse_rhythm("q z")


# ----------------------------------------------------------------------------------------------
# input validation


@pytest.mark.parametrize("bpm", [39.9, 240.5, 0, -10, float("nan"), "fast", True])
def test_bpm_outside_limits(bpm: object) -> None:
    with pytest.raises(InvalidRequest, match="bpm: must be a number between 40 and 240") as info:
        compose(preset="menu_chill", bpm=bpm, duration=10, seed=1)  # type: ignore[arg-type]
    assert info.value.field == "bpm"


@pytest.mark.parametrize("duration", [4.99, 300.01, 0, -5, float("inf")])
def test_duration_outside_limits(duration: float) -> None:
    with pytest.raises(InvalidRequest, match="duration: must be between 5 and 300 seconds"):
        compose(preset="menu_chill", duration=duration, seed=1)


def test_limits_agree_with_the_request_model() -> None:
    fields = MusicRequest.model_fields
    bpm = {type(m).__name__: m for m in fields["bpm"].metadata}
    dur = {type(m).__name__: m for m in fields["duration"].metadata}
    assert (bpm["Ge"].ge, bpm["Le"].le) == BPM_RANGE
    assert (dur["Ge"].ge, dur["Le"].le) == DURATION_RANGE


def test_unknown_preset_lists_the_ten() -> None:
    with pytest.raises(InvalidRequest) as info:
        compose(preset="polka", duration=10, seed=1)
    assert info.value.field == "preset"
    for name in PRESET_NAMES:
        assert name in info.value.message
    assert get_preset("Epic-Orchestral").slug == "epic_orchestral"


def test_bad_key_seed_and_modifier() -> None:
    with pytest.raises(InvalidRequest, match="must be a key like 'D minor' or 'F# major'"):
        compose(preset="menu_chill", key="Q minor", duration=10, seed=1)
    with pytest.raises(InvalidRequest, match="seed: must be an integer between 0 and 4294967295"):
        compose(preset="menu_chill", duration=10, seed=-1)
    with pytest.raises(InvalidRequest, match="modifiers: each must be one of lead:brass"):
        compose(preset="menu_chill", duration=10, seed=1, modifiers=["lead:kazoo"])


# ----------------------------------------------------------------------------------------------
# composition


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_every_preset_composes(preset: str) -> None:
    for seed, duration, loop in ((0, 30.0, False), (7, 12.5, True), (123456, 61.3, False)):
        score = compose(preset=preset, duration=duration, seed=seed, loop=loop)
        assert abs(score.duration - duration) < 1e-3
        assert score.metadata["preset"] == preset and score.metadata["seed"] == seed
        lo, hi = get_preset(preset).tempo.range
        assert lo * 0.9 <= score.bpm <= hi * 1.1
        assert {p.group for p in score.parts} <= set(GROUPS) and "melody" in {p.group for p in score.parts}
        assert len({p.name for p in score.parts}) == len(score.parts)
        assert len(score.chords) == score.metadata["bars"]
        assert abs(sum(s.beats for s in score.sections) - score.total_beats) < 1e-9
        for part in score.parts:
            assert part.instrument in VOICES and 0 <= part.program <= 127
            assert part.is_drums == (part.group == "drums")
            for n in part.notes:
                assert 0 <= n.start < score.total_beats and n.duration > 0
                assert n.start + n.duration <= score.total_beats + 1e-9
                assert 0 <= n.pitch <= 127 and 1 <= n.velocity <= 127
        assert len(melody(score).notes) >= 4


@pytest.mark.parametrize(("duration", "bpm", "loop"), [
    (5, None, False), (5, 40, True), (7.3, 97.3, False), (30, 140, False), (30, 120, True), (45.55, 61, True),
    (61.7, 200, False), (120, None, True), (300, 240, False), (300, None, False), (5.01, 239, True), (9.99, 41, False),
])
def test_duration_is_exact(duration: float, bpm: float | None, loop: bool) -> None:
    score = compose(preset="chiptune_adventure", bpm=bpm, duration=duration, seed=3, loop=loop)
    assert abs(score.duration - duration) < 1e-3
    if bpm is not None:
        stretch = score.bpm / bpm
        assert abs(stretch - 1) <= 0.02 + 1e-9
        assert score.metadata["fit"] in ("whole_bars", "whole_beats", "exact_tempo")
        if score.metadata["fit"] == "exact_tempo":
            assert score.bpm == bpm


def test_fit_length_cases() -> None:
    assert fit_length(60, 120, 4) == (120.0, 120.0, "whole_bars")
    bpm, beats, fit = fit_length(30, 118, 4)  # 59 beats = 14.75 bars → 15 bars at 120 (+1.7 %)
    assert (bpm, beats, fit) == (120.0, 60.0, "whole_bars")
    bpm, beats, fit = fit_length(20, 111, 4)  # 9.25 bars: no whole bar within 2 %, 37 whole beats
    assert fit == "whole_beats" and beats == 37 and bpm == 111
    bpm, beats, fit = fit_length(5, 110, 4)  # 9.17 beats = 2.3 bars: 9 beats at 108 bpm (-1.8 %)
    assert fit == "whole_beats" and beats == 9 and bpm == 108
    bpm, beats, fit = fit_length(5.7, 100, 4)  # 9.5 beats: nothing within 2 %
    assert fit == "exact_tempo" and bpm == 100 and abs(beats - 5.7 * 100 / 60) < 1e-12
    bpm, beats, fit = fit_length(5, 97, 4, free_range=(84, 112))  # free tempo: 2 bars at 96
    assert (bpm, beats, fit) == (96.0, 8.0, "whole_bars")


def test_plan_sections_scales_with_length() -> None:
    spec = get_preset("epic_orchestral")
    for n in (1, 3, 8, 12, 17, 34, 60, 150):
        plan = plan_sections(n, spec, loop=False)
        assert sum(b for _, b in plan) == n
        assert plan[0][0] in ("intro", "A") and all(b >= 1 for _, b in plan)
    assert [name for name, _ in plan_sections(34, spec, loop=False)] == ["intro", "A", "A'", "B", "A"]
    long_plan = [name for name, _ in plan_sections(150, spec, loop=False)]
    assert long_plan.count("B") >= 3 and long_plan[0] == "intro"
    assert all(name != "intro" for name, _ in plan_sections(34, spec, loop=True))


@pytest.mark.parametrize("preset", PRESET_NAMES)
@pytest.mark.parametrize("key", [None, "D minor", "F# major", "Bb minor", "C major"])
def test_melody_in_scale_and_key_detected(preset: str, key: str | None) -> None:
    for seed in (1, 2):
        score = compose(preset=preset, key=key, duration=30, seed=seed)
        if key is not None:
            assert (score.key_tonic, score.mode) == parse_key(key) or (
                parse_key(key)[1] == "minor" and score.mode == "minor")
        pcs = set(scale_pcs(score.key_tonic, score.mode))
        notes = melody(score).notes
        assert np.mean([n.pitch % 12 in pcs for n in notes]) >= 0.9
        family = "minor" if score.mode in ("minor", "harmonic_minor", "dorian", "phrygian") else "major"
        found = kk_key(score)
        assert found in ((score.key_tonic, family), relative_key(score.key_tonic, family)), (seed, found)


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_final_cadence_on_the_tonic(preset: str) -> None:
    for seed in (0, 5):
        score = compose(preset=preset, key="E minor" if seed else None, duration=25, seed=seed)
        last = max(melody(score).notes, key=lambda n: n.start)
        assert last.pitch % 12 == score.key_tonic
        assert abs(last.start + last.duration - score.total_beats) < 1e-6  # held to the very end
        assert score.chords[-1][0] == score.key_tonic
        bass = [p for p in score.parts if p.group == "bass"][0]
        assert max(bass.notes, key=lambda n: n.start).pitch % 12 == score.key_tonic
        # section ends: every A section closes on the tonic (melody and chord)
        mel = melody(score).notes
        for section in score.sections:
            if section.name.rstrip("'") == "A":
                end = section.start + section.beats
                inside = [n for n in mel if section.start <= n.start < end]
                assert inside and max(inside, key=lambda n: n.start).pitch % 12 == score.key_tonic
                bar = int(round(end / score.meter)) - 1
                assert score.chords[bar][0] == score.key_tonic


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_loop_end_leads_back_to_the_start(preset: str) -> None:
    for seed, duration in ((0, 20.0), (9, 33.3)):
        score = compose(preset=preset, duration=duration, seed=seed, loop=True)
        assert score.loop and abs(score.duration - duration) < 1e-3
        assert score.sections[0].name == "A" and all(s.name not in ("intro", "outro") for s in score.sections)
        first, last = score.chords[0], score.chords[-1]
        assert first[0] == score.key_tonic
        assert (last[0] - first[0]) % 12 in (5, 7, 10, 11)  # V, IV, bVII or vii leading back to I
        mel = sorted(melody(score).notes, key=lambda n: n.start)
        assert abs(mel[-1].pitch - mel[0].pitch) <= 4  # the melody steps back into its first note
        assert mel[-1].pitch % 12 != score.key_tonic or mel[0].pitch % 12 != score.key_tonic
        for part in score.parts:
            assert all(n.start + n.duration <= score.total_beats + 1e-9 for n in part.notes)


def test_loop_has_no_held_final_chord() -> None:
    loop = compose(preset="scifi_synthwave", duration=30, seed=4, loop=True)
    once = compose(preset="scifi_synthwave", duration=30, seed=4, loop=False)
    drums_loop = next(p for p in loop.parts if p.is_drums)
    drums_once = next(p for p in once.parts if p.is_drums)
    last_bar = loop.total_beats - loop.meter
    assert sum(n.start >= last_bar for n in drums_loop.notes) > 4  # the groove runs to the end
    assert sum(n.start >= last_bar for n in drums_once.notes) <= 2  # a final hit


def test_deterministic_per_seed() -> None:
    a = compose(preset="boss_fight", duration=20, seed=42, modifiers=["lead:brass"])
    b = compose(preset="boss_fight", duration=20, seed=42, modifiers=["lead:brass"])
    assert a == b


def test_seeds_differ() -> None:
    melodies = set()
    for seed in range(6):
        score = compose(preset="peaceful_village", key="G major", bpm=96, duration=30, seed=seed)
        melodies.add(tuple((n.start, n.pitch) for n in melody(score).notes))
    assert len(melodies) == 6
    keys = {compose(preset="epic_orchestral", duration=10, seed=s).metadata["key"] for s in range(12)}
    assert len(keys) >= 3


def test_melody_has_motifs_and_repetition() -> None:
    score = compose(preset="chiptune_adventure", key="C major", bpm=150, duration=60, seed=11)
    mel = melody(score).notes
    meter = score.meter

    def bar_rhythm(b: int) -> tuple[float, ...]:
        return tuple(round(n.start - b * meter, 3) for n in mel if b * meter <= n.start < (b + 1) * meter)

    roles = score.metadata["roles"]
    m_bars = [i for i, r in enumerate(roles) if r == "M"]
    rhythms = [bar_rhythm(b) for b in m_bars]
    assert max(rhythms.count(r) for r in rhythms) >= 3  # the motif's rhythm comes back
    intervals = np.abs(np.diff([n.pitch for n in mel]))
    assert np.mean(intervals <= 4) >= 0.6  # mostly stepwise
    assert np.max(intervals) <= 12


def test_requested_bpm_and_key_are_used() -> None:
    score = compose(preset="epic_orchestral", bpm=140, key="D minor", duration=30, seed=1)
    assert abs(score.bpm / 140 - 1) <= 0.02 and (score.key_tonic, score.mode) == (2, "minor")
    assert score.metadata["key"] == "D minor" and score.metadata["requested_bpm"] == 140


# ----------------------------------------------------------------------------------------------
# modifiers and prompts


def test_modifiers_change_the_score() -> None:
    base = compose(preset="epic_orchestral", duration=20, seed=2)
    brass = compose(preset="epic_orchestral", duration=20, seed=2, modifiers=["lead:brass", "energy:high"])
    assert melody(brass).instrument == "brass" and melody(brass).program == 61
    assert brass.bpm >= base.bpm
    assert np.mean([n.velocity for n in melody(brass).notes]) > np.mean([n.velocity for n in melody(base).notes])
    chip = compose(preset="dungeon_dark", duration=20, seed=2, modifiers=["style:8bit"])
    assert {p.instrument for p in chip.parts} <= {"pulse", "triangle", "noise_drums"}
    calm = compose(preset="battle_intense", duration=20, seed=2, modifiers=["energy:low", "drums:none"])
    assert not any(p.is_drums for p in calm.parts)
    dark = compose(preset="chiptune_adventure", duration=20, seed=2, modifiers=["mode:minor"])
    assert dark.mode in ("minor", "harmonic_minor", "dorian", "phrygian")
    fast = compose(preset="menu_chill", duration=20, seed=2, modifiers=["tempo:fast"])
    assert fast.bpm > get_preset("menu_chill").tempo.range[1]
    assert parse_modifiers(["Energy = High"]).energy == 1


@pytest.mark.parametrize(("prompt", "preset", "modifiers"), [
    ("epic orchestral battle theme with brass", "epic_orchestral", {"lead:brass", "energy:high"}),
    ("8-bit adventure", "chiptune_adventure", set()),
    ("spooky dungeon", "dungeon_dark", set()),
    ("chill menu music", "menu_chill", set()),
    ("a cozy tavern with a lute", "fantasy_tavern", {"lead:lute"}),
    ("neon cyberpunk city at night", "scifi_synthwave", set()),
    ("final boss fight, very fast", "boss_fight", {"tempo:fast"}),
    ("calm village morning with piano", "peaceful_village", {"lead:piano"}),
    ("misty forest exploration", "ambient_exploration", set()),
    ("intense combat music, no drums", "battle_intense", {"drums:none"}),
    ("8-bit dungeon", "dungeon_dark", {"style:8bit"}),
    ("dark orchestral piece", "epic_orchestral", {"mode:minor"}),
    ("happy retro platformer, less intense", "chiptune_adventure", {"energy:low"}),
])
def test_match_prompt(prompt: str, preset: str, modifiers: set[str]) -> None:
    found = match_prompt(prompt)
    assert found.preset == preset
    assert modifiers <= set(found.modifiers)
    assert found.confidence >= 0.6 and found.matched_by in ("keyword", "synonym")
    compose(preset=found.preset, modifiers=found.modifiers, duration=8, seed=0)  # the modifiers are valid


def test_match_prompt_unknown_is_low_confidence() -> None:
    nothing = match_prompt("qwzx plorb")
    assert nothing.preset in PRESET_NAMES and nothing.confidence <= 0.2 and nothing.matched_by == "fallback"
    mood = match_prompt("something sad and slow")
    assert mood.preset in PRESET_NAMES and mood.confidence < 0.5 and {"mode:minor", "tempo:slow"} <= set(mood.modifiers)
    typo = match_prompt("dungen crawl")
    assert typo.preset == "dungeon_dark" and typo.matched_by == "fallback" and typo.confidence < 0.6
    preset, mods, conf, by = match_prompt("epic orchestral")  # a plain 4-tuple
    assert (preset, conf, by) == ("epic_orchestral", 1.0, "keyword") and mods == ()
    with pytest.raises(TypeError):
        match_prompt(None)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------------------
# MIDI


@pytest.mark.parametrize("preset", ["epic_orchestral", "fantasy_tavern", "scifi_synthwave"])
def test_midi_round_trip(preset: str, tmp_path: Path) -> None:
    score = compose(preset=preset, key="Bb minor", duration=20, seed=9)
    buf = io.BytesIO()
    write_midi(score, buf)
    buf.seek(0)
    mid = mido.MidiFile(file=buf)
    assert mid.ticks_per_beat == TICKS_PER_BEAT and mid.type == 1
    assert len(mid.tracks) == len(score.parts)
    metas = [m for m in mid.tracks[0] if m.is_meta]
    tempo = next(m for m in metas if m.type == "set_tempo")
    assert abs(mido.tempo2bpm(tempo.tempo) - score.bpm) < 1e-3
    assert next(m for m in metas if m.type == "key_signature").key == "Bbm"
    ts = next(m for m in metas if m.type == "time_signature")
    assert (ts.numerator, ts.denominator) == (score.meter, 4)
    assert [m.text for m in metas if m.type == "marker"] == [s.name for s in score.sections]
    assert abs(mid.length - score.duration) < 0.01
    notes = read_midi_notes(mid)
    for index, part in enumerate(score.parts):
        got = [n for n in notes if n.track == index]
        assert len(got) == len(part.notes), part.name
        want = sorted(part.notes, key=lambda n: (n.start, n.pitch))
        assert [n.pitch for n in got] == [n.pitch for n in want]
        assert [n.start for n in got] == pytest.approx([n.start for n in want], abs=1e-9)
        assert [n.duration for n in got] == pytest.approx([n.duration for n in want], abs=1e-9)
        assert [n.velocity for n in got] == [n.velocity for n in want]
        assert {n.channel for n in got} <= ({9} if part.is_drums else set(range(16)) - {9})
        track = mid.tracks[index]
        assert next(m for m in track if m.type == "track_name").name == part.name
        programs = [m.program for m in track if m.type == "program_change"]
        assert programs == ([] if part.is_drums else [part.program])
    path = tmp_path / "out" / "song.mid"
    write_midi(score, path)
    assert len(read_midi_notes(path)) == sum(len(p.notes) for p in score.parts)
