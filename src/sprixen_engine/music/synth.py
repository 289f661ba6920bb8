"""The procedural synthesiser: plays a :class:`~.score.Score` into a stereo mix and per-group stems.

``render(score)`` runs in four stages:

1. **Voices** — group by group (drums, bass, harmony, melody), every part's notes are rendered by
   its voice (:mod:`.voices`) into a mono buffer, the voice's static EQ is applied once per part,
   then the part is scaled by ``part.gain``, constant-power panned by ``part.pan`` and added to the
   group's stereo bus. The same mono part, times the group's reverb send (:data:`REVERB_SENDS`),
   feeds the group's send bus.
2. **Reverb** — each group's send goes through the same stereo FDN reverb
   (:func:`~sprixen_engine.core.dsp.fdn_reverb`); the wet return belongs to that group's stem.
3. **Loop or cut** — with ``score.loop`` the render runs past the end by the longest note release
   and the reverb tail, and that tail is wrapped onto the start (circular overlap-add,
   :func:`~sprixen_engine.core.dsp.fold`): played back to back, the file is exactly the steady state
   of an endless render, so the seam is continuous in waveform and spectrum. Without a loop the
   render is cut at the end with a 30 ms fade.
4. **Master bus** — one gain brings the mix's integrated loudness (ITU-R BS.1770-4) to
   :data:`MASTER_LUFS`, then a look-ahead limiter gain curve keeps the true peak (4× oversampled) at
   or below :data:`TRUE_PEAK_DBTP`; gain and curve are re-solved together until the estimated
   loudness lands within 0.05 LU, then the output is measured exactly (and trimmed if it missed by
   more than 0.1 LU, never above the ceiling). The same gain and the same curve multiply every stem,
   so the stems sum to the mix (to float rounding). When the limiter has nothing to do (the usual
   case for -16 LUFS) the master is a single gain.

The audio is exactly ``round(score.duration * sample_rate)`` samples, float32 ``(2, n)``. Same score,
sample rate and seed give bit-identical output (no dither, no threads, no clocks).
"""

from __future__ import annotations

import bisect
import math
import secrets
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..core import dsp
from ..errors import InvalidRequest
from .score import GROUPS, Part, Score
from .theory import scale_pcs
from .voices import HAT_CHOKERS, OPEN_HAT, VOICES, Voice, drum_sample, midi_to_hz, voice_ids

__all__ = ["MASTER_LUFS", "master", "MAX_SECONDS", "REVERB_SENDS", "REVERB_T60", "TRUE_PEAK_DBTP", "RenderResult", "check_score", "render",
           "voice_ids"]

#: integrated loudness (LUFS, ITU-R BS.1770-4) every render is normalised to: the loud end of the AES
#: streaming recommendation (TD1008: -16 … -20) and Apple Music's level; Spotify/YouTube play at -14
MASTER_LUFS = -16.0
#: true-peak ceiling of the mix (dBTP, 4× oversampled); stems get the same gain curve, so they stay
#: under it too unless stems cancel each other in the mix (rare)
TRUE_PEAK_DBTP = -1.0
#: the limiter aims a little lower, so quantisation and interpolator differences never cross the ceiling
_LIMITER_DBTP = -1.2
_SAFE_DBTP = -1.1  # the final true peak, as our 12-tap interpolator sees it, never exceeds this
#: reverb send level per stem group (the wet return is added to the same group)
REVERB_SENDS: dict[str, float] = {"drums": 0.08, "bass": 0.0, "harmony": 0.35, "melody": 0.25}
#: reverb decay time (s to -60 dB) and its high-frequency damping
REVERB_T60 = 1.8
REVERB_DAMPING = 0.35
_END_FADE = 0.03  # s, fade at the cut end of a non-looping render
#: longest render accepted (peak memory is about 150 bytes per output sample: ~1.2 GB for 3 min, ~4 GB for 10)
MAX_SECONDS = 600.0
_MIN_RATE, _MAX_RATE = 8000, 192000


