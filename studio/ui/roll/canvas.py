"""The note grid: rows shaded by key and scale, bar/beat/snap lines, the loop, ghost
variations, the notes coloured by velocity (an arrangement's parts in their part's colour), the
playhead and the rubber band; the mouse starts the gestures of studio.ui.roll.gestures.

Only what is visible is painted: rows on screen, and notes found through the time index.
Mouse: click empty space to draw (drag sets the length), click a note to select it (Shift
adds, Ctrl toggles; a plain click inside the selection selects that note alone, a drag moves
them all), drag it to move (Ctrl at release copies; macOS: Option), drag its right edge to
resize, double-click deletes, Shift+drag on empty space rubber-bands (Ctrl+Shift adds); Alt
(macOS: Cmd) bypasses the snap; dragging past an edge scrolls the view along. Clicking a ghost note picks its
variation (`ghost_clicked`) instead of drawing.
"""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QFont,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from studio.core.notes import Note
from studio.core.scales import note_name
from studio.ui.document import edits
from studio.ui.roll import palette
from studio.ui.roll.gestures import DrawGesture, Gesture, MoveGesture, ResizeGesture, RubberBandGesture
from studio.ui.roll.grid import paint_time_lines
from studio.ui.roll.state import RollState
from studio.ui.roll.viewport import BLACK_KEYS, scroll_or_zoom

EDGE_PX = 6.0  # how close to a note's right end a press resizes instead of moving
AUTOSCROLL_PX = 12  # a drag this close to (or past) an edge scrolls
LEFT_MIDDLE = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


