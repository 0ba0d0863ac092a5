"""Where play starts, in the real window: a play that reaches its end comes back to the start
(or the loop's), so Space plays again; the counter and the playhead show where play will start
whenever it is stopped; the view pages along with the playhead, and an audition leaves the
cursor and the view where they were."""

from __future__ import annotations

from studio.core.notes import Clip, Note, TimeSignature
from studio.core.project import Project
from studio.ui.playback.transport_bar import position_text

BPM = 480.0  # a bar is half a second
BAR = 1920


def _sketch(window, bars: int = 1) -> None:
    notes = [Note(i * 480, 60 + i % 5, 480) for i in range(4 * bars)]
    window.restore(Project(clip=Clip(notes, BPM, TimeSignature(4, 4), None)))


def _played_to_the_end(qtbot, window) -> None:
    window.actions.play.trigger()
    assert window.transport.playing
    qtbot.waitUntil(lambda: not window.transport.playing, timeout=10000)


def test_a_play_that_reaches_the_end_comes_back_to_the_start(qtbot, window) -> None:
    _sketch(window)
    _played_to_the_end(qtbot, window)
    assert window.playback.cursor == 0 and window.transport_bar.position.text() == "1.1.1"
    assert window.roll.state.playhead == 0
    window.actions.play.trigger()  # Space plays again, from the start: the playhead moves
    qtbot.waitUntil(lambda: (window.roll.state.playhead or 0) > 0, timeout=5000)
    window.actions.play.trigger()


def test_with_a_loop_region_set_the_end_comes_back_to_the_loops_start(qtbot, window) -> None:
    _sketch(window, bars=2)
    window.roll.set_loop(BAR, 2 * BAR)  # set in the ruler, but Loop is off
    window.playback.cursor = BAR
    _played_to_the_end(qtbot, window)
    assert window.playback.cursor == BAR and window.transport_bar.position.text() == "2.1.1"


def test_stopped_mid_play_the_counter_and_playhead_show_where_play_goes_on(qtbot, window) -> None:
    _sketch(window, bars=8)
    window.actions.play.trigger()
    qtbot.waitUntil(lambda: (window.roll.state.playhead or 0) > BAR, timeout=10000)
    window.actions.play.trigger()
    cursor = window.playback.cursor
    assert not window.transport.playing and cursor > BAR
    assert window.roll.state.playhead == cursor
    assert window.transport_bar.position.text() == position_text(cursor, TimeSignature(4, 4)) != "1.1.1"


def test_the_view_follows_the_playhead_and_comes_back_after_an_audition(qtbot, window) -> None:
    _sketch(window, bars=2)
    view = window.roll.state.viewport
    view.scroll_to(left=0)
    far = 12 * BAR  # out of sight at the default zoom
    assert view.visible_ticks()[1] < far
    window.playback.audition([Note(far, 72, 480), Note(far + 480, 74, 480)])
    qtbot.waitUntil(lambda: view.left > BAR, timeout=5000)  # the view pages to the playhead
    assert view.visible_ticks()[0] <= window.roll.state.playhead <= view.visible_ticks()[1]
    qtbot.waitUntil(lambda: not window.transport.playing, timeout=10000)
    assert view.left == 0 and window.playback.cursor == 0  # back where the musician was
    assert window.transport_bar.position.text() == "1.1.1" and window.roll.state.playhead == 0
    _played_to_the_end(qtbot, window)  # and Space still plays the sketch
    assert window.playback.cursor == 0


def test_a_restored_sketch_shows_the_counter_at_its_start(qtbot, window) -> None:
    window.playback.cursor = 4 * 1920
    window.playback.show_cursor()
    assert window.transport_bar.position.text() == "5.1.1"
    window.restore(Project(clip=Clip([Note(0, 60, 480)], 120.0, TimeSignature(4, 4), None)))
    assert window.transport_bar.position.text() == "1.1.1" and window.playback.cursor == 0
