"""MIDI clock, both ways: follow a DAW's clock (24 pulses per quarter, Start/Stop/Continue,
Song Position Pointer) or send one as master.

`ClockFollower` is pure logic fed with (message, perf_counter time) pairs, so it is tested with
synthetic timestamps. The time must be when the pulse arrived, not when Python got to it (any
thread holding the interpreter lock makes a callback milliseconds late): an input opened with
`studio.midi.timed_input.open_timed_input(name, follower.receive)` hands it rtmidi's timestamps.
Its tempo is the slope of a least-squares line through the last pulses' arrival times, which
averages out the jitter of a single pulse (a JACK period, a busy DAW) instead of trusting two
neighbours, refitted without pulses that came far later than the line says (a held-up burst).
As master, `ClockSender` sends pulses at the times of a `PulseLine`, in this process or, through
studio.midi.player_process.ProcessClock, in the player's process; while its port is away it holds
the pulses, and once the port is back it says Song Position and Continue before they go on.
Both the follower and the senders hand out a `Timeline` (tempo plus one point tying a tick to a
perf_counter time), which is what the player follows to land on the DAW's beat.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import mido

from studio.core.notes import TICKS_PER_QUARTER
from studio.midi.player import SPIN_S, Output, ask_for_fifo, late_record

PPQN = 24  # MIDI clock pulses per quarter note
TICKS_PER_PULSE = TICKS_PER_QUARTER // PPQN
PULSES_PER_SPP = 6  # the Song Position Pointer counts sixteenths
MAX_SPP = 16383  # 14 bits


@dataclass(frozen=True)
class Timeline:
    """Where the music is: at perf_counter time `seconds` the song is at `tick`, moving at `bpm`
    when `playing` (a stopped song stays at its tick)."""

    bpm: float
    seconds: float
    tick: float
    playing: bool = True

    def tick_at(self, seconds: float) -> float:
        if not self.playing:
            return self.tick
        return self.tick + (seconds - self.seconds) * self.bpm * TICKS_PER_QUARTER / 60.0

    def time_of(self, tick: float) -> float:
        """The perf_counter time of a tick, were the song to play on at this tempo."""
        return self.seconds + (tick - self.tick) * 60.0 / (self.bpm * TICKS_PER_QUARTER)


def _line(points: list[tuple[int, float]]) -> tuple[float, float] | None:
    """Least squares: (a, b) with time = a + b * count, or None for a flat or falling line."""
    n = len(points)
    mean_k = sum(k for k, _ in points) / n
    mean_t = sum(t for _, t in points) / n
    var = sum((k - mean_k) ** 2 for k, _ in points)
    slope = sum((k - mean_k) * (t - mean_t) for k, t in points) / var
    return (mean_t - slope * mean_k, slope) if slope > 0 else None


def _robust_line(points: list[tuple[int, float]]) -> tuple[float, float] | None:
    """The least-squares line, fitted again without the pulses that arrived far later than it
    predicts. Delays only ever make a pulse late (a busy DAW, a callback waiting for the
    interpreter), and a burst of held-up pulses would otherwise bend the tempo."""
    fit = _line(points)
    if fit is None:
        return None
    residuals = [t - (fit[0] + fit[1] * k) for k, t in points]
    middle = statistics.median(residuals)
    spread = statistics.median(abs(r - middle) for r in residuals)
    keep = [p for p, r in zip(points, residuals, strict=True) if r <= middle + 3 * spread + 1e-4]
    if len(keep) == len(points) or len(keep) < len(points) // 2:
        return fit
    return _line(keep) or fit


class ClockFollower:
    """Tempo, transport and position of an external MIDI clock.

    `window` pulses (48 = two beats) are fitted for the tempo; a clock silent for `timeout_s`
    counts as stopped (the DAW quit without saying Stop). `on_transport(playing)` is called on
    Start, Continue and Stop, from the thread that calls `receive`.
    """

    def __init__(self, window: int = 48, timeout_s: float = 0.5,
                 on_transport: Callable[[bool], None] | None = None) -> None:
        if window < 3:
            raise ValueError("the tempo window needs at least 3 pulses")
        self.window, self.timeout_s, self.on_transport = window, timeout_s, on_transport
        self._pulses: deque[tuple[int, float]] = deque(maxlen=window)  # (pulse count, time)
        self._count = 0  # pulses received since the follower began
        self._running = False
        self._position = 0  # song pulse of the next clock while running
        self._last: tuple[float, int] | None = None  # (time, song pulse) of the last running pulse
        self._fitted: tuple[float, float] | None = None
        self._lock = threading.Lock()

    # -- input ------------------------------------------------------------------------------
    def receive(self, message: mido.Message, seconds: float) -> None:
        """Take one message that arrived at perf_counter time `seconds` (clock, Start, Continue,
        Stop, Song Position Pointer; others are ignored)."""
        kind = message.type
        changed: bool | None = None
        with self._lock:
            if kind == "clock":
                self._pulse(seconds)
            elif kind == "start":
                self._position, self._last, self._running = 0, None, True
                changed = True
            elif kind == "continue":
                self._last, self._running = None, True
                changed = True
            elif kind == "stop":
                self._running = False
                changed = False
            elif kind == "songpos" and not self._running:  # only meaningful while stopped
                self._position, self._last = message.pos * PULSES_PER_SPP, None
        if changed is not None and self.on_transport is not None:
            self.on_transport(changed)

    def _pulse(self, seconds: float) -> None:
        if self._pulses and seconds - self._pulses[-1][1] > self.timeout_s:
            self._pulses.clear()  # the clock paused: old pulses say nothing about the new tempo
        self._pulses.append((self._count, seconds))
        self._fitted = None
        self._count += 1
        if self._running:  # the first clock after Start is song position 0
            self._last = (seconds, self._position)
            self._position += 1

    # -- output -----------------------------------------------------------------------------
    def _fit(self) -> tuple[float, float] | None:
        """(intercept, seconds per pulse) of the line time = a + b * count through the window,
        cached until the next pulse."""
        if self._fitted is None and len(self._pulses) >= 3:
            self._fitted = _robust_line(list(self._pulses))
        return self._fitted

    @property
    def bpm(self) -> float | None:
        """The clock's tempo, or None until a few pulses have arrived."""
        with self._lock:
            fit = self._fit()
        return None if fit is None else 60.0 / (fit[1] * PPQN)

    @property
    def running(self) -> bool:
        """Started (Start or Continue seen, no Stop since)."""
        return self._running

    def timeline(self, now: float | None = None) -> Timeline | None:
        """The song's timeline as the clock tells it, or None while the tempo is unknown.
        The tick is anchored on the fitted line, not on the last pulse's jittery arrival."""
        now = time.perf_counter() if now is None else now
        with self._lock:
            fit = self._fit()
            if fit is None:
                return None
            a, b = fit
            bpm = 60.0 / (b * PPQN)
            count = self._pulses[-1][0]
            fitted = a + b * count
            alive = now - self._pulses[-1][1] <= self.timeout_s
            if self._running and self._last is not None and alive:
                song = self._last[1]
                return Timeline(bpm, fitted, song * TICKS_PER_PULSE, True)
            return Timeline(bpm, now, self._position * TICKS_PER_PULSE, False)


