"""`continuo arrange MELODY.mid --out OUT.mid`: arrange a melody for a band.

The melody is the file's top voice, or the track `--track` names (by name or number). The
band model proposes the chord lane and plays Chords (comping), Bass and Drums (patterns)
under it; `--chords "C G Am F"` (one chord a bar, `|` between bars for more) or
`--chords-from FILE.mid` (its chord markers, else the chords its notes spell, a chord a bar)
fix the harmony instead. The result is a type 1 file: the conductor track (tempo, metre, key,
chord symbols as markers), then Melody (the input's notes, unchanged), Chords, Bass, Drums,
each on its own channel (1, 2, 3, 10) with its program change. Bad input: one sentence, exit
2, nothing written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from studio.commands import CommandError
from studio.commands.common import add_file_argument, read_song
from studio.core.arrangement import (
    GENERATED_PARTS,
    BeatGrid,
    ChordSpan,
    melody_notes,
    typed_lane,
)
from studio.core.chords import ChordError, best_chord, parse_chord
from studio.core.notes import Clip, top_voice
from studio.engine.arranger import ArrangeError, ArrangeRequest, load_arranger
from studio.engine.continuation import Engine
from studio.engine.model import Model, ModelError, band_model_path, default_model_path
from studio.midi.files import MidiFileError, MidiSong, write_parts

STYLES = ("auto", "pop", "folk")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("arrange", help="arrange a melody for a band: chords, bass and drums, a track each")
    add_file_argument(p, "the melody (.mid)")
    p.add_argument("--out", type=Path, required=True, help="the arrangement to write (.mid, type 1)")
    p.add_argument("--parts", default=",".join(GENERATED_PARTS),
                   help="which parts to play, of chords,bass,drums (default: all three)")
    chords = p.add_mutually_exclusive_group()
    chords.add_argument("--chords", help='the chords to follow, e.g. "C G Am F" (a chord a bar, repeated)')
    chords.add_argument("--chords-from", type=Path, help="take the chords from this .mid (markers or notes)")
    p.add_argument("--track", help="the melody's track (its name or number); default: the top voice of all")
    p.add_argument("--style", choices=STYLES, default="auto",
                   help="the band's style (default: auto = folk for a tune that sounds folk, else pop)")
    p.add_argument("--seed", type=int, help="the same seed gives the same arrangement")
    p.add_argument("--temperature", type=float, default=0.5,
                   help="0 = the likeliest choices, up to 2 (default 0.5)")
    p.add_argument("--model", type=Path, default=band_model_path(), help="the band model (.onnx)")
    p.set_defaults(run=run)


def _melody(song: MidiSong, track: str | None, name: str) -> Clip:
    """The melody to arrange: a track's notes (by name or 1-based number) or the top voice."""
    if track is None:
        notes = top_voice(song.clip.notes)
    else:
        names = [n.lower() for n in song.track_names]
        if track.isdigit() and 1 <= int(track) <= len(song.track_notes):
            index = int(track) - 1
        elif track.lower() in names:
            index = names.index(track.lower())
        else:
            listed = ", ".join(f"{i + 1} {n or '(unnamed)'}" for i, n in enumerate(song.track_names))
            raise CommandError(f"{name} has no track '{track}' (its tracks: {listed}).")
        notes = top_voice([n for n in song.track_notes[index] if n.channel != 9])
    clip = song.clip.with_notes(notes)
    if not melody_notes(clip):
        raise CommandError(f"{name} has no melody to arrange (no pitched notes"
                           f"{'' if track is None else ' in that track'}).")
    return clip


def chords_from_song(song: MidiSong, bars: int, grid: BeatGrid) -> list[ChordSpan]:
    """A file's chord lane: its markers that are chord symbols, else a chord a bar spelled by
    its pitched notes (how long each pitch class sounds in the bar)."""
    spans: list[ChordSpan] = []
    marked = []
    for tick, text in song.markers:
        try:
            marked.append((tick, parse_chord(text)))
        except ChordError:
            continue
    if marked:
        ends = [t for t, _ in marked[1:]] + [bars * grid.beat_ticks * grid.per_bar]
        return [ChordSpan(t, max(1, end - t), c) for (t, c), end in zip(marked, ends, strict=True)
                if not c.is_none]
    bar_ticks = grid.beat_ticks * grid.per_bar
    for bar in range(bars):
        start, end = bar * bar_ticks, (bar + 1) * bar_ticks
        weights = [0.0] * 12
        for note in song.clip.notes:
            overlap = min(note.end, end) - max(note.start, start)
            if overlap > 0:
                weights[note.pitch % 12] += overlap
        chord = best_chord(weights)
        if not chord.is_none:
            spans.append(ChordSpan(start, bar_ticks, chord))
    return spans


def heard_style(melody: Clip) -> str:
    """The band's style for a melody: folk when the continuation model hears a folk tune in it,
    else pop (the style POP909 taught the band)."""
    try:
        return "folk" if Engine(Model(default_model_path())).detect_style(melody) == "folk" else "pop"
    except ModelError:
        return "pop"


def run(args: argparse.Namespace) -> int:
    parts = tuple(p.strip().lower() for p in args.parts.split(",") if p.strip())
    unknown = [p for p in parts if p not in GENERATED_PARTS]
    if unknown or not parts:
        raise CommandError(f"--parts takes some of {', '.join(GENERATED_PARTS)}, not '{args.parts}'.")
    if not 0 <= args.temperature <= 2:
        raise CommandError("The temperature goes from 0 to 2.")
    if not args.out.parent.is_dir():
        raise CommandError(f"The folder for {args.out} does not exist.")
    song = read_song(args.file)
    melody = _melody(song, args.track, args.file.name)
    grid = BeatGrid.of(melody.time_signature)
    bars = max(1, -(-melody.end // (grid.beat_ticks * grid.per_bar)))
    try:
        if args.chords:
            lane = typed_lane(args.chords, bars, grid)
        elif args.chords_from:
            lane = chords_from_song(read_song(args.chords_from), bars, grid)
        else:
            lane = None
        arranger = load_arranger(args.model)
        style = heard_style(melody) if args.style == "auto" else args.style
        request = ArrangeRequest(parts=parts, style=style, seed=args.seed, temperature=args.temperature,
                                 lane=lane)
        arrangement = arranger.arrange(melody, request)
        write_parts(args.out, melody, arrangement.tracks(), arrangement.markers())
    except (ChordError, ArrangeError, ModelError, MidiFileError) as err:
        raise CommandError(str(err)) from None
    names = ", ".join(p.name for p in arrangement.parts.values())
    symbols = " ".join(span.chord.name for span in arrangement.chords[:8])
    print(f"{args.out}: {bars} bars arranged ({names}) in {style}; chords {symbols}"
          f"{' …' if len(arrangement.chords) > 8 else ''}")
    return 0
