"""The synthesiser's voices: how each instrument id turns a note into samples.

A tonal voice renders one note — frequency, gate (seconds the key is held), velocity 0–1 — into a
mono float64 buffer of ``gate + release`` seconds that starts and ends at zero (no clicks), plus an
optional static EQ applied once to the whole part. A drum kit maps General MIDI drum numbers to
one-shot samples synthesised once per (kit, number, sample rate, seed, key). Pitched drums are tuned
to the piece's key, as producers tune an 808: the kick to the tonic nearest its natural
pitch, the snare's shell tone to the tonic triad and toms to the nearest scale notes — so drums never fight the harmony
(an untuned 808 boom on G1 in a C-sharp-major track both sounds wrong and pulls the chroma).

=================  =======================================================================
voice id           sound
=================  =======================================================================
``pulse``          chiptune pulse channel (25 % duty, PolyBLEP), delayed vibrato
``triangle``       chiptune triangle channel (PolyBLAMP), organ-like gate
``noise_drums``    chiptune drums: 15-bit LFSR noise and triangle pitch drops (NES-style)
``saw_lead``       three detuned PolyBLEP saws through a filter envelope, vibrato
``square_lead``    square wave, filter envelope, vibrato
``fm_pad``         2-operator FM pairs (1:1 and 2:1, detuned), slow swell
``fm_bell``        FM 3.5:1 bell with a decaying index, long ring
``wavetable_pad``  morphing wavetable (soft → bright → hollow), unison detune
``pluck``          Karplus–Strong plucked synth string, bright
``strings``        detuned saw ensemble, slow bow attack, vibrato, body EQ
``brass``          saws with a "blat" filter envelope and a pitch scoop
``choir``          detuned saws with vibrato through an "ah" formant bank
``piano``          additive inharmonic partials, per-partial decay, hammer thump
``organ``          drawbar additive wavetable with key click
``bass_synth``     saw + square through a resonant filter envelope
``bass_pluck``     Karplus–Strong bass with a sine body
``sub_bass``       sine with a touch of second harmonic
``flute``          soft harmonic tone, vibrato, breath noise
``lute``           Karplus–Strong with pluck-position comb and body resonances
``drums``          acoustic-style kit (sine/noise models)
``synth_drums``    808/909-style kit
``arp_synth``      plucky pulse/saw through a fast filter envelope
=================  =======================================================================

General MIDI drum numbers understood by the kits: 35/36 kick, 38/40 snare, 37 side stick,
39 clap, 42 closed hat, 44 pedal hat, 46 open hat (choked by the next 42/44), 49/52/55/57 crash,
51/59 ride, 53 ride bell, 41/43/45/47/48/50 toms (low → high), 54 tambourine, 56 cowbell; any other
number plays a short pitched "perc" click, so no note is silently lost.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..core import dsp

__all__ = ["DRUM_KITS", "VOICES", "Voice", "drum_sample", "in_key", "midi_to_hz", "voice_ids"]

TonalRender = Callable[[float, float, float, float, np.random.Generator], np.ndarray]


def midi_to_hz(pitch: float) -> float:
    """Equal-tempered frequency of a MIDI note (69 = A4 = 440 Hz)."""
    return 440.0 * 2.0 ** ((pitch - 69.0) / 12.0)


@dataclass(frozen=True)
class Voice:
    """One instrument id.

    render : ``(sample_rate, freq, gate_s, velocity_0_1, rng) -> (n,) float64`` for tonal voices;
        ``None`` for drum kits (see :func:`drum_sample`).
    release : seconds a note sounds after its gate (the buffer is ``gate + release`` long).
    level : linear trim calibrated so that every voice measures about -20 LUFS for a 2 s note at
        velocity 100 (MIDI 60; 40 for bass voices) or, for kits, a kick/snare/8th-hat beat; parts are
        balanced by ``Part.gain`` on top of that.
    post : optional ``(part_buffer, sample_rate) -> part_buffer`` static EQ applied once per part.
    kit : drum kit name for drum voices.
    """

    id: str
    description: str
    render: TonalRender | None = None
    release: float = 0.1
    level: float = 1.0
    post: Callable[[np.ndarray, float], np.ndarray] | None = None
    kit: str | None = None

    @property
    def is_drums(self) -> bool:
        return self.kit is not None


def _buffer(sr: float, gate: float, release: float) -> np.ndarray:
    return np.zeros(max(2, int(round((gate + release) * sr))))


def _amp(vel: float) -> float:
    return float(vel) ** 1.5


def _noise(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.uniform(-1.0, 1.0, max(1, n))


# ------------------------------------------------------------------------------------ chiptune


def _pulse(sr, f, gate, vel, rng):
    out = _buffer(sr, gate, 0.05)
    dsp.oscillator(out, dsp.OSC_PULSE, f, sr, duty=0.25, amp=_amp(vel), vibrato_rate=5.5, vibrato_cents=12.0,
                   vibrato_delay=0.3)
    dsp.adsr(out, sr, gate, attack=0.003, decay=0.12, sustain=0.75, release=0.05)
    return out


def _triangle(sr, f, gate, vel, rng):
    out = _buffer(sr, gate, 0.03)
    dsp.oscillator(out, dsp.OSC_TRIANGLE, f, sr, amp=_amp(vel))
    dsp.adsr(out, sr, gate, attack=0.003, decay=0.05, sustain=1.0, release=0.03)
    return out


# ---------------------------------------------------------------------------------- synth leads


def _saw_lead(sr, f, gate, vel, rng):
    out = _buffer(sr, gate, 0.12)
    a = _amp(vel)
    for cents, g in ((0.0, 1.0), (9.0, 0.6), (-9.0, 0.6)):
        dsp.oscillator(out, dsp.OSC_SAW, f * 2.0 ** (cents / 1200.0), sr, amp=a * g, phase=rng.random(),
                       vibrato_rate=5.5, vibrato_cents=14.0, vibrato_delay=0.35)
    dsp.svf_lowpass(out, sr, cutoff=3.0 * f + 900.0, peak=10.0 * f + 3500.0 * vel, attack=0.01, decay=0.3,
                    resonance=0.2)
    dsp.adsr(out, sr, gate, attack=0.006, decay=0.25, sustain=0.85, release=0.12)
    return out


def _square_lead(sr, f, gate, vel, rng):
    out = _buffer(sr, gate, 0.1)
    dsp.oscillator(out, dsp.OSC_PULSE, f, sr, duty=0.5, amp=_amp(vel), vibrato_rate=5.0, vibrato_cents=12.0,
                   vibrato_delay=0.3)
    dsp.svf_lowpass(out, sr, cutoff=4.0 * f + 1200.0, peak=8.0 * f + 4000.0 * vel, decay=0.25)
    dsp.adsr(out, sr, gate, attack=0.005, decay=0.15, sustain=0.8, release=0.1)
    return out


def _arp_synth(sr, f, gate, vel, rng):
    out = _buffer(sr, gate, 0.08)
    a = _amp(vel)
    dsp.oscillator(out, dsp.OSC_PULSE, f, sr, duty=0.3, amp=a)
    dsp.oscillator(out, dsp.OSC_SAW, f, sr, amp=0.5 * a, phase=0.25)
    dsp.svf_lowpass(out, sr, cutoff=2.0 * f + 300.0, peak=8.0 * f + 3000.0 * vel, decay=0.12, resonance=0.25)
    dsp.adsr(out, sr, gate, attack=0.002, decay=0.18, sustain=0.35, release=0.08)
    return out


# ------------------------------------------------------------------------------------- pads, FM


def _fm_pad(sr, f, gate, vel, rng):
    out = _buffer(sr, gate, 0.9)
    a = _amp(vel)
    dsp.fm_operator(out, f, sr, ratio=1.0, index=1.4, index_sustain=0.7, index_decay=1.2, amp=a)
    for cents in (7.0, -7.0):
        dsp.fm_operator(out, f * 2.0 ** (cents / 1200.0), sr, ratio=2.0, index=0.6, amp=0.4 * a)
    dsp.adsr(out, sr, gate, attack=0.35, decay=1.0, sustain=0.8, release=0.9)
    return out


def _fm_bell(sr, f, gate, vel, rng):
    out = _buffer(sr, gate, 0.6)
    a = _amp(vel)
    dsp.fm_operator(out, f, sr, ratio=3.5, index=2.5 + 2.0 * vel, index_sustain=0.3, index_decay=0.4, amp=a)
    dsp.fm_operator(out, f, sr, ratio=1.0, index=0.3, amp=0.35 * a)
    dsp.adsr(out, sr, gate, attack=0.002, decay=3.0, sustain=0.0, release=0.6)
    return out


_WT_PAD = (
    tuple(1.0 / h**2 for h in range(1, 13)),  # soft
    tuple(1.0 / h for h in range(1, 25)),  # bright saw-like
    tuple((1.0 / h if h % 2 else 0.15 / h) for h in range(1, 41)),  # hollow, odd harmonics
)


def _wavetable_pad(sr, f, gate, vel, rng):
    out = _buffer(sr, gate, 0.8)
    a = _amp(vel)
    tables = dsp.build_wavetable(_WT_PAD, round(f, 3), sr)
    for cents, g in ((0.0, 1.0), (8.0, 0.5), (-8.0, 0.5)):
        dsp.wavetable(out, tables, f * 2.0 ** (cents / 1200.0), sr, amp=a * g, position=0.6 + 0.4 * vel,
                      position_depth=0.6, position_rate=0.15)
    dsp.adsr(out, sr, gate, attack=0.3, decay=0.8, sustain=0.85, release=0.8)
    return out


# ------------------------------------------------------------------------------------- plucked


def _ks_excitation(sr, f, rng, cutoff, position=0.0):
    period = max(2, int(round(sr / f)))
    exc = _noise(rng, period)
    exc -= exc.mean()
    if position > 0.0:  # pluck position: comb notch, x[n] - x[n - P]
        lag = max(1, int(round(position * period)))
        exc[lag:] -= exc[:-lag].copy()
    return dsp.one_pole_lowpass(dsp.one_pole_lowpass(exc, cutoff, sr), cutoff, sr)  # 12 dB/octave


def _pluck(sr, f, gate, vel, rng):
    out = _buffer(sr, gate, 0.08)
    exc = _ks_excitation(sr, f, rng, 2000.0 + 6000.0 * vel)
    dsp.karplus_strong(out, f, sr, exc, t60=float(np.clip(2.4 * (220.0 / f) ** 0.4, 0.5, 5.0)), amp=_amp(vel))
    dsp.adsr(out, sr, gate, attack=0.001, decay=1.0, sustain=1.0, release=0.08)
    return out


def _lute(sr, f, gate, vel, rng):
    out = _buffer(sr, gate, 0.1)
    exc = _ks_excitation(sr, f, rng, 1800.0 + 4000.0 * vel, position=0.18)
    dsp.karplus_strong(out, f, sr, exc, t60=float(np.clip(2.0 * (220.0 / f) ** 0.4, 0.4, 4.0)), amp=_amp(vel))
    dsp.adsr(out, sr, gate, attack=0.001, decay=1.0, sustain=1.0, release=0.1)
    return out


def _lute_body(x, sr):
    return dsp.apply_biquads(x, [dsp.biquad("peaking", 110.0, sr, q=1.4, gain_db=4.0),
                                 dsp.biquad("peaking", 420.0, sr, q=1.2, gain_db=3.0),
                                 dsp.biquad("highshelf", 4500.0, sr, gain_db=-5.0)])


def _bass_pluck(sr, f, gate, vel, rng):
    out = _buffer(sr, gate, 0.06)
    a = _amp(vel)
    exc = _ks_excitation(sr, f, rng, 900.0 + 2000.0 * vel)
    dsp.karplus_strong(out, f, sr, exc, t60=1.2, amp=a)
    body = np.zeros_like(out)
    dsp.oscillator(body, dsp.OSC_SINE, f, sr, amp=0.5 * a)
    dsp.adsr(body, sr, gate, attack=0.003, decay=0.5, sustain=0.25, release=0.06)
    dsp.adsr(out, sr, gate, attack=0.001, decay=1.0, sustain=1.0, release=0.06)
    return out + body


# ---------------------------------------------------------------------------------- orchestral


def _strings(sr, f, gate, vel, rng):
    out = _buffer(sr, gate, 0.35)
    a = _amp(vel)
    for cents, g in ((0.0, 1.0), (11.0, 0.6), (-11.0, 0.6)):
        dsp.oscillator(out, dsp.OSC_SAW, f * 2.0 ** (cents / 1200.0), sr, amp=a * g, phase=rng.random(),
                       vibrato_rate=5.2, vibrato_cents=9.0, vibrato_delay=0.35)
    dsp.adsr(out, sr, gate, attack=0.18 - 0.1 * vel, decay=0.3, sustain=0.9, release=0.35)
    return out


def _strings_body(x, sr):
    return dsp.apply_biquads(x, [dsp.biquad("highpass", 90.0, sr), dsp.biquad("peaking", 300.0, sr, q=1.0, gain_db=2.0),
                                 dsp.biquad("peaking", 2500.0, sr, q=1.0, gain_db=-3.0),
                                 dsp.biquad("lowpass", 4500.0, sr)])


def _brass(sr, f, gate, vel, rng):
    out = _buffer(sr, gate, 0.15)
    a = _amp(vel)
    for cents, g in ((0.0, 1.0), (6.0, 0.5), (-6.0, 0.5)):
        dsp.oscillator(out, dsp.OSC_SAW, f * 2.0 ** (cents / 1200.0), sr, amp=a * g, phase=rng.random(),
                       bend_cents=-35.0, bend_time=0.04, vibrato_rate=5.0, vibrato_cents=6.0, vibrato_delay=0.4)
    dsp.svf_lowpass(out, sr, cutoff=1.5 * f + 300.0, peak=(3.0 + 6.0 * vel) * f + 800.0, attack=0.06, decay=0.4)
    dsp.adsr(out, sr, gate, attack=0.04, decay=0.3, sustain=0.85, release=0.15)
    return out


def _brass_body(x, sr):
    return dsp.apply_biquad(x, dsp.biquad("peaking", 1100.0, sr, q=0.9, gain_db=3.0))


def _choir(sr, f, gate, vel, rng):
    out = _buffer(sr, gate, 0.5)
    a = _amp(vel)
    for cents, g in ((0.0, 1.0), (12.0, 0.6), (-12.0, 0.6)):
        dsp.oscillator(out, dsp.OSC_SAW, f * 2.0 ** (cents / 1200.0), sr, amp=a * g, phase=rng.random(),
                       vibrato_rate=5.0, vibrato_cents=15.0, vibrato_delay=0.25)
    dsp.adsr(out, sr, gate, attack=0.25, decay=0.5, sustain=0.9, release=0.5)
    return out


def _choir_formants(x, sr):
    # "ah": parallel band-passes at the first three formants, plus a little of the dry tone
    y = 0.15 * dsp.apply_biquad(x, dsp.biquad("lowpass", 1200.0, sr))
    for freq, q, g in ((700.0, 5.0, 1.0), (1220.0, 6.0, 0.6), (2600.0, 8.0, 0.35)):
        y += g * dsp.apply_biquad(x, dsp.biquad("bandpass", freq, sr, q=q))
    return y


def _flute(sr, f, gate, vel, rng):
    out = _buffer(sr, gate, 0.12)
    a = _amp(vel)
    tables = dsp.build_wavetable(((1.0, 0.25, 0.08, 0.03),), round(f, 3), sr)
    dsp.wavetable(out, tables, f, sr, amp=a, vibrato_rate=5.0, vibrato_cents=12.0, vibrato_delay=0.2)
    breath = dsp.apply_biquad(_noise(rng, out.size), dsp.biquad("bandpass", min(2.0 * f + 1500.0, 0.4 * sr), sr, q=1.5))
    out += 0.08 * a * breath
    dsp.adsr(out, sr, gate, attack=0.07, decay=0.2, sustain=0.9, release=0.12)
    return out


# ------------------------------------------------------------------------------ keys and organ


def _piano(sr, f, gate, vel, rng):
    out = _buffer(sr, gate, 0.15)
    a = _amp(vel)
    k = np.arange(1, 15, dtype=np.float64)
    b_inh = 4e-4 * (f / 261.6) ** 0.5  # inharmonicity grows towards the treble
    f0 = f / math.sqrt(1.0 + b_inh)  # so the first partial sits exactly on f
    freqs = k * f0 * np.sqrt(1.0 + b_inh * k * k)
    amps = a * k ** -1.1 * np.exp(-(k - 1.0) * (0.45 - 0.3 * vel))
    t60_1 = float(np.clip(7.0 * (110.0 / f) ** 0.5, 1.2, 10.0))
    dsp.damped_partials(out, freqs, amps, t60_1 / (1.0 + 0.35 * (k - 1.0)), sr)
    n_h = int(0.012 * sr)
    thump = dsp.one_pole_lowpass(_noise(rng, n_h) * np.linspace(1.0, 0.0, n_h), 1200.0, sr)
    out[:n_h] += 0.15 * a * thump[: out.size]
    dsp.adsr(out, sr, gate, attack=0.002, decay=1.0, sustain=1.0, release=0.15)
    return out


_ORGAN = ((1.0, 0.7, 0.5, 0.45, 0.0, 0.25, 0.0, 0.2),)  # drawbars 8', 4', 2 2/3', 2', 1 3/5' off, 1 1/3', 1'


def _organ(sr, f, gate, vel, rng):
    out = _buffer(sr, gate, 0.05)
    a = _amp(vel)
    dsp.wavetable(out, dsp.build_wavetable(_ORGAN, round(f, 3), sr), f, sr, amp=a)
    n_c = int(0.004 * sr)
    out[:n_c] += 0.1 * a * dsp.apply_biquad(_noise(rng, n_c), dsp.biquad("highpass", 2000.0, sr))[: out.size]
    dsp.adsr(out, sr, gate, attack=0.006, decay=0.05, sustain=1.0, release=0.05)
    return out


def _organ_body(x, sr):
    return dsp.apply_biquad(x, dsp.biquad("lowpass", 7000.0, sr))


# ---------------------------------------------------------------------------------------- bass


def _bass_synth(sr, f, gate, vel, rng):
    out = _buffer(sr, gate, 0.06)
    a = _amp(vel)
    dsp.oscillator(out, dsp.OSC_SAW, f, sr, amp=a)
    dsp.oscillator(out, dsp.OSC_PULSE, f, sr, amp=0.5 * a, duty=0.5, phase=0.5)  # in phase with the saw's fundamental
    dsp.svf_lowpass(out, sr, cutoff=2.0 * f + 80.0, peak=6.0 * f + 1500.0 * vel, decay=0.18, resonance=0.35)
    dsp.adsr(out, sr, gate, attack=0.003, decay=0.3, sustain=0.8, release=0.06)
    return out


def _sub_bass(sr, f, gate, vel, rng):
    out = _buffer(sr, gate, 0.06)
    a = _amp(vel)
    dsp.oscillator(out, dsp.OSC_SINE, f, sr, amp=a)
    dsp.oscillator(out, dsp.OSC_SINE, 2.0 * f, sr, amp=0.12 * a)
    dsp.adsr(out, sr, gate, attack=0.008, decay=0.1, sustain=0.9, release=0.06)
    return out


# --------------------------------------------------------------------------------------- drums

_PIECES = {35: "kick", 36: "kick", 37: "rim", 38: "snare", 39: "clap", 40: "snare", 42: "hat_closed",
           44: "hat_pedal", 46: "hat_open", 49: "crash", 52: "crash", 55: "crash", 57: "crash", 51: "ride",
           59: "ride", 53: "ride_bell", 54: "tambourine", 56: "cowbell",
           41: "tom", 43: "tom", 45: "tom", 47: "tom", 48: "tom", 50: "tom"}
_TOM_HZ = {41: 82.0, 43: 98.0, 45: 112.0, 47: 132.0, 48: 150.0, 50: 175.0}
_KIT_IDS = {"drums": 1, "synth_drums": 2, "noise_drums": 3}
#: closed/pedal hats choke a ringing open hat
HAT_CHOKERS = (42, 44)
OPEN_HAT = 46


def in_key(hz: float, pitch_classes: tuple[int, ...]) -> float:
    """The frequency (Hz) nearest ``hz`` whose pitch class is one of ``pitch_classes`` (0 = C);
    ``hz`` itself when the tuple is empty. Ties round down."""
    if not pitch_classes:
        return hz
    midi = 69.0 + 12.0 * math.log2(hz / 440.0)
    base = math.floor(midi)
    best = min((abs(p - midi), p) for p in range(base - 12, base + 13) if p % 12 in pitch_classes)[1]
    return midi_to_hz(best)


def _kick_hz(hz: float, scale: tuple[int, ...]) -> float:
    """Kick pitch: the tonic nearest the kit's natural pitch (at most a tritone away)."""
    return in_key(hz, scale[:1])


