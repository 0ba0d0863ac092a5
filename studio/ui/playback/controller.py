"""Playback for the window: what Play plays (the sketch, with the variation shown put in place
so it is heard in context), from where (the ruler's last click, where playback stopped, or the
start, or the loop's, once a play reached its end: the counter and the playhead show it while
stopped, and the view pages along with the playhead and comes back after an audition),
looping (the ruler's region, or the clip's bars), recording (a take at the playhead, after an
optional count-in, added as one undoable edit), auditioning one variation alone, and the notes
played live (on screen, on the computer keys, on the roll's keys or a MIDI keyboard), which go
straight to the output and into a take. When the output goes away mid-play, playback stops; when
it is back, playback goes on from where it stopped; another output chosen mid-play is followed
the same way, from where the old one stopped, once the new one is open. It drives the Transport
and the Recorder; the roll's playhead, the position readout and the keyboard's lit keys follow it.

With Sync following a DAW's MIDI clock, Play arms: playback starts with the DAW's Start or
Continue, from the DAW's song position, on its clock; the DAW's Stop stops it (still armed), and
its Song Position Pointer moves the playhead; Play again disarms. Ableton Link works the same way
with the session's start and stop (Play also starts the session, Stop stops it), and playback
launches from the playhead on the session's next bar at its tempo. With Send MIDI Clock, the
clock goes out from the playhead while playing.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from studio.core.notes import Note
from studio.core.words import plural
from studio.live.time_source import Follow
from studio.ui.app.actions import Actions
from studio.ui.connections.midi_io import MidiIO
from studio.ui.connections.sync import CLOCK, LINK, Sync
from studio.ui.continuation.flow import ContinueFlow
from studio.ui.document import edits
from studio.ui.document.document import ClipDocument
from studio.ui.keyboard.virtual import VirtualKeyboard
from studio.ui.playback.recorder import Recorder
from studio.ui.playback.transport import Transport
from studio.ui.playback.transport_bar import TransportBar
from studio.ui.roll import PianoRoll
from studio.ui.style.icons import icon

WAITING = "Waiting for the DAW to play: Continuo starts with its Start or Continue (Space disarms)."


class Playback(QObject):
    """Binds the transport actions (play, play from start, loop, record, metronome, panic).
    `about_to_play` is emitted before anything plays (jam mode gives the player back then)."""

    message = Signal(str)
    about_to_play = Signal()

    def __init__(self, actions: Actions, document: ClipDocument, roll: PianoRoll, flow: ContinueFlow,
                 midi: MidiIO, keyboard: VirtualKeyboard, transport_bar: TransportBar, sync: Sync,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.actions, self.document, self.roll, self.flow = actions, document, roll, flow
        self.midi, self.keyboard, self.transport_bar, self.sync = midi, keyboard, transport_bar, sync
        self.transport = Transport(midi.session, self)
        self.recorder = Recorder(self.transport.position, lambda: (roll.loop or (0, None))[1])
        self.cursor = 0  # where play starts: the ruler's last click, where playback stopped, or
        # the start (the loop's) once a play reached its end; the counter shows it while stopped
        self.armed = False  # following a DAW's clock: play when the DAW plays
        self._last_position = 0
        self._at_end = False  # the play that stops now reached its end
        self._audition_back: tuple[int, float] | None = None  # cursor and view left before an audition
        self.proposed: Callable[[], list[Note]] = list  # other notes shown to be heard with the sketch
        self.route: Callable[[list[Note]], list[Note]] = list  # the notes on the channels they play on
        actions.bind({
            "play": self.toggle, "play_start": lambda: self.play(from_tick=0), "loop": self._loop_toggled,
            "record": self._record_toggled, "metronome": lambda _: self._replay(),
        })
        self.transport.position_changed.connect(self._position)
        self.transport.sounding.connect(self.show_sounding)
        self.transport.playing_changed.connect(self._playing_changed)
        self.transport.finished.connect(lambda: setattr(self, "_at_end", True))
        self.transport.error.connect(self.message)
        midi.output_lost.connect(self.transport.port_lost)
        midi.output_back.connect(self._output_back)
        midi.output_changing.connect(self.transport.port_lost)  # another output chosen mid-play...
        midi.output_ready.connect(self._output_back)  # ...goes on there from where it was
        midi.note_on.connect(keyboard.show_note_on)
        midi.note_off.connect(keyboard.show_note_off)
        midi.note_on.connect(self.recorder.note_on)
        midi.note_off.connect(self.recorder.note_off)
        for on, off in ((keyboard.note_on, keyboard.note_off), (roll.audition, roll.audition_off)):
            on.connect(self.played_on)
            off.connect(self.played_off)
        roll.seek_requested.connect(self._seek)
        roll.loop_changed.connect(lambda _: self._replay() if actions.loop.isChecked() else None)
        document.context_changed.connect(self._context_changed)
        flow.chosen.connect(lambda _: self._replay())  # hear the newly shown variation
        sync.daw_playing.connect(self._daw_playing)
        sync.song_position.connect(self._song_position)
        sync.changed.connect(self._sync_changed)

    # -- playing ----------------------------------------------------------------------------
    def notes_to_play(self) -> list[Note]:
        """The clip, with the shown variation in place as if accepted (heard in context), each
        note on the channel it plays on (`route`)."""
        notes = list(self.document.notes.values())
        if self.flow.selected is not None and self.flow.variations:
            notes += self.flow.variations[self.flow.selected]
        return self.route(notes + self.proposed())

    def play(self, from_tick: int | None = None) -> None:
        """Play the sketch from the cursor, or from from_tick; on the sync's beat (with a DAW's
        clock: arm, and play when the DAW does)."""
        if from_tick is not None:
            self.cursor = from_tick
        start, sync = self.cursor, self.sync
        self.about_to_play.emit()
        if sync.mode in (CLOCK, LINK):
            self.armed = True
            sync.set_session_playing(True)  # Link: the session plays (a DAW's clock is the DAW's to start)
            if sync.daw_running:
                self._play_with_daw()
            else:
                self.transport.stop()
                self.cursor = start
                self.actions.play.setIcon(icon("stop"))
                self.message.emit(WAITING)
            return
        if sync.send_clock:
            self.transport.stop()  # and the clock it sent: this play sends its own
            self._start(*sync.start_clock(start, self.document.tempo))
        else:
            self._start(start)

    def _start(self, start: int, follow: Follow | None = None) -> None:
        a = self.actions
        loop = self._loop_region() if a.loop.isChecked() else None
        recording = a.record.isChecked()
        self.transport.play(self.notes_to_play(), self.document.tempo, self.document.time_signature,
                            start, loop=loop, clicks=a.metronome.isChecked(),
                            count_in=recording and a.count_in.isChecked(),
                            open_end=recording and loop is None, follow=follow)

    def _play_with_daw(self) -> None:
        """The DAW plays: from its song position, on its clock (Link: from the playhead, on the
        session's next bar)."""
        if self.sync.mode == LINK:
            self._start(self.cursor, self.sync.link_follow(self.document.time_signature))
        else:
            self._start(*self.sync.daw_follow())

    def toggle(self) -> None:
        if self.transport.playing or self.armed:
            self.stop()
        else:
            self.play()

    def stop(self) -> None:
        was_armed, self.armed = self.armed, False
        if self.actions.record.isChecked():
            self.actions.record.setChecked(False)  # ends the take, then stops
        else:
            self.transport.stop()
        if was_armed:  # armed but still waiting, no playing_changed comes to set the icon
            self.actions.play.setIcon(icon("play"))
            self.sync.set_session_playing(False)
        self.sync.stop_clock()

    def audition(self, notes: list[Note]) -> None:
        """Play one variation alone, from its first note (on Continuo's own clock); when it
        stops, the cursor and the view are where they were before."""
        self.about_to_play.emit()
        self.stop()
        back = (self.cursor, self.roll.state.viewport.left)
        self.transport.play(self.route(notes), self.document.tempo, self.document.time_signature,
                            min(n.start for n in notes))
        if self.transport.playing:
            self._audition_back = back

    def show_cursor(self) -> None:
        """Stopped: the playhead and the counter show where play will start (the view pages
        to it if it is out of sight)."""
        self.roll.set_playhead(self.cursor)
        self.transport_bar.show_position(self.cursor)

    def panic(self) -> None:
        self.transport.panic()
        self.keyboard.clear_shown()
        self.message.emit("All notes off on every channel.")

    # -- live notes ---------------------------------------------------------------------------
    def played_on(self, pitch: int, velocity: int) -> None:
        self.midi.send_note(pitch, velocity)
        self.recorder.note_on(pitch, velocity)

    def played_off(self, pitch: int) -> None:
        self.midi.send_note(pitch, 0)
        self.recorder.note_off(pitch)

    def show_sounding(self, pitch: int, velocity: int) -> None:
        """Light the keys of what plays back, as notes from outside (not played here)."""
        if velocity:
            self.keyboard.show_note_on(pitch, velocity)
        else:
            self.keyboard.show_note_off(pitch)

    # -- internals ------------------------------------------------------------------------
    def _replay(self) -> None:
        """Settings changed while playing: carry on from here with them."""
        if self.transport.playing and not self.actions.record.isChecked():
            self.play(from_tick=self.transport.position())

    def _output_back(self) -> None:
        """The output is back, or another is open: go on from where its loss (or the change)
        stopped playback (not a recording)."""
        tick = self.transport.resume.back()
        if tick is not None and not self.transport.playing:
            self.play(from_tick=int(tick))

    def _context_changed(self) -> None:
        if self.transport.playing:
            self.transport.set_tempo(self.document.tempo)
        self.sync.set_tempo(self.document.tempo)

    def _daw_playing(self, playing: bool) -> None:
        """The followed DAW said Start or Continue, or the Link session began to play (a Stop
        ends the play by itself)."""
        if playing and self.armed and not self.transport.playing:
            self._play_with_daw()

    def _song_position(self, tick: int) -> None:
        """The DAW moved its song position while stopped: the playhead goes there."""
        if not self.transport.playing:
            self.cursor = tick
            self._position(tick)

    def _sync_changed(self) -> None:
        """Another sync choice: what plays stops (it followed the old one)."""
        if self.transport.playing or self.armed:
            self.stop()

    def _loop_region(self) -> tuple[int, int]:
        if self.roll.loop is None:  # loop the clip's bars
            bar = self.document.time_signature.bar_ticks
            self.roll.set_loop(0, max(bar, -(-self.document.end // bar) * bar))
        return self.roll.loop

    def _loop_toggled(self, on: bool) -> None:
        if on:
            self._loop_region()
        self._replay()

    def _record_toggled(self, on: bool) -> None:
        if on:
            self.recorder.start()
            self.play()
            self.message.emit("Recording: play on screen, on the computer keys or on your MIDI keyboard.")
            return
        grid = self.roll.snap if self.actions.quantize_recording.isChecked() else None
        take = self.recorder.finish(grid)
        self.transport.stop()
        if take:
            self.document.push(edits.add_notes(self.document, take, text="Record", place=True))
            self.message.emit(f"Recorded {plural(len(take), 'note')}; Ctrl+Z takes them back.")

    def _position(self, tick: int) -> None:
        self.roll.set_playhead(tick if tick >= 0 else None)
        self.transport_bar.show_position(tick)
        if tick >= 0:
            self._last_position = tick

    def _playing_changed(self, playing: bool) -> None:
        self.actions.play.setIcon(icon("stop" if playing or self.armed else "play"))
        if not playing:
            if self.actions.record.isChecked() and not self.armed:
                self.actions.record.setChecked(False)
            self.sync.stop_clock()  # a clock we sent stops with the play
            back, self._audition_back = self._audition_back, None
            if back is not None:  # an audition: back to where the musician was
                self.cursor = back[0]
            elif self._at_end:  # played to the end: the next play starts from the start again
                self.cursor = self.roll.loop[0] if self.roll.loop else 0
            else:
                self.cursor = self._last_position
            self._at_end = False
            self.show_cursor()
            if back is not None:
                self.roll.state.viewport.scroll_to(left=back[1])

    def _seek(self, tick: int) -> None:
        self.cursor = tick
        if self.transport.playing and self.sync.mode != CLOCK:  # a DAW's clock sets the position
            self.play()
        else:
            self.show_cursor()
