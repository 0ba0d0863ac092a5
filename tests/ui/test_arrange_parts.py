"""The band's parts after Arrange, in the real window, as a musician uses them: accepted parts
are layers of the roll in their part's colour, each shown or hidden (hidden notes are neither
drawn nor hit); each part's channel and program (the panel's Instruments box) are what the
proposal, Accept, the export, a drag-out and the project carry, and what is sent before Space
plays; a part's channel changed after Accept moves its notes along as one undo step."""

from __future__ import annotations

from pathlib import Path

import mido
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtWidgets import QApplication

from studio.core.arrangement import BASS, CHORDS, DRUMS
from studio.core.notes import Note
from studio.core.project import Project, parse_project, project_bytes
from studio.midi.files import read_midi, read_midi_song
from studio.ui.app.actions import Actions
from studio.ui.app.settings import AppSettings
from studio.ui.arrangement.panel import ArrangePanel
from studio.ui.document import files as files_module
from tests.ui.conftest import DEMO_SEED
from tests.ui.test_arrange_flow import _arrange, _load

SYNTH_BASS = 38  # GM "Synth Bass 1"


def _accept(qtbot, window) -> dict[str, list[Note]]:
    """Arrange the demo seed and accept it: the parts' notes as proposed."""
    _load(window, read_midi(DEMO_SEED))
    _arrange(qtbot, window)
    parts = {name: list(part.notes) for name, part in window.arrange_flow.proposal.parts.items()}
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Return)
    return parts


def _centre(window, note: Note) -> QPointF:
    view = window.roll.state.viewport
    return QPointF(view.x(note.start + note.duration / 2), view.y(note.pitch) + view.row_height / 2)


def _pixel(window, point: QPointF) -> QColor:
    window.roll.canvas.repaint()
    return window.roll.canvas.grab().toImage().pixelColor(point.toPoint())


def _programs(window) -> list[list[tuple[int, int]]]:
    sent: list[list[tuple[int, int]]] = []
    window.arrange_flow.programs.connect(sent.append)
    return sent


def test_accepted_parts_are_layers_in_their_colours_each_shown_or_hidden(qtbot, window) -> None:
    parts = _accept(qtbot, window)
    state = window.roll.state
    assert state.layers == {CHORDS.channel: 0, BASS.channel: 1, DRUMS.channel: 2}
    bass = max(parts["bass"], key=lambda n: n.duration)
    window.roll.reveal(bass.start, bass.end + 1920, (bass.pitch - 12, bass.pitch + 12))
    point = _centre(window, bass)
    shown = _pixel(window, point)
    assert abs(shown.hueF() - QColor("#9b7bff").hueF()) < 0.05  # the bass's ghost hue, filled
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    assert window.actions.show_bass in view_menu.actions()
    window.actions.show_bass.trigger()  # View > Show Bass off
    assert state.hidden == {BASS.channel}
    assert _pixel(window, point) != shown  # not drawn
    assert state.note_at(bass.start + 1, bass.pitch) is None or \
        state.note_at(bass.start + 1, bass.pitch)[1].channel != BASS.channel  # not hit
    window.roll.select_all()
    notes = window.document.notes
    assert all(notes[i].channel != BASS.channel for i in state.selected)
    assert any(notes[i].channel == 0 for i in state.selected)  # the melody always shows
    window.roll.select_none()
    shown_before = sorted(n for n in window.document.notes.values() if n.channel != BASS.channel)
    window.roll.quantize_selection(4 * 1920)  # nothing selected: every note shown, the hidden bass not
    now = window.document.notes.values()
    assert sorted(n for n in now if n.channel == BASS.channel) == sorted(parts["bass"])
    assert sorted(n for n in now if n.channel != BASS.channel) != shown_before
    window.document.undo_stack.undo()
    before = window.document.clip()
    qtbot.mouseClick(window.roll.canvas, Qt.MouseButton.LeftButton, pos=point.toPoint())
    after = window.document.clip().notes
    assert all(n in after for n in before.notes)  # the hidden bass neither moved nor selected:
    [drawn] = [n for n in after if n not in before.notes]  # a click there draws, as on empty space
    assert drawn.channel == 0 and drawn.pitch == bass.pitch
    window.actions.show_bass.trigger()
    assert state.hidden == frozenset() and abs(_pixel(window, point).hueF() - shown.hueF()) < 0.05


def test_a_hidden_part_leaves_the_proposal_shown_too(qtbot, window) -> None:
    _load(window, read_midi(DEMO_SEED))
    _arrange(qtbot, window)
    assert window.roll.ghosts[2]
    window.actions.show_drums.setChecked(False)
    assert window.roll.ghosts[2] == [] and window.roll.ghosts[1]
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Return)  # hidden is not muted: accepted all the same
    assert any(n.channel == DRUMS.channel for n in window.document.notes.values())


