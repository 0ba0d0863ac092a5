"""Shared test setup: Qt renders offscreen, so the suite needs no display; real JACK parts (a
server on the dummy driver, a receiver process, FluidSynth) as fixtures for every test folder.

The JACK fixtures skip on a developer's machine without jackd, and fail under CI=true, where
scripts/test.sh installs it: a skipped test must never pass for a green run.
"""

import os
from collections.abc import Iterator

import pytest

from tests.jack_server import FluidSynth, JackServer, Receiver, fluid_missing, jack_missing

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _need(why: str | None) -> None:
    if why is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must run the JACK tests, but {why}")
    pytest.skip(why)


@pytest.fixture(scope="session")
def jack_server() -> Iterator[JackServer]:
    """One JACK server (dummy driver, 256 frames at 48 kHz) for the whole session; rtmidi clients
    in this process and the fixtures' processes use it."""
    _need(jack_missing())
    server = JackServer().start()
    yield server
    server.stop()


@pytest.fixture
def own_jack_server() -> Iterator[JackServer]:
    """A JACK server of the test's own, which it may stop and start again (`kill`, `start`)
    without touching the session's; while it runs, this process's new clients use it."""
    _need(jack_missing())
    server = JackServer().start()
    yield server
    server.stop()


@pytest.fixture
def receiver(jack_server: JackServer) -> Iterator[Receiver]:
    """An independent receiver process with a JACK MIDI input at `receiver.port`."""
    rx = Receiver(jack_server)
    yield rx
    rx.close()


@pytest.fixture
def fluid_synth(jack_server: JackServer) -> Iterator[FluidSynth]:
    """FluidSynth on the JACK server, its MIDI input at `fluid_synth.port`."""
    _need(fluid_missing())
    synth = FluidSynth(jack_server)
    yield synth
    synth.close()