@dataclass(frozen=True)
class PulseLine:
    """When a clock master's pulses go: `pulse` at perf_counter time `seconds`, then one every
    60 / (bpm * 24) seconds. A sender follows one; whoever decides the line (the parent of the
    player's process, for the sender in that process) knows every pulse's time without asking."""

    bpm: float
    seconds: float
    pulse: int

    def time_of(self, pulse: int) -> float:
        return self.seconds + (pulse - self.pulse) * 60.0 / (self.bpm * PPQN)

    def next_pulse(self, seconds: float) -> int:
        """The first pulse due at or after `seconds` (the line's own pulse at the earliest)."""
        return max(self.pulse, math.ceil(self.pulse + (seconds - self.seconds) * self.bpm * PPQN / 60.0))

    def retimed(self, bpm: float, pulse: int) -> PulseLine:
        """A new tempo from `pulse` on, which keeps its time."""
        check_clock_tempo(bpm)
        return PulseLine(bpm, self.time_of(pulse), pulse)

    def timeline(self, playing: bool) -> Timeline:
        return Timeline(self.bpm, self.seconds, self.pulse * TICKS_PER_PULSE, playing)


def check_clock_tempo(bpm: float) -> None:
    """A ValueError unless a MIDI clock can run at bpm."""
    if not 1 <= bpm <= 1000:
        raise ValueError("a MIDI clock goes from 1 to 1,000 BPM")


