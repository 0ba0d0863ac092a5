"""What several commands share: the .mid file argument and reading it with one-sentence errors,
the MIDI output options (--port, --backend) with opening that port and naming it to the user,
the --lead-in option, the engine's settings options (`continue` and `jam`), 'bar B, beat K' of a
tick, and SIGTERM stopping a command the way Ctrl+C does."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from studio.commands import CommandError
from studio.core.encoding import STYLES
from studio.core.notes import TimeSignature
from studio.engine.continuation import AUTO, Settings
from studio.engine.model import default_model_path
from studio.midi.files import MidiFileError, MidiSong, read_midi_song
from studio.midi.ports import BACKENDS, OutputPort, PortError, open_output


def add_file_argument(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("file", type=Path, help=what)


def read_song(path: Path) -> MidiSong:
    """The .mid file, or a CommandError saying in one sentence why it cannot be read."""
    try:
        return read_midi_song(path)
    except MidiFileError as err:
        raise CommandError(str(err)) from None


def add_output_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", help="MIDI output to play into, by name or part of it "
                                  "(default: a new virtual port named Continuo)")
    p.add_argument("--backend", choices=sorted(BACKENDS), help="MIDI system (default: the platform's)")


def open_output_port(args: argparse.Namespace) -> OutputPort:
    """The output the --port and --backend options ask for, or a CommandError."""
    try:
        return open_output(args.port, args.backend)
    except PortError as err:
        raise CommandError(str(err)) from None


def warn(line: str) -> None:
    """One line for the user on stderr, at once."""
    print(line, file=sys.stderr, flush=True)


def describe_output(name: str, virtual: bool) -> str:
    """The output as the user is told of it: Continuo's own virtual port asks to be connected to."""
    return f"the virtual port '{name}' (connect your DAW or synth to it)" if virtual else f"'{name}'"


def add_lead_in_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lead-in", type=float, default=0.0,
                   help="seconds of silence first (time to connect a DAW to the virtual port)")


def check_lead_in(args: argparse.Namespace) -> None:
    """A CommandError unless --lead-in is in range."""
    if not 0 <= args.lead_in <= 60:
        raise CommandError("The lead-in goes from 0 to 60 seconds.")


def add_settings_arguments(p: argparse.ArgumentParser) -> None:
    """The engine's controls (`continuo continue` and `continuo jam`), with the window's defaults
    (the variations aside: each is a file here); the panel's words are aliases: --adventure for
    --temperature, --focus for 1 - --top-p, --echo for --repeat, --take for --seed."""
    p.add_argument("--bars", type=float, default=4.0, help="length of the continuation in bars (1-32)")
    p.add_argument("--beats", type=float, help="length in beats instead of bars")
    p.add_argument("--variations", type=int, default=1, help="how many variations (1-8)")
    p.add_argument("--temperature", "--adventure", dest="temperature", type=float, default=1.0,
                   help="0 = always the likeliest note, up to 2 (the window's Adventure)")
    focus = p.add_mutually_exclusive_group()
    focus.add_argument("--top-p", type=float, default=0.95, help="sample from this much probability mass")
    focus.add_argument("--focus", type=float, help="the window's Focus: the same as --top-p 1-FOCUS")
    p.add_argument("--seed", "--take", dest="random_seed", type=int,
                   help="random seed, the window's Take: the same seed gives the same notes")
    p.add_argument("--key", default=AUTO, help="auto (the default: the file's key, else the one heard), "
                                               "none, or a key such as C-major, A-minor, D-dorian")
    p.add_argument("--style", default=AUTO, choices=[AUTO, *STYLES[1:]], help="style (auto = as the seed)")
    p.add_argument("--low", type=int, default=0, help="lowest MIDI pitch")
    p.add_argument("--high", type=int, default=127, help="highest MIDI pitch")
    p.add_argument("--max-polyphony", type=int,
                   help="most notes at once (0 = no limit; default: as many as the seed)")
    p.add_argument("--repeat", "--echo", dest="repeat", type=float, default=1.0,
                   help="how much it may restate the seed (0-2; the window's Echo the phrase)")
    p.add_argument("--model", type=Path, default=default_model_path(), help="model file (.onnx)")


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings(bars=args.bars, beats=args.beats, variations=args.variations,
                    temperature=args.temperature, seed=args.random_seed,
                    top_p=args.top_p if args.focus is None else round(1.0 - args.focus, 6),
                    style=args.style, key=None if args.key == "none" else args.key,
                    low=args.low, high=args.high, max_polyphony=args.max_polyphony, repeat=args.repeat)


def where(tick: int, metre: TimeSignature) -> str:
    """'bar B, beat K' of a transport tick."""
    bar, beat = divmod(tick, metre.bar_ticks)
    return f"bar {bar + 1}, beat {beat // metre.beat_ticks + 1}"


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def sigterm_as_ctrl_c() -> Iterator[None]:
    """Inside, SIGTERM raises KeyboardInterrupt, so it stops a command cleanly as Ctrl+C does;
    the previous handler is back afterwards. Only the main thread can set handlers: elsewhere
    (a command run from a test's thread) nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
