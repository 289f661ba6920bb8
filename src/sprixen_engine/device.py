"""Device policy: one object decides cuda/cpu, dtype and batch size for model backends.

Nothing here imports torch at module import; :meth:`DevicePolicy.detect` looks for it
only when a model backend asks.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Literal

from .errors import invalid


@dataclass(frozen=True)
class DevicePolicy:
    """Where and how model backends run.

    Attributes
    ----------
    device : ``"cuda"`` or ``"cpu"``.
    dtype : ``"fp16"``, ``"bf16"`` or ``"fp32"`` (always fp32 on the CPU).
    max_batch : the most images one model call may generate at once.
    reason : why this device was chosen (recorded in metadata).
    """

    device: Literal["cuda", "cpu"] = "cpu"
    dtype: Literal["fp16", "bf16", "fp32"] = "fp32"
    max_batch: int = 1
    reason: str = "default"

    @classmethod
    def detect(cls, prefer: str = "auto", *, cuda_dtype: str = "fp16") -> DevicePolicy:
        """Pick a device. ``prefer`` is ``auto`` | ``cpu`` | ``cuda``.

        ``auto`` uses CUDA when torch is installed and sees a GPU, else the CPU.
        ``cuda`` without a usable GPU raises ``InvalidRequest`` naming ``device``.
        """
        if prefer not in ("auto", "cpu", "cuda"):
            raise invalid("device", "must be one of 'auto', 'cpu', 'cuda'", prefer)
        if prefer == "cpu":
            return cls("cpu", "fp32", 1, "requested cpu")
        if importlib.util.find_spec("torch") is None:
            if prefer == "cuda":
                raise invalid("device", "cuda needs torch with CUDA (pip install 'sprixen-engine[models]')",
                              prefer)
            return cls("cpu", "fp32", 1, "torch not installed")
        import torch

        if not torch.cuda.is_available():
            if prefer == "cuda":
                raise invalid("device", "no CUDA device is visible to torch", prefer)
            return cls("cpu", "fp32", 1, "no CUDA device")
        total_gib = torch.cuda.get_device_properties(0).total_memory / 2**30
        dtype = cuda_dtype
        if dtype == "bf16" and not torch.cuda.is_bf16_supported():
            dtype = "fp16"
        batch = 8 if total_gib >= 40 else 4 if total_gib >= 16 else 1
        return cls("cuda", dtype, batch, f"{torch.cuda.get_device_name(0)}, {total_gib:.0f} GiB")  # type: ignore[arg-type]
