"""Seamless material textures from a prompt, with no model weights.

:func:`synthesize_texture` draws a square ``(size, size, 4)`` uint8 texture of a material
(grass, cobblestone, wood planks, lava, ...) with optional modifiers (mossy, cracked, wet, ...).
Everything is built from periodic constructions only — lattice noise that wraps
(:mod:`sprixen_engine.core.noise`), Worley cells with toroidal distance, brick and plank layouts
whose boundaries are taken modulo the size, stamps and crack walks placed modulo the size — so
``np.roll`` by any amount shows no seam and the texture tiles.

How a texture is made
---------------------
1. A *generator* (the material's ``kind``) fills four fields: ``shade`` (position on a colour ramp,
   0 = darkest .. 1 = lightest), ``layer`` (which ramp: base, mortar, glow, ...), ``height``
   (0..1, for lighting and where snow settles) and ``crevice`` (0..1, gaps, mortar and cracks:
   where moss and sand collect). Lighting comes from a light in the top-left corner: the periodic
   difference of ``height`` along the diagonal (:func:`~sprixen_engine.core.noise.emboss`).
2. Modifiers change the fields (cracks, chipped edges, overlays of moss/snow/sand/soot/blood,
   glints) and the ramps (darker, desaturated, tinted), in the order of ``configs/materials.toml``.
3. Rendering looks each pixel up in a per-layer table of 256 shades: ``style="pixel"`` maps a shade
   to one ramp entry (so the texture holds only ramp colours: 3-6 shades per material),
   ``style="smooth"`` interpolates between the entries.

Materials, ramps, generator parameters, modifiers, overlays, stamps and prompt words are data in
``configs/materials.toml``. Modifier randomness is seeded separately from the material's, so
``"mossy"`` cobblestone of seed 3 has the same stones as plain cobblestone of seed 3.
"""

from __future__ import annotations

import difflib
import math
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from ..config import config_dir as default_config_dir
from ..config import read_toml
from ..core import noise as pn
from ..errors import invalid

__all__ = [
    "MATERIALS", "MODIFIERS", "STYLES", "Material", "MaterialSpec", "Modifier", "load_materials", "material_color",
    "palette_size", "parse_material", "synthesize_texture",
]

RGB = tuple[int, int, int]
STYLES = ("pixel", "smooth")
MIN_SIZE, MAX_SIZE = 16, 256
_LEVELS = 256
_F32 = np.float32

#: Ramps each generator kind needs (besides ``base``) and may use.
_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ground": ((), ("pebble", "puddle")),
    "grass": ((), ("flower", "flower_centre")),
    "cells": ((), ("alt", "mortar", "gap", "glow")),
    "bricks": (("mortar",), ("alt",)),
    "planks": (("gap",), ("alt",)),
    "water": ((), ()),
    "ice": ((), ()),
    "marble": (("vein",), ()),
    "metal": (("seam",), ()),
}
_WHERE = ("crevice", "top", "patches", "splats")


# ============================================================================================
# Data


@dataclass(frozen=True)
class Material:
    """One ``[materials.<id>]`` table. ``ramps`` maps a ramp name to its colours, dark → light."""

    id: str
    kind: str
    ramps: Mapping[str, tuple[RGB, ...]]
    params: Mapping[str, Any]
    synonyms: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    color: RGB | None = None


@dataclass(frozen=True)
class Modifier:
    """One ``[modifiers.<id>]`` table; see the file's comments for what each field does."""

    id: str
    synonyms: tuple[str, ...] = ()
    implies: str | None = None
    scope: str = "material"
    value: float = 0.0
    saturation: float = 0.0
    tint: RGB | None = None
    tint_amount: float = 0.0
    cracks: float = 0.0
    crack_length: float = 24.0
    crack_wobble: float = 0.3
    branches: int = 0
    chips: float = 0.0
    overlay: str | None = None
    where: str = "patches"
    amount: float = 0.0
    spread: float = 1.0
    glints: float = 0.0
    glint: str | None = None

    @property
    def recolours(self) -> bool:
        return bool(self.value or self.saturation or (self.tint is not None and self.tint_amount))


@dataclass(frozen=True)
class _Overlay:
    name: str
    ramp: tuple[RGB, ...] = ()
    base: float = 0.4
    relief: float = 0.5
    texture: float = 0.1
    rim: float = 0.0
    shadow: int = 0
    darken: tuple[float, ...] = ()
    steps: int = 0


@dataclass(frozen=True, eq=False)
class _Stamp:
    dy: np.ndarray  # (k,) int
    dx: np.ndarray
    absolute: np.ndarray  # (k,) bool: a ramp entry (value = index) or a relative step (value = ±steps)
    value: np.ndarray  # (k,) int


@dataclass(frozen=True, eq=False)
class _Library:
    materials: Mapping[str, Material]
    modifiers: Mapping[str, Modifier]
    overlays: Mapping[str, _Overlay]
    stamps: Mapping[str, _Stamp]
    filler: tuple[str, ...]
    default: str
    styles: Mapping[str, tuple[str, ...]]
    source: str


def _bad(where: str, rule: str, value: object) -> ValueError:
    return ValueError(f"materials.toml: {where} {rule} (got {value!r})")


def _rgb(value: Any, where: str) -> RGB:
    if isinstance(value, str) and len(value) == 7 and value[0] == "#":
        try:
            return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)
        except ValueError:
            pass
    if isinstance(value, list) and len(value) == 3 and all(isinstance(v, int) and 0 <= v <= 255 for v in value):
        return value[0], value[1], value[2]
    raise _bad(where, "must be '#rrggbb' or [r, g, b] with 0..255 ints", value)


