"""Tests for the Autosaver: it writes after a change (and only then), keeps the newest sketch,
says once in a sentence when the disk refuses, and tells a real crash (a child process that
dies with its lock held) from a clean exit and from another window still open."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from studio.core.notes import Clip, Note
from studio.core.project import Project, load_project
from studio.ui.document import edits
from studio.ui.document.autosave import Autosaver


def sketch(pitch: int = 60, count: int = 4) -> Project:
    notes = [Note(i * 240, pitch + i % 24, 240) for i in range(count)]
    return Project(Clip(notes, tempo=100.0), {"style": "folk"}, loop=(0, 1920), snap=120)


class Holder:
    """What the window would hand the autosaver: the sketch as it is now."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.calls = 0

    def __call__(self) -> Project:
        self.calls += 1
        return self.project


@pytest.fixture
def holder() -> Holder:
    return Holder(sketch())


def make(holder: Holder, home: Path, interval_ms: int = 30) -> Autosaver:
    return Autosaver(holder, home, interval_ms=interval_ms)


def test_a_change_is_written_soon_and_only_then(qtbot: QtBot, holder: Holder, tmp_path: Path) -> None:
    saver = make(holder, tmp_path)
    try:
        with qtbot.assertNotEmitted(saver.saved, wait=150):
            pass
        assert not saver.path.exists() and holder.calls == 0
        with qtbot.waitSignal(saver.saved, timeout=10_000) as written:
            saver.mark_changed()
        assert written.args == [str(saver.path)]
        assert saver.path.parent == tmp_path / "autosave"
        assert load_project(saver.path) == holder.project
        with qtbot.assertNotEmitted(saver.saved, wait=200):  # unchanged: no more writes
            pass
        assert holder.calls == 1
    finally:
        saver.discard()


def test_the_newest_sketch_wins(qtbot: QtBot, holder: Holder, tmp_path: Path) -> None:
    saver = make(holder, tmp_path)
    try:
        saver.mark_changed()
        qtbot.waitSignal(saver.saved, timeout=10_000).wait()
        holder.project = sketch(pitch=70, count=100)
        with qtbot.waitSignal(saver.saved, timeout=10_000):
            saver.mark_changed()
        assert load_project(saver.path) == holder.project
    finally:
        saver.discard()


def test_a_refusing_disk_is_said_once_and_retried(qtbot: QtBot, holder: Holder, tmp_path: Path) -> None:
    saver = make(holder, tmp_path)
    saver.path.mkdir()  # a folder where the file should go: the rename fails for real
    (saver.path / "keep").write_text("")
    messages: list[str] = []
    saver.failed.connect(messages.append)
    try:
        saver.mark_changed()
        qtbot.waitUntil(lambda: len(messages) == 1, timeout=10_000)
        assert messages[0].startswith("The autosave could not be written (Could not save ")
        assert "\n" not in messages[0]
        qtbot.waitUntil(lambda: holder.calls >= 3, timeout=10_000)  # retried on each tick
        assert len(messages) == 1  # but said once
        (saver.path / "keep").unlink()
        saver.path.rmdir()
        qtbot.waitSignal(saver.saved, timeout=10_000).wait()
        assert load_project(saver.path) == holder.project
    finally:
        saver.discard()


_CHILD = """
import os, sys
from pathlib import Path
from PySide6.QtCore import QCoreApplication
from studio.core.notes import Clip, Note
from studio.core.project import Project
from studio.ui.document.autosave import Autosaver
app = QCoreApplication([])
tempo = float(sys.argv[3]) if len(sys.argv) > 3 else 88.0
project = Project(Clip([Note(0, 62, 480, 90), Note(480, 65, 480)], tempo=tempo), {"bars": 4})
saver = Autosaver(lambda: project, Path(sys.argv[1]))
if len(sys.argv) > 4:
    saver.set_source(sys.argv[4])  # the sketch was opened from or saved to this file
if sys.argv[2] == "crash-early":
    os._exit(3)
saver.mark_changed()
assert saver.flush()
if sys.argv[2] == "crash":
    os._exit(3)  # no clean-up at all, as in a crash: the lock stays behind
saver.discard()
"""


