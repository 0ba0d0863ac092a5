"""Jam mode in the window (call and response): the musician plays a phrase on the computer keys,
the on-screen keyboard or the MIDI keyboard; when they pause for the set number of beats, the
continuation of what they just played answers live, in tempo, through the window's own player;
the moment they play again the answer stops, every note of it turned off.

`JamMode` runs studio.live.jam's `Jam` with the model the window has loaded (the engine runs on
Jam's watcher and the player's feeder threads, never on the GUI thread), the window's player
(studio.ui.jam.player: the player process that owns the output, or a player thread for an
in-process output, whichever output is chosen at the time, with the metronome's clicks when it
is on), the Continue panel's controls and the beat of the window's Sync: Continuo's own tempo from the
playhead (sent as MIDI clock with Send MIDI Clock), a DAW's MIDI clock or Ableton Link. A
hardware keyboard reaches the jam on rtmidi's thread with its arrival time; the computer keys
from the GUI thread. The roll shows what was played and, as it sounds, the answer, as two ghost
layers over the sketch: jam never changes the sketch by itself, Keep Jam Take adds the last
jam's notes to it as one undoable step (where they were played, quantized as a recording is
when Quantize Recorded Notes is on), and Esc takes them out of the roll. On Continuo's own beat
a jam starts at the playhead, or, with the playhead at the start of a sketch, on the bar after
the sketch; the view follows it and comes back to where the jam began when it stops. Stopping a jam never
waits on the GUI thread: the player ends the notes, and the jam's threads end, in the background.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import threading
import time
from collections.abc import Callable

import mido
from PySide6.QtCore import QObject, QTimer, Signal

from studio.core.notes import TICKS_PER_QUARTER, Note
from studio.core.quantize import quantize_notes
from studio.core.words import plural
from studio.live.jam import Answer, Jam
from studio.live.time_source import FixedTempo, LiveError, TimeSource
from studio.ui.app.actions import Actions
from studio.ui.connections.midi_io import MidiIO
from studio.ui.connections.sync import CLOCK, Sync
from studio.ui.continuation.engine_worker import EngineService
from studio.ui.continuation.flow import ContinueFlow
from studio.ui.continuation.panel import ContinuePanel
from studio.ui.document import edits
from studio.ui.document.document import ClipDocument
from studio.ui.jam.player import WindowPlayer
from studio.ui.keyboard.virtual import VirtualKeyboard
from studio.ui.roll import PianoRoll

SHOW_MS = 40  # how often the roll, the playhead and the state follow the jam
ANSWERED = 1  # the ghost layers: 0 what the musician played, 1 what Continuo answered (it stands out)
LISTENING = "Jam: listening… play a phrase, then pause."
ANSWERING = "Jam: answering… play again to cut in."
WAITING_FOR_DAW = "Jam: waiting for the DAW to play (its clock sets the beat)."
STOPPED = "Jam stopped. Ctrl+J jams again."
STOPPED_WITH_TAKE = "Jam stopped. Ctrl+Shift+J keeps the take, Esc drops it; Ctrl+J jams again."


class JamMode(QObject):
    """Binds the Jam and Keep Jam Take actions. `state_changed(text)`: Listening / Answering /
    waiting for the DAW while jamming, "" once it stops; `message(sentence)` for the status bar;
    `about_to_start` before a jam takes the player (playback stops then). `cursor()` is where
    the playhead rests (a jam is laid out after it), `show_position(tick)` shows the jam's
    position in the transport bar; stop() it when playback is about to play."""

    state_changed = Signal(str)
    message = Signal(str)
    about_to_start = Signal()
    _failed = Signal(str)  # from the jam's watcher thread

    def __init__(self, actions: Actions, engine: EngineService, midi: MidiIO, sync: Sync,
                 panel: ContinuePanel, flow: ContinueFlow, roll: PianoRoll, document: ClipDocument,
                 keyboard: VirtualKeyboard, cursor: Callable[[], int], show_position: Callable[[int], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.actions, self.engine, self.midi, self.sync = actions, engine, midi, sync
        self.panel, self.flow, self.roll, self.document, self.keyboard = panel, flow, roll, document, keyboard
        self.cursor, self.show_position = cursor, show_position
        self.jam: Jam | None = None
        self.player: WindowPlayer | None = None  # the running jam's
        self._ending: threading.Thread | None = None  # the last jam's end, off the GUI thread
        self.take: list[Note] = []  # the last jam's notes, played and answered, until kept
        self._source: TimeSource | None = None
        self._played: list[Note] = []
        self._held: dict[int, tuple[int, int]] = {}  # pitch -> (tick, velocity) of a key held now
        self._heard: list[Note] = []
        self._heard_of: dict[int, int] = {}  # id(answer) -> how many of its notes have sounded
        self._drawn = 0  # how many played notes the roll shows
        self._state = ""
        self._timer = QTimer(self)
        self._timer.setInterval(SHOW_MS)
        self._timer.timeout.connect(self._show)
        self._ghosts: list[list[Note]] | None = None  # the roll's ghosts as the jam last set them
        self._view_left: float | None = None  # where the view was as the jam began
        actions.bind({"jam": self._toggled, "keep_jam": self.keep, "discard": self.discard})
        actions.keep_jam.setEnabled(False)
        sync.changed.connect(self.stop)  # the jam's beat came from the old choice
        document.context_changed.connect(self._tempo_changed)
        actions.metronome.toggled.connect(self._clicks_toggled)
        self._failed.connect(self._say)

    @property
    def active(self) -> bool:
        return self.jam is not None

    @property
    def showing(self) -> bool:
        """The roll shows a jam: one running, or a take not kept yet."""
        return self.active or bool(self.take)

    # -- on and off -------------------------------------------------------------------------
    def _toggled(self, on: bool) -> None:
        if on and not self.active and not self.start():
            self.actions.jam.setChecked(False)
        elif not on:
            self.stop()

    def start(self) -> bool:
        """Start listening; False (and one sentence) when it cannot."""
        engine = self.engine.engine
        if engine is None:
            self._say(f"Jam needs the model: {self.engine.message}")
            return False
        self.about_to_start.emit()  # playback gives the player up
        self.sync.set_session_playing(True)  # a Link session plays for the jam (its peers with it)
        settings = dataclasses.replace(self.panel.settings(), variations=1)  # one answer at a time
        try:
            source = self._beat()
            player = WindowPlayer(self.midi.session, source, self.document.time_signature)
            jam = Jam(engine, player, source, settings, pause_beats=self.panel.jam_pause_beats(),
                      metre=self.document.time_signature,
                      on_error=functools.partial(self._failed_elsewhere, player))
        except LiveError as err:
            self.sync.stop_clock()
            self._say(str(err))
            return False
        self.jam, self.player, self._source = jam, player, source
        tick = self._now_tick()
        if tick is not None:  # the view shows where the jam begins, and comes back there after it
            self.roll.set_playhead(int(tick))
        self._view_left = self.roll.state.viewport.left
        self._played, self._held, self._heard, self._heard_of, self._drawn = [], {}, [], {}, 0
        jam.start()
        player.set_clicks(self.actions.metronome.isChecked())  # the beat to play in time with
        self.midi.on_input = self._from_hardware
        self.keyboard.note_on.connect(self._key_on)
        self.keyboard.note_off.connect(self._key_off)
        self.midi.note_on.connect(self._shown_on)
        self.midi.note_off.connect(self._shown_off)
        self._timer.start()
        self._show()
        pause = self.panel.jam_pause_beats()
        beats = plural(pause, "beat")
        self.message.emit(f"Jam: play a phrase; after {beats} of pause Continuo answers it (Ctrl+J stops).")
        return True

    def stop(self, wait: bool = False) -> None:
        """Stop listening, answering and clicking at once: the player ends the notes on its own
        thread or process, and the jam's threads end in the background (the GUI thread waits
        for neither, unless `wait`: at exit, once every note of it is off)."""
        jam, player = self.jam, self.player
        if jam is None or player is None:
            if wait and self._ending is not None:
                self._ending.join()
            return
        self.jam = self.player = None
        self.midi.on_input = None
        for signal, slot in ((self.keyboard.note_on, self._key_on), (self.keyboard.note_off, self._key_off),
                             (self.midi.note_on, self._shown_on), (self.midi.note_off, self._shown_off)):
            signal.disconnect(slot)
        self._timer.stop()
        self._catch_up(jam, self._now_tick())
        player.close()  # nothing of this jam plays on, and a play after it starts at once
        self._ending = threading.Thread(target=jam.stop, daemon=True, name="continuo-jam-end")
        self._ending.start()
        if wait:
            self._ending.join()
        self.sync.stop_clock()  # the clock this jam sent, if it sent one
        self._played += self._held_notes(self._now_tick())
        self._held = {}
        self.take = sorted(self._played + self._heard)
        self.actions.keep_jam.setEnabled(bool(self.take))
        if self.flow.variations:  # the variations come back; the take waits for Keep Jam Take
            self.roll.set_ghosts(self.flow.variations, self.flow.selected)
        elif self.take:  # the take stays in the roll until kept, or Esc
            self._set_ghosts([self._played, self._heard], ANSWERED)
            self.actions.discard.setEnabled(True)
        self.roll.set_playhead(self.cursor())  # stopped: where play will start
        self.show_position(self.cursor())
        self._come_back()
        self._set_state("")
        self.actions.jam.setChecked(False)  # already off when the button stopped it (no signal then)
        answered = sum(1 for a in jam.answers if a.announced)
        self.panel.show_jam_status(STOPPED_WITH_TAKE if self.take else STOPPED)  # not "listening…" still
        if self.take:
            self.message.emit(f"Jam stopped ({plural(answered, 'answer')}): Ctrl+Shift+J keeps what was "
                              "played in the sketch, as one undo step.")
        else:
            self.message.emit("Jam stopped.")

    def _come_back(self) -> None:
        """The view goes back to where it was as the jam began; if the take runs past it, to
        where the take begins, near the left."""
        view = self.roll.state.viewport
        if self._view_left is None:
            return
        view.scroll_to(left=self._view_left)
        left, right = view.visible_ticks()
        if self.take and max(n.end for n in self.take) > right:
            view.scroll_to(left=min(n.start for n in self.take) - (right - left) * 0.1)

    def keep(self) -> None:
        """Add the last jam's notes to the sketch, as one undoable edit."""
        take, self.take = self.take, []
        self.actions.keep_jam.setEnabled(False)
        if not take:
            return
        self.panel.show_jam_status(STOPPED)  # nothing left to keep or drop
        grid = self.roll.snap if self.actions.quantize_recording.isChecked() else None
        if grid:  # as a recorded take is
            take = quantize_notes(take, grid)
        self.document.push(edits.add_notes(self.document, take, text="Keep jam", place=True))
        self.roll.set_ghosts(self.flow.variations, self.flow.selected)
        self._ghosts = None
        notes = plural(len(take), "note")
        self.message.emit(f"Added the jam's {notes} to the sketch; Ctrl+Z takes them back.")

    def discard(self) -> None:
        """Esc, when the roll shows the last jam's notes (no variations, nothing continuing):
        take them out of the roll; the take is dropped."""
        if self.active or not self.take or self._ghosts is None or self.roll.ghosts is not self._ghosts:
            return  # the roll shows something else (variations, a Continue): Esc is theirs
        self.take, self._ghosts = [], None
        self.roll.clear_ghosts()
        self.panel.show_jam_status(STOPPED)
        self.actions.keep_jam.setEnabled(False)
        self.actions.discard.setEnabled(self.flow.running or bool(self.flow.variations))
        self.state_changed.emit("")  # the empty roll's hint may come back
        self.message.emit("The jam's notes are out of the roll (not kept).")

    def _set_ghosts(self, layers: list[list[Note]], selected: int) -> None:
        self.roll.set_ghosts(layers, selected)
        self._ghosts = self.roll.ghosts

    def _beat(self) -> TimeSource:
        """The jam's transport, as the Sync says (LiveError if there is none to be had)."""
        external = self.sync.external
        if external is not None:
            return external
        tempo, start = self.document.tempo, self.start_tick()
        if self.sync.send_clock:
            return self.sync.start_clock(start, tempo)[1].source
        # Continuo's own beat, with the jam's start tick now: the jam is laid out after it
        before = start * 60.0 / (tempo * TICKS_PER_QUARTER)
        return FixedTempo(tempo, origin=time.perf_counter() - before)

    def start_tick(self) -> int:
        """Where a jam on Continuo's own beat begins: the playhead, or, with the playhead at the
        start of a sketch, the first bar line after the sketch (not over its notes)."""
        cursor = self.cursor()
        if cursor > 0 or not self.document.notes:
            return cursor
        bar = self.document.time_signature.bar_ticks
        return -(-self.document.end // bar) * bar

    def _clicks_toggled(self, on: bool) -> None:
        if self.player is not None:
            self.player.set_clicks(on)

    def _tempo_changed(self) -> None:
        if isinstance(self._source, FixedTempo) and self.active:
            self._source.set_tempo(self.document.tempo)

    # -- the musician ---------------------------------------------------------------------
    def _from_hardware(self, message: mido.Message, seconds: float) -> None:
        """On rtmidi's thread: a note from the MIDI keyboard, with its arrival time."""
        jam = self.jam
        if jam is not None:
            jam.receive(message, seconds)

    def _key_on(self, pitch: int, velocity: int) -> None:
        """A computer or on-screen key (the GUI thread)."""
        if self.jam is not None:
            self.jam.receive(mido.Message("note_on", note=pitch, velocity=velocity), time.perf_counter())
        self._shown_on(pitch, velocity)

    def _key_off(self, pitch: int) -> None:
        if self.jam is not None:
            self.jam.receive(mido.Message("note_off", note=pitch), time.perf_counter())
        self._shown_off(pitch)

    def _shown_on(self, pitch: int, velocity: int) -> None:
        tick = self._now_tick()
        if tick is not None:
            self._shown_off(pitch)
            self._held[pitch] = (int(tick), velocity)

    def _shown_off(self, pitch: int) -> None:
        held = self._held.pop(pitch, None)
        tick = self._now_tick()
        if held is not None and tick is not None:
            start, velocity = held
            self._played.append(Note(start, pitch, max(1, int(tick) - start), velocity))

    def _held_notes(self, tick: float | None) -> list[Note]:
        """The keys held now as notes ending at `tick` (None: the transport stands still, so
        each is as short as can be)."""
        return [Note(t, p, max(1, int(tick if tick is not None else t) - t), v)
                for p, (t, v) in self._held.items()]

    def _now_tick(self) -> float | None:
        """The jam's tick now, or None while its transport is stopped (nothing counts then)."""
        line = self._source.timeline() if self._source is not None else None
        if line is None or not line.playing:
            return None
        return line.tick_at(time.perf_counter())

    # -- what the window shows ------------------------------------------------------------
    def _failed_elsewhere(self, player: WindowPlayer, sentence: str) -> None:
        """From the jam's watcher: an answer could not be made (unless that jam has stopped)."""
        if not player.closed:
            with contextlib.suppress(RuntimeError):  # the window closed meanwhile
                self._failed.emit(sentence)

    def _say(self, sentence: str) -> None:
        self.panel.show_jam_status(sentence)
        self.message.emit(sentence)

    def _set_state(self, text: str) -> None:
        if text != self._state:
            self._state = text
            if text:
                self.panel.show_jam_status(text)
            self.state_changed.emit(text)

    def _catch_up(self, jam: Jam, tick: float | None) -> bool:
        """Move the notes of the answer that have begun to sound by `tick` (the jam's now) into
        the heard layer; True if any did."""
        if tick is None:
            return False
        moved = False
        for answer in list(jam.answers):
            if not answer.live.playing and id(answer) in self._heard_of:
                continue  # over: what sounded of it was taken while it played
            moved |= self._heard_from(answer, tick)
        return moved

    def _heard_from(self, answer: Answer, tick: float) -> bool:
        played = list(answer.live.played)
        done = self._heard_of.get(id(answer), 0)
        heard = done
        while heard < len(played) and played[heard].start <= tick:
            heard += 1
        self._heard_of[id(answer)] = heard
        self._heard += played[done:heard]
        return heard > done

    def _show(self) -> None:
        jam = self.jam
        if jam is None:
            return
        if jam.error is not None:  # the output went away under the answer
            self._say(jam.error)
            self.stop()
            return
        tick = self._now_tick()
        if tick is None:
            self._set_state(WAITING_FOR_DAW if self.sync.mode == CLOCK else LISTENING)
            return
        self.roll.set_playhead(int(tick))
        self.show_position(int(tick))
        self._set_state(ANSWERING if jam.answering else LISTENING)
        if self._catch_up(jam, tick) or self._held or len(self._played) != self._drawn:
            self._drawn = len(self._played)
            self._set_ghosts([self._played + self._held_notes(tick), list(self._heard)], ANSWERED)
