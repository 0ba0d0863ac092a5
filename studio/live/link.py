"""Ableton Link as a time source: tempo, beat phase and start/stop shared with every Link peer on
the network (Live, Bitwig, Reason, phone apps).

Link comes through the optional package aalink, which is GPL-3 licensed: it is the `link` extra
(`pip install "continuo[link]"`), imported only when a Link time source is made, and missing it
is one sentence, not a traceback. aalink needs a running asyncio loop, so the time source keeps
one on a small thread of its own. A tick is a Link beat times 480, so a bar of `quantum`
beats starts where every peer's bar starts: launches quantized to the bar land on Link's bar.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from studio.core.notes import TICKS_PER_QUARTER
from studio.live.time_source import LiveError
from studio.midi.clock import Timeline

MISSING = ("Ableton Link needs the optional package aalink (GPL-3 licensed): "
           "install it with pip install \"continuo[link]\".")


def _aalink() -> Any:
    try:
        import aalink
    except ImportError:
        raise LiveError(MISSING) from None
    return aalink


class LinkSource:
    """A Link session peer. With `start_stop`, the song plays only while the session plays."""

    def __init__(self, bpm: float = 120.0, quantum: int = 4, start_stop: bool = True) -> None:
        aalink = _aalink()
        self.start_stop = start_stop
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="continuo-link")
        self._thread.start()

        async def join() -> Any:
            link = aalink.Link(bpm)
            link.quantum = quantum
            link.start_stop_sync_enabled = start_stop
            link.enabled = True
            return link

        self._link = asyncio.run_coroutine_threadsafe(join(), self._loop).result(10)

    @property
    def peers(self) -> int:
        return self._link.num_peers

    @property
    def quantum(self) -> int:
        return int(self._link.quantum)

    def timeline(self) -> Timeline:
        link = self._link
        now = time.perf_counter()
        playing = link.playing if self.start_stop else True
        return Timeline(link.tempo, now, link.beat * TICKS_PER_QUARTER, playing)

    def set_tempo(self, bpm: float) -> None:
        """Propose a tempo to the session (every peer follows)."""
        self._link.tempo = bpm

    def set_playing(self, playing: bool) -> None:
        """Start or stop the session's transport (with start/stop sync on)."""
        self._link.playing = playing

    def close(self) -> None:
        """Leave the session."""
        self._link.enabled = False
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(2.0)
