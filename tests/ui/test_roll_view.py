"""What the piano roll shows: ghost variations, playhead, loop, scale shading and selection
really reach the pixels; the playhead pages the view; a 10,000-note clip loads and paints
touching only the notes on screen."""

from __future__ import annotations

import random

import pytest
from PySide6.QtGui import QColor, QImage

from studio.core.notes import Clip, Note, TimeSignature
from studio.core.scales import Key
from studio.ui.document.document import ClipDocument
from studio.ui.roll import PianoRoll, palette
from studio.ui.roll.index import NoteIndex


@pytest.fixture
def roll(qtbot) -> PianoRoll:
    doc = ClipDocument(Clip([Note(0, 60, 480, 40), Note(480, 62, 480, 127)], 120.0, TimeSignature(3, 4)))
    widget = PianoRoll(doc)
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def canvas_image(roll: PianoRoll) -> QImage:
    return roll.canvas.grab().toImage()


def pixel(image: QImage, roll: PianoRoll, tick: float, pitch: int) -> QColor:
    view = roll.state.viewport
    return image.pixelColor(round(view.x(tick)), round(view.y(pitch) + view.row_height / 2))


def distance(a: QColor, b: QColor) -> int:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue())


def test_notes_are_coloured_by_velocity(roll: PianoRoll) -> None:
    image = canvas_image(roll)
    soft, loud = pixel(image, roll, 240, 60), pixel(image, roll, 720, 62)
    assert distance(soft, palette.velocity_color(40)) < 30
    assert distance(loud, palette.velocity_color(127)) < 30
    roll.select_all()
    assert pixel(canvas_image(roll), roll, 240, 60) != soft  # selected notes light up


def test_ghosts_are_translucent_and_the_selected_one_stronger(roll: PianoRoll) -> None:
    background = pixel(canvas_image(roll), roll, 2000, 70)
    roll.set_ghosts([[Note(1920, 70, 480)], [Note(1920, 72, 480)]], selected=0)
    image = canvas_image(roll)
    chosen, other = pixel(image, roll, 2100, 70), pixel(image, roll, 2100, 72)
    hue_chosen = palette.ghost(0, True)
    assert distance(chosen, background) > distance(other, pixel(image, roll, 3030, 72))
    assert distance(chosen, hue_chosen) < distance(background, hue_chosen)
    assert roll.state.content_end >= 2400
    roll.clear_ghosts()
    assert distance(pixel(canvas_image(roll), roll, 2100, 70), background) < 10


def test_playhead_loop_and_scale_are_drawn(roll: PianoRoll) -> None:
    plain = canvas_image(roll)
    roll.set_playhead(1440)
    x = round(roll.state.viewport.x(1440))
    image = canvas_image(roll)
    assert distance(image.pixelColor(x, 5), palette.PLAYHEAD) < 60
    assert distance(roll.ruler.grab().toImage().pixelColor(x, roll.ruler.height() - 4), palette.PLAYHEAD) < 60
    roll.set_playhead(None)
    roll.set_scale(Key.parse("C-major"))
    shaded = canvas_image(roll)
    in_scale, out_of_scale = pixel(shaded, roll, 3030, 64), pixel(shaded, roll, 3030, 63)
    assert in_scale != out_of_scale
    assert pixel(plain, roll, 3030, 64) != in_scale
    roll.set_loop(1440, 2880)
    assert pixel(canvas_image(roll), roll, 2030, 64) != in_scale


def test_the_playhead_pages_the_view_while_following(roll: PianoRoll) -> None:
    view = roll.state.viewport
    right = view.visible_ticks()[1]
    roll.set_playhead(round(right) + 960)
    assert view.left <= roll.state.playhead < view.visible_ticks()[1]
    roll.follow_playhead = False
    left = view.left
    roll.set_playhead(round(view.visible_ticks()[1]) + 5000)
    assert view.left == left


