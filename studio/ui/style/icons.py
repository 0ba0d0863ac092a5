"""The icons: monochrome SVGs in resources/icons/ (24x24, stroked in `currentColor`), tinted
with the theme's colours for each state and rendered sharp at every size.

`icon(name)` gives a QIcon whose normal, hover, disabled and checked looks are the same drawing
in different colours (light grey, white, dim grey, the accent), rendered only when a size is
first asked for (so creating the window's icons costs nearly nothing) and cached after that.
ICON_NAMES lists every icon the window may ask for; a test checks that each has its file.
"""

from __future__ import annotations

import functools

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from studio.ui.app.resources import resource_path
from studio.ui.style.theme import COLORS

ICON_NAMES = (
    # files
    "new", "open", "save", "save-as", "import", "export", "drag",
    # edit
    "undo", "redo", "cut", "copy", "paste", "duplicate", "delete", "select-all", "quantize",
    "transpose-up", "transpose-down", "draw", "select", "erase", "velocity", "snap",
    # transport
    "play", "pause", "stop", "loop", "record", "metronome", "count-in", "panic", "follow",
    "to-start",
    # continue
    "continue", "accept", "discard", "again", "audition", "next", "previous", "lock", "unlock",
    "seed",
    # view and devices
    "zoom-in", "zoom-out", "zoom-fit", "keyboard", "midi", "midi-in", "midi-out", "settings",
    "history", "info", "warning", "error", "continuo", "eye",
)  # fmt: skip

_COLOR_ROLES = {  # (mode, checked) -> the theme colour it is drawn in
    (QIcon.Mode.Normal, False): "icon",
    (QIcon.Mode.Active, False): "icon_active",
    (QIcon.Mode.Selected, False): "icon_active",
    (QIcon.Mode.Disabled, False): "icon_disabled",
    (QIcon.Mode.Normal, True): "accent",
    (QIcon.Mode.Active, True): "accent_hover",
    (QIcon.Mode.Selected, True): "accent_hover",
    (QIcon.Mode.Disabled, True): "icon_disabled",
}


def icon_svg(name: str) -> str:
    """The SVG source of an icon; FileNotFoundError if there is none of that name."""
    return resource_path("icons", f"{name}.svg").read_text(encoding="utf-8")


class _TintedSvgEngine(QIconEngine):
    """Draws one SVG in the colour of the asked mode and state, at any size, on demand."""

    def __init__(self, name: str, svg: str) -> None:
        super().__init__()
        self._name = name
        self._svg = svg
        self._renderers: dict[str, QSvgRenderer] = {}
        self._pixmaps: dict[tuple[int, int, QIcon.Mode, QIcon.State], QPixmap] = {}

    def _renderer(self, mode: QIcon.Mode, state: QIcon.State) -> QSvgRenderer:
        color = getattr(COLORS, _COLOR_ROLES[mode, state == QIcon.State.On])
        if color not in self._renderers:
            svg = self._svg.replace("currentColor", color)
            self._renderers[color] = QSvgRenderer(QByteArray(svg.encode("utf-8")))
        return self._renderers[color]

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._renderer(mode, state).render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        key = (size.width(), size.height(), mode, state)
        if key not in self._pixmaps:
            pixmap = QPixmap(size)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            side = min(size.width(), size.height())  # square drawings stay square
            self.paint(painter, QRect((size.width() - side) // 2, (size.height() - side) // 2, side, side),
                       mode, state)  # fmt: skip
            painter.end()
            self._pixmaps[key] = pixmap
        return self._pixmaps[key]

    def clone(self) -> QIconEngine:
        return _TintedSvgEngine(self._name, self._svg)

    def iconName(self) -> str:
        return self._name


def render(name: str, size: int, mode: QIcon.Mode = QIcon.Mode.Normal, checked: bool = False) -> QPixmap:
    """One icon drawn at size x size pixels in one of its looks."""
    state = QIcon.State.On if checked else QIcon.State.Off
    return icon(name).pixmap(QSize(size, size), mode, state)


@functools.cache
def icon(name: str) -> QIcon:
    """The named icon, drawn in the theme's colours at whatever size is asked (needs a
    QGuiApplication); KeyError for a name not in ICON_NAMES."""
    if name not in ICON_NAMES:
        raise KeyError(f"no icon named '{name}'; the icons are {', '.join(ICON_NAMES)}")
    return QIcon(_TintedSvgEngine(name, icon_svg(name)))
