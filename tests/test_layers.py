"""The layers of ARCHITECTURE.md, enforced: every .py under studio/ and models/ is parsed with `ast`
and each import (at any depth, including inside functions) is checked against the rules.

studio/core is pure Python; studio/midi and studio/engine sit side by side on it; studio/live
builds on those three (no Qt, never the UI or CLI), and the UI and CLI may use it; only
studio/ui may import Qt; nothing in studio imports torch or music21; models/ reuses the
Qt-free runtime (studio.core, studio.midi, and studio.engine so that evaluation measures
exactly what users get), never the UI or the CLI; the CLI's import path is Qt-free so it
runs headless. studio/commands (the headless commands behind the CLI) may use the runtime and
studio/live, the standard library, mido, rtmidi, numpy and onnxruntime, never Qt or the UI; no
command's module imports another's: what commands share lives in studio.commands.common (and
studio.commands.live_io, for the live ones), and studio.cli registers each command.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("studio", "models")


@dataclass(frozen=True)
class Import:
    """One imported name, made absolute: `from studio.core import notes` -> studio.core.notes."""

    name: str
    line: int
    module_level: bool  # runs on import: not inside a function, not under `if TYPE_CHECKING:`


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _absolute(module: str | None, level: int, package: str) -> str:
    if level == 0:
        return module or ""
    parts = package.split(".")
    if level - 1 > len(parts) - 1:
        raise ValueError(f"relative import beyond the top package in {package}")
    base = parts[: len(parts) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _dynamic_target(call: ast.Call) -> str | None:
    """The constant module name of `importlib.import_module("x")` or `__import__("x")`."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name in ("import_module", "__import__") and call.args:
        arg = call.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg.value
    return None


