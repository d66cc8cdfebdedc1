"""Delivery receipts: a carrier's status callbacks applied to the outbox, only ever forward.

Callbacks are unordered. Each verified one is kept as a delivery event and applied with a
conditional update, so a status only ever moves forward; a callback for a message id pester
has not recorded yet is kept and applied when the worker records that id
(:func:`apply_pending_events`), or by the reconciliation sweep
(:func:`apply_orphaned_events`) when the callback and the worker's commit cross.

The status path is one short transaction of two or three statements: a conditional UPDATE
(which also serialises concurrent callbacks for one message on its row), a SELECT only when
the UPDATE changed nothing, and the INSERT of the delivery event.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, bindparam, func, insert, literal_column, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Update

from messaging import delivery_status as ds
from messaging.audience.suppression import suppress
from messaging.crypto import lookup_hash
from messaging.db import utcnow
from messaging.intake.phone_numbers import normalise
from messaging.models import DeliveryEvent, OutboxMessage

log = logging.getLogger(__name__)
# Fields that name people or carry text: never kept in a delivery event's payload.
PERSONAL_FIELDS = frozenset({"To", "From", "Body"})
SUPPRESSING_CODES = frozenset({21610})  # the recipient replied STOP to the carrier
MAX_PAYLOAD_VALUE = 200  # longer values Twilio may add are cut, the event stays small
ALL_STATUSES = (
    *ds.CARRIER_RANK,
    ds.PENDING,
    ds.CLAIMED,
    ds.UNKNOWN,
    *ds.LOCAL_FINAL,
)
# For each incoming carrier status, the current statuses it may replace (precomputed: the
# hot path builds no lists).
MOVABLE_FROM: dict[str, tuple[str, ...]] = {
    incoming: tuple(s for s in ALL_STATUSES if ds.should_apply(s, incoming))
    for incoming in ds.CARRIER_RANK
}
ORPHAN_SWEEP_WINDOW = timedelta(days=2)


@dataclass(frozen=True)
class StatusResult:
    applied: bool
    known: bool
    outbox_id: int | None = None


# The hot path's statements, built once: Core statements with bound parameters on the
# session's connection cost a fraction of building ORM statements per callback.
_OUTBOX = OutboxMessage.__table__
_EVENTS = DeliveryEvent.__table__
_FIND_MESSAGE = select(_OUTBOX.c.id, _OUTBOX.c.force_id).where(
    _OUTBOX.c.provider_id == bindparam("sid")
)
_INSERT_EVENT = insert(_EVENTS)


def _advance_statement(incoming: str) -> Update:
    """UPDATE … SET status = incoming WHERE provider_id = :sid AND status may move to it."""
    values: dict[str, object] = {
        "status": incoming,
        "updated_at": bindparam("now", type_=_OUTBOX.c.updated_at.type),
        # a callback without an error code keeps the one already recorded
        "error_code": func.coalesce(bindparam("error_code", type_=Integer), _OUTBOX.c.error_code),
    }
    if ds.is_final(incoming):
        values["final_at"] = bindparam("now", type_=_OUTBOX.c.final_at.type)
    return (
        update(_OUTBOX)
        .where(
            _OUTBOX.c.provider_id == bindparam("sid"),
            # our own status names, inlined: no per-call expansion of an IN list
            _OUTBOX.c.status.in_([literal_column(f"'{s}'") for s in MOVABLE_FROM[incoming]]),
        )
        .values(values)
        .returning(_OUTBOX.c.id, _OUTBOX.c.force_id)
    )


_ADVANCE = {
    incoming: _advance_statement(incoming) for incoming, movable in MOVABLE_FROM.items() if movable
}


def apply_status(db_: Session | Connection, params: Mapping[str, str]) -> StatusResult:
    """Record one status callback and move its message forward if the status is newer.

    ``db_`` is a session or a bare connection in a transaction (the webhook's hot path uses
    a connection: no ORM unit of work is needed for three Core statements).
    """
    sid = (params.get("MessageSid") or params.get("SmsSid") or "")[:64]
    status = (params.get("MessageStatus") or params.get("SmsStatus") or "").lower()[:24]
    error_code = _int_or_none(params.get("ErrorCode"))
    now = utcnow()
    connection = db_.connection() if isinstance(db_, Session) else db_
    # The pipeline: callbacks arrive for every force's texts. The event takes its text's force.
    message = _advance(connection, sid, status, error_code, now) if sid else None
    applied = message is not None
    if not applied and sid:
        message = connection.execute(_FIND_MESSAGE, {"sid": sid}).first()
        if message is None:
            message, applied = _after_in_flight_sends(
                connection, sid, status, error_code, now, params.get("To", "")
            )
    outbox_id, force_id = message if message is not None else (None, None)
    connection.execute(
        _INSERT_EVENT,
        {
            "force_id": force_id,
            "provider_id": sid,
            "outbox_id": outbox_id,
            "status": status,
            "error_code": error_code,
            "applied": applied,
            "payload": _payload(params),
            "received_at": now,
        },
    )
    if outbox_id is None:
        log.info("status callback for an unrecorded message id kept for reconciliation")
        return StatusResult(applied=False, known=False)
    if error_code in SUPPRESSING_CODES:
        # Even when the status itself is not applied (it came after another final status):
        # the carrier's word that the recipient opted out must never be lost.
        if isinstance(db_, Session):
            _suppress_recipient(db_, outbox_id, error_code)
        else:
            with Session(bind=connection) as session:  # joins the caller's transaction
                _suppress_recipient(session, outbox_id, error_code)
                session.flush()
    return StatusResult(applied=applied, known=True, outbox_id=outbox_id)


def _advance(
    connection: Connection, sid: str, status: str, error_code: int | None, now: datetime
) -> tuple[int, int] | None:
    """Move the message with ``sid`` to ``status`` if that is forward; (its id, its force)
    when it moved."""
    statement = _ADVANCE.get(status)
    if statement is None:
        return None
    row = connection.execute(statement, {"sid": sid, "now": now, "error_code": error_code}).first()
    return None if row is None else (row[0], row[1])


def _after_in_flight_sends(
    connection: Connection,
    sid: str,
    status: str,
    error_code: int | None,
    now: datetime,
    recipient: str,
) -> tuple[tuple[int, int] | None, bool]:
    """Look for the message again once any send to this recipient still in flight has been
    recorded; returns ((outbox id, force), applied).

    A carrier can call back before the worker has committed the message id. Locking the
    recipient's claimed rows waits for that worker's transaction (PostgreSQL; SQLite
    serialises writers anyway), so either the id is visible afterwards, or the worker's
    transaction starts after this one and applies the kept callback itself. Without this,
    a callback committed between the worker's look for early callbacks and its commit would
    wait for the reconciliation sweep.
    """
    number = normalise(recipient).e164 if recipient else None
    if not number:
        return None, False
    connection.execute(
        select(_OUTBOX.c.id)
        .where(
            _OUTBOX.c.phone_hash == lookup_hash(number),
            _OUTBOX.c.provider_id.is_(None),
            _OUTBOX.c.status == ds.CLAIMED,
        )
        .with_for_update()
    ).all()
    moved = _advance(connection, sid, status, error_code, now)
    if moved is not None:
        return moved, True
    found = connection.execute(_FIND_MESSAGE, {"sid": sid}).first()
    return (None if found is None else (found[0], found[1])), False


def _suppress_recipient(session: Session, outbox_id: int, error_code: int | None) -> None:
    found = session.execute(
        select(OutboxMessage.to, OutboxMessage.force_id).where(OutboxMessage.id == outbox_id)
    ).first()
    if found is not None and found.to:
        suppress(
            session,
            found.to,
            source="error_code",
            detail=f"{error_code} on message {outbox_id}",
            force_id=found.force_id,
        )


def apply_pending_events(session: Session, provider_ids: list[str]) -> int:
    """Apply callbacks that arrived before their message id was recorded; returns how many."""
    if not provider_ids:
        return 0
    events = session.scalars(
        select(DeliveryEvent)
        .where(DeliveryEvent.provider_id.in_(provider_ids), DeliveryEvent.outbox_id.is_(None))
        .order_by(DeliveryEvent.id)
    ).all()
    for event in events:
        _apply_kept_event(session, event)
    return len(events)


def apply_orphaned_events(session: Session, *, window: timedelta = ORPHAN_SWEEP_WINDOW) -> int:
    """Apply kept callbacks whose message id has since been recorded (a reconciliation sweep).

    A callback can commit just after the worker looked for early callbacks and before the
    worker's own commit; neither then sees the other. This sweep closes that gap.
    """
    events = session.scalars(
        select(DeliveryEvent)
        .join(OutboxMessage, OutboxMessage.provider_id == DeliveryEvent.provider_id)
        .where(
            DeliveryEvent.outbox_id.is_(None),
            DeliveryEvent.received_at >= utcnow() - window,
        )
        .order_by(DeliveryEvent.id)
    ).all()
    for event in events:
        _apply_kept_event(session, event)
    if events:
        log.info("applied %s late-matched status callbacks", len(events))
    return len(events)


def _apply_kept_event(session: Session, event: DeliveryEvent) -> None:
    moved = _advance(
        session.connection(), event.provider_id, event.status, event.error_code, utcnow()
    )
    event.applied = moved is not None
    found = (
        moved
        or session.execute(
            select(OutboxMessage.id, OutboxMessage.force_id).where(
                OutboxMessage.provider_id == event.provider_id
            )
        ).first()
    )
    if found is not None:
        event.outbox_id, event.force_id = found[0], found[1]
    if event.outbox_id is not None and event.error_code in SUPPRESSING_CODES:
        _suppress_recipient(session, event.outbox_id, event.error_code)


def _payload(params: Mapping[str, str]) -> dict[str, str]:
    return {
        key[:60]: str(value)[:MAX_PAYLOAD_VALUE]
        for key, value in params.items()
        if key not in PERSONAL_FIELDS
    }


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None
