"""Build a tiny random MusicGen folder for tests (no hub, no download).

The three parts of ``MusicgenForConditionalGeneration`` are built from small configs, in the spirit of
transformers' own MusicGen fast tests (``MusicgenTester`` in ``tests/models/musicgen/``):

- a 2-layer T5 encoder (``d_model`` 32) as the text encoder;
- a tiny EnCodec (4 filters, the real 32 kHz model's ``[8, 5, 4, 4]`` up-sampling, so a hop of 640
  samples) at 16 kHz: **25 frames per second**, half the real models' 50 Hz, so the token math must read
  the frame rate from the config;
- a 2-layer MusicGen decoder (hidden size 32, 4 codebooks of 64 codes, the pad/BOS token 64).

The tokenizer is a T5 (Unigram) tokenizer built from a small vocabulary written here: whole words of the
prompts the tests use, plus single characters so that any text tokenizes. It is saved as ``tokenizer.json``
with ``tokenizer_config.json``; no sentencepiece model is needed.

The folder holds what the registry's ``musicgen-small`` entry asks for (``config.json``,
``tokenizer_config.json``, ``model.safetensors``, ``processor_config.json`` or ``preprocessor_config.json``)
plus ``generation_config.json``, and loads with ``MusicgenForConditionalGeneration.from_pretrained(folder,
local_files_only=True)`` and ``AutoProcessor.from_pretrained(folder, local_files_only=True)``.

>>> from tiny_musicgen import build_tiny_musicgen                 # doctest: +SKIP
>>> folder = build_tiny_musicgen(tmp_path / "musicgen-small")     # doctest: +SKIP
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

SAMPLING_RATE = 16_000
UPSAMPLING_RATIOS = (8, 5, 4, 4)        # hop 640 samples, as in the real 32 kHz EnCodec
FRAME_RATE = SAMPLING_RATE // 640       # 25 Hz
CODEBOOK_SIZE = 64
NUM_CODEBOOKS = 4
TEXT_VOCAB_SIZE = 256                   # the T5 embedding rows; the tokenizer uses fewer
_WORDS = ("epic", "orchestral", "chiptune", "adventure", "peaceful", "village", "dungeon", "dark", "battle",
          "intense", "boss", "fight", "menu", "chill", "ambient", "exploration", "fantasy", "tavern", "scifi",
          "synthwave", "bpm", "major", "minor", "with", "and", "a", "the", "of", "drums", "strings", "brass",
          "choir", "piano", "synth", "bass", "guitar", "loop", "music", "game", "retro", "calm", "heroic")


def tiny_vocab() -> list[tuple[str, float]]:
    """The Unigram vocabulary: ``<pad>`` (0), ``</s>`` (1), ``<unk>`` (2), words, then characters."""
    special = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    words = [("▁" + w, -2.0) for w in _WORDS]
    chars = [("▁", -3.0)] + [(c, -5.0) for c in string.ascii_letters + string.digits + string.punctuation]
    vocab = special + words + chars
    assert len(vocab) <= TEXT_VOCAB_SIZE, len(vocab)
    return vocab


def tiny_tokenizer() -> Any:
    """A T5 tokenizer (tokenizers-backed Unigram) on :func:`tiny_vocab`, appending ``</s>`` as T5 does."""
    from transformers import T5Tokenizer

    return T5Tokenizer(vocab=tiny_vocab(), eos_token="</s>", unk_token="<unk>", pad_token="<pad>", extra_ids=0,
                       model_max_length=512)


def tiny_configs(*, audio_channels: int = 1) -> tuple[Any, Any, Any]:
    """``(T5Config, EncodecConfig, MusicgenDecoderConfig)`` of the tiny model."""
    from transformers import EncodecConfig, MusicgenDecoderConfig, T5Config

    text = T5Config(vocab_size=TEXT_VOCAB_SIZE, d_model=32, d_kv=8, d_ff=37, num_layers=2, num_heads=4,
                    relative_attention_num_buckets=8, dropout_rate=0.0, pad_token_id=0, eos_token_id=1,
                    decoder_start_token_id=0)
    audio = EncodecConfig(sampling_rate=SAMPLING_RATE, audio_channels=1, num_filters=4, num_residual_layers=1,
                          upsampling_ratios=list(UPSAMPLING_RATIOS), codebook_size=CODEBOOK_SIZE, codebook_dim=16,
                          hidden_size=16, num_lstm_layers=1, norm_type="weight_norm", normalize=False,
                          target_bandwidths=[0.6], use_causal_conv=False, chunk_length_s=None, overlap=None,
                          compress=2, kernel_size=7, last_kernel_size=7, residual_kernel_size=3)
    decoder = MusicgenDecoderConfig(vocab_size=CODEBOOK_SIZE, hidden_size=32, num_hidden_layers=2,
                                    num_attention_heads=4, ffn_dim=37, num_codebooks=NUM_CODEBOOKS * audio_channels,
                                    audio_channels=audio_channels, max_position_embeddings=2048, dropout=0.0,
                                    activation_function="gelu", pad_token_id=CODEBOOK_SIZE,
                                    bos_token_id=CODEBOOK_SIZE, decoder_start_token_id=CODEBOOK_SIZE)
    return text, audio, decoder


def tiny_model(*, seed: int = 0, audio_channels: int = 1) -> Any:
    """A tiny random ``MusicgenForConditionalGeneration`` (fp32, eval mode, seeded: the same weights every call).

    The decoder's weights are scaled up (``std`` 0.5 instead of 0.02, the LM heads 0.1) so that the prompt
    visibly steers the codes while sampling still spreads over many codes (a different seed, other codes).
    """
    import torch
    from transformers import GenerationConfig, MusicgenConfig, MusicgenForConditionalGeneration

    text, audio, decoder = tiny_configs(audio_channels=audio_channels)
    config = MusicgenConfig(text_encoder=text.to_dict(), audio_encoder=audio.to_dict(), decoder=decoder.to_dict())
    torch.manual_seed(seed)
    model = MusicgenForConditionalGeneration(config).eval()
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.decoder.named_parameters():
            if p.dim() == 2 and "embed_positions" not in name:
                p.copy_(torch.randn(p.shape, generator=gen) * (0.1 if name.startswith("lm_heads") else 0.5))
    random_codebooks(model, seed=seed)
    model.generation_config = GenerationConfig(
        do_sample=True, guidance_scale=3.0, max_length=1500, top_k=250, bos_token_id=CODEBOOK_SIZE,
        pad_token_id=CODEBOOK_SIZE, decoder_start_token_id=CODEBOOK_SIZE)
    return model


def random_codebooks(model: Any, *, seed: int = 0) -> Any:
    """Fill EnCodec's codebooks (``quantizer.layers.*.codebook.embed``, buffers that a fresh model leaves at zero,
    so that every code would decode to the same audio) with unit Gaussian vectors. Returns ``model``."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in model.audio_encoder.quantizer.layers:
            embed = layer.codebook.embed
            embed.copy_(torch.randn(embed.shape, generator=gen).to(embed.device, embed.dtype))
    return model


def tiny_processor() -> Any:
    """``MusicgenProcessor`` = EnCodec feature extractor at the tiny rate + :func:`tiny_tokenizer`."""
    from transformers import EncodecFeatureExtractor, MusicgenProcessor

    features = EncodecFeatureExtractor(feature_size=1, sampling_rate=SAMPLING_RATE, padding_value=0.0)
    return MusicgenProcessor(feature_extractor=features, tokenizer=tiny_tokenizer())


def build_tiny_musicgen(folder: Path, *, seed: int = 0, audio_channels: int = 1) -> Path:
    """Save a tiny random MusicGen (model, generation config, processor, tokenizer) into ``folder``."""
    folder = Path(folder)
    tiny_model(seed=seed, audio_channels=audio_channels).save_pretrained(folder, safe_serialization=True)
    tiny_processor().save_pretrained(folder)
    return folder
