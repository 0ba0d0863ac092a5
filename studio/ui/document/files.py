"""Files: New, Open (a .continuo project or a .mid file), Save / Save As (atomic, through
studio.core.project), Import MIDI (added as one undoable edit), Export MIDI of the whole clip or
the selection, the recent files, and dragging the clip out of the window as a .mid file (a file
URL in a temporary folder, which DAWs and file managers accept; FileDragButton drags any file
so written, such as an arrangement's parts).

Files are read on a worker thread, so a big or hostile file never stalls the window; a bad
file gives a dialog with one sentence and the sketch stays exactly as it was. Unsaved changes
are asked about before they would be replaced.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QObject, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QDrag, QMouseEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox, QToolButton, QWidget

from studio.core.notes import Clip
from studio.core.project import EXTENSION, Project, ProjectError, load_project, save_project
from studio.core.safe_files import write_atomically
from studio.core.words import plural
from studio.midi.files import MidiFileError, midi_bytes, read_midi, write_midi
from studio.ui.document import edits
from studio.ui.document.document import ClipDocument

if TYPE_CHECKING:
    from studio.ui.app.settings import AppSettings

MAX_RECENT = 10
PROJECT_FILTER = f"Continuo projects (*{EXTENSION})"
MIDI_FILTER = "MIDI files (*.mid *.midi)"
OPEN_FILTER = f"Projects and MIDI files (*{EXTENSION} *.mid *.midi);;{PROJECT_FILTER};;{MIDI_FILTER}"


def is_midi(path: Path) -> bool:
    return path.suffix.lower() in (".mid", ".midi", ".smf")


def read_any(path: Path, snap: int | None = None) -> Project:
    """A project, or a .mid file as a project with this snap (raises ProjectError /
    MidiFileError)."""
    if is_midi(path):
        return Project(clip=read_midi(path), snap=snap)
    return load_project(path)


class FileController(QObject):
    """The File menu's logic over one document. `snapshot()` gives the rest of a project (the
    continuation controls, loop, snap) and `restore(project)` puts it back."""

    path_changed = Signal(object)  # Path or None
    recent_changed = Signal(list)
    message = Signal(str)
    opened = Signal(object)  # the Project now in the window
    failed = Signal(str)  # the sentence shown in the dialog
    _read = Signal(object, object, object, object)  # purpose, path, Project or None, error or None

    def __init__(self, window: QWidget, document: ClipDocument, selection: Callable[[], list],
                 snapshot: Callable[[Clip], Project], restore: Callable[[Project], None]) -> None:
        super().__init__(window)
        self.window, self.document = window, document
        self._selection, self._snapshot, self._restore = selection, snapshot, restore
        self.path: Path | None = None
        self.default_snap: int | None = None  # the snap a .mid file or a new sketch opens with
        self.recent: list[str] = []
        self.drags = DragFolder()
        self._opening: Path | None = None  # the file an Open is reading (the latest one asked for)
        self._read.connect(self._on_read)

    # -- the commands -----------------------------------------------------------------------
    def new(self) -> None:
        if self.confirm_discard():
            self._restore(Project(snap=self.default_snap))
            self._set_path(None)

    def open(self, path: str | Path | None = None) -> None:
        """Open a project or a .mid file (with a dialog when no path is given)."""
        if not self.confirm_discard():
            return
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window, "Open", self._folder(), OPEN_FILTER)
            if not path:
                return
        self._read_in_background("open", Path(path))

    def import_midi(self, path: str | Path | None = None) -> None:
        """Add a .mid file's notes to the sketch (one undoable edit)."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window, "Import MIDI", self._folder(), MIDI_FILTER)
            if not path:
                return
        self._read_in_background("import", Path(path))

    def save(self) -> bool:
        if self.path is None or is_midi(self.path):
            return self.save_as()
        return self._save_to(self.path)

    def save_as(self, path: str | Path | None = None) -> bool:
        if path is None:
            suggested = str(Path(self._folder()) / f"{self._stem()}{EXTENSION}")
            path, _ = QFileDialog.getSaveFileName(self.window, "Save As", suggested, PROJECT_FILTER)
            if not path:
                return False
        path = Path(path)
        if not path.suffix or is_midi(path):  # a project never goes over a .mid file
            path = path.with_suffix(EXTENSION)
        return self._save_to(path)

    def export_midi(self, selection: bool = False, path: str | Path | None = None) -> bool:
        """Write the clip (or only the selected notes) as a .mid file."""
        clip = self._clip(selection)
        if not clip.notes:
            self._fail("No notes are selected to export." if selection else "There are no notes to export.")
            return False
        if path is None:
            suggested = str(Path(self._folder()) / f"{self._stem()}.mid")
            path, _ = QFileDialog.getSaveFileName(self.window, "Export MIDI", suggested, MIDI_FILTER)
            if not path:
                return False
        try:
            write_midi(path, clip)
        except MidiFileError as err:
            self._fail(str(err))
            return False
        self.message.emit(f"Exported {plural(len(clip.notes), 'note')} to {Path(path).name}.")
        return True

    def recover(self, project: Project) -> None:
        """Bring back a sketch autosaved before a crash, as the file it belonged to (Untitled if
        it had none) and unsaved, so closing asks and Save writes it there without a dialog."""
        self._restore(project)
        self.document.undo_stack.resetClean()
        self._set_path(Path(project.source) if project.source else None)
        where = f" to {self.path.name}" if self.path is not None and not is_midi(self.path) else ""
        self.message.emit(f"The autosaved sketch is back; save it{where} to keep it.")

    def confirm_discard(self) -> bool:
        """True when the sketch may be replaced: it is saved, or the user saves or discards it."""
        if self.document.undo_stack.isClean():
            return True
        answer = QMessageBox.question(
            self.window, "Continuo", f"Save the changes to {self._stem()} first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    # -- recent files ---------------------------------------------------------------------
    def load_settings(self, settings: AppSettings) -> None:
        self.recent = [p for p in settings.recent_files if isinstance(p, str)][:MAX_RECENT]

    def save_settings(self, settings: AppSettings) -> None:
        settings.recent_files = list(self.recent)

    def recent_menu(self, parent: QWidget) -> QMenu:
        menu = QMenu("Open &Recent", parent)

        def fill() -> None:
            menu.clear()
            for path in self.recent:
                menu.addAction(Path(path).name, lambda p=path: self.open(p)).setToolTip(path)
            if not self.recent:
                menu.addAction("No recent files").setEnabled(False)
            else:
                menu.addSeparator()
                menu.addAction("Clear the List", lambda: self._remember(None))
        menu.aboutToShow.connect(fill)
        return menu

    # -- dragging the clip out -------------------------------------------------------------
    def drag_file(self) -> Path | None:
        """Write the selection (or the whole clip) as a .mid file in a temporary folder."""
        clip = self._clip(bool(self._selection()))
        if not clip.notes:
            return None
        try:
            return self.drags.write(f"{self._stem()}.mid", midi_bytes(clip))
        except (OSError, MidiFileError) as err:
            self.message.emit(f"The clip could not be prepared for dragging ({err}).")
            return None

    def drag_mime(self) -> QMimeData | None:
        """What a drag carries: the file's URL (None when there is nothing to drag)."""
        return file_mime(self.drag_file())

    # -- internals ------------------------------------------------------------------------
    def _clip(self, selection: bool) -> Clip:
        clip = self.document.clip()
        return clip.with_notes(self._selection()) if selection else clip

    def _read_in_background(self, purpose: str, path: Path) -> None:
        def work() -> None:
            try:
                project = read_any(path, self.default_snap)
            except (ProjectError, MidiFileError) as err:
                self._read.emit(purpose, path, None, str(err))
                return
            self._read.emit(purpose, path, project, None)
        if purpose == "open":
            self._opening = path
        self.message.emit(f"Reading {path.name}…")
        threading.Thread(target=work, daemon=True, name="continuo-read").start()

    def _on_read(self, purpose: str, path: Path, project: Project | None, error: str | None) -> None:
        if purpose == "open":
            if path != self._opening:
                return  # another file was opened since: the latest Open wins, however slow this was
            self._opening = None
        if project is None:
            self._fail(error or f"{path.name} could not be read.")
            return
        if purpose == "import":
            notes = project.clip.notes
            # placed as hand edits are: no two notes on one key at once (a DAW would get a key
            # struck twice and the first note-off would end both)
            self.document.push(edits.add_notes(self.document, notes, text=f"Import {path.name}", place=True))
            self.message.emit(f"Imported {plural(len(notes), 'note')} from {path.name}.")
            return
        self._restore(project)
        self._set_path(path)
        self._remember(path)
        self.message.emit(f"Opened {path.name}: {plural(len(project.clip.notes), 'note')}.")
        self.opened.emit(project)

    def _save_to(self, path: Path) -> bool:
        try:
            save_project(path, self._snapshot(self.document.clip()))
        except ProjectError as err:
            self._fail(str(err))
            return False
        self.document.undo_stack.setClean()
        self._set_path(path)
        self._remember(path)
        self.message.emit(f"Saved {path.name}.")
        return True

    def _remember(self, path: Path | None) -> None:
        if path is None:
            self.recent = []
        else:
            text = str(path.resolve())
            self.recent = [text] + [p for p in self.recent if p != text][: MAX_RECENT - 1]
        self.recent_changed.emit(list(self.recent))

    def _set_path(self, path: Path | None) -> None:
        self.path = path
        self.path_changed.emit(path)

    def _stem(self) -> str:
        return self.path.stem if self.path is not None else "Untitled"

    def _folder(self) -> str:
        if self.path is not None:
            return str(self.path.parent)
        return str(Path(self.recent[0]).parent) if self.recent else str(Path.home())

    def _fail(self, sentence: str) -> None:
        self.failed.emit(sentence)
        QMessageBox.warning(self.window, "Continuo", sentence)


class DragFolder:
    """The temporary folder that files dragged out of the window are written to (made on the
    first drag), each written atomically, so a DAW never reads half a file."""

    def __init__(self) -> None:
        self._folder: Path | None = None

    def write(self, name: str, data: bytes) -> Path:
        """Write `data` as `name` in the folder; OSError when it cannot."""
        if self._folder is None or not self._folder.is_dir():
            self._folder = Path(tempfile.mkdtemp(prefix="continuo-drag-"))
        target = self._folder / name
        write_atomically(target, data)
        return target


def file_mime(path: Path | None) -> QMimeData | None:
    """What a drag of this file carries: its URL (None for no file)."""
    if path is None:
        return None
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    return mime


class FileDragButton(QToolButton):
    """Drag from this button to drop a file into a DAW or a folder: `mime()` gives what the drag
    carries (file_mime of a file written for it), None when there is nothing to drag."""

    def __init__(self, mime: Callable[[], QMimeData | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mime = mime
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self._pressed: QPoint | None = None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._pressed = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pressed is None or (event.position().toPoint() - self._pressed).manhattanLength() \
                < QApplication.startDragDistance():
            return
        self._pressed = None
        self.setDown(False)
        mime = self.mime()
        if mime is None:
            return
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.exec(Qt.DropAction.CopyAction)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._pressed = None
        super().mouseReleaseEvent(event)


class ClipDragButton(FileDragButton):
    """Drag from this button into a DAW or a folder to drop the clip (or the selection) as a
    .mid file."""

    def __init__(self, files: FileController, parent: QWidget | None = None) -> None:
        super().__init__(files.drag_mime, parent)
        self.files = files
        self.setText("Drag MIDI")
        self.setToolTip("Drag the clip (or the selected notes) into your DAW or a folder as a .mid file")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
