"""MIDI ports through python-rtmidi: list inputs and outputs per backend, open Continuo's own
virtual output (named "Continuo") or connect to an existing port by name, and open inputs (a
hardware keyboard, the DAW's clock) with a callback.

Backends go by name: alsa, jack, coremidi, winmm. Linux uses ALSA when its sequencer exists and
JACK when only a JACK server runs; macOS uses CoreMIDI; Windows has no virtual ports, so
Continuo connects to a loopback port (loopMIDI, Windows MIDI Services) and says so. Every
problem a user can cause (no server, no such port, no virtual ports) is a PortError whose str()
is one sentence. The library's own chatter on stderr (libjack prints a paragraph when no
server runs) is silenced while a client is created.

A port is opened under its backend's name and found again by name, never by index alone: JACK
renames a second client "Continuo-01", and port numbers shift whenever a device comes or goes.
When the JACK server itself stops, a port lets go of its client (`detach`) and `reconnect` later
opens it on a fresh client of the new server: the virtual port created again, a joined port
joined again once it is listed.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import mido
import rtmidi

VIRTUAL_NAME = "Continuo"
CALLBACK_DRAIN_S = 0.05  # how long a closing input waits for a callback already running
LIST_TRIES = 3  # readings of the port names while ports come and go
WINDOWS_HINT = ("Windows cannot create a virtual MIDI port: install loopMIDI (or use the Windows MIDI "
                "Services loopback) and choose its port.")


class PortError(Exception):
    """A MIDI port problem the user can fix; str() is one sentence."""


@dataclass(frozen=True)
class MidiBackend:
    """One MIDI system: its name on the command line, rtmidi's API and whether it has virtual ports."""

    name: str
    label: str
    api: int
    virtual: bool

    @property
    def mido_backend(self) -> str:
        """The same system as mido names it, e.g. 'mido.backends.rtmidi/UNIX_JACK'."""
        return f"mido.backends.rtmidi/{_MIDO_API[self.name]}"


BACKENDS = {b.name: b for b in (
    MidiBackend("alsa", "ALSA", rtmidi.API_LINUX_ALSA, True),
    MidiBackend("jack", "JACK", rtmidi.API_UNIX_JACK, True),
    MidiBackend("coremidi", "CoreMIDI", rtmidi.API_MACOSX_CORE, True),
    MidiBackend("winmm", "Windows MIDI", rtmidi.API_WINDOWS_MM, False),
)}
_MIDO_API = {"alsa": "LINUX_ALSA", "jack": "UNIX_JACK", "coremidi": "MACOSX_CORE", "winmm": "WINDOWS_MM"}
_NATIVE = {"linux": ("alsa", "jack"), "darwin": ("coremidi", "jack"), "win32": ("winmm",)}
_JACK_PORT = {"output": "out", "input": "in"}
_client_lock = threading.Lock()  # one client created at a time, so the stderr silencing nests


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Send file descriptor 2 to the null device for a moment: libjack and alsa-lib print to it."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _platform_names() -> tuple[str, ...]:
    return _NATIVE.get(sys.platform, ("alsa", "jack") if sys.platform.startswith("linux") else ())


def make_client(backend: MidiBackend, kind: type, client_name: str) -> rtmidi.MidiIn | rtmidi.MidiOut:
    """An rtmidi client of the backend, or a PortError saying why there is none."""
    if backend.api not in rtmidi.get_compiled_api():
        built = ", ".join(n for n, b in BACKENDS.items() if b.api in rtmidi.get_compiled_api())
        raise PortError(f"The {backend.label} MIDI backend is not available here (this python-rtmidi "
                        f"supports {built or 'none'}).")
    if backend.name == "alsa" and not os.path.exists("/dev/snd/seq"):
        raise PortError("The ALSA sequencer is not available on this machine (no /dev/snd/seq); load the "
                        "snd-seq module or choose the JACK backend.")
    with _client_lock, _quiet_stderr():
        try:
            return kind(backend.api, name=client_name)
        except rtmidi.RtMidiError:
            pass
    if backend.name == "jack":
        raise PortError("No JACK server is running: start one (jackd, QjackCtl or PipeWire) or choose "
                        "another MIDI backend.")
    raise PortError(f"The {backend.label} MIDI system could not be opened.")


