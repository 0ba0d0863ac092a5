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
"""

from __future__ import annotations

import argparse
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
from studio.live.transport import FixedTempo  # noqa: E402
from studio.midi.player import MemoryOutput, Player  # noqa: E402

TUNE = [67, 69, 71, 67, 69, 71, 72, 74, 76, 74, 72, 71, 69, 67, 66, 67]


def seed_clip() -> Clip:
    return Clip([Note(i * 240, TUNE[i % len(TUNE)], 240, 90) for i in range(32)], 120.0)


def spread(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 2), "p90": round(p90, 2)}


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--bars", type=float, default=8.0)
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
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
