"""Autotile sets (``tiles/autotile.py``): labels, seams, Tiled/Godot exports, painting.

Seam metric used below (``_seam_ok``): for a composite image and a tile boundary line, ``D(line)`` is the mean
absolute RGB difference between the two pixel rows/columns on either side of the line. A seam is fine when
``D(seam) <= max D(interior line)`` over every interior line of the two tiles, and the same holds for the
material mask (share of pixels whose A/B label flips across the line). On top of that the painted maps are
compared pixel for pixel with :func:`render_terrain`, which renders the whole map in one pass.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sprixen_engine.errors import InvalidRequest
from sprixen_engine.tiles import autotile as at

S = 32


def periodic_texture(seed: int, base: tuple[int, int, int], size: int = S, *, grain: float = 120.0,
                     levels: int | None = 6) -> np.ndarray:
    """A seamless (size-periodic) RGB texture: band-limited noise via FFT, optionally posterised."""
    rng = np.random.default_rng(seed)
    spectrum = np.fft.fft2(rng.normal(size=(size, size)))
    k2 = np.fft.fftfreq(size)[:, None] ** 2 + np.fft.fftfreq(size)[None, :] ** 2
    field = np.real(np.fft.ifft2(spectrum * np.exp(-k2 * grain)))
    field = (field - field.mean()) / field.std()
    if levels:
        field = np.round(field * levels / 3) * 3 / levels
    tint = rng.uniform(0.8, 1.2, 3)
    rgb = np.array(base, float)[None, None, :] + field[:, :, None] * 22 * tint
    return np.clip(np.round(rgb), 0, 255).astype(np.uint8)


SAND = periodic_texture(1, (214, 190, 130))
GRASS = periodic_texture(2, (78, 140, 60))


@pytest.fixture(scope="module")
def sets() -> dict[str, at.AutotileSet]:
    return {kind: at.build_autotile_set(SAND, GRASS, kind=kind, size=S, seed=7, names=("sand", "grass"))
            for kind in at.KINDS}


# ----------------------------------------------------------------------------------- helpers


def _line_stats(img: np.ndarray, mask: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Per line between neighbouring columns (axis=1) or rows (axis=0): mean |ΔRGB| and mask flip rate."""
    rgb = img[:, :, :3].astype(np.int32)
    d = np.abs(np.diff(rgb, axis=axis)).sum(axis=2).mean(axis=1 - axis)
    flips = (np.diff(mask.astype(np.int8), axis=axis) != 0).mean(axis=1 - axis)
    return d, flips


def _seam_ok(img: np.ndarray, mask: np.ndarray, axis: int, seams: list[int]) -> bool:
    """True when every seam line (index of the line after pixel ``seam - 1``) is within the interior lines."""
    d, flips = _line_stats(img, mask, axis)
    interior = np.ones(d.size, bool)
    interior[[s - 1 for s in seams]] = False
    return all(d[s - 1] <= d[interior].max() and flips[s - 1] <= flips[interior].max() for s in seams)


def _right_left_compatible(t1: dict, t2: dict) -> bool:
    g1, g2 = np.array(t1["grid"]), np.array(t2["grid"])
    cells = [0, 2] if "edges" not in t1 else [0, 1, 2]
    return all(g1[r, 2] == g2[r, 0] for r in cells)


def _bottom_top_compatible(t1: dict, t2: dict) -> bool:
    g1, g2 = np.array(t1["grid"]), np.array(t2["grid"])
    cells = [0, 2] if "edges" not in t1 else [0, 1, 2]
    return all(g1[2, c] == g2[0, c] for c in cells)


def _wangtiles_from_tsx(text: str) -> dict[tuple[int, ...], int]:
    """wangid → tile id, read from the TSX alone."""
    root = ET.fromstring(text)
    out: dict[tuple[int, ...], int] = {}
    for wt in root.iter("wangtile"):
        key = tuple(int(v) for v in wt.get("wangid").split(","))
        assert key not in out, f"two tiles share wangid {key}"
        out[key] = int(wt.get("tileid"))
    return out


def _crop(atlas: np.ndarray, tile_id: int, columns: int, tw: int, th: int) -> np.ndarray:
    y, x = divmod(tile_id, columns)
    return atlas[y * th:(y + 1) * th, x * tw:(x + 1) * tw]


def _corner_wangid(tl: int, tr: int, br: int, bl: int) -> tuple[int, ...]:
    """Tiled order top, top-right, right, bottom-right, bottom, bottom-left, left, top-left; colours 1 (A), 2 (B)."""
    return (0, tr + 1, 0, br + 1, 0, bl + 1, 0, tl + 1)


