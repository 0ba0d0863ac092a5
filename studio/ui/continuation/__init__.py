"""Continuing the sketch: the Continue panel (panel), the flow from request to accepted
variation (flow), and the engine's worker thread (engine_worker).
"""


from studio.ui.continuation.engine_worker import EngineService
from studio.ui.continuation.flow import ContinueFlow
from studio.ui.continuation.panel import ContinuePanel

__all__ = ["ContinueFlow", "ContinuePanel", "EngineService"]
