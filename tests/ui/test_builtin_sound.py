"""The built-in sound in the window: the Output menu offers it first, a first start chooses it, and
with no audio device (as here and in CI) choosing it says so in one sentence in the status bar,
never a traceback; while the output is the virtual port and nothing is connected to it (ALSA
tells), the status bar says so."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMenu

from studio.midi import listeners
from studio.midi.player import MemoryOutput
from studio.midi.session import LocalSession
from studio.midi.synth import BUILT_IN
from studio.ui.app.main_window import MidiPorts
from studio.ui.app.settings import AppSettings
from studio.ui.connections import midi_io
from studio.ui.connections.midi_io import NO_PORT, NOBODY_LISTENS, VIRTUAL, MidiIO
from tests.midi.test_synth import FakePyAudio
from tests.ui.test_remembered import FakePorts

NO_DEVICE = ("No audio device for the built-in sound: choose a MIDI output in Transport → "
             "MIDI Output.")


def _output_menu(window) -> QMenu:
    menu = next(m for m in window.findChildren(QMenu) if m.title() == "MIDI &Output")
    menu.aboutToShow.emit()  # the entries are listed as it opens
    return menu


def test_the_output_menu_offers_the_built_in_sound_first(qtbot, window) -> None:
    entries = [a.text() for a in _output_menu(window).actions() if a.isCheckable()]
    assert entries[:2] == ["Built-in sound", "Continuo (virtual port)"] and entries[-1] == "None"
    checked = [a.text() for a in _output_menu(window).actions() if a.isChecked()]
    assert checked == ["None"]  # the window fixture chose none


def test_without_an_audio_device_the_status_bar_says_so_in_one_sentence(
        qtbot, window, dialogs, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyaudio", FakePyAudio)
    monkeypatch.setattr(FakePyAudio, "device", False)
    built_in = next(a for a in _output_menu(window).actions() if a.text() == "Built-in sound")
    built_in.trigger()
    assert window.midi.output_choice == BUILT_IN
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == NO_DEVICE, timeout=10000)
    assert window.midi.status == "Built-in sound: no audio device"
    assert window.midi_label.toolTip() == "Built-in sound: no audio device"
    assert not dialogs.shown  # no error dialog, no traceback
    assert [a.text() for a in _output_menu(window).actions() if a.isChecked()] == ["Built-in sound"]
    window.midi.send_note(60, 100)  # keys still play (nowhere) without a fault
    window.midi.send_note(60, 0)


def test_with_an_audio_device_the_built_in_sound_is_the_output(qtbot,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyaudio", FakePyAudio)
    monkeypatch.setattr(FakePyAudio, "device", True)
    monkeypatch.setattr(FakePyAudio, "streams", [])
    midi = MidiIO()
    try:
        with qtbot.waitSignal(midi.output_ready, timeout=10000):
            midi.choose_output(BUILT_IN)
        assert midi.status == "Sound: built-in" and midi.session().name == "Built-in sound"
        midi.send_note(69, 100)  # a key played on screen reaches the synth
        fill = FakePyAudio.streams[0].options["stream_callback"]
        fill(None, 512, None, 0)  # it sounds one buffer after it was sent
        audio, _ = fill(None, 2048, None, 0)
        assert any(audio)
    finally:
        midi.close()


def test_a_first_start_chooses_the_built_in_sound_and_a_chosen_port_is_kept(tmp_path: Path) -> None:
    first = FakePorts("untouched")
    MidiPorts(first).load_settings(AppSettings(tmp_path / "first.ini"))  # type: ignore[arg-type]
    assert first.output_choice == BUILT_IN
    for choice in (VIRTUAL, NO_PORT, BUILT_IN, "FLUID Synth"):
        settings = AppSettings(tmp_path / "settings.ini")
        MidiPorts(FakePorts(choice)).save_settings(settings)  # type: ignore[arg-type]
        settings.store.sync()
        fresh = FakePorts("untouched")
        MidiPorts(fresh).load_settings(AppSettings(tmp_path / "settings.ini"))  # type: ignore[arg-type]
        assert fresh.output_choice == choice


SEQ_CLIENTS = """Client info
  cur  clients : 3
  max  clients : 192

Client   0 : "System" [Kernel]
  Port   0 : "Timer" (Rwe-)
  Port   1 : "Announce" (R-e-)
    Connecting To: 128:0
Client 128 : "Continuo" [User Legacy]
  Port   0 : "Continuo" (R-e-)
{connected}Client 129 : "FLUID Synth (1234)" [User Legacy]
  Port   0 : "Synth input port (1234:0)" (-We-)
"""


@pytest.mark.parametrize(("connected", "heard"), [("    Connecting To: 129:0\n", True), ("", False)])
def test_alsa_tells_whether_anything_listens_to_the_virtual_port(tmp_path: Path, connected: str,
                                                                 heard: bool) -> None:
    clients = tmp_path / "clients"
    clients.write_text(SEQ_CLIENTS.format(connected=connected))
    assert listeners.virtual_port_heard(clients=clients) is heard
    assert listeners.virtual_port_heard("Another app", clients) is None  # no such client
    assert listeners.virtual_port_heard(clients=tmp_path / "no ALSA here") is None


class VirtualOutput(MemoryOutput):
    name, virtual = "Continuo", True


def test_the_status_bar_says_when_nothing_listens_to_the_virtual_port(
        qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    heard: list[bool | None] = [False]
    monkeypatch.setattr(midi_io, "virtual_port_heard", lambda: heard[0])
    monkeypatch.setattr(midi_io, "LISTENERS_MS", 50)
    monkeypatch.setattr(midi_io, "open_session",
                        lambda choice, backend: (LocalSession(VirtualOutput()), None))
    midi = MidiIO()
    said: list[str] = []
    midi.message.connect(said.append)
    try:
        with qtbot.waitSignal(midi.output_ready, timeout=10000):
            midi.choose_output(VIRTUAL)
        assert midi.status == "MIDI out: Continuo (nothing connected)" and said == [NOBODY_LISTENS]
        heard[0] = True  # a DAW connects
        qtbot.waitUntil(lambda: midi.status == "MIDI out: Continuo", timeout=5000)
        heard[0] = None  # not known (JACK, CoreMIDI): nothing claimed
        qtbot.waitUntil(lambda: midi.status == "MIDI out: Continuo", timeout=5000)
        assert said == [NOBODY_LISTENS]
    finally:
        midi.close()
