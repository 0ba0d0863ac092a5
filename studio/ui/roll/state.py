"""The state the piano roll's views share: the document, viewport, snap, scale, selection,
the preview of a drag in progress, ghost variations, playhead and loop, and the layers: the
channels that are a part of an arrangement (Chords, Bass, Drums), drawn in that part's colour,
and those hidden, whose notes are neither drawn nor hit by the mouse.

The views (grid, keys, ruler, velocity lane) only read it and repaint on `repaint` (what is
drawn changed: `version` counts these), `scrolled` (the viewport moved or zoomed) and
`playhead_moved`; gestures and the PianoRoll's editing methods change it. Notes are looked up
through a NoteIndex that is rebuilt lazily after the document changes (or a layer is shown
or hidden) and holds only the notes shown, so painting touches only visible notes.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, Qt, Signal

from studio.core.notes import TICKS_PER_QUARTER, Note
from studio.core.quantize import snap as snap_tick
from studio.core.scales import Key
from studio.ui.document.document import ClipDocument
from studio.ui.roll.index import NoteIndex
from studio.ui.roll.modifiers import drag_modifiers
from studio.ui.roll.viewport import Viewport


class RollState(QObject):
    """Everything a roll view needs to paint itself."""

    repaint = Signal()
    scrolled = Signal()
    playhead_moved = Signal()
    selection_changed = Signal()
    loop_changed = Signal(object)
    seek_requested = Signal(int)
    audition = Signal(int, int)
    audition_off = Signal(int)
    ghost_clicked = Signal(int)

    def __init__(self, document: ClipDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.viewport = Viewport(self)
        self.snap: int | None = TICKS_PER_QUARTER // 4
        self.scale: Key | None = document.key
        self.selected: frozenset[int] = frozenset()
        self.preview: dict[int, Note] = {}  # id -> where a drag would put the note
        self.drafts: list[Note] = []  # notes being drawn, not yet in the document
        self.ghosts: list[list[Note]] = []
        self.ghost_selected: int | None = None
        self.ghost_index = NoteIndex([])
        self.playhead: int | None = None
        self.loop: tuple[int, int] | None = None
        self.last_length = TICKS_PER_QUARTER  # new notes take the last drawn or resized length
        self.last_velocity = 100  # and the velocity of the last note clicked
        self.copy_modifier, self.no_snap_modifier = drag_modifiers()  # Ctrl/Alt; macOS: Option/Cmd
        self.layers: dict[int, int] = {}  # channel -> the colour (ghost hue) of the part on it
        self.hidden: frozenset[int] = frozenset()  # channels whose notes are not shown
        self._index: NoteIndex | None = None
        self.version = 0
        self.repaint.connect(self._bump)  # first, so views see the new version
        document.notes_changed.connect(self._notes_changed)
        document.context_changed.connect(self._context_changed)
        document.selection_hint.connect(self.select)
        self.viewport.changed.connect(self.scrolled)

    def _bump(self) -> None:
        self.version += 1

    # Notes.

    @property
    def index(self) -> NoteIndex:
        if self._index is None:
            notes, hidden = self.document.notes.items(), self.hidden
            shown = [(i, n) for i, n in notes if n.channel not in hidden] if hidden else notes
            self._index = NoteIndex(shown)
        return self._index

    def shown_ids(self) -> list[int]:
        """The ids of the notes shown (those on a hidden layer left out)."""
        hidden = self.hidden
        return [i for i, n in self.document.notes.items() if n.channel not in hidden]

    def set_layers(self, layers: dict[int, int], hidden: Iterable[int] = ()) -> None:
        """Which channels are a part's layer (channel -> colour) and which of them are hidden;
        hidden notes leave the selection."""
        hidden = frozenset(hidden)
        if layers == self.layers and hidden == self.hidden:
            return
        self.layers, self.hidden = dict(layers), hidden
        self._index = None
        if hidden and self.selected:
            notes = self.document.notes
            self.select(i for i in self.selected if i in notes and notes[i].channel not in hidden)
        self.repaint.emit()

    def notes_between(self, t0: float, t1: float) -> list[tuple[int, Note]]:
        """(id, note) overlapping [t0, t1), as shown: with a drag's preview in place."""
        if not self.preview:
            return list(self.index.query(t0, t1))
        shown = [(i, n) for i, n in self.index.query(t0, t1) if i not in self.preview]
        shown.extend((i, n) for i, n in self.preview.items() if n.end > t0 and n.start < t1)
        return shown

    def note_at(self, tick: float, pitch: int) -> tuple[int, Note] | None:
        """The topmost note under (tick, pitch)."""
        hits = [(i, n) for i, n in self.index.query(tick, tick + 1) if n.pitch == pitch]
        return hits[-1] if hits else None

    def _notes_changed(self, touched: frozenset[int]) -> None:
        self._index = None
        notes = self.document.notes
        if any(i not in notes for i in self.selected & touched):
            self.select(i for i in self.selected if i in notes)
        self.repaint.emit()

    def _context_changed(self) -> None:
        self.scale = self.document.key
        self.repaint.emit()

    # Selection.

    def select(self, ids: Iterable[int], add: bool = False) -> None:
        new = frozenset(ids) | (self.selected if add else frozenset())
        if new != self.selected:
            self.selected = new
            self.selection_changed.emit()
            self.repaint.emit()

    # Grid.

    @property
    def grid(self) -> int:
        """The step for nudging and quantizing: the snap, or a 1/16 when snap is off."""
        return self.snap or TICKS_PER_QUARTER // 4

    def copies(self, modifiers: Qt.KeyboardModifier) -> bool:
        """Whether a drag released with these modifiers drops a copy."""
        return bool(modifiers & self.copy_modifier)

    def bypasses_snap(self, modifiers: Qt.KeyboardModifier) -> bool:
        """Whether these modifiers, held while drawing or dragging, ignore the snap."""
        return bool(modifiers & self.no_snap_modifier)

    def snapped(self, tick: float, bypass: bool = False, floor: bool = False) -> int:
        """tick on the snap grid (nearest line, or the line at or before it with floor)."""
        if self.snap is None or bypass:
            return max(0, round(tick))
        if floor:
            return max(0, int(tick // self.snap * self.snap))
        return max(0, snap_tick(round(tick), self.snap))

    # Ghosts, playhead, loop.

    def set_ghosts(self, variations: list[list[Note]], selected: int | None) -> None:
        self.ghosts = [list(v) for v in variations]
        self.ghost_selected = selected
        self.ghost_index = NoteIndex(
            ((k, note) for k, variation in enumerate(self.ghosts) for note in variation)
        )
        self.repaint.emit()

    def ghost_at(self, tick: float, pitch: int) -> int | None:
        """The variation with a ghost note under (tick, pitch); the shown one wins."""
        hits = {k for k, n in self.ghost_index.query(tick, tick + 1) if n.pitch == pitch}
        if not hits:
            return None
        return self.ghost_selected if self.ghost_selected in hits else min(hits)

    def set_loop(self, loop: tuple[int, int] | None) -> None:
        if loop is not None:
            start, end = sorted(loop)
            loop = (start, end) if end > start else None
        if loop != self.loop:
            self.loop = loop
            self.loop_changed.emit(loop)
            self.repaint.emit()

    @property
    def content_end(self) -> int:
        """Where the scrollable area ends: past the notes, ghosts, loop and playhead (asked on
        every scroll, so the ends come from the indexes, not from every note)."""
        end = max(self.index.end, self.ghost_index.end, self.playhead or 0, self.loop[1] if self.loop else 0)
        bar = self.document.time_signature.bar_ticks
        return max(8 * bar, (end // bar + 4) * bar)
