"""Audio files: FLAC/WAV writing and reading with soundfile (libsndfile).

Samples are float ``(channels, n)`` in the engine; files hold 16- or 24-bit PCM. Quantisation is done
here, not by libsndfile: round-to-nearest of ``x * (2**(bits-1) - 1)``, clipped, no dither — so the
same samples always give the same bytes (FLAC stores no timestamps; its header carries the MD5 of
the audio).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

__all__ = ["BIT_DEPTHS", "encode_audio", "quantize", "read_audio", "write_audio", "write_stems"]

#: PCM bit depths the writers accept
BIT_DEPTHS = (16, 24)
_FORMATS = {"flac": "FLAC", "wav": "WAV"}


def _soundfile():
    try:
        import soundfile
    except ImportError as exc:  # pragma: no cover - soundfile is a dependency
        raise ImportError("writing audio needs the `soundfile` package: pip install soundfile") from exc
    return soundfile


def _check(samples: np.ndarray, sample_rate: int, bit_depth: int) -> np.ndarray:
    x = np.asarray(samples)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[0] > 8 or not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"`samples` must be float (channels <= 8, n) or (n,); got {x.dtype} {x.shape}")
    if bit_depth not in BIT_DEPTHS:
        raise ValueError(f"`bit_depth` must be one of {BIT_DEPTHS}; got {bit_depth!r}")
    if not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0:
        raise ValueError(f"`sample_rate` must be a positive integer; got {sample_rate!r}")
    return x


def quantize(samples: np.ndarray, bit_depth: int = 16) -> np.ndarray:
    """Float ``(channels, n)`` in [-1, 1] → interleaved ``(n, channels)`` PCM for soundfile.

    16-bit gives int16; 24-bit gives int32 holding the 24-bit value in its top three bytes (what
    libsndfile expects for ``PCM_24``). Values beyond full scale are clipped.
    """
    x = _check(samples, 1, bit_depth)
    full = float(2 ** (bit_depth - 1) - 1)
    q = np.clip(np.rint(x.astype(np.float64) * full), -full - 1.0, full)
    if bit_depth == 16:
        return np.ascontiguousarray(q.T.astype(np.int16))
    return np.ascontiguousarray(q.T.astype(np.int32) * 256)


def _format(path: Path, fmt: str | None) -> str:
    name = (fmt or path.suffix.lstrip(".")).lower()
    if name not in _FORMATS:
        raise ValueError(f"audio format must be one of {', '.join(_FORMATS)} (from `format` or the file suffix); "
                         f"got {name or path.name!r}")
    return name


def encode_audio(samples: np.ndarray, sample_rate: int, *, bit_depth: int = 16, format: str = "flac") -> bytes:
    """The bytes of a FLAC or WAV file holding ``samples`` (e.g. for an HTTP response)."""
    sf = _soundfile()
    x = _check(samples, sample_rate, bit_depth)
    fmt = _format(Path("x"), format)
    buf = io.BytesIO()
    sf.write(buf, quantize(x, bit_depth), int(sample_rate), subtype=f"PCM_{bit_depth}", format=_FORMATS[fmt])
    return buf.getvalue()


def write_audio(path: str | Path, samples: np.ndarray, sample_rate: int, *, bit_depth: int = 16,
                format: str | None = None) -> Path:
    """Write ``samples`` (float ``(channels, n)``) to ``path`` as FLAC or WAV (from ``format`` or the suffix).

    Returns the path. 16- or 24-bit PCM; the bytes depend only on the samples (see the module notes).
    """
    path = Path(path)
    data = encode_audio(samples, sample_rate, bit_depth=bit_depth, format=_format(path, format))
    path.write_bytes(data)
    return path


def write_stems(directory: str | Path, stems: dict[str, np.ndarray], sample_rate: int, *, name: str = "track",
                bit_depth: int = 16, format: str = "flac") -> dict[str, Path]:
    """Write one file per stem, ``{directory}/{name}_{group}.{format}``; returns ``{group: path}``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return {group: write_audio(directory / f"{name}_{group}.{format}", samples, sample_rate, bit_depth=bit_depth,
                               format=format)
            for group, samples in stems.items()}


def read_audio(source: str | Path | bytes, *, dtype: str = "float32") -> tuple[np.ndarray, int]:
    """Read an audio file (any format libsndfile knows: FLAC, WAV, OGG, MP3 with libsndfile ≥ 1.1).

    ``source`` is a path or the file's bytes. Returns ``(samples (channels, n), sample_rate)``; PCM is
    scaled to [-1, 1).
    """
    sf = _soundfile()
    handle = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else str(source)
    data, sr = sf.read(handle, dtype=dtype, always_2d=True)
    return np.ascontiguousarray(data.T), int(sr)
