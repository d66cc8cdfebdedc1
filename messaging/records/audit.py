"""The audit trail (DPA 2018 s.62): append-only, each entry chained to the previous by hash.

Each entry records who (actor), when, what (category, action, object ids and counts — never
the numbers or text themselves), from where (IP, user agent), to whom for disclosures
(recipient) and an optional reason. Its hash covers those fields and the previous entry's
hash, keyed by a secret the database does not hold, so a changed, removed or inserted entry
breaks the chain at a point :func:`verify` names. Appends lock the single head row, so
concurrent writers (web processes, workers on other hosts) queue up instead of forking it.

Each entry also carries a public ``digest``: SHA-256 over the previous entry's digest and
the same content, unkeyed (:mod:`messaging.records.audit_format` defines both exactly).
Checkpoints sign it, so an export of the trail can be checked against them with the public
key alone (:mod:`messaging.records.audit_evidence`); the keyed hash still catches a change
that no checkpoint covers yet, by anyone without the key.

Old entries leave only through :func:`trim` (audit retention): it moves the head's anchor
to the last removed entry's hash and digest, so the chain still verifies, and records the
new anchor and the count removed so far; :func:`verify` accepts a moved anchor only when
the newest such record vouches for it. A cut end with the head rewritten, or a chain
re-forged with the keys, is caught by signed checkpoints
(:mod:`messaging.records.audit_checkpoints`).

Each entry belongs to the force of its actor or subject (None for the system's own), and a
force's administrators see only their force's entries. The chain itself is one, across all
forces, so :func:`verify` and :func:`trim` read it whole. Entries written since forces exist
(``chain_version`` 2) hash their force too; older ones keep the hash they were written with.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from messaging.crypto import cipher
from messaging.db import utcnow
from messaging.models import AuditEvent, AuditHead, Contact
from messaging.records.audit_format import (
    GENESIS,
    TRIM_ACTION,
    ChainCheck,
    canonical,
    public_digest,
    unvouched_start,
)
from messaging.tenancy import across_forces, default_force_id

CHAIN_VERSION = 2  # entries hash their force (1: written before forces existed)
WORKER_ACTOR = "worker"
SYSTEM_ACTOR = "system"
CARRIER_ACTOR = "carrier"  # what arrives through the carrier's signed webhooks
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
    """The keyed hash that chains an entry to its predecessor."""
    return cipher().chain_hash((prev_hash + canonical(fields)).encode())


def entry_content(event: AuditEvent) -> dict[str, Any]:
    """What both of an entry's hashes cover (:mod:`~messaging.records.audit_format`)."""
    at: datetime = event.at
    fields = _common_fields(event, at)
    if event.chain_version >= 2:
        fields["force_id"] = event.force_id
        fields["chain_version"] = event.chain_version
    return fields


def _common_fields(event: AuditEvent, at: datetime) -> dict[str, Any]:
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
    force_id: int | None = None,
) -> AuditEvent:
    """Add an entry in the caller's transaction. ``details`` holds ids and counts, never data.

    ``force_id`` is the force of the actor or subject (the scope's force when not given).
    Call it last in a transaction where you can: the head row stays locked until commit.
    """
    if category not in CATEGORIES:
        raise ValueError(f"unknown audit category {category!r}")
    head = _lock_head(session)
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor_id,
        actor=actor[:120],
        category=category,
        action=action[:60],
        object_type=object_type[:40],
        object_id=str(object_id)[:64],
        details=details or {},
        recipient=recipient[:120],
        ip=ip[:64],
        user_agent=user_agent[:255],
        reason=reason,
        prev_hash=head.last_hash,
        # Settled before hashing: the hash covers it.
        force_id=force_id or default_force_id(session),
        chain_version=CHAIN_VERSION,
    )
    content = entry_content(event)
    event.hash = entry_hash(head.last_hash, content)
    event.digest = public_digest(head.last_digest, content)
    session.add(event)
    head.last_hash, head.last_digest = event.hash, event.digest
    head.entries += 1
    session.flush()
    return event


