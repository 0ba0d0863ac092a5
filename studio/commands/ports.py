"""`continuo ports [--backend B]`: the MIDI inputs and outputs each working backend sees now."""

from __future__ import annotations

import argparse

from studio.commands import CommandError
from studio.midi.ports import BACKENDS, PortError, available_backends, get_backend, list_ports


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ports", help="list MIDI inputs and outputs")
    p.add_argument("--backend", choices=sorted(BACKENDS), help="only this MIDI system")
    p.set_defaults(run=run)


def _section(title: str, names: list[str]) -> list[str]:
    return [f"  {title}:", *(f"    {name}" for name in names or ["(none)"])]


def run(args: argparse.Namespace) -> int:
    try:
        backends = [get_backend(args.backend)] if args.backend else available_backends()
        if not backends:
            get_backend()  # raises the sentence that says why there is none
        listings = [list_ports(b.name) for b in backends]
    except PortError as err:
        raise CommandError(str(err)) from None
    lines = []
    for found in listings:
        lines += [f"{found.backend.label} ({found.backend.name})",
                  *_section("outputs (Continuo plays into these: --port NAME)", found.outputs),
                  *_section("inputs (keyboards and clocks Continuo can follow)", found.inputs)]
    print("\n".join(lines))
    return 0
