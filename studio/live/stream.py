"""Continue-and-play: the engine's incremental continuation feeds the real-time player directly,
so the first note sounds on the first grid line it can make instead of after the whole
continuation is written.

Generation runs on the player's feeder thread and starts the moment `start` is called. When the
first note is ready, the launch is fixed: the continuation is shifted a whole number of grid
steps (a sixteenth, a beat or a bar, keeping its place in the bar) to the first grid line at
least `margin_s` ahead of now. Every note then records its lead, how long before its deadline
it was generated, so "generation stays ahead of playback" is measured rather than hoped for.

Playback that stopped part-way (its output went away) can `resume` once the output is back: the
rest of the continuation, from the tick where it stopped, moves whole grid steps to the first
grid line it can make, as the launch did; the notes generated already are kept for it, and
generation goes on where it was.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from studio.core.notes import Clip, Note
from studio.engine.continuation import Engine, Settings
from studio.live.time_source import LiveError, SyncedPlayer, TimeSource, grid_ticks, launch_shift
from studio.midi.player import RealTimePlayer, clipped


class LiveContinuation(SyncedPlayer):
    """One continuation of `seed` played live by `player`, on `source`'s beat.

    `origin` is the time source tick of the seed's tick 0 (a bar line, so bars line up);
    `not_before` (a source tick) delays the launch, as jam mode does for its pause.
    Raises SeedError for a seed or settings that cannot be continued.
    """

    def __init__(self, engine: Engine, seed: Clip, settings: Settings, player: RealTimePlayer,
                 source: TimeSource, *, grid: str = "beat", variation: int = 0, origin: int = 0,
                 not_before: float | None = None, margin_s: float = 0.03) -> None:
        self.continuation = engine.continuation(seed, settings)
        if not 0 <= variation < settings.variations:
            raise LiveError(f"There is no variation {variation + 1} to play.")
        self.grid = grid_ticks(grid, self.continuation.seed.time_signature)
        self.variation, self.origin, self.not_before, self.margin_s = variation, origin, not_before, margin_s
        super().__init__(player, source)
        self.requested_at: float | None = None  # perf_counter time of start()
        self.first_ready_at: float | None = None  # when the first note was generated
        self.start_tick: int | None = None  # the time source tick the continuation starts on
        self.start_time: float | None = None  # ... and its perf_counter time
        self.played: list[Note] = []  # the notes handed to the player, in source ticks
        self.leads: list[float] = []  # seconds each note was ready before its deadline
        self.generated = threading.Event()  # set once generation has ended (done or cancelled)
        self._lock = threading.Lock()
        self._source: Iterator[Note] = iter(())
        self._kept: list[Note] = []  # every note generated so far, placed as launched
        self._source_lock = threading.Lock()  # one run takes notes at a time; a resume waits for it
        self._run = 0  # a run of the player that is not the latest takes no more notes
        self.offset = 0  # ticks that resumes moved the rest of the continuation by

    def start(self) -> None:
        """Begin generating and playing now."""
        self.requested_at = time.perf_counter()
        self._source = self._notes()
        self.play(self._from(0, None))

    def resume(self, tick: float) -> int | None:
        """Play on after playback stopped at source tick `tick` (the output went away and is
        back): the notes from there on (one sounding there plays its rest), moved whole grid
        steps to the first grid line at least `margin_s` ahead. Returns the time source tick the
        rest starts on, or None when no note had been generated yet (the launch is still to come).
        LiveError if the time source is not running."""
        tick = int(tick)
        with self._source_lock:  # the stopped run's feeder is done taking notes
            self._run += 1
            cut = None
            if self.start_tick is not None:
                line = self.source.timeline()
                if line is None or not line.playing:
                    raise LiveError("The transport is not running: start the DAW (or its clock) first.")
                cut = tick - self.offset  # in the notes' launch placement
                earliest = line.tick_at(time.perf_counter() + self.margin_s)
                self.offset += launch_shift(tick, earliest, self.grid)
            with self._lock:
                self.played = [n for n in self.played if n.end <= tick]  # heard whole; the rest goes again
            run, offset = self._run, self.offset
        self.play(self._from(offset, cut, run))
        return None if cut is None else cut + offset

    def _from(self, offset: int, cut: int | None, run: int = 0) -> Iterator[Note]:
        """One run of the player: the kept notes that end after `cut` (one sounding there from
        `cut`), then each note as it is generated, all `offset` ticks later than launched."""
        index = 0
        while True:
            with self._source_lock:
                if run != self._run:
                    return  # a resume took over
                fresh = index == len(self._kept)
                if fresh:
                    generated = next(self._source, None)
                    if generated is None:
                        return
                    self._kept.append(generated)
                note = self._kept[index]
                index += 1
                if cut is not None:
                    if note.end <= cut:
                        continue
                    note = clipped(note, cut, note.end)  # one sounding at the cut plays its rest
                note = note.moved(start=note.start + offset)
                with self._lock:
                    self.played.append(note)
                    if fresh and (line := self.source.timeline()) is not None:
                        self.leads.append(line.time_of(note.start) - time.perf_counter())
            yield note

    def _notes(self) -> Iterator[Note]:
        try:
            yield from self._shifted()
        finally:
            self.generated.set()

    def _shifted(self) -> Iterator[Note]:
        shift = None
        for generated in self.continuation:
            if generated.variation != self.variation:
                continue
            now = time.perf_counter()
            line = self.source.timeline()
            if line is None:
                return
            if shift is None:
                earliest = line.tick_at(now + self.margin_s)
                if self.not_before is not None:
                    earliest = max(earliest, self.not_before)
                start = self.continuation.start_tick + self.origin
                shift = self.origin + launch_shift(start, earliest, self.grid)
                with self._lock:
                    self.first_ready_at = now
                    self.start_tick = self.continuation.start_tick + shift
                    self.start_time = line.time_of(self.start_tick)
            yield generated.note.moved(start=generated.note.start + shift)

    @property
    def lead_s(self) -> float | None:
        """The smallest lead of generation over playback so far (negative: a note was late)."""
        with self._lock:
            return min(self.leads, default=None)

    def stop(self, wait: bool = True) -> None:
        """Cancel generation and silence every note, at once."""
        self.continuation.cancel()
        super().stop(wait)
