"""Engine speed: `python tests/benchmarks/bench_engine.py [--model PATH] [--repeats N]`.

Prints one JSON object (milliseconds, medians over repeats). References measured in the same
run: `floor_ms_b1` (the bytes of weights one step of this model reads, timed with a numpy
matrix-vector product over a buffer of that size, the fastest of many; `floor_float_ms_b1`
the same for the float model shipped beside it; `floor_one_core_ms_b1` with numpy on one
thread), `float_step_ms_b1` (the float model's batch-1 step, which runs in numpy, beside
`floor_float_ms_b1`), `windowed_note_ms` (the seed paper's approach: re-running a
25-note window for every token) and `torch_note_ms` (PyTorch eager stepping, null without
torch).

`first_note_ms` and `eight_bars_four_variations_ms` are cold: a fresh engine, so they include
encoding and priming the 64-note seed; the `_primed` figures start from a seed the engine
has already primed (as the app does while the musician edits). The machine may be shared:
`load_average` (before, after) and `spread` (25th-75th percentiles) say how noisy a run was.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from studio.core.encoding import encode  # noqa: E402
from studio.core.notes import Clip, Note, TimeSignature  # noqa: E402
from studio.engine.continuation import Engine, Settings  # noqa: E402
from studio.engine.model import Model, default_model_path, float_model_path  # noqa: E402
from tests.benchmarks._timing import elapsed_ms, median_of  # noqa: E402

TUNE = [67, 69, 71, 67, 69, 71, 72, 74, 76, 74, 72, 71, 69, 67, 66, 67]


def seed_clip(notes: int = 64) -> Clip:
    return Clip([Note(i * 240, TUNE[i % 16] + (i // 16) % 2 * 2, 240, 90) for i in range(notes)],
                120.0, TimeSignature(4, 4))


SPREAD: dict[str, list[float]] = {}


def timed(fn, repeats: int, name: str | None = None) -> float:
    times = [elapsed_ms(fn) for _ in range(repeats)]
    if name:
        quartiles = statistics.quantiles(times, n=4)
        SPREAD[name] = [round(quartiles[0], 4), round(quartiles[2], 4)]
    return statistics.median(times)


def floor_ms(weight_bytes: int, repeats: int) -> float:
    """The fastest read of that many bytes (a lower bound: the best bandwidth seen, not a
    median that a busy machine would inflate)."""
    cols = 1024
    w = np.random.default_rng(0).standard_normal((weight_bytes // 4 // cols, cols)).astype(np.float32)
    x = np.ones(cols, np.float32)
    return min(elapsed_ms(lambda: w @ x) for _ in range(repeats * 20))


def floor_one_core_ms(weight_bytes: int, repeats: int) -> float:
    """`floor_ms` with numpy on one thread (the engine steps on one), in a child process:
    BLAS fixes its thread count when it loads."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    command = [sys.executable, __file__, "--floor-bytes", str(weight_bytes), "--repeats", str(repeats)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return float(done.stdout)


def step_ms(model: Model, batch: int, repeats: int) -> float:
    h, c = model.zero_state(batch)
    tokens = np.full(batch, 60, np.int64)
    model.step(tokens, h, c)
    return timed(lambda: model.step(tokens, h, c), repeats * 20, f"step_ms_b{batch}")


def prime_ms(model: Model, tokens: list[int], repeats: int, stepped: bool) -> float:
    """Priming a seed from the zero state: in one call, or token by token (the old way)."""
    column = np.array(tokens)[:, None]

    def prime():
        h, c = model.zero_state(1)
        if stepped:
            for row in column:
                _, _, h, c = model.step(row, h, c)
        else:
            model.run(column, h, c)

    prime()
    return timed(prime, repeats)


def note_ms(engine: Engine, batch: int, repeats: int) -> float:
    """Milliseconds per generated note of one variation (a batched step makes a note in every
    row at once), after priming."""
    seed = seed_clip()
    engine.prime(encode(seed, "folk", end=False))  # warm the cache: measure generation only
    per_note = []
    for r in range(repeats):
        cont = engine.continuation(seed, Settings(bars=8, variations=batch, seed=r, style="folk"))
        t = time.perf_counter()
        notes = cont.run()
        elapsed = (time.perf_counter() - t) * 1000
        count = sum(len(v) for v in notes) / batch
        per_note.append(elapsed / max(count, 1))
    return statistics.median(per_note)


def windowed_note_ms(model: Model, tokens_per_note: float, repeats: int) -> float:
    """Re-run the last 25 notes' tokens from a zero state for every generated token."""
    window = encode(seed_clip(25), "folk", end=False)[-int(25 * tokens_per_note):]

    def one_token():
        h, c = model.zero_state(1)
        for tok in window:
            _, _, h, c = model.step(np.array([tok]), h, c)

    return timed(one_token, repeats) * tokens_per_note


