"""The dark theme: one palette of colours for every widget, a small stylesheet, spacing metrics,
and the colour functions the piano roll and the keyboard share (velocity ramp, ghost notes).

Near-black backgrounds with slightly lighter panels, light grey text, and one warm accent for
what is active (the playhead, the selection, what you play); teal marks what arrives from
outside. `apply_theme(app)` sets the Fusion style, the palette and the stylesheet; everything
else reads `COLORS` and `METRICS` so a colour is chosen in one place. Icons, tinted with these
colours, come from studio.ui.style.icons.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from studio.ui.app.resources import resource_path


@dataclass(frozen=True)
class Colors:
    """Every colour of the theme, as #rrggbb strings (QColor(COLORS.accent) where one is needed)."""

    window: str = "#1e1f22"  # the window behind everything
    base: str = "#17181a"  # text fields, lists, the roll's background
    panel: str = "#26282c"  # tool bars, docks, group boxes
    raised: str = "#303238"  # buttons, combo boxes
    raised_hover: str = "#3a3d44"
    border: str = "#3b3e45"
    border_strong: str = "#50545c"
    text: str = "#dcdde0"
    text_dim: str = "#8d9098"
    text_disabled: str = "#5b5e65"
    accent: str = "#f29d38"  # warm orange: playhead, selection, what the user plays
    accent_hover: str = "#f7b463"
    accent_dim: str = "#8a5a24"
    on_accent: str = "#1a1208"  # text and marks drawn on the accent
    external: str = "#3cc4b4"  # teal: notes arriving from outside (MIDI input)
    record: str = "#e5484d"
    success: str = "#6fcf7a"
    warning: str = "#e8c547"
    # Piano roll: rows told apart at a glance (contrast ratios in studio.ui.roll.palette)
    roll_white_row: str = "#2c2e34"
    roll_black_row: str = "#1a1b1e"
    roll_scale_row: str = "#2f3239"
    grid_bar: str = "#666a75"
    grid_beat: str = "#464a53"
    grid_step: str = "#33363c"
    playhead: str = "#f29d38"
    loop: str = "#3cc4b4"
    # Virtual keyboard
    white_key: str = "#eeeef0"
    white_key_shade: str = "#c9cacf"
    black_key: str = "#1c1d20"
    black_key_shine: str = "#3a3c42"
    shadow: str = "#000000"
    key_label: str = "#6c6f77"
    # Icons
    icon: str = "#c8cad0"
    icon_active: str = "#f1f2f4"
    icon_disabled: str = "#54575e"


@dataclass(frozen=True)
class Metrics:
    """Spacing in pixels, used by layouts everywhere so the window has one rhythm."""

    spacing: int = 6  # between controls
    margin: int = 8  # inside panels
    section: int = 14  # between groups
    radius: int = 4
    control_height: int = 26
    icon_size: int = 20
    toolbar_icon_size: int = 20


COLORS = Colors()
METRICS = Metrics()

# Ghost notes of variations 1-8: distinct hues that stand apart from the accent and the velocity ramp.
GHOST_HUES = ("#3cc4b4", "#9b7bff", "#7ccf5a", "#ff6fa8", "#4fb0ff", "#e8d44d", "#ff8a65", "#c77dff")

# The velocity ramp: soft notes cool and dim, loud ones hot; stops at velocity 1, 64, 100, 127.
_VELOCITY_STOPS = ((1, (74, 104, 150)), (64, (201, 163, 60)), (100, (242, 140, 56)), (127, (255, 84, 60)))


def velocity_color(velocity: int) -> QColor:
    """The colour of a note of this velocity (1-127; values outside are clamped)."""
    velocity = min(127, max(1, int(velocity)))
    for (low, low_rgb), (high, high_rgb) in zip(_VELOCITY_STOPS, _VELOCITY_STOPS[1:], strict=False):
        if velocity <= high:
            t = (velocity - low) / (high - low)
            return QColor(*(round(a + (b - a) * t) for a, b in zip(low_rgb, high_rgb, strict=True)))
    return QColor(*_VELOCITY_STOPS[-1][1])


def ghost_color(index: int, selected: bool = False) -> QColor:
    """The translucent colour of variation `index` (0-based); the selected one is more opaque."""
    color = QColor(GHOST_HUES[index % len(GHOST_HUES)])
    color.setAlphaF(0.85 if selected else 0.38)
    return color


