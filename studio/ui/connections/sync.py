"""Where the window's beat comes from: Continuo's own clock (Internal, the default, optionally sent
to the DAW as MIDI clock), a DAW's MIDI clock on an input, or an Ableton Link session.

`Sync` owns the followed source (studio.midi.clock's ClockFollower fed from MidiIO's clock
input on rtmidi's thread, studio.live.link's LinkSource, or studio.ui.connections.clock_out's ClockOut
while Continuo is the master: sent from the player's process, never waited for on the GUI
thread, and moved to a newly chosen output mid-song) and tells the GUI, as queued signals, what
the window must follow: the DAW's Start/Continue and Stop, or a Link session starting and
stopping (`daw_playing`), a Song Position Pointer (`song_position`, in ticks) and the followed
tempo (`tempo_changed`, polled several times a second; None when the clip's own tempo rules
again). Link runs with start/stop sync: the session plays when any peer plays, and Continuo's
Play and Stop start and stop it. The Sync menu chooses; Ableton Link is offered only when the
optional aalink (GPL-3) is installed, and otherwise says how to get it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import mido
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from studio.core.notes import TimeSignature
from studio.live.time_source import Follow, LiveError, TimeSource
from studio.midi.clock import PPQN, PULSES_PER_SPP, TICKS_PER_PULSE, ClockFollower, first_pulse
from studio.midi.ports import PortError, list_ports
from studio.ui.connections.clock_out import ClockOut
from studio.ui.connections.midi_io import MidiIO

if TYPE_CHECKING:
    from studio.ui.app.settings import AppSettings

INTERNAL, CLOCK, LINK = "internal", "clock", "link"
MODES = (INTERNAL, CLOCK, LINK)
POLL_MS = 100  # how often the followed tempo (and a Link session's start/stop) is looked at
TEMPO_STEP = 0.05  # BPM: a followed tempo that moved less is not shown again
LINK_LEAD_S = 0.05  # a Link launch waits for a bar line at least this far ahead
LINK_MISSING = ("Ableton Link needs the optional package aalink (GPL-3): "
                'pip install "continuo[link]", then restart Continuo.')


def link_available() -> bool:
    """Whether the optional aalink package can be imported (without importing it)."""
    return importlib.util.find_spec("aalink") is not None


class Sync(QObject):
    """The window's sync choice and its source. `mode` is INTERNAL, CLOCK or LINK."""

    daw_playing = Signal(bool)  # the followed clock's Start/Continue (True) or Stop (False)
    song_position = Signal(int)  # a Song Position Pointer, in ticks
    tempo_changed = Signal(object)  # the followed tempo, or None: the clip's own tempo rules
    changed = Signal()  # the choice changed
    message = Signal(str)

    def __init__(self, midi: MidiIO, clip_tempo: Callable[[], float], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.midi, self.clip_tempo = midi, clip_tempo
        self.mode = INTERNAL
        self.clock_input: str | None = None
        self.send_clock = False
        self.follower: ClockFollower | None = None
        self.link = None  # a LinkSource while in LINK mode
        self.sender: ClockOut | None = None  # while Continuo is the running clock master
        self._shown_tempo: float | None = None
        self._song_tick = 0  # where the followed DAW's song is, as its Start and pointers said
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._look)
        self._session_playing = False
        midi.on_clock = self._clock_message
        midi.output_changing.connect(self._output_changing)
        midi.output_ready.connect(self._output_ready)

    # -- the choice -------------------------------------------------------------------------
    def choose(self, mode: str, clock_input: str | None = None) -> None:
        """Internal, CLOCK on `clock_input`, or LINK; a choice that cannot be made says why in
        one sentence and leaves the sync Internal."""
        if mode not in MODES:
            raise ValueError(f"no sync mode {mode!r}")
        self._leave()
        if mode == CLOCK and clock_input:
            self.follower = ClockFollower()
            self.clock_input = clock_input
            self.midi.choose_clock_input(clock_input)
            self.mode = CLOCK
            self.message.emit(f"Following the MIDI clock from {clock_input}: Play waits for the DAW to play.")
        elif mode == LINK:
            try:
                from studio.live.link import LinkSource

                self.link = LinkSource(bpm=self.clip_tempo(), start_stop=True)
            except LiveError as err:
                self.message.emit(str(err))
            else:
                self.mode = LINK
                self._session_playing = self.link.timeline().playing
                self.message.emit("Following Ableton Link: Play starts the session and plays from its next "
                                  "bar.")
        if self.mode != INTERNAL:
            self._poll.start()
        self._look()
        self.changed.emit()

    def set_send_clock(self, on: bool) -> None:
        """Send MIDI clock on the output while playing on Continuo's own clock."""
        self.send_clock = on
        self.changed.emit()

    def load_settings(self, settings: AppSettings) -> None:
        """The stored choice (a clock without its input stays Internal) and Send MIDI Clock."""
        self.set_send_clock(settings.send_clock)
        self.choose(settings.sync_mode, settings.sync_clock_input)

    def save_settings(self, settings: AppSettings) -> None:
        settings.sync_mode, settings.sync_clock_input = self.mode, self.clock_input
        settings.send_clock = self.send_clock

    def _leave(self) -> None:
        self.stop_clock()
        if self.follower is not None:
            self.midi.choose_clock_input(None)
            self.follower = None
        if self.link is not None:
            self.link.close()
            self.link = None
        self.mode = INTERNAL
        self._poll.stop()

    def close(self) -> None:
        """At exit: stop the clock we send, leave a Link session."""
        self._leave()

    @property
    def label(self) -> str:
        """The choice in a few words, for the transport bar's button."""
        if self.mode == CLOCK:
            return f"Sync: {self.clock_input}"
        if self.mode == LINK:
            return "Sync: Link"
        return "Sync: Internal + clock out" if self.send_clock else "Sync: Internal"

    # -- what playback follows --------------------------------------------------------------
    @property
    def external(self) -> TimeSource | None:
        """The followed source (a DAW's clock or Link), or None on Continuo's own clock."""
        return self.follower if self.mode == CLOCK else self.link if self.mode == LINK else None

    @property
    def daw_running(self) -> bool:
        """The followed DAW has said Start or Continue (and no Stop since), or the Link session
        plays."""
        if self.mode == LINK and self.link is not None:
            return self.link.timeline().playing
        return self.follower is not None and self.follower.running

    def set_session_playing(self, playing: bool) -> None:
        """Start or stop the Link session (every peer with start/stop sync follows)."""
        if self.mode == LINK and self.link is not None:
            self.link.set_playing(playing)
            self._look()

    def daw_follow(self) -> tuple[int, Follow]:
        """(the DAW's song tick, how to follow it) for a play from where the DAW is now. Until
        its clock's first pulses have come (many DAWs send clock only while playing), the play
        starts one pulse ahead at the clip's tempo and is pulled onto the clock when it comes."""
        assert self.follower is not None
        line = self.follower.timeline()
        if line is None or not line.playing:
            bpm = line.bpm if line is not None else self.clip_tempo()
            start = self._song_tick
        else:
            bpm = line.bpm
            tick = line.tick_at(time.perf_counter())
            start = round(tick / TICKS_PER_PULSE) * TICKS_PER_PULSE  # on the pulse it is at
        return start, Follow(self.follower, start, lead_in_s=60.0 / (bpm * PPQN))

    def link_follow(self, time_signature: TimeSignature) -> Follow:
        """How a play launched now lands on the Link session's next bar."""
        assert self.link is not None
        line = self.link.timeline()
        bar = time_signature.bar_ticks
        first = math.ceil(line.tick_at(time.perf_counter() + LINK_LEAD_S) / bar) * bar
        return Follow(self.link, first)

    def start_clock(self, tick: int, bpm: float) -> tuple[int, Follow]:
        """Continuo as master: send MIDI clock from `tick` (Song Position Pointer, then Continue;
        Start from 0) at `bpm`. Returns the tick it starts on (a sixteenth the pointer can say)
        and how playback follows the clock sent."""
        self.stop_clock()
        self.sender = ClockOut(self.midi.session(), bpm, tick)
        start = first_pulse(tick) * TICKS_PER_PULSE
        return start, Follow(self.sender, start)

    def set_tempo(self, bpm: float) -> None:
        """The clip's tempo changed: the clock we send follows it."""
        if self.sender is not None:
            with contextlib.suppress(ValueError):
                self.sender.set_tempo(bpm)

    def stop_clock(self) -> None:
        """Send Stop, if we are sending a clock (without waiting for the player's process)."""
        sender, self.sender = self.sender, None
        if sender is not None:
            sender.stop()

    def _output_changing(self) -> None:
        """Another output is chosen: the clock we send says Stop on the old one while it is open."""
        if self.sender is not None:
            self.sender.leave()

    def _output_ready(self) -> None:
        """The output is open (a new one, or the player's process started again): the clock we
        send goes on there from the song's position."""
        if self.sender is not None:
            self.sender.join(self.midi.session())

    # -- from rtmidi's thread ---------------------------------------------------------------
    def _clock_message(self, message: mido.Message, seconds: float) -> None:
        follower = self.follower
        if follower is None:
            return
        follower.receive(message, seconds)
        kind = message.type
        if kind == "start":
            self._song_tick = 0
        elif kind == "stop":  # a Continue goes on from here
            line = follower.timeline()
            self._song_tick = int(line.tick) if line is not None else self._song_tick
        elif kind == "songpos" and not follower.running:
            self._song_tick = message.pos * PULSES_PER_SPP * TICKS_PER_PULSE
        with contextlib.suppress(RuntimeError):  # the window closed meanwhile
            if kind == "songpos" and not follower.running:
                self.song_position.emit(self._song_tick)
            elif kind in ("start", "continue", "stop"):
                self.daw_playing.emit(kind != "stop")

    # -- the tempo shown, a Link session's start and stop -------------------------------------
    def _look(self) -> None:
        bpm = None
        if self.mode == CLOCK and self.follower is not None:
            bpm = self.follower.bpm
        elif self.mode == LINK and self.link is not None:
            line = self.link.timeline()
            bpm = line.bpm
            if line.playing != self._session_playing:
                self._session_playing = line.playing
                self.daw_playing.emit(line.playing)
        shown = self._shown_tempo
        if (bpm is None) != (shown is None) or (bpm is not None and abs(bpm - shown) >= TEMPO_STEP):
            self._shown_tempo = bpm
            self.tempo_changed.emit(bpm)

    # -- the menu -----------------------------------------------------------------------------
    def menu(self, parent: QWidget) -> QMenu:
        """Sync: Internal / MIDI clock from an input / Ableton Link, and Send MIDI Clock."""
        menu = QMenu("&Sync", parent)
        menu.setToolTipsVisible(True)

        def fill() -> None:
            menu.clear()
            group = QActionGroup(menu)
            internal = self._radio(menu, group, "&Internal (Continuo's own tempo)", self.mode == INTERNAL,
                                   lambda: self.choose(INTERNAL))
            internal.setToolTip("Play at the clip's tempo")
            clock = menu.addMenu("Follow MIDI &Clock From")
            clock.setToolTipsVisible(True)
            try:
                names = [n for n in list_ports(self.midi.backend).inputs if "Continuo" not in n]
            except PortError as err:
                names = []
                clock.addAction(str(err)).setEnabled(False)
            for name in names:
                self._radio(clock, group, name, self.mode == CLOCK and name == self.clock_input,
                            lambda n=name: self.choose(CLOCK, n))
            if not names:
                clock.addAction("No MIDI input to follow").setEnabled(False)
            if link_available():
                self._radio(menu, group, "Ableton &Link", self.mode == LINK, lambda: self.choose(LINK))
            else:
                missing = menu.addAction("Ableton Link (needs aalink)")
                missing.setEnabled(False)
                missing.setToolTip(LINK_MISSING)
            menu.addSeparator()
            send = menu.addAction("&Send MIDI Clock to the Output")
            send.setCheckable(True)
            send.setChecked(self.send_clock)
            send.setEnabled(self.mode == INTERNAL)
            send.setToolTip("Be the DAW's clock master: Start, clock and Stop go out with playback")
            send.toggled.connect(self.set_send_clock)

        menu.aboutToShow.connect(fill)
        return menu

    @staticmethod
    def _radio(menu: QMenu, group: QActionGroup, text: str, checked: bool, chosen) -> QAction:
        action = QAction(text, menu, checkable=True)
        action.setChecked(checked)
        action.triggered.connect(lambda _=False: chosen())
        group.addAction(action)
        menu.addAction(action)
        return action