def _blob_wangid(cells: np.ndarray, i: int, j: int) -> tuple[int, ...]:
    """Mixed wangid of cell (i, j) of a padded boolean A-map: edge A iff both cells A, corner A iff all four."""
    c = cells[i:i + 3, j:j + 3]  # padded, so (i, j) is the centre at c[1, 1]

    def lab(ok: bool) -> int:
        return 1 if ok else 2

    me = c[1, 1]
    top, right, bottom, left = me & c[0, 1], me & c[1, 2], me & c[2, 1], me & c[1, 0]
    tr = top & right & c[0, 2]
    br = bottom & right & c[2, 2]
    bl = bottom & left & c[2, 0]
    tl = top & left & c[0, 0]
    return tuple(lab(v) for v in (top, tr, right, br, bottom, bl, left, tl))


def _grid_from_wangid(wangid: tuple[int, ...], kind: str) -> np.ndarray:
    """The 3×3 label grid a painted cell must show (0 = A, 1 = B)."""
    g = np.full((3, 3), 2, np.int8)
    slots = ((0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0), (0, 0))
    for v, cell in zip(wangid, slots):
        if v:
            g[cell] = v - 1
    if kind == "wang16":
        n_a = int((g[[0, 0, 2, 2], [0, 2, 0, 2]] == 0).sum())
        g[1, 1] = 0 if n_a >= 2 else 1
    else:
        g[1, 1] = 0 if any(g[c] == 0 for c in ((0, 1), (1, 2), (2, 1), (1, 0))) else 1
    return g


def _smooth_random(shape: tuple[int, int], seed: int, threshold: float = 0.0) -> np.ndarray:
    from scipy import ndimage

    r = np.random.default_rng(seed).normal(size=shape)
    return ndimage.gaussian_filter(r, 1.0, mode="wrap") > threshold


# ------------------------------------------------------------------------------- label sets


def test_wang16_has_the_16_corner_combinations(sets):
    ts = sets["wang16"]
    assert len(ts.tiles) == 16 and (ts.columns, ts.rows) == (4, 4)
    assert ts.image.size == (4 * S, 4 * S) and ts.image.mode == "RGBA"
    combos = {tuple(t["corners"][k] for k in ("top_left", "top_right", "bottom_right", "bottom_left"))
              for t in ts.tiles}
    assert combos == set(itertools.product((0, 1), repeat=4))
    for t in ts.tiles:  # the documented numbering n = 1·TR + 2·BR + 4·BL + 8·TL (bit = A)
        c = t["corners"]
        n = (c["top_right"] == 0) + 2 * (c["bottom_right"] == 0) + 4 * (c["bottom_left"] == 0) + 8 * (c["top_left"] == 0)
        assert t["index"] == n == t["y"] * 4 + t["x"]


def test_blob47_has_exactly_the_47_reduced_masks(sets):
    ts = sets["blob47"]
    assert (ts.columns, ts.rows) == (12, 4) and len(ts.tiles) == 48
    blobs = [t for t in ts.tiles if t["mask"] is not None]
    fills = [t for t in ts.tiles if t["mask"] is None]
    assert len(blobs) == 47 and len(fills) == 1 and (fills[0]["x"], fills[0]["y"]) == (10, 1)
    reduced = {at.reduce_blob_mask(m) for m in range(256)}
    assert len(reduced) == 47
    assert {t["mask"] for t in blobs} == reduced
    # layout is the Godot 3x3-minimal template
    for t in blobs:
        assert at.BLOB_LAYOUT[t["y"]][t["x"]] == t["mask"]
    # the labels follow the mask: sides from N/E/S/W, corners only with both sides (the reduction rule)
    for t in blobs:
        m, e, c = t["mask"], t["edges"], t["corners"]
        assert t["center"] == 0
        assert [e["top"], e["right"], e["bottom"], e["left"]] == [0 if m & b else 1 for b in (at.N, at.E, at.S, at.W)]
        for name, bit, sides in (("top_right", at.NE, (at.N, at.E)), ("bottom_right", at.SE, (at.S, at.E)),
                                 ("bottom_left", at.SW, (at.S, at.W)), ("top_left", at.NW, (at.N, at.W))):
            assert (c[name] == 0) == bool(m & bit)
            if m & bit:
                assert m & sides[0] and m & sides[1]
    assert fills[0]["center"] == 1 and set(fills[0]["corners"].values()) == {1}


