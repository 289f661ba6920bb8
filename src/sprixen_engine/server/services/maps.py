"""World Builder: maps (create, read, patch, delete, preview, export) and AI edits (a job).

Storage: a row in ``maps`` (:class:`~sprixen_engine.server.db.MapRecord`) and one folder per version,
``<data_dir>/maps/<map id>/v<n>/`` (``Map.save``). A change never rewrites a version: it writes ``v<n+1>``
under a temporary name and renames it into place — the rename fails when another change claimed ``n+1``
first (409, or a retry for AI edits) — and only then moves the row on. The newest ``KEEP_VERSIONS``
folders stay on disk; older layers live on in the map's own ``history`` (undo).

Layer data in responses (``?layerEncoding``): ``grid`` (default) gives each tile layer as ``gridHeight`` rows of
``gridWidth`` tile ids; ``compact`` gives the map file's own encoding (``raw`` or ``rle``, see
:mod:`sprixen_engine.maps.io`). ``PATCH`` accepts either shape back.
"""

from __future__ import annotations

import copy
import io
import math
import os
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select, update

from ...errors import InvalidRequest, NotFound, SprixenError, invalid
from ...maps.export import FORMATS, LAYER_ENCODINGS
from ...maps.model import Map, MapObject
from ...results import slug
from ..db import Database, Job, MapRecord, iso, utcnow
from ..ids import new_id
from ..present import common, present_job, presenter
from ..schemas import MapBody, MapEditBody, MapPatchBody
from ..settings import ServerSettings
from ..state import Caller

#: version folders kept on disk per map
KEEP_VERSIONS = 3
#: a claimed version folder the row never moved to is abandoned (a crashed writer) after this long
STALE_CLAIM_S = 60.0
#: entries of an edit's cell diff kept in the job result
DIFF_LIMIT = 500
OUT_ENCODINGS = ("grid", "compact")
ENTITY_FIELDS = ("id", "name", "type", "x", "y", "w", "h", "properties")


class Conflict(SprixenError):
    """Another change of the same map won the race for the next version."""

    status_code = 409
    error = "Conflict"


# ---------------------------------------------------------------------------------------------- storage
def map_folder(settings: ServerSettings, map_id: str) -> Path:
    return settings.data_dir / "maps" / map_id


def get_record(db: Database, key_id: str, map_id: str) -> MapRecord:
    """The key's map row (404 for another key's, a deleted or an unknown map)."""
    with db.session() as s:
        rec = s.get(MapRecord, map_id)
    if rec is None or rec.key_id != key_id or rec.deleted:
        raise NotFound(f"Map {map_id} not found")
    return rec


def load_latest(settings: ServerSettings, rec: MapRecord) -> Map:
    """The map at the row's version."""
    folder = map_folder(settings, rec.id) / f"v{rec.version}"
    try:
        return Map.load(folder)
    except InvalidRequest as exc:
        raise SprixenError(f"Map {rec.id}: version {rec.version} is unreadable on disk ({exc.message})") from None


def save_new_version(db: Database, settings: ServerSettings, rec: MapRecord, m: Map) -> MapRecord:
    """Store ``m`` as version ``rec.version + 1`` and move the row to it; returns the new row.
    :class:`Conflict` when another change got there first, ``NotFound`` when the map was deleted."""
    version = rec.version + 1
    folder = map_folder(settings, rec.id)
    target = folder / f"v{version}"
    tmp = folder / f".v{version}-{secrets.token_hex(4)}.tmp"
    m.id, m.version = rec.id, version
    m.save(tmp)
    if not _claim(db, rec, tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)
        raise Conflict(f"Map {rec.id} was changed by another request while this one ran (it is past version "
                       f"{rec.version}); fetch it again and retry")
    with db.session() as s, s.begin():
        done = s.execute(update(MapRecord).where(MapRecord.id == rec.id, MapRecord.version == rec.version,
                                                 MapRecord.deleted.is_(False))
                         .values(version=version, name=m.name, tile_pack=m.tile_pack, updated_at=utcnow()))
        new = s.get(MapRecord, rec.id)
    if done.rowcount != 1:          # the claim rules out a competing writer: the map was deleted meanwhile
        shutil.rmtree(target, ignore_errors=True)
        raise NotFound(f"Map {rec.id} not found")
    for old in folder.glob("v*"):
        if old.name[1:].isdigit() and int(old.name[1:]) <= version - KEEP_VERSIONS:
            shutil.rmtree(old, ignore_errors=True)
    return new


