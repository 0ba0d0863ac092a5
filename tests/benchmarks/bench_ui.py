"""UI speed and memory: `python tests/benchmarks/bench_ui.py [--repeats N] [--only KEY ...]`.

Prints one JSON object (milliseconds are medians). Each measurement is a function decorated
with @measurement that takes the parsed arguments and returns a dict of keys to merge into the
output, so new measurements are added beside the others without touching them.

`repaint_ms_10k`: the piano roll (1600x1000, the screenshot size) over a 10,000-note clip,
scrolled a tenth of a page between frames; one frame = ruler, keys, grid and velocity lane
rendered into an image (`_p95`: the 95th percentile, the frames that rebuild the cached note
layer, about one in six).
References from the same run: `repaint_ms_10k_editing` (every frame repainted from scratch, as
while dragging notes: the index, no cache), `repaint_ms_10k_naive` (the same, but the painter
handed every note instead of the indexed visible ones) and `repaint_ms_10k_all_visible`
(zoomed out until all 10,000 notes are on screen, repainted from scratch: the worst case).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from studio.core.notes import Clip, Note, TimeSignature  # noqa: E402
from studio.ui.document import ClipDocument  # noqa: E402
from studio.ui.roll import PianoRoll  # noqa: E402
from studio.ui.roll.index import NoteIndex  # noqa: E402
from studio.ui.theme import apply_theme  # noqa: E402

Measurement = Callable[[argparse.Namespace], dict[str, float]]
MEASUREMENTS: dict[str, Measurement] = {}


def measurement(fn: Measurement) -> Measurement:
    """Register fn under its name."""
    MEASUREMENTS[fn.__name__] = fn
    return fn


def dense_clip(count: int = 10_000) -> Clip:
    """A busy arrangement: 200 bars of 16th-note runs over chords, 10,000 notes in all."""
    rng = random.Random(7)
    notes: list[Note] = []
    bar = 1920
    while len(notes) < count:
        b = len(notes) // 50
        root = 48 + rng.choice((0, 5, 7, 9))
        notes.extend(Note(b * bar, root + step, bar, rng.randrange(50, 90)) for step in (0, 4, 7, 12))
        notes.extend(
            Note(b * bar + k * 120, rng.randrange(60, 88), 120, rng.randrange(40, 127)) for k in range(16)
        )
        notes.extend(Note(b * bar + k * 480, rng.randrange(36, 48), 480, 100) for k in range(4))
        notes.extend(Note(b * bar + k * 240, rng.randrange(64, 80), 240, 70) for k in range(8))
        notes.extend(Note(b * bar + k * 80, rng.randrange(90, 100), 80, 60) for k in range(18))
    return Clip(notes[:count], 120.0, TimeSignature(4, 4))


def _frames(roll: PianoRoll, frames: int, redraw: bool = False) -> list[float]:
    """Milliseconds per rendered frame while scrolling right a tenth of a page per frame;
    redraw=True marks the content changed before each frame, so no cached layer is reused."""
    image = QImage(roll.size(), QImage.Format.Format_ARGB32_Premultiplied)
    roll.render(image)  # warm caches (index, fonts)
    step = max(1, roll.hbar.pageStep() // 10)
    times = []
    for k in range(frames):
        roll.hbar.setValue((k * step) % max(1, roll.hbar.maximum()))
        if redraw:
            roll.state.repaint.emit()
        start = time.perf_counter()
        roll.render(image)
        times.append((time.perf_counter() - start) * 1000)
    return times


@measurement
def repaint_ms_10k(args: argparse.Namespace) -> dict[str, float]:
    doc = ClipDocument(dense_clip())
    roll = PianoRoll(doc)
    roll.resize(1600, 1000)
    roll.show()
    QApplication.processEvents()
    roll.hbar.setValue(roll.hbar.maximum() // 3)
    scrolling = _frames(roll, args.frames)
    editing = statistics.median(_frames(roll, args.frames // 2, redraw=True))
    query = NoteIndex.query
    NoteIndex.query = lambda self, t0, t1: iter(self._items)  # the reference: draw everything
    try:
        naive = statistics.median(_frames(roll, max(5, args.frames // 10), redraw=True))
    finally:
        NoteIndex.query = query
    view = roll.state.viewport
    roll.zoom_time(view.width / doc.end / view.px_per_tick)  # the whole clip on screen
    everything = statistics.median(_frames(roll, max(5, args.frames // 10), redraw=True))
    roll.close()
    return {
        "repaint_ms_10k": round(statistics.median(scrolling), 2),
        "repaint_ms_10k_p95": round(statistics.quantiles(scrolling, n=20)[-1], 2),
        "repaint_ms_10k_editing": round(editing, 2),
        "repaint_ms_10k_naive": round(naive, 2),
        "repaint_index_speedup": round(naive / editing, 1),
        "repaint_ms_10k_all_visible": round(everything, 2),
        "repaint_notes": len(doc.notes),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=120, help="frames per repaint median")
    parser.add_argument("--repeats", type=int, default=5, help="repeats for the other measurements")
    parser.add_argument("--only", nargs="*", choices=sorted(MEASUREMENTS), help="run just these")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    apply_theme(app)
    result: dict[str, float] = {}
    for name in args.only or MEASUREMENTS:
        result.update(MEASUREMENTS[name](args))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
