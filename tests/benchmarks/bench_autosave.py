"""Autosave cost: `python tests/benchmarks/bench_autosave.py [--notes N] [--repeats N]`.

Prints one JSON object (milliseconds, medians over repeats) for a sketch of N notes (10,000 by
default) held in the real ClipDocument:
- `snapshot_ms`: what an autosave tick does on the GUI thread (the window's snapshot: the
  document's clip and the panel's settings as a Project);
- `write_ms`: the work the worker thread does (JSON and the atomic, fsynced write), timed on
  its own as the reference;
- `stalls_autosaving` against `stalls_idle`: gaps between the ticks of a 1 ms timer on the GUI
  event loop (the longest, the 99th percentile, and how many exceeded a 16 ms frame) while the
  Autosaver writes every 100 ms (25 times more often than the app does), and with no autosave
  at all (the machine's own noise, measured in the same run);
- `file_kb`: the size of the autosave.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import QElapsedTimer, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from studio.core.notes import Clip, Note  # noqa: E402
from studio.core.project import Project, save_project  # noqa: E402
from studio.ui.document.autosave import Autosaver  # noqa: E402
from studio.ui.document.document import ClipDocument  # noqa: E402
from tests.benchmarks._timing import median_ms, percentile  # noqa: E402


def big_clip(count: int) -> Clip:
    return Clip([Note(i * 120, 36 + (i * 7) % 60, 110, 1 + (i * 13) % 127) for i in range(count)], 120.0)


def stalls(app: QApplication, seconds: float, saver: Autosaver | None) -> dict[str, float]:
    """Gaps between 1 ms timer ticks over `seconds`, changing the sketch all along: the longest,
    the 99th percentile, and how many exceeded a 60 Hz frame (16 ms)."""
    clock = QElapsedTimer()
    clock.start()
    last = 0
    gaps: list[int] = []
    ticker = QTimer()
    ticker.setInterval(1)

    def tick() -> None:
        nonlocal last
        now = clock.elapsed()
        gaps.append(now - last)
        last = now
        if saver is not None:
            saver.mark_changed()
        if now > seconds * 1000:
            ticker.stop()
            app.quit()

    ticker.timeout.connect(tick)
    ticker.start()
    app.exec()
    return {"max_ms": max(gaps), "p99_ms": percentile(gaps, 99),
            "over_16ms": sum(gap > 16 for gap in gaps)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    document = ClipDocument(big_clip(args.notes))
    settings = {"style": "folk", "bars": 8, "temperature": 1.0, "variations": 4}

    def snapshot() -> Project:
        return Project(document.clip(), dict(settings), loop=(0, 1920), snap=120)

    with tempfile.TemporaryDirectory() as home:
        target = Path(home) / "reference.continuo"
        project = snapshot()
        results = {
            "notes": args.notes,
            "snapshot_ms": median_ms(snapshot, args.repeats),
            "write_ms": median_ms(lambda: save_project(target, project), args.repeats),
            "file_kb": round(target.stat().st_size / 1024, 1),
        }
        idle = stalls(app, args.seconds, None)
        saver = Autosaver(snapshot, Path(home), interval_ms=100)
        writes = []
        saver.saved.connect(writes.append)
        busy = stalls(app, args.seconds, saver)
        saver.discard()
        results.update({
            "stalls_idle": idle,
            "stalls_autosaving": busy,
            "autosaves_during_stall_test": len(writes),
            "snapshot_to_write_ratio": round(results["snapshot_ms"] / results["write_ms"], 3),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        })  # fmt: skip
    print(json.dumps(results))


if __name__ == "__main__":
    main()
