"""ClipDocument and its undoable edits: every kind of edit applies, undoes to the original
clip and redoes to the edited one; ids stay stable; no-op edits are never recorded."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication

from studio.core.notes import Clip, Note, TimeSignature
from studio.ui.document import edits
from studio.ui.document.document import ClipDocument

SEED = Clip(
    [Note(0, 60, 240, 90), Note(250, 64, 200, 70), Note(480, 67, 480, 100), Note(965, 72, 110, 50)],
    120.0,
    TimeSignature(4, 4),
    "C-major",
)


@pytest.fixture(autouse=True)
def app(qapp: QCoreApplication) -> QCoreApplication:
    """pytest-qt's one QApplication for the session (a bare QCoreApplication would stop the
    widget tests that run after these)."""
    return qapp


@pytest.fixture
def doc() -> ClipDocument:
    return ClipDocument(SEED)


def _ids(doc: ClipDocument) -> list[int]:
    """Ids in start order."""
    return sorted(doc.notes, key=lambda i: doc.notes[i])


def _first_two(doc: ClipDocument) -> list[int]:
    return _ids(doc)[:2]


Edit = Callable[[ClipDocument], edits.DocumentEdit | None]

# name -> (build the edit, the notes/context the clip must have afterwards)
EDITS: dict[str, tuple[Edit, Callable[[], Clip]]] = {
    "add": (
        lambda d: edits.add_notes(d, [Note(1920, 55, 120, 80)]),
        lambda: SEED.with_notes([*SEED.notes, Note(1920, 55, 120, 80)]),
    ),
    "remove": (
        lambda d: edits.remove_notes(d, _first_two(d)),
        lambda: SEED.with_notes(SEED.notes[2:]),
    ),
    "move": (
        lambda d: edits.move_notes(d, _first_two(d), 480, 2),
        lambda: SEED.with_notes([Note(480, 62, 240, 90), Note(730, 66, 200, 70), *SEED.notes[2:]]),
    ),
    "resize": (
        lambda d: edits.resize_notes(d, _first_two(d), -220, minimum=30),
        lambda: SEED.with_notes([Note(0, 60, 30, 90), Note(250, 64, 30, 70), *SEED.notes[2:]]),
    ),
    "velocity": (
        lambda d: edits.set_velocities(d, {_ids(d)[0]: 127, _ids(d)[3]: 300}),
        lambda: SEED.with_notes([Note(0, 60, 240, 127), *SEED.notes[1:3], Note(965, 72, 110, 127)]),
    ),
    "quantize": (
        lambda d: edits.quantize(d, _ids(d), 240),
        lambda: SEED.with_notes([Note(0, 60, 240, 90), Note(240, 64, 200, 70), Note(480, 67, 480, 100),
                                 Note(960, 72, 110, 50)]),
    ),
    "transpose": (
        lambda d: edits.transpose_notes(d, _ids(d), -12),
        lambda: SEED.with_notes([n.moved(pitch=n.pitch - 12) for n in SEED.notes]),
    ),
    "paste": (
        lambda d: edits.paste_notes(d, SEED.notes[:2], 3840),
        lambda: SEED.with_notes([*SEED.notes, Note(3840, 60, 240, 90), Note(4090, 64, 200, 70)]),
    ),
    "duplicate": (
        lambda d: edits.duplicate_notes(d, _first_two(d), 480),
        lambda: SEED.with_notes([*SEED.notes, Note(480, 60, 240, 90), Note(730, 64, 200, 70)]),
    ),
    "replace_all": (
        lambda d: edits.replace_all(d, Clip([Note(0, 40, 100)], 90.0, TimeSignature(3, 4), None)),
        lambda: Clip([Note(0, 40, 100)], 90.0, TimeSignature(3, 4), None),
    ),
    "tempo": (
        lambda d: edits.set_tempo(d, 96.5),
        lambda: Clip(SEED.notes, 96.5, SEED.time_signature, SEED.key),
    ),
    "metre": (
        lambda d: edits.set_time_signature(d, TimeSignature(6, 8)),
        lambda: Clip(SEED.notes, SEED.tempo, TimeSignature(6, 8), SEED.key),
    ),
    "key": (
        lambda d: edits.set_key(d, "D-dorian"),
        lambda: Clip(SEED.notes, SEED.tempo, SEED.time_signature, "D-dorian"),
    ),
}


@pytest.mark.parametrize("name", EDITS)
def test_every_edit_applies_undoes_and_redoes(doc: ClipDocument, name: str) -> None:
    build, expected = EDITS[name]
    before_ids = set(doc.notes)
    assert doc.push(build(doc))
    edited = doc.clip()
    assert edited == expected()
    assert doc.undo_stack.count() == 1 and doc.undo_stack.undoText()
    doc.undo_stack.undo()
    assert doc.clip() == SEED
    assert set(doc.notes) == before_ids  # the same ids come back, so selections survive
    doc.undo_stack.redo()
    assert doc.clip() == edited


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: edits.move_notes(d, [], 10),
        lambda d: edits.move_notes(d, _ids(d), 0, 0),
        lambda d: edits.set_tempo(d, 120.0),
        lambda d: edits.set_key(d, "C-major"),
        lambda d: edits.quantize(d, [_ids(d)[0]], 120),
        lambda d: edits.add_notes(d, []),
        lambda d: edits.remove_notes(d, [9999]),
    ],
)
def test_an_edit_that_changes_nothing_is_not_recorded(doc: ClipDocument, edit: Edit) -> None:
    assert not doc.push(edit(doc))
    assert doc.undo_stack.count() == 0


def test_moves_keep_the_group_on_the_keyboard_and_after_zero(doc: ClipDocument) -> None:
    doc.push(edits.move_notes(doc, _ids(doc), -5000, 100))
    notes = sorted(doc.notes.values())
    assert notes[0].start == 0 and max(n.pitch for n in notes) == 127
    # The shape is kept: intervals and distances are the original ones.
    assert [n.pitch - notes[0].pitch for n in notes] == [n.pitch - 60 for n in SEED.sorted_notes()]
    assert [n.start for n in notes] == [n.start for n in SEED.sorted_notes()]


def test_placed_notes_clear_their_way_on_their_key(doc: ClipDocument) -> None:
    # A note drawn into the tail of another on the same key cuts it; the selection is the new one.
    edit = edits.add_notes(doc, [Note(600, 67, 240, 80)], place=True)
    doc.push(edit)
    assert Note(480, 67, 120, 100) in doc.notes.values() and len(doc.notes) == 5
    assert edit.ids == [i for i, n in doc.notes.items() if n == Note(600, 67, 240, 80)]
    doc.undo_stack.undo()
    assert doc.clip() == SEED
    # A note moved onto the start of another writes over it; another channel is another key.
    doc.push(edits.add_notes(doc, [Note(965, 72, 50, 64, channel=3)]))
    doc.push(edits.move_notes(doc, [_ids(doc)[0]], ticks=965, semitones=12))
    assert sorted(doc.notes.values()) == [Note(250, 64, 200, 70), Note(480, 67, 480, 100),
                                          Note(965, 72, 50, 64, channel=3), Note(965, 72, 240, 90)]
    doc.undo_stack.undo()
    assert len(doc.notes) == 5


def test_lengthening_stops_at_the_next_note_on_the_key(doc: ClipDocument) -> None:
    doc.push(edits.add_notes(doc, [Note(720, 60, 120)]))
    doc.push(edits.resize_notes(doc, [_ids(doc)[0]], 2000))
    assert Note(0, 60, 720, 90) in doc.notes.values()
    doc.push(edits.resize_notes(doc, _ids(doc), -2000, minimum=10))
    assert min(n.duration for n in doc.notes.values()) == 10


def test_quantized_notes_resolve_same_key_overlaps_in_the_same_undo_step(doc: ClipDocument) -> None:
    doc.load(Clip([Note(100, 60, 140), Note(230, 60, 100), Note(5, 62, 120, 90), Note(20, 62, 60, 70),
                   Note(0, 64, 480), Note(110, 64, 60, 70, channel=2), Note(0, 65, 480), Note(10, 65, 100)]))
    before = doc.clip()
    doc.push(edits.quantize(doc, list(doc.notes), 120))
    assert sorted(doc.notes.values()) == [
        Note(0, 62, 120, 90),  # of two that land together on a key the longer stays
        Note(0, 64, 480),
        Note(0, 65, 480),  # also when it was on the grid already
        Note(120, 60, 120),  # the earlier C ends where the next one starts
        Note(120, 64, 60, 70, channel=2),  # another channel is another key
        Note(240, 60, 100)]
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert doc.clip() == before


def test_a_quantized_note_writes_over_one_it_lands_on_and_cuts_one_running_into_it(doc: ClipDocument) -> None:
    doc.load(Clip([Note(0, 60, 600), Note(470, 60, 100), Note(960, 60, 240), Note(700, 60, 300)]))
    moving = [i for i, n in doc.notes.items() if n.start in (470, 700)]
    doc.push(edits.quantize(doc, moving, 240))  # 470 -> 480 inside the first; 700 -> 720 over 960
    assert sorted(doc.notes.values()) == [Note(0, 60, 480), Note(480, 60, 100), Note(720, 60, 300)]
    doc.undo_stack.undo()
    assert len(doc.notes) == 4


def test_consecutive_nudges_of_the_same_notes_are_one_undo_step(doc: ClipDocument) -> None:
    ids = _first_two(doc)
    for _ in range(3):
        doc.push(edits.move_notes(doc, ids, semitones=-1, nudge=True))
    doc.push(edits.move_notes(doc, ids, ticks=120, nudge=True))
    assert doc.undo_stack.count() == 1
    assert sorted(doc.notes.values())[0] == Note(120, 57, 240, 90)
    doc.undo_stack.undo()
    assert doc.clip() == SEED
    # A nudge of other notes, or a mouse move, starts a new step.
    doc.undo_stack.redo()
    doc.push(edits.move_notes(doc, _ids(doc)[3:], semitones=1, nudge=True))
    doc.push(edits.move_notes(doc, _ids(doc)[3:], semitones=1))
    assert doc.undo_stack.count() == 3


def test_a_pause_between_nudges_starts_a_new_step(doc: ClipDocument) -> None:
    ids = _first_two(doc)
    first = edits.move_notes(doc, ids, semitones=1, nudge=True)
    doc.push(first)
    later = edits.move_notes(doc, ids, semitones=1, nudge=True)
    later.at = first.at + edits.MERGE_WINDOW_S + 1
    doc.push(later)
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    assert sorted(doc.notes.values())[0].pitch == 61


def test_nudging_back_to_the_start_leaves_no_empty_step(doc: ClipDocument) -> None:
    ids = _first_two(doc)
    doc.push(edits.move_notes(doc, ids, semitones=1, nudge=True))
    doc.push(edits.move_notes(doc, ids, semitones=-1, nudge=True))
    assert doc.undo_stack.count() == 0
    assert doc.clip() == SEED


def test_tempo_changes_merge_and_keep_the_latest_text(doc: ClipDocument) -> None:
    for bpm in (121, 122, 130):
        doc.push(edits.set_tempo(doc, bpm))
    assert doc.undo_stack.count() == 1
    assert doc.undo_stack.undoText() == "Tempo 130 BPM"
    doc.undo_stack.undo()
    assert doc.tempo == 120.0
    with pytest.raises(ValueError):
        edits.set_tempo(doc, 0)


def test_signals_and_selection_hints(doc: ClipDocument) -> None:
    touched, hints, context = [], [], []
    doc.notes_changed.connect(touched.append)
    doc.selection_hint.connect(hints.append)
    doc.context_changed.connect(lambda: context.append(True))
    edit = edits.add_notes(doc, [Note(2000, 50, 100)], select=True)  # as paste and duplicate do
    doc.push(edit)
    assert touched[-1] == hints[-1] == frozenset(edit.ids)
    doc.undo_stack.undo()
    assert hints[-1] == frozenset()  # the added note is gone, nothing to select
    drawn = edits.add_notes(doc, [Note(2000, 50, 100)])  # as drawing, recording, accepting do
    doc.push(drawn)
    assert touched[-1] == frozenset(drawn.ids) and hints[-1] == frozenset()  # added, not selected
    doc.undo_stack.undo()
    assert hints[-1] == frozenset()  # the added note is gone, nothing to select
    count = len(hints)
    doc.push(edits.set_key(doc, "A-minor"))
    assert context and doc.key is not None and str(doc.key) == "A-minor"
    assert len(hints) == count  # a key change leaves the selection alone


def test_load_replaces_everything_and_forgets_history(doc: ClipDocument) -> None:
    doc.push(edits.transpose_notes(doc, _ids(doc), 1))
    other = Clip([Note(0, 40, 100)], 100.0, TimeSignature(3, 4), "bogus key")
    doc.load(other)
    assert doc.clip() == other
    assert doc.undo_stack.count() == 0 and doc.undo_stack.isClean()
    assert doc.key is None  # a key name Key cannot read shades nothing rather than failing
    assert doc.end == 100


def test_clip_of_some_ids(doc: ClipDocument) -> None:
    ids = _ids(doc)
    part = doc.clip(ids[1:3])
    assert part.notes == SEED.sorted_notes()[1:3]
    assert part.tempo == SEED.tempo and part.key == SEED.key



_WEAR_PROBE = """
import gc
import sys
from PySide6.QtCore import QCoreApplication
from studio.core.notes import Clip, Note
from studio.ui.document import edits
from studio.ui.document.document import ClipDocument

