"""The real-time player in a process of its own, for processes that also run a GUI or the engine.

Python threads take turns under one lock (the GIL). A GUI thread painting, or the engine's
sampling, holds it for milliseconds at a time, and a player thread in the same process waits
for it at every deadline: measured with bench_live, that made a player thread's sends p99 3-20 ms
late while the window repainted and the engine generated. A child process has an interpreter of
its own, so there the player thread meets only its feeder. `ProcessPlayer` has the Player's
controls (start, stop, wait, set_tempo, align, position); notes go to the child as they come (an
engine's incremental continuation streams through), and the child opens the MIDI port itself;
`send_now` sends one message on that port at once (a key played live), so nothing else in the
parent needs to open the port a second time. When Continuo is the clock master, the pulses go out
from a ClockSender in the child too (`ProcessPlayer.clock`, a ProcessClock): a clock thread in the
parent would wait for the interpreter lock before every pulse.

Both processes share CLOCK_MONOTONIC (time.perf_counter), so a start time or a tempo anchor
means the same instant on both sides. Messages are pickled tuples over the child's stdin and
stdout; the child's stderr is ours.
"""

from __future__ import annotations

import contextlib
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
from studio.midi.clock import TICKS_PER_PULSE, ClockSender, PulseLine, check_clock_tempo, first_pulse
from studio.midi.clock import Timeline as ClockTimeline
from studio.midi.player import Output, Player, Timeline
from studio.midi.port_watch import PortWatcher, back_sentence
from studio.midi.ports import OutputPort, PortError, open_output

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


