"""Live timing: `python tests/benchmarks/bench_live.py [--events N] [--period FRAMES]`.

Starts its own JACK server (dummy driver, `-R -p 64` at 48 kHz) unless one runs, and sends N MIDI
events (16ths at 120 BPM: a note-on on every 16th, its note-off a 32nd later) through the
real-time player to an independent receiver process, while the engine generates continuations
on a thread (the real model) and a Qt window repaints on a 16 ms timer. Prints one JSON object:
`sender_lateness_ms` (send time minus deadline) and `arrival_ms` (the receiver's timestamp minus
the deadline), each {p50, p99, max}, `lost`, `hanging`, `jack_period_ms`, whether SCHED_FIFO was
granted to the player and to jackd, and `reference`: the same figures, in the same run, for a
naive player that sleeps on Qt timers in the GUI thread.

Both processes stamp time with time.perf_counter, which is CLOCK_MONOTONIC on Linux and so one
clock for every process on the machine; `clock` reports it, and `clock_shared` checks it by
reading a child's clock between two of ours.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import mido  # noqa: E402
from PySide6.QtCore import QRectF, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QColor, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from studio.core.notes import TICKS_PER_QUARTER, Clip, Note, TimeSignature  # noqa: E402
from studio.engine.continuation import Engine, Settings  # noqa: E402
from studio.engine.model import Model, default_model_path  # noqa: E402
from studio.midi.player import Player, RealTimePlayer  # noqa: E402
from studio.midi.player_process import ProcessSession  # noqa: E402
from studio.midi.ports import OutputPort, open_output  # noqa: E402
from tests.benchmarks._timing import summary  # noqa: E402
from tests.jack_server import JackServer, Receiver  # noqa: E402
from tests.live_helpers import BusyThread  # noqa: E402
from tests.streams import hanging  # noqa: E402

SIXTEENTH = TICKS_PER_QUARTER // 4
BPM = 120.0


class BusyWindow(QWidget):
    """A window that repaints a piano-roll-sized grid of notes every 16 ms."""

    def __init__(self) -> None:
        super().__init__()
        self.resize(1200, 700)
        self.frame = 0
        self.timer = QTimer(self, timeout=self.repaint, interval=16)

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt's name)
        self.frame += 1
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(30, 30, 34))
        for i in range(400):
            x = (i * 37 + self.frame * 3) % self.width()
            painter.fillRect(QRectF(x, (i * 13) % self.height(), 30, 8), QColor(120, 180, 255))
        painter.end()


class EngineLoad(BusyThread):
    """Generates 8-bar continuations in 4 variations on a thread, again and again."""

    def __init__(self) -> None:
        super().__init__()
        self.engine = Engine(Model(default_model_path()))
        self.seed = Clip([Note(i * 240, 60 + (i * 7) % 12, 240, 90) for i in range(32)], BPM, TimeSignature())
        self.notes = 0

    def _run(self) -> None:
        round_ = 0
        while not self._stop.is_set():
            settings = Settings(bars=8, variations=4, seed=round_, style="folk")
            cont = self.engine.continuation(self.seed, settings)
            for _ in cont:
                self.notes += 1
                if self._stop.is_set():
                    cont.cancel()
            round_ += 1


def events(count: int) -> tuple[list[Note], list[tuple[int, mido.Message]]]:
    notes = [Note(i * SIXTEENTH, 48 + (i * 5) % 36, SIXTEENTH // 2, 100) for i in range(count // 2)]
    timeline = []
    for n in notes:
        timeline += [(n.start, mido.Message("note_on", note=n.pitch, velocity=n.velocity)),
                     (n.end, mido.Message("note_off", note=n.pitch))]
    return notes, timeline


def arrivals(receiver: Receiver, timeline: list[tuple[int, mido.Message]], deadlines: list[float],
             since: int) -> tuple[list[float], int, int]:
    """(arrival minus deadline per event received, lost, hanging) for messages after `since`."""
    receiver.wait_for(since + len(timeline), 5)
    time.sleep(0.05)  # let the closing all-notes-off arrive too
    got = receiver.messages()[since:]
    notes = [(t, m) for t, m in got if m.type in ("note_on", "note_off")]
    late, matched = [], 0
    for (t, m), (_, sent), deadline in zip(notes, timeline, deadlines, strict=False):
        if m.bytes() != sent.bytes():
            break
        matched += 1
        late.append(t - deadline)
    return late, len(timeline) - matched, sum(hanging(got).values())


def figures(receiver: Receiver, since: int, timeline: list[tuple[int, mido.Message]], sent: list[float],
            deadlines: list[float]) -> dict:
    """The figures of one run, from what the receiver heard after its first `since` messages."""
    late, lost, hang = arrivals(receiver, timeline, deadlines, since)
    return {"sender_lateness_ms": summary(sent, scale=1000), "arrival_ms": summary(late, scale=1000),
            "lost": lost, "hanging": hang}


def run_player(app: QApplication, player: RealTimePlayer, notes: list[Note],
               timeline: list[tuple[int, mido.Message]]) -> tuple[list[float], list[float], bool]:
    """A real player (its own thread, absolute deadlines, SCHED_FIFO where permitted), run while
    the Qt event loop paints; returns (send lateness, deadlines, whether SCHED_FIFO was granted)."""
    player.start(notes, BPM, lead_in_s=0.3)
    poll = QTimer(interval=20, timeout=lambda: None if player.playing else app.quit())
    poll.start()
    app.exec()
    poll.stop()
    player.wait()
    return player.sent_late_s, [player.time_of(tick) for tick, _ in timeline], player.realtime_granted


def run_naive(app: QApplication, port: OutputPort,
              timeline: list[tuple[int, mido.Message]]) -> tuple[list[float], list[float]]:
    """The reference: the GUI thread sleeps on a precise single-shot Qt timer until each event."""
    start = time.perf_counter() + 0.2
    deadlines = [start + tick * 60.0 / (BPM * TICKS_PER_QUARTER) for tick, _ in timeline]
    late: list[float] = []
    timer = QTimer(singleShot=True, timerType=Qt.TimerType.PreciseTimer)

    def arm() -> None:
        timer.start(max(0, round((deadlines[len(late)] - time.perf_counter()) * 1000)))

    def send() -> None:
        port.send(timeline[len(late)][1])
        late.append(time.perf_counter() - deadlines[len(late)])
        if len(late) < len(timeline):
            arm()
            return
        for channel in range(16):
            port.send(mido.Message("control_change", channel=channel, control=123))
        app.quit()

    timer.timeout.connect(send)
    arm()
    app.exec()
    return late, deadlines


def clock_shared() -> bool:
    """A child's perf_counter lies between two readings of ours: one clock for both processes."""
    before = time.perf_counter_ns()
    child = int(subprocess.run([sys.executable, "-c", "import time; print(time.perf_counter_ns())"],
                               capture_output=True, text=True, check=True).stdout)
    return before <= child <= time.perf_counter_ns()


