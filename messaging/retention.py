"""Retention and erasure: forget a line's personal data when its retention period ends.

A line's clock starts when its last campaign finished (completed or cancelled) or, if it
never had one, when it was registered; the line is due ``retention_days`` later. A campaign
that could still send (approved, scheduled, sending, paused) holds the line until it ends.

Purging a line deletes its phone numbers, saved names, raw values and accounts, the
interactions from its call logs, the rejected rows of its imports, the text, numbers and
notes of its replies, the recipients of its outbox and the payloads of its delivery
receipts. Rows stay, emptied, so dashboards keep counting them; a summary of counts goes to
``Line.purged_counts``. Opt-outs stay as the keyed hash only, so a number that said STOP is
never texted again even when a later extraction brings it back. Data tied to no line
(replies from unknown numbers, receipts for unknown messages, old opt-outs) is purged
``default_retention_days`` after it arrived. Every erasure is audited, by counts only.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.orm import Session

from messaging import audit, runtime
from messaging.config import Settings
from messaging.db import db, utcnow
from messaging.models import (
    Campaign,
    CampaignState,
    Contact,
    ContactImport,
    ContactSource,
    DeliveryEvent,
    Interaction,
    Line,
    OutboxMessage,
    Reply,
    ReplyNumber,
    Suppression,
    campaign_lines,
)

log = logging.getLogger(__name__)
PURGE_ACTOR = "system:purge"
HOLDING_STATES = (
    CampaignState.APPROVED,
    CampaignState.SCHEDULED,
    CampaignState.SENDING,
    CampaignState.PAUSED,
)
FINISHED_STATES = (CampaignState.COMPLETED, CampaignState.CANCELLED)
CHUNK = 500


@dataclass(frozen=True)
class LineRetention:
    """Where one line stands in its retention period."""

    line_id: int
    reference: str
    retention_days: int
    clock_start: datetime
    clock_from: str  # "last campaign finished" or "registration"
    due_at: datetime
    held_by: tuple[int, ...]  # campaigns that could still send
    purged_at: datetime | None
    personal_data_left: bool

    def status(self, now: datetime) -> str:
        if self.purged_at is not None and not self.personal_data_left:
            return "purged"
        if self.held_by:
            return "held"
        return "due" if self.due_at <= now else "kept"


def line_retention(
    session: Session, *, now: datetime | None = None, line_ids: list[int] | None = None
) -> list[LineRetention]:
    """Each line's retention clock, due date and what holds it, oldest due first."""
    now = now or utcnow()
    query = select(Line)
    if line_ids is not None:
        query = query.where(Line.id.in_(line_ids))
    lines = list(session.scalars(query))
    finished = dict(
        session.execute(
            select(
                campaign_lines.c.line_id,
                func.max(func.coalesce(Campaign.finished_at, Campaign.updated_at)),
            )
            .join(Campaign, Campaign.id == campaign_lines.c.campaign_id)
            .where(Campaign.state.in_(FINISHED_STATES))
            .group_by(campaign_lines.c.line_id)
        ).all()
    )
    holding: dict[int, list[int]] = {}
    for line_id, campaign_id in session.execute(
        select(campaign_lines.c.line_id, Campaign.id)
        .join(Campaign, Campaign.id == campaign_lines.c.campaign_id)
        .where(Campaign.state.in_(HOLDING_STATES))
    ):
        holding.setdefault(line_id, []).append(campaign_id)
    live = set(
        session.scalars(select(Contact.line_id).where(Contact.phone_hash.is_not(None)).distinct())
    )
    result = []
    for line in lines:
        last = finished.get(line.id)
        start, source = (
            (last, "last campaign finished") if last else (line.created_at, "registration")
        )
        result.append(
            LineRetention(
                line_id=line.id,
                reference=line.reference,
                retention_days=line.retention_days,
                clock_start=start,
                clock_from=source,
                due_at=start + timedelta(days=line.retention_days),
                held_by=tuple(sorted(holding.get(line.id, []))),
                purged_at=line.purged_at,
                personal_data_left=line.id in live or line.line_number_hash is not None,
            )
        )
    return sorted(result, key=lambda r: (r.due_at, r.line_id))


def due_lines(session: Session, *, now: datetime) -> list[LineRetention]:
    return [r for r in line_retention(session, now=now) if r.status(now) == "due"]


