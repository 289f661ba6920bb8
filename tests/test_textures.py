"""Seamless material textures (sprixen_engine.tiles.textures) and periodic noise (core.noise).

Seamlessness is measured, not assumed. For a texture that tiles, the pair of columns across the
wrap (last, first) is just another pair of neighbouring columns (every layout is placed at a
random offset), so its mean absolute difference ranks like any interior pair: on average in the
middle of them. A seam makes the wrap pair the most different pair (rank ~1). The test averages
the rank of the wrap pair over 16 seeds, for columns and rows separately, and asks for <= 0.8: a
seamless texture averages 0.5 with a standard deviation of about 0.07 over 16 seeds, so the bound
is 4 sigma from a false alarm (the worst material measured 0.68), while a texture cut out of a
larger one (a real seam) scores 0.91-1.0 on noise-like materials (``test_seam_metric_detects_a_seam``).
A per-image ratio such as "wrap difference <= 1.2 x the mean interior difference" fails
legitimately whenever a mortar joint or a plank end lands on the wrap (that pair is then 3-5x the
mean), so that ratio is used only for the continuous noise fields, where it is tight.
"""

from __future__ import annotations

import numpy as np
import pytest

from sprixen_engine.core import noise as pn
from sprixen_engine.errors import InvalidRequest
from sprixen_engine.tiles import textures as tx
from sprixen_engine.tiles.textures import (
    MaterialSpec,
    load_materials,
    material_color,
    palette_size,
    parse_material,
    synthesize_texture,
)

LIB = load_materials()
MATERIALS = list(LIB.materials)
REQUIRED = ["grass", "dirt", "sand", "stone", "cobblestone", "brick", "moss", "water", "lava", "snow", "ice",
            "wood_planks", "marble", "metal", "gravel", "mud"]
REQUIRED_MODIFIERS = ["mossy", "cracked", "wet", "dark", "ancient", "snowy", "frozen", "burnt", "sandy", "bloody",
                      "golden"]
COMBOS = [("mossy", "cracked"), ("snowy",), ("ancient", "cracked"), ("wet", "dark"), ("burnt",), ("bloody",),
          ("frozen",), ("sandy",), ("golden",)]


def wrap_ranks(image: np.ndarray) -> np.ndarray:
    """Rank (0..1) of the wrap pair among the neighbouring row pairs and column pairs: ``(rows, columns)``."""
    f = image[..., :3].astype(np.int32)
    ranks = []
    for axis in (0, 1):
        inner = np.abs(np.diff(f, axis=axis)).mean(axis=(1 - axis, 2))
        wrap = np.abs(np.take(f, -1, axis=axis) - np.take(f, 0, axis=axis)).mean()
        ranks.append(((inner < wrap).sum() + 0.5 * (inner == wrap).sum()) / len(inner))
    return np.array(ranks)


def mean_wrap_ranks(material: str, *, size: int, style: str = "pixel", modifiers: tuple[str, ...] = (),
                    crop: int | None = None) -> np.ndarray:
    """:func:`wrap_ranks` averaged over seeds 0-15."""
    return np.mean([wrap_ranks(synthesize_texture(material, size=size, seed=seed, style=style,
                                                  modifiers=modifiers)[:crop, :crop]) for seed in range(16)], axis=0)


def colours(image: np.ndarray) -> int:
    return len(np.unique(image[..., :3].reshape(-1, 3), axis=0))


# ------------------------------------------------------------------------------ catalogue


def test_required_materials_and_modifiers_exist():
    assert set(REQUIRED) <= set(MATERIALS)
    assert set(REQUIRED_MODIFIERS) <= set(LIB.modifiers)
    assert list(tx.MATERIALS) == MATERIALS and tx.MATERIALS["lava"] == LIB.materials["lava"]
    assert list(tx.MODIFIERS) == list(LIB.modifiers) and len(tx.MODIFIERS) == len(LIB.modifiers)


@pytest.mark.parametrize("material", MATERIALS)
def test_ramps_have_three_to_six_shades(material):
    assert 3 <= len(LIB.materials[material].ramps["base"]) <= 6


