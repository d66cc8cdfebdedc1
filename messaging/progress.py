"""How far a campaign has got: counts by outcome and the recent send rate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from messaging import delivery_status as ds
from messaging.db import utcnow
from messaging.models import OutboxMessage, Reply


def campaign_progress(session: Session, campaign_id: int) -> dict[str, Any]:
    """Counts for the progress bar, dashboard and ``pester campaign status``."""
    by_status = dict(
        session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.campaign_id == campaign_id)
            .group_by(OutboxMessage.status)
        ).all()
    )
    total = sum(by_status.values())
    at_carrier = sum(n for s, n in by_status.items() if s in ds.AT_CARRIER)
    delivered = sum(n for s, n in by_status.items() if s in ds.DELIVERED)
    failed = sum(n for s, n in by_status.items() if s in ds.FAILED)
    remaining = by_status.get(ds.PENDING, 0) + by_status.get(ds.CLAIMED, 0)
    since = utcnow() - timedelta(seconds=60)
    last_minute = (
        session.scalar(
            select(func.count()).where(
                OutboxMessage.campaign_id == campaign_id, OutboxMessage.submitted_at >= since
            )
        )
        or 0
    )
    replies = session.scalar(select(func.count()).where(Reply.campaign_id == campaign_id)) or 0
    done = total - remaining
    return {
        "total": total,
        "sent": at_carrier,
        "delivered": delivered,
        "failed": failed,
        "suppressed": by_status.get(ds.SUPPRESSED, 0),
        "cancelled": by_status.get(ds.CANCELLED, 0),
        "expired": by_status.get(ds.EXPIRED, 0),
        "unknown": by_status.get(ds.UNKNOWN, 0),
        "remaining": remaining,
        "replies": replies,
        "percent": round(100 * done / total, 1) if total else 0.0,
        "rate_per_s": round(last_minute / 60, 2),
        "by_status": by_status,
    }
