"""The sprixen CLI and offline batch generation."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from sprixen_engine.batch import read_batch_file, run_batch
from sprixen_engine.cli import app

runner = CliRunner()


def test_generate_writes_files(tmp_path):
    res = runner.invoke(app, ["generate", "a red dragon", "--variants", "2", "--seed", "3", "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    pngs = sorted(p.name for p in tmp_path.glob("gen_*_v?.png"))
    assert len(pngs) == 2
    assert Image.open(tmp_path / pngs[0]).size == (32, 32)


@pytest.mark.parametrize("args, field", [
    (["generate", "ab"], "prompt"),
    (["generate", "a knight", "--variants", "5"], "variant_count"),
    (["generate", "a knight", "--resolution", "big"], "resolution"),
    (["generate", "a knight", "--pixel-perfect", "maybe"], "pixel_perfect"),
])
def test_bad_input_exits_2_naming_the_field(tmp_path, args, field):
    res = runner.invoke(app, [*args, "-o", str(tmp_path)])
    assert res.exit_code == 2
    assert field in res.output


def test_pixelize_and_remove_bg_commands(tmp_path):
    rng = np.random.default_rng(0)
    sprite = np.zeros((12, 12, 3), np.uint8) + 255
    sprite[2:10, 2:10] = rng.choice([(200, 40, 40), (40, 40, 200), (30, 160, 60), (20, 20, 20)], size=(8, 8))
    big = Image.fromarray(sprite).resize((120, 120), Image.NEAREST)
    big.save(tmp_path / "in.png")
    res = runner.invoke(app, ["pixelize", str(tmp_path / "in.png"), "-o", str(tmp_path / "px.png")])
    assert res.exit_code == 0, res.output
    assert Image.open(tmp_path / "px.png").size == (12, 12)
    res = runner.invoke(app, ["remove-bg", str(tmp_path / "in.png"), "-o", str(tmp_path / "cut.png")])
    assert res.exit_code == 0, res.output
    cut = np.asarray(Image.open(tmp_path / "cut.png").convert("RGBA"))
    assert cut[0, 0, 3] == 0 and cut[60, 60, 3] == 255
    res = runner.invoke(app, ["remove-bg", str(tmp_path / "missing.png"), "-o", str(tmp_path / "x.png")])
    assert res.exit_code == 2 and "image" in res.output


def _write(path, text):
    path.write_text(text)
    return path


def test_batch_formats(tmp_path):
    txt = _write(tmp_path / "a.txt", "# comment\na knight\n\na golden key\n")
    jsonl = _write(tmp_path / "b.jsonl", '{"prompt": "a wolf", "variantCount": 2}\n{"prompt": "a bat", "seed": 4}\n')
    csv = _write(tmp_path / "c.csv", "prompt,variant_count,resolution,packItems\na slime,1,64x64,\npack,1,,torch|vine\n")
    assert [r.fields["prompt"] for r in read_batch_file(txt)] == ["a knight", "a golden key"]
    rows = read_batch_file(jsonl)
    assert rows[0].fields["variantCount"] == 2 and rows[1].fields["seed"] == 4
    rows = read_batch_file(csv)
    assert rows[0].fields == {"prompt": "a slime", "variant_count": 1, "resolution": "64x64"}
    assert rows[1].fields["packItems"] == ["torch", "vine"]


def test_batch_bad_rows_do_not_abort_and_rerun_skips(engine, tmp_path):
    src = _write(tmp_path / "in.jsonl", "\n".join([
        '{"prompt": "a knight", "variantCount": 2}',
        '{"prompt": "ab"}',
        'not json',
        '{"prompt": "a potion", "variantCount": 9}',
        '{"prompt": "a tree"}',
    ]))
    out = tmp_path / "out"
    manifest = run_batch(engine, read_batch_file(src), out)
    assert manifest["summary"] == {"done": 2, "skipped": 0, "error": 3}
    items = manifest["items"]
    assert "prompt" in items["line:2"]["error"]
    assert "JSON" in items["line:3"]["error"]
    assert "variant_count" in items["line:4"]["error"]
    done = items["line:1"]
    assert len([f for f in done["files"] if f.endswith("_v1.png") or f.endswith("_v2.png")]) == 2
    first_bytes = (out / done["files"][0]).read_bytes()
    again = run_batch(engine, read_batch_file(src), out)
    assert again["summary"] == {"done": 0, "skipped": 2, "error": 3}
    assert (out / done["files"][0]).read_bytes() == first_bytes
    on_disk = json.loads((out / "manifest.json").read_text())
    assert on_disk["summary"] == again["summary"]


def test_batch_is_deterministic_without_seeds(engine, tmp_path):
    src = _write(tmp_path / "in.txt", "a red dragon\n")
    m1 = run_batch(engine, read_batch_file(src), tmp_path / "o1")
    m2 = run_batch(engine, read_batch_file(src), tmp_path / "o2")
    f1, f2 = m1["items"]["line:1"]["files"][0], m2["items"]["line:1"]["files"][0]
    assert (tmp_path / "o1" / f1).read_bytes() == (tmp_path / "o2" / f2).read_bytes()


def test_batch_cli(tmp_path):
    src = _write(tmp_path / "in.txt", "a knight\na mushroom\n")
    res = runner.invoke(app, ["batch", str(src), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["summary"]["done"] == 2
    res = runner.invoke(app, ["batch", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2 and "file" in res.output


def test_import_is_light():
    """Import time is a benchmark (bench_import.py); here: no torch, no numpy at import."""
    code = "import sys, sprixen_engine; print('torch' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