def _triad(scale: tuple[int, ...]) -> tuple[int, ...]:
    """The tonic triad's pitch classes (scale degrees 1, 3, 5); ``()`` for no tuning."""
    return scale[0:5:2] if scale else ()


def _decay_env(n: int, sr: float, t60: float, attack: float = 0.0005) -> np.ndarray:
    t = np.arange(n) / sr
    env = np.exp(-6.907755278982137 * t / t60)
    na = max(2, int(attack * sr))
    env[:na] *= np.linspace(0.0, 1.0, na)  # from exactly 0: no click
    env -= env[-1] * np.linspace(0.0, 1.0, n)  # land exactly on zero
    return env


def _metal(sr: float, n: int, scale: float = 1.0) -> np.ndarray:
    out = np.zeros(n)
    for f in (205.3, 304.4, 369.6, 522.7, 540.0, 800.0):  # the 808's six square oscillators
        dsp.oscillator(out, dsp.OSC_PULSE, f * scale, sr, duty=0.5, amp=1.0 / 6.0)
    return out


def _tone(sr: float, n: int, f: float, kind: int = dsp.OSC_SINE, bend_ratio: float = 1.0, bend_time: float = 0.03
          ) -> np.ndarray:
    out = np.zeros(n)
    dsp.oscillator(out, kind, f, sr, bend_cents=1200.0 * math.log2(bend_ratio), bend_time=bend_time)
    return out


