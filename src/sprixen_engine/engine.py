"""The :class:`Engine` facade: the public Python API.

It owns the config, the device policy and the backends, validates every request with the
shared request models, and returns result objects with PIL images and metadata.

>>> from sprixen_engine import Engine
>>> result = Engine().generate("a warrior knight in pixel art, 32x32, dark fantasy style", seed=7)
>>> result.images[0].size
(32, 32)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .backends.base import SpriteBackend
from .config import EngineConfig, load_config
from .errors import SprixenError, invalid
from .requests import GenerationRequest, parse_request
from .results import GenerationResult


class Engine:
    """Generate game assets locally.

    Parameters
    ----------
    config : an :class:`EngineConfig`, a path to an ``engine.toml``, or ``None`` for the
        default (``$SPRIXEN_CONFIG`` or ``configs/engine.toml``).
    """

    def __init__(self, config: EngineConfig | str | Path | None = None) -> None:
        self.config = config if isinstance(config, EngineConfig) else load_config(config)
        self._backends: dict[str, SpriteBackend] = {}
        self._matting: dict[str, Any] = {}
        self._device = None
        self._weights = None
        self._lazy_embedder = None

    # ------------------------------------------------------------------ plumbing
    @property
    def device(self):  # -> DevicePolicy
        """The :class:`~sprixen_engine.device.DevicePolicy` for model backends (detected on first use)."""
        if self._device is None:
            from .device import DevicePolicy

            self._device = DevicePolicy.detect(self.config.device.prefer, cuda_dtype=self.config.device.cuda_dtype)
        return self._device

    @property
    def weights(self):  # -> WeightsRegistry
        """The :class:`~sprixen_engine.backends.weights.WeightsRegistry` (``configs/models.toml``)."""
        if self._weights is None:
            from .backends.weights import registry_from_config

            self._weights = registry_from_config(self.config)
        return self._weights

    def matting_backend(self, method: str = "auto"):  # -> MattingBackend
        """Resolve ``auto`` | ``classic`` | ``rmbg`` to a matting backend.

        ``auto`` uses RMBG-2.0 when one of its ONNX exports is installed, else the classic kernel;
        ``rmbg`` without weights raises :class:`ModelUnavailable` naming the files and where to put them.
        """
        if method not in ("auto", "classic", "rmbg"):
            raise invalid("method", "must be one of 'auto', 'classic', 'rmbg'", method)
        if method == "auto":
            method = "rmbg" if any(self.weights.available(i) for i in ("rmbg-2.0-onnx", "rmbg-2.0-onnx-fp16")) \
                else "classic"
        if method not in self._matting:
            if method == "classic":
                from .backends.classic_matting import ClassicMatting

                self._matting[method] = ClassicMatting()
            else:
                from .backends.rmbg import RMBGMatting

                self._matting[method] = RMBGMatting.from_registry(self.weights, device=self.device)
        return self._matting[method]

    def sprite_backend(self, name: str = "auto") -> tuple[SpriteBackend, str]:
        """Resolve ``auto`` | ``procedural`` | ``sdxl`` to a backend; returns it and a note on the choice.

        ``auto`` runs SDXL when its weights are installed and a CUDA device is present (SDXL on a
        CPU takes minutes per image), else the embedded procedural backend. ``sdxl`` explicitly
        runs it on whatever device there is, and raises :class:`ModelUnavailable` naming the files
        and where to put them when the weights are missing.
        """
        if name not in ("auto", "procedural", "sdxl"):
            raise invalid("backend", "must be one of 'auto', 'procedural', 'sdxl'", name)
        if name == "auto":
            if self.weights.available("sdxl-base-1.0") and self.device.device == "cuda":
                return self._sdxl(), "auto: SDXL weights and a CUDA device are present"
            reason = "no SDXL weights" if not self.weights.available("sdxl-base-1.0") else "no CUDA device"
            return self._procedural(), f"auto: {reason}, embedded procedural backend"
        if name == "sdxl":
            return self._sdxl(), "requested"
        return self._procedural(), "requested"

    def _procedural(self) -> SpriteBackend:
        if "procedural" not in self._backends:
            from .backends.procedural import ProceduralSpriteBackend

            self._backends["procedural"] = ProceduralSpriteBackend(self.config.config_dir)
        return self._backends["procedural"]

    def _sdxl(self) -> SpriteBackend:
        """The SDXL backend on the installed weights: the fp16-fix VAE on CUDA and the pixel-art LoRA
        when present (the engine is pixel-art first)."""
        if "sdxl" not in self._backends:
            from .backends.sdxl import SDXLSpriteBackend

            weights = self.weights
            model_dir = weights.require("sdxl-base-1.0")
            vae = weights.locate("sdxl-vae-fp16-fix") if self.device.device == "cuda" else None
            lora = weights.locate("pixel-art-xl-lora")
            self._backends["sdxl"] = SDXLSpriteBackend(model_dir, device=self.device, vae_dir=vae,
                                                       lora=[(lora, 1.0)] if lora else (),
                                                       config_dir=self.config.config_dir)
        return self._backends["sdxl"]

    # ------------------------------------------------------------------ sprites
    def generate(self, prompt: str, *, type: str = "sprite", variant_count: int = 1,
                 resolution: str | None = None, pixel_perfect: str = "auto", no_base: bool = False,
                 skip_bg_removal: bool = False, pack_items: list[str] | None = None,
                 reference_image: Any = None, project: Mapping[str, Any] | None = None,
                 seed: int | None = None, backend: str = "auto") -> GenerationResult:
        """Generate sprites from a text prompt (the in-process ``POST /v1/generations``).

        Parameters
        ----------
        prompt : 3–500 characters, e.g. ``"a warrior knight in pixel art, 32x32, dark fantasy style"``.
        type : ``sprite`` | ``variation`` | ``character`` | ``item`` | ``environment`` | ``pack``.
        variant_count : 1–3 variants, each reproducible from ``seed + index``.
        resolution : output ``"WxH"`` (16–1024 per side); else the prompt's size, the project's, or 32x32.
        pixel_perfect : resize kernel: ``on`` nearest, ``off`` Lanczos, ``auto`` from art style and size.
        no_base : strip ground shadows and pedestals.
        skip_bg_removal : keep the background (full scenes).
        pack_items : up to 8 item names rendered into one sheet with a JSON atlas.
        reference_image : PIL image / array / path; the sprite to vary for ``type="variation"``,
            otherwise a style guide whose palette is transferred.
        project : style lock ``{"artStyle", "resolution", "viewAngle"}`` (camelCase or snake_case).
        seed : 0–2**32-1; the same inputs and seed give identical bytes. Random when ``None``.
        backend : ``auto`` | ``procedural`` | ``sdxl``.

        Returns
        -------
        GenerationResult with ``.images`` (RGBA PIL), ``.sprites`` (parts, pivots), ``.metadata``.
        """
        request = parse_request(GenerationRequest, dict(
            prompt=prompt, type=type, variant_count=variant_count, resolution=resolution,
            pixel_perfect=pixel_perfect, no_base=no_base, skip_bg_removal=skip_bg_removal, pack_items=pack_items,
            reference_image=reference_image, project=dict(project) if project is not None else None, seed=seed,
            backend=backend))
        return self.run_generation(request)

    def run_generation(self, request: GenerationRequest) -> GenerationResult:
        """Run an already-validated :class:`GenerationRequest` (used by the CLI, batch and server)."""
        from .sprites.pipeline import generate_sprites

        sprite_backend, note = self.sprite_backend(request.backend)
        result = generate_sprites(request, backend=sprite_backend, config=self.config,
                                  embedder=self._embedder(), matting=self.matting_backend)
        result.metadata["backendChoice"] = note
        return result

    def _embedder(self):
        if self._lazy_embedder is None:
            from .sprites.embedder import LazyEmbedder

            self._lazy_embedder = LazyEmbedder()
        return self._lazy_embedder

    def generate_batch(self, requests: Iterable[Mapping[str, Any] | GenerationRequest], *,
                       on_result: Callable[[int, GenerationResult | SprixenError], None] | None = None,
                       ) -> list[GenerationResult | SprixenError]:
        """Run many generation requests; a bad request yields its error in place and the rest go on.

        ``requests`` are mappings of :meth:`generate` arguments (snake_case or camelCase) or
        :class:`GenerationRequest` objects. ``on_result(index, result_or_error)`` is called as each
        finishes (for progress bars and manifests).
        """
        out: list[GenerationResult | SprixenError] = []
        for i, req in enumerate(requests):
            try:
                if not isinstance(req, GenerationRequest):
                    req = parse_request(GenerationRequest, dict(req))
                res: GenerationResult | SprixenError = self.run_generation(req)
            except SprixenError as exc:
                res = exc
            out.append(res)
            if on_result is not None:
                on_result(i, res)
        return out

    # ------------------------------------------------------------------ kernels with a facade
    def pixelize(self, image: Any, **kwargs: Any):
        """See :func:`sprixen_engine.pixelize`."""
        from .api import pixelize

        return pixelize(image, **kwargs)

    def remove_background(self, image: Any, *, method: str = "auto", no_base: bool = False,
                          hard: bool | None = None):
        """Cut the subject out of ``image`` with :meth:`matting_backend` (see
        :func:`sprixen_engine.remove_background`); returns a PIL RGBA image."""
        from .core.image import as_rgba, to_pil

        backend = self.matting_backend(method)
        return to_pil(backend.remove(as_rgba(image), hard=hard, no_base=no_base))
