"""Tests for :mod:`sprixen_engine.core.stabilize` and :mod:`sprixen_engine.animation.process`."""

from __future__ import annotations

import copy

import cv2
import numpy as np
import pytest

from sprixen_engine.animation.process import is_pixel_art, process_animation
from sprixen_engine.animation.result import Animation
from sprixen_engine.core.image import as_rgba, to_pil
from sprixen_engine.core.stabilize import (
    crop_frames,
    estimate_shift,
    fit_frames,
    ground_anchor,
    stabilize_frames,
    translate,
    union_box,
)
from sprixen_engine.errors import InvalidRequest

PARTS = ["head", "torso", "leg_left", "leg_right"]
COLOURS = {1: (230, 200, 160), 2: (200, 50, 50), 3: (40, 40, 160), 4: (60, 60, 200)}
SWING = [-3, -1, 1, 3, 3, 1, -1, -3]


def character(i: int, *, drift: int = 1, lift: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Frame ``i`` of a 64x64 walk: head, torso and two swinging legs standing on row 51, moved
    ``drift * i`` px right and down (the defect) and ``lift`` px up (an intended jump).

    Returns the (64, 64, 4) frame and its (64, 64) part map (labels index :data:`PARTS` + 1).
    """
    labels = np.zeros((64, 64), np.uint8)
    labels[12:20, 28:36] = 1
    labels[20:40, 24:40] = 2
    s = SWING[i % len(SWING)]
    labels[40:52, 26 + s:30 + s] = 3
    labels[40:52, 34 - s:38 - s] = 4
    labels = translate(labels, drift * i, drift * i - lift)
    rgba = np.zeros((64, 64, 4), np.uint8)
    for label, rgb in COLOURS.items():
        rgba[labels == label] = (*rgb, 255)
    return rgba, labels


def walk(n: int = 8, lifts: list[int] | None = None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    pairs = [character(i, lift=0 if lifts is None else lifts[i]) for i in range(n)]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def torso_x(frame: np.ndarray) -> float:
    return float(np.nonzero(np.all(frame[..., :3] == COLOURS[2], axis=2))[1].mean())


def ground_y(frame: np.ndarray) -> float:
    return ground_anchor(frame[..., 3])[1]


def animation(frames: list[np.ndarray], maps: list[np.ndarray] | None = None, **metadata) -> Animation:
    n = len(frames)
    rig = {"parts": {p: {"parent": None, "pivot": [32.0, 40.0], "z": 0} for p in PARTS},
           "frames": [{p: [1.0, 0.0, float(i), 0.0, 1.0, float(i)] for p in PARTS} for i in range(n)]}
    return Animation(id="anim_walk_test", type="walk", frames=[to_pil(f) for f in frames],
                     durations_ms=[100] * n, fps=10, metadata=dict(metadata), part_names=list(PARTS),
                     part_maps=list(maps or []), rig=rig)


# ---------------------------------------------------------------- kernels


def random_blob(seed: int, size: int = 64) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = np.zeros((size, size), np.float32)
    noise[16:48, 16:48] = rng.random((32, 32))
    return (cv2.GaussianBlur(noise, (0, 0), 2.5) > 0.3 * noise.max()).astype(np.uint8) * 255


@pytest.mark.parametrize("seed", range(6))
def test_estimate_shift_recovers_known_shifts(seed):
    blob = random_blob(seed)
    rng = np.random.default_rng(100 + seed)
    for dx, dy in rng.integers(-10, 11, (5, 2)):
        got = estimate_shift(blob, translate(blob, int(dx), int(dy)))
        assert abs(got[0] - dx) <= 0.5 and abs(got[1] - dy) <= 0.5, (dx, dy, got)


def test_estimate_shift_empty_and_unrelated_masks():
    blob = random_blob(0)
    assert estimate_shift(blob, np.zeros_like(blob)) == (0.0, 0.0)
    # unrelated shapes: the answer stays near the centroid difference, never a wild peak
    other = np.zeros_like(blob)
    other[5:9, 50:60] = 255
    dx, dy = estimate_shift(blob, other)
    assert abs(dx) <= 64 and abs(dy) <= 64


def test_translate_fills_with_transparent_and_does_not_wrap():
    frame, _ = character(0, drift=0)
    moved = translate(frame, 5, -3)
    assert moved.shape == frame.shape and moved.dtype == np.uint8
    assert np.array_equal(moved[:-3 or None, 5:], frame[3:, :-5])
    assert not moved[:, :5].any() and not moved[-3:].any()
    assert not translate(frame, 64, 0).any()


def test_ground_anchor_uses_the_support_bottom():
    frame, labels = character(0, drift=0)
    x, y = ground_anchor(frame[..., 3])
    assert y == 51 and x == pytest.approx(31.5)  # both feet, symmetric about x = 31.5
    x_left, _ = ground_anchor(frame[..., 3], labels == 3)
    assert x_left == pytest.approx(24.5)  # left leg at swing -3: columns 23..26
    assert ground_anchor(np.zeros((8, 8), np.uint8)) is None


@pytest.mark.parametrize("use_masks", [False, True])
def test_stabilize_removes_sideways_and_downward_drift(use_masks):
    frames, maps = walk()
    assert ground_y(frames[-1]) - ground_y(frames[0]) == 7  # the defect being fixed
    kwargs = {"torso_masks": [m == 2 for m in maps], "support_masks": [m >= 3 for m in maps]} if use_masks else {}
    out, offsets = stabilize_frames(frames, **kwargs)
    assert offsets[0] == (0, 0)
    assert np.ptp([ground_y(f) for f in out]) <= 1
    assert np.ptp([torso_x(f) for f in out]) <= 1
    assert offsets == [(-i, -i) for i in range(8)]


@pytest.mark.parametrize("lifts", [
    [0, 0, 3, 7, 9, 7, 3, 0],  # a jump in the middle
    [0, 0, 0, 0, 0, 0, 5, 10],  # take-off at the end: the drift is extrapolated
    [5, 0, 0, 0, 0, 0, 0, 0],  # the reference frame itself is airborne
])
def test_stabilize_keeps_an_intended_jump(lifts):
    """Documented rule: contact frames are pinned to one ground row; airborne frames keep their height
    above the (drifting) ground line, so the jump survives while the drift goes."""
    frames, _ = walk(lifts=lifts)
    out, _ = stabilize_frames(frames)
    base = ground_y(out[lifts.index(0)])
    heights = [base - ground_y(f) for f in out]
    assert np.abs(np.subtract(heights, lifts)).max() <= 1
    assert np.ptp([torso_x(f) for f in out]) <= 1


def test_stabilize_validates_its_inputs():
    frames, maps = walk(3)
    with pytest.raises(InvalidRequest, match="reference"):
        stabilize_frames(frames, reference=3)
    with pytest.raises(InvalidRequest, match="torso_masks"):
        stabilize_frames(frames, torso_masks=maps[:2])
    with pytest.raises(InvalidRequest, match=r"frames\[1\]"):
        stabilize_frames([frames[0], frames[1][:32]])


def test_union_box_and_crop():
    frames, maps = walk(3)
    box = union_box(frames)
    alpha = np.any([f[..., 3] > 0 for f in frames], axis=0)
    ys, xs = np.nonzero(alpha)
    assert box == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    cropped = crop_frames(frames, box, margin=1)
    assert all(c.shape == (box[3] - box[1] + 2, box[2] - box[0] + 2, 4) for c in cropped)
    for c, f in zip(cropped, frames):  # nothing lost, 1 px transparent border kept
        assert c[..., 3].sum() == f[..., 3].sum()
    assert not np.any([c[0].any() or c[-1].any() or c[:, 0].any() or c[:, -1].any() for c in cropped])
    assert crop_frames(maps, box)[1].shape == cropped[1].shape[:2]
    assert union_box([np.zeros((4, 4, 4), np.uint8)]) is None


def test_fit_frames_smooth_fills_one_axis():
    frames, _ = walk(2)
    out = fit_frames(frames, (64, 64), pixel_art=False)
    box = union_box(out)
    assert box[3] == 64 and (box[1] == 0 or box[2] - box[0] >= 63)


# ---------------------------------------------------------------- process_animation


def test_process_stabilize_moves_part_maps_and_rig():
    frames, maps = walk()
    anim = animation(frames, maps)
    out = process_animation(anim, "stabilize")
    rgba = [as_rgba(f) for f in out.frames]
    assert out.frame_size == anim.frame_size
    assert np.ptp([ground_y(f) for f in rgba]) <= 1 and np.ptp([torso_x(f) for f in rgba]) <= 1
    for f, m in zip(rgba, out.part_maps):
        assert np.array_equal(f[..., 3] > 0, m > 0)
    info = out.metadata["processed"]
    assert info["mode"] == "stabilize" and info["from"] == "anim_walk_test"
    assert info["offsets"] == [[-i, -i] for i in range(8)]
    assert all(pose["torso"][2] == 0 and pose["torso"][5] == 0 for pose in out.rig["frames"])


def test_process_tight_crops_all_frames_to_one_box():
    frames, maps = walk()
    anim = animation(frames, maps)
    out = process_animation(anim, "tight")
    x0, y0, x1, y1 = out.metadata["processed"]["box"]
    ux0, uy0, ux1, uy1 = union_box(frames)
    assert (x0, y0, x1, y1) == (ux0 - 1, uy0 - 1, min(64, ux1 + 1), min(64, uy1 + 1))
    assert out.frame_size == (x1 - x0, y1 - y0)
    for f, o in zip(frames, out.frames):
        assert np.array_equal(as_rgba(o), f[y0:y1, x0:x1])
    assert out.part_maps[3].shape == (y1 - y0, x1 - x0)


def test_process_aggressive_pixel_art_integer_scale_bottom_centred():
    frames, maps = walk(4)
    frames = [translate(f, -3, -12) for f in frames]  # lots of padding below and around
    maps = [translate(m, -3, -12) for m in maps]
    anim = animation(frames, maps)
    out = process_animation(anim, "aggressive")
    info = out.metadata["processed"]
    assert info["pixelArt"] is True and info["scale"] == int(info["scale"]) >= 1
    bx0, by0, bx1, by1 = info["box"]
    scale = int(info["scale"])
    rgba = [as_rgba(f) for f in out.frames]
    assert out.frame_size == (64, 64)
    ox0, oy0, ox1, oy1 = union_box(rgba)
    assert (ox1 - ox0, oy1 - oy0) == ((bx1 - bx0) * scale, (by1 - by0) * scale)
    assert oy1 == 64 and abs(ox0 - (64 - ox1)) <= 1  # bottom-centred
    colours = {tuple(c) for f in frames for c in f.reshape(-1, 4)}
    assert {tuple(c) for f in rgba for c in f.reshape(-1, 4)} <= colours  # no new colours
    src = frames[0][by0:by1, bx0:bx1]
    assert np.array_equal(rgba[0][oy0:oy1, ox0:ox1], np.repeat(np.repeat(src, scale, 0), scale, 1))
    assert np.array_equal(out.part_maps[0] > 0, rgba[0][..., 3] > 0)


def test_process_aggressive_smooth_uses_metadata_flag():
    frames, _ = walk(2)
    out = process_animation(animation(frames, pixelArt=False), "aggressive")
    assert out.metadata["processed"]["pixelArt"] is False
    assert out.metadata["processed"]["scale"] != int(out.metadata["processed"]["scale"])


def test_is_pixel_art():
    frames, _ = walk(2)
    assert is_pixel_art(frames)
    soft = [f.copy() for f in frames]
    soft[0][0, 0] = (1, 2, 3, 128)
    assert not is_pixel_art(soft)


@pytest.mark.parametrize("mode", ["stabilize", "tight", "aggressive"])
def test_process_leaves_the_original_untouched(mode):
    frames, maps = walk()
    anim = animation(frames, maps, seed=3)
    before = ([np.asarray(f).copy() for f in anim.frames], [m.copy() for m in anim.part_maps],
              copy.deepcopy(anim.metadata), copy.deepcopy(anim.rig), anim.id)
    out = process_animation(anim, mode)
    assert out is not anim and out.id != anim.id and out.id.startswith("anim_processed_")
    assert out.id == process_animation(anim, mode).id  # deterministic
    assert all(np.array_equal(np.asarray(f), b) for f, b in zip(anim.frames, before[0]))
    assert all(np.array_equal(m, b) for m, b in zip(anim.part_maps, before[1]))
    assert (anim.metadata, anim.rig, anim.id) == before[2:]
    assert "processed" not in anim.metadata and out.metadata["seed"] == 3


def test_process_bad_mode_names_the_field():
    frames, _ = walk(2)
    with pytest.raises(InvalidRequest, match="mode: must be one of stabilize, tight, aggressive") as err:
        process_animation(animation(frames), "smooth")
    assert err.value.field == "mode"
