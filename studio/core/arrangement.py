"""An arrangement: parts over one timeline. The melody (given, never changed), a chord lane
(chord symbols with start and length: the harmony everything else follows) and parts such as
Chords (comping), Bass and Drums, each with its MIDI channel and General MIDI program.

Also the bridge between a melody in ticks and the band encoding's beats (`melody_beats`):
the beat is the metre's felt beat (a quarter in 4/4, a dotted quarter in 6/8), and a melody
note lands on the nearest of SUBSTEPS per beat. Pure Python, like the rest of studio.core.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from studio.core.band_encoding import MAX_BEATS_PER_BAR, SUBSTEPS, BandBeat
from studio.core.chords import Chord, parse_chords
from studio.core.notes import DRUM_CHANNEL, Clip, Note, TimeSignature


@dataclass(frozen=True)
class PartSpec:
    """What a part is by default: its channel (0-15) and GM program (0-127)."""

    name: str
    channel: int
    program: int


MELODY = PartSpec("Melody", 0, 0)  # Acoustic Grand Piano
CHORDS = PartSpec("Chords", 1, 4)  # Electric Piano 1
BASS = PartSpec("Bass", 2, 33)  # Electric Bass (finger)
DRUMS = PartSpec("Drums", DRUM_CHANNEL, 0)  # the GM kit on channel 10
GENERATED_PARTS = ("chords", "bass", "drums")


@dataclass(frozen=True)
class ChordSpan:
    """One chord of the chord lane: from `start` for `length` ticks."""

    start: int
    length: int
    chord: Chord

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass
class Part:
    """One instrument's notes, on its channel with its program; `locked` parts are kept when
    the others are regenerated."""

    name: str
    channel: int
    program: int
    notes: list[Note] = field(default_factory=list)
    locked: bool = False
    muted: bool = False
    solo: bool = False


@dataclass
class Arrangement:
    """The melody, the chord lane and the generated parts (by lower-case name), in the
    melody's tempo and metre; `beats` keeps what the band decided, so one part can be
    regenerated with the others kept."""

    melody: Clip
    chords: list[ChordSpan]
    parts: dict[str, Part]
    beats: list[BandBeat] = field(default_factory=list)  # the band's decisions, beat by beat

    def tracks(self) -> list[tuple[str, int, int, list[Note]]]:
        """(name, channel, program, notes) of the melody and each part, in a file's order."""
        out = [(MELODY.name, MELODY.channel, MELODY.program, list(self.melody.notes))]
        for name in GENERATED_PARTS:
            part = self.parts.get(name)
            if part is not None:
                out.append((part.name, part.channel, part.program, part.notes))
        return out

    def markers(self) -> list[tuple[int, str]]:
        """The chord lane as (tick, symbol) markers."""
        return [(span.start, span.chord.name) for span in self.chords]

    def audible(self) -> list[Note]:
        """Every note to play: the melody and the parts, muted ones out, soloed ones alone."""
        soloed = [p for p in self.parts.values() if p.solo]
        parts = soloed or [p for p in self.parts.values() if not p.muted]
        notes = [] if soloed else list(self.melody.notes)
        for part in parts:
            notes += part.notes
        return sorted(notes)


