"""The piano roll: `PianoRoll(document)` edits a ClipDocument with the mouse and keyboard.
Its parts (state, viewport, index, gestures and the painted views) live in this package.
"""

from studio.ui.roll.piano_roll import PianoRoll

__all__ = ["PianoRoll"]
