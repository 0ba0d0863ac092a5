"""The clock the window sends as master, without a MIDI server: stopping it from the GUI thread
never waits for the player's process (its Stop is sent, its confirmation comes when it comes),
and a clock moved to another output says Stop on the old one, Song Position and Continue on the
new one, and keeps one unbroken timeline for what plays on it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from studio.core.notes import Clip, Note, TimeSignature
from studio.midi.clock import PULSES_PER_SPP, TICKS_PER_PULSE
from studio.midi.player import MemoryOutput
from studio.midi.player_process import ProcessClock
from studio.midi.session import LocalSession
from studio.ui.connections.clock_out import ClockOut
from tests.jack_server import wait_until


class SlowChild:
    """The pipe to the player's process as a ProcessClock sees it, one that takes every command
    and is slow to confirm a Stop (it has not, by the end of the test)."""

    alive = True

    def __init__(self) -> None:
        self._clock_runs = 0
        self.commands: list[str] = []

    def send(self, message: tuple, unless: threading.Event | None = None) -> None:
        self.commands.append(message[0])

    def next_clock_run(self) -> int:
        self._clock_runs += 1
        return self._clock_runs


class WatchedEvent(threading.Event):
    """An Event that notes which thread waits on it."""

    def __init__(self) -> None:
        super().__init__()
        self.waiters: list[threading.Thread] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waiters.append(threading.current_thread())
        return super().wait(timeout)


@pytest.fixture
def slow_window(qtbot, app_home, dialogs, monkeypatch) -> Iterator:
    """The window (no output, engine left loading) whose clock master is a ProcessClock on a
    SlowChild; `window.clocks` lists the clocks made."""
    from studio.ui.app.main_window import MainWindow
    from studio.ui.app.settings import AppSettings
    from studio.ui.connections.midi_io import NO_PORT, MidiIO

    child, clocks = SlowChild(), []

    def master(bpm: float = 120.0) -> ProcessClock:
        clocks.append(ProcessClock(child, bpm))
        clocks[-1]._stopped = WatchedEvent()
        return clocks[-1]

    midi = MidiIO()
    midi.choose_output(NO_PORT)
    monkeypatch.setattr(midi.session(), "clock", master)  # the silent session's clock, in "its process"
    window = MainWindow(AppSettings(), midi=midi)
    window.show()
    qtbot.waitExposed(window)
    window.document.load(Clip([Note(i * 480, 60 + i, 400, 90) for i in range(8)], 120.0, TimeSignature(4, 4),
                              None))
    window.child, window.clocks = child, clocks
    yield window
    window.document.undo_stack.setClean()
    window.close()


def test_stopping_playback_sends_the_clocks_stop_without_waiting_for_the_player_process(slow_window) -> None:
    window = slow_window
    window.sync.set_send_clock(True)
    window.playback.play(from_tick=0)
    assert window.transport.playing and len(window.clocks) == 1
    clock = window.clocks[0]
    assert clock.playing
    window.playback.stop()  # Space
    assert window.child.commands == ["clock_start", "clock_stop"]  # the Stop is on its way to the DAW
    assert clock._stopped.waiters == []  # and nobody waited for the child to confirm it
    assert not clock.playing and window.sync.sender is None
    clock.ended(clock._run, None, [0.0002])  # the confirmation, when it comes, is taken in
    assert clock.sent_late_s == [0.0002] and clock.error is None


def test_a_late_confirmation_of_an_earlier_run_does_not_end_the_next_one(slow_window) -> None:
    window = slow_window
    window.sync.set_send_clock(True)
    window.playback.play(from_tick=0)
    first = window.clocks[0]
    window.playback.play(from_tick=960)  # play again from elsewhere: Stop, then a new clock
    second = window.clocks[1]
    first.ended(first._run, None, [])  # the first run's Stop confirmed, after the second began
    assert second.playing
    window.transport_bar.tempo.setValue(150)  # the tempo box: the clip's tempo, and the clock's
    assert window.child.commands[-1] == "clock_tempo"  # a tempo change still reaches the child
    window.playback.stop()


def _kinds(output: MemoryOutput) -> list[str]:
    return [m.type for _, m in output.messages]


def test_a_clock_moved_to_another_output_stops_there_and_continues_here_on_one_timeline() -> None:
    old, new = MemoryOutput(), MemoryOutput()
    clock = ClockOut(LocalSession(old), 600.0)  # 4.2 ms a pulse
    try:
        assert wait_until(lambda: _kinds(old).count("clock") >= 30, 5)
        before = clock.timeline()
        clock.leave()  # the window's output is going
        assert _kinds(old)[-1] == "stop"
        assert clock.playing and clock.sender is None  # the song goes on without pulses
        clock.join(LocalSession(new))  # another output is open
        assert wait_until(lambda: _kinds(new).count("clock") >= 30, 5)
        after = clock.timeline()
    finally:
        clock.stop()
    kinds = _kinds(old)
    assert kinds[0] == "start" and kinds[-1] == "stop" and set(kinds[1:-1]) == {"clock"}
    got = new.messages
    assert [m.type for _, m in got[:2]] == ["songpos", "continue"] and _kinds(new)[-1] == "stop"
    pulse = got[0][1].pos * PULSES_PER_SPP  # a sixteenth after the last pulse the old output had
    assert kinds.count("clock") <= pulse < kinds.count("clock") + 2 * PULSES_PER_SPP
    assert (after.bpm, after.seconds, after.tick) == (before.bpm, before.seconds, before.tick)  # unbroken
    first = next(t for t, m in got if m.type == "clock")  # and the first pulse there is on it
    assert first - before.time_of(pulse * TICKS_PER_PULSE) == pytest.approx(0.0, abs=0.004)
