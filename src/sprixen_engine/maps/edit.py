"""Plain-English map edits without a language model: a small parser maps commands to typed operations.

``edit_map(map, "add a river through the center and place 5 chests near the village")`` returns a
:class:`MapEdit`: the new version of the map (the old layers pushed onto ``history``), the operations applied
(``{"op": "add_river", "from": [x, y], "to": [x, y], "cells": 57, …}``) and a cell diff.

Grammar (all words come from ``[edit]`` in ``configs/terrain.toml``)::

    prompt   := clause ((";" | "." | "then" | "and then" | "and" VERB | "," VERB) clause)*
    clause   := VERB [COUNT] OBJECT [POSITION]                 add / remove
              | replace X (with|by|for) Y [POSITION] | turn|change|convert X (into|to) Y [POSITION]
              | fill [POSITION] with TERRAIN | flood [POSITION]
              | surround|border TARGET [with OBJECT]
              | make it|make the map|make [POSITION] THEME          THEME: snowy, desert, autumn, lush, …
    POSITION := from A to B | between A and B | through A | along (the edge | A) | around A | near A | in A
    A        := center | north | south-east | top-left | the north-east corner | the corners | the edge
              | the village | the lake | the river | the forest | the mountains | the chests | …

Regions: ``north`` = the northern half, ``north-east`` = that quadrant, ``… corner`` = a square of side
``max(3, min(W, H) // 4)`` in that corner, ``center`` = a disc of radius ``0.25 · min(W, H)``, ``the edge`` = the
outer ring of cells, ``near X`` = cells within :func:`near_radius` of X's cells (X's own cells excluded).
Named features are found by their cells: houses (village), water bodies (lake / sea / river, the feature
registry first), trees (forest), stone (mountains), entity objects, terrain classes.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import ndimage

from ..errors import invalid
from .generate import (
    Grid,
    TileIndex,
    Vocabulary,
    astar,
    blob,
    disc,
    feature_points,
    fix_adjacency,
    fractal_noise,
    grid_from_map,
    line_cells,
    load_vocabulary,
    nearest_cell,
    pave,
    pick_spread,
    place_village,
    rank01,
    road_cost,
    write_grid,
)
from .model import Map

LINEAR = ("river", "road", "path", "wall")
AREA = ("lake", "forest", "mountains", "village")
TREES = ("tree", "pine", "autumn_tree", "dead_tree")
MAX_PROMPT = 2000


# ------------------------------------------------------------------------------------------------ result
@dataclass
class MapEdit:
    """The result of :func:`edit_map`.

    map : the new version (``version + 1``; the previous layers appended to ``history``).
    operations : the typed operations applied, in order, as JSON-able dicts (``{"op": "add_river", …}``).
    diff : changed cells ``{"layer", "x", "y", "before", "after"}`` (tile names, ``None`` = empty) and changed
        entities ``{"layer": "entities", "object", "x", "y", "before", "after"}`` (object types).
    summary : ``{"cells": n, "layers": {layer: n}, "objects": {"added", "removed", "changed"}}``.
    """

    map: Map
    operations: list[dict[str, Any]]
    diff: list[dict[str, Any]]
    summary: dict[str, Any]
    prompt: str = ""

    def to_dict(self, *, diff_limit: int | None = 1000) -> dict[str, Any]:
        """JSON-able view (the diff truncated to ``diff_limit`` entries; ``None`` = all)."""
        diff = self.diff if diff_limit is None else self.diff[:diff_limit]
        return {"prompt": self.prompt, "version": self.map.version, "operations": self.operations,
                "summary": self.summary, "diff": diff, "diffTruncated": len(diff) < len(self.diff)}


# ----------------------------------------------------------------------------------------------- lexicon
def _alternation(phrases: list[str], *, group: bool = True) -> re.Pattern[str]:
    """Longest-first alternation of whole-word ``phrases`` (one capturing group unless ``group=False``)."""
    alts = sorted({p for p in phrases if p}, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + ("" if group else "?:") + "|".join(re.escape(p) for p in alts)
                      + r")(?![\w-])")


class Lexicon:
    """The ``[edit]`` vocabulary of terrain.toml compiled into regular expressions."""

    def __init__(self, vocab: Vocabulary) -> None:
        e = vocab.data["edit"]
        self.vocab = vocab
        self.example: str = e.get("example", "add a river through the center")
        self.splitters: list[str] = list(e.get("splitters", [";", ". ", " then "]))
        self.verb_of = {p: k for k, ps in e["verbs"].items() for p in ps}
        self.object_of = {p: k for k, ps in e["objects"].items() for p in ps}
        self.theme_of = {w: k for k, t in e["themes"].items() for w in t["words"]}
        self.themes: dict[str, dict[str, Any]] = e["themes"]
        self.position_of = {p: k for k, ps in e["positions"].items() for p in ps}
        self.counts: dict[str, int] = {k: int(v) for k, v in e.get("counts", {}).items()}
        self.verb_re = _alternation(list(self.verb_of))
        self.object_re = _alternation(list(self.object_of))
        self.theme_re = _alternation(list(self.theme_of))
        self.verbs_start = re.compile(r"^(" + self.verb_re.pattern + ")")

    def help(self) -> str:
        e = self.vocab.data["edit"]
        objects = [k for k in e["objects"] if k not in self.vocab.terrain]
        return ("supported verbs: add (create, place, put, draw, build, make …), remove (clear, delete …), "
                "replace X with Y (swap, turn X into Y), fill AREA with X, surround X with Y, "
                f"make it {' / '.join(self.themes)}; objects: {', '.join(objects)}; terrain: "
                f"{', '.join(self.vocab.terrain)}; positions: center, north / south / east / west, north-east …, "
                "the corners, along the edge, near X, between X and Y, from X to Y, through X; "
                f"example: '{self.example}'")


_LEXICONS: dict[int, Lexicon] = {}


def lexicon(vocab: Vocabulary | None = None) -> Lexicon:
    vocab = vocab or load_vocabulary()
    lex = _LEXICONS.get(id(vocab))
    if lex is None or lex.vocab is not vocab:
        lex = _LEXICONS[id(vocab)] = Lexicon(vocab)
    return lex


# ------------------------------------------------------------------------------------------------ parsing
@dataclass
class Anchor:
    """A place named in a prompt: ``kind`` = all | center | dir | corner | corners | edge | feature."""

    kind: str
    dirs: tuple[str, ...] = ()
    feature: str | None = None
    text: str = ""


@dataclass
class Where:
    """Where an operation happens: ``mode`` = default | in | near | around | through | along | route | between."""

    mode: str = "default"
    a: Anchor | None = None
    b: Anchor | None = None
    text: str = ""


@dataclass
class Command:
    """One parsed clause."""

    action: str                      # add | remove | replace | fill | border | theme
    kind: str | None = None          # object kind (river, chest, sand …) or theme name
    word: str = ""                   # the object word as written ("trees", "houses")
    count: int | None = None
    explicit_count: bool = False
    to: str | None = None            # replace / fill / border: the new kind
    where: Where = field(default_factory=Where)
    text: str = ""


_DIRS = {"north", "south", "east", "west"}
_PREPOSITIONS = [
    ("through", ["running through", "flowing through", "cutting through", "winding through", "through", "across",
                 "via", "crossing", "past", "over"]),
    ("along", ["along", "following", "lining", "hugging"]),
    ("around", ["all around", "around", "surrounding", "encircling", "round"]),
    ("near", ["next to", "close to", "close by", "adjacent to", "nearby", "near", "beside", "by", "outside",
              "on the banks of", "at the foot of", "alongside", "on the shore of", "on the shores of"]),
    ("in", ["inside", "within", "into", "in", "at", "on", "towards", "toward", "to"]),
]
_PREP_RE = re.compile(r"(?<![\w-])(" + "|".join(sorted((re.escape(p) for _, ps in _PREPOSITIONS for p in ps),
                                                       key=len, reverse=True)) + r")(?![\w-])")
_PREP_MODE = {p: mode for mode, ps in _PREPOSITIONS for p in ps}


def normalise(text: str) -> str:
    """Lower-case, ``centre`` → ``center``, ``top right`` / ``northeast`` → ``north-east``, punctuation → spaces."""
    t = text.lower().replace("centre", "center")
    t = re.sub(r"[’']", "", t)
    t = re.sub(r"\b(top|upper)[\s-]*(right)\b", "north-east", t)
    t = re.sub(r"\b(top|upper)[\s-]*(left)\b", "north-west", t)
    t = re.sub(r"\b(bottom|lower)[\s-]*(right)\b", "south-east", t)
    t = re.sub(r"\b(bottom|lower)[\s-]*(left)\b", "south-west", t)
    t = re.sub(r"\b(north|south)[\s-]*(east|west)(ern)?\b", r"\1-\2", t)
    t = re.sub(r"[^a-z0-9;.,\s-]", " ", t)
    return re.sub(r"[ \t]+", " ", t).strip()


def split_clauses(text: str, lex: Lexicon) -> list[str]:
    """Split a normalised prompt on the configured splitters and on ``and`` / ``,`` followed by a verb."""
    parts = [text]
    for sep in lex.splitters + ["\n"]:
        parts = [p for part in parts for p in part.split(sep)]
    out: list[str] = []
    verb_alt = _alternation(list(lex.verb_of), group=False).pattern
    joint = re.compile(r"(?:,\s*and\s+|\s+and\s+|,\s*)(?=" + verb_alt + r")")
    counts = "|".join(sorted((re.escape(c) for c in lex.counts), key=len, reverse=True))
    objects = _alternation(list(lex.object_of), group=False).pattern
    and_object = re.compile(r"\s+and\s+(?=(?:(?:the|\d+|" + counts + r")\s+)?" + objects + ")")
    for p in parts:
        for q in joint.split(p):
            # "add a lake and a forest": a second object of the same verb (not "between A and B")
            out.extend([q] if "between" in q else and_object.split(q))
    cleaned = []
    for s in out:
        s = s.strip(" .,;")
        if s and s not in ("and", "then"):
            cleaned.append(s)
    return cleaned


def _count_before(text: str, start: int, lex: Lexicon) -> tuple[int | None, bool]:
    words = re.findall(r"[a-z0-9]+", text[:start])[-3:]
    for w in reversed(words):
        if w.isdigit():
            return int(w), True
        if w in lex.counts:
            return lex.counts[w], w not in ("a", "an")
    return None, False


def parse_anchor(text: str, lex: Lexicon) -> Anchor | None:
    """A place from a phrase such as ``the north-east corner``, ``the village``, ``the edge``, ``center``."""
    t = text.strip()
    if not t:
        return None
    words = re.findall(r"[a-z]+", t)
    kinds = [lex.position_of.get(w) for w in words]
    for phrase, kind in lex.position_of.items():       # multi-word position phrases ("whole map")
        if " " in phrase and re.search(r"(?<![\w-])" + re.escape(phrase) + r"(?![\w-])", t):
            kinds.append(kind)
    dirs = tuple(dict.fromkeys(k for k in kinds if k in _DIRS))
    if dirs:
        if len(dirs) > 2 or set(dirs) in ({"north", "south"}, {"east", "west"}):
            return None
        if "corner" in kinds and len(dirs) == 2:
            return Anchor("corner", dirs, text=t)
        if "edge" in kinds or "coast" in words:
            return Anchor("edge", dirs, text=t)
        return Anchor("dir", dirs, text=t)
    if "corner" in kinds:
        return Anchor("corners", text=t)
    if "shore" in kinds:
        return Anchor("feature", feature="water", text=t)
    m = lex.object_re.search(t)
    if m and lex.object_of[m.group(1)] not in ("border",):
        return Anchor("feature", feature=lex.object_of[m.group(1)], text=t)
    if "edge" in kinds:
        return Anchor("edge", text=t)
    if "center" in kinds:
        return Anchor("center", text=t)
    if "everywhere" in kinds or words in (["it"], ["everything"], ["all"]):
        return Anchor("all", text=t)
    return None


def parse_where(text: str, lex: Lexicon) -> Where | None:
    """The position phrase in ``text`` (the clause after its object); ``None`` when a phrase is there but not
    understood, ``Where()`` (default) when there is none."""
    t = text.strip(" ,")
    if not t:
        return Where()
    m = re.search(r"\bfrom (.+?) (?:to|towards|toward|until|into|up to|down to) (.+)$", t)
    if m:
        a, b = parse_anchor(_cut(m.group(1)), lex), parse_anchor(_cut(m.group(2)), lex)
        return Where("route", a, b, t) if a and b else None
    m = re.search(r"\bbetween (.+?) and (.+)$", t)
    if m:
        a, b = parse_anchor(_cut(m.group(1)), lex), parse_anchor(_cut(m.group(2)), lex)
        return Where("between", a, b, t) if a and b else None
    m = re.search(r"\bfrom (.+)$", t)
    if m:
        a = parse_anchor(_cut(m.group(1)), lex)
        return Where("route", a, None, t) if a else None
    m = _PREP_RE.search(t)
    if m:
        mode = _PREP_MODE[m.group(1)]
        rest = _cut(t[m.end():])
        a = parse_anchor(rest, lex)
        if a is None:
            return None
        if mode == "along" and a.kind == "feature":
            mode = "near"
        if mode in ("around", "along") and a.kind in ("all",):
            a = Anchor("edge", text=a.text)
        if a.kind == "edge" and mode in ("in", "near", "around"):
            mode = "along"
        if a.kind == "feature" and a.feature == "water" and mode == "in":
            mode = "near"
        return Where(mode, a, None, t)
    a = parse_anchor(t, lex)
    if a is not None:
        return Where("along" if a.kind == "edge" else "in", a, None, t)
    leftover = [w for w in re.findall(r"[a-z]+", t) if w not in _FILLER]
    return Where() if not leftover else None


_FILLER = {"the", "a", "an", "of", "map", "please", "some", "it", "there", "here", "now", "too", "as", "well",
           "also", "running", "flowing", "that", "goes", "which", "runs", "flows", "with", "small", "big", "large",
           "little", "new", "more", "all", "every", "wide", "long", "thin", "narrow", "nice", "area", "whole"}


def _cut(text: str) -> str:
    """The anchor phrase: text up to the next preposition (``near the lake in the north`` → ``the lake``)."""
    m = _PREP_RE.search(text)
    return (text[: m.start()] if m and m.start() > 0 else text).strip(" ,")


def parse_clause(clause: str, lex: Lexicon) -> Command:
    """One clause → :class:`Command`; raises ``InvalidRequest`` naming the clause and listing the vocabulary."""
    def fail(why: str) -> Exception:
        return invalid("prompt", f"could not understand {clause!r} ({why}); {lex.help()}", clause)

    verb_m = lex.verb_re.search(clause)
    verb = lex.verb_of[verb_m.group(1)] if verb_m else None
    after = clause[verb_m.end():] if verb_m else clause
    theme_m = lex.theme_re.search(clause)
    objects = [(m.start(), m.end(), lex.object_of[m.group(1)], m.group(1)) for m in lex.object_re.finditer(after)]
    if theme_m is not None:
        ts, te = theme_m.start() - (verb_m.end() if verb_m else 0), theme_m.end() - (verb_m.end() if verb_m else 0)
        objects_before = [o for o in objects if o[1] <= ts]
        # "snowy trees" is an object (pines), not the snowy theme; "desert" may be both (theme wins)
        if any(o[0] <= ts < o[1] and o[2] not in lex.vocab.terrain for o in objects):
            theme_m = None
    # --- themes: "make it snowy", "make the north a desert", "winter"
    if theme_m is not None and verb in (None, "theme", "add", "replace", "fill") and not _feature_objects(
            objects_before, lex):
        if verb != "replace" or not objects_before:
            region_text = re.sub(r"\b(it|the map|everything|the world|this|a|an|look|looks|feel)\b", " ",
                                 after[:ts] + " " + after[te:])
            where = parse_where(region_text.replace(" into ", " ").replace(" to ", " ").strip(), lex)
            return Command("theme", kind=lex.theme_of[theme_m.group(1)], where=where or Where(), text=clause)
    if verb is None:
        raise fail("no verb")
    if verb == "theme":
        raise fail("no theme word after 'make it'")
    # --- replace X with Y / turn X into Y
    if verb == "replace":
        m = re.search(r"\b(with|by|for|into|to)\b", after)
        if not m:
            raise fail("say what to replace it with: 'replace sand with snow'")
        xs = [o for o in objects if o[1] <= m.start()]
        ys = [o for o in objects if o[0] >= m.end()]
        if not ys:
            raise fail("nothing to replace with")
        y = ys[0]
        where = parse_where(after[y[1]:], lex)
        if where is None:
            raise fail("position not understood")
        if not xs:                 # "turn the north into desert": a fill of that region
            region = parse_where(after[: m.start()], lex)
            if region is None or region.mode == "default":
                raise fail("say what to replace: 'replace sand with snow'")
            return Command("fill", to=y[2], word=y[3], where=region, text=clause)
        return Command("replace", kind=xs[0][2], word=xs[0][3], to=y[2], where=where, text=clause)
    # --- fill AREA with X / flood AREA
    if verb == "fill":
        m = re.search(r"\b(with|in|using)\b(?!.*\b(with|in|using)\b)", after)
        if m and [o for o in objects if o[0] >= m.end()]:
            y = [o for o in objects if o[0] >= m.end()][0]
            where = parse_where(after[: m.start()] + " " + after[y[1]:], lex)
        elif verb_m.group(1) == "flood":
            y, where = (0, 0, "water", "water"), parse_where(after, lex)
        else:
            raise fail("say what to fill with: 'fill the north-west corner with water'")
        if where is None:
            raise fail("position not understood")
        if where.mode == "default":
            where = Where("in", Anchor("all"), None, "the whole map")
        return Command("fill", to=y[2], word=y[3], where=where, text=clause)
    # --- surround X with Y
    if verb == "border":
        m = re.search(r"\b(with|by|using|in)\b", after)
        target_text = (after[: m.start()] if m else after).strip()
        tail = after[m.end():] if m else ""
        material = [o for o in objects if m and o[0] >= m.end()]
        anchor = parse_anchor(target_text, lex) or Anchor("edge", text="the map")
        if anchor.kind == "all":
            anchor = Anchor("edge", text=anchor.text)
        word = verb_m.group(1)
        to = material[0][2] if material else "wall"
        if material and parse_where(tail[material[0][1] - m.end():], lex) is None:
            raise fail("position not understood")
        mode = "along" if anchor.kind == "edge" else "around"
        return Command("border", kind=to, word=word, to=to, where=Where(mode, anchor, None, target_text),
                       text=clause)
    # --- add / remove
    if not objects:
        if verb == "remove":
            where = parse_where(after, lex)
            if where is None or where.mode == "default":
                raise fail("say what to remove, or where to clear: 'clear the center'")
            return Command("remove", kind=None, where=where, text=clause)
        raise fail("no object")
    obj = objects[0]
    count, explicit = _count_before(after, obj[0], lex)
    where = parse_where(after[obj[1]:], lex)
    if where is None:
        raise fail("position not understood")
    return Command(verb, kind=obj[2], word=obj[3], count=count, explicit_count=explicit, where=where,
                   text=clause)


def _feature_objects(objects: list[tuple[int, int, str, str]], lex: Lexicon) -> bool:
    """Whether objects before a theme word name something other than terrain (then it is not a theme)."""
    return any(o[2] not in lex.vocab.terrain for o in objects)


def parse_prompt(prompt: str, lex: Lexicon | None = None) -> list[Command]:
    """Parse a whole prompt (validated) into commands; the first clause not understood raises."""
    lex = lex or lexicon()
    if not isinstance(prompt, str) or not prompt.strip():
        raise invalid("prompt", f"must be a non-empty string; {lex.help()}", prompt)
    if len(prompt) > MAX_PROMPT:
        raise invalid("prompt", f"must be at most {MAX_PROMPT} characters", len(prompt))
    clauses = split_clauses(normalise(prompt), lex)
    if not clauses:
        raise invalid("prompt", f"nothing to do; {lex.help()}", prompt)
    commands, verb = [], None
    for c in clauses:
        m = lex.verb_re.search(c)
        if m is None and verb is not None and not lex.theme_re.search(c):
            c = f"{verb} {c}"           # "… and a forest in the north" reuses the previous verb
        elif m is not None:
            verb = m.group(1)
        commands.append(parse_clause(c, lex))
    return commands


# ------------------------------------------------------------------------------------------------ context
def near_radius(w: int, h: int) -> int:
    """Cells within this (Euclidean) distance of a feature count as "near" it: ``max(3, round(min(W, H) / 10))``."""
    return max(3, round(min(w, h) / 10))


@dataclass
class Ctx:
    grid: Grid
    vocab: Vocabulary
    rng: np.random.Generator
    lex: Lexicon
    text: str = ""

    @property
    def h(self) -> int:
        return self.grid.shape[0]

    @property
    def w(self) -> int:
        return self.grid.shape[1]

    def code(self, name: str) -> int:
        return self.vocab.code(name)

    def is_terrain(self, kind: str | None) -> bool:
        return kind in self.vocab.t

    def is_deco(self, kind: str | None) -> bool:
        return kind in self.vocab.d

    def is_entity(self, kind: str | None) -> bool:
        return kind in self.vocab.entities

    def terrain_family(self, kind: str) -> list[int]:
        """``water`` means shallow and deep water; other classes mean themselves."""
        if kind == "water":
            return [self.code("water"), self.code("deep_water")]
        return [self.code(kind)]

    def fail(self, message: str) -> Exception:
        return invalid("prompt", message, self.text)


def _ring(shape: tuple[int, int], width: int, dirs: tuple[str, ...] = ()) -> np.ndarray:
    h, w = shape
    yy, xx = np.ogrid[:h, :w]
    sides = {"north": yy < width, "south": yy >= h - width, "west": xx < width, "east": xx >= w - width}
    out = np.zeros(shape, bool)
    for k in (dirs or tuple(sides)):
        out |= np.broadcast_to(sides[k], shape)
    return out


def _half(shape: tuple[int, int], dirs: tuple[str, ...]) -> np.ndarray:
    h, w = shape
    yy, xx = np.ogrid[:h, :w]
    masks = {"north": yy + 0.5 < h / 2, "south": yy + 0.5 > h / 2, "west": xx + 0.5 < w / 2,
             "east": xx + 0.5 > w / 2}
    out = np.ones(shape, bool)
    for d in dirs:
        out &= np.broadcast_to(masks[d], shape)
    return out


def _corner_square(shape: tuple[int, int], dirs: tuple[str, ...]) -> np.ndarray:
    h, w = shape
    s = max(3, min(h, w) // 4)
    out = np.zeros(shape, bool)
    ys = slice(0, s) if "north" in dirs else slice(h - s, h)
    xs = slice(0, s) if "west" in dirs else slice(w - s, w)
    out[ys, xs] = True
    return out


_CORNERS = (("north", "west"), ("north", "east"), ("south", "west"), ("south", "east"))


def feature_mask(ctx: Ctx, kind: str) -> np.ndarray:
    """Cells of a named feature (``village`` → house cells, ``lake`` → a water body, …); raises when absent."""
    g, v = ctx.grid, ctx.vocab
    water = np.isin(g.terrain, [v.code("water"), v.code("deep_water"), v.code("ice")])
    out: np.ndarray
    if kind == "village":
        # "the village": the most recently added one (its houses), else every house
        villages = [f["name"] for f in g.features if f["kind"] == "village"]
        houses = [o for o in g.objects if o.type == "house"]
        mine = [o for o in houses if villages and o.properties.get("village") == villages[-1]]
        out = np.zeros(g.shape, bool)
        for o in mine or houses:
            out[int(o.y), int(o.x)] = True
        if not out.any():
            out = np.zeros(g.shape, bool)
            for f in g.features:
                if f["kind"] == "village":
                    out |= disc(g.shape, f["x"], f["y"], 1)
    elif ctx.is_entity(kind):
        out = g.occupied({kind})
    elif kind == "river":
        out = np.zeros(g.shape, bool)
        for f in g.features:
            if f["kind"] == "river":
                for x, y in f.get("points", []):
                    out[max(0, y - 1): y + 2, max(0, x - 1): x + 2] = True
        out &= water | (g.terrain == v.code("bridge"))
    elif kind == "water":
        out = water
    elif kind in ("lake", "deep_water"):
        lab, n = ndimage.label(water)
        out = np.zeros(g.shape, bool)
        if n:
            sizes = ndimage.sum_labels(np.ones(g.shape), lab, index=np.arange(1, n + 1))
            touches = np.zeros(n + 1, bool)
            touches[np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))] = True
            lakes = [f for f in g.features if f["kind"] == "lake"]
            near_lake = disc(g.shape, lakes[-1]["x"], lakes[-1]["y"], lakes[-1]["radius"]) & water if lakes else None
            if kind == "lake" and near_lake is not None and near_lake.any():
                pick = int(np.bincount(lab[near_lake]).argmax())     # the water body the last lake made
            else:
                order = np.argsort(-sizes) + 1
                inland = [i for i in order if not touches[i]]
                seaward = [i for i in order if touches[i]]
                pick = (inland or list(order))[0] if kind == "lake" else (seaward or list(order))[0]
            if pick:
                out = lab == pick
    elif kind == "forest":
        trees = np.isin(g.deco, [v.deco(t) for t in TREES if t in v.d])
        lab, n = ndimage.label(ndimage.binary_dilation(trees, iterations=1))
        out = np.zeros(g.shape, bool)
        if n:
            sizes = ndimage.sum_labels(trees, lab, index=np.arange(1, n + 1))
            out = (lab == int(np.argmax(sizes)) + 1) & trees
    elif kind == "mountains":
        stone = np.isin(g.terrain, [v.code("stone")])
        lab, n = ndimage.label(stone)
        out = np.zeros(g.shape, bool)
        if n:
            sizes = ndimage.sum_labels(stone, lab, index=np.arange(1, n + 1))
            out = lab == int(np.argmax(sizes)) + 1
    elif ctx.is_terrain(kind):
        out = np.isin(g.terrain, ctx.terrain_family(kind))
    elif ctx.is_deco(kind):
        out = g.deco == v.deco(kind)
    else:
        out = np.zeros(g.shape, bool)
    if not out.any():
        raise ctx.fail(f"there is no {kind.replace('_', ' ')} on the map to use as a position; add one first "
                       f"(e.g. 'add a {kind.replace('_', ' ')} in the south')")
    return out


def anchor_region(ctx: Ctx, a: Anchor | None, *, band: int = 1) -> np.ndarray:
    shape = ctx.grid.shape
    if a is None or a.kind == "all":
        return np.ones(shape, bool)
    if a.kind == "center":
        return disc(shape, (ctx.w - 1) / 2, (ctx.h - 1) / 2, 0.25 * min(ctx.w, ctx.h))
    if a.kind == "dir":
        return _half(shape, a.dirs)
    if a.kind == "corner":
        return _corner_square(shape, a.dirs)
    if a.kind == "corners":
        out = np.zeros(shape, bool)
        for c in _CORNERS:
            out |= _corner_square(shape, c)
        return out
    if a.kind == "edge":
        return _ring(shape, band, a.dirs)
    return feature_mask(ctx, a.feature or "")


def anchor_point(ctx: Ctx, a: Anchor | None, *, edge: bool = False, toward: tuple[int, int] | None = None
                 ) -> tuple[int, int]:
    """A cell for an anchor. ``edge``: directions give points on the map edge (route ends). ``toward``:
    a feature gives its cell nearest to that point."""
    w, h = ctx.w, ctx.h
    cx, cy = (w - 1) // 2, (h - 1) // 2
    if a is None or a.kind in ("all", "center"):
        return cx, cy
    if a.kind in ("dir", "edge", "corner"):
        fx = {"west": 0.0, "east": 1.0}.get(next((d for d in a.dirs if d in ("east", "west")), ""), 0.5)
        fy = {"north": 0.0, "south": 1.0}.get(next((d for d in a.dirs if d in ("north", "south")), ""), 0.5)
        if not (edge or a.kind in ("edge", "corner")):
            fx, fy = 0.25 + fx * 0.5, 0.25 + fy * 0.5
        if a.kind == "corner" and not edge:
            s = max(3, min(w, h) // 4)
            return (s // 2 if fx < 0.5 else w - 1 - s // 2), (s // 2 if fy < 0.5 else h - 1 - s // 2)
        return int(round(fx * (w - 1))), int(round(fy * (h - 1)))
    mask = anchor_region(ctx, a)
    if toward is not None:
        got = nearest_cell(mask, *toward)
    else:
        ys, xs = np.nonzero(mask)
        got = nearest_cell(mask, float(xs.mean()), float(ys.mean()))
    assert got is not None
    return got


def where_region(ctx: Ctx, where: Where, *, band: int = 1) -> np.ndarray:
    """The cells a position phrase covers (whole map by default)."""
    if where.mode in ("default",):
        return np.ones(ctx.grid.shape, bool)
    if where.mode in ("near", "around"):
        feat = anchor_region(ctx, where.a)
        if where.a is not None and where.a.kind != "feature":
            return ndimage.binary_dilation(feat, iterations=near_radius(ctx.w, ctx.h))
        dist = ndimage.distance_transform_edt(~feat)
        return (dist <= near_radius(ctx.w, ctx.h)) & ~feat
    if where.mode == "between":
        a = anchor_point(ctx, where.a)
        b = anchor_point(ctx, where.b, toward=a)
        r = max(2.0, math.dist(a, b) / 3)
        return disc(ctx.grid.shape, (a[0] + b[0]) / 2, (a[1] + b[1]) / 2, r)
    if where.mode == "route":
        a = anchor_point(ctx, where.a)
        b = anchor_point(ctx, where.b, toward=a) if where.b else a
        out = np.zeros(ctx.grid.shape, bool)
        for x, y in line_cells(a, b):
            out[y, x] = True
        return ndimage.binary_dilation(out, iterations=max(1, near_radius(ctx.w, ctx.h) // 2))
    if where.mode == "through" and where.a is not None and where.a.kind == "feature":
        return ndimage.binary_dilation(anchor_region(ctx, where.a), iterations=1)
    return anchor_region(ctx, where.a, band=band)


def _anchors_for(ctx: Ctx, where: Where, count: int) -> list[tuple[int, int]]:
    """Centre points for ``count`` area features (lakes, forests …) in a position."""
    if where.a is not None and where.a.kind == "corners":
        pts = [anchor_point(ctx, Anchor("corner", c)) for c in _CORNERS]
        return pts[: max(count, 4)]
    if where.mode == "between":
        a = anchor_point(ctx, where.a)
        b = anchor_point(ctx, where.b, toward=a)
        first = ((a[0] + b[0]) // 2, (a[1] + b[1]) // 2)
    elif where.mode in ("near", "around"):
        # beside the feature, not on it: a free cell between half and the whole near radius away
        feat = anchor_region(ctx, where.a)
        r = near_radius(ctx.w, ctx.h)
        dist = ndimage.distance_transform_edt(~feat)
        ring = (dist >= 0.6 * r) & (dist <= r)
        ok = ring & ctx.grid.free(ctx.vocab) & ~ctx.vocab.water[ctx.grid.terrain]
        cand = np.argwhere(ok if ok.any() else ring)
        if len(cand) == 0:
            cand = np.argwhere(~feat)
        y, x = cand[int(ctx.rng.integers(len(cand)))]
        first = (int(x), int(y))
        if count == 1:
            return [first]
    elif where.mode == "default":
        free = ctx.grid.free(ctx.vocab) & ~ctx.vocab.water[ctx.grid.terrain]
        inner = free.copy()
        m = max(1, min(ctx.w, ctx.h) // 6)
        inner[:m, :] = inner[-m:, :] = inner[:, :m] = inner[:, -m:] = False
        cand = np.argwhere(inner if inner.any() else free)
        if len(cand) == 0:
            return [((ctx.w - 1) // 2, (ctx.h - 1) // 2)] * count
        pts = pick_spread(cand, count, ctx.rng, min(ctx.w, ctx.h) / 3)
        return [(x, y) for y, x in pts]
    else:
        first = anchor_point(ctx, where.a)
    if count == 1:
        return [first]
    region = where_region(ctx, where)
    pts = pick_spread(np.argwhere(region), count - 1, ctx.rng, math.sqrt(region.sum() / count),
                      avoid=np.array([[first[1], first[0]]]))
    return [first] + [(x, y) for y, x in pts]


def _size(ctx: Ctx, where: Where, frac: float, lo: float, hi: float) -> float:
    region = where_region(ctx, where) if where.mode not in ("near", "around", "default") else None
    base = math.sqrt(region.sum()) if region is not None else min(ctx.w, ctx.h) * 0.6
    return float(np.clip(base * frac, lo, max(lo, min(hi, min(ctx.w, ctx.h) / 3))))


def _limit(ctx: Ctx, where: Where) -> np.ndarray:
    """Cells an area feature may cover: its region (for in / corners / through); outside the named feature
    itself for near / around / between; anywhere by default."""
    if where.mode in ("in", "along") or (where.a is not None and where.a.kind == "corners"):
        return where_region(ctx, where)
    if where.mode in ("near", "around", "between") and where.a is not None and where.a.kind == "feature":
        protect = anchor_region(ctx, where.a)
        if where.b is not None and where.b.kind == "feature":
            protect = protect | anchor_region(ctx, where.b)
        return ~ndimage.binary_dilation(protect, iterations=1)
    return np.ones(ctx.grid.shape, bool)


def _structures(ctx: Ctx) -> np.ndarray:
    return np.isin(ctx.grid.terrain, [ctx.code(n) for n in ("road", "path", "bridge", "wall")])


# ----------------------------------------------------------------------------------------------- operations
def _route_ends(ctx: Ctx, where: Where, kind: str) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int] | None]:
    """Start, end and an optional via point for a linear feature."""
    w, h = ctx.w, ctx.h
    g = ctx.grid
    if where.mode in ("route", "between"):
        a = anchor_point(ctx, where.a, edge=True)
        if where.b is not None:
            b = anchor_point(ctx, where.b, edge=True, toward=a)
            if where.a is not None and where.a.kind == "feature":
                a = anchor_point(ctx, where.a, edge=True, toward=b)
        else:   # "from X": to the nearest map edge
            x, y = a
            b = min([(0, y), (w - 1, y), (x, 0), (x, h - 1)], key=lambda p: abs(p[0] - x) + abs(p[1] - y))
        return a, b, None
    if where.mode == "along" and where.a is not None and where.a.kind == "edge" and where.a.dirs:
        d = where.a.dirs[0]
        inset = 1 if kind == "river" else 0
        if d in ("north", "south"):
            y = inset if d == "north" else h - 1 - inset
            return (0, y), (w - 1, y), None
        x = inset if d == "west" else w - 1 - inset
        return (x, 0), (x, h - 1), None
    if where.mode == "default" and kind in ("road", "path"):
        villages = [f for f in g.features if f["kind"] == "village"]
        if len(villages) >= 2:
            a, b = villages[-1], min(villages[:-1], key=lambda f: (f["x"] - villages[-1]["x"]) ** 2
                                     + (f["y"] - villages[-1]["y"]) ** 2)
            return (a["x"], a["y"]), (b["x"], b["y"]), None
    if where.mode in ("near", "around") and where.a is not None:
        via = anchor_point(ctx, Anchor("all")) if where.a.kind != "feature" else None
        if via is None:
            ring = where_region(ctx, where)
            feat = anchor_region(ctx, where.a)
            ys, xs = np.nonzero(feat)
            via = nearest_cell(ring & ~_structures(ctx), float(xs.mean()), float(ys.mean())) or (w // 2, h // 2)
    else:
        via = anchor_point(ctx, where.a) if where.a is not None else ((w - 1) // 2, (h - 1) // 2)
    def jitter(n: int) -> int:
        return int(ctx.rng.integers(-(n // 6), n // 6 + 1))

    if w >= h:    # across the longer axis, through the via point
        return (0, int(np.clip(via[1] + jitter(h), 0, h - 1))), (w - 1, int(np.clip(via[1] + jitter(h), 0, h - 1))), via
    return (int(np.clip(via[0] + jitter(w), 0, w - 1)), 0), (int(np.clip(via[0] + jitter(w), 0, w - 1)), h - 1), via


def _loop_erase(path: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop the loops of a path (a revisited cell cuts out everything in between): no dead-end spurs."""
    out: list[tuple[int, int]] = []
    seen: dict[tuple[int, int], int] = {}
    for p in path:
        if p in seen:
            for q in out[seen[p] + 1:]:
                del seen[q]
            del out[seen[p] + 1:]
        else:
            seen[p] = len(out)
            out.append(p)
    return out


