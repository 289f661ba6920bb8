"""The sprite pipeline: prompt → interpretation → backend render → matting → resize → result.

This is the in-process form of ``POST /v1/generations``. The stages are numbered as in
:func:`generate_sprites`; each variant is rendered from its own seed so it can be
reproduced alone.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
import time
from dataclasses import replace
from typing import Any

import numpy as np

from ..backends.base import SpriteBackend, SpriteSpec
from ..config import EngineConfig, read_toml
from ..core import palette as palette_kernels
from ..core.image import as_rgba, to_pil
from ..core.matting import remove_background
from ..core.resize import choose_resize_mode, resize
from ..core.variation import vary_sprite
from ..requests import GenerationRequest
from ..results import GenerationResult, SpriteAsset, slug
from .catalogue import load_catalogue
from .prompt import PromptInterpretation, load_vocabulary, parse_prompt

# request types of the hosted API that name a subject category
TYPE_CATEGORIES = {"character": ("character", "creature"), "item": ("item",), "environment": ("prop",)}


def art_style_of(interp: PromptInterpretation, request: GenerationRequest, config: EngineConfig) -> str:
    """``pixel`` | ``vector`` | ``painterly``: prompt words win, then the project lock, then config."""
    styles = set(interp.styles)
    if styles & {"painterly"}:
        return "painterly"
    if styles & {"vector", "cartoon", "anime"}:
        return "vector"
    if styles & {"pixel", "retro", "nes", "snes", "gameboy", "pico8"}:
        return "pixel"
    if request.project is not None and request.project.art_style:
        return request.project.art_style
    return config.generation.default_art_style


def output_size(interp: PromptInterpretation, request: GenerationRequest, config: EngineConfig) -> tuple[int, int]:
    """``(w, h)``: the request's resolution, else the prompt's "32x32", else the project's, else config."""
    from ..requests import parse_resolution

    if request.resolution_wh is not None:
        return request.resolution_wh
    if interp.size is not None:
        w, h = interp.size
        return (min(max(w, 16), 1024), min(max(h, 16), 1024))
    if request.project is not None and request.project.resolution:
        return parse_resolution(request.project.resolution)
    return parse_resolution(config.generation.default_resolution, field="config.default_resolution")


def native_size(out_wh: tuple[int, int], *, smooth: bool, config: EngineConfig) -> tuple[int, int]:
    """``(h, w)`` the backend draws at: the output size divided by the smallest integer that
    brings its long side under ``max_native_pixel`` (pixel art) or ``max_native_smooth``.
    """
    limit = config.generation.max_native_smooth if smooth else config.generation.max_native_pixel
    w, h = out_wh
    k = max(1, math.ceil(max(w, h) / limit))
    return (max(16, round(h / k)), max(16, round(w / k)))


def _retro_palette(styles: tuple[str, ...], config: EngineConfig) -> np.ndarray | None:
    data = read_toml(config.config_dir / "palettes.toml")
    for style in styles:
        name = data.get("style_map", {}).get(style)
        if name:
            return np.array(data[name]["colors"], np.uint8)
    return None


def _scale_parts(parts: dict[str, np.ndarray], pivots: dict[str, tuple[float, float]],
                 src_hw: tuple[int, int], dst_hw: tuple[int, int]) -> tuple[dict[str, np.ndarray],
                                                                            dict[str, tuple[float, float]]]:
    """Scale part masks (nearest) and pivots from ``src_hw`` to ``dst_hw`` (both ``(h, w)``)."""
    if src_hw == dst_hw:
        return parts, pivots
    sy, sx = dst_hw[0] / src_hw[0], dst_hw[1] / src_hw[1]
    yi = np.minimum((np.arange(dst_hw[0]) + 0.5) / sy, src_hw[0] - 1).astype(np.intp)
    xi = np.minimum((np.arange(dst_hw[1]) + 0.5) / sx, src_hw[1] - 1).astype(np.intp)
    scaled = {k: m[yi][:, xi] for k, m in parts.items()}
    return scaled, {k: (x * sx, y * sy) for k, (x, y) in pivots.items()}


def request_id(request: GenerationRequest, seed: int) -> str:
    """A stable id ``gen_<12 hex>`` from the request fields and the seed."""
    fields = request.model_dump(exclude={"reference_image", "seed"}, mode="json")
    digest = hashlib.sha1(json.dumps([fields, seed], sort_keys=True).encode()).hexdigest()
    return f"gen_{digest[:12]}"


