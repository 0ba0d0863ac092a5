"""`continuo ports` and `continuo play` end to end through a real JACK server: the whole file
arrives at an independent receiver, Ctrl+C on a loop leaves no note hanging, and user errors
are one line with exit status 2."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from studio import cli
from studio.core.notes import Clip, Note, TimeSignature
from studio.midi.files import write_midi
from tests.jack_server import JackServer, Receiver, wait_until
from tests.streams import all_notes_off, hanging

pytestmark = pytest.mark.jack
ROOT = Path(__file__).resolve().parents[2]
TUNE = [Note(i * 240, 60 + (i * 5) % 17, 200, 70 + i % 40, channel=i % 2) for i in range(32)]


@pytest.fixture
def tune(tmp_path: Path) -> Path:
    path = tmp_path / "tune.mid"
    write_midi(path, Clip(TUNE, 120.0, TimeSignature(4, 4)), drums=[Note(0, 36, 120, 100, channel=9)])
    return path


def continuo(server: JackServer, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "studio.cli", *args], cwd=ROOT, env=server.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_ports_lists_outputs_and_inputs(receiver: Receiver, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["ports", "--backend", "jack"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("JACK (jack)\n  outputs")
    assert f"    {receiver.port}\n" in out.split("inputs")[0]


def test_play_sends_the_whole_file_in_order(jack_server: JackServer, receiver: Receiver, tune: Path) -> None:
    proc = continuo(jack_server, "play", str(tune), "--port", receiver.name, "--tempo", "960")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.startswith(f"Playing tune.mid into '{receiver.port}' at 960 BPM")
    assert receiver.wait_for(2 * (len(TUNE) + 1) + 3)
    got = receiver.messages()
    ons = [(m.channel, m.note, m.velocity) for _, m in got if m.type == "note_on"]
    expected = sorted([*TUNE, Note(0, 36, 120, 100, channel=9)])
    assert ons == [(n.channel, n.pitch, n.velocity) for n in expected]
    assert not hanging(got)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_stops_a_loop_with_no_hanging_note(jack_server: JackServer, receiver: Receiver,
                                                   tune: Path, stop: signal.Signals) -> None:
    proc = continuo(jack_server, "play", str(tune), "--loop", "--tempo", "1200")
    first = proc.stdout.readline()
    name = re.search(r"the virtual port '([^']+)'", first)
    assert name, first
    jack_server.connect(name.group(1), receiver.port)
    assert receiver.wait_for(80, 20)  # past the first pass: it loops
    proc.send_signal(stop)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0 and err.strip() == "Stopped."
    assert wait_until(lambda: all_notes_off(receiver.messages()) == [0, 1, 9], 5)
    got = receiver.messages()
    assert not hanging(got)
    assert len([m for _, m in got if m.type == "note_on"]) > len(TUNE) + 1


def test_play_survives_the_synth_quitting_and_plays_on_when_it_is_back(jack_server: JackServer,
                                                                       tune: Path) -> None:
    first = Receiver(jack_server, "player-synth")
    proc = continuo(jack_server, "play", str(tune), "--port", "player-synth", "--tempo", "240")
    try:
        assert first.wait_for(6)
        first.kill()
        lost = proc.stderr.readline().strip()
        assert lost == ("The MIDI output 'player-synth:in' went away; Continuo stopped and will reconnect "
                        "when it is back.")
        second = Receiver(jack_server, "player-synth")
        try:
            assert proc.stderr.readline().strip() == "The MIDI output 'player-synth:in' is back; playing on."
            assert proc.wait(60) == 0
            assert wait_until(lambda: all_notes_off(second.messages()) == [0, 1], 5)  # no drum left
            assert not hanging(second.messages())
            assert second.messages()[0][1].type == "note_on"
        finally:
            second.close()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


@pytest.mark.parametrize(("args", "message"), [
    (["--port", "no such synth"], "There is no MIDI output called 'no such synth'"),
    (["--from-bar", "9"], "tune.mid has bars 1 to 4; --from-bar must be one of them."),
    (["--tempo", "0.5"], "The tempo goes from 1 to 10,000 BPM."),
])
def test_play_user_errors_are_one_line(jack_server: JackServer, tune: Path, capsys, args, message) -> None:
    assert cli.main(["play", str(tune), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"continuo: {message}") and err.count("\n") == 1


def test_play_a_file_that_is_not_midi(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"RIFF not a midi file")
    assert cli.main(["play", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("continuo: ") and err.count("\n") == 1
