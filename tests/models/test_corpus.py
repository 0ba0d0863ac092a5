"""Corpus parsing traps (ties vs slurs, pickups), deduplication and the split."""

from __future__ import annotations

import pytest

music21 = pytest.importorskip("music21")

from models.corpus import Piece, score_to_piece, split_abc_tunes  # noqa: E402
from models.data import dedupe_and_split, load_dataset, write_dataset  # noqa: E402

TUNE = """X:1
T:Test Tune
M:2/4
L:1/8
K:G
D | G3-A B2-B2 | d4 z2 B2 | G2 G2 G4 |]
"""


def parse(text: str) -> Piece:
    score = music21.converter.parse(text, format="abc", forceSource=True)
    piece = score_to_piece(score, "t#0", "miscFolk", "Test Tune")
    assert piece is not None
    return piece


def test_slur_between_different_pitches_keeps_both_notes_and_ties_merge_same_pitch():
    piece = parse(TUNE)
    pitches = [p for _, p, _, _ in piece.notes]
    # D, G (3/8), A (1/8): the "-" between G and A is a slur and must not swallow the A;
    # B2-B2 is a real tie and becomes one B of a quarter note... of 4 eighths.
    assert pitches[:5] == [62, 67, 69, 71, 74]
    b = [n for n in piece.notes if n[1] == 71][0]
    assert b[2] == 4 * 240


def test_pickup_sits_at_the_end_of_its_bar():
    piece = parse(TUNE)
    first = piece.notes[0]
    assert first[0] == 3 * 240  # an eighth before the bar line of a 2/4 bar
    assert piece.notes[1][0] == 4 * 240


def test_split_abc_tunes_keeps_header():
    text = "%% header\n\nX:1\nT:A\nK:C\nCDE|\n\nX:2\nT:B\nK:C\nEDC|\n"
    tunes = split_abc_tunes(text)
    assert len(tunes) == 2
    assert tunes[1].startswith("%% header") and "T:B" in tunes[1]


def _piece(source: str, title: str, shift: int = 0, notes: int = 24, step: int = 7) -> Piece:
    melody = [(i * 240, 60 + shift + (i * step) % 12, 240, 80) for i in range(notes)]
    return Piece(source, "essenFolksong", "folk", title, (4, 4), 120.0, melody)


def test_transposed_duplicates_removed_and_variants_share_a_split():
    pieces = [_piece("a#0", "Der Mai"), _piece("a#1", "Other", shift=2)]
    pieces += [_piece(f"b#{i}", "Same Title", shift=i % 3, notes=20 + i, step=5) for i in range(8)]
    items, removed = dedupe_and_split(pieces)
    assert removed == 1
    splits = {s for p, s in items if p.title == "Same Title"}
    assert len(splits) == 1
    assert len(items) == 9


def test_dataset_round_trip(tmp_path):
    items, _ = dedupe_and_split([_piece("a#0", "Tune"), _piece("b#0", "Zweites Lied", notes=30)])
    path = tmp_path / "d.json.gz"
    write_dataset(items, path)
    assert load_dataset(path) == items
