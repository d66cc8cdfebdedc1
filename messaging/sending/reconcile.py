"""The periodic tick: start, stop, repair and finish campaigns.

It runs in every worker process under a short Redis lock (one at a time across all hosts
in the normal case; every step is idempotent and conditional, so an overlap is harmless), so
a tick after a crash or a Redis restart repairs what the crash left:

1. a scheduled campaign whose window opened starts sending;
2. a campaign whose not-after passed stops: unsent texts become ``expired`` and the
   campaign says why (a paused or scheduled one completes there and then);
3. a sending campaign that a status callback reported blocked (30007 / 30042) pauses;
4. claimed rows whose lease ended (a worker died, or its gateway call timed out) are
   looked up at the gateway (texts to that number from that sender since shortly before
   the claim, not already recorded for another row or a test send): exactly one with the
   same text means sent (its id is recorded); none at all means it never left (released
   to be sent); anything else (several, or one whose text differs) and a lookup that
   stays impossible for an hour leave the row ``unknown`` for a person to decide;
5. pending rows of a cancelled campaign (released as the cancel committed) are cancelled;
6. pending rows with no job (lost with Redis, released by a pause, due after a backoff or
   quiet hours) are queued again: all of them when the send queue is empty, else only
   the rows that just became due;
7. kept status callbacks whose message id has been recorded since are applied;
8. a sending campaign with nothing left to send completes;
9. analysts' answers waiting with no job are queued (:mod:`~messaging.sending.answer_job`);
   their expired leases are reconciled in step 4 like any other.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from sqlalchemy import select, update

from messaging import delivery_status as ds
from messaging import runtime
from messaging.db import db, refresh_planner_statistics, utcnow
from messaging.gateways.base import LOOKUP_SINCE_MARGIN, GatewayError
from messaging.models import Campaign, CampaignState, OutboxMessage, TestSend
from messaging.queues import SEND, enqueue, get_queue
from messaging.records import cross_force_index
from messaging.records.audit_checkpoints import CheckpointError, checkpoint_if_due
from messaging.records.retention import schedule_daily_purge
from messaging.sending.answer_job import requeue_answers
from messaging.sending.outbox import enqueue_ready, start_if_due
from messaging.sending.outcomes import note_window_closed, pause_if_carrier_blocked
from messaging.sending.receipts import apply_orphaned_events
from messaging.sending.send_job import finish_if_done, send_batch

log = logging.getLogger(__name__)
UNKNOWN_AFTER = timedelta(hours=1)  # give up looking a message up; a person decides
RUNNING = (CampaignState.SCHEDULED, CampaignState.SENDING, CampaignState.PAUSED)


def tick() -> dict[str, int]:
    """One pass over every running campaign. Safe to run at any time, any number of times."""
    rt = runtime.current()
    stats = dict.fromkeys(
        (
            "started",
            "expired_campaigns",
            "carrier_blocks",
            "reconciled",
            "cancelled_leftovers",
            "requeued_jobs",
            "late_callbacks",
            "completed",
            "requeued_answers",
        ),
        0,
    )
    with db.transaction() as session:
        running = session.execute(
            select(Campaign.id, Campaign.state).where(Campaign.state.in_(RUNNING))
        ).all()
    for campaign_id, state in running:
        if state == CampaignState.SCHEDULED:
            with db.transaction() as session:
                stats["started"] += int(
                    start_if_due(session, rt.redis, campaign_id, settings=rt.settings)
                )
        stats["expired_campaigns"] += int(_stop_if_past_not_after(campaign_id))
        with db.transaction() as session:
            stats["carrier_blocks"] += int(pause_if_carrier_blocked(session, campaign_id))
    stats["reconciled"] = reconcile_expired_leases()
    stats["cancelled_leftovers"] = cancel_leftovers()
    with db.transaction() as session:
        sending = list(
            session.scalars(select(Campaign.id).where(Campaign.state == CampaignState.SENDING))
        )
        stats["late_callbacks"] = apply_orphaned_events(session)
    for campaign_id in sending:
        stats["requeued_jobs"] += _requeue(campaign_id)
        stats["completed"] += int(finish_if_done(campaign_id))
    stats["requeued_answers"] = requeue_answers()
    if any(stats.values()):
        log.info("tick: %s", stats)
    return stats


def _stop_if_past_not_after(campaign_id: int) -> bool:
    """Expire a campaign's unsent texts once its not-after passed; True when it stopped now."""
    now = utcnow()
    with db.transaction() as session:
        # Locked, as a cancel or a batch's outcomes lock it: no pause, resume or cancel
        # lands between reading the state here and the completion below.
        campaign = session.get(Campaign, campaign_id, with_for_update=True)
        if campaign is None or campaign.not_after is None or campaign.not_after > now:
            return False
        if campaign.state not in RUNNING:
            return False  # finished meanwhile
        expired = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.campaign_id == campaign_id, OutboxMessage.status == ds.PENDING)
            .values(status=ds.EXPIRED, final_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        first_time = bool(expired) and note_window_closed(session, campaign_id, expired)
        in_flight = session.scalar(
            select(OutboxMessage.id)
            .where(OutboxMessage.campaign_id == campaign_id, OutboxMessage.status == ds.CLAIMED)
            .limit(1)
        )
        campaign.updated_at = now
        if in_flight is None:
            # Nothing will ever go: a paused or scheduled campaign finishes here, with a
            # conditional update so it never overwrites a state someone else just set.
            session.flush()
            session.execute(
                update(Campaign)
                .where(
                    Campaign.id == campaign_id,
                    Campaign.state.in_((CampaignState.SCHEDULED, CampaignState.PAUSED)),
                )
                .values(state=CampaignState.COMPLETED, finished_at=now, updated_at=now)
                .execution_options(synchronize_session=False)
            )
    return first_time


def cancel_leftovers() -> int:
    """Cancel pending rows of cancelled campaigns (released by a batch or the reconciler
    as the cancel committed); nothing would ever queue them. Returns how many."""
    now = utcnow()
    with db.transaction() as session:
        cancelled = select(Campaign.id).where(Campaign.state == CampaignState.CANCELLED)
        return session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == ds.PENDING, OutboxMessage.campaign_id.in_(cancelled))
            .values(status=ds.CANCELLED, final_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount


def _requeue(campaign_id: int) -> int:
    rt = runtime.current()
    now = utcnow()
    with db.transaction() as session:
        # Rows released for a retry or a quiet-hours wait become due again.
        due_again = list(
            session.scalars(
                update(OutboxMessage)
                .where(
                    OutboxMessage.campaign_id == campaign_id,
                    OutboxMessage.status == ds.PENDING,
                    OutboxMessage.next_attempt_at.is_not(None),
                    OutboxMessage.next_attempt_at <= now,
                )
                .values(next_attempt_at=None)
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            )
        )
        queue_empty = get_queue(rt.redis, SEND, prefix=rt.settings.queue_prefix).count == 0
        if queue_empty:
            # Pending rows have no job (lost with a Redis restart, or released by a pause):
            # queue them all again. A row queued twice is claimed once.
            return enqueue_ready(
                session,
                rt.redis,
                campaign_id,
                batch_size=rt.settings.batch_size,
                prefix=rt.settings.queue_prefix,
            )
    jobs = 0
    size = rt.settings.batch_size
    for start in range(0, len(due_again), size):
        enqueue(
            rt.redis,
            send_batch,
            campaign_id,
            sorted(due_again)[start : start + size],
            prefix=rt.settings.queue_prefix,
        )
        jobs += 1
    return jobs


@dataclass(frozen=True)
class _Lease:
    id: int
    campaign_id: int | None
    to: str | None
    sender: str
    body: str
    lease_token: str | None
    lease_until: datetime | None
    claimed_at: datetime | None
    created_at: datetime
    not_after: datetime | None


def reconcile_expired_leases(campaign_id: int | None = None) -> int:
    """Look up, at the gateway, every claimed row whose lease ended (of one campaign, or
    all); returns how many rows were settled.

    A lease counts as ended only after the reconcile grace and the gateway timeout: a live
    worker never starts a call after its lease ends, and a call lasts at most the timeout.
    """
    rt = runtime.current()
    margin = max(rt.settings.reconcile_grace_seconds, rt.settings.gateway_timeout_s + 1)
    cutoff = utcnow() - timedelta(seconds=margin)
    query = select(
        OutboxMessage.id,
        OutboxMessage.campaign_id,
        OutboxMessage.to,
        OutboxMessage.sender,
        OutboxMessage.body,
        OutboxMessage.private_body,
        OutboxMessage.lease_token,
        OutboxMessage.lease_until,
        OutboxMessage.claimed_at,
        OutboxMessage.created_at,
        OutboxMessage.not_after,
    ).where(OutboxMessage.status == ds.CLAIMED, OutboxMessage.lease_until < cutoff)
    if campaign_id is not None:
        query = query.where(OutboxMessage.campaign_id == campaign_id)
    with db.transaction() as session:
        # An answer's text is sealed in private_body; a campaign's is its body.
        leases = [
            _Lease(*row[:4], row[5] if row[5] is not None else row[4], *row[6:])
            for row in session.execute(query)
        ]
    if not leases:
        return 0
    log.info("reconciling %s claimed rows whose lease ended", len(leases))
    threads = max(1, min(16, rt.settings.gateway_concurrency, len(leases)))
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="reconcile") as pool:
        return sum(pool.map(_reconcile_one, leases))


