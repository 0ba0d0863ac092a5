"""Continuo: continue a musician's phrase with a model and stream it into a DAW."""

__version__ = "0.1.0"
