"""Launching a campaign into the outbox, and queueing its batches for the workers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from redis import Redis
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from messaging import delivery_status as ds
from messaging.db import utcnow
from messaging.models import Campaign, CampaignState, OutboxMessage
from messaging.queues import enqueue

log = logging.getLogger(__name__)
LAUNCHABLE = (CampaignState.APPROVED, CampaignState.SCHEDULED)


class LaunchError(RuntimeError):
    """The campaign cannot be launched (wrong state, or launched already)."""


@dataclass(frozen=True)
class OutboxPlan:
    """What every outbox row of a campaign carries (all campaign-level, no personal data)."""

    campaign_id: int
    body: str
    sender: str
    segments: int
    not_before: datetime | None
    not_after: datetime | None
    urgent: bool


def write_outbox(session: Session, plan: OutboxPlan, recipients: list[tuple[int, str, str]]) -> int:
    """Move the campaign to sending and write one outbox row per recipient, in bulk.

    The state change is conditional, so two launches racing each other write rows once.
    """
    moved = session.execute(
        update(Campaign)
        .where(Campaign.id == plan.campaign_id, Campaign.state.in_(LAUNCHABLE))
        .values(
            state=CampaignState.SENDING,
            launched_at=utcnow(),
            updated_at=utcnow(),
            recipient_count=len(recipients),
        )
    ).rowcount
    if not moved:
        raise LaunchError("only an approved campaign can be launched, and only once")
    now = utcnow()
    rows = [
        {
            "campaign_id": plan.campaign_id,
            "contact_id": contact_id,
            "phone_hash": phone_hash,
            "to": phone,
            "body": plan.body,
            "sender": plan.sender,
            "segments": plan.segments,
            "urgent": plan.urgent,
            "not_before": plan.not_before,
            "not_after": plan.not_after,
            "status": ds.PENDING,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        for contact_id, phone_hash, phone in recipients
    ]
    for start in range(0, len(rows), 2000):
        session.execute(insert(OutboxMessage), rows[start : start + 2000])
    log.info("campaign %s: %s outbox rows written", plan.campaign_id, len(rows))
    return len(rows)


def enqueue_ready(
    session: Session, redis: Redis, campaign_id: int, *, batch_size: int, prefix: str = "pester"
) -> int:
    """Queue send jobs for the campaign's rows that are pending and due; returns job count.

    Queueing a row twice is harmless: a worker only sends rows it claims from ``pending``.
    """
    from messaging.sending import send_batch  # the job function, enqueued by reference

    now = utcnow()
    ids = list(
        session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.campaign_id == campaign_id,
                OutboxMessage.status == ds.PENDING,
                (OutboxMessage.next_attempt_at.is_(None)) | (OutboxMessage.next_attempt_at <= now),
            )
            .order_by(OutboxMessage.id)
        )
    )
    jobs = 0
    for start in range(0, len(ids), batch_size):
        enqueue(redis, send_batch, campaign_id, ids[start : start + batch_size], prefix=prefix)
        jobs += 1
    if jobs:
        log.info("campaign %s: %s rows queued in %s batches", campaign_id, len(ids), jobs)
    return jobs


def launch_campaign(session: Session, campaign_id: int, *, allow_drama: bool) -> int:
    """Write the outbox for an approved campaign from its frozen snapshot; returns rows."""
    from messaging.recipients import RecipientsRule, select_recipients

    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.snapshot is None:
        raise LaunchError("the campaign has no approved snapshot")
    snap = campaign.snapshot
    rule = RecipientsRule.from_json(snap["rule"], allow_drama=allow_drama)
    plan = OutboxPlan(
        campaign_id=campaign_id,
        body=snap["body"],
        sender=snap["sender"],
        segments=int(snap["segments"]),
        not_before=datetime.fromisoformat(snap["not_before"]) if snap.get("not_before") else None,
        not_after=datetime.fromisoformat(snap["not_after"]) if snap.get("not_after") else None,
        urgent=bool(snap.get("urgent")),
    )
    return write_outbox(session, plan, select_recipients(session, rule))
