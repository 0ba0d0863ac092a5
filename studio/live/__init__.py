"""Live playing: continuations streamed into the player as they are generated, jam mode (call
and response) and tempo sync (a fixed tempo, a DAW's MIDI clock, Ableton Link). Built on
studio.core, studio.midi and studio.engine, with no Qt: the UI and the CLI both use it.
"""
