"""The weights registry: manifest, resolution order, HF cache layout, import, verify and the CLI."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sprixen_engine.backends import weights as W
from sprixen_engine.backends.weights import (
    WeightsRegistry,
    load_manifest,
    parse_manifest,
    registry_from_config,
)
from sprixen_engine.cli_weights import weights_app
from sprixen_engine.config import config_dir, load_config
from sprixen_engine.errors import InvalidRequest, ModelUnavailable

CONTRACT_IDS = {"sdxl-base-1.0", "sdxl-vae-fp16-fix", "pixel-art-xl-lora", "lcm-lora-sdxl", "sdxl-lightning-4step",
                "taesdxl", "rmbg-2.0-onnx", "rmbg-2.0-onnx-fp16", "rmbg-2.0", "musicgen-small", "musicgen-medium",
                "ip-adapter-sdxl"}

LORA_BYTES = b"tiny lora weights"
LORA_SHA = hashlib.sha256(LORA_BYTES).hexdigest()

TINY = {
    "models": {
        "tiny-lora": {
            "kind": "lora", "files": ["tiny.safetensors"], "source": "acme/tiny-lora",
            "license": "MIT", "used_by": "the test backend", "description": "Tiny LoRA",
            "sha256": {"tiny.safetensors": LORA_SHA},
        },
        "tiny-sd": {
            "kind": "diffusers", "files": ["model_index.json", "unet/config.json"],
            "patterns": ["unet/diffusion_pytorch_model*.safetensors|unet/diffusion_pytorch_model*.bin"],
            "alt_files": [["tiny_single.safetensors"]], "source": "acme/tiny-sd",
            "license": "CreativeML Open RAIL++-M", "used_by": "the sdxl sprite backend",
            "description": "Tiny SD", "sha256": {"unet/config.json": "0" * 64},
        },
        "tiny-nc": {
            "kind": "onnx", "files": ["onnx/model.onnx"], "source": "acme/tiny-nc",
            "license": "CC BY-NC 4.0", "non_commercial": True, "used_by": "the rmbg matting backend",
            "description": "Tiny NC", "sha256": {"onnx/model.onnx": ""},
        },
    }
}

MANIFEST_TOML = f'''
[models."tiny-lora"]
kind = "lora"
files = ["tiny.safetensors"]
source = "acme/tiny-lora"
license = "MIT"
used_by = "the test backend"
[models."tiny-lora".sha256]
"tiny.safetensors" = "{LORA_SHA}"

[models."tiny-nc"]
kind = "onnx"
files = ["onnx/model.onnx"]
source = "acme/tiny-nc"
license = "CC BY-NC 4.0"
non_commercial = true
used_by = "the rmbg matting backend"
'''


@pytest.fixture
def manifest():
    return parse_manifest(TINY)


@pytest.fixture
def dirs(tmp_path):
    d = {k: tmp_path / k for k in ("explicit", "env", "local", "hf")}
    for p in d.values():
        p.mkdir()
    return d


def make_registry(manifest, dirs, explicit=None):
    return WeightsRegistry(manifest, explicit=explicit, env_dir=dirs["env"], local_dir=dirs["local"],
                           hf_cache=dirs["hf"])


def write(path: Path, data: bytes | str = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def make_sd(folder: Path, *, weights: bool = True) -> Path:
    write(folder / "model_index.json", "{}")
    write(folder / "unet" / "config.json", '{"in_channels": 4}')
    if weights:
        write(folder / "unet" / "diffusion_pytorch_model.safetensors", b"unet weights")
    write(folder / "README.md", "extra file")
    return folder


def make_hf_repo(hf: Path, source: str, files: dict[str, bytes], rev: str = "a" * 40, main: bool = True) -> Path:
    """An HF hub cache entry: blobs/<sha>, snapshots/<rev>/<file> → ../../blobs/<sha> (relative symlinks)."""
    repo = hf / ("models--" + source.replace("/", "--"))
    snap = repo / "snapshots" / rev
    for rel, data in files.items():
        digest = hashlib.sha256(data).hexdigest()
        write(repo / "blobs" / digest, data)
        link = snap / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(repo / "blobs" / digest, link.parent))
    if main:
        write(repo / "refs" / "main", rev)
    return snap


# ------------------------------------------------------------------------------------------- manifest


def test_repo_manifest_lists_the_contract_ids_with_licences():
    specs = load_manifest(config_dir())
    assert set(specs) == CONTRACT_IDS
    assert specs["sdxl-base-1.0"].license == "CreativeML Open RAIL++-M"
    assert specs["sdxl-base-1.0"].kind == "diffusers"
    assert ("sd_xl_base_1.0.safetensors",) in specs["sdxl-base-1.0"].alt_files
    assert specs["sdxl-vae-fp16-fix"].license == "MIT" and specs["taesdxl"].license == "MIT"
    assert specs["pixel-art-xl-lora"].files == ("pixel-art-xl.safetensors",)
    assert specs["sdxl-lightning-4step"].files == ("sdxl_lightning_4step_lora.safetensors",)
    for mid in ("rmbg-2.0-onnx", "rmbg-2.0-onnx-fp16", "rmbg-2.0", "musicgen-small", "musicgen-medium"):
        assert specs[mid].non_commercial and "NC" in specs[mid].license, mid
    for mid in CONTRACT_IDS - {"rmbg-2.0-onnx", "rmbg-2.0-onnx-fp16", "rmbg-2.0", "musicgen-small",
                               "musicgen-medium"}:
        assert not specs[mid].non_commercial, mid
    assert all(s.source and s.used_by and s.description for s in specs.values())
    assert all(len(d) == 64 for s in specs.values() for d in s.sha256.values())


@pytest.mark.parametrize("entry, field", [
    ({"kind": "zip", "files": ["a"]}, "models.toml:m.kind"),
    ({"kind": "lora", "files": []}, "models.toml:m.files"),
    ({"kind": "lora", "files": ["../a"]}, "models.toml:m.files"),
    ({"kind": "lora", "files": ["a"], "sha256": {"a": "xyz"}}, "models.toml:m.sha256.a"),
    ({"kind": "lora", "files": ["a"], "colour": 1}, "models.toml:m.colour"),
])
def test_bad_manifest_entries_name_the_key(entry, field):
    with pytest.raises(InvalidRequest) as exc:
        parse_manifest({"models": {"m": entry}})
    assert exc.value.field == field


def test_unknown_id_names_the_field_and_lists_known_ids(manifest, dirs):
    reg = make_registry(manifest, dirs)
    with pytest.raises(InvalidRequest, match="tiny-lora, tiny-sd, tiny-nc") as exc:
        reg.locate("nope")
    assert exc.value.field == "model"
    with pytest.raises(InvalidRequest) as exc:
        reg.import_weights(dirs["env"], "nope")
    assert exc.value.field == "--as"
    with pytest.raises(InvalidRequest) as exc:
        make_registry(manifest, dirs, explicit={"nope": dirs["explicit"]})
    assert exc.value.field == "weights.paths"


# ------------------------------------------------------------------------------------------- resolution


def test_resolution_order_explicit_env_local_hf(manifest, dirs):
    write(dirs["explicit"] / "mine.safetensors", LORA_BYTES)  # an explicit FILE, any name
    write(dirs["env"] / "tiny-lora" / "tiny.safetensors", LORA_BYTES)
    write(dirs["local"] / "tiny-lora" / "tiny.safetensors", LORA_BYTES)
    snap = make_hf_repo(dirs["hf"], "acme/tiny-lora", {"tiny.safetensors": LORA_BYTES})
    reg = make_registry(manifest, dirs, explicit={"tiny-lora": dirs["explicit"] / "mine.safetensors"})
    assert reg.require("tiny-lora") == dirs["explicit"] / "mine.safetensors"
    (dirs["explicit"] / "mine.safetensors").unlink()
    assert reg.locate("tiny-lora") == dirs["env"] / "tiny-lora" / "tiny.safetensors"
    (dirs["env"] / "tiny-lora" / "tiny.safetensors").unlink()
    assert reg.locate("tiny-lora") == dirs["local"] / "tiny-lora" / "tiny.safetensors"
    (dirs["local"] / "tiny-lora" / "tiny.safetensors").unlink()
    assert reg.locate("tiny-lora") == snap / "tiny.safetensors"
    assert reg.available("tiny-lora")


def test_folder_models_need_every_file_and_pattern(manifest, dirs):
    reg = make_registry(manifest, dirs)
    make_sd(dirs["env"] / "tiny-sd", weights=False)  # configs only: incomplete, skipped
    make_sd(dirs["local"] / "tiny-sd")
    assert reg.locate("tiny-sd") == dirs["local"] / "tiny-sd"
    (dirs["local"] / "tiny-sd" / "unet" / "config.json").unlink()
    assert reg.locate("tiny-sd") is None and not reg.available("tiny-sd")


def test_single_file_alternative_resolves_to_the_file(manifest, dirs):
    write(dirs["local"] / "tiny-sd" / "tiny_single.safetensors", b"ckpt")
    reg = make_registry(manifest, dirs)
    assert reg.locate("tiny-sd") == dirs["local"] / "tiny-sd" / "tiny_single.safetensors"
    make_sd(dirs["local"] / "tiny-sd")  # the diffusers layout wins when both are there
    assert reg.locate("tiny-sd") == dirs["local"] / "tiny-sd"


def test_missing_message_names_files_places_and_import_command(manifest, dirs):
    make_sd(dirs["env"] / "tiny-sd", weights=False)
    reg = make_registry(manifest, dirs, explicit={"tiny-sd": dirs["explicit"] / "sd"})
    with pytest.raises(ModelUnavailable) as exc:
        reg.require("tiny-sd")
    msg = exc.value.message
    assert msg.startswith("model 'tiny-sd' (Tiny SD, used by the sdxl sprite backend) is not installed: "
                          "expected model_index.json, unet/config.json")
    assert "(or tiny_single.safetensors)" in msg
    for place in (dirs["explicit"] / "sd", dirs["env"] / "tiny-sd", dirs["local"].resolve() / "tiny-sd"):
        assert str(place) in msg
    assert "the Hugging Face cache" in msg and "(acme/tiny-sd)" in msg
    assert f"{dirs['env'] / 'tiny-sd'} lacks unet/diffusion_pytorch_model*.safetensors" in msg
    assert "https://huggingface.co/acme/tiny-sd" in msg
    assert "`sprixen weights import PATH --as tiny-sd`" in msg
    assert exc.value.status_code == 503


def test_missing_message_unset_env_and_non_commercial(manifest, dirs, monkeypatch):
    monkeypatch.delenv("SPRIXEN_WEIGHTS", raising=False)
    reg = WeightsRegistry(manifest, local_dir=dirs["local"], hf_cache=dirs["hf"])
    msg = reg.missing_message("tiny-nc")
    assert "$SPRIXEN_WEIGHTS/tiny-nc (unset)" in msg
    assert "CC BY-NC 4.0 — non-commercial" in msg


def test_hf_cache_prefers_refs_main_and_skips_dangling_blobs(manifest, dirs):
    good = make_hf_repo(dirs["hf"], "acme/tiny-nc", {"onnx/model.onnx": b"onnx-main"}, rev="1" * 40)
    other = make_hf_repo(dirs["hf"], "acme/tiny-nc", {"onnx/model.onnx": b"onnx-other"}, rev="2" * 40, main=False)
    os.utime(other, (2e9, 2e9))  # newer, but refs/main names the first
    reg = make_registry(manifest, dirs)
    located = reg.require("tiny-nc")
    assert located == good / "onnx" / "model.onnx" and located.is_symlink()
    assert located.read_bytes() == b"onnx-main"
    # a snapshot whose blob is gone (interrupted download) is not a copy: fall back to the other one
    located.resolve().unlink()
    assert reg.locate("tiny-nc") == other / "onnx" / "model.onnx"
    (other / "onnx" / "model.onnx").resolve().unlink()
    assert reg.locate("tiny-nc") is None


def test_status_rows(manifest, dirs):
    make_sd(dirs["local"] / "tiny-sd")
    rows = {r.id: r for r in make_registry(manifest, dirs).status()}
    assert rows["tiny-sd"].present and rows["tiny-sd"].path == dirs["local"] / "tiny-sd"
    assert rows["tiny-sd"].size_bytes == sum(p.stat().st_size for p in (dirs["local"] / "tiny-sd").rglob("*")
                                             if p.is_file())
    assert not rows["tiny-nc"].present and rows["tiny-nc"].path is None and rows["tiny-nc"].size_bytes == 0
    assert rows["tiny-nc"].non_commercial and rows["tiny-nc"].license == "CC BY-NC 4.0"
    assert rows["tiny-nc"].used_by == "the rmbg matting backend"


def test_registry_from_config_resolves_relative_explicit_paths(tmp_path):
    cfgdir = tmp_path / "configs"
    write(cfgdir / "models.toml", MANIFEST_TOML)
    write(cfgdir / "engine.toml", '[weights.paths]\n"tiny-lora" = "../mine/lora.safetensors"\n')
    write(tmp_path / "mine" / "lora.safetensors", LORA_BYTES)
    cfg = load_config(cfgdir / "engine.toml").model_copy(update={"config_dir": cfgdir})
    reg = registry_from_config(cfg)
    assert reg.locate("tiny-lora").resolve() == (tmp_path / "mine" / "lora.safetensors").resolve()


# ------------------------------------------------------------------------------------------- import


def test_import_single_file_link_and_copy(manifest, dirs, tmp_path):
    src = write(tmp_path / "downloads" / "whatever-name.safetensors", LORA_BYTES)
    reg = make_registry(manifest, dirs)
    res = reg.import_weights(src, "tiny-lora")
    assert res.path == dirs["env"] / "tiny-lora" / "tiny.safetensors" == reg.locate("tiny-lora")
    assert (res.linked, res.copied) == (1, 0) and res.path.stat().st_ino == src.stat().st_ino
    res2 = reg.import_weights(src, "tiny-lora", mode="copy", dest_root=dirs["local"])
    assert res2.path == dirs["local"] / "tiny-lora" / "tiny.safetensors"
    assert (res2.linked, res2.copied) == (0, 1) and res2.path.stat().st_ino != src.stat().st_ino
    assert res2.path.read_bytes() == LORA_BYTES


def test_import_folder_brings_the_whole_model(manifest, dirs, tmp_path):
    src = make_sd(tmp_path / "dl" / "tiny-sd")
    write(src / ".git" / "HEAD", "ref")  # VCS/cache folders stay behind
    reg = make_registry(manifest, dirs)
    res = reg.import_weights(src, "tiny-sd", mode="copy")
    assert res.path == dirs["env"] / "tiny-sd" and res.files == 4 and not res.replaced
    assert (res.path / "README.md").is_file() and not (res.path / ".git").exists()
    assert (res.path / "unet" / "diffusion_pytorch_model.safetensors").read_bytes() == b"unet weights"


def test_import_hf_snapshot_resolves_symlinks_to_blobs(manifest, dirs, tmp_path):
    files = {"model_index.json": b"{}", "unet/config.json": b"{}", "unet/diffusion_pytorch_model.safetensors": b"w"}
    snap = make_hf_repo(tmp_path / "other-cache", "acme/tiny-sd", files)
    reg = make_registry(manifest, dirs)
    res = reg.import_weights(snap, "tiny-sd")
    unet = res.path / "unet" / "diffusion_pytorch_model.safetensors"
    assert not unet.is_symlink() and unet.read_bytes() == b"w"
    assert unet.stat().st_ino == (snap / "unet" / "diffusion_pytorch_model.safetensors").resolve().stat().st_ino
    assert res.linked == 3
    # the repository folder (models--acme--tiny-sd) works too and picks refs/main's snapshot; --copy copies
    res2 = reg.import_weights(snap.parent.parent, "tiny-sd", mode="copy")
    assert res2.replaced and res2.copied == 3 and reg.locate("tiny-sd") == dirs["env"] / "tiny-sd"
    assert not any(p.is_symlink() for p in res2.path.rglob("*"))


def test_import_one_file_model_from_a_snapshot_takes_only_that_file(manifest, dirs, tmp_path):
    snap = make_hf_repo(tmp_path / "c", "acme/tiny-nc", {"onnx/model.onnx": b"o", "model.safetensors": b"s" * 10})
    res = make_registry(manifest, dirs).import_weights(snap, "tiny-nc")
    assert res.path == dirs["env"] / "tiny-nc" / "onnx" / "model.onnx" and res.files == 1
    assert sorted(p.name for p in (dirs["env"] / "tiny-nc").rglob("*")) == ["model.onnx", "onnx"]


def test_import_rejects_incomplete_or_wrong_sources(manifest, dirs, tmp_path):
    reg = make_registry(manifest, dirs)
    with pytest.raises(InvalidRequest, match="does not exist") as exc:
        reg.import_weights(tmp_path / "nowhere", "tiny-lora")
    assert exc.value.field == "path"
    src = make_sd(tmp_path / "partial", weights=False)
    with pytest.raises(InvalidRequest, match=r"not a complete 'tiny-sd' \(--as\).*diffusion_pytorch_model") as exc:
        reg.import_weights(src, "tiny-sd")
    assert exc.value.field == "path"
    with pytest.raises(InvalidRequest, match=r"must be a \.safetensors file for 'tiny-sd' \(--as\)"):
        reg.import_weights(src / "model_index.json", "tiny-sd")
    folder_only = WeightsRegistry(parse_manifest({"models": {"tf": {"kind": "transformers", "files": ["a", "b"]}}}),
                                  env_dir=dirs["env"], local_dir=dirs["local"], hf_cache=dirs["hf"])
    with pytest.raises(InvalidRequest, match="is a file, but 'tf' \\(--as\\) needs a folder with a, b"):
        folder_only.import_weights(src / "model_index.json", "tf")
    with pytest.raises(InvalidRequest, match="mode"):
        reg.import_weights(src, "tiny-sd", mode="move")
    assert list(dirs["env"].iterdir()) == []


def test_failed_import_leaves_nothing_half_written(manifest, dirs, tmp_path, monkeypatch):
    reg = make_registry(manifest, dirs)
    old = reg.import_weights(make_sd(tmp_path / "v1"), "tiny-sd", mode="copy").path
    src = make_sd(tmp_path / "v2")
    write(src / "unet" / "diffusion_pytorch_model.safetensors", b"new weights")
    calls = []

    def flaky(real, dst, mode):
        calls.append(dst)
        if len(calls) == 3:
            raise OSError("disk full")
        return W.shutil.copy2(real, dst) and "copy"

    monkeypatch.setattr(W, "_place", flaky)
    with pytest.raises(OSError, match="disk full"):
        reg.import_weights(src, "tiny-sd")
    # the previous copy is intact and no temporary folder is left behind
    assert [p.name for p in dirs["env"].iterdir()] == ["tiny-sd"]
    assert (old / "unet" / "diffusion_pytorch_model.safetensors").read_bytes() == b"unet weights"
    assert reg.locate("tiny-sd") == old


def test_import_onto_itself_is_a_no_op(manifest, dirs):
    reg = make_registry(manifest, dirs)
    target = make_sd(dirs["env"] / "tiny-sd")
    res = reg.import_weights(target, "tiny-sd")
    assert res.path == target and res.linked == res.copied == 0
    assert (target / "unet" / "config.json").is_file()


# ------------------------------------------------------------------------------------------- verify


def test_verify_ok_mismatch_no_hash_missing(manifest, dirs):
    reg = make_registry(manifest, dirs)
    write(dirs["env"] / "tiny-lora" / "tiny.safetensors", LORA_BYTES)
    make_sd(dirs["env"] / "tiny-sd")
    rows = {(r.model_id, r.file): r for r in reg.verify()}
    assert rows["tiny-lora", "tiny.safetensors"].status == "ok"
    bad = rows["tiny-sd", "unet/config.json"]
    assert bad.status == "mismatch" and bad.expected == "0" * 64
    assert bad.actual == hashlib.sha256(b'{"in_channels": 4}').hexdigest()
    assert rows["tiny-sd", "model_index.json"].status == "no-hash"
    assert rows["tiny-sd", "unet/diffusion_pytorch_model.safetensors"].status == "no-hash"
    assert not any(mid == "tiny-nc" for mid, _ in rows)  # absent models are skipped when verifying all
    assert [(r.file, r.status) for r in reg.verify("tiny-nc")] == [("onnx/model.onnx", "missing")]
    write(dirs["env"] / "tiny-lora" / "tiny.safetensors", b"tampered")
    assert [r.status for r in reg.verify("tiny-lora")] == ["mismatch"]


def test_sha256_file_reads_in_chunks(tmp_path):
    data = os.urandom(W._CHUNK * 2 + 5)
    assert W.sha256_file(write(tmp_path / "big.bin", data)) == hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------------------------------- CLI


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    cfgdir = tmp_path / "configs"
    write(cfgdir / "models.toml", MANIFEST_TOML)
    monkeypatch.setenv("SPRIXEN_CONFIG_DIR", str(cfgdir))
    monkeypatch.delenv("SPRIXEN_CONFIG", raising=False)
    monkeypatch.setenv("SPRIXEN_WEIGHTS", str(tmp_path / "w"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setenv("COLUMNS", "250")
    app = typer.Typer()
    app.add_typer(weights_app, name="weights")
    return app, tmp_path


def test_cli_list_import_verify(cli_env):
    app, tmp = cli_env
    runner = CliRunner()
    res = runner.invoke(app, ["weights", "list"])
    assert res.exit_code == 0, res.output
    assert "tiny-lora" in res.output and "missing" in res.output and "0 of 2 present" in res.output
    assert "non-commercial" in res.output

    src = write(tmp / "dl" / "x.safetensors", LORA_BYTES)
    res = runner.invoke(app, ["weights", "import", str(src), "--as", "tiny-lora"])
    assert res.exit_code == 0, res.output
    assert "imported tiny-lora" in res.output and "1 linked" in res.output
    res = runner.invoke(app, ["weights", "import", str(src), "--as", "tiny-lora", "--copy"])
    assert res.exit_code == 0 and "replaced tiny-lora" in res.output and "1 copied" in res.output

    res = runner.invoke(app, ["weights", "list"])
    assert "present" in res.output and "1 of 2 present" in res.output and str(tmp / "w") in res.output

    res = runner.invoke(app, ["weights", "verify"])
    assert res.exit_code == 0, res.output
    assert "ok tiny-lora tiny.safetensors" in res.output

    (tmp / "w" / "tiny-lora" / "tiny.safetensors").write_bytes(b"tampered")
    res = runner.invoke(app, ["weights", "verify", "tiny-lora"])
    assert res.exit_code == 1 and "mismatch tiny-lora tiny.safetensors" in res.output
    res = runner.invoke(app, ["weights", "verify", "tiny-nc"])
    assert res.exit_code == 1 and "missing tiny-nc onnx/model.onnx" in res.output


def test_cli_errors_exit_2_with_the_message(cli_env):
    app, tmp = cli_env
    runner = CliRunner()
    res = runner.invoke(app, ["weights", "import", str(tmp / "nope"), "--as", "tiny-lora"])
    assert res.exit_code == 2 and "path: does not exist" in res.output
    src = write(tmp / "dl" / "x.safetensors", LORA_BYTES)
    res = runner.invoke(app, ["weights", "import", str(src), "--as", "sdxl"])
    assert res.exit_code == 2 and "--as: must be one of tiny-lora, tiny-nc" in res.output
    res = runner.invoke(app, ["weights", "verify", "sdxl"])
    assert res.exit_code == 2 and "model: must be one of" in res.output
    assert not (tmp / "w").exists() or list((tmp / "w").iterdir()) == []


# ------------------------------------------------------------------------------------------- real layouts


def test_repo_manifest_accepts_a_diffusers_save_of_tiny_sdxl(tmp_path):
    """What `StableDiffusionXLPipeline.save_pretrained` writes counts as a complete sdxl-base-1.0."""
    pytest.importorskip("torch")
    tiny_sdxl = pytest.importorskip("tiny_sdxl")
    folder = tiny_sdxl.build_tiny_sdxl(tmp_path / "dl" / "tiny")
    reg = WeightsRegistry(load_manifest(config_dir()), env_dir=tmp_path / "w", local_dir=tmp_path / "local",
                          hf_cache=tmp_path / "hf")
    assert not reg.available("sdxl-base-1.0")
    res = reg.import_weights(folder, "sdxl-base-1.0")
    assert reg.require("sdxl-base-1.0") == res.path == tmp_path / "w" / "sdxl-base-1.0"


def test_repo_manifest_accepts_hub_layouts(tmp_path):
    """File lists as published on the hub (no download: empty files in an HF-cache layout)."""
    hub = {
        "stabilityai/stable-diffusion-xl-base-1.0": [
            "model_index.json", "scheduler/scheduler_config.json", "unet/config.json",
            "unet/diffusion_pytorch_model.fp16.safetensors", "vae/config.json", "vae/diffusion_pytorch_model.safetensors",
            "text_encoder/config.json", "text_encoder/model.safetensors", "text_encoder_2/config.json",
            "text_encoder_2/model.safetensors", "tokenizer/vocab.json", "tokenizer/merges.txt",
            "tokenizer/tokenizer_config.json", "tokenizer_2/vocab.json", "tokenizer_2/merges.txt",
            "tokenizer_2/tokenizer_config.json"],
        "madebyollin/sdxl-vae-fp16-fix": ["config.json", "diffusion_pytorch_model.safetensors"],
        "madebyollin/taesdxl": ["config.json", "diffusion_pytorch_model.safetensors"],
        "briaai/RMBG-2.0": ["onnx/model.onnx", "onnx/model_fp16.onnx", "model.safetensors", "config.json",
                            "BiRefNet_config.py", "birefnet.py", "pytorch_model.bin"],
        "h94/IP-Adapter": ["sdxl_models/ip-adapter_sdxl.safetensors", "sdxl_models/ip-adapter_sdxl_vit-h.safetensors",
                           "sdxl_models/image_encoder/config.json", "sdxl_models/image_encoder/model.safetensors",
                           "models/ip-adapter_sd15.safetensors", "models/image_encoder/config.json"],
        "facebook/musicgen-small": ["config.json", "model.safetensors", "preprocessor_config.json",
                                    "tokenizer_config.json", "spiece.model"],
    }
    for source, files in hub.items():
        make_hf_repo(tmp_path / "hf", source, {f: b"" for f in files})
    reg = WeightsRegistry(load_manifest(config_dir()), env_dir=tmp_path / "w", local_dir=tmp_path / "local",
                          hf_cache=tmp_path / "hf")
    present = {r.id for r in reg.status() if r.present}
    assert present == {"sdxl-base-1.0", "sdxl-vae-fp16-fix", "taesdxl", "rmbg-2.0-onnx", "rmbg-2.0-onnx-fp16",
                       "rmbg-2.0", "musicgen-small", "ip-adapter-sdxl"}
    assert reg.locate("sdxl-base-1.0").is_dir() and reg.locate("rmbg-2.0-onnx-fp16").name == "model_fp16.onnx"
    # folder models: the repository root (the backends read their own layout inside it)
    assert reg.locate("rmbg-2.0").is_dir() and (reg.locate("rmbg-2.0") / "birefnet.py").is_file()
    assert (reg.locate("ip-adapter-sdxl") / "sdxl_models" / "ip-adapter_sdxl.safetensors").is_file()
