"""The send job: claim a batch of outbox rows, check them again, call the gateway, record.

Exactly once: rows are claimed with a lease in the database before any gateway call and the
provider id is recorded after; no transaction is held across a network call. A row whose
outcome is unknown (a timeout, a crash) stays claimed until :mod:`messaging.reconcile` looks
it up at the gateway; it is never blindly sent again.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from messaging import delivery_status as ds
from messaging import runtime
from messaging.db import db, utcnow
from messaging.gateways.base import (
    GatewayError,
    OutcomeUnknown,
    OutgoingSms,
    PermanentError,
    RateLimited,
    RetryableError,
    SenderBlocked,
)
from messaging.models import Campaign, CampaignState, OutboxMessage
from messaging.rate_limiter import RateLimiter, backoff_seconds
from messaging.send_window import Decision, check
from messaging.senders import SENDER_RATE_PER_SECOND, SenderError, parse_sender
from messaging.suppression import blocked_hashes, suppress
from messaging.webhooks import apply_pending_events

log = logging.getLogger(__name__)
HALTED = frozenset({CampaignState.PAUSED, CampaignState.CANCELLED, CampaignState.COMPLETED})


@dataclass(frozen=True)
class Claimed:
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


@dataclass
class Outcome:
    id: int
    status: str
    provider_id: str | None = None
    error_code: int | None = None
    retry_at: datetime | None = None
    suppress: bool = False
    sender_blocked: bool = False
    attempted: bool = False  # the gateway was called for it


def sender_rate(sender: str) -> float:
    """Segments per second allowed for ``sender`` (per carrier guidance, or the override)."""
    override = runtime.current().settings.send_rate_override
    if override:
        return override
    try:
        return SENDER_RATE_PER_SECOND[parse_sender(sender).kind]
    except SenderError:
        return 1.0


def send_batch(campaign_id: int, outbox_ids: list[int]) -> dict[str, int]:
    """RQ job: send one batch of a campaign's outbox rows. Safe to run twice."""
    rt = runtime.current()
    token = secrets.token_hex(8)
    with db.transaction() as session:
        state = session.scalar(select(Campaign.state).where(Campaign.id == campaign_id))
        if state != CampaignState.SENDING:
            log.info("campaign %s is %s: batch skipped", campaign_id, state)
            return {"claimed": 0}
        claimed = _claim(session, outbox_ids, token, rt.settings.lease_seconds)
    if not claimed:
        return {"claimed": 0}
    log.info("campaign %s: claimed %s rows (lease %s)", campaign_id, len(claimed), token)

    outcomes: list[Outcome] = []
    with db.transaction() as session:
        blocked = blocked_hashes(session, (c.phone_hash for c in claimed))
    now = utcnow()
    to_send: list[Claimed] = []
    for row in claimed:
        if row.phone_hash in blocked:
            outcomes.append(Outcome(row.id, ds.SUPPRESSED))
            continue
        window = check(
            now,
            not_before=row.not_before,
            not_after=row.not_after,
            urgent=row.urgent,
            quiet_start_hour=rt.settings.quiet_hours_start,
            quiet_end_hour=rt.settings.quiet_hours_end,
        )
        if window.decision is Decision.EXPIRED:
            outcomes.append(Outcome(row.id, ds.EXPIRED))
        elif window.decision is Decision.WAIT:
            outcomes.append(Outcome(row.id, ds.PENDING, retry_at=window.until))
        else:
            to_send.append(row)

    outcomes.extend(_dispatch(campaign_id, to_send))
    _record(campaign_id, token, outcomes)
    finish_if_done(campaign_id)
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    log.info("campaign %s: batch %s done %s", campaign_id, token, counts)
    return counts


def _claim(session: Session, ids: list[int], token: str, lease_seconds: int) -> list[Claimed]:
    now = utcnow()
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.status == ds.PENDING,
            (OutboxMessage.next_attempt_at.is_(None)) | (OutboxMessage.next_attempt_at <= now),
        )
        .values(
            status=ds.CLAIMED,
            lease_token=token,
            lease_until=now + timedelta(seconds=lease_seconds),
            claimed_at=now,
            updated_at=now,
        )
    )
    rows = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.lease_token == token, OutboxMessage.status == ds.CLAIMED)
        .order_by(OutboxMessage.id)
    ).all()
    claimed = [
        Claimed(
            r.id,
            r.to or "",
            r.body,
            r.sender,
            r.segments,
            r.phone_hash or "",
            r.not_before,
            r.not_after,
            r.urgent,
            r.attempts,
        )
        for r in rows
    ]
    if claimed:
        # The lease must outlast the batch at the sender's pace.
        segments = sum(c.segments for c in claimed)
        lease = lease_seconds + math.ceil(2 * segments / sender_rate(claimed[0].sender))
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.lease_token == token)
            .values(lease_until=now + timedelta(seconds=lease))
        )
    return claimed


class _HaltCheck:
    """Reads the campaign's state at most every half second, so pause takes effect fast."""

    def __init__(self, campaign_id: int) -> None:
        self.campaign_id = campaign_id
        self._checked_at = 0.0
        self._halted = False

    def __call__(self) -> bool:
        if self._halted:
            return True
        if time.monotonic() - self._checked_at >= 0.5:
            with db.transaction() as session:
                state = session.scalar(
                    select(Campaign.state).where(Campaign.id == self.campaign_id)
                )
            self._halted = state != CampaignState.SENDING
            self._checked_at = time.monotonic()
        return self._halted

    def halt(self) -> None:
        self._halted = True


