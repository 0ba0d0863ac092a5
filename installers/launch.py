"""The frozen app's entry point: PyInstaller runs this script, which hands over to the CLI.

`continuo` with no arguments opens the window; with arguments it is the command line, exactly
as the `continuo` console script of a pip install. With `--player-process` (CHILD_FLAG) it is
the real-time player's child process instead, which the window and `continue --play` start
from this same executable (studio.midi.player_process.child_command): it serves its parent on
stdin and stdout, before anything of the CLI or Qt is loaded.
"""

import sys

from studio.midi.player_process import CHILD_FLAG, serve_stdio

if sys.argv[1:2] == [CHILD_FLAG]:
    raise SystemExit(serve_stdio())

from studio.cli import main  # noqa: E402 (the player's child never needs the CLI)

raise SystemExit(main())
