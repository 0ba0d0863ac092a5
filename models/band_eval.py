"""Judge arrangements per beat against annotated chords: `python -m models.evaluate --band`.

Two sets the band model never trained on: the test split of POP909 (chord annotations read
from the MIDI) and the folk tunes of music21's corpus written with guitar chords (ABC "G",
"D7"; the corpus holds two, in the reserved nottingham-dataset; the band models learned from
POP909 alone, so every folk tune is held out). On the beats the annotation names a chord:

- chord accuracy: root and quality equal (`chord_acc`), and root and major/minor equal
  (`majmin_acc`, the MIREX "majmin" comparison);
- harmony F1: pitch classes of the chord and the bass against the annotated chord's;
- CTnCTR: the melody's chord-tone ratio (chord tones, plus passing tones a step from the next
  note when that one is a chord tone, over all melody notes);
- groove consistency of the drums: 1 - the mean Hamming distance of neighbouring bars' onsets.

The arranger as it ships (the harmoniser's lane, the band model's parts over it) is `model`;
`band_model_alone` is the band model choosing chords itself, hearing the melody one beat
ahead, as the band that follows live does. Beside them, on the same beats: a rule harmoniser
(one diatonic triad per half bar in the detected key, the one covering the most melody time),
and block chords on the annotations themselves (the ceiling for the melody's chord-tone ratio).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from models.pop909 import read_song, split_of
from studio.core.arrangement import BeatGrid, chords_per_beat
from studio.core.band_encoding import SUBSTEPS
from studio.core.chords import Chord, ChordError, parse_chord
from studio.core.notes import Clip, Note, TimeSignature
from studio.core.scales import Key, detect_key
from studio.engine.arranger import Arranger, ArrangeRequest

TRIADS = {"major": ("maj", "min", "min", "maj", "maj", "min", "dim"),
          "minor": ("min", "dim", "maj", "min", "min", "maj", "maj")}
FOLK_FILES = ("nottingham-dataset", "ryansMammoth", "oneills1850")
PREFERENCE = (6, 2, 1, 4, 5, 3, 0)  # on a tie: I, V, IV, vi, ii, iii, vii (by scale degree)


@dataclass
class Case:
    """One annotated melody: per beat, the annotated chord (None where it names none)."""

    name: str
    melody: Clip
    chords: list[Chord | None]


def pop909_cases(root: Path, split: str = "test", limit: int = 0, bars: int = 32) -> list[Case]:
    """POP909 songs of a split: the melody and annotated chords of their first `bars` bars."""
    cases = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name.isdigit()):
        if split_of(folder.name) != split:
            continue
        song = read_song(folder)
        if song is None:
            continue
        ticks = 480 // SUBSTEPS
        beats = min(len(song.beats), bars * song.beats_per_bar)
        notes = [Note(s * ticks, p, max(1, d * ticks), v)
                 for s, d, p, v in song.melody if s < beats * SUBSTEPS]
        if len(notes) < 8:
            continue
        metre = TimeSignature(song.beats_per_bar, 4)
        chords = [None if b.chord.is_none else b.chord for b in song.beats[:beats]]
        cases.append(Case(f"pop909/{folder.name}", Clip(notes, song.tempo, metre), chords))
        if limit and len(cases) >= limit:
            break
    return cases


def folk_cases(limit: int = 0, min_chords: int = 4) -> list[Case]:
    """Folk tunes of music21's corpus written with at least `min_chords` guitar chords."""
    import re

    from music21 import converter, harmony

    from models.corpus import corpus_root, score_to_piece, split_abc_tunes

    cases = []
    for collection in FOLK_FILES:
        for path in sorted((corpus_root() / collection).rglob("*.abc")):
            for i, tune in enumerate(split_abc_tunes(path.read_text(encoding="latin-1"))):
                body = tune.split("\nK:", 1)[-1]
                if len(re.findall(r'"[A-G]', body)) < min_chords:
                    continue
                try:
                    score = converter.parse(tune, format="abc", forceSource=True)
                    piece = score_to_piece(score, f"{collection}/{path.name}#{i}", "miscFolk", "")
                except Exception:  # music21 raises many kinds on odd ABC
                    continue
                if piece is None or not score.recurse().getElementsByClass(harmony.ChordSymbol):
                    continue
                measures = list(score.parts[0].getElementsByClass("Measure")) if score.parts else []
                shift = round(float(measures[0].paddingLeft) * 480) if measures else 0
                marks = []
                for symbol in score.recurse().getElementsByClass(harmony.ChordSymbol):
                    try:
                        chord = parse_chord(symbol.figure)
                    except ChordError:
                        continue
                    marks.append((round(float(symbol.getOffsetInHierarchy(score)) * 480) + shift, chord))
                notes = [Note(s, p, d, v) for s, p, d, v in piece.notes]
                clip = Clip(notes, piece.tempo, TimeSignature(*piece.metre))
                grid = BeatGrid.of(clip.time_signature)
                beats = -(-clip.end // grid.beat_ticks)
                chords: list[Chord | None] = []
                for b in range(beats):
                    tick = grid.tick(b)
                    sounding = [c for t, c in marks if t <= tick]
                    chords.append(sounding[-1] if sounding else None)
                cases.append(Case(f"{collection}/{path.stem}#{i}", clip, chords))
                if limit and len(cases) >= limit:
                    return cases
    return cases


def rule_harmoniser(melody: Clip, grid: BeatGrid) -> list[Chord]:
    """One diatonic triad per half bar (a bar in short metres) of the detected key: the one
    whose tones the melody sounds longest in it, the primary triads first on a tie."""
    key = detect_key(melody.notes) or Key(0, "major")
    scale = sorted(key.pitch_classes, key=lambda pc: (pc - key.tonic) % 12)  # from the tonic up
    qualities = TRIADS["minor" if key.scale == "minor" else "major"]
    triads = [Chord(scale[i], qualities[i]) for i in range(min(7, len(scale)))]
    beats = -(-max(n.end for n in melody.notes) // grid.beat_ticks)
    span = max(1, grid.per_bar // 2)
    out: list[Chord] = []
    for first in range(0, beats, span):
        start, end = grid.tick(first), grid.tick(first + span)
        weights = [0.0] * 12
        for n in melody.notes:
            overlap = min(n.end, end) - max(n.start, start)
            if overlap > 0:
                weights[n.pitch % 12] += overlap
        best = max(triads, key=lambda c: (sum(weights[pc] for pc in c.pitch_classes()),
                                         PREFERENCE[triads.index(c)]))
        out += [best] * min(span, beats - first)
    return out


def _majmin(chord: Chord) -> str:
    return "min" if chord.quality in ("min", "min7", "dim", "hdim7") else "maj"


def beat_scores(case: Case, chords: list[Chord | None], bass: list[int | None], grid: BeatGrid) -> dict:
    """Per-beat chord accuracy (exact and majmin) and harmony F1 on the annotated beats, and the
    melody's chord-tone ratio under `chords`."""
    exact = majmin = 0
    f1s = []
    counted = 0
    for b, truth in enumerate(case.chords):
        if truth is None or b >= len(chords):
            continue
        guess = chords[b] or Chord.none()
        counted += 1
        exact += guess == truth
        majmin += not guess.is_none and guess.root == truth.root and _majmin(guess) == _majmin(truth)
        low = bass[b] if b < len(bass) else None
        said = set(guess.pitch_classes()) | (set() if low is None else {low % 12})
        real = set(truth.pitch_classes())
        hits = len(said & real)
        f1s.append(0.0 if not hits else 2 * hits / (len(said) + len(real)))
    return {"beats": counted, "chord_acc": exact / max(1, counted), "majmin_acc": majmin / max(1, counted),
            "harmony_f1": statistics.fmean(f1s) if f1s else 0.0, "ctnctr": ctnctr(case.melody, chords, grid)}


def ctnctr(melody: Clip, chords: list[Chord | None], grid: BeatGrid) -> float:
    """Chord tones plus passing tones (a step from the next note, itself a chord tone) over all
    melody notes."""
    notes = sorted(melody.notes)

    def chord_at(note: Note) -> Chord | None:
        b = note.start // grid.beat_ticks
        return chords[b] if b < len(chords) else None

    def tone(note: Note) -> bool:
        chord = chord_at(note)
        return chord is not None and note.pitch % 12 in chord.pitch_classes()

    good = 0
    for i, note in enumerate(notes):
        passing = i + 1 < len(notes) and abs(notes[i + 1].pitch - note.pitch) <= 2 and tone(notes[i + 1])
        if tone(note) or passing:
            good += 1
    return good / max(1, len(notes))


def groove_consistency(drums: list[Note], grid: BeatGrid, bars: int) -> float:
    """1 - the mean Hamming distance (share of slots) of neighbouring bars' onset patterns."""
    slots = grid.per_bar * SUBSTEPS
    patterns = [[False] * slots for _ in range(bars)]
    for note in drums:
        slot = grid.substep(note.start)
        bar, pos = divmod(slot, slots)
        if 0 <= bar < bars:
            patterns[bar][pos] = True
    if bars < 2:
        return 1.0
    distances = [sum(a != b for a, b in zip(x, y, strict=True)) / slots
                 for x, y in zip(patterns, patterns[1:], strict=False)]
    return 1 - statistics.fmean(distances)


ARRANGERS = ("model", "band_model_alone", "rule_harmoniser", "annotated_block_chords")


def arranged_scores(arranger: Arranger, case: Case, seed: int, temperature: float) -> dict:
    """An arranger's scores on a case, the drums' groove with them."""
    grid = BeatGrid.of(case.melody.time_signature)
    arrangement = arranger.arrange(case.melody, ArrangeRequest(seed=seed, temperature=temperature))
    beats = len(arrangement.beats)
    chords = chords_per_beat(arrangement.chords, beats, grid)
    bass: list[int | None] = [b.bass[0][1] if b.bass else None for b in arrangement.beats]
    scores = beat_scores(case, chords, bass, grid)
    scores["groove"] = groove_consistency(arrangement.parts["drums"].notes, grid, beats // grid.per_bar)
    return scores


def evaluate_set(arrangers: dict[str, Arranger], cases: list[Case], temperature: float) -> dict:
    """The arrangers, the rule harmoniser and block chords on the annotations, averaged over cases."""
    rows: dict[str, list[dict]] = {name: [] for name in (*arrangers, *ARRANGERS[2:])}
    for i, case in enumerate(cases):
        grid = BeatGrid.of(case.melody.time_signature)
        for name, arranger in arrangers.items():
            rows[name].append(arranged_scores(arranger, case, i, temperature))
        rule = rule_harmoniser(case.melody, grid)
        rows["rule_harmoniser"].append(beat_scores(case, rule, [c.root for c in rule], grid))
        truth = [c or Chord.none() for c in case.chords]
        rows["annotated_block_chords"].append(beat_scores(case, truth, [c.root for c in truth], grid))
    out = {}
    for name, scores in rows.items():
        weights = [s["beats"] for s in scores]
        total = max(1, sum(weights))
        out[name] = {k: round(sum(s[k] * w for s, w in zip(scores, weights, strict=True)) / total, 4)
                     for k in ("chord_acc", "majmin_acc", "harmony_f1", "ctnctr")}
        if name in arrangers:
            out[name]["groove"] = round(statistics.fmean(s["groove"] for s in scores), 4)
        out[name]["beats"] = sum(weights)
    out["pieces"] = len(cases)
    return out


def table(result: dict) -> str:
    """The report as a markdown table, a row per set and arranger."""
    lines = ["| set | arranger | chord acc. | majmin acc. | harmony F1 | CTnCTR | groove | beats |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for set_name, rows in result.items():
        for name in ARRANGERS:
            if name not in rows:
                continue
            row = rows[name]
            groove = f"{row['groove']:.3f}" if "groove" in row else ""
            lines.append(f"| {set_name} ({rows['pieces']} pieces) | {name.replace('_', ' ')} "
                         f"| {row['chord_acc']:.3f} | {row['majmin_acc']:.3f} | {row['harmony_f1']:.3f} "
                         f"| {row['ctnctr']:.3f} | {groove} | {row['beats']} |")
    return "\n".join(lines)


def evaluate_band(model: Path, pop909: Path, limit: int = 0, temperature: float = 0.5) -> dict:
    """The report on both sets with the band model at `model` (and the harmoniser beside it)."""
    from studio.engine.arranger import load_arranger

    shipped = load_arranger(model)
    arrangers = {"model": shipped}
    if shipped.harmoniser is not None:
        arrangers["band_model_alone"] = Arranger(shipped.model)
    return {"pop909_test": evaluate_set(arrangers, pop909_cases(pop909, "test", limit), temperature),
            "folk_with_chords": evaluate_set(arrangers, folk_cases(limit), temperature)}
