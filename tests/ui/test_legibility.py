"""The roll read at a glance, by WCAG relative-luminance contrast of the palette's own colours:
white-key and black-key rows, in-scale and out-of-scale rows and the tonic's row plainly apart;
the variation shown stands out from any row and its note names from it; the others' outlines
stand out from any row; and the ghosts shown are named by pitch."""

from __future__ import annotations

from PySide6.QtGui import QColor

from studio.core.notes import Note
from studio.ui.roll import palette
from studio.ui.roll.palette import contrast, over
from studio.ui.style.theme import GHOST_HUES

ROWS = (palette.ROW_WHITE, palette.ROW_BLACK, palette.ROW_SCALE, palette.ROW_OUT_OF_SCALE, palette.ROW_TONIC)


def test_contrast_is_the_wcag_ratio() -> None:
    assert round(contrast(QColor("#000000"), QColor("#ffffff")), 1) == 21.0
    assert contrast(QColor("#777777"), QColor("#777777")) == 1.0
    assert round(contrast(QColor("#1f2023"), QColor("#1a1b1d")), 2) == 1.06  # the rows of before


def test_rows_are_told_apart_at_a_glance() -> None:
    assert contrast(palette.ROW_WHITE, palette.ROW_BLACK) >= 1.25
    assert contrast(palette.ROW_SCALE, palette.ROW_OUT_OF_SCALE) >= 1.3
    assert contrast(palette.ROW_TONIC, palette.ROW_SCALE) >= 1.12
    for row in ROWS:  # bars and beats are seen on every row, and notes stand out on all of them
        assert contrast(palette.BAR_LINE, row) >= 2.0
        assert contrast(palette.BEAT_LINE, row) >= 1.25
        assert contrast(palette.velocity_color(100), row) >= 4.5


def test_the_shown_variation_and_the_others_outlines_stand_out_from_every_row() -> None:
    for k in range(len(GHOST_HUES)):
        for row in ROWS:
            shown = over(palette.ghost(k, True), row)
            assert contrast(shown, row) >= 3.0, (k, row.name())
            assert contrast(over(palette.GHOST_TEXT, shown), shown) >= 4.5, (k, row.name())  # its names
            assert contrast(over(palette.ghost_edge(k), row), row) >= 3.0, (k, row.name())
            assert contrast(over(palette.ghost(k, False), row), row) < 1.3  # faint: not a row highlight


def test_overlapping_variations_keep_their_own_outlines(qtbot) -> None:
    """Two variations not shown on one note: the outline keeps its hue, and the inside stays
    near the row (before, two fills at 16% mixed into a muddy patch)."""
    from studio.ui.document.document import ClipDocument
    from studio.ui.roll import PianoRoll
    roll = PianoRoll(ClipDocument())
    qtbot.addWidget(roll)
    roll.resize(800, 400)
    roll.show()
    qtbot.waitExposed(roll)
    roll.frame_notes()
    roll.set_ghosts([[Note(0, 90, 480)], [Note(480, 60, 960)], [Note(480, 60, 960)]], selected=0)
    image = roll.canvas.grab().toImage()
    view = roll.state.viewport
    inside = image.pixelColor(round(view.x(1020)), round(view.y(60) + view.row_height / 2))  # off grid lines
    assert contrast(inside, palette.ROW_WHITE) < 1.4  # two faint fills, still close to the row
    column = [image.pixelColor(round(view.x(1020)), y) for y in range(round(view.y(61)), round(view.y(59)))]
    top = palette.ghost_edge(2)  # the last one drawn: its outline in its own hue, not a mix
    assert any(abs(c.red() - top.red()) + abs(c.green() - top.green()) + abs(c.blue() - top.blue()) < 40
               for c in column)
