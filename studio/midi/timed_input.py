"""MIDI inputs whose messages come with the time they arrived, not the time Python got to them:
what a clock follower needs, since any thread holding the interpreter lock (the engine sampling,
the GUI painting) makes a callback run milliseconds late.

rtmidi stamps every incoming message in its own thread, without Python: on JACK from the process
cycle's time (so to a period, as every JACK client hears it), on ALSA from the sequencer queue,
on CoreMIDI from the packet's host time, and hands it out as the delta since the message before.
`open_timed_input` leaves rtmidi's realtime thread alone (no Python callback on it, so it never
waits for the interpreter lock), queues the messages there, and a reader thread hands each one
on as (mido.Message, perf_counter seconds). `StampClock` places rtmidi's accumulated deltas on
perf_counter: a message is always read after it arrived, so the smallest (read time - stamp)
seen recently is the offset between the two clocks, learned again as it changes (a clock that
drifts, a port opened again).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

import mido
import rtmidi

from studio.midi.ports import VIRTUAL_NAME, MidiBackend, Port, open_port

POLL_S = 0.001  # how often the reader looks at rtmidi's queue: the delay to the callback, not to the stamp
OFFSET_WINDOW_S = 10.0  # how far back the least offset is looked for: 100 ppm of drift costs 1 ms


class StampClock:
    """Maps rtmidi's per-message deltas onto perf_counter time (see the module's docstring)."""

    def __init__(self, window_s: float = OFFSET_WINDOW_S) -> None:
        self.window_s = window_s
        self.reset()

    def reset(self) -> None:
        """Forget the anchor: after the port is opened again its first delta says nothing."""
        self._stamp = 0.0  # rtmidi's time of the last message, from the first one on
        self._offsets: deque[tuple[float, float]] = deque()  # (read time, offset), offsets rising

    def add(self, delta: float, read_at: float) -> float:
        """Take one message: rtmidi's delta since the message before and the perf_counter time it
        was read. Returns its stamp, for `time_of`."""
        self._stamp += delta
        offset = read_at - self._stamp
        while self._offsets and self._offsets[-1][1] >= offset:
            self._offsets.pop()  # a later, smaller offset: the older one can never be the least again
        self._offsets.append((read_at, offset))
        while self._offsets[0][0] < read_at - self.window_s:
            self._offsets.popleft()
        return self._stamp

    def time_of(self, stamp: float) -> float:
        """The perf_counter time of a stamp, by the least offset known now: never later than
        the time its message was read."""
        return stamp + self._offsets[0][1]


class TimedInputPort(Port):
    """An open input whose `callback(message, seconds)` is called on a reader thread of its own,
    `seconds` being the perf_counter time the message arrived at the port."""

    kind = "input"

    def __init__(self, client: rtmidi.MidiIn, backend: MidiBackend, name: str, target: str | None) -> None:
        super().__init__(client, backend, name, target)
        self._clock = StampClock()
        self._parser = mido.Parser()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def listen(self, callback: Callable[[mido.Message, float], None]) -> None:
        """Start handing messages to callback."""
        self._listen_on(self._rt)
        self._thread = threading.Thread(target=self._run, args=(callback,), daemon=True,
                                        name="continuo-timed-input")
        self._thread.start()

    def read(self) -> list[tuple[mido.Message, float]]:
        """Every message waiting in rtmidi's queue, with its arrival time; active sensing is left
        out (it is let into the queue so that its delta counts)."""
        with self._lock:
            if self.closed:
                return []
            events = []
            while (event := self._rt.get_message()) is not None:
                events.append(event)
            now = time.perf_counter()  # every one of them had arrived by now
            stamped = [(data, self._clock.add(delta, now)) for data, delta in events]
            # a backlog read at once: the least offset after the last of them holds for all
            placed = [(data, self._clock.time_of(stamp)) for data, stamp in stamped]
        messages = []
        for data, seconds in placed:
            self._parser.feed(data)
            messages.extend((m, seconds) for m in self._parser if m.type != "active_sensing")
        return messages

    def _run(self, callback: Callable[[mido.Message, float], None]) -> None:
        while not self._stop.wait(POLL_S):
            for message, seconds in self.read():
                callback(message, seconds)

    def _listen_on(self, client: rtmidi.MidiIn) -> None:
        """Let every message into rtmidi's queue; a fresh client (after a JACK server restart)
        counts its deltas anew."""
        client.ignore_types(sysex=False, timing=False, active_sense=False)
        self._clock.reset()

    def reconnect(self) -> None:
        super().reconnect()
        with self._lock:
            self._clock.reset()  # the port was opened again: its first delta says nothing

    def close(self) -> None:
        """Stop the reader (after the callback under way), then close the port; twice is fine."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        super().close()


def open_timed_input(name: str | None, callback: Callable[[mido.Message, float], None],
                     backend: str | None = None) -> TimedInputPort:
    """Listen to the input called name (or, with no name, a virtual input named Continuo), like
    ports.open_input, but callback(message, seconds) gets each message with the perf_counter time
    it arrived, from a reader thread. For a DAW's clock: `open_timed_input(name, follower.receive)`."""
    port = open_port(TimedInputPort, name, backend, f"{VIRTUAL_NAME} clock")
    port.listen(callback)
    return port
