"""`continuo continue SEED.mid ... --out OUT.mid`: write the seed plus its continuation (or
only the continuation), one file per variation, tempo and metre preserved. With `--play` the
continuation streams live into a MIDI port as it is generated, on the next beat (or 16th or
bar), at the seed's tempo; `--out` then also writes it once it has played to its end. An output
that goes away stops the notes there, with one sentence; once it is back (one sentence more) the
rest of the continuation plays from where it stopped, whole beats later (Ctrl+C while waiting
ends the command cleanly)."""

from __future__ import annotations

import argparse
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from studio.commands import CommandError
from studio.commands.common import (
    add_lead_in_argument,
    add_settings_arguments,
    check_lead_in,
    describe_output,
    settings_from,
    sigterm_as_ctrl_c,
    where,
)
from studio.commands.live_io import (
    add_port_arguments,
    add_sync_arguments,
    open_session,
    open_time_source,
    say,
    wait_until,
    warn_port_lost,
)
from studio.core.notes import Clip, TimeSignature
from studio.engine.continuation import Continuation, Engine, SeedError, Settings
from studio.engine.model import Model, ModelError
from studio.live.resume import Resume
from studio.live.stream import LiveContinuation
from studio.live.time_source import LiveError
from studio.midi.files import MidiFileError, read_midi_song, write_midi
from studio.midi.player_process import GONE
from studio.midi.session import Session


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("continue", help="continue a .mid file and write the result, or play it live")
    p.add_argument("seed", type=Path, help="the seed phrase (.mid)")
    p.add_argument("--out", type=Path, help="output .mid (OUT-1.mid ... with several variations)")
    add_settings_arguments(p)
    p.add_argument("--only-continuation", action="store_true", help="write only the new notes")
    p.add_argument("--play", action="store_true", help="stream the continuation live as it is generated")
    p.add_argument("--tempo", type=float, help="tempo to play at (default: the seed's)")
    add_lead_in_argument(p)
    add_port_arguments(p)
    add_sync_arguments(p)
    p.set_defaults(run=run)


def output_paths(out: Path, variations: int) -> list[Path]:
    if variations == 1:
        return [out]
    return [out.with_name(f"{out.stem}-{i}{out.suffix or '.mid'}") for i in range(1, variations + 1)]


def play_through(live: LiveContinuation, session: Session, back: threading.Event,
                 metre: TimeSignature) -> bool:
    """Wait for the continuation to play to its end, playing the rest again each time its output
    goes away and comes back (`back` is set when it is). False if stopped with Ctrl+C."""
    resume = Resume()
    while True:
        if not wait_until(lambda: not live.playing, live.stop):
            return False
        resume.lost(session.player().stopped_at)
        if live.error is None or not resume.waiting:
            return True
        # The session said the output went away (warn_port_lost); wait for it to come back.
        if not wait_until(lambda: back.is_set() or not session.alive, live.stop):
            return False
        if not session.alive:
            raise CommandError(GONE)
        back.clear()
        rest_from = live.resume(resume.back())
        from_there = "" if rest_from is None else f" from {where(rest_from, metre)}"
        say(f"The MIDI output '{session.name}' is back; playing on{from_there}.")


def play(args: argparse.Namespace, engine: Engine, seed: Clip, settings: Settings) -> Continuation | None:
    """Stream the first variation live; the continuation once played, None if stopped (Ctrl+C)."""
    bpm = args.tempo or seed.tempo
    check_lead_in(args)
    back = threading.Event()
    with ExitStack() as stack:
        stack.enter_context(sigterm_as_ctrl_c())
        session = open_session(args, stack, on_port_lost=warn_port_lost,
                               on_port_back=lambda _said: back.set())
        source, follower = open_time_source(args, stack, session, bpm)  # any clock goes out on its port
        if follower is not None:
            say(f"Waiting for the DAW to play (its clock on {args.clock_in}); Ctrl+C stops.")
            if not wait_until(lambda: getattr(follower.timeline(), "playing", False), lambda: None):
                return None
        not_before = source.timeline().tick_at(time.perf_counter() + args.lead_in)
        live = LiveContinuation(engine, seed, settings, session.player(), source, grid=args.grid,
                                not_before=not_before)
        live.start()
        say(f"Playing on {describe_output(session.name, session.virtual)} at "
            f"{source.timeline().bpm:.1f} BPM from the next {args.grid} (Ctrl+C stops).")
        finished = play_through(live, session, back, seed.time_signature)
    if not finished:
        return None  # Ctrl+C: said already, even while waiting for a lost output
    if live.error is not None:
        raise CommandError(live.error)
    if live.first_ready_at is None:
        raise CommandError("The model gave no notes for this seed; try a higher temperature.")
    ready_ms = 1000 * (live.first_ready_at - live.requested_at)
    say(f"Played {len(live.played)} notes from {where(live.start_tick, seed.time_signature)}; "
        f"the first was ready {ready_ms:.0f} ms after the request, generation stayed at least "
        f"{1000 * (live.lead_s or 0):.0f} ms ahead of playback.")
    return live.continuation


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.out is None and not args.play:
        raise CommandError("Say where to write the continuation (--out OUT.mid) or play it live (--play).")
    if args.out is not None and not args.out.parent.is_dir():
        raise CommandError(f"The folder for {args.out} does not exist.")
    try:
        song = read_midi_song(args.seed)
        engine = Engine(Model(args.model))
        if args.play:
            continuation = play(args, engine, song.clip, settings)
            if continuation is None:
                return 130  # stopped with Ctrl+C: nothing written
            if args.out is None:
                return 0
        else:
            continuation = engine.continuation(song.clip, settings)
            continuation.run()
        variations = continuation.notes
    except (MidiFileError, ModelError, SeedError, LiveError) as err:
        raise CommandError(str(err)) from None
    for path, notes in zip(output_paths(args.out, settings.variations), variations, strict=True):
        clip = song.clip.with_notes(notes if args.only_continuation else song.clip.notes + notes)
        try:
            write_midi(path, clip, drums=None if args.only_continuation else song.drums)
        except MidiFileError as err:
            raise CommandError(str(err)) from None
        print(f"{path}: {len(notes)} new notes from {continuation.start_tick} to {continuation.end_tick} "
              f"ticks ({continuation.style}, key {continuation.key or 'free'})")
    return 0
