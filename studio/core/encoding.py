"""The one token encoding shared by training, export, the engine and evaluation (versioned).

A clip becomes: STYLE METRE BAR (BAR | POS [VEL] PITCH DUR ([VEL] PITCH DUR)*)* [EOS]

- Time is a beat-relative grid of STEPS_PER_QUARTER steps (12: 16ths are 3 steps, triplet
  8ths 4), so a continuation lands on the grid at any tempo.
- BAR starts a bar; POS_p is the onset's step inside the bar (strictly increasing within a
  bar), so the model always knows where it is in the bar; empty bars are repeated BARs.
- Notes at one onset form a chord, written highest pitch first (the melody leads).
- VEL_v (one of VELOCITY_BINS) is written only when the dynamic changes.
- DUR_d is the length in steps, from a table of musically common lengths.

`GrammarState` is the single definition of what may follow what: `decode` checks it and the
engine builds its sampling mask from `GrammarState.allowed()`, so every sampled sequence
decodes to valid notes. Change anything here and bump ENCODING_VERSION.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from enum import IntEnum

from studio.core.notes import DRUM_CHANNEL, TICKS_PER_QUARTER, Clip, Note, TimeSignature

ENCODING_VERSION = 2
STEPS_PER_QUARTER = 12
TICKS_PER_STEP = TICKS_PER_QUARTER // STEPS_PER_QUARTER
MAX_BAR_STEPS = 8 * STEPS_PER_QUARTER
VELOCITY_BINS = 8
# "any" is the unknown style: what the style head is trained to recognise from. Styles are
# only ever appended (version 2 added "pop"), so a model can grow into a new one (models.train).
STYLES = ("any", "folk", "chorale", "renaissance", "classical", "other", "pop")
DURATION_STEPS = tuple(range(1, 25)) + (
    27, 30, 32, 33, 36, 39, 40, 42, 45, 48, 54, 60, 66, 72, 84, 96, 120, 144, 192,
)
METRES = tuple(
    (num, den)
    for den in (2, 4, 8, 16)
    for num in range(1, 17)
    if num * 4 * STEPS_PER_QUARTER // den <= MAX_BAR_STEPS
)


class Kind(IntEnum):
    """The kinds of token, in vocabulary order."""

    PAD = 0
    EOS = 1
    BAR = 2
    STYLE = 3
    METRE = 4
    POS = 5
    VEL = 6
    PITCH = 7
    DUR = 8


KIND_SIZES = {
    Kind.PAD: 1,
    Kind.EOS: 1,
    Kind.BAR: 1,
    Kind.STYLE: len(STYLES),
    Kind.METRE: len(METRES),
    Kind.POS: MAX_BAR_STEPS,
    Kind.VEL: VELOCITY_BINS,
    Kind.PITCH: 128,
    Kind.DUR: len(DURATION_STEPS),
}


def vocabulary_layout(sizes: dict) -> tuple[dict, int, tuple]:
    """A vocabulary of kinds laid end to end in the enum's order: (first token of each kind,
    vocabulary size, the kind of every token). Shared by every token encoding."""
    offsets, first = {}, 0
    for kind, size in sizes.items():
        offsets[kind] = first
        first += size
    return offsets, first, tuple(k for k, size in sizes.items() for _ in range(size))


OFFSETS, VOCAB_SIZE, KIND_OF = vocabulary_layout(KIND_SIZES)
PAD, EOS, BAR = OFFSETS[Kind.PAD], OFFSETS[Kind.EOS], OFFSETS[Kind.BAR]


class EncodingError(ValueError):
    """A clip that cannot be encoded, or tokens that do not decode."""


def token(kind: Kind, value: int = 0) -> int:
    """The token id of a kind's value-th entry (a POS step, a pitch, a duration index...)."""
    if not 0 <= value < KIND_SIZES[kind]:
        raise EncodingError(f"{kind.name} value {value} is out of range")
    return OFFSETS[kind] + value


def value_of(tok: int) -> int:
    """The value inside its kind of a token id."""
    return tok - OFFSETS[KIND_OF[tok]]


def token_range(kind: Kind) -> tuple[int, int]:
    """[first, last + 1) of a kind's tokens."""
    return OFFSETS[kind], OFFSETS[kind] + KIND_SIZES[kind]


def style_token(style: str) -> int:
    if style not in STYLES:
        raise EncodingError(f"unknown style '{style}'; the model knows {', '.join(STYLES)}")
    return token(Kind.STYLE, STYLES.index(style))


def metre_token(ts: TimeSignature) -> int:
    try:
        return token(Kind.METRE, METRES.index((ts.numerator, ts.denominator)))
    except ValueError:
        raise EncodingError(f"the time signature {ts} is not supported (bars up to 8 quarters)") from None


def bar_steps(ts: TimeSignature) -> int:
    return ts.numerator * 4 * STEPS_PER_QUARTER // ts.denominator