def _route(cost: np.ndarray, a: tuple[int, int], b: tuple[int, int], via: tuple[int, int] | None,
           rng: np.random.Generator | None = None, *, swing: float = 0.0) -> list[tuple[int, int]] | None:
    """A* from ``a`` through ``via`` to ``b``. ``swing`` > 0 adds a waypoint halfway along each leg, pushed
    sideways by up to ``swing`` × the leg length (a random, passable cell): long lazy bends instead of a
    straight corridor. Each leg is loop-erased, so a waypoint never leaves a dead-end spur."""
    h, w = cost.shape
    cost = cost.copy()
    stops = [a] + ([via] if via is not None and via not in (a, b) else []) + [b]
    for p in stops:
        cost[p[1], p[0]] = min(cost[p[1], p[0]], 1.0)
    path: list[tuple[int, int]] = [stops[0]]
    for p, q in zip(stops, stops[1:]):
        legs = [p, q]
        length = math.dist(p, q)
        if swing > 0 and rng is not None and length >= 8:
            nx, ny = -(q[1] - p[1]) / length, (q[0] - p[0]) / length
            off = float(rng.uniform(-swing, swing)) * length
            mx = int(np.clip(round((p[0] + q[0]) / 2 + nx * off), 0, w - 1))
            my = int(np.clip(round((p[1] + q[1]) / 2 + ny * off), 0, h - 1))
            if np.isfinite(cost[my, mx]):
                legs = [p, (mx, my), q]
        seg: list[tuple[int, int]] = [p]
        for u, v in zip(legs, legs[1:]):
            leg = astar(cost, u, v)
            if leg is None:
                return None
            seg += leg[1:]
        path += _loop_erase(seg)[1:]
    return path


