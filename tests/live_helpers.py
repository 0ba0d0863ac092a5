"""What the live tests share: reading a received MIDI stream for notes left sounding."""

from __future__ import annotations

from collections.abc import Iterable

import mido


def open_notes(messages: Iterable[tuple[float, mido.Message]]) -> set[tuple[int, int]]:
    """(channel, pitch) of every note still on at the end of a (time, message) stream."""
    sounding: set[tuple[int, int]] = set()
    for _, m in messages:
        if m.type == "note_on" and m.velocity > 0:
            sounding.add((m.channel, m.note))
        elif m.type in ("note_on", "note_off"):
            sounding.discard((m.channel, m.note))
    return sounding