def _usable(backend: MidiBackend) -> bool:
    try:
        make_client(backend, rtmidi.MidiOut, f"{VIRTUAL_NAME}-probe").delete()
    except PortError:
        return False
    return True


def available_backends() -> list[MidiBackend]:
    """The backends that work on this machine right now (JACK only while a server runs)."""
    return [BACKENDS[n] for n in _platform_names() if _usable(BACKENDS[n])]


def get_backend(name: str | None = None) -> MidiBackend:
    """The backend called name, or the platform's default one that works now."""
    if name is not None:
        try:
            return BACKENDS[name.lower()]
        except KeyError:
            raise PortError(f"There is no MIDI backend '{name}': choose alsa, jack, coremidi or "
                            "winmm.") from None
    usable = available_backends()
    if usable:
        return usable[0]
    if sys.platform.startswith("linux"):
        raise PortError("No MIDI system is available: this machine has no ALSA sequencer and no JACK "
                        "server is running.")
    return BACKENDS[_platform_names()[0]] if _platform_names() else BACKENDS["alsa"]


@dataclass(frozen=True)
class PortList:
    """The ports one backend sees now (our own ports included)."""

    backend: MidiBackend
    inputs: list[str]
    outputs: list[str]


def list_ports(backend: str | None = None) -> PortList:
    """Inputs (sources of MIDI: keyboards, the DAW's clock) and outputs (synths, the DAW's inputs)."""
    chosen = get_backend(backend)
    midi_in = make_client(chosen, rtmidi.MidiIn, f"{VIRTUAL_NAME}-list")
    midi_out = make_client(chosen, rtmidi.MidiOut, f"{VIRTUAL_NAME}-list")
    try:
        for _ in range(LIST_TRIES):
            try:
                return PortList(chosen, midi_in.get_ports(), midi_out.get_ports())
            except rtmidi.RtMidiError:  # a port went while the names were read: read them again
                continue
        raise PortError("The MIDI ports kept changing while Continuo listed them; try again.")
    finally:
        midi_in.delete()
        midi_out.delete()


def match_port(wanted: str, names: list[str], kind: str) -> str:
    """The one name that is wanted exactly, or else the one that contains it (case aside): ALSA
    names carry client numbers that change, so 'fluid' should find 'FLUID Synth (123):Synth
    input port (123:0) 128:0'."""
    if wanted in names:
        return wanted
    found = [n for n in names if wanted.lower() in n.lower()]
    if len(found) == 1:
        return found[0]
    listing = ", ".join(f"'{n}'" for n in names) or "none"
    if found:
        raise PortError(f"'{wanted}' matches several MIDI {kind}s ({', '.join(found)}); give more of "
                        "the name.")
    raise PortError(f"There is no MIDI {kind} called '{wanted}' (available: {listing}).")


class _NoClient:
    """Stands in for an rtmidi client let go of because its server stopped: a send or a read
    that was under way finds nothing, as it would on a vanished port."""

    def send_message(self, _data: list[int]) -> None:
        pass

    def get_message(self) -> None:
        return None

    def get_ports(self) -> list[str]:
        return []

    def close_port(self) -> None:
        pass

    def delete(self) -> None:
        pass

    def cancel_callback(self) -> None:
        pass


_RTMIDI_CLASS = {"output": rtmidi.MidiOut, "input": rtmidi.MidiIn}


