"""Continuo's command line: `continuo continue`, `info`, `jam`, `play`, `ports`, `--version`.

With no command it opens the window (`continuo FILE.mid` or `FILE.continuo` opens it with that
file; `continuo --screenshot OUT.png [--demo]` renders it offscreen instead).

This module never imports Qt or studio.ui at module level, so the headless commands run on
machines without a display or Qt's system libraries. Errors a user can cause print one line
on stderr and exit with status 2; nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from studio import __version__
from studio.commands import CommandError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="continuo",
        description="Continue a musician's phrase with a model and stream it into a DAW.",
    )
    parser.add_argument("--version", action="version", version=f"continuo {__version__}")
    parser.add_argument("--screenshot", metavar="OUT.png", type=Path,
                        help="render the window offscreen at 1600x1000 to a PNG, then exit")
    parser.add_argument("--demo", action="store_true",
                        help="with --screenshot: the demo seed and its variations from the model")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from studio.commands import arrange, continue_cmd, info, jam, play, ports, render

    continue_cmd.add_parser(sub)
    arrange.add_parser(sub)
    info.add_parser(sub)
    jam.add_parser(sub)
    play.add_parser(sub)
    ports.add_parser(sub)
    render.add_parser(sub)
    return parser


WINDOW_FILES = (".mid", ".midi", ".continuo")  # `continuo FILE` opens the window with it


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:  # the window, at once: building every command's parser costs half a second
        return _window()
    if len(argv) == 1 and not argv[0].startswith("-") and Path(argv[0]).suffix.lower() in WINDOW_FILES:
        return _window(argv[0])  # a file handed over by the desktop ("Open With")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return _studio(args)
    try:
        return args.run(args)
    except CommandError as err:
        print(f"continuo: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _studio(args: argparse.Namespace) -> int:
    """No command: open the window, or render it with --screenshot."""
    if args.screenshot is not None:
        from studio.ui.app.screenshot import main as screenshot  # Qt is imported only here

        return screenshot(args.screenshot, demo=args.demo)
    return _window()


def _window(open_path: str | None = None) -> int:
    from studio.ui.app.launch import main as studio  # Qt is imported only here

    return studio(open_path=open_path)


if __name__ == "__main__":
    raise SystemExit(main())
