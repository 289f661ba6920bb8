"""sprixen-engine: offline game sprites, animations, tiles, maps and music.

>>> from sprixen_engine import Engine
>>> sprites = Engine().generate("a red dragon, 32x32", variant_count=3, seed=1).images

Importing this package is cheap: heavy modules load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Engine": "engine",
    "GenerationResult": "results",
    "SpriteAsset": "results",
    "GenerationRequest": "requests",
    "EngineConfig": "config",
    "load_config": "config",
    "pixelize": "api",
    "remove_background": "api",
    "extract_palette": "api",
    "map_to_palette": "api",
    "limit_colors": "api",
    "add_outline": "api",
    "resize": "api",
    "SprixenError": "errors",
    "InvalidRequest": "errors",
    "ModelUnavailable": "errors",
    "NotFound": "errors",
}

__all__ = [
    "Engine", "EngineConfig", "GenerationRequest", "GenerationResult", "InvalidRequest", "ModelUnavailable",
    "NotFound", "SpriteAsset", "SprixenError", "add_outline", "extract_palette", "limit_colors", "load_config",
    "map_to_palette", "pixelize", "remove_background", "resize",
]
assert sorted(__all__) == sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from .api import add_outline, extract_palette, limit_colors, map_to_palette, pixelize, remove_background, resize
    from .config import EngineConfig, load_config
    from .engine import Engine
    from .errors import InvalidRequest, ModelUnavailable, NotFound, SprixenError
    from .requests import GenerationRequest
    from .results import GenerationResult, SpriteAsset


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sprixen_engine' has no attribute {name!r}")
