"""The player's own process: a ProcessSession (studio.midi.session) whose output, player and
clock live in a child process, for processes that also run a GUI or the engine.

Python threads take turns under one lock (the GIL). A GUI thread painting, or the engine's
sampling, holds it for milliseconds at a time, and a player thread in the same process waits
for it at every deadline: measured with bench_live, that made a player thread's sends p99 3-20 ms
late while the window repainted and the engine generated. A child process has an interpreter of
its own, so there the player thread meets only its feeder. The child runs a LocalSession on the
port it opens itself; the parent's ProcessSession mirrors it: its ProcessPlayer has the Player's
controls (notes go to the child as they come, so an engine's incremental continuation streams
through), `send` sends one message on that port at once (a key played live), and its
ProcessClock sends Continuo's MIDI clock from the child (a clock thread in the parent would wait
for the interpreter lock before every pulse).

Both processes share CLOCK_MONOTONIC (time.perf_counter), so a start time or a tempo anchor
means the same instant on both sides. Messages are pickled tuples over the child's stdin and
stdout; the child's stderr is ours.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pickle
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import mido

from studio.core.notes import Note
from studio.midi.clock import (
    TICKS_PER_PULSE,
    ClockSender,
    PulseLine,
    Timeline,
    check_clock_tempo,
    first_pulse,
)
from studio.midi.player import Player, TempoAnchor
from studio.midi.ports import OutputPort, PortError, open_output
from studio.midi.session import LocalSession, Session

_READY_S = 20.0  # the child imports mido and rtmidi and opens the port
_END = object()
GONE = "The player process ended unexpectedly; playback stopped."


CHILD_FLAG = "--player-process"


def child_command() -> list[str]:
    """How to start the child: this module under Python, or a frozen app's own executable with
    CHILD_FLAG (its entry point hands that to `serve_stdio`)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, CHILD_FLAG]
    return [sys.executable, "-m", "studio.midi.player_process"]


