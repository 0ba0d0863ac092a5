"""The sampling mask: the grammar (cached per state) plus the musician's limits."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.encoding import VOCAB_SIZE, GrammarState, encode
from studio.core.notes import Clip, Note, TimeSignature
from studio.engine.constraints import Limits, RowState, grammar_mask


def fresh_mask(state: GrammarState) -> np.ndarray:
    mask = np.zeros(VOCAB_SIZE, bool)
    for lo, hi in state.allowed():
        mask[lo:hi] = True
    return mask


@given(st.lists(st.tuples(st.integers(0, 3000), st.integers(30, 90), st.integers(40, 960)), max_size=30))
@settings(max_examples=60, deadline=None)
def test_cached_grammar_mask_equals_the_grammar(raw):
    clip = Clip([Note(s, p, d) for s, p, d in raw], 120.0, TimeSignature(3, 4))
    state = GrammarState()
    for tok in encode(clip, "folk"):
        assert np.array_equal(grammar_mask(state), fresh_mask(state))
        state.advance(tok)


@given(st.integers(0, 2**32 - 1), st.integers(0, 3))
@settings(max_examples=40, deadline=None)
def test_random_walks_under_limits_never_break_them(seed, poly):
    rng = np.random.default_rng(seed)
    prompt = encode(Clip([Note(0, 60, 480)], 120.0, TimeSignature(4, 4)), "folk", end=False)
    state = GrammarState()
    for tok in prompt:
        state.advance(tok)
    pitches = np.zeros(128, bool)
    pitches[[60, 62, 64, 65, 67]] = True
    row = RowState(state, Limits(12, 12 + 4 * 48, pitches, poly), 0, {60: 12})
    notes = []
    for _ in range(400):
        mask = row.mask()
        if not mask.any():
            break
        note = row.advance(int(rng.choice(np.flatnonzero(mask))))
        if note is not None:
            notes.append(note)
    for n in notes:
        assert n.start >= 480 and n.end <= 480 + 4 * 1920 and pitches[n.pitch]
        if poly:
            assert sum(1 for m in notes if m.start <= n.start < m.end) <= poly
