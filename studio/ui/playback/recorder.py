"""Recording: notes played on screen, on the computer keys or on a hardware keyboard while the
transport records are taken at the playhead's tick, in clip ticks (a loop's wrap included).
Notes played during the count-in land on the first beat (one tapped and let go within it lasts
a sixteenth); notes still held when recording stops end there. `finish()` hands back the take,
quantized to a grid if asked, for the window to add as one undoable edit.
"""

from __future__ import annotations

from collections.abc import Callable

from studio.core.notes import TICKS_PER_QUARTER, Note
from studio.core.quantize import quantize_notes

TAP = TICKS_PER_QUARTER // 4  # the length of a note let go before the clock moved (the count-in)


class Recorder:
    """Collects a take from note_on/note_off calls; `position()` is the transport's clip tick
    (None when stopped) and `loop_end()` the end of the loop being recorded over, if any."""

    def __init__(self, position: Callable[[], int | None],
                 loop_end: Callable[[], int | None] = lambda: None) -> None:
        self._position, self._loop_end = position, loop_end
        self.recording = False
        self._held: dict[int, tuple[int, int]] = {}  # pitch -> (start tick, velocity)
        self._take: list[Note] = []
        self._last = 0  # the last tick seen: held notes end there if the transport stopped first

    def _tick(self) -> int | None:
        tick = self._position()
        if tick is not None:
            self._last = tick
        return tick

    def start(self) -> None:
        self.recording = True
        self._held.clear()
        self._take = []

    def note_on(self, pitch: int, velocity: int) -> None:
        tick = self._tick()
        if not self.recording or tick is None:
            return
        if pitch in self._held:  # pressed again without a release: end the first one here
            self.note_off(pitch)
        self._held[pitch] = (tick, velocity)

    def note_off(self, pitch: int) -> None:
        held = self._held.pop(pitch, None)
        if held is None:
            return
        tick = self._tick()
        if tick is None:
            tick = self._last
        start, velocity = held
        if tick < start:  # the loop wrapped while the key was held: end at the loop's end
            tick = max(start + 1, self._loop_end() or start + 1)
        elif tick == start:  # tapped while the clock stood still (the count-in): not a loop long
            tick = start + TAP
        self._take.append(Note(start, pitch, tick - start, max(1, min(127, velocity))))

    def finish(self, grid: int | None = None) -> list[Note]:
        """Stop recording: close held notes, quantize starts to grid if given, return the take."""
        for pitch in list(self._held):
            self.note_off(pitch)
        self._held.clear()
        self.recording = False
        take = sorted(self._take)
        self._take = []
        return quantize_notes(take, grid) if grid else take
