"""Snap note starts (and optionally lengths) to a grid, with a strength for a human feel."""

from __future__ import annotations

from collections.abc import Iterable

from studio.core.notes import TICKS_PER_QUARTER, Note

# Grid names the UI offers, in ticks: straight 1/1 ... 1/32 and triplets.
GRIDS: dict[str, int] = {
    "1/1": TICKS_PER_QUARTER * 4,
    "1/2": TICKS_PER_QUARTER * 2,
    "1/4": TICKS_PER_QUARTER,
    "1/8": TICKS_PER_QUARTER // 2,
    "1/16": TICKS_PER_QUARTER // 4,
    "1/32": TICKS_PER_QUARTER // 8,
    "1/4T": TICKS_PER_QUARTER * 2 // 3,
    "1/8T": TICKS_PER_QUARTER // 3,
    "1/16T": TICKS_PER_QUARTER // 6,
}


def snap(tick: int, grid: int) -> int:
    """The grid line nearest to tick (halfway rounds up, so snapping is stable)."""
    return (tick + grid // 2) // grid * grid


def quantize_notes(
    notes: Iterable[Note], grid: int, *, strength: float = 1.0, lengths: bool = False
) -> list[Note]:
    """Move each start towards its nearest grid line by strength (0..1); optionally snap
    lengths too (never below one grid step)."""
    if grid <= 0:
        raise ValueError("the grid must be at least one tick")
    if not 0.0 <= strength <= 1.0:
        raise ValueError("strength goes from 0 to 1")
    out = []
    for note in notes:
        start = note.start + round((snap(note.start, grid) - note.start) * strength)
        duration = note.duration
        if lengths:
            duration = max(grid, snap(duration, grid))
        out.append(note.moved(start=max(0, start), duration=duration))
    return out