def _reconcile_one(lease: _Lease) -> int:
    rt = runtime.current()
    since = (lease.claimed_at or lease.created_at) - LOOKUP_SINCE_MARGIN
    try:
        found = rt.gateway().find_sent(to=lease.to or "", sender=lease.sender, since=since)
    except (GatewayError, ValueError) as exc:
        log.warning("outbox %s: lookup failed (%s); will try again", lease.id, exc)
        if lease.lease_until and utcnow() - lease.lease_until > UNKNOWN_AFTER:
            return _settle(lease, status=ds.UNKNOWN)
        return 0
    ids = [m.provider_id for m in found]
    with db.transaction() as session:
        known = set(
            session.scalars(
                select(OutboxMessage.provider_id).where(OutboxMessage.provider_id.in_(ids))
            )
        )
        known |= set(
            session.scalars(select(TestSend.provider_id).where(TestSend.provider_id.in_(ids)))
        )
    candidates = [m for m in found if m.provider_id not in known]
    matches = [m for m in candidates if m.body == lease.body]
    if len(matches) == 1:
        message = matches[0]
        status = message.status if message.status in ds.CARRIER_RANK else "queued"
        log.info("outbox %s: reconciled with the carrier's record", lease.id)
        return _settle(lease, status=status, provider_id=message.provider_id)
    if candidates:
        # Several texts with this body, or a text whose body the gateway changed (an opt-out
        # footer, smart encoding): something unaccounted for went to this person, so a
        # person decides; sending again could be a second text.
        log.error(
            "outbox %s: %s unaccounted carrier messages; marked unknown", lease.id, len(candidates)
        )
        return _settle(lease, status=ds.UNKNOWN)
    # The carrier has no such message: it never left, so sending it is not a resend.
    log.info("outbox %s: not at the carrier; released", lease.id)
    return _settle(lease, status=ds.PENDING)


