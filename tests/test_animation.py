"""The animation engine: rigs, archetype motions, directions, loops, anchors, colours, chaining, CLI."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from PIL import Image

from sprixen_engine import Engine, InvalidRequest
from sprixen_engine.animation.motions import custom_primitives
from sprixen_engine.core.stabilize import ground_anchor
from sprixen_engine.requests import ANIMATION_TYPES, ARCHETYPES, DIRECTIONS

SUBJECTS = {"humanoid_biped": "knight with sword and shield", "quadruped": "wolf", "winged": "dragon",
            "amorphous": "slime", "serpentine": "snake"}
CYCLIC = ("idle", "walk", "run", "custom")


@pytest.fixture(scope="module")
def engine():
    return Engine()


@pytest.fixture(scope="module")
def sprites(engine):
    """One procedural sprite per archetype at 48x48 (seed 5)."""
    return {a: engine.generate(p, resolution="48x48", seed=5).sprites[0] for a, p in SUBJECTS.items()}


def _arr(img) -> np.ndarray:
    return np.asarray(img).astype(np.int16)


def _opaque(img) -> int:
    return int((np.asarray(img)[..., 3] > 0).sum())


def _codes(img) -> set[int]:
    a = np.asarray(img)
    px = a[a[..., 3] > 0, :3].astype(np.int64)
    return set(((px[:, 0] << 16) | (px[:, 1] << 8) | px[:, 2]).tolist())


# ----------------------------------------------------------------------------------------------
# hand-made sprites (not from the procedural backend)


def stick_figure() -> np.ndarray:
    """A 40x40 humanoid drawn with cv2: head, torso, two arms, two legs (facing right)."""
    img = np.zeros((40, 40, 4), np.uint8)
    skin, shirt, pants = (230, 190, 150, 255), (40, 90, 200, 255), (60, 50, 40, 255)
    cv2.circle(img, (20, 7), 5, skin, -1)
    cv2.rectangle(img, (16, 13), (24, 25), shirt, -1)
    cv2.line(img, (17, 14), (12, 24), shirt, 3)
    cv2.line(img, (23, 14), (28, 24), shirt, 3)
    cv2.rectangle(img, (16, 26), (19, 38), pants, -1)
    cv2.rectangle(img, (21, 26), (24, 38), pants, -1)
    return img


def box_animal() -> np.ndarray:
    """A 48x32 four-legged box animal facing right."""
    img = np.zeros((32, 48, 4), np.uint8)
    fur, dark = (150, 100, 60, 255), (100, 60, 30, 255)
    cv2.rectangle(img, (8, 10), (36, 19), fur, -1)                     # body
    cv2.rectangle(img, (34, 4), (44, 12), fur, -1)                     # head
    cv2.line(img, (8, 11), (2, 6), fur, 2)                             # tail
    for x in (10, 14, 28, 32):
        cv2.rectangle(img, (x, 20), (x + 2, 31), dark, -1)            # legs
    return img


def blob() -> np.ndarray:
    img = np.zeros((32, 32, 4), np.uint8)
    cv2.ellipse(img, (16, 20), (11, 9), 0, 0, 360, (80, 200, 90, 255), -1)
    cv2.circle(img, (12, 18), 2, (20, 20, 20, 255), -1)
    cv2.circle(img, (20, 18), 2, (20, 20, 20, 255), -1)
    return img


def sine_snake() -> np.ndarray:
    img = np.zeros((32, 64, 4), np.uint8)
    xs = np.arange(4, 58)
    pts = np.stack([xs, 20 + 5 * np.sin(xs / 6.0)], axis=1).astype(np.int32)
    cv2.polylines(img, [pts], False, (60, 160, 60, 255), 4)
    cv2.circle(img, (58, int(20 + 5 * np.sin(58 / 6.0))), 4, (60, 160, 60, 255), -1)
    return img


HANDMADE = {"humanoid_biped": stick_figure, "quadruped": box_animal, "amorphous": blob, "serpentine": sine_snake}


# ----------------------------------------------------------------------------------------------
# every type × archetype × direction


@pytest.mark.parametrize("archetype", ARCHETYPES)
def test_every_type_and_direction_renders_equal_frames(engine, sprites, archetype):
    sprite = sprites[archetype]
    for anim_type in ANIMATION_TYPES:
        for direction in DIRECTIONS:
            anim = engine.animate(sprite, type=anim_type, direction=direction, custom_description="wave hello")
            sizes = {f.size for f in anim.frames}
            assert len(sizes) == 1, (anim_type, direction, sizes)
            assert all(f.mode == "RGBA" for f in anim.frames)
            assert len(anim.durations_ms) == len(anim.frames) == anim.metadata["frameCount"]
            assert anim.metadata["archetype"] == archetype
            assert len(anim.part_maps) == len(anim.frames)
            w, h = anim.frame_size
            assert w >= 48 and h >= 48


@pytest.mark.parametrize("archetype", ARCHETYPES)
def test_default_frame_counts_and_fps(engine, sprites, archetype):
    expected = {"idle": 4, "walk": 8, "run": 6, "attack": 5, "jump": 6, "death": 6, "hurt": 2}
    for anim_type, n in expected.items():
        anim = engine.animate(sprites[archetype], type=anim_type)
        assert len(anim.frames) == n
        assert 4 <= anim.fps <= 60
    anim = engine.animate(sprites[archetype], type="walk", frame_count=12, fps=24)
    assert len(anim.frames) == 12 and anim.fps == 24


# ----------------------------------------------------------------------------------------------
# measured properties


@pytest.mark.parametrize("archetype", ARCHETYPES)
@pytest.mark.parametrize("anim_type", CYCLIC)
def test_cycles_close_the_loop(engine, sprites, archetype, anim_type):
    """The last→first step is no bigger than the biggest step inside the cycle (15 % rounding slack)."""
    anim = engine.animate(sprites[archetype], type=anim_type, custom_description="bounce")
    frames = [_arr(f) for f in anim.frames]
    steps = [int((np.abs(frames[i] - frames[i + 1]).sum(-1) > 0).sum()) for i in range(len(frames) - 1)]
    seam = int((np.abs(frames[-1] - frames[0]).sum(-1) > 0).sum())
    assert seam <= 1.15 * max(steps), (steps, seam)
    assert max(steps) > 0, "the animation does not move"


@pytest.mark.parametrize("archetype", ARCHETYPES)
@pytest.mark.parametrize("anim_type", ["idle", "walk", "run", "attack", "jump", "custom"])
def test_frames_keep_the_sprites_pixel_count(engine, sprites, archetype, anim_type):
    sprite = sprites[archetype]
    base = _opaque(sprite.image)
    anim = engine.animate(sprite, type=anim_type, custom_description="cast a spell")
    ratios = [_opaque(f) / base for f in anim.frames]
    assert min(ratios) >= 0.85 and max(ratios) <= 1.15, ratios


@pytest.mark.parametrize("archetype", ARCHETYPES)
def test_pixel_art_gets_no_new_colours(engine, sprites, archetype):
    sprite = sprites[archetype]
    palette = _codes(sprite.image)
    for anim_type in ANIMATION_TYPES:
        anim = engine.animate(sprite, type=anim_type)
        effect = {int(h[1:], 16) for h in anim.metadata["effectColors"]}
        for f in anim.frames:
            assert _codes(f) <= palette | effect
        assert anim.metadata["newColors"] == 0
        if anim_type == "hurt":
            assert effect, "the hurt flash lists its colours"


def test_ground_anchor_of_in_place_cycles_stays_put(engine, sprites):
    for archetype in ("humanoid_biped", "quadruped"):
        anim = engine.animate(sprites[archetype], type="walk")
        support = [i for i, n in enumerate(anim.part_names, start=1) if n.startswith(("leg", "shin"))]
        anchors = [ground_anchor(np.asarray(f)[..., 3], np.isin(m, support))
                   for f, m in zip(anim.frames, anim.part_maps)]
        ys = [a[1] for a in anchors]
        xs = [a[0] for a in anchors]
        assert max(ys) - min(ys) <= 1.0, ys
        assert max(xs) - min(xs) <= 0.25 * sprites[archetype].image.width, xs


@pytest.mark.parametrize("with_parts, tolerance", [(True, 1.0), (False, 2.0)])
def test_stabilize_holds_the_anchor_within_a_pixel(engine, sprites, with_parts, tolerance):
    """Undo a +1 px/frame drift: the ground anchor stays within 1 px; the upper body within 1 px when
    the part maps (torso) are known, within 2 px from the silhouette alone (swinging arms bias it)."""
    anim = engine.animate(sprites["humanoid_biped"], type="walk")
    drifted, maps = [], []
    for i, (f, m) in enumerate(zip(anim.frames, anim.part_maps)):
        canvas = Image.new("RGBA", (f.width + 16, f.height + 16), (0, 0, 0, 0))
        canvas.paste(f, (i, i))
        drifted.append(canvas)
        maps.append(np.pad(m, ((i, 16 - i), (i, 16 - i))))
    fixed = engine.process_animation(anim.with_frames(drifted, part_maps=maps if with_parts else []), "stabilize")
    anchors = [ground_anchor(np.asarray(f)[..., 3]) for f in fixed.frames]
    assert max(a[1] for a in anchors) - min(a[1] for a in anchors) <= 1.0

    def upper_x(img):
        a = np.asarray(img)[..., 3] > 0
        rows = np.nonzero(a.any(1))[0]
        top = a[rows[0]:rows[0] + (rows[-1] - rows[0]) // 2]
        return np.nonzero(top)[1].mean()
    offsets = [upper_x(f) - upper_x(o) for f, o in zip(fixed.frames, anim.frames)]
    assert max(offsets) - min(offsets) <= tolerance, offsets


def test_walk_legs_alternate(engine, sprites):
    """Each foot (its pivot carried by its leg's transform) is in front of the other in some frame."""
    for archetype, legs in (("humanoid_biped", ("leg_left", "leg_right")),
                            ("quadruped", ("leg_back_left", "leg_back_right"))):
        anim = engine.animate(sprites[archetype], type="walk")
        feet = [anim.rig["pivots"][leg.replace("leg", "foot")] for leg in legs]
        sides = []
        for fr in anim.rig["frames"]:
            (xa, _), (xb, _) = (_apply(fr[leg], foot) for leg, foot in zip(legs, feet))
            sides.append(np.sign(round(xb - xa, 1)))
        assert 1 in sides and -1 in sides, (archetype, sides)


def test_quadruped_walk_is_a_four_beat_gait(engine, sprites):
    anim = engine.animate(sprites["quadruped"], type="walk", frame_count=8)
    rig = anim.rig
    # the frame where each leg is swung furthest forward (most negative rotation)
    peaks = {}
    for leg in ("leg_back_left", "leg_front_left", "leg_back_right", "leg_front_right"):
        angles = []
        for fr in rig["frames"]:
            a, b, _, d, e, _ = fr[leg]
            angles.append(np.degrees(np.arctan2(d, a)) - np.degrees(np.arctan2(rig["frames"][0]["body"][3],
                                                                               rig["frames"][0]["body"][0])))
        peaks[leg] = int(np.argmin(angles))
    assert len(set(peaks.values())) == 4, peaks
    order = sorted(peaks, key=peaks.get)
    i = order.index("leg_back_left")
    assert order[i:] + order[:i] == ["leg_back_left", "leg_front_left", "leg_back_right", "leg_front_right"]
    assert anim.metadata["gait"] == "four-beat walk"


def _apply(m, xy):
    a, b, c, d, e, f = m
    return a * xy[0] + b * xy[1] + c, d * xy[0] + e * xy[1] + f


@pytest.mark.parametrize("hand", ["right", "left", "both"])
def test_weapon_stays_in_the_named_hand(engine, sprites, hand):
    sprite = sprites["humanoid_biped"]
    for anim_type in ("walk", "attack", "run", "idle"):
        anim = engine.animate(sprite, type=anim_type, weapon_hand=hand)
        arm = "arm_left" if hand == "left" else "arm_right"
        assert anim.rig["parts"]["weapon"]["parent"] == arm
        grip = anim.rig["pivots"]["weapon_grip"]
        hand_pivot = anim.rig["pivots"]["hand_left" if hand == "left" else "hand_right"]
        assert np.hypot(grip[0] - hand_pivot[0], grip[1] - hand_pivot[1]) <= 1.0
        w_label, a_label = anim.part_names.index("weapon") + 1, anim.part_names.index(arm) + 1
        for fr, m in zip(anim.rig["frames"], anim.part_maps):
            gx, gy = _apply(fr["weapon"], grip)
            hx, hy = _apply(fr[arm], hand_pivot)
            assert np.hypot(gx - hx, gy - hy) <= 1.0
            if hand == "left":          # the far arm is mostly hidden behind the torso
                continue
            # and on screen: weapon pixels touch the arm that holds it
            near = cv2.dilate((m == a_label).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
            assert (near & (m == w_label)).any() or (m == w_label).sum() == 0


def test_attack_style_follows_the_weapon(engine):
    for prompt, style in (("archer", "shoot"), ("wizard with staff", "cast"), ("goblin with spear", "thrust"),
                          ("knight with sword", "slash")):
        sprite = engine.generate(prompt, resolution="48x48", seed=2).sprites[0]
        anim = engine.animate(sprite, type="attack")
        assert anim.metadata["attackStyle"] == style, prompt
    sprite = engine.generate("knight with sword", resolution="48x48", seed=2).sprites[0]
    assert engine.animate(sprite, type="attack", weapon_type="Spear").metadata["attackStyle"] == "thrust"


def test_attack_holds_anticipation_and_impact(engine, sprites):
    anim = engine.animate(sprites["humanoid_biped"], type="attack", fps=10)
    assert anim.durations_ms[1] == 150 and anim.durations_ms[2] == 200
    assert anim.durations_ms[0] == anim.durations_ms[-1] == 100


def test_amorphous_squash_keeps_area(engine, sprites):
    anim = engine.animate(sprites["amorphous"], type="walk")
    rig = anim.rig
    for fr in rig["frames"]:
        a, b, _, d, e, _ = fr["body"]
        assert abs(a * e - b * d - 1.0) < 0.02           # determinant = area scale
    widths = [np.ptp(np.nonzero(np.asarray(f)[..., 3].any(0))[0]) for f in anim.frames]
    assert max(widths) > min(widths)


def test_serpentine_wave_travels(engine, sprites):
    anim = engine.animate(sprites["serpentine"], type="walk")
    frames = [np.asarray(f)[..., 3] > 0 for f in anim.frames]
    assert all((frames[i] != frames[i + 1]).any() for i in range(len(frames) - 1))
    assert anim.rig["frames"][1]["_wave"]["phase"] > anim.rig["frames"][0]["_wave"]["phase"]


def test_winged_flap_has_a_faster_downstroke(engine, sprites):
    anim = engine.animate(sprites["winged"], type="idle", frame_count=10)
    angles = [np.degrees(np.arctan2(fr["wing_left"][3], fr["wing_left"][0])) for fr in anim.rig["frames"]]
    steps = np.diff(angles + angles[:1])
    down = steps[steps > 0]
    up = steps[steps < 0]
    assert len(down) < len(up) and down.max() > abs(up).max()


# ----------------------------------------------------------------------------------------------
# sprites that did not come from the procedural backend


@pytest.mark.parametrize("archetype", list(HANDMADE))
def test_handmade_sprites_classify_segment_and_animate(engine, archetype):
    rgba = HANDMADE[archetype]()
    anim = engine.animate(rgba, type="walk")
    assert anim.metadata["archetype"] == archetype
    assert anim.metadata["archetypeSource"] == "silhouette classifier"
    assert 0.0 <= anim.metadata["archetypeConfidence"] <= 1.0
    assert anim.metadata["partsSource"] == "segmented"
    base = int((rgba[..., 3] > 0).sum())
    for f in anim.frames:
        assert 0.85 <= _opaque(f) / base <= 1.15
        assert _codes(f) <= _codes(Image.fromarray(rgba))
    frames = [np.asarray(f) for f in anim.frames]
    assert any((frames[0] != f).any() for f in frames[1:])


def test_left_facing_user_sprite_is_mirrored_to_rig(engine):
    rgba = stick_figure()[:, ::-1].copy()
    right = engine.animate(rgba, type="walk", direction="left", archetype="humanoid_biped")
    assert right.metadata["partsSource"] == "segmented"
    assert all(f.size == right.frames[0].size for f in right.frames)


def test_archetype_argument_and_deprecated_locomotion(engine, sprites):
    anim = engine.animate(sprites["humanoid_biped"], type="walk", locomotion_type="quadruped")
    assert anim.metadata["archetype"] == "quadruped"
    assert anim.metadata["archetypeSource"].startswith("locomotionType")
    anim = engine.animate(sprites["amorphous"], type="idle", archetype="amorphous")
    assert anim.metadata["archetypeSource"] == "request"


# ----------------------------------------------------------------------------------------------
# directions


def test_left_is_the_mirror_of_right(engine, sprites):
    for archetype in ARCHETYPES:
        right = engine.animate(sprites[archetype], type="walk", direction="right")
        left = engine.animate(sprites[archetype], type="walk", direction="left")
        for r, l_ in zip(right.frames, left.frames):
            assert np.array_equal(np.asarray(r)[:, ::-1], np.asarray(l_))


def test_down_re_renders_procedural_humanoids_in_front_view(engine, sprites):
    anim = engine.animate(sprites["humanoid_biped"], type="walk", direction="down")
    assert "approximatedDirections" not in anim.metadata
    assert "front view" in anim.metadata["viewSource"]
    side = engine.animate(sprites["humanoid_biped"], type="walk", direction="right")
    assert not np.array_equal(np.asarray(anim.frames[0]), np.asarray(side.frames[0]))
    up = engine.animate(sprites["humanoid_biped"], type="walk", direction="up")
    assert up.metadata["approximatedDirections"] == ["up"]
    user = engine.animate(stick_figure(), type="walk", direction="down")
    assert user.metadata["approximatedDirections"] == ["down"]


@pytest.mark.parametrize("n", [4, 8])
def test_direction_sets_share_frame_size_and_anchor(engine, sprites, n, tmp_path):
    result = engine.animate_directions(sprites["humanoid_biped"], type="walk", directions=n)
    assert len(result.animations) == n
    sizes = {a.frame_size for a in result.animations.values()}
    assert len(sizes) == 1
    w, h = sizes.pop()
    assert result.sheet().size == (8 * w, n * h)
    grounds = {max(np.nonzero(np.asarray(a.frames[0])[..., 3].any(1))[0]) for a in result.animations.values()}
    assert max(grounds) - min(grounds) <= 1
    tags = [t["name"] for t in result.atlas("x.png")["meta"]["frameTags"]]
    assert tags == [f"walk_{d}" for d in result.animations]
    files = result.save(tmp_path)
    assert all(p.exists() for p in files)
    with pytest.raises(InvalidRequest, match="directions"):
        engine.animate_directions(sprites["humanoid_biped"], directions=6)


# ----------------------------------------------------------------------------------------------
# custom motions, requests, determinism


def test_custom_descriptions_map_to_primitives(engine, sprites):
    table = {"wave": ["wave"], "spin": ["spin", "twirl"], "bounce": ["bounce"]}
    assert custom_primitives("Wave at the player, then twirl!", table, "bounce") == ("wave", "spin")
    assert custom_primitives("something unknown", table, "bounce") == ("bounce",)
    anim = engine.animate(sprites["humanoid_biped"], type="custom", custom_description="a happy dance, then shiver")
    assert anim.metadata["customPrimitives"] == ["bounce", "shake"]
    assert anim.metadata["customDescription"] == "a happy dance, then shiver"


@pytest.mark.parametrize("kwargs, field", [
    ({"type": "fly"}, "type"), ({"frame_count": 1}, "frame_count"), ({"frame_count": 13}, "frame_count"),
    ({"fps": 3}, "fps"), ({"fps": 61}, "fps"), ({"archetype": "robot"}, "archetype"),
    ({"direction": "north"}, "direction"), ({"weapon_hand": "tail"}, "weapon_hand"),
    ({"custom_description": "x" * 501}, "custom_description"), ({"seed": -1}, "seed"),
])
def test_bad_requests_name_the_field(engine, sprites, kwargs, field):
    with pytest.raises(InvalidRequest) as exc:
        engine.animate(sprites["amorphous"], **kwargs)
    assert exc.value.field == field


def test_bad_sprites_are_rejected(engine, tmp_path):
    with pytest.raises(InvalidRequest, match="sprite"):
        engine.animate(np.zeros((16, 16, 4), np.uint8))
    with pytest.raises(InvalidRequest, match="sprite"):
        engine.animate(tmp_path / "missing.png")
    with pytest.raises(InvalidRequest, match="sprite"):
        engine.animate(np.zeros((8, 8), np.float32))


def test_direction_spelling_with_a_hyphen(engine, sprites):
    anim = engine.animate(sprites["amorphous"], type="idle", direction="Up-Right")
    assert anim.metadata["direction"] == "up_right"


def test_same_inputs_same_bytes_and_seed_varies_amplitude(engine, sprites):
    a = engine.animate(sprites["humanoid_biped"], type="walk", seed=1)
    b = engine.animate(sprites["humanoid_biped"], type="walk", seed=1)
    assert all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a.frames, b.frames))
    assert a.gif() == b.gif()
    c = engine.animate(sprites["humanoid_biped"], type="walk", seed=2)
    assert any(not np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a.frames, c.frames))
    assert engine.animate(sprites["humanoid_biped"], type="walk").metadata["seed"] == \
        engine.animate(sprites["humanoid_biped"], type="walk").metadata["seed"]


