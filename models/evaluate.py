"""Evaluate a model per note against baselines on the same notes:
`python -m models.evaluate --model models/continuo.onnx [--midi-dir DIR] [--json]`.

On the held-out split (default: its folk melodies) or on any folder of .mid files (the top
voice of each file), it reports per note: joint bits (pitch, timing and duration together),
pitch bits, pitch top-1 accuracy and timing bits, for the model (LSTM mixed with the copy
model, as the engine samples) and, in the same run, for an interpolated pitch 5-gram, an
interval 5-gram and the seed paper's LSTM design, all trained on the same training split.
It also samples 4-bar continuations of 4-bar seeds and compares their in-key rate and metre
with the real continuations. `--fit-copy` first fits the copy-model mixing weights on the
validation split and stores them in the model file; `--write-metadata` stores the table.
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
from models.data import DEFAULT_OUT, load_dataset
from models.scoring import (
    Stepper,
    fit_copy_weights,
    note_scores,
    sample_continuations,
    score_sequences,
)
from models.sequences import encode_piece, piece_clip
from studio.core.encoding import BAR, EncodingError, canonical_clip, decode, encode
from studio.core.notes import Clip, Note, top_voice
from studio.core.scales import detect_key

Melody = list[tuple[int, int, int]]


def melody_clip(clip: Clip) -> Clip | None:
    """The top voice of the canonical clip: the notes the model and baselines both score
    (None for a metre the encoding cannot represent)."""
    try:
        return clip.with_notes(top_voice(canonical_clip(clip).notes))
    except EncodingError:
        return None


def held_out(data: Path, style: str | None, split: str = "test") -> list[Clip]:
    clips = []
    for piece, s in load_dataset(data):
        if s == split and (style is None or piece.style == style):
            try:
                clips.append(melody_clip(piece_clip(piece)))
            except ValueError:  # a metre such as 1/6 that is no time signature
                continue
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


def train_baselines(data: Path, cache: Path, lstm_seconds: float) -> dict:
    """Fit the baselines on the training split's melodies, cached next to the dataset."""
    stamp = f"{data.resolve()}:{data.stat().st_mtime_ns}:{lstm_seconds}"
    if cache.exists():
        with cache.open("rb") as fh:
            saved = pickle.load(fh)
        if saved["stamp"] == stamp:
            models = saved["models"]
            models["seed_lstm"] = SeedLSTM.from_state_dict(models["seed_lstm"])
            return models
    melodies = [as_melody(c) for c in held_out(data, None, "train")]
    models = fit_baselines(melodies, lstm_seconds=lstm_seconds)
    with cache.open("wb") as fh:
        pickle.dump({"stamp": stamp, "models": dict(models, seed_lstm=models["seed_lstm"].state_dict())}, fh)
    return models


def continuation_stats(stepper: Stepper, clips: list[Clip], style: str, seed_bars: int = 4,
                       bars: int = 4, seed: int = 0) -> dict:
    """In-key note rate and on-beat onset rate of sampled vs real continuations."""
    prompts, real, keys, metres = [], [], [], []
    for clip in clips:
        bar = clip.time_signature.bar_ticks
        if clip.end < bar * (seed_bars + bars):
            continue
        seed_notes = [n for n in clip.notes if n.start < bar * seed_bars]
        after = [n for n in clip.notes if bar * seed_bars <= n.start < bar * (seed_bars + bars)]
        key = detect_key(seed_notes)
        if key is None or not after:
            continue
        tokens = encode(clip.with_notes(seed_notes), style, end=False)
        tokens += [BAR] * (seed_bars - tokens.count(BAR))  # end the prompt on the bar line
        prompts.append(tokens)
        real.append(after)
        keys.append(key)
        metres.append(clip.time_signature)
    generated = sample_continuations(stepper, prompts, bars, seed=seed)

    def rates(notes_per_piece: list[list[Note]]) -> tuple[float, float, int]:
        in_key = on_beat = total = 0
        for notes, key, ts in zip(notes_per_piece, keys, metres, strict=True):
            for n in notes:
                in_key += key.contains(n.pitch)
                on_beat += n.start % ts.beat_ticks == 0
                total += 1
        return in_key / max(total, 1), on_beat / max(total, 1), total

    gen_notes = []
    for prompt, cont in zip(prompts, generated, strict=True):
        clip = decode(prompt + cont)
        start = prompt.count(BAR) - 1
        gen_notes.append([n for n in clip.notes if n.start >= start * clip.time_signature.bar_ticks])
    real_key, real_beat, real_n = rates(real)
    gen_key, gen_beat, gen_n = rates(gen_notes)
    return {"seeds": len(prompts), "real_notes": real_n, "generated_notes": gen_n,
            "in_key_real": round(real_key, 4), "in_key_generated": round(gen_key, 4),
            "on_beat_real": round(real_beat, 4), "on_beat_generated": round(gen_beat, 4)}


