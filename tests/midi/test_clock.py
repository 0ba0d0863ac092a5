"""MIDI clock: the follower's tempo, transport and position from synthetic timestamps (jitter,
tempo changes, Start/Stop/Continue, Song Position Pointer, a vanished clock), and the master
clock's message stream."""

from __future__ import annotations

import random
import time

import mido
import pytest

from studio.midi.clock import (
    PPQN,
    TICKS_PER_PULSE,
    ClockFollower,
    ClockSender,
    PulseLine,
    Timeline,
    first_pulse,
)
from studio.midi.player import MemoryOutput
from studio.midi.timed_input import StampClock

CLOCK, START, STOP, CONTINUE = (mido.Message(t) for t in ("clock", "start", "stop", "continue"))


def pulses(follower: ClockFollower, bpm: float, count: int, t0: float, jitter_s: float = 0.0,
           rng: random.Random | None = None) -> float:
    """Feed `count` pulses at bpm from t0, each arrival late by up to jitter_s; returns the
    ideal time of the next pulse."""
    period = 60.0 / (bpm * PPQN)
    rng = rng or random.Random(1)
    for k in range(count):
        follower.receive(CLOCK, t0 + k * period + rng.uniform(0, jitter_s))
    return t0 + count * period


def test_tempo_from_jittery_pulses_is_far_better_than_one_interval():
    rng = random.Random(7)
    follower = ClockFollower()
    assert follower.bpm is None and follower.timeline(0.0) is None
    period = 60.0 / (100 * PPQN)  # 25 ms
    naive_errors, errors = [], []
    t_prev = None
    for k in range(400):
        t = 10.0 + k * period + rng.uniform(0, 0.006)  # a JACK period of arrival jitter
        follower.receive(CLOCK, t)
        if t_prev is not None:
            naive_errors.append(abs(60.0 / ((t - t_prev) * PPQN) - 100))
        t_prev = t
        if k >= 48:
            errors.append(abs(follower.bpm - 100))
    assert max(errors) < 1.0  # within a BPM at every pulse once the window is full
    assert max(naive_errors) > 10 * max(errors)


def test_a_held_up_burst_of_pulses_does_not_bend_the_tempo():
    follower = ClockFollower(window=48)
    follower.receive(START, 0.0)
    period = 60.0 / (120 * PPQN)
    rng = random.Random(3)
    for k in range(48):
        t = k * period + rng.uniform(0, 0.002)
        if 30 <= k < 36:  # held up for a moment, then handed over all at once
            t = 36 * period + 0.0001 * (k - 30)
        follower.receive(CLOCK, t)
    assert follower.bpm == pytest.approx(120, abs=0.5)
    line = follower.timeline(48 * period)
    assert line.tick == 47 * TICKS_PER_PULSE
    assert abs(line.seconds - 47 * period) < 0.002  # the anchor is where pulse 47 was due


def test_follows_a_tempo_change_within_its_window():
    follower = ClockFollower(window=48)
    follower.receive(START, 0.0)
    t = pulses(follower, 100, 96, 0.0)
    assert follower.bpm == pytest.approx(100, abs=0.01)
    pulses(follower, 140, 48, t)
    assert follower.bpm == pytest.approx(140, abs=0.01)


def test_start_puts_the_first_clock_on_tick_zero_and_counts_from_there():
    follower = ClockFollower()
    pulses(follower, 120, 30, 0.0)  # clock while stopped: tempo known, position still 0
    timeline = follower.timeline(1.0)
    assert timeline is not None and not timeline.playing and timeline.tick == 0
    follower.receive(START, 1.0)
    period = 60.0 / (120 * PPQN)
    pulses(follower, 120, 49, 1.0 + period)
    timeline = follower.timeline(1.0 + 49 * period)
    assert timeline.playing and timeline.bpm == pytest.approx(120)
    assert timeline.tick == 48 * TICKS_PER_PULSE  # the 49th clock after Start is pulse 48
    assert timeline.tick_at(1.0 + period + 72 * period) == pytest.approx(72 * TICKS_PER_PULSE)
    assert timeline.time_of(24 * TICKS_PER_PULSE) == pytest.approx(1.0 + 25 * period)


def test_stop_freezes_and_song_position_then_continue_resumes_there():
    events = []
    follower = ClockFollower(on_transport=events.append)
    follower.receive(START, 0.0)
    t = pulses(follower, 120, 40, 0.0)
    follower.receive(STOP, t)
    t = pulses(follower, 120, 10, t)  # a stopped DAW may keep its clock running
    stopped = follower.timeline(t)
    assert not stopped.playing and stopped.tick == 40 * TICKS_PER_PULSE
    assert stopped.tick_at(t + 5) == stopped.tick
    follower.receive(mido.Message("songpos", pos=32), t)  # bar 3 in 4/4: 32 sixteenths
    assert follower.timeline(t).tick == 32 * 6 * TICKS_PER_PULSE
    follower.receive(CONTINUE, t)
    pulses(follower, 120, 1, t + 0.01)
    assert follower.timeline(t + 0.01).tick == 32 * 6 * TICKS_PER_PULSE
    assert follower.running and events == [True, False, True]


