"""The MCP server: the reference's tools over the same service functions as the REST routes.

Each tool takes the REST body's camelCase arguments (its input schema is the body model's JSON
schema, plus the path ids such as ``spriteId``), validates them with :func:`parse_request` (so a bad
argument gets the REST 400 message) and returns the REST response JSON. A failure is a tool error
(``isError``) whose text is the reference's error body ``{statusCode, message, error}``.

Two transports:

* streamable HTTP at ``/v1/mcp`` (:class:`McpEndpoint`, mounted by :func:`mount_mcp`): the endpoint
  checks ``Authorization: Bearer spx_live_…`` on every HTTP request (401 in the reference shape) and
  hands the key to the tools through the request scope;
* stdio (``sprixen mcp``, :mod:`sprixen_engine.cli_mcp`): :func:`build_server` with one fixed caller.
"""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import anyio.to_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp.server.transport_security import TransportSecuritySettings
from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from starlette.datastructures import Headers
from starlette.responses import JSONResponse

from .. import __version__
from ..errors import SprixenError
from ..requests import parse_request
from .http import Page, base_url_of, error_body, paginated
from .keys import KeyInfo, authenticate
from .schemas import AnimationBody, GenerationBody, MapBody, MusicBody, TileBody
from .services import animations, billing, generations, maps, music, projects, tiles
from .state import AppState, Caller

MCP_PATH = "/v1/mcp"
#: where :class:`McpEndpoint` leaves the authenticated key for the tools (``scope["state"]``)
SCOPE_KEY = "sprixen_key"
INSTRUCTIONS = ("Sprixen (local): generate game sprites, animations, isometric tiles, maps and music on this "
                "machine. Generation tools queue a job and return it with status 'pending'; poll get_generation "
                "or get_music (every ~2 s) until 'completed' for resultUrls/audioUrl.")


# --- arguments that are not part of a REST body (path ids, pagination) -------------------------------------

class _Args(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


def _id(what: str) -> Any:
    return Field(min_length=1, max_length=80, description=f"The {what} id")


class NoArgs(_Args):
    """No arguments."""


class GenerationRef(_Args):
    generation_id: str = _id("generation (gen_…)")


class SpriteRef(_Args):
    sprite_id: str = _id("sprite (spr_…; a completed generation's gen_… id also works)")


class ProjectFilter(_Args):
    project_id: str | None = Field(None, max_length=80, description="Only this project's sprites (prj_…)")


class MapRef(_Args):
    map_id: str = _id("map (map_…)")


class MusicRef(_Args):
    music_id: str = _id("music track (mus_…)")


class PageArgs(_Args):
    page: int = Field(1, ge=1, le=1_000_000)
    limit: int = Field(20, ge=1, le=100)


# --- the tools ---------------------------------------------------------------------------------------------

def _map_json(caller: Caller, args: MapRef) -> dict[str, Any]:
    """The map document of the JSON export (``GET /v1/maps/:id/export/json`` zips it with the tile PNGs)."""
    data, _ = maps.export_map(caller, args.map_id, "json")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".json"))
        return json.loads(archive.read(name))


