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
        self._packs: dict[str, Any] = {}

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

        ``auto`` uses RMBG-2.0 when one of its ONNX exports is installed, or its safetensors folder
        (``rmbg-2.0``, torch runtime) with the packages its model code imports, else the classic kernel;
        ``rmbg`` without weights raises :class:`ModelUnavailable` naming the files and where to put them.
        """
        if method not in ("auto", "classic", "rmbg"):
            raise invalid("method", "must be one of 'auto', 'classic', 'rmbg'", method)
        if method == "auto":
            method = "rmbg" if self._rmbg_runnable() else "classic"
        if method not in self._matting:
            if method == "classic":
                from .backends.classic_matting import ClassicMatting

                self._matting[method] = ClassicMatting()
            else:
                from .backends.rmbg import RMBGMatting

                self._matting[method] = RMBGMatting.from_registry(self.weights, device=self.device)
        return self._matting[method]

    def _rmbg_runnable(self) -> bool:
        """Whether an RMBG-2.0 copy is installed that this machine can run (ONNX, or torch with its packages)."""
        from .backends.rmbg import FP16_ID, FP32_ID, TORCH_ID, missing_packages

        if any(self.weights.available(i) for i in (FP32_ID, FP16_ID)):
            return True
        folder = self.weights.locate(TORCH_ID)
        return folder is not None and not missing_packages(folder)

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
        """The SDXL backend on the installed weights: the fp16-fix VAE on CUDA, the pixel-art LoRA
        (the engine is pixel-art first) and the IP-Adapter for reference images, each when present."""
        if "sdxl" not in self._backends:
            from .backends.sdxl import IP_ADAPTER_ID, SDXLSpriteBackend

            weights = self.weights
            model_dir = weights.require("sdxl-base-1.0")
            vae = weights.locate("sdxl-vae-fp16-fix") if self.device.device == "cuda" else None
            lora = weights.locate("pixel-art-xl-lora")
            self._backends["sdxl"] = SDXLSpriteBackend(model_dir, device=self.device, vae_dir=vae,
                                                       lora=[(lora, 1.0)] if lora else (),
                                                       ip_adapter_dir=weights.locate(IP_ADAPTER_ID),
                                                       config_dir=self.config.config_dir)
        return self._backends["sdxl"]

    # ------------------------------------------------------------------ sprites
    def generate(self, prompt: str, *, type: str = "sprite", variant_count: int = 1,
                 resolution: str | None = None, pixel_perfect: str = "auto", no_base: bool = False,
                 skip_bg_removal: bool = False, pack_items: list[str] | None = None,
                 reference_image: Any = None, project: Mapping[str, Any] | None = None,
                 seed: int | None = None, backend: str = "auto",
                 chain_animations: list[Mapping[str, Any]] | None = None) -> GenerationResult:
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
        chain_animations : up to 8 animation requests (fields of :meth:`animate`, camelCase or snake_case)
            run on every variant after generation (the reference's ``chainAnimation(s)``); they land in
            ``sprite.animations`` and ``result.save`` writes them.

        Returns
        -------
        GenerationResult with ``.images`` (RGBA PIL), ``.sprites`` (parts, pivots), ``.metadata``.
        """
        request = parse_request(GenerationRequest, dict(
            prompt=prompt, type=type, variant_count=variant_count, resolution=resolution,
            pixel_perfect=pixel_perfect, no_base=no_base, skip_bg_removal=skip_bg_removal, pack_items=pack_items,
            reference_image=reference_image, project=dict(project) if project is not None else None, seed=seed,
            backend=backend, chain_animations=list(chain_animations) if chain_animations is not None else None))
        return self.run_generation(request)

    def run_generation(self, request: GenerationRequest) -> GenerationResult:
        """Run an already-validated :class:`GenerationRequest` (used by the CLI, batch and server)."""
        from .sprites.pipeline import generate_sprites

        sprite_backend, note = self.sprite_backend(request.backend)
        result = generate_sprites(request, backend=sprite_backend, config=self.config,
                                  embedder=self._embedder(), matting=self.matting_backend)
        result.metadata["backendChoice"] = note
        if request.chain_animations:
            from .animation.animate import animate

            for sprite in result.sprites:
                for chained in request.chain_animations:
                    viewed, rerendered = self._sprite_in_view(sprite, chained.direction,
                                                              normalize=chained.normalize_size)
                    sprite.animations.append(animate(viewed, chained, config_dir=self.config.config_dir,
                                                     true_view=rerendered))
            result.metadata["chainAnimations"] = [c.model_dump(by_alias=True, exclude_unset=True)
                                                  for c in request.chain_animations]
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

    # ------------------------------------------------------------------ animation
    def animate(self, sprite: Any, *, type: str = "walk", frame_count: int | None = None, fps: int | None = None,
                archetype: str | None = None, direction: str = "right", weapon_hand: str | None = None,
                weapon_type: str | None = None, has_shield: bool = False, custom_description: str | None = None,
                normalize_size: bool = False, seed: int | None = None, locomotion_type: str | None = None):
        """Animate a sprite (the in-process ``POST /v1/sprites/:spriteId/animations``).

        Parameters
        ----------
        sprite : a :class:`SpriteAsset` (procedural sprites bring their parts and pivots), a
            :class:`GenerationResult` (its first variant), a PIL image, an ``(H, W, 3|4)`` uint8 array or a
            PNG path (a PNG saved by ``GenerationResult.save`` is read back with its parts).
        type : idle | walk | run | attack | jump | death | hurt | custom.
        frame_count : 2–12 (default per type: idle 4, walk 8, run 6, attack 5, jump 6, death 6, hurt 2).
        fps : 4–60 (default per type).
        archetype : humanoid_biped | quadruped | winged | amorphous | serpentine; default: the sprite's
            metadata, else a silhouette classifier (its decision and confidence go into metadata).
        direction : right | left | up | down | up_right | up_left | down_right | down_left (``up-right`` too).
        weapon_hand : left | right | both: the hand the sprite's weapon is held in through every frame.
        weapon_type : free text (sword, spear, bow, staff ...); picks the attack motion.
        has_shield : the sprite carries a shield (on the arm without the weapon).
        custom_description : for ``type="custom"``, ≤ 500 characters mapped to motion primitives.
        normalize_size : keep the base sprite's size (frames always have the sprite's canvas size).
        seed : 0–2**32-1; varies the swing amplitudes by up to ±8 %. Default: derived from the sprite.
        locomotion_type : deprecated (auto | biped | quadruped); use ``archetype``.

        Returns
        -------
        Animation with ``.frames``, ``.durations_ms``, ``.fps``, ``.metadata``, ``.sheet()``, ``.gif()``,
        ``.atlas()``, ``.save(dir)``.
        """
        from .animation.animate import animate
        from .requests import AnimationRequest

        request = parse_request(AnimationRequest, dict(
            type=type, frame_count=frame_count, fps=fps, archetype=archetype, direction=direction,
            weapon_hand=weapon_hand, weapon_type=weapon_type, has_shield=has_shield,
            custom_description=custom_description, normalize_size=normalize_size, seed=seed,
            locomotion_type=locomotion_type))
        viewed, rerendered = self._sprite_in_view(sprite, request.direction, normalize=request.normalize_size)
        return animate(viewed, request, config_dir=self.config.config_dir, true_view=rerendered)

    def _sprite_in_view(self, sprite: Any, direction: str, *, normalize: bool = False) -> tuple[Any, bool]:
        """For ``direction="down"``, re-render a procedural humanoid in front view (the renderers draw
        side and front views); anything else is animated from the sprite as given. ``normalize``
        scales the re-rendered view (nearest) to the base sprite's body height when they differ > 4 %."""
        from .requests import ProjectStyle
        from .results import GenerationResult, SpriteAsset

        if isinstance(sprite, GenerationResult):
            sprite = sprite.sprites[0]
        request = getattr(sprite, "request", None) if isinstance(sprite, SpriteAsset) else None
        if (direction != "down" or request is None or sprite.metadata.get("archetype") != "humanoid_biped"
                or request.type in ("variation", "pack") or request.backend == "sdxl"):
            return sprite, False
        v = int(sprite.metadata.get("variant", 0))
        project = (request.project or ProjectStyle()).model_copy(update={"view_angle": "front"})
        again = self.run_generation(request.model_copy(update={
            "project": project, "variant_count": v + 1, "backend": "procedural"}))
        if again.metadata.get("view") != "front":
            return sprite, False
        view = again.sprites[v]
        if normalize:
            from .animation.animate import match_body_height

            view = match_body_height(view, sprite)
        return view, True

    def animate_directions(self, sprite: Any, *, type: str = "walk", directions: int = 4, **kwargs: Any):
        """One animation per direction in one :class:`AnimationSet` (a sheet row per direction, same
        frame size and anchor in every row, an atlas tag per direction).

        ``directions``: 4 (down, left, right, up — the RPG Maker row order) or 8 (down, down_left, left,
        up_left, up, up_right, right, down_right). Other keyword arguments as in :meth:`animate`.
        """
        from .animation.result import AnimationSet

        order = {4: ("down", "left", "right", "up"),
                 8: ("down", "down_left", "left", "up_left", "up", "up_right", "right", "down_right")}
        if isinstance(directions, bool) or directions not in order:
            raise invalid("directions", "must be 4 or 8", directions)
        if "direction" in kwargs:
            raise invalid("direction", "is chosen per row by animate_directions; pass directions=4|8", kwargs["direction"])
        from .animation.animate import pad_to_common_canvas

        anims = pad_to_common_canvas({d: self.animate(sprite, type=type, direction=d, **kwargs)
                                      for d in order[directions]})
        first = next(iter(anims.values()))
        approximated = sorted({d for a in anims.values() for d in a.metadata.get("approximatedDirections", [])})
        return AnimationSet(id=f"{first.id}_dir{directions}", animations=anims, metadata={
            "type": type, "directions": list(order[directions]), "approximatedDirections": approximated,
            "archetype": first.metadata["archetype"], "frameCount": len(first.frames), "fps": first.fps})

    def process_animation(self, animation: Any, mode: str = "stabilize"):
        """A processed copy of ``animation`` (the in-process ``POST /v1/animations/:id/process``):
        ``stabilize`` re-anchors drifting frames, ``tight`` crops to the union box + 1 px, ``aggressive``
        also scales up to fill the canvas (integer nearest-neighbour for pixel art). The original is untouched.
        """
        from .animation.process import process_animation

        return process_animation(animation, mode)

    # ------------------------------------------------------------------ tiles
    @property
    def tile_library(self):  # -> TileLibrary
        """The custom tile library (``<data_dir>/tiles``) that :meth:`generate_tile` adds to."""
        from .tiles.packs import TileLibrary

        return TileLibrary(self.config.data_dir / "tiles")

    def generate_tile(self, prompt: str, *, label: str | None = None, projection: str = "floor",
                      collision: bool = False, seed: int | None = None, texture_size: int = 64,
                      backend: str = "auto", add_to_library: bool = True):
        """An isometric 130×230 tile from text (the in-process ``POST /v1/tile-packs/generate``).

        Parameters
        ----------
        prompt : e.g. ``"mossy stone floor tile"`` (material + modifiers) or, for props, ``"an oak tree"``.
        label : display name (default from the material / subject). projection : floor | wall | prop.
        collision : whether the tile blocks movement (kept with the tile and used by map exports).
        seed : 0–2**32-1; random when ``None`` (the seed used is in metadata). texture_size : 16–256 px.
        backend : ``auto`` | ``procedural`` | ``sdxl`` (:meth:`sprite_backend`): with SDXL the floor/wall texture is
            drawn by the model with circular padding (seamless) and downscaled wrap-aware; the projection is the
            same. ``auto`` picks SDXL only with its weights and a CUDA device; ``sdxl`` without weights raises
            :class:`ModelUnavailable`.
        add_to_library : also store it in :attr:`tile_library` (the custom tile pack).

        Returns
        -------
        Tile with ``.image`` (130×230 RGBA), ``.texture`` (the flat square texture), ``.metadata``
        (material, modifiers, seed, footprint and anchor numbers).
        """
        from .requests import TileRequest
        from .tiles.generate import generate_tile

        request = parse_request(TileRequest, dict(prompt=prompt, label=label, projection=projection,
                                                  collision=collision, seed=seed, texture_size=texture_size,
                                                  backend=backend))
        tile = generate_tile(request, engine=self)
        if add_to_library:
            self.tile_library.add(tile)
        return tile

    def tile_packs(self) -> list:
        """Every tile pack (``GET /v1/tile-packs``): the built-in packs, then the custom library."""
        from .tiles.packs import pack_specs

        packs = [self.tile_pack(pack_id) for pack_id in pack_specs(self.config.config_dir)]
        return [*packs, self.tile_library.as_pack()]

    def tile_pack(self, pack_id: str):
        """One pack by id: ``fantasy_terrain``, ``dungeon``, ``winter``, ``desert`` or ``custom``."""
        from .tiles.packs import CUSTOM_PACK_ID, built_in_pack

        if pack_id == CUSTOM_PACK_ID:
            return self.tile_library.as_pack()
        if pack_id not in self._packs:
            self._packs[pack_id] = built_in_pack(pack_id, config_dir=self.config.config_dir,
                                                 data_dir=self.config.data_dir, engine=self)
        return self._packs[pack_id]

    def generate_tileset(self, prompt: str, *, against: str = "grass", kind: str = "wang16",
                         view: str = "top_down", size: int = 32, seed: int | None = None):
        """An autotile set between two materials: the 16 Wang corner (``wang16``) or 47 blob (``blob47``)
        transitions of ``prompt``'s material painted over ``against``'s, seamless across every compatible
        pair, with a Tiled Wang set (``.tiled_tsx()``) and a Godot terrain set (``.godot_tres()``).

        ``view``: ``top_down`` (``size``-px squares) or ``isometric`` (130×230 floor tiles).
        """
        import secrets

        from .requests import TilesetRequest
        from .tiles.autotile import build_autotile_set
        from .tiles.textures import parse_material, synthesize_texture

        request = parse_request(TilesetRequest, dict(prompt=prompt, against=against, kind=kind, view=view,
                                                     size=size, seed=seed))
        seed = request.seed if request.seed is not None else secrets.randbelow(2**32)
        from .tiles.generate import texture_style

        a, b = parse_material(request.prompt), parse_material(request.against)
        style = texture_style(request.prompt)
        # each material is one seamless texture with the tile's period, so every tile continues its neighbours
        tex_a = synthesize_texture(a.material, size=request.size, seed=seed, modifiers=a.modifiers, style=style)
        tex_b = synthesize_texture(b.material, size=request.size, seed=(seed + 1) % 2**32, modifiers=b.modifiers,
                                   style=style)
        result = build_autotile_set(tex_a, tex_b, kind=request.kind, view=request.view, size=request.size, seed=seed,
                                    names=(a.material, b.material), pixel_art=style == "pixel")
        result.metadata = {**getattr(result, "metadata", {}), "seed": seed, "prompt": request.prompt,
                           "against": request.against, "materials": [a.material, b.material],
                           "modifiers": [list(a.modifiers), list(b.modifiers)]}
        return result

    # ------------------------------------------------------------------ maps
    def create_map(self, name: str, *, projection: str = "isometric", width: int = 16, height: int = 16,
                   tile_pack: str | None = None, seed: int | None = None, biome: str | None = None):
        """A procedurally generated map (the in-process ``POST /v1/maps``).

        Parameters
        ----------
        name : 1–100 characters. projection : isometric | top_down | side_view | world.
        width, height : grid size in cells, 4–512 each.
        tile_pack : ``fantasy_terrain`` (default), ``dungeon``, ``winter``, ``desert`` or ``custom``: its tiles
            come first in the tileset; terrain classes it lacks get tiles made from ``configs/terrain.toml``.
        seed : 0–2**32-1; the same seed gives the same map. biome : temperate, island, desert, arctic, swamp,
            volcanic, continents (default: from the seed; world maps use continents).

        Returns
        -------
        Map with ``terrain``, ``decorations``, ``entities`` and ``collision`` layers; ``.save()``,
        ``.preview()``; edit with :meth:`edit_map`, export with :meth:`export_map`.
        """
        import secrets

        from .maps.generate import generate_map
        from .maps.model import CELL_SIZE
        from .maps.tilesets import pack_tiledefs, render_missing_tiles
        from .requests import MapRequest

        request = parse_request(MapRequest, dict(name=name, projection=projection, width=width, height=height,
                                                 tile_pack=tile_pack, seed=seed))
        seed = request.seed if request.seed is not None else secrets.randbelow(2**32)
        from .tiles.packs import pack_specs

        pack = self.tile_pack(request.tile_pack or "fantasy_terrain")
        tiles = pack_tiledefs(pack, request.projection, CELL_SIZE[request.projection])
        if biome is None and request.projection != "world":
            biome = pack_specs(self.config.config_dir).get(pack.id, {}).get("biome")
        m = generate_map(request.name, projection=request.projection, width=request.width, height=request.height,
                         seed=seed, tiles=tiles or None, biome=biome)
        m.tile_pack = pack.id
        m.properties["generatedTiles"] = render_missing_tiles(m, self)
        return m

    def edit_map(self, map: Any, prompt: str):
        """Edit a map in plain English (the in-process ``POST /v1/maps/:id/ai-edit``), e.g. ``"Add a river
        running through the center"``. Returns a MapEdit (``.map`` the new version, ``.operations``,
        ``.diff``); ``map`` itself is unchanged. Unparseable text raises ``InvalidRequest`` listing the verbs."""
        from .maps.edit import edit_map
        from .maps.tilesets import render_missing_tiles

        if not isinstance(prompt, str) or not 3 <= len(prompt.strip()) <= 500:
            raise invalid("prompt", "must be 3–500 characters", prompt)
        result = edit_map(map, prompt)
        render_missing_tiles(result.map, self)            # classes the edit introduced (snow, ice, bridge …)
        return result

    def export_map(self, map: Any, format: str, *, layer_encoding: str = "csv") -> bytes:
        """The map as a zip for ``format``: json | tmx (Tiled TMX/TSX + .tmj) | godot (4.3+ .tscn/.tres) |
        unity | gamemaker (2024 room/tileset .yy). See the zip's README.txt for what each contains."""
        from .maps.export import export_map

        return export_map(map, format, layer_encoding=layer_encoding)

    # ------------------------------------------------------------------ music
    def music_backend(self, name: str = "auto") -> tuple[Any, str]:
        """``(MusicGenBackend or None for the procedural composer, why)``. ``auto`` uses MusicGen only when
        its weights (musicgen-medium, else -small) and a CUDA device are present; ``musicgen`` without
        weights raises ``ModelUnavailable`` naming the files."""
        if name not in ("auto", "procedural", "musicgen"):
            raise invalid("backend", "must be one of auto, procedural, musicgen", name)
        if name == "procedural":
            return None, "procedural: asked for"
        found = next((m for m in ("musicgen-medium", "musicgen-small") if self.weights.available(m)), None)
        if name == "auto" and (found is None or self.device.device != "cuda"):
            why = "no MusicGen weights" if found is None else "no CUDA device"
            return None, f"procedural: auto ({why})"
        if "musicgen" not in self._backends:
            from .backends.musicgen import MusicGenBackend

            self._backends["musicgen"] = MusicGenBackend.from_registry(self.weights, found or "musicgen-small",
                                                                       device=self.device)
        return self._backends["musicgen"], f"musicgen: {name}"

    def generate_music(self, prompt: str | None = None, *, preset: str | None = None, bpm: float | None = None,
                       key: str | None = None, duration: float = 30, seed: int | None = None,
                       reference_audio: Any = None, loop: bool = False, stems: bool = False, bit_depth: int = 16,
                       backend: str = "auto"):
        """Game music from a preset and/or a prompt (the in-process ``POST /v1/music``).

        Parameters
        ----------
        prompt : free text, e.g. ``"epic orchestral battle theme with brass"`` (→ nearest preset + modifiers).
        preset : epic_orchestral | chiptune_adventure | peaceful_village | dungeon_dark | battle_intense |
            boss_fight | menu_chill | ambient_exploration | fantasy_tavern | scifi_synthwave.
        bpm : 40–240 (default from the preset). key : e.g. ``"D minor"``, ``"F# major"``, ``"Bb minor"``.
        duration : 5–300 seconds, exact to the sample. seed : the same seed gives identical FLAC bytes.
        reference_audio : an audio file (or ``(samples, rate)``) whose tempo and key the track follows.
        loop : the end flows seamlessly into the start. stems : keep one stem per instrument group
            (drums, bass, harmony, melody) that sum to the mix. bit_depth : 16 or 24 for FLAC files.
        backend : auto | procedural | musicgen.

        Returns
        -------
        Track with ``.samples`` float32 ``(2, n)`` at 44.1 kHz, ``.metadata``, ``.save("x.flac")`` (or a folder:
        FLAC + MIDI + stems), ``.save_midi(path)``.
        """
        from .music.generate import generate_music
        from .requests import MusicRequest

        request = parse_request(MusicRequest, dict(prompt=prompt, preset=preset, bpm=bpm, key=key, duration=duration,
                                                   seed=seed, reference_audio=reference_audio, loop=loop, stems=stems,
                                                   bit_depth=bit_depth, backend=backend))
        return generate_music(request, engine=self)
