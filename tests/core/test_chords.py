"""Chord symbols: typed ones and POP909's annotations read the same way, name themselves back,
and the chord a set of sounding pitch classes spells is found."""

from __future__ import annotations

import pytest

from studio.core.chords import (
    QUALITIES,
    Chord,
    ChordError,
    best_chord,
    parse_annotation,
    parse_chord,
    parse_chords,
)


@pytest.mark.parametrize(("text", "root", "quality"), [
    ("C", 0, "maj"), ("Am7", 9, "min7"), ("F#m", 6, "min"), ("Bb7sus4", 10, "7sus4"), ("G/B", 7, "maj"),
    ("Ebmaj7", 3, "maj7"), ("Bdim", 11, "dim"), ("Bm7b5", 11, "hdim7"), ("C+", 0, "aug"), ("D9", 2, "7"),
])
def test_typed_symbols(text: str, root: int, quality: str) -> None:
    assert parse_chord(text) == Chord(root, quality)


def test_no_chord_and_bad_symbols() -> None:
    assert parse_chord("N.C.").is_none and parse_chord("N.C.").pitch_classes() == ()
    with pytest.raises(ChordError, match="'H7'"):
        parse_chord("H7")
    with pytest.raises(ChordError, match="quality 'zz'"):
        parse_chord("Czz")
    assert [c.name for c in parse_chords("C | G | Am F |")] == ["C", "G", "Am", "F"]


@pytest.mark.parametrize(("label", "name"), [
    ("C:maj", "C"), ("A:min7", "Am7"), ("F:maj/3", "F"), ("G:7", "G7"), ("A:sus4(b7)", "A7sus4"),
    ("Db:min", "C#m"), ("N", "N.C."), ("E:hdim7", "Em7b5"), ("B:maj6", "B6"),
])
def test_pop909_annotations(label: str, name: str) -> None:
    assert parse_annotation(label).name == name


def test_every_chord_names_itself_back() -> None:
    for quality in QUALITIES:
        for root in range(12):
            chord = Chord(root, quality)
            assert parse_chord(chord.name) == chord
            assert chord.pitch_classes()[0] == root
            assert chord.transposed(12) == chord and chord.transposed(2).root == (root + 2) % 12


def test_the_chord_the_notes_spell() -> None:
    weights = [0.0] * 12
    for pc in (0, 4, 7):
        weights[pc] = 1.0
    assert best_chord(weights) == Chord(0, "maj")
    weights = [0.0] * 12
    for pc, w in ((9, 2.0), (0, 1.0), (4, 1.0), (2, 0.2)):  # A C E and a passing D
        weights[pc] = w
    assert best_chord(weights) == Chord(9, "min")
    assert best_chord([0.0] * 12).is_none
