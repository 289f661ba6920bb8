"""Model-free audio analysis: tempo, key, loudness, true peak and loop-seam checks.

Used by the tests (the measured properties of a render) and by the "reference audio" feature
(:func:`analyse_reference` estimates an upload's tempo and key so the composer can follow them).

The measuring sticks are independent of the synthesiser's own kernels: tempo comes from librosa's
beat tracker, loudness from pyloudnorm (ITU-R BS.1770-4), true peak from scipy's polyphase
resampler. librosa and pyloudnorm are imported lazily, on first use.

Audio is float ``(channels, n)`` or ``(n,)`` with an explicit sample rate.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

__all__ = ["KEY_NAMES", "KeyEstimate", "ReferenceAnalysis", "analyse_reference", "estimate_key", "estimate_tempo",
           "integrated_loudness", "key_name", "loop_seam_score", "to_mono", "true_peak_db"]

KEY_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
#: Krumhansl & Kessler (1982) probe-tone profiles, tonic first
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
_ANALYSIS_RATE = 22050


class KeyEstimate(NamedTuple):
    """``(tonic, mode, correlation)``: tonic pitch class 0–11 (0 = C), ``"major"``/``"minor"``, Pearson r."""

    tonic: int
    mode: str
    correlation: float


class ReferenceAnalysis(NamedTuple):
    """What the composer can follow from a reference track."""

    bpm: float
    key_tonic: int
    mode: str
    key_correlation: float
    duration: float


def _import(name: str):
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ImportError(f"this analysis needs the `{name}` package: pip install {name}") from exc


def to_mono(samples: np.ndarray) -> np.ndarray:
    """``(n,)`` float32 average of the channels of ``(channels, n)`` (or a copy of ``(n,)``)."""
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 1:
        return x.copy()
    if x.ndim != 2 or x.shape[0] > 8:
        raise ValueError(f"`samples` must be (n,) or (channels <= 8, n); got shape {x.shape}")
    return x.mean(axis=0)


def _mono_at(samples: np.ndarray, sample_rate: int, rate: int = _ANALYSIS_RATE) -> np.ndarray:
    from ..core.dsp import resample

    y = to_mono(samples)
    if sample_rate != rate:
        y = resample(y, sample_rate, rate).astype(np.float32)
    return y


def estimate_tempo(samples: np.ndarray, sample_rate: int, *, start_bpm: float = 120.0) -> float:
    """Tempo in BPM from librosa's beat tracker (onset strength + dynamic programming).

    Like any tracker it may answer half or double the notated tempo; compare with ×0.5 and ×2.
    """
    librosa = _import("librosa")
    y = _mono_at(samples, sample_rate)
    tempo, _ = librosa.beat.beat_track(y=y, sr=_ANALYSIS_RATE, start_bpm=start_bpm)
    return float(np.atleast_1d(tempo)[0])


def chroma_profile(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """``(12,)`` mean constant-Q chroma (C first) of the audio, from librosa."""
    librosa = _import("librosa")
    y = _mono_at(samples, sample_rate)
    chroma = librosa.feature.chroma_cqt(y=y, sr=_ANALYSIS_RATE, hop_length=2048)
    return chroma.mean(axis=1)


def estimate_key(samples: np.ndarray, sample_rate: int) -> KeyEstimate:
    """Krumhansl–Kessler key estimate: the major or minor profile, rotated to each of the 12 tonics,
    that correlates best with the track's mean chroma. Relative keys (A minor / C major) are close
    calls by nature; compare with the relative key too.
    """
    return key_from_chroma(chroma_profile(samples, sample_rate))


def key_from_chroma(chroma: np.ndarray) -> KeyEstimate:
    """The best of the 24 rotated Krumhansl–Kessler profiles for a ``(12,)`` chroma vector."""
    c = np.asarray(chroma, np.float64)
    if c.shape != (12,):
        raise ValueError(f"`chroma` must have shape (12,); got {c.shape}")
    best = KeyEstimate(0, "major", -2.0)
    if np.allclose(c, c[0]):
        return KeyEstimate(0, "major", 0.0)
    for mode, profile in (("major", KK_MAJOR), ("minor", KK_MINOR)):
        for tonic in range(12):
            r = float(np.corrcoef(c, np.roll(profile, tonic))[0, 1])
            if r > best.correlation:
                best = KeyEstimate(tonic, mode, r)
    return best


def key_name(tonic: int, mode: str) -> str:
    """``"A minor"`` for ``(9, "minor")``."""
    return f"{KEY_NAMES[tonic % 12]} {mode}"


def integrated_loudness(samples: np.ndarray, sample_rate: int) -> float:
    """ITU-R BS.1770-4 integrated loudness in LUFS, measured by pyloudnorm (K-weighting, gated)."""
    pyln = _import("pyloudnorm")
    x = np.asarray(samples, np.float64)
    data = x.T if x.ndim == 2 else x
    return float(pyln.Meter(int(sample_rate)).integrated_loudness(data))


def true_peak_db(samples: np.ndarray, sample_rate: int | None = None, *, circular: bool = False) -> float:
    """True peak in dBTP: the largest absolute value of the 4× oversampled signal (scipy ``resample_poly``).

    ``circular`` measures a loop as it plays back to back (the interpolator wraps around the seam);
    otherwise the signal is taken as surrounded by silence. ``sample_rate`` is accepted for symmetry.
    """
    from scipy.signal import resample_poly

    x = np.asarray(samples, np.float64)
    x = x[None, :] if x.ndim == 1 else x
    pad = min(64, x.shape[1])
    if circular:
        x = np.concatenate([x[:, -pad:], x, x[:, :pad]], axis=1)
    up = resample_poly(x, 4, 1, axis=1)
    if circular:
        up = up[:, 4 * pad: up.shape[1] - 4 * pad]
    peak = float(np.abs(up).max()) if up.size else 0.0
    return 20.0 * math.log10(peak) if peak > 0 else float("-inf")


def _band_levels_db(x: np.ndarray, frame: int, hop: int, sample_rate: int) -> np.ndarray:
    """``(frames, bands)`` levels in dB of third-octave bands (50 Hz – 16 kHz) of Hann-windowed frames."""
    count = 1 + (x.shape[0] - frame) // hop
    idx = np.arange(frame)[None, :] + hop * np.arange(count)[:, None]
    power = np.abs(np.fft.rfft(x[idx] * np.hanning(frame), axis=1)) ** 2
    freqs = np.fft.rfftfreq(frame, 1.0 / sample_rate)
    edges = 50.0 * 2.0 ** (np.arange(0, 29) / 3.0)
    edges = edges[edges < min(16000.0, 0.5 * sample_rate)]
    band = np.digitize(freqs, edges) - 1
    valid = (band >= 0) & (band < edges.size - 1)
    levels = np.zeros((count, edges.size - 1))
    for b in range(edges.size - 1):
        sel = valid & (band == b)
        if sel.any():
            levels[:, b] = power[:, sel].sum(axis=1)
    db = 10.0 * np.log10(levels + 1e-12)
    return np.maximum(db, db.max() - 80.0)


def loop_seam_score(samples: np.ndarray, sample_rate: int) -> float:
    """How much the wrap-around from the last sample to the first stands out; below 1 is seamless.

    The file is treated as a loop and judged against itself — two measures, each the value at the
    seam divided by the largest value found anywhere else in the file, the score being the larger:

    * **click** — the sample step ``|x[0] - x[-1]|`` (largest over channels), against the 99.9th
      percentile of the steps inside the file;
    * **spectral drop** — the level fall (dB, averaged over third-octave bands from 50 Hz to 16 kHz,
      rises counting 0) from the 46 ms frame just before the seam to the one just after it, against
      the largest such fall elsewhere. This catches pads and reverb tails that stop dead at the
      seam; onsets raise levels, so a downbeat or crash at the loop start does not count.

    A file whose end flows into its start scores like any other point of itself (well below 1); a
    cut through sustained notes scores above 1.
    """
    x = np.asarray(samples, np.float64)
    x = x[None, :] if x.ndim == 1 else x
    n = x.shape[1]
    frame = 2048 * max(1, round(sample_rate / 44100))
    if n < 8 * frame:
        raise ValueError(f"`samples` must be at least {8 * frame} samples long to judge a loop seam; got {n}")
    half = n // 2
    rolled = np.roll(x, half, axis=1)  # the seam now sits between half - 1 and half

    steps = np.abs(np.diff(rolled, axis=1)).max(axis=0)  # steps[i] = |x[i + 1] - x[i]|
    seam_step = steps[half - 1]
    inner = np.delete(steps, np.arange(half - 4, half + 3))
    click = seam_step / (float(np.percentile(inner, 99.9)) + 1e-12)

    hop = frame // 4
    db = _band_levels_db(rolled.mean(axis=0), frame, hop, sample_rate)
    fall = np.maximum(db[:-4] - db[4:], 0.0).mean(axis=1)  # frame k ends where frame k + 4 starts
    boundary = (np.arange(fall.shape[0]) + 4) * hop
    seam = int(np.argmin(np.abs(boundary - half)))
    far = np.abs(boundary - half) > frame
    drop = float(fall[seam]) / (float(fall[far].max()) + 1e-9)
    return float(max(click, drop))


def analyse_reference(samples: np.ndarray, sample_rate: int) -> ReferenceAnalysis:
    """Tempo and key of a reference track, for the composer to follow.

    The tempo is folded into 70–180 BPM (trackers often report half or double time).
    """
    bpm = estimate_tempo(samples, sample_rate)
    while bpm > 0 and bpm < 70.0:
        bpm *= 2.0
    while bpm > 180.0:
        bpm /= 2.0
    key = estimate_key(samples, sample_rate)
    n = np.asarray(samples).shape[-1]
    return ReferenceAnalysis(bpm=round(bpm, 2), key_tonic=key.tonic, mode=key.mode,
                             key_correlation=round(key.correlation, 4), duration=n / sample_rate)