def _lock_head(session: Session) -> AuditHead:
    # The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) before we read
    # the last hash, so concurrent appends queue up instead of forking the chain.
    for _ in range(2):
        locked = session.execute(
            update(AuditHead).where(AuditHead.id == 1).values(entries=AuditHead.entries)
        ).rowcount
        if locked:
            break
        _create_head(session)
    head = session.get(AuditHead, 1, populate_existing=True)
    assert head is not None
    return head


def _create_head(session: Session) -> None:
    """Insert the head row unless a concurrent first append already has (then wait for it)."""
    values = {"id": 1, "last_hash": GENESIS, "entries": 0, "anchor_hash": GENESIS, "trimmed": 0}
    values.update(last_digest=GENESIS, anchor_digest=GENESIS)
    values["installation_id"] = str(uuid.uuid4())
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(AuditHead).values(**values).on_conflict_do_nothing())


def verify(session: Session) -> ChainCheck:
    """Recompute the whole chain, keyed hashes and public digests; name the first entry
    whose hash, digest or link does not hold."""
    head = session.get(AuditHead, 1)
    start = (head.anchor_hash, head.anchor_digest) if head else (GENESIS, GENESIS)
    run = _check_run(session, select(AuditEvent), *start)
    if run.broken is not None:
        return run.broken
    if head is not None and (head.last_hash, head.last_digest) != run.last:
        return ChainCheck(False, run.count, None, "entries after the last one were removed")
    problem = _unvouched_start(head, run.trim)
    if problem:
        first = session.scalar(across_forces(select(func.min(AuditEvent.id))))
        return ChainCheck(False, run.count, first, problem)
    return ChainCheck(True, run.count, head_hash=run.last[0])


def verify_since(session: Session, vouched_hash: str | None) -> ChainCheck:
    """Recompute the entries after the one whose keyed hash is ``vouched_hash`` (the head the
    last checkpoint signed) through the head: what the next checkpoint is about to vouch for.

    A checkpoint must never sign an edit made since the last one: a database writer can
    recompute the public digests, but not the keyed hashes. With no earlier checkpoint, or
    when its entry is no longer in the chain, the whole chain is checked.
    """
    if vouched_hash is None:
        return verify(session)
    vouched = session.execute(
        across_forces(
            select(AuditEvent.id, AuditEvent.digest).where(AuditEvent.hash == vouched_hash)
        )
    ).first()
    if vouched is None:  # trimmed by retention, or cut: the whole chain says which
        return verify(session)
    entries = select(AuditEvent).where(AuditEvent.id > vouched.id)
    run = _check_run(session, entries, vouched_hash, vouched.digest)
    if run.broken is not None:
        return run.broken
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_hash, head.last_digest) != run.last:
        return ChainCheck(False, run.count, None, "entries after the last one were removed")
    return ChainCheck(True, run.count, head_hash=run.last[0], scope="since the last checkpoint")


@dataclass
class _Run:
    count: int
    last: tuple[str, str]  # the keyed hash and public digest of the last entry checked
    trim: tuple[int, dict[str, Any]] | None = None
    broken: ChainCheck | None = None


def _check_run(session: Session, entries: Any, prev_hash: str, prev_digest: str) -> _Run:
    """Walk ``entries`` in chain order from (prev_hash, prev_digest), checking each link."""
    run = _Run(0, (prev_hash, prev_digest))
    ordered = across_forces(entries.order_by(AuditEvent.id))  # the chain is one for all forces
    for event in session.scalars(ordered).yield_per(1000):
        run.count += 1
        if event.prev_hash != prev_hash:
            problem = "does not link to the entry before it"
        elif entry_hash(event.prev_hash, content := entry_content(event)) != event.hash:
            problem = "its contents were changed"
        elif public_digest(prev_digest, content) != event.digest:
            problem = "its public digest was changed"
        else:
            problem = ""
        if problem:
            run.broken = ChainCheck(False, run.count, event.id, problem)
            return run
        if event.action == TRIM_ACTION:
            run.trim = (event.id, event.details or {})
        prev_hash, prev_digest = event.hash, event.digest
        run.last = (prev_hash, prev_digest)
    return run