def _claim(db: Database, rec: MapRecord, tmp: Path, target: Path) -> bool:
    """Rename ``tmp`` to ``target`` (atomic; fails when ``target`` exists). A ``target`` left by a writer that
    crashed before moving the row on is removed once it is ``STALE_CLAIM_S`` old."""
    for _ in range(2):
        try:
            os.rename(tmp, target)
            return True
        except OSError:
            if not target.is_dir():
                raise
            with db.session() as s:
                current = s.get(MapRecord, rec.id)
            if (current is None or current.version != rec.version
                    or time.time() - target.stat().st_mtime < STALE_CLAIM_S):
                return False
            shutil.rmtree(target, ignore_errors=True)
    return False


# ------------------------------------------------------------------------------------------------- JSON
def map_summary(rec: MapRecord) -> dict[str, Any]:
    return {"id": rec.id, "name": rec.name, "projectionType": rec.projection, "gridWidth": rec.width,
            "gridHeight": rec.height, "tilePack": rec.tile_pack, "version": rec.version,
            "createdAt": iso(rec.created_at), "updatedAt": iso(rec.updated_at)}


def map_json(caller: Caller, rec: MapRecord, m: Map, layer_encoding: str = "grid") -> dict[str, Any]:
    """The full map: the summary, the tileset (``imageUrl`` where a tile has an image) and every layer by name."""
    from ...maps.io import map_to_dict

    if layer_encoding not in OUT_ENCODINGS:
        raise invalid("layerEncoding", f"must be one of {', '.join(OUT_ENCODINGS)}", layer_encoding)
    doc = map_to_dict(m)
    layers = {}
    for la in doc["layers"]:
        name = la.pop("name")
        if la["kind"] == "tiles" and layer_encoding == "grid":
            la["encoding"], la["data"] = "grid", np.asarray(m.layer(name).data).tolist()
        layers[name] = la
    images = {t.id for t in m.tiles if t.image is not None}
    tiles = [{**{k: v for k, v in t.items() if k != "image"},
              "imageUrl": caller.url(f"/v1/maps/{rec.id}/tiles/{t['id']}") if t["id"] in images else None}
             for t in doc["tiles"]]
    return {**map_summary(rec), "seed": m.seed, "cellSize": doc["cellSize"], "tiles": tiles, "layers": layers,
            "properties": m.properties, "historyLength": len(m.history)}


@presenter("map_edit")
def map_edit_json(job: Job, url) -> dict[str, Any]:
    """An AI edit: status, and once completed the new version, the operations applied and the cell diff."""
    res = job.result or {}
    out = {**common(job), "mapId": job.parent_id, "prompt": (job.request or {}).get("prompt")}
    out.update({k: res[k] for k in ("version", "operations", "summary", "diff", "diffTruncated") if k in res})
    return out


# ------------------------------------------------------------------------------------------------- maps
def create_map(caller: Caller, body: MapBody) -> dict[str, Any]:
    """Generate a map now (procedural, CPU) and store it as version 1."""
    engine = caller.state.engine()
    check_pack(engine, body.tile_pack)
    m = engine.create_map(body.name, projection=body.projection, width=body.width, height=body.height,
                          tile_pack=body.tile_pack, seed=body.seed)
    now = utcnow()
    rec = MapRecord(id=new_id("map"), key_id=caller.key.id, name=m.name, projection=m.projection, width=m.width,
                    height=m.height, version=1, tile_pack=m.tile_pack, created_at=now, updated_at=now)
    m.id, m.version = rec.id, 1
    folder = map_folder(caller.settings, rec.id)
    try:
        m.save(folder / "v1")
        with caller.db.session() as s, s.begin():
            s.add(rec)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return {**map_summary(rec), "seed": m.seed}


