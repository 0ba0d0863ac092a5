"""Continue-and-play through a real JACK server: the continuation reaches an independent receiver
process in full and in order, the first note no earlier than its slot and within one grid step
(plus the time the model took to produce it) of the request, nothing left hanging."""

from __future__ import annotations

import contextlib

import pytest

from studio.core.notes import TICKS_PER_QUARTER, Clip, Note
from studio.engine.continuation import Settings
from studio.live.stream import LiveContinuation
from studio.live.time_source import FixedTempo
from studio.midi.player import Player
from studio.midi.player_process import ProcessSession
from studio.midi.ports import open_output
from tests.jack_server import wait_until
from tests.live_helpers import open_notes

BPM = 200.0



@pytest.mark.jack
@pytest.mark.parametrize("in_process", [True, False], ids=["player", "process-player"])
def test_streamed_continuation_arrives_in_full_on_its_slot(jack_server, receiver, live_engine, in_process):
    seed = Clip([Note(i * 240, [60, 62, 64, 67][i % 4], 240, 90) for i in range(12)], BPM)
    with contextlib.ExitStack() as stack:
        if in_process:
            player = Player(stack.enter_context(open_output(receiver.port, backend="jack")))
        else:  # the player in a process of its own, out of this one's interpreter lock
            session = ProcessSession(receiver.port, "jack")
            stack.callback(session.close)
            player = session.player()
        live = LiveContinuation(live_engine, seed, Settings(bars=2, seed=11), player, FixedTempo(BPM))
        live.start()
        assert live.wait(30) and live.error is None
    played = sorted(live.played, key=lambda n: n.start)  # stable: the player's order within a tick
    assert played and live.lead_s > 0
    assert wait_until(lambda: sum(m.type == "note_on" for _, m in receiver.messages()) >= len(played))
    assert wait_until(lambda: not open_notes(receiver.messages()))
    received = receiver.messages()
    ons = [(t, m.note) for t, m in received if m.type == "note_on"]
    assert [p for _, p in ons] == [n.pitch for n in played]  # in full and in order
    seconds_per_tick = 60.0 / (BPM * TICKS_PER_QUARTER)
    slot = live.start_time + (played[0].start - live.start_tick) * seconds_per_tick
    beat_s = TICKS_PER_QUARTER * seconds_per_tick
    ready_s = live.first_ready_at - live.requested_at + live.margin_s
    assert ons[0][0] >= slot - 0.001  # never early
    period = jack_server.period_ms / 1000
    assert ons[0][0] - live.requested_at <= beat_s + ready_s + (played[0].start - live.start_tick) * \
        seconds_per_tick + 2 * period + 0.05
