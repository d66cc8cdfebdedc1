"""What happened to each text of a batch, written back in one transaction with bulk updates.

Every update is conditional on the batch's lease token, so a batch whose lease was taken
over by the reconciler writes nothing for those rows. A carrier block (30007 carrier
filtered, 30042 sender ID blocked, or the sender/account refused at create) pauses the
campaign with a reason the officer sees; see :func:`pause_if_carrier_blocked`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from messaging import delivery_status as ds
from messaging import runtime
from messaging.audience.suppression import suppress
from messaging.db import db, utcnow
from messaging.models import Campaign, CampaignState, OutboxMessage
from messaging.records.audit import record_gateway_handover
from messaging.sending.receipts import apply_pending_events

log = logging.getLogger(__name__)

# Delivery errors that mean the carrier refuses this content or sender for everyone.
CARRIER_BLOCK_CODES = frozenset({30007, 30042})
CARRIER_BLOCK = "carrier_block"
NOT_AFTER = "not_after"


@dataclass
class Outcome:
    """One text's result in a batch. ``status`` is an outbox status (see delivery_status):
    a carrier status when the gateway accepted it, ``pending`` when released (retry later
    when ``retry_at``), ``claimed`` when the outcome is unknown (left to the reconciler),
    or a local final status."""

    id: int
    status: str
    attempts: int
    provider_id: str | None = None
    error_code: int | None = None
    retry_at: datetime | None = None
    suppress_phone: str | None = None  # the carrier said this number opted out (21610)
    blocked: str | None = None  # the carrier refused the sender or content: pause


def _param_update(**values: Any):  # type: ignore[no-untyped-def]
    table = OutboxMessage.__table__
    return (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.lease_token == bindparam("b_token"))
        .values(**values)
    )


_SENT = _param_update(
    status=bindparam("b_status"),
    provider_id=bindparam("b_provider"),
    submitted_at=bindparam("b_now"),
    attempts=bindparam("b_attempts"),
    error_code=None,
    next_attempt_at=None,
    lease_token=None,
    lease_until=None,
    updated_at=bindparam("b_now"),
)
_RELEASED = _param_update(
    status=ds.PENDING,
    attempts=bindparam("b_attempts"),
    error_code=bindparam("b_error"),
    next_attempt_at=bindparam("b_next"),
    lease_token=None,
    lease_until=None,
    updated_at=bindparam("b_now"),
)
# Outcome unknown: keep the lease token (the reconciler matches on it) and end the lease now.
_UNKNOWN = _param_update(
    attempts=bindparam("b_attempts"),
    error_code=bindparam("b_error"),
    lease_until=bindparam("b_now"),
    updated_at=bindparam("b_now"),
)
_FINAL = _param_update(
    status=bindparam("b_status"),
    attempts=bindparam("b_attempts"),
    error_code=bindparam("b_error"),
    lease_token=None,
    lease_until=None,
    final_at=bindparam("b_now"),
    updated_at=bindparam("b_now"),
)


def record_outcomes(campaign_id: int, token: str, outcomes: list[Outcome]) -> list[int]:
    """Write a batch's outcomes; return the ids released for sending again straight away
    (only while the campaign is still sending)."""
    groups = _parameter_groups(token, outcomes)
    statements = {"sent": _SENT, "released": _RELEASED, "unknown": _UNKNOWN, "final": _FINAL}
    with db.transaction() as session:
        # Lock the campaign first (as a cancel does, by updating it): a cancel either
        # committed before, and is read below, or waits for this commit and then sees the
        # rows released here as pending. Without the lock, rows released after a cancel's
        # commit would stay pending in a cancelled campaign, which nothing queues again.
        force_id = session.execute(
            select(Campaign.force_id).where(Campaign.id == campaign_id).with_for_update()
        ).scalar()
        for name, params in groups.items():
            if params:
                session.execute(statements[name], params)
        for o in outcomes:
            if o.suppress_phone:
                suppress(
                    session,
                    o.suppress_phone,
                    source="error_code",
                    detail=str(o.error_code),
                    force_id=force_id,
                )
        apply_pending_events(session, [o.provider_id for o in outcomes if o.provider_id])
        expired = sum(1 for o in outcomes if o.status == ds.EXPIRED)
        if expired:
            note_window_closed(session, campaign_id, expired)
        blocked = next((o for o in outcomes if o.blocked), None)
        if blocked is not None:
            pause_for_carrier_block(session, campaign_id, blocked.error_code, blocked.blocked)
        state = session.scalar(select(Campaign.state).where(Campaign.id == campaign_id))
        if state == CampaignState.CANCELLED:
            # Texts this batch released after a cancel must not wait for a resume.
            cancel_pending(session, campaign_id)
        # The audit (a disclosure to the gateway) goes last: the audit head is then the last
        # lock taken, as in every other transaction, so the two orders cannot deadlock.
        record_gateway_handover(
            session,
            campaign_id,
            token,
            outcomes,
            runtime.current().settings.sms_gateway,
            force_id=force_id,
        )
        if state != CampaignState.SENDING:
            return []
        return [o.id for o in outcomes if o.status == ds.PENDING and o.retry_at is None]


def _parameter_groups(token: str, outcomes: list[Outcome]) -> dict[str, list[dict[str, Any]]]:
    """The batch's outcomes as parameters of the statement that records each kind."""
    now = utcnow()
    groups: dict[str, list[dict[str, Any]]] = {
        "sent": [],
        "released": [],
        "unknown": [],
        "final": [],
    }
    for o in outcomes:
        base = {"b_id": o.id, "b_token": token, "b_now": now, "b_attempts": o.attempts}
        if o.provider_id:
            groups["sent"].append(
                {**base, "b_status": _carrier_status(o.status), "b_provider": o.provider_id}
            )
        elif o.status == ds.PENDING:
            groups["released"].append({**base, "b_error": o.error_code, "b_next": o.retry_at})
        elif o.status == ds.CLAIMED:
            groups["unknown"].append({**base, "b_error": o.error_code})
        else:
            groups["final"].append({**base, "b_status": o.status, "b_error": o.error_code})
    return groups