class GridCanvas(QWidget):
    """The editable note area of the piano roll."""

    def __init__(self, state: RollState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.gesture: Gesture | None = None
        self._drawn: list[int] = []  # ids of the note the last click drew (a double-click keeps it)
        self._click_selects: frozenset[int] | None = None  # the selection a click without a drag makes
        self._layer: QPixmap | None = None  # see paintEvent
        self._spare: QPixmap | None = None  # the last layer's pixmap, reused to paint the next
        self._layer_left = 0.0
        self._layer_key_now: tuple = ()
        self._painted_version = -1
        self._last_move = (QPointF(), Qt.KeyboardModifier.NoModifier)
        self._autoscroll = QTimer(self, interval=30)  # a drag past an edge scrolls the view
        self._autoscroll.timeout.connect(self._autoscroll_step)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 120)
        self._font = QFont(self.font())
        state.repaint.connect(self.update)
        state.scrolled.connect(self.update)
        state.playhead_moved.connect(self.update)

    # Painting.

    def paintEvent(self, event: QPaintEvent) -> None:
        """Notes and grid come from a cached layer twice the view's width while nothing but
        the scroll position or the playhead changes (scrolling, playback); after an edit the
        first frame is painted directly, so dragging never pays for the wider layer."""
        painter = QPainter(self)
        state, view = self.state, self.state.viewport
        if not self._layer_fits():
            self._layer = None
            if self._painted_version == state.version:
                self._build_layer()
        if self._layer is not None:
            painter.drawPixmap(QPointF(round(view.x(self._layer_left)), 0), self._layer)
        else:
            self._paint_content(painter)
        self._painted_version = state.version
        if state.playhead is not None:
            x = round(view.x(state.playhead)) + 0.5
            painter.setPen(QPen(palette.PLAYHEAD, 1.5))
            painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        band = getattr(self.gesture, "band", None)
        if band is not None:
            painter.setPen(QPen(palette.RUBBER_BAND_EDGE, 1))
            painter.setBrush(palette.RUBBER_BAND)
            painter.drawRect(band)
        painter.end()

    def _layer_key(self) -> tuple:
        view = self.state.viewport
        return (self.state.version, view.px_per_tick, view.row_height, view.top, view.width, view.height,
                self.devicePixelRatioF())

    def _layer_fits(self) -> bool:
        if self._layer is None or self._layer_key_now != self._layer_key():
            return False
        view = self.state.viewport
        left, right = view.visible_ticks()
        return self._layer_left <= left and right <= self._layer_left + self._layer.width() / (
            self._layer.devicePixelRatio() * view.px_per_tick)

    def _build_layer(self) -> None:
        view = self.state.viewport
        width = 2 * view.width
        self._layer_left = max(0.0, view.left - view.width / 2 / view.px_per_tick)
        ratio = self.devicePixelRatioF()
        size = QSize(round(width * ratio), round(view.height * ratio))
        layer = self._spare if self._spare is not None and self._spare.size() == size else QPixmap(size)
        layer.setDevicePixelRatio(ratio)
        painter = QPainter(layer)
        with view.spanning(self._layer_left, width):
            self._paint_content(painter)
        painter.end()
        self._layer = self._spare = layer
        self._layer_key_now = self._layer_key()

    def _paint_content(self, painter: QPainter) -> None:
        """Rows, grid lines, loop, ghosts and notes across the viewport's width."""
        state, view = self.state, self.state.viewport
        self._paint_rows(painter)
        paint_time_lines(painter, view, state.document.time_signature, state.snap, view.height)
        if state.loop:
            x0, x1 = view.x(state.loop[0]), view.x(state.loop[1])
            painter.fillRect(QRectF(x0, 0, x1 - x0, view.height), palette.LOOP_FILL)
        self._paint_ghosts(painter)
        self._paint_notes(painter)

    def _row_colour(self, pitch: int) -> QColor:
        scale = self.state.scale
        if scale is None:
            return palette.ROW_BLACK if pitch % 12 in BLACK_KEYS else palette.ROW_WHITE
        if pitch % 12 == scale.tonic:
            return palette.ROW_TONIC
        return palette.ROW_SCALE if scale.contains(pitch) else palette.ROW_OUT_OF_SCALE

    def _paint_rows(self, painter: QPainter) -> None:
        view = self.state.viewport
        width = view.width
        painter.fillRect(QRectF(0, 0, width, view.height), palette.BACKGROUND)
        low, high = view.visible_pitches()
        painter.setPen(QPen(palette.OCTAVE_LINE, 1))
        for pitch in range(low, high + 1):
            y = view.y(pitch)
            painter.fillRect(QRectF(0, y, width, view.row_height), self._row_colour(pitch))
            if pitch % 12 == 0:  # the line between B and C marks the octave
                bottom = round(y + view.row_height) - 0.5
                painter.drawLine(QPointF(0, bottom), QPointF(width, bottom))

    def _note_rect(self, note: Note) -> QRectF:
        view = self.state.viewport
        x = view.x(note.start)
        width = max(2.0, note.duration * view.px_per_tick - 1)
        return QRectF(x, view.y(note.pitch) + 1, width, view.row_height - 1)

    def _paint_ghosts(self, painter: QPainter) -> None:
        """Variations in their own hues: the one shown filled and its notes named, the others
        outlined over a faint fill (overlaps stay apart, not a muddy mix), under it."""
        state, view = self.state, self.state.viewport
        if not state.ghosts:
            return
        t0, t1 = view.visible_ticks()
        low, high = view.visible_pitches()
        chosen = state.ghost_selected
        fills = [palette.ghost(k, k == chosen) for k in range(len(state.ghosts))]
        edges = [QPen(palette.ghost_edge(k), 1.5) for k in range(len(state.ghosts))]
        visible = sorted(state.ghost_index.query(t0, t1), key=lambda item: item[0] == chosen)
        labels: list[tuple[QRectF, int]] = []
        named = view.row_height >= 11
        for k, note in visible:
            if not low <= note.pitch <= high:
                continue
            rect = self._note_rect(note)
            painter.setPen(Qt.PenStyle.NoPen if k == chosen else edges[k])
            painter.setBrush(fills[k])
            painter.drawRect(rect.adjusted(1, 1, -1, -1) if k != chosen else rect)
            if k == chosen and named and rect.width() >= 30:
                labels.append((rect.adjusted(4, 0, -2, 0), note.pitch))
        self._paint_names(painter, labels, palette.GHOST_TEXT)

    def _paint_notes(self, painter: QPainter) -> None:
        """Notes on whole pixels, one rectangle per pixel cell (zoomed far out, thousands of
        notes collapse into the cells they share), batched by colour: outlines first, then
        fills (selected ones on top), then names and selection edges. The sketch's notes are
        coloured by velocity, a part's (state.layers: its channel) in that part's colour."""
        state, view = self.state, self.state.viewport
        t0, t1 = view.visible_ticks()
        low, high = view.visible_pitches()
        ppt, left = view.px_per_tick, view.left
        layers = state.layers
        cells: dict[tuple[int, int, int], tuple[bool, int, int]] = {}
        shown = state.notes_between(t0, t1)
        shown.extend((None, n) for n in state.drafts)
        for note_id, note in shown:
            if low <= note.pitch <= high:
                selected = note_id is None or note_id in state.selected or note_id in state.preview
                key = (round((note.start - left) * ppt), note.pitch, max(2, round(note.duration * ppt)))
                cells[key] = max(cells.get(key, (False, -1, 0)),
                                 (selected, layers.get(note.channel, -1), note.velocity))
        outlines: list[QRectF] = []
        fills: dict[tuple[bool, int, int], list[QRectF]] = defaultdict(list)
        labels: list[tuple[QRectF, int]] = []
        edges: list[QRectF] = []
        named = view.row_height >= 11
        for (x, pitch, width), (selected, part, velocity) in cells.items():
            rect = QRectF(x, view.y(pitch) + 1, width - 1, view.row_height - 1)
            outlines.append(rect)
            fills[selected, part, 0 if part >= 0 else velocity].append(rect.adjusted(1, 1, -1, -1))
            if selected:
                edges.append(rect.adjusted(0.75, 0.75, -0.75, -0.75))
            if named and width >= 30:
                labels.append((rect.adjusted(4, 0, -2, 0), pitch))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.NOTE_OUTLINE)
        painter.drawRects(outlines)
        for (selected, part, velocity), rects in sorted(fills.items()):
            colour = palette.layer(part, selected) if part >= 0 else palette.velocity_color(velocity,
                                                                                            selected)
            painter.setBrush(colour)
            painter.drawRects(rects)
        self._paint_names(painter, labels, palette.NOTE_TEXT)
        painter.setPen(QPen(palette.SELECTED_OUTLINE, 1.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRects(edges)

    def _paint_names(self, painter: QPainter, labels: list[tuple[QRectF, int]], colour: QColor) -> None:
        """Each note's name (C4, F#5) at the left of its rectangle."""
        if labels:
            self._font.setPixelSize(max(8, min(11, int(self.state.viewport.row_height * 0.62))))
            painter.setFont(self._font)
            painter.setPen(colour)
            for rect, pitch in labels:
                painter.drawText(rect, LEFT_MIDDLE, note_name(pitch))

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.state.viewport.resize(self.width(), self.height())
        super().resizeEvent(event)

    # Mouse.

    def _hit(self, pos: QPointF) -> tuple[int, Note] | None:
        view = self.state.viewport
        return self.state.note_at(view.tick(pos.x()), view.pitch(pos.y()))

    def _on_right_edge(self, note: Note, x: float) -> bool:
        """Whether a press at x grabs the note's end (resize) rather than its body (move)."""
        return self.state.viewport.x(note.end) - x <= min(EDGE_PX, self._note_rect(note).width() / 3)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.gesture is not None:
            return
        state, pos, mods = self.state, event.position(), event.modifiers()
        if pos.y() + state.viewport.top >= state.viewport.content_height:
            return  # below the lowest key (zoomed out, the view is taller than the keyboard)
        hit = self._hit(pos)
        view = state.viewport
        ghost = state.ghost_at(view.tick(pos.x()), view.pitch(pos.y())) if hit is None else None
        if ghost is not None and not mods & SHIFT:
            state.ghost_clicked.emit(ghost)
            return
        if hit is None:
            if mods & SHIFT:
                self.gesture = RubberBandGesture(state, pos, add=bool(mods & CTRL))
            else:
                state.select(())
                self.gesture = DrawGesture(state, pos, mods)
            return
        note_id, note = hit
        state.last_velocity = note.velocity
        # A click inside the selection changes it on release, unless it turns into a drag of it.
        self._click_selects = None
        if mods & CTRL and note_id in state.selected:
            self._click_selects = state.selected - {note_id}
        elif mods & (SHIFT | CTRL):
            state.select([note_id], add=True)
        elif note_id not in state.selected:
            state.select([note_id])
        elif len(state.selected) > 1:
            self._click_selects = frozenset((note_id,))
        if self._on_right_edge(note, pos.x()):
            self.gesture = ResizeGesture(state, pos, note_id)
        else:
            self.gesture = MoveGesture(state, pos, note_id)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.gesture is not None:
            self._last_move = (event.position(), event.modifiers())
            self.gesture.move(*self._last_move)
            if self._autoscroll_speed() != (0.0, 0.0):
                self._autoscroll.start()
            return
        hit = self._hit(event.position())
        if hit is None:
            self.unsetCursor()
        elif self._on_right_edge(hit[1], event.position().x()):
            self.setCursor(Qt.CursorShape.SizeHorCursor)
        else:
            self.setCursor(Qt.CursorShape.OpenHandCursor)

    def _autoscroll_speed(self) -> tuple[float, float]:
        """Pixels per tick of the auto-scroll timer: faster the further past an edge."""
        pos = self._last_move[0]

        def past(value: float, size: int) -> float:
            if value < AUTOSCROLL_PX:
                return value - AUTOSCROLL_PX
            return max(0.0, value - (size - AUTOSCROLL_PX))

        return past(pos.x(), self.width()) / 2, past(pos.y(), self.height()) / 2

    def _autoscroll_step(self) -> None:
        dx, dy = self._autoscroll_speed()
        if self.gesture is None or (dx, dy) == (0.0, 0.0):
            self._autoscroll.stop()
            return
        view = self.state.viewport
        before = view.left, view.top
        view.scroll_to(left=view.left + dx / view.px_per_tick, top=view.top + dy)
        if (view.left, view.top) == before:  # already at the end
            self._autoscroll.stop()
            return
        self.gesture.move(*self._last_move)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.gesture is None:
            return  # another button let go mid-drag: the drag goes on
        self._autoscroll.stop()
        gesture, self.gesture = self.gesture, None
        gesture.finish(event.modifiers())
        self._drawn = gesture.created if isinstance(gesture, DrawGesture) else []
        selection, self._click_selects = self._click_selects, None
        if selection is not None and not gesture.dragged:
            self.state.select(selection)
        self.state.repaint.emit()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        hit = self._hit(event.position())
        if hit is None or hit[0] in self._drawn:
            self.mousePressEvent(event)  # a double-click on empty space draws, like a click
            return
        self.state.document.push(edits.remove_notes(self.state.document, [hit[0]]))

    def wheelEvent(self, event: QWheelEvent) -> None:
        scroll_or_zoom(self.state.viewport, event)

    def event(self, event: QEvent) -> bool:
        """Tab stays in the roll, as in a DAW, instead of moving the focus on (with variations
        shown, the window's Tab shortcut picks the next one before this sees the key)."""
        if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            event.accept()
            return True
        return super().event(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        if self.gesture is not None:
            self._autoscroll.stop()
            self.gesture.cancel()
            self.gesture = self._click_selects = None
        super().focusOutEvent(event)
