"""The on-screen piano keyboard: play it with the mouse (the lower on a key you hit, the louder),
see what arrives from outside, and see which computer keys play which notes.

`VirtualKeyboard` knows nothing of MIDI (as VMPK's keyboard): it emits note_on/note_off for
what the user plays and lights keys in two tints, the accent for notes the user plays here
(mouse or computer keys) and teal for notes shown from outside with show_note_on (a hardware
keyboard, playback). It spans the piano's 88 keys; when the widget is too narrow for them it
scrolls (mouse wheel) and follows the computer keys' octave. `attach_computer_keys` joins a
ComputerKeys to it: their notes light the keys and come out of this widget's signals, and
their labels are drawn on the keys they play.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QLinearGradient,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from studio.core.scales import note_name
from studio.ui.keyboard.computer_keys import ComputerKeys
from studio.ui.style.theme import COLORS

LOWEST, HIGHEST = 21, 108  # A0 to C8, the 88 keys of a piano
MIN_WHITE_WIDTH = 16.0  # narrower than this and the keyboard scrolls instead of squeezing
BLACK_WIDTH = 0.6  # of a white key
BLACK_HEIGHT = 0.62  # of the keyboard
_BLACK = frozenset((1, 3, 6, 8, 10))
# Black keys sit off-centre on a real piano: C# and F# lean left, D# and A# right.
_BLACK_SHIFT = {1: -0.12, 3: 0.12, 6: -0.14, 8: 0.0, 10: 0.14}
_BOTTOM_CENTRE = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom


def is_black(pitch: int) -> bool:
    return pitch % 12 in _BLACK


def _white_index(pitch: int) -> int:
    """How many white keys lie below this pitch, counting from MIDI 0."""
    octave, step = divmod(pitch, 12)
    return octave * 7 + sum(1 for s in range(step) if s not in _BLACK)


@dataclass(frozen=True)
class KeyGeometry:
    """Where the keys are drawn: white key width, the scroll offset, and the widget's height."""

    low: int
    high: int
    white_width: float
    offset: float
    height: float

    def rect(self, pitch: int) -> QRectF:
        x = (_white_index(pitch) - _white_index(self.low)) * self.white_width - self.offset
        if not is_black(pitch):
            return QRectF(x, 0, self.white_width, self.height)
        width = self.white_width * BLACK_WIDTH
        centre = x + width * _BLACK_SHIFT[pitch % 12]
        return QRectF(centre - width / 2, 0, width, self.height * BLACK_HEIGHT)

    def pitch_at(self, point: QPointF) -> int | None:
        """The key under a point: black keys first, since they lie on top."""
        blacks = [p for p in range(self.low, self.high + 1) if is_black(p)]
        whites = [p for p in range(self.low, self.high + 1) if not is_black(p)]
        return next((p for p in blacks + whites if self.rect(p).contains(point)), None)

    def velocity_at(self, pitch: int, y: float) -> int:
        """1 at the top of the key (far from the player) to 127 at its front edge."""
        key = self.rect(pitch)
        fraction = min(1.0, max(0.0, (y - key.top()) / max(1.0, key.height())))
        return 1 + round(126 * fraction)