def op_river(ctx: Ctx, cmd: Command) -> dict[str, Any]:
    g, v = ctx.grid, ctx.vocab
    a, b, via = _route_ends(ctx, cmd.where, "river")
    # the river follows the valleys of a noise field: a winding course rather than a ruler-straight canal
    meander = rank01(fractal_noise(g.shape, ctx.rng, base=max(3.0, min(ctx.w, ctx.h) / 7), octaves=3))
    cost = 1.0 + 14.0 * meander ** 2
    t = g.terrain
    cost[np.isin(t, [v.code("stone"), v.code("snow")])] += 3.0
    cost[np.isin(t, [v.code("road"), v.code("path"), v.code("bridge")])] += 8.0   # cross roads, never follow them
    cost[v.water[t]] = 1.5          # may run through a lake, but no cheaper than land: the river stays visible
    cost[np.isin(t, [v.code("lava"), v.code("wall")])] = math.inf
    cost[ndimage.binary_dilation(g.occupied({"house"}), iterations=2)] += 6.0   # around villages, not through
    cost[g.occupied()] = math.inf
    path = _route(cost, a, b, via, ctx.rng, swing=0.18)
    if path is None:
        raise ctx.fail(f"no way for a river from {list(a)} to {list(b)} (blocked by walls, lava or buildings)")
    cells = set(path)
    if min(ctx.w, ctx.h) >= 20:   # 1–2 cells wide: a second lane where a noise along the river says so
        lane = fractal_noise((1, len(path)), ctx.rng, base=8.0, octaves=2)[0]
        blocked = g.occupied() | np.isin(t, [v.code("lava"), v.code("wall")])
        for k in range(len(path) - 1):
            if lane[k] > 0.5:
                (x0, y0), (x1, y1) = path[k], path[k + 1]
                px, py = x0 + (y1 - y0), y0 + (x1 - x0)
                if 0 <= px < ctx.w and 0 <= py < ctx.h and not blocked[py, px]:
                    cells.add((px, py))
    xs = np.array([c[0] for c in cells])
    ys = np.array([c[1] for c in cells])
    cur = t[ys, xs]
    crossing = np.isin(cur, [v.code("road"), v.code("path"), v.code("bridge")])
    wet = v.water[cur]
    t[ys, xs] = np.where(crossing, v.code("bridge"), np.where(wet, cur, v.code("water")))
    g.deco[ys, xs] = -1
    g.features.append({"kind": "river", "name": f"river {sum(f['kind'] == 'river' for f in g.features) + 1}",
                       "from": list(a), "to": list(b), "points": feature_points(path)})
    return {"op": "add_river", "from": list(a), "to": list(b), "through": list(via) if via else None,
            "cells": int((~wet).sum()), "bridges": int(crossing.sum()), "where": cmd.where.text or "center"}


