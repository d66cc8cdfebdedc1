"""Small statistics for outcomes: Wilson score intervals and medians, as pure functions.

A proportion from a few hundred texts is noisy: 12 replies of 300 and 18 of 300 look like
a 50% improvement, and are not distinguishable. The Wilson score interval (Wilson 1927;
recommended over the normal approximation by Newcombe 1998 and Brown, Cai and DasGupta
2001) stays inside [0, 1] and behaves at 0 and at small counts, where teams most often
read noise as a win.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

Z_95 = 1.959963984540054  # the standard normal's 97.5th percentile: a two-sided 95% interval


def wilson_interval(successes: int, trials: int, *, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for ``successes`` of ``trials`` (95% by default).

    With no trials nothing is known: (0, 1).
    """
    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError("successes must be between 0 and the number of trials")
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    # At 0 and at n the bound is exactly 0 or 1; rounding would leave 0.9999999999999999.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


@dataclass(frozen=True)
class Proportion:
    """``count`` of ``of``, its rate and 95% Wilson interval."""

    count: int
    of: int
    low: float
    high: float

    @property
    def rate(self) -> float | None:
        return self.count / self.of if self.of else None

    def as_json(self) -> dict[str, object]:
        return {
            "count": self.count,
            "of": self.of,
            "rate": None if self.rate is None else round(self.rate, 6),
            "ci95": [round(self.low, 6), round(self.high, 6)],
        }


def proportion(count: int, of: int) -> Proportion:
    low, high = wilson_interval(count, of)
    return Proportion(count, of, low, high)


def median(values: Iterable[float]) -> float | None:
    """The median, or None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
