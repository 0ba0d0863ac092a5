"""Export a checkpoint to the stateful single-step ONNX graph the engine runs:
`python -m models.export --checkpoint runs/continuo/best.pt --out models/continuo.onnx`.

Graph: (token [B] int64, h [L, B, H], c [L, B, H]) -> (logits [B, V], style_logits [B, S],
h_out, c_out), batch axis dynamic. The file describes itself in its metadata: encoding
version, vocabulary layout, grid, styles, metres, durations, the copy-model mixing weights and
(after `models.evaluate --write-metadata`) the evaluation table. Weights keep their PyTorch
names, so `models.train --init model.onnx` can fine-tune from a shipped file.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

from models.model import ContinuoLSTM, load_checkpoint
from studio.core import encoding

DEFAULT_MODEL = Path("models/continuo.onnx")


class _Step(torch.nn.Module):
    def __init__(self, model: ContinuoLSTM) -> None:
        super().__init__()
        self.model = model

    def forward(self, token, h, c):
        return self.model.step(token, h, c)


def encoding_metadata() -> dict[str, str]:
    """What the engine needs to check and decode the vocabulary, as strings."""
    layout = {kind.name: list(encoding.token_range(kind)) for kind in encoding.Kind}
    return {
        "continuo.encoding_version": str(encoding.ENCODING_VERSION),
        "continuo.vocab_size": str(encoding.VOCAB_SIZE),
        "continuo.vocabulary": json.dumps(layout),
        "continuo.steps_per_quarter": str(encoding.STEPS_PER_QUARTER),
        "continuo.styles": json.dumps(list(encoding.STYLES)),
        "continuo.metres": json.dumps([list(m) for m in encoding.METRES]),
        "continuo.durations": json.dumps(list(encoding.DURATION_STEPS)),
    }


def export(model: ContinuoLSTM, out: Path, extra: dict[str, str] | None = None) -> None:
    """Write the single-step graph with metadata; onnx.checker must pass."""
    import onnx

    cfg = model.config
    token = torch.zeros(2, dtype=torch.long)
    h, c = torch.zeros(cfg.layers, 2, cfg.hidden), torch.zeros(cfg.layers, 2, cfg.hidden)
    tmp = out.with_suffix(".tmp.onnx")
    out.parent.mkdir(parents=True, exist_ok=True)
    # The TorchScript exporter traces this small stateful graph exactly; its deprecation
    # notice is not for our users.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            _Step(model).eval(), (token, h, c), str(tmp), dynamo=False,
            input_names=["token", "h", "c"],
            output_names=["logits", "style_logits", "h_out", "c_out"],
            dynamic_axes={"token": {0: "batch"}, "h": {1: "batch"}, "c": {1: "batch"},
                          "logits": {0: "batch"}, "style_logits": {0: "batch"},
                          "h_out": {1: "batch"}, "c_out": {1: "batch"}},
            opset_version=17, do_constant_folding=False,
        )
    model.eval()  # the exporter restores the wrapper's mode, which can flip the model to training
    proto = onnx.load(str(tmp))
    for init in proto.graph.initializer:  # keep PyTorch names (the exporter prefixes "model.")
        if init.name.startswith("model."):
            old = init.name
            init.name = old[len("model."):]
            for node in proto.graph.node:
                node.input[:] = [init.name if i == old else i for i in node.input]
    meta = encoding_metadata()
    meta["continuo.model_args"] = json.dumps(cfg.to_dict())
    meta.update(extra or {})
    set_metadata(proto, meta)
    onnx.checker.check_model(proto)
    onnx.save(proto, str(tmp))
    tmp.replace(out)


def set_metadata(proto, meta: dict[str, str]) -> None:
    existing = {p.key: p for p in proto.metadata_props}
    for key, value in meta.items():
        if key in existing:
            existing[key].value = value
        else:
            prop = proto.metadata_props.add()
            prop.key, prop.value = key, value


def update_metadata(path: Path, meta: dict[str, str]) -> None:
    """Add or replace metadata entries of an exported model, atomically."""
    import onnx

    proto = onnx.load(str(path))
    set_metadata(proto, meta)
    tmp = path.with_suffix(".tmp.onnx")
    onnx.save(proto, str(tmp))
    tmp.replace(path)


def parity(model: ContinuoLSTM, onnx_path: Path, tokens: list[list[int]]) -> float:
    """Max abs difference of logits between torch (whole sequences) and onnxruntime
    (stepped) over the given equal-length token rows."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    rows = torch.tensor(tokens)
    model.eval()
    with torch.no_grad():
        ref, ref_style, _ = model(rows)
    cfg = model.config
    h = np.zeros((cfg.layers, len(tokens), cfg.hidden), np.float32)
    c = np.zeros_like(h)
    worst = 0.0
    for t in range(rows.shape[1]):
        logits, style, h, c = session.run(None, {"token": rows[:, t].numpy(), "h": h, "c": c})
        worst = max(worst, float(np.abs(logits - ref[:, t].numpy()).max()),
                    float(np.abs(style - ref_style[:, t].numpy()).max()))
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.export", description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=Path("runs/continuo/best.pt"))
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--copy-weights", type=Path,
                        help="JSON list of copy-model mixing weights per match bucket")
    args = parser.parse_args(argv)
    if not args.checkpoint.exists():
        print(f"error: no checkpoint at {args.checkpoint}", file=sys.stderr)
        return 2
    model, ckpt = load_checkpoint(args.checkpoint)
    extra = {"continuo.training": json.dumps({"steps": ckpt["state"]["step"],
                                              "minutes": round(ckpt["state"]["elapsed"] / 60, 1)})}
    if args.copy_weights:
        extra["continuo.copy_weights"] = args.copy_weights.read_text()
    export(model, args.out, extra)
    rng = np.random.default_rng(0)
    sample = rng.integers(0, encoding.VOCAB_SIZE, size=(3, 64)).tolist()
    diff = parity(model, args.out, sample)
    print(json.dumps({"out": str(args.out), "bytes": args.out.stat().st_size, "parity_max_abs": diff}))
    return 0 if diff < 1e-4 else 1


if __name__ == "__main__":
    raise SystemExit(main())
