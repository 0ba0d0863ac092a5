"""What each variation may play next: the grammar of the encoding plus the musician's limits
(start and end of the continuation, key and pitch range, polyphony, no overlapping notes of
one pitch), as a boolean mask over the vocabulary.

Positions are only offered where some pitch can still be played, so a row never walks into
a dead end; when nothing is left the row is finished.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from studio.core.encoding import (
    BAR,
    DURATION_STEPS,
    EOS,
    OFFSETS,
    TICKS_PER_STEP,
    VOCAB_SIZE,
    GrammarState,
    Kind,
    token_range,
)
from studio.core.notes import Note

POS_LO = OFFSETS[Kind.POS]
VEL_LO = OFFSETS[Kind.VEL]
PITCH_LO, PITCH_HI = token_range(Kind.PITCH)
DUR_LO, DUR_HI = token_range(Kind.DUR)
_DUR_STEPS = np.array(DURATION_STEPS)


@lru_cache(maxsize=8192)
def _grammar_mask(key: tuple) -> np.ndarray:
    phase, steps_in_bar, position, vbin, last_pitch = key
    state = GrammarState(phase=phase, steps_in_bar=steps_in_bar, position=position, vbin=vbin,
                         last_pitch=last_pitch)
    mask = np.zeros(VOCAB_SIZE, bool)
    for lo, hi in state.allowed():
        mask[lo:hi] = True
    mask.flags.writeable = False
    return mask


def grammar_mask(state: GrammarState) -> np.ndarray:
    """The tokens the encoding's grammar allows next, as a fresh bool[VOCAB_SIZE]. (The
    masks are cached by grammar state: a pure function of it, shared safely by threads.)"""
    return _grammar_mask(state.key()).copy()


@dataclass(frozen=True)
class Limits:
    start_step: int  # no onset before this step (the seed's end, rounded up to a beat)
    end_step: int  # every note ends by this step
    pitches: np.ndarray  # bool[128]: key lock and pitch range
    max_polyphony: int = 0  # 0 = no limit
    velocity_bins: np.ndarray | None = None  # bool[VELOCITY_BINS]: dynamics allowed (None = all)


class Rows:
    """All variations of one continuation at once. Each row keeps its grammar state (a
    small Python object); what the masks need is held in arrays over the rows - the bars
    dropped from the front of the context (so steps stay absolute), when each pitch stops
    sounding, and the earliest step at which a new onset would still find a free pitch - so
    one step's masks for every row cost a few numpy operations, not a loop of them."""

    def __init__(self, grammar: GrammarState, limits: Limits, bar_offset: int,
                 sounding: dict[int, int], count: int) -> None:
        self.grammars = [replace(grammar) for _ in range(count)]
        self.limits, self.bar_offset = limits, bar_offset
        self.steps = grammar.steps_in_bar
        self.ends = np.zeros((count, 128), np.int64)  # step at which each pitch is free again
        for pitch, end in sounding.items():
            self.ends[:, pitch] = end
        self.free_from = np.zeros(count, np.int64)
        for r in range(count):
            self._update_free_from(r)
        self.done = np.zeros(count, bool)
        self._pos_grid = np.arange(self.steps)
        # The limits that never change (pitches allowed, dynamics) folded into the grammar's
        # mask, once per grammar state this continuation meets.
        self._static = np.ones(VOCAB_SIZE, bool)
        self._static[PITCH_LO:PITCH_HI] = limits.pitches
        if limits.velocity_bins is not None:
            self._static[VEL_LO:PITCH_LO] = limits.velocity_bins
        self._base: dict[tuple, np.ndarray] = {}

    def _base_mask(self, grammar: GrammarState) -> np.ndarray:
        key = grammar.key()
        base = self._base.get(key)
        if base is None:
            base = self._base[key] = _grammar_mask(key) & self._static
        return base

    def _update_free_from(self, r: int) -> None:
        """From which step on an onset can take a pitch. Pitches only ever come free as time
        goes on, so this is one number: when the first allowed pitch is free and, under a
        polyphony cap, when fewer than `cap` notes still sound."""
        limits, ends = self.limits, self.ends[r]
        if not limits.pitches.any():
            self.free_from[r] = np.iinfo(np.int64).max
            return
        lowest = int(ends[limits.pitches].min())
        cap = limits.max_polyphony
        if 0 < cap <= len(ends):
            lowest = max(lowest, int(np.partition(ends, len(ends) - cap)[len(ends) - cap]))
        self.free_from[r] = lowest

    def masks(self) -> np.ndarray:
        """bool[rows, VOCAB_SIZE]: what each row may play next (nothing for finished rows)."""
        limits, steps = self.limits, self.steps
        count = len(self.grammars)
        mask = np.zeros((count, VOCAB_SIZE), bool)
        bars = np.zeros(count, np.int64)
        position = np.zeros(count, np.int64)
        phases = set()
        for r, g in enumerate(self.grammars):
            if not self.done[r]:
                mask[r] = self._base_mask(g)
                bars[r], position[r] = g.bar + self.bar_offset, g.position
                phases.add(g.phase)
        onset = bars * steps + position
        # Each part below only matters for rows in some phases (a DUR only follows a PITCH,
        # onsets and the end only a BAR or a DUR); skip the parts no row can use.
        if phases - {Kind.POS, Kind.VEL, Kind.PITCH}:
            eos = mask[:, EOS].copy()
            mask[:, BAR] &= (bars + 1) * steps < limits.end_step
            grid = bars[:, None] * steps + self._pos_grid
            lowest = np.maximum(self.free_from, limits.start_step)[:, None]
            positions = mask[:, POS_LO:POS_LO + steps]
            positions &= (grid >= lowest) & (grid < limits.end_step)
            # The musician asked for a length, so a row may end only where time has run out:
            # then it ends (EOS) or adds a chord note, as the model prefers - never a forced pile.
            mask[:, EOS] = eos & ~mask[:, BAR] & ~positions.any(axis=1)
        if phases - {Kind.PITCH}:
            early = (position >= 0) & (onset < limits.start_step)  # no chord on the seed's last onset
            if early.any():
                mask[early, VEL_LO:PITCH_HI] = False
            busy = self.ends > onset[:, None]
            mask[:, PITCH_LO:PITCH_HI] &= ~busy
            if limits.max_polyphony:
                mask[busy.sum(axis=1) >= limits.max_polyphony, PITCH_LO:PITCH_HI] = False
        if Kind.PITCH in phases:
            mask[:, DUR_LO:DUR_HI] &= (limits.end_step - onset)[:, None] >= _DUR_STEPS
        return mask

    def advance(self, r: int, tok: int) -> Note | None:
        """Row r takes a sampled token; returns the note it completes (in absolute ticks)."""
        if tok == EOS:
            self.done[r] = True
            return None
        grammar = self.grammars[r]
        note = grammar.advance(tok, check=False)  # sampled from masks(), which hold the grammar
        if note is None:
            return None
        shift = self.bar_offset * grammar.steps_in_bar * TICKS_PER_STEP
        note = note.moved(start=note.start + shift)
        self.ends[r, note.pitch] = (note.start + note.duration) // TICKS_PER_STEP
        self._update_free_from(r)
        return note
