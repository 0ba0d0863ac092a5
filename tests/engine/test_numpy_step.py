"""The numpy step (a float model's batch-1 steps) computes what the ONNX graph computes, and the
weights reader it is built from refuses a damaged file with WeightsError."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from studio.engine.model import Model, float_model_path
from studio.engine.onnx_weights import WeightsError, float_initializers

onnx = pytest.importorskip("onnx")


@pytest.fixture(scope="module")
def float_model() -> Model:
    return Model(float_model_path())


def _state(model: Model, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    h, c = model.zero_state(1)
    h = (rng.standard_normal(h.shape) * 0.5).astype(np.float32)
    return h, rng.standard_normal(c.shape).astype(np.float32)


def test_the_float_model_steps_in_numpy_and_the_int8_one_in_the_graph(float_model, model):
    assert float_model._numpy is not None and model._numpy is None


def test_a_numpy_step_equals_the_graphs_step(float_model):
    rng = np.random.default_rng(3)
    for token in (0, 60, 327):
        h, c = _state(float_model, rng)
        ours = float_model.step(np.array([token]), h, c)
        graph = float_model.run(np.array([[token]]), h, c)  # the onnxruntime graph, T = 1
        for a, b in zip(ours, graph, strict=True):
            assert a.shape == b.shape and np.abs(a - b).max() < 1e-5


def test_a_hundred_greedy_steps_stay_with_the_graph(float_model):
    h, c = float_model.zero_state(1)
    gh, gc = h, c
    token = graph_token = 5
    for _ in range(100):
        logits, _, h, c = float_model.step(np.array([token]), h, c)
        graph_logits, _, gh, gc = float_model.run(np.array([[graph_token]]), gh, gc)
        token, graph_token = int(logits.argmax()), int(graph_logits.argmax())
        assert token == graph_token
    assert np.abs(h - gh).max() < 1e-3


def test_threads_stepping_at_once_get_the_same_results(float_model):
    h, c = _state(float_model, np.random.default_rng(9))
    expected = float_model.step(np.array([42]), h, c)[0]
    results: list[np.ndarray] = []

    def work() -> None:
        for _ in range(200):
            results.append(float_model.step(np.array([42]), h, c)[0])

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 600 and all(np.array_equal(r, expected) for r in results)


def test_the_reader_returns_what_onnx_stores():
    blob = float_model_path().read_bytes()
    ours = float_initializers(blob)
    theirs = {t.name: onnx.numpy_helper.to_array(t) for t in onnx.load_from_string(blob).graph.initializer
              if t.data_type == onnx.TensorProto.FLOAT}
    assert ours.keys() == theirs.keys()
    assert all(np.array_equal(ours[k], theirs[k]) for k in ours)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "wire type"])
def test_a_damaged_file_is_refused(damage):
    blob = float_model_path().read_bytes()
    bad = {"truncated": blob[: len(blob) // 2], "garbage": bytes(range(256)) * 8,
           "wire type": b"\x3f\x00"}[damage]
    with pytest.raises(WeightsError):
        float_initializers(bad)
