"""Opt-outs and do-not-contact: who must never be texted, and the history of each change."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from messaging import delivery_status as ds
from messaging.crypto import lookup_hash
from messaging.db import utcnow
from messaging.models import DoNotContact, OutboxMessage, Suppression, SuppressionEvent

log = logging.getLogger(__name__)


def blocked_hashes(session: Session, hashes: Iterable[str]) -> set[str]:
    """Of ``hashes``, those opted out (active suppression) or on the do-not-contact list."""
    wanted = list(set(hashes))
    blocked: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        blocked.update(
            session.scalars(
                select(Suppression.phone_hash).where(
                    Suppression.active.is_(True), Suppression.phone_hash.in_(chunk)
                )
            )
        )
        blocked.update(
            session.scalars(
                select(DoNotContact.phone_hash).where(DoNotContact.phone_hash.in_(chunk))
            )
        )
    return blocked


def suppressed_hashes(session: Session, hashes: Iterable[str]) -> set[str]:
    """Of ``hashes``, those with an active opt-out."""
    wanted = list(set(hashes))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(
            session.scalars(
                select(Suppression.phone_hash).where(
                    Suppression.active.is_(True), Suppression.phone_hash.in_(chunk)
                )
            )
        )
    return found


def suppress(
    session: Session,
    phone: str,
    *,
    source: str,
    detail: str = "",
    reason: str = "",
    actor_id: int | None = None,
) -> Suppression:
    """Opt a number out everywhere, now and later, and cancel its queued texts."""
    phone_hash = lookup_hash(phone)
    row = session.scalar(select(Suppression).where(Suppression.phone_hash == phone_hash))
    now = utcnow()
    if row is None:
        row = Suppression(phone_hash=phone_hash, phone=phone, source=source, source_detail=detail)
        session.add(row)
        session.flush()
    elif row.active:
        return row
    row.active = True
    row.source, row.source_detail, row.updated_at = source, detail, now
    if row.phone is None:
        row.phone = phone
    session.add(
        SuppressionEvent(
            suppression_id=row.id,
            action="suppress",
            source=source,
            source_detail=detail,
            reason=reason,
            actor_id=actor_id,
            at=now,
        )
    )
    cancelled = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.phone_hash == phone_hash, OutboxMessage.status == ds.PENDING)
        .values(status=ds.SUPPRESSED, final_at=now, updated_at=now)
    ).rowcount
    log.info("suppression %s added from %s; %s queued texts cancelled", row.id, source, cancelled)
    return row


def unsuppress(
    session: Session,
    phone_hash: str,
    *,
    source: str,
    reason: str,
    actor_id: int | None = None,
) -> Suppression | None:
    """Lift an opt-out (a START reply, or an admin undoing one with a reason)."""
    row = session.scalar(select(Suppression).where(Suppression.phone_hash == phone_hash))
    if row is None or not row.active:
        return row
    now = utcnow()
    row.active, row.updated_at = False, now
    session.add(
        SuppressionEvent(
            suppression_id=row.id,
            action="unsuppress",
            source=source,
            reason=reason,
            actor_id=actor_id,
            at=now,
        )
    )
    log.info("suppression %s lifted from %s", row.id, source)
    return row
