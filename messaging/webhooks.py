"""Carrier webhooks: signature checks, delivery receipts and inbound replies.

Callbacks are untrusted and unordered. Each is verified against the configured public URL,
kept as a delivery event, and applied with a conditional update so a status only ever moves
forward; a callback for a message id pester has not recorded yet is kept and applied when
the worker records that id.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from messaging import delivery_status as ds
from messaging.db import utcnow
from messaging.models import DeliveryEvent, OutboxMessage

log = logging.getLogger(__name__)
PERSONAL_FIELDS = frozenset({"To", "From", "Body"})
SUPPRESSING_CODES = frozenset({21610})
ALL_STATUSES = (
    *ds.CARRIER_RANK,
    ds.PENDING,
    ds.CLAIMED,
    ds.UNKNOWN,
    *ds.LOCAL_FINAL,
)


def public_url(base_url: str, path: str, query: str = "") -> str:
    """The URL the carrier signed: the configured public base, not what a proxy passed on."""
    url = base_url.rstrip("/") + path
    return f"{url}?{query}" if query else url


def signature_valid(
    auth_token: str, url: str, params: Mapping[str, str], signature: str | None
) -> bool:
    """True when ``signature`` is the carrier's HMAC of ``url`` and ``params``."""
    if not signature or not auth_token:
        return False
    return bool(RequestValidator(auth_token).validate(url, dict(params), signature))


@dataclass(frozen=True)
class StatusResult:
    applied: bool
    known: bool


def apply_status(session: Session, params: Mapping[str, str]) -> StatusResult:
    """Record one status callback and move its message forward if the status is newer."""
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    status = (params.get("MessageStatus") or params.get("SmsStatus") or "").lower()
    error_code = _int_or_none(params.get("ErrorCode"))
    outbox = session.execute(
        select(OutboxMessage.id, OutboxMessage.to).where(OutboxMessage.provider_id == sid)
    ).first()
    event = DeliveryEvent(
        provider_id=sid,
        outbox_id=outbox.id if outbox else None,
        status=status,
        error_code=error_code,
        payload={k: v for k, v in params.items() if k not in PERSONAL_FIELDS},
        received_at=utcnow(),
    )
    session.add(event)
    if outbox is None:
        log.info("status callback for unrecorded message id kept for reconciliation")
        return StatusResult(applied=False, known=False)
    applied = _advance(session, sid, status, error_code)
    event.applied = applied
    if applied and error_code in SUPPRESSING_CODES and outbox.to:
        from messaging.suppression import suppress

        suppress(session, outbox.to, source="error_code", detail=str(error_code))
    return StatusResult(applied=applied, known=True)


def _advance(session: Session, sid: str, status: str, error_code: int | None) -> bool:
    movable_from = [s for s in ALL_STATUSES if ds.should_apply(s, status)]
    if not movable_from:
        return False
    now = utcnow()
    values: dict[str, object] = {"status": status, "updated_at": now}
    if error_code is not None:
        values["error_code"] = error_code
    if ds.is_final(status):
        values["final_at"] = now
    return bool(
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.provider_id == sid, OutboxMessage.status.in_(movable_from))
            .values(**values)
        ).rowcount
    )


def apply_pending_events(session: Session, provider_ids: list[str]) -> int:
    """Apply callbacks that arrived before their message id was recorded."""
    if not provider_ids:
        return 0
    events = session.scalars(
        select(DeliveryEvent)
        .where(DeliveryEvent.provider_id.in_(provider_ids), DeliveryEvent.outbox_id.is_(None))
        .order_by(DeliveryEvent.id)
    ).all()
    for event in events:
        event.outbox_id = session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.provider_id == event.provider_id)
        )
        event.applied = _advance(session, event.provider_id, event.status, event.error_code)
    return len(events)


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None
