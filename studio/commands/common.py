"""What several commands share: the .mid file argument and reading it with one-sentence errors,
and the MIDI output options (--port, --backend) with opening that port."""

from __future__ import annotations

import argparse
from pathlib import Path

from studio.commands import CommandError
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
