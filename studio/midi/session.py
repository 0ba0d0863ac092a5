"""A MIDI output session: what the MIDI side hands the app for one open output.

A session owns the output and hands out its player (`player()`, one run at a time) and its
clock master (`clock(bpm)`); `send` sends one message at once beside whatever plays (a key
played live, a panic). It watches its port: when the port goes away the playing run stops at
once (every note-off that can still go) and ends with the sentence as its error and
`stopped_at` set, a clock holds its pulses, and `on_port_lost(sentence)` is called; once the
port is joined again, a clock says where the song is and `on_port_back(sentence)` is called.
What to do then (play on from where it stopped) is studio.live.resume's policy, not the
session's.

Two kinds, one seam: `LocalSession` plays in this process (an opened port, a MemoryOutput in
tests, or nowhere), and studio.midi.player_process's `ProcessSession` plays in a child
process of its own, which runs a LocalSession there. `open_session` prefers the child and
falls back to this process, saying why. Nothing above this module asks which kind it holds.

Threads: the player's and the clock's own, the port watcher's (LocalSession), the pipe's
listener (ProcessSession); the callbacks run on the watcher's or the listener's thread.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Protocol

import mido

from studio.midi.clock import ClockSender, PulseLine, Timeline
from studio.midi.player import Output, Player, RealTimePlayer
from studio.midi.port_watch import PortWatcher, back_sentence
from studio.midi.ports import OutputPort, PortError, open_output

SentenceCallback = Callable[[str], None]


class ClockMaster(Protocol):
    """Continuo's MIDI clock on a session's output (ClockSender here, ProcessClock in the
    player's process)."""

    error: str | None

    @property
    def playing(self) -> bool: ...

    def start(self, tick: int = 0, lead_in_s: float = 0.01, *, at: float | None = None) -> None: ...

    def stop(self, timeout: float = 2.0) -> None: ...

    def set_tempo(self, bpm: float) -> None: ...

    def follow(self, line: PulseLine) -> None: ...

    def timeline(self) -> Timeline: ...


class Session(ABC):
    """One open output with its player and its clock.

    Owns: the output (closed by `close`), one player, the latest clock.
    Callbacks: on_port_lost(sentence), on_port_back(sentence), on the session's own thread."""

    name: str = ""
    virtual: bool = False  # Continuo's own port, which others connect to

    def __init__(self) -> None:
        self.on_port_lost: SentenceCallback | None = None
        self.on_port_back: SentenceCallback | None = None

    @abstractmethod
    def send(self, message: mido.Message) -> None:
        """Send one message at once; never blocks for long and never raises (a lost port drops it)."""

    @abstractmethod
    def player(self) -> RealTimePlayer:
        """The session's player (the same one each time: it plays one run at a time)."""

    @abstractmethod
    def clock(self, bpm: float = 120.0) -> ClockMaster:
        """A clock master on this output; it takes the place of the last one (stop that first)."""

    @property
    def alive(self) -> bool:
        """False once the session has ended (closed, or its player's process died)."""
        return True

    @abstractmethod
    def close(self) -> None:
        """Stop what plays (every note off), stop the clock, close the output."""

    def _tell(self, callback: SentenceCallback | None, sentence: str) -> None:
        if callback is not None:
            callback(sentence)


class SilentOutput:
    """Where notes go while no MIDI output is open: nowhere (playback and the playhead go on)."""

    name = ""
    virtual = False

    def send(self, message: mido.Message) -> None:
        pass


class LocalSession(Session):
    """A session in this process on `output`: an OutputPort (watched when `watch`), a
    MemoryOutput, or a SilentOutput; each sends one message at a time under its own lock, so
    the player, the clock and live notes share it. With `realtime` its player and clock threads
    ask for SCHED_FIFO."""

    def __init__(self, output: Output, *, watch: bool = False, realtime: bool = False) -> None:
        super().__init__()
        self.output = output
        self.name = getattr(output, "name", "")
        self.virtual = getattr(output, "virtual", False)
        self.realtime = realtime
        self._player = Player(output, realtime=realtime)
        self._clock: ClockSender | None = None
        self.on_clock_error: SentenceCallback | None = None  # a clock's output failed
        self._watcher: PortWatcher | None = None
        if watch:
            self.start_watching()

    def start_watching(self) -> None:
        """Watch the port from now on (an OutputPort; other outputs never go away). PortError
        if its backend has gone."""
        if self._watcher is None and isinstance(self.output, OutputPort):
            self._watcher = PortWatcher(self.output, self._lost, self._back).start()

    def send(self, message: mido.Message) -> None:
        with contextlib.suppress(OSError, PortError, ValueError):
            self.output.send(message)

    def player(self) -> Player:
        return self._player

    def clock(self, bpm: float = 120.0) -> ClockSender:
        self._clock = ClockSender(self.output, bpm, realtime=self.realtime,
                                  on_error=lambda sentence: self._tell(self.on_clock_error, sentence))
        return self._clock

    def _lost(self, sentence: str) -> None:
        """From the watcher: stop the run at once and hold the clock's pulses."""
        self._player.lose(sentence)
        if self._clock is not None:
            self._clock.hold()  # the song goes on; the pulses wait for the port (see _back)
        self._tell(self.on_port_lost, sentence)

    def _back(self) -> None:
        """From the watcher: the port is joined again; a clock held while it was away says where
        the song is (Song Position and Continue) before its pulses go on."""
        if self._clock is not None and self._clock.playing:
            self._clock.resync()
        self._tell(self.on_port_back, back_sentence(self.output))

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        if self._clock is not None and self._clock.playing:
            self._clock.stop()
        self._player.stop()  # every note it sounds ends: nothing is left sounding on the port left
        close = getattr(self.output, "close", None)
        if close is not None:
            with contextlib.suppress(OSError, PortError):
                close()


def open_session(choice: str | None, backend: str | None, *, realtime: bool = True
                 ) -> tuple[Session, str | None]:
    """A session on the output `choice` (None: Continuo's virtual port; studio.midi.synth's
    BUILT_IN: the built-in sound, in this process, where its audio is): in the player's own
    process, or, where that cannot start, in this one. Returns (session, None) or (session, why
    playback runs in this process); PortError if the port cannot be opened at all (SynthError,
    one of them, when the built-in sound has no audio device)."""
    from studio.midi.player_process import ProcessSession
    from studio.midi.synth import BUILT_IN, SynthOutput

    if choice == BUILT_IN:
        return LocalSession(SynthOutput()), None

    try:
        return ProcessSession(choice, backend, realtime=realtime), None
    except (PortError, OSError) as err:
        child_error = str(err)
    port = open_output(choice, backend)  # the child could not start, or its port failed: try here
    try:  # in this process the player thread waits on the GIL anyway: no SCHED_FIFO for it
        session = LocalSession(port, watch=True)
    except PortError:  # the backend went away between opening and watching
        session = LocalSession(port)
    return session, (f"{child_error.rstrip('.')}: playback runs inside the app, where a busy window may "
                     "delay notes.")
