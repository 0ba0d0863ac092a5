"""The arranger behind Qt signals: the band model is loaded and run on a worker QThread, never on
the GUI thread, as the continuation engine is (continuation/engine_worker.py). `ArrangeService`
lives on the GUI thread and hands each request, numbered, to a worker object on its own thread;
a result comes back as a queued signal, and one for a request superseded since is dropped.
An arrangement takes a fraction of a second, so a request runs whole (no batches, no cancel).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from studio.core.arrangement import Arrangement
from studio.core.notes import Clip
from studio.engine.arranger import ArrangeError, Arranger, ArrangeRequest, load_arranger
from studio.engine.model import ModelError, band_model_path
from studio.ui.continuation.engine_worker import EngineState, _yield_to_the_gui, start_worker

log = logging.getLogger(__name__)


@dataclass
class ArrangeResult:
    """What one request produced: the arrangement, or one sentence saying why not."""

    job: int
    arrangement: Arrangement | None = None
    error: str | None = None
    regenerated: tuple[str, ...] = ()


class _Worker(QObject):
    """Lives on the arranger's thread: owns the Arranger and runs one request at a time."""

    loaded = Signal(str)  # "" once ready, else why not (one sentence)
    done = Signal(object)  # ArrangeResult
    arranger: Arranger | None = None  # once loaded

    @Slot(str)
    def load(self, path: str) -> None:
        _yield_to_the_gui()
        self.loaded.emit(self._open(path))

    def _open(self, path: str) -> str:
        try:
            self.arranger = load_arranger(Path(path))
        except ModelError as err:
            return str(err)
        return ""

    @Slot(int, object, object)
    def run(self, job: int, melody: Clip, request: ArrangeRequest) -> None:
        result = ArrangeResult(job, regenerated=request.regenerate)
        if self.arranger is None:
            result.error = "The band model is not loaded."
        else:
            try:
                result.arrangement = self.arranger.arrange(melody, request)
            except ArrangeError as err:
                result.error = str(err)
            except Exception as err:  # a bug or a model failing mid-run: the app stays, and says so
                log.exception("The arranger failed")
                result.error = (f"The arranger failed unexpectedly ({type(err).__name__}: {err}); "
                                "the details are in the log.")
        self.done.emit(result)


class ArrangeService(QObject):
    """The GUI thread's handle on the arranger: `load()` once, then `request(melody, request)`;
    `finished` brings the current request's ArrangeResult, `state_changed` the model's state."""

    state_changed = Signal(str, str)  # EngineState, a sentence
    finished = Signal(object)  # ArrangeResult of the current request

    _load = Signal(str)
    _run = Signal(int, object, object)

    def __init__(self, model_path: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model_path = str(model_path or band_model_path())
        self.state, self.message = EngineState.LOADING, "Loading the band model…"
        self._job = 0
        self.running = False
        self._worker = worker = _Worker()
        self._thread = start_worker(worker, "continuo-arranger")
        for signal, slot in ((self._load, worker.load), (self._run, worker.run),
                             (worker.loaded, self._loaded), (worker.done, self._on_done)):
            signal.connect(slot)

    @property
    def worker_thread(self) -> QThread:
        """The worker's thread (the arranger never runs on the GUI thread)."""
        return self._thread

    def load(self) -> None:
        self._load.emit(self.model_path)

    def request(self, melody: Clip, request: ArrangeRequest) -> int:
        """Arrange melody; a request still running is superseded. Returns its number."""
        self._job += 1
        self.running = True
        self._run.emit(self._job, melody, request)
        return self._job

    def forget(self) -> None:
        """Drop what the request running now would bring (another sketch is in the window)."""
        self._job += 1
        self.running = False

    def shutdown(self) -> None:
        self.forget()
        self._thread.quit()
        self._thread.wait(5000)

    def _loaded(self, problem: str) -> None:
        self.state = EngineState.ERROR if problem else EngineState.READY
        self.message = problem or "The band is ready."
        self.state_changed.emit(self.state, self.message)

    def _on_done(self, result: ArrangeResult) -> None:
        if result.job != self._job:
            return  # superseded
        self.running = False
        self.finished.emit(result)
