"""Which modifier copies a dragged note and which bypasses the snap, as the DAWs of each
platform have it: on Windows and Linux Ctrl copies and Alt bypasses the grid (Ableton Live);
on macOS Option copies and Cmd bypasses it (Ableton Live, Logic). Qt on macOS reports Cmd as
ControlModifier and Option as AltModifier, so the same two flags swap roles there.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt

CTRL, ALT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.AltModifier


def drag_modifiers(platform: str = sys.platform) -> tuple[Qt.KeyboardModifier, Qt.KeyboardModifier]:
    """(copy, no snap) on `platform`, a sys.platform value ("darwin", "win32", "linux")."""
    if platform == "darwin":
        return ALT, CTRL  # Option copies, Cmd bypasses the grid
    return CTRL, ALT
