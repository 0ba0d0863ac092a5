"""A copy model over a token sequence: where the recent context occurred before, predict what
followed it then (a cache / pointer in the language-model literature).

Music repeats: motifs, phrases, whole sections. An LSTM forgets a seed's motifs within a few
bars; mixing its distribution with this one at each step lets a continuation restate, vary and
answer them. The engine and the evaluation mix (1 - w) * p_model + w * p_copy, with w looked
up by the length of the match (longer matches are more trustworthy) and scaled by the user's
"repeat" control. Pure Python: a dict from the last ORDER tokens to where they were followed.
"""

from __future__ import annotations

from collections.abc import Iterable

# Match-length buckets (in tokens) for the mixing weights: [6, 8), [8, 12), ... [48, inf).
MATCH_BUCKETS = (6, 8, 12, 16, 24, 32, 48)


def match_bucket(length: int) -> int:
    """Index into MATCH_BUCKETS of a match length (>= MATCH_BUCKETS[0])."""
    bucket = 0
    for i, lower in enumerate(MATCH_BUCKETS):
        if length >= lower:
            bucket = i
    return bucket


class CopyModel:
    """Incremental: `append` each token, `predict` the next from earlier occurrences.

    Live candidates (earlier positions whose preceding tokens match the end of the history)
    are carried from step to step, so a step costs O(candidates), not a search."""

    def __init__(self, tokens: Iterable[int] = (), *, order: int = MATCH_BUCKETS[0],
                 max_candidates: int = 24, max_match: int = 64) -> None:
        self.order, self.max_candidates, self.max_match = order, max_candidates, max_match
        self.history: list[int] = []
        self._index: dict[tuple[int, ...], list[int]] = {}
        self._live: dict[int, int] = {}  # position of the token it predicts -> match length
        for tok in tokens:
            self.append(tok)

    def append(self, tok: int) -> None:
        history = self.history
        live = {q + 1: min(length + 1, self.max_match)
                for q, length in self._live.items() if history[q] == tok}
        history.append(tok)
        n = len(history)
        if n > self.order:
            self._index.setdefault(tuple(history[n - 1 - self.order:n - 1]), []).append(n - 1)
        if n >= self.order:
            for q in self._index.get(tuple(history[n - self.order:]), ())[-self.max_candidates:]:
                if q not in live:
                    live[q] = self._extend(q)
        if len(live) > self.max_candidates:
            live = dict(sorted(live.items())[-self.max_candidates:])
        self._live = live

    def _extend(self, q: int) -> int:
        """Length of the match between the tokens before q and the end of the history."""
        history, n = self.history, len(self.history)
        length = self.order
        limit = min(self.max_match, q)
        while length < limit and history[q - 1 - length] == history[n - 1 - length]:
            length += 1
        return length

    def copy(self) -> CopyModel:
        other = CopyModel(order=self.order, max_candidates=self.max_candidates, max_match=self.max_match)
        other.history = list(self.history)
        other._index = {k: list(v) for k, v in self._index.items()}
        other._live = dict(self._live)
        return other

    def predict(self) -> tuple[dict[int, float], int]:
        """Distribution over the next token (empty if the context never occurred before) and
        the longest match length. Each earlier occurrence votes by its match length squared."""
        votes: dict[int, float] = {}
        longest = 0
        history = self.history
        for q, length in self._live.items():
            if q < len(history):
                votes[history[q]] = votes.get(history[q], 0.0) + float(length * length)
                longest = max(longest, length)
        total = sum(votes.values())
        return ({tok: v / total for tok, v in votes.items()}, longest) if total else ({}, 0)
