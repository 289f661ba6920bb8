"""Request models shared by the Python API, the CLI, the REST API and the MCP tools.

Limits live here and only here (prompt 3–500 chars, variantCount 1–3, packItems ≤ 8, ...).
Fields have snake_case names for Python and camelCase aliases for the REST API; both are
accepted. :func:`parse_request` turns pydantic's errors into :class:`InvalidRequest`
naming the field the caller used.
"""

from __future__ import annotations

import re
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from .errors import InvalidRequest

GENERATION_TYPES = ("sprite", "variation", "character", "item", "environment", "pack")
PIXEL_PERFECT = ("auto", "on", "off")
SPRITE_BACKENDS = ("auto", "procedural", "sdxl")
ART_STYLES = ("pixel", "vector", "painterly")
VIEW_ANGLES = ("side", "front", "top_down", "isometric")

RESOLUTION_MIN, RESOLUTION_MAX = 16, 1024
_RESOLUTION_RE = re.compile(r"^\s*(\d{1,5})\s*[xX×]\s*(\d{1,5})\s*$")


def parse_resolution(value: str, *, field: str = "resolution") -> tuple[int, int]:
    """Parse ``"WxH"`` into ``(w, h)``; each side must be 16–1024 pixels.

    >>> parse_resolution("32x48")
    (32, 48)
    """
    from .errors import invalid

    m = _RESOLUTION_RE.match(str(value))
    if not m:
        raise invalid(field, "must look like 'WxH', e.g. '32x32' or '64x96'", value)
    w, h = int(m.group(1)), int(m.group(2))
    if not (RESOLUTION_MIN <= w <= RESOLUTION_MAX and RESOLUTION_MIN <= h <= RESOLUTION_MAX):
        raise invalid(field, f"each side must be {RESOLUTION_MIN}–{RESOLUTION_MAX} pixels", value)
    return w, h


def snake_word(v: Any) -> Any:
    """``"Up-Right"`` / ``"top down"`` → ``"up_right"`` / ``"top_down"``; non-strings pass through to validation."""
    return v.strip().replace("-", "_").replace(" ", "_").lower() if isinstance(v, str) else v


def visible_text(v: str) -> str:
    """``v`` unchanged, or ``ValueError`` when it holds only whitespace."""
    if not v.strip():
        raise ValueError("must contain visible characters")
    return v


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid",
                              arbitrary_types_allowed=True, frozen=True)


class ProjectStyle(_Model):
    """A project's style lock: generations in the project inherit these."""

    art_style: Literal["pixel", "vector", "painterly"] | None = None
    resolution: str | None = None
    view_angle: Literal["side", "front", "top_down", "isometric"] | None = None
    name: str | None = None

    @field_validator("resolution")
    @classmethod
    def _check_resolution(cls, v: str | None) -> str | None:
        if v is not None:
            parse_resolution(v)
        return v

    @field_validator("view_angle", mode="before")
    @classmethod
    def _normalise_view(cls, v: Any) -> Any:
        return snake_word(v)


ANIMATION_TYPES = ("idle", "walk", "run", "attack", "jump", "death", "hurt", "custom")
ARCHETYPES = ("humanoid_biped", "quadruped", "winged", "amorphous", "serpentine")
DIRECTIONS = ("right", "left", "up", "down", "up_right", "up_left", "down_right", "down_left")
WEAPON_HANDS = ("left", "right", "both")
PROCESS_MODES = ("stabilize", "tight", "aggressive")
_LOCOMOTION = {"biped": "humanoid_biped", "quadruped": "quadruped", "auto": None}