@pytest.mark.parametrize(("table", "key"), [
    ('kind = "plasma"\n[materials.goo.ramps]\nbase = ["#000000"]', r"materials\.goo\.kind"),
    ('kind = "ground"\n[materials.goo.ramps]\nbase = ["#00000"]', r"materials\.goo\.ramps\.base\[0\]"),
    ('kind = "bricks"\n[materials.goo.ramps]\nbase = ["#000000"]', r"materials\.goo\.ramps must define 'mortar'"),
])
def test_bad_config_names_the_key(tmp_path, table, key):
    (tmp_path / "materials.toml").write_text(f"[overlays.crack]\ndarken = [0.5]\n[materials.goo]\n{table}\n")
    with pytest.raises(ValueError, match=key):
        load_materials(tmp_path)


def test_minimal_config_works(tmp_path):
    (tmp_path / "materials.toml").write_text(
        '[overlays.crack]\ndarken = [0.5]\n[materials.goo]\nkind = "ground"\n'
        '[materials.goo.ramps]\nbase = ["#102030", [60, 70, 80], "#a0b0c0"]\n')
    lib = load_materials(tmp_path)
    assert list(lib.materials) == ["goo"] and lib.default == "goo"


# ------------------------------------------------------------------------------ images


@pytest.mark.parametrize("size", [16, 32, 64])
@pytest.mark.parametrize("style", ["pixel", "smooth"])
@pytest.mark.parametrize("material", MATERIALS)
def test_texture_shape_dtype_opaque_and_palette(material, style, size):
    tex = synthesize_texture(material, size=size, seed=5, style=style)
    assert tex.shape == (size, size, 4)
    assert tex.dtype == np.uint8
    assert (tex[..., 3] == 255).all()
    assert tex.flags.c_contiguous
    if style == "pixel":
        assert colours(tex) <= palette_size(material)
    assert colours(tex) >= 3  # shading, not a flat fill


@pytest.mark.parametrize("size", [16, 32, 64])
@pytest.mark.parametrize("style", ["pixel", "smooth"])
@pytest.mark.parametrize("material", MATERIALS)
def test_texture_is_seamless(material, style, size):
    ranks = mean_wrap_ranks(material, size=size, style=style)
    assert (ranks <= 0.8).all(), ranks


@pytest.mark.parametrize("modifiers", COMBOS)
@pytest.mark.parametrize("material", ["cobblestone", "brick", "grass", "wood_planks"])
def test_modified_texture_is_seamless(material, modifiers):
    ranks = mean_wrap_ranks(material, size=32, modifiers=modifiers)
    assert (ranks <= 0.8).all(), ranks


@pytest.mark.parametrize("style", ["pixel", "smooth"])
@pytest.mark.parametrize("material", ["grass", "dirt", "sand", "snow", "stone", "cobblestone", "water", "lava"])
def test_seam_metric_detects_a_seam(material, style):
    # a 45x45 crop of a 64x64 tileable texture no longer wraps: its opposite edges do not meet
    ranks = mean_wrap_ranks(material, size=64, style=style, crop=45)
    assert ranks.max() > 0.9, ranks


def test_rolled_texture_has_no_seam_where_the_edges_meet():
    tex = synthesize_texture("cobblestone", size=64, seed=3, style="smooth")
    rolled = np.roll(tex, (32, 32), axis=(0, 1))  # the old edges now run through the middle
    f = rolled[..., :3].astype(np.int32)
    middle = np.abs(f[:, 32] - f[:, 31]).mean()
    inner = np.abs(np.diff(f, axis=1)).mean(axis=(0, 2))
    assert middle <= inner.max()


@pytest.mark.parametrize("material", MATERIALS)
def test_same_seed_same_bytes_different_seed_different_layout(material):
    mods = ("mossy", "cracked")
    a = synthesize_texture(material, size=32, seed=11, modifiers=mods)
    b = synthesize_texture(material, size=32, seed=11, modifiers=mods)
    assert a.tobytes() == b.tobytes()
    c = synthesize_texture(material, size=32, seed=12, modifiers=mods)
    changed = (a[..., :3] != c[..., :3]).any(axis=2).mean()
    assert changed > 0.3, changed


def test_large_and_odd_sizes():
    for size in (17, 100, 256):
        tex = synthesize_texture("brick", size=size, seed=1, modifiers=("mossy",))
        assert tex.shape == (size, size, 4)
        assert (wrap_ranks(tex) < 1.0).all()


