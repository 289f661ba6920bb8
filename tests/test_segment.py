"""Silhouette classification and part segmentation for sprites without part masks
(sprixen_engine.animation.segment).

Procedural sprites carry their true parts and pivots: the classifier and the segmenter read only
their alpha and are scored against them (thresholds a little under the values measured when the
module was written; everything here is deterministic). Hand-drawn silhouettes — a stick figure,
a box animal, a blob, a sine-wave snake, a bat — check the same code on shapes no renderer made.
"""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from sprixen_engine.animation.segment import (
    ARCHETYPES,
    SPINE_POINTS,
    classify_silhouette,
    facing,
    segment_sprite,
    silhouette_features,
)
from sprixen_engine.config import config_dir
from sprixen_engine.errors import InvalidRequest
from sprixen_engine.sprites.catalogue import load_catalogue

RESOLUTIONS = ("32x32", "64x64")
SEEDS = (0, 1)
PARTS = {
    "humanoid_biped": {"head", "torso", "arm_left", "arm_right", "leg_left", "leg_right", "weapon"},
    "quadruped": {"body", "head", "tail", "leg_front_left", "leg_front_right", "leg_back_left", "leg_back_right"},
    "winged": {"body", "head", "tail", "wing_left", "wing_right", "leg_back_left", "leg_back_right"},
    "amorphous": {"body"},
    "serpentine": {"head", "body", "tail"},
}
PIVOTS = {
    "humanoid_biped": {"neck", "shoulder_left", "shoulder_right", "hand_left", "hand_right", "hip_left",
                       "hip_right", "foot_left", "foot_right", "ground"},
    "quadruped": {"neck", "head", "shoulder_front_left", "shoulder_front_right", "hip_back_left",
                  "hip_back_right", "foot_front_left", "foot_front_right", "foot_back_left", "foot_back_right",
                  "hip_front", "hip_back", "ground"},
    "winged": {"wing_root_left", "wing_root_right", "neck", "center", "ground"},
    "amorphous": {"center", "ground"},
    "serpentine": {f"spine_{i}" for i in range(SPINE_POINTS)} | {"head", "neck", "tail_base", "tail_tip", "ground"},
}
# how a procedural renderer's extra names map onto the segmenter's (anything else joins the main part)
TRUTH_NAMES = {
    "winged": {"leg_left": "leg_back_left", "leg_right": "leg_back_right"},
}
MAIN = {"humanoid_biped": "torso"}
# mean IoU per archetype over these 184 sprites when written: 0.526, 0.683, 0.479, 1.0, 0.807
MIN_IOU = {"humanoid_biped": 0.49, "quadruped": 0.64, "winged": 0.44, "amorphous": 0.99, "serpentine": 0.77}
MIN_CLASSIFY_ACCURACY = 0.93  # measured 0.967 on these 184 sprites (0.965 on 368, seeds 0-3)


# ---------------------------------------------------------------------------------- sprites
@pytest.fixture(scope="module")
def procedural(engine):
    """Every character and creature subject at 32x32 and 64x64, two seeds: dicts of subject,
    archetype, rgba, parts, pivots."""
    out = []
    for sid, subject in load_catalogue(config_dir()).items():
        if subject.category not in ("character", "creature"):
            continue
        for res in RESOLUTIONS:
            for seed in SEEDS:
                sprite = engine.generate(sid.replace("_", " "), resolution=res, seed=seed,
                                         backend="procedural").sprites[0]
                out.append({"subject": sid, "archetype": subject.archetype, "res": res,
                            "rgba": np.asarray(sprite.image.convert("RGBA")), "parts": sprite.parts,
                            "pivots": sprite.pivots})
    return out


def _canvas(size: int) -> tuple[np.ndarray, float]:
    return np.zeros((size, size), np.uint8), size / 64


def _pt(s: float, x: float, y: float) -> tuple[int, int]:
    return round(x * s), round(y * s)


def stick_figure(size: int) -> np.ndarray:
    """Front-view stick figure: filled head, 3-px lines for torso, arms and splayed legs."""
    a, s = _canvas(size)
    t = max(1, round(3 * s))
    cv2.circle(a, _pt(s, 32, 12), round(7 * s), 255, -1)
    for p, q in (((32, 18), (32, 40)), ((32, 24), (20, 36)), ((32, 24), (44, 36)),
                 ((32, 40), (24, 61)), ((32, 40), (40, 61))):
        cv2.line(a, _pt(s, *p), _pt(s, *q), 255, t)
    return a


