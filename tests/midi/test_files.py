"""Tests for studio.midi.files: round trips, the reader's musical rules, hostile files, atomic saves.

Files are built here as bytes (annotated like hex dumps) or with mido as an independent writer,
then written to tmp_path and read back through the public functions.
"""

from __future__ import annotations

import errno
import os
import random
import stat
import struct
from pathlib import Path

import mido
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.core.notes import Clip, Note, TimeSignature
from studio.core.scales import Key
from studio.midi import files
from studio.midi.files import MidiFileError, midi_bytes, read_midi, read_midi_song, write_midi

END = b"\x00\xff\x2f\x00"  # delta 0, end of track


def vlq(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def mtrk(body: bytes) -> bytes:
    return b"MTrk" + struct.pack(">I", len(body)) + body


def smf(*bodies: bytes, fmt: int = 1, division: int = 480, declared: int | None = None) -> bytes:
    """A Standard MIDI File: MThd (format, track count, division) and one MTrk per body."""
    count = len(bodies) if declared is None else declared
    return b"MThd" + struct.pack(">IHHH", 6, fmt, count, division) + b"".join(mtrk(b) for b in bodies)


def put(tmp_path: Path, data: bytes, name: str = "song.mid") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def mido_file(tmp_path: Path, midi: mido.MidiFile, name: str = "song.mid") -> Path:
    path = tmp_path / name
    midi.save(path)
    return path


# --- Round trips -------------------------------------------------------------------------------

HAND_MADE = [
    Clip(
        [Note(0, 60, 480, 90), Note(0, 64, 480, 70), Note(0, 67, 960, 60, 3), Note(480, 72, 240, 127, 15)],
        97.3,
        TimeSignature(6, 8),
        "F#-minor",
    ),
    # Back-to-back repeated notes: the note-off at 480 must come before the note-on at 480.
    Clip([Note(0, 60, 480), Note(480, 60, 480), Note(960, 60, 1)], 120.0, TimeSignature(3, 4), None),
    Clip([Note(1, 0, 7, 1, 1), Note(100_000, 127, 5000, 127, 8)], 60.5, TimeSignature(7, 8), "Eb-minor"),
    Clip([], 140.0, TimeSignature(12, 8), "C-major"),
]


@pytest.mark.parametrize("clip", HAND_MADE)
def test_hand_made_clips_round_trip(tmp_path: Path, clip: Clip) -> None:
    path = tmp_path / "clip.mid"
    write_midi(path, clip)
    back = read_midi(path)
    assert back == clip
    assert [n.channel for n in back.sorted_notes()] == [n.channel for n in clip.sorted_notes()]


def test_written_file_layout(tmp_path: Path) -> None:
    clip, drums = HAND_MADE[0], [Note(0, 36, 120, 100, 9), Note(240, 38, 120, 90, 9)]
    path = tmp_path / "layout.mid"
    write_midi(path, clip, drums=drums, track_name="Piano ♪")
    song = read_midi_song(path)
    assert (song.format, song.ticks_per_beat) == (1, 480)
    assert song.track_names == ["", "Piano ♪", "Drums"]
    assert song.drums == drums
    assert song.channels == [0, 3, 9, 15]
    assert song.clip == clip
    # mido, an independent reader, sees the conductor track first and the key as mido spells it.
    conductor = [m for m in mido.MidiFile(path).tracks[0] if m.is_meta]
    assert [m.type for m in conductor] == ["set_tempo", "time_signature", "key_signature", "end_of_track"]
    assert conductor[2].key == "F#m"


def test_midi_bytes_is_what_write_midi_saves(tmp_path: Path) -> None:
    path = tmp_path / "same.mid"
    write_midi(path, HAND_MADE[0], drums=[Note(0, 42, 60, 80, 9)])
    assert path.read_bytes() == midi_bytes(HAND_MADE[0], drums=[Note(0, 42, 60, 80, 9)])
    assert midi_bytes(HAND_MADE[1]).startswith(b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0")


@pytest.mark.parametrize("scale", ["major", "minor"])
def test_every_major_and_minor_key_round_trips(tmp_path: Path, scale: str) -> None:
    for tonic in range(12):
        key = str(Key(tonic, scale))
        write_midi(tmp_path / "key.mid", Clip([Note(0, 60, 10)], key=key))
        assert read_midi(tmp_path / "key.mid").key == key


@pytest.mark.parametrize("key", ["D-dorian", "A-blues", "nonsense", None])
def test_keys_midi_cannot_store_are_left_out(tmp_path: Path, key: str | None) -> None:
    write_midi(tmp_path / "mode.mid", Clip([Note(0, 62, 10)], key=key))
    assert read_midi(tmp_path / "mode.mid").key is None


def test_unstorable_tempo_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MidiFileError, match="tempo"):
        write_midi(tmp_path / "slow.mid", Clip([Note(0, 60, 10)], tempo=0.0))
    assert not (tmp_path / "slow.mid").exists()


def _without_overlaps(raw: list[tuple[int, int, int, int, int]]) -> list[Note]:
    """Keep notes so that notes of one pitch on one channel never overlap (and never share a start)."""
    kept: list[Note] = []
    last_end: dict[tuple[int, int], int] = {}
    for start, pitch, duration, velocity, channel in sorted(raw):
        if start >= last_end.get((pitch, channel), -1):
            kept.append(Note(start, pitch, duration, velocity, channel))
            last_end[(pitch, channel)] = start + duration
    return kept


notes_strategy = st.lists(
    st.tuples(
        st.integers(0, 20_000),
        st.integers(0, 127),
        st.integers(1, 3_000),
        st.integers(1, 127),
        st.sampled_from([c for c in range(16) if c != 9]),
    ),
    max_size=60,
).map(_without_overlaps)
keys = [None] + [str(Key(tonic, scale)) for tonic in range(12) for scale in ("major", "minor")]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    notes=notes_strategy,
    tempo=st.integers(2_000, 30_000).map(lambda centi: centi / 100),
    metre=st.builds(TimeSignature, st.integers(1, 32), st.sampled_from([1, 2, 4, 8, 16, 32])),
    key=st.sampled_from(keys),
)
def test_random_clips_round_trip(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    notes: list[Note],
    tempo: float,
    metre: TimeSignature,
    key: str | None,
) -> None:
    monkeypatch.setattr(files.os, "fsync", lambda fd: None)  # ~10 ms each; durability is not on trial here
    clip = Clip(notes, tempo, metre, key)
    write_midi(tmp_path / "random.mid", clip)
    assert read_midi(tmp_path / "random.mid") == clip