def _dispatch(campaign_id: int, rows: list[Claimed]) -> list[Outcome]:
    if not rows:
        return []
    rt = runtime.current()
    gateway = rt.gateway()
    limiter = RateLimiter(rt.redis, prefix=rt.settings.queue_prefix)
    halted = _HaltCheck(campaign_id)
    callback = f"{rt.settings.public_base_url}/webhooks/twilio/status"

    def send_one(row: Claimed) -> Outcome:
        if halted() or not limiter.take(
            row.sender, row.segments, rate=sender_rate(row.sender), should_stop=halted
        ):
            return Outcome(row.id, ds.PENDING)  # released: paused or cancelled
        sms = OutgoingSms(
            to=row.to,
            body=row.body,
            sender=row.sender,
            status_callback=callback,
            validity_period=_validity(row.not_after),
        )
        try:
            receipt = gateway.send(sms)
        except GatewayError as exc:
            outcome = _outcome_for_error(row, exc, rt.settings.max_attempts)
            if outcome.sender_blocked:
                halted.halt()
            # A 429 was never processed by the carrier, so it costs no attempt.
            outcome.attempted = not isinstance(exc, RateLimited)
            return outcome
        return Outcome(
            row.id, receipt.status or "queued", provider_id=receipt.provider_id, attempted=True
        )

    workers = max(1, min(rt.settings.gateway_concurrency, len(rows)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="send") as pool:
        return list(pool.map(send_one, rows))


def _validity(not_after: datetime | None) -> int | None:
    if not_after is None:
        return None
    seconds = int((not_after - utcnow()).total_seconds())
    return max(1, min(36000, seconds))


def _outcome_for_error(row: Claimed, exc: GatewayError, max_attempts: int) -> Outcome:
    code = exc.code
    if isinstance(exc, OutcomeUnknown):
        # Leave it claimed with an expired lease: the reconciler looks it up at the gateway.
        log.warning("outbox %s: outcome unknown (%s); left for reconciliation", row.id, code)
        return Outcome(row.id, ds.CLAIMED, error_code=code)
    if isinstance(exc, SenderBlocked):
        log.error("outbox %s: sender blocked by carrier (%s); pausing campaign", row.id, code)
        return Outcome(row.id, ds.PENDING, error_code=code, sender_blocked=True)
    if isinstance(exc, PermanentError):
        return Outcome(row.id, ds.REJECTED, error_code=code, suppress=exc.suppress)
    if isinstance(exc, RateLimited):
        # Never processed by the carrier: always safe to retry, and it costs no attempt.
        return Outcome(
            row.id,
            ds.PENDING,
            error_code=code,
            retry_at=utcnow() + timedelta(seconds=backoff_seconds(1, base=0.5, cap=5)),
        )
    attempt = row.attempts + 1
    if isinstance(exc, RetryableError) and attempt < max_attempts:
        return Outcome(
            row.id,
            ds.PENDING,
            error_code=code,
            retry_at=utcnow() + timedelta(seconds=backoff_seconds(attempt)),
        )
    return Outcome(row.id, ds.REJECTED, error_code=code)


def _record(campaign_id: int, token: str, outcomes: list[Outcome]) -> None:
    """Write a batch's outcomes in one transaction (only rows this lease still holds)."""
    now = utcnow()
    blocked_sender = any(o.sender_blocked for o in outcomes)
    with db.transaction() as session:
        for outcome in outcomes:
            values: dict[str, object] = {"status": outcome.status, "updated_at": now}
            if outcome.attempted:
                values["attempts"] = OutboxMessage.attempts + 1
            if outcome.status == ds.CLAIMED:
                values.update(lease_until=now, error_code=outcome.error_code)
            elif outcome.status == ds.PENDING:
                values.update(
                    lease_token=None,
                    lease_until=None,
                    next_attempt_at=outcome.retry_at,
                    error_code=outcome.error_code,
                )
            else:
                values.update(lease_token=None, lease_until=None, error_code=outcome.error_code)
                if outcome.provider_id:
                    values.update(provider_id=outcome.provider_id, submitted_at=now)
                if ds.is_final(outcome.status):
                    values["final_at"] = now
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == outcome.id, OutboxMessage.lease_token == token)
                .values(**values)
            )
            if outcome.suppress:
                phone = session.scalar(
                    select(OutboxMessage.to).where(OutboxMessage.id == outcome.id)
                )
                if phone:
                    suppress(session, phone, source="error_code", detail=str(outcome.error_code))
        apply_pending_events(session, [o.provider_id for o in outcomes if o.provider_id])
        state = session.scalar(select(Campaign.state).where(Campaign.id == campaign_id))
        if state == CampaignState.CANCELLED:
            # rows this batch released after a cancel must not wait for a resume
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.campaign_id == campaign_id, OutboxMessage.status == ds.PENDING)
                .values(status=ds.CANCELLED, final_at=now, updated_at=now)
            )
        if blocked_sender:
            code = next(o.error_code for o in outcomes if o.sender_blocked)
            session.execute(
                update(Campaign)
                .where(Campaign.id == campaign_id, Campaign.state == CampaignState.SENDING)
                .values(
                    state=CampaignState.PAUSED,
                    stop_reason=f"The carrier blocked the sender or content (error {code}). "
                    "Review the message and sender before resuming.",
                    updated_at=now,
                )
            )


def finish_if_done(campaign_id: int) -> bool:
    """Mark a sending campaign completed once no row is waiting or in flight."""
    with db.transaction() as session:
        waiting = session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.campaign_id == campaign_id,
                OutboxMessage.status.in_([ds.PENDING, ds.CLAIMED]),
            )
            .limit(1)
        )
        if waiting is not None:
            return False
        done = session.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id, Campaign.state == CampaignState.SENDING)
            .values(state=CampaignState.COMPLETED, finished_at=utcnow(), updated_at=utcnow())
        ).rowcount
    if done:
        log.info("campaign %s completed", campaign_id)
    return bool(done)
