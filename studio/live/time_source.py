"""Where the beat is (a TimeSource), and a player that stays on it.

A TimeSource is anything with `timeline()`: Continuo's own fixed tempo here, a DAW's MIDI clock
(studio.midi.clock.ClockFollower; ClockSender, or the player process's ProcessClock, when
Continuo is the master) or Ableton Link (studio.live.link). `SyncedPlayer` plays notes written
in the time source's ticks and re-aligns a real-time player (studio.midi's Player, or its
ProcessPlayer, which keeps the player out of this process's interpreter lock) to the time source
every few milliseconds, so a drifting or changing DAW tempo is followed; when the time source
stops, the notes stop (no note is left hanging).
Launches are quantized by shifting a phrase a whole number of grid steps (a sixteenth, a beat
or a bar), which keeps its place in the bar.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from studio.core.notes import TICKS_PER_QUARTER, Note, TimeSignature
from studio.midi.clock import Timeline
from studio.midi.player import RealTimePlayer

GRIDS = ("16th", "beat", "bar")
SYNC_S = 0.005  # how often the player is re-aligned to the time source
LEAD_IN_S = 0.005  # from a play's start to its first tick, when no followed timeline says otherwise


class LiveError(Exception):
    """A live-playing problem the user can fix; str() is one sentence."""


class TimeSource(Protocol):
    """A source of musical time."""

    def timeline(self) -> Timeline | None:
        """The current tempo and position, or None while they are not known yet."""
        ...


class FixedTempo:
    """Continuo's own clock: tick 0 falls at `origin` (perf_counter seconds; default now)."""

    def __init__(self, bpm: float, origin: float | None = None) -> None:
        if not 20 <= bpm <= 400:
            raise LiveError("The tempo must be between 20 and 400 BPM.")
        self._line = Timeline(bpm, time.perf_counter() if origin is None else origin, 0.0)
        self._lock = threading.Lock()

    def timeline(self) -> Timeline:
        with self._lock:
            return self._line

    def set_tempo(self, bpm: float) -> None:
        """A new tempo from now on, without a jump in position."""
        now = time.perf_counter()
        with self._lock:
            self._line = Timeline(bpm, now, self._line.tick_at(now))


@dataclass(frozen=True)
class Follow:
    """Keep a play on a time source: the play's first tick (after no count-in) falls on
    `source`'s tick `offset`; `lead_in_s` is how far ahead that is when the source is not moving
    yet (a DAW's Start arrives one clock pulse before its first beat)."""

    source: TimeSource
    offset: float
    lead_in_s: float = LEAD_IN_S


def grid_ticks(grid: str, metre: TimeSignature) -> int:
    """The length of one launch-grid step in ticks."""
    if grid == "16th":
        return TICKS_PER_QUARTER // 4
    if grid == "beat":
        return metre.beat_ticks
    if grid == "bar":
        return metre.bar_ticks
    raise LiveError(f"The launch grid must be one of {', '.join(GRIDS)}, not '{grid}'.")


def launch_shift(start: int, earliest: float, grid: int) -> int:
    """The smallest whole number of grid steps that moves tick `start` to `earliest` or later."""
    return math.ceil((earliest - start) / grid) * grid


class SyncedPlayer:
    """A real-time player kept on a source's timeline."""

    def __init__(self, player: RealTimePlayer, source: TimeSource) -> None:
        self.player, self.source = player, source
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()  # this run is over (the player may serve the next one)

    def play(self, notes: Iterable[Note], lead_in_s: float = 0.005) -> None:
        """Play notes (in the time source's ticks, sorted by start) from the time source's position
        now; notes already past are skipped. A previous run still ending is waited for."""
        self.player.wait(1.0)
        line = self.source.timeline()
        if line is None or not line.playing:
            raise LiveError("The transport is not running: start the DAW (or its clock) first.")
        now = time.perf_counter()
        self._stopped.clear()
        self.player.start(notes, line.bpm, int(line.tick_at(now + lead_in_s)), lead_in_s=lead_in_s)
        self.player.align(line.bpm, line.seconds, line.tick)
        self._thread = threading.Thread(target=self._follow, daemon=True, name="continuo-sync")
        self._thread.start()

    def _follow(self) -> None:
        while self.player.playing and not self._stopped.is_set():
            line = self.source.timeline()
            if line is None or not line.playing:
                self.player.stop(timeout=0)  # the DAW stopped: so do we, silencing every note
                return
            self.player.align(line.bpm, line.seconds, line.tick)
            self.player.wait(SYNC_S)

    @property
    def playing(self) -> bool:
        """This run is playing (not stopped, not ended); `wait` for the last note to be off."""
        return self.player.playing and not self._stopped.is_set()

    @property
    def error(self) -> str | None:
        return self.player.error

    def stop(self, wait: bool = True) -> None:
        """Stop at once; with wait, return once every sounding note is off."""
        self._stopped.set()
        self.player.stop(timeout=2.0 if wait else 0)

    def wait(self, timeout: float | None = None) -> bool:
        return self.player.wait(timeout)
