"""The real-time player: its own thread, absolute deadlines, a lookahead queue, tempo changes,
and one invariant above all - every note-on it sent gets its note-off, on stop, on cancel, on
a lost port and on an exception in the producer (then all-notes-off on every channel it used).

Notes come from any iterable (a clip, a play plan's stream, or the engine's incremental
continuation). A feeder thread pulls them into a queue, so a slow producer never delays a
deadline; the player thread sleeps until about a millisecond before each deadline and then
spins. Playback starts at any tick (a note already sounding there starts with it); looping is
the play plan's (studio.live.play_plan), which hands the player an endless stream. Optionally
the player thread asks for SCHED_FIFO, where the system permits it.

A player plays one run at a time: a run told to stop ends its notes on its own thread, and the
next `start` begins after it. `RealTimePlayer` is what every player offers (this one, and
studio.midi.player_process's), so nothing that plays asks which kind it holds.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

import mido

from studio.core.notes import TICKS_PER_QUARTER, Note

SPIN_S = 0.001  # sleep until this long before a deadline, then spin
ALL_SOUND_OFF, RESET_CONTROLLERS, ALL_NOTES_OFF = 120, 121, 123
PANIC = (ALL_NOTES_OFF, ALL_SOUND_OFF, RESET_CONTROLLERS)  # what a panic sends on every channel
LATE_KEPT = 20_000  # the latest sends whose lateness is kept: enough for any benchmark, bounded for hours


def late_record() -> deque[float]:
    """Where a sending thread notes how late each send left: the latest LATE_KEPT of them, so a
    loop or a clock left running for hours does not grow without end."""
    return deque(maxlen=LATE_KEPT)


class Output(Protocol):
    """Anything with mido's `send(message)`: a mido port, or a MemoryOutput in tests."""

    def send(self, message: mido.Message) -> None: ...


class RealTimePlayer(Protocol):
    """What a player offers, in this process or in the player's own (studio.midi.session hands
    one out): runs of notes on absolute deadlines, one run at a time, moved onto an outside
    timeline with `align`. `error` says why the last run ended early; `stopped_at` is the tick
    where it stopped when its output went away (else None), read before `error`."""

    error: str | None
    stopped_at: float | None

    @property
    def playing(self) -> bool: ...

    def start(self, notes: Iterable[Note], tempo: float, start_tick: int = 0, *,
              lead_in_s: float = 0.005, on_finish: Callable[[str | None], None] | None = None) -> None: ...

    def align(self, bpm: float, seconds: float, tick: float) -> None: ...

    def set_tempo(self, bpm: float) -> None: ...

    def position(self) -> float: ...

    def time_of(self, tick: float) -> float: ...

    def stop(self, timeout: float = 2.0) -> None: ...

    def wait(self, timeout: float | None = None) -> bool: ...


