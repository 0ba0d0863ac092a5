"""The window's MIDI connections: a real JACK port receives the transport's playback and the
play-through of a pressed key; no MIDI system at all leaves the app working, with one sentence."""

from __future__ import annotations

import mido
import pytest

from studio.core.notes import Note, TimeSignature
from studio.midi.session import SilentOutput
from studio.ui.connections.midi_io import MidiIO
from studio.ui.playback.transport import Transport


def test_no_midi_system_means_a_silent_output_and_a_sentence(qtbot, monkeypatch) -> None:
    monkeypatch.setenv("JACK_DEFAULT_SERVER", "continuo-no-such-server")
    io = MidiIO(backend="jack")
    with qtbot.waitSignal(io.status_changed, timeout=10000,
                          check_params_cb=lambda text: text.startswith("No MIDI output")) as status:
        io.choose_output(None)
    assert status.args[0].endswith(".") and isinstance(io.session().output, SilentOutput)
    io.send_note(60, 100)  # nowhere, and no error


@pytest.mark.jack
def test_playback_and_play_through_reach_a_real_jack_port(qtbot, receiver) -> None:
    io = MidiIO(backend="jack")
    with qtbot.waitSignal(io.status_changed, timeout=10000, check_params_cb=lambda t: "opening" not in t):
        io.choose_output(receiver.port)
    assert io.status == f"MIDI out: {receiver.port}"
    transport = Transport(io.session)
    notes = [Note(i * 240, 60 + i, 200, 90) for i in range(6)]
    with qtbot.waitSignal(transport.playing_changed, timeout=10000, check_params_cb=lambda p: not p):
        transport.play(notes, 480.0, TimeSignature(4, 4))
    io.send_note(72, 100)
    io.send_note(72, 0)
    assert receiver.wait_for(6 * 2 + 1 + 2)  # notes, all-notes-off on channel 1, the played key
    messages = [m for _, m in receiver.messages()]
    ons = [m.note for m in messages if m.type == "note_on" and m.velocity]
    offs = [m.note for m in messages if m.type == "note_off" or (m.type == "note_on" and not m.velocity)]
    assert ons == [n.pitch for n in notes] + [72] and sorted(offs) == sorted(ons)
    io.close()


@pytest.mark.jack
def test_a_hardware_keyboard_is_heard_through_and_reported(qtbot, receiver) -> None:
    from studio.midi.ports import open_output

    keyboard = open_output(None, "jack")  # stands in for a MIDI keyboard: a real JACK source
    io = MidiIO(backend="jack")
    try:
        with qtbot.waitSignal(io.status_changed, timeout=10000, check_params_cb=lambda t: "opening" not in t):
            io.choose_output(receiver.port)
        with qtbot.waitSignal(io.message, timeout=10000) as listening:
            io.choose_input(keyboard.name)
        assert listening.args[0].startswith("Listening")
        with qtbot.waitSignal(io.note_on, timeout=10000) as pressed:
            keyboard.send(mido.Message("note_on", note=64, velocity=99))
        assert pressed.args == [64, 99]
        with qtbot.waitSignal(io.note_off, timeout=10000) as released:
            keyboard.send(mido.Message("note_off", note=64))
        assert released.args == [64]
        assert receiver.wait_for(2)  # played through to the output
        assert [(m.type, m.note) for _, m in receiver.messages()] == [("note_on", 64), ("note_off", 64)]
    finally:
        io.close()
        keyboard.close()


@pytest.mark.jack
def test_a_vanished_output_stops_playback_and_says_so(qtbot, jack_server) -> None:
    from tests.jack_server import Receiver

    synth = Receiver(jack_server)
    io = MidiIO(backend="jack")
    try:
        with qtbot.waitSignal(io.status_changed, timeout=10000, check_params_cb=lambda t: "opening" not in t):
            io.choose_output(synth.port)
        transport = Transport(io.session)
        io.output_lost.connect(transport.stop)
        transport.play([Note(i * 480, 60, 400) for i in range(64)], 120.0, TimeSignature(4, 4))
        assert synth.wait_for(2)
        with qtbot.waitSignal(io.message, timeout=10000) as said:
            synth.kill()  # the synth crashes
        assert "went away" in said.args[0] and said.args[0].endswith(".")
        qtbot.waitUntil(lambda: not transport.playing, timeout=5000)
        assert io.status == said.args[0]
    finally:
        io.close()
        synth.close()