def _page(rows_total: tuple[list[dict[str, Any]], int], args: PageArgs) -> dict[str, Any]:
    rows, total = rows_total
    return paginated(rows, total, Page(args.page, args.limit))


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its name and description, the models its arguments are validated with (path ids
    first, the REST body last) and ``run(caller, *validated_models)`` → the REST response JSON."""

    name: str
    description: str
    models: tuple[type[BaseModel], ...]
    run: Callable[..., Any]


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec("generate_sprite", "Generate a sprite from a text prompt - supports pixelPerfect, variantCount, "
             "packItems, chainAnimation (1 credit per variant). Returns the generation (status pending); poll "
             "get_generation.", (GenerationBody,), generations.create_generation),
    ToolSpec("get_generation", "Poll sprite generation status and get result URLs.", (GenerationRef,),
             lambda c, r: generations.get_generation(c, r.generation_id)),
    ToolSpec("generate_animation", "Generate animated sprite sheet - supports archetype (humanoid_biped/quadruped/"
             "winged/amorphous/serpentine), weaponHand, weaponType, hasShield, direction (1 credit). spriteId: a "
             "sprite or a completed generation. Poll list_sprite_animations for its spriteSheetUrl.",
             (SpriteRef, AnimationBody), lambda c, r, b: animations.create_animation(c, r.sprite_id, b)),
    ToolSpec("list_sprite_animations", "List animations for a specific sprite.", (SpriteRef,),
             lambda c, r: animations.list_animations(c, r.sprite_id)),
    ToolSpec("list_projects", "List all projects for the authenticated user.", (NoArgs,),
             lambda c, _: projects.list_projects(c)),
    ToolSpec("list_sprites", "List sprites in a project (all your sprites without projectId).", (ProjectFilter,),
             lambda c, f: projects.list_sprites(c, f.project_id)),
    ToolSpec("generate_tile", "Generate a custom isometric tile (1 credit). When done it is listed in the "
             "custom pack of list_tile_packs.", (TileBody,), tiles.generate_tile),
    ToolSpec("list_tile_packs", "List available tile packs (built-in and custom).", (NoArgs,),
             lambda c, _: tiles.list_tile_packs(c)),
    ToolSpec("create_map", "Create a new map (isometric, top-down, side-view, or world).", (MapBody,), maps.create_map),
    ToolSpec("list_maps", "List all user maps.", (NoArgs,), lambda c, _: maps.list_maps(c)),
    ToolSpec("export_map", "Export a map to JSON format.", (MapRef,), _map_json),
    ToolSpec("generate_music", "Generate a game music track from text (3 credits). Returns the track (status "
             "pending); poll get_music.", (MusicBody,), music.create_music),
    ToolSpec("get_music", "Poll music generation status.", (MusicRef,),
             lambda c, r: music.get_music(c, r.music_id)),
    ToolSpec("list_music", "List all user music tracks (paginated: page, limit).", (PageArgs,),
             lambda c, p: _page(music.list_music(c, p.page, p.limit), p)),
    ToolSpec("get_credits", "Check current credit balance and subscription status.", (NoArgs,),
             lambda c, _: billing.billing_status(c)),
)


def input_schema(models: tuple[type[BaseModel], ...]) -> dict[str, Any]:
    """One JSON schema (camelCase properties) for the union of ``models``' fields."""
    out: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}
    required: list[str] = []
    defs: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(by_alias=True)
        defs.update(schema.get("$defs", {}))
        out["properties"].update(schema.get("properties", {}))
        required += schema.get("required", [])
    if required:
        out["required"] = required
    if defs:
        out["$defs"] = defs
    return out


def parse_arguments(models: tuple[type[BaseModel], ...], arguments: dict[str, Any] | None) -> list[BaseModel]:
    """Validate ``arguments`` into ``models``: each model but the last takes its own fields, the last
    (the body) takes the rest, so an unknown argument is reported by the body, as over REST."""
    rest = dict(arguments or {})
    out = []
    for i, model in enumerate(models):
        if i < len(models) - 1:
            names = {n for name, f in model.model_fields.items() for n in (name, f.alias) if n}
            part = {k: rest.pop(k) for k in list(rest) if k in names}
        else:
            part = rest
        out.append(parse_request(model, part, api_names=True))
    return out


def _json_result(data: Any, *, error: bool = False) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=json.dumps(data, ensure_ascii=False))],
                          structured_content=data if isinstance(data, dict) else None, is_error=error)


class _RawArguments(ArgModelBase):
    """Hands the tool call's arguments through unvalidated: :func:`parse_arguments` validates them, so
    errors carry the REST API's messages."""

    model_config = ConfigDict(extra="allow")

    def model_dump_one_level(self) -> dict[str, Any]:
        return {"arguments": dict(self.model_extra or {})}


CallerOf = Callable[[Context], Caller]


