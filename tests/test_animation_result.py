"""Exporters of the animation result: sheet, GIF, Aseprite atlas, Godot SpriteFrames, rig JSON, save."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
from PIL import Image

from sprixen_engine.animation.result import Animation, AnimationSet
from sprixen_engine.errors import InvalidRequest

RED, BLUE, DARK = (200, 30, 40), (20, 60, 220), (12, 10, 8)


def square_frames(n: int = 3, size: int = 16, colour=RED) -> list[Image.Image]:
    """``n`` RGBA frames: a 4x4 square moving right by 3 px a frame, a fixed dark bar, a half-alpha pixel."""
    frames = []
    for i in range(n):
        a = np.zeros((size, size, 4), np.uint8)
        a[4:8, 2 + 3 * i:6 + 3 * i] = (*colour, 255)
        a[12:14, 1:15] = (*DARK, 255)
        a[0, 0] = (*BLUE, 200)  # semi-opaque → opaque in the GIF
        a[0, 1] = (*BLUE, 60)  # mostly transparent → transparent in the GIF
        frames.append(Image.fromarray(a, "RGBA"))
    return frames


def make_anim(n: int = 3, *, type: str = "walk", durations=None, rig=None, **kw) -> Animation:
    return Animation(id="anim_test", type=type, frames=square_frames(n, **kw),
                     durations_ms=durations or [100] * n, fps=10, metadata={"seed": 1, "direction": "down"},
                     rig=rig)


def make_set(directions=("down", "left", "up")) -> AnimationSet:
    colours = [RED, BLUE, (40, 200, 90), (240, 220, 10)]
    anims = {d: Animation(id=f"anim_{d}", type="walk", frames=square_frames(3, colour=colours[k]),
                          durations_ms=[100, 100, 100], fps=8) for k, d in enumerate(directions)}
    return AnimationSet(id="set_test", animations=anims, metadata={"seed": 2})


# -- sheet ---------------------------------------------------------------------------------------------------


def test_sheet_is_a_strip_with_frames_in_order():
    anim = make_anim(3)
    sheet = anim.sheet()
    assert sheet.mode == "RGBA" and sheet.size == (48, 16)
    arr = np.asarray(sheet)
    for i, frame in enumerate(anim.frames):
        np.testing.assert_array_equal(arr[:, 16 * i:16 * (i + 1)], np.asarray(frame))


def test_sheet_grid_with_padding_leaves_transparent_gaps():
    anim = make_anim(5)
    sheet = anim.sheet(columns=2, padding=2)
    assert sheet.size == (2 * 16 + 2, 3 * 16 + 2 * 2)
    arr = np.asarray(sheet)
    positions = [(0, 0), (18, 0), (0, 18), (18, 18), (0, 36)]
    for frame, (x, y) in zip(anim.frames, positions):
        np.testing.assert_array_equal(arr[y:y + 16, x:x + 16], np.asarray(frame))
    assert not arr[:, 16:18].any() and not arr[16:18].any()  # gaps
    assert not arr[36:, 18:].any()  # empty last cell


def test_sheet_rejects_bad_layout():
    with pytest.raises(InvalidRequest, match="columns"):
        make_anim().sheet(columns=0)
    with pytest.raises(InvalidRequest, match="padding"):
        make_anim().sheet(padding=-1)


# -- GIF -----------------------------------------------------------------------------------------------------


def read_gif(data: bytes) -> tuple[Image.Image, list[np.ndarray], list[int]]:
    gif = Image.open(io.BytesIO(data))
    frames, durations = [], []
    for i in range(gif.n_frames):
        gif.seek(i)
        durations.append(gif.info["duration"])
        frames.append(np.asarray(gif.convert("RGBA")))
    return gif, frames, durations


def test_gif_round_trip_keeps_frames_durations_transparency_and_colours():
    anim = make_anim(3, durations=[100, 40, 250])
    data = anim.gif()
    assert data[:6] == b"GIF89a"
    gif, frames, durations = read_gif(data)
    assert len(frames) == 3
    assert durations == [100, 40, 250]
    assert gif.info["loop"] == 0
    assert gif.disposal_method == 2
    for got, frame in zip(frames, anim.frames):
        src = np.asarray(frame)
        opaque = src[..., 3] >= 128
        np.testing.assert_array_equal(got[..., 3], np.where(opaque, 255, 0))
        np.testing.assert_array_equal(got[opaque][:, :3], src[opaque][:, :3])  # exact colours


def gif_blocks(data: bytes) -> tuple[int, list[tuple[int, int]], list[bool]]:
    """Walk a GIF's blocks: global palette entries, (disposal, transparent index) per frame, local-palette flags."""
    flags = data[10]
    palette = 2 ** ((flags & 7) + 1) if flags & 0x80 else 0
    pos, controls, local = 13 + 3 * palette, [], []
    while data[pos] != 0x3B:
        if data[pos] == 0x21:  # extension: label, then sub-blocks
            if data[pos + 1] == 0xF9:
                controls.append(((data[pos + 3] >> 2) & 7, data[pos + 6]))
            pos += 2
        else:  # image descriptor, optional local palette, LZW code size, then sub-blocks
            flags = data[pos + 9]
            local.append(bool(flags & 0x80))
            pos += 10 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0) + 1
        while data[pos]:
            pos += data[pos] + 1
        pos += 1
    return palette, controls, local


