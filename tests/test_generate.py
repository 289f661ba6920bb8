"""End-to-end properties of Engine.generate on the procedural backend, for every catalogue subject."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from sprixen_engine import Engine, InvalidRequest, ModelUnavailable
from sprixen_engine.config import config_dir
from sprixen_engine.sprites.catalogue import load_catalogue

CATALOGUE = load_catalogue(config_dir())
SUBJECTS = sorted(CATALOGUE)


def _arr(img) -> np.ndarray:
    return np.asarray(img.convert("RGBA"))


def _luma(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def _prompt_for(subject_id: str) -> str:
    return "a " + subject_id.replace("_", " ")


def test_catalogue_is_large_enough():
    cats = [s.category for s in CATALOGUE.values()]
    archetypes = {s.archetype for s in CATALOGUE.values() if s.archetype}
    assert cats.count("character") + cats.count("creature") >= 40
    assert cats.count("item") >= 25
    assert cats.count("prop") >= 15
    assert archetypes == {"humanoid_biped", "quadruped", "winged", "amorphous", "serpentine"}


@pytest.mark.parametrize("subject", SUBJECTS)
def test_every_subject_makes_a_clean_sprite(engine: Engine, subject: str):
    result = engine.generate(_prompt_for(subject), variant_count=3, seed=11, resolution="32x32")
    assert result.metadata["interpretation"]["subject"] == subject
    arrays = [_arr(im) for im in result.images]
    for a in arrays:
        assert a.shape == (32, 32, 4)
        alpha = a[..., 3]
        assert set(np.unique(alpha)) <= {0, 255}, "pixel art must have hard alpha"
        assert all(alpha[y, x] == 0 for y, x in ((0, 0), (0, -1), (-1, 0), (-1, -1))), "corners transparent"
        opaque = alpha > 0
        colours = np.unique(a[opaque][:, :3], axis=0)
        assert len(colours) <= 32
        labels, n = ndimage.label(opaque, structure=np.ones((3, 3)))
        assert n >= 1
        sizes = np.bincount(labels.ravel())[1:]
        assert sizes.max() >= 0.95 * opaque.sum(), "one main connected component"
        # selective outline: the silhouette's edge pixels are darker than its interior
        edge = opaque & ~ndimage.binary_erosion(opaque)
        inner = opaque & ~edge
        if inner.sum() >= 8:
            assert _luma(a[edge][:, :3].astype(float)).mean() < _luma(a[inner][:, :3].astype(float)).mean() - 12
        if CATALOGUE[subject].category == "character":
            ys = np.nonzero(opaque.any(axis=1))[0]
            assert 0.6 <= (ys.max() - ys.min() + 1) / 32 <= 1.0, "characters fill 60–100 % of the height"
    for i in range(3):
        for j in range(i + 1, 3):
            union = (arrays[i][..., 3] > 0) | (arrays[j][..., 3] > 0)
            diff = np.any(arrays[i] != arrays[j], axis=2) & union
            assert diff.sum() >= 0.10 * union.sum(), f"variants {i} and {j} differ too little"


def test_same_seed_same_bytes(engine: Engine):
    a = engine.generate("a red dragon", variant_count=3, seed=5)
    b = engine.generate("a red dragon", variant_count=3, seed=5)
    assert [im.tobytes() for im in a.images] == [im.tobytes() for im in b.images]
    assert [s.metadata["seed"] for s in a.sprites] == [5, 6, 7]
    assert a.metadata["seed"] == 5


@pytest.mark.parametrize("prompt", ["a knight", "a wolf", "a slime", "a sword", "a tree"])
def test_other_seeds_give_other_sprites(engine: Engine, prompt: str):
    images = {engine.generate(prompt, seed=s).images[0].tobytes() for s in range(8)}
    assert len(images) >= 6


def test_readme_example(engine: Engine):
    result = engine.generate("a warrior knight in pixel art, 32x32, dark fantasy style", variant_count=3)
    assert len(result.images) == 3
    assert all(im.size == (32, 32) and im.mode == "RGBA" for im in result.images)
    meta = result.metadata
    assert meta["interpretation"]["subject"] == "knight"
    assert "dark_fantasy" in meta["styles"]
    assert meta["backend"] == "procedural"
    assert isinstance(meta["seed"], int)
    sprite = result.sprites[0]
    assert {"head", "torso"} <= set(sprite.parts)
    assert "ground" in sprite.pivots


@pytest.mark.parametrize("resolution", ["16x16", "32x48", "48x32", "64x64", "128x128", "256x256"])
def test_sizes(engine: Engine, resolution: str):
    w, h = map(int, resolution.split("x"))
    result = engine.generate("a wizard with a staff", resolution=resolution, seed=1)
    img = result.images[0]
    assert img.size == (w, h)
    assert _arr(img)[..., 3].any()
    for mask in result.sprites[0].parts.values():
        assert mask.shape == (h, w)


def test_size_in_prompt_and_pixel_perfect_kernels(engine: Engine):
    r = engine.generate("a knight, 24x40", seed=3)
    assert r.images[0].size == (24, 40)
    on = _arr(engine.generate("a knight", resolution="256x256", pixel_perfect="on", seed=3).images[0])
    off = _arr(engine.generate("a knight", resolution="256x256", pixel_perfect="off", seed=3).images[0])
    assert len(np.unique(on.reshape(-1, 4), axis=0)) <= 33  # nearest adds no colours
    assert len(np.unique(off.reshape(-1, 4), axis=0)) > 40  # Lanczos blends


def test_prompt_colour_recolours(engine: Engine):
    red = _arr(engine.generate("a red slime", seed=2).images[0])
    blue = _arr(engine.generate("a blue slime", seed=2).images[0])
    def mean_rgb(a):
        return a[a[..., 3] > 0][:, :3].astype(float).mean(axis=0)
    r, b = mean_rgb(red), mean_rgb(blue)
    assert r[0] > r[2] and b[2] > b[0]


def test_gameboy_style_uses_four_greens(engine: Engine):
    a = _arr(engine.generate("a knight in Game Boy style", seed=2).images[0])
    colours = {tuple(c) for c in a[a[..., 3] > 0][:, :3]}
    assert colours <= {(8, 24, 32), (52, 104, 86), (136, 192, 112), (224, 248, 208)}
    assert len(colours) >= 3


def test_pack_sheet_with_atlas(engine: Engine, tmp_path):
    items = ["torch", "vine", "moss", "sword", "potion"]
    result = engine.generate("dungeon props", pack_items=items, resolution="32x32", seed=4)
    sprite = result.sprites[0]
    atlas = sprite.atlas
    assert atlas is not None and list(atlas["frames"]) == items
    sheet = _arr(sprite.image)
    for name, entry in atlas["frames"].items():
        f = entry["frame"]
        assert (f["w"], f["h"]) == (32, 32)
        cell = sheet[f["y"]:f["y"] + f["h"], f["x"]:f["x"] + f["w"]]
        assert cell[..., 3].any(), name
    assert [e["subject"] for e in atlas["frames"].values()] == ["torch", "vine", "moss", "sword", "potion"]
    files = {p.name for p in result.save(tmp_path)}
    assert f"{result.id}_v1.atlas.json" in files


def test_variation_of_a_reference(engine: Engine):
    ref = engine.generate("a knight", seed=9).images[0]
    result = engine.generate("variations", type="variation", reference_image=ref, variant_count=3, seed=1)
    base = _arr(ref)
    assert result.images[0].tobytes() == ref.tobytes()
    for img in result.images[1:]:
        a = _arr(img)
        assert a.shape == base.shape
        union = (a[..., 3] > 0) | (base[..., 3] > 0)
        assert (np.any(a != base, axis=2) & union).sum() >= 0.10 * union.sum()


def test_reference_image_transfers_palette(engine: Engine):
    ref = np.zeros((16, 16, 4), np.uint8)
    ref[..., 3] = 255
    ref[:8, :, :3] = (200, 30, 160)
    ref[8:, :, :3] = (60, 10, 50)
    plain = _arr(engine.generate("a ghost", seed=3).images[0])
    styled = _arr(engine.generate("a ghost", reference_image=ref, seed=3).images[0])
    assert np.array_equal(plain[..., 3] > 0, styled[..., 3] > 0)
    pal = {tuple(c) for c in styled[styled[..., 3] > 0][:, :3]}
    assert pal <= {(200, 30, 160), (60, 10, 50)} | {tuple(c) for c in ref[..., :3].reshape(-1, 3)}


def test_project_style_lock(engine: Engine):
    r = engine.generate("a knight", project={"artStyle": "pixel", "resolution": "48x48", "viewAngle": "front"},
                        seed=1)
    assert r.images[0].size == (48, 48)
    assert r.metadata["view"] == "front"


def test_save_writes_pngs_parts_and_json(engine: Engine, tmp_path):
    import json

    result = engine.generate("an orc with an axe", variant_count=2, seed=8)
    files = {p.name for p in result.save(tmp_path)}
    assert {f"{result.id}_v1.png", f"{result.id}_v2.png", f"{result.id}.json", f"{result.id}_v1_parts.png"} <= files
    meta = json.loads((tmp_path / f"{result.id}.json").read_text())
    assert meta["variants"][0]["pivots"]["ground"]
    assert "head" in meta["variants"][0]["parts"]["labels"].values()


@pytest.mark.parametrize("kwargs, field", [
    (dict(prompt="ab"), "prompt"),
    (dict(prompt="x" * 501), "prompt"),
    (dict(prompt="a knight", variant_count=0), "variant_count"),
    (dict(prompt="a knight", variant_count=4), "variant_count"),
    (dict(prompt="a knight", resolution="32by32"), "resolution"),
    (dict(prompt="a knight", resolution="8x8"), "resolution"),
    (dict(prompt="a knight", pixel_perfect="maybe"), "pixel_perfect"),
    (dict(prompt="a knight", type="monster"), "type"),
    (dict(prompt="a knight", pack_items=["a"] * 9), "pack_items"),
    (dict(prompt="a knight", reference_image=b"not an image"), "reference_image"),
    (dict(prompt="a knight", type="variation"), "reference_image"),
    (dict(prompt="a knight", seed=-1), "seed"),
    (dict(prompt="a knight", backend="dalle"), "backend"),
])
def test_bad_input_names_the_field(engine: Engine, kwargs: dict, field: str):
    prompt = kwargs.pop("prompt")
    with pytest.raises(InvalidRequest) as info:
        engine.generate(prompt, **kwargs)
    assert info.value.field == field
    assert str(info.value).startswith(field)


def test_sdxl_without_weights_is_a_clear_error(engine: Engine):
    with pytest.raises(ModelUnavailable, match="sdxl"):
        engine.generate("a knight", backend="sdxl")


def test_subjects_named_alongside_become_details(engine: Engine):
    for seed in range(4):
        parts = engine.generate("a mossy rock", seed=seed).sprites[0].parts
        assert parts.get("moss") is not None and parts["moss"].any()


def test_type_steers_an_ambiguous_subject(engine: Engine):
    assert engine.generate("a mushroom", seed=1).metadata["interpretation"]["subject"] == "mushroom"
    steered = engine.generate("a mushroom", type="character", seed=1)
    assert steered.metadata["interpretation"]["subject"] == "mushroom_creature"
    # a type that fits nothing in the prompt leaves the interpretation alone
    assert engine.generate("a knight", type="environment", seed=1).metadata["interpretation"]["subject"] == "knight"


@pytest.mark.parametrize("seed", [0, 2026])
def test_a_named_colour_holds_for_every_variant(engine: Engine, seed: int):
    for prompt, strong, weak in (("a red dragon", 0, 2), ("a blue dragon", 2, 0), ("a green wolf", 1, 0)):
        for img in engine.generate(prompt, variant_count=3, seed=seed).images:
            a = _arr(img)
            mean = a[a[..., 3] > 0][:, :3].astype(float).mean(axis=0)
            assert mean[strong] > mean[weak], (prompt, mean)
