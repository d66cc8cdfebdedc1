"""Outcomes: Wilson intervals against published values, and counts per campaign and arm."""

from __future__ import annotations

import pytest

from messaging.inbound.stats import median, proportion, wilson_interval


# Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I,
# method 3 (Wilson score, no continuity correction), to four places.
@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_intervals_match_newcombes_published_values(
    successes: int, trials: int, low: float, high: float
) -> None:
    got = wilson_interval(successes, trials)
    assert (round(got[0], 4), round(got[1], 4)) == (low, high)


def test_wilson_intervals_are_symmetric_and_stay_inside_zero_and_one() -> None:
    low, high = wilson_interval(5, 10)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)
    assert round(low + high, 12) == 1.0
    assert wilson_interval(10, 10)[1] == 1.0 and wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(0, 0) == (0.0, 1.0)  # no trials: nothing is known


@pytest.mark.parametrize(("successes", "trials"), [(-1, 5), (6, 5), (0, -1)])
def test_impossible_counts_are_refused(successes: int, trials: int) -> None:
    with pytest.raises(ValueError, match="between 0 and"):
        wilson_interval(successes, trials)


def test_a_proportion_carries_its_rate_and_interval() -> None:
    p = proportion(12, 300)
    assert p.rate == 0.04
    assert p.as_json()["ci95"] == [round(p.low, 6), round(p.high, 6)]
    assert proportion(0, 0).rate is None


def test_medians() -> None:
    assert median([]) is None
    assert median([3.0]) == 3.0
    assert median([5.0, 1.0, 3.0]) == 3.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5
