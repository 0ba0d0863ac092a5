"""What the live commands (`continue --play`, `jam`) share: the output and launch-grid options,
opening an input with a one-sentence error, and waiting for playback in a way Ctrl+C ends
cleanly (every sounding note turned off before the process leaves)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import mido

from studio.commands import CommandError
from studio.commands.common import add_output_arguments
from studio.live.transport import GRIDS
from studio.midi.ports import InputPort, PortError, open_input

POLL_S = 0.1


def add_port_arguments(p: argparse.ArgumentParser) -> None:
    add_output_arguments(p)
    p.add_argument("--grid", choices=GRIDS, default="beat",
                   help="launch on the next 16th, beat or bar (default: beat)")


def input_port(name: str, callback: Callable[[mido.Message], None], backend: str | None) -> InputPort:
    try:
        return open_input(name, callback, backend)
    except PortError as err:
        raise CommandError(str(err)) from None


def say(line: str) -> None:
    print(line, flush=True)


def wait_until(done: Callable[[], bool], stop: Callable[[], None]) -> bool:
    """Poll until done(); on Ctrl+C call stop() (which silences) and return False."""
    try:
        while not done():
            time.sleep(POLL_S)
    except KeyboardInterrupt:
        stop()
        print("Stopped.", file=sys.stderr, flush=True)
        return False
    return True
