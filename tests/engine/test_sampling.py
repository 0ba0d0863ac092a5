"""Sampling in numpy: the masked softmax, the batched copy mixture and the nucleus."""

from __future__ import annotations

import numpy as np

from studio.core.copy_model import CopyModel
from studio.engine.sampling import choose, copy_votes, masked_softmax, mix_copies, mix_copy, restrict, softmax


def test_masked_softmax_is_the_softmax_renormalised_over_allowed_tokens():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 4, (5, 40))
    mask = rng.random((5, 40)) < 0.3
    mask[:, 0] = True
    for t in (0.3, 1.0, 1.8):
        assert np.allclose(masked_softmax(logits, mask, t), restrict(softmax(logits, t), mask))
    far = np.where(mask, -900.0, 0.0)  # allowed tokens the model finds very unlikely
    probs = masked_softmax(far, mask)
    assert np.allclose(probs.sum(axis=1), 1) and not probs[~mask].any()


def test_batched_copy_mixture_equals_the_one_row_mixture():
    rng = np.random.default_rng(1)
    motif = [int(t) for t in rng.integers(10, 30, 12)]
    copies = [CopyModel(motif * 3), CopyModel(motif[:7]), CopyModel(motif * 2 + motif[:5])]
    p = restrict(softmax(rng.normal(size=(3, 40))), np.ones((3, 40), bool))
    masks = rng.random((3, 40)) < 0.7
    weights = [0.3, 0.5, 0.6, 0.7, 0.8, 0.8, 0.9]
    mixed = mix_copies(p.copy(), copies, masks, weights, 1.5)
    for r, copy in enumerate(copies):
        votes, length = copy_votes(copy, masks[r])
        assert np.allclose(mixed[r], mix_copy(p[r].copy(), votes, length, weights, 1.5))
    assert not np.allclose(mixed[0], p[0])  # the repeated motif does vote
    assert mix_copies(p, copies, masks, weights, 0.0) is p


def test_nucleus_samples_only_the_likeliest_tokens_in_proportion():
    p = np.tile([0.05, 0.5, 0.15, 0.3], (20_000, 1))
    picks = choose(p, 1.0, 0.8, np.random.default_rng(2))
    assert set(picks.tolist()) == {1, 3}  # 0.5 + 0.3 reach 0.8; 0.15 and 0.05 are cut
    assert abs((picks == 1).mean() - 0.5 / 0.8) < 0.02
    full = choose(p, 1.0, 1.0, np.random.default_rng(3))
    assert abs((full == 2).mean() - 0.15) < 0.02
    assert choose(p[:3], 0.0, 0.8, np.random.default_rng(4)).tolist() == [1, 1, 1]
