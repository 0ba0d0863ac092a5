"""The velocity lane under the roll: one stem per visible note, as tall as its velocity and
coloured like the note. Drag a stem up or down to change that note's velocity; if the note is
selected, the whole selection moves by the same amount. Drag across empty lane space to draw
a line: the notes it spans (the selected ones, if any) take their velocities from it, for a
crescendo or a fade. Each is one undoable step.
"""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from studio.ui.roll import palette
from studio.ui.roll.gestures import VelocityGesture, VelocityRampGesture
from studio.ui.roll.grid import paint_time_lines
from studio.ui.roll.state import RollState

LANE_HEIGHT = 84
MARGIN = 6  # pixels above velocity 127 and below velocity 1
HIT_PX = 5.0
HEAD = 8  # diameter of a stem's head in pixels


class VelocityLane(QWidget):
    """Velocity stems for the notes in view."""

    def __init__(self, state: RollState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.gesture: VelocityGesture | VelocityRampGesture | None = None
        self._heads: dict[tuple[int, bool], QPixmap] = {}
        self.setFixedHeight(LANE_HEIGHT)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        state.repaint.connect(self.update)
        state.scrolled.connect(self.update)

    def sizeHint(self) -> QSize:
        return QSize(600, LANE_HEIGHT)

    def y_of(self, velocity: int) -> float:
        return MARGIN + (self.height() - 2 * MARGIN) * (1 - velocity / 127)

    def velocity_at(self, y: float) -> int:
        span = max(1, self.height() - 2 * MARGIN)
        return max(1, min(127, round(127 * (1 - (y - MARGIN) / span))))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        state, view, bottom = self.state, self.state.viewport, self.height() - MARGIN
        painter.fillRect(self.rect(), palette.PANEL)
        paint_time_lines(painter, view, state.document.time_signature, state.snap, self.height())
        painter.setPen(QPen(palette.PANEL_EDGE, 1))
        painter.drawLine(QPointF(0, 0.5), QPointF(self.width(), 0.5))
        t0, t1 = view.visible_ticks()
        cells: dict[tuple[int, int], bool] = {}  # (x pixel, velocity) -> selected
        for note_id, note in state.notes_between(t0, t1):
            selected = note_id in state.selected or note_id in state.preview
            key = (round(view.x(note.start)), note.velocity)
            cells[key] = cells.get(key, False) or selected
        dense = len({x for x, _ in cells}) * HEAD > self.width()
        if dense:  # stems closer than their heads: the tallest stem of each pixel column only
            tallest: dict[int, tuple[int, bool]] = {}
            for (x, velocity), selected in cells.items():
                tallest[x] = max(tallest.get(x, (0, False)), (velocity, selected))
            cells = {(x, velocity): selected for x, (velocity, selected) in tallest.items()}
        stems: dict[tuple[bool, int], list[QRectF]] = defaultdict(list)
        for (x, velocity), selected in cells.items():
            top = self.y_of(velocity)
            stems[selected, velocity].append(QRectF(x - 1, top, 2, bottom - top))
        painter.setPen(Qt.PenStyle.NoPen)
        for (selected, velocity), rects in sorted(stems.items()):
            painter.setBrush(palette.velocity_color(velocity, selected))
            painter.drawRects(rects)
        if not dense:
            for (x, velocity), selected in cells.items():
                painter.drawPixmap(QPointF(x - HEAD / 2, self.y_of(velocity) - HEAD / 2),
                                   self._head(velocity, selected))
        painter.end()

    def _head(self, velocity: int, selected: bool) -> QPixmap:
        """A stem's round head, drawn once per colour and reused."""
        key = (velocity, selected)
        head = self._heads.get(key)
        if head is None:
            ratio = self.devicePixelRatioF()
            head = QPixmap(round(HEAD * ratio), round(HEAD * ratio))
            head.setDevicePixelRatio(ratio)
            head.fill(Qt.GlobalColor.transparent)
            p = QPainter(head)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setPen(QPen(palette.SELECTED_OUTLINE if selected else palette.PANEL_EDGE, 1))
            p.setBrush(palette.velocity_color(velocity, selected))
            p.drawEllipse(QRectF(0.5, 0.5, HEAD - 1, HEAD - 1))
            p.end()
            self._heads[key] = head
        return head

    def _hit(self, x: float) -> int | None:
        """The note whose stem is nearest to x (selected ones win ties), if within reach."""
        view = self.state.viewport
        t0, t1 = view.tick(x - HIT_PX), view.tick(x + HIT_PX)
        near = [(abs(view.x(n.start) - x), i not in self.state.selected, i)
                for i, n in self.state.index.query(t0, t1) if t0 <= n.start <= t1]
        return min(near)[2] if near else None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.gesture is not None:
            return
        pos = event.position()
        note_id = self._hit(pos.x())
        if note_id is None:
            self.gesture = VelocityRampGesture(self.state, pos, self.velocity_at)
        else:
            self.gesture = VelocityGesture(self.state, pos, note_id, self.velocity_at)
        self.state.repaint.emit()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.gesture is not None:
            self.gesture.move(event.position(), event.modifiers())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.gesture is None:
            return  # another button let go mid-drag: the drag goes on
        gesture, self.gesture = self.gesture, None
        gesture.finish(event.modifiers())
