"""Headless commands behind `continuo SUBCOMMAND` (no Qt on these paths)."""


class CommandError(Exception):
    """A problem the user caused (bad file, bad option): one line on stderr, exit status 2."""
