"""Where the files in resources/ (icons, the demo seed, the built-in sound's SoundFont) are,
however Continuo was started. Pure Python, so the MIDI side and the command line find them too.

resources/ is a top-level folder of the repository. From a source checkout (an editable
install included) it sits beside the studio package; in a PyInstaller bundle it is unpacked
under `sys._MEIPASS` (bundle it with `--add-data resources:resources`, `;` on Windows); the
environment variable CONTINUO_RESOURCES points elsewhere when a packager puts it somewhere else.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_VAR = "CONTINUO_RESOURCES"


def candidates() -> list[Path]:
    """The folders looked at, in order."""
    found = []
    if os.environ.get(ENV_VAR):
        found.append(Path(os.environ[ENV_VAR]))
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        found.append(Path(bundle) / "resources")
    if getattr(sys, "frozen", False):
        found.append(Path(sys.executable).resolve().parent / "resources")
    found.append(Path(__file__).resolve().parents[2] / "resources")  # source checkout
    return found


def find_resource(*parts: str) -> Path:
    """The first candidate folder's file resources/PARTS; FileNotFoundError (one sentence) if
    none holds it."""
    for folder in candidates():
        path = folder.joinpath(*parts)
        if path.is_file():
            return path
    raise FileNotFoundError(f"Continuo's {'/'.join(parts)} is missing (looked in "
                            f"{', '.join(map(str, candidates()))}).")
