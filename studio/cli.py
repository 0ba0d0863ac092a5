"""Continuo's command line: `continuo --version` for now.

The headless subcommands (continuing a .mid file, rendering the piano roll to a PNG, listing
MIDI ports) come with the engine. This module must never import Qt or studio.ui at module
level, so the headless path runs on machines without a display or Qt's system libraries.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from studio import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="continuo",
        description="Continue a musician's phrase with a model and stream it into a DAW.",
    )
    parser.add_argument("--version", action="version", version=f"continuo {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    build_parser().parse_args(argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
