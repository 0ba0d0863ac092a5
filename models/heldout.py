"""Write held-out folk tunes as folders of .mid files, for `models.evaluate --midi-dir`:
`python -m models.heldout [--data data/dataset.json.gz] [--out data/heldout-midi]`.

One folder per folk collection from the test split (never trained on), plus the corpus
folder nottingham-dataset (never in the training data at all). Evaluating these through the
.mid reader checks the whole path a user's own folder takes.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from models.corpus import RESERVED, corpus_root, score_to_piece, split_abc_tunes
from models.data import DEFAULT_OUT, load_dataset
from models.sequences import piece_clip, split_clips
from studio.midi.files import write_midi


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name)[:60] or "tune"


def write_test_split(data: Path, out: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for piece, clip in split_clips(load_dataset(data), "test", "folk"):
        folder = out / piece.collection
        folder.mkdir(parents=True, exist_ok=True)
        counts[piece.collection] = counts.get(piece.collection, 0) + 1
        write_midi(folder / f"{counts[piece.collection]:04d}-{_safe(piece.title)}.mid", clip)
    return counts


def write_reserved(out: Path) -> int:
    from music21 import converter

    folder = out / RESERVED
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted((corpus_root() / RESERVED).glob("*.abc")):
        for i, tune in enumerate(split_abc_tunes(path.read_text(encoding="latin-1"))):
            piece = score_to_piece(converter.parse(tune, format="abc"), f"{path.name}#{i}", "miscFolk", "")
            if piece is not None:
                count += 1
                write_midi(folder / f"{path.stem}-{i}.mid", piece_clip(piece))
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.heldout", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--out", type=Path, default=Path("data/heldout-midi"))
    args = parser.parse_args(argv)
    counts = write_test_split(args.data, args.out)
    counts[RESERVED] = write_reserved(args.out)
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