def check_pack(engine: Any, pack_id: str | None) -> None:
    """400 naming ``tilePack`` unless it is a built-in pack."""
    from ...tiles.packs import pack_specs

    packs = list(pack_specs(engine.config.config_dir))
    if pack_id is not None and pack_id not in packs:
        raise invalid("tilePack", f"must be one of {', '.join(packs)} (custom tiles are not usable in maps yet)",
                      pack_id)


def list_maps(caller: Caller) -> list[dict[str, Any]]:
    with caller.db.session() as s:
        rows = list(s.scalars(select(MapRecord).where(MapRecord.key_id == caller.key.id,
                                                      MapRecord.deleted.is_(False))
                              .order_by(MapRecord.created_at, MapRecord.id)))
    return [map_summary(r) for r in rows]


def get_map(caller: Caller, map_id: str, layer_encoding: str = "grid") -> dict[str, Any]:
    rec = get_record(caller.db, caller.key.id, map_id)
    return map_json(caller, rec, load_latest(caller.settings, rec), layer_encoding)


def patch_map(caller: Caller, map_id: str, body: MapPatchBody) -> dict[str, Any]:
    """Rename, switch tile pack (cells keep their terrain class, tiles come from the new pack; the undo
    history is dropped since its tile ids belong to the old tileset) or replace layers; any change is a new
    version. Layers are checked whole before anything is written."""
    rec = get_record(caller.db, caller.key.id, map_id)
    if body.layers is not None and body.tile_pack is not None:
        raise InvalidRequest("layers: cannot be sent with tilePack (layer tile ids refer to the current "
                             "tileset); change the pack first, then the layers", field="layers")
    m = load_latest(caller.settings, rec)
    new = m.copy()
    changed = False
    if body.tile_pack is not None and body.tile_pack != m.tile_pack:
        engine = caller.state.engine()
        check_pack(engine, body.tile_pack)
        new = retile(engine, new, body.tile_pack)
        changed = True
    if body.name is not None and body.name != m.name:
        new.name = body.name
        changed = True
    if body.layers:
        apply_layers(new, body.layers)
        new.history.append(copy.deepcopy(m.layers))
        if "collision" not in body.layers:
            recompute_collision(new)
        changed = True
    if changed:
        rec = save_new_version(caller.db, caller.settings, rec, new)
    else:
        new = m
    return map_json(caller, rec, new)


def delete_map(caller: Caller, map_id: str) -> dict[str, Any]:
    rec = get_record(caller.db, caller.key.id, map_id)
    with caller.db.session() as s, s.begin():
        s.execute(update(MapRecord).where(MapRecord.id == rec.id).values(deleted=True, updated_at=utcnow()))
    shutil.rmtree(map_folder(caller.settings, rec.id), ignore_errors=True)
    return {"id": rec.id, "deleted": True}


def preview_png(caller: Caller, map_id: str, max_side: int = 1024) -> bytes:
    rec = get_record(caller.db, caller.key.id, map_id)
    buf = io.BytesIO()
    load_latest(caller.settings, rec).preview(max_side=max_side).save(buf, format="PNG")
    return buf.getvalue()


def tile_png(caller: Caller, map_id: str, tile_id: int) -> bytes:
    """The image of tile ``tile_id`` of the map's tileset (as used in exports)."""
    rec = get_record(caller.db, caller.key.id, map_id)
    m = load_latest(caller.settings, rec)
    tile = next((t for t in m.tiles if t.id == tile_id), None)
    if tile is None or tile.image is None:
        raise NotFound(f"Map {map_id} has no tile image {tile_id}")
    buf = io.BytesIO()
    tile.image.save(buf, format="PNG")
    return buf.getvalue()


def export_map(caller: Caller, map_id: str, fmt: str, layer_encoding: str = "csv") -> tuple[bytes, str]:
    """``(zip bytes, file name)`` of the map for ``fmt`` (json | tmx | godot | unity | gamemaker)."""
    fmt = fmt.strip().lower()
    if fmt not in FORMATS:
        raise invalid("format", f"must be one of {', '.join(FORMATS)}", fmt)
    if layer_encoding not in LAYER_ENCODINGS:
        raise invalid("layerEncoding", f"must be one of {', '.join(LAYER_ENCODINGS)}", layer_encoding)
    rec = get_record(caller.db, caller.key.id, map_id)
    data = caller.state.engine().export_map(load_latest(caller.settings, rec), fmt, layer_encoding=layer_encoding)
    return data, f"{slug(rec.name)}-{fmt}.zip"


