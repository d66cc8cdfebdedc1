"""The periodic tick: re-queue what is due, reconcile expired leases, finish campaigns.

It runs in every worker process under a Redis lock, so exactly one runs at a time across
all hosts; every step is idempotent, so a tick after a crash or a Redis restart repairs the
state the crash left (lost jobs are re-queued; leases are reconciled at the gateway).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import select, update

from messaging import delivery_status as ds
from messaging import runtime
from messaging.db import db, utcnow
from messaging.gateways.base import GatewayError
from messaging.models import Campaign, CampaignState, OutboxMessage
from messaging.outbox import enqueue_ready
from messaging.queues import SEND, get_queue
from messaging.sending import finish_if_done

log = logging.getLogger(__name__)
UNKNOWN_AFTER = timedelta(hours=1)  # give up looking a message up; a person decides


def tick() -> dict[str, int]:
    """One pass over every sending campaign. Safe to run at any time, any number of times."""
    stats = {"expired_campaigns": 0, "reconciled": 0, "requeued_jobs": 0, "completed": 0}
    with db.transaction() as session:
        sending = list(
            session.scalars(select(Campaign.id).where(Campaign.state == CampaignState.SENDING))
        )
    for campaign_id in sending:
        if _stop_if_past_not_after(campaign_id):
            stats["expired_campaigns"] += 1
        stats["reconciled"] += reconcile_expired_leases(campaign_id)
        stats["requeued_jobs"] += _requeue(campaign_id)
        stats["completed"] += int(finish_if_done(campaign_id))
    if any(stats.values()):
        log.info("tick: %s", stats)
    return stats


def _stop_if_past_not_after(campaign_id: int) -> bool:
    now = utcnow()
    with db.transaction() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None or campaign.not_after is None or campaign.not_after > now:
            return False
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.campaign_id == campaign_id, OutboxMessage.status == ds.PENDING)
            .values(status=ds.EXPIRED, final_at=now, updated_at=now)
        )
        campaign.stop_reason = (
            "The send window closed (not-after passed) before every text could go; "
            "unsent texts were marked expired."
        )
    log.warning("campaign %s: not-after passed; pending texts expired", campaign_id)
    return True


def _requeue(campaign_id: int) -> int:
    rt = runtime.current()
    now = utcnow()
    with db.transaction() as session:
        # Rows released for a retry or a quiet-hours wait become due again.
        due_again = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.campaign_id == campaign_id,
                OutboxMessage.status == ds.PENDING,
                OutboxMessage.next_attempt_at.is_not(None),
                OutboxMessage.next_attempt_at <= now,
            )
            .values(next_attempt_at=None)
        ).rowcount
        queue_empty = get_queue(rt.redis, SEND, prefix=rt.settings.queue_prefix).count == 0
        if not due_again and not queue_empty:
            return 0
        # With the queue empty, pending rows have no job (lost with a Redis restart, or
        # released by a pause): queue them again. Duplicates are harmless by design.
        return enqueue_ready(
            session,
            rt.redis,
            campaign_id,
            batch_size=rt.settings.batch_size,
            prefix=rt.settings.queue_prefix,
        )


def reconcile_expired_leases(campaign_id: int) -> int:
    """Look up, at the gateway, every claimed row whose worker stopped answering."""
    rt = runtime.current()
    cutoff = utcnow() - timedelta(seconds=rt.settings.reconcile_grace_seconds)
    with db.transaction() as session:
        rows = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.campaign_id == campaign_id,
                OutboxMessage.status == ds.CLAIMED,
                OutboxMessage.lease_until < cutoff,
            )
        ).all()
    fixed = 0
    for row in rows:
        fixed += _reconcile_one(row)
    return fixed


def _reconcile_one(row: OutboxMessage) -> int:
    rt = runtime.current()
    since = (row.claimed_at or row.created_at) - timedelta(minutes=5)
    try:
        found = rt.gateway().find_sent(to=row.to or "", sender=row.sender, since=since)
    except GatewayError as exc:
        log.warning("outbox %s: lookup failed (%s); will try again", row.id, exc.code)
        if row.lease_until and utcnow() - row.lease_until > UNKNOWN_AFTER:
            return _settle(row, status=ds.UNKNOWN)
        return 0
    with db.transaction() as session:
        known = set(
            session.scalars(
                select(OutboxMessage.provider_id).where(
                    OutboxMessage.provider_id.in_([m.provider_id for m in found])
                )
            )
        )
    matches = [m for m in found if m.body == row.body and m.provider_id not in known]
    if len(matches) > 1:
        log.error("outbox %s: %s carrier messages match; marked unknown", row.id, len(matches))
        return _settle(row, status=ds.UNKNOWN)
    if matches:
        message = matches[0]
        status = message.status if message.status in ds.CARRIER_RANK else "queued"
        log.info("outbox %s: reconciled with the carrier's record", row.id)
        return _settle(row, status=status, provider_id=message.provider_id)
    # The carrier has no such message: it never left, so sending it is not a resend.
    log.info("outbox %s: not at the carrier; released to pending", row.id)
    return _settle(row, status=ds.PENDING)


def _settle(row: OutboxMessage, *, status: str, provider_id: str | None = None) -> int:
    now = utcnow()
    values: dict[str, object] = {
        "status": status,
        "lease_token": None,
        "lease_until": None,
        "updated_at": now,
    }
    if provider_id:
        values.update(provider_id=provider_id, submitted_at=now)
    with db.transaction() as session:
        return session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row.id,
                OutboxMessage.status == ds.CLAIMED,
                OutboxMessage.lease_token == row.lease_token,
            )
            .values(**values)
        ).rowcount


class Ticker(threading.Thread):
    """Runs :func:`tick` every few seconds in a worker, under a cluster-wide Redis lock."""

    def __init__(self, interval: float = 5.0) -> None:
        super().__init__(name="pester-tick", daemon=True)
        self.interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        rt = runtime.current()
        key = f"{rt.settings.queue_prefix}:tick-lock"
        while not self._stop_event.wait(self.interval):
            try:
                if rt.redis.set(key, "1", nx=True, px=int(self.interval * 2000)):
                    try:
                        tick()
                    finally:
                        rt.redis.delete(key)
            except Exception:  # keep ticking: the next pass repairs what this one missed
                log.exception("tick failed")

    def stop(self) -> None:
        self._stop_event.set()
