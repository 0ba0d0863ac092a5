"""`continuo play FILE.mid [--port NAME] [--backend B] [--tempo BPM] [--loop] [--from-bar N]`:
play a file through the real-time player, into a named output or Continuo's own virtual port.

A port that goes away mid-song stops playback with one sentence on stderr; when it is back,
playback goes on from where it stopped. Ctrl+C (or SIGTERM) stops at once, every sounding note
turned off first.
"""

from __future__ import annotations

import argparse
import contextlib

from studio.commands import CommandError
from studio.commands.common import (
    add_file_argument,
    add_lead_in_argument,
    add_output_arguments,
    check_lead_in,
    describe_output,
    open_output_port,
    read_song,
    sigterm_as_ctrl_c,
    warn,
)
from studio.live.resume import ResumingPlay
from studio.midi.session import LocalSession

POLL_S = 0.1


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("play", help="play a .mid file into a MIDI port, in tempo")
    add_file_argument(p, "the .mid file to play")
    add_output_arguments(p)
    p.add_argument("--tempo", type=float, help="tempo in BPM (default: the file's)")
    p.add_argument("--loop", action="store_true", help="play it again and again, whole bars, until Ctrl+C")
    p.add_argument("--from-bar", type=int, default=1, help="start at this bar (1 = the beginning)")
    add_lead_in_argument(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    song = read_song(args.file)
    clip = song.clip
    notes = sorted(clip.notes + song.drums)
    if not notes:
        raise CommandError(f"{args.file.name} has no notes to play.")
    tempo = args.tempo or clip.tempo
    if not 1 <= tempo <= 10_000:
        raise CommandError("The tempo goes from 1 to 10,000 BPM.")
    bar = clip.time_signature.bar_ticks
    end = -(-max(n.end for n in notes) // bar) * bar  # whole bars
    start = (args.from_bar - 1) * bar
    if not 0 <= start < end:
        raise CommandError(f"{args.file.name} has bars 1 to {end // bar}; --from-bar must be one of them.")
    check_lead_in(args)
    with contextlib.ExitStack() as stack:
        port = open_output_port(args)
        stack.callback(port.close)
        print(f"Playing {args.file.name} into {describe_output(port.name, port.virtual)} at {tempo:g} BPM"
              f"{', looping' if args.loop else ''}; Ctrl+C stops.", flush=True)
        session = LocalSession(port, watch=True, realtime=True)
        stack.callback(session.close)
        playback = ResumingPlay(session, on_message=warn)
        stack.callback(playback.stop)
        stack.enter_context(sigterm_as_ctrl_c())
        try:
            playback.play(notes, tempo, clip.time_signature, start, loop=(0, end) if args.loop else None,
                          lead_in_s=args.lead_in)
            while not playback.wait(POLL_S):
                pass
        except KeyboardInterrupt:
            playback.stop()  # every sounding note off before the process goes
            warn("Stopped.")
            return 0
        if playback.error is not None:
            raise CommandError(playback.error)
    return 0
