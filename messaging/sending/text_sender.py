"""Sending one claimed text: the last checks, the shared rate, the gateway call, and what
each gateway answer means (see :mod:`messaging.sending.send_job` for the table).

The gateway call itself happens inside the number's clearance
(:mod:`messaging.sending.final_check`): under the number's lock, right after a fresh read
of the opt-outs, so a STOP committed before the call begins is never sent."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import RedisError

from messaging import delivery_status as ds
from messaging import runtime
from messaging.db import utcnow
from messaging.gateways.base import (
    LOOKUP_SINCE_MARGIN,
    Gateway,
    GatewayError,
    OutcomeUnknown,
    OutgoingSms,
    PermanentError,
    RateLimited,
    RetryableError,
    SenderBlocked,
)
from messaging.sending.claims import Claimed
from messaging.sending.final_check import Clearance, FinalCheck
from messaging.sending.guard import BatchGuard, Verdict
from messaging.sending.outcomes import Outcome
from messaging.sending.pacing import sender_rate
from messaging.sending.rate_limiter import RateLimiter, backoff_seconds
from messaging.sending.send_window import Decision, WindowCheck, check, validity_seconds

log = logging.getLogger(__name__)
MAX_RATE_LIMITED = 10  # 429s in a row for one text before it goes back to the queue
INLINE_RETRY_SECONDS = 2.0  # longer retry waits release the row instead of holding a thread
RATE_LIMITED_PAUSE = 0.05  # seconds every worker holds a sender after a 429
# Longest reconcile grace waited out in a send thread after a 5xx at create; a longer one
# leaves the text claimed, and the tick looks it up once the grace has passed.
INLINE_LOOKUP_SECONDS = 5.0
NUMBER_BUSY_RETRY_SECONDS = 1.0  # the number's lock stayed taken: the text waits this long


@dataclass
class _Try:
    """One text's progress through its attempts in this batch."""

    row: Claimed
    attempts: int
    rate: float
    refused: int = 0  # 429s so far: they cost no attempt

    def outcome(self, status: str, **fields: object) -> Outcome:
        return Outcome(self.row.id, status, self.attempts, **fields)  # type: ignore[arg-type]