def op_road(ctx: Ctx, cmd: Command) -> dict[str, Any]:
    g, v = ctx.grid, ctx.vocab
    kind = cmd.kind or "road"
    a, b, via = _route_ends(ctx, cmd.where, kind)
    bend = 0.8 + 0.5 * fractal_noise(g.shape, ctx.rng, base=max(4.0, min(ctx.w, ctx.h) / 6), octaves=2)
    cost = road_cost(g, v) * bend
    path = _route(cost, a, b, via, ctx.rng, swing=0.08)
    if path is None:
        raise ctx.fail(f"no way for a {kind} from {list(a)} to {list(b)} (blocked by walls, lava or buildings)")
    res = pave(g, v, path, kind=kind)
    g.features.append({"kind": kind, "name": f"{kind} {sum(f['kind'] == kind for f in g.features) + 1}",
                       "from": list(a), "to": list(b), "points": feature_points(path)})
    return {"op": f"add_{kind}", "from": list(a), "to": list(b), "cells": res["cells"],
            "bridges": res["bridges"], "where": cmd.where.text or "default"}


def _wall_cells(ctx: Ctx, where: Where) -> np.ndarray:
    shape = ctx.grid.shape
    if where.mode in ("around", "near") and where.a is not None and where.a.kind not in ("edge", "all"):
        inner = anchor_region(ctx, where.a)
        if where.a.kind == "feature":
            inner = ndimage.binary_dilation(inner, structure=np.ones((3, 3)), iterations=2)
        return ndimage.binary_dilation(inner, structure=np.ones((3, 3))) & ~inner
    if where.mode in ("route", "between"):
        a = anchor_point(ctx, where.a, edge=True)
        b = anchor_point(ctx, where.b, edge=True, toward=a) if where.b else a
        out = np.zeros(shape, bool)
        for x, y in line_cells(a, b):
            out[y, x] = True
        return out
    if where.mode == "through" or (where.mode == "in" and where.a is not None and where.a.kind == "center"):
        via = anchor_point(ctx, where.a)
        out = np.zeros(shape, bool)
        if ctx.w >= ctx.h:
            out[:, via[0]] = True
        else:
            out[via[1], :] = True
        return out
    if where.mode == "in" and where.a is not None and where.a.kind in ("dir", "corner"):
        return _ring(shape, 1, where.a.dirs)
    if where.mode == "in" and where.a is not None and where.a.kind == "feature":
        inner = ndimage.binary_dilation(anchor_region(ctx, where.a), structure=np.ones((3, 3)), iterations=2)
        return ndimage.binary_dilation(inner, structure=np.ones((3, 3))) & ~inner
    dirs = where.a.dirs if where.a is not None else ()
    return _ring(shape, 1, dirs)


