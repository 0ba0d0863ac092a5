"""Continue a seed clip: prime the LSTM once, then sample all variations as one batch, step
by step, yielding each note as soon as it is complete. Cancellable at any step; no global
state (an Engine owns its model and a small cache of primed seeds, behind a lock).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from studio.core.copy_model import CopyModel
from studio.core.encoding import (
    STYLES,
    TICKS_PER_STEP,
    VELOCITY_BINS,
    EncodingError,
    GrammarState,
    canonical_clip,
    encode,
    tail_window,
    velocity_bin,
)
from studio.core.notes import DRUM_CHANNEL, Clip, Note
from studio.core.scales import Key, detect_key
from studio.engine.constraints import Limits, Rows
from studio.engine.model import Model
from studio.engine.sampling import choose, masked_softmax, mix_copies, softmax

MAX_CONTEXT = 1024  # tokens of seed the model sees (the last bars); the copy model sees them too
AUTO = "auto"


class SeedError(ValueError):
    """A seed or settings that cannot be continued; str() is one sentence for the user."""


@dataclass
class Settings:
    """The musician's controls (the same ones the CLI and the Continue panel offer)."""

    bars: float = 4.0  # 1-32
    beats: float | None = None  # overrides bars when given
    variations: int = 1  # 1-8, sampled as one batch
    temperature: float = 1.0  # 0 = greedy ... 2
    top_p: float = 0.95
    seed: int | None = None  # same seed, same notes
    style: str = AUTO  # a style name, or "auto" = as the seed (the model's style head)
    key: str | None = None  # None = no lock, "auto" = detected from the seed, or "A-minor"...
    low: int = 0  # pitch range
    high: int = 127
    max_polyphony: int | None = None  # most notes at once: None = as many as the seed has, 0 = no limit
    repeat: float = 1.0  # how much the continuation may restate the seed (0 = never copy, 2 = a lot)
    follow_dynamics: bool = True

    def check(self) -> None:
        problems = []
        if self.beats is None and not 1 <= self.bars <= 32:
            problems.append("the length goes from 1 to 32 bars")
        if self.beats is not None and not 1 <= self.beats <= 32 * 16:
            problems.append("the length in beats must be at least 1")
        if not 1 <= self.variations <= 8:
            problems.append("variations go from 1 to 8")
        if not 0 <= self.temperature <= 2:
            problems.append("temperature goes from 0 to 2")
        if not 0 < self.top_p <= 1:
            problems.append("top-p goes from just above 0 to 1")
        if not 0 <= self.low <= self.high <= 127:
            problems.append("the pitch range must lie within 0-127, low to high")
        if not 0 <= self.repeat <= 2:
            problems.append("repeat goes from 0 to 2")
        if self.max_polyphony is not None and self.max_polyphony < 0:
            problems.append("maximum polyphony cannot be negative")
        if self.style not in (AUTO, *STYLES):
            problems.append(f"style must be auto or one of {', '.join(STYLES)}")
        if problems:
            raise SeedError("Settings out of range: " + "; ".join(problems) + ".")


@dataclass
class Generated:
    """A note of one variation (0-based), in the seed clip's ticks."""

    variation: int
    note: Note


PRIME_CHUNK = 64  # tokens per model call when priming: the cache keeps the state after each


@dataclass
class _Primed:
    logits: np.ndarray  # [1, V]
    style_logits: np.ndarray  # [1, S]
    h: np.ndarray
    c: np.ndarray


