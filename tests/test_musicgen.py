"""MusicGen backend on a tiny random MusicGen built here (CPU, 25 Hz codec, no hub), and its GPU benchmark
checked without a GPU (architecture configs by parameter count on the meta device, ``--tiny`` end to end)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench_scripts import load_bench_script
from sprixen_engine.backends.musicgen import (
    build_prompt,
    crossfade_weights,
    frames_for_duration,
    load_musicgen_settings,
    normalise_key,
    to_engine_rate,
)
from sprixen_engine.device import DevicePolicy
from sprixen_engine.errors import InvalidRequest, ModelUnavailable

ROOT = Path(__file__).resolve().parents[1]
CPU = DevicePolicy("cpu", "fp32", 1, "test")
PROMPT = "epic orchestral, 140 bpm, D minor, heroic brass"


# ------------------------------------------------------------------ prompts, keys, token math, resampling (no torch)
def test_build_prompt_orders_preset_bpm_key_prompt():
    text = build_prompt("dragon attack", "epic-orchestral", 140, "Dm")
    settings = load_musicgen_settings()
    assert text == f"{settings.presets['epic_orchestral']}, 140 bpm, D minor, dragon attack"
    assert build_prompt("lofi beats") == "lofi beats"
    assert build_prompt(None, "menu_chill", 92.5).endswith(", 92.5 bpm")
    assert build_prompt("  a   calm\n tune ,", key="f#") == "F# major, a calm tune"


def test_build_prompt_errors_name_the_field():
    with pytest.raises(InvalidRequest, match="preset: must be one of"):
        build_prompt("x", "polka_party")
    with pytest.raises(InvalidRequest, match="prompt: needs a prompt or a preset"):
        build_prompt("   ", None, 120)
    with pytest.raises(InvalidRequest, match="bpm"):
        build_prompt("x", bpm=True)


def test_every_request_preset_has_a_description():
    from sprixen_engine.requests import MUSIC_PRESETS

    assert set(MUSIC_PRESETS) <= set(load_musicgen_settings().presets)


@pytest.mark.parametrize(("key", "words"), [("Dm", "D minor"), ("d_minor", "D minor"), ("C", "C major"),
                                            ("Bb", "Bb major"), ("bbm", "Bb minor"), ("F# minor", "F# minor"),
                                            ("e flat major", "Eb major"), ("A dorian", "A dorian"),
                                            ("b", "B major"), ("weird mode", "weird mode")])
def test_normalise_key(key, words):
    assert normalise_key(key) == words


def test_frames_for_duration_rounds_half_up():
    assert frames_for_duration(30.0, 50) == 1500
    assert frames_for_duration(0.01, 50) == 1           # 0.5 frame → 1
    assert frames_for_duration(0.009, 50) == 0
    assert frames_for_duration(1.02, 25) == 26          # 25.5 → 26 (not banker's 26/25)
    assert frames_for_duration(1.06, 25) == 27


@pytest.mark.parametrize("n", [1, 319, 320, 32000, 48_001, 100_003])
def test_to_engine_rate_exact_length(n):
    x = np.random.default_rng(n).standard_normal((2, n)).astype(np.float32)
    y = to_engine_rate(x, 32000)
    assert y.dtype == np.float32 and y.shape == (2, (n * 44100 * 2 + 32000) // 64000)
    assert y.shape[1] == int(np.floor(n * 44100 / 32000 + 0.5))
    assert to_engine_rate(x[0], 16000, 48000).shape == (3 * n,)
    assert np.array_equal(to_engine_rate(x, 44100), x)


def test_to_engine_rate_keeps_a_tone():
    sr = 32000
    t = np.arange(sr) / sr
    tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None]
    y = to_engine_rate(tone, sr)[0]
    ref = 0.5 * np.sin(2 * np.pi * 440 * np.arange(44100) / 44100)
    assert np.abs(y[2000:-2000] - ref[2000:-2000]).max() < 1e-3
    with pytest.raises(InvalidRequest, match="sr"):
        to_engine_rate(tone, 0)


def test_crossfade_weights_sum_to_one():
    total, cut, fade = 1000, (0, 300, 650, 1000), 40
    acc = np.zeros(total)
    for lo, hi in zip(cut[:-1], cut[1:], strict=True):
        w = crossfade_weights(total, lo, hi, fade=fade, at_start=lo == 0, at_end=hi == total)
        start = lo - fade // 2 if lo else 0
        acc[start:start + len(w)] += w
    assert np.allclose(acc, 1.0)


def test_module_import_stays_light():
    code = ("import sys, sprixen_engine.backends.musicgen as m; "
            "print(sorted(k for k in ('torch', 'transformers', 'scipy') if k in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------ the tiny model, through the registry
torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from sprixen_engine.backends.musicgen import MusicGenBackend  # noqa: E402
from sprixen_engine.backends.weights import WeightsRegistry, load_manifest  # noqa: E402
from sprixen_engine.config import config_dir  # noqa: E402
from tiny_musicgen import FRAME_RATE, SAMPLING_RATE, build_tiny_musicgen, tiny_model, tiny_processor  # noqa: E402

HOP = SAMPLING_RATE // FRAME_RATE          # 640


def _registry(tmp_path: Path, local: Path) -> WeightsRegistry:
    return WeightsRegistry(load_manifest(config_dir()), env_dir=tmp_path / "env", local_dir=local,
                           hf_cache=tmp_path / "hf")


@pytest.fixture(scope="module")
def weights_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("weights")
    build_tiny_musicgen(root / "musicgen-small")
    return root


@pytest.fixture(scope="module")
def backend(weights_root, tmp_path_factory):
    reg = _registry(tmp_path_factory.mktemp("reg"), weights_root)
    return MusicGenBackend.from_registry(reg, "musicgen-small", device=CPU)


@pytest.fixture(scope="module")
def windowed(weights_root):
    """The same weights with a 0.6 s window prompted by 0.2 s (15 and 5 frames at 25 Hz)."""
    return MusicGenBackend(weights_root / "musicgen-small", device=CPU, max_window_s=0.6, overlap_s=0.2)


@pytest.fixture(scope="module")
def reference(weights_root):
    """transformers' own generate on the same weights and windows."""
    return MusicGenBackend(weights_root / "musicgen-small", device=CPU, decoding="transformers",
                           max_window_s=0.6, overlap_s=0.2)


