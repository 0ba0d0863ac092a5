"""The view shows what the musician needs: the variations in view as they appear, with the end
of their seed; zoom to fit (Ctrl+0); Home and End scroll to the start and the end."""

from __future__ import annotations

from PySide6.QtCore import Qt

from studio.core.project import Project
from studio.midi.files import read_midi
from tests.ui.conftest import DEMO_SEED

CTRL = Qt.KeyboardModifier.ControlModifier


def _in_view(window, notes) -> bool:
    view = window.roll.state.viewport
    left, right = view.visible_ticks()
    low, high = view.visible_pitches()
    return all(left <= n.start and n.end <= right and low <= n.pitch <= high for n in notes)


def _load(window, bars: int) -> None:
    window.restore(Project(clip=read_midi(DEMO_SEED),
                           continuation={"bars": bars, "variations": 4, "seed": 7, "key": "auto"}))
    window.fit_view()  # as opening a file does: the seed fills the view
    window.activateWindow()
    window.roll.setFocus()


def test_the_variations_and_the_end_of_the_seed_are_in_view_when_they_appear(qtbot, window) -> None:
    _load(window, bars=8)
    seed = list(window.document.notes.values())
    assert _in_view(window, seed)
    right_before = window.roll.state.viewport.visible_ticks()[1]
    with qtbot.waitSignal(window.engine.finished, timeout=60000):
        qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Return, CTRL)
    ghosts = [n for v in window.flow.variations for n in v]
    assert ghosts and max(n.end for n in ghosts) > right_before  # they go on past what was shown
    assert _in_view(window, ghosts)
    assert _in_view(window, [max(seed, key=lambda n: n.end)])  # and where the seed ends


def test_zoom_to_fit_home_and_end(qtbot, window) -> None:
    _load(window, bars=4)
    with qtbot.waitSignal(window.engine.finished, timeout=60000):
        qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Return, CTRL)
    everything = list(window.document.notes.values()) + [n for v in window.flow.variations for n in v]
    for _ in range(6):
        qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Equal, CTRL)  # zoom in far
    view = window.roll.state.viewport
    assert not _in_view(window, everything)
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_End)
    end = max(n.end for n in everything)
    left, right = view.visible_ticks()
    assert left < end <= right
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Home)
    assert view.visible_ticks()[0] == 0
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_0, CTRL)
    assert _in_view(window, everything)
    left, right = view.visible_ticks()
    assert right - left < 2 * end  # fitted, not merely zoomed far out
