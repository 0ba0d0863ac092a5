"""Recording takes notes at the transport's tick: count-in, held notes, loop wraps, quantize."""

from __future__ import annotations

from studio.core.notes import Note, TimeSignature
from studio.midi.player import MemoryOutput
from studio.midi.session import LocalSession
from studio.ui.playback.recorder import Recorder
from studio.ui.playback.transport import Transport


def test_a_take_follows_the_clock_it_is_given() -> None:
    now = {"tick": 0}
    recorder = Recorder(lambda: now["tick"], lambda: 1920)
    recorder.note_on(60, 90)  # not recording yet: ignored
    recorder.start()
    recorder.note_on(62, 100)
    now["tick"] = 250
    recorder.note_off(62)
    recorder.note_on(64, 80)
    now["tick"] = 1900
    recorder.note_on(67, 70)
    now["tick"] = 100  # the loop wrapped while 67 was held
    recorder.note_off(67)
    now["tick"] = 300
    take = recorder.finish()  # 64 is still held: it ends here
    assert take == [Note(0, 62, 250, 100), Note(250, 64, 50, 80), Note(1900, 67, 20, 70)]
    assert not recorder.recording and recorder.finish() == []


def test_quantized_takes_snap_their_starts() -> None:
    now = {"tick": 130}
    recorder = Recorder(lambda: now["tick"])
    recorder.start()
    recorder.note_on(60, 90)
    now["tick"] = 400
    assert recorder.finish(grid=120) == [Note(120, 60, 270, 90)]


def test_recording_over_an_open_ended_play_with_a_count_in(qtbot) -> None:
    output = MemoryOutput()
    session = LocalSession(output)
    transport = Transport(lambda: session)
    recorder = Recorder(transport.position)
    transport.play([], 960.0, TimeSignature(4, 4), start=480, count_in=True, open_end=True)
    recorder.start()
    recorder.note_on(60, 100)  # during the count-in: lands on the start
    qtbot.waitUntil(lambda: (transport.position() or 0) > 480 + 960, timeout=5000)
    assert transport.playing  # nothing to play, yet it goes on: it is recording
    take = recorder.finish()
    transport.stop()
    assert take[0].start == 480 and take[0].duration > 960
    clicks = [m for _, m in output.messages if m.type == "note_on" and m.channel == 9]
    assert len(clicks) >= 4  # the count-in bar


def test_a_recorded_take_is_placed_as_hand_edits_are(qtbot, window) -> None:
    from studio.core.notes import Note
    from studio.ui.document import edits

    window.document.push(edits.add_notes(window.document, [Note(0, 60, 7680)]))  # a long C4 under it
    window.actions.count_in.setChecked(False)
    window.actions.record.setChecked(True)
    qtbot.waitUntil(lambda: (window.playback.transport.position() or 0) > 240, timeout=5000)
    window.playback.recorder.note_on(60, 100)  # C4 struck again over it
    qtbot.wait(100)
    window.playback.recorder.note_off(60)
    window.actions.record.setChecked(False)
    c4 = sorted(n for n in window.document.notes.values() if n.pitch == 60)
    assert len(c4) == 2 and c4[0].end <= c4[1].start  # the old one ends where the new one starts
    assert window.document.undo_stack.undoText() == "Record"
