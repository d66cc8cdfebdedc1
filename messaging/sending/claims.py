"""Claiming outbox rows: a lease in the database, taken before any gateway call.

A claimed row carries everything a worker needs to send it (number, text, sender, segments,
the send window) and nothing about its campaign. Only rows still ``pending`` and due are
claimed, in one conditional UPDATE, so two workers given the same ids never both get one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from messaging import delivery_status as ds
from messaging.db import utcnow
from messaging.models import OutboxMessage


@dataclass(frozen=True)
class Claimed:
    """A claimed outbox row: everything needed to send it, nothing about the campaign."""

    id: int
    to: str
    body: str
    sender: str
    segments: int
    phone_hash: str
    not_before: datetime | None
    not_after: datetime | None
    urgent: bool
    attempts: int


def claim_rows(
    session: Session, ids: list[int], token: str, lease_until: datetime, *, campaign_id: int | None
) -> list[Claimed]:
    """Lease the still-pending rows among ``ids`` to ``token``; what a worker needs to send
    them. Only rows of ``campaign_id`` are claimed, or with ``None`` only analysts' answers
    (so an answer job can never send a campaign's text past its campaign's checks)."""
    now = utcnow()
    whose = (
        OutboxMessage.answer_id.is_not(None)
        if campaign_id is None
        else OutboxMessage.campaign_id == campaign_id
    )
    rows = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            whose,
            OutboxMessage.status == ds.PENDING,
            (OutboxMessage.next_attempt_at.is_(None)) | (OutboxMessage.next_attempt_at <= now),
        )
        .values(
            status=ds.CLAIMED,
            lease_token=token,
            lease_until=lease_until,
            claimed_at=now,
            updated_at=now,
        )
        .returning(
            OutboxMessage.id,
            OutboxMessage.to,
            OutboxMessage.body,
            OutboxMessage.private_body,
            OutboxMessage.sender,
            OutboxMessage.segments,
            OutboxMessage.phone_hash,
            OutboxMessage.not_before,
            OutboxMessage.not_after,
            OutboxMessage.urgent,
            OutboxMessage.attempts,
        )
        .execution_options(synchronize_session=False)
    ).all()
    # An answer's text is sealed (private_body); a campaign's is its approved body.
    return sorted(
        (Claimed(r[0], r[1] or "", r[3] if r[3] is not None else r[2], *r[4:]) for r in rows),
        key=lambda c: c.id,
    )
