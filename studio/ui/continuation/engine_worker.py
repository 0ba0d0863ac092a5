"""The continuation engine behind Qt signals: the model is loaded and run on a worker QThread,
never on the GUI thread. `EngineService` lives on the GUI thread; it hands each request to a
worker object living on its own QThread and relays what comes back as queued signals: the
engine's state (loading / ready / a one-sentence error), notes in batches at most every ~30 ms
(so the GUI repaints a few dozen times a second however fast the model runs), progress, and
the finished result. `cancel()` may be called at any time; a cancelled or superseded request's
late batches are dropped.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from studio.core.notes import Clip, Note
from studio.engine.continuation import Continuation, Engine, Generated, SeedError, Settings
from studio.engine.model import Model, ModelError, default_model_path

log = logging.getLogger(__name__)
BATCH_S = 0.03  # the longest a generated note waits before it is shown
# The engine thread runs at a lower priority than the GUI: when both want a core (a two-core
# laptop, a busy machine), the GUI wins, so drawing and the playhead do not stutter.
ENGINE_NICE = 10


def _yield_to_the_gui() -> None:
    """Lower this (engine) thread's priority. Linux schedules threads by their nice value
    (QThread priorities do nothing there); elsewhere QThread.setPriority did it already."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), ENGINE_NICE)


def start_worker(worker: QObject, name: str) -> QThread:
    """A QThread named `name`, started at low priority, with `worker` living on it (its slots
    run there when called through queued signals)."""
    thread = QThread()
    thread.setObjectName(name)
    worker.moveToThread(thread)
    thread.start(QThread.Priority.LowPriority)
    return thread


class EngineState:
    """The states shown in the status bar."""

    LOADING = "loading"
    READY = "ready"
    BUSY = "busy"
    ERROR = "error"


@dataclass
class ContinueResult:
    """What one request produced: the notes of each variation, where they start and end."""

    job: int
    variations: list[list[Note]]
    start_tick: int
    end_tick: int
    style: str | None = None
    key: str | None = None
    cancelled: bool = False
    error: str | None = None


@dataclass
class _Job:
    number: int
    seed: Clip
    settings: Settings
    cancelled: threading.Event = field(default_factory=threading.Event)
    continuation: Continuation | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def cancel(self) -> None:
        with self.lock:
            self.cancelled.set()
            if self.continuation is not None:
                self.continuation.cancel()

    def attach(self, continuation: Continuation) -> None:
        with self.lock:
            self.continuation = continuation
            if self.cancelled.is_set():
                continuation.cancel()


class _Worker(QObject):
    """Lives on the engine thread: owns the Engine and runs one job at a time."""

    loaded = Signal(str)  # model file name
    load_failed = Signal(str)
    batch = Signal(int, list)  # job number, [Generated]
    progress = Signal(int, float)  # job number, 0..1
    done = Signal(object)  # ContinueResult

    def __init__(self) -> None:
        super().__init__()
        self.engine: Engine | None = None

    @Slot(str)
    def load(self, path: str) -> None:
        _yield_to_the_gui()
        try:
            self.engine = Engine(Model(path))
        except ModelError as err:
            self.load_failed.emit(str(err))
            return
        self._warm_up()
        self.loaded.emit(Path(path).name)

    def _warm_up(self) -> None:
        """One small continuation before the first real one: onnxruntime's first runs allocate
        and plan (the process stalls on that, the GUI thread too), so pay for it while loading."""
        assert self.engine is not None
        seed = Clip([Note(i * 240, pitch, 240) for i, pitch in enumerate((60, 62, 64, 65, 67, 65, 64, 62))])
        self.engine.continuation(seed, Settings(bars=2, variations=8, seed=0)).run()

    @Slot(object)
    def run(self, job: _Job) -> None:
        try:
            self._run(job)
        except Exception as err:  # a bug or a model failing mid-run: the app stays, and says so
            log.exception("The engine failed")
            self.done.emit(ContinueResult(job.number, [], 0, 0, error=f"The engine failed unexpectedly "
                                          f"({type(err).__name__}: {err}); the details are in the log."))

    def _run(self, job: _Job) -> None:
        if self.engine is None:
            self.done.emit(ContinueResult(job.number, [], 0, 0, error="The model is not loaded."))
            return
        try:
            continuation = self.engine.continuation(job.seed, job.settings)
        except SeedError as err:
            self.done.emit(ContinueResult(job.number, [], 0, 0, error=str(err)))
            return
        job.attach(continuation)
        pending: list[Generated] = []
        last = time.perf_counter()
        span = max(1, continuation.end_tick - continuation.start_tick)
        reached = [continuation.start_tick] * job.settings.variations
        for generated in continuation:
            pending.append(generated)
            reached[generated.variation] = max(reached[generated.variation], generated.note.start)
            now = time.perf_counter()
            if now - last >= BATCH_S:
                last = now
                self.batch.emit(job.number, pending)
                pending = []
                done = sum(r - continuation.start_tick for r in reached) / (span * len(reached))
                self.progress.emit(job.number, min(1.0, done))
        if pending:
            self.batch.emit(job.number, pending)
        key = str(continuation.key) if continuation.key is not None else None
        self.done.emit(ContinueResult(job.number, continuation.notes, continuation.start_tick,
                                      continuation.end_tick, continuation.style, key,
                                      cancelled=continuation.cancelled))


