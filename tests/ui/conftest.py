"""Fixtures for the UI tests: the app-data folder in a temporary place (CONTINUO_HOME), message
boxes that record what they would have said instead of blocking, and the real main window with
the real model loaded (MIDI output off: the tests that need a port bring their own)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

REPO = Path(__file__).resolve().parents[2]
DEMO_SEED = REPO / "resources" / "demo_seed.mid"


@pytest.fixture
def app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings, autosaves and logs go here for the test."""
    home = tmp_path / "continuo-home"
    home.mkdir()
    monkeypatch.setenv("CONTINUO_HOME", str(home))
    return home


class Dialogs:
    """Stands in for QMessageBox's static functions: records (kind, text), answers `answer`."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []
        self.answer = QMessageBox.StandardButton.Discard

    def texts(self, kind: str) -> list[str]:
        return [text for k, text in self.shown if k == kind]

    def patch(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for kind in ("warning", "critical", "information", "question", "about"):
            monkeypatch.setattr(QMessageBox, kind, staticmethod(self._recorder(kind)))

    def _recorder(self, kind: str):
        def show(parent, title, text, *args, **kwargs):
            self.shown.append((kind, text))
            return self.answer
        return show


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    recorder = Dialogs()
    recorder.patch(monkeypatch)
    return recorder


@pytest.fixture
def window(qtbot, app_home: Path, dialogs: Dialogs) -> Iterator:
    """The main window, shown at its default size, with the shipped model ready."""
    from studio.ui.app.main_window import MainWindow
    from studio.ui.app.settings import AppSettings
    from studio.ui.connections.midi_io import NO_PORT, MidiIO

    midi = MidiIO()
    midi.choose_output(NO_PORT)
    win = MainWindow(AppSettings(), midi=midi)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.engine.ready, timeout=60000)
    yield win
    win.document.undo_stack.setClean()
    win.close()