def test_tiny_folder_satisfies_the_registry_entry(weights_root, tmp_path):
    reg = _registry(tmp_path, weights_root)
    assert reg.locate("musicgen-small") == weights_root / "musicgen-small"
    spec = reg.spec("musicgen-small")
    assert spec.non_commercial and "CC-BY-NC" in spec.license
    assert (weights_root / "musicgen-small" / "tokenizer.json").is_file()


def test_loads_and_describes(backend, weights_root):
    info = backend.describe()
    assert info["backend"] == "musicgen" and info["model_id"] == "musicgen-small"
    assert info["license"] == "CC-BY-NC 4.0" and info["non_commercial"] is True
    assert info["decoding"] == "engine" and info["accel"] == "eager" and info["dtype"] == "fp32"
    assert info["sample_rate"] == SAMPLING_RATE and info["frame_rate"] == FRAME_RATE
    assert info["num_codebooks"] == 4 and info["max_window_s"] == 30.0
    assert backend.model.dtype == torch.float32 and not backend.model.training


def test_generate_shape_rate_and_dtype(backend):
    samples, sr = backend.generate(PROMPT, duration=1.0, seed=0)
    assert sr == SAMPLING_RATE
    assert samples.shape == (1, SAMPLING_RATE) and samples.dtype == np.float32
    assert np.isfinite(samples).all() and samples.std() > 0
    assert backend.last_stats.frames == 25 and backend.last_stats.windows == 1
    assert backend.last_stats.steps == 25 + 3                 # the delay pattern: frames + K - 1 steps


