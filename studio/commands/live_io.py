"""What the live commands (`continue --play`, `jam`) share: the output, launch-grid and tempo-sync
options (Continuo's own tempo, sent as MIDI clock or not; a DAW's MIDI clock; Ableton Link),
the player in a process of its own (which owns the output port, so the engine generating in
this process cannot make a note late; the clock, when Continuo sends one, is timed and sent
there too),
opening an input with a one-sentence error and watching it, and waiting for playback in a way Ctrl+C ends
cleanly (every sounding note turned off before the process leaves)."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from contextlib import ExitStack

import mido

from studio.commands import CommandError
from studio.commands.common import add_output_arguments, warn
from studio.live.time_source import GRIDS, FixedTempo, TimeSource
from studio.midi.clock import ClockFollower
from studio.midi.player_process import GONE, ProcessSession
from studio.midi.port_watch import PortWatcher, back_sentence
from studio.midi.ports import Port, PortError, open_input
from studio.midi.session import Session
from studio.midi.timed_input import open_timed_input

POLL_S = 0.1


def add_port_arguments(p: argparse.ArgumentParser) -> None:
    add_output_arguments(p)
    p.add_argument("--grid", choices=GRIDS, default="beat",
                   help="launch on the next 16th, beat or bar (default: beat)")


def add_sync_arguments(p: argparse.ArgumentParser) -> None:
    sync = p.add_mutually_exclusive_group()
    sync.add_argument("--clock-in", help="follow the MIDI clock on this input (a DAW's clock output)")
    sync.add_argument("--link", action="store_true",
                      help="follow an Ableton Link session's tempo and bars (needs the GPL-3 aalink)")
    sync.add_argument("--send-clock", action="store_true",
                      help="be the clock master: send MIDI clock at --tempo on the output for the DAW")


def open_session(args: argparse.Namespace, stack: ExitStack, *,
                 on_port_lost: Callable[[str], None] | None = None,
                 on_port_back: Callable[[str], None] | None = None) -> Session:
    """A session in the player's own process on the output --port and --backend ask for (None:
    the virtual port, which the child creates), closed with the stack; or a CommandError."""
    try:
        session = ProcessSession(args.port, args.backend, realtime=True)  # SCHED_FIFO where allowed
    except (PortError, OSError) as err:
        raise CommandError(str(err)) from None
    session.on_port_lost, session.on_port_back = on_port_lost, on_port_back
    stack.callback(session.close)
    return session


def open_time_source(args: argparse.Namespace, stack: ExitStack, session: Session,
                     bpm: float) -> tuple[TimeSource, ClockFollower | None]:
    """The time source the sync options ask for, closed with the stack; with --clock-in also
    the follower, whose input is opened here unless it is the jam's keyboard input as well."""
    if args.link:
        from studio.live.link import LinkSource

        link = LinkSource(bpm=bpm, start_stop=False)  # tempo and bars, whether or not it plays
        stack.callback(link.close)
        return link, None
    if args.clock_in:
        follower = ClockFollower(on_transport=lambda playing: say("The clock started." if playing
                                                                  else "The clock stopped."))
        if args.clock_in != getattr(args, "input", None):
            open_watched_input(stack, args.clock_in, follower.receive, args.backend, timed=True)
        return follower, follower
    if args.send_clock:
        sender = session.clock(bpm)  # from the player's process
        sender.start()
        stack.callback(sender.stop)
        return sender, None
    return FixedTempo(bpm), None


def open_watched_input(stack: ExitStack, name: str, callback: Callable[[mido.Message, float], None],
                       backend: str | None, *, timed: bool = False) -> Port:
    """The input called name, closed with the stack, or a CommandError; callback(message, seconds)
    gets each message with a perf_counter time: when it arrived with `timed` (a clock's pulses:
    studio.midi.timed_input), else when the callback ran. It is watched: when it goes (the
    keyboard unplugged, the JACK server restarted) that is said in one sentence, and it is
    joined again when it is back."""
    try:
        port = (open_timed_input(name, callback, backend) if timed
                else open_input(name, lambda message: callback(message, time.perf_counter()), backend))
    except PortError as err:
        raise CommandError(str(err)) from None
    stack.callback(port.close)
    try:
        watcher = PortWatcher(port, warn, lambda: say(back_sentence(port)))
    except PortError as err:  # its backend went in between
        raise CommandError(str(err)) from None
    stack.callback(watcher.stop)  # before the port closes
    watcher.start()
    return port


def warn_port_lost(sentence: str) -> None:
    """For a player's on_port_lost: say that its output went away. Not the player process's own
    end, which ends the command and is said once, by the command."""
    if sentence != GONE:
        warn(sentence)


def say(line: str) -> None:
    print(line, flush=True)


def wait_until(done: Callable[[], bool], stop: Callable[[], None]) -> bool:
    """Poll until done(); on Ctrl+C call stop() (which silences) and return False."""
    try:
        while not done():
            time.sleep(POLL_S)
    except KeyboardInterrupt:
        stop()
        warn("Stopped.")
        return False
    return True
