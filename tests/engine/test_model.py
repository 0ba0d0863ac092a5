"""Model files Continuo cannot use are refused with one sentence, before any sampling."""

from __future__ import annotations

import pytest

from studio.engine.model import Model, ModelError, default_model_path

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
    logits, style, h2, c2 = model.step(__import__("numpy").array([3, 4, 5]), h, c)
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
