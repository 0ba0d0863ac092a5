"""Export a checkpoint to the graph the engine runs:
`python -m models.export --checkpoint runs/continuo/best.pt --out models/continuo.onnx`.

Graph (models/graph.py): (token [T, B] int64, h [L, B, H], c [L, B, H]) -> (logits [B, V],
style_logits [B, S], h_out, c_out) after the last of T steps; T = 1 is a step, and a whole
seed primes in one call. The file describes itself in its metadata: encoding version,
vocabulary layout, grid, styles, metres, durations, the copy-model mixing weights and (after
`models.evaluate --write-metadata`) the evaluation table. Weights keep their PyTorch names,
so `models.train --init model.onnx` can fine-tune from a shipped file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from models import graph
from models.model import ContinuoLSTM, load_checkpoint
from studio.core import band_encoding, chords, encoding

DEFAULT_MODEL = Path("models/continuo.onnx")


def encoding_metadata(task: str = "continuo") -> dict[str, str]:
    """What the engine needs to check and decode the vocabulary, as strings (the band model's
    with task="band")."""
    if task == "band":
        return band_metadata()
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


def band_metadata() -> dict[str, str]:
    """The band encoding's vocabulary, styles, grid, ranges and chord qualities."""
    layout = {kind.name: list(band_encoding.band_range(kind)) for kind in band_encoding.BandKind}
    return {
        "continuo.encoding": "band",
        "continuo.encoding_version": str(band_encoding.BAND_ENCODING_VERSION),
        "continuo.vocab_size": str(band_encoding.BAND_VOCAB_SIZE),
        "continuo.vocabulary": json.dumps(layout),
        "continuo.styles": json.dumps(list(band_encoding.BAND_STYLES)),
        "continuo.modes": json.dumps(list(band_encoding.MODES)),
        "continuo.substeps": str(band_encoding.SUBSTEPS),
        "continuo.bass_range": json.dumps(list(band_encoding.BASS_RANGE)),
        "continuo.chord_qualities": json.dumps(list(chords.QUALITY_NAMES)),
        "continuo.trained_styles": json.dumps(["any", "pop"]),  # POP909 (and "any": style-blind crops)
    }


def export(model: ContinuoLSTM, out: Path, extra: dict[str, str] | None = None,
           task: str = "continuo") -> None:
    """Write the graph with metadata, atomically; onnx.checker must pass."""
    weights = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    meta = encoding_metadata(task)
    meta.update(extra or {})
    graph.save(graph.build(graph.lstm_weights(weights), model.config.to_dict(), meta), out)


def update_metadata(path: Path, meta: dict[str, str]) -> None:
    """Add or replace metadata entries of an exported model, atomically."""
    import onnx

    proto = onnx.load(str(path))
    graph.set_metadata(proto, meta)
    graph.save(proto, path)


def parity(model: ContinuoLSTM, onnx_path: Path, tokens: list[list[int]], task: str = "continuo") -> float:
    """Max abs difference between torch (whole sequences) and the model file run by the
    engine, over the given equal-length token rows: logits and style logits of every step
    (stepped), and the last step's outputs and state when the file runs them in one call."""
    from studio.engine.model import BAND, CONTINUATION, Model

    engine_model = Model(onnx_path, spec=BAND if task == "band" else CONTINUATION)
    rows = torch.tensor(tokens)
    model.eval()
    with torch.no_grad():
        ref, ref_style, (ref_h, ref_c) = model(rows)
    h, c = engine_model.zero_state(len(tokens))
    worst = 0.0
    for t in range(rows.shape[1]):
        logits, style, h, c = engine_model.step(rows[:, t].numpy(), h, c)
        worst = max(worst, float(np.abs(logits - ref[:, t].numpy()).max()),
                    float(np.abs(style - ref_style[:, t].numpy()).max()))
    h, c = engine_model.zero_state(len(tokens))
    logits, style, h, c = engine_model.run(rows.numpy().T, h, c)
    for got, want in ((logits, ref[:, -1]), (style, ref_style[:, -1]), (h, ref_h), (c, ref_c)):
        worst = max(worst, float(np.abs(got - want.numpy()).max()))
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
    task = ckpt.get("train_config", {}).get("task", "continuo")
    extra = {"continuo.training": json.dumps({"steps": ckpt["state"]["step"],
                                              "minutes": round(ckpt["state"]["elapsed"] / 60, 1)})}
    if args.copy_weights:
        extra["continuo.copy_weights"] = args.copy_weights.read_text()
    export(model, args.out, extra, task)
    stale = args.out.with_name(args.out.stem + "-int8.onnx")
    if stale.exists():  # the engine prefers the int8 twin: never let it run old weights
        stale.unlink()
        print(f"removed {stale} (made from the previous weights): run python -m models.quantize",
              file=sys.stderr)
    rng = np.random.default_rng(0)
    sample = rng.integers(0, model.config.vocab_size, size=(3, 64)).tolist()
    diff = parity(model, args.out, sample, task)
    print(json.dumps({"out": str(args.out), "bytes": args.out.stat().st_size, "parity_max_abs": diff}))
    return 0 if diff < 1e-4 else 1


if __name__ == "__main__":
    raise SystemExit(main())
