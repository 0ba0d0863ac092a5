"""Turn logits into tokens in numpy: temperature (0 = greedy), the copy-model mixture,
masks, and nucleus (top-p) sampling."""

from __future__ import annotations

import numpy as np

from studio.core.copy_model import CopyModel, match_bucket


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = logits / max(temperature, 1e-6)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def masked_softmax(logits: np.ndarray, mask: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """`restrict(softmax(logits, temperature), mask)` in one pass, for rows that allow at
    least one token: the best allowed token gets exp(0), so the sum never underflows."""
    z = np.where(mask, logits / max(temperature, 1e-6), -np.inf)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def restrict(probs: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Probabilities renormalised over the allowed tokens (uniform if the model gave them none)."""
    p = np.where(mask, probs, 0.0)
    total = p.sum(axis=-1, keepdims=True)
    fallback = mask / np.maximum(mask.sum(axis=-1, keepdims=True), 1)
    return np.where(total > 0, p / np.where(total > 0, total, 1.0), fallback)


def copy_votes(copy: CopyModel, mask: np.ndarray) -> tuple[dict[int, float], int]:
    """The copy model's prediction over allowed tokens (normalised) and its match length."""
    votes, length = copy.predict()
    votes = {t: v for t, v in votes.items() if mask[t]}
    norm = sum(votes.values())
    return {t: v / norm for t, v in votes.items()}, length


def mix_copy(p: np.ndarray, votes: dict[int, float], length: int, weights: list[float],
             amount: float = 1.0) -> np.ndarray:
    """(1 - w) p + w p_copy, with w looked up by the match length and scaled by `amount`
    (the user's "repeat" control: 0 = never copy)."""
    if not votes or not weights or amount <= 0:
        return p
    w = min(0.97, weights[match_bucket(length)] * amount)
    out = p * (1.0 - w)
    for tok, v in votes.items():
        out[tok] += w * v
    return out


def mix_copies(p: np.ndarray, copies: list[CopyModel], masks: np.ndarray, weights: list[float],
               amount: float = 1.0) -> np.ndarray:
    """`mix_copy` for a batch: p [B, V], one copy model per row, the rows' masks [B, V]. The
    copy models' votes go into one [B, V] array, so the mixture is a few array operations."""
    if not weights or amount <= 0:
        return p
    rows, toks, votes = [], [], []
    w = np.zeros(len(p))
    for r, copy in enumerate(copies):
        dist, length = copy.predict()
        if dist:
            w[r] = min(0.97, weights[match_bucket(length)] * amount)
            rows += [r] * len(dist)
            toks += dist.keys()
            votes += dist.values()
    if not rows:
        return p
    q = np.zeros_like(p)
    q[rows, toks] = votes
    q *= masks
    total = q.sum(axis=1, keepdims=True)
    w = np.where(total[:, 0] > 0, w, 0.0)[:, None]  # no allowed vote: the model alone
    return p * (1.0 - w) + w * (q / np.where(total > 0, total, 1.0))


def choose(p: np.ndarray, temperature: float, top_p: float, rng: np.random.Generator) -> np.ndarray:
    """One token per row of p [B, V]: greedy at temperature 0; otherwise sampled from the
    smallest set of likeliest tokens whose mass reaches top_p (the nucleus)."""
    if temperature <= 0:
        return p.argmax(axis=1)
    u = rng.random(len(p))[:, None]
    if top_p < 1.0 and (p.max(axis=1) >= top_p * p.sum(axis=1)).all():
        return p.argmax(axis=1)  # every row's nucleus is its likeliest token alone
    if top_p < 1.0:  # keep tokens at least as likely as the last one the nucleus needs
        ranked = -np.sort(-p, axis=1)
        cum = np.cumsum(ranked, axis=1)
        needed = (cum - ranked < top_p * cum[:, -1:]).sum(axis=1)
        p = np.where(p >= ranked[np.arange(len(p)), needed - 1][:, None], p, 0.0)
    cum = np.cumsum(p, axis=1)
    return np.minimum((cum < u * cum[:, -1:]).sum(axis=1), p.shape[1] - 1)