@pytest.mark.parametrize(("duration", "frames"), [(0.04, 1), (0.5, 13), (1.02, 26), (1.5, 38)])
def test_duration_token_math_reads_the_frame_rate(backend, duration, frames):
    assert backend.frame_rate == FRAME_RATE == 25            # from the audio encoder's config, not 50
    assert backend.frames_for(duration) == frames
    samples, _ = backend.generate("calm", duration=duration, seed=1)
    assert samples.shape == (1, frames * HOP)


def test_same_seed_same_audio_other_seed_differs(backend):
    a, _ = backend.generate(PROMPT, duration=0.8, seed=7)
    b, _ = backend.generate(PROMPT, duration=0.8, seed=7)
    c, _ = backend.generate(PROMPT, duration=0.8, seed=8)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    codes_a = backend.generate_codes([PROMPT], frames=20, seeds=[7])
    codes_c = backend.generate_codes([PROMPT], frames=20, seeds=[8])
    assert (codes_a != codes_c).float().mean() > 0.3


def test_track_alone_equals_track_in_batch(backend):
    prompts, seeds = [PROMPT, "calm piano", "dark dungeon drums"], [3, 4, 5]
    batch, sr = backend.generate_batch(prompts, duration=0.6, seeds=seeds)
    assert batch.shape == (3, 1, 15 * HOP) and sr == SAMPLING_RATE
    alone, _ = backend.generate(prompts[1], duration=0.6, seed=seeds[1])
    assert np.abs(alone - batch[1]).max() < 1e-5
    codes = backend.generate_codes(prompts, frames=15, seeds=seeds)
    assert torch.equal(codes[2:], backend.generate_codes(prompts[2:], frames=15, seeds=seeds[2:]))


def test_prompt_changes_the_music(backend):
    a = backend.generate_codes([PROMPT], frames=20, seeds=[1], temperature=0)
    b = backend.generate_codes(["calm piano"], frames=20, seeds=[1], temperature=0)
    assert (a != b).float().mean() > 0.3


@pytest.mark.parametrize("guidance", [3.0, 1.0])
def test_engine_decoding_equals_transformers_generate_greedy(windowed, reference, guidance):
    """Greedy (temperature 0) in fp32: the engine's loop must produce transformers' codes exactly — with
    batched guidance (3.0) and without (1.0), within one window (12 frames) and across windows (40 frames)."""
    prompts = [PROMPT, "calm"]
    for frames in (12, 40):
        ours = windowed.generate_codes(prompts, frames=frames, seeds=[0, 1], guidance=guidance, temperature=0)
        theirs = reference.generate_codes(prompts, frames=frames, seeds=[0, 1], guidance=guidance, temperature=0)
        assert ours.shape == (2, 4, frames)
        assert torch.equal(ours, theirs), (guidance, frames)


def test_guidance_changes_the_codes(backend):
    guided = backend.generate_codes([PROMPT], frames=20, seeds=[2], guidance=3.0, temperature=0)
    plain = backend.generate_codes([PROMPT], frames=20, seeds=[2], guidance=1.0, temperature=0)
    assert (guided != plain).float().mean() > 0.2


def test_windowed_continuation(windowed, reference):
    assert (windowed.window_frames, windowed.overlap_frames) == (15, 5)
    assert windowed.window_plan(40) == [(0, 15), (5, 10), (5, 10), (5, 5)]
    assert windowed.window_plan(15) == [(0, 15)]
    samples, sr = windowed.generate(PROMPT, duration=1.6, seed=11)         # 40 frames, four windows
    assert samples.shape == (1, 40 * HOP) and np.isfinite(samples).all()
    stats = windowed.last_stats
    assert stats.windows == 4 and stats.steps == 40 + 4 * 3
    # each window after the first continues the previous one: the first window's codes are the same as a
    # 15-frame track's, and a longer track starts with a shorter one's windows
    codes = windowed.generate_codes([PROMPT], frames=40, seeds=[11])
    first = windowed.generate_codes([PROMPT], frames=15, seeds=[11])
    two = windowed.generate_codes([PROMPT], frames=25, seeds=[11])
    assert torch.equal(codes[..., :15], first) and torch.equal(codes[..., :25], two)
    # sampled (not greedy) windows through transformers are reproducible too
    a = reference.generate_codes([PROMPT], frames=40, seeds=[5])
    b = reference.generate_codes([PROMPT], frames=40, seeds=[5])
    assert torch.equal(a, b)