def test_each_parts_channel_and_program_go_everywhere_the_part_goes(qtbot, window, tmp_path: Path) -> None:
    box = window.arrange_panel.instruments
    assert [box.channels[n].value() for n in ("melody", "chords", "bass", "drums")] == [1, 2, 3, 10]
    box.channels["bass"].setValue(5)
    box.programs["bass"].set_program(SYNTH_BASS)
    assert box.programs["bass"].currentText() == "39 Synth Bass 1"
    _load(window, read_midi(DEMO_SEED))
    sent = _programs(window)
    _arrange(qtbot, window)
    bass = window.arrange_flow.proposal.parts["bass"]
    assert {n.channel for n in bass.notes} == {4} and bass.program == SYNTH_BASS
    assert window.roll.state.layers[4] == 1  # its layer follows it
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Return)
    assert {n.channel for n in window.document.notes.values()} == {0, CHORDS.channel, 4, DRUMS.channel}
    out = tmp_path / "band.mid"
    assert window.arrange_flow.export(out)
    tracks = {t.name: t for t in mido.MidiFile(out).tracks}
    changes = [(m.channel, m.program) for m in tracks["Bass"] if m.type == "program_change"]
    assert changes == [(4, SYNTH_BASS)]
    assert {m.channel for m in tracks["Bass"] if m.type == "note_on"} == {4}
    sent.clear()
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Space)  # play the sketch: the instruments first
    window.playback.stop()
    assert sent and (4, SYNTH_BASS) in sent[0] and (CHORDS.channel, CHORDS.program) in sent[0]
    saved = parse_project(project_bytes(window.project()))
    window.restore(Project())
    box.channels["bass"].setValue(3)
    window.restore(saved)
    assert box.channel("bass") == 4 and box.program("bass") == SYNTH_BASS
    assert window.roll.state.layers[4] == 1


def test_space_sends_no_programs_before_there_is_a_band(qtbot, window) -> None:
    _load(window, read_midi(DEMO_SEED))
    sent = _programs(window)
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Space)
    window.playback.stop()
    assert sent == []  # a synth's own choice on channel 1 stays as it is


def test_the_melody_plays_and_exports_on_its_channel(qtbot, window, tmp_path: Path) -> None:
    parts = _accept(qtbot, window)
    window.arrange_panel.instruments.channels["melody"].setValue(4)
    played = window.playback.notes_to_play()
    assert {n.channel for n in played} == {3, CHORDS.channel, BASS.channel, DRUMS.channel}
    assert sorted(n for n in played if n.channel == BASS.channel) == sorted(parts["bass"])
    assert window.arrange_flow.export(tmp_path / "band.mid")
    song = read_midi_song(tmp_path / "band.mid")
    assert {n.channel for n in song.track_notes[1]} == {3}  # the Melody track
    assert {n.channel for n in window.document.notes.values()} == {0, CHORDS.channel, BASS.channel,
                                                                    DRUMS.channel}  # drawn as before


def test_a_channel_in_use_is_skipped_or_refused(qtbot, window) -> None:
    box = window.arrange_panel.instruments
    bass = box.channels["bass"]
    bass.stepBy(-1)  # 2 is the chords', 1 the sketch's: nowhere lower to go
    assert bass.value() == 3
    bass.setValue(10)  # typed: the drums'
    assert bass.value() == 3 and "Channel 10 is Drums'" in window.arrange_panel.status.text()
    bass.stepBy(1)
    assert bass.value() == 4


def test_moving_an_accepted_part_to_another_channel_is_one_undo_step(qtbot, window) -> None:
    parts = _accept(qtbot, window)
    stack = window.document.undo_stack
    steps = stack.count()
    bass = window.arrange_panel.instruments.channels["bass"]
    bass.stepBy(1)  # channel 4
    on = {n.channel for n in window.document.notes.values()}
    assert BASS.channel not in on and 3 in on and stack.count() == steps + 1
    assert sorted(n.moved(channel=BASS.channel) for n in window.document.notes.values()
                  if n.channel == 3) == sorted(parts["bass"])
    assert window.roll.state.layers[3] == 1
    assert all(n.channel == 0 for n in window.arrange_flow.melody().notes)  # the moved bass is band still
    stack.undo()
    assert bass.value() == 3 and window.roll.state.layers[BASS.channel] == 1
    back = sorted(n for n in window.document.notes.values() if n.channel == BASS.channel)
    assert back == sorted(parts["bass"])
    stack.redo()
    assert bass.value() == 4