def test_seed_may_be_any_integer():
    a = synthesize_texture("sand", size=16, seed=-1)
    b = synthesize_texture("sand", size=16, seed=2**64 - 1)
    assert a.tobytes() == b.tobytes()
    synthesize_texture("sand", size=16, seed=np.int64(7))


def test_smooth_has_more_shades_than_pixel():
    for material in ("snow", "grass", "cobblestone"):
        pixel = synthesize_texture(material, size=64, seed=1, style="pixel")
        smooth = synthesize_texture(material, size=64, seed=1, style="smooth")
        assert colours(smooth) > 2 * colours(pixel)


# ------------------------------------------------------------------------------ modifiers


@pytest.mark.parametrize("modifier", list(LIB.modifiers))
def test_each_modifier_changes_the_texture_and_keeps_the_layout(modifier):
    plain = synthesize_texture("cobblestone", size=64, seed=4)
    modded = synthesize_texture("cobblestone", size=64, seed=4, modifiers=[modifier])
    assert modded.tobytes() != plain.tobytes()
    # modifiers are seeded apart from the material: the stones stay where they were
    lum_plain = plain[..., :3].astype(float).mean(axis=2)
    lum_mod = modded[..., :3].astype(float).mean(axis=2)
    assert np.corrcoef(lum_plain.ravel(), lum_mod.ravel())[0, 1] > 0.3


def test_pixel_palette_grows_only_by_modifier_colours():
    for mods in COMBOS:
        tex = synthesize_texture("stone", size=64, seed=2, modifiers=mods)
        assert colours(tex) <= palette_size("stone", mods)


def test_modifiers_combine_in_a_fixed_order():
    a = synthesize_texture("stone", size=32, seed=9, modifiers=("mossy", "cracked"))
    b = synthesize_texture("stone", size=32, seed=9, modifiers=["cracked", "mossy", "mossy"])
    assert a.tobytes() == b.tobytes()
    moss = synthesize_texture("stone", size=32, seed=9, modifiers=("mossy",))
    cracked = synthesize_texture("stone", size=32, seed=9, modifiers=("cracked",))
    assert a.tobytes() not in (moss.tobytes(), cracked.tobytes())


def test_modifier_synonyms_and_a_single_string():
    assert synthesize_texture("marble", size=16, modifiers=("old",)).tobytes() == synthesize_texture(
        "marble", size=16, modifiers=("ancient",)).tobytes()
    assert synthesize_texture("marble", size=16, modifiers="mossy").tobytes() == synthesize_texture(
        "marble", size=16, modifiers=["mossy"]).tobytes()


def test_dark_and_light_move_brightness():
    mean = {m: synthesize_texture("sand", size=32, seed=1, modifiers=m)[..., :3].mean() for m in ((), ("dark",),
                                                                                                   ("light",))}
    assert mean[("dark",)] < mean[()] < mean[("light",)]


def test_ancient_desaturates_and_golden_tints():
    def saturation(img):
        rgb = img[..., :3].astype(float)
        return (rgb.max(axis=2) - rgb.min(axis=2)).mean()

    brick = synthesize_texture("brick", size=32, seed=1)
    assert saturation(synthesize_texture("brick", size=32, seed=1, modifiers=("ancient",))) < saturation(brick)
    gold = synthesize_texture("metal", size=32, seed=1, modifiers=("golden",))[..., :3].reshape(-1, 3).mean(axis=0)
    assert gold[0] > gold[2] + 40  # yellow: red well above blue


def test_snowy_whitens_and_mossy_greens():
    plain = synthesize_texture("brick", size=64, seed=3)[..., :3].astype(float)
    snowy = synthesize_texture("brick", size=64, seed=3, modifiers=("snowy",))[..., :3].astype(float)
    mossy = synthesize_texture("brick", size=64, seed=3, modifiers=("mossy",))[..., :3].astype(float)
    assert (snowy.min(axis=2) > 200).mean() > (plain.min(axis=2) > 200).mean() + 0.15
    green = lambda rgb: ((rgb[..., 1] > rgb[..., 0] + 10) & (rgb[..., 1] > rgb[..., 2])).mean()  # noqa: E731
    assert green(mossy) > green(plain) + 0.1


# ------------------------------------------------------------------------------ colours


