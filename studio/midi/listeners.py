"""Whether anything listens to Continuo's virtual port, where the MIDI system tells: ALSA's
sequencer lists every client's ports and their subscribers in /proc/asound/seq/clients (a DAW or
synth connected to the port is "Connecting To" under it). JACK, CoreMIDI and Windows tell nothing
through rtmidi: there the answer is None, not known."""

from __future__ import annotations

import re
from pathlib import Path

from studio.midi.ports import VIRTUAL_NAME

SEQ_CLIENTS = Path("/proc/asound/seq/clients")
_CLIENT = re.compile(r'^Client\s+\d+\s*:\s*"(.*)"')


def virtual_port_heard(client: str = VIRTUAL_NAME, clients: Path = SEQ_CLIENTS) -> bool | None:
    """True when a port of the ALSA client `client` has a subscriber, False when it has none,
    None when ALSA does not show such a client (another MIDI system, or no ALSA at all)."""
    try:
        text = clients.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    found = inside = False
    for line in text.splitlines():
        named = _CLIENT.match(line)
        if named:
            inside = named.group(1) == client
            found = found or inside
        elif inside and line.strip().startswith("Connecting To:"):
            return True
    return False if found else None
