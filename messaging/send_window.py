"""When a text may go: quiet hours in Europe/London, not-before and not-after."""

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


def next_opening(now: datetime, start_hour: int, end_hour: int) -> datetime:
    """The first moment at or after ``now`` inside the daily London sending window."""
    local = now.astimezone(LONDON)
    start, end = time(start_hour), time(end_hour)
    if start <= local.time() < end:
        return now
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    return datetime.combine(day, start, tzinfo=LONDON).astimezone(UTC)
