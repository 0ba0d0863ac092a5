"""`continuo arrange` end to end on real files: a folk tune from the corpus and a POP909 song's
melody become type 1 files of Melody, Chords, Bass and Drums on their own channels with their
programs and the chord symbols as markers; typed chords and a chord file are followed; bad input
is one sentence, exit 2 and nothing written; `continuo info` lists the parts."""

from __future__ import annotations

from pathlib import Path

import mido
import pytest

from studio import cli
from studio.core.notes import Clip, Note, TimeSignature, top_voice
from studio.midi.files import read_midi_song, write_midi, write_parts

POP909 = Path(__file__).resolve().parents[3] / "shared" / "data" / "pop909"


@pytest.fixture(scope="module")
def pop_song(tmp_path_factory) -> Path:
    """The first 16 bars of POP909 song 003's melody track, as the musician would bring it."""
    from models.pop909 import read_song

    song = read_song(POP909 / "003")
    notes = [Note(s * 120, p, max(1, d * 120), v) for s, d, p, v in song.melody if s * 120 < 16 * 1920]
    path = tmp_path_factory.mktemp("pop") / "melody.mid"
    write_midi(path, Clip(notes, song.tempo, TimeSignature(4, 4)))
    return path


def _run(*args: str) -> int:
    return cli.main(["arrange", *args])


def test_a_pop_melody_becomes_four_named_tracks_on_their_channels(pop_song, tmp_path, capsys) -> None:
    out = tmp_path / "band.mid"
    assert _run(str(pop_song), "--out", str(out), "--seed", "1") == 0
    assert "bars arranged" in capsys.readouterr().out
    midi = mido.MidiFile(out)
    assert midi.type == 1 and [t.name for t in midi.tracks[1:]] == ["Melody", "Chords", "Bass", "Drums"]
    channels = [{m.channel for m in t if m.type == "note_on"} for t in midi.tracks[1:]]
    assert channels == [{0}, {1}, {2}, {9}]
    programs = [[m.program for m in t if m.type == "program_change"] for t in midi.tracks[1:]]
    assert programs == [[0], [4], [33], []]
    markers = [m.text for m in midi.tracks[0] if m.type == "marker"]
    assert markers and all(m for m in markers)
    song, given = read_midi_song(out), read_midi_song(pop_song)
    assert song.track_notes[1] == top_voice(given.clip.notes)  # the melody, unchanged
    assert song.clip.tempo == given.clip.tempo and song.clip.time_signature == given.clip.time_signature
    capsys.readouterr()
    assert cli.main(["info", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "parts:    Melody" in shown and "Drums (" in shown and "markers:" in shown


def test_typed_chords_and_a_chord_file_are_followed(pop_song, tmp_path) -> None:
    out = tmp_path / "typed.mid"
    assert _run(str(pop_song), "--out", str(out), "--chords", "C G Am F", "--parts", "chords,bass") == 0
    song = read_midi_song(out)
    assert [t for _, t in song.markers][:4] == ["C", "G", "Am", "F"]
    assert song.track_names[1:] == ["Melody", "Chords", "Bass"]
    chords_file = tmp_path / "chords.mid"
    roots = enumerate((57, 53))  # A minor, then F minor
    triad = [Note(bar * 1920, p, 1900, 80) for bar, root in roots for p in (root, root + 3, root + 7)]
    write_parts(chords_file, Clip(triad, 100.0, TimeSignature(4, 4)), [("Pad", 0, 0, triad)])
    out2 = tmp_path / "from_file.mid"
    assert _run(str(pop_song), "--out", str(out2), "--chords-from", str(chords_file)) == 0
    assert [t for _, t in read_midi_song(out2).markers][:2] == ["Am", "Fm"]


@pytest.mark.parametrize(("args", "sentence"), [
    (["--parts", "strings"], "--parts takes some of"),
    (["--chords", "C X9"], "'X9'"),
    (["--temperature", "5"], "temperature"),
    (["--track", "Nope"], "no track 'Nope'"),
])
def test_bad_requests_are_one_sentence_and_nothing_is_written(pop_song, tmp_path, capsys, args,
                                                              sentence) -> None:
    out = tmp_path / "never.mid"
    assert _run(str(pop_song), "--out", str(out), *args) == 2
    err = capsys.readouterr().err.strip()
    assert sentence in err and "\n" not in err and not out.exists()


def test_a_drum_only_file_is_refused(tmp_path, capsys) -> None:
    drums = tmp_path / "drums.mid"
    hits = [Note(i * 480, 36, 60, 100, 9) for i in range(8)]
    write_midi(drums, Clip([], 120.0, TimeSignature(4, 4)), drums=hits)
    out = tmp_path / "never.mid"
    assert _run(str(drums), "--out", str(out)) == 2
    assert "no melody" in capsys.readouterr().err and not out.exists()
