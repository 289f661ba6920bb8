"""SDXL sprite backend (diffusers): open-vocabulary sprites from local weights.

Nothing here imports torch or diffusers at module import; :class:`SDXLSpriteBackend` imports them
when it is built. Weights are only ever read from disk (``local_files_only=True``).

How the sprite pipeline calls it (the Engine wiring is the lead's)
------------------------------------------------------------------
1. Locate the weights with the registry: ``model_dir = engine.weights.require("sdxl-base-1.0")``
   (plus optional ``"sdxl-vae-fp16-fix"``, ``"taesdxl"``, ``"pixel-art-xl-lora"`` for pixel art,
   ``"lcm-lora-sdxl"`` / ``"sdxl-lightning-4step"`` for few-step modes, ``"ip-adapter-sdxl"`` for
   reference images) and build the backend once::

       backend = SDXLSpriteBackend(model_dir, device=engine.device, vae_dir=vae,
                                   lora=[(pixel_lora, 1.0)], ip_adapter_dir=ip_adapter, mode="standard")

2. Per request, turn the interpretation into prompts (one per variant, all the same text)::

       positive, negative = build_prompt(subject=interp.subject, category=interp.category,
                                         styles=interp.styles, colors=interp.colors, view=interp.view,
                                         art_style=art_style, modifiers=interp.modifiers, kind=None)
       images = backend.generate([positive] * n, seeds=[seed + v for v in range(n)],
                                 size_wh=(1024, 1024), negative_prompt=negative,
                                 reference=ref_rgba, strength=0.6)

   ``kind`` is ``"pack_item"`` for each item of a pack (one prompt per item, drawn in one batch;
   ``"pack_sheet"`` with ``items=`` asks for a whole sheet in one image) and ``"tile_texture"`` for
   tiles; otherwise it follows the category (``environment`` requests → ``"prop"``).
   A reference image conditions the images through the IP-Adapter when one is loaded
   (``ip_adapter_dir``, registry id ``"ip-adapter-sdxl"``), else through img2img with ``strength``;
   ``[ip_adapter] reference_mode`` in ``sdxl.toml`` picks ``ip_adapter``, ``img2img`` or ``both``.
   Generate at SDXL's native 1024² (or 768² for speed); never at the sprite's final size.
3. Post-process each ``(H, W, 4)`` uint8 image (alpha is 255 everywhere) with the foundation
   kernels: ``remove_background`` (RMBG-2.0 when present, else classic matting; skip when
   ``skip_bg_removal``), then ``pixelize`` (grid-aware, palette-limited) to the requested size for
   pixel art, or Lanczos ``resize`` for vector/painterly, per ``pixelPerfect``.
4. Record ``backend.name`` ("sdxl"), ``backend.describe()``, ``backend.reference_path(...)`` and the
   seeds in the result metadata.

Each variant ``i`` is drawn with its own ``torch.Generator("cpu").manual_seed(seeds[i])`` in one
batched call, so variant ``i`` alone reproduces the same image as inside the batch.

Tile textures (:meth:`SDXLSpriteBackend.generate_texture`) use the ``tile_texture`` template and run with
every padded convolution of the UNet and the VAE switched to circular padding (:func:`circular_padding`):
the network then computes on a torus, so the image's opposite edges continue each other (seamless).
"""

from __future__ import annotations

import re
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

MODEL_ID = "sdxl-base-1.0"
MODES = ("standard", "lcm", "lightning")
PROMPT_KINDS = ("character", "creature", "item", "prop", "pack_item", "pack_sheet", "tile_texture")
ART_STYLES = ("pixel", "vector", "painterly")
REFERENCE_MODES = ("ip_adapter", "img2img", "both")
IP_ADAPTER_ID = "ip-adapter-sdxl"
#: the h94/IP-Adapter layout: ``<root>/sdxl_models/ip-adapter_sdxl.safetensors`` and ``<root>/sdxl_models/image_encoder/``
IP_ADAPTER_SUBFOLDER, IP_ADAPTER_WEIGHTS, IP_ADAPTER_ENCODER = "sdxl_models", "ip-adapter_sdxl.safetensors", "image_encoder"
_DIFFUSERS_FILES = ("model_index.json", "unet/config.json", "vae/config.json", "text_encoder/config.json",
                    "text_encoder_2/config.json", "tokenizer/", "tokenizer_2/", "scheduler/scheduler_config.json")


# ----------------------------------------------------------------------------------------------
# Prompt building (pure, no torch)


@dataclass(frozen=True)
class SDXLPromptConfig:
    """The contents of ``configs/sdxl.toml``."""

    templates: Mapping[str, str]
    style_lock: Mapping[str, str]
    views: Mapping[str, str]
    style_words: Mapping[str, str]
    negative: Mapping[str, str]
    modes: Mapping[str, Mapping[str, float]]
    limits: Mapping[str, float]
    ip_adapter: Mapping[str, Any] = dc_field(default_factory=dict)


