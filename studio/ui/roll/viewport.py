"""What part of the 128-key, endless-time plane the roll shows, and the mapping between ticks
and pitches and pixels that the grid, ruler, keys and velocity lane all share.

Horizontally the view is anchored by the tick at its left edge (so zooming keeps musical
positions); vertically by a pixel offset from the top of the highest key (row 127).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QWheelEvent

from studio.core.notes import TICKS_PER_QUARTER

PITCHES = 128
BLACK_KEYS = frozenset((1, 3, 6, 8, 10))  # pitch classes of the black keys
MIN_PX_PER_QUARTER, MAX_PX_PER_QUARTER = 1.0, 1600.0
MIN_ROW, MAX_ROW = 5.0, 40.0


class Viewport(QObject):
    """Scroll position and zoom of the roll; `changed` fires on any of them."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.px_per_tick = 48.0 / TICKS_PER_QUARTER
        self.row_height = 14.0
        self.left = 0.0  # tick at x = 0
        self.top = 0.0  # pixels scrolled down from the top of row 127
        self.width = 0
        self.height = 0

    # Mapping.

    def x(self, tick: float) -> float:
        return (tick - self.left) * self.px_per_tick

    def tick(self, x: float) -> float:
        return x / self.px_per_tick + self.left

    def y(self, pitch: int) -> float:
        """The top edge of pitch's row."""
        return (PITCHES - 1 - pitch) * self.row_height - self.top

    def pitch(self, y: float) -> int:
        row = math.floor((y + self.top) / self.row_height)
        return max(0, min(PITCHES - 1, PITCHES - 1 - row))

    def visible_ticks(self) -> tuple[float, float]:
        return self.left, self.tick(self.width)

    def visible_pitches(self) -> tuple[int, int]:
        """(lowest, highest) pitch with any row on screen."""
        return self.pitch(self.height), self.pitch(0)

    @property
    def content_height(self) -> float:
        return PITCHES * self.row_height

    # Changing.

    def resize(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.scroll_to(self.left, self.top)

    def scroll_to(self, left: float | None = None, top: float | None = None) -> None:
        left = self.left if left is None else max(0.0, left)
        top = self.top if top is None else max(0.0, min(top, self.content_height - self.height))
        if (left, top) != (self.left, self.top):
            self.left, self.top = left, top
            self.changed.emit()

    def zoom_time(self, factor: float, anchor_x: float | None = None) -> None:
        """Zoom horizontally, keeping the tick under anchor_x (default: the left edge) in place."""
        anchor_x = 0.0 if anchor_x is None else anchor_x
        anchor = self.tick(anchor_x)
        low, high = MIN_PX_PER_QUARTER / TICKS_PER_QUARTER, MAX_PX_PER_QUARTER / TICKS_PER_QUARTER
        self.px_per_tick = max(low, min(high, self.px_per_tick * factor))
        self.left = max(0.0, anchor - anchor_x / self.px_per_tick)
        self.changed.emit()

    def zoom_pitch(self, factor: float, anchor_y: float | None = None) -> None:
        """Zoom vertically, keeping the row under anchor_y (default: the middle) in place."""
        anchor_y = self.height / 2 if anchor_y is None else anchor_y
        rows = (anchor_y + self.top) / self.row_height
        self.row_height = max(MIN_ROW, min(MAX_ROW, self.row_height * factor))
        self.top = max(0.0, min(rows * self.row_height - anchor_y, self.content_height - self.height))
        self.changed.emit()

    @contextmanager
    def spanning(self, left: float, width: int) -> Iterator[None]:
        """Temporarily map a wider strip (for painting an off-screen layer), silently."""
        saved = self.left, self.width
        self.left, self.width = left, width
        try:
            yield
        finally:
            self.left, self.width = saved

    def center_on_pitch(self, pitch: float) -> None:
        self.scroll_to(top=(PITCHES - 1 - pitch + 0.5) * self.row_height - self.height / 2)


def scroll_or_zoom(view: Viewport, event: QWheelEvent, zoom_pitch: bool = False) -> None:
    """The roll's mouse wheel: scroll up/down, Shift (or a sideways wheel) scrolls in time,
    Ctrl zooms time around the mouse, Ctrl+Shift (or Ctrl over the keys) zooms pitch."""
    angle = event.angleDelta()
    mods = event.modifiers()
    shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
    delta = angle.y() or angle.x()
    pos = event.position()
    if mods & Qt.KeyboardModifier.ControlModifier:
        factor = 1.2 ** (delta / 120)
        if zoom_pitch or shift:
            view.zoom_pitch(factor, pos.y())
        else:
            view.zoom_time(factor, pos.x())
    elif shift or (angle.x() and not angle.y()):
        view.scroll_to(left=view.left - delta / 120 * view.width / 8 / view.px_per_tick)
    else:
        view.scroll_to(top=view.top - delta / 120 * 3 * view.row_height)
    event.accept()
