"""Procedural creature renderers: quadruped, winged, amorphous, serpentine.

Every creature subject is rendered at 16x16, 32x32, 64x64 and 32x48 (h x w) in three
variants and checked for the properties the sprite pipeline relies on: hard alpha,
transparent corners, a small palette, one main silhouette, real part masks, pivots on the
canvas, determinism, visibly different variants and visibly different seeds; plus one check
per archetype. Variant ``v`` is rendered with seed ``seed + v``, as the engine does.
"""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from sprixen_engine.backends.base import RenderedSprite, SpriteSpec
from sprixen_engine.backends.procedural import ProceduralSpriteBackend

ARCHETYPES = ("quadruped", "winged", "amorphous", "serpentine")
SIZES = ((16, 16), (32, 32), (64, 64), (32, 48))
VARIANTS = (0, 1, 2)
LEGS = ("leg_front_left", "leg_front_right", "leg_back_left", "leg_back_right")
REQUIRED_PARTS = {
    "quadruped": ("head", "body", "tail") + LEGS,
    "winged": ("head", "body", "wing_left", "wing_right"),
    "amorphous": ("body",),
    "serpentine": ("head", "body", "tail"),
}
REQUIRED_PIVOTS = {
    "quadruped": (
        "neck",
        "tail_base",
        "ground",
        "hip_front",
        "hip_back",
        "foot_front_left",
        "foot_front_right",
        "foot_back_left",
        "foot_back_right",
    ),
    "winged": ("wing_root_left", "wing_root_right", "neck", "tail_base", "ground"),
    "amorphous": ("center", "ground"),
    "serpentine": ("head", "tail_tip", "ground", "spine_0"),
}
EXPECTED = {
    "quadruped": {"wolf", "dog", "fox", "cat", "lion", "horse", "deer", "boar", "bear"},
    "winged": {"dragon", "bat", "bird", "eagle", "owl", "phoenix", "bee"},
    "amorphous": {"slime", "ghost", "jellyfish", "wisp", "mushroom_creature"},
    "serpentine": {"snake", "cobra", "worm", "sea_serpent"},
}


@pytest.fixture(scope="module")
def backend() -> ProceduralSpriteBackend:
    return ProceduralSpriteBackend()


def _subjects() -> list[tuple[str, str]]:
    cat = ProceduralSpriteBackend().catalogue
    return sorted(
        (sid, s.archetype) for sid, s in cat.items() if s.category == "creature" and s.archetype in ARCHETYPES
    )


SUBJECTS = _subjects()


def _spec(sid: str, arch: str, size=(32, 32), variant=0, seed=7, **kw) -> SpriteSpec:
    """Variant ``variant`` of the request with seed ``seed`` (rendered with ``seed + variant``)."""
    return SpriteSpec(
        subject=sid,
        category="creature",
        archetype=arch,
        size=size,
        variant=variant,
        seed=seed + variant,
        **kw,
    )


@pytest.fixture(scope="module")
def renders(backend) -> dict[tuple[str, tuple[int, int], int], RenderedSprite]:
    """Every subject x size x variant, rendered once for the whole module."""
    return {
        (sid, size, v): backend.render(_spec(sid, arch, size, v))
        for sid, arch in SUBJECTS
        for size in SIZES
        for v in VARIANTS
    }


def _share_differing(a: np.ndarray, b: np.ndarray) -> float:
    """Share of the opaque-union pixels whose RGBA differs."""
    union = (a[..., 3] > 0) | (b[..., 3] > 0)
    return float(((a != b).any(-1) & union).sum() / union.sum())


def _main_component_share(alpha: np.ndarray) -> float:
    _, _, stats, _ = cv2.connectedComponentsWithStats(alpha.astype(np.uint8), connectivity=8)
    return float(stats[1:, cv2.CC_STAT_AREA].max() / alpha.sum())


def _check_sprite(r: RenderedSprite, size: tuple[int, int], arch: str, where: str) -> None:
    h, w = size
    rgba = r.rgba
    assert rgba.shape == (h, w, 4) and rgba.dtype == np.uint8, where
    assert set(np.unique(rgba[..., 3]).tolist()) <= {0, 255}, f"{where}: alpha must be hard"
    assert all(rgba[y, x, 3] == 0 for y in (0, h - 1) for x in (0, w - 1)), (
        f"{where}: corners must be transparent"
    )
    a = rgba[..., 3] > 0
    assert a.sum() > 0.08 * h * w, f"{where}: almost empty"
    colors = {tuple(int(v) for v in c) for c in rgba[..., :3][a]}
    assert len(colors) <= 32, f"{where}: {len(colors)} colours"
    assert r.palette == sorted(colors), f"{where}: palette must list the opaque colours"
    assert _main_component_share(a) >= 0.95, f"{where}: floating pieces"
    for name in REQUIRED_PARTS[arch]:
        assert name in r.parts and r.parts[name].any(), f"{where}: part {name} missing"
    for name, m in r.parts.items():
        assert m.shape == (h, w) and m.dtype == bool, f"{where}: part {name}"
        assert m.any() and not (m & ~a).any(), f"{where}: part {name} must be non-empty and opaque"
    for name in REQUIRED_PIVOTS[arch]:
        assert name in r.pivots, f"{where}: pivot {name} missing"
    for name, (x, y) in r.pivots.items():
        assert 0 <= x < w and 0 <= y < h, f"{where}: pivot {name}={(x, y)} off the canvas"
    assert r.facing in ("right", "left", "front"), where


