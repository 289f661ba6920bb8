"""RMBG-2.0 matting backend: BRIA's BiRefNet-based background remover, through onnxruntime or torch.

The model (``briaai/RMBG-2.0``, **non-commercial licence**) is never downloaded: place its ONNX
export under ``weights/rmbg-2.0-onnx/`` (fp32) or ``weights/rmbg-2.0-onnx-fp16/`` (fp16), or the
hub folder with the safetensors weights and the BiRefNet model code (``config.json``,
``BiRefNet_config.py``, ``birefnet.py``, ``model.safetensors``) under ``weights/rmbg-2.0/``, or
anywhere the weights registry looks (see :mod:`sprixen_engine.backends.weights`).

Two runtimes share the pre- and post-processing below; only step 2 differs:

- ``onnx``: onnxruntime on the exported graph (the default, preferred when an export is present);
- ``torch``: ``AutoModelForImageSegmentation.from_pretrained(folder, trust_remote_code=True,
  local_files_only=True)`` runs the model code shipped in the folder, ``model(x)[-1]`` is the
  logit map (fp16 on CUDA, fp32 on the CPU). The model code needs its own packages (BiRefNet
  imports ``timm``, ``kornia`` and ``torchvision``); :func:`missing_packages` lists the absent ones.

Pipeline (per the model card, then the engine's own refinement):

1. *Pre-process*: RGB, bilinear resize to the model's input size (1024x1024 for RMBG-2.0; read
   from the graph), ``[0, 1]`` floats, ImageNet normalisation (mean ``0.485, 0.456, 0.406``,
   std ``0.229, 0.224, 0.225``), NCHW, in the input's dtype (float16 for fp16 exports).
2. *Infer*: one ``InferenceSession`` (CUDA then CPU provider when onnxruntime has CUDA, else
   CPU), several images per call when the graph's batch axis is dynamic; or the torch model, up
   to ``batch_size`` images per call.
3. *Activation*: the model card applies ``sigmoid`` to the last output (logits); some exports
   bake it in. onnxruntime does not expose the graph, so the backend decides from values: an
   output with any value outside ``[0, 1]`` is logits (and the backend remembers it for the
   session); an output entirely within ``[0, 1]`` is taken as probabilities. (A real logit map
   never lies entirely in ``[0, 1]``: it would mean every pixel is 50-73 % foreground.) Pass
   ``activation="sigmoid"`` or ``"none"`` to force either. The torch runtime follows the model
   card: ``auto`` means ``sigmoid``.
4. *Post-process*: the ``(h, w)`` probability map is resized back to the image (bilinear, in
   float), multiplied with any alpha the input already had, edge colours are decontaminated
   with blur-fusion foreground estimation (Forte & Germer, "Approximate Fast Foreground Colour
   Estimation", ICIP 2021), then the classic kernel's cut-out path
   (:func:`sprixen_engine.core.matting.remove_background` on already transparent input) clears
   alpha below 16, drops specks smaller than ``KEEP_PART`` of the largest part, removes a ground
   shadow or pedestal for ``no_base`` and thresholds ``hard`` alpha at 0.5.
"""

from __future__ import annotations

import ast
import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..errors import ModelUnavailable, invalid

if TYPE_CHECKING:
    from ..device import DevicePolicy

MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)
DEFAULT_SIDE = 1024
FP32_ID = "rmbg-2.0-onnx"
FP16_ID = "rmbg-2.0-onnx-fp16"
TORCH_ID = "rmbg-2.0"
RUNTIMES = ("onnx", "torch")
_DEFAULT_FILES = {FP32_ID: ("onnx/model.onnx",), FP16_ID: ("onnx/model_fp16.onnx",),
                  TORCH_ID: ("config.json", "BiRefNet_config.py", "birefnet.py", "model.safetensors")}
_CUDA = "CUDAExecutionProvider"
_CPU = "CPUExecutionProvider"