@dataclass
class LineErasure:
    """What purging one line erases (counts of rows emptied or deleted)."""

    line_id: int
    reference: str
    contacts: int = 0
    sources: int = 0
    interactions: int = 0
    imports_with_rejected_rows: int = 0
    replies: int = 0
    reply_numbers: int = 0
    outbox_messages: int = 0
    delivery_events: int = 0
    suppressions_reduced_to_hash: int = 0


@dataclass
class OrphanErasure:
    """Personal data tied to no line, past the default retention period."""

    cutoff: datetime
    replies: int = 0
    reply_numbers: int = 0
    unmatched_delivery_events: int = 0
    suppressions_reduced_to_hash: int = 0

    @property
    def anything(self) -> bool:
        return any(
            (
                self.replies,
                self.reply_numbers,
                self.unmatched_delivery_events,
                self.suppressions_reduced_to_hash,
            )
        )


@dataclass
class PurgeReport:
    dry_run: bool
    now: datetime
    lines: list[LineErasure] = field(default_factory=list)
    orphans: OrphanErasure | None = None
    audit_entries: int = 0
    audit_cutoff: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "now": self.now.isoformat(),
            "lines": [asdict(e) for e in self.lines],
            "orphans": {
                k: v.isoformat() if isinstance(v, datetime) else v
                for k, v in asdict(self.orphans).items()
            }
            if self.orphans
            else None,
            "audit": {
                "entries_removed": self.audit_entries,
                "cutoff": self.audit_cutoff.isoformat() if self.audit_cutoff else None,
            },
        }


# -- what a purge touches ---------------------------------------------------------------


def _line_contacts(line_id: int) -> Select[Any]:
    return select(Contact.id).where(Contact.line_id == line_id)


def _line_replies(line_id: int) -> Select[Any]:
    return select(Reply.id).where(Reply.line_id == line_id)


def _with_personal_reply_data() -> Any:
    return or_(
        Reply.body.is_not(None),
        Reply.phone.is_not(None),
        Reply.phone_hash.is_not(None),
        Reply.notes.is_not(None),
    )


def _count(session: Session, query: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def measure_line(session: Session, line: Line) -> LineErasure:
    """Count what purging ``line`` would erase, changing nothing."""
    contacts = _line_contacts(line.id)
    outbox = select(OutboxMessage.id).where(OutboxMessage.contact_id.in_(contacts))
    hashes = select(Contact.phone_hash).where(
        Contact.line_id == line.id, Contact.phone_hash.is_not(None)
    )
    return LineErasure(
        line_id=line.id,
        reference=line.reference,
        contacts=_count(
            session,
            select(Contact.id).where(
                Contact.line_id == line.id,
                or_(Contact.phone.is_not(None), Contact.phone_hash.is_not(None)),
            ),
        ),
        sources=_count(
            session,
            select(ContactSource.id).where(
                ContactSource.contact_id.in_(contacts),
                or_(
                    ContactSource.raw.is_not(None),
                    ContactSource.saved_name.is_not(None),
                    ContactSource.account.is_not(None),
                ),
            ),
        ),
        interactions=_count(session, select(Interaction.id).where(Interaction.line_id == line.id)),
        imports_with_rejected_rows=_count(
            session,
            select(ContactImport.id).where(
                ContactImport.line_id == line.id, ContactImport.rejected.is_not(None)
            ),
        ),
        replies=_count(
            session,
            select(Reply.id).where(Reply.line_id == line.id, _with_personal_reply_data()),
        ),
        reply_numbers=_count(
            session, select(ReplyNumber.id).where(ReplyNumber.reply_id.in_(_line_replies(line.id)))
        ),
        outbox_messages=_count(
            session,
            select(OutboxMessage.id).where(
                OutboxMessage.contact_id.in_(contacts),
                or_(OutboxMessage.to.is_not(None), OutboxMessage.phone_hash.is_not(None)),
            ),
        ),
        delivery_events=_count(
            session, select(DeliveryEvent.id).where(DeliveryEvent.outbox_id.in_(outbox))
        ),
        suppressions_reduced_to_hash=_count(
            session,
            select(Suppression.id).where(
                Suppression.phone.is_not(None), Suppression.phone_hash.in_(hashes)
            ),
        ),
    )


def _orphan_replies(cutoff: datetime) -> Select[Any]:
    return select(Reply.id).where(
        Reply.line_id.is_(None), Reply.received_at < cutoff, _with_personal_reply_data()
    )


def _orphan_suppressions(cutoff: datetime) -> Select[Any]:
    live = select(Contact.phone_hash).where(Contact.phone_hash.is_not(None))
    return select(Suppression.id).where(
        Suppression.phone.is_not(None),
        Suppression.updated_at < cutoff,
        Suppression.phone_hash.not_in(live),
    )


def _orphan_events(cutoff: datetime) -> Select[Any]:
    return select(DeliveryEvent.id).where(
        DeliveryEvent.outbox_id.is_(None), DeliveryEvent.received_at < cutoff
    )


def measure_orphans(session: Session, cutoff: datetime) -> OrphanErasure:
    replies = _orphan_replies(cutoff)
    return OrphanErasure(
        cutoff=cutoff,
        replies=_count(session, replies),
        reply_numbers=_count(
            session, select(ReplyNumber.id).where(ReplyNumber.reply_id.in_(replies))
        ),
        unmatched_delivery_events=_count(session, _orphan_events(cutoff)),
        suppressions_reduced_to_hash=_count(session, _orphan_suppressions(cutoff)),
    )


# -- erasing ----------------------------------------------------------------------------


def _summary_counts(session: Session, line: Line) -> dict[str, Any]:
    """The anonymous counts a dashboard needs once the data is gone."""
    contacts = _line_contacts(line.id)
    by_kind = dict(
        session.execute(
            select(Contact.kind, func.count())
            .where(Contact.line_id == line.id)
            .group_by(Contact.kind)
        ).all()
    )
    outbox = dict(
        session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.contact_id.in_(contacts))
            .group_by(OutboxMessage.status)
        ).all()
    )
    labels: Counter[str] = Counter()
    replies = urgent = 0
    for reply_labels, is_urgent in session.execute(
        select(Reply.labels, Reply.urgent).where(Reply.line_id == line.id)
    ):
        replies += 1
        urgent += int(bool(is_urgent))
        labels.update(reply_labels or [])
    return {
        "contacts": sum(by_kind.values()),
        "by_kind": by_kind,
        "textable": _count(
            session,
            select(Contact.id).where(Contact.line_id == line.id, Contact.textable.is_(True)),
        ),
        "interactions": _count(
            session, select(Interaction.id).where(Interaction.line_id == line.id)
        ),
        "imports": _count(
            session, select(ContactImport.id).where(ContactImport.line_id == line.id)
        ),
        "outbox_by_status": outbox,
        "replies": replies,
        "urgent_replies": urgent,
        "reply_labels": dict(labels),
    }


