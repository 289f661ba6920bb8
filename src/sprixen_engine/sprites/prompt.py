"""Prompt understanding: free text → subject, colours, styles, size, view and equipment.

:func:`parse_prompt` never raises on a string: words it does not understand are reported in
``unknown_words`` and the subject falls back step by step (see *Subject selection* below).
All word lists are data in ``configs/vocabulary.toml``; subject words come from the catalogue
(``configs/subjects/*.toml``).

Text handling
-------------
The prompt is NFKC-normalised and case-folded; hyphens and underscores count as spaces, ``'s``
is dropped, and punctuation (``, ; . : ! ? ( ) / |`` and new lines) separates phrases. Each word
is singularised (``wolves`` → ``wolf``, ``boxes`` → ``box``, ``fairies`` → ``fairy``, irregular
forms from ``[word_forms]``) on both sides of every comparison. Phrases are matched greedily,
longest first, so ``"dark elf"`` is the elf subject, not the colour modifier "dark" plus "elf".

Sizes are read from ``32x32``, ``32 x 48``, ``32×48``, ``32 by 48`` (→ ``(w, h)``) and ``64px`` /
``64 pixels`` (→ ``(64, 64)``). ``16-bit`` is a style, never a size.

Subject selection
-----------------
The prompt is cut into *segments* at punctuation (a new *main* segment), at equipment triggers
("with", "holding", "wielding", ... → an *attachment* segment) and at prepositions ("in", "on",
"of", "riding", ... → a *complement* segment); a conjunction ("and", "&") continues the kind of
the segment it is in. Subject words found in a segment are *strong* (an id or synonym) or *weak*
(a single word that is also a colour or style: "gold", "emerald", "fire", "light").

1. The first main segment with a strong match gives the subject: its *head*, i.e. the last match
   ("a warrior knight" → knight, "a knight helmet" → helmet, "mossy rock" → rock) — except that a
   body beats a job: when the head names a job ("knight", "warrior", "wizard", ...) and an earlier
   match in the same segment names a body (``[subjects].bodies``: elf, dwarf, orc, goblin,
   skeleton, zombie, robot), the body wins ("skeleton knight" → skeleton, "orc warrior" → orc);
   the job is reported in ``modifiers``.
2. If main segments hold words the catalogue does not know ("a crocodile", "a knigt with a
   sword"): a close spelling of a subject word (difflib ratio ≥ 0.85), else the embedding matcher
   (restricted to the archetype/category of a ``[hints]`` word such as crocodile → quadruped),
   else the hint's default subject.
3. A weak match in a main segment ("gold" → coin).
4. A match in a complement, then an attachment segment ("a picture of a knight", "with a sword").
5. A derived word ("mossy" → moss, "armored" → armor).
6. Any unknown word anywhere, as in 2, then a looser spelling match (ratio ≥ 0.75).
7. ``[subjects].default`` (villager) with confidence 0.05.

Weapons and shields apply to characters and creatures: the first held item (``held_items``)
mentioned outside the subject phrase, preferring one after a trigger ("a wizard holding a
sword" → sword); "unarmed" and friends give ``"none"``. ``shield`` is ``True`` when a shield word
appears with a character, ``False`` for "no shield"/"without a shield", else ``None``.
"""

from __future__ import annotations

import difflib
import logging
import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..backends.base import ARCHETYPES, CATEGORIES, VIEWS
from ..config import config_dir as default_config_dir
from .catalogue import Subject, load_catalogue

__all__ = ["PromptInterpretation", "Vocabulary", "load_vocabulary", "parse_prompt"]

log = logging.getLogger(__name__)

RGB = tuple[int, int, int]

MATCHED_BY = ("keyword", "synonym", "embedding", "fallback")

_TYPO_CUTOFF = 0.85
_LOOSE_CUTOFF = 0.75
_MAX_FUZZY_WORDS = 24


