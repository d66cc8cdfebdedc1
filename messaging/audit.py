"""The audit trail (DPA 2018 s.62): append-only, each entry chained to the previous by hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from messaging.db import utcnow
from messaging.models import AuditEvent, AuditHead

GENESIS = "0" * 64
CATEGORIES = frozenset(
    {
        "collection",
        "alteration",
        "consultation",
        "disclosure",
        "combination",
        "erasure",
        "access",  # sign-in and permission events
        "administration",
    }
)


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """The hash that chains an entry to its predecessor."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _fields(event: AuditEvent) -> dict[str, Any]:
    at: datetime = event.at
    return {
        "at": at.isoformat(),
        "actor_id": event.actor_id,
        "actor": event.actor,
        "category": event.category,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "details": event.details,
        "recipient": event.recipient,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "reason": event.reason,
    }


def append(
    session: Session,
    *,
    category: str,
    action: str,
    actor: str,
    actor_id: int | None = None,
    object_type: str = "",
    object_id: str | int = "",
    details: dict[str, Any] | None = None,
    recipient: str = "",
    ip: str = "",
    user_agent: str = "",
    reason: str = "",
) -> AuditEvent:
    """Add an entry in the caller's transaction. ``details`` holds ids and counts, never data."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown audit category {category!r}")
    head = _lock_head(session)
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor_id,
        actor=actor[:120],
        category=category,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        details=details or {},
        recipient=recipient[:120],
        ip=ip[:64],
        user_agent=user_agent[:255],
        reason=reason,
        prev_hash=head.last_hash,
    )
    event.hash = entry_hash(head.last_hash, _fields(event))
    session.add(event)
    head.last_hash = event.hash
    head.entries += 1
    return event


def _lock_head(session: Session) -> AuditHead:
    # The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) before we read
    # the last hash, so concurrent appends queue up instead of forking the chain.
    locked = session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(entries=AuditHead.entries)
    ).rowcount
    if not locked:
        session.add(AuditHead(id=1, last_hash=GENESIS, entries=0, anchor_hash=GENESIS))
        session.flush()
    head = session.get(AuditHead, 1, populate_existing=True)
    assert head is not None
    return head


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    entries: int
    first_broken_id: int | None = None
    problem: str = ""


def verify(session: Session) -> ChainCheck:
    """Recompute the whole chain; name the first entry whose hash or link does not hold."""
    head = session.get(AuditHead, 1)
    expected_prev = head.anchor_hash if head else GENESIS
    count = 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000):
        count += 1
        if event.prev_hash != expected_prev:
            return ChainCheck(False, count, event.id, "does not link to the entry before it")
        if entry_hash(event.prev_hash, _fields(event)) != event.hash:
            return ChainCheck(False, count, event.id, "its contents were changed")
        expected_prev = event.hash
    if head is not None and head.last_hash != expected_prev:
        return ChainCheck(False, count, None, "entries after the last one were removed")
    return ChainCheck(True, count)