def _split_pack_prompt(prompt: str) -> list[str]:
    chunks = re.split(r",|;|\band\b|\+|&", prompt)
    return [c.strip() for c in chunks if len(c.strip()) >= 3]


def _parse(text: str, config: EngineConfig, embedder: Any) -> PromptInterpretation:
    return parse_prompt(text, catalogue=load_catalogue(config.config_dir),
                        vocabulary=load_vocabulary(config.config_dir), embedder=embedder)


def _postprocess(rgba: np.ndarray, *, request: GenerationRequest, pixel: bool,
                 retro: np.ndarray | None, reference: np.ndarray | None) -> tuple[np.ndarray, list[str]]:
    """Style transfer, retro palette and matting on a native-size sprite. Returns steps applied."""
    steps = []
    if reference is not None and request.type != "variation":
        rgba = palette_kernels.transfer_palette(rgba, reference)
        steps.append("palette_transfer")
    if retro is not None:
        if len(retro) <= 8:  # few shades (Game Boy): map by lightness rank so contrast survives
            rgba = palette_kernels.transfer_palette(rgba, retro[None])
        else:
            rgba = palette_kernels.map_to_palette(rgba, retro)
        steps.append("retro_palette")
    if not request.skip_bg_removal:
        rgba = remove_background(rgba, hard=pixel, no_base=request.no_base)
        steps.append("background_removal")
    return rgba, steps


