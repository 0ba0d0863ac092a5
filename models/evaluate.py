"""Evaluate a model per note against baselines on the same notes:
`python -m models.evaluate --model models/continuo.onnx [--midi-dir DIR] [--json]`.

On the held-out split (default: its folk melodies) or on any folder of .mid files (the top
voice of each file), it reports per note: joint bits (pitch, timing and duration together),
pitch bits, pitch top-1 accuracy and timing bits, for the model (LSTM mixed with the copy
model, as the engine samples) and, in the same run, for an interpolated pitch 5-gram, an
interval 5-gram and the seed paper's LSTM design, all trained on the same training split.
It also samples 4-bar continuations of 4-bar seeds and compares their in-key rate and metre
with the real continuations. `--fit-copy` first fits the copy-model mixing weights on the
validation split and stores them in the model file; `--write-metadata` stores the table
(`--style pop`'s as continuo.evaluation.pop, beside the folk one).
`--band` evaluates the band (arrangement) model instead, per beat against annotated chords on
held-out POP909 songs and folk tunes with chords, beside baselines (models/band_eval.py).
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import sys
import time
from pathlib import Path

from models.baselines import NoteScores, SeedLSTM, fit_baselines, summarise
from models.data import DEFAULT_OUT, Dataset, load_dataset
from models.scoring import fit_copy_weights, note_scores, score_sequences
from models.sequences import encode_piece, split_clips
from studio.core.encoding import EncodingError, canonical_clip, encode
from studio.core.notes import Clip, Note, top_voice
from studio.core.scales import detect_key
from studio.engine.continuation import AUTO, Engine, Settings
from studio.engine.model import Model

Melody = list[tuple[int, int, int]]


def melody_clip(clip: Clip) -> Clip | None:
    """The top voice of the canonical clip: the notes the model and baselines both score
    (None for a metre the encoding cannot represent)."""
    try:
        return clip.with_notes(top_voice(canonical_clip(clip).notes))
    except EncodingError:
        return None


def held_out(items: Dataset, style: str | None, split: str = "test") -> list[Clip]:
    """Melodies of one split (and style) of a dataset from models.data."""
    clips = [melody_clip(clip) for _, clip in split_clips(items, split, style)]
    return [c for c in clips if c is not None]


def midi_dir_clips(folder: Path) -> list[Clip]:
    from studio.midi.files import MidiFileError, read_midi

    clips = []
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in (".mid", ".midi") and path.is_file():
            try:
                clip = melody_clip(read_midi(path))
            except MidiFileError as err:
                print(f"skipping: {err}", file=sys.stderr)
                continue
            if clip is not None and len(clip.notes) >= 8:
                clips.append(clip)
    return clips


def as_melody(clip: Clip) -> Melody:
    return [(n.start, n.pitch, n.duration) for n in clip.notes]


def train_baselines(items: Dataset, data: Path, cache: Path, lstm_seconds: float) -> dict:
    """Fit the baselines on the training split's melodies; cached, stamped by the dataset
    file they came from."""
    stamp = f"{data.resolve()}:{data.stat().st_mtime_ns}:{lstm_seconds}"
    if cache.exists():
        with cache.open("rb") as fh:
            saved = pickle.load(fh)
        if saved["stamp"] == stamp:
            models = saved["models"]
            models["seed_lstm"] = SeedLSTM.from_state_dict(models["seed_lstm"])
            return models
    melodies = [as_melody(c) for c in held_out(items, None, "train")]
    models = fit_baselines(melodies, lstm_seconds=lstm_seconds)
    with cache.open("wb") as fh:
        pickle.dump({"stamp": stamp, "models": dict(models, seed_lstm=models["seed_lstm"].state_dict())}, fh)
    return models


def continuation_stats(engine: Engine, clips: list[Clip], style: str, seed_bars: int = 4,
                       bars: int = 4, seed: int = 0) -> dict:
    """In-key note rate and on-beat onset rate of the engine's continuations of 4-bar seeds
    (default settings, no key lock) against the real next 4 bars."""
    real, generated, keys, metres = [], [], [], []
    for i, clip in enumerate(clips):
        bar = clip.time_signature.bar_ticks
        if clip.end < bar * (seed_bars + bars):
            continue
        seed_notes = [n for n in clip.notes if n.start < bar * seed_bars]
        after = [n for n in clip.notes if bar * seed_bars <= n.start < bar * (seed_bars + bars)]
        key = detect_key(seed_notes)
        if key is None or not after:
            continue
        settings = Settings(bars=bars, style=style if style != "any" else AUTO, seed=seed + i)
        generated.append(engine.continuation(clip.with_notes(seed_notes), settings).run()[0])
        real.append(after)
        keys.append(key)
        metres.append(clip.time_signature)

    def rates(notes_per_piece: list[list[Note]]) -> tuple[float, float, int]:
        in_key = on_beat = total = 0
        for notes, key, ts in zip(notes_per_piece, keys, metres, strict=True):
            for n in notes:
                in_key += key.contains(n.pitch)
                on_beat += n.start % ts.beat_ticks == 0
                total += 1
        return in_key / max(total, 1), on_beat / max(total, 1), total

    real_key, real_beat, real_n = rates(real)
    gen_key, gen_beat, gen_n = rates(generated)
    return {"seeds": len(real), "real_notes": real_n, "generated_notes": gen_n,
            "in_key_real": round(real_key, 4), "in_key_generated": round(gen_key, 4),
            "on_beat_real": round(real_beat, 4), "on_beat_generated": round(gen_beat, 4)}


def style_accuracy(engine: Engine, items: Dataset, bars: int = 8) -> dict:
    """How often the style head names a held-out piece's style from its first bars."""
    hits: dict[str, list[int]] = {}
    for piece, clip in split_clips(items, "test"):
        seed = clip.with_notes([n for n in clip.notes if n.start < bars * clip.time_signature.bar_ticks])
        try:
            guess = engine.detect_style(seed)
        except EncodingError:
            continue
        row = hits.setdefault(piece.style, [0, 0])
        row[0] += guess == piece.style
        row[1] += 1
    per_style = {s: round(h / n, 4) for s, (h, n) in sorted(hits.items())}
    total = sum(n for _, n in hits.values())
    return {"accuracy": round(sum(h for h, _ in hits.values()) / max(total, 1), 4),
            "balanced_accuracy": round(sum(per_style.values()) / max(len(per_style), 1), 4),
            "per_style": per_style, "pieces": total, "bars": bars}