class _Pipe:
    """The parent's end of the child: pickled tuples over its stdin and stdout, one writer at a time."""

    def __init__(self, command: list[str]) -> None:
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._lock = threading.Lock()
        # each start of a clock is a run: a late confirmation names its own
        self._clock_runs = itertools.count(1)

    def send(self, message: tuple, unless: threading.Event | None = None) -> None:
        """Write one message; with `unless`, not once that event is set (checked under the lock,
        so nothing of a stopped run follows the stop into the next run)."""
        with self._lock:
            if unless is not None and unless.is_set():
                return
            try:
                pickle.dump(message, self.proc.stdin)
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                pass  # the child is gone: the listener reports it

    def receive(self) -> tuple:
        try:
            return pickle.load(self.proc.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            return ("gone",)

    def receive_within(self, timeout: float) -> tuple:
        got: list[tuple] = []
        reader = threading.Thread(target=lambda: got.append(self.receive()), daemon=True)
        reader.start()
        reader.join(timeout)
        return got[0] if got else ("error", "The player process did not start.")

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def next_clock_run(self) -> int:
        return next(self._clock_runs)


class ProcessSession(Session):
    """A session whose output, player and clock live in a child process (None: the virtual
    port, which the child creates). The child watches its port (see Session); a child that ends
    unexpectedly is reported to on_port_lost as GONE, and `alive` turns False.

    Owns: the child process and its pipe, the listener thread, the player, the latest clock."""

    def __init__(self, port: str | None = None, backend: str | None = None, *, realtime: bool = True) -> None:
        super().__init__()
        self._closing = self._gone = False
        self._pipe = _Pipe(child_command())
        self._pipe.send(("open", port, backend, realtime))
        reply = self._pipe.receive_within(_READY_S)
        if reply[0] != "ready":
            self.close()
            raise PortError(reply[1] if reply[0] == "error" else "The player process did not start.")
        self.name: str = reply[1]
        self.virtual: bool = reply[2]
        self._player = ProcessPlayer(self._pipe)
        self._clock: ProcessClock | None = None
        threading.Thread(target=self._listen, daemon=True, name="continuo-player-process").start()

    def send(self, message: mido.Message) -> None:
        self._pipe.send(("now", bytes(message.bytes())))

    def player(self) -> ProcessPlayer:
        return self._player

    def clock(self, bpm: float = 120.0) -> ProcessClock:
        """The old clock's Stop still goes out before the new one's Start."""
        self._clock = ProcessClock(self._pipe, bpm)
        return self._clock

    @property
    def alive(self) -> bool:
        return self._pipe.alive and not self._gone

    def _listen(self) -> None:
        while True:
            message = self._pipe.receive()
            if message[0] == "gone":
                self._gone = True  # its stdout ended: it is dying, whether or not it has exited yet
                self._player.ended(None, GONE, [], False)
                if self._clock is not None:
                    self._clock.child_gone()
                if not self._closing:
                    self._tell(self.on_port_lost, GONE)
                return
            if message[0] == "finished":
                self._player.ended(*message[1:])
            elif message[0] == "back":
                self.name = message[2]  # a virtual port made again may have a new name
                self._tell(self.on_port_back, message[1])
            elif message[0] == "lost":
                self._tell(self.on_port_lost, message[1])
            elif message[0] == "clock" and self._clock is not None:
                self._clock.ended(*message[1:])

    def close(self) -> None:
        """Stop, close the port and end the child."""
        self._closing = True
        if self._pipe.alive:
            self._pipe.send(("quit",))
            try:
                self._pipe.proc.wait(5)
            except subprocess.TimeoutExpired:
                self._pipe.proc.kill()
                self._pipe.proc.wait()


class ProcessPlayer(TempoAnchor):
    """The player of a ProcessSession: a Player in the child, driven over the pipe. Notes go to
    the child as they come (an engine's incremental continuation streams through). Made by the
    session; its run ends reach `ended` from the session's listener."""

    def __init__(self, pipe: _Pipe) -> None:
        super().__init__()
        self._pipe = pipe
        self.on_finish: Callable[[str | None], None] | None = None
        self.stopped_at: float | None = None
        self.error: str | None = None
        self.sent_late_s: list[float] = []
        self.realtime_granted = False
        self._run_lock = threading.RLock()  # a run's end and the next run's start, one at a time
        self._run = 0
        self._finished = threading.Event()
        self._finished.set()
        self._stop_feed = threading.Event()

    def ended(self, run: int | None, error: str | None, late: list[float], granted: bool,
              stopped_at: float | None = None) -> None:
        """From the listener: a run ended (run None: whichever plays, the child has gone)."""
        with self._run_lock:
            if (run is not None and run != self._run) or self._finished.is_set():
                return
            # stopped_at before error: whoever sees the error sees whether a lost port caused it
            self.stopped_at, self.error = stopped_at, error
            self.sent_late_s, self.realtime_granted = late, granted
            self._stop_feed.set()
            if self.on_finish is not None:  # before wait() returns, as with Player
                self.on_finish(error)
            self._finished.set()

    def align(self, bpm: float, seconds: float, tick: float) -> None:
        """Follow an outside timeline (see TempoAnchor.align); the child follows it too."""
        super().align(bpm, seconds, tick)
        self._pipe.send(("align", bpm, seconds, tick))

    @property
    def playing(self) -> bool:
        return not self._finished.is_set()

    def start(self, notes: Iterable[Note], tempo: float, start_tick: int = 0, *,
              lead_in_s: float = 0.005, on_finish: Callable[[str | None], None] | None = None) -> None:
        """As Player.start; the notes are streamed to the child by a thread of ours. A run that
        was told to stop may still be ending its notes in the child: this one starts after it,
        and that run's end is not reported. PortError if the child has ended."""
        with self._run_lock:
            if self.playing and not self._stop_feed.is_set():
                raise RuntimeError("the player is already playing")
            if not self._pipe.alive:
                raise PortError("The player process has ended; open the output again.")
            self._run += 1
            if on_finish is not None:
                self.on_finish = on_finish
            self._finished.clear()
            self._stop_feed = threading.Event()
            self.error = self.stopped_at = None
            anchor = time.perf_counter() + lead_in_s
            with self._lock:
                self._bpm, self._anchor = tempo, (anchor, start_tick)
            self._pipe.send(("start", self._run, tempo, start_tick, anchor))
        threading.Thread(target=self._feed, args=(notes, self._stop_feed), daemon=True,
                         name="continuo-process-feeder").start()

    def _feed(self, notes: Iterable[Note], stop: threading.Event) -> None:
        try:
            for note in notes:
                if stop.is_set():
                    return
                self._pipe.send(("note", note.start, note.pitch, note.duration, note.velocity, note.channel),
                                stop)
        except Exception as err:  # the producer failed: the child's player ends and says why
            self._pipe.send(("fail", str(err)), stop)
            return
        self._pipe.send(("end",), stop)

    def stop(self, timeout: float = 2.0) -> None:
        """Stop now; returns once the child has turned every sounding note off (at once with 0)."""
        self._stop_feed.set()
        self._pipe.send(("stop",))
        self._finished.wait(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        return self._finished.wait(timeout)


class ProcessClock:
    """Continuo as clock master from the player's process: ClockSender's controls (start, stop,
    set_tempo, follow, timeline(), playing, error, sent_late_s) for a ClockSender running in the
    child, on the port the notes go to, where no GUI or engine holds the interpreter lock. When
    the pulses go is decided here: start and every tempo change hand the child a PulseLine, and
    timeline() is that same line, so a note the player puts on beat N (following this timeline)
    leaves with pulse 24 * N. Made by ProcessSession.clock."""

    def __init__(self, pipe: _Pipe, bpm: float = 120.0) -> None:
        check_clock_tempo(bpm)
        self._pipe = pipe
        self._line = PulseLine(bpm, 0.0, 0)
        self._running = False
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._run = 0  # this clock's run of the child's clock (see _Pipe.next_clock_run)
        self.error: str | None = None
        self.sent_late_s: list[float] = []  # how late each pulse left, once stopped

    @property
    def playing(self) -> bool:
        return self._running and self._pipe.alive

    def timeline(self) -> Timeline:
        with self._lock:
            return self._line.timeline(self.playing)

    def start(self, tick: int = 0, lead_in_s: float = 0.01, *, at: float | None = None) -> None:
        """As ClockSender.start: Start (or Song Position and Continue) and the first pulse
        lead_in_s from now (or at perf_counter time `at`), sent by the child."""
        with self._lock:
            if self.playing:
                raise RuntimeError("the clock is already running")
            if not self._pipe.alive:
                raise PortError("The player process has ended; open the output again.")
            begin = time.perf_counter() + lead_in_s if at is None else at
            self._line = PulseLine(self._line.bpm, begin, first_pulse(tick))
            self._running, self.error = True, None
            self._stopped.clear()
            self._run = self._pipe.next_clock_run()
            self._pipe.send(("clock_start", self._line, self._run))

    def set_tempo(self, bpm: float) -> None:
        """A new tempo from the next pulse due on."""
        with self._lock:
            if not self.playing:
                check_clock_tempo(bpm)
                self._line = PulseLine(bpm, self._line.seconds, self._line.pulse)
                return
            self._line = self._line.retimed(bpm, self._line.next_pulse(time.perf_counter()))
            self._pipe.send(("clock_tempo", self._line))

    def follow(self, line: PulseLine) -> None:
        """Send the pulses from line.pulse on at the line's times (a tempo change decided by
        whoever owns the song's timeline)."""
        with self._lock:
            self._line = line
            if self.playing:
                self._pipe.send(("clock_tempo", line))

    def stop(self, timeout: float = 2.0) -> None:
        """Send Stop; returns once the child has (and `sent_late_s` is filled in), or at once
        with timeout=0 (a GUI thread's stop: the Stop still goes out, the confirmation comes later)."""
        with self._lock:
            self._running = False
            self._stopped.clear()
        self._pipe.send(("clock_stop",))
        if timeout and self._pipe.alive:
            self._stopped.wait(timeout)

    def ended(self, run: int, error: str | None, late: list[float]) -> None:
        """From the listener: the child's clock stopped (told to, or its output failed); a
        confirmation for an earlier run of this clock, or another clock's, is not this run's end."""
        with self._lock:
            if run != self._run:
                return
            self._running = False
            self.error, self.sent_late_s = error, late
            self._stopped.set()

    def child_gone(self) -> None:
        """From the listener: the child ended; a clock still meant to run says so."""
        with self._lock:
            if self._running:
                self._running, self.error = False, GONE
            self._stopped.set()


class _Child:
    """The child's side: a LocalSession on its port (one player, a watcher, the clock) and
    replies to the parent. Commands arrive on the main thread; the watcher and the player call
    back from theirs."""

    def __init__(self, port: OutputPort, realtime: bool, write: Any) -> None:
        self._write = write
        self._write_lock = threading.Lock()
        self.session = LocalSession(port, realtime=realtime)
        self.session.on_port_lost = lambda sentence: self.reply(("lost", sentence))
        self.session.on_port_back = lambda sentence: self.reply(("back", sentence, self.session.name))
        self.session.on_clock_error = self._clock_failed
        self.notes: queue.Queue = queue.Queue()
        self.clock: ClockSender | None = None
        self.clock_run = 0  # the parent's number for the clock's current run

    def watch(self) -> None:
        self.session.start_watching()

    def _clock_failed(self, sentence: str) -> None:
        clock = self.clock
        self.reply(("clock", self.clock_run, sentence, list(clock.sent_late_s) if clock else []))

    def reply(self, message: tuple) -> None:
        with self._write_lock:
            _reply(self._write, message)

    def _streamed(self, source: queue.Queue) -> Iterator[Note]:
        while (item := source.get()) is not _END:
            if isinstance(item, Exception):
                raise item
            yield item

    def _finished(self, run: int, player: Player) -> Callable[[str | None], None]:
        def finished(error: str | None) -> None:
            self.reply(("finished", run, error, list(player.sent_late_s), player.realtime_granted,
                        player.stopped_at))
        return finished

    def handle(self, command: tuple) -> None:
        kind = command[0]
        player = self.session.player()
        if kind == "start":
            _, run, tempo, start_tick, anchor = command
            self.notes.put(_END)  # a previous run's feeder, if still waiting, ends
            self.notes = queue.Queue()
            # The parent's start time, on the clock both processes share.
            player.start(self._streamed(self.notes), tempo, start_tick,
                         lead_in_s=anchor - time.perf_counter(), on_finish=self._finished(run, player))
        elif kind == "note":
            self.notes.put(Note(*command[1:]))
        elif kind == "end":
            self.notes.put(_END)
        elif kind == "fail":
            self.notes.put(RuntimeError(command[1]))
        elif kind == "align":
            player.align(*command[1:])
        elif kind == "now":
            self.session.send(mido.Message.from_bytes(command[1]))
        elif kind == "stop":
            self.notes.put(_END)
            player.stop()
        elif kind == "clock_start":
            line: PulseLine = command[1]
            if self.clock is not None and self.clock.playing:  # the parent forgot to stop it
                self.clock.stop()
            self.clock_run = command[2]
            self.clock = self.session.clock(line.bpm)
            self.clock.follow(line)
            self.clock.start(line.pulse * TICKS_PER_PULSE, at=line.seconds)
        elif kind == "clock_tempo" and self.clock is not None:
            self.clock.follow(command[1])
        elif kind == "clock_stop" and self.clock is not None:
            self.clock.stop()
            self.reply(("clock", self.clock_run, self.clock.error, list(self.clock.sent_late_s)))


def _reply(write: Any, message: tuple) -> None:
    """Tell the parent; nothing when it has gone (a window that quit at once): the end of its
    commands then ends this process, after every sounding note is let go."""
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        pickle.dump(message, write)
        write.flush()


def _serve(read: Any, write: Any) -> None:
    """The child's main loop: open the port, then obey the parent until quit or end of input."""
    _, name, backend, realtime = pickle.load(read)
    try:
        port = open_output(name, backend)
    except PortError as err:
        _reply(write, ("error", str(err)))
        return
    child = _Child(port, realtime, write)
    child.reply(("ready", port.name, port.virtual))
    child.watch()
    try:
        while True:
            try:
                command = pickle.load(read)
            except EOFError:
                break
            if command[0] == "quit":
                break
            child.handle(command)
    finally:
        child.session.close()


def serve_stdio() -> int:
    """The child's entry: commands on stdin, replies on stdout."""
    _serve(sys.stdin.buffer, sys.stdout.buffer)
    with contextlib.suppress(OSError):  # nothing left for a parent that has gone: no flush at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    raise SystemExit(serve_stdio())
