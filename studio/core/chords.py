"""Chord symbols: the chord lane's vocabulary, read from what musicians type and from data.

A `Chord` is a root pitch class and one of QUALITIES (or no chord). It reads typed symbols
("C", "Am7", "F#m", "Bb7sus4", "G/B", "N.C.") and POP909's annotations ("A:min7", "F:maj/3"),
names itself back ("Am7"), and gives its pitch classes, so the chord lane, the arrangement
encoding, evaluation and exports share one idea of what a chord is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_LETTER = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}

# Quality -> (intervals above the root, the suffix written after the root).
QUALITIES: dict[str, tuple[tuple[int, ...], str]] = {
    "maj": ((0, 4, 7), ""),
    "min": ((0, 3, 7), "m"),
    "7": ((0, 4, 7, 10), "7"),
    "maj7": ((0, 4, 7, 11), "maj7"),
    "min7": ((0, 3, 7, 10), "m7"),
    "sus2": ((0, 2, 7), "sus2"),
    "sus4": ((0, 5, 7), "sus4"),
    "7sus4": ((0, 5, 7, 10), "7sus4"),
    "6": ((0, 4, 7, 9), "6"),
    "dim": ((0, 3, 6), "dim"),
    "hdim7": ((0, 3, 6, 10), "m7b5"),
    "aug": ((0, 4, 8), "aug"),
}
QUALITY_NAMES = tuple(QUALITIES)
# Other spellings, typed or annotated, of the same qualities (rare ones folded into a neighbour).
_ALIASES = {
    "": "maj", "M": "maj", "maj": "maj", "major": "maj",
    "m": "min", "min": "min", "mi": "min", "-": "min", "minor": "min",
    "7": "7", "dom7": "7", "9": "7", "11": "7", "13": "7",
    "maj7": "maj7", "M7": "maj7", "Δ": "maj7", "Δ7": "maj7", "maj9": "maj7",
    "m7": "min7", "min7": "min7", "mi7": "min7", "-7": "min7", "m9": "min7", "min9": "min7",
    "sus2": "sus2", "sus4": "sus4", "sus": "sus4",
    "7sus4": "7sus4", "7sus": "7sus4", "sus4(b7)": "7sus4",
    "6": "6", "maj6": "6", "add9": "maj", "add2": "sus2",
    "m6": "min", "min6": "min", "mmaj7": "min", "minmaj7": "min", "mM7": "min",
    "dim": "dim", "o": "dim", "°": "dim", "dim7": "dim", "o7": "dim", "°7": "dim",
    "m7b5": "hdim7", "hdim7": "hdim7", "ø": "hdim7", "ø7": "hdim7", "min7b5": "hdim7",
    "aug": "aug", "+": "aug", "#5": "aug",
}
_TYPED = re.compile(r"^([A-Ga-g])([#b♯♭]?)([^/]*)(?:/([A-Ga-g][#b♯♭]?))?$")
NO_CHORD_NAMES = ("N", "N.C.", "NC", "n.c.", "-", "%")


class ChordError(ValueError):
    """A chord symbol that cannot be read; its message names it."""


@dataclass(frozen=True)
class Chord:
    """A root pitch class (0 = C) and a quality from QUALITIES; `Chord.none()` is no chord."""

    root: int
    quality: str

    def __post_init__(self) -> None:
        if self.quality != "none" and (self.quality not in QUALITIES or not 0 <= self.root < 12):
            raise ChordError(f"no chord {self.root}:{self.quality}")

    @staticmethod
    def none() -> Chord:
        return Chord(0, "none")

    @property
    def is_none(self) -> bool:
        return self.quality == "none"

    def pitch_classes(self) -> tuple[int, ...]:
        """The chord's pitch classes, root first (empty for no chord)."""
        if self.is_none:
            return ()
        return tuple((self.root + i) % 12 for i in QUALITIES[self.quality][0])

    def transposed(self, semitones: int) -> Chord:
        return self if self.is_none else Chord((self.root + semitones) % 12, self.quality)

    @property
    def name(self) -> str:
        """The symbol a musician writes: "Am7", "F#", "N.C."."""
        if self.is_none:
            return "N.C."
        return NOTE_NAMES[self.root] + QUALITIES[self.quality][1]

    def __str__(self) -> str:
        return self.name


def _pitch_class(letter: str, accidental: str) -> int:
    shift = {"#": 1, "♯": 1, "b": -1, "♭": -1}.get(accidental, 0)
    return (_LETTER[letter.upper()] + shift) % 12


def parse_chord(text: str) -> Chord:
    """A typed chord symbol ("Am7", "Bb", "G/B", "N.C.") as a Chord; the bass of a slash
    chord is dropped (the bass part chooses its own notes). Raises ChordError."""
    symbol = text.strip()
    if symbol in NO_CHORD_NAMES:
        return Chord.none()
    match = _TYPED.match(symbol)
    if not match:
        raise ChordError(f"'{text}' is not a chord symbol (try C, Am, F#m7, Bb7, G/B or N.C.)")
    letter, accidental, suffix, _ = match.groups()
    quality = _ALIASES.get(suffix) or _ALIASES.get(suffix.lower())
    if quality is None:
        raise ChordError(f"'{text}': the chord quality '{suffix}' is not one Continuo knows")
    return Chord(_pitch_class(letter, accidental), quality)


def parse_chords(text: str) -> list[Chord]:
    """A typed progression ("C G Am F", "C | G | Am F |") as chords, bar lines ignored."""
    symbols = [s for s in re.split(r"[\s|,]+", text) if s]
    if not symbols:
        raise ChordError("no chords were given")
    return [parse_chord(s) for s in symbols]


def parse_annotation(label: str) -> Chord:
    """A POP909 / Harte-style label ("C:maj", "A:min7", "F:maj/3", "N") as a Chord."""
    label = label.strip()
    if label in ("N", "X", ""):
        return Chord.none()
    root_text, _, rest = label.partition(":")
    quality_text = rest.split("/")[0] or "maj"
    match = re.match(r"^([A-G])([#b]*)$", root_text)
    if not match:
        raise ChordError(f"'{label}' is not a chord annotation")
    root = _LETTER[match.group(1)] + match.group(2).count("#") - match.group(2).count("b")
    quality = _ALIASES.get(quality_text)
    if quality is None:
        raise ChordError(f"'{label}': unknown quality '{quality_text}'")
    return Chord(root % 12, quality)


def best_chord(weights: list[float]) -> Chord:
    """The chord that best explains twelve pitch-class weights (how long each sounds): chord
    tones count for it, other tones against it, and a triad wins a tie with a bigger chord.
    No chord when nothing sounds."""
    total = sum(weights)
    if total <= 0:
        return Chord.none()
    best, best_score = Chord.none(), float("-inf")
    for quality, (intervals, _) in QUALITIES.items():
        for root in range(12):
            tones = {(root + i) % 12 for i in intervals}
            inside = sum(weights[pc] for pc in tones)
            score = inside - 0.6 * (total - inside) + 0.2 * weights[root] - 0.05 * total * (len(tones) - 3)
            if score > best_score:
                best, best_score = Chord(root, quality), score
    return best