def _unvouched_start(head: AuditHead | None, trim: tuple[int, dict[str, Any]] | None) -> str:
    if head is None:
        return ""
    return unvouched_start(head.anchor_hash, head.anchor_digest, head.trimmed, trim)


@dataclass(frozen=True)
class TrimResult:
    removed: int
    through_id: int | None
    cutoff: datetime


def trim(
    session: Session, *, before: datetime, actor: str = SYSTEM_ACTOR, dry_run: bool = False
) -> TrimResult:
    """Remove entries older than ``before`` (audit retention), keeping the chain verifiable.

    Entries leave oldest first and only as a prefix of the chain; the head's anchor moves to
    the last removed entry's hash, and the trim itself is recorded (an erasure entry).
    """
    if dry_run:
        through, removed = _trim_extent(session, before)
        return TrimResult(removed, through, before)
    head = _lock_head(session)
    through, removed = _trim_extent(session, before)
    if through is None:
        return TrimResult(0, None, before)
    last_removed = session.execute(
        across_forces(select(AuditEvent.hash, AuditEvent.digest).where(AuditEvent.id == through))
    ).one()
    session.execute(across_forces(delete(AuditEvent).where(AuditEvent.id <= through)))
    head.anchor_hash, head.anchor_digest = last_removed
    head.entries = max(0, head.entries - removed)
    head.trimmed += removed
    session.flush()
    append(
        session,
        category="erasure",
        action=TRIM_ACTION,
        actor=actor,
        object_type="audit_log",
        details={
            "removed": removed,
            "through_id": through,
            "before": before.isoformat(),
            # What verify compares the head with: the chain now starts here.
            "anchor": head.anchor_hash,
            "anchor_digest": head.anchor_digest,
            "trimmed_total": head.trimmed,
        },
    )
    return TrimResult(removed, through, before)


def _trim_extent(session: Session, before: datetime) -> tuple[int | None, int]:
    # Only a prefix of the chain can go: stop at the first entry that is young enough.
    first_kept = session.scalar(
        across_forces(select(func.min(AuditEvent.id)).where(AuditEvent.at >= before))
    )
    query = select(func.max(AuditEvent.id), func.count())
    if first_kept is not None:
        query = query.where(AuditEvent.id < first_kept)
    through, removed = session.execute(across_forces(query)).one()
    return through, int(removed or 0)


class _BatchOutcome(Protocol):
    id: int
    status: str
    provider_id: str | None
    error_code: int | None


def _handed_over(outcome: _BatchOutcome) -> bool:
    # The gateway saw the number if it accepted it, answered with an error about it, or
    # the call's outcome is unknown (left claimed); local outcomes (opted out, expired,
    # released by a pause) never reached it.
    return (
        bool(outcome.provider_id) or outcome.error_code is not None or outcome.status == "claimed"
    )


def record_gateway_handover(
    session: Session,
    campaign_id: int,
    batch: str,
    outcomes: Iterable[_BatchOutcome],
    gateway: str,
    *,
    force_id: int | None = None,
) -> AuditEvent | None:
    """Record a send batch's disclosure to the SMS gateway (counts only, one entry a batch)."""
    handed_over = [o for o in outcomes if _handed_over(o)]
    if not handed_over:
        return None
    handed = len(handed_over)
    accepted = sum(1 for o in handed_over if o.provider_id)
    return append(
        session,
        category="disclosure",
        action="texts_sent_to_gateway",
        actor=WORKER_ACTOR,
        object_type="campaign",
        object_id=campaign_id,
        recipient=gateway,
        details={"batch": batch, "handed_over": handed, "accepted": accepted},
        force_id=force_id,
    )


