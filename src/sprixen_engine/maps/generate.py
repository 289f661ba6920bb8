"""Procedural map generation: noise biomes, downhill rivers, A* roads with bridges, villages, decorations.

Everything is driven by ``configs/terrain.toml`` (terrain classes, decoration and entity kinds, biome rules,
the adjacency clean-up). The same seed gives the same map.

Internally a map is edited as a :class:`Grid` of *class codes* — ``terrain[y, x]`` indexes
``Vocabulary.terrain`` (-1 = empty, e.g. the sky of a side view), ``deco[y, x]`` indexes
``Vocabulary.decorations`` (-1 = none) — plus the entity objects and a small feature registry
(villages, rivers, lakes, roads … with their points, so edits can say "near the village").
:func:`write_grid` turns the codes into the map's tile ids (picking among tile-pack variants of one class
by a hash of the cell) and recomputes the ``collision`` layer.

Layers of a generated map (``model.LAYER_NAMES``):

``terrain``      tiles: one terrain tile per cell (0 = empty, side views' sky only)
``decorations``  tiles: trees, rocks, bushes, … (0 = none)
``entities``     objects: spawn, chest, enemy, npc, house, torch (1×1 cell each); its ``properties["features"]``
                 holds the feature registry
``collision``    tiles: the ``collision`` marker tile where the cell is blocked, else 0. Blocked = the cell's
                 terrain or decoration tile has ``TileDef.collision`` (defaults from ``collision = true`` in
                 terrain.toml) or a blocking entity (a house) stands there. Exporters only need "non-zero =
                 solid"; it is recomputed after every edit.
"""

from __future__ import annotations

import heapq
import math
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy import ndimage

from ..config import config_dir, read_toml
from ..errors import invalid
from .model import CELL_SIZE, PROJECTIONS, Layer, Map, MapObject, TileDef

MIN_SIDE, MAX_SIDE = 4, 512
_N4 = ((0, -1), (0, 1), (-1, 0), (1, 0))   # (dx, dy)


# --------------------------------------------------------------------------------------------- vocabulary
class Vocabulary:
    """``configs/terrain.toml`` as lookup tables.

    ``terrain`` / ``decorations`` / ``entities``: class names in file order (a class code is the index).
    Per-code arrays have one extra trailing entry so that code -1 (empty / none) looks up a neutral value.
    """

    def __init__(self, data: dict[str, Any], path: Path | None = None) -> None:
        self.data = data
        self.path = path
        self.terrain: tuple[str, ...] = tuple(data["terrain"])
        self.decorations: tuple[str, ...] = tuple(data["decorations"])
        self.entities: tuple[str, ...] = tuple(data["entities"])
        names = self.terrain + self.decorations + self.entities
        if len(set(names)) != len(names):
            raise invalid("config", "terrain, decoration and entity names must be unique", str(path))
        self.info: dict[str, dict[str, Any]] = {**data["entities"], **data["decorations"], **data["terrain"]}
        self.t = {n: i for i, n in enumerate(self.terrain)}
        self.d = {n: i for i, n in enumerate(self.decorations)}
        tt, dd = data["terrain"], data["decorations"]
        self.terrain_collision = np.array([bool(tt[n].get("collision", False)) for n in self.terrain] + [False])
        self.deco_collision = np.array([bool(dd[n].get("collision", False)) for n in self.decorations] + [False])
        self.cost = np.array([float(tt[n].get("cost", 1.0)) for n in self.terrain] + [math.inf], np.float64)
        gen = data.get("generation", {})
        self.walkable = self.mask_of(gen.get("walkable", []))
        self.settle = self.mask_of(gen.get("settle_on", ["grass"]))
        self.water = self.mask_of(["water", "deep_water"])
        self.blocking_entities = {n for n, e in data["entities"].items() if e.get("collision", False)}
        self.collision_tile = data.get("collision_tile", {"name": "collision", "label": "Collision"})

    def code(self, name: str) -> int:
        """Terrain class code of ``name`` (KeyError listing the classes)."""
        try:
            return self.t[name]
        except KeyError:
            raise KeyError(f"unknown terrain {name!r}; terrain classes: {list(self.terrain)}") from None

    def deco(self, name: str) -> int:
        try:
            return self.d[name]
        except KeyError:
            raise KeyError(f"unknown decoration {name!r}; decorations: {list(self.decorations)}") from None

    def mask_of(self, names: Any) -> np.ndarray:
        """Per-terrain-code bool table (``len(terrain) + 1``, last = empty) true for ``names``."""
        out = np.zeros(len(self.terrain) + 1, bool)
        for n in names:
            out[self.code(n)] = True
        return out

    def color(self, name: str) -> tuple[int, int, int]:
        text = str(self.info.get(name, {}).get("color", "#ff00ff")).lstrip("#")
        return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


_VOCAB_CACHE: dict[str, tuple[dict[str, Any], Vocabulary]] = {}


def load_vocabulary(path: str | Path | None = None) -> Vocabulary:
    """The terrain vocabulary from ``path`` or ``<config dir>/terrain.toml`` (cached until the file changes)."""
    p = Path(path) if path is not None else config_dir() / "terrain.toml"
    data = read_toml(p)
    hit = _VOCAB_CACHE.get(str(p))
    if hit is not None and hit[0] is data:
        return hit[1]
    vocab = Vocabulary(data, p)
    _VOCAB_CACHE[str(p)] = (data, vocab)
    return vocab


# ----------------------------------------------------------------------------------------------- tileset
def _norm(text: str) -> str:
    return text.strip().lower().replace(" ", "_").replace("-", "_")


def tile_class(tile: TileDef, vocab: Vocabulary) -> tuple[str, str] | None:
    """``("terrain" | "decoration" | "collision", class name)`` a tile stands for, or ``None``.

    Matched on the tile's ``properties["layer"]`` when given, then its terrain, then its name, against the class
    names and their material names (``"cobblestone"`` → road).
    """
    if tile.name == vocab.collision_tile.get("name", "collision"):
        return ("collision", tile.name)
    layer = tile.properties.get("layer") if tile.properties else None
    keys = [_norm(tile.terrain), _norm(tile.name)]
    tables: list[tuple[str, dict[str, Any]]] = []
    if layer != "decorations":
        tables.append(("terrain", vocab.data["terrain"]))
    if layer != "terrain":
        tables.append(("decoration", vocab.data["decorations"]))
    for key in keys:
        for kind, table in tables:
            if key in table:
                return (kind, key)
        for kind, table in tables:
            for name, entry in table.items():
                if key == _norm(str(entry.get("material", ""))):
                    return (kind, name)
    return None