class VirtualKeyboard(QWidget):
    """A piano keyboard that emits the notes the user plays on it (see the module docstring)."""

    note_on = Signal(int, int)  # pitch, velocity
    note_off = Signal(int)

    def __init__(self, parent: QWidget | None = None, low: int = LOWEST, high: int = HIGHEST) -> None:
        super().__init__(parent)
        self._low, self._high = low, high
        self._offset = 0.0
        self._mouse_pitch: int | None = None
        self._played: dict[int, int] = {}  # pitch -> velocity, played here (mouse or computer keys)
        self._shown: dict[int, int] = {}  # pitch -> velocity, shown from outside
        self._labels: dict[int, str] = {}
        self._keys: ComputerKeys | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(56)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the computer keys work wherever focus is
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    # Geometry

    def sizeHint(self) -> QSize:
        return QSize(int(self._white_count() * 22), 96)

    def minimumSizeHint(self) -> QSize:
        return QSize(int(7 * MIN_WHITE_WIDTH * 2), 56)

    def _white_count(self) -> int:
        return sum(1 for p in range(self._low, self._high + 1) if not is_black(p))

    def geometry_now(self) -> KeyGeometry:
        white = max(MIN_WHITE_WIDTH, self.width() / self._white_count())
        return KeyGeometry(self._low, self._high, white, self._offset, float(self.height()))

    def _max_offset(self) -> float:
        return max(0.0, self.geometry_now().white_width * self._white_count() - self.width())

    def scroll_to(self, offset: float) -> None:
        self._offset = min(self._max_offset(), max(0.0, offset))
        self.update()

    def ensure_visible(self, low: int, high: int) -> None:
        """Scroll (if the keyboard scrolls at all) so that pitches low..high are in view."""
        geometry = self.geometry_now()
        left = geometry.rect(max(low, self._low)).left() + self._offset
        right = geometry.rect(min(high, self._high)).right() + self._offset
        if left < self._offset:
            self.scroll_to(left)
        elif right > self._offset + self.width():
            self.scroll_to(right - self.width())

    # What is lit

    def show_note_on(self, pitch: int, velocity: int = 100) -> None:
        """Light a key for a note that arrived from outside (does not emit note_on)."""
        self._shown[pitch] = velocity
        self.update()

    def show_note_off(self, pitch: int) -> None:
        if self._shown.pop(pitch, None) is not None:
            self.update()

    def clear_shown(self) -> None:
        """Unlight every note shown from outside (playback stopped, input changed)."""
        self._shown.clear()
        self.update()

    def played_pitches(self) -> list[int]:
        return sorted(self._played)

    def shown_pitches(self) -> list[int]:
        return sorted(self._shown)

    def set_key_labels(self, labels: dict[int, str]) -> None:
        """Pitch -> text drawn on that key (the computer key that plays it)."""
        self._labels = dict(labels)
        self.update()

    def attach_computer_keys(self, keys: ComputerKeys) -> None:
        """Show keys' labels, light what they play and emit it as this keyboard's notes."""
        self._keys = keys
        keys.note_on.connect(self._play)
        keys.note_off.connect(self._stop)
        keys.labels_changed.connect(self._follow_keys)
        keys.playing_changed.connect(lambda _: self._follow_keys())
        self._follow_keys()

    def _follow_keys(self) -> None:
        assert self._keys is not None
        # the letters show while the computer keys play notes, and go while a field takes them
        self.set_key_labels(self._keys.labels() if self._keys.plays_notes() else {})
        if self._labels:
            self.ensure_visible(min(self._labels), max(self._labels))

    def _play(self, pitch: int, velocity: int) -> None:
        self._played[pitch] = velocity
        self.update()
        self.note_on.emit(pitch, velocity)

    def _stop(self, pitch: int) -> None:
        if self._played.pop(pitch, None) is not None:
            self.update()
            self.note_off.emit(pitch)

    # Mouse

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self._mouse_to(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:  # a glissando across the keys
            self._mouse_to(event.position())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._release_mouse()

    def _mouse_to(self, point: QPointF) -> None:
        geometry = self.geometry_now()
        pitch = geometry.pitch_at(point) if self.rect().contains(point.toPoint()) else None
        if pitch == self._mouse_pitch:
            return
        self._release_mouse()
        if pitch is not None and pitch not in self._played:
            self._mouse_pitch = pitch
            self._play(pitch, geometry.velocity_at(pitch, point.y()))

    def _release_mouse(self) -> None:
        if self._mouse_pitch is not None:
            pitch, self._mouse_pitch = self._mouse_pitch, None
            self._stop(pitch)

    def hideEvent(self, event: object) -> None:
        self._release_mouse()
        super().hideEvent(event)  # type: ignore[arg-type]

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        step = delta.x() or delta.y()
        self.scroll_to(self._offset - step / 120 * self.geometry_now().white_width * 3)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.scroll_to(self._offset)
        super().resizeEvent(event)

    # Painting

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(COLORS.base))
        geometry = self.geometry_now()
        visible = [p for p in range(self._low, self._high + 1)
                   if geometry.rect(p).right() >= 0 and geometry.rect(p).left() <= self.width()]  # fmt: skip
        for pitch in visible:
            if not is_black(pitch):
                self._paint_white(painter, geometry.rect(pitch), pitch)
        for pitch in visible:
            if is_black(pitch):
                self._paint_black(painter, geometry.rect(pitch), pitch)
        self._paint_computer_range(painter, geometry)
        shadow = QLinearGradient(0, 0, 0, 6)
        shadow.setColorAt(0, QColor(0, 0, 0, 150))
        shadow.setColorAt(1, QColor(0, 0, 0, 0))
        painter.fillRect(QRectF(0, 0, self.width(), 6), shadow)  # the felt strip above the keys
        painter.end()

    def _lit(self, pitch: int) -> QColor | None:
        """The colour of a pressed key (what the user plays wins over what is shown), or None."""
        if pitch in self._played:
            color, velocity = QColor(COLORS.accent), self._played[pitch]
        elif pitch in self._shown:
            color, velocity = QColor(COLORS.external), self._shown[pitch]
        else:
            return None
        return color.lighter(100 + round(40 * (1 - velocity / 127)))  # softer notes paler

    def _paint_white(self, painter: QPainter, rect: QRectF, pitch: int) -> None:
        key = rect.adjusted(0.5, 0, -0.5, -1)
        path = QPainterPath()
        path.addRoundedRect(key.adjusted(0, -4, 0, 0), 3, 3)  # round only the front corners
        lit = self._lit(pitch)
        gradient = QLinearGradient(key.topLeft(), key.bottomLeft())
        if lit is None:
            gradient.setColorAt(0, QColor(COLORS.white_key_shade))
            gradient.setColorAt(0.12, QColor(COLORS.white_key))
            gradient.setColorAt(1, QColor(COLORS.white_key).darker(104))
        else:
            gradient.setColorAt(0, lit.darker(120))
            gradient.setColorAt(1, lit)
        painter.save()
        painter.setClipRect(key)
        painter.fillPath(path, gradient)
        painter.restore()
        painter.setPen(QPen(QColor(COLORS.white_key_shade).darker(130), 1))
        painter.drawLine(QPointF(key.right() + 0.5, key.top()), QPointF(key.right() + 0.5, key.bottom()))
        self._paint_labels(painter, key, pitch, lit is not None)

    def _paint_black(self, painter: QPainter, rect: QRectF, pitch: int) -> None:
        lit = self._lit(pitch)
        body = QColor(COLORS.black_key) if lit is None else lit.darker(115)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 90))  # a soft shadow on the white keys
        painter.drawRoundedRect(rect.adjusted(1, 0, 2.5, 2), 2.5, 2.5)
        gradient = QLinearGradient(rect.topLeft(), rect.bottomLeft())
        gradient.setColorAt(0, body.darker(130))
        gradient.setColorAt(0.85, body.lighter(125 if lit is None else 110))
        gradient.setColorAt(1, QColor(COLORS.black_key_shine) if lit is None else body.lighter(140))
        painter.setBrush(gradient)
        painter.setPen(QPen(QColor(COLORS.shadow), 1))
        painter.drawRoundedRect(rect.adjusted(0.5, -2, -0.5, 0), 2.5, 2.5)
        if pitch in self._labels:
            painter.setPen(QColor(COLORS.on_accent) if lit is not None else QColor(COLORS.icon))
            painter.setFont(self._font(rect.width() * 0.52, bold=True))
            painter.drawText(rect.adjusted(0, 0, 0, -4), _BOTTOM_CENTRE, self._labels[pitch])

    def _paint_labels(self, painter: QPainter, key: QRectF, pitch: int, lit: bool) -> None:
        """The computer key on a white key, in a small cap; note names on the Cs."""
        width = key.width()
        if pitch in self._labels and width >= 12:
            cap = QRectF(key.left() + width * 0.18, key.bottom() - width * 0.78 - key.height() * 0.2,
                         width * 0.64, width * 0.64)  # fmt: skip
            edge = QColor(COLORS.on_accent) if lit else QColor(COLORS.white_key_shade).darker(115)
            painter.setPen(QPen(edge, 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(cap, 2.5, 2.5)
            painter.setPen(QColor(COLORS.on_accent) if lit else QColor(COLORS.key_label).darker(120))
            painter.setFont(self._font(cap.height() * 0.62, bold=True))
            painter.drawText(cap, Qt.AlignmentFlag.AlignCenter, self._labels[pitch])
        if pitch % 12 == 0 and width >= 12:
            middle = pitch == 60
            painter.setPen(QColor(COLORS.accent_dim) if middle and not lit else QColor(COLORS.key_label))
            painter.setFont(self._font(min(11.0, width * 0.42), bold=middle))
            painter.drawText(key.adjusted(0, 0, 0, -3), _BOTTOM_CENTRE, note_name(pitch))

    def _paint_computer_range(self, painter: QPainter, geometry: KeyGeometry) -> None:
        """A thin accent line above the keys the computer keyboard plays."""
        if not self._labels:
            return
        left = geometry.rect(max(self._low, min(self._labels))).left()
        right = geometry.rect(min(self._high, max(self._labels))).right()
        painter.fillRect(QRectF(left, 0, right - left, 3), QColor(COLORS.accent))

    def _font(self, pixels: float, bold: bool = False) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(max(7, round(pixels)))
        font.setBold(bold)
        return font
