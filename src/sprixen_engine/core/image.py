"""Conversions between the engine's array convention and PIL / files.

Inside the engine an image is a ``numpy.ndarray`` of dtype ``uint8`` and shape
``(H, W, 4)`` (RGBA, straight alpha). PIL images appear only at the facade.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..errors import invalid

ImageLike = Any  # PIL.Image.Image | np.ndarray | str | Path | bytes


def as_rgba(image: ImageLike, *, field: str = "image") -> np.ndarray:
    """Return ``image`` as a C-contiguous ``uint8`` array of shape ``(H, W, 4)``.

    Accepts a PIL image, a path, PNG/JPEG bytes, or an array of shape
    ``(H, W)`` (grey), ``(H, W, 3)`` (RGB) or ``(H, W, 4)`` (RGBA) of dtype uint8.
    Raises ``InvalidRequest`` naming ``field`` for anything else.
    """
    if isinstance(image, (str, Path, bytes, bytearray)):
        image = load_image(image, field=field)
    if isinstance(image, Image.Image):
        return np.ascontiguousarray(np.asarray(image.convert("RGBA")))
    if isinstance(image, np.ndarray):
        if image.dtype != np.uint8:
            raise invalid(field, "array dtype must be uint8", str(image.dtype))
        if image.ndim == 2:
            image = np.repeat(image[:, :, None], 3, axis=2)
        if image.ndim != 3 or image.shape[2] not in (3, 4):
            raise invalid(field, "array shape must be (H, W), (H, W, 3) or (H, W, 4)", image.shape)
        if image.shape[0] < 1 or image.shape[1] < 1:
            raise invalid(field, "image must not be empty", image.shape)
        if image.shape[2] == 3:
            alpha = np.full(image.shape[:2] + (1,), 255, np.uint8)
            image = np.concatenate([image, alpha], axis=2)
        return np.ascontiguousarray(image)
    raise invalid(field, "must be a PIL image, a numpy uint8 array, a path or image bytes",
                  type(image).__name__)


def load_image(source: str | Path | bytes | bytearray, *, field: str = "image") -> Image.Image:
    """Open an image file (or bytes) fully, raising ``InvalidRequest`` if it is unreadable."""
    try:
        if isinstance(source, (bytes, bytearray)):
            img = Image.open(io.BytesIO(source))
        else:
            img = Image.open(Path(source))
        img.load()
    except FileNotFoundError:
        raise invalid(field, "file does not exist", str(source)) from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        shown = str(source) if not isinstance(source, (bytes, bytearray)) else f"<{len(source)} bytes>"
        raise invalid(field, f"is not a readable image ({exc.__class__.__name__})", shown) from None
    return img


def to_pil(rgba: np.ndarray) -> Image.Image:
    """Wrap an ``(H, W, 4)`` uint8 array as a PIL RGBA image (copying)."""
    return Image.fromarray(np.ascontiguousarray(rgba), "RGBA")


def png_bytes(rgba: np.ndarray) -> bytes:
    """Encode an ``(H, W, 4)`` uint8 array as PNG bytes (deterministic, no metadata)."""
    buf = io.BytesIO()
    to_pil(rgba).save(buf, format="PNG", optimize=False)
    return buf.getvalue()
