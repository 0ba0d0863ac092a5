"""The player: everything arrives in order, and no note is ever left hanging - on stop, on a
failing producer, on a lost port."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.notes import Note
from studio.midi.player import ALL_NOTES_OFF, MemoryOutput, Player
from tests.streams import hanging

FAST = 6000.0  # BPM: a quarter note lasts 10 ms, so the tests run in real time but quickly


def test_plays_everything_in_order():
    notes = [Note(i * 240, 60 + i % 12, 200, 90, channel=i % 3) for i in range(40)]
    out = MemoryOutput()
    player = Player(out)
    player.start(notes, FAST)
    assert player.wait(5)
    ons = [m for _, m in out.messages if m.type == "note_on"]
    assert [(m.note, m.channel) for m in ons] == [(n.pitch, n.channel) for n in notes]
    times = [t for t, _ in out.messages]
    assert times == sorted(times)
    assert not hanging(out.messages) and player.error is None
    assert {m.channel for _, m in out.messages if m.type == "control_change"} == {0, 1, 2}


def test_tempo_change_moves_later_notes():
    out = MemoryOutput()
    player = Player(out)
    player.start([Note(i * 480, 60, 240) for i in range(8)], 600.0)  # 100 ms per quarter
    time.sleep(0.15)
    player.set_tempo(6000.0)
    assert player.wait(2)
    ons = [t for t, m in out.messages if m.type == "note_on"]
    assert len(ons) == 8
    assert ons[-1] - ons[-2] < (ons[1] - ons[0]) / 3  # 10 ms apart after the change, 100 ms before


def test_streaming_producer_slower_than_playback_is_waited_for():
    def slow():
        for i in range(6):
            time.sleep(0.01)
            yield Note(i * 120, 64, 100)

    out = MemoryOutput()
    player = Player(out)
    player.start(slow(), FAST)
    assert player.wait(5)
    assert len([m for _, m in out.messages if m.type == "note_on"]) == 6
    assert not hanging(out.messages)


def test_lost_port_stops_with_one_sentence():
    finished = []
    out = MemoryOutput(fail_after=5)
    player = Player(out, on_finish=finished.append)
    player.start([Note(i * 120, 60 + i, 100) for i in range(20)], FAST)
    assert player.wait(5)
    assert finished == [player.error]
    assert "MIDI output stopped working" in player.error and "\n" not in player.error


notes_strategy = st.lists(
    st.tuples(st.integers(0, 1920), st.integers(1, 960), st.integers(36, 84), st.integers(0, 3)),
    min_size=1, max_size=25)


@given(notes_strategy, st.one_of(st.none(), st.floats(0, 0.05)), st.one_of(st.none(), st.integers(0, 25)))
@settings(max_examples=40, deadline=None)
def test_no_hanging_note_on_stop_or_producer_error(raw, stop_after, fail_at):
    notes = sorted(Note(s, p, d, 100, c) for s, d, p, c in raw)

    def produce():
        for i, note in enumerate(notes):
            if fail_at is not None and i == fail_at:
                raise RuntimeError("the engine failed")
            yield note

    out = MemoryOutput()
    player = Player(out)
    player.start(produce(), FAST)
    if stop_after is not None:
        time.sleep(stop_after)
        player.stop()
    assert player.wait(5)
    assert not hanging(out.messages)
    used = {m.channel for _, m in out.messages if m.type == "note_on"}
    offs = {m.channel for _, m in out.messages if m.type == "control_change" and m.control == ALL_NOTES_OFF}
    assert used <= offs
    if fail_at is not None and fail_at < len(notes) and stop_after is None:
        assert "could not be produced" in player.error


def test_starts_at_any_position_with_the_note_sounding_there():
    notes = [Note(0, 60, 960), Note(240, 61, 240), Note(480, 62, 240), Note(960, 64, 240)]
    out = MemoryOutput()
    player = Player(out)
    player.start(notes, FAST, start_tick=600)
    assert player.wait(5)
    ons = [(t, m.note) for t, m in out.messages if m.type == "note_on"]
    assert [note for _, note in ons] == [60, 62, 64]  # 61 ended at 480; 60 and 62 still sound at 600
    assert ons[1][0] - ons[0][0] < ons[2][0] - ons[1][0]  # the sounding ones start together
    assert not hanging(out.messages)


def test_realtime_is_asked_for_and_reported():
    player = Player(MemoryOutput(), realtime=True)
    player.start([Note(0, 60, 10)], FAST)
    assert player.wait(5)
    assert player.realtime_granted in (True, False)
    assert Player(MemoryOutput()).realtime_granted is False


def wait_until(condition, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end and not condition():
        time.sleep(0.005)
    return condition()


def test_a_stopped_run_ends_its_notes_before_the_next_run_starts():
    out = MemoryOutput()
    player = Player(out)
    player.start([Note(0, 60, 4800)], FAST)
    assert wait_until(lambda: any(m.type == "note_on" for _, m in out.messages))
    player.stop(timeout=0)  # a GUI thread's stop: the next start waits for its note-offs
    finished: list[str | None] = []
    player.start([Note(0, 64, 10)], FAST, on_finish=finished.append)
    assert player.wait(5) and finished == [None]
    kinds = [(m.type, m.note) for _, m in out.messages if m.type in ("note_on", "note_off")]
    assert kinds.index(("note_off", 60)) < kinds.index(("note_on", 64))


def test_a_lost_output_stops_the_run_and_says_where():
    out = MemoryOutput()
    player = Player(out)
    errors: list[str | None] = []
    player.start([Note(i * 480, 60, 240) for i in range(100)], 600.0, on_finish=errors.append)
    time.sleep(0.25)
    player.lose("The MIDI output 'synth' went away.")
    assert player.wait(5)
    assert errors == ["The MIDI output 'synth' went away."] and player.error == errors[0]
    assert player.stopped_at is not None and 480 <= player.stopped_at < 100 * 480
    assert not hanging(out.messages)
    player.start([Note(0, 60, 10)], FAST)
    assert player.wait(5) and player.stopped_at is None and player.error is None


def test_the_lateness_record_keeps_only_the_latest_sends() -> None:
    from studio.midi.player import LATE_KEPT, late_record

    record = late_record()
    record.extend(float(i) for i in range(LATE_KEPT + 10))
    assert len(record) == LATE_KEPT and record[0] == 10.0