def generate_sprites(request: GenerationRequest, *, backend: SpriteBackend, config: EngineConfig,
                     embedder: Any = None, matting: Any = None) -> GenerationResult:
    """Run one generation request through ``backend``.

    Stages: 1. interpret the prompt; 2. settle size, style, view, seed; 3. render each variant
    (or vary the reference sprite, or pack items into a sheet); 4. post-process (palette,
    matting); 5. resize to the output resolution with the ``pixelPerfect`` kernel; 6. metadata.

    A model backend (one with ``generate``, i.e. SDXL) draws all variants in one batch at
    ``config.generation.model_resolution``; its images are matted with ``matting(method)``'s
    backend (RMBG-2.0 or classic) and brought to the output size with ``pixelize`` (pixel art)
    or the ``pixelPerfect`` resize. For packs it draws every item of a variant in one batch
    (``pack_item`` prompts), post-processes each the same way and packs them into the sheet.
    A reference image conditions model images as the backend decides (IP-Adapter, img2img or
    both); packs take it only as an IP-Adapter image prompt, since img2img would copy it into
    every item. ``metadata["backend"]`` names what drew the images (variations are always
    procedural) and ``metadata["model"]["reference"]`` how the reference was used.
    """
    t0 = time.perf_counter()
    # 1. interpret the prompt; a type naming a category steers an ambiguous subject towards it
    interp = _parse(request.prompt, config, embedder)
    wanted = TYPE_CATEGORIES.get(request.type)
    if wanted and interp.category not in wanted:
        catalogue = {k: v for k, v in load_catalogue(config.config_dir).items() if v.category in wanted}
        steered = parse_prompt(request.prompt, catalogue=catalogue, vocabulary=load_vocabulary(config.config_dir),
                               embedder=embedder)
        if steered.subject_confidence >= 0.5:
            interp = steered
    # 2. settle the parameters
    seed = request.seed if request.seed is not None else secrets.randbits(32)
    art_style = art_style_of(interp, request, config)
    pixel = art_style == "pixel"
    out_w, out_h = output_size(interp, request, config)
    nat_h, nat_w = native_size((out_w, out_h), smooth=not pixel, config=config)
    view = interp.view
    if request.project is not None and request.project.view_angle and not interp.view_explicit:
        view = request.project.view_angle
    styles = tuple(dict.fromkeys((*interp.styles, art_style)))
    retro = _retro_palette(styles, config)
    reference = None
    if request.reference_image is not None:
        reference = as_rgba(request.reference_image, field="reference_image")
    if request.type == "variation" and reference is None:
        from ..errors import invalid

        raise invalid("reference_image", "is required when type is 'variation'", None)
    base_spec = SpriteSpec(subject=interp.subject, category=interp.category, archetype=interp.archetype,
                           size=(nat_h, nat_w), style=styles, colors=tuple(c for _, c in interp.colors),
                           view=view, seed=seed, weapon=interp.weapon, shield=interp.shield,
                           modifiers=tuple(interp.modifiers))
    resize_mode = choose_resize_mode(request.pixel_perfect, art_style=art_style, src_hw=(nat_h, nat_w),
                                     dst_hw=(out_h, out_w))
    t_parse = time.perf_counter()

    # 3–5. make each variant
    sprites: list[SpriteAsset] = []
    pack_items = request.pack_items
    if request.type == "pack" and not pack_items:
        pack_items = _split_pack_prompt(request.prompt)
    use_model = hasattr(backend, "generate") and request.type != "variation"
    model_reference = reference if use_model else None
    if pack_items and model_reference is not None and backend.reference_path(True) != "ip_adapter":
        model_reference = None  # img2img would start every pack item from the reference's pixels
    model_images: list[np.ndarray] = []
    if use_model and not pack_items:
        model_images = _model_images(backend, interp, request, seed=seed, art_style=art_style, view=view,
                                     reference=model_reference, config=config)
    for v in range(request.variant_count):
        vseed = (seed + v) & 0xFFFFFFFF
        if model_images:
            rgba, steps = _model_postprocess(model_images[v], request=request, pixel=pixel, out_hw=(out_h, out_w),
                                             resize_mode=resize_mode, matting=matting)
            sprites.append(SpriteAsset(image=to_pil(rgba), metadata={
                "variant": v, "seed": vseed, "nativeSize": "x".join(map(str, model_images[v].shape[1::-1])),
                "steps": steps, "archetype": interp.archetype, "pixelArt": pixel}))
            continue
        if pack_items and use_model:
            cells, subjects, meta = _model_pack_cells(
                pack_items, backend, interp, request, config, embedder=embedder, vseed=vseed, art_style=art_style,
                view=view, reference=model_reference, pixel=pixel, resize_mode=resize_mode, out_hw=(out_h, out_w),
                matting=matting)
            sprites.append(_pack_sheet(pack_items, cells, subjects, variant=v, vseed=vseed, out_hw=(out_h, out_w),
                                       pad=config.generation.pack_padding, metadata=meta))
            continue
        if pack_items:
            cells, subjects = _procedural_pack_cells(pack_items, base_spec, v, vseed, request, config,
                                                     embedder=embedder, pixel=pixel, retro=retro, reference=reference,
                                                     resize_mode=resize_mode, out_hw=(out_h, out_w))
            sprites.append(_pack_sheet(pack_items, cells, subjects, variant=v, vseed=vseed, out_hw=(out_h, out_w),
                                       pad=config.generation.pack_padding))
            continue
        if request.type == "variation":
            assert reference is not None
            rgba = vary_sprite(reference, np.random.default_rng(vseed), variant=v)
            parts, pivots, details = {}, {}, {}
            src_hw = rgba.shape[:2]
        else:
            spec = replace(base_spec, variant=v, seed=vseed)
            rendered = backend.render(spec)
            rgba, parts, pivots = rendered.rgba, rendered.parts, rendered.pivots
            details = {**rendered.details, "facing": rendered.facing}
            src_hw = (nat_h, nat_w)
        rgba, steps = _postprocess(rgba, request=request, pixel=pixel, retro=retro, reference=reference)
        dst_hw = (out_h, out_w) if request.type != "variation" or request.resolution else src_hw
        if rgba.shape[:2] != dst_hw:
            rgba = resize(rgba, (dst_hw[1], dst_hw[0]), mode=resize_mode)
            steps.append(f"resize_{resize_mode}")
        parts, pivots = _scale_parts(parts, pivots, src_hw, dst_hw)
        parts = {k: m & (rgba[..., 3] > 0) for k, m in parts.items()}
        final_palette = palette_kernels.extract_palette(rgba)
        sprites.append(SpriteAsset(image=to_pil(rgba), parts=parts, pivots=pivots, request=request, metadata={
            **details,
            "variant": v, "seed": vseed, "nativeSize": f"{src_hw[1]}x{src_hw[0]}", "steps": steps,
            "archetype": base_spec.archetype if request.type != "variation" else None, "pixelArt": pixel,
            # the palette of the delivered image; smooth (Lanczos) output has too many colours to list
            "palette": [list(map(int, c)) for c in final_palette] if len(final_palette) <= 64 else None}))

    # 6. metadata
    t_end = time.perf_counter()
    ran = backend.name if use_model or not (pack_items or request.type == "variation") else "procedural"
    metadata = {
        "backend": ran, "seed": seed, "prompt": request.prompt, "type": request.type,
        "resolution": f"{out_w}x{out_h}", "artStyle": art_style, "styles": list(styles), "view": view,
        "pixelPerfect": request.pixel_perfect, "resizeMode": resize_mode, "noBase": request.no_base,
        "skipBgRemoval": request.skip_bg_removal, "interpretation": interp.to_metadata(),
        "project": request.project.model_dump(by_alias=True, exclude_none=True) if request.project else None,
        "timingsMs": {"interpret": round((t_parse - t0) * 1e3, 3), "total": round((t_end - t0) * 1e3, 3)},
    }
    if pack_items:
        metadata["packItems"] = list(pack_items)
    if use_model:
        metadata["model"] = {**backend.describe(), "reference": backend.reference_path(model_reference is not None)}
    return GenerationResult(id=request_id(request, seed), sprites=sprites, metadata=metadata)


