"""Int8 weights for the engine's graph:
`python -m models.quantize [--model models/continuo.onnx] [--out models/continuo-int8.onnx]`.

onnxruntime folds the graph's constant nodes (models/graph.py keeps PyTorch's layout and lets
the runtime reorder the gates), then dynamic quantisation stores the LSTM and head weights as
int8 with a scale per output channel; activations are quantised on the fly. A step then reads
about a quarter of the bytes. The file keeps the float model's metadata (encoding, styles,
copy weights), so the engine loads it like any model; it cannot be fine-tuned from (the
weights are no longer PyTorch's). Make it last, after the copy weights are fitted into the
float file (models/finish.sh); `models.export` deletes a twin made from older weights. Whether
it is good enough is for `models.evaluate` to say: compare it with the float model on the same
notes before shipping it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from models.graph import save, set_metadata, step_bytes


def quantize(model: Path, out: Path) -> int:
    """Write the int8 model; returns the bytes of weights one step reads."""
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory() as tmp:
        folded, quantized = Path(tmp) / "folded.onnx", Path(tmp) / "int8.onnx"
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        quantize_dynamic(str(folded), str(quantized), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["LSTM", "Gemm", "MatMul"])
        proto = onnx.load(str(quantized))
    source = {p.key: p.value for p in onnx.load(str(model)).metadata_props}
    step = step_bytes({t.name: numpy_helper.to_array(t) for t in proto.graph.initializer})
    del proto.metadata_props[:]
    set_metadata(proto, {**source, "continuo.step_bytes": str(step),
                         "continuo.quantized": "int8 dynamic, per channel"})
    onnx.checker.check_model(proto)
    save(proto, out)
    return step


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.quantize", description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=Path("models/continuo.onnx"))
    parser.add_argument("--out", type=Path, default=Path("models/continuo-int8.onnx"))
    args = parser.parse_args(argv)
    if not args.model.is_file():
        print(f"error: no model at {args.model}", file=sys.stderr)
        return 2
    step = quantize(args.model, args.out)
    print(json.dumps({"out": str(args.out), "bytes": args.out.stat().st_size, "step_bytes": step}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
