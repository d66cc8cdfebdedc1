"""The send job: claim a batch of outbox rows, check each again, call the gateway, record.

Exactly once: rows are claimed with a lease in the database before any gateway call and the
provider id is recorded after; no transaction is held across a network call. A row whose
outcome is unknown (a timeout, a dropped connection, a crash) stays claimed until
:mod:`messaging.reconcile` looks it up at the gateway; it is never blindly sent again.

How each gateway answer is handled (the error classes of ``messaging.gateways.errors``):

- accepted: the provider id and first status are recorded;
- 429 / 20429 (never processed): the whole sender backs off for a moment (shared bucket),
  this text retries with jittered exponential backoff, costing no attempt; after
  ``MAX_RATE_LIMITED`` refusals in a row it is released for the tick to queue again;
- retryable (5xx, 20500, 21611, connection never opened): retried with full-jitter backoff
  and counted; short waits are taken in place, longer ones release the row with
  ``next_attempt_at``; after ``PESTER_MAX_ATTEMPTS`` attempts it is ``rejected``;
- permanent (21211, 21612, 21614, …): ``rejected``; 21610 also suppresses the number;
- sender or content blocked (21606, 30007, 30042, credentials): the campaign pauses with
  a reason and the text is released unsent;
- outcome unknown (read timeout, connection lost after the request went out): left claimed
  for reconciliation.
"""

from __future__ import annotations

import logging
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from messaging import delivery_status as ds
from messaging import runtime
from messaging.db import db, utcnow
from messaging.gateways.base import (
    Gateway,
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
from messaging.send_guard import BatchGuard, Verdict
from messaging.send_outcomes import Outcome, record_outcomes
from messaging.send_window import Decision, WindowCheck, check, validity_seconds
from messaging.senders import SENDER_RATE_PER_SECOND, SenderError, parse_sender
from messaging.suppression import blocked_hashes

log = logging.getLogger(__name__)
MAX_RATE_LIMITED = 10  # 429s in a row for one text before it goes back to the queue
INLINE_RETRY_SECONDS = 2.0  # longer retry waits release the row instead of holding a thread
RATE_LIMITED_PAUSE = 0.05  # seconds every worker holds a sender after a 429


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


def sender_rate(sender: str) -> float:
    """Segments per second allowed for ``sender`` (per carrier guidance, or the override)."""
    override = runtime.current().settings.send_rate_override
    if override:
        return override
    try:
        return SENDER_RATE_PER_SECOND[parse_sender(sender).kind]
    except SenderError:
        return 1.0


_limiters: dict[tuple[Redis, str], RateLimiter] = {}
_limiters_lock = threading.Lock()


def shared_limiter() -> RateLimiter:
    """This process's rate limiter (one per Redis client, so its local reserve outlives a
    batch instead of being dropped at the end of each)."""
    rt = runtime.current()
    key = (rt.redis, rt.settings.queue_prefix)
    with _limiters_lock:
        if key not in _limiters:
            _limiters[key] = RateLimiter(rt.redis, prefix=rt.settings.queue_prefix)
        return _limiters[key]


def send_batch(campaign_id: int, outbox_ids: list[int]) -> dict[str, int]:
    """RQ job: send one batch of a campaign's outbox rows. Safe to run twice."""
    rt = runtime.current()
    token = secrets.token_hex(8)
    lease_until = utcnow() + timedelta(seconds=rt.settings.lease_seconds)
    with db.transaction() as session:
        state = session.scalar(select(Campaign.state).where(Campaign.id == campaign_id))
        if state != CampaignState.SENDING:
            log.info("campaign %s is %s: batch skipped", campaign_id, state)
            return {"claimed": 0}
        claimed = _claim(session, outbox_ids, token, lease_until)
        blocked = blocked_hashes(session, (c.phone_hash for c in claimed))
    if not claimed:
        return {"claimed": 0}
    log.info("campaign %s: batch %s claimed %s rows", campaign_id, token, len(claimed))
    guard = BatchGuard(
        campaign_id,
        token,
        [c.id for c in claimed],
        [c.phone_hash for c in claimed],
        lease_until=lease_until,
        lease_seconds=rt.settings.lease_seconds,
        blocked=blocked,
    )
    outcomes = _dispatch(claimed, guard)
    again = record_outcomes(campaign_id, token, outcomes)
    if again:
        _queue_again(campaign_id, again)
    finish_if_done(campaign_id)
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    log.info("campaign %s: batch %s done %s", campaign_id, token, counts)
    return counts


def _claim(session: Session, ids: list[int], token: str, lease_until: datetime) -> list[Claimed]:
    now = utcnow()
    rows = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.status == ds.PENDING,
            (OutboxMessage.next_attempt_at.is_(None)) | (OutboxMessage.next_attempt_at <= now),
        )
        .values(
            status=ds.CLAIMED,
            lease_token=token,
            lease_until=lease_until,
            claimed_at=now,
            updated_at=now,
        )
        .returning(
            OutboxMessage.id,
            OutboxMessage.to,
            OutboxMessage.body,
            OutboxMessage.sender,
            OutboxMessage.segments,
            OutboxMessage.phone_hash,
            OutboxMessage.not_before,
            OutboxMessage.not_after,
            OutboxMessage.urgent,
            OutboxMessage.attempts,
        )
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(
        (
            Claimed(r[0], r[1] or "", r[2], r[3], r[4], r[5] or "", r[6], r[7], r[8], r[9])
            for r in rows
        ),
        key=lambda c: c.id,
    )


