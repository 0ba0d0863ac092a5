"""Transport: real Player threads playing to an in-memory output; the timeline's maths."""

from __future__ import annotations

from collections import Counter

import pytest

from studio.core.notes import DRUM_CHANNEL, Note, TimeSignature
from studio.midi.player import MemoryOutput
from studio.ui.transport import CLICK_ACCENT, CLICK_BEAT, Timeline, Transport, timeline_notes

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


def _notes(count: int, step: int = 240) -> list[Note]:
    return [Note(i * step, 60 + i % 12, step, 90) for i in range(count)]


def test_play_to_the_end_sends_every_note_balanced(qtbot) -> None:
    output = MemoryOutput()
    transport = Transport(lambda: output)
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
    transport = Transport(lambda: output)
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
    transport = Transport(lambda: output)
    transport.panic()
    offs = {m.channel for _, m in output.messages if m.type == "control_change" and m.control == 123}
    assert offs == set(range(16))


def test_count_in_is_one_bar_of_clicks_before_the_notes() -> None:
    timeline = Timeline(start=960, end=1920, count_in=FOUR_FOUR.bar_ticks)
    stream = list(timeline_notes([Note(960, 60, 480), Note(0, 50, 480)], timeline, FOUR_FOUR, clicks=False))
    clicks = [n for n in stream if n.channel == DRUM_CHANNEL]
    assert [n.start for n in clicks] == [0, 480, 960, 1440]
    assert [n.pitch for n in clicks] == [CLICK_ACCENT, CLICK_BEAT, CLICK_BEAT, CLICK_BEAT]
    assert [(n.start, n.pitch) for n in stream if n.channel != DRUM_CHANNEL] == [(1920, 60)]
    assert timeline.clip_tick(0) == 960 and timeline.clip_tick(1920 + 100) == 1060


def test_loop_passes_cut_notes_at_the_loop_end_and_wrap_the_playhead() -> None:
    timeline = Timeline(start=480, end=0, loop=(0, 960))
    notes = [Note(0, 60, 480), Note(480, 62, 960)]
    stream = timeline_notes(notes, timeline, FOUR_FOUR, clicks=False)
    first = [next(stream) for _ in range(5)]
    assert [(n.start, n.pitch, n.duration) for n in first] == [
        (0, 62, 480), (480, 60, 480), (960, 62, 480), (1440, 60, 480), (1920, 62, 480)]
    assert timeline.clip_tick(479) == 959 and timeline.clip_tick(480) == 0


def test_a_play_outside_the_loop_starts_at_the_loop(qtbot) -> None:
    output = MemoryOutput()
    transport = Transport(lambda: output)
    transport.play(_notes(8), FAST, FOUR_FOUR, start=1920, loop=(0, 960))
    assert transport.timeline is not None and transport.timeline.start == 0
    transport.stop()


@pytest.mark.parametrize("fail_after", [0, 3])
def test_a_vanished_port_stops_playback_with_one_sentence(qtbot, fail_after: int) -> None:
    output = MemoryOutput(fail_after=fail_after)
    transport = Transport(lambda: output)
    with qtbot.waitSignal(transport.error, timeout=5000) as error:
        transport.play(_notes(8), FAST, FOUR_FOUR)
    assert error.args[0].endswith(".") and "\n" not in error.args[0]
    qtbot.waitUntil(lambda: not transport.playing, timeout=5000)
