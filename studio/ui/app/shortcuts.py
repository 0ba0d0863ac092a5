"""The keyboard-shortcuts sheet (Help → Keyboard Shortcuts, `?` or F1): every action that has a
shortcut, under its menu's title, with all its keys as the system writes them (the media
keys a standard shortcut brings along aside). It is read from
the actions themselves each time it is shown, so it never disagrees with them; the computer
keys that play notes are named below the table.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.ui.app.actions import MENUS, Actions

NATIVE = QKeySequence.SequenceFormat.NativeText
PLAYING = ("Playing notes (when no text field has the keyboard): A W S E D F T G Y H U J K O L P ; ' "
           "from C (QWERTZ and AZERTY: the same keys where they sit), Z / X an octave down / up, "
           "C / V velocity down / up.")


def typed(sequence: QKeySequence) -> bool:
    """A shortcut typed on a keyboard, not a media or application key some keyboards have (the
    "New" or "Open" key a standard shortcut brings along)."""
    return sequence.count() > 0 and sequence[0].key().value < Qt.Key.Key_Back.value


def shortcut_rows(actions: Actions) -> list[tuple[str, str, str]]:
    """(menu, command, keys) for every action with a shortcut, in menu order (those in no
    menu last, under "Other"); keys are all of the action's, comma-separated."""
    rows: list[tuple[str, str, str]] = []
    listed: set[str] = set()
    names = [(title, name) for title, entries in MENUS.items() for name in entries if name[0] not in "-@"]
    names += [("Other", a.objectName()) for a in actions.all()]
    for title, name in names:
        action = actions[name]
        keys = ", ".join(k.toString(NATIVE) for k in action.shortcuts() if typed(k))
        if name in listed or not keys:
            continue
        listed.add(name)
        rows.append((title.replace("&", ""), action.text().replace("&", "").rstrip("…"), keys))
    return rows


class ShortcutsSheet(QDialog):
    """A window beside the main one (not modal), listing shortcut_rows by menu."""

    def __init__(self, actions: Actions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actions = actions
        self.setWindowTitle("Keyboard Shortcuts — Continuo")
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Command", "Keys"])
        self.tree.setRootIsDecorated(False)
        self.tree.setColumnWidth(0, 260)
        playing = QLabel(PLAYING)
        playing.setWordWrap(True)
        playing.setProperty("dim", True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addWidget(playing)
        layout.addWidget(buttons)
        self.resize(520, 640)
        self.refresh()

    def refresh(self) -> None:
        """Read the shortcuts from the actions again."""
        self.tree.clear()
        menus: dict[str, QTreeWidgetItem] = {}
        for menu, command, keys in shortcut_rows(self.actions):
            if menu not in menus:
                menus[menu] = QTreeWidgetItem(self.tree, [menu])
                font = menus[menu].font(0)
                font.setBold(True)
                menus[menu].setFont(0, font)
                menus[menu].setFirstColumnSpanned(True)
            QTreeWidgetItem(menus[menu], [command, keys])
        self.tree.expandAll()

    def texts(self) -> list[tuple[str, str]]:
        """(command, keys) as shown, for the tests."""
        return [(menu.child(i).text(0), menu.child(i).text(1))
                for menu in (self.tree.topLevelItem(j) for j in range(self.tree.topLevelItemCount()))
                for i in range(menu.childCount())]
