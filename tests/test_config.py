"""Config loading, request models and the device policy."""

from __future__ import annotations

import pytest

from sprixen_engine import Engine, InvalidRequest
from sprixen_engine.config import load_config
from sprixen_engine.device import DevicePolicy
from sprixen_engine.requests import GenerationRequest, parse_request, parse_resolution


def test_default_config_loads():
    cfg = load_config()
    assert cfg.generation.default_resolution == "32x32"
    assert (cfg.config_dir / "subjects").is_dir()


def test_custom_config_file_changes_defaults(tmp_path):
    path = tmp_path / "engine.toml"
    path.write_text('[generation]\ndefault_resolution = "48x24"\n')
    engine = Engine(config=path)
    assert engine.generate("a key", seed=1).images[0].size == (48, 24)


def test_bad_config_names_the_key(tmp_path):
    path = tmp_path / "engine.toml"
    path.write_text('[generation]\nmax_native_pixel = 4\n')
    with pytest.raises(InvalidRequest, match="config.generation.max_native_pixel"):
        load_config(path)
    path.write_text("[generation\n")
    with pytest.raises(InvalidRequest, match="valid TOML"):
        load_config(path)


@pytest.mark.parametrize("text, wh", [("32x32", (32, 32)), (" 64 X 48 ", (64, 48)), ("16×1024", (16, 1024))])
def test_parse_resolution(text, wh):
    assert parse_resolution(text) == wh


def test_request_accepts_camel_case_and_names_api_fields():
    req = parse_request(GenerationRequest, {"prompt": "a knight", "variantCount": 2, "pixelPerfect": "on",
                                            "noBase": True, "packItems": [" torch "]})
    assert (req.variant_count, req.pixel_perfect, req.no_base, req.pack_items) == (2, "on", True, ["torch"])
    with pytest.raises(InvalidRequest) as info:
        parse_request(GenerationRequest, {"prompt": "a knight", "variantCount": 9}, api_names=True)
    assert str(info.value).startswith("variantCount:")


def test_device_policy_cpu():
    assert DevicePolicy.detect("cpu").device == "cpu"
    auto = DevicePolicy.detect("auto")
    assert auto.device in ("cpu", "cuda") and auto.reason
    with pytest.raises(InvalidRequest, match="device"):
        DevicePolicy.detect("tpu")