# ------------------------------------------------------------------------------------------------ edits
def start_edit(caller: Caller, map_id: str, body: MapEditBody) -> dict[str, Any]:
    """Queue an AI edit. The prompt is parsed now, so text the editor does not understand is a 400 naming
    ``prompt`` (with the supported verbs) instead of a failed job."""
    from ...maps.edit import parse_prompt

    rec = get_record(caller.db, caller.key.id, map_id)
    parse_prompt(body.prompt)
    job = caller.queue.submit(kind="map_edit", key_id=caller.key.id, request={"prompt": body.prompt},
                              cost=caller.settings.prices.get("map_edit", 0), base_url=caller.base_url,
                              parent_id=rec.id)
    return present_job(job, caller.base_url)


def get_edit(caller: Caller, map_id: str, job_id: str) -> dict[str, Any]:
    rec = get_record(caller.db, caller.key.id, map_id)
    job = caller.queue.get(caller.key.id, job_id, "map_edit", what="Map edit")
    if job.parent_id != rec.id:
        raise NotFound(f"Map edit {job_id} not found")
    return present_job(job, caller.base_url)


# ------------------------------------------------------------------------------------------- tile packs
def retile(engine: Any, m: Map, pack_id: str) -> Map:
    """``m`` drawn with ``pack_id``'s tiles: every cell keeps its terrain / decoration class."""
    from ...maps.generate import TileIndex, ensure_tiles, grid_from_map, load_vocabulary, write_grid
    from ...maps.tilesets import pack_tiledefs, render_missing_tiles

    vocab = load_vocabulary()
    grid, _ = grid_from_map(m, vocab)
    out = m.copy()
    out.tiles = ensure_tiles(pack_tiledefs(engine.tile_pack(pack_id), m.projection, (m.cell_w, m.cell_h)), vocab)
    for name in ("terrain", "decorations"):
        out.layer(name).data = np.zeros((m.height, m.width), np.int32)
    write_grid(out, grid, TileIndex.build(out.tiles, vocab), vocab)
    out.tile_pack, out.history = pack_id, []
    out.properties["generatedTiles"] = render_missing_tiles(out, engine)
    return out


def recompute_collision(m: Map) -> None:
    """The collision layer from the tiles' collision flags and the blocking entities (as edits do)."""
    from ...maps.generate import grid_from_map, load_vocabulary, write_grid

    vocab = load_vocabulary()
    grid, index = grid_from_map(m, vocab)
    write_grid(m, grid, index, vocab)