def run_session(home: Path, ending: str, tempo: float = 88.0, source: Path | None = None) -> None:
    command = [sys.executable, "-c", _CHILD, str(home), ending, str(tempo)]
    command += [str(source)] if source else []
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == (0 if ending == "clean" else 3), result.stderr


def test_after_a_crash_the_sketch_is_offered_back(qtbot: QtBot, holder: Holder, tmp_path: Path) -> None:
    run_session(tmp_path, "crash")
    assert len(list((tmp_path / "autosave").glob("*.lock"))) == 1
    saver = make(holder, tmp_path)
    try:
        project = saver.recoverable()
        assert project is not None
        assert project.clip.notes == [Note(0, 62, 480, 90), Note(480, 65, 480)] and project.clip.tempo == 88.0
        assert project.continuation == {"bars": 4}
        assert saver.recoverable() is project  # asking again gives the same
        holder.project = project  # the user took it: the window restores it and marks a change
        saver.mark_changed()
        saver.discard_recovery()
        assert load_project(saver.path) == project  # safe in this session's file first
        leftovers = {p.name for p in (tmp_path / "autosave").iterdir()}
        assert leftovers == {saver.path.name, f"{saver.session}.lock"}
        assert saver.recoverable() is None
    finally:
        saver.discard()
    assert list((tmp_path / "autosave").iterdir()) == []


def test_after_a_clean_exit_nothing_is_offered(qtbot: QtBot, holder: Holder, tmp_path: Path) -> None:
    run_session(tmp_path, "clean")
    assert list((tmp_path / "autosave").iterdir()) == []
    saver = make(holder, tmp_path)
    try:
        assert saver.recoverable() is None
    finally:
        saver.discard()


def test_a_window_still_open_is_not_taken_for_a_crash(qtbot: QtBot, holder: Holder, tmp_path: Path) -> None:
    running = make(holder, tmp_path)
    running.mark_changed()
    assert running.flush()
    second = make(Holder(sketch(50)), tmp_path)
    try:
        assert second.recoverable() is None
        second.discard_recovery()
        assert load_project(running.path) == holder.project  # untouched
    finally:
        second.discard()
        running.discard()


def test_declining_drops_it_and_quitting_undecided_keeps_it(qtbot: QtBot, holder: Holder,
                                                           tmp_path: Path) -> None:  # fmt: skip
    run_session(tmp_path, "crash")
    undecided = make(holder, tmp_path)
    assert undecided.recoverable() is not None
    undecided.discard()  # quit before answering: offered again next time
    declining = make(holder, tmp_path)
    try:
        assert declining.recoverable() is not None
        declining.discard_recovery()
        assert not declining.path.exists()  # nothing changed here, so nothing was written
        assert declining.recoverable() is None
    finally:
        declining.discard()
    assert list((tmp_path / "autosave").iterdir()) == []


def test_damaged_autosaves_and_stale_locks_are_dropped(qtbot: QtBot, holder: Holder, tmp_path: Path) -> None:
    run_session(tmp_path, "crash-early")  # a crash before the first autosave leaves only a lock
    folder = tmp_path / "autosave"
    (folder / "123-dead.continuo").write_bytes(b"\x00garbage{")
    saver = make(holder, tmp_path)
    try:
        assert saver.recoverable() is None
        saver.discard_recovery()
        assert {p.name for p in folder.iterdir()} == {f"{saver.session}.lock"}
    finally:
        saver.discard()


def test_after_discard_changes_are_ignored(qtbot: QtBot, holder: Holder, tmp_path: Path) -> None:
    saver = make(holder, tmp_path)
    saver.discard()
    saver.mark_changed()
    assert saver.flush() is False and not saver.path.exists()


def test_an_unwritable_app_data_folder_still_starts_and_says_why(qtbot: QtBot, holder: Holder,
                                                                  tmp_path: Path) -> None:  # fmt: skip
    (tmp_path / "file").write_text("")
    saver = make(holder, tmp_path / "file")  # the app-data "folder" is a file: nothing can go there
    messages: list[str] = []
    saver.failed.connect(messages.append)
    try:
        assert saver.recoverable() is None
        saver.mark_changed()
        qtbot.waitUntil(lambda: bool(messages), timeout=10_000)
        assert messages == ["The autosave could not be written (Could not save "
                            f"{saver.path.name}: not a directory.)"]  # fmt: skip
    finally:
        saver.discard()


