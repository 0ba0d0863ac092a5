"""Starting the studio: `main(argv)` makes the QApplication with the dark theme, a rotating log
file in the app-data folder, a hook that turns an unexpected exception into a dialog naming the
log (the sketch is autosaved, so nothing is lost), the main window, and, when the last session
ended in a crash, the offer to recover its autosaved sketch.

CONTINUO_EXIT_WHEN_SHOWN=1 makes the app print one JSON line (wall-clock time the window was
first exposed, resident memory) and quit: the start-up benchmark and smoke tests use it.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QEvent, QObject, QThread, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from studio import __version__
from studio.core.words import plural

LOG_NAME = "continuo.log"
log = logging.getLogger("continuo")


def setup_logging(folder: Path) -> Path | None:
    """Log to folder/continuo.log, rotated at 1 MB with three old files kept; None (and the
    log on stderr instead) when the folder cannot be written."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "continuo", False)]:
        root.removeHandler(old)
        old.close()
    path: Path | None = folder / LOG_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        path, handler = None, logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.continuo = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def exception_hook(log_path: Path | None, parent: Callable[[], QWidget | None] = lambda: None):
    """A sys.excepthook: log the traceback, then tell the user in one sentence where it is."""
    showing = False
    where = f"in {log_path}" if log_path is not None else "on the console (no log file could be written)"

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        nonlocal showing
        log.error("Unexpected error:\n%s", "".join(traceback.format_exception(kind, error, tb)))
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        app = QApplication.instance()
        if showing or app is None or QThread.currentThread() is not app.thread():
            return  # inside the dialog itself, or off the GUI thread: logged, not shown
        showing = True
        try:
            QMessageBox.critical(
                parent(), "Continuo",
                f"Something went wrong inside Continuo ({kind.__name__}: {error}); your sketch is "
                f"autosaved, and the details are {where}.")
        finally:
            showing = False
    return hook


def _peak_rss_mb() -> float | None:
    """The process's peak resident memory; None where `resource` (Unix only) is missing."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


class _ExitWhenShown(QObject):
    """Prints when the window is first exposed, then quits (CONTINUO_EXIT_WHEN_SHOWN=1)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Expose and watched.isExposed():
            watched.removeEventFilter(self)
            rss_mb = _peak_rss_mb()
            print(json.dumps({"shown": time.time(), "rss_mb": rss_mb}), flush=True)
            QTimer.singleShot(0, QApplication.quit)
        return False


def offer_recovery(window) -> None:
    """After a crash, ask whether to bring back the autosaved sketch."""
    project = window.autosaver.recoverable()
    if project is None:
        return
    answer = QMessageBox.question(
        window, "Continuo",
        f"Continuo did not close properly last time; bring back the autosaved sketch "
        f"({plural(len(project.clip.notes), 'note')})?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
    if answer == QMessageBox.StandardButton.Yes:
        window.files.recover(project)  # as its file's, unsaved: closing asks, as it would have then
    window.autosaver.discard_recovery()


def no_display() -> str | None:
    """Why no window can open here (Linux without X11 or Wayland), or None."""
    env = os.environ
    if sys.platform.startswith("linux") and not (env.get("QT_QPA_PLATFORM") or env.get("DISPLAY")
                                                  or env.get("WAYLAND_DISPLAY")):
        return ("There is no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is "
                "set); the commands work without one, see continuo --help.")
    return None


def main(argv: Sequence[str] | None = None, open_path: str | Path | None = None) -> int:
    """Open the studio window (with a file in it, if given); returns the exit code."""
    if QApplication.instance() is None and (why := no_display()):
        print(f"continuo: {why}", file=sys.stderr)
        return 2
    from studio.ui.app.main_window import MainWindow
    from studio.ui.app.paths import log_dir
    from studio.ui.app.settings import AppSettings
    from studio.ui.style.theme import apply_theme

    app = QApplication.instance() or QApplication(["continuo", *(argv or [])])
    app.setApplicationName("Continuo")
    app.setApplicationVersion(__version__)
    log_path = setup_logging(log_dir())
    log.info("Continuo %s starting", __version__)
    if log_path is None:
        log.warning("No log file: %s cannot be written", log_dir())
    apply_theme(app)
    window = MainWindow(AppSettings())
    app.aboutToQuit.connect(window.shutdown)
    sys.excepthook = exception_hook(log_path, lambda: window)
    threading.excepthook = lambda hook: log.error(
        "Unexpected error in thread %s:\n%s", hook.thread.name if hook.thread else "?",
        "".join(traceback.format_exception(hook.exc_type, hook.exc_value, hook.exc_traceback)))
    exit_when_shown = os.environ.get("CONTINUO_EXIT_WHEN_SHOWN") == "1"
    if exit_when_shown:
        watcher = _ExitWhenShown(window)
        window.windowHandle() or window.winId()  # the native window exists before it is shown
        window.windowHandle().installEventFilter(watcher)
    window.show()
    if not exit_when_shown:
        QTimer.singleShot(0, lambda: offer_recovery(window))
    if open_path is not None:
        QTimer.singleShot(0, lambda: window.files.open(Path(open_path)))
    code = app.exec()
    log.info("Continuo exits (%s)", code)
    return code
