"""The subject catalogue: what the sprite pipeline knows how to draw.

Read from ``configs/subjects/*.toml``: each top-level table is one subject id with its
``category``, ``archetype`` (characters and creatures only), ``synonyms``, ``description`` and an
optional ``look`` table (the renderers' data). Unknown keys are ignored.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..backends.base import ARCHETYPES, CATEGORIES

__all__ = ["Subject", "load_catalogue"]

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Subject:
    """One drawable subject.

    Attributes
    ----------
    id : catalogue id, e.g. ``"knight"`` (lower case, ``[a-z0-9_]``).
    category : one of ``CATEGORIES`` (character, creature, item, prop).
    archetype : one of ``ARCHETYPES`` for characters and creatures, else ``None``.
    synonyms : words and phrases that name the subject in a prompt.
    description : a short sentence (embedded by the optional MiniLM matcher).
    look : the renderers' drawing data (free-form; not compared or hashed).
    """

    id: str
    category: str
    archetype: str | None = None
    synonyms: tuple[str, ...] = ()
    description: str = ""
    look: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)




def load_catalogue(config_dir: Path) -> dict[str, Subject]:
    """All subjects in ``config_dir/subjects/*.toml`` (files in name order), id → :class:`Subject`.

    Parsed once per folder (cached); each call returns a new dict over the same ``Subject``
    objects. Raises ``FileNotFoundError`` when there are no subject files, ``ValueError`` on a bad
    value or a duplicate id and ``TypeError`` on a value of the wrong type (each naming the file,
    the subject and the key).
    """
    return dict(_load_catalogue_cached(Path(config_dir).resolve()))


@lru_cache(maxsize=8)
def _load_catalogue_cached(config_dir: Path) -> tuple[tuple[str, Subject], ...]:
    files = sorted((config_dir / "subjects").glob("*.toml"))
    if not files:
        raise FileNotFoundError(f"no subject files in {config_dir / 'subjects'} (expected *.toml)")
    subjects: dict[str, Subject] = {}
    origin: dict[str, Path] = {}
    for path in files:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        for sid, entry in data.items():
            if sid in subjects:
                raise ValueError(f"{path.name}: subject {sid!r} is already defined in {origin[sid].name}")
            subjects[sid] = _parse_subject(sid, entry, path)
            origin[sid] = path
    return tuple(subjects.items())


def _parse_subject(sid: str, entry: Any, path: Path) -> Subject:
    where = f"{path.name}: [{sid}]"
    if not isinstance(entry, dict):
        raise TypeError(f"{where}: must be a table (got {type(entry).__name__})")
    if not _ID_RE.match(sid):
        raise ValueError(f"{where}: id must match {_ID_RE.pattern} (got {sid!r})")
    category = entry.get("category")
    if category not in CATEGORIES:
        raise ValueError(f"{where}: category must be one of {CATEGORIES} (got {category!r})")
    archetype = entry.get("archetype")
    if category in ("character", "creature"):
        if archetype not in ARCHETYPES:
            raise ValueError(f"{where}: archetype must be one of {ARCHETYPES} (got {archetype!r})")
    elif archetype is not None:
        raise ValueError(f"{where}: archetype is only for characters and creatures (got {archetype!r})")
    synonyms = entry.get("synonyms", [])
    if not isinstance(synonyms, list) or not all(isinstance(s, str) and s.strip() for s in synonyms):
        raise ValueError(f"{where}: synonyms must be a list of non-empty strings (got {synonyms!r})")
    description = entry.get("description", "")
    if not isinstance(description, str):
        raise TypeError(f"{where}: description must be a string (got {description!r})")
    look = entry.get("look", {})
    if not isinstance(look, dict):
        raise TypeError(f"{where}: look must be a table (got {type(look).__name__})")
    return Subject(id=sid, category=category, archetype=archetype, synonyms=tuple(synonyms),
                   description=description, look=look)
