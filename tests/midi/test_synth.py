"""The built-in sound (studio.midi.synth): the SoundFont synth renders each note at its pitch and
time, never clips, plays the programs and the drum kit Continuo uses, and as a session's output
reaches the audio device's callback, or says in one sentence that there is no audio device."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import mido
import numpy as np
import pytest

from studio.midi import synth
from studio.midi.ports import PortError
from studio.midi.session import LocalSession, open_session
from studio.midi.synth import BUILT_IN, RATE, SoundFontSynth, SynthError, SynthOutput, render
from tests.audio_analysis import cents, frequency_of, onset, peak_near, spectrum, strongest

MELODY = [(0.25, 60), (0.75, 64), (1.25, 67), (1.75, 69), (2.25, 72), (2.75, 48), (3.25, 76), (3.75, 84)]


def _events(notes: list[tuple[float, int]], length: float = 0.4, channel: int = 0, velocity: int = 100):
    events = []
    for start, pitch in notes:
        events.append((start, mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)))
        events.append((start + length, mido.Message("note_off", channel=channel, note=pitch)))
    return sorted(events, key=lambda e: e[0])


def assert_heard(mono: np.ndarray, rate: int, notes: list[tuple[float, int]], timed: bool = True,
                 tolerance: float = 5.0) -> None:
    """Each note's fundamental within `tolerance` cents of its pitch (the loudest partial one of
    its first four harmonics) and (timed) its onset within 10 ms of its time."""
    for start, pitch in notes:
        expected = frequency_of(pitch)
        magnitudes, bin_hz = spectrum(mono, rate, start + 0.03)
        fundamental, level = peak_near(magnitudes, bin_hz, expected)
        assert abs(cents(fundamental, expected)) < tolerance, (pitch, fundamental)
        assert level > 0.1 * magnitudes.max(), pitch  # a real partial, not leakage
        ratio = strongest(magnitudes, bin_hz) / expected
        assert round(ratio) in (1, 2, 3, 4) and abs(cents(ratio, round(ratio))) < 15, (pitch, ratio)
        if timed:
            assert abs(onset(mono, rate, start) - start) < 0.010, (pitch, onset(mono, rate, start))


@pytest.mark.parametrize("rate", [44100, 48000])
def test_each_note_sounds_at_its_pitch_and_time(rate: int) -> None:
    audio = render(_events(MELODY), rate)
    assert audio.dtype == np.float32 and audio.shape[1] == 2
    assert_heard(audio.mean(axis=1), rate, MELODY)
    assert len(audio) / rate < MELODY[-1][0] + 0.4 + 2.1  # the tail is cut once the sound dies


def test_loud_dense_music_is_normalised_below_full_scale() -> None:
    chords = [(i * 0.1, p) for i in range(20) for p in (36, 48, 55, 60, 64, 67, 72, 76, 79, 84)]
    loud = render(_events(chords, velocity=127), gain_db=24.0)  # far over full scale before
    quiet = render(_events(MELODY[:1], velocity=20))
    for audio in (loud, quiet):
        assert np.abs(audio).max() == pytest.approx(synth.HEADROOM, abs=1e-6) and synth.HEADROOM < 1.0


def test_silence_renders_as_silence() -> None:
    audio = render([])
    assert len(audio) > 0 and not np.any(audio)


def test_programs_and_the_drum_kit_sound() -> None:
    piano = render(_events([(0.2, 45)]))
    bass = render([(0.0, mido.Message("program_change", program=33)), *_events([(0.2, 45)])])
    assert_heard(bass.mean(axis=1), RATE, [(0.2, 45)], timed=False)  # a bass's pluck swells slowly
    assert not np.allclose(piano[:RATE // 2], bass[:RATE // 2], atol=1e-3)  # another instrument
    for program in (4, 48, 99):  # 99 is not in the small SoundFont: the piano plays it
        audio = render([(0.0, mido.Message("program_change", program=program)), *_events([(0.2, 69)])])
        assert_heard(audio.mean(axis=1), RATE, [(0.2, 69)], timed=False, tolerance=8)  # strings: -6
    clicks = render(_events([(0.1, 76), (0.6, 77), (1.1, 36), (1.6, 38), (2.1, 42)], 0.05, channel=9))
    mono = clicks.mean(axis=1)
    for start in (0.1, 0.6, 1.1, 1.6, 2.1):  # the metronome's wood blocks and the kit
        assert abs(onset(mono, RATE, start) - start) < 0.010


def test_a_panic_keeps_the_drum_kit_and_silences_the_synth() -> None:
    player = SoundFontSynth()
    player.send(mido.Message("note_on", note=60, velocity=100))
    for control in (123, 120, 121):  # what the player's panic sends on every channel
        for channel in range(16):
            player.send(mido.Message("control_change", channel=channel, control=control))
    player.generate(RATE // 10)
    assert np.abs(player.generate(RATE // 10)).max() < 1e-3
    player.send(mido.Message("note_on", channel=9, note=76, velocity=110))
    assert np.abs(player.generate(RATE // 10)).max() > 0.05
    player.send(mido.Message("clock"))  # what a synth ignores is ignored
    player.send(mido.Message("songpos", pos=0))


class FakePyAudio:
    """PyAudio with a device (its stream keeps the callback) or without one."""

    paFloat32, paContinue = 1, 0  # noqa: N815 (PyAudio's names)
    device = True
    streams: list = []

    class PyAudio:
        def get_default_output_device_info(self) -> dict:
            if not FakePyAudio.device:
                raise OSError("No Default Output Device Available")
            return {"name": "speakers"}

        def open(self, **options):
            stream = types.SimpleNamespace(options=options, stop_stream=lambda: None, close=lambda: None)
            FakePyAudio.streams.append(stream)
            return stream

        def terminate(self) -> None:
            pass


@pytest.fixture
def pyaudio(monkeypatch: pytest.MonkeyPatch) -> type[FakePyAudio]:
    monkeypatch.setitem(sys.modules, "pyaudio", FakePyAudio)
    FakePyAudio.device, FakePyAudio.streams = True, []
    return FakePyAudio


def test_without_an_audio_device_the_built_in_sound_says_so_in_one_sentence(pyaudio) -> None:
    pyaudio.device = False
    with pytest.raises(SynthError) as caught:
        open_session(BUILT_IN, None)
    sentence = str(caught.value)
    assert isinstance(caught.value, PortError)  # the window handles it as a port that cannot open
    assert sentence == ("No audio device for the built-in sound: choose a MIDI output in Transport → "
                        "MIDI Output.")
    assert sentence.endswith(".") and "\n" not in sentence and "Errno" not in sentence


def test_the_built_in_sound_is_a_session_whose_player_reaches_the_audio_callback(pyaudio) -> None:
    session, note = open_session(BUILT_IN, None)
    try:
        assert isinstance(session, LocalSession) and note is None
        assert session.name == "Built-in sound" and not session.virtual
        assert isinstance(session.output, SynthOutput)
        fill = pyaudio.streams[0].options["stream_callback"]
        assert pyaudio.streams[0].options["rate"] >= 44100
        quiet, _ = fill(None, 512, None, 0)
        assert not np.any(np.frombuffer(quiet, np.float32))
        session.send(mido.Message("note_on", note=69, velocity=100))  # a key played live
        fill(None, 512, None, 0)  # it sounds at the end of the buffer played now, one buffer on
        loud, _ = fill(None, 4096, None, 0)
        samples = np.frombuffer(loud, np.float32).reshape(-1, 2)
        assert 0.01 < np.abs(samples).max() <= 1.0
        session.send(mido.Message("note_off", note=69))
    finally:
        session.close()


def test_an_unreadable_soundfont_is_one_sentence(tmp_path) -> None:
    broken = tmp_path / "broken.sf3"
    broken.write_bytes(b"RIFF\0\0\0\0sfbk")
    said = r"^The built-in sound cannot read its SoundFont broken\.sf3 \(.*\)\.$"
    with pytest.raises(SynthError, match=said):
        SoundFontSynth(broken)


def test_live_notes_keep_their_spacing_to_the_sample(pyaudio) -> None:
    """Notes sent between two audio callbacks sound where their send times fall in the buffer
    (so a buffer after they were sent), not all at its start: the live stream is the offline
    rendering of the same notes at the same times, sample for sample."""
    now = [0.0]
    output = SynthOutput(clock=lambda: now[0])
    fill = pyaudio.streams[0].options["stream_callback"]
    frames = 2048  # 46 ms: several notes fall in one buffer
    sends = {0.0050: 60, 0.0300: 67, 0.0310: 72, 0.0400: 64, 0.0990: 55}  # seconds: pitch
    heard = []
    try:
        for step in range(1, 12):
            buffer_end = step * frames / RATE
            for at in sorted(t for t in sends if buffer_end - frames / RATE < t <= buffer_end):
                now[0] = at
                output.send(mido.Message("note_on", note=sends[at], velocity=100))
            now[0] = buffer_end  # the callback comes once the buffer's time is over
            audio, _ = fill(None, frames, None, 0)
            heard.append(np.frombuffer(audio, np.float32).reshape(-1, 2).mean(axis=1))
    finally:
        output.close()
    live = np.concatenate(heard)
    offline = render(sorted(((at, mido.Message("note_on", note=p, velocity=100)) for at, p in sends.items()),
                            key=lambda e: e[0])).mean(axis=1)
    span = min(len(live), len(offline))

    def likeness(shift: int) -> float:
        return float(np.corrcoef(live[shift : span], offline[: span - shift])[0, 1])

    assert likeness(0) > 0.999
    assert likeness(0) - likeness(round(0.002 * RATE)) > 0.05  # 2 ms off would show


def test_the_shipped_soundfont_is_small_and_holds_the_programs_continuo_plays() -> None:
    path = synth.default_soundfont()
    assert path.stat().st_size < 5_000_000
    player = SoundFontSynth(path)
    names = {key: player.preset_name(*key) for key in [(0, 0), (0, 4), (0, 33), (0, 48), (128, 0), (0, 1)]}
    assert names == {(0, 0): "Yamaha Grand Piano", (0, 4): "Rhodes EP", (0, 33): "Fingered Bass",
                     (0, 48): "Strings", (128, 0): "Standard", (0, 1): None}


DEBIAN_SOUNDFONT = Path("/usr/share/sounds/sf3/FluidR3Mono_GM.sf3")


@pytest.mark.skipif(not DEBIAN_SOUNDFONT.is_file(), reason="needs Debian's fluidr3mono-gm-soundfont")
def test_the_trim_script_makes_the_shipped_soundfont_again(tmp_path) -> None:
    import runpy

    trim = runpy.run_path(str(Path(__file__).parents[2] / "scripts" / "trim_soundfont.py"))["trim"]
    assert trim(DEBIAN_SOUNDFONT.read_bytes()) == synth.default_soundfont().read_bytes()
