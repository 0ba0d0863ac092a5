"""Read POP909 songs into beats of the band encoding: `read_song(folder) -> Song`.

Each song folder holds NNN.mid (MELODY, BRIDGE, PIANO tracks), beat_midi.txt and
chord_midi.txt. The traps its README names are handled here: times go through the file's
whole tempo map into seconds and then onto the annotated beats (the file's time signature
is mostly a meaningless 1/4, so bars come from the beat file's downbeats), and performed
onsets are rounded to the nearest sub-step of their beat.

POP909 has no bass track: the bass is the piano's left hand, taken as the lowest piano onset
of a sub-step when it lies low (below middle C) and within a fourth of the lowest note
of its beat and the beats either side (so the upper notes of a left-hand arpeggio are comping). The
remaining piano notes are the comping part.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import mido

from models.corpus import Piece
from studio.core.arrangement import place_melody
from studio.core.band_encoding import SUBSTEPS, BandBeat
from studio.core.chords import Chord, ChordError, parse_annotation
from studio.core.notes import TICKS_PER_QUARTER

MIDDLE_C = 60
SPLITS = (("train", 90), ("valid", 95), ("test", 100))


@dataclass
class TimedNote:
    on: float  # seconds
    off: float
    pitch: int
    velocity: int


@dataclass
class Song:
    """A POP909 song on its beat grid: melody notes in sub-steps from the first beat."""

    number: str
    beats_per_bar: int
    beats: list[BandBeat]
    melody: list[tuple[int, int, int, int]]  # (start, duration, pitch, velocity) in sub-steps
    tempo: float


def split_of(number: str) -> str:
    """train / valid / test, fixed by the song's number (every song on one side)."""
    bucket = int(hashlib.sha1(f"pop909:{number}".encode()).hexdigest(), 16) % 100
    return next(name for name, upper in SPLITS if bucket < upper)


def _tracks(path: Path) -> dict[str, list[TimedNote]]:
    midi = mido.MidiFile(path)
    tempo_events = sorted((sum_ticks, msg.tempo) for sum_ticks, msg in _absolute(midi.tracks[0])
                          if msg.type == "set_tempo") or [(0, 500000)]
    if tempo_events[0][0] != 0:
        tempo_events.insert(0, (0, 500000))
    marks, seconds = [0], [0.0]
    for (tick, tempo), (next_tick, _) in zip(tempo_events, tempo_events[1:], strict=False):
        marks.append(next_tick)
        seconds.append(seconds[-1] + (next_tick - tick) * tempo / 1e6 / midi.ticks_per_beat)
    tempos = [t for _, t in tempo_events]

    def to_seconds(tick: int) -> float:
        i = bisect_right(marks, tick) - 1
        return seconds[i] + (tick - marks[i]) * tempos[i] / 1e6 / midi.ticks_per_beat

    out: dict[str, list[TimedNote]] = {}
    for track in midi.tracks[1:]:
        name = (track.name or "").strip().upper()
        sounding: dict[int, tuple[int, int]] = {}
        notes = out.setdefault(name, [])
        for tick, msg in _absolute(track):
            if msg.type == "note_on" and msg.velocity > 0:
                sounding[msg.note] = (tick, msg.velocity)
            elif msg.type in ("note_off", "note_on") and msg.note in sounding:
                start, velocity = sounding.pop(msg.note)
                if tick > start:
                    notes.append(TimedNote(to_seconds(start), to_seconds(tick), msg.note, velocity))
    return out


def _absolute(track):
    tick = 0
    for msg in track:
        tick += msg.time
        yield tick, msg


def _read_beats(path: Path) -> tuple[list[float], int, int]:
    """Beat times, beats per bar, and the index of the first downbeat."""
    times, downbeats = [], []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3:
            times.append(float(parts[0]))
            downbeats.append(float(parts[2]) > 0.5)
    marks = [i for i, d in enumerate(downbeats) if d]
    gaps = Counter(b - a for a, b in zip(marks, marks[1:], strict=False))
    per_bar = gaps.most_common(1)[0][0] if gaps else 4
    if not 2 <= per_bar <= 8:
        per_bar = 4
    return times, per_bar, marks[0] if marks else 0


def _read_chords(path: Path) -> list[tuple[float, float, Chord]]:
    out = []
    for line in path.read_text().splitlines():
        parts = line.split("\t")
        if len(parts) >= 3:
            try:
                out.append((float(parts[0]), float(parts[1]), parse_annotation(parts[2])))
            except ChordError:
                out.append((float(parts[0]), float(parts[1]), Chord.none()))
    return out