class _Sender:
    """Sends one batch's texts concurrently through the pooled gateway client."""

    def __init__(self, guard: BatchGuard) -> None:
        rt = runtime.current()
        self.guard = guard
        self.settings = rt.settings
        self.gateway: Gateway = rt.gateway()
        self.limiter = shared_limiter()
        self.callback = f"{rt.settings.public_base_url}/webhooks/twilio/status"

    def send(self, row: Claimed) -> Outcome:
        try:
            return self._send(row)
        except Exception:
            # A bug outside the gateway call: this text was not handed over. Stop the batch.
            log.exception("outbox %s: unexpected error before sending", row.id)
            self.guard.halt("unexpected error")
            return Outcome(row.id, ds.PENDING, row.attempts)

    def _send(self, row: Claimed) -> Outcome:
        attempts, refused = row.attempts, 0
        rate = sender_rate(row.sender)
        while True:
            verdict = self.guard.verdict(row.phone_hash)
            if verdict is Verdict.SUPPRESSED:
                return Outcome(row.id, ds.SUPPRESSED, attempts)
            if verdict is Verdict.HALT:
                return Outcome(row.id, ds.PENDING, attempts)
            window = self._window(row)
            if window.decision is Decision.EXPIRED:
                return Outcome(row.id, ds.EXPIRED, attempts)
            if window.decision is Decision.WAIT:
                return Outcome(row.id, ds.PENDING, attempts, retry_at=window.until)
            try:
                taken = self.limiter.take(
                    row.sender,
                    row.segments,
                    rate=rate,
                    should_stop=lambda: (
                        self.guard.halted() or self._window(row).decision is not Decision.SEND
                    ),
                )
            except RedisError as exc:
                self.guard.halt(f"the rate limiter (Redis) failed: {type(exc).__name__}: {exc}")
                continue
            if not taken or self.guard.verdict(row.phone_hash) is not Verdict.SEND:
                continue  # the next turn of the loop says why
            if self._window(row).decision is not Decision.SEND:
                continue  # the wait for tokens ran into quiet hours or not-after
            try:
                sms = self._sms(row)
            except ValueError:
                # No usable number (purged since launch) or a stale window: never sendable.
                return Outcome(row.id, ds.REJECTED, attempts)
            try:
                receipt = self.gateway.send(sms)
            except RateLimited as exc:
                refused += 1
                self._penalise(row.sender, rate)
                if refused >= MAX_RATE_LIMITED:
                    retry_at = utcnow() + timedelta(seconds=backoff_seconds(refused, base=0.5))
                    return Outcome(
                        row.id,
                        ds.PENDING,
                        attempts,
                        error_code=exc.code or 20429,
                        retry_at=retry_at,
                    )
                self.guard.sleep(backoff_seconds(refused, base=0.05, cap=2.0))
                continue
            except RetryableError as exc:
                attempts += 1
                if attempts >= self.settings.max_attempts:
                    return Outcome(row.id, ds.REJECTED, attempts, error_code=exc.code)
                delay = backoff_seconds(attempts, base=0.25)
                if delay > INLINE_RETRY_SECONDS:
                    retry_at = utcnow() + timedelta(seconds=delay)
                    return Outcome(
                        row.id, ds.PENDING, attempts, error_code=exc.code, retry_at=retry_at
                    )
                self.guard.sleep(delay)
                continue
            except SenderBlocked as exc:
                self.guard.halt(f"carrier error {exc.code}")
                return Outcome(
                    row.id, ds.PENDING, attempts, error_code=exc.code, blocked=exc.description
                )
            except PermanentError as exc:
                phone = row.to if exc.suppress else None
                return Outcome(
                    row.id, ds.REJECTED, attempts + 1, error_code=exc.code, suppress_phone=phone
                )
            except OutcomeUnknown as exc:
                log.warning("outbox %s: outcome unknown (%s); left for reconciliation", row.id, exc)
                return Outcome(row.id, ds.CLAIMED, attempts + 1, error_code=exc.code)
            except Exception as exc:
                # GatewayError without a class, or a bug in the client: the request may
                # have gone out, so only a lookup at the gateway may decide.
                log.warning(
                    "outbox %s: gateway call failed (%s); left for reconciliation",
                    row.id,
                    type(exc).__name__,
                )
                code = exc.code if isinstance(exc, GatewayError) else None
                return Outcome(row.id, ds.CLAIMED, attempts + 1, error_code=code)
            return Outcome(
                row.id, receipt.status or "queued", attempts + 1, provider_id=receipt.provider_id
            )

    def _window(self, row: Claimed) -> WindowCheck:
        return check(
            utcnow(),
            not_before=row.not_before,
            not_after=row.not_after,
            urgent=row.urgent,
            quiet_start_hour=self.settings.quiet_hours_start,
            quiet_end_hour=self.settings.quiet_hours_end,
        )

    def _sms(self, row: Claimed) -> OutgoingSms:
        return OutgoingSms(
            to=row.to,
            body=row.body,
            sender=row.sender,
            status_callback=self.callback,
            validity_period=validity_seconds(utcnow(), row.not_after),
        )

    def _penalise(self, sender: str, rate: float) -> None:
        try:
            self.limiter.penalise(sender, rate=rate, seconds=RATE_LIMITED_PAUSE)
        except RedisError:
            self.guard.halt("the rate limiter (Redis) is unreachable")


def _dispatch(rows: list[Claimed], guard: BatchGuard) -> list[Outcome]:
    sender = _Sender(guard)
    threads = max(1, min(sender.settings.gateway_concurrency, len(rows)))
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="send") as pool:
        return list(pool.map(sender.send, rows))


def _queue_again(campaign_id: int, ids: list[int]) -> None:
    """Queue rows a halted batch released, when the campaign was resumed meanwhile."""
    from messaging.queues import enqueue

    rt = runtime.current()
    size = rt.settings.batch_size
    try:
        for start in range(0, len(ids), size):
            enqueue(
                rt.redis,
                send_batch,
                campaign_id,
                ids[start : start + size],
                prefix=rt.settings.queue_prefix,
            )
    except RedisError:
        log.warning(
            "campaign %s: could not queue %s released rows; the tick will", campaign_id, len(ids)
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
            .execution_options(synchronize_session=False)
        ).rowcount
    if done:
        log.info("campaign %s completed", campaign_id)
    return bool(done)
