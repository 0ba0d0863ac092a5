"""The command line: `continuo --version`, and a headless import path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import studio
from studio import cli


def test_version_prints_name_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    # argparse's "version" action prints and exits with status 0.
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"continuo {studio.__version__}"


def test_no_arguments_opens_the_window(tmp_path: Path) -> None:
    # A fresh interpreter that quits as soon as the window is on screen (offscreen, its own app-data).
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CONTINUO_HOME": str(tmp_path),
           "CONTINUO_EXIT_WHEN_SHOWN": "1"}
    root = Path(__file__).resolve().parent.parent
    shown = subprocess.run([sys.executable, "-m", "studio.cli"], cwd=root, env=env, capture_output=True,
                           text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert '"shown"' in shown.stdout and (tmp_path / "logs" / "continuo.log").exists()


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--no-such-option"])
    assert exited.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err


def test_importing_the_cli_loads_no_qt() -> None:
    # A fresh interpreter: this test process may already have Qt loaded by other tests.
    probe = (
        "import sys, studio.cli\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'studio.ui'))))"
    )
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("name", ["tune.mid", "Sketch.continuo", "take.MIDI"])
def test_a_file_alone_opens_the_window_with_it(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from studio.ui.app import launch as app

    opened: list[object] = []
    monkeypatch.setattr(app, "main", lambda argv=None, open_path=None: opened.append(open_path) or 0)
    assert cli.main([name]) == 0 and opened == [name]
