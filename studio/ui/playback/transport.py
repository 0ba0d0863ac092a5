"""Transport: play, stop, loop and metronome through the session's real-time player (studio.midi
.session: in the player's own process, where neither the GUI nor the engine can delay a note, or
in this one). The GUI thread only starts and stops it and reads its position on a timer for the
playhead and the lit keys, which follow the notes' scheduled ticks on the clock every process
shares. Every play makes a play plan (studio.live.play_plan: optional count-in bar, the first
pass from the playhead, then the loop region over and over), streamed to the player lazily from
the player's feeder thread, a couple of bars ahead, so a loop never ends and never piles up.
Stopping never waits on the GUI thread: the player ends its notes by itself, and panic sends
all-notes-off everywhere. When the output goes away mid-play (or another is chosen), the
transport stops and its `resume` (studio.live.resume) remembers where, so playback can go on
from there once an output is ready. A play can `follow` an outside timeline (a DAW's MIDI clock,
Ableton Link, or the clock Continuo sends as master): a thread of ours re-aligns the player to it
every few milliseconds, and the play ends when that timeline stops.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from PySide6.QtCore import QObject, QTimer, Signal

from studio.core.notes import DRUM_CHANNEL, Note, TimeSignature
from studio.live.play_plan import PlayPlan, make_plan, paced, plan_notes
from studio.live.resume import Resume
from studio.live.time_source import LEAD_IN_S, SYNC_S, Follow
from studio.midi.player import PANIC, RealTimePlayer, all_notes_off
from studio.midi.ports import PortError
from studio.midi.session import Session

PLAYHEAD_MS = 30
FIRST_PULSE_S = 1.0  # how long a followed timeline may take to begin moving after a play starts


def _while_alive(emit: Callable[..., None]) -> Callable[..., None]:
    """A signal's emit for another thread to call that does nothing once the QObject is gone
    (the window closed while the player was still ending its notes)."""
    def call(*args: object) -> None:
        with contextlib.suppress(RuntimeError):
            emit(*args)
    return call


class _Lights:
    """What the keyboard lights during a play: each note's start and end (clicks aside), noted on
    the feeder's thread as the note passes to the player, and read on the GUI thread against the
    player's position. No message has to come back from the player, wherever it runs."""

    def __init__(self) -> None:
        self._events: list[tuple[int, int, int, int, int]] = []  # (tick, on, seq, pitch, velocity)
        self._order = itertools.count()
        self._lock = threading.Lock()
        self._lit: Counter[int] = Counter()

    def passing(self, notes: Iterable[Note]) -> Iterator[Note]:
        for note in notes:
            if note.channel != DRUM_CHANNEL:
                with self._lock:
                    on = (note.start, 1, next(self._order), note.pitch, note.velocity)
                    heapq.heappush(self._events, on)
                    heapq.heappush(self._events, (note.end, 0, next(self._order), note.pitch, 0))
            yield note

    def due(self, tick: float) -> list[tuple[int, int]]:
        """(pitch, velocity) for each start and end up to `tick`, in order (velocity 0: ended)."""
        changes = []
        with self._lock:
            while self._events and self._events[0][0] <= tick:
                _, _, _, pitch, velocity = heapq.heappop(self._events)
                if velocity:
                    self._lit[pitch] += 1
                elif self._lit[pitch] > 0:
                    self._lit[pitch] -= 1
                else:
                    continue
                changes.append((pitch, velocity))
        return changes

    def out(self) -> list[int]:
        """The pitches still lit, now turned off; nothing more is lit after this."""
        with self._lock:
            self._events.clear()
            lit, self._lit = +self._lit, Counter()
        return sorted(lit)


