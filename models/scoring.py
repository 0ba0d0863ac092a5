"""Score an exported model over token sequences with the engine's own pieces (the grammar
mask and the copy-model mixture it samples with): teacher-forced bits per token, argmax-pitch
hits, and the copy statistics the mixing weights are fitted on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from models.baselines import NoteScores
from studio.core.copy_model import MATCH_BUCKETS, CopyModel, match_bucket
from studio.core.encoding import KIND_OF, OFFSETS, GrammarState, Kind, note_spans
from studio.engine.constraints import grammar_mask
from studio.engine.model import Model
from studio.engine.sampling import copy_votes, mix_copy, restrict, softmax

PITCH_LO = OFFSETS[Kind.PITCH]


@dataclass
class SequenceScores:
    """Per-token bits (index i = the bits of tokens[i]; the given header costs 0) for the
    model alone and mixed with the copy model, argmax-pitch hits, and copy statistics."""

    lstm_bits: np.ndarray
    mix_bits: np.ndarray
    lstm_hit: np.ndarray
    mix_hit: np.ndarray
    copy_rows: list[tuple[int, float, float]] = field(default_factory=list)  # (bucket, p_lstm, p_copy)


def _pitch_hit(p: np.ndarray, true: int) -> bool:
    return int(np.argmax(p[PITCH_LO:PITCH_LO + 128])) == true - PITCH_LO


def score_sequences(model: Model, seqs: list[list[int]], weights: list[float] | None,
                    batch: int = 64) -> list[SequenceScores]:
    """Teacher-forced scores of whole sequences, `batch` sequences at a time. Style and metre
    are given; every later token is scored."""
    out: list[SequenceScores] = []
    for b in range(0, len(seqs), batch):
        chunk = seqs[b:b + batch]
        length = max(len(s) for s in chunk)
        states = [GrammarState() for _ in chunk]
        copies = [CopyModel() for _ in chunk]
        results = [SequenceScores(np.zeros(len(s)), np.zeros(len(s)), np.zeros(len(s), bool),
                                  np.zeros(len(s), bool)) for s in chunk]
        h, c = model.zero_state(len(chunk))
        grid = np.array([s + [0] * (length - len(s)) for s in chunk])
        for t in range(length - 1):
            logits, _, h, c = model.step(grid[:, t], h, c)
            probs = softmax(logits)
            for r, seq in enumerate(chunk):
                if t + 1 >= len(seq):
                    continue
                states[r].advance(seq[t])
                copies[r].append(seq[t])
                if t < 1:
                    continue
                mask = grammar_mask(states[r])
                alone = restrict(probs[r], mask)
                votes, match = copy_votes(copies[r], mask)
                mixed = mix_copy(alone, votes, match, weights or [])
                true, res = seq[t + 1], results[r]
                res.lstm_bits[t + 1] = -math.log2(max(alone[true], 1e-12))
                res.mix_bits[t + 1] = -math.log2(max(mixed[true], 1e-12))
                if KIND_OF[true] == Kind.PITCH:
                    res.lstm_hit[t + 1] = _pitch_hit(alone, true)
                    res.mix_hit[t + 1] = _pitch_hit(mixed, true)
                if votes:
                    res.copy_rows.append((match_bucket(match), float(alone[true]), votes.get(true, 0.0)))
        out.extend(results)
    return out


def note_scores(tokens: list[int], bits: np.ndarray, hits: np.ndarray) -> NoteScores:
    """Per-note bits from per-token bits: pitch = its PITCH token, timing = its BAR, POS and
    DUR tokens, other = the rest (VEL)."""
    spans = note_spans(tokens)
    pitch = [bits[s.pitch_index] for s in spans]
    timing = [sum(bits[i] for i in s.timing) for s in spans]
    total = [bits[s.first:s.last + 1].sum() for s in spans]
    other = [t - p - m for t, p, m in zip(total, pitch, timing, strict=True)]
    return NoteScores(pitch, [hits[s.pitch_index] for s in spans], timing, other)


def fit_copy_weights(rows: list[tuple[int, float, float]]) -> list[float]:
    """Per match bucket, the mixing weight that maximises the likelihood of the true tokens."""
    grid = np.linspace(0.0, 0.98, 50)
    weights: list[float] = []
    for bucket in range(len(MATCH_BUCKETS)):
        data = np.array([(p, q) for b, p, q in rows if b == bucket])
        if len(data) < 50:
            weights.append(weights[-1] if weights else 0.0)
            continue
        ll = [np.log(np.maximum((1 - w) * data[:, 0] + w * data[:, 1], 1e-12)).sum() for w in grid]
        weights.append(round(float(grid[int(np.argmax(ll))]), 3))
    return weights