class EngineService(QObject):
    """The GUI thread's handle on the engine. Call `load()` once at start-up, then
    `request(seed, settings)`; listen to the signals."""

    state_changed = Signal(str, str)  # EngineState, a sentence for the status bar
    notes_added = Signal(list)  # [Generated] of the current request
    progress = Signal(float)
    finished = Signal(object)  # ContinueResult of the current request (also when cancelled)

    _load = Signal(str)
    _run = Signal(object)

    def __init__(self, model_path: str | Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model_path = Path(model_path or default_model_path())
        self.state = EngineState.LOADING
        self.message = f"Loading {self.model_path.name}…"
        self.model_name = self.model_path.name
        self._job: _Job | None = None
        self._numbers = 0
        self._worker = _Worker()
        self._thread = start_worker(self._worker, "continuo-engine")
        self._load.connect(self._worker.load)
        self._run.connect(self._worker.run)
        self._worker.loaded.connect(self._on_loaded)
        self._worker.load_failed.connect(self._on_load_failed)
        self._worker.batch.connect(self._on_batch)
        self._worker.progress.connect(self._on_progress)
        self._worker.done.connect(self._on_done)

    # -- requests -------------------------------------------------------------------------
    def load(self) -> None:
        """Load the model on the engine thread; state_changed says when it is ready."""
        self._set_state(EngineState.LOADING, f"Loading {self.model_path.name}…")
        self._load.emit(str(self.model_path))

    @property
    def ready(self) -> bool:
        return self.state == EngineState.READY

    @property
    def busy(self) -> bool:
        return self._job is not None

    @property
    def engine(self) -> Engine | None:
        """The loaded Engine, for work of its own off the GUI thread (jam mode's answers; an
        Engine may be used from any number of threads), or None until the model is ready."""
        if self.state not in (EngineState.READY, EngineState.BUSY):
            return None
        return self._worker.engine

    def request(self, seed: Clip, settings: Settings) -> int:
        """Continue seed; cancels a request still running. Returns the request's number."""
        self.cancel()
        self._numbers += 1
        self._job = _Job(self._numbers, seed, settings)
        if self.state == EngineState.READY:
            self._set_state(EngineState.BUSY, "Continuing…")
        self._run.emit(self._job)
        return self._numbers

    def cancel(self) -> None:
        """Stop the current request at its next step (its finished signal says cancelled)."""
        if self._job is not None:
            self._job.cancel()

    def shutdown(self) -> None:
        """Cancel and stop the engine thread (at exit)."""
        self.cancel()
        self._thread.quit()
        self._thread.wait(5000)

    # -- from the worker ------------------------------------------------------------------
    def _set_state(self, state: str, message: str) -> None:
        self.state, self.message = state, message
        self.state_changed.emit(state, message)

    def _current(self, number: int) -> bool:
        return self._job is not None and self._job.number == number and not self._job.cancelled.is_set()

    def _on_loaded(self, name: str) -> None:
        self.model_name = name
        self._set_state(EngineState.READY, f"Model {name} ready")

    def _on_load_failed(self, message: str) -> None:
        self._set_state(EngineState.ERROR, message)

    def _on_batch(self, number: int, generated: list) -> None:
        if self._current(number):
            self.notes_added.emit(generated)

    def _on_progress(self, number: int, fraction: float) -> None:
        if self._current(number):
            self.progress.emit(fraction)

    def _on_done(self, result: ContinueResult) -> None:
        if self._job is None or self._job.number != result.job:
            return  # a superseded request
        result.cancelled = result.cancelled or self._job.cancelled.is_set()
        self._job = None
        if self.state == EngineState.BUSY:
            self._set_state(EngineState.READY, f"Model {self.model_name} ready")
        self.finished.emit(result)