def test_gif_has_one_global_palette_and_restores_to_background():
    palette, controls, local = gif_blocks(make_anim(3).gif())
    assert palette == 4  # red, blue, dark + the reserved transparent entry
    assert controls == [(2, 3)] * 3 and local == [False] * 3


def test_gif_durations_round_to_centiseconds_with_a_20ms_floor():
    _, _, durations = read_gif(make_anim(3, durations=[5, 16, 124]).gif())
    assert durations == [20, 20, 120]


def test_gif_reduces_many_colours_to_one_palette():
    rng = np.random.default_rng(0)
    frames = [Image.fromarray(np.dstack([rng.integers(0, 256, (32, 32, 3), dtype=np.uint8),
                                         np.full((32, 32), 255, np.uint8)]), "RGBA") for _ in range(2)]
    anim = Animation(id="noise", type="idle", frames=frames, durations_ms=[100, 100], fps=10)
    _, got, _ = read_gif(anim.gif())
    assert len(got) == 2
    assert all((g[..., 3] == 255).all() for g in got)
    colours = np.unique(np.concatenate([g[..., :3].reshape(-1, 3) for g in got]), axis=0)
    assert len(colours) <= 255


def test_gif_of_fully_transparent_frames():
    blank = [Image.new("RGBA", (8, 8)), Image.new("RGBA", (8, 8))]
    anim = Animation(id="blank", type="idle", frames=blank, durations_ms=[100, 100], fps=10)
    gif = Image.open(io.BytesIO(anim.gif()))
    assert not np.asarray(gif.convert("RGBA"))[..., 3].any()


# -- Aseprite atlas ------------------------------------------------------------------------------------------


def test_atlas_hash_matches_aseprite_fields():
    anim = make_anim(3, durations=[100, 80, 120])
    atlas = anim.atlas("anim_test.png")
    assert list(atlas) == ["frames", "meta"]
    assert list(atlas["frames"]) == ["anim_test 0.png", "anim_test 1.png", "anim_test 2.png"]
    second = atlas["frames"]["anim_test 1.png"]
    assert list(second) == ["frame", "rotated", "trimmed", "spriteSourceSize", "sourceSize", "duration"]
    assert second == {"frame": {"x": 16, "y": 0, "w": 16, "h": 16}, "rotated": False, "trimmed": False,
                      "spriteSourceSize": {"x": 0, "y": 0, "w": 16, "h": 16}, "sourceSize": {"w": 16, "h": 16},
                      "duration": 80}
    meta = atlas["meta"]
    assert list(meta)[:7] == ["app", "version", "image", "format", "size", "scale", "frameTags"]
    assert meta["image"] == "anim_test.png" and meta["format"] == "RGBA8888"
    assert meta["size"] == {"w": 48, "h": 16} and meta["scale"] == "1"
    assert meta["frameTags"] == [{"name": "walk", "from": 0, "to": 2, "direction": "forward"}]
    assert meta["sprixen"]["fps"] == 10 and meta["sprixen"]["loop"] is True
    json.dumps(atlas)