def test_note_names_and_octaves_on_the_keys(roll: PianoRoll) -> None:
    roll.state.viewport.zoom_pitch(1.5)
    image = roll.keys.grab().toImage()
    assert not image.isNull()
    row = roll.state.viewport.y(60)
    # The C4 label is dark text on the white key: some pixels in its row are dark.
    dark = [image.pixelColor(x, round(row + roll.state.viewport.row_height / 2)).lightness()
            for x in range(roll.keys.width() // 2, roll.keys.width() - 8)]
    assert min(dark) < 120


def test_the_index_finds_exactly_the_overlapping_notes() -> None:
    rng = random.Random(5)
    notes = [Note(rng.randrange(0, 100_000), rng.randrange(128), rng.randrange(1, 3000)) for _ in range(3000)]
    index = NoteIndex(enumerate(notes))
    for t0 in (0, 5000, 50_000, 99_000):
        t1 = t0 + 4000
        expected = sorted(k for k, n in enumerate(notes) if n.start < t1 and n.end > t0)
        assert sorted(k for k, _ in index.query(t0, t1)) == expected


class _Examined(Note):
    """A note that counts how often a query looks at where it ends."""

    looks = 0

    @property
    def end(self) -> int:
        _Examined.looks += 1
        return self.start + self.duration


def test_one_note_lasting_the_whole_clip_neither_hides_nor_slows_the_others() -> None:
    notes = [_Examined(i * 60, 40 + i % 40, (60, 120, 480, 1920)[i % 4]) for i in range(10_000)]
    notes.append(_Examined(0, 30, 700_000))  # a held pad under everything
    index = NoteIndex(enumerate(notes))
    for tick in (0, 1234, 300_000, 599_990):
        _Examined.looks = 0
        found = list(index.query(tick, tick + 1))
        assert _Examined.looks < 100  # the notes near the mouse, not the 5,000 that start before it
        expected = sorted((k for k, n in enumerate(notes) if n.start < tick + 1 and n.end > tick),
                          key=lambda k: (notes[k].start, notes[k].pitch))
        assert [k for k, _ in found] == expected  # in start order: later notes paint on top
        assert 10_000 in expected


def test_ten_thousand_notes_load_and_paint_only_what_is_visible(qtbot, monkeypatch) -> None:
    rng = random.Random(1)
    notes = [Note(i * 96, rng.randrange(36, 96), rng.choice((60, 120, 240, 480)), rng.randrange(30, 127))
             for i in range(10_000)]
    doc = ClipDocument(Clip(notes, 120.0, TimeSignature(4, 4)))
    roll = PianoRoll(doc)
    qtbot.addWidget(roll)
    roll.resize(1200, 700)
    roll.show()
    qtbot.waitExposed(roll)
    yielded = []
    original = NoteIndex.query

    def counting(self, t0, t1):
        for item in original(self, t0, t1):
            yielded.append(item)
            yield item

    monkeypatch.setattr(NoteIndex, "query", counting)
    roll.hbar.setValue(roll.hbar.maximum() // 2)
    roll.grab()
    assert 0 < len(yielded) < 500  # the canvas and the velocity lane, not 10,000 notes each
    roll.select_all()
    assert len(roll.selected_notes()) == 10_000
    roll.transpose_selection(1)
    assert sorted(doc.notes.values())[0].pitch == notes[0].pitch + 1
    assert not roll.grab().isNull()


def test_the_cached_layer_shows_what_a_fresh_paint_shows(roll: PianoRoll) -> None:
    from studio.ui.document import edits

    roll.set_ghosts([[Note(1920, 70, 480)]], selected=0)
    roll.canvas.grab()
    roll.canvas.grab()  # a second frame of a still picture builds the wider cached layer
    assert roll.canvas._layer is not None
    roll.hbar.setValue(480)  # 48 px at the default zoom: a whole-pixel scroll inside the layer
    cached = canvas_image(roll)
    assert roll.canvas._layer is not None
    roll.state.repaint.emit()  # as after an edit: painted from scratch
    fresh = canvas_image(roll)
    assert roll.canvas._layer is None
    assert cached == fresh
    doc = roll.document
    canvas_image(roll)
    doc.push(edits.add_notes(doc, [Note(1440, 66, 480, 127)], select=True))
    assert distance(pixel(canvas_image(roll), roll, 1800, 66), palette.velocity_color(127, True)) < 30
