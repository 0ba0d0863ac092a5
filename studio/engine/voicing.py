"""From the band model's decisions to notes: comping voicings and note lengths.

The model decides the harmony (a chord per beat), the bass line (pitches and onsets) and the
comping rhythm (onsets, how many notes, short or held). Which notes a comping onset plays is
decided here: the chord's tones in a close voicing in the comping register, kept under the
melody, each new voicing moved as little as possible from the last (voice leading). A single
comping note walks the chord's tones, as a broken chord does.
"""

from __future__ import annotations

from studio.core.chords import Chord

COMP_RANGE = (52, 79)  # E3 .. G5: under a melody, over the bass
SIZES = (1, 2, 4)  # notes for the size classes of the band encoding (1, 2, 3+)


def _candidates(chord: Chord, count: int, lo: int, hi: int) -> list[tuple[int, ...]]:
    """Close voicings of `count` chord tones inside [lo, hi], each inversion at each octave."""
    tones = chord.pitch_classes()
    if not tones:
        return []
    count = min(count, len(tones))
    found = []
    for inversion in range(len(tones)):
        order = tones[inversion:] + tones[:inversion]
        for base in range(lo - 12, hi + 1):
            if base % 12 != order[0]:
                continue
            voicing = [base]
            for pc in order[1:count]:
                nxt = voicing[-1] + 1
                while nxt % 12 != pc:
                    nxt += 1
                voicing.append(nxt)
            if lo <= voicing[0] and voicing[-1] <= hi:
                found.append(tuple(voicing))
    return found


class Voicer:
    """Voices one comping part, onset by onset, remembering the last voicing."""

    def __init__(self, low: int = COMP_RANGE[0], high: int = COMP_RANGE[1]) -> None:
        self.low, self.high = low, high
        self.last: tuple[int, ...] | None = None
        self._walk = 0

    def voice(self, chord: Chord, size: int, melody: int | None) -> tuple[int, ...]:
        """The pitches of a comping onset of size class `size` (0, 1, 2) on `chord`, under the
        melody pitch sounding then (None: no melody)."""
        if chord.is_none:
            return ()
        top = self.high if melody is None else max(self.low + 7, min(self.high, melody - 2))
        full = (_candidates(chord, SIZES[2], self.low, top)
                or _candidates(chord, SIZES[2], self.low, self.high))
        if not full:
            return ()
        centre = sum(self.last) / len(self.last) if self.last else (self.low + top) / 2
        best = min(full, key=lambda v: abs(sum(v) / len(v) - centre))
        self.last = best
        if size >= 2:
            return best
        if size == 1:
            return best[-2:]  # the upper two: a third or a fourth apart
        self._walk = (self._walk + 1) % len(best)
        return (best[self._walk],)