class SupportsEncode(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


# ----------------------------------------------------------------------------------------------
# Result


@dataclass(frozen=True)
class PromptInterpretation:
    """What a prompt asks for.

    Attributes
    ----------
    prompt : the prompt as given.
    subject : catalogue id (always a valid one).
    category : the subject's category (character, creature, item, prop).
    archetype : the subject's body archetype, ``None`` for items and props.
    subject_confidence : 0..1; 1.0 for the subject's own id, ~0.9 for a synonym, the cosine
        similarity for an embedding match, lower for fallbacks.
    matched_by : ``"keyword"`` (the id), ``"synonym"``, ``"embedding"`` or ``"fallback"``
        (spelling match, hint word or default).
    matched_text : the prompt words the subject came from (``""`` for the default).
    colors : ``(name, (r, g, b))`` in prompt order, without repeats.
    styles : canonical style ids in prompt order, without repeats.
    size : ``(w, h)`` in pixels from "32x32" / "64px", else ``None``. Note: ``SpriteSpec.size``
        is ``(h, w)``.
    view : one of ``VIEWS``; defaults to side for characters, creatures and props, front for items.
    view_explicit : whether the prompt named the view.
    weapon : held item id, ``"none"`` for explicitly unarmed, ``None`` for the subject's default.
    shield : ``True``/``False`` when a character's shield is asked for / refused, else ``None``.
    unknown_words : content words nothing understood (hint words such as "crocodile" included).
    modifiers : other subject ids named in the subject's phrase ("mossy rock" → ``("moss",)``,
        "skeleton knight" → ``("knight",)``).
    """

    prompt: str
    subject: str
    category: str
    archetype: str | None
    subject_confidence: float
    matched_by: str
    matched_text: str
    colors: tuple[tuple[str, RGB], ...] = ()
    styles: tuple[str, ...] = ()
    size: tuple[int, int] | None = None
    view: str = "side"
    view_explicit: bool = False
    weapon: str | None = None
    shield: bool | None = None
    unknown_words: tuple[str, ...] = ()
    modifiers: tuple[str, ...] = ()

    def to_metadata(self) -> dict[str, Any]:
        """A JSON-able dict with plain snake_case keys."""
        return {
            "subject": self.subject,
            "category": self.category,
            "archetype": self.archetype,
            "subject_confidence": round(float(self.subject_confidence), 4),
            "matched_by": self.matched_by,
            "matched_text": self.matched_text,
            "colors": [{"name": name, "rgb": list(rgb)} for name, rgb in self.colors],
            "styles": list(self.styles),
            "size": list(self.size) if self.size is not None else None,
            "view": self.view,
            "view_explicit": self.view_explicit,
            "weapon": self.weapon,
            "shield": self.shield,
            "unknown_words": list(self.unknown_words),
            "modifiers": list(self.modifiers),
        }


# ----------------------------------------------------------------------------------------------
# Vocabulary


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """``configs/vocabulary.toml``, validated. See that file for what each table means."""

    colors: dict[str, RGB]
    color_aliases: dict[str, str]
    color_modifiers: dict[str, float]
    styles: dict[str, tuple[str, ...]]
    render_styles: frozenset[str]
    views: dict[str, tuple[str, ...]]
    triggers: tuple[str, ...]
    held_items: tuple[str, ...]
    held_aliases: dict[str, str]
    unarmed: tuple[str, ...]
    shield_words: tuple[str, ...]
    no_shield: tuple[str, ...]
    default_subject: str
    bodies: frozenset[str]
    job_synonyms: tuple[str, ...]
    conjunctions: tuple[str, ...]
    boundaries: tuple[str, ...]
    hints: dict[str, str]
    hint_defaults: dict[str, str]
    word_forms: dict[str, str]
    filler: tuple[str, ...]
    source: str = ""


def load_vocabulary(config_dir: Path | None = None) -> Vocabulary:
    """Read and validate ``config_dir/vocabulary.toml`` (default: :func:`default_config_dir`); cached.

    Raises ``ValueError`` (``TypeError`` for a value of the wrong type) naming the table, the key
    and the value on bad data.
    """
    return _load_vocabulary_cached(Path(config_dir or default_config_dir()).resolve() / "vocabulary.toml")


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"vocabulary.toml: {where} must be a list of non-empty strings (got {value!r})")
    return tuple(value)


