"""The Continuo project file (.continuo): a sketch with everything needed to pick it up again.

A project is JSON with a format name and version: the clip (notes, tempo, metre, key), the
settings of the last continuation (a flat dict of plain values), the loop region and the snap
(and, once the sketch was arranged, the chord lane and the Arrange panel's settings);
an autosave also names the file the sketch belongs to (`source`), so a sketch recovered after a
crash goes back to its file (a saved project leaves it out: the file is where it is).
Saving is atomic: the bytes go to a temporary file in the same folder, are flushed and fsynced,
then renamed over the target, so a full disk or a crash leaves the old file as it was. A
project file is untrusted input: loading checks the size, the nesting, every type and range and
the format version, and any problem raises ProjectError, one sentence for the user.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.core.notes import Clip, Note, TimeSignature
from studio.core.safe_files import UnreadableFileError, os_trouble, read_bounded, shown_name, write_atomically
from studio.core.scales import Key

EXTENSION = ".continuo"
FORMAT_NAME = "continuo-project"
FORMAT_VERSION = 1
MAX_BYTES = 32 * 1024 * 1024
MAX_NOTES = 500_000
MAX_TICK = 2**31 - 1  # what a .mid file's delta times can reach; far beyond any sketch
MAX_SETTINGS = 100
MAX_TEXT = 500
MAX_PATH = 4096  # characters of a source path: PATH_MAX on Linux, far beyond Windows and macOS
TEMPO_RANGE = (1.0, 999.0)

Scalar = str | int | float | bool | None
PathLike = str | os.PathLike[str]


class ProjectError(Exception):
    """A project that cannot be read or written; str() is one sentence for the user."""


@dataclass
class Project:
    """A sketch: the clip, the last continuation's settings, the loop region and the snap."""

    clip: Clip = field(default_factory=Clip)
    continuation: dict[str, Scalar] = field(default_factory=dict)
    loop: tuple[int, int] | None = None
    snap: int | None = None  # ticks, None = snap off
    source: str | None = None  # the sketch's own file, recorded in autosaves only (see above)
    # {"chords": [[start, length, symbol, locked], ...], "settings": {plain values}}; None: never
    # arranged (the key is left out, so files stay as they were, and older Continuos skip it)
    arrangement: dict[str, Any] | None = None


def save_project(path: PathLike, project: Project) -> None:
    """Write project to path atomically; raises ProjectError (old file intact) on failure."""
    target = Path(path)
    try:
        write_atomically(target, project_bytes(project))
    except OSError as exc:
        raise ProjectError(f"Could not save {shown_name(target)}: {os_trouble(exc)}.") from exc


def load_project(path: PathLike) -> Project:
    """Read a project file; any problem raises ProjectError, one sentence naming the file."""
    name = shown_name(path)
    try:
        data = read_bounded(Path(path), MAX_BYTES, "a Continuo project")
    except UnreadableFileError as exc:
        raise ProjectError(f"{name} {exc}.") from exc
    return parse_project(data, name)


def project_bytes(project: Project) -> bytes:
    """The file's bytes: readable JSON, one note per line in the clip's order (so a diff of two
    saves shows what changed)."""
    clip = project.clip
    head = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "tempo": clip.tempo,
        "time_signature": [clip.time_signature.numerator, clip.time_signature.denominator],
        "key": clip.key,
        "loop": list(project.loop) if project.loop else None,
        "snap": project.snap,
        "continuation": dict(project.continuation),
    }
    if project.source is not None:
        head["source"] = project.source
    if project.arrangement is not None:
        head["arrangement"] = project.arrangement
    lines = [f"  {json.dumps(key)}: {json.dumps(value, allow_nan=False)}," for key, value in head.items()]
    # Plain strings, no list per note: an autosave thread then neither holds the GIL in one long
    # C call nor wakes the garbage collector, so the GUI thread is never kept waiting.
    notes = ",\n    ".join(
        f"[{n.start}, {n.pitch}, {n.duration}, {n.velocity}, {n.channel}]" for n in clip.notes
    )
    body = "{\n" + "\n".join(lines) + '\n  "notes": [\n' + (f"    {notes}\n" if notes else "") + "  ]\n}\n"
    return body.encode("utf-8")


def parse_project(data: bytes, name: str = "The project") -> Project:
    """A Project from a file's bytes; ProjectError names `name` in its sentence."""
    document = _decode_json(data, name)
    check = _Checker(name)
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        check.fail("is not a Continuo project")
    version = document.get("version")
    if type(version) is not int or version < 1:
        check.fail("is damaged (it has no valid format version)")
    if version > FORMAT_VERSION:
        raise ProjectError(
            f"{name} was saved by a newer Continuo (project format {version}, this one reads up to "
            f"{FORMAT_VERSION}); please update Continuo to open it."
        )
    clip = Clip(
        notes=check.notes(document.get("notes")),
        tempo=check.tempo(document.get("tempo", 120.0)),
        time_signature=check.time_signature(document.get("time_signature", [4, 4])),
        key=check.key(document.get("key")),
    )
    return Project(
        clip=clip,
        continuation=check.settings(document.get("continuation", {})),
        loop=check.loop(document.get("loop")),
        snap=check.snap(document.get("snap")),
        source=check.source(document.get("source")),
        arrangement=check.arrangement(document.get("arrangement")),
    )


