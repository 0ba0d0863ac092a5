"""The play plan: where a play goes, and the stream of notes that makes it, with no Qt and no
port, so the window's transport and `continuo play` loop and count in the same way.

A plan starts at a clip tick, after an optional count-in bar of clicks, and plays to the end of
the material, or round a loop region over and over. `plan_notes` turns notes and a plan into
the one endless (or finite) stream the player gets, in stream ticks (stream 0 = the start of
the count-in): each pass's notes cut at the pass's end, clicks if asked (GM wood blocks on
channel 10), sorted by start. The stream is lazy and `paced` holds it a couple of bars ahead
of the player, so a loop never ends and never piles up.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from studio.core.notes import DRUM_CHANNEL, TICKS_PER_QUARTER, Note, TimeSignature
from studio.midi.player import RealTimePlayer

CLICK_ACCENT, CLICK_BEAT = 76, 77  # GM hi / low wood block
CLICK_TICKS = TICKS_PER_QUARTER // 8
AHEAD_TICKS = TICKS_PER_QUARTER * 8  # how far the stream runs ahead of the player
OPEN_END = 2**40  # the end of a play that goes on until stopped


@dataclass(frozen=True)
class PlayPlan:
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


def make_plan(notes: Iterable[Note], time_signature: TimeSignature, start: int = 0, *,
              loop: tuple[int, int] | None = None, clicks: bool = False, count_in: bool = False,
              open_end: bool = False) -> PlayPlan:
    """The plan of a play from `start`: an empty loop region loops nothing, a start outside the
    loop moves to its start, a metronome keeps going to the end of the bar after the notes, and
    an open end (recording) goes on until stopped."""
    if loop is not None and loop[1] <= loop[0]:
        loop = None
    elif loop is not None and not loop[0] <= start < loop[1]:
        start = loop[0]
    end = max((n.end for n in notes if n.start >= start), default=start)
    if open_end:
        end = OPEN_END
    elif clicks and loop is None:
        bar = time_signature.bar_ticks
        end = -(-max(end, start + 1) // bar) * bar
    return PlayPlan(start, end, time_signature.bar_ticks if count_in else 0, loop)


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


def plan_notes(notes: Iterable[Note], plan: PlayPlan, time_signature: TimeSignature,
               clicks: bool, wait: Callable[[int], bool] = lambda tick: True) -> Iterator[Note]:
    """The stream of a plan: the count-in's clicks, then each pass's notes (cut at the pass's
    end) with clicks if asked, sorted by start. `wait(stream_tick)` is called before each
    section and each note and may hold the stream back; False ends it."""
    ordered = sorted(notes)
    count_in = [(0, metronome(0, plan.count_in, time_signature))] if plan.count_in else []
    passes = ((stream, _pass(ordered, low, high, stream, time_signature, clicks))
              for low, high, stream in plan.passes())
    for stream, section in itertools.chain(count_in, passes):
        if not wait(stream):
            return
        for note in section:
            if not wait(note.start):
                return
            yield note
    wait(plan.count_in + plan.end - plan.start)  # an open end holds until stopped


def paced(player: RealTimePlayer, halt: threading.Event) -> Callable[[int], bool]:
    """A `wait` for plan_notes: holds the stream (on the player's feeder thread) until the player
    is a few bars from a tick; False once `halt` is set (the play was stopped)."""
    def wait(tick: int) -> bool:
        while tick > player.position() + AHEAD_TICKS:
            if halt.wait(0.02):
                return False
        return not halt.is_set()
    return wait