@pytest.mark.parametrize("raw", range(256))
def test_blob_mask_reduction_rule(raw):
    nb = np.zeros((3, 3), bool)
    nb[1, 1] = True
    for bit, cell in ((at.N, (0, 1)), (at.NE, (0, 2)), (at.E, (1, 2)), (at.SE, (2, 2)), (at.S, (2, 1)),
                      (at.SW, (2, 0)), (at.W, (1, 0)), (at.NW, (0, 0))):
        nb[cell] = bool(raw & bit)
    m = at.blob_mask(nb)
    assert m == at.reduce_blob_mask(raw)
    assert m & 0b01010101 == raw & 0b01010101  # sides kept
    assert at.reduce_blob_mask(m) == m


# ---------------------------------------------------------------------------------- seams


@pytest.mark.parametrize("kind", at.KINDS)
def test_every_compatible_pair_is_seamless(sets, kind):
    ts = sets[kind]
    arrays = [ts.tile_array(t["index"]) for t in ts.tiles]
    pairs = 0
    partners = {t["index"]: [0, 0] for t in ts.tiles}
    for t1, t2 in itertools.product(ts.tiles, repeat=2):
        a1, a2 = arrays[t1["index"]], arrays[t2["index"]]
        m1, m2 = ts.masks[t1["index"]], ts.masks[t2["index"]]
        if _right_left_compatible(t1, t2):
            pairs += 1
            partners[t1["index"]][0] += 1
            img, mask = np.hstack([a1, a2]), np.hstack([m1, m2])
            assert _seam_ok(img, mask, axis=1, seams=[S]), (kind, "right", t1["index"], t2["index"])
            ref = at.render_terrain(SAND, GRASS, np.array([[t1["grid"], t2["grid"]]]), kind=kind, size=S, seed=7)
            assert np.array_equal(img, ref)
        if _bottom_top_compatible(t1, t2):
            pairs += 1
            partners[t1["index"]][1] += 1
            img, mask = np.vstack([a1, a2]), np.vstack([m1, m2])
            assert _seam_ok(img, mask, axis=0, seams=[S]), (kind, "below", t1["index"], t2["index"])
    # wang16: 4 right and 4 lower partners per tile; blob47: every tile has at least one each way
    if kind == "wang16":
        assert pairs == 2 * 16 * 4
    assert all(right >= 1 and below >= 1 for right, below in partners.values())


def test_seam_metric_catches_a_wrong_neighbour(sets):
    ts = sets["wang16"]
    t_a, t_b = ts.tiles[15], ts.tiles[0]  # all A next to all B: incompatible, a straight cut
    img = np.hstack([ts.tile_array(15), ts.tile_array(0)])
    mask = np.hstack([ts.masks[15], ts.masks[0]])
    assert not _right_left_compatible(t_a, t_b)
    assert not _seam_ok(img, mask, axis=1, seams=[S])


@pytest.mark.parametrize("kind", at.KINDS)
@pytest.mark.parametrize("pixel_art", [True, False])
def test_solid_tiles_are_the_textures(kind, pixel_art):
    ts = at.build_autotile_set(SAND, GRASS, kind=kind, size=S, seed=3, pixel_art=pixel_art)
    solid = {0: None, 1: None}
    for t in ts.tiles:
        labels = set(t["corners"].values()) | set(t.get("edges", {}).values()) | {t["center"]}
        if len(labels) == 1:
            solid[labels.pop()] = t["index"]
    assert solid[0] is not None and solid[1] is not None
    assert np.array_equal(ts.tile_array(solid[0])[:, :, :3], SAND)
    assert np.array_equal(ts.tile_array(solid[1])[:, :, :3], GRASS)
    assert (np.asarray(ts.image)[:, :, 3] == 255).all()


@pytest.mark.parametrize("kind", at.KINDS)
def test_pixel_art_uses_only_texture_and_rim_colours(sets, kind):
    ts = sets[kind]
    assert ts.metadata["rim"] == 0.7  # sand is lighter than grass: a darker rim
    rim = np.clip(np.round(SAND.astype(float) * 0.7), 0, 255).astype(np.uint8)
    for t in ts.tiles:
        rgb = ts.tile_array(t["index"])[:, :, :3]
        mask = ts.masks[t["index"]]
        is_a = (rgb == SAND).all(-1)
        is_b = (rgb == GRASS).all(-1)
        is_rim = (rgb == rim).all(-1)
        assert (is_a | is_b | is_rim).all()
        assert not (~mask & ~is_b).any()  # B pixels are plain texture B
        # rim pixels are A pixels touching B
        padded = np.pad(mask, 1, mode="edge")
        interior = padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
        assert not (is_rim & ~is_a & interior).any()


def test_boundaries_are_organic_not_straight(sets):
    """The A/B boundary of a half tile is not a straight line along the tile's middle."""
    ts = sets["wang16"]
    half = next(t for t in ts.tiles if t["corners"] == {"top_left": 0, "top_right": 1, "bottom_right": 1,
                                                        "bottom_left": 0})
    mask = ts.masks[half["index"]]
    extent = mask.sum(axis=1)  # A width per row
    assert extent.min() < S // 2 - 1 < S // 2 + 1 < extent.max()
    assert (np.diff(extent) != 0).sum() >= 4


