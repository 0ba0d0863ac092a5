"""Sync = Internal + Send MIDI Clock in the real window, on a real JACK server, the window's output
being the player's own process on a receiver process's port: the receiver hears Start, pulses at
the window's tempo with each note on its beat's pulse, and Stop when the window stops; another
output chosen mid-play takes the clock and the play (Stop on the old one, Song Position and
Continue on the new one, the notes on its pulses); and the clock a jam follows moves the same way
without a break in its timeline."""

from __future__ import annotations

import statistics

import mido
import pytest

from studio.core.notes import TICKS_PER_QUARTER, Note
from studio.midi.clock import PPQN, PULSES_PER_SPP, TICKS_PER_PULSE
from studio.midi.player_process import ProcessClock
from studio.ui.connections.sync import Sync
from tests.clock_phase import assert_on_their_pulses, clocks, deviations
from tests.jack_server import Receiver, wait_until
from tests.streams import hanging
from tests.ui.test_transport_process import _close, _load, _opened, _window

pytestmark = pytest.mark.jack
BPM = 150.0
CLOCK_KINDS = ("start", "songpos", "continue", "clock", "stop")


def _beats(count: int) -> list[Note]:
    """A note on every beat, pitch 60 + beat."""
    return [Note(b * TICKS_PER_QUARTER, 60 + b, TICKS_PER_QUARTER // 4, 90) for b in range(count)]


def _ons(messages: list[tuple[float, mido.Message]]) -> dict[int, float]:
    """The beat (pitch - 60) of each note-on, and when it arrived."""
    return {m.note - 60: t for t, m in messages if m.type == "note_on" and m.velocity}


def _clocked_then_stopped(messages: list[tuple[float, mido.Message]], first: list[str]) -> None:
    kinds = [m.type for _, m in messages if m.type in CLOCK_KINDS]
    assert kinds[:len(first)] == first, kinds[:4]
    assert kinds[-1] == "stop" and kinds.count("stop") == 1  # Stop once, nothing of the clock after it
    assert not hanging(messages)


def _on_their_pulses(messages: list[tuple[float, mido.Message]], first_pulse: int, period_s: float) -> int:
    """Each note of beat b arrives with song pulse 24 * b (the pulses counted from first_pulse);
    how many were checked."""
    return assert_on_their_pulses(_ons(messages), clocks(messages), first_pulse, period_s)


def test_send_clock_goes_from_the_player_process_at_the_windows_tempo_with_the_notes_on_its_beats(
        qtbot, app_home, dialogs, jack_server, receiver) -> None:
    window = _window(qtbot, receiver.port)
    try:
        _load(window, _beats(16), BPM)
        window.sync.set_send_clock(True)
        window.playback.play(from_tick=0)
        assert window.transport.following and isinstance(window.sync.sender.sender, ProcessClock)
        assert wait_until(lambda: len(_ons(receiver.messages())) >= 8, 10)
        window.playback.stop()  # mid-play
        assert wait_until(lambda: receiver.messages()[-1][1].type == "stop", 5)
    finally:
        _close(window)
    got = receiver.messages()
    _clocked_then_stopped(got, ["start", "clock"])
    bpm, _ = deviations(clocks(got))
    assert bpm == pytest.approx(BPM, rel=0.003)  # the window's tempo
    assert _on_their_pulses(got, 0, jack_server.period_ms / 1000) >= 8


def test_another_output_chosen_mid_play_takes_the_clock_and_the_play_along(
        qtbot, app_home, dialogs, jack_server, receiver) -> None:
    other = Receiver(jack_server)
    window = _window(qtbot, receiver.port)
    try:
        _load(window, _beats(32), BPM)
        window.sync.set_send_clock(True)
        window.playback.play(from_tick=0)
        assert wait_until(lambda: len(_ons(receiver.messages())) >= 4, 10)
        with qtbot.waitSignal(window.midi.status_changed, timeout=30000,
                              check_params_cb=lambda text: text == f"MIDI out: {other.port}"):
            window.midi.choose_output(other.port)
        assert wait_until(lambda: len(_ons(other.messages())) >= 4, 10)  # the play goes on there
        assert window.transport.playing
        window.playback.stop()
        assert wait_until(lambda: other.messages()[-1][1].type == "stop", 5)
    finally:
        _close(window)
        other.close()
    old, new = receiver.messages(), other.messages()
    _clocked_then_stopped(old, ["start", "clock"])
    _clocked_then_stopped(new, ["songpos", "continue", "clock"])
    resumed = new[0][1].pos * PULSES_PER_SPP  # from about where the old output stopped
    assert abs(resumed - len(clocks(old))) <= PPQN
    assert min(_ons(new)) >= max(_ons(old))  # no going back to the start
    assert _on_their_pulses(new, resumed, jack_server.period_ms / 1000) >= 3


def test_the_clock_a_jam_follows_moves_to_a_new_output_on_one_timeline(qtbot, jack_server, receiver) -> None:
    other = Receiver(jack_server)
    midi = _opened(qtbot, receiver.port)
    sync = Sync(midi, lambda: BPM)
    try:
        _, follow = sync.start_clock(0, BPM)  # what a jam with Send MIDI Clock does
        assert wait_until(lambda: len(clocks(receiver.messages())) >= PPQN, 10)
        before = follow.source.timeline()
        with qtbot.waitSignal(midi.status_changed, timeout=30000,
                              check_params_cb=lambda text: text == f"MIDI out: {other.port}"):
            midi.choose_output(other.port)
        assert wait_until(lambda: len(clocks(other.messages())) >= PPQN, 10)
        assert follow.source is sync.sender and follow.source.timeline() == before  # unbroken
        sync.stop_clock()
        assert wait_until(lambda: other.messages()[-1][1].type == "stop", 5)
    finally:
        midi.close()
        other.close()
    _clocked_then_stopped(receiver.messages(), ["start", "clock"])
    new = other.messages()
    _clocked_then_stopped(new, ["songpos", "continue", "clock"])
    pulse = new[0][1].pos * PULSES_PER_SPP
    late = [t - before.time_of((pulse + k) * TICKS_PER_PULSE) for k, t in enumerate(clocks(new))]
    assert min(late) > -0.0005 and statistics.median(late) <= jack_server.period_ms / 1000 + 0.002  # one line
