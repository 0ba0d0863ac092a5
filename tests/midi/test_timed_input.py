"""Timed inputs: rtmidi's per-message deltas placed on perf_counter (the least read delay as the
anchor, learned again when the clocks drift or the port is opened again), and the port's reader
handing on parsed messages with those times, from an in-memory rtmidi client."""

from __future__ import annotations

import random
import threading
import time

import mido
import pytest

from studio.midi.ports import BACKENDS
from studio.midi.timed_input import StampClock, TimedInputPort


def test_the_least_read_delay_anchors_the_stamps():
    clock = StampClock()
    # arrivals every 10 ms, read 4 ms, 1 ms, 6 ms, 0.1 ms, 3 ms late
    delays = [0.004, 0.001, 0.006, 0.0001, 0.003]
    placed = [clock.time_of(clock.add(0.0 if k == 0 else 0.01, 50.0 + k * 0.01 + d))
              for k, d in enumerate(delays)]
    for k, seconds in enumerate(placed[3:], start=3):  # from the prompt read on, 0.1 ms off at most
        assert seconds == pytest.approx(50.0 + k * 0.01 + 0.0001, abs=1e-9)
    assert placed[0] == pytest.approx(50.004)  # nothing better known yet: the read time itself
    assert placed[1] == pytest.approx(50.011)
    assert all(p <= 50.0 + k * 0.01 + d + 1e-12 for k, (p, d) in enumerate(zip(placed, delays, strict=True)))


def test_a_drifting_clock_is_followed_within_the_window():
    # rtmidi's clock runs 200 ppm slow: a fixed anchor would be 12 ms off after a minute
    rng = random.Random(5)
    clock = StampClock(window_s=5.0)
    errors = []
    for k in range(6000):  # a minute of messages every 10 ms
        true = 10.0 + k * 0.01
        delay = 0.00005 if k % 50 == 0 else rng.uniform(0.0, 0.008)
        seconds = clock.time_of(clock.add(0.0 if k == 0 else 0.01 * (1 - 200e-6), true + delay))
        if k > 1000:
            errors.append(seconds - true)
    assert max(abs(e) for e in errors) < 0.0011  # 200 ppm over the 5 s window, and the read delay


def test_reset_forgets_the_anchor():
    clock = StampClock()
    clock.add(0.0, 1.0)
    clock.add(0.5, 1.5)
    clock.reset()  # the port was opened again: rtmidi starts its deltas anew
    assert clock.time_of(clock.add(0.0, 9.0)) == 9.0
    assert clock.time_of(clock.add(0.25, 9.3)) == pytest.approx(9.25)


class FakeMidiIn:
    """rtmidi.MidiIn's polling side, in memory: `get_message` pops (bytes, delta) pairs."""

    def __init__(self, events: list[tuple[list[int], float]]) -> None:
        self.events = list(events)
        self.ignored: dict[str, bool] = {}
        self.opened: list[int] = []
        self.deleted = False

    def ignore_types(self, **flags: bool) -> None:
        self.ignored = flags

    def get_message(self) -> tuple[list[int], float] | None:
        return self.events.pop(0) if self.events else None

    def get_ports(self) -> list[str]:
        return ["daw:out"]

    def open_port(self, index: int, _name: str) -> None:
        self.opened.append(index)

    def close_port(self) -> None:
        pass

    def delete(self) -> None:
        self.deleted = True


def test_the_reader_hands_on_parsed_messages_with_their_arrival_times():
    events = [([0xFA], 0.0), ([0xF8], 0.02), ([0xFE], 0.01), ([0xF8], 0.01), ([0x90, 60, 100], 0.005)]
    client = FakeMidiIn(events)
    port = TimedInputPort(client, BACKENDS["jack"], "daw:out", "daw:out")
    got: list[tuple[mido.Message, float]] = []
    done = threading.Event()

    def received(message: mido.Message, seconds: float) -> None:
        got.append((message, seconds))
        if message.type == "note_on":
            done.set()

    port.listen(received)
    try:
        assert done.wait(5)
    finally:
        port.close()
    assert client.ignored == {"sysex": False, "timing": False, "active_sense": False}
    assert [m.type for m, _ in got] == ["start", "clock", "clock", "note_on"]  # active sensing left out
    times = [t for _, t in got]
    # all read in one go: the gaps are rtmidi's, the dropped active sensing's 10 ms included
    assert [b - a for a, b in zip(times, times[1:], strict=False)] == pytest.approx([0.02, 0.02, 0.005])
    assert client.deleted and port.closed
    port.close()  # twice is fine
    assert port.read() == []


def test_a_port_joined_again_or_let_go_of_learns_its_times_anew():
    client = FakeMidiIn([([0xF8], 0.0)])
    port = TimedInputPort(client, BACKENDS["jack"], "daw:out", "daw:out")
    (_, first), = port.read()
    time.sleep(0.05)
    port.reconnect()  # the DAW's port came back: rtmidi's deltas start again from nothing
    client.events.append(([0xF8], 0.0))
    (_, again), = port.read()
    assert client.opened == [0] and again - first >= 0.05  # not placed where the old anchor says
    port.detach()  # its JACK server stopped
    assert port.detached and client.deleted and port.read() == []
    port.close()