# --- Reading other writers' files --------------------------------------------------------------


def test_type_0_file_with_several_channels(tmp_path: Path) -> None:
    track = mido.MidiTrack(
        [
            mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(100)),
            mido.MetaMessage("time_signature", numerator=3, denominator=4),
            mido.MetaMessage("key_signature", key="Bb"),
            mido.Message("program_change", channel=1, program=33),
            mido.Message("note_on", channel=0, note=70, velocity=80),
            mido.Message("note_on", channel=1, note=46, velocity=90),
            mido.Message("note_on", channel=5, note=74, velocity=70, time=240),
            mido.Message("note_off", channel=0, note=70, time=240),
            mido.Message("note_off", channel=1, note=46),
            mido.Message("note_off", channel=5, note=74, time=480),
        ]
    )
    path = mido_file(tmp_path, mido.MidiFile(type=0, ticks_per_beat=480, tracks=[track]))
    song = read_midi_song(path)
    assert song.format == 0 and song.channels == [0, 1, 5]
    assert song.clip == Clip(
        [Note(0, 70, 480, 80, 0), Note(0, 46, 480, 90, 1), Note(240, 74, 720, 70, 5)],
        100.0,
        TimeSignature(3, 4),
        "Bb-major",
    )


def test_type_1_file_with_several_tracks(tmp_path: Path) -> None:
    midi = mido.MidiFile(type=1, ticks_per_beat=480)
    midi.add_track("Tempo").append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(90)))
    piano = midi.add_track("Piano")
    piano += [mido.Message("note_on", note=60, velocity=64), mido.Message("note_off", note=60, time=960)]
    bass = midi.add_track("Bass")
    bass += [
        mido.Message("note_on", channel=2, note=36, velocity=100, time=480),
        mido.Message("note_off", channel=2, note=36, time=480),
    ]
    song = read_midi_song(mido_file(tmp_path, midi))
    assert song.track_names == ["Tempo", "Piano", "Bass"]
    assert song.clip.notes == [Note(0, 60, 960, 64, 0), Note(480, 36, 480, 100, 2)]
    assert song.clip.tempo == 90.0 and song.clip.time_signature == TimeSignature(4, 4)


