"""The band encoding: beats of an arrangement go to tokens and back in both modes, transpose
as a whole, and keep the order the grammar promises (harmony after the beat's melody when
hearing, before it when live)."""

from __future__ import annotations

import random

from studio.core.band_encoding import (
    BAND_KIND_OF,
    BAND_VOCAB_SIZE,
    BASS_RANGE,
    BandBeat,
    BandKind,
    decode_parts,
    encode_beats,
    transpose_tokens,
)
from studio.core.chords import QUALITY_NAMES, Chord


def _beats(seed: int, count: int = 32, per_bar: int = 4) -> list[BandBeat]:
    rng = random.Random(seed)
    beats = []
    for b in range(count):
        chord = Chord(rng.randrange(12), rng.choice(QUALITY_NAMES)) if rng.random() < 0.9 else Chord.none()
        melody = sorted({(s, rng.randrange(50, 90)) for s in rng.sample(range(4), rng.randrange(0, 3))})
        bass = sorted({(s, rng.randrange(*BASS_RANGE)) for s in rng.sample(range(4), rng.randrange(0, 3))})
        subs = rng.sample(range(4), rng.randrange(0, 4))
        comp = sorted({(s, rng.randrange(3), rng.random() < 0.5) for s in subs})
        beats.append(BandBeat(per_bar, b % per_bar, chord, melody, None, bass, comp))
    return beats


def test_beats_round_trip_in_both_modes() -> None:
    beats = _beats(1)
    for mode in ("hear", "live"):
        tokens = encode_beats(beats, "pop", mode)
        assert all(0 <= t < BAND_VOCAB_SIZE for t in tokens)
        back = decode_parts(tokens)
        assert [b.chord for b in back] == [b.chord for b in beats]
        assert [b.bass for b in back] == [b.bass for b in beats]
        assert [b.comp for b in back] == [b.comp for b in beats]
        assert [[(s, p % 12) for s, p in b.melody] for b in beats] == [b.melody for b in back]


def test_hearing_puts_the_harmony_after_the_melody_and_live_before_it() -> None:
    beats = [BandBeat(4, 0, Chord(0, "maj"), [(0, 60)], None, [(0, 36)], [(0, 2, True)])]
    hear = [BAND_KIND_OF[t] for t in encode_beats(beats, "pop", "hear")]
    live = [BAND_KIND_OF[t] for t in encode_beats(beats, "pop", "live")]
    assert hear.index(BandKind.MEL) < hear.index(BandKind.CHORD)
    assert live.index(BandKind.CHORD) < live.index(BandKind.BASS) < live.index(BandKind.MEL)


def test_transposing_moves_every_pitch_and_back() -> None:
    beats = [BandBeat(4, 0, Chord(0, "maj"), [(0, 64)], 7, [(0, 40), (2, 47)], [])]
    tokens = encode_beats(beats, "pop", "hear")
    up = decode_parts(transpose_tokens(tokens, 3))[0]
    assert up.chord == Chord(3, "maj") and up.melody == [(0, 7)] and up.held == 10
    assert up.bass == [(0, 43), (2, 50)]
    assert transpose_tokens(transpose_tokens(tokens, 5), -5) == tokens
    low = decode_parts(transpose_tokens(encode_beats([BandBeat(4, 0, bass=[(0, BASS_RANGE[0])])]), -2))[0]
    assert BASS_RANGE[0] <= low.bass[0][1] < BASS_RANGE[1]  # the bass stays in its range