class Engine:
    """A model plus a cache of primed seeds: re-continuing the same (or an extended, or an
    edited) seed only runs the tokens after the last checkpoint it shares with a cached one.
    Use one Engine from any number of threads."""

    def __init__(self, model: Model, cache_size: int = 4) -> None:
        self.model = model
        # seed tokens -> {tokens run: state}, at every PRIME_CHUNK boundary and at the end
        self._cache: OrderedDict[tuple[int, ...], dict[int, _Primed]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def _checkpoint(self, key: tuple[int, ...]) -> tuple[int, dict[int, _Primed]]:
        """The longest cached state on the way to `key`, and the checkpoints before it. Only
        states at chunk boundaries (or of exactly this seed) are reused, so a seed is always
        run in the same chunks: cached or cold, its state is bit for bit the same (the int8
        model quantises each call's activations as a whole, so chunking matters to it)."""
        best: tuple[int, dict[int, _Primed]] = (0, {})
        with self._lock:
            for cached, states in self._cache.items():
                n, limit = 0, min(len(cached), len(key))
                while n < limit and cached[n] == key[n]:
                    n += 1
                done = max((k for k in states if k <= n and (k % PRIME_CHUNK == 0 or k == len(key))),
                           default=0)
                if done > best[0]:
                    best = (done, {k: v for k, v in states.items() if k <= done})
        return best

    def prime(self, tokens: list[int], cancel: threading.Event | None = None) -> _Primed:
        """Run tokens through the model (batch 1), reusing the longest cached prefix; whole
        chunks per call, so a 64-note seed costs a few calls, not hundreds of steps."""
        key = tuple(tokens)
        done, states = self._checkpoint(key)
        if done:
            state = states[done]
        else:
            h, c = self.model.zero_state(1)
            state = _Primed(np.zeros((1, 0)), np.zeros((1, 0)), h, c)
        while done < len(key):
            if cancel is not None and cancel.is_set():
                break
            end = min(len(key), (done // PRIME_CHUNK + 1) * PRIME_CHUNK)
            logits, style, h, c = self.model.run(np.array(key[done:end])[:, None], state.h, state.c)
            state = _Primed(logits, style, h, c)
            states[end] = state
            done = end
        if not done:
            return state
        with self._lock:  # a cancelled prime caches only what it ran
            self._cache[key[:done]] = states
            self._cache.move_to_end(key[:done])
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return state

    def continuation(self, seed: Clip, settings: Settings) -> Continuation:
        return Continuation(self, seed, settings)

    def prepare(self, seed: Clip, settings: Settings, cancel: threading.Event | None = None) -> None:
        """Prime what continuing this seed with these settings will need. Call it from a
        worker while the musician edits: the continuation then starts from the cached state,
        its first note a step or two away. Raises SeedError like `continuation`."""
        Continuation(self, seed, settings).prime(cancel)

    def detect_style(self, seed: Clip) -> str:
        """The style the model's style head hears in the seed (never "any" or "other")."""
        tokens, _ = tail_window(encode(seed, "any", end=False), MAX_CONTEXT)
        probs = softmax(self.prime(tokens).style_logits[0])
        candidates = [i for i, s in enumerate(STYLES) if s not in ("any", "other")]
        return STYLES[max(candidates, key=lambda i: probs[i])]


def seed_polyphony(clip: Clip) -> int:
    """The most notes sounding at once in the clip (a sweep: ends before starts at one tick)."""
    events = sorted([(n.start, 1) for n in clip.notes] + [(n.end, -1) for n in clip.notes])
    sounding = most = 0
    for _, change in events:
        sounding += change
        most = max(most, sounding)
    return max(most, 1)


def _written_key(seed: Clip) -> Key | None:
    try:
        return Key.parse(seed.key) if seed.key else None
    except ValueError:
        return None


def _velocity_map(seed: Clip) -> dict[int, int]:
    """For each velocity bin, the seed's mean velocity in it: continuations keep the
    seed's own dynamics rather than the bins' centres."""
    sums: dict[int, list[int]] = {}
    for note in seed.notes:
        sums.setdefault(velocity_bin(note.velocity), []).append(note.velocity)
    return {b: round(sum(v) / len(v)) for b, v in sums.items()}


class Continuation:
    """An iterator of Generated notes for all variations; `cancel()` stops it at the next
    step (from any thread). After iteration: `first_note_ms`, `notes`."""

    def __init__(self, engine: Engine, seed: Clip, settings: Settings) -> None:
        settings.check()
        self.engine, self.settings, self.original = engine, settings, seed
        self._cancel = threading.Event()
        try:
            self.seed = canonical_clip(seed)
        except EncodingError as err:
            raise SeedError(f"The seed cannot be continued: {err}.") from None
        if not self.seed.notes:
            raise SeedError("The seed has no notes to continue (drum notes are not continued).")
        ts = self.seed.time_signature
        beat = ts.beat_ticks
        seed_end = max(n.end for n in seed.notes if n.channel != DRUM_CHANNEL)
        self.start_tick = math.ceil(seed_end / beat) * beat
        length = settings.beats * beat if settings.beats is not None else settings.bars * ts.bar_ticks
        self.end_tick = self.start_tick + int(round(length / TICKS_PER_STEP)) * TICKS_PER_STEP
        # "auto" is resolved when generation starts, on the caller's (worker) thread
        self.style: str | None = None if settings.style == AUTO else settings.style
        if settings.key == AUTO:  # the key written in the file, else the one heard in the notes
            self.key = _written_key(seed) or detect_key(self.seed.notes)
        else:
            try:
                self.key = Key.parse(settings.key) if settings.key else None
            except ValueError as err:
                raise SeedError(f"{err}.") from None
        # A melody is continued as a melody, a chorale in four voices, unless the musician says.
        self.polyphony = settings.max_polyphony
        if self.polyphony is None:
            self.polyphony = seed_polyphony(self.seed)
        self.first_note_ms: float | None = None
        self.notes: list[list[Note]] = [[] for _ in range(settings.variations)]

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def _limits(self) -> Limits:
        s = self.settings
        pitches = np.zeros(128, bool)
        pitches[s.low:s.high + 1] = True
        if self.key is not None:
            pitches &= np.array([self.key.contains(p) for p in range(128)])
        dynamics = None
        if s.follow_dynamics:  # only the seed's own dynamic levels
            dynamics = np.zeros(VELOCITY_BINS, bool)
            used = [velocity_bin(n.velocity) for n in self.original.notes if n.channel != DRUM_CHANNEL]
            dynamics[used] = True
        return Limits(self.start_tick // TICKS_PER_STEP, self.end_tick // TICKS_PER_STEP, pitches,
                      self.polyphony, dynamics)

    def prime(self, cancel: threading.Event | None = None) -> tuple[list[int], int, _Primed]:
        """The seed's tokens (its last MAX_CONTEXT), the bars dropped before them, and the
        model's state after them (from the engine's cache when it has them)."""
        if self.style is None:
            self.style = self.engine.detect_style(self.seed)
        tokens, dropped = tail_window(encode(self.seed, self.style, end=False), MAX_CONTEXT)
        return tokens, dropped, self.engine.prime(tokens, cancel)

    def __iter__(self) -> Iterator[Generated]:
        started = time.perf_counter()
        s, model = self.settings, self.engine.model
        tokens, dropped, primed = self.prime(self._cancel)
        if self.cancelled:
            return
        grammar = GrammarState()
        for tok in tokens:
            grammar.advance(tok, check=False)  # our own encoding of the seed: valid by construction
        copy = CopyModel(tokens)
        start_step = self.start_tick // TICKS_PER_STEP
        sounding = {}
        for n in self.seed.notes:
            end = n.end // TICKS_PER_STEP
            if end > start_step:
                sounding[n.pitch] = max(end, sounding.get(n.pitch, 0))
        limits = self._limits()
        batch = s.variations
        rows = Rows(grammar, limits, dropped, sounding, batch)
        copies = [copy.copy() for _ in range(batch)]
        velocities = _velocity_map(self.original) if s.follow_dynamics else {}
        rng = np.random.default_rng(s.seed)
        logits = np.repeat(primed.logits, batch, axis=0)
        h, c = np.repeat(primed.h, batch, axis=1), np.repeat(primed.c, batch, axis=1)
        weights = model.weights_for(self.style) if s.repeat > 0 else []
        temperature = s.temperature if s.temperature > 0 else 1.0
        while not self.cancelled:
            masks = rows.masks()
            rows.done |= ~masks.any(axis=1)
            active = np.flatnonzero(~rows.done)
            if not len(active):
                break
            p = masked_softmax(logits[active], masks[active], temperature)
            p = mix_copies(p, [copies[r] for r in active], masks[active], weights, s.repeat)
            chosen = choose(p, s.temperature, s.top_p, rng)
            feed = np.zeros(batch, np.int64)
            feed[active] = chosen
            for r, tok in zip(active.tolist(), chosen.tolist(), strict=True):
                note = rows.advance(r, tok)
                copies[r].append(tok)
                if note is not None:
                    if velocities:
                        note = note.moved(velocity=velocities.get(velocity_bin(note.velocity), note.velocity))
                    if self.first_note_ms is None:
                        self.first_note_ms = (time.perf_counter() - started) * 1000
                    self.notes[r].append(note)
                    yield Generated(r, note)
            logits, _, h, c = model.step(feed, h, c)

    def run(self) -> list[list[Note]]:
        """Generate everything; the notes of each variation."""
        for _ in self:
            pass
        return self.notes

