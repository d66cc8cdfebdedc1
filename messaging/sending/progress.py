"""How far a campaign has got: counts by outcome, the send rate, and what it waits for.

The figures the campaign page, the JSON endpoint and ``pester campaign status`` show:

- ``sent``: texts the carrier accepted (whatever happened to them after);
- ``delivered``: of those, the ones the handset confirmed;
- ``failed``: carrier failures (undelivered, failed) plus texts pester gave up on
  (``rejected`` by the gateway, ``expired`` past not-after);
- ``remaining``: texts not yet handed over (waiting, or held by a worker right now);
- ``suppressed``, ``cancelled``, ``unknown`` (a person must decide) on their own;
- ``rate_per_s``: texts accepted per second over the last ``RATE_WINDOW`` seconds (or since
  the first text, if that was more recent), ``average_rate_per_s`` over the whole send;
- ``waiting_until``: when texts held back by quiet hours or a retry become due, if any.

Test texts to an officer's phone are never counted here (``test_sends`` says how many).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from messaging import delivery_status as ds
from messaging.db import utcnow
from messaging.models import OutboxMessage, Reply, TestSend

RATE_WINDOW = 30  # seconds


def campaign_progress(
    session: Session, campaign_id: int, *, now: datetime | None = None
) -> dict[str, Any]:
    """Counts for the progress bar, dashboard and ``pester campaign status``; the rates are
    as at ``now`` (the current time by default)."""
    of_campaign = OutboxMessage.campaign_id == campaign_id
    by_status = dict(
        session.execute(
            select(OutboxMessage.status, func.count())
            .where(of_campaign)
            .group_by(OutboxMessage.status)
        ).all()
    )
    total = sum(by_status.values())
    at_carrier = sum(n for s, n in by_status.items() if s in ds.AT_CARRIER)
    remaining = by_status.get(ds.PENDING, 0) + by_status.get(ds.CLAIMED, 0)
    now = now or utcnow()
    first, last = session.execute(
        select(func.min(OutboxMessage.submitted_at), func.max(OutboxMessage.submitted_at)).where(
            of_campaign
        )
    ).one()
    recent = session.scalar(
        select(func.count()).where(
            of_campaign, OutboxMessage.submitted_at >= now - timedelta(seconds=RATE_WINDOW)
        )
    )
    window = RATE_WINDOW if first is None else min(RATE_WINDOW, (now - first).total_seconds())
    rate = (recent or 0) / max(window, 1.0)
    span = (last - first).total_seconds() if first is not None and last is not None else 0.0
    waiting_until = session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            of_campaign, OutboxMessage.status == ds.PENDING, OutboxMessage.next_attempt_at > now
        )
    )
    done = total - remaining
    return {
        "total": total,
        "sent": at_carrier,
        "delivered": sum(n for s, n in by_status.items() if s in ds.DELIVERED),
        "failed": sum(n for s, n in by_status.items() if s in ds.FAILED),
        "remaining": remaining,
        "suppressed": by_status.get(ds.SUPPRESSED, 0),
        "cancelled": by_status.get(ds.CANCELLED, 0),
        "expired": by_status.get(ds.EXPIRED, 0),
        "unknown": by_status.get(ds.UNKNOWN, 0),
        "replies": session.scalar(select(func.count()).where(Reply.campaign_id == campaign_id))
        or 0,
        "test_sends": session.scalar(
            select(func.count()).where(TestSend.campaign_id == campaign_id)
        )
        or 0,
        "percent": round(100 * done / total, 1) if total else 0.0,
        "rate_per_s": round(rate, 2),
        "average_rate_per_s": round(at_carrier / span, 2) if span > 0 else None,
        "eta_seconds": round(remaining / rate) if rate > 0 and remaining else None,
        "waiting_until": waiting_until.isoformat() if waiting_until else None,
        "by_status": by_status,
    }
