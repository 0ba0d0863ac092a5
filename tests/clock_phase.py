"""How well Continuo places a DAW's beat while its own interpreter is busy, for the JACK clock test
and bench_clock: the clock-source process (tests/clock_source.py) sends MIDI clock; this process
reads it through a timed input (studio.midi.timed_input) while a thread spins in bursts, holding
Python's interpreter lock as the engine or the GUI would; an independent receiver process hears
the same clock.

Each pulse is kept twice: with its arrival time from rtmidi's timestamps, and with the time the
Python callback ran (what the follower was fed before, the reference). A ClockFollower fed with
each says where the beat is after every pulse. The phase error is the distance to where the same
follower fed the unloaded receiver's arrival times (the same JACK cycles) puts it: what comes
from when the times were taken. The grid error is the distance to the least-squares line through
the whole run as the receiver heard it: the follower's own fit over its window included.
"""

from __future__ import annotations

import contextlib
import statistics
import threading
import time
from dataclasses import dataclass, field

import mido

from studio.midi.clock import PPQN, TICKS_PER_PULSE, ClockFollower
from studio.midi.timed_input import open_timed_input
from tests.jack_server import JackServer, Receiver, wait_until
from tests.live_helpers import BusyThread, ClockSource


class GilBursts(BusyThread):
    """A thread that spins in pure Python for burst_s, then sleeps for gap_s, again and again:
    while it spins, every other thread waits up to the switch interval for the interpreter."""

    def __init__(self, burst_s: float = 0.02, gap_s: float = 0.01) -> None:
        super().__init__()
        self.burst_s, self.gap_s = burst_s, gap_s

    def _run(self) -> None:
        while not self._stop.is_set():
            end = time.perf_counter() + self.burst_s
            while time.perf_counter() < end:
                pass
            time.sleep(self.gap_s)


@dataclass
class Capture:
    """The clock pulses after Start: arrival times by rtmidi's stamps, by callback time, and as
    the receiver heard them (all perf_counter seconds)."""

    stamped: list[float] = field(default_factory=list)
    called: list[float] = field(default_factory=list)
    heard: list[float] = field(default_factory=list)


def capture(server: JackServer, receiver: Receiver, bpm: float, pulses: int,
            load: GilBursts | None = None) -> Capture:
    """Run the clock source at bpm for `pulses` pulses after Start, under load while it plays."""
    got = Capture()
    started = threading.Event()

    def received(message: mido.Message, seconds: float) -> None:
        now = time.perf_counter()
        if message.type == "start":
            started.set()
        elif message.type == "clock" and started.is_set():
            got.stamped.append(seconds)
            got.called.append(now)

    source = ClockSource(server.env, bpm)
    try:
        clock_in = open_timed_input(source.port, received, backend="jack")
        try:
            server.connect(source.port, receiver.port)
            with load or contextlib.nullcontext():
                source.start()
                done = wait_until(lambda: len(got.stamped) >= pulses, pulses * 60.0 / (bpm * 24) + 20)
        finally:
            clock_in.close()
    finally:
        source.close()
    assert done, f"only {len(got.stamped)} of {pulses} clock pulses arrived"
    received_all = receiver.messages()
    first = next(i for i, (_, m) in enumerate(received_all) if m.type == "start")
    got.heard = [t for t, m in received_all[first:] if m.type == "clock"]
    return got


def placed(arrivals: list[float], window: int = 48) -> list[float]:
    """Where a ClockFollower fed these pulse arrivals puts each pulse (the tick its timeline is
    anchored on, as perf_counter seconds), from the pulse that fills its window on."""
    follower = ClockFollower(window=window)
    follower.receive(mido.Message("start"), arrivals[0])
    clock = mido.Message("clock")
    times = []
    for k, seconds in enumerate(arrivals):
        follower.receive(clock, seconds)
        if k >= window - 1:
            timeline = follower.timeline(seconds)
            assert timeline is not None and timeline.tick == k * TICKS_PER_PULSE
            times.append(timeline.seconds)
    return times


def phase_errors(arrivals: list[float], heard: list[float]) -> list[float]:
    """|where the follower fed these arrivals puts each pulse - where the same follower fed the
    receiver's arrivals does|, in seconds: the error that comes from when the times were taken."""
    count = min(len(arrivals), len(heard))
    return [abs(a - b) for a, b in zip(placed(arrivals[:count]), placed(heard[:count]), strict=True)]


def grid_errors(arrivals: list[float], heard: list[float]) -> list[float]:
    """|where the follower puts each pulse - the least-squares line through all the pulses the
    receiver heard|, in seconds: the follower's own fit over its window included."""
    count = min(len(arrivals), len(heard))
    line = statistics.linear_regression(range(count), heard[:count])
    start = count - len(fitted := placed(arrivals[:count]))
    return [abs(t - (line.intercept + line.slope * (start + i))) for i, t in enumerate(fitted)]


def assert_on_their_pulses(ons: dict[int, float], pulses: list[float], first_pulse: int,
                           period_s: float) -> int:
    """Each note of beat b (arrival time by beat) came with song pulse 24 * b (pulses counted from
    first_pulse), as a receiver heard both: typically within a JACK cycle, never a pulse or more
    (10 ms at 240 BPM) out, which a note on the wrong pulse would be. Medians and a loose bound on
    the worst, so a loaded machine's stray cycle does not fail the test; the timing itself is
    bench_clock's. Returns how many notes were checked."""
    errors = [abs(t - pulses[k]) for beat, t in ons.items()
              if 0 <= (k := beat * PPQN - first_pulse) < len(pulses)]
    assert errors and statistics.median(errors) <= period_s + 0.001, errors
    assert max(errors) <= period_s + 0.025, errors
    return len(errors)


def clocks(received: list[tuple[float, mido.Message]]) -> list[float]:
    """The arrival times of the clock pulses among (time, message) a receiver heard."""
    return [t for t, m in received if m.type == "clock"]


def deviations(times: list[float]) -> tuple[float, list[float]]:
    """(BPM, |time - the least-squares line|) of evenly meant pulse times."""
    line = statistics.linear_regression(range(len(times)), times)
    return 60.0 / (line.slope * PPQN), [abs(t - line.intercept - line.slope * k) for k, t in enumerate(times)]
