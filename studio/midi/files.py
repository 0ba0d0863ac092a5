"""Standard MIDI Files (.mid) to and from Clips.

A .mid file is untrusted input, so reading uses a small strict parser, not mido: it checks every
chunk length against the file size, counts events against a limit (a file big enough to pass it
is first counted by a pass that builds nothing, so ten million events are refused in about a
second), skips sysex unread, and turns every problem into a MidiFileError that is one sentence for
the user. Format 2 files (independent patterns) are read as their tracks one after the other.
Writing uses mido and is atomic: a temporary file in the same folder, fsync, then rename.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn, TypeVar

import mido

from studio.core.notes import DRUM_CHANNEL, TICKS_PER_QUARTER, Clip, Note, TimeSignature
from studio.core.safe_files import UnreadableFileError, os_trouble, read_bounded, shown_name, write_atomically
from studio.core.scales import NOTE_NAMES, Key

MAX_BYTES = 64 * 1024 * 1024
MAX_EVENTS = 2_000_000
MAX_MARKERS = 10_000  # per track: a chord symbol a beat for 40 minutes of 4/4 at 60 BPM
_MIN_EVENT_BYTES = 2  # a one-byte delta time and one running-status data byte

PathLike = str | os.PathLike[str]
_T = TypeVar("_T")


class MidiFileError(Exception):
    """A .mid file that cannot be read or written; str() is one sentence for the user."""


@dataclass
class MidiSong:
    """What Continuo takes from a .mid file. `clip.notes` leaves out the drum channel (9), whose
    notes are in `drums`; `channels` lists every channel that has notes, drums included."""

    clip: Clip
    format: int
    ticks_per_beat: int
    track_names: list[str] = field(default_factory=list)
    channels: list[int] = field(default_factory=list)
    drums: list[Note] = field(default_factory=list)
    track_notes: list[list[Note]] = field(default_factory=list)  # each track's notes (drums too), in order
    markers: list[tuple[int, str]] = field(default_factory=list)  # (tick, text): chord symbols, sections


def read_midi(path: PathLike, *, max_events: int = MAX_EVENTS, max_bytes: int = MAX_BYTES) -> Clip:
    """The melodic notes of a .mid file with its tempo, metre and key (drums left out)."""
    return read_midi_song(path, max_events=max_events, max_bytes=max_bytes).clip


def read_midi_song(path: PathLike, *, max_events: int = MAX_EVENTS, max_bytes: int = MAX_BYTES) -> MidiSong:
    """Read a .mid file; any problem raises MidiFileError, one sentence naming the file.

    Notes are matched per track, channel and pitch; a note-on with velocity 0 is a note-off. A
    second note-on before the note-off ends the held note at the second one's start (a duplicate
    at the very same tick just restarts it), and the later note-off closes the newer note only.
    A note never closed ends with its track; a zero-length note lasts one tick. Tempo, time
    signature and key are the earliest in the file (120 BPM, 4/4 and None without them).
    """
    name = shown_name(path)
    try:
        data = read_bounded(Path(path), max_bytes, "a MIDI file")
    except UnreadableFileError as exc:
        raise MidiFileError(f"{name} {exc}.") from exc
    try:
        return _Parser(name, data, max_events).song()
    except (IndexError, ValueError, struct.error, OverflowError) as exc:
        # The parser checks every length before it reads; this is a safety net, not the plan.
        raise MidiFileError(f"{name} is corrupt and cannot be read ({exc}).") from exc


def midi_bytes(clip: Clip, *, drums: Iterable[Note] | None = None, track_name: str = "Continuo") -> bytes:
    """The bytes of the file write_midi saves (for drag and drop)."""
    try:
        buffer = io.BytesIO()
        _build_midi_file(clip, list(drums or ()), track_name).save(file=buffer)
        return buffer.getvalue()
    except (ValueError, TypeError, UnicodeError) as exc:
        raise MidiFileError(f"The clip cannot be stored as MIDI ({exc}).") from exc


def write_midi(
    path: PathLike, clip: Clip, *, drums: Iterable[Note] | None = None, track_name: str = "Continuo"
) -> None:
    """Save a clip as a type 1 .mid file at 480 ticks per quarter, atomically: a conductor track
    (tempo, metre, key signature if the key is major or minor), the notes, then any drums."""
    data = midi_bytes(clip, drums=drums, track_name=track_name)
    try:
        write_atomically(Path(path), data)
    except OSError as exc:
        raise MidiFileError(f"Could not save {shown_name(path)}: {os_trouble(exc)}.") from exc


@dataclass
class _Track:
    """One parsed track in the file's own ticks (absolute, including a format 2 offset)."""

    notes: list[tuple[int, int, int, int, int]] = field(default_factory=list)  # start, end, pitch, vel, ch
    end: int = 0
    name: str = ""
    tempo: tuple[int, float] | None = None  # (time, BPM) of the track's first set_tempo
    time_signature: tuple[int, TimeSignature] | None = None
    key: tuple[int, str] | None = None
    markers: list[tuple[int, str]] = field(default_factory=list)