# --------------------------------------------------------------------------------------- PATCH layers
def apply_layers(m: Map, layers: dict[str, Any]) -> None:
    """Replace the named layers of ``m`` (in place) after checking every value; 400 naming the first bad one."""
    names = [la.name for la in m.layers]
    checked = {}
    for name, value in layers.items():
        if name not in names:
            raise invalid(f"layers.{name}", f"is not a layer of this map (layers: {', '.join(names)})", name)
        layer = m.layer(name)
        check = entity_list if layer.kind == "objects" else tile_grid
        checked[name] = check(value, f"layers.{name}", m)
    for name, value in checked.items():
        layer = m.layer(name)
        if layer.kind == "objects":
            layer.objects = value
        else:
            layer.data = value


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def tile_grid(value: Any, field: str, m: Map) -> np.ndarray:
    """A tile layer from ``[[id, …], …]`` (rows) or ``{"encoding": "grid" | "raw" | "rle", "data": …}``."""
    h, w, n = m.height, m.width, len(m.tiles)
    encoding, data = "grid", value
    if isinstance(value, dict):
        encoding, data = value.get("encoding", "grid"), value.get("data")
        if encoding not in ("grid", "raw", "rle"):
            raise invalid(f"{field}.encoding", "must be one of grid, raw, rle", encoding)
        field = f"{field}.data"
    if not isinstance(data, list):
        raise invalid(field, f"must be {h} rows of {w} tile ids (or an object with encoding and data)",
                      type(data).__name__)
    if encoding == "grid":
        if len(data) != h or any(not isinstance(row, list) or len(row) != w for row in data):
            raise invalid(field, f"must be {h} rows (gridHeight) of {w} tile ids (gridWidth)",
                          f"{len(data)} rows")
        flat = [v for row in data for v in row]
    elif encoding == "raw":
        if len(data) != h * w:
            raise invalid(field, f"must hold gridWidth × gridHeight = {h * w} tile ids, row-major", len(data))
        flat = data
    else:
        runs = data[1::2]
        if len(data) % 2 or not all(_is_int(r) and r >= 1 for r in runs) or sum(runs) != h * w:
            raise invalid(field, f"must be [id, run, id, run, …] with runs ≥ 1 adding up to {h * w}",
                          f"{len(data)} numbers")
        flat = [v for v, r in zip(data[0::2], runs) for _ in range(r)]
    bad = next((i for i, v in enumerate(flat) if not _is_int(v) or not 0 <= v <= n), None)
    if bad is not None:
        y, x = divmod(bad, w)
        raise invalid(f"{field}[{y}][{x}]" if encoding == "grid" else f"{field}[{bad}]",
                      f"must be a tile id 0–{n} (0 = empty, n = the map's tiles[n - 1])", flat[bad])
    return np.asarray(flat, np.int32).reshape(h, w)


def entity_list(value: Any, field: str, m: Map) -> list[MapObject]:
    """An object layer from ``[{type, x, y, name?, w?, h?, properties?, id?}, …]`` or ``{"objects": […]}``."""
    items = value.get("objects") if isinstance(value, dict) else value
    if isinstance(value, dict):
        field = f"{field}.objects"
    if not isinstance(items, list) or len(items) > 10_000:
        raise invalid(field, "must be a list of at most 10000 objects {type, x, y, …}", type(items).__name__)
    out: list[MapObject] = []
    ids: set[int] = set()
    for i, o in enumerate(items):
        f = f"{field}[{i}]"
        if not isinstance(o, dict):
            raise invalid(f, "must be an object {type, x, y, name?, w?, h?, properties?, id?}", o)
        extra = sorted(set(o) - set(ENTITY_FIELDS))
        if extra:
            raise invalid(f"{f}.{extra[0]}", f"is not an entity field ({', '.join(ENTITY_FIELDS)})", extra[0])
        kind = o.get("type")
        if not isinstance(kind, str) or not 1 <= len(kind.strip()) <= 40:
            raise invalid(f"{f}.type", "must be a string of 1–40 characters (spawn, chest, enemy, npc …)", kind)
        for k, hi in (("x", m.width), ("y", m.height)):
            if not _is_num(o.get(k)) or not 0 <= o[k] < hi:
                raise invalid(f"{f}.{k}", f"must be a number from 0 to below {hi} (cells)", o.get(k))
        for k in ("w", "h"):
            if not _is_num(o.get(k, 1.0)) or not 0 < o.get(k, 1.0) <= max(m.width, m.height):
                raise invalid(f"{f}.{k}", "must be a positive number of cells", o.get(k))
        name = o.get("name", f"{kind} {i + 1}")
        if not isinstance(name, str) or len(name) > 100:
            raise invalid(f"{f}.name", "must be a string of at most 100 characters", name)
        if not isinstance(o.get("properties", {}), dict):
            raise invalid(f"{f}.properties", "must be an object", o.get("properties"))
        oid = o.get("id")
        if oid is not None and (not _is_int(oid) or oid < 1 or oid in ids):
            raise invalid(f"{f}.id", "must be a positive integer, unique in the layer", oid)
        ids.add(oid or 0)
        out.append(MapObject(id=oid or 0, name=name, type=kind.strip(), x=float(o["x"]), y=float(o["y"]),
                             w=float(o.get("w", 1.0)), h=float(o.get("h", 1.0)),
                             properties=dict(o.get("properties", {}))))
    next_id = max(ids | {0}) + 1
    for o in out:
        if not o.id:
            o.id, next_id = next_id, next_id + 1
    return out
