"""The Continue panel: the engine's controls in musicians' words, each with a tip (style, length,
variations, Adventure = temperature, Focus = 1 - top-p, Echo the phrase = repeat, a key lock that
defaults to the project's key, Take = the random seed), the line saying what Continue continues,
the Continue button with its progress, and the variation strip (pick,
audition, accept, discard, again), and jam mode's controls (the Jam button and the pause before
an answer). Its buttons are the window's actions, so their shortcuts are the ones in the menus;
`settings()` turns the controls into studio.engine Settings and
`values()` / `set_values()` turn them into the plain dict a project and the app settings keep;
`load_settings()` / `save_settings()` keep them, with the jam's pause, between runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.encoding import STYLES
from studio.core.scales import NOTE_NAMES
from studio.engine.continuation import AUTO, Settings
from studio.ui.app.actions import Actions
from studio.ui.style.theme import COLORS, GHOST_HUES

if TYPE_CHECKING:
    from studio.ui.app.settings import AppSettings

STYLE_CHOICES = (AUTO, *(s for s in STYLES if s not in ("any", "other")))
KEY_OFF = "off"
KEY_GROUPS = (("Major", ("major",)), ("Minor", ("minor",)), ("Modes", ("dorian", "mixolydian")))
KEY_LIST_ROWS = 16  # the key lock's list scrolls rather than running off the screen
TIPS = {
    "style": "The style to continue in; Auto keeps to the one the model hears in your phrase",
    "bars": "How long each variation is; it starts on the beat after your phrase",
    "variations": "How many different continuations to offer at once (Tab steps through them)",
    "adventure": "How adventurous the notes are: 0 always takes the likeliest note (the same every "
                 "time), 1 plays as the model learned, 2 takes chances (the model's temperature)",
    "focus": "How closely it keeps to the notes that fit best: 0 weighs every note the model thinks "
             "possible, higher leaves the unlikely ones out (top-p = 1 - focus)",
    "echo": "How much it restates and answers the motifs of your phrase: 0 never copies them, "
            "1 as the model learned, 2 a lot",
    "key": "Keep every note in a key: the project's key (the tool bar's) unless you choose one "
           "here; Off lets any note through",
    "take": "Take number: the same take with the same controls plays the same notes; "
            "Again (Ctrl+R) picks a new one",
}
MAX_SEED = 2**31 - 1
MAX_VARIATIONS = 8


class ValueSlider(QWidget):
    """A horizontal slider over a decimal range with its value shown beside it."""

    def __init__(self, low: float, high: float, step: float, value: float, decimals: int = 2,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._low, self._step, self._decimals = low, step, decimals
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, round((high - low) / step))
        self.label = QLabel()
        self.label.setMinimumWidth(36)
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self.slider.valueChanged.connect(self._show)
        self.set_value(value)
        self._show()

    def value(self) -> float:
        return round(self._low + self.slider.value() * self._step, 6)

    def set_value(self, value: float) -> None:
        self.slider.setValue(round((value - self._low) / self._step))

    def _show(self) -> None:
        self.label.setText(f"{self.value():.{self._decimals}f}")


class EditEnds(QObject):
    """The panel's fields give the keyboard back to the roll once an edit is done, so Space,
    Ctrl+Z and the arrows go on working on the sketch: a spin box after a click on its arrows,
    Enter (the value typed) or Esc (the value it had), or Space, which then plays; a combo box
    or a slider never takes the focus from a click (Tab still reaches them). `done` asks for the
    focus to go back."""

    done = Signal()
    ENDS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._before: dict[QObject, float] = {}

    def watch(self, *widgets: QWidget) -> None:
        for widget in widgets:
            if isinstance(widget, QAbstractSpinBox):
                widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # no focus from the wheel
                widget.installEventFilter(self)
            else:
                widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)
                if isinstance(widget, QComboBox):
                    widget.activated.connect(self.done)
                    widget.installEventFilter(self)
                elif isinstance(widget, QSlider):
                    widget.sliderReleased.connect(self.done)
                    widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        spin = watched if isinstance(watched, QAbstractSpinBox) else None
        if kind == QEvent.Type.FocusIn and spin is not None:
            self._before[spin] = spin.value()  # type: ignore[attr-defined]
        elif kind == QEvent.Type.MouseButtonRelease and spin is not None:
            QTimer.singleShot(0, self.done)  # the arrows (the text itself is the line edit's)
        elif kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            assert isinstance(event, QKeyEvent)
            key, plain = event.key(), not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if key in self.ENDS and plain:
                if kind == QEvent.Type.ShortcutOverride:
                    event.accept()  # Enter and Esc end the edit here, not accept or drop variations
                    return True
                if spin is not None:
                    if key == Qt.Key.Key_Escape and spin in self._before:
                        spin.setValue(self._before[spin])  # type: ignore[attr-defined]
                    else:
                        spin.interpretText()
                self.done.emit()
                return True
            overriding = kind == QEvent.Type.ShortcutOverride
            if key == Qt.Key.Key_Space and plain and spin is not None and overriding:
                spin.interpretText()
                self.done.emit()
                event.ignore()  # not the field's: the window's Space (play) takes it
                return True
        return False


def _key_box() -> QComboBox:
    """Off, the project's key (the default), then the keys grouped under Major, Minor and
    Modes headings (not choosable), in a list that scrolls."""
    combo = QComboBox()
    combo.addItem("Off", KEY_OFF)
    combo.addItem("Project key", AUTO)
    model = combo.model()
    for title, scales in KEY_GROUPS:
        combo.insertSeparator(combo.count())
        combo.addItem(title)
        heading = model.item(combo.count() - 1)  # type: ignore[attr-defined]
        heading.setFlags(heading.flags() & ~(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled))
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        for scale in scales:
            for tonic in NOTE_NAMES:
                combo.addItem(f"    {tonic} {scale}", f"{tonic}-{scale}")
    combo.setCurrentIndex(1)
    combo.setMaxVisibleItems(KEY_LIST_ROWS)
    combo.setStyleSheet("QComboBox { combobox-popup: 0; }")  # a list of KEY_LIST_ROWS, not a tall menu
    return combo


def _combo(choices: tuple[str, ...], labels: dict[str, str] | None = None) -> QComboBox:
    combo = QComboBox()
    for choice in choices:
        combo.addItem((labels or {}).get(choice, choice.replace("-", " ").capitalize()), choice)
    return combo


class ContinuePanel(QWidget):
    """The right-hand dock's contents. `variation_chosen(index)` when a number is clicked."""

    variation_chosen = Signal(int)
    changed = Signal()
    edit_done = Signal()  # a control was set: the keyboard goes back to the roll

    def __init__(self, actions: Actions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("continue_panel")
        self.style_box = _combo(STYLE_CHOICES, {AUTO: "Auto (as the seed)"})
        self.key_box = _key_box()
        self.bars = QSpinBox()
        self.bars.setRange(1, 32)
        self.bars.setValue(4)
        self.bars.setSuffix(" bars")
        self.variations = QSpinBox()
        self.variations.setRange(1, MAX_VARIATIONS)
        self.variations.setValue(4)
        self.temperature = ValueSlider(0.0, 2.0, 0.05, 1.0)  # shown as Adventure
        self.focus = ValueSlider(0.0, 0.95, 0.05, 0.05)  # top-p = 1 - focus
        self.repeat = ValueSlider(0.0, 2.0, 0.1, 1.0, decimals=1)  # shown as Echo the phrase
        self.seed = QSpinBox()  # shown as Take (the random seed)
        self.seed.setRange(0, MAX_SEED)
        self.seed.setValue(1)

        controls = QGroupBox("Continuation")
        form = QFormLayout(controls)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setVerticalSpacing(4)  # compact: the Jam box fits a 1280x720 window
        # in musicians' words, each with a tip; the settings keep the engine's names
        rows = (("Style", self.style_box, "style"), ("Length", self.bars, "bars"),
                ("Variations", self.variations, "variations"), ("Adventure", self.temperature, "adventure"),
                ("Focus", self.focus, "focus"), ("Echo the phrase", self.repeat, "echo"),
                ("Key lock", self.key_box, "key"), ("Take", self.seed, "take"))
        for text, widget, tip in rows:
            label = QLabel(text)
            label.setBuddy(widget)
            for shown in (label, widget):
                shown.setToolTip(TIPS[tip])
            form.addRow(label, widget)

        self.seed_label = QLabel()  # what Continue continues: the whole clip or the selection
        self.seed_label.setObjectName("seed_label")
        self.seed_label.setWordWrap(True)
        self.continue_button = QPushButton()
        self.continue_button.setProperty("accent", True)
        self._bind(self.continue_button, actions["continue"])
        self.continue_button.setMinimumHeight(30)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(4)
        self.status = QLabel()  # what the continuation did (what it will continue: seed_label)
        self.status.setProperty("dim", True)
        self.status.setWordWrap(True)
        self.status.hide()  # while it has nothing to say

        strip = QGroupBox("Variations")
        strip_layout = QVBoxLayout(strip)
        self._numbers = QHBoxLayout()
        self._numbers.setSpacing(4)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._group.idClicked.connect(self.variation_chosen)
        strip_layout.addLayout(self._numbers)
        row = QHBoxLayout()
        for action in (actions.audition, actions.again):
            row.addWidget(self._tool(action))
        strip_layout.addLayout(row)
        row = QHBoxLayout()
        for action in (actions.accept, actions.discard):
            row.addWidget(self._tool(action))
        strip_layout.addLayout(row)
        self._empty = QLabel("None yet")
        self._empty.setProperty("dim", True)
        self._numbers.addWidget(self._empty)
        self._number_buttons()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(6)
        layout.addWidget(controls)
        layout.addWidget(self.seed_label)
        layout.addWidget(self.continue_button)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(strip)
        layout.addWidget(self._jam_box(actions))
        keys = QLabel("<b>Ctrl+Enter</b> continue &nbsp; <b>Tab</b> next &nbsp; <b>Shift+Tab</b> previous<br>"
                      "<b>Enter</b> accept &nbsp; <b>Esc</b> discard &nbsp; <b>Ctrl+R</b> again<br>"
                      "<b>Ctrl+J</b> jam &nbsp; <b>Ctrl+Shift+J</b> keep the jam")
        keys.setProperty("dim", True)
        keys.setAlignment(Qt.AlignmentFlag.AlignCenter)
        keys.setWordWrap(True)  # a narrow dock folds the lines rather than being pushed wider
        layout.addWidget(keys)
        layout.addStretch(1)
        self.edit_ends = EditEnds(self)
        self.edit_ends.watch(self.style_box, self.key_box, self.bars, self.variations, self.seed,
                             self.temperature.slider, self.focus.slider, self.repeat.slider, self.jam_pause)
        self.edit_ends.done.connect(self.edit_done)
        for signal in (self.style_box.currentIndexChanged, self.key_box.currentIndexChanged,
                       self.bars.valueChanged, self.variations.valueChanged, self.seed.valueChanged,
                       self.temperature.slider.valueChanged, self.focus.slider.valueChanged,
                       self.repeat.slider.valueChanged):
            signal.connect(self.changed)

    def _jam_box(self, actions: Actions) -> QGroupBox:
        """Jam: the button, the pause that makes an answer, and what it answers with."""
        box = QGroupBox("Jam")
        self.jam_pause = QDoubleSpinBox()
        self.jam_pause.setRange(0.25, 16.0)
        self.jam_pause.setSingleStep(0.25)
        self.jam_pause.setDecimals(2)
        self.jam_pause.setValue(1.0)
        self.jam_pause.setSuffix(" beats")
        self.jam_pause.setToolTip("How long you pause before Continuo answers what you just played")
        row = QHBoxLayout()
        row.addWidget(self._tool(actions.jam))
        row.addWidget(QLabel("after"))
        row.addWidget(self.jam_pause)
        self.jam_status = QLabel("Play a phrase and pause: Continuo answers.")
        self.jam_status.setProperty("dim", True)
        self.jam_status.setWordWrap(True)
        layout = QVBoxLayout(box)
        layout.addLayout(row)
        layout.addWidget(self.jam_status)
        return box

    @staticmethod
    def _bind(button: QPushButton, action: QAction) -> None:
        """A push button that shows and triggers an action (QToolButton does this natively)."""
        def sync() -> None:
            button.setText(action.text().replace("&", ""))
            button.setIcon(action.icon())
            button.setToolTip(action.toolTip())
            button.setEnabled(action.isEnabled())
        action.changed.connect(sync)
        button.clicked.connect(action.trigger)
        sync()

    @staticmethod
    def _tool(action: QAction) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        return button

    # -- the controls as settings -----------------------------------------------------------
    def settings(self) -> Settings:
        key = self.key_box.currentData()
        return Settings(bars=float(self.bars.value()), variations=self.variations.value(),
                        temperature=self.temperature.value(), top_p=round(1.0 - self.focus.value(), 6),
                        seed=self.seed.value(), style=self.style_box.currentData(),
                        key=None if key == KEY_OFF else key, repeat=self.repeat.value())

    def values(self) -> dict:
        """The controls as a plain dict (for the project file and the app settings)."""
        s = self.settings()
        return {"style": s.style, "bars": s.bars, "variations": s.variations, "temperature": s.temperature,
                "top_p": s.top_p, "repeat": s.repeat, "key": s.key or KEY_OFF, "seed": s.seed}

    def set_values(self, values: dict) -> None:
        """Restore controls from values(); unknown or out-of-range entries are ignored."""
        def pick(combo: QComboBox, value: object) -> None:
            index = combo.findData(value) if isinstance(value, str) else -1  # not a heading's None
            if index >= 0:
                combo.setCurrentIndex(index)
        pick(self.style_box, values.get("style"))
        pick(self.key_box, values.get("key"))
        for spin, name in ((self.bars, "bars"), (self.variations, "variations"), (self.seed, "seed")):
            if isinstance(values.get(name), int | float):
                spin.setValue(int(values[name]))
        sliders = ((self.temperature, "temperature"), (self.repeat, "repeat"))
        for slider, name in sliders:
            if isinstance(values.get(name), int | float):
                slider.set_value(float(values[name]))
        if isinstance(values.get("top_p"), int | float):
            self.focus.set_value(1.0 - float(values["top_p"]))

    def show_project_key(self, key: str | None) -> None:
        """The key lock's first choice names the key it locks to: the project's (the tool
        bar's), or the one heard in the phrase when the project has none."""
        index = self.key_box.findData(AUTO)
        text = f"Project key ({key.replace('-', ' ')})" if key else "As heard in the phrase"
        self.key_box.setItemText(index, text)

    def load_settings(self, settings: AppSettings) -> None:
        """The last continuation's controls and the jam's pause, as they were at the last exit."""
        self.set_values(settings.continuation)
        self.jam_pause.setValue(settings.jam_pause_beats)

    def save_settings(self, settings: AppSettings) -> None:
        settings.continuation = self.values()
        settings.jam_pause_beats = self.jam_pause.value()

    def jam_pause_beats(self) -> float:
        """How many beats of pause make the jam answer."""
        return self.jam_pause.value()

    def show_jam_status(self, text: str) -> None:
        self.jam_status.setText(text)

    # -- feedback from the workflow -------------------------------------------------------
    def set_progress(self, fraction: float | None) -> None:
        """None hides the bar's fill (idle)."""
        self.progress.setValue(0 if fraction is None else round(fraction * 1000))

    def set_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def set_seed_text(self, text: str) -> None:
        self.seed_label.setText(text)

    def set_variations(self, count: int, selected: int | None) -> None:
        """Show numbered buttons 1..count, the selected one checked."""
        self._empty.setVisible(count == 0)
        for index, button in enumerate(self._group.buttons()):
            button.setVisible(index < count)
        if selected is not None and 0 <= selected < count:
            self._group.button(selected).setChecked(True)

    def _number_buttons(self) -> None:
        """One button per possible variation, made once (making widgets while the engine
        streams notes would cost the GUI thread far more than showing them)."""
        for index in range(MAX_VARIATIONS):
            button = QToolButton()
            button.setText(str(index + 1))
            button.setCheckable(True)
            button.setObjectName("variation")
            button.setToolTip(f"Variation {index + 1} (Tab / Shift+Tab)")
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            hue = GHOST_HUES[index % len(GHOST_HUES)]  # the colour its ghost notes are drawn in
            button.setStyleSheet(f"QToolButton {{ border-bottom: 3px solid {hue}; font-weight: bold; }}"
                                 f"QToolButton:checked {{ background: {hue}; color: {COLORS.base}; }}")
            button.hide()
            self._group.addButton(button, index)
            self._numbers.addWidget(button)

    def new_seed(self, seed: int) -> None:
        self.seed.setValue(seed % (MAX_SEED + 1))
