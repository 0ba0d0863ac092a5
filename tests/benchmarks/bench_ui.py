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

`first_window_s`: median of cold starts of `python -m studio.cli` (offscreen, a fresh app-data
folder) until the window is exposed, with `rss_mb` then; reference: a bare 1600x1000 Qt window
started the same way. `max_stall_ms`: the longest gap of a 1 ms heartbeat timer on the GUI
thread of the real main window while the engine generates 8 variations x 32 bars (ghosts drawn
as they arrive) and the transport loops the seed to a MemoryOutput; reference: the same
heartbeat, playback and drawing without the engine, in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from studio.core.notes import Clip, Note, TimeSignature  # noqa: E402
from studio.ui.document.document import ClipDocument  # noqa: E402
from studio.ui.roll import PianoRoll  # noqa: E402
from studio.ui.roll.index import NoteIndex  # noqa: E402
from studio.ui.style.theme import apply_theme  # noqa: E402
from tests.benchmarks._timing import percentile, summary  # noqa: E402

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
        "repaint_ms_10k_p95": round(percentile(scrolling, 95), 2),
        "repaint_ms_10k_editing": round(editing, 2),
        "repaint_ms_10k_naive": round(naive, 2),
        "repaint_index_speedup": round(naive / editing, 1),
        "repaint_ms_10k_all_visible": round(everything, 2),
        "repaint_notes": len(doc.notes),
    }


# --- the whole window: start-up, memory, event-loop stalls -----------------------------------

ROOT = Path(__file__).resolve().parents[2]


def _start_once(code: list[str], home: Path) -> dict:
    """One cold start of a fresh interpreter; its JSON line plus the seconds to 'shown'."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CONTINUO_EXIT_WHEN_SHOWN": "1",
           "CONTINUO_HOME": str(home)}
    started = time.time()
    done = subprocess.run([sys.executable, *code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    line = json.loads([out for out in done.stdout.splitlines() if out.startswith("{")][-1])
    return {"s": line["shown"] - started, "rss_mb": line["rss_mb"]}


# A bare Qt window started the same way: the floor Continuo's start-up is compared with.
_BARE_WINDOW = """
import json, resource, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1600, 1000)
window.show()
def shown():
    print(json.dumps({"shown": time.time(),
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)
    app.quit()
QTimer.singleShot(0, shown)
app.exec()
"""


@measurement
def first_window_s(args: argparse.Namespace) -> dict[str, float]:
    """`first_window_s`: median of cold starts of `python -m studio.cli` to the window exposed;
    `rss_mb` right then; the same for a bare Qt window as the in-run reference."""
    runs = args.repeats
    with tempfile.TemporaryDirectory() as home:
        app = [_start_once(["-m", "studio.cli"], Path(home)) for _ in range(runs)]
        bare = [_start_once(["-c", _BARE_WINDOW], Path(home)) for _ in range(runs)]
    first = statistics.median(r["s"] for r in app)
    floor = statistics.median(r["s"] for r in bare)
    return {
        "first_window_s": round(first, 3),
        "rss_mb": round(statistics.median(r["rss_mb"] for r in app), 1),
        "start_runs_s": [round(r["s"], 3) for r in app],
        "reference_bare_qt_window_s": round(floor, 3),
        "reference_bare_qt_rss_mb": round(statistics.median(r["rss_mb"] for r in bare), 1),
        "first_window_ratio": round(first / floor, 2),
    }


class _Heartbeat:
    """A 1 ms QTimer on the GUI thread's event loop: the gaps between its beats are the loop's
    stalls. `run` spins a real QEventLoop until `until()` holds or `seconds` pass."""

    def __init__(self) -> None:
        from PySide6.QtCore import QEventLoop, Qt, QTimer

        self.gaps: list[float] = []
        self._loop = QEventLoop()
        self._last = self._end = 0.0
        self._until = None
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._beat)

    def _beat(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self._last) * 1000)
        self._last = now
        if now > self._end or (self._until is not None and self._until()):
            self._loop.quit()

    def run(self, seconds: float = 120.0, until=None) -> list[float]:
        self.gaps, self._until = [], until
        self._last = time.perf_counter()
        self._end = self._last + seconds
        self.timer.start()
        self._loop.exec()
        self.timer.stop()
        return self.gaps


def _gap_summary(gaps: list[float]) -> dict:
    return {**summary(gaps or [0.0], digits=2), "beats": len(gaps)}


@measurement
def max_stall_ms(args: argparse.Namespace) -> dict[str, float]:
    """`max_stall_ms`: the longest gap of the GUI's 1 ms heartbeat in the real main window while
    the engine generates 8 variations x 32 bars (ghosts drawn as they arrive) and the transport
    plays the seed in a loop to a MemoryOutput (playhead following); median over the repeats after
    a first, warm-up continuation (reported on its own).
    Reference: the same heartbeat, playback and drawing for as long without the engine, in the
    same run (what the machine's load alone costs)."""
    from studio.core.project import Project
    from studio.midi.files import read_midi
    from studio.midi.player import MemoryOutput
    from studio.midi.session import LocalSession
    from studio.ui.app.main_window import MainWindow
    from studio.ui.app.settings import AppSettings
    from studio.ui.connections.midi_io import NO_PORT, MidiIO
    from studio.ui.playback.transport import Transport

    repeats = max(3, args.repeats)
    with tempfile.TemporaryDirectory() as home:
        os.environ["CONTINUO_HOME"] = home
        midi = MidiIO()
        midi.choose_output(NO_PORT)
        window = MainWindow(AppSettings(), midi=midi)
        window.resize(1600, 1000)
        window.show()
        heartbeat = _Heartbeat()
        heartbeat.run(until=lambda: window.engine.ready)
        seed = read_midi(ROOT / "resources" / "demo_seed.mid")
        window.restore(Project(clip=seed, continuation={"bars": 32, "variations": 8, "seed": 3}))
        output = MemoryOutput()
        session = LocalSession(output)
        transport = Transport(lambda: session)
        transport.position_changed.connect(lambda tick: window.roll.set_playhead(tick if tick >= 0 else None))
        transport.sounding.connect(window.playback.show_sounding)  # and the keyboard lights what plays
        def generate() -> tuple[dict, float]:
            started = time.perf_counter()
            window.flow.escape()
            window.flow.continue_()
            gaps = _gap_summary(heartbeat.run(until=lambda: not window.flow.running))
            return gaps, time.perf_counter() - started

        transport.play(seed.notes, seed.tempo, seed.time_signature, loop=(0, seed.end))
        first, _ = generate()  # the session's first continuation pays one-time costs (caches)
        busy, idle, seconds = [], [], []
        for _ in range(repeats):
            # the reference: playing and drawing (the last variations as ghosts), no engine
            idle.append(_gap_summary(heartbeat.run(seconds=seconds[-1] if seconds else 1.0)))
            gaps, took = generate()
            busy.append(gaps)
            seconds.append(took)
        transport.stop()
        sent = len(output.messages)
        window.shutdown()
        window.document.undo_stack.setClean()
        window.close()
    return {
        "max_stall_ms": statistics.median(b["max"] for b in busy),
        "stall_p99_ms": statistics.median(b["p99"] for b in busy),
        "stall_runs": busy,
        "first_run_max_stall_ms": first["max"],
        "generate_8x32_s": round(statistics.median(seconds), 3),
        "midi_messages_sent": sent,
        "reference_no_engine_max_stall_ms": statistics.median(i["max"] for i in idle),
        "reference_no_engine_p99_ms": statistics.median(i["p99"] for i in idle),
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
