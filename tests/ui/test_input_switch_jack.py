"""Choosing another MIDI input in the window, on a real JACK server: the choice takes effect at
once, the old port closes behind on a thread of its own (the GUI thread never sleeps while its
callback drains), and nothing the old port still hears meanwhile reaches the window."""

from __future__ import annotations

import threading
import time

import mido
import pytest

from studio.midi.ports import CALLBACK_DRAIN_S, InputPort, open_output
from studio.ui.connections.midi_io import NO_PORT, MidiIO

pytestmark = pytest.mark.jack


def test_another_input_takes_over_at_once_and_the_old_one_closes_behind(qtbot, jack_server,
                                                                        monkeypatch) -> None:
    first, second = open_output(None, "jack"), open_output(None, "jack")  # two MIDI keyboards
    drains: list[threading.Thread] = []  # who slept for a callback to drain
    release, close, sleep = threading.Event(), InputPort.close, time.sleep

    def noted_sleep(seconds: float) -> None:
        if seconds == CALLBACK_DRAIN_S:
            drains.append(threading.current_thread())
        sleep(seconds)

    def slow_close(port: InputPort) -> None:  # the old port goes on hearing until released
        release.wait(10)
        close(port)

    midi = MidiIO(backend="jack")
    midi.choose_output(NO_PORT)
    shown: list[int] = []
    heard: list[int] = []
    midi.note_on.connect(lambda pitch, _velocity: shown.append(pitch))
    midi.on_input = lambda message, _seconds: heard.append(message.note)
    try:
        with qtbot.waitSignal(midi.message, timeout=10000,
                              check_params_cb=lambda t: t == f"Listening to {first.name}."):
            midi.choose_input(first.name)
        first.send(mido.Message("note_on", note=60, velocity=90))
        qtbot.waitUntil(lambda: shown == [60], timeout=3000)
        monkeypatch.setattr(time, "sleep", noted_sleep)
        monkeypatch.setattr(InputPort, "close", slow_close)
        with qtbot.waitSignal(midi.message, timeout=10000,
                              check_params_cb=lambda t: t == f"Listening to {second.name}."):
            midi.choose_input(second.name)  # returns at once: the old port is still closing
            assert midi.input_choice == second.name and not drains
            first.send(mido.Message("note_on", note=61, velocity=90))  # the old port still hears it
        second.send(mido.Message("note_on", note=62, velocity=90))
        qtbot.waitUntil(lambda: shown == [60, 62], timeout=3000)
        qtbot.wait(200)
        assert shown == [60, 62] and heard == [60, 62]  # nothing of the old port after the switch
        release.set()
        qtbot.waitUntil(lambda: bool(drains), timeout=3000)  # it closed behind, draining off the GUI thread
        assert threading.main_thread() not in drains
    finally:
        release.set()
        midi.close()
        first.close()
        second.close()
