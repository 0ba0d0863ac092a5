"""Tests for AppSettings and the app-data folder: a round trip through a real INI file in a
temporary folder, defaults, damaged values, the recent list, and CONTINUO_HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.ui.app import paths
from studio.ui.app.settings import MAX_RECENT, AppSettings

CONTROLS = {"style": "folk", "bars": 8, "temperature": 0.9, "key_lock": True, "seed": None}


def test_every_setting_round_trips_through_the_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    settings = AppSettings(path)
    settings.midi_output = "Continuo out"
    settings.midi_input = "Keystation 49"
    settings.midi_backend = "jack"
    settings.midi_thru = False
    settings.key_layout = "azerty"
    settings.octave = 2
    settings.velocity = 80
    settings.continuation = CONTROLS
    settings.metronome = True
    settings.count_in = False
    settings.quantize_recording = True
    settings.window_geometry = b"\x01\x02\x00geometry"
    settings.window_state = b"\xffstate"
    settings.recent_files = ["/music/a.continuo", "/music/b.mid"]
    assert settings.sync()
    assert path.is_file()

    again = AppSettings(path)
    assert (again.midi_output, again.midi_input) == ("Continuo out", "Keystation 49")
    assert again.midi_backend == "jack"
    assert again.midi_thru is False
    assert (again.key_layout, again.octave, again.velocity) == ("azerty", 2, 80)
    assert again.continuation == CONTROLS
    assert (again.metronome, again.count_in, again.quantize_recording) == (True, False, True)
    assert again.window_geometry == b"\x01\x02\x00geometry" and again.window_state == b"\xffstate"
    assert again.recent_files == ["/music/a.continuo", "/music/b.mid"]
    assert again.folder == tmp_path


def test_a_new_file_gives_the_defaults(tmp_path: Path) -> None:
    settings = AppSettings(tmp_path / "fresh.ini")
    assert settings.midi_output is None and settings.midi_backend is None
    assert (settings.key_layout, settings.octave, settings.velocity) == ("auto", 4, 100)
    assert settings.continuation == {} and settings.recent_files == []
    assert settings.window_geometry == b"" and settings.count_in is True and settings.metronome is False
    settings.continuation["style"] = "folk"  # the default handed out is a copy
    assert settings.continuation == {}


def test_clearing_a_port_removes_it(tmp_path: Path) -> None:
    settings = AppSettings(tmp_path / "s.ini")
    settings.midi_output = "Synth"
    settings.midi_output = None
    settings.sync()
    assert AppSettings(tmp_path / "s.ini").midi_output is None


def test_a_damaged_file_reads_as_defaults_or_clamped(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    path.write_text(
        "[keys]\noctave=banana\nvelocity=500\nlayout=dvorak\n"
        "[continue]\nlast=\"{not json\"\n"
        "[transport]\nmetronome=perhaps\ncount_in=false\n"
        "[files]\nrecent=\"[1, 2]\"\n"
        "[window]\ngeometry=plain text\n"
        "[midi]\noutput=\n"
    )
    settings = AppSettings(path)
    assert settings.octave == 4 and settings.velocity == 127 and settings.key_layout == "auto"
    assert settings.continuation == {} and settings.recent_files == []
    assert settings.metronome is False and settings.count_in is False
    assert settings.window_geometry == b"" and settings.midi_output is None


def test_nested_continuation_values_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    settings = AppSettings(path)
    settings.store.setValue("continue/last", '{"style": {"deep": [1]}}')
    assert settings.continuation == {}


def test_recent_files_are_kept_unique_in_order_and_capped(tmp_path: Path) -> None:
    settings = AppSettings(tmp_path / "s.ini")
    paths = [str(tmp_path / "3.continuo"), *(str(tmp_path / f"{n}.continuo") for n in range(14, -1, -1))]
    settings.recent_files = paths
    recent = settings.recent_files
    assert len(recent) == MAX_RECENT
    assert recent[0] == str(tmp_path / "3.continuo") and recent[1] == str(tmp_path / "14.continuo")
    assert len(set(recent)) == len(recent) and str(tmp_path / "3.continuo") not in recent[1:]
    settings.store.setValue("files/recent", '["a", "a", "b"]')  # a hand-edited file: still unique
    assert settings.recent_files == ["a", "b"]


def test_sync_reports_a_file_it_cannot_write(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    settings = AppSettings(blocker / "settings.ini")  # its folder is a file
    settings.octave = 3
    assert settings.sync() is False


def test_the_app_data_folder_follows_continuo_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTINUO_HOME", str(tmp_path / "home"))
    assert paths.app_data_dir() == tmp_path / "home"
    assert paths.settings_path() == tmp_path / "home" / "settings.ini"
    assert paths.autosave_dir().is_dir() and paths.log_dir().is_dir()
    assert AppSettings().path == tmp_path / "home" / "settings.ini"


def test_without_continuo_home_it_is_the_platform_data_folder(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:  # fmt: skip
    monkeypatch.delenv("CONTINUO_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # honoured by QStandardPaths on Linux
    folder = paths.app_data_dir()
    assert folder.name == "Continuo" and folder.is_dir()


def test_an_app_data_folder_that_cannot_be_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("CONTINUO_HOME", str(tmp_path / "file" / "home"))
    settings = AppSettings()
    settings.octave = 2
    assert settings.sync() is False  # said by the one who writes, not a traceback at start
    assert paths.log_dir() == tmp_path / "file" / "home" / "logs"


def test_sync_and_jam_settings_round_trip_and_damaged_ones_read_as_defaults(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    settings = AppSettings(path)
    assert (settings.sync_mode, settings.sync_clock_input, settings.send_clock) == ("internal", None, False)
    assert settings.jam_pause_beats == 1.0
    settings.sync_mode, settings.sync_clock_input, settings.send_clock = "clock", "DAW clock", True
    settings.jam_pause_beats = 2.5
    assert settings.sync()
    again = AppSettings(path)
    assert (again.sync_mode, again.sync_clock_input, again.send_clock) == ("clock", "DAW clock", True)
    assert again.jam_pause_beats == 2.5
    for raw, read in (("100", 16.0), ("0", 0.25), ("nan", 1.0), ("many", 1.0)):
        again.store.setValue("jam/pause_beats", raw)
        assert again.jam_pause_beats == read
    again.store.setValue("sync/mode", "wall clock")
    assert again.sync_mode == "internal"