@dataclass
class RenderResult:
    """A rendered score.

    mix : float32 ``(2, n)``, the mastered stereo mix. stems : group → float32 ``(2, n)`` for every
    group in :data:`~.score.GROUPS` (silent groups are zeros); ``sum(stems.values()) == mix`` to
    float rounding. sample_rate : Hz. metadata : seed, loudness and peak measurements, master gain,
    limiter reduction, timings, voices used.
    """

    mix: np.ndarray
    stems: dict[str, np.ndarray]
    sample_rate: int
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.mix.shape[1] / self.sample_rate

    def save(self, directory: str | Path, *, name: str = "track", stems: bool = False, bit_depth: int = 16,
             format: str = "flac") -> dict[str, Path]:
        """Write ``{name}.flac`` (and ``{name}_{group}.flac`` per stem with ``stems=True``) into ``directory``.

        Returns ``{"mix": path, group: path, …}``. 16- or 24-bit PCM, deterministic bytes.
        """
        from .audio import write_audio, write_stems

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = {"mix": write_audio(directory / f"{name}.{format}", self.mix, self.sample_rate, bit_depth=bit_depth)}
        if stems:
            paths.update(write_stems(directory, self.stems, self.sample_rate, name=name, bit_depth=bit_depth,
                                     format=format))
        return paths


# ------------------------------------------------------------------------------------ 1. checks


def _voice(instrument: str, part_name: str) -> Voice:
    try:
        return VOICES[instrument]
    except KeyError:
        raise InvalidRequest(f"part {part_name!r}: unknown instrument {instrument!r}; allowed voice ids: "
                             f"{', '.join(voice_ids())}", field="instrument") from None


def check_score(score: Score, sample_rate: int = 44100) -> None:
    """Validate ``score`` for rendering; raises :class:`~sprixen_engine.errors.InvalidRequest` naming the problem."""
    if not isinstance(score, Score):
        raise TypeError(f"`score` must be a sprixen_engine.music.score.Score; got {type(score).__name__}")
    if not isinstance(sample_rate, (int, np.integer)) or not _MIN_RATE <= sample_rate <= _MAX_RATE:
        raise InvalidRequest(f"`sample_rate` must be an integer in [{_MIN_RATE}, {_MAX_RATE}]; got {sample_rate!r}",
                             field="sample_rate")
    if not (math.isfinite(score.bpm) and 10.0 <= score.bpm <= 400.0):
        raise InvalidRequest(f"`bpm` must be in [10, 400]; got {score.bpm}", field="bpm")
    if not (math.isfinite(score.total_beats) and score.total_beats > 0):
        raise InvalidRequest(f"`total_beats` must be positive; got {score.total_beats}", field="total_beats")
    if score.duration > MAX_SECONDS:
        raise InvalidRequest(f"the score must last at most {MAX_SECONDS:.0f} s; got {score.duration:.1f} s",
                             field="total_beats")
    names = set()
    for part in score.parts:
        _voice(part.instrument, part.name)
        if part.name in names:
            raise InvalidRequest(f"part names must be unique; {part.name!r} repeats", field="parts")
        names.add(part.name)
        if part.group not in GROUPS:
            raise InvalidRequest(f"part {part.name!r}: `group` must be one of {', '.join(GROUPS)}; got {part.group!r}",
                                 field="group")
        if not -1.0 <= part.pan <= 1.0:
            raise InvalidRequest(f"part {part.name!r}: `pan` must be in [-1, 1]; got {part.pan}", field="pan")
        if not (math.isfinite(part.gain) and 0.0 <= part.gain <= 16.0):
            raise InvalidRequest(f"part {part.name!r}: `gain` must be in [0, 16]; got {part.gain}", field="gain")
        for note in part.notes:
            if not (0 <= note.pitch <= 127 and 1 <= note.velocity <= 127 and note.start >= 0
                    and note.duration > 0 and math.isfinite(note.start) and math.isfinite(note.duration)):
                raise InvalidRequest(f"part {part.name!r}: bad note {note} (pitch 0-127, velocity 1-127, start >= 0, "
                                     "duration > 0)", field="notes")


# ------------------------------------------------------------------------------------ 2. voices


