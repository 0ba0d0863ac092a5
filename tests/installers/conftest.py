"""The bundle fixture for tests/installers, and the bundle's size and build time printed as one
JSON line at the end of the run."""

import json

import pytest

from tests.installers.bundle import Bundle, built_bundle

REPORT = pytest.StashKey[dict]()


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Bundle:
    built = built_bundle(tmp_path_factory.getbasetemp())
    pytestconfig.stash[REPORT] = built.report
    return built


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if REPORT in config.stash:
        terminalreporter.write_line(json.dumps({"continuo_bundle": config.stash[REPORT]}))
