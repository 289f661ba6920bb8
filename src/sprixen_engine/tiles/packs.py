"""Tile packs: the built-in packs (``configs/tile_packs.toml``), made deterministically and cached on
disk, and the custom tile library that generated tiles are added to.

Layout of the data folder (``EngineConfig.data_dir``)::

    packs/<pack id>-<content hash>/<n>_<slug>.png   built-in pack cache (rebuilt when the config changes)
    packs/<pack id>-<content hash>/pack.json
    tiles/<tile id>.png, <tile id>_texture.png, <tile id>.json, library.json   the custom library
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from ..config import read_toml
from ..errors import NotFound
from ..requests import TileRequest
from ..results import slug
from .generate import generate_tile
from .tile import Tile

CUSTOM_PACK_ID = "custom"


@dataclass
class TilePack:
    """A named set of tiles (``GET /v1/tile-packs``): ``id``, ``name``, ``is_built_in``, ``tiles``."""

    id: str
    name: str
    is_built_in: bool
    tiles: list[Tile] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The reference's shape: ``{id, name, isBuiltIn, tiles: [{id, label, ...}]}``."""
        return {"id": self.id, "name": self.name, "isBuiltIn": self.is_built_in,
                "tiles": [{"id": t.id, "label": t.label, "projection": t.projection, "collision": t.collision,
                           "terrain": t.metadata.get("terrain")} for t in self.tiles]}


def pack_specs(config_dir: Path) -> dict[str, dict[str, Any]]:
    """The built-in pack definitions, pack id → table."""
    return read_toml(config_dir / "tile_packs.toml")["packs"]


def built_in_pack(pack_id: str, *, config_dir: Path, data_dir: Path, engine: Any = None) -> TilePack:
    """Build (or read from the cache) one built-in pack. The cache key hashes the pack's entry, so
    editing ``tile_packs.toml`` rebuilds it; the same entry always gives the same pixels."""
    specs = pack_specs(config_dir)
    if pack_id not in specs:
        raise NotFound(f"tile_pack: no pack {pack_id!r}; built-in packs: {', '.join(sorted(specs))}, "
                       f"or {CUSTOM_PACK_ID!r}")
    spec = specs[pack_id]
    key = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]
    folder = data_dir / "packs" / f"{pack_id}-{key}"
    cached = _read_cached(folder, pack_id, spec)
    if cached is not None:
        return cached
    tiles = []
    for i, entry in enumerate(spec["tiles"]):
        request = TileRequest(prompt=entry["prompt"], label=entry["label"], projection=entry.get("projection", "floor"),
                              collision=bool(entry.get("collision", False)), seed=int(spec.get("seed", 0)) + i,
                              backend="procedural")
        tile = generate_tile(request, engine=engine)
        tile.id = f"{pack_id}_{i:02d}_{slug(entry['label'], sep='_')}"
        tile.metadata["terrain"] = entry.get("terrain")
        tiles.append(tile)
    pack = TilePack(id=pack_id, name=spec["name"], is_built_in=True, tiles=tiles)
    _write_cache(folder, pack)
    return pack


def _read_cached(folder: Path, pack_id: str, spec: dict[str, Any]) -> TilePack | None:
    index = folder / "pack.json"
    if not index.is_file():
        return None
    try:
        data = json.loads(index.read_text())
        tiles = [Tile(id=t["id"], image=Image.open(folder / t["image"]).convert("RGBA"),
                      texture=Image.open(folder / t["texture"]).convert("RGBA"), label=t["label"],
                      projection=t["projection"], collision=t["collision"], metadata=t["metadata"])
                 for t in data["tiles"]]
    except (OSError, ValueError, KeyError):
        return None                                     # a damaged cache is rebuilt
    return TilePack(id=pack_id, name=spec["name"], is_built_in=True, tiles=tiles)


def _write_cache(folder: Path, pack: TilePack) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for t in pack.tiles:
        t.image.save(folder / f"{t.id}.png")
        t.texture.save(folder / f"{t.id}_texture.png")
        entries.append({"id": t.id, "image": f"{t.id}.png", "texture": f"{t.id}_texture.png", "label": t.label,
                        "projection": t.projection, "collision": t.collision, "metadata": t.metadata})
    _atomic_write(folder / "pack.json", json.dumps({"id": pack.id, "name": pack.name, "tiles": entries}, indent=2))


def _atomic_write(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a crash never leaves a half-written index."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


class TileLibrary:
    """The custom tile library: generated tiles with their label and collision flag, kept in
    ``<data_dir>/tiles`` (``library.json`` lists them in the order they were added)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def index_path(self) -> Path:
        return self.root / "library.json"

    def _index(self) -> list[dict[str, Any]]:
        if not self.index_path.is_file():
            return []
        try:
            return json.loads(self.index_path.read_text())["tiles"]
        except (OSError, ValueError, KeyError):
            return []

    def add(self, tile: Tile) -> Tile:
        """Store ``tile`` (replacing an entry with the same id) and return it."""
        self.root.mkdir(parents=True, exist_ok=True)
        tile.save(self.root)
        entries = [e for e in self._index() if e["id"] != tile.id]
        entries.append({"id": tile.id, "label": tile.label, "projection": tile.projection,
                        "collision": tile.collision})
        _atomic_write(self.index_path, json.dumps({"tiles": entries}, indent=2))
        return tile

    def tiles(self) -> list[Tile]:
        """Every tile in the library, oldest first."""
        return [self.get(e["id"]) for e in self._index()]

    def get(self, tile_id: str) -> Tile:
        """One tile by id (``NotFound`` when absent)."""
        meta_path = self.root / f"{tile_id}.json"
        if not meta_path.is_file():
            raise NotFound(f"tile: no tile {tile_id!r} in the custom library")
        return Tile.load(self.root, tile_id)

    def as_pack(self) -> TilePack:
        return TilePack(id=CUSTOM_PACK_ID, name="Custom Tiles", is_built_in=False, tiles=self.tiles())
