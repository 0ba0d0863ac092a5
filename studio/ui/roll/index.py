"""A time index over notes so a view draws and hit-tests only what it can see.

Notes are grouped by length, each group's span of lengths a factor of two (up to 1 tick, 2,
4, ... ticks), and each group is kept sorted by start. A query for [t0, t1) bisects each group
to the notes starting before t1 and no earlier than t0 minus that group's longest note, keeps
those that really overlap, and merges the groups back into start order. The cost is the
visible notes plus, per group, the few that start within one of its longest notes of the
window, not the whole clip: scrolling or hovering over a 10,000-note clip costs what the
screen shows, even when one note lasts the whole clip (it looks back only in its own group).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Hashable, Iterable

from studio.core.notes import Note

Item = tuple[Hashable, Note]


class _Group:
    """Notes of similar length, by start: their places in the index's start order, starts, ends."""

    def __init__(self, items: list[Item], places: list[int]) -> None:
        self.places = places
        self.starts = [items[k][1].start for k in places]
        self.ends = [items[k][1].end for k in places]
        self.longest = max(end - start for start, end in zip(self.starts, self.ends, strict=True))

    def overlapping(self, t0: float, t1: float) -> list[int]:
        """The places of the notes overlapping [t0, t1), in start order."""
        lo = bisect_left(self.starts, t0 - self.longest)
        hi = bisect_left(self.starts, t1)
        return [k for k, end in zip(self.places[lo:hi], self.ends[lo:hi], strict=True) if end > t0]


class NoteIndex:
    """Immutable index of (key, note) pairs by start tick."""

    def __init__(self, items: Iterable[Item]) -> None:
        self._items = sorted(items, key=lambda item: (item[1].start, item[1].pitch))
        groups: dict[int, list[int]] = defaultdict(list)
        for place, (_, note) in enumerate(self._items):
            groups[note.duration.bit_length()].append(place)
        self._groups = [_Group(self._items, places) for places in groups.values()]
        self.end = max((note.end for _, note in self._items), default=0)  # where the last note ends

    def __len__(self) -> int:
        return len(self._items)

    def query(self, t0: float, t1: float) -> list[Item]:
        """The items whose notes overlap [t0, t1), in start order (later ones paint on top)."""
        places = [k for group in self._groups for k in group.overlapping(t0, t1)]
        if len(self._groups) > 1:
            places.sort()  # back into start order: places are ranks in it
        items = self._items
        return [items[k] for k in places]
