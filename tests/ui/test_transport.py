"""Transport: the session's real Player thread playing to an in-memory output."""

from __future__ import annotations

from collections import Counter

import pytest

from studio.core.notes import DRUM_CHANNEL, Note, TimeSignature
from studio.live.play_plan import CLICK_ACCENT, CLICK_BEAT
from studio.midi.player import MemoryOutput
from studio.midi.session import LocalSession, Session
from studio.ui.playback.transport import Transport

FAST = 960.0  # BPM: a quarter lasts 62.5 ms, so a bar plays in a quarter of a second
FOUR_FOUR = TimeSignature(4, 4)


def _balanced(output: MemoryOutput) -> Counter:
    """Note-ons minus note-offs per (channel, pitch): empty when every note was ended."""
    held: Counter = Counter()
    for _, message in output.messages:
        if message.type == "note_on" and message.velocity > 0:
            held[(message.channel, message.note)] += 1
        elif message.type == "note_off" or message.type == "note_on":
            held[(message.channel, message.note)] -= 1
    return +held


def on(output: MemoryOutput):
    """The transport's `session` argument for a session of its own on output."""
    session: Session = LocalSession(output)
    return lambda: session


def _notes(count: int, step: int = 240) -> list[Note]:
    return [Note(i * step, 60 + i % 12, step, 90) for i in range(count)]


def test_play_to_the_end_sends_every_note_balanced(qtbot) -> None:
    output = MemoryOutput()
    transport = Transport(on(output))
    heard: list[tuple[int, int]] = []
    transport.sounding.connect(lambda pitch, velocity: heard.append((pitch, velocity)))
    with qtbot.waitSignal(transport.playing_changed, timeout=5000, check_params_cb=lambda p: not p):
        transport.play(_notes(8), FAST, FOUR_FOUR, clicks=True)
    ons = [m for _, m in output.messages if m.type == "note_on" and m.channel != DRUM_CHANNEL]
    assert [m.note for m in ons] == [n.pitch for n in _notes(8)]
    assert not _balanced(output)
    assert not transport.playing and transport.position() is None
    qtbot.waitUntil(lambda: len(heard) == 16, timeout=5000)  # what the keyboard lights: no clicks
    assert [p for p, v in heard if v] == [n.pitch for n in _notes(8)]
    assert sorted(p for p, v in heard if not v) == sorted(n.pitch for n in _notes(8))


def test_stop_mid_loop_ends_every_note_and_clicks_on_channel_10(qtbot) -> None:
    output = MemoryOutput()
    transport = Transport(on(output))
    positions: list[int] = []
    transport.position_changed.connect(positions.append)
    long_notes = [Note(0, 64, 1800), Note(960, 67, 960)]
    transport.play(long_notes, FAST, FOUR_FOUR, loop=(0, 1920), clicks=True)
    qtbot.waitUntil(lambda: max(positions, default=0) > 0 and positions[-1] < max(positions), timeout=5000)
    transport.stop()
    qtbot.waitUntil(lambda: any(m.type == "control_change" for _, m in output.messages), timeout=5000)
    assert not _balanced(output)
    clicks = [m for _, m in output.messages if m.type == "note_on" and m.channel == DRUM_CHANNEL]
    assert {m.note for m in clicks} <= {CLICK_ACCENT, CLICK_BEAT} and clicks[0].note == CLICK_ACCENT
    assert all(0 <= p < 1920 for p in positions if p >= 0)  # the playhead wrapped round the loop


def test_panic_silences_all_sixteen_channels(qtbot) -> None:
    output = MemoryOutput()
    transport = Transport(on(output))
    transport.panic()
    offs = {m.channel for _, m in output.messages if m.type == "control_change" and m.control == 123}
    assert offs == set(range(16))


def test_a_play_outside_the_loop_starts_at_the_loop(qtbot) -> None:
    output = MemoryOutput()
    transport = Transport(on(output))
    transport.play(_notes(8), FAST, FOUR_FOUR, start=1920, loop=(0, 960))
    assert transport.plan is not None and transport.plan.start == 0
    transport.stop()


@pytest.mark.parametrize("fail_after", [0, 3])
def test_a_vanished_port_stops_playback_with_one_sentence(qtbot, fail_after: int) -> None:
    output = MemoryOutput(fail_after=fail_after)
    transport = Transport(on(output))
    with qtbot.waitSignal(transport.error, timeout=5000) as error:
        transport.play(_notes(8), FAST, FOUR_FOUR)
    assert error.args[0].endswith(".") and "\n" not in error.args[0]
    qtbot.waitUntil(lambda: not transport.playing, timeout=5000)
