"""What the live tests share: reading a received MIDI stream for notes left sounding, the
clock-source process (tests/clock_source.py) standing in for a DAW's MIDI clock, and a thread
that keeps this process busy while a test or a bench measures timing."""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Self

import mido

CLOCK_SOURCE = Path(__file__).resolve().parent / "clock_source.py"


def open_notes(messages: Iterable[tuple[float, mido.Message]]) -> set[tuple[int, int]]:
    """(channel, pitch) of every note still on at the end of a (time, message) stream."""
    sounding: set[tuple[int, int]] = set()
    for _, m in messages:
        if m.type == "note_on" and m.velocity > 0:
            sounding.add((m.channel, m.note))
        elif m.type in ("note_on", "note_off"):
            sounding.discard((m.channel, m.note))
    return sounding


class ClockSource:
    """The clock-source process on a JACK server: its output is `port`; `start()` sends Start
    and the clock at `bpm`."""

    def __init__(self, env: dict[str, str], bpm: float) -> None:
        name = f"clk-{uuid.uuid4().hex[:6]}"
        self._proc = subprocess.Popen([sys.executable, str(CLOCK_SOURCE), name, str(bpm)], env=env,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self._proc.stdout.readline().split()
        if line[:1] != ["ready"]:
            self.close()
            raise RuntimeError("the clock source did not start")
        self.port = line[1]

    def start(self) -> None:
        self._proc.stdin.write("start\n")
        self._proc.stdin.flush()

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.stdin.close()
            self._proc.wait(10)


class BusyThread:
    """A daemon thread running `_run` while inside `with`; `_run` loops until `_stop` is set,
    which leaving the block does before joining it. Its thread starts once: one per `with`."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=type(self).__name__)

    def _run(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def beat_times(received: list[tuple[float, mido.Message]]) -> list[float]:
    """Arrival time of every beat of a received clock: pulses 0, 24, 48... after the first Start."""
    starts = [i for i, (_, m) in enumerate(received) if m.type == "start"]
    if not starts:
        return []
    pulses = [t for t, m in received[starts[0]:] if m.type == "clock"]
    return pulses[::24]


def assert_on_clock_grid(received: list[tuple[float, mido.Message]], ons: list[float], start_pulse: int,
                         period_s: float) -> None:
    """Every note-on time in `ons` fell on the grid of the clock in `received`, within two JACK
    periods and a little: on a pulse of the model's grid (2 pulses, a 12th of a beat), from
    start_pulse on. The clock's grid is the least-squares line through all its pulses' arrivals,
    as a DAW's own beat is: a pulse that was itself held up on a busy machine moves no note."""
    pulses = [t for t, m in received if m.type == "clock"]
    assert ons and len(pulses) > 2
    n = len(pulses)
    mean_k, mean_t = (n - 1) / 2, sum(pulses) / n
    slope = sum((k - mean_k) * (t - mean_t) for k, t in enumerate(pulses)) / sum(
        (k - mean_k) ** 2 for k in range(n))
    for t in ons:
        pulse = round((t - mean_t) / slope + mean_k)
        assert abs(mean_t + (pulse - mean_k) * slope - t) <= 2 * period_s + 0.01
        assert pulse % 2 == 0 and pulse >= start_pulse


def announced_pulse(line: str) -> int:
    """The clock pulse of 'bar B, beat K' in a line the live commands print (4/4)."""
    words = line.replace(",", " ").replace(";", " ").replace(".", " ").split()
    bar, beat = int(words[words.index("bar") + 1]), int(words[words.index("beat") + 1])
    return ((bar - 1) * 4 + beat - 1) * 24