def _part_seed(seed: int, part: Part) -> np.random.Generator:
    """One generator per part, keyed by the part's name: adding a part never changes the others."""
    return np.random.default_rng([seed & 0xFFFFFFFF, zlib.crc32(part.name.encode("utf-8"))])


def _render_tonal(part: Part, voice: Voice, score: Score, sr: int, n: int, n_buf: int, seed: int) -> np.ndarray:
    rng = _part_seed(seed, part)
    buf = np.zeros(n_buf)
    assert voice.render is not None
    for note in sorted(part.notes, key=lambda nt: (nt.start, nt.pitch)):
        s0 = int(round(score.seconds(note.start) * sr))
        if s0 >= n:
            continue
        sig = voice.render(float(sr), midi_to_hz(note.pitch), score.seconds(note.duration), note.velocity / 127.0, rng)
        end = min(s0 + sig.shape[0], n_buf)
        buf[s0:end] += sig[: end - s0]
    if voice.post is not None:
        buf = voice.post(buf, float(sr))
    return buf * voice.level


def _drum_scale(score: Score) -> tuple[int, ...]:
    """The pitch classes the kits tune their pitched pieces to (tonic first)."""
    return scale_pcs(score.key_tonic, score.mode)


def _render_drums(part: Part, voice: Voice, score: Score, sr: int, n: int, n_buf: int, seed: int) -> np.ndarray:
    assert voice.kit is not None
    buf = np.zeros(n_buf)
    notes = sorted(part.notes, key=lambda nt: (nt.start, nt.pitch))
    chokes = sorted(int(round(score.seconds(nt.start) * sr)) for nt in notes if nt.pitch in HAT_CHOKERS)
    fade = max(2, int(0.005 * sr))
    for note in notes:
        s0 = int(round(score.seconds(note.start) * sr))
        if s0 >= n:
            continue
        sample = drum_sample(voice.kit, note.pitch, float(sr), seed, _drum_scale(score))
        amp = (note.velocity / 127.0) ** 1.5
        length = sample.shape[0]
        if note.pitch == OPEN_HAT:  # a closed or pedal hat chokes a ringing open hat
            k = bisect.bisect_right(chokes, s0)
            if k < len(chokes):
                length = min(length, max(chokes[k] - s0, fade))
        end = min(s0 + length, n_buf)
        seg = sample[: end - s0] * amp
        if length < sample.shape[0] and seg.shape[0] == length:
            seg[-fade:] *= np.linspace(1.0, 0.0, fade)
        buf[s0:end] += seg
    return buf * voice.level


def _overhang(score: Score, sr: int, n: int, seed: int) -> int:
    """Samples the notes ring past the end (release tails, drum decays)."""
    last = n
    for part in score.parts:
        voice = VOICES[part.instrument]
        for note in part.notes:
            s0 = int(round(score.seconds(note.start) * sr))
            if s0 >= n:
                continue
            if voice.is_drums:
                assert voice.kit is not None
                length = drum_sample(voice.kit, note.pitch, float(sr), seed, _drum_scale(score)).shape[0]
            else:
                length = int(round((score.seconds(note.duration) + voice.release) * sr)) + 2
            last = max(last, s0 + length)
    return last - n


# ------------------------------------------------------------------------------------ 4. master


def master(audio: np.ndarray, sample_rate: int, *, loop: bool = False) -> tuple[np.ndarray, dict]:
    """The master bus for audio made elsewhere (MusicGen): the same loudness target and true-peak ceiling
    as :func:`render`. ``audio`` float ``(channels, n)``; returns float32 ``(channels, n)`` and the measurements."""
    x = np.ascontiguousarray(audio, dtype=np.float32)
    curve, info = _master_gain(x, sample_rate, loop=loop, fade=None)
    return (x * curve).astype(np.float32), info


