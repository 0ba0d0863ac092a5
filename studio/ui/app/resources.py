"""Where the files in resources/ (icons, the demo seed) are, however Continuo was started.

resources/ is a top-level folder of the repository. From a source checkout (an editable
install included) it sits beside the studio package; in a PyInstaller bundle it is unpacked
under `sys._MEIPASS` (bundle it with `--add-data resources:resources`, `;` on Windows); the
environment variable CONTINUO_RESOURCES points elsewhere when a packager puts it somewhere else.
The first candidate that holds the app logo (icons/continuo.svg) wins, so an unrelated folder
called resources/ is never taken for ours. A plain wheel install (`pip install .`, not
editable) does not carry resources/; Continuo ships as a checkout or as a bundle.
"""

from __future__ import annotations

import functools
from pathlib import Path

from studio.core.resources import ENV_VAR
from studio.core.resources import candidates as _checked_folders

__all__ = ["ENV_VAR", "candidates", "resource_path", "resources_dir"]


def candidates() -> list[Path]:
    """The folders looked at, in order (studio.core.resources says which)."""
    return _checked_folders()


@functools.cache
def resources_dir() -> Path:
    """The resources folder; FileNotFoundError (one sentence) if the installation lacks it."""
    for folder in candidates():
        if (folder / "icons" / "continuo.svg").is_file():
            return folder
    raise FileNotFoundError(
        f"Continuo's resources folder is missing (looked in {', '.join(map(str, candidates()))})."
    )


def resource_path(*parts: str) -> Path:
    """A file under resources/, e.g. resource_path("icons", "play.svg")."""
    return resources_dir().joinpath(*parts)
