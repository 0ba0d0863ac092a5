"""Every shortcut of the window reaches its action: no key is bound twice (Qt calls such a key
ambiguous and then runs neither action), and Shift+Tab, which X11 delivers as Backtab, steps back
through the variations."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from studio.core.project import Project
from studio.midi.files import read_midi
from studio.ui.app.actions import Actions
from tests.ui.conftest import DEMO_SEED

SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def _physical(sequence: QKeySequence) -> str:
    """The key as pressed: Qt matches Backtab and Shift+Tab to the same key press."""
    text = sequence.toString(QKeySequence.SequenceFormat.PortableText)
    return "Shift+Tab" if text in ("Backtab", "Shift+Backtab") else text


def test_no_key_is_bound_twice(qtbot) -> None:
    seen: dict[str, str] = {}
    actions = Actions()
    for action in actions.all():
        keys = [_physical(k) for k in action.shortcuts()]
        assert len(keys) == len(set(keys)), f"{action.objectName()} binds one key twice: {keys}"
        for key in keys:
            assert key not in seen, f"{key} is bound to {seen[key]} and {action.objectName()}"
            seen[key] = action.objectName()
    assert seen["Shift+Tab"] == "previous_variation"


def test_shift_tab_steps_back_through_the_variations(qtbot, qtlog, window) -> None:
    window.restore(Project(clip=read_midi(DEMO_SEED), continuation={"bars": 1, "variations": 3, "seed": 3}))
    window.activateWindow()
    window.roll.setFocus()
    with qtbot.waitSignal(window.engine.finished, timeout=60000):
        qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Return, CTRL)
    flow = window.flow
    assert flow.selected == 0
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Backtab, SHIFT)  # what X11 sends for Shift+Tab
    assert flow.selected == 2
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Tab, SHIFT)  # what other systems may send
    assert flow.selected == 1
    assert not [r for r in qtlog.records if "Ambiguous" in r.message]
