"""Autosave and crash recovery: the sketch is written to the app-data folder every few seconds
while it changes, and offered back on the next start if Continuo did not exit cleanly.

Each running window is a session with two files under <app data>/autosave/: `<id>.continuo`,
the latest autosave, and `<id>.lock`, a QLockFile held while the session runs. A clean exit
(`discard()`) deletes both. After a crash both stay, and the lock is stale (its process is
gone), which is how the next start tells a crash from another window that is still open.
`recoverable()` claims the newest crashed session's sketch (older ones wait for the next start);
`discard_recovery()` drops it once the user has chosen (if they took it, this session's own
autosave is written first, and the crashed file stays if that fails, so the sketch is never in
no file at all). The autosave also records the file the sketch belongs to (`set_source()`, from
Open and Save), so a recovered sketch comes back as that file's, not as Untitled.

On the GUI thread a tick only takes a snapshot of the sketch (a copy of the note list); turning
it into JSON and the atomic write (temporary file, fsync, rename) run on a worker thread, so a
slow or full disk never stalls the window. A failed write is announced once with a sentence
and retried on the next tick.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QTimer, Signal

from studio.core.project import EXTENSION, Project, ProjectError, load_project, save_project
from studio.ui.app import paths

AUTOSAVE_MS = 4000
FOLDER = "autosave"


class Autosaver(QObject):
    """Autosaves `snapshot()` into folder/autosave while `mark_changed()` says it changed."""

    saved = Signal(str)  # the autosave file just written
    failed = Signal(str)  # one sentence: why the autosave could not be written
    _written = Signal(object)  # from the worker: None, or the ProjectError

    def __init__(self, snapshot: Callable[[], Project], folder: Path | None = None,
                 parent: QObject | None = None, interval_ms: int = AUTOSAVE_MS) -> None:  # fmt: skip
        super().__init__(parent)
        self._snapshot = snapshot
        self.folder = (folder if folder is not None else paths.app_data_dir()) / FOLDER
        with contextlib.suppress(OSError):  # if it cannot be made, the first write says so
            self.folder.mkdir(parents=True, exist_ok=True)
        self.session = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.path = self.folder / f"{self.session}{EXTENSION}"
        self._lock = self._new_lock(self.session)
        self._lock.tryLock(0)
        self._dirty = False
        self._pending: Future[None] | None = None
        self._failing = False
        self._closed = False
        self._claimed: dict[str, QLockFile] = {}  # crashed sessions this one holds for recovery
        self._recovered: Project | None = None
        self._source: str | None = None  # the file the sketch belongs to, if it has one
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="continuo-autosave")
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._written.connect(self._finished)

    def _new_lock(self, session: str) -> QLockFile:
        lock = QLockFile(str(self.folder / f"{session}.lock"))
        lock.setStaleLockTime(0)  # never stale by age: only when its process is gone
        return lock

    # Saving

    def mark_changed(self, *_: object) -> None:
        """The sketch changed: write it at the next tick (connect the document's changed())."""
        if self._closed:
            return
        self._dirty = True
        if not self._timer.isActive():
            self._timer.start()

    def set_source(self, path: str | os.PathLike[str] | None) -> None:
        """The sketch now belongs to this file (Open, Save As) or to none (New); the next
        autosave records it (connect the file controller's path_changed())."""
        source = None if path is None else os.fspath(Path(path).absolute())
        if source != self._source:
            self._source = source
            self.mark_changed()

    def _take(self) -> Project:
        """The snapshot to write: the sketch, and the file it belongs to."""
        return dataclasses.replace(self._snapshot(), source=self._source)

    def _tick(self) -> None:
        if self._pending is not None:  # the last write is still running: try again next tick
            return
        if not self._dirty:
            self._timer.stop()
            return
        self._dirty = False
        project = self._take()  # cheap; the JSON and the disk are the worker's
        self._pending = self._worker.submit(self._write, project)

    def _write(self, project: Project) -> ProjectError | None:
        error = None
        try:
            save_project(self.path, project)
        except ProjectError as exc:
            error = exc
        self._written.emit(error)
        return error

    def _finished(self, error: ProjectError | None) -> None:
        self._pending = None
        if error is None:
            self._failing = False
            self.saved.emit(str(self.path))
            return
        self._dirty = True  # retried on the next tick
        if not self._failing:
            self._failing = True
            self.failed.emit(f"The autosave could not be written ({error})")

    def flush(self) -> bool:
        """Write any change now and wait for it; True when the autosave is up to date."""
        if self._closed:
            return False
        if self._pending is not None:  # an older snapshot is being written: let it finish
            self._pending.result()
        if self._dirty:
            self._dirty = False
            self._pending = self._worker.submit(self._write, self._take())
        error = self._pending.result() if self._pending is not None else None
        self._pending = None
        if error is not None:
            self._dirty = True
        return error is None and self.path.exists()

    # Recovery

    def recoverable(self) -> Project | None:
        """The newest sketch a crashed session left, claimed for this session; or None. Its
        `source` names the file it belongs to (None for a sketch never saved)."""
        if self._recovered is not None:
            return self._recovered
        self._drop_stale_locks()
        for candidate in sorted(self.folder.glob(f"*{EXTENSION}"), key=_mtime, reverse=True):
            session = candidate.stem
            if session == self.session or session in self._claimed:
                continue
            lock = self._new_lock(session)
            if not lock.tryLock(0):  # its window is still open
                continue
            self._claimed[session] = lock
            with contextlib.suppress(ProjectError):  # a damaged autosave is only dropped
                self._recovered = load_project(candidate)
                break  # older crashed sessions stay unclaimed: the next start offers them
        return self._recovered

    def _drop_stale_locks(self) -> None:
        """Remove the locks of sessions that crashed before their first autosave."""
        for lock_path in self.folder.glob("*.lock"):
            session = lock_path.stem
            if session == self.session or session in self._claimed:
                continue
            if not (self.folder / f"{session}{EXTENSION}").exists():
                lock = self._new_lock(session)
                if lock.tryLock(0):
                    lock.unlock()

    def discard_recovery(self) -> None:
        """Forget the crashed session's sketch (after the user chose to restore it or not). A
        restored sketch is first made safe in this session's file; if that cannot be written,
        the crashed one is kept, to be offered again."""
        unsafe = self._recovered is not None and self._dirty and not self.flush()
        for session, lock in self._claimed.items():
            if not unsafe:
                with contextlib.suppress(OSError):
                    (self.folder / f"{session}{EXTENSION}").unlink(missing_ok=True)
            lock.unlock()
        self._claimed.clear()
        self._recovered = None

    # Ending

    def discard(self) -> None:
        """A clean exit: wait for a running write, then delete this session's files."""
        if self._closed:
            return
        self._closed = True
        self._timer.stop()
        if self._pending is not None:
            with contextlib.suppress(Exception):
                self._pending.result()
            self._pending = None
        self._worker.shutdown(wait=True)
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)
        self._lock.unlock()
        for lock in self._claimed.values():  # never chosen: still offered next time
            lock.unlock()
        self._claimed.clear()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