app = QCoreApplication([])
doc = ClipDocument(Clip([Note(0, 60, 240, 90), Note(240, 64, 240, 90)]))
ids = sorted(doc.notes)
gc.collect()  # garbage of the imports, collected mid-loop, would move the counts by itself
before = sys.getrefcount(None), sys.getrefcount(True)
for k in range(2000):
    doc.push(edits.move_notes(doc, ids, semitones=1 if k % 2 else -1))
doc.undo_stack.clear()
gc.collect()
after = sys.getrefcount(None), sys.getrefcount(True)
print(after[0] - before[0], after[1] - before[1])
"""


def test_the_qt_bindings_do_not_wear_out_none_and_true() -> None:
    """PySide6 6.12.0 under Python 3.11 drops a reference to None on every call returning
    nothing and to True on every emit, so the app aborts after a few thousand calls
    ("deallocating None"); pyproject.toml excludes it. A long session of edits must leave the
    interpreter's singletons as they were. It runs in a fresh interpreter, where no other
    test's threads move the counts (the bug would lose thousands: several per edit)."""
    import subprocess
    import sys

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", _WEAR_PROBE], capture_output=True, text=True,
                          timeout=120, env=env, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    lost_none, lost_true = (int(v) for v in done.stdout.split())
    assert abs(lost_none) < 100 and abs(lost_true) < 100
