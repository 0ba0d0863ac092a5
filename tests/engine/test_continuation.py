"""Every control of the engine has its effect, and every output is valid music."""

from __future__ import annotations

import threading

import pytest

from studio.core.notes import Clip, Note, TimeSignature
from studio.core.scales import Key
from studio.engine.continuation import SeedError, Settings

SEED = Clip([Note(i * 240, p, 240, 96) for i, p in enumerate(
    [67, 69, 71, 67, 69, 71, 72, 74, 76, 74, 72, 71, 69, 67, 66, 67] * 2)], 120.0, TimeSignature(4, 4))


def run(engine, clip=SEED, **kw):
    cont = engine.continuation(clip, Settings(**{"seed": 7, **kw}))
    return cont, cont.run()


def assert_valid(cont, variations):
    for notes in variations:
        for n in notes:
            assert cont.start_tick <= n.start and n.end <= cont.end_tick
        by_pitch: dict[int, list[Note]] = {}
        for n in notes:
            by_pitch.setdefault(n.pitch, []).append(n)
        for same in by_pitch.values():
            same.sort(key=lambda n: n.start)
            for a, b in zip(same, same[1:], strict=False):
                assert a.end <= b.start, f"overlapping {a} {b}"


def test_same_seed_same_notes_and_another_seed_differs(engine):
    _, a = run(engine, variations=3, seed=11)
    _, b = run(engine, variations=3, seed=11)
    _, c = run(engine, variations=3, seed=12)
    assert a == b
    assert a != c


def test_variations_differ_and_all_are_valid(engine):
    cont, out = run(engine, variations=8, bars=4)
    assert len(out) == 8 and all(out)
    assert len({tuple(v) for v in out}) > 1
    assert_valid(cont, out)


def test_starts_on_the_next_beat_after_the_seed(engine):
    seed = SEED.with_notes(SEED.notes + [Note(SEED.end, 60, 100, 80)])
    cont, out = run(engine, clip=seed)
    assert cont.start_tick == 17 * 480  # the seed ends 100 ticks into beat 17
    assert min(n.start for n in out[0]) >= cont.start_tick


@pytest.mark.parametrize("bars", [1, 2, 8])
def test_length_in_bars(engine, bars):
    cont, out = run(engine, bars=bars)
    assert cont.end_tick - cont.start_tick == bars * SEED.time_signature.bar_ticks
    assert_valid(cont, out)


def test_length_in_beats(engine):
    cont, out = run(engine, beats=3)
    assert cont.end_tick - cont.start_tick == 3 * 480
    assert_valid(cont, out)


def test_key_lock_over_a_thousand_notes(engine):
    key = Key.parse("Eb-major")
    notes = []
    seed = 0
    while len(notes) < 1000:
        _, out = run(engine, key="Eb-major", bars=8, variations=8, seed=seed, temperature=1.5)
        notes += [n for v in out for n in v]
        seed += 1
    assert all(key.contains(n.pitch) for n in notes)


def test_key_auto_detects_the_seed_key(engine):
    cont, _ = run(engine, key="auto")
    assert str(cont.key) == "G-major"


def test_pitch_range_and_polyphony_cap(engine):
    chords = Clip([Note(i * 480, p, 480, 80) for i in range(16) for p in (60, 64, 67, 72)], 120.0)
    cont, out = run(engine, clip=chords, variations=4, max_polyphony=2, low=55, high=70, bars=4)
    assert_valid(cont, out)
    for notes in out:
        assert all(55 <= n.pitch <= 70 for n in notes)
        for n in notes:
            sounding = sum(1 for m in notes if m.start <= n.start < m.end)
            assert sounding <= 2


def test_greedy_is_deterministic_without_a_seed(engine):
    a = engine.continuation(SEED, Settings(temperature=0)).run()
    b = engine.continuation(SEED, Settings(temperature=0)).run()
    assert a == b


def test_incremental_and_cancellable(engine):
    cont = engine.continuation(SEED, Settings(bars=32, variations=2, seed=3))
    seen = []
    for item in cont:
        seen.append(item)
        if len(seen) == 5:
            cont.cancel()
    assert len(seen) == 5 or len(seen) == 6  # the other row may finish its step
    assert cont.first_note_ms is not None and cont.first_note_ms > 0


def test_cancel_from_another_thread(engine):
    cont = engine.continuation(SEED, Settings(bars=32, variations=8, seed=3))
    timer = threading.Timer(0.05, cont.cancel)
    timer.start()
    notes = cont.run()
    timer.join()
    assert cont.cancelled
    assert sum(len(v) for v in notes) < 8 * 32 * 4


def test_style_as_the_seed_and_explicit_style(engine):
    assert run(engine, style="auto")[0].style in ("folk", "chorale", "renaissance", "classical")
    assert run(engine, style="chorale")[0].style == "chorale"


def test_dynamics_follow_the_seed(engine):
    soft = SEED.with_notes([n.moved(velocity=37) for n in SEED.notes])
    _, out = run(engine, clip=soft)
    assert {n.velocity for n in out[0]} == {37}


@pytest.mark.parametrize("clip, message", [
    (Clip([]), "no notes"),
    (Clip([Note(0, 36, 120, 100, channel=9), Note(480, 38, 120, 100, channel=9)]), "no notes"),
])
def test_seeds_without_notes_are_refused(engine, clip, message):
    with pytest.raises(SeedError, match=message):
        engine.continuation(clip, Settings())


