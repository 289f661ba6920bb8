"""Typed engine settings loaded from ``configs/engine.toml`` (and the other TOML data files).

``load_config()`` reads the file named by ``SPRIXEN_CONFIG`` or ``configs/engine.toml``;
every key is optional and missing keys take the defaults below.
"""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .errors import invalid

_PACKAGE_CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def config_dir() -> Path:
    """The folder holding the engine's TOML data: ``$SPRIXEN_CONFIG_DIR`` or the repo's ``configs/``."""
    env = os.environ.get("SPRIXEN_CONFIG_DIR")
    return Path(env) if env else _PACKAGE_CONFIGS


@lru_cache(maxsize=64)
def _read_toml_cached(path: str, mtime: float) -> dict[str, Any]:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file (cached until the file changes); errors name the file."""
    try:
        return _read_toml_cached(str(path), path.stat().st_mtime)
    except FileNotFoundError:
        raise invalid("config", "file does not exist", str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise invalid("config", f"is not valid TOML ({exc})", str(path)) from None


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GenerationSettings(_Section):
    default_resolution: str = "32x32"
    max_native_pixel: int = Field(64, ge=16, le=256)
    max_native_smooth: int = Field(128, ge=16, le=512)
    default_art_style: Literal["pixel", "vector", "painterly"] = "pixel"
    pack_padding: int = Field(2, ge=0, le=16)
    # Square size (px) a model backend (SDXL) draws at before matting and pixelize/resize.
    model_resolution: int = Field(1024, ge=64, le=2048, multiple_of=8)


class DeviceSettings(_Section):
    prefer: Literal["auto", "cpu", "cuda"] = "auto"
    cuda_dtype: Literal["fp16", "bf16", "fp32"] = "fp16"


class WeightsSettings(_Section):
    """``[weights]``: explicit model folders (or files), model id → path; checked before any other place.

    Relative paths are resolved against the config folder (``configs/``); ``~`` and ``$VARS`` are expanded.
    """

    paths: dict[str, str] = {}


class StorageSettings(_Section):
    """``[storage]``: where the engine keeps what it makes for later (custom tile library, built-in tile
    pack cache). ``data_dir`` empty → ``$SPRIXEN_DATA`` → ``~/.local/share/sprixen-engine``."""

    data_dir: str = ""


class EngineConfig(_Section):
    """All engine settings. ``config_dir`` is where the other data files (subjects, palettes) live."""

    generation: GenerationSettings = GenerationSettings()
    device: DeviceSettings = DeviceSettings()
    weights: WeightsSettings = WeightsSettings()
    storage: StorageSettings = StorageSettings()
    config_dir: Path = Field(default_factory=config_dir)

    @property
    def data_dir(self) -> Path:
        """The resolved storage folder (not created here)."""
        chosen = self.storage.data_dir or os.environ.get("SPRIXEN_DATA") or "~/.local/share/sprixen-engine"
        return Path(os.path.expandvars(chosen)).expanduser()


def load_config(path: str | Path | None = None) -> EngineConfig:
    """Load settings from ``path``, ``$SPRIXEN_CONFIG`` or ``<config_dir>/engine.toml`` (if present)."""
    from pydantic import ValidationError

    chosen = Path(path) if path is not None else None
    if chosen is None and os.environ.get("SPRIXEN_CONFIG"):
        chosen = Path(os.environ["SPRIXEN_CONFIG"])
    if chosen is None:
        default = config_dir() / "engine.toml"
        chosen = default if default.exists() else None
    data = read_toml(chosen) if chosen is not None else {}
    try:
        return EngineConfig(**data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise invalid(f"config.{field}", err["msg"], err.get("input")) from None
