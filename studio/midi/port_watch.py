"""Watching an open port: a thread that looks at the backend's port list a few times a second and
says when the port Continuo is connected to disappears (the DAW quit, the synth was unplugged, the
JACK server stopped) and when it is back, after joining it again.

Disappearance is read off the port list through a client of the watcher's own, never inferred
from a send into a dead connection: sending never fails on these backends (the bytes just go
nowhere), and the sending client is left alone by every call made here but `reconnect`.

On JACK the server itself may stop and start again (a DAW user restarting it). Its old clients
then list stale ports forever, so the watcher hears of the end from libjack (jack_life), lets go
of every client of the dead server at once (its lister, the port's), and looks for a new
server; once one runs, the port is opened again on a fresh client: Continuo's virtual port is
created again, a joined port is joined again when it is listed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import rtmidi

from studio.midi.jack_life import ServerLife
from studio.midi.ports import VIRTUAL_NAME, Port, PortError, make_client, match_port

POLL_S = 0.1


def lost_sentence(port: Port) -> str:
    """What the user is told when the port goes away."""
    return (f"The MIDI {port.kind} '{port.name}' went away; Continuo stopped and will reconnect "
            "when it is back.")


def server_lost_sentence(port: Port) -> str:
    """What the user is told when the JACK server under the port stops."""
    return (f"The JACK server stopped, taking the MIDI {port.kind} '{port.name}' with it; Continuo stopped "
            "and will reconnect when the server is back.")


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
        self._lister: rtmidi.MidiIn | rtmidi.MidiOut | None = self._new_lister()
        self._server = ServerLife.open() if port.backend.name == "jack" else None
        self._thread = threading.Thread(target=self._run, daemon=True, name="continuo-port-watch")

    def _new_lister(self) -> rtmidi.MidiIn | rtmidi.MidiOut:
        # A virtual port vanishes only with its server: it is then missing from the other side's list.
        same_side = self.port.kind == "output"
        if self.port.virtual:
            same_side = not same_side
        return make_client(self.port.backend, rtmidi.MidiOut if same_side else rtmidi.MidiIn,
                           f"{VIRTUAL_NAME}-watch")

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
        self._let_go()

    def _let_go(self) -> None:
        """Delete the lister and close the server's listener (for good, or until a server is back)."""
        lister, self._lister = self._lister, None
        if lister is not None:
            lister.delete()
        server, self._server = self._server, None
        if server is not None:
            server.close()

    def _here(self, names: list[str]) -> bool:
        """While present, the very port must be listed; once lost, any port matching the user's
        choice counts (ALSA gives a replugged device a new client number)."""
        if (self.present or self.port.wanted is None) and not self.port.detached:
            return self.port.name in names
        try:
            match_port(self.port.wanted, names, self.port.kind)
        except PortError:
            return False
        return True

    def _server_stopped(self) -> None:
        """The JACK server has gone: stop, and let go of every client of it before anything
        looks for the next server (libjack crashes deleting one after a new server starts)."""
        if self.present:
            self.present = False
            self.on_lost(server_lost_sentence(self.port))
        self.port.detach()
        self._let_go()

    def _server_back(self) -> bool:
        """True once a JACK server runs again and the watcher listens to it."""
        server = ServerLife.open()
        if server is None:
            return False
        try:
            self._lister = self._new_lister()
        except PortError:
            server.close()
            return False
        self._server = server
        return True

    def _listed(self) -> list[str] | None:
        """The ports the lister sees, or None when one went while they were being listed
        (rtmidi counts them, then asks each one's name: look again at the next round)."""
        try:
            return self._lister.get_ports()
        except rtmidi.RtMidiError:
            return None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if self._server is not None and self._server.gone.is_set():
                self._server_stopped()
            if self._lister is None and not self._server_back():
                continue
            # A virtual port of the stopped server is made again as soon as a server runs.
            if self.port.detached and self.port.virtual:
                here = True
            else:
                names = self._listed()
                if names is None:
                    continue
                here = self._here(names)
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
