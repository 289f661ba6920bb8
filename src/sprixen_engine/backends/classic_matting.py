"""The embedded matting backend: classic background removal, no model weights."""

from __future__ import annotations

import numpy as np

from ..core.matting import remove_background


class ClassicMatting:
    """:class:`~sprixen_engine.backends.base.MattingBackend` running
    :func:`~sprixen_engine.core.matting.remove_background` with an adaptive tolerance."""

    name = "classic"

    def remove(self, rgba: np.ndarray, *, hard: bool, no_base: bool) -> np.ndarray:
        """``(H, W, 4)`` uint8 in, ``(H, W, 4)`` uint8 out with the background transparent."""
        return remove_background(rgba, hard=hard, no_base=no_base)
