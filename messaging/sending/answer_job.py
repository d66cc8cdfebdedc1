"""Sending analysts' answers: outbox rows with no campaign, one per answer, exactly once.

An answer's row is written (unique per answer) before anything is queued, like a
campaign's; its job claims it with a lease, the guard checks the number has not opted out
since, the shared rate limiter paces the sender, and the last check under the number's
lock (a STOP committed before the call begins is never sent), the gateway call, the
outcomes, the lookup after a timeout and the reconciliation of a dead worker's lease are the
campaign path's own (:mod:`~messaging.sending.send_job`, :mod:`~messaging.sending.reconcile`). What
differs: there is no campaign to be sending, paused or finished, and the tick queues
answers' pending rows itself (:func:`requeue_answers`).
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, scoped_session

from messaging import delivery_status as ds
from messaging import runtime
from messaging.audience.suppression import blocked_hashes
from messaging.db import db, utcnow
from messaging.models import OutboxMessage
from messaging.queues import SEND, enqueue, get_queue
from messaging.sending.claims import claim_rows
from messaging.sending.send_job import send_claimed

log = logging.getLogger(__name__)


def send_answers(outbox_ids: list[int]) -> dict[str, int]:
    """RQ job: send analysts' answers (their outbox rows). Safe to run twice."""
    rt = runtime.current()
    token = secrets.token_hex(8)
    lease_until = utcnow() + timedelta(seconds=rt.settings.lease_seconds)
    with db.transaction() as session:
        claimed = claim_rows(session, outbox_ids, token, lease_until, campaign_id=None)
        blocked = blocked_hashes(session, (c.phone_hash for c in claimed))
    if not claimed:
        return {"claimed": 0}
    counts, again = send_claimed(None, token, claimed, blocked, lease_until)
    if again:
        queue_answers(rt.redis, again)
    log.info("answers batch %s: %s", token, counts)
    return counts


def queue_answers(redis: Redis, outbox_ids: list[int]) -> int:
    """Queue jobs for these answer rows (a row queued twice is claimed once)."""
    settings = runtime.current().settings
    size = settings.batch_size
    ids = sorted(outbox_ids)
    try:
        for start in range(0, len(ids), size):
            enqueue(redis, send_answers, ids[start : start + size], prefix=settings.queue_prefix)
    except RedisError as exc:
        log.warning("answers not queued (%s); the tick will", type(exc).__name__)
        return 0
    return -(-len(ids) // size)


def queue_answer_on_commit(session: Session, outbox_id: int) -> None:
    """Queue an answer's row once ``session`` commits (never before: a job that ran first
    would find no row). Whatever fails here the tick queues later."""
    target = session() if isinstance(session, scoped_session) else session

    def queue(_session: Session) -> None:
        queue_answers(runtime.current().redis, [outbox_id])

    event.listen(target, "after_commit", queue, once=True)


def requeue_answers() -> int:
    """Queue answers' pending rows that have no job: those due again after a retry or
    quiet hours, and, when the send queue is empty (jobs lost with Redis, a halted
    batch), every pending one. Returns how many jobs were queued."""
    rt = runtime.current()
    now = utcnow()
    of_answers = (OutboxMessage.answer_id.is_not(None), OutboxMessage.status == ds.PENDING)
    with db.transaction() as session:
        ids = list(
            session.scalars(
                update(OutboxMessage)
                .where(
                    *of_answers,
                    OutboxMessage.next_attempt_at.is_not(None),
                    OutboxMessage.next_attempt_at <= now,
                )
                .values(next_attempt_at=None)
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            )
        )
        if get_queue(rt.redis, SEND, prefix=rt.settings.queue_prefix).count == 0:
            ids = list(
                session.scalars(
                    select(OutboxMessage.id).where(
                        *of_answers, OutboxMessage.next_attempt_at.is_(None)
                    )
                )
            )
    return queue_answers(rt.redis, ids) if ids else 0
