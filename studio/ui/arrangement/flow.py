"""The arranging workflow: Arrange (Ctrl+B; the melody is the selection, or the whole sketch, its
top voice) → the arranger proposes a chord lane and parts on its worker thread → the parts show
in the roll as ghost notes, a colour each, the chords in the lane over the ruler → Shift+Space
hears the melody with them (Space plays the sketch with them) → Enter accepts them as one undo
step, each part's notes on its own channel, Esc drops them (Ctrl+Z brings them back). Again
(Ctrl+Shift+B) is a new take of the parts not locked (a locked part keeps the harmony it was
played over); a part's own Again plays it alone anew, the others kept. Chords typed in the panel
("C G Am F") or in the lane are locked: the band follows them.

Each part plays on the channel and program of the panel's Instruments box: the proposal's notes
are on them, Accept writes them, the export and a drag-out (the whole arrangement, or one part)
carry them, and their program changes go out before anything plays (Space after Accept too).
The parts' notes in the sketch are layers of the roll in the part's colour, each shown or hidden
(View > Show Chords…); the melody, on the sketch's own channel, always shows, and plays out on
the melody's channel. A part's channel changed moves its notes in the sketch along (one undo step).

Enter, Esc and Shift+Space are the Continue workflow's actions: while a proposal is what the
roll shows, they act on it, and it keeps them enabled. It owns no widgets but the ghosts it sets.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMimeData, QObject, Signal
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QFileDialog

from studio.core.arrangement import (
    GENERATED_PARTS,
    Arrangement,
    BeatGrid,
    ChordSpan,
    Part,
    typed_lane,
)
from studio.core.chords import Chord, ChordError, parse_chord
from studio.core.notes import DRUM_CHANNEL, Clip, Note, top_voice
from studio.core.words import plural
from studio.engine.arranger import ArrangeRequest
from studio.midi.files import MidiFileError, parts_bytes, write_parts
from studio.ui.app.actions import Actions
from studio.ui.app.voice import Voice
from studio.ui.arrangement.chord_lane import ChordLane
from studio.ui.arrangement.instruments import SKETCH_CHANNEL, SPECS
from studio.ui.arrangement.panel import PART_LABELS, ArrangePanel
from studio.ui.arrangement.worker import ArrangeResult, ArrangeService
from studio.ui.continuation.engine_worker import EngineState
from studio.ui.document import edits
from studio.ui.document.document import ClipDocument
from studio.ui.document.files import DragFolder, file_mime
from studio.ui.roll import PianoRoll

SHARED_KEYS = ("accept", "discard", "audition")  # Enter, Esc, Shift+Space: the shown proposal's too
MIDI_FILTER = "MIDI files (*.mid *.midi)"


class DropArrangement(QUndoCommand):
    """Esc's drop of the proposal as a step of the undo history that changes no note: Ctrl+Z
    shows it again."""

    def __init__(self, flow: ArrangeFlow, dropped: Arrangement) -> None:
        super().__init__("Drop the arrangement")
        self.flow, self.dropped = flow, dropped

    def redo(self) -> None:
        self.flow._propose(None)

    def undo(self) -> None:
        self.flow._propose(self.dropped)
        self.flow._say("The arrangement is back: Shift+Space to hear it, Enter to accept, Esc to drop it.")


class MovePart(QUndoCommand):
    """A part's channel changed: its notes in the sketch move to the new channel, and the
    panel shows the channel of the step (undo puts both back)."""

    def __init__(self, flow: ArrangeFlow, part: str, old: int, new: int, moved: QUndoCommand | None) -> None:
        super().__init__(f"{SPECS[part].name} to channel {new + 1}")
        self.flow, self.part, self.old, self.new, self.moved = flow, part, old, new, moved

    def redo(self) -> None:
        if self.moved is not None:
            self.moved.redo()
        self.flow._set_channel(self.part, self.new)

    def undo(self) -> None:
        if self.moved is not None:
            self.moved.undo()
        self.flow._set_channel(self.part, self.old)


class ArrangeFlow(QObject):
    """Ties the arranger service, the document, the roll's ghosts, the chord lane and the panel.
    `audition_requested(notes)`: the melody with the heard parts, to be played alone;
    `programs(pairs)`: (channel, program) of the parts, for the output to sound them right."""

    message = Signal(str)
    audition_requested = Signal(list)
    programs = Signal(list)

    def __init__(self, service: ArrangeService, document: ClipDocument, roll: PianoRoll, panel: ArrangePanel,
                 lane: ChordLane, actions: Actions, seen: Callable[[], bool] = lambda: True) -> None:
        super().__init__(panel)
        self.service, self.document, self.roll, self.panel, self.lane = service, document, roll, panel, lane
        self.actions, self._seen = actions, seen
        self.proposal: Arrangement | None = None
        self.accepted: Arrangement | None = None  # the last one accepted (its chords stay in the lane)
        self.locked: dict[int, ChordSpan] = {}  # chords the musician typed in the lane, by start
        self._layers: list | None = None  # the roll's ghost list while it shows the proposal
        self._claiming = False
        self._rng = random.Random()
        self._defaults = panel.values()  # a project with these and no chords keeps nothing
        self.drags = DragFolder()
        self.instruments = panel.instruments
        self.instruments.drag_mime = self.drag_mime
        actions.bind({"arrange": self.arrange, "arrange_again": self.again, "accept_arrangement": self.accept,
                      "drop_arrangement": self.drop, "export_arrangement": self.export})
        handlers = (self.accept, self.drop, self.audition)
        actions.bind({name: (lambda h=handler: h() if self.showing else None)
                      for name, handler in zip(SHARED_KEYS, handlers, strict=True)})
        for name in SHARED_KEYS:
            actions[name].changed.connect(self._claim_keys)
        panel.regenerate.connect(self.regenerate)
        panel.switched.connect(self._switched)
        panel.edit_done.connect(lambda: roll.setFocus())
        self.instruments.channel_changed.connect(self._channel_changed)
        self.instruments.program_changed.connect(self._program_changed)
        self.instruments.restored.connect(self._instruments_restored)
        self.instruments.refused.connect(self._say)
        for name in GENERATED_PARTS:
            actions[f"show_{name}"].toggled.connect(self._shown_changed)
        lane.chord_typed.connect(self._chord_typed)
        lane.message.connect(self._say)
        service.finished.connect(self._on_finished)
        service.state_changed.connect(self._update)
        self._voice = Voice(panel.set_status, self.message.emit, self._seen, document.undo_stack)
        self._update()
        self._refresh_layers()

    # -- commands ---------------------------------------------------------------------------
    @property
    def showing(self) -> bool:
        """Whether the roll shows the proposal now (not variations or a jam's notes)."""
        return self.proposal is not None and self._layers is not None \
            and self.roll.state.ghosts is self._layers

    def melody(self) -> Clip:
        """The melody to arrange: the selected notes, or all; the notes of the band's channels
        (an accepted arrangement) left out where others remain; the top voice of those."""
        notes = self.roll.selected_notes() or list(self.document.notes.values())
        pitched = [n for n in notes if n.channel != DRUM_CHANNEL]
        band = self.band_channels()
        tune = [n for n in pitched if n.channel not in band] or pitched
        return self.document.clip().with_notes(top_voice(tune))

    def arrange(self, seed: int | None = None) -> None:
        """Arrange the melody afresh (the locked and typed chords kept)."""
        self._start(keep=None, regenerate=(), seed=seed)

    def again(self) -> None:
        """A new take of the parts not locked; with none locked, of everything."""
        locked = [n for n in self.panel.parts() if self.panel.switch(n, "locked")]
        if not locked or self.proposal is None:
            self.panel.new_seed(self._rng.randrange(1, 2**31))
            self.arrange()
            return
        free = tuple(n for n in self.panel.parts() if n not in locked)
        if not free:
            self._say("Every part is locked: unlock one to hear another take of it.")
            return
        self.panel.new_seed(self._rng.randrange(1, 2**31))
        self._start(keep=self.proposal, regenerate=free)

    def regenerate(self, part: str) -> None:
        """A new take of one part, the harmony and the other parts kept."""
        if self.proposal is None:
            self._say("Arrange first (Ctrl+B); then each part can be played again alone.")
            return
        if part not in self.panel.parts():
            self._say(f"{PART_LABELS[part]} is not among the parts to play: tick it first.")
            return
        self.panel.new_seed(self._rng.randrange(1, 2**31))
        self._start(keep=self.proposal, regenerate=(part,))

    def accept(self) -> None:
        """Add the parts heard (not muted; the soloed ones when any is) to the sketch, each on
        its channel: one undo step."""
        proposal = self.proposal
        if proposal is None or self.service.running:
            return
        notes = [n for part in self._heard() for n in part.notes]
        self.accepted = proposal
        self._propose(None)
        if not notes:
            self._say("Every part is muted: there was nothing to add.")
            return
        self.document.push(edits.add_notes(self.document, notes, text="Accept arrangement"))
        names = ", ".join(p.name for p in self._heard(proposal))
        self._say(f"Arrangement added ({names}: {plural(len(notes), 'note')}); Ctrl+Z takes it back.")

    def drop(self) -> None:
        """Drop the proposal: a step of the undo history that changes no note."""
        if self.proposal is None:
            return
        stack = self.document.undo_stack
        clean = stack.isClean()
        stack.push(DropArrangement(self, self.proposal))
        if clean:
            stack.setClean()
        self._say("Arrangement dropped; Ctrl+Z brings it back.")

    def audition(self) -> None:
        if self.proposal is not None:
            self.audition_requested.emit(self.proposal.audible())

    def heard_notes(self) -> list[Note]:
        """The proposed parts heard, for Play to play with the sketch."""
        return [n for part in self._heard() for n in part.notes] if self.showing else []

    def export(self, path: str | Path | None = None) -> bool:
        """Write the arrangement (proposed, else the last accepted) as a multi-track .mid."""
        arrangement = self.proposal or self.accepted
        if arrangement is None:
            self._say("Arrange the melody first (Ctrl+B): there is no arrangement to export.")
            return False
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self.roll.window(), "Export Arrangement", "arrangement.mid",
                                                  MIDI_FILTER)
            if not path:
                return False
        clip = self.document.clip().with_notes(arrangement.melody.notes)  # the tempo and metre of now
        try:
            write_parts(path, clip, self._tracks(arrangement), arrangement.markers())
        except MidiFileError as err:
            self._say(str(err))
            return False
        names = ", ".join(name for name, *_ in self._tracks(arrangement))
        self._say(f"Exported the arrangement ({names}) to {Path(path).name}.")
        return True

    def drag_mime(self, part: str | None = None) -> QMimeData | None:
        """What a drag-out carries: a .mid file of the arrangement (proposed, else the last
        accepted), all its tracks or one part's (None: nothing to drag, said)."""
        arrangement = self.proposal or self.accepted
        if arrangement is None:
            self._say("Arrange the melody first (Ctrl+B): there is no arrangement to drag.")
            return None
        tracks = self._tracks(arrangement)
        if part is not None:
            name = SPECS[part].name
            tracks = [track for track in tracks if track[0] == name]
            if not tracks:
                self._say(f"This arrangement has no {name.lower()}: tick it and arrange again.")
                return None
        clip = self.document.clip().with_notes(arrangement.melody.notes)
        try:
            path = self.drags.write(f"{tracks[0][0] if part else 'Arrangement'}.mid",
                                    parts_bytes(clip, tracks, arrangement.markers()))
        except (OSError, MidiFileError) as err:
            self._say(f"The arrangement could not be prepared for dragging ({err}).")
            return None
        return file_mime(path)

    def band_channels(self) -> set[int]:
        """The channels of the band's parts (Chords, Bass, Drums) as the panel sets them."""
        return {self.instruments.channel(name) for name in GENERATED_PARTS}

    def route(self, notes: list[Note]) -> list[Note]:
        """Notes to play as the parts are set: the sketch's own (the melody) on the melody's
        channel."""
        channel = self.instruments.channel("melody")
        if channel == SKETCH_CHANNEL:
            return notes
        return [n.moved(channel=channel) if n.channel == SKETCH_CHANNEL else n for n in notes]

    def send_programs(self) -> None:
        """Each part's program on its channel (the melody's too), for the output to sound them
        right: sent before anything plays while a proposal is shown or the sketch holds a part."""
        band = self.band_channels()
        if self.proposal is None and not any(n.channel in band for n in self.document.notes.values()):
            return
        self.programs.emit([(self.instruments.channel(n), self.instruments.program(n))
                            for n in ("melody", *GENERATED_PARTS)])

    def reset(self) -> None:
        """Another sketch: no proposal, nothing accepted, what a running request brings dropped."""
        self.service.forget()
        self.accepted = None
        self.locked = {}
        self._propose(None)
        self.lane.set_chords([])

    # -- the project ----------------------------------------------------------------------------
    def values(self) -> dict | None:
        """What a project keeps: the chord lane (each chord locked or not) and the panel."""
        spans = self.lane.spans
        if not spans and not self.locked and self.panel.values() == self._defaults:
            return None
        return {"chords": [[s.start, s.length, s.chord.name, s.start in self.lane.locked] for s in spans],
                "settings": self.panel.values()}

    def set_values(self, values: dict | None) -> None:
        """Restore values() (a project's; None: an empty lane). A sketch that keeps no channels
        (a .mid file, an older project) but holds notes on the band's standard channels gets
        those channels back, so its parts show as parts."""
        self.reset()
        settings = (values or {}).get("settings", {})
        if "bass.channel" not in settings:
            self._standard_channels()
        if not values:
            return
        self.panel.set_values(settings)
        spans, locked = [], set()
        for start, length, symbol, is_locked in values.get("chords", []):
            try:
                span = ChordSpan(start, length, parse_chord(symbol))
            except ChordError:
                continue
            spans.append(span)
            if is_locked:
                locked.add(start)
                self.locked[start] = span
        self.lane.set_chords(spans, locked)

    # -- the arranger -----------------------------------------------------------------------------
    def _start(self, keep: Arrangement | None, regenerate: tuple[str, ...], seed: int | None = None) -> None:
        if self.service.state == EngineState.ERROR:
            self._say(self.service.message)
            return
        melody = self.melody()
        if not melody.notes:
            self._say("Draw or play a melody first: there is nothing to arrange.")
            return
        if keep is not None and keep.melody.notes != melody.notes:
            keep, regenerate = None, ()  # another melody: the old parts do not fit it
        lane = self._lane(melody)
        if lane is False:
            return
        parts = self.panel.parts()
        if not parts:
            self._say("Tick a part to play (Chords, Bass or Drums).")
            return
        request = ArrangeRequest(parts=parts, style=self.panel.style(),
                                 seed=self.panel.seed.value() if seed is None else seed,
                                 lane=lane or None, keep=keep, regenerate=regenerate)
        self.service.request(melody, request)
        what = ", ".join(PART_LABELS[p] for p in regenerate) if regenerate else "the melody"
        self.panel.set_status(f"Arranging {what}…")  # the panel's alone: the outcome follows at once
        self._update()

    def _lane(self, melody: Clip) -> list[ChordSpan] | bool:
        """The chords the band must follow: the typed progression, else the chords locked in the
        lane (False: a typed symbol that is no chord, said)."""
        text = self.panel.chords.text().strip()
        if not text:
            return sorted(self.locked.values(), key=lambda s: s.start)
        grid = BeatGrid.of(melody.time_signature)
        bars = max(1, -(-melody.end // (grid.beat_ticks * grid.per_bar)))
        try:
            return typed_lane(text, bars, grid)
        except ChordError as err:
            self._say(str(err))
            return False

    def _on_finished(self, result: ArrangeResult) -> None:
        if result.error or result.arrangement is None:
            self._say(result.error or "The arranger brought nothing.")
            self._update()
            return
        arrangement = result.arrangement
        for name, part in arrangement.parts.items():
            part.muted, part.solo, part.locked = (self.panel.switch(name, w)
                                                  for w in ("muted", "solo", "locked"))
            self._instrument(part, self.instruments.channel(name), self.instruments.program(name))
        self._propose(arrangement)
        self._reveal()
        chords = " ".join(s.chord.name for s in arrangement.chords[:8])
        chords += " …;" if len(arrangement.chords) > 8 else "."
        if result.regenerated and result.regenerated != tuple(arrangement.parts):
            what = f"New take of {', '.join(PART_LABELS[p] for p in result.regenerated)}, the rest kept"
        else:
            what = f"Arranged: {', '.join(PART_LABELS[p] for p in arrangement.parts)}"
        self._say(f"{what}; chords {chords} Shift+Space to hear it, Enter to accept, Esc to drop.")

    # -- display ---------------------------------------------------------------------------------
    def _heard(self, arrangement: Arrangement | None = None) -> list:
        arrangement = arrangement or self.proposal
        if arrangement is None:
            return []
        parts = list(arrangement.parts.values())
        return [p for p in parts if p.solo] or [p for p in parts if not p.muted]

    def _propose(self, arrangement: Arrangement | None) -> None:
        """Show this proposal (None: none) in the roll and the lane."""
        was_showing = self.showing
        self.proposal = arrangement
        if arrangement is None:
            self._layers = None
            if was_showing:
                self.roll.clear_ghosts()
            shown = self.accepted
            self.lane.set_chords(shown.chords if shown else self.lane.spans, self.lane.locked)
            if was_showing and not self.roll.ghosts:
                for name in SHARED_KEYS:  # nothing else is shown: Enter, Esc, Shift+Space rest
                    self.actions[name].setEnabled(False)
        else:
            self._show()
            self.send_programs()
        self._update()

    def _show(self) -> None:
        proposal = self.proposal
        if proposal is None:
            return
        heard = {id(p) for p in self._heard()}
        part = proposal.parts.get
        self.roll.set_ghosts([part(n).notes if part(n) is not None and id(part(n)) in heard and self._shown(n)
                              else [] for n in GENERATED_PARTS], None)
        self._layers = self.roll.state.ghosts
        typed = set(self.locked) | ({s.start for s in proposal.chords} if self.panel.chords.text().strip()
                                    else set())
        self.lane.set_chords(proposal.chords, typed)
        self._claim_keys()

    def _reveal(self) -> None:
        proposal = self.proposal
        if proposal is None:
            return
        drums = proposal.parts.get("drums")  # on whichever channel: its pitches are no register
        notes = [n for n in proposal.melody.notes] + [n for p in self._heard() if p is not drums
                                                      for n in p.notes]
        end = max(n.end for n in notes)
        pitches = [n.pitch for n in notes]
        self.roll.reveal(0, end, (min(pitches) - 2, max(pitches) + 2))

    def _switched(self, name: str, what: str, on: bool) -> None:
        """A part's mute, solo or lock: the proposal's part follows; the ghosts show what is heard."""
        for arrangement in (self.proposal, self.accepted):
            part = arrangement.parts.get(name) if arrangement else None
            if part is not None:
                setattr(part, what, on)
        if self.proposal is not None and what != "locked":
            self._show()

    def _chord_typed(self, start: int, length: int, chord: Chord) -> None:
        """A chord typed in the lane: locked, and the band follows it at once, the other chords
        as they were."""
        span = ChordSpan(start, length, chord)
        kept = [s for s in self.lane.spans if s.end <= start or s.start >= span.end]
        self.locked = {s: v for s, v in self.locked.items() if v.end <= start or v.start >= span.end}
        self.locked[start] = span
        self.lane.set_chords(kept + [span], set(self.locked))
        if self.panel.chords.text().strip():
            self.panel.chords.clear()  # the lane's chords speak now
        if self.proposal is not None:  # the rest of the harmony kept, the parts not locked played anew
            free = tuple(n for n in self.panel.parts() if not self.panel.switch(n, "locked"))
            self._start(keep=self.proposal, regenerate=free)
        else:
            self._say(f"{chord.name} is locked at bar {start // self.document.time_signature.bar_ticks + 1}; "
                      "Arrange (Ctrl+B) follows it.")

    # -- the parts' channels, programs and layers ---------------------------------------------------
    def _tracks(self, arrangement: Arrangement) -> list[tuple[str, int, int, list[Note]]]:
        """The arrangement's tracks, the melody on its channel with its program."""
        tracks = arrangement.tracks()
        name, _, _, notes = tracks[0]
        tracks[0] = (name, self.instruments.channel("melody"), self.instruments.program("melody"), notes)
        return tracks

    def _standard_channels(self) -> None:
        """The default channels, where the sketch has notes on them that are not the band's now."""
        standard = {name: SPECS[name].channel for name in ("melody", *GENERATED_PARTS)}
        band = {standard[name] for name in GENERATED_PARTS}
        if band != self.band_channels() and any(n.channel in band for n in self.document.notes.values()):
            self.instruments.set_values({f"{name}.channel": c for name, c in standard.items()})

    def _shown(self, part: str) -> bool:
        """Whether the roll shows this band part (View > Show …)."""
        return self.actions[f"show_{part}"].isChecked()

    @staticmethod
    def _instrument(part: Part, channel: int, program: int) -> None:
        """Put a part (and its notes) on this channel with this program."""
        if part.channel != channel:
            part.notes = [n.moved(channel=channel) for n in part.notes]
        part.channel, part.program = channel, program

    def _channel_changed(self, part: str, old: int, new: int) -> None:
        """A part's channel set in the panel: the band's notes in the sketch move along (one
        undo step); the melody's plays out there from now on."""
        if part == "melody":
            self.send_programs()
            return
        moved = {i: n.moved(channel=new) for i, n in self.document.notes.items() if n.channel == old}
        if not moved:
            self._set_channel(part, new)
            return
        edit = edits.set_notes(self.document, moved, text="Channel")
        self.document.undo_stack.push(MovePart(self, part, old, new, edit))
        self._say(f"{SPECS[part].name} moved to channel {new + 1} "
                  f"({plural(len(moved), 'note')}); Ctrl+Z moves it back.")

    def _set_channel(self, part: str, channel: int) -> None:
        """The part is on this channel now: the panel, the proposal, the accepted, the roll."""
        self.instruments.channels[part].set_channel(channel)
        self._instruments_restored()
        self.send_programs()

    def _program_changed(self, part: str, program: int) -> None:
        self._instruments_restored()
        self.send_programs()  # heard at once, as a synth's preset is

    def _instruments_restored(self) -> None:
        """The instruments as the panel sets them (from a project, the settings or an edit): the
        proposed and accepted parts follow them, and the roll shows them."""
        for arrangement in (self.proposal, self.accepted):
            for name, part in (arrangement.parts.items() if arrangement else ()):
                self._instrument(part, self.instruments.channel(name), self.instruments.program(name))
        self._shown_changed()

    def _shown_changed(self) -> None:
        self._refresh_layers()
        if self.showing:
            self._show()

    def _refresh_layers(self) -> None:
        """The roll draws each band part's channel in the part's colour, the hidden ones not."""
        layers = {self.instruments.channel(n): k for k, n in enumerate(GENERATED_PARTS)}
        hidden = [self.instruments.channel(n) for n in GENERATED_PARTS if not self._shown(n)]
        self.roll.set_layers(layers, hidden)

    def _claim_keys(self) -> None:
        """While the proposal is shown, Enter, Esc and Shift+Space stay enabled for it (the
        Continue workflow disables them when it has no variations)."""
        if self._claiming or not self.showing:
            return
        self._claiming = True
        try:
            for name in SHARED_KEYS:
                if not self.actions[name].isEnabled():
                    self.actions[name].setEnabled(True)
        finally:
            self._claiming = False

    def _say(self, text: str) -> None:
        self._voice.say(text)

    def _update(self, *_: object) -> None:
        ready = self.service.state != EngineState.ERROR
        a = self.actions
        a.arrange.setEnabled(ready)
        a.arrange_again.setEnabled(ready)
        a.accept_arrangement.setEnabled(self.proposal is not None)
        a.drop_arrangement.setEnabled(self.proposal is not None)
        a.export_arrangement.setEnabled(self.proposal is not None or self.accepted is not None)
        self.panel.set_regenerate_enabled(self.proposal is not None)
