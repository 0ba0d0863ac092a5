"""Tests for studio.core.project: round trips, atomic saves under real and simulated failures,
and every kind of damaged or hostile file refused with one sentence."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core import project as project_module
from studio.core import safe_files
from studio.core.notes import Clip, Note, TimeSignature
from studio.core.project import (
    FORMAT_VERSION,
    MAX_BYTES,
    Project,
    ProjectError,
    load_project,
    parse_project,
    project_bytes,
    save_project,
)


def sample_project() -> Project:
    notes = [Note(0, 60, 480), Note(480, 64, 240, 100), Note(480, 67, 240, 90, 1), Note(960, 36, 120, 127, 9)]
    clip = Clip(notes, tempo=97.5, time_signature=TimeSignature(6, 8), key="D-dorian")
    return Project(clip, {"style": "folk", "temperature": 0.9, "variations": 4, "key_lock": True,
                          "seed": None}, loop=(0, 1920), snap=120)  # fmt: skip


def document(**changes: object) -> bytes:
    """A valid project file as JSON, with some top-level fields replaced."""
    raw = json.loads(project_bytes(sample_project()))
    raw.update(changes)
    return json.dumps(raw).encode()


def refusal(data: bytes) -> str:
    with pytest.raises(ProjectError) as caught:
        parse_project(data, "song.continuo")
    message = str(caught.value)
    assert message.startswith("song.continuo ") and message.endswith(".") and "\n" not in message
    return message


def test_round_trip_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "song.continuo"
    save_project(path, sample_project())
    loaded = load_project(path)
    assert loaded == sample_project()
    assert loaded.clip.time_signature == TimeSignature(6, 8) and loaded.clip.key == "D-dorian"
    assert isinstance(loaded.clip.tempo, float) and loaded.loop == (0, 1920)


def test_an_empty_project_round_trips(tmp_path: Path) -> None:
    save_project(tmp_path / "empty.continuo", Project())
    assert load_project(tmp_path / "empty.continuo") == Project()


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.builds(Note, st.integers(0, 10**6), st.integers(0, 127), st.integers(1, 10**5),
                  st.integers(1, 127), st.integers(0, 15)),
        max_size=40,
    ),
    st.floats(1, 999),
)  # fmt: skip
def test_any_clip_round_trips_through_bytes(notes: list[Note], tempo: float) -> None:
    project = Project(Clip(notes, tempo=tempo))
    assert parse_project(project_bytes(project)) == project


def test_an_autosave_names_the_sketchs_file_and_a_saved_project_does_not(tmp_path: Path) -> None:
    autosave = Project(sample_project().clip, source=str(tmp_path / "tune.continuo"))
    save_project(tmp_path / "autosave.continuo", autosave)
    assert load_project(tmp_path / "autosave.continuo") == autosave
    assert "source" not in json.loads(project_bytes(sample_project()))  # older readers see no change


ARRANGED = {"chords": [[0, 1920, "C", True], [1920, 960, "Am7", False]],
            "settings": {"style": "folk", "chords": "C Am7", "seed": 4, "bass.muted": True}}


def test_the_chord_lane_and_the_arrange_panel_round_trip_and_older_files_still_load(tmp_path: Path) -> None:
    arranged = Project(sample_project().clip, arrangement=ARRANGED)
    save_project(tmp_path / "band.continuo", arranged)
    assert load_project(tmp_path / "band.continuo") == arranged
    assert json.loads(project_bytes(arranged))["version"] == FORMAT_VERSION == 1  # nothing bumped
    older = json.loads(project_bytes(sample_project()))
    assert "arrangement" not in older  # never arranged: the file is as it was
    assert parse_project(json.dumps(older).encode()).arrangement is None


@pytest.mark.parametrize("lane", [
    "C G", [[0, 1920, "C"]], [[-1, 1920, "C", True]], [[0, 0, "C", True]], [[0, 1920, "", True]],
    [[0, 1920, "C", "yes"]], [[0, 1920, 7, True]],
])  # fmt: skip
def test_a_damaged_chord_lane_is_one_sentence(lane: object) -> None:
    raw = json.loads(project_bytes(sample_project()))
    raw["arrangement"] = {"chords": lane, "settings": {}}
    with pytest.raises(ProjectError, match="chord lane") as caught:
        parse_project(json.dumps(raw).encode(), "song.continuo")
    assert str(caught.value).startswith("song.continuo is damaged") and str(caught.value).count(".") <= 2


def test_the_file_is_versioned_json_with_a_note_per_line() -> None:
    data = project_bytes(sample_project())
    raw = json.loads(data)
    assert raw["format"] == "continuo-project" and raw["version"] == FORMAT_VERSION
    assert data.decode().count("\n    [") == len(sample_project().clip.notes)


def test_saving_over_a_file_replaces_it_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "song.continuo"
    save_project(path, Project())
    os.chmod(path, 0o600)
    save_project(path, sample_project())
    assert load_project(path) == sample_project()
    assert os.stat(path).st_mode & 0o777 == 0o600  # the user's permissions survive the rename
    assert [p.name for p in tmp_path.iterdir()] == ["song.continuo"]


@pytest.mark.parametrize("failing", ["write", "fsync", "replace"])
def test_a_full_disk_leaves_the_old_file_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                failing: str) -> None:  # fmt: skip
    path = tmp_path / "song.continuo"
    save_project(path, Project())
    before = path.read_bytes()

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(safe_files.os, failing, full)
    with pytest.raises(ProjectError, match=r"^Could not save song\.continuo: the disk is full\.$"):
        save_project(path, sample_project())
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["song.continuo"]  # the temporary is gone


_SAVE_AS_NOBODY = """
import os, sys
from studio.core.project import Project, ProjectError, save_project
if os.geteuid() == 0:
    os.setgid(65534)
    os.setuid(65534)