def box_animal(size: int, legs: tuple[int, ...] = (13, 19, 40, 46)) -> np.ndarray:
    """Side view facing right: box body, box legs at the given x, box head up front, thin tail."""
    a, s = _canvas(size)

    def box(x0: float, y0: float, x1: float, y1: float) -> None:
        cv2.rectangle(a, _pt(s, x0, y0), (round(x1 * s) - 1, round(y1 * s) - 1), 255, -1)

    box(12, 24, 48, 40)
    for x in legs:
        box(x, 40, x + 4, 60)
    box(44, 12, 58, 26)
    cv2.line(a, _pt(s, 12, 26), _pt(s, 4, 20), 255, max(1, round(2 * s)))
    return a


def blob(size: int) -> np.ndarray:
    a, s = _canvas(size)
    cv2.ellipse(a, _pt(s, 32, 40), _pt(s, 24, 18), 0, 0, 360, 255, -1)
    return a


def sine_snake(size: int) -> np.ndarray:
    """A 5-px sine wave with a round head at the right end."""
    a, s = _canvas(size)
    xs = np.linspace(4, 54, 80)
    pts = np.round(np.stack([xs, 40 + 9 * np.sin(xs / 7.0)], 1) * s).astype(np.int32)
    cv2.polylines(a, [pts], False, 255, max(2, round(5 * s)))
    cv2.circle(a, (int(pts[-1, 0]), int(pts[-1, 1])), round(6 * s), 255, -1)
    return a


def bat(size: int) -> np.ndarray:
    """Front view: ellipse body, round head, two triangular wings."""
    a, s = _canvas(size)
    cv2.ellipse(a, _pt(s, 32, 36), _pt(s, 7, 10), 0, 0, 360, 255, -1)
    cv2.circle(a, _pt(s, 32, 23), round(6 * s), 255, -1)
    wings = [np.round(np.array(w) * s).astype(np.int32) for w in
             ([(28, 30), (2, 14), (8, 40)], [(36, 30), (62, 14), (56, 40)])]
    cv2.fillPoly(a, wings, 255)
    return a


HAND_DRAWN = {"humanoid_biped": stick_figure, "quadruped": box_animal, "amorphous": blob,
              "serpentine": sine_snake, "winged": bat}


def _rgba(alpha: np.ndarray) -> np.ndarray:
    return np.dstack([np.full(alpha.shape + (3,), 180, np.uint8), alpha])


def _mean_iou(parts: dict[str, np.ndarray], truth: dict[str, np.ndarray], archetype: str) -> float:
    """Mean IoU over the union of part names, the truth's names mapped onto the segmenter's."""
    mapped: dict[str, np.ndarray] = {}
    for name, mask in truth.items():
        name = TRUTH_NAMES.get(archetype, {}).get(name, name)
        if name not in PARTS[archetype]:
            name = MAIN.get(archetype, "body")
        mapped[name] = mapped.get(name, np.zeros_like(mask)) | mask
    ious = []
    for name in set(mapped) | set(parts):
        t, p = mapped.get(name), parts.get(name)
        t = np.zeros_like(p) if t is None else t
        p = np.zeros_like(t) if p is None else p
        ious.append((t & p).sum() / (t | p).sum())
    return float(np.mean(ious))


def _check_segmentation(alpha: np.ndarray, archetype: str, parts, pivots) -> None:
    """Disjoint masks covering exactly the opaque pixels, known names, finite on-canvas pivots."""
    opaque = alpha > 0
    count = np.zeros(opaque.shape, int)
    for mask in parts.values():
        assert mask.shape == opaque.shape and mask.dtype == bool
        assert mask.any()
        count += mask
    assert np.array_equal(count, opaque.astype(int)), "parts must partition the opaque pixels"
    assert set(parts) <= PARTS[archetype] | {"torso", "body"}, set(parts)
    h, w = opaque.shape
    for name, (x, y) in pivots.items():
        assert np.isfinite(x) and np.isfinite(y), name
        assert -1 <= x <= w and -1 <= y <= h, (name, x, y)


# --------------------------------------------------------------------------- classification
def test_classify_procedural_sprites(procedural):
    results = [(classify_silhouette(s["rgba"]), s) for s in procedural]
    wrong = [(s["subject"], s["res"], got) for (got, _, _), s in results if got != s["archetype"]]
    accuracy = 1 - len(wrong) / len(procedural)
    assert accuracy >= MIN_CLASSIFY_ACCURACY, (accuracy, wrong)
    # the confidence means something: lower on the mistakes
    sure = {True: [], False: []}
    for (got, confidence, _), s in results:
        sure[got == s["archetype"]].append(confidence)
    assert np.mean(sure[False]) < np.mean(sure[True]) - 0.15


@pytest.mark.parametrize("size", [32, 64])
@pytest.mark.parametrize("archetype", ARCHETYPES)
def test_classify_hand_drawn(archetype, size):
    assert classify_silhouette(HAND_DRAWN[archetype](size))[0] == archetype