def build_tileset(tiles: list[TileDef] | None = None, vocab: Vocabulary | None = None) -> list[TileDef]:
    """The given tiles (copied; ids must be 1 … n in order) plus a plain tile (no image) for every terrain
    class, decoration and the collision marker that none of them stands for."""
    vocab = vocab or load_vocabulary()
    out: list[TileDef] = []
    for i, t in enumerate(tiles or [], start=1):
        if not isinstance(t, TileDef):
            raise invalid("tiles", "must be a list of TileDef", type(t).__name__)
        if t.id != i:
            raise invalid("tiles", f"ids must run 1 … n in order (tile {i - 1} has id {t.id})", t.name)
        out.append(replace(t, properties=dict(t.properties)))
    return ensure_tiles(out, vocab)


def ensure_tiles(tiles: list[TileDef], vocab: Vocabulary) -> list[TileDef]:
    """Append (in place) a plain tile for each class without one; returns ``tiles``."""
    covered = {tile_class(t, vocab) for t in tiles}
    for layer, table, kind in (("terrain", vocab.data["terrain"], "terrain"),
                               ("decorations", vocab.data["decorations"], "decoration")):
        for name, entry in table.items():
            if (kind, name) not in covered:
                tiles.append(TileDef(id=len(tiles) + 1, name=name, label=str(entry.get("label", name)),
                                     terrain=name, collision=bool(entry.get("collision", False)),
                                     properties={"layer": layer}))
    ct = vocab.collision_tile
    if ("collision", ct.get("name", "collision")) not in covered:
        tiles.append(TileDef(id=len(tiles) + 1, name=ct.get("name", "collision"),
                             label=str(ct.get("label", "Collision")), terrain="collision", collision=True,
                             properties={"layer": "collision"}))
    return tiles


@dataclass
class TileIndex:
    """Tile id ↔ class code tables for one tileset."""

    terrain_of: np.ndarray          # (n + 1,) tile id → terrain code, -1 for none
    deco_of: np.ndarray             # (n + 1,) tile id → decoration code, -1 for none
    terrain_ids: list[np.ndarray]   # terrain code → its tile ids (variants)
    deco_ids: list[np.ndarray]
    collision_id: int

    @classmethod
    def build(cls, tiles: list[TileDef], vocab: Vocabulary) -> TileIndex:
        n = len(tiles)
        terrain_of = np.full(n + 1, -1, np.int16)
        deco_of = np.full(n + 1, -1, np.int16)
        t_ids: list[list[int]] = [[] for _ in vocab.terrain]
        d_ids: list[list[int]] = [[] for _ in vocab.decorations]
        collision_id = 0
        for t in tiles:
            kind = tile_class(t, vocab)
            if kind is None:
                continue
            if kind[0] == "terrain":
                terrain_of[t.id] = vocab.t[kind[1]]
                t_ids[vocab.t[kind[1]]].append(t.id)
            elif kind[0] == "decoration":
                deco_of[t.id] = vocab.d[kind[1]]
                d_ids[vocab.d[kind[1]]].append(t.id)
            elif not collision_id:
                collision_id = t.id
        return cls(terrain_of, deco_of, [np.array(v, np.int32) for v in t_ids],
                   [np.array(v, np.int32) for v in d_ids], collision_id)

    def ids(self, codes: np.ndarray, ys: np.ndarray, xs: np.ndarray, *, deco: bool = False) -> np.ndarray:
        """Tile ids for class ``codes`` at cells ``(ys, xs)``: a variant picked by a hash of the cell; 0 for -1."""
        table = self.deco_ids if deco else self.terrain_ids
        out = np.zeros(codes.shape, np.int32)
        h = (xs.astype(np.int64) * 73856093) ^ (ys.astype(np.int64) * 19349663)
        for code in np.unique(codes):
            if code < 0:
                continue
            variants = table[code]
            if variants.size == 0:
                raise KeyError(f"no tile for class code {code}")
            sel = codes == code
            out[sel] = variants[h[sel] % variants.size]
        return out


# -------------------------------------------------------------------------------------------------- grid
@dataclass
class Grid:
    """A map being built or edited, as class codes (see the module docstring)."""

    terrain: np.ndarray                       # (H, W) int16 terrain codes, -1 empty
    deco: np.ndarray                          # (H, W) int16 decoration codes, -1 none
    objects: list[MapObject] = field(default_factory=list)
    features: list[dict[str, Any]] = field(default_factory=list)

    @property
    def shape(self) -> tuple[int, int]:
        return self.terrain.shape  # type: ignore[return-value]

    def next_object_id(self) -> int:
        return max((o.id for o in self.objects), default=0) + 1

    def add_object(self, kind: str, x: int, y: int, *, name: str | None = None, **props: Any) -> MapObject:
        count = sum(1 for o in self.objects if o.type == kind) + 1
        obj = MapObject(id=self.next_object_id(), name=name or f"{kind} {count}", type=kind, x=float(x),
                        y=float(y), properties=dict(props))
        self.objects.append(obj)
        return obj

    def occupied(self, kinds: set[str] | None = None) -> np.ndarray:
        """(H, W) bool: cells covered by objects (of ``kinds`` when given)."""
        h, w = self.shape
        out = np.zeros((h, w), bool)
        for o in self.objects:
            if kinds is not None and o.type not in kinds:
                continue
            x0, y0 = max(0, int(math.floor(o.x))), max(0, int(math.floor(o.y)))
            x1, y1 = min(w, int(math.ceil(o.x + o.w))), min(h, int(math.ceil(o.y + o.h)))
            out[y0:y1, x0:x1] = True
        return out

    def free(self, vocab: Vocabulary) -> np.ndarray:
        """Walkable cells with no blocking decoration and no object."""
        return vocab.walkable[self.terrain] & ~vocab.deco_collision[self.deco] & ~self.occupied()

    def collision(self, vocab: Vocabulary) -> np.ndarray:
        """(H, W) bool: blocked by terrain, decoration or a blocking entity (house)."""
        return (vocab.terrain_collision[self.terrain] | vocab.deco_collision[self.deco]
                | self.occupied(vocab.blocking_entities))


