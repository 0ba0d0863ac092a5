"""Continue-and-play: the engine's incremental continuation feeds the real-time player directly,
so the first note sounds on the first grid line it can make instead of after the whole
continuation is written.

Generation runs on the player's feeder thread and starts the moment `start` is called. When the
first note is ready, the launch is fixed: the continuation is shifted a whole number of grid
steps (a sixteenth, a beat or a bar, keeping its place in the bar) to the first grid line at
least `margin_s` ahead of now. Every note then records its lead, how long before its deadline
it was generated, so "generation stays ahead of playback" is measured rather than hoped for.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from studio.core.notes import Clip, Note
from studio.engine.continuation import Engine, Settings
from studio.live.transport import LiveError, RealTimePlayer, SyncedPlayer, Transport, grid_ticks, launch_shift


class LiveContinuation(SyncedPlayer):
    """One continuation of `seed` played live by `player`, on `transport`'s beat.

    `origin` is the transport tick of the seed's tick 0 (a bar line, so bars line up);
    `not_before` (a transport tick) delays the launch, as jam mode does for its pause.
    Raises SeedError for a seed or settings that cannot be continued.
    """

    def __init__(self, engine: Engine, seed: Clip, settings: Settings, player: RealTimePlayer,
                 transport: Transport, *, grid: str = "beat", variation: int = 0, origin: int = 0,
                 not_before: float | None = None, margin_s: float = 0.03) -> None:
        self.continuation = engine.continuation(seed, settings)
        if not 0 <= variation < settings.variations:
            raise LiveError(f"There is no variation {variation + 1} to play.")
        self.grid = grid_ticks(grid, self.continuation.seed.time_signature)
        self.variation, self.origin, self.not_before, self.margin_s = variation, origin, not_before, margin_s
        super().__init__(player, transport)
        self.requested_at: float | None = None  # perf_counter time of start()
        self.first_ready_at: float | None = None  # when the first note was generated
        self.start_tick: int | None = None  # the transport tick the continuation starts on
        self.start_time: float | None = None  # ... and its perf_counter time
        self.played: list[Note] = []  # the notes handed to the player, in transport ticks
        self.leads: list[float] = []  # seconds each note was ready before its deadline
        self.generated = threading.Event()  # set once generation has ended (done or cancelled)
        self._lock = threading.Lock()

    def start(self) -> None:
        """Begin generating and playing now."""
        self.requested_at = time.perf_counter()
        self.play(self._notes())

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
            line = self.transport.timeline()
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
            note = generated.note.moved(start=generated.note.start + shift)
            with self._lock:
                self.played.append(note)
                self.leads.append(line.time_of(note.start) - now)
            yield note

    @property
    def lead_s(self) -> float | None:
        """The smallest lead of generation over playback so far (negative: a note was late)."""
        with self._lock:
            return min(self.leads, default=None)

    def stop(self, wait: bool = True) -> None:
        """Cancel generation and silence every note, at once."""
        self.continuation.cancel()
        super().stop(wait)
