"""Opt-outs and do-not-contact: who must never be texted, and the history of each change.

A suppression is national: it applies to every force's lines and campaigns, now and later,
and adding one cancels the number's queued texts in every force (rows a worker has already
claimed are caught by the worker's own last-moment check, which the number's lock, held
here until the opt-out commits, orders against it: :mod:`messaging.audience.number_lock`).
Its row belongs to the force that received it (the latest, when a lifted one is made
again), which alone lists and may lift it. Do-not-contact entries are each force's own (its
reasons are its own business), but the check is national too: an officer's or a known
victim's phone must not get another force's text either. Every lookup of a number here is
therefore across forces, by keyed hash. Every change is a :class:`SuppressionEvent` with its
source (a reply, a carrier error code, a person), time, and for people a reason. The row is
found by the number's keyed hash, so it keeps working after the number itself is purged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, union_all, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from messaging import delivery_status as ds
from messaging.audience.number_lock import hold_until_commit
from messaging.crypto import lookup_hash
from messaging.db import utcnow
from messaging.intake.phone_numbers import normalise
from messaging.models import DoNotContact, OutboxMessage, Suppression, SuppressionEvent
from messaging.models.suppressions import SuppressionSource
from messaging.records import audit
from messaging.tenancy import across_forces, current_force_id

log = logging.getLogger(__name__)
MIN_REASON_LENGTH = 5
# Opt-outs the person themself made (a STOP reply, or STOP at the carrier: error 21610). Only
# these may be lifted by a START reply: one an analyst or admin added or reinstated stays
# until a person lifts it, since anyone holding the phone can text START.
SELF_SERVICE_SOURCES = frozenset({SuppressionSource.REPLY, SuppressionSource.ERROR_CODE})


class SuppressionError(ValueError):
    """A change to the opt-out list was refused; the message is safe to show."""


def blocked_hashes(session: Session, hashes: Iterable[str]) -> set[str]:
    """Of ``hashes``, those opted out (active suppression) or on the do-not-contact list."""
    wanted = list(set(hashes))
    blocked: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        blocked.update(
            session.scalars(
                across_forces(
                    select(Suppression.phone_hash).where(
                        Suppression.active.is_(True), Suppression.phone_hash.in_(chunk)
                    )
                )
            )
        )
        blocked.update(
            session.scalars(
                across_forces(
                    select(DoNotContact.phone_hash).where(DoNotContact.phone_hash.in_(chunk))
                )
            )
        )
    return blocked


def blocked_now(connection: Connection, hashes: Iterable[str]) -> set[str]:
    """:func:`blocked_hashes` as one statement per 500 numbers on a bare connection: the
    workers' last check before each gateway call, made many times a second."""
    wanted = list(set(hashes))
    blocked: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        opted_out = select(Suppression.phone_hash).where(
            Suppression.active.is_(True), Suppression.phone_hash.in_(chunk)
        )
        listed = select(DoNotContact.phone_hash).where(DoNotContact.phone_hash.in_(chunk))
        # National, like every check of a number (a bare connection is not scoped anyway).
        blocked.update(connection.scalars(across_forces(union_all(opted_out, listed))))
    return blocked


