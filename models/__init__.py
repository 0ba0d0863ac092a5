"""Training, data building, export and evaluation of Continuo's model (torch, music21 extras).

Imports studio.core (the one token encoding) and studio.midi's file reader; never the engine
or the UI.
"""