def _settle(lease: _Lease, *, status: str, provider_id: str | None = None) -> int:
    now = utcnow()
    values: dict[str, object] = {
        "status": status,
        "lease_token": None,
        "lease_until": None,
        "updated_at": now,
    }
    if provider_id:
        values.update(provider_id=provider_id, submitted_at=now)
    with db.transaction() as session:
        if status == ds.PENDING:
            state = session.scalar(select(Campaign.state).where(Campaign.id == lease.campaign_id))
            if state == CampaignState.CANCELLED:
                values.update(status=ds.CANCELLED, final_at=now)
            elif lease.not_after is not None and lease.not_after <= now:
                values.update(status=ds.EXPIRED, final_at=now)
        return session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == lease.id,
                OutboxMessage.status == ds.CLAIMED,
                OutboxMessage.lease_token == lease.lease_token,
                OutboxMessage.lease_until == lease.lease_until,  # not renewed meanwhile
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount


# A checkpoint being sent when the worker stops may take this long to finish; one process
# holds the checkpoint lock at most this long (every channel within its timeout).
CHECKPOINT_FINISH_SECONDS = 30.0
CHECKPOINT_LOCK_SECONDS = 120


class Ticker(threading.Thread):
    """Runs :func:`tick` every few seconds in a worker, under a cluster-wide Redis lock,
    then ``also``: later stages' passes handed in by whoever starts the worker (sending
    cannot import them), such as risk alerts' repeats; then an audit checkpoint when one
    is due, signed and sent from a thread of its own (a slow mail server or endpoint must
    not hold up campaigns, leases and alert repeats); hourly, the national index of
    cross-force numbers and SQLite's planner statistics."""

    def __init__(
        self, interval: float | None = None, also: Sequence[Callable[[], object]] = ()
    ) -> None:
        super().__init__(name="pester-tick", daemon=True)
        self.interval = interval or runtime.current().settings.tick_seconds
        self.also = tuple(also)
        self._stop_event = threading.Event()
        self._checkpointing: threading.Thread | None = None

    def run(self) -> None:
        rt = runtime.current()
        key = f"{rt.settings.queue_prefix}:tick-lock"
        # Short, so a worker killed mid-tick holds the others up for a moment only.
        lock_ms = max(2000, int(self.interval * 3000))
        while not self._stop_event.wait(self.interval):
            try:
                if rt.redis.set(key, "1", nx=True, px=lock_ms):
                    try:
                        tick()
                        schedule_daily_purge()  # at most once a day, on the maintenance queue
                        for extra in self.also:
                            extra()
                        self._checkpoint_in_the_background()
                        rebuild_cross_force_index_if_due()
                        refresh_statistics_if_due()
                    finally:
                        rt.redis.delete(key)
            except RedisError as exc:  # Redis restarting: the next pass repairs it
                log.warning("tick skipped: Redis unavailable (%s)", type(exc).__name__)
            except Exception:  # keep ticking: the next pass repairs what this one missed
                log.exception("tick failed")
        if self._checkpointing is not None:  # let a checkpoint being sent finish
            self._checkpointing.join(timeout=CHECKPOINT_FINISH_SECONDS)

    def _checkpoint_in_the_background(self) -> None:
        """Start an audit checkpoint's thread, unless the last one is still sending."""
        if self._checkpointing is not None and self._checkpointing.is_alive():
            return
        self._checkpointing = threading.Thread(
            target=_checkpoint_audit_if_due, name="pester-audit-checkpoint", daemon=True
        )
        self._checkpointing.start()

    def stop(self) -> None:
        self._stop_event.set()


