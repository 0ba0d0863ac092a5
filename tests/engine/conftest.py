"""The engine tests run the real shipped model."""

from __future__ import annotations

import pytest

from studio.engine.continuation import Engine
from studio.engine.model import Model, default_model_path


@pytest.fixture(scope="session")
def model() -> Model:
    return Model(default_model_path())


@pytest.fixture
def engine(model: Model) -> Engine:
    return Engine(model)
