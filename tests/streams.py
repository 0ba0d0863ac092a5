"""Checks on a received MIDI stream of (time, mido message) pairs, shared by the player, port and
command tests and bench_live."""

from __future__ import annotations

from collections.abc import Iterable

import mido

ALL_NOTES_OFF = 123


def hanging(messages: Iterable[tuple[float, mido.Message]]) -> dict[tuple[int, int], int]:
    """(channel, pitch) -> note-ons without their note-off."""
    open_notes: dict = {}
    for _, msg in messages:
        key = (getattr(msg, "channel", None), getattr(msg, "note", None))
        if msg.type == "note_on" and msg.velocity > 0:
            open_notes[key] = open_notes.get(key, 0) + 1
        elif msg.type == "note_off" and open_notes.get(key):
            open_notes[key] -= 1
    return {k: v for k, v in open_notes.items() if v}


def all_notes_off(messages: Iterable[tuple[float, mido.Message]]) -> list[int]:
    """The channels that got all-notes-off, in order."""
    return [m.channel for _, m in messages if m.type == "control_change" and m.control == ALL_NOTES_OFF]


def note_ons(messages: Iterable[tuple[float, mido.Message]]) -> list[tuple[int, int]]:
    """(channel, pitch) of every note-on, in order."""
    return [(m.channel, m.note) for _, m in messages if m.type == "note_on"]
