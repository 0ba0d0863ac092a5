"""A desktop for end-to-end tests: an X server (Xvfb) and a user at its keyboard (xdotool).

The app runs exactly as a musician starts it, on the xcb platform plugin of the built bundle,
and is driven from outside only through real X key events (XTEST) and its windows' titles, so
nothing in the app knows it is being tested. There is no window manager, so a window gets the
keyboard focus explicitly before keys are typed into it.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import time
from pathlib import Path

TOOLS = {"Xvfb": "xvfb", "xdotool": "xdotool"}


def desktop_missing() -> str | None:
    """Why the desktop cannot run here, or None."""
    missing = [package for tool, package in TOOLS.items() if shutil.which(tool) is None]
    return f"{', '.join(missing)} not installed (Debian packages)" if missing else None


class Desktop:
    """Xvfb on a free display number; `env` points a child process at it."""

    def __init__(self, size: str = "1920x1200x24") -> None:
        # A random display number rather than the first free one: other test runs and tools on
        # the machine start X servers too, and two racing for :0 break each other's sockets.
        for number in random.sample(range(200, 900), 8):
            read, write = os.pipe()
            self._proc = subprocess.Popen(
                ["Xvfb", f":{number}", "-displayfd", str(write), "-screen", "0", size, "-nolisten", "tcp"],
                pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            os.close(write)
            with os.fdopen(read) as pipe:
                ready = pipe.readline().strip()  # written once the server accepts clients
            self.display = f":{number}"
            if ready == str(number) and self._proc.poll() is None and self._answers():
                return
            self.close()
        raise RuntimeError("Xvfb did not start on any of eight display numbers")

    def _answers(self) -> bool:
        """Whether a client can talk to the server (xdotool asks for the screen's size)."""
        done = subprocess.run(["xdotool", "getdisplaygeometry"], env={**os.environ, **self.env},
                              capture_output=True, timeout=30)
        return done.returncode == 0

    @property
    def env(self) -> dict[str, str]:
        return {"DISPLAY": self.display}

    def _xdotool(self, *args: str) -> str:
        done = subprocess.run(["xdotool", *args], env={**os.environ, **self.env}, capture_output=True,
                              text=True, timeout=30)
        return done.stdout

    def windows(self) -> dict[str, str]:
        """Visible top-level windows: id -> title."""
        ids = self._xdotool("search", "--onlyvisible", "--name", "").split()
        return {wid: self._xdotool("getwindowname", wid).strip() for wid in ids}

    def wait_window(self, title: str, timeout: float = 60.0) -> str:
        """The id of the first visible window whose title matches the regular expression."""
        pattern = re.compile(title)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for wid, name in self.windows().items():
                if pattern.search(name):
                    return wid
            time.sleep(0.2)
        raise TimeoutError(f"no window titled {title!r} within {timeout:g} s; there are {self.windows()}")

    def keys(self, window: str, *keys: str) -> None:
        """Focus the window and press the keys (xdotool names: ctrl+o, Return, space…)."""
        self._xdotool("windowfocus", "--sync", window)
        self._xdotool("key", "--delay", "60", *keys)

    def type(self, window: str, text: str) -> None:
        self._xdotool("windowfocus", "--sync", window)
        self._xdotool("type", "--delay", "10", text)

    def fill_file_dialog(self, title: str, path: Path) -> None:
        """In the file dialog titled `title`, replace the file name with `path` and confirm."""
        dialog = self.wait_window(f"^{title}$")
        self.keys(dialog, "ctrl+a")
        self.type(dialog, str(path))
        self.keys(dialog, "Return")

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
