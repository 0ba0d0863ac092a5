"""The continuation workflow in the real window with the real model, driven by its shortcuts:
Ctrl+Enter continues, Tab / Shift+Tab cycle, Enter accepts (one undo step), Esc discards,
Ctrl+R rolls again with a new seed; the roll's selection is the seed when there is one."""

from __future__ import annotations

from PySide6.QtCore import Qt

from studio.core.notes import Clip, Note
from studio.core.project import Project
from studio.midi.files import read_midi
from studio.ui.continuation.engine_worker import ContinueResult
from tests.ui.conftest import DEMO_SEED

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
CONTROLS = {"bars": 2, "variations": 3, "seed": 11, "temperature": 1.0, "key": "auto"}


def _load_demo(window) -> None:
    window.restore(Project(clip=read_midi(DEMO_SEED), continuation=CONTROLS))
    window.activateWindow()
    window.roll.setFocus()


def _continue(qtbot, window, key=Qt.Key.Key_Return, modifiers=CTRL) -> None:
    with qtbot.waitSignal(window.engine.finished, timeout=60000):
        qtbot.keyClick(window.roll.canvas, key, modifiers)


def test_continue_cycle_accept_and_undo_by_shortcuts(qtbot, window) -> None:
    _load_demo(window)
    before = window.document.clip()
    _continue(qtbot, window)
    flow = window.flow
    assert len(flow.variations) == 3 and all(flow.variations) and flow.selected == 0
    seed_end = max(n.end for n in before.notes)
    assert all(n.start >= seed_end - before.time_signature.beat_ticks for v in flow.variations for n in v)
    assert window.document.clip() == before  # ghosts only, until accepted
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Tab)
    assert flow.selected == 1
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Tab)
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Tab)
    assert flow.selected == 0  # wrapped round
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Backtab, SHIFT)
    assert flow.selected == 2
    chosen = list(flow.variations[2])
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Return)
    assert not flow.variations and window.roll.state.ghosts == []
    after = window.document.clip()
    assert sorted(after.notes) == sorted(before.notes + chosen)
    assert window.document.undo_stack.count() == 1  # the accept is one edit
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Z, CTRL)
    assert window.document.clip() == before
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Z, CTRL | SHIFT)
    assert window.document.clip() == after


def test_escape_discards_and_leaves_the_clip_alone(qtbot, window) -> None:
    _load_demo(window)
    before = window.document.clip()
    _continue(qtbot, window)
    assert window.flow.variations
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Escape)
    assert not window.flow.variations and window.flow.selected is None
    assert window.document.clip() == before
    # the drop is a step of the history (Ctrl+Z brings the variations back) that changes no note
    # and leaves an unchanged sketch unchanged
    assert window.document.undo_stack.count() == 1 and window.document.undo_stack.isClean()
    assert not window.actions.accept.isEnabled()


def test_escape_then_ctrl_z_brings_the_variations_back(qtbot, window) -> None:
    _load_demo(window)
    before = window.document.clip()
    _continue(qtbot, window)
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Tab)
    shown = [list(v) for v in window.flow.variations]
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Escape)
    assert not window.flow.variations and window.roll.ghosts == []
    assert "Ctrl+Z" in window.panel.status.text()
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Z, CTRL)
    assert window.flow.variations == shown and window.roll.ghosts == shown
    assert window.flow.selected == 1 and window.actions.accept.isEnabled()
    assert window.document.clip() == before
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Z, CTRL | SHIFT)  # redo drops them again
    assert not window.flow.variations
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Z, CTRL)
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Return)  # and one brought back can be accepted
    assert len(window.document.notes) == len(before.notes) + len(shown[1])
    # variations continued after a drop are not lost by undoing it: redo brings them back
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Z, CTRL)  # the accept
    _continue(qtbot, window, Qt.Key.Key_R, CTRL)
    dropped = [list(v) for v in window.flow.variations]
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Escape)
    _continue(qtbot, window, Qt.Key.Key_R, CTRL)
    newer = [list(v) for v in window.flow.variations]
    assert newer != dropped
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Z, CTRL)
    assert window.flow.variations == dropped
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Z, CTRL | SHIFT)
    assert window.flow.variations == newer


def test_again_rolls_new_variations_with_a_new_seed(qtbot, window) -> None:
    _load_demo(window)
    _continue(qtbot, window)
    first, seed = [list(v) for v in window.flow.variations], window.panel.seed.value()
    _continue(qtbot, window, Qt.Key.Key_R, CTRL)
    assert window.panel.seed.value() != seed
    assert [list(v) for v in window.flow.variations] != first


