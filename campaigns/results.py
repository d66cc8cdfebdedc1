"""A campaign's results for its dashboard: the funnel, a timeline, and failure reasons.

Plain functions over a session (no Flask), returning JSON-ready dicts: the campaign page
renders them as tables (usable without JavaScript) and the charts draw the same figures.
Counts only: nothing here reads a phone number or the text of a reply.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from messaging import delivery_status as ds
from messaging.gateways.errors import describe_error
from messaging.models import OutboxMessage, Reply

# Bucket widths the timeline may use, smallest first; the first giving few enough buckets wins.
BUCKET_SECONDS = (10, 30, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 86400)
MAX_BUCKETS = 120

LOCAL_FAILURES = {
    ds.EXPIRED: "the send window ended before it could go",
    ds.REJECTED: "refused by the gateway",
    "undelivered": "the carrier could not deliver it",
    "failed": "the carrier reported a failure",
}


def funnel(session: Session, campaign_id: int) -> dict[str, int]:
    """Recipients → accepted by the carrier → delivered → replied, with the side exits."""
    by_status: dict[str, int] = dict(
        session.execute(  # type: ignore[arg-type]
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.campaign_id == campaign_id)
            .group_by(OutboxMessage.status)
        ).all()
    )
    replies = session.execute(
        select(Reply.phone_hash, Reply.labels).where(Reply.campaign_id == campaign_id)
    ).all()
    repliers = {phone_hash for phone_hash, _ in replies if phone_hash}
    opted_out = {h for h, labels in replies if h and "opt_out" in (labels or [])}

    def total(statuses: Iterable[str]) -> int:
        return sum(by_status.get(s, 0) for s in statuses)

    return {
        "recipients": sum(by_status.values()),
        "accepted": total(ds.AT_CARRIER),
        "delivered": total(ds.DELIVERED),
        "replied": len(repliers),
        "failed": total(ds.FAILED),
        "opted_out": len(opted_out),
        "skipped": by_status.get(ds.SUPPRESSED, 0),
        "cancelled": by_status.get(ds.CANCELLED, 0),
        "unknown": by_status.get(ds.UNKNOWN, 0),
        "waiting": total(ds.NOT_YET_SENT),
    }


def _bucket_width(first: datetime, last: datetime) -> int:
    span = max((last - first).total_seconds(), 1.0)
    for width in BUCKET_SECONDS:
        if span / width < MAX_BUCKETS:
            return width
    return BUCKET_SECONDS[-1]


def _floor(moment: datetime, width: int) -> datetime:
    seconds = int(moment.timestamp())
    return datetime.fromtimestamp(seconds - seconds % width, UTC)


def bucket_series(series: dict[str, list[datetime]]) -> dict[str, Any]:
    """Count each series' moments in shared time buckets (empty buckets included)."""
    moments = [m for values in series.values() for m in values]
    if not moments:
        return {"bucket_seconds": 0, "labels": [], **{name: [] for name in series}}
    first, last = min(moments), max(moments)
    width = _bucket_width(first, last)
    # An empty bucket either side, so even a burst within one bucket draws as a line.
    start = _floor(first, width) - timedelta(seconds=width)
    end = _floor(last, width) + timedelta(seconds=width)
    labels: list[datetime] = []
    at = start
    while at <= end:
        labels.append(at)
        at += timedelta(seconds=width)
    result: dict[str, Any] = {
        "bucket_seconds": width,
        "labels": [label.isoformat() for label in labels],
    }
    for name, values in series.items():
        counts = Counter(_floor(m, width) for m in values)
        result[name] = [counts.get(label, 0) for label in labels]
    return result


def timeline(session: Session, campaign_id: int) -> dict[str, Any]:
    """Texts handed to the carrier, delivered, and replies received, per time bucket."""
    in_campaign = OutboxMessage.campaign_id == campaign_id
    sent = session.scalars(
        select(OutboxMessage.submitted_at).where(
            in_campaign, OutboxMessage.submitted_at.is_not(None)
        )
    ).all()
    delivered = session.scalars(
        select(OutboxMessage.final_at).where(
            in_campaign,
            OutboxMessage.status.in_(ds.DELIVERED),
            OutboxMessage.final_at.is_not(None),
        )
    ).all()
    replies = session.scalars(
        select(Reply.received_at).where(Reply.campaign_id == campaign_id)
    ).all()
    return bucket_series(
        {"sent": list(sent), "delivered": list(delivered), "replies": list(replies)}
    )


def failure_reasons(session: Session, campaign_id: int) -> list[dict[str, Any]]:
    """Failed texts grouped by error code (most frequent first), with what each code means."""
    rows = session.execute(
        select(OutboxMessage.status, OutboxMessage.error_code, func.count())
        .where(OutboxMessage.campaign_id == campaign_id, OutboxMessage.status.in_(ds.FAILED))
        .group_by(OutboxMessage.status, OutboxMessage.error_code)
    ).all()
    merged: Counter[tuple[int | None, str]] = Counter()
    for status, code, count in rows:
        if code is not None:
            merged[(code, describe_error(code, None))] += count
        else:
            merged[(None, LOCAL_FAILURES.get(status, status))] += count
    return [
        {"code": code, "description": description, "count": count}
        for (code, description), count in sorted(
            merged.items(), key=lambda item: (-item[1], item[0][0] or 0)
        )
    ]


def campaign_results(session: Session, campaign_id: int) -> dict[str, Any]:
    """Everything the results dashboard shows, as one JSON-ready dict."""
    return {
        "funnel": funnel(session, campaign_id),
        "timeline": timeline(session, campaign_id),
        "failures": failure_reasons(session, campaign_id),
    }