def first_pulse(tick: float) -> int:
    """The pulse a clock started at `tick` starts on: the sixteenth at or before it, which is
    what a Song Position Pointer can say."""
    return min(MAX_SPP, int(tick) // (TICKS_PER_PULSE * PULSES_PER_SPP)) * PULSES_PER_SPP


class ClockSender:
    """Continuo as clock master: a thread sends 24 pulses per quarter to an Output on absolute
    deadlines (sleep until about a millisecond before, then spin), plus Start/Stop and a Song
    Position Pointer. Its `timeline()` is the song it is clocking, so the player can follow it.

    The thread waits for this process's interpreter lock at every pulse: next to a GUI or the
    engine, run it in the player's process instead (studio.midi.player_process.ProcessClock).
    With `realtime` the thread asks for SCHED_FIFO; `on_error(sentence)` hears, from the
    thread, that the output failed and the clock stopped. `sent_late_s` says how late each
    pulse left."""

    def __init__(self, output: Output, bpm: float = 120.0, *, realtime: bool = False,
                 on_error: Callable[[str], None] | None = None) -> None:
        check_clock_tempo(bpm)
        self.output, self.realtime, self.on_error = output, realtime, on_error
        self._line = PulseLine(bpm, 0.0, 0)  # where the pulses go from the last start or tempo change
        self._next = 0  # the pulse to send next
        self._stop = threading.Event()
        self._held = threading.Event()  # the output is away: no pulse is sent
        self._resync = threading.Event()  # say where the song is again, at the next sixteenth
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.error: str | None = None
        self.sent_late_s: deque[float] = late_record()

    def set_tempo(self, bpm: float) -> None:
        """A new tempo from the next pulse on."""
        with self._lock:
            self._line = self._line.retimed(bpm, self._next)

    def follow(self, line: PulseLine) -> None:
        """Send the pulses from line.pulse on at the line's times (a tempo change decided
        elsewhere: by the process that told this one to send)."""
        with self._lock:
            self._line = line

    def hold(self) -> None:
        """The output's port is away: the song goes on, but no pulse is sent until `resync`."""
        self._held.set()

    def resync(self) -> None:
        """The output is back (its port was away): the receiver lost its place, so at the next
        sixteenth the thread sends Song Position and Continue right before that sixteenth's
        pulse; the pulses before it are not sent."""
        self._resync.set()
        self._held.clear()

    def timeline(self) -> Timeline:
        with self._lock:
            return self._line.timeline(self.playing)

    @property
    def playing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, tick: int = 0, lead_in_s: float = 0.01, *, at: float | None = None) -> None:
        """Start the song at a tick (rounded down to a sixteenth, see first_pulse): Start from 0,
        else Song Position then Continue; the first pulse goes lead_in_s from now, or at
        perf_counter time `at`."""
        if self.playing:
            raise RuntimeError("the clock is already running")
        self._stop.clear()
        self._held.clear()
        self._resync.clear()
        self.error = None
        self.sent_late_s = late_record()
        self._next = first_pulse(tick)
        begin = time.perf_counter() + lead_in_s if at is None else at
        with self._lock:
            self._line = PulseLine(self._line.bpm, begin, self._next)
        if self._next == 0:
            self.output.send(mido.Message("start"))
        else:
            self._say_position()
        self._thread = threading.Thread(target=self._run, daemon=True, name="continuo-clock")
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Send Stop and end the thread (which wakes at once: even a GUI thread's stop, with
        timeout=0, waits for no more than the pulse being sent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(max(timeout, 0.05))
        try:
            self.output.send(mido.Message("stop"))
        except OSError as err:
            self.error = f"The MIDI clock output stopped working ({err})."

    def _run(self) -> None:
        pulse = mido.Message("clock")
        if self.realtime:
            ask_for_fifo()
        try:
            while not self._stop.is_set():
                with self._lock:
                    deadline = self._line.time_of(self._next)
                left = deadline - time.perf_counter()
                if left > SPIN_S and self._stop.wait(left - SPIN_S):
                    break
                while time.perf_counter() < deadline:
                    pass
                if self._held.is_set() or (self._resync.is_set() and not self._resynced()):
                    with self._lock:
                        self._next += 1  # not sent: the receiver is away or not yet told where we are
                    continue
                self.output.send(pulse)
                self.sent_late_s.append(time.perf_counter() - deadline)
                with self._lock:
                    self._next += 1
        except OSError as err:
            self.error = f"The MIDI clock output stopped working ({err}); the clock stopped."
            if self.on_error is not None:
                self.on_error(self.error)

    def _resynced(self) -> bool:
        """On the thread, at a pulse's time while a resync is asked for: on a sixteenth, send
        Song Position and Continue (True: the pulse follows); elsewhere the pulse is skipped (False)."""
        if self._next % PULSES_PER_SPP:
            return False
        self._resync.clear()
        self._say_position()
        return True

    def _say_position(self) -> None:
        """Song Position (the sixteenth of the next pulse, a whole one) and Continue."""
        self.output.send(mido.Message("songpos", pos=min(MAX_SPP, self._next // PULSES_PER_SPP)))
        self.output.send(mido.Message("continue"))
