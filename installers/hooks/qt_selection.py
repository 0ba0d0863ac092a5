"""Which of PySide6's Qt plugins and files Continuo's bundle keeps (used by the hooks beside it).

PyInstaller's stock QtGui hook collects every plugin QtGui can load: eglfs and linuxfb for
embedded boards, VNC (which drags in QtNetwork, Kerberos and OpenSSL), the GTK theme (GTK,
cairo, pango), touch and tablet input, and a dozen image formats. Continuo needs the platform
plugins of one desktop OS plus offscreen rendering, SVG icons, input methods and the native
look; Qt's translations go too (the spec drops them). Filtering plugins inside the hook matters:
PyInstaller follows the libraries a plugin links only for the plugins a hook returns, so a
dropped plugin drops its dependencies too.
"""

import sys
from pathlib import Path

# offscreen renders without a display (--screenshot, CI); minimal is Qt's fallback.
PLATFORMS = {
    "linux": ("xcb", "wayland", "offscreen", "minimal"),
    "darwin": ("cocoa", "offscreen", "minimal"),
    "win32": ("windows", "offscreen", "minimal"),
}[sys.platform]
PLUGIN_KINDS = {"platforms", "platformthemes", "platforminputcontexts", "imageformats", "iconengines",
                "styles", "xcbglintegrations", "wayland-decoration-client",
                "wayland-graphics-integration-client", "wayland-shell-integration"}
IMAGE_FORMATS = ("qsvg", "qico", "qjpeg", "qgif")  # PNG is built into QtGui
UNWANTED = ("qgtk3",)  # the GTK theme: Qt's own dialogs look fine and need no GTK stack


def wanted(source: str, dest: str) -> bool:
    """Keep a file (its source path and its destination folder in the bundle) that a Qt hook
    collected, unless Continuo has no use for it."""
    source, dest = Path(source), Path(dest)
    if "translations" in dest.parts and "Qt" in dest.parts:
        return False  # Continuo's interface is English; Qt's translations cost megabytes
    if "plugins" not in dest.parts:
        return True
    kind = dest.parts[dest.parts.index("plugins") + 1:][:1]
    name = source.name
    if not kind or kind[0] not in PLUGIN_KINDS or any(u in name for u in UNWANTED):
        return False
    if kind[0] == "platforms":
        return any(f"q{platform}." in name for platform in PLATFORMS)
    if kind[0] == "imageformats":
        return any(f"{fmt}." in name for fmt in IMAGE_FORMATS)
    return True
