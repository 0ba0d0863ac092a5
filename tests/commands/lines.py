"""A command's output read line by line on a thread, so a test can wait for a line while the
command runs (its stdout or stderr pipe)."""

from __future__ import annotations

import threading
from typing import IO

from tests.jack_server import wait_until


class Lines:
    """Every line read so far from `stream`, stripped."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: list[str] = []
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append(line.strip())

    def count(self, text: str) -> int:
        """How many lines contain text."""
        return sum(text in line for line in list(self.lines))

    def wait_for(self, text: str, timeout: float = 10.0) -> str | None:
        """The first line containing text, once there is one; None after timeout seconds."""
        if not wait_until(lambda: self.count(text), timeout):
            return None
        return next(line for line in list(self.lines) if text in line)
