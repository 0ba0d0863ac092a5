"""The Arrange workflow in the real window with the real band model, driven as a musician does:
Ctrl+B arranges the melody (ghost parts, a chord lane over the roll), Enter accepts the parts as
one undo step, Esc drops them (Ctrl+Z brings them back), typed chords are followed, one part
is played again alone with the others kept, the arranger works off the GUI thread, the
arrangement exports as a multi-track .mid and a project keeps its chord lane."""

from __future__ import annotations

import random
import threading

from PySide6.QtCore import Qt

from studio.core.arrangement import BASS, CHORDS, DRUMS, BeatGrid, chords_per_beat
from studio.core.notes import Clip, Note, TimeSignature
from studio.core.project import Project, parse_project, project_bytes
from studio.engine.arranger import Arranger
from studio.midi.files import read_midi, read_midi_song
from tests.ui.conftest import DEMO_SEED

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
EVERY_CHANNEL = {0, CHORDS.channel, BASS.channel, DRUMS.channel}  # the melody's and the band's
SCALE = (60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62, 60, 64)


def _tune(bars: int = 8) -> Clip:
    """Eight bars of 4/4, two half notes a bar, on channel 1."""
    notes = [Note(i * 960, SCALE[i % len(SCALE)], 900, 90) for i in range(2 * bars)]
    return Clip(notes, 100.0, TimeSignature(4, 4), "C-major")


def _load(window, clip: Clip) -> None:
    """The clip in the window, the roll with the keys; Again's takes the same every run."""
    window.restore(Project(clip=clip))
    window.arrange_flow._rng = random.Random(5)
    window.activateWindow()
    window.roll.setFocus()


def _arrange(qtbot, window, modifiers=CTRL) -> None:
    """Ctrl+B (Ctrl+Shift+B: again), and wait for the proposal."""
    with qtbot.waitSignal(window.arranger.finished, timeout=30000):
        qtbot.keyClick(window.roll.canvas, Qt.Key.Key_B, modifiers)


def test_arrange_proposes_parts_on_their_channels_under_a_chord_lane(qtbot, window) -> None:
    _load(window, read_midi(DEMO_SEED))
    before = window.document.clip()
    assert not window.chord_lane.isVisible()  # no chords yet: no lane
    _arrange(qtbot, window)
    proposal = window.arrange_flow.proposal
    assert proposal is not None and set(proposal.parts) == {"chords", "bass", "drums"}
    for name, spec in (("chords", CHORDS), ("bass", BASS), ("drums", DRUMS)):
        notes = proposal.parts[name].notes
        assert notes and {n.channel for n in notes} == {spec.channel}, name
    assert window.document.clip() == before  # ghosts only, until accepted
    assert [len(layer) for layer in window.roll.ghosts] == [len(proposal.parts[n].notes)
                                                           for n in ("chords", "bass", "drums")]
    assert window.chord_lane.isVisible() and window.chord_lane.spans == proposal.chords
    assert window.arrange_dock.isVisible()  # Ctrl+B shows the panel
    assert "Shift+Space" in window.arrange_panel.status.text()


def test_accept_is_one_undo_step_and_ctrl_z_takes_every_part_back(qtbot, window) -> None:
    _load(window, read_midi(DEMO_SEED))
    before = window.document.clip()
    _arrange(qtbot, window)
    parts = [n for p in window.arrange_flow.proposal.parts.values() for n in p.notes]
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Return)
    assert window.arrange_flow.proposal is None and window.roll.ghosts == []
    after = window.document.clip()
    assert sorted(after.notes) == sorted(before.notes + parts)
    assert {n.channel for n in after.notes} == EVERY_CHANNEL
    assert window.document.undo_stack.count() == 1
    assert window.chord_lane.isVisible()  # the accepted chords stay in the lane
    assert "Ctrl+Z" in window.arrange_panel.status.text()
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Z, CTRL)
    assert window.document.clip() == before
    assert window.arrange_panel.status.isHidden()  # the sentence naming Ctrl+Z went with its step
    # arranging the accepted sketch again takes the melody, not the accepted parts
    window.document.undo_stack.redo()
    assert sorted(window.arrange_flow.melody().notes) == sorted(before.notes)