def refresh_statistics_if_due() -> bool:
    """At most once an hour across the workers: SQLite's planner statistics, as replies,
    texts and purges change the tables' shape (:func:`messaging.db.refresh_planner_statistics`)."""
    rt = runtime.current()
    if db.engine.dialect.name != "sqlite":
        return False
    if not rt.redis.set(f"{rt.settings.queue_prefix}:planner-statistics", "1", nx=True, ex=3600):
        return False
    with db.engine.begin() as connection:
        return refresh_planner_statistics(connection)


def rebuild_cross_force_index_if_due() -> int | None:
    """At most once an hour across the workers: the national index of numbers two forces'
    contacts hold, afresh (:func:`messaging.records.cross_force_index.rebuild`); returns
    how many it lists, or None when it was not due."""
    rt = runtime.current()
    if not rt.redis.set(f"{rt.settings.queue_prefix}:cross-force-index", "1", nx=True, ex=3600):
        return None
    with db.transaction() as session:
        return cross_force_index.rebuild(session)


def _checkpoint_audit_if_due() -> None:
    """Sign and send an audit checkpoint when one is due; a failure is logged, not fatal
    (the next tick tries again, and the entries stay in the chain meanwhile).

    One process at a time (a Redis lock, since this runs beside the tick, not under its
    lock): two workers must not each sign and mail the same checkpoint."""
    rt = runtime.current()
    key = f"{rt.settings.queue_prefix}:audit-checkpoint-lock"
    try:
        if not rt.redis.set(key, "1", nx=True, ex=CHECKPOINT_LOCK_SECONDS):
            return
        try:
            checkpoint_if_due(rt.settings, rt.redis)
        finally:
            rt.redis.delete(key)
    except CheckpointError as exc:
        log.error("%s", exc)
    except RedisError as exc:  # Redis restarting: the next tick tries again
        log.warning("audit checkpoint skipped: Redis unavailable (%s)", type(exc).__name__)
    except Exception:  # a thread of its own: say so, and the next tick tries again
        log.exception("audit checkpoint failed")
