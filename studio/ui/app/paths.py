"""Where Continuo keeps its own files: settings, autosaves and logs, in one app-data folder.

The folder is the platform's per-user data location (QStandardPaths: ~/.local/share/Continuo
on Linux, ~/Library/Application Support/Continuo on macOS, %LOCALAPPDATA%/Continuo on Windows),
or the folder named by the environment variable CONTINUO_HOME, which tests and end-to-end runs
use to keep a machine's real settings out of reach. Folders are created when first asked for;
one that cannot be created (a read-only disk) is still returned, and what then fails to be
written there says so itself, so Continuo still starts.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from PySide6.QtCore import QStandardPaths

ENV_VAR = "CONTINUO_HOME"
APP_FOLDER = "Continuo"


def app_data_dir() -> Path:
    """The app-data folder (created if missing)."""
    override = os.environ.get(ENV_VAR)
    if override:
        folder = Path(override).expanduser()
    else:
        base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
        folder = Path(base or Path.home()) / APP_FOLDER
    return _made(folder)


def _made(folder: Path) -> Path:
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def _subfolder(name: str) -> Path:
    return _made(app_data_dir() / name)


def settings_path() -> Path:
    """The settings file (INI)."""
    return app_data_dir() / "settings.ini"


def autosave_dir() -> Path:
    """Where the running sketch is autosaved, one file per running window session."""
    return _subfolder("autosave")


def log_dir() -> Path:
    """Where the log files go."""
    return _subfolder("logs")
