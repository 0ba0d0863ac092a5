"""Jam mode and clock sync in the real window, on a real JACK server: the window's output is the
player's own process on a receiver process's port. A phrase on the computer keys and a pause are
answered there, playing again cuts the answer off and nothing is left hanging; a clock-source
process standing in for a DAW starts the window's playback with its Start, sets its tempo, and
the notes land on its beats, and its Stop stops playback with every note off."""

from __future__ import annotations

import statistics

import mido
import pytest

from studio.core.notes import DRUM_CHANNEL, TICKS_PER_QUARTER, Clip, Note, TimeSignature
from studio.midi.player_process import ProcessSession
from studio.ui.connections.midi_io import MidiIO
from studio.ui.connections.sync import CLOCK
from tests.jack_server import wait_until
from tests.live_helpers import ClockSource, beat_times
from tests.streams import hanging
from tests.ui.test_jam_window import PHRASE_KEYS, play_keys

pytestmark = pytest.mark.jack
DAW_BPM, CLIP_BPM = 150.0, 100.0


def _window(qtbot, port: str):
    """The main window with its output on `port` (JACK, through the player's process) and the
    shipped model loaded."""
    from studio.ui.app.main_window import MainWindow
    from studio.ui.app.settings import AppSettings

    midi = MidiIO(backend="jack")
    with qtbot.waitSignal(midi.status_changed, timeout=30000, check_params_cb=lambda t: "opening" not in t):
        midi.choose_output(port)
    window = MainWindow(AppSettings(), midi=midi)
    window.show()
    qtbot.waitExposed(window)
    assert isinstance(window.midi.session(), ProcessSession)
    return window


def _close(window) -> None:
    window.document.undo_stack.setClean()
    window.close()


def _ons(messages) -> list:
    return [(t, m) for t, m in messages if m.type == "note_on" and m.velocity]


def test_a_jam_answers_through_the_player_process_and_playing_again_leaves_nothing_hanging(
        qtbot, app_home, dialogs, receiver) -> None:
    window = _window(qtbot, receiver.port)
    try:
        qtbot.waitUntil(lambda: window.engine.ready, timeout=60000)
        window.document.load(Clip([], 240.0, TimeSignature(4, 4), None))
        window.panel.bars.setValue(1)
        window.activateWindow()
        window.roll.canvas.setFocus()
        window.actions.jam.setChecked(True)
        jam = window.jam.jam
        play_keys(qtbot, window, PHRASE_KEYS)  # heard through the port as they are played
        assert receiver.wait_for(2 * len(PHRASE_KEYS))
        qtbot.waitUntil(lambda: bool(jam.answers) and jam.answers[0].announced, timeout=15000)
        answer = jam.answers[0]
        assert wait_until(lambda: len(_ons(receiver.messages())) > len(PHRASE_KEYS), 10)  # the answer arrives
        answered = [m.note for _, m in _ons(receiver.messages())[len(PHRASE_KEYS):]]
        assert answered == [n.pitch for n in answer.live.played[:len(answered)]]
        qtbot.keyPress(window.roll.canvas, "j")  # the musician plays again: the answer stops
        assert answer.live.wait(2.0)
        qtbot.keyRelease(window.roll.canvas, "j")
        window.actions.jam.setChecked(False)
        assert wait_until(lambda: not hanging(receiver.messages()), 5)
        assert [m.note for _, m in _ons(receiver.messages())][-1] == 71  # the key that cut in, heard
        assert not window.document.notes  # the sketch is untouched
    finally:
        _close(window)
    assert not hanging(receiver.messages())