def make_tool(spec: ToolSpec, caller_of: CallerOf) -> Tool:
    """``spec`` as an SDK tool (run on a worker thread: the services are synchronous)."""

    def call(arguments: dict[str, Any], ctx: Context) -> CallToolResult:
        try:
            result = spec.run(caller_of(ctx), *parse_arguments(spec.models, arguments))
        except SprixenError as exc:
            return _json_result(error_body(exc.status_code, exc.message), error=True)
        return _json_result(result)

    return Tool(fn=call, name=spec.name, description=spec.description, parameters=input_schema(spec.models),
                fn_metadata=FuncMetadata(arg_model=_RawArguments), is_async=False, context_kwarg="ctx")


def build_server(caller_of: CallerOf) -> MCPServer:
    """An MCP server with every tool of :data:`TOOLS`; ``caller_of(ctx)`` says who calls."""
    # log_level: the SDK calls logging.basicConfig with it; WARNING keeps the root logger as Python's default
    return MCPServer("sprixen", title="Sprixen (local)", instructions=INSTRUCTIONS, version=__version__,
                     tools=[make_tool(spec, caller_of) for spec in TOOLS], log_level="WARNING")


# --- streamable HTTP ---------------------------------------------------------------------------------------

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _transport_security(state: AppState) -> TransportSecuritySettings | None:
    """The SDK's DNS-rebinding check for a loopback server, also allowing ``public_url``'s host."""
    settings = state.settings
    if settings.host not in _LOOPBACK:
        return None
    hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
    origins = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    if settings.public_url:
        url = urlparse(settings.public_url)
        hosts += [url.netloc, f"{url.hostname}:*"]
        origins += [f"{url.scheme}://{url.netloc}"]
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts,
                                     allowed_origins=origins)


class McpEndpoint:
    """The ASGI app at ``/v1/mcp``: authenticates the Bearer key of every HTTP request (401 in the
    reference's error shape), leaves it in ``scope["state"]`` for the tools, and passes the request to
    the SDK's streamable HTTP app. :meth:`lifespan` must run while the server runs (a mounted app gets
    no lifespan events of its own)."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self._started = False
        self._build()

    def _build(self) -> None:
        self.server = build_server(self._caller)
        self.app = self.server.streamable_http_app(streamable_http_path=MCP_PATH,
                                                   transport_security=_transport_security(state=self.state),
                                                   host=self.state.settings.host)

    def lifespan(self) -> contextlib.AbstractAsyncContextManager[None]:
        """The SDK's session manager (its task group). A session manager runs once, so an app started
        again (test clients start one per use) gets a fresh one."""
        if self._started:
            self._build()
        self._started = True
        return self.server.session_manager.run()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            header = Headers(scope=scope).get("authorization")
            try:
                key = await anyio.to_thread.run_sync(authenticate, self.state.db, header)
            except SprixenError as exc:
                response = JSONResponse(error_body(exc.status_code, exc.message), status_code=exc.status_code,
                                        headers={"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
            scope.setdefault("state", {})[SCOPE_KEY] = key
        await self.app(scope, receive, send)

    def _caller(self, ctx: Context) -> Caller:
        """The key :meth:`__call__` authenticated for the HTTP request that carries this tool call."""
        request = ctx.request_context.request
        key: KeyInfo = request.scope["state"][SCOPE_KEY]
        return Caller(self.state, key, base_url_of(request, self.state))


def mount_mcp(app: Any, state: AppState) -> McpEndpoint:
    """Serve MCP at ``/v1/mcp`` on the FastAPI ``app`` (a route, so ``/v1/mcp`` answers without a
    redirect to ``/v1/mcp/``). The caller must enter ``endpoint.lifespan()`` in the app's lifespan."""
    endpoint = McpEndpoint(state)
    app.router.add_route(MCP_PATH, endpoint, include_in_schema=False)
    return endpoint


# --- stdio -------------------------------------------------------------------------------------------------

def stdio_server(state: AppState, key: KeyInfo, base_url: str) -> MCPServer:
    """The server for ``sprixen mcp``: every call is made with ``key``; URLs start with ``base_url``."""
    caller = Caller(state, key, base_url)
    return build_server(lambda ctx: caller)
