"""Model files Continuo cannot use are refused with one sentence, before any sampling."""

from __future__ import annotations

import numpy as np
import pytest

from studio.engine.model import Model, ModelError, default_model_path, float_model_path

onnx = pytest.importorskip("onnx")


def _with_metadata(tmp_path, **changes) -> str:
    proto = onnx.load(str(default_model_path()))
    for prop in proto.metadata_props:
        if prop.key in changes:
            prop.value = changes[prop.key]
    path = tmp_path / "changed.onnx"
    onnx.save(proto, str(path))
    return str(path)


def _plain_onnx(tmp_path) -> str:
    from onnx import TensorProto, helper

    node = helper.make_node("Identity", ["x"], ["y"])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    path = tmp_path / "plain.onnx"
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.save(model, str(path))
    return str(path)


def test_the_shipped_model_loads_and_steps(model):
    h, c = model.zero_state(3)
    logits, style, h2, c2 = model.step(np.array([3, 4, 5]), h, c)
    assert logits.shape[0] == 3 and h2.shape == h.shape
    assert model.copy_weights


@pytest.mark.parametrize("make, words", [
    (lambda t: str(t / "missing.onnx"), "does not exist"),
    (lambda t: str(t), "is a folder"),
    (lambda t: (t / "junk.onnx").write_bytes(b"\x00garbage" * 100) and str(t / "junk.onnx"), "not an ONNX"),
    (lambda t: (t / "cut.onnx").write_bytes(default_model_path().read_bytes()[:5000]) and str(t / "cut.onnx"),
     "not an ONNX"),
    (_plain_onnx, "not a Continuo model"),
    (lambda t: _with_metadata(t, **{"continuo.encoding_version": "99"}), "version 99"),
    (lambda t: _with_metadata(t, **{"continuo.vocabulary": "{}"}), "damaged or was made by another build"),
])
def test_unusable_files_are_refused_with_one_sentence(tmp_path, make, words):
    path = make(tmp_path)
    with pytest.raises(ModelError) as caught:
        Model(path)
    message = str(caught.value)
    assert words in message
    assert "\n" not in message and message.endswith(".")


def _single_step_file(tmp_path) -> str:
    """The shipped graph behind a token [B] input, as files from earlier exports are."""
    from onnx import TensorProto, helper

    proto = onnx.load(str(float_model_path()))
    graph = proto.graph
    old = next(i for i in graph.input if i.name == "token")
    graph.input.remove(old)
    graph.input.insert(0, helper.make_tensor_value_info("token", TensorProto.INT64, ["batch"]))
    for node in graph.node:
        node.input[:] = ["token_seq" if i == "token" else i for i in node.input]
    graph.initializer.append(onnx.numpy_helper.from_array(np.array([0], np.int64), "step_axis"))
    graph.node.insert(0, helper.make_node("Unsqueeze", ["token", "step_axis"], ["token_seq"]))
    path = tmp_path / "single-step.onnx"
    onnx.save(proto, str(path))
    return str(path)


def test_a_seed_primes_in_one_call_exactly_as_step_by_step():
    model = Model(float_model_path())  # (the int8 model quantises each call's input as a whole)
    tokens = np.random.default_rng(3).integers(3, 300, size=(90, 2))
    h, c = model.zero_state(2)
    for row in tokens:
        logits, style, h, c = model.step(row, h, c)
    z_h, z_c = model.zero_state(2)
    once = model.run(tokens, z_h, z_c)
    assert model.sequence
    for got, want in zip(once, (logits, style, h, c), strict=True):
        assert got.shape == want.shape and np.abs(got - want).max() < 1e-4


def test_single_step_graphs_from_earlier_exports_still_run(tmp_path):
    old, model = Model(_single_step_file(tmp_path)), Model(float_model_path())
    assert not old.sequence
    tokens = np.random.default_rng(4).integers(3, 300, size=(20, 1))
    a = old.run(tokens, *old.zero_state(1))
    b = model.run(tokens, *model.zero_state(1))
    assert all(np.abs(x - y).max() < 1e-4 for x, y in zip(a, b, strict=True))
    with pytest.raises(ValueError):
        old.run(np.zeros((0, 1), np.int64), *old.zero_state(1))


def test_the_app_runs_the_int8_model_and_its_steps_read_a_quarter_of_the_bytes(model):
    assert model.path == default_model_path() and model.path.name == "continuo-int8.onnx"
    assert model.metadata["continuo.quantized"].startswith("int8")
    float_graph_bytes = int(Model(float_model_path()).metadata["continuo.step_bytes"])
    assert 3.5 < float_graph_bytes / model.weight_bytes < 4.2


def test_weight_bytes_count_what_a_step_reads(tmp_path):
    model = Model(float_model_path())
    # every float weight once, the numpy step's input table one row: less than the file, more
    # than the recurrent weights, and less than the graph reads (the embedding's row, all of W_ih0)
    recurrent = 4 * model.hidden * model.hidden * 4 * model.layers
    graph_bytes = int(model.metadata["continuo.step_bytes"])
    assert recurrent < model.weight_bytes < graph_bytes < model.path.stat().st_size
    proto = onnx.load(str(default_model_path()))  # int8: no numpy step, the file's statement only
    del proto.metadata_props[[p.key for p in proto.metadata_props].index("continuo.step_bytes")]
    path = tmp_path / "no-step-bytes.onnx"
    onnx.save(proto, str(path))
    assert Model(path).weight_bytes == path.stat().st_size
