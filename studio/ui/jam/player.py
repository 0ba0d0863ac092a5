"""The window's player as a jam borrows it (studio.midi's RealTimePlayer protocol): each answer is a
run of the player of the window's session at the time, and, with the metronome on, the same
player plays the clicks on every beat of the jam's time source.

The player plays one run at a time, so the clicks are part of every run: between answers a run
of clicks alone, and in an answer's run the clicks merged with the answer's notes, which a
thread of their own draws from the engine, so that a note the model is still making never holds
a click back. An answer stopped early (the musician plays again) takes its run with it; a thread
that keeps the clicks going starts a run of clicks again once the stopped run's note-offs are
out, keeps every run on the time source's beat (a DAW's tempo, a tempo edit), and stops the
clicks when the time source stops.

The session is asked for at each run, so a MIDI output chosen mid-jam is followed: the run on the
old one ended there with its notes (the session closing ends them), its end is no error of the
jam's, and what plays next goes to the new one. `close` ends the jam's playing without waiting:
the player ends its notes on its own thread or process, and nothing of this jam plays after it,
nor does it touch a play that follows on the same player (which starts after those note-offs).
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from studio.core.notes import TICKS_PER_QUARTER, Note, TimeSignature
from studio.live.play_plan import OPEN_END, metronome
from studio.live.time_source import SYNC_S, LiveError, TimeSource
from studio.midi.player import RealTimePlayer
from studio.midi.ports import PortError
from studio.midi.session import Session

CLICKS_AHEAD_TICKS = TICKS_PER_QUARTER  # how far ahead of the player a click is handed to it
CLICK_LEAD_S = 0.005  # a run of clicks starts this far ahead of now
POLL_S = 0.002  # how often `wait` looks
ENDED_S = 0.01  # an answer's last note-off is out this long after its deadline


@dataclass
class _Run:
    """One run of the player for the jam: an answer (`answer`), or the clicks alone."""

    session: Session
    player: RealTimePlayer
    answer: bool
    clicked: bool  # the clicks are in it (then it goes on after the answer's last note)
    halt: threading.Event = field(default_factory=threading.Event)
    drawn: bool = False  # every note of the answer has come from the engine
    end: int = 0  # where the answer's notes so far end


class WindowPlayer:
    """The window's session's player lent to one jam; `session()` is asked at each run, and the
    clicks, once `set_clicks` turns them on, fall on the beats of `metre` on `source`."""

    def __init__(self, session: Callable[[], Session], source: TimeSource, metre: TimeSignature) -> None:
        self._session, self._source, self._metre = session, source, metre
        self._lock = threading.Lock()
        self._run: _Run | None = None
        self._ending: RealTimePlayer | None = None  # the player of the run stopped last
        self._clicked_to: float | None = None  # where the clicks of the run stopped last had got to
        self._closed = threading.Event()
        self._clicking = False
        self._keeper: threading.Thread | None = None

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    # -- the RealTimePlayer protocol, for the jam's answers ----------------------------------
    @property
    def error(self) -> str | None:
        """Why the run playing (or the last one) ended early; None for a run on an output that
        is no longer the window's (it was changed: that is no error of the jam's)."""
        run = self._run
        if run is None or run.session is not self._session():
            return None
        return run.player.error

    @property
    def playing(self) -> bool:
        """An answer is playing (its last note has not ended yet)."""
        run = self._run
        return run is not None and run.answer and self._sounding(run)

    def start(self, notes: Iterable[Note], tempo: float, start_tick: int = 0, *,
              lead_in_s: float = 0.005) -> None:
        """Play an answer (in its run, the clicks too), stopping the run playing; nothing once
        the jam has stopped."""
        with self._lock:
            if not self.closed:
                self._halt()
                self._begin(notes, tempo, start_tick, lead_in_s)

    def align(self, bpm: float, seconds: float, tick: float) -> None:
        with self._lock:
            run = self._run
            if run is not None and run.answer:  # a stopped answer's late re-alignments are dropped
                run.player.align(bpm, seconds, tick)

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the answer playing (every note of it off), and with a timeout wait for that."""
        with self._lock:
            run = self._run
            if run is not None and run.answer:
                self._halt()
        if timeout:
            self.wait(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no answer plays and the run stopped last has turned its notes off."""
        end = None if timeout is None else time.perf_counter() + timeout
        while self.playing or not self._ended():
            if end is not None and time.perf_counter() >= end:
                return False
            time.sleep(POLL_S)
        return True

    # -- the jam's own controls ------------------------------------------------------------
    def set_clicks(self, on: bool) -> None:
        """The metronome on or off: clicks on every beat while the time source plays."""
        with self._lock:
            self._clicking = on
            if on and self._keeper is None and not self.closed:
                self._keeper = threading.Thread(target=self._keep_clicking, daemon=True,
                                                name="continuo-jam-clicks")
                self._keeper.start()

    def close(self) -> None:
        """The jam stops: stop what plays without waiting for its note-offs, and play no more."""
        with self._lock:
            self._closed.set()
            self._halt()

    # -- runs --------------------------------------------------------------------------------
    def _begin(self, notes: Iterable[Note] | None, tempo: float, start_tick: int, lead_in_s: float) -> None:
        """Start a run: an answer's notes, or (None) the clicks alone (the lock is held)."""
        session = self._session()
        run = _Run(session, session.player(), notes is not None, clicked=self._clicking)
        stream = self._with_clicks(run, notes, self._first_click(start_tick)) if run.clicked else notes or ()
        try:
            run.player.start(stream, tempo, start_tick, lead_in_s=lead_in_s, on_finish=lambda _: None)
        except PortError as err:  # the player's process has ended: the jam says so
            raise LiveError(str(err)) from None
        self._run, self._ending = run, None

    def _halt(self) -> None:
        """Stop the run playing, without waiting (the lock is held)."""
        run, self._run = self._run, None
        if run is not None:
            run.halt.set()
            self._clicked_to = run.player.position() if run.clicked and run.player.playing else None
            run.player.stop(timeout=0)
            self._ending = run.player

    def _first_click(self, start_tick: int) -> int:
        """Where a run's clicks begin: right after the last run's, when that one stopped just now
        (so no beat falls between two runs), else at the run's start (the lock is held)."""
        before, self._clicked_to = self._clicked_to, None
        if before is not None and 0 <= start_tick - before < CLICKS_AHEAD_TICKS:
            return int(before) + 1
        return start_tick

    def _ended(self) -> bool:
        """The run stopped last has turned its notes off. Once the jam is closed the player may
        play the next play already: it turns the jam's notes off before that one's first note, so
        there is nothing to wait for there."""
        ending = self._ending
        return ending is None or self.closed or ending.wait(0)

    @staticmethod
    def _sounding(run: _Run) -> bool:
        """The run's answer still sounds (a run of clicks goes on after it)."""
        if not run.player.playing:
            return False
        return not (run.clicked and run.drawn
                    and time.perf_counter() >= run.player.time_of(run.end) + ENDED_S)

    def _with_clicks(self, run: _Run, notes: Iterable[Note] | None, start_tick: int) -> Iterator[Note]:
        """A run's stream: clicks on every beat from start_tick, each handed over a beat before it
        is due, and the answer's notes as they come."""
        arrived: queue.Queue = queue.Queue()
        if notes is None:
            run.drawn = True
        else:
            threading.Thread(target=self._draw, args=(run, notes, arrived), daemon=True,
                             name="continuo-jam-answer").start()
        clicks = metronome(start_tick, OPEN_END, self._metre)
        click = next(clicks)
        while not run.halt.is_set():
            if click.start <= run.player.position() + CLICKS_AHEAD_TICKS:
                yield click
                click = next(clicks)
                continue
            with contextlib.suppress(queue.Empty):
                item = arrived.get(timeout=POLL_S * 5)
                if isinstance(item, Exception):
                    raise item
                yield item

    @staticmethod
    def _draw(run: _Run, notes: Iterable[Note], arrived: queue.Queue) -> None:
        """On a thread of its own: the answer's notes, from the engine to the run's stream."""
        try:
            for note in notes:
                if run.halt.is_set():
                    return
                run.end = max(run.end, note.end)
                arrived.put(note)
        except Exception as err:  # the engine failed: the run ends and says why, as a player does
            arrived.put(err)
        finally:
            run.drawn = True

    def _keep_clicking(self) -> None:
        """While the jam lasts: a run of clicks whenever nothing else plays and the time
        source moves, every run kept on its beat, and no clicks while it stands still."""
        while not self._closed.wait(SYNC_S):
            line = self._source.timeline()
            moving = line is not None and line.playing
            with self._lock:
                run = self._run
                if self.closed:
                    return
                if run is not None:
                    stale = run.session is not self._session()  # another output was chosen
                    if not run.player.playing and run.player.error is not None and not stale:
                        continue  # its output failed: the jam says why
                    unwanted = run.clicked and not self._clicking and not (run.answer and self._sounding(run))
                    if stale or not moving or not run.player.playing or unwanted:
                        self._halt()
                    else:
                        run.player.align(line.bpm, line.seconds, line.tick)
                        continue
                if moving and self._clicking and self._ended():
                    with contextlib.suppress(LiveError):  # the player's process is being started again
                        now = time.perf_counter()
                        self._begin(None, line.bpm, int(line.tick_at(now + CLICK_LEAD_S)), CLICK_LEAD_S)
                        self._run.player.align(line.bpm, line.seconds, line.tick)
