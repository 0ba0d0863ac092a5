"""Build the arrangement training set: `python -m models.band_data [--root DIR] [--out FILE]`.

Reads every POP909 song (models.pop909), splits by song deterministically (train / valid /
test by the song's number), and writes one gzipped JSON of songs on their beat grids. Token
streams are made at training time (`band_sequences`), in both modes of the band encoding, so
the encoding can change without re-reading the songs.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from models.data import read_split_rows, write_split_rows
from models.pop909 import Song, read_song, split_of
from models.sequences import Sequence
from studio.core.band_encoding import (
    BAND_KIND_OF,
    BAND_STYLES,
    MODES,
    BandBeat,
    BandKind,
    band_token,
    beat_of,
    beat_token,
    encode_beats,
    transpose_tokens,
)
from studio.core.chords import Chord

DEFAULT_BAND_DATA = Path("data/band.json.gz")
DEFAULT_POP909 = Path("../shared/data/pop909")


def _read(folder: str) -> Song | None:
    try:
        return read_song(Path(folder))
    except (OSError, ValueError, EOFError, IndexError) as err:
        print(f"skipping {folder}: {err}", file=sys.stderr)
        return None


def build(root: Path, workers: int = 2) -> list[tuple[Song, str]]:
    folders = sorted(str(p) for p in root.iterdir() if p.is_dir() and p.name.isdigit())
    with ProcessPoolExecutor(max_workers=workers) as pool:
        songs = [s for s in pool.map(_read, folders, chunksize=8) if s is not None]
    return [(song, split_of(song.number)) for song in songs]


def load_songs(path: Path) -> list[tuple[Song, str]]:
    """(song, split) pairs from a file written by this module."""
    items = []
    for row, split in read_split_rows(path):
        beats = []
        for b in row["beats"]:
            b["chord"] = Chord(**b["chord"])
            b["melody"] = [tuple(m) for m in b["melody"]]
            b["bass"] = [tuple(m) for m in b["bass"]]
            b["comp"] = [tuple(m) for m in b["comp"]]
            beats.append(BandBeat(**b))
        row["beats"] = beats
        row["melody"] = [tuple(m) for m in row["melody"]]
        items.append((Song(**row), split))
    return items


def band_sequences(items: list[tuple[Song, str]], split: str) -> list[Sequence]:
    """Both modes' token streams of every song of a split; bar_starts are its downbeats."""
    out = []
    downbeats = {beat_token(n, 0) for n in range(1, 9)}
    for song, where in items:
        if where != split:
            continue
        for mode in MODES:
            tokens = encode_beats(song.beats, "pop", mode)
            bars = [i for i, t in enumerate(tokens) if t in downbeats]
            out.append(Sequence(tokens, BAND_STYLES.index("pop"), bars, 0, 127))
    return out


REBAR_RATE = 0.25  # crops whose bars are read as halves: 4/4 as 2/4, six beats as 3/4


def half_bar(beats_per_bar: int, beat: int) -> tuple[int, int]:
    """(beats per bar, beat) with a bar of 4 read as two of 2 and one of 6 as two of 3, so the
    models meet the metres POP909 lacks; other bar lengths stay."""
    if beats_per_bar in (4, 6):
        return beats_per_bar // 2, beat % (beats_per_bar // 2)
    return beats_per_bar, beat


def rebarred(tokens: list[int]) -> list[int]:
    """The same music in bars half as long (half_bar)."""
    return [beat_token(*half_bar(*beat_of(tok))) if BAND_KIND_OF[tok] is BandKind.BEAT else tok
            for tok in tokens]


def band_augment(seq: Sequence, tokens: list[int], rng: random.Random, max_shift: int,
                 blind_rate: float) -> tuple[list[int], bool]:
    """Any transposition (pitch classes wrap; the bass stays in its range); sometimes shorter
    bars (rebarred); sometimes hide the style so the style head learns it."""
    tokens = transpose_tokens(tokens, rng.randint(-5, 6))
    if rng.random() < REBAR_RATE:
        tokens = rebarred(tokens)
    blind = rng.random() < blind_rate
    if blind:
        tokens = [band_token(BandKind.STYLE, 0)] + tokens[1:]
    return tokens, blind


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.band_data", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_POP909, help="the POP909 folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_BAND_DATA)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        print(f"error: {args.root} is not a folder", file=sys.stderr)
        return 2
    items = build(args.root, args.workers)
    write_split_rows(items, args.out)
    print(json.dumps({"songs": len(items), "splits": dict(Counter(s for _, s in items)),
                      "beats": sum(len(s.beats) for s, _ in items),
                      "melody_notes": sum(len(s.melody) for s, _ in items), "out": str(args.out)}))
    return 0 if items else 1


if __name__ == "__main__":
    raise SystemExit(main())
