"""Continue-and-play with the real model: the launch lands on the grid line the first note can
make, bar-quantized launches keep the bar, every generated note is played, generation stays
ahead of playback, and stopping mid-way leaves nothing hanging."""

from __future__ import annotations

import time

import pytest

from studio.core.notes import TICKS_PER_QUARTER, Clip, Note
from studio.engine.continuation import SeedError, Settings
from studio.live.stream import LiveContinuation
from studio.live.time_source import FixedTempo, LiveError, grid_ticks, launch_shift
from studio.midi.player import MemoryOutput, Player
from tests.jack_server import wait_until
from tests.live_helpers import open_notes

MELODY = [60, 62, 64, 65, 67, 65, 64, 62]


def seed_clip(bpm: float = 240.0) -> Clip:
    return Clip([Note(i * 240, MELODY[i % 8], 240, 90) for i in range(14)], bpm)  # ends mid-bar


def note_ons(out: MemoryOutput) -> list[tuple[float, int]]:
    return [(t, m.note) for t, m in out.messages if m.type == "note_on" and m.velocity > 0]


def test_launch_shift_moves_by_whole_grid_steps():
    assert launch_shift(1920, 100.0, 480) == -1440  # back to the first beat after tick 100
    assert launch_shift(1920, 1920.0, 480) == 0
    assert launch_shift(480, 2000.0, 1920) == 1920  # bar steps keep the place in the bar
    with pytest.raises(LiveError):
        grid_ticks("half", seed_clip().time_signature)


@pytest.mark.parametrize("grid", ["16th", "beat", "bar"])
def test_first_note_is_on_the_first_grid_line_it_can_make(live_engine, grid):
    out = MemoryOutput()
    transport = FixedTempo(240.0)
    live = LiveContinuation(live_engine, seed_clip(), Settings(bars=1, seed=3, temperature=0), Player(out),
                            transport, grid=grid, margin_s=0.03)
    live.start()
    assert live.wait(20) and live.error is None
    step = grid_ticks(grid, seed_clip().time_signature)
    step_s = step * 60 / (240.0 * TICKS_PER_QUARTER)
    line = transport.timeline()
    ready = line.tick_at(live.first_ready_at + live.margin_s)
    # the start is a grid line of the seed's bars, the first one after "ready": no earlier, no later
    assert (live.start_tick - live.continuation.start_tick) % step == 0
    assert ready <= live.start_tick < ready + step
    assert live.start_time - max(live.requested_at, live.first_ready_at + live.margin_s) <= step_s
    assert live.lead_s is not None and live.lead_s > 0  # every note was ready before its time
    played = live.played
    assert played and min(n.start for n in played) >= live.start_tick
    assert [p for _, p in note_ons(out)] == [n.pitch for n in sorted(played, key=lambda n: n.start)]
    assert not open_notes(out.messages)


def test_plays_exactly_the_chosen_variation(live_engine):
    out = MemoryOutput()
    settings = Settings(bars=1, seed=5, variations=3)
    live = LiveContinuation(live_engine, seed_clip(), settings, Player(out), FixedTempo(300.0), variation=2)
    live.start()
    assert live.wait(20)
    shift = live.start_tick - live.continuation.start_tick
    assert live.played == [n.moved(start=n.start + shift) for n in live.continuation.notes[2]]
    with pytest.raises(LiveError):
        LiveContinuation(live_engine, seed_clip(), settings, Player(out), FixedTempo(120.0), variation=3)


def test_not_before_and_origin_place_the_launch(live_engine):
    out = MemoryOutput()
    transport = FixedTempo(240.0)
    live = LiveContinuation(live_engine, seed_clip(), Settings(bars=1, seed=1), Player(out), transport,
                            grid="bar", origin=1920 * 2, not_before=1920 * 4 + 10)
    live.start()
    assert live.wait(20)
    # the seed ends on beat 4 of its bar 2, so the continuation starts there: transport tick
    # 3840 + 3360 = 7200, too early, so one bar later, still on beat 4
    assert live.continuation.start_tick == 1920 + 1440
    assert live.start_tick == 1920 * 4 + 1440
    assert not open_notes(out.messages)


def test_stop_midway_cancels_generation_and_silences(live_engine):
    out = MemoryOutput()
    live = LiveContinuation(live_engine, seed_clip(60.0), Settings(bars=8, seed=2), Player(out),
                            FixedTempo(60.0), grid="16th")
    live.start()
    deadline = time.monotonic() + 20
    while not note_ons(out) and time.monotonic() < deadline:
        time.sleep(0.01)
    live.stop()
    assert not live.playing and live.continuation.cancelled
    assert note_ons(out) and not open_notes(out.messages)
    assert any(m.type == "control_change" and m.control == 123 for _, m in out.messages)


def test_a_seed_that_cannot_be_continued_is_one_sentence(live_engine):
    with pytest.raises(SeedError, match="no notes"):
        LiveContinuation(live_engine, Clip([Note(0, 36, 240, channel=9)]), Settings(), Player(MemoryOutput()),
                         FixedTempo(120.0))
    with pytest.raises(LiveError, match="tempo"):
        FixedTempo(1000.0)


def test_resume_plays_the_rest_from_where_it_stopped_whole_beats_later(live_engine):
    out = MemoryOutput()
    player = Player(out)
    transport = FixedTempo(300.0)
    live = LiveContinuation(live_engine, seed_clip(), Settings(bars=4, seed=7, temperature=0.5), player,
                            transport)
    live.start()
    assert wait_until(lambda: len(note_ons(out)) >= 6)
    player.stop()  # as when the output goes away: the player stops, generation does not
    stopped_at = player.position()
    heard_before = [p for _, p in note_ons(out)]
    assert not open_notes(out.messages) and not live.continuation.cancelled
    asked = transport.timeline().tick_at(time.perf_counter())
    rest_from = live.resume(stopped_at)
    assert live.wait(20) and live.error is None
    beat = seed_clip().time_signature.beat_ticks
    assert (rest_from - int(stopped_at)) % beat == 0 and rest_from >= asked
    notes = sorted(live.continuation.notes[0], key=lambda n: n.start)
    cut = int(stopped_at) - live.start_tick + live.continuation.start_tick  # in the continuation's ticks
    rest = [n.pitch for n in notes if n.end > cut]
    placed = sorted(n.start for n in live.played if n.end > int(stopped_at))
    assert placed == [max(n.start, cut) - cut + rest_from for n in notes if n.end > cut]
    heard = [p for _, p in note_ons(out)]
    assert heard[len(heard_before):] == rest  # the rest, in order, once
    assert heard_before == [n.pitch for n in notes][:len(heard_before)]
    assert len(heard_before) + len(rest) - len(notes) in (0, 1)  # a note sounding at the stop plays on
    assert len(live.played) == len(notes) and not open_notes(out.messages)
    assert live.lead_s is not None and live.lead_s > 0
