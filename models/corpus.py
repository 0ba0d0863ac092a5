"""Turn music21 corpus files into clips: ties merged by hand, pickups placed in their bar.

Runs inside worker processes of `models.data`; music21 is imported lazily so the rest of
models/ works without it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from studio.core.notes import TICKS_PER_QUARTER

# Collection folder -> style label. The folder nottingham-dataset is reserved for evaluation.
COLLECTIONS: dict[str, str] = {
    "essenFolksong": "folk",
    "oneills1850": "folk",
    "ryansMammoth": "folk",
    "airdsAirs": "folk",
    "miscFolk": "folk",
    "bach": "chorale",
    "palestrina": "renaissance",
    "josquin": "renaissance",
    "monteverdi": "renaissance",
    "haydn": "classical",
    "mozart": "classical",
    "beethoven": "classical",
}
RESERVED = "nottingham-dataset"
_SUFFIXES = {".abc", ".mxl", ".xml", ".musicxml", ".krn"}
_TUNE_SPLIT = re.compile(r"^X:", re.MULTILINE)


@dataclass
class Piece:
    """One tune or movement as plain data (pickles and JSON-serialises cheaply)."""

    source: str  # collection/relative/path[#tune]
    collection: str
    style: str
    title: str
    metre: tuple[int, int]
    tempo: float
    notes: list[tuple[int, int, int, int]]  # (start, pitch, duration, velocity) in ticks


def corpus_root() -> Path:
    from music21 import common

    return Path(str(common.getCorpusFilePath()))


def corpus_files(collections: list[str] | None = None) -> list[tuple[str, Path]]:
    """(collection, path) of every file to parse, largest first for load balance."""
    root = corpus_root()
    wanted = collections or list(COLLECTIONS)
    if RESERVED in wanted:
        raise ValueError(f"the corpus folder {RESERVED} is reserved for evaluation")
    files = []
    for name in wanted:
        if name not in COLLECTIONS:
            raise ValueError(f"unknown collection '{name}'; known: {', '.join(COLLECTIONS)}")
        for path in sorted((root / name).rglob("*")):
            if path.suffix.lower() in _SUFFIXES and path.is_file():
                files.append((name, path))
    return sorted(files, key=lambda item: -item[1].stat().st_size)


def _ticks(quarters: float | Fraction) -> int:
    return round(Fraction(quarters) * TICKS_PER_QUARTER)


def score_to_piece(score, source: str, collection: str, title: str) -> Piece | None:
    """Notes of every part of a music21 score, up to the first change of metre."""
    from music21 import meter, tempo

    parts = list(score.parts) if hasattr(score, "parts") and len(score.parts) else [score]
    metres = list(score.flatten().getElementsByClass(meter.TimeSignature))
    if not metres:
        return None
    first = metres[0]
    limit = None
    for ts in metres[1:]:
        if ts.ratioString != first.ratioString:
            limit = _ticks(ts.getOffsetBySite(score.flatten()))
            break
    marks = list(score.flatten().getElementsByClass(tempo.MetronomeMark))
    bpm = float(marks[0].getQuarterBPM() or 120.0) if marks else 120.0
    notes: list[tuple[int, int, int, int]] = []
    for part in parts:
        measures = list(part.getElementsByClass("Measure"))
        shift = _ticks(measures[0].paddingLeft) if measures else 0
        notes.extend(_part_notes(part, shift))
    if limit is not None:
        notes = [n for n in notes if n[0] < limit]
    notes.sort(key=lambda n: (n[0], -n[1]))
    if len(notes) < 8:
        return None
    return Piece(source, collection, COLLECTIONS[collection], title,
                 (first.numerator, first.denominator), bpm, notes)


def _part_notes(part, shift: int) -> list[tuple[int, int, int, int]]:
    """Notes of one part with ties merged: same pitch and contiguous only (music21's
    stripTies also merges O'Neill's slurs between different pitches, losing notes)."""
    out: list[list[int]] = []
    open_by_pitch: dict[int, int] = {}
    for element in part.flatten().notes:
        length = _ticks(element.quarterLength)
        if length <= 0:  # grace notes
            continue
        start = _ticks(element.offset) + shift
        velocity = element.volume.velocity or 80
        members = element.notes if element.isChord else [element]
        for member in members:
            if not hasattr(member, "pitch"):
                continue
            pitch = member.pitch.midi
            if not 0 <= pitch <= 127:
                continue
            tie = (member.tie or element.tie)
            index = open_by_pitch.get(pitch)
            if tie is not None and tie.type in ("stop", "continue") and index is not None \
                    and out[index][0] + out[index][2] == start:
                out[index][2] += length
            else:
                open_by_pitch[pitch] = len(out)
                out.append([start, pitch, length, int(velocity)])
    return [(s, p, d, v) for s, p, d, v in out]


def split_abc_tunes(text: str) -> list[str]:
    """The tunes of a multi-tune ABC file, each with the file header before the first X:."""
    chunks = _TUNE_SPLIT.split(text)
    header = chunks[0]
    return [header + "X:" + chunk for chunk in chunks[1:]] or [text]


def _abc_title(text: str) -> str:
    match = re.search(r"^T:\s*(.*)$", text, re.MULTILINE)
    return match.group(1).strip() if match else ""


def parse_file(collection: str, path: Path) -> tuple[list[Piece], int]:
    """Pieces of one corpus file and the number of tunes that failed to parse."""
    from music21 import converter

    root = corpus_root()
    rel = str(path.relative_to(root))
    pieces, failed = [], 0
    if path.suffix.lower() == ".abc" and COLLECTIONS[collection] == "folk":
        text = path.read_text(encoding="latin-1")
        for i, tune in enumerate(split_abc_tunes(text)):
            try:
                score = converter.parse(tune, format="abc", forceSource=True)
                piece = score_to_piece(score, f"{rel}#{i}", collection, _abc_title(tune))
            except Exception:  # music21 raises many kinds on odd ABC; count and move on
                failed += 1
                continue
            if piece is not None:
                pieces.append(piece)
        return pieces, failed
    try:
        score = converter.parse(str(path), forceSource=True)
        scores = list(score.scores) if hasattr(score, "scores") else [score]
        for i, sub in enumerate(scores):
            title = (sub.metadata.title if sub.metadata and sub.metadata.title else path.stem)
            piece = score_to_piece(sub, f"{rel}#{i}", collection, title)
            if piece is not None:
                pieces.append(piece)
    except Exception:
        failed += 1
    return pieces, failed
