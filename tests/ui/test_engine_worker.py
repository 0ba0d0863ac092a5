"""The engine service: the real model loads and runs on its own thread; notes arrive in
batches on the GUI thread; cancel and supersede; a damaged model is one sentence."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from studio.engine.continuation import Engine, Settings
from studio.midi.files import read_midi
from studio.ui.continuation.engine_worker import EngineService, EngineState

DEMO_SEED = Path(__file__).resolve().parents[2] / "resources" / "demo_seed.mid"


@pytest.fixture
def service(qtbot):
    engine = EngineService()
    with qtbot.waitSignal(engine.state_changed, timeout=30000, check_params_cb=lambda s, _: s != "loading"):
        engine.load()
    yield engine
    engine.shutdown()


def test_notes_arrive_in_batches_on_the_gui_thread_and_match_the_result(qtbot, service) -> None:
    assert service.state == EngineState.READY and "ready" in service.message
    batches: list[list] = []
    threads: set[int] = set()

    def on_notes(items: list) -> None:
        batches.append(items)
        threads.add(threading.get_ident())

    service.notes_added.connect(on_notes)
    with qtbot.waitSignal(service.finished, timeout=60000) as done:
        service.request(read_midi(DEMO_SEED), Settings(bars=8, variations=3, seed=5))
    result = done.args[0]
    assert not result.cancelled and result.error is None
    assert threads == {threading.get_ident()}
    streamed = [[g.note for batch in batches for g in batch if g.variation == v] for v in range(3)]
    assert streamed == result.variations and all(result.variations)
    assert all(n.start >= result.start_tick for v in result.variations for n in v)
    assert service.state == EngineState.READY and not service.busy


def test_cancel_stops_the_request_and_says_so(qtbot, service) -> None:
    with qtbot.waitSignal(service.finished, timeout=60000) as done:
        service.request(read_midi(DEMO_SEED), Settings(bars=32, variations=8, seed=1))
        service.cancel()
    assert done.args[0].cancelled


def test_a_new_request_supersedes_the_running_one(qtbot, service) -> None:
    results = []
    service.finished.connect(results.append)
    seed = read_midi(DEMO_SEED)
    service.request(seed, Settings(bars=32, variations=8, seed=1))
    second = service.request(seed, Settings(bars=2, variations=1, seed=2))
    qtbot.waitUntil(lambda: bool(results), timeout=60000)
    qtbot.wait(50)
    assert [r.job for r in results] == [second] and not results[0].cancelled


def test_the_loaded_engine_is_handed_out_once_ready_and_not_before(qtbot) -> None:
    engine = EngineService()
    try:
        assert engine.engine is None  # not loaded yet
        with qtbot.waitSignal(engine.state_changed, timeout=30000, check_params_cb=lambda s, _: s == "ready"):
            engine.load()
        assert isinstance(engine.engine, Engine)
        notes = engine.engine.continuation(read_midi(DEMO_SEED), Settings(bars=1, seed=3)).run()
        assert notes and all(notes)  # usable off the service's own thread (here the test's)
    finally:
        engine.shutdown()


def test_a_bad_seed_is_one_sentence(qtbot, service) -> None:
    with qtbot.waitSignal(service.finished, timeout=30000) as done:
        service.request(read_midi(DEMO_SEED).with_notes([]), Settings())
    assert done.args[0].error.endswith(".") and not done.args[0].variations


def test_a_damaged_model_file_leaves_the_app_running_with_one_sentence(qtbot, tmp_path) -> None:
    broken = tmp_path / "continuo.onnx"
    broken.write_bytes(b"not a model at all")
    engine = EngineService(broken)
    with qtbot.waitSignal(engine.state_changed, timeout=30000, check_params_cb=lambda s, _: s == "error"):
        engine.load()
    assert "continuo.onnx" in engine.message and engine.message.endswith(".")
    assert engine.engine is None
    with qtbot.waitSignal(engine.finished, timeout=30000) as done:
        engine.request(read_midi(DEMO_SEED), Settings())
    assert done.args[0].error and engine.state == EngineState.ERROR
    engine.shutdown()


def test_an_engine_failing_mid_run_is_one_sentence_and_it_goes_on(qtbot, service, monkeypatch) -> None:
    from studio.engine.continuation import Continuation

    def broken(self):
        yield from ()
        raise FloatingPointError("the model returned NaN")

    monkeypatch.setattr(Continuation, "__iter__", broken)
    with qtbot.waitSignal(service.finished, timeout=30000) as done:
        service.request(read_midi(DEMO_SEED), Settings())
    assert "NaN" in done.args[0].error and done.args[0].error.endswith("log.")
    assert service.state == EngineState.READY and not service.busy