def test_decoding_in_windows_with_crossfades_matches_one_pass(backend):
    codes = backend.generate_codes([PROMPT, "calm"], frames=60, seeds=[1, 2])
    whole = backend._decode_once(codes).float()
    saved = backend.settings
    try:
        backend.settings = dataclasses.replace(saved, decode={"window_s": 0.8, "context_s": 0.4,
                                                              "crossfade_s": 0.12})
        pieces = backend.decode_codes(codes)
    finally:
        backend.settings = saved
    assert pieces.shape == whole.shape == (2, 1, 60 * HOP)
    assert (pieces - whole).abs().max() < 1e-3 * whole.abs().max()


def test_static_shapes_and_a_fullgraph_trace_agree_with_eager(weights_root, backend):
    """The fixed-shape step (attention over a 32-position bucket with a mask) is what CUDA graphs replay; here
    it runs on the CPU through ``torch.compile(fullgraph=True, backend="eager")``, which fails on any graph break
    (``accel="compile"`` needs none)."""
    static = MusicGenBackend(weights_root / "musicgen-small", device=CPU, accel="static")
    static._engine.kv_bucket = 32
    static._engine._step_fn = torch.compile(static._engine._step, fullgraph=True, dynamic=False, backend="eager")
    ref = backend.generate_codes([PROMPT, "calm"], frames=40, seeds=[4, 5], temperature=0)
    try:
        out = static.generate_codes([PROMPT, "calm"], frames=40, seeds=[4, 5], temperature=0)
    finally:
        torch._dynamo.reset()
    assert torch.equal(out, ref)
    assert next(iter(static._engine._kv))[1] % 32 == 0          # the cache is whole buckets long


def test_stereo_model(tmp_path):
    model, proc = tiny_model(audio_channels=2), tiny_processor()
    eng = MusicGenBackend.from_model(model, proc, device=CPU, max_window_s=0.6, overlap_s=0.2)
    ref = MusicGenBackend.from_model(model, proc, device=CPU, decoding="transformers", max_window_s=0.6,
                                     overlap_s=0.2)
    assert eng.audio_channels == 2 and eng.num_codebooks == 8 and eng.delay == 3
    a = eng.generate_codes([PROMPT], frames=24, seeds=[0], temperature=0)
    b = ref.generate_codes([PROMPT], frames=24, seeds=[0], temperature=0)
    assert a.shape == (1, 8, 24) and torch.equal(a, b)
    samples, _ = eng.generate(PROMPT, duration=0.4, seed=0)
    assert samples.shape == (2, 10 * HOP)


def test_check_inputs(backend):
    with pytest.raises(InvalidRequest, match="duration"):
        backend.generate(PROMPT, duration=0, seed=0)
    with pytest.raises(InvalidRequest, match="duration"):
        backend.generate(PROMPT, duration=301, seed=0)
    with pytest.raises(InvalidRequest, match="shorter than one codec frame"):
        backend.generate(PROMPT, duration=0.01, seed=0)
    with pytest.raises(InvalidRequest, match="seeds"):
        backend.generate_batch([PROMPT, PROMPT], duration=1, seeds=[1])
    with pytest.raises(InvalidRequest, match="seed"):
        backend.generate(PROMPT, duration=1, seed=-1)
    with pytest.raises(InvalidRequest, match="guidance"):
        backend.generate(PROMPT, duration=1, seed=0, guidance=-1)
    with pytest.raises(InvalidRequest, match="temperature"):
        backend.generate(PROMPT, duration=1, seed=0, temperature=-0.5)
    with pytest.raises(InvalidRequest, match="top_k"):
        backend.generate(PROMPT, duration=1, seed=0, top_k=-3)
    with pytest.raises(InvalidRequest, match="prompt"):
        backend.generate("", duration=1, seed=0)