def _hp(x, f, sr, q=0.7071):
    return dsp.apply_biquad(x, dsp.biquad("highpass", f, sr, q=q))


def _bp(x, f, sr, q=1.0):
    return dsp.apply_biquad(x, dsp.biquad("bandpass", f, sr, q=q))


def _lp(x, f, sr, q=0.7071):
    return dsp.apply_biquad(x, dsp.biquad("lowpass", f, sr, q=q))


def _piece_acoustic(piece, num, sr, rng, scale=()):
    def n_of(sec):
        return int(sec * sr)

    if piece == "kick":
        n = n_of(0.45)
        body = _tone(sr, n, _kick_hz(52.0, scale), bend_ratio=2.6, bend_time=0.015) * _decay_env(n, sr, 0.4)
        click = _lp(_noise(rng, n), 3500.0, sr) * _decay_env(n, sr, 0.012)
        return body + 0.35 * click
    if piece == "snare":
        n = n_of(0.35)
        f = in_key(185.0, _triad(scale))
        tone = (_tone(sr, n, f) + 0.6 * _tone(sr, n, f * 330.0 / 185.0)) * _decay_env(n, sr, 0.12)
        wires = _lp(_hp(_noise(rng, n), 1500.0, sr), 9000.0, sr) * _decay_env(n, sr, 0.22)
        return 0.6 * tone + 0.9 * wires
    if piece in ("hat_closed", "hat_pedal", "hat_open"):
        t60 = {"hat_closed": 0.07, "hat_pedal": 0.1, "hat_open": 0.5}[piece]
        n = n_of(t60 + 0.01)
        src = 0.6 * _hp(_noise(rng, n), 7000.0, sr) + 0.4 * _bp(_metal(sr, n, 1.7), 9000.0, sr, q=1.2)
        return (0.55 if piece == "hat_pedal" else 0.75) * src * _decay_env(n, sr, t60)
    if piece in ("crash", "ride", "ride_bell"):
        t60 = {"crash": 1.8, "ride": 1.3, "ride_bell": 1.0}[piece]
        n = n_of(t60)
        metal = _bp(_metal(sr, n, 2.3 if piece == "crash" else 1.4), 6500.0, sr, q=0.8)
        noise = _hp(_noise(rng, n), 4000.0 if piece == "crash" else 6000.0, sr)
        mix = {"crash": 0.8 * noise + 0.5 * metal, "ride": 0.35 * noise + 0.7 * metal,
               "ride_bell": 0.15 * noise + metal}[piece]
        return (0.7 if piece == "crash" else 0.45) * mix * _decay_env(n, sr, t60, attack=0.002)
    if piece == "tom":
        f = in_key(_TOM_HZ.get(num, 110.0), scale)
        n = n_of(0.5)
        body = _tone(sr, n, f, bend_ratio=1.4, bend_time=0.03) * _decay_env(n, sr, 0.45)
        return 0.9 * body + 0.15 * _lp(_noise(rng, n), 2500.0, sr) * _decay_env(n, sr, 0.05)
    if piece == "clap":
        n = n_of(0.3)
        env = np.zeros(n)
        for k, d in enumerate((0.0, 0.011, 0.022)):
            s = int(d * sr)
            env[s:] += (0.8 ** k) * _decay_env(n - s, sr, 0.025 if k < 2 else 0.18)
        return 0.9 * _bp(_noise(rng, n), 1200.0, sr, q=0.9) * env
    if piece == "rim":
        n = n_of(0.08)
        return 0.6 * (_tone(sr, n, 1700.0) + _bp(_noise(rng, n), 3000.0, sr, q=2.0)) * _decay_env(n, sr, 0.03)
    if piece == "tambourine":
        n = n_of(0.3)
        return 0.5 * _hp(_noise(rng, n) * (1.0 + _tone(sr, n, 23.0)), 6000.0, sr) * _decay_env(n, sr, 0.25)
    if piece == "cowbell":
        n = n_of(0.35)
        tone = _tone(sr, n, 540.0, dsp.OSC_PULSE) + 0.8 * _tone(sr, n, 800.0, dsp.OSC_PULSE)
        return 0.35 * _bp(tone, 800.0, sr, q=2.0) * _decay_env(n, sr, 0.3)
    n = n_of(0.12)  # generic pitched percussion: a woodblock-like click keyed by the note number
    return 0.5 * _tone(sr, n, midi_to_hz(num + 12)) * _decay_env(n, sr, 0.06)


