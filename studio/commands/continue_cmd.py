"""`continuo continue SEED.mid ... --out OUT.mid`: write the seed plus its continuation (or
only the continuation), one file per variation, tempo and metre preserved."""

from __future__ import annotations

import argparse
from pathlib import Path

from studio.commands import CommandError
from studio.core.encoding import STYLES
from studio.engine.continuation import AUTO, Engine, SeedError, Settings
from studio.engine.model import Model, ModelError, default_model_path
from studio.midi.files import MidiFileError, read_midi_song, write_midi


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("continue", help="continue a .mid file and write the result")
    p.add_argument("seed", type=Path, help="the seed phrase (.mid)")
    p.add_argument("--out", type=Path, required=True,
                   help="output .mid (OUT-1.mid ... with several variations)")
    p.add_argument("--bars", type=float, default=4.0, help="length of the continuation in bars (1-32)")
    p.add_argument("--beats", type=float, help="length in beats instead of bars")
    p.add_argument("--variations", type=int, default=1, help="how many variations (1-8)")
    p.add_argument("--temperature", type=float, default=1.0, help="0 = always the likeliest note, up to 2")
    p.add_argument("--top-p", type=float, default=0.95, help="sample from this much probability mass")
    p.add_argument("--seed", dest="random_seed", type=int,
                   help="random seed: the same seed gives the same notes")
    p.add_argument("--key", default="none", help="auto, none, or a key such as C-major, A-minor, D-dorian")
    p.add_argument("--style", default=AUTO, choices=[AUTO, *STYLES[1:]], help="style (auto = as the seed)")
    p.add_argument("--low", type=int, default=0, help="lowest MIDI pitch")
    p.add_argument("--high", type=int, default=127, help="highest MIDI pitch")
    p.add_argument("--max-polyphony", type=int,
                   help="most notes at once (0 = no limit; default: as many as the seed)")
    p.add_argument("--repeat", type=float, default=1.0, help="how much it may restate the seed (0-2)")
    p.add_argument("--only-continuation", action="store_true", help="write only the new notes")
    p.add_argument("--model", type=Path, default=default_model_path(), help="model file (.onnx)")
    p.set_defaults(run=run)


def output_paths(out: Path, variations: int) -> list[Path]:
    if variations == 1:
        return [out]
    return [out.with_name(f"{out.stem}-{i}{out.suffix or '.mid'}") for i in range(1, variations + 1)]


def run(args: argparse.Namespace) -> int:
    settings = Settings(bars=args.bars, beats=args.beats, variations=args.variations,
                        temperature=args.temperature, top_p=args.top_p, seed=args.random_seed,
                        style=args.style, key=None if args.key == "none" else args.key,
                        low=args.low, high=args.high, max_polyphony=args.max_polyphony, repeat=args.repeat)
    if not args.out.parent.is_dir():
        raise CommandError(f"The folder for {args.out} does not exist.")
    try:
        song = read_midi_song(args.seed)
        engine = Engine(Model(args.model))
        continuation = engine.continuation(song.clip, settings)
        variations = continuation.run()
    except (MidiFileError, ModelError, SeedError) as err:
        raise CommandError(str(err)) from None
    for path, notes in zip(output_paths(args.out, settings.variations), variations, strict=True):
        clip = song.clip.with_notes(notes if args.only_continuation else song.clip.notes + notes)
        try:
            write_midi(path, clip, drums=None if args.only_continuation else song.drums)
        except MidiFileError as err:
            raise CommandError(str(err)) from None
        print(f"{path}: {len(notes)} new notes from {continuation.start_tick} to {continuation.end_tick} "
              f"ticks ({continuation.style}, key {continuation.key or 'free'})")
    return 0
