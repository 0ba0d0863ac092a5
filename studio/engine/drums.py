"""Drum patterns: the Drums part is pattern-based, not learned (POP909 has no drum track).

A library of grooves per style and bar length (in felt beats), played on the General MIDI kit
on channel 10: a basic groove, a busier one when the band is dense (many comping onsets in a
bar), a fill on the last beat of each phrase (every four bars) with a crash on the next
downbeat, and the kick meeting the bass where the bass plays on a beat or half-beat.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.core.arrangement import BeatGrid
from studio.core.band_encoding import BandBeat
from studio.core.notes import DRUM_CHANNEL, Note

KICK, SNARE, CLOSED_HAT, OPEN_HAT, CRASH, RIDE = 36, 38, 42, 46, 49, 51
LOW_TOM, MID_TOM, HIGH_TOM = 45, 47, 50
PHRASE_BARS = 4
HIT_TICKS = 60  # a drum hit's note length (drums ring by themselves)


@dataclass(frozen=True)
class Groove:
    """One bar: (beat, sub-step, drum, velocity) hits."""

    hits: tuple[tuple[int, int, int, int], ...]


def _backbeat(per_bar: int, hat_subs: tuple[int, ...]) -> Groove:
    """Kick on the first beat (and the middle one in even bars), snare on the others' backbeats,
    hats on the given sub-steps of every beat."""
    hits = []
    for beat in range(per_bar):
        if beat == 0 or (per_bar % 2 == 0 and beat == per_bar // 2):
            hits.append((beat, 0, KICK, 100))
        elif per_bar == 3 or beat % 2 == 1:
            hits.append((beat, 0, SNARE, 92))
        for sub in hat_subs:
            hits.append((beat, sub, CLOSED_HAT, 72 if sub else 84))
    return Groove(tuple(hits))


# style -> the hi-hat's sub-steps per beat in its basic and its busy groove
HATS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "pop": ((0, 2), (0, 1, 2, 3)),
    "folk": ((0,), (0, 2)),
}


def groove(style: str, per_bar: int, busy: bool) -> Groove:
    """The groove for a style and a bar of `per_bar` beats (pop's when the style has none)."""
    basic, dense = HATS.get(style, HATS["pop"])
    return _backbeat(per_bar, dense if busy else basic)


def fill(per_bar: int) -> list[tuple[int, int, int, int]]:
    """The last beat of a phrase: sixteenths down the toms to the snare."""
    beat = per_bar - 1
    return [(beat, 0, SNARE, 96), (beat, 1, HIGH_TOM, 90), (beat, 2, MID_TOM, 94), (beat, 3, LOW_TOM, 100)]


def drum_bar(bar_beats: list[BandBeat], bar: int, bars: int, grid: BeatGrid, style: str = "pop",
             velocity: int = 100) -> list[Note]:
    """Bar `bar` (of `bars`) of the Drums part under a band's beats: their comping decides the
    density, their bass the extra kicks; a phrase's last bar ends in a fill, the next starts
    with a crash."""
    per_bar = grid.per_bar
    busy = sum(len(b.comp) for b in bar_beats) >= 2 * per_bar
    hits = list(groove(style, per_bar, busy).hits)
    last_of_phrase = (bar + 1) % PHRASE_BARS == 0 and bar + 1 < bars
    if last_of_phrase:
        hits = [h for h in hits if h[0] != per_bar - 1] + fill(per_bar)
    if bar % PHRASE_BARS == 0 and bar > 0:
        hits.append((0, 0, CRASH, 100))
    for i, beat in enumerate(bar_beats):  # the kick meets the bass on beats and half-beats
        for sub, _ in beat.bass:
            if sub % 2 == 0 and not (last_of_phrase and i == per_bar - 1):
                hits.append((i, sub, KICK, 90))
    notes, seen = [], set()
    for beat, sub, drum, vel in sorted(hits):
        if beat >= len(bar_beats) or (beat, sub, drum) in seen:
            continue
        seen.add((beat, sub, drum))
        tick = grid.tick(bar * per_bar + beat, sub)
        notes.append(Note(tick, drum, HIT_TICKS, max(1, min(127, vel * velocity // 100)), DRUM_CHANNEL))
    return notes


def drum_part(beats: list[BandBeat], grid: BeatGrid, style: str = "pop", velocity: int = 100) -> list[Note]:
    """The whole Drums part under a band's beats."""
    bars = -(-len(beats) // grid.per_bar)
    return [note for bar in range(bars)
            for note in drum_bar(beats[bar * grid.per_bar:(bar + 1) * grid.per_bar], bar, bars, grid, style,
                                 velocity)]
