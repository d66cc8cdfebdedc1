"""Quiet hours in Europe/London (summer time too), not-before, not-after, urgent override."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messaging.sending.send_window import Decision, check, in_window, next_opening, validity_seconds


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "decision", "until"),
    [
        # Winter: London is UTC.
        ("2026-01-15 07:59", Decision.WAIT, "2026-01-15 08:00"),
        ("2026-01-15 08:00", Decision.SEND, None),
        ("2026-01-15 19:59", Decision.SEND, None),
        ("2026-01-15 20:00", Decision.WAIT, "2026-01-16 08:00"),
        ("2026-01-15 23:30", Decision.WAIT, "2026-01-16 08:00"),
        # Summer: London is UTC+1, so 08:00 London is 07:00 UTC.
        ("2026-07-15 06:59", Decision.WAIT, "2026-07-15 07:00"),
        ("2026-07-15 07:00", Decision.SEND, None),
        ("2026-07-15 18:59", Decision.SEND, None),
        ("2026-07-15 19:00", Decision.WAIT, "2026-07-16 07:00"),
        # The night the clocks go forward (29 March 2026): 08:00 London is 07:00 UTC.
        ("2026-03-28 21:00", Decision.WAIT, "2026-03-29 07:00"),
    ],
)
def test_non_urgent_texts_wait_for_the_london_window(now: str, decision: Decision, until) -> None:
    result = check(utc(now), not_before=None, not_after=None, urgent=False)
    assert result.decision is decision
    assert result.until == (utc(until) if until else None)


def test_an_urgent_override_ignores_quiet_hours_but_not_the_campaign_window() -> None:
    night = utc("2026-01-15 03:00")
    assert check(night, not_before=None, not_after=None, urgent=True).decision is Decision.SEND
    later = night + timedelta(hours=1)
    waiting = check(night, not_before=later, not_after=None, urgent=True)
    assert (waiting.decision, waiting.until) == (Decision.WAIT, later)
    expired = check(night, not_before=None, not_after=night, urgent=True)
    assert expired.decision is Decision.EXPIRED


def test_a_window_that_opens_only_after_not_after_is_expired() -> None:
    evening = utc("2026-01-15 21:00")
    result = check(evening, not_before=None, not_after=utc("2026-01-16 07:00"), urgent=False)
    assert result.decision is Decision.EXPIRED


def test_not_before_in_the_window_waits_exactly_until_then() -> None:
    now, start = utc("2026-01-15 09:00"), utc("2026-01-15 10:30")
    result = check(now, not_before=start, not_after=None, urgent=False)
    assert (result.decision, result.until) == (Decision.WAIT, start)


@pytest.mark.parametrize(
    ("hour", "start", "end", "inside"),
    [(23, 22, 6, True), (3, 22, 6, True), (12, 22, 6, False), (6, 22, 6, False), (5, 0, 0, True)],
)
def test_a_window_may_run_over_midnight_or_all_day(
    hour: int, start: int, end: int, inside: bool
) -> None:
    from datetime import time

    assert in_window(time(hour), start, end) is inside


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)))
def test_the_next_opening_is_never_earlier_and_always_inside_the_window(naive: datetime) -> None:
    from messaging.sending.send_window import LONDON

    now = naive.replace(tzinfo=UTC)
    opens = next_opening(now, 8, 20)
    assert opens >= now
    assert opens - now <= timedelta(hours=13)  # 13 on the night the clocks go back
    assert in_window(opens.astimezone(LONDON).time(), 8, 20)


@pytest.mark.parametrize(
    ("left", "expected"),
    [
        (None, None),
        (timedelta(minutes=30), 1800),
        (timedelta(days=2), 36000),
        (timedelta(milliseconds=300), 1),
    ],
)
def test_validity_period_is_the_time_left_capped_at_ten_hours(left, expected) -> None:
    now = utc("2026-01-15 09:00")
    assert validity_seconds(now, None if left is None else now + left) == expected
