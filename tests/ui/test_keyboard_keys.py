"""Tests for the computer keys, driven by real key events through the application's event
filter: the Ableton layout, octave and velocity keys, auto-repeat, no stuck notes, shortcuts
and text fields left alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QMenu, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from studio.ui.keyboard.computer_keys import LAYOUTS, VELOCITY_STEPS, ComputerKeys, detect_layout

K = Qt.Key
NO = Qt.KeyboardModifier.NoModifier
ABLETON = ["A", "W", "S", "E", "D", "F", "T", "G", "Y", "H", "U", "J", "K", "O", "L", "P", ";", "'"]
QT_KEYS = {";": K.Key_Semicolon, "'": K.Key_Apostrophe}


class Rig:
    """A window with a focusable area and a text field, the keys installed on the app."""

    def __init__(self, qtbot: QtBot) -> None:
        self.window = QWidget()
        self.pad = QWidget(self.window)
        self.pad.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.field = QLineEdit(self.window)
        layout = QVBoxLayout(self.window)
        layout.addWidget(self.pad)
        layout.addWidget(self.field)
        qtbot.addWidget(self.window)
        self.window.show()
        qtbot.waitExposed(self.window)
        self.window.activateWindow()
        self.pad.setFocus()
        self.keys = ComputerKeys(layout="qwerty")
        self.events: list[tuple] = []
        self.keys.note_on.connect(lambda pitch, velocity: self.events.append(("on", pitch, velocity)))
        self.keys.note_off.connect(lambda pitch: self.events.append(("off", pitch)))
        QApplication.instance().installEventFilter(self.keys)
        self.qtbot = qtbot

    def press(self, key: int, modifiers: Qt.KeyboardModifier = NO, repeat: bool = False) -> None:
        if repeat:
            QApplication.sendEvent(self.pad, QKeyEvent(QEvent.Type.KeyPress, key, modifiers, "", True))
        else:
            self.qtbot.keyPress(self.pad, key, modifiers)

    def release(self, key: int, modifiers: Qt.KeyboardModifier = NO, repeat: bool = False) -> None:
        if repeat:
            QApplication.sendEvent(self.pad, QKeyEvent(QEvent.Type.KeyRelease, key, modifiers, "", True))
        else:
            self.qtbot.keyRelease(self.pad, key, modifiers)

    def tap(self, key: int) -> None:
        self.press(key)
        self.release(key)


@pytest.fixture
def rig(qtbot: QtBot) -> Iterator[Rig]:
    rig = Rig(qtbot)
    yield rig
    QApplication.instance().removeEventFilter(rig.keys)


def qt_key(label: str) -> int:
    return QT_KEYS.get(label) or ord(label)


def test_each_key_plays_its_note_at_the_default_octave(rig: Rig) -> None:
    for step, label in enumerate(ABLETON):
        rig.events.clear()
        rig.tap(qt_key(label))
        assert rig.events == [("on", 60 + step, 100), ("off", 60 + step)], label
    assert rig.keys.labels() == {60 + step: label for step, label in enumerate(ABLETON)}


def test_other_keys_are_left_to_the_window(rig: Rig) -> None:
    seen: list[int] = []
    rig.pad.keyPressEvent = lambda event: seen.append(event.key())  # type: ignore[method-assign]
    for key in (K.Key_Q, K.Key_B, K.Key_Space, K.Key_Left, K.Key_Delete, K.Key_1):
        rig.tap(key)
    rig.tap(K.Key_A)
    assert seen == [K.Key_Q, K.Key_B, K.Key_Space, K.Key_Left, K.Key_Delete, K.Key_1]
    assert [e[0] for e in rig.events] == ["on", "off"]


def test_z_and_x_shift_the_octave_within_range(rig: Rig) -> None:
    octaves: list[int] = []
    rig.keys.octave_changed.connect(octaves.append)
    rig.tap(K.Key_X)
    rig.tap(K.Key_A)
    rig.tap(K.Key_Z)
    rig.tap(K.Key_Z)
    rig.tap(K.Key_K)
    assert octaves == [5, 4, 3]
    assert [e for e in rig.events if e[0] == "on"] == [("on", 72, 100), ("on", 60, 100)]
    for _ in range(20):
        rig.tap(K.Key_Z)
    assert rig.keys.octave == -1
    rig.events.clear()
    rig.tap(K.Key_A)
    assert rig.events == [("on", 0, 100), ("off", 0)]
    rig.keys.set_octave(9)
    rig.events.clear()
    rig.tap(K.Key_J)  # 131: beyond MIDI, so silent
    rig.tap(K.Key_G)
    assert rig.events == [("on", 127, 100), ("off", 127)]
    assert max(rig.keys.labels()) == 127


def test_c_and_v_step_the_velocity_like_ableton(rig: Rig) -> None:
    velocities: list[int] = []
    rig.keys.velocity_changed.connect(velocities.append)
    rig.tap(K.Key_V)
    rig.tap(K.Key_V)  # already at the top: no change
    for _ in range(8):
        rig.tap(K.Key_C)
    assert velocities == [127, 100, 80, 60, 40, 20, 1]
    assert tuple(sorted(set(velocities))) == VELOCITY_STEPS
    rig.keys.set_velocity(90)
    rig.tap(K.Key_C)
    assert rig.keys.velocity == 80
    rig.keys.set_velocity(90)
    rig.tap(K.Key_V)
    assert rig.keys.velocity == 100
    rig.tap(K.Key_A)
    assert rig.events[0] == ("on", 60, 100)


def test_auto_repeat_is_ignored(rig: Rig) -> None:
    rig.press(K.Key_A)
    for _ in range(5):
        rig.release(K.Key_A, repeat=True)
        rig.press(K.Key_A, repeat=True)
        rig.press(K.Key_X, repeat=True)
    rig.release(K.Key_A)
    assert rig.events == [("on", 60, 100), ("off", 60)]
    assert rig.keys.octave == 4


def test_a_held_note_ends_with_its_own_pitch_after_an_octave_change(rig: Rig) -> None:
    rig.press(K.Key_A)
    rig.tap(K.Key_X)
    rig.release(K.Key_A)
    assert rig.events == [("on", 60, 100), ("off", 60)]


def test_two_keys_on_one_pitch_sound_it_once_until_both_are_up(rig: Rig) -> None:
    rig.press(K.Key_K)  # 72 at octave 4
    rig.tap(K.Key_X)
    rig.press(K.Key_A)  # 72 at octave 5
    rig.release(K.Key_K)
    assert rig.events == [("on", 72, 100)]
    rig.release(K.Key_A)
    assert rig.events == [("on", 72, 100), ("off", 72)]


def test_losing_focus_releases_every_held_note(rig: Rig) -> None:
    rig.press(K.Key_A)
    rig.press(K.Key_D)
    QApplication.sendEvent(rig.window, QEvent(QEvent.Type.WindowDeactivate))
    assert sorted(rig.events) == [("off", 60), ("off", 64), ("on", 60, 100), ("on", 64, 100)]
    rig.release(K.Key_A)  # the late release sends nothing more
    rig.release(K.Key_D)
    assert len(rig.events) == 4 and rig.keys.held_pitches() == []


def test_a_text_field_keeps_its_keys(rig: Rig, qtbot: QtBot) -> None:
    rig.press(K.Key_A)
    rig.field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is rig.field)
    assert rig.events == [("on", 60, 100), ("off", 60)]  # focus went to text: the note ends
    qtbot.keyClicks(rig.field, "sdf")
    assert rig.field.text() == "sdf"
    assert len(rig.events) == 2
    rig.pad.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is rig.pad)
    rig.tap(K.Key_S)
    assert rig.events[-2:] == [("on", 62, 100), ("off", 62)]


def test_an_open_menu_or_dialog_keeps_its_letters(rig: Rig, qtbot: QtBot) -> None:
    menu = QMenu(rig.window)
    menu.addAction("&Save")
    menu.popup(rig.window.mapToGlobal(rig.window.rect().center()))
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is menu)
    rig.tap(K.Key_S)
    menu.close()
    dialog = QDialog(rig.window)
    dialog.setModal(True)
    dialog.show()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is dialog)
    rig.tap(K.Key_D)
    dialog.close()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)
    assert rig.events == []
    rig.tap(K.Key_D)
    assert rig.events == [("on", 64, 100), ("off", 64)]


def test_shortcuts_with_ctrl_are_left_alone_and_plain_key_shortcuts_lose(rig: Rig) -> None:
    triggered: list[str] = []
    for text in ("Ctrl+A", "D"):
        action = QAction(text, rig.window)
        action.setShortcut(text)
        action.triggered.connect(lambda _=False, t=text: triggered.append(t))
        rig.window.addAction(action)
    rig.qtbot.keyClick(rig.pad, K.Key_A, Qt.KeyboardModifier.ControlModifier)
    rig.qtbot.keyClick(rig.pad, K.Key_D)
    assert triggered == ["Ctrl+A"]
    assert rig.events == [("on", 64, 100), ("off", 64)]


def test_shift_does_not_strand_a_note(rig: Rig) -> None:
    rig.press(K.Key_Semicolon)
    rig.release(K.Key_Colon, Qt.KeyboardModifier.ShiftModifier)  # Shift went down meanwhile
    assert rig.events == [("on", 76, 100), ("off", 76)]


def test_disabling_releases_and_silences(rig: Rig) -> None:
    rig.press(K.Key_G)
    rig.keys.set_enabled(False)
    rig.release(K.Key_G)
    rig.tap(K.Key_G)
    assert rig.events == [("on", 67, 100), ("off", 67)]
    rig.keys.set_enabled(True)
    rig.tap(K.Key_G)
    assert len(rig.events) == 4


@pytest.mark.parametrize(("layout", "c", "g_sharp", "down"), [
    ("qwertz", K.Key_A, K.Key_Z, K.Key_Y), ("azerty", K.Key_Q, K.Key_Y, K.Key_W),
])  # fmt: skip
def test_other_keyboard_layouts_keep_the_positions(rig: Rig, layout: str, c: int, g_sharp: int,
                                                   down: int) -> None:  # fmt: skip
    rig.keys.set_layout(layout)
    assert rig.keys.layout == rig.keys.active_layout == layout and len(LAYOUTS[layout].notes) == 18
    rig.tap(c)
    rig.tap(g_sharp)
    rig.tap(down)
    rig.tap(c)
    assert [e for e in rig.events if e[0] == "on"] == [("on", 60, 100), ("on", 68, 100), ("on", 48, 100)]


@pytest.mark.parametrize(("locale", "layout"), [
    ("en_US", "qwerty"), ("en_GB", "qwerty"), ("C", "qwerty"), ("de_DE", "qwertz"), ("de_AT", "qwertz"),
    ("fr_CH", "qwertz"), ("cs_CZ", "qwertz"), ("fr_FR", "azerty"), ("fr_BE", "azerty"), ("nl_BE", "azerty"),
    ("fr_CA", "qwerty"), ("nl_NL", "qwerty"), ("ja_JP", "qwerty"),
])  # fmt: skip
def test_the_layout_is_detected_from_the_keyboard_locale(locale: str, layout: str) -> None:
    assert detect_layout(locale) == layout


def test_auto_stays_the_choice_while_the_detected_layout_plays(rig: Rig) -> None:
    rig.keys.set_layout("auto")
    assert rig.keys.layout == "auto" and rig.keys.active_layout == detect_layout()
    rig.keys.set_layout("dvorak")  # unknown: back to auto
    assert rig.keys.layout == "auto"
