"""Tests for the theme, the icons and the resource locator: the palette and stylesheet apply,
every icon the window may use exists and renders in its state's colour, colours are sane."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolBar,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from studio.ui.app import resources
from studio.ui.style.icons import ICON_NAMES, icon, icon_svg, render
from studio.ui.style.theme import (
    COLORS,
    GHOST_HUES,
    apply_theme,
    ghost_color,
    palette,
    stylesheet,
    velocity_color,
)

# The icon names the action collection (studio/ui/app/actions.py) asks for today.
USED_BY_ACTIONS = (
    "new", "open", "save", "export", "undo", "redo", "play", "loop", "record", "metronome", "panic",
    "continue", "again", "accept", "discard", "audition", "zoom-in", "zoom-out",
)  # fmt: skip


def test_the_theme_applies_and_styles_real_widgets(qtbot: QtBot) -> None:
    app = QApplication.instance()
    old_sheet, old_palette, old_style = app.styleSheet(), app.palette(), app.style().name()
    apply_theme(app)
    try:
        assert app.palette().color(QPalette.ColorRole.Window) == QColor(COLORS.window)
        assert app.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text) == QColor(
            COLORS.text_disabled
        )
        panel = QWidget()
        layout = QVBoxLayout(panel)
        for widget in (QPushButton("Continue"), QComboBox(), QSpinBox(), QSlider(), QToolBar()):
            layout.addWidget(widget)
        qtbot.addWidget(panel)
        image = panel.grab().toImage()
        assert not image.isNull()
        assert image.pixelColor(1, 1) == QColor(COLORS.window)  # the palette reached the widget
    finally:
        app.setStyleSheet(old_sheet)
        app.setPalette(old_palette)
        app.setStyle(old_style)


def test_spin_boxes_show_their_arrows_in_the_dim_text_colour(qtbot: QtBot) -> None:
    for name in ("spin-up.svg", "spin-down.svg"):
        assert f'fill="{COLORS.text_dim}"' in resources.resource_path("theme", name).read_text()
    app = QApplication.instance()
    old_sheet, old_palette, old_style = app.styleSheet(), app.palette(), app.style().name()
    apply_theme(app)
    try:
        box = QSpinBox()
        box.setRange(0, 10)
        box.setValue(5)
        box.resize(120, 28)
        qtbot.addWidget(box)
        image = box.grab().toImage()
        dim = QColor(COLORS.text_dim)
        buttons = [image.pixelColor(x, y) for x in range(image.width() - 16, image.width())
                   for y in range(image.height())]
        assert sum(abs(c.red() - dim.red()) + abs(c.green() - dim.green()) < 30 for c in buttons) >= 6
    finally:
        app.setStyleSheet(old_sheet)
        app.setPalette(old_palette)
        app.setStyle(old_style)


def test_the_stylesheet_mentions_only_theme_colours() -> None:
    import re

    used = set(re.findall(r"#[0-9a-fA-F]{6}", stylesheet()))
    known = set(vars(COLORS).values())
    assert used <= known


def test_the_palette_is_dark_with_light_text() -> None:
    colors = palette()
    assert colors.color(QPalette.ColorRole.Window).lightness() < 50
    assert colors.color(QPalette.ColorRole.WindowText).lightness() > 180


def test_velocity_ramp_goes_from_cool_and_dim_to_hot_and_bright() -> None:
    soft, loud = velocity_color(1), velocity_color(127)
    assert soft.blue() > soft.red() and loud.red() > loud.blue()
    hues = [velocity_color(v) for v in range(1, 128)]
    assert len({c.name() for c in hues}) > 60  # a smooth ramp, not a few steps
    assert velocity_color(0) == velocity_color(1) and velocity_color(500) == velocity_color(127)


def test_ghost_colours_are_distinct_and_the_selected_one_stands_out() -> None:
    assert len({ghost_color(i).name() for i in range(8)}) == 8 == len(GHOST_HUES)
    assert ghost_color(2, selected=True).alphaF() > ghost_color(2).alphaF() > 0
    assert ghost_color(8).name() == ghost_color(0).name()


@pytest.mark.parametrize("name", ICON_NAMES)
def test_every_icon_exists_and_renders(qtbot: QtBot, name: str) -> None:
    assert "viewBox=\"0 0 24 24\"" in icon_svg(name)
    image = render(name, 24).toImage()
    drawn = sum(image.pixelColor(x, y).alpha() > 200 for x in range(24) for y in range(24))
    assert drawn > 10, f"{name} draws almost nothing"


def test_the_windows_icon_names_are_all_there() -> None:
    assert set(USED_BY_ACTIONS) <= set(ICON_NAMES)
    files = {path.stem for path in resources.resource_path("icons").glob("*.svg")}
    assert files == set(ICON_NAMES)  # no icon without a name, no name without an icon


def _ink(name: str, mode: QIcon.Mode, checked: bool = False) -> QColor:
    image = render(name, 32, mode, checked).toImage()
    return max((image.pixelColor(x, y) for x in range(32) for y in range(32)), key=lambda c: c.alpha())


def test_icons_are_tinted_for_their_state(qtbot: QtBot) -> None:
    assert _ink("stop", QIcon.Mode.Normal).name() == COLORS.icon
    assert _ink("stop", QIcon.Mode.Disabled).name() == COLORS.icon_disabled
    assert _ink("stop", QIcon.Mode.Normal, checked=True).name() == COLORS.accent
    assert icon("stop") is icon("stop")  # cached
    with pytest.raises(KeyError, match="no icon named 'bogus'"):
        icon("bogus")


def test_resources_are_found_in_checkout_and_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert (resources.resources_dir() / "demo_seed.mid").is_file()
    bundle = tmp_path / "bundle"
    (bundle / "resources" / "icons").mkdir(parents=True)
    (bundle / "resources" / "icons" / "continuo.svg").write_text("<svg/>")
    (tmp_path / "lookalike" / "icons").mkdir(parents=True)  # a resources folder, not ours
    monkeypatch.setattr("sys._MEIPASS", str(bundle), raising=False)
    resources.resources_dir.cache_clear()
    try:
        assert resources.resources_dir() == bundle / "resources"
        monkeypatch.setattr(resources, "candidates", lambda: [tmp_path / "nothing", tmp_path / "lookalike"])
        resources.resources_dir.cache_clear()
        with pytest.raises(FileNotFoundError, match="resources folder is missing"):
            resources.resources_dir()
    finally:
        monkeypatch.undo()
        resources.resources_dir.cache_clear()
