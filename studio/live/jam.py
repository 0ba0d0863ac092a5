"""Jam mode, call and response: the musician plays, and when they pause for a set number of beats
the continuation of what they just played answers live, on the time source's beat; the moment
they play again the answer stops (generation cancelled, every note silenced).

`receive` is the input callback (hardware keyboard, computer keyboard, any thread): it records
note-ons and note-offs in source ticks. A watcher thread launches the answer a little
before it is due (`prepare_s`, at most half the pause), so the model has its first notes ready
when the grid line comes; the answer lands on the first grid line at least `pause_beats` after
the last note ended, shifted by whole grid steps so it keeps its place in the bar. A musician
who plays on before the answer's first grid line was only breathing: the prepared answer is
withdrawn unheard and the phrase goes on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import mido

from studio.core.notes import Clip, Note, TimeSignature
from studio.engine.continuation import Engine, SeedError, Settings
from studio.live.stream import LiveContinuation
from studio.live.time_source import LiveError, TimeSource, grid_ticks
from studio.midi.player import RealTimePlayer

WATCH_S = 0.005  # how often the watcher looks at the pause
MAX_PHRASE_BARS = 8  # the answer continues at most the last bars of a long phrase


@dataclass
class Answer:
    """One answer: the phrase it answers and the live continuation playing it."""

    phrase: list[Note]
    live: LiveContinuation
    interrupted: bool = False  # the musician played over it
    announced: bool = False  # on_answer has been told (once it began to sound)


@dataclass
class _Phrase:
    notes: list[Note] = field(default_factory=list)
    held: dict[tuple[int, int], tuple[float, int]] = field(default_factory=dict)  # key -> (tick, velocity)
    last_tick: float | None = None  # when the musician last let go of a key (or pressed one)


class Jam:
    """Listens, answers on `player`, and gives way. `on_answer(answer)` when an answer begins to sound and
    `on_error(sentence)` when one cannot be made, both from the watcher thread."""

    def __init__(self, engine: Engine, player: RealTimePlayer, source: TimeSource,
                 settings: Settings | None = None,
                 *, pause_beats: float = 1.0, grid: str = "beat", metre: TimeSignature | None = None,
                 prepare_s: float = 0.25, on_answer: Callable[[Answer], None] | None = None,
                 on_error: Callable[[str], None] | None = None) -> None:
        if not 0.25 <= pause_beats <= 16:
            raise LiveError("The pause before an answer must be from a quarter beat to 16 beats.")
        self.engine, self.player, self.source = engine, player, source
        self.settings = settings or Settings(bars=2)
        self.settings.check()
        self.metre = metre or TimeSignature()
        self.grid_name = grid
        grid_ticks(grid, self.metre)  # a bad grid fails here, not mid-jam
        self.pause_ticks = pause_beats * self.metre.beat_ticks
        self.prepare_s, self.on_answer, self.on_error = prepare_s, on_answer, on_error
        self.answers: list[Answer] = []
        self._phrase = _Phrase()
        self._answer: Answer | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the musician -----------------------------------------------------------------------
    def receive(self, message: mido.Message, seconds: float | None = None) -> None:
        """An input message that arrived at perf_counter time `seconds` (default now)."""
        if message.type not in ("note_on", "note_off"):
            return
        seconds = time.perf_counter() if seconds is None else seconds
        line = self.source.timeline()
        if line is None or not line.playing:  # noodling while the DAW is stopped is not a phrase
            return
        tick = max(0.0, line.tick_at(seconds))  # a note before the song's start counts from it
        key = (message.channel, message.note)
        with self._lock:
            phrase = self._phrase
            if message.type == "note_on" and message.velocity > 0:
                self._interrupt(seconds)
                phrase.held[key] = (tick, message.velocity)
                phrase.last_tick = tick
            elif key in phrase.held:
                start, velocity = phrase.held.pop(key)
                start_tick = int(start)
                phrase.notes.append(Note(start_tick, message.note, max(1, int(tick) - start_tick),
                                         velocity, message.channel))
                phrase.last_tick = max(phrase.last_tick or tick, tick)

    def _interrupt(self, seconds: float) -> None:
        """The musician plays: stop the answer at once (called with the lock held)."""
        answer, self._answer = self._answer, None
        if answer is None:
            return
        sounding = answer.live.playing
        answer.live.stop(wait=False)
        if answer.live.start_time is None or seconds < answer.live.start_time:
            self.answers.remove(answer)  # the pause was not over: withdrawn unheard
            self._phrase.notes[:0] = answer.phrase
        else:
            answer.interrupted = sounding

    # -- the watcher ------------------------------------------------------------------------
    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch, daemon=True, name="continuo-jam")
        self._thread.start()

    def stop(self) -> None:
        """Stop listening and answering; returns once no note sounds."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
        with self._lock:
            answer, self._answer = self._answer, None
        if answer is not None:
            answer.live.stop()

    @property
    def error(self) -> str | None:
        """Why the latest answer stopped early (the output went away), or None."""
        with self._lock:
            return self.answers[-1].live.error if self.answers else None

    @property
    def answering(self) -> bool:
        with self._lock:
            return self._answer is not None and self._answer.live.playing

    def _watch(self) -> None:
        while not self._stop.wait(WATCH_S):
            announce = None
            with self._lock:
                answer = self._answer
                if answer is not None and not answer.live.playing:
                    self._answer = None  # it played to its end
                elif answer is not None and not answer.announced and answer.live.start_time is not None \
                        and answer.live.start_time <= time.perf_counter():
                    answer.announced, announce = True, answer
                launch = self._due()
            if announce is not None and self.on_answer is not None:
                self.on_answer(announce)
            if launch is not None:
                self._launch(*launch)

    def _due(self) -> tuple[list[Note], float, float] | None:
        """(phrase, not-before tick, bpm) when an answer should be launched now (lock held)."""
        phrase = self._phrase
        if self._answer is not None or phrase.held or not phrase.notes or phrase.last_tick is None:
            return None
        line = self.source.timeline()
        if line is None or not line.playing:
            return None
        due = phrase.last_tick + self.pause_ticks
        prepare = min(self.prepare_s, (line.time_of(due) - line.time_of(phrase.last_tick)) / 2)
        if line.time_of(due) - prepare > time.perf_counter():
            return None
        notes, self._phrase = phrase.notes, _Phrase()
        return notes, due, line.bpm

    def _launch(self, notes: list[Note], due: float, bpm: float) -> None:
        bar = self.metre.bar_ticks
        first = min(n.start for n in notes)
        origin = first // bar * bar  # the seed starts on the bar line before the phrase
        last_bar = (max(n.end for n in notes) // bar - MAX_PHRASE_BARS + 1) * bar
        origin = max(origin, last_bar)
        seed = Clip([n.moved(start=n.start - origin) for n in notes if n.start >= origin],
                    bpm, self.metre)
        try:
            live = LiveContinuation(self.engine, seed, self.settings, self.player, self.source,
                                    grid=self.grid_name, origin=origin, not_before=due)
            answer = Answer(notes, live)
            with self._lock:
                if self._phrase.held or self._phrase.notes:  # they played on meanwhile
                    self._phrase.notes[:0] = notes
                    return
                self._answer = answer
                self.answers.append(answer)
                live.start()
        except (SeedError, LiveError) as err:
            if self.on_error is not None:
                self.on_error(str(err))
