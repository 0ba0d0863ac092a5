"""The built app for the end-to-end tests (the same, once-per-session build as tests/installers)."""

from tests.installers.bundle import bundle  # noqa: F401 (a fixture)