class AnimationRequest(_Model):
    """The parameters of one animation (POST /v1/sprites/:spriteId/animations).

    ``frame_count`` and ``fps`` default per type (``configs/animation.toml``). ``direction`` accepts
    ``up-right`` and ``up_right``. ``locomotion_type`` is the reference's deprecated field; it maps to
    ``archetype`` (biped → humanoid_biped, quadruped → quadruped) when ``archetype`` is not given.
    """

    type: Literal["idle", "walk", "run", "attack", "jump", "death", "hurt", "custom"] = "walk"
    frame_count: int | None = Field(None, ge=2, le=12)
    fps: int | None = Field(None, ge=4, le=60)
    custom_description: str | None = Field(None, max_length=500)
    archetype: Literal["humanoid_biped", "quadruped", "winged", "amorphous", "serpentine"] | None = None
    weapon_hand: Literal["left", "right", "both"] | None = None
    weapon_type: str | None = Field(None, max_length=40)
    has_shield: bool = False
    direction: Literal["right", "left", "up", "down", "up_right", "up_left", "down_right", "down_left"] = "right"
    normalize_size: bool = False
    locomotion_type: Literal["auto", "biped", "quadruped"] | None = None
    seed: int | None = Field(None, ge=0, le=2**32 - 1)

    @field_validator("direction", "archetype", "weapon_hand", "type", "locomotion_type", mode="before")
    @classmethod
    def _normalise_word(cls, v: Any) -> Any:
        return snake_word(v)

    @property
    def resolved_archetype(self) -> str | None:
        """``archetype``, else the one the deprecated ``locomotion_type`` names, else ``None``."""
        if self.archetype is not None:
            return self.archetype
        return _LOCOMOTION.get(self.locomotion_type) if self.locomotion_type else None