class MemoryOutput:
    """Collects (perf_counter time, message); can be told to fail like a vanished port."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.messages: list[tuple[float, mido.Message]] = []
        self.fail_after = fail_after
        self._lock = threading.Lock()

    def send(self, message: mido.Message) -> None:
        with self._lock:
            if self.fail_after is not None and len(self.messages) >= self.fail_after:
                raise OSError("the MIDI port has gone away")
            self.messages.append((time.perf_counter(), message))


_DONE = object()


def all_notes_off(channels: Iterable[int] = range(16), controls: Iterable[int] = (ALL_NOTES_OFF,)
                  ) -> list[mido.Message]:
    """The last-resort silence: each control change in `controls` (all-notes-off; PANIC adds
    all-sound-off and a controller reset) on each channel, channel by channel."""
    controls = tuple(controls)
    return [mido.Message("control_change", channel=channel, control=control, value=0)
            for channel in channels for control in controls]


def _check_tempo(bpm: float) -> None:
    if not 1 <= bpm <= 10_000:
        raise ValueError("tempo goes from 1 to 10,000 BPM")


class TempoAnchor:
    """Where a player is in time: a tempo and an anchor ((perf_counter seconds, tick) of the
    tempo's start), read and moved from any thread. Player and ProcessPlayer both keep one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bpm = 120.0
        self._anchor: tuple[float, float] = (0.0, 0)

    def _seconds(self, tick: float) -> float:
        t0, tick0 = self._anchor
        return t0 + (tick - tick0) * 60.0 / (self._bpm * TICKS_PER_QUARTER)

    def position(self) -> float:
        """The tick playing now, in the ticks of the notes the player was given."""
        with self._lock:
            t0, tick0 = self._anchor
            return tick0 + (time.perf_counter() - t0) * self._bpm * TICKS_PER_QUARTER / 60.0

    def time_of(self, tick: float) -> float:
        """The perf_counter time at which tick plays, at the tempo in force now."""
        with self._lock:
            return self._seconds(tick)

    def set_tempo(self, bpm: float) -> None:
        """Change tempo at the current position; later notes follow the new tempo."""
        _check_tempo(bpm)
        self.align(bpm, time.perf_counter(), self.position())

    def align(self, bpm: float, seconds: float, tick: float) -> None:
        """Follow an outside timeline (a DAW's clock, Ableton Link): `tick` falls at perf_counter
        time `seconds`, at `bpm`; later notes follow it."""
        _check_tempo(bpm)
        with self._lock:
            self._anchor, self._bpm = (seconds, tick), bpm


@dataclass(eq=False)
class _Run:
    """One run of a Player: its stop, its thread, and how it ended."""

    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    on_finish: Callable[[str | None], None] | None = None
    lost: str | None = None  # why it is stopping: its output went away


class Player(TempoAnchor):
    """Plays notes on an Output in its own thread. `start` begins a run, `stop` ends it (and
    waits), `on_finish(error)` is called from the player thread with None or one sentence; `lose`
    is for whoever watches the output (studio.midi.session): it went away. A run told to stop
    ends its notes on its own thread while the next one starts; its end is not reported."""

    def __init__(self, output: Output, *, lookahead_ticks: int = TICKS_PER_QUARTER,
                 on_finish: Callable[[str | None], None] | None = None, realtime: bool = False) -> None:
        super().__init__()
        self.output, self.lookahead_ticks, self.on_finish = output, lookahead_ticks, on_finish
        self.realtime = realtime  # ask for SCHED_FIFO; `realtime_granted` says if it was given
        self.realtime_granted = False
        self._current = _Run()
        self._current.stop.set()
        self.sent_late_s: deque[float] = late_record()  # how late each message left, for benchmarks
        self.error: str | None = None
        self.stopped_at: float | None = None

    # -- control --------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        thread = self._current.thread
        return thread is not None and thread.is_alive()

    def start(self, notes: Iterable[Note], tempo: float, start_tick: int = 0, *,
              lead_in_s: float = 0.005, on_finish: Callable[[str | None], None] | None = None) -> None:
        """Play notes (sorted by start, or close to it) from start_tick, lead_in_s from now.
        `on_finish`, if given, replaces self.on_finish from this run on."""
        if self.playing and not self._current.stop.is_set():
            raise RuntimeError("the player is already playing")
        _check_tempo(tempo)
        if on_finish is not None:
            self.on_finish = on_finish
        run = _Run(on_finish=self.on_finish)  # its own stop: a previous run's feeder keeps seeing its own
        self.error = self.stopped_at = None
        self.sent_late_s = late_record()
        with self._lock:
            self._bpm = tempo
            self._anchor = (time.perf_counter() + lead_in_s, start_tick)
        feed: queue.Queue = queue.Queue(maxsize=4096)
        threading.Thread(target=self._feed, args=(notes, feed, start_tick, run.stop), daemon=True,
                         name="continuo-feeder").start()
        run.thread = threading.Thread(target=self._run, args=(feed, run), daemon=True, name="continuo-player")
        self._current = run
        run.thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop now; returns once every sounding note has been turned off (at once with 0)."""
        run = self._current
        run.stop.set()
        if run.thread is not None and timeout:
            run.thread.join(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the end of playback; True if it ended."""
        thread = self._current.thread
        if thread is not None:
            thread.join(timeout)
        return not self.playing

    def lose(self, sentence: str) -> None:
        """The output went away: stop now (every note-off that can still go); the run ends with
        `sentence` as its error and `stopped_at` the tick where it stopped. Nothing if idle."""
        run = self._current
        if self.playing and not run.stop.is_set():
            run.lost = sentence
            self.stop()

    # -- threads --------------------------------------------------------------------------
    def _feed(self, notes: Iterable[Note], feed: queue.Queue, start_tick: int, stop: threading.Event) -> None:
        def put(item: object) -> bool:  # False once stopped: nobody takes from the queue then
            while not stop.is_set():
                with contextlib.suppress(queue.Full):
                    feed.put(item, timeout=0.05)
                    return True
            return False

        try:
            for note in notes:
                if note.end > start_tick and not put(note):
                    return
            put(_DONE)
        except Exception as err:  # the producer failed: the player ends cleanly and says why
            put(err)

    def _pull(self, feed: queue.Queue, heap: list, order: itertools.count) -> bool:
        """Move the producer's notes into the heap, up to the lookahead; wait for them only
        until the next deadline is near. False once the producer is done."""
        last_start = None
        while not heap or last_start is None or last_start <= heap[0][0] + self.lookahead_ticks:
            wait = 0.05
            if heap:
                wait = min(0.05, self._seconds(heap[0][0]) - time.perf_counter() - SPIN_S)
            try:
                item = feed.get(timeout=wait) if wait > 0 else feed.get_nowait()
            except queue.Empty:
                return True
            if item is _DONE:
                return False
            if isinstance(item, Exception):
                raise item
            last_start = item.start
            heapq.heappush(heap, (item.start, 1, next(order), item.channel, item.pitch, item.velocity))
            heapq.heappush(heap, (item.end, 0, next(order), item.channel, item.pitch, 0))
        return True

    def _run(self, feed: queue.Queue, run: _Run) -> None:
        heap: list[tuple[int, int, int, int, int, int]] = []  # (tick, on, seq, channel, pitch, velocity)
        order = itertools.count()
        sounding: set[tuple[int, int]] = set()
        channels: set[int] = set()
        producing = True
        error = None
        late = self.sent_late_s
        if self.realtime:
            self.realtime_granted = ask_for_fifo()
        try:
            while not run.stop.is_set():
                if producing:
                    producing = self._pull(feed, heap, order)
                if not heap:
                    if producing:
                        continue
                    break
                with self._lock:
                    deadline = self._seconds(heap[0][0])
                if not self._sleep_until(deadline, run.stop):
                    continue  # stopped, or time to look at the queue again
                _, on, _, channel, pitch, velocity = heapq.heappop(heap)
                self._play(on, channel, pitch, velocity, sounding, channels)
                late.append(time.perf_counter() - deadline)
        except OSError as err:
            error = f"The MIDI output stopped working ({err}); playback stopped."
        except Exception as err:
            error = f"Playback stopped: the notes could not be produced ({err})."
        finally:
            self._silence(sounding, channels)
            self._ended(run, error)

    def _ended(self, run: _Run, error: str | None) -> None:
        """A run's end, reported when it is still the player's latest run."""
        if run is not self._current:
            return
        if run.lost is not None:  # stopped_at before error: whoever sees one sees both
            self.stopped_at = self.position()
            error = run.lost
        self.error = error
        if run.on_finish is not None:
            run.on_finish(error)

    def _play(self, on: int, channel: int, pitch: int, velocity: int, sounding: set, channels: set) -> None:
        key = (channel, pitch)
        if on:
            if key in sounding:  # the same key again before its end: end the old note first
                self._send(mido.Message("note_off", channel=channel, note=pitch))
            sounding.add(key)
            channels.add(channel)
            self._send(mido.Message("note_on", channel=channel, note=pitch, velocity=velocity))
        elif key in sounding:  # an end whose note was already ended by a repeat is dropped
            sounding.discard(key)
            self._send(mido.Message("note_off", channel=channel, note=pitch))

    def _sleep_until(self, deadline: float, stop: threading.Event) -> bool:
        """Sleep until about SPIN_S before the deadline, then spin; False if stopped first or
        if it is worth looking at the queue again (long waits are cut into slices)."""
        while True:
            left = deadline - time.perf_counter()
            if stop.is_set():
                return False
            if left <= 0:
                return True
            if left > SPIN_S:
                if left - SPIN_S > 0.05:
                    stop.wait(0.05)
                    return False
                stop.wait(left - SPIN_S)  # wakes at once on stop

    def _send(self, message: mido.Message) -> None:
        self.output.send(message)

    def _silence(self, sounding: set[tuple[int, int]], channels: set[int]) -> None:
        """Note-off for every sounding note, then all-notes-off on every channel used. Errors
        here are swallowed: the port may be the thing that failed."""
        for channel, pitch in list(sounding):
            try:
                self._send(mido.Message("note_off", channel=channel, note=pitch))
            except Exception:
                break
        sounding.clear()
        for message in all_notes_off(sorted(channels)):
            try:
                self._send(message)
            except Exception:
                break


def ask_for_fifo() -> bool:
    """SCHED_FIFO for the calling thread (Linux applies pid 0 to the thread); False if refused."""
    try:
        priority = min(50, os.sched_get_priority_max(os.SCHED_FIFO))
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
    except (AttributeError, OSError):
        return False
    return True


def clipped(note: Note, first: int, end: int) -> Note:
    """The part of a note inside ticks [first, end) (the note must reach into them)."""
    start = max(note.start, first)
    return note.moved(start=start, duration=min(note.end, end) - start)
