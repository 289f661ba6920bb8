"""Resizing kernels and the API's ``pixelPerfect`` rule.

``"nearest"`` keeps pixel art chunky; ``"lanczos"`` is for smooth art and runs on
premultiplied alpha, so colours behind transparent pixels never bleed into the edges
(no dark fringes around sprites on a transparent background).
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from ..errors import invalid
from .image import as_rgba

#: Art styles drawn as pixel art.
PIXEL_STYLES = frozenset({"pixel"})
#: Art styles drawn smooth.
SMOOTH_STYLES = frozenset({"vector", "painterly", "cartoon", "anime"})
#: Pixel art up to this many pixels per side is always resized with nearest neighbour.
SMALL_TARGET = 128
MODES = ("nearest", "lanczos")


def resize(image: np.ndarray, size_wh: tuple[int, int], *, mode: str) -> np.ndarray:
    """Resize an RGBA image to ``size_wh``.

    Parameters
    ----------
    image : (H, W, 4) uint8 ndarray
    size_wh : (w, h)
        Output size in pixels, each 1-16384.
    mode : {"nearest", "lanczos"}
        ``"nearest"`` samples the source pixel under each output pixel centre, so an
        integer upscale followed by the inverse downscale is exact. ``"lanczos"`` filters
        with Lanczos-3 (widened when downscaling, so it does not alias) on premultiplied
        alpha and un-premultiplies afterwards; fully transparent output pixels are (0, 0, 0, 0).

    Returns
    -------
    (h, w, 4) uint8 ndarray
    """
    if mode not in MODES:
        raise invalid("mode", "must be 'nearest' or 'lanczos'", mode)
    if (not isinstance(size_wh, (tuple, list)) or len(size_wh) != 2
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and 1 <= v <= 16384
                       for v in size_wh)):
        raise invalid("size", "must be a pair of integers (w, h), each 1-16384", size_wh)
    rgba = as_rgba(image)
    w, h = int(size_wh[0]), int(size_wh[1])
    if mode == "nearest":
        return cv2.resize(rgba, (w, h), interpolation=cv2.INTER_NEAREST_EXACT).reshape(h, w, 4)
    alpha = rgba[:, :, 3].astype(np.float32)
    planes = [rgba[:, :, c] * (alpha / 255) for c in range(3)] + [alpha]
    out = np.stack([np.asarray(Image.fromarray(np.ascontiguousarray(p, np.float32)).resize(
        (w, h), Image.Resampling.LANCZOS)) for p in planes], axis=2)
    a = np.clip(np.round(out[:, :, 3]), 0, 255)
    rgb = out[:, :, :3] * (255 / np.maximum(out[:, :, 3], 1e-3))[:, :, None]
    rgb[a == 0] = 0
    return np.dstack([np.clip(np.round(rgb), 0, 255), a]).astype(np.uint8)


def upscale_integer(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour upscale by a whole ``factor`` (1-64): each pixel becomes a block.

    Returns
    -------
    (H * factor, W * factor, 4) uint8 ndarray
    """
    if isinstance(factor, bool) or not isinstance(factor, (int, np.integer)) or not 1 <= factor <= 64:
        raise invalid("factor", "must be an integer between 1 and 64", factor)
    return np.repeat(np.repeat(as_rgba(image), factor, axis=0), factor, axis=1)


def choose_resize_mode(pixel_perfect: str, *, art_style: str, src_hw: tuple[int, int],
                       dst_hw: tuple[int, int]) -> str:
    """Pick the resize kernel for the API's ``pixelPerfect`` setting.

    The rule:

    * ``"on"``: ``"nearest"`` always (crisp retro pixel art).
    * ``"off"``: ``"lanczos"`` always (smooth output).
    * ``"auto"``:

      - smooth styles (:data:`SMOOTH_STYLES`: vector, painterly, cartoon, anime) get ``"lanczos"``;
      - pixel art (:data:`PIXEL_STYLES`) gets ``"nearest"`` when the target is a whole-number
        upscale of the source (the same factor on both axes, 1 included) or when the target
        is at most :data:`SMALL_TARGET` (128) px on its longer side; otherwise (downscaling a
        high-resolution render, or a fractional upscale to a large size) ``"lanczos"``, since
        nearest neighbour destroys fine detail at higher resolutions.

    Parameters
    ----------
    pixel_perfect : {"auto", "on", "off"}
    art_style : str
        One of :data:`PIXEL_STYLES` or :data:`SMOOTH_STYLES`.
    src_hw, dst_hw : (h, w)
        Source and target sizes in pixels.

    Returns
    -------
    {"nearest", "lanczos"}
    """
    if pixel_perfect not in ("auto", "on", "off"):
        raise invalid("pixelPerfect", "must be 'auto', 'on' or 'off'", pixel_perfect)
    if art_style not in PIXEL_STYLES | SMOOTH_STYLES:
        raise invalid("artStyle", f"must be one of {sorted(PIXEL_STYLES | SMOOTH_STYLES)}", art_style)
    for name, hw in (("src_hw", src_hw), ("dst_hw", dst_hw)):
        if (not isinstance(hw, (tuple, list)) or len(hw) != 2
                or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1
                           for v in hw)):
            raise invalid(name, "must be a pair of positive integers (h, w)", hw)
    if pixel_perfect != "auto":
        return "nearest" if pixel_perfect == "on" else "lanczos"
    if art_style in SMOOTH_STYLES:
        return "lanczos"
    factor = dst_hw[0] // src_hw[0]
    whole = factor >= 1 and tuple(dst_hw) == (src_hw[0] * factor, src_hw[1] * factor)
    return "nearest" if whole or max(dst_hw) <= SMALL_TARGET else "lanczos"


