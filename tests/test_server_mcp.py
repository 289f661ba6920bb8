"""The MCP server through the official MCP client: streamable HTTP at ``/v1/mcp`` on a real uvicorn
server (the REST app), and stdio through a ``sprixen mcp`` subprocess."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("mcp")

import anyio  # noqa: E402
import httpx  # noqa: E402
from PIL import Image  # noqa: E402

TOOL_NAMES = {"generate_sprite", "get_generation", "generate_animation", "list_sprite_animations", "list_projects",
              "list_sprites", "generate_tile", "list_tile_packs", "create_map", "list_maps", "export_map",
              "generate_music", "get_music", "list_music", "get_credits"}


# --- a real server on a free port -------------------------------------------------------------------------

class LiveServer:
    def __init__(self, tmp: Path, engine: Any) -> None:
        import uvicorn

        from sprixen_engine.server.app import create_app
        from sprixen_engine.server.keys import create_key
        from sprixen_engine.server.settings import ServerSettings

        settings = ServerSettings(data_dir=tmp, workers=1, print_new_key=False, poll_interval_s=0.02,
                                  heartbeat_s=0.5, rate_limit_per_minute=10_000)  # the tests poll fast
        self.app = create_app(settings, engine=engine)
        self.state = self.app.state.sprixen
        self.key, _ = create_key(self.state.db, name="mcp", credits=1000)
        self.other_key, _ = create_key(self.state.db, name="other", credits=10)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.url = self.base + "/v1/mcp"
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "uvicorn did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()
        self.state.db.dispose()


@pytest.fixture(scope="module")
def live(tmp_path_factory, engine):
    with LiveServer(tmp_path_factory.mktemp("mcp-http"), engine) as server:
        yield server


def run_http(live: LiveServer, body, *, key: str | None = None) -> Any:
    """``await body(session)`` in an MCP client session over streamable HTTP with the Bearer key."""
    import httpx2
    from mcp.client.session import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def main() -> Any:
        headers = {"Authorization": f"Bearer {key or live.key}"}
        async with httpx2.AsyncClient(headers=headers, timeout=30) as http, \
                streamable_http_client(live.url, http_client=http) as (read, write), \
                ClientSession(read, write) as session:
            await session.initialize()
            return await body(session)

    return anyio.run(main)


async def call(session, name: str, arguments: dict[str, Any] | None = None, *, error: bool = False) -> Any:
    """The tool's JSON result (its error body when ``error``)."""
    result = await session.call_tool(name, arguments or {})
    assert result.is_error == error, (name, result.content)
    assert len(result.content) == 1
    return json.loads(result.content[0].text)


