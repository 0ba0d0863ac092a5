"""Real ports through a real JACK server (dummy driver): the player's stream reaches an independent
receiver process in full and in order, from its very first note; FluidSynth plays it; a
receiver killed mid-stream is survived and playback goes on when it comes back."""

from __future__ import annotations

import pickle
import subprocess
import threading
import time

import mido
import pytest
import rtmidi

from studio.core.notes import Note, TimeSignature
from studio.live.resume import ResumingPlay
from studio.midi.player import Player, RealTimePlayer
from studio.midi.player_process import ProcessSession, child_command
from studio.midi.port_watch import PortWatcher
from studio.midi.ports import InputPort, PortError, list_ports, open_input, open_output
from studio.midi.session import LocalSession
from tests.jack_server import Receiver, wait_until
from tests.streams import all_notes_off, hanging, note_ons

pytestmark = pytest.mark.jack

FAST = 1200.0  # BPM: a 16th lasts 12.5 ms


def assert_plays_on(notes: list[Note], resumed) -> list[tuple[int, int]]:
    """The stream after a reconnection is the rest of the tune, in order, with no note hanging."""
    rest = note_ons(resumed)
    assert rest and rest == [(n.channel, n.pitch) for n in notes][len(notes) - len(rest):]
    assert not hanging(resumed)
    return rest


def played_on(player: RealTimePlayer, notes: list[Note], receiver: Receiver) -> list:
    """The owner plays on from where the port went away: what `receiver` heard of it."""
    player.start(notes, FAST, int(player.stopped_at))
    assert player.wait(15) and player.error is None
    assert wait_until(lambda: len(all_notes_off(receiver.messages())) == 2, 5)
    return receiver.messages()


