"""The play plan: count-in, passes and loops as a stream of notes, and that stream played by a
real Player (in-memory output): in order, the region repeated and cut at its edges, no note left
hanging when a loop is stopped."""

from __future__ import annotations

import itertools
import threading
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.notes import DRUM_CHANNEL, Note, TimeSignature
from studio.live.play_plan import CLICK_ACCENT, CLICK_BEAT, PlayPlan, make_plan, paced, plan_notes
from studio.midi.player import MemoryOutput, Player
from tests.jack_server import wait_until
from tests.streams import hanging

FAST = 6000.0  # BPM: a quarter note lasts 10 ms
FOUR_FOUR = TimeSignature(4, 4)


def test_count_in_is_one_bar_of_clicks_before_the_notes() -> None:
    plan = PlayPlan(start=960, end=1920, count_in=FOUR_FOUR.bar_ticks)
    stream = list(plan_notes([Note(960, 60, 480), Note(0, 50, 480)], plan, FOUR_FOUR, clicks=False))
    clicks = [n for n in stream if n.channel == DRUM_CHANNEL]
    assert [n.start for n in clicks] == [0, 480, 960, 1440]
    assert [n.pitch for n in clicks] == [CLICK_ACCENT, CLICK_BEAT, CLICK_BEAT, CLICK_BEAT]
    assert [(n.start, n.pitch) for n in stream if n.channel != DRUM_CHANNEL] == [(1920, 60)]
    assert plan.clip_tick(0) == 960 and plan.clip_tick(1920 + 100) == 1060


def test_loop_passes_cut_notes_at_the_loop_end_and_wrap_the_playhead() -> None:
    plan = PlayPlan(start=480, end=0, loop=(0, 960))
    notes = [Note(0, 60, 480), Note(480, 62, 960)]
    stream = plan_notes(notes, plan, FOUR_FOUR, clicks=False)
    first = [next(stream) for _ in range(5)]
    assert [(n.start, n.pitch, n.duration) for n in first] == [
        (0, 62, 480), (480, 60, 480), (960, 62, 480), (1440, 60, 480), (1920, 62, 480)]
    assert plan.clip_tick(479) == 959 and plan.clip_tick(480) == 0


def test_a_loop_region_is_looped_from_before_it() -> None:
    notes = [Note(i * 240, 60 + i, 240) for i in range(8)]
    stream = plan_notes(notes, PlayPlan(start=240, end=0, loop=(960, 1440)), FOUR_FOUR, clicks=False)
    assert [n.pitch for n in itertools.islice(stream, 9)] == [61, 62, 63, 64, 65, 64, 65, 64, 65]
    plan = PlayPlan(start=0, end=0, loop=(960, 1440))
    assert plan.clip_tick(1500) == 1020 and plan.clip_tick(900) == 900


def test_make_plan_keeps_a_play_inside_its_loop_and_a_metronome_to_the_bar() -> None:
    notes = [Note(0, 60, 300)]
    assert make_plan(notes, FOUR_FOUR, 1920, loop=(0, 960)).start == 0
    assert make_plan(notes, FOUR_FOUR, 0, loop=(960, 960)).loop is None  # an empty region loops nothing
    assert make_plan(notes, FOUR_FOUR, 0).end == 300
    assert make_plan(notes, FOUR_FOUR, 0, clicks=True).end == FOUR_FOUR.bar_ticks
    assert make_plan(notes, FOUR_FOUR, 0, count_in=True).count_in == FOUR_FOUR.bar_ticks



def test_a_player_repeats_the_region_cut_at_its_edges() -> None:
    notes = [Note(0, 60, 240), Note(480, 62, 720), Note(1920, 70, 240)]  # 62 crosses the loop end
    out = MemoryOutput()
    player = Player(out)
    plan = make_plan(notes, FOUR_FOUR, 0, loop=(0, 960))
    halt = threading.Event()
    player.start(plan_notes(notes, plan, FOUR_FOUR, False, paced(player, halt)), FAST)
    assert wait_until(lambda: len([m for _, m in out.messages if m.type == "note_on"]) >= 7)
    halt.set()
    player.stop()
    ons = [m.note for _, m in out.messages if m.type == "note_on"]
    assert ons[:6] == [60, 62] * 3 and 70 not in ons
    assert not hanging(out.messages)
    assert 0 <= plan.clip_tick(player.position()) < 960


notes_strategy = st.lists(
    st.tuples(st.integers(0, 3000), st.integers(1, 900), st.integers(40, 90), st.integers(0, 3)),
    min_size=1, max_size=30)


@given(notes_strategy, st.integers(1, 4), st.floats(0, 0.08), st.integers(0, 3))
@settings(max_examples=25, deadline=None)
def test_no_hanging_note_when_a_loop_is_stopped(raw, bars, stop_after, start_beat):
    notes = sorted(Note(s, p, d, 100, c) for s, d, p, c in raw)
    out = MemoryOutput()
    player = Player(out)
    plan = make_plan(notes, FOUR_FOUR, start_beat * 480, loop=(0, bars * 1920))
    halt = threading.Event()
    player.start(plan_notes(notes, plan, FOUR_FOUR, False, paced(player, halt)), FAST)
    time.sleep(stop_after)
    halt.set()
    player.stop()
    assert player.wait(5)
    assert not hanging(out.messages)
    ons = [(m.channel, m.note) for _, m in out.messages if m.type == "note_on"]
    stream = itertools.islice(plan_notes(notes, plan, FOUR_FOUR, False), len(ons))
    assert ons == [(n.channel, n.pitch) for n in stream]  # the plan's stream, in order
