"""An independent MIDI receiver for the JACK tests and bench_live: a process of its own that opens
a JACK MIDI input with python-rtmidi and writes one line per message to stdout.

`python tests/jack_receiver.py NAME` registers the JACK client NAME with one input port, prints
`ready NAME:in` once it is there, then `<perf_counter_ns> <hex bytes>` for every message, the
time taken when JACK hands the message over (time.perf_counter is CLOCK_MONOTONIC, shared by
every process on the machine). It ends on stdin's end or SIGTERM.
"""

from __future__ import annotations

import signal
import sys
import threading
import time

import rtmidi


def main(name: str) -> int:
    lock = threading.Lock()
    out = sys.stdout

    def received(event: tuple[list[int], float], _data: object) -> None:
        stamp = time.perf_counter_ns()
        with lock:
            out.write(f"{stamp} {bytes(event[0]).hex()}\n")
            out.flush()

    midi_in = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name=name)
    midi_in.ignore_types(sysex=False, timing=False, active_sense=False)
    midi_in.set_callback(received)
    midi_in.open_virtual_port("in")
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    with lock:
        out.write(f"ready {name}:in\n")
        out.flush()
    done.wait()
    midi_in.close_port()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "receiver"))