def test_two_crashed_sessions_are_offered_one_start_after_the_other(qtbot: QtBot, holder: Holder,
                                                                   tmp_path: Path) -> None:  # fmt: skip
    run_session(tmp_path, "crash", tempo=70.0)
    older = next((tmp_path / "autosave").glob("*.continuo"))
    os.utime(older, (1_000_000, 1_000_000))
    run_session(tmp_path, "crash", tempo=140.0)
    first = make(holder, tmp_path)
    try:
        project = first.recoverable()
        assert project is not None and project.clip.tempo == 140.0  # the newest first
        first.discard_recovery()  # declined: only that one goes
    finally:
        first.discard()
    second = make(holder, tmp_path)
    try:
        project = second.recoverable()
        assert project is not None and project.clip.tempo == 70.0
        second.discard_recovery()
        assert second.recoverable() is None
    finally:
        second.discard()


def test_a_restored_sketch_that_cannot_be_autosaved_keeps_its_crashed_file(
        qtbot: QtBot, holder: Holder, tmp_path: Path) -> None:  # fmt: skip
    run_session(tmp_path, "crash")
    saver = make(holder, tmp_path)
    saver.path.mkdir()  # this session's autosave cannot be written
    (saver.path / "keep").write_text("")
    try:
        project = saver.recoverable()
        assert project is not None
        holder.project = project  # taken: the window restores it
        saver.mark_changed()
        saver.discard_recovery()
    finally:
        saver.discard()
    again = make(holder, tmp_path)
    try:
        assert again.recoverable() == project  # offered again: it was never in a file of ours
    finally:
        again.discard()


def test_the_autosave_names_the_file_the_sketch_belongs_to(qtbot: QtBot, holder: Holder,
                                                           tmp_path: Path) -> None:  # fmt: skip
    saver = make(holder, tmp_path)
    try:
        saver.mark_changed()
        assert saver.flush() and load_project(saver.path).source is None  # never saved: no file
        saver.set_source(tmp_path / "tune.continuo")  # Save As: that alone is a change to write
        assert saver.flush() and load_project(saver.path).source == str(tmp_path / "tune.continuo")
        assert load_project(saver.path).clip == holder.project.clip
        calls = holder.calls
        saver.set_source(tmp_path / "tune.continuo")  # the same file again: nothing new
        assert saver.flush() and holder.calls == calls
        saver.set_source(None)  # New
        assert saver.flush() and load_project(saver.path).source is None
    finally:
        saver.discard()


def test_a_sketch_recovered_after_a_crash_comes_back_as_its_file_unsaved(
        qtbot: QtBot, window, dialogs, tmp_path: Path) -> None:  # fmt: skip
    from PySide6.QtWidgets import QMessageBox

    from studio.ui.app.launch import offer_recovery

    tune = tmp_path / "tune.continuo"
    run_session(window.autosaver.folder.parent, "crash", tempo=91.0, source=tune)
    dialogs.answer = QMessageBox.StandardButton.Yes
    offer_recovery(window)
    assert window.document.tempo == 91.0 and len(window.document.notes) == 2
    assert window.files.path == tune and window.windowTitle().startswith("tune.continuo")
    assert window.isWindowModified() and not window.document.undo_stack.isClean()
    shown = len(dialogs.shown)
    assert window.files.save()  # straight to its file: no dialog, nothing lost
    assert len(dialogs.shown) == shown and window.document.undo_stack.isClean()
    saved = load_project(tune)
    assert saved.clip.tempo == 91.0 and len(saved.clip.notes) == 2
    assert saved.source is None  # a saved project does not name itself


def test_the_window_tells_its_autosave_which_file_the_sketch_is(qtbot: QtBot, window, tmp_path: Path) -> None:
    window.document.push(edits.add_notes(window.document, [Note(0, 60, 480)]))
    assert window.files.save_as(tmp_path / "mine.continuo")
    window.document.push(edits.add_notes(window.document, [Note(480, 62, 480)]))
    assert window.autosaver.flush()
    assert load_project(window.autosaver.path).source == str(tmp_path / "mine.continuo")
