"""The main window: the tool bar with the transport and the clip's context on top, the piano
roll in the centre, the Continue panel docked on the right, the virtual keyboard docked at the
bottom, the undo history as a dock of its own, and a status bar with the MIDI output, the
engine's state and the model's name. Menus come from the one action collection.

The window only assembles and wires: the document and its edits, the roll, the engine service
and the continuation workflow, transport and recording, jam mode, tempo sync, MIDI ports and
files are each their own module, built first and then connected in `_wire`: a part is handed
what it uses (a collaborator, a callable), or the window connects its signals, rather than one
part reaching through another. Each part that keeps settings loads its own at start and saves
them at exit (AppSettings); the window keeps only its geometry. The sketch is autosaved while it
changes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QActionGroup, QCloseEvent, QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QUndoView,
    QWidget,
)

from studio import __version__
from studio.core.notes import Clip
from studio.core.project import EXTENSION, Project
from studio.ui.app.actions import Actions, build_menus
from studio.ui.app.paths import log_dir
from studio.ui.app.settings import AppSettings, Remembers
from studio.ui.app.shortcuts import ShortcutsSheet
from studio.ui.arrangement import ArrangeFlow, ArrangePanel, ArrangeService, ChordLane
from studio.ui.connections import MidiIO, Sync
from studio.ui.connections.midi_io import output_from_setting, output_setting
from studio.ui.continuation import ContinueFlow, ContinuePanel, EngineService
from studio.ui.continuation.engine_worker import EngineState
from studio.ui.document import Autosaver, ClipDocument, FileController
from studio.ui.document.files import ClipDragButton, is_midi
from studio.ui.jam import JamMode
from studio.ui.keyboard import ComputerKeys, VirtualKeyboard
from studio.ui.keyboard.computer_keys import LAYOUTS
from studio.ui.playback import Playback, TransportBar
from studio.ui.roll import PianoRoll
from studio.ui.style import icon

WINDOW_SIZE = QSize(1600, 1000)
PANEL_WIDTH = 300  # the Continue dock's least width
MESSAGE_MS = 8000
MIDI_STATUS_PX = 240  # the MIDI output's state, elided to this (all of it in its tool tip)


class MidiPorts:
    """The MIDI output and input chosen at the last exit, for the settings (MidiIO keeps none).
    On a first start the output is the built-in sound."""

    def __init__(self, midi: MidiIO, reopen: bool = True) -> None:
        self.midi, self.reopen = midi, reopen

    def load_settings(self, settings: AppSettings) -> None:
        if self.reopen:
            self.midi.choose_output(output_from_setting(settings.midi_output))
            if settings.midi_input:
                self.midi.choose_input(settings.midi_input)

    def save_settings(self, settings: AppSettings) -> None:
        settings.midi_output = output_setting(self.midi.output_choice)
        settings.midi_input = self.midi.input_choice


class MainWindow(QMainWindow):
    """Continuo's window over one document. `engine` and `midi` may be given (tests, the
    screenshot); otherwise the window makes its own and starts loading the model."""

    def __init__(self, settings: AppSettings, engine: EngineService | None = None,
                 midi: MidiIO | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Continuo")
        self.setWindowIcon(icon("continuo"))
        self.setAcceptDrops(True)
        self.document = ClipDocument(parent=self)
        self.actions = Actions(self, icon_for=icon)
        self.addActions(self.actions.all())
        self.roll = PianoRoll(self.document)
        self.setCentralWidget(self.roll)
        self.panel = ContinuePanel(self.actions)
        self.keyboard = VirtualKeyboard()
        self.keys = ComputerKeys(self)
        self.undo_view = QUndoView(self.document.undo_stack)
        self.undo_view.setEmptyLabel("Start of the sketch")
        self.engine = engine or EngineService(parent=self)
        self.midi = midi or MidiIO(settings.midi_backend, parent=self)
        self.flow = ContinueFlow(self.engine, self.document, self.roll, self.panel, self.actions)
        self.arranger = ArrangeService(parent=self)
        self.arrange_panel = ArrangePanel(self.actions)
        self.chord_lane = ChordLane(self.roll.state)
        self.roll.add_lane_above(self.chord_lane.label, self.chord_lane)
        self.arrange_flow = ArrangeFlow(self.arranger, self.document, self.roll, self.arrange_panel,
                                        self.chord_lane, self.actions, seen=self._arrange_panel_seen)
        self.files = FileController(self, self.document, self.roll.selected_notes, self.project,
                                    self.restore)
        self.transport_bar = TransportBar(self.actions, self.document, self.roll, self)
        self.sync = Sync(self.midi, lambda: self.document.tempo, self)
        self.playback = Playback(self.actions, self.document, self.roll, self.flow, self.midi, self.keyboard,
                                 self.transport_bar, self.sync, self)
        self.transport, self.recorder = self.playback.transport, self.playback.recorder
        self.jam = JamMode(self.actions, self.engine, self.midi, self.sync, self.panel, self.flow, self.roll,
                           self.document, self.keyboard, cursor=lambda: self.playback.cursor,
                           show_position=self.transport_bar.show_position, parent=self)
        self.files.default_snap = self.roll.snap
        self.autosaver = Autosaver(self.project, settings.folder, parent=self)
        self._shut_down = False
        self.shortcuts_sheet: ShortcutsSheet | None = None
        self._undo_said: int | None = None  # the undo step a message naming Ctrl+Z was said at
        self._build_docks()
        self._build_hint()
        self._build_status_bar()
        self._build_menus()
        self._wire()
        if engine is None:
            self.engine.load()
        self.arranger.load()
        # the parts that keep settings, loaded in this order once all is wired (the sync's clock
        # input before the ports); a MidiIO given from outside comes with its ports chosen
        self.remembered: tuple[Remembers, ...] = (self.panel, self.arrange_panel, self.keys, self.actions,
                                                  self.files, self.sync,
                                                  MidiPorts(self.midi, reopen=midi is None))
        self._load_settings()

    # -- building ---------------------------------------------------------------------------
    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    @staticmethod
    def _scrolled(panel: QWidget) -> QScrollArea:
        scroll = QScrollArea()
        scroll.setWidget(panel)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        # never narrower than the panel beside its scroll bar: in a short window it scrolls
        # down, and nothing of it is cut off at the side
        panel.ensurePolished()
        scroll.setMinimumWidth(max(PANEL_WIDTH, panel.minimumSizeHint().width()
                                   + scroll.verticalScrollBar().sizeHint().width()))
        return scroll

    def _build_docks(self) -> None:
        right = Qt.DockWidgetArea.RightDockWidgetArea
        self.continue_dock = self._dock("Continue", "continue_dock", self._scrolled(self.panel), right)
        self.arrange_dock = self._dock("Arrange", "arrange_dock", self._scrolled(self.arrange_panel), right)
        self.keyboard_dock = self._dock("Keyboard", "keyboard_dock", self.keyboard,
                                        Qt.DockWidgetArea.BottomDockWidgetArea)
        self.keyboard_dock.setTitleBarWidget(QWidget())  # a keyboard needs no title (View shows it)
        self.history_dock = self._dock("Undo History", "history_dock", self.undo_view,
                                       right)
        self.tabifyDockWidget(self.continue_dock, self.arrange_dock)
        self.tabifyDockWidget(self.continue_dock, self.history_dock)
        self.continue_dock.raise_()
        self.history_dock.hide()
        self.arrange_dock.hide()  # until Arrange (Ctrl+B) or View shows it: Continue keeps its height
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.transport_bar)
        self.transport_bar.addSeparator()
        self.drag_button = ClipDragButton(self.files)
        self.drag_button.setIcon(icon("drag"))
        self.transport_bar.addWidget(self.drag_button)

    def _build_hint(self) -> None:
        """What to do first, in the empty roll: it goes once there is a note."""
        self.hint = QLabel("Draw notes with the mouse, play them on the computer keys (A S D F …)\n"
                           "or a MIDI keyboard while recording (F9), or open a .mid file (Ctrl+O).\n"
                           "Then Ctrl+Enter continues them.\n"
                           "Or jam (Ctrl+J): play a phrase, pause, and Continuo answers it.",
                           self.roll.canvas)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setProperty("dim", True)
        self.hint.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.roll.canvas.installEventFilter(self)
        self._place_hint()

    def _place_hint(self) -> None:
        self.hint.adjustSize()
        canvas = self.roll.canvas
        self.hint.move((canvas.width() - self.hint.width()) // 2, (canvas.height() - self.hint.height()) // 2)
        self.hint.setVisible(not self.document.notes and not self.flow.variations and not self.jam.showing)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.roll.canvas and event.type() == QEvent.Type.Resize:
            self._place_hint()
        return False

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        status.setSizeGripEnabled(False)
        self.jam_label = QLabel()
        self.jam_label.hide()
        self.keys_label = QLabel()
        self.keys_label.setToolTip("The computer keys: Z/X octave down/up, C/V velocity down/up")
        self.midi_label = QLabel()
        self._show_midi(self.midi.status)
        self.engine_label = QLabel(self.engine.message)
        self.model_label = QLabel(self.engine.model_name)
        self.model_label.setProperty("dim", True)
        for label in (self.jam_label, self.keys_label, self.midi_label, self.engine_label, self.model_label):
            label.setContentsMargins(10, 0, 10, 0)
            status.addPermanentWidget(label)

    def _build_menus(self) -> None:
        docks = [self.continue_dock.toggleViewAction(), self.arrange_dock.toggleViewAction(),
                 self.keyboard_dock.toggleViewAction()]
        build_menus(self.menuBar(), self.actions, {
            "recent": self.files.recent_menu(self), "output": self.midi.output_menu(self),
            "input": self.midi.input_menu(self), "docks": docks, "layouts": self._layout_menu(),
            "sync": self.sync.menu(self),
        })
        self.transport_bar.set_sync_menu(self.sync.menu(self), self.sync.label)

    def _layout_menu(self) -> QMenu:
        """Which computer keyboard the notes are laid out for (the same physical keys)."""
        menu = QMenu("Computer &Keyboard Layout", self)
        group = QActionGroup(menu)
        for name in LAYOUTS:
            action = menu.addAction(name.upper(), lambda n=name: self.keys.set_layout(n))
            action.setCheckable(True)
            action.setData(name)
            group.addAction(action)

        def check() -> None:  # the layout loaded from the settings comes after the menu
            for action in group.actions():
                action.setChecked(action.data() == self.keys.layout)
        menu.aboutToShow.connect(check)
        return menu

    def _wire(self) -> None:
        a, roll, stack = self.actions, self.roll, self.document.undo_stack
        a.bind({
            "new": self.files.new, "open": self.files.open, "save": self.files.save,
            "save_as": self.files.save_as, "import_midi": self.files.import_midi,
            "export_midi": self.files.export_midi,
            "export_selection": lambda: self.files.export_midi(selection=True), "quit": self.close,
            "undo": stack.undo, "redo": stack.redo, "cut": roll.cut, "copy": roll.copy, "paste": roll.paste,
            "duplicate": roll.duplicate, "delete": roll.delete_selection, "select_all": roll.select_all,
            "quantize": roll.quantize_selection, "transpose_up": lambda: roll.transpose_selection(1),
            "transpose_down": lambda: roll.transpose_selection(-1),
            "octave_up": lambda: roll.transpose_selection(12),
            "octave_down": lambda: roll.transpose_selection(-12),
            "panic": self.panic,
            "zoom_in": lambda: (roll.zoom_time(1.25), roll.zoom_pitch(1.1)),
            "zoom_out": lambda: (roll.zoom_time(0.8), roll.zoom_pitch(1 / 1.1)),
            "zoom_fit": self.fit_view, "view_start": roll.show_start, "view_end": roll.show_end,
            "undo_history": self._show_history, "show_log": self._show_log, "about": self._about,
            "shortcuts": self.show_shortcuts,
        })
        self.history_dock.toggleViewAction().toggled.connect(a.undo_history.setChecked)
        stack.canUndoChanged.connect(a.undo.setEnabled)
        stack.canRedoChanged.connect(a.redo.setEnabled)
        a.undo.setEnabled(False)
        a.redo.setEnabled(False)
        stack.cleanChanged.connect(self._update_title)
        self.files.path_changed.connect(self._update_title)
        for source in (self.files.message, self.flow.message, self.midi.message, self.playback.message,
                       self.autosaver.failed, self.sync.message, self.jam.message, self.arrange_flow.message,
                       self.chord_lane.message):
            source.connect(self.say)
        self.sync.changed.connect(lambda: self.transport_bar.show_sync(self.sync.label))
        self.sync.tempo_changed.connect(self.transport_bar.show_followed_tempo)
        self.flow.audition_requested.connect(self.playback.audition)
        self.arrange_flow.audition_requested.connect(self.playback.audition)
        self.arrange_flow.programs.connect(self.midi.send_programs)
        self.playback.proposed = self.arrange_flow.heard_notes  # Space hears the proposed parts too
        self.playback.route = self.arrange_flow.route  # the melody on its channel
        self.playback.about_to_play.connect(self.arrange_flow.send_programs)  # the parts' instruments first
        a.arrange.triggered.connect(self._show_arrange_panel)
        self.arrange_panel.changed.connect(self.autosaver.mark_changed)
        self.chord_lane.chord_typed.connect(self.autosaver.mark_changed)  # the lane is in the project too
        self.playback.about_to_play.connect(self.jam.stop)  # the two take the player from each other
        self.jam.about_to_start.connect(self.playback.stop)
        self.jam.state_changed.connect(self._show_jam)
        self.jam.state_changed.connect(lambda _: self._place_hint())
        self.midi.status_changed.connect(self._show_midi)
        stack.indexChanged.connect(self._undo_moved)
        a.midi_thru.setChecked(self.midi.thru)  # from here on thru follows the action (kept in the settings)
        a.midi_thru.toggled.connect(lambda on: setattr(self.midi, "thru", on))
        for signal in (self.keys.octave_changed, self.keys.velocity_changed, self.keys.playing_changed):
            signal.connect(self._show_keys)
        self._show_keys()
        self.engine.state_changed.connect(self._engine_state)
        self.keyboard.attach_computer_keys(self.keys)  # their notes come out of the keyboard's signals
        QApplication.instance().installEventFilter(self.keys)
        self.document.changed.connect(self.autosaver.mark_changed)
        self.files.path_changed.connect(self.autosaver.set_source)  # a recovered sketch keeps its file
        self.document.changed.connect(self._place_hint)
        self.panel.changed.connect(self.autosaver.mark_changed)  # the controls are in the project too
        self.flow.accepted.connect(lambda _: self.roll.setFocus())
        self.files.opened.connect(lambda _: QTimer.singleShot(0, self.fit_view))
        self.files.recent_changed.connect(lambda _: self.files.save_settings(self.settings))  # kept at once

    # -- settings and projects -----------------------------------------------------------
    def _load_settings(self) -> None:
        s = self.settings
        for part in self.remembered:
            part.load_settings(s)
        self.resize(WINDOW_SIZE)
        if s.window_geometry:
            self.restoreGeometry(s.window_geometry)
        if s.window_state:
            self.restoreState(s.window_state)
        self._update_title()

    def save_settings(self) -> None:
        """Each part saves its own settings, the window its geometry and docks; then to disk."""
        s = self.settings
        for part in self.remembered:
            part.save_settings(s)
        s.window_geometry = bytes(self.saveGeometry().data())
        s.window_state = bytes(self.saveState().data())
        s.sync()

    def project(self, clip: Clip | None = None) -> Project:
        """The sketch (or another clip in its place) as a project: the clip, the Continue
        panel's controls, loop and snap."""
        return Project(clip=clip or self.document.clip(), continuation=self.panel.values(),
                       loop=self.roll.loop, snap=self.roll.snap, arrangement=self.arrange_flow.values())

    def restore(self, project: Project) -> None:
        """Put a project in the window (Open, New, crash recovery); the undo history starts anew."""
        self.jam.stop()
        self.transport.stop()
        self.flow.reset()
        self.document.load(project.clip)
        self.arrange_flow.set_values(project.arrangement)
        self.panel.set_values(project.continuation)
        self.roll.set_loop(*(project.loop or (None, None)))
        self.transport_bar.set_snap(project.snap)
        self.roll.frame_notes()
        self.playback.cursor = 0
        self.playback.show_cursor()
        self.autosaver.mark_changed()

    def fit_view(self) -> None:
        """Zoom the roll so the clip and its variations (or proposed parts) fill it, with a bar and
        an octave to spare."""
        notes = list(self.document.notes.values()) + [n for v in self.flow.variations for n in v]
        notes += self.arrange_flow.heard_notes()
        if not notes:
            return
        bar = self.document.time_signature.bar_ticks
        end = (-(-max(n.end for n in notes) // bar) + 1) * bar
        pitches = [n.pitch for n in notes]
        self.roll.reveal(0, end, (min(pitches) - 6, max(pitches) + 5), fill=True)

    def panic(self) -> None:
        self.keys.release_all()
        self.playback.panic()

    # -- status -------------------------------------------------------------------------------
    def say(self, text: str) -> None:
        self.statusBar().showMessage(text, MESSAGE_MS)
        self._undo_said = self.document.undo_stack.index() if "Ctrl+Z" in text else None

    def _undo_moved(self, index: int) -> None:
        """An undo, a new edit or another sketch: a message naming Ctrl+Z is stale then."""
        if self._undo_said is not None and index != self._undo_said:
            self._undo_said = None
            self.statusBar().clearMessage()

    def _show_midi(self, text: str) -> None:
        self.midi_label.setToolTip(text)
        self.midi_label.setText(self.midi_label.fontMetrics().elidedText(
            text, Qt.TextElideMode.ElideRight, MIDI_STATUS_PX))

    def _show_jam(self, state: str) -> None:
        """Listening / Answering / waiting for the DAW while jamming; hidden otherwise."""
        self.jam_label.setText(state)
        self.jam_label.setVisible(bool(state))

    def _show_keys(self, *_: object) -> None:
        if self.keys.plays_notes():
            self.keys_label.setText(f"Keys: octave {self.keys.octave}, velocity {self.keys.velocity}")
        else:  # a field has them (the on-screen keyboard's letters are gone too)
            self.keys_label.setText("Keys: typing in a field (Enter or Esc: notes again)")

    def _engine_state(self, state: str, message: str) -> None:
        shown = {EngineState.LOADING: "Engine: loading…", EngineState.READY: "Engine: ready",
                 EngineState.BUSY: "Engine: continuing…"}
        self.engine_label.setText(shown.get(state, "Engine: unavailable"))
        self.engine_label.setToolTip(message)
        self.model_label.setText(f"Model: {self.engine.model_name}")
        if state == EngineState.ERROR:
            self.say(message)

    def _update_title(self, *_: object) -> None:
        name = self.files.path.name if self.files.path else "Untitled"
        self.setWindowModified(not self.document.undo_stack.isClean())
        self.setWindowTitle(f"{name}[*] — Continuo")

    def _show_arrange_panel(self) -> None:
        self.arrange_dock.show()
        self.arrange_dock.raise_()

    def _arrange_panel_seen(self) -> bool:
        """Whether the Arrange panel is on screen (as ContinueFlow asks of its own)."""
        if not self.isVisible():
            return self.arrange_panel.isVisibleTo(self)
        return not self.arrange_panel.visibleRegion().isEmpty()

    def _show_history(self, on: bool) -> None:
        self.history_dock.setVisible(on)
        if on:
            self.history_dock.raise_()

    def show_shortcuts(self) -> None:
        """The keyboard-shortcuts sheet, read from the actions as they are now."""
        if self.shortcuts_sheet is None:
            self.shortcuts_sheet = ShortcutsSheet(self.actions, self)
        self.shortcuts_sheet.refresh()
        self.shortcuts_sheet.show()
        self.shortcuts_sheet.raise_()

    def _show_log(self) -> None:
        folder = log_dir()
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
        self.say(f"The log is in {folder}.")

    def _about(self) -> None:
        QMessageBox.about(self, "About Continuo",
                          f"<b>Continuo {__version__}</b><br>Sketch a phrase; an LSTM continues it in "
                          "your style and key, and streams it into your DAW.<br><br>"
                          f"Model: {self.engine.model_name}")

    # -- dropping files in ------------------------------------------------------------------
    @staticmethod
    def _dropped(event: QDropEvent | QDragEnterEvent) -> Path | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        paths = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]
        usable = [p for p in paths if is_midi(p) or p.suffix.lower() == EXTENSION]
        return usable[0] if len(usable) == 1 else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """A .mid or .continuo file dropped on the window opens; with Shift a .mid is imported."""
        path = self._dropped(event)
        if path is None:
            return
        event.acceptProposedAction()
        if is_midi(path) and event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.files.import_midi(path)
        else:
            self.files.open(path)

    # -- closing ------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.confirm_discard():
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop everything that runs, write the settings, and mark a clean exit (once)."""
        if self._shut_down:
            return
        self._shut_down = True
        self.jam.stop(wait=True)  # returns once no note of the jam sounds
        self.transport.stop(wait=True)  # every note-off out before the process may end
        self.keys.release_all()
        QApplication.instance().removeEventFilter(self.keys)
        self.save_settings()
        self.sync.close()
        self.engine.shutdown()
        self.arranger.shutdown()
        self.midi.close()
        self.autosaver.discard()

