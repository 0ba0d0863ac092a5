"""Tests for the on-screen keyboard: mouse playing with velocity by position, glissando, the two
tints for played and shown notes, labels from the computer keys, scrolling, and a rendering."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from studio.ui.keyboard.computer_keys import ComputerKeys
from studio.ui.keyboard.virtual import HIGHEST, LOWEST, VirtualKeyboard, is_black
from studio.ui.style.theme import COLORS


def make_keyboard(qtbot: QtBot, width: int = 1248, height: int = 100) -> VirtualKeyboard:
    keyboard = VirtualKeyboard()
    qtbot.addWidget(keyboard)
    keyboard.resize(width, height)
    keyboard.show()
    qtbot.waitExposed(keyboard)
    return keyboard


def point_on(keyboard: VirtualKeyboard, pitch: int, depth: float) -> QPoint:
    """A point on a key, depth 0 at its top (far end) to 1 at its front edge."""
    rect = keyboard.geometry_now().rect(pitch)
    if not is_black(pitch):  # below the black keys, so the white key is what is hit
        top = keyboard.height() * 0.66
        return QPointF(rect.center().x(), top + (rect.bottom() - 2 - top) * depth).toPoint()
    return QPointF(rect.center().x(), rect.top() + 1 + (rect.height() - 3) * depth).toPoint()


def record(keyboard: VirtualKeyboard) -> list[tuple]:
    events: list[tuple] = []
    keyboard.note_on.connect(lambda pitch, velocity: events.append(("on", pitch, velocity)))
    keyboard.note_off.connect(lambda pitch: events.append(("off", pitch)))
    return events


def test_it_has_the_88_keys_of_a_piano(qtbot: QtBot) -> None:
    keyboard = make_keyboard(qtbot)
    geometry = keyboard.geometry_now()
    assert (LOWEST, HIGHEST) == (21, 108)
    assert geometry.pitch_at(QPointF(1, keyboard.height() - 3)) == 21
    assert geometry.pitch_at(QPointF(keyboard.width() - 1, keyboard.height() - 3)) == 108
    whites = [p for p in range(21, 109) if not is_black(p)]
    assert len(whites) == 52 and geometry.white_width * 52 == keyboard.width()


def test_a_click_plays_a_note_louder_the_nearer_the_front(qtbot: QtBot) -> None:
    keyboard = make_keyboard(qtbot)
    events = record(keyboard)
    qtbot.mousePress(keyboard, Qt.MouseButton.LeftButton, pos=point_on(keyboard, 60, 0.95))
    assert keyboard.played_pitches() == [60]
    qtbot.mouseRelease(keyboard, Qt.MouseButton.LeftButton, pos=point_on(keyboard, 60, 0.95))
    qtbot.mousePress(keyboard, Qt.MouseButton.LeftButton, pos=point_on(keyboard, 61, 0.05))
    qtbot.mouseRelease(keyboard, Qt.MouseButton.LeftButton, pos=point_on(keyboard, 61, 0.05))
    assert [e[:2] for e in events] == [("on", 60), ("off", 60), ("on", 61), ("off", 61)]
    loud, soft = events[0][2], events[2][2]
    assert loud > 110 and soft < 30, (loud, soft)
    assert keyboard.played_pitches() == []


def test_velocity_follows_the_depth_monotonically(qtbot: QtBot) -> None:
    keyboard = make_keyboard(qtbot)
    geometry = keyboard.geometry_now()
    key = geometry.rect(62)
    velocities = [geometry.velocity_at(62, key.top() + key.height() * i / 10) for i in range(11)]
    assert velocities == sorted(velocities) and velocities[0] == 1 and velocities[-1] == 127


def test_dragging_across_the_keys_plays_a_glissando(qtbot: QtBot) -> None:
    keyboard = make_keyboard(qtbot)
    events = record(keyboard)
    qtbot.mousePress(keyboard, Qt.MouseButton.LeftButton, pos=point_on(keyboard, 60, 0.5))
    for pitch in (62, 64):
        qtbot.mouseMove(keyboard, point_on(keyboard, pitch, 0.5))
    qtbot.mouseRelease(keyboard, Qt.MouseButton.LeftButton, pos=point_on(keyboard, 64, 0.5))
    assert [e[:2] for e in events] == [
        ("on", 60), ("off", 60), ("on", 62), ("off", 62), ("on", 64), ("off", 64),
    ]  # fmt: skip


def test_hiding_the_keyboard_releases_the_mouse_note(qtbot: QtBot) -> None:
    keyboard = make_keyboard(qtbot)
    events = record(keyboard)
    qtbot.mousePress(keyboard, Qt.MouseButton.LeftButton, pos=point_on(keyboard, 67, 0.5))
    keyboard.hide()
    assert events[-1] == ("off", 67)


def _pixel(keyboard: VirtualKeyboard, pitch: int) -> QColor:
    image = keyboard.grab().toImage()
    return image.pixelColor(point_on(keyboard, pitch, 0.3))


def test_shown_notes_light_in_their_own_tint_and_emit_nothing(qtbot: QtBot) -> None:
    keyboard = make_keyboard(qtbot)
    events = record(keyboard)
    unlit = _pixel(keyboard, 64)
    keyboard.show_note_on(64, 127)
    external = _pixel(keyboard, 64)
    qtbot.mousePress(keyboard, Qt.MouseButton.LeftButton, pos=point_on(keyboard, 64, 0.5))
    played = _pixel(keyboard, 64)
    qtbot.mouseRelease(keyboard, Qt.MouseButton.LeftButton, pos=point_on(keyboard, 64, 0.5))
    assert unlit.lightness() > 200  # a white key
    assert external.green() > external.red()  # teal
    assert played.red() > played.blue() + 80  # the warm accent
    assert [e[:2] for e in events] == [("on", 64), ("off", 64)]  # only the mouse's note
    assert keyboard.shown_pitches() == [64]
    keyboard.show_note_off(64)
    assert keyboard.shown_pitches() == [] and _pixel(keyboard, 64) == unlit


def installed_keys() -> ComputerKeys:
    keys = ComputerKeys(QApplication.instance())
    QApplication.instance().installEventFilter(keys)
    return keys


def test_computer_keys_light_keys_and_come_out_of_the_keyboard(qtbot: QtBot) -> None:
    keyboard = make_keyboard(qtbot)
    keys = installed_keys()
    keyboard.attach_computer_keys(keys)
    events = record(keyboard)
    qtbot.keyPress(keyboard, Qt.Key.Key_A)
    assert events == [("on", 60, 100)] and keyboard.played_pitches() == [60]
    qtbot.keyRelease(keyboard, Qt.Key.Key_A)
    assert events[-1] == ("off", 60) and keyboard.played_pitches() == []
    QApplication.instance().removeEventFilter(keys)
    keys.deleteLater()


def test_labels_follow_the_octave_and_a_narrow_keyboard_scrolls_to_them(qtbot: QtBot) -> None:
    keyboard = make_keyboard(qtbot, width=400)
    keys = ComputerKeys()
    keyboard.attach_computer_keys(keys)
    assert keyboard._labels[60] == "A" and keyboard._labels[77] == "'"
    keys.set_octave(7)
    assert keyboard._labels[96] == "A"
    visible = keyboard.geometry_now().rect(96)
    assert visible.left() >= 0 and visible.right() <= keyboard.width()
    keyboard.scroll_to(0)
    assert keyboard.geometry_now().pitch_at(QPointF(1, keyboard.height() - 3)) == 21
    keyboard.scroll_to(10**6)  # clamped at the top end
    assert keyboard.geometry_now().pitch_at(QPointF(keyboard.width() - 1, keyboard.height() - 3)) == 108


def test_a_rendering_shows_keys_labels_and_both_tints(qtbot: QtBot, tmp_path: Path) -> None:
    keyboard = make_keyboard(qtbot, width=1400, height=110)
    keys = ComputerKeys(keyboard)
    keyboard.attach_computer_keys(keys)
    keys.eventFilter(keyboard, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_D, Qt.KeyboardModifier.NoModifier))
    keyboard.show_note_on(67, 90)
    path = tmp_path / "keyboard.png"
    assert keyboard.grab().save(str(path))
    image = keyboard.grab().toImage()
    colours = {image.pixelColor(x, 70).name() for x in range(0, 1400, 2)}
    assert COLORS.black_key != COLORS.white_key and len(colours) > 4
    assert path.stat().st_size > 2000
