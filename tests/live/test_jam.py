"""Jam mode with the real model, through its input callback: a pause answers on the beat after
it, the answer continues what was played, playing again stops it with no hanging note, and the
next pause answers the new phrase."""

from __future__ import annotations

import threading
import time

import mido
import pytest

from studio.core.notes import TICKS_PER_QUARTER
from studio.engine.continuation import Settings
from studio.live.jam import Jam
from studio.live.time_source import FixedTempo, LiveError
from studio.midi.clock import PPQN, ClockFollower
from studio.midi.player import MemoryOutput, Player
from tests.jack_server import wait_until
from tests.live_helpers import open_notes

BPM = 240.0  # a beat is 250 ms
PHRASE = [60, 64, 67, 72, 67, 64, 60, 62]


def beat_s(bpm: float = BPM) -> float:
    return 60.0 / bpm


def play_phrase(jam: Jam, pitches: list[int], at: float, step_s: float) -> float:
    """Play eighth notes with receive() timestamps from `at`; returns when the last one ends."""
    for i, pitch in enumerate(pitches):
        jam.receive(mido.Message("note_on", note=pitch, velocity=90), at + i * step_s)
        jam.receive(mido.Message("note_off", note=pitch), at + (i + 0.9) * step_s)
    return at + (len(pitches) - 0.1) * step_s




@pytest.fixture
def jam_parts(live_engine):
    out = MemoryOutput()
    transport = FixedTempo(BPM, origin=time.perf_counter() - 10)  # the song began a while ago
    jam = Jam(live_engine, Player(out), transport, Settings(bars=2, seed=4), pause_beats=1.0)
    jam.start()
    yield jam, out, transport
    jam.stop()


def test_a_pause_is_answered_on_the_beat_and_playing_again_stops_it(jam_parts):
    jam, out, transport = jam_parts
    now = time.perf_counter()
    ended = play_phrase(jam, PHRASE, now - 8 * beat_s() / 2, beat_s() / 2)  # played just now
    assert wait_until(lambda: jam.answers and jam.answers[0].live.played)
    answer = jam.answers[0]
    line = transport.timeline()
    assert [n.pitch for n in answer.phrase] == PHRASE
    # on a beat, at least one beat of pause after the phrase ended, and no later than needed
    pause_end = line.tick_at(ended) + TICKS_PER_QUARTER
    assert answer.live.start_tick % TICKS_PER_QUARTER == 0
    assert pause_end <= answer.live.start_tick < pause_end + TICKS_PER_QUARTER
    assert wait_until(lambda: any(m.type == "note_on" for _, m in out.messages))
    first_on = next(t for t, m in out.messages if m.type == "note_on")
    assert first_on >= ended + beat_s()  # not before the pause was over
    # the musician plays again: the answer stops at once, silenced
    jam.receive(mido.Message("note_on", note=65, velocity=80))
    assert answer.interrupted and not jam.answering
    assert answer.live.wait(2.0)  # every note of it off
    assert not open_notes(out.messages)
    assert answer.live.continuation.cancelled
    heard = len(out.messages)
    time.sleep(beat_s())
    assert all(m.type != "note_on" for _, m in out.messages[heard:])  # nothing more from that answer
    # ...and the new phrase is answered after its own pause
    jam.receive(mido.Message("note_off", note=65))
    assert wait_until(lambda: len(jam.answers) == 2)
    assert [n.pitch for n in jam.answers[1].phrase] == [65]


def test_an_answer_played_out_leaves_no_note_and_waits_for_the_next_phrase(live_engine):
    out = MemoryOutput()
    answers = []
    transport = FixedTempo(400.0, origin=time.perf_counter() - 10)
    jam = Jam(live_engine, Player(out), transport, Settings(beats=4, seed=9), pause_beats=0.5, grid="16th",
              on_answer=answers.append)
    jam.start()
    try:
        now = time.perf_counter()
        play_phrase(jam, PHRASE, now - 8 * 0.075, 0.075)
        assert wait_until(lambda: answers and not answers[0].live.playing)
        assert answers[0].live.played and not answers[0].interrupted and not open_notes(out.messages)
        time.sleep(0.3)
        assert len(jam.answers) == 1  # silence alone asks nothing more
    finally:
        jam.stop()


