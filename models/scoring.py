"""Run an exported model over token sequences with onnxruntime: teacher-forced scoring (bits
per token, with the grammar mask and the copy-model mixture the engine uses) and sampling of
continuations for the evaluation. Numpy + onnxruntime; no torch needed.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from models.baselines import NoteScores
from studio.core.copy_model import MATCH_BUCKETS, CopyModel, match_bucket
from studio.core.encoding import (
    BAR,
    EOS,
    KIND_OF,
    OFFSETS,
    VOCAB_SIZE,
    GrammarState,
    Kind,
    note_spans,
)

PITCH_LO = OFFSETS[Kind.PITCH]


class Stepper:
    """The single-step graph (token, h, c) -> (logits, style_logits, h, c) for a batch."""

    def __init__(self, path: Path) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.meta = self.session.get_modelmeta().custom_metadata_map
        args = json.loads(self.meta["continuo.model_args"])
        self.layers, self.hidden = args["layers"], args["hidden"]
        weights = self.meta.get("continuo.copy_weights")
        self.copy_weights = json.loads(weights) if weights else None

    def zero(self, batch: int) -> tuple[np.ndarray, np.ndarray]:
        h = np.zeros((self.layers, batch, self.hidden), np.float32)
        return h, h.copy()

    def step(self, tokens: np.ndarray, h: np.ndarray, c: np.ndarray):
        return self.session.run(None, {"token": tokens.astype(np.int64), "h": h, "c": c})


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def grammar_mask(state: GrammarState) -> np.ndarray:
    mask = np.zeros(VOCAB_SIZE, bool)
    for lo, hi in state.allowed():
        mask[lo:hi] = True
    return mask


def mixed(probs: np.ndarray, mask: np.ndarray, copy: CopyModel | None,
          weights: list[float] | None) -> tuple[np.ndarray, np.ndarray, dict, int]:
    """(model only, model + copy) distributions over allowed tokens, the copy distribution
    (restricted to allowed tokens) and the match length."""
    model = probs * mask
    model /= model.sum()
    if copy is None:
        return model, model, {}, 0
    votes, length = copy.predict()
    votes = {t: p for t, p in votes.items() if mask[t]}
    if not votes or not weights:
        return model, model, votes, length
    total = sum(votes.values())
    w = weights[match_bucket(length)]
    mix = model * (1 - w)
    for tok, p in votes.items():
        mix[tok] += w * p / total
    return model, mix, {t: p / total for t, p in votes.items()}, length


@dataclass
class SequenceScores:
    """Per-token bits (index i = the bits of tokens[i]; header tokens are 0) for the model
    alone and mixed with the copy model, argmax-pitch hits, and copy statistics."""

    lstm_bits: np.ndarray
    mix_bits: np.ndarray
    lstm_hit: np.ndarray
    mix_hit: np.ndarray
    copy_rows: list[tuple[int, float, float]] = field(default_factory=list)  # (bucket, p_lstm, p_copy)


def score_sequences(stepper: Stepper, seqs: list[list[int]], weights: list[float] | None,
                    batch: int = 64) -> list[SequenceScores]:
    """Teacher-forced scores of whole sequences, `batch` sequences at a time."""
    out: list[SequenceScores] = []
    for b in range(0, len(seqs), batch):
        chunk = seqs[b:b + batch]
        n, length = len(chunk), max(len(s) for s in chunk)
        states = [GrammarState() for _ in chunk]
        copies = [CopyModel() for _ in chunk]
        results = [SequenceScores(np.zeros(len(s)), np.zeros(len(s)), np.zeros(len(s), bool),
                                  np.zeros(len(s), bool)) for s in chunk]
        h, c = stepper.zero(n)
        grid = np.array([s + [0] * (length - len(s)) for s in chunk])
        for t in range(length - 1):
            logits, _, h, c = stepper.step(grid[:, t], h, c)
            probs = softmax(logits)
            for r, seq in enumerate(chunk):
                if t + 1 >= len(seq):
                    continue
                states[r].advance(seq[t])
                copies[r].append(seq[t])
                if t < 1:  # the metre is given context, like the style
                    continue
                model, mix, votes, match = mixed(probs[r], grammar_mask(states[r]), copies[r],
                                                 stepper.copy_weights)
                true = seq[t + 1]
                res = results[r]
                res.lstm_bits[t + 1] = -math.log2(max(model[true], 1e-12))
                res.mix_bits[t + 1] = -math.log2(max(mix[true], 1e-12))
                if KIND_OF[true] == Kind.PITCH:
                    res.lstm_hit[t + 1] = int(np.argmax(model[PITCH_LO:PITCH_LO + 128])) == true - PITCH_LO
                    res.mix_hit[t + 1] = int(np.argmax(mix[PITCH_LO:PITCH_LO + 128])) == true - PITCH_LO
                if votes:
                    res.copy_rows.append((match_bucket(match), float(model[true]), votes.get(true, 0.0)))
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
    weights = []
    for bucket in range(len(MATCH_BUCKETS)):
        data = np.array([(p, q) for b, p, q in rows if b == bucket])
        if len(data) < 50:
            weights.append(weights[-1] if weights else 0.0)
            continue
        ll = [np.log(np.maximum((1 - w) * data[:, 0] + w * data[:, 1], 1e-12)).sum() for w in grid]
        weights.append(round(float(grid[int(np.argmax(ll))]), 3))
    return weights


def sample_continuations(stepper: Stepper, prompts: list[list[int]], bars: int, *,
                         temperature: float = 1.0, seed: int = 0, max_tokens: int = 2000) -> list[list[int]]:
    """For each prompt (which ends at a bar line), sample tokens up to `bars` further bars
    (or EOS), with the grammar mask and copy mixture. Returns the new tokens per prompt."""
    rng = np.random.default_rng(seed)
    n = len(prompts)
    states, copies = [GrammarState() for _ in prompts], [CopyModel() for _ in prompts]
    h, c = stepper.zero(n)
    length = max(len(p) for p in prompts)
    last_logits = np.zeros((n, VOCAB_SIZE), np.float32)
    for t in range(length):  # prime every row with its own prompt; finished rows keep state
        col = np.array([p[t] if t < len(p) else 0 for p in prompts])
        logits, _, h_new, c_new = stepper.step(col, h, c)
        active = np.array([t < len(p) for p in prompts])
        h = np.where(active[None, :, None], h_new, h)
        c = np.where(active[None, :, None], c_new, c)
        last_logits = np.where(active[:, None], logits, last_logits)
        for r, p in enumerate(prompts):
            if t < len(p):
                states[r].advance(p[t])
                copies[r].append(p[t])
    logits = last_logits
    end_bar = [s.bar + bars for s in states]
    out: list[list[int]] = [[] for _ in prompts]
    done = [False] * n
    for _ in range(max_tokens):
        probs = softmax(logits / max(temperature, 1e-3))
        col = np.zeros(n, np.int64)
        for r in range(n):
            if done[r]:
                continue
            _, mix, _, _ = mixed(probs[r], grammar_mask(states[r]), copies[r], stepper.copy_weights)
            tok = int(rng.choice(VOCAB_SIZE, p=mix / mix.sum()))
            if tok == EOS or (tok == BAR and states[r].bar + 1 >= end_bar[r]):
                done[r] = True
                continue
            states[r].advance(tok)
            copies[r].append(tok)
            out[r].append(tok)
            col[r] = tok
        if all(done):
            break
        logits, _, h_new, c_new = stepper.step(col, h, c)
        active = np.array([not d for d in done])
        h = np.where(active[None, :, None], h_new, h)
        c = np.where(active[None, :, None], c_new, c)
    return out
