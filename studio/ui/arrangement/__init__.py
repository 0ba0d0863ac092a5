"""Arranging the sketch for a band: the Arrange panel (panel), the flow from request to accepted
parts (flow), the arranger's worker thread (worker) and the chord lane over the roll (chord_lane).
"""

from studio.ui.arrangement.chord_lane import ChordLane
from studio.ui.arrangement.flow import ArrangeFlow
from studio.ui.arrangement.panel import ArrangePanel
from studio.ui.arrangement.worker import ArrangeService

__all__ = ["ArrangeFlow", "ArrangePanel", "ArrangeService", "ChordLane"]