def test_classify_result_shape():
    name, confidence, scores = classify_silhouette(_rgba(box_animal(64)))
    assert set(scores) == set(ARCHETYPES)
    assert all(0.0 <= v <= 1.0 for v in scores.values())
    assert 0.0 <= confidence <= 1.0
    assert name == max(scores, key=scores.__getitem__)
    features = silhouette_features(box_animal(64))
    assert features["aspect"] > 1 and features["leg_height"] > 0.2


@pytest.mark.parametrize("make", [blob, sine_snake])
def test_classify_clear_shapes_confidently(make):
    assert classify_silhouette(make(64))[1] > 0.8


# ----------------------------------------------------------------------------- segmentation
def test_segment_procedural_sprites(procedural):
    ious: dict[str, list[float]] = {a: [] for a in ARCHETYPES}
    for s in procedural:
        parts, pivots = segment_sprite(s["rgba"], s["archetype"])
        _check_segmentation(s["rgba"][..., 3], s["archetype"], parts, pivots)
        assert PIVOTS[s["archetype"]] <= set(pivots), (s["subject"], PIVOTS[s["archetype"]] - set(pivots))
        ious[s["archetype"]].append(_mean_iou(parts, s["parts"], s["archetype"]))
    means = {a: float(np.mean(v)) for a, v in ious.items()}
    assert all(means[a] >= MIN_IOU[a] for a in ARCHETYPES), means


@pytest.mark.parametrize("size", [32, 64])
@pytest.mark.parametrize("archetype", ARCHETYPES)
def test_segment_hand_drawn(archetype, size):
    alpha = HAND_DRAWN[archetype](size)
    parts, pivots = segment_sprite(_rgba(alpha), archetype)
    _check_segmentation(alpha, archetype, parts, pivots)
    assert PIVOTS[archetype] <= set(pivots)