def find_imports(source: str, package: str) -> list[Import]:
    """Every import in source, for a module whose package (for relative imports) is `package`."""
    found: list[Import] = []

    def visit(node: ast.AST, module_level: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend(Import(alias.name, child.lineno, module_level) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = _absolute(child.module, child.level, package)
                for alias in child.names:
                    # `from studio import ui` imports studio.ui; `from x import _private` or `*` is x.
                    plain = alias.name == "*" or alias.name.startswith("_")
                    found.append(
                        Import(base if plain else f"{base}.{alias.name}", child.lineno, module_level)
                    )
            elif isinstance(child, ast.Call) and (target := _dynamic_target(child)):
                found.append(Import(target, child.lineno, module_level))
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                visit(child, False)
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    visit(ast.Module(body=[stmt], type_ignores=[]), False)
                for stmt in child.orelse:
                    visit(ast.Module(body=[stmt], type_ignores=[]), module_level)
            else:
                visit(child, module_level)

    visit(ast.parse(source), True)
    return found


def _module_of(path: Path) -> tuple[str, str]:
    """(module, package) of a file under ROOT."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
        return ".".join(parts), ".".join(parts)
    return ".".join(parts), ".".join(parts[:-1])


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _is_stdlib(name: str) -> bool:
    return name.split(".")[0] in sys.stdlib_module_names


# A rule: which modules it governs, and whether one import breaks it.
@dataclass(frozen=True)
class Rule:
    name: str
    governs: tuple[str, ...]
    breaks: Callable[[Import], bool]


QT = ("PySide6", "shiboken6")
RUNTIME = ("studio.core", "studio.midi", "studio.engine")
TRAINING = ("torch", "music21")
HEADLESS_THIRD_PARTY = ("mido", "rtmidi", "numpy", "onnxruntime")


def _command_modules() -> tuple[str, ...]:
    """The modules behind `continuo COMMAND`: those in studio/commands that define add_parser at
    the top (studio.cli registers each); the others there (common, live_io) are shared helpers."""
    found = []
    for path in sorted((ROOT / "studio" / "commands").glob("*.py")):
        body = ast.parse(path.read_text(encoding="utf-8")).body
        if any(isinstance(node, ast.FunctionDef) and node.name == "add_parser" for node in body):
            found.append(_module_of(path)[0])
    return tuple(found)


COMMANDS = _command_modules()

RULES = (
    Rule(
        "studio.core imports only the standard library and studio.core",
        ("studio.core",),
        lambda imp: not (_is_stdlib(imp.name) or _within(imp.name, ("studio.core",))),
    ),
    Rule(
        "studio.midi imports no Qt, onnxruntime, torch or music21, nor the engine, live, UI or CLI",
        ("studio.midi",),
        lambda imp: _within(
            imp.name,
            (*QT, "onnxruntime", *TRAINING, "studio.engine", "studio.live", "studio.ui", "studio.cli"),
        ),
    ),
    Rule(
        "studio.engine imports no Qt, mido, rtmidi, torch or music21, nor the UI, MIDI, live or CLI",
        ("studio.engine",),
        lambda imp: _within(
            imp.name,
            (*QT, "mido", "rtmidi", *TRAINING, "studio.ui", "studio.midi", "studio.live", "studio.cli"),
        ),
    ),
    Rule(
        "studio.live imports no Qt, torch or music21, nor the UI or CLI",
        ("studio.live",),
        lambda imp: _within(imp.name, (*QT, *TRAINING, "studio.ui", "studio.cli", "studio.commands")),
    ),
    Rule("nothing in studio imports torch or music21", ("studio",), lambda imp: _within(imp.name, TRAINING)),
    Rule(
        "models imports from studio only studio.core, studio.midi and studio.engine",
        ("models",),
        lambda imp: (
            _within(imp.name, ("studio",))
            and not (imp.name == "studio" or _within(imp.name, RUNTIME))
        ),
    ),
    Rule(
        "studio.commands imports only the standard library, mido, rtmidi, numpy, onnxruntime and "
        "studio's core, midi, engine, live and commands (never Qt, the UI, torch or music21)",
        ("studio.commands",),
        lambda imp: not (
            imp.name == "studio"
            or _is_stdlib(imp.name)
            or _within(imp.name, (*RUNTIME, "studio.live", "studio.commands", *HEADLESS_THIRD_PARTY))
        ),
    ),
    Rule(
        "no module in studio.commands imports a command's module (what they share is in common)",
        ("studio.commands",),
        lambda imp: _within(imp.name, COMMANDS),
    ),
    Rule(
        "studio and studio.cli import no Qt or studio.ui when imported (the headless path)",
        # "studio" here means the package's own __init__ only (see _governed).
        ("studio.cli", "studio!"),
        lambda imp: imp.module_level and _within(imp.name, (*QT, "studio.ui")),
    ),
)


def _governed(rule: Rule, module: str) -> bool:
    return any(module == g[:-1] if g.endswith("!") else _within(module, (g,)) for g in rule.governs)


def violations(rule: Rule, module: str, imports: list[Import]) -> list[str]:
    if not _governed(rule, module):
        return []
    return [f"{module}:{imp.line} imports {imp.name}" for imp in imports if rule.breaks(imp)]


def _project_files() -> Iterator[Path]:
    for top in SCANNED:
        yield from sorted((ROOT / top).rglob("*.py"))


def _scan() -> dict[str, list[Import]]:
    scanned = {}
    for path in _project_files():
        module, package = _module_of(path)
        scanned[module] = find_imports(path.read_text(encoding="utf-8"), package)
    return scanned


@pytest.fixture(scope="module")
def project_imports() -> dict[str, list[Import]]:
    return _scan()


def test_the_scan_sees_the_project(project_imports: dict[str, list[Import]]) -> None:
    assert "studio.core.encoding" in project_imports
    assert "studio.cli" in project_imports
    assert any(imp.name.startswith("studio.core") for imp in project_imports["studio.core.encoding"])
    # The commands are exactly the command modules studio.cli registers.
    registered = {imp.name for imp in project_imports["studio.cli"] if imp.name in project_imports}
    assert set(COMMANDS) == registered - {"studio", "studio.commands"}
    assert "studio.commands.jam" in COMMANDS and "studio.commands.common" not in COMMANDS


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_layer_rule(rule: Rule, project_imports: dict[str, list[Import]]) -> None:
    broken = [v for module, imports in project_imports.items() for v in violations(rule, module, imports)]
    assert not broken, f"{rule.name}:\n  " + "\n  ".join(broken)


# The scanner itself: it must catch what it is there to catch.


def _check(source: str, module: str, package: str | None = None) -> list[str]:
    imports = find_imports(source, package if package is not None else module.rpartition(".")[0])
    return [v for rule in RULES for v in violations(rule, module, imports)]


def test_scanner_catches_an_import_hidden_in_a_function() -> None:
    source = "import math\n\ndef show():\n    if True:\n        from PySide6 import QtWidgets\n"
    assert _check(source, "studio.core.clipboard") == ["studio.core.clipboard:5 imports PySide6.QtWidgets"]


def test_scanner_resolves_relative_imports() -> None:
    assert _check("from ..ui import window\n", "studio.engine.sampler") == [
        "studio.engine.sampler:1 imports studio.ui.window"
    ]
    assert _check("from . import notes\nfrom .scales import Key\n", "studio.core.encoding") == []
    # In a package's __init__, `.` is the package itself.
    assert _check("from .ui import main\n", "studio", package="studio") == ["studio:1 imports studio.ui.main"]


def test_scanner_catches_third_party_and_dynamic_imports() -> None:
    assert _check("import numpy as np\n", "studio.core.notes") == ["studio.core.notes:1 imports numpy"]
    source = "import importlib\n\ndef load():\n    return importlib.import_module('torch')\n"
    assert _check(source, "studio.engine.model") == ["studio.engine.model:4 imports torch"] * 2


def test_scanner_keeps_live_between_the_runtime_and_the_ui() -> None:
    runtime = "from studio.engine.continuation import Engine\nfrom studio.midi.player import Player\n"
    assert _check(runtime, "studio.live.stream") == []
    assert _check("from PySide6 import QtCore\n", "studio.live.jam") == [
        "studio.live.jam:1 imports PySide6.QtCore"
    ]
    assert _check("from studio.live import jam\n", "studio.midi.player") == [
        "studio.midi.player:1 imports studio.live.jam"
    ]
    assert _check("from studio.live.jam import Jam\n", "studio.ui.window") == []
    assert _check("from studio.live.jam import Jam\n", "studio.cli") == []


def test_scanner_keeps_models_off_the_ui_and_cli() -> None:
    assert (
        _check("from studio.core.encoding import encode\nfrom studio.midi import files\n", "models.x") == []
    )
    assert _check("from studio import __version__\nfrom studio import engine\n", "models.x") == []
    assert _check("from studio import ui\n", "models.x") == ["models.x:1 imports studio.ui"]
    assert _check("from studio.cli import main\n", "models.x") == ["models.x:1 imports studio.cli.main"]


def test_scanner_lets_the_cli_import_qt_lazily_only() -> None:
    lazy = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from PySide6.QtWidgets import QWidget\n"
        "def gui():\n    from studio.ui.app.launch import run\n    return run()\n"
    )
    assert _check(lazy, "studio.cli") == []
    assert _check("from studio.ui.app.launch import run\n", "studio.cli") == [
        "studio.cli:1 imports studio.ui.app.launch.run"
    ]
    assert _check("try:\n    import PySide6\nexcept ImportError:\n    pass\n", "studio.cli") == [
        "studio.cli:2 imports PySide6"
    ]
    # The UI itself may import Qt anywhere.
    assert _check("from PySide6 import QtWidgets\n", "studio.ui.window") == []


COMMAND_CASES = [
    # (source, module, the violations the scanner must report)
    (
        "import argparse\nimport mido\nimport numpy as np\nfrom studio.commands import CommandError\n"
        "from studio.commands.common import warn\nfrom studio.commands.live_io import say\n"
        "from studio.engine.model import Model\nfrom studio.live.jam import Jam\n",
        "studio.commands.jam",
        [],
    ),
    ("from PySide6 import QtCore\n", "studio.commands.jam", ["studio.commands.jam:1 imports PySide6.QtCore"]),
    # Not even lazily: a command runs where there is no Qt.
    (
        "def show():\n    from studio.ui.app.launch import main\n",
        "studio.commands.play",
        ["studio.commands.play:2 imports studio.ui.app.launch.main"],
    ),
    ("import music21\n", "studio.commands.info", ["studio.commands.info:1 imports music21"] * 2),
    # Commands keep apart: what they share is in common; studio.cli registers them.
    (
        "from studio.commands.continue_cmd import where\n",
        "studio.commands.jam",
        ["studio.commands.jam:1 imports studio.commands.continue_cmd.where"],
    ),
    (
        "from . import jam\n",
        "studio.commands.live_io",
        ["studio.commands.live_io:1 imports studio.commands.jam"],
    ),
    ("from studio.commands.common import where\n", "studio.commands.jam", []),
    ("from studio.commands import continue_cmd, info, jam, play, ports\n", "studio.cli", []),
]


@pytest.mark.parametrize(("source", "module", "expected"), COMMAND_CASES)
def test_scanner_keeps_the_commands_headless_and_apart(source: str, module: str, expected: list[str]) -> None:
    assert _check(source, module) == expected
