"""Transport: play, stop, loop and metronome through studio.midi's real-time player. On a real MIDI
port that is the ProcessPlayer, whose child process owns the port, so neither the GUI nor the
engine (both holding this process's GIL) can delay a note; on an in-process output (tests'
MemoryOutput, or where the child could not start) a Player thread. The GUI thread only starts
and stops it and reads its position on a timer for the playhead and the lit keys, which follow
the notes' scheduled ticks on the clock both processes share. Every play builds a timeline
(optional count-in bar, the first pass from the playhead, then the loop region over and over),
streamed to the player lazily from the player's feeder thread, a couple of bars ahead, so a loop
never ends and never piles up. Metronome clicks are GM wood blocks on channel 10. Stopping never
waits on the GUI thread: the old player finishes its note-offs by itself, and panic sends
all-notes-off everywhere. When the port goes away mid-play, the transport stops and remembers where
(`lost_at`), so playback can go on from there once it is back. A play can `follow` an outside
timeline (a DAW's MIDI clock, Ableton Link, or the clock Continuo sends as master): a thread of
ours re-aligns the player to it every few milliseconds, and the play ends when that timeline stops.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from studio.core.notes import DRUM_CHANNEL, TICKS_PER_QUARTER, Note, TimeSignature
from studio.live.transport import SYNC_S
from studio.live.transport import Transport as Source
from studio.midi.player import PANIC, Output, Player, all_notes_off
from studio.midi.player_process import ProcessPlayer
from studio.midi.ports import PortError

CLICK_ACCENT, CLICK_BEAT = 76, 77  # GM hi / low wood block
CLICK_TICKS = TICKS_PER_QUARTER // 8
PLAYHEAD_MS = 30
AHEAD_TICKS = TICKS_PER_QUARTER * 8  # how far the stream runs ahead of the player
OPEN_END = 2**40  # the end of a play that goes on until stopped
FIRST_PULSE_S = 1.0  # how long a followed timeline may take to begin moving after a play starts
LEAD_IN_S = 0.005  # from a play's start to its first tick, when no followed timeline says otherwise


@dataclass(frozen=True)
class Follow:
    """Keep a play on an outside timeline: the play's first tick (after no count-in) falls on
    `source`'s tick `offset`; `lead_in_s` is how far ahead that is when the source is not moving
    yet (a DAW's Start arrives one clock pulse before its first beat)."""

    source: Source
    offset: float
    lead_in_s: float = LEAD_IN_S


@dataclass(frozen=True)
class Timeline:
    """Where a play goes: from `start` (clip ticks), after `count_in` ticks of clicks, to the
    end of the material, or round the loop [loop_start, loop_end) forever."""

    start: int
    end: int
    count_in: int = 0
    loop: tuple[int, int] | None = None

    def clip_tick(self, stream: float) -> float:
        """The clip tick heard at a stream tick (stream 0 = the start of the count-in)."""
        tick = self.start + max(0.0, stream - self.count_in)
        if self.loop is not None and tick >= self.loop[1]:
            low, high = self.loop
            tick = low + (tick - high) % (high - low)
        return tick

    def passes(self) -> Iterator[tuple[int, int, int]]:
        """(clip from, clip to, stream tick of clip from) for each pass, endless with a loop."""
        if self.loop is None:
            yield self.start, self.end, self.count_in
            return
        low, high = self.loop
        yield self.start, high, self.count_in
        stream = self.count_in + high - self.start
        while True:
            yield low, high, stream
            stream += high - low


def metronome(start: int, end: int, time_signature: TimeSignature, bar_origin: int = 0) -> Iterator[Note]:
    """Clicks on every beat in [start, end) (stream ticks), accented on the bar's downbeat;
    bars counted from bar_origin."""
    beat, bar = time_signature.beat_ticks, time_signature.bar_ticks
    first = bar_origin + -(-(start - bar_origin) // beat) * beat
    for tick in range(first, end, beat):
        accent = (tick - bar_origin) % bar == 0
        yield Note(tick, CLICK_ACCENT if accent else CLICK_BEAT, CLICK_TICKS, 110 if accent else 80,
                   DRUM_CHANNEL)


def _pass(ordered: list[Note], low: int, high: int, stream: int, time_signature: TimeSignature,
          clicks: bool) -> Iterator[Note]:
    """One pass over the clip ticks [low, high), shifted to start at stream tick `stream`."""
    shift = stream - low
    played = (n.moved(start=n.start + shift, duration=min(n.end, high) - n.start)
              for n in ordered if low <= n.start < high)
    if not clicks:
        return played
    # the clicks follow the clip's bars: stream tick s is clip tick s - shift
    beats = metronome(stream, stream + high - low, time_signature, shift % time_signature.bar_ticks)
    return heapq.merge(played, beats)


def timeline_notes(notes: Iterable[Note], timeline: Timeline, time_signature: TimeSignature,
                   clicks: bool, wait: Callable[[int], bool] = lambda tick: True) -> Iterator[Note]:
    """The stream of a timeline: the count-in's clicks, then each pass's notes (cut at the
    pass's end) with clicks if asked, sorted by start. `wait(stream_tick)` is called before
    each section and each note and may hold the stream back; False ends it."""
    ordered = sorted(notes)
    count_in = [(0, metronome(0, timeline.count_in, time_signature))] if timeline.count_in else []
    passes = ((stream, _pass(ordered, low, high, stream, time_signature, clicks))
              for low, high, stream in timeline.passes())
    for stream, section in itertools.chain(count_in, passes):
        if not wait(stream):
            return
        for note in section:
            if not wait(note.start):
                return
            yield note
    wait(timeline.count_in + timeline.end - timeline.start)  # an open end holds until stopped


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
    """Plays notes to the output that `output()` returns: a ProcessPlayer (the player's process,
    owning the port) plays them itself, any other output gets a Player thread of ours. Signals:
    `playing_changed(bool)`, `position_changed(tick)` (clip ticks, every ~30 ms while playing),
    `error(sentence)`, `sounding(pitch, velocity)` for each note played (velocity 0: it ended;
    clicks aside)."""

    playing_changed = Signal(bool)
    position_changed = Signal(int)
    error = Signal(str)
    sounding = Signal(int, int)
    # this play's token, error sentence or None, the stream tick where a lost port stopped it
    _ended = Signal(object, object, object)

    def __init__(self, output: Callable[[], Output], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._output = output
        self._player: Player | ProcessPlayer | None = None
        self._timeline: Timeline | None = None
        self._halt: threading.Event | None = None
        self._follow: Follow | None = None
        self._lights = _Lights()
        self._token = object()
        self.lost_at: int | None = None  # the clip tick where the port went away mid-play
        self._timer = QTimer(self)
        self._timer.setInterval(PLAYHEAD_MS)
        self._timer.timeout.connect(self._tick)
        self._ended.connect(self._on_ended)

    @property
    def playing(self) -> bool:
        return self._player is not None

    @property
    def timeline(self) -> Timeline | None:
        return self._timeline

    def position(self) -> int | None:
        """The clip tick playing now, or None when stopped."""
        if self._player is None or self._timeline is None:
            return None
        return int(self._timeline.clip_tick(self._player.position()))

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
        if loop is not None and loop[1] <= loop[0]:
            loop = None  # an empty region loops nothing
        elif loop is not None and not loop[0] <= start < loop[1]:
            start = loop[0]
        end = max((n.end for n in notes if n.start >= start), default=start)
        if open_end:
            end = OPEN_END
        elif clicks and loop is None:  # a metronome keeps going to the end of the bar after the notes
            bar = time_signature.bar_ticks
            end = -(-max(end, start + 1) // bar) * bar
        timeline = Timeline(start, end, time_signature.bar_ticks if count_in else 0, loop)
        halt, token, lights = threading.Event(), object(), _Lights()
        output = self._output()
        child = output if isinstance(output, ProcessPlayer) else None
        ended = _while_alive(self._ended.emit)
        player = child or Player(output, on_finish=lambda err: ended(token, err, None))
        stream = lights.passing(timeline_notes(notes, timeline, time_signature, clicks,
                                               self._pacer(player, halt)))
        self._player, self._timeline, self._halt = player, timeline, halt
        self._token, self._lights, self._follow = token, lights, follow
        lead_in = follow.lead_in_s if follow is not None else LEAD_IN_S
        if child is not None:
            try:
                child.start(stream, tempo, 0, lead_in_s=lead_in,
                            on_finish=lambda err: ended(token, err, child.lost_at))
            except PortError as err:  # the child has ended: the output says so as well
                self._stop()
                self.error.emit(str(err))
                return
        else:
            player.start(stream, tempo, 0, lead_in_s=lead_in)
        if follow is not None:
            self._align(player, follow)  # on the source's beat from the first note, if it moves
            threading.Thread(target=self._follow_source, daemon=True, name="continuo-follow",
                             args=(player, follow, halt, lambda: ended(token, None, None))).start()
        self._timer.start()
        self.playing_changed.emit(True)

    def stop(self, wait: bool = False) -> None:
        """Stop now: the player ends its notes on its own thread (or process); nothing waits
        here, unless `wait` (at exit, so that every note-off has gone out before the process
        ends). A stop also forgets where a lost port stopped playback."""
        self.lost_at = None
        self._stop(wait)

    def port_lost(self) -> None:
        """The output went away: stop, and remember where for when it is back."""
        position = self.position()
        if position is not None:
            self._stop()
            self.lost_at = position

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
    def _align(player: Player | ProcessPlayer, follow: Follow) -> bool:
        """Put the player on the source's timeline now; False (and nothing done) while the
        source is not moving."""
        line = follow.source.timeline()
        if line is None or not line.playing:
            return False
        player.align(line.bpm, line.seconds, line.tick - follow.offset)
        return True

    @classmethod
    def _follow_source(cls, player: Player | ProcessPlayer, follow: Follow, halt: threading.Event,
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
        output = self._output()
        for message in all_notes_off(controls=PANIC):
            try:
                output.send(message)
            except OSError:
                return

    @staticmethod
    def _pacer(player: Player, halt: threading.Event) -> Callable[[int], bool]:
        """Holds the stream (on the player's feeder thread) until the player is a few bars
        from a tick; False once this play is stopped."""
        def wait(tick: int) -> bool:
            while tick > player.position() + AHEAD_TICKS:
                if halt.wait(0.02):
                    return False
            return not halt.is_set()
        return wait

    def _show(self, changes: list[tuple[int, int]]) -> None:
        for pitch, velocity in changes:
            self.sounding.emit(pitch, velocity)

    def _tick(self) -> None:
        if self._player is None or self._timeline is None:
            return
        stream = self._player.position()
        self._show(self._lights.due(stream))
        self.position_changed.emit(int(self._timeline.clip_tick(stream)))

    def _on_ended(self, token: object, error: str | None, lost_at: float | None) -> None:
        if token is not self._token:  # an earlier play's end
            if error:
                self.error.emit(error)
            return
        if lost_at is not None and self._timeline is not None:  # the output says so itself
            where = int(self._timeline.clip_tick(lost_at))
            self._stop()
            self.lost_at = where
            return
        if error:
            self.error.emit(error)
        self._stop()  # it played to the end