def fit_copy(model: Model, items: Dataset, per_style: int = 150) -> dict[str, list[float]]:
    """Fit the copy mixing weights per style (and pooled, as "any") on validation pieces;
    store them in the model file."""
    from models.export import update_metadata

    by_style: dict[str, list[list[int]]] = {}
    for piece, split in items:
        if split == "valid" and (s := encode_piece(piece)) is not None and len(s.tokens) <= 2000:
            group = by_style.setdefault(piece.style, [])
            if len(group) < per_style:
                group.append(s.tokens)
    weights, pooled = {}, []
    for style, seqs in sorted(by_style.items()):
        rows = [r for res in score_sequences(model, seqs, None) for r in res.copy_rows]
        weights[style] = fit_copy_weights(rows)
        pooled += rows
    weights["any"] = fit_copy_weights(pooled)
    update_metadata(model.path, {"continuo.copy_weights": json.dumps(weights)})
    model.copy_weights = weights
    return weights


def evaluate(args: argparse.Namespace) -> dict:
    model = Model(args.model)
    items = load_dataset(args.data)  # read once: baselines, copy weights and the split all use it
    result: dict = {}
    if args.fit_copy:
        fit_copy(model, items)
    clips = midi_dir_clips(args.midi_dir) if args.midi_dir else held_out(items, args.style)
    tokens, kept = [], []
    for clip in clips[: args.limit or None]:
        try:
            tokens.append(encode(clip, args.style or "any"))
            kept.append(clip)
        except EncodingError:
            continue
    started = time.time()
    scored = score_sequences(model, tokens, model.weights_for(args.style or "any"))
    pairs = list(zip(tokens, scored, strict=True))
    mixed = NoteScores.concat([note_scores(t, s.mix_bits, s.mix_hit) for t, s in pairs])
    lstm = NoteScores.concat([note_scores(t, s.lstm_bits, s.lstm_hit) for t, s in pairs])
    result.update({"notes": len(mixed), "pieces": len(kept), "model": summarise(mixed),
                   "model_without_copy": summarise(lstm)})
    result["seconds_model"] = round(time.time() - started, 1)
    baselines = train_baselines(items, args.data, args.baseline_cache, args.lstm_seconds)
    melodies = [as_melody(c) for c in kept]
    result["baselines"] = {}
    for name, base in baselines.items():
        scores = base.score(melodies)
        assert len(scores) == len(mixed), f"{name} scored a different number of notes"
        result["baselines"][name] = summarise(scores)
    if args.continuations:
        result["continuations"] = continuation_stats(Engine(model), kept, args.style or "any")
    if not args.midi_dir:
        result["style_head"] = style_accuracy(Engine(model), items)
    result["copy_weights"] = model.copy_weights
    return result


