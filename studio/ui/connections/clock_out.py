"""The MIDI clock the window sends to the DAW while Continuo is the master (Sync: Internal with
Send MIDI Clock): one song timeline, decided here, sent on whatever output the window has.

The pulses leave from the clock of the output's session (studio.midi.session): in the player's
own process when it has one (no GUI or engine in that interpreter), else from a clock thread
here. When the window's output changes mid-song, the old output hears Stop, the new one Song
Position and Continue at the next sixteenth and then the pulses, and the timeline goes on
unbroken, so what plays on it (a jam, playback) never notices. Nothing here waits for the
player's process: its Stop is sent and its confirmation arrives on its own.
"""

from __future__ import annotations

import threading
import time

from studio.midi.clock import (
    PULSES_PER_SPP,
    TICKS_PER_PULSE,
    PulseLine,
    Timeline,
    check_clock_tempo,
    first_pulse,
)
from studio.midi.ports import PortError
from studio.midi.session import ClockMaster, Session

JOIN_LEAD_S = 0.01  # a new output's Song Position and Continue go at least this far ahead


class ClockOut:
    """Continuo's clock for the DAW from `tick` at `bpm` on `session`'s output, started at once: Start
    from 0, else Song Position then Continue (the sixteenth at or before tick, see first_pulse). A
    TimeSource (timeline()) for what plays on it."""

    def __init__(self, session: Session, bpm: float, tick: int = 0, lead_in_s: float = 0.01) -> None:
        check_clock_tempo(bpm)
        self._lock = threading.Lock()
        self._line = PulseLine(bpm, time.perf_counter() + lead_in_s, first_pulse(tick))
        self._running = True
        self._sender: ClockMaster | None = self._start_on(session, self._line.pulse)

    @property
    def playing(self) -> bool:
        return self._running

    @property
    def sender(self) -> ClockMaster | None:
        """What sends the pulses now: the session's clock, or None between two outputs."""
        return self._sender

    def timeline(self) -> Timeline:
        with self._lock:
            return self._line.timeline(self._running)

    def set_tempo(self, bpm: float) -> None:
        """A new tempo from the next pulse due on (ValueError outside a MIDI clock's range)."""
        with self._lock:
            self._line = self._line.retimed(bpm, self._line.next_pulse(time.perf_counter()))
            if self._sender is not None:
                self._sender.follow(self._line)

    def stop(self) -> None:
        """Send Stop; returns at once (the player's process confirms later)."""
        with self._lock:
            self._running = False  # a `join` from here on starts no sender
        self.leave()

    def leave(self) -> None:
        """The window's output is going: Stop on it now, while it is still open; the song goes on
        without pulses until `join`."""
        with self._lock:
            sender, self._sender = self._sender, None
        if sender is not None:
            sender.stop(timeout=0)

    def join(self, session: Session) -> None:
        """The window has a new output (or the same one, opened again): Song Position and
        Continue for the next sixteenth, then the pulses on the same timeline."""
        self.leave()
        with self._lock:
            if not self._running:
                return
            due = self._line.next_pulse(time.perf_counter() + JOIN_LEAD_S)
            pulse = -(-due // PULSES_PER_SPP) * PULSES_PER_SPP
            self._sender = self._start_on(session, pulse)

    def _start_on(self, session: Session, pulse: int) -> ClockMaster | None:
        """A sender on the session, starting with `pulse` (a sixteenth's) at the line's time for it;
        None on an output that has just gone (the window says so, and `join` comes when one is back)."""
        sender = session.clock(self._line.bpm)
        try:
            sender.start(pulse * TICKS_PER_PULSE, at=self._line.time_of(pulse))
        except (PortError, OSError):
            return None
        return sender