class _Parser:
    """Parses the bytes of one file; every problem ends in fail() with a sentence."""

    def __init__(self, name: str, data: bytes, max_events: int) -> None:
        self.name, self.data, self.max_events, self.events = name, data, max_events, 0

    def fail(self, problem: str) -> NoReturn:
        raise MidiFileError(f"{self.name} {problem}.")

    def truncated(self, number: int) -> NoReturn:
        self.fail(f"is truncated: track {number} ends in the middle of an event")

    def song(self) -> MidiSong:
        fmt, ticks_per_beat, chunks = self._chunks()
        if sum(end - start for start, end in chunks) > _MIN_EVENT_BYTES * self.max_events:
            for number, (start, end) in enumerate(chunks, 1):  # may be over the limit: count first
                self._track(number, start, end, 0, count_only=True)
            self.events = 0
        tracks: list[_Track] = []
        offset = 0
        for number, (start, end) in enumerate(chunks, 1):
            tracks.append(self._track(number, start, end, offset))
            if fmt == 2:  # independent patterns: play them one after the other
                offset = tracks[-1].end
        return self._assemble(fmt, ticks_per_beat, tracks)

    def _chunks(self) -> tuple[int, int, list[tuple[int, int]]]:
        """Check the header and the chunk structure; return format, division and MTrk spans."""
        data = self.data
        if data[:4] != b"MThd":
            self.fail("is not a MIDI file (no MThd header)")
        header_length = int.from_bytes(data[4:8], "big")
        if len(data) < 14 or header_length < 6 or 8 + header_length > len(data):
            self.fail("is truncated or corrupt: its header is incomplete")
        fmt, declared, division = struct.unpack(">HHH", data[8:14])
        if fmt > 2:
            self.fail(f"declares MIDI format {fmt}, which does not exist (only 0, 1 and 2 do)")
        if declared == 0:
            self.fail("contains no tracks")
        if division & 0x8000:
            self.fail("uses SMPTE timing, which Continuo cannot read")
        if division == 0:
            self.fail("declares 0 ticks per beat, so its timing cannot be read")
        chunks: list[tuple[int, int]] = []
        pos = 8 + header_length
        while len(chunks) < declared and pos < len(data):
            what = f"track {len(chunks) + 1}" if data[pos : pos + 4] == b"MTrk" else "a chunk"
            if pos + 8 > len(data):
                self.fail(f"is truncated: track {len(chunks) + 1} ends inside its chunk header")
            length, remaining = int.from_bytes(data[pos + 4 : pos + 8], "big"), len(data) - pos - 8
            if length > remaining:
                self.fail(f"is truncated: {what} declares {length:,} bytes but {remaining:,} remain")
            if what != "a chunk":  # other chunk types are skipped, as the standard asks
                chunks.append((pos + 8, pos + 8 + length))
            pos += 8 + length
        if len(chunks) < declared:
            self.fail(f"is truncated: it declares {declared} tracks but holds {len(chunks)}")
        return fmt, division, chunks

    def _varlen(self, pos: int, end: int, number: int) -> tuple[int, int]:
        """A variable-length number (at most four bytes) at pos; returns (value, next pos)."""
        value = 0
        for stop in range(pos, min(pos + 4, end)):
            byte = self.data[stop]
            value = (value << 7) | (byte & 0x7F)
            if byte < 0x80:
                return value, stop + 1
        if pos + 4 > end:
            self.truncated(number)
        self.fail(f"is corrupt: track {number} has a number longer than four bytes")

    def _track(self, number: int, pos: int, end: int, offset: int, count_only: bool = False) -> _Track:
        """Parse one MTrk chunk's events (plain code on purpose: this loop is the hot path)."""
        data, track = self.data, _Track()
        notes = track.notes
        held: dict[int, tuple[int, int]] = {}  # channel << 7 | pitch -> (start, velocity)
        time, status = offset, 0
        while pos < end:
            self.events += 1
            if self.events > self.max_events:
                self.fail(f"has more than {self.max_events:,} events, more than Continuo will read")
            if data[pos] < 0x80:
                time += data[pos]
                pos += 1
            else:
                delta, pos = self._varlen(pos, end, number)
                time += delta
            if pos >= end:
                self.truncated(number)
            byte = data[pos]
            if byte >= 0xF0:
                pos = self._meta_or_sysex(byte, pos + 1, end, number, time, track)
                if pos < 0:
                    break
                continue
            if byte >= 0x80:
                status = byte
                pos += 1
            elif not status:
                self.fail(f"is corrupt: track {number} uses running status before any status byte")
            kind = status & 0xF0
            size = 1 if kind in (0xC0, 0xD0) else 2
            if pos + size > end:
                self.truncated(number)
            pitch, velocity = data[pos], (data[pos + 1] if size == 2 else 0)
            if (pitch | velocity) & 0x80:
                self.fail(f"is corrupt: track {number} has a status byte where data should be")
            pos += size
            if count_only or (kind != 0x90 and kind != 0x80):
                continue
            channel = status & 0x0F
            key = channel << 7 | pitch
            starts = kind == 0x90 and velocity > 0
            opened = held.pop(key, None)  # a note-off with no note held is ignored
            if opened is not None and (opened[0] < time or not starts):  # same-tick repeat: restart
                notes.append((opened[0], time, pitch, opened[1], channel))
            if starts:
                held[key] = (time, velocity)
        track.end = time
        notes.extend((start, time, key & 0x7F, velocity, key >> 7) for key, (start, velocity) in held.items())
        return track

    def _meta_or_sysex(self, status: int, pos: int, end: int, number: int, time: int, track: _Track) -> int:
        """Read a meta event or skip a sysex; return the next position, or -1 at end of track."""
        if status not in (0xF0, 0xF7, 0xFF):  # system common and real-time bytes: not in files
            self.fail(f"is corrupt: track {number} holds the stray status byte 0x{status:02X}")
        kind = -1
        if status == 0xFF:
            if pos >= end:
                self.truncated(number)
            kind, pos = self.data[pos], pos + 1
        length, pos = self._varlen(pos, end, number)
        if pos + length > end:
            self.truncated(number)
        if kind in (0x03, 0x06, 0x51, 0x58, 0x59):  # track name, marker, tempo, time and key signature
            self._meta(kind, self.data[pos : pos + length], time, track)
        return -1 if kind == 0x2F else pos + length  # 0x2F: end of track

    @staticmethod
    def _meta(kind: int, payload: bytes, time: int, track: _Track) -> None:
        """Keep the first track name, tempo, time signature and key, and every marker (up to
        MAX_MARKERS); skip malformed ones."""
        if (kind == 0x03 and not track.name) or (kind == 0x06 and len(track.markers) < MAX_MARKERS):
            try:
                text = payload.decode("utf-8")
            except UnicodeDecodeError:
                text = payload.decode("latin-1")
            text = "".join(ch if ch.isprintable() else " " for ch in text[:200]).strip()
            if kind == 0x03:
                track.name = text
            else:
                track.markers.append((time, text))
        elif kind == 0x51 and track.tempo is None and len(payload) >= 3:
            microseconds = int.from_bytes(payload[:3], "big")
            if microseconds:  # whole microseconds per beat: 0.01 BPM survives a round trip
                track.tempo = (time, round(60_000_000 / microseconds, 2))
        elif kind == 0x58 and track.time_signature is None and len(payload) >= 2 and payload[1] <= 5:
            with contextlib.suppress(ValueError):
                track.time_signature = (time, TimeSignature(payload[0], 2 ** payload[1]))
        elif kind == 0x59 and track.key is None and len(payload) >= 2 and payload[1] in (0, 1):
            sharps = payload[0] - 256 if payload[0] > 127 else payload[0]
            if -7 <= sharps <= 7:  # a fifth up per sharp; the relative minor a minor third down
                tonic = (sharps * 7 + 9 * payload[1]) % 12
                track.key = (time, str(Key(tonic, ("major", "minor")[payload[1]])))

    @staticmethod
    def _scale_ticks(ticks: int, ticks_per_beat: int) -> int:
        """Ticks at the file's resolution to TICKS_PER_QUARTER, rounding halves up."""
        return (ticks * TICKS_PER_QUARTER * 2 + ticks_per_beat) // (2 * ticks_per_beat)

    @staticmethod
    def _earliest(found: Iterable[tuple[int, _T] | None]) -> _T | None:
        """The value of the earliest (time, value) pair; on a tie min() keeps the first track's."""
        timed = [pair for pair in found if pair is not None]
        return min(timed, key=lambda pair: pair[0])[1] if timed else None

    def _assemble(self, fmt: int, ticks_per_beat: int, tracks: list[_Track]) -> MidiSong:
        melodic: list[Note] = []
        drums: list[Note] = []
        per_track: list[list[Note]] = []
        for track in tracks:
            per_track.append([])
            for start, stop, pitch, velocity, channel in track.notes:
                begin = self._scale_ticks(start, ticks_per_beat)
                duration = max(1, self._scale_ticks(stop, ticks_per_beat) - begin)
                note = Note(begin, pitch, duration, velocity, channel)
                (drums if channel == DRUM_CHANNEL else melodic).append(note)
                per_track[-1].append(note)
        tempo = self._earliest(track.tempo for track in tracks)
        clip = Clip(
            sorted(melodic),
            120.0 if tempo is None else tempo,
            self._earliest(track.time_signature for track in tracks) or TimeSignature(),
            self._earliest(track.key for track in tracks),
        )
        channels = sorted({note.channel for note in melodic + drums})
        markers = sorted((self._scale_ticks(t, ticks_per_beat), text)
                         for track in tracks for t, text in track.markers)
        return MidiSong(clip, fmt, ticks_per_beat, [track.name for track in tracks], channels, sorted(drums),
                        per_track, markers)


