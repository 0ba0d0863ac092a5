"""The harmoniser on the shipped models/harmony.onnx: it names chords a melody's notes belong
to, the same ones a tone higher for a tune a tone higher, keeps what the musician fixed, gives
the same lane for the same take and another for another take; the decoder changes chord only
where that pays; a damaged or foreign file is one sentence. Without it, the band model chooses
the chords itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.core.arrangement import BeatGrid, melody_beats
from studio.core.chords import Chord
from studio.core.notes import Clip, Note, TimeSignature
from studio.engine.arranger import Arranger, ArrangeRequest
from studio.engine.harmoniser import Harmoniser, best_path, harmony_model_path
from studio.engine.model import BAND, Model, ModelError, band_model_path

# "Twinkle, twinkle" in C: C C G G A A G- | F F E E D D C-
TWINKLE = [60, 60, 67, 67, 69, 69, 67, None, 65, 65, 64, 64, 62, 62, 60, None] * 2


@pytest.fixture(scope="module")
def harmoniser() -> Harmoniser:
    return Harmoniser(harmony_model_path(band_model_path()))


def twinkle(shift: int = 0) -> Clip:
    notes, tick = [], 0
    for pitch in TWINKLE:
        if pitch is None:
            notes[-1] = Note(notes[-1].start, notes[-1].pitch, 940, 90)
        else:
            notes.append(Note(tick, pitch + shift, 460, 90))
        tick += 480
    return Clip(notes, 100.0, TimeSignature(4, 4))


def test_the_lane_holds_the_melody_notes(harmoniser: Harmoniser) -> None:
    clip = twinkle()
    beats = melody_beats(clip, BeatGrid.of(clip.time_signature))
    lane = harmoniser.lane(beats, [None] * len(beats))
    assert len(lane) == len(beats) == 32
    held = [n.pitch % 12 in lane[n.start // 480].pitch_classes() for n in clip.notes]
    assert sum(held) / len(held) >= 0.8
    assert lane[0].root == 0  # the tune opens on C
    assert len({(a.root, a.quality) for a in lane}) >= 2  # and goes somewhere


def test_a_tune_a_tone_higher_gets_the_chords_a_tone_higher(harmoniser: Harmoniser) -> None:
    low, high = (melody_beats(c, BeatGrid.of(c.time_signature)) for c in (twinkle(), twinkle(2)))
    assert [c.transposed(2) for c in harmoniser.lane(low, [None] * 32)] == harmoniser.lane(high, [None] * 32)


def test_fixed_chords_stay_and_a_take_is_repeatable(harmoniser: Harmoniser) -> None:
    clip = twinkle()
    beats = melody_beats(clip, BeatGrid.of(clip.time_signature))
    fixed: list[Chord | None] = [None] * 32
    fixed[4:8] = [Chord(9, "min")] * 4
    lane = harmoniser.lane(beats, fixed, 0.5, np.random.default_rng(3))
    assert lane[4:8] == [Chord(9, "min")] * 4
    assert lane == harmoniser.lane(beats, fixed, 0.5, np.random.default_rng(3))
    takes = {tuple(harmoniser.lane(beats, fixed, 0.5, np.random.default_rng(seed))) for seed in range(8)}
    assert len(takes) >= 2


def test_the_path_changes_only_where_it_pays() -> None:
    wavering = np.log(np.array([[0.6, 0.4], [0.4, 0.6], [0.6, 0.4], [0.1, 0.9], [0.1, 0.9]]))
    assert best_path(wavering, 0.0) == [0, 1, 0, 1, 1]
    assert best_path(wavering, 1.0) == [1, 1, 1, 1, 1]
    moving = np.log(np.array([[0.9, 0.1]] * 4 + [[0.1, 0.9]] * 2))
    assert best_path(moving, 1.0) == [0, 0, 0, 0, 1, 1]
    assert best_path(moving, 100.0) == [0] * 6


def test_a_damaged_or_foreign_file_is_one_sentence(tmp_path: Path) -> None:
    bad = tmp_path / "harmony.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="damaged"):
        Harmoniser(bad)
    with pytest.raises(ModelError, match="not a Continuo harmoniser"):
        Harmoniser(band_model_path())


def test_without_a_harmoniser_the_band_model_chooses_the_chords() -> None:
    arranger = Arranger(Model(band_model_path(), spec=BAND))
    arrangement = arranger.arrange(twinkle(), ArrangeRequest(seed=1))
    assert arrangement.chords and all(not s.chord.is_none for s in arrangement.chords)
