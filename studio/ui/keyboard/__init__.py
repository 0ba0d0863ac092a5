"""Playing notes by hand: the on-screen keyboard (virtual) and the computer keys (computer_keys).
"""


from studio.ui.keyboard.computer_keys import ComputerKeys
from studio.ui.keyboard.virtual import VirtualKeyboard

__all__ = ["ComputerKeys", "VirtualKeyboard"]
