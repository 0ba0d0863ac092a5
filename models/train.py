"""Train the Continuo LSTM: `python -m models.train [--minutes M] [--resume] [--init MODEL]`.

A time budget drives the learning-rate schedule, so a run on a 2-core laptop and a run on a
GPU box use the same script. Checkpoints (last.pt, best.pt) carry the model arguments, the
optimiser and the elapsed time, so `--resume` continues where a run stopped. Validation runs
each epoch. Under `torchrun` (WORLD_SIZE set) it trains data-parallel with DDP, unchanged.
`--init` fine-tunes from a checkpoint or a shipped .onnx file on another dataset (for
example one built with `python -m models.data --midi-dir DIR`). `--task band` trains the
arrangement model on `python -m models.band_data`'s songs with the same loop.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F

from models.band_data import DEFAULT_BAND_DATA, band_augment, band_sequences, load_songs
from models.data import DEFAULT_OUT, load_dataset
from models.model import ContinuoLSTM, ModelConfig
from models.sequences import Sequence, augment, crop, encode_piece
from studio.core import band_encoding
from studio.core.encoding import ENCODING_VERSION, PAD, STYLES, VOCAB_SIZE

# Share of training crops per style: the folk collections are most of the corpus by count,
# the polyphonic ones most of it by tokens; this keeps melodies central without starving
# the other styles. `--folk-share` sets folk's share and scales the others to the rest.
STYLE_MIX = {"folk": 0.45, "pop": 0.25, "chorale": 0.1, "renaissance": 0.1, "classical": 0.1}


@dataclass
class TrainConfig:
    data: str = str(DEFAULT_OUT)
    out: str = "runs/continuo"
    minutes: float = 60.0
    batch: int = 64
    seq_len: int = 256
    lr: float = 3e-3
    weight_decay: float = 0.01
    epoch_steps: int = 150
    max_shift: int = 6
    style_blind_rate: float = 0.3
    style_weight: float = 0.3
    folk_share: float = STYLE_MIX["folk"]
    seed: int = 0
    threads: int = 0
    init: str | None = None
    task: str = "continuo"
    model: ModelConfig = field(default_factory=ModelConfig)


@dataclass(frozen=True)
class Task:
    """What a model learns: its token streams, styles, vocabulary and augmentation; the
    loop, the schedule and the checkpoints are the same for every task."""

    styles: tuple[str, ...]
    vocab_size: int
    encoding_version: int
    default_data: Path
    load: Callable[[Path, str], list[Sequence]]  # (data file, split) -> sequences
    augment: Callable[..., tuple[list[int], bool]]


def _continuo_sequences(path: Path, split: str) -> list[Sequence]:
    return [s for p, where in load_dataset(path) if where == split and (s := encode_piece(p))]


def _band_sequences(path: Path, split: str) -> list[Sequence]:
    return band_sequences(load_songs(path), split)


TASKS = {
    "continuo": Task(STYLES, VOCAB_SIZE, ENCODING_VERSION, DEFAULT_OUT, _continuo_sequences, augment),
    "band": Task(band_encoding.BAND_STYLES, band_encoding.BAND_VOCAB_SIZE,
                 band_encoding.BAND_ENCODING_VERSION, DEFAULT_BAND_DATA, _band_sequences, band_augment),
}


class Batcher:
    """Draws crops per style by STYLE_MIX (styles absent from the data are skipped)."""

    def __init__(self, seqs: list[Sequence], config: TrainConfig, rng: random.Random) -> None:
        self.config, self.rng = config, rng
        task = TASKS[config.task]
        self.augment = task.augment
        self.by_style: dict[int, list[Sequence]] = {}
        for seq in seqs:
            self.by_style.setdefault(seq.style, []).append(seq)
        present = [task.styles.index(s) for s in STYLE_MIX
                   if s in task.styles and task.styles.index(s) in self.by_style]
        other = [s for s in self.by_style if s not in present]
        self.styles = present + other
        scale = (1 - config.folk_share) / (1 - STYLE_MIX["folk"])
        mix = {name: config.folk_share if name == "folk" else share * scale
               for name, share in STYLE_MIX.items()}
        rest = min(mix.values())
        weights = [mix.get(task.styles[s], rest) for s in self.styles]
        self.weights = [w / sum(weights) for w in weights]
        # within a style, longer pieces are drawn more often (by number of crops they hold)
        self.piece_weights = {s: [1 + len(q.tokens) // config.seq_len for q in v]
                              for s, v in self.by_style.items()}

    def batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        cfg, rng = self.config, self.rng
        rows, blind = [], []
        for _ in range(cfg.batch):
            style = rng.choices(self.styles, self.weights)[0]
            seq = rng.choices(self.by_style[style], self.piece_weights[style])[0]
            tokens, hidden = self.augment(seq, crop(seq, cfg.seq_len, rng), rng, cfg.max_shift,
                                          cfg.style_blind_rate)
            rows.append(tokens + [PAD] * (cfg.seq_len + 1 - len(tokens)))
            blind.append(style if hidden else -100)
        return torch.tensor(rows), torch.tensor(blind)


def losses(model, tokens: torch.Tensor, blind: torch.Tensor, style_weight: float):
    """Token cross-entropy (from the first token after the style, PAD ignored) and the style
    head's cross-entropy on style-blind rows, from the first bar onwards."""
    logits, style_logits, _ = model(tokens[:, :-1])
    target = tokens[:, 1:].clone()
    target[target == PAD] = -100
    lm = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1), ignore_index=-100)
    style_target = blind[:, None].expand(-1, target.shape[1]).clone()
    style_target[target == -100] = -100
    style_target[:, :8] = -100
    style = F.cross_entropy(style_logits.reshape(-1, style_logits.shape[-1]), style_target.reshape(-1),
                            ignore_index=-100) if (blind >= 0).any() else style_logits.sum() * 0
    return lm, style, lm + style_weight * style