def test_note_on_with_velocity_zero_is_a_note_off(tmp_path: Path) -> None:
    body = (
        b"\x00\x91\x3c\x50"  # note on, channel 1, C4
        b"\x83\x60\x3c\x00"  # 480 ticks later, running status: velocity 0 ends it
        b"\x00\x3e\x50"  # D4 on (running status)
        b"\x83\x60\x3e\x00" + END
    )
    clip = read_midi(put(tmp_path, smf(body, fmt=0)))
    assert clip.notes == [Note(0, 60, 480, 80, 1), Note(480, 62, 480, 80, 1)]


def test_overlapping_same_pitch_notes_end_at_the_next_start(tmp_path: Path) -> None:
    body = (
        b"\x00\x90\x40\x50"  # E4 on at 0
        b"\x64\x90\x40\x60"  # E4 on again at 100, before any note-off
        b"\x64\x80\x40\x00"  # note-off at 200 closes the newer note
        b"\x64\x80\x40\x00"  # a second note-off at 300 finds nothing held
        b"\x00\x90\x43\x50\x00\x90\x43\x70"  # G4 twice at the same tick: one note, restarted
        b"\x81\x48\x80\x43\x00" + END  # off at 500
    )
    clip = read_midi(put(tmp_path, smf(body)))
    assert clip.notes == [Note(0, 64, 100, 80), Note(100, 64, 100, 96), Note(300, 67, 200, 112)]


def test_unclosed_and_zero_length_notes(tmp_path: Path) -> None:
    body = (
        b"\x00\x90\x30\x40"  # C3 on, never closed
        b"\x00\x90\x34\x40\x00\x80\x34\x40"  # E3 on and off at the same tick
        b"\x87\x40\xff\x2f\x00"  # end of track at 960
    )
    clip = read_midi(put(tmp_path, smf(body)))
    assert clip.notes == [Note(0, 48, 960, 64), Note(0, 52, 1, 64)]
    # Without an end-of-track event the track ends at its last event.
    clip = read_midi(put(tmp_path, smf(b"\x00\x90\x30\x40\x83\x60\xb0\x07\x64")))
    assert clip.notes == [Note(0, 48, 480, 64)]


def test_drum_channel_is_kept_apart(tmp_path: Path) -> None:
    body = b"\x00\x99\x24\x64\x00\x90\x3c\x40\x83\x60\x89\x24\x00\x00\x80\x3c\x00" + END
    path = put(tmp_path, smf(body))
    song = read_midi_song(path)
    assert song.drums == [Note(0, 36, 480, 100, 9)]
    assert song.clip.notes == [Note(0, 60, 480, 64, 0)] == read_midi(path).notes
    assert song.channels == [0, 9]


def test_ticks_per_beat_96_is_rescaled_to_480(tmp_path: Path) -> None:
    body = (
        b"\x60\x90\x3c\x40"  # on at 96 (one beat)
        b"\x30\x80\x3c\x00"  # off at 144: an eighth
        b"\x01\x90\x3e\x40\x00\x80\x3e\x00"  # at 145, zero length
        b"\x00\xff\x51\x03\x07\xa1\x20"  # tempo 500000 us = 120 BPM
        b"\x00\xff\x58\x04\x02\x03\x18\x08" + END  # 2/8
    )
    song = read_midi_song(put(tmp_path, smf(body, division=96)))
    assert song.ticks_per_beat == 96
    assert song.clip.notes == [Note(480, 60, 240, 64), Note(725, 62, 1, 64)]
    assert song.clip.time_signature == TimeSignature(2, 8)


def test_format_2_patterns_are_played_one_after_the_other(tmp_path: Path) -> None:
    pattern = b"\x00\x90\x3c\x40\x83\x60\x80\x3c\x00" + END
    clip = read_midi(put(tmp_path, smf(pattern, pattern, fmt=2)))
    assert clip.notes == [Note(0, 60, 480, 64), Note(480, 60, 480, 64)]


def test_defaults_and_first_meta_events(tmp_path: Path) -> None:
    clip = read_midi(put(tmp_path, smf(b"\x00\x90\x3c\x40\x10\x80\x3c\x00" + END)))
    assert (clip.tempo, clip.time_signature, clip.key) == (120.0, TimeSignature(4, 4), None)
    late = b"\x83\x60\xff\x51\x03\x0f\x42\x40" + END  # 60 BPM at tick 480, in track 1
    early = b"\x00\xff\x51\x03\x07\xa1\x20\x00\xff\x51\x03\x03\xd0\x90" + END  # 120 then 240 BPM at 0
    assert read_midi(put(tmp_path, smf(late, early))).tempo == 120.0


