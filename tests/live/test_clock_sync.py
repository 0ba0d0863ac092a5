"""Through a real JACK server: a clock-source process (tests/clock_source.py, as a DAW) sends MIDI
clock at 100 BPM; Continuo follows it and plays a note on every beat; an independent receiver
hears both, and each note lands on its beat, within a tolerance set by the JACK period."""

from __future__ import annotations

import statistics
import time

import pytest

from studio.core.notes import TICKS_PER_QUARTER, Note
from studio.live.transport import SyncedPlayer
from studio.midi.clock import ClockFollower
from studio.midi.player import Player
from studio.midi.ports import open_input, open_output
from tests.jack_server import wait_until
from tests.live_helpers import ClockSource, beat_times

BPM = 100.0
BEATS = range(4, 12)  # notes on beats 4..11 of the song (beat 0 = the first clock after Start)


@pytest.fixture
def clock_source(jack_server):
    source = ClockSource(jack_server.env, BPM)
    yield source
    source.close()


@pytest.mark.jack
def test_notes_land_on_the_clock_sources_beats(jack_server, receiver, clock_source):
    source_port = clock_source.port
    follower = ClockFollower()
    clock_in = open_input(source_port, lambda m: follower.receive(m, time.perf_counter()), backend="jack")
    out = open_output(receiver.port, backend="jack")
    jack_server.connect(source_port, receiver.port)  # the receiver hears the clock as well
    try:
        clock_source.start()
        # two beats of clock to learn the tempo, then play from wherever the song is
        assert wait_until(lambda: (line := follower.timeline()) is not None and line.playing
                          and line.tick >= 2 * TICKS_PER_QUARTER, 15)
        player = SyncedPlayer(Player(out), follower)
        player.play([Note(b * TICKS_PER_QUARTER, 60 + b, TICKS_PER_QUARTER // 2) for b in BEATS])
        assert player.wait(20) and player.error is None
    finally:
        clock_in.close()
        out.close()
    assert follower.bpm == pytest.approx(BPM, rel=0.02)
    received = receiver.messages()
    beats = beat_times(received)
    beat_at = {b: beats[b] for b in BEATS if b < len(beats)}
    ons = {m.note - 60: t for t, m in received if m.type == "note_on"}
    assert sorted(ons) == list(BEATS)  # every note arrived
    assert len([m for _, m in received if m.type == "note_off"]) == len(BEATS)
    errors = [abs(ons[b] - beat_at[b]) for b in beat_at]
    # Clock and notes both reach the receiver at JACK period boundaries, and the follower's own
    # arrival times carry the same rounding: a correct follower is within a few periods of
    # the beat, where a free-running or wrong-tempo player drifts by whole pulses (25 ms) per beat.
    period_s = jack_server.period_ms / 1000
    assert len(errors) >= len(BEATS) - 1
    assert statistics.median(errors) <= 2 * period_s + 0.005
    assert max(errors) <= 4 * period_s + 0.025
