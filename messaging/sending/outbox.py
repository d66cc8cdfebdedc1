"""Launching a campaign into the outbox, and queueing its batches for the workers.

Launch writes every row before anything is queued (one per recipient, unique per campaign
and contact and per campaign and number), so a crash after launch loses no text and a
second launch writes nothing. A campaign whose send window is not open yet (not-before in
the future, or quiet hours for a non-urgent campaign) is written ``scheduled``: its rows wait
in the outbox, nothing is queued, and the tick starts it when the window opens
(:func:`start_if_due`). Deciding then, not at each batch, keeps a scheduled campaign visible
as one state the officer can read, pause or cancel.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis import Redis
from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session, scoped_session

from messaging import delivery_status as ds
from messaging.audience.arms import assign_arms
from messaging.audience.recipients import RecipientsRule, select_recipients
from messaging.db import db, utcnow
from messaging.models import Campaign, CampaignState, OutboxMessage
from messaging.queues import enqueue
from messaging.sealed_columns import place_rows
from messaging.sending.send_job import send_batch
from messaging.sending.send_window import Decision, WindowCheck, check

log = logging.getLogger(__name__)
LAUNCHABLE = (CampaignState.APPROVED,)
INSERT_CHUNK = 2000


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
    # An A/B test: the second approved text, its segments, and the seed of the split.
    body_b: str | None = None
    segments_b: int | None = None
    arm_seed: int | None = None

    @classmethod
    def from_snapshot(cls, campaign_id: int, snapshot: dict[str, Any]) -> OutboxPlan:
        """The plan an approval froze (see ``campaigns.lifecycle.approve``)."""

        def when(key: str) -> datetime | None:
            value = snapshot.get(key)
            return datetime.fromisoformat(value) if value else None

        return cls(
            campaign_id=campaign_id,
            body=snapshot["body"],
            sender=snapshot["sender"],
            segments=int(snapshot["segments"]),
            not_before=when("not_before"),
            not_after=when("not_after"),
            urgent=bool(snapshot.get("urgent")),
            body_b=snapshot.get("body_b") or None,
            segments_b=int(snapshot["segments_b"]) if snapshot.get("body_b") else None,
            arm_seed=snapshot.get("arm_seed"),
        )

    def text_for(self, arm: str | None) -> tuple[str, int]:
        """The body and segments an arm's recipients get (arm A, or no test: the first)."""
        if arm == "B" and self.body_b is not None and self.segments_b is not None:
            return self.body_b, self.segments_b
        return self.body, self.segments

    def window(self, now: datetime, settings: Any) -> WindowCheck:
        """Whether the campaign may send at ``now`` (quiet hours from ``settings``)."""
        return check(
            now,
            not_before=self.not_before,
            not_after=self.not_after,
            urgent=self.urgent,
            quiet_start_hour=settings.quiet_hours_start,
            quiet_end_hour=settings.quiet_hours_end,
        )


def write_outbox(
    session: Session,
    plan: OutboxPlan,
    recipients: list[tuple[int, str, str]],
    *,
    state: str = CampaignState.SENDING,
) -> int:
    """Move the approved campaign to ``state`` (sending or scheduled) and write one outbox
    row per recipient, in bulk.

    The state change is conditional, so two launches racing each other write rows once.
    """
    now = utcnow()
    moved = session.execute(
        update(Campaign)
        .where(Campaign.id == plan.campaign_id, Campaign.state.in_(LAUNCHABLE))
        .values(state=state, launched_at=now, updated_at=now, recipient_count=len(recipients))
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        raise LaunchError("only an approved campaign can be launched, and only once")
    arms: dict[int, str] = {}
    if plan.body_b is not None:
        if plan.arm_seed is None:
            raise LaunchError("an A/B campaign needs the seed its approval froze")
        arms = assign_arms((contact_id for contact_id, _, _ in recipients), plan.arm_seed)
    force_id = session.scalar(select(Campaign.force_id).where(Campaign.id == plan.campaign_id))
    rows = [
        {
            "force_id": force_id,
            "campaign_id": plan.campaign_id,
            "contact_id": contact_id,
            "phone_hash": phone_hash,
            "to": phone,
            "arm": arms.get(contact_id),
            "body": plan.text_for(arms.get(contact_id))[0],
            "sender": plan.sender,
            "segments": plan.text_for(arms.get(contact_id))[1],
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
    # Ids first: each recipient's number is sealed for its own row.
    place_rows(session.connection(), OutboxMessage.__table__, rows)
    for start in range(0, len(rows), INSERT_CHUNK):
        session.execute(insert(OutboxMessage), rows[start : start + INSERT_CHUNK])
    log.info("campaign %s: %s outbox rows written (%s)", plan.campaign_id, len(rows), state)
    return len(rows)


def enqueue_ready(
    session: Session, redis: Redis, campaign_id: int, *, batch_size: int, prefix: str = "pester"
) -> int:
    """Queue send jobs for the campaign's rows that are pending and due; returns job count.

    Queueing a row twice is harmless: a worker only sends rows it claims from ``pending``.
    """
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


def enqueue_on_commit(session: Session, redis: Redis, campaign_id: int, *, settings: Any) -> None:
    """Queue the campaign's due texts once ``session`` commits (never before: a worker that
    ran first would find the campaign not sending yet and skip the batch). Whatever fails
    here the tick queues later."""
    target = session() if isinstance(session, scoped_session) else session

    def queue(_session: Session) -> None:
        try:
            with db.transaction() as fresh:
                state = fresh.scalar(select(Campaign.state).where(Campaign.id == campaign_id))
                if state == CampaignState.SENDING:
                    enqueue_ready(
                        fresh,
                        redis,
                        campaign_id,
                        batch_size=settings.batch_size,
                        prefix=settings.queue_prefix,
                    )
        except Exception:  # never fail the caller's commit
            log.exception("campaign %s: queueing after commit failed", campaign_id)

    event.listen(target, "after_commit", queue, once=True)


def start_if_due(session: Session, redis: Redis, campaign_id: int, *, settings: Any) -> bool:
    """Start a scheduled campaign whose send window has opened; True when it started.

    A window that closed before it ever opened (not-after passed) is left to the tick's
    not-after step, which expires the rows and says why.
    """
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.state != CampaignState.SCHEDULED or not campaign.snapshot:
        return False
    plan = OutboxPlan.from_snapshot(campaign_id, campaign.snapshot)
    if plan.window(utcnow(), settings).decision is not Decision.SEND:
        return False
    moved = session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.state == CampaignState.SCHEDULED)
        .values(state=CampaignState.SENDING, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        return False
    enqueue_on_commit(session, redis, campaign_id, settings=settings)
    log.info("campaign %s: scheduled start reached; sending", campaign_id)
    return True


def launch_campaign(session: Session, campaign_id: int, *, allow_drama: bool) -> int:
    """Write the outbox for an approved campaign from its frozen snapshot; returns rows.

    Kept for callers that launch without the checks of ``campaigns.lifecycle.launch``
    (which compares recipients with the approval and picks sending or scheduled).
    """
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.snapshot is None:
        raise LaunchError("the campaign has no approved snapshot")
    rule = RecipientsRule.from_json(campaign.snapshot["rule"], allow_drama=allow_drama)
    plan = OutboxPlan.from_snapshot(campaign_id, campaign.snapshot)
    return write_outbox(session, plan, select_recipients(session, rule))
