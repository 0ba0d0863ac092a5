"""The window following a DAW's MIDI clock, fed the way rtmidi feeds it (messages with their arrival
times, on a thread of their own): the tempo shown follows the DAW's, its Song Position Pointer
moves the playhead, Play waits for its Start or Continue and then plays from the DAW's position
at the DAW's tempo, and its Stop stops with no note left on. Internal with Send MIDI Clock sends
Start, the clock and Stop with playback; Ableton Link launches on the session's bar."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import mido
import pytest

from studio.core.notes import TICKS_PER_QUARTER, Clip, Note, TimeSignature
from studio.midi.clock import PPQN
from studio.midi.player import MemoryOutput
from studio.midi.session import LocalSession
from studio.ui.connections.midi_io import NO_PORT, MidiIO
from studio.ui.connections.sync import CLOCK, INTERNAL, LINK, LINK_MISSING, POLL_MS, link_available
from studio.ui.playback.controller import WAITING
from tests.live_helpers import open_notes

DAW_BPM, CLIP_BPM = 150.0, 100.0


class MemoryMidi(MidiIO):
    """The window's MIDI with every note going to a MemoryOutput."""

    def __init__(self) -> None:
        super().__init__()
        self.choose_output(NO_PORT)
        self.out = MemoryOutput()
        self._memory = LocalSession(self.out)

    def session(self) -> LocalSession:
        return self._memory


class FakeDaw:
    """A DAW's clock output as the window's clock input hears it: pulses at `bpm` on a thread
    (while stopped too, as many DAWs send them), and transport messages on request."""

    def __init__(self, midi: MidiIO, bpm: float) -> None:
        self.midi, self.period = midi, 60.0 / (bpm * PPQN)
        self._running = threading.Event()
        self._running.set()
        self._thread = threading.Thread(target=self._pulses, daemon=True)
        self._thread.start()

    def send(self, kind: str, **fields: int) -> None:
        self.midi.on_clock(mido.Message(kind, **fields), time.perf_counter())

    def _pulses(self) -> None:
        first = time.perf_counter()
        pulse = 0
        while self._running.is_set():
            pulse += 1
            time.sleep(max(0.0, first + pulse * self.period - time.perf_counter()))
            listener = self.midi.on_clock
            if listener is not None:
                listener(mido.Message("clock"), time.perf_counter())

    def close(self) -> None:
        self._running.clear()
        self._thread.join(2.0)


@pytest.fixture
def synced(qtbot, app_home, dialogs) -> Iterator:
    """The window (its own engine loading in the background; these tests never continue), with
    a clip of quarter notes at 100 BPM and its notes going to `window.midi.out`."""
    from studio.ui.app.main_window import MainWindow
    from studio.ui.app.settings import AppSettings

    window = MainWindow(AppSettings(), midi=MemoryMidi())
    window.show()
    qtbot.waitExposed(window)
    window.document.load(Clip([Note(i * 480, 60 + i, 400, 90) for i in range(16)], CLIP_BPM,
                              TimeSignature(4, 4), None))
    yield window
    window.document.undo_stack.setClean()
    window.close()


def _ons(window) -> list[tuple[float, mido.Message]]:
    return [(t, m) for t, m in window.midi.out.messages if m.type == "note_on" and m.velocity]


def test_the_window_follows_a_daws_clock_tempo_position_start_and_stop(qtbot, synced) -> None:
    window = synced
    said: list[str] = []
    window.playback.message.connect(said.append)
    window.sync.choose(CLOCK, "DAW:clock out")
    daw = FakeDaw(window.midi, DAW_BPM)
    try:
        # the tempo shown is the DAW's, and not an edit of the clip
        qtbot.waitUntil(lambda: abs(window.transport_bar.tempo.value() - DAW_BPM) < 0.5, timeout=5000)
        assert not window.transport_bar.tempo.isEnabled() and window.document.tempo == CLIP_BPM
        # the DAW moves its song position while stopped: the playhead goes there (bar 1, beat 3)
        daw.send("songpos", pos=8)
        qtbot.waitUntil(lambda: window.roll.state.playhead == 960, timeout=2000)
        assert window.playback.cursor == 960 and window.transport_bar.position.text() == "1.3.1"
        # Play arms and waits for the DAW
        window.playback.toggle()
        assert window.playback.armed and not window.transport.playing and said[-1] == WAITING
        qtbot.wait(200)
        assert not _ons(window)
        # the DAW's Continue: playback from its position, at its tempo, on its clock
        daw.send("continue")
        qtbot.waitUntil(lambda: len(_ons(window)) >= 3, timeout=5000)
        assert window.transport.following
        ons = _ons(window)
        assert [m.note for _, m in ons[:3]] == [62, 63, 64]  # from beat 3
        gaps = [b - a for (a, _), (b, _) in zip(ons, ons[1:], strict=False)]
        beat_daw, beat_clip = 60 / DAW_BPM, 60 / CLIP_BPM
        assert all(abs(g - beat_daw) < abs(g - beat_clip) for g in gaps)  # the DAW's tempo, not the clip's
        # the DAW stops: so does playback, every note off, still armed for the DAW's next Start
        daw.send("stop")
        qtbot.waitUntil(lambda: not window.transport.playing, timeout=3000)
        qtbot.waitUntil(lambda: not open_notes(window.midi.out.messages), timeout=3000)
        assert window.playback.armed
        heard = len(_ons(window))
        daw.send("start")  # from the top
        qtbot.waitUntil(lambda: len(_ons(window)) > heard, timeout=5000)
        assert _ons(window)[heard][1].note == 60
        window.playback.toggle()  # Space: stop and disarm
        assert not window.playback.armed and not window.transport.playing
        qtbot.waitUntil(lambda: not open_notes(window.midi.out.messages), timeout=3000)
    finally:
        daw.close()
    window.sync.choose(INTERNAL)  # the clip's own tempo is shown, and editable, again
    assert window.transport_bar.tempo.isEnabled() and window.transport_bar.tempo.value() == CLIP_BPM


