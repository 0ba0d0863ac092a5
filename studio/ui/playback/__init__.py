"""Playing the sketch: the transport on the session's player (transport), play, loop, record and
audition (controller), the transport bar (transport_bar) and the take recorder (recorder).
"""


from studio.ui.playback.controller import Playback
from studio.ui.playback.recorder import Recorder
from studio.ui.playback.transport import Transport
from studio.ui.playback.transport_bar import TransportBar

__all__ = ["Playback", "Recorder", "Transport", "TransportBar"]
