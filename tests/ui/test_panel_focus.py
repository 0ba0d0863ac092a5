"""The Continue panel's fields give the keyboard back to the roll once an edit is done, so the
app's keys (Space, Ctrl+Z, the arrows) go on working on the sketch, and the window shows
whether the computer keys play notes or type into a field."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from studio.core.notes import Clip, Note
from studio.core.project import Project

CTRL = Qt.KeyboardModifier.ControlModifier
LEFT = Qt.MouseButton.LeftButton


def _ready(qtbot, window) -> None:
    window.restore(Project(clip=Clip([Note(0, 60, 480), Note(480, 64, 480)]), continuation={"bars": 4}))
    window.activateWindow()
    window.roll.setFocus()
    qtbot.waitUntil(window.roll.canvas.hasFocus)


def _up_arrow(spin) -> QPoint:
    return QPoint(spin.width() - 6, 4)


def _typing(window) -> bool:
    return "typing" in window.keys_label.text() and window.keyboard._labels == {}


def test_after_nudging_length_space_plays_and_ctrl_z_undoes_the_sketch(qtbot, window) -> None:
    _ready(qtbot, window)
    window.roll.select_all()
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Up)  # an edit of the sketch
    assert window.document.undo_stack.count() == 1
    qtbot.mouseClick(window.panel.bars, LEFT, pos=_up_arrow(window.panel.bars))
    assert window.panel.bars.value() == 5
    qtbot.waitUntil(window.roll.canvas.hasFocus)
    assert not _typing(window)
    with qtbot.waitSignal(window.actions.play.triggered, timeout=2000):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    window.playback.stop()
    assert window.panel.bars.text() == "5 bars"  # not blanked by the Space
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Z, CTRL)
    assert window.document.undo_stack.index() == 0  # the sketch's undo, not the field's


def test_enter_and_esc_end_an_edit_typed_in_a_field(qtbot, window) -> None:
    _ready(qtbot, window)
    bars = window.panel.bars
    qtbot.mouseClick(bars.lineEdit(), LEFT)
    qtbot.waitUntil(bars.hasFocus)
    assert _typing(window)  # the status bar and the on-screen keyboard say the keys type now
    bars.selectAll()
    qtbot.keyClicks(bars, "6")
    qtbot.keyClick(bars, Qt.Key.Key_Return)
    assert bars.value() == 6 and window.roll.canvas.hasFocus() and not _typing(window)
    assert window.keyboard._labels  # the letters are back on the keys
    qtbot.mouseClick(bars.lineEdit(), LEFT)
    bars.selectAll()
    qtbot.keyClicks(bars, "9")
    qtbot.keyClick(bars, Qt.Key.Key_Escape)
    assert bars.value() == 6 and window.roll.canvas.hasFocus()  # Esc: the value it had


def test_a_chosen_key_lock_leaves_the_arrows_to_the_roll(qtbot, window) -> None:
    _ready(qtbot, window)
    box = window.panel.key_box
    qtbot.mouseClick(box, LEFT)  # a click opens the list without taking the focus
    assert not box.hasFocus()
    target = box.findData("A-minor")
    box.hidePopup()
    box.setCurrentIndex(target)
    box.activated.emit(target)  # as choosing it in the list does
    assert window.roll.canvas.hasFocus()
    window.roll.select_all()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    assert box.currentData() == "A-minor"  # the lock stays
    assert sorted(n.pitch for n in window.document.notes.values()) == [59, 63]  # the notes went down