def test_process_returns_a_new_animation(engine, sprites):
    anim = engine.animate(sprites["quadruped"], type="run")
    before = [np.asarray(f).copy() for f in anim.frames]
    tight = engine.process_animation(anim, "tight")
    assert tight.id != anim.id and tight.frame_size[0] <= anim.frame_size[0]
    assert all(np.array_equal(np.asarray(f), b) for f, b in zip(anim.frames, before))
    with pytest.raises(InvalidRequest) as exc:
        engine.process_animation(anim, "shrink")
    assert exc.value.field == "mode"


@pytest.mark.parametrize("mode", ["stabilize", "tight", "aggressive"])
def test_process_every_archetype_keeps_the_rig(engine, sprites, mode):
    # serpentine rigs carry a per-frame "_wave" entry next to the part affines (it once crashed process)
    for archetype, sprite in sprites.items():
        anim = engine.animate(sprite, type="walk")
        out = engine.process_animation(anim, mode)
        assert len(out.frames) == len(anim.frames), archetype
        if anim.rig is not None:
            assert [set(p) for p in out.rig["frames"]] == [set(p) for p in anim.rig["frames"]], archetype


# ----------------------------------------------------------------------------------------------
# chaining, saved sprites, CLI


def test_chain_animations_with_generate(engine, tmp_path):
    result = engine.generate("a goblin warrior", resolution="32x32", seed=4, variant_count=2,
                             chain_animations=[{"type": "idle"}, {"type": "walk", "frameCount": 6}])
    for sprite in result.sprites:
        assert [a.type for a in sprite.animations] == ["idle", "walk"]
        assert len(sprite.animations[1].frames) == 6
    assert result.metadata["chainAnimations"] == [{"type": "idle"}, {"type": "walk", "frameCount": 6}]
    files = result.save(tmp_path)
    meta = json.loads((tmp_path / f"{result.id}.json").read_text())
    assert [a["type"] for a in meta["variants"][0]["animations"]] == ["idle", "walk"]
    assert all(p.exists() for p in files)
    with pytest.raises(InvalidRequest, match="chain_animations"):
        engine.generate("a goblin", chain_animations=[{"type": "moonwalk"}])


