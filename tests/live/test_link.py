"""Ableton Link through the real aalink binding: two peers on this machine share tempo, bar phase
and start/stop; a bar-quantized launch lands on Link's bar; the session stopping stops the
notes. aalink is an optional (GPL-3) extra, so without it the transport says so in a sentence;
CI installs it, and there a missing aalink fails rather than skips."""

from __future__ import annotations

import os
import sys
import time

import pytest

from studio.core.notes import Clip, Note
from studio.engine.continuation import Settings
from studio.live.link import MISSING, LinkSource
from studio.live.stream import LiveContinuation
from studio.live.time_source import LiveError
from studio.midi.player import MemoryOutput, Player
from tests.jack_server import wait_until

BAR = 4 * 480



@pytest.fixture
def peers():
    try:
        import aalink  # noqa: F401
    except ImportError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI must run the Link tests, but aalink is not installed")
        pytest.skip("aalink (the optional link extra) is not installed")
    ours, theirs = LinkSource(bpm=100.0), LinkSource(bpm=120.0)
    yield ours, theirs
    ours.close()
    theirs.close()


def bar_phase(transport: LinkSource, at: float) -> float:
    return transport.timeline().tick_at(at) % BAR


def test_peers_share_tempo_phase_and_start_stop(peers, live_engine):
    ours, theirs = peers
    assert wait_until(lambda: ours.peers >= 1 and theirs.peers >= 1)
    theirs.set_tempo(133.0)
    assert wait_until(lambda: abs(ours.timeline().bpm - 133.0) < 0.01)
    now = time.perf_counter()
    gap = abs(bar_phase(ours, now) - bar_phase(theirs, now))
    assert min(gap, BAR - gap) < 20  # the same place in the bar, to a few milliseconds
    assert not ours.timeline().playing
    theirs.set_playing(True)
    assert wait_until(lambda: ours.timeline().playing)
    out = MemoryOutput()
    seed = Clip([Note(i * 240, 60 + i % 5, 240) for i in range(16)], 133.0)  # ends on a bar line
    live = LiveContinuation(live_engine, seed, Settings(bars=8, seed=2), Player(out), ours, grid="bar")
    live.start()
    assert wait_until(lambda: live.start_tick is not None)
    assert live.start_tick % BAR == 0  # launched on a bar of the session
    gap = bar_phase(theirs, live.start_time)
    assert min(gap, BAR - gap) < 20  # ...which is the other peer's bar too
    assert wait_until(lambda: any(m.type == "note_on" for _, m in out.messages))
    theirs.set_playing(False)  # the other peer stops the session: so do we
    assert live.wait(5)
    sounding = set()
    for _, m in out.messages:
        if m.type == "note_on":
            sounding.add(m.note)
        elif m.type == "note_off":
            sounding.discard(m.note)
    assert not sounding


def test_without_aalink_the_transport_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "aalink", None)
    with pytest.raises(LiveError) as err:
        LinkSource()
    assert str(err.value) == MISSING and "GPL-3" in MISSING
