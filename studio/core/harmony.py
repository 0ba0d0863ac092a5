"""What the harmoniser (models/harmony.onnx) hears of a melody, and the chords it names.

The harmoniser reads a melody beat by beat, the whole of it at once (it hears where the tune
goes, both ways), and names a chord class per beat. Per beat it hears: how long each pitch
class sounds in the beat (a note lasting to the next onset: the melody on the band encoding's
beats keeps onsets, not ends), which pitch classes start in it, how much of it is silent,
where the beat lies in its bar and how long the bar is. The features come from the same
`BandBeat`s the band model hears (studio.core.arrangement.place_melody), so training and the
app read a melody one way. Change anything here and bump HARMONY_VERSION.
"""

from __future__ import annotations

from collections.abc import Sequence

from studio.core.band_encoding import SUBSTEPS, BandBeat
from studio.core.chords import QUALITY_NAMES, Chord

HARMONY_VERSION = 1
POSITIONS = 8  # beat in bar, one-hot (later beats of a long bar share the last)
BAR_SIZES = (2, 3, 4, 6)  # beats a bar, one-hot; any other length is the last slot
PITCH_BLOCKS = (0, 12)  # first columns of the two pitch-class blocks (they rotate with a transposition)
FEATURES = 12 + 12 + 1 + POSITIONS + len(BAR_SIZES) + 1
N_CLASSES = 12 * len(QUALITY_NAMES) + 1
NO_CHORD_CLASS = N_CLASSES - 1


def chord_class(chord: Chord) -> int:
    """The class index of a chord (root-major, then quality; the last is no chord)."""
    if chord.is_none:
        return NO_CHORD_CLASS
    return chord.root * len(QUALITY_NAMES) + QUALITY_NAMES.index(chord.quality)


def class_chord(index: int) -> Chord:
    if index == NO_CHORD_CLASS:
        return Chord.none()
    root, quality = divmod(index, len(QUALITY_NAMES))
    return Chord(root, QUALITY_NAMES[quality])


def class_transposition(semitones: int) -> list[int]:
    """For every class, the class of its chord a number of semitones up (no chord stays)."""
    return [chord_class(class_chord(i).transposed(semitones)) for i in range(N_CLASSES)]


def beat_features(beat: BandBeat) -> list[float]:
    """FEATURES numbers for one beat of a melody."""
    share, onset = [0.0] * 12, [0.0] * 12
    starts = dict(beat.melody)
    sounding = beat.held
    for sub in range(SUBSTEPS):
        if sub in starts:
            sounding = starts[sub] % 12
            onset[sounding] = 1.0
        if sounding is not None:
            share[sounding] += 1 / SUBSTEPS
    rest = 1.0 - sum(share)
    position = [0.0] * POSITIONS
    position[min(beat.beat, POSITIONS - 1)] = 1.0
    size = [0.0] * (len(BAR_SIZES) + 1)
    size[BAR_SIZES.index(beat.beats_per_bar) if beat.beats_per_bar in BAR_SIZES else -1] = 1.0
    return share + onset + [rest] + position + size


def harmony_features(beats: Sequence[BandBeat]) -> list[list[float]]:
    """The features of every beat, in order."""
    return [beat_features(beat) for beat in beats]
