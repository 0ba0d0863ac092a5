"""Tap tempo: the tempo of a few taps, as the median of the intervals between the latest ones
(one early or late tap does not pull it); a pause longer than `reset_s` starts the count anew."""

from __future__ import annotations

import statistics


class TapTempo:
    """Feed it tap times in seconds; it answers the tempo in BPM once there are two taps."""

    def __init__(self, most: int = 8, reset_s: float = 2.0) -> None:
        self.most, self.reset_s = most, reset_s
        self._taps: list[float] = []

    def tap(self, seconds: float) -> float | None:
        """A tap at `seconds`: the tempo of the latest taps (up to `most`), or None for the
        first tap of a count."""
        if self._taps and not 0 < seconds - self._taps[-1] <= self.reset_s:
            self._taps = []
        self._taps = [*self._taps, seconds][-self.most:]
        if len(self._taps) < 2:
            return None
        return 60.0 / statistics.median(b - a for a, b in zip(self._taps, self._taps[1:], strict=False))
