"""Mouse gestures on the roll, one small class each: draw a note, move or copy the selection,
resize it by the right edge, rubber-band select, drag velocities in the lane.

A gesture starts on a mouse press, shows its effect as a preview in RollState while the mouse
moves (nothing touches the document yet), and on release pushes exactly one undoable edit.
Holding Alt (macOS: Cmd) bypasses the snap (studio.ui.roll.modifiers). Positions are widget
pixels; the press is remembered in musical coordinates, so the view may scroll (wheel,
auto-scroll at the edges) in the middle of a drag.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtWidgets import QApplication

from studio.core.notes import Note
from studio.ui.document import edits
from studio.ui.roll.state import RollState


class Gesture:
    """A press-move-release interaction."""

    def __init__(self, state: RollState, pos: QPointF) -> None:
        self.state = state
        self.origin = QPointF(pos)
        view = state.viewport
        self.origin_tick = view.tick(pos.x())
        self.origin_pitch = view.pitch(pos.y())
        self.origin_depth = pos.y() + view.top  # pixels below the top of row 127
        self.dragged = False
        self.sounding: int | None = None  # the pitch being auditioned, released at the end

    def move(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        if not self.dragged:
            distance = (pos - self.origin).manhattanLength()
            self.dragged = distance >= QApplication.startDragDistance() // 2 + 1
        if self.dragged:
            self.update(pos, modifiers)
            self.state.repaint.emit()

    def update(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        """Follow the mouse once it has really moved."""

    def finish(self, modifiers: Qt.KeyboardModifier) -> None:
        """Commit on release."""

    def sound(self, pitch: int, velocity: int) -> None:
        """Audition pitch instead of the pitch sounding so far (if it differs)."""
        if pitch != self.sounding:
            self.silence()
            self.state.audition.emit(pitch, velocity)
            self.sounding = pitch

    def silence(self) -> None:
        """Release the auditioned pitch, so no note hangs however the gesture ends."""
        if self.sounding is not None:
            self.state.audition_off.emit(self.sounding)
            self.sounding = None

    def cancel(self) -> None:
        self.silence()
        self.state.preview = {}
        self.state.drafts = []
        self.state.repaint.emit()


class DrawGesture(Gesture):
    """Click on empty space: a new note of the last used length; drag to set its length. The
    drawn note is not left selected (nor is anything else): the selection is what Continue
    continues, and a phrase drawn note by note is to be continued whole."""

    def __init__(self, state: RollState, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        super().__init__(state, pos)
        view = state.viewport
        self.pitch = view.pitch(pos.y())
        self.start = state.snapped(view.tick(pos.x()), state.bypasses_snap(modifiers), floor=True)
        self.velocity = state.last_velocity
        self.created: list[int] = []
        state.drafts = [Note(self.start, self.pitch, state.last_length, self.velocity)]
        self.sound(self.pitch, self.velocity)
        state.repaint.emit()

    def update(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        bypass = self.state.bypasses_snap(modifiers)
        end = self.state.snapped(self.state.viewport.tick(pos.x()), bypass)
        shortest = 1 if bypass else self.state.grid
        self.state.drafts = [Note(self.start, self.pitch, max(shortest, end - self.start), self.velocity)]

    def finish(self, modifiers: Qt.KeyboardModifier) -> None:
        state = self.state
        drafts, state.drafts = state.drafts, []
        self.silence()
        state.last_length = drafts[0].duration
        edit = edits.add_notes(state.document, drafts, place=True)
        state.document.push(edit)
        self.created = edit.ids if edit else []


class _SelectionGesture(Gesture):
    """A gesture on a snapshot of the notes it works on, taken at the press (so a document
    change mid-drag cannot pull notes from under it)."""

    def __init__(self, state: RollState, pos: QPointF, anchor: int, ids: Iterable[int]) -> None:
        super().__init__(state, pos)
        notes = state.document.notes
        self.originals = {i: notes[i] for i in ids if i in notes}
        self.ids = list(self.originals)
        self.anchor = notes[anchor]


class MoveGesture(_SelectionGesture):
    """Drag a note: the selection follows, snapped by the grabbed note's start; Ctrl (macOS:
    Option) at release drops a copy instead."""

    def __init__(self, state: RollState, pos: QPointF, anchor: int) -> None:
        super().__init__(state, pos, anchor, state.selected)
        self.ticks = self.semitones = 0
        self.sound(self.anchor.pitch, self.anchor.velocity)

    def update(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        view, originals = self.state.viewport, self.originals.values()
        raw = view.tick(pos.x()) - self.origin_tick
        ticks = self.state.snapped(self.anchor.start + raw, self.state.bypasses_snap(modifiers))
        ticks -= self.anchor.start
        self.ticks = max(ticks, -min(n.start for n in originals))
        semitones = view.pitch(pos.y()) - self.origin_pitch
        low, high = min(n.pitch for n in originals), max(n.pitch for n in originals)
        self.semitones = max(-low, min(127 - high, semitones))
        self.state.preview = {
            i: n.moved(start=n.start + self.ticks, pitch=n.pitch + self.semitones)
            for i, n in self.originals.items()
        }
        self.sound(self.anchor.pitch + self.semitones, self.anchor.velocity)

    def finish(self, modifiers: Qt.KeyboardModifier) -> None:
        state = self.state
        self.silence()
        moved, state.preview = state.preview, {}
        if not self.dragged or (self.ticks, self.semitones) == (0, 0):  # dropped where it was
            return
        if state.copies(modifiers):
            edit = edits.add_notes(state.document, list(moved.values()), "Copy", place=True, select=True)
        else:
            edit = edits.move_notes(state.document, self.ids, self.ticks, self.semitones)
        if not state.document.push(edit):
            state.repaint.emit()


class ResizeGesture(_SelectionGesture):
    """Drag a note's right edge: the selection's lengths change by the same snapped amount."""

    def __init__(self, state: RollState, pos: QPointF, anchor: int) -> None:
        super().__init__(state, pos, anchor, state.selected)
        self.delta = 0
        self.minimum = 1

    def update(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        state, view = self.state, self.state.viewport
        bypass = state.bypasses_snap(modifiers)
        raw = view.tick(pos.x()) - self.origin_tick
        self.delta = state.snapped(self.anchor.end + raw, bypass) - self.anchor.end
        shortest = min(n.duration for n in self.originals.values())
        self.minimum = 1 if bypass else min(state.grid, shortest)
        state.preview = {
            i: n.moved(duration=max(self.minimum, n.duration + self.delta)) for i, n in self.originals.items()
        }

    def finish(self, modifiers: Qt.KeyboardModifier) -> None:
        state = self.state
        state.preview = {}
        if not self.dragged:
            return
        state.last_length = max(self.minimum, self.anchor.duration + self.delta)
        if not state.document.push(edits.resize_notes(state.document, self.ids, self.delta, self.minimum)):
            state.repaint.emit()


class RubberBandGesture(Gesture):
    """Shift+drag on empty space: select the notes the band touches (Ctrl+Shift adds)."""

    def __init__(self, state: RollState, pos: QPointF, add: bool) -> None:
        super().__init__(state, pos)
        self.base = state.selected if add else frozenset()
        self.band: QRectF | None = None
        state.select(self.base)

    def update(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        view = self.state.viewport
        start = QPointF(view.x(self.origin_tick), self.origin_depth - view.top)
        self.band = QRectF(start, pos).normalized()
        t0, t1 = view.tick(self.band.left()), view.tick(self.band.right())
        low, high = view.pitch(self.band.bottom()), view.pitch(self.band.top())
        hit = (i for i, n in self.state.index.query(t0, t1) if low <= n.pitch <= high)
        self.state.select(self.base | frozenset(hit))

    def finish(self, modifiers: Qt.KeyboardModifier) -> None:
        self.band = None
        self.state.repaint.emit()


VelocityAt = Callable[[float], int]


class _VelocityGesture(Gesture):
    """Velocity edits in the lane: a preview while dragging, one edit on release."""

    def __init__(self, state: RollState, pos: QPointF, velocity_at: VelocityAt) -> None:
        super().__init__(state, pos)
        self.velocity_at = velocity_at
        self.velocities: dict[int, int] = {}
        self.dragged = True  # a click counts too

    def _show(self, velocities: dict[int, int]) -> None:
        notes = self.state.document.notes
        self.velocities = {i: max(1, min(127, v)) for i, v in velocities.items() if i in notes}
        self.state.preview = {i: notes[i].moved(velocity=v) for i, v in self.velocities.items()}

    def finish(self, modifiers: Qt.KeyboardModifier) -> None:
        state = self.state
        state.preview = {}
        if not state.document.push(edits.set_velocities(state.document, self.velocities)):
            state.repaint.emit()


class VelocityGesture(_VelocityGesture):
    """Drag a stem: that note, or the whole selection if it is part of it, changes velocity by
    the same amount."""

    def __init__(self, state: RollState, pos: QPointF, anchor: int, velocity_at: VelocityAt) -> None:
        super().__init__(state, pos, velocity_at)
        notes = state.document.notes
        ids = state.selected if anchor in state.selected else (anchor,)
        self.originals = {i: notes[i].velocity for i in ids if i in notes}
        self.anchor = notes[anchor].velocity
        self.update(pos, Qt.KeyboardModifier.NoModifier)

    def update(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        delta = self.velocity_at(pos.y()) - self.anchor
        self._show({i: v + delta for i, v in self.originals.items()})


class VelocityRampGesture(_VelocityGesture):
    """Drag across empty lane space: a straight line from the press to the mouse sets the
    velocities of the notes it spans (the selected ones, if any are): crescendos, fades."""

    def update(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        view, state = self.state.viewport, self.state
        (x0, y0), (x1, y1) = sorted(((view.x(self.origin_tick), self.origin.y()), (pos.x(), pos.y())))
        t0, t1 = view.tick(x0), view.tick(x1)
        ramp = {}
        for note_id, note in state.index.query(t0, t1 + 1):
            if t0 <= note.start <= t1 and (not state.selected or note_id in state.selected):
                x = view.x(note.start)
                share = (x - x0) / (x1 - x0) if x1 > x0 else 0.0
                ramp[note_id] = self.velocity_at(y0 + (y1 - y0) * share)
        self._show(ramp)