def test_same_seed_same_bytes_and_seed_changes_shapes():
    a = at.build_autotile_set(SAND, GRASS, kind="blob47", size=16, seed=11)
    b = at.build_autotile_set(SAND, GRASS, kind="blob47", size=16, seed=11)
    c = at.build_autotile_set(SAND, GRASS, kind="blob47", size=16, seed=12)
    assert a.image.tobytes() == b.image.tobytes()
    assert a.image.tobytes() != c.image.tobytes()
    assert a.metadata["seed"] == 11
    d = at.build_autotile_set(SAND, GRASS, kind="wang16", size=16, seed=None)
    assert isinstance(d.metadata["seed"], int)


def test_textures_of_other_sizes_are_resampled_periodically():
    big = periodic_texture(5, (200, 180, 120), 64)
    ts = at.build_autotile_set(big, GRASS, kind="wang16", size=S, seed=1)
    full_a = ts.tile_array(15)[:, :, :3]
    assert full_a.shape == (S, S, 3)
    assert np.array_equal(full_a, big[1::2, 1::2])  # nearest texel to each pixel centre


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"kind": "wang48"}, "kind"), ({"view": "side"}, "view"), ({"size": 33}, "size"), ({"size": 4}, "size"),
    ({"seed": -1}, "seed"), ({"names": ("a", "a")}, "names"), ({"names": ("a",)}, "names"),
    ({"pixel_art": "yes"}, "pixel_art"), ({"rim": 3.0}, "rim"), ({"view": "isometric", "size": 8}, "size"),
])
def test_invalid_arguments_name_the_parameter(kwargs, field):
    with pytest.raises(InvalidRequest, match=field):
        at.build_autotile_set(SAND, GRASS, **kwargs)


def test_invalid_textures():
    with pytest.raises(InvalidRequest, match="texture_a"):
        at.build_autotile_set(SAND.astype(np.float32), GRASS)
    with pytest.raises(InvalidRequest, match="texture_b"):
        at.build_autotile_set(SAND, GRASS[:, :, 0])
    with pytest.raises(InvalidRequest, match="texture_a"):
        at.build_autotile_set([[1]], GRASS)


# ---------------------------------------------------------------------------------- Tiled


@pytest.mark.parametrize("kind", at.KINDS)
def test_tsx_is_valid_xml_with_the_wang_set(sets, kind):
    ts = sets[kind]
    root = ET.fromstring(ts.tiled_tsx("sand_grass.png"))
    assert root.tag == "tileset"
    assert (root.get("tilewidth"), root.get("tileheight")) == (str(S), str(S))
    assert int(root.get("tilecount")) == len(ts.tiles) and int(root.get("columns")) == ts.columns
    image = root.find("image")
    assert image.get("source") == "sand_grass.png"
    assert (int(image.get("width")), int(image.get("height"))) == ts.image.size
    assert [child.tag for child in root] == ["image", "wangsets"]  # Tiled's writer order
    (wangset,) = root.find("wangsets")
    assert wangset.get("type") == ("corner" if kind == "wang16" else "mixed") and wangset.get("tile") == "-1"
    colors = wangset.findall("wangcolor")
    assert [c.get("name") for c in colors] == ["sand", "grass"]
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c.get("color")) for c in colors)
    assert all(set(c.keys()) == {"name", "color", "tile", "probability"} for c in colors)
    tiles = wangset.findall("wangtile")
    assert len(tiles) == (16 if kind == "wang16" else 47)  # blob47: all but the isolated blob


@pytest.mark.parametrize("kind", at.KINDS)
def test_tsx_wangids_reproduce_the_labels(sets, kind):
    ts = sets[kind]
    by_id = {t["index"]: t for t in ts.tiles}
    wangtiles = _wangtiles_from_tsx(ts.tiled_tsx())
    for wangid, tile_id in wangtiles.items():
        t = by_id[tile_id]
        c = t["corners"]
        corners = (c["top_right"] + 1, c["bottom_right"] + 1, c["bottom_left"] + 1, c["top_left"] + 1)
        assert wangid[1::2] == corners
        if kind == "wang16":
            assert wangid[0::2] == (0, 0, 0, 0)
        else:
            e = t["edges"]
            assert wangid[0::2] == (e["top"] + 1, e["right"] + 1, e["bottom"] + 1, e["left"] + 1)
    if kind == "blob47":
        isolated = [t for t in ts.tiles if t["mask"] == 0]
        assert len(isolated) == 1 and isolated[0]["index"] not in wangtiles.values()