def test_internal_with_send_clock_sends_start_clock_and_stop_with_playback(qtbot, synced) -> None:
    window = synced
    window.sync.set_send_clock(True)
    assert window.transport_bar.sync_button.text() == "Sync: Internal + clock out"
    window.playback.play(from_tick=0)
    assert window.transport.following
    qtbot.waitUntil(lambda: len(_ons(window)) >= 2, timeout=5000)
    window.playback.stop()
    qtbot.waitUntil(lambda: any(m.type == "stop" for _, m in window.midi.out.messages), timeout=3000)
    qtbot.waitUntil(lambda: not open_notes(window.midi.out.messages), timeout=3000)  # the player's own thread
    kinds = [m.type for _, m in window.midi.out.messages]
    assert kinds[0] == "start" and kinds.count("clock") >= PPQN
    assert "clock" not in kinds[kinds.index("stop"):]  # the clock stops with playback


@pytest.mark.skipif(not link_available(), reason="aalink (the optional Link extra) is not installed")
def test_with_ableton_link_play_starts_the_session_and_launches_on_its_bar(qtbot, synced) -> None:
    window = synced
    window.sync.choose(LINK)
    link = window.sync.link
    try:
        assert window.sync.mode == LINK and window.transport_bar.sync_button.text() == "Sync: Link"
        tempo = window.transport_bar.tempo
        qtbot.waitUntil(lambda: tempo.value() == CLIP_BPM and not tempo.isEnabled(), timeout=2000)
        window.playback.play(from_tick=0)  # starts the session, and plays from its next bar
        assert link.timeline().playing and window.playback.armed
        follow = window.transport._follow
        assert window.transport.following and follow.offset % window.document.time_signature.bar_ticks == 0
        qtbot.waitUntil(lambda: bool(_ons(window)), timeout=5000)
        # the first note is due on a bar line of the session (the schedule, not this busy
        # process's send jitter; a peer joining may move the session's beat by whole bars)
        due = window.transport._player.time_of(0)
        bar = window.document.time_signature.bar_ticks
        off = link.timeline().tick_at(due) % bar
        assert min(off, bar - off) < 5
        link.set_playing(False)  # a peer stops the session: so does playback, still armed
        qtbot.waitUntil(lambda: not window.transport.playing, timeout=3000)
        qtbot.waitUntil(lambda: not open_notes(window.midi.out.messages), timeout=3000)
        assert window.playback.armed
        qtbot.wait(3 * POLL_MS)  # the window looks at the session a few times a second
        link.set_playing(True)  # a peer starts it: playback launches again
        qtbot.waitUntil(lambda: window.transport.following, timeout=3000)
        window.playback.toggle()  # Stop: playback and the session
        assert not window.transport.playing and not window.playback.armed and not link.timeline().playing
    finally:
        window.sync.choose(INTERNAL)


def test_without_aalink_link_is_not_offered_and_says_how_to_get_it(qtbot, synced, monkeypatch) -> None:
    import studio.ui.connections.sync as sync_module

    monkeypatch.setattr(sync_module, "link_available", lambda: False)
    menu = synced.sync.menu(synced)
    menu.aboutToShow.emit()
    [link] = [a for a in menu.actions() if "Link" in a.text()]
    assert not link.isEnabled() and link.toolTip() == LINK_MISSING
    assert "pip install" in LINK_MISSING


