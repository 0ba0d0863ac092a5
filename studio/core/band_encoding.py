"""The arrangement ("band") token encoding, shared by training, export, the engine and
evaluation (versioned, like studio.core.encoding for the continuation model).

One interleaved stream, a group of tokens per beat, for all parts over one timeline:

    STYLE MODE MEL0* (BEAT MEL+1* CHORD BASS* COMP* END)*  mode "hear"  (offline arranging)
    STYLE MODE (BEAT CHORD BASS* COMP* MEL* END)*           mode "live"  (the band that follows)

- BEAT_(n, k): beat k of a bar of n beats, so the model knows where it is in the bar.
- MEL_(s, pc): a melody onset on sub-step s (SUBSTEPS per beat) with pitch class pc;
  HOLD_pc: a melody note still sounding at the beat's start. The melody is given: its tokens
  are forced while sampling, never sampled.
- CHORD_(root, quality) or NO_CHORD: the harmony of the beat (the chord lane).
- BASS_(s, p): a bass onset on sub-step s, MIDI pitch p in BASS_RANGE.
- COMP_(s, size, long): a comping onset on sub-step s, with 1, 2 or 3+ notes, shorter than a
  beat or not. Voicings are made from the chord by studio.engine's voicer: the model learns
  rhythm and density, the chord lane fixes the notes.

In "hear" mode the harmony of a beat follows the melody of that beat and of the next one
(MEL0: the first beat's melody, right after the header; each beat's group then brings the
next beat's melody, MEL+1): an arranger with a written melody hears where it goes, and a chord
that changes with the melody changes on time. In "live" mode the harmony precedes the beat's
melody, so a band deciding beat b has heard only the melody before b. Sub-steps within a part
are strictly increasing inside a beat. Change anything here and bump BAND_ENCODING_VERSION.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from studio.core.chords import QUALITY_NAMES, Chord
from studio.core.encoding import vocabulary_layout

BAND_ENCODING_VERSION = 2
SUBSTEPS = 4  # per beat: 16ths in x/4
MAX_BEATS_PER_BAR = 8
BAND_STYLES = ("any", "pop", "folk")
MODES = ("hear", "live")
BASS_RANGE = (28, 60)  # E1 .. B3
COMP_SIZES = 3  # 1, 2, 3+ notes


class BandKind(IntEnum):
    PAD = 0
    EOS = 1
    STYLE = 2
    MODE = 3
    BEAT = 4
    MEL = 5
    HOLD = 6
    CHORD = 7
    BASS = 8
    COMP = 9
    END = 10


_BEAT_VALUES = [(n, k) for n in range(1, MAX_BEATS_PER_BAR + 1) for k in range(n)]
_SIZES = {
    BandKind.PAD: 1,
    BandKind.EOS: 1,
    BandKind.STYLE: len(BAND_STYLES),
    BandKind.MODE: len(MODES),
    BandKind.BEAT: len(_BEAT_VALUES),
    BandKind.MEL: SUBSTEPS * 12,
    BandKind.HOLD: 12,
    BandKind.CHORD: 12 * len(QUALITY_NAMES) + 1,  # the last is no chord
    BandKind.BASS: SUBSTEPS * (BASS_RANGE[1] - BASS_RANGE[0]),
    BandKind.COMP: SUBSTEPS * COMP_SIZES * 2,
    BandKind.END: 1,
}
BAND_OFFSETS, BAND_VOCAB_SIZE, BAND_KIND_OF = vocabulary_layout(_SIZES)
BAND_EOS = BAND_OFFSETS[BandKind.EOS]
BEAT_END = BAND_OFFSETS[BandKind.END]
NO_CHORD_TOKEN = BAND_OFFSETS[BandKind.CHORD] + 12 * len(QUALITY_NAMES)


class BandEncodingError(ValueError):
    """Beats or tokens outside the band encoding."""


@dataclass
class BandBeat:
    """One beat of an arrangement, as the encoding sees it.

    melody: (sub-step, MIDI pitch) onsets; held: pitch class sounding into the beat or None;
    bass: (sub-step, MIDI pitch); comp: (sub-step, size index 0-2, long)."""

    beats_per_bar: int
    beat: int
    chord: Chord = field(default_factory=Chord.none)
    melody: list[tuple[int, int]] = field(default_factory=list)
    held: int | None = None
    bass: list[tuple[int, int]] = field(default_factory=list)
    comp: list[tuple[int, int, bool]] = field(default_factory=list)


def band_token(kind: BandKind, value: int = 0) -> int:
    if not 0 <= value < _SIZES[kind]:
        raise BandEncodingError(f"{kind.name} value {value} is out of range")
    return BAND_OFFSETS[kind] + value


def band_range(kind: BandKind) -> tuple[int, int]:
    """[first, last + 1) of a kind's tokens."""
    return BAND_OFFSETS[kind], BAND_OFFSETS[kind] + _SIZES[kind]


