"""The window's playback through the player's own process, on a real JACK server: the child owns
the port, so every note, click and live key reaches a real receiver process through it; stopping
or quitting mid-play leaves no note hanging; a port that goes away stops playback with one
sentence and playback goes on when it is back. Where the child cannot start, the window plays
from its own process and says so once."""

from __future__ import annotations

import pytest

from studio.core.notes import DRUM_CHANNEL, Clip, Note, TimeSignature
from studio.live.play_plan import CLICK_ACCENT, CLICK_BEAT
from studio.midi.player_process import ProcessSession
from studio.midi.session import LocalSession
from studio.ui.connections.midi_io import MidiIO
from tests.jack_server import Receiver, wait_until
from tests.streams import all_notes_off, hanging

pytestmark = pytest.mark.jack
FOUR_FOUR = TimeSignature(4, 4)


def _opened(qtbot, port: str, said: list[str] | None = None) -> MidiIO:
    """A MidiIO with its output on `port` (JACK), once opened; its messages go to `said`."""
    midi = MidiIO(backend="jack")
    if said is not None:
        midi.message.connect(said.append)
    with qtbot.waitSignal(midi.status_changed, timeout=30000, check_params_cb=lambda t: "opening" not in t):
        midi.choose_output(port)
    return midi


def _window(qtbot, port: str):
    """The main window with its output on `port` (JACK), opened through the player's process."""
    from studio.ui.app.main_window import MainWindow
    from studio.ui.app.settings import AppSettings

    return MainWindow(AppSettings(), midi=_opened(qtbot, port))


def _load(window, notes: list[Note], tempo: float) -> None:
    window.document.load(Clip(notes, tempo, FOUR_FOUR, None))


def _close(window) -> None:
    window.document.undo_stack.setClean()
    window.close()


def _notes(count: int, step: int = 240, pitch: int = 60) -> list[Note]:
    return [Note(i * step, pitch + i % 12, step - 40, 90) for i in range(count)]


def test_the_window_plays_notes_clicks_and_a_live_key_through_the_player_process(
        qtbot, app_home, dialogs, receiver) -> None:
    window = _window(qtbot, receiver.port)
    try:
        assert isinstance(window.midi.session(), ProcessSession)
        assert window.midi.status == f"MIDI out: {receiver.port}"
        notes = _notes(8)  # one bar of eighths at 480 BPM: half a second
        _load(window, notes, 480.0)
        lit: list[tuple[int, int]] = []
        window.transport.sounding.connect(lambda pitch, velocity: lit.append((pitch, velocity)))
        window.actions.metronome.setChecked(True)
        ended = window.transport.playing_changed
        with qtbot.waitSignal(ended, timeout=10000, check_params_cb=lambda playing: not playing):
            window.playback.play(from_tick=0)
        window.playback.played_on(72, 100)  # a key played on screen: straight out of the child's port
        window.playback.played_off(72)
        # 8 notes, 4 clicks, all-notes-off on channels 1 and 10, the live key
        assert receiver.wait_for(8 * 2 + 4 * 2 + 2 + 2)
        messages = receiver.messages()
    finally:
        _close(window)
    ons = [m for _, m in messages if m.type == "note_on" and m.velocity]
    assert [m.note for m in ons if m.channel != DRUM_CHANNEL] == [n.pitch for n in notes] + [72]
    assert [m.note for m in ons if m.channel == DRUM_CHANNEL] == [CLICK_ACCENT] + [CLICK_BEAT] * 3
    assert not hanging(messages) and sorted(all_notes_off(messages)) == [0, DRUM_CHANNEL]
    # the keyboard lit what played, from the notes' scheduled times (clicks aside)
    assert [p for p, v in lit if v] == [n.pitch for n in notes]
    assert sorted(p for p, v in lit if not v) == sorted(n.pitch for n in notes)


def test_stopping_and_quitting_mid_play_leave_no_note_hanging(qtbot, app_home, dialogs, receiver) -> None:
    window = _window(qtbot, receiver.port)
    child = window.midi.session()
    try:
        _load(window, [Note(0, 60, 1800, 90), Note(480, 64, 1400, 90), Note(960, 67, 960, 90)], 240.0)
        window.actions.loop.setChecked(True)  # loops the clip's bar until stopped
        window.playback.play(from_tick=0)
        assert receiver.wait_for(3)
        window.playback.toggle()  # Space: stop mid-play
        assert not window.transport.playing
        assert wait_until(lambda: all_notes_off(receiver.messages()), 5)
        assert not hanging(receiver.messages())
        stopped = len(receiver.messages())
        window.playback.play(from_tick=0)
        assert receiver.wait_for(stopped + 3)
    finally:
        _close(window)  # quits mid-play: waits for the child's note-offs, then ends it
    assert child._pipe.proc.poll() is not None
    messages = receiver.messages()
    assert len(all_notes_off(messages)) == 2 and not hanging(messages)


