"""Reading rendered audio back: a note's pitch by FFT and its onset by the envelope (for the
built-in sound's tests: tests/midi/test_synth.py, tests/commands/test_render_cli.py)."""

from __future__ import annotations

import io
import wave

import numpy as np


def frequency_of(pitch: int) -> float:
    return 440.0 * 2 ** ((pitch - 69) / 12)


def cents(measured: float, expected: float) -> float:
    return 1200 * np.log2(measured / expected)


def spectrum(mono: np.ndarray, rate: int, start_s: float, length_s: float = 0.3
             ) -> tuple[np.ndarray, float]:
    """The magnitude spectrum of [start, start + length), Hann-windowed and zero-padded 8 times,
    and the width of one bin in Hz."""
    piece = mono[round(start_s * rate) : round((start_s + length_s) * rate)]
    size = 8 * len(piece)
    return np.abs(np.fft.rfft(piece * np.hanning(len(piece)), size)), rate / size


def peak_near(magnitudes: np.ndarray, bin_hz: float, hz: float, semitones: float = 0.5
              ) -> tuple[float, float]:
    """The strongest peak within `semitones` of hz: its frequency (parabolic interpolation on the
    log magnitudes) and its magnitude."""
    low, high = int(hz * 2 ** (-semitones / 12) / bin_hz), int(hz * 2 ** (semitones / 12) / bin_hz) + 1
    k = low + int(np.argmax(magnitudes[low:high]))
    a, b, c = np.log(magnitudes[k - 1 : k + 2] + 1e-12)
    shift = 0.5 * (a - c) / (a - 2 * b + c)
    return (k + shift) * bin_hz, float(magnitudes[k])


def strongest(magnitudes: np.ndarray, bin_hz: float, low_hz: float = 40.0, high_hz: float = 4000.0) -> float:
    """The frequency of the strongest bin between low_hz and high_hz."""
    low, high = int(low_hz / bin_hz), int(high_hz / bin_hz)
    return (low + int(np.argmax(magnitudes[low:high]))) * bin_hz


def onset(mono: np.ndarray, rate: int, around_s: float, search_s: float = 0.05) -> float:
    """Where the sound rises in [around - search, around + search]: the first millisecond whose
    level passes 3% of the way from the loudest millisecond of the 20 before the window to the
    loudest of the attack (seconds)."""
    frame = rate // 1000
    first = round((around_s - search_s) * rate) // frame
    last = round((around_s + search_s) * rate) // frame
    frames = mono[: (last + 20) * frame].reshape(-1, frame)
    level = np.sqrt((frames**2).mean(axis=1))
    before = level[max(0, first - 20) : first].max(initial=0.0)  # 20 ms: a low note's whole period
    top = level[first : last + 20].max()
    rising = np.flatnonzero(level[first:last] > before + 0.03 * (top - before))
    return (first + int(rising[0])) * frame / rate if rising.size else float("nan")


def read_wav(data: bytes) -> tuple[np.ndarray, int, int, int]:
    """A WAV file's samples as floats in [-1, 1] (frames x channels), its rate, channels and
    sample width in bytes."""
    with wave.open(io.BytesIO(data)) as wav:
        rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
        frames = wav.readframes(wav.getnframes())
    samples = np.frombuffer(frames, dtype="<i2").reshape(-1, channels) / 32768.0
    return samples, rate, channels, width
