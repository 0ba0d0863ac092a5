"""The bar/beat ruler above the roll: bar numbers (every 2nd, 4th, ... bar zoomed far out),
beat ticks, labelled bar.beat ("3.2") once zoomed in far enough for them, the loop region and the
playhead. Drag in the ruler to set the loop (snapped), click to ask for the playhead to move
there (`seek_requested`), double-click the loop to clear it; Ctrl+wheel zooms time.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QFont,
    QFontMetricsF,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QWidget

from studio.ui.roll import palette
from studio.ui.roll.grid import TimeLines, time_lines
from studio.ui.roll.state import RollState
from studio.ui.roll.viewport import scroll_or_zoom

RULER_HEIGHT = 26
LABEL_GAP_PX = 34
BEAT_LABEL_PAD_PX = 12  # the least space between a beat's label and the next beat


class Ruler(QWidget):
    """Bars and beats over the grid; the loop is set by dragging here."""

    def __init__(self, state: RollState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._press: QPointF | None = None
        self._dragging = False
        self.setFixedHeight(RULER_HEIGHT)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._font = QFont(self.font())
        self._font.setPixelSize(11)
        self._metrics = QFontMetricsF(self._font)
        state.repaint.connect(self.update)
        state.scrolled.connect(self.update)
        state.playhead_moved.connect(self.update)

    def sizeHint(self) -> QSize:
        return QSize(600, RULER_HEIGHT)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        state, view, height = self.state, self.state.viewport, self.height()
        painter.fillRect(self.rect(), palette.PANEL)
        if state.loop:
            x0, x1 = view.x(state.loop[0]), view.x(state.loop[1])
            painter.fillRect(QRectF(x0, height - 9, x1 - x0, 7), palette.LOOP_BAND)
        metre = state.document.time_signature
        lines = time_lines(view, metre, None)
        painter.setPen(QPen(palette.TEXT_DIM, 1))
        for tick in lines.beats:
            x = math.floor(view.x(tick)) + 0.5
            painter.drawLine(QPointF(x, height - 5), QPointF(x, height))
        painter.setFont(self._font)
        labelled = dict(self.labels(lines))
        for tick in lines.bars:
            x = math.floor(view.x(tick)) + 0.5
            major = tick in labelled
            painter.setPen(QPen(palette.TEXT if major else palette.TEXT_DIM, 1))
            painter.drawLine(QPointF(x, height - (14 if major else 8)), QPointF(x, height))
        bars = set(lines.bars)
        for tick, text in labelled.items():
            painter.setPen(QPen(palette.TEXT if tick in bars else palette.TEXT_DIM, 1))
            painter.drawText(QPointF(math.floor(view.x(tick)) + 4.5, 12), text)
        if state.playhead is not None:
            x = view.x(state.playhead)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.PLAYHEAD)
            painter.drawPolygon(QPolygonF([QPointF(x - 5, height - 9), QPointF(x + 5, height - 9),
                                           QPointF(x, height)]))
        painter.setPen(QPen(palette.PANEL_EDGE, 1))
        painter.drawLine(QPointF(0, height - 0.5), QPointF(self.width(), height - 0.5))
        painter.end()

    def labels(self, lines: TimeLines | None = None) -> list[tuple[int, str]]:
        """(tick, text) of the numbers to write: the bars ("5"; zoomed out, only every 2nd,
        4th, ... bar) and, where a beat is wide enough for its label, the beats ("5.2").
        `lines` are the view's time lines, if the caller has them already."""
        view, metre = self.state.viewport, self.state.document.time_signature
        lines = lines or time_lines(view, metre, None)
        bar, beat = metre.bar_ticks, metre.beat_ticks
        every = max(1, 2 ** math.ceil(math.log2(max(1.0, LABEL_GAP_PX / (bar * view.px_per_tick)))))
        shown = [(tick, str(tick // bar + 1)) for tick in lines.bars if tick // bar % every == 0]
        widest = f"{int(view.visible_ticks()[1]) // bar + 1}.{bar // beat}"
        if beat * view.px_per_tick >= self._metrics.horizontalAdvance(widest) + BEAT_LABEL_PAD_PX:
            shown += [(tick, f"{tick // bar + 1}.{tick % bar // beat + 1}") for tick in lines.beats]
        return sorted(shown)

    def _tick(self, pos: QPointF, event: QMouseEvent) -> int:
        bypass = self.state.bypasses_snap(event.modifiers())
        return self.state.snapped(self.state.viewport.tick(pos.x()), bypass)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press, self._dragging = event.position(), False

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None:
            return
        if (event.position() - self._press).manhattanLength() >= QApplication.startDragDistance():
            self._dragging = True
        if self._dragging:
            self.state.set_loop((self._tick(self._press, event), self._tick(event.position(), event)))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._press is not None and not self._dragging:
            self.state.seek_requested.emit(self._tick(event.position(), event))
        self._press = None

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        loop, tick = self.state.loop, self.state.viewport.tick(event.position().x())
        if loop and loop[0] <= tick <= loop[1]:
            self.state.set_loop(None)

    def wheelEvent(self, event: QWheelEvent) -> None:
        scroll_or_zoom(self.state.viewport, event)
