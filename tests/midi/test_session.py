"""Sessions without a MIDI server: a LocalSession hands out one player that plays one run at a
time, sends live messages beside it and never raises for a lost port; when its port goes the
run stops with every note ended and says where, and the clock holds its pulses until it is back."""

from __future__ import annotations

import time

import mido

from studio.core.notes import Note
from studio.midi.player import MemoryOutput
from studio.midi.session import LocalSession, SilentOutput
from tests.jack_server import wait_until
from tests.streams import hanging, note_ons

FAST = 6000.0  # BPM: a quarter lasts 10 ms



def test_the_session_hands_out_one_player_and_sends_beside_it() -> None:
    out = MemoryOutput()
    session = LocalSession(out)
    assert session.player() is session.player()
    session.player().start([Note(i * 480, 60, 240) for i in range(4)], FAST)
    session.send(mido.Message("note_on", note=72, velocity=100))  # a key played live, beside it
    assert session.player().wait(5)
    assert (0, 72) in note_ons(out.messages)
    session.close()


def test_a_lost_port_stops_the_run_says_where_and_tells_the_owner() -> None:
    out = MemoryOutput()
    session = LocalSession(out)
    lost: list[str] = []
    session.on_port_lost = lost.append
    player = session.player()
    player.start([Note(i * 480, 60 + i % 12, 240) for i in range(200)], 600.0)
    assert wait_until(lambda: len(out.messages) >= 4)
    session._lost("The MIDI output 'x' went away.")  # as the port watcher says it
    assert player.wait(5) and not hanging(out.messages)
    assert lost == ["The MIDI output 'x' went away."] and player.error == lost[0]
    assert player.stopped_at is not None and 0 < player.stopped_at < 200 * 480


def test_a_clock_holds_its_pulses_while_the_port_is_away_and_says_where_once_back() -> None:
    out = MemoryOutput()
    session = LocalSession(out)
    back: list[str] = []
    session.on_port_back = back.append
    clock = session.clock(600.0)  # 4.2 ms a pulse
    clock.start()
    try:
        assert wait_until(lambda: sum(m.type == "clock" for _, m in out.messages) >= 10)
        session._lost("gone")
        time.sleep(0.02)
        held = len(out.messages)
        time.sleep(0.1)
        assert len(out.messages) == held  # no pulse while the port is away
        out.name, out.kind = "synth", "output"  # as a real port names itself
        session._back()
        assert wait_until(lambda: len(out.messages) > held + 5)
        kinds = [m.type for _, m in out.messages[held:]]
        assert kinds[:2] == ["songpos", "continue"]
        assert back == ["The MIDI output 'synth' is back."]
    finally:
        clock.stop()
        session.close()


def test_a_silent_session_goes_nowhere_without_an_error() -> None:
    session = LocalSession(SilentOutput())
    session.send(mido.Message("note_on", note=60))
    session.player().start([Note(0, 60, 10)], FAST)
    assert session.player().wait(5) and session.player().error is None
    assert session.alive
    session.close()