def test_a_lost_port_stops_playback_and_it_goes_on_when_the_port_is_back(qtbot, app_home, dialogs,
                                                                          jack_server) -> None:
    first = Receiver(jack_server, "far-window")
    second = None
    window = _window(qtbot, "far-window")
    said: list[str] = []
    window.midi.message.connect(said.append)
    notes = _notes(96, step=120, pitch=48)  # 96 sixteenths at 480 BPM: 3 s
    try:
        _load(window, notes, 480.0)
        window.playback.play(from_tick=0)
        assert first.wait_for(10)
        first.kill()  # the synth crashes
        qtbot.waitUntil(lambda: bool(said), timeout=10000)
        assert said == ["The MIDI output 'far-window:in' went away; Continuo stopped and will reconnect "
                        "when it is back."]
        assert window.midi.status == said[0]
        qtbot.waitUntil(lambda: not window.transport.playing, timeout=5000)
        stopped_at = window.transport.resume.where
        assert stopped_at is not None and 0 < stopped_at < notes[-1].end
        second = Receiver(jack_server, "far-window")  # the synth is back under the same name
        qtbot.waitUntil(lambda: window.transport.playing, timeout=10000)
        assert said[1:] == ["The MIDI output 'far-window:in' is back."]
        assert window.midi.status == "MIDI out: far-window:in"
        qtbot.waitUntil(lambda: not window.transport.playing, timeout=10000)  # played on to the end
        assert wait_until(lambda: all_notes_off(second.messages()), 5)
        resumed = second.messages()
    finally:
        _close(window)
        first.close()
        if second is not None:
            second.close()
    rest = [m.note for _, m in resumed if m.type == "note_on" and m.velocity]
    assert rest == [n.pitch for n in notes if n.start >= stopped_at][-len(rest):] and len(rest) > 10
    assert not hanging(resumed)


def test_without_the_player_process_the_window_plays_in_process_and_says_so_once(
        qtbot, monkeypatch, receiver) -> None:
    import sys

    from studio.midi import player_process
    from studio.ui.playback.transport import Transport

    # a child that cannot start: the interpreter runs, but fails at once
    failing = [sys.executable, "-c", "raise SystemExit(1)"]
    monkeypatch.setattr(player_process, "child_command", lambda: failing)
    said: list[str] = []
    midi = _opened(qtbot, receiver.port, said)
    try:
        assert isinstance(midi.session(), LocalSession) and midi.status == f"MIDI out: {receiver.port}"
        qtbot.waitUntil(lambda: bool(said), timeout=5000)
        assert len(said) == 1 and "playback runs inside the app" in said[0] and said[0].endswith(".")
        transport = Transport(midi.session)
        with qtbot.waitSignal(transport.playing_changed, timeout=10000, check_params_cb=lambda p: not p):
            transport.play(_notes(4), 960.0, FOUR_FOUR)
        assert receiver.wait_for(4 * 2 + 1)
        assert not hanging(receiver.messages())
    finally:
        midi.close()


def test_a_crashed_player_process_is_started_again_and_releases_every_note(qtbot, receiver) -> None:
    import os
    import signal

    from studio.ui.connections.midi_io import RESTARTED
    from studio.ui.playback.transport import Transport

    said: list[str] = []
    midi = _opened(qtbot, receiver.port, said)
    try:
        crashed = midi.session()
        transport = Transport(midi.session)
        midi.output_lost.connect(transport.port_lost)
        transport.play([Note(0, 60, 4800, 90)], 120.0, FOUR_FOUR)  # one long note
        assert receiver.wait_for(1)
        os.kill(crashed._pipe.proc.pid, signal.SIGKILL)  # the child dies with the note sounding
        qtbot.waitUntil(lambda: RESTARTED in said, timeout=30000)
        assert not transport.playing and midi.status == f"MIDI out: {receiver.port}"
        restarted = midi.session()
        assert isinstance(restarted, ProcessSession) and restarted is not crashed
        assert receiver.wait_for(1 + 16)
        assert sorted(all_notes_off(receiver.messages())) == list(range(16))
        with qtbot.waitSignal(transport.playing_changed, timeout=10000, check_params_cb=lambda p: not p):
            transport.play(_notes(4), 960.0, FOUR_FOUR)  # and it plays again
        assert receiver.wait_for(1 + 16 + 4 * 2 + 1)
        assert [m.note for _, m in receiver.messages() if m.type == "note_on"] == [60, 60, 61, 62, 63]
    finally:
        midi.close()
