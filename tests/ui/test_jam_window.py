"""Jam mode in the real window with the shipped model: a phrase on the computer keys and a pause
are answered through the window's player (here an in-memory output), the roll shows the phrase
and the answer as it sounds, the status says Listening / Answering, playing again cuts the answer
off with every note-off sent, and the sketch changes only by Keep Jam Take, as one undo step."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import Qt

from studio.core.notes import DRUM_CHANNEL, Clip, Note, TimeSignature
from studio.live.play_plan import CLICK_ACCENT, CLICK_BEAT
from studio.midi.player import MemoryOutput
from studio.midi.session import LocalSession
from studio.ui.connections.sync import CLOCK, INTERNAL
from studio.ui.jam.mode import ANSWERING, LISTENING, SHOW_MS
from tests.live_helpers import open_notes

PHRASE_KEYS = ("a", "s", "d", "f", "g", "f", "d", "s")  # C D E F G F E D in the Ableton layout
BPM = 240.0  # a beat is 250 ms


def _note_ons(out: MemoryOutput) -> list:
    return [m for _, m in out.messages if m.type == "note_on" and m.velocity]


def play_keys(qtbot, window, keys: tuple[str, ...], step_ms: int = 110) -> None:
    for key in keys:
        qtbot.keyPress(window.roll.canvas, key)
        qtbot.wait(step_ms - 20)
        qtbot.keyRelease(window.roll.canvas, key)
        qtbot.wait(20)


def jamming_window(window, out: MemoryOutput, output=None):
    """The window at 240 BPM with its jam playing into `out` (an in-process session), or into
    whatever `output()` returns at the time (each output a session of its own)."""
    sessions: dict[int, LocalSession] = {}

    def session() -> LocalSession:
        chosen = output() if output is not None else out
        return sessions.setdefault(id(chosen), LocalSession(chosen))
    window.midi.session = session
    window.document.load(Clip([], BPM, TimeSignature(4, 4), None))
    window.panel.bars.setValue(1)
    window.panel.jam_pause.setValue(1.0)
    window.activateWindow()
    window.roll.canvas.setFocus()
    window.actions.jam.setChecked(True)
    assert window.jam.active and window.actions.jam.isChecked()
    return window.jam.jam


def test_a_phrase_and_a_pause_are_answered_and_playing_again_cuts_the_answer_off(qtbot, window) -> None:
    out = MemoryOutput()
    jam = jamming_window(window, out)
    undo_steps = window.document.undo_stack.count()
    qtbot.waitUntil(lambda: window.jam_label.text() == LISTENING, timeout=2000)
    assert window.jam_label.isVisible() and not window.hint.isVisible()  # the empty roll's hint gives way
    play_keys(qtbot, window, PHRASE_KEYS)
    qtbot.waitUntil(lambda: bool(_note_ons(out)), timeout=15000)  # the answer sounds
    qtbot.waitUntil(lambda: window.jam_label.text() == ANSWERING, timeout=2000)
    answer = jam.answers[0]
    assert [n.pitch for n in answer.phrase] == [60, 62, 64, 65, 67, 65, 64, 62]
    played, heard = window.roll.state.ghosts
    assert [n.pitch for n in played] == [n.pitch for n in answer.phrase]  # the phrase, in the roll
    qtbot.waitUntil(lambda: bool(window.roll.state.ghosts[1]), timeout=2000)  # the answer, as it sounds
    heard = window.roll.state.ghosts[1]
    assert [n.pitch for n in heard] == [n.pitch for n in answer.live.played[:len(heard)]]
    assert min(n.start for n in heard) >= max(n.end for n in played)  # after the pause

    qtbot.keyPress(window.roll.canvas, "j")  # B4: the musician plays again
    assert answer.interrupted or not answer.live.playing
    assert answer.live.wait(2.0) and not open_notes(out.messages)  # every note-on got its note-off
    heard_count = len(_note_ons(out))
    qtbot.wait(300)
    assert len(_note_ons(out)) == heard_count  # nothing more of that answer
    qtbot.keyRelease(window.roll.canvas, "j")

    window.actions.jam.setChecked(False)  # Ctrl+J again
    assert not window.jam.active and not window.jam_label.isVisible()
    assert not open_notes(out.messages)
    # the sketch is as it was; Keep Jam Take adds what was played and heard, as one step
    assert not window.document.notes and window.document.undo_stack.count() == undo_steps
    assert window.actions.keep_jam.isEnabled()
    take = list(window.jam.take)
    assert {n.pitch for n in answer.phrase} | {71} <= {n.pitch for n in take}
    window.actions.keep_jam.trigger()
    assert sorted(window.document.notes.values()) == take
    assert window.document.undo_stack.undoText() == f"Keep jam ({len(take)} notes)"
    window.document.undo_stack.undo()
    assert not window.document.notes and not window.actions.keep_jam.isEnabled()


def test_play_takes_the_player_back_from_the_jam(qtbot, window) -> None:
    out = MemoryOutput()
    jam = jamming_window(window, out)
    play_keys(qtbot, window, PHRASE_KEYS[:4])
    qtbot.waitUntil(lambda: jam.answering, timeout=15000)
    window.playback.play(from_tick=0)  # Space while jamming: the jam stops first
    assert not window.jam.active and not window.actions.jam.isChecked()
    assert jam.answers[-1].live.wait(2.0) and not open_notes(out.messages)
    window.playback.stop()


class HeldOutput(MemoryOutput):
    """A MemoryOutput whose note-offs (the metronome's aside) wait while `hold` is set: a player
    stopping while they go out is still ending its notes."""

    def __init__(self) -> None:
        super().__init__()
        self.hold, self.released = threading.Event(), threading.Event()

    def send(self, message) -> None:
        if message.type == "note_off" and message.channel != DRUM_CHANNEL and self.hold.is_set():
            self.released.wait(10)
        super().send(message)


def test_stopping_a_jam_never_waits_on_the_gui_thread_and_every_note_off_still_goes_out(
        qtbot, window, monkeypatch) -> None:
    import studio.live.jam as live_jam
    import studio.midi.session as session_module

    gui = threading.current_thread()
    waited: list[str] = []  # what the GUI thread waited for

    class WatchedPlayer(session_module.Player):
        def stop(self, timeout: float = 2.0) -> None:
            if threading.current_thread() is gui and timeout:
                waited.append(f"Player.stop({timeout})")
            super().stop(timeout)

        def wait(self, timeout: float | None = None) -> bool:
            if threading.current_thread() is gui and timeout != 0:
                waited.append(f"Player.wait({timeout})")
            return super().wait(timeout)

    jam_stop = live_jam.Jam.stop

    def watched_stop(self) -> None:
        if threading.current_thread() is gui:
            waited.append("Jam.stop")  # it joins the watcher and waits for the answer's note-offs
        jam_stop(self)

    monkeypatch.setattr(session_module, "Player", WatchedPlayer)  # the sessions made from here on
    monkeypatch.setattr(live_jam.Jam, "stop", watched_stop)
    out = HeldOutput()
    jam = jamming_window(window, out)
    play_keys(qtbot, window, PHRASE_KEYS[:4])
    qtbot.waitUntil(lambda: jam.answering and bool(open_notes(out.messages)), timeout=15000)
    out.hold.set()  # the answer's note-offs are slow to go out
    window.actions.jam.setChecked(False)
    assert not window.jam.active and waited == []
    hanging = open_notes(out.messages)
    window.playback.play(from_tick=0)  # a play right after starts at once
    assert window.transport.playing and waited == []
    window.playback.stop()
    window.actions.metronome.setChecked(True)
    window.actions.jam.setChecked(True)  # so does a jam: its clicks sound meanwhile
    since = time.perf_counter()
    qtbot.waitUntil(lambda: len(_clicks(out, since)) >= 2, timeout=3000)
    held = {key for key in open_notes(out.messages) if key[0] != DRUM_CHANNEL}
    assert hanging and held == hanging  # the first jam's note-offs: still on their way
    out.released.set()
    window.actions.jam.setChecked(False)
    qtbot.waitUntil(lambda: not open_notes(out.messages), timeout=3000)  # every one of them out
    assert waited == []


def _clicks(out: MemoryOutput, since: float = 0.0) -> list[tuple[float, int]]:
    return [(t, m.note) for t, m in out.messages
            if m.type == "note_on" and m.velocity and m.channel == DRUM_CHANNEL and t >= since]


def test_with_the_metronome_on_a_jam_clicks_on_every_beat_through_its_player(qtbot, window) -> None:
    out = MemoryOutput()
    window.actions.metronome.setChecked(True)
    jam = jamming_window(window, out)
    qtbot.waitUntil(lambda: len(_clicks(out)) >= 5, timeout=5000)  # listening: the beat to play to
    clicks = _clicks(out)
    assert {note for _, note in clicks} <= {CLICK_ACCENT, CLICK_BEAT}
    assert [note for _, note in clicks].count(CLICK_ACCENT) >= 1  # the bar's downbeat is accented
    gaps = [b - a for (a, _), (b, _) in zip(clicks, clicks[1:], strict=False)]
    assert all(abs(g - 60 / BPM) < 0.06 for g in gaps)  # one click a beat
    play_keys(qtbot, window, PHRASE_KEYS)
    qtbot.waitUntil(lambda: bool(jam.answers) and jam.answers[0].announced, timeout=15000)
    answer = jam.answers[0]
    begun = answer.live.start_time
    qtbot.waitUntil(lambda: len(_clicks(out, begun)) >= 2, timeout=3000)  # clicks go on under the answer
    answered = [m.note for m in _note_ons(out) if m.channel != DRUM_CHANNEL]
    assert answered[-1] in {n.pitch for n in answer.live.played}
    qtbot.keyPress(window.roll.canvas, "j")  # playing again cuts the answer, not the clicks
    assert answer.live.wait(2.0)
    assert not {key for key in open_notes(out.messages) if key[0] != DRUM_CHANNEL} - {(0, 71)}
    cut = time.perf_counter()
    qtbot.waitUntil(lambda: len(_clicks(out, cut)) >= 2, timeout=3000)
    qtbot.keyRelease(window.roll.canvas, "j")
    window.actions.metronome.setChecked(False)  # off mid-jam: the clicks stop
    qtbot.waitUntil(lambda: not open_notes(out.messages), timeout=3000)
    off = time.perf_counter()
    qtbot.wait(700)
    assert not _clicks(out, off + 0.01)
    window.actions.metronome.setChecked(True)  # on again
    again = time.perf_counter()
    qtbot.waitUntil(lambda: len(_clicks(out, again)) >= 2, timeout=3000)
    window.actions.jam.setChecked(False)  # the clicks stop with the jam, nothing left on
    qtbot.waitUntil(lambda: not open_notes(out.messages), timeout=3000)
    stopped = time.perf_counter()
    qtbot.wait(700)
    assert not _clicks(out, stopped + 0.01)


def test_a_new_midi_output_mid_jam_is_followed_not_a_jam_error(qtbot, window) -> None:
    first, second = MemoryOutput(), MemoryOutput()
    said: list[str] = []
    window.jam.message.connect(said.append)
    chosen = [first]
    jam = jamming_window(window, first, lambda: chosen[0])
    play_keys(qtbot, window, PHRASE_KEYS)
    qtbot.waitUntil(lambda: jam.answering and bool(_note_ons(first)), timeout=15000)
    chosen[0] = second  # another output chosen: the first one closes under the answer
    first.fail_after = len(first.messages)
    qtbot.waitUntil(lambda: not jam.answering, timeout=5000)
    qtbot.wait(3 * SHOW_MS)
    assert window.jam.active and jam.error is None and not any("stopped" in text for text in said), said
    play_keys(qtbot, window, PHRASE_KEYS[:4])  # the jam carries on: answered on the new output
    qtbot.waitUntil(lambda: len(jam.answers) >= 2 and bool(_note_ons(second)), timeout=15000)
    assert [m.note for m in _note_ons(second)][0] in {n.pitch for n in jam.answers[-1].live.played}
    window.actions.jam.setChecked(False)
    qtbot.waitUntil(lambda: not open_notes(second.messages), timeout=3000)


def test_esc_takes_a_stopped_jams_notes_out_of_the_roll(qtbot, window) -> None:
    out = MemoryOutput()
    jamming_window(window, out)
    play_keys(qtbot, window, PHRASE_KEYS[:3])
    window.actions.jam.setChecked(False)
    played = window.roll.state.ghosts[0]
    assert [n.pitch for n in played] == [60, 62, 64] and window.actions.keep_jam.isEnabled()
    assert window.actions.discard.isEnabled()
    qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Escape)
    assert window.roll.state.ghosts == [] and not window.jam.take
    assert not window.actions.keep_jam.isEnabled() and not window.actions.discard.isEnabled()
    assert window.hint.isVisible() and not window.document.notes  # the empty roll again


def test_esc_drops_the_variations_before_a_jam_take_it_does_not_show(qtbot, window) -> None:
    out = MemoryOutput()
    jamming_window(window, out)
    window.flow.variations, window.flow.selected = [[Note(0, 72, 480)]], 0  # shown when the jam stops
    play_keys(qtbot, window, PHRASE_KEYS[:2])
    window.actions.jam.setChecked(False)
    assert [[n.pitch for n in v] for v in window.roll.state.ghosts] == [[72]]  # the variations
    window.jam.discard()
    assert window.jam.take and [[n.pitch for n in v] for v in window.roll.state.ghosts] == [[72]]
    window.flow.variations, window.flow.selected = [], None


def test_jam_without_a_model_says_so_and_stays_off(qtbot, window, monkeypatch) -> None:
    said: list[str] = []
    window.jam.message.connect(said.append)
    monkeypatch.setattr(type(window.engine), "engine", property(lambda self: None))
    window.actions.jam.setChecked(True)
    assert not window.jam.active and not window.actions.jam.isChecked()
    assert said and said[-1].startswith("Jam needs the model") and said[-1].count(".") <= 2


def test_the_pause_and_the_sync_choice_are_remembered(qtbot, window) -> None:
    from studio.ui.app.main_window import MainWindow
    from studio.ui.app.settings import AppSettings
    from studio.ui.connections.midi_io import NO_PORT, MidiIO

    window.panel.jam_pause.setValue(2.5)
    window.sync.choose(CLOCK, "Some DAW:clock out")
    window.save_settings()
    stored = AppSettings()
    assert (stored.jam_pause_beats, stored.sync_mode, stored.sync_clock_input) == (2.5, CLOCK,
                                                                                   "Some DAW:clock out")
    midi = MidiIO()
    midi.choose_output(NO_PORT)
    again = MainWindow(stored, midi=midi, engine=window.engine)
    try:
        assert again.panel.jam_pause.value() == 2.5
        assert again.sync.mode == CLOCK and again.sync.clock_input == "Some DAW:clock out"
        assert again.transport_bar.sync_button.text() == "Sync: Some DAW:clock out"
        again.sync.choose(INTERNAL)
        assert again.transport_bar.sync_button.text() == "Sync: Internal"
    finally:
        again.close()  # shares the engine: the last test of the window


def _jam_over(window, out: MemoryOutput, notes: list[Note]) -> None:
    """jamming_window, but over a sketch of `notes` (the jam not started yet)."""
    window.midi.session = lambda: LocalSession(out)
    window.document.load(Clip(notes, BPM, TimeSignature(4, 4), None))
    window.panel.bars.setValue(1)
    window.panel.jam_pause.setValue(1.0)
    window.activateWindow()
    window.roll.canvas.setFocus()


def test_a_jam_starts_after_the_sketch_or_at_the_playhead_and_the_view_comes_back(qtbot, window) -> None:
    bar = 1920
    out = MemoryOutput()
    _jam_over(window, out, [Note(0, 60, 480), Note(3 * bar, 64, 960)])  # ends in bar 4
    window.playback.cursor = 0
    view = window.roll.state.viewport
    window.actions.jam.setChecked(True)
    assert window.jam.start_tick() == 4 * bar  # the bar after the sketch, not over it
    assert 4 * bar <= window.jam._now_tick() < 5 * bar and window.roll.state.playhead >= 4 * bar
    began = view.left
    assert view.visible_ticks()[0] <= 4 * bar <= view.visible_ticks()[1]
    play_keys(qtbot, window, PHRASE_KEYS[:2])
    view.scroll_to(left=40 * bar)  # wherever the jam took the view
    window.actions.jam.setChecked(False)
    assert all(n.start >= 4 * bar for n in window.jam.take)  # not over the sketch's notes
    assert view.left == began and window.roll.state.playhead == 0  # back, with play's cursor shown
    window.jam.take = [Note(4 * bar, 60, 480), Note(30 * bar, 62, 480)]  # a take longer than the view
    window.jam._come_back()
    assert view.left < 4 * bar <= view.visible_ticks()[0] + 0.15 * (view.visible_ticks()[1] - view.left)
    assert window.transport_bar.position.text() == "1.1.1"
    assert window.panel.jam_status.text() != LISTENING  # not listening still
    window.jam.discard()
    window.playback.cursor = 6 * bar + 480  # the musician put the playhead here
    assert window.jam.start_tick() == 6 * bar + 480
    window.actions.jam.setChecked(True)
    assert window.jam._now_tick() >= 6 * bar + 480
    window.actions.jam.setChecked(False)


def test_a_kept_jam_take_is_quantized_as_a_recording_and_stays_where_it_was_played(qtbot, window) -> None:
    out = MemoryOutput()
    _jam_over(window, out, [])
    window.transport_bar.set_snap(240)  # 1/8
    window.jam.take = [Note(4 * 1920 + 250, 60, 200), Note(4 * 1920 + 470, 62, 200)]
    window.actions.quantize_recording.setChecked(True)
    window.jam.keep()
    assert sorted(n.start for n in window.document.notes.values()) == [4 * 1920 + 240, 4 * 1920 + 480]
    assert "keeps" not in window.panel.jam_status.text()  # kept: nothing left to keep
    window.document.undo_stack.undo()
    window.actions.quantize_recording.setChecked(False)  # as played, when recordings are not quantized
    window.jam.take = [Note(4 * 1920 + 250, 60, 200)]
    window.jam.keep()
    assert [n.start for n in window.document.notes.values()] == [4 * 1920 + 250]


def test_a_stopped_jam_counts_its_answers_in_words(qtbot, window) -> None:
    out = MemoryOutput()
    said: list[str] = []
    window.jam.message.connect(said.append)
    jam = jamming_window(window, out)
    play_keys(qtbot, window, PHRASE_KEYS[:4])
    qtbot.waitUntil(lambda: sum(1 for a in jam.answers if a.announced) == 1, timeout=15000)
    window.actions.jam.setChecked(False)
    assert "(1 answer)" in said[-1] and "answers" not in said[-1]
    assert window.panel.jam_status.text() != ANSWERING and not window.jam_label.isVisible()
