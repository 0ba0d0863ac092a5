"""What Continue continues, in the real window: a phrase drawn note by note is continued whole
(drawing leaves nothing selected), a selection the musician makes narrows the seed, and the
Continue panel says which, before and while it continues."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

CTRL = Qt.KeyboardModifier.ControlModifier
LEFT = Qt.MouseButton.LeftButton


def _draw(qtbot, window, tick: int, pitch: int) -> None:
    view = window.roll.state.viewport
    qtbot.mouseClick(window.roll.canvas, LEFT, pos=QPoint(round(view.x(tick)) + 2,
                                                          round(view.y(pitch) + view.row_height / 2)))


def _continue(qtbot, window) -> None:
    with qtbot.waitSignal(window.engine.finished, timeout=60000):
        qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Return, CTRL)


def test_a_drawn_phrase_is_continued_whole_and_the_panel_says_what_it_continues(qtbot, window) -> None:
    window.panel.set_values({"bars": 1, "variations": 2, "seed": 5})
    window.roll.frame_notes()
    assert window.panel.seed_label.text().startswith("Nothing to continue")
    for k, pitch in enumerate((60, 62, 64, 65, 67, 65, 64, 62)):
        _draw(qtbot, window, k * 480, pitch)
    assert len(window.document.notes) == 8
    assert window.roll.selected_notes() == []  # the last drawn note is not the seed
    assert "all 8 notes" in window.panel.seed_label.text()
    window.roll.setFocus()
    _continue(qtbot, window)
    assert len(window.flow._seed.notes) == 8
    assert window.flow.variations and all(window.flow.variations)
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Return)  # accept: the variation is not selected either
    assert window.roll.selected_notes() == []
    total = len(window.document.notes)
    assert f"all {total} notes" in window.panel.seed_label.text()


def test_a_chosen_selection_is_the_seed_and_the_panel_says_so(qtbot, window) -> None:
    window.panel.set_values({"bars": 1, "variations": 2, "seed": 5})
    window.roll.frame_notes()
    for k, pitch in enumerate((60, 64, 67, 72, 67)):
        _draw(qtbot, window, k * 480, pitch)
    ids = sorted(window.document.notes, key=lambda i: window.document.notes[i].start)
    window.roll.select_ids(ids[:3])
    assert "the 3 selected notes of 5" in window.panel.seed_label.text()
    window.roll.setFocus()
    with qtbot.waitSignal(window.engine.finished, timeout=60000):
        qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Return, CTRL)
        assert window.panel.status.text().startswith("Continuing the 3 selected notes")
    assert len(window.flow._seed.notes) == 3
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Escape)  # drops the variations
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Escape)  # then selects none: the whole clip
    assert window.roll.selected_notes() == [] and "all 5 notes" in window.panel.seed_label.text()
    with qtbot.waitSignal(window.engine.finished, timeout=60000):
        qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Return, CTRL)
        assert window.panel.status.text().startswith("Continuing 5 notes")
