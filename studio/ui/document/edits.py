"""Every change to a ClipDocument as one undoable command.

One command class, `DocumentEdit`, records the notes (by id) and the context before and after
an edit; undo puts the "before" back, redo the "after". The functions below build it for each
kind of edit (add, remove, move, resize, velocity, quantize, transpose, paste, duplicate,
replace-all, tempo, metre, key) and return None when the edit would change nothing, so
`document.push(edit)` never records an empty step. Edits keep a group's shape: a move or
transpose that would push one note off the keyboard or before tick 0 is clamped for all.
Notes placed by hand (moved, pasted, duplicated, and added with place=True, as the roll draws
them), quantized notes and an accepted variation clear their way as in a DAW, so no key sounds
twice at once: another note of the same pitch and channel that runs into one ends where it
starts, and one that starts under it is written over (undo brings both back); among the placed
notes themselves, one that runs into the next on its key ends where that starts, and of two
that start together the longer stays. Lengthening a note stops at the next note on its key.
Consecutive nudges of the same notes (arrow keys), consecutive resizes of them (Alt+arrows) and
consecutive tempo changes merge into one step, as long as each follows the last within a couple
of seconds (a pause starts a new step).
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace

from PySide6.QtGui import QUndoCommand

from studio.core.notes import Clip, Note, TimeSignature
from studio.core.quantize import quantize_notes
from studio.ui.document.document import ClipContext, ClipDocument

# Merge ids for QUndoCommand.id(): commands with the same id may merge with the one before.
NO_MERGE = -1
MERGE_NUDGE = 1
MERGE_TEMPO = 2
MERGE_RESIZE = 3
MERGE_WINDOW_S = 2.0  # the longest pause between two edits that still merge

Changes = Mapping[int, Note | None]


class DocumentEdit(QUndoCommand):
    """Notes (id -> Note, None = absent) and context before and after one edit."""

    def __init__(
        self,
        document: ClipDocument,
        text: str,
        before: Changes,
        after: Changes,
        context: tuple[ClipContext, ClipContext] | None = None,
        merge: int = NO_MERGE,
        select: Iterable[int] | None = None,
        selects: bool = True,
    ) -> None:
        super().__init__(text)
        self.document = document
        self.before = dict(before)
        self.after = dict(after)
        self.context = context
        self._merge = merge
        self._select = None if select is None else list(select)
        self.selects = selects  # whether redo selects `ids` (else it leaves nothing selected)
        self.at = time.monotonic()  # when the edit was made (merging extends it)

    @property
    def ids(self) -> list[int]:
        """The ids of the notes the edit placed or changed (e.g. the ones just added or pasted),
        not those it merely trimmed out of their way."""
        if self._select is not None:
            return list(self._select)
        return [i for i, note in self.after.items() if note is not None]

    def redo(self) -> None:
        # a tempo or key change keeps the selection
        select = (self.ids if self.selects else ()) if self.after else None
        self.document.apply(self.after, self.context and self.context[1], select=select)

    def undo(self) -> None:
        kept = [i for i, note in self.before.items() if note is not None] if self.before else None
        self.document.apply(self.before, self.context and self.context[0], select=kept)

    def id(self) -> int:
        return self._merge

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, DocumentEdit) or other.id() != self.id():
            return False
        if other.after.keys() != self.after.keys() or not 0 <= other.at - self.at <= MERGE_WINDOW_S:
            return False
        self.after, self.at, self._select = other.after, other.at, other._select
        self.setText(other.text())
        if self.context and other.context:
            self.context = (self.context[0], other.context[1])
        same_context = not self.context or self.context[0] == self.context[1]
        self.setObsolete(self.after == self.before and same_context)
        return True


def _plural(count: int, one: str) -> str:
    return one if count == 1 else f"{one} ({count} notes)"


def _clear_the_way(document: ClipDocument, placed: Mapping[int, Note]) -> dict[int, Note | None]:
    """What becomes of the notes where `placed` land, key by key (pitch and channel): placed
    notes first make room among themselves (one running into the next ends where that starts;
    of two starting together the longer stays), then another note that runs into a placed one
    ends where it starts, and one that starts under it goes. Changes to placed notes are
    included (trimmed, or None when written over)."""
    lanes: dict[tuple[int, int], list[tuple[int, Note]]] = defaultdict(list)
    for item in sorted(placed.items(), key=lambda item: (item[1].start, -item[1].duration)):
        lanes[item[1].pitch, item[1].channel].append(item)
    changes: dict[int, Note | None] = {}
    starts: dict[tuple[int, int], list[int]] = {}
    for key, lane in lanes.items():
        kept: list[tuple[int, Note]] = []
        for note_id, note in lane:
            if kept and kept[-1][1].start == note.start:
                changes[note_id] = None
                continue
            if kept and kept[-1][1].end > note.start:
                last_id, last = kept[-1]
                kept[-1] = (last_id, last.moved(duration=note.start - last.start))
                changes[last_id] = kept[-1][1]
            kept.append((note_id, note))
        lanes[key] = kept
        starts[key] = [note.start for _, note in kept]
    for note_id, other in document.notes.items():
        key = (other.pitch, other.channel)
        lane = lanes.get(key)
        if lane is None or note_id in placed:
            continue
        k = bisect_right(starts[key], other.start)  # lane[k - 1] starts at or before other
        if k and lane[k - 1][1].end > other.start:
            changes[note_id] = None
        elif k < len(lane) and lane[k][1].start < other.end:
            changes[note_id] = other.moved(duration=lane[k][1].start - other.start)
    return changes


def _edit_notes(
    document: ClipDocument, text: str, after: Mapping[int, Note | None], merge: int = NO_MERGE,
    place: bool = False, selects: bool = True,
) -> DocumentEdit | None:
    """A DocumentEdit from the wanted new state of some notes, or None if nothing changes;
    with place=True the notes clear their way (see _clear_the_way), those left where they were
    (a quantized note already on the grid) included."""
    current = document.notes
    changes = {i: n for i, n in after.items() if current.get(i) != n}
    select = None
    if place and changes:
        placed = {i: n for i, n in after.items() if n is not None}
        changes |= _clear_the_way(document, placed)
        changes = {i: n for i, n in changes.items() if current.get(i) != n}
        select = [i for i in placed if changes.get(i, current.get(i)) is not None]
    if not changes:
        return None
    before = {i: current.get(i) for i in changes}
    return DocumentEdit(document, text, before, changes, merge=merge, select=select, selects=selects)


def _existing(document: ClipDocument, ids: Iterable[int]) -> dict[int, Note]:
    notes = document.notes
    return {i: notes[i] for i in ids if i in notes}


def add_notes(
    document: ClipDocument, notes: Collection[Note], text: str = "Add note", *, place: bool = False,
    select: bool = False,
) -> DocumentEdit | None:
    """Add new notes (fresh ids); the command's `ids` are theirs. With place=True they clear
    their way on their keys (see the module docstring). Added notes (drawn, recorded, an
    accepted variation, an import) leave nothing selected, since the selection is what Continue
    continues; copies (select=True: paste, duplicate, a copying drag) become the selection."""
    if not notes:
        return None
    added = dict(zip(document.new_ids(len(notes)), notes, strict=True))
    return _edit_notes(document, _plural(len(notes), text), added, place=place, selects=select)


def set_notes(document: ClipDocument, notes: Mapping[int, Note], text: str = "Change") -> DocumentEdit | None:
    """Notes changed in place, by id (a part moved to another channel); nothing left selected."""
    changed = {i: n for i, n in notes.items() if i in document.notes}
    return _edit_notes(document, _plural(len(changed), text), changed, selects=False)


def remove_notes(document: ClipDocument, ids: Iterable[int], text: str = "Delete") -> DocumentEdit | None:
    gone = _existing(document, ids)
    return _edit_notes(document, _plural(len(gone), text), dict.fromkeys(gone))


def _clamp(delta: int, low: int, high: int) -> int:
    return max(low, min(high, delta))


def move_notes(
    document: ClipDocument, ids: Iterable[int], ticks: int = 0, semitones: int = 0, *,
    nudge: bool = False, text: str = "Move",
) -> DocumentEdit | None:
    """Shift notes in time and pitch together, clamped so that all stay on the keyboard and
    after tick 0. `nudge=True` (arrow keys) merges with the previous nudge of the same notes."""
    notes = _existing(document, ids)
    if not notes:
        return None
    ticks = max(ticks, -min(n.start for n in notes.values()))
    pitches = [n.pitch for n in notes.values()]
    semitones = _clamp(semitones, -min(pitches), 127 - max(pitches))
    moved = {i: n.moved(start=n.start + ticks, pitch=n.pitch + semitones) for i, n in notes.items()}
    merge = MERGE_NUDGE if nudge else NO_MERGE
    return _edit_notes(document, _plural(len(notes), text), moved, merge, place=True)


def transpose_notes(document: ClipDocument, ids: Iterable[int], semitones: int) -> DocumentEdit | None:
    return move_notes(document, ids, semitones=semitones, text="Transpose")


def resize_notes(
    document: ClipDocument, ids: Iterable[int], ticks: int, minimum: int = 1, *, nudge: bool = False
) -> DocumentEdit | None:
    """Lengthen (or shorten, ticks < 0) notes by the same amount, never into the next note on
    the same key, and shortening stops at `minimum` ticks (a note already shorter keeps its
    length). `nudge=True` (Alt+arrow keys) merges with the previous such resize of the notes."""
    notes = _existing(document, ids)
    starts: dict[tuple[int, int], list[int]] = defaultdict(list)  # other notes' starts, by key
    for note_id, other in document.notes.items():
        if note_id not in notes:
            starts[other.pitch, other.channel].append(other.start)
    for lane in starts.values():
        lane.sort()
    resized = {}
    for note_id, note in notes.items():
        duration = max(min(minimum, note.duration), note.duration + ticks)
        lane = starts.get((note.pitch, note.channel), [])
        k = bisect_right(lane, note.start)
        if ticks > 0 and k < len(lane):
            duration = min(duration, max(note.duration, lane[k] - note.start))
        resized[note_id] = note.moved(duration=duration)
    return _edit_notes(document, _plural(len(notes), "Resize"), resized, MERGE_RESIZE if nudge else NO_MERGE)


def set_velocities(document: ClipDocument, velocities: Mapping[int, int]) -> DocumentEdit | None:
    """Give notes new velocities (clamped to 1-127)."""
    notes = _existing(document, velocities)
    changed = {i: n.moved(velocity=max(1, min(127, velocities[i]))) for i, n in notes.items()}
    return _edit_notes(document, _plural(len(notes), "Velocity"), changed)


def quantize(
    document: ClipDocument, ids: Iterable[int], grid: int, *, strength: float = 1.0, lengths: bool = False
) -> DocumentEdit | None:
    """Snap the notes' starts (and optionally lengths) to the grid (see studio.core.quantize);
    notes that land on or run into another on their key clear their way, as placed ones do."""
    notes = _existing(document, ids)
    snapped = quantize_notes(notes.values(), grid, strength=strength, lengths=lengths)
    changed = dict(zip(notes, snapped, strict=True))
    return _edit_notes(document, _plural(len(notes), "Quantize"), changed, place=True)


def paste_notes(
    document: ClipDocument, notes: Collection[Note], at_tick: int, text: str = "Paste"
) -> DocumentEdit | None:
    """Add copies of notes shifted so the earliest starts at at_tick."""
    if not notes:
        return None
    shift = max(0, at_tick) - min(n.start for n in notes)
    return add_notes(document, [n.moved(start=n.start + shift) for n in notes], text, place=True, select=True)


def duplicate_notes(document: ClipDocument, ids: Iterable[int], offset: int) -> DocumentEdit | None:
    """Add copies of the notes `offset` ticks later."""
    notes = list(_existing(document, ids).values())
    return add_notes(document, [n.moved(start=n.start + offset) for n in notes], "Duplicate", place=True,
                     select=True)


def replace_all(document: ClipDocument, clip: Clip, text: str = "Replace clip") -> DocumentEdit:
    """Replace every note and the context with clip's (open a file, accept a whole take)."""
    before: dict[int, Note | None] = dict(document.notes)
    after: dict[int, Note | None] = dict.fromkeys(before)
    after.update(zip(document.new_ids(len(clip.notes)), clip.sorted_notes(), strict=True))
    context = (document.context, ClipContext(clip.tempo, clip.time_signature, clip.key))
    before.update(dict.fromkeys(after.keys() - before.keys()))
    return DocumentEdit(document, text, before, after, context)


def _edit_context(
    document: ClipDocument, text: str, merge: int = NO_MERGE, **changes: object
) -> DocumentEdit | None:
    new = replace(document.context, **changes)
    if new == document.context:
        return None
    return DocumentEdit(document, text, {}, {}, (document.context, new), merge)


def set_tempo(document: ClipDocument, bpm: float) -> DocumentEdit | None:
    """Change the tempo; consecutive tempo changes (a spin box being dragged) merge."""
    if not 10.0 <= bpm <= 999.0:
        raise ValueError(f"a tempo of {bpm} BPM is outside 10-999")
    return _edit_context(document, f"Tempo {bpm:g} BPM", MERGE_TEMPO, tempo=float(bpm))


def set_time_signature(document: ClipDocument, time_signature: TimeSignature) -> DocumentEdit | None:
    return _edit_context(document, f"Time signature {time_signature}", time_signature=time_signature)


def set_key(document: ClipDocument, key: str | None) -> DocumentEdit | None:
    """Set the key by name ("D-dorian") or clear it (None)."""
    return _edit_context(document, f"Key {key}" if key else "No key", key=key)
