"""Notes and clips: musical time in ticks of a fixed resolution, never seconds.

Tempo is a property of playback; a clip keeps it only so that files round-trip and the player
knows where to start.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

TICKS_PER_QUARTER = 480
DRUM_CHANNEL = 9


@dataclass(frozen=True, order=True)
class Note:
    """One note: start and duration in ticks, MIDI pitch and velocity, MIDI channel (0-15)."""

    start: int
    pitch: int
    duration: int
    velocity: int = 80
    channel: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.pitch <= 127:
            raise ValueError(f"pitch {self.pitch} is outside 0-127")
        if not 1 <= self.velocity <= 127:
            raise ValueError(f"velocity {self.velocity} is outside 1-127")
        if self.start < 0 or self.duration <= 0:
            raise ValueError(f"a note needs start >= 0 and duration > 0, not {self.start}/{self.duration}")
        if not 0 <= self.channel <= 15:
            raise ValueError(f"channel {self.channel} is outside 0-15")

    @property
    def end(self) -> int:
        return self.start + self.duration

    def moved(self, **changes: int) -> Note:
        """A copy with some fields changed."""
        return replace(self, **changes)


@dataclass(frozen=True)
class TimeSignature:
    """A metre such as 3/4 or 6/8."""

    numerator: int = 4
    denominator: int = 4

    def __post_init__(self) -> None:
        if self.numerator < 1 or self.denominator not in (1, 2, 4, 8, 16, 32):
            raise ValueError(f"{self.numerator}/{self.denominator} is not a time signature")

    @property
    def bar_ticks(self) -> int:
        return self.numerator * TICKS_PER_QUARTER * 4 // self.denominator

    @property
    def beat_ticks(self) -> int:
        """The felt beat: a dotted quarter in compound metres (6/8, 9/8, 12/8), else one unit."""
        unit = TICKS_PER_QUARTER * 4 // self.denominator
        if self.denominator >= 8 and self.numerator % 3 == 0 and self.numerator > 3:
            return unit * 3
        return unit

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


@dataclass
class Clip:
    """Notes plus the context they live in: tempo (BPM), time signature and key (or None)."""

    notes: list[Note] = field(default_factory=list)
    tempo: float = 120.0
    time_signature: TimeSignature = field(default_factory=TimeSignature)
    key: str | None = None

    def sorted_notes(self) -> list[Note]:
        return sorted(self.notes, key=lambda n: (n.start, -n.pitch, n.duration, n.velocity, n.channel))

    @property
    def end(self) -> int:
        return max((n.end for n in self.notes), default=0)

    def with_notes(self, notes: list[Note]) -> Clip:
        """The same context around other notes."""
        return Clip(list(notes), self.tempo, self.time_signature, self.key)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Clip):
            return NotImplemented
        return (
            self.sorted_notes() == other.sorted_notes()
            and self.tempo == other.tempo
            and self.time_signature == other.time_signature
            and self.key == other.key
        )


def top_voice(notes: list[Note]) -> list[Note]:
    """The melody of a polyphonic passage: the highest note at each onset (drums ignored),
    cut short where the next onset begins so the result is monophonic."""
    tops: dict[int, Note] = {}
    for note in notes:
        if note.channel == DRUM_CHANNEL:
            continue
        best = tops.get(note.start)
        if best is None or note.pitch > best.pitch:
            tops[note.start] = note
    ordered = [tops[s] for s in sorted(tops)]
    out = []
    for note, nxt in zip(ordered, ordered[1:] + [None], strict=False):  # None: the last has no next
        if nxt is not None and note.end > nxt.start:
            note = note.moved(duration=nxt.start - note.start)
        out.append(note)
    return out
