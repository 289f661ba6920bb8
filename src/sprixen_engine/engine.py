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
from .errors import ModelUnavailable, SprixenError, invalid
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
        self._device = None
        self._lazy_embedder = None

    # ------------------------------------------------------------------ plumbing
    @property
    def device(self):  # -> DevicePolicy
        """The :class:`~sprixen_engine.device.DevicePolicy` for model backends (detected on first use)."""
        if self._device is None:
            from .device import DevicePolicy

            self._device = DevicePolicy.detect(self.config.device.prefer, cuda_dtype=self.config.device.cuda_dtype)
        return self._device

    def sprite_backend(self, name: str = "auto") -> tuple[SpriteBackend, str]:
        """Resolve ``auto`` | ``procedural`` | ``sdxl`` to a backend; returns it and a note on the choice.

        ``auto`` runs the embedded procedural backend until model weights are available.
        Asking for ``sdxl`` explicitly raises :class:`ModelUnavailable`.
        """
        if name not in ("auto", "procedural", "sdxl"):
            raise invalid("backend", "must be one of 'auto', 'procedural', 'sdxl'", name)
        if name == "sdxl":
            # PLACEHOLDER: the SDXL backend (diffusers) is issue #3 and is not implemented yet.
            raise ModelUnavailable(
                "backend 'sdxl' is not available: the SDXL model backend is not implemented in this version "
                "(see the README's development section). Use backend='procedural' or 'auto'.")
        if "procedural" not in self._backends:
            from .backends.procedural import ProceduralSpriteBackend

            self._backends["procedural"] = ProceduralSpriteBackend(self.config.config_dir)
        note = "requested" if name == "procedural" else "auto: no model backend available, embedded default"
        return self._backends["procedural"], note

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
                                  embedder=self._embedder())
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

    def remove_background(self, image: Any, **kwargs: Any):
        """See :func:`sprixen_engine.remove_background`."""
        from .api import remove_background

        return remove_background(image, **kwargs)
