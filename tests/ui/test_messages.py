"""What the window says, said right: a message naming Ctrl+Z goes once that step is no longer
the last (an undo, another edit, another file), in the panel and in the status bar alike;
counts are in words ("1 note", not "1 notes"); and the status bar leaves its message room
enough to be read at 1280x720, the MIDI output's long state elided (all of it in its tip)."""

from __future__ import annotations

from studio.core.notes import Clip, Note, TimeSignature
from studio.core.words import plural
from studio.midi.files import write_midi
from studio.ui.document import edits


def test_plural_says_one_and_many() -> None:
    assert [plural(1, "note"), plural(3, "note"), plural(0, "answer")] == ["1 note", "3 notes", "0 answers"]
    assert [plural(1.0, "beat"), plural(1.5, "beat"), plural(2, "bus", "buses")] == \
        ["1 beat", "1.5 beats", "2 buses"]


def test_an_accepted_variations_ctrl_z_message_goes_with_the_undo(qtbot, window) -> None:
    window.document.push(edits.add_notes(window.document, [Note(0, 60, 480)]))
    window.flow.variations, window.flow.selected = [[Note(480, 62, 480)]], 0
    window.flow.accept()
    assert window.panel.status.text() == "Variation 1 added (1 note); Ctrl+Z takes it back."
    window.say("Variation 1 added (1 note); Ctrl+Z takes it back.")  # as when the panel is hidden
    window.actions.undo.trigger()
    assert window.panel.status.text() == "" and window.statusBar().currentMessage() == ""
    window.say("Recorded 2 notes; Ctrl+Z takes them back.")
    window.document.push(edits.add_notes(window.document, [Note(960, 64, 480)]))  # Ctrl+Z undoes this now
    assert window.statusBar().currentMessage() == ""
    window.say("Something else went wrong.")  # not about the last step: it stays its while
    window.actions.undo.trigger()
    assert window.statusBar().currentMessage() == "Something else went wrong."


def test_opening_another_file_clears_a_ctrl_z_message(qtbot, window, tmp_path) -> None:
    window.document.push(edits.add_notes(window.document, [Note(0, 60, 480)]))
    window.flow.variations, window.flow.selected = [[Note(480, 62, 480)]], 0
    window.flow.accept()
    window.say("Variation 1 added (1 note); Ctrl+Z takes it back.")
    path = tmp_path / "one.mid"
    write_midi(path, Clip([Note(0, 67, 480)], 120.0, TimeSignature(4, 4), None))
    window.document.undo_stack.setClean()
    with qtbot.waitSignal(window.files.opened, timeout=10000):
        window.files.open(path)
    assert window.panel.status.text() == ""
    assert window.statusBar().currentMessage() in ("", "Opened one.mid: 1 note.")


def test_the_status_bar_leaves_its_message_room_at_1280_by_720(qtbot, window) -> None:
    window.resize(1280, 720)
    qtbot.waitUntil(lambda: window.width() == 1280, timeout=2000)
    window._show_midi("No MIDI output: No MIDI system is available: this machine has no ALSA sequencer "
                      "and no JACK server is running.")
    qtbot.wait(50)
    status = window.statusBar()
    shown = [w for w in (window.jam_label, window.keys_label, window.midi_label, window.engine_label,
                         window.model_label) if w.isVisible()]
    room = status.width() - sum(w.width() for w in shown)
    assert room >= 480, room  # about 110 px before
    assert window.midi_label.toolTip().endswith("no JACK server is running.")
    window.resize(1600, 1000)