@pytest.mark.parametrize("kind", at.KINDS)
def test_tsx_parses_with_pytiled_parser(sets, kind, tmp_path):
    pytiled_parser = pytest.importorskip("pytiled_parser")
    ts = sets[kind]
    paths = ts.save(tmp_path, "terrain")
    tileset = pytiled_parser.parse_tileset(tmp_path / "terrain.tsx")
    assert (tileset.tile_width, tileset.tile_height, tileset.tile_count, tileset.columns) == (
        S, S, len(ts.tiles), ts.columns)
    (wang_set,) = tileset.wang_sets
    assert wang_set.wang_type == ("corner" if kind == "wang16" else "mixed")
    assert [c.name for c in wang_set.wang_colors] == ["sand", "grass"]
    ours = {tid: wid for wid, tid in _wangtiles_from_tsx(paths[1].read_text()).items()}
    theirs = wang_set.wang_tiles
    theirs = {wt.tile_id: tuple(wt.wang_id) for wt in (theirs.values() if isinstance(theirs, dict) else theirs)}
    assert theirs == ours


def _write_tmx(path: Path, tsx_name: str, gids: np.ndarray, tw: int, th: int, orientation: str) -> None:
    h, w = gids.shape
    rows = ",\n".join(",".join(str(int(g)) for g in row) for row in gids)
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<map version="1.10" tiledversion="1.10.2" orientation="{orientation}" renderorder="right-down" '
        f'width="{w}" height="{h}" tilewidth="{tw}" tileheight="{th}" infinite="0" nextlayerid="2" '
        'nextobjectid="1">\n'
        f' <tileset firstgid="1" source="{tsx_name}"/>\n'
        f' <layer id="1" name="Ground" width="{w}" height="{h}">\n  <data encoding="csv">\n{rows}\n</data>\n'
        ' </layer>\n</map>\n', encoding="utf-8")


# --------------------------------------------------------------------------------- painting


def _paint_from_tsx(tsx_text: str, atlas: np.ndarray, columns: int, tw: int, th: int,
                    wangids: list[list[tuple[int, ...]]]) -> tuple[np.ndarray, np.ndarray]:
    """Pick every cell's tile from the TSX alone and lay the tiles side by side (top-down)."""
    lut = _wangtiles_from_tsx(tsx_text)
    ids = np.array([[lut[w] for w in row] for row in wangids])
    h, w = ids.shape
    out = np.zeros((h * th, w * tw, 4), np.uint8)
    for i in range(h):
        for j in range(w):
            out[i * th:(i + 1) * th, j * tw:(j + 1) * tw] = _crop(atlas, int(ids[i, j]), columns, tw, th)
    return ids, out


def test_painting_wang16_corners_picks_the_right_tiles(sets, tmp_path):
    ts = sets["wang16"]
    ts.save(tmp_path, "w16")
    atlas = np.asarray(Image.open(tmp_path / "w16.png"))
    corners = np.where(_smooth_random((13, 13), 3), 0, 1)  # terrain per lattice point: 0 sand, 1 grass
    wangids = [[_corner_wangid(corners[i, j], corners[i, j + 1], corners[i + 1, j + 1], corners[i + 1, j])
                for j in range(12)] for i in range(12)]
    ids, painted = _paint_from_tsx((tmp_path / "w16.tsx").read_text(), atlas, 4, S, S, wangids)
    grids = np.array([[_grid_from_wangid(w, "wang16") for w in row] for row in wangids])
    reference = at.render_terrain(SAND, GRASS, grids, kind="wang16", size=S, seed=7)
    assert np.array_equal(painted, reference)  # no seam anywhere: one continuous picture
    mask = np.hstack([np.vstack([ts.masks[ids[i, j]] for i in range(12)]) for j in range(12)])
    seams = [k * S for k in range(1, 12)]
    assert _seam_ok(painted, mask, 1, seams) and _seam_ok(painted, mask, 0, seams)
    Image.fromarray(painted).resize((12 * S * 2, 12 * S * 2), Image.NEAREST).save(tmp_path / "painted.png")

    # the same map as a TMX loads with pytmx, gids pointing at the tiles we picked
    pytmx = pytest.importorskip("pytmx")
    _write_tmx(tmp_path / "map.tmx", "w16.tsx", ids + 1, S, S, "orthogonal")
    tmx = pytmx.TiledMap(str(tmp_path / "map.tmx"))
    layer = tmx.get_layer_by_name("Ground")
    for i, j in [(0, 0), (5, 7), (11, 11)]:
        gid = layer.data[i][j]
        assert tmx.tiledgidmap[gid] - 1 == ids[i, j]
    assert tmx.tilesets[0].tilecount == 16


