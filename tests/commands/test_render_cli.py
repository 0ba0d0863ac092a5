"""`continuo render`: a .mid file or a project to a WAV file through the built-in sound, offline
(no audio device): 16-bit at 44.1 kHz or more, no clipping, the notes at their pitches and times
(by FFT and the envelope); bad input says one sentence, exits 2 and writes nothing."""

from __future__ import annotations

from pathlib import Path

import mido
import numpy as np
import pytest

from studio import cli
from studio.core.notes import TICKS_PER_QUARTER, Clip, Note
from studio.core.project import Project, save_project
from tests.audio_analysis import cents, frequency_of, onset, peak_near, read_wav, spectrum

BEAT = TICKS_PER_QUARTER
PHRASE = [(1, 60), (2, 64), (3, 67), (4, 72), (5, 69), (6, 65), (7, 62)]  # (beat, pitch)


def _clip(tempo: float) -> Clip:
    return Clip([Note(beat * BEAT, pitch, BEAT * 3 // 4, 100) for beat, pitch in PHRASE], tempo)


def _check(wav: Path, tempo: float, rate: int = 44100) -> np.ndarray:
    samples, found_rate, channels, width = read_wav(wav.read_bytes())
    assert (found_rate, channels, width) == (rate, 2, 2)
    assert 0.5 < np.abs(samples).max() <= 1.0  # normalised, never clipped
    assert np.abs(samples).max() < 32767 / 32768
    mono = samples.mean(axis=1)
    for beat, pitch in PHRASE:
        start = beat * 60.0 / tempo
        magnitudes, bin_hz = spectrum(mono, rate, start + 0.03, 0.25)
        fundamental, _ = peak_near(magnitudes, bin_hz, frequency_of(pitch))
        assert abs(cents(fundamental, frequency_of(pitch))) < 5, (pitch, fundamental)
        assert abs(onset(mono, rate, start) - start) < 0.010, (pitch, onset(mono, rate, start))
    return samples


def test_a_mid_file_renders_at_its_tempo_with_its_drums_and_other_channels(tmp_path: Path, capsys) -> None:
    tempo = 100.0
    song = mido.MidiFile(ticks_per_beat=BEAT)
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tempo)),
                            mido.Message("program_change", channel=1, program=33)])
    notes = _clip(tempo).notes
    events = [(n.start, mido.Message("note_on", note=n.pitch, velocity=n.velocity)) for n in notes]
    events += [(n.end, mido.Message("note_off", note=n.pitch)) for n in notes]
    events += [(9 * BEAT, mido.Message("note_on", channel=9, note=76, velocity=110)),  # a wood block
               (9 * BEAT + 60, mido.Message("note_off", channel=9, note=76)),
               (10 * BEAT, mido.Message("note_on", channel=1, note=36, velocity=100)),  # the bass
               (11 * BEAT, mido.Message("note_off", channel=1, note=36))]
    now = 0
    for tick, message in sorted(events, key=lambda e: e[0]):
        track.append(message.copy(time=tick - now))
        now = tick
    song.tracks.append(track)
    source, out = tmp_path / "phrase.mid", tmp_path / "phrase.wav"
    song.save(source)
    assert cli.main(["render", str(source), "--out", str(out)]) == 0
    samples = _check(out, tempo)
    mono = samples.mean(axis=1)
    assert abs(onset(mono, 44100, 9 * 0.6) - 9 * 0.6) < 0.010  # the drum kit on channel 10
    magnitudes, bin_hz = spectrum(mono, 44100, 10 * 0.6 + 0.05, 0.4)
    fundamental, _ = peak_near(magnitudes, bin_hz, frequency_of(36))
    assert abs(cents(fundamental, frequency_of(36))) < 10
    assert "phrase.wav" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["phrase.mid", "phrase.wav"]  # no temporary left


def test_a_project_renders_at_a_higher_rate(tmp_path: Path) -> None:
    source, out = tmp_path / "sketch.continuo", tmp_path / "sketch.wav"
    save_project(source, Project(clip=_clip(132.0)))
    assert cli.main(["render", str(source), "--out", str(out), "--rate", "48000"]) == 0
    _check(out, 132.0, 48000)


@pytest.mark.parametrize(("name", "content", "out", "said"), [
    ("notes.txt", b"not music", "x.wav", "is not a MIDI file"),
    ("broken.continuo", b"{", "x.wav", "broken.continuo"),
    ("missing.mid", None, "x.wav", "does not exist"),
    ("empty.continuo", "empty", "x.wav", "has no notes to render"),
    ("fine.continuo", "fine", "x.mp3", "should end in .wav"),
])
def test_bad_input_says_one_sentence_exits_2_and_writes_nothing(tmp_path: Path, capsys, name: str, content,
                                                               out: str, said: str) -> None:
    source = tmp_path / name
    if content in ("empty", "fine"):
        save_project(source, Project(clip=Clip() if content == "empty" else _clip(120.0)))
    elif content is not None:
        source.write_bytes(content)
    before = set(tmp_path.iterdir())
    assert cli.main(["render", str(source), "--out", str(tmp_path / out)]) == 2
    err = capsys.readouterr().err
    assert said in err and err.startswith("continuo: ") and err.count("\n") == 1
    assert set(tmp_path.iterdir()) == before  # nothing written


def test_an_unwritable_output_says_so(tmp_path: Path, capsys) -> None:
    source = tmp_path / "fine.continuo"
    save_project(source, Project(clip=_clip(120.0)))
    assert cli.main(["render", str(source), "--out", str(tmp_path / "no such folder" / "x.wav")]) == 2
    assert "Could not write x.wav" in capsys.readouterr().err
