"""The chord lane over the roll's ruler: the arrangement's chord symbols (proposed or accepted)
at their ticks, following the roll's viewport as the ruler does. Double-click a chord (or an
empty bar) to type another: it is locked (drawn in the accent colour), and the next Arrange
keeps it. A symbol Continuo cannot read is one sentence (`message`), the lane unchanged.
Hidden while there are no chords.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from studio.core.arrangement import ChordSpan
from studio.core.chords import Chord, ChordError, parse_chord
from studio.ui.roll import palette
from studio.ui.roll.state import RollState

LANE_HEIGHT = 22


class _ChordEdit(QLineEdit):
    """The field a chord is typed in: Enter takes it, Esc (or leaving it) drops it."""

    typed = Signal(str)
    ENDS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and event.key() in self.ENDS:
            event.accept()  # Enter and Esc end the typing here, not accept or drop the arrangement
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in self.ENDS[:2]:
            text = self.text()
            self.hide()
            self.typed.emit(text)
        elif event.key() == Qt.Key.Key_Escape:
            self.hide()
        else:
            super().keyPressEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: ANN001 - QFocusEvent
        super().focusOutEvent(event)
        self.hide()


class ChordLane(QWidget):
    """Chord symbols over the roll. `chord_typed(start, length, chord)`: the musician typed a
    chord for [start, start + length); `message(sentence)`: a symbol that is not a chord."""

    chord_typed = Signal(int, int, object)
    message = Signal(str)

    def __init__(self, state: RollState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.spans: list[ChordSpan] = []
        self.locked: set[int] = set()  # the starts of the chords the musician typed
        self.label = QLabel("Chords")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setFixedHeight(LANE_HEIGHT)
        self.label.setAutoFillBackground(True)
        self.label.setStyleSheet(f"background: {palette.PANEL.name()}; color: {palette.TEXT_DIM.name()}; "
                                 "font-size: 10px;")
        self.setFixedHeight(LANE_HEIGHT)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setToolTip("The chords the band plays; double-click one to type another (it stays "
                        "when you arrange again)")
        self._font = QFont(self.font())
        self._font.setPixelSize(12)
        self._font.setBold(True)
        self._edit = _ChordEdit(self)
        self._edit.hide()
        self._edit.typed.connect(self._typed)
        self._editing: tuple[int, int] | None = None
        state.repaint.connect(self.update)
        state.scrolled.connect(self.update)
        self._show_or_hide()

    def sizeHint(self) -> QSize:
        return QSize(600, LANE_HEIGHT)

    def set_chords(self, spans: list[ChordSpan], locked: set[int] | None = None) -> None:
        self.spans = sorted(spans, key=lambda s: s.start)
        self.locked = set(locked or ())
        self._show_or_hide()
        self.update()

    def _show_or_hide(self) -> None:
        for widget in (self, self.label):
            widget.setVisible(bool(self.spans))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        view, height = self.state.viewport, self.height()
        painter.fillRect(self.rect(), palette.PANEL)
        painter.setFont(self._font)
        t0, t1 = view.visible_ticks()
        metrics = painter.fontMetrics()
        for span in self.spans:
            if span.end < t0 or span.start > t1:
                continue
            x0, x1 = math.floor(view.x(span.start)) + 0.5, math.floor(view.x(span.end)) + 0.5
            locked = span.start in self.locked
            painter.setPen(QPen(palette.TEXT_DIM, 1))
            painter.drawLine(QPointF(x0, 3), QPointF(x0, height - 3))
            painter.setPen(QPen(palette.PLAYHEAD if locked else palette.TEXT, 1))
            text = metrics.elidedText(span.chord.name, Qt.TextElideMode.ElideRight, max(0, int(x1 - x0 - 6)))
            painter.drawText(QRectF(x0 + 4, 0, max(0.0, x1 - x0 - 6), height),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
        painter.setPen(QPen(palette.PANEL_EDGE, 1))
        painter.drawLine(QPointF(0, height - 0.5), QPointF(self.width(), height - 0.5))
        painter.end()

    def span_at(self, tick: float) -> ChordSpan | None:
        return next((s for s in self.spans if s.start <= tick < s.end), None)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        tick = self.state.viewport.tick(event.position().x())
        span = self.span_at(tick)
        if span is not None:
            self.edit(span.start, span.length, span.chord.name)
        else:
            bar = self.state.document.time_signature.bar_ticks
            self.edit(int(tick // bar * bar), bar, "")

    def edit(self, start: int, length: int, text: str) -> None:
        """Open the field over [start, start + length) with `text` in it."""
        view = self.state.viewport
        x0 = max(0, round(view.x(start)))
        width = max(60, round(view.x(start + length)) - x0)
        self._editing = (start, length)
        self._edit.setGeometry(x0, 0, width, self.height())
        self._edit.setText(text)
        self._edit.selectAll()
        self._edit.show()
        self._edit.setFocus()

    def _typed(self, text: str) -> None:
        if self._editing is None or not text.strip():
            return
        start, length = self._editing
        self._editing = None
        try:
            chord: Chord = parse_chord(text.strip())
        except ChordError as err:
            self.message.emit(str(err))
            return
        self.chord_typed.emit(start, length, chord)
