"""Keys and scales: parsing key names, note names, scale membership and key detection."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.core.notes import DRUM_CHANNEL, Note
from studio.core.scales import SCALES, Key, detect_key, note_name, pitch_class, pitch_class_histogram


@pytest.mark.parametrize(
    ("text", "tonic", "scale"),
    [
        ("C-major", 0, "major"),
        ("a minor", 9, "minor"),
        ("F#-dorian", 6, "dorian"),
        ("Bb", 10, "major"),
        ("c#", 1, "major"),
        ("Db minor", 1, "minor"),
        ("e-MINOR", 4, "minor"),
        ("D harmonic minor", 2, "harmonic-minor"),
        ("G_mixolydian", 7, "mixolydian"),
        ("  A-minor ", 9, "minor"),
    ],
)
def test_key_parse(text: str, tonic: int, scale: str) -> None:
    assert Key.parse(text) == Key(tonic, scale)


@pytest.mark.parametrize("text", ["", "   ", "H-major", "C-foo", "C--major", "-major", "BB", "X#"])
def test_key_parse_rejects_bad_names(text: str) -> None:
    with pytest.raises(ValueError):
        Key.parse(text)


def test_key_rejects_bad_fields() -> None:
    with pytest.raises(ValueError):
        Key(12)
    with pytest.raises(ValueError):
        Key(0, "ionian-ish")


@given(st.integers(0, 11), st.sampled_from(sorted(SCALES)))
def test_key_name_round_trips(tonic: int, scale: str) -> None:
    key = Key(tonic, scale)
    assert Key.parse(str(key)) == key


def test_pitch_class_spellings() -> None:
    assert pitch_class("C") == 0
    assert pitch_class("F#") == pitch_class("Gb") == 6
    assert pitch_class("Cb") == 11
    assert pitch_class("E#") == 5


def test_note_name() -> None:
    assert note_name(60) == "C4"
    assert note_name(69) == "A4"
    assert note_name(0) == "C-1"
    assert note_name(127) == "G9"
    assert note_name(70) == "Bb4"


def test_scale_membership() -> None:
    c_major = Key.parse("C-major")
    assert [p for p in range(60, 72) if c_major.contains(p)] == [60, 62, 64, 65, 67, 69, 71]
    assert Key.parse("A-minor").pitch_classes == c_major.pitch_classes
    assert Key.parse("E-harmonic-minor").contains(63)  # D#, the leading tone


def _melody(pitches: list[int]) -> list[Note]:
    return [Note(i * 480, p, 480) for i, p in enumerate(pitches)]


def test_detect_key_c_major_scale() -> None:
    up_and_down = [60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62, 60]
    assert detect_key(_melody(up_and_down)) == Key(0, "major")


def test_detect_key_a_harmonic_minor() -> None:
    # A harmonic minor: the G# gives it away against C major / A natural minor's shared notes.
    material = [57, 59, 60, 62, 64, 65, 68, 69, 68, 64, 60, 57, 64, 68, 69, 57]
    assert detect_key(_melody(material)) == Key(9, "minor")


def test_detect_key_is_transposition_invariant() -> None:
    up_and_down = [60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62, 60]
    assert detect_key(_melody([p + 7 for p in up_and_down])) == Key(7, "major")


def test_detect_key_without_pitched_notes() -> None:
    assert detect_key([]) is None
    assert detect_key([Note(0, 36, 480, channel=DRUM_CHANNEL)]) is None


def test_histogram_weights_by_duration_and_skips_drums() -> None:
    notes = [Note(0, 60, 480), Note(0, 72, 240), Note(0, 62, 100, channel=DRUM_CHANNEL)]
    hist = pitch_class_histogram(notes)
    assert hist[0] == 720
    assert hist[2] == 0