def record_answer_handover(
    session: Session,
    batch: str,
    outcomes: Iterable[_BatchOutcome],
    gateway: str,
    *,
    force_id: int | None = None,
) -> AuditEvent | None:
    """Record analysts' answers handed to the SMS gateway (a disclosure): one entry a batch,
    naming the outbox rows, never the numbers or the text."""
    handed_over = [o for o in outcomes if _handed_over(o)]
    if not handed_over:
        return None
    return append(
        session,
        category="disclosure",
        action="answers_sent_to_gateway",
        actor=WORKER_ACTOR,
        object_type="outbox",
        object_id=batch,
        recipient=gateway,
        details={
            "batch": batch,
            "handed_over": len(handed_over),
            "accepted": sum(1 for o in handed_over if o.provider_id),
            "outbox_ids": sorted(o.id for o in handed_over),
        },
        force_id=force_id,
    )


def record_cross_line_links(
    session: Session,
    *,
    line_id: int,
    import_id: int,
    phone_hashes: Iterable[str],
    user_id: int | None = None,
    ip: str = "",
    user_agent: str = "",
) -> AuditEvent | None:
    """Record that an import linked numbers to other lines (combination, DPA 2018 s.62).

    ``ip`` and ``user_agent`` are those of the web request that started the import, when
    there was one (a queued import carries them from the request to the job).
    """
    hashes = list(set(phone_hashes))
    if not hashes:
        return None
    other_lines: set[int] = set()
    for start in range(0, len(hashes), 500):
        chunk = hashes[start : start + 500]
        other_lines.update(
            session.scalars(
                select(Contact.line_id)
                .where(Contact.line_id != line_id, Contact.phone_hash.in_(chunk))
                .distinct()
            )
        )
    return append(
        session,
        category="combination",
        action="cross_line_linked",
        actor=f"user:{user_id}" if user_id else SYSTEM_ACTOR,
        actor_id=user_id,
        object_type="line",
        object_id=line_id,
        details={
            "import_id": import_id,
            "numbers_on_other_lines": len(hashes),
            "other_line_ids": sorted(other_lines),
        },
        ip=ip,
        user_agent=user_agent,
    )


def record_reply_received(
    session: Session,
    *,
    reply_id: int,
    campaign_id: int | None,
    line_id: int | None,
    labels: list[str],
    mentions: int,
    force_id: int | None = None,
) -> AuditEvent:
    """Record an inbound reply stored from the carrier (collection): ids and labels only."""
    return append(
        session,
        category="collection",
        action="reply_received",
        actor=CARRIER_ACTOR,
        object_type="reply",
        object_id=reply_id,
        details={
            "campaign_id": campaign_id,
            "line_id": line_id,
            "labels": list(labels),
            "numbers_mentioned": mentions,
        },
        force_id=force_id,
    )


def record_reply_links(
    session: Session,
    *,
    reply_id: int,
    links: Iterable[tuple[str, int | None]],
    force_id: int | None = None,
) -> AuditEvent | None:
    """Record that numbers written in a reply were matched to known lines or their contacts
    (combination, DPA 2018 s.62). ``links`` are (link kind, line id) pairs; nothing is
    recorded when no number matched anything known."""
    known = [(kind, line_id) for kind, line_id in links if line_id is not None]
    if not known:
        return None
    return append(
        session,
        category="combination",
        action="reply_numbers_linked",
        actor=CARRIER_ACTOR,
        object_type="reply",
        object_id=reply_id,
        details={
            "known_lines": sum(1 for kind, _ in known if kind == "known_line"),
            "known_contacts": sum(1 for kind, _ in known if kind == "known_contact"),
            "line_ids": sorted({line_id for _, line_id in known}),
        },
        force_id=force_id,
    )
