"""Build a tiny random SDXL pipeline folder for tests (no hub, no download).

Follows diffusers' own SDXL fast tests (``get_dummy_components`` in
``tests/pipelines/stable_diffusion_xl/test_stable_diffusion_xl.py``): a two-level UNet with
``block_out_channels=(32, 64)``, a tiny VAE, two tiny CLIP text encoders. The tokenizers are
built from a ``vocab.json`` + ``merges.txt`` written here, since the hub is never reached.

>>> from tiny_sdxl import build_tiny_sdxl  # tests/ is on sys.path under pytest                # doctest: +SKIP
>>> folder = build_tiny_sdxl(tmp_path / "sdxl-tiny")                  # doctest: +SKIP
>>> folder / "model_index.json"                                       # doctest: +SKIP

The folder loads with ``StableDiffusionXLPipeline.from_pretrained(folder, local_files_only=True)``
and therefore through :class:`sprixen_engine.backends.sdxl.SDXLSpriteBackend`. Generate with
2 steps at 64x64 on the CPU (a fraction of a second per call).
"""

from __future__ import annotations

import json
from pathlib import Path

TEXT_VOCAB_SIZE = 1000          # the text encoders' embedding rows; the tokenizer uses fewer
_WORDS = ("a", "the", "of", "in", "and", "with", "on", "pixel", "art", "game", "sprite", "knight", "sword",
          "red", "blue", "green", "gold", "dark", "fantasy", "cute", "side", "front", "view", "full", "body",
          "character", "creature", "item", "white", "background", "centered", "single", "style", "blurry")


def _bytes_to_unicode() -> dict[int, str]:
    # the byte → printable-character table of GPT-2/CLIP byte-level BPE
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs), strict=True))


def write_tokenizer_files(folder: Path) -> Path:
    """Write a small CLIP BPE vocabulary (``vocab.json``, ``merges.txt``) into ``folder``.

    Vocabulary: the 256 byte characters with and without the end-of-word mark ``</w>``, the merged
    pieces of a few words used in sprite prompts, then ``<|startoftext|>`` and ``<|endoftext|>``
    last (as in CLIP, where ``<|endoftext|>`` has the highest id, so pooling by arg-max finds it).
    """
    folder.mkdir(parents=True, exist_ok=True)
    chars = list(_bytes_to_unicode().values())
    vocab: list[str] = chars + [c + "</w>" for c in chars]
    merges: list[str] = []
    seen = set(vocab)
    for word in _WORDS:
        # left-to-right merges: "k n" → "kn", "kn i" → "kni", ..., last one carries "</w>"
        piece = word[0]
        for i, ch in enumerate(word[1:], start=1):
            right = ch + ("</w>" if i == len(word) - 1 else "")
            merged = piece + right
            if merged not in seen:
                merges.append(f"{piece} {right}")
                vocab.append(merged)
                seen.add(merged)
            piece = piece + ch
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    assert len(vocab) <= TEXT_VOCAB_SIZE, len(vocab)
    (folder / "vocab.json").write_text(json.dumps({tok: i for i, tok in enumerate(vocab)}), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    return folder


def tiny_components(tmp_dir: Path) -> dict:
    """The components of a tiny random SDXL pipeline (seeded: the same weights every call)."""
    import torch
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64), layers_per_block=2, sample_size=32, in_channels=4, out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(2, 4), use_linear_projection=True, addition_embed_type="text_time",
        addition_time_embed_dim=8, transformer_layers_per_block=(1, 2),
        projection_class_embeddings_input_dim=80,  # 6 * 8 + 32
        cross_attention_dim=64)
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085, beta_end=0.012, steps_offset=1, beta_schedule="scaled_linear",
        timestep_spacing="leading")
    torch.manual_seed(0)
    vae = AutoencoderKL(
        block_out_channels=[32, 64], in_channels=3, out_channels=3,
        down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
        up_block_types=["UpDecoderBlock2D", "UpDecoderBlock2D"], latent_channels=4, sample_size=128)
    torch.manual_seed(0)
    text_config = CLIPTextConfig(
        bos_token_id=0, eos_token_id=2, hidden_size=32, intermediate_size=37, layer_norm_eps=1e-05,
        num_attention_heads=4, num_hidden_layers=5, pad_token_id=1, vocab_size=TEXT_VOCAB_SIZE,
        hidden_act="gelu", projection_dim=32)
    text_encoder = CLIPTextModel(text_config)
    text_encoder_2 = CLIPTextModelWithProjection(text_config)
    tok_dir = write_tokenizer_files(Path(tmp_dir) / "_tokenizer_src")
    # from_pretrained reads vocab.json + merges.txt with both the slow (transformers 4) and the
    # tokenizers-backed (transformers 5) CLIPTokenizer
    tokenizer = CLIPTokenizer.from_pretrained(tok_dir, model_max_length=77, local_files_only=True)
    return {"unet": unet, "scheduler": scheduler, "vae": vae, "text_encoder": text_encoder,
            "tokenizer": tokenizer, "text_encoder_2": text_encoder_2, "tokenizer_2": tokenizer,
            "image_encoder": None, "feature_extractor": None}


