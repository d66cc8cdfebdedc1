"""Erasing personal data: what a purge would touch (counted) and erasing it (audited).

:mod:`messaging.records.retention` decides when; this module does the erasing, in the caller's
transaction. Rows stay, emptied, so dashboards keep counting them; each erasure is
recorded in the audit log by counts only.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.orm import Session

from messaging.db import utcnow
from messaging.models import (
    Contact,
    ContactImport,
    ContactSource,
    DeliveryEvent,
    Interaction,
    Line,
    OutboxMessage,
    Reply,
    ReplyAnswer,
    ReplyNumber,
    Suppression,
)
from messaging.records import audit, cross_force_index

log = logging.getLogger(__name__)
PURGE_ACTOR = "system:purge"
CHUNK = 500


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
    """Empty replies of their text, number, notes and tags; keep labels and rule names only.

    Tags are typed by analysts and can hold a number (``line-07700900123``), so they go too;
    so do the analysts' answers to them (their text, and the number and text of their
    outbox rows), which are personal data as much as the replies.
    """
    ids = list(session.scalars(reply_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        _bulk(session, delete(ReplyNumber).where(ReplyNumber.reply_id.in_(chunk)))
        answers = select(ReplyAnswer.id).where(ReplyAnswer.reply_id.in_(chunk))
        _bulk(
            session,
            update(OutboxMessage)
            .where(OutboxMessage.answer_id.in_(answers))
            .values(to=None, phone_hash=None, private_body=None),
        )
        _bulk(
            session,
            update(ReplyAnswer)
            .where(ReplyAnswer.reply_id.in_(chunk))
            .values(body=None, phone_hash=None),
        )
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
                    "tags": [],
                    # The classifier's reasons quote the reply: keep only the rule names.
                    "why": {
                        label: [str(reason).split(":", 1)[0] for reason in reasons]
                        for label, reasons in (why or {}).items()
                    },
                }
                for reply_id, why in rows
            ],
        )


def purge_line(
    session: Session,
    line: Line,
    *,
    clock: dict[str, Any] | None = None,
    actor: str = PURGE_ACTOR,
) -> LineErasure:
    """Erase one line's personal data in the caller's transaction, and audit it.

    ``clock`` says why it was due (retention days, when the clock started and from what),
    for the audit entry.
    """
    erased = measure_line(session, line)
    counts = line.purged_counts or _summary_counts(session, line)
    _erase_contact_data(session, line.id)
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
            **(clock or {"retention_days": line.retention_days}),
        },
    )
    log.info("line %s purged: %s contacts, %s replies", line.id, erased.contacts, erased.replies)
    return erased


def _erase_contact_data(session: Session, line_id: int) -> None:
    """Empty every row that holds a number, name or text of the line's contacts."""
    contacts = _line_contacts(line_id)
    hashes = list(
        session.scalars(
            select(Contact.phone_hash).where(
                Contact.line_id == line_id, Contact.phone_hash.is_not(None)
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
        update(ContactImport).where(ContactImport.line_id == line_id).values(rejected=None),
    )
    _bulk(session, delete(Interaction).where(Interaction.line_id == line_id))
    _erase_replies(session, _line_replies(line_id))
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
        .where(Contact.line_id == line_id)
        .values(phone=None, phone_hash=None, textable=False),
    )
    cross_force_index.recheck(session, hashes)  # the numbers may now be on one force only


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
