"""The copy model predicts what followed the current context before, weighted by match length."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from studio.core.copy_model import MATCH_BUCKETS, CopyModel, match_bucket


def test_predicts_the_continuation_of_a_repeated_phrase():
    phrase = list(range(10, 30))
    model = CopyModel(phrase + phrase[:8])
    votes, length = model.predict()
    assert votes == {phrase[8]: 1.0}
    assert length == 8


def test_nothing_without_an_earlier_occurrence():
    assert CopyModel(list(range(40))).predict() == ({}, 0)


def test_longer_matches_outvote_shorter_ones():
    a = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    b = [50, 51, 52, 53, 5, 6, 7, 8, 9, 10, 99]
    model = CopyModel(a + b + [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    votes, _ = model.predict()
    assert votes[11] > votes[99]


def test_copies_are_independent():
    model = CopyModel([1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 5, 6])
    other = model.copy()
    other.append(99)
    assert model.predict()[0] == {7: 1.0}
    assert other.predict() == ({}, 0)


@given(st.lists(st.integers(0, 3), min_size=0, max_size=200))
def test_votes_are_a_distribution_over_earlier_followers(tokens):
    model = CopyModel(tokens)
    votes, length = model.predict()
    if votes:
        assert abs(sum(votes.values()) - 1) < 1e-9
        assert length >= MATCH_BUCKETS[0]
        assert set(votes) <= set(tokens)
        assert 0 <= match_bucket(length) < len(MATCH_BUCKETS)