def test_material_color():
    grass = material_color("grass")
    water = material_color("water")
    lava = material_color("lava")
    assert all(isinstance(v, int) and 0 <= v <= 255 for v in (*grass, *water, *lava))
    assert grass[1] > grass[0] and grass[1] > grass[2]
    assert water[2] > water[0] and water[2] > water[1]
    assert lava[0] > lava[2]
    assert material_color("grass", modifiers=("snowy",)) != grass
    assert material_color("Wood Planks") == material_color("wood_planks")


# ------------------------------------------------------------------------------ prompts


@pytest.mark.parametrize(("prompt", "material", "modifiers"), [
    ("mossy stone floor tile", "stone", ("mossy",)),
    ("cracked ancient marble", "marble", ("cracked", "ancient")),
    ("wooden planks", "wood_planks", ()),
    ("lava", "lava", ()),
    ("Stone brick wall, old and mossy", "stone_brick", ("ancient", "mossy")),
    ("wet cobblestone road", "cobblestone", ("wet",)),
    ("snow-covered grass", "grass", ("snowy",)),
    ("Sand-stone blocks", "sandstone", ()),
    ("golden bricks", "brick", ("golden",)),
    ("charred floorboards", "wood_planks", ("burnt",)),
    ("icy stone", "stone", ("frozen",)),
    ("frozen lake", "ice", ()),
    ("cracked mossy cobblestones 32x32", "cobblestone", ("cracked", "mossy")),
])
def test_parse_material(prompt, material, modifiers):
    spec = parse_material(prompt)
    assert isinstance(spec, MaterialSpec)
    assert (spec.material, spec.modifiers) == (material, modifiers)
    assert spec.confidence >= 0.9 and spec.matched_by in ("keyword", "synonym")


def test_parse_style_hints():
    assert parse_material("16-bit lava").style == "pixel"
    assert parse_material("pixel art grass").style == "pixel"
    assert parse_material("smooth realistic water").style == "smooth"
    assert parse_material("grass").style is None


def test_parse_fallbacks_are_recorded():
    hint = parse_material("sunny beach")
    assert (hint.material, hint.matched_by, hint.matched_text) == ("sand", "hint", "beach")
    assert 0.5 <= hint.confidence < 0.9
    typo = parse_material("cobblestnoe path")
    assert (typo.material, typo.matched_by) == ("cobblestone", "spelling")
    assert 0.5 < typo.confidence < 0.9
    implied = parse_material("mossy")
    assert (implied.material, implied.modifiers, implied.matched_by) == ("moss", (), "modifier")
    gold = parse_material("gold")
    assert (gold.material, gold.modifiers) == ("metal", ("golden",))
    assert parse_material("ancinet stone").modifiers == ("ancient",)
    unknown = parse_material("xyzzy quux")
    assert (unknown.material, unknown.matched_by) == ("stone", "fallback")
    assert unknown.confidence < 0.1 and unknown.unknown_words == ("xyzzy", "quux")
    assert parse_material("").material == "stone"


def test_parse_records_other_materials_and_words():
    spec = parse_material("grass and dirt transition")
    assert spec.material == "grass" and spec.others == ("dirt",)
    assert spec.words[:2] == ("grass", "dirt")
    meta = spec.to_metadata()
    assert meta["material"] == "grass" and meta["others"] == ["dirt"]


def test_parsed_spec_drives_synthesis():
    spec = parse_material("cracked ancient marble")
    tex = synthesize_texture(spec.material, modifiers=spec.modifiers, style=spec.style or "pixel", size=32)
    assert tex.shape == (32, 32, 4)


def test_parse_rejects_non_strings():
    with pytest.raises(TypeError):
        parse_material(None)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"material": "plasma"}, "material"),
    ({"material": 3}, "material"),
    ({"size": 15}, "size"),
    ({"size": 257}, "size"),
    ({"size": 64.0}, "size"),
    ({"size": True}, "size"),
    ({"seed": "1"}, "seed"),
    ({"seed": 1.5}, "seed"),
    ({"style": "vector"}, "style"),
    ({"modifiers": ("sparkly",)}, "modifiers"),
    ({"modifiers": (3,)}, "modifiers"),
    ({"modifiers": 3}, "modifiers"),
])
def test_errors_name_the_field(kwargs, field):
    args = {"material": "grass", **kwargs}
    with pytest.raises(InvalidRequest) as info:
        synthesize_texture(args.pop("material"), **args)
    assert info.value.field == field
    assert info.value.message.startswith(f"{field}: ")


