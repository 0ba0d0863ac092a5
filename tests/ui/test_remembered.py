"""Each part of the window that keeps settings saves its own into a settings file in a temporary
folder, and a new part of the same kind loads them back: the Continue and Arrange panels, the computer keys,
the actions' switches, the recent files, the sync choice and the MIDI ports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from studio.core.project import Project
from studio.ui.app.actions import Actions
from studio.ui.app.main_window import MidiPorts
from studio.ui.app.settings import AppSettings, Remembers
from studio.ui.arrangement.panel import ArrangePanel
from studio.ui.connections.midi_io import NO_PORT, MidiIO
from studio.ui.connections.sync import CLOCK, INTERNAL, MODES, Sync
from studio.ui.continuation.panel import ContinuePanel
from studio.ui.document.document import ClipDocument
from studio.ui.document.files import FileController
from studio.ui.keyboard.computer_keys import ComputerKeys


def _round_trip(tmp_path: Path, saved: Remembers, loaded: Remembers) -> AppSettings:
    """Save `saved`'s settings to a file, load them into `loaded` from a fresh read of it."""
    settings = AppSettings(tmp_path / "settings.ini")
    saved.save_settings(settings)
    assert settings.sync()
    again = AppSettings(tmp_path / "settings.ini")
    loaded.load_settings(again)
    return again


def test_the_continue_panel_keeps_its_controls_and_the_jam_pause(qtbot, tmp_path: Path) -> None:
    panel, fresh = ContinuePanel(Actions()), ContinuePanel(Actions())
    qtbot.addWidget(panel)
    qtbot.addWidget(fresh)
    panel.set_values({"bars": 12, "variations": 6, "style": "chorale", "temperature": 1.4, "seed": 7})
    panel.jam_pause.setValue(2.5)
    assert fresh.values() != panel.values()
    _round_trip(tmp_path, panel, fresh)
    assert fresh.values() == panel.values() and fresh.jam_pause.value() == 2.5


def test_the_arrange_panel_keeps_its_style_parts_and_instruments(qtbot, tmp_path: Path) -> None:
    panel, fresh = ArrangePanel(Actions()), ArrangePanel(Actions())
    qtbot.addWidget(panel)
    qtbot.addWidget(fresh)
    defaults = fresh.values()
    panel.set_values({"style": "folk", "drums.plays": False, "bass.channel": 5, "bass.program": 38,
                      "melody.program": 73, "chords.channel": 11, "drums.program": 25,
                      "chords": "C G Am F", "seed": 99, "bass.muted": True})  # a song's: not kept
    _round_trip(tmp_path, panel, fresh)
    kept = fresh.values()
    assert kept["style"] == "folk" and kept["drums.plays"] is False and kept["bass.plays"] is True
    assert (kept["bass.channel"], kept["bass.program"], kept["melody.program"]) == (5, 38, 73)
    assert (kept["chords.channel"], kept["drums.program"]) == (11, 25)
    assert (kept["chords"], kept["seed"], kept["bass.muted"]) == (defaults["chords"], defaults["seed"], False)
    assert fresh.instruments.channels["bass"].value() == 6  # as musicians count


def test_a_fresh_user_gets_the_arrange_panels_defaults(qtbot, tmp_path: Path) -> None:
    panel = ArrangePanel(Actions())
    qtbot.addWidget(panel)
    panel.load_settings(AppSettings(tmp_path / "fresh.ini"))
    values = panel.values()
    assert values["style"] == "pop" and all(values[f"{p}.plays"] for p in ("chords", "bass", "drums"))
    assert [values[f"{p}.channel"] + 1 for p in ("melody", "chords", "bass", "drums")] == [1, 2, 3, 10]
    assert [values[f"{p}.program"] for p in ("melody", "chords", "bass", "drums")] == [0, 4, 33, 0]


def test_the_computer_keys_keep_their_layout_octave_and_velocity(tmp_path: Path) -> None:
    keys, fresh = ComputerKeys(layout="azerty", octave=2, velocity=80), ComputerKeys()
    _round_trip(tmp_path, keys, fresh)
    assert (fresh.layout, fresh.octave, fresh.velocity) == ("azerty", 2, 80)


@pytest.mark.parametrize("checked", [(True, False, True, False), (False, True, False, True)])
def test_the_actions_keep_their_switches(tmp_path: Path, checked: tuple[bool, ...]) -> None:
    names = ("metronome", "count_in", "quantize_recording", "midi_thru")
    actions, fresh = Actions(), Actions()
    for name, on in zip(names, checked, strict=True):
        actions[name].setChecked(on)
        fresh[name].setChecked(not on)
    _round_trip(tmp_path, actions, fresh)
    assert tuple(fresh[name].isChecked() for name in names) == checked


def test_a_new_settings_file_gives_the_switches_their_defaults(tmp_path: Path) -> None:
    actions = Actions()
    actions.load_settings(AppSettings(tmp_path / "fresh.ini"))
    assert not actions.metronome.isChecked() and actions.count_in.isChecked()
    assert not actions.quantize_recording.isChecked() and actions.midi_thru.isChecked()


def _files(qtbot) -> FileController:
    window = QWidget()
    qtbot.addWidget(window)
    document = ClipDocument()
    return FileController(window, document, lambda: [], lambda clip: Project(clip=clip), lambda _: None)


def test_the_file_controller_keeps_the_recent_files(qtbot, tmp_path: Path) -> None:
    files, fresh = _files(qtbot), _files(qtbot)
    files.recent = [str(tmp_path / "b.continuo"), str(tmp_path / "a.mid")]
    _round_trip(tmp_path, files, fresh)
    assert fresh.recent == files.recent


@pytest.fixture
def midi() -> Iterator[MidiIO]:
    midi = MidiIO()
    midi.choose_output(NO_PORT)
    yield midi
    midi.close()


def test_sync_keeps_its_choice_under_its_own_names(qtbot, tmp_path: Path, midi: MidiIO) -> None:
    sync, fresh = Sync(midi, lambda: 120.0), Sync(midi, lambda: 120.0)
    try:
        sync.choose(CLOCK, "Some DAW:clock out")
        sync.set_send_clock(True)
        stored = _round_trip(tmp_path, sync, fresh)
        assert stored.sync_mode == CLOCK and stored.sync_mode in MODES
        assert (fresh.mode, fresh.clock_input, fresh.send_clock) == (CLOCK, "Some DAW:clock out", True)
    finally:
        fresh.close()
        sync.close()
    stored.store.setValue("sync/mode", "wall clock")  # not one of Sync's names: Internal
    assert stored.sync_mode == INTERNAL


class FakePorts:
    """MidiIO's port choices, without ports."""

    def __init__(self, output: str | None = None, input: str | None = None) -> None:
        self.output_choice, self.input_choice = output, input

    def choose_output(self, name: str | None) -> None:
        self.output_choice = name

    def choose_input(self, name: str | None) -> None:
        self.input_choice = name


def test_the_midi_ports_are_chosen_again_unless_given_open(tmp_path: Path) -> None:
    chosen, fresh, given = FakePorts("Synth", "Keystation 49"), FakePorts(), FakePorts("Mine")
    _round_trip(tmp_path, MidiPorts(chosen), MidiPorts(fresh))  # type: ignore[arg-type]
    assert (fresh.output_choice, fresh.input_choice) == ("Synth", "Keystation 49")
    MidiPorts(given, reopen=False).load_settings(AppSettings(tmp_path / "settings.ini"))  # type: ignore[arg-type]
    assert (given.output_choice, given.input_choice) == ("Mine", None)