try:
    save_project(sys.argv[1], Project())
except ProjectError as exc:
    print(exc)
"""


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_a_read_only_folder_gives_one_sentence_and_keeps_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    path = folder / "song.continuo"
    save_project(path, sample_project())
    before = path.read_bytes()
    folder.chmod(0o555)
    try:
        # root ignores permissions, so the save runs in a child that gives root up.
        result = subprocess.run([sys.executable, "-c", _SAVE_AS_NOBODY, str(path)], capture_output=True,
                                text=True, timeout=60, check=True)  # fmt: skip
    finally:
        folder.chmod(0o755)
    assert result.stdout.strip() == "Could not save song.continuo: permission denied."
    assert path.read_bytes() == before
    assert [p.name for p in folder.iterdir()] == ["song.continuo"]


def test_saving_into_a_missing_folder_says_so(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"^Could not save a\.continuo: its folder does not exist\.$"):
        save_project(tmp_path / "nowhere" / "a.continuo", Project())


def test_files_that_are_not_projects(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"^gone\.continuo does not exist\.$"):
        load_project(tmp_path / "gone.continuo")
    with pytest.raises(ProjectError, match="is a folder"):
        load_project(tmp_path)
    (tmp_path / "empty.continuo").write_bytes(b"  \n")
    with pytest.raises(ProjectError, match=r"^empty\.continuo is empty\.$"):
        load_project(tmp_path / "empty.continuo")
    (tmp_path / "big.continuo").write_bytes(b" " * (MAX_BYTES + 1))
    with pytest.raises(ProjectError, match="too large"):
        load_project(tmp_path / "big.continuo")
    assert "not valid JSON" in refusal(b'{"format": "continuo-project", "version": 1')
    assert "not text" in refusal(b"\xff\xfe\x00garbage")
    assert "is not a Continuo project" in refusal(b"[1, 2, 3]")
    assert "is not a Continuo project" in refusal(json.dumps({"notes": []}).encode())


def test_hostile_json_is_refused_without_a_traceback() -> None:
    assert "nested too deeply" in refusal(b'{"format": "continuo-project", "notes": ' + b"[" * 200_000)
    assert "not valid JSON" in refusal(document(tempo=1).replace(b'"tempo": 1', b'"tempo": NaN'))
    assert "not valid JSON" in refusal(document(tempo=1).replace(b'"tempo": 1', b'"tempo": 1' + b"0" * 5000))
    assert "more than" in refusal(document(notes=[[0, 60, 1, 1, 0]] * (project_module.MAX_NOTES + 1)))


def test_a_newer_format_asks_for_an_update() -> None:
    message = refusal(document(version=FORMAT_VERSION + 1))
    assert "newer Continuo" in message and "update" in message
    assert "format version" in refusal(document(version="1"))
    assert "format version" in refusal(document(version=True))


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("notes", {"a": 1}, "not a list"),
        ("notes", [[0, 60, 480]], "note 1 is not four or five"),
        ("notes", [[0, 60, 480, 80], [0, 60.5, 480, 80]], "note 2 is not four or five"),
        ("notes", [[0, True, 480, 80]], "note 1 is not four or five"),
        ("notes", [[0, 128, 480, 80]], "note 1: pitch 128 is outside 0-127"),
        ("notes", [[0, 60, 480, 0]], "velocity 0 is outside 1-127"),
        ("notes", [[0, 60, 0, 80]], "duration > 0"),
        ("notes", [[-5, 60, 10, 80]], "start >= 0"),
        ("notes", [[0, 60, 10, 80, 16]], "channel 16"),
        ("notes", [[10**40, 60, 10, 80]], "beyond the end of time"),
        ("tempo", "fast", "tempo"),
        ("tempo", 0, "tempo"),
        ("tempo", True, "tempo"),
        ("time_signature", [4, 3], "time signature"),
        ("time_signature", [10**9, 4], "time signature"),
        ("time_signature", "4/4", "time signature"),
        ("key", "H-major", "key"),
        ("key", 7, "key"),
        ("loop", [100, 50], "loop"),
        ("loop", [0, "end"], "loop"),
        ("snap", 0, "snap"),
        ("snap", 1.5, "snap"),
        ("continuation", [1, 2], "continuation settings"),
        ("continuation", {"style": {"nested": [1]}}, "'style' is not a plain value"),
        ("continuation", {"style": "x" * 10_000}, "not a plain value"),
        ("continuation", {f"k{i}": i for i in range(1000)}, "continuation settings"),
        ("source", 7, "not named by a path"),
        ("source", "", "not named by a path"),
        ("source", "tune\u0000.continuo", "not named by a path"),
        ("source", "x" * 5000, "not named by a path"),
    ],
)
def test_wrong_types_and_values_are_refused(field: str, value: object, says: str) -> None:
    message = refusal(document(**{field: value}))
    assert says in message and "damaged" in message


def test_a_valid_key_is_stored_in_its_canonical_spelling() -> None:
    assert parse_project(document(key="f# Minor")).clip.key == "F#-minor"