def band_value(tok: int) -> int:
    return tok - BAND_OFFSETS[BAND_KIND_OF[tok]]


def header(style: str, mode: str) -> list[int]:
    if style not in BAND_STYLES:
        raise BandEncodingError(f"unknown style '{style}'; the arranger knows {', '.join(BAND_STYLES)}")
    style_tok = band_token(BandKind.STYLE, BAND_STYLES.index(style))
    return [style_tok, band_token(BandKind.MODE, MODES.index(mode))]


def beat_token(beats_per_bar: int, beat: int) -> int:
    n = min(max(1, beats_per_bar), MAX_BEATS_PER_BAR)
    return band_token(BandKind.BEAT, _BEAT_VALUES.index((n, beat % n)))


def beat_of(tok: int) -> tuple[int, int]:
    """(beats per bar, beat) of a BEAT token."""
    return _BEAT_VALUES[band_value(tok)]


def chord_token(chord: Chord) -> int:
    if chord.is_none:
        return NO_CHORD_TOKEN
    return band_token(BandKind.CHORD, chord.root * len(QUALITY_NAMES) + QUALITY_NAMES.index(chord.quality))


def token_chord(tok: int) -> Chord:
    if tok == NO_CHORD_TOKEN:
        return Chord.none()
    value = band_value(tok)
    return Chord(value // len(QUALITY_NAMES), QUALITY_NAMES[value % len(QUALITY_NAMES)])


def bass_pitch_in_range(pitch: int) -> int:
    """The pitch moved by octaves into BASS_RANGE."""
    lo, hi = BASS_RANGE
    while pitch < lo:
        pitch += 12
    while pitch >= hi:
        pitch -= 12
    return pitch


def melody_tokens(beat: BandBeat) -> list[int]:
    """The forced melody tokens of one beat: HOLD first, then onsets by sub-step."""
    out = [] if beat.held is None else [band_token(BandKind.HOLD, beat.held % 12)]
    last = -1
    for sub, pitch in sorted(beat.melody):
        if sub == last:  # one onset per sub-step: the first (lowest) is dropped for the top
            out.pop()
        out.append(band_token(BandKind.MEL, sub * 12 + pitch % 12))
        last = sub
    return out


def part_tokens(beat: BandBeat) -> list[int]:
    """CHORD BASS* COMP* of one beat."""
    out = [chord_token(beat.chord)]
    span = BASS_RANGE[1] - BASS_RANGE[0]
    last = -1
    for sub, pitch in sorted(beat.bass):
        if sub > last:
            out.append(band_token(BandKind.BASS, sub * span + bass_pitch_in_range(pitch) - BASS_RANGE[0]))
            last = sub
    last = -1
    for sub, size, long in sorted(beat.comp):
        if sub > last:
            slot = sub * COMP_SIZES + min(size, COMP_SIZES - 1)
            out.append(band_token(BandKind.COMP, slot * 2 + int(long)))
            last = sub
    return out


def encode_beats(beats: list[BandBeat], style: str = "any", mode: str = "hear", *,
                 end: bool = True) -> list[int]:
    """The token stream of a whole arrangement."""
    if mode not in MODES:
        raise BandEncodingError(f"unknown mode '{mode}'")
    tokens = header(style, mode)
    if mode == "hear" and beats:
        tokens += melody_tokens(beats[0])
    for b, beat in enumerate(beats):
        tokens += group_tokens(beat, beats[b + 1] if b + 1 < len(beats) else None, mode)
    if end:
        tokens.append(BAND_EOS)
    return tokens


def group_tokens(beat: BandBeat, following: BandBeat | None, mode: str) -> list[int]:
    """The tokens of one beat's group: in "hear" mode with the following beat's melody (None:
    none follows), in "live" mode with the beat's own melody after its parts."""
    head = [beat_token(beat.beats_per_bar, beat.beat)]
    if mode == "hear":
        ahead = [] if following is None else melody_tokens(following)
        return head + ahead + part_tokens(beat) + [BEAT_END]
    return head + part_tokens(beat) + melody_tokens(beat) + [BEAT_END]


def decode_parts(tokens: list[int]) -> list[BandBeat]:
    """Beats (chord, bass, comp; melody sub-steps and pitch classes) from a token stream (in
    "hear" mode each beat's melody is read from where it comes: the group before)."""
    beats: list[BandBeat] = []
    span = BASS_RANGE[1] - BASS_RANGE[0]
    hearing = len(tokens) > 1 and BAND_KIND_OF[tokens[1]] is BandKind.MODE and \
        MODES[band_value(tokens[1])] == "hear"
    pending = BandBeat(0, 0)  # the melody of the beat to come (hear mode)
    for tok in tokens:
        kind = BAND_KIND_OF[tok]
        value = band_value(tok)
        if kind is BandKind.BEAT:
            n, k = _BEAT_VALUES[value]
            heard = pending if hearing else BandBeat(0, 0)
            beats.append(BandBeat(n, k, melody=heard.melody, held=heard.held))
            pending = BandBeat(0, 0)
            continue
        if hearing and kind in (BandKind.MEL, BandKind.HOLD):
            if kind is BandKind.MEL:
                pending.melody.append((value // 12, value % 12))
            else:
                pending.held = value
            continue
        if not beats:
            continue
        elif kind is BandKind.CHORD:
            beats[-1].chord = token_chord(tok)
        elif kind is BandKind.BASS:
            beats[-1].bass.append((value // span, BASS_RANGE[0] + value % span))
        elif kind is BandKind.COMP:
            slot, long = divmod(value, 2)
            beats[-1].comp.append((slot // COMP_SIZES, slot % COMP_SIZES, bool(long)))
        elif kind is BandKind.MEL:
            beats[-1].melody.append((value // 12, value % 12))
        elif kind is BandKind.HOLD:
            beats[-1].held = value
    return beats


def transpose_tokens(tokens: list[int], shift: int) -> list[int]:
    """Every pitch-bearing token moved by `shift` semitones (bass kept in its range)."""
    if shift == 0:
        return list(tokens)
    span = BASS_RANGE[1] - BASS_RANGE[0]
    out = []
    for tok in tokens:
        kind = BAND_KIND_OF[tok]
        value = band_value(tok)
        if kind is BandKind.MEL:
            sub, pc = divmod(value, 12)
            tok = band_token(kind, sub * 12 + (pc + shift) % 12)
        elif kind is BandKind.HOLD:
            tok = band_token(kind, (value + shift) % 12)
        elif kind is BandKind.CHORD and tok != NO_CHORD_TOKEN:
            tok = chord_token(token_chord(tok).transposed(shift))
        elif kind is BandKind.BASS:
            sub, offset = divmod(value, span)
            pitch = bass_pitch_in_range(BASS_RANGE[0] + offset + shift)
            tok = band_token(kind, sub * span + pitch - BASS_RANGE[0])
        out.append(tok)
    return out


def token_substep(tok: int) -> int:
    """The sub-step of a BASS, COMP or MEL token."""
    kind = BAND_KIND_OF[tok]
    value = band_value(tok)
    if kind is BandKind.BASS:
        return value // (BASS_RANGE[1] - BASS_RANGE[0])
    if kind is BandKind.COMP:
        return value // (2 * COMP_SIZES)
    if kind is BandKind.MEL:
        return value // 12
    raise BandEncodingError(f"a {kind.name} token has no sub-step")
