"""Baselines scored on exactly the notes the main model is scored on, with the same per-note metrics.

A melody is a list of (start_tick, pitch, duration_tick), sorted by start, monophonic, at
TICKS_PER_QUARTER ticks per quarter, on the TICKS_PER_STEP grid. Every note is scored, the first
one of a melody included (contexts are padded with a start symbol).

- `NGram`: interpolated Witten-Bell n-gram over an integer alphabet, backing off down to a
  uniform distribution, so no probability is ever 0.
- `TimingNGram`: 5-gram over (inter-onset interval, duration) symbols; timing bits of a note.
- `Pitch5Gram`: pitch 5-gram + TimingNGram.
- `Interval5Gram`: melodic-interval 5-gram turned into a pitch distribution + TimingNGram.
- `SeedLSTM`: the "music generation with an RNN" tutorial design (25 previous notes as
  (pitch/128, step, duration) in seconds at 120 BPM, LSTM(128), pitch/step/duration heads);
  step and duration are scored as Gaussians integrated over their grid cell.

`fit_baselines` fits all three; each has `.score(melodies) -> NoteScores`; `summarise` gives
the mean bits and accuracy per note.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from studio.core.encoding import DURATION_STEPS, TICKS_PER_STEP, duration_index
from studio.core.notes import TICKS_PER_QUARTER

Melody = list[tuple[int, int, int]]

LN2 = math.log(2.0)
MAX_IOI_STEPS = 192
MAX_INTERVAL = 24
SECONDS_PER_TICK = 0.5 / TICKS_PER_QUARTER  # 120 BPM
STEP_SECONDS = TICKS_PER_STEP * SECONDS_PER_TICK  # one grid step: 1/24 s


@dataclass
class NoteScores:
    """Per-note scores: bits for the pitch, whether the argmax pitch was right, bits for timing."""

    pitch_bits: np.ndarray
    pitch_correct: np.ndarray
    timing_bits: np.ndarray
    other_bits: np.ndarray | None = None  # anything else a model spends on the note (dynamics)

    def __post_init__(self) -> None:
        self.pitch_bits = np.asarray(self.pitch_bits, dtype=np.float64)
        self.pitch_correct = np.asarray(self.pitch_correct, dtype=bool)
        self.timing_bits = np.asarray(self.timing_bits, dtype=np.float64)
        self.other_bits = np.zeros_like(self.pitch_bits) if self.other_bits is None \
            else np.asarray(self.other_bits, dtype=np.float64)
        lengths = {len(self.pitch_bits), len(self.pitch_correct), len(self.timing_bits), len(self.other_bits)}
        if len(lengths) != 1:
            raise ValueError("NoteScores arrays must have equal lengths")

    @property
    def joint_bits(self) -> np.ndarray:
        return self.pitch_bits + self.timing_bits + self.other_bits

    def __len__(self) -> int:
        return len(self.pitch_bits)

    @staticmethod
    def concat(parts: Sequence[NoteScores]) -> NoteScores:
        if not parts:
            return NoteScores(np.zeros(0), np.zeros(0, bool), np.zeros(0))
        return NoteScores(np.concatenate([p.pitch_bits for p in parts]),
                          np.concatenate([p.pitch_correct for p in parts]),
                          np.concatenate([p.timing_bits for p in parts]),
                          np.concatenate([p.other_bits for p in parts]))


def summarise(scores: NoteScores) -> dict[str, float]:
    """Means per note (pitch_acc as a fraction), rounded to 4 decimals."""
    if len(scores) == 0:
        return dict.fromkeys(("joint_bits", "pitch_bits", "pitch_acc", "timing_bits"), math.nan)
    return {
        "joint_bits": round(float(scores.joint_bits.mean()), 4),
        "pitch_bits": round(float(scores.pitch_bits.mean()), 4),
        "pitch_acc": round(float(scores.pitch_correct.mean()), 4),
        "timing_bits": round(float(scores.timing_bits.mean()), 4),
    }


class NGram:
    """Interpolated Witten-Bell n-gram over symbols 0..size-1; the start symbol is `size`.

    p(w|h) = (c(h,w) + T(h) p(w|h')) / (c(h) + T(h)), with T(h) the number of distinct symbols
    seen after h and h' the context without its oldest symbol; below the unigram is the uniform
    distribution, so every probability is > 0. Unseen contexts fall through to h'.
    """

    def __init__(self, size: int, order: int = 5, max_cache: int = 50_000) -> None:
        self.size = size
        self.order = order
        self.start = size
        self.max_cache = max_cache
        # tables[k][context of length k] = (counts by symbol, total count, distinct symbols)
        self.tables: list[dict[tuple[int, ...], tuple[dict[int, int], int, int]]] = [{} for _ in range(order)]
        self._cache: dict[tuple[int, ...], np.ndarray] = {}

    def fit(self, sequences: Sequence[Sequence[int]]) -> NGram:
        pad = [self.start] * (self.order - 1)
        counters = [Counter() for _ in range(self.order)]
        for seq in sequences:
            padded = pad + list(seq)
            n = len(padded)
            for k in range(self.order):  # k symbols of context
                lo = self.order - 1 - k
                counters[k].update(zip(*[padded[lo + j: n - k + j] for j in range(k + 1)], strict=True))
        for k, counter in enumerate(counters):
            grouped: dict[tuple[int, ...], dict[int, int]] = {}
            for gram, c in counter.items():
                grouped.setdefault(gram[:-1], {})[gram[-1]] = c
            self.tables[k] = {ctx: (d, sum(d.values()), len(d)) for ctx, d in grouped.items()}
        self._cache.clear()
        return self

    def _context(self, context: Sequence[int]) -> tuple[int, ...]:
        k = self.order - 1
        ctx = tuple(context[-k:]) if k else ()
        return (self.start,) * (k - len(ctx)) + ctx

    def _dist(self, ctx: tuple[int, ...]) -> np.ndarray:
        hit = self._cache.get(ctx)
        if hit is not None:
            return hit
        if ctx:
            lower = self._dist(ctx[1:])
        else:
            lower = np.full(self.size, 1.0 / self.size)
            lower.flags.writeable = False
        entry = self.tables[len(ctx)].get(ctx)
        if entry is None:
            dist = lower
        else:
            counts, total, types = entry
            dist = lower * types
            dist[list(counts)] += list(counts.values())
            dist /= total + types
            dist.flags.writeable = False
        if len(self._cache) >= self.max_cache:
            self._cache.clear()
        self._cache[ctx] = dist
        return dist

    def distribution(self, context: Sequence[int]) -> np.ndarray:
        """p(. | context) over the alphabet (sums to 1, all > 0); context = symbols so far."""
        return self._dist(self._context(context))

    def prob(self, context: Sequence[int], symbol: int) -> float:
        """p(symbol | context), without building the whole distribution (for large alphabets)."""
        ctx = self._context(context)
        p = 1.0 / self.size
        for k in range(self.order):
            entry = self.tables[k].get(ctx[len(ctx) - k:] if k else ())
            if entry is not None:
                counts, total, types = entry
                p = (counts.get(symbol, 0) + types * p) / (total + types)
        return p

    def sequence_bits(self, seq: Sequence[int]) -> np.ndarray:
        """-log2 p of every symbol of seq given the ones before it."""
        seq, k = list(seq), self.order - 1
        return np.array([-math.log2(self.prob(seq[max(0, i - k):i], s)) for i, s in enumerate(seq)],
                        dtype=np.float64)


def _gaps(melody: Melody) -> list[int]:
    """Onset difference from the previous note, in ticks (0 for the first note)."""
    return [0] + [b[0] - a[0] for a, b in zip(melody, melody[1:], strict=False)]


class TimingNGram:
    """5-gram over timing symbols (inter-onset interval in steps clamped to 0..192, duration index)."""

    n_durations = len(DURATION_STEPS)

    def __init__(self, order: int = 5) -> None:
        self.ngram = NGram((MAX_IOI_STEPS + 1) * self.n_durations, order)

    @classmethod
    def symbols(cls, melody: Melody) -> list[int]:
        out = []
        for gap, (_, _, dur) in zip(_gaps(melody), melody, strict=True):
            ioi = min(max(round(gap / TICKS_PER_STEP), 0), MAX_IOI_STEPS)
            d = duration_index(max(1, round(dur / TICKS_PER_STEP)))
            out.append(ioi * cls.n_durations + d)
        return out

    def fit(self, melodies: Sequence[Melody]) -> TimingNGram:
        self.ngram.fit([self.symbols(m) for m in melodies])
        return self

    def timing_bits(self, melody: Melody) -> np.ndarray:
        return self.ngram.sequence_bits(self.symbols(melody))


class Pitch5Gram:
    """Interpolated pitch 5-gram (128 pitches) for pitch, TimingNGram for timing."""

    def __init__(self, order: int = 5) -> None:
        self.pitch = NGram(128, order)
        self.timing = TimingNGram(order)

    def fit(self, melodies: Sequence[Melody]) -> Pitch5Gram:
        self.pitch.fit([[p for _, p, _ in m] for m in melodies])
        self.timing.fit(melodies)
        return self

    def score(self, melodies: Sequence[Melody]) -> NoteScores:
        parts = []
        for m in melodies:
            pitches = [p for _, p, _ in m]
            bits, correct = np.zeros(len(m)), np.zeros(len(m), bool)
            for i, p in enumerate(pitches):
                dist = self.pitch.distribution(pitches[max(0, i - self.pitch.order + 1):i])
                bits[i] = -math.log2(dist[p])
                correct[i] = int(np.argmax(dist)) == p
            parts.append(NoteScores(bits, correct, self.timing.timing_bits(m)))
        return NoteScores.concat(parts)


class Interval5Gram:
    """5-gram over melodic intervals (clamped to -24..24), read as a distribution over pitches.

    The start symbol stands for "first note". p(pitch) = p(interval = pitch - previous pitch);
    the clamped end symbols (+-24) share their mass evenly over all pitches at least 24 away on
    their side, and the distribution is renormalised over 0..127 (mass of intervals that would
    leave the range is dropped), so every pitch has p > 0. The first note's pitch comes from a
    unigram over training pitches (Witten-Bell interpolated with uniform).
    """

    n_intervals = 2 * MAX_INTERVAL + 1

    def __init__(self, order: int = 5) -> None:
        self.interval = NGram(self.n_intervals, order)
        self.first = NGram(128, 1)
        self.timing = TimingNGram(order)

    @staticmethod
    def symbols(pitches: Sequence[int]) -> list[int]:
        pairs = zip(pitches, pitches[1:], strict=False)
        return [min(max(b - a, -MAX_INTERVAL), MAX_INTERVAL) + MAX_INTERVAL for a, b in pairs]

    def fit(self, melodies: Sequence[Melody], timing: TimingNGram | None = None) -> Interval5Gram:
        """Fit on melodies; `timing`, if given, is a TimingNGram already fitted on them (shared)."""
        pitch_seqs = [[p for _, p, _ in m] for m in melodies]
        self.interval.fit([self.symbols(ps) for ps in pitch_seqs])
        self.first.fit(pitch_seqs)
        self.timing = timing if timing is not None else TimingNGram().fit(melodies)
        return self

    def pitch_distribution(self, intervals: np.ndarray, prev: int) -> np.ndarray:
        """The pitch distribution for an interval distribution after pitch `prev`."""
        d = np.arange(128) - prev
        out = np.zeros(128)
        inner = np.abs(d) < MAX_INTERVAL
        out[inner] = intervals[d[inner] + MAX_INTERVAL]
        for tail, mass in ((d >= MAX_INTERVAL, intervals[-1]), (d <= -MAX_INTERVAL, intervals[0])):
            n = int(tail.sum())
            if n:
                out[tail] = mass / n
        return out / out.sum()

    def score(self, melodies: Sequence[Melody]) -> NoteScores:
        parts = []
        first = self.first.distribution(())
        first_best = int(np.argmax(first))
        for m in melodies:
            if not m:
                continue
            pitches = [p for _, p, _ in m]
            syms = self.symbols(pitches)
            bits, correct = np.zeros(len(m)), np.zeros(len(m), bool)
            bits[0], correct[0] = -math.log2(first[pitches[0]]), first_best == pitches[0]
            for i in range(1, len(m)):
                context = syms[max(0, i - self.interval.order):i - 1]
                dist = self.pitch_distribution(self.interval.distribution(context), pitches[i - 1])
                bits[i] = -math.log2(dist[pitches[i]])
                correct[i] = int(np.argmax(dist)) == pitches[i]
            parts.append(NoteScores(bits, correct, self.timing.timing_bits(m)))
        return NoteScores.concat(parts)


class _SeedNet(nn.Module):
    def __init__(self, hidden: int = 128) -> None:
        super().__init__()
        self.lstm = nn.LSTM(3, hidden, batch_first=True)
        self.pitch = nn.Linear(hidden, 128)
        self.step = nn.Linear(hidden, 1)
        self.duration = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        out, _ = self.lstm(x)
        h = out[:, -1]
        return self.pitch(h), self.step(h).squeeze(-1), self.duration(h).squeeze(-1)


def _normal_cell(mean: torch.Tensor, x: torch.Tensor, sigma: float) -> torch.Tensor:
    """P(x - w/2 < X < x + w/2) for X ~ N(mean, sigma), w one grid step; accurate in both tails."""
    lo = (x - STEP_SECONDS / 2 - mean) / sigma
    hi = (x + STEP_SECONDS / 2 - mean) / sigma
    upper = lo > 0  # both bounds above the mean: use the mirrored lower tail
    p = torch.where(upper, torch.special.ndtr(-lo) - torch.special.ndtr(-hi),
                    torch.special.ndtr(hi) - torch.special.ndtr(lo))
    return p.clamp_min(1e-12)


class SeedLSTM:
    """The tutorial's LSTM: 25 previous notes as (pitch/128, step s, duration s) -> pitch, step, duration.

    Loss 0.05 * pitch cross-entropy + MSE(step) + MSE(duration), Adam lr 0.005, batch 64. Step
    and duration are scored as Gaussians (mean = prediction, sigma = RMS training residual)
    integrated over the true value's grid cell.
    """

    window = 25

    def __init__(self, hidden: int = 128) -> None:
        self.net = _SeedNet(hidden)
        self.sigma_step = 1.0
        self.sigma_duration = 1.0

    @classmethod
    def _arrays(cls, melodies: Sequence[Melody]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Flat features with `window` zero rows before each melody, each note's row, its pitch."""
        feats, rows, pitches, at = [], [], [], 0
        for m in melodies:
            if not m:
                continue
            f = np.zeros((cls.window + len(m), 3), dtype=np.float32)
            f[cls.window:, 0] = [p / 128 for _, p, _ in m]
            f[cls.window:, 1] = np.array(_gaps(m)) * SECONDS_PER_TICK
            f[cls.window:, 2] = [d * SECONDS_PER_TICK for _, _, d in m]
            feats.append(f)
            rows.append(at + cls.window + np.arange(len(m)))
            pitches.extend(p for _, p, _ in m)
            at += len(f)
        if not feats:
            return np.zeros((0, 3), np.float32), np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(feats), np.concatenate(rows), np.array(pitches, dtype=np.int64)

    def _batch(self, flat: torch.Tensor, rows: np.ndarray) -> torch.Tensor:
        idx = torch.from_numpy(rows[:, None] + np.arange(-self.window, 0))
        return flat[idx]

    def fit(self, melodies: Sequence[Melody], seconds: float | None = None, epochs: float | None = None,
            seed: int = 0, batch_size: int = 64, lr: float = 0.005) -> SeedLSTM:
        """Train until `seconds` have passed or `epochs` are done (whichever first; 1 epoch if neither)."""
        if seconds is None and epochs is None:
            epochs = 1
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        self.net = _SeedNet(self.net.lstm.hidden_size)
        flat_np, rows, pitches = self._arrays(melodies)
        flat, targets = torch.from_numpy(flat_np), torch.from_numpy(pitches)
        opt = torch.optim.Adam(self.net.parameters(), lr=lr)
        total = math.inf if epochs is None else epochs * len(rows)
        deadline = math.inf if seconds is None else time.monotonic() + seconds
        seen = 0
        self.net.train()
        while len(rows) and seen < total and time.monotonic() < deadline:
            order = rng.permutation(len(rows))
            for b in range(0, len(order), batch_size):
                sel = order[b:b + batch_size]
                x = self._batch(flat, rows[sel])
                tgt = flat[torch.from_numpy(rows[sel])]
                logits, step, dur = self.net(x)
                loss = (0.05 * nn.functional.cross_entropy(logits, targets[sel])
                        + nn.functional.mse_loss(step, tgt[:, 1]) + nn.functional.mse_loss(dur, tgt[:, 2]))
                opt.zero_grad()
                loss.backward()
                opt.step()
                seen += len(sel)
                if seen >= total or time.monotonic() >= deadline:
                    break
        # sigmas: RMS residuals on (a sample of at most 20k) training notes
        sample = rows if len(rows) <= 20_000 else rows[rng.choice(len(rows), 20_000, replace=False)]
        _, step, dur = self._predict(flat, sample)
        true = flat[torch.from_numpy(sample)].double()
        if len(sample):
            self.sigma_step = max(float(((step - true[:, 1]) ** 2).mean().sqrt()), 1e-3)
            self.sigma_duration = max(float(((dur - true[:, 2]) ** 2).mean().sqrt()), 1e-3)
        return self

    def _predict(self, flat: torch.Tensor, rows: np.ndarray,
                 chunk: int = 2048) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Pitch log-probabilities (float64), step and duration predictions for the given rows."""
        self.net.eval()
        logps, steps, durs = [torch.zeros(0, 128, dtype=torch.float64)], [torch.zeros(0)], [torch.zeros(0)]
        with torch.no_grad():
            for b in range(0, len(rows), chunk):
                logits, step, dur = self.net(self._batch(flat, rows[b:b + chunk]))
                logps.append(torch.log_softmax(logits.double(), -1))
                steps.append(step)
                durs.append(dur)
        return torch.cat(logps), torch.cat(steps).double(), torch.cat(durs).double()

    def score(self, melodies: Sequence[Melody]) -> NoteScores:
        flat_np, rows, pitches = self._arrays(melodies)
        flat = torch.from_numpy(flat_np)
        logp, step, dur = self._predict(flat, rows)
        true = flat[torch.from_numpy(rows)].double()
        target = torch.from_numpy(pitches)
        pitch_bits = -logp.gather(1, target[:, None]).squeeze(1) / LN2
        correct = logp.argmax(1) == target
        p_step = _normal_cell(step, true[:, 1], self.sigma_step)
        p_dur = _normal_cell(dur, true[:, 2], self.sigma_duration)
        timing_bits = -(torch.log2(p_step) + torch.log2(p_dur))
        return NoteScores(pitch_bits.numpy(), correct.numpy(), timing_bits.numpy())

    def state_dict(self) -> dict[str, object]:
        return {"model": self.net.state_dict(), "sigma_step": self.sigma_step,
                "sigma_duration": self.sigma_duration, "hidden": self.net.lstm.hidden_size}

    @classmethod
    def from_state_dict(cls, state: dict) -> SeedLSTM:
        model = cls(int(state.get("hidden", 128)))
        model.net.load_state_dict(state["model"])
        model.sigma_step = float(state["sigma_step"])
        model.sigma_duration = float(state["sigma_duration"])
        return model


def fit_baselines(train_melodies: Sequence[Melody], *, lstm_seconds: float,
                  seed: int = 0) -> dict[str, object]:
    """Fit the three baselines on the training melodies; each has `.score(melodies) -> NoteScores`.

    The two n-gram baselines share one TimingNGram, so their timing bits are identical.
    """
    pitch = Pitch5Gram().fit(train_melodies)
    return {
        "pitch_5gram": pitch,
        "interval_5gram": Interval5Gram().fit(train_melodies, timing=pitch.timing),
        "seed_lstm": SeedLSTM().fit(train_melodies, seconds=lstm_seconds, seed=seed),
    }