def test_a_jam_listens_while_the_daw_plays_and_answers_on_its_beat(qtbot, synced) -> None:
    from studio.ui.jam.mode import LISTENING, WAITING_FOR_DAW
    from tests.ui.test_jam_window import PHRASE_KEYS, play_keys

    window = synced
    qtbot.waitUntil(lambda: window.engine.ready, timeout=60000)
    window.sync.choose(CLOCK, "DAW:clock out")
    window.panel.bars.setValue(1)
    daw = FakeDaw(window.midi, DAW_BPM)
    try:
        window.activateWindow()
        window.roll.canvas.setFocus()
        window.actions.jam.setChecked(True)
        jam = window.jam.jam
        assert jam.source is window.sync.follower
        qtbot.waitUntil(lambda: window.jam_label.text() == WAITING_FOR_DAW, timeout=3000)
        play_keys(qtbot, window, PHRASE_KEYS[:3])  # the DAW is stopped: noodling, not a phrase
        qtbot.wait(600)
        assert not jam.answers
        daw.send("start")
        qtbot.waitUntil(lambda: window.jam_label.text() == LISTENING, timeout=3000)
        play_keys(qtbot, window, PHRASE_KEYS)
        qtbot.waitUntil(lambda: bool(jam.answers) and jam.answers[0].announced, timeout=15000)
        answer = jam.answers[0]
        assert answer.live.start_tick % TICKS_PER_QUARTER == 0  # on a beat of the DAW's song
        first = answer.live.played[0]
        since = answer.live.start_time - 0.1

        def sent() -> list[float]:
            return [t for t, m in window.midi.out.messages
                    if m.type == "note_on" and m.velocity and m.note == first.pitch and t >= since]
        qtbot.waitUntil(lambda: bool(sent()), timeout=3000)
        line = window.sync.follower.timeline()
        assert abs(line.tick_at(sent()[0]) - first.start) < 24  # within a 20th of a beat
        daw.send("stop")  # the DAW stops: so does the answer, every note off
        qtbot.waitUntil(lambda: not jam.answering, timeout=3000)
        assert answer.live.wait(2.0)
        window.actions.jam.setChecked(False)
        qtbot.waitUntil(lambda: not open_notes(window.midi.out.messages), timeout=3000)
    finally:
        daw.close()


class _PlainInput:
    """An input opened as ports.open_input would, in memory (its messages come with no stamps)."""

    def __init__(self, name: str) -> None:
        self.name, self.closed = name, False

    def close(self) -> None:
        self.closed = True


def test_a_clock_on_the_keyboards_own_port_is_one_timed_input_for_pulses_and_notes(qtbot, monkeypatch):
    import studio.ui.connections.midi_io as midi_io
    from studio.midi.ports import BACKENDS
    from studio.midi.timed_input import TimedInputPort
    from tests.midi.test_timed_input import FakeMidiIn

    plain: list[_PlainInput] = []
    timed: list[TimedInputPort] = []
    events = [([0xF8], 0.0), ([0xF8], 0.02), ([0x90, 60, 100], 0.005), ([0xF8], 0.015)]

    def open_plain(name, _callback, _backend=None):
        plain.append(_PlainInput(name))
        return plain[-1]

    def open_timed(name, callback, _backend=None):  # rtmidi's deltas, read in one go
        timed.append(TimedInputPort(FakeMidiIn(events), BACKENDS["jack"], name, name))
        timed[-1].listen(callback)
        return timed[-1]

    monkeypatch.setattr(midi_io, "open_input", open_plain)
    monkeypatch.setattr(midi_io, "open_timed_input", open_timed)
    midi = MidiIO()
    midi.choose_output(NO_PORT)
    heard: list[tuple[str, float]] = []
    midi.on_clock = lambda message, seconds: heard.append((message.type, seconds))
    midi.on_input = lambda message, seconds: heard.append((message.type, seconds))
    try:
        with qtbot.waitSignal(midi.message, timeout=5000):
            midi.choose_input("Keys:out")
        assert len(plain) == 1 and not timed  # a keyboard alone: a plain input
        midi.choose_clock_input("Keys:out")  # the DAW's clock comes on the keyboard's port
        qtbot.waitUntil(lambda: plain[0].closed, timeout=2000)  # closed behind, off the GUI thread
        qtbot.waitUntil(lambda: len(heard) == 4, timeout=5000)
        assert len(timed) == 1 and len(plain) == 1  # opened once, as a timed input
        assert [kind for kind, _ in heard] == ["clock", "clock", "note_on", "clock"]
        times = [seconds for _, seconds in heard]
        # the pulses and the note at the times rtmidi heard them, not when a callback ran
        assert [b - a for a, b in zip(times, times[1:], strict=False)] == pytest.approx([0.02, 0.005, 0.015])
        midi.choose_clock_input("DAW:clock out")  # a port of its own: the keyboard is plain again
        qtbot.waitUntil(lambda: len(plain) == 2 and len(timed) == 2, timeout=5000)
        qtbot.waitUntil(lambda: timed[0].closed, timeout=2000)
        assert timed[1].name == "DAW:clock out"
        midi.choose_input("Pads:out")  # another keyboard: the clock's own port stays open as it is
        qtbot.waitUntil(lambda: len(plain) == 3, timeout=5000)
        assert len(timed) == 2 and not timed[1].closed
    finally:
        midi.close()
