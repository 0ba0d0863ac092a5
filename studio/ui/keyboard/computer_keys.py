"""Playing notes on the computer keyboard, in the layout musicians know from Ableton Live.

The home row plays the white keys (A S D F G H J K L ; ' from C), the row above the black ones
(W E T Y U O P); Z/X shift the octave down/up and C/V the velocity (1, 20, 40 … 100, 127).
QWERTZ and AZERTY keyboards get the same physical positions, chosen from the system's keyboard
locale unless a layout is set. `ComputerKeys` is an event filter
installed on the application: it emits note_on/note_off and never a MIDI byte. Keys typed
into a text field, a menu or a dialog, or held with Ctrl/Alt/Meta (shortcuts), are left alone; auto-repeat is
ignored; every note it started gets its note-off with the very pitch it was sent at, even after
an octave change, and all held notes are released when the window loses focus or a text field
takes it, so no note can hang.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QKeySequenceEdit,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

if TYPE_CHECKING:
    from studio.ui.app.settings import AppSettings

K = Qt.Key
VELOCITY_STEPS = (1, 20, 40, 60, 80, 100, 127)
OCTAVE_RANGE = (-1, 9)  # octave 4 starts at middle C (MIDI 60), as note names count here
DEFAULT_OCTAVE = 4
DEFAULT_VELOCITY = 100

# With Shift held some keys report their shifted symbol; both are the same physical key.
_SHIFTED: dict[int, int] = {
    K.Key_Colon: K.Key_Semicolon, K.Key_QuoteDbl: K.Key_Apostrophe, K.Key_Percent: K.Key_Ugrave,
}  # fmt: skip
_SHORTCUT_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier
)


@dataclass(frozen=True)
class KeyLayout:
    """Which keys play the semitones up from C, and which shift octave and velocity."""

    name: str
    notes: tuple[tuple[Qt.Key, str], ...]  # (key, label) for C, C#, D, …
    octave_down: Qt.Key
    octave_up: Qt.Key
    velocity_down: Qt.Key
    velocity_up: Qt.Key


def _layout(name: str, keys: str, octave: str, velocity: str) -> KeyLayout:
    names = {"'": K.Key_Apostrophe, ";": K.Key_Semicolon, "Ö": K.Key_Odiaeresis, "Ä": K.Key_Adiaeresis,
             "Ù": K.Key_Ugrave}  # fmt: skip
    code = {ch: names.get(ch) or K(ord(ch)) for ch in keys + octave + velocity}
    return KeyLayout(name, tuple((code[k], k) for k in keys),
                     code[octave[0]], code[octave[1]], code[velocity[0]], code[velocity[1]])  # fmt: skip


LAYOUTS = {
    layout.name: layout
    for layout in (
        _layout("qwerty", "AWSEDFTGYHUJKOLP;'", "ZX", "CV"),
        _layout("qwertz", "AWSEDFTGZHUJKOLPÖÄ", "YX", "CV"),
        _layout("azerty", "QZSEDFTGYHUJKOLPMÙ", "WX", "CV"),
    )
}
AUTO = "auto"  # the layout of the keyboard the system says is in use
_QWERTZ_LANGUAGES = frozenset(("de", "cs", "sk", "hu", "sl", "hr", "bs", "sq", "lb"))


def detect_layout(locale_name: str | None = None) -> str:
    """The layout name for a keyboard locale such as "de_DE" or "fr_BE" (default: the system's
    input locale); QWERTY unless the locale is known to type QWERTZ or AZERTY."""
    if locale_name is None:
        locale_name = QGuiApplication.inputMethod().locale().name()
    language, _, country = locale_name.partition("_")
    if country == "CH" or language in _QWERTZ_LANGUAGES:
        return "qwertz"
    if (language == "fr" and country in ("", "FR", "BE", "LU", "MC")) or (language, country) == ("nl", "BE"):
        return "azerty"
    return "qwerty"


def _takes_text(widget: QWidget | None) -> bool:
    """Whether typing belongs to this widget (a text field, a spin box, an editable combo)."""
    if isinstance(widget, QComboBox):
        return widget.isEditable()
    return isinstance(widget, QLineEdit | QTextEdit | QPlainTextEdit | QAbstractSpinBox | QKeySequenceEdit)


class ComputerKeys(QObject):
    """The computer keyboard as a musical keyboard; install with app.installEventFilter(keys)."""

    note_on = Signal(int, int)  # pitch, velocity
    note_off = Signal(int)
    octave_changed = Signal(int)
    velocity_changed = Signal(int)
    labels_changed = Signal()  # the keys now play other pitches (octave or layout changed)
    playing_changed = Signal(bool)  # whether the keys play notes now (not while a field takes text)

    def __init__(self, parent: QObject | None = None, *, layout: str = AUTO, octave: int = DEFAULT_OCTAVE,
                 velocity: int = DEFAULT_VELOCITY) -> None:  # fmt: skip
        super().__init__(parent)
        self._layout = LAYOUTS["qwerty"]
        self._layout_choice = AUTO
        self._actions: dict[int, tuple[str, int]] = {}
        self._octave = DEFAULT_OCTAVE
        self._velocity = DEFAULT_VELOCITY
        self._enabled = True
        self._held: dict[int, int] = {}  # key -> the pitch its note-on was sent at
        self._sounding: Counter[int] = Counter()  # pitch -> how many held keys play it
        self._playing = True
        self.set_layout(layout)
        self.set_octave(octave)
        self.set_velocity(velocity)

    # Properties

    @property
    def layout(self) -> str:
        """The layout chosen: "auto" or a name of LAYOUTS (what settings keep)."""
        return self._layout_choice

    @property
    def active_layout(self) -> str:
        """The layout in use: the chosen one, or the detected one for "auto"."""
        return self._layout.name

    def set_layout(self, name: str) -> None:
        """Choose "auto" or a layout of LAYOUTS ("qwerty", "qwertz", "azerty"); unknown names
        mean "auto"."""
        self.release_all()
        self._layout_choice = name if name in LAYOUTS else AUTO
        self._layout = LAYOUTS[detect_layout() if self._layout_choice == AUTO else self._layout_choice]
        self._actions = {key: ("note", step) for step, (key, _) in enumerate(self._layout.notes)}
        self._actions.update({
            self._layout.octave_down: ("octave", -1), self._layout.octave_up: ("octave", 1),
            self._layout.velocity_down: ("velocity", -1), self._layout.velocity_up: ("velocity", 1),
        })  # fmt: skip
        self.labels_changed.emit()

    @property
    def octave(self) -> int:
        """The octave the home row's first key plays C of (4: middle C, MIDI 60)."""
        return self._octave

    def set_octave(self, octave: int) -> None:
        octave = min(OCTAVE_RANGE[1], max(OCTAVE_RANGE[0], int(octave)))
        if octave != self._octave:
            self._octave = octave  # held notes keep sounding; their note-offs keep their pitch
            self.octave_changed.emit(octave)
            self.labels_changed.emit()

    @property
    def velocity(self) -> int:
        return self._velocity

    def set_velocity(self, velocity: int) -> None:
        velocity = min(127, max(1, int(velocity)))
        if velocity != self._velocity:
            self._velocity = velocity
            self.velocity_changed.emit(velocity)

    def load_settings(self, settings: AppSettings) -> None:
        """The layout, octave and velocity of the last run."""
        self.set_layout(settings.key_layout)
        self.set_octave(settings.octave)
        self.set_velocity(settings.velocity)

    def save_settings(self, settings: AppSettings) -> None:
        settings.key_layout, settings.octave, settings.velocity = self.layout, self.octave, self.velocity

    def step_velocity(self, direction: int) -> None:
        """To the next of VELOCITY_STEPS above (direction 1) or below (-1) the current velocity."""
        if direction > 0:
            self.set_velocity(next((v for v in VELOCITY_STEPS if v > self._velocity), 127))
        else:
            self.set_velocity(next((v for v in reversed(VELOCITY_STEPS) if v < self._velocity), 1))

    @property
    def enabled(self) -> bool:
        return self._enabled

    def set_enabled(self, enabled: bool) -> None:
        """Stop (or resume) taking keys; disabling releases every held note."""
        if not enabled:
            self.release_all()
        self._enabled = enabled
        self._check_playing()

    def plays_notes(self) -> bool:
        """Whether the keys play notes now: enabled, and no text field has the focus."""
        return self._enabled and not _takes_text(QApplication.focusWidget())

    def _check_playing(self) -> None:
        playing = self.plays_notes()
        if playing != self._playing:
            self._playing = playing
            self.playing_changed.emit(playing)

    @property
    def base_pitch(self) -> int:
        """The pitch of the first note key at the current octave."""
        return 12 * (self._octave + 1)

    def labels(self) -> dict[int, str]:
        """Pitch -> the key label that plays it now, for drawing on an on-screen keyboard."""
        return {
            self.base_pitch + step: label
            for step, (_, label) in enumerate(self._layout.notes)
            if self.base_pitch + step <= 127
        }

    def held_pitches(self) -> list[int]:
        return sorted(self._sounding)

    # Playing

    def release_all(self) -> None:
        """Send the note-off of every note the keys hold (focus lost, disabled, layout change)."""
        self._held.clear()
        for pitch in sorted(self._sounding):
            self.note_off.emit(pitch)
        self._sounding.clear()

    def _press(self, key: int, step: int) -> None:
        pitch = self.base_pitch + step
        if key in self._held or pitch > 127:
            return
        self._held[key] = pitch
        self._sounding[pitch] += 1
        if self._sounding[pitch] == 1:  # a second key on a sounding pitch (after Z/X) adds nothing
            self.note_on.emit(pitch, self._velocity)

    def _release(self, key: int) -> None:
        pitch = self._held.pop(key)
        self._sounding[pitch] -= 1
        if not self._sounding[pitch]:
            del self._sounding[pitch]
            self.note_off.emit(pitch)

    # Qt

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride):
            assert isinstance(event, QKeyEvent)
            return self._key_event(event)
        if self._sounding and self._loses_keys(watched, kind):
            self.release_all()
        if kind in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
            self._check_playing()
        return False

    @staticmethod
    def _loses_keys(watched: QObject, kind: QEvent.Type) -> bool:
        """Whether this event means held keys may never send their release to us."""
        if kind in (QEvent.Type.WindowDeactivate, QEvent.Type.ApplicationDeactivate):
            return True
        if kind == QEvent.Type.ApplicationStateChange:
            return QApplication.applicationState() != Qt.ApplicationState.ApplicationActive
        return kind == QEvent.Type.FocusIn and isinstance(watched, QWidget) and _takes_text(watched)

    def _key_event(self, event: QKeyEvent) -> bool:
        key = event.key()
        key = _SHIFTED.get(key, key)
        action = self._actions.get(key)
        if action is None:
            return False
        kind = event.type()
        if kind == QEvent.Type.KeyRelease:
            if key in self._held and not event.isAutoRepeat():
                self._release(key)
                return True
            return key in self._held  # an auto-repeated release of a held key: swallow it
        if not self._enabled or event.modifiers() & _SHORTCUT_MODIFIERS:
            return False
        if _takes_text(QApplication.focusWidget()) or QApplication.activePopupWidget() is not None:
            return False  # typing, or a menu's own letters
        if QApplication.activeModalWidget() is not None:
            return False  # a dialog's buttons and mnemonics
        if kind == QEvent.Type.ShortcutOverride:  # the key is ours: no shortcut may take it
            event.accept()
            return True
        if event.isAutoRepeat():
            return True
        what, amount = action
        if what == "note":
            self._press(key, amount)
        elif what == "octave":
            self.set_octave(self._octave + amount)
        else:
            self.step_velocity(amount)
        return True