def grid_from_map(m: Map, vocab: Vocabulary | None = None) -> tuple[Grid, TileIndex]:
    """Class-code view of ``m`` (objects and features copied)."""
    vocab = vocab or load_vocabulary()
    ensure_tiles(m.tiles, vocab)
    index = TileIndex.build(m.tiles, vocab)
    terrain = index.terrain_of[np.asarray(m.layer("terrain").data)]
    deco = index.deco_of[np.asarray(m.layer("decorations").data)]
    ent = m.layer("entities")
    objects = [replace(o, properties=dict(o.properties)) for o in ent.objects]
    features = [dict(f) for f in ent.properties.get("features", [])]
    return Grid(terrain.astype(np.int16), deco.astype(np.int16), objects, features), index


def write_grid(m: Map, grid: Grid, index: TileIndex, vocab: Vocabulary) -> None:
    """Write ``grid`` into ``m``'s layers in place: only cells whose class changed get new tile ids;
    entities and the feature registry are replaced; the collision layer is recomputed from the tiles'
    ``collision`` flags and the blocking entities."""
    for name, codes, table, is_deco in (("terrain", grid.terrain, index.terrain_of, False),
                                        ("decorations", grid.deco, index.deco_of, True)):
        layer = m.layer(name)
        data = np.asarray(layer.data, np.int32)
        changed = np.argwhere(table[data] != codes)
        if changed.size:
            ys, xs = changed[:, 0], changed[:, 1]
            data = data.copy()
            data[ys, xs] = index.ids(codes[ys, xs], ys, xs, deco=is_deco)
        layer.data = data
    ent = m.layer("entities")
    ent.objects = grid.objects
    ent.properties["features"] = grid.features
    # blocked = a tile whose TileDef.collision is set (the flags exporters read) or a blocking entity (house)
    solid = np.zeros(len(m.tiles) + 1, bool)
    for t in m.tiles:
        solid[t.id] = t.collision and t.id != index.collision_id
    blocked = (solid[m.layer("terrain").data] | solid[m.layer("decorations").data]
               | grid.occupied(vocab.blocking_entities))
    m.layer("collision").data = np.where(blocked, index.collision_id, 0).astype(np.int32)


# ------------------------------------------------------------------------------------------------- noise
def fractal_noise(shape: tuple[int, int], rng: np.random.Generator, *, base: float, octaves: int = 5,
                  persistence: float = 0.5) -> np.ndarray:
    """Fractal value noise, ``(H, W)`` float32 in [0, 1].

    Each octave draws its own random lattice (spacing ``base / 2**o`` cells, at least 1) with a random
    sub-cell offset and interpolates it with smoothstep — no period, no tiling. Vectorised.
    """
    h, w = shape
    total = np.zeros(shape, np.float32)
    amp, norm = 1.0, 0.0
    for o in range(octaves):
        cell = max(base / 2 ** o, 1.0)
        lat = rng.random((int(h / cell) + 3, int(w / cell) + 3), dtype=np.float32)
        oy, ox = rng.random(2)
        fy = np.arange(h) / cell + oy
        fx = np.arange(w) / cell + ox
        iy, ix = fy.astype(np.intp), fx.astype(np.intp)
        ty, tx = (fy - iy).astype(np.float32), (fx - ix).astype(np.float32)
        ty = (ty * ty * (3 - 2 * ty))[:, None]
        tx = (tx * tx * (3 - 2 * tx))[None, :]
        a, b = lat[np.ix_(iy, ix)], lat[np.ix_(iy, ix + 1)]
        c, d = lat[np.ix_(iy + 1, ix)], lat[np.ix_(iy + 1, ix + 1)]
        top = a + (b - a) * tx
        total += amp * (top + (c + (d - c) * tx - top) * ty)
        norm += amp
        amp *= persistence
    return total / norm


def rank01(a: np.ndarray) -> np.ndarray:
    """Rank-normalise to [0, 1] (a value becomes the share of cells below it)."""
    flat = a.ravel()
    out = np.empty(flat.size, np.float32)
    out[np.argsort(flat, kind="stable")] = np.linspace(0.0, 1.0, flat.size, dtype=np.float32)
    return out.reshape(a.shape)


