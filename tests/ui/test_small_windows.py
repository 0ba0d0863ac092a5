"""Small windows: at 1280x720 the whole tool bar fits (nothing behind its » button, Snap still
labelled) and the Continue panel shows its Jam box without scrolling; at 1024x640 the tool bar
still fits, its file, undo, redo and panic buttons given way (they are in their menus), the
Tap and Drag MIDI buttons still there; back at 1600x1000 everything shows again. The window
wears the app's theme here, as it does when it runs (its fonts and paddings set the widths)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QToolButton

from studio.ui.style.theme import apply_theme


@pytest.fixture
def themed(window):
    app = QApplication.instance()
    sheet, palette, style = app.styleSheet(), app.palette(), app.style().name()
    apply_theme(app)
    yield window
    app.setStyleSheet(sheet)
    app.setPalette(palette)
    app.setStyle(style)


def _resized(qtbot, window, width: int, height: int) -> None:
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width and window.height() == height, timeout=2000)
    qtbot.wait(50)


def _overflowing(bar) -> bool:
    more = bar.findChild(QToolButton, "qt_toolbar_ext_button")
    return more is not None and more.isVisible()


def _snap_label(bar):
    return next(w for w in bar.findChildren(type(bar.widgetForAction(bar._labels[0]))) if w.text() == "Snap")


def test_1280_by_720_is_comfortable(qtbot, themed) -> None:
    window = themed
    bar = window.transport_bar
    _resized(qtbot, window, 1280, 720)
    assert not _overflowing(bar)
    assert all(bar.widgetForAction(a).isVisible() for g in bar._give_way[1:] for a in g[:-1])  # file, undo
    assert _snap_label(bar).isVisible() and bar.snap.isVisible() and bar.tempo.isVisible()
    assert bar.tempo.text().endswith("BPM")  # the tempo says what it is without its label
    scroll = window.continue_dock.widget()
    jam_box = window.panel.jam_status.parentWidget()
    assert jam_box.geometry().bottom() <= scroll.viewport().height()  # the Jam box, whole, unscrolled
    _resized(qtbot, window, 1600, 1000)
    assert all(a.isVisible() for a in bar._labels)


def test_1024_by_640_fits_the_tool_bar(qtbot, themed) -> None:
    window = themed
    bar = window.transport_bar
    _resized(qtbot, window, 1024, 640)
    assert not _overflowing(bar)
    assert bar.snap.isVisible() and _snap_label(bar).isVisible() and bar.key.isVisible()
    assert window.actions.new.isVisible() and window.actions.undo.isVisible()  # in their menus still
    assert window.drag_button.isVisible() and window.drag_button.text() == "Drag MIDI"
    taps = [b for b in bar.findChildren(QToolButton) if b.defaultAction() is window.actions.tap_tempo]
    assert taps[0].isVisible()
    _resized(qtbot, window, 1600, 1000)
    assert not _overflowing(bar) and all(a.isVisible() for g in bar._give_way for a in g)
