"""A MIDI clock source for the JACK tests, a process of its own as a DAW would be: a JACK client
NAME with the output port NAME:out that sends MIDI clock at BPM (24 per quarter, on absolute
deadlines: sleep, then spin the last millisecond).

`python tests/clock_source.py NAME BPM` prints `ready NAME:out` once the port exists, then obeys
lines on stdin: `start` sends Start and the clock from song position 0, `stop` sends Stop and
pauses the clock. It ends on stdin's end or SIGTERM. Deliberately independent of studio's own
clock code, so the follower is tested against someone else's clock.
"""

from __future__ import annotations

import signal
import sys
import threading
import time

import rtmidi

START, STOP, CLOCK = [0xFA], [0xFC], [0xF8]


def run_clock(out: rtmidi.MidiOut, bpm: float, running: threading.Event) -> None:
    period = 60.0 / (bpm * 24)
    first = time.perf_counter() + 0.02
    out.send_message(START)
    pulse = 0
    while running.is_set():
        deadline = first + pulse * period
        left = deadline - time.perf_counter()
        if left > 0.001:
            time.sleep(left - 0.001)
        while time.perf_counter() < deadline:
            pass
        out.send_message(CLOCK)
        pulse += 1
    out.send_message(STOP)


def main(name: str, bpm: float) -> int:
    out = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=name)
    out.open_virtual_port("out")
    running = threading.Event()
    clock: threading.Thread | None = None
    signal.signal(signal.SIGTERM, lambda *_: sys.stdin.close())
    print(f"ready {name}:out", flush=True)
    try:
        for line in sys.stdin:
            command = line.strip()
            if command == "start" and clock is None:
                running.set()
                clock = threading.Thread(target=run_clock, args=(out, bpm, running), daemon=True)
                clock.start()
            elif command == "stop" and clock is not None:
                running.clear()
                clock.join()
                clock = None
    except (ValueError, OSError):  # stdin closed by SIGTERM
        pass
    running.clear()
    if clock is not None:
        clock.join()
    out.close_port()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], float(sys.argv[2])))
