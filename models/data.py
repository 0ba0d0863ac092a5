"""Build the training set: `python -m models.data [--collections ...] [--midi-dir DIR] [--pop909 DIR]`.

Parses the corpora music21 ships (never nottingham-dataset, kept for evaluation) in parallel
with a progress bar, caches each file's result, removes exact duplicates (also transposed
ones), keeps near-variants of a tune together, and splits deterministically by group into
train / valid / test. The result is one gzipped JSON of pieces; tokens are made at training
time so the encoding can change without re-parsing. `--pop909` adds POP909's melodies as
the style pop, each song on the side of the split the band model's data gives it.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path

from models.corpus import COLLECTIONS, Piece, corpus_files, parse_file

DEFAULT_OUT = Path("data/dataset.json.gz")
Dataset = list[tuple[Piece, str]]  # (piece, split) pairs
CACHE_VERSION = 1
SPLITS = (("train", 90), ("valid", 95), ("test", 100))


def _cache_path(cache: Path, path: Path) -> Path:
    key = hashlib.sha1(f"{CACHE_VERSION}:{path}:{path.stat().st_mtime_ns}".encode()).hexdigest()
    return cache / f"{key}.json"


def _parse_cached(args: tuple[str, str, str]) -> tuple[list[dict], int]:
    collection, path_text, cache_text = args
    path, cache = Path(path_text), Path(cache_text)
    cached = _cache_path(cache, path)
    if cached.exists():
        data = json.loads(cached.read_text())
        return data["pieces"], data["failed"]
    pieces, failed = parse_file(collection, path)
    dicts = [asdict(p) for p in pieces]
    tmp = cached.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pieces": dicts, "failed": failed}))
    tmp.replace(cached)
    return dicts, failed


def _progress(iterable, total: int, desc: str):
    try:
        from tqdm import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, total=total, desc=desc, unit="file", file=sys.stderr)


def parse_corpora(collections: list[str] | None, cache: Path, workers: int) -> tuple[list[Piece], int]:
    cache.mkdir(parents=True, exist_ok=True)
    files = corpus_files(collections)
    jobs = [(c, str(p), str(cache)) for c, p in files]
    pieces, failed = [], 0
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for dicts, bad in _progress(pool.map(_parse_cached, jobs, chunksize=1), len(jobs), "parsing"):
            failed += bad
            for d in dicts:
                d["metre"] = tuple(d["metre"])
                d["notes"] = [tuple(n) for n in d["notes"]]
                pieces.append(Piece(**d))
    pieces.sort(key=lambda p: p.source)
    return pieces, failed


def read_midi_dir(folder: Path, style: str) -> tuple[list[Piece], int]:
    """Pieces from a user's folder of .mid files (unreadable files are counted, not fatal)."""
    from studio.midi.files import MidiFileError, read_midi

    pieces, failed = [], 0
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in (".mid", ".midi") or not path.is_file():
            continue
        try:
            clip = read_midi(path)
        except MidiFileError as err:
            print(f"skipping: {err}", file=sys.stderr)
            failed += 1
            continue
        notes = [(n.start, n.pitch, n.duration, n.velocity) for n in clip.notes if n.channel != 9]
        if len(notes) >= 8:
            ts = clip.time_signature
            pieces.append(Piece(str(path.relative_to(folder)), "user", style, path.stem,
                                (ts.numerator, ts.denominator), clip.tempo, sorted(notes)))
    return pieces, failed


def pop909_items(root: Path, workers: int) -> list[tuple[Piece, str]]:
    """POP909's melodies as style "pop" pieces, each song on the side of the split it has in
    the band model's data (so neither model trains on the other's held-out songs)."""
    from models.band_data import build
    from models.pop909 import pop_piece

    return [(pop_piece(song), split) for song, split in build(root, workers) if len(song.melody) >= 8]


def _fingerprint(piece: Piece) -> tuple:
    """Transposition-free identity of the whole piece, for exact duplicates."""
    base = min(n[1] for n in piece.notes)
    return (piece.metre, tuple((s, p - base, d) for s, p, d, _ in piece.notes))


def _melody_key(piece: Piece, length: int = 16) -> tuple | None:
    """Intervals of the first notes of the top voice: shared by variants of one tune."""
    tops: dict[int, int] = {}
    for start, pitch, _, _ in piece.notes:
        tops[start] = max(tops.get(start, 0), pitch)
    pitches = [tops[s] for s in sorted(tops)]
    if len(pitches) <= length:
        return None
    return tuple(b - a for a, b in zip(pitches[:length], pitches[1:length + 1], strict=True))


