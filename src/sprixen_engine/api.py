"""Module-level kernel entry points that take and return PIL images (the facade boundary)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from PIL import Image

from .core.image import as_rgba, to_pil
from .errors import invalid


def pixelize(image: Any, *, colors: int | None = None, size: tuple[int, int] | str | None = None,
             cell: float | tuple[float, float] | None = None) -> Image.Image | list[Image.Image]:
    """Turn "pseudo pixel art" into a true-resolution sprite.

    Parameters
    ----------
    image : a PIL image, array, path or bytes — or a list of them (animation frames), which
        then share one detected grid and one palette.
    colors : palette size; ``None`` picks one from the image.
    size : ``(w, h)`` or ``"WxH"`` to snap the output to exactly that size.
    cell : cell size override ``c`` or ``(cw, ch)`` in source pixels, for undetectable grids.

    Returns
    -------
    PIL RGBA image (or a list for a list input) at the recovered resolution.
    """
    from .core.pixelgrid import pixelize as _pixelize
    from .core.pixelgrid import pixelize_frames

    if isinstance(size, str):
        from .requests import parse_resolution

        size = parse_resolution(size, field="size")
    if isinstance(cell, (int, float)):
        cell = (float(cell), float(cell))
    if isinstance(image, Sequence) and not isinstance(image, (str, bytes, bytearray)):
        if len(image) == 0:
            raise invalid("image", "the list of frames must not be empty", image)
        frames = [as_rgba(f, field=f"image[{i}]") for i, f in enumerate(image)]
        return [to_pil(f) for f in pixelize_frames(frames, colors=colors, size=size, cell=cell)]
    return to_pil(_pixelize(as_rgba(image), colors=colors, size=size, cell=cell))


def remove_background(image: Any, *, method: str = "auto", no_base: bool = False,
                      hard: bool | None = None) -> Image.Image:
    """Cut the subject out of its background.

    Parameters
    ----------
    image : PIL image, array, path or bytes.
    method : ``auto`` (RMBG-2.0 when its weights are installed, else classic) | ``classic`` | ``rmbg``.
    no_base : also strip ground shadows and pedestals under the subject.
    hard : force hard (pixel art) or soft (anti-aliased) alpha; ``None`` detects it.
    """
    if method == "classic":  # no Engine (config, registry) needed for the kernel
        from .core.matting import remove_background as _classic

        return to_pil(_classic(as_rgba(image), hard=hard, no_base=no_base))
    return _default_engine().remove_background(image, method=method, no_base=no_base, hard=hard)


@lru_cache(maxsize=1)
def _default_engine():
    from .engine import Engine

    return Engine()


def extract_palette(image: Any, *, max_colors: int | None = None) -> list[tuple[int, int, int]]:
    """The opaque colours of ``image``, most frequent first (at most ``max_colors``)."""
    from .core.palette import extract_palette as _extract

    return [tuple(int(v) for v in c) for c in _extract(as_rgba(image), max_colors=max_colors)]


def map_to_palette(image: Any, palette: Sequence[Sequence[int]]) -> Image.Image:
    """Replace every opaque colour by the nearest (CIE Lab) colour of ``palette``."""
    import numpy as np

    from .core.palette import map_to_palette as _map

    return to_pil(_map(as_rgba(image), np.asarray(palette, np.uint8).reshape(-1, 3)))


def limit_colors(image: Any, n: int) -> Image.Image:
    """``image`` reduced to at most ``n`` opaque colours (k-means in Lab)."""
    from .core.palette import limit_colors as _limit

    return to_pil(_limit(as_rgba(image), n))


def add_outline(image: Any, *, color: tuple[int, int, int] | None = None, selective: bool = True,
                thickness: int = 1) -> Image.Image:
    """Outline the opaque silhouette on transparent pixels (selective: dark, hue-kept tones)."""
    from .core.palette import add_outline as _outline

    return to_pil(_outline(as_rgba(image), color=color, selective=selective, thickness=thickness))


def resize(image: Any, size: tuple[int, int] | str, *, pixel_perfect: str = "auto",
           art_style: str = "pixel") -> Image.Image:
    """Resize a sprite with the API's ``pixelPerfect`` rule.

    ``on`` = nearest neighbour, ``off`` = Lanczos (on premultiplied alpha), ``auto`` = nearest
    for pixel art at whole-number scales or targets up to 128 px, Lanczos otherwise and for
    smooth styles (see :func:`sprixen_engine.core.resize.choose_resize_mode`).
    ``size`` is ``(w, h)`` or ``"WxH"``.
    """
    from .core.resize import choose_resize_mode
    from .core.resize import resize as _resize
    from .requests import parse_resolution

    w, h = parse_resolution(size, field="size") if isinstance(size, str) else size
    rgba = as_rgba(image)
    mode = choose_resize_mode(pixel_perfect, art_style=art_style, src_hw=rgba.shape[:2], dst_hw=(h, w))
    return to_pil(_resize(rgba, (w, h), mode=mode))