def _str_map(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError(f"vocabulary.toml: {where} must be a table of strings (got {value!r})")
    return dict(value)


@lru_cache(maxsize=8)
def _load_vocabulary_cached(path: Path) -> Vocabulary:
    with open(path, "rb") as fh:
        data = tomllib.load(fh)

    def table(name: str) -> dict[str, Any]:
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise TypeError(f"vocabulary.toml: [{name}] must be a table (got {value!r})")
        return value

    colors: dict[str, RGB] = {}
    for name, rgb in table("colors").items():
        if (not isinstance(rgb, list) or len(rgb) != 3
                or not all(isinstance(c, int) and 0 <= c <= 255 for c in rgb)):
            raise ValueError(f"vocabulary.toml: colors.{name} must be [r, g, b] with 0..255 ints (got {rgb!r})")
        colors[name] = (rgb[0], rgb[1], rgb[2])
    aliases = _str_map(table("color_aliases"), "[color_aliases]")
    for alias, target in aliases.items():
        if target not in colors:
            raise ValueError(f"vocabulary.toml: color_aliases.{alias} must name a colour in [colors] (got {target!r})")
    modifiers: dict[str, float] = {}
    for name, amount in table("color_modifiers").items():
        if not isinstance(amount, (int, float)) or not -1.0 <= amount <= 1.0:
            raise ValueError(f"vocabulary.toml: color_modifiers.{name} must be a number in -1..1 (got {amount!r})")
        modifiers[name] = float(amount)

    raw_styles = dict(table("styles"))
    render_styles = frozenset(_str_list(raw_styles.pop("render_styles", []), "styles.render_styles"))
    styles = {sid: _str_list(words, f"styles.{sid}") for sid, words in raw_styles.items()}
    unknown_render = render_styles - styles.keys()
    if unknown_render:
        raise ValueError(f"vocabulary.toml: styles.render_styles names unknown styles (got {sorted(unknown_render)})")
    views = {vid: _str_list(words, f"views.{vid}") for vid, words in table("views").items()}
    bad_views = views.keys() - set(VIEWS)
    if bad_views:
        raise ValueError(f"vocabulary.toml: [views] keys must be in {VIEWS} (got {sorted(bad_views)})")

    equipment = table("equipment")
    subjects = table("subjects")
    hints = _str_map(table("hints"), "[hints]")
    kinds = set(ARCHETYPES) | set(CATEGORIES)
    for word, kind in hints.items():
        if kind not in kinds:
            raise ValueError(f"vocabulary.toml: hints.{word} must be an archetype or category (got {kind!r})")
    hint_defaults = _str_map(table("hint_defaults"), "[hint_defaults]")
    default_subject = subjects.get("default", "villager")
    if not isinstance(default_subject, str):
        raise TypeError(f"vocabulary.toml: subjects.default must be a subject id (got {default_subject!r})")
    filler = table("filler").get("words", [])
    return Vocabulary(
        colors=colors,
        color_aliases=aliases,
        color_modifiers=modifiers,
        styles=styles,
        render_styles=render_styles,
        views=views,
        triggers=_str_list(equipment.get("triggers", []), "equipment.triggers"),
        held_items=_str_list(equipment.get("held_items", []), "equipment.held_items"),
        held_aliases=_str_map(equipment.get("held_aliases", {}), "equipment.held_aliases"),
        unarmed=_str_list(equipment.get("unarmed", []), "equipment.unarmed"),
        shield_words=_str_list(equipment.get("shield_words", []), "equipment.shield_words"),
        no_shield=_str_list(equipment.get("no_shield", []), "equipment.no_shield"),
        default_subject=default_subject,
        bodies=frozenset(_str_list(subjects.get("bodies", []), "subjects.bodies")),
        job_synonyms=_str_list(subjects.get("job_synonyms", []), "subjects.job_synonyms"),
        conjunctions=_str_list(subjects.get("conjunctions", []), "subjects.conjunctions"),
        boundaries=_str_list(subjects.get("boundaries", []), "subjects.boundaries"),
        hints=hints,
        hint_defaults=hint_defaults,
        word_forms=_str_map(table("word_forms"), "[word_forms]"),
        filler=_str_list(filler, "filler.words") if filler else (),
        source=str(path),
    )


# ----------------------------------------------------------------------------------------------
# Text → tokens

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_SEPARATORS_RE = re.compile(r"[-_\u2010-\u2015]+")
_POSSESSIVE_RE = re.compile(r"'s\b|'")
_SIZE_PAIR_RE = re.compile(
    r"(?<![\w.])(\d{1,4})\s*(?:x|\u00d7|\*|by)\s*(\d{1,4})(?:\s*(?:px|pixels?))?(?!\w)")
_SIZE_ONE_RE = re.compile(r"(?<![\w.])(\d{1,4})\s*(?:px|pixels?)(?!\w)")
_TOKEN_RE = re.compile(r"\d+\.\d+[^\W_]*|[^\W_]+|[&+]|(?P<brk>[,;.:!?()\[\]{}/|\n\r])")


def _prepare(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    text = _POSSESSIVE_RE.sub("", text)
    return _SEPARATORS_RE.sub(" ", text)


def _singular(word: str, forms: Mapping[str, str]) -> str:
    if word in forms:
        return forms[word]
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")) or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zzes", "ches", "shes")):
        return word[:-2]
    return word[:-1]


@dataclass
class _Tok:
    surface: str
    stem: str
    brk: bool = False