def _piece_synth(piece, num, sr, rng, scale=()):
    def n_of(sec):
        return int(sec * sr)

    if piece == "kick":  # 808: long sine boom with a fast pitch drop, gently saturated
        n = n_of(0.8)
        body = _tone(sr, n, _kick_hz(48.0, scale), bend_ratio=4.0, bend_time=0.02) * _decay_env(n, sr, 0.75)
        return np.tanh(1.5 * body) / np.tanh(1.5)
    if piece == "snare":  # 909-ish: two detuned tones and bright noise
        n = n_of(0.35)
        f = in_key(180.0, _triad(scale))
        tone = (_tone(sr, n, f, bend_ratio=1.3, bend_time=0.01) + 0.7 * _tone(sr, n, f * 330.0 / 180.0)
                ) * _decay_env(n, sr, 0.1)
        return 0.5 * tone + 0.8 * _lp(_hp(_noise(rng, n), 900.0, sr), 7000.0, sr) * _decay_env(n, sr, 0.25)
    if piece in ("hat_closed", "hat_pedal", "hat_open"):
        t60 = {"hat_closed": 0.06, "hat_pedal": 0.09, "hat_open": 0.45}[piece]
        n = n_of(t60 + 0.01)
        return 0.8 * _hp(_bp(_metal(sr, n, 1.0), 10000.0, sr, q=1.0), 7000.0, sr) * _decay_env(n, sr, t60)
    if piece == "clap":
        n = n_of(0.35)
        env = np.zeros(n)
        for k, d in enumerate((0.0, 0.009, 0.018, 0.027)):
            s = int(d * sr)
            env[s:] += _decay_env(n - s, sr, 0.012 if k < 3 else 0.25)
        return 0.8 * _bp(_noise(rng, n), 1100.0, sr, q=1.2) * env
    if piece == "tom":
        f = in_key(_TOM_HZ.get(num, 110.0) * 0.9, scale)
        n = n_of(0.6)
        return _tone(sr, n, f, bend_ratio=1.8, bend_time=0.05) * _decay_env(n, sr, 0.55)
    if piece in ("crash", "ride", "ride_bell"):
        t60 = {"crash": 1.6, "ride": 1.2, "ride_bell": 0.9}[piece]
        n = n_of(t60)
        src = _hp(_metal(sr, n, 2.0 if piece == "crash" else 1.3), 5000.0, sr) + 0.5 * _hp(_noise(rng, n), 6000.0, sr)
        return 0.6 * src * _decay_env(n, sr, t60, attack=0.002)
    if piece == "cowbell":
        n = n_of(0.3)
        tone = _tone(sr, n, 540.0, dsp.OSC_PULSE) + _tone(sr, n, 800.0, dsp.OSC_PULSE)
        return 0.4 * _bp(tone, 800.0, sr, q=1.5) * _decay_env(n, sr, 0.25)
    return _piece_acoustic(piece, num, sr, rng, scale)