class Transport(QObject):
    """Plays notes on the player of the session that `session()` returns.

    Owns: the play running (its plan, its halt, its lit keys), the playhead timer, `resume`.
    Thread: GUI; the player ends on its own thread (or process) and reports through `_ended`.
    Signals: `playing_changed(bool)`, `position_changed(tick)` (clip ticks, every ~30 ms while
    playing), `error(sentence)`, `sounding(pitch, velocity)` for each note played (velocity 0:
    it ended; clicks aside), `finished()` just before a play that reached its end stops (not
    one stopped, one whose output went away, nor one following a timeline that stopped)."""

    playing_changed = Signal(bool)
    finished = Signal()
    position_changed = Signal(int)
    error = Signal(str)
    sounding = Signal(int, int)
    # this play's token, error sentence or None, the stream tick where a lost output stopped it
    _ended = Signal(object, object, object)

    def __init__(self, session: Callable[[], Session], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._player: RealTimePlayer | None = None
        self._plan: PlayPlan | None = None
        self._halt: threading.Event | None = None
        self._follow: Follow | None = None
        self._lights = _Lights()
        self._token = object()
        self.resume = Resume()  # where a lost (or replaced) output stopped playback, in clip ticks
        self._timer = QTimer(self)
        self._timer.setInterval(PLAYHEAD_MS)
        self._timer.timeout.connect(self._tick)
        self._ended.connect(self._on_ended)

    @property
    def playing(self) -> bool:
        return self._player is not None

    @property
    def plan(self) -> PlayPlan | None:
        return self._plan

    def position(self) -> int | None:
        """The clip tick playing now, or None when stopped."""
        if self._player is None or self._plan is None:
            return None
        return int(self._plan.clip_tick(self._player.position()))

    @property
    def following(self) -> bool:
        """Playing on an outside timeline (its tempo rules, not the clip's)."""
        return self._player is not None and self._follow is not None

    def play(self, notes: Iterable[Note], tempo: float, time_signature: TimeSignature, start: int = 0, *,
             loop: tuple[int, int] | None = None, clicks: bool = False, count_in: bool = False,
             open_end: bool = False, follow: Follow | None = None) -> None:
        """Start playing (stopping what plays). With a loop or an open end (recording),
        playback goes on until stopped; with `follow`, at the outside timeline's tempo and
        position until it stops (and without a count-in: the DAW has its own)."""
        self.stop()
        if follow is not None:
            count_in = False
            line = follow.source.timeline()
            tempo = line.bpm if line is not None else tempo
        notes = list(notes)
        plan = make_plan(notes, time_signature, start, loop=loop, clicks=clicks, count_in=count_in,
                         open_end=open_end)
        halt, token, lights = threading.Event(), object(), _Lights()
        player = self._session().player()
        ended = _while_alive(self._ended.emit)
        stream = lights.passing(plan_notes(notes, plan, time_signature, clicks, paced(player, halt)))
        self._player, self._plan, self._halt = player, plan, halt
        self._token, self._lights, self._follow = token, lights, follow
        lead_in = follow.lead_in_s if follow is not None else LEAD_IN_S
        try:
            player.start(stream, tempo, 0, lead_in_s=lead_in,
                         on_finish=lambda err: ended(token, err, player.stopped_at))
        except PortError as err:  # the player's process has ended: the output says so as well
            self._stop()
            self.error.emit(str(err))
            return
        if follow is not None:
            self._align(player, follow)  # on the source's beat from the first note, if it moves
            threading.Thread(target=self._follow_source, daemon=True, name="continuo-follow",
                             args=(player, follow, halt, lambda: ended(token, None, None))).start()
        self._timer.start()
        self.playing_changed.emit(True)

    def stop(self, wait: bool = False) -> None:
        """Stop now: the player ends its notes on its own thread (or process); nothing waits
        here, unless `wait` (at exit, so that every note-off has gone out before the process
        ends). A stop also forgets where a lost output stopped playback."""
        self.resume.forget()
        self._stop(wait)

    def port_lost(self) -> None:
        """The output is going (another was chosen): stop, and remember where for the new one."""
        position = self.position()
        if position is not None:
            self._stop()
            self.resume.lost(position)

    def _stop(self, wait: bool = False) -> None:
        if self._player is None:
            return
        player, self._player = self._player, None
        if self._halt is not None:
            self._halt.set()
        self._show(self._lights.due(player.position()) + [(p, 0) for p in self._lights.out()])
        player.stop(timeout=2.0 if wait else 0)
        self._timer.stop()
        self.position_changed.emit(-1)
        self.playing_changed.emit(False)

    def set_tempo(self, bpm: float) -> None:
        """The clip's tempo changed: playback follows it (unless an outside timeline rules)."""
        if self._player is not None and self._follow is None:
            self._player.set_tempo(bpm)

    @staticmethod
    def _align(player: RealTimePlayer, follow: Follow) -> bool:
        """Put the player on the source's timeline now; False (and nothing done) while the
        source is not moving."""
        line = follow.source.timeline()
        if line is None or not line.playing:
            return False
        player.align(line.bpm, line.seconds, line.tick - follow.offset)
        return True

    @classmethod
    def _follow_source(cls, player: RealTimePlayer, follow: Follow, halt: threading.Event,
                       stopped: Callable[[], None]) -> None:
        """On a thread of its own: keep the player on the source's timeline until this play
        stops; when the source stops (or never starts), end the play."""
        moving, waited = False, 0.0
        while not halt.wait(SYNC_S):
            if cls._align(player, follow):
                moving = True
                continue
            waited += SYNC_S
            if moving or waited > FIRST_PULSE_S:
                stopped()  # the DAW stopped: so do we, every note turned off
                return

    def panic(self) -> None:
        """Stop, then all-notes-off, all-sound-off and controller reset on all 16 channels."""
        self.stop()
        session = self._session()
        for message in all_notes_off(controls=PANIC):
            session.send(message)

    def _show(self, changes: list[tuple[int, int]]) -> None:
        for pitch, velocity in changes:
            self.sounding.emit(pitch, velocity)

    def _tick(self) -> None:
        if self._player is None or self._plan is None:
            return
        stream = self._player.position()
        self._show(self._lights.due(stream))
        self.position_changed.emit(int(self._plan.clip_tick(stream)))

    def _on_ended(self, token: object, error: str | None, stopped_at: float | None) -> None:
        if token is not self._token:  # an earlier play's end
            if error:
                self.error.emit(error)
            return
        if stopped_at is not None and self._plan is not None:  # the output says so itself
            where = int(self._plan.clip_tick(stopped_at))
            self._stop()
            self.resume.lost(where)
            return
        if error:
            self.error.emit(error)
        elif self._follow is None:  # a followed play ends when its timeline stops, not at an end
            self.finished.emit()
        self._stop()  # it played to the end
