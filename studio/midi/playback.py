"""Playback on a real port that may go away: the player plus a port watcher. When the port
disappears the player stops at once (sending every note-off it can), the user is told in one
sentence, and once the port is back and joined again, playback goes on from where it stopped.

`continuo play` uses it; the player itself knows nothing of ports. (ProcessPlayer watches its
port in its child process the same way.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from studio.core.notes import Note
from studio.midi.player import Player, song_tick
from studio.midi.port_watch import PortWatcher, back_sentence
from studio.midi.ports import OutputPort


class PortPlayback:
    """Plays a clip's notes on `port`; `on_message(sentence)` hears of the port's loss and return.
    `wait` returns True once playback has ended for good (not while it waits for the port);
    `error` then says why it ended early, if it did."""

    def __init__(self, port: OutputPort, *, on_message: Callable[[str], None] = print,
                 resume: bool = True, realtime: bool = False) -> None:
        self.port, self.on_message, self.resume = port, on_message, resume
        self.player = Player(port, on_finish=self._finished, realtime=realtime)
        self._ended = threading.Event()
        self._lock = threading.Lock()
        self._args: tuple[Sequence[Note], float, tuple[int, int] | None] | None = None
        self._lost_at: float | None = None
        self._stopping = False
        self._waiting = False
        self.watcher = PortWatcher(port, self._lost, self._back)

    @property
    def waiting_for_port(self) -> bool:
        """True once the port went away and the player has stopped, until it is back."""
        return self._waiting

    @property
    def error(self) -> str | None:
        return self.player.error

    def play(self, notes: Sequence[Note], tempo: float, start_tick: int = 0,
             loop: tuple[int, int] | None = None, lead_in_s: float = 0.005) -> None:
        """Start playing (see Player.start); the port is watched from now on."""
        with self._lock:
            self._args, self._stopping, self._lost_at = (notes, tempo, loop), False, None
        self._ended.clear()
        self.player.start(notes, tempo, start_tick, loop=loop, lead_in_s=lead_in_s)
        if not self.watcher.running:
            self.watcher.start()

    def stop(self) -> None:
        """Stop: every sounding note is turned off, and a lost port no longer resumes this run."""
        with self._lock:
            self._stopping = True
            self._lost_at = None
        self.player.stop()
        self._ended.set()

    def close(self) -> None:
        """Stop and stop watching; the port itself stays open (its owner closes it)."""
        self.stop()
        self.watcher.stop()

    def wait(self, timeout: float | None = None) -> bool:
        return self._ended.wait(timeout)

    def _finished(self, _error: str | None) -> None:
        with self._lock:
            if self._lost_at is None or self._stopping:
                self._ended.set()

    def _lost(self, sentence: str) -> None:
        with self._lock:
            if self._stopping or not self.player.playing:
                return
            self._lost_at = self.player.song_position()
        self.player.stop()
        self._waiting = True
        self.on_message(sentence)
        if not self.resume:
            self._ended.set()

    def _back(self) -> None:
        with self._lock:
            if self._stopping or self._lost_at is None or self._args is None:
                return
            notes, tempo, loop = self._args
            tick, self._lost_at = int(song_tick(self._lost_at, loop)), None
            self._waiting = False
        self.on_message(back_sentence(self.port, resuming=self.resume))
        if self.resume:
            self.player.start(notes, tempo, tick, loop=loop)
