"""Arranging speed: `python tests/benchmarks/bench_arrange.py [--model PATH] [--repeats N]`.

Prints one JSON object (milliseconds, medians over repeats): `arrange_16_bars_ms` (a 16-bar
4/4 melody arranged into chords, bass and drums, from a loaded model), `first_bar_ms` (until
the first bar's parts are ready, as the bar-by-bar stream hands them over), and in the same
run the continuation engine's `continue_8_bars_ms` (8 bars, one variation, the same melody as
seed) as the reference the arrangement is compared to, with `load_average` before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from studio.core.notes import Clip, Note, TimeSignature  # noqa: E402
from studio.engine.arranger import ArrangeRequest, load_arranger  # noqa: E402
from studio.engine.continuation import Engine, Settings  # noqa: E402
from studio.engine.model import Model, band_model_path, default_model_path  # noqa: E402
from tests.benchmarks._timing import median_ms  # noqa: E402

TUNE = [67, 69, 71, 67, 69, 71, 72, 74, 76, 74, 72, 71, 69, 67, 66, 67]


def melody(bars: int = 16) -> Clip:
    """Eighths and quarters over `bars` bars of 4/4, a rest every other bar's end."""
    notes, tick = [], 0
    for i in range(bars * 6):
        length = 240 if i % 3 else 480
        if i % 12 != 11:
            notes.append(Note(tick, TUNE[i % 16], length - 20, 90))
        tick += length
    return Clip(notes, 110.0, TimeSignature(4, 4))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=band_model_path())
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args(argv)
    before = os.getloadavg()
    arranger = load_arranger(args.model)
    tune = melody(16)
    request = ArrangeRequest(seed=1)
    arranger.arrange(tune, request)  # warm: onnxruntime's first calls allocate

    def first_bar() -> None:
        next(iter(arranger.bars(tune, request)))

    engine = Engine(Model(default_model_path()))
    seed = Clip([n for n in tune.notes if n.start < 4 * 1920], 110.0, TimeSignature(4, 4))
    settings = Settings(bars=8, variations=1, seed=1)
    result = {
        "arrange_16_bars_ms": median_ms(lambda: arranger.arrange(tune, request), args.repeats),
        "first_bar_ms": median_ms(first_bar, args.repeats),
        "parts": ["chords", "bass", "drums"],
        "reference": {"continue_8_bars_ms": median_ms(lambda: engine.continuation(seed, settings).run(),
                                                      args.repeats)},
        "repeats": args.repeats,
        "load_average": [round(before[0], 2), round(os.getloadavg()[0], 2)],
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