def _mido_key(key: str | None) -> str | None:
    """mido's name ('F#m', 'Bb') for a major or minor key; None for no key or a mode."""
    with contextlib.suppress(ValueError):
        parsed = Key.parse(key or "")
        if parsed.scale in ("major", "minor"):
            return NOTE_NAMES[parsed.tonic] + ("m" if parsed.scale == "minor" else "")
    return None


def _note_track(notes: list[Note], name: str) -> mido.MidiTrack:
    """A track of notes; at equal times note-offs come first, so repeated notes survive."""
    ons = [(note.start, 1, note.channel, note.pitch, note.velocity) for note in notes]
    offs = [(note.end, 0, note.channel, note.pitch, 0) for note in notes]
    track = mido.MidiTrack([mido.MetaMessage("track_name", name=name)])
    now = 0
    for time, is_on, channel, pitch, velocity in sorted(ons + offs):
        kind = "note_on" if is_on else "note_off"
        track.append(mido.Message(kind, channel=channel, note=pitch, velocity=velocity, time=time - now))
        now = time
    return track


def _conductor(clip: Clip, markers: Iterable[tuple[int, str]] = ()) -> mido.MidiTrack:
    """Track 0: tempo, metre, key signature (major or minor keys), and marker texts in order."""
    tempo = round(60_000_000 / clip.tempo) if math.isfinite(clip.tempo) and clip.tempo > 0 else 0
    if not 1 <= tempo <= 0xFFFFFF:
        raise ValueError(f"a tempo of {clip.tempo} BPM is outside what MIDI can store")
    conductor = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=tempo)])
    numerator, denominator = clip.time_signature.numerator, clip.time_signature.denominator
    conductor.append(mido.MetaMessage("time_signature", numerator=numerator, denominator=denominator))
    key = _mido_key(clip.key)
    if key is not None:
        conductor.append(mido.MetaMessage("key_signature", key=key))
    now = 0
    for tick, text in sorted(markers):
        conductor.append(mido.MetaMessage("marker", text=text, time=tick - now))
        now = tick
    return conductor


