"""Continuo's connections to the outside: MIDI ports and the output's session (midi_io), tempo
sync with a DAW's clock or Ableton Link (sync), and the MIDI clock Continuo sends (clock_out).
"""


from studio.ui.connections.clock_out import ClockOut
from studio.ui.connections.midi_io import MidiIO
from studio.ui.connections.sync import Sync

__all__ = ["ClockOut", "MidiIO", "Sync"]