def _lfsr(sr, n, clock, short=False, state=1):
    out = np.zeros(n)
    dsp.lfsr_noise(out, clock, sr, short_mode=short, state=state)
    return out


def _piece_noise(piece, num, sr, rng, scale=()):
    state = int(rng.integers(1, 0x7FFF))

    def n_of(sec):
        return int(sec * sr)

    if piece == "kick":  # triangle pitch drop plus a tick of noise
        n = n_of(0.2)
        body = _tone(sr, n, _kick_hz(55.0, scale), dsp.OSC_TRIANGLE, bend_ratio=4.0, bend_time=0.02) * _decay_env(n, sr, 0.16)
        return body + 0.3 * _lfsr(sr, n, 220000.0, state=state) * _decay_env(n, sr, 0.01)
    if piece == "snare":
        n = n_of(0.25)
        tone = _tone(sr, n, in_key(220.0, _triad(scale)), dsp.OSC_TRIANGLE, bend_ratio=1.5, bend_time=0.01) * _decay_env(n, sr, 0.06)
        return 0.5 * tone + 0.7 * _lfsr(sr, n, 28000.0, state=state) * _decay_env(n, sr, 0.2)
    if piece in ("hat_closed", "hat_pedal", "hat_open"):
        t60 = {"hat_closed": 0.05, "hat_pedal": 0.07, "hat_open": 0.35}[piece]
        n = n_of(t60 + 0.01)
        return 0.5 * _hp(_lfsr(sr, n, 440000.0, state=state), 5000.0, sr) * _decay_env(n, sr, t60)
    if piece in ("crash", "ride", "ride_bell"):
        t60 = 1.2 if piece == "crash" else 0.8
        n = n_of(t60)
        return 0.45 * _lfsr(sr, n, 110000.0, short=piece != "crash", state=state) * _decay_env(n, sr, t60)
    if piece == "tom":
        f = in_key(_TOM_HZ.get(num, 110.0), scale)
        n = n_of(0.3)
        return _tone(sr, n, f, dsp.OSC_TRIANGLE, bend_ratio=2.0, bend_time=0.04) * _decay_env(n, sr, 0.25)
    if piece == "clap":
        n = n_of(0.2)
        env = np.zeros(n)
        for d in (0.0, 0.012, 0.024):
            s = int(d * sr)
            env[s:] += _decay_env(n - s, sr, 0.05)
        return 0.5 * _lfsr(sr, n, 14000.0, state=state) * env
    n = n_of(0.08)
    return 0.4 * _lfsr(sr, n, 55000.0 + 1000.0 * num, short=True, state=state) * _decay_env(n, sr, 0.05)