class BatchSender:
    """Sends one batch's texts; ``send`` is called from many threads at once."""

    def __init__(self, guard: BatchGuard, limiter: RateLimiter, final_check: FinalCheck) -> None:
        rt = runtime.current()
        self.guard = guard
        self.limiter = limiter
        self.final_check = final_check
        self.settings = rt.settings
        self.gateway: Gateway = rt.gateway()
        self.callback = f"{rt.settings.public_base_url}/webhooks/twilio/status"

    def send(self, row: Claimed) -> Outcome:
        """Send one text (retrying what may be retried here); never raises."""
        attempt = _Try(row, row.attempts, sender_rate(row.sender))
        try:
            while True:
                finished = self._until_ready(attempt)
                if finished is not None:
                    return finished
                result = self._call(attempt)
                if isinstance(result, Outcome):
                    return result
                self.guard.sleep(result)
        except Exception:
            # A bug outside the gateway call: this text was not handed over. Stop the batch.
            log.exception("outbox %s: unexpected error before sending", row.id)
            self.guard.halt("unexpected error")
            return attempt.outcome(ds.PENDING)

    def _until_ready(self, attempt: _Try) -> Outcome | None:
        """Wait for the sender's tokens; an outcome when the text must not go now."""
        row = attempt.row
        while True:
            verdict = self.guard.verdict(row.phone_hash)
            if verdict is Verdict.SUPPRESSED:
                return attempt.outcome(ds.SUPPRESSED)
            if verdict is Verdict.HALT:
                return attempt.outcome(ds.PENDING)
            window = self._window(row)
            if window.decision is Decision.EXPIRED:
                return attempt.outcome(ds.EXPIRED)
            if window.decision is Decision.WAIT:
                return attempt.outcome(ds.PENDING, retry_at=window.until)
            try:
                taken = self.limiter.take(
                    row.sender,
                    row.segments,
                    rate=attempt.rate,
                    should_stop=lambda: (
                        self.guard.halted() or self._window(row).decision is not Decision.SEND
                    ),
                )
            except RedisError as exc:
                self.guard.halt(f"the rate limiter (Redis) failed: {type(exc).__name__}")
                continue
            # The wait may have run into a pause, a STOP, quiet hours or not-after.
            ready = taken and self.guard.verdict(row.phone_hash) is Verdict.SEND
            if ready and self._window(row).decision is Decision.SEND:
                return None

    def _call(self, attempt: _Try) -> Outcome | float:
        """One gateway call: the text's outcome, or seconds to wait before trying again."""
        row = attempt.row
        try:
            sms = OutgoingSms(
                to=row.to,
                body=row.body,
                sender=row.sender,
                status_callback=self.callback,
                validity_period=validity_seconds(utcnow(), row.not_after),
            )
        except ValueError:
            return attempt.outcome(ds.REJECTED)  # no usable number (purged since launch)
        try:
            cleared, asked_at, receipt, failure = self._send_when_cleared(row, sms)
        except RedisError as exc:
            self.guard.halt(f"the number locks (Redis) failed: {type(exc).__name__}")
            return attempt.outcome(ds.PENDING)
        if cleared is Clearance.SUPPRESSED:
            return attempt.outcome(ds.SUPPRESSED)
        if cleared is not Clearance.GO:
            retry_at = utcnow() + timedelta(seconds=NUMBER_BUSY_RETRY_SECONDS)
            return attempt.outcome(ds.PENDING, retry_at=retry_at)
        if failure is not None:
            return self._failed(attempt, failure, asked_at)
        attempt.attempts += 1
        return attempt.outcome(receipt.status or "queued", provider_id=receipt.provider_id)

    def _send_when_cleared(
        self, row: Claimed, sms: OutgoingSms
    ) -> tuple[Clearance, datetime, Any, Exception | None]:
        """The last check under the number's lock, then the call (the lock is released when
        it returns); what it answered or raised is classified afterwards, lock-free."""
        with self.final_check.clearance(row.phone_hash) as cleared:
            asked_at = utcnow()
            if cleared is not Clearance.GO:
                return cleared, asked_at, None, None
            try:
                return cleared, asked_at, self.gateway.send(sms), None
            except Exception as exc:
                return cleared, asked_at, None, exc

    def _failed(self, attempt: _Try, failure: Exception, asked_at: datetime) -> Outcome | float:
        """What a gateway call that raised means for the text."""
        row = attempt.row
        if isinstance(failure, RateLimited):
            return self._rate_limited(attempt, failure)
        if isinstance(failure, RetryableError):
            attempt.attempts += 1
            return self._retry_later(attempt, failure)
        if isinstance(failure, OutcomeUnknown):
            attempt.attempts += 1
            if failure.http_status is not None:
                return self._look_up_after_server_error(attempt, failure, asked_at)
            log.warning("outbox %s: outcome unknown; left for reconciliation", row.id)
            return attempt.outcome(ds.CLAIMED, error_code=failure.code)
        if isinstance(failure, SenderBlocked):
            self.guard.halt(f"carrier error {failure.code}")
            return attempt.outcome(ds.PENDING, error_code=failure.code, blocked=failure.description)
        if isinstance(failure, PermanentError):
            attempt.attempts += 1
            phone = row.to if failure.suppress else None
            return attempt.outcome(ds.REJECTED, error_code=failure.code, suppress_phone=phone)
        # An unclassified GatewayError, or a bug in the client: the request may have gone
        # out, so only a lookup at the gateway may decide.
        attempt.attempts += 1
        log.warning("outbox %s: %s; left for reconciliation", row.id, type(failure).__name__)
        code = failure.code if isinstance(failure, GatewayError) else None
        return attempt.outcome(ds.CLAIMED, error_code=code)

    def _rate_limited(self, attempt: _Try, exc: RateLimited) -> Outcome | float:
        attempt.refused += 1
        try:
            self.limiter.penalise(attempt.row.sender, rate=attempt.rate, seconds=RATE_LIMITED_PAUSE)
        except RedisError:
            self.guard.halt("the rate limiter (Redis) is unreachable")
        if attempt.refused >= MAX_RATE_LIMITED:
            retry_at = utcnow() + timedelta(seconds=backoff_seconds(attempt.refused, base=0.5))
            return attempt.outcome(ds.PENDING, error_code=exc.code or 20429, retry_at=retry_at)
        return backoff_seconds(attempt.refused, base=0.05, cap=2.0)

    def _look_up_after_server_error(
        self, attempt: _Try, exc: OutcomeUnknown, asked_at: datetime
    ) -> Outcome | float:
        """The create was answered with a server error: the provider may still have created
        the text. Look it up once the reconcile grace (how long a failed send may still be
        in flight there) has passed, here when that is short: nothing there means it was
        never created, so it is retried like any retryable error; anything there, a failed
        lookup, a halt, or a long grace leaves the row claimed for the reconciler."""
        row = attempt.row
        unknown = attempt.outcome(ds.CLAIMED, error_code=exc.code)
        grace = self.settings.reconcile_grace_seconds
        if grace > INLINE_LOOKUP_SECONDS:
            log.warning("outbox %s: server error at create; left for reconciliation", row.id)
            return unknown
        self.guard.sleep(grace)
        if self.guard.halted():
            return unknown
        try:
            found = self.gateway.find_sent(
                to=row.to, sender=row.sender, since=asked_at - LOOKUP_SINCE_MARGIN
            )
        except (GatewayError, ValueError):
            log.warning("outbox %s: lookup after a server error failed; left claimed", row.id)
            return unknown
        if found:
            log.warning(
                "outbox %s: %s texts at the gateway after a server error; left for reconciliation",
                row.id,
                len(found),
            )
            return unknown
        log.info("outbox %s: not created despite the server error; retrying", row.id)
        return self._retry_later(attempt, exc, waited=grace)

    def _retry_later(
        self, attempt: _Try, exc: GatewayError, *, waited: float = 0.0
    ) -> Outcome | float:
        """Retry a text that was certainly not sent (its attempt already counted); time
        ``waited`` since the failure counts towards the backoff."""
        if attempt.attempts >= self.settings.max_attempts:
            return attempt.outcome(ds.REJECTED, error_code=exc.code)
        delay = max(0.0, backoff_seconds(attempt.attempts, base=0.25) - waited)
        if delay > INLINE_RETRY_SECONDS:
            retry_at = utcnow() + timedelta(seconds=delay)
            return attempt.outcome(ds.PENDING, error_code=exc.code, retry_at=retry_at)
        return delay

    def _window(self, row: Claimed) -> WindowCheck:
        return check(
            utcnow(),
            not_before=row.not_before,
            not_after=row.not_after,
            urgent=row.urgent,
            quiet_start_hour=self.settings.quiet_hours_start,
            quiet_end_hour=self.settings.quiet_hours_end,
        )