class ProcessPlayer(Timeline):
    """A Player running in a child process on the output `port` (None: the virtual port).

    The child watches its port: when it goes away, playback stops there (every note-off that
    can still go), on_finish gets the one-sentence reason and `lost_at` the song tick where it
    stopped; when the port is back, the child has joined it again and on_port_back(sentence)
    is called, so the owner, who has the notes, can start again from `lost_at`. on_port_lost(sentence)
    hears of every loss, playing or not, and of the child's unexpected end."""

    def __init__(self, port: str | None = None, backend: str | None = None, *, realtime: bool = True,
                 on_finish: Callable[[str | None], None] | None = None,
                 on_port_back: Callable[[str], None] | None = None,
                 on_port_lost: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self.on_finish, self.on_port_back, self.on_port_lost = on_finish, on_port_back, on_port_lost
        self.lost_at: float | None = None
        self._closing = False
        self._run_lock = threading.RLock()  # a run's end and the next run's start, one at a time
        self._proc = subprocess.Popen(child_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._send_lock = threading.Lock()
        self._send(("open", port, backend, realtime))
        reply = self._receive_with_timeout(_READY_S)
        if reply[0] != "ready":
            self.close()
            raise PortError(reply[1] if reply[0] == "error" else "The player process did not start.")
        self.port_name: str = reply[1]
        self.virtual: bool = reply[2]  # Continuo's own port, which others connect to
        self.error: str | None = None
        self.sent_late_s: list[float] = []
        self.realtime_granted = False
        self._run = 0
        self._finished = threading.Event()
        self._finished.set()
        self._stop_feed = threading.Event()
        self._clock: ProcessClock | None = None
        self._clock_runs = 0  # each start of a clock is a run: a late confirmation names its own
        threading.Thread(target=self._listen, daemon=True, name="continuo-player-process").start()

    # -- the pipe -------------------------------------------------------------------------
    def _send(self, message: tuple, unless: threading.Event | None = None) -> None:
        """Write one message; with `unless`, not once that event is set (checked under the lock,
        so nothing of a stopped run follows the stop into the next run)."""
        with self._send_lock:
            if unless is not None and unless.is_set():
                return
            try:
                pickle.dump(message, self._proc.stdin)
                self._proc.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                pass  # the child is gone: _listen reports it

    def _receive_with_timeout(self, timeout: float) -> tuple:
        got: list[tuple] = []
        reader = threading.Thread(target=lambda: got.append(self._receive()), daemon=True)
        reader.start()
        reader.join(timeout)
        return got[0] if got else ("error", "The player process did not start.")

    def _receive(self) -> tuple:
        try:
            return pickle.load(self._proc.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            return ("gone",)

    def _listen(self) -> None:
        while True:
            message = self._receive()
            if message[0] == "gone":
                self._end(self._run, GONE, [], False)
                if self._clock is not None:
                    self._clock.child_gone()
                if not self._closing and self.on_port_lost is not None:
                    self.on_port_lost(GONE)
                return
            if message[0] == "finished":
                self._end(*message[1:])
            elif message[0] == "back":
                self.port_name = message[2]  # a virtual port made again may have a new name
                if self.on_port_back is not None:
                    self.on_port_back(message[1])
            elif message[0] == "lost" and self.on_port_lost is not None:
                self.on_port_lost(message[1])
            elif message[0] == "clock" and self._clock is not None:
                self._clock.ended(*message[1:])

    def _end(self, run: int, error: str | None, late: list[float], granted: bool,
             lost_at: float | None = None) -> None:
        with self._run_lock:
            if run != self._run or self._finished.is_set():
                return
            # lost_at before error: whoever sees the error sees whether a lost port caused it
            self.lost_at, self.error, self.sent_late_s, self.realtime_granted = lost_at, error, late, granted
            self._stop_feed.set()
            if self.on_finish is not None:  # before wait() returns, as with Player
                self.on_finish(error)
            self._finished.set()

    # -- time -----------------------------------------------------------------------------
    def align(self, bpm: float, seconds: float, tick: float) -> None:
        """Follow an outside timeline (see Timeline.align); the child follows it too."""
        super().align(bpm, seconds, tick)
        self._send(("align", bpm, seconds, tick))

    # -- control --------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return not self._finished.is_set()

    def start(self, notes: Iterable[Note], tempo: float, start_tick: int = 0, *,
              lead_in_s: float = 0.005, loop: tuple[int, int] | None = None,
              on_finish: Callable[[str | None], None] | None = None) -> None:
        """As Player.start; the notes are streamed to the child by a thread of ours. A run that
        was told to stop may still be ending its notes in the child: this one starts after it,
        and that run's end is not reported. `on_finish`, if given, replaces self.on_finish from
        this run on (set here, so an earlier run's end never reaches it)."""
        with self._run_lock:
            if self.playing and not self._stop_feed.is_set():
                raise RuntimeError("the player is already playing")
            if self._proc.poll() is not None:
                raise PortError("The player process has ended; open the output again.")
            self._run += 1
            if on_finish is not None:
                self.on_finish = on_finish
            self._finished.clear()
            self._stop_feed = threading.Event()
            self.error = self.lost_at = None
            anchor = time.perf_counter() + lead_in_s
            with self._lock:
                self._bpm, self._anchor = tempo, (anchor, start_tick)
            self._send(("start", self._run, tempo, start_tick, anchor, loop))
        threading.Thread(target=self._feed, args=(notes, self._stop_feed), daemon=True,
                         name="continuo-process-feeder").start()

    def _feed(self, notes: Iterable[Note], stop: threading.Event) -> None:
        try:
            for note in notes:
                if stop.is_set():
                    return
                self._send(("note", note.start, note.pitch, note.duration, note.velocity, note.channel), stop)
        except Exception as err:  # the producer failed: the child's player ends and says why
            self._send(("fail", str(err)), stop)
            return
        self._send(("end",), stop)

    def send_now(self, message: mido.Message) -> None:
        """Send one message on the child's port at once (a live note, a panic), beside whatever
        plays; never blocks for long and never raises (a lost port drops it)."""
        self._send(("now", bytes(message.bytes())))

    send = send_now  # an Output too: the window's live keys and panic go through it

    def clock(self, bpm: float = 120.0) -> ProcessClock:
        """Continuo's clock master on this player's port, sending from the child. One per player:
        a new one takes the place of the last (stop that first; the old one's Stop still goes
        out before the new one's Start)."""
        self._clock = ProcessClock(self, bpm)
        return self._clock

    @property
    def alive(self) -> bool:
        """False once the child has ended (closed, or gone unexpectedly)."""
        return self._proc.poll() is None

    def stop(self, timeout: float = 2.0) -> None:
        """Stop now; returns once the child has turned every sounding note off."""
        self._stop_feed.set()
        self._send(("stop",))
        self._finished.wait(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        return self._finished.wait(timeout)

    def close(self) -> None:
        """Stop, close the port and end the child."""
        self._closing = True
        if self._proc.poll() is None:
            self._send(("quit",))
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()


class ProcessClock:
    """Continuo as clock master from the player's process: ClockSender's controls (start, stop,
    set_tempo, timeline(), playing, error, sent_late_s) for a ClockSender running in the child,
    on the port the notes go to, where no GUI or engine holds the interpreter lock. When the
    pulses go is decided here: start and every tempo change hand the child a PulseLine, and
    timeline() is that same line, so a note the player puts on beat N (following this timeline)
    leaves with pulse 24 * N. Made by ProcessPlayer.clock."""

    def __init__(self, player: ProcessPlayer, bpm: float = 120.0) -> None:
        check_clock_tempo(bpm)
        self._player = player
        self._line = PulseLine(bpm, 0.0, 0)
        self._running = False
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._run = 0  # this clock's run of the child's clock (see ProcessPlayer._clock_runs)
        self.error: str | None = None
        self.sent_late_s: list[float] = []  # how late each pulse left, once stopped

    @property
    def playing(self) -> bool:
        return self._running and self._player.alive

    def timeline(self) -> ClockTimeline:
        with self._lock:
            return self._line.timeline(self.playing)

    def start(self, tick: int = 0, lead_in_s: float = 0.01, *, at: float | None = None) -> None:
        """As ClockSender.start: Start (or Song Position and Continue) and the first pulse
        lead_in_s from now (or at perf_counter time `at`), sent by the child."""
        with self._lock:
            if self.playing:
                raise RuntimeError("the clock is already running")
            if not self._player.alive:
                raise PortError("The player process has ended; open the output again.")
            begin = time.perf_counter() + lead_in_s if at is None else at
            self._line = PulseLine(self._line.bpm, begin, first_pulse(tick))
            self._running, self.error = True, None
            self._stopped.clear()
            self._player._clock_runs += 1
            self._run = self._player._clock_runs
            self._player._send(("clock_start", self._line, self._run))

    def set_tempo(self, bpm: float) -> None:
        """A new tempo from the next pulse due on."""
        with self._lock:
            if not self.playing:
                check_clock_tempo(bpm)
                self._line = PulseLine(bpm, self._line.seconds, self._line.pulse)
                return
            self._line = self._line.retimed(bpm, self._line.next_pulse(time.perf_counter()))
            self._player._send(("clock_tempo", self._line))

    def follow(self, line: PulseLine) -> None:
        """Send the pulses from line.pulse on at the line's times (a tempo change decided by
        whoever owns the song's timeline)."""
        with self._lock:
            self._line = line
            if self.playing:
                self._player._send(("clock_tempo", line))

    def stop(self, timeout: float = 2.0) -> None:
        """Send Stop; returns once the child has (and `sent_late_s` is filled in), or at once
        with timeout=0 (a GUI thread's stop: the Stop still goes out, the confirmation comes later)."""
        with self._lock:
            self._running = False
            self._stopped.clear()
        self._player._send(("clock_stop",))
        if timeout and self._player.alive:
            self._stopped.wait(timeout)

    def ended(self, run: int, error: str | None, late: list[float]) -> None:
        """From the player's listener: the child's clock stopped (told to, or its output failed);
        a confirmation for an earlier run of this clock, or another clock's, is not this run's end."""
        with self._lock:
            if run != self._run:
                return
            self._running = False
            self.error, self.sent_late_s = error, late
            self._stopped.set()

    def child_gone(self) -> None:
        """From the player's listener: the child ended; a clock still meant to run says so."""
        with self._lock:
            if self._running:
                self._running, self.error = False, GONE
            self._stopped.set()


def clock_master(output: Output, bpm: float = 120.0) -> ClockSender | ProcessClock:
    """The clock master for an output: in the player's process when the output is a ProcessPlayer,
    else a ClockSender in this process."""
    return output.clock(bpm) if isinstance(output, ProcessPlayer) else ClockSender(output, bpm)


class _Child:
    """The child's side: one port, one Player at a time, a watcher on the port, and replies to
    the parent. Commands arrive on the main thread; the watcher and the player call back from
    theirs."""

    def __init__(self, port: OutputPort, realtime: bool, write: Any) -> None:
        self.port, self.realtime, self._write = port, realtime, write
        self._write_lock = threading.Lock()
        self._lock = threading.Lock()
        self.notes: queue.Queue = queue.Queue()
        self.player: Player | None = None
        self._lost: str | None = None  # why the current run stopped, when the port went away
        self.watcher = PortWatcher(port, self.port_lost, self.port_back)
        self.clock = ClockSender(port, realtime=realtime, on_error=self._clock_failed)
        self.clock_run = 0  # the parent's number for the clock's current run

    def _clock_failed(self, sentence: str) -> None:
        self.reply(("clock", self.clock_run, sentence, list(self.clock.sent_late_s)))

    def port_back(self) -> None:
        """From the watcher: the port is joined again. A clock held while it was away says where
        the song is (Song Position and Continue) before its pulses go on."""
        if self.clock.playing:
            self.clock.resync()
        self.reply(("back", back_sentence(self.port), self.port.name))

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
            lost, at = self._lost, player.song_position()
            self.reply(("finished", run, lost or error, list(player.sent_late_s), player.realtime_granted,
                        at if lost else None))
        return finished

    def port_lost(self, sentence: str) -> None:
        """From the watcher: stop at once (every note-off that can still go), say where, and
        tell the parent the port is gone whether or not it played."""
        with self._lock:
            player = self.player
            if player is None or not player.playing:
                player = None
            else:
                self._lost = sentence
        if player is not None:
            player.stop()
        self.clock.hold()  # the song goes on; the pulses wait for the port (see port_back)
        self.reply(("lost", sentence))

    def handle(self, command: tuple) -> None:
        kind = command[0]
        if kind == "start":
            _, run, tempo, start_tick, anchor, loop = command
            self.notes.put(_END)  # a previous run's feeder, if still waiting, ends
            self.notes = queue.Queue()
            with self._lock:
                self._lost = None
                self.player = Player(self.port, realtime=self.realtime)
            self.player.on_finish = self._finished(run, self.player)
            # The parent's start time, on the clock both processes share.
            self.player.start(self._streamed(self.notes), tempo, start_tick,
                              lead_in_s=anchor - time.perf_counter(), loop=loop)
        elif kind == "note":
            self.notes.put(Note(*command[1:]))
        elif kind == "end":
            self.notes.put(_END)
        elif kind == "fail":
            self.notes.put(RuntimeError(command[1]))
        elif kind == "align" and self.player is not None:
            self.player.align(*command[1:])
        elif kind == "now":
            with contextlib.suppress(OSError, PortError, ValueError):  # a lost port drops it
                self.port.send(mido.Message.from_bytes(command[1]))
        elif kind == "stop" and self.player is not None:
            self.notes.put(_END)
            self.player.stop()
        elif kind == "clock_start":
            line: PulseLine = command[1]
            if self.clock.playing:  # the parent forgot to stop it
                self.clock.stop()
            self.clock_run = command[2]
            self.clock.follow(line)
            self.clock.start(line.pulse * TICKS_PER_PULSE, at=line.seconds)
        elif kind == "clock_tempo":
            self.clock.follow(command[1])
        elif kind == "clock_stop":
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
    child.watcher.start()
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
        child.watcher.stop()
        if child.clock.playing:
            child.clock.stop()
        if child.player is not None:
            child.player.stop()
        port.close()


def serve_stdio() -> int:
    """The child's entry: commands on stdin, replies on stdout."""
    _serve(sys.stdin.buffer, sys.stdout.buffer)
    with contextlib.suppress(OSError):  # nothing left for a parent that has gone: no flush at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    raise SystemExit(serve_stdio())