def velocity_bin(velocity: int) -> int:
    return min(VELOCITY_BINS - 1, velocity * VELOCITY_BINS // 128)


def bin_velocity(vbin: int) -> int:
    """The velocity a bin decodes to: the middle of the bin."""
    return vbin * (128 // VELOCITY_BINS) + 128 // VELOCITY_BINS // 2


def duration_index(steps: int) -> int:
    """Index of the DURATION_STEPS entry nearest to steps (ties go to the shorter)."""
    i = bisect_left(DURATION_STEPS, steps)
    if i == len(DURATION_STEPS):
        return i - 1
    if i > 0 and steps - DURATION_STEPS[i - 1] <= DURATION_STEPS[i] - steps:
        return i - 1
    return i


def canonical_clip(clip: Clip) -> Clip:
    """The clip as the encoding sees it: drums dropped, starts on the step grid, lengths from
    DURATION_STEPS, velocities at their bin's middle, channel 0, one note per pitch and onset."""
    metre_token(clip.time_signature)  # fail early on an unsupported metre
    best: dict[tuple[int, int], Note] = {}
    for note in clip.notes:
        if note.channel == DRUM_CHANNEL:
            continue
        step = (note.start + TICKS_PER_STEP // 2) // TICKS_PER_STEP
        dur_steps = DURATION_STEPS[duration_index((note.duration + TICKS_PER_STEP // 2) // TICKS_PER_STEP)]
        snapped = Note(step * TICKS_PER_STEP, note.pitch, dur_steps * TICKS_PER_STEP,
                       bin_velocity(velocity_bin(note.velocity)), 0)
        old = best.get((snapped.start, snapped.pitch))
        if old is None or (snapped.duration, snapped.velocity) > (old.duration, old.velocity):
            best[(snapped.start, snapped.pitch)] = snapped
    return clip.with_notes(sorted(best.values(), key=lambda n: (n.start, -n.pitch)))


def encode(clip: Clip, style: str = "any", *, end: bool = True) -> list[int]:
    """Tokens for a clip (canonicalised first); `end` appends EOS."""
    clip = canonical_clip(clip)
    steps_in_bar = bar_steps(clip.time_signature)
    tokens = [style_token(style), metre_token(clip.time_signature), BAR]
    bar, onset, vbin = 0, -1, None
    for note in clip.notes:
        step = note.start // TICKS_PER_STEP
        if step != onset:
            note_bar, pos = divmod(step, steps_in_bar)
            tokens.extend([BAR] * (note_bar - bar))
            bar, onset = note_bar, step
            tokens.append(token(Kind.POS, pos))
        nbin = velocity_bin(note.velocity)
        if nbin != vbin:
            tokens.append(token(Kind.VEL, nbin))
            vbin = nbin
        tokens.append(token(Kind.PITCH, note.pitch))
        tokens.append(token(Kind.DUR, DURATION_STEPS.index(note.duration // TICKS_PER_STEP)))
    if end:
        tokens.append(EOS)
    return tokens


@dataclass
class GrammarState:
    """Where a token sequence is: what may come next, and the musical position so far."""

    phase: Kind | None = None  # kind of the last token; None before the first
    steps_in_bar: int = 0
    bar: int = -1  # index of the current bar (the first BAR makes it 0)
    position: int = -1  # onset step inside the bar; -1 right after BAR
    vbin: int | None = None
    last_pitch: int = 128  # pitch of the previous note at this onset (chords go downwards)
    style: int = 0
    pending_pitch: int = -1

    @property
    def onset_step(self) -> int:
        return self.bar * self.steps_in_bar + self.position

    def allowed(self) -> list[tuple[int, int]]:
        """Token-id ranges [lo, hi) that may come next."""
        ranges: list[tuple[int, int]] = []
        phase = self.phase
        if phase is None:
            return [token_range(Kind.STYLE)]
        if phase == Kind.STYLE:
            return [token_range(Kind.METRE)]
        if phase == Kind.METRE:
            return [(BAR, BAR + 1)]
        if phase == Kind.EOS:
            return [(PAD, PAD + 1)]
        if phase == Kind.PITCH:
            return [token_range(Kind.DUR)]
        if phase in (Kind.POS, Kind.DUR, Kind.VEL):
            pitch_lo = OFFSETS[Kind.PITCH]
            # A VEL must be followed by a PITCH, so offer it only if a lower pitch is left
            # (after a chord note of pitch 0 it would be a dead end for the sampler).
            if phase != Kind.VEL and self.last_pitch > 0:
                lo, hi = token_range(Kind.VEL)
                if self.vbin is None:
                    ranges.append((lo, hi))
                else:
                    ranges += [r for r in ((lo, lo + self.vbin), (lo + self.vbin + 1, hi)) if r[0] < r[1]]
            if self.vbin is not None and self.last_pitch > 0:
                ranges.append((pitch_lo, pitch_lo + self.last_pitch))
        if phase in (Kind.BAR, Kind.DUR):
            pos_lo = OFFSETS[Kind.POS]
            if self.position + 1 < self.steps_in_bar:
                ranges.append((pos_lo + self.position + 1, pos_lo + self.steps_in_bar))
            ranges += [(EOS, BAR + 1)]
        return ranges

    def accepts(self, tok: int) -> bool:
        return any(lo <= tok < hi for lo, hi in self.allowed())

    def key(self) -> tuple:
        """Everything `allowed()` depends on (for caching masks)."""
        return (self.phase, self.steps_in_bar, self.position, self.vbin, self.last_pitch)

    def advance(self, tok: int, *, check: bool = True) -> Note | None:
        """Take one token; returns the note it completes, if any. Raises on a token the
        grammar does not allow here (unless the caller sampled it from `allowed()` itself
        and passes check=False)."""
        if check and not self.accepts(tok):
            raise EncodingError(f"token {tok} ({KIND_OF[tok].name}) cannot follow {self.phase!r}")
        kind, value = KIND_OF[tok], value_of(tok)
        self.phase = kind
        if kind == Kind.STYLE:
            self.style = value
        elif kind == Kind.METRE:
            num, den = METRES[value]
            self.steps_in_bar = num * 4 * STEPS_PER_QUARTER // den
        elif kind == Kind.BAR:
            self.bar += 1
            self.position = -1
        elif kind == Kind.POS:
            self.position = value
            self.last_pitch = 128
        elif kind == Kind.VEL:
            self.vbin = value
        elif kind == Kind.PITCH:
            self.pending_pitch = value
            self.last_pitch = value
        elif kind == Kind.DUR:
            assert self.vbin is not None
            return Note(
                self.onset_step * TICKS_PER_STEP,
                self.pending_pitch,
                DURATION_STEPS[value] * TICKS_PER_STEP,
                bin_velocity(self.vbin),
            )
        return None


@dataclass
class NoteSpan:
    """Which tokens of a sequence belong to one note: [first, last], and the pitch token."""

    first: int
    pitch_index: int
    last: int
    timing: list[int] = field(default_factory=list)  # indices of its BAR, POS and DUR tokens


def note_spans(tokens: list[int], start: int = 2) -> list[NoteSpan]:
    """Split a sequence into per-note token spans; tokens before `start` (style, metre) are
    the given context and belong to no note."""
    spans, first, pitch_index, timing = [], start, -1, []
    for i in range(start, len(tokens)):
        kind = KIND_OF[tokens[i]]
        if kind in (Kind.BAR, Kind.POS, Kind.DUR):
            timing.append(i)
        if kind == Kind.PITCH:
            pitch_index = i
        elif kind == Kind.DUR:
            spans.append(NoteSpan(first, pitch_index, i, timing))
            first, timing = i + 1, []
    return spans


def decode(tokens: list[int], tempo: float = 120.0, key: str | None = None) -> Clip:
    """The clip a token sequence describes; raises EncodingError if the grammar is broken."""
    state = GrammarState()
    notes = []
    for tok in tokens:
        if tok == PAD and state.phase in (Kind.EOS, None):
            break
        note = state.advance(tok)
        if note is not None:
            notes.append(note)
    if state.steps_in_bar == 0:
        raise EncodingError("the tokens do not start with a style and a metre")
    num, den = METRES[value_of(tokens[1])]
    return Clip(notes, tempo, TimeSignature(num, den), key)


def tail_window(tokens: list[int], max_tokens: int) -> tuple[list[int], int]:
    """The header plus the last whole bars that fit in `max_tokens`, and how many bars were
    dropped. The dynamic in force is restated, so the window is a valid sequence by itself."""
    if len(tokens) <= max_tokens:
        return list(tokens), 0
    bars = [i for i, t in enumerate(tokens) if t == BAR]
    keep = next((k for k, i in enumerate(bars) if len(tokens) - i + 3 <= max_tokens), len(bars) - 1)
    start = bars[keep]
    window = tokens[:2] + tokens[start:]
    vel = next((t for t in reversed(tokens[:start]) if KIND_OF[t] == Kind.VEL), None)
    first_pos = next((i for i, t in enumerate(window) if KIND_OF[t] == Kind.POS), None)
    if vel is not None and first_pos is not None and KIND_OF[window[first_pos + 1]] != Kind.VEL:
        window.insert(first_pos + 1, vel)
    return window, keep


def style_of(tokens: list[int]) -> str:
    """The style a token sequence starts with."""
    if not tokens or KIND_OF[tokens[0]] != Kind.STYLE:
        raise EncodingError("the tokens do not start with a style")
    return STYLES[value_of(tokens[0])]
