"""The built app for tests that run it: built once per test session by installers/build.py into
pytest's temporary folder, or taken prebuilt from CONTINUO_BUNDLE (the folder build.py made,
e.g. dist/continuo, or Continuo.app on macOS).

Tests run the bundle's own executable with a clean environment (no PYTHONPATH, the working
folder elsewhere), so they exercise what a musician downloads, not the source tree.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV_VAR = "CONTINUO_BUNDLE"
REPORT = pytest.StashKey[dict]()


@dataclass(frozen=True)
class Bundle:
    folder: Path
    report: dict = field(default_factory=dict)  # build.py's JSON line (size, build time)

    @property
    def executable(self) -> Path:
        if sys.platform == "darwin":
            return self.folder / "Contents" / "MacOS" / "Continuo"
        if sys.platform == "win32":
            return self.folder / "continuo-cli.exe"
        return self.folder / "continuo"

    @property
    def internal(self) -> Path:
        """Where the bundled libraries and data live."""
        if sys.platform == "darwin":
            return self.folder / "Contents" / "Frameworks"
        return self.folder / "_internal"

    def env(self, home: Path, **extra: str) -> dict[str, str]:
        """The environment the app runs in: none of the test process's Python paths, Qt offscreen,
        settings, autosaves and logs under `home`."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CONTINUO_", "QT_"))}
        env.update(QT_QPA_PLATFORM="offscreen", CONTINUO_HOME=str(home), **extra)
        return env

    def run(self, *args: str, home: Path, cwd: Path, timeout: float = 300,
            **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.executable), *args], cwd=cwd, env=self.env(home, **extra_env),
                              capture_output=True, text=True, timeout=timeout)


def _missing_pyinstaller() -> str | None:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        return "PyInstaller is not installed (pip install -e '.[build]')"
    return None


@functools.cache
def built_bundle(base: Path) -> Bundle:
    """Build (once per session, whichever test folder asks first) or take the prebuilt bundle."""
    prebuilt = os.environ.get(ENV_VAR)
    if prebuilt:
        folder = Path(prebuilt).resolve()
        if not folder.is_dir():
            pytest.fail(f"{ENV_VAR}={prebuilt} is not a folder")
        return Bundle(folder, {"bundle": str(folder), "prebuilt": True})
    why = _missing_pyinstaller()
    if why:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must build the bundle, but {why}")
        pytest.skip(why)
    dist = base / "dist"
    done = subprocess.run(
        [sys.executable, str(ROOT / "installers" / "build.py"),
         "--dist", str(dist), "--work", str(base / "work")],
        cwd=ROOT, capture_output=True, text=True, timeout=1200,
    )
    if done.returncode != 0:
        pytest.fail(f"installers/build.py failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return Bundle(Path(report["bundle"]), report)


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Bundle:
    """The built app (conftests of the folders that need it import this fixture)."""
    built = built_bundle(tmp_path_factory.getbasetemp())
    pytestconfig.stash[REPORT] = built.report
    return built