def test_a_daws_clock_starts_playback_sets_its_tempo_and_its_notes_land_on_its_beats(
        qtbot, app_home, dialogs, jack_server, receiver) -> None:
    source = ClockSource(jack_server.env, DAW_BPM)
    window = _window(qtbot, receiver.port)
    try:
        notes = [Note(b * TICKS_PER_QUARTER, 60 + b, TICKS_PER_QUARTER // 2, 90) for b in range(16)]
        window.document.load(Clip(notes, CLIP_BPM, TimeSignature(4, 4), None))
        with qtbot.waitSignal(window.midi.message, timeout=10000,
                              check_params_cb=lambda text: text.startswith("Following the MIDI clock on")):
            window.sync.choose(CLOCK, source.port)
        jack_server.connect(source.port, receiver.port)  # the receiver hears the DAW's beat as well
        window.playback.toggle()  # armed: waits for the DAW
        assert window.playback.armed and not window.transport.playing
        source.start()
        qtbot.waitUntil(lambda: window.transport.following, timeout=5000)
        qtbot.waitUntil(lambda: abs(window.transport_bar.tempo.value() - DAW_BPM) < 1, timeout=5000)
        assert window.document.tempo == CLIP_BPM
        assert wait_until(lambda: len(_ons(receiver.messages())) >= 8, 15)
    finally:
        source.close()  # the DAW sends Stop as it goes
    try:
        qtbot.waitUntil(lambda: not window.transport.playing, timeout=5000)
        assert wait_until(lambda: not hanging(receiver.messages()), 5)
        received = receiver.messages()
    finally:
        _close(window)
    beat_at = beat_times(received)
    ons = {m.note - 60: t for t, m in _ons(received)}
    assert sorted(ons)[:8] == list(range(8))  # from the DAW's Start, in order
    # the first beats land while the tempo is learnt; from beat 2 on, each note is on its beat
    errors = [abs(ons[b] - beat_at[b]) for b in sorted(ons) if 2 <= b < len(beat_at)]
    period_s = jack_server.period_ms / 1000
    assert len(errors) >= 5
    assert statistics.median(errors) <= 2 * period_s + 0.005
    assert max(errors) <= 4 * period_s + 0.025


def test_a_phrase_from_a_hardware_keyboard_is_answered(qtbot, app_home, dialogs, receiver) -> None:
    from studio.midi.ports import open_output

    keyboard = open_output(None, "jack")  # stands in for a MIDI keyboard: a real JACK source
    window = _window(qtbot, receiver.port)
    try:
        with qtbot.waitSignal(window.midi.message, timeout=10000,
                              check_params_cb=lambda text: text.startswith("Listening")):
            window.midi.choose_input(keyboard.name)
        qtbot.waitUntil(lambda: window.engine.ready, timeout=60000)
        window.document.load(Clip([], 240.0, TimeSignature(4, 4), None))
        window.panel.bars.setValue(1)
        window.actions.jam.setChecked(True)
        jam = window.jam.jam
        phrase = [60, 64, 67, 72, 67, 64]
        for pitch in phrase:
            keyboard.send(mido.Message("note_on", note=pitch, velocity=90))
            qtbot.wait(100)
            keyboard.send(mido.Message("note_off", note=pitch))
            qtbot.wait(20)
        qtbot.waitUntil(lambda: bool(jam.answers) and jam.answers[0].announced, timeout=15000)
        assert [n.pitch for n in jam.answers[0].phrase] == phrase
        qtbot.waitUntil(lambda: [n.pitch for n in window.roll.state.ghosts[0]] == phrase, timeout=2000)
        window.actions.jam.setChecked(False)
        assert wait_until(lambda: not hanging(receiver.messages()), 5)
    finally:
        _close(window)
        keyboard.close()


def test_a_jam_clicks_through_the_player_process_and_follows_a_new_output_with_nothing_left_on_the_old(
        qtbot, app_home, dialogs, jack_server, receiver) -> None:
    from tests.jack_server import Receiver

    other = Receiver(jack_server)
    window = _window(qtbot, receiver.port)
    try:
        qtbot.waitUntil(lambda: window.engine.ready, timeout=60000)
        window.document.load(Clip([], 240.0, TimeSignature(4, 4), None))
        window.panel.bars.setValue(2)
        window.actions.metronome.setChecked(True)
        window.activateWindow()
        window.roll.canvas.setFocus()
        said: list[str] = []
        window.jam.message.connect(said.append)
        window.actions.jam.setChecked(True)
        jam = window.jam.jam
        assert wait_until(lambda: len(_clicks(receiver.messages())) >= 3, 10)  # the beat, from the child
        play_keys(qtbot, window, PHRASE_KEYS)
        qtbot.waitUntil(lambda: bool(jam.answers) and jam.answers[0].announced, timeout=15000)
        assert wait_until(lambda: len(_answered(receiver.messages())) > len(PHRASE_KEYS), 10)
        with qtbot.waitSignal(window.midi.status_changed, timeout=30000,
                              check_params_cb=lambda text: text == f"MIDI out: {other.port}"):
            window.midi.choose_output(other.port)  # mid-answer: another output
        assert wait_until(lambda: len(_clicks(other.messages())) >= 2, 10)  # the clicks go on there
        assert not hanging(receiver.messages())  # the answer ended on the old output, every note off
        assert window.jam.active and jam.error is None and not any("stopped" in text for text in said)
        heard = len(_answered(other.messages()))
        play_keys(qtbot, window, PHRASE_KEYS[:4])
        qtbot.waitUntil(lambda: len(jam.answers) >= 2 and jam.answers[-1].announced, timeout=15000)
        assert wait_until(lambda: len(_answered(other.messages())) > heard + 4, 10)  # answered there
        window.actions.jam.setChecked(False)
        assert wait_until(lambda: not hanging(other.messages()), 5)
    finally:
        _close(window)
        other.close()
    assert not hanging(receiver.messages()) and not hanging(other.messages())


def _clicks(messages) -> list:
    return [m for _, m in _ons(messages) if m.channel == DRUM_CHANNEL]


def _answered(messages) -> list:
    return [m for _, m in _ons(messages) if m.channel != DRUM_CHANNEL]