def _refuse_constant(token: str) -> Any:
    raise ValueError(f"{token} is not a number JSON allows")


def _decode_json(data: bytes, name: str) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProjectError(f"{name} is not a Continuo project (it is not text).") from exc
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise ProjectError(f"{name} is damaged: it is nested too deeply to be a project.") from exc
    except ValueError as exc:  # JSONDecodeError, NaN/Infinity, an integer of thousands of digits
        raise ProjectError(f"{name} is not a Continuo project (it is not valid JSON).") from exc


def _is_int(value: object) -> bool:
    return type(value) is int  # bool is an int subclass, and never a tick or a pitch


class _Checker:
    """Checks each field of a decoded project; fail() raises ProjectError naming the file."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, problem: str) -> Any:
        raise ProjectError(f"{self.name} {problem}.")

    def damaged(self, what: str) -> Any:
        return self.fail(f"is damaged ({what})")

    def notes(self, raw: object) -> list[Note]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            return self.damaged("its notes are not a list")
        if len(raw) > MAX_NOTES:
            return self.damaged(f"it holds {len(raw):,} notes, more than the {MAX_NOTES:,} allowed")
        notes = []
        for number, item in enumerate(raw, 1):
            if not (isinstance(item, list) and len(item) in (4, 5) and all(map(_is_int, item))):
                self.damaged(f"note {number} is not four or five whole numbers")
            if item[0] > MAX_TICK or item[2] > MAX_TICK:
                self.damaged(f"note {number} lies beyond the end of time")
            try:
                notes.append(Note(*item))
            except ValueError as exc:
                self.damaged(f"note {number}: {exc}")
        return notes

    def tempo(self, raw: object) -> float:
        low, high = TEMPO_RANGE
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not low <= raw <= high:
            return self.damaged(f"its tempo is not a number of beats per minute from {low:g} to {high:g}")
        return float(raw)

    def time_signature(self, raw: object) -> TimeSignature:
        if isinstance(raw, list) and len(raw) == 2 and all(map(_is_int, raw)) and raw[0] <= 64:
            with contextlib.suppress(ValueError):
                return TimeSignature(raw[0], raw[1])
        return self.damaged("its time signature is not one like [3, 4] or [6, 8]")

    def key(self, raw: object) -> str | None:
        if raw is None:
            return None
        if isinstance(raw, str) and len(raw) <= 40:
            with contextlib.suppress(ValueError):
                return str(Key.parse(raw))
        return self.damaged("its key is not one like 'D-minor'")

    def loop(self, raw: object) -> tuple[int, int] | None:
        if raw is None:
            return None
        if isinstance(raw, list) and len(raw) == 2 and all(map(_is_int, raw)):
            start, end = raw
            if 0 <= start < end <= MAX_TICK:
                return start, end
        return self.damaged("its loop region is not a start and a later end")

    def snap(self, raw: object) -> int | None:
        if raw is None:
            return None
        if _is_int(raw) and 1 <= raw <= MAX_TICK:
            return raw
        return self.damaged("its snap is not a positive number of ticks")

    def source(self, raw: object) -> str | None:
        if raw is None:
            return None
        if isinstance(raw, str) and 0 < len(raw) <= MAX_PATH and "\0" not in raw:
            return raw
        return self.damaged("the file it belongs to is not named by a path")

    def arrangement(self, raw: object) -> dict[str, Any] | None:
        if raw is None:
            return None
        chords = raw.get("chords", []) if isinstance(raw, Mapping) else None
        if not isinstance(chords, list) or len(chords) > MAX_NOTES:
            return self.damaged("its chord lane is not a list of chords")
        for number, item in enumerate(chords, 1):
            if not (isinstance(item, list) and len(item) == 4 and _is_int(item[0]) and _is_int(item[1])
                    and 0 <= item[0] <= MAX_TICK and 1 <= item[1] <= MAX_TICK and isinstance(item[2], str)
                    and 0 < len(item[2]) <= 40 and isinstance(item[3], bool)):
                self.damaged(f"chord {number} of its chord lane is not a start, a length, a symbol "
                             "and whether it is locked")
        return {"chords": [list(c) for c in chords],
                "settings": self.settings(raw.get("settings", {}), "arrangement")}

    def settings(self, raw: object, what: str = "continuation") -> dict[str, Scalar]:
        if not isinstance(raw, Mapping) or len(raw) > MAX_SETTINGS:
            return self.damaged(f"its {what} settings are not a short list of names and values")
        for key, value in raw.items():
            plain = value is None or isinstance(value, bool | int | str) or (
                isinstance(value, float) and math.isfinite(value)
            )
            if len(key) > MAX_TEXT or not plain or (isinstance(value, str) and len(value) > MAX_TEXT):
                self.damaged(f"its {what} setting '{key[:40]}' is not a plain value")
        return dict(raw)