def test_painting_blob47_cells_picks_the_right_tiles(sets, tmp_path):
    ts = sets["blob47"]
    ts.save(tmp_path, "blob")
    atlas = np.asarray(Image.open(tmp_path / "blob.png"))
    cells = _smooth_random((12, 12), 4, 0.1)  # True = sand
    cells[3, 3], cells[2:5, 2:5] = True, False
    cells[3, 3] = True  # an isolated sand cell: Tiled (no centre) paints it as grass
    padded = np.pad(cells, 1, constant_values=False)
    wangids = [[_blob_wangid(padded, i, j) for j in range(12)] for i in range(12)]
    ids, painted = _paint_from_tsx((tmp_path / "blob.tsx").read_text(), atlas, 12, S, S, wangids)
    grids = np.array([[_grid_from_wangid(w, "blob47") for w in row] for row in wangids])
    reference = at.render_terrain(SAND, GRASS, grids, kind="blob47", size=S, seed=7)
    assert np.array_equal(painted, reference)
    assert ts.tiles[ids[3, 3]]["role"] == "fill"
    mask = np.hstack([np.vstack([ts.masks[ids[i, j]] for i in range(12)]) for j in range(12)])
    seams = [k * S for k in range(1, 12)]
    assert _seam_ok(painted, mask, 1, seams) and _seam_ok(painted, mask, 0, seams)


# ---------------------------------------------------------------------------------- Godot


def _tres_tiles(text: str) -> dict[tuple[int, int, int], dict[str, int]]:
    """(x, y, alternative) → {"terrain": .., "terrain_set": .., peering bit name: terrain}."""
    tiles: dict[tuple[int, int, int], dict[str, int]] = {}
    for m in re.finditer(r"^(\d+):(\d+)/(\d+)(?:/(terrain_set|terrain|terrains_peering_bit/\w+))? = (-?\d+)$", text,
                         re.M):
        key = (int(m[1]), int(m[2]), int(m[3]))
        if m[4] is None:
            assert int(m[5]) == key[2]
            tiles[key] = {}
        else:
            tiles[key][m[4].removeprefix("terrains_peering_bit/")] = int(m[5])
    return tiles


SQUARE_BITS = {"right_side": (1, 2), "bottom_right_corner": (2, 2), "bottom_side": (2, 1),
               "bottom_left_corner": (2, 0), "left_side": (1, 0), "top_left_corner": (0, 0), "top_side": (0, 1),
               "top_right_corner": (0, 2)}


@pytest.mark.parametrize("kind", at.KINDS)
def test_tres_terrain_set(sets, kind):
    ts = sets[kind]
    text = ts.godot_tres("res://tiles/sand_grass.png")
    assert text.startswith('[gd_resource type="TileSet" load_steps=3 format=3]')
    assert '[ext_resource type="Texture2D" path="res://tiles/sand_grass.png" id="1_tex"]' in text
    assert f"texture_region_size = Vector2i({S}, {S})" in text
    assert f"tile_size = Vector2i({S}, {S})" in text and "tile_shape" not in text
    assert f"terrain_set_0/mode = {1 if kind == 'wang16' else 0}" in text
    assert 'terrain_set_0/terrain_0/name = "sand"' in text and 'terrain_set_0/terrain_1/name = "grass"' in text
    assert re.search(r"terrain_set_0/terrain_1/color = Color\([\d.]+, [\d.]+, [\d.]+, 1\)", text)
    tiles = _tres_tiles(text)
    primary = {k: v for k, v in tiles.items() if k[2] == 0}
    assert len(primary) == len(ts.tiles)
    corner_bits = {"bottom_right_corner", "bottom_left_corner", "top_left_corner", "top_right_corner"}
    bits = sum(len(v) - 2 for v in tiles.values())
    if kind == "wang16":
        assert len(tiles) == 16 + 6  # the half-and-half tiles get a second centre
        assert bits == 4 * len(tiles)
    else:
        assert len(tiles) == 48 and bits == 8 * 48
    by_xy = {(t["x"], t["y"]): t for t in ts.tiles}
    for (x, y, alt), data in tiles.items():
        t = by_xy[(x, y)]
        assert data["terrain_set"] == 0
        names = set(data) - {"terrain", "terrain_set"}
        assert names == (corner_bits if kind == "wang16" else set(SQUARE_BITS))
        for name in names:
            r, c = SQUARE_BITS[name]
            assert data[name] == t["grid"][r][c]
        if alt == 0:
            assert data["terrain"] == t["center"]
    if kind == "wang16":
        assert all(re.search(rf"^{x}:{y}/next_alternative_id = 2$", text, re.M) for (x, y, a) in tiles if a == 1)


