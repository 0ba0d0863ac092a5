"""The piano roll's colours, derived from the application theme (studio.ui.style.theme) so the roll
matches the window: rows, grid lines, notes by velocity, selection, ghosts, playhead, loop.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

from studio.ui.style.theme import COLORS, ghost_color
from studio.ui.style.theme import velocity_color as _theme_velocity


def _alpha(colour: str, alpha: int) -> QColor:
    result = QColor(colour)
    result.setAlpha(alpha)
    return result


BACKGROUND = QColor(COLORS.base)
ROW_WHITE = QColor(COLORS.roll_white_row)
ROW_BLACK = QColor(COLORS.roll_black_row)
ROW_SCALE = QColor(COLORS.roll_scale_row)
ROW_OUT_OF_SCALE = QColor(COLORS.roll_black_row).darker(112)
ROW_TONIC = QColor(COLORS.roll_scale_row).lighter(118)
OCTAVE_LINE = QColor(COLORS.border)
BAR_LINE = QColor(COLORS.grid_bar)
BEAT_LINE = QColor(COLORS.grid_beat)
SUB_LINE = QColor(COLORS.grid_step)

NOTE_OUTLINE = QColor(0, 0, 0, 160)
SELECTED_OUTLINE = QColor(COLORS.icon_active)
NOTE_TEXT = QColor(0, 0, 0, 180)
PLAYHEAD = QColor(COLORS.playhead)
LOOP_FILL = _alpha(COLORS.loop, 14)
LOOP_BAND = QColor(COLORS.loop)
RUBBER_BAND = _alpha(COLORS.text, 36)
RUBBER_BAND_EDGE = QColor(COLORS.text_dim)
SCALE_MARK = QColor(COLORS.external)
TONIC_MARK = QColor(COLORS.accent)

PANEL = QColor(COLORS.panel)
PANEL_EDGE = QColor(COLORS.base)
TEXT = QColor(COLORS.text)
TEXT_DIM = QColor(COLORS.text_dim)
KEY_WHITE = QColor(COLORS.white_key)
KEY_BLACK = QColor(COLORS.black_key)
KEY_LABEL = QColor(COLORS.key_label)
KEY_SEAM = QColor(COLORS.white_key_shade)
KEY_PRESSED = QColor(COLORS.accent)

_VELOCITY = tuple(_theme_velocity(max(1, v)) for v in range(128))
_VELOCITY_SELECTED = tuple(c.lighter(130) for c in _VELOCITY)


def velocity_color(velocity: int, selected: bool = False) -> QColor:
    """The fill of a note of this velocity (1-127), lighter when selected."""
    return (_VELOCITY_SELECTED if selected else _VELOCITY)[velocity]


def ghost(index: int, selected: bool) -> QColor:
    """Variation `index`'s translucent colour."""
    return ghost_color(index, selected)
