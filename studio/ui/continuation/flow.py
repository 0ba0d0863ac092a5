"""The continuation workflow: Continue (the roll's selection is the seed, else the whole clip)
→ variations grow as ghost notes while the engine works → Tab / Shift+Tab pick one →
audition it alone → Enter accepts it as one undoable edit, Esc discards them (or stops the
engine while it runs), Again rolls new ones from the same seed with a new random seed.

It owns no widgets: it drives the roll's ghosts, the panel's feedback and the actions'
enabled states from the engine service's signals.
"""

from __future__ import annotations

import random

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand

from studio.core.notes import Clip, Note
from studio.core.words import plural
from studio.ui.app.actions import Actions
from studio.ui.app.voice import Voice
from studio.ui.continuation.engine_worker import ContinueResult, EngineService, EngineState
from studio.ui.continuation.panel import ContinuePanel
from studio.ui.document import edits
from studio.ui.document.document import ClipDocument
from studio.ui.roll import PianoRoll

GHOST_REDRAW_MS = 60
SEED_BARS_SHOWN = 8  # the view shows the continuation after at most this much of its seed

Shown = tuple[list[list[Note]], int | None, Clip | None]  # variations, the one shown, their seed


class DropVariations(QUndoCommand):
    """Esc's drop of the variations as a step of the sketch's undo history, so Ctrl+Z brings
    them back. Undo shows them again; redo shows what was there when they came back (nothing,
    or variations continued since, which are so not lost either). It changes no note."""

    def __init__(self, flow: ContinueFlow, dropped: Shown) -> None:
        count = len(dropped[0])
        super().__init__("Drop the variation" if count == 1 else f"Drop {count} variations")
        self.flow, self.dropped = flow, dropped
        self.after: Shown = ([], None, dropped[2])

    def redo(self) -> None:
        self.flow._put(self.after)

    def undo(self) -> None:
        self.after = self.flow._shown()
        self.flow._put(self.dropped)
        self.flow._say("The variations are back: Tab to compare, Enter to accept, Esc to drop them.")