def _model_images(backend: Any, interp: PromptInterpretation, request: GenerationRequest, *, seed: int,
                  art_style: str, view: str, reference: np.ndarray | None, config: EngineConfig) -> list[np.ndarray]:
    """All variants from a model backend in one batch: ``(S, S, 4)`` uint8 images, alpha 255."""
    from ..backends.sdxl import build_prompt, prompt_kind

    kind = prompt_kind(interp.category if interp.category in ("character", "creature", "item", "prop") else "prop",
                       request_type=request.type)
    positive, negative = build_prompt(subject=interp.subject, category=interp.category, styles=interp.styles,
                                      colors=interp.colors, view=view, art_style=art_style,
                                      modifiers=interp.modifiers, kind=kind)
    n, side = request.variant_count, config.generation.model_resolution
    return backend.generate([positive] * n, seeds=[(seed + v) & 0xFFFFFFFF for v in range(n)], size_wh=(side, side),
                            negative_prompt=negative, reference=reference)


def _model_postprocess(rgba: np.ndarray, *, request: GenerationRequest, pixel: bool, out_hw: tuple[int, int],
                       resize_mode: str, matting: Any) -> tuple[np.ndarray, list[str]]:
    """Matting, then pixelize (pixel art: grid-aware, to the exact size) or resize, for model output."""
    from ..core.pixelgrid import pixelize

    steps = []
    if not request.skip_bg_removal and matting is not None:
        backend = matting("auto")
        rgba = backend.remove(rgba, hard=None, no_base=request.no_base)
        steps.append(f"background_removal_{backend.name}")
    if pixel:
        rgba = pixelize(rgba, size=(out_hw[1], out_hw[0]))
        steps.append("pixelize")
    if rgba.shape[:2] != out_hw:
        rgba = resize(rgba, (out_hw[1], out_hw[0]), mode=resize_mode)
        steps.append(f"resize_{resize_mode}")
    return rgba, steps


def _item_seed(vseed: int, i: int) -> int:
    """The seed of pack item ``i`` in the variant seeded ``vseed``."""
    return (vseed + 7919 * i) & 0xFFFFFFFF


def _procedural_pack_cells(items: list[str], base_spec: SpriteSpec, variant: int, vseed: int,
                           request: GenerationRequest, config: EngineConfig, *, embedder: Any, pixel: bool,
                           retro: np.ndarray | None, reference: np.ndarray | None, resize_mode: str,
                           out_hw: tuple[int, int]) -> tuple[list[np.ndarray], list[str]]:
    """Render each of ``items`` procedurally: ``(h, w, 4)`` uint8 cells at ``out_hw`` and their subject ids."""
    from ..backends.procedural import ProceduralSpriteBackend

    backend = ProceduralSpriteBackend(config.config_dir)
    cells, subjects = [], []
    for i, item in enumerate(items):
        it = _parse(item, config, embedder)
        spec = replace(base_spec, subject=it.subject, category=it.category, archetype=it.archetype,
                       colors=tuple(c for _, c in it.colors) or base_spec.colors, variant=variant,
                       seed=_item_seed(vseed, i), weapon=it.weapon, shield=it.shield,
                       modifiers=tuple(it.modifiers),
                       view="side" if it.category != "item" else "front")
        rgba = backend.render(spec).rgba
        rgba, _ = _postprocess(rgba, request=request, pixel=pixel, retro=retro, reference=reference)
        if rgba.shape[:2] != out_hw:
            rgba = resize(rgba, (out_hw[1], out_hw[0]), mode=resize_mode)
        cells.append(rgba)
        subjects.append(it.subject)
    return cells, subjects