def test_option_errors(weights_root):
    folder = weights_root / "musicgen-small"
    with pytest.raises(InvalidRequest, match="accel: 'cuda_graph' needs a CUDA device"):
        MusicGenBackend(folder, device=CPU, accel="cuda_graph")
    with pytest.raises(InvalidRequest, match="decoding"):
        MusicGenBackend(folder, device=CPU, decoding="beam")
    with pytest.raises(InvalidRequest, match="overlap_s"):
        MusicGenBackend(folder, device=CPU, max_window_s=1.0, overlap_s=1.0)
    with pytest.raises(InvalidRequest, match="max_window_s"):
        MusicGenBackend(folder, device=CPU, max_window_s=90.0)      # 2048 positions at 25 Hz: 81.8 s at most


# ------------------------------------------------------------------ missing weights
def test_missing_weights_name_files_places_and_licence(tmp_path):
    empty = _registry(tmp_path, tmp_path / "weights")
    with pytest.raises(ModelUnavailable) as err:
        MusicGenBackend.from_registry(empty, "musicgen-medium", device=CPU)
    msg = str(err.value)
    assert "musicgen-medium" in msg and "config.json" in msg and "model*.safetensors" in msg
    assert str((tmp_path / "weights").resolve() / "musicgen-medium") in msg
    assert "CC-BY-NC 4.0" in msg and "never downloaded" in msg
    with pytest.raises(InvalidRequest, match="model"):
        MusicGenBackend.from_registry(empty, "musicgen-huge", device=CPU)


def test_missing_folder_and_incomplete_folder(tmp_path, weights_root):
    with pytest.raises(ModelUnavailable) as err:
        MusicGenBackend(tmp_path / "nowhere", device=CPU, model_id="musicgen-small")
    msg = str(err.value)
    for part in ("not found at", "config.json", "tokenizer_config.json", "model*.safetensors",
                 "preprocessor_config.json", "tokenizer.json", "weights/musicgen-small/", "$SPRIXEN_WEIGHTS",
                 "configs/engine.toml", "nothing is downloaded", "non-commercial"):
        assert part in msg, part
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("config.json", "tokenizer_config.json"):
        (broken / name).write_bytes((weights_root / "musicgen-small" / name).read_bytes())
    with pytest.raises(ModelUnavailable, match=r"incomplete \(missing model.safetensors, tokenizer.json\)"):
        MusicGenBackend(broken, device=CPU)


# ------------------------------------------------------------------ the GPU benchmark, without a GPU
@pytest.fixture(scope="module")
def gpu_musicgen():
    return load_bench_script("gpu_musicgen")


# (width, layers, heads) of audiocraft's model_scale small/medium; the decoder's parameters follow from them
ARCH = {"small": (1024, 24, 16), "medium": (1536, 48, 24)}
T5_BASE_ENCODER = 109_628_544          # T5EncoderModel of t5-base


