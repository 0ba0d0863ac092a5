"""Jam mode in the window: listening and answering (mode), and the window's player as a jam
borrows it (player).
"""


from studio.ui.jam.mode import JamMode
from studio.ui.jam.player import WindowPlayer

__all__ = ["JamMode", "WindowPlayer"]
