"""Quantizing: snapping starts to a grid, partial strength, and optional lengths."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.core.notes import TICKS_PER_QUARTER, Note
from studio.core.quantize import GRIDS, quantize_notes, snap

SIXTEENTH = GRIDS["1/16"]


def test_grids() -> None:
    assert GRIDS["1/4"] == TICKS_PER_QUARTER
    assert GRIDS["1/16"] == 120
    assert GRIDS["1/8T"] * 3 == GRIDS["1/4"]


def test_snap_nearest_line_halfway_rounds_up() -> None:
    assert snap(0, 120) == 0
    assert snap(59, 120) == 0
    assert snap(60, 120) == 120
    assert snap(179, 120) == 120
    assert snap(481, 480) == 480


def test_quantize_snaps_starts() -> None:
    notes = [Note(10, 60, 100), Note(250, 62, 100), Note(470, 64, 100)]
    assert [n.start for n in quantize_notes(notes, SIXTEENTH)] == [0, 240, 480]


def test_quantize_keeps_everything_but_the_start() -> None:
    [note] = quantize_notes([Note(130, 61, 333, velocity=99, channel=3)], SIXTEENTH)
    assert note == Note(120, 61, 333, velocity=99, channel=3)


def test_strength_zero_leaves_notes_alone() -> None:
    notes = [Note(13, 60, 77), Note(251, 62, 1001)]
    assert quantize_notes(notes, SIXTEENTH, strength=0.0) == notes


def test_half_strength_moves_halfway() -> None:
    [note] = quantize_notes([Note(100, 60, 100)], SIXTEENTH, strength=0.5)
    assert note.start == 110


def test_lengths_option_snaps_durations_never_below_one_step() -> None:
    notes = [Note(0, 60, 130), Note(0, 62, 10), Note(0, 64, 300)]
    assert [n.duration for n in quantize_notes(notes, SIXTEENTH, lengths=True)] == [120, 120, 360]
    assert [n.duration for n in quantize_notes(notes, SIXTEENTH)] == [130, 10, 300]


@pytest.mark.parametrize("kwargs", [{"strength": -0.1}, {"strength": 1.5}])
def test_bad_strength(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        quantize_notes([Note(0, 60, 10)], SIXTEENTH, **kwargs)


def test_bad_grid() -> None:
    with pytest.raises(ValueError):
        quantize_notes([Note(0, 60, 10)], 0)


@given(
    st.lists(st.builds(Note, st.integers(0, 20_000), st.integers(0, 127), st.integers(1, 4000)), max_size=20),
    st.sampled_from(sorted(GRIDS.values())),
)
def test_full_strength_lands_on_the_grid_and_is_idempotent(notes: list[Note], grid: int) -> None:
    once = quantize_notes(notes, grid, lengths=True)
    assert all(n.start % grid == 0 and n.duration % grid == 0 for n in once)
    assert all(abs(q.start - n.start) <= grid // 2 for q, n in zip(once, notes, strict=True))
    assert quantize_notes(once, grid, lengths=True) == once