class GenerationRequest(_Model):
    """The parameters of one sprite generation (POST /v1/generations)."""

    prompt: str = Field(min_length=3, max_length=500)
    type: Literal["sprite", "variation", "character", "item", "environment", "pack"] = "sprite"
    variant_count: int = Field(1, ge=1, le=3)
    resolution: str | None = None
    pixel_perfect: Literal["auto", "on", "off"] = "auto"
    no_base: bool = False
    skip_bg_removal: bool = False
    pack_items: list[str] | None = Field(None, max_length=8)
    reference_image: Any = None
    project: ProjectStyle | None = None
    seed: int | None = Field(None, ge=0, le=2**32 - 1)
    backend: Literal["auto", "procedural", "sdxl"] = "auto"
    chain_animations: list[AnimationRequest] | None = Field(None, max_length=8)

    @field_validator("prompt")
    @classmethod
    def _check_prompt(cls, v: str) -> str:
        return visible_text(v)

    @field_validator("resolution")
    @classmethod
    def _check_resolution(cls, v: str | None) -> str | None:
        if v is not None:
            parse_resolution(v)
        return v

    @field_validator("pack_items")
    @classmethod
    def _check_pack_items(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        cleaned = [s.strip() for s in v]
        if not cleaned:
            raise ValueError("must list 1–8 items when given")
        for item in cleaned:
            if not 1 <= len(item) <= 100:
                raise ValueError("each item must be 1–100 characters")
        return cleaned

    @property
    def resolution_wh(self) -> tuple[int, int] | None:
        return parse_resolution(self.resolution) if self.resolution else None


TILE_PROJECTIONS = ("floor", "wall", "prop")
TILESET_KINDS = ("wang16", "blob47")
TILESET_VIEWS = ("top_down", "isometric")


class TileRequest(_Model):
    """One isometric tile (POST /v1/tile-packs/generate): flat texture → 130×230 projection."""

    prompt: str = Field(min_length=3, max_length=500)
    label: str | None = Field(None, alias="tileLabel", min_length=1, max_length=60)
    projection: Literal["floor", "wall", "prop"] = Field("floor", alias="projectionType")
    collision: bool = False
    seed: int | None = Field(None, ge=0, le=2**32 - 1)
    texture_size: int = Field(64, ge=16, le=256)
    backend: Literal["auto", "procedural", "sdxl"] = "auto"

    @field_validator("prompt")
    @classmethod
    def _check_prompt(cls, v: str) -> str:
        return visible_text(v)


class TilesetRequest(_Model):
    """An autotile set: the 16 Wang corner or 47 blob transitions between two materials."""

    prompt: str = Field(min_length=2, max_length=500)
    against: str = Field("grass", min_length=2, max_length=100)
    kind: Literal["wang16", "blob47"] = "wang16"
    view: Literal["top_down", "isometric"] = "top_down"
    size: int = Field(32, ge=16, le=128)
    seed: int | None = Field(None, ge=0, le=2**32 - 1)

    @field_validator("view", mode="before")
    @classmethod
    def _normalise_view(cls, v: Any) -> Any:
        return snake_word(v)


class MapRequest(_Model):
    """A new map (POST /v1/maps)."""

    name: str = Field(min_length=1, max_length=100)
    projection: Literal["isometric", "top_down", "side_view", "world"] = Field("isometric", alias="projectionType")
    width: int = Field(16, alias="gridWidth", ge=4, le=512)
    height: int = Field(16, alias="gridHeight", ge=4, le=512)
    tile_pack: str | None = Field(None, max_length=100)
    seed: int | None = Field(None, ge=0, le=2**32 - 1)

    @field_validator("projection", mode="before")
    @classmethod
    def _normalise_projection(cls, v: Any) -> Any:
        return snake_word(v)


MUSIC_PRESETS = ("epic_orchestral", "chiptune_adventure", "peaceful_village", "dungeon_dark", "battle_intense",
                 "boss_fight", "menu_chill", "ambient_exploration", "fantasy_tavern", "scifi_synthwave")


class MusicRequest(_Model):
    """One track (POST /v1/music): a preset and/or a free prompt, optional bpm, key and duration."""

    prompt: str | None = Field(None, min_length=2, max_length=500)
    preset: Literal["epic_orchestral", "chiptune_adventure", "peaceful_village", "dungeon_dark", "battle_intense",
                    "boss_fight", "menu_chill", "ambient_exploration", "fantasy_tavern",
                    "scifi_synthwave"] | None = Field(None, alias="presetSlug")
    bpm: float | None = Field(None, ge=40, le=240)
    key: str | None = Field(None, min_length=1, max_length=20)
    duration: float = Field(30.0, ge=5, le=300)
    seed: int | None = Field(None, ge=0, le=2**32 - 1)
    loop: bool = False
    stems: bool = False
    bit_depth: Literal[16, 24] = 16
    backend: Literal["auto", "procedural", "musicgen"] = "auto"
    reference_audio: Any = None

    @field_validator("preset", mode="before")
    @classmethod
    def _normalise_preset(cls, v: Any) -> Any:
        return snake_word(v)


M = TypeVar("M", bound=BaseModel)


def parse_request(model: type[M], data: dict[str, Any], *, api_names: bool = False) -> M:
    """Validate ``data`` into ``model``; raise :class:`InvalidRequest` naming the first bad field.

    ``api_names`` chooses the camelCase API name for the message (REST, MCP) instead of the
    Python name (library, CLI).
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(model, exc.errors()[0], api_names=api_names) from None


def validation_error(model: type[BaseModel], err: Any, *, api_names: bool = False) -> InvalidRequest:
    """One pydantic error (an item of ``ValidationError.errors()``) as an :class:`InvalidRequest` whose
    message names the field (``variantCount: …``), the rule and the value received."""
    loc = [str(p) for p in err["loc"]]
    head = loc[0] if loc else "request"
    fields = model.model_fields
    name = head
    for py_name, info in fields.items():
        if head in (py_name, info.alias):
            name = (info.alias or py_name) if api_names else py_name
    label = ".".join([name, *loc[1:]])
    inner = err.get("ctx", {}).get("error")
    if isinstance(inner, InvalidRequest):
        if not loc and inner.field:  # a model-level check that names its own field
            return InvalidRequest(inner.message, field=inner.field)
        return InvalidRequest(f"{label}: {inner.message.split(': ', 1)[-1]}", field=name)
    msg = err["msg"].removeprefix("Value error, ")
    allowed = err.get("ctx", {}).get("expected")
    if allowed:
        msg = f"must be one of {allowed}"
    shown = err.get("input")
    if isinstance(shown, str) and len(shown) > 60:
        shown = shown[:57] + "..."
    tail = "" if err["type"] == "missing" else f" (got {shown!r})"
    return InvalidRequest(f"{label}: {msg}{tail}", field=name)