async def wait(session, tool: str, arguments: dict[str, Any], timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = await call(session, tool, arguments)
        if job["status"] in ("completed", "failed"):
            return job
        assert time.monotonic() < deadline, f"{tool} still {job['status']}"
        await anyio.sleep(0.05)


# --- streamable HTTP --------------------------------------------------------------------------------------

def test_http_lists_every_tool_with_camelcase_schemas(live):
    async def body(session):
        return (await session.list_tools()).tools

    tools = {t.name: t for t in run_http(live, body)}
    assert set(tools) == TOOL_NAMES
    for tool in tools.values():
        assert tool.description and tool.input_schema["type"] == "object", tool.name
    sprite = tools["generate_sprite"].input_schema
    assert sprite["required"] == ["prompt"]
    assert {"variantCount", "pixelPerfect", "packItems", "chainAnimation", "projectId", "webhookUrl"} <= set(
        sprite["properties"])
    assert sprite["properties"]["variantCount"]["maximum"] == 3
    anim = tools["generate_animation"].input_schema
    assert "spriteId" in anim["required"] and {"archetype", "weaponHand", "direction"} <= set(anim["properties"])
    assert tools["get_generation"].input_schema["required"] == ["generationId"]
    assert set(tools["list_music"].input_schema["properties"]) == {"page", "limit"}


def test_http_generate_poll_download_and_credits(live):
    async def body(session):
        created = await call(session, "generate_sprite", {"prompt": "a warrior knight", "resolution": "32x32",
                                                         "type": "character"})
        done = await wait(session, "get_generation", {"generationId": created["id"]})
        anim = await call(session, "generate_animation", {"spriteId": created["id"], "type": "idle",
                                                         "frameCount": 4})
        anims = await call(session, "list_sprite_animations", {"spriteId": created["id"]})
        return (created, done, anim, anims, await call(session, "get_credits"),
                await call(session, "list_projects"), await call(session, "list_sprites"),
                await call(session, "list_music", {"limit": 5}))

    created, done, anim, anims, credits, projects, sprites, music = run_http(live, body)
    assert created["id"].startswith("gen_") and created["status"] == "pending"
    assert done["status"] == "completed" and len(done["resultUrls"]) == 1
    url = done["resultUrls"][0]
    assert url.startswith(live.base + "/public/uploads/")
    png = httpx.get(url)
    assert png.status_code == 200 and Image.open(io.BytesIO(png.content)).size == (32, 32)
    assert anim["id"].startswith("anim_") and anim["status"] == "pending"
    assert [a["id"] for a in anims] == [anim["id"]]
    assert credits["credits"] == 1000 - 1 - 1 and credits["subscription"]["status"] == "active"
    assert [p["spriteCount"] for p in projects] == [1]  # animating the generation selected it
    assert [s["generationId"] for s in sprites] == [created["id"]]
    assert set(music) == {"data", "total", "page", "limit"} and music["limit"] == 5


def test_http_tiles_maps_music(live):
    async def body(session):
        packs = await call(session, "list_tile_packs")
        tile = await call(session, "generate_tile", {"prompt": "mossy stone floor tile", "tileLabel": "Mossy Stone"})
        made = await call(session, "create_map", {"name": "Forest Level", "gridWidth": 8, "gridHeight": 6})
        maps = await call(session, "list_maps")
        exported = await call(session, "export_map", {"mapId": made["id"]})
        song = await call(session, "generate_music", {"presetSlug": "chiptune_adventure", "duration": 5})
        done = await wait(session, "get_music", {"musicId": song["id"]})
        return packs, tile, made, maps, exported, song, done, await call(session, "list_music")

    packs, tile, made, maps, exported, song, done, music = run_http(live, body)
    assert packs and all({"id", "name", "isBuiltIn", "tiles"} <= set(p) for p in packs)
    assert tile["id"].startswith("tile_") and tile["status"] == "pending" and tile["label"] == "Mossy Stone"
    assert made["id"].startswith("map_") and made["id"] in [m["id"] for m in maps]
    assert exported["name"] == "Forest Level" and (exported["gridWidth"], exported["gridHeight"]) == (8, 6)
    assert song["id"].startswith("mus_") and done["status"] == "completed", done
    assert done["audioUrl"].startswith(live.base + "/public/uploads/") and httpx.get(done["audioUrl"]).status_code == 200
    assert [m["id"] for m in music["data"]] == [song["id"]] and music["total"] == 1


def test_http_tool_errors_carry_the_rest_messages(live):
    async def body(session):
        return [await call(session, "generate_sprite", {"prompt": "ab"}, error=True),
                await call(session, "generate_sprite", {"prompt": "a knight", "variantCount": 9}, error=True),
                await call(session, "generate_sprite", {"prompt": "a knight", "bogus": 1}, error=True),
                await call(session, "get_generation", {"generationId": "gen_nope"}, error=True),
                await call(session, "get_generation", {}, error=True),
                await call(session, "list_music", {"limit": 500}, error=True)]

    short, many, unknown, missing, no_id, limit = run_http(live, body)
    assert short["statusCode"] == 400 and short["error"] == "Bad Request" and short["message"].startswith("prompt:")
    assert many["message"].startswith("variantCount:") and unknown["message"].startswith("bogus:")
    assert missing == {"statusCode": 404, "message": missing["message"], "error": "Not Found"}
    assert no_id["statusCode"] == 400 and no_id["message"].startswith("generationId:")
    assert limit["statusCode"] == 400 and limit["message"].startswith("limit:")


def test_http_each_request_acts_as_its_own_key(live):
    async def mine(session):
        return await call(session, "generate_sprite", {"prompt": "a small slime", "resolution": "32x32"})

    created = run_http(live, mine)

    async def theirs(session):
        return (await call(session, "get_generation", {"generationId": created["id"]}, error=True),
                await call(session, "get_credits"))

    hidden, credits = run_http(live, theirs, key=live.other_key)
    assert hidden["statusCode"] == 404 and credits["credits"] == 10


def test_http_without_or_with_a_bad_key_is_401(live):
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    accept = {"Accept": "application/json, text/event-stream"}
    for headers in ({}, {"Authorization": "Bearer spx_live_nope"}, {"Authorization": "Basic abc"}):
        r = httpx.post(live.url, json=init, headers={**accept, **headers})
        assert r.status_code == 401, r.text
        body = r.json()
        assert set(body) == {"statusCode", "message", "error"}
        assert body["statusCode"] == 401 and body["error"] == "Unauthorized" and body["message"]
    assert httpx.get(live.url).status_code == 401
    ok = httpx.post(live.url, json=init, headers={**accept, "Authorization": f"Bearer {live.key}"})
    assert ok.status_code == 200 and ok.headers.get("mcp-session-id")


# --- stdio ------------------------------------------------------------------------------------------------

def sprixen_command() -> list[str]:
    exe = shutil.which("sprixen", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "sprixen_engine.cli"]


def test_stdio_sprixen_mcp(tmp_path):
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    from sprixen_engine.server.db import Database
    from sprixen_engine.server.keys import create_key

    db = Database(f"sqlite:///{tmp_path / 'sprixen.db'}")
    key, _ = create_key(db, name="stdio", credits=50)
    db.dispose()
    command, *args = sprixen_command()
    params = StdioServerParameters(command=command, args=[*args, "mcp", "--key", key, "--data", str(tmp_path)],
                                   env=dict(os.environ))  # the SDK's default passes only HOME, PATH, …

    async def main():
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            names = {t.name for t in (await session.list_tools()).tools}
            created = await call(session, "generate_sprite", {"prompt": "a red potion", "resolution": "32x32"})
            done = await wait(session, "get_generation", {"generationId": created["id"]})
            return names, done, await call(session, "get_credits")

    names, done, credits = anyio.run(main)
    assert names == TOOL_NAMES
    assert done["status"] == "completed" and credits["credits"] == 49
    url = urlparse(done["resultUrls"][0])
    assert url.scheme == "file" and Path(url.path).is_file() and Path(url.path).parent == tmp_path / "public/uploads"


def test_stdio_with_a_bad_key_exits_2(tmp_path):
    import subprocess

    done = subprocess.run([*sprixen_command(), "mcp", "--data", str(tmp_path)], capture_output=True, text=True,
                          env={**os.environ, "SPRIXEN_API_KEY": "spx_live_nope"}, timeout=60)
    assert done.returncode == 2 and "Invalid or revoked API key" in done.stderr and done.stdout == ""