def scale(count: int, step: int = 120) -> list[Note]:
    return [Note(i * step, 48 + i % 36, step // 2, 60 + i % 60, channel=i % 2) for i in range(count)]


def test_list_ports_sees_the_receiver_and_our_virtual_port(receiver: Receiver) -> None:
    assert receiver.port in list_ports("jack").outputs
    with open_output() as port:
        assert port.virtual and port.name.endswith(":out")
        assert port.name in list_ports().inputs  # our output is a source the DAW can read


def test_stream_arrives_in_full_and_in_order_from_the_first_note(receiver: Receiver) -> None:
    notes = scale(60)
    with open_output(receiver.port) as port:
        assert port.target == receiver.port and not port.virtual
        player = Player(port)
        player.start(notes, FAST, lead_in_s=0)  # no grace time: the connection must already carry
        assert player.wait(10) and player.error is None
        expected = 2 * len(notes) + 2  # note-on and note-off each, all-notes-off on both channels
        assert receiver.wait_for(expected)
    got = receiver.messages()
    assert note_ons(got) == [(n.channel, n.pitch) for n in notes]
    assert [m.velocity for _, m in got if m.type == "note_on"] == [n.velocity for n in notes]
    assert [t for t, _ in got] == sorted(t for t, _ in got)
    assert not hanging(got)
    assert all_notes_off(got[-2:]) == [0, 1]


def test_virtual_port_reaches_whoever_connects_to_it(jack_server, receiver: Receiver) -> None:
    with open_output() as port:
        jack_server.connect(port.name, receiver.port)
        for note in (60, 64, 67):
            port.send(mido.Message("note_on", note=note, velocity=100))
        assert receiver.wait_for(3)
    assert [m.note for _, m in receiver.messages()] == [60, 64, 67]


def test_an_input_hears_a_connected_source_with_its_callback() -> None:
    heard: list[mido.Message] = []
    arrived = threading.Event()

    def callback(message: mido.Message) -> None:
        heard.append(message)
        if len(heard) == 3:
            arrived.set()

    with open_output() as source:
        port = open_input(source.name, callback)
        assert isinstance(port, InputPort) and port.target == source.name
        try:
            source.send(mido.Message("note_on", note=62, velocity=90))
            source.send(mido.Message("clock"))  # clock passes: the clock follower needs it
            source.send(mido.Message("note_off", note=62))
            assert arrived.wait(5)
        finally:
            port.close()
    assert [m.type for m in heard] == ["note_on", "clock", "note_off"]


def test_fluidsynth_plays_the_stream(fluid_synth) -> None:
    notes = scale(24)
    with open_output(fluid_synth.name) as port:  # found by part of its name, as a user types it
        assert port.target == fluid_synth.port
        player = Player(port)
        player.start(notes, FAST, lead_in_s=0)
        assert player.wait(10) and player.error is None
        assert fluid_synth.log.wait(lambda _: len(fluid_synth.events("noteoff")) >= len(notes), 10)
    ons = [(int(c), int(k), int(v)) for c, k, v in fluid_synth.events("noteon")]
    assert ons == [(n.channel, n.pitch, n.velocity) for n in notes]
    offs = sorted((int(c), int(k)) for c, k, _ in fluid_synth.events("noteoff"))
    assert offs == sorted((n.channel, n.pitch) for n in notes)


def test_a_killed_receiver_is_survived_and_playback_goes_on_when_it_is_back(jack_server) -> None:
    first = Receiver(jack_server, "synth")
    notes = scale(200)  # 2.5 s at FAST
    messages: list[str] = []
    session = LocalSession(open_output("synth:in"), watch=True)
    playback = ResumingPlay(session, on_message=messages.append)
    try:
        playback.play(notes, FAST, TimeSignature(4, 4))
        assert first.wait_for(20)
        first.kill()  # SIGKILL, mid-stream, as a crashing synth goes
        assert wait_until(lambda: playback.waiting_for_port, 5)
        assert not playback.player.playing  # stopped, not sending into nothing
        assert messages == ["The MIDI output 'synth:in' went away; Continuo stopped and will reconnect "
                            "when it is back."]
        heard_before = first.messages()
        with Receiver(jack_server, "synth") as second:
            assert playback.wait(15) and playback.error is None
            assert messages[1] == "The MIDI output 'synth:in' is back; playing on."
            assert wait_until(lambda: len(all_notes_off(second.messages())) == 2, 5)
            resumed = second.messages()
    finally:
        playback.stop()
        session.close()
    rest = assert_plays_on(notes, resumed)
    assert len(note_ons(heard_before)) + len(rest) >= len(notes) - 30  # from about where it died


def test_connecting_to_a_missing_port_is_one_sentence(jack_server) -> None:
    with pytest.raises(PortError) as err:
        open_output("no such synth")
    assert str(err.value).startswith("There is no MIDI output called 'no such synth'")
    assert "\n" not in str(err.value)


def test_the_player_in_its_own_process_delivers_in_full(receiver: Receiver) -> None:
    notes = scale(40)
    session = ProcessSession(receiver.port)
    player = session.player()
    try:
        assert session.name == receiver.port
        player.start(iter(notes), FAST, lead_in_s=0.05)  # a generator: notes stream to the child
        assert player.wait(10) and player.error is None
        assert len(player.sent_late_s) == 2 * len(notes)
        assert receiver.wait_for(2 * len(notes) + 2)
    finally:
        session.close()
    got = receiver.messages()
    assert note_ons(got) == [(n.channel, n.pitch) for n in notes]
    assert not hanging(got) and all_notes_off(got[-2:]) == [0, 1]
    # Deadlines are the parent's: both processes read one clock.
    first_on = next(t for t, m in got if m.type == "note_on")
    assert player.time_of(0) <= first_on


def test_the_player_process_stops_and_fails_cleanly(receiver: Receiver) -> None:
    def failing():
        yield from scale(30)
        raise RuntimeError("the engine failed")

    finished: list[str | None] = []
    session = ProcessSession(receiver.port)
    player = session.player()
    try:
        player.start(scale(400), FAST, on_finish=finished.append)  # 5 s: stopped long before its end
        assert receiver.wait_for(10)
        player.stop()
        assert not player.playing and finished == [None]
        player.start(failing(), FAST)
        assert player.wait(10)
        assert "could not be produced (the engine failed)" in player.error and finished[-1] == player.error
        assert wait_until(lambda: all_notes_off(receiver.messages()).count(0) == 2, 5)
    finally:
        session.close()
    assert not hanging(receiver.messages())


def test_a_player_process_whose_parent_went_at_once_ends_quietly(jack_server) -> None:
    # A window that quits as soon as it is shown leaves its player process nobody to answer.
    child = subprocess.Popen(child_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    child.stdout.close()  # the parent will never read the "ready"
    pickle.dump(("open", None, "jack", False), child.stdin)
    child.stdin.flush()
    time.sleep(1.0)  # the child opens its port and answers into the closed pipe
    child.stdin.close()
    assert child.wait(20) == 0
    assert "Traceback" not in child.stderr.read().decode()


def test_the_player_process_refuses_a_missing_port_in_one_sentence(jack_server) -> None:
    with pytest.raises(PortError) as err:
        ProcessSession("no such synth")
    assert str(err.value).startswith("There is no MIDI output called 'no such synth'")


def test_the_watcher_sees_an_input_source_go_and_come_back(jack_server) -> None:
    events: list[str] = []
    source = open_output()  # a keyboard, as far as the input can tell
    name = source.name
    port = open_input(name, lambda _message: None)
    watcher = PortWatcher(port, events.append, lambda: events.append("back")).start()
    try:
        source.close()  # unplugged
        assert wait_until(lambda: len(events) == 1, 5)
        assert events == [f"The MIDI input '{name}' went away; Continuo stopped and will reconnect when it "
                          "is back."]
        source = open_output()  # plugged in again, under the same name
        assert source.name == name
        assert wait_until(lambda: events[-1:] == ["back"], 5) and port.target == name
    finally:
        watcher.stop()
        port.close()
        source.close()


class _Racing:
    """A lister whose first listing meets a port going away while its name is asked for."""

    def __init__(self, lister) -> None:
        self.lister, self.raced = lister, False

    def get_ports(self) -> list[str]:
        if not self.raced:
            self.raced = True
            raise rtmidi.InvalidPortError("MidiOutJack::getPortName: no ports available!")
        return self.lister.get_ports()

    def __getattr__(self, name: str):  # the rest (closing it) is the real lister's
        return getattr(self.lister, name)


def test_a_port_going_while_it_is_listed_does_not_stop_the_watcher(jack_server) -> None:
    events: list[str] = []
    source = open_output()
    port = open_input(source.name, lambda _message: None)
    watcher = PortWatcher(port, events.append, lambda: events.append("back"))
    watcher._lister = racing = _Racing(watcher._lister)
    watcher.start()
    try:
        assert wait_until(lambda: racing.raced, 5)
        source.close()
        assert wait_until(lambda: len(events) == 1, 5) and watcher.running
    finally:
        watcher.stop()
        port.close()
        source.close()


def test_the_player_process_stops_when_its_port_goes_and_says_when_it_is_back(jack_server) -> None:
    first = Receiver(jack_server, "far-synth")
    notes = scale(200)
    back = threading.Event()
    session = ProcessSession("far-synth")
    session.on_port_back = lambda _sentence: back.set()
    player = session.player()
    try:
        player.start(notes, FAST)
        assert first.wait_for(20)
        first.kill()
        assert player.wait(5)
        assert player.error == ("The MIDI output 'far-synth:in' went away; Continuo stopped and will "
                                "reconnect when it is back.")
        assert 0 < player.stopped_at < notes[-1].end
        with Receiver(jack_server, "far-synth") as second:
            assert back.wait(5)
            resumed = played_on(player, notes, second)
    finally:
        session.close()
    assert_plays_on(notes, resumed)


def test_the_player_process_follows_a_tempo_change(receiver: Receiver) -> None:
    notes = [Note(i * 480, 60 + i, 240) for i in range(8)]
    session = ProcessSession(receiver.port)
    player = session.player()
    try:
        player.start(notes, 600.0)  # 100 ms a quarter
        assert receiver.wait_for(4)  # two notes in
        player.set_tempo(3000.0)  # 20 ms a quarter from here: the child follows the parent's timeline
        assert player.wait(5)
        assert receiver.wait_for(2 * len(notes) + 1)
    finally:
        session.close()
    ons = [t for t, m in receiver.messages() if m.type == "note_on"]
    assert len(ons) == len(notes)
    assert ons[-1] - ons[-2] < (ons[1] - ons[0]) / 3
