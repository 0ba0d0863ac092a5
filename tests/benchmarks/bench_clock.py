"""Following a DAW's clock while the interpreter is busy: `python tests/benchmarks/bench_clock.py
[--beats N] [--bpm B] [--period FRAMES] [--burst-ms MS] [--gap-ms MS]`.

Starts its own JACK server (dummy driver, `-R -p 64` at 48 kHz by default), the clock-source
process (tests/clock_source.py) sending 24 pulses per quarter at B BPM, and an independent
receiver process. This process reads the clock through a timed input (studio.midi.timed_input)
while a thread spins in pure Python for --burst-ms, sleeps --gap-ms, and again, holding the
interpreter lock as the engine sampling or the GUI painting would (tests/clock_phase.py).

Prints one JSON object. `phase_error_ms` {p50, p99, max}: after every pulse, how far the beat a
ClockFollower fed rtmidi's timestamps places is from where the same follower fed the unloaded
receiver's arrival times places it; `grid_error_ms`: how far it is from the least-squares line
through the whole run's pulses as the receiver heard them (the follower's two-beat fit
included). `reference`: the same figures, same run, same pulses, for the follower fed the
time the Python callback ran (what it was fed before timed inputs).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks._timing import summary  # noqa: E402
from tests.clock_phase import GilBursts, capture, grid_errors, phase_errors  # noqa: E402
from tests.jack_server import JackServer, Receiver  # noqa: E402


def figures(arrivals: list[float], heard: list[float]) -> dict:
    return {"phase_error_ms": summary(phase_errors(arrivals, heard), scale=1000),
            "grid_error_ms": summary(grid_errors(arrivals, heard), scale=1000)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--beats", type=int, default=64, help="beats of clock to follow (default 64)")
    parser.add_argument("--bpm", type=float, default=120.0, help="the clock's tempo (default 120)")
    parser.add_argument("--period", type=int, default=64, help="JACK period in frames (default 64)")
    parser.add_argument("--burst-ms", type=float, default=20.0, help="how long each GIL burst spins")
    parser.add_argument("--gap-ms", type=float, default=10.0, help="the pause between bursts")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    server = JackServer(period=args.period, realtime=True, synchronous=False).start()
    try:
        receiver = Receiver(server)
        try:
            got = capture(server, receiver, args.bpm, args.beats * 24,
                          GilBursts(args.burst_ms / 1000, args.gap_ms / 1000))
        finally:
            receiver.close()
    finally:
        log = server.stop()
    result = {
        "bpm": args.bpm, "pulses": len(got.stamped), "jack_period_ms": round(server.period_ms, 3),
        "jack_server": f"own: jackd -R -d dummy -r {server.rate} -p {server.period}",
        "jack_realtime": "cannot use real-time scheduling" not in log.lower(),
        "gil_load": f"a thread spinning {args.burst_ms:g} ms, sleeping {args.gap_ms:g} ms",
        "timestamps": "rtmidi's, placed on perf_counter (studio.midi.timed_input)",
        **figures(got.stamped, got.heard),
        "reference": {"timestamps": "the time the Python callback ran", **figures(got.called, got.heard)},
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
