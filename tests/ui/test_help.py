"""Help: the keyboard-shortcuts sheet lists every action that has a shortcut, with all its keys,
read from the actions themselves (a shortcut changed is a shortcut shown), and opens with `?`;
tap tempo sets the tempo from the median interval of the latest taps, as one undo step, and
not while a DAW's clock sets the tempo."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QToolButton

from studio.core.tap_tempo import TapTempo
from studio.ui.app.shortcuts import typed

NATIVE = QKeySequence.SequenceFormat.NativeText


def test_the_sheet_lists_every_action_with_a_shortcut(qtbot, window) -> None:
    window.activateWindow()
    window.roll.canvas.setFocus()
    qtbot.keyClick(window.roll.canvas, "?")
    sheet = window.shortcuts_sheet
    assert sheet is not None and sheet.isVisible()
    shown = dict(sheet.texts())
    with_keys = [a for a in window.actions.all() if any(typed(k) for k in a.shortcuts())]
    assert len(shown) == len(with_keys) > 30
    for action in with_keys:
        keys = shown[action.text().replace("&", "").rstrip("…")]
        assert all(k.toString(NATIVE) in keys for k in action.shortcuts() if typed(k)), action.objectName()
    assert shown["Redo"].count(",") == 1  # both of its keys
    assert shown["New"] == QKeySequence("Ctrl+N").toString(NATIVE)  # not the "New" media key
    window.actions.again.setShortcut(QKeySequence("Ctrl+Alt+R"))  # the sheet follows the actions
    window.show_shortcuts()
    assert dict(sheet.texts())["Again"] == QKeySequence("Ctrl+Alt+R").toString(NATIVE)
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert window.actions.shortcuts in help_menu.actions()
    sheet.close()


def test_tap_tempo_takes_the_median_of_the_latest_taps() -> None:
    taps = TapTempo()
    assert taps.tap(10.0) is None
    assert [round(taps.tap(t), 1) for t in (10.5, 11.0, 11.62, 12.0)] == [120.0, 120.0, 120.0, 120.0]
    assert taps.tap(15.0) is None  # a long pause starts a new count
    assert round(taps.tap(15.4), 1) == 150.0


def test_tapping_sets_the_tempo_as_one_undo_step(qtbot, window) -> None:
    bar = window.transport_bar
    taps = [b for b in bar.findChildren(QToolButton) if b.defaultAction() is window.actions.tap_tempo]
    assert len(taps) == 1 and taps[0].text() == "Tap" and taps[0].isVisible()
    before, steps = window.document.tempo, window.document.undo_stack.count()
    for seconds in (100.0, 100.4, 100.8, 101.25, 101.6):  # about 150 BPM, one tap a little late
        bar.tap(seconds)
    assert window.document.tempo == 150.0 and bar.tempo.value() == 150.0
    assert window.document.undo_stack.count() == steps + 1  # the taps are one step
    window.actions.undo.trigger()
    assert window.document.tempo == before
    window.actions.tap_tempo.trigger()  # the shortcut's action taps too
    window.actions.tap_tempo.trigger()
    assert window.document.tempo != before or bar.tempo.value() == bar.tempo.maximum()
    bar.show_followed_tempo(128.0)  # a DAW's clock sets the tempo: tapping does nothing
    assert not window.actions.tap_tempo.isEnabled()
    bar.show_followed_tempo(None)
    assert window.actions.tap_tempo.isEnabled()