def test_atlas_array_grid_and_custom_tags():
    anim = make_anim(4)
    atlas = anim.atlas(format="array", columns=2, padding=1,
                       tags=[{"name": "a", "from": 0, "to": 1}, {"name": "b", "from": 2, "to": 3,
                                                                  "direction": "pingpong"}])
    assert [f["filename"] for f in atlas["frames"]] == [f"anim_test {i}.png" for i in range(4)]
    assert [f["frame"]["x"] for f in atlas["frames"]] == [0, 17, 0, 17]
    assert [f["frame"]["y"] for f in atlas["frames"]] == [0, 0, 17, 17]
    assert atlas["meta"]["size"] == {"w": 33, "h": 33} == dict(zip("wh", anim.sheet(2, 1).size))
    assert atlas["meta"]["frameTags"][1] == {"name": "b", "from": 2, "to": 3, "direction": "pingpong"}


@pytest.mark.parametrize("kw, field", [({"format": "xml"}, "format"),
                                       ({"tags": [{"name": "x", "from": 0, "to": 9}]}, "tags"),
                                       ({"tags": [{"name": "x", "from": 0, "to": 1, "direction": "up"}]}, "tags"),
                                       ({"tags": [{"from": 0}]}, "tags")])
def test_atlas_rejects_bad_options(kw, field):
    with pytest.raises(InvalidRequest) as err:
        make_anim().atlas(**kw)
    assert err.value.field == field


# -- Godot SpriteFrames --------------------------------------------------------------------------------------


def parse_tres(text: str) -> dict:
    """A minimal reader of the parts of a SpriteFrames .tres we write."""
    header = re.match(r'\[gd_resource type="SpriteFrames" load_steps=(\d+) format=3\]\n', text)
    assert header, text[:80]
    ext = re.findall(r'\[ext_resource type="Texture2D" path="([^"]+)" id="(1_[a-z0-9]{5})"\]', text)
    subs = re.findall(r'\[sub_resource type="AtlasTexture" id="(AtlasTexture_[a-z0-9]{5})"\]\n'
                      r'atlas = ExtResource\("(1_[a-z0-9]{5})"\)\n'
                      r"region = Rect2\((\d+), (\d+), (\d+), (\d+)\)\n", text)
    anims = re.findall(r'\{\n"frames": \[(.*?)\],\n"loop": (true|false),\n"name": &"([^"]+)",\n"speed": ([\d.]+)\n\}',
                       text, re.S)
    return {"load_steps": int(header.group(1)), "ext": ext, "subs": subs,
            "anims": [{"frames": re.findall(r'\{\n"duration": ([\d.]+),\n"texture": SubResource\("([^"]+)"\)\n\}', f),
                       "loop": loop == "true", "name": name, "speed": float(speed)}
                      for f, loop, name, speed in anims]}


