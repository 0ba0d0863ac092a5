"""Tests for models.baselines: n-gram smoothing, the pitch/interval 5-grams and the seed LSTM."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
import torch

from models.baselines import (
    Interval5Gram,
    NGram,
    NoteScores,
    Pitch5Gram,
    SeedLSTM,
    TimingNGram,
    fit_baselines,
    summarise,
)

torch.set_num_threads(1)

PATTERN = [60, 64, 67, 72, 71, 67, 62, 55]
DURS = [240, 240, 480, 240, 240, 480, 240, 240]


def pattern_melody(n: int, shift: int = 0, transpose: int = 0) -> list[tuple[int, int, int]]:
    t, out = 0, []
    for i in range(n):
        j = (i + shift) % len(PATTERN)
        out.append((t, PATTERN[j] + transpose, DURS[j]))
        t += DURS[j]
    return out


def random_melody(n: int, seed: int, lo: int = 48, hi: int = 84) -> list[tuple[int, int, int]]:
    rng = np.random.default_rng(seed)
    t, out = 0, []
    for _ in range(n):
        d = int(rng.choice([120, 240, 480, 720]))
        out.append((t, int(rng.integers(lo, hi)), d))
        t += d
    return out


def random_walk(n: int, seed: int) -> list[tuple[int, int, int]]:
    rng = np.random.default_rng(seed)
    t, p, out = 0, 66, []
    for _ in range(n):
        p = int(np.clip(p + rng.integers(-4, 5), 50, 80))
        d = int(rng.choice([240, 480]))
        out.append((t, p, d))
        t += d
    return out


def test_ngram_distribution_sums_to_one_and_is_positive() -> None:
    rng = np.random.default_rng(1)
    seqs = [list(rng.integers(0, 10, 50)) for _ in range(20)] + [[1, 2, 3, 4, 5, 6] * 5]
    model = NGram(12, order=5).fit(seqs)
    for ctx in ([], [1], [1, 2, 3, 4], [1, 2, 3, 4, 5], [11, 11, 11, 11], [7, 8, 9, 0, 1, 2]):
        dist = model.distribution(ctx)
        assert dist.shape == (12,)
        assert abs(dist.sum() - 1.0) < 1e-9
        assert (dist > 0).all()  # symbols 10 and 11 are never seen but still get mass
        for s in (0, 5, 11):
            assert math.isclose(model.prob(ctx, s), dist[s], rel_tol=1e-9)
    # a seen deterministic context puts most of the mass on its continuation
    assert model.distribution([1, 2, 3, 4, 5]).argmax() == 6
    assert model.distribution([1, 2, 3, 4, 5])[6] > 0.5


def test_timing_ngram_scores_every_note() -> None:
    melodies = [random_walk(30, s) for s in range(5)]
    timing = TimingNGram().fit(melodies)
    bits = timing.timing_bits(melodies[0])
    assert bits.shape == (30,)
    assert np.isfinite(bits).all() and (bits > 0).all()


def test_pitch5gram_learns_a_repeating_pattern() -> None:
    train = [pattern_melody(48, shift=0) for _ in range(20)]
    model = Pitch5Gram().fit(train)
    held_out = model.score([pattern_melody(48)])
    assert len(held_out) == 48
    assert held_out.pitch_bits.mean() < 0.1
    assert held_out.pitch_correct.all()
    # timing repeats with period 8 but 4 symbols of context cannot always tell where it is
    assert held_out.timing_bits.mean() < 0.5
    rand = model.score([random_melody(48, seed=3)])
    assert rand.pitch_bits.mean() > 3.0
    assert rand.pitch_correct.mean() < 0.3
    assert np.isfinite(rand.joint_bits).all()


def test_interval_model_is_transposition_invariant() -> None:
    train = [random_walk(60, s) for s in range(30)]
    model = Interval5Gram().fit(train)
    dist = model.pitch_distribution(model.interval.distribution([24, 25]), 20)
    assert abs(dist.sum() - 1.0) < 1e-9 and (dist > 0).all()
    mel = random_walk(40, seed=99)
    up = [(t, p + 5, d) for t, p, d in mel]
    a, b = model.score([mel]), model.score([up])
    assert len(a) == len(b) == 40
    np.testing.assert_allclose(a.pitch_bits[1:], b.pitch_bits[1:], rtol=1e-9)
    np.testing.assert_array_equal(a.pitch_correct[1:], b.pitch_correct[1:])
    np.testing.assert_allclose(a.timing_bits, b.timing_bits)
    assert a.pitch_bits[0] != pytest.approx(b.pitch_bits[0])  # the first note uses absolute pitch
    # it learns from little data: a held-out walk costs far less than the 49 clamped intervals
    assert a.pitch_bits[1:].mean() < math.log2(49) - 1


def test_seed_lstm_learns_a_pattern() -> None:
    # 8 distinct, widely spread pitches (the model sees pitch/128), steady rhythm
    pitches = [36, 96, 48, 84, 60, 108, 72, 40]

    def mel(n: int, shift: int = 0) -> list[tuple[int, int, int]]:
        return [(i * 240, pitches[(i + shift) % 8], 240) for i in range(n)]

    model = SeedLSTM().fit([mel(40, s) for s in range(8)], epochs=40, seed=0)  # 200 updates, ~3 s
    scores = model.score([mel(40, shift=3), mel(5)])
    assert len(scores) == 45
    assert scores.pitch_correct[:40].mean() > 0.25  # chance is 1/8 (8 equally frequent pitches)
    assert scores.pitch_bits[:40].mean() < 3.0  # better than uniform over the 8 pitches
    for bits in (scores.pitch_bits, scores.timing_bits, scores.joint_bits):
        assert np.isfinite(bits).all() and (bits >= 0).all()
    assert (scores.joint_bits > 0).all()
    assert 1e-3 <= model.sigma_step < 1.0 and 1e-3 <= model.sigma_duration < 1.0
    # reloading the state gives the same scores
    again = SeedLSTM.from_state_dict(model.state_dict()).score([mel(5)])
    np.testing.assert_allclose(again.joint_bits, scores.joint_bits[40:], rtol=1e-6)


def test_seed_lstm_time_budget_and_fit_baselines() -> None:
    train = [random_walk(30, s) for s in range(10)]
    t0 = time.monotonic()
    models = fit_baselines(train, lstm_seconds=0.3)
    assert time.monotonic() - t0 < 10
    assert set(models) == {"pitch_5gram", "interval_5gram", "seed_lstm"}
    test = [random_walk(12, 100), random_walk(7, 101)]
    for model in models.values():
        scores = model.score(test)
        assert isinstance(scores, NoteScores) and len(scores) == 19
        summary = summarise(scores)
        assert set(summary) == {"joint_bits", "pitch_bits", "pitch_acc", "timing_bits"}
        assert 0.0 <= summary["pitch_acc"] <= 1.0
        total = summary["pitch_bits"] + summary["timing_bits"]
        assert summary["joint_bits"] == pytest.approx(total, abs=2e-4)
    # the two n-gram baselines share their timing model
    np.testing.assert_allclose(models["pitch_5gram"].score(test).timing_bits,
                               models["interval_5gram"].score(test).timing_bits)


def test_note_scores_validation() -> None:
    with pytest.raises(ValueError):
        NoteScores(np.zeros(3), np.zeros(2, bool), np.zeros(3))
    empty = NoteScores.concat([])
    assert len(empty) == 0 and math.isnan(summarise(empty)["joint_bits"])
