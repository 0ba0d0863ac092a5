"""A whole session in the built app, as a musician has it, with a crash in the middle.

The bundle's own executable runs on a virtual X display against a real JACK server, its MIDI
output patched into FluidSynth. Driven only by key presses: open a real .mid, continue it,
accept a variation, play it (FluidSynth hears the notes), save the project, keep working,
then the process is killed mid-playback. The next start offers the autosave back, and taking
it restores everything, including the work done after the last save. The log file is in the
app-data folder. And a file handed over on the command line (what "Open With" runs) opens in
the window, and a clean quit leaves no autosave to recover.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio.core.project import Project, ProjectError, load_project
from studio.midi.files import read_midi_song
from tests.e2e.desktop import Desktop, desktop_missing
from tests.installers.bundle import ROOT, Bundle
from tests.jack_server import FluidSynth, JackServer, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.jack]

SEED = ROOT / "resources" / "demo_seed.mid"
MAIN_WINDOW = r" — Continuo$"


@pytest.fixture
def desktop() -> Iterator[Desktop]:
    why = desktop_missing()
    if why:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the end-to-end test, but {why}")
        pytest.skip(why)
    screen = Desktop()
    yield screen
    screen.close()


class App:
    """The built Continuo running on the desktop, with its app-data folder at `home`."""

    def __init__(self, bundle: Bundle, desktop: Desktop, server: JackServer | None, home: Path, log: Path,
                 *args: str, title: str = MAIN_WINDOW) -> None:
        jack = {k: v for k, v in server.env.items() if k.startswith("JACK_")} if server else {}
        env = bundle.env(home, **desktop.env, **jack)
        env["QT_QPA_PLATFORM"] = "xcb"
        self.log = log.open("w")
        self.proc = subprocess.Popen([str(bundle.executable), *args], cwd=home, env=env,
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        self.desktop, self.server, self.home = desktop, server, home
        try:
            self.window = desktop.wait_window(title, timeout=120)  # a loaded CI machine is slow
        except TimeoutError as err:
            self.quit()
            said = log.read_text(errors="replace")
            raise AssertionError(f"{err}\nthe app (exit {self.proc.returncode}) said:\n{said}") from None

    def keys(self, *keys: str) -> None:
        self.desktop.keys(self.window, *keys)

    def output_port(self) -> str:
        """The app's own JACK MIDI output (its virtual port)."""
        assert self.server is not None, "this app was started without JACK"

        def find() -> str | None:
            listed = subprocess.run(["jack_lsp"], env=self.server.env, capture_output=True, text=True).stdout
            mine = [p for p in listed.split("\n") if re.fullmatch(r"Continuo[^:]*:out", p.strip())]
            return mine[0].strip() if mine else None
        assert wait_until(lambda: find() is not None, 30), "the app opened no JACK MIDI output"
        return find()

    def autosaves(self) -> dict[str, Project]:
        """The autosaves in the app-data folder by file name, newest last."""
        found = []
        for path in (self.home / "autosave").glob("*.continuo"):
            # ProjectError/OSError: caught between the temporary file and the rename, or removed
            with contextlib.suppress(ProjectError, OSError):
                found.append((path.stat().st_mtime, path.name, load_project(path)))
        return {name: project for _, name, project in sorted(found, key=lambda f: f[:2])}

    def autosave(self) -> Project | None:
        """The newest autosave."""
        found = list(self.autosaves().values())
        return found[-1] if found else None

    def accept_a_continuation(self, more_than: int) -> Project:
        """Continue (Ctrl+Enter), then accept (Enter) once the variations are there, until the
        autosave holds more than `more_than` notes; returns that autosave."""
        self.keys("ctrl+Return")
        grown = lambda: (p := self.autosave()) is not None and len(p.clip.notes) > more_than  # noqa: E731
        for _ in range(60):
            self.keys("Return")
            if wait_until(grown, 2.0):
                break
        assert wait_until(grown, 10), "accepting a variation never reached the autosave"
        return self.autosave()

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.log.close()

    def quit(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def test_a_whole_session_with_a_crash(bundle: Bundle, desktop: Desktop, jack_server: JackServer,
                                       fluid_synth: FluidSynth, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    # a musician who chose Continuo's virtual port (a first start chooses the built-in sound)
    (home / "settings.ini").write_text("[midi]\noutput=<virtual>\n", encoding="utf-8")
    app = App(bundle, desktop, jack_server, home, tmp_path / "first.log")
    try:
        jack_server.connect(app.output_port(), fluid_synth.port)

        app.keys("ctrl+o")
        desktop.fill_file_dialog("Open", SEED)
        app.window = desktop.wait_window(r"demo_seed\.mid — Continuo$")
        accepted = app.accept_a_continuation(more_than=len(read_midi_song(SEED).clip.notes))

        app.keys("space")  # play: FluidSynth must hear the sketch, seed and continuation
        assert wait_until(lambda: len(fluid_synth.events("noteon")) >= 8, 30), "FluidSynth heard nothing"
        app.keys("space")

        saved = tmp_path / "sketch.continuo"
        app.keys("ctrl+s")  # a sketch opened from a .mid has no project file yet: Save As
        desktop.fill_file_dialog("Save As", saved)
        assert wait_until(saved.exists, 20), "Save As wrote no file"
        assert sorted(load_project(saved).clip.notes) == sorted(accepted.clip.notes)

        # More work after the save, then the crash in the middle of playing it.
        later = app.accept_a_continuation(more_than=len(accepted.clip.notes))
        heard = len(fluid_synth.events("noteon"))
        app.keys("space")
        assert wait_until(lambda: len(fluid_synth.events("noteon")) > heard, 30)
        crashed = set(app.autosaves())
        app.kill()
    finally:
        app.quit()

    again = App(bundle, desktop, jack_server, home, tmp_path / "second.log")
    try:
        question = desktop.wait_window(r"^Continuo$", 30)  # "bring back the autosaved sketch?"
        desktop.keys(question, "Return")  # Yes is the default
        # Taking the sketch back writes this session's own autosave first: the same sketch.
        recovered = lambda: [p for name, p in again.autosaves().items()  # noqa: E731
                             if name not in crashed and sorted(p.clip.notes) == sorted(later.clip.notes)]
        assert wait_until(recovered, 30), "the recovered sketch is not what was there before the crash"
        assert not crashed & set(again.autosaves()), "the crashed session's autosave was not claimed"
        assert sorted(load_project(saved).clip.notes) == sorted(accepted.clip.notes)  # the save is intact
    finally:
        again.quit()

    log = (home / "logs" / "continuo.log").read_text(encoding="utf-8")
    assert log.count("starting") == 2, "the log in the app-data folder should hold both sessions"


def test_a_file_handed_over_by_the_desktop_opens_and_a_clean_quit_leaves_nothing_to_recover(
        bundle: Bundle, desktop: Desktop, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    # What a desktop's "Open With" (and a double-click on Windows and macOS) runs.
    app = App(bundle, desktop, None, home, tmp_path / "open-with.log", str(SEED),
              title=r"demo_seed\.mid — Continuo$")
    try:
        assert (home / "autosave").is_dir()
        app.keys("ctrl+q")
        assert app.proc.wait(60) == 0
    finally:
        app.quit()
    assert not list((home / "autosave").iterdir()), "a clean quit left an autosave or a lock behind"
