"""Train and export the harmoniser, the chord lane's model:
`python -m models.harmony [--data data/band.json.gz] [--minutes M] [--resume] --out models/harmony.onnx`.

A bidirectional LSTM over a melody's beats (studio.core.harmony: what it hears per beat) that
names a chord class per beat, trained on POP909's annotated chords (the band model's songs and
split, models.band_data) with every transposition and, as for the band model, some bars read
in halves (4/4 as 2/4, six beats as 3/4) so it meets the metres POP909 lacks. Checkpoints
(last.pt, best.pt by validation accuracy) carry the optimiser and the elapsed time, so
`--resume` continues a run. At the end the best checkpoint is exported, the penalty the
engine's decoder puts on a chord change is fitted on the validation songs (the one that
decodes them most accurately), and the file is checked against PyTorch.

Graph: features [T, B, F] -> logits [T, B, C]: a linear layer with ReLU, then per layer one
bidirectional ONNX LSTM node. Whole melodies run at once: there is no state to carry, because
an arranger with a written melody hears all of it (the band that follows live is the band
model's, which hears only what was played).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from models.band_data import DEFAULT_BAND_DATA, REBAR_RATE, half_bar, load_songs
from models.graph import save, set_metadata
from studio.core.band_encoding import BandBeat
from studio.core.chords import QUALITY_NAMES
from studio.core.harmony import (
    FEATURES,
    HARMONY_VERSION,
    N_CLASSES,
    chord_class,
    harmony_features,
)
from studio.engine.harmoniser import CLASS_UP, best_path, rotate, transposed_log_probs

DEFAULT_OUT = Path("models/harmony.onnx")
_TORCH_TO_ONNX_GATES = (0, 3, 1, 2)  # PyTorch chunks i, f, g, o -> ONNX order i, o, f, c
PENALTIES = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0)


class HarmonyLSTM(nn.Module):
    """features [T, B, F] -> chord logits [T, B, C]."""

    def __init__(self, hidden: int = 128, layers: int = 2, dropout: float = 0.2) -> None:
        super().__init__()
        self.args = {"hidden": hidden, "layers": layers, "dropout": dropout}
        self.inp = nn.Linear(FEATURES, hidden)
        self.lstm = nn.LSTM(hidden, hidden, layers, bidirectional=True, dropout=dropout)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(2 * hidden, N_CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y, _ = self.lstm(self.drop(F.relu(self.inp(x))))
        return self.out(self.drop(y))


# -- data ---------------------------------------------------------------------------------------
def rebarred(beats: list[BandBeat]) -> list[BandBeat]:
    """The beats (melody and chord) in bars half as long (band_data.half_bar)."""
    return [BandBeat(*half_bar(b.beats_per_bar, b.beat), b.chord, b.melody, b.held) for b in beats]


def song_arrays(beats: list[BandBeat]) -> tuple[np.ndarray, np.ndarray]:
    return (np.array(harmony_features(beats), np.float32),
            np.array([chord_class(b.chord) for b in beats], np.int64))


class Songs:
    """A split's songs as (features, classes) arrays, plain and rebarred."""

    def __init__(self, data: Path, split: str) -> None:
        songs = [song for song, where in load_songs(data) if where == split]
        self.plain = [song_arrays(s.beats) for s in songs]
        self.rebar = [song_arrays(rebarred(s.beats)) for s in songs]

    def batch(self, size: int, length: int, rng: random.Random) -> tuple[torch.Tensor, torch.Tensor]:
        xs = np.zeros((length, size, FEATURES), np.float32)
        ys = np.full((length, size), -100, np.int64)
        for i in range(size):
            k = rng.randrange(len(self.plain))
            x, y = (self.rebar if rng.random() < REBAR_RATE else self.plain)[k]
            start = rng.randrange(max(1, len(x) - length // 2))
            x, y = x[start:start + length], y[start:start + length]
            shift = rng.randrange(12)
            xs[:len(x), i] = rotate(x, shift)
            ys[:len(y), i] = CLASS_UP[shift][y]
        return torch.from_numpy(xs), torch.from_numpy(ys)


# -- training -------------------------------------------------------------------------------------
@torch.no_grad()
def accuracy(model: HarmonyLSTM, songs: list[tuple[np.ndarray, np.ndarray]]) -> float:
    model.eval()
    hits = total = 0
    for x, y in songs:
        pred = model(torch.from_numpy(x)[:, None])[:, 0].argmax(-1).numpy()
        hits += int((pred == y).sum())
        total += len(y)
    model.train()
    return hits / max(1, total)


def train(data: Path, out: Path, minutes: float, resume: bool, threads: int, seed: int = 0) -> dict:
    torch.set_num_threads(threads)
    out.mkdir(parents=True, exist_ok=True)
    train_songs, valid = Songs(data, "train"), Songs(data, "valid")
    rng = random.Random(seed)
    torch.manual_seed(seed)
    model = HarmonyLSTM()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01)
    state = {"step": 0, "elapsed": 0.0, "best": 0.0, "history": []}
    last = out / "last.pt"
    if resume and last.exists():
        ckpt = torch.load(last, weights_only=False)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        state = ckpt["state"]
        rng.setstate(ckpt["rng"])
        print(f"resumed at step {state['step']}", file=sys.stderr)
    budget = minutes * 60
    print(f"{len(train_songs.plain)} training and {len(valid.plain)} validation songs; "
          f"{sum(p.numel() for p in model.parameters()):,} parameters", file=sys.stderr)
    while state["elapsed"] < budget:
        started = time.time()
        for _ in range(100):
            frac = min(1.0, (state["elapsed"] + time.time() - started) / budget)
            warm = min(1.0, (state["step"] + 1) / 50)
            for group in opt.param_groups:  # warm-up, then cosine decay over the time budget
                group["lr"] = 2e-3 * warm * (0.05 + 0.475 * (1 + math.cos(math.pi * frac)))
            x, y = train_songs.batch(32, 128, rng)
            loss = F.cross_entropy(model(x).reshape(-1, N_CLASSES), y.reshape(-1), ignore_index=-100)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            state["step"] += 1
        state["elapsed"] += time.time() - started
        acc = accuracy(model, valid.plain)
        record = {"step": state["step"], "minutes": round(state["elapsed"] / 60, 2),
                  "train_loss": round(loss.item(), 4), "valid_acc": round(acc, 4)}
        state["history"].append(record)
        print(json.dumps(record), file=sys.stderr, flush=True)
        ckpt = {"model": model.state_dict(), "args": model.args, "optimizer": opt.state_dict(),
                "state": state, "rng": rng.getstate()}
        torch.save(ckpt, out / "last.tmp")
        (out / "last.tmp").replace(last)
        if acc > state["best"]:
            state["best"] = acc
            torch.save(ckpt, out / "best.tmp")
            (out / "best.tmp").replace(out / "best.pt")
    return state


def fit_penalty(model: HarmonyLSTM, songs: list[tuple[np.ndarray, np.ndarray]]) -> tuple[float, dict]:
    """The change penalty that decodes the songs most accurately, and the accuracy of each."""
    model.eval()
    scores = []
    with torch.no_grad():
        for x, y in songs:
            scores.append((transposed_log_probs(lambda b: model(torch.from_numpy(b)).numpy(), x), y))
    table = {}
    for penalty in PENALTIES:
        hits = sum(int((np.array(best_path(s, penalty)) == y).sum()) for s, y in scores)
        table[penalty] = round(hits / sum(len(y) for _, y in scores), 4)
    return max(table, key=table.get), table


# -- export -----------------------------------------------------------------------------------------
def _onnx_gates(w: np.ndarray) -> np.ndarray:
    chunks = np.split(w, 4, axis=0)
    return np.concatenate([chunks[i] for i in _TORCH_TO_ONNX_GATES], axis=0)


def build(model: HarmonyLSTM, metadata: dict[str, str]):
    """The ONNX proto of a trained harmoniser."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weights = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    hidden, layers = model.args["hidden"], model.args["layers"]
    nodes, inits = [], []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value.astype(value.dtype)), name))
        return name

    const("inp_w", weights["inp.weight"].T)
    const("inp_b", weights["inp.bias"])
    const("out_w", weights["out.weight"].T)
    const("out_b", weights["out.bias"])
    const("shape_tb", np.array([0, 0, -1], np.int64))
    nodes += [helper.make_node("MatMul", ["features", "inp_w"], ["x_lin"]),
              helper.make_node("Add", ["x_lin", "inp_b"], ["x_pre"]),
              helper.make_node("Relu", ["x_pre"], ["x0"])]
    for i in range(layers):
        direction = [f"_l{i}", f"_l{i}_reverse"]
        w = np.stack([_onnx_gates(weights[f"lstm.weight_ih{d}"]) for d in direction])
        r = np.stack([_onnx_gates(weights[f"lstm.weight_hh{d}"]) for d in direction])
        b = np.stack([np.concatenate([_onnx_gates(weights[f"lstm.bias_ih{d}"]),
                                      _onnx_gates(weights[f"lstm.bias_hh{d}"])]) for d in direction])
        nodes += [helper.make_node("LSTM", [f"x{i}", const(f"W{i}", w), const(f"R{i}", r), const(f"B{i}", b)],
                                   [f"y{i}"], hidden_size=hidden, direction="bidirectional"),
                  helper.make_node("Transpose", [f"y{i}"], [f"yt{i}"], perm=[0, 2, 1, 3]),  # [T, B, 2, H]
                  helper.make_node("Reshape", [f"yt{i}", "shape_tb"], [f"x{i + 1}"])]
    nodes += [helper.make_node("MatMul", [f"x{layers}", "out_w"], ["logits_lin"]),
              helper.make_node("Add", ["logits_lin", "out_b"], ["logits"])]
    graph = helper.make_graph(
        nodes, "continuo-harmony",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["time", "batch", FEATURES])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["time", "batch", N_CLASSES])], inits)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=8,
                              producer_name="continuo")
    set_metadata(proto, {"continuo.encoding": "harmony", "continuo.encoding_version": str(HARMONY_VERSION),
                         "continuo.features": str(FEATURES), "continuo.classes": str(N_CLASSES),
                         "continuo.chord_qualities": json.dumps(list(QUALITY_NAMES)),
                         "continuo.model_args": json.dumps(model.args), **metadata})
    onnx.checker.check_model(proto)
    return proto


def export(checkpoint: Path, data: Path, out: Path) -> dict:
    import onnxruntime as ort

    ckpt = torch.load(checkpoint, weights_only=False)
    model = HarmonyLSTM(**ckpt["args"])
    model.load_state_dict(ckpt["model"])
    model.eval()
    valid = Songs(data, "valid").plain
    penalty, table = fit_penalty(model, valid)
    state = ckpt["state"]
    training = {"steps": state["step"], "minutes": round(state["elapsed"] / 60, 1),
                "valid_acc": round(state["best"], 4), "decoding": table}
    meta = {"continuo.change_penalty": str(penalty), "continuo.training": json.dumps(training)}
    save(build(model, meta), out)
    x = np.random.default_rng(0).random((40, 3, FEATURES), np.float32)
    with torch.no_grad():
        want = model(torch.from_numpy(x)).numpy()
    got = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"]).run(None, {"features": x})[0]
    return {"out": str(out), "bytes": out.stat().st_size, "change_penalty": penalty, "decoding": table,
            "parity_max_abs": float(np.abs(got - want).max())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.harmony", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_BAND_DATA,
                        help="the songs python -m models.band_data wrote")
    parser.add_argument("--runs", type=Path, default=Path("runs/harmony"), help="checkpoints")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--export-only", action="store_true", help="export RUNS/best.pt, no training")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"error: no dataset at {args.data}; build it with python -m models.band_data", file=sys.stderr)
        return 2
    if not args.export_only:
        train(args.data, args.runs, args.minutes, args.resume, args.threads)
    result = export(args.runs / "best.pt", args.data, args.out)
    print(json.dumps(result))
    return 0 if result["parity_max_abs"] < 1e-4 else 1


if __name__ == "__main__":
    raise SystemExit(main())