def test_held_keys_are_not_a_pause(jam_parts):
    jam, _, _ = jam_parts
    now = time.perf_counter()
    jam.receive(mido.Message("note_on", note=60, velocity=90), now - 1.0)
    jam.receive(mido.Message("note_on", note=64, velocity=90), now - 1.0)
    jam.receive(mido.Message("note_off", note=64), now - 0.9)
    time.sleep(2 * beat_s())
    assert not jam.answers  # 60 is still held down
    jam.receive(mido.Message("note_off", note=60))
    assert wait_until(lambda: jam.answers)
    assert sorted(n.pitch for n in jam.answers[0].phrase) == [60, 64]


def test_a_drum_phrase_cannot_be_answered_and_says_so(live_engine):
    errors = []
    jam = Jam(live_engine, Player(MemoryOutput()), FixedTempo(BPM), pause_beats=0.25, on_error=errors.append)
    jam.start()
    try:
        now = time.perf_counter()
        jam.receive(mido.Message("note_on", channel=9, note=36, velocity=100), now - 0.5)
        jam.receive(mido.Message("note_off", channel=9, note=36), now - 0.4)
        assert wait_until(lambda: errors)
        assert "no notes" in errors[0] and not jam.answers
    finally:
        jam.stop()
    with pytest.raises(LiveError):
        Jam(live_engine, Player(MemoryOutput()), FixedTempo(BPM), pause_beats=0)


def test_playing_on_before_the_answer_sounds_withdraws_it_and_the_phrase_goes_on(live_engine):
    out = MemoryOutput()
    heard = []
    transport = FixedTempo(120.0, origin=time.perf_counter() - 10)
    jam = Jam(live_engine, Player(out), transport, Settings(bars=1, seed=1), pause_beats=1.0, prepare_s=0.25,
              on_answer=heard.append)
    jam.start()
    try:
        jam.receive(mido.Message("note_on", note=60, velocity=90))
        jam.receive(mido.Message("note_off", note=60))
        assert wait_until(lambda: jam.answers)  # prepared a quarter second before the beat is up
        assert not heard
        jam.receive(mido.Message("note_on", note=62, velocity=90))  # ...but the musician plays on
        assert not jam.answers and not any(m.type == "note_on" for _, m in out.messages)
        jam.receive(mido.Message("note_off", note=62))
        assert wait_until(lambda: heard)
        assert [n.pitch for n in heard[0].phrase] == [60, 62]
    finally:
        jam.stop()
    assert not open_notes(out.messages)


class PulseFeeder:
    """A DAW's clock in a thread: real-time pulses at bpm into a follower, after Start."""

    def __init__(self, follower: ClockFollower, bpm: float) -> None:
        self.follower, self.period = follower, 60.0 / (bpm * PPQN)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.follower.receive(mido.Message("start"), time.perf_counter())
        first = time.perf_counter() + self.period
        k = 0
        while not self._stop.is_set():
            due = first + k * self.period
            self._stop.wait(max(0.0, due - time.perf_counter()))
            self.follower.receive(mido.Message("clock"), time.perf_counter())
            k += 1

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.follower.receive(mido.Message("stop"), time.perf_counter())


def test_with_a_daws_clock_notes_count_only_while_it_plays_and_its_stop_stops_the_answer(live_engine):
    follower = ClockFollower()
    out = MemoryOutput()
    jam = Jam(live_engine, Player(out), follower, Settings(bars=4, seed=3), pause_beats=1.0)
    jam.start()
    feeder = PulseFeeder(follower, 240.0)
    try:
        jam.receive(mido.Message("note_on", note=60, velocity=90))  # the DAW is not playing yet
        jam.receive(mido.Message("note_off", note=60))
        feeder.start()
        assert wait_until(lambda: (line := follower.timeline()) is not None and line.playing
                          and line.tick >= 2 * TICKS_PER_QUARTER)
        for pitch in (64, 67):
            jam.receive(mido.Message("note_on", note=pitch, velocity=90))
            time.sleep(0.1)
            jam.receive(mido.Message("note_off", note=pitch))
        assert wait_until(lambda: jam.answers and any(m.type == "note_on" for _, m in out.messages))
        answer = jam.answers[0]
        assert [n.pitch for n in answer.phrase] == [64, 67]  # the note before Start was not a phrase
        assert answer.live.start_tick % TICKS_PER_QUARTER == 0  # on a beat of the DAW's song
        feeder.stop()  # the DAW stops: the answer stops with it
        assert answer.live.wait(2)
        assert not open_notes(out.messages)
    finally:
        jam.stop()
