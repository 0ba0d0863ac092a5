"""The bundle fixture for tests/installers, and the bundle's size and build time printed as one
JSON line at the end of the run (whichever folder built it)."""

import json

from tests.installers.bundle import REPORT, bundle  # noqa: F401 (a fixture)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if REPORT in config.stash:
        terminalreporter.write_line(json.dumps({"continuo_bundle": config.stash[REPORT]}))
