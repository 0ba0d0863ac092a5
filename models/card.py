"""Render models/MODEL_CARD.md from the measurements, so the card never drifts from them:
`python -m models.card --summary data/build.json --checkpoint runs/continuo/best.pt
 --heldout runs/eval/heldout.json [--pop runs/eval/pop.json] --folder NAME=runs/eval/NAME.json ...
 --commands runs/commands.txt`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from studio.core import encoding

STYLE_COLUMNS = ("folk", "pop", "chorale", "renaissance", "classical")
POP909 = ("[POP909](https://github.com/music-x-lab/POP909-Dataset) (MIT; Wang et al., \"POP909: A Pop-song "
          "Dataset for Music Arrangement Generation\", ISMIR 2020)")
ROWS = (("model", "Continuo (LSTM + copy model)"), ("model_without_copy", "Continuo LSTM alone"))
BASELINES = (("pitch_5gram", "pitch 5-gram (interpolated)"), ("interval_5gram", "interval 5-gram"),
             ("seed_lstm", "seed-paper LSTM (25 notes, LSTM(128))"))


def metrics_table(result: dict) -> list[str]:
    lines = ["| model | joint bits/note | pitch bits/note | pitch top-1 | timing bits/note |",
             "| --- | ---: | ---: | ---: | ---: |"]
    rows = [(label, result[key]) for key, label in ROWS if key in result]
    rows += [(label, result["baselines"][key]) for key, label in BASELINES]
    for label, m in rows:
        lines.append(f"| {label} | {m['joint_bits']:.3f} | {m['pitch_bits']:.3f} | "
                     f"{100 * m['pitch_acc']:.1f}% | {m['timing_bits']:.3f} |")
    return lines


def run_time_section(card: Path) -> list[str]:
    """The card's "## Run time" section (float against int8, and the benchmark's figures), which is
    written from `bench_engine.py` runs by hand: a re-render keeps it rather than dropping it."""
    if not card.exists():
        return []
    text = card.read_text()
    start = text.find("\n## Run time")
    if start < 0:
        return []
    end = text.find("\n## ", start + 1)
    return text[start + 1:end if end >= 0 else len(text)].rstrip().splitlines() + [""]


def render(summary: dict, ckpt: dict, heldout: dict, folders: dict[str, dict], commands: str,
           size: int, run_time: list[str] = (), pop: dict | None = None) -> str:
    args = ckpt["model_args"]
    history = ckpt["state"]["history"]
    out = ["# Continuo model card", "",
           f"`models/continuo.onnx` ({size / 1e6:.1f} MB): a {args['layers']}-layer LSTM "
           f"({args['hidden']} units, {args['embed']}-wide embedding) over Continuo's token encoding "
           f"version {encoding.ENCODING_VERSION} ({encoding.VOCAB_SIZE} tokens, {encoding.STEPS_PER_QUARTER} "
           "steps per quarter), with a style head trained jointly. Exported as a stateful ONNX graph "
           "`(token [T, B], h, c) -> (logits, style_logits, h, c)` after the last of T steps (one LSTM node "
           "per layer: T = 1 is a step, a whole seed primes in one call); Continuo runs "
           "`models/continuo-int8.onnx`, the same graph with int8 weights (see Run time); at sampling "
           "time its distribution "
           "is mixed with a copy model over the phrase so far (weights per style and match length, "
           "fitted on the validation split, stored in the file).", "",
           "## Data", "",
           "The corpora music21 ships (no network), parsed in parallel, ties merged by hand (same pitch, "
           "contiguous only), exact and transposed duplicates removed, variants of one tune (shared title "
           "or opening) kept on one side of a deterministic split by group. `nottingham-dataset` is never "
           f"used for training. The style pop is the melodies of {POP909}, its 808 songs split by song as "
           "the band model's data (models/pop909.py, `python -m models.data --pop909 DIR`), so neither "
           "model trains on a song the other holds out.", "",
           "| collection | style | pieces | notes | train | valid | test |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    from models.corpus import COLLECTIONS

    for name, row in summary["collections"].items():
        style = COLLECTIONS.get(name) or ("pop" if name == "pop909" else "?")
        out.append(f"| {name} | {style} | {row['pieces']} | {row['notes']:,} | "
                   f"{row.get('train', 0)} | {row.get('valid', 0)} | {row.get('test', 0)} |")
    total_notes = sum(r["notes"] for r in summary["collections"].values())
    out += ["", f"{summary['pieces']} pieces, {total_notes:,} notes; {summary['duplicates_removed']} "
            "duplicates removed.", "",
            "## Training", "", "```", commands.strip(), "```", "",
            f"{ckpt['state']['step']} steps of {ckpt['train_config']['batch']} x "
            f"{ckpt['train_config']['seq_len']} tokens in {ckpt['state']['elapsed'] / 60:.0f} minutes on "
            "2 CPU cores" + (f", fine-tuned from `{Path(ckpt['train_config']['init']).name}`"
                             if ckpt["train_config"].get("init") else "")
            + " (the best checkpoint by validation loss is exported). Validation loss (nats/token) "
            "per epoch:", "",
            "| step | minutes | " + " | ".join(STYLE_COLUMNS) + " | all |",
            "| ---: | ---: | " + " | ".join("---:" for _ in STYLE_COLUMNS) + " | ---: |"]
    for rec in history:
        v = rec["valid"]
        cells = " | ".join(f"{v.get(k, 0):.3f}" for k in (*STYLE_COLUMNS, "all"))
        out.append(f"| {rec['step']} | {rec['minutes']} | {cells} |")
    out += ["", "## Evaluation", "",
            f"Held-out folk melodies (test split): {heldout['notes']:,} notes in {heldout['pieces']} tunes, "
            "every model scored on the same notes. Baselines trained on the same training split. "
            "Joint bits = pitch, onset and duration together; Continuo's pitch token follows the note's "
            "onset, so its pitch bits are conditioned on where the note falls in the bar.", ""]
    out += metrics_table(heldout)
    if pop:
        out += ["", f"Held-out pop melodies (POP909's test split, melody track): {pop['notes']:,} notes in "
                f"{pop['pieces']} songs, scored with the style token pop; the same baselines.", ""]
        out += metrics_table(pop)
        out += _continuations(pop.get("continuations"), "songs")
    for name, result in folders.items():
        out += ["", f"Folder `{name}` of .mid files (top voice, read through the .mid reader): "
                f"{result['notes']:,} notes in {result['pieces']} files.", ""]
        out += metrics_table(result)
    out += _continuations(heldout.get("continuations"), "tunes")
    if heldout.get("continuations"):
        out += ["", "The metre is kept by construction: the metre token conditions the model and the grammar "
                "places every onset inside the seed's bars."]
    style = heldout.get("style_head")
    if style:
        out += ["", f"Style head, naming the style of held-out pieces from their first {style['bars']} bars "
                f"({style['pieces']} pieces): accuracy {100 * style['accuracy']:.1f}%, balanced "
                f"{100 * style['balanced_accuracy']:.1f}%; per style "
                + ", ".join(f"{k} {100 * v:.1f}%" for k, v in style["per_style"].items()) + "."]
    out += ["", *run_time, "## Limits", "",
            "Trained on symbolic Western folk, chorale, Renaissance polyphony and string-quartet scores "
            "and on Chinese pop melodies (POP909, performed: its onsets are rounded to 16ths of the "
            "annotated beats); velocities in the scores are flat, so there dynamics follow the seed. Bars "
            "longer than 8 quarters and tuplets finer than 16th triplets are outside the encoding.", ""]
    return "\n".join(out)


def _continuations(cont: dict | None, pieces: str) -> list[str]:
    if not cont:
        return []
    return ["", f"Continuations of 4-bar seeds ({cont['seeds']} held-out {pieces}, 4 bars each, default "
            "settings, no key lock) against the real next 4 bars:", "",
            "| | in-key notes | on-beat onsets |", "| --- | ---: | ---: |",
            *(f"| {who} | {100 * cont['in_key_' + who]:.1f}% | {100 * cont['on_beat_' + who]:.1f}% |"
              for who in ("real", "generated"))]


def main(argv: list[str] | None = None) -> int:
    import torch

    parser = argparse.ArgumentParser(prog="python -m models.card", description=__doc__.splitlines()[0])
    parser.add_argument("--summary", type=Path, required=True)
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--heldout", type=Path, required=True)
    parser.add_argument("--pop", type=Path, help="models.evaluate --style pop's result")
    parser.add_argument("--folder", action="append", default=[], help="NAME=result.json")
    parser.add_argument("--commands", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=Path("models/continuo.onnx"))
    parser.add_argument("--out", type=Path, default=Path("models/MODEL_CARD.md"))
    args = parser.parse_args(argv)
    ckpt = torch.load(args.checkpoint, map_location="cpu", weights_only=False)
    folders = {}
    for item in args.folder:
        name, _, path = item.partition("=")
        folders[name] = json.loads(Path(path).read_text())
    text = render(json.loads(args.summary.read_text()), ckpt, json.loads(args.heldout.read_text()), folders,
                  args.commands.read_text(), args.model.stat().st_size, run_time_section(args.out),
                  json.loads(args.pop.read_text()) if args.pop else None)
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