def _master_gain(mix: np.ndarray, sr: int, *, loop: bool, fade: np.ndarray | None) -> tuple[np.ndarray, dict]:
    """The master gain curve ``(n,)`` — loudness gain × limiter curve (× end fade) — and measurements.

    1. measure the mix's K-weighted power once; 2. solve gain and limiter curve together, the
    loudness of each candidate estimated from ``curve² × K-weighted power`` (the curve is smooth);
    3. if the limiter acted: a second limiter pass on the true-peak envelope of the actual output
    (heavy limiting moves inter-sample peaks), the exact loudness of the output, and a final trim if
    the estimate missed by more than 0.1 LU (never above the true-peak ceiling). Without limiting the
    curve is gain × fade and the estimates are the measurements.
    """
    n = mix.shape[1]
    base = np.ones(n) if fade is None else fade
    kpow = dsp.k_weighted_power(mix, sr)

    def loudness(curve: np.ndarray) -> float:
        p = dsp.block_powers(kpow * curve * curve, sr)
        if p.size:
            return dsp.gated_loudness(p)
        mean = float(np.mean(kpow * curve * curve))  # shorter than one 400 ms block: ungated mean
        return -0.691 + 10.0 * math.log10(mean) if mean > 0 else float("-inf")

    start = loudness(base)
    info: dict[str, Any] = {"input_lufs": start, "gain_db": 0.0, "limiter_max_reduction_db": 0.0}
    if not math.isfinite(start):
        return base.copy(), {**info, "lufs": float("-inf"), "peak": 0.0}
    env = dsp.true_peak_envelope(mix, circular=loop) * base
    limit = dsp.db_to_gain(_LIMITER_DBTP)
    gain = dsp.db_to_gain(MASTER_LUFS - start)
    for _ in range(8):
        limiter = dsp.limiter_gain(gain * env, limit, sr, circular=loop)
        reached = loudness(gain * limiter * base)
        if abs(reached - MASTER_LUFS) < 0.05:
            break
        gain *= dsp.db_to_gain(MASTER_LUFS - reached)
    curve = gain * limiter * base
    if limiter.min() == 1.0:  # no limiting: the output is gain × fade × mix, the estimates are exact
        info.update(gain_db=dsp.gain_to_db(gain), lufs=reached, peak=gain * float(env.max()))
        return curve, info
    out = mix * curve
    out_env = dsp.true_peak_envelope(out, circular=loop)
    if out_env.max() > dsp.db_to_gain(_LIMITER_DBTP + 0.1):
        fix = dsp.limiter_gain(out_env, limit, sr, circular=loop)
        limiter = limiter * fix
        curve = curve * fix
        out *= fix
        out_env = dsp.true_peak_envelope(out, circular=loop)
    peak = float(out_env.max())
    safe = dsp.db_to_gain(_SAFE_DBTP)
    lufs = _exact_lufs(out, sr)
    trim = dsp.db_to_gain(MASTER_LUFS - lufs) if abs(lufs - MASTER_LUFS) > 0.1 else 1.0
    trim = min(trim, safe / peak) if peak > 0 else trim
    if trim != 1.0:
        curve = curve * trim
        peak *= trim
        lufs = _exact_lufs(out * trim, sr)
    info.update(gain_db=dsp.gain_to_db(gain), limiter_max_reduction_db=-dsp.gain_to_db(float(limiter.min())),
                lufs=lufs, peak=peak)
    return curve, info


def _exact_lufs(x: np.ndarray, sr: int) -> float:
    lufs = dsp.integrated_loudness(x, sr)
    if math.isfinite(lufs) or x.shape[1] >= 0.4 * sr:
        return lufs
    mean = float(np.mean(dsp.k_weighted_power(x, sr)))  # shorter than one block: ungated
    return -0.691 + 10.0 * math.log10(mean) if mean > 0 else float("-inf")


# ------------------------------------------------------------------------------------ render