def op_wall(ctx: Ctx, cmd: Command) -> dict[str, Any]:
    g, v = ctx.grid, ctx.vocab
    ring = _wall_cells(ctx, cmd.where)
    gates = ring & np.isin(g.terrain, [v.code("road"), v.code("path"), v.code("bridge")])
    skip = ring & (v.water[g.terrain] | g.occupied() | (g.terrain < 0))
    cells = ring & ~gates & ~skip & (g.terrain != v.code("wall"))
    g.terrain[cells] = v.code("wall")
    g.deco[cells] = -1
    return {"op": "add_wall", "cells": int(cells.sum()), "gates": int(gates.sum()), "gaps": int(skip.sum()),
            "where": cmd.where.text or "the edge"}


def op_lake(ctx: Ctx, cmd: Command) -> dict[str, Any]:
    g, v = ctx.grid, ctx.vocab
    count = cmd.count or 1
    small = cmd.word in ("pond", "ponds", "pool")
    r0 = _size(ctx, cmd.where, 0.22, 2.0, 10.0) * (0.6 if small else 1.0)
    limit = _limit(ctx, cmd.where) & ~g.occupied() & ~_structures(ctx) & (g.terrain != v.code("lava"))
    total, centres = 0, []
    for x, y in _anchors_for(ctx, cmd.where, count):
        r = r0 * float(ctx.rng.uniform(0.85, 1.15))
        area = blob(g.shape, x, y, r, ctx.rng) & limit
        if not area.any():
            continue
        yy, xx = np.ogrid[: ctx.h, : ctx.w]
        deep = area & ((xx - x) ** 2 + (yy - y) ** 2 <= (0.45 * r) ** 2) & (r >= 4)
        shore = ndimage.binary_dilation(area) & ~area & limit & np.isin(g.terrain, [v.code("grass"), v.code("dirt")])
        shore &= ctx.rng.random(g.shape) < 0.6
        new = area & ~v.water[g.terrain]
        g.terrain[area] = v.code("water")
        g.terrain[deep] = v.code("deep_water")
        g.terrain[shore] = v.code("sand")
        g.deco[area] = -1
        total += int(new.sum())
        centres.append([int(x), int(y)])
        g.features.append({"kind": "lake", "name": f"lake {sum(f['kind'] == 'lake' for f in g.features) + 1}",
                           "x": int(x), "y": int(y), "radius": round(r, 1), "points": [[int(x), int(y)]]})
    if not centres:
        raise ctx.fail(f"no room for a lake {cmd.where.text}".strip())
    return {"op": "add_lake", "at": centres, "radius": round(r0, 1), "cells": total,
            "where": cmd.where.text or "default"}


