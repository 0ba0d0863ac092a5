"""The piano keys down the side of the roll, one row per pitch, aligned with the grid: C's
labelled with their octave (C4 = middle C), other white keys named when rows are tall enough,
the key's scale marked. Pressing a key auditions it (louder towards the tip, like striking a
real key further out); dragging glides over the keys; Ctrl+wheel zooms the pitch axis.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QMouseEvent, QPainter, QPaintEvent, QPen, QWheelEvent
from PySide6.QtWidgets import QWidget

from studio.core.scales import note_name
from studio.ui.roll import palette
from studio.ui.roll.state import RollState
from studio.ui.roll.viewport import BLACK_KEYS, scroll_or_zoom

KEYS_WIDTH = 64
BLACK_KEY_SHARE = 0.6  # how far a black key reaches across the column


class KeyColumn(QWidget):
    """Piano keys for the roll's visible rows."""

    def __init__(self, state: RollState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.pressed: int | None = None
        self.setFixedWidth(KEYS_WIDTH)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._font = QFont(self.font())
        state.repaint.connect(self.update)
        state.scrolled.connect(self.update)

    def sizeHint(self) -> QSize:
        return QSize(KEYS_WIDTH, 400)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        view, width = self.state.viewport, self.width()
        rows = view.row_height
        painter.fillRect(self.rect(), palette.KEY_WHITE)
        low, high = view.visible_pitches()
        self._font.setPixelSize(max(7, min(11, int(rows * 0.7))))
        scale = self.state.scale
        for pitch in range(low, high + 1):
            y = view.y(pitch)
            row = QRectF(0, y, width, rows)
            black = pitch % 12 in BLACK_KEYS
            if pitch == self.pressed:
                painter.fillRect(row if not black else row.adjusted(0, 0, -width * (1 - BLACK_KEY_SHARE), 0),
                                 palette.KEY_PRESSED)
            elif black:
                painter.fillRect(QRectF(0, y, width * BLACK_KEY_SHARE, rows), palette.KEY_BLACK)
            if pitch % 12 in (0, 5):  # the seam below C and F, where two white keys meet
                painter.setPen(QPen(palette.KEY_SEAM, 1))
                bottom = round(y + rows) - 0.5
                painter.drawLine(QPointF(0, bottom), QPointF(width, bottom))
            if scale is not None and scale.contains(pitch):
                colour = palette.TONIC_MARK if pitch % 12 == scale.tonic else palette.SCALE_MARK
                painter.fillRect(QRectF(width - 4, y + 1, 3, rows - 2), colour)
            if not black and (pitch % 12 == 0 or rows >= 15):
                self._font.setBold(pitch % 12 == 0)
                painter.setFont(self._font)
                painter.setPen(palette.KEY_BLACK if pitch % 12 == 0 else palette.KEY_LABEL)
                painter.drawText(row.adjusted(0, 0, -7, 0), Qt.AlignmentFlag.AlignRight
                                 | Qt.AlignmentFlag.AlignVCenter, note_name(pitch))
        painter.setPen(QPen(palette.PANEL_EDGE, 1))
        painter.drawLine(QPointF(width - 0.5, 0), QPointF(width - 0.5, self.height()))
        painter.end()

    def _velocity(self, x: float) -> int:
        return max(1, min(127, round(40 + 87 * x / max(1, self.width()))))

    def _press(self, pos: QPointF) -> None:
        pitch = self.state.viewport.pitch(pos.y())
        if pitch == self.pressed:
            return
        self._release()
        self.pressed = pitch
        self.state.audition.emit(pitch, self._velocity(pos.x()))
        self.update()

    def _release(self) -> None:
        if self.pressed is not None:
            self.state.audition_off.emit(self.pressed)
            self.pressed = None
            self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.pressed is not None:
            self._press(event.position())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._release()

    def leaveEvent(self, event: object) -> None:
        self._release()
        super().leaveEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        scroll_or_zoom(self.state.viewport, event, zoom_pitch=True)
