"""Colour decisions shared by the procedural renderers.

A subject's ``look`` table names its colour slots (``primary``, ``secondary``, ``skin``,
``metal`` ...) as RGB triples. :func:`resolve_colors` turns them into the colours to
draw with for one :class:`~sprixen_engine.backends.base.SpriteSpec`: colours named in the
prompt replace the first slots of ``recolorable``, each variant shifts the palette, and
style words grade everything (dark fantasy is darker and colder, cute is brighter, ...).
"""

from __future__ import annotations

import colorsys
from collections.abc import Mapping, Sequence

import numpy as np

from .canvas import RGB, Material

# Style grading: (lightness delta, saturation multiplier, hue target, hue pull 0..1, contrast)
_GRADES: dict[str, tuple[float, float, float | None, float, float]] = {
    "dark_fantasy": (-0.10, 0.70, 0.70, 0.10, 1.15),
    "horror": (-0.12, 0.55, 0.33, 0.12, 1.2),
    "cute": (0.08, 1.10, None, 0.0, 0.85),
    "scifi": (0.0, 1.05, 0.52, 0.10, 1.0),
    "fire": (0.02, 1.15, 0.03, 0.15, 1.05),
    "ice": (0.06, 0.75, 0.55, 0.08, 1.0),
    "nature": (0.0, 1.0, 0.30, 0.12, 1.0),
    "holy": (0.08, 0.85, 0.13, 0.10, 0.95),
    "minimalist": (0.0, 0.80, None, 0.0, 0.9),
}


def _to_hls(rgb: RGB) -> tuple[float, float, float]:
    return colorsys.rgb_to_hls(*(c / 255.0 for c in rgb))


def _from_hls(h: float, l: float, s: float) -> RGB:  # noqa: E741
    r, g, b = colorsys.hls_to_rgb(h % 1.0, min(1.0, max(0.0, l)), min(1.0, max(0.0, s)))
    return (round(r * 255), round(g * 255), round(b * 255))


def hue_shift(rgb: RGB, turns: float) -> RGB:
    """Rotate the hue of ``rgb`` by ``turns`` (1.0 = full circle)."""
    h, l, s = _to_hls(rgb)  # noqa: E741
    return _from_hls(h + turns, l, s)


def grade(rgb: RGB, styles: Sequence[str]) -> RGB:
    """Apply the colour grading of every known style in ``styles`` to one colour."""
    h, l, s = _to_hls(rgb)  # noqa: E741
    for style in styles:
        if style not in _GRADES:
            continue
        dl, sm, target, pull, _ = _GRADES[style]
        if target is not None and s > 0.08:
            d = ((target - h + 0.5) % 1.0) - 0.5
            h = h + d * pull
        l, s = l + dl * (1 - abs(2 * l - 1) * 0.5), s * sm  # noqa: E741
    return _from_hls(h, l, s)


def style_contrast(styles: Sequence[str]) -> float:
    """The tonal contrast multiplier for materials under ``styles``."""
    c = 1.0
    for style in styles:
        if style in _GRADES:
            c *= _GRADES[style][4]
    return c


def resolve_colors(look: Mapping[str, Sequence[int]], *, prompt_colors: Sequence[RGB] = (),
                   recolorable: Sequence[str] = ("primary", "secondary"), styles: Sequence[str] = (),
                   variant: int = 0, rng: np.random.Generator | None = None,
                   keep: Sequence[str] = ("skin", "eyes", "eye")) -> dict[str, RGB]:
    """Colours to draw one sprite with.

    Parameters
    ----------
    look : slot name → RGB from the subject's catalogue ``look.colors`` table.
    prompt_colors : RGB colours named in the prompt, in order; they replace the slots in
        ``recolorable`` one by one (the first named colour becomes the primary colour).
    recolorable : slot names, in priority order, that prompt colours may replace.
    styles : canonical style ids; graded with :func:`grade`.
    variant : variant index; variants 1 and 2 rotate the hue of the slots that the prompt
        did not fix (and are not in ``keep``) by a seeded amount so variants differ visibly.
    rng : random generator for the variant shift (required for ``variant > 0``).
    keep : slots never hue-shifted by variants (skin tones, eyes).
    """
    colors = {k: tuple(int(c) for c in v) for k, v in look.items()}
    fixed: set[str] = set()
    for slot, rgb in zip(recolorable, prompt_colors):
        colors[slot] = tuple(int(c) for c in rgb)
        fixed.add(slot)
    if variant > 0:
        gen = rng if rng is not None else np.random.default_rng(variant)
        turns = float(gen.uniform(0.12, 0.42)) * (1 if variant % 2 else -1)
        for slot in colors:
            if slot not in fixed and slot not in keep and slot in recolorable:
                colors[slot] = hue_shift(colors[slot], turns)  # type: ignore[arg-type]
    return {k: grade(v, styles) for k, v in colors.items()}  # type: ignore[arg-type]


def materials(colors: Mapping[str, RGB], styles: Sequence[str] = (),
              glossy: Sequence[str] = ("metal", "steel", "gold", "gem", "glass", "blade")) -> dict[str, Material]:
    """One :class:`Material` per colour slot; slots named in ``glossy`` get bright highlights."""
    contrast = style_contrast(styles)
    return {k: Material.from_base(v, contrast=contrast, glossy=k in glossy) for k, v in colors.items()}