@torch.no_grad()
def validate(model, seqs: list[Sequence], config: TrainConfig) -> dict:
    """Mean token loss (nats) on whole validation pieces, per style, in fixed batches."""
    model.eval()
    styles = TASKS[config.task].styles
    totals: dict[str, list[float]] = {}
    for i in range(0, len(seqs), 32):
        chunk = seqs[i:i + 32]
        length = max(len(s.tokens) for s in chunk)
        rows = torch.tensor([s.tokens + [PAD] * (length - len(s.tokens)) for s in chunk])
        logits, _, _ = model(rows[:, :-1])
        target = rows[:, 1:]
        nll = F.cross_entropy(logits.transpose(1, 2), target, reduction="none", ignore_index=PAD)
        for seq, row_nll, row_target in zip(chunk, nll, target, strict=True):
            agg = totals.setdefault(styles[seq.style], [0.0, 0.0])
            agg[0] += float(row_nll.sum())
            agg[1] += float((row_target != PAD).sum())
    model.train()
    per_style = {k: v[0] / max(v[1], 1) for k, v in totals.items()}
    all_tokens = sum(v[1] for v in totals.values())
    per_style["all"] = sum(v[0] for v in totals.values()) / max(all_tokens, 1)
    return per_style


def _validation_sample(seqs: list[Sequence], per_style: int, max_len: int) -> list[Sequence]:
    out = []
    for style in range(max((s.style for s in seqs), default=-1) + 1):
        pool = [s for s in seqs if s.style == style and len(s.tokens) <= max_len]
        out += pool[:per_style]
    return sorted(out, key=lambda s: len(s.tokens))


def init_weights(model: ContinuoLSTM, path: str, task: str = "continuo") -> None:
    """Start from a checkpoint (.pt) or an exported model (.onnx, weights by name). A model of
    the continuation encoding from before a style was appended grows into it (grow_styles)."""
    if path.endswith(".onnx"):
        import onnx
        from onnx import numpy_helper

        graph = onnx.load(path).graph
        weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
    else:
        weights = torch.load(path, map_location="cpu", weights_only=False)["model"]
    own = model.state_dict()
    if task == "continuo" and "style_head.bias" in weights:
        weights = grow_styles(weights, len(weights["style_head.bias"]))
    state = {k: weights[k] for k in own if k in weights and weights[k].shape == own[k].shape}
    missing = set(own) - set(state)
    if missing:
        raise SystemExit(f"error: {path} does not hold this model's weights ({len(missing)} missing)")
    model.load_state_dict(state)


def grow_styles(weights: dict[str, torch.Tensor], old_styles: int,
                like: str = "folk") -> dict[str, torch.Tensor]:
    """Weights of a continuation model that knew the first `old_styles` STYLES, laid out for
    all of them: every token keeps its rows at its new id, and a new style starts as a copy of
    `like` (its style token's embedding and its style-head row); new rows of the output head
    copy `like`'s too (a style token is never predicted)."""
    from studio.core.encoding import KIND_OF, KIND_SIZES, OFFSETS, Kind, vocabulary_layout

    if old_styles >= len(STYLES):
        return weights
    old_offsets, old_size, _ = vocabulary_layout({**KIND_SIZES, Kind.STYLE: old_styles})
    source = []
    for tok in range(VOCAB_SIZE):
        kind = KIND_OF[tok]
        value = tok - OFFSETS[kind]
        if kind == Kind.STYLE and value >= old_styles:
            value = STYLES.index(like)
        source.append(old_offsets[kind] + value)
    styles = [s if s < old_styles else STYLES.index(like) for s in range(len(STYLES))]
    out = dict(weights)
    for name, tensor in weights.items():
        if tensor.shape[0] == old_size and name.split(".")[0] in ("embedding", "head"):
            out[name] = tensor[source].clone()
        elif tensor.shape[0] == old_styles and name.startswith("style_head"):
            out[name] = tensor[styles].clone()
    return out


def _distributed() -> tuple[int, int]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1:
        import torch.distributed as dist

        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        return dist.get_rank(), world
    return 0, 1


