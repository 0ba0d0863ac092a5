"""Token sequences for training: pieces -> encoded tokens, bar-aligned crops with the
style/metre header restored, transposition augmentation, style-blind copies for the style
head. Pure Python + numpy-free so it is cheap to test; torch tensors are made in train.py.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from models.corpus import Piece
from studio.core.encoding import (
    BAR,
    OFFSETS,
    STYLES,
    Kind,
    encode,
    style_token,
)
from studio.core.notes import Clip, Note, TimeSignature

PITCH_LO = OFFSETS[Kind.PITCH]


@dataclass
class Sequence:
    tokens: list[int]
    style: int  # index into STYLES
    bar_starts: list[int]  # indices of BAR tokens (crop points)
    lowest: int  # lowest and highest pitch, for safe transposition
    highest: int


def piece_clip(piece: Piece) -> Clip:
    notes = [Note(s, p, max(1, d), max(1, min(127, v))) for s, p, d, v in piece.notes]
    return Clip(notes, piece.tempo, TimeSignature(*piece.metre))


def split_clips(items: list[tuple[Piece, str]], split: str, style: str | None = None
                ) -> Iterator[tuple[Piece, Clip]]:
    """(piece, clip) for the pieces of one split (and style), skipping the few whose metre
    is no time signature at all (such as 1/6)."""
    for piece, where in items:
        if where == split and (style is None or piece.style == style):
            try:
                yield piece, piece_clip(piece)
            except ValueError:
                continue


def encode_piece(piece: Piece) -> Sequence | None:
    """The piece's tokens (with EOS), or None when its metre is not representable."""
    try:
        tokens = encode(piece_clip(piece), piece.style)
    except ValueError:  # EncodingError, or a metre such as 1/6 that is no time signature
        return None
    pitches = [n[1] for n in piece.notes]
    bars = [i for i, t in enumerate(tokens) if t == BAR]
    return Sequence(tokens, STYLES.index(piece.style), bars, min(pitches), max(pitches))


def crop(seq: Sequence, length: int, rng: random.Random) -> list[int]:
    """Up to `length` + 1 tokens starting at a random bar, with STYLE METRE put back in front."""
    if len(seq.tokens) <= length + 1:
        return list(seq.tokens)
    candidates = [b for b in seq.bar_starts if b + length // 2 < len(seq.tokens)] or [2]
    start = rng.choice(candidates)
    return seq.tokens[:2] + seq.tokens[start:start + length - 1]


def transpose(tokens: list[int], shift: int) -> list[int]:
    if shift == 0:
        return tokens
    return [t + shift if PITCH_LO <= t < PITCH_LO + 128 else t for t in tokens]


def augment(seq: Sequence, tokens: list[int], rng: random.Random, max_shift: int,
            blind_rate: float) -> tuple[list[int], bool]:
    """Random transposition within the MIDI range; sometimes hide the style ("any") so the
    style head learns to recognise it. Returns tokens and whether the style was hidden."""
    lo = max(-max_shift, -seq.lowest)
    hi = min(max_shift, 127 - seq.highest)
    tokens = transpose(tokens, rng.randint(lo, hi) if lo <= hi else 0)
    blind = rng.random() < blind_rate
    if blind:
        tokens = [style_token("any")] + tokens[1:]
    return tokens, blind