def _ramp(value: Any, where: str) -> tuple[RGB, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= 16:
        raise _bad(where, "must be a list of 1-16 colours", value)
    return tuple(_rgb(v, f"{where}[{i}]") for i, v in enumerate(value))


def _words(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _bad(where, "must be a list of non-empty strings", value)
    return tuple(value)


def _table(data: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise _bad(where, "must be a table", value)
    return value


def _stamp(rows: Any, where: str) -> _Stamp:
    if not isinstance(rows, list) or not rows or not all(isinstance(r, str) for r in rows):
        raise _bad(where, "must be a list of strings", rows)
    dy, dx, absolute, value = [], [], [], []
    steps = {"+": 1, "-": -1, "#": 2, "=": -2}
    for y, row in enumerate(rows):
        for x, ch in enumerate(row):
            if ch == ".":
                continue
            if ch.isdigit():
                absolute.append(True)
                value.append(int(ch))
            elif ch in steps:
                absolute.append(False)
                value.append(steps[ch])
            else:
                raise _bad(where, "may only hold '.', digits and '+-#='", row)
            dy.append(y)
            dx.append(x)
    return _Stamp(np.array(dy), np.array(dx), np.array(absolute, bool), np.array(value))


def load_materials(config_dir: Path | None = None) -> _Library:
    """Read and check ``<config_dir>/materials.toml`` (default: the engine's ``configs/``); cached.

    Raises ``ValueError`` naming the table, the key and the value on bad data.
    """
    path = Path(config_dir or default_config_dir()) / "materials.toml"
    data = read_toml(path)  # cached by read_toml until the file changes
    hit = _LIBRARIES.get(str(path))
    if hit is None or hit[0] is not data:
        if len(_LIBRARIES) > 8:
            _LIBRARIES.clear()
        hit = (data, _library(str(path), data))
        _LIBRARIES[str(path)] = hit
    return hit[1]


_LIBRARIES: dict[str, tuple[Mapping[str, Any], _Library]] = {}


def _library(path: str, data: Mapping[str, Any]) -> _Library:
    overlays: dict[str, _Overlay] = {}
    for name, t in _table(data, "overlays", "[overlays]").items():
        ramp = _ramp(t["ramp"], f"overlays.{name}.ramp") if "ramp" in t else ()
        darken = tuple(float(v) for v in t.get("darken", ()))
        steps = int(t.get("steps", 0))
        if not ramp and not darken and not steps:
            raise _bad(f"overlays.{name}", "needs a ramp, darken or steps", t)
        overlays[name] = _Overlay(name, ramp, float(t.get("base", 0.4)), float(t.get("relief", 0.5)),
                                  float(t.get("texture", 0.1)), float(t.get("rim", 0.0)), int(t.get("shadow", 0)),
                                  darken, steps)
    if "crack" not in overlays:
        raise _bad("[overlays]", "must define crack", sorted(overlays))
    stamps = {name: _stamp(rows, f"stamps.{name}") for name, rows in _table(data, "stamps", "[stamps]").items()}

    materials: dict[str, Material] = {}
    for mid, t in _table(data, "materials", "[materials]").items():
        where = f"materials.{mid}"
        kind = t.get("kind")
        if kind not in _KINDS:
            raise _bad(f"{where}.kind", f"must be one of {sorted(_KINDS)}", kind)
        ramps = {name: _ramp(r, f"{where}.ramps.{name}") for name, r in _table(t, "ramps", where).items()}
        need, may = _KINDS[kind]
        for name in ("base", *need):
            if name not in ramps:
                raise _bad(f"{where}.ramps", f"must define {name!r}", sorted(ramps))
        extra = set(ramps) - {"base", "crack", *need, *may}
        if extra:
            raise _bad(f"{where}.ramps", f"has ramps the {kind} generator does not use", sorted(extra))
        params = _table(t, "params", where)
        for key in [k for k in params if k.endswith(("stamp", "stamps", "stamps_large", "stamp_large", "stamp_small"))]:
            names = params[key] if isinstance(params[key], list) else [params[key]]
            unknown = [n for n in names if n not in stamps]
            if unknown:
                raise _bad(f"{where}.params.{key}", "names stamps missing from [stamps]", unknown)
        color = _rgb(t["color"], f"{where}.color") if "color" in t else None
        materials[mid] = Material(mid, kind, MappingProxyType(ramps), MappingProxyType(dict(params)),
                                  _words(t.get("synonyms", []), f"{where}.synonyms"),
                                  _words(t.get("keywords", []), f"{where}.keywords"), color)
    if not materials:
        raise _bad("[materials]", "must define at least one material", {})

    modifiers: dict[str, Modifier] = {}
    fields = {f.name for f in Modifier.__dataclass_fields__.values()} - {"id"}
    for mid, t in _table(data, "modifiers", "[modifiers]").items():
        where = f"modifiers.{mid}"
        unknown = set(t) - fields
        if unknown:
            raise _bad(where, f"has unknown keys (known: {sorted(fields)})", sorted(unknown))
        kw = dict(t)
        kw["synonyms"] = _words(kw.get("synonyms", []), f"{where}.synonyms")
        if "tint" in kw:
            kw["tint"] = _rgb(kw["tint"], f"{where}.tint")
        if kw.get("implies") is not None and kw["implies"] not in materials:
            raise _bad(f"{where}.implies", "must name a material", kw["implies"])
        if kw.get("overlay") is not None and kw["overlay"] not in overlays:
            raise _bad(f"{where}.overlay", "must name an [overlays] table", kw["overlay"])
        if kw.get("glint") is not None and kw["glint"] not in overlays:
            raise _bad(f"{where}.glint", "must name an [overlays] table", kw["glint"])
        if kw.get("where", "patches") not in _WHERE:
            raise _bad(f"{where}.where", f"must be one of {_WHERE}", kw["where"])
        if kw.get("scope", "material") not in ("material", "all"):
            raise _bad(f"{where}.scope", "must be 'material' or 'all'", kw["scope"])
        for key in ("value", "saturation", "tint_amount"):
            if not -1.0 <= float(kw.get(key, 0.0)) <= 1.0:
                raise _bad(f"{where}.{key}", "must be in -1..1", kw[key])
        modifiers[mid] = Modifier(id=mid, **kw)

    parse = _table(data, "parse", "[parse]")
    default = parse.get("default", next(iter(materials)))
    if default not in materials:
        raise _bad("parse.default", "must name a material", default)
    styles = {sid: _words(words, f"parse.styles.{sid}") for sid, words in _table(parse, "styles", "[parse]").items()}
    if set(styles) - set(STYLES):
        raise _bad("[parse.styles]", f"keys must be in {STYLES}", sorted(styles))
    return _Library(MappingProxyType(materials), MappingProxyType(modifiers), MappingProxyType(overlays),
                    MappingProxyType(stamps), _words(parse.get("filler", []), "parse.filler"), default,
                    MappingProxyType(styles), path)


class _Live(Mapping[str, Any]):
    """A read-only view of one table of :func:`load_materials` (read on first use, follows file edits)."""

    def __init__(self, table: str) -> None:
        self._table = table

    def _data(self) -> Mapping[str, Any]:
        return getattr(load_materials(), self._table)

    def __getitem__(self, key: str) -> Any:
        return self._data()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())

    def __repr__(self) -> str:
        return f"<{self._table} of materials.toml: {', '.join(self)}>"


#: Material id → :class:`Material`, from ``configs/materials.toml``.
MATERIALS: Mapping[str, Material] = _Live("materials")
#: Modifier id → :class:`Modifier`, in the order they are applied.
MODIFIERS: Mapping[str, Modifier] = _Live("modifiers")


# ============================================================================================
# Colours: ramps → per-layer lookup tables


def _lum(rgb: np.ndarray) -> np.ndarray:
    return rgb @ np.array([0.299, 0.587, 0.114])


def _recolour(ramp: np.ndarray, mods: Sequence[Modifier]) -> np.ndarray:
    """Apply the modifiers' tint, saturation and value changes to ``(n, 3)`` float RGB."""
    out = ramp.astype(np.float64)
    for m in mods:
        if m.tint is not None and m.tint_amount:
            tint = np.array(m.tint, np.float64)
            target = tint[None, :] * (_lum(out) / max(_lum(tint[None, :])[0], 1.0))[:, None]
            out = out + (np.clip(target, 0, 255) - out) * m.tint_amount
        if m.saturation:
            grey = _lum(out)[:, None]
            out = grey + (out - grey) * (1.0 + m.saturation)
        if m.value < 0:
            out = out * (1.0 + m.value)
        elif m.value > 0:
            out = out + (255.0 - out) * m.value
        out = np.clip(out, 0, 255)
    return out


@dataclass(frozen=True, eq=False)
class _Recipe:
    """The layers (ramps after modifiers) of one material + modifier set, with their lookup tables."""

    material: Material
    modifiers: tuple[Modifier, ...]
    layers: Mapping[str, int]
    ramps: tuple[np.ndarray, ...]  # (n, 3) uint8 each
    sizes: np.ndarray  # (L,) ramp lengths
    luts: dict[str, np.ndarray] = field(default_factory=dict)

    def lut(self, style: str) -> np.ndarray:
        """``(L * 256, 4)`` uint8: colour of shade level ``q`` on layer ``l`` at row ``l * 256 + q``."""
        table = self.luts.get(style)
        if table is None:
            t = (np.arange(_LEVELS) + 0.5) / _LEVELS
            rows = []
            for ramp in self.ramps:
                n = len(ramp)
                if style == "pixel" or n == 1:
                    rgb = ramp[np.minimum((t * n).astype(int), n - 1)].astype(np.float64)
                else:
                    pos = np.clip(t * n - 0.5, 0, n - 1)
                    i0 = np.minimum(pos.astype(int), n - 2)
                    w = (pos - i0)[:, None]
                    rgb = ramp[i0] * (1 - w) + ramp[i0 + 1] * w
                rows.append(np.concatenate([np.round(rgb), np.full((_LEVELS, 1), 255.0)], axis=1))
            table = np.concatenate(rows).astype(np.uint8)
            self.luts[style] = table
        return table

    @property
    def palette_size(self) -> int:
        """Number of colours a pixel-style texture can hold at most."""
        return int(self.sizes.sum())


@lru_cache(maxsize=512)
def _recipe(lib: _Library, material: str, modifiers: tuple[str, ...]) -> _Recipe:
    mat = lib.materials[material]
    mods = tuple(lib.modifiers[m] for m in modifiers)
    names: list[str] = []
    ramps: list[np.ndarray] = []

    def add(name: str, ramp: np.ndarray) -> None:
        names.append(name)
        ramps.append(np.round(ramp).astype(np.uint8))

    for name, ramp in mat.ramps.items():
        if name != "crack":
            add(name, _recolour(np.array(ramp, float), mods))
    crack = lib.overlays["crack"]
    if "crack" in mat.ramps:
        add("crack", _recolour(np.array(mat.ramps["crack"], float), mods))
    else:
        darkest = _recolour(np.array(mat.ramps["base"][:1], float), mods)[0]
        add("crack", np.array([darkest * f for f in crack.darken or (0.5,)]))
    global_mods = [m for m in mods if m.scope == "all"]
    for m in mods:
        for ov in (m.overlay, m.glint):
            if ov is not None and f"ov:{ov}" not in names and lib.overlays[ov].ramp:
                add(f"ov:{ov}", _recolour(np.array(lib.overlays[ov].ramp, float), global_mods))
    if len(names) > 255:
        raise _bad(f"materials.{material}", "has too many layers", len(names))
    return _Recipe(mat, mods, MappingProxyType({n: i for i, n in enumerate(names)}), tuple(ramps),
                   np.array([len(r) for r in ramps]))


# ============================================================================================
# The canvas generators draw on


@lru_cache(maxsize=16)
def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """``(yy, xx)``: pixel row indices ``(size, 1)`` and column indices ``(1, size)``, float32."""
    yy = np.arange(size, dtype=_F32)[:, None]
    xx = np.arange(size, dtype=_F32)[None, :]
    yy.flags.writeable = False
    xx.flags.writeable = False
    return yy, xx


class _Canvas:
    """The fields of a texture in progress (see the module docstring) plus size helpers."""

    def __init__(self, size: int, recipe: _Recipe, lib: _Library) -> None:
        self.size = size
        self.k = math.sqrt(size / 64.0)
        self.recipe = recipe
        self.lib = lib
        self.shade = np.full((size, size), 0.5, _F32)
        self.layer = np.zeros((size, size), np.uint8)
        self.height = np.zeros((size, size), _F32)
        self.crevice = np.zeros((size, size), _F32)

    def side(self, v: float) -> float:
        """A length or a per-side count given for 64x64, scaled to this size."""
        return float(v) * self.k

    def cells(self, v: float, lo: int = 1) -> int:
        return max(lo, min(self.size, int(round(self.side(v)))))

    def area(self, v: float) -> int:
        """A per-64x64-area count scaled to this size."""
        return int(round(float(v) * self.size / 64.0))

    def idx(self, name: str) -> int:
        return self.recipe.layers[name]

    def n(self, name: str) -> int:
        return int(self.recipe.sizes[self.recipe.layers[name]])

    def level(self, name: str, i: int | np.ndarray) -> Any:
        """Shade that renders as entry ``i`` of layer ``name`` in both styles."""
        n = self.n(name)
        return (np.clip(i, 0, n - 1) + 0.5) / n

    def step(self, name: str = "base") -> float:
        return 1.0 / self.n(name)

    def steps_at(self, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        """One ramp step of the layer under each pixel."""
        return (1.0 / self.recipe.sizes[self.layer[ys, xs]]).astype(_F32)

    def large(self) -> bool:
        return self.size >= 96


def _rng(seed: int, *keys: str) -> np.random.Generator:
    return np.random.default_rng([seed, *(zlib.crc32(k.encode()) for k in keys)])


def _quantile(field_: np.ndarray, q: float) -> float:
    flat = field_.ravel()
    k = int(np.clip(q * (flat.size - 1), 0, flat.size - 1))
    return float(np.partition(flat, k)[k])


def _phase(rng: np.random.Generator) -> np.float32:
    """A random phase, so that stripes (ripples, waves, veins) do not sit at the same place every seed."""
    return _F32(rng.uniform(0, 2 * np.pi))


def _smooth01(t: np.ndarray) -> np.ndarray:
    return t * (2.0 - t)


def _stamps(c: _Canvas, rng: np.random.Generator, names: Sequence[str], count: int, *, layer: str = "base",
            palette: Sequence[tuple[str, int]] | None = None, ys: np.ndarray | None = None,
            xs: np.ndarray | None = None, mask: np.ndarray | None = None) -> None:
    """Place ``count`` stamps (random names of ``names``) at random or given top-left corners.

    A stamp digit ``d`` paints ``palette[d]`` (a ``(layer, index)`` pair; default entry ``d`` of
    ``layer``); ``+ - # =`` move the pixel's shade by ramp steps of its own layer. With ``mask``,
    stamps whose corner lies outside it are dropped.
    """
    s = c.size
    if ys is None or xs is None:
        if count <= 0:
            return
        ys, xs = rng.integers(0, s, count), rng.integers(0, s, count)
    if mask is not None:
        keep = mask[ys, xs]
        ys, xs = ys[keep], xs[keep]
    if not len(ys):
        return
    choice = rng.integers(0, len(names), len(ys))
    for k, name in enumerate(names):
        sel = choice == k
        if not sel.any():
            continue
        st = c.lib.stamps[name]
        yy = (ys[sel, None] + st.dy[None, :]) % s
        xx = (xs[sel, None] + st.dx[None, :]) % s
        rel = ~st.absolute
        if rel.any():
            ry, rx = yy[:, rel], xx[:, rel]
            c.shade[ry, rx] += st.value[rel][None, :] * c.steps_at(ry, rx)
        if st.absolute.any():
            ay, ax = yy[:, st.absolute], xx[:, st.absolute]
            digits = st.value[st.absolute]
            if palette is None:
                lay = np.full(digits.shape, c.idx(layer))
                shade = c.level(layer, digits)
            else:
                pairs = [palette[min(d, len(palette) - 1)] for d in digits]
                lay = np.array([c.idx(p[0]) for p in pairs])
                shade = np.array([c.level(p[0], p[1]) for p in pairs])
            c.layer[ay, ax] = lay[None, :]
            c.shade[ay, ax] = shade[None, :]
            c.height[ay, ax] = np.maximum(c.height[ay, ax], 0.8)


def _specks(c: _Canvas, rng: np.random.Generator, count: int, mask: np.ndarray | None = None) -> None:
    """Single-pixel grain: ``count`` pixels one ramp step lighter or darker."""
    if count <= 0:
        return
    ys, xs = rng.integers(0, c.size, count), rng.integers(0, c.size, count)
    if mask is not None:
        keep = mask[ys, xs]
        ys, xs = ys[keep], xs[keep]
    sign = np.where(rng.random(len(ys)) < 0.6, -1.0, 1.0).astype(_F32)
    c.shade[ys, xs] += sign * c.steps_at(ys, xs)


def _lit(height: np.ndarray, width: float) -> np.ndarray:
    """Light from the top-left on ``height`` whose slopes are ``width`` px wide: about -1..1."""
    return np.clip(pn.emboss(height) * _F32(width), -1.5, 1.5)


# ============================================================================================
# Layouts: bricks, planks, plates and tiles


@dataclass
class _Layout:
    """Rectangular pieces with ``width``-px joints on their top and left sides (wrapping)."""

    piece: np.ndarray  # (s, s) int: piece id
    dist: np.ndarray  # (s, s) int: px from the nearest joint inside a piece (0 = outermost), -1 on joints
    u: np.ndarray  # (s, s) float32: 0..1 across the piece (joint excluded)
    v: np.ndarray  # (s, s) float32: 0..1 down the piece
    rows: np.ndarray  # (R + 1,) row tops, the last = first + size
    cuts: list[np.ndarray]  # per row: piece left edges (ascending, may exceed size)
    count: int


def _layout(c: _Canvas, rng: np.random.Generator, rows: int, cols: int, *, bond: float, width: int,
            spread: float = 0.0, cuts: list[np.ndarray] | None = None) -> _Layout:
    s = c.size
    oy = int(rng.integers(0, s))
    ox = float(rng.uniform(0, s))
    tops = np.round(np.arange(rows + 1) * s / rows).astype(int) + oy
    yy = np.arange(s)
    row_of = (np.searchsorted(tops, yy + s * (yy < oy), side="right") - 1) % rows
    y_in = (yy - tops[row_of]) % s
    hgt = np.diff(tops)[row_of]
    if cuts is None:
        cuts = []
        for r in range(rows):
            if spread > 0:
                m = max(1, cols + int(rng.integers(-1, 2)) if cols > 1 else cols)
                w = 1.0 + spread * (rng.random(m) * 2 - 1)
                edges = np.concatenate([[0.0], np.cumsum(w)[:-1] / w.sum()]) * s + rng.uniform(0, s)
            else:
                edges = (np.arange(cols) + bond * (r % 2)) * s / cols + ox
            cuts.append(np.sort(np.round(edges).astype(int) % s))
    xs = np.arange(s)
    x_in = np.empty((rows, s), int)
    wid = np.empty((rows, s), int)
    pid = np.empty((rows, s), int)
    start = 0
    for r, cut in enumerate(cuts):
        cut = np.sort(np.asarray(cut) % s)
        ext = np.concatenate([cut, [cut[0] + s]])
        j = (np.searchsorted(cut, xs, side="right") - 1) % len(cut)
        x_in[r] = (xs - cut[j]) % s
        wid[r] = np.diff(ext)[j]
        pid[r] = start + j
        start += len(cut)
    xin, w = x_in[row_of], wid[row_of]
    yin = y_in[:, None]
    h = hgt[:, None]
    dist = np.minimum(np.minimum(yin - width, h - 1 - yin), np.minimum(xin - width, w - 1 - xin))
    dist = np.where((yin < width) | (xin < width), -1, dist)
    u = ((xin - width + 0.5) / np.maximum(w - width, 1)).astype(_F32)
    v = ((yin - width + 0.5) / np.maximum(h - width, 1)).astype(_F32)
    return _Layout(pid[row_of], dist, u, v, tops, cuts, start)


def _piece_body(c: _Canvas, rng: np.random.Generator, p: Mapping[str, Any], lay: _Layout, joint: str) -> None:
    """Shade bevelled pieces (per-piece tone, optional alt ramp, noise, light) and their joints."""
    s = c.size
    bevel = max(c.side(p.get("bevel", 1.5)), 1.0)
    t = np.clip((lay.dist + 1) / bevel, 0, 1).astype(_F32)
    height = _smooth01(t)
    tone = rng.normal(0, p.get("tone", 0.08), lay.count).astype(_F32)
    shade = _F32(p.get("mean", 0.5)) + tone[lay.piece]
    if p.get("noise", 0):
        shade += _F32(p["noise"]) * pn.fbm(rng, s, c.cells(p.get("noise_cells", 12)), octaves=2)
    if p.get("strata", 0):
        shade += _F32(p["strata"]) * pn.value_noise(rng, s, (c.cells(14), 2))
    shade += _F32(p.get("light", 0.3)) * _lit(height, bevel)
    joints = lay.dist < 0
    c.shade = shade
    c.height = height
    c.crevice = 1.0 - t
    if p.get("alt", 0) and "alt" in c.recipe.layers:
        alt = (rng.random(lay.count) < p["alt"])[lay.piece] & ~joints
        c.layer[alt] = c.idx("alt")
    c.layer[joints] = c.idx(joint)
    c.shade[joints] = (0.4 + 0.25 * pn.value_noise(rng, s, c.cells(16)))[joints]


# ============================================================================================
# Generators


def _gen_ground(c: _Canvas, rng: np.random.Generator, p: Mapping[str, Any]) -> None:
    s = c.size
    h = pn.fbm(rng, s, c.cells(p.get("cells", 4)), octaves=int(p.get("octaves", 3)))
    shade = _F32(p.get("mean", 0.5)) + _F32(p.get("contrast", 0.15)) * h
    if p.get("emboss", 0):
        e = pn.emboss(h)
        shade += _F32(p["emboss"]) * e / (float(e.std()) + 1e-6)
    if p.get("ripples", 0):
        yy, xx = _grid(s)
        waves = c.cells(p.get("ripple_waves", 5))
        slant = int(rng.integers(-1, 2))
        phase = (2 * np.pi / s) * (waves * yy + slant * xx) + _phase(rng) + _F32(p.get("ripple_warp", 1.5)) * pn.fbm(
            rng, s, c.cells(2.5), octaves=2)
        crest = np.clip((np.sin(phase) - 0.6) / 0.4, 0, 1)
        lee = pn.shift(crest, 1, 0) * (1 - crest)
        shade += _F32(p["ripples"]) * (crest - 0.9 * lee)
        h = h + crest
    c.shade = shade
    c.height = np.clip(0.5 + 0.25 * h, 0, 1)
    c.crevice = np.clip(0.35 - 0.3 * h, 0, 1)
    if p.get("puddles", 0) and "puddle" in c.recipe.layers:
        _puddles(c, rng, float(p["puddles"]))
    if p.get("clods", 0):
        n = c.area(p["clods"])
        ys, xs = rng.integers(0, s, n), rng.integers(0, s, n)
        for dy, dx in ((0, 0), (0, 1), (1, 0)):
            c.shade[(ys + dy) % s, (xs + dx) % s] -= _F32(c.step())
    _specks(c, rng, c.area(p.get("specks", 0)))
    if p.get("pebbles", 0) and "pebble" in c.recipe.layers:
        _stamps(c, rng, p["pebble_stamps"], c.area(p["pebbles"]), layer="pebble")
    _sparkles(c, rng, p)


def _puddles(c: _Canvas, rng: np.random.Generator, share: float) -> None:
    """Flat dark water in the lowest ``share`` of a noise field: shadowed top bank, lit bottom edge, glints."""
    s = c.size
    f = pn.fbm(rng, s, c.cells(3), octaves=2)
    wet = f > _quantile(f, 1.0 - share)
    top_edge = wet & ~pn.shift(wet, 1, 0)
    bottom_edge = wet & ~pn.shift(wet, -1, 0)
    n = c.n("puddle")
    sky = pn.value_noise(rng, s, c.cells(5)) > 1.0
    shade = np.where(sky, c.level("puddle", 2), c.level("puddle", 1)).astype(_F32)
    c.layer[wet] = c.idx("puddle")
    c.shade[wet] = shade[wet]
    c.shade[bottom_edge] = c.level("puddle", n - 2)
    c.shade[top_edge] = c.level("puddle", 0)
    inner = wet & ~top_edge & ~bottom_edge & pn.shift(wet, 0, 1) & pn.shift(wet, 0, -1)
    ys, xs = np.nonzero(inner & pn.shift(inner, 0, -1) & (rng.random((s, s)) < 0.012))
    c.shade[ys, xs] = c.level("puddle", n - 1)
    c.shade[ys, (xs + 1) % s] = c.level("puddle", n - 1)
    bank = pn.shift(wet, 1, 0) | pn.shift(wet, -1, 0) | pn.shift(wet, 0, 1) | pn.shift(wet, 0, -1)
    c.shade[bank & ~wet] -= _F32(c.step())
    c.height[wet] = 0.0
    c.crevice[wet] = 0.2


def _sparkles(c: _Canvas, rng: np.random.Generator, p: Mapping[str, Any]) -> None:
    if p.get("sparkles", 0):
        names = p.get("sparkle_stamps_large", p["sparkle_stamps"]) if c.large() else p["sparkle_stamps"]
        _stamps(c, rng, names, c.area(p["sparkles"]), mask=(c.layer == 0) & (c.shade < 0.62))


def _gen_grass(c: _Canvas, rng: np.random.Generator, p: Mapping[str, Any]) -> None:
    s = c.size
    h = pn.fbm(rng, s, c.cells(p.get("cells", 3)), octaves=2)
    c.shade = _F32(p.get("mean", 0.5)) + _F32(p.get("contrast", 0.14)) * h
    c.height = np.clip(0.5 + 0.2 * h, 0, 1)
    c.crevice = np.clip(0.3 - 0.3 * h, 0, 1)
    _stamps(c, rng, p["tuft_stamps"], c.area(p.get("tufts", 30)))
    if "flower" in c.recipe.layers and rng.random() < float(p.get("flower_chance", 0.0)):
        lo, hi = p.get("flowers", [2, 6])
        count = c.area(int(rng.integers(lo, hi + 1)))
        colours = rng.choice(c.n("flower"), size=min(2, c.n("flower")), replace=False)
        which = rng.integers(0, len(colours), count)
        stamp = p["flower_stamp"] if s >= 32 else p["flower_stamp_small"]
        centre = ("flower_centre", 0) if "flower_centre" in c.recipe.layers else ("flower", 0)
        for k, colour in enumerate(colours):
            n = int((which == k).sum())
            _stamps(c, rng, [stamp], n, palette=[centre, ("flower", int(colour))])


def _gen_cells(c: _Canvas, rng: np.random.Generator, p: Mapping[str, Any]) -> None:
    s = c.size
    g = c.cells(p.get("cells", 4), lo=2)
    warp = None
    if p.get("warp", 0):
        amp = _F32(c.side(p["warp"]))
        wc = c.cells(p.get("warp_cells", 6))
        warp = (amp * pn.value_noise(rng, s, wc), amp * pn.value_noise(rng, s, wc))
    cell, f1, edge = pn.voronoi(rng, s, g, jitter=float(p.get("jitter", 0.8)), warp=warp)
    count = g * g
    half = max(c.side(p["gap"]), 1.0) / 2 if p.get("gap", 1.5) else 0.0
    bevel = max(c.side(p.get("bevel", 2.0)), 1.0)
    t = np.clip((edge - half) / bevel, 0, 1)
    rim = _smooth01(t)
    dome_w = float(p.get("dome", 0.4))
    if dome_w:
        radius = 0.62 * s / g
        dome = np.clip(1.0 - (f1 / radius) ** 2, 0, 1)
        height = rim * ((1 - dome_w) + dome_w * dome)
    else:
        height = rim
    tone = rng.normal(0, p.get("tone", 0.1), count).astype(_F32)
    shade = _F32(p.get("mean", 0.5)) + tone[cell]
    if p.get("noise", 0):
        shade += _F32(p["noise"]) * pn.fbm(rng, s, c.cells(p.get("noise_cells", 10)), octaves=2)
    shade += _F32(p.get("light", 0.3)) * _lit(height, bevel)
    c.shade = shade.astype(_F32)
    c.height = height.astype(_F32)
    c.crevice = (1.0 - t).astype(_F32)
    if p.get("alt", 0) and "alt" in c.recipe.layers:
        c.layer[(rng.random(count) < p["alt"])[cell]] = c.idx("alt")
    _specks(c, rng, c.area(p.get("specks", 0)), mask=edge > half + 1)
    gap_layer = p.get("gap_layer") or next(n for n in ("mortar", "gap", "glow", "base") if n in c.recipe.layers)
    gap = edge < half
    across = np.clip(edge / max(half, 1e-3), 0, 1)
    if p.get("gap_profile", "dark") == "glow":
        gshade = 0.95 - 0.75 * across**1.5 + 0.08 * pn.value_noise(rng, s, c.cells(10))
        rim_px = c.side(p.get("rim_glow", 0))
        if rim_px:
            lit = (edge >= half) & (edge < half + rim_px)
            c.layer[lit] = c.idx(gap_layer)
            c.shade[lit] = (0.32 * (1 - (edge[lit] - half) / rim_px)).astype(_F32)
    else:
        gshade = 0.7 - 0.5 * across + 0.15 * pn.value_noise(rng, s, c.cells(12))
    c.layer[gap] = c.idx(gap_layer)
    c.shade[gap] = gshade[gap]


def _gen_bricks(c: _Canvas, rng: np.random.Generator, p: Mapping[str, Any]) -> None:
    bond = float(p.get("bond", 0.5))
    rows = c.cells(p.get("rows", 8))
    if bond:
        rows = max(2, 2 * round(rows / 2))
    lay = _layout(c, rng, rows, c.cells(p.get("cols", 4)), bond=bond, width=max(1, round(c.side(p.get("mortar", 1)))),
                  spread=float(p.get("random_lengths", 0.0)))
    _piece_body(c, rng, p, lay, "mortar")
    if p.get("gloss", 0):
        band = np.exp(-(((lay.u + lay.v) - 0.55) / 0.16) ** 2) * (lay.u < 0.6) * (lay.v < 0.6)
        c.shade += (_F32(p["gloss"]) * band * (lay.dist >= 0)).astype(_F32)
    _specks(c, rng, c.area(p.get("specks", 0)), mask=lay.dist > 0)


def _gen_planks(c: _Canvas, rng: np.random.Generator, p: Mapping[str, Any]) -> None:
    s = c.size
    rows = c.cells(p.get("rows", 4))
    lo, hi = p.get("seams", [1, 2])
    cuts: list[np.ndarray] = []
    for r in range(rows):  # one or more plank ends per row, spread over it, away from the rows around
        k = int(rng.integers(lo, hi + 1))
        ends = (np.arange(k) + rng.uniform(-0.15, 0.15, k)) * s / k
        shifts = rng.uniform(0, s, 8)
        if cuts:
            near = np.concatenate(cuts[-1:] + (cuts[:1] if r == rows - 1 and rows > 2 else []))
            gap = np.abs((ends[None, :, None] + shifts[:, None, None] - near[None, None, :] + s / 2) % s - s / 2)
            shift = shifts[int(np.argmax(gap.min(axis=(1, 2))))]
        else:
            shift = shifts[0]
        cuts.append(np.sort(np.round(ends + shift).astype(int) % s))
    width = max(1, round(c.side(p.get("gap", 1))))
    lay = _layout(c, rng, rows, 1, bond=0.0, width=width, cuts=cuts)
    yy, _ = _grid(s)
    tone = rng.normal(0, p.get("tone", 0.08), lay.count).astype(_F32)
    streak = pn.value_noise(rng, s, (c.cells(p.get("grain_cells", 12) * 2), c.cells(3)))
    rings = np.sin(2 * np.pi * (yy * c.cells(p.get("grain_cells", 12)) / s) + _phase(rng) + 2.5 * pn.value_noise(
        rng, s, (c.cells(4), c.cells(2))))
    grain = 0.6 * streak + 0.5 * rings
    shade = _F32(p.get("mean", 0.5)) + tone[lay.piece] + _F32(p.get("grain", 0.15)) * grain
    light = _F32(p.get("light", 0.3))
    body = lay.dist >= 0
    joint = ~body
    top = body & pn.shift(joint, 1, 0)
    bottom = body & pn.shift(joint, -1, 0)
    left = body & pn.shift(joint, 0, 1)
    right = body & pn.shift(joint, 0, -1)
    shade += light * (top.astype(_F32) + 0.5 * left - bottom - 0.5 * right)
    c.shade = shade.astype(_F32)
    c.height = body.astype(_F32)
    c.crevice = (~body).astype(_F32)
    if p.get("alt", 0) and "alt" in c.recipe.layers:
        c.layer[(rng.random(lay.count) < p["alt"])[lay.piece] & body] = c.idx("alt")
    # knots: small dark ellipses with a ring
    knots = rng.poisson(float(p.get("knots", 0.5)) * rows)
    if knots:
        ky = rng.integers(0, rows, knots)
        cy = (lay.rows[ky] + (lay.rows[ky + 1] - lay.rows[ky]) / 2 + width / 2) % s
        cx = rng.uniform(0, s, knots)
        xs = _grid(s)[1]
        for y0, x0 in zip(cy, cx):
            dy = (yy - y0 + s / 2) % s - s / 2
            dx = (xs - x0 + s / 2) % s - s / 2
            r = np.sqrt((dx / max(c.side(3.0), 1.5)) ** 2 + (dy / max(c.side(1.4), 1.0)) ** 2)
            c.shade -= (light * 1.4 * (r < 1) + light * 0.7 * ((r >= 1) & (r < 1.8))) * body
    c.layer[~body] = c.idx("gap")
    c.shade[~body] = 0.3
    # nails at both ends of every plank
    ys, xs = [], []
    for r, cut in enumerate(lay.cuts):
        y0, y1 = lay.rows[r] + width, lay.rows[r + 1]
        ph = y1 - y0
        for x0 in cut:
            for x in (x0 + width + max(1, round(c.side(1.5))), x0 - max(2, round(c.side(2.5)))):
                for y in (y0 + ph * 0.28, y0 + ph * 0.72 - 0.5):
                    ys.append(int(y))
                    xs.append(int(x))
    name = p.get("nail_stamp_large", p.get("nail_stamp")) if c.large() else p.get("nail_stamp")
    if name and ys:
        _stamps(c, rng, [name], 0, layer="gap", ys=np.array(ys) % s, xs=np.array(xs) % s)


def _gen_water(c: _Canvas, rng: np.random.Generator, p: Mapping[str, Any]) -> None:
    s = c.size
    yy, xx = _grid(s)
    h = pn.fbm(rng, s, c.cells(p.get("cells", 3)), octaves=2)
    shade = _F32(p.get("mean", 0.28)) + _F32(p.get("contrast", 0.09)) * h
    waves = c.cells(p.get("waves", 6))
    phase = (2 * np.pi / s) * waves * yy + _phase(rng) + _F32(p.get("wave_warp", 2.0)) * pn.fbm(
        rng, s, c.cells(2.5), octaves=2)
    w = np.sin(phase + (2 * np.pi / s) * int(rng.integers(-1, 2)) * xx)
    dash = pn.value_noise(rng, s, (waves * 2, c.cells(p.get("dash_cells", 5))))
    thr = float(p.get("crest", 0.86))
    crest = np.clip((w - thr) / (1 - thr), 0, 1) * np.clip(dash * 1.5 + 0.3, 0, 1)
    trough = np.clip((-w - 0.9) / 0.1, 0, 1)
    top = _F32(p.get("crest_shade", 0.76))
    shade = np.where(crest > 0.05, np.maximum(shade, top - 0.18 + 0.18 * crest), shade - _F32(0.06) * trough)
    c.shade = shade.astype(_F32)
    c.height = np.clip(0.5 + 0.3 * w, 0, 1).astype(_F32)
    c.crevice = np.zeros((s, s), _F32)
    _sparkles(c, rng, p)


def _gen_ice(c: _Canvas, rng: np.random.Generator, p: Mapping[str, Any]) -> None:
    s = c.size
    yy, xx = _grid(s)
    h = pn.fbm(rng, s, c.cells(p.get("cells", 3)), octaves=3)
    shade = _F32(p.get("mean", 0.5)) + _F32(p.get("contrast", 0.12)) * h
    k = c.cells(p.get("streak_waves", 3))
    phase = (2 * np.pi / s) * k * (xx + yy) + _phase(rng) + 1.2 * pn.value_noise(rng, s, c.cells(2))
    band = np.clip((np.sin(phase) - 0.75) / 0.25, 0, 1) * np.clip(pn.value_noise(rng, s, c.cells(3)) + 0.4, 0, 1)
    fine = np.clip((np.sin(3 * phase + 1.0) - 0.9) / 0.1, 0, 1) * (band > 0)
    shade = shade + _F32(p.get("streaks", 0.25)) * (band + 0.6 * fine)
    c.shade = shade.astype(_F32)
    c.height = np.clip(0.5 + 0.25 * h, 0, 1).astype(_F32)
    c.crevice = np.zeros((s, s), _F32)
    if p.get("cracks", 0):
        _crack_lines(c, rng, c.area(p["cracks"]) or 1, c.side(p.get("crack_length", 24)), branches=1,
                     only_solid=False, wobble=float(p.get("crack_wobble", 0.15)))
    _sparkles(c, rng, p)


def _gen_marble(c: _Canvas, rng: np.random.Generator, p: Mapping[str, Any]) -> None:
    s = c.size
    yy, xx = _grid(s)
    cloud = pn.fbm(rng, s, c.cells(p.get("cells", 2)), octaves=3)
    shade = _F32(p.get("mean", 0.6)) + _F32(p.get("contrast", 0.1)) * cloud
    turb = _F32(p.get("turbulence", 2.5))

    def veins(width: float, waves: int) -> np.ndarray:
        ky, kx = waves, int(rng.choice([-1, 1])) * int(rng.integers(1, waves + 1))
        if rng.random() < 0.5:
            ky, kx = kx, ky
        phase = (2 * np.pi / s) * (ky * yy + kx * xx) + _phase(rng) + turb * pn.fbm(rng, s, c.cells(2), octaves=3)
        return 1.0 - np.abs(np.sin(phase)) / _F32(width)

    main = veins(float(p.get("veins", 0.12)), int(p.get("vein_waves", 1)))
    thin = veins(float(p.get("fine_veins", 0.06)), int(p.get("vein_waves", 1)) + 1)
    thin *= np.clip(pn.value_noise(rng, s, c.cells(2)) - 0.5, 0, 1)
    strength = np.maximum(main, 0.75 * thin)
    vein = strength > 0
    shade -= _F32(0.1) * np.clip(1.0 + 0.5 * strength, 0, 1)  # soft shadow along the veins
    c.shade = shade.astype(_F32)
    c.height = np.full((s, s), 0.6, _F32)
    c.crevice = (np.clip(strength, 0, 1) * 0.5).astype(_F32)
    c.layer[vein] = c.idx("vein")
    c.shade[vein] = (0.9 - 0.75 * strength[vein]).astype(_F32)
    tiles = int(p.get("tiles", 0))
    if tiles:
        lay = _layout(c, rng, tiles, tiles, bond=0.0, width=1)
        joint = lay.dist < 0
        c.layer[joint] = c.idx("vein")
        c.shade[joint] = c.level("vein", c.n("vein") - 1)
        c.crevice[joint] = 1.0
        c.height[joint] = 0.0
        lit = (lay.dist == 0) & (pn.shift(joint, 1, 0) | pn.shift(joint, 0, 1)) & ~vein
        c.shade[lit] += _F32(p.get("light", 0.2))


def _gen_metal(c: _Canvas, rng: np.random.Generator, p: Mapping[str, Any]) -> None:
    s = c.size
    plates = c.cells(p.get("plates", 2))
    lay = _layout(c, rng, plates, plates, bond=0.0, width=1)
    body = lay.dist >= 0
    tone = rng.normal(0, p.get("tone", 0.06), lay.count).astype(_F32)
    brushed = pn.value_noise(rng, s, (c.cells(40), c.cells(3)))
    sheen = 0.5 - 0.5 * (lay.u + lay.v)
    shade = (_F32(p.get("mean", 0.45)) + tone[lay.piece] + _F32(p.get("brushed", 0.06)) * brushed
             + _F32(p.get("sheen", 0.16)) * sheen)
    light = _F32(p.get("light", 0.3))
    joint = ~body
    shade += light * ((lay.dist == 0) & (pn.shift(joint, 1, 0) | pn.shift(joint, 0, 1)))
    shade -= light * ((lay.dist == 0) & (pn.shift(joint, -1, 0) | pn.shift(joint, 0, -1)))
    c.shade = shade.astype(_F32)
    c.height = body.astype(_F32)
    c.crevice = joint.astype(_F32)
    c.layer[joint] = c.idx("seam")
    c.shade[joint] = 0.3
    # scratches: short, nearly straight light lines
    n = c.area(p.get("scratches", 3))
    if n:
        ys, xs = pn.walks(rng, s, n, c.side(7), wobble=0.12, angle=None)
        ok = body[ys, xs]
        c.shade[ys[ok], xs[ok]] += _F32(c.step())
    # rivets in every plate corner
    inset = max(1, round(c.side(p.get("rivet_inset", 3))))
    name = p.get("rivet_stamp_large", p.get("rivet_stamp")) if c.large() else p.get("rivet_stamp")
    if name:
        rivet = int(c.lib.stamps[name].dy.max()) + 1  # stamp height (rivets are square)
        ry, rx = [], []
        for r in range(plates):
            y0, y1 = lay.rows[r] + 1, lay.rows[r + 1]  # plate body below its 1-px top seam
            ends = np.append(lay.cuts[r][1:], lay.cuts[r][0] + s)
            for x0, x1 in zip(lay.cuts[r] + 1, ends):
                for y in (y0 + inset - 1, y1 - inset - rivet + 1):
                    for x in (x0 + inset - 1, x1 - inset - rivet + 1):
                        ry.append(y)
                        rx.append(x)
        _stamps(c, rng, [name], 0, ys=np.array(ry) % s, xs=np.array(rx) % s)


_GENERATORS: dict[str, Callable[[_Canvas, np.random.Generator, Mapping[str, Any]], None]] = {
    "ground": _gen_ground, "grass": _gen_grass, "cells": _gen_cells, "bricks": _gen_bricks, "planks": _gen_planks,
    "water": _gen_water, "ice": _gen_ice, "marble": _gen_marble, "metal": _gen_metal,
}


# ============================================================================================
# Modifiers


def _crack_lines(c: _Canvas, rng: np.random.Generator, count: int, length: float, *, branches: int = 0,
                 only_solid: bool = True, wobble: float = 0.35) -> None:
    """Random-walk cracks on the ``crack`` layer with a one-pixel light edge below-right."""
    s = c.size
    ys, xs = pn.walks(rng, s, count, length, wobble=wobble)
    if branches:
        pick = rng.integers(ys.shape[1] // 4, max(ys.shape[1] // 4 + 1, 3 * ys.shape[1] // 4), count * branches)
        src = np.repeat(np.arange(count), branches)
        by, bx = pn.walks(rng, s, count * branches, length * 0.4, wobble=wobble,
                          starts=(ys[src, pick] + 0.5, xs[src, pick] + 0.5))
        ys, xs = np.concatenate([ys.ravel(), by.ravel()]), np.concatenate([xs.ravel(), bx.ravel()])
    ys, xs = ys.ravel(), xs.ravel()
    if only_solid:
        keep = c.crevice[ys, xs] < 0.5
        ys, xs = ys[keep], xs[keep]
    crack = np.zeros((s, s), bool)
    crack[ys, xs] = True
    edge = pn.shift(crack, 1, 1) & ~crack
    if only_solid:
        edge &= c.crevice < 0.5
    c.shade[edge] += (1.0 / c.recipe.sizes[c.layer[edge]]).astype(_F32)
    n = c.n("crack")
    c.layer[crack] = c.idx("crack")
    c.shade[crack] = c.level("crack", rng.integers(0, n, int(crack.sum())))
    near = pn.shift(crack, 0, 1) | pn.shift(crack, 0, -1) | pn.shift(crack, 1, 0) | pn.shift(crack, -1, 0)
    c.crevice = np.maximum(c.crevice, np.where(crack, 1.0, np.where(near, 0.6, 0.0))).astype(_F32)
    c.height[crack] = 0.0


def _chips(c: _Canvas, rng: np.random.Generator, share: float) -> None:
    """Chipped, weathered edges: clusters of pixels two steps darker near joints and gaps."""
    s = c.size
    material = c.layer < c.idx("crack")
    band = (c.crevice > 0.15) & (c.crevice < 0.9) & material
    blotch = pn.value_noise(rng, s, c.cells(14))
    thr = _quantile(blotch, 1.0 - share)
    chip = band & (blotch > thr)
    c.shade[chip] -= (2.0 / c.recipe.sizes[c.layer[chip]]).astype(_F32)
    wear = material & ~band & (blotch > thr + 0.6)
    c.shade[wear] -= (1.0 / c.recipe.sizes[c.layer[wear]]).astype(_F32)
    c.crevice[chip] = np.maximum(c.crevice[chip], 0.7)


def _overlay(c: _Canvas, rng: np.random.Generator, m: Modifier) -> None:
    """Cover ``m.amount`` of the texture with an overlay layer (or darken it by ``steps``)."""
    s = c.size
    ov = c.lib.overlays[m.overlay or ""]
    noise = pn.fbm(rng, s, c.cells(4), octaves=3)
    if m.where == "crevice":  # gaps first, in patches: some joints full, others bare
        score = c.crevice * np.clip(0.55 + _F32(0.45 * m.spread) * noise, 0, 1.5) + _F32(0.2 * m.spread) * noise
    elif m.where == "top":
        upward = np.clip(c.height - pn.shift(c.height, -2, 0), 0, 1)  # upper edges of raised parts
        score = 0.3 * c.height + 0.6 * upward + _F32(0.5 * m.spread) * noise
    elif m.where == "splats":
        score = _splats(c, rng, m.amount) + 0.35 * pn.fbm(rng, s, c.cells(10), octaves=2)
    else:
        score = noise
    thr = 0.0 if m.where == "splats" else _quantile(score, 1.0 - m.amount)
    mask = score > thr
    if not mask.any():
        return
    thick = np.clip((score - thr) / max(float(score.max()) - thr, 1e-6), 0, 1)
    if ov.steps:
        deep = mask & (thick > 0.35)
        c.shade[mask] += _F32(ov.steps / 2) * (1.0 / c.recipe.sizes[c.layer[mask]]).astype(_F32)
        c.shade[deep] += _F32(ov.steps / 2) * (1.0 / c.recipe.sizes[c.layer[deep]]).astype(_F32)
        return
    shade = ov.base + ov.relief * np.sqrt(thick) + ov.texture * pn.value_noise(rng, s, c.cells(16))
    shade += 0.15 * np.clip(pn.emboss(thick.astype(_F32)) * 4, -1, 1)
    if ov.rim:
        inner = mask & pn.shift(mask, 1, 0) & pn.shift(mask, -1, 0) & pn.shift(mask, 0, 1) & pn.shift(mask, 0, -1)
        shade = np.where(mask & ~inner, shade - ov.rim, shade)
    if ov.shadow:
        below = pn.shift(mask, 1, 0) & ~mask
        c.shade[below] -= (1.0 / c.recipe.sizes[c.layer[below]]).astype(_F32)
    c.layer[mask] = c.idx(f"ov:{ov.name}")
    c.shade[mask] = shade[mask].astype(_F32)
    c.height[mask] = np.maximum(c.height[mask], 0.7)
    c.crevice[mask] *= 0.3


def _splats(c: _Canvas, rng: np.random.Generator, share: float) -> np.ndarray:
    """Blob field > 0 inside splashes (and their drops) covering about ``share``, toroidal distance."""
    s = c.size
    yy, xx = _grid(s)
    n = max(1, int(round(share * s * s / (np.pi * c.side(5.75) ** 2))))
    out = np.full((s, s), -1.0, _F32)
    for _ in range(n):
        y0, x0 = rng.uniform(0, s, 2)
        r = c.side(rng.uniform(4.0, 7.5))
        dy = (yy - y0 + s / 2) % s - s / 2
        dx = (xx - x0 + s / 2) % s - s / 2
        out = np.maximum(out, 1.0 - np.sqrt(dy * dy + dx * dx) / r)
        for _ in range(int(rng.integers(2, 5))):  # drops
            a, d = rng.uniform(0, 2 * np.pi), r * rng.uniform(1.3, 2.2)
            ry, rx = y0 + d * np.sin(a), x0 + d * np.cos(a)
            rr = max(0.8, r * rng.uniform(0.12, 0.25))
            dy = (yy - ry + s / 2) % s - s / 2
            dx = (xx - rx + s / 2) % s - s / 2
            out = np.maximum(out, 1.0 - np.sqrt(dy * dy + dx * dx) / rr)
    return out


def _glints(c: _Canvas, rng: np.random.Generator, m: Modifier) -> None:
    """Sparkle pixels on the rims that face the light."""
    count = c.area(m.glints)
    if count <= 0 or m.glint is None:
        return
    s = c.size
    score = pn.emboss(c.height) + 0.5 * pn.emboss(c.shade) + _F32(0.35) * rng.random((s, s), dtype=_F32)
    top = np.argpartition(score.ravel(), score.size - count)[-count:]
    ys, xs = np.divmod(top, s)
    name = f"ov:{m.glint}"
    n = c.n(name)
    c.layer[ys, xs] = c.idx(name)
    c.shade[ys, xs] = c.level(name, rng.integers(0, n, count))


def _apply_modifiers(c: _Canvas, seed: int) -> None:
    mods = c.recipe.modifiers
    rngs = {m.id: _rng(seed, "modifier", m.id) for m in mods}
    for m in mods:
        if m.cracks:
            _crack_lines(c, rngs[m.id], max(1, c.area(m.cracks)), c.side(m.crack_length), branches=m.branches,
                         wobble=m.crack_wobble)
    for m in mods:
        if m.chips:
            _chips(c, rngs[m.id], m.chips)
    for m in mods:
        if m.overlay:
            _overlay(c, rngs[m.id], m)
    for m in mods:
        if m.glints:
            _glints(c, rngs[m.id], m)


# ============================================================================================
# Public API


def _check_material(material: object, lib: _Library) -> str:
    if isinstance(material, str):
        key = material.strip().casefold().replace(" ", "_").replace("-", "_")
        if key in lib.materials:
            return key
    raise invalid("material", f"must be one of {', '.join(lib.materials)}", material)


def _check_modifiers(modifiers: object, lib: _Library) -> tuple[str, ...]:
    if isinstance(modifiers, str):
        modifiers = (modifiers,)
    if not isinstance(modifiers, Sequence) and not isinstance(modifiers, (set, frozenset)):
        raise invalid("modifiers", "must be a sequence of modifier names", modifiers)
    aliases = _modifier_aliases(lib)
    chosen = set()
    for m in modifiers:
        key = aliases.get(m.strip().casefold().replace("_", " ").replace("-", " ")) if isinstance(m, str) else None
        if key is None:
            raise invalid("modifiers", f"must be among {', '.join(lib.modifiers)}", m)
        chosen.add(key)
    return tuple(m for m in lib.modifiers if m in chosen)


@lru_cache(maxsize=8)
def _modifier_aliases(lib: _Library) -> dict[str, str]:
    out: dict[str, str] = {}
    for mid, mod in lib.modifiers.items():
        for word in (mid, *mod.synonyms):
            out.setdefault(word.casefold().replace("-", " ").replace("_", " "), mid)
    return out


def _check_size(size: object) -> int:
    if not (isinstance(size, (int, np.integer)) and not isinstance(size, bool) and MIN_SIZE <= size <= MAX_SIZE):
        raise invalid("size", f"must be an integer between {MIN_SIZE} and {MAX_SIZE}", size)
    return int(size)


def _check_seed(seed: object) -> int:
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise invalid("seed", "must be an integer", seed)
    return int(seed) % (1 << 64)


def _check_style(style: object) -> str:
    if style not in STYLES:
        raise invalid("style", f"must be one of {', '.join(STYLES)}", style)
    return str(style)


def _draw(material: str, size: int, seed: int, modifiers: tuple[str, ...], lib: _Library) -> _Canvas:
    recipe = _recipe(lib, material, modifiers)
    c = _Canvas(size, recipe, lib)
    mat = recipe.material
    _GENERATORS[mat.kind](c, _rng(seed, "material", mat.id), mat.params)
    if modifiers:
        _apply_modifiers(c, seed)
    return c


def synthesize_texture(material: str, *, size: int = 64, seed: int = 0, modifiers: Sequence[str] = (),
                       style: str = "pixel") -> np.ndarray:
    """A seamless (tileable) square texture of ``material``.

    Parameters
    ----------
    material : a material id of ``MATERIALS`` (``"cobblestone"``, ``"wood_planks"``; spaces and
        hyphens count as underscores). Use :func:`parse_material` for free text.
    size : side in pixels, 16-256. Feature sizes and counts are set for 64 and scale with
        ``sqrt(size / 64)``.
    seed : any integer; the same inputs give byte-identical output.
    modifiers : ids (or synonyms) of ``MODIFIERS``, in any order; they are applied in the order
        of ``configs/materials.toml``.
    style : ``"pixel"`` (only ramp colours, hard shading steps) or ``"smooth"`` (interpolated ramps).

    Returns
    -------
    (size, size, 4) uint8 ndarray
        Fully opaque RGBA. Tiling it (e.g. ``np.tile``) or rolling it shows no seam.

    Raises
    ------
    InvalidRequest
        Naming ``material``, ``size``, ``seed``, ``modifiers`` or ``style``.

    Examples
    --------
    >>> tex = synthesize_texture("cobblestone", size=32, seed=7, modifiers=("mossy",))
    >>> tex.shape, tex.dtype.name, int(tex[..., 3].min())
    ((32, 32, 4), 'uint8', 255)
    """
    lib = load_materials()
    material = _check_material(material, lib)
    size = _check_size(size)
    seed = _check_seed(seed)
    mods = _check_modifiers(modifiers, lib)
    style = _check_style(style)
    c = _draw(material, size, seed, mods, lib)
    q = np.clip(c.shade, 0.0, 0.999) * _F32(_LEVELS)
    index = c.layer.astype(np.intp) * _LEVELS + q.astype(np.intp)
    return c.recipe.lut(style)[index]


def palette_size(material: str, modifiers: Sequence[str] = ()) -> int:
    """The most colours a pixel-style texture of ``material`` with ``modifiers`` can hold."""
    lib = load_materials()
    return _recipe(lib, _check_material(material, lib), _check_modifiers(modifiers, lib)).palette_size


@lru_cache(maxsize=256)
def _mean_colour(lib: _Library, material: str, modifiers: tuple[str, ...]) -> RGB:
    rgb = synthesize_texture(material, size=32, seed=0, modifiers=modifiers, style="smooth")[..., :3]
    mean = rgb.reshape(-1, 3).mean(axis=0)
    return int(round(mean[0])), int(round(mean[1])), int(round(mean[2]))


def material_color(material: str, *, modifiers: Sequence[str] = ()) -> RGB:
    """A representative ``(r, g, b)`` of ``material`` for map previews and minimaps.

    The material's ``color`` from the TOML if it sets one (and no modifiers are given), else the
    mean colour of its 32x32 smooth texture of seed 0 (cached).
    """
    lib = load_materials()
    material = _check_material(material, lib)
    mods = _check_modifiers(modifiers, lib)
    own = lib.materials[material].color
    if own is not None and not mods:
        return own
    return _mean_colour(lib, material, mods)


# ============================================================================================
# Prompts


@dataclass(frozen=True)
class MaterialSpec:
    """What a texture prompt asks for.

    Attributes
    ----------
    prompt : the prompt as given.
    material : a material id (always a valid one).
    modifiers : modifier ids in the order they are applied.
    style : ``"pixel"`` / ``"smooth"`` when the prompt says so, else ``None``.
    confidence : 0..1 — 1.0 for the material's id, 0.9 for a synonym, 0.6 for a keyword, 0.5 when
        only a modifier implied it ("mossy" → moss), ~0.7 for a spelling match, 0.05 for the default.
    matched_by : ``"keyword"`` (the id), ``"synonym"``, ``"hint"`` (a keyword such as "beach"),
        ``"modifier"``, ``"spelling"`` or ``"fallback"`` (the default material).
    matched_text : the prompt words the material came from (``""`` for the default).
    words : the prompt words that were understood (material, modifiers, style), in order.
    unknown_words : content words nothing understood.
    others : further materials named, in prompt order ("grass and dirt" → ``("dirt",)``).
    """

    prompt: str
    material: str
    modifiers: tuple[str, ...] = ()
    style: str | None = None
    confidence: float = 1.0
    matched_by: str = "keyword"
    matched_text: str = ""
    words: tuple[str, ...] = ()
    unknown_words: tuple[str, ...] = ()
    others: tuple[str, ...] = ()

    def to_metadata(self) -> dict[str, Any]:
        """A JSON-able dict with plain snake_case keys."""
        return {"material": self.material, "modifiers": list(self.modifiers), "style": self.style,
                "confidence": round(float(self.confidence), 4), "matched_by": self.matched_by,
                "matched_text": self.matched_text, "words": list(self.words),
                "unknown_words": list(self.unknown_words), "others": list(self.others)}


@dataclass(frozen=True, eq=False)
class _MatLexicon:
    phrases: Mapping[tuple[str, ...], tuple[tuple[str, str, str], ...]]  # stems → (kind, id, how)
    max_len: int
    spelling: Mapping[str, tuple[str, str]]  # single word → (kind, id)
    filler: frozenset[str]
    forms: Mapping[str, str]


@lru_cache(maxsize=8)
def _mat_lexicon(lib: _Library) -> _MatLexicon:
    from ..sprites.prompt import _phrase, _singular, load_vocabulary

    vocab = load_vocabulary()
    forms = vocab.word_forms
    phrases: dict[tuple[str, ...], list[tuple[str, str, str]]] = {}
    spelling: dict[str, tuple[str, str]] = {}

    def add(text: str, kind: str, ident: str, how: str) -> None:
        stems, surface = _phrase(text, forms)
        if stems:
            entries = phrases.setdefault(stems, [])
            if (kind, ident, how) not in entries:
                entries.append((kind, ident, how))
            if len(surface) == 1 and len(surface[0]) >= 4 and how != "hint":
                spelling.setdefault(surface[0], (kind, ident))

    for mid, mat in lib.materials.items():
        add(mid.replace("_", " "), "material", mid, "keyword")
        for w in mat.synonyms:
            add(w, "material", mid, "synonym")
    for mid, mod in lib.modifiers.items():
        add(mid, "modifier", mid, "keyword")
        for w in mod.synonyms:
            add(w, "modifier", mid, "synonym")
    for style, words in lib.styles.items():
        add(style, "style", style, "keyword")
        for w in words:
            add(w, "style", style, "synonym")
    for mid, mat in lib.materials.items():  # keywords last: the weakest reading of a phrase
        for w in mat.keywords:
            add(w, "material", mid, "hint")
    filler = frozenset(_singular(w.casefold(), forms) for w in (*vocab.filler, *lib.filler))
    ordered = {k: tuple(sorted(v, key=lambda e: e[2] == "hint")) for k, v in phrases.items()}
    return _MatLexicon(MappingProxyType(ordered), max(map(len, phrases), default=1), MappingProxyType(spelling),
                       filler, forms)


def parse_material(prompt: str) -> MaterialSpec:
    """Read a material, its modifiers and a style hint from free text; never fails on a string.

    Words are normalised and singularised like sprite prompts (:mod:`sprixen_engine.sprites.prompt`)
    and matched greedily, longest phrase first ("stone brick" is one material, "wooden planks"
    another). The first material named by its id or a synonym wins, then a close spelling of one
    (difflib ratio ≥ 0.8: "cobblestnoe"), then the first keyword ("beach" → sand), then a
    modifier's implied material ("mossy" → moss), else ``[parse].default`` (stone) with confidence
    0.05; other materials named are kept in ``others``. Misspelt modifier and style words count too.

    Examples
    --------
    >>> spec = parse_material("mossy stone floor tile")
    >>> spec.material, spec.modifiers
    ('stone', ('mossy',))
    >>> parse_material("cracked ancient marble").modifiers
    ('cracked', 'ancient')
    """
    if not isinstance(prompt, str):
        raise TypeError(f"prompt must be a str (got {type(prompt).__name__})")
    from ..sprites.prompt import _extract_size, _prepare, _tokenize

    lib = load_materials()
    lex = _mat_lexicon(lib)
    _, text = _extract_size(_prepare(prompt))
    tokens = [t for t in _tokenize(text, lex.forms) if not t.brk]

    strong: list[tuple[str, str, str]] = []  # (material, how, text)
    hints: list[tuple[str, str]] = []
    mods: dict[str, str] = {}  # modifier id → the words that named it
    style: str | None = None
    words: list[str] = []
    unknown: list[str] = []
    i = 0
    while i < len(tokens):
        for length in range(min(lex.max_len, len(tokens) - i), 0, -1):
            stems = tuple(t.stem for t in tokens[i:i + length])
            entries = lex.phrases.get(stems)
            if entries:
                phrase = " ".join(t.surface for t in tokens[i:i + length])
                kind, ident, how = entries[0]
                if kind == "material" and how != "hint":
                    strong.append((ident, how, phrase))
                elif kind == "material":
                    hints.append((ident, phrase))
                elif kind == "modifier":
                    mods.setdefault(ident, phrase)
                elif style is None:
                    style = ident
                words.append(phrase)
                i += length
                break
        else:
            tok = tokens[i]
            if tok.stem not in lex.filler and not tok.surface.replace(".", "").isdigit():
                unknown.append(tok.surface)
            i += 1

    # misspelt words: modifiers and styles always count, a material only when none was named
    spelled: list[tuple[str, str, float]] = []
    for word, (kind, ident), ratio in _spelling(unknown, lex):
        if kind == "modifier":
            mods.setdefault(ident, word)
        elif kind == "style":
            style = style or ident
        else:
            spelled.append((ident, word, ratio))
        words.append(word)
        unknown.remove(word)

    material, confidence, matched_by, matched_text = lib.default, 0.05, "fallback", ""
    named = [m for m, _, _ in strong] + [m for m, _, _ in spelled] + [m for m, _ in hints]
    if strong:
        material, how, matched_text = strong[0]
        confidence, matched_by = (1.0, "keyword") if how == "keyword" else (0.9, "synonym")
    elif spelled:  # a misspelt material name says more than a word that only suggests one
        material, matched_text, ratio = spelled[0]
        confidence, matched_by = round(0.8 * ratio, 4), "spelling"
    elif hints:
        material, matched_text = hints[0]
        confidence, matched_by = 0.6, "hint"
    else:
        implied = [lib.modifiers[m] for m in mods if lib.modifiers[m].implies]
        if implied:
            first = implied[0]
            material, confidence, matched_by, matched_text = first.implies or material, 0.5, "modifier", mods[first.id]
            if first.overlay:  # "mossy" alone is moss, not mossy moss
                mods.pop(first.id)
    order = [m for m in lib.modifiers if m in mods]
    others = tuple(dict.fromkeys(m for m in named if m != material))
    return MaterialSpec(prompt=prompt, material=material, modifiers=tuple(order), style=style,
                        confidence=confidence, matched_by=matched_by, matched_text=matched_text,
                        words=tuple(words), unknown_words=tuple(unknown), others=others)


def _spelling(words: Sequence[str], lex: _MatLexicon) -> list[tuple[str, tuple[str, str], float]]:
    """``(word, (kind, id), ratio)`` for each unknown word close to a known one (ratio ≥ 0.8)."""
    out = []
    pool = list(lex.spelling)
    for word in list(dict.fromkeys(words))[:24]:
        if len(word) < 4 or not word.isalpha():
            continue
        match = difflib.get_close_matches(word, pool, n=1, cutoff=0.8)
        if match:
            out.append((word, lex.spelling[match[0]], difflib.SequenceMatcher(None, word, match[0]).ratio()))
    return out
