"""Continue-and-play speed: `python tests/benchmarks/bench_stream.py [--repeats N] [--bars B]`.

Prints one JSON object (milliseconds; p50/p90 over repeats). Each repeat is a cold request (a
fresh engine over the one loaded model, so the seed is primed anew) for a B-bar continuation of
a 32-note seed at 120 BPM, played live on the 16th grid into an in-memory output:

- `first_note_ready_ms`: from the request to the first note coming out of the engine;
- `launch_ms`: from the request to the grid line the continuation starts on (at most one 16th,
  125 ms, after the first note is ready plus the 30 ms safety margin);
- `min_lead_ms`: over every note of the continuation, how long before its deadline it was
  generated (negative would mean a late note);
- `reference_generate_all_ms`, the same run's reference: generating the whole continuation
  first (the write-then-play way), the earliest moment its first note could be scheduled.

`ratio_reference_over_first_note` is reference p50 / first_note_ready p50. `load_average`
(before, after) says how busy the shared machine was.

With `--sends`, `sends` times the command line's streaming path as `continuo continue --play`
runs it: the engine generating on the player's feeder in this process, the notes played on a
JACK port (a server of its own, dummy driver, `-R -p 64`) by the player in its own
process (a ProcessSession's player, as the command does) and, as the same run's reference, by the player
thread in this process (Player). Each repeat plays a B-bar continuation at 300 BPM on the 16th
grid, once with only its own generation and once with an engine generating continuations
without pause beside it (bench_live's EngineLoad, as a jam or the window would). Per player
and condition: send lateness (send time minus deadline) p50/p99/max of each repeat, medians
over repeats, for all sends and for those due while the continuation was still being generated.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from studio.core.notes import Clip, Note  # noqa: E402
from studio.engine.continuation import Engine, Settings  # noqa: E402
from studio.engine.model import Model, default_model_path  # noqa: E402
from studio.live.stream import LiveContinuation  # noqa: E402
from studio.live.time_source import FixedTempo  # noqa: E402
from studio.midi.player import MemoryOutput, Player, RealTimePlayer  # noqa: E402
from studio.midi.player_process import ProcessSession  # noqa: E402
from studio.midi.ports import open_output  # noqa: E402
from tests.benchmarks._timing import summary  # noqa: E402

TUNE = [67, 69, 71, 67, 69, 71, 72, 74, 76, 74, 72, 71, 69, 67, 66, 67]


def seed_clip() -> Clip:
    return Clip([Note(i * 240, TUNE[i % len(TUNE)], 240, 90) for i in range(32)], 120.0)


def spread(values: list[float]) -> dict[str, float]:
    """p50/p90 over the repeats."""
    return summary(values, percents=(50, 90), largest=False, digits=2)


def streamed(model: Model, settings: Settings) -> tuple[float, float, float]:
    live = LiveContinuation(Engine(model), seed_clip(), settings, Player(MemoryOutput()), FixedTempo(120.0),
                            grid="16th")
    live.start()
    if not live.generated.wait(120):
        raise RuntimeError("generation did not end")
    live.stop()
    return ((live.first_ready_at - live.requested_at) * 1000, (live.start_time - live.requested_at) * 1000,
            live.lead_s * 1000)


def generate_all(model: Model, settings: Settings) -> float:
    started = time.perf_counter()
    Engine(model).continuation(seed_clip(), settings).run()
    return (time.perf_counter() - started) * 1000


SENDS_BPM = 300.0


def lateness(late_s: list[float]) -> dict:
    """p50/p99/max of send lateness in milliseconds, and how many sends."""
    return {**summary(late_s, scale=1000, digits=None), "count": len(late_s)}


def deadlines(player: RealTimePlayer, notes: list[Note]) -> list[float]:
    """The deadline of every send in the player's order (ends before starts on one tick)."""
    events = sorted([(n.start, 1) for n in notes] + [(n.end, 0) for n in notes])
    return [player.time_of(tick) for tick, _ in events]


