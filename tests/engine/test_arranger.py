"""The arranger, on the shipped band model: every part on its channel, the melody untouched,
the same seed giving the same band, typed chords honoured by the comping, one part
regenerated with the rest kept, every metre and a melody with rests and a pickup covered,
and melodies there is nothing to arrange in refused in a sentence."""

from __future__ import annotations

import pytest

from studio.core.arrangement import BASS, CHORDS, DRUMS, BeatGrid, typed_lane
from studio.core.band_encoding import BASS_RANGE
from studio.core.notes import DRUM_CHANNEL, Clip, Note, TimeSignature
from studio.engine.arranger import ArrangeError, Arranger, ArrangeRequest, load_arranger
from studio.engine.model import band_model_path


@pytest.fixture(scope="module")
def arranger() -> Arranger:
    return load_arranger(band_model_path())


def tune(metre: tuple[int, int] = (4, 4), bars: int = 8, pickup: bool = False) -> Clip:
    """A melody in C over `bars` bars: a note a beat, a rest every fourth beat."""
    ts = TimeSignature(*metre)
    beat = BeatGrid.of(ts).beat_ticks
    scale = [60, 62, 64, 65, 67, 69, 71, 72]
    start = ts.bar_ticks - beat if pickup else 0
    notes = [Note(start + i * beat, scale[i % 8], beat - 20, 90)
             for i in range(bars * ts.bar_ticks // beat - (1 if pickup else 0)) if i % 4 != 3]
    return Clip(notes, 110.0, ts)


def test_every_part_plays_on_its_channel_and_the_melody_is_untouched(arranger: Arranger) -> None:
    melody = tune()
    arrangement = arranger.arrange(melody, ArrangeRequest(seed=4))
    assert arrangement.melody.notes == melody.notes
    assert set(arrangement.parts) == {"chords", "bass", "drums"}
    for name, spec in (("chords", CHORDS), ("bass", BASS), ("drums", DRUMS)):
        part = arrangement.parts[name]
        assert part.notes and {n.channel for n in part.notes} == {spec.channel}, name
    assert all(BASS_RANGE[0] <= n.pitch < BASS_RANGE[1] for n in arrangement.parts["bass"].notes)
    assert arrangement.chords and arrangement.chords[0].start == 0
    end = max(n.end for n in melody.notes)
    assert max(n.end for p in arrangement.parts.values() for n in p.notes) <= -(-end // 1920) * 1920


def test_the_same_seed_gives_the_same_band(arranger: Arranger) -> None:
    one = arranger.arrange(tune(), ArrangeRequest(seed=11))
    two = arranger.arrange(tune(), ArrangeRequest(seed=11))
    assert one.chords == two.chords
    assert all(one.parts[k].notes == two.parts[k].notes for k in one.parts)


def test_typed_chords_are_the_lane_and_the_comping_plays_only_their_tones(arranger: Arranger) -> None:
    melody = tune()
    grid = BeatGrid.of(melody.time_signature)
    lane = typed_lane("C G Am F", 8, grid)
    arrangement = arranger.arrange(melody, ArrangeRequest(seed=2, lane=lane))
    assert [(s.start, s.chord) for s in arrangement.chords] == [(s.start, s.chord) for s in lane]
    for note in arrangement.parts["chords"].notes:
        chord = next(s.chord for s in lane if s.start <= note.start < s.end)
        assert note.pitch % 12 in chord.pitch_classes(), (note, chord)


def test_one_part_is_regenerated_and_the_others_kept(arranger: Arranger) -> None:
    melody = tune()
    first = arranger.arrange(melody, ArrangeRequest(seed=5))
    again = [arranger.arrange(melody, ArrangeRequest(seed=s, keep=first, regenerate=("bass",)))
             for s in (6, 7, 8)]
    for other in again:
        assert other.chords == first.chords
        assert other.parts["chords"].notes == first.parts["chords"].notes
    assert any(o.parts["bass"].notes != first.parts["bass"].notes for o in again)


@pytest.mark.parametrize("metre", [(2, 4), (3, 4), (4, 4), (6, 8)])
def test_every_metre_is_arranged_over_the_whole_melody(arranger: Arranger, metre) -> None:
    melody = tune(metre, bars=4, pickup=True)
    arrangement = arranger.arrange(melody, ArrangeRequest(seed=1))
    bar = melody.time_signature.bar_ticks
    bars = -(-max(n.end for n in melody.notes) // bar)
    drums = arrangement.parts["drums"].notes
    assert {n.start // bar for n in drums} == set(range(bars))  # a groove in every bar
    assert arrangement.beats and len(arrangement.beats) == bars * BeatGrid.of(melody.time_signature).per_bar


def test_nothing_to_arrange_is_one_sentence(arranger: Arranger) -> None:
    with pytest.raises(ArrangeError, match="no melody"):
        arranger.arrange(Clip([], 120.0, TimeSignature(4, 4)))
    drums_only = Clip([Note(i * 480, 36, 100, 100, DRUM_CHANNEL) for i in range(8)], 120.0,
                      TimeSignature(4, 4))
    with pytest.raises(ArrangeError, match="no pitched notes"):
        arranger.arrange(drums_only)
    with pytest.raises(ArrangeError, match="styles"):
        arranger.arrange(tune(), ArrangeRequest(style="baroque"))


def test_chosen_parts_only(arranger: Arranger) -> None:
    arrangement = arranger.arrange(tune(), ArrangeRequest(seed=3, parts=("bass",)))
    assert set(arrangement.parts) == {"bass"}


def test_metres_the_model_never_heard_are_read_as_pairs_of_bars() -> None:
    from studio.core.band_encoding import BandBeat, beat_token
    from studio.engine.arranger import model_beat

    two = [BandBeat(2, b % 2) for b in range(8)]
    assert [model_beat(beat, i) for i, beat in enumerate(two)] == [beat_token(4, k) for k in (0, 1, 2, 3) * 2]
    three = [BandBeat(3, b % 3) for b in range(6)]
    assert [model_beat(beat, i) for i, beat in enumerate(three)] == [beat_token(6, k) for k in range(6)]
    assert model_beat(BandBeat(4, 3), 7) == beat_token(4, 3)
    assert model_beat(BandBeat(7, 6), 6) == beat_token(4, 2)
