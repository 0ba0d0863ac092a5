"""The vertical grid lines of the roll: bars stronger than beats stronger than snap
subdivisions, following the time signature and thinned out when zoomed far out, so lines never
crowd closer than a few pixels. Shared by the note grid, the velocity lane and the ruler.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QLineF
from PySide6.QtGui import QPainter, QPen

from studio.core.notes import TICKS_PER_QUARTER, TimeSignature
from studio.ui.roll import palette
from studio.ui.roll.viewport import Viewport

MIN_GAP_PX = 7.0


@dataclass
class TimeLines:
    """Ticks of the visible bar, beat and subdivision lines."""

    bars: list[int]
    beats: list[int]
    subs: list[int]


def time_lines(viewport: Viewport, metre: TimeSignature, snap: int | None) -> TimeLines:
    """The lines between the viewport's left and right edges."""
    bar, beat = metre.bar_ticks, metre.beat_ticks
    sub = snap if snap and snap < beat and beat % snap == 0 else TICKS_PER_QUARTER // 4
    step = next((s for s in (sub, beat) if s * viewport.px_per_tick >= MIN_GAP_PX), bar)
    while step * viewport.px_per_tick < MIN_GAP_PX:
        step *= 2  # very far out: every 2nd, 4th, ... bar
    t0, t1 = viewport.visible_ticks()
    lines = TimeLines([], [], [])
    for tick in range(math.floor(t0 / step) * step, math.ceil(t1) + step, step):
        if tick % bar == 0:
            lines.bars.append(tick)
        elif tick % beat == 0:
            lines.beats.append(tick)
        else:
            lines.subs.append(tick)
    return lines


def paint_time_lines(
    painter: QPainter, viewport: Viewport, metre: TimeSignature, snap: int | None, height: float
) -> None:
    """Draw the vertical lines over a widget `height` pixels tall."""
    lines = time_lines(viewport, metre, snap)
    for ticks, colour in ((lines.subs, palette.SUB_LINE), (lines.beats, palette.BEAT_LINE),
                          (lines.bars, palette.BAR_LINE)):
        painter.setPen(QPen(colour, 1))
        xs = (math.floor(viewport.x(t)) + 0.5 for t in ticks)
        painter.drawLines([QLineF(x, 0, x, height) for x in xs])