def jack_running() -> bool:
    checked = subprocess.run(["jack_wait", "-c"], capture_output=True, text=True)
    return checked.stdout.strip() == "running"


def jack_period() -> tuple[int, int]:
    size = subprocess.run(["jack_bufsize"], capture_output=True, text=True).stdout.split()[-1]
    rate = subprocess.run(["jack_samplerate"], capture_output=True, text=True).stdout.split()[-1]
    return int(size), int(rate)


def measure(server_env: dict[str, str], events_count: int, period: int, rate: int) -> dict:
    app = QApplication.instance() or QApplication([])
    window = BusyWindow()
    window.show()
    window.timer.start()
    notes, timeline = events(events_count)
    receiver = Receiver(_EnvServer(server_env))
    result: dict = {"events": len(timeline), "jack_period_ms": round(1000 * period / rate, 3),
                    "clock": time.get_clock_info("perf_counter").implementation,
                    "clock_shared": clock_shared()}
    try:
        with EngineLoad() as load:
            session = ProcessSession(receiver.port, realtime=True)
            try:
                sent, deadlines, fifo = run_player(app, session.player(), notes, timeline)
            finally:
                session.close()
            result.update(player="the player in its own process (ProcessSession)", player_sched_fifo=fifo,
                          **figures(receiver, 0, timeline, sent, deadlines))
            with open_output(receiver.port) as port:
                since = len(receiver.messages())
                sent, deadlines, fifo = run_player(app, Player(port, realtime=True), notes, timeline)
                result["in_process"] = {"player": "the player thread in the GUI's process",
                                        "player_sched_fifo": fifo,
                                        **figures(receiver, since, timeline, sent, deadlines)}
                since = len(receiver.messages())
                sent, deadlines = run_naive(app, port, timeline)
                result["reference"] = {"player": "naive: Qt single-shot timers in the GUI thread",
                                       **figures(receiver, since, timeline, sent, deadlines)}
            result["engine_notes_generated"] = load.notes
            result["window_frames"] = window.frame
    finally:
        receiver.close()
        window.timer.stop()
    floor = result["jack_period_ms"] + 1.0
    result["floor"] = {"lost": 0, "hanging": 0, "sender_lateness_p99_ms": 1.0, "arrival_p99_ms": floor,
                       "met": bool(result["lost"] == 0 and result["hanging"] == 0
                                   and result["sender_lateness_ms"]["p99"] < 1.0
                                   and result["arrival_ms"]["p99"] < floor)}
    return result


class _EnvServer:
    """A running server seen through its environment (Receiver needs .env only)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1000, help="MIDI events to send (default 1000)")
    parser.add_argument("--period", type=int, default=64, help="JACK period in frames for our own server")
    args = parser.parse_args()
    if jack_running():
        size, rate = jack_period()
        result = measure(dict(os.environ), args.events, size, rate)
        result["jack_server"] = "already running"
    else:
        server = JackServer(period=args.period, realtime=True, synchronous=False).start()
        try:
            result = measure(server.env, args.events, server.period, server.rate)
        finally:
            log = server.stop()
        result["jack_realtime"] = "cannot use real-time scheduling" not in log.lower()
        result["jack_server"] = f"own: jackd -R -d dummy -r {server.rate} -p {server.period}"
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