def load_sdxl_config(config_dir: Path | None = None) -> SDXLPromptConfig:
    """Read ``<config_dir>/sdxl.toml`` (default: the engine's ``configs/``)."""
    data = read_toml(Path(config_dir or _default_config_dir()) / "sdxl.toml")
    missing = [k for k in PROMPT_KINDS if k not in data.get("templates", {})]
    if missing:
        raise invalid("config.sdxl.templates", "must define a template for every prompt kind", missing)
    return SDXLPromptConfig(
        templates=data["templates"], style_lock=data.get("style_lock", {}), views=data.get("views", {}),
        style_words=data.get("style_words", {}), negative=data.get("negative", {}),
        modes=data.get("modes", {}), limits=data.get("limits", {}), ip_adapter=data.get("ip_adapter", {}))


def _clean(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s*,(\s*,)+", ",", text)
    text = re.sub(r"\s+,", ",", text)
    return text.strip(" ,")


def _words(name: str) -> str:
    return name.replace("_", " ").strip()


def prompt_kind(category: str, *, request_type: str = "sprite") -> str:
    """The template to use for a request: ``pack`` → pack_item (each item drawn on its own, then packed),
    ``tile`` → tile_texture, ``environment`` → prop, else the subject's category."""
    if request_type == "pack":
        return "pack_item"
    if request_type == "tile":
        return "tile_texture"
    if request_type == "environment":
        return "prop"
    if category not in PROMPT_KINDS:
        raise invalid("category", f"must be one of {', '.join(PROMPT_KINDS)}", category)
    return category


def build_prompt(*, subject: str, category: str = "character", styles: Sequence[str] = (),
                 colors: Sequence[tuple[str, Any] | str] = (), view: str = "side", art_style: str = "pixel",
                 modifiers: Sequence[str] = (), kind: str | None = None, items: Sequence[str] = (),
                 config: SDXLPromptConfig | None = None) -> tuple[str, str]:
    """Turn the engine's interpretation of a prompt into SDXL's positive and negative prompts.

    Parameters
    ----------
    subject : catalogue id or free text (``"skeleton_knight"`` → "skeleton knight").
    category : ``character`` | ``creature`` | ``item`` | ``prop``; picks the template unless ``kind``.
    styles : style ids (``"dark_fantasy"``...); the art-style ids are carried by the style lock.
    colors : ``(name, rgb)`` pairs or names, in prompt order.
    view : ``side`` | ``front`` | ``top_down`` | ``isometric`` (or free text).
    art_style : ``pixel`` | ``vector`` | ``painterly``: the style-lock snippet and extra negatives.
    modifiers : other subjects named with it ("moss" → "with moss").
    kind : one of :data:`PROMPT_KINDS`, overriding ``category``.
    items : item names for ``kind="pack_sheet"`` (a whole sheet in one image; packs use ``pack_item`` per item).

    Returns
    -------
    (positive, negative) : two strings.

    >>> pos, neg = build_prompt(subject="knight", styles=("dark_fantasy",), colors=(("red", (200, 0, 0)),))
    >>> pos.startswith("pixel art game sprite") and "dark fantasy" in pos and "red color scheme" in pos
    True
    """
    cfg = config or load_sdxl_config()
    kind = kind or prompt_kind(category)
    if kind not in PROMPT_KINDS:
        raise invalid("kind", f"must be one of {', '.join(PROMPT_KINDS)}", kind)
    if art_style not in ART_STYLES:
        raise invalid("art_style", f"must be one of {', '.join(ART_STYLES)}", art_style)
    if not isinstance(subject, str) or (not subject.strip() and kind != "pack_sheet"):
        raise invalid("subject", "must be a non-empty string", subject)
    color_names = [c[0] if isinstance(c, tuple | list) else str(c) for c in colors]
    style_text = [cfg.style_words.get(s, _words(s)) for s in dict.fromkeys(styles) if s not in ART_STYLES]
    fields = {
        "subject": _words(subject),
        "details": f", with {' and '.join(_words(m) for m in modifiers)}" if modifiers else "",
        "view": cfg.views.get(view, _words(view)),
        "colors": f"{' and '.join(color_names)} color scheme, " if color_names else "",
        "styles": ", ".join(style_text) + ", " if style_text else "",
        "style_lock": cfg.style_lock.get(art_style, ""),
        "items": ", ".join(_words(i) for i in items),
    }
    positive = _clean(cfg.templates[kind].format(**fields))
    # textures replace the sprite negatives ("floor", "scenery", "cropped" ...) by their own base when defined
    base = "texture_base" if kind == "tile_texture" and "texture_base" in cfg.negative else "base"
    negative_parts = [cfg.negative.get(base, ""), cfg.negative.get(art_style, "")]
    if kind == "tile_texture":
        negative_parts.append(cfg.negative.get("tile_texture", ""))
    negative = _clean(", ".join(p for p in negative_parts if p))
    return positive, negative


# ----------------------------------------------------------------------------------------------
# Circular padding (seamless textures)


def _padded(conv: Any) -> bool:
    """Whether a ``Conv2d`` pads at all (1x1 convolutions and ``padding="valid"`` do not)."""
    padding = conv.padding
    return padding != "valid" and (isinstance(padding, str) or any(int(p) > 0 for p in padding))


@contextmanager
def circular_padding(*modules: Any) -> Iterator[int]:
    """Switch every padded ``torch.nn.Conv2d`` inside ``modules`` to ``padding_mode="circular"`` for the block.

    With every padded convolution wrapping around, a UNet or VAE computes on a torus: its output's
    opposite edges continue each other, and rolling its input by a whole number of its coarsest cells
    rolls its output the same way (attention and group norm are global, so they wrap too). Each
    convolution's own ``padding_mode`` is saved and put back when the block ends, also when it raises.
    A module shared by several of ``modules`` is switched once.

    Parameters
    ----------
    modules : ``torch.nn.Module`` objects (e.g. ``pipe.unet, pipe.vae``); sub-modules are searched.

    Yields
    ------
    int : the number of convolutions switched.

    Notes
    -----
    A ``torch.compile``'d module guards on its convolutions' attributes, so entering and leaving the
    block may recompile it (the first call after each switch is slow). Not thread-safe: two threads
    sharing the modules would see each other's padding (the engine serialises model calls).

    >>> import torch                                                           # doctest: +SKIP
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 3, 3, padding=1))         # doctest: +SKIP
    >>> with circular_padding(net) as n:                                       # doctest: +SKIP
    ...     net[0].padding_mode, n
    ('circular', 1)
    >>> net[0].padding_mode                                                    # doctest: +SKIP
    'zeros'
    """
    import torch

    saved: list[tuple[Any, str]] = []
    seen: set[int] = set()
    try:
        for module in modules:
            for conv in module.modules():
                if isinstance(conv, torch.nn.Conv2d) and id(conv) not in seen and _padded(conv):
                    seen.add(id(conv))
                    saved.append((conv, conv.padding_mode))
                    conv.padding_mode = "circular"
        yield len(saved)
    finally:
        for conv, mode in reversed(saved):
            conv.padding_mode = mode


# ----------------------------------------------------------------------------------------------
# The backend


class SDXLSpriteBackend:
    """Text-to-image and img2img sprites with Stable Diffusion XL from local weights.

    Parameters
    ----------
    model_dir : a diffusers SDXL folder (``model_index.json``, ``unet/``, ``vae/``...) or a single
        ``.safetensors`` checkpoint.
    device : the engine's :class:`~sprixen_engine.device.DevicePolicy`: fp16 (or bf16) on CUDA, fp32 on CPU.
    vae_dir : optional replacement VAE folder (e.g. ``sdxl-vae-fp16-fix``; no fp32 upcast needed).
    lora : ``(path, weight)`` pairs; each is loaded and fused into the weights with that scale.
    mode : ``standard`` | ``lcm`` (LCMScheduler; pass the LCM-LoRA in ``lora``) |
        ``lightning`` (Euler with trailing timesteps, guidance 0; pass the Lightning LoRA/UNet weights).
    compile : ``torch.compile(unet, mode="max-autotune")`` (CUDA; slow first call).
    taesd_dir : optional TAESDXL (``AutoencoderTiny``) folder for fast decoding; wins over ``vae_dir``.
    ip_adapter_dir : optional IP-Adapter SDXL folder (registry id ``ip-adapter-sdxl``): the h94/IP-Adapter
        root with ``sdxl_models/ip-adapter_sdxl.safetensors`` and ``sdxl_models/image_encoder/``, or the
        ``sdxl_models`` folder itself. When loaded, a reference image conditions generation through it.
    ip_adapter_scale : weight of the image prompt in [0, 2]; default ``[ip_adapter] scale`` in ``sdxl.toml``.
    reference_mode : ``ip_adapter`` | ``img2img`` | ``both``; default ``[ip_adapter] reference_mode``.
        Without a loaded IP-Adapter every reference goes through img2img.
    config_dir : where ``sdxl.toml`` lives (default: the engine's ``configs/``).
    """

    name = "sdxl"

    def __init__(self, model_dir: Path | str, *, device: DevicePolicy, vae_dir: Path | str | None = None,
                 lora: Sequence[tuple[Path | str, float]] = (), mode: str = "standard", compile: bool = False,
                 taesd_dir: Path | str | None = None, ip_adapter_dir: Path | str | None = None,
                 ip_adapter_scale: float | None = None, reference_mode: str | None = None,
                 config_dir: Path | None = None) -> None:
        if mode not in MODES:
            raise invalid("mode", f"must be one of {', '.join(MODES)}", mode)
        self.model_dir = Path(model_dir)
        self.device = device
        self.mode = mode
        self.config = load_sdxl_config(config_dir)
        self.lora = tuple((Path(p), float(w)) for p, w in lora)
        self._img2img = None
        self._set_reference_options(ip_adapter_scale, reference_mode)
        self._check_paths(vae_dir, taesd_dir)
        ip_layout = _ip_adapter_layout(ip_adapter_dir) if ip_adapter_dir is not None else None
        # 1. Load the text-to-image pipeline (local files only)
        self.pipe = self._load_pipeline()
        # 2. Optional VAE replacement: fp16-fix VAE or TAESDXL
        self._load_vae(vae_dir, taesd_dir)
        # 3. LoRAs: load, fuse with their weights, drop the adapter layers (one by one)
        self._fuse_loras()
        # 4. Optional IP-Adapter: image encoder + image-prompt attention processors
        self._load_ip_adapter(ip_layout)
        # 5. Few-step schedulers
        self._configure_scheduler()
        # 6. Device placement and speed-ups
        self._place(compile)

    @classmethod
    def from_pipeline(cls, pipe: Any, *, device: DevicePolicy, mode: str = "standard", compile: bool = False,
                      vae_kind: str = "default", config_dir: Path | None = None) -> SDXLSpriteBackend:
        """Wrap a ``StableDiffusionXLPipeline`` already built in memory (e.g. the GPU benchmark's
        random-weight SDXL) with the same scheduler, placement and speed-up steps (4-5 of ``__init__``)
        as weights loaded from disk. ``vae_kind`` is recorded in :meth:`describe` only."""
        if mode not in MODES:
            raise invalid("mode", f"must be one of {', '.join(MODES)}", mode)
        self = cls.__new__(cls)
        self.model_dir = Path(f"<in-memory {type(pipe).__name__}>")
        self.device = device
        self.mode = mode
        self.config = load_sdxl_config(config_dir)
        self.lora = ()
        self._img2img = None
        self._set_reference_options(None, None)
        self.ip_adapter = None
        self.pipe = pipe
        self.vae_kind = vae_kind
        self._configure_scheduler()
        self._place(compile)
        return self

    # ------------------------------------------------------------------ loading
    def _check_paths(self, vae_dir: Path | str | None, taesd_dir: Path | str | None) -> None:
        path = self.model_dir
        if not path.exists():
            raise ModelUnavailable(
                f"SDXL weights ({MODEL_ID}) not found at {path}: expected a diffusers folder with "
                f"{', '.join(_DIFFUSERS_FILES)} or a single .safetensors checkpoint; {where_to_put(MODEL_ID)}.")
        if path.is_dir() and not (path / "model_index.json").is_file():
            raise invalid("model_dir", "is not a diffusers pipeline folder (no model_index.json); expected "
                          f"{', '.join(_DIFFUSERS_FILES)}", str(path))
        if path.is_file() and path.suffix not in (".safetensors", ".ckpt"):
            raise invalid("model_dir", "must be a diffusers folder or a .safetensors checkpoint", str(path))
        for field, extra, model_id in (("vae_dir", vae_dir, "sdxl-vae-fp16-fix"), ("taesd_dir", taesd_dir, "taesdxl")):
            if extra is not None and not (Path(extra) / "config.json").is_file():
                raise ModelUnavailable(
                    f"{field}: {model_id} not found at {extra} (expected config.json and "
                    f"diffusion_pytorch_model.safetensors); {where_to_put(model_id)}.")
        for p, _ in self.lora:
            if not p.exists():
                raise ModelUnavailable(f"lora: LoRA weights not found at {p} (expected a .safetensors file or "
                                       f"a folder with pytorch_lora_weights.safetensors); "
                                       f"{where_to_put(p.stem)}.")

    @property
    def torch_dtype(self):
        import torch

        if self.device.device != "cuda":
            return torch.float32
        return {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}[self.device.dtype]

    def _load_pipeline(self):
        from diffusers import StableDiffusionXLPipeline

        dtype = self.torch_dtype
        path = self.model_dir
        try:
            if path.is_file():
                # single checkpoint: diffusers needs the SDXL configs from a local HF cache entry
                return StableDiffusionXLPipeline.from_single_file(str(path), torch_dtype=dtype, local_files_only=True)
            kwargs: dict[str, Any] = {}
            import torch

            if dtype == torch.float16 and any((path / "unet").glob("*.fp16.safetensors")):
                kwargs["variant"] = "fp16"      # half the bytes to read when the folder has both
            return StableDiffusionXLPipeline.from_pretrained(path, torch_dtype=dtype, local_files_only=True,
                                                             **kwargs)
        except (OSError, ValueError) as exc:
            hint = ("loading a single .safetensors file needs the SDXL model configs in the local Hugging Face "
                    "cache; convert it to a diffusers folder instead" if path.is_file()
                    else f"the folder must contain {', '.join(_DIFFUSERS_FILES)} with their weights")
            raise ModelUnavailable(f"SDXL weights ({MODEL_ID}) at {path} could not be loaded ({exc}); {hint}; "
                                   f"{where_to_put(MODEL_ID)}.") from exc

    def _load_vae(self, vae_dir: Path | str | None, taesd_dir: Path | str | None) -> None:
        dtype = self.torch_dtype
        if taesd_dir is not None:
            from diffusers import AutoencoderTiny

            self.pipe.vae = AutoencoderTiny.from_pretrained(taesd_dir, torch_dtype=dtype, local_files_only=True)
        elif vae_dir is not None:
            from diffusers import AutoencoderKL

            self.pipe.vae = AutoencoderKL.from_pretrained(vae_dir, torch_dtype=dtype, local_files_only=True)
        self.vae_kind = "taesd" if taesd_dir is not None else "fp16-fix" if vae_dir is not None else "default"

    def _fuse_loras(self) -> None:
        if not self.lora:
            return
        import importlib.util

        if importlib.util.find_spec("peft") is None:
            raise ModelUnavailable("lora: loading LoRA weights needs the 'peft' package "
                                   "(pip install 'sprixen-engine[models]')")
        # one at a time: loading a second adapter onto a fused model would unmerge the first,
        # so each LoRA is fused into the base weights and its adapter layers dropped before the next
        for i, (path, weight) in enumerate(self.lora):
            name = f"lora_{i}"
            if path.is_file():
                self.pipe.load_lora_weights(str(path.parent), weight_name=path.name, adapter_name=name,
                                            local_files_only=True)
            else:
                self.pipe.load_lora_weights(str(path), adapter_name=name, local_files_only=True)
            self.pipe.fuse_lora(lora_scale=weight, adapter_names=[name])
            self.pipe.unload_lora_weights()      # the fused weights stay; the adapter layers go

    def _set_reference_options(self, scale: float | None, mode: str | None) -> None:
        cfg = self.config.ip_adapter
        scale = cfg.get("scale", 0.6) if scale is None else scale
        mode = cfg.get("reference_mode", "ip_adapter") if mode is None else mode
        if isinstance(scale, bool) or not isinstance(scale, int | float) or not 0.0 <= scale <= 2.0:
            raise invalid("ip_adapter_scale", "must be a number in [0, 2]", scale)
        if mode not in REFERENCE_MODES:
            raise invalid("reference_mode", f"must be one of {', '.join(REFERENCE_MODES)}", mode)
        self.ip_adapter_scale, self.reference_mode = float(scale), str(mode)

    def _load_ip_adapter(self, layout: tuple[Path, str] | None) -> None:
        """Load the IP-Adapter from ``(root, subfolder)`` into the UNet (image encoder registered on the pipe)."""
        self.ip_adapter = None
        if layout is None:
            return
        root, subfolder = layout
        try:
            self.pipe.load_ip_adapter(str(root), subfolder=subfolder, weight_name=IP_ADAPTER_WEIGHTS,
                                      image_encoder_folder=IP_ADAPTER_ENCODER, local_files_only=True)
        except (OSError, ValueError, KeyError, RuntimeError) as exc:  # RuntimeError: shapes of another base model
            raise ModelUnavailable(
                f"ip_adapter_dir: the IP-Adapter ({IP_ADAPTER_ID}) at {root} could not be loaded ({exc}); it must be "
                f"h94/IP-Adapter's {_IP_ADAPTER_FILES}; {where_to_put(IP_ADAPTER_ID)}.") from exc
        self.ip_adapter = Path(root, subfolder) / IP_ADAPTER_WEIGHTS
        # the image-prompt embedding width, for the zero embeddings of calls without a reference
        self._ip_embed_dim = int(self.pipe.unet.encoder_hid_proj.image_projection_layers[0].image_embeds.in_features)

    def _configure_scheduler(self) -> None:
        from diffusers import EulerDiscreteScheduler, LCMScheduler

        cfg = self.pipe.scheduler.config
        if self.mode == "lcm":
            self.pipe.scheduler = LCMScheduler.from_config(cfg)
        elif self.mode == "lightning":
            self.pipe.scheduler = EulerDiscreteScheduler.from_config(cfg, timestep_spacing="trailing")

    def _place(self, compile: bool) -> None:
        import torch

        if self.device.device == "cuda":
            self.pipe.to("cuda")
            self.pipe.unet.to(memory_format=torch.channels_last)
            if compile:
                self.pipe.unet = torch.compile(self.pipe.unet, mode="max-autotune", fullgraph=True)
        self.pipe.set_progress_bar_config(disable=True)

    @property
    def img2img(self):
        """The img2img pipeline, sharing every component (and memory) with :attr:`pipe`."""
        if self._img2img is None:
            from diffusers import StableDiffusionXLImg2ImgPipeline

            self._img2img = StableDiffusionXLImg2ImgPipeline(**self.pipe.components)
            self._img2img.set_progress_bar_config(disable=True)
        return self._img2img

    def describe(self) -> dict[str, Any]:
        """What ran, for result metadata. ``ip_adapter`` is ``None`` or ``{weights, scale, reference_mode}``."""
        ip = None if self.ip_adapter is None else {
            "weights": self.ip_adapter.name, "scale": self.ip_adapter_scale, "reference_mode": self.reference_mode}
        return {"backend": self.name, "model": str(self.model_dir), "mode": self.mode, "vae": self.vae_kind,
                "lora": [[p.name, w] for p, w in self.lora], "device": self.device.device,
                "dtype": self.device.dtype if self.device.device == "cuda" else "fp32",
                "scheduler": type(self.pipe.scheduler).__name__, "ip_adapter": ip}

    def reference_path(self, has_reference: bool, reference_mode: str | None = None) -> str:
        """How a call conditions on its reference: ``none`` | ``img2img`` | ``ip_adapter`` | ``both``.

        ``reference_mode`` overrides the backend's; without a loaded IP-Adapter it is always ``img2img``.
        """
        if not has_reference:
            return "none"
        if self.ip_adapter is None:
            return "img2img"
        return reference_mode or self.reference_mode

    def defaults(self) -> tuple[int, float]:
        """Default (steps, guidance) for this backend's mode, from ``sdxl.toml``."""
        fallback = {"standard": (30, 6.0), "lcm": (6, 1.2), "lightning": (4, 0.0)}[self.mode]
        mode_cfg = self.config.modes.get(self.mode, {})
        return int(mode_cfg.get("steps", fallback[0])), float(mode_cfg.get("guidance", fallback[1]))

    # ------------------------------------------------------------------ generation
    def check_inputs(self, prompts: Sequence[str], *, seeds: Sequence[int], size_wh: tuple[int, int],
                     negative_prompt: str, steps: int | None, guidance: float | None,
                     reference: np.ndarray | None, strength: float, reference_mode: str | None = None) -> None:
        """Validate every argument of :meth:`generate`; raises ``InvalidRequest`` naming the field."""
        lim = self.config.limits
        max_chars = int(lim.get("max_prompt_chars", 2000))
        if isinstance(prompts, str) or not isinstance(prompts, Sequence) or len(prompts) == 0:
            raise invalid("prompts", "must be a non-empty list of strings", prompts)
        for p in prompts:
            if not isinstance(p, str) or not p.strip() or len(p) > max_chars:
                raise invalid("prompts", f"each prompt must be a non-empty string of at most {max_chars} characters",
                              p)
        if isinstance(seeds, int | str) or not isinstance(seeds, Sequence) or len(seeds) != len(prompts):
            raise invalid("seeds", f"must be a list of one integer per prompt ({len(prompts)})", seeds)
        for s in seeds:
            if isinstance(s, bool) or not isinstance(s, int | np.integer) or not 0 <= int(s) < 2**63:
                raise invalid("seeds", "each seed must be an integer in [0, 2**63)", s)
        lo, hi = int(lim.get("min_side", 64)), int(lim.get("max_side", 2048))
        if (not isinstance(size_wh, tuple | list) or len(size_wh) != 2
                or not all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in size_wh)
                or not all(lo <= int(v) <= hi for v in size_wh)):
            raise invalid("size", f"must be (width, height) integers in [{lo}, {hi}]", size_wh)
        if not isinstance(negative_prompt, str) or len(negative_prompt) > max_chars:
            raise invalid("negative_prompt", f"must be a string of at most {max_chars} characters", negative_prompt)
        max_steps = int(lim.get("max_steps", 150))
        if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int | np.integer)
                                  or not 1 <= steps <= max_steps):
            raise invalid("steps", f"must be an integer in [1, {max_steps}]", steps)
        max_g = float(lim.get("max_guidance", 30.0))
        if guidance is not None and (isinstance(guidance, bool) or not isinstance(guidance, int | float)
                                     or not 0.0 <= guidance <= max_g):
            raise invalid("guidance", f"must be a number in [0, {max_g}]", guidance)
        if reference is not None:
            if (not isinstance(reference, np.ndarray) or reference.dtype != np.uint8 or reference.ndim != 3
                    or reference.shape[2] not in (3, 4) or min(reference.shape[:2]) < 8):
                shown = getattr(reference, "shape", type(reference).__name__)
                raise invalid("reference", "must be an (H, W, 3|4) uint8 array at least 8x8", shown)
            if isinstance(strength, bool) or not isinstance(strength, int | float) or not 0.0 < strength <= 1.0:
                raise invalid("strength", "must be a number in (0, 1]", strength)
        if reference_mode is not None and reference_mode not in REFERENCE_MODES:
            raise invalid("reference_mode", f"must be one of {', '.join(REFERENCE_MODES)} or null", reference_mode)

    def generate(self, prompts: list[str], *, seeds: list[int], size_wh: tuple[int, int], negative_prompt: str = "",
                 steps: int | None = None, guidance: float | None = None, reference: np.ndarray | None = None,
                 strength: float = 0.6, reference_mode: str | None = None) -> list[np.ndarray]:
        """Generate one image per prompt in ONE batched call, variant ``i`` seeded by ``seeds[i]``.

        Parameters
        ----------
        prompts : positive prompts, one per variant (usually the same text repeated).
        seeds : one seed per prompt; variant ``i`` alone with ``seeds[i]`` gives the same image.
        size_wh : (width, height) in pixels; snapped down to multiples of 8 (SDXL is native at 1024x1024).
        negative_prompt : shared by every variant (ignored when guidance ≤ 1, as in diffusers).
        steps, guidance : default from the mode (``configs/sdxl.toml`` ``[modes.*]``).
        reference : ``(H, W, 3|4)`` uint8 image (alpha composited on white) → text-to-image conditioned on it
            through the IP-Adapter, img2img from it with ``strength``, or both (see :meth:`reference_path`).
        strength : img2img noise strength in (0, 1]; 1.0 ignores the reference's pixels.
        reference_mode : ``ip_adapter`` | ``img2img`` | ``both`` for this call (default: the backend's).

        Returns
        -------
        list of ``(H, W, 4)`` uint8 RGBA arrays, alpha 255 (matting happens later in the pipeline).
        """
        import torch

        # 1. Check inputs
        self.check_inputs(prompts, seeds=seeds, size_wh=size_wh, negative_prompt=negative_prompt, steps=steps,
                          guidance=guidance, reference=reference, strength=strength, reference_mode=reference_mode)
        default_steps, default_guidance = self.defaults()
        steps = int(steps) if steps is not None else default_steps
        guidance = float(guidance) if guidance is not None else default_guidance
        # 2. Sizes: multiples of 8 (the VAE downsamples by 8)
        width, height = (int(v) // 8 * 8 for v in size_wh)
        # 3. One CPU generator per variant: the noise of variant i depends on seeds[i] only
        generators = [torch.Generator("cpu").manual_seed(int(s)) for s in seeds]
        kwargs: dict[str, Any] = dict(
            prompt=list(prompts), negative_prompt=[negative_prompt] * len(prompts) if negative_prompt else None,
            num_inference_steps=steps, guidance_scale=guidance, generator=generators, output_type="np")
        # 4. Reference conditioning: IP-Adapter image prompt, img2img start image, both, or none
        path = self.reference_path(reference is not None, reference_mode)
        if path in ("img2img", "both") and int(steps * float(strength)) < 1:
            raise invalid("strength", f"runs no denoising step with steps={steps} (steps × strength < 1)", strength)
        if self.ip_adapter is not None:
            kwargs.update(self._ip_adapter_inputs(reference if path in ("ip_adapter", "both") else None, guidance))
        # 5. Denoise (text-to-image, or img2img from the reference)
        with torch.inference_mode():
            if path in ("none", "ip_adapter"):
                out = self.pipe(height=height, width=width, **kwargs).images
            else:
                assert reference is not None
                image = _reference_to_pil(reference, (width, height))
                out = self.img2img(image=image, strength=float(strength), **kwargs).images
        # 6. To (H, W, 4) uint8 RGBA
        return [_to_rgba(img) for img in out]

    @property
    def texture_multiple(self) -> int:
        """Sides (px) at which a circular-padded generation wraps exactly: the VAE's scale factor times the
        UNet's downsampling (SDXL: 8 × 4 = 32), so every level's feature map has a whole number of cells
        (and a multiple of 8, which :meth:`generate` snaps to)."""
        import math

        vae_scale = int(getattr(self.pipe, "vae_scale_factor", 8))
        return math.lcm(8, vae_scale * 2 ** (len(self.pipe.unet.config.block_out_channels) - 1))

    def generate_texture(self, prompt: str, *, seed: int, size_px: int = 1024, steps: int | None = None,
                         guidance: float | None = None, art_style: str = "pixel", styles: Sequence[str] = (),
                         colors: Sequence[tuple[str, Any] | str] = ()) -> np.ndarray:
        """One seamless (wrapping) square texture, drawn with circular padding in the UNet and the VAE.

        Parameters
        ----------
        prompt : what the texture shows, e.g. ``"mossy cobblestone"``; it fills the ``tile_texture``
            template of ``sdxl.toml`` ("seamless tileable top-down texture of ..., flat even lighting,
            no perspective") with the art style's style lock and the texture negatives.
        seed : the noise seed (same seed, same texture).
        size_px : side in pixels, 64-2048, snapped down to a multiple of :attr:`texture_multiple` (32 for
            SDXL) so that the latent wraps at every UNet level. SDXL is native at 1024.
        steps, guidance : default from the mode (``configs/sdxl.toml`` ``[modes.*]``).
        art_style : ``pixel`` | ``vector`` | ``painterly`` (the style lock and its negatives).
        styles, colors : as in :func:`build_prompt`.

        Returns
        -------
        ``(S, S, 4)`` uint8 RGBA, alpha 255; ``S`` is ``size_px`` snapped. Its opposite edges continue each
        other: tile it, or downscale it by a whole factor (see ``core.resize.resize_periodic``), and no seam shows.

        Notes
        -----
        Every padded ``Conv2d`` of ``pipe.unet`` and ``pipe.vae`` is circular only during the call
        (:func:`circular_padding`); a ``torch.compile``'d UNet may recompile on the switch and again on
        the next sprite call.
        """
        lim = self.config.limits
        lo, hi = int(lim.get("min_side", 64)), int(lim.get("max_side", 2048))
        # 1. Check inputs (the rest is checked by generate)
        if isinstance(size_px, bool) or not isinstance(size_px, int | np.integer) or not lo <= size_px <= hi:
            raise invalid("size_px", f"must be an integer in [{lo}, {hi}]", size_px)
        multiple = self.texture_multiple
        side = int(size_px) // multiple * multiple
        if side < lo:
            raise invalid("size_px", f"is below {lo} px once snapped down to a multiple of {multiple}", size_px)
        # 2. Prompts from the tile_texture template
        positive, negative = build_prompt(subject=prompt, kind="tile_texture", view="top_down", art_style=art_style,
                                          styles=styles, colors=colors, config=self.config)
        # 3. Draw on a torus: every padded convolution wraps around during the call
        with circular_padding(self.pipe.unet, self.pipe.vae):
            (image,) = self.generate([positive], seeds=[seed], size_wh=(side, side), negative_prompt=negative,
                                     steps=steps, guidance=guidance)
        return image

    def _ip_adapter_inputs(self, reference: np.ndarray | None, guidance: float) -> dict[str, Any]:
        """The pipeline's IP-Adapter arguments: the reference as ``ip_adapter_image`` at the adapter's scale,
        or, without one, scale 0 (the image-prompt attention is skipped) and zero image embeddings
        (``(2 | 1, 1, D)``: negative and positive under classifier-free guidance)."""
        import torch

        if reference is not None:
            self.pipe.set_ip_adapter_scale(self.ip_adapter_scale)
            return {"ip_adapter_image": _reference_to_pil(reference, None)}
        self.pipe.set_ip_adapter_scale(0.0)
        cfg = guidance > 1 and self.pipe.unet.config.time_cond_proj_dim is None   # as the pipeline decides
        zeros = torch.zeros(2 if cfg else 1, 1, self._ip_embed_dim, dtype=self.pipe.unet.dtype,
                            device=self.pipe.unet.device)
        return {"ip_adapter_image_embeds": [zeros]}


_IP_ADAPTER_FILES = (f"{IP_ADAPTER_SUBFOLDER}/{IP_ADAPTER_WEIGHTS} and {IP_ADAPTER_SUBFOLDER}/{IP_ADAPTER_ENCODER}/"
                     "config.json with model.safetensors")


def _ip_adapter_layout(path: Path | str) -> tuple[Path, str]:
    """``(root, subfolder)`` for ``load_ip_adapter``: the h94/IP-Adapter root (``sdxl_models/`` inside) or the
    ``sdxl_models`` folder itself. Raises :class:`ModelUnavailable` naming the files and where to put them."""
    path = Path(path)
    for sub in (IP_ADAPTER_SUBFOLDER, ""):
        encoder = path / sub / IP_ADAPTER_ENCODER
        weights = any(encoder.glob("model*.safetensors")) or any(encoder.glob("pytorch_model*.bin"))
        if (path / sub / IP_ADAPTER_WEIGHTS).is_file() and (encoder / "config.json").is_file() and weights:
            return path, sub
    raise ModelUnavailable(
        f"ip_adapter_dir: IP-Adapter SDXL weights ({IP_ADAPTER_ID}) not found at {path}: expected {_IP_ADAPTER_FILES} "
        f"(from h94/IP-Adapter, Apache-2.0); {where_to_put(IP_ADAPTER_ID)}.")


def _reference_to_pil(reference: np.ndarray, size_wh: tuple[int, int] | None):
    from PIL import Image

    rgb = reference[..., :3].astype(np.float32)
    if reference.shape[2] == 4:
        a = reference[..., 3:4].astype(np.float32) / 255.0
        rgb = rgb * a + 255.0 * (1.0 - a)           # onto white, as the prompts ask for
    img = Image.fromarray(np.clip(np.rint(rgb), 0, 255).astype(np.uint8), "RGB")
    if size_wh is not None and img.size != size_wh:
        img = img.resize(size_wh, Image.Resampling.LANCZOS)
    return img


def _to_rgba(image: np.ndarray) -> np.ndarray:
    rgb = np.clip(np.rint(np.asarray(image, dtype=np.float32) * 255.0), 0, 255).astype(np.uint8)
    alpha = np.full(rgb.shape[:2] + (1,), 255, dtype=np.uint8)
    return np.concatenate([rgb[..., :3], alpha], axis=2)