def build_tiny_sdxl(folder: Path) -> Path:
    """Save a tiny random SDXL pipeline (diffusers layout) into ``folder`` and return it."""
    from diffusers import StableDiffusionXLPipeline

    folder = Path(folder)
    pipe = StableDiffusionXLPipeline(**tiny_components(folder.parent))
    pipe.save_pretrained(folder, safe_serialization=True)
    return folder


def build_tiny_lora(unet_or_pipe_folder: Path, out_file: Path, *, rank: int = 4, seed: int = 1) -> Path:
    """Write a random LoRA for the tiny UNet (attention projections) as a ``.safetensors`` file.

    The ``lora_B`` matrices are random (not zero as in a fresh adapter), so the LoRA changes outputs.
    """
    import torch
    from diffusers import StableDiffusionXLPipeline, UNet2DConditionModel
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    unet = UNet2DConditionModel.from_pretrained(Path(unet_or_pipe_folder) / "unet", local_files_only=True)
    unet.add_adapter(LoraConfig(r=rank, lora_alpha=rank, init_lora_weights="gaussian",
                                target_modules=["to_k", "to_q", "to_v", "to_out.0"]))
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in unet.named_parameters():
            if "lora_" in name:
                param.copy_(torch.randn(param.shape, generator=gen) * 0.3)
    layers = get_peft_model_state_dict(unet)
    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    StableDiffusionXLPipeline.save_lora_weights(out_file.parent, unet_lora_layers=layers,
                                                weight_name=out_file.name, safe_serialization=True)
    return out_file


IMAGE_EMBED_DIM = 32            # the tiny image encoder's projection_dim = the adapter's image_proj input


def build_tiny_ip_adapter(pipe_folder: Path, out_root: Path, *, seed: int = 2) -> Path:
    """Write a tiny random IP-Adapter for the tiny SDXL in the h94/IP-Adapter layout and return ``out_root``.

    ``out_root/sdxl_models/ip-adapter_sdxl.safetensors`` holds ``image_proj.{proj,norm}.{weight,bias}`` and
    ``ip_adapter.<k>.to_{k,v}_ip.weight`` (flattened, as on the hub); ``out_root/sdxl_models/image_encoder/``
    is a tiny ``CLIPVisionModelWithProjection`` (32x32 input, ``projection_dim`` = :data:`IMAGE_EMBED_DIM`).
    The keys ``<k>`` = 1, 3, 5, ... follow the UNet's attention processors in order, one per
    cross-attention (``attn2``) processor, as diffusers' ``_convert_ip_adapter_attn_to_diffusers`` reads them.
    """
    import torch
    from diffusers import UNet2DConditionModel
    from safetensors.torch import save_file
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    folder = Path(out_root) / "sdxl_models"
    torch.manual_seed(seed)
    encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(
        hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4, image_size=32,
        patch_size=8, projection_dim=IMAGE_EMBED_DIM))
    encoder.save_pretrained(folder / "image_encoder", safe_serialization=True)

    unet = UNet2DConditionModel.from_pretrained(Path(pipe_folder) / "unet", local_files_only=True)
    cross, channels = unet.config.cross_attention_dim, unet.config.block_out_channels
    gen = torch.Generator().manual_seed(seed)
    tensors = {
        "image_proj.proj.weight": torch.randn(4 * cross, IMAGE_EMBED_DIM, generator=gen) * 0.5,
        "image_proj.proj.bias": torch.randn(4 * cross, generator=gen) * 0.1,
        "image_proj.norm.weight": 1 + torch.randn(cross, generator=gen) * 0.1,
        "image_proj.norm.bias": torch.randn(cross, generator=gen) * 0.1,
    }
    key_id = 1
    for name in unet.attn_processors:
        if name.endswith("attn1.processor"):
            continue                                   # self-attention: no IP weights, but not counted either
        if name.startswith("mid_block"):
            hidden = channels[-1]
        elif name.startswith("up_blocks"):
            hidden = list(reversed(channels))[int(name[len("up_blocks.")])]
        else:
            hidden = channels[int(name[len("down_blocks.")])]
        for proj in ("to_k_ip", "to_v_ip"):
            tensors[f"ip_adapter.{key_id}.{proj}.weight"] = torch.randn(hidden, cross, generator=gen) * 0.3
        key_id += 2
    save_file({k: v.contiguous() for k, v in tensors.items()}, folder / "ip-adapter_sdxl.safetensors")
    return Path(out_root)
