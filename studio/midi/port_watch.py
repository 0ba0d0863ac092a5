"""Watching an open port: a thread that looks at the backend's port list a few times a second and
says when the port Continuo is connected to disappears (the DAW quit, the synth was unplugged, the
JACK server stopped) and when it is back, after joining it again.

Disappearance is read off the port list through a client of the watcher's own, never inferred
from a send into a dead connection: sending never fails on these backends (the bytes just go
nowhere), and the sending client is left alone by every call made here but `reconnect`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import rtmidi

from studio.midi.ports import VIRTUAL_NAME, Port, PortError, make_client, match_port

POLL_S = 0.1


def lost_sentence(port: Port) -> str:
    """What the user is told when the port goes away."""
    return (f"The MIDI {port.kind} '{port.name}' went away; Continuo stopped and will reconnect "
            "when it is back.")


def back_sentence(port: Port, resuming: bool = False) -> str:
    """What the user is told when the port is back and joined again."""
    return f"The MIDI {port.kind} '{port.name}' is back{'; playing on' if resuming else ''}."


class PortWatcher:
    """Calls on_lost(sentence) once when the port disappears, and on_back() once it has been
    reconnected after it reappeared. Both run on the watcher's thread."""

    def __init__(self, port: Port, on_lost: Callable[[str], None], on_back: Callable[[], None],
                 interval: float = POLL_S) -> None:
        self.port, self.on_lost, self.on_back, self.interval = port, on_lost, on_back, interval
        self.present = True
        self._stop = threading.Event()
        # A virtual port vanishes only with its server: it is then missing from the other side's list.
        same_side = port.kind == "output"
        if port.virtual:
            same_side = not same_side
        self._lister = make_client(port.backend, rtmidi.MidiOut if same_side else rtmidi.MidiIn,
                               f"{VIRTUAL_NAME}-watch")
        self._thread = threading.Thread(target=self._run, daemon=True, name="continuo-port-watch")

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> PortWatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(2)
        self._lister.delete()

    def _here(self, names: list[str]) -> bool:
        """While present, the very port must be listed; once lost, any port matching the user's
        choice counts (ALSA gives a replugged device a new client number)."""
        if self.present or self.port.wanted is None:
            return self.port.name in names
        try:
            match_port(self.port.wanted, names, self.port.kind)
        except PortError:
            return False
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            here = self._here(self._lister.get_ports())
            if self.present and not here:
                self.present = False
                self.on_lost(lost_sentence(self.port))
            elif not self.present and here:
                try:
                    self.port.reconnect()
                except PortError:
                    continue  # it went again in between: try at the next look
                self.present = True
                self.on_back()
