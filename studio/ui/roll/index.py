"""A time index over notes so a view draws and hit-tests only what it can see.

Notes are kept sorted by start; a query for [t0, t1) bisects to the notes starting before t1
and no earlier than t0 minus the longest note, then keeps those that really overlap. The cost
is the visible notes plus the few that start within one longest-note of the window, not the
whole clip, so scrolling a 10,000-note clip costs what the screen shows.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Hashable, Iterable, Iterator

from studio.core.notes import Note


class NoteIndex:
    """Immutable index of (key, note) pairs by start tick."""

    def __init__(self, items: Iterable[tuple[Hashable, Note]]) -> None:
        self._items = sorted(items, key=lambda item: (item[1].start, item[1].pitch))
        self._starts = [note.start for _, note in self._items]
        self._longest = max((note.duration for _, note in self._items), default=0)
        self.end = max((note.end for _, note in self._items), default=0)  # where the last note ends

    def __len__(self) -> int:
        return len(self._items)

    def query(self, t0: float, t1: float) -> Iterator[tuple[Hashable, Note]]:
        """The items whose notes overlap [t0, t1), in start order (later ones paint on top)."""
        lo = bisect_left(self._starts, t0 - self._longest)
        hi = bisect_left(self._starts, t1)
        for i in range(lo, hi):
            item = self._items[i]
            if item[1].end > t0:
                yield item