def test_godot_painting_blob47_from_peering_bits(sets):
    """Resolve a cell map the way Godot's terrain matching does (centre + all 8 bits) from the .tres alone."""
    ts = sets["blob47"]
    tiles = _tres_tiles(ts.godot_tres())
    lut = {}
    for (x, y, _alt), data in tiles.items():
        key = (data["terrain"], *(data[n] for n in SQUARE_BITS))
        assert key not in lut
        lut[key] = (x, y)
    cells = _smooth_random((10, 10), 9, 0.0)
    padded = np.pad(cells, 1, constant_values=False)
    by_xy = {(t["x"], t["y"]): t for t in ts.tiles}
    grids = []
    for i in range(10):
        row = []
        for j in range(10):
            c = padded[i:i + 3, j:j + 3]
            me = bool(c[1, 1])
            # Godot bits: a side is A when both cells are A, a corner when all four are
            side = {(0, 1): c[0, 1], (1, 2): c[1, 2], (2, 1): c[2, 1], (1, 0): c[1, 0]}
            val = {}
            for name, (r, cc) in SQUARE_BITS.items():
                if r == 1 or cc == 1:
                    ok = me and side[(r, cc)]
                else:
                    ok = me and c[r, cc] and side[(r, 1)] and side[(1, cc)]
                val[name] = 0 if ok else 1
            key = (0 if me else 1, *(val[n] for n in SQUARE_BITS))
            row.append(by_xy[lut[key]]["grid"])
        grids.append(row)
    grids = np.array(grids)
    painted = np.vstack([np.hstack([ts.tile_array(next(t["index"] for t in ts.tiles if t["grid"] == g.tolist()))
                                    for g in row]) for row in grids])
    assert np.array_equal(painted, at.render_terrain(SAND, GRASS, grids, kind="blob47", size=S, seed=7))


# ---------------------------------------------------------------------------------- files


def test_save_writes_png_tsx_tres_json(sets, tmp_path):
    ts = sets["blob47"]
    paths = ts.save(tmp_path / "out", "sand_grass")
    assert [p.name for p in paths] == ["sand_grass.png", "sand_grass.tsx", "sand_grass.tres", "sand_grass.json"]
    assert all(p.exists() and p.stat().st_size > 0 for p in paths)
    assert Image.open(paths[0]).size == ts.image.size
    assert 'source="sand_grass.png"' in paths[1].read_text()
    assert 'path="res://sand_grass.png"' in paths[2].read_text()
    data = json.loads(paths[3].read_text())
    assert data["kind"] == "blob47" and data["terrains"] == ["sand", "grass"] and len(data["tiles"]) == 48
    assert data["tiles"][0].keys() >= {"index", "x", "y", "corners", "edges", "center", "wangid", "mask", "role"}


# ------------------------------------------------------------------------------ isometric

HAS_ISO = importlib.util.find_spec("sprixen_engine.core.isometric") is not None


@pytest.mark.skipif(not HAS_ISO, reason="core.isometric not available")
@pytest.mark.parametrize("kind", at.KINDS)
def test_isometric_tiles_and_seams(kind):
    from sprixen_engine.core import isometric as iso

    size = 16
    sand, grass = periodic_texture(1, (214, 190, 130), size), periodic_texture(2, (78, 140, 60), size)
    ts = at.build_autotile_set(sand, grass, kind=kind, view="isometric", size=size, seed=5, names=("sand", "grass"))
    assert ts.tile_size == (iso.TILE_W, iso.TILE_H) == (130, 230)
    assert ts.image.size == (130 * ts.columns, 230 * ts.rows)
    foot = iso.footprint_mask()
    for t in ts.tiles:
        assert np.array_equal(ts.tile_array(t["index"])[:, :, 3] > 0, foot)

    # paint a map with the TSX resolver, draw it at the grid steps (±65, ±33), compare to exact sampling
    h = w = 5
    if kind == "wang16":
        corners = np.where(_smooth_random((h + 1, w + 1), 1), 0, 1)
        wangids = [[_corner_wangid(corners[i, j], corners[i, j + 1], corners[i + 1, j + 1], corners[i + 1, j])
                    for j in range(w)] for i in range(h)]
    else:
        padded = np.pad(_smooth_random((h, w), 2, -0.3), 1, constant_values=False)
        wangids = [[_blob_wangid(padded, i, j) for j in range(w)] for i in range(h)]
    lut = _wangtiles_from_tsx(ts.tiled_tsx())
    grids = np.array([[_grid_from_wangid(wid, kind) for wid in row] for row in wangids])
    x0, y0 = iso.cell_origin(0, h - 1)[0], iso.cell_origin(0, 0)[1]
    canvas = np.zeros(((w + h) * 33 + 230, (w + h) * 65 + 130, 4), np.uint8)
    for i in range(h):
        for j in range(w):
            x, y = iso.cell_origin(j, i)
            tile = ts.tile_array(lut[wangids[i][j]])
            region = canvas[y - y0:y - y0 + 230, x - x0:x - x0 + 130]
            assert not (region[:, :, 3][tile[:, :, 3] > 0]).any()  # footprints never overlap
            region[tile[:, :, 3] > 0] = tile[tile[:, :, 3] > 0]
    flat = at.render_terrain(sand, grass, grids, kind=kind, size=size, seed=5)
    # exact sampling of the flat map: pixel centre → (u, v) in texels with integer arithmetic
    top_x, top_y = iso.cell_origin(0, 0)[0] - x0 + 65, iso.cell_origin(0, 0)[1] - y0 + iso.FOOT_TOP
    py, px = np.mgrid[:canvas.shape[0], :canvas.shape[1]]
    x2, y2 = 2 * px + 1 - 2 * top_x, 2 * py + 1 - 2 * top_y
    u = (size * (130 * y2 + 66 * x2)) // (2 * 8580)
    v = (size * (130 * y2 - 66 * x2)) // (2 * 8580)
    inside = (u >= 0) & (v >= 0) & (u < w * size) & (v < h * size)
    assert np.array_equal(canvas[:, :, 3] > 0, inside)  # no gaps between diamonds
    assert np.array_equal(canvas[inside], flat[v[inside], u[inside]])


