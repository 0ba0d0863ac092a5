"""The Continue panel speaks as musicians do: Adventure, Focus, Echo the phrase and Take rather
than temperature, top-p, repeat and seed, each with a tip; the key lock starts on the project's
key (the tool bar's), named in the list, which groups the keys under Major, Minor and Modes and
scrolls; the command line takes the panel's words as aliases and the window's defaults."""

from __future__ import annotations

import argparse

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel

from studio.commands.common import add_settings_arguments, settings_from
from studio.core.project import Project
from studio.engine.continuation import AUTO
from studio.midi.files import read_midi
from studio.ui.app.actions import Actions
from studio.ui.continuation.panel import KEY_LIST_ROWS, ContinuePanel
from tests.ui.conftest import DEMO_SEED

CTRL = Qt.KeyboardModifier.ControlModifier


def _form(panel: ContinuePanel) -> QFormLayout:
    return next(f for f in panel.findChildren(QFormLayout) if f.rowCount() == 8)


def _parse(*argv: str):
    parser = argparse.ArgumentParser()
    add_settings_arguments(parser)
    return settings_from(parser.parse_args(list(argv)))


def test_the_controls_have_musicians_names_and_tips(qtbot) -> None:
    actions = Actions()
    panel = ContinuePanel(actions)
    qtbot.addWidget(panel)
    form = _form(panel)
    labels = [form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget() for row in range(form.rowCount())]
    names = [label.text() for label in labels if isinstance(label, QLabel)]
    assert names == ["Style", "Length", "Variations", "Adventure", "Focus", "Echo the phrase", "Key lock",
                     "Take"]
    for row, label in enumerate(labels):
        field = form.itemAt(row, QFormLayout.ItemRole.FieldRole).widget()
        assert len(label.toolTip()) > 30 and field.toolTip() == label.toolTip(), label.text()
    assert "temperature" in labels[3].toolTip() and "top-p" in labels[4].toolTip()
    panel.focus.set_value(0.25)  # Focus is the other way round from top-p: more focus, fewer notes
    assert panel.settings().top_p == 0.75
    panel.set_values({"top_p": 0.9})
    assert panel.focus.value() == 0.1 and panel.values()["top_p"] == 0.9


def test_the_key_lock_defaults_to_the_project_key_and_groups_the_keys(qtbot, window) -> None:
    box = window.panel.key_box
    assert box.currentData() == AUTO and window.panel.settings().key == AUTO
    headings = [box.itemText(i) for i in range(box.count()) if box.itemData(i) is None and box.itemText(i)]
    assert headings == ["Major", "Minor", "Modes"]
    model = box.model()
    for i in range(box.count()):
        if box.itemData(i) is None:  # headings and separators cannot be chosen
            assert not model.item(i).flags() & Qt.ItemFlag.ItemIsSelectable
    assert box.findData("D-dorian") > box.findData("A-minor") > box.findData("C-major") > box.findData(AUTO)
    box.showPopup()
    popup = box.view().window()
    qtbot.waitUntil(popup.isVisible)
    assert popup.height() <= (KEY_LIST_ROWS + 2) * box.view().sizeHintForRow(box.findData("C-major"))
    assert popup.height() < window.screen().availableGeometry().height()
    box.hidePopup()
    # the tool bar's key and the lock agree: the lock names it, and the continuation keeps to it
    window.restore(Project(clip=read_midi(DEMO_SEED), continuation={"bars": 2, "variations": 2, "seed": 4}))
    key = window.document.context.key
    assert key and box.currentText() == f"Project key ({key.replace('-', ' ')})"
    window.transport_bar.key.setCurrentIndex(window.transport_bar.key.findData("E-minor"))
    assert box.currentText() == "Project key (E minor)"
    window.activateWindow()
    window.roll.setFocus()
    with qtbot.waitSignal(window.engine.finished, timeout=60000) as done:
        qtbot.keyClick(window.roll.canvas, Qt.Key.Key_Return, CTRL)
    assert str(done.args[0].key) == "E-minor"
    notes = [n for v in window.flow.variations for n in v]
    assert notes and all(n.pitch % 12 in (4, 6, 7, 9, 11, 0, 2) for n in notes)


def test_the_command_line_takes_the_panel_words_and_the_window_defaults(qtbot) -> None:
    actions = Actions()
    panel = ContinuePanel(actions)
    qtbot.addWidget(panel)
    window, cli = panel.settings(), _parse()
    for name in ("bars", "temperature", "top_p", "repeat", "style", "key"):
        assert getattr(cli, name) == getattr(window, name), name
    assert cli.key == AUTO
    words = _parse("--adventure", "1.5", "--focus", "0.2", "--echo", "0.5", "--take", "9")
    flags = _parse("--temperature", "1.5", "--top-p", "0.8", "--repeat", "0.5", "--seed", "9")
    assert words == flags and words.top_p == 0.8 and words.seed == 9
    assert _parse("--key", "none").key is None
