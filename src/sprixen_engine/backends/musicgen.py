"""MusicGen music backend (transformers): text-to-music from local weights.

Nothing here imports torch or transformers at module import; :class:`MusicGenBackend` imports them when it
is built. Weights are only ever read from disk (``local_files_only=True``). The weights (``facebook/musicgen-small``,
``facebook/musicgen-medium``) are licensed **CC-BY-NC 4.0: non-commercial use only**; ``sprixen weights list``
says so next to them.

How the music pipeline calls it (the Engine wiring is the lead's)
-----------------------------------------------------------------
1. Locate the weights with the registry and build the backend once::

       backend = MusicGenBackend.from_registry(engine.weights, "musicgen-small", device=engine.device)

2. Per request, build the text prompt and generate at the model's rate (32 kHz for the real models)::

       text = build_prompt(req.prompt, req.preset, req.bpm, req.key)   # "epic orchestral ..., 140 bpm, D minor, ..."
       samples, sr = backend.generate(text, duration=req.duration, seed=seed)   # float32 (channels, n)

   Several tracks in one batch (one forward pass per step for all of them, each reproducible alone)::

       batch, sr = backend.generate_batch([text_a, text_b], duration=30.0, seeds=[1, 2])   # (2, channels, n)

3. Bring the audio to the master bus rate with :func:`to_engine_rate` (``scipy.signal.resample_poly``, exact
   length), then loudness-normalise it like the procedural path. Record ``backend.describe()`` and the seed.

What :meth:`MusicGenBackend.generate` does
------------------------------------------
- **Token math**: ``frames = round(duration × frame_rate)`` (half up), the frame rate read from the audio
  encoder's config (EnCodec 32 kHz: 32000 / 640 = 50 Hz). Because of MusicGen's delay pattern (codebook ``k``
  lags ``k`` steps behind codebook 0), ``frames + K - 1`` tokens are sampled per codebook stream for ``frames``
  frames of ``K`` codebooks (``K`` counted per audio channel). The audio is ``frames × hop_length`` samples long.
- **Classifier-free guidance**, batched: the conditional and the null prompt (zero text states) run as one
  batch of ``2B`` rows, and the logits are mixed as ``uncond + guidance × (cond - uncond)`` before the
  temperature and top-k (transformers' ``guidance_scale`` does the same). ``guidance ≤ 1`` runs ``B`` rows.
- **Sampling**: temperature, then top-k, then one draw from the softmax, made as ``argmax(scores + Gumbel
  noise)``. The noise of track ``i`` comes from its own ``torch.Generator`` seeded with ``seeds[i]``, so a track
  generated alone equals the same track generated inside a batch (up to the batch's floating-point
  differences), and the same inputs and seed give the same codes on the same device. ``temperature=0`` is
  greedy decoding (argmax), as transformers' ``do_sample=False``.
- **Windowed continuation**: durations over ``max_window_s`` (30 s) are made window by window; each window
  after the first is prompted with the last ``overlap_s`` (10 s) of codes generated so far and adds
  ``max_window_s - overlap_s`` new seconds. The codes are stitched exactly (no re-encoding of audio, as
  audiocraft does), then decoded by EnCodec in ``[decode] window_s`` pieces that overlap by ``context_s`` and
  are blended with complementary linear crossfades (``crossfade_s``), so no seam and bounded memory.

Two decoding loops
------------------
``decoding="engine"`` (default) runs MusicGen's decoder as plain tensor code on the module's own weights
(:class:`_EngineDecoder`): a KV cache preallocated once per batch shape, the text's cross-attention keys and
values computed once per call, Gumbel sampling from per-track generators. ``accel`` picks how each one-token
step runs: ``eager`` (attention over exactly the positions so far; the CPU default), ``static`` (fixed shapes:
attention over a bucket of ``[engine] kv_bucket`` cache positions with a mask), ``cuda_graph`` (``static``,
each step replayed as a CUDA graph captured once per batch size, text length and bucket; the CUDA default) or
``compile`` (``torch.compile`` of the step over the whole cache, then CUDA graphs).
``decoding="transformers"`` calls ``MusicgenForConditionalGeneration.generate`` (``do_sample``,
``guidance_scale``, ``temperature``, ``top_k``, ``max_new_tokens``, the continuation prompt as
``decoder_input_ids``; optionally ``cache_implementation="static"``) with the global RNG seeded inside
``torch.random.fork_rng``; its batches are reproducible only as a whole. Both give the same codes when
decoding greedily in fp32 (a test checks it, windows included).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config import config_dir as _default_config_dir
from ..config import read_toml
from ..errors import ModelUnavailable, invalid
from .weights import where_to_put

if TYPE_CHECKING:  # pragma: no cover
    from ..device import DevicePolicy

MODEL_IDS = ("musicgen-small", "musicgen-medium")
DEFAULT_MODEL_ID = "musicgen-small"
DECODINGS = ("engine", "transformers")
ACCELS = ("auto", "eager", "static", "cuda_graph", "compile")
LICENSE = "CC-BY-NC 4.0"
ENGINE_RATE = 44_100
#: what a MusicGen folder must hold (the hub layout); the registry entry's own list is used when available
_FOLDER_FILES = ("config.json", "tokenizer_config.json", "model*.safetensors (or pytorch_model*.bin)",
                 "preprocessor_config.json (or processor_config.json)", "tokenizer.json (or spiece.model)")
_MODES = {"m": "minor", "min": "minor", "minor": "minor", "maj": "major", "major": "major", "dorian": "dorian",
          "phrygian": "phrygian", "lydian": "lydian", "mixolydian": "mixolydian", "aeolian": "aeolian",
          "ionian": "ionian", "locrian": "locrian"}
_KEY_RE = re.compile(r"^([a-g])(#|♯|b|♭|sharp|flat)?(?:\s*(m|min|minor|maj|major|dorian|phrygian|lydian|"
                     r"mixolydian|aeolian|ionian|locrian))?$", re.IGNORECASE)


# ----------------------------------------------------------------------------------------------
# Settings and prompt building (pure, no torch)


@dataclass(frozen=True)
class MusicGenSettings:
    """The contents of ``configs/musicgen.toml``."""

    presets: Mapping[str, str]
    order: tuple[str, ...] = ("preset", "bpm", "key", "prompt")
    bpm_format: str = "{bpm:g} bpm"
    max_chars: int = 500
    generation: Mapping[str, float] = dc_field(default_factory=dict)
    decode: Mapping[str, float] = dc_field(default_factory=dict)
    engine: Mapping[str, int] = dc_field(default_factory=dict)

    def gen(self, key: str, default: float) -> float:
        return float(self.generation.get(key, default))


def load_musicgen_settings(config_dir: Path | None = None) -> MusicGenSettings:
    """Read ``<config_dir>/musicgen.toml`` (default: the engine's ``configs/``)."""
    data = read_toml(Path(config_dir or _default_config_dir()) / "musicgen.toml")
    prompt = data.get("prompt", {})
    order = tuple(prompt.get("order", ("preset", "bpm", "key", "prompt")))
    unknown = sorted(set(order) - {"preset", "bpm", "key", "prompt"})
    if unknown:
        raise invalid("config.musicgen.prompt.order", "may only name preset, bpm, key and prompt", unknown)
    presets = data.get("presets", {})
    if not isinstance(presets, dict) or not all(isinstance(v, str) and v.strip() for v in presets.values()):
        raise invalid("config.musicgen.presets", "must map preset slugs to non-empty descriptions", presets)
    return MusicGenSettings(presets=presets, order=order, bpm_format=str(prompt.get("bpm_format", "{bpm:g} bpm")),
                            max_chars=int(prompt.get("max_chars", 500)), generation=data.get("generation", {}),
                            decode=data.get("decode", {}), engine=data.get("engine", {}))


def normalise_key(key: str) -> str:
    """A musical key in the words MusicGen's captions use: ``"Dm"`` → ``"D minor"``, ``"f#"`` → ``"F# major"``,
    ``"Bb_minor"`` → ``"Bb minor"``, ``"E dorian"`` → ``"E dorian"``. Text it cannot read is returned stripped.

    >>> normalise_key("Dm"), normalise_key("c sharp minor"), normalise_key("bb"), normalise_key("modal")
    ('D minor', 'C# minor', 'Bb major', 'modal')
    """
    text = re.sub(r"[\s_\-]+", " ", str(key)).strip()
    m = _KEY_RE.match(text.replace(" sharp", "sharp").replace(" flat", "flat"))
    if not m:
        return text
    tonic, acc, mode = m.group(1).upper(), (m.group(2) or "").lower(), (m.group(3) or "major").lower()
    acc = {"♯": "#", "sharp": "#", "♭": "b", "flat": "b"}.get(acc, acc)
    return f"{tonic}{acc} {_MODES[mode]}"


def build_prompt(prompt: str | None = None, preset: str | None = None, bpm: float | None = None,
                 key: str | None = None, *, settings: MusicGenSettings | None = None) -> str:
    """The text MusicGen is conditioned on: the preset's description, the tempo, the key and the free prompt.

    Parameters
    ----------
    prompt : the user's own words (optional when a preset is given).
    preset : a preset slug of ``configs/musicgen.toml`` ``[presets]`` (``"epic_orchestral"``; dashes and spaces
        are read as underscores).
    bpm : tempo; written ``"140 bpm"``.
    key : written as in :func:`normalise_key` (``"Dm"`` → ``"D minor"``).

    Returns
    -------
    str : the parts that are present, joined by ", " in ``[prompt] order``.

    >>> build_prompt("dragon attack", "epic_orchestral", 140, "Dm")
    'epic orchestral soundtrack, heroic brass and strings, big cinematic drums, 140 bpm, D minor, dragon attack'
    """
    cfg = settings or load_musicgen_settings()
    parts: dict[str, str] = {}
    if preset is not None:
        slug = str(preset).strip().replace("-", "_").replace(" ", "_").lower()
        if slug not in cfg.presets:
            raise invalid("preset", f"must be one of {', '.join(cfg.presets)}", preset)
        parts["preset"] = cfg.presets[slug].strip()
    if bpm is not None:
        if isinstance(bpm, bool) or not isinstance(bpm, int | float) or not 20 <= float(bpm) <= 400:
            raise invalid("bpm", "must be a number in [20, 400]", bpm)
        parts["bpm"] = cfg.bpm_format.format(bpm=float(bpm))
    if key is not None and str(key).strip():
        parts["key"] = normalise_key(key)
    if prompt is not None:
        if not isinstance(prompt, str):
            raise invalid("prompt", "must be a string", prompt)
        if prompt.strip():
            parts["prompt"] = re.sub(r"\s+", " ", prompt).strip(" ,")
    if "preset" not in parts and "prompt" not in parts:
        raise invalid("prompt", "needs a prompt or a preset", prompt)
    text = ", ".join(parts[name] for name in cfg.order if name in parts)
    if len(text) > cfg.max_chars + 200:       # the prompt itself is limited to max_chars by the request model
        raise invalid("prompt", f"makes a MusicGen prompt longer than {cfg.max_chars + 200} characters", text)
    return text


# ----------------------------------------------------------------------------------------------
# Audio helpers (numpy/scipy)


def frames_for_duration(duration: float, frame_rate: float) -> int:
    """Codec frames for ``duration`` seconds: ``round(duration × frame_rate)``, halves rounded up.

    >>> frames_for_duration(30.0, 50), frames_for_duration(1.01, 50), frames_for_duration(0.03, 50)
    (1500, 51, 2)
    """
    return int(math.floor(float(duration) * float(frame_rate) + 0.5 + 1e-9))


def to_engine_rate(samples: np.ndarray, sr: int, target_sr: int = ENGINE_RATE) -> np.ndarray:
    """Resample ``(channels, n)`` (or ``(n,)``) audio from ``sr`` to ``target_sr`` with ``scipy.signal.resample_poly``.

    The output has exactly ``round(n × target_sr / sr)`` samples (halves up) along the last axis, float32
    (32 kHz → 44.1 kHz: up 441, down 320, a Kaiser-windowed polyphase FIR).

    >>> to_engine_rate(np.zeros((2, 32000), np.float32), 32000).shape
    (2, 44100)
    """
    from scipy.signal import resample_poly

    x = np.asarray(samples)
    if x.ndim not in (1, 2):
        raise invalid("samples", "must be (channels, n) or (n,) audio", x.shape)
    for name, rate in (("sr", sr), ("target_sr", target_sr)):
        if isinstance(rate, bool) or not isinstance(rate, int | np.integer) or rate <= 0:
            raise invalid(name, "must be a positive integer (Hz)", rate)
    n = x.shape[-1]
    n_out = (n * int(target_sr) * 2 + int(sr)) // (2 * int(sr))
    if sr == target_sr:
        return x.astype(np.float32, copy=True)
    g = math.gcd(int(sr), int(target_sr))
    y = resample_poly(x.astype(np.float32, copy=False), int(target_sr) // g, int(sr) // g, axis=-1)
    if y.shape[-1] < n_out:
        y = np.concatenate([y, np.zeros(y.shape[:-1] + (n_out - y.shape[-1],), y.dtype)], axis=-1)
    return np.ascontiguousarray(y[..., :n_out], dtype=np.float32)


def crossfade_weights(n_total: int, lo: int, hi: int, *, fade: int, at_start: bool, at_end: bool) -> np.ndarray:
    """Weights over ``[lo, hi)`` of a piece in an overlap-add of ``n_total`` samples: linear ramps of ``fade``
    samples centred on ``lo`` (unless ``at_start``) and on ``hi`` (unless ``at_end``). Adjacent pieces' ramps
    sum to one. Returns the weights of samples ``[lo - fade // 2, hi + fade - fade // 2)`` clipped to
    ``[0, n_total)``, with the first index."""
    half = fade // 2
    a = 0 if at_start else max(0, lo - half)
    b = n_total if at_end else min(n_total, hi + fade - half)
    idx = np.arange(a, b)
    w = np.ones(b - a, np.float32)
    if not at_start and fade > 0:
        w = np.minimum(w, np.clip((idx - (lo - half) + 0.5) / fade, 0.0, 1.0))
    if not at_end and fade > 0:
        w = np.minimum(w, np.clip(((hi + fade - half) - idx - 0.5) / fade, 0.0, 1.0))
    return w


# ----------------------------------------------------------------------------------------------
# The backend


@dataclass
class GenerationStats:
    """What the last call did (for metadata and benchmarks)."""

    frames: int = 0
    windows: int = 0
    steps: int = 0
    batch: int = 0
    graphs_captured: int = 0
    seconds: dict[str, float] = dc_field(default_factory=dict)


class MusicGenBackend:
    """Text-to-music with MusicGen (``MusicgenForConditionalGeneration``) from local weights.

    Parameters
    ----------
    model_dir : a MusicGen folder in the hub layout (``config.json``, ``model.safetensors``,
        ``generation_config.json``, ``preprocessor_config.json``, ``tokenizer.json``, ``tokenizer_config.json``...).
    device : the engine's :class:`~sprixen_engine.device.DevicePolicy`: fp16 (or bf16) on CUDA, fp32 on CPU.
    config_dir : where ``musicgen.toml`` and ``models.toml`` live (default: the engine's ``configs/``).
    model_id : the registry id the folder is (``musicgen-small`` | ``musicgen-medium``); for messages and metadata.
    decoding : ``engine`` (default; the engine's own loop) | ``transformers`` (``model.generate``).
    accel : engine decoding only. ``auto`` (``cuda_graph`` on CUDA, ``eager`` on the CPU) | ``eager`` (attention
        over exactly the positions so far) | ``static`` (fixed shapes: attention over a length bucket of the
        cache with a mask, no graphs) | ``cuda_graph`` (``static``, each step replayed as a CUDA graph) |
        ``compile`` (``torch.compile`` of the step, then CUDA graphs; one attention length, one compile).
    max_window_s, overlap_s : continuation window and its prompt (default from ``[generation]``: 30 s, 10 s).
    static_cache : for ``decoding="transformers"``: ``cache_implementation="static"`` (transformers then
        compiles the forward on CUDA).

    Raises
    ------
    ModelUnavailable
        When the folder is missing or incomplete (the message names the files and where to put them).
    """

    name = "musicgen"

    def __init__(self, model_dir: Path | str, *, device: DevicePolicy, config_dir: Path | None = None,
                 model_id: str = DEFAULT_MODEL_ID, decoding: str = "engine", accel: str = "auto",
                 max_window_s: float | None = None, overlap_s: float | None = None,
                 static_cache: bool = False) -> None:
        self._setup(device=device, config_dir=config_dir, model_id=model_id, decoding=decoding, accel=accel,
                    static_cache=static_cache)
        self.model_dir = Path(model_dir)
        # 1. Check the folder (before importing anything heavy)
        self._check_folder()
        # 2. Load the model and the tokenizer (local files only)
        model, tokenizer = self._load()
        # 3. Place, and prepare the decoding loop
        self._attach(model, tokenizer, max_window_s, overlap_s)

    @classmethod
    def from_registry(cls, registry: Any, model_id: str = DEFAULT_MODEL_ID, *, device: DevicePolicy,
                      **kwargs: Any) -> MusicGenBackend:
        """The backend on the registry's copy of ``model_id``; raises :class:`ModelUnavailable` with the
        registry's message (files, places searched) and the licence when it is absent."""
        if model_id not in MODEL_IDS:
            raise invalid("model", f"must be one of {', '.join(MODEL_IDS)}", model_id)
        path = registry.locate(model_id)
        if path is None:
            details = getattr(registry, "missing_message", None)
            message = details(model_id) if callable(details) else f"MusicGen weights ({model_id}) are not installed"
            raise ModelUnavailable(f"{message.rstrip('.')}. MusicGen's weights are {LICENSE} (non-commercial use "
                                   "only) and are never downloaded.")
        return cls(path, device=device, model_id=model_id, **kwargs)

    @classmethod
    def from_model(cls, model: Any, tokenizer: Any, *, device: DevicePolicy, config_dir: Path | None = None,
                   model_id: str = DEFAULT_MODEL_ID, decoding: str = "engine", accel: str = "auto",
                   max_window_s: float | None = None, overlap_s: float | None = None,
                   static_cache: bool = False) -> MusicGenBackend:
        """Wrap a ``MusicgenForConditionalGeneration`` already in memory (e.g. the GPU benchmark's random-weight
        model, or a test's tiny one) with the same placement and decoding as weights loaded from disk.
        ``tokenizer`` is a tokenizer or a ``MusicgenProcessor``. The model is cast to the policy's dtype."""
        self = cls.__new__(cls)
        self._setup(device=device, config_dir=config_dir, model_id=model_id, decoding=decoding, accel=accel,
                    static_cache=static_cache)
        self.model_dir = Path(f"<in-memory {type(model).__name__}>")
        is_processor = hasattr(tokenizer, "feature_extractor") and hasattr(tokenizer, "tokenizer")
        self._attach(model, tokenizer.tokenizer if is_processor else tokenizer, max_window_s, overlap_s)
        return self

    def _setup(self, *, device: DevicePolicy, config_dir: Path | None, model_id: str, decoding: str,
               accel: str, static_cache: bool) -> None:
        if decoding not in DECODINGS:
            raise invalid("decoding", f"must be one of {', '.join(DECODINGS)}", decoding)
        if accel not in ACCELS:
            raise invalid("accel", f"must be one of {', '.join(ACCELS)}", accel)
        if accel in ("cuda_graph", "compile") and device.device != "cuda":
            raise invalid("accel", f"'{accel}' needs a CUDA device (the policy says {device.device})", accel)
        self.device = device
        self.model_id = model_id
        self.decoding = decoding
        self.accel = ("cuda_graph" if device.device == "cuda" else "eager") if accel == "auto" else accel
        self.static_cache = bool(static_cache)
        self.config_dir = Path(config_dir or _default_config_dir())
        self.settings = load_musicgen_settings(self.config_dir)
        self.last_stats = GenerationStats()
        self._engine: _EngineDecoder | None = None

    # ------------------------------------------------------------------ loading
    def _expected_files(self) -> str:
        try:
            from .weights import load_manifest

            spec = load_manifest(self.config_dir)[self.model_id]
        except Exception:  # noqa: BLE001 - a message helper: fall back to the hub layout
            return ", ".join(_FOLDER_FILES)
        files = list(spec.files) + [" or ".join(p.split("|")) for p in spec.patterns]
        files.append("tokenizer.json or spiece.model")
        return ", ".join(files)

    def _unavailable(self, why: str) -> ModelUnavailable:
        return ModelUnavailable(
            f"MusicGen weights ({self.model_id}) {why}: expected a folder with {self._expected_files()} "
            f"(the layout of facebook/{self.model_id}, licence {LICENSE}, non-commercial use only); "
            f"{where_to_put(self.model_id)}.")

    def _check_folder(self) -> None:
        path = self.model_dir
        if not path.is_dir():
            raise self._unavailable(f"not found at {path}")
        lacking = [f for f in ("config.json", "tokenizer_config.json") if not (path / f).is_file()]
        if not (any(path.glob("model*.safetensors")) or any(path.glob("pytorch_model*.bin"))):
            lacking.append("model.safetensors")
        if not ((path / "tokenizer.json").is_file() or (path / "spiece.model").is_file()):
            lacking.append("tokenizer.json")
        if lacking:
            raise self._unavailable(f"at {path} are incomplete (missing {', '.join(lacking)})")

    @property
    def torch_dtype(self) -> Any:
        import torch

        if self.device.device != "cuda":
            return torch.float32
        return {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}[self.device.dtype]

    def _load(self) -> tuple[Any, Any]:
        from transformers import AutoProcessor, AutoTokenizer, MusicgenForConditionalGeneration

        path = self.model_dir
        try:
            model = MusicgenForConditionalGeneration.from_pretrained(path, dtype=self.torch_dtype,
                                                                     local_files_only=True)
        except (OSError, ValueError, KeyError) as exc:
            raise self._unavailable(f"at {path} could not be loaded ({exc})") from exc
        try:
            tokenizer = AutoProcessor.from_pretrained(path, local_files_only=True).tokenizer
        except (OSError, ValueError, KeyError, AttributeError, TypeError):
            try:  # a folder without a usable processor config: the tokenizer alone is all the backend needs
                tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            except (OSError, ValueError, KeyError) as exc:
                raise self._unavailable(f"at {path} have no loadable tokenizer ({exc})") from exc
        return model, tokenizer

    def _attach(self, model: Any, tokenizer: Any, max_window_s: float | None, overlap_s: float | None) -> None:
        on_cuda = self.device.device == "cuda"
        self.model = model.to(device="cuda" if on_cuda else "cpu", dtype=self.torch_dtype).eval()
        self.model.requires_grad_(False)
        self.tokenizer = tokenizer
        cfg = self.model.config
        self.sample_rate = int(cfg.audio_encoder.sampling_rate)
        self.hop_length = int(np.prod(cfg.audio_encoder.upsampling_ratios))
        self.frame_rate = float(cfg.audio_encoder.frame_rate)
        self.audio_channels = int(cfg.decoder.audio_channels)
        self.num_codebooks = int(cfg.decoder.num_codebooks)            # all channels
        self.delay = self.num_codebooks // self.audio_channels - 1     # steps codebook K-1 lags codebook 0
        gen = self.model.generation_config
        start = getattr(gen, "decoder_start_token_id", None)
        self.start_token = int(start if start is not None else cfg.decoder.bos_token_id)
        # 4. Windows: continuation and its prompt, in frames
        win = self.settings.gen("max_window_s", 30.0) if max_window_s is None else max_window_s
        ovl = self.settings.gen("overlap_s", 10.0) if overlap_s is None else overlap_s
        for name, v in (("max_window_s", win), ("overlap_s", ovl)):
            if isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
                raise invalid(name, "must be a non-negative number of seconds", v)
        self.window_frames = frames_for_duration(win, self.frame_rate)
        self.overlap_frames = frames_for_duration(ovl, self.frame_rate)
        if self.window_frames < 2 or not 0 < self.overlap_frames < self.window_frames:
            raise invalid("overlap_s", f"must be above 0 and below max_window_s ({win} s), each at least one "
                          f"frame ({1 / self.frame_rate:g} s)", ovl)
        max_pos = int(cfg.decoder.max_position_embeddings)
        if self.window_frames + self.delay + 1 > max_pos:
            raise invalid("max_window_s", f"needs more than the decoder's {max_pos} positions "
                          f"({(max_pos - self.delay - 1) / self.frame_rate:g} s at most)", win)
        self.max_window_s, self.overlap_s = float(win), float(ovl)
        self._cuda = on_cuda
        if self.decoding == "engine":
            eng = self.settings.engine
            self._engine = _EngineDecoder(self.model, accel=self.accel, kv_bucket=int(eng.get("kv_bucket", 256)),
                                          noise_chunk=int(eng.get("noise_chunk", 64)))

    def describe(self) -> dict[str, Any]:
        """What ran, for result metadata."""
        return {"backend": self.name, "model": str(self.model_dir), "model_id": self.model_id,
                "license": LICENSE, "non_commercial": True, "device": self.device.device,
                "dtype": self.device.dtype if self.device.device == "cuda" else "fp32", "decoding": self.decoding,
                "accel": self.accel if self.decoding == "engine" else ("static_cache" if self.static_cache
                                                                       else "default"),
                "sample_rate": self.sample_rate, "frame_rate": self.frame_rate, "audio_channels": self.audio_channels,
                "num_codebooks": self.num_codebooks, "max_window_s": self.max_window_s, "overlap_s": self.overlap_s}

    # ------------------------------------------------------------------ public generation
    def frames_for(self, duration: float) -> int:
        """Codec frames for ``duration`` seconds (see :func:`frames_for_duration`)."""
        return frames_for_duration(duration, self.frame_rate)

    def check_inputs(self, prompts: Sequence[str], *, duration: float, seeds: Sequence[int], guidance: float,
                     temperature: float, top_k: int) -> None:
        """Validate every argument of :meth:`generate_batch`; raises ``InvalidRequest`` naming the field."""
        max_chars = self.settings.max_chars + 200
        if isinstance(prompts, str) or not isinstance(prompts, Sequence) or len(prompts) == 0:
            raise invalid("prompts", "must be a non-empty list of strings", prompts)
        for p in prompts:
            if not isinstance(p, str) or not p.strip() or len(p) > max_chars:
                raise invalid("prompt", f"must be a non-empty string of at most {max_chars} characters", p)
        max_d = self.settings.gen("max_duration_s", 300.0)
        if isinstance(duration, bool) or not isinstance(duration, int | float) or not 0 < duration <= max_d:
            raise invalid("duration", f"must be a number of seconds in (0, {max_d:g}]", duration)
        if self.frames_for(duration) < 1:
            raise invalid("duration", f"is shorter than one codec frame ({1 / self.frame_rate:g} s)", duration)
        if isinstance(seeds, int | str) or not isinstance(seeds, Sequence) or len(seeds) != len(prompts):
            raise invalid("seeds", f"must be a list of one integer per prompt ({len(prompts)})", seeds)
        for s in seeds:
            if isinstance(s, bool) or not isinstance(s, int | np.integer) or not 0 <= int(s) < 2**63:
                raise invalid("seed", "must be an integer in [0, 2**63)", s)
        if isinstance(guidance, bool) or not isinstance(guidance, int | float) or not 0.0 <= guidance <= 30.0:
            raise invalid("guidance", "must be a number in [0, 30]", guidance)
        if isinstance(temperature, bool) or not isinstance(temperature, int | float) or not 0 <= temperature <= 10:
            raise invalid("temperature", "must be a number in [0, 10] (0 = greedy)", temperature)
        if isinstance(top_k, bool) or not isinstance(top_k, int | np.integer) or top_k < 0:
            raise invalid("top_k", "must be a non-negative integer (0, or more than the codebook size, = all codes)",
                          top_k)

    def generate(self, prompt_text: str, *, duration: float, seed: int, guidance: float | None = None,
                 temperature: float | None = None, top_k: int | None = None) -> tuple[np.ndarray, int]:
        """One track.

        Parameters
        ----------
        prompt_text : the description (see :func:`build_prompt`).
        duration : seconds; rounded to whole codec frames (20 ms at 50 Hz). Over ``max_window_s`` the track is
            continued window by window.
        seed : the sampling seed (same seed, same track on the same device).
        guidance, temperature, top_k : default from ``[generation]`` (3.0, 1.0, 250).

        Returns
        -------
        (samples, sample_rate) : float32 ``(channels, frames × hop_length)`` at the model's rate (32 kHz), raw
        (no resampling, no loudness normalisation: see :func:`to_engine_rate`).
        """
        batch, sr = self.generate_batch([prompt_text], duration=duration, seeds=[seed], guidance=guidance,
                                        temperature=temperature, top_k=top_k)
        return batch[0], sr

    def generate_batch(self, prompts: Sequence[str], *, duration: float, seeds: Sequence[int],
                       guidance: float | None = None, temperature: float | None = None,
                       top_k: int | None = None) -> tuple[np.ndarray, int]:
        """Several tracks of the same duration in one batch; track ``i`` is seeded by ``seeds[i]`` (engine
        decoding: reproducible alone). Returns float32 ``(B, channels, n)`` and the sample rate."""
        guidance = self.settings.gen("guidance", 3.0) if guidance is None else guidance
        temperature = self.settings.gen("temperature", 1.0) if temperature is None else temperature
        top_k = int(self.settings.gen("top_k", 250)) if top_k is None else top_k
        # 1. Check inputs
        self.check_inputs(prompts, duration=duration, seeds=seeds, guidance=guidance, temperature=temperature,
                          top_k=top_k)
        t0 = time.perf_counter()
        # 2. Codes, window by window
        codes = self.generate_codes(list(prompts), frames=self.frames_for(duration), seeds=[int(s) for s in seeds],
                                    guidance=float(guidance), temperature=float(temperature), top_k=int(top_k))
        t1 = time.perf_counter()
        # 3. Codes → audio (EnCodec, windowed with crossfades)
        audio = self.decode_codes(codes)
        out = audio.float().cpu().numpy().astype(np.float32, copy=False)
        self.last_stats.seconds.update(codes=t1 - t0, decode=time.perf_counter() - t1)
        return out, self.sample_rate

    # ------------------------------------------------------------------ codes
    def _encode_text(self, prompts: list[str]) -> tuple[Any, Any]:
        """Text → (input_ids, attention_mask) padded to a multiple of ``[engine] text_bucket`` tokens."""
        bucket = int(self.settings.engine.get("text_bucket", 32))
        enc = self.tokenizer(prompts, padding=True, pad_to_multiple_of=bucket if bucket > 1 else None,
                             truncation=True, max_length=512, return_tensors="pt")
        dev = self.model.device
        return enc["input_ids"].to(dev), enc["attention_mask"].to(dev)

    def window_plan(self, frames: int) -> list[tuple[int, int]]:
        """``(prompt_frames, new_frames)`` per window for a track of ``frames`` frames."""
        plan = [(0, min(frames, self.window_frames))]
        done = plan[0][1]
        while done < frames:
            new = min(frames - done, self.window_frames - self.overlap_frames)
            plan.append((self.overlap_frames, new))
            done += new
        return plan

    def generate_codes(self, prompts: list[str], *, frames: int, seeds: list[int], guidance: float = 3.0,
                       temperature: float = 1.0, top_k: int = 250) -> Any:
        """Codes ``(B, K, frames)`` (``torch.long``, on the model's device) for the prompts, window by window.

        No input checks (see :meth:`check_inputs`); the sampling noise of window ``w`` of track ``i`` comes from
        a generator seeded with ``seeds[i]`` and advanced window by window (engine decoding).
        """
        import torch

        stats = GenerationStats(frames=frames, batch=len(prompts))
        self.last_stats = stats
        with torch.inference_mode():
            ids, mask = self._encode_text(prompts)
            plan = self.window_plan(frames)
            stats.windows = len(plan)
            if self.decoding == "engine":
                assert self._engine is not None
                enc_states = self._engine.text_states(ids, mask)
                run = self._engine.start(enc_states, mask, guidance=guidance, seeds=seeds,
                                         max_steps=max(self.window_frames, self.delay) + self.delay)
                pieces: list[Any] = []
                prompt = None
                for p_frames, new in plan:
                    if p_frames:
                        prompt = torch.cat(pieces, dim=-1)[..., -p_frames:]
                    new_codes = run.window(prompt if p_frames else None, self._steps(p_frames, new),
                                           temperature=temperature, top_k=top_k, start_token=self.start_token,
                                           delay=self.delay)
                    pieces.append(new_codes[..., p_frames:p_frames + new])
                stats.steps, stats.graphs_captured = run.steps, run.graphs_captured
                return torch.cat(pieces, dim=-1)
            pieces = []
            for w, (p_frames, new) in enumerate(plan):
                prompt = torch.cat(pieces, dim=-1)[..., -p_frames:] if p_frames else None
                out = self._transformers_window(ids, mask, prompt, self._steps(p_frames, new), seed=seeds[0] + w,
                                                guidance=guidance, temperature=temperature, top_k=top_k)
                pieces.append(out[..., p_frames:p_frames + new])
                stats.steps += self._steps(p_frames, new)
            return torch.cat(pieces, dim=-1)

    def _steps(self, prompt_frames: int, new: int) -> int:
        """Sampling steps for ``new`` frames after ``prompt_frames``: ``new + K - 1``, and at least enough for
        transformers' delay-pattern builder to apply its pattern (``prompt + frames ≥ K - 1``; shorter windows
        are generated that long and cut)."""
        return max(new, self.delay - prompt_frames) + self.delay

    def _transformers_window(self, ids: Any, mask: Any, prompt: Any, steps: int, *, seed: int, guidance: float,
                             temperature: float, top_k: int) -> Any:
        """One window of ``steps`` sampling steps through ``model.generate``: returns its codes
        ``(B, K, prompt + steps - K + 1)``."""
        import torch

        kwargs: dict[str, Any] = dict(input_ids=ids, attention_mask=mask, max_new_tokens=steps,
                                      guidance_scale=guidance if guidance > 1 else None, do_sample=temperature > 0)
        if temperature > 0:
            kwargs.update(temperature=temperature, top_k=top_k)      # top_k 0: no top-k, as in transformers
        if prompt is not None:
            b, k, p = prompt.shape
            kwargs["decoder_input_ids"] = prompt.reshape(b * k, p)
        if self.static_cache:
            kwargs["cache_implementation"] = "static"
        devices = [torch.cuda.current_device()] if self._cuda else []
        with torch.random.fork_rng(devices=devices), _capture_codes(self.model) as captured:
            torch.manual_seed(seed)
            self.model.generate(**kwargs)
        return captured["codes"][0]

    def decode_codes(self, codes: Any) -> Any:
        """EnCodec decode of ``(B, K, F)`` codes to ``(B, channels, F × hop_length)`` audio (float32, the model's
        device), in overlapping windows blended with linear crossfades when ``F`` is over ``[decode] window_s``."""
        import torch

        dec = self.settings.decode
        b, _, f = codes.shape
        win = max(1, frames_for_duration(float(dec.get("window_s", 30.0)), self.frame_rate))
        ctx = frames_for_duration(float(dec.get("context_s", 1.0)), self.frame_rate)
        fade = min(ctx, win // 2, frames_for_duration(float(dec.get("crossfade_s", 0.1)), self.frame_rate))
        fade *= self.hop_length
        hop = self.hop_length
        with torch.inference_mode():
            if f <= win:
                return self._decode_once(codes).float()
            out = torch.zeros(b, self.audio_channels, f * hop, dtype=torch.float32, device=codes.device)
            for lo in range(0, f, win):
                hi = min(f, lo + win)
                a, z = max(0, lo - ctx), min(f, hi + ctx)
                audio = self._decode_once(codes[..., a:z]).float()          # samples of frames [a, z)
                w = crossfade_weights(f * hop, lo * hop, hi * hop, fade=fade, at_start=lo == 0, at_end=hi == f)
                start = (lo * hop - fade // 2) if lo > 0 else 0
                seg = audio[..., start - a * hop:start - a * hop + len(w)]
                out[..., start:start + len(w)] += seg * torch.from_numpy(w).to(seg.device)
            return out

    def _decode_once(self, codes: Any) -> Any:
        enc = self.model.audio_encoder
        b = codes.shape[0]
        scales = [None] * b
        if self.audio_channels == 1:
            return enc.decode(codes[None], audio_scales=scales).audio_values
        import torch

        left = enc.decode(codes[None, :, ::2], audio_scales=scales).audio_values
        right = enc.decode(codes[None, :, 1::2], audio_scales=scales).audio_values
        return torch.cat([left, right], dim=1)


@contextmanager
def _capture_codes(model: Any) -> Iterator[dict[str, Any]]:
    """During the block, ``model.audio_encoder.decode`` records the codes ``generate`` hands it and returns
    empty audio instead of decoding (the backend decodes the stitched windows itself)."""
    import torch

    captured: dict[str, Any] = {}
    encoder = model.audio_encoder
    parts: list[Any] = []

    class _Out:
        def __init__(self, audio_values: Any) -> None:
            self.audio_values = audio_values

    def decode(audio_codes: Any, audio_scales: Any = None, *args: Any, **kwargs: Any) -> _Out:
        parts.append(audio_codes)
        stacked = parts[0] if len(parts) == 1 else torch.stack(parts, dim=3).flatten(2, 3)   # stereo: L, R interleaved
        captured["codes"] = stacked
        return _Out(torch.zeros(audio_codes.shape[1], 1, 0, device=audio_codes.device))

    encoder.decode = decode
    try:
        yield captured
    finally:
        del encoder.decode


# ----------------------------------------------------------------------------------------------
# The engine's decoding loop


class _EngineDecoder:
    """MusicGen's decoder (``MusicgenForCausalLM``) run as plain tensor code on its own modules' weights.

    The maths is the transformers model's (pre-norm layers: self-attention, cross-attention on the projected
    text states, GELU feed-forward; sinusoidal positions; one embedding table and one LM head per codebook),
    arranged for fast one-token steps: a preallocated KV cache, the text's cross-attention keys and values
    computed once per call, attention over a length bucket of the cache with a mask (fixed shapes), and on CUDA
    each step replayed as a CUDA graph (captured once per batch size, text length and attention bucket).
    """

    def __init__(self, model: Any, *, accel: str, kv_bucket: int = 256, noise_chunk: int = 64) -> None:
        self.model = model
        dec = model.decoder                     # MusicgenForCausalLM
        core = dec.model.decoder                # MusicgenDecoder
        self.layers = core.layers
        self.embed = core.embed_tokens
        self.positions = core.embed_positions
        self.norm = core.layer_norm
        self.heads = dec.lm_heads
        cfg = model.config.decoder
        self.k = int(cfg.num_codebooks)
        self.h = int(cfg.num_attention_heads)
        self.d = int(cfg.hidden_size)
        self.hd = self.d // self.h
        self.vocab = int(cfg.vocab_size)
        self.accel = accel
        self.kv_bucket = max(1, int(kv_bucket))
        self.noise_chunk = max(1, int(noise_chunk))
        self._kv: dict[tuple[int, int], list[tuple[Any, Any]]] = {}     # (rows, positions) → per-layer caches
        self._graphs: dict[tuple[Any, ...], _StepGraph] = {}            # (rows, text, length, cfg) → graph
        self._text: dict[tuple[int, int], _TextBuffers] = {}            # (rows, text length) → static K/V
        self._step_fn = self._step
        if accel == "compile":
            import torch

            # one attention length (the whole cache) so that there is one graph to compile, not one per bucket
            self._step_fn = torch.compile(self._step, fullgraph=True, dynamic=False)

    # -- text
    def text_states(self, ids: Any, mask: Any) -> Any:
        """T5 states → the decoder's width (``enc_to_dec_proj``) → padded tokens zeroed, as the model's forward."""
        model = self.model
        states = model.text_encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        proj = getattr(model, "enc_to_dec_proj", None)
        if proj is not None:
            states = proj(states)
        return states * mask[..., None].to(states.dtype)

    def start(self, enc_states: Any, mask: Any, *, guidance: float, seeds: list[int], max_steps: int) -> _Run:
        return _Run(self, enc_states, mask, guidance=guidance, seeds=seeds, max_steps=max_steps)

    def kv_cache(self, rows: int, positions: int, dtype: Any, device: Any) -> list[tuple[Any, Any]]:
        import torch

        key = (rows, positions)
        if key not in self._kv:
            self._kv.clear()     # one shape at a time: a new batch size frees the old cache (and its graphs)
            self._graphs.clear()
            self._text.clear()
            shape = (rows, self.h, positions, self.hd)
            self._kv[key] = [(torch.zeros(shape, dtype=dtype, device=device),
                              torch.zeros(shape, dtype=dtype, device=device)) for _ in self.layers]
        return self._kv[key]

    # -- the forward pass (prefill and one-token steps)
    def _step(self, tokens: Any, start: Any, kv: list[tuple[Any, Any]], cross: list[tuple[Any, Any]],
              cross_mask: Any, length: int, cfg: bool) -> Any:
        """Logits ``(R, K, V)`` (float32) of the last position of ``tokens`` ``(B, K, L)`` placed at positions
        ``start .. start + L - 1`` (``start`` a 0-d long tensor); K/V are written into ``kv``; attention reads
        cache positions ``[0, length)`` with a causal mask. ``R = 2B`` under guidance (rows duplicated)."""
        import torch
        import torch.nn.functional as F

        b, _, n = tokens.shape
        x = self.embed[0](tokens[:, 0])
        for c in range(1, self.k):
            x = x + self.embed[c](tokens[:, c])
        pos = start + torch.arange(n, device=tokens.device)
        x = x + self.positions.weights.index_select(0, pos).to(x.dtype)[None]
        if cfg:
            x = torch.cat([x, x], dim=0)
        r = x.shape[0]
        keys = torch.arange(length, device=tokens.device)
        self_mask = keys[None, :] <= pos[:, None]                               # (L, length)
        for i, layer in enumerate(self.layers):
            att = layer.self_attn
            h = layer.self_attn_layer_norm(x)
            q = att.q_proj(h).view(r, n, self.h, self.hd).transpose(1, 2)
            k = att.k_proj(h).view(r, n, self.h, self.hd).transpose(1, 2)
            v = att.v_proj(h).view(r, n, self.h, self.hd).transpose(1, 2)
            kc, vc = kv[i]
            kc.index_copy_(2, pos, k)
            vc.index_copy_(2, pos, v)
            o = F.scaled_dot_product_attention(q, kc[:, :, :length], vc[:, :, :length], attn_mask=self_mask,
                                               scale=att.scaling)
            x = x + att.out_proj(o.transpose(1, 2).reshape(r, n, self.d))
            xatt = layer.encoder_attn
            h = layer.encoder_attn_layer_norm(x)
            q = xatt.q_proj(h).view(r, n, self.h, self.hd).transpose(1, 2)
            ck, cv = cross[i]
            o = F.scaled_dot_product_attention(q, ck, cv, attn_mask=cross_mask, scale=xatt.scaling)
            x = x + xatt.out_proj(o.transpose(1, 2).reshape(r, n, self.d))
            h = layer.final_layer_norm(x)
            x = x + layer.fc2(layer.activation_fn(layer.fc1(h)))
        last = self.norm(x[:, -1])                                              # (R, D)
        return torch.stack([head(last) for head in self.heads], dim=1).float()  # (R, K, V)


@dataclass
class _StepGraph:
    """One captured one-token step: static inputs (tokens, position), static output (logits)."""

    graph: Any
    tokens: Any
    pos: Any
    logits: Any


@dataclass
class _TextBuffers:
    """The static cross-attention K/V and mask that captured graphs read (one set per batch and text shape)."""

    cross: list[tuple[Any, Any]]
    mask: Any


class _Run:
    """One ``generate_codes`` call on the engine path: text K/V, noise generators, windows."""

    def __init__(self, eng: _EngineDecoder, enc_states: Any, mask: Any, *, guidance: float, seeds: list[int],
                 max_steps: int) -> None:
        import torch

        self.eng = eng
        self.cfg = guidance > 1.0
        self.guidance = float(guidance)
        self.device = enc_states.device
        self.dtype = enc_states.dtype
        b, s, _ = enc_states.shape
        self.b = b
        rows = 2 * b if self.cfg else b
        # cross-attention K/V of every layer, once; the null prompt's states are zeros (their K/V too)
        states = torch.cat([enc_states, torch.zeros_like(enc_states)], dim=0) if self.cfg else enc_states
        m = mask.bool()
        if self.cfg:    # the null rows attend to nothing but zeros: unmasked (their output is zero either way)
            m = torch.cat([m, torch.ones_like(m)], dim=0)
        self.cross_mask = m[:, None, None, :]                                   # (R, 1, 1, S)
        self.cross = []
        for layer in eng.layers:
            xatt = layer.encoder_attn
            ck = xatt.k_proj(states).view(rows, s, eng.h, eng.hd).transpose(1, 2).contiguous()
            cv = xatt.v_proj(states).view(rows, s, eng.h, eng.hd).transpose(1, 2).contiguous()
            self.cross.append((ck, cv))
        self.text_len = s
        # the KV cache: all positions of the longest window, rounded up to the attention bucket
        positions = max_steps + 1
        if eng.accel != "eager":
            positions = -(-positions // eng.kv_bucket) * eng.kv_bucket
        self.positions = positions
        self.kv = eng.kv_cache(rows, positions, self.dtype, self.device)
        gen_device = self.device if self.device.type == "cuda" else "cpu"
        self.generators = [torch.Generator(device=gen_device).manual_seed(int(s)) for s in seeds]
        self._noise: Any = None
        self._noise_at = 0
        self.steps = 0
        self.graphs_captured = 0
        if eng.accel in ("cuda_graph", "compile"):   # graphs read static buffers: copy this call's text K/V in
            self._bind_static_text()

    # -- static buffers for CUDA graphs (one set per batch shape and text length)
    def _bind_static_text(self) -> None:
        key = (self.kv[0][0].shape[0], self.text_len)
        store = self.eng._text.get(key)
        if store is None:
            store = _TextBuffers([(ck.clone(), cv.clone()) for ck, cv in self.cross], self.cross_mask.clone())
            self.eng._text[key] = store
        else:
            for (sk, sv), (ck, cv) in zip(store.cross, self.cross, strict=True):
                sk.copy_(ck)
                sv.copy_(cv)
            store.mask.copy_(self.cross_mask)
        self.cross, self.cross_mask = store.cross, store.mask

    # -- sampling
    def _uniform(self, step: int) -> Any:
        """``(B, K, V)`` uniforms of ``step`` (drawn per track in chunks of ``noise_chunk`` steps)."""
        import torch

        eng = self.eng
        if self._noise is None or step - self._noise_at >= eng.noise_chunk:
            shape = (eng.noise_chunk, eng.k, eng.vocab)
            self._noise = torch.stack([torch.rand(shape, generator=g, device=g.device) for g in self.generators],
                                      dim=1).to(self.device)
            self._noise_at = step
        return self._noise[step - self._noise_at]

    def _sample(self, logits: Any, step: int, *, temperature: float, top_k: int) -> Any:
        import torch

        if self.cfg:
            cond, uncond = logits[: self.b], logits[self.b:]
            scores = uncond + (cond - uncond) * self.guidance
        else:
            scores = logits
        if temperature <= 0:
            return scores.argmax(dim=-1)
        scores = scores / temperature
        if 0 < top_k < scores.shape[-1]:
            kth = torch.topk(scores, top_k, dim=-1).values[..., -1:]
            scores = scores.masked_fill(scores < kth, float("-inf"))
        u = self._uniform(step).clamp_(1e-12, 1.0 - 1e-7)
        return (scores - torch.log(-torch.log(u))).argmax(dim=-1)

    # -- one window
    def window(self, prompt: Any, new_tokens: int, *, temperature: float, top_k: int, start_token: int,
               delay: int) -> Any:
        """Run one window: ``prompt`` codes ``(B, K, P)`` or ``None``, then ``new_tokens`` sampled steps.
        Returns the window's codes ``(B, K, P + new_tokens - delay)`` (prompt included)."""
        import torch

        eng = self.eng
        b, k = self.b, eng.k
        dev = self.device
        # 1. The delay pattern of this window (transformers' own builder): known tokens and -1 where to sample
        p = 0 if prompt is None else prompt.shape[-1]
        first = torch.full((b * k, 1), start_token, dtype=torch.long, device=dev)
        ids = first if prompt is None else torch.cat([first, prompt.reshape(b * k, p)], dim=-1)
        total = 1 + p + new_tokens
        prefix, pattern = eng.model.decoder.build_delay_pattern_mask(ids, pad_token_id=start_token, max_length=total)
        pattern = pattern.reshape(b, k, total)
        n0 = prefix.shape[-1]
        grid = pattern.clone()
        # 2. Prefill the known prefix (eager), then one step per position
        zero = torch.zeros((), dtype=torch.long, device=dev)
        logits = eng._step(grid[:, :, :n0], zero, self.kv, self.cross, self.cross_mask, n0, self.cfg)
        for t in range(n0, total):
            tok = self._sample(logits, self.steps, temperature=temperature, top_k=top_k)
            self.steps += 1
            known = pattern[:, :, t]
            grid[:, :, t] = torch.where(known == -1, tok, known)
            if t == total - 1:
                break
            logits = self._decode_step(grid[:, :, t], t)
        # 3. Undo the delay: codebook c's frames start at position 1 + (c of its channel)
        frames = total - 1 - delay
        channels = k // (delay + 1)
        rows = [grid[:, c, 1 + c // channels: 1 + c // channels + frames] for c in range(k)]
        return torch.stack(rows, dim=1)

    def _decode_step(self, tokens: Any, t: int) -> Any:
        import torch

        eng = self.eng
        if eng.accel == "eager":
            pos = torch.full((), t, dtype=torch.long, device=self.device)
            return eng._step(tokens[:, :, None], pos, self.kv, self.cross, self.cross_mask, t + 1, self.cfg)
        bucket = self.positions if eng.accel == "compile" else eng.kv_bucket
        length = min(self.positions, -(-(t + 1) // bucket) * bucket)
        if eng.accel == "static":
            pos = torch.full((), t, dtype=torch.long, device=self.device)
            return eng._step_fn(tokens[:, :, None], pos, self.kv, self.cross, self.cross_mask, length, self.cfg)
        key = (self.kv[0][0].shape[0], self.text_len, length, self.cfg)
        g = eng._graphs.get(key)
        if g is None:
            g = self._capture(tokens, t, length)
            eng._graphs[key] = g
            self.graphs_captured += 1
        g.tokens.copy_(tokens[:, :, None])
        g.pos.fill_(t)
        g.graph.replay()
        return g.logits

    def _capture(self, tokens: Any, t: int, length: int) -> _StepGraph:
        """Capture the one-token step at this attention length. The warm-up runs write this position's K/V, the
        same values the replay writes (idempotent), so capturing mid-generation is safe."""
        import torch

        eng = self.eng
        static_tokens = tokens[:, :, None].clone()
        static_pos = torch.full((), t, dtype=torch.long, device=self.device)

        def run() -> Any:
            return eng._step_fn(static_tokens, static_pos, self.kv, self.cross, self.cross_mask, length, self.cfg)

        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(2):
                run()
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()        # its own memory pool: graphs replay in any order
        with torch.cuda.graph(graph):
            logits = run()
        return _StepGraph(graph, static_tokens, static_pos, logits)
