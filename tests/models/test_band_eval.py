"""The arrangement metrics on hand-made cases: chord accuracy and harmony F1 against the
annotation, the melody's chord-tone ratio with passing tones, the drums' groove consistency,
and the rule harmoniser choosing the diatonic triad the melody sounds."""

from __future__ import annotations

import pytest

from models.band_eval import Case, beat_scores, ctnctr, groove_consistency, rule_harmoniser
from studio.core.arrangement import BeatGrid
from studio.core.chords import Chord
from studio.core.notes import Clip, Note, TimeSignature

C, F, G, AM = Chord(0, "maj"), Chord(5, "maj"), Chord(7, "maj"), Chord(9, "min")
FOUR = TimeSignature(4, 4)
GRID = BeatGrid.of(FOUR)


def _melody(pitches: list[int]) -> Clip:
    return Clip([Note(i * 480, p, 460, 90) for i, p in enumerate(pitches)], 120.0, FOUR)


def test_accuracy_and_f1_count_only_the_annotated_beats() -> None:
    case = Case("x", _melody([60, 64, 67, 72]), [C, C, None, G])
    scores = beat_scores(case, [C, AM, F, G], [0, 9, 5, 7], GRID)
    assert scores["beats"] == 3 and scores["chord_acc"] == pytest.approx(2 / 3)
    assert scores["majmin_acc"] == pytest.approx(2 / 3)
    # Am + A bass against C: {9, 0, 4} vs {0, 4, 7} share two of three
    assert scores["harmony_f1"] == pytest.approx((1 + 2 * 2 / 6 + 1) / 3)


def test_chord_tones_and_passing_tones() -> None:
    melody = _melody([60, 62, 64, 66])  # C, D (passing to E), E, F# (a stranger)
    assert ctnctr(melody, [C, C, C, C], GRID) == pytest.approx(3 / 4)
    assert ctnctr(melody, [None] * 4, GRID) == 0.0


def test_groove_consistency_is_one_for_a_repeated_bar() -> None:
    bar = [Note(t, 36, 60, 100, 9) for t in (0, 480, 960, 1440)]
    same = bar + [n.moved(start=n.start + 1920) for n in bar]
    assert groove_consistency(same, GRID, 2) == 1.0
    other = bar + [Note(1920 + 120, 36, 60, 100, 9)]
    assert groove_consistency(other, GRID, 2) == pytest.approx(1 - 5 / 16)


def test_the_rule_harmoniser_picks_the_triads_the_melody_spells() -> None:
    melody = _melody([60, 64, 67, 64, 65, 69, 72, 69, 67, 71, 74, 71])  # C C | F F | G G, half bars
    chords = rule_harmoniser(melody, GRID)
    assert chords[0] == C and chords[4] == F and chords[8] == G
    assert len(chords) == 12
