"""The one resume policy: when the output goes away mid-play (or another output takes its
place), playback stops there, every note turned off; once an output is ready again it goes on
from where it stopped, unless the musician stopped or played something else in between.

`Resume` is the policy's memory, used by everything that plays: the window's transport, the
jam and `continue --play` (which place the rest their own way: a continuation moves whole
grid steps, see studio.live.stream) and `ResumingPlay`, which plays a clip through a play plan
on a session for `continuo play`. The session (studio.midi.session) stops the run and says
where (`stopped_at`, in the player's ticks); nothing else remembers it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from studio.core.notes import Note, TimeSignature
from studio.live.play_plan import PlayPlan, make_plan, paced, plan_notes
from studio.midi.session import Session


class Resume:
    """Where playback stopped because its output went, until it goes on or is forgotten.
    Any thread may call it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lost_at: float | None = None

    @property
    def where(self) -> float | None:
        """The tick to go on from, or None."""
        return self._lost_at

    @property
    def waiting(self) -> bool:
        return self._lost_at is not None

    def lost(self, tick: float | None) -> None:
        """Playback stopped at `tick` because the output went (None: nothing was playing)."""
        if tick is not None:
            with self._lock:
                self._lost_at = tick

    def forget(self) -> None:
        """The musician stopped, or started something else: nothing to go on with."""
        with self._lock:
            self._lost_at = None

    def back(self) -> float | None:
        """An output is ready again: the tick to go on from, handed out once (None: none)."""
        with self._lock:
            tick, self._lost_at = self._lost_at, None
        return tick


class ResumingPlay:
    """Plays notes through a play plan on a session's player, and goes on from where a lost
    output stopped it once the output is back. `on_message(sentence)` hears of the loss and the
    return (from the session's thread). `wait` returns True once playback has ended for good
    (not while it waits for the output); `error` then says why it ended early, if it did."""

    def __init__(self, session: Session, *, on_message: Callable[[str], None] = print) -> None:
        self.session, self.on_message = session, on_message
        self.player = session.player()
        self.resume = Resume()
        self._ended = threading.Event()
        self._lock = threading.Lock()
        self._args: tuple[list[Note], float, TimeSignature, tuple[int, int] | None] | None = None
        self._plan: PlayPlan | None = None
        self._halt = threading.Event()
        self._stopping = False
        session.on_port_lost = on_message
        session.on_port_back = self._back

    @property
    def waiting_for_port(self) -> bool:
        """True once the output went away and playback stopped, until it is back."""
        return self.resume.waiting

    @property
    def error(self) -> str | None:
        return self.player.error

    def play(self, notes: Iterable[Note], tempo: float, time_signature: TimeSignature, start: int = 0, *,
             loop: tuple[int, int] | None = None, lead_in_s: float = 0.005) -> None:
        """Start playing from clip tick `start` (round `loop` forever, if given)."""
        with self._lock:
            self._args = (sorted(notes), tempo, time_signature, loop)
            self._stopping = False
        self.resume.forget()
        self._ended.clear()
        self._start(start, lead_in_s)

    def _start(self, start: int, lead_in_s: float = 0.005) -> None:
        notes, tempo, time_signature, loop = self._args
        plan = make_plan(notes, time_signature, start, loop=loop)
        halt = threading.Event()
        with self._lock:
            self._plan, self._halt = plan, halt
        stream = plan_notes(notes, plan, time_signature, False, paced(self.player, halt))
        self.player.start(stream, tempo, 0, lead_in_s=lead_in_s, on_finish=lambda _: self._finished(plan))

    def stop(self) -> None:
        """Stop: every sounding note is turned off, and a lost output no longer resumes this play."""
        with self._lock:
            self._stopping = True
            self._halt.set()
        self.resume.forget()
        self.player.stop()
        self._ended.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._ended.wait(timeout)

    def _finished(self, plan: PlayPlan) -> None:
        stopped_at = self.player.stopped_at
        with self._lock:
            if self._stopping or plan is not self._plan:
                return
            if stopped_at is None:
                self._ended.set()
                return
        self.resume.lost(plan.clip_tick(stopped_at))

    def _back(self, sentence: str) -> None:
        tick = None if self._stopping else self.resume.back()
        if tick is None:
            self.on_message(sentence)
            return
        self.on_message(f"{sentence.rstrip('.')}; playing on.")
        self._start(int(tick))
