"""A JACK server that stops and starts again under Continuo (a DAW user restarting JACK), through
a real server of the test's own: the player in its own process stops with one sentence, does not
crash, makes its virtual port again (or joins its named port again once it is back) on the new
server, and plays on there; `continuo play` says so and plays on to the end."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from studio.core.notes import Clip, Note
from studio.midi.files import write_midi
from studio.midi.player_process import ProcessSession
from tests.jack_server import JackServer, Receiver, wait_until
from tests.midi.test_ports_jack import FAST, assert_plays_on, played_on, scale
from tests.streams import all_notes_off

pytestmark = pytest.mark.jack

ROOT = Path(__file__).resolve().parents[2]


def stopped_sentence(name: str) -> str:
    return (f"The JACK server stopped, taking the MIDI output '{name}' with it; Continuo stopped and will "
            "reconnect when the server is back.")


class Heard:
    """What a ProcessSession says of its port: the sentences, and an event per return."""

    def __init__(self) -> None:
        self.lost: list[str] = []
        self.back: list[str] = []
        self.came_back = threading.Event()

    def port_back(self, sentence: str) -> None:
        self.back.append(sentence)
        self.came_back.set()

    def listen(self, session: ProcessSession) -> ProcessSession:
        session.on_port_lost, session.on_port_back = self.lost.append, self.port_back
        return session


def play_on_after_restart(server: JackServer, session: ProcessSession, heard: Heard, notes: list[Note],
                          before: Receiver) -> None:
    """Play, stop the server mid-stream, check the stop, start the server again."""
    player = session.player()
    player.start(notes, FAST)
    assert before.wait_for(20)
    name = session.name
    server.kill()
    assert player.wait(5)
    assert player.error == stopped_sentence(name)
    assert wait_until(lambda: heard.lost == [player.error], 5)  # said once, whether playing or not
    assert 0 < player.stopped_at < notes[-1].end
    before.close()  # a dead client left running disturbs the next server of its name (libjack)
    server.start()


def test_the_player_process_makes_its_virtual_port_again_when_the_server_is_back(own_jack_server) -> None:
    server, heard, notes = own_jack_server, Heard(), scale(400)  # 5 s at FAST
    session = heard.listen(ProcessSession(None, "jack"))
    try:
        first = Receiver(server)
        server.connect(session.name, first.port)
        play_on_after_restart(server, session, heard, notes, first)
        assert heard.came_back.wait(15), heard.lost
        assert heard.back == [f"The MIDI output '{session.name}' is back."] and session.alive
        with Receiver(server) as second:  # a fresh synth on the new server connects to it
            server.connect(session.name, second.port)
            resumed = played_on(session.player(), notes, second)
    finally:
        session.close()
    assert_plays_on(notes, resumed)


def test_the_player_process_joins_its_port_again_on_the_new_server(own_jack_server) -> None:
    server, heard, notes = own_jack_server, Heard(), scale(400)
    first = Receiver(server, "restart-synth")
    session = heard.listen(ProcessSession("restart-synth", "jack"))
    try:
        play_on_after_restart(server, session, heard, notes, first)
        assert not heard.came_back.wait(1)  # the server is back, the synth not yet
        with Receiver(server, "restart-synth") as second:
            assert heard.came_back.wait(10)
            assert heard.back == ["The MIDI output 'restart-synth:in' is back."] and session.alive
            resumed = played_on(session.player(), notes, second)
    finally:
        session.close()
    assert_plays_on(notes, resumed)


def test_continuo_play_plays_on_after_a_server_restart(own_jack_server, tmp_path: Path) -> None:
    server = own_jack_server
    song = tmp_path / "song.mid"
    notes = [Note(i * 120, 60 + i % 24, 60, 90) for i in range(160)]  # 10 s at 240 BPM
    write_midi(song, Clip(notes, 240.0))
    first = Receiver(server, "play-synth")
    proc = subprocess.Popen([sys.executable, "-m", "studio.cli", "play", str(song), "--port", "play-synth",
                             "--backend", "jack", "--tempo", "240"], cwd=ROOT, env=server.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert first.wait_for(10)
        server.kill()
        assert proc.stderr.readline().strip() == stopped_sentence("play-synth:in")
        first.close()
        server.start()
        with Receiver(server, "play-synth") as second:
            back = proc.stderr.readline().strip()
            assert back == "The MIDI output 'play-synth:in' is back; playing on."
            assert proc.wait(60) == 0, proc.stderr.read()
            assert wait_until(lambda: all_notes_off(second.messages()) == [0], 5)
            resumed = second.messages()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert_plays_on(notes, resumed)