def palette() -> QPalette:
    """The dark QPalette, including the disabled group."""
    c = COLORS
    result = QPalette()
    role = QPalette.ColorRole
    for name, value in (
        (role.Window, c.window), (role.WindowText, c.text), (role.Base, c.base),
        (role.AlternateBase, c.panel), (role.ToolTipBase, c.raised), (role.ToolTipText, c.text),
        (role.PlaceholderText, c.text_dim), (role.Text, c.text), (role.Button, c.raised),
        (role.ButtonText, c.text), (role.BrightText, c.icon_active), (role.Light, c.raised_hover),
        (role.Midlight, c.raised), (role.Mid, c.border), (role.Dark, c.base), (role.Shadow, c.shadow),
        (role.Highlight, c.accent), (role.HighlightedText, c.on_accent), (role.Link, c.accent),
        (role.LinkVisited, c.accent_dim),
    ):  # fmt: skip
        result.setColor(name, QColor(value))
    disabled = QPalette.ColorGroup.Disabled
    for name in (role.WindowText, role.Text, role.ButtonText):
        result.setColor(disabled, name, QColor(c.text_disabled))
    result.setColor(disabled, role.Highlight, QColor(c.border_strong))
    return result


SPIN_ARROWS = {"up": "spin-up.svg", "down": "spin-down.svg"}  # in resources/theme, drawn in text_dim


def _spin_arrows() -> str:
    """The spin boxes' arrows (a stylesheet that styles a spin box must draw them itself);
    nothing where the resources are missing, which the window reports on its own."""
    try:
        paths = {k: resource_path("theme", v).as_posix() for k, v in SPIN_ARROWS.items()}
    except FileNotFoundError:
        return ""
    return "\n".join(
        f"QSpinBox::{k}-arrow, QDoubleSpinBox::{k}-arrow {{ image: url({p}); width: 10px; height: 9px; }}"
        for k, p in paths.items())


