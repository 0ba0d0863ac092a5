"""An arrangement's timeline: the felt beat of each metre, a melody on the band's beats (onsets,
held notes, pickups), typed progressions and the chord lane read back per beat."""

from __future__ import annotations

import pytest

from studio.core.arrangement import (
    BeatGrid,
    ChordSpan,
    chord_lane,
    chords_per_beat,
    melody_beats,
    typed_lane,
)
from studio.core.chords import Chord, ChordError
from studio.core.notes import Clip, Note, TimeSignature


@pytest.mark.parametrize(("metre", "beat", "per_bar"), [
    ((4, 4), 480, 4), ((3, 4), 480, 3), ((2, 4), 480, 2), ((6, 8), 720, 2), ((12, 8), 720, 4),
    ((7, 8), 240, 7),
])
def test_the_felt_beat_of_each_metre(metre, beat: int, per_bar: int) -> None:
    grid = BeatGrid.of(TimeSignature(*metre))
    assert (grid.beat_ticks, grid.per_bar) == (beat, per_bar)


def test_a_melody_lands_on_its_beats_with_held_notes_and_a_pickup() -> None:
    notes = [Note(1440, 67, 480), Note(1920, 72, 960), Note(2880, 71, 240), Note(3000, 69, 240)]
    beats = melody_beats(Clip(notes, 120.0, TimeSignature(4, 4)))
    assert len(beats) == 8 and [b.beat for b in beats[:5]] == [0, 1, 2, 3, 0]
    assert beats[3].melody == [(0, 67)] and beats[4].melody == [(0, 72)]
    assert beats[5].held == 0 and beats[5].melody == []  # the C still sounds
    assert beats[6].melody == [(0, 71), (1, 69)]
    assert all(not b.melody for b in beats[:3])  # the pickup bar's rests


def test_typed_progressions_fill_the_bars() -> None:
    grid = BeatGrid.of(TimeSignature(4, 4))
    lane = typed_lane("C G Am F", 6, grid)
    assert [(s.start, s.length, s.chord.name) for s in lane][:2] == [(0, 1920, "C"), (1920, 1920, "G")]
    assert [s.chord.name for s in lane] == ["C", "G", "Am", "F", "C", "G"]
    two = typed_lane("C G | Am F", 2, grid)
    assert [(s.start, s.chord.name) for s in two] == [(0, "C"), (960, "G"), (1920, "Am"), (2880, "F")]
    with pytest.raises(ChordError):
        typed_lane("C Q7", 2, grid)


def test_the_lane_merges_runs_and_reads_back_per_beat() -> None:
    grid = BeatGrid.of(TimeSignature(3, 4))
    c, g = Chord(0, "maj"), Chord(7, "7")
    lane = chord_lane([c, c, c, g, g, Chord.none()], grid)
    assert lane == [ChordSpan(0, 1440, c), ChordSpan(1440, 960, g)]
    assert chords_per_beat(lane, 6, grid) == [c, c, c, g, g, None]
