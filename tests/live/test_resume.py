"""The resume policy: a play stopped by a lost output goes on from where it stopped once the
output is back, unless the musician stopped in between; a ResumingPlay does that for a clip
through the play plan (in-memory output, the port's loss and return said as the watcher says them)."""

from __future__ import annotations

import time

from studio.core.notes import Note, TimeSignature
from studio.live.resume import Resume, ResumingPlay
from studio.midi.player import MemoryOutput
from studio.midi.session import LocalSession
from tests.jack_server import wait_until
from tests.streams import hanging, note_ons

FOUR_FOUR = TimeSignature(4, 4)


def test_the_tick_is_handed_out_once_and_a_stop_forgets_it() -> None:
    resume = Resume()
    resume.lost(None)  # nothing was playing
    assert not resume.waiting and resume.back() is None
    resume.lost(960.0)
    assert resume.waiting and resume.where == 960.0
    assert resume.back() == 960.0 and resume.back() is None
    resume.lost(480.0)
    resume.forget()
    assert resume.back() is None



def _session() -> tuple[LocalSession, MemoryOutput]:
    out = MemoryOutput()
    out.name, out.kind = "synth", "output"  # as a real port names itself
    return LocalSession(out), out


def test_a_play_goes_on_from_where_the_output_went_once_it_is_back() -> None:
    session, out = _session()
    said: list[str] = []
    play = ResumingPlay(session, on_message=said.append)
    notes = [Note(i * 120, 48 + i % 24, 100) for i in range(64)]  # 64 sixteenths at 1200 BPM: 0.8 s
    play.play(notes, 1200.0, FOUR_FOUR)
    assert wait_until(lambda: len(note_ons(out.messages)) >= 10)
    session._lost("The MIDI output 'synth' went away.")
    assert wait_until(lambda: play.waiting_for_port) and not play.wait(0)
    heard = len(out.messages)
    session._back()
    assert play.wait(10) and play.error is None
    assert said == ["The MIDI output 'synth' went away.", "The MIDI output 'synth' is back; playing on."]
    before, after = note_ons(out.messages[:heard]), note_ons(out.messages[heard:])
    assert after == [(0, n.pitch) for n in notes][len(notes) - len(after):]  # the rest, in order
    assert len(before) + len(after) >= len(notes) and not hanging(out.messages)


def test_a_stop_while_the_output_is_away_does_not_play_on_when_it_is_back() -> None:
    session, out = _session()
    play = ResumingPlay(session, on_message=lambda _: None)
    play.play([Note(i * 480, 60, 240) for i in range(100)], 600.0, FOUR_FOUR, loop=(0, 1920))
    assert wait_until(lambda: len(note_ons(out.messages)) >= 2)
    session._lost("gone")
    assert wait_until(lambda: play.waiting_for_port)
    play.stop()
    heard = len(out.messages)
    session._back()
    time.sleep(0.1)
    assert play.wait(0) and len(out.messages) == heard and not session.player().playing
