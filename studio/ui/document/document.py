"""The sketch being edited: a ClipDocument holds the notes (each under a stable id, so undo,
redo and selection survive edits), tempo, time signature and key, and announces every change.

Nothing mutates a document except the QUndoCommands of studio.ui.document.edits, pushed on its
`undo_stack`; they call `apply()`, the one primitive that changes notes and context. `load()`
replaces everything and clears the history (New, Open, crash recovery).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from studio.core.notes import Clip, Note, TimeSignature
from studio.core.scales import Key


@dataclass(frozen=True)
class ClipContext:
    """What the notes live in: tempo (BPM), time signature and key name (or None)."""

    tempo: float = 120.0
    time_signature: TimeSignature = TimeSignature()
    key: str | None = None


class ClipDocument(QObject):
    """The current clip, its undo history and change signals.

    `notes_changed(touched)` carries the ids that were added, changed or removed;
    `context_changed()` follows tempo, metre or key; `changed()` follows both.
    `selection_hint(ids)` is emitted by edits (and their undo) with the ids a view should
    select afterwards.
    """

    changed = Signal()
    notes_changed = Signal(object)
    context_changed = Signal()
    selection_hint = Signal(object)

    def __init__(self, clip: Clip | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self._notes: dict[int, Note] = {}
        self._context = ClipContext()
        self._ids = itertools.count(1)
        if clip is not None:
            self.load(clip)

    # Reading.

    @property
    def notes(self) -> Mapping[int, Note]:
        """Read-only view: id -> Note."""
        return MappingProxyType(self._notes)

    @property
    def context(self) -> ClipContext:
        return self._context

    @property
    def tempo(self) -> float:
        return self._context.tempo

    @property
    def time_signature(self) -> TimeSignature:
        return self._context.time_signature

    @property
    def key(self) -> Key | None:
        """The key as a studio.core Key (None when unset or not a name Key understands)."""
        try:
            return Key.parse(self._context.key) if self._context.key else None
        except ValueError:
            return None

    def clip(self, ids: Iterable[int] | None = None) -> Clip:
        """A snapshot as a studio.core Clip: every note, or just those with the given ids."""
        notes = list(self._notes.values()) if ids is None else [self._notes[i] for i in ids]
        ctx = self._context
        return Clip(sorted(notes), ctx.tempo, ctx.time_signature, ctx.key)

    @property
    def end(self) -> int:
        """The tick where the last note ends (0 when empty)."""
        return max((n.end for n in self._notes.values()), default=0)

    # Changing.

    def new_ids(self, count: int) -> list[int]:
        """Fresh ids for notes about to be added; never reused within this document."""
        return [next(self._ids) for _ in range(count)]

    def push(self, command: QUndoCommand | None) -> bool:
        """Run an edit and record it for undo; None (an edit that changes nothing) is ignored."""
        if command is None:
            return False
        self.undo_stack.push(command)
        return True

    def apply(
        self,
        notes: Mapping[int, Note | None],
        context: ClipContext | None = None,
        select: Iterable[int] | None = None,
    ) -> None:
        """Set (Note) or remove (None) the notes with these ids, optionally replace the
        context, then announce it. Only the commands in studio.ui.document.edits call this."""
        for note_id, note in notes.items():
            if note is None:
                self._notes.pop(note_id, None)
            else:
                self._notes[note_id] = note
        context_moved = context is not None and context != self._context
        if context is not None:
            self._context = context
        if notes:
            self.notes_changed.emit(frozenset(notes))
        if context_moved:
            self.context_changed.emit()
        if select is not None:
            self.selection_hint.emit(frozenset(i for i in select if i in self._notes))
        self.changed.emit()

    def load(self, clip: Clip) -> None:
        """Replace the whole document with clip and forget the undo history."""
        self.undo_stack.clear()
        removed: dict[int, Note | None] = dict.fromkeys(self._notes)
        added = dict(zip(self.new_ids(len(clip.notes)), clip.sorted_notes(), strict=True))
        self.apply(
            removed | added, ClipContext(clip.tempo, clip.time_signature, clip.key), select=()
        )
        self.undo_stack.setClean()