def train(config: TrainConfig, resume: bool) -> dict:
    rank, world = _distributed()
    local = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device(f"cuda:{local}" if torch.cuda.is_available() else "cpu")
    if config.threads:
        torch.set_num_threads(config.threads)
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    task = TASKS[config.task]
    train_seqs = task.load(Path(config.data), "train")
    valid_seqs = task.load(Path(config.data), "valid")
    valid_sample = _validation_sample(valid_seqs, 200, 4000)
    rng = random.Random(config.seed * 1000 + rank)
    torch.manual_seed(config.seed)
    model = ContinuoLSTM(config.model).to(device)
    if config.init:
        init_weights(model, config.init, config.task)
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    state = {"step": 0, "elapsed": 0.0, "best": math.inf, "history": []}
    last = out / "last.pt"
    if resume and last.exists():
        ckpt = torch.load(last, map_location=device, weights_only=False)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        state = ckpt["state"]
        rng.setstate(ckpt["rng"])
        print(f"resumed at step {state['step']} ({state['elapsed'] / 60:.1f} min)", file=sys.stderr)
    net = model
    if world > 1:
        net = torch.nn.parallel.DistributedDataParallel(model)
    batcher = Batcher(train_seqs, config, rng)
    budget = config.minutes * 60
    if rank == 0:
        print(f"{len(train_seqs)} training and {len(valid_seqs)} validation pieces; "
              f"{sum(p.numel() for p in model.parameters()):,} parameters", file=sys.stderr)
    model.train()
    while state["elapsed"] < budget:
        started = time.time()
        tokens_seen, lm_sum, steps = 0, 0.0, 0
        for _ in range(config.epoch_steps):
            frac = min(1.0, state["elapsed"] / budget + (time.time() - started) / budget)
            warm = min(1.0, (state["step"] + 1) / 100)
            for group in opt.param_groups:  # warm-up, then cosine decay over the time budget
                group["lr"] = config.lr * warm * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))
            tokens, blind = batcher.batch()
            lm, _, loss = losses(net, tokens.to(device), blind.to(device), config.style_weight)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            state["step"] += 1
            tokens_seen += int((tokens != PAD).sum())
            lm_sum += lm.item()
            steps += 1
            if frac >= 1.0 and world == 1:  # with several ranks only whole epochs, in step
                break
        epoch_s = time.time() - started
        if world > 1:  # every rank stops after the same epoch: rank 0's clock decides
            import torch.distributed as dist

            clock = torch.tensor([epoch_s])
            dist.broadcast(clock, src=0)
            epoch_s = float(clock)
        state["elapsed"] += epoch_s
        if rank != 0:
            continue
        val = validate(model, valid_sample, config)
        record = {"step": state["step"], "minutes": round(state["elapsed"] / 60, 2),
                  "train_loss": round(lm_sum / steps, 4),
                  "valid": {k: round(v, 4) for k, v in val.items()},
                  "tokens_per_s": round(tokens_seen * world / epoch_s)}
        state["history"].append(record)
        print(json.dumps(record), file=sys.stderr, flush=True)
        ckpt = {"model_args": config.model.to_dict(), "model": model.state_dict(),
                "optimizer": opt.state_dict(), "state": state, "rng": rng.getstate(),
                "train_config": asdict(config), "encoding_version": task.encoding_version}
        tmp = out / "last.tmp"
        torch.save(ckpt, tmp)
        tmp.replace(last)
        if val["all"] < state["best"]:
            state["best"] = val["all"]
            torch.save(ckpt, out / "best.tmp")
            (out / "best.tmp").replace(out / "best.pt")
    if world > 1:
        import torch.distributed as dist

        dist.barrier()
        dist.destroy_process_group()
    return state


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.train", description=__doc__.splitlines()[0])
    defaults = TrainConfig()
    for name in ("data", "out", "minutes", "batch", "seq_len", "lr", "epoch_steps", "max_shift",
                 "folk_share", "seed", "threads", "init"):
        value = getattr(defaults, name)
        parser.add_argument("--" + name.replace("_", "-"), type=type(value) if value is not None else str,
                            default=None if name == "data" else value)
    for name in ("embed", "hidden", "layers", "dropout"):
        value = getattr(defaults.model, name)
        parser.add_argument("--" + name, type=type(value), default=value)
    parser.add_argument("--task", choices=list(TASKS), default="continuo",
                        help="continuo: the continuation model; band: the arrangement model")
    parser.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    args = parser.parse_args(argv)
    task = TASKS[args.task]
    model = ModelConfig(vocab_size=task.vocab_size, n_styles=len(task.styles), embed=args.embed,
                        hidden=args.hidden, layers=args.layers, dropout=args.dropout)
    fields = {k: getattr(args, k) for k in ("out", "minutes", "batch", "seq_len", "lr", "epoch_steps",
                                            "max_shift", "folk_share", "seed", "threads", "init", "task")}
    config = TrainConfig(model=model, data=str(args.data or task.default_data), **fields)
    if not Path(config.data).exists():
        builder = "models.band_data" if args.task == "band" else "models.data"
        print(f"error: no dataset at {config.data}; build it with python -m {builder}", file=sys.stderr)
        return 2
    state = train(config, args.resume)
    print(json.dumps({"steps": state["step"], "minutes": round(state["elapsed"] / 60, 1),
                      "best_valid_loss": state["best"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