def _bulk(session: Session, statement: Any) -> None:
    session.execute(statement, execution_options={"synchronize_session": False})


def _reduce_suppressions(session: Session, hashes: list[str]) -> None:
    for start in range(0, len(hashes), CHUNK):
        _bulk(
            session,
            update(Suppression)
            .where(
                Suppression.phone_hash.in_(hashes[start : start + CHUNK]),
                Suppression.phone.is_not(None),
            )
            .values(phone=None),
        )


def _erase_replies(session: Session, reply_ids: Select[Any]) -> None:
    """Empty replies of their text, number and notes; keep labels and rule names only."""
    ids = list(session.scalars(reply_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        _bulk(session, delete(ReplyNumber).where(ReplyNumber.reply_id.in_(chunk)))
        rows = session.execute(select(Reply.id, Reply.why).where(Reply.id.in_(chunk))).all()
        session.execute(
            update(Reply),
            [
                {
                    "id": reply_id,
                    "body": None,
                    "phone": None,
                    "phone_hash": None,
                    "notes": None,
                    # The classifier's reasons quote the reply: keep only the rule names.
                    "why": {
                        label: [str(reason).split(":", 1)[0] for reason in reasons]
                        for label, reasons in (why or {}).items()
                    },
                }
                for reply_id, why in rows
            ],
        )


def purge_line(session: Session, line: Line, *, actor: str = PURGE_ACTOR) -> LineErasure:
    """Erase one line's personal data in the caller's transaction, and audit it."""
    erased = measure_line(session, line)
    retention = line_retention(session, line_ids=[line.id])[0]
    counts = line.purged_counts or _summary_counts(session, line)
    contacts = _line_contacts(line.id)
    hashes = list(
        session.scalars(
            select(Contact.phone_hash).where(
                Contact.line_id == line.id, Contact.phone_hash.is_not(None)
            )
        )
    )
    _reduce_suppressions(session, hashes)
    _bulk(
        session,
        update(ContactSource)
        .where(ContactSource.contact_id.in_(contacts))
        .values(raw=None, saved_name=None, account=None),
    )
    _bulk(
        session,
        update(ContactImport).where(ContactImport.line_id == line.id).values(rejected=None),
    )
    _bulk(session, delete(Interaction).where(Interaction.line_id == line.id))
    _erase_replies(session, _line_replies(line.id))
    outbox = select(OutboxMessage.id).where(OutboxMessage.contact_id.in_(contacts))
    _bulk(
        session,
        update(DeliveryEvent).where(DeliveryEvent.outbox_id.in_(outbox)).values(payload={}),
    )
    _bulk(
        session,
        update(OutboxMessage)
        .where(OutboxMessage.contact_id.in_(contacts))
        .values(to=None, phone_hash=None),
    )
    _bulk(
        session,
        update(Contact)
        .where(Contact.line_id == line.id)
        .values(phone=None, phone_hash=None, textable=False),
    )
    line.line_number = None
    line.line_number_hash = None
    line.purged_at = utcnow()
    line.purged_counts = counts
    session.flush()
    audit.append(
        session,
        category="erasure",
        action="line_purged",
        actor=actor,
        object_type="line",
        object_id=line.id,
        details={
            **{k: v for k, v in asdict(erased).items() if k not in ("line_id", "reference")},
            "retention_days": retention.retention_days,
            "clock_from": retention.clock_from,
            "clock_start": retention.clock_start.isoformat(),
        },
    )
    log.info("line %s purged: %s contacts, %s replies", line.id, erased.contacts, erased.replies)
    return erased


def purge_orphans(session: Session, cutoff: datetime, *, actor: str = PURGE_ACTOR) -> OrphanErasure:
    """Erase personal data tied to no line and older than ``cutoff``, and audit it."""
    erased = measure_orphans(session, cutoff)
    if not erased.anything:
        return erased
    _erase_replies(session, _orphan_replies(cutoff))
    _bulk(session, delete(DeliveryEvent).where(DeliveryEvent.id.in_(_orphan_events(cutoff))))
    ids = list(session.scalars(_orphan_suppressions(cutoff)))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        _bulk(session, update(Suppression).where(Suppression.id.in_(chunk)).values(phone=None))
    details = {k: v for k, v in asdict(erased).items() if k != "cutoff"}
    audit.append(
        session,
        category="erasure",
        action="unlinked_data_purged",
        actor=actor,
        object_type="retention",
        details={**details, "cutoff": cutoff.isoformat()},
    )
    log.info("purged personal data tied to no line: %s", details)
    return erased


def purge(
    settings: Settings,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    actor: str = PURGE_ACTOR,
) -> PurgeReport:
    """Purge every due line, old unlinked data, and audit entries past audit retention.

    Each line is purged (and audited) in its own transaction, so a long purge that stops
    half-way leaves every finished line consistent and the next run carries on.
    """
    now = now or utcnow()
    report = PurgeReport(dry_run=dry_run, now=now)
    with db.transaction() as session:
        due = [r.line_id for r in due_lines(session, now=now)]
    for line_id in due:
        with db.transaction() as session:
            line = session.get(Line, line_id)
            if line is None:
                continue
            report.lines.append(
                measure_line(session, line) if dry_run else purge_line(session, line, actor=actor)
            )
    orphan_cutoff = now - timedelta(days=settings.default_retention_days)
    with db.transaction() as session:
        report.orphans = (
            measure_orphans(session, orphan_cutoff)
            if dry_run
            else purge_orphans(session, orphan_cutoff, actor=actor)
        )
    report.audit_cutoff = now - timedelta(days=settings.audit_retention_days)
    with db.transaction() as session:
        trimmed = audit.trim(session, before=report.audit_cutoff, actor=actor, dry_run=dry_run)
    report.audit_entries = trimmed.removed
    return report


def purge_job() -> dict[str, Any]:
    """RQ maintenance job: the scheduled daily purge."""
    return purge(runtime.current().settings).as_json()


def schedule_daily_purge() -> bool:
    """Queue the purge job unless one was queued in the last day (called from the tick)."""
    from messaging.queues import MAINTENANCE, enqueue

    rt = runtime.current()
    prefix = rt.settings.queue_prefix
    if not rt.redis.set(f"{prefix}:purge-scheduled", utcnow().isoformat(), nx=True, ex=86400):
        return False
    enqueue(rt.redis, purge_job, queue=MAINTENANCE, prefix=prefix)
    log.info("daily purge queued")
    return True