def suppressed_hashes(session: Session, hashes: Iterable[str]) -> set[str]:
    """Of ``hashes``, those with an active opt-out."""
    wanted = list(set(hashes))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(
            session.scalars(
                across_forces(
                    select(Suppression.phone_hash).where(
                        Suppression.active.is_(True), Suppression.phone_hash.in_(chunk)
                    )
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
    force_id: int | None = None,
) -> Suppression:
    """Opt a number (E.164) out everywhere, now and later, and cancel its queued texts.

    ``force_id`` is the force that received the opt-out (the scope's force by default).
    """
    return _suppress_hash(
        session,
        lookup_hash(phone),
        phone,
        source=source,
        detail=detail,
        reason=reason,
        actor_id=actor_id,
        force_id=force_id,
    )


def _row_for(session: Session, phone_hash: str) -> Suppression | None:
    """The number's opt-out row, whichever force received it."""
    return session.scalar(
        across_forces(select(Suppression).where(Suppression.phone_hash == phone_hash))
    )


def _suppress_hash(
    session: Session,
    phone_hash: str,
    phone: str | None,
    *,
    source: str,
    detail: str = "",
    reason: str = "",
    actor_id: int | None = None,
    force_id: int | None = None,
) -> Suppression:
    force_id = force_id or current_force_id(session)
    # Held until this transaction commits: a worker about to text the number either sees
    # the opt-out or has already made its call (messaging.audience.number_lock). Taken
    # before the read, so two opt-outs of one number at once queue instead of both adding.
    hold_until_commit(session, phone_hash)
    row = _row_for(session, phone_hash)
    if row is not None and row.active:
        return row
    now = utcnow()
    if row is None:
        row = Suppression(
            phone_hash=phone_hash, phone=phone, source=source, source_detail=detail[:120]
        )
        if force_id is not None:
            row.force_id = force_id
        session.add(row)
        session.flush()
    elif force_id is not None:
        row.force_id = force_id  # made again: it is now the receiving force's
    row.active = True
    row.source, row.source_detail, row.updated_at = source, detail[:120], now
    if row.phone is None and phone is not None:
        row.phone = phone
    _record(session, row, "suppress", source, detail=detail, reason=reason, actor_id=actor_id)
    cancelled = session.execute(  # every force's queued texts to the number
        across_forces(
            update(OutboxMessage)
            .where(OutboxMessage.phone_hash == phone_hash, OutboxMessage.status == ds.PENDING)
            .values(status=ds.SUPPRESSED, final_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
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
    detail: str = "",
) -> Suppression | None:
    """Lift an opt-out (a START reply, or an admin undoing one with a reason)."""
    row = _row_for(session, phone_hash)
    if row is None or not row.active:
        return row
    row.active, row.updated_at = False, utcnow()
    _record(session, row, "unsuppress", source, detail=detail, reason=reason, actor_id=actor_id)
    log.info("suppression %s lifted from %s", row.id, source)
    return row


def unsuppress_by_reply(
    session: Session, phone_hash: str, *, reason: str, detail: str = ""
) -> Suppression | None:
    """Lift an opt-out because the number texted START / UNSTOP / YES.

    Only an opt-out the person made themself (a STOP reply or the carrier's 21610) is
    lifted; one added or reinstated by hand is left alone (and the do-not-contact list is
    never touched). Returns the row when it was lifted, else None.
    """
    row = _row_for(session, phone_hash)
    if row is None or not row.active:
        return None
    if row.source not in SELF_SERVICE_SOURCES:
        log.info("suppression %s (from %s) kept despite a START reply", row.id, row.source)
        return None
    return unsuppress(
        session, phone_hash, source=SuppressionSource.REPLY, reason=reason, detail=detail
    )


def _record(
    session: Session,
    row: Suppression,
    action: str,
    source: str,
    *,
    detail: str,
    reason: str,
    actor_id: int | None,
) -> None:
    session.add(
        SuppressionEvent(
            suppression_id=row.id,
            action=action,
            source=source,
            source_detail=detail[:120],
            reason=reason,
            actor_id=actor_id,
            at=row.updated_at,
        )
    )
    if source in SELF_SERVICE_SOURCES:
        # People's changes are audited by the view that made them, with who and from where;
        # these come from a reply or the carrier (alteration, DPA 2018 s.62).
        session.flush()
        audit.append(
            session,
            category="alteration",
            action="opt_out_added" if action == "suppress" else "opt_out_lifted",
            actor=audit.SYSTEM_ACTOR,
            object_type="suppression",
            object_id=row.id,
            details={"source": source, "source_detail": detail[:120]},
            force_id=row.force_id,
        )


def add_by_hand(session: Session, raw_number: str, *, actor_id: int, reason: str) -> Suppression:
    """Opt a number out on someone's request made by another route (a one-way sender's
    recipients cannot reply STOP). Refuses numbers that do not parse and empty reasons."""
    number = normalise(raw_number)
    if number.e164 is None:
        raise SuppressionError("That is not a valid phone number.")
    reason = _checked_reason(reason)
    existing = _row_for(session, lookup_hash(number.e164))
    if existing is not None and existing.active:
        raise SuppressionError("That number is already opted out.")
    return suppress(
        session, number.e164, source=SuppressionSource.MANUAL, reason=reason, actor_id=actor_id
    )


def lift(session: Session, suppression_id: int, *, actor_id: int, reason: str) -> Suppression:
    """An admin undoes an opt-out (recorded with their reason)."""
    row = _get(session, suppression_id)
    if not row.active:
        raise SuppressionError("That opt-out has already been lifted.")
    unsuppress(
        session,
        row.phone_hash,
        source=SuppressionSource.ADMIN,
        reason=_checked_reason(reason),
        actor_id=actor_id,
    )
    return row


def reinstate(session: Session, suppression_id: int, *, actor_id: int, reason: str) -> Suppression:
    """An admin undoes a lift (a mistaken START, or their own undo), with a reason."""
    row = _get(session, suppression_id)
    if row.active:
        raise SuppressionError("That number is already opted out.")
    return _suppress_hash(
        session,
        row.phone_hash,
        row.phone,
        source=SuppressionSource.ADMIN,
        reason=_checked_reason(reason),
        actor_id=actor_id,
    )


def history(session: Session, suppression_id: int) -> list[SuppressionEvent]:
    """Every change to one suppression, oldest first."""
    return list(
        session.scalars(
            select(SuppressionEvent)
            .where(SuppressionEvent.suppression_id == suppression_id)
            .order_by(SuppressionEvent.at, SuppressionEvent.id)
        )
    )


@dataclass(frozen=True)
class NumberStatus:
    """Whether a number may be texted, and the opt-out row if there is one."""

    suppression: Suppression | None
    do_not_contact: bool

    @property
    def opted_out(self) -> bool:
        return self.suppression is not None and self.suppression.active


def status_of(session: Session, phone_hash: str) -> NumberStatus:
    """The opt-out and do-not-contact state of one number (by its lookup hash)."""
    return NumberStatus(
        suppression=_row_for(session, phone_hash),
        do_not_contact=session.scalar(
            across_forces(select(DoNotContact.id).where(DoNotContact.phone_hash == phone_hash))
        )
        is not None,
    )


def _get(session: Session, suppression_id: int) -> Suppression:
    row = session.get(Suppression, suppression_id)
    if row is None:
        raise SuppressionError("No such opt-out.")
    return row


def _checked_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if len(reason) < MIN_REASON_LENGTH:
        raise SuppressionError("Give a reason (at least a few words) for the record.")
    return reason[:1000]
