"""AppSettings: every setting Continuo keeps between runs, as one typed object, and the only
module that touches QSettings.

Each setting is a typed attribute (`settings.octave`, `settings.midi_output`, …) with a default;
a value missing from the file, of the wrong type or out of range reads as its default (clamped
where that makes sense), so a damaged or hand-edited settings file never stops the app. The
file is INI, in the app-data folder (studio.ui.app.paths) unless a path is given, which is how tests
keep to a temporary folder. Nothing is read from deep inside the program: each part of the
window that keeps settings (`Remembers`: the Continue and Arrange panels, the computer keys, the sync, the
recent files, the actions' checked states, the MIDI ports) reads its own from this object when
the window asks at start, and writes them back when it asks at exit.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar, overload

from PySide6.QtCore import QByteArray, QSettings

from studio.ui.app import paths
from studio.ui.connections.sync import INTERNAL, MODES
from studio.ui.keyboard.computer_keys import AUTO, DEFAULT_OCTAVE, DEFAULT_VELOCITY, LAYOUTS, OCTAVE_RANGE

T = TypeVar("T")
MAX_RECENT = 10


class _Setting(Generic[T]):
    """One typed value under one key; `parse` raises ValueError/TypeError on a bad stored value."""

    def __init__(
        self, key: str, default: T, parse: Callable[[Any], T], dump: Callable[[T], Any] = str
    ) -> None:
        self.key, self.default, self._parse, self._dump = key, default, parse, dump

    @overload
    def __get__(self, settings: None, owner: type) -> _Setting[T]: ...
    @overload
    def __get__(self, settings: AppSettings, owner: type) -> T: ...

    def __get__(self, settings: AppSettings | None, owner: type) -> T | _Setting[T]:
        if settings is None:
            return self
        raw = settings.store.value(self.key)
        if raw is None:
            return copy.copy(self.default)  # a caller may change a list or dict it is given
        try:
            return self._parse(raw)
        except (ValueError, TypeError):
            return self.default

    def __set__(self, settings: AppSettings, value: T) -> None:
        if value is None:
            settings.store.remove(self.key)
        else:
            settings.store.setValue(self.key, self._dump(value))


def _text(raw: Any) -> str:
    if not isinstance(raw, str):
        raise TypeError("not text")
    return raw


def _optional_text(raw: Any) -> str | None:
    return _text(raw) or None


def _integer(low: int, high: int) -> Callable[[Any], int]:
    def parse(raw: Any) -> int:
        return min(high, max(low, int(str(raw))))

    return parse


def _number(low: float, high: float) -> Callable[[Any], float]:
    def parse(raw: Any) -> float:
        value = float(str(raw))
        if value != value:  # NaN
            raise ValueError("not a number")
        return min(high, max(low, value))

    return parse


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if str(raw).lower() in ("true", "1", "yes", "on"):
        return True
    if str(raw).lower() in ("false", "0", "no", "off"):
        return False
    raise ValueError(f"{raw!r} is not a truth value")


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        if raw not in choices:
            raise ValueError(f"{raw!r} is not one of {choices}")
        return raw

    return parse


def _bytes(raw: Any) -> bytes:
    if isinstance(raw, QByteArray):
        return bytes(raw.data())
    if isinstance(raw, bytes):
        return raw
    raise TypeError("not bytes")


def _plain_dict(raw: Any) -> dict[str, str | int | float | bool | None]:
    value = json.loads(_text(raw))
    if not isinstance(value, dict) or not all(
        isinstance(v, str | int | float | bool) or v is None for v in value.values()
    ):
        raise ValueError("not a flat dict")
    return value


def _paths(raw: Any) -> list[str]:
    value = json.loads(_text(raw))
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise ValueError("not a list of paths")
    return _unique(value)[:MAX_RECENT]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _json(value: Any) -> str:
    return json.dumps(value)


class Remembers(Protocol):
    """A part of the window that keeps its own settings between runs."""

    def load_settings(self, settings: AppSettings) -> None: ...
    def save_settings(self, settings: AppSettings) -> None: ...


class AppSettings:
    """The settings, stored in an INI file at `path` (default: the app-data folder's)."""

    # MIDI: port names as the port lists show them; backend None means the platform's default.
    midi_output = _Setting[str | None]("midi/output", None, _optional_text)
    midi_input = _Setting[str | None]("midi/input", None, _optional_text)
    midi_backend = _Setting[str | None]("midi/backend", None, _optional_text)
    midi_thru = _Setting("midi/thru", True, _boolean)  # play what the MIDI input receives
    # Computer keys and the on-screen keyboard
    key_layout = _Setting("keys/layout", AUTO, _choice((AUTO, *LAYOUTS)))
    octave = _Setting("keys/octave", DEFAULT_OCTAVE, _integer(*OCTAVE_RANGE))
    velocity = _Setting("keys/velocity", DEFAULT_VELOCITY, _integer(1, 127))
    # The last continuation's controls, as the Continue panel gives them
    continuation = _Setting[dict[str, str | int | float | bool | None]](
        "continue/last", {}, _plain_dict, _json
    )
    # The Arrange panel's style, parts and instruments, as the panel gives them
    arrangement = _Setting[dict[str, str | int | float | bool | None]]("arrange/last", {}, _plain_dict, _json)
    # Transport and recording
    metronome = _Setting("transport/metronome", False, _boolean)
    count_in = _Setting("transport/count_in", True, _boolean)
    quantize_recording = _Setting("transport/quantize_recording", False, _boolean)
    # Tempo sync: Continuo's own clock ("internal", optionally sent as MIDI clock), a DAW's MIDI
    # clock on an input ("clock"), or Ableton Link ("link")
    sync_mode = _Setting("sync/mode", INTERNAL, _choice(MODES))
    sync_clock_input = _Setting[str | None]("sync/clock_input", None, _optional_text)
    send_clock = _Setting("sync/send_clock", False, _boolean)
    # Jam mode: beats of pause before Continuo answers
    jam_pause_beats = _Setting("jam/pause_beats", 1.0, _number(0.25, 16.0))
    # Window
    window_geometry = _Setting("window/geometry", b"", _bytes, QByteArray)
    window_state = _Setting("window/state", b"", _bytes, QByteArray)
    # Files
    recent_files = _Setting[list[str]]("files/recent", [], _paths, lambda p: _json(_unique(p)[:MAX_RECENT]))

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else paths.settings_path()
        self.store = QSettings(str(self.path), QSettings.Format.IniFormat)

    @property
    def folder(self) -> Path:
        """The folder of the settings file: the app-data folder (autosaves go under it)."""
        return self.path.parent

    def sync(self) -> bool:
        """Write to disk now; False if the file could not be written (read-only, full disk)."""
        self.store.sync()
        return self.store.status() == QSettings.Status.NoError

    def clear(self) -> None:
        """Forget every setting (back to the defaults)."""
        self.store.clear()