@pytest.mark.parametrize("archetype", ARCHETYPES)
def test_segment_any_shape(archetype):
    """Random unions of ellipses, lines and boxes (tiny, thin, touching the border) still partition."""
    rng = np.random.default_rng(7)
    for _ in range(25):
        h, w = (int(v) for v in rng.integers(1, 72, 2))
        alpha = np.zeros((h, w), np.uint8)
        for _ in range(int(rng.integers(1, 6))):
            p = (int(rng.integers(0, w)), int(rng.integers(0, h)))
            q = (int(rng.integers(0, w)), int(rng.integers(0, h)))
            kind = rng.integers(3)
            if kind == 0:
                cv2.ellipse(alpha, p, (int(rng.integers(1, w // 2 + 2)), int(rng.integers(1, h // 2 + 2))),
                            float(rng.uniform(0, 180)), 0, 360, 255, -1)
            elif kind == 1:
                cv2.line(alpha, p, q, 255, int(rng.integers(1, 4)))
            else:
                cv2.rectangle(alpha, p, q, 255, -1)
        if alpha.any():
            _check_segmentation(alpha, archetype, *segment_sprite(alpha, archetype))


def test_humanoid_limbs_follow_the_drawing():
    parts, pivots = segment_sprite(stick_figure(64), "humanoid_biped")
    assert parts["head"][12, 32] and parts["torso"][36, 32]
    assert parts["leg_left"][58, 25] and parts["leg_right"][58, 39]  # the near leg is the front (right) one
    assert parts["arm_right"][34, 42] and parts["arm_left"][34, 22]
    assert pivots["foot_left"][0] < pivots["foot_right"][0]
    assert pivots["neck"][1] < pivots["hip_left"][1] < pivots["foot_left"][1]


def test_humanoid_weapon_and_grip():
    figure = stick_figure(64)
    cv2.line(figure, (44, 36), (60, 4), 255, 2)  # a sword held in the front hand
    parts, pivots = segment_sprite(figure, "humanoid_biped")
    assert parts["weapon"][10, 57]
    gx, gy = pivots["weapon_grip"]
    assert abs(gx - 44) <= 4 and abs(gy - 36) <= 4


def test_quadruped_legs():
    parts, pivots = segment_sprite(box_animal(64), "quadruped")
    # back pair on the left, front pair on the right; the outer leg of each pair is the near (_left) one
    assert parts["leg_back_left"][55, 14] and parts["leg_back_right"][55, 21]
    assert parts["leg_front_right"][55, 42] and parts["leg_front_left"][55, 48]
    assert parts["head"][18, 52] and parts["tail"][22, 6] and parts["body"][30, 30]
    assert pivots["foot_back_left"][1] == pytest.approx(59.5)


def test_quadruped_two_leg_runs_are_shared():
    """Only two legs drawn (far legs hidden): each run is split into a near and a far leg."""
    parts, pivots = segment_sprite(box_animal(64, legs=(14, 42)), "quadruped")
    assert {"leg_back_left", "leg_back_right", "leg_front_left", "leg_front_right"} <= set(parts)
    for near, far in (("leg_back_left", "leg_back_right"), ("leg_front_left", "leg_front_right")):
        cols_near, cols_far = np.flatnonzero(parts[near][55]), np.flatnonzero(parts[far][55])
        assert cols_near.size and cols_far.size and abs(cols_near.mean() - cols_far.mean()) <= 4
    assert pivots["foot_back_left"][0] < pivots["foot_back_right"][0]  # near = outer half
    assert pivots["foot_front_left"][0] > pivots["foot_front_right"][0]


def test_serpentine_spine_runs_head_to_tail():
    parts, pivots = segment_sprite(sine_snake(64), "serpentine")
    spine = np.array([pivots[f"spine_{i}"] for i in range(SPINE_POINTS)])
    assert spine[0][0] > 45 and spine[-1][0] < 10  # head at the right end, tail tip at the left
    assert pivots["tail_tip"] == pivots[f"spine_{SPINE_POINTS - 1}"] and pivots["neck"] == pivots["spine_0"]
    assert np.all(np.diff(spine[:, 0]) < 0)  # this snake runs monotonically right to left
    assert parts["head"][int(pivots["head"][1]), int(pivots["head"][0])]
    assert parts["tail"][:, :10].any() and not parts["tail"][:, 45:].any()


def test_winged_front_view_sides():
    parts, pivots = segment_sprite(bat(64), "winged")
    assert parts["wing_left"][24, 52] and parts["wing_right"][24, 12]  # the bat's left is the image right
    assert parts["head"][20, 32] and parts["body"][40, 32]
    assert pivots["wing_root_left"][0] > pivots["wing_root_right"][0]


# ------------------------------------------------------------------------------------ facing
def test_facing_procedural_sprites(procedural):
    """All procedural side views face right; mirrored, left (front views and blobs are exempt)."""
    exempt = {"bat", "owl"}
    checked = [s for s in procedural if s["subject"] not in exempt and s["archetype"] != "amorphous"]
    right = np.mean([facing(s["rgba"], s["archetype"]) == "right" for s in checked])
    left = np.mean([facing(s["rgba"][:, ::-1], s["archetype"]) == "left" for s in checked])
    assert right >= 0.95 and left >= 0.95, (right, left)


@pytest.mark.parametrize("archetype", ["humanoid_biped", "quadruped", "serpentine"])
def test_facing_hand_drawn(archetype):
    alpha = HAND_DRAWN[archetype](64)
    if archetype == "humanoid_biped":
        cv2.line(alpha, (44, 36), (60, 4), 255, 2)  # a front-view stick figure has no front without a sword
    assert facing(alpha, archetype) == "right"
    assert facing(alpha[:, ::-1], archetype) == "left"


def test_facing_blob_is_right():
    assert facing(blob(64), "amorphous") == "right"


# ------------------------------------------------------------------------------ validation
@pytest.mark.parametrize("call", [segment_sprite, facing])
def test_unknown_archetype(call):
    with pytest.raises(InvalidRequest, match="archetype: must be one of humanoid_biped") as err:
        call(blob(32), "dragon")
    assert err.value.field == "archetype"


@pytest.mark.parametrize("call", [lambda a: segment_sprite(a, "amorphous"), classify_silhouette,
                                  lambda a: facing(a, "quadruped")])
def test_empty_or_malformed_sprite(call):
    with pytest.raises(InvalidRequest, match="sprite: must have at least one opaque pixel") as err:
        call(np.zeros((16, 16, 4), np.uint8))
    assert err.value.field == "sprite"
    with pytest.raises(InvalidRequest, match=r"sprite: must be an \(H, W\) alpha or \(H, W, 4\) RGBA"):
        call(np.zeros((16, 16, 3), np.uint8))


def test_tiny_sprites_are_one_part():
    for shape in ((1, 1), (2, 5), (5, 2)):
        alpha = np.full(shape, 255, np.uint8)
        parts, pivots = segment_sprite(alpha, "humanoid_biped")
        assert list(parts) == ["torso"] and {"center", "ground"} <= set(pivots)


# -------------------------------------------------------------------------------------- speed
def test_speed_64(procedural):
    """Classify, find the facing and segment a 64x64 sprite: about 3 ms here; 5 ms is the budget,
    and the bound is doubled for slow shared runners."""
    sprites = [s["rgba"] for s in procedural if s["res"] == "64x64"]
    times = []
    for rgba in sprites:
        best = np.inf
        for _ in range(3):
            t0 = time.perf_counter()
            archetype = classify_silhouette(rgba)[0]
            facing(rgba, archetype)
            segment_sprite(rgba, archetype)
            best = min(best, time.perf_counter() - t0)
        times.append(best)
    assert np.median(times) < 0.010, np.median(times)
