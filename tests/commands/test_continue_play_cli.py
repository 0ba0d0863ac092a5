"""`continuo continue … --play` end to end through a real JACK server: the continuation streams
into an independent receiver as it is generated, `--out` writes what was played, Ctrl+C stops
cleanly with no hanging note, an output that goes away and comes back gets the rest of the
continuation, `--send-clock` clocks the DAW from the player's process, and bad ports are one
sentence."""

from __future__ import annotations

import contextlib
import re
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from studio import cli
from studio.core.notes import Clip, Note
from studio.midi.files import read_midi, write_midi
from tests.commands.lines import Lines
from tests.jack_server import Receiver, wait_until
from tests.live_helpers import ClockSource, announced_pulse, assert_on_clock_grid, open_notes


@pytest.fixture
def seed_file(tmp_path):
    path = tmp_path / "seed.mid"
    write_midi(path, Clip([Note(i * 240, [62, 64, 66, 69][i % 4], 240, 90) for i in range(16)], 150.0))
    return path



@pytest.mark.jack
def test_play_streams_into_the_port_and_writes_what_it_played(jack_server, receiver, seed_file, tmp_path,
                                                              capsys):
    out = tmp_path / "played.mid"
    args = ["continue", str(seed_file), "--play", "--port", receiver.port, "--backend", "jack", "--bars", "2",
            "--tempo", "300", "--seed", "4", "--out", str(out), "--only-continuation"]
    assert cli.main(args) == 0
    written = sorted(read_midi(out).notes, key=lambda n: n.start)
    assert written
    assert wait_until(lambda: sum(m.type == "note_on" for _, m in receiver.messages()) >= len(written))
    assert wait_until(lambda: not open_notes(receiver.messages()))
    pitches = [m.note for _, m in receiver.messages() if m.type == "note_on"]
    assert sorted(pitches) == sorted(n.pitch for n in written)
    printed = capsys.readouterr().out
    assert f"Played {len(written)} notes" in printed and "ahead of playback" in printed


