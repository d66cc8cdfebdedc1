"""The send job: claim a batch of outbox rows, check each again, call the gateway, record.

Exactly once: rows are claimed with a lease in the database before any gateway call and the
provider id is recorded after; no transaction is held across a network call. A row whose
outcome is unknown (a timeout, a dropped connection, a crash) stays claimed until
:mod:`messaging.sending.reconcile` looks it up at the gateway; it is never blindly sent again.

How each gateway answer is handled (the error classes of ``messaging.gateways.errors``):

- accepted: the provider id and first status are recorded;
- 429 / 20429 (never processed): the whole sender backs off for a moment (shared bucket),
  this text retries with jittered exponential backoff, costing no attempt; after
  ``text_sender.MAX_RATE_LIMITED`` refusals in a row it is released for the tick to queue again;
- retryable (21611 queue overflow, a connection that never opened): retried with
  full-jitter backoff and counted; short waits are taken in place, longer ones release the
  row with ``next_attempt_at``; after ``PESTER_MAX_ATTEMPTS`` attempts it is ``rejected``.
  A ``RetryableError`` means the text was certainly not accepted;
- server error at create (HTTP 5xx or 20500, with or without a Twilio code): the provider
  may have created the message before failing, so the adapter raises ``OutcomeUnknown``
  and the text is looked up at the gateway before any resend. When the reconcile grace is
  short (``text_sender.INLINE_LOOKUP_SECONDS``) the send thread waits it out and looks the
  text up itself: nothing there → retried as above (the attempt counted); anything there,
  or a failed lookup → left claimed for the reconciler, which records it. With a longer
  grace the row is left claimed at once and the tick looks it up;
- permanent (21211, 21612, 21614, …): ``rejected``; 21610 also suppresses the number;
- sender or content blocked (21606, 30007, 30042, credentials): the campaign pauses with
  a reason and the text is released unsent;
- outcome unknown (read timeout, connection lost after the request went out, an
  unclassified error): left claimed for reconciliation (the request may still be in flight,
  so it is not looked up here).
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from sqlalchemy import select, update

from messaging import delivery_status as ds
from messaging import runtime
from messaging.audience.number_lock import NumberLocks
from messaging.audience.suppression import blocked_hashes
from messaging.db import db, utcnow
from messaging.models import Campaign, CampaignState, OutboxMessage
from messaging.queues import enqueue
from messaging.sending.claims import Claimed, claim_rows
from messaging.sending.final_check import FinalCheck
from messaging.sending.guard import BatchGuard
from messaging.sending.outcomes import Outcome, record_outcomes
from messaging.sending.pacing import shared_limiter
from messaging.sending.text_sender import BatchSender

log = logging.getLogger(__name__)


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
        claimed = claim_rows(session, outbox_ids, token, lease_until, campaign_id=campaign_id)
        blocked = blocked_hashes(session, (c.phone_hash for c in claimed))
    if not claimed:
        return {"claimed": 0}
    log.info("campaign %s: batch %s claimed %s rows", campaign_id, token, len(claimed))
    counts, again = send_claimed(campaign_id, token, claimed, blocked, lease_until)
    if again:
        _queue_again(campaign_id, again)
    finish_if_done(campaign_id)
    log.info("campaign %s: batch %s done %s", campaign_id, token, counts)
    return counts


def send_claimed(
    campaign_id: int | None,
    token: str,
    claimed: list[Claimed],
    blocked: set[str],
    lease_until: datetime,
) -> tuple[dict[str, int], list[int]]:
    """Send claimed rows (a campaign's, or analysts' answers when ``campaign_id`` is None)
    under one batch guard and record what came of each: how many ended in each status, and
    the rows to queue again."""
    guard = BatchGuard(
        campaign_id,
        token,
        [c.id for c in claimed],
        [c.phone_hash for c in claimed],
        lease_until=lease_until,
        lease_seconds=runtime.current().settings.lease_seconds,
        blocked=blocked,
    )
    outcomes = dispatch_batch(claimed, guard)
    again = record_outcomes(campaign_id, token, outcomes)
    return dict(Counter(outcome.status for outcome in outcomes)), again


def dispatch_batch(rows: list[Claimed], guard: BatchGuard) -> list[Outcome]:
    """Send a claimed batch's texts concurrently: each checked by ``guard`` first, then
    checked against the database once more under its number's lock, which is held through
    the gateway call (:mod:`~messaging.sending.final_check`). Answers are sent so too."""
    rt = runtime.current()
    final_check = FinalCheck(
        NumberLocks(rt.redis, rt.settings.queue_prefix),
        longest_call_s=rt.settings.gateway_timeout_s,
    )
    sender = BatchSender(guard, shared_limiter(), final_check)
    threads = max(1, min(rt.settings.gateway_concurrency, len(rows)))
    try:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="send") as pool:
            return list(pool.map(sender.send, rows))
    finally:
        final_check.close()


def _queue_again(campaign_id: int, ids: list[int]) -> None:
    """Queue rows a halted batch released, when the campaign was resumed meanwhile."""
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