@dataclass(frozen=True)
class BeatGrid:
    """The beats of a metre: `beat_ticks` per beat, `per_bar` beats a bar (at most
    MAX_BEATS_PER_BAR), SUBSTEPS sub-steps a beat."""

    beat_ticks: int
    per_bar: int

    @staticmethod
    def of(time_signature: TimeSignature) -> BeatGrid:
        beat = time_signature.beat_ticks
        per_bar = max(1, time_signature.bar_ticks // beat)
        while per_bar > MAX_BEATS_PER_BAR:  # 12/8 is four felt beats; 16/16 is eight
            beat *= 2
            per_bar = max(1, time_signature.bar_ticks // beat)
        return BeatGrid(beat, per_bar)

    @property
    def sub_ticks(self) -> float:
        return self.beat_ticks / SUBSTEPS

    def tick(self, beat: int, sub: int = 0) -> int:
        return round(beat * self.beat_ticks + sub * self.sub_ticks)

    def substep(self, tick: int) -> int:
        """The nearest sub-step (counted from tick 0) of a tick."""
        return round(tick / self.sub_ticks)


def melody_notes(clip: Clip) -> list[Note]:
    """The clip's pitched notes (drums aside), in order."""
    return sorted(n for n in clip.notes if n.channel != DRUM_CHANNEL)


def melody_beats(clip: Clip, grid: BeatGrid | None = None) -> list[BandBeat]:
    """The melody on the band encoding's beats, over whole bars from bar 1 to the bar of its
    last note: onsets on their sub-steps (the highest note of a sub-step), and the pitch class
    still sounding into each beat."""
    grid = grid or BeatGrid.of(clip.time_signature)
    notes = melody_notes(clip)
    end = max((n.end for n in notes), default=0)
    bars = max(1, -(-end // (grid.beat_ticks * grid.per_bar)))
    beats = [BandBeat(grid.per_bar, b % grid.per_bar) for b in range(bars * grid.per_bar)]
    place_melody(beats, [(grid.substep(n.start), grid.substep(n.end), n.pitch) for n in notes])
    return beats


def place_melody(beats: list[BandBeat], notes: list[tuple[int, int, int]]) -> None:
    """Put melody notes, (start, end, pitch) in sub-steps from the first beat, on the beats:
    onsets on their sub-steps (the highest of a sub-step), and the pitch class still sounding
    into each beat that starts with no onset of its own. The training data and the arranger
    both use it, so the model hears a melody one way."""
    for beat in beats:
        beat.melody, beat.held = [], None
    onsets: dict[int, int] = {}
    for start, _, pitch in notes:
        if 0 <= start // SUBSTEPS < len(beats):
            onsets[start] = max(onsets.get(start, 0), pitch)
    for slot, pitch in sorted(onsets.items()):
        beats[slot // SUBSTEPS].melody.append((slot % SUBSTEPS, pitch))
    for start, end, pitch in notes:
        for b in range(max(0, start // SUBSTEPS + 1), min(len(beats), -(-end // SUBSTEPS))):
            if not any(sub == 0 for sub, _ in beats[b].melody):
                beats[b].held = pitch % 12


def chord_lane(chords: list[Chord], grid: BeatGrid) -> list[ChordSpan]:
    """Per-beat chords as a lane: runs of one chord merged into spans (no chord: no span)."""
    spans: list[ChordSpan] = []
    run_start = 0
    for b in range(1, len(chords) + 1):
        if b == len(chords) or chords[b] != chords[run_start]:
            chord = chords[run_start]
            if not chord.is_none:
                start = grid.tick(run_start)
                spans.append(ChordSpan(start, grid.tick(b) - start, chord))
            run_start = b
    return spans


def chords_per_beat(lane: list[ChordSpan], beats: int, grid: BeatGrid) -> list[Chord | None]:
    """The chord lane read back per beat: the chord sounding at each beat's start, or None
    where the lane is silent (the model chooses there)."""
    out: list[Chord | None] = [None] * beats
    for span in lane:
        first = -(-span.start // grid.beat_ticks)  # the first beat starting inside the span
        for b in range(max(0, first), beats):
            if grid.tick(b) >= span.end:
                break
            if grid.tick(b) >= span.start:
                out[b] = span.chord
    return out


def typed_lane(text: str, bars: int, grid: BeatGrid) -> list[ChordSpan]:
    """A typed progression ("C G Am F", "C | G | Am F |") over `bars` bars: one chord a bar,
    or two a bar where a bar line holds two, repeated to fill; ChordError for a bad symbol."""
    groups = [g.split() for g in text.split("|") if g.strip()] if "|" in text else None
    bar_ticks = grid.beat_ticks * grid.per_bar
    per_bar = groups if groups else [[c] for c in text.replace(",", " ").split()]
    spans = []
    for bar in range(bars):
        symbols = parse_chords(" ".join(per_bar[bar % len(per_bar)]))
        length = bar_ticks // len(symbols)
        for i, chord in enumerate(symbols):
            if not chord.is_none:
                spans.append(ChordSpan(bar * bar_ticks + i * length, length, chord))
    return spans