class Port:
    """What inputs and outputs share: the rtmidi client, its backend, the names and closing."""

    kind = "port"

    def __init__(self, client: rtmidi.MidiIn | rtmidi.MidiOut, backend: MidiBackend, name: str,
                 target: str | None) -> None:
        self._rt, self.backend, self.name, self.target = client, backend, name, target
        self.wanted = target  # what the user asked for: found again by it when the port returns
        self.client_name = VIRTUAL_NAME  # the rtmidi client's, for a fresh one after a server restart
        self._lock = threading.Lock()
        self.closed = False

    @property
    def virtual(self) -> bool:
        """True for Continuo's own port (others connect to it), False when it joins an existing port."""
        return self.target is None

    @property
    def detached(self) -> bool:
        """True once `detach` let go of the client, until `reconnect` opened a fresh one."""
        return isinstance(self._rt, _NoClient)

    def detach(self) -> None:
        """Let go of the client because its server has stopped (a JACK server restart): sends go
        nowhere until `reconnect`. Do it while the server is away, before this process makes any
        new client of the backend: libjack crashes deleting a dead server's client after that."""
        with self._lock:
            if self.closed or self.detached:
                return
            self._let_go()
            self._rt = _NoClient()

    def _let_go(self) -> None:
        """Close the port and delete the client (the lock is held)."""
        with contextlib.suppress(rtmidi.RtMidiError):
            self._rt.close_port()
        self._rt.delete()  # frees the client now: a lingering one makes JACK rename the next

    def _listen_on(self, client: rtmidi.MidiIn | rtmidi.MidiOut) -> None:
        """Set a fresh client up as the first one was (inputs hand their messages on)."""

    def _reopen(self) -> None:
        """A fresh client on the server that is back, opened as the port was (the lock is held)."""
        client = make_client(self.backend, _RTMIDI_CLASS[self.kind], self.client_name)
        self.name, target = _attach(client, self.backend, self.kind, None if self.virtual else self.wanted)
        self._listen_on(client)
        self._rt, self.target = client, target

    def reconnect(self) -> None:
        """Join the target port again after it came back (a no-op for a virtual port); after
        `detach`, open the port again on a fresh client (PortError while it cannot be yet)."""
        if self.target is None and not self.detached:
            return
        with self._lock:
            if self.closed:
                raise PortError(f"The MIDI {self.kind} '{self.name}' is closed.")
            if self.detached:
                self._reopen()
                return
            try:
                names = self._rt.get_ports()
            except rtmidi.RtMidiError as err:  # one went while they were listed
                raise PortError(f"The MIDI {self.kind} '{self.target}' could not be found ({err}).") from None
            self.target = self.name = match_port(self.wanted or self.target, names, self.kind)
            with contextlib.suppress(rtmidi.RtMidiError):
                self._rt.close_port()
            try:
                self._rt.open_port(names.index(self.target), f"{VIRTUAL_NAME} {self.kind}")
            except rtmidi.RtMidiError as err:
                raise PortError(f"The MIDI {self.kind} '{self.target}' could not be opened "
                                f"({err}).") from None

    def close(self) -> None:
        """Close the port and its client; closing twice is fine."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            self._let_go()

    def __enter__(self) -> Port:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class OutputPort(Port):
    """An open output. `send` validates and locks, then hands the bytes to rtmidi (mido's
    template: subclasses for tests override `_send` only)."""

    kind = "output"

    def send(self, message: mido.Message) -> None:
        """Send one message now; a closed port raises PortError (an OSError-free sentence)."""
        data = message.bytes()
        with self._lock:
            if self.closed:
                raise PortError(f"The MIDI output '{self.name}' is closed.")
            self._send(data)

    def _send(self, data: list[int]) -> None:
        self._rt.send_message(data)


class InputPort(Port):
    """An open input: `callback(message)` is called on rtmidi's thread for every message."""

    kind = "input"

    _received: Callable[[tuple[list[int], float], object], None] | None = None

    def _listen_on(self, client: rtmidi.MidiIn | rtmidi.MidiOut) -> None:
        if self._received is not None:
            client.ignore_types(sysex=False, timing=False, active_sense=True)
            client.set_callback(self._received)

    @contextlib.contextmanager
    def _callback_drained(self) -> Iterator[None]:
        """Cancel the callback and let one already under way finish before the client goes:
        closing a JACK client waits for its process thread, which may itself be waiting for
        Python's interpreter lock to run the callback - a deadlock if we held the lock all along
        (seen with a DAW's clock, 24 messages a beat)."""
        # rtmidi drops its (callback, data) pair on cancel; a callback already waiting for the
        # lock still reads it, so this keeps it alive until the client is closed.
        pair = [r for r in gc.get_referents(self._rt) if isinstance(r, tuple)]
        if not self.closed and not self.detached:
            with contextlib.suppress(rtmidi.RtMidiError):
                self._rt.cancel_callback()
            time.sleep(CALLBACK_DRAIN_S)  # released: a callback in flight runs to its end
        yield
        pair.clear()

    def detach(self) -> None:
        with self._callback_drained():
            super().detach()

    def close(self) -> None:
        """Cancel the callback (see _callback_drained), then close."""
        with self._callback_drained():
            super().close()


