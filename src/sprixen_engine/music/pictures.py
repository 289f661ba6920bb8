"""Pictures of a track, to look at what cannot be listened to here: a log-frequency spectrogram and a
piano roll of the score (one colour per instrument group). Pillow only."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from .score import GROUPS, Score

GROUP_COLOURS = {"drums": (230, 90, 80), "bass": (90, 160, 240), "harmony": (120, 210, 130), "melody": (250, 210, 90)}


def spectrogram(samples: np.ndarray, sample_rate: int, *, width: int = 900, height: int = 240) -> Image.Image:
    """``samples`` float ``(channels, n)`` → an RGB image: time left→right, 30 Hz–16 kHz log-spaced bottom→top,
    level as brightness (−80…0 dB, magma-like ramp)."""
    mono = np.asarray(samples, np.float32).mean(axis=0)
    n_fft, hop = 2048, max(1, mono.size // width)
    frames = max(1, (mono.size - n_fft) // hop)
    idx = np.arange(n_fft)[None, :] + hop * np.arange(frames)[:, None]
    spec = np.abs(np.fft.rfft(mono[np.minimum(idx, mono.size - 1)] * np.hanning(n_fft), axis=1))
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    rows = np.geomspace(30.0, min(16000.0, sample_rate / 2), height)[::-1]
    bins = np.clip(np.searchsorted(freqs, rows), 0, len(freqs) - 1)
    db = 20 * np.log10(spec[:, bins].T + 1e-9)
    level = np.clip((db - db.max() + 80.0) / 80.0, 0.0, 1.0)
    ramp = np.stack([np.clip(1.6 * level, 0, 1), np.clip(1.6 * level - 0.5, 0, 1), np.clip(0.5 + level - 1.2 * level ** 2, 0, 1)],
                    axis=-1)
    image = Image.fromarray((ramp * 255).astype(np.uint8), "RGB")
    return image.resize((width, height), Image.Resampling.BILINEAR)


def piano_roll(score: Score, *, width: int = 900, height: int = 240) -> Image.Image:
    """The score's notes as bars (pitch bottom→top, time left→right), coloured by group; drums as ticks in
    the bottom strip; section boundaries as grey lines."""
    image = Image.new("RGB", (width, height), (24, 26, 32))
    draw = ImageDraw.Draw(image)
    tonal = [n.pitch for p in score.parts if not p.is_drums for n in p.notes] or [60]
    lo, hi = min(tonal) - 1, max(tonal) + 1
    roll_h = height - 24
    x = lambda beats: beats / score.total_beats * (width - 1)  # noqa: E731
    for s in score.sections:
        draw.line([(x(s.start), 0), (x(s.start), height)], fill=(70, 72, 80))
    for group in GROUPS:
        colour = GROUP_COLOURS[group]
        for part in (p for p in score.parts if p.group == group):
            for n in part.notes:
                if part.is_drums:
                    draw.line([(x(n.start), height - 20), (x(n.start), height - 4)], fill=colour)
                    continue
                y = roll_h - (n.pitch - lo) / (hi - lo) * roll_h
                draw.rectangle([x(n.start), y - 1, max(x(n.start) + 1, x(n.start + n.duration) - 1), y + 1], fill=colour)
    return image
