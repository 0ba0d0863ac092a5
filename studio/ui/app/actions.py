"""The one action collection: every command of the window as a QAction with its text, its
shortcuts, its icon and its tool tip, created here and nowhere else, and the menus laid out from
a table. Menus, tool bars, the Continue panel's buttons and the tests all trigger the same
actions, so a shortcut is defined once and shown everywhere (as in Frescobaldi). The checked
states of the transport's switches (metronome, count-in, quantized recording, MIDI thru) are
kept between runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar

if TYPE_CHECKING:
    from studio.ui.app.settings import AppSettings

_K = QKeySequence.StandardKey


@dataclass(frozen=True)
class Spec:
    """How one action looks: text, shortcuts (strings or standard keys), icon name, tip."""

    text: str
    keys: tuple[str | QKeySequence.StandardKey, ...] = ()
    icon: str | None = None
    tip: str = ""
    checkable: bool = False
    checked: bool = False  # a checkable action's state at start


SPECS: dict[str, Spec] = {
    # File
    "new": Spec("&New", (_K.New,), "new", "Start a new sketch"),
    "open": Spec("&Open…", (_K.Open,), "open", "Open a project or a .mid file"),
    "save": Spec("&Save", (_K.Save,), "save", "Save the project"),
    "save_as": Spec("Save &As…", ("Ctrl+Shift+S",), "save-as", "Save the project under a new name"),
    "import_midi": Spec("&Import MIDI…", ("Ctrl+I",), "import", "Add the notes of a .mid file to the sketch"),
    "export_midi": Spec("&Export MIDI…", ("Ctrl+E",), "export", "Write the whole clip as a .mid file"),
    "export_selection": Spec("Export Se&lection as MIDI…", ("Ctrl+Shift+E",), "export",
                             "Write the selected notes as a .mid file"),
    "export_arrangement": Spec("Export A&rrangement…", (), "export",
                               "Write the arrangement as a multi-track .mid: Melody, Chords, Bass, Drums "
                               "and the chord symbols"),
    "quit": Spec("&Quit", (_K.Quit, "Ctrl+Q"), None, "Quit Continuo"),
    # Edit
    "undo": Spec("&Undo", ("Ctrl+Z",), "undo", "Undo the last edit"),
    "redo": Spec("&Redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "redo", "Redo the edit just undone"),
    "cut": Spec("Cu&t", ("Ctrl+X",), "cut", "Cut the selected notes"),
    "copy": Spec("&Copy", ("Ctrl+C",), "copy", "Copy the selected notes"),
    "paste": Spec("&Paste", ("Ctrl+V",), "paste",
                  "Paste right after what was copied (where a cut began, or where the ruler was last "
                  "clicked); each paste follows the one before"),
    "duplicate": Spec("&Duplicate", ("Ctrl+D",), "duplicate", "Repeat the selection right after itself"),
    "delete": Spec("De&lete", ("Delete", "Backspace"), "delete", "Delete the selected notes"),
    "select_all": Spec("Select &All", ("Ctrl+A",), "select-all", "Select every note"),
    "quantize": Spec("&Quantize", ("Ctrl+U",), "quantize", "Snap the selected notes to the grid"),
    "transpose_up": Spec("Transpose Up a Semitone", ("Ctrl+Alt+Up",), "transpose-up", ""),
    "transpose_down": Spec("Transpose Down a Semitone", ("Ctrl+Alt+Down",), "transpose-down", ""),
    "octave_up": Spec("Transpose Up an Octave", ("Ctrl+Alt+Shift+Up",), None, ""),
    "octave_down": Spec("Transpose Down an Octave", ("Ctrl+Alt+Shift+Down",), None, ""),
    # Transport
    "play": Spec("&Play / Stop", ("Space",), "play", "Play from the playhead, or stop (Space)"),
    "play_start": Spec("Play from &Start", ("Ctrl+Space",), "to-start", "Play from the beginning"),
    "loop": Spec("&Loop", ("Ctrl+L",), "loop", "Loop the region set in the ruler", True),
    "record": Spec("&Record", ("F9",), "record", "Record what you play at the playhead, after a count-in",
                   True),
    "metronome": Spec("&Metronome", ("Ctrl+Shift+M",), "metronome", "Click on every beat (channel 10)",
                      True),
    "tap_tempo": Spec("&Tap Tempo", ("Ctrl+T",), None,
                      "Tap the beat a few times: the tempo follows the last taps (one undo step)"),
    "count_in": Spec("&Count-in Before Recording", (), "count-in", "One bar of clicks before recording",
                     True),
    "quantize_recording": Spec("&Quantize Recorded Notes", (), None,
                               "Snap what you record to the grid", True),
    "midi_thru": Spec("MIDI &Thru", (), None, "Play what the MIDI input receives through the output", True),
    "panic": Spec("&Panic (All Notes Off)", ("Ctrl+Shift+P",), "panic",
                  "Silence every note on every channel"),
    # Jam (call and response)
    "jam": Spec("&Jam", ("Ctrl+J",), "keyboard",
                "Jam: play a phrase, pause, and Continuo answers it in tempo; play again to cut in", True),
    "keep_jam": Spec("&Keep Jam Take", ("Ctrl+Shift+J",), "accept",
                     "Add what was played and answered in the last jam to the sketch (one undo step)"),
    # Continue
    "continue": Spec("&Continue", ("Ctrl+Return", "Ctrl+Enter"), "continue",
                     "Continue the selection, or the whole clip (Ctrl+Enter)"),
    "again": Spec("&Again", ("Ctrl+R",), "again", "New variations with a new random seed (Ctrl+R)"),
    "next_variation": Spec("&Next Variation", ("Tab",), "next", "Show the next variation (Tab)"),
    # Shift+Tab alone: Qt matches it to Backtab too, and both at once are ambiguous on X11
    "previous_variation": Spec("P&revious Variation", ("Shift+Tab",), "previous",
                               "Show the previous variation (Shift+Tab)"),
    "accept": Spec("Acc&ept Variation", ("Return", "Enter"), "accept", "Add the shown variation (Enter)"),
    "discard": Spec("&Discard / Cancel", ("Escape",), "discard",
                    "Drop the variations (or the last jam's notes shown in the roll), or stop "
                    "continuing (Esc)"),
    "audition": Spec("A&udition Variation", ("Shift+Space",), "audition", "Play the shown variation alone"),
    # Arrange (a band under the melody); Enter, Esc and Shift+Space act on a shown proposal too
    "arrange": Spec("&Arrange", ("Ctrl+B",), "continue",
                    "Arrange the melody (the selection, or all) for a band: chords, bass and drum "
                    "patterns"),
    "arrange_again": Spec("Arrange A&gain", ("Ctrl+Shift+B",), "again",
                          "A new take of the parts not locked"),
    "accept_arrangement": Spec("A&ccept Arrangement", (), "accept",
                               "Add the proposed parts to the sketch, each on its channel, as one undo "
                               "step (Enter)"),
    "drop_arrangement": Spec("&Drop Arrangement", (), "discard",
                             "Drop the proposed parts (Esc; Ctrl+Z brings them back)"),
    "show_chords": Spec("Show &Chords", (), "eye", "Show the chords' notes in the roll", True, True),
    "show_bass": Spec("Show &Bass", (), "eye", "Show the bass's notes in the roll", True, True),
    "show_drums": Spec("Show &Drums", (), "eye", "Show the drum patterns' notes in the roll", True, True),
    # View
    "zoom_in": Spec("Zoom &In", (_K.ZoomIn, "Ctrl+="), "zoom-in", ""),
    "zoom_out": Spec("Zoom &Out", (_K.ZoomOut,), "zoom-out", ""),
    "zoom_fit": Spec("Zoom to &Fit", ("Ctrl+0",), None, "Show the whole sketch and its variations"),
    "view_start": Spec("Go to the &Start", ("Home",), None, "Scroll the roll to the start of the sketch"),
    "view_end": Spec("Go to the &End", ("End",), None,
                     "Scroll the roll to where the notes and the variations end"),
    "undo_history": Spec("Undo &History", ("Ctrl+H",), "history",
                         "Show every edit; click one to go back to it", True),
    # Help
    "shortcuts": Spec("&Keyboard Shortcuts", ("?", "F1"), None, "Every keyboard shortcut of Continuo"),
    "show_log": Spec("Show &Log Folder", (), "info", "Where Continuo writes its log"),
    "about": Spec("&About Continuo", (), "continuo", ""),
}

MENUS: dict[str, tuple[str, ...]] = {
    "&File": ("new", "open", "@recent", "-", "save", "save_as", "-", "import_midi", "export_midi",
              "export_selection", "export_arrangement", "-", "quit"),
    "&Edit": ("undo", "redo", "-", "cut", "copy", "paste", "duplicate", "delete", "-", "select_all", "-",
              "quantize", "transpose_up", "transpose_down", "octave_up", "octave_down"),
    "&Transport": ("play", "play_start", "loop", "tap_tempo", "-", "record", "metronome", "count_in",
                   "quantize_recording",
                   "-", "jam", "keep_jam", "-", "@sync", "@output", "@input", "midi_thru", "-", "panic"),
    "&Continue": ("continue", "again", "-", "next_variation", "previous_variation", "audition", "-",
                  "accept", "discard"),
    "A&rrange": ("arrange", "arrange_again", "-", "accept_arrangement", "drop_arrangement"),
    "&View": ("zoom_in", "zoom_out", "zoom_fit", "view_start", "view_end", "-", "show_chords", "show_bass",
              "show_drums", "-", "undo_history", "@docks", "-", "@layouts"),
    "&Help": ("shortcuts", "-", "show_log", "about"),
}


def _sequence(key: str | QKeySequence.StandardKey) -> list[QKeySequence]:
    if isinstance(key, str):
        return [QKeySequence(key)]
    return QKeySequence.keyBindings(key) or []


class Actions(QObject):
    """Creates every QAction of SPECS, named as in SPECS: `actions.play`, `actions["play"]`."""

    def __init__(self, parent: QObject | None = None, icon_for: Callable[[str], QIcon] | None = None) -> None:
        super().__init__(parent)
        self._actions: dict[str, QAction] = {}
        for name, spec in SPECS.items():
            action = QAction(spec.text, self)
            action.setObjectName(name)
            keys: list[QKeySequence] = []
            for key in spec.keys:
                keys.extend(k for k in _sequence(key) if k not in keys)
            action.setShortcuts(keys)
            tip = spec.tip or spec.text.replace("&", "").rstrip("…")
            if keys:
                tip += f"  ({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})"
            action.setToolTip(tip)
            action.setStatusTip(spec.tip)
            action.setCheckable(spec.checkable)
            action.setChecked(spec.checked)
            if spec.icon and icon_for is not None:
                action.setIcon(icon_for(spec.icon))
                action.setIconVisibleInMenu(not spec.checked)  # a menu shows such a switch by its tick
            self._actions[name] = action

    def __getitem__(self, name: str) -> QAction:
        return self._actions[name]

    def __getattr__(self, name: str) -> QAction:
        actions = self.__dict__.get("_actions")
        if actions is not None and name in actions:
            return actions[name]
        raise AttributeError(name)

    def all(self) -> list[QAction]:
        return list(self._actions.values())

    def load_settings(self, settings: AppSettings) -> None:
        """The switches as they were at the last exit (their handlers hear it as a toggle)."""
        self.metronome.setChecked(settings.metronome)
        self.count_in.setChecked(settings.count_in)
        self.quantize_recording.setChecked(settings.quantize_recording)
        self.midi_thru.setChecked(settings.midi_thru)

    def save_settings(self, settings: AppSettings) -> None:
        settings.metronome, settings.count_in = self.metronome.isChecked(), self.count_in.isChecked()
        settings.quantize_recording = self.quantize_recording.isChecked()
        settings.midi_thru = self.midi_thru.isChecked()

    def bind(self, handlers: Mapping[str, Callable[..., object]]) -> None:
        """Bind actions to handlers by name (checkable ones get their checked state)."""
        for name, handler in handlers.items():
            action = self._actions[name]
            (action.toggled if action.isCheckable() else action.triggered).connect(
                handler if action.isCheckable() else (lambda _=False, h=handler: h()))


def build_menus(menubar: QMenuBar, actions: Actions, submenus: Mapping[str, QMenu | list[QAction]]) -> None:
    """Fill the menu bar from MENUS; "@name" entries are submenus (or action lists) given here."""
    for title, entries in MENUS.items():
        menu = menubar.addMenu(title)
        for entry in entries:
            if entry == "-":
                menu.addSeparator()
            elif entry.startswith("@"):
                extra = submenus.get(entry[1:])
                if isinstance(extra, QMenu):
                    menu.addMenu(extra)
                elif extra:
                    menu.addActions(extra)
            else:
                menu.addAction(actions[entry])
