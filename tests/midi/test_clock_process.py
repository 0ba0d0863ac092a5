"""Continuo as clock master from the player's process, through a real JACK server: an independent
receiver hears Start (or Song Position and Continue), the pulses at the tempo set and Stop; the
timeline computed in this process says when each pulse arrives; notes the player puts on beat N
arrive with pulse 24 * N, across a tempo change; and while a thread here holds the interpreter in
bursts, the pulses still leave within a millisecond of their time."""

from __future__ import annotations

import statistics

import mido
import pytest

from studio.core.notes import TICKS_PER_QUARTER, Note
from studio.live.transport import SyncedPlayer
from studio.midi.clock import PPQN, TICKS_PER_PULSE
from studio.midi.player_process import GONE, ProcessClock, ProcessPlayer, clock_master
from studio.midi.ports import PortError
from tests.benchmarks._timing import percentile
from tests.clock_phase import GilBursts
from tests.jack_server import Receiver, wait_until
from tests.live_helpers import open_notes

pytestmark = pytest.mark.jack


def clocks(received: list[tuple[float, mido.Message]]) -> list[float]:
    return [t for t, m in received if m.type == "clock"]


def deviations(times: list[float]) -> tuple[float, list[float]]:
    """(BPM, |time - the least-squares line|) of evenly meant pulse times."""
    line = statistics.linear_regression(range(len(times)), times)
    return 60.0 / (line.slope * PPQN), [abs(t - line.intercept - line.slope * k) for k, t in enumerate(times)]


def test_the_clock_runs_in_the_player_process_at_its_tempo_while_this_interpreter_is_busy(
        jack_server, receiver: Receiver) -> None:
    player = ProcessPlayer(receiver.port)
    try:
        clock = clock_master(player, 300.0)  # 8.3 ms a pulse
        assert isinstance(clock, ProcessClock)
        with GilBursts(burst_s=0.02, gap_s=0.01):
            clock.start()
            assert clock.playing
            assert wait_until(lambda: len(clocks(receiver.messages())) >= 240, 20)
            line = clock.timeline()
            clock.stop()
        assert not clock.playing and clock.error is None
        assert wait_until(lambda: receiver.messages()[-1][1].type == "stop", 5)
    finally:
        player.close()
    got = receiver.messages()
    kinds = [m.type for _, m in got]
    assert kinds[0] == "start" and kinds[-1] == "stop" and set(kinds[1:-1]) == {"clock"}
    pulses = clocks(got)
    bpm, off_line = deviations(pulses)
    assert bpm == pytest.approx(300.0, rel=0.003)
    # The timeline of this process is the child's: pulse k arrives in the JACK cycle after its time.
    period_s = jack_server.period_ms / 1000
    late = [t - line.time_of(k * TICKS_PER_PULSE) for k, t in enumerate(pulses)]
    assert min(late) > -0.0005 and percentile(late, 99) < period_s + 0.002
    assert percentile(off_line, 99) < period_s + 0.001  # no pulse held up a cycle by this interpreter
    # Sent by the child, away from the bursts: a behaviour bound, not a speed measurement.
    assert len(clock.sent_late_s) >= len(pulses) - 1
    assert percentile(clock.sent_late_s, 99) < 0.001


def test_notes_on_beat_n_arrive_with_pulse_24n_from_mid_song_and_across_a_tempo_change(
        jack_server, receiver: Receiver) -> None:
    player = ProcessPlayer(receiver.port)
    beats = range(10, 22)
    try:
        clock = player.clock(240.0)
        clock.start(tick=8 * TICKS_PER_QUARTER + 100)  # beat 8 and a bit: song pulse 192
        synced = SyncedPlayer(player, clock)
        synced.play([Note(b * TICKS_PER_QUARTER, 60 + b, TICKS_PER_QUARTER // 4) for b in beats],
                    lead_in_s=0.05)
        assert wait_until(lambda: sum(m.type == "note_on" for _, m in receiver.messages()) >= 3, 10)
        clock.set_tempo(400.0)
        assert clock.timeline().bpm == 400.0
        assert synced.wait(10) and synced.error is None
        clock.stop()
    finally:
        player.close()
    got = receiver.messages()
    assert got[0][1].type == "songpos" and got[0][1].pos == 32 and got[1][1].type == "continue"
    pulses = clocks(got)  # song pulse 192 + k
    ons = {m.note - 60: t for t, m in got if m.type == "note_on"}
    assert sorted(ons) == list(beats) and not open_notes(got)
    period_s = jack_server.period_ms / 1000
    for beat, t in ons.items():
        pulse = beat * PPQN - 192
        assert abs(t - pulses[pulse]) <= period_s + 0.001, (beat, t - pulses[pulse])
    # and the tempo did change: the last beats are 400 BPM apart
    assert ons[21] - ons[20] == pytest.approx(60 / 400, abs=period_s + 0.002)


def test_a_clock_whose_player_process_dies_says_so(receiver: Receiver) -> None:
    player = ProcessPlayer(receiver.port)
    try:
        clock = player.clock(120.0)
        clock.start()
        assert wait_until(lambda: len(clocks(receiver.messages())) >= 2, 10)
        player._proc.kill()  # as a crash would
        assert wait_until(lambda: not clock.playing, 5)
        assert clock.error == GONE and not clock.timeline().playing
        with pytest.raises(PortError):
            clock.start()
    finally:
        player.close()
