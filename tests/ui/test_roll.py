"""The piano roll driven like a musician drives it: real mouse and key events on the real
widgets (offscreen), checked against the document and its undo history."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from studio.core.notes import Clip, Note, TimeSignature
from studio.core.quantize import GRIDS
from studio.ui.document import edits
from studio.ui.document.document import ClipDocument
from studio.ui.roll import PianoRoll
from studio.ui.roll.modifiers import drag_modifiers

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier
RELEASED = Qt.MouseButton.NoButton
SHIFT, CTRL, ALT = (Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.ControlModifier,
                    Qt.KeyboardModifier.AltModifier)
SIXTEENTH = GRIDS["1/16"]


@pytest.fixture
def doc() -> ClipDocument:
    return ClipDocument(Clip([Note(0, 60, 480, 80), Note(480, 64, 240, 90), Note(960, 67, 240, 100)],
                             120.0, TimeSignature(4, 4)))


@pytest.fixture
def roll(qtbot, doc: ClipDocument) -> Iterator[PianoRoll]:
    widget = PianoRoll(doc)
    widget.state.copy_modifier, widget.state.no_snap_modifier = drag_modifiers("linux")  # on any OS
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.state.viewport.zoom_time(2.0)  # 96 px per quarter: one tick is 0.2 px
    widget.frame_notes()
    widget.canvas.setFocus()
    yield widget


def at(roll: PianoRoll, tick: float, pitch: int) -> QPointF:
    """The canvas point inside the row of pitch, at tick."""
    view = roll.state.viewport
    return QPointF(view.x(tick) + 0.5, view.y(pitch) + view.row_height / 2)


def send(widget: QWidget, kind: QEvent.Type, pos: QPointF, mods=NONE, buttons=LEFT) -> None:
    event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), LEFT, buttons, mods)
    QApplication.sendEvent(widget, event)


def drag(widget: QWidget, start: QPointF, end: QPointF, mods=NONE) -> None:
    """Press at start, move there in steps, release at end."""
    send(widget, QEvent.Type.MouseButtonPress, start, mods)
    for k in range(1, 6):
        send(widget, QEvent.Type.MouseMove, start + (end - start) * (k / 5), mods)
    send(widget, QEvent.Type.MouseButtonRelease, end, mods, Qt.MouseButton.NoButton)


def click(widget: QWidget, pos: QPointF, mods=NONE) -> None:
    send(widget, QEvent.Type.MouseButtonPress, pos, mods)
    send(widget, QEvent.Type.MouseButtonRelease, pos, mods, Qt.MouseButton.NoButton)


def right_click_while_dragging(widget: QWidget, pos: QPointF) -> None:
    """The right button let go while the left one is still held."""
    right = Qt.MouseButton.RightButton
    event = QMouseEvent(QEvent.Type.MouseButtonRelease, pos, widget.mapToGlobal(pos), right, LEFT, NONE)
    QApplication.sendEvent(widget, event)


def notes(doc: ClipDocument) -> list[Note]:
    return sorted(doc.notes.values())


def id_of(doc: ClipDocument, start: int, pitch: int) -> int:
    return next(i for i, n in doc.notes.items() if (n.start, n.pitch) == (start, pitch))


# Drawing, moving, resizing.


def test_a_click_on_empty_space_draws_a_snapped_note_of_the_last_length(roll, doc, qtbot) -> None:
    roll.select_all()
    with qtbot.waitSignal(roll.audition) as sounded:
        click(roll.canvas, at(roll, 1990, 72))
    assert sounded.args == [72, 100]
    assert Note(1920, 72, 480, 100) in notes(doc)  # floored to the 1/16 cell clicked, one quarter long
    assert roll.selected_notes() == []  # drawing leaves nothing selected: the selection is the seed
    doc.undo_stack.undo()
    assert len(doc.notes) == 3


def test_dragging_while_drawing_sets_the_length_which_is_then_remembered(roll, doc) -> None:
    drag(roll.canvas, at(roll, 1920, 72), at(roll, 1920 + 700, 72))
    assert Note(1920, 72, 720, 100) in notes(doc)  # 700 ticks, snapped to 1/16: 720
    click(roll.canvas, at(roll, 3840, 50))
    assert Note(3840, 50, 720, 100) in notes(doc)
    assert doc.undo_stack.count() == 2


def test_a_note_drawn_over_another_on_its_key_writes_over_it(roll, doc) -> None:
    drag(roll.canvas, at(roll, 360, 64), at(roll, 840, 64))
    assert notes(doc) == [Note(0, 60, 480, 80), Note(360, 64, 480, 100), Note(960, 67, 240, 100)]
    doc.undo_stack.undo()
    assert Note(480, 64, 240, 90) in notes(doc) and len(doc.notes) == 3


def test_dragging_a_note_moves_it_snapped_and_alt_bypasses_the_snap(roll, doc) -> None:
    drag(roll.canvas, at(roll, 500, 64), at(roll, 500 + 250, 66))
    assert Note(720, 66, 240, 90) in notes(doc)  # 480 + 250 snaps to 720; two semitones up
    assert doc.undo_stack.count() == 1
    drag(roll.canvas, at(roll, 730, 66), at(roll, 730 + 55, 66), ALT)
    moved = next(n for n in notes(doc) if n.pitch == 66)
    assert moved.start not in (720, 840) and abs(moved.start - 775) <= 5
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert Note(480, 64, 240, 90) in notes(doc)


def test_dragging_moves_the_whole_selection_and_ctrl_copies(roll, doc) -> None:
    roll.select_all()
    drag(roll.canvas, at(roll, 100, 60), at(roll, 100 + 480, 60 + 12))
    assert notes(doc) == [Note(480, 72, 480, 80), Note(960, 76, 240, 90), Note(1440, 79, 240, 100)]
    drag(roll.canvas, at(roll, 600, 72), at(roll, 600 + 1920, 72), CTRL)
    assert len(doc.notes) == 6
    assert Note(2400, 72, 480, 80) in notes(doc)
    assert len(roll.selected_notes()) == 3 and min(roll.selected_notes()).start == 2400


def test_the_drag_modifiers_follow_the_platform() -> None:
    assert drag_modifiers("linux") == drag_modifiers("win32") == (CTRL, ALT)  # Ableton: Ctrl copies
    assert drag_modifiers("darwin") == (ALT, CTRL)  # Option copies, Cmd (Qt's Control) ignores the grid


def test_on_macos_option_drag_copies_and_cmd_drag_ignores_the_snap(roll, doc) -> None:
    roll.state.copy_modifier, roll.state.no_snap_modifier = drag_modifiers("darwin")
    drag(roll.canvas, at(roll, 500, 64), at(roll, 500 + 480, 64), ALT)
    assert Note(480, 64, 240, 90) in notes(doc) and Note(960, 64, 240, 90) in notes(doc)  # a copy
    drag(roll.canvas, at(roll, 970, 64), at(roll, 970 + 55, 64), CTRL)
    moved = [n for n in notes(doc) if n.pitch == 64]
    assert len(moved) == 2 and abs(moved[1].start - 1015) <= 5  # moved off the grid, not copied
    click(roll.canvas, at(roll, 1990, 72), CTRL)
    drawn = next(n for n in notes(doc) if n.pitch == 72)
    assert abs(drawn.start - 1990) <= 5 and drawn.start % SIXTEENTH  # drawn off the grid too
    drag(roll.canvas, at(roll, 100, 60), at(roll, 100 + 250, 60), ALT)
    assert [n.start for n in notes(doc) if n.pitch == 60] == [0, 240]  # Option's copy keeps the snap


def test_dragging_past_the_edge_scrolls_and_keeps_moving(roll, doc, qtbot) -> None:
    view, canvas = roll.state.viewport, roll.canvas
    start = at(roll, 1000, 67)
    send(canvas, QEvent.Type.MouseButtonPress, start)
    outside = QPointF(canvas.width() + 40, start.y())
    send(canvas, QEvent.Type.MouseMove, outside)
    qtbot.waitUntil(lambda: view.left > 960)
    send(canvas, QEvent.Type.MouseButtonRelease, outside, buttons=RELEASED)
    moved = next(n for n in notes(doc) if n.pitch == 67)
    assert moved.start > view.tick(canvas.width()) - 1000  # it went along with the view
    assert doc.undo_stack.count() == 1


def test_dragging_the_right_edge_resizes(roll, doc) -> None:
    view = roll.state.viewport
    edge = QPointF(view.x(720) - 2, at(roll, 0, 64).y())  # just inside the end of the 480-720 note
    drag(roll.canvas, edge, edge + QPointF(240 * view.px_per_tick, 0))
    assert Note(480, 64, 480, 90) in notes(doc)
    assert roll.state.last_length == 480


def test_a_move_that_goes_nowhere_records_nothing(roll, doc) -> None:
    click(roll.canvas, at(roll, 100, 60))
    drag(roll.canvas, at(roll, 100, 60), at(roll, 130, 60))  # less than half a 1/16 step
    assert doc.undo_stack.count() == 0
    assert roll.selected_notes() == [Note(0, 60, 480, 80)]


# Selecting and deleting.


def test_click_selects_shift_adds_ctrl_toggles(roll, doc) -> None:
    click(roll.canvas, at(roll, 100, 60))
    assert roll.selected_notes() == [Note(0, 60, 480, 80)]
    click(roll.canvas, at(roll, 500, 64), SHIFT)
    assert len(roll.selected_notes()) == 2
    click(roll.canvas, at(roll, 100, 60), CTRL)
    assert roll.selected_notes() == [Note(480, 64, 240, 90)]
    click(roll.canvas, at(roll, 1000, 67))
    assert roll.selected_notes() == [Note(960, 67, 240, 100)]
    assert doc.undo_stack.count() == 0  # selecting is not an edit


def test_rubber_band_with_shift_selects_what_it_touches(roll, doc, qtbot) -> None:
    with qtbot.waitSignal(roll.selection_changed):
        drag(roll.canvas, at(roll, 400, 70), at(roll, 1000, 63), SHIFT)
    assert roll.selected_notes() == [Note(480, 64, 240, 90), Note(960, 67, 240, 100)]
    assert len(doc.notes) == 3 and doc.undo_stack.count() == 0
    click(roll.canvas, at(roll, 100, 60))
    drag(roll.canvas, at(roll, 900, 70), at(roll, 1100, 66), SHIFT | CTRL)  # Ctrl+Shift adds
    assert roll.selected_notes() == [Note(0, 60, 480, 80), Note(960, 67, 240, 100)]


def test_double_click_deletes_a_note_and_delete_key_the_selection(roll, doc, qtbot) -> None:
    pos = at(roll, 500, 64)
    click(roll.canvas, pos)
    send(roll.canvas, QEvent.Type.MouseButtonDblClick, pos)
    send(roll.canvas, QEvent.Type.MouseButtonRelease, pos, buttons=Qt.MouseButton.NoButton)
    assert Note(480, 64, 240, 90) not in notes(doc)
    qtbot.keyClick(roll.canvas, Qt.Key.Key_A, CTRL)
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Delete)
    assert not doc.notes
    doc.undo_stack.undo()
    assert len(doc.notes) == 2 and len(roll.selected_notes()) == 2  # undo restores and reselects


def test_double_click_on_empty_space_keeps_the_note_it_draws(roll, doc) -> None:
    pos = at(roll, 2000, 50)
    click(roll.canvas, pos)
    send(roll.canvas, QEvent.Type.MouseButtonDblClick, pos)
    send(roll.canvas, QEvent.Type.MouseButtonRelease, pos, buttons=Qt.MouseButton.NoButton)
    assert sum(n.pitch == 50 for n in notes(doc)) == 1


# Keyboard editing.


def test_ctrl_a_and_arrow_keys_move_and_transpose_in_one_undo_step(roll, doc, qtbot) -> None:
    qtbot.keyClick(roll.canvas, Qt.Key.Key_A, CTRL)
    assert len(roll.selected_notes()) == 3
    for _ in range(3):
        qtbot.keyClick(roll.canvas, Qt.Key.Key_Up)
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Right)
    assert notes(doc)[0] == Note(SIXTEENTH, 63, 480, 80)
    assert doc.undo_stack.count() == 1
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Down, SHIFT)
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Right, SHIFT)
    assert notes(doc)[0] == Note(SIXTEENTH + 1920, 51, 480, 80)
    doc.undo_stack.undo()
    assert notes(doc)[0] == Note(0, 60, 480, 80)


def test_tab_keeps_the_focus_in_the_roll(doc, qtbot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    roll = PianoRoll(doc)
    layout.addWidget(roll)
    layout.addWidget(QLineEdit())  # somewhere else Tab could go
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    roll.canvas.setFocus()
    qtbot.waitUntil(roll.canvas.hasFocus)
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Tab)
    assert roll.canvas.hasFocus()
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Backtab, SHIFT)
    assert roll.canvas.hasFocus()


def test_alt_arrows_resize_and_escape_deselects(roll, doc, qtbot) -> None:
    click(roll.canvas, at(roll, 500, 64))
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Right, ALT)
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Right, ALT)
    assert Note(480, 64, 480, 90) in notes(doc)
    for _ in range(5):
        qtbot.keyClick(roll.canvas, Qt.Key.Key_Left, ALT)
    assert Note(480, 64, SIXTEENTH, 90) in notes(doc)  # never below one snap step
    assert doc.undo_stack.count() == 1  # consecutive resizes are one step, like nudges
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Escape)
    assert roll.selected_notes() == []


def test_copy_cut_paste_follow_on(roll, doc, qtbot) -> None:
    click(roll.canvas, at(roll, 100, 60))
    click(roll.canvas, at(roll, 500, 64), SHIFT)
    qtbot.keyClick(roll.canvas, Qt.Key.Key_C, CTRL)
    qtbot.keyClick(roll.canvas, Qt.Key.Key_V, CTRL)
    qtbot.keyClick(roll.canvas, Qt.Key.Key_V, CTRL)
    starts = sorted(n.start for n in notes(doc) if n.pitch == 60)
    assert starts == [0, 960, 1920]  # each paste right after the last (the block is two beats)
    assert [n.start for n in roll.selected_notes()] == [1920, 2400]
    qtbot.keyClick(roll.canvas, Qt.Key.Key_X, CTRL)
    assert len(doc.notes) == 5
    qtbot.keyClick(roll.canvas, Qt.Key.Key_V, CTRL)
    assert [n.start for n in roll.selected_notes()] == [1920, 2400]  # cut and pasted: back in place
    roll.paste(at_tick=3840)
    assert Note(3840, 60, 480, 80) in notes(doc) and Note(4320, 64, 240, 90) in notes(doc)


def test_duplicate_places_a_copy_right_after_the_selection(roll, doc, qtbot) -> None:
    roll.select_all()
    qtbot.keyClick(roll.canvas, Qt.Key.Key_D, CTRL)
    assert len(doc.notes) == 6
    assert sorted(n.start for n in roll.selected_notes()) == [1440, 1920, 2400]  # 3 beats later
    doc.undo_stack.undo()
    assert len(doc.notes) == 3


def test_quantize_the_selection_or_everything(roll, doc, qtbot) -> None:
    doc.load(Clip([Note(13, 60, 100), Note(250, 62, 100), Note(475, 64, 100)]))
    roll.set_snap(GRIDS["1/8"])
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Q)
    assert [n.start for n in notes(doc)] == [0, 240, 480]
    doc.undo_stack.undo()
    roll.select_ids([id_of(doc, 250, 62)])
    roll.quantize_selection(GRIDS["1/4"])
    assert {n.pitch: n.start for n in notes(doc)} == {60: 13, 62: 480, 64: 475}  # only the selection


def test_transpose_selection(roll, doc) -> None:
    roll.select_ids([id_of(doc, 960, 67)])
    roll.transpose_selection(-7)
    assert Note(960, 60, 240, 100) in notes(doc)
    assert doc.undo_stack.undoText().startswith("Transpose")


# Velocity lane.


def lane_point(roll: PianoRoll, tick: int, velocity: int) -> QPointF:
    return QPointF(roll.state.viewport.x(tick) + 0.5, roll.lane.y_of(velocity))


def test_dragging_a_stem_sets_that_notes_velocity(roll, doc) -> None:
    drag(roll.lane, lane_point(roll, 480, 90), lane_point(roll, 480, 30))
    assert abs(next(n.velocity for n in notes(doc) if n.pitch == 64) - 30) <= 2
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert Note(480, 64, 240, 90) in notes(doc)


def test_dragging_a_selected_stem_moves_the_selection_together(roll, doc) -> None:
    roll.select_all()
    drag(roll.lane, lane_point(roll, 960, 100), lane_point(roll, 960, 120))
    velocities = [n.velocity for n in notes(doc)]
    assert velocities[2] >= 118 and velocities[1] - 90 == velocities[2] - 100 == velocities[0] - 80
    assert doc.undo_stack.count() == 1


def test_a_right_click_mid_drag_in_the_lane_does_not_end_the_drag(roll, doc) -> None:
    lane, start, end = roll.lane, lane_point(roll, 480, 90), lane_point(roll, 480, 30)
    send(lane, QEvent.Type.MouseButtonPress, start)
    send(lane, QEvent.Type.MouseMove, (start + end) / 2)
    right_click_while_dragging(lane, end)
    send(lane, QEvent.Type.MouseMove, end)
    send(lane, QEvent.Type.MouseButtonRelease, end, buttons=RELEASED)
    assert abs(next(n.velocity for n in notes(doc) if n.pitch == 64) - 30) <= 2  # where the drag ended
    assert doc.undo_stack.count() == 1


def test_a_line_across_empty_lane_space_ramps_the_velocities(roll, doc) -> None:
    view, lane = roll.state.viewport, roll.lane
    drag(lane, QPointF(view.x(200), lane.y_of(20)), QPointF(view.x(1100), lane.y_of(120)))
    assert doc.undo_stack.count() == 1
    v = [n.velocity for n in notes(doc)]
    assert v[0] == 80  # before the line
    assert abs(v[1] - (20 + 100 * 280 / 900)) <= 3 and abs(v[2] - (20 + 100 * 760 / 900)) <= 3
    roll.select_ids([id_of(doc, 480, 64)])
    drag(lane, QPointF(view.x(200), lane.y_of(127)), QPointF(view.x(1100), lane.y_of(127)))
    assert [n.velocity for n in notes(doc)] == [80, 127, v[2]]  # only the selection


def test_new_notes_take_the_velocity_of_the_last_note_clicked(roll, doc) -> None:
    click(roll.canvas, at(roll, 100, 60))
    click(roll.canvas, at(roll, 2880, 72))
    assert Note(2880, 72, 480, 80) in notes(doc)


def test_clicking_a_ghost_picks_its_variation_instead_of_drawing(roll, doc, qtbot) -> None:
    roll.set_ghosts([[Note(1920, 70, 480)], [Note(1920, 72, 480), Note(2400, 70, 480)]], selected=0)
    with qtbot.waitSignal(roll.ghost_clicked) as picked:
        click(roll.canvas, at(roll, 2000, 72))
    assert picked.args == [1]
    with qtbot.waitSignal(roll.ghost_clicked) as picked:
        click(roll.canvas, at(roll, 2500, 70))
    assert picked.args == [1]
    assert len(doc.notes) == 3 and doc.undo_stack.count() == 0
    roll.clear_ghosts()
    click(roll.canvas, at(roll, 2000, 72))
    assert len(doc.notes) == 4


# Keys, ruler, snap, zoom.


def test_pressing_a_key_auditions_it(roll, qtbot) -> None:
    keys = roll.keys
    y = roll.state.viewport.y(60) + roll.state.viewport.row_height / 2
    with qtbot.waitSignal(roll.audition) as on:
        send(keys, QEvent.Type.MouseButtonPress, QPointF(keys.width() - 2, y))
    assert on.args[0] == 60 and on.args[1] > 100  # struck near the tip: loud
    with qtbot.waitSignal(roll.audition_off) as off:
        send(keys, QEvent.Type.MouseButtonRelease, QPointF(keys.width() - 2, y), buttons=RELEASED)
    assert off.args == [60]


def test_dragging_in_the_ruler_sets_the_loop_and_a_click_seeks(roll, qtbot) -> None:
    ruler, view = roll.ruler, roll.state.viewport
    loops = []
    roll.loop_changed.connect(loops.append)
    drag(ruler, QPointF(view.x(1900), 10), QPointF(view.x(3850), 10))
    assert loops[-1] == roll.loop == (1920, 3840)
    with qtbot.waitSignal(roll.seek_requested) as seek:
        click(ruler, QPointF(view.x(965), 10))
    assert seek.args == [960]
    roll.set_loop(None)
    assert roll.loop is None


def test_the_ruler_labels_beats_once_they_have_room_and_thins_bars_far_out(roll, doc) -> None:
    view, ruler = roll.state.viewport, roll.ruler
    view.scroll_to(left=0)
    texts = [text for _, text in ruler.labels()]
    assert texts[:3] == ["1", "1.2", "1.3"]  # 96 px per quarter: room for bar.beat
    view.zoom_time(0.25)  # 24 px per quarter: bars only
    assert [text for _, text in ruler.labels()][:3] == ["1", "2", "3"]
    view.zoom_time(1 / 8)  # 3 px per quarter, 12 per bar: every 4th bar
    assert [text for _, text in ruler.labels()][:3] == ["1", "5", "9"]
    doc.push(edits.set_time_signature(doc, TimeSignature(6, 8)))  # two dotted-quarter beats a bar
    view.zoom_time(32.0)
    assert [(tick, text) for tick, text in ruler.labels()][:4] == [(0, "1"), (720, "1.2"), (1440, "2"),
                                                                   (2160, "2.2")]
    blank = ruler.grab().toImage()
    ruler.labels = lambda _lines=None: []  # the same ruler with nothing written: the labels reach the pixels
    assert ruler.grab().toImage() != blank


def test_snap_off_and_triplets(roll, doc) -> None:
    roll.set_snap(None)
    click(roll.canvas, at(roll, 2003, 50))
    assert any(n.pitch == 50 and abs(n.start - 2003) <= 5 for n in notes(doc))
    roll.set_snap(GRIDS["1/8T"])
    drag(roll.canvas, at(roll, 3850, 48), at(roll, 3850 + 300, 48))
    assert Note(3840, 48, 320, 100) in notes(doc)  # 160-tick triplet eighths
    with pytest.raises(ValueError):
        roll.set_snap(0)


def wheel(widget: QWidget, pos: QPointF, delta: int, mods=NONE) -> None:
    event = QWheelEvent(pos, widget.mapToGlobal(pos), QPoint(), QPoint(0, delta), Qt.MouseButton.NoButton,
                        mods, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_ctrl_wheel_zooms_time_around_the_mouse_and_pitch_over_the_keys(roll) -> None:
    view = roll.state.viewport
    pos = at(roll, 960, 64)
    before_ppt, before_rows = view.px_per_tick, view.row_height
    wheel(roll.canvas, pos, 120, CTRL)
    assert view.px_per_tick > before_ppt
    assert abs(view.tick(pos.x()) - 960.5 / 1) < 3  # the tick under the mouse stays put
    wheel(roll.keys, QPointF(10, pos.y()), -240, CTRL)
    assert view.row_height < before_rows
    assert view.pitch(pos.y()) == 64
    top = view.top
    wheel(roll.canvas, pos, -120)
    assert view.top > top  # a plain wheel scrolls down
    left = view.left
    wheel(roll.canvas, pos, -120, SHIFT)
    assert view.left > left and roll.hbar.value() == round(view.left)


def test_keyboard_zoom_keeps_the_playhead_or_the_middle_in_place_and_the_wheel_the_mouse(roll) -> None:
    view = roll.state.viewport
    view.scroll_to(left=1920)
    middle = sum(view.visible_ticks()) / 2
    roll.zoom_time(1.25)
    assert abs(view.tick(view.width / 2) - middle) < 1  # no playhead: the middle stays
    roll.set_playhead(round(view.tick(view.width * 0.8)))
    x = view.x(roll.state.playhead)
    roll.zoom_time(0.8)
    assert abs(view.x(roll.state.playhead) - x) < 0.5  # the playhead stays where it was
    roll.follow_playhead = False
    roll.set_playhead(0)  # off screen (on the left): the middle again
    middle = sum(view.visible_ticks()) / 2
    roll.zoom_time(1.5)
    assert abs(view.tick(view.width / 2) - middle) < 1
    x = view.x(3000)
    roll.zoom_time(2.0, anchor_tick=3000)  # a caller's own anchor
    assert abs(view.x(3000) - x) < 0.5
    for widget in (roll.ruler, roll.lane):  # the wheel over the ruler or the lane: the mouse stays
        pos = QPointF(300, widget.height() / 2)
        under = view.tick(pos.x())
        wheel(widget, pos, 120, CTRL)
        assert abs(view.tick(pos.x()) - under) < 1


def test_scrollbars_follow_and_drive_the_view(roll) -> None:
    roll.hbar.setValue(1920)
    assert roll.state.viewport.left == 1920
    roll.vbar.setValue(roll.vbar.maximum())
    assert roll.state.viewport.visible_pitches()[0] == 0


# Edges of the gestures.


def test_a_plain_click_inside_a_selection_selects_only_that_note_but_a_drag_moves_them_all(roll, doc) -> None:
    roll.select_all()
    click(roll.canvas, at(roll, 500, 64))
    assert roll.selected_notes() == [Note(480, 64, 240, 90)]  # as in a DAW: the click picks one
    roll.select_all()
    drag(roll.canvas, at(roll, 500, 64), at(roll, 500 + 480, 64))
    assert [n.start for n in notes(doc)] == [480, 960, 1440] and len(roll.selected_notes()) == 3


def test_another_button_released_mid_drag_neither_drops_the_note_nor_leaves_it_sounding(roll, doc) -> None:
    offs: list[int] = []
    roll.audition_off.connect(offs.append)
    start, end = at(roll, 1920, 72), at(roll, 1920 + 700, 72)
    send(roll.canvas, QEvent.Type.MouseButtonPress, start)
    send(roll.canvas, QEvent.Type.MouseMove, end)
    right_click_while_dragging(roll.canvas, end)
    send(roll.canvas, QEvent.Type.MouseButtonRelease, end, buttons=RELEASED)
    assert Note(1920, 72, 720, 100) in notes(doc) and roll.state.drafts == []
    assert offs == [72]


def test_losing_focus_mid_drag_cancels_it_and_releases_the_auditioned_note(roll, doc, qtbot) -> None:
    offs: list[int] = []
    roll.audition_off.connect(offs.append)
    start = at(roll, 500, 64)
    send(roll.canvas, QEvent.Type.MouseButtonPress, start)
    send(roll.canvas, QEvent.Type.MouseMove, start + QPointF(0, -3 * roll.state.viewport.row_height))
    assert offs == [64]  # the moved note sounds at its new pitch, 67
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    other.setFocus()
    qtbot.waitUntil(lambda: roll.canvas.gesture is None)
    assert offs == [64, 67] and roll.state.preview == {}
    assert notes(doc)[1] == Note(480, 64, 240, 90) and doc.undo_stack.count() == 0


def test_a_ctrl_drag_back_to_where_it_started_copies_nothing(roll, doc) -> None:
    start = at(roll, 500, 64)
    send(roll.canvas, QEvent.Type.MouseButtonPress, start, CTRL)
    send(roll.canvas, QEvent.Type.MouseMove, start + QPointF(300 * roll.state.viewport.px_per_tick, 0), CTRL)
    send(roll.canvas, QEvent.Type.MouseMove, start, CTRL)
    send(roll.canvas, QEvent.Type.MouseButtonRelease, start, CTRL, RELEASED)
    assert len(doc.notes) == 3 and doc.undo_stack.count() == 0


def test_alt_left_never_lengthens_a_note_shorter_than_the_snap(roll, doc, qtbot) -> None:
    roll.set_snap(GRIDS["1/4"])
    click(roll.canvas, at(roll, 500, 64))  # 240 ticks long: shorter than a quarter
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Left, ALT)
    assert Note(480, 64, 240, 90) in notes(doc) and doc.undo_stack.count() == 0


def test_the_resize_cursor_shows_exactly_where_a_press_resizes(roll, doc) -> None:
    roll.set_snap(GRIDS["1/32"])
    roll.state.last_length = GRIDS["1/32"]
    click(roll.canvas, at(roll, 2880, 50))
    short = next(n for n in notes(doc) if n.pitch == 50)  # 60 ticks: 12 pixels wide
    view, canvas = roll.state.viewport, roll.canvas
    y = at(roll, 0, 50).y()
    for x in range(round(view.x(short.start)) + 1, round(view.x(short.end))):
        send(canvas, QEvent.Type.MouseMove, QPointF(x, y), buttons=Qt.MouseButton.NoButton)
        resizing = canvas.cursor().shape() == Qt.CursorShape.SizeHorCursor
        send(canvas, QEvent.Type.MouseButtonPress, QPointF(x, y))
        kind = type(canvas.gesture).__name__
        send(canvas, QEvent.Type.MouseButtonRelease, QPointF(x, y), buttons=RELEASED)
        assert resizing == (kind == "ResizeGesture"), x


def test_a_click_below_the_lowest_key_draws_nothing(roll, doc, qtbot) -> None:
    view = roll.state.viewport
    roll.resize(1000, 900)
    qtbot.waitUntil(lambda: view.height > 700)
    view.zoom_pitch(0.01)  # the smallest rows: the keyboard is shorter than the view
    assert view.content_height < view.height
    click(roll.canvas, QPointF(view.x(2000), view.content_height + 5))
    assert len(doc.notes) == 3 and doc.undo_stack.count() == 0
    click(roll.canvas, QPointF(view.x(2000), view.y(0) + 2))
    assert Note(1920, 0, 480, 100) in notes(doc)  # the lowest row itself still draws


def test_the_scrollable_length_follows_notes_ghosts_and_undo(roll, doc) -> None:
    state, bar = roll.state, 1920
    assert state.content_end == 8 * bar
    click(roll.canvas, at(roll, 10 * bar + 10, 60))
    assert state.content_end == 14 * bar  # the note ends in the 11th bar: four bars to spare
    roll.set_ghosts([[Note(20 * bar, 60, bar)]], 0)
    assert state.content_end == 25 * bar
    roll.clear_ghosts()
    doc.undo_stack.undo()
    assert state.content_end == 8 * bar