def test_catalogue_has_every_creature_with_a_look(backend):
    found = {arch: {sid for sid, a in SUBJECTS if a == arch} for arch in ARCHETYPES}
    for arch, ids in EXPECTED.items():
        assert ids <= found[arch], f"{arch}: missing {ids - found[arch]}"
    for sid, _ in SUBJECTS:
        look = backend.catalogue[sid].look
        assert look and "colors" in look, f"{sid}: look table with colors expected"
        assert "primary" in look["colors"], sid


@pytest.mark.parametrize("sid,arch", SUBJECTS)
def test_sprite_invariants(renders, sid, arch):
    for size in SIZES:
        for v in VARIANTS:
            _check_sprite(renders[(sid, size, v)], size, arch, f"{sid} {size} v{v}")


@pytest.mark.parametrize("sid,arch", SUBJECTS)
def test_variants_differ(renders, sid, arch):
    for size in SIZES:
        imgs = [renders[(sid, size, v)].rgba for v in VARIANTS]
        for i in range(3):
            for j in range(i + 1, 3):
                share = _share_differing(imgs[i], imgs[j])
                assert share >= 0.10, f"{sid} {size}: variants {i} and {j} differ on {share:.0%} only"


@pytest.mark.parametrize("sid,arch", SUBJECTS)
def test_seeds_give_varied_sprites(backend, sid, arch):
    """A batch of one prompt with seeds 0..11 gives visibly different sprites (variant 0):
    different images, most pairs differing on 5 % of their pixels, and not only in colour."""
    rs = [backend.render(_spec(sid, arch, (32, 32), 0, seed=s)) for s in range(12)]
    for s, r in enumerate(rs):
        _check_sprite(r, (32, 32), arch, f"{sid} seed {s}")
    imgs = [r.rgba for r in rs]
    assert len({im.tobytes() for im in imgs}) >= 8, f"{sid}: too few distinct sprites"
    shares = [_share_differing(imgs[i], imgs[j]) for i in range(12) for j in range(i + 1, 12)]
    assert np.mean([v >= 0.05 for v in shares]) >= 2 / 3, f"{sid}: seeds differ too little"
    assert len({(im[..., 3] > 0).tobytes() for im in imgs}) >= 6, f"{sid}: too few distinct silhouettes"


@pytest.mark.parametrize("sid,arch", SUBJECTS)
def test_deterministic(backend, renders, sid, arch):
    spec = _spec(sid, arch, (32, 32), 1)
    a, b = backend.render(spec), backend.render(spec)
    assert a.rgba.tobytes() == b.rgba.tobytes() == renders[(sid, (32, 32), 1)].rgba.tobytes()
    assert a.pivots == b.pivots and a.parts.keys() == b.parts.keys()
    assert all((a.parts[k] == b.parts[k]).all() for k in a.parts)
    other = backend.render(_spec(sid, arch, (32, 32), 1, seed=8))
    assert other.rgba.shape == a.rgba.shape  # another seed renders too (and may differ)


@pytest.mark.parametrize("sid", sorted(EXPECTED["quadruped"]))
def test_quadruped_legs_reach_the_ground(renders, sid):
    for size in SIZES:
        for v in VARIANTS:
            r = renders[(sid, size, v)]
            a = r.rgba[..., 3] > 0
            bottom = np.nonzero(a.any(1))[0].max()
            tol = max(2, round(0.1 * size[0]))
            for leg in LEGS:
                m = r.parts[leg]
                assert m.any(), f"{sid} {size} v{v}: {leg} empty"
                low = np.nonzero(m.any(1))[0].max()
                assert bottom - low <= tol, f"{sid} {size} v{v}: {leg} ends {bottom - low}px above the ground"
            assert abs(r.pivots["ground"][1] - (bottom + 1)) <= 1.5, f"{sid} {size}: ground pivot"
            assert r.facing == "right"


@pytest.mark.parametrize("sid", sorted(EXPECTED["winged"]))
def test_winged_has_two_wings(renders, sid):
    for size in SIZES:
        for v in VARIANTS:
            r = renders[(sid, size, v)]
            left, right = r.parts["wing_left"], r.parts["wing_right"]
            assert left.sum() >= 3 and right.sum() >= 3, f"{sid} {size} v{v}"
            assert not (left & right).any()
            body = r.parts["body"]
            ys = np.nonzero(body.any(1))[0]
            # the ground pivot lies below the body
            assert r.pivots["ground"][1] >= ys.max() - 0.5, f"{sid} {size} v{v}: ground above the body"