def test_escape_drops_the_proposal_and_ctrl_z_brings_it_back(qtbot, window) -> None:
    _load(window, read_midi(DEMO_SEED))
    before = window.document.clip()
    _arrange(qtbot, window)
    proposal = window.arrange_flow.proposal
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Escape)
    assert window.arrange_flow.proposal is None and window.roll.ghosts == []
    assert window.document.clip() == before and window.document.undo_stack.isClean()
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Z, CTRL)
    assert window.arrange_flow.proposal is proposal and window.roll.ghosts
    assert window.document.clip() == before


def test_typed_chords_are_the_lane_and_the_chords_part_plays_inside_them(qtbot, window) -> None:
    _load(window, _tune())
    window.arrange_panel.chords.setText("C G Am F")
    _arrange(qtbot, window)
    proposal = window.arrange_flow.proposal
    assert [s.chord.name for s in proposal.chords] == ["C", "G", "Am", "F"] * 2
    assert [s.start for s in proposal.chords] == [bar * 1920 for bar in range(8)]
    for note in proposal.parts["chords"].notes:
        span = next(s for s in proposal.chords if s.start <= note.start < s.end)
        assert note.pitch % 12 in span.chord.pitch_classes(), (note, span.chord.name)
    assert window.chord_lane.locked == {s.start for s in proposal.chords}  # typed: locked


def test_a_bad_typed_chord_is_one_sentence_and_nothing_runs(qtbot, window) -> None:
    _load(window, _tune())
    window.arrange_panel.chords.setText("C Gx7zz Am")
    window.actions.arrange.trigger()
    assert not window.arranger.running and window.arrange_flow.proposal is None
    status = window.arrange_panel.status.text()
    assert "Gx7zz" in status and status.count(".") <= 2


def test_a_chord_typed_in_the_lane_is_locked_and_followed(qtbot, window) -> None:
    _load(window, _tune())
    _arrange(qtbot, window)
    lane = window.chord_lane
    def outside_bar_3(spans: list) -> list:  # the chord at each beat outside bar 3 (spans may split)
        return [c for b, c in enumerate(chords_per_beat(spans, 32, BeatGrid.of(TimeSignature(4, 4))))
                if not 8 <= b < 12]

    others = outside_bar_3(window.arrange_flow.proposal.chords)
    with qtbot.waitSignal(window.arranger.finished, timeout=30000):
        lane.edit(2 * 1920, 1920, "")
        qtbot.keyClicks(lane._edit, "Ebmaj7")
        qtbot.keyClick(lane._edit, Qt.Key.Key_Return)
    proposal = window.arrange_flow.proposal
    bar3 = [s for s in proposal.chords if s.start < 3 * 1920 and s.end > 2 * 1920]
    assert [s.chord.name for s in bar3] == ["Ebmaj7"] and 2 * 1920 in lane.locked
    assert outside_bar_3(proposal.chords) == others  # the rest of the harmony kept
    lane.edit(0, 1920, "")
    qtbot.keyClicks(lane._edit, "Hm")
    qtbot.keyClick(lane._edit, Qt.Key.Key_Return)
    assert "Hm" in window.arrange_panel.status.text()  # one sentence, the lane as it was
    assert [s.chord.name for s in lane.spans if s.start == 2 * 1920] == ["Ebmaj7"]


def test_regenerating_one_part_keeps_the_others_and_the_chords(qtbot, window) -> None:
    _load(window, _tune())
    _arrange(qtbot, window)
    first = window.arrange_flow.proposal
    chords, drums, bass = (list(first.parts[name].notes) for name in ("chords", "drums", "bass"))
    lane = list(first.chords)
    with qtbot.waitSignal(window.arranger.finished, timeout=30000):
        window.arrange_panel.again_buttons["bass"].click()
    second = window.arrange_flow.proposal
    assert second is not first
    assert second.parts["chords"].notes == chords and second.parts["drums"].notes == drums
    assert second.chords == lane
    assert second.parts["bass"].notes != bass
    assert "Bass" in window.arrange_panel.status.text()


def test_again_keeps_a_locked_part(qtbot, window) -> None:
    _load(window, _tune())
    _arrange(qtbot, window)
    first = window.arrange_flow.proposal
    window.arrange_panel.switches["chords", "locked"].click()
    _arrange(qtbot, window, CTRL | SHIFT)
    second = window.arrange_flow.proposal
    assert second.parts["chords"].notes == first.parts["chords"].notes and second.chords == first.chords
    assert second.parts["bass"].notes != first.parts["bass"].notes


