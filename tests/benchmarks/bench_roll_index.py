"""The roll's note index: `python tests/benchmarks/bench_roll_index.py [--repeats N]`.

Prints one JSON object of medians in microseconds over the 10,000-note clip of bench_ui.py:
`hover_us` (a hit test under the mouse, RollState.note_at's query of one tick), `window_us`
(the notes of one screen, two bars wide), each plain and `_long_note` with one note lasting
the whole clip added (a held pad or a stuck sustain), and `build_ms` (building the index).
The reference is the plain clip in the same run: a long note should cost about what it
shows, not a scan of everything that starts before it ends.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from studio.core.notes import Note  # noqa: E402
from studio.ui.roll.index import NoteIndex  # noqa: E402
from tests.benchmarks._timing import median_ms  # noqa: E402
from tests.benchmarks.bench_ui import dense_clip  # noqa: E402

QUERIES = 2000


def _lookups_us(index: NoteIndex, starts: list[int], width: int, repeats: int) -> float:
    """Median microseconds per query of [start, start + width), over QUERIES positions."""
    def run() -> None:
        for tick in starts:
            for _ in index.query(tick, tick + width):
                pass
    return round(median_ms(run, repeats, digits=6) * 1000 / len(starts), 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    notes = dense_clip().notes
    end = max(n.end for n in notes)
    starts = [random.Random(3).randrange(0, end) for _ in range(QUERIES)]
    result: dict[str, float] = {}
    for label, clip_notes in (("", notes), ("_long_note", [*notes, Note(0, 30, end, 64)])):
        items = list(enumerate(clip_notes))
        index = NoteIndex(items)
        result[f"hover_us{label}"] = _lookups_us(index, starts, 1, args.repeats)
        result[f"window_us{label}"] = _lookups_us(index, starts[:200], 2 * 1920, args.repeats)
        result[f"build_ms{label}"] = median_ms(lambda items=items: NoteIndex(items), args.repeats)
    result["notes"] = len(notes)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
