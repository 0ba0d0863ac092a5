"""`continuo jam --in NAME`: jam mode headless. Listen to a keyboard on a MIDI input; when the
musician pauses for `--pause-beats`, answer with the continuation of what they just played, live
on `--port`, on the beat of a fixed `--tempo` (sent as MIDI clock with `--send-clock`), of a
DAW's MIDI clock (`--clock-in`) or of an Ableton Link session (`--link`); playing again stops
the answer at once. The answers play in the player's own process. An output that goes away (the
synth quits, the JACK server restarts) is said in one sentence and the jam listens on; answers
are heard again once it is back. Ctrl+C (or SIGTERM) ends it cleanly, with no note left sounding."""

from __future__ import annotations

import argparse
from contextlib import ExitStack

import mido

from studio.commands import CommandError
from studio.commands.common import add_settings_arguments, settings_from, sigterm_as_ctrl_c, warn, where
from studio.commands.live_io import (
    add_port_arguments,
    add_sync_arguments,
    open_session,
    open_time_source,
    open_watched_input,
    say,
    wait_until,
    warn_port_lost,
)
from studio.engine.continuation import Engine, SeedError
from studio.engine.model import Model, ModelError
from studio.live.jam import Answer, Jam
from studio.live.time_source import LiveError
from studio.midi.player_process import GONE


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("jam", help="call and response: answer what is played on a MIDI input, live")
    p.add_argument("--in", dest="input", required=True, help="the MIDI input to listen to (a keyboard)")
    add_port_arguments(p)
    p.add_argument("--pause-beats", type=float, default=1.0, help="beats of silence before an answer")
    p.add_argument("--tempo", type=float, default=120.0,
                   help="tempo of Continuo's own clock (BPM; with --link, the tempo it proposes)")
    add_sync_arguments(p)
    add_settings_arguments(p)
    p.set_defaults(run=run, bars=2.0)


def _announce(answer: Answer) -> None:
    live = answer.live
    say(f"Answering a phrase of {len(answer.phrase)} notes from "
        f"{where(live.start_tick, live.continuation.seed.time_signature)}.")


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    try:
        settings.check()
        engine = Engine(Model(args.model))
    except (ModelError, SeedError) as err:
        raise CommandError(str(err)) from None
    with ExitStack() as stack:
        stack.enter_context(sigterm_as_ctrl_c())
        session = open_session(args, stack, on_port_lost=warn_port_lost, on_port_back=say)
        player = session.player()
        try:
            source, follower = open_time_source(args, stack, session, args.tempo)  # a clock goes there too
            jam = Jam(engine, player, source, settings, pause_beats=args.pause_beats, grid=args.grid,
                      on_answer=_announce, on_error=lambda sentence: warn(f"continuo: {sentence}"))
        except LiveError as err:
            raise CommandError(str(err)) from None

        def failed() -> str | None:
            """Why the jam cannot go on: the player's process ended, or an answer failed. A lost
            port is not one (it was said, and the child joins it again when it is back)."""
            if not session.alive:
                return GONE
            error = jam.error  # read before stopped_at, which the player sets first
            return error if player.stopped_at is None else None

        clock_too = follower is not None and args.clock_in == args.input

        def keys(message: mido.Message, seconds: float) -> None:
            if clock_too:
                follower.receive(message, seconds)
            jam.receive(message, seconds)

        open_watched_input(stack, args.input, keys, args.backend, timed=clock_too)  # a clock's arrival times
        jam.start()
        stack.callback(jam.stop)
        clocked = f"; on {args.clock_in}'s clock, once the DAW plays" if follower is not None else ""
        say(f"Listening on {args.input}, answering on {session.name} after {args.pause_beats:g} beats of "
            f"pause{clocked} (Ctrl+C stops).")
        wait_until(lambda: failed() is not None, jam.stop)
        reason = failed()
    if reason is not None:
        raise CommandError(reason)
    return 0
