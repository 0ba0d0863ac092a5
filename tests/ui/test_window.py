"""The assembled window: size, menus and shortcuts from the one action collection, status bar,
transport by Space, settings that persist, the exception dialog naming the log, crash
recovery of the autosave (a real crashed process), and `continuo --screenshot`, which writes
a 1600x1000 PNG (tests/test_cli.py opens the window with no arguments)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage, QKeySequence
from PySide6.QtWidgets import QMessageBox

from studio.core.notes import Note
from studio.core.project import Project
from studio.engine.model import default_model_path
from studio.midi.files import read_midi
from studio.ui.app.launch import exception_hook, offer_recovery, setup_logging
from studio.ui.document import edits
from tests.ui.conftest import DEMO_SEED, REPO

SHORTCUTS = {
    "new": "Ctrl+N", "open": "Ctrl+O", "save": "Ctrl+S", "save_as": "Ctrl+Shift+S", "undo": "Ctrl+Z",
    "redo": "Ctrl+Shift+Z", "select_all": "Ctrl+A", "copy": "Ctrl+C", "cut": "Ctrl+X", "paste": "Ctrl+V",
    "duplicate": "Ctrl+D", "delete": "Del", "play": "Space", "continue": "Ctrl+Return",
    "next_variation": "Tab", "previous_variation": "Shift+Tab", "accept": "Return", "discard": "Esc",
    "again": "Ctrl+R", "export_midi": "Ctrl+E", "undo_history": "Ctrl+H", "jam": "Ctrl+J",
    "keep_jam": "Ctrl+Shift+J", "arrange": "Ctrl+B", "arrange_again": "Ctrl+Shift+B",
}  # fmt: skip


def _env(home: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CONTINUO_HOME": str(home), **extra}


def test_the_window_shows_at_1600_by_1000_with_every_menu(window) -> None:
    assert (window.width(), window.height()) == (1600, 1000)
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles == ["File", "Edit", "Transport", "Continue", "Arrange", "View", "Help"]
    for name, keys in SHORTCUTS.items():
        portable = QKeySequence.SequenceFormat.PortableText
        shown = [k.toString(portable) for k in window.actions[name].shortcuts()]
        assert keys in shown, (name, shown)
    every = [k.toString() for a in window.actions.all() for k in a.shortcuts()]
    assert len(every) == len(set(every)), "a shortcut is bound twice"
    assert window.engine_label.text() == "Engine: ready"
    assert window.model_label.text() == f"Model: {default_model_path().name}"
    assert window.midi_label.text().startswith("MIDI out: none")
    assert window.centralWidget() is window.roll and window.continue_dock.isVisible()
    assert not window.arrange_dock.isVisible()  # until Ctrl+B: then a tab beside Continue
    window.actions.arrange.trigger()
    assert window.arrange_dock.isVisible()
    assert window.arrange_dock in window.tabifiedDockWidgets(window.continue_dock)
    assert window.keyboard_dock.isVisible() and not window.history_dock.isVisible()
    window.actions.undo_history.trigger()
    assert window.history_dock.isVisible()
    assert window.hint.isVisible()  # what to do first, while the roll is empty
    window.document.push(edits.add_notes(window.document, [Note(0, 60, 480)]))
    assert not window.hint.isVisible()


def test_the_paste_tool_tip_says_where_paste_puts_the_notes(window) -> None:
    tip = window.actions.paste.toolTip()
    assert "playhead" not in tip and tip.startswith("Paste right after what was copied")
    window.document.push(edits.add_notes(window.document, [Note(0, 60, 480), Note(480, 62, 480)]))
    window.roll.set_playhead(3 * 1920)  # where the playhead is has nothing to do with it
    window.actions.select_all.trigger()
    window.actions.copy.trigger()
    window.actions.paste.trigger()
    assert sorted(n.start for n in window.document.notes.values()) == [0, 480, 960, 1440]  # right after


def _cut_off(window) -> list[str]:
    """What of the tool bar and the Continue panel does not fit: a box's label shown without its
    box, the panel scrolled sideways."""
    bar = window.transport_bar
    boxes = {"Tempo": bar.tempo, "Metre": bar.metre, "Key": bar.key, "Snap": bar.snap}
    shown = {bar.widgetForAction(a).text(): a.isVisible() for a in bar._labels}
    # (Snap's label never gives way)
    cut = [name for name, box in boxes.items() if shown.get(name, True) and not box.isVisible()]
    scroll = window.continue_dock.widget()
    if scroll.horizontalScrollBar().maximum() > 0:
        cut.append("the Continue panel, at its side")
    return cut


def test_the_tool_bar_and_the_continue_panel_fit_a_small_window(qtbot, window) -> None:
    assert _cut_off(window) == [] and all(a.isVisible() for a in window.transport_bar._labels)  # 1600x1000
    window.resize(1100, 700)
    qtbot.waitUntil(lambda: window.width() == 1100, timeout=2000)
    qtbot.wait(50)
    assert _cut_off(window) == []
    tools = window.transport_bar
    assert tools.snap.isVisible() and tools.key.isVisible()  # the boxes stay, their labels go
    window.resize(1600, 1000)
    qtbot.waitUntil(lambda: all(a.isVisible() for a in window.transport_bar._labels), timeout=2000)


def test_space_plays_and_stops_with_the_playhead_following(qtbot, window) -> None:
    window.restore(Project(clip=read_midi(DEMO_SEED)))
    window.activateWindow()
    qtbot.keyClick(window.roll.canvas, " ")
    assert window.transport.playing
    qtbot.waitUntil(lambda: (window.roll.state.playhead or 0) > 0, timeout=10000)
    assert window.transport_bar.position.text() != "1.1.1" or window.roll.state.playhead < 120
    qtbot.keyClick(window.roll.canvas, " ")
    # stopped, the playhead stays where play goes on, and the counter says where that is
    assert not window.transport.playing and window.roll.state.playhead == window.playback.cursor > 0


def _quiet_window():
    """Another window over the same app-data folder, without a MIDI port."""
    from studio.ui.app.main_window import MainWindow
    from studio.ui.app.settings import AppSettings
    from studio.ui.connections.midi_io import NO_PORT, MidiIO
    from studio.ui.continuation.engine_worker import EngineService

    midi = MidiIO()
    midi.choose_output(NO_PORT)
    return MainWindow(AppSettings(), engine=EngineService(), midi=midi)


def test_settings_come_back_in_the_next_window(qtbot, window, app_home) -> None:
    window.panel.set_values({"bars": 12, "variations": 6, "style": "chorale", "temperature": 1.4})
    window.actions.metronome.setChecked(True)
    window.actions.midi_thru.setChecked(False)
    window.keys.set_octave(2)
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    layouts = next(a.menu() for a in view.actions() if a.menu() and "Layout" in a.text())
    next(a for a in layouts.actions() if a.text() == "AZERTY").trigger()
    assert window.keys.layout == "azerty" and window.keys_label.text() == "Keys: octave 2, velocity 100"
    window.close()
    again = _quiet_window()
    try:
        values = again.panel.values()
        assert (values["bars"], values["variations"], values["style"]) == (12, 6, "chorale")
        assert values["temperature"] == 1.4 and again.actions.metronome.isChecked() and again.keys.octave == 2
        assert again.keys.layout == "azerty" and not again.actions.midi_thru.isChecked()
    finally:
        again.shutdown()


def test_an_unexpected_exception_is_a_dialog_naming_the_log(window, tmp_path, dialogs) -> None:
    log_path = setup_logging(tmp_path / "logs")
    hook = exception_hook(log_path, lambda: window)
    try:
        raise RuntimeError("the wheels came off")
    except RuntimeError as err:
        hook(type(err), err, err.__traceback__)
    [text] = dialogs.texts("critical")
    assert str(log_path) in text and "the wheels came off" in text and text.endswith(".")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert "Traceback" in log_path.read_text() and "the wheels came off" in log_path.read_text()


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_reaches_the_dialog(qtbot, window, tmp_path, dialogs, monkeypatch) -> None:
    monkeypatch.setattr(sys, "excepthook", exception_hook(setup_logging(tmp_path / "logs"), lambda: window))

    def broken() -> None:
        raise ValueError("a slot broke")

    QTimer.singleShot(0, broken)
    qtbot.waitUntil(lambda: bool(dialogs.texts("critical")), timeout=5000)
    assert "a slot broke" in dialogs.texts("critical")[0]


CRASHING_SESSION = textwrap.dedent("""
    import os, sys
    from PySide6.QtWidgets import QApplication
    from studio.core.notes import Note
    from studio.ui.document import edits
    from studio.ui.continuation.engine_worker import EngineService
    from studio.ui.app.main_window import MainWindow
    from studio.ui.connections.midi_io import NO_PORT, MidiIO
    from studio.ui.app.settings import AppSettings
    app = QApplication([])
    midi = MidiIO()
    midi.choose_output(NO_PORT)
    window = MainWindow(AppSettings(), engine=EngineService(), midi=midi)
    notes = [Note(i * 240, 60 + i, 240, 90) for i in range(7)]
    window.document.push(edits.add_notes(window.document, notes))
    assert window.autosaver.flush()
    print("autosaved", flush=True)
    os._exit(3)  # a crash: no clean exit, no discard