class RMBGMatting:
    """:class:`~sprixen_engine.backends.base.MattingBackend` running RMBG-2.0 from an ONNX file or
    from the safetensors weights with their model code (torch).

    Parameters
    ----------
    model_path : Path
        ONNX: the ``.onnx`` file, or a folder holding it (``model_fp16.onnx`` is preferred there
        for ``precision="fp16"``, ``model.onnx`` for fp32, else the only ``*.onnx`` found).
        Torch: the folder with ``config.json`` (its ``auto_map`` names the model code),
        the model code files and ``model.safetensors``.
    device : DevicePolicy or None, optional
        ``device="cpu"`` keeps the model on the CPU; otherwise CUDA is used when the runtime
        offers it (onnxruntime's CUDA provider; ``torch.cuda``). ``threads`` (if the policy has
        it) sets onnxruntime's intra-op threads, clamped to 1..cpu count; without it onnxruntime
        uses all cores. ``max_batch`` bounds images per call.
    precision : ``"fp32"``, ``"fp16"`` or None
        ONNX: which export the file is (recorded in :attr:`info`; ``None`` is fp32); the input
        tensor's dtype is read from the graph either way. Torch: ``None`` or ``"fp16"`` runs in
        fp16 on CUDA, ``"fp32"`` in fp32; the CPU always runs fp32.
    activation : ``"auto"``, ``"sigmoid"`` or ``"none"``
        How to turn the output into probabilities (module notes, step 3).
    batch_size : int or None
        Images per inference call; ``None`` takes ``device.max_batch`` (1 without a policy).
        Forced to 1 when the ONNX graph's batch axis is fixed at 1.
    runtime : ``"onnx"``, ``"torch"`` or None
        ``None`` picks ``onnx`` for an ``.onnx`` file or a folder holding one, else ``torch``
        for a folder with ``config.json``.

    Raises
    ------
    ModelUnavailable
        When ``model_path`` holds no model for the runtime, or the runtime is not installed.
    InvalidRequest
        Naming ``precision``, ``activation``, ``batch_size`` or ``runtime``.
    """

    name = "rmbg"

    def __init__(
        self,
        model_path: Path | str,
        *,
        device: DevicePolicy | None = None,
        precision: Literal["fp32", "fp16"] | None = None,
        activation: Literal["auto", "sigmoid", "none"] = "auto",
        batch_size: int | None = None,
        runtime: Literal["onnx", "torch"] | None = None,
    ) -> None:
        if precision not in (None, "fp32", "fp16"):
            raise invalid("precision", "must be 'fp32', 'fp16' or null", precision)
        if activation not in ("auto", "sigmoid", "none"):
            raise invalid("activation", "must be 'auto', 'sigmoid' or 'none'", activation)
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                       or batch_size < 1):
            raise invalid("batch_size", "must be a positive integer or null", batch_size)
        if runtime not in (None, *RUNTIMES):
            raise invalid("runtime", "must be 'onnx', 'torch' or null", runtime)
        self.runtime = runtime or _runtime_of(Path(model_path))
        if self.runtime == "onnx":
            self.model_path = _onnx_file(Path(model_path), precision or "fp32")
            self.precision = precision or "fp32"
        else:
            self.model_path = _torch_folder(Path(model_path))
            self.precision = precision or "fp16"  # on CUDA; the CPU runs fp32 (set when the model loads)
            activation = "sigmoid" if activation == "auto" else activation  # the model card's sigmoid
        self.device = device
        self.activation = activation
        self._batch = batch_size or (device.max_batch if device is not None else 1)
        self._session: Any = None
        self._model: Any = None
        self.requested_providers: list[str] = []
        self.fallback_reason: str | None = None

    # -- registry ------------------------------------------------------------------------------

    @classmethod
    def from_registry(
        cls, registry: Any, *, device: DevicePolicy | None = None, prefer_fp16: bool | None = None
    ) -> RMBGMatting:
        """The backend on the best RMBG-2.0 copy the weights ``registry`` finds.

        ONNX first: ``prefer_fp16=None`` prefers ``rmbg-2.0-onnx-fp16`` when the model will run
        on CUDA (onnxruntime has the CUDA provider and ``device`` is not the CPU), else
        ``rmbg-2.0-onnx``; the other export is the fallback (fp16 on the CPU works, slower).
        Then ``rmbg-2.0`` (safetensors + model code) on the torch runtime; it comes first when
        onnxruntime is missing, or when ``device`` is CUDA and onnxruntime cannot use it, and
        last when its model code imports packages that are not installed.
        ``registry`` needs ``locate(id) -> Path | None`` and, for file names in messages,
        ``spec(id).files``.

        Raises
        ------
        ModelUnavailable
            No copy is present; the message names the ids, their files and where to put them.
        """
        fp16 = _cuda_wanted(device) if prefer_fp16 is None else bool(prefer_fp16)
        onnx_ids = (FP16_ID, FP32_ID) if fp16 else (FP32_ID, FP16_ID)
        torch_first = not _installed("onnxruntime") or (device is not None and device.device == "cuda"
                                                         and not _cuda_wanted(device))
        order = (TORCH_ID, *onnx_ids) if torch_first else (*onnx_ids, TORCH_ID)
        unrunnable = None
        for model_id in order:
            found = registry.locate(model_id)
            if found is None:
                continue
            if model_id == TORCH_ID:
                if missing_packages(found):  # model code this machine cannot import: an ONNX export may do
                    unrunnable = found
                    continue
                return cls(found, device=device, runtime="torch")
            precision = "fp16" if model_id == FP16_ID else "fp32"
            path = Path(found)
            if path.is_dir():
                files = [f for f in _spec_files(registry, model_id) if f.endswith(".onnx")]
                path = next((path / f for f in files if (path / f).is_file()), path)
            return cls(path, device=device, precision=precision)
        if unrunnable is not None:  # its first use says which packages are missing
            return cls(unrunnable, device=device, runtime="torch")
        wanted = "; or ".join(
            f"{' + '.join(_spec_files(registry, i))} in weights/{i}/, $SPRIXEN_WEIGHTS/{i}/ or "
            f"[weights.paths] \"{i}\" in configs/engine.toml"
            for i in order
        )
        message = (
            f"RMBG-2.0 weights are missing ({', '.join(order)}): place {wanted}. "
            "They come from briaai/RMBG-2.0 (non-commercial licence) and are never downloaded."
        )
        details = getattr(registry, "missing_message", None)  # the registry's places searched
        if callable(details):
            message += "".join(f" [{i}] {details(i)}" for i in order)
        raise ModelUnavailable(message)

    # -- session -------------------------------------------------------------------------------

    @property
    def session(self) -> Any:
        """The onnxruntime ``InferenceSession``, created on first use."""
        if self._session is None:
            try:
                import onnxruntime as ort
            except ImportError:
                raise ModelUnavailable(
                    "rmbg: onnxruntime is not installed (pip install 'sprixen-engine[models]', "
                    "or onnxruntime-gpu for CUDA)"
                ) from None
            options = ort.SessionOptions()
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            threads = getattr(self.device, "threads", None)
            if threads:
                options.intra_op_num_threads = int(np.clip(threads, 1, os.cpu_count() or 1))
            self.requested_providers = [_CUDA, _CPU] if _cuda_wanted(self.device) else [_CPU]
            try:
                self._session = ort.InferenceSession(
                    str(self.model_path), sess_options=options, providers=self.requested_providers
                )
            except Exception as exc:  # e.g. onnxruntime-gpu without loadable CUDA libraries
                if self.requested_providers == [_CPU]:
                    raise ModelUnavailable(f"rmbg: onnxruntime cannot load {self.model_path}: {exc}") from exc
                self.fallback_reason = f"CUDA provider failed ({type(exc).__name__}: {exc}); running on the CPU"
                self.requested_providers = [_CPU]
                self._session = ort.InferenceSession(str(self.model_path), sess_options=options, providers=[_CPU])
        return self._session

    @property
    def model(self) -> Any:
        """The torch model (torch runtime), loaded from local files on first use."""
        if self._model is None:
            self._model = self._load_torch()
        return self._model

    def _load_torch(self) -> Any:
        if not (_installed("torch") and _installed("transformers")):
            raise ModelUnavailable("rmbg: the torch runtime needs torch and transformers "
                                   "(pip install 'sprixen-engine[models]')")
        missing = missing_packages(self.model_path)
        if missing:
            raise ModelUnavailable(f"rmbg: the RMBG-2.0 model code in {self.model_path} imports packages that are "
                                   f"not installed: {', '.join(missing)} (pip install {' '.join(missing)}), or "
                                   f"use an ONNX export ({FP32_ID} / {FP16_ID})")
        import torch
        from transformers import AutoModelForImageSegmentation

        on_cuda = (self.device is None or self.device.device == "cuda") and torch.cuda.is_available()
        if self.device is not None and self.device.device == "cuda" and not on_cuda:
            self.fallback_reason = "torch sees no CUDA device; running on the CPU"
        if not on_cuda:
            self.precision = "fp32"
        try:
            model = AutoModelForImageSegmentation.from_pretrained(
                str(self.model_path), trust_remote_code=True, local_files_only=True)
        except Exception as exc:  # the folder's own model code may fail in any way
            raise ModelUnavailable(
                f"rmbg: RMBG-2.0 at {self.model_path} could not be loaded ({type(exc).__name__}: {exc}); the folder "
                f"must hold {', '.join(_DEFAULT_FILES[TORCH_ID])} from briaai/RMBG-2.0 (non-commercial licence)"
            ) from exc
        dtype = torch.float16 if self.precision == "fp16" else torch.float32
        self.requested_providers = ["torch:cuda" if on_cuda else "torch:cpu"]
        return model.to(device="cuda" if on_cuda else "cpu", dtype=dtype).eval()

    @property
    def providers(self) -> list[str]:
        """Where the model runs: onnxruntime's execution providers (CUDA first when it got it),
        or ``["torch:cuda"]`` / ``["torch:cpu"]``."""
        if self.runtime == "torch":
            _ = self.model
            return list(self.requested_providers)
        return list(self.session.get_providers())

    @property
    def input_size(self) -> tuple[int, int]:
        """``(h, w)`` the model takes (from the ONNX graph; 1024x1024 when its axes are symbolic,
        and for the torch runtime)."""
        if self.runtime == "torch":
            return (DEFAULT_SIDE, DEFAULT_SIDE)
        shape = self.session.get_inputs()[0].shape
        h, w = (shape[2], shape[3]) if len(shape) == 4 else (None, None)
        return (h if isinstance(h, int) and h > 0 else DEFAULT_SIDE, w if isinstance(w, int) and w > 0 else DEFAULT_SIDE)

    @property
    def info(self) -> dict[str, object]:
        """What ran, for result metadata."""
        providers = self.providers  # loads the model, which settles the torch runtime's precision
        return {
            "backend": self.name,
            "runtime": self.runtime,
            "model": self.model_path.name,
            "precision": self.precision,
            "providers": providers,
            "activation": self.activation,
            "batch_size": self._batch_size(),
            **({"fallback": self.fallback_reason} if self.fallback_reason else {}),
        }

    def _batch_size(self) -> int:
        if self.runtime == "torch":
            return self._batch
        batch = self.session.get_inputs()[0].shape[0]
        return batch if isinstance(batch, int) and batch > 0 else self._batch

    # -- matting -------------------------------------------------------------------------------

    def remove(self, rgba: np.ndarray, *, hard: bool | None = None, no_base: bool = False) -> np.ndarray:
        """``(H, W, 3 | 4)`` uint8 in, ``(H, W, 4)`` uint8 out with the background transparent.

        ``hard=True`` gives 0/255 alpha (threshold 0.5), ``False`` soft alpha; ``None`` picks
        hard for pixel-art sizes (at most 64 px a side). ``no_base`` also removes a ground
        shadow or pedestal (see :func:`sprixen_engine.core.matting.remove_background`).
        """
        return self.remove_batch([rgba], hard=hard, no_base=no_base)[0]

    def remove_batch(
        self, images: Sequence[np.ndarray], *, hard: bool | None = None, no_base: bool = False
    ) -> list[np.ndarray]:
        """:meth:`remove` for several images, ``batch_size`` of them per inference call."""
        from ..core.image import as_rgba

        # 1. check inputs
        if hard is not None and not isinstance(hard, (bool, np.bool_)):
            raise invalid("hard", "must be true, false or null", hard)
        if not isinstance(no_base, (bool, np.bool_)):
            raise invalid("no_base", "must be true or false", no_base)
        if isinstance(images, np.ndarray) and images.ndim == 3:
            raise invalid("images", "must be a list of images (use remove() for one)", images.shape)
        rgbas = [as_rgba(image, field=f"images[{i}]") for i, image in enumerate(images)]

        # 2. infer, batch by batch
        batch = self._batch_size()
        probs: list[np.ndarray] = []
        for start in range(0, len(rgbas), batch):
            probs.extend(self.predict(rgbas[start : start + batch]))

        # 3. refine each mask into alpha at the image's size
        return [_refine(rgba, prob, hard=hard, no_base=no_base) for rgba, prob in zip(rgbas, probs)]

    def predict(self, rgbas: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Foreground probabilities, ``(H, W)`` float32 in ``[0, 1]`` per ``(H, W, 4)`` uint8 image,
        from one inference call (no refinement)."""
        x = preprocess(rgbas, self.input_size)
        out = self._infer_torch(x) if self.runtime == "torch" else self._infer_onnx(x)
        if out.ndim == 3:
            out = out[:, None]
        if out.ndim != 4 or out.shape[0] != len(rgbas):
            raise ModelUnavailable(
                f"rmbg: {self.model_path.name} gave an output of shape {out.shape}; expected (N, 1, H, W) "
                "(is it an RMBG-2.0 export?)"
            )
        out = out[:, 0]
        if self.activation == "auto" and (out.min() < 0 or out.max() > 1):
            self.activation = "sigmoid"  # logits once, logits always
        if self.activation == "sigmoid":
            out = 1 / (1 + np.exp(-np.clip(out, -60, 60)))
        return [_resize_float(np.clip(o, 0, 1), rgba.shape[:2]) for o, rgba in zip(out, rgbas)]

    def _infer_onnx(self, x: np.ndarray) -> np.ndarray:
        """``(N, 3, h, w)`` float32 input → the mask output as float32 (``(N, 1, h, w)`` or ``(N, h, w)``)."""
        session = self.session
        inp = session.get_inputs()[0]
        if "float16" in inp.type:
            x = x.astype(np.float16)
        return np.asarray(session.run([_output_name(session)], {inp.name: x})[0], np.float32)

    def _infer_torch(self, x: np.ndarray) -> np.ndarray:
        """``(N, 3, h, w)`` float32 input → ``model(x)[-1]`` (the finest logit map) as float32."""
        import torch

        model = self.model
        param = next(model.parameters())
        with torch.inference_mode():
            out = model(torch.from_numpy(x).to(device=param.device, dtype=param.dtype))
            if isinstance(out, list | tuple):
                out = out[-1]
            return out.float().cpu().numpy()


# -- pre/post-processing (pure functions) ------------------------------------------------------


def preprocess(rgbas: Sequence[np.ndarray], size: tuple[int, int] = (DEFAULT_SIDE, DEFAULT_SIDE)) -> np.ndarray:
    """``(N, 3, h, w)`` float32 model input from ``(H, W, 3 | 4)`` uint8 images.

    Per the RMBG-2.0 model card: RGB (alpha ignored), bilinear resize to ``size`` ``(h, w)``
    (PIL, antialiased when shrinking, as torchvision's ``Resize`` on a PIL image), ``/ 255``,
    ImageNet mean/std normalisation, channels first.
    """
    from PIL import Image

    h, w = size
    out = np.empty((len(rgbas), 3, h, w), np.float32)
    for i, rgba in enumerate(rgbas):
        rgb = np.ascontiguousarray(rgba[..., :3])
        if rgb.shape[:2] != (h, w):
            rgb = np.asarray(Image.fromarray(rgb).resize((w, h), Image.Resampling.BILINEAR))
        x = (rgb.astype(np.float32) / 255 - MEAN) / STD
        out[i] = x.transpose(2, 0, 1)
    return out


def foreground_colours(rgb: np.ndarray, alpha: np.ndarray, *, radius: int | None = None) -> np.ndarray:
    """Background-free colours ``(H, W, 3)`` float32 in ``[0, 1]`` for ``rgb`` (H, W, 3) uint8 and
    ``alpha`` (H, W) float in ``[0, 1]``: blur-fusion foreground estimation (Forte & Germer 2021).

    Two passes, a large blur (``radius``, default 90 px at 1024 px scaled with the image) and a
    6 px one, each ``F = F̄ + a (I - a F̄ - (1 - a) B̄)`` with ``F̄``, ``B̄`` alpha-weighted local
    means of the foreground and background. About 0.1 s at 1024x1024 on one CPU core.
    """
    import cv2

    image = rgb.astype(np.float32) / 255
    a2 = np.ascontiguousarray(alpha, np.float32)
    a = a2[..., None]
    r = radius or max(3, round(90 * max(alpha.shape) / 1024))
    fg, bg = image, image
    for k in (r, 6):
        blur_a = cv2.blur(a2, (k, k))[..., None]
        mean_f = cv2.blur(fg * a, (k, k)) / (blur_a + 1e-5)
        mean_b = cv2.blur(bg * (1 - a), (k, k)) / (1 - blur_a + 1e-5)
        fg = np.clip(mean_f + a * (image - a * mean_f - (1 - a) * mean_b), 0, 1)
        bg = mean_b
    return fg


def _refine(rgba: np.ndarray, prob: np.ndarray, *, hard: bool | None, no_base: bool) -> np.ndarray:
    """Cut-out ``(H, W, 4)`` uint8 from the image and its foreground probability ``(H, W)``."""
    from ..core.matting import PIXEL_ART_SIDE, remove_background

    if hard is None:
        hard = max(rgba.shape[:2]) <= PIXEL_ART_SIDE
    alpha = prob * (rgba[..., 3].astype(np.float32) / 255)
    out = rgba.copy()
    out[..., 3] = np.rint(alpha * 255).astype(np.uint8)
    if not hard:  # decontaminate the soft edge's colours
        edge = (out[..., 3] > 0) & (out[..., 3] < 255)
        if edge.any():
            fg = foreground_colours(rgba[..., :3], alpha)
            out[edge, :3] = np.rint(fg[edge] * 255).astype(np.uint8)
    # specks, no_base and the hard threshold: the classic kernel's path for cut-out input. A
    # 1 px transparent frame makes sure it takes that path even when the subject fills the frame.
    framed = np.pad(out, ((1, 1), (1, 1), (0, 0)))
    return np.ascontiguousarray(remove_background(framed, hard=hard, no_base=no_base)[1:-1, 1:-1])


def _resize_float(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Bilinear resize of a float mask to ``shape`` ``(h, w)`` (PIL "F" mode keeps the precision)."""
    from PIL import Image

    if mask.shape == tuple(shape):
        return mask.astype(np.float32)
    h, w = shape
    img = Image.fromarray(np.ascontiguousarray(mask, np.float32), mode="F")
    return np.clip(np.asarray(img.resize((w, h), Image.Resampling.BILINEAR), np.float32), 0, 1)


def _output_name(session: Any) -> str:
    """The mask output: the last one shaped ``(N, 1, h, w)``, else the last output."""
    outputs = session.get_outputs()
    masks = [o for o in outputs if len(o.shape) == 4 and o.shape[1] == 1]
    return (masks or outputs)[-1].name


def _onnx_file(path: Path, precision: str) -> Path:
    if path.is_file():
        return path
    if path.is_dir():
        preferred = ("model_fp16.onnx", "model.onnx") if precision == "fp16" else ("model.onnx", "model_fp16.onnx")
        for name in preferred:
            for candidate in (path / name, path / "onnx" / name):
                if candidate.is_file():
                    return candidate
        found = sorted(path.rglob("*.onnx"))
        if len(found) == 1:
            return found[0]
        if found:
            raise ModelUnavailable(
                f"rmbg: {path} holds several .onnx files ({', '.join(f.name for f in found)}); "
                "name the file to use"
            )
    raise ModelUnavailable(
        f"rmbg: no RMBG-2.0 ONNX model at {path}: place onnx/model.onnx (fp32) in weights/{FP32_ID}/ "
        f"or onnx/model_fp16.onnx in weights/{FP16_ID}/ (or $SPRIXEN_WEIGHTS/<id>/), from briaai/RMBG-2.0 "
        "(non-commercial licence)"
    )


def missing_packages(folder: Path | str) -> list[str]:
    """Top-level packages the model code (``*.py``) in ``folder`` imports that are not installed.

    Relative imports (the model's own files) are skipped; so are imports inside ``try`` blocks,
    which the code guards itself.
    """
    names: set[str] = set()
    for file in sorted(Path(folder).glob("*.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        guarded = {id(n) for t in ast.walk(tree) if isinstance(t, ast.Try) for b in t.body for n in ast.walk(b)}
        for node in ast.walk(tree):
            if id(node) in guarded:
                continue
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return sorted(n for n in names if not _installed(n))


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _runtime_of(path: Path) -> str:
    """``onnx`` for an ``.onnx`` file or a folder holding one; ``torch`` for a folder with only ``config.json``."""
    if path.is_dir() and (path / "config.json").is_file() and not any(path.rglob("*.onnx")):
        return "torch"
    return "onnx"


def _torch_folder(path: Path) -> Path:
    files = _DEFAULT_FILES[TORCH_ID]
    if not (path.is_dir() and (path / "config.json").is_file()):
        raise ModelUnavailable(
            f"rmbg: no RMBG-2.0 torch model at {path}: place {', '.join(files)} from briaai/RMBG-2.0 "
            f"(non-commercial licence) in weights/{TORCH_ID}/ (or $SPRIXEN_WEIGHTS/{TORCH_ID}/)")
    return path


def _spec_files(registry: Any, model_id: str) -> tuple[str, ...]:
    try:
        files = tuple(registry.spec(model_id).files)
    except Exception:  # a registry without the spec (or a stub): the usual file names
        files = ()
    return files or _DEFAULT_FILES[model_id]


def _cuda_wanted(device: DevicePolicy | None) -> bool:
    """Whether to ask onnxruntime for CUDA: it offers the provider and ``device`` is not the CPU."""
    if device is not None and device.device != "cuda":
        return False
    try:
        import onnxruntime as ort
    except ImportError:
        return False
    return _CUDA in ort.get_available_providers()