def streamed_sends(model: Model, settings: Settings, player: RealTimePlayer) -> dict:
    """One continuation played by `player` as `continue --play` does; its sends' lateness, all
    of them and those due before generation ended."""
    live = LiveContinuation(Engine(model), seed_clip(), settings, player, FixedTempo(SENDS_BPM), grid="16th")
    live.start()
    if not live.generated.wait(120):
        raise RuntimeError("generation did not end")
    generated_at = time.perf_counter()
    if not player.wait(120):
        raise RuntimeError("playback did not end")
    late = player.sent_late_s
    due = deadlines(player, live.played)
    if len(due) != len(late):
        raise RuntimeError(f"{len(late)} sends for {len(due)} events")
    during = [lag for lag, deadline in zip(late, due, strict=True) if deadline <= generated_at]
    return {"all": lateness(late), "while_generating": lateness(during) if during else None}


def medians(runs: list[dict]) -> dict:
    """Per figure, the median over repeats (and the worst repeat's max)."""
    out = {}
    for part in ("all", "while_generating"):
        got = [r[part] for r in runs if r[part] is not None]
        if got:
            out[part] = {k: round(statistics.median(g[k] for g in got), 3)
                         for k in ("p50", "p99", "max", "count")}
            out[part]["worst_max"] = round(max(g["max"] for g in got), 3)
    return out


def open_player(kind: str) -> tuple[RealTimePlayer, contextlib.ExitStack]:
    """The player of a kind on a new virtual JACK port, and what closes both."""
    closing = contextlib.ExitStack()
    if kind == "process_player":
        session = ProcessSession(None, "jack", realtime=True)
        closing.callback(session.close)
        player: RealTimePlayer = session.player()
    else:
        player = Player(closing.enter_context(open_output(None, "jack")), realtime=True)
    return player, closing


def sends(model: Model, bars: float, repeats: int) -> dict:
    from tests.benchmarks.bench_live import EngineLoad
    from tests.jack_server import JackServer

    kinds, loads = ("process_player", "in_process_player"), ("alone", "engine_load")
    runs: dict[str, list[dict]] = {f"{kind}_{load}": [] for kind in kinds for load in loads}
    with JackServer(period=64, realtime=True, synchronous=False) as server:
        for repeat in range(repeats):
            settings = Settings(bars=bars, seed=repeat + 1)
            for load in loads:
                with EngineLoad() if load == "engine_load" else contextlib.nullcontext():
                    for kind in kinds:
                        player, closing = open_player(kind)
                        with closing:
                            runs[f"{kind}_{load}"].append(streamed_sends(model, settings, player))
    return {"bpm": SENDS_BPM, "jack_server": f"own: jackd -R -d dummy -r {server.rate} -p {server.period}",
            "lateness_ms": {k: medians(v) for k, v in runs.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--bars", type=float, default=8.0)
    parser.add_argument("--sends", action="store_true",
                        help="also time the sends of continue --play's player process on JACK (see above)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    model = Model(default_model_path())
    settings = Settings(bars=args.bars, seed=1)
    generate_all(model, settings)  # warm up onnxruntime
    ready, launch, lead, reference = [], [], [], []
    for _ in range(args.repeats):
        r, s, lead_ms = streamed(model, settings)
        ready.append(r)
        launch.append(s)
        lead.append(lead_ms)
        reference.append(generate_all(model, settings))
    result = {
        "bars": args.bars,
        "repeats": args.repeats,
        "first_note_ready_ms": spread(ready),
        "launch_ms": spread(launch),
        "min_lead_ms": {"min": round(min(lead), 2), **spread(lead)},
        "reference_generate_all_ms": spread(reference),
        "ratio_reference_over_first_note": round(statistics.median(reference) / statistics.median(ready), 1),
    }
    if args.sends:
        result["sends"] = sends(model, args.bars, args.repeats)
    result["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