def test_saved_sprite_png_keeps_its_parts(engine, tmp_path):
    result = engine.generate("a wolf", resolution="48x48", seed=3)
    result.save(tmp_path)
    png = tmp_path / f"{result.id}_v1.png"
    anim = engine.animate(png, type="walk")
    assert anim.metadata["partsSource"] == "sprite"
    assert anim.metadata["archetypeSource"] == "sprite metadata"
    direct = engine.animate(result.sprites[0], type="walk")
    assert all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(anim.frames, direct.frames))


def test_cli_animate(tmp_path):
    from typer.testing import CliRunner

    from sprixen_engine.cli import app

    runner = CliRunner()
    png = tmp_path / "blob.png"
    Image.fromarray(blob()).save(png)
    res = runner.invoke(app, ["animate", str(png), "--type", "jump", "--frames", "4", "--process", "aggressive",
                              "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert sum(n.endswith(".gif") for n in written) == 2 and sum(n.endswith(".tres") for n in written) == 2
    res = runner.invoke(app, ["animate", str(png), "--fps", "99", "-o", str(tmp_path / "bad")])
    assert res.exit_code == 2 and "fps" in res.output


def test_match_body_height_scales_a_view_to_the_base():
    from sprixen_engine import SpriteAsset
    from sprixen_engine.animation.animate import match_body_height

    def rect(h):
        a = np.zeros((40, 40, 4), np.uint8)
        a[38 - h:38, 15:25] = (200, 50, 50, 255)
        return SpriteAsset(image=Image.fromarray(a), parts={"body": a[..., 3] > 0}, pivots={"ground": (20.0, 38.0)})

    base, view = rect(30), rect(20)
    scaled = match_body_height(view, base)
    rows = np.nonzero(np.asarray(scaled.image)[..., 3].any(1))[0]
    assert rows[-1] - rows[0] + 1 == 30 and rows[-1] == 37
    assert scaled.parts["body"].sum() == (np.asarray(scaled.image)[..., 3] > 0).sum()
    assert _codes(scaled.image) == _codes(view.image)
    assert match_body_height(rect(30), base) is not None and match_body_height(rect(29), base).metadata == {}


def test_front_facing_sprites_are_true_views_downwards(engine):
    bat = engine.generate("a vampire bat", resolution="48x48", seed=1).sprites[0]
    assert bat.metadata["facing"] == "front"
    assert "approximatedDirections" not in engine.animate(bat, type="idle", direction="down").metadata
    assert engine.animate(bat, type="idle", direction="right").metadata["approximatedDirections"] == ["right"]


def test_smooth_sprites_with_soft_edges_animate(engine):
    img = np.zeros((48, 48, 4), np.uint8)
    cv2.ellipse(img, (24, 30), (14, 12), 0, 0, 360, (90, 160, 220, 255), -1, lineType=cv2.LINE_AA)
    soft = ((img[..., 3] > 0) & (img[..., 3] < 255)).sum()
    assert soft > 0
    anim = engine.animate(img, type="walk", archetype="amorphous")
    for f in anim.frames:
        a = np.asarray(f)[..., 3]
        assert ((a > 0) & (a < 255)).sum() > 0          # the soft edge survives
        assert 0.85 <= (a > 0).sum() / (img[..., 3] > 0).sum() <= 1.15
