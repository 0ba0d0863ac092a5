"""Ports without a MIDI system: backend names, port-name matching, and every user error as one
sentence (no JACK server, no virtual ports on Windows, an unknown backend, a closed port)."""

from __future__ import annotations

import mido
import pytest
import rtmidi

from studio.midi import ports
from studio.midi.ports import (
    BACKENDS,
    WINDOWS_HINT,
    OutputPort,
    PortError,
    get_backend,
    list_ports,
    match_port,
    open_output,
)


def one_sentence(err: pytest.ExceptionInfo) -> str:
    text = str(err.value)
    assert "\n" not in text and text.endswith(".") and "Traceback" not in text
    return text


def test_backends_map_to_rtmidi_and_mido_names() -> None:
    assert set(BACKENDS) == {"alsa", "jack", "coremidi", "winmm"}
    assert BACKENDS["jack"].mido_backend == "mido.backends.rtmidi/UNIX_JACK"
    assert BACKENDS["alsa"].mido_backend == "mido.backends.rtmidi/LINUX_ALSA"
    assert not BACKENDS["winmm"].virtual and BACKENDS["coremidi"].virtual
    assert get_backend("JACK") is BACKENDS["jack"]


def test_an_unknown_backend_is_one_sentence() -> None:
    with pytest.raises(PortError) as err:
        get_backend("oss")
    assert "choose alsa, jack, coremidi or winmm" in one_sentence(err)


def test_windows_has_no_virtual_port_and_says_where_to_get_one() -> None:
    with pytest.raises(PortError) as err:
        open_output(None, backend="winmm")
    assert one_sentence(err) == WINDOWS_HINT and "loopMIDI" in WINDOWS_HINT


def test_no_jack_server_is_one_sentence(monkeypatch: pytest.MonkeyPatch, capfd) -> None:
    monkeypatch.setenv("JACK_DEFAULT_SERVER", "continuo-no-such-server")
    with pytest.raises(PortError) as err:
        list_ports("jack")
    assert one_sentence(err).startswith("No JACK server is running")
    assert "Cannot connect to server" not in capfd.readouterr().err  # libjack's chatter is kept quiet


def test_match_port_exact_then_unique_part() -> None:
    names = ["FLUID Synth (123):Synth input port (123:0) 128:0", "Midi Through:Port-0 14:0", "rx:in"]
    assert match_port("rx:in", names, "output") == "rx:in"
    assert match_port("fluid", names, "output") == names[0]
    with pytest.raises(PortError) as err:
        match_port("0", names, "output")
    assert "matches several MIDI outputs" in one_sentence(err)
    with pytest.raises(PortError) as err:
        match_port("Ableton", names, "output")
    assert one_sentence(err).startswith("There is no MIDI output called 'Ableton' (available: 'FLUID")


class _Client:
    """Stands in for an rtmidi client under OutputPort's template."""

    def __init__(self) -> None:
        self.deleted = False

    def close_port(self) -> None: ...

    def delete(self) -> None:
        self.deleted = True


class ListPort(OutputPort):
    def __init__(self) -> None:
        super().__init__(_Client(), BACKENDS["jack"], "test:out", None)
        self.sent: list[list[int]] = []

    def _send(self, data: list[int]) -> None:
        self.sent.append(data)


def test_output_port_sends_bytes_and_refuses_once_closed() -> None:
    port = ListPort()
    port.send(mido.Message("note_on", channel=2, note=60, velocity=100))
    assert port.sent == [[0x92, 60, 100]] and port.virtual
    port.close()
    port.close()  # twice is fine
    assert port._rt.deleted
    with pytest.raises(PortError) as err:
        port.send(mido.Message("note_off", note=60))
    assert one_sentence(err) == "The MIDI output 'test:out' is closed."


class _RacingClient:
    """An rtmidi client whose port list changes under the first `races` readings of it."""

    def __init__(self, names: list[str], races: int) -> None:
        self.names, self.races, self.deleted = names, races, False

    def get_ports(self) -> list[str]:
        if self.races:
            self.races -= 1
            raise rtmidi.InvalidPortError("MidiInJack::getPortName: no ports available!")
        return self.names

    def delete(self) -> None:
        self.deleted = True


@pytest.mark.parametrize("races", [1, 5])
def test_ports_that_change_while_listed_are_read_again_or_one_sentence(monkeypatch, races) -> None:
    clients = [_RacingClient(["keys"], races), _RacingClient(["synth"], 0)]
    monkeypatch.setattr(ports, "make_client", lambda *_args: clients.pop(0) if clients else None)
    made = list(clients)
    if races < ports.LIST_TRIES:
        listed = list_ports("jack")
        assert (listed.inputs, listed.outputs) == (["keys"], ["synth"])
    else:
        with pytest.raises(PortError) as err:
            list_ports("jack")
        assert "kept changing" in one_sentence(err)
    assert all(c.deleted for c in made)
