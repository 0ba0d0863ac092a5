"""MIDI clock while the interpreter is busy, both ways: `python tests/benchmarks/bench_clock.py
[--beats N] [--bpm B] [--period FRAMES] [--burst-ms MS] [--gap-ms MS] [--only follower|sender]`.

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

`sender`: Continuo as clock master, under the same kind of load. Two clocks run at once (half
a pulse apart), each into a receiver of its own: one sent from the player's process
(ProcessClock, what --send-clock and the window use), one from a ClockSender thread in this
process sending through a player process's port (what they did before). `deviation_ms` {p50,
p99, max}: how far each pulse arrived from the least-squares line through that receiver's
pulses (a JACK period of rounding included); `sent_late_ms`: how late each pulse left its
sending thread.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from studio.midi.clock import ClockSender  # noqa: E402
from studio.midi.player_process import ProcessSession  # noqa: E402
from tests.benchmarks._timing import summary  # noqa: E402
from tests.clock_phase import GilBursts, capture, clocks, deviations, grid_errors, phase_errors  # noqa: E402
from tests.jack_server import JackServer, Receiver, wait_until  # noqa: E402


def figures(arrivals: list[float], heard: list[float]) -> dict:
    return {"phase_error_ms": summary(phase_errors(arrivals, heard), scale=1000),
            "grid_error_ms": summary(grid_errors(arrivals, heard), scale=1000)}


SENDERS = {"child_process": "ProcessClock: a ClockSender thread in the player's process",
           "in_parent": "a ClockSender thread in this process, sending through a player process's port"}


def pulses_heard(receiver: Receiver) -> list[float]:
    return clocks(receiver.messages())


def senders(server: JackServer, bpm: float, pulses: int, load: GilBursts) -> dict:
    """The clock sent from the player's process and from a thread here, at once, under load."""
    with Receiver(server) as far, Receiver(server) as near:
        child, parent = ProcessSession(far.port), ProcessSession(near.port)
        try:
            clocks = {"child_process": child.clock(bpm), "in_parent": ClockSender(parent, bpm, realtime=True)}
            with load:
                # Half a pulse apart, so the two never spin for a deadline at once on a small machine.
                clocks["child_process"].start(lead_in_s=0.05)
                clocks["in_parent"].start(lead_in_s=0.05 + 30.0 / (bpm * 24))
                done = wait_until(lambda: min(len(pulses_heard(far)), len(pulses_heard(near))) >= pulses,
                                  pulses * 60.0 / (bpm * 24) + 20)
                for clock in clocks.values():
                    clock.stop()
        finally:
            child.close()
            parent.close()
        if not done:
            raise SystemExit("the clock pulses did not all arrive")
        heard = {"child_process": pulses_heard(far)[:pulses], "in_parent": pulses_heard(near)[:pulses]}
    return {"pulses": pulses, **{name: {"sender": SENDERS[name],
                                        "deviation_ms": summary(deviations(heard[name])[1], scale=1000),
                                        "sent_late_ms": summary(clock.sent_late_s, scale=1000)}
                                 for name, clock in clocks.items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--beats", type=int, default=64, help="beats of clock to follow (default 64)")
    parser.add_argument("--bpm", type=float, default=120.0, help="the clock's tempo (default 120)")
    parser.add_argument("--period", type=int, default=64, help="JACK period in frames (default 64)")
    parser.add_argument("--burst-ms", type=float, default=20.0, help="how long each GIL burst spins")
    parser.add_argument("--gap-ms", type=float, default=10.0, help="the pause between bursts")
    parser.add_argument("--only", choices=("follower", "sender"), help="measure one side only")
    args = parser.parse_args()

    def load() -> GilBursts:  # one per measurement: its thread starts once
        return GilBursts(args.burst_ms / 1000, args.gap_ms / 1000)

    load_before = os.getloadavg()[0]
    server = JackServer(period=args.period, realtime=True, synchronous=False).start()
    result: dict = {"bpm": args.bpm}
    try:
        if args.only != "sender":
            with Receiver(server) as receiver:
                got = capture(server, receiver, args.bpm, args.beats * 24, load())
            result.update({
                "pulses": len(got.stamped),
                "timestamps": "rtmidi's, placed on perf_counter (studio.midi.timed_input)",
                **figures(got.stamped, got.heard),
                "reference": {"timestamps": "the time the Python callback ran",
                              **figures(got.called, got.heard)},
            })
        if args.only != "follower":
            result["sender"] = senders(server, args.bpm, args.beats * 24, load())
    finally:
        log = server.stop()
    result.update({
        "jack_period_ms": round(server.period_ms, 3),
        "jack_server": f"own: jackd -R -d dummy -r {server.rate} -p {server.period}",
        "jack_realtime": "cannot use real-time scheduling" not in log.lower(),
        "gil_load": f"a thread spinning {args.burst_ms:g} ms, sleeping {args.gap_ms:g} ms",
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    })
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