def _drag(button) -> None:
    """Press on a handle and move past the drag distance, as a mouse does."""
    start, end = QPointF(5, 5), QPointF(5 + 4 * QApplication.startDragDistance(), 5)
    for kind, at, buttons in ((QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton),
                              (QEvent.Type.MouseMove, end, Qt.MouseButton.LeftButton)):
        event = QMouseEvent(kind, at, button.mapToGlobal(at), Qt.MouseButton.LeftButton, buttons,
                            Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(button, event)


class _Drag:
    """Stands in for QDrag: records what a drag carried instead of running a drag loop."""

    carried: list[Path] = []

    def __init__(self, source) -> None:
        self.mime = None

    def setMimeData(self, mime) -> None:
        self.mime = mime

    def exec(self, *_) -> None:
        _Drag.carried.extend(Path(url.toLocalFile()) for url in self.mime.urls())


def test_the_arrangement_and_each_part_drag_out_as_midi_files(qtbot, window, monkeypatch) -> None:
    monkeypatch.setattr(files_module, "QDrag", _Drag)
    _Drag.carried = []
    handles = window.arrange_panel.instruments.drag_buttons
    window.arrange_dock.show()
    _load(window, read_midi(DEMO_SEED))
    _drag(handles["bass"])
    assert _Drag.carried == [] and "Arrange the melody first" in window.arrange_panel.status.text()
    _arrange(qtbot, window)
    proposal = window.arrange_flow.proposal
    _drag(handles[None])
    _drag(handles["bass"])
    whole, bass = _Drag.carried
    song = read_midi_song(whole)
    assert [n for n in song.track_names if n] == ["Melody", "Chords", "Bass", "Drums"]
    assert [text for _, text in song.markers] == [s.chord.name for s in proposal.chords]
    alone = read_midi_song(bass)
    assert bass.name == "Bass.mid" and [n for n in alone.track_names if n] == ["Bass"]
    assert sorted(alone.track_notes[-1]) == sorted(proposal.parts["bass"].notes)
    assert not list(bass.parent.glob(".*.tmp"))  # written atomically: no half-written file left


def test_a_drum_kit_other_than_the_standard_one_is_written_and_sent(qtbot, window, tmp_path: Path) -> None:
    _load(window, read_midi(DEMO_SEED))
    _arrange(qtbot, window)
    window.arrange_flow.export(tmp_path / "standard.mid")
    drums = {t.name: t for t in mido.MidiFile(tmp_path / "standard.mid").tracks}["Drums"]
    assert not any(m.type == "program_change" for m in drums)  # the GM kit, as before
    sent = _programs(window)
    kits = window.arrange_panel.instruments.programs["drums"]
    assert kits.set_program(25) and kits.currentText() == "TR-808 Kit"
    assert sent and (DRUMS.channel, 25) in sent[-1]  # heard at once
    window.arrange_flow.export(tmp_path / "808.mid")
    drums = {t.name: t for t in mido.MidiFile(tmp_path / "808.mid").tracks}["Drums"]
    assert [(m.channel, m.program) for m in drums if m.type == "program_change"] == [(DRUMS.channel, 25)]


def test_after_setting_a_channel_space_plays_the_sketch(qtbot, window) -> None:
    _load(window, read_midi(DEMO_SEED))
    window.arrange_dock.show()
    window.arrange_dock.raise_()
    bass = window.arrange_panel.instruments.channels["bass"]
    qtbot.waitUntil(bass.isVisible)
    qtbot.mouseClick(bass, Qt.MouseButton.LeftButton, pos=QPoint(bass.width() - 6, 4))  # its up arrow
    assert bass.value() == 4
    qtbot.waitUntil(window.roll.canvas.hasFocus)  # the keyboard is the roll's again
    assert window.arrange_panel.instruments.programs["bass"].focusPolicy() == Qt.FocusPolicy.TabFocus


def test_the_window_remembers_the_instruments_for_the_next_run(qtbot, window) -> None:
    window.arrange_panel.instruments.programs["bass"].set_program(SYNTH_BASS)
    window.arrange_panel.style_box.setCurrentIndex(window.arrange_panel.style_box.findData("folk"))
    window.save_settings()  # as at exit
    again = ArrangePanel(Actions())
    qtbot.addWidget(again)
    again.load_settings(AppSettings())  # the next run's, from the same file
    assert again.instruments.program("bass") == SYNTH_BASS and again.style() == "folk"


def test_a_file_with_parts_on_the_standard_channels_shows_them_as_parts(qtbot, window) -> None:
    _accept(qtbot, window)
    band = window.document.clip()  # parts on channels 2, 3 and 10
    box = window.arrange_panel.instruments
    window.restore(Project())
    box.channels["bass"].setValue(5)  # the musician's own choice (remembered)
    window.restore(Project())
    assert box.channel("bass") == 4  # a new sketch keeps it
    window.restore(Project(clip=band))  # as a .mid file opens: no channels kept with it
    assert box.channel("bass") == BASS.channel and window.roll.state.layers[BASS.channel] == 1
    assert all(n.channel == 0 for n in window.arrange_flow.melody().notes)
