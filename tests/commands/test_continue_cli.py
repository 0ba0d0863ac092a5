"""`continuo continue` and `continuo info` end to end on real music from the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio import cli
from studio.core.notes import Clip, Note, TimeSignature
from studio.midi.files import read_midi, read_midi_song, write_midi

music21 = pytest.importorskip("music21")


@pytest.fixture(scope="module")
def chorale(tmp_path_factory) -> Path:
    """Bach's BWV 66.6 from music21's corpus, written as a .mid file with drums added."""
    from models.corpus import score_to_piece

    score = music21.corpus.parse("bach/bwv66.6")
    piece = score_to_piece(score, "bach/bwv66.6", "bach", "BWV 66.6")
    notes = [Note(s, p, d, v) for s, p, d, v in piece.notes]
    clip = Clip(notes, 84.0, TimeSignature(*piece.metre), "F#-minor")
    path = tmp_path_factory.mktemp("corpus") / "bwv66.6.mid"
    write_midi(path, clip, drums=[Note(0, 42, 60, 90, channel=9)])
    return path


def test_continue_writes_seed_plus_continuation(chorale, tmp_path, capsys):
    out = tmp_path / "out.mid"
    assert cli.main(["continue", str(chorale), "--out", str(out), "--bars", "2", "--seed", "3"]) == 0
    seed, result = read_midi_song(chorale), read_midi_song(out)
    assert result.clip.tempo == seed.clip.tempo and result.clip.time_signature == seed.clip.time_signature
    assert result.drums == seed.drums
    new = [n for n in result.clip.notes if n.start >= seed.clip.end]
    bar = seed.clip.time_signature.bar_ticks
    start = -(-seed.clip.end // seed.clip.time_signature.beat_ticks) * seed.clip.time_signature.beat_ticks
    assert new and min(n.start for n in new) >= start and max(n.end for n in new) <= start + 2 * bar
    assert sorted(result.clip.notes)[: len(seed.clip.notes)] == sorted(seed.clip.notes)
    assert "new notes" in capsys.readouterr().out


def test_variations_only_continuation_and_determinism(chorale, tmp_path):
    args = ["continue", str(chorale), "--out", str(tmp_path / "v.mid"), "--variations", "3", "--seed", "5",
            "--only-continuation", "--key", "auto"]
    assert cli.main(args) == 0
    first = [read_midi(tmp_path / f"v-{i}.mid").notes for i in (1, 2, 3)]
    assert all(first) and not (tmp_path / "v.mid").exists()
    assert cli.main(args) == 0
    assert [read_midi(tmp_path / f"v-{i}.mid").notes for i in (1, 2, 3)] == first


def test_info_summarises(chorale, capsys):
    assert cli.main(["info", str(chorale)]) == 0
    out = capsys.readouterr().out
    assert "84 BPM" in out and "4/4" in out and "1 drum" in out and "F#-minor" in out
    assert "style:" in out


@pytest.mark.parametrize("args, words", [
    (["continue", "{bad}", "--out", "{out}"], "not a MIDI file"),
    (["continue", "{missing}", "--out", "{out}"], "does not exist"),
    (["continue", "{seed}", "--out", "{out}", "--bars", "99"], "1 to 32 bars"),
    (["continue", "{seed}", "--out", "{out}", "--model", "{bad}"], "not an ONNX model"),
    (["continue", "{drums}", "--out", "{out}"], "no notes"),
    (["continue", "{seed}", "--out", "{nodir}"], "does not exist"),
    (["info", "{bad}"], "not a MIDI file"),
])
def test_errors_are_one_line_exit_2_nothing_written(tmp_path, capsys, args, words):
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"RIFF....")
    seed = tmp_path / "seed.mid"
    write_midi(seed, Clip([Note(i * 480, 60 + i, 480) for i in range(8)]))
    drums = tmp_path / "drums.mid"
    write_midi(drums, Clip([]), drums=[Note(0, 36, 120, 100, channel=9)])
    paths = {"bad": bad, "missing": tmp_path / "nope.mid", "seed": seed, "drums": drums,
             "out": tmp_path / "out.mid", "nodir": tmp_path / "no" / "out.mid"}
    before = sorted(tmp_path.rglob("*"))
    assert cli.main([a.format(**paths) for a in args]) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err and "Traceback" not in err
    assert sorted(tmp_path.rglob("*")) == before