def _build_midi_file(clip: Clip, drums: list[Note], track_name: str) -> mido.MidiFile:
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_QUARTER, charset="utf-8")
    midi.tracks += [_conductor(clip), _note_track(clip.notes, track_name)]
    if drums:
        midi.tracks.append(_note_track(drums, "Drums"))
    return midi


def parts_bytes(clip: Clip, parts: list[tuple[str, int, int, list[Note]]],
                markers: Iterable[tuple[int, str]] = ()) -> bytes:
    """A type 1 file of named parts: the conductor track (tempo, metre, key and the markers,
    such as chord symbols), then one track per (name, channel, program, notes), each starting
    with its program change (on the drum channel only for a kit other than the standard one,
    program 0: GM2 kits) and its notes on its channel."""
    try:
        midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_QUARTER, charset="utf-8")
        midi.tracks.append(_conductor(clip, markers))
        for name, channel, program, notes in parts:
            track = _note_track([n.moved(channel=channel) for n in notes], name)
            if channel != DRUM_CHANNEL or program:
                track.insert(1, mido.Message("program_change", channel=channel, program=program))
            midi.tracks.append(track)
        buffer = io.BytesIO()
        midi.save(file=buffer)
        return buffer.getvalue()
    except (ValueError, TypeError, UnicodeError) as exc:
        raise MidiFileError(f"The arrangement cannot be stored as MIDI ({exc}).") from exc


def write_parts(path: PathLike, clip: Clip, parts: list[tuple[str, int, int, list[Note]]],
                markers: Iterable[tuple[int, str]] = ()) -> None:
    """Save parts_bytes atomically."""
    data = parts_bytes(clip, parts, markers)
    try:
        write_atomically(Path(path), data)
    except OSError as exc:
        raise MidiFileError(f"Could not save {shown_name(path)}: {os_trouble(exc)}.") from exc