def fit_copy(stepper: Stepper, data: Path, model_path: Path, limit: int = 400) -> list[float]:
    """Fit the copy mixing weights on validation pieces of every style; store them."""
    from models.export import update_metadata

    seqs = [s.tokens for p, split in load_dataset(data) if split == "valid"
            and (s := encode_piece(p)) is not None and len(s.tokens) <= 3000][:limit]
    stepper.copy_weights = [0.5] * 7  # any non-empty weights make the scorer collect the rows
    rows = [r for res in score_sequences(stepper, seqs, stepper.copy_weights) for r in res.copy_rows]
    weights = fit_copy_weights(rows)
    update_metadata(model_path, {"continuo.copy_weights": json.dumps(weights)})
    stepper.copy_weights = weights
    return weights


def evaluate(args: argparse.Namespace) -> dict:
    stepper = Stepper(args.model)
    result: dict = {}
    if args.fit_copy:
        result["copy_weights"] = fit_copy(stepper, args.data, args.model)
    clips = midi_dir_clips(args.midi_dir) if args.midi_dir else held_out(args.data, args.style)
    tokens, kept = [], []
    for clip in clips[: args.limit or None]:
        try:
            tokens.append(encode(clip, args.style or "any"))
            kept.append(clip)
        except EncodingError:
            continue
    started = time.time()
    scored = score_sequences(stepper, tokens, stepper.copy_weights)
    pairs = list(zip(tokens, scored, strict=True))
    model = NoteScores.concat([note_scores(t, s.mix_bits, s.mix_hit) for t, s in pairs])
    lstm = NoteScores.concat([note_scores(t, s.lstm_bits, s.lstm_hit) for t, s in pairs])
    result.update({"notes": len(model), "pieces": len(kept), "model": summarise(model),
                   "model_without_copy": summarise(lstm)})
    result["seconds_model"] = round(time.time() - started, 1)
    baselines = train_baselines(args.data, args.baseline_cache, args.lstm_seconds)
    melodies = [as_melody(c) for c in kept]
    result["baselines"] = {}
    for name, base in baselines.items():
        scores = base.score(melodies)
        assert len(scores) == len(model), f"{name} scored a different number of notes"
        result["baselines"][name] = summarise(scores)
    if args.continuations:
        result["continuations"] = continuation_stats(stepper, kept, args.style or "any")
    result["copy_weights"] = stepper.copy_weights
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
    args = parser.parse_args(argv)
    for path, what in ((args.model, "model"), (args.data, "dataset")):
        if not path.exists():
            print(f"error: no {what} at {path}", file=sys.stderr)
            return 2
    if args.midi_dir is not None and not args.midi_dir.is_dir():
        print(f"error: {args.midi_dir} is not a folder", file=sys.stderr)
        return 2
    result = evaluate(args)
    if args.write_metadata:
        from models.export import update_metadata

        update_metadata(args.model, {"continuo.evaluation": json.dumps(result)})
    print(json.dumps(result) if args.json else table(result))
    return 0 if not any(math.isnan(v) for v in result["model"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