def test_mute_and_solo_change_what_is_shown_heard_and_accepted(qtbot, window) -> None:
    _load(window, _tune())
    _arrange(qtbot, window)
    proposal = window.arrange_flow.proposal
    window.arrange_panel.switches["drums", "muted"].click()
    assert window.roll.ghosts[2] == [] and window.roll.ghosts[0]
    assert not any(n.channel == DRUMS.channel for n in window.playback.notes_to_play())
    window.arrange_panel.switches["bass", "solo"].click()
    assert window.roll.ghosts[0] == [] and window.roll.ghosts[1] == proposal.parts["bass"].notes
    heard: list[list[Note]] = []
    window.arrange_flow.audition_requested.connect(heard.append)
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Space, SHIFT)
    assert heard == [sorted(proposal.parts["bass"].notes)]
    window.playback.stop()
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Return)
    assert {n.channel for n in window.document.notes.values()} == {0, BASS.channel}


def test_the_arranger_never_runs_on_the_gui_thread(qtbot, window, monkeypatch) -> None:
    threads: list[int] = []
    arrange = Arranger.arrange

    def recording(self, melody, request=None):
        threads.append(threading.get_ident())
        return arrange(self, melody, request)

    monkeypatch.setattr(Arranger, "arrange", recording)
    _load(window, read_midi(DEMO_SEED))
    _arrange(qtbot, window)
    with qtbot.waitSignal(window.arranger.finished, timeout=30000):
        window.arrange_panel.again_buttons["drums"].click()
    assert len(threads) == 2 and threading.main_thread().ident not in threads


def test_a_superseded_request_is_dropped(qtbot, window) -> None:
    _load(window, _tune())
    results = []
    window.arranger.finished.connect(results.append)
    window.arrange_flow.arrange(seed=1)
    with qtbot.waitSignal(window.arranger.finished, timeout=30000):
        window.arrange_flow.arrange(seed=2)
    qtbot.wait(200)
    assert len(results) == 1 and results[0].job == window.arranger._job  # the first one's is dropped


def test_export_writes_melody_chords_bass_and_drums_tracks(qtbot, window, tmp_path) -> None:
    _load(window, read_midi(DEMO_SEED))
    assert not window.actions.export_arrangement.isEnabled()
    _arrange(qtbot, window)
    proposal = window.arrange_flow.proposal
    out = tmp_path / "band.mid"
    assert window.arrange_flow.export(out)
    song = read_midi_song(out)
    assert [n for n in song.track_names if n] == ["Melody", "Chords", "Bass", "Drums"]
    assert [text for _, text in song.markers] == [s.chord.name for s in proposal.chords]
    assert sorted(song.track_notes[-1]) == sorted(proposal.parts["drums"].notes)


def test_the_project_keeps_the_chord_lane_and_the_panel(qtbot, window) -> None:
    _load(window, _tune())
    window.arrange_panel.chords.setText("Am F C G")
    window.arrange_panel.style_box.setCurrentIndex(window.arrange_panel.style_box.findData("folk"))
    _arrange(qtbot, window)
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Return)
    spans = list(window.chord_lane.spans)
    saved = parse_project(project_bytes(window.project()))
    window.restore(Project())
    assert window.chord_lane.spans == [] and not window.chord_lane.isVisible()
    window.restore(saved)
    assert window.chord_lane.spans == spans and window.chord_lane.locked == {s.start for s in spans}
    assert window.arrange_panel.chords.text() == "Am F C G" and window.arrange_panel.style() == "folk"
    assert Project().arrangement is None and window.project().arrangement is not None


def test_enter_goes_to_what_the_roll_shows_variations_over_a_proposal(qtbot, window) -> None:
    _load(window, _tune())
    window.panel.set_values({"bars": 1, "variations": 2, "seed": 3})
    _arrange(qtbot, window)
    proposal = window.arrange_flow.proposal
    with qtbot.waitSignal(window.engine.finished, timeout=60000):
        qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Return, CTRL)  # continue: its variations are shown
    assert not window.arrange_flow.showing and window.arrange_flow.heard_notes() == []
    variation = list(window.flow.variations[0])
    before = window.document.clip()
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Return)  # the variation's, not the proposal's
    assert sorted(window.document.clip().notes) == sorted(before.notes + variation)
    assert window.arrange_flow.proposal is proposal  # still there, for the panel's Accept
    window.actions.accept_arrangement.trigger()
    assert window.document.undo_stack.count() == 2
    assert {n.channel for n in window.document.notes.values()} == EVERY_CHANNEL