class ContinueFlow(QObject):
    """Ties the engine service, the document, the roll's ghosts and the panel together.
    `audition_requested(notes)`: the shown variation's notes, to be played alone."""

    message = Signal(str)  # one sentence for the status bar, when the panel cannot be seen
    accepted = Signal(int)  # the variation's index
    chosen = Signal(int)  # another variation is shown (Tab, Shift+Tab, a number)
    audition_requested = Signal(list)  # the shown variation's notes

    def __init__(self, engine: EngineService, document: ClipDocument, roll: PianoRoll, panel: ContinuePanel,
                 actions: Actions) -> None:
        super().__init__(panel)
        self.engine, self.document, self.roll, self.panel = engine, document, roll, panel
        self.actions = actions
        self.variations: list[list[Note]] = []
        self.selected: int | None = None
        self.running = False
        self._dropping = False  # the running request's result is for a sketch no longer here
        self._seed: Clip | None = None
        self._ends = (0, 0)  # where the seed ends and the variations asked for will
        self._rng = random.Random()
        # Growing ghosts are redrawn at most this often, however fast the notes come: the roll
        # redraws its ghost layer each time, and the playhead wants the GUI thread too.
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(GHOST_REDRAW_MS)
        self._redraw.timeout.connect(self._show)
        actions.bind({
            "continue": self.continue_, "again": self.again, "accept": self.accept,
            "discard": self.escape, "next_variation": lambda: self.cycle(1),
            "previous_variation": lambda: self.cycle(-1), "audition": self.audition,
        })
        panel.variation_chosen.connect(self.choose)
        roll.selection_changed.connect(self._show_seed)
        document.context_changed.connect(lambda: panel.show_project_key(document.context.key))
        panel.show_project_key(document.context.key)  # the key lock's default says which key
        panel.edit_done.connect(lambda: roll.setFocus())  # Space, Ctrl+Z, arrows: the sketch's again
        document.notes_changed.connect(self._show_seed)
        self._voice = Voice(panel.set_status, self.message.emit, self._panel_seen, document.undo_stack)
        engine.notes_added.connect(self._on_notes)
        engine.progress.connect(panel.set_progress)
        engine.finished.connect(self._on_finished)
        engine.state_changed.connect(self._update)
        self._update()
        self._show_seed()

    # -- commands ---------------------------------------------------------------------------
    def continue_(self) -> None:
        """Continue the selection, or the whole clip when nothing is selected."""
        selected = self.roll.selected_notes()
        seed = self.document.clip()
        if selected:
            seed = seed.with_notes(selected)
        if not seed.notes:
            self._say("Draw or play a few notes first: there is nothing to continue.")
            return
        self._start(seed)

    def again(self) -> None:
        """New variations of the last seed with a new random seed."""
        if self._seed is None:
            self.continue_()
            return
        self.panel.new_seed(self._rng.randrange(1, 2**31))
        self._start(self._seed)

    def cycle(self, step: int) -> None:
        if self.variations:
            self.choose(((self.selected or 0) + step) % len(self.variations))

    def choose(self, index: int) -> None:
        if 0 <= index < len(self.variations):
            self.selected = index
            self._show()
            self.chosen.emit(index)

    def accept(self) -> None:
        """Add the shown variation to the clip: one undoable edit, in which its notes clear
        their way on their keys as drawn notes do (a seed note still sounding where the
        variation plays that key again ends there)."""
        if self.running or self.selected is None or not self.variations[self.selected]:
            return
        index = self.selected
        notes = self.variations[index]
        text = f"Accept variation {index + 1}"
        self.document.push(edits.add_notes(self.document, notes, text=text, place=True))
        self._clear()
        self._say(f"Variation {index + 1} added ({plural(len(notes), 'note')}); Ctrl+Z takes it back.")
        self.accepted.emit(index)

    def escape(self) -> None:
        """Esc: stop the engine while it runs, else drop the variations: a step of the undo
        history that changes no note (a saved sketch stays saved), so Ctrl+Z brings them back."""
        if self.running:
            self.engine.cancel()
        elif self.variations:
            stack = self.document.undo_stack
            clean = stack.isClean()
            stack.push(DropVariations(self, self._shown()))
            if clean:
                stack.setClean()
            self._say("Variations dropped; Ctrl+Z brings them back.")

    def reset(self) -> None:
        """A new sketch: drop the variations, what a running request would still bring, and
        the seed (Again then continues the new sketch, not the old one)."""
        if self.running:
            self._dropping = True
            self.engine.cancel()
        self._seed = None
        self._clear()

    def audition(self) -> None:
        if self.selected is not None and self.variations[self.selected]:
            self.audition_requested.emit(self.variations[self.selected])

    # -- engine ---------------------------------------------------------------------------
    def _start(self, seed: Clip) -> None:
        if not self.engine.ready and not self.running:
            self._say(self.engine.message)
            return
        self._seed, self._dropping = seed, False
        settings = self.panel.settings()
        self.variations = [[] for _ in range(settings.variations)]
        self.selected = 0
        self.running = True
        self.panel.set_progress(0.0)
        self.engine.request(seed, settings)
        self._show()
        ts = seed.time_signature
        seed_end = -(-max(n.end for n in seed.notes) // ts.beat_ticks) * ts.beat_ticks
        self._ends = (seed_end, seed_end + round(settings.bars * ts.bar_ticks) + ts.beat_ticks)
        self._reveal()
        self._say(f"Continuing {self._seed_words()}: {settings.variations} variations of "
                  f"{settings.bars:g} bars…")

    def _on_notes(self, generated: list) -> None:
        if self._dropping:
            return
        for item in generated:
            if item.variation < len(self.variations):
                self.variations[item.variation].append(item.note)
        if not self._redraw.isActive():
            self._redraw.start()

    def _on_finished(self, result: ContinueResult) -> None:
        self.running = False
        self.panel.set_progress(None)
        if self._dropping:  # what is shown now came after it (another sketch, variations back)
            self._dropping = False
            self._update()
            return
        if result.error:
            self._clear()
            self._say(result.error)
            return
        self._redraw.stop()
        self.variations = [list(v) for v in result.variations]
        if not any(self.variations):
            self._clear()
            self._say("Stopped before any notes came." if result.cancelled else
                      "The model found nothing to add here; try other controls or another seed.")
            return
        self._show()
        self._reveal()
        counts = ", ".join(str(len(v)) for v in self.variations)
        how = "Stopped early" if result.cancelled else "Done"
        variations = plural(len(self.variations), "variation")
        self._say(f"{how}: {variations} ({counts} notes) in {result.style or 'auto'} "
                  f"style, key {result.key or 'free'}. Tab to compare, Enter to accept, Esc to discard.")

    # -- display ----------------------------------------------------------------------------
    def _reveal(self) -> None:
        """Bring the seed's end (its last SEED_BARS_SHOWN bars at most) and the variations, all
        the length asked for, into view: scroll, and zoom out only if they do not fit."""
        seed, (seed_end, end) = self._seed, self._ends
        if seed is None or not seed.notes:
            return
        bar = seed.time_signature.bar_ticks
        start = max(min(n.start for n in seed.notes) // bar, seed_end // bar - SEED_BARS_SHOWN) * bar
        ghosts = [n for v in self.variations for n in v]
        end = max([end, *(n.end for n in ghosts)])
        pitches = [n.pitch for n in seed.notes if n.end > start] + [n.pitch for n in ghosts]
        self.roll.reveal(start, end, (min(pitches) - 2, max(pitches) + 2))

    def _shown(self) -> Shown:
        return [list(v) for v in self.variations], self.selected, self._seed

    def _put(self, shown: Shown) -> None:
        """Show these variations (undo and redo of a drop), instead of what a running request
        would still bring."""
        if self.running:
            self._dropping = True
            self.engine.cancel()
        variations, selected, seed = shown
        self._redraw.stop()
        self.variations, self.selected, self._seed = [list(v) for v in variations], selected, seed
        self._show()

    def _seed_words(self) -> str:
        """What Continue continues now: "14 notes", "the 3 selected notes"."""
        selected = len(self.roll.selected_notes())
        if selected:
            return "the selected note" if selected == 1 else f"the {selected} selected notes"
        count = len(self.document.notes)
        return "1 note" if count == 1 else f"{count} notes"

    def _show_seed(self, *_: object) -> None:
        """The panel's line over the Continue button says what Ctrl+Enter would continue."""
        count = len(self.document.notes)
        if not count:
            text = "Nothing to continue yet: draw or play a few notes."
        elif self.roll.selected_notes():
            text = f"Continues {self._seed_words()} of {count}; Esc in the roll deselects them."
        elif count == 1:
            text = "Continues the one note there is; a phrase gives it more to go on."
        else:
            text = f"Continues all {count} notes; select some to continue just those."
        self.panel.set_seed_text(text)

    def _clear(self) -> None:
        self._redraw.stop()
        self.variations, self.selected = [], None
        self.roll.clear_ghosts()
        self._update()

    def _show(self) -> None:
        self.roll.set_ghosts(self.variations, self.selected)
        self._update()

    def _say(self, text: str) -> None:
        self._voice.say(text)

    def _panel_seen(self) -> bool:
        """Whether the panel is on screen: not when its dock is closed or behind another tab
        (Qt moves such a tab out of sight rather than hiding it). A window not shown yet (the
        screenshot) will show its panel."""
        window = self.roll.window()
        if not window.isVisible():
            return self.panel.isVisibleTo(window)
        return not self.panel.visibleRegion().isEmpty()

    def _update(self, *_: object) -> None:
        shown = bool(self.variations)
        ready = self.engine.state in (EngineState.READY, EngineState.BUSY)
        self.actions["continue"].setEnabled(ready)
        self.actions.again.setEnabled(ready)
        self.actions.accept.setEnabled(shown and not self.running)
        for name in ("next_variation", "previous_variation", "audition"):
            self.actions[name].setEnabled(shown)
        self.actions.discard.setEnabled(self.running or bool(self.variations))
        self.panel.set_variations(len(self.variations), self.selected)
