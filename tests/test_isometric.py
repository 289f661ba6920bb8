"""Property tests for :mod:`sprixen_engine.core.isometric` and the :class:`~sprixen_engine.tiles.tile.Tile` files."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from PIL import Image

from sprixen_engine.core import isometric as iso
from sprixen_engine.errors import InvalidRequest
from sprixen_engine.tiles.tile import Tile

# ------------------------------------------------------------------------------------------ helpers


def periodic_noise(size: int, seed: int = 0, cutoff: float = 6.0) -> np.ndarray:
    """Seamless (wrapping) smooth noise in [0, 1]: low-pass filtered white noise via the FFT."""
    f = np.fft.fft2(np.random.default_rng(seed).normal(size=(size, size)))
    k = np.fft.fftfreq(size) * size
    n = np.real(np.fft.ifft2(f * np.exp(-(np.hypot(*np.meshgrid(k, k)) / cutoff) ** 2)))
    return (n - n.min()) / (n.max() - n.min())


def sine_texture(size: int = 32) -> np.ndarray:
    """A seamless RGB texture of sine waves with whole periods across the square."""
    yy, xx = np.mgrid[:size, :size] * (2 * np.pi / size)
    rgb = np.stack([np.sin(xx), np.sin(2 * yy + 1), np.sin(xx + yy)], axis=2)
    return np.round(127.5 + 100 * rgb).astype(np.uint8)


def coordinate_texture(size: int = 32) -> np.ndarray:
    """R = texel column, G = texel row: a projected tile shows which texel each pixel samples."""
    yy, xx = np.mgrid[:size, :size]
    return np.stack([xx, yy, np.full_like(xx, 200)], axis=2).astype(np.uint8)


def palette_texture(size: int = 32, seed: int = 0) -> np.ndarray:
    pal = np.random.default_rng(seed).integers(0, 256, (7, 3), dtype=np.uint8)
    return pal[np.clip((periodic_noise(size, seed) * 7).astype(int), 0, 6)]


def grid_canvas(tile: np.ndarray, cells: list[tuple[int, int]], *, count: bool = False):
    """Draw ``tile`` at :func:`iso.cell_origin` of each cell (back to front).

    Returns the canvas and the map-frame coordinates of its top-left. ``count=True`` sums alpha coverage
    (0/1 per tile) instead of compositing.
    """
    origins = [iso.cell_origin(x, y) for x, y in cells]
    x0, y0 = min(o[0] for o in origins), min(o[1] for o in origins)
    w = max(o[0] for o in origins) - x0 + iso.TILE_W
    h = max(o[1] for o in origins) - y0 + iso.TILE_H
    canvas = np.zeros((h, w) if count else (h, w, 4), np.int32 if count else np.uint8)
    for (px, py), _cell in sorted(zip(origins, cells), key=lambda t: sum(t[1])):
        region = canvas[py - y0:py - y0 + iso.TILE_H, px - x0:px - x0 + iso.TILE_W]
        if count:
            region += tile[:, :, 3] > 0
        else:
            opaque = tile[:, :, 3] > 0
            region[opaque] = tile[opaque]
    return canvas, (x0, y0)


def analytic_coverage(samples: int = 8) -> np.ndarray:
    """Area fraction of each pixel inside the continuous diamond |x-65|/65 + |y-197|/33 <= 1 (supersampled)."""
    offs = (np.arange(samples) + 0.5) / samples
    ys = (np.arange(iso.TILE_H)[:, None] + offs[None, :]).ravel()
    xs = (np.arange(iso.TILE_W)[:, None] + offs[None, :]).ravel()
    cx, cy = iso.FOOT_CENTER
    inside = np.abs(xs[None, :] - cx) / iso.HALF_W + np.abs(ys[:, None] - cy) / iso.HALF_H <= 1
    return inside.reshape(iso.TILE_H, samples, iso.TILE_W, samples).mean(axis=(1, 3))


# ---------------------------------------------------------------------------------------- geometry


def test_geometry_numbers():
    assert (iso.TILE_W, iso.TILE_H, iso.FOOT_W, iso.FOOT_H) == (130, 230, 130, 66)
    assert (iso.HALF_W, iso.HALF_H) == (65, 33)
    assert iso.BASELINE == 229 and iso.FOOT_TOP == 164
    assert iso.BOTTOM_VERTEX == (65, 230) and iso.FOOT_CENTER == (65, 197)
    geo = iso.geometry()
    assert geo["anchor"] == [65, 230] and geo["footprint_center"] == [65, 197]
    assert geo["footprint_center_from_image_center"] == [0, 82]
    assert geo["grid_step"] == [65, 33] and geo["baseline_row"] == 229
    json.dumps(geo)


def test_footprint_mask_shape_rows_and_symmetry():
    mask = iso.footprint_mask()
    assert mask.shape == (230, 130) and mask.dtype == bool
    assert mask.sum() == 4290  # = 130 * 66 / 2, the diamond's area
    rows = np.nonzero(mask.any(axis=1))[0]
    assert (rows[0], rows[-1]) == (iso.FOOT_TOP, iso.BASELINE)
    assert np.array_equal(mask, mask[:, ::-1])  # both top edges closed, both bottom edges open
    widths = mask.sum(axis=1)[iso.FOOT_TOP:]
    assert widths[0] == 2 and widths[-1] == 2 and widths.max() == 128
    assert np.array_equal(np.nonzero(mask[iso.BASELINE])[0], [64, 65])  # bottom vertex pixels


def test_footprint_matches_the_analytic_diamond():
    cover = analytic_coverage()
    mask = iso.footprint_mask()
    inter = cover[mask].sum()
    iou = inter / (mask.sum() + cover.sum() - inter)
    assert iou >= 0.98, iou
    assert cover.sum() == pytest.approx(4290, rel=1e-3)


def test_footprints_partition_the_plane():
    cells = [(x, y) for x in range(5) for y in range(5)]
    tile = np.zeros((iso.TILE_H, iso.TILE_W, 4), np.uint8)
    tile[:, :, 3] = iso.footprint_mask() * 255
    counts, (x0, y0) = grid_canvas(tile, cells, count=True)
    assert counts.max() == 1  # no pixel covered twice
    # every pixel whose centre lies in a footprint of the 5x5 block is covered exactly once, the rest not at all.
    # Cell of a map point: u = px / 130 + (py + 33) / 66, v = (py + 33) / 66 - px / 130, in integers (x 8580)
    i, j = np.mgrid[:counts.shape[0], :counts.shape[1]]
    px2, py2 = 2 * (x0 + j) + 1, 2 * (y0 + i) + 1
    cx, cy = (33 * px2 + 65 * (py2 + 66)) // 8580, (65 * (py2 + 66) - 33 * px2) // 8580
    expected = (cx >= 0) & (cx < 5) & (cy >= 0) & (cy < 5)
    assert np.array_equal(counts, expected)
    # cell_at (exact rationals) agrees, on the edge pixels of every footprint and on random ones
    edge = np.zeros_like(expected)
    edge[1:-1, 1:-1] = (cx[1:-1, 1:-1] != cx[:-2, 1:-1]) | (cy[1:-1, 1:-1] != cy[1:-1, 2:])
    rng = np.random.default_rng(0)
    picks = list(zip(*np.nonzero(edge))) + list(zip(rng.integers(0, counts.shape[0], 500),
                                                    rng.integers(0, counts.shape[1], 500)))
    assert len(picks) > 2000
    for a, b in picks:
        assert iso.cell_at(x0 + b + 0.5, y0 + a + 0.5) == (cx[a, b], cy[a, b])
    assert counts.sum() == 25 * 4290


@pytest.mark.parametrize("shift", [(65, 33), (-65, 33), (130, 0), (0, 66)])
def test_shifted_footprints_do_not_overlap_or_leave_gaps(shift):
    dx, dy = shift
    big = np.zeros((230 + 2 * 66 + 1, 130 + 2 * 130 + 1), np.int32)
    ox, oy = 130, 66
    mask = iso.footprint_mask().astype(np.int32)
    big[oy:oy + 230, ox:ox + 130] += mask
    big[oy + dy:oy + dy + 230, ox + dx:ox + dx + 130] += mask
    assert big.max() == 1 and big.sum() == 2 * 4290


def test_cell_origin_and_cell_at():
    assert iso.cell_origin(0, 0) == (-65, -197)
    assert iso.cell_origin(1, 0) == (0, -164)
    assert iso.cell_origin(0, 1) == (-130, -164)
    assert iso.cell_origin(3, 2) == (0, -32)
    assert iso.cell_origin(2, 5, 32, 32, layout="top_down") == (64, 160)
    for x in range(-3, 4):
        for y in range(-3, 4):
            px, py = iso.cell_origin(x, y)
            # the footprint centre and the pixels around the bottom vertex belong to the cell
            assert iso.cell_at(px + 65, py + 197) == (x, y)
            assert iso.cell_at(px + 64.5, py + 229.5) == (x, y)
            assert iso.cell_at(px + 64.5, py + 164.5) == (x, y)
    assert iso.cell_at(0.0, 33.0) == (1, 1)  # cell (0, 0)'s bottom vertex belongs to the cell below (open bottom edges)
    assert iso.cell_at(33.5, 100.5, 32, 32, layout="top_down") == (1, 3)


@pytest.mark.parametrize("bad", [{"cell_w": 13}, {"cell_h": 0}, {"layout": "hex"}])
def test_cell_origin_rejects_bad_arguments(bad):
    field = next(iter(bad))
    with pytest.raises(InvalidRequest) as exc:
        iso.cell_origin(0, 0, **bad)
    assert exc.value.field == field


# ------------------------------------------------------------------------------------------ floors


@pytest.mark.parametrize("size", [16, 32, 64, 100, 256])
@pytest.mark.parametrize("pixel_art", [True, False])
def test_floor_alpha_is_exactly_the_footprint(size, pixel_art):
    tex = np.dstack([palette_texture(size), np.full((size, size), 255, np.uint8)])
    out = iso.project_floor(tex, pixel_art=pixel_art)
    mask = iso.footprint_mask()
    assert out.shape == (230, 130, 4) and out.dtype == np.uint8
    assert np.array_equal(out[:, :, 3], mask * np.uint8(255))
    assert not out[~mask].any()


def test_nearest_adds_no_new_colours():
    tex = palette_texture(32, seed=3)
    out = iso.project_floor(tex)
    used = {tuple(c) for c in out[iso.footprint_mask()][:, :3]}
    assert used <= {tuple(c) for c in tex.reshape(-1, 3)}
    assert len(used) >= 5


def test_smooth_mode_keeps_flat_colour_and_ignores_transparent_texels():
    tex = np.zeros((32, 32, 4), np.uint8)
    tex[:, :] = (30, 160, 90, 255)
    tex[::2, ::3] = (0, 0, 0, 0)  # transparent texels with black colour must not darken the floor
    out = iso.project_floor(tex, pixel_art=False)
    inside = out[iso.footprint_mask()]
    assert np.abs(inside[:, :3].astype(int) - (30, 160, 90)).max() <= 1
    assert (inside[:, 3] == 255).all()


@pytest.mark.parametrize("size", [16, 32, 64])
def test_texture_edges_lie_on_the_documented_diamond_edges(size):
    out = iso.project_floor(coordinate_texture(size)).astype(int)
    mask = iso.footprint_mask()
    tx, ty = out[:, :, 0], out[:, :, 1]
    for i in range(iso.FOOT_TOP, iso.TILE_H):
        cols = np.nonzero(mask[i])[0]
        first, last = cols[0], cols[-1]
        if i < iso.FOOT_CENTER[1]:  # upper half: left end on the NW edge (tx = 0), right end on NE (ty = 0)
            assert tx[i, first] == 0 and ty[i, last] == 0
        else:  # lower half: left end on the SW edge (ty = S - 1), right end on SE (tx = S - 1)
            assert ty[i, first] == size - 1 and tx[i, last] == size - 1
    assert tx[mask].max() == size - 1 and ty[mask].max() == size - 1


@pytest.mark.parametrize("size", [32, 64])
def test_neighbouring_floors_continue_the_texture_exactly(size):
    """Across every shared edge of a 3x3 grid, adjacent pixels sample adjacent texels (mod S), as inside a tile."""
    cells = [(x, y) for x in range(3) for y in range(3)]
    canvas, (x0, y0) = grid_canvas(iso.project_floor(coordinate_texture(size)), cells)
    covered = canvas[:, :, 3] > 0
    t = canvas[:, :, :2].astype(int)
    cell = np.full(covered.shape + (2,), -99)
    for i, j in zip(*np.nonzero(covered)):
        cell[i, j] = iso.cell_at(x0 + j + 0.5, y0 + i + 0.5)
    crossings = 0
    for axis in (0, 1):
        a = [slice(None), slice(None)]
        b = [slice(None), slice(None)]
        a[axis], b[axis] = slice(None, -1), slice(1, None)
        both = covered[tuple(a)] & covered[tuple(b)]
        step = (t[tuple(b)] - t[tuple(a)]) % size
        step = np.minimum(step, size - step)  # texel distance on the wrapping texture
        assert step[both].max() <= 1
        crossings += (both & (cell[tuple(a)] != cell[tuple(b)]).any(axis=2)).sum()
    assert crossings > 300  # the edges were really crossed


@pytest.mark.parametrize("pixel_art", [True, False])
def test_neighbouring_floors_show_no_seam(pixel_art):
    cells = [(x, y) for x in range(3) for y in range(3)]
    canvas, (x0, y0) = grid_canvas(iso.project_floor(sine_texture(32), pixel_art=pixel_art), cells)
    covered = canvas[:, :, 3] > 0
    rgb = canvas[:, :, :3].astype(int)
    cells_at = {}
    across, within = [], []
    for i, j in zip(*np.nonzero(covered[:, :-1] & covered[:, 1:])):
        for jj in (j, j + 1):
            if (i, jj) not in cells_at:
                cells_at[i, jj] = iso.cell_at(x0 + jj + 0.5, y0 + i + 0.5)
        diff = np.abs(rgb[i, j + 1] - rgb[i, j]).max()
        (across if cells_at[i, j] != cells_at[i, j + 1] else within).append(diff)
    assert len(across) > 100
    assert max(across) <= max(within)
    if pixel_art:  # pixels are smaller than texels: compare with the inner pairs that change texel
        within = [d for d in within if d > 0]
    assert np.mean(across) <= 1.5 * np.mean(within)


# ------------------------------------------------------------------------------------------- walls


@pytest.mark.parametrize("height", [1, 40, iso.WALL_HEIGHT, iso.MAX_WALL_HEIGHT])
def test_wall_geometry(height):
    wall = iso.project_wall(palette_texture(32), height=height)
    alpha = wall[:, :, 3]
    mask = iso.footprint_mask()
    assert set(np.unique(alpha)) == {0, 255}
    rows = np.nonzero(alpha.any(axis=1))[0]
    assert rows[-1] == iso.BASELINE and rows[0] == iso.FOOT_TOP - height
    cy = iso.FOOT_CENTER[1]
    # the lower half is exactly the footprint's: a wall meets its floor neighbours like a floor does
    assert np.array_equal(alpha[cy:] > 0, mask[cy:])
    # the silhouette is the footprint swept up by `height`: top face = footprint lifted, plus the strip between
    lifted = np.zeros_like(mask)
    lifted[:iso.TILE_H - height] = mask[height:]
    assert np.array_equal(alpha > 0, (alpha > 0) | lifted) and np.array_equal(alpha[:cy - height] > 0,
                                                                               lifted[:cy - height])


def test_wall_faces_have_the_documented_shading():
    colour = np.array([200, 160, 120])
    tex = np.zeros((32, 32, 3), np.uint8)
    tex[:] = colour
    h = iso.WALL_HEIGHT
    wall = iso.project_wall(tex, height=h, edges=False)
    mask = iso.footprint_mask()
    top = np.zeros_like(mask)
    top[:iso.TILE_H - h] = mask[h:]
    solid = wall[:, :, 3] > 0
    left = solid & ~top
    left[:, 65:] = False
    right = solid & ~top
    right[:, :65] = False
    assert top.sum() == 4290 and left.sum() > 5000 and right.sum() > 5000
    for face, shade in ((top, 1.0), (left, 0.8), (right, 0.6)):
        assert (wall[face][:, :3] == np.round(colour * shade)).all()
    # with the crease line: the side pixels right under the top face are darker still
    creased = iso.project_wall(tex, height=h)
    under = np.zeros_like(top)
    under[1:] = top[:-1]
    under &= left
    assert under.sum() > 50
    assert (creased[under][:, :3] == np.round(colour * 0.8 * iso.EDGE_SHADE)).all()


@pytest.mark.parametrize("pixel_art", [True, False])
def test_textured_wall_brightness_order(pixel_art):
    tex = np.round(60 + 150 * periodic_noise(64, 5))[:, :, None].repeat(3, axis=2).astype(np.uint8)
    wall = iso.project_wall(tex, pixel_art=pixel_art).astype(float)
    lum = wall[:, :, :3].mean(axis=2)
    h = iso.WALL_HEIGHT
    top = np.zeros((230, 130), bool)
    top[:230 - h] = iso.footprint_mask()[h:]
    side = (wall[:, :, 3] > 0) & ~top
    left, right = side.copy(), side.copy()
    left[:, 65:], right[:, :65] = False, False
    assert lum[top].mean() > lum[left].mean() > lum[right].mean()


# ------------------------------------------------------------------------------------------- props


def block_sprite(w: int = 20, h: int = 30, size: int = 64) -> np.ndarray:
    """An opaque block with a 6-px foot, on a transparent (garbage-coloured) background."""
    s = np.zeros((size, size, 4), np.uint8)
    s[:, :, :3] = 77
    s[5:5 + h - 4, 10:10 + w] = (200, 40, 40, 255)
    s[5 + h - 4:5 + h, 10 + w // 2 - 3:10 + w // 2 + 3] = (90, 60, 20, 255)
    return s


def sprite_pixels(tile: np.ndarray) -> np.ndarray:
    return tile[:, :, 3] == 255


@pytest.mark.parametrize("scale", [None, 1, 2, 3])
def test_prop_stands_on_the_footprint_centre(scale):
    tile = iso.place_prop(block_sprite(), scale=scale)
    assert tile.shape == (230, 130, 4) and tile.dtype == np.uint8
    body = sprite_pixels(tile)
    k = scale or min(iso.PROP_MAX_W // 20, iso.PROP_MAX_H // 30)
    assert body.sum() == (20 * 26 + 6 * 4) * k * k  # nothing clipped
    rows = np.nonzero(body.any(axis=1))[0]
    assert rows[-1] == iso.FOOT_CENTER[1] - 1  # lowest row 196: its bottom edge on the centre (y = 197)
    foot = np.nonzero(body[rows[-1]])[0]
    assert (foot[0] + foot[-1] + 1) / 2 == iso.FOOT_CENTER[0]
    assert rows[0] == 196 - 30 * k + 1


def test_prop_contact_shadow():
    tile = iso.place_prop(block_sprite())
    soft = (tile[:, :, 3] > 0) & (tile[:, :, 3] < 255)
    assert soft.sum() > 200
    assert not (soft & ~iso.footprint_mask()).any()  # inside the footprint
    ys, xs = np.nonzero(soft)
    assert abs(xs.mean() + 0.5 - 65) < 2 and abs(ys.mean() + 0.5 - 197) < 6  # around the centre
    assert (tile[soft][:, :3] == 0).all()
    no_shadow = iso.place_prop(block_sprite(), shadow=False)
    assert set(np.unique(no_shadow[:, :, 3])) == {0, 255}
    assert not no_shadow[no_shadow[:, :, 3] == 0].any()  # clean transparent pixels


@pytest.mark.parametrize("subject, category", [("tree", "prop"), ("rock", "prop"), ("barrel", "prop"),
                                               ("torch", "item")])
def test_procedural_props_fit_without_clipping(subject, category):
    from sprixen_engine.backends.base import SpriteSpec
    from sprixen_engine.backends.procedural import ProceduralSpriteBackend

    sprite = ProceduralSpriteBackend().render(SpriteSpec(subject, category, size=(64, 64))).rgba
    tile = iso.place_prop(sprite)
    ys, xs = np.nonzero(sprite[:, :, 3] > 0)
    placed = tile[:, :, 3] > 0
    rows = np.nonzero(placed.any(axis=1))[0]
    k, rest = divmod(197 - rows[0], np.ptp(ys) + 1)  # the object's rows end at 196
    assert rest == 0 and k >= 2
    assert (sprite[:, :, 3] == 255).sum() * k * k == sprite_pixels(tile).sum()  # nothing clipped
    assert not placed[:, 0].any() and not placed[:, -1].any() and not placed[0].any()
    assert np.ptp(xs) * k < iso.PROP_MAX_W


def test_large_sprites_are_reduced_to_fit():
    big = np.zeros((300, 300, 4), np.uint8)
    big[20:290, 40:260] = (10, 120, 200, 255)
    tile = iso.place_prop(big, shadow=False)
    ys, xs = np.nonzero(tile[:, :, 3] > 0)
    assert np.ptp(xs) + 1 <= iso.PROP_MAX_W and np.ptp(ys) + 1 <= iso.PROP_MAX_H
    assert ys.max() == 196 and abs((xs.min() + xs.max() + 1) / 2 - 65) <= 0.5


# ------------------------------------------------------------------------------------------ errors


@pytest.mark.parametrize("func", [iso.project_floor, iso.project_wall])
@pytest.mark.parametrize("bad", [
    np.zeros((32, 32, 3), np.float32),          # dtype
    np.zeros((32, 32), np.uint8),               # no channel axis
    np.zeros((32, 32, 2), np.uint8),            # channels
    np.zeros((32, 48, 3), np.uint8),            # not square
    np.zeros((8, 8, 3), np.uint8),              # too small
    np.zeros((300, 300, 3), np.uint8),          # too large
    [[0, 0, 0]],                                # not an array
])
def test_bad_textures_are_rejected(func, bad):
    with pytest.raises(InvalidRequest, match="texture") as exc:
        func(bad)
    assert exc.value.field == "texture"


@pytest.mark.parametrize("height", [0, -5, iso.MAX_WALL_HEIGHT + 1, 12.5, True, "96"])
def test_wall_height_out_of_range(height):
    with pytest.raises(InvalidRequest, match="height") as exc:
        iso.project_wall(sine_texture(), height=height)
    assert exc.value.field == "height"


@pytest.mark.parametrize("kwargs, field", [
    ({"sprite": np.zeros((64, 64, 4), np.uint8)}, "sprite"),          # nothing opaque
    ({"sprite": np.zeros((64, 64, 3), np.uint8)}, "sprite"),          # no alpha
    ({"sprite": np.zeros((64, 64, 4), np.int32)}, "sprite"),
    ({"sprite": block_sprite(), "scale": 0}, "scale"),
    ({"sprite": block_sprite(), "scale": 2.0}, "scale"),
    ({"sprite": block_sprite(), "scale": 8}, "scale"),                 # would overflow the tile
    ({"sprite": block_sprite(), "shadow": "yes"}, "shadow"),
])
def test_bad_prop_arguments(kwargs, field):
    sprite = kwargs.pop("sprite")
    with pytest.raises(InvalidRequest) as exc:
        iso.place_prop(sprite, **kwargs)
    assert exc.value.field == field


def test_bad_pixel_art_flag():
    with pytest.raises(InvalidRequest) as exc:
        iso.project_floor(sine_texture(), pixel_art="yes")
    assert exc.value.field == "pixel_art"


# ------------------------------------------------------------------------------------------ timing


@pytest.mark.parametrize("size", [32, 64])
def test_floor_projection_is_fast(size, capsys):
    tex = palette_texture(size)
    iso.project_floor(tex)
    for pixel_art in (True, False):
        n = 300
        t0 = time.perf_counter()
        for _ in range(n):
            iso.project_floor(tex, pixel_art=pixel_art)
        us = (time.perf_counter() - t0) / n * 1e6
        with capsys.disabled():
            print(f"\nproject_floor S={size} pixel_art={pixel_art}: {us:.0f} us/tile")
        assert us < 1000  # target: 1,000 tiles (texture + projection) in 2 s on one core


# ------------------------------------------------------------------------------------------- Tile


def test_tile_save_and_load(tmp_path):
    tex = palette_texture(32)
    tile = Tile(id="tile_test", image=Image.fromarray(iso.project_floor(tex), "RGBA"),
                texture=Image.fromarray(tex).convert("RGBA"), label="Test Floor", projection="floor",
                collision=True, metadata={"seed": np.int64(7)})
    paths = tile.save(tmp_path / "out")
    assert [p.name for p in paths] == ["tile_test.png", "tile_test_texture.png", "tile_test.json"]
    data = json.loads(paths[2].read_text())
    assert data["geometry"]["anchor"] == [65, 230] and data["geometry"]["tile_size"] == [130, 230]
    assert data["metadata"] == {"seed": 7} and data["collision"] is True
    back = Tile.load(tmp_path / "out", "tile_test")
    assert np.array_equal(np.asarray(back.image), np.asarray(tile.image))
    assert (back.label, back.projection, back.collision) == ("Test Floor", "floor", True)


def test_tile_rejects_unknown_projection():
    img = Image.new("RGBA", (130, 230))
    with pytest.raises(InvalidRequest) as exc:
        Tile(id="t", image=img, texture=img, label="x", projection="roof")
    assert exc.value.field == "projectionType"
