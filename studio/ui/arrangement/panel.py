"""The Arrange panel, in a dock tabbed with Continue: the band's style (Pop, Folk), which parts
play (Chords, Bass, Drums: patterns), chords to follow typed as "C G Am F" (optional: given,
they are the chord lane, locked), the Take (the random seed), the Arrange / Again / Accept /
Drop buttons (the window's actions), per part: mute, solo, lock (kept when arranging again)
and "again" for that part alone, and the Instruments box (studio.ui.arrangement.instruments:
each part's channel and program, its show switch and drag handle). `values()` /
`set_values()` are the flat dict a project keeps; the style, the parts that play and the
instruments are also remembered between runs (load_settings / save_settings).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.arrangement import GENERATED_PARTS
from studio.ui.app.actions import Actions
from studio.ui.app.settings import AppSettings
from studio.ui.arrangement.instruments import InstrumentRows
from studio.ui.continuation.panel import MAX_SEED, ContinuePanel, EditEnds
from studio.ui.style.theme import GHOST_HUES

STYLES = (("pop", "Pop"), ("folk", "Folk"))
REMEMBERED = ("style", "plays", "channel", "program")  # values() kept between runs
PART_LABELS = {"chords": "Chords", "bass": "Bass", "drums": "Drums (patterns)"}
SWITCHES = (("muted", "M", "Mute this part"), ("solo", "S", "Hear this part alone"),
            ("locked", "Lock", "Keep this part as it is when you arrange again"))
TIPS = {
    "style": "The band's style: Pop (learned from POP909's songs) or Folk",
    "chords": 'Chords to follow, a chord a bar, repeated: "C G Am F" ("|" between bars for two in a '
              "bar). Empty: the band proposes the chords, and you can change them in the chord lane",
    "take": "Take number: the same take with the same melody plays the same parts; Again picks a new one",
}


class ArrangePanel(QWidget):
    """The Arrange dock's contents. `regenerate(part)`: play that part again alone;
    `switched(part, what, on)`: a part's mute, solo or lock; `changed`: any control."""

    regenerate = Signal(str)
    switched = Signal(str, str, bool)
    changed = Signal()
    edit_done = Signal()

    def __init__(self, actions: Actions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("arrange_panel")
        self.style_box = QComboBox()
        for value, text in STYLES:
            self.style_box.addItem(text, value)
        self.chords = QLineEdit()
        self.chords.setPlaceholderText("C G Am F (optional)")
        self.chords.setClearButtonEnabled(True)
        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.seed.setValue(1)
        band = QGroupBox("Band")
        form = QFormLayout(band)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setVerticalSpacing(4)
        for text, widget, tip in (("Style", self.style_box, "style"), ("Chords", self.chords, "chords"),
                                  ("Take", self.seed, "take")):
            label = QLabel(text)
            label.setBuddy(widget)
            for shown in (label, widget):
                shown.setToolTip(TIPS[tip])
            form.addRow(label, widget)

        parts = QGroupBox("Parts")
        grid = QGridLayout(parts)
        grid.setVerticalSpacing(2)
        self.plays: dict[str, QCheckBox] = {}
        self.switches: dict[tuple[str, str], QToolButton] = {}
        self.again_buttons: dict[str, QToolButton] = {}
        for row, name in enumerate(GENERATED_PARTS):
            hue = GHOST_HUES[row % len(GHOST_HUES)]  # the colour its ghost notes are drawn in
            box = QCheckBox(PART_LABELS[name])
            box.setChecked(True)
            box.setToolTip(f"Play {PART_LABELS[name].lower()} under the melody")
            box.setStyleSheet(f"QCheckBox {{ border-left: 4px solid {hue}; padding-left: 4px; }}")
            box.toggled.connect(self.changed)
            self.plays[name] = box
            grid.addWidget(box, row, 0)
            for column, (what, text, tip) in enumerate(SWITCHES, 1):
                button = QToolButton()
                button.setText(text)
                button.setCheckable(True)
                button.setToolTip(tip)
                button.setObjectName(f"{name}_{what}")
                button.toggled.connect(lambda on, n=name, w=what: self.switched.emit(n, w, on))
                button.toggled.connect(self.changed)
                self.switches[name, what] = button
                grid.addWidget(button, row, column)
            again = QToolButton()
            again.setText("Again")
            again.setToolTip(f"A new take of {PART_LABELS[name].lower()} alone, the others kept")
            again.clicked.connect(lambda _=False, n=name: self.regenerate.emit(n))
            self.again_buttons[name] = again
            grid.addWidget(again, row, len(SWITCHES) + 1)
        grid.setColumnStretch(0, 1)

        self.instruments = InstrumentRows(actions)
        self.instruments.program_changed.connect(self.changed)
        self.instruments.channel_changed.connect(self.changed)

        self.arrange_button = QPushButton()
        self.arrange_button.setProperty("accent", True)
        self.arrange_button.setMinimumHeight(30)
        ContinuePanel._bind(self.arrange_button, actions.arrange)
        self.status = QLabel()
        self.status.setProperty("dim", True)
        self.status.setWordWrap(True)
        self.status.hide()
        buttons = QGridLayout()
        shown = (actions.arrange_again, actions.accept_arrangement, actions.drop_arrangement)
        for i, action in enumerate(shown):
            buttons.addWidget(ContinuePanel._tool(action), i // 2, i % 2)
        keys = QLabel("<b>Ctrl+B</b> arrange &nbsp; <b>Ctrl+Shift+B</b> again<br>"
                      "<b>Shift+Space</b> hear it &nbsp; <b>Enter</b> accept &nbsp; <b>Esc</b> drop<br>"
                      "Double-click a chord over the roll to change it")
        keys.setProperty("dim", True)
        keys.setAlignment(Qt.AlignmentFlag.AlignCenter)
        keys.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(6)
        layout.addWidget(band)
        layout.addWidget(parts)
        layout.addWidget(self.arrange_button)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        layout.addWidget(keys)
        layout.addWidget(self.instruments)
        layout.addStretch(1)
        self.edit_ends = EditEnds(self)
        self.edit_ends.watch(self.style_box, self.seed, *self.instruments.channels.values(),
                             *self.instruments.programs.values())
        self.edit_ends.done.connect(self.edit_done)
        self.chords.returnPressed.connect(self.edit_done)
        for signal in (self.style_box.currentIndexChanged, self.seed.valueChanged, self.chords.textChanged):
            signal.connect(self.changed)

    # -- the controls -------------------------------------------------------------------------
    def parts(self) -> tuple[str, ...]:
        return tuple(name for name in GENERATED_PARTS if self.plays[name].isChecked())

    def style(self) -> str:
        return self.style_box.currentData()

    def switch(self, name: str, what: str) -> bool:
        return self.switches[name, what].isChecked()

    def set_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def set_regenerate_enabled(self, on: bool) -> None:
        for button in self.again_buttons.values():
            button.setEnabled(on)

    def values(self) -> dict:
        """The controls as a flat dict of plain values (the project keeps it)."""
        out: dict = {"style": self.style(), "chords": self.chords.text(), "seed": self.seed.value()}
        for name in GENERATED_PARTS:
            out[f"{name}.plays"] = self.plays[name].isChecked()
            for what, _, _ in SWITCHES:
                out[f"{name}.{what}"] = self.switch(name, what)
        return out | self.instruments.values()

    def set_values(self, values: dict) -> None:
        """Restore the controls from values(); unknown or mistyped entries are left alone."""
        index = self.style_box.findData(values.get("style"))
        if index >= 0:
            self.style_box.setCurrentIndex(index)
        if isinstance(values.get("chords"), str):
            self.chords.setText(values["chords"])
        if type(values.get("seed")) is int:
            self.seed.setValue(values["seed"])
        for name in GENERATED_PARTS:
            if isinstance(values.get(f"{name}.plays"), bool):
                self.plays[name].setChecked(values[f"{name}.plays"])
            for what, _, _ in SWITCHES:
                if isinstance(values.get(f"{name}.{what}"), bool):
                    self.switches[name, what].setChecked(values[f"{name}.{what}"])
        self.instruments.set_values(values)

    def load_settings(self, settings: AppSettings) -> None:
        """The style, the parts that play and the instruments as they were at the last exit
        (the take, the typed chords and the switches belong to a song: its project keeps them)."""
        self.set_values({k: v for k, v in settings.arrangement.items() if k.split(".")[-1] in REMEMBERED})

    def save_settings(self, settings: AppSettings) -> None:
        settings.arrangement = {k: v for k, v in self.values().items() if k.split(".")[-1] in REMEMBERED}

    def new_seed(self, seed: int) -> None:
        self.seed.setValue(seed % (MAX_SEED + 1))
