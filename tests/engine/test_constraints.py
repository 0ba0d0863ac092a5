"""The sampling mask: the grammar (cached per state) plus the musician's limits."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.encoding import BAR, DURATION_STEPS, EOS, TICKS_PER_STEP, VOCAB_SIZE, GrammarState, encode
from studio.core.notes import Clip, Note, TimeSignature
from studio.engine.constraints import (
    DUR_HI,
    DUR_LO,
    PITCH_HI,
    PITCH_LO,
    POS_LO,
    VEL_LO,
    Limits,
    Rows,
    grammar_mask,
)


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
    rows = Rows(state, Limits(12, 12 + 4 * 48, pitches, poly), 0, {60: 12}, 1)
    notes = []
    for _ in range(400):
        mask = rows.masks()[0]
        if not mask.any():
            break
        note = rows.advance(0, int(rng.choice(np.flatnonzero(mask))))
        if note is not None:
            notes.append(note)
    for n in notes:
        assert n.start >= 480 and n.end <= 480 + 4 * 1920 and pitches[n.pitch]
        if poly:
            assert sum(1 for m in notes if m.start <= n.start < m.end) <= poly


def reference_mask(grammar: GrammarState, limits: Limits, ends: dict[int, int]) -> np.ndarray:
    """The mask spelt out token by token, the slow and obvious way."""
    mask = fresh_mask(grammar)
    steps, bar = grammar.steps_in_bar, grammar.bar
    onset = bar * steps + grammar.position

    def busy(at: int) -> list[int]:
        return [p for p, end in ends.items() if end > at]

    def pitch_ok(pitch: int, at: int) -> bool:
        sounding = busy(at)
        cap_ok = not limits.max_polyphony or len(sounding) < limits.max_polyphony
        return bool(limits.pitches[pitch]) and pitch not in sounding and cap_ok

    eos = mask[EOS]
    if (bar + 1) * steps >= limits.end_step:
        mask[BAR] = False
    for tok in np.flatnonzero(mask):
        if VEL_LO <= tok < PITCH_HI and grammar.position >= 0 and onset < limits.start_step:
            mask[tok] = False
        elif VEL_LO <= tok < PITCH_LO and limits.velocity_bins is not None:
            mask[tok] = limits.velocity_bins[tok - VEL_LO]
        elif POS_LO <= tok < POS_LO + steps:
            at = bar * steps + tok - POS_LO
            mask[tok] = limits.start_step <= at < limits.end_step and any(pitch_ok(p, at) for p in range(128))
        elif PITCH_LO <= tok < PITCH_HI:
            mask[tok] = pitch_ok(tok - PITCH_LO, onset)
        elif DUR_LO <= tok < DUR_HI:
            mask[tok] = limits.end_step - onset >= DURATION_STEPS[tok - DUR_LO]
    mask[EOS] = eos and not mask[BAR] and not mask[POS_LO:POS_LO + steps].any()
    return mask


@given(st.integers(0, 2**32 - 1), st.integers(0, 3), st.integers(1, 4), st.booleans())
@settings(max_examples=25, deadline=None)
def test_batched_masks_equal_the_reference_on_random_walks(seed, poly, count, soft_only):
    """Every row's mask from the batched arrays equals the token-by-token definition."""
    rng = np.random.default_rng(seed)
    prompt = encode(Clip([Note(0, 60, 480), Note(0, 64, 960)], 120.0, TimeSignature(3, 4)), "folk", end=False)
    state = GrammarState()
    for tok in prompt:
        state.advance(tok)
    pitches = np.zeros(128, bool)
    pitches[rng.choice(128, size=int(rng.integers(1, 12)), replace=False)] = True
    bins = np.zeros(8, bool)
    bins[[2, 3] if soft_only else [5]] = True
    limits = Limits(12, 12 + 2 * 36, pitches, poly, bins if soft_only or seed % 2 else None)
    rows = Rows(state, limits, 0, {60: 12, 64: 24}, count)
    ends = [{60: 12, 64: 24} for _ in range(count)]
    for _ in range(120):
        masks = rows.masks()
        for r in range(count):
            if not rows.done[r]:
                assert np.array_equal(masks[r], reference_mask(rows.grammars[r], limits, ends[r])), r
        rows.done |= ~masks.any(axis=1)
        if rows.done.all():
            break
        for r in np.flatnonzero(~rows.done):
            note = rows.advance(int(r), int(rng.choice(np.flatnonzero(masks[r]))))
            if note is not None:
                ends[r][note.pitch] = note.end // TICKS_PER_STEP