def _model_pack_cells(items: list[str], backend: Any, interp: PromptInterpretation, request: GenerationRequest,
                      config: EngineConfig, *, embedder: Any, vseed: int, art_style: str, view: str,
                      reference: np.ndarray | None, pixel: bool, resize_mode: str, out_hw: tuple[int, int],
                      matting: Any) -> tuple[list[np.ndarray], list[str], dict[str, Any]]:
    """Draw every pack item with a model backend in ONE batched call (``pack_item`` prompts, item ``i``
    seeded ``vseed + 7919 i``), then matte and pixelize/resize each to ``out_hw`` like a model sprite.

    An item's subject is its catalogue id when the words name one (keyword or synonym), else its own
    text (the model is open-vocabulary); styles are the pack's plus the item's, colours the item's or
    else the pack's. Items are drawn front-on, others from the request's view.

    Returns the ``(h, w, 4)`` uint8 cells, the subjects and the cells' metadata (native size, steps).
    """
    from ..backends.sdxl import build_prompt

    prompts, subjects, negative = [], [], ""
    for item in items:
        it = _parse(item, config, embedder)
        subject = it.subject if it.matched_by in ("keyword", "synonym") else item
        positive, negative = build_prompt(
            subject=subject, styles=tuple(dict.fromkeys((*interp.styles, *it.styles))),
            colors=it.colors or interp.colors, view="front" if it.category == "item" else view, art_style=art_style,
            modifiers=it.modifiers if subject == it.subject else (), kind="pack_item")
        prompts.append(positive)
        subjects.append(it.subject)
    side = config.generation.model_resolution
    images = backend.generate(prompts, seeds=[_item_seed(vseed, i) for i in range(len(items))], size_wh=(side, side),
                              negative_prompt=negative, reference=reference)
    cells, steps = [], []
    for image in images:
        rgba, steps = _model_postprocess(image, request=request, pixel=pixel, out_hw=out_hw, resize_mode=resize_mode,
                                         matting=matting)
        cells.append(rgba)
    return cells, subjects, {"nativeSize": "x".join(map(str, images[0].shape[1::-1])), "steps": steps}


def _pack_sheet(items: list[str], cells: list[np.ndarray], subjects: list[str], *, variant: int, vseed: int,
                out_hw: tuple[int, int], pad: int, metadata: dict[str, Any] | None = None) -> SpriteAsset:
    """Pack ``cells`` (each ``(h, w, 4)`` uint8 at ``out_hw``) into one sheet (a grid, row-major, ``pad``
    transparent pixels around each) with a TexturePacker "JSON hash" atlas (loadable by Phaser's
    ``load.atlas``); frames are named after ``items``."""
    cell_h, cell_w = out_hw
    cols = math.ceil(math.sqrt(len(items)))
    rows = math.ceil(len(items) / cols)
    sheet = np.zeros((rows * cell_h + (rows + 1) * pad, cols * cell_w + (cols + 1) * pad, 4), np.uint8)
    frames: dict[str, Any] = {}
    for i, (item, rgba, subject) in enumerate(zip(items, cells, subjects, strict=True)):
        r, c = divmod(i, cols)
        x, y = pad + c * (cell_w + pad), pad + r * (cell_h + pad)
        sheet[y:y + cell_h, x:x + cell_w] = rgba
        name = _unique_name(slug(item, limit=60, sep="_"), frames)
        frames[name] = {"frame": {"x": x, "y": y, "w": cell_w, "h": cell_h}, "rotated": False, "trimmed": False,
                        "spriteSourceSize": {"x": 0, "y": 0, "w": cell_w, "h": cell_h},
                        "sourceSize": {"w": cell_w, "h": cell_h}, "subject": subject}
    atlas = {"frames": frames, "meta": {"app": "sprixen-engine", "version": "1.0", "format": "RGBA8888",
                                        "size": {"w": sheet.shape[1], "h": sheet.shape[0]}, "scale": "1"}}
    return SpriteAsset(image=to_pil(sheet), atlas=atlas, metadata={
        "variant": variant, "seed": vseed, "packSubjects": list(subjects), "cellSize": f"{cell_w}x{cell_h}",
        **(metadata or {})})


def _unique_name(name: str, taken: dict[str, Any]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    return candidate