_KITS = {"drums": _piece_acoustic, "synth_drums": _piece_synth, "noise_drums": _piece_noise}
DRUM_KITS = tuple(_KITS)


@functools.lru_cache(maxsize=512)
def drum_sample(kit: str, number: int, sample_rate: float, seed: int, scale: tuple[int, ...] = ()
                ) -> np.ndarray:
    """The one-shot sample (float64, read-only) of GM drum ``number`` in ``kit`` (cached).

    ``scale`` : the piece's scale as pitch classes, tonic first (:func:`~.theory.scale_pcs`); pitched
    pieces are tuned to it (module notes). ``()`` keeps the kit's natural tuning.
    Deterministic in its arguments; starts at 0 after a sub-millisecond attack and ends exactly at 0.
    """
    if kit not in _KITS:
        raise ValueError(f"`kit` must be one of {', '.join(DRUM_KITS)}; got {kit!r}")
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, _KIT_IDS[kit], int(number)])
    piece = _PIECES.get(int(number), "perc")
    out = np.ascontiguousarray(_KITS[kit](piece, int(number), float(sample_rate), rng, tuple(scale)),
                               dtype=np.float64)
    out.flags.writeable = False
    return out


# -------------------------------------------------------------------------------------- registry

VOICES: dict[str, Voice] = {v.id: v for v in (
    Voice("pulse", "chiptune pulse (25 % duty)", _pulse, 0.05, 0.228),
    Voice("triangle", "chiptune triangle", _triangle, 0.03, 0.272),
    Voice("noise_drums", "chiptune LFSR-noise drum kit", kit="noise_drums", level=0.944),
    Voice("saw_lead", "detuned saw lead", _saw_lead, 0.12, 0.246),
    Voice("square_lead", "square lead", _square_lead, 0.1, 0.205),
    Voice("fm_pad", "FM pad", _fm_pad, 0.9, 0.270),
    Voice("fm_bell", "FM bell", _fm_bell, 0.6, 0.480),
    Voice("wavetable_pad", "morphing wavetable pad", _wavetable_pad, 0.8, 0.260),
    Voice("pluck", "Karplus-Strong synth pluck", _pluck, 0.08, 2.09),
    Voice("strings", "string ensemble", _strings, 0.35, 0.211, post=_strings_body),
    Voice("brass", "brass section", _brass, 0.15, 0.290, post=_brass_body),
    Voice("choir", "choir 'ah'", _choir, 0.5, 0.757, post=_choir_formants),
    Voice("piano", "piano", _piano, 0.15, 0.514),
    Voice("organ", "drawbar organ", _organ, 0.05, 0.293, post=_organ_body),
    Voice("bass_synth", "resonant synth bass", _bass_synth, 0.06, 0.234),
    Voice("bass_pluck", "plucked bass", _bass_pluck, 0.06, 1.876),
    Voice("sub_bass", "sine sub bass", _sub_bass, 0.06, 0.293),
    Voice("flute", "flute", _flute, 0.12, 0.254),
    Voice("lute", "lute / plucked guitar", _lute, 0.1, 1.33, post=_lute_body),
    Voice("drums", "acoustic-style drum kit", kit="drums", level=1.155),
    Voice("synth_drums", "808/909-style drum kit", kit="synth_drums", level=0.883),
    Voice("arp_synth", "plucky arpeggio synth", _arp_synth, 0.08, 0.558),
)}


def voice_ids() -> tuple[str, ...]:
    """All instrument ids the synthesiser plays, in documentation order."""
    return tuple(VOICES)
