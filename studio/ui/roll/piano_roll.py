"""PianoRoll: the piano-roll editor widget, assembled from the ruler, the keys, the note grid,
the velocity lane and two scroll bars around one shared RollState, with the editing
operations a window binds to its menus and shortcuts.

Keyboard (when the roll has focus): Delete/Backspace deletes; Up/Down transposes by a
semitone, Shift+Up/Down by an octave; Left/Right moves by the snap step, Shift+Left/Right by a
bar, Alt+Left/Right shortens/lengthens; Ctrl+A selects all, Esc selects none; Ctrl+C/X/V
copy, cut, paste; Ctrl+D duplicates; Q quantizes (the selection, or everything if nothing is
selected); Ctrl+Z / Ctrl+Shift+Z undo and redo. Consecutive arrow-key moves are one undo step,
and so are consecutive Alt+arrow resizes.
Paste puts the notes at the edit position: right after what was copied (each further paste
continues from there), where what was cut began, or where the ruler was last clicked. Mouse
and wheel: see canvas.py, keys.py and ruler.py.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollBar, QWidget

from studio.core.notes import Note
from studio.core.scales import Key
from studio.ui.document import edits
from studio.ui.document.document import ClipDocument
from studio.ui.roll import palette
from studio.ui.roll.canvas import GridCanvas
from studio.ui.roll.keys import KEYS_WIDTH, KeyColumn
from studio.ui.roll.lane import VelocityLane
from studio.ui.roll.ruler import Ruler
from studio.ui.roll.state import RollState

MIDDLE_C = 60
KEY = Qt.Key
SHIFT, ALT = Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.AltModifier


class PianoRoll(QWidget):
    """A piano-roll editor over a ClipDocument."""

    audition = Signal(int, int)  # pitch, velocity: a key or note was pressed
    audition_off = Signal(int)
    selection_changed = Signal()
    loop_changed = Signal(object)  # (start, end) in ticks, or None
    seek_requested = Signal(int)  # the ruler was clicked at this tick
    ghost_clicked = Signal(int)  # a ghost note of this variation (index) was clicked

    def __init__(self, document: ClipDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.state = state = RollState(document, self)
        self.follow_playhead = True
        self._clipboard: list[Note] = []
        self._paste_tick = 0
        self._framed = False
        self.ruler = Ruler(state)
        self.keys = KeyColumn(state)
        self.canvas = GridCanvas(state)
        self.lane = VelocityLane(state)
        self.hbar = QScrollBar(Qt.Orientation.Horizontal)
        self.vbar = QScrollBar(Qt.Orientation.Vertical)
        self._build_layout()
        self.setFocusProxy(self.canvas)
        for name in ("audition", "audition_off", "selection_changed", "loop_changed", "seek_requested",
                     "ghost_clicked"):
            getattr(state, name).connect(getattr(self, name))
        state.seek_requested.connect(self._set_paste_tick)
        state.viewport.changed.connect(self._sync_scrollbars)
        document.notes_changed.connect(self._sync_scrollbars)
        self.hbar.valueChanged.connect(lambda value: state.viewport.scroll_to(left=value))
        self.vbar.valueChanged.connect(lambda value: state.viewport.scroll_to(top=value))

    def _build_layout(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(0)
        corner = QLabel("")
        corner.setFixedSize(KEYS_WIDTH, self.ruler.height())
        lane_label = QLabel("Velocity")
        lane_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lane_label.setFixedWidth(KEYS_WIDTH)
        for label in (corner, lane_label):
            label.setAutoFillBackground(True)
            label.setStyleSheet(
                f"background: {palette.PANEL.name()}; color: {palette.TEXT_DIM.name()}; font-size: 10px;"
            )
        # row 0: lanes above the ruler that other features add (add_lane_above)
        grid.addWidget(corner, 1, 0)
        grid.addWidget(self.ruler, 1, 1)
        grid.addWidget(self.keys, 2, 0)
        grid.addWidget(self.canvas, 2, 1)
        grid.addWidget(self.vbar, 2, 2)
        grid.addWidget(lane_label, 3, 0)
        grid.addWidget(self.lane, 3, 1)
        grid.addWidget(self.hbar, 4, 1)
        grid.setRowStretch(2, 1)
        grid.setColumnStretch(1, 1)
        self._grid = grid

    def add_lane_above(self, label: QWidget, lane: QWidget) -> None:
        """A lane over the ruler (the chord lane): `label` beside it over the keys, `lane` over
        the grid, so its x follows the roll's viewport as the ruler's does."""
        label.setFixedWidth(KEYS_WIDTH)
        self._grid.addWidget(label, 0, 0)
        self._grid.addWidget(lane, 0, 1)

    # View.

    def _sync_scrollbars(self, *_: object) -> None:
        view = self.state.viewport
        visible = max(1, round(view.width / view.px_per_tick))
        for bar, maximum, value, page, step in (
            (self.hbar, max(0, self.state.content_end - visible), view.left, visible,
             self.document.time_signature.beat_ticks),
            (self.vbar, max(0, round(view.content_height - view.height)), view.top, view.height,
             round(view.row_height)),
        ):
            bar.blockSignals(True)
            bar.setRange(0, max(maximum, round(value)))
            bar.setPageStep(max(1, round(page)))
            bar.setSingleStep(max(1, step))
            bar.setValue(round(value))
            bar.blockSignals(False)

    def frame_notes(self) -> None:
        """Scroll to the start and centre the notes' pitches (middle C without notes)."""
        pitches = [n.pitch for n in self.document.notes.values()]
        view = self.state.viewport
        view.scroll_to(left=0)
        view.center_on_pitch(statistics.median(pitches) if pitches else MIDDLE_C)
        self._sync_scrollbars()

    def reveal(self, start: float, end: float, pitches: tuple[int, int] | None = None,
               fill: bool = False) -> None:
        """Bring the ticks [start, end) and the pitches (lowest, highest) into view: scroll as
        little as needed and zoom out only where they do not fit, or with fill=True zoom so
        they fill the view (zoom to fit)."""
        view = self.state.viewport
        if view.width <= 0 or view.height <= 0:
            return
        span = max(1.0, end - start)
        left, right = view.visible_ticks()
        if fill or span > right - left:
            view.zoom_time(view.width / span / view.px_per_tick)
            view.scroll_to(left=start)
        elif start < left:
            view.scroll_to(left=start)
        elif end > right:
            view.scroll_to(left=end - (right - left))
        if pitches is not None:
            low, high = max(0, min(pitches)), min(127, max(pitches))
            rows = high - low + 1
            if fill or rows * view.row_height > view.height:
                view.zoom_pitch(view.height / rows / view.row_height)
                view.center_on_pitch((low + high) / 2)
            elif view.y(high) < 0:
                view.scroll_to(top=view.top + view.y(high))
            elif view.y(low) + view.row_height > view.height:
                view.scroll_to(top=view.top + view.y(low) + view.row_height - view.height)
        self._sync_scrollbars()

    def show_start(self) -> None:
        """Home: the view to the start of the sketch."""
        self.state.viewport.scroll_to(left=0)
        self._sync_scrollbars()

    def show_end(self) -> None:
        """End: the view to where the notes and the variations end, with room after them."""
        view, end = self.state.viewport, max(self.document.end, self.state.ghost_index.end)
        left, right = view.visible_ticks()
        view.scroll_to(left=max(0.0, end - (right - left) * 0.8))
        self._sync_scrollbars()

    def _frame_once(self) -> None:
        if not self._framed and self.state.viewport.height > 0:
            self._framed = True
            self.frame_notes()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._frame_once()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._frame_once()
        self._sync_scrollbars()

    def zoom_time(self, factor: float, anchor_tick: float | None = None) -> None:
        """Zoom time by factor keeping anchor_tick where it is on screen, as DAWs do; by default
        (the menu and keyboard zoom) the playhead while it is in view, else the middle of the
        view. The wheel zooms around the mouse instead (see viewport.scroll_or_zoom)."""
        view = self.state.viewport
        view.zoom_time(factor, view.x(self.zoom_anchor() if anchor_tick is None else anchor_tick))

    def zoom_anchor(self) -> float:
        """The tick the keyboard zoom keeps in place: the playhead if shown, else the middle."""
        left, right = self.state.viewport.visible_ticks()
        playhead = self.state.playhead
        return playhead if playhead is not None and left <= playhead <= right else (left + right) / 2

    def zoom_pitch(self, factor: float) -> None:
        """Zoom pitch by factor keeping the row in the middle of the view in place."""
        self.state.viewport.zoom_pitch(factor)

    def set_snap(self, ticks: int | None) -> None:
        """Snap to this many ticks (see studio.core.quantize.GRIDS), or None for off."""
        if ticks is not None and ticks <= 0:
            raise ValueError("a snap step is at least one tick")
        self.state.snap = ticks
        self.state.repaint.emit()

    @property
    def snap(self) -> int | None:
        return self.state.snap

    def set_scale(self, key: Key | None) -> None:
        """Shade this key's scale rows (None: plain black/white rows)."""
        self.state.scale = key
        self.state.repaint.emit()

    def set_ghosts(self, variations: list[list[Note]], selected: int | None) -> None:
        """Draw candidate continuations translucent; `selected` (an index) stands out."""
        self.state.set_ghosts(variations, selected)
        self._sync_scrollbars()

    def set_layers(self, layers: dict[int, int], hidden: Iterable[int] = ()) -> None:
        """Channels that are a part's layer (channel -> colour index), and those hidden."""
        self.state.set_layers(layers, hidden)

    def clear_ghosts(self) -> None:
        self.state.set_ghosts([], None)

    @property
    def ghosts(self) -> list[list[Note]]:
        """The ghost layers shown now (a new list each time they are set)."""
        return self.state.ghosts

    def set_playhead(self, tick: int | None) -> None:
        """Show the playhead (None hides it); while following, the view pages along with it."""
        state, view = self.state, self.state.viewport
        state.playhead = tick
        if tick is not None and self.follow_playhead and self.canvas.gesture is None:
            left, right = view.visible_ticks()
            if not left <= tick < right - (right - left) * 0.05:
                view.scroll_to(left=tick - (right - left) * 0.1)
        state.playhead_moved.emit()

    def set_loop(self, start: int | None, end: int | None = None) -> None:
        """Loop [start, end) in ticks; set_loop(None) clears it."""
        self.state.set_loop(None if start is None or end is None else (start, end))

    @property
    def loop(self) -> tuple[int, int] | None:
        return self.state.loop

    # Selection.

    def selected_notes(self) -> list[Note]:
        notes = self.document.notes
        return sorted(notes[i] for i in self.state.selected if i in notes)

    def select_all(self) -> None:
        """Select every note shown (a hidden part's notes stay out of it)."""
        self.state.select(self.state.shown_ids())

    def select_none(self) -> None:
        self.state.select(())

    def select_ids(self, ids: list[int]) -> None:
        self.state.select(i for i in ids if i in self.document.notes)

    # Editing.

    def _block_length(self, notes: list[Note]) -> int:
        """The notes' span rounded up to whole beats: how far a copy goes to follow them."""
        beat = self.document.time_signature.beat_ticks
        span = max(n.end for n in notes) - min(n.start for n in notes)
        return -(-span // beat) * beat

    def _set_paste_tick(self, tick: int) -> None:
        self._paste_tick = tick

    def delete_selection(self) -> None:
        self.document.push(edits.remove_notes(self.document, self.state.selected))

    def copy(self) -> None:
        notes = self.selected_notes()
        if notes:
            self._clipboard = notes
            self._paste_tick = min(n.start for n in notes) + self._block_length(notes)

    def cut(self) -> None:
        """Copy and delete the selection; a paste right after puts it back where it was."""
        self.copy()
        if self.document.push(edits.remove_notes(self.document, self.state.selected, "Cut")):
            self._paste_tick = min(n.start for n in self._clipboard)  # what copy() just took

    def paste(self, at_tick: int | None = None) -> None:
        """Paste the copied notes at at_tick (default: the edit position) and select them."""
        if not self._clipboard:
            return
        at = self._paste_tick if at_tick is None else at_tick
        self.document.push(edits.paste_notes(self.document, self._clipboard, at))
        self._paste_tick = at + self._block_length(self._clipboard)

    def duplicate(self) -> None:
        """Copy the selection to just after itself; the copies become the selection."""
        notes = self.selected_notes()
        if notes:
            self.document.push(edits.duplicate_notes(self.document, self.state.selected,
                                                     self._block_length(notes)))

    def _targets(self) -> frozenset[int] | list[int]:
        return self.state.selected or self.state.shown_ids()

    def quantize_selection(self, grid: int | None = None, strength: float = 1.0) -> None:
        """Quantize the selection (or every note when none is selected) to grid (default: the
        snap, or 1/16 with snap off)."""
        grid = grid or self.state.grid
        self.document.push(edits.quantize(self.document, self._targets(), grid, strength=strength))

    def transpose_selection(self, semitones: int) -> None:
        self.document.push(edits.transpose_notes(self.document, self.state.selected, semitones))

    def nudge_selection(self, ticks: int = 0, semitones: int = 0) -> None:
        """Move the selection (arrow keys): repeated nudges merge into one undo step."""
        self.document.push(edits.move_notes(self.document, self.state.selected, ticks, semitones, nudge=True))

    def resize_selection(self, ticks: int) -> None:
        """Lengthen or shorten the selection (Alt+arrows): repeated ones merge into one undo step."""
        self.document.push(edits.resize_notes(self.document, self.state.selected, ticks, self.state.grid,
                                              nudge=True))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        for sequence, action in (
            (QKeySequence.StandardKey.SelectAll, self.select_all),
            (QKeySequence.StandardKey.Copy, self.copy),
            (QKeySequence.StandardKey.Cut, self.cut),
            (QKeySequence.StandardKey.Paste, self.paste),
            (QKeySequence.StandardKey.Undo, self.document.undo_stack.undo),
            (QKeySequence.StandardKey.Redo, self.document.undo_stack.redo),
        ):
            if event.matches(sequence):
                action()
                return
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        grid = self.state.grid
        step = self.document.time_signature.bar_ticks if mods & SHIFT else grid
        handlers = {
            KEY.Key_Delete: self.delete_selection,
            KEY.Key_Backspace: self.delete_selection,
            KEY.Key_Escape: self.select_none,
            KEY.Key_Up: lambda: self.nudge_selection(semitones=12 if mods & SHIFT else 1),
            KEY.Key_Down: lambda: self.nudge_selection(semitones=-12 if mods & SHIFT else -1),
            KEY.Key_Left: (lambda: self.resize_selection(-grid)) if mods & ALT
            else (lambda: self.nudge_selection(ticks=-step)),
            KEY.Key_Right: (lambda: self.resize_selection(grid)) if mods & ALT
            else (lambda: self.nudge_selection(ticks=step)),
        }
        if ctrl and key == KEY.Key_D:
            self.duplicate()
        elif key == KEY.Key_Q and not ctrl:
            self.quantize_selection()
        elif key in handlers and not ctrl:
            handlers[key]()
        else:
            super().keyPressEvent(event)