P = TypeVar("P", bound=Port)


def open_port(port_class: type[P], name: str | None, backend: str | None, client_name: str) -> P:
    """A port of `port_class` (an input or output class of this module, or one made on them,
    such as a timed input) on a new rtmidi client of its kind named client_name: Continuo's
    virtual port with no name, else the one called name. The caller sets up listening on
    inputs. PortError says in one sentence why it cannot be opened."""
    chosen = get_backend(backend)
    if name is None and not chosen.virtual:
        raise PortError(WINDOWS_HINT)
    client = make_client(chosen, _RTMIDI_CLASS[port_class.kind], client_name)
    port_name, target = _attach(client, chosen, port_class.kind, name)
    port = port_class(client, chosen, port_name, target)
    port.wanted, port.client_name = name, client_name
    return port


def _attach(client: rtmidi.MidiIn | rtmidi.MidiOut, backend: MidiBackend, label: str,
            name: str | None) -> tuple[str, str | None]:
    """Open Continuo's virtual port on a new client (name None) or join the port called name:
    (the port's name as others see it, the joined port's name or None). On failure the client
    is deleted and a PortError raised."""
    kind = _RTMIDI_CLASS[label]
    try:
        if name is None:
            before = set(_other_side(backend, kind))
            # JACK shows client:port, so "Continuo:out"; ALSA and CoreMIDI show the port's own name.
            client.open_virtual_port(_JACK_PORT[label] if backend.name == "jack" else VIRTUAL_NAME)
            mine = [n for n in _other_side(backend, kind) if n not in before]
            return (mine[0] if len(mine) == 1 else VIRTUAL_NAME), None
        names = client.get_ports()
        target = match_port(name, names, label)
        client.open_port(names.index(target), f"{VIRTUAL_NAME} {label}")
        return target, target
    except rtmidi.RtMidiError as err:
        client.delete()
        raise PortError(f"The MIDI {label} '{name or VIRTUAL_NAME}' could not be opened ({err}).") from None
    except PortError:
        client.delete()
        raise


def _other_side(backend: MidiBackend, kind: type) -> list[str]:
    """The names of ports of the other direction: where our own virtual port shows up."""
    other = rtmidi.MidiIn if kind is rtmidi.MidiOut else rtmidi.MidiOut
    probe = make_client(backend, other, f"{VIRTUAL_NAME}-list")
    try:
        return probe.get_ports()
    finally:
        probe.delete()


def open_output(name: str | None = None, backend: str | None = None) -> OutputPort:
    """Connect to the output called name (exactly, or the one name containing it), or with no name
    open Continuo's own virtual output, which the DAW or synth then connects to."""
    return open_port(OutputPort, name, backend, VIRTUAL_NAME)


def open_input(name: str | None, callback: Callable[[mido.Message], None],
               backend: str | None = None) -> InputPort:
    """Listen to the input called name (or, with no name, a virtual input named Continuo);
    callback gets every parsed message, from rtmidi's thread. Clock, start/stop and sysex are let
    through (the clock follower needs them); active sensing is dropped."""
    port = open_port(InputPort, name, backend, f"{VIRTUAL_NAME} in")
    parser = mido.Parser()

    def received(event: tuple[list[int], float], _data: object) -> None:
        parser.feed(event[0])
        for message in parser:
            callback(message)

    port._received = received
    port._listen_on(port._rt)
    return port