def _carrier_status(status: str) -> str:
    return status if status in ds.CARRIER_RANK else "queued"


def cancel_pending(session: Session, campaign_id: int) -> int:
    """Mark every unsent text of a campaign cancelled; returns how many."""
    now = utcnow()
    return session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.campaign_id == campaign_id, OutboxMessage.status == ds.PENDING)
        .values(status=ds.CANCELLED, final_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def pause_for_carrier_block(
    session: Session, campaign_id: int, code: int | None, description: str | None
) -> bool:
    """Pause a sending campaign because the carrier refuses its sender or content."""
    what = description or "the carrier refused the sender or the content"
    reason = (
        f"Paused: {what} (carrier error {code}). Check the message text and the sender with "
        "the carrier or a supervisor; a supervisor must resume it."
    )
    paused = session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.state == CampaignState.SENDING)
        .values(
            state=CampaignState.PAUSED,
            stop_reason=reason,
            stop_code=CARRIER_BLOCK,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if paused:
        log.error("campaign %s paused: carrier error %s", campaign_id, code)
    return bool(paused)


def pause_if_carrier_blocked(session: Session, campaign_id: int) -> bool:
    """Pause a sending campaign when a status callback since its launch (or last resume)
    reported 30007 or 30042; True when it was paused now."""
    campaign = session.execute(
        select(Campaign.state, Campaign.launched_at, Campaign.resumed_at).where(
            Campaign.id == campaign_id
        )
    ).first()
    if campaign is None or campaign.state != CampaignState.SENDING:
        return False
    since = campaign.resumed_at or campaign.launched_at  # a resume acknowledges older ones
    query = select(OutboxMessage.error_code).where(
        OutboxMessage.campaign_id == campaign_id,
        OutboxMessage.status.in_(("failed", "undelivered")),
        OutboxMessage.error_code.in_(CARRIER_BLOCK_CODES),
    )
    if since is not None:
        query = query.where(OutboxMessage.updated_at >= since)
    code = session.scalar(query.limit(1))
    if code is None:
        return False
    description = "the carrier filtered the message" if code == 30007 else "sender ID blocked"
    return pause_for_carrier_block(session, campaign_id, code, description)


def note_window_closed(session: Session, campaign_id: int, expired: int) -> bool:
    """Say on the campaign that its not-after passed with texts unsent (once); True if new."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.stop_code == NOT_AFTER:
        return False
    when = f" at {campaign.not_after:%Y-%m-%d %H:%M} UTC" if campaign.not_after else ""
    campaign.stop_code = NOT_AFTER
    campaign.stop_reason = (
        f"The send window closed{when} (its not-after) before every text could go; "
        "texts not sent by then were marked expired."
    )
    campaign.updated_at = utcnow()
    log.warning("campaign %s: not-after passed; %s texts expired", campaign_id, expired)
    return True
