"""The token encoding: round trips, canonical clips, the grammar, and worked examples."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.encoding import (
    BAR,
    DURATION_STEPS,
    EOS,
    KIND_OF,
    METRES,
    STYLES,
    TICKS_PER_STEP,
    VOCAB_SIZE,
    EncodingError,
    GrammarState,
    Kind,
    canonical_clip,
    decode,
    duration_index,
    encode,
    note_spans,
    style_of,
    style_token,
    token,
    value_of,
)
from studio.core.notes import DRUM_CHANNEL, Clip, Note, TimeSignature
from studio.core.scales import SCALES, Key

STEP = TICKS_PER_STEP
QUARTER = 12 * STEP

# Strategies --------------------------------------------------------------------------------

notes = st.builds(
    Note,
    start=st.integers(0, 20_000),
    pitch=st.integers(0, 127),
    duration=st.integers(1, 4000),
    velocity=st.integers(1, 127),
    # Drums (channel 9) often enough to exercise dropping them.
    channel=st.one_of(st.just(DRUM_CHANNEL), st.integers(0, 15)),
)
keys = st.one_of(
    st.none(), st.builds(lambda t, s: str(Key(t, s)), st.integers(0, 11), st.sampled_from(sorted(SCALES)))
)
clips = st.builds(
    Clip,
    notes=st.lists(notes, max_size=40),
    tempo=st.floats(20.0, 300.0, allow_nan=False),
    time_signature=st.sampled_from(METRES).map(lambda m: TimeSignature(*m)),
    key=keys,
)
styles = st.sampled_from(STYLES)


def _kinds(tokens: list[int]) -> list[Kind]:
    return [KIND_OF[t] for t in tokens]


# Properties --------------------------------------------------------------------------------


@settings(deadline=None)
@given(clips, styles)
def test_decode_inverts_encode_up_to_the_canonical_clip(clip: Clip, style: str) -> None:
    assert decode(encode(clip, style), clip.tempo, clip.key) == canonical_clip(clip)


@settings(deadline=None)
@given(clips)
def test_canonical_clip_is_idempotent(clip: Clip) -> None:
    once = canonical_clip(clip)
    assert canonical_clip(once) == once
    assert all(n.channel == 0 and n.start % STEP == 0 for n in once.notes)
    assert all(n.duration // STEP in DURATION_STEPS and n.duration % STEP == 0 for n in once.notes)
    assert len({(n.start, n.pitch) for n in once.notes}) == len(once.notes)


@settings(deadline=None)
@given(clips, styles)
def test_encoding_sees_only_the_canonical_clip(clip: Clip, style: str) -> None:
    assert encode(canonical_clip(clip), style) == encode(clip, style)


@settings(deadline=None)
@given(clips, styles)
def test_grammar_accepts_every_encoded_sequence(clip: Clip, style: str) -> None:
    tokens = encode(clip, style)
    state = GrammarState()
    completed = []
    for i, tok in enumerate(tokens):
        assert any(lo <= tok < hi for lo, hi in state.allowed()), f"token {i} ({KIND_OF[tok].name}) refused"
        note = state.advance(tok)
        if note is not None:
            completed.append(note)
    canonical = canonical_clip(clip)
    assert len(note_spans(tokens)) == len(canonical.notes) == len(completed)
    assert completed == canonical.notes  # in encoding order: by onset, highest pitch first


@settings(deadline=None)
@given(clips, styles)
def test_note_spans_cover_each_note(clip: Clip, style: str) -> None:
    tokens = encode(clip, style)
    spans = note_spans(tokens)
    for before, after in zip(spans, spans[1:], strict=False):
        assert after.first == before.last + 1
    for span in spans:
        assert KIND_OF[tokens[span.pitch_index]] == Kind.PITCH
        assert KIND_OF[tokens[span.last]] == Kind.DUR
        assert span.first <= span.pitch_index < span.last
        assert all(KIND_OF[tokens[i]] in (Kind.BAR, Kind.POS, Kind.DUR) for i in span.timing)


@given(clips, styles)
def test_style_token_round_trips(clip: Clip, style: str) -> None:
    tokens = encode(clip, style)
    assert tokens[0] == style_token(style)
    assert style_of(tokens) == style


@settings(deadline=None)
@given(st.data(), st.integers(3, 80))
def test_every_grammatical_walk_decodes_and_re_encodes(data: st.DataObject, length: int) -> None:
    """Walk the grammar at random, as the engine's sampler does: it never gets stuck, the walk
    decodes, and the encoder writes the same tokens back (but for trailing empty bars)."""
    state, tokens = GrammarState(), []
    while not tokens or tokens[-1] != EOS:
        allowed = state.allowed()
        assert allowed, f"dead end after {_kinds(tokens)}"
        if len(tokens) < length:
            lo, hi = data.draw(st.sampled_from(allowed))
            tok = data.draw(st.integers(lo, hi - 1))
        else:  # wind down: the smallest allowed token finishes a note, then EOS
            tok = EOS if state.accepts(EOS) else allowed[0][0]
        state.advance(tok)
        tokens.append(tok)
    clip = decode(tokens)
    trimmed = tokens[:-1]
    while len(trimmed) > 3 and trimmed[-1] == BAR:  # keep the opening STYLE METRE BAR
        trimmed.pop()
    assert encode(clip, style_of(tokens)) == [*trimmed, EOS]


# Examples ----------------------------------------------------------------------------------


def _clip(*notes: Note, ts: tuple[int, int] = (4, 4)) -> Clip:
    return Clip(list(notes), 120.0, TimeSignature(*ts), None)


def test_chord_is_written_highest_pitch_first() -> None:
    tokens = encode(_clip(Note(0, 60, QUARTER), Note(0, 67, QUARTER), Note(0, 64, QUARTER)))
    pitches = [value_of(t) for t in tokens if KIND_OF[t] == Kind.PITCH]
    assert pitches == [67, 64, 60]
    assert _kinds(tokens).count(Kind.POS) == 1


def test_velocity_is_written_only_when_it_changes() -> None:
    soft, loud = 40, 110
    clip = _clip(
        Note(0, 60, QUARTER, soft),
        Note(QUARTER, 62, QUARTER, soft),
        Note(2 * QUARTER, 64, QUARTER, loud),
        Note(3 * QUARTER, 65, QUARTER, loud),
    )
    tokens = encode(clip)
    vels = [value_of(t) for t in tokens if KIND_OF[t] == Kind.VEL]
    assert vels == [soft * 8 // 128, loud * 8 // 128]


def test_empty_bars_are_repeated_bar_tokens() -> None:
    bar = 4 * QUARTER
    tokens = encode(_clip(Note(0, 60, QUARTER, 64), Note(3 * bar, 62, QUARTER, 64)), "folk")
    dur = token(Kind.DUR, DURATION_STEPS.index(12))
    assert tokens == [
        style_token("folk"), token(Kind.METRE, METRES.index((4, 4))),
        BAR, token(Kind.POS, 0), token(Kind.VEL, 4), token(Kind.PITCH, 60), dur,
        BAR, BAR, BAR, token(Kind.POS, 0), token(Kind.PITCH, 62), dur,
        EOS,
    ]  # fmt: skip


def test_position_is_the_step_inside_the_bar() -> None:
    # 3/4: a bar is 36 steps; an onset at step 40 is in the second bar at position 4.
    tokens = encode(_clip(Note(40 * STEP, 60, QUARTER), ts=(3, 4)))
    assert _kinds(tokens)[:5] == [Kind.STYLE, Kind.METRE, Kind.BAR, Kind.BAR, Kind.POS]
    assert value_of(tokens[4]) == 4


def test_empty_clip() -> None:
    tokens = encode(_clip(), "chorale")
    assert _kinds(tokens) == [Kind.STYLE, Kind.METRE, Kind.BAR, Kind.EOS]
    assert decode(tokens) == _clip()
    assert encode(_clip(), end=False)[-1] == BAR


def test_drums_are_dropped_and_duplicates_merged() -> None:
    clip = _clip(
        Note(0, 36, QUARTER, channel=DRUM_CHANNEL),
        Note(0, 60, QUARTER, 50, channel=2),
        Note(5, 60, 2 * QUARTER, 50, channel=3),  # same onset after snapping: the longer wins
    )
    assert canonical_clip(clip).notes == [Note(0, 60, 2 * QUARTER, 56, 0)]


@pytest.mark.parametrize("metre", [(7, 2), (32, 8), (9, 4), (3, 32), (1, 1)])
def test_unsupported_metre_raises(metre: tuple[int, int]) -> None:
    clip = _clip(Note(0, 60, QUARTER), ts=metre)
    with pytest.raises(EncodingError, match="not supported"):
        encode(clip)
    with pytest.raises(EncodingError):
        canonical_clip(clip)


def test_supported_metres_cover_the_common_ones() -> None:
    for metre in [(2, 4), (3, 4), (4, 4), (5, 4), (6, 8), (7, 8), (9, 8), (12, 8), (2, 2), (3, 2)]:
        assert metre in METRES


def test_unknown_style_raises() -> None:
    with pytest.raises(EncodingError, match="unknown style"):
        encode(_clip(), "dubstep")


def test_decode_rejects_pitch_right_after_bar() -> None:
    tokens = encode(_clip(Note(0, 60, QUARTER)))
    broken = tokens[:3] + [token(Kind.PITCH, 60), token(Kind.DUR, 11), EOS]
    with pytest.raises(EncodingError):
        decode(broken)


def test_decode_rejects_other_broken_sequences() -> None:
    good = encode(_clip(Note(0, 60, QUARTER), Note(0, 64, QUARTER)))  # ... PITCH 64 DUR PITCH 60 DUR
    with pytest.raises(EncodingError):
        decode([])
    with pytest.raises(EncodingError):
        decode(good[1:])  # no style
    pitches = [i for i, t in enumerate(good) if KIND_OF[t] == Kind.PITCH]
    upwards = list(good)
    upwards[pitches[0]], upwards[pitches[1]] = upwards[pitches[1]], upwards[pitches[0]]
    with pytest.raises(EncodingError):
        decode(upwards)  # a chord going up
    with pytest.raises(EncodingError):
        decode(good + [BAR])  # tokens after EOS


def test_no_velocity_token_where_no_pitch_can_follow() -> None:
    # After a chord note of pitch 0 no lower pitch exists, so a VEL there would be a dead end.
    tokens = encode(_clip(Note(0, 0, QUARTER, 40)), end=False)
    state = GrammarState()
    for tok in tokens:
        state.advance(tok)
    assert not any(state.accepts(token(Kind.VEL, v)) for v in range(8))
    assert state.accepts(EOS) and state.accepts(BAR) and state.accepts(token(Kind.POS, 1))


def test_style_of_rejects_tokens_without_style() -> None:
    with pytest.raises(EncodingError):
        style_of([BAR, EOS])
    with pytest.raises(EncodingError):
        style_of([])


@pytest.mark.parametrize(
    ("steps", "expected"),
    [(0, 1), (1, 1), (12, 12), (25, 24), (26, 27), (31, 30), (41, 40), (108, 96), (132, 120), (500, 192)],
)
def test_duration_index_picks_nearest_ties_shorter(steps: int, expected: int) -> None:
    assert DURATION_STEPS[duration_index(steps)] == expected


def test_vocabulary_is_consistent() -> None:
    assert len(KIND_OF) == VOCAB_SIZE
    assert KIND_OF[EOS] == Kind.EOS and KIND_OF[BAR] == Kind.BAR
    assert list(DURATION_STEPS) == sorted(set(DURATION_STEPS))
    with pytest.raises(EncodingError):
        token(Kind.PITCH, 128)