def _tokenize(text: str, forms: Mapping[str, str]) -> list[_Tok]:
    out = []
    for m in _TOKEN_RE.finditer(text):
        if m.group("brk"):
            out.append(_Tok(m.group(), "", brk=True))
        else:
            word = m.group()
            out.append(_Tok(word, _singular(word, forms)))
    return out


def _phrase(text: str, forms: Mapping[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(stems, surfaces)`` of a vocabulary phrase, tokenised like a prompt (breaks dropped)."""
    toks = [t for t in _tokenize(_prepare(text), forms) if not t.brk]
    return tuple(t.stem for t in toks), tuple(t.surface for t in toks)


def _extract_size(text: str) -> tuple[tuple[int, int] | None, str]:
    """The first size in ``text`` as ``(w, h)`` and the text with every size blanked out."""
    found: list[tuple[int, int, int, int]] = []  # start, end, w, h
    for regex in (_SIZE_PAIR_RE, _SIZE_ONE_RE):
        for m in regex.finditer(text):
            if any(a < m.end() and m.start() < b for a, b, _, _ in found):
                continue
            w = int(m.group(1))
            h = int(m.group(2)) if regex is _SIZE_PAIR_RE else w
            found.append((m.start(), m.end(), w, h))
    for a, b, _, _ in found:
        text = text[:a] + " " * (b - a) + text[b:]
    sizes = sorted((a, w, h) for a, _, w, h in found if w > 0 and h > 0)
    return ((sizes[0][1], sizes[0][2]) if sizes else None), text


# ----------------------------------------------------------------------------------------------
# Lexicon: every phrase the parser knows, keyed by singularised tokens


@dataclass(frozen=True)
class _Entry:
    kind: str  # subject | color | color_mod | style | view | unarmed | no_shield | shield | trigger
    #            | conjunction | boundary | hint
    value: Any
    surface: tuple[str, ...]


@dataclass
class _Lexicon:
    phrases: dict[tuple[str, ...], list[_Entry]]
    max_len: int
    subject_words: dict[str, str]  # single-word surface → subject id (for spelling matches)
    filler: frozenset[str]
    catalogue: dict[str, Subject]
    vocab: Vocabulary


_LEXICONS: dict[tuple[Any, ...], _Lexicon] = {}


def _catalogue_key(catalogue: Mapping[str, Subject]) -> tuple[Any, ...]:
    return tuple((s.id, s.category, s.archetype, s.synonyms, s.description) for s in catalogue.values())


def _lexicon(catalogue: Mapping[str, Subject], vocab: Vocabulary) -> _Lexicon:
    key = (_catalogue_key(catalogue), id(vocab))
    lex = _LEXICONS.get(key)
    if lex is not None and lex.vocab is vocab:
        return lex
    if len(_LEXICONS) > 32:
        _LEXICONS.clear()
    lex = _build_lexicon(catalogue, vocab)
    _LEXICONS[key] = lex
    return lex


def _build_lexicon(catalogue: Mapping[str, Subject], vocab: Vocabulary) -> _Lexicon:
    forms = vocab.word_forms
    phrases: dict[tuple[str, ...], list[_Entry]] = {}

    def add(text: str, kind: str, value: Any) -> None:
        stems, surface = _phrase(text, forms)
        if not stems:
            return
        entries = phrases.setdefault(stems, [])
        entry = _Entry(kind, value, surface)
        if not any(e.kind == kind and e.value == value for e in entries):
            entries.append(entry)

    subject_words: dict[str, str] = {}
    for subject in catalogue.values():
        for i, text in enumerate((subject.id.replace("_", " "), *subject.synonyms)):
            add(text, "subject", (subject.id, i == 0))
            words = _phrase(text, forms)[1]
            if len(words) == 1 and len(words[0]) >= 4:
                subject_words.setdefault(words[0], subject.id)
    for name in vocab.colors:
        add(name, "color", name)
    for alias, name in vocab.color_aliases.items():
        add(alias, "color", name)
    for name, amount in vocab.color_modifiers.items():
        add(name, "color_mod", amount)
    for sid, words in vocab.styles.items():
        add(sid.replace("_", " "), "style", sid)
        for w in words:
            add(w, "style", sid)
    for vid, words in vocab.views.items():
        for w in words:
            add(w, "view", vid)
    for kind, words in (("unarmed", vocab.unarmed), ("no_shield", vocab.no_shield),
                        ("shield", vocab.shield_words), ("trigger", vocab.triggers),
                        ("conjunction", vocab.conjunctions), ("boundary", vocab.boundaries)):
        for w in words:
            add(w, kind, None)
    for word, kind in vocab.hints.items():
        add(word, "hint", kind)
    filler = frozenset(_singular(w.casefold(), forms) for w in vocab.filler)
    return _Lexicon(phrases=phrases, max_len=max(map(len, phrases), default=1), subject_words=subject_words,
                    filler=filler, catalogue=dict(catalogue), vocab=vocab)


# ----------------------------------------------------------------------------------------------
# Tokens → spans → segments


@dataclass
class _Span:
    start: int
    surface: tuple[str, ...]
    stems: tuple[str, ...]
    entries: list[_Entry] = field(default_factory=list)
    brk: bool = False
    segment: int = 0
    color: tuple[str, RGB] | None = None
    derived: str | None = None  # subject id of a derived adjective ("mossy" → moss)

    @property
    def text(self) -> str:
        return " ".join(self.surface)

    def of(self, kind: str) -> list[_Entry]:
        return [e for e in self.entries if e.kind == kind]

    def has(self, *kinds: str) -> bool:
        return any(e.kind in kinds for e in self.entries)


@dataclass
class _Candidate:
    span: _Span
    subject: str
    matched_by: str  # keyword | synonym
    ambiguous: bool
    tier: str  # strong | weak | derived


def _spans(tokens: list[_Tok], lex: _Lexicon) -> list[_Span]:
    spans: list[_Span] = []
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        if tok.brk:
            spans.append(_Span(i, (tok.surface,), (), brk=True))
            i += 1
            continue
        run = i
        while run < n and not tokens[run].brk and run - i < lex.max_len:
            run += 1
        for length in range(run - i, 0, -1):
            stems = tuple(t.stem for t in tokens[i:i + length])
            entries = lex.phrases.get(stems)
            if entries:
                spans.append(_Span(i, tuple(t.surface for t in tokens[i:i + length]), stems, list(entries)))
                i += length
                break
        else:
            spans.append(_Span(i, (tok.surface,), (tok.stem,)))
            i += 1
    return spans


def _mix(rgb: RGB, amount: float) -> RGB:
    target = 255.0 if amount > 0 else 0.0
    a = abs(amount)
    return tuple(round(c + (target - c) * a) for c in rgb)  # type: ignore[return-value]


def _resolve_colors(spans: list[_Span], lex: _Lexicon) -> list[_Span]:
    """Attach colours to spans, folding a modifier into the colour after it ("dark red")."""
    colors = lex.vocab.colors
    out: list[_Span] = []
    for span in spans:
        color_entries = span.of("color")
        if color_entries:
            name = color_entries[0].value
            span.color = (name, colors[name])
            prev = out[-1] if out else None
            if prev is not None and prev.has("color_mod") and prev.color is None:
                amount = prev.of("color_mod")[0].value
                span.color = (f"{prev.text} {name}", _mix(colors[name], amount))
                span.surface = prev.surface + span.surface
                span.stems = prev.stems + span.stems
                span.start = prev.start
                out.pop()
        out.append(span)
    return out


def _derived_subject(word: str, lex: _Lexicon) -> str | None:
    """``mossy`` → moss, ``armored`` → armor, ``rocky`` → rock: a subject id or ``None``."""
    if len(word) < 4 or not word.isalpha():
        return None
    bases: list[str] = []
    if word.endswith("ed"):
        bases.append(word[:-2])
    elif word.endswith("y"):
        bases.append(word[:-1])
    for base in list(bases):
        bases.append(base + "e")
        if len(base) > 2 and base[-1] == base[-2]:
            bases.append(base[:-1])
    for base in bases:
        for e in lex.phrases.get((base,), []):
            if e.kind == "subject":
                return str(e.value[0])
    return None


def _segments(spans: list[_Span]) -> list[str]:
    """Assign ``span.segment`` and return each segment's kind: main | attach | complement."""
    kinds = ["main"]
    for span in spans:
        if span.brk:
            kinds.append("main")
        elif span.has("trigger") and not span.has("subject"):
            kinds.append("attach")
        elif span.has("conjunction") and not span.has("subject"):
            kinds.append(kinds[-1])
        elif span.has("boundary") and not span.has("subject", "style", "color"):
            kinds.append("complement")
        span.segment = len(kinds) - 1
    return kinds


def _candidate(span: _Span, lex: _Lexicon) -> _Candidate | None:
    subjects = span.of("subject")
    if not subjects:
        if span.derived:
            return _Candidate(span, span.derived, "synonym", False, "derived")
        return None
    exact = [e for e in subjects if e.surface == span.surface]
    entry = (exact or subjects)[0]
    sid, is_id = entry.value
    ambiguous = len({e.value[0] for e in subjects}) > 1 and not exact
    weak = len(span.stems) == 1 and (span.color is not None or span.has("style", "color_mod"))
    return _Candidate(span, sid, "keyword" if is_id else "synonym", ambiguous, "weak" if weak else "strong")


def _is_body(c: _Candidate, lex: _Lexicon) -> bool:
    return c.subject in lex.vocab.bodies and c.span.text not in lex.vocab.job_synonyms


def _is_job(c: _Candidate, lex: _Lexicon) -> bool:
    subject = lex.catalogue[c.subject]
    return subject.category == "character" and not _is_body(c, lex)


def _head(cands: list[_Candidate], lex: _Lexicon) -> _Candidate:
    head = cands[-1]
    if _is_job(head, lex):
        bodies = [c for c in cands[:-1] if _is_body(c, lex)]
        if bodies:
            return bodies[-1]
    return head


# ----------------------------------------------------------------------------------------------
# Fallbacks: spelling, hints, embeddings

_EMBED_CACHE: dict[tuple[int, tuple[Any, ...]], tuple[Any, dict[str, Any]]] = {}


def _catalogue_vectors(embedder: SupportsEncode, catalogue: Mapping[str, Subject]) -> dict[str, Any]:
    """Embeddings of every subject's texts, computed once per (embedder, catalogue)."""
    key = (id(embedder), _catalogue_key(catalogue))
    hit = _EMBED_CACHE.get(key)
    if hit is not None and hit[0] is embedder:
        return hit[1]
    ids = list(catalogue)
    texts: list[str] = []
    owner: list[int] = []
    combined: list[str] = []
    for k, sid in enumerate(ids):
        s = catalogue[sid]
        name = sid.replace("_", " ")
        own = [s.description or f"a {name}", f"a {name}", *(f"a {syn}" for syn in s.synonyms)]
        texts.extend(own)
        owner.extend([k] * len(own))
        combined.append(f"{s.description or name}; {', '.join((name, *s.synonyms))}")
    vectors = np.asarray(embedder.encode(texts + combined), dtype=np.float32)
    data = {"ids": ids, "each": vectors[:len(texts)], "owner": np.asarray(owner), "combined": vectors[len(texts):]}
    if len(_EMBED_CACHE) > 8:
        _EMBED_CACHE.clear()
    _EMBED_CACHE[key] = (embedder, data)
    return data


def _embedding_match(text: str, embedder: SupportsEncode, lex: _Lexicon,
                     hint: str | None) -> tuple[str, float] | None:
    """The subject nearest to ``text``: score = ½·max cosine over its texts + ½·cosine to all of them."""
    data = _catalogue_vectors(embedder, lex.catalogue)
    query = np.asarray(embedder.encode([text]), dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(query))
    if not np.isfinite(norm) or norm == 0.0:
        return None
    query = query / norm
    ids = data["ids"]
    best_each = np.full(len(ids), -1.0, dtype=np.float32)
    np.maximum.at(best_each, data["owner"], data["each"] @ query)
    score = 0.5 * best_each + 0.5 * (data["combined"] @ query)
    if hint is not None:
        allowed = np.array([_fits(lex.catalogue[sid], hint) for sid in ids])
        if allowed.any():
            score = np.where(allowed, score, -np.inf)
    k = int(np.argmax(score))
    return ids[k], float(np.clip(score[k], 0.0, 1.0))


def _fits(subject: Subject, hint: str) -> bool:
    return subject.archetype == hint or subject.category == hint


def _spelling_match(words: list[str], lex: _Lexicon, cutoff: float) -> tuple[str, str, float] | None:
    """``(subject id, word, ratio)`` for the unknown word closest to a subject word, or ``None``."""
    best: tuple[str, str, float] | None = None
    pool = list(lex.subject_words)
    for word in words[:_MAX_FUZZY_WORDS]:
        if len(word) < 4 or not word.isalpha():
            continue
        for match in difflib.get_close_matches(word, pool, n=1, cutoff=cutoff):
            ratio = difflib.SequenceMatcher(None, word, match).ratio()
            if best is None or ratio > best[2]:
                best = (lex.subject_words[match], word, ratio)
    return best


def _hint_of(spans: list[_Span]) -> tuple[str, str] | None:
    """``(kind, word)`` of the hint to use: an archetype beats a category, the last one wins."""
    hints = [(e.value, s.text) for s in spans for e in s.of("hint")]
    archetypes = [h for h in hints if h[0] in ARCHETYPES]
    chosen = archetypes or hints
    return chosen[-1] if chosen else None


@dataclass
class _Pick:
    subject: str
    confidence: float
    matched_by: str
    matched_text: str
    span: _Span | None = None
    segment: int | None = None


def _fallback_chain(unknown: list[str], hint_spans: list[_Span], embed_text: str,
                    embedder: SupportsEncode | None, lex: _Lexicon, *, loose: bool) -> _Pick | None:
    catalogue = lex.catalogue
    typo = _spelling_match(unknown, lex, _TYPO_CUTOFF)
    if typo is not None:
        return _Pick(typo[0], round(0.8 * typo[2], 4), "fallback", typo[1])
    hint = _hint_of(hint_spans)
    if embedder is not None and embed_text.strip():
        try:
            found = _embedding_match(embed_text, embedder, lex, hint[0] if hint else None)
        except Exception as exc:  # noqa: BLE001 - a broken embedder must not break prompt parsing
            log.debug("embedding match failed, using fallbacks: %s: %s", type(exc).__name__, exc)
            found = None
        if found is not None:
            return _Pick(found[0], round(found[1], 4), "embedding", embed_text)
    if hint is not None:
        default = lex.vocab.hint_defaults.get(hint[0])
        if default not in catalogue:
            default = next((sid for sid, s in catalogue.items() if _fits(s, hint[0])), None)
        if default is not None:
            return _Pick(default, 0.3 if hint[0] in ARCHETYPES else 0.2, "fallback", hint[1])
    if loose:
        near = _spelling_match(unknown, lex, _LOOSE_CUTOFF)
        if near is not None:
            return _Pick(near[0], round(0.5 * near[2], 4), "fallback", near[1])
    return None


# ----------------------------------------------------------------------------------------------
# The parser


def parse_prompt(prompt: str, *, catalogue: Mapping[str, Subject] | None = None,
                 embedder: SupportsEncode | str | None = None,
                 vocabulary: Vocabulary | None = None) -> PromptInterpretation:
    """Interpret a sprite prompt.

    Parameters
    ----------
    prompt : free text (any string; nothing is validated here).
    catalogue : subject id → :class:`Subject`; default: :func:`load_catalogue` of the default configs.
    embedder : an object with ``encode(list[str]) -> (N, D)`` (see :func:`~.embedder.load_embedder`)
        used when no subject word matches; ``"auto"`` loads the shared one; ``None`` uses spelling
        and hint fallbacks only.
    vocabulary : default: :func:`load_vocabulary` of the default configs.

    Returns
    -------
    PromptInterpretation

    Examples
    --------
    >>> it = parse_prompt("a red dragon, 32x32, pixel art")
    >>> it.subject, it.colors[0][0], it.size, it.styles
    ('dragon', 'red', (32, 32), ('pixel',))
    """
    if not isinstance(prompt, str):
        raise TypeError(f"prompt must be a str (got {type(prompt).__name__})")
    if catalogue is None:
        catalogue = load_catalogue(default_config_dir())
    if not catalogue:
        raise ValueError("catalogue must hold at least one subject (got an empty catalogue)")
    vocab = vocabulary if vocabulary is not None else load_vocabulary()
    if isinstance(embedder, str):
        if embedder != "auto":
            raise ValueError(f"embedder must be an Embedder, 'auto' or None (got {embedder!r})")
        from .embedder import load_embedder

        embedder = load_embedder()
    lex = _lexicon(catalogue, vocab)

    # 1. text → size + spans
    size, text = _extract_size(_prepare(prompt))
    spans = _spans(_tokenize(text, vocab.word_forms), lex)
    spans = _resolve_colors(spans, lex)
    for span in spans:
        if span.has("color_mod") and span.color is None:
            span.entries = [e for e in span.entries if e.kind != "color_mod"] or [_Entry("filler", None, ())]
        if not span.entries and not span.brk:
            span.derived = _derived_subject(span.stems[0], lex)
    kinds = _segments(spans)

    # 2. what the words say
    colors: dict[str, RGB] = {}
    styles: dict[str, None] = {}
    view: str | None = None
    unknown: dict[str, None] = {}
    for span in spans:
        if span.brk:
            continue
        if span.color is not None:
            colors.setdefault(*span.color)
        for e in span.of("style"):
            styles[e.value] = None
        if view is None and span.has("view"):
            view = span.of("view")[0].value
        if span.derived is None and (not span.entries or all(e.kind == "hint" for e in span.entries)):
            word = span.text
            if span.stems[0] not in lex.filler and not word.replace(".", "").isdigit():
                unknown[word] = None
    unknown_list = list(unknown)

    # 3. the subject
    pick = _choose_subject(spans, kinds, unknown_list, embedder, lex)
    subject = catalogue[pick.subject]

    # 4. equipment
    weapon: str | None = None
    shield: bool | None = None
    if subject.category in ("character", "creature"):
        weapon = _weapon(spans, kinds, pick, lex)
    if subject.category == "character":
        if any(s.has("no_shield") for s in spans):
            shield = False
        elif any(s.has("shield") and s is not pick.span for s in spans):
            shield = True

    modifiers: dict[str, None] = {}
    if pick.segment is not None:
        for span in spans:
            if span.segment != pick.segment or span is pick.span:
                continue
            c = _candidate(span, lex)
            if c is not None and c.tier != "weak" and c.subject not in (subject.id, weapon):
                modifiers[c.subject] = None

    if view is None:
        view_out, explicit = ("front" if subject.category == "item" else "side"), False
    else:
        view_out, explicit = view, True
    return PromptInterpretation(
        prompt=prompt, subject=subject.id, category=subject.category, archetype=subject.archetype,
        subject_confidence=float(min(max(pick.confidence, 0.0), 1.0)), matched_by=pick.matched_by,
        matched_text=pick.matched_text, colors=tuple(colors.items()), styles=tuple(styles), size=size,
        view=view_out, view_explicit=explicit, weapon=weapon, shield=shield,
        unknown_words=tuple(unknown_list), modifiers=tuple(modifiers),
    )


def _choose_subject(spans: list[_Span], kinds: list[str], unknown: list[str],
                    embedder: SupportsEncode | None, lex: _Lexicon) -> _Pick:
    by_segment: dict[int, list[_Candidate]] = {}
    for span in spans:
        c = _candidate(span, lex) if not span.brk else None
        if c is not None:
            by_segment.setdefault(span.segment, []).append(c)

    def first(seg_kinds: tuple[str, ...], tier: str) -> _Pick | None:
        for seg, kind in enumerate(kinds):
            if kind not in seg_kinds:
                continue
            cands = [c for c in by_segment.get(seg, []) if c.tier == tier]
            if cands:
                c = _head(cands, lex)
                conf = {"strong": 1.0 if c.matched_by == "keyword" else 0.9, "weak": 0.6, "derived": 0.5}[tier]
                if c.ambiguous:
                    conf -= 0.15
                return _Pick(c.subject, conf, c.matched_by, c.span.text, c.span, seg)
        return None

    def unknown_in(seg_kinds: tuple[str, ...]) -> tuple[list[str], list[_Span]]:
        words, hints = [], []
        for span in spans:
            if span.brk or kinds[span.segment] not in seg_kinds:
                continue
            if span.has("hint"):
                hints.append(span)
            elif span.text in unknown:
                words.append(span.text)
        return words, hints

    render = lex.vocab.render_styles
    embed_text = " ".join(
        s.text for s in spans
        if not s.brk and not s.has("view") and not any(e.kind == "style" and e.value in render for e in s.entries))

    pick = first(("main",), "strong")
    if pick is None:
        words, hints = unknown_in(("main",))
        if words or hints:
            pick = _fallback_chain(words, hints, embed_text, embedder, lex, loose=False)
    pick = (pick or first(("main",), "weak") or first(("complement",), "strong") or first(("complement",), "weak")
            or first(("attach",), "strong") or first(("attach",), "weak")
            or first(("main", "complement", "attach"), "derived"))
    if pick is None:
        words, hints = unknown_in(("main", "complement", "attach"))
        if words or hints:
            pick = _fallback_chain(words, hints, embed_text, embedder, lex, loose=True)
    if pick is None:
        default = lex.vocab.default_subject
        pick = _Pick(default if default in lex.catalogue else next(iter(lex.catalogue)), 0.05, "fallback", "")
    return pick


def _weapon(spans: list[_Span], kinds: list[str], pick: _Pick, lex: _Lexicon) -> str | None:
    vocab = lex.vocab
    if any(s.has("unarmed") for s in spans):
        return "none"
    found: list[tuple[bool, str]] = []
    for span in spans:
        if span.brk or span is pick.span:
            continue
        c = _candidate(span, lex)
        if c is None or c.tier != "strong" or span.has("shield"):
            continue
        item = vocab.held_aliases.get(c.subject, c.subject)
        if item in vocab.held_items and item in lex.catalogue:
            found.append((kinds[span.segment] == "attach", item))
    attached = [item for is_attached, item in found if is_attached]
    return (attached or [item for _, item in found] or [None])[0]