def test_the_selection_is_the_seed(qtbot, window) -> None:
    _load_demo(window)
    notes = sorted(window.document.notes.items(), key=lambda item: item[1].start)
    first_half = [note_id for note_id, _ in notes[: len(notes) // 2]]
    window.roll.select_ids(first_half)
    selection_end = max(window.document.notes[i].end for i in first_half)
    _continue(qtbot, window)
    starts = [n.start for v in window.flow.variations for n in v]
    beat = window.document.time_signature.beat_ticks
    assert min(starts) >= selection_end - beat and min(starts) < window.document.end


def test_escape_while_running_cancels(qtbot, window) -> None:
    window.restore(Project(clip=read_midi(DEMO_SEED), continuation={"bars": 32, "variations": 8}))
    window.activateWindow()
    with qtbot.waitSignal(window.engine.finished, timeout=60000) as done:
        window.actions["continue"].trigger()
        window.actions.discard.trigger()
    assert done.args[0].cancelled and not window.flow.running


def test_nothing_to_continue_says_so(qtbot, window) -> None:
    window.actions["continue"].trigger()
    assert not window.flow.running and "nothing to continue" in window.panel.status.text()


def test_a_new_sketch_while_continuing_gets_no_stale_ghosts(qtbot, window) -> None:
    window.restore(Project(clip=read_midi(DEMO_SEED), continuation={"bars": 32, "variations": 8}))
    with qtbot.waitSignal(window.engine.finished, timeout=60000):
        window.actions["continue"].trigger()
        window.files.new()
    qtbot.wait(50)
    assert not window.flow.variations and window.roll.state.ghosts == [] and not window.document.notes


def test_audition_plays_the_shown_variation_alone_and_play_hears_it_in_place(qtbot, window) -> None:
    _load_demo(window)
    _continue(qtbot, window)
    shown = window.flow.variations[window.flow.selected]
    window.actions.audition.trigger()
    assert window.transport.playing and window.transport.plan.start == min(n.start for n in shown)
    window.transport.stop()
    assert sorted(window.playback.notes_to_play()) == sorted([*window.document.notes.values(), *shown])
    window.actions.loop.setChecked(True)  # no region yet: the clip's bars
    bar = window.document.time_signature.bar_ticks
    assert window.roll.loop == (0, -(-window.document.end // bar) * bar)
    window.actions.loop.setChecked(False)


def test_the_outcome_is_said_once_in_the_panel_or_in_the_status_bar_while_the_panel_is_hidden(
        qtbot, window) -> None:  # fmt: skip
    _load_demo(window)
    said: list[str] = []
    window.flow.message.connect(said.append)
    _continue(qtbot, window)
    assert window.panel.status.text().startswith("Done: 3 variations") and said == []
    assert not window.statusBar().currentMessage().startswith("Done")
    window.continue_dock.hide()
    _continue(qtbot, window)
    assert len(said) == 2 and said[-1].startswith("Done: 3 variations")  # "Continuing…", then the outcome
    assert window.statusBar().currentMessage() == said[-1]
    window.continue_dock.show()
    window.history_dock.show()
    window.history_dock.raise_()  # the panel's tab is behind the undo history
    _continue(qtbot, window)
    assert len(said) == 4
    window.continue_dock.raise_()
    window.hide()  # not shown yet, as for the screenshot: the panel will be seen
    window.flow.continue_()
    qtbot.waitUntil(lambda: not window.flow.running, timeout=60000)
    assert len(said) == 4


def test_a_second_request_while_one_runs_replaces_it(qtbot, window) -> None:
    window.restore(Project(clip=read_midi(DEMO_SEED), continuation={"bars": 32, "variations": 8}))
    finished: list = []
    window.engine.finished.connect(finished.append)
    window.actions["continue"].trigger()
    window.panel.set_values(CONTROLS)  # 3 variations of 2 bars
    with qtbot.waitSignal(window.engine.finished, timeout=60000):
        window.actions["continue"].trigger()
    qtbot.wait(100)
    assert len(finished) == 1 and not finished[0].cancelled
    assert len(window.flow.variations) == 3 and all(window.flow.variations)
    assert [list(v) for v in window.flow.variations] == finished[0].variations
    assert window.actions.accept.isEnabled()


def test_again_after_a_new_sketch_continues_the_new_one(qtbot, window) -> None:
    _load_demo(window)
    _continue(qtbot, window)
    window.files.new()
    window.actions.again.trigger()
    assert not window.flow.running and not window.flow.variations
    assert "nothing to continue" in window.panel.status.text()


def test_stopping_before_any_note_came_says_so_rather_than_blaming_the_model(window) -> None:
    stopped = ContinueResult(job=0, variations=[[], [], []], start_tick=0, end_tick=1920, cancelled=True)
    window.engine.finished.emit(stopped)
    assert window.panel.status.text() == "Stopped before any notes came."
    stopped.cancelled = False
    window.engine.finished.emit(stopped)
    assert window.panel.status.text().startswith("The model found nothing to add here")


def test_an_accepted_variation_clears_its_way_on_its_keys_in_the_same_undo_step(window) -> None:
    seed = [Note(0, 60, 1920, 90), Note(0, 64, 480, 80)]  # C still sounds where the variation plays C
    window.restore(Project(clip=Clip(seed)))
    variation = [Note(960, 60, 240, 100), Note(960, 62, 480, 100), Note(1200, 62, 240, 100)]
    window.engine.finished.emit(ContinueResult(job=0, variations=[variation], start_tick=960,
                                               end_tick=1920, cancelled=False))
    window.flow.choose(0)
    window.flow.accept()
    assert sorted(window.document.notes.values()) == [
        Note(0, 60, 960, 90), Note(0, 64, 480, 80), Note(960, 60, 240, 100),
        Note(960, 62, 240, 100), Note(1200, 62, 240, 100)]  # the seed's C ends where the new one starts
    assert window.document.undo_stack.count() == 1
    window.document.undo_stack.undo()
    assert sorted(window.document.notes.values()) == seed
