"""`continuo info FILE.mid`: tracks, notes, tempo, metre, detected key and style; the parts of a
file of several (an arrangement: Melody, Chords, Bass, Drums) and its markers (chord symbols)."""

from __future__ import annotations

import argparse
from pathlib import Path

from studio.commands.common import add_file_argument, read_song
from studio.core.scales import detect_key
from studio.engine.continuation import Engine
from studio.engine.model import Model, ModelError, default_model_path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="summarise a .mid file")
    add_file_argument(p, "the .mid file")
    p.add_argument("--model", type=Path, default=default_model_path(), help="model used to detect the style")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    song = read_song(args.file)
    clip = song.clip
    style = "unknown"
    if clip.notes:
        try:
            style = Engine(Model(args.model)).detect_style(clip)
        except ModelError as err:
            style = f"unknown ({err})"
    names = ", ".join(n for n in song.track_names if n) or "unnamed"
    length = clip.end / clip.time_signature.bar_ticks
    lines = [
        f"file:     {args.file.name} (type {song.format}, {len(song.track_names)} tracks: {names})",
        f"notes:    {len(clip.notes)} pitched, {len(song.drums)} drum; channels {sorted(song.channels)}",
        f"tempo:    {clip.tempo:g} BPM",
        f"metre:    {clip.time_signature} ({length:.1f} bars)",
        f"key:      {clip.key or 'not written'} (detected {detect_key(clip.notes) or 'none'})",
        f"style:    {style}",
    ]
    parts = [(name or "unnamed", notes)
             for name, notes in zip(song.track_names, song.track_notes, strict=True) if notes]
    if len(parts) > 1:  # an arrangement, or any file of several parts
        lines.append("parts:    " + ", ".join(f"{name} ({len(notes)} notes, channel {_channels(notes)})"
                                              for name, notes in parts))
    if song.markers:
        shown = " ".join(text for _, text in song.markers[:16])
        lines.append(f"markers:  {shown}{' …' if len(song.markers) > 16 else ''}")
    print("\n".join(lines))
    return 0


def _channels(notes: list) -> str:
    return ", ".join(str(c + 1) for c in sorted({n.channel for n in notes}))