# ---------------------------------------------------------------------------------------------- routing
def priority_flood(height: np.ndarray, outlets: np.ndarray,
                   rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Drainage tree by priority-flood (Barnes et al. 2014) from ``outlets`` (bool, e.g. sea + map edge).

    Returns ``(parent, steps)``, both ``(H*W,)`` int64: the 4-neighbour each cell drains into (-1 for outlets)
    and the number of steps from the cell to its outlet. Following
    parents from any cell reaches an outlet; depressions are crossed at their lowest spill point, so a river
    traced this way always runs downhill (on the pit-filled surface) to the sea or the edge. Ties (flats and
    filled pits) are broken by a random key from ``rng`` (else by cell order), so rivers meander across flats.
    """
    h, w = height.shape
    n = h * w
    elev = height.ravel().tolist()
    key = (rng.random(n) if rng is not None else np.arange(n) / n).tolist()
    parent = [-1] * n
    steps = [0] * n
    done = bytearray(n)
    heap = []
    for i in np.flatnonzero(outlets.ravel()).tolist():
        done[i] = 1
        heap.append((elev[i], key[i], i))
    heapq.heapify(heap)
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        e, _, i = pop(heap)
        y, x = divmod(i, w)
        for j, ok in ((i - w, y > 0), (i + w, y < h - 1), (i - 1, x > 0), (i + 1, x < w - 1)):
            if ok and not done[j]:
                done[j] = 1
                parent[j] = i
                steps[j] = steps[i] + 1
                ej = elev[j]
                push(heap, (ej if ej > e else e, key[j], j))
    return np.array(parent, np.int64), np.array(steps, np.int64)


def astar(cost: np.ndarray, start: tuple[int, int], goal: tuple[int, int]) -> list[tuple[int, int]] | None:
    """Least-cost 4-connected path from ``start`` to ``goal`` (``(x, y)`` cells) by A*.

    ``cost[y, x]`` is the price of stepping onto a cell (``inf`` = blocked); the heuristic is the Manhattan
    distance times the cheapest finite cost (admissible, so the path is optimal). Returns the cells from
    start to goal inclusive, or ``None`` when the goal cannot be reached.
    """
    h, w = cost.shape
    c = cost.ravel().tolist()
    finite = cost[np.isfinite(cost)]
    hmin = max(float(finite.min()), 1e-6) if finite.size else 1.0
    (sx, sy), (gx, gy) = start, goal
    s, g = sy * w + sx, gy * w + gx
    inf = math.inf
    dist = [inf] * (h * w)
    came = [-1] * (h * w)
    closed = bytearray(h * w)
    dist[s] = 0.0
    heap = [(hmin * (abs(sx - gx) + abs(sy - gy)), 0.0, s)]
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        _, negd, i = pop(heap)
        if i == g:
            break
        if closed[i]:
            continue
        closed[i] = 1
        d = -negd if negd else 0.0
        y, x = divmod(i, w)
        for j, ok in ((i - w, y > 0), (i + w, y < h - 1), (i - 1, x > 0), (i + 1, x < w - 1)):
            if not ok or closed[j]:
                continue
            cj = c[j]
            if cj == inf:
                continue
            nd = d + cj
            if nd < dist[j]:
                dist[j] = nd
                came[j] = i
                jy, jx = divmod(j, w)
                push(heap, (nd + hmin * (abs(jx - gx) + abs(jy - gy)), -nd, j))
    if s != g and came[g] == -1:
        return None
    path = [g]
    while path[-1] != s:
        path.append(came[path[-1]])
    path.reverse()
    return [(i % w, i // w) for i in path]


def line_cells(a: tuple[int, int], b: tuple[int, int]) -> list[tuple[int, int]]:
    """4-connected straight line of cells from ``a`` to ``b`` (inclusive)."""
    (x0, y0), (x1, y1) = a, b
    cells = [(x0, y0)]
    dx, dy = abs(x1 - x0), abs(y1 - y0)
    sx, sy = (1 if x1 > x0 else -1), (1 if y1 > y0 else -1)
    x, y, err = x0, y0, dx - dy
    while (x, y) != (x1, y1):
        if 2 * err > -dy and (2 * err >= dx or dx >= dy) and x != x1:
            err -= dy
            x += sx
        else:
            err += dx
            y += sy
        cells.append((x, y))
    return cells


def road_cost(grid: Grid, vocab: Vocabulary) -> np.ndarray:
    """Per-cell cost for road planning: terrain cost, +2 through blocking decorations (they are cleared),
    objects impassable."""
    cost = vocab.cost[grid.terrain].copy()
    cost[vocab.deco_collision[grid.deco]] += 2.0
    cost[grid.occupied()] = math.inf
    return cost


def pave(grid: Grid, vocab: Vocabulary, path: list[tuple[int, int]], *, kind: str = "road") -> dict[str, Any]:
    """Turn the cells of ``path`` into ``kind`` (road / path): water cells become bridges, roads and bridges
    already there stay, decorations on the way are cleared. Returns ``{"cells", "bridges"}``."""
    xs = np.array([p[0] for p in path])
    ys = np.array([p[1] for p in path])
    cur = grid.terrain[ys, xs]
    wet = vocab.water[cur] | (cur == vocab.code("bridge"))
    keep = np.isin(cur, [vocab.code("road"), vocab.code("bridge")])   # never downgrade a road / a bridge
    new = np.where(wet, vocab.code("bridge"), vocab.code(kind))
    grid.terrain[ys, xs] = np.where(keep & ~wet, cur, new)
    grid.deco[ys, xs] = -1
    return {"cells": len(path), "bridges": int(wet.sum())}


def lay_road(grid: Grid, vocab: Vocabulary, a: tuple[int, int], b: tuple[int, int], *, kind: str = "road",
             cost: np.ndarray | None = None) -> dict[str, Any] | None:
    """Route a ``road`` / ``path`` from ``a`` to ``b`` by A* on ``cost`` (default :func:`road_cost`) and
    :func:`pave` it. Returns ``{"cells", "bridges", "path"}`` or ``None`` when no route exists."""
    cost = road_cost(grid, vocab) if cost is None else cost.copy()
    cost[a[1], a[0]] = cost[b[1], b[0]] = 1.0
    path = astar(cost, a, b)
    if path is None:
        return None
    return {**pave(grid, vocab, path, kind=kind), "path": path}


# -------------------------------------------------------------------------------------------- clean-up
def _neighbours(a: np.ndarray, fill: int = -1) -> list[np.ndarray]:
    p = np.pad(a, 1, constant_values=fill)
    return [p[:-2, 1:-1], p[2:, 1:-1], p[1:-1, :-2], p[1:-1, 2:]]


def remove_isolated(terrain: np.ndarray, vocab: Vocabulary) -> int:
    """A cell with no 4-neighbour of its class takes the majority class of its neighbours (in place).

    Classes in ``[cleanup] keep`` are never changed. Map-edge cells count only their inside neighbours.
    Returns the number of changed cells.
    """
    keep = vocab.mask_of(vocab.data.get("cleanup", {}).get("keep", []))
    nb = _neighbours(terrain, fill=-2)
    same = np.zeros(terrain.shape, bool)
    for n in nb:
        same |= n == terrain
    iso = ~same & ~keep[terrain] & (terrain >= 0)
    if not iso.any():
        return 0
    stack = np.stack([n[iso] for n in nb], axis=1)                       # (k, 4)
    votes = (stack[:, :, None] == stack[:, None, :]).sum(-1) * (stack >= 0)
    terrain[iso] = stack[np.arange(len(stack)), votes.argmax(1)]
    return int(iso.sum())


def fix_adjacency(terrain: np.ndarray, vocab: Vocabulary) -> int:
    """Apply the ``[[cleanup.forbid]]`` rules until stable (in place); returns the number of changed cells."""
    rules = vocab.data.get("cleanup", {}).get("forbid", [])
    changed = 0
    for _ in range(8):
        step = 0
        for rule in rules:
            a = vocab.code(rule["a"])
            if not (terrain == a).any():
                continue
            if "touching" in rule:
                bad = vocab.mask_of(rule["touching"])
            else:
                bad = ~vocab.mask_of(rule["only_next_to"])
                bad[a] = False
            bad[-1] = False                                   # outside the map / empty never counts
            hit = np.zeros(terrain.shape, bool)
            for n in _neighbours(terrain):
                hit |= bad[n]
            hit &= terrain == a
            if hit.any():
                terrain[hit] = vocab.code(rule["fix"])
                step += int(hit.sum())
        changed += step
        if not step:
            break
    return changed


# ----------------------------------------------------------------------------------------------- helpers
def pick_spread(cells: np.ndarray, n: int, rng: np.random.Generator, min_dist: float,
                avoid: np.ndarray | None = None) -> list[tuple[int, int]]:
    """Up to ``n`` of ``cells`` (``(k, 2)`` as ``(y, x)``) in random order, at least ``min_dist`` apart (and from
    ``avoid`` points); the distance is halved until ``n`` are found."""
    if len(cells) == 0 or n <= 0:
        return []
    order = cells[rng.permutation(len(cells))][: max(4000, 40 * n)]
    chosen: list[tuple[int, int]] = []
    fixed = [tuple(map(int, p)) for p in (avoid if avoid is not None else [])]
    dist = float(min_dist)
    while len(chosen) < n:
        for y, x in order.tolist():
            if len(chosen) >= n:
                break
            if (y, x) in chosen:
                continue
            if all((y - py) ** 2 + (x - px) ** 2 >= dist * dist for py, px in chosen + fixed):
                chosen.append((y, x))
        if dist <= 0.5:
            break
        dist /= 2
    return chosen[:n]


def nearest_cell(mask: np.ndarray, x: float, y: float) -> tuple[int, int] | None:
    """The ``(x, y)`` of the true cell of ``mask`` nearest to ``(x, y)``, or ``None``."""
    pts = np.argwhere(mask)
    if len(pts) == 0:
        return None
    k = int(np.argmin((pts[:, 0] - y) ** 2 + (pts[:, 1] - x) ** 2))
    return int(pts[k, 1]), int(pts[k, 0])


def disc(shape: tuple[int, int], x: float, y: float, r: float) -> np.ndarray:
    h, w = shape
    yy, xx = np.ogrid[:h, :w]
    return (xx - x) ** 2 + (yy - y) ** 2 <= r * r


def blob(shape: tuple[int, int], x: float, y: float, r: float, rng: np.random.Generator,
         roughness: float = 0.45) -> np.ndarray:
    """A noisy round blob of radius ≈ ``r`` centred on ``(x, y)`` (bool ``(H, W)``), always containing the centre."""
    h, w = shape
    yy, xx = np.ogrid[:h, :w]
    d = np.sqrt((xx - x) ** 2 + (yy - y) ** 2) / max(r, 0.5)
    noise = fractal_noise(shape, rng, base=max(2.0, r * 0.8), octaves=3)
    out = d + roughness * (noise - 0.5) * 2 <= 1.0
    cy, cx = min(h - 1, max(0, int(round(y)))), min(w - 1, max(0, int(round(x))))
    out[cy, cx] = True
    lab, _ = ndimage.label(out)
    return lab == lab[cy, cx]


def place_village(grid: Grid, vocab: Vocabulary, rng: np.random.Generator, anchor: tuple[float, float], *,
                  houses: int, name: str) -> dict[str, Any] | None:
    """A village near ``anchor``: a cross of dirt-path streets, ``houses`` house objects beside them (on dirt),
    a torch at the square and one or two villagers. Returns the feature entry or ``None`` (no land)."""
    h, w = grid.shape
    free = grid.free(vocab) & vocab.settle[grid.terrain]
    centre = nearest_cell(free, *anchor)
    if centre is None:
        return None
    cx, cy = centre
    reach = int(round(2 + 1.4 * math.sqrt(houses)))
    land = vocab.walkable[grid.terrain] & ~vocab.water[grid.terrain] & ~grid.occupied()
    streets: list[tuple[int, int]] = [(cx, cy)]
    for dx, dy in _N4:
        for k in range(1, reach + 1):
            x, y = cx + dx * k, cy + dy * k
            if not (0 <= x < w and 0 <= y < h) or not land[y, x]:
                break
            streets.append((x, y))
    path_code, keep = vocab.code("path"), {vocab.code("road"), vocab.code("bridge")}
    for x, y in streets:
        if int(grid.terrain[y, x]) not in keep:
            grid.terrain[y, x] = path_code
        grid.deco[y, x] = -1
    on_street = np.zeros((h, w), bool)
    for x, y in streets:
        on_street[y, x] = True
    beside = ndimage.binary_dilation(on_street) & ~on_street
    ok = land & vocab.settle[grid.terrain] & disc((h, w), cx, cy, reach + 1.5)
    cand = np.argwhere(beside & ok)
    spots = pick_spread(cand, houses, rng, 2.0)
    if len(spots) < houses:   # a cramped spot: anywhere near the square
        more = np.argwhere(ok & ~on_street & ~beside)
        spots += pick_spread(more, houses - len(spots), rng, 2.0, avoid=np.array(spots) if spots else None)
    dirt = vocab.code("dirt")
    for y, x in spots:
        grid.terrain[y, x] = dirt
        grid.deco[y, x] = -1
        grid.add_object("house", x, y, village=name)
    grid.add_object("torch", cx, cy, village=name)
    occ = grid.occupied()
    walk = [(x, y) for x, y in streets[1:] if not occ[y, x]]
    for x, y in walk[1::3][: 1 + (houses >= 5)]:
        grid.add_object("npc", x, y, village=name)
    feature = {"kind": "village", "name": name, "x": cx, "y": cy, "radius": reach + 1,
               "points": [[int(x), int(y)] for y, x in spots] + [[cx, cy]]}
    grid.features.append(feature)
    return feature


def feature_points(points: list[tuple[int, int]], limit: int = 96) -> list[list[int]]:
    """A JSON-able, thinned copy of a feature's cells (at most ``limit`` points, ends kept)."""
    if len(points) <= limit:
        return [[int(x), int(y)] for x, y in points]
    idx = np.unique(np.linspace(0, len(points) - 1, limit).round().astype(int))
    return [[int(points[i][0]), int(points[i][1])] for i in idx]


# ------------------------------------------------------------------------------------------- generation
def _check(name: Any, projection: Any, width: Any, height: Any, biome: Any, vocab: Vocabulary) -> None:
    if not isinstance(name, str) or not name.strip():
        raise invalid("name", "must be a non-empty string", name)
    if projection not in PROJECTIONS:
        raise invalid("projectionType", f"must be one of {', '.join(PROJECTIONS)}", projection)
    for label, v in (("width", width), ("height", height)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not MIN_SIDE <= v <= MAX_SIDE:
            raise invalid(label, f"must be an integer between {MIN_SIDE} and {MAX_SIDE}", v)
    if biome is not None and biome not in vocab.data.get("biomes", {}):
        raise invalid("biome", f"must be one of {', '.join(vocab.data.get('biomes', {}))}", biome)


def _in(v: np.ndarray, rng: Any) -> np.ndarray:
    return (v >= rng[0]) & (v < rng[1])


def classify(height: np.ndarray, moisture: np.ndarray, temperature: np.ndarray, vocab: Vocabulary,
             rules: list[dict[str, Any]]) -> np.ndarray:
    """Terrain codes from the fields by the first matching rule (each rule: terrain + optional ranges)."""
    out = np.full(height.shape, vocab.code("grass"), np.int16)
    todo = np.ones(height.shape, bool)
    fields = {"height": height, "moisture": moisture, "temperature": temperature}
    for rule in rules:
        m = todo.copy()
        for key, f in fields.items():
            if key in rule:
                m &= _in(f, rule[key])
        out[m] = vocab.code(rule["terrain"])
        todo &= ~m
    return out


def _fields(shape: tuple[int, int], rng: np.random.Generator, vocab: Vocabulary,
            preset: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    gen = vocab.data.get("generation", {})
    h, w = shape
    base = max(gen.get("min_base_cells", 6), gen.get("base_scale", 0.35) * max(h, w))
    octaves, pers = int(gen.get("octaves", 5)), float(gen.get("persistence", 0.5))
    height = fractal_noise(shape, rng, base=base, octaves=octaves, persistence=pers)
    moisture = fractal_noise(shape, rng, base=base * 0.8, octaves=octaves, persistence=pers)
    if preset.get("island"):
        yy, xx = np.ogrid[:h, :w]
        r = np.sqrt(((xx - (w - 1) / 2) / (w / 2)) ** 2 + ((yy - (h - 1) / 2) / (h / 2)) ** 2)
        height = height - float(preset["island"]) * np.clip(r, 0, 1.5) ** 2
    height = np.clip(rank01(height) + float(preset.get("height", 0.0)), 0.0, 1.0)
    moisture = np.clip(rank01(moisture) + float(preset.get("moisture", 0.0)), 0.0, 1.0)
    temperature = np.full(shape, float(preset.get("temperature", 0.5)), np.float32)
    if preset.get("latitude"):
        lat = np.abs(np.arange(h) / max(h - 1, 1) - 0.5) * 2
        temperature = temperature + (0.45 - 0.9 * lat)[:, None]
    temperature = temperature - np.clip(height - 0.6, 0, None) * 0.8
    temperature = np.clip(temperature + (fractal_noise(shape, rng, base=base, octaves=3) - 0.5) * 0.1, 0, 1)
    return height.astype(np.float32), moisture.astype(np.float32), temperature.astype(np.float32)


def _rivers(grid: Grid, vocab: Vocabulary, rng: np.random.Generator, height: np.ndarray) -> None:
    gen = vocab.data.get("generation", {})
    h, w = grid.shape
    side = max(h, w)
    if min(h, w) < gen.get("river_min_side", 16):
        return
    count = int(min(gen.get("river_max", 8), max(1, round(gen.get("rivers_per_side", 0.025) * side))))
    water = vocab.water[grid.terrain] | (grid.terrain == vocab.code("ice"))
    outlets = water.copy()
    outlets[0, :] = outlets[-1, :] = outlets[:, 0] = outlets[:, -1] = True
    fine = fractal_noise(grid.shape, rng, base=4.0, octaves=2)
    parent, steps = priority_flood(height + 0.03 * fine, outlets, rng)
    lo, hi = gen.get("river_source_height", [0.62, 0.9])
    ok = _in(height, (lo, hi)) & ~water & (grid.terrain != vocab.code("lava"))
    ok[:2, :] = ok[-2:, :] = ok[:, :2] = ok[:, -2:] = False
    # sources high up with a long way to go make the rivers a designer wants: keep the longer half
    long_way = steps.reshape(h, w)
    if ok.any():
        ok &= long_way >= np.quantile(long_way[ok], 0.5)
    cand = np.argwhere(ok)
    river = np.zeros(h * w, bool)
    water_flat = water.ravel()
    min_len = max(4, side // 6)
    wide_after = int(gen.get("river_wide_after", 28))
    n_made = 0
    for sy, sx in pick_spread(cand, count * 3, rng, side / 5):
        if n_made >= count:
            break
        path, cur = [], sy * w + sx
        while True:
            if water_flat[cur] or river[cur]:
                break
            path.append(cur)
            if parent[cur] < 0:
                break
            cur = int(parent[cur])
        if len(path) < min_len:
            continue
        n_made += 1
        cells = [(i % w, i // w) for i in path]
        for k, i in enumerate(path):
            river[i] = True
            if k >= min(wide_after, max(12, len(path) // 2)) and k + 1 < len(path) and side >= 32:
                (x0, y0), (x1, y1) = cells[k], cells[k + 1]
                px, py = x0 + (y1 - y0), y0 + (x1 - x0)          # the cell to the flow's side
                if 0 <= px < w and 0 <= py < h and not water_flat[py * w + px]:
                    river[py * w + px] = True
        grid.features.append({"kind": "river", "name": f"river {n_made}", "from": list(cells[0]),
                              "to": list(cells[-1]), "length": len(cells), "points": feature_points(cells)})
    rv = river.reshape(h, w)          # lava on the way cools: the forbidden-pair rule turns its rim to stone
    grid.terrain[rv] = vocab.code("water")
    grid.deco[rv] = -1


def _villages_and_roads(grid: Grid, vocab: Vocabulary, rng: np.random.Generator) -> None:
    gen = vocab.data.get("generation", {})
    h, w = grid.shape
    side = max(h, w)
    if min(h, w) < gen.get("village_min_side", 12):
        return
    n = next((k for limit, k in gen.get("villages", [[512, 2]]) if side <= limit), 1)
    free = grid.free(vocab) & vocab.settle[grid.terrain]
    margin = max(2, min(h, w) // 8)
    free[:margin, :] = free[-margin:, :] = free[:, :margin] = free[:, -margin:] = False
    # open ground with room around it reads best; preferred classes (grass) first
    roomy = free & (ndimage.uniform_filter(free.astype(np.float32), size=5) > 0.8)
    prefer = vocab.mask_of(gen.get("settle_prefer", ["grass"]))[grid.terrain]
    cand = np.argwhere(roomy & prefer)
    if len(cand) < 8 * n:
        cand = np.argwhere(roomy) if roomy.sum() >= 8 * n else np.argwhere(free)
    sites = pick_spread(cand, n, rng, side / (n + 0.5))
    houses = int(np.clip(round(min(h, w) / 8), 3, 8))
    made = []
    for i, (y, x) in enumerate(sites, start=1):
        f = place_village(grid, vocab, rng, (x, y), houses=houses, name=f"village {i}")
        if f:
            made.append(f)
    # roads: each village joins the nearest already-joined one (a minimum spanning tree, Prim order);
    # a low-frequency noise on the cost bends them along the land instead of ruler-straight L shapes
    bend = 0.75 + 0.5 * fractal_noise((h, w), rng, base=max(4.0, side / 10), octaves=2)
    joined = made[:1]
    for f in made[1:]:
        g = min(joined, key=lambda j: (j["x"] - f["x"]) ** 2 + (j["y"] - f["y"]) ** 2)
        r = lay_road(grid, vocab, (f["x"], f["y"]), (g["x"], g["y"]), kind="road",
                     cost=road_cost(grid, vocab) * bend)
        if r:
            grid.features.append({"kind": "road", "name": f"road {len(joined)}", "from": [f["x"], f["y"]],
                                  "to": [g["x"], g["y"]], "bridges": r["bridges"],
                                  "points": feature_points(r["path"])})
        joined.append(f)


def _decorate(grid: Grid, vocab: Vocabulary, rng: np.random.Generator, temperature: np.ndarray) -> None:
    gen = vocab.data.get("generation", {})
    h, w = grid.shape
    occupied = grid.occupied()
    water = vocab.water[grid.terrain]
    dry = ndimage.distance_transform_cdt(~water, metric="taxicab") > gen.get("cactus_water_distance", 4) \
        if water.any() else np.ones((h, w), bool)
    clump = fractal_noise((h, w), rng, base=6.0, octaves=2)
    for name, entry in vocab.data["decorations"].items():
        chance = np.zeros(len(vocab.terrain) + 1, np.float32)
        for t, p in entry.get("on", {}).items():
            chance[vocab.code(t)] = p
        if not chance.any():
            continue
        p = chance[grid.terrain] * (0.4 + 1.2 * clump)
        hit = (rng.random((h, w), dtype=np.float32) < p) & (grid.deco < 0) & ~occupied
        if name == "cactus":
            hit &= dry
        if "min_temperature" in entry:
            hit &= temperature >= entry["min_temperature"]
        grid.deco[hit] = vocab.deco(name)


def _entities(grid: Grid, vocab: Vocabulary, rng: np.random.Generator) -> None:
    gen = vocab.data.get("generation", {})
    h, w = grid.shape
    free = grid.free(vocab) & ~vocab.water[grid.terrain]
    settle = free & vocab.settle[grid.terrain]
    villages = [f for f in grid.features if f["kind"] == "village"]
    anchor = (villages[0]["x"], villages[0]["y"]) if villages else ((w - 1) / 2, (h - 1) / 2)
    cells = np.argwhere(settle) if settle.any() else np.argwhere(free)
    if len(cells) == 0:
        return
    d = (cells[:, 1] - anchor[0]) ** 2 + (cells[:, 0] - anchor[1]) ** 2
    near = cells[d <= max(d.min(), 9)]
    sy, sx = near[rng.integers(len(near))]
    grid.add_object("spawn", int(sx), int(sy), name="player spawn")
    free[sy, sx] = settle[sy, sx] = False
    n_chests = int(np.clip(h * w // gen.get("chests_per_cells", 700), 1, 12))
    spawn = np.array([[sy, sx]])
    side = max(h, w)
    for y, x in pick_spread(np.argwhere(settle), n_chests, rng, side / 4, avoid=spawn):
        grid.add_object("chest", x, y)
        free[y, x] = False
    n_enemies = int(np.clip(h * w // gen.get("enemies_per_cells", 900), 0, 16))
    if n_enemies:
        away = free.copy()
        for f in villages:
            away &= ~disc((h, w), f["x"], f["y"], f["radius"] + 4)
        away &= ~disc((h, w), sx, sy, 6)
        for y, x in pick_spread(np.argwhere(away), n_enemies, rng, side / 5):
            grid.add_object("enemy", x, y)


def _side_view(grid: Grid, vocab: Vocabulary, rng: np.random.Generator, temperature: float) -> None:
    """A platformer cross-section: sky (empty) above a noisy ground line, grass / dirt / stone strata,
    ponds in basins, a few floating plank platforms; decorations stand on the surface."""
    sv = vocab.data.get("side_view", {})
    h, w = grid.shape
    lo, hi = sv.get("surface", [0.45, 0.72])
    line = fractal_noise((1, w), rng, base=max(6.0, w * 0.3), octaves=3)[0]
    line = (line - line.min()) / max(float(line.max() - line.min()), 1e-6)
    surface = np.clip(np.round(h * (lo + (hi - lo) * line)).astype(int), 1, h - 2)
    yy = np.arange(h)[:, None]
    top = "snow" if temperature < 0.2 else "sand" if temperature > 0.8 else "grass"
    t = grid.terrain
    t[:] = -1
    t[yy >= surface[None, :]] = vocab.code("stone")
    t[(yy >= surface[None, :]) & (yy < surface[None, :] + 1 + max(1, h // 12))] = vocab.code("dirt")
    t[yy == surface[None, :]] = vocab.code(top)
    level = int(round(h * sv.get("water_level", 0.66)))
    t[(yy >= level) & (yy < surface[None, :]) & (t < 0)] = vocab.code("water")
    # platforms
    n = max(1, int(w * sv.get("platforms_per_width", 0.06)))
    plank = vocab.code("bridge")
    for _ in range(n):
        length = int(rng.integers(3, 7))
        x0 = int(rng.integers(0, max(1, w - length)))
        y = int(surface[x0: x0 + length].min()) - int(rng.integers(3, 6))
        if y >= 1:
            seg = slice(x0, min(w, x0 + length))
            t[y, seg] = np.where(t[y, seg] < 0, plank, t[y, seg])
    # decorations stand on the cell above the surface
    xs = np.arange(w)
    above = surface - 1
    ok = (above >= 0) & (t[np.maximum(above, 0), xs] < 0)
    roll = rng.random(w)
    kinds = [("pine" if top == "snow" else "cactus" if top == "sand" else "tree", 0.12), ("bush", 0.1),
             ("flower" if top == "grass" else "rock", 0.08), ("rock", 0.05)]
    acc = 0.0
    for name, p in kinds:
        sel = ok & (roll >= acc) & (roll < acc + p)
        grid.deco[above[sel], xs[sel]] = vocab.deco(name)
        acc += p
    # entities: spawn at the left, chests on platforms (else the surface), enemies on the ground
    free_x = [x for x in range(w) if above[x] >= 0 and grid.deco[above[x], x] < 0 and t[above[x], x] < 0]
    if not free_x:
        return
    grid.add_object("spawn", free_x[0], int(above[free_x[0]]), name="player spawn")
    plat = np.argwhere((t == plank) & (np.roll(t, 1, axis=0) < 0))
    chests = 0
    for y, x in plat[rng.permutation(len(plat))][: max(1, w // 24)]:
        grid.add_object("chest", int(x), int(y) - 1)
        chests += 1
    rest = free_x[max(3, w // 8):]
    if not chests and rest:
        x = rest[int(rng.integers(len(rest)))]
        grid.add_object("chest", x, int(above[x]))
    n_enemies = min(len(rest), w // 16)
    occ = grid.occupied()
    for x in sorted(rng.choice(rest, size=n_enemies, replace=False).tolist()) if n_enemies else []:
        if not occ[above[x], x]:
            grid.add_object("enemy", int(x), int(above[x]))


def generate_map(name: str, *, projection: str = "isometric", width: int = 16, height: int = 16,
                 seed: int | None = 0, tiles: list[TileDef] | None = None, biome: str | None = None) -> Map:
    """Generate a map procedurally.

    Parameters
    ----------
    name : map name.
    projection : ``isometric`` | ``top_down`` | ``side_view`` | ``world`` (cell size from ``CELL_SIZE``).
    width, height : grid size in cells, 4 … 512.
    seed : the same seed gives the same map (``None``: a random seed, recorded in ``Map.seed``).
    tiles : a tileset (``TileDef`` ids 1 … n); classes it lacks get plain tiles (``image=None``).
    biome : a ``[biomes.*]`` preset of terrain.toml (default per projection: ``[projection_biome]``).

    Stages: 1. fractal value-noise height, moisture and temperature fields → biome rules → terrain;
    2. adjacency clean-up (isolated cells); 3. rivers down the priority-flood drainage tree to the sea or the
    edge; 4. villages, joined by A* roads (bridges over water); 5. forbidden-pair clean-up; 6. decorations;
    7. entities (spawn, chests, enemies); 8. tile ids and the collision layer.
    Side views are a ground cross-section instead (sky, strata, ponds, platforms).
    """
    vocab = load_vocabulary()
    # 1. check inputs
    _check(name, projection, width, height, biome, vocab)
    if seed is None:
        seed = secrets.randbelow(2 ** 31)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise invalid("seed", "must be a non-negative integer or None", seed)
    width, height, seed = int(width), int(height), int(seed)
    biome = biome or vocab.data.get("projection_biome", {}).get(projection, "temperate")
    preset = vocab.data.get("biomes", {}).get(biome, {})
    rng = np.random.default_rng([seed, 0x5EED])
    shape = (height, width)
    grid = Grid(np.full(shape, vocab.code("grass"), np.int16), np.full(shape, -1, np.int16))

    if projection == "side_view":
        _side_view(grid, vocab, rng, float(preset.get("temperature", 0.5)))
    else:
        # 2. fields and biomes
        hgt, moist, temp = _fields(shape, rng, vocab, preset)
        rules = list(preset.get("extra_rules", [])) + list(vocab.data["biome_rules"])
        grid.terrain = classify(hgt, moist, temp, vocab, rules)
        for _ in range(int(vocab.data.get("cleanup", {}).get("passes", 3))):
            if not remove_isolated(grid.terrain, vocab):
                break
        fix_adjacency(grid.terrain, vocab)
        # 3. rivers, 4. villages and roads
        _rivers(grid, vocab, rng, hgt)
        _villages_and_roads(grid, vocab, rng)
        # 5. forbidden pairs once more (rivers may have touched lava)
        fix_adjacency(grid.terrain, vocab)
        # 6. decorations, 7. entities
        _decorate(grid, vocab, rng, temp)
        _entities(grid, vocab, rng)

    # 8. the map
    tileset = build_tileset(tiles, vocab)
    index = TileIndex.build(tileset, vocab)
    cw, ch = CELL_SIZE[projection]
    m = Map(name=name, projection=projection, width=width, height=height, cell_w=cw, cell_h=ch,
            tiles=tileset, seed=seed,
            layers=[Layer("terrain", data=np.zeros(shape, np.int32)),
                    Layer("decorations", data=np.zeros(shape, np.int32)),
                    Layer("entities", kind="objects"),
                    Layer("collision", data=np.zeros(shape, np.int32), visible=False)],
            properties={"biome": biome, "generator": "sprixen-procedural-1"})
    write_grid(m, grid, index, vocab)
    return m
