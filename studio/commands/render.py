"""`continuo render IN.mid|IN.continuo --out OUT.wav`: the sketch as audio, offline, through the
built-in sound (studio.midi.synth): the notes at their pitches and times, each channel's first
program change heard (a .mid; a project plays on the piano), drums on the General MIDI kit; a
16-bit stereo WAV at 44.1 kHz (or --rate), its peak at -1 dBFS, written atomically. No audio
device is needed. A bad file or option: one sentence, exit status 2, nothing written."""

from __future__ import annotations

import argparse
from pathlib import Path

import mido

from studio.commands import CommandError
from studio.commands.common import read_song
from studio.core.notes import TICKS_PER_QUARTER, Clip, Note
from studio.core.project import ProjectError, load_project
from studio.core.safe_files import os_trouble, shown_name, write_atomically
from studio.midi.synth import RATE, SynthError, render, wav_bytes

RATES = (44100, 48000, 88200, 96000)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="render a .mid file or a project to a WAV file (the built-in sound)")
    p.add_argument("file", type=Path, help="the .mid file or .continuo project")
    p.add_argument("--out", type=Path, required=True, help="the .wav file to write")
    p.add_argument("--rate", type=int, default=RATE, choices=RATES, help="sample rate in Hz (default 44100)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.out.suffix.lower() != ".wav":
        raise CommandError(f"{shown_name(args.out)} should end in .wav.")
    notes, tempo, programs = _read(args.file)
    if not notes:
        raise CommandError(f"{shown_name(args.file)} has no notes to render.")
    try:
        audio = render(timed_messages(notes, tempo, programs), args.rate)
    except SynthError as err:
        raise CommandError(str(err)) from None
    try:
        write_atomically(args.out, wav_bytes(audio, args.rate))
    except OSError as err:
        raise CommandError(f"Could not write {shown_name(args.out)}: {os_trouble(err)}.") from None
    print(f"{args.out}: {len(audio) / args.rate:.1f} s, {len(notes)} notes, {args.rate} Hz stereo")
    return 0


def _read(path: Path) -> tuple[list[Note], float, dict[int, int]]:
    """The notes (drums too), the tempo and each channel's program."""
    if path.suffix.lower() == ".continuo":
        try:
            clip: Clip = load_project(path).clip
        except ProjectError as err:
            raise CommandError(str(err)) from None
        return list(clip.notes), clip.tempo, {}
    song = read_song(path)
    return sorted([*song.clip.notes, *song.drums]), song.clip.tempo, _programs(path)


def _programs(path: Path) -> dict[int, int]:
    """Each channel's first program change (the file was read once already; a second reading that
    fails just leaves the piano)."""
    programs: dict[int, int] = {}
    try:
        for track in mido.MidiFile(path).tracks:
            for message in track:
                if message.type == "program_change":
                    programs.setdefault(message.channel, message.program)
    except (OSError, ValueError, EOFError, KeyError, IndexError):
        return {}
    return programs


def timed_messages(notes: list[Note], tempo: float, programs: dict[int, int]
                   ) -> list[tuple[float, mido.Message]]:
    """The notes as (seconds, message) at `tempo`, after each channel's program, in time order
    (at one time a note-off before a note-on, so a repeated note sounds again)."""
    seconds = 60.0 / (tempo * TICKS_PER_QUARTER)
    events: list[tuple[float, int, mido.Message]] = [
        (0.0, 0, mido.Message("program_change", channel=channel, program=program))
        for channel, program in sorted(programs.items())]
    for note in notes:
        on = mido.Message("note_on", channel=note.channel, note=note.pitch, velocity=note.velocity)
        off = mido.Message("note_off", channel=note.channel, note=note.pitch)
        events += [(note.start * seconds, 2, on), (note.end * seconds, 1, off)]
    events.sort(key=lambda e: (e[0], e[1]))
    return [(time, message) for time, _, message in events]