@pytest.mark.parametrize("sid", sorted(EXPECTED["serpentine"]))
def test_serpentine_spine(renders, sid):
    for size in SIZES:
        for v in VARIANTS:
            r = renders[(sid, size, v)]
            a = r.rgba[..., 3] > 0
            names = sorted(
                (k for k in r.pivots if k.startswith("spine_")), key=lambda k: int(k.split("_")[1])
            )
            assert len(names) >= 5 and names[0] == "spine_0", names
            assert [int(k.split("_")[1]) for k in names] == list(range(len(names)))
            pts = np.array([r.pivots[k] for k in names])
            for k, (x, y) in zip(names, pts):
                assert a[int(y), int(x)], f"{sid} {size} v{v}: {k} off the body"
            head, tip = np.array(r.pivots["head"]), np.array(r.pivots["tail_tip"])
            # ordered head → tail: starts at the head, ends at the tail tip, no jumps
            assert np.hypot(*(pts[0] - head)) < np.hypot(*(pts[-1] - head))
            assert np.hypot(*(pts[-1] - tip)) <= 1.5
            steps = np.hypot(*(pts[1:] - pts[:-1]).T)
            assert steps.max() <= 0.45 * max(size), f"{sid} {size} v{v}: spine jumps"
            assert r.facing == "right"


@pytest.mark.parametrize("sid", sorted(EXPECTED["amorphous"]))
def test_amorphous_body_dominates(renders, sid):
    for size in SIZES:
        for v in VARIANTS:
            r = renders[(sid, size, v)]
            a = r.rgba[..., 3] > 0
            share = r.parts["body"].sum() / a.sum()
            assert share >= 0.80, f"{sid} {size} v{v}: body is {share:.0%} of the sprite"
            assert r.facing == "front"


@pytest.mark.parametrize("style", [("cute",), ("horror",), ("dark_fantasy",), ("fire",), ("ice", "pixel")])
def test_styles_keep_the_invariants(backend, style):
    for sid, arch in SUBJECTS:
        for size in ((32, 32), (48, 32)):
            r = backend.render(_spec(sid, arch, size, 1, style=style))
            _check_sprite(r, size, arch, f"{sid} {style} {size}")


def test_cute_quadrupeds_have_bigger_heads(backend):
    for sid in ("wolf", "horse", "bear"):
        plain = backend.render(_spec(sid, "quadruped", (64, 64)))
        cute = backend.render(_spec(sid, "quadruped", (64, 64), style=("cute",)))
        share = [r.parts["head"].sum() / (r.rgba[..., 3] > 0).sum() for r in (plain, cute)]
        assert share[1] > share[0] * 1.15, (sid, share)


def test_prompt_colour_recolours_the_primary(backend):
    for sid, arch in SUBJECTS:
        base = backend.render(_spec(sid, arch))
        blue = backend.render(_spec(sid, arch, colors=((40, 90, 220),)))
        _check_sprite(blue, (32, 32), arch, f"{sid} blue")
        a = base.rgba[..., 3] > 0
        changed = ((base.rgba != blue.rgba).any(-1) & a).sum() / a.sum()
        assert changed > 0.2, f"{sid}: the prompt colour changed {changed:.0%} of the pixels"


@pytest.mark.parametrize("sid,arch", [s for s in SUBJECTS if s[1] in ("quadruped", "serpentine")])
def test_top_down_view(backend, sid, arch):
    for size in ((32, 32), (64, 64)):
        r = backend.render(_spec(sid, arch, size, 0, view="top_down"))
        _check_sprite(r, size, arch, f"{sid} top_down {size}")
        assert r.facing == "right"


@pytest.mark.parametrize("size", [(16, 40), (40, 16), (128, 128), (24, 24)])
def test_odd_canvas_sizes(backend, size):
    for sid, arch in SUBJECTS:
        _check_sprite(backend.render(_spec(sid, arch, size, 2)), size, arch, f"{sid} {size}")


def test_render_speed(backend):
    """About 2 ms per 32x32 creature on a free core; the bound is loose for shared CI machines."""
    specs = [_spec(sid, arch, (32, 32), 1) for sid, arch in SUBJECTS]
    for s in specs:
        backend.render(s)
    best = []
    for s in specs:
        t = []
        for _ in range(3):
            t0 = time.perf_counter()
            backend.render(s)
            t.append(time.perf_counter() - t0)
        best.append(min(t))
    assert float(np.mean(best)) < 0.010, f"mean {np.mean(best) * 1e3:.1f} ms per sprite"