class BeatGrid:
    """Seconds -> (beat index, sub-step) through the annotated beat times."""

    def __init__(self, times: list[float]) -> None:
        self.times = times
        self.last_gap = times[-1] - times[-2] if len(times) > 1 else 0.5

    def position(self, seconds: float) -> float:
        """Fractional beat index (extrapolated past the ends with the nearest beat's length)."""
        times = self.times
        if seconds <= times[0]:
            return (seconds - times[0]) / max(times[1] - times[0], 1e-3)
        i = bisect_right(times, seconds) - 1
        if i >= len(times) - 1:
            return len(times) - 1 + (seconds - times[-1]) / max(self.last_gap, 1e-3)
        return i + (seconds - times[i]) / max(times[i + 1] - times[i], 1e-3)

    def substep(self, seconds: float) -> int:
        return round(self.position(seconds) * SUBSTEPS)


def _bass_and_comp(piano: list[TimedNote], grid: BeatGrid, n_beats: int):
    """Per beat: bass onsets (sub, pitch) and comp onsets (sub, size, long)."""
    by_slot: dict[int, list[tuple[int, int]]] = {}
    for note in piano:
        slot = grid.substep(note.on)
        length = max(1, grid.substep(note.off) - slot)
        by_slot.setdefault(slot, []).append((note.pitch, length))
    lowest_of_beat: dict[int, int] = {}
    for slot, notes in by_slot.items():
        low = min(p for p, _ in notes)
        for beat in range(slot // SUBSTEPS - 1, slot // SUBSTEPS + 2):  # the beat and its neighbours
            lowest_of_beat[beat] = min(low, lowest_of_beat.get(beat, 127))
    bass = [[] for _ in range(n_beats)]
    comp = [[] for _ in range(n_beats)]
    for slot in sorted(by_slot):
        beat, sub = divmod(slot, SUBSTEPS)
        if not 0 <= beat < n_beats:
            continue
        notes = sorted(by_slot[slot])
        low, _ = notes[0]
        if low < MIDDLE_C and low <= lowest_of_beat[beat] + 5:
            bass[beat].append((sub, low))
            notes = notes[1:]
        if notes:
            long = sum(length for _, length in notes) / len(notes) >= SUBSTEPS
            comp[beat].append((sub, min(len(notes), 3) - 1, long))
    return bass, comp


def read_song(folder: Path) -> Song | None:
    """The song in a POP909 folder, or None when it has no melody or no beats."""
    number = folder.name
    tracks = _tracks(folder / f"{number}.mid")
    times, per_bar, first_downbeat = _read_beats(folder / "beat_midi.txt")
    melody_notes = tracks.get("MELODY", [])
    if len(times) < 8 or not melody_notes:
        return None
    grid = BeatGrid(times)
    n_beats = len(times)
    melody = []
    for note in sorted(melody_notes, key=lambda n: n.on):
        start = grid.substep(note.on)
        end = max(start + 1, grid.substep(note.off))
        if 0 <= start < n_beats * SUBSTEPS:
            if melody and melody[-1][0] == start:  # one melody onset per sub-step: the higher
                if note.pitch <= melody[-1][2]:
                    continue
                melody.pop()
            melody.append((start, end - start, note.pitch, note.velocity))
    bass, comp = _bass_and_comp(tracks.get("PIANO", []), grid, n_beats)
    chords = _read_chords(folder / "chord_midi.txt")
    beats = []
    chord_i = 0
    for b, t in enumerate(times):
        centre = t + 0.01
        while chord_i + 1 < len(chords) and chords[chord_i][1] <= centre:
            chord_i += 1
        inside = chords and chords[chord_i][0] <= centre < chords[chord_i][1]
        chord = chords[chord_i][2] if inside else Chord.none()
        beats.append(BandBeat(per_bar, (b - first_downbeat) % per_bar, chord, bass=bass[b], comp=comp[b]))
    place_melody(beats, [(s, s + d, p) for s, d, p, _ in melody])
    first = min(melody[0][0] // SUBSTEPS, next((i for i, b in enumerate(beats) if b.bass or b.comp), n_beats))
    first -= beats[first].beat  # start on a bar line
    first = max(first, 0)
    last_part = max((i for i, b in enumerate(beats) if b.bass or b.comp), default=0)
    last = max(melody[-1][0] // SUBSTEPS, last_part)
    beats = beats[first:last + 1]
    melody = [(s - first * SUBSTEPS, d, p, v) for s, d, p, v in melody]
    seconds_per_beat = (times[-1] - times[0]) / max(1, len(times) - 1)
    return Song(number, per_bar, beats, melody, round(60 / max(seconds_per_beat, 0.2), 1))


def pop_piece(song: Song) -> Piece:
    """A song's melody as a continuation-model piece of style "pop" (ticks of 480 a beat),
    from the bar of its first note (a song's intro is bars of accompaniment alone)."""
    ticks = TICKS_PER_QUARTER // SUBSTEPS
    bar = SUBSTEPS * song.beats_per_bar
    first = min(s for s, _, _, _ in song.melody) // bar * bar
    notes = sorted(((s - first) * ticks, p, d * ticks, v) for s, d, p, v in song.melody)
    return Piece(f"pop909/{song.number}", "pop909", "pop", song.number, (song.beats_per_bar, 4),
                 song.tempo, notes)
