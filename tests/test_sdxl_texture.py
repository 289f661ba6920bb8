"""Seamless tile textures from SDXL: circular padding, wrap-aware downscales, the tile pipeline's model path.

Runs on a tiny random SDXL built here (CPU, 2-4 steps, 64x64, no hub). What "seamless" means is measured:

* exactly: with every padded convolution circular, the model computes on a torus. Rolling its input noise
  by whole latent cells rolls the image the same way (max |diff| ~1e-6 against ~0.56 with zero padding), and
  the image drawn from a 2x2 tiling of the noise is the 2x2 tiling of the image (~1e-6 against ~0.53): its
  edges continue each other exactly as its interior does;
* statistically: the wrap pair of pixel columns (last, first) ranks among the interior pairs of the same
  phase modulo the model's coarsest cell like any of them (mean rank ~0.5 over seeds) with circular
  padding. With zero padding this random model makes its two borders alike rather than different (rank
  ~0.05: the wrap pair is the most similar pair): a border artefact, not a seam. So "the wrap difference
  is smaller without circular padding" would pass for the wrong reason here; the test asks instead that
  circular padding's wrap pair behaves like an interior pair and zero padding's does not.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from sprixen_engine import Engine, ModelUnavailable
from sprixen_engine.config import EngineConfig, GenerationSettings, WeightsSettings
from sprixen_engine.core import isometric as iso
from sprixen_engine.core.pixelgrid import pixelize_periodic
from sprixen_engine.core.resize import resize, resize_periodic
from sprixen_engine.device import DevicePolicy
from sprixen_engine.errors import InvalidRequest
from sprixen_engine.requests import TileRequest
from sprixen_engine.tiles.generate import generate_tile, texture_render_size
from sprixen_engine.tiles.textures import synthesize_texture

CPU = DevicePolicy("cpu", "fp32", 1, "test")
#: the tiny-SDXL tests need the model packages; the kernel and no-weights tests run without them
models = pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("torch", "diffusers", "transformers")),
                            reason="needs torch, diffusers and transformers")


def wrap_phase_rank(image: np.ndarray, period: int) -> np.ndarray:
    """Rank (0..1) of the wrap pair (last, first) among the neighbouring pairs ``(i, i + 1)`` with the same
    phase ``i % period``, for rows and columns: ``(rows, columns)``. A seamless image ranks ~0.5 on average."""
    f = image[..., :3].astype(np.int32)
    ranks = []
    for axis in (0, 1):
        n = f.shape[axis]
        inner = np.abs(np.diff(f, axis=axis)).mean(axis=(1 - axis, 2))
        same = inner[[i for i in range(n - 1) if i % period == (n - 1) % period]]
        wrap = np.abs(np.take(f, -1, axis=axis) - np.take(f, 0, axis=axis)).mean()
        ranks.append(((same < wrap).sum() + 0.5 * (same == wrap).sum()) / len(same))
    return np.array(ranks)


def periodic_image(size: int = 60, seed: int = 0) -> np.ndarray:
    """A smooth seamless RGB image: band-limited noise with whole periods across the square."""
    rng = np.random.default_rng(seed)
    spec = np.zeros((size, size, 3), complex)
    spec[:6, :6] = rng.normal(size=(6, 6, 3)) + 1j * rng.normal(size=(6, 6, 3))
    field = np.fft.ifft2(spec, axes=(0, 1)).real
    field = (field - field.min()) / np.ptp(field)
    return np.dstack([np.uint8(np.rint(field * 255)), np.full((size, size), 255, np.uint8)])


# ------------------------------------------------------------------ kernels: wrap-aware downscales (no torch)
@pytest.mark.parametrize("mode", ["area", "lanczos", "nearest"])
@pytest.mark.parametrize(("src", "dst"), [(64, 16), (60, 25), (200, 30), (48, 64)])
def test_resize_periodic_tiles_like_its_input(mode, src, dst):
    img = periodic_image(src, seed=src + dst)
    out = resize_periodic(img, (dst, dst), mode=mode)
    assert out.shape == (dst, dst, 4) and out.dtype == np.uint8
    # the downscale of the 2x2 tiling is the 2x2 tiling of the downscale: no seam where the copies meet
    tiled = resize_periodic(np.tile(img, (2, 2, 1)), (2 * dst, 2 * dst), mode=mode)
    assert np.abs(tiled.astype(int) - np.tile(out, (2, 2, 1))).max() <= 1
    # rolling the input by whole output pixels rolls the output
    g = np.gcd(src, dst)
    step_in, step_out = src // g, dst // g
    rolled = resize_periodic(np.roll(img, (step_in, 2 * step_in), axis=(0, 1)), (dst, dst), mode=mode)
    assert np.abs(rolled.astype(int) - np.roll(out, (step_out, 2 * step_out), axis=(0, 1))).max() <= 1


def test_resize_periodic_area_at_a_whole_factor_is_the_block_mean():
    img = periodic_image(64, seed=3)
    out = resize_periodic(img, (16, 16), mode="area")
    mean = img[..., :3].reshape(16, 4, 16, 4, 3).mean(axis=(1, 3))
    assert np.abs(out[..., :3] - mean).max() <= 0.5 + 1e-9 and (out[..., 3] == 255).all()


def test_edge_clamped_lanczos_leaves_a_seam_that_resize_periodic_does_not():
    rng = np.random.default_rng(5)      # any image is one period of its own tiling; noise has detail at every scale
    img = np.dstack([rng.integers(0, 256, (60, 60, 3), dtype=np.uint8), np.full((60, 60), 255, np.uint8)])
    naive = resize(img, (25, 25), mode="lanczos")
    wrapped = resize_periodic(img, (25, 25), mode="lanczos")
    ref = resize_periodic(np.tile(img, (3, 3, 1)), (75, 75), mode="lanczos")[25:50, 25:50]
    assert np.array_equal(wrapped, ref)
    # the clamped kernel sees no neighbour past the border: its edge pixels differ from the wrapped result
    # (measured over seeds 0-2: 4.2-4.7 levels at the edge columns, 0.4 inside)
    edge = np.abs(naive[:, [0, -1]].astype(int) - wrapped[:, [0, -1]]).mean()
    inner = np.abs(naive[:, 5:-5].astype(int) - wrapped[:, 5:-5]).mean()
    assert edge > 2 * inner + 1


def test_pixelize_periodic_recovers_cells_of_a_rolled_pseudo_pixel_texture():
    rng = np.random.default_rng(7)
    cells = np.dstack([rng.integers(0, 256, (16, 16, 3), dtype=np.uint8), np.full((16, 16), 255, np.uint8)])
    big = np.repeat(np.repeat(cells, 8, axis=0), 8, axis=1)            # 128 px, 8 px cells
    base = pixelize_periodic(big, (16, 16))
    assert base.shape == (16, 16, 4)
    for shift in ((3, -2), (-3, 3), (8, 16), (19, -13)):                  # sub-cell phases and whole cells
        out = pixelize_periodic(np.roll(big, shift, axis=(0, 1)), (16, 16))
        whole = (round(shift[0] / 8), round(shift[1] / 8))
        assert np.array_equal(out, np.roll(base, whole, axis=(0, 1))), shift
    # the palette merge only snaps near-identical colours: the cells come back within a few levels
    assert np.abs(base.astype(int) - cells).mean() < 2


def test_pixelize_periodic_errors_name_the_field():
    img = periodic_image(32)
    with pytest.raises(InvalidRequest, match="^size"):
        pixelize_periodic(img, (64, 64))
    with pytest.raises(InvalidRequest, match="^colors"):
        pixelize_periodic(img, (8, 8), colors=0)
    with pytest.raises(InvalidRequest, match="^mode"):
        resize_periodic(img, (8, 8), mode="cubic")


def test_texture_render_size_prefers_whole_factors():
    assert texture_render_size(64) == 1024 and 1024 % 64 == 0
    assert texture_render_size(100) == 800                     # 800 = 8 x 100 and a multiple of 32
    assert texture_render_size(250) == 1024                    # no whole multiple of 250 and 32 below 2048
    assert texture_render_size(16, target=64, multiple=8) == 64
    assert texture_render_size(128, target=64, multiple=8) == 128    # never below the texture size
    for size in range(16, 257):
        side = texture_render_size(size)
        assert side % 32 == 0 and max(64, size) <= side <= 2048


# ------------------------------------------------------------------ the backend (tiny SDXL)
@pytest.fixture(scope="module")
def weights_dir(tmp_path_factory) -> Path:
    from tiny_sdxl import build_tiny_sdxl

    root = tmp_path_factory.mktemp("weights")
    build_tiny_sdxl(root / "sdxl-base-1.0")
    return root


@pytest.fixture(scope="module")
def backend(weights_dir):
    from sprixen_engine.backends.sdxl import SDXLSpriteBackend

    return SDXLSpriteBackend(weights_dir / "sdxl-base-1.0", device=CPU)


@pytest.fixture(scope="module")
def model_engine(weights_dir):
    config = EngineConfig(generation=GenerationSettings(model_resolution=64),
                          weights=WeightsSettings(paths={"sdxl-base-1.0": str(weights_dir / "sdxl-base-1.0")}))
    engine = Engine(config)
    engine._device = CPU
    sdxl, _ = engine.sprite_backend("sdxl")
    sdxl.defaults = lambda: (2, 5.0)        # 2 steps instead of sdxl.toml's 30: the tiny model only has to run
    return engine


@pytest.fixture()
def bare_engine(tmp_path, monkeypatch):
    """An Engine that finds no weights anywhere."""
    monkeypatch.setenv("SPRIXEN_WEIGHTS", str(tmp_path / "none"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "no-cache"))
    monkeypatch.setenv("SPRIXEN_DATA", str(tmp_path / "data"))
    engine = Engine()
    engine.weights.local_dir = tmp_path / "no-local"  # the repo's weights/ may hold real files
    return engine


def _padded_convs(*modules):
    import torch

    return [m for mod in modules for m in mod.modules()
            if isinstance(m, torch.nn.Conv2d) and any(int(p) > 0 for p in m.padding)]


@models
def test_circular_padding_switches_padded_convs_and_restores_them_even_on_error():
    import torch

    from sprixen_engine.backends.sdxl import circular_padding

    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.Conv2d(4, 4, 1),
                              torch.nn.Conv2d(4, 3, 3, padding=1, padding_mode="reflect"))
    with circular_padding(net, net[0]) as n:        # a module named twice is switched once
        assert n == 2
        assert [c.padding_mode for c in net] == ["circular", "zeros", "circular"]
        x = torch.arange(2 * 3 * 6 * 6, dtype=torch.float32).reshape(2, 3, 6, 6)
        y = net(x)
        assert torch.allclose(net(torch.roll(x, (2, 3), dims=(2, 3))), torch.roll(y, (2, 3), dims=(2, 3)), atol=1e-4)
    assert [c.padding_mode for c in net] == ["zeros", "zeros", "reflect"]
    with pytest.raises(RuntimeError, match="boom"), circular_padding(net):
        assert net[0].padding_mode == "circular"
        raise RuntimeError("boom")
    assert [c.padding_mode for c in net] == ["zeros", "zeros", "reflect"]


@models
def test_generate_texture_is_circular_during_the_call_only(backend):
    seen: dict[str, set[str]] = {"unet": set(), "vae": set()}
    hooks = [conv.register_forward_pre_hook(lambda mod, args, part=part: seen[part].add(mod.padding_mode))
             for part, module in (("unet", backend.pipe.unet), ("vae", backend.pipe.vae.decoder))
             for conv in _padded_convs(module)]
    try:
        tex = backend.generate_texture("mossy stone", seed=1, size_px=64, steps=2, guidance=5.0)
    finally:
        for h in hooks:
            h.remove()
    assert seen == {"unet": {"circular"}, "vae": {"circular"}}
    assert {c.padding_mode for c in _padded_convs(backend.pipe.unet, backend.pipe.vae)} == {"zeros"}
    assert tex.shape == (64, 64, 4) and tex.dtype == np.uint8 and (tex[..., 3] == 255).all()
    again = backend.generate_texture("mossy stone", seed=1, size_px=64, steps=2, guidance=5.0)
    assert np.array_equal(tex, again)


@models
def test_generate_texture_restores_padding_when_the_model_fails(backend, monkeypatch):
    def fail(*args, **kwargs):
        assert backend.pipe.unet.conv_in.padding_mode == "circular"
        raise RuntimeError("out of memory")

    monkeypatch.setattr(backend, "generate", fail)
    with pytest.raises(RuntimeError, match="out of memory"):
        backend.generate_texture("stone", seed=0, size_px=64)
    assert {c.padding_mode for c in _padded_convs(backend.pipe.unet, backend.pipe.vae)} == {"zeros"}


@models
def test_generate_texture_prompt_size_and_errors(backend, monkeypatch):
    calls = []
    monkeypatch.setattr(backend, "generate", lambda prompts, **kw: calls.append((prompts, kw)) or [np.zeros(1)])
    backend.generate_texture("mossy cobblestone", seed=5, size_px=70, art_style="painterly")
    (prompts, kw), = calls
    assert "seamless tileable top-down texture of mossy cobblestone" in prompts[0]
    assert "no perspective" in prompts[0] and prompts[0].startswith("hand-painted")
    assert "visible seams" in kw["negative_prompt"] and "floor" not in kw["negative_prompt"]
    assert kw["size_wh"] == (64, 64) and kw["seeds"] == [5]       # snapped to a multiple of texture_multiple
    assert backend.texture_multiple == 8                          # tiny: VAE x2, UNet x2, and generate's 8
    for bad in (32, 4096, 64.0, True):
        with pytest.raises(InvalidRequest, match="^size_px"):
            backend.generate_texture("stone", seed=0, size_px=bad)


def _draw(pipe, latents, side, prompt):
    import torch

    with torch.inference_mode():
        return pipe(prompt=prompt, num_inference_steps=2, guidance_scale=5.0, latents=latents, output_type="np",
                    height=side, width=side, original_size=(64, 64), target_size=(64, 64)).images[0]


@models
def test_circular_model_is_shift_equivariant_and_tiles_exactly(backend):
    import torch

    from sprixen_engine.backends.sdxl import build_prompt, circular_padding

    pipe, prompt = backend.pipe, build_prompt(subject="stone", kind="tile_texture")[0]
    noise = torch.randn(1, 4, 32, 32, generator=torch.Generator().manual_seed(1))
    k, scale = 4, pipe.vae_scale_factor                  # 4 latent px: whole cells of the UNet's coarsest level
    rolled_noise = torch.roll(noise, (k, 2 * k), dims=(2, 3))

    def errors():
        image = _draw(pipe, noise, 64, prompt)
        roll = np.abs(_draw(pipe, rolled_noise, 64, prompt) - np.roll(image, (k * scale, 2 * k * scale), axis=(0, 1)))
        tile = np.abs(_draw(pipe, noise.repeat(1, 1, 2, 2), 128, prompt) - np.tile(image, (2, 2, 1)))
        return roll.max(), tile.max()

    with circular_padding(pipe.unet, pipe.vae):
        circular = errors()
    zeros = errors()
    # measured: circular (1.1e-6, 1.2e-6), zero padding (0.56, 0.53) on [0, 1] images
    assert max(circular) < 1e-4
    assert min(zeros) > 0.1


@models
def test_wrap_pair_ranks_like_an_interior_pair_only_with_circular_padding(backend):
    from sprixen_engine.backends.sdxl import build_prompt

    positive, negative = build_prompt(subject="mossy stone", kind="tile_texture")
    period = backend.texture_multiple // 2            # the coarsest cell in image pixels (VAE x2 · UNet x2 = 4)
    circular, zeros = [], []
    for seed in range(6):
        circular.append(wrap_phase_rank(backend.generate_texture("mossy stone", seed=seed, size_px=64, steps=2,
                                                                 guidance=5.0), period))
        (plain,) = backend.generate([positive], seeds=[seed], size_wh=(64, 64), negative_prompt=negative, steps=2,
                                    guidance=5.0)
        zeros.append(wrap_phase_rank(plain, period))
    circ, flat = float(np.mean(circular)), float(np.mean(zeros))
    # measured over 12 seeds: circular 0.46 (64 px) / 0.54 (128 px); zero padding 0.05 / 0.006
    assert 0.25 <= circ <= 0.75, circ
    assert abs(flat - 0.5) > 0.3, flat


# ------------------------------------------------------------------ the tile pipeline
@models
@pytest.mark.parametrize("projection", ["floor", "wall"])
def test_sdxl_tile_keeps_the_projection(model_engine, projection):
    prompt = "mossy stone floor tile"      # ("mossy stone wall" reads as stone_brick)
    tile = model_engine.generate_tile(prompt, projection=projection, seed=3, texture_size=16, backend="sdxl",
                                      add_to_library=False)
    assert tile.image.size == (iso.TILE_W, iso.TILE_H) == (130, 230) and tile.image.mode == "RGBA"
    assert tile.texture.size == (16, 16)
    procedural = model_engine.generate_tile(prompt, projection=projection, seed=3, texture_size=16,
                                            backend="procedural", add_to_library=False)
    alpha = np.asarray(tile.image)[..., 3]
    assert np.array_equal(alpha, np.asarray(procedural.image)[..., 3])       # the same projection, the same shape
    if projection == "floor":
        assert np.array_equal(alpha > 0, iso.footprint_mask())
    meta = tile.metadata
    assert meta["backend"] == "sdxl" and meta["model"]["backend"] == "sdxl" and meta["backendChoice"] == "requested"
    assert meta["material"] == "stone" and meta["modifiers"] == ["mossy"]
    assert meta["texturePrompt"] == "mossy stone" and meta["nativeSize"] == "64x64"
    assert meta["downscale"] == "pixelize_periodic" and meta["geometry"]["anchor"] == [65, 230]
    again = model_engine.generate_tile(prompt, projection=projection, seed=3, texture_size=16, backend="sdxl",
                                       add_to_library=False)
    assert np.array_equal(np.asarray(again.image), np.asarray(tile.image)) and again.id == tile.id


@models
def test_sdxl_smooth_tile_texture_is_the_periodic_area_downscale(model_engine):
    tile = model_engine.generate_tile("cracked marble floor, painterly", seed=9, texture_size=32, backend="sdxl",
                                      add_to_library=False)
    meta = tile.metadata
    assert meta["style"] == "smooth" and meta["artStyle"] == "painterly" and meta["downscale"] == "resize_periodic_area"
    sdxl, _ = model_engine.sprite_backend("sdxl")
    raw = sdxl.generate_texture(meta["texturePrompt"], seed=9, size_px=64, art_style="painterly")
    assert np.array_equal(np.asarray(tile.texture), resize_periodic(raw, (32, 32), mode="area"))


@models
def test_auto_without_cuda_keeps_the_procedural_texture(model_engine):
    auto = model_engine.generate_tile("mossy stone floor tile", seed=4, add_to_library=False)
    procedural = model_engine.generate_tile("mossy stone floor tile", seed=4, backend="procedural",
                                            add_to_library=False)
    assert auto.metadata["backend"] == "procedural" and "no CUDA device" in auto.metadata["backendChoice"]
    assert np.array_equal(np.asarray(auto.image), np.asarray(procedural.image))


def test_sdxl_without_weights_raises_naming_the_files(bare_engine):
    with pytest.raises(ModelUnavailable) as info:
        bare_engine.generate_tile("mossy stone floor tile", seed=1, backend="sdxl")
    assert "sdxl-base-1.0" in info.value.message and "model_index.json" in info.value.message
    assert "weights" in info.value.message


def test_procedural_default_is_unchanged(bare_engine):
    tile = bare_engine.generate_tile("mossy stone floor tile", seed=4, add_to_library=False)
    assert tile.metadata["backend"] == "procedural" and "no SDXL weights" in tile.metadata["backendChoice"]
    texture = synthesize_texture("stone", size=64, seed=4, modifiers=("mossy",), style="pixel")
    assert np.array_equal(np.asarray(tile.texture), texture)
    assert np.array_equal(np.asarray(tile.image), iso.project_floor(texture, pixel_art=True))
    # an explicit "procedural" request needs no engine at all and says nothing about a choice
    direct = generate_tile(TileRequest(prompt="mossy stone floor tile", seed=4, backend="procedural"))
    assert np.array_equal(np.asarray(direct.image), np.asarray(tile.image))
    assert direct.metadata["backend"] == "procedural" and "backendChoice" not in direct.metadata
