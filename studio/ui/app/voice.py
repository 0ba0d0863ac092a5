"""How a flow speaks: a sentence goes to its panel, and to the status bar too while the panel
cannot be seen; a sentence that names Ctrl+Z goes away once its undo step is no longer the
last one (an undo, another edit, another sketch). The Continue and Arrange flows share it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoStack


class Voice:
    """Says a flow's sentences (GUI thread)."""

    def __init__(self, show: Callable[[str], None], announce: Callable[[str], None],
                 seen: Callable[[], bool], undo_stack: QUndoStack) -> None:
        self._show, self._announce, self._seen, self._undo = show, announce, seen, undo_stack
        self._said_at: int | None = None  # the undo step a sentence naming Ctrl+Z was said at
        undo_stack.indexChanged.connect(self._moved)

    def say(self, text: str) -> None:
        """Say it once: in the panel, or in the status bar too while the panel cannot be seen."""
        self._show(text)
        self._said_at = self._undo.index() if "Ctrl+Z" in text else None
        if not self._seen():
            self._announce(text)

    def _moved(self, index: int) -> None:
        if self._said_at is not None and index != self._said_at:
            self._said_at = None
            self._show("")
