"""What each part of an arrangement plays on: its MIDI channel (1-16 as musicians count them)
and its General MIDI program (named, counted from 1 as synths show them: "34 Electric Bass
(finger)"; for the drums, the GM2 drum kits), one row per part in the Arrange panel's
Instruments box, with the part's colour, its show/hide switch in the roll (the View menu's
action) and a handle to drag that part alone into a DAW.

No two parts share a channel (a part's notes are known by their channel: the roll colours them
and Accept, the export and the player keep them apart), and the band's parts leave channel 1 to
the sketch: the channel arrows skip a channel in use, and a typed one in use is refused with one
sentence (`refused`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QToolButton,
    QWidget,
)

from studio.core.arrangement import BASS, CHORDS, DRUMS, GENERATED_PARTS, MELODY, PartSpec
from studio.ui.app.actions import Actions
from studio.ui.document.files import FileDragButton
from studio.ui.style.icons import icon
from studio.ui.style.theme import GHOST_HUES

GM_PROGRAMS = (
    "Acoustic Grand Piano", "Bright Acoustic Piano", "Electric Grand Piano", "Honky-tonk Piano",
    "Electric Piano 1", "Electric Piano 2", "Harpsichord", "Clavinet",
    "Celesta", "Glockenspiel", "Music Box", "Vibraphone", "Marimba", "Xylophone", "Tubular Bells",
    "Dulcimer",
    "Drawbar Organ", "Percussive Organ", "Rock Organ", "Church Organ", "Reed Organ", "Accordion",
    "Harmonica", "Tango Accordion",
    "Acoustic Guitar (nylon)", "Acoustic Guitar (steel)", "Electric Guitar (jazz)",
    "Electric Guitar (clean)", "Electric Guitar (muted)", "Overdriven Guitar", "Distortion Guitar",
    "Guitar Harmonics",
    "Acoustic Bass", "Electric Bass (finger)", "Electric Bass (pick)", "Fretless Bass", "Slap Bass 1",
    "Slap Bass 2", "Synth Bass 1", "Synth Bass 2",
    "Violin", "Viola", "Cello", "Contrabass", "Tremolo Strings", "Pizzicato Strings",
    "Orchestral Harp", "Timpani",
    "String Ensemble 1", "String Ensemble 2", "Synth Strings 1", "Synth Strings 2", "Choir Aahs",
    "Voice Oohs", "Synth Voice", "Orchestra Hit",
    "Trumpet", "Trombone", "Tuba", "Muted Trumpet", "French Horn", "Brass Section", "Synth Brass 1",
    "Synth Brass 2",
    "Soprano Sax", "Alto Sax", "Tenor Sax", "Baritone Sax", "Oboe", "English Horn", "Bassoon",
    "Clarinet",
    "Piccolo", "Flute", "Recorder", "Pan Flute", "Blown Bottle", "Shakuhachi", "Whistle", "Ocarina",
    "Lead 1 (square)", "Lead 2 (sawtooth)", "Lead 3 (calliope)", "Lead 4 (chiff)", "Lead 5 (charang)",
    "Lead 6 (voice)", "Lead 7 (fifths)", "Lead 8 (bass + lead)",
    "Pad 1 (new age)", "Pad 2 (warm)", "Pad 3 (polysynth)", "Pad 4 (choir)", "Pad 5 (bowed)",
    "Pad 6 (metallic)", "Pad 7 (halo)", "Pad 8 (sweep)",
    "FX 1 (rain)", "FX 2 (soundtrack)", "FX 3 (crystal)", "FX 4 (atmosphere)", "FX 5 (brightness)",
    "FX 6 (goblins)", "FX 7 (echoes)", "FX 8 (sci-fi)",
    "Sitar", "Banjo", "Shamisen", "Koto", "Kalimba", "Bagpipe", "Fiddle", "Shanai",
    "Tinkle Bell", "Agogo", "Steel Drums", "Woodblock", "Taiko Drum", "Melodic Tom", "Synth Drum",
    "Reverse Cymbal",
    "Guitar Fret Noise", "Breath Noise", "Seashore", "Bird Tweet", "Telephone Ring", "Helicopter",
    "Applause", "Gunshot",
)
DRUM_KITS = ((0, "Standard Kit"), (8, "Room Kit"), (16, "Power Kit"), (24, "Electronic Kit"),
             (25, "TR-808 Kit"), (32, "Jazz Kit"), (40, "Brush Kit"), (48, "Orchestra Kit"))
SKETCH_CHANNEL = 0  # the channel the sketch's own notes are drawn on (1 as musicians count)
INSTRUMENT_PARTS = ("melody", *GENERATED_PARTS)
SPECS: dict[str, PartSpec] = {"melody": MELODY, "chords": CHORDS, "bass": BASS, "drums": DRUMS}


def program_name(program: int, drums: bool = False) -> str:
    """A program's name as the panel shows it ("34 Electric Bass (finger)", counted from 1 as
    synths show them; drums: the kit's name)."""
    if drums:
        return dict(DRUM_KITS).get(program, f"Kit {program}")
    return f"{program + 1} {GM_PROGRAMS[program]}"


