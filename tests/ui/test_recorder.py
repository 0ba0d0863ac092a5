"""The Recorder on a clock the test moves: a note tapped during the count-in (when the clock
stands on the first beat) is a short note there, not one as long as the loop."""

from __future__ import annotations

from studio.core.notes import Note
from studio.ui.playback.recorder import TAP, Recorder


def test_a_note_tapped_in_the_count_in_is_short_even_over_a_loop() -> None:
    now = {"tick": 1920}  # the count-in: the clock stays on the first beat
    recorder = Recorder(lambda: now["tick"], lambda: 1920 + 4 * 1920)
    recorder.start()
    recorder.note_on(60, 90)
    recorder.note_off(60)
    recorder.note_on(64, 80)  # held into the bar
    now["tick"] = 1920 + 480
    recorder.note_off(64)
    assert recorder.finish() == [Note(1920, 60, TAP, 90), Note(1920, 64, 480, 80)]