def _title_key(piece: Piece) -> str | None:
    words = re.sub(r"[^a-zäöüß ]", "", piece.title.lower()).split()
    key = " ".join(w for w in words if w not in {"the", "der", "die", "das", "no"})
    return key if len(key) >= 4 else None


def dedupe_and_split(pieces: list[Piece]) -> tuple[list[tuple[Piece, str]], int]:
    """Drop exact duplicates; group variants (shared title or opening) and split by group."""
    seen, unique = set(), []
    for piece in pieces:
        fp = _fingerprint(piece)
        if fp not in seen:
            seen.add(fp)
            unique.append(piece)
    removed = len(pieces) - len(unique)
    parent = list(range(len(unique)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    keys: dict[tuple, list[int]] = {}
    for i, piece in enumerate(unique):
        work = piece.source.split("#")[0]
        if piece.style == "classical":  # movements of one work stay together
            keys.setdefault(("work", str(Path(work).parent)), []).append(i)
        if piece.style == "folk" and (title := _title_key(piece)):
            keys.setdefault(("title", title), []).append(i)
        if (melody := _melody_key(piece)) is not None:
            keys.setdefault(("melody", melody), []).append(i)
    for key, members in keys.items():
        if key[0] == "title" and len(members) > 30:  # generic titles ("Reel") join nothing
            continue
        for other in members[1:]:
            parent[find(other)] = find(members[0])
    out = []
    for i, piece in enumerate(unique):
        group = unique[find(i)].source
        bucket = int(hashlib.md5(group.encode()).hexdigest(), 16) % 100
        split = next(name for name, upper in SPLITS if bucket < upper)
        out.append((piece, split))
    return out, removed


def write_split_rows(items: list[tuple[object, str]], out: Path) -> None:
    """(dataclass, split) pairs as one gzipped JSON list, written atomically."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as fh:
        json.dump([dict(asdict(item), split=split) for item, split in items], fh)
    tmp.replace(out)


def read_split_rows(path: Path) -> list[tuple[dict, str]]:
    """(row, split) pairs from a file written by write_split_rows."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = json.load(fh)
    return [(row, row.pop("split")) for row in rows]


def write_dataset(items: list[tuple[Piece, str]], out: Path) -> None:
    write_split_rows(items, out)


def load_dataset(path: Path) -> list[tuple[Piece, str]]:
    """(piece, split) pairs from a file written by this module."""
    items = []
    for row, split in read_split_rows(path):
        row["metre"] = tuple(row["metre"])
        row["notes"] = [tuple(n) for n in row["notes"]]
        items.append((Piece(**row), split))
    return items


def summary(items: list[tuple[Piece, str]]) -> dict:
    table: dict[str, Counter] = {}
    for piece, split in items:
        row = table.setdefault(piece.collection, Counter())
        row["pieces"] += 1
        row["notes"] += len(piece.notes)
        row[split] += 1
    return {name: dict(c) for name, c in sorted(table.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.data", description=__doc__.splitlines()[0])
    parser.add_argument("--collections", nargs="*", choices=list(COLLECTIONS),
                        help="corpus folders to use (default: all but nottingham-dataset)")
    parser.add_argument("--midi-dir", type=Path, help="build from your own folder of .mid files instead")
    parser.add_argument("--style", default="other", help="style label for --midi-dir pieces")
    parser.add_argument("--pop909", type=Path, help="also the melodies of the POP909 folder, style pop, "
                        "split by song as the band model's data")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--cache", type=Path, default=Path("data/cache"))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    if args.midi_dir is not None:
        if not args.midi_dir.is_dir():
            print(f"error: {args.midi_dir} is not a folder", file=sys.stderr)
            return 2
        pieces, failed = read_midi_dir(args.midi_dir, args.style)
    else:
        pieces, failed = parse_corpora(args.collections, args.cache, args.workers)
    items, removed = dedupe_and_split(pieces)
    if args.pop909 is not None:
        items += pop909_items(args.pop909, args.workers)
    write_dataset(items, args.out)
    print(json.dumps({"pieces": len(items), "duplicates_removed": removed, "failed": failed,
                      "splits": dict(Counter(s for _, s in items)), "collections": summary(items),
                      "out": str(args.out)}, indent=1))
    return 0 if items else 1


if __name__ == "__main__":
    raise SystemExit(main())
