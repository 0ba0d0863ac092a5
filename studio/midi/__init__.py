"""MIDI input and output: .mid files, ports and the real-time player (core + mido/python-rtmidi)."""
