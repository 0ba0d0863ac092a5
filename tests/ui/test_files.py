"""Files in the real window: save and open round trip (a project keeps the clip, its context,
the Continue controls, loop and snap), .mid open / import / export, a bad file gives one
sentence and leaves the sketch untouched, unsaved changes are asked about, dragging out."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from studio.core.notes import Note, TimeSignature
from studio.core.project import Project
from studio.midi.files import read_midi
from studio.ui.document import edits, files
from tests.ui.conftest import DEMO_SEED


def _open(qtbot, window, path: Path, signal="opened") -> None:
    with qtbot.waitSignal(getattr(window.files, signal), timeout=30000):
        window.files.open(path)


def _sketch(window) -> None:
    window.restore(Project(clip=read_midi(DEMO_SEED), continuation={"bars": 6, "variations": 2, "seed": 42},
                           loop=(0, 1920), snap=120))
    window.document.push(edits.set_key(window.document, "E-minor"))
    window.document.push(edits.set_time_signature(window.document, TimeSignature(6, 8)))


def test_save_then_open_gives_back_the_same_sketch(qtbot, window, tmp_path, dialogs) -> None:
    _sketch(window)
    clip, controls = window.document.clip(), window.panel.values()
    path = tmp_path / "tune.continuo"
    assert window.files.save_as(path)
    assert window.document.undo_stack.isClean() and window.windowTitle().startswith("tune")
    window.files.new()
    assert not window.document.notes and window.roll.loop is None
    _open(qtbot, window, path)
    assert window.document.clip() == clip and window.panel.values() == controls
    assert window.roll.loop == (0, 1920) and window.roll.snap == 120
    tools = window.transport_bar
    assert tools.key.currentData() == "E-minor" and tools.metre.currentText() == "6/8"
    assert str(path.resolve()) == window.files.recent[0] and not dialogs.shown


def test_a_bad_midi_file_is_one_sentence_and_the_work_stays(qtbot, window, tmp_path, dialogs) -> None:
    _sketch(window)
    before, history = window.document.clip(), window.document.undo_stack.count()
    bad = tmp_path / "broken.mid"
    bad.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x05\x01\xe0MTrk\xff\xff\xff\xff junk")
    window.document.undo_stack.setClean()
    _open(qtbot, window, bad, "failed")
    [sentence] = dialogs.texts("warning")
    assert "broken.mid" in sentence and sentence.endswith(".") and "\n" not in sentence
    assert window.document.clip() == before and window.document.undo_stack.count() == history
    assert window.files.path is None


def test_a_hostile_project_is_refused_the_same_way(qtbot, window, tmp_path, dialogs) -> None:
    bad = tmp_path / "deep.continuo"
    bad.write_text("[" * 100_000)
    _open(qtbot, window, bad, "failed")
    assert len(dialogs.texts("warning")) == 1 and not window.document.notes


def test_open_midi_import_and_export_selection(qtbot, window, tmp_path) -> None:
    _open(qtbot, window, DEMO_SEED)
    seed = read_midi(DEMO_SEED)
    assert window.document.clip() == seed and window.files.path == DEMO_SEED
    window.document.push(edits.add_notes(window.document, [Note(120, 69, 480)]))  # into the seed's A4 at 240
    with qtbot.waitSignal(window.document.changed, timeout=30000):
        window.files.import_midi(DEMO_SEED)  # the same notes again, and one running into the first
    assert sorted(window.document.notes.values()) == sorted([Note(120, 69, 120), *seed.notes])  # no key twice
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    assert window.document.clip() == seed
    first = sorted(window.document.notes.items(), key=lambda item: item[1].start)[:3]
    window.roll.select_ids([note_id for note_id, _ in first])
    out = tmp_path / "three.mid"
    assert window.files.export_midi(selection=True, path=out)
    assert sorted(read_midi(out).notes) == sorted(note for _, note in first)


def test_unsaved_changes_are_asked_about_and_cancel_keeps_them(qtbot, window, dialogs) -> None:
    window.document.push(edits.add_notes(window.document, [Note(0, 60, 480)]))
    dialogs.answer = QMessageBox.StandardButton.Cancel
    window.files.new()
    assert len(dialogs.texts("question")) == 1 and len(window.document.notes) == 1
    dialogs.answer = QMessageBox.StandardButton.Discard
    window.files.new()
    assert not window.document.notes


def test_a_full_disk_keeps_the_old_file_and_says_why(qtbot, window, tmp_path, dialogs, monkeypatch) -> None:
    _sketch(window)
    target = tmp_path / "kept.continuo"
    assert window.files.save_as(target)
    old = target.read_bytes()
    window.document.push(edits.add_notes(window.document, [Note(0, 40, 480)]))

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    assert not window.files.save()
    assert target.read_bytes() == old and not window.document.undo_stack.isClean()
    assert "full" in dialogs.texts("warning")[-1] and dialogs.texts("warning")[-1].endswith(".")


def test_dragging_out_carries_a_midi_file_of_the_clip(window) -> None:
    window.restore(Project(clip=read_midi(DEMO_SEED)))
    mime = window.files.drag_mime()
    [url] = mime.urls()
    dropped = Path(url.toLocalFile())
    assert dropped.suffix == ".mid" and read_midi(dropped) == read_midi(DEMO_SEED)


def test_a_midi_file_dropped_on_the_window_opens(qtbot, window) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(DEMO_SEED))])
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter, drop = QDragEnterEvent(QPoint(400, 300), *args), QDropEvent(QPointF(400, 300), *args)
    QApplication.sendEvent(window, enter)  # a drop is delivered only after its drag came in
    with qtbot.waitSignal(window.files.opened, timeout=30000):
        QApplication.sendEvent(window, drop)
    assert enter.isAccepted() and drop.isAccepted() and window.document.clip() == read_midi(DEMO_SEED)


def test_save_as_under_a_midi_name_writes_a_project_beside_the_midi_file(qtbot, window, tmp_path) -> None:
    tune = tmp_path / "tune.mid"
    tune.write_bytes(DEMO_SEED.read_bytes())
    _open(qtbot, window, tune)
    window.document.push(edits.set_key(window.document, "E-minor"))
    assert window.files.save_as(tmp_path / "tune.mid")
    assert tune.read_bytes() == DEMO_SEED.read_bytes()  # the MIDI file is left as it was
    assert window.files.path == tmp_path / "tune.continuo" and (tmp_path / "tune.continuo").exists()


def test_the_file_opened_last_wins_however_slowly_an_earlier_one_reads(qtbot, window, tmp_path,
                                                                      monkeypatch) -> None:  # fmt: skip
    slow, quick = tmp_path / "slow.mid", tmp_path / "quick.mid"
    for path in (slow, quick):
        path.write_bytes(DEMO_SEED.read_bytes())
    release = threading.Event()
    read_any = files.read_any

    def reading(path: Path, snap=None):
        if path == slow:
            release.wait(10)
        return read_any(path, snap)

    monkeypatch.setattr(files, "read_any", reading)
    window.files.open(slow)
    _open(qtbot, window, quick)
    release.set()
    qtbot.wait(300)
    assert window.files.path == quick and window.windowTitle().startswith("quick")


def test_a_recovered_sketch_without_a_project_file_stays_untitled_or_midi_unsaved(window, dialogs) -> None:
    said: list[str] = []
    window.files.message.connect(said.append)
    window.files.recover(Project(clip=read_midi(DEMO_SEED), source=str(DEMO_SEED)))  # opened from a .mid
    assert window.files.path == DEMO_SEED and window.isWindowModified()
    assert said[-1] == "The autosaved sketch is back; save it to keep it."  # Save asks: a .mid stays MIDI
    window.files.recover(Project(clip=read_midi(DEMO_SEED)))
    assert window.files.path is None and window.windowTitle().startswith("Untitled")
    assert not window.document.undo_stack.isClean() and not dialogs.shown
