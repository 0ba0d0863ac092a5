"""The ONNX graph the engine runs, built straight from the LSTM's PyTorch-named weights, and
`python -m models.graph [--model models/continuo.onnx]` to rebuild a model file in place from
the weights already inside it (no checkpoint needed; metadata kept).

Graph: (token [T, B] int64, h [L, B, H], c [L, B, H]) -> (logits [B, V], style_logits [B, S],
h_out, c_out) for the last of the T steps; T and B are dynamic. T = 1 is the engine's step;
a whole seed primes in one call. Each layer is one ONNX LSTM node (onnxruntime's fused kernel:
one matrix-vector product per layer per step, the seed's input projections as one matrix
product). The weights stay in PyTorch's layout and names, so `models.train --init` can
fine-tune from a shipped file; the gate reordering (PyTorch i f g o -> ONNX i o f c) is
expressed as nodes on constants, which onnxruntime folds once when it loads the file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

INPUTS = ("token", "h", "c")
OUTPUTS = ("logits", "style_logits", "h_out", "c_out")
GRAPH_KIND = "sequence-lstm-1"  # metadata "continuo.graph": what the engine may call it with
_TORCH_TO_ONNX_GATES = (0, 3, 1, 2)  # PyTorch chunks i, f, g, o -> ONNX order i, o, f, c


def lstm_weights(initializers: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The PyTorch-named weights (embedding, lstm.*, head.*, style_head.*) of a mapping."""
    prefixes = ("embedding.", "lstm.", "head.", "style_head.")
    return {k: v for k, v in initializers.items() if k.startswith(prefixes)}


def step_bytes(weights: dict[str, np.ndarray]) -> int:
    """Bytes of weights one step reads: everything but the embedding, of which one row (the
    embedding is the tensor whose name starts with "embedding": PyTorch's, or a quantised
    graph's)."""
    embedding = next(k for k in weights if k.startswith("embedding"))
    total = sum(int(w.nbytes) for w in weights.values())
    return total - int(weights[embedding].nbytes) + int(weights[embedding][0].nbytes)


def set_metadata(proto, meta: dict[str, str]) -> None:
    """Add or replace metadata entries of a model proto."""
    existing = {p.key: p for p in proto.metadata_props}
    for key, value in meta.items():
        if key in existing:
            existing[key].value = value
        else:
            prop = proto.metadata_props.add()
            prop.key, prop.value = key, value


def build(weights: dict[str, np.ndarray], args: dict, metadata: dict[str, str]):
    """The model proto for weights named as in models.model.ContinuoLSTM's state dict."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    layers, hidden = int(args["layers"]), int(args["hidden"])
    vocab, styles = int(args["vocab_size"]), int(args["n_styles"])
    nodes, inits = [], []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], outputs: list[str], **attrs) -> None:
        nodes.append(helper.make_node(op, inputs, outputs, **attrs))

    for name, value in weights.items():
        const(name, value.astype(np.float32))
    const("axis0", np.array([0], np.int64))
    const("axis1", np.array([1], np.int64))

    def onnx_gates(name: str) -> str:  # [4H, ...] PyTorch -> [4H, ...] ONNX gate order
        chunks = [f"{name}/gate{i}" for i in range(4)]
        node("Split", [name], chunks, axis=0, num_outputs=4)
        node("Concat", [chunks[i] for i in _TORCH_TO_ONNX_GATES], [f"{name}/onnx"], axis=0)
        return f"{name}/onnx"

    node("Split", ["h"], [f"h{i}" for i in range(layers)], axis=0, num_outputs=layers)
    node("Split", ["c"], [f"c{i}" for i in range(layers)], axis=0, num_outputs=layers)
    node("Gather", ["embedding.weight", "token"], ["x0"], axis=0)  # [T, B, E]
    for i in range(layers):
        w, r = onnx_gates(f"lstm.weight_ih_l{i}"), onnx_gates(f"lstm.weight_hh_l{i}")
        node("Unsqueeze", [w, "axis0"], [f"W{i}"])
        node("Unsqueeze", [r, "axis0"], [f"R{i}"])
        biases = [onnx_gates(f"lstm.bias_ih_l{i}"), onnx_gates(f"lstm.bias_hh_l{i}")]
        node("Concat", biases, [f"b{i}"], axis=0)
        node("Unsqueeze", [f"b{i}", "axis0"], [f"B{i}"])
        node("LSTM", [f"x{i}", f"W{i}", f"R{i}", f"B{i}", "", f"h{i}", f"c{i}"],
             [f"y{i}", f"h_out{i}", f"c_out{i}"], hidden_size=hidden)
        node("Squeeze", [f"y{i}", "axis1"], [f"x{i + 1}"])  # [T, 1, B, H] -> [T, B, H]
    node("Squeeze", [f"h_out{layers - 1}", "axis0"], ["last"])
    node("Concat", ["head.weight", "style_head.weight"], ["heads.weight"], axis=0)
    node("Concat", ["head.bias", "style_head.bias"], ["heads.bias"], axis=0)
    node("Gemm", ["last", "heads.weight", "heads.bias"], ["heads"], transB=1)
    const("head_sizes", np.array([vocab, styles], np.int64))
    node("Split", ["heads", "head_sizes"], ["logits", "style_logits"], axis=1)
    node("Concat", [f"h_out{i}" for i in range(layers)], ["h_out"], axis=0)
    node("Concat", [f"c_out{i}" for i in range(layers)], ["c_out"], axis=0)

    state = [layers, "batch", hidden]
    graph = helper.make_graph(
        nodes, "continuo", [
            helper.make_tensor_value_info("token", TensorProto.INT64, ["time", "batch"]),
            helper.make_tensor_value_info("h", TensorProto.FLOAT, state),
            helper.make_tensor_value_info("c", TensorProto.FLOAT, state),
        ], [
            helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", vocab]),
            helper.make_tensor_value_info("style_logits", TensorProto.FLOAT, ["batch", styles]),
            helper.make_tensor_value_info("h_out", TensorProto.FLOAT, state),
            helper.make_tensor_value_info("c_out", TensorProto.FLOAT, state),
        ], inits)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=8,
                              producer_name="continuo")
    set_metadata(proto, {**metadata, "continuo.graph": GRAPH_KIND, "continuo.model_args": json.dumps(args),
                         "continuo.step_bytes": str(step_bytes(weights))})
    onnx.checker.check_model(proto)
    return proto


def read(path: Path) -> tuple[dict[str, np.ndarray], dict, dict[str, str]]:
    """Weights, model arguments and metadata of a Continuo model file (any graph kind)."""
    import onnx
    from onnx import numpy_helper

    proto = onnx.load(str(path))
    meta = {p.key: p.value for p in proto.metadata_props}
    weights = lstm_weights({t.name: numpy_helper.to_array(t) for t in proto.graph.initializer})
    return weights, json.loads(meta["continuo.model_args"]), meta


def save(proto, out: Path) -> None:
    """Write atomically (a temporary file beside the target, then a rename)."""
    import onnx

    tmp = out.with_suffix(".tmp.onnx")
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(proto, str(tmp))
    tmp.replace(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.graph", description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=Path("models/continuo.onnx"))
    parser.add_argument("--out", type=Path, help="where to write (default: replace --model)")
    args = parser.parse_args(argv)
    if not args.model.is_file():
        print(f"error: no model at {args.model}", file=sys.stderr)
        return 2
    weights, model_args, meta = read(args.model)
    proto = build(weights, model_args, meta)
    save(proto, args.out or args.model)
    print(json.dumps({"out": str(args.out or args.model), "step_bytes": step_bytes(weights)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