def stylesheet() -> str:
    """The stylesheet for the controls Fusion draws too plainly on a dark palette."""
    c, m = COLORS, METRICS
    return f"""
QToolTip {{ color: {c.text}; background: {c.raised}; border: 1px solid {c.border}; padding: 4px; }}
QMainWindow::separator {{ background: {c.window}; width: 4px; height: 4px; }}
QToolBar {{ background: {c.panel}; border: none; border-bottom: 1px solid {c.base};
    padding: 3px {m.margin}px; spacing: {m.spacing}px; }}
QToolBar::separator {{ background: {c.border}; width: 1px; margin: 4px {m.spacing}px; }}
QToolButton {{ color: {c.text}; background: transparent; border: 1px solid transparent;
    border-radius: {m.radius}px; padding: 3px; }}
QToolButton:hover {{ background: {c.raised}; border-color: {c.border}; }}
QToolButton:pressed {{ background: {c.base}; }}
QToolButton:checked {{ background: {c.accent_dim}; border-color: {c.accent}; }}
QPushButton {{ color: {c.text}; background: {c.raised}; border: 1px solid {c.border};
    border-radius: {m.radius}px; padding: 4px 14px; min-height: {m.control_height - 10}px; }}
QPushButton:hover {{ background: {c.raised_hover}; border-color: {c.border_strong}; }}
QPushButton:pressed {{ background: {c.base}; }}
QPushButton:checked {{ background: {c.accent_dim}; border-color: {c.accent}; }}
QPushButton:disabled, QToolButton:disabled {{ color: {c.text_disabled}; border-color: {c.panel}; }}
QPushButton:default, QPushButton[accent="true"] {{ color: {c.on_accent}; background: {c.accent};
    border-color: {c.accent}; font-weight: bold; }}
QPushButton:default:hover, QPushButton[accent="true"]:hover {{ background: {c.accent_hover}; }}
QPushButton[accent="true"]:disabled {{ color: {c.text_disabled}; background: {c.raised};
    border-color: {c.border}; }}
QComboBox, QSpinBox, QDoubleSpinBox, QLineEdit {{ color: {c.text}; background: {c.base};
    border: 1px solid {c.border}; border-radius: {m.radius}px; padding: 2px 6px;
    min-height: {m.control_height - 8}px; selection-background-color: {c.accent};
    selection-color: {c.on_accent}; }}
QComboBox:hover, QSpinBox:hover, QDoubleSpinBox:hover, QLineEdit:hover {{ border-color: {c.border_strong}; }}
QComboBox:focus, QSpinBox:focus, QDoubleSpinBox:focus, QLineEdit:focus {{ border-color: {c.accent}; }}
QComboBox:disabled, QSpinBox:disabled, QDoubleSpinBox:disabled, QLineEdit:disabled {{
    color: {c.text_disabled}; background: {c.window}; }}
QSpinBox, QDoubleSpinBox {{ padding-right: 18px; }}
QSpinBox::up-button, QDoubleSpinBox::up-button, QSpinBox::down-button, QDoubleSpinBox::down-button {{
    subcontrol-origin: border; width: 16px; background: transparent;
    border-left: 1px solid {c.border}; }}
QSpinBox::up-button, QDoubleSpinBox::up-button {{ subcontrol-position: top right;
    border-top-right-radius: {m.radius}px; }}
QSpinBox::down-button, QDoubleSpinBox::down-button {{ subcontrol-position: bottom right;
    border-bottom-right-radius: {m.radius}px; }}
QSpinBox::up-button:hover, QDoubleSpinBox::up-button:hover, QSpinBox::down-button:hover,
QDoubleSpinBox::down-button:hover {{ background: {c.raised}; }}
QSpinBox::up-button:pressed, QDoubleSpinBox::up-button:pressed, QSpinBox::down-button:pressed,
QDoubleSpinBox::down-button:pressed {{ background: {c.base}; }}
{_spin_arrows()}
QComboBox QAbstractItemView {{ background: {c.raised}; border: 1px solid {c.border};
    selection-background-color: {c.accent}; selection-color: {c.on_accent}; outline: none; }}
QSlider::groove:horizontal {{ height: 4px; background: {c.base}; border-radius: 2px; }}
QSlider::sub-page:horizontal {{ background: {c.accent}; border-radius: 2px; }}
QSlider::handle:horizontal {{ background: {c.text}; width: 12px; height: 12px; margin: -5px 0;
    border-radius: 6px; }}
QSlider::handle:horizontal:hover {{ background: {c.icon_active}; }}
QSlider::sub-page:horizontal:disabled {{ background: {c.border_strong}; }}
QGroupBox {{ background: {c.panel}; border: 1px solid {c.border}; border-radius: {m.radius + 2}px;
    margin-top: 18px; padding: {m.margin}px; padding-top: {m.margin + 4}px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: {m.margin}px; padding: 0 4px; color: {c.text_dim};
    font-weight: bold; }}
QCheckBox {{ spacing: {m.spacing}px; }}
QMenuBar {{ background: {c.window}; border-bottom: 1px solid {c.base}; }}
QMenuBar::item {{ padding: 4px 10px; background: transparent; }}
QMenuBar::item:selected {{ background: {c.raised}; border-radius: {m.radius}px; }}
QMenu {{ background: {c.panel}; border: 1px solid {c.border}; padding: 4px; }}
QMenu::item {{ padding: 5px 24px 5px 22px; border-radius: {m.radius}px; }}
QMenu::item:selected {{ background: {c.accent}; color: {c.on_accent}; }}
QMenu::item:disabled {{ color: {c.text_disabled}; }}
QMenu::separator {{ height: 1px; background: {c.border}; margin: 4px 8px; }}
QStatusBar {{ background: {c.panel}; color: {c.text_dim}; border-top: 1px solid {c.base}; }}
QDockWidget {{ color: {c.text_dim}; }}
QDockWidget::title {{ background: {c.panel}; padding: 5px {m.margin}px; border-bottom: 1px solid {c.base}; }}
QTabBar::tab {{ background: {c.panel}; color: {c.text_dim}; padding: 5px 14px; border: none; }}
QTabBar::tab:selected {{ color: {c.text}; border-bottom: 2px solid {c.accent}; }}
QScrollBar:horizontal {{ height: 12px; background: {c.base}; border: none; }}
QScrollBar:vertical {{ width: 12px; background: {c.base}; border: none; }}
QScrollBar::handle {{ background: {c.raised_hover}; border-radius: 4px; margin: 2px; }}
QScrollBar::handle:hover {{ background: {c.border_strong}; }}
QScrollBar::handle:horizontal {{ min-width: 24px; }}
QScrollBar::handle:vertical {{ min-height: 24px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; }}
QScrollBar::add-page, QScrollBar::sub-page {{ background: none; }}
QListView, QTreeView, QTableView, QUndoView {{ background: {c.base}; border: 1px solid {c.border};
    selection-background-color: {c.accent}; selection-color: {c.on_accent}; }}
QHeaderView::section {{ background: {c.panel}; color: {c.text_dim}; border: none; padding: 4px; }}
QProgressBar {{ background: {c.base}; border: 1px solid {c.border}; border-radius: {m.radius}px;
    text-align: center; color: {c.text}; max-height: 8px; }}
QProgressBar::chunk {{ background: {c.accent}; border-radius: {m.radius - 1}px; }}
QSplitter::handle {{ background: {c.window}; }}
QLabel[dim="true"] {{ color: {c.text_dim}; }}
"""


def apply_theme(app: QApplication) -> None:
    """Give the application the dark look: Fusion, the palette and the stylesheet."""
    app.setStyle("Fusion")
    app.setPalette(palette())
    app.setStyleSheet(stylesheet())