def test_malformed_meta_events_are_skipped(tmp_path: Path) -> None:
    body = (
        b"\x00\xff\x51\x02\x07\xa1"  # tempo with two bytes
        b"\x00\xff\x51\x03\x00\x00\x00"  # tempo 0
        b"\x00\xff\x58\x04\x00\x02\x18\x08"  # 0/4
        b"\x00\xff\x58\x04\x04\x09\x18\x08"  # 4/512
        b"\x00\xff\x59\x02\x09\x00"  # nine sharps
        b"\x00\xff\x59\x02\x00\x05"  # mode 5
        b"\x00\xff\x03\x04Lead" + END
    )
    song = read_midi_song(put(tmp_path, smf(body)))
    assert (song.clip.tempo, song.clip.time_signature, song.clip.key) == (120.0, TimeSignature(), None)
    assert song.track_names == ["Lead"]


@pytest.mark.parametrize(
    ("sharps", "minor", "expected"),
    [(0, 0, "C-major"), (0, 1, "A-minor"), (3, 1, "F#-minor"), (-2, 0, "Bb-major"), (-7, 0, "B-major"),
     (-5, 0, "C#-major"), (6, 1, "Eb-minor"), (7, 1, "Bb-minor"), (-6, 1, "Eb-minor"), (1, 0, "G-major")],
)  # fmt: skip
def test_key_signature_spelling(tmp_path: Path, sharps: int, minor: int, expected: str) -> None:
    body = b"\x00\xff\x59\x02" + bytes([sharps & 0xFF, minor]) + END
    key = read_midi(put(tmp_path, smf(body))).key
    assert key == expected and str(Key.parse(key)) == key


def test_sysex_and_unknown_chunks_are_skipped(tmp_path: Path) -> None:
    big_sysex = b"\x00\xf0" + vlq(100_001) + bytes(100_000) + b"\xf7"
    data = smf(big_sysex + b"\x00\x90\x3c\x40\x10\x80\x3c\x00" + END)
    data = data[:14] + b"XFIH\x00\x00\x00\x03abc" + data[14:]  # a vendor chunk before the track
    assert read_midi(put(tmp_path, data)).notes == [Note(0, 60, 16, 64)]


# --- Hostile and corrupt files -----------------------------------------------------------------

VALID = smf(b"\x00\xff\x03\x04Lead\x00\x90\x3c\x40\x83\x60\x80\x3c\x00" + END)
PNG = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + bytes(17)  # a PNG signature and header

HOSTILE = {
    "empty": (b"", "is empty"),
    "png": (PNG, "not a MIDI file"),
    "random": (random.Random(7).randbytes(4096), "not a MIDI file"),
    "text": (b"MThd is how a MIDI file starts, but this is prose.", "corrupt"),
    "header-cut": (b"MThd\x00\x00\x00\x06\x00\x01", "header"),
    "header-length-absurd": (b"MThd\xff\xff\xff\xff" + VALID[8:], "header"),
    "format-7": (smf(END, fmt=7), "format 7"),
    "zero-tracks": (smf(fmt=1), "no tracks"),
    "smpte": (smf(END, division=0xE728), "SMPTE"),
    "ticks-per-beat-0": (smf(END, division=0), "0 ticks per beat"),
    "track-missing": (smf(END, declared=3), "declares 3 tracks but holds 1"),
    "track-4-gb": (VALID[:14] + b"MTrk\xff\xff\xff\xff" + VALID[22:], "4,294,967,295 bytes"),
    "chunk-header-cut": (smf(END, declared=2) + b"MTr", "track 2 ends inside its chunk header"),
    "cut-mid-event": (smf(b"\x00\x90\x3c"), "track 1 ends in the middle of an event"),
    "cut-mid-file": (VALID[:-7], "truncated"),
    "running-status-garbage": (smf(b"\x00\x3c\x40\x00\x3c\x00" + END), "running status"),
    "status-in-data": (smf(b"\x00\x90\x3c\x90\x40" + END), "status byte where data"),
    "stray-system-byte": (smf(b"\x00\xf4" + END), "0xF4"),
    "endless-delta": (smf(b"\x80\x80\x80\x80\x80\x00\x90\x3c\x40" + END), "longer than four bytes"),
    "meta-past-end": (smf(b"\x00\xff\x03\x7fabc"), "middle of an event"),
    "sysex-length-absurd": (smf(b"\x00\xf0\xff\xff\xff\x7f\x00"), "middle of an event"),
}


