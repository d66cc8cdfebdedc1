"""When a text may go: quiet hours in Europe/London, not-before and not-after.

Non-urgent texts go only inside the daily sending window (08:00–20:00 London time by
default, ``PESTER_QUIET_HOURS_START`` / ``_END``); an approved urgency override ignores quiet
hours but never a campaign's own not-before or not-after. A window whose start hour is after
its end hour runs over midnight (22 → 6 means 22:00–06:00); equal hours mean all day.
The worker checks this for every text just before its gateway call, so a batch that runs
late waits for the window; it does not fire.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class Decision(enum.StrEnum):
    SEND = "send"
    WAIT = "wait"
    EXPIRED = "expired"


@dataclass(frozen=True)
class WindowCheck:
    decision: Decision
    until: datetime | None = None  # for WAIT: when the window opens (UTC)


def check(
    now: datetime,
    *,
    not_before: datetime | None,
    not_after: datetime | None,
    urgent: bool,
    quiet_start_hour: int = 8,
    quiet_end_hour: int = 20,
) -> WindowCheck:
    """Decide whether a text may be sent at ``now``; urgent texts ignore quiet hours only."""
    if not_after is not None and now >= not_after:
        return WindowCheck(Decision.EXPIRED)
    earliest = max(now, not_before) if not_before is not None else now
    opens = earliest if urgent else next_opening(earliest, quiet_start_hour, quiet_end_hour)
    if not_after is not None and opens >= not_after:
        return WindowCheck(Decision.EXPIRED)
    if opens <= now:
        return WindowCheck(Decision.SEND)
    return WindowCheck(Decision.WAIT, opens)


def in_window(local: time, start_hour: int, end_hour: int) -> bool:
    """Whether a London wall-clock time is inside the daily sending window."""
    start, end = time(start_hour), time(end_hour)
    if start == end:
        return True
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the window runs over midnight


def next_opening(now: datetime, start_hour: int, end_hour: int) -> datetime:
    """The first moment at or after ``now`` inside the daily London sending window."""
    local = now.astimezone(LONDON)
    if in_window(local.time(), start_hour, end_hour):
        return now
    # Outside the window the next opening is today's start if it is still ahead, else
    # tomorrow's (for a window over midnight, "outside" lies between end and start).
    start = time(start_hour)
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    return datetime.combine(day, start, tzinfo=LONDON).astimezone(UTC)


def validity_seconds(now: datetime, not_after: datetime | None) -> int | None:
    """Twilio's ValidityPeriod for a text sent at ``now``: the time left until not-after.

    Twilio accepts 1–36000 s; a longer remainder is capped there (Twilio holds texts for
    at most 10 hours anyway), and None means no not-after, so no ValidityPeriod.
    """
    if not_after is None:
        return None
    seconds = int((not_after - now).total_seconds())
    return max(1, min(36000, seconds))
