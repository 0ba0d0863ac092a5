"""Live tests run the real shipped model; `hanging` reads a received stream for notes left on."""

from __future__ import annotations

import pytest

from studio.engine.continuation import Engine
from studio.engine.model import Model, default_model_path


@pytest.fixture(scope="session")
def live_engine() -> Engine:
    return Engine(Model(default_model_path()))
