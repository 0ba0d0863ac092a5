"""`continuo jam` headless, end to end through a real JACK server: this test is the musician, a
JACK client of its own playing into the jam process's input; an independent receiver hears both
the musician and the answers. A pause is answered, playing again stops the answer at once with
no hanging note, and Ctrl+C ends the process cleanly mid-answer."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import rtmidi

from tests.commands.lines import Lines
from tests.jack_server import Receiver, wait_until
from tests.live_helpers import ClockSource, announced_pulse, assert_on_clock_grid, open_notes

BPM = 240.0
HUMAN = 2  # the musician plays on channel 3, the answers come on channel 1


def open_keys(name: str) -> rtmidi.MidiOut:
    """The musician's keyboard: a JACK client `name` with the output `name:out`."""
    out = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=name)
    out.open_virtual_port("out")
    return out


def close_keys(keys: rtmidi.MidiOut) -> None:
    keys.close_port()
    keys.delete()


@pytest.fixture
def keyboard(jack_server):
    name = f"keys-{uuid.uuid4().hex[:6]}"
    keys = open_keys(name)
    yield keys, f"{name}:out"
    close_keys(keys)


def play(keys: rtmidi.MidiOut, pitches: list[int], step_s: float) -> None:
    for pitch in pitches:
        keys.send_message([0x90 | HUMAN, pitch, 90])
        time.sleep(step_s * 0.8)
        keys.send_message([0x80 | HUMAN, pitch, 0])
        time.sleep(step_s * 0.2)


def answer_ons(receiver) -> list[tuple[float, int]]:
    return [(t, m.note) for t, m in receiver.messages() if m.type == "note_on" and m.channel == 0]