#: Modes of :func:`resize_periodic`.
PERIODIC_MODES = ("area", "lanczos", "nearest")


def resize_periodic(image: np.ndarray, size_wh: tuple[int, int], *, mode: str = "area") -> np.ndarray:
    """Resize a seamless (wrapping) image so that the result wraps too.

    The image is taken as one period of an infinite tiling: it is padded with its own wrapped-around
    pixels by a margin of whole output pixels, resized with the same scale, and the margin cut off.
    Every output pixel therefore sees the same neighbourhood as in the infinite tiling, at the edges
    as inside, so no seam appears even at a non-integral scale (e.g. 1024 → 100). At an integral
    scale ``"area"`` is the plain block mean.

    Parameters
    ----------
    image : (H, W, 4) uint8 ndarray (or anything :func:`~sprixen_engine.core.image.as_rgba` takes)
    size_wh : (w, h)
        Output size in pixels, each 1-16384.
    mode : {"area", "lanczos", "nearest"}
        ``"area"``: the mean over each output pixel's footprint (OpenCV ``INTER_AREA``; the
        alias-free choice for downscaling); ``"lanczos"``: as :func:`resize`; ``"nearest"``: the
        pixel under each output pixel's centre (exact, so ties never round differently at the
        edges). Colours are averaged on premultiplied alpha.

    Returns
    -------
    (h, w, 4) uint8 ndarray

    Examples
    --------
    >>> x = np.arange(8, dtype=np.float64)
    >>> wave = np.uint8(np.rint(127.5 + 127.5 * np.sin(2 * np.pi * (x[:, None] + x[None, :]) / 8)))
    >>> small = resize_periodic(np.dstack([wave] * 3), (4, 4))
    >>> bool(np.array_equal(small, np.roll(resize_periodic(np.roll(np.dstack([wave] * 3), 2, axis=1), (4, 4)),
    ...                                    -1, axis=1)))
    True
    """
    if mode not in PERIODIC_MODES:
        raise invalid("mode", f"must be one of {', '.join(PERIODIC_MODES)}", mode)
    if (not isinstance(size_wh, (tuple, list)) or len(size_wh) != 2
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and 1 <= v <= 16384
                       for v in size_wh)):
        raise invalid("size", "must be a pair of integers (w, h), each 1-16384", size_wh)
    rgba = as_rgba(image)
    h, w = rgba.shape[:2]
    out_w, out_h = int(size_wh[0]), int(size_wh[1])
    if (out_h, out_w) == (h, w):
        return rgba.copy()
    if mode == "nearest":  # the pixel under each output centre, in exact integer arithmetic (no rounding ties)
        ys = (2 * np.arange(out_h) + 1) * h // (2 * out_h)
        xs = (2 * np.arange(out_w) + 1) * w // (2 * out_w)
        return np.ascontiguousarray(rgba[ys][:, xs])
    if mode == "area" and h % out_h == 0 and w % out_w == 0:
        fy, fx = h // out_h, w // out_w
        return _unpremultiply(_premultiply(rgba).reshape(out_h, fy, out_w, fx, 4).mean(axis=(1, 3)))
    # a margin of whole output pixels that is also a whole number of input pixels, at least 4 output pixels
    margins = []
    for n_in, n_out in ((h, out_h), (w, out_w)):
        unit = n_out // np.gcd(n_in, n_out)            # output pixels per whole number of input pixels
        m_out = -(-4 // unit) * unit
        margins.append((m_out * n_in // n_out, m_out))
    (my_in, my_out), (mx_in, mx_out) = margins
    padded = np.pad(rgba, ((my_in, my_in), (mx_in, mx_in), (0, 0)), mode="wrap")
    big = (out_w + 2 * mx_out, out_h + 2 * my_out)
    if mode == "area":
        resized = _unpremultiply(cv2.resize(_premultiply(padded), big, interpolation=cv2.INTER_AREA))
    else:
        resized = resize(padded, big, mode=mode)
    return np.ascontiguousarray(resized[my_out:my_out + out_h, mx_out:mx_out + out_w])


def _premultiply(rgba: np.ndarray) -> np.ndarray:
    f = rgba.astype(np.float32)
    f[..., :3] *= f[..., 3:] / 255.0
    return f


def _unpremultiply(f: np.ndarray) -> np.ndarray:
    a = np.clip(np.rint(f[..., 3]), 0, 255)
    rgb = f[..., :3] * (255.0 / np.maximum(f[..., 3], 1e-3))[..., None]
    rgb[a == 0] = 0
    return np.dstack([np.clip(np.rint(rgb), 0, 255), a]).astype(np.uint8)
