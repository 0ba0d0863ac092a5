"""The window's MIDI connections, through studio.midi.ports: one output (Continuo's own virtual
port by default, an existing port, or none), one optional input (a hardware keyboard) and one
optional clock input (a DAW's MIDI clock, opened with studio.midi.timed_input so each pulse
carries the time rtmidi heard it, however busy this process is). When the clock comes on the
keyboard's own port, that one port is opened once, as a timed input, and hands on both: the
pulses and the notes carry rtmidi's times.

The output is a session (studio.midi.session). The built-in sound (BUILT_IN: a General MIDI
synth on the computer's audio output, studio.midi.synth) plays in this process, and with no
audio device fails like a port that cannot open, in one sentence. For a port, normally the
player's own process owns the port, so playback is scheduled there, out of reach of this
process's GIL, and a key played live is sent there at once; where that child cannot start,
the port is opened here and the status bar says so once. Either way `session()` is what the
transport, the jam and the clock use, and none of them asks which kind it is. Ports are opened
on a short-lived thread, never the GUI thread.
The session watches its port (a session whose process crashes is started again, and then
releases every note the crash left sounding): when the output goes away playback stops there and
the status bar says so in one sentence; it is joined again when it comes back, and
`output_back` lets playback go on. While the output is the virtual port and nothing is connected
to it (where the MIDI system tells: ALSA, studio.midi.listeners), the status says so and a
message says how to be heard. With no output the app still works: notes go
nowhere and the status bar says why. Incoming notes are played straight through to the output on
rtmidi's thread (lowest latency) and reported to the GUI as queued signals, so the keyboard lights
up and recording can take them; `on_input` and `on_clock` hear every message on the input's
thread, with its arrival time, for what must not wait for the GUI (jam mode, the clock follower). An
input chosen away is silenced at once and closed behind, on a short-lived thread too (closing
waits for rtmidi's callback to drain). `output_changing` and `output_ready` tell the clock sent
to the DAW, and playback, that another output is taking over. The Output and Input menus list
the ports each time they open.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable

import mido
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from studio.midi.listeners import virtual_port_heard
from studio.midi.player import all_notes_off
from studio.midi.ports import InputPort, PortError, list_ports, open_input
from studio.midi.session import LocalSession, Session, SilentOutput, open_session
from studio.midi.synth import BUILT_IN, BUILT_IN_NAME, NO_DEVICE
from studio.midi.timed_input import TimedInputPort, open_timed_input

RESTARTED = ("The player process ended unexpectedly; Continuo started it again and released every "
             "note.")
VIRTUAL = None  # the output choice meaning "Continuo's own virtual port" (the default)
NO_PORT = "<none>"  # the output choice meaning "send nowhere"; for the input, None is none
# BUILT_IN (studio.midi.synth): the output choice meaning "the built-in sound" (a General MIDI
# synth on the computer's audio output), the window's default on a first start
NOBODY_LISTENS = ("Nothing is connected to Continuo's virtual port yet: connect your DAW or synth to it, "
                  "or choose Built-in sound in Transport → MIDI Output to hear Continuo.")
LISTENERS_MS = 2000  # how often the virtual port's listeners are looked at (ALSA only)
VIRTUAL_SETTING = "<virtual>"  # how the settings store VIRTUAL (nothing stored: a first start)
NOTES = ("note_on", "note_off")
Listener = Callable[[mido.Message, float], None]  # a message and its perf_counter arrival time


class MidiIO(QObject):
    """Owns the open ports and the output's session. `session()` is what the transport, the
    jam, the clock and play-through use."""

    status_changed = Signal(str)  # the output's state, for the status bar
    message = Signal(str)  # one-off sentences (errors, reconnections)
    output_lost = Signal()
    output_back = Signal()  # the output is back after output_lost
    output_changing = Signal()  # another output is chosen: the old one is still open, not for long
    output_ready = Signal()  # an output is open and output() is it (after choose_output)
    note_on = Signal(int, int)  # from the hardware input: pitch, velocity
    note_off = Signal(int)
    # kind, port or session or None, error sentence or None, why playback is in-process
    _opened = Signal(object, object, object, object)
    _lost = Signal(object, str)  # the session it concerns, the sentence
    _back = Signal(object, str)

    def __init__(self, backend: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.output_choice: str | None = VIRTUAL
        self.input_choice: str | None = None
        self.clock_choice: str | None = None  # the input a MIDI clock is followed on
        self.thru = True  # play what the input receives straight out of the output
        self.on_input: Listener | None = None  # every note of the keyboard input, on rtmidi's thread
        self.on_clock: Listener | None = None  # every other message of the clock input, likewise
        self._session: Session | None = None  # the output open now
        self._silent = LocalSession(SilentOutput())  # while none is
        self._input: InputPort | TimedInputPort | None = None
        self._clock_port: TimedInputPort | None = None
        self._retired: weakref.WeakSet = weakref.WeakSet()  # inputs chosen away, closing behind
        self._release_all = False  # once the output is open again: all-notes-off everywhere
        self.status = "MIDI output: opening…"
        self._heard: bool | None = None  # whether anything listens to the virtual port (None: unknown)
        self._listeners = QTimer(self, interval=LISTENERS_MS, timeout=self._look_for_listeners)
        self._opened.connect(self._on_opened)
        self._lost.connect(self._on_lost)
        self._back.connect(self._on_back)

    # -- output -----------------------------------------------------------------------------
    def session(self) -> Session:
        """Where notes go now: the output's session, or a silent one while none is open."""
        return self._session or self._silent

    def choose_output(self, choice: str | None) -> None:
        """VIRTUAL for Continuo's own port, a port name, or NO_PORT; opened in the background."""
        self.output_choice = choice
        self.output_changing.emit()
        self._close_output()
        if choice == NO_PORT:
            self._set_status("MIDI out: none (notes are not sent anywhere)")
        else:
            self._set_status("MIDI out: opening…")
            self._in_background("output", choice)

    def choose_input(self, choice: str | None) -> None:
        """Listen to this input (None: none) from now on: nothing from the old one reaches the
        window after this, and the old port closes behind, on a thread of its own (closing an
        rtmidi input waits for its callback to drain)."""
        was_shared = self.shared_clock
        self.input_choice = choice
        old, self._input = self._input, None
        self._close_behind(old)
        if choice is not None:
            self._in_background("input", choice)
        if self.shared_clock != was_shared:  # the clock comes to this port, or needs its own again
            self.choose_clock_input(self.clock_choice)

    @property
    def shared_clock(self) -> bool:
        """The clock is followed on the keyboard's own port (opened once, as a timed input)."""
        return self.clock_choice is not None and self.clock_choice == self.input_choice

    def choose_clock_input(self, choice: str | None) -> None:
        """Follow a MIDI clock on this input (None: none). The keyboard's input, when it is the
        same port, brings the clock too (opened again as a timed input if it was not one); any
        other port is opened in the background."""
        self.clock_choice = choice
        old, self._clock_port = self._clock_port, None
        self._close_behind(old)
        if self._input is not None and isinstance(self._input, TimedInputPort) != self.shared_clock:
            self.choose_input(self.input_choice)  # timed exactly while it is the clock's port too
        if choice is not None and not self.shared_clock:
            self._in_background("clock", choice)

    def send_note(self, pitch: int, velocity: int) -> None:
        """Play-through of a key pressed on screen or on the computer keyboard (0 = release)."""
        kind = "note_on" if velocity else "note_off"
        self._send(mido.Message(kind, note=pitch, velocity=velocity))

    def send_programs(self, pairs: list[tuple[int, int]]) -> None:
        """Set channels' instruments, (channel, program) each (an arrangement's parts)."""
        for channel, program in pairs:
            self._send(mido.Message("program_change", channel=channel, program=program))

    def close(self) -> None:
        """Close the ports; the player's process is ended here, after its last note-offs."""
        for port in (self._input, self._clock_port):
            if port is not None:
                port.close()
        self._input = self._clock_port = None
        session, self._session = self._session, None
        if session is not None:
            session.close()

    # -- menus ----------------------------------------------------------------------------
    def output_menu(self, parent: QWidget) -> QMenu:
        return self._menu("MIDI &Output", parent, "outputs",
                          [(BUILT_IN_NAME, BUILT_IN), ("Continuo (virtual port)", VIRTUAL)],
                          ("None", NO_PORT), lambda: self.output_choice, self.choose_output)

    def input_menu(self, parent: QWidget) -> QMenu:
        return self._menu("MIDI &Input", parent, "inputs", [], ("None", None), lambda: self.input_choice,
                          self.choose_input)

    def _menu(self, title: str, parent: QWidget, side: str, first: list[tuple[str, str | None]],
              last: tuple[str, str | None], current, choose) -> QMenu:
        menu = QMenu(title, parent)

        def fill() -> None:
            menu.clear()
            group = QActionGroup(menu)
            try:
                names = getattr(list_ports(self.backend), side)
            except PortError as err:
                names, note = [], str(err)
            else:
                note = None
            entries = list(first)
            entries += [(n, n) for n in names if "Continuo" not in n] + [last]
            for text, choice in entries:
                action = QAction(text, menu, checkable=True)
                action.setChecked(choice == current())
                action.triggered.connect(lambda _=False, c=choice: choose(c))
                group.addAction(action)
                menu.addAction(action)
            if note:
                menu.addSeparator()
                menu.addAction(note).setEnabled(False)

        menu.aboutToShow.connect(fill)
        return menu

    # -- threads ----------------------------------------------------------------------------
    def _in_background(self, kind: str, choice: str) -> None:
        opened: list[InputPort | TimedInputPort] = []  # the input, once open
        listener = self._until_retired(opened, self._clocked if kind == "clock" else self._received)

        def work() -> None:
            note = None
            try:
                if kind == "output":
                    port, note = open_session(choice or None, self.backend)
                    port.on_port_lost = lambda s, p=port: self._lost.emit(p, s)  # naming the session
                    port.on_port_back = lambda s, p=port: self._back.emit(p, s)
                elif kind == "input" and not self.shared_clock:
                    port = open_input(choice, lambda m: listener(m, time.perf_counter()), self.backend)
                else:  # a clock's pulses (on the keyboard's port too) with the time rtmidi heard them
                    port = open_timed_input(choice, listener, self.backend)
            except PortError as err:
                self._opened.emit(kind, None, str(err), None)
                return
            opened.append(port)
            self._opened.emit(kind, port, None, note)
        threading.Thread(target=work, daemon=True, name=f"continuo-open-{kind}").start()

    def _until_retired(self, opened: list, deliver: Listener) -> Listener:
        """On the input's thread: hand a message on unless the port it came from (opened[0], once
        open) was chosen away and is closing behind."""
        def receive(message: mido.Message, seconds: float) -> None:
            if not (opened and opened[0] in self._retired):
                deliver(message, seconds)
        return receive

    def _close_behind(self, port: InputPort | TimedInputPort | None) -> None:
        """Retire an input (nothing more of it reaches the window) and close it on a short-lived
        thread: closing waits for its callback to drain, which the GUI thread must not."""
        if port is not None:
            self._retired.add(port)
            threading.Thread(target=port.close, daemon=True, name="continuo-close-input").start()

    def _on_opened(self, kind: str, port, error: str | None, note: str | None) -> None:
        if kind == "clock":
            if port is None:
                self.message.emit(f"No MIDI clock input: {error}")
            elif self.clock_choice != port.name or self._clock_port is not None:
                self._close_behind(port)  # chosen away while it opened
            else:
                self._clock_port = port
                self.message.emit(f"Following the MIDI clock on {port.name}.")
            return
        if kind == "input":
            if port is None:
                self.message.emit(f"No MIDI input: {error}")
            elif self.input_choice is None:
                self._close_behind(port)  # chosen away while it opened
            elif isinstance(port, TimedInputPort) != self.shared_clock:
                self._close_behind(port)  # the clock came to this port, or left it, while it opened
                self._in_background("input", self.input_choice)
            else:
                self._input = port
                self.message.emit(f"Listening to {port.name}.")
            return
        if port is None:
            if self.output_choice == BUILT_IN:  # the sentence in full, the state in short
                self._set_status("Built-in sound: no audio device" if error.startswith(NO_DEVICE)
                                 else "Built-in sound unavailable")
                self.message.emit(error)
            else:
                self._set_status(f"No MIDI output: {error}")
            return
        if self.output_choice == NO_PORT or self._session is not None:
            threading.Thread(target=port.close, daemon=True, name="continuo-close-output").start()
            return
        self._session = port
        self._heard = None
        self._set_status(self._playing_to(port))
        if port.virtual:
            self._look_for_listeners()
            self._listeners.start()
        if note:  # why playback runs in this process
            self.message.emit(note)
        self._after_restart()
        self.output_ready.emit()

    def _after_restart(self) -> None:
        """A crashed child could not end its notes: end them now, on the output open again."""
        if self._release_all:
            self._release_all = False
            for message in all_notes_off():
                self._send(message)
            self.message.emit(RESTARTED)

    def _on_lost(self, session: Session, sentence: str) -> None:
        if session is not self._session:
            return
        self.output_lost.emit()
        if not session.alive:  # the player's process crashed: start it again on the same port
            self._release_all = True
            self.choose_output(self.output_choice)
        else:
            self._set_status(sentence)
            self.message.emit(sentence)

    def _on_back(self, session: Session, sentence: str) -> None:
        if session is self._session:
            self._set_status(self._playing_to(session))
            self.message.emit(sentence)
            self.output_back.emit()

    def _received(self, message: mido.Message, arrived: float) -> None:
        """On the input's thread (rtmidi's, or a timed input's reader), with the perf_counter time
        the message arrived: play through, then tell the listener and the GUI."""
        if message.type not in NOTES:
            if self.shared_clock:
                self._clocked(message, arrived)  # the keyboard's port is the clock input as well
            return
        if self.thru:
            self._send(message)
        listener = self.on_input
        if listener is not None:
            listener(message, arrived)
        if message.type == "note_on" and message.velocity:
            self.note_on.emit(message.note, message.velocity)
        else:
            self.note_off.emit(message.note)

    def _clocked(self, message: mido.Message, seconds: float) -> None:
        """On an input's thread: a clock input's message, to the follower with its arrival time."""
        listener = self.on_clock
        if listener is not None and message.type not in NOTES:
            listener(message, seconds)

    def _send(self, message: mido.Message) -> None:
        (self._session or self._silent).send(message)  # a lost port: a dropped live note is all

    def _look_for_listeners(self) -> None:
        """While the virtual port is the output: say in the status (and once in a message) when
        nothing is connected to it, where the MIDI system tells (ALSA)."""
        session = self._session
        if session is None or not session.virtual:
            self._listeners.stop()
            return
        heard = virtual_port_heard()
        if heard != self._heard:
            self._heard = heard
            self._set_status(self._playing_to(session))
            if heard is False:
                self.message.emit(NOBODY_LISTENS)

    def _playing_to(self, session: Session) -> str:
        """The status of an open output."""
        if session.name == BUILT_IN_NAME:
            return "Sound: built-in"
        heard = " (nothing connected)" if session.virtual and self._heard is False else ""
        return f"MIDI out: {session.name}{heard}"

    def _close_output(self) -> None:
        """Forget the output now; its session closes in the background (after its note-offs)."""
        self._listeners.stop()
        session, self._session = self._session, None
        if session is not None:
            threading.Thread(target=session.close, daemon=True, name="continuo-close-output").start()

    def _set_status(self, text: str) -> None:
        self.status = text
        self.status_changed.emit(text)


def output_from_setting(saved: str | None) -> str | None:
    """The output choice a stored setting means: nothing stored (a first start) is the built-in
    sound, so Continuo is heard before any DAW is routed; the virtual port is stored by name."""
    if saved is None:
        return BUILT_IN
    return VIRTUAL if saved == VIRTUAL_SETTING else saved


def output_setting(choice: str | None) -> str:
    """How an output choice is stored (the inverse of output_from_setting)."""
    return VIRTUAL_SETTING if choice is VIRTUAL else choice