def test_godot_sprite_frames_structure():
    anim = make_anim(3, durations=[100, 200, 50])
    text = anim.godot_sprite_frames("res://anim_test.png")
    tres = parse_tres(text)
    assert tres["load_steps"] == 1 + 3 + 1
    assert len(tres["ext"]) == 1 and tres["ext"][0][0] == "res://anim_test.png"
    tex_id = tres["ext"][0][1]
    assert [s[1] for s in tres["subs"]] == [tex_id] * 3
    assert [tuple(map(int, s[2:])) for s in tres["subs"]] == [(0, 0, 16, 16), (16, 0, 16, 16), (32, 0, 16, 16)]
    assert len({s[0] for s in tres["subs"]}) == 3
    [clip] = tres["anims"]
    assert clip["name"] == "walk" and clip["loop"] is True and clip["speed"] == 10.0
    assert [float(d) for d, _ in clip["frames"]] == [1.0, 2.0, 0.5]  # ms * fps / 1000
    assert [t for _, t in clip["frames"]] == [s[0] for s in tres["subs"]]
    assert text.endswith("}]\n")
    assert text == anim.godot_sprite_frames("res://anim_test.png")  # deterministic ids


@pytest.mark.parametrize("type, loop", [("idle", True), ("walk", True), ("run", True), ("custom", True),
                                        ("attack", False), ("jump", False), ("death", False), ("hurt", False)])
def test_godot_loop_defaults_by_type(type, loop):
    assert parse_tres(make_anim(type=type).godot_sprite_frames())["anims"][0]["loop"] is loop


def test_godot_loop_override():
    assert parse_tres(make_anim(type="attack").godot_sprite_frames(loop=True))["anims"][0]["loop"] is True


# -- rig JSON, copies, save ----------------------------------------------------------------------------------


def test_rig_json_is_serialisable_with_and_without_rig():
    rig = {"parts": {"body": {"parent": None, "pivot": (np.float32(8.0), 8), "z": np.int64(0)}},
           "frames": [{"body": np.array([1.0, 0, 1, 0, 1, 0])} for _ in range(3)]}
    data = make_anim(rig=rig).rig_json()
    text = json.dumps(data)
    assert data["frameSize"] == [16, 16] and data["durationsMs"] == [100] * 3
    assert json.loads(text)["parts"]["body"]["pivot"] == [8.0, 8]
    assert data["frames"][0]["body"] == [1.0, 0, 1, 0, 1, 0]
    bare = make_anim().rig_json()
    assert bare["parts"] == {} and bare["frames"] == []
    json.dumps(bare)


def test_with_frames_copies_without_touching_the_original():
    anim = make_anim(3)
    anim.part_names = ["body"]
    anim.part_maps = [np.ones((16, 16), np.uint8) for _ in range(3)]
    flipped = [f.transpose(Image.Transpose.FLIP_LEFT_RIGHT) for f in anim.frames]
    copy = anim.with_frames(flipped, metadata_update={"flipped": True}, id="anim_flip")
    assert copy.id == "anim_flip" and copy.frames == flipped and copy.metadata["flipped"] is True
    assert "flipped" not in anim.metadata and anim.id == "anim_test" and anim.frames != flipped
    assert len(copy.part_maps) == 3 and copy.part_maps[0] is not anim.part_maps[0]
    assert anim.with_frames(flipped, part_maps=[]).part_maps == []
    shorter = anim.with_frames(flipped[:2], durations_ms=[50, 50])
    assert shorter.part_maps == [] and shorter.durations_ms == [50, 50]
    with pytest.raises(InvalidRequest, match="durations_ms"):
        anim.with_frames(flipped[:2])


def test_animation_validates_its_fields():
    frames = square_frames(2)
    with pytest.raises(InvalidRequest, match="durations_ms"):
        Animation(id="a", type="walk", frames=frames, durations_ms=[100], fps=10)
    with pytest.raises(InvalidRequest, match="same size"):
        Animation(id="a", type="walk", frames=[frames[0], Image.new("RGBA", (8, 8))], durations_ms=[1, 1], fps=10)