def test_song_position_is_ignored_while_running():
    follower = ClockFollower()
    follower.receive(START, 0.0)
    t = pulses(follower, 120, 10, 0.0)
    follower.receive(mido.Message("songpos", pos=100), t)
    pulses(follower, 120, 1, t)
    assert follower.timeline(t).tick == 10 * TICKS_PER_PULSE


def test_a_silent_clock_counts_as_stopped_and_a_resumed_one_starts_a_fresh_estimate():
    follower = ClockFollower(timeout_s=0.5)
    follower.receive(START, 0.0)
    t = pulses(follower, 90, 60, 0.0)
    assert follower.timeline(t).playing
    late = follower.timeline(t + 1.0)
    assert not late.playing and late.tick == 60 * TICKS_PER_PULSE
    pulses(follower, 150, 10, t + 2.0)  # after the gap, only the new pulses count
    assert follower.bpm == pytest.approx(150)


def test_timeline_maps_both_ways():
    line = Timeline(120.0, 5.0, 960.0)
    assert line.tick_at(5.5) == pytest.approx(1440)
    assert line.time_of(1440) == pytest.approx(5.5)
    assert Timeline(120.0, 5.0, 960.0, playing=False).tick_at(9.0) == 960.0


def test_sender_sends_start_pulses_and_stop_that_a_follower_reads_back():
    out = MemoryOutput()
    sender = ClockSender(out, bpm=300.0)  # 8.3 ms per pulse
    sender.start()
    time.sleep(0.6)
    sender.stop()
    kinds = [m.type for _, m in out.messages]
    assert kinds[0] == "start" and kinds[-1] == "stop" and set(kinds[1:-1]) == {"clock"}
    assert len(kinds) > 48
    follower = ClockFollower(window=48)
    for t, message in out.messages:
        follower.receive(message, t)
    assert follower.bpm == pytest.approx(300, rel=0.1)  # lenient: the machine is shared
    assert not sender.playing and sender.error is None


def test_sender_starts_mid_song_with_a_song_position_and_changes_tempo():
    out = MemoryOutput()
    sender = ClockSender(out, bpm=120.0)
    sender.start(tick=4 * 480 + 100)  # bar 2 and a bit: rounded down to sixteenth 16
    sender.set_tempo(240.0)
    assert sender.timeline().bpm == 240.0
    time.sleep(0.05)
    sender.stop()
    first = [m for _, m in out.messages[:2]]
    assert first[0].type == "songpos" and first[0].pos == 16 and first[1].type == "continue"
    with pytest.raises(ValueError):
        sender.set_tempo(0)
    with pytest.raises(RuntimeError):
        sender.start()
        sender.start()
    sender.stop()


def test_sender_survives_a_vanishing_port():
    out = MemoryOutput(fail_after=5)
    sender = ClockSender(out, bpm=600.0)
    sender.start()
    deadline = time.monotonic() + 5
    while sender.playing and time.monotonic() < deadline:
        time.sleep(0.01)
    sender.stop()
    assert not sender.playing and "stopped working" in sender.error


def test_rtmidi_stamps_give_the_exact_beat_where_late_callbacks_do_not():
    # A clock at 120 BPM read by a busy interpreter: most messages are read up to 15 ms late, a
    # few at once. rtmidi's deltas are exact; the follower fed the stamps placed on perf_counter
    # has the tempo and the beat, the one fed the read times has neither.
    rng = random.Random(11)
    period = 60.0 / (120 * PPQN)
    ideal = [100.0 + k * period for k in range(200)]
    read = [t + (0.00002 if k % 17 == 0 else rng.uniform(0, 0.015)) for k, t in enumerate(ideal)]
    stamps = StampClock()
    stamped, called = ClockFollower(), ClockFollower()
    stamped.receive(START, ideal[0] - period)
    called.receive(START, ideal[0] - period)
    for k, (t, r) in enumerate(zip(ideal, read, strict=True)):
        stamped.receive(CLOCK, stamps.time_of(stamps.add(t - ideal[k - 1] if k else 0.0, r)))
        called.receive(CLOCK, r)
    assert stamped.bpm == pytest.approx(120, abs=1e-6)
    line = stamped.timeline(ideal[-1])
    assert line.tick == 199 * TICKS_PER_PULSE and line.seconds == pytest.approx(ideal[-1], abs=3e-5)
    late = called.timeline(ideal[-1])
    assert abs(late.seconds - ideal[-1]) > 0.002 and abs(called.bpm - 120) > 1e-3


def test_a_pulse_line_keeps_the_pulse_a_tempo_change_starts_on():
    line = PulseLine(120.0, 10.0, 96)  # 20.8 ms a pulse from song pulse 96 at t = 10 s
    assert line.time_of(120) == pytest.approx(10.5)
    assert line.next_pulse(10.5) == 120 and line.next_pulse(10.501) == 121
    assert line.next_pulse(9.0) == 96  # before its start: its own first pulse
    faster = line.retimed(240.0, 120)
    assert faster.time_of(120) == pytest.approx(10.5) and faster.time_of(144) == pytest.approx(10.75)
    assert faster.timeline(True).tick_at(10.75) == pytest.approx(144 * TICKS_PER_PULSE)
    with pytest.raises(ValueError):
        line.retimed(0.5, 120)
    assert first_pulse(4 * 480 + 100) == 96 and first_pulse(119) == 0 and first_pulse(479) == 18