def test_one_note_seed(engine):
    cont, out = run(engine, clip=Clip([Note(0, 62, 480, 80)]), bars=2)
    assert out[0] and cont.start_tick == 480
    assert_valid(cont, out)


def test_ten_thousand_note_seed(engine):
    big = Clip([Note(i * 120, 48 + (i * 7) % 36, 120, 80) for i in range(10_000)], 120.0)
    cont, out = run(engine, clip=big, bars=1)
    assert cont.start_tick == 10_000 * 120
    assert out[0]
    assert_valid(cont, out)


@pytest.mark.parametrize("settings, word", [
    (Settings(bars=40), "bars"), (Settings(variations=9), "variations"),
    (Settings(temperature=3), "temperature"), (Settings(style="jazz"), "style"),
    (Settings(low=80, high=60), "range"), (Settings(key="H-major"), "H"),
])
def test_bad_settings_are_one_sentence(engine, settings, word):
    with pytest.raises(SeedError, match=word):
        engine.continuation(SEED, settings)


def test_threads_share_one_engine_and_get_the_same_notes(engine, model):
    from concurrent.futures import ThreadPoolExecutor

    from studio.engine.continuation import Engine

    def job(seed):
        return Engine(model).continuation(SEED, Settings(seed=seed, variations=2)).run()

    expected = [job(s) for s in range(6)]
    with ThreadPoolExecutor(3) as pool:
        shared = list(pool.map(lambda s: engine.continuation(SEED, Settings(seed=s, variations=2)).run(),
                                range(6)))
    assert shared == expected


def _counting_runs(model, work):
    """Do work with the model's calls counted: (the token count of each call, work's result)."""
    ran = []
    real_run = model.run

    def counting_run(chunk, h, c):
        ran.append(len(chunk))
        return real_run(chunk, h, c)

    model.run = counting_run
    try:
        return ran, work()
    finally:
        del model.run


def test_prime_cache_reuses_checkpoints_and_matches_a_cold_prime_exactly(engine, model):
    import numpy as np

    from studio.core.encoding import encode
    from studio.engine.continuation import PRIME_CHUNK, Engine

    tokens = encode(SEED, "folk", end=False) * 2  # a seed edited after its first chunks
    assert len(tokens) > 2 * PRIME_CHUNK + 10
    at = 2 * PRIME_CHUNK + 5
    edited = tokens[:at] + [tokens[at] + 1] + tokens[at + 1:]
    engine.prime(tokens)
    ran, warm = _counting_runs(model, lambda: engine.prime(edited))
    assert sum(ran) == len(edited) - 2 * PRIME_CHUNK  # only the chunks after the shared ones ran
    cold = Engine(model).prime(edited)
    for a, b in ((warm.h, cold.h), (warm.c, cold.c), (warm.logits, cold.logits)):
        assert np.array_equal(a, b)


def test_a_cancelled_prime_does_not_poison_the_cache(engine, model):
    import numpy as np

    from studio.core.encoding import encode
    from studio.engine.continuation import Engine

    class CancelAfter(threading.Event):
        def __init__(self, steps):
            super().__init__()
            self.steps = steps

        def is_set(self):
            self.steps -= 1
            return self.steps < 0

    tokens = encode(SEED, "folk", end=False)
    engine.prime(tokens, CancelAfter(10))
    assert np.allclose(engine.prime(tokens).logits, Engine(model).prime(tokens).logits, atol=1e-5)


def test_a_melody_is_continued_as_a_melody_unless_asked(engine):
    cont, out = run(engine, variations=4, bars=4)
    assert cont.polyphony == 1
    for notes in out:
        assert len({n.start for n in notes}) == len(notes)
    assert run(engine, max_polyphony=0)[0].polyphony == 0


def test_seed_polyphony_counts_the_most_notes_at_once():
    from studio.engine.continuation import seed_polyphony

    assert seed_polyphony(SEED) == 1
    chord = Clip([Note(0, 60, 480), Note(0, 64, 480), Note(240, 67, 480), Note(480, 72, 480)])
    assert seed_polyphony(chord) == 3


def test_prepare_primes_while_editing_so_the_continuation_runs_no_prime(engine, model):
    settings = Settings(seed=5, bars=2, style="auto")
    cold = engine.continuation(SEED, settings).run()
    fresh = type(engine)(model)
    fresh.prepare(SEED, settings)
    ran, warm = _counting_runs(model, lambda: fresh.continuation(SEED, settings).run())
    assert ran == []  # the style head's look at the seed and the prime were both cached
    assert warm == cold


def test_repeat_control_restates_the_seeds_motifs(engine):
    def restated(repeat: float) -> float:
        """Share of the continuation's 4-note pitch runs that also occur in the seed."""
        seed_runs = {tuple(p.pitch for p in SEED.notes[i:i + 4]) for i in range(len(SEED.notes) - 3)}
        hits = total = 0
        for notes in run(engine, variations=8, bars=4, repeat=repeat, seed=21)[1]:
            runs = [tuple(n.pitch for n in notes[i:i + 4]) for i in range(len(notes) - 3)]
            hits += sum(r in seed_runs for r in runs)
            total += len(runs)
        return hits / total

    never, often = restated(0.0), restated(2.0)
    assert often > never + 0.2, (never, often)