def torch_note_ms(model: Model, tokens_per_note: float, repeats: int) -> float | None:
    try:
        import torch

        from models.model import ContinuoLSTM, ModelConfig
        from models.train import init_weights
    except ImportError:
        return None
    torch.set_num_threads(1)
    net = ContinuoLSTM(ModelConfig(**json.loads(model.metadata["continuo.model_args"]))).eval()
    # an int8 file has no PyTorch weights: torch steps the float model it was made from
    init_weights(net, str(float_model_path() if "continuo.quantized" in model.metadata else model.path))
    h, c = net.zero_state(1)
    token = torch.tensor([60])

    def step():
        with torch.no_grad():
            net.step(token, h, c)

    step()
    return timed(step, repeats * 20) * tokens_per_note


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=default_model_path())
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--floor-bytes", type=int, help=argparse.SUPPRESS)  # floor_one_core_ms's child
    args = parser.parse_args(argv)
    if args.floor_bytes:
        print(floor_ms(args.floor_bytes, args.repeats))
        return 0
    model = Model(args.model)
    engine = Engine(model)
    seed = seed_clip()
    seed_tokens = len(encode(seed, "folk", end=False))

    # Tokens per note in real continuations, for the per-note figures of the references.
    sample = engine.continuation(seed, Settings(bars=8, variations=8, seed=0, style="folk"))
    notes = sample.run()
    generated = sum(len(v) for v in notes)
    out: dict = {"model": args.model.name, "weight_bytes": model.weight_bytes, "seed_notes": 64,
                 "seed_tokens": seed_tokens, "threads": model.threads,
                 "load_average": [round(os.getloadavg()[0], 2)]}
    out["floor_ms_b1"] = round(floor_ms(model.weight_bytes, args.repeats), 4)
    out["floor_one_core_ms_b1"] = round(floor_one_core_ms(model.weight_bytes, args.repeats), 4)
    float_path = float_model_path()
    float_model = model if args.model.resolve() == float_path else (
        Model(float_path) if float_path.exists() else None)
    out["floor_float_ms_b1"] = out["floor_ms_b1"] if float_model is model else (
        None if float_model is None else round(floor_ms(float_model.weight_bytes, args.repeats), 4))
    out["step_ms_b1"] = round(step_ms(model, 1, args.repeats), 4)
    # the float model's own batch-1 step (numpy), beside its floor: int8 and float both reported
    out["float_step_ms_b1"] = out["step_ms_b1"] if float_model is model else (
        None if float_model is None else round(step_ms(float_model, 1, args.repeats), 4))
    out["step_ms_b8"] = round(step_ms(model, 8, args.repeats), 4)
    seed_tokens_list = encode(seed, "folk", end=False)
    out["prime_ms"] = round(prime_ms(model, seed_tokens_list, args.repeats, stepped=False), 3)
    out["prime_stepped_ms"] = round(prime_ms(model, seed_tokens_list, max(3, args.repeats // 3), True), 3)
    out["note_ms_b1"] = round(note_ms(engine, 1, args.repeats), 4)
    out["note_ms_b8"] = round(note_ms(engine, 8, args.repeats), 4)
    steps_per_note = out["note_ms_b1"] / out["step_ms_b1"]

    def first_note(cold: bool) -> float:
        e = Engine(model) if cold else engine
        if not cold:
            e.prime(encode(seed, "folk", end=False))
        t = time.perf_counter()  # from the request, seed checks included, to the first note
        next(iter(e.continuation(seed, Settings(bars=1, variations=1, seed=1, style="folk"))))
        return (time.perf_counter() - t) * 1000

    out["first_note_ms"] = round(median_of(lambda: first_note(True), args.repeats), 3)
    out["first_note_primed_ms"] = round(median_of(lambda: first_note(False), args.repeats), 3)

    def eight_four(cold: bool) -> float:
        e = Engine(model) if cold else engine
        if not cold:
            e.prime(encode(seed, "folk", end=False))
        t = time.perf_counter()
        e.continuation(seed, Settings(bars=8, variations=4, seed=2, style="folk")).run()
        return (time.perf_counter() - t) * 1000

    cold = [eight_four(True) for _ in range(args.repeats)]
    out["eight_bars_four_variations_ms"] = round(statistics.median(cold), 2)
    SPREAD["eight_bars_four_variations_ms"] = [round(q, 2) for q in statistics.quantiles(cold, n=4)[::2]]
    out["eight_bars_four_variations_primed_ms"] = round(
        median_of(lambda: eight_four(False), args.repeats), 2)
    out["windowed_note_ms"] = round(windowed_note_ms(model, steps_per_note, max(3, args.repeats // 3)), 3)
    torch_ms = torch_note_ms(model, steps_per_note, args.repeats)
    out["torch_note_ms"] = None if torch_ms is None else round(torch_ms, 4)
    out["ratios"] = {
        "step_b1_over_floor": round(out["step_ms_b1"] / out["floor_ms_b1"], 3),
        "step_b1_over_one_core_floor": round(out["step_ms_b1"] / out["floor_one_core_ms_b1"], 3),
        "step_b1_over_float_floor": None if out["floor_float_ms_b1"] is None else round(
            out["step_ms_b1"] / out["floor_float_ms_b1"], 3),
        "float_step_b1_over_float_floor": None if out["floor_float_ms_b1"] is None else round(
            out["float_step_ms_b1"] / out["floor_float_ms_b1"], 3),
        "prime_stepped_over_prime": round(out["prime_stepped_ms"] / out["prime_ms"], 2),
        "windowed_over_note_b1": round(out["windowed_note_ms"] / out["note_ms_b1"], 2),
        "torch_over_note_b1": None if torch_ms is None else round(torch_ms / out["note_ms_b1"], 2),
    }
    out["generated_notes_8x8bars"] = generated
    out["load_average"].append(round(os.getloadavg()[0], 2))
    out["spread"] = SPREAD
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
