"""Keys and scales: parse names like "F#-minor" or "D-dorian", list scale pitch classes, and
detect a clip's key from its pitch-class profile (Krumhansl-Kessler).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from studio.core.notes import Note

NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_ALIASES = {"Db": 1, "D#": 3, "Gb": 6, "G#": 8, "A#": 10, "Cb": 11, "B#": 0, "E#": 5, "Fb": 4}

SCALES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "harmonic-minor": (0, 2, 3, 5, 7, 8, 11),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "locrian": (0, 1, 3, 5, 6, 8, 10),
    "major-pentatonic": (0, 2, 4, 7, 9),
    "minor-pentatonic": (0, 3, 5, 7, 10),
    "blues": (0, 3, 5, 6, 7, 10),
    "chromatic": tuple(range(12)),
}

# Krumhansl-Kessler key profiles (probe-tone ratings), index 0 = tonic.
_MAJOR_PROFILE = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
_MINOR_PROFILE = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)


def pitch_class(name: str) -> int:
    """The pitch class (0-11) of a note name such as "C", "F#" or "Bb"."""
    name = name.strip()
    if name in NOTE_NAMES:
        return NOTE_NAMES.index(name)
    if name in _ALIASES:
        return _ALIASES[name]
    raise ValueError(f"'{name}' is not a note name")


def note_name(pitch: int) -> str:
    """Scientific pitch name: 60 -> "C4"."""
    return f"{NOTE_NAMES[pitch % 12]}{pitch // 12 - 1}"


@dataclass(frozen=True)
class Key:
    """A tonic pitch class and a scale name from SCALES."""

    tonic: int
    scale: str = "major"

    def __post_init__(self) -> None:
        if self.scale not in SCALES:
            raise ValueError(f"unknown scale '{self.scale}'; choose one of {', '.join(SCALES)}")
        if not 0 <= self.tonic < 12:
            raise ValueError(f"tonic {self.tonic} is not a pitch class")

    @classmethod
    def parse(cls, text: str) -> Key:
        """Parse "C-major", "a-minor", "F# dorian" or "Bb"."""
        cleaned = text.strip().replace(" ", "-").replace("_", "-")
        tonic, _, scale = cleaned.partition("-")
        if not tonic:
            raise ValueError(f"'{text}' is not a key")
        tonic = tonic[0].upper() + tonic[1:]
        return cls(pitch_class(tonic), scale.lower() or "major")

    @property
    def pitch_classes(self) -> frozenset[int]:
        return frozenset((self.tonic + step) % 12 for step in SCALES[self.scale])

    def contains(self, pitch: int) -> bool:
        return pitch % 12 in self.pitch_classes

    def __str__(self) -> str:
        return f"{NOTE_NAMES[self.tonic]}-{self.scale}"


def pitch_class_histogram(notes: Iterable[Note]) -> list[float]:
    """Duration-weighted count of each pitch class (drum notes excluded)."""
    hist = [0.0] * 12
    for note in notes:
        if note.channel != 9:
            hist[note.pitch % 12] += note.duration
    return hist


def _correlation(a: list[float], b: tuple[float, ...]) -> float:
    mean_a, mean_b = sum(a) / 12, sum(b) / 12
    cov = sum((x - mean_a) * (y - mean_b) for x, y in zip(a, b, strict=True))
    var_a = sum((x - mean_a) ** 2 for x in a)
    var_b = sum((y - mean_b) ** 2 for y in b)
    return cov / math.sqrt(var_a * var_b) if var_a and var_b else 0.0


def detect_key(notes: Iterable[Note]) -> Key | None:
    """The major or minor key whose profile best matches the notes, or None without notes."""
    hist = pitch_class_histogram(notes)
    if not any(hist):
        return None
    best: tuple[float, Key] | None = None
    for tonic in range(12):
        rotated = hist[tonic:] + hist[:tonic]
        for scale, profile in (("major", _MAJOR_PROFILE), ("minor", _MINOR_PROFILE)):
            score = _correlation(rotated, profile)
            if best is None or score > best[0]:
                best = (score, Key(tonic, scale))
    assert best is not None
    return best[1]