@contextlib.contextmanager
def jam_process(jack_server, command: list[str]):
    """`continuo jam …` in a process of its own, listening; yields (process, stdout, stderr)."""
    proc = subprocess.Popen([sys.executable, "-m", "studio.cli", "jam", *command],
                            env=jack_server.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = Lines(proc.stdout), Lines(proc.stderr)
    try:
        assert wait_until(lambda: out.count("Listening on"), 60), err.lines
        yield proc, out, err
    finally:
        if proc.poll() is None:
            proc.kill()


def answered_then_stopped(proc, out: Lines, err: Lines, receiver, notes: int) -> None:
    """Wait for the answer to a phrase of `notes` notes to play out, then Ctrl+C: a clean exit."""
    assert wait_until(lambda: out.count(f"Answering a phrase of {notes} notes"), 30), (out.lines, err.lines)
    assert wait_until(lambda: not {k for k in open_notes(receiver.messages()) if k[0] == 0}
                      and len(answer_ons(receiver)) >= 2, 30)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(20) == 0, err.lines


@pytest.mark.jack
def test_jam_answers_a_pause_gives_way_and_stops_on_ctrl_c(jack_server, receiver, keyboard):
    keys, keys_port = keyboard
    jack_server.connect(keys_port, receiver.port)  # the receiver hears the musician too
    with jam_process(jack_server, ["--in", keys_port, "--port", receiver.port, "--backend", "jack",
                                   "--tempo", str(BPM), "--pause-beats", "1", "--bars", "4",
                                   "--seed", "2"]) as (proc, out, err):
        play(keys, [60, 62, 64, 65, 67, 65, 64, 62], 60 / BPM / 2)
        assert wait_until(lambda: len(answer_ons(receiver)) >= 2, 30), (out.lines, err.lines)
        assert out.count("Answering a phrase of 8 notes") == 1, out.lines
        keys.send_message([0x90 | HUMAN, 71, 90])  # the musician plays again: the answer gives way
        assert wait_until(lambda: any(m.type == "note_on" and m.channel == HUMAN and m.note == 71
                                      for _, m in receiver.messages()))
        interrupted_at = next(t for t, m in receiver.messages() if m.type == "note_on" and m.channel == HUMAN
                              and m.note == 71)
        time.sleep(3 * 60 / BPM)  # a four-bar answer would still be playing now
        slack = 2 * jack_server.period_ms / 1000 + 0.03  # a note already on its way, a busy machine
        late = [t for t, _ in answer_ons(receiver) if t > interrupted_at + slack]
        assert not late  # nothing more from the answer once the musician played
        assert not {k for k in open_notes(receiver.messages()) if k[0] == 0}
        keys.send_message([0x80 | HUMAN, 71, 0])  # ...and the new phrase is answered in turn
        assert wait_until(lambda: out.count("Answering a phrase of 1 notes"), 30)
        before = len(answer_ons(receiver))
        assert wait_until(lambda: len(answer_ons(receiver)) > before, 30)
        proc.send_signal(signal.SIGINT)  # Ctrl+C in the middle of an answer
        assert proc.wait(20) == 0, err.lines
    assert not any("Traceback" in line for line in err.lines)
    assert wait_until(lambda: not open_notes(receiver.messages()))


@pytest.mark.jack
def test_jam_follows_a_daws_clock_and_answers_on_its_grid(jack_server, receiver, keyboard):
    keys, keys_port = keyboard
    clock = ClockSource(jack_server.env, 100.0)
    jack_server.connect(clock.port, receiver.port)
    try:
        with jam_process(jack_server, ["--in", keys_port, "--clock-in", clock.port, "--port", receiver.port,
                                       "--backend", "jack", "--pause-beats", "1", "--bars", "1",
                                       "--seed", "5"]) as (proc, out, err):
            clock.start()
            assert wait_until(lambda: out.count("The clock started."), 10)
            time.sleep(1.5)  # two beats and a half: the tempo is known
            play(keys, [64, 67, 69, 67], 0.3)
            answered_then_stopped(proc, out, err, receiver, 4)
    finally:
        clock.close()
    assert_on_the_clock_grid(receiver, out, jack_server.period_ms / 1000)


@pytest.mark.jack
def test_jam_as_clock_master_answers_on_the_clock_it_sends(jack_server, receiver, keyboard):
    keys, keys_port = keyboard
    with jam_process(jack_server, ["--in", keys_port, "--port", receiver.port, "--backend", "jack",
                                   "--send-clock", "--tempo", "150", "--pause-beats", "1", "--bars", "1",
                                   "--seed", "6"]) as (proc, out, err):
        play(keys, [60, 64, 62, 65], 0.2)
        answered_then_stopped(proc, out, err, receiver, 4)
    kinds = [m.type for _, m in receiver.messages() if m.type in ("start", "stop")]
    assert kinds == ["start", "stop"]  # Start when the jam began, Stop when it ended
    assert_on_the_clock_grid(receiver, out, jack_server.period_ms / 1000)


@pytest.mark.jack
def test_jam_says_when_its_output_goes_and_answers_there_again_once_it_is_back(jack_server, keyboard):
    keys, keys_port = keyboard
    first = Receiver(jack_server, f"jam-synth-{uuid.uuid4().hex[:6]}")
    synth = first.name
    command = ["--in", keys_port, "--port", synth, "--backend", "jack", "--tempo", str(BPM), "--pause-beats",
               "1", "--bars", "1", "--seed", "3"]
    with jam_process(jack_server, command) as (proc, out, err):
        first.kill()
        assert wait_until(lambda: err.count(f"The MIDI output '{synth}:in' went away; Continuo stopped"), 10)
        with Receiver(jack_server, synth) as second:
            assert wait_until(lambda: out.count(f"The MIDI output '{synth}:in' is back."), 10), err.lines
            play(keys, [60, 62, 64, 65], 60 / BPM / 2)
            answered_then_stopped(proc, out, err, second, 4)  # the jam listened on meanwhile
        assert not any("Traceback" in line for line in err.lines)


@pytest.mark.jack
def test_jam_ends_in_one_sentence_when_its_player_process_dies(jack_server, receiver, keyboard):
    _, keys_port = keyboard
    with jam_process(jack_server, ["--in", keys_port, "--port", receiver.port, "--backend", "jack"]) as (
            proc, out, err):
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        player = [pid for pid in children if "player_process" in Path(f"/proc/{pid}/cmdline").read_text()]
        assert len(player) == 1
        os.kill(int(player[0]), signal.SIGKILL)  # as a crash goes
        assert proc.wait(20) == 2
        assert wait_until(lambda: err.count("The player process ended unexpectedly"), 5)
        time.sleep(0.2)
        assert err.lines == ["continuo: The player process ended unexpectedly; playback stopped."]


@pytest.mark.jack
def test_jam_plays_on_after_the_jack_server_restarts(own_jack_server):
    server = own_jack_server
    keys_name, synth = f"keys-{uuid.uuid4().hex[:6]}", f"synth-{uuid.uuid4().hex[:6]}"
    keys, first = open_keys(keys_name), Receiver(server, synth)
    try:
        command = ["--in", f"{keys_name}:out", "--port", synth, "--backend", "jack", "--tempo", str(BPM),
                   "--pause-beats", "1", "--bars", "1", "--seed", "4"]
        with jam_process(server, command) as (proc, out, err):
            server.kill()
            close_keys(keys)  # this process's client of the dead server, before any new client
            keys = None
            first.close()
            stopped = "The JACK server stopped, taking the MIDI {} with it; Continuo stopped"
            assert wait_until(lambda: err.count(stopped.format(f"output '{synth}:in'"))
                              and err.count(stopped.format(f"input '{keys_name}:out'")), 10), err.lines
            server.start()
            keys = open_keys(keys_name)  # the keyboard is back on the new server, under its old name
            with Receiver(server, synth) as second:
                assert wait_until(lambda: out.count(f"The MIDI output '{synth}:in' is back.")
                                  and out.count(f"The MIDI input '{keys_name}:out' is back."), 15), err.lines
                play(keys, [60, 64, 62, 65], 60 / BPM / 2)
                answered_then_stopped(proc, out, err, second, 4)
            assert not any("Traceback" in line for line in err.lines)
    finally:
        if keys is not None:
            close_keys(keys)


def assert_on_the_clock_grid(receiver, out: Lines, period: float) -> None:
    announced = next(line for line in out.lines if line.startswith("Answering"))
    ons = [t for t, _ in answer_ons(receiver)]
    assert_on_clock_grid(receiver.messages(), ons, announced_pulse(announced), period)


@pytest.mark.jack
def test_jam_with_link_but_no_aalink_is_one_sentence(jack_server, receiver, monkeypatch, capsys):
    from studio import cli

    monkeypatch.setitem(sys.modules, "aalink", None)
    assert cli.main(["jam", "--in", "anything", "--port", receiver.port, "--backend", "jack", "--link"]) == 2
    err = capsys.readouterr().err.strip()
    assert "aalink" in err and "GPL-3" in err and "\n" not in err


def test_jam_needs_an_input_and_says_so_for_a_missing_one(capsys):
    from studio import cli

    with pytest.raises(SystemExit):
        cli.main(["jam"])
    assert "--in" in capsys.readouterr().err