""")


def test_a_crashed_session_is_offered_back_and_restored(qtbot, app_home, dialogs) -> None:
    crashed = subprocess.run([sys.executable, "-c", CRASHING_SESSION], cwd=REPO, env=_env(app_home),
                             capture_output=True, text=True, timeout=120)
    assert crashed.returncode == 3 and "autosaved" in crashed.stdout, crashed.stderr
    window = _quiet_window()
    dialogs.answer = QMessageBox.StandardButton.Yes
    offer_recovery(window)
    assert len(dialogs.texts("question")) == 1 and "7 notes" in dialogs.texts("question")[0]
    assert sorted(window.document.notes.values()) == [Note(i * 240, 60 + i, 240, 90) for i in range(7)]
    assert not window.document.undo_stack.isClean() and window.isWindowModified()  # not saved yet
    window.shutdown()
    dialogs.shown.clear()
    later = _quiet_window()
    offer_recovery(later)  # recovered and then closed cleanly: nothing to offer any more
    assert not dialogs.texts("question")
    later.document.push(edits.add_notes(later.document, [Note(0, 50, 100)]))
    later.document.undo_stack.setClean()
    later.shutdown()


def test_screenshot_writes_a_1600_by_1000_png_with_the_demo(tmp_path) -> None:
    out = tmp_path / "shot.png"
    done = subprocess.run([sys.executable, "-m", "studio.cli", "--screenshot", str(out), "--demo"], cwd=REPO,
                          timeout=180, capture_output=True, text=True, env=_env(tmp_path))
    assert done.returncode == 0, done.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1600, 1000) and out.stat().st_size > 50_000


def test_screenshot_into_a_missing_folder_is_one_line(tmp_path) -> None:
    command = [sys.executable, "-m", "studio.cli", "--screenshot", str(tmp_path / "no" / "x.png")]
    done = subprocess.run(command, cwd=REPO, timeout=60, capture_output=True, text=True, env=_env(tmp_path))
    assert done.returncode == 2 and done.stderr.strip().count("\n") == 0 and "does not exist" in done.stderr


def test_recording_takes_the_computer_keys_at_the_playhead(qtbot, window) -> None:
    window.actions.count_in.setChecked(False)
    window.actions.quantize_recording.setChecked(True)
    window.activateWindow()
    window.actions.record.setChecked(True)
    assert window.transport.playing and window.recorder.recording
    qtbot.waitUntil(lambda: (window.transport.position() or 0) > 100, timeout=10000)
    qtbot.keyPress(window.roll.canvas, "a")  # C4 in the Ableton layout
    qtbot.waitUntil(lambda: (window.transport.position() or 0) > 700, timeout=10000)
    qtbot.keyRelease(window.roll.canvas, "a")
    qtbot.keyClick(window.roll.canvas, " ")  # Space stops, and ends the take
    assert not window.transport.playing and not window.actions.record.isChecked()
    [note] = window.document.notes.values()
    assert note.pitch == 60 and note.start % window.roll.snap == 0 and note.duration > 300
    assert window.document.undo_stack.undoText() == "Record"


def test_an_unwritable_app_data_folder_still_opens_the_window(tmp_path) -> None:
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("")
    shown = subprocess.run([sys.executable, "-m", "studio.cli"], cwd=REPO, timeout=120, capture_output=True,
                           text=True, env=_env(blocked, CONTINUO_EXIT_WHEN_SHOWN="1"))
    assert shown.returncode == 0 and '"shown"' in shown.stdout, shown.stderr
    assert "Traceback" not in shown.stderr and "No log file" in shown.stderr


def test_no_display_is_one_sentence_not_a_qt_abort(tmp_path) -> None:
    displays = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    env = {k: v for k, v in _env(tmp_path).items() if k not in displays}
    done = subprocess.run([sys.executable, "-m", "studio.cli"], cwd=REPO, timeout=60, capture_output=True,
                          text=True, env=env)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "no display" in done.stderr
