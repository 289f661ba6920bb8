"""Request bodies of the REST API and the MCP tools.

Each extends the engine's request model (:mod:`sprixen_engine.requests`, where the limits live) with
the fields only the service has (``projectId``, ``webhookUrl``, ``referenceImageUrl`` …), and is
liberal where the reference is: ``chainAnimation`` (one) or ``chainAnimations`` (many),
``pixelPerfect: true``, ``resolution: 64``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlparse

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from ..errors import InvalidRequest
from ..requests import AnimationRequest, GenerationRequest, MapRequest, MusicRequest, ProjectStyle, TileRequest


def check_webhook_url(v: str | None) -> str | None:
    """``None`` or an absolute http(s) URL (Standard Webhooks endpoints are http(s) only)."""
    if v is None:
        return v
    parsed = urlparse(v)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError("must be an absolute http:// or https:// URL")
    return v


#: an optional ``webhookUrl``: absolute http(s), ≤ 2000 characters
WebhookUrl = Annotated[str, Field(max_length=2000), AfterValidator(check_webhook_url)]


class _Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


class GenerationBody(GenerationRequest):
    """``POST /v1/generations``."""

    project_id: str | None = Field(None, max_length=40)
    reference_image_url: str | None = Field(None, max_length=2_000_000)
    webhook_url: str | None = Field(None, max_length=2000)
    chain_animation: AnimationRequest | None = None

    _check_webhook = field_validator("webhook_url")(classmethod(lambda cls, v: check_webhook_url(v)))

    @model_validator(mode="before")
    @classmethod
    def _liberal(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for inline in ("referenceImage", "reference_image"):
            if data.get(inline) is not None:  # a path or array would make the server read its own files
                raise InvalidRequest(f"{inline}: send the image as referenceImageUrl (http(s), data: or "
                                     "/public/uploads/ URL)", field=inline)
        pp = data.get("pixelPerfect", data.get("pixel_perfect"))
        if isinstance(pp, bool):
            data.pop("pixel_perfect", None)
            data["pixelPerfect"] = "on" if pp else "off"
        res = data.get("resolution")
        if isinstance(res, int) and not isinstance(res, bool):
            data["resolution"] = f"{res}x{res}"
        return data

    @model_validator(mode="after")
    def _one_chain(self) -> GenerationBody:
        if self.chain_animation is not None and self.chain_animations:
            raise ValueError("give chainAnimation or chainAnimations, not both")
        return self

    def engine_fields(self) -> dict[str, Any]:
        """The body as the engine's GenerationRequest fields (API names), chaining folded in."""
        data = self.model_dump(by_alias=True, exclude_none=True, exclude={
            "project_id", "reference_image_url", "webhook_url", "chain_animation", "reference_image", "project"})
        chains = list(self.chain_animations or []) + ([self.chain_animation] if self.chain_animation else [])
        if chains:
            data["chainAnimations"] = [c.model_dump(by_alias=True, exclude_unset=True) for c in chains]
            data["variantCount"] = 1  # the reference locks variantCount to 1 when chaining
        return data


class SelectBody(_Body):
    """``POST /v1/generations/select``."""

    generation_id: str = Field(min_length=1, max_length=40)
    variation_index: int = Field(0, ge=0, le=2)
    project_id: str | None = Field(None, max_length=40)


class AnimationBody(AnimationRequest):
    """``POST /v1/sprites/:spriteId/animations``."""

    webhook_url: WebhookUrl | None = None


class ProcessBody(_Body):
    mode: Literal["stabilize", "tight", "aggressive"] = "stabilize"


class ProjectBody(ProjectStyle):
    """``POST /v1/projects``: a name and the style lock (artStyle, resolution, viewAngle)."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)


class TileBody(TileRequest):
    """``POST /v1/tile-packs/generate``."""

    webhook_url: WebhookUrl | None = None


class MapBody(MapRequest):
    """``POST /v1/maps``."""


class MapPatchBody(_Body):
    """``PATCH /v1/maps/:id``: name, tile pack, or layers (``{"terrain": [[tile ids…]…]}``)."""

    name: str | None = Field(None, min_length=1, max_length=100)
    tile_pack: str | None = Field(None, max_length=100)
    layers: dict[str, Any] | None = None


class MapEditBody(_Body):
    """``POST /v1/maps/:id/ai-edit``."""

    prompt: str = Field(min_length=3, max_length=500)


class MusicBody(MusicRequest):
    """``POST /v1/music``; ``referenceAudioUrl`` is the reference's optional audio upload (an http(s) URL,
    a ``data:`` URL or one of this server's ``/public/uploads/`` files)."""

    reference_audio_url: str | None = Field(None, max_length=2_000_000)
    webhook_url: WebhookUrl | None = None

    @field_validator("key")
    @classmethod
    def _key(cls, v: str | None) -> str | None:
        from ..music.theory import parse_key

        if v is not None:
            parse_key(v)  # InvalidRequest naming "key" → 400 before any credit is taken
        return v

    @field_validator("reference_audio")
    @classmethod
    def _audio_by_url(cls, v: Any) -> Any:
        if v is not None:
            raise ValueError("send the audio as referenceAudioUrl")
        return v