def _plant(ctx: Ctx, cells: np.ndarray, density: float) -> int:
    """Trees (pines on snow, dead trees in swamps) on ``cells`` with ``density``; grass / dirt → forest floor."""
    g, v = ctx.grid, ctx.vocab
    ok = cells & np.isin(g.terrain, [v.code(n) for n in ("grass", "dirt", "forest_floor", "snow", "swamp")])
    ok &= ~ndimage.binary_dilation(g.occupied({"house"})) & ~g.occupied()   # a clearing round each house
    g.terrain[ok & np.isin(g.terrain, [v.code("grass"), v.code("dirt")])] = v.code("forest_floor")
    hit = ok & (ctx.rng.random(g.shape) < density) & ~np.isin(g.deco, [v.deco(t) for t in TREES])
    kind = np.full(g.shape, v.deco("tree"), np.int16)
    kind[g.terrain == v.code("snow")] = v.deco("pine")
    kind[g.terrain == v.code("swamp")] = v.deco("dead_tree")
    g.deco[hit] = kind[hit]
    return int(hit.sum())


def op_forest(ctx: Ctx, cmd: Command) -> dict[str, Any]:
    g = ctx.grid
    if cmd.explicit_count or cmd.word == "tree":     # "plant 5 trees near the lake": single trees
        return op_scatter(ctx, Command("add", kind="tree", word=cmd.word, count=cmd.count or 1,
                                       explicit_count=True, where=cmd.where, text=cmd.text))
    limit = _limit(ctx, cmd.where)
    if cmd.where.mode == "along":
        area = where_region(ctx, cmd.where, band=max(2, min(ctx.w, ctx.h) // 10))
        trees = _plant(ctx, area, 0.6)
        return {"op": "add_forest", "trees": trees, "cells": int(area.sum()), "where": cmd.where.text}
    r0 = _size(ctx, cmd.where, 0.35, 2.5, 14.0)
    area = np.zeros(g.shape, bool)
    for x, y in _anchors_for(ctx, cmd.where, cmd.count or 1):
        area |= blob(g.shape, x, y, r0 * float(ctx.rng.uniform(0.85, 1.15)), ctx.rng) & limit
    trees = _plant(ctx, area, 0.62)
    if trees == 0:
        raise ctx.fail(f"no open ground for a forest {cmd.where.text}".strip())
    g.features.append({"kind": "forest", "name": f"forest {sum(f['kind'] == 'forest' for f in g.features) + 1}",
                       "points": [[int(x), int(y)] for y, x in np.argwhere(area)[:: max(1, int(area.sum()) // 48)]]})
    return {"op": "add_forest", "trees": trees, "cells": int(area.sum()), "where": cmd.where.text or "default"}


def op_mountains(ctx: Ctx, cmd: Command) -> dict[str, Any]:
    g, v = ctx.grid, ctx.vocab
    hills = cmd.word in ("hill", "hills")
    r0 = _size(ctx, cmd.where, 0.3, 2.5, 12.0)
    limit = _limit(ctx, cmd.where) & ~v.water[g.terrain] & ~g.occupied() & ~_structures(ctx)
    total = 0
    for x, y in _anchors_for(ctx, cmd.where, cmd.count or 1):
        r = r0 * float(ctx.rng.uniform(0.85, 1.15))
        area = blob(g.shape, x, y, r, ctx.rng) & limit
        yy, xx = np.ogrid[: ctx.h, : ctx.w]
        d = np.sqrt((xx - x) ** 2 + (yy - y) ** 2) / r
        core = area & (d < (0.55 if not hills else 0.3))
        g.terrain[area] = v.code("dirt" if hills else "stone")
        g.terrain[core] = v.code("stone")
        if not hills and r >= 5:
            g.terrain[area & (d < 0.22)] = v.code("snow")
        g.deco[area] = -1
        rocks = area & (ctx.rng.random(g.shape) < (0.12 if hills else 0.22))
        g.deco[rocks] = v.deco("rock")
        total += int(area.sum())
        n = sum(f["kind"] == "mountains" for f in g.features) + 1
        g.features.append({"kind": "mountains", "name": f"mountains {n}", "x": int(x), "y": int(y),
                           "radius": round(r, 1), "points": [[int(x), int(y)]]})
    if not total:
        raise ctx.fail(f"no open ground for mountains {cmd.where.text}".strip())
    return {"op": "add_hills" if hills else "add_mountains", "cells": total, "where": cmd.where.text or "default"}


def op_village(ctx: Ctx, cmd: Command) -> dict[str, Any]:
    g = ctx.grid
    houses_word = cmd.word in ("house", "houses", "homes")
    default_houses = int(np.clip(round(min(ctx.w, ctx.h) / 8), 3, 8))
    houses = (cmd.count or 1) if houses_word and cmd.explicit_count else default_houses
    n = 1 if houses_word else (cmd.count or 1)
    made = []
    for x, y in _anchors_for(ctx, cmd.where, n):
        before = len(g.objects)
        f = place_village(g, ctx.vocab, ctx.rng, (x, y), houses=houses,
                          name=f"village {sum(f['kind'] == 'village' for f in g.features) + 1}")
        if f:
            made.append({"name": f["name"], "at": [f["x"], f["y"]],
                         "houses": sum(o.type == "house" for o in g.objects[before:])})
    if not made:
        raise ctx.fail(f"no open ground for a village {cmd.where.text}".strip())
    return {"op": "add_village", "villages": made, "houses": sum(m["houses"] for m in made),
            "where": cmd.where.text or "default"}


def op_bridge(ctx: Ctx, cmd: Command) -> dict[str, Any]:
    g, v = ctx.grid, ctx.vocab
    water = v.water[g.terrain]
    land = v.walkable[g.terrain] & ~water
    if cmd.where.mode == "default":
        roads = np.isin(g.terrain, [v.code("road"), v.code("path")])
        touch = ndimage.binary_dilation(roads) & water
        p = nearest_cell(touch, ctx.w / 2, ctx.h / 2) if touch.any() else None
        p = p or nearest_cell(water, (ctx.w - 1) / 2, (ctx.h - 1) / 2)
    else:
        region = where_region(ctx, cmd.where)
        if cmd.where.a is not None and cmd.where.a.kind == "feature":
            region = ndimage.binary_dilation(anchor_region(ctx, cmd.where.a), iterations=2)
        ys, xs = np.nonzero(region)
        p = nearest_cell(water & region, float(xs.mean()), float(ys.mean())) if (water & region).any() else None
    if p is None:
        raise ctx.fail(f"no water to bridge {cmd.where.text}".strip())
    px, py = p
    best: list[tuple[int, int]] | None = None
    cand = np.argwhere(water & disc(g.shape, px, py, max(4, near_radius(ctx.w, ctx.h))))
    cand = cand[np.argsort((cand[:, 0] - py) ** 2 + (cand[:, 1] - px) ** 2)][:64]
    for y, x in cand.tolist():
        for dx, dy in ((1, 0), (0, 1)):
            run = [(x, y)]
            for s in (1, -1):
                k = 1
                while True:
                    nx, ny = x + s * dx * k, y + s * dy * k
                    if not (0 <= nx < ctx.w and 0 <= ny < ctx.h) or not water[ny, nx]:
                        break
                    run.append((nx, ny))
                    k += 1
                if not (0 <= nx < ctx.w and 0 <= ny < ctx.h) or not land[ny, nx]:
                    run = []
                    break
            if run and len(run) <= 10 and (best is None or len(run) < len(best)):
                best = run
        if best is not None and len(best) <= 2:
            break
    if best is None:
        raise ctx.fail(f"no narrow water crossing (at most 10 cells, land on both sides) {cmd.where.text}".strip())
    for x, y in best:
        g.terrain[y, x] = v.code("bridge")
        g.deco[y, x] = -1
    return {"op": "add_bridge", "at": [list(c) for c in sorted(best)], "cells": len(best),
            "where": cmd.where.text or "default"}


def op_scatter(ctx: Ctx, cmd: Command) -> dict[str, Any]:
    """Place ``count`` entities or decorations on free cells of the position (spread out)."""
    g, v = ctx.grid, ctx.vocab
    kind = cmd.kind or ""
    region = where_region(ctx, cmd.where)
    free = g.free(v) & ~v.water[g.terrain] & region
    if ctx.is_deco(kind):
        free &= (g.deco < 0) & ~_structures(ctx)
    plural = cmd.word.endswith("s") or cmd.word in ("cacti", "people")
    count = cmd.count if cmd.count is not None else (max(3, int(free.sum() * 0.06)) if plural else 1)
    if kind == "spawn":
        count = 1
    cells = np.argwhere(free)
    if len(cells) == 0:
        raise ctx.fail(f"no free walkable cell {cmd.where.text or 'on the map'} for {cmd.word}")
    spread = max(1.5, math.sqrt(len(cells) / max(count, 1)) * 0.7)
    picked = pick_spread(cells, count, ctx.rng, spread)
    removed = 0
    if kind == "spawn":
        removed = sum(1 for o in g.objects if o.type == "spawn")
        g.objects = [o for o in g.objects if o.type != "spawn"]
    for y, x in picked:
        if ctx.is_deco(kind):
            g.deco[y, x] = v.deco(kind)
        else:
            g.add_object(kind, x, y, name="player spawn" if kind == "spawn" else None)
    op = {"op": "place", "kind": kind, "count": count, "placed": len(picked),
          "cells": [[int(x), int(y)] for y, x in picked], "where": cmd.where.text or "anywhere"}
    if cmd.where.mode == "near":
        op["radius"] = near_radius(ctx.w, ctx.h)
    if removed:
        op["replaced"] = removed
    return op


def op_terrain_patch(ctx: Ctx, cmd: Command) -> dict[str, Any]:
    """``add sand in the south``, ``add lava in the center``: a noisy patch of that terrain."""
    g, v = ctx.grid, ctx.vocab
    r0 = _size(ctx, cmd.where, 0.3, 2.0, 12.0)
    limit = _limit(ctx, cmd.where) & ~g.occupied() & ~_structures(ctx)
    area = np.zeros(g.shape, bool)
    for x, y in _anchors_for(ctx, cmd.where, cmd.count or 1):
        area |= blob(g.shape, x, y, r0, ctx.rng) & limit
    changed = area & (g.terrain != v.code(cmd.kind or "grass"))
    g.terrain[area] = v.code(cmd.kind or "grass")
    _drop_unfit_deco(ctx, area)
    return {"op": "add_terrain", "terrain": cmd.kind, "cells": int(changed.sum()), "where": cmd.where.text or "default"}


def _drop_unfit_deco(ctx: Ctx, cells: np.ndarray) -> None:
    g, v = ctx.grid, ctx.vocab
    unfit = cells & ~v.walkable[g.terrain]
    g.deco[unfit] = -1


def op_fill(ctx: Ctx, cmd: Command) -> dict[str, Any]:
    g, v = ctx.grid, ctx.vocab
    to = cmd.to or "grass"
    region = where_region(ctx, cmd.where, band=max(1, min(ctx.w, ctx.h) // 12)) & ~g.occupied()
    if to == "forest":
        trees = _plant(ctx, region, 0.7)
        return {"op": "fill", "with": "forest", "trees": trees, "cells": int(region.sum()), "where": cmd.where.text}
    if ctx.is_deco(to) or to in TREES:
        ok = region & v.walkable[g.terrain] & ~_structures(ctx)
        hit = ok & (ctx.rng.random(g.shape) < 0.3)
        g.deco[hit] = v.deco(to)
        return {"op": "fill", "with": to, "cells": int(hit.sum()), "where": cmd.where.text}
    if not ctx.is_terrain(to):
        raise ctx.fail(f"can only fill with terrain or decorations, not {to.replace('_', ' ')}")
    changed = region & (g.terrain != v.code(to))
    g.terrain[region] = v.code(to)
    _drop_unfit_deco(ctx, region)
    if to in ("road", "path", "bridge", "wall"):
        g.deco[region] = -1
    return {"op": "fill", "with": to, "cells": int(changed.sum()), "where": cmd.where.text}


def op_replace(ctx: Ctx, cmd: Command) -> dict[str, Any]:
    g, v = ctx.grid, ctx.vocab
    src, dst = cmd.kind or "", cmd.to or ""
    region = where_region(ctx, cmd.where)
    if src == "forest":
        src = "tree"
    if dst == "forest":
        dst = "tree"
    if src == "village":
        src = "house"
    if ctx.is_terrain(src) and ctx.is_terrain(dst):
        cells = region & np.isin(g.terrain, ctx.terrain_family(src))
        g.terrain[cells] = v.code(dst)
        _drop_unfit_deco(ctx, cells)
        return {"op": "replace", "from": src, "to": dst, "cells": int(cells.sum()), "where": cmd.where.text or "everywhere"}
    if ctx.is_deco(src) and ctx.is_deco(dst):
        family = [v.deco(t) for t in TREES if t in v.d] if src == "tree" else [v.deco(src)]
        cells = region & np.isin(g.deco, family)
        g.deco[cells] = v.deco(dst)
        return {"op": "replace", "from": src, "to": dst, "cells": int(cells.sum()), "where": cmd.where.text or "everywhere"}
    if ctx.is_terrain(src) and ctx.is_deco(dst):     # "replace the grass with flowers": decorate it
        cells = region & np.isin(g.terrain, ctx.terrain_family(src)) & (g.deco < 0) & ~g.occupied()
        if dst == "tree":
            n = _plant(ctx, cells, 0.62)
        else:
            hit = cells & (ctx.rng.random(g.shape) < 0.35)
            g.deco[hit] = v.deco(dst)
            n = int(hit.sum())
        return {"op": "replace", "from": src, "to": dst, "cells": n, "where": cmd.where.text or "everywhere"}
    if ctx.is_entity(src) and ctx.is_entity(dst) and "house" not in (src, dst):
        inside = where_region(ctx, cmd.where)
        n = 0
        for o in g.objects:
            if o.type == src and inside[int(o.y), int(o.x)]:
                o.type, o.name, n = dst, f"{dst} {o.id}", n + 1
        return {"op": "replace", "from": src, "to": dst, "objects": n, "where": cmd.where.text or "everywhere"}
    raise ctx.fail(f"cannot replace {src.replace('_', ' ')} with {dst.replace('_', ' ')}: replace terrain with "
                   "terrain, decorations with decorations or entities with entities")


def _remove_objects(ctx: Ctx, kinds: set[str], region: np.ndarray) -> int:
    g = ctx.grid
    keep = [o for o in g.objects if not (o.type in kinds and region[int(o.y), int(o.x)])]
    n = len(g.objects) - len(keep)
    g.objects = keep
    return n


def op_remove(ctx: Ctx, cmd: Command) -> dict[str, Any]:
    g, v = ctx.grid, ctx.vocab
    kind = cmd.kind
    where = cmd.where
    grass = v.code("grass")
    if kind is None:   # "clear the center": decorations, entities, walls and lava go
        region = where_region(ctx, where)
        deco = int((region & (g.deco >= 0)).sum())
        g.deco[region] = -1
        objs = _remove_objects(ctx, set(v.entities), region)
        walls = region & np.isin(g.terrain, [v.code("wall"), v.code("lava")])
        g.terrain[walls] = grass
        return {"op": "clear", "decorations": deco, "objects": objs, "cells": int(walls.sum()),
                "where": where.text}
    region = where_region(ctx, where)
    if kind in ("forest", "tree", "pine", "autumn_tree", "dead_tree"):
        family = [v.deco(t) for t in TREES] if kind in ("forest", "tree") else [v.deco(kind)]
        cells = region & np.isin(g.deco, family)
        g.deco[cells] = -1
        if kind == "forest":
            g.terrain[region & (g.terrain == v.code("forest_floor"))] = grass
            g.features = [f for f in g.features if f["kind"] != "forest"]
        return {"op": "remove", "kind": kind, "decorations": int(cells.sum()), "where": where.text or "everywhere"}
    if ctx.is_deco(kind):
        cells = region & (g.deco == v.deco(kind))
        g.deco[cells] = -1
        return {"op": "remove", "kind": kind, "decorations": int(cells.sum()), "where": where.text or "everywhere"}
    if kind == "village":
        houses = g.occupied({"house"}) & region
        if not houses.any():
            raise ctx.fail(f"there is no village {where.text or 'on the map'} to remove")
        near = ndimage.binary_dilation(houses, iterations=near_radius(ctx.w, ctx.h))
        objs = _remove_objects(ctx, {"house", "npc", "torch"}, near & region | houses)
        streets = near & (g.terrain == v.code("path"))
        g.terrain[streets] = grass
        g.terrain[houses & (g.terrain == v.code("dirt"))] = grass
        g.features = [f for f in g.features if not (f["kind"] == "village" and near[f["y"], f["x"]])]
        return {"op": "remove", "kind": "village", "objects": objs, "cells": int(streets.sum()),
                "where": where.text or "everywhere"}
    if ctx.is_entity(kind):
        n = _remove_objects(ctx, {kind}, region)
        return {"op": "remove", "kind": kind, "objects": n, "where": where.text or "everywhere"}
    if kind in ("river", "lake"):
        cells = feature_mask(ctx, kind) & region
        bridges = cells & (g.terrain == v.code("bridge"))
        g.terrain[cells & ~bridges] = grass
        g.terrain[bridges] = v.code("road")
        g.features = [f for f in g.features if f["kind"] != kind]
        return {"op": "remove", "kind": kind, "cells": int(cells.sum()), "where": where.text or "everywhere"}
    if kind == "mountains":
        cells = region & np.isin(g.terrain, [v.code("stone"), v.code("snow")])
        if where.mode == "default":
            cells &= ndimage.binary_dilation(feature_mask(ctx, "mountains"), iterations=2)
        g.terrain[cells] = grass
        g.deco[cells & (g.deco == v.deco("rock"))] = -1
        return {"op": "remove", "kind": "mountains", "cells": int(cells.sum()), "where": where.text or "everywhere"}
    if kind in ("road", "path", "wall", "bridge", "border"):
        cls = "wall" if kind == "border" else kind
        cells = region & (g.terrain == v.code(cls))
        g.terrain[cells] = v.code("water") if cls == "bridge" else grass
        return {"op": "remove", "kind": cls, "cells": int(cells.sum()), "where": where.text or "everywhere"}
    if ctx.is_terrain(kind):
        cells = region & np.isin(g.terrain, ctx.terrain_family(kind))
        g.terrain[cells] = v.code("stone") if kind == "lava" else grass
        return {"op": "remove", "kind": kind, "cells": int(cells.sum()), "where": where.text or "everywhere"}
    raise ctx.fail(f"cannot remove {kind}")


def op_border(ctx: Ctx, cmd: Command) -> dict[str, Any]:
    to = cmd.to or "wall"
    if to in ("wall", "border"):
        return op_wall(ctx, Command("add", kind="wall", where=cmd.where, text=cmd.text))
    where = cmd.where
    band = max(1, min(ctx.w, ctx.h) // 16)
    if where.mode == "along":
        ring = where_region(ctx, where, band=band + 1)
    else:
        ring = where_region(ctx, Where("near", where.a, None, where.text))
        feat = anchor_region(ctx, where.a)
        ring &= ndimage.distance_transform_edt(~feat) <= band + 1
    if to == "forest" or to in TREES:
        n = _plant(ctx, ring, 0.7)
        return {"op": "surround", "with": "forest", "trees": n, "where": where.text}
    if ctx.is_deco(to):
        ok = ring & ctx.vocab.walkable[ctx.grid.terrain] & ~ctx.grid.occupied()
        hit = ok & (ctx.rng.random(ctx.grid.shape) < 0.5)
        ctx.grid.deco[hit] = ctx.vocab.deco(to)
        return {"op": "surround", "with": to, "cells": int(hit.sum()), "where": where.text}
    if ctx.is_terrain(to):
        ok = ring & ~ctx.grid.occupied()
        ctx.grid.terrain[ok] = ctx.vocab.code(to)
        _drop_unfit_deco(ctx, ok)
        return {"op": "surround", "with": to, "cells": int(ok.sum()), "where": where.text}
    raise ctx.fail(f"cannot surround with {to.replace('_', ' ')}")


def op_theme(ctx: Ctx, cmd: Command) -> dict[str, Any]:
    g, v = ctx.grid, ctx.vocab
    theme = ctx.lex.themes[cmd.kind or ""]
    region = where_region(ctx, cmd.where)
    patches = rank01(fractal_noise(g.shape, ctx.rng, base=max(3.0, min(ctx.w, ctx.h) / 8), octaves=3))
    land = ~v.water[g.terrain] & (g.terrain >= 0)
    shore_dist = ndimage.distance_transform_edt(~land) if land.any() else np.zeros(g.shape)
    changed_t = np.zeros(g.shape, bool)
    before = g.terrain.copy()
    for src, dst in theme.get("terrain", {}).items():
        cells = region & (before == v.code(src))
        share = float(theme.get("partial", {}).get(src, 1.0))
        if share < 1.0 and cells.any():
            # water freezes / dries from the shore outwards, land changes in noise-shaped patches
            score = (shore_dist + 3 * patches) if src in ("water", "deep_water") else patches
            cut = np.quantile(score[cells], share)
            cells &= score <= cut
        g.terrain[cells] = v.code(dst)
        changed_t |= cells
    deco_n = 0
    before_d = g.deco.copy()
    for src, dst in theme.get("decorations", {}).items():
        cells = region & (before_d == v.deco(src))
        g.deco[cells] = v.deco(dst) if dst else -1
        deco_n += int(cells.sum())
    _drop_unfit_deco(ctx, changed_t)
    return {"op": "theme", "theme": cmd.kind, "cells": int(changed_t.sum()), "decorations": deco_n,
            "where": cmd.where.text or "everywhere"}


def apply(ctx: Ctx, cmd: Command) -> dict[str, Any]:
    """Run one command on ``ctx.grid``; returns its operation dict."""
    if cmd.action == "theme":
        return op_theme(ctx, cmd)
    if cmd.action == "replace":
        return op_replace(ctx, cmd)
    if cmd.action == "fill":
        return op_fill(ctx, cmd)
    if cmd.action == "border":
        return op_border(ctx, cmd)
    if cmd.action == "remove":
        return op_remove(ctx, cmd)
    kind = cmd.kind or ""
    if kind == "river":
        return op_river(ctx, cmd)
    if kind in ("road", "path"):
        return op_road(ctx, cmd)
    if kind in ("wall", "border"):
        if cmd.where.mode == "default":
            cmd.where = Where("along", Anchor("edge"), None, "the edge")
        return op_wall(ctx, cmd)
    if kind == "lake":
        return op_lake(ctx, cmd)
    if kind == "forest":
        return op_forest(ctx, cmd)
    if kind == "mountains":
        return op_mountains(ctx, cmd)
    if kind == "village":
        return op_village(ctx, cmd)
    if kind == "bridge":
        return op_bridge(ctx, cmd)
    if ctx.is_entity(kind) or ctx.is_deco(kind):
        return op_scatter(ctx, cmd)
    if ctx.is_terrain(kind):
        return op_terrain_patch(ctx, cmd)
    raise ctx.fail(f"cannot add {kind}")


# ------------------------------------------------------------------------------------------------- diff
def cell_diff(old: Map, new: Map) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Changed cells of every tile layer (tile names) and changed entities between two versions."""
    names: list[str | None] = [None] * (max([t.id for t in new.tiles] + [0]) + 1)
    for t in new.tiles:
        names[t.id] = t.name
    diff: list[dict[str, Any]] = []
    per_layer: dict[str, int] = {}
    for layer in new.layers:
        if layer.kind != "tiles":
            continue
        try:
            before = np.asarray(old.layer(layer.name).data)
        except KeyError:
            before = np.zeros_like(layer.data)
        after = np.asarray(layer.data)
        ys, xs = np.nonzero(before != after)
        per_layer[layer.name] = int(ys.size)
        for y, x, b, a in zip(ys.tolist(), xs.tolist(), before[ys, xs].tolist(), after[ys, xs].tolist()):
            diff.append({"layer": layer.name, "x": x, "y": y, "before": names[b] if b < len(names) else b,
                         "after": names[a]})
    objs: dict[str, int] = {"added": 0, "removed": 0, "changed": 0}
    for layer in new.layers:
        if layer.kind != "objects":
            continue
        try:
            old_objs = {o.id: o for o in old.layer(layer.name).objects}
        except KeyError:
            old_objs = {}
        new_objs = {o.id: o for o in layer.objects}
        for oid, o in new_objs.items():
            prev = old_objs.get(oid)
            if prev is None:
                objs["added"] += 1
                diff.append({"layer": layer.name, "object": oid, "x": o.x, "y": o.y, "before": None, "after": o.type})
            elif (prev.type, prev.x, prev.y) != (o.type, o.x, o.y):
                objs["changed"] += 1
                diff.append({"layer": layer.name, "object": oid, "x": o.x, "y": o.y, "before": prev.type,
                             "after": o.type})
        for oid, o in old_objs.items():
            if oid not in new_objs:
                objs["removed"] += 1
                diff.append({"layer": layer.name, "object": oid, "x": o.x, "y": o.y, "before": o.type, "after": None})
    return diff, {"cells": sum(per_layer.values()), "layers": per_layer, "objects": objs}


# ------------------------------------------------------------------------------------------------ public
def edit_map(m: Map, prompt: str) -> MapEdit:
    """Apply a plain-English edit; returns the new version (``m`` itself is not changed).

    Unparseable text raises ``InvalidRequest`` (field ``prompt``) whose message lists the supported verbs,
    objects and positions and gives an example. Every command of a multi-command prompt is parsed before
    anything is applied. After each operation the ``[[cleanup.forbid]]`` adjacency rules run (lava next to new
    water cools to stone …); the collision layer is recomputed at the end.
    """
    vocab = load_vocabulary()
    lex = lexicon(vocab)
    commands = parse_prompt(prompt, lex)
    new = m.copy()
    new.history.append(copy.deepcopy(m.layers))
    new.version = m.version + 1
    grid, _ = grid_from_map(new, vocab)
    ops = []
    for i, cmd in enumerate(commands):
        ctx = Ctx(grid, vocab, np.random.default_rng([m.seed, new.version, i, 0xED17]), lex, cmd.text)
        op = apply(ctx, cmd)
        adjusted = fix_adjacency(grid.terrain, vocab)
        if adjusted:
            op["adjusted"] = adjusted
        op["command"] = cmd.text
        ops.append(op)
    write_grid(new, grid, TileIndex.build(new.tiles, vocab), vocab)
    diff, summary = cell_diff(m, new)
    return MapEdit(new, ops, diff, summary, prompt)


def undo(m: Map) -> Map:
    """The previous version: the last layers of ``history`` restored, ``version - 1`` (``m`` is not changed)."""
    if not m.history:
        raise invalid("map", "has no earlier version to undo to", m.version)
    out = m.copy()
    out.layers = out.history.pop()
    out.version = max(1, m.version - 1)
    return out