def assert_user_message(error: MidiFileError, name: str) -> str:
    message = str(error)
    assert name in message
    assert "\n" not in message and message.endswith(".") and message.count(". ") == 0
    return message


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_files_raise_one_clear_sentence(tmp_path: Path, case: str) -> None:
    data, expected = HOSTILE[case]
    path = put(tmp_path, data, f"{case}.mid")
    with pytest.raises(MidiFileError) as caught:
        read_midi(path)
    assert expected in assert_user_message(caught.value, f"{case}.mid")


@pytest.mark.parametrize("kind", ["missing", "folder", "fifo"])
def test_paths_that_are_not_files(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"{kind}.mid"
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)  # opening it for reading would block forever
    with pytest.raises(MidiFileError) as caught:
        read_midi_song(path)
    message = assert_user_message(caught.value, path.name)
    expected = {"missing": "does not exist", "folder": "is a folder", "fifo": "not a regular file"}[kind]
    assert expected in message


def test_ten_million_events_are_refused_quickly(tmp_path: Path) -> None:
    # 3 bytes per event: delta 0 and two data bytes under running status (note on, then off).
    body = b"\x00\x90\x3c\x40" + b"\x00\x3c\x00\x00\x3c\x40" * 5_000_000
    path = put(tmp_path, smf(body), "huge.mid")
    with pytest.raises(MidiFileError) as caught:
        read_midi(path)
    assert "more than 2,000,000 events" in assert_user_message(caught.value, "huge.mid")


def test_event_and_size_limits_are_exact(tmp_path: Path) -> None:
    body = b"".join(b"\x00\x90\x3c\x40\x01\x80\x3c\x00" for _ in range(10)) + END  # 21 events
    path = put(tmp_path, smf(body))
    assert len(read_midi(path, max_events=21).notes) == 10
    with pytest.raises(MidiFileError, match="more than 20 events"):
        read_midi(path, max_events=20)
    size = path.stat().st_size
    assert len(read_midi(path, max_bytes=size).notes) == 10
    with pytest.raises(MidiFileError, match="too large"):
        read_midi(path, max_bytes=size - 1)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_mutated_files_raise_only_midi_file_error(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    blob = bytearray(VALID + smf(b"\x00\xc0\x05\x00\x91\x40\x40\x10\x41\x40\x00\xe0\x00\x40" + END)[14:])
    blob[11] = 2  # two tracks
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(blob) - 1))
        action = data.draw(st.sampled_from(["flip", "insert", "delete", "cut"]))
        if action == "flip":
            blob[at] = data.draw(st.integers(0, 255))
        elif action == "insert":
            blob[at:at] = data.draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del blob[at]
        else:
            del blob[at:]
        if not blob:
            blob = bytearray(b"\x00")
    path = tmp_path_factory.getbasetemp() / "mutant.mid"
    path.write_bytes(bytes(blob))
    try:
        song = read_midi_song(path)
    except MidiFileError as error:
        assert_user_message(error, "mutant.mid")
    else:
        assert song.format in (0, 1, 2) and song.ticks_per_beat > 0 and len(song.track_names) >= 1


# --- Atomic saves -------------------------------------------------------------------------------


def _disk_full(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("step", ["replace", "fsync"])
def test_a_failed_save_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    path = tmp_path / "song.mid"
    write_midi(path, HAND_MADE[1])
    before = path.read_bytes()
    monkeypatch.setattr(files.os, step, _disk_full)
    with pytest.raises(MidiFileError) as caught:
        write_midi(path, HAND_MADE[0])
    monkeypatch.undo()
    assert "disk is full" in assert_user_message(caught.value, "song.mid")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["song.mid"]
    assert read_midi(path) == HAND_MADE[1]


def test_saving_into_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(MidiFileError) as caught:
        write_midi(tmp_path / "nowhere" / "song.mid", HAND_MADE[0])
    assert "folder does not exist" in assert_user_message(caught.value, "song.mid")


def test_saving_keeps_permissions(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.mid"
    write_midi(fresh, HAND_MADE[0])
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644  # not mkstemp's 0o600
    fresh.chmod(0o640)
    write_midi(fresh, HAND_MADE[1])
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o640
    assert read_midi(fresh) == HAND_MADE[1]
