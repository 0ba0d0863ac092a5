"""Knowing when the JACK server itself stops (a DAW user restarting JACK, QjackCtl's Stop).

python-rtmidi says nothing of it: a JACK client whose server has gone keeps listing the ports
it saw last, and its sends go nowhere, so a port watcher would never notice. libjack calls a
client's shutdown callback the moment its server goes; `ServerLife` is a small client of our
own, opened through ctypes (libjack is already loaded by rtmidi, no extra package), that
registers one, and is never activated: an active client joins the process graph and is woken
every cycle, which beside the player made its sends p99 0.7-1.4 ms late instead of 0.3
(bench_live), while libjack calls the shutdown callback from its notification thread all the
same. It loads the very libjack rtmidi runs on: python-rtmidi's wheels bring a copy of
their own, and a second libjack in the process would share none of its state.

Once the server has gone, every client of it in the process must be deleted before a new one
is made or a new server starts: libjack crashed (a segfault, seen here) deleting a dead
server's client after either. The port watcher lets go of its clients at once, on its next
look, and `ServerLife.open` makes no client while another watcher's listener still waits for
its watcher to do the same.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import threading

from studio.midi.ports import VIRTUAL_NAME

_NO_START_SERVER = 0x01  # JackNoStartServer: never start a server by accident
_SHUTDOWN = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_MESSAGE = ctypes.CFUNCTYPE(None, ctypes.c_char_p)
_libjack: ctypes.CDLL | None = None
_quiet: list = []  # the no-op message callbacks handed to libjack, kept alive for good
_open_lives: set[ServerLife] = set()
_lives_lock = threading.Lock()


def _library() -> str:
    """The libjack python-rtmidi has loaded (its own copy, where the wheel brings one), else the system's."""
    with contextlib.suppress(OSError), open("/proc/self/maps") as maps:  # Linux; elsewhere the system's
        for line in maps:
            path = line.split()[-1]
            if os.path.basename(path).startswith("libjack") and "rtmidi" in path:
                return path
    return ctypes.util.find_library("jack") or "libjack.so.0"


def _load() -> ctypes.CDLL | None:
    """libjack, set up once; None where it is not installed."""
    global _libjack
    if _libjack is None:
        try:
            lib = ctypes.CDLL(_library())
        except OSError:
            return None
        lib.jack_client_open.restype = ctypes.c_void_p
        lib.jack_on_shutdown.argtypes = [ctypes.c_void_p, _SHUTDOWN, ctypes.c_void_p]
        lib.jack_client_close.argtypes = [ctypes.c_void_p]
        # libjack prints a paragraph on stderr when its server goes; the user gets one sentence.
        _quiet.extend([_MESSAGE(lambda _text: None), _MESSAGE(lambda _text: None)])
        lib.jack_set_error_function(_quiet[0])
        lib.jack_set_info_function(_quiet[1])
        _libjack = lib
    return _libjack


class ServerLife:
    """A JACK client that only listens for its server's end: `gone` is set when it stops.
    `open()` gives None while no server runs (or libjack is missing)."""

    def __init__(self, lib: ctypes.CDLL, client: int) -> None:
        self._lib, self._client = lib, client
        self.gone = threading.Event()
        self._on_shutdown = _SHUTDOWN(lambda _arg: self.gone.set())  # kept: libjack holds only the pointer
        lib.jack_on_shutdown(client, self._on_shutdown, None)
        # not activated: a client in the process graph would be woken every cycle, beside the
        # player; the shutdown callback comes on the notification thread all the same

    @classmethod
    def open(cls) -> ServerLife | None:
        lib = _load()
        with _lives_lock:
            if lib is None or any(life.gone.is_set() for life in _open_lives):
                return None  # no libjack, or a dead server's clients are still being let go of
            status = ctypes.c_int(0)
            client = lib.jack_client_open(f"{VIRTUAL_NAME}-life".encode(), ctypes.c_int(_NO_START_SERVER),
                                          ctypes.byref(status))
            if not client:
                return None
            life = cls(lib, client)
            _open_lives.add(life)
            return life

    def close(self) -> None:
        """Close the client (do it while the server is still away if it has gone); twice is fine."""
        with _lives_lock:
            client, self._client = self._client, None
            _open_lives.discard(self)
            if client:
                self._lib.jack_client_close(client)
