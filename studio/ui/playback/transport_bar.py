"""The tool bar across the top: file and undo buttons, the transport (play, loop, record,
metronome, jam, panic), the position readout, the sync choice, and the clip's context (tempo,
metre, key) and the roll's snap. Tempo, metre and key are edits of the document (undoable; a
dragged tempo is one step, and so are the taps of Tap, which sets the tempo from the median
interval of the latest taps); the key also shades the roll's scale rows. While a DAW's clock or
Ableton Link sets the tempo, the tempo box shows theirs and cannot be edited. In a window too
narrow for the whole bar the boxes' labels give way first (each box says what it is in its tool
tip; Snap keeps its label, "1/16" alone says too little), then the file buttons, then undo and
redo, then Panic (all in their menus, with their shortcuts), then whatever still does not fit
goes behind the bar's » button.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLabel, QMenu, QToolBar, QToolButton, QWidget

from studio.core.notes import TICKS_PER_QUARTER, TimeSignature
from studio.core.quantize import GRIDS
from studio.core.scales import NOTE_NAMES
from studio.core.tap_tempo import TapTempo
from studio.ui.app.actions import Actions
from studio.ui.document import edits
from studio.ui.document.document import ClipDocument
from studio.ui.roll import PianoRoll
from studio.ui.style.icons import icon
from studio.ui.style.theme import COLORS

METRES = ("2/4", "3/4", "4/4", "5/4", "6/8", "7/8", "9/8", "12/8")
KEY_NAMES = tuple(f"{tonic}-{scale}" for scale in ("major", "minor") for tonic in NOTE_NAMES)
SNAPS = ("1/1", "1/2", "1/4", "1/8", "1/16", "1/32", "1/4T", "1/8T", "1/16T")
DEFAULT_SNAP = "1/16"
TEMPO_TIP = "Tempo of the clip (playback and export)"
# the sync button's menu arrow gets a place of its own, right of the text
SYNC_STYLE = ("QToolButton { padding-right: 16px; } "
              "QToolButton::menu-indicator { subcontrol-origin: padding; subcontrol-position: right center; "
              "right: 4px; }")


def position_text(tick: int | None, time_signature: TimeSignature) -> str:
    """Bars.beats.sixteenths from 1, as DAWs show it: tick 0 is 1.1.1."""
    tick = max(0, tick or 0)
    bar, rest = divmod(tick, time_signature.bar_ticks)
    beat, rest = divmod(rest, time_signature.beat_ticks)
    return f"{bar + 1}.{beat + 1}.{rest // (TICKS_PER_QUARTER // 4) + 1}"


def _labelled(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("dim", True)
    return label


class TransportBar(QToolBar):
    """Buttons come from the action collection; the combos edit the document and the roll."""

    def __init__(self, actions: Actions, document: ClipDocument, roll: PianoRoll,
                 parent: QWidget | None = None) -> None:
        super().__init__("Transport", parent)
        self.setObjectName("transport_bar")
        self.setMovable(False)
        self.setIconSize(QSize(20, 20))
        self.document, self.roll = document, roll
        # what gives way in a narrow window, first first (the labels come below)
        self._give_way: list[list[QAction]] = [[], [], [], []]
        for group, names in ((1, ("new", "open", "save")), (2, ("undo", "redo"))):
            self._give_way[group] = [self._button(actions[name]) for name in names] + [self.addSeparator()]
        for name in ("play", "loop", "record", "metronome", "jam"):
            self.addAction(actions[name])
        self.position = QLabel(position_text(0, document.time_signature))
        self.position.setObjectName("position")
        self.position.setMinimumWidth(74)
        self.position.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.position.setToolTip("Playhead position: bar.beat.sixteenth")
        self.position.setStyleSheet(
            f"QLabel {{ background: {COLORS.base}; color: {COLORS.accent}; border: 1px solid {COLORS.border};"
            f" border-radius: 4px; padding: 2px 8px; font-family: monospace; font-size: 13px;"
            f" font-weight: bold; }}")
        self.addWidget(self.position)
        self.sync_button = QToolButton()
        self.sync_button.setObjectName("sync")
        self.sync_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.sync_button.setStyleSheet(SYNC_STYLE)
        self.sync_button.setToolTip("Where the beat comes from: Continuo's own tempo, a DAW's MIDI clock, "
                                    "or Ableton Link")
        self.addWidget(self.sync_button)
        self.addSeparator()

        self.tempo = QDoubleSpinBox()
        self.tempo.setRange(10.0, 999.0)
        self.tempo.setDecimals(1)
        self.tempo.setSuffix(" BPM")
        self.tempo.setKeyboardTracking(False)
        self.tempo.setToolTip(TEMPO_TIP)
        self.tempo.setMaximumWidth(self.tempo.fontMetrics().horizontalAdvance("999.0 BPM") + 40)
        self._followed: float | None = None
        self.metre = QComboBox()
        self.metre.addItems(METRES)
        self.metre.setToolTip("Time signature")
        self.key = QComboBox()
        self.key.addItem("No key", None)
        for name in KEY_NAMES:
            self.key.addItem(name.replace("-", " "), name)
        self.key.setToolTip("Key of the clip: shades its scale in the roll")
        self.snap = QComboBox()
        self.snap.addItem("Snap off", None)
        for name in SNAPS:
            self.snap.addItem(name, GRIDS[name])
        self.snap.setToolTip("Grid that drawing, moving and quantizing snap to")
        self._labels: list[QAction] = []  # they give way in a narrow window (Snap's stays)
        for label, widget in (("Tempo", self.tempo), ("Metre", self.metre), ("Key", self.key),
                              ("Snap", self.snap)):
            shown = self.addWidget(_labelled(label))
            if label != "Snap":
                self._labels.append(shown)
            self.addWidget(widget)
            if widget is self.tempo:
                actions.tap_tempo.setIconText("Tap")
                self._button(actions.tap_tempo).setObjectName("tap")
        self._give_way[0] = self._labels
        separator = self.addSeparator()
        self._give_way[3] = [self._button(actions.panic), separator]

        self._taps = TapTempo()
        actions.bind({"tap_tempo": self.tap})
        self._tap_action = actions.tap_tempo
        self._sync()
        self.snap.setCurrentIndex(self.snap.findData(GRIDS[DEFAULT_SNAP]))
        roll.set_snap(GRIDS[DEFAULT_SNAP])
        document.context_changed.connect(self._sync)
        self.tempo.valueChanged.connect(self._tempo_edited)
        self.metre.currentTextChanged.connect(self._metre_edited)
        self.key.currentIndexChanged.connect(self._key_edited)
        self.snap.currentIndexChanged.connect(lambda _: roll.set_snap(self.snap.currentData()))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()
        more = self.findChild(QToolButton, "qt_toolbar_ext_button")  # Qt's own, drawn too faint here
        if more is not None and more.toolTip() == "":
            more.setIcon(icon("next"))
            more.setToolTip("More of the tool bar")

    def _button(self, action: QAction) -> QAction:
        """A button of the bar's own for a shared action: it can give way in a narrow window
        while the action stays in its menu."""
        button = QToolButton(self)
        button.setDefaultAction(action)
        button.setAutoRaise(True)
        button.setIconSize(self.iconSize())
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return self.addWidget(button)

    def _fit(self) -> None:
        """Show what fits: the groups of _give_way give way in turn until the rest fits."""
        spacing = self.layout().spacing()

        def width(group: list[QAction]) -> int:
            return sum(self.widgetForAction(a).sizeHint().width() + spacing for a in group)
        need = self.sizeHint().width() + sum(width(g) for g in self._give_way if not g[0].isVisible())
        for group in self._give_way:
            shown = need <= self.width()
            if not shown:
                need -= width(group)
            if group[0].isVisible() != shown:
                for action in group:
                    action.setVisible(shown)

    def set_sync_menu(self, menu: QMenu, label: str) -> None:
        self.sync_button.setMenu(menu)
        self.show_sync(label)

    def show_sync(self, label: str) -> None:
        self.sync_button.setText(label)

    def tap(self, seconds: float | None = None) -> None:
        """A tap of the beat (at `seconds`, perf_counter's; now by default): from the second tap
        on, the tempo follows the latest taps (consecutive tempo edits merge into one undo step)."""
        bpm = self._taps.tap(time.perf_counter() if seconds is None else seconds)
        if bpm is not None and self.tempo.isEnabled():
            self.tempo.setValue(round(min(self.tempo.maximum(), max(self.tempo.minimum(), bpm)), 1))

    def show_followed_tempo(self, bpm: float | None) -> None:
        """A DAW's clock or Link sets the tempo (shown, not editable); None: the clip's own again."""
        self._followed = bpm
        self.tempo.setEnabled(bpm is None)
        self._tap_action.setEnabled(bpm is None)
        if bpm is None:
            self.tempo.setToolTip(TEMPO_TIP)
            self._sync()
            return
        self.tempo.setToolTip("The tempo of the clock Continuo follows (Sync)")
        self.tempo.blockSignals(True)
        self.tempo.setValue(bpm)
        self.tempo.blockSignals(False)

    def show_position(self, tick: int) -> None:
        """The playhead moved (tick < 0: stopped)."""
        self.position.setText(position_text(tick if tick >= 0 else 0, self.document.time_signature))

    def set_snap(self, ticks: int | None) -> None:
        index = self.snap.findData(ticks)
        self.snap.setCurrentIndex(index if index >= 0 else 0)

    def _sync(self) -> None:
        """Show the document's context without editing it back."""
        doc = self.document
        for widget in (self.tempo, self.metre, self.key):
            widget.blockSignals(True)
        self.tempo.setValue(doc.tempo if self._followed is None else self._followed)
        metre = str(doc.time_signature)
        if self.metre.findText(metre) < 0:
            self.metre.addItem(metre)
        self.metre.setCurrentText(metre)
        key = doc.context.key
        if key and self.key.findData(key) < 0:
            self.key.addItem(key.replace("-", " "), key)
        self.key.setCurrentIndex(max(0, self.key.findData(key)) if key else 0)
        for widget in (self.tempo, self.metre, self.key):
            widget.blockSignals(False)
        self.roll.set_scale(doc.key)

    def _tempo_edited(self, bpm: float) -> None:
        self.document.push(edits.set_tempo(self.document, bpm))

    def _metre_edited(self, text: str) -> None:
        numerator, denominator = (int(part) for part in text.split("/"))
        self.document.push(edits.set_time_signature(self.document, TimeSignature(numerator, denominator)))

    def _key_edited(self, _: int) -> None:
        self.document.push(edits.set_key(self.document, self.key.currentData()))
