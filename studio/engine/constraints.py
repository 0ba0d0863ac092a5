"""What each variation may play next: the grammar of the encoding plus the musician's limits
(start and end of the continuation, key and pitch range, polyphony, no overlapping notes of
one pitch), as a boolean mask over the vocabulary.

Positions are only offered where some pitch can still be played, so a row never walks into
a dead end; when nothing is left the row is finished.
"""

from __future__ import annotations

from dataclasses import dataclass
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


class RowState:
    """One variation: its grammar state, its sounding notes (pitch -> end step), and the
    bars dropped from the front of its context (so steps stay absolute)."""

    def __init__(self, grammar: GrammarState, limits: Limits, bar_offset: int,
                 sounding: dict[int, int]) -> None:
        self.grammar, self.limits, self.bar_offset = grammar, limits, bar_offset
        self.sounding = dict(sounding)
        self.done = False

    def _onset(self) -> int:
        g = self.grammar
        return (g.bar + self.bar_offset) * g.steps_in_bar + g.position

    def _free_pitches(self, onsets: np.ndarray) -> np.ndarray:
        """How many allowed pitches could start at each onset (polyphony and overlaps)."""
        limits = self.limits
        total = int(limits.pitches.sum())
        if not self.sounding:
            return np.full(len(onsets), total)
        pitches = np.fromiter(self.sounding.keys(), int)
        ends = np.fromiter(self.sounding.values(), int)
        busy = ends[None, :] > onsets[:, None]
        free = total - (busy & limits.pitches[pitches][None, :]).sum(axis=1)
        if limits.max_polyphony:
            free = np.where(busy.sum(axis=1) >= limits.max_polyphony, 0, free)
        return free

    def mask(self) -> np.ndarray:
        g, limits = self.grammar, self.limits
        mask = grammar_mask(g)
        eos = bool(mask[EOS])
        bar = g.bar + self.bar_offset
        if mask[BAR] and (bar + 1) * g.steps_in_bar >= limits.end_step:
            mask[BAR] = False
        if g.position >= 0 and self._onset() < limits.start_step:  # no chord on the seed's last onset
            mask[VEL_LO:PITCH_HI] = False
        if limits.velocity_bins is not None:
            mask[VEL_LO:PITCH_LO] &= limits.velocity_bins
        steps = g.steps_in_bar
        if mask[POS_LO:POS_LO + steps].any():
            onsets = bar * steps + np.arange(steps)
            ok = (onsets >= limits.start_step) & (onsets < limits.end_step)
            ok &= self._free_pitches(onsets) > 0
            mask[POS_LO:POS_LO + steps] &= ok
        if mask[PITCH_LO:PITCH_HI].any():
            onset = self._onset()
            allowed = limits.pitches.copy()
            busy = [p for p, end in self.sounding.items() if end > onset]
            allowed[busy] = False
            if limits.max_polyphony and len(busy) >= limits.max_polyphony:
                allowed[:] = False
            mask[PITCH_LO:PITCH_HI] &= allowed
        if mask[DUR_LO:DUR_HI].any():
            mask[DUR_LO:DUR_HI] &= limits.end_step - self._onset() >= _DUR_STEPS
        # The musician asked for a length, so the row may end only where time has run out:
        # then it ends (EOS) or adds a chord note, as the model prefers - never a forced pile.
        mask[EOS] = eos and not mask[BAR] and not mask[POS_LO:POS_LO + steps].any()
        return mask

    def advance(self, tok: int) -> Note | None:
        """Take a sampled token; returns the note it completes (in absolute ticks)."""
        if tok == EOS:
            self.done = True
            return None
        note = self.grammar.advance(tok, check=False)  # sampled from mask(), which holds the grammar
        if note is None:
            return None
        shift = self.bar_offset * self.grammar.steps_in_bar * TICKS_PER_STEP
        note = note.moved(start=note.start + shift)
        self.sounding[note.pitch] = (note.start + note.duration) // TICKS_PER_STEP
        return note