def render(score: Score, *, sample_rate: int = 44100, seed: int | None = 0) -> RenderResult:
    """Synthesise ``score`` into a mastered stereo mix and four stems.

    Parameters
    ----------
    score : the composition (parts' ``instrument`` must be one of :func:`voice_ids`; ``group`` one of
        drums, bass, harmony, melody). ``score.loop`` renders a seamless loop.
    sample_rate : output rate in Hz (44100 for the procedural backend).
    seed : drives every random choice (noise, pluck excitations, oscillator phases); ``None`` draws
        one, recorded in ``metadata["seed"]``.

    Returns
    -------
    RenderResult with ``mix`` and ``stems`` float32 ``(2, round(score.duration * sample_rate))``,
    integrated loudness :data:`MASTER_LUFS` ± 0.1 LU and true peak ≤ :data:`TRUE_PEAK_DBTP`
    (unless the score is silent: then zeros).

    Raises
    ------
    InvalidRequest : an unknown instrument (the message lists the allowed ids), a bad group, pan,
        gain, note or sample rate.
    """
    t_start = time.perf_counter()
    # 1. check inputs
    check_score(score, sample_rate)
    seed = secrets.randbits(32) if seed is None else int(seed)
    sr = int(sample_rate)
    n = int(round(score.duration * sr))
    loop = bool(score.loop)
    reverb_tail = int(round(1.2 * REVERB_T60 * sr)) if loop else 0
    n_buf = n + (_overhang(score, sr, n, seed) + reverb_tail if loop else 0)

    # 2. voices → one group at a time: dry bus and reverb send (float32 buses keep long renders small)
    # 3. reverb per group (its return stays in the group's stem), then loop-fold or cut
    stems_raw = np.zeros((len(GROUPS), 2, n), np.float32)
    t_voices = t_reverb = 0.0
    for g, group in enumerate(GROUPS):
        parts = [p for p in score.parts if p.group == group and p.notes and p.gain > 0.0]
        if not parts:
            continue
        t0 = time.perf_counter()
        dry = np.zeros((2, n_buf), np.float32)
        send_level = REVERB_SENDS.get(group, 0.0)
        send = np.zeros(n_buf, np.float32) if send_level > 0.0 else None
        for part in parts:
            voice = VOICES[part.instrument]
            rendered = (_render_drums if voice.is_drums else _render_tonal)(part, voice, score, sr, n, n_buf, seed)
            left, right = dsp.pan_gains(part.pan)
            dsp.mix_into(dry, rendered, (part.gain * left, part.gain * right))
            if send is not None:
                dsp.mix_into(send[None], rendered, (part.gain * send_level,))
        t1 = time.perf_counter()
        if send is not None:
            dsp.fdn_reverb(send, sr, t60=REVERB_T60, damping=REVERB_DAMPING, out=dry)  # adds the wet return
        stems_raw[g] = dsp.fold(dry, n) if loop else dry[:, :n]
        t_voices += t1 - t0
        t_reverb += time.perf_counter() - t1
    fade = None
    if not loop:
        nf = min(n, max(1, int(_END_FADE * sr)))
        fade = np.ones(n)
        fade[n - nf:] = 0.5 + 0.5 * np.cos(np.linspace(0.0, math.pi, nf))

    # 4. master bus: loudness gain + true-peak limiter, one curve for mix and stems
    t_master = time.perf_counter()
    mix_raw = stems_raw.sum(axis=0)
    curve, info = _master_gain(mix_raw, sr, loop=loop, fade=fade)
    mix = np.multiply(mix_raw, curve, out=np.empty((2, n), np.float32), casting="same_kind")
    stems = {group: np.multiply(stems_raw[g], curve, out=np.empty((2, n), np.float32), casting="same_kind")
             for g, group in enumerate(GROUPS)}
    t_end = time.perf_counter()

    metadata = {
        "backend": "procedural",
        "seed": seed,
        "sample_rate": sr,
        "samples": n,
        "duration": n / sr,
        "loop": loop,
        "target_lufs": MASTER_LUFS,
        "loudness_lufs": info["lufs"],
        "true_peak_dbtp": dsp.gain_to_db(info["peak"]),
        "true_peak_ceiling_dbtp": TRUE_PEAK_DBTP,
        "input_lufs": info["input_lufs"],
        "master_gain_db": info["gain_db"],
        "limiter_max_reduction_db": info["limiter_max_reduction_db"],
        "voices": sorted({p.instrument for p in score.parts}),
        "timings": {"voices_s": t_voices, "reverb_s": t_reverb, "master_s": t_end - t_master,
                    "total_s": t_end - t_start},
    }
    return RenderResult(mix=mix, stems=stems, sample_rate=sr, metadata=metadata)
