"""The piano roll's colours, derived from the application theme (studio.ui.style.theme) so the roll
matches the window: rows, grid lines, notes by velocity, selection, ghosts, playhead, loop.

Legible at a glance, by WCAG relative-luminance contrast (tests/ui/test_legibility.py keeps
them): white-key to black-key rows 1.27:1 (1.06:1 before), in-scale to out-of-scale rows
1.38:1 (1.17:1), the tonic's row to the scale's 1.14:1 (1.10:1); bar lines 2.07:1 or more on
any row (1.51:1), beat lines 1.26:1 (1.09:1). The variation shown is filled
(3:1 or more against any row, its notes named in dark text at 4.5:1 or more); the others are
outlines with a faint fill (the outline 3:1 or more against any row), so overlapping variations
stay apart instead of mixing into one muddy colour.
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
GHOST_TEXT = QColor(0, 0, 0)  # the names on the variation shown (its hues are lighter or darker)
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


GHOST_SHOWN_ALPHA = 0.9  # the fill of the variation shown
GHOST_OTHER_ALPHA = 0.08  # the faint fill inside the others' outlines
GHOST_EDGE_ALPHA = 0.9  # the others' outlines


def ghost(index: int, selected: bool) -> QColor:
    """Variation `index`'s fill: strong for the variation shown, faint for the others."""
    colour = ghost_color(index, selected)
    colour.setAlphaF(GHOST_SHOWN_ALPHA if selected else GHOST_OTHER_ALPHA)
    return colour


def ghost_edge(index: int) -> QColor:
    """The outline of variation `index`'s notes."""
    colour = ghost_color(index, True)
    colour.setAlphaF(GHOST_EDGE_ALPHA)
    return colour


def over(colour: QColor, below: QColor) -> QColor:
    """`colour` (translucent) painted over `below` (opaque): what the eye sees."""
    a = colour.alphaF()
    return QColor.fromRgbF(*(c * a + b * (1 - a) for c, b in zip(colour.getRgbF()[:3], below.getRgbF()[:3],
                                                                  strict=True)))


def contrast(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio of two opaque colours, 1 to 21."""
    def luminance(colour: QColor) -> float:
        def channel(c: float) -> float:
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        r, g, b = (channel(c) for c in colour.getRgbF()[:3])
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


LAYER_ALPHA = 0.88  # an accepted part's notes: filled in its hue (its proposal's outline colour)


def layer(index: int, selected: bool = False) -> QColor:
    """The fill of the notes of part layer `index` (the hue its proposal was drawn in)."""
    colour = ghost_color(index, True)
    colour.setAlphaF(LAYER_ALPHA)
    return colour.lighter(135) if selected else colour
