"""The figures every benchmark reports, computed one way: medians of repeated timings, and
percentile summaries ({"p50": ..., "p99": ..., "max": ...}) of a list of measurements.

A percentile is the nearest rank (the value at index int(percent / 100 * n) of the sorted list,
the last one at most), so a p99 is a value that was really measured; p50 is the median
(statistics.median, between the middle two for an even count).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence


def elapsed_ms(fn: Callable[[], object]) -> float:
    """How long one call of fn took, in milliseconds."""
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def median_of(measure: Callable[[], float], repeats: int) -> float:
    """The median of `repeats` calls of measure (each returns one measurement)."""
    return statistics.median(measure() for _ in range(repeats))


def median_ms(fn: Callable[[], object], repeats: int, digits: int = 3) -> float:
    """The median time of `repeats` calls of fn, in milliseconds, rounded."""
    return round(median_of(lambda: elapsed_ms(fn), repeats), digits)


def percentile(values: Sequence[float], percent: float) -> float:
    """The nearest-rank percentile of values (see the module's docstring)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(percent / 100 * len(ordered)))]


def summary(values: Sequence[float], percents: Sequence[int] = (50, 99), largest: bool = True,
            scale: float = 1.0, digits: int | None = 3) -> dict[str, float | None]:
    """{"p50": median, "pNN": percentile..., "max": largest} of values times scale (1000 turns
    seconds into milliseconds), rounded to digits (None: not rounded); all None when empty."""
    keys = [f"p{p}" for p in percents] + (["max"] if largest else [])
    if not values:
        return dict.fromkeys(keys)
    scaled = [v * scale for v in values]
    figures = [statistics.median(scaled) if p == 50 else percentile(scaled, p) for p in percents]
    if largest:
        figures.append(max(scaled))
    return {k: v if digits is None else round(v, digits) for k, v in zip(keys, figures, strict=True)}