def table(result: dict) -> str:
    rows = [("model (LSTM + copy)", result["model"]), ("LSTM alone", result["model_without_copy"])]
    rows += list(result["baselines"].items())
    lines = [f"{result['notes']} notes in {result['pieces']} pieces",
             f"{'':24} {'joint bits':>10} {'pitch bits':>10} {'pitch acc':>10} {'timing bits':>11}"]
    for name, m in rows:
        lines.append(f"{name:24} {m['joint_bits']:10.3f} {m['pitch_bits']:10.3f} "
                     f"{100 * m['pitch_acc']:9.1f}% {m['timing_bits']:11.3f}")
    if "continuations" in result:
        lines.append("continuations: " + json.dumps(result["continuations"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=Path("models/continuo.onnx"))
    parser.add_argument("--midi-dir", type=Path, help="evaluate on this folder of .mid files")
    parser.add_argument("--data", type=Path, default=DEFAULT_OUT, help="dataset from models.data")
    parser.add_argument("--style", default="folk", help="style of the pieces (and the style token)")
    parser.add_argument("--limit", type=int, default=0, help="at most this many pieces")
    parser.add_argument("--lstm-seconds", type=float, default=300.0, help="training budget of the seed LSTM")
    parser.add_argument("--baseline-cache", type=Path, default=Path("data/baselines.pkl"))
    parser.add_argument("--continuations", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--fit-copy", action="store_true", help="fit and store the copy mixing weights")
    parser.add_argument("--write-metadata", action="store_true", help="store the table in the model file")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--band", action="store_true", help="evaluate the band model (models/band.onnx)")
    parser.add_argument("--pop909", type=Path, default=Path("../shared/data/pop909"), help="with --band")
    parser.add_argument("--temperature", type=float, default=0.5, help="with --band: the arranger's")
    args = parser.parse_args(argv)
    if args.band:
        return _band(args)
    for path, what in ((args.model, "model"), (args.data, "dataset")):
        if not path.exists():
            print(f"error: no {what} at {path}", file=sys.stderr)
            return 2
    if args.midi_dir is not None and not args.midi_dir.is_dir():
        print(f"error: {args.midi_dir} is not a folder", file=sys.stderr)
        return 2
    result = evaluate(args)
    if args.write_metadata:  # the folk table is the model's headline; other styles' beside it
        from models.export import update_metadata

        key = "continuo.evaluation"
        if args.style != "folk" and not args.midi_dir:
            key += f".{args.style}"
        update_metadata(args.model, {key: json.dumps(result)})
    print(json.dumps(result) if args.json else table(result))
    return 0 if not any(math.isnan(v) for v in result["model"].values()) else 1


def _band(args: argparse.Namespace) -> int:
    from models.band_eval import evaluate_band
    from models.band_eval import table as band_table

    model = args.model if args.model != Path("models/continuo.onnx") else Path("models/band.onnx")
    for path, what in ((model, "band model"), (args.pop909, "POP909 folder")):
        if not path.exists():
            print(f"error: no {what} at {path}", file=sys.stderr)
            return 2
    result = evaluate_band(model, args.pop909, args.limit, args.temperature)
    if args.write_metadata:
        from models.export import update_metadata

        update_metadata(model, {"continuo.evaluation": json.dumps(result)})
    print(json.dumps(result) if args.json else band_table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