@contextlib.contextmanager
def playing(jack_server, seed_file, *options: str) -> Iterator[subprocess.Popen]:
    """`continuo continue SEED --play --backend jack OPTIONS` in a process of its own (killed if
    the test leaves it running)."""
    proc = subprocess.Popen([sys.executable, "-m", "studio.cli", "continue", str(seed_file), "--play",
                             "--backend", "jack", *options],
                            env=jack_server.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def assert_all_off(receiver) -> None:
    assert wait_until(lambda: not open_notes(receiver.messages()))
    assert any(m.type == "control_change" and m.control == 123 for _, m in receiver.messages())


@pytest.mark.jack
def test_ctrl_c_stops_cleanly_with_no_hanging_note(jack_server, receiver, seed_file, tmp_path):
    out = tmp_path / "never.mid"
    with playing(jack_server, seed_file, "--port", receiver.port, "--bars", "16", "--tempo", "60",
                 "--out", str(out)) as proc:
        assert wait_until(lambda: any(m.type == "note_on" for _, m in receiver.messages()), 60)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 130, stderr
    assert "Stopped." in stderr and "Traceback" not in stderr
    assert_all_off(receiver)
    assert not out.exists()  # stopped early: nothing half-written


@pytest.mark.jack
def test_the_player_process_opens_the_virtual_port_and_sigterm_stops_cleanly(jack_server, receiver,
                                                                             seed_file):
    with playing(jack_server, seed_file, "--bars", "16", "--tempo", "60", "--lead-in", "2") as proc:
        line = proc.stdout.readline()
        name = re.search(r"Playing on the virtual port '([^']+)' \(connect your DAW", line)
        assert name, line
        jack_server.connect(name.group(1), receiver.port)  # the child created it
        assert wait_until(lambda: any(m.type == "note_on" for _, m in receiver.messages()), 60)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 130 and stderr.strip() == "Stopped."
    assert_all_off(receiver)


def pitches_on(messages) -> list[int]:
    return [m.note for _, m in messages if m.type == "note_on" and m.velocity > 0]


@pytest.mark.jack
def test_an_output_that_goes_away_stops_it_and_the_rest_plays_once_it_is_back(jack_server, seed_file,
                                                                               tmp_path):
    out = tmp_path / "played.mid"
    synth = Receiver(jack_server, "cont-synth")
    with playing(jack_server, seed_file, "--port", "cont-synth", "--bars", "6", "--tempo", "240",
                 "--seed", "3", "--out", str(out), "--only-continuation") as proc:
        said, errors = Lines(proc.stdout), Lines(proc.stderr)
        assert synth.wait_for(8, 60), errors.lines
        synth.kill()  # the synth crashes mid-continuation
        assert errors.wait_for("went away", 10) == (
            f"The MIDI output '{synth.port}' went away; Continuo stopped and will reconnect when it is back.")
        before = pitches_on(synth.messages())
        with Receiver(jack_server, "cont-synth") as again:
            back = said.wait_for("is back", 10)
            assert proc.wait(60) == 0, errors.lines
            assert wait_until(lambda: not open_notes(again.messages()))
            rest = pitches_on(again.messages())
    assert back is not None and re.fullmatch(
        rf"The MIDI output '{synth.port}' is back; playing on from bar \d+, beat \d+\.", back)
    assert "Traceback" not in "\n".join(errors.lines) and len(errors.lines) == 1
    written = [n.pitch for n in sorted(read_midi(out).notes, key=lambda n: n.start)]  # one voice
    assert before and rest
    assert written[len(written) - len(rest):] == rest  # the rest, from where it stopped
    assert written[:len(before)] == before
    assert len(before) + len(rest) - len(written) in (0, 1)  # a note cut by the loss plays its rest again
    assert any(f"Played {len(written)} notes" in line for line in said.lines)


@pytest.mark.jack
def test_ctrl_c_while_waiting_for_a_lost_output_ends_it_cleanly(jack_server, seed_file, tmp_path):
    out = tmp_path / "never.mid"
    synth = Receiver(jack_server)
    with playing(jack_server, seed_file, "--port", synth.port, "--bars", "16", "--tempo", "120",
                 "--out", str(out)) as proc:
        errors = Lines(proc.stderr)
        assert synth.wait_for(2, 60)
        synth.kill()
        assert errors.wait_for("went away", 10)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 130
    assert wait_until(lambda: errors.count("Stopped."), 5)
    assert errors.lines[-1] == "Stopped." and "Traceback" not in "\n".join(errors.lines)
    assert not out.exists()


@pytest.mark.jack
def test_a_missing_port_is_one_sentence(jack_server, seed_file, capsys):
    args = ["continue", str(seed_file), "--play", "--port", "nowhere-at-all", "--backend", "jack"]
    assert cli.main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("continuo: ") and "nowhere-at-all" in err and "\n" not in err


def test_without_out_or_play_says_what_to_do(seed_file, capsys):
    assert cli.main(["continue", str(seed_file)]) == 2
    assert "--out" in capsys.readouterr().err


@pytest.mark.jack
def test_play_follows_a_daws_clock_onto_its_bars(jack_server, receiver, seed_file):
    clock = ClockSource(jack_server.env, 100.0)
    jack_server.connect(clock.port, receiver.port)  # the receiver hears the clock as well
    proc = subprocess.Popen([sys.executable, "-m", "studio.cli", "continue", str(seed_file), "--play",
                             "--port", receiver.port, "--backend", "jack", "--clock-in", clock.port,
                             "--grid", "bar", "--bars", "1", "--seed", "8"],
                            env=jack_server.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("Waiting for the DAW to play")
        clock.start()
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        clock.close()
    assert proc.returncode == 0, stderr
    played = next(line for line in stdout.splitlines() if line.startswith("Played"))
    start = announced_pulse(played)
    assert start % (4 * 24) == 0  # launched on a bar of the DAW's song
    assert wait_until(lambda: not open_notes(receiver.messages()))
    ons = [t for t, m in receiver.messages() if m.type == "note_on"]
    assert_on_clock_grid(receiver.messages(), ons, start, jack_server.period_ms / 1000)


@pytest.mark.jack
def test_play_as_clock_master_sends_its_tempo_from_the_player_process_and_plays_on_that_clock(
        jack_server, receiver, seed_file, capsys):
    args = ["continue", str(seed_file), "--play", "--port", receiver.port, "--backend", "jack",
            "--send-clock", "--tempo", "150", "--grid", "bar", "--bars", "1", "--seed", "8"]
    assert cli.main(args) == 0
    start = announced_pulse(next(line for line in capsys.readouterr().out.splitlines()
                                 if line.startswith("Played")))
    assert start % (4 * 24) == 0  # on a bar of the song the clock counts
    assert wait_until(lambda: receiver.messages() and receiver.messages()[-1][1].type == "stop")
    got = receiver.messages()
    assert [m.type for _, m in got if m.type in ("start", "stop", "continue", "songpos")] == ["start", "stop"]
    pulses = [t for t, m in got if m.type == "clock"]
    assert 60 / (24 * (pulses[-1] - pulses[0]) / (len(pulses) - 1)) == pytest.approx(150, rel=0.01)
    ons = [t for t, m in got if m.type == "note_on"]
    assert ons and not open_notes(got)
    assert_on_clock_grid(got, ons, start, jack_server.period_ms / 1000)