def test_save_writes_stable_names(tmp_path):
    anim = make_anim(3)
    paths = anim.save(tmp_path / "out", frame_pngs=True)
    names = [p.name for p in paths]
    assert names == ["anim_test.png", "anim_test.gif", "anim_test.json", "anim_test.tres", "anim_test.rig.json",
                     "anim_test_f00.png", "anim_test_f01.png", "anim_test_f02.png", "anim_test.meta.json"]
    assert all(p.is_file() for p in paths)
    assert json.loads((tmp_path / "out/anim_test.json").read_text())["meta"]["image"] == "anim_test.png"
    assert 'path="res://anim_test.png"' in (tmp_path / "out/anim_test.tres").read_text()
    meta = json.loads((tmp_path / "out/anim_test.meta.json").read_text())
    assert meta["metadata"]["seed"] == 1 and meta["files"] == names[:-1]
    assert Image.open(tmp_path / "out/anim_test.png").size == (48, 16)
    assert [p.name for p in anim.save(tmp_path / "plain")][-1] == "anim_test.meta.json"
    assert len(anim.save(tmp_path / "plain")) == 6


# -- AnimationSet --------------------------------------------------------------------------------------------


def test_set_sheet_has_one_row_per_direction():
    aset = make_set()
    arr = np.asarray(aset.sheet())
    assert arr.shape == (48, 48, 4)
    for row, anim in enumerate(aset.animations.values()):
        for col, frame in enumerate(anim.frames):
            np.testing.assert_array_equal(arr[16 * row:16 * (row + 1), 16 * col:16 * (col + 1)], np.asarray(frame))


def test_set_atlas_tags_and_frames():
    atlas = make_set().atlas("set_test.png")
    assert len(atlas["frames"]) == 9
    assert atlas["frames"]["set_test 4.png"]["frame"] == {"x": 16, "y": 16, "w": 16, "h": 16}
    assert atlas["meta"]["frameTags"] == [
        {"name": "walk_down", "from": 0, "to": 2, "direction": "forward"},
        {"name": "walk_left", "from": 3, "to": 5, "direction": "forward"},
        {"name": "walk_up", "from": 6, "to": 8, "direction": "forward"}]
    assert atlas["meta"]["size"] == {"w": 48, "h": 48}


def test_set_godot_has_one_animation_per_direction():
    tres = parse_tres(make_set().godot_sprite_frames("res://set_test.png"))
    assert tres["load_steps"] == 11 and len(tres["subs"]) == 9
    assert [a["name"] for a in tres["anims"]] == ["walk_down", "walk_left", "walk_up"]
    assert all(a["speed"] == 8.0 and a["loop"] for a in tres["anims"])
    left = tres["anims"][1]
    regions = {s[0]: tuple(map(int, s[2:])) for s in tres["subs"]}
    assert [regions[t] for _, t in left["frames"]] == [(0, 16, 16, 16), (16, 16, 16, 16), (32, 16, 16, 16)]
    assert [float(d) for d, _ in left["frames"]] == [0.8] * 3


def test_set_gif_and_save(tmp_path):
    aset = make_set(("down", "up"))
    assert Image.open(io.BytesIO(aset.gif("up"))).n_frames == 3
    with pytest.raises(InvalidRequest, match="direction"):
        aset.gif("sideways")
    names = [p.name for p in aset.save(tmp_path)]
    assert names == ["set_test.png", "set_test.json", "set_test.tres", "set_test_down.gif", "set_test_up.gif",
                     "set_test.meta.json"]
    meta = json.loads((tmp_path / "set_test.meta.json").read_text())
    assert list(meta["directions"]) == ["down", "up"] and meta["metadata"] == {"seed": 2}


def test_set_validates_sizes_and_counts():
    down = make_anim(3)
    with pytest.raises(InvalidRequest, match="frame count") as err:
        AnimationSet(id="s", animations={"down": down, "up": make_anim(4)})
    assert err.value.field == "animations.up"
    with pytest.raises(InvalidRequest, match="frame size"):
        AnimationSet(id="s", animations={"down": down, "up": make_anim(3, size=24)})
    with pytest.raises(InvalidRequest, match="non-empty"):
        AnimationSet(id="s", animations={})
    with pytest.raises(InvalidRequest, match="direction names"):
        AnimationSet(id="s", animations={"down/left": down})