@pytest.mark.skipif(not HAS_ISO, reason="core.isometric not available")
def test_isometric_exports():
    ts = at.build_autotile_set(SAND, GRASS, kind="blob47", view="isometric", size=16, seed=1, names=("sand", "grass"))
    root = ET.fromstring(ts.tiled_tsx())
    assert (root.get("tilewidth"), root.get("tileheight")) == ("130", "230")
    grid = root.find("grid")
    assert grid.attrib == {"orientation": "isometric", "width": "130", "height": "66"}
    assert [child.tag for child in root] == ["grid", "image", "wangsets"]
    text = ts.godot_tres()
    for line in ("tile_shape = 1", "tile_layout = 5", "tile_size = Vector2i(130, 66)",
                 "texture_region_size = Vector2i(130, 230)", "0:0/0/texture_origin = Vector2i(0, 82)"):
        assert line in text
    iso_bits = {"right_corner", "bottom_right_side", "bottom_corner", "bottom_left_side", "left_corner",
                "top_left_side", "top_corner", "top_right_side"}
    tiles = _tres_tiles(text)
    assert all(set(d) - {"terrain", "terrain_set"} == iso_bits for d in tiles.values())
    # the texture's top edge lies along the diamond's upper-right side
    by_xy = {(t["x"], t["y"]): t for t in ts.tiles}
    for (x, y, _), d in tiles.items():
        g = by_xy[(x, y)]["grid"]
        assert d["top_right_side"] == g[0][1] and d["top_corner"] == g[0][0] and d["right_corner"] == g[0][2]


# ------------------------------------------------------------------------ with real textures

HAS_TEXTURES = importlib.util.find_spec("sprixen_engine.tiles.textures") is not None


@pytest.mark.skipif(not HAS_TEXTURES, reason="tiles.textures not available")
@pytest.mark.parametrize(("a", "b"), [("sand", "grass"), ("water", "grass")])
def test_with_synthesized_textures(a, b):
    from sprixen_engine.tiles.textures import synthesize_texture

    size = 32
    ta = synthesize_texture(a, size=size, seed=1)
    tb = synthesize_texture(b, size=size, seed=2)
    ts = at.build_autotile_set(ta, tb, kind="wang16", size=size, seed=3, names=(a, b))
    corners = np.where(_smooth_random((7, 7), 8), 0, 1)
    lut = {tuple(t["grid"][r][c] for r, c in ((0, 0), (0, 2), (2, 2), (2, 0))): t for t in ts.tiles}
    picked = [[lut[(corners[i, j], corners[i, j + 1], corners[i + 1, j + 1], corners[i + 1, j])] for j in range(6)]
              for i in range(6)]
    painted = np.vstack([np.hstack([ts.tile_array(t["index"]) for t in row]) for row in picked])
    grids = np.array([[t["grid"] for t in row] for row in picked])
    assert np.array_equal(painted, at.render_terrain(ta, tb, grids, kind="wang16", size=size, seed=3))
    assert np.array_equal(ts.tile_array(15)[:, :, :3], ta[:, :, :3])