class ProgramBox(QComboBox):
    """A part's instrument: the 128 General MIDI programs by name (drums: the GM2 kits)."""

    def __init__(self, drums: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drums = drums
        for program, _ in DRUM_KITS if drums else enumerate(GM_PROGRAMS):
            self.addItem(program_name(program, drums), program)
        self.setMaxVisibleItems(16)
        # narrow in the panel (the name elided), the whole names in the list that drops down
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(10)
        self.view().setMinimumWidth(self.view().sizeHintForColumn(0) + 24)
        self.currentTextChanged.connect(self.setToolTip)

    def program(self) -> int:
        return self.currentData()

    def set_program(self, program: int) -> bool:
        """Show this program; False (nothing changed) for one not in the list."""
        index = self.findData(program)
        if index < 0:
            return False
        self.setCurrentIndex(index)
        return True


class ChannelBox(QSpinBox):
    """A part's MIDI channel, 1-16; the arrows skip the channels `taken()` gives (the other
    parts'), and a typed one among them goes back to the last with `refused(channel)`.
    `channel_changed(old, new)` once a new channel is in (0-based, as MIDI sends them)."""

    channel_changed = Signal(int, int)
    refused = Signal(int)

    def __init__(self, channel: int, taken: Callable[[], set[int]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.taken = taken
        self.setRange(1, 16)
        self.setValue(channel + 1)
        self.setKeyboardTracking(False)  # a typed "10" is one change, not 1 then 10
        self._last = channel + 1
        self.valueChanged.connect(self._changed)

    def channel(self) -> int:
        """The channel, 0-based."""
        return self.value() - 1

    def set_channel(self, channel: int) -> None:
        """Show this channel (0-based) without announcing it (a project's, an undo's)."""
        self._last = channel + 1
        self.blockSignals(True)
        self.setValue(channel + 1)
        self.blockSignals(False)

    def stepBy(self, steps: int) -> None:
        taken, value, step = self.taken(), self.value(), 1 if steps > 0 else -1
        for _ in range(abs(steps)):
            following = value + step
            while following in taken:
                following += step
            if not self.minimum() <= following <= self.maximum():
                break
            value = following
        self.setValue(value)

    def _changed(self, value: int) -> None:
        if value in self.taken():
            self.set_channel(self._last - 1)
            self.refused.emit(value)
            return
        old, self._last = self._last, value
        self.channel_changed.emit(old - 1, value - 1)


class InstrumentRows(QGroupBox):
    """The Instruments box: per part (Melody, Chords, Bass, Drums) its name in its colour, its
    channel, its program, its show switch (not the melody's: always shown) and its drag handle;
    a last handle drags the whole arrangement. Signals: `channel_changed(part, old, new)`,
    `program_changed(part, program)`, `refused(sentence)`, `restored` (set_values set them).
    `drag_mime(part or None)` is what a handle's drag carries (set by whoever writes the files)."""

    channel_changed = Signal(str, int, int)
    program_changed = Signal(str, int)
    refused = Signal(str)
    restored = Signal()  # set_values set them (no change signal is sent then)

    def __init__(self, actions: Actions, parent: QWidget | None = None) -> None:
        super().__init__("Instruments", parent)
        self.drag_mime: Callable[[str | None], QMimeData | None] = lambda part: None
        self.channels: dict[str, ChannelBox] = {}
        self.programs: dict[str, ProgramBox] = {}
        self.drag_buttons: dict[str | None, FileDragButton] = {}
        grid = QGridLayout(self)
        grid.setVerticalSpacing(2)
        grid.setHorizontalSpacing(4)
        for row, name in enumerate(INSTRUMENT_PARTS):
            spec = SPECS[name]
            label = QLabel(spec.name)
            if name in GENERATED_PARTS:  # the colour its notes are drawn in, as in Parts
                chip = QFrame()
                chip.setFixedSize(4, 16)
                hue = GHOST_HUES[GENERATED_PARTS.index(name) % len(GHOST_HUES)]
                chip.setStyleSheet(f"background: {hue};")
                grid.addWidget(chip, row, 0)
            channel = ChannelBox(spec.channel, lambda n=name: self._taken(n))
            channel.setToolTip(f"The MIDI channel {spec.name.lower()} plays on (1-16)"
                               + ("" if name == "melody" else "; channel 1 is the sketch's own"))
            channel.setAccessibleName(f"{spec.name} channel")
            channel.setFixedWidth(channel.fontMetrics().horizontalAdvance("16") + 40)  # two digits and arrows
            channel.channel_changed.connect(lambda old, new, n=name: self.channel_changed.emit(n, old, new))
            channel.refused.connect(lambda value, n=name: self._refuse(n, value))
            program = ProgramBox(drums=name == "drums")
            program.set_program(spec.program)
            program.setToolTip(program.currentText())
            program.setStatusTip(f"The instrument {spec.name.lower()} plays (General MIDI"
                                 + (" drum kits)" if name == "drums" else " programs)"))
            program.setAccessibleName(f"{spec.name} instrument")
            program.currentIndexChanged.connect(
                lambda _, n=name: self.program_changed.emit(n, self.program(n)))
            label.setBuddy(program)
            self.channels[name], self.programs[name] = channel, program
            for column, widget in enumerate((label, channel, program), 1):
                grid.addWidget(widget, row, column)
            if name in GENERATED_PARTS:
                show = QToolButton()
                show.setDefaultAction(actions[f"show_{name}"])
                show.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
                grid.addWidget(show, row, 4)
            grid.addWidget(self._handle(name, f"Drag {spec.name.lower()} alone into your DAW as a .mid file"),
                           row, 5)
        whole = self._handle(None, "Drag the whole arrangement into your DAW as a multi-track .mid file")
        whole.setText("Drag the arrangement")
        whole.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        grid.addWidget(whole, len(INSTRUMENT_PARTS), 0, 1, 6)
        grid.setColumnStretch(3, 1)

    def _handle(self, part: str | None, tip: str) -> FileDragButton:
        handle = FileDragButton(lambda: self.drag_mime(part))
        handle.setIcon(icon("drag"))
        handle.setToolTip(tip)
        handle.setObjectName(f"drag_{part or 'arrangement'}")
        self.drag_buttons[part] = handle
        return handle

    def channel(self, part: str) -> int:
        """The part's channel, 0-based."""
        return self.channels[part].channel()

    def program(self, part: str) -> int:
        return self.programs[part].program()

    def _taken(self, part: str) -> set[int]:
        """The channels (1-16) `part` may not take: the other parts' (and the sketch's, for the band)."""
        taken = {box.value() for name, box in self.channels.items() if name != part}
        return taken if part == "melody" else taken | {SKETCH_CHANNEL + 1}

    def _refuse(self, part: str, value: int) -> None:
        if value == SKETCH_CHANNEL + 1 and part != "melody":
            whose = "the sketch's own (the melody's notes are drawn on it)"
        else:
            whose = next(SPECS[n].name + "'s" for n, box in self.channels.items()
                         if n != part and box.value() == value)
        self.refused.emit(f"Channel {value} is {whose}: each part plays on a channel of its own.")

    def values(self) -> dict:
        out: dict = {}
        for name in INSTRUMENT_PARTS:
            out[f"{name}.channel"], out[f"{name}.program"] = self.channel(name), self.program(name)
        return out

    def set_values(self, values: dict) -> None:
        """Channels and programs from values(); channels only where every one is a channel and no
        two parts share one (the band off the sketch's), each program only where it is one."""
        channels = [values.get(f"{name}.channel", self.channel(name)) for name in INSTRUMENT_PARTS]
        if all(type(c) is int and 0 <= c <= 15 for c in channels) and len(set(channels)) == len(channels) \
                and SKETCH_CHANNEL not in channels[1:]:
            for name, channel in zip(INSTRUMENT_PARTS, channels, strict=True):
                self.channels[name].set_channel(channel)
        for name in INSTRUMENT_PARTS:
            program = values.get(f"{name}.program")
            if type(program) is int:
                self.programs[name].blockSignals(True)
                self.programs[name].set_program(program)
                self.programs[name].blockSignals(False)
        self.restored.emit()