@pytest.mark.parametrize("name", ["small", "medium"])
def test_arch_configs_have_the_published_size(gpu_musicgen, name):
    d, layers, heads = ARCH[name]
    model = gpu_musicgen.full_model(name, "meta", torch.float16)
    count = {part: sum(p.numel() for p in getattr(model, part).parameters())
             for part in ("text_encoder", "audio_encoder", "decoder")}
    assert all(p.device.type == "meta" and p.dtype == torch.float16 for p in model.parameters())
    # self-attention and feed-forward (12·d²·L): audiocraft's "300M" small and "~1.5B" medium scales
    assert 12 * d * d * layers == {"small": 301_989_888, "medium": 1_358_954_496}[name]
    # the whole decoder: + cross-attention (4·d²·L), 3 layer norms per layer, 4 embeddings of 2049, 4 heads of 2048
    decoder = 16 * d * d * layers + 6 * d * layers + 2 * d + 4 * 2049 * d + 4 * 2048 * d
    assert count["decoder"] == decoder
    assert count["text_encoder"] == T5_BASE_ENCODER
    assert 50e6 < count["audio_encoder"] < 60e6              # EnCodec 32 kHz, 4 codebooks of 2048
    cfg = model.config
    assert (cfg.decoder.hidden_size, cfg.decoder.num_hidden_layers, cfg.decoder.num_attention_heads) == ARCH[name]
    assert cfg.decoder.ffn_dim == 4 * d and cfg.decoder.num_codebooks == 4 and cfg.decoder.vocab_size == 2048
    assert cfg.audio_encoder.frame_rate == 50 and cfg.sampling_rate == 32000
    assert cfg.audio_encoder.num_quantizers == 4
    assert cfg.text_encoder.d_model == 768 and cfg.text_encoder.num_layers == 12
    assert model.generation_config.guidance_scale == 3.0 and model.generation_config.top_k == 250
    total = sum(count.values()) + d * 768 + d              # + enc_to_dec_proj
    assert total == sum(p.numel() for p in model.parameters())
    assert {"small": 0.55e9, "medium": 1.9e9}[name] < total < {"small": 0.65e9, "medium": 2.1e9}[name]


def test_gpu_musicgen_tiny_runs_end_to_end(gpu_musicgen, tmp_path):
    out = tmp_path / "mg.json"
    assert gpu_musicgen.main(["--tiny", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert (tmp_path / "mg.md").read_text().startswith("MusicGen (random weights) · 1 s per track")
    cases = {r["case"]: r for r in result["cases"]}
    assert set(cases) == set(gpu_musicgen.DEFAULT_CASES)
    assert all("error" not in r for r in cases.values())
    for r in cases.values():
        assert r["s_per_call"] > 0 and r["x_realtime"] == pytest.approx(r["batch"] * 1.0 / r["s_per_call"])
        assert r["steps_per_s"] == pytest.approx((25 + 3) / r["s_per_call"])
    assert cases["engine_b4"]["batch"] == 4 and cases["engine_b1"]["accel"] == "static"
    for name in ("engine_eager_b1", "engine_b1", "engine_b4"):
        assert cases[name]["speedup_vs_default"] == pytest.approx(
            cases[name]["x_realtime"] / cases["transformers_default"]["x_realtime"])
    assert result["agreement"][0]["equal_fraction"] == 1.0           # fp32 greedy: the same codes
    assert all(t["met"] is None for t in result["targets"])          # a smoke run meets no target
    assert result["settings"]["tiny"] is True


def test_gpu_musicgen_merge_and_errors(gpu_musicgen, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    gpu_musicgen.main(["--tiny", "--cases", "transformers_default", "--out", str(a)])
    gpu_musicgen.main(["--tiny", "--cases", "engine_b1", "--out", str(b)])
    merged = tmp_path / "all.json"
    gpu_musicgen.main(["--merge", str(a), str(b), "--out", str(merged)])
    rows = json.loads(merged.read_text())["cases"]
    assert [r["case"] for r in rows] == ["transformers_default", "engine_b1"]
    assert rows[1]["speedup_vs_default"] > 0
    with pytest.raises(SystemExit, match="unknown case"):
        gpu_musicgen.main(["--tiny", "--cases", "warp", "--out", str(tmp_path / "x.json")])
    if not torch.cuda.is_available():
        with pytest.raises(SystemExit, match="no CUDA device: run with --tiny for a smoke run"):
            gpu_musicgen.main([])