def test_unknown_material_lists_the_choices():
    with pytest.raises(InvalidRequest, match="must be one of .*cobblestone"):
        synthesize_texture("plasma")
    with pytest.raises(InvalidRequest) as info:
        material_color("plasma")
    assert info.value.field == "material"


# ------------------------------------------------------------------------------ noise kernels


def _wrap_ratio(fields: list[np.ndarray]) -> float:
    """Mean difference across the wrap over the mean difference between interior neighbours."""
    inner = np.mean([(np.abs(np.diff(f, axis=0)).mean() + np.abs(np.diff(f, axis=1)).mean()) / 2 for f in fields])
    wrap = np.mean([(np.abs(f[-1] - f[0]).mean() + np.abs(f[:, -1] - f[:, 0]).mean()) / 2 for f in fields])
    return float(wrap / inner)


@pytest.mark.parametrize("size", [16, 37, 64, 128])
def test_noise_fields_wrap(size):
    # continuous fields: the wrap pair differs like an interior pair (averaged over 20 draws)
    rng = np.random.default_rng(size)
    assert _wrap_ratio([pn.value_noise(rng, size, 5) for _ in range(20)]) <= 1.2
    assert _wrap_ratio([pn.fbm(rng, size, (3, 7), octaves=4) for _ in range(20)]) <= 1.2
    cells = [pn.voronoi(rng, size, 4, jitter=1.0) for _ in range(20)]
    assert _wrap_ratio([f1 for _, f1, _ in cells]) <= 1.2
    assert _wrap_ratio([edge for _, _, edge in cells]) <= 1.2


def test_value_noise_is_exactly_periodic():
    # moving the wrapped lattice by one cell moves the field by size / cells pixels, exactly
    m = pn.lattice_matrix(40, 5)
    lattice = np.random.default_rng(0).standard_normal((5, 5)).astype(np.float32)
    field = m @ lattice @ m.T
    moved = m @ np.roll(lattice, (1, 2), axis=(0, 1)) @ m.T
    np.testing.assert_allclose(moved, np.roll(field, (8, 16), axis=(0, 1)), atol=1e-5)


def test_value_noise_statistics_and_purity():
    field = pn.value_noise(np.random.default_rng(0), 64, 8)
    assert field.dtype == np.float32 and field.shape == (64, 64)
    assert abs(float(field.mean())) < 0.3 and 0.6 < float(field.std()) < 1.4
    again = pn.value_noise(np.random.default_rng(0), 64, 8)
    assert np.array_equal(field, again)
    assert not pn.lattice_matrix(64, 8).flags.writeable


def test_voronoi_cells_and_edges():
    cell, f1, edge = pn.voronoi(np.random.default_rng(1), 64, (3, 4), jitter=0.8)
    assert cell.dtype == np.int32 and set(np.unique(cell)) <= set(range(12))
    assert len(np.unique(cell)) >= 10
    assert (f1 >= 0).all() and (edge >= -1e-3).all()
    # the distance to the nearest edge is small where the cell id changes
    border = cell != np.roll(cell, 1, axis=1)
    assert edge[border].mean() < 1.0 < edge[~border].mean()


def test_walks_wrap():
    ys, xs = pn.walks(np.random.default_rng(2), 32, 3, 80.0)
    assert ys.shape == xs.shape == (3, 114)
    assert ys.min() >= 0 and ys.max() < 32 and xs.min() >= 0 and xs.max() < 32
    # steps are at most one pixel apart (8-connected) once unwrapped
    dy = (np.diff(ys, axis=1) + 16) % 32 - 16
    dx = (np.diff(xs, axis=1) + 16) % 32 - 16
    assert np.abs(dy).max() <= 1 and np.abs(dx).max() <= 1


# ------------------------------------------------------------------------------ speed


@pytest.mark.slow
def test_speed_64px_common_materials():
    import time

    for material in ("grass", "dirt", "stone", "cobblestone", "brick", "water", "wood_planks", "sand"):
        synthesize_texture(material, size=64, seed=0)
        start = time.perf_counter()
        for seed in range(200):
            synthesize_texture(material, size=64, seed=seed)
        per = (time.perf_counter() - start) / 200
        assert per < 0.002, (material, per)
