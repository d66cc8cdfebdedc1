"""Opening alerts, queueing their jobs, and the alert tick (repeats, stand-downs, repairs).

Every step is a conditional statement or a unique insert, so the tick is safe in any
number of workers at once (it normally runs under the tick's Redis lock anyway).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from messaging import runtime
from messaging.config import Settings
from messaging.db import db, utcnow
from messaging.inbound.alerts.delivery import channel_targets, deliver_alert, stand_down
from messaging.inbound.triage.queues import Queue
from messaging.models import Alert, AlertDelivery, Force, Reply
from messaging.queues import ALERTS, enqueue

log = logging.getLogger(__name__)
REQUEUE_AFTER = timedelta(seconds=30)  # a queued delivery not taken by then is queued again


def open_alert(session: Session, reply_id: int, *, round_: int, settings: Settings) -> Alert:
    """Add alert round ``round_`` for a reply (in the reply's force), with one pending
    delivery per channel, in the caller's transaction (a second insert of the same round
    fails: it is unique)."""
    now = utcnow()
    alert = Alert(reply_id=reply_id, round=round_, status="open", created_at=now)
    session.add(alert)
    session.flush()
    on_call = session.scalar(select(Force.on_call_email).where(Force.id == alert.force_id))
    session.add_all(
        AlertDelivery(
            alert_id=alert.id,
            channel=target.channel,
            target=target.description,
            status="pending",
            attempts=0,
            queued_at=now,  # its job is queued once this commits
            created_at=now,
            last_error="",
        )
        for target in channel_targets(settings, on_call_email=(on_call or "").strip())
    )
    session.flush()
    return alert


def open_first_alert(session: Session, reply: Reply) -> int | None:
    """Open the first alert for a newly stored reply when it is in the risk queue and
    alerting is configured; its id, for :func:`queue_alert` once the caller commits."""
    settings = runtime.current().settings
    if not settings.alerting or reply.queue != Queue.RISK:
        return None
    alert = open_alert(session, reply.id, round_=1, settings=settings)
    log.info("reply %s is in the risk queue: alert %s opened", reply.id, alert.id)
    return alert.id


def queue_alert(alert_id: int) -> bool:
    """Queue the job that sends ``alert_id``; False when Redis refused (the tick will)."""
    rt = runtime.current()
    try:
        enqueue(rt.redis, deliver_alert, alert_id, queue=ALERTS, prefix=rt.settings.queue_prefix)
    except RedisError as exc:
        log.warning("alert %s not queued (%s); the tick will", alert_id, type(exc).__name__)
        return False
    return True


def alert_tick() -> dict[str, int]:
    """One pass: take back dead leases, stand down handled replies' alerts, open repeats,
    queue what is due. Safe at any time, in any number of workers."""
    settings = runtime.current().settings
    stats = {
        "leases_expired": _expire_leases(),
        "stood_down": _stand_down_handled(),
        "repeats": _open_repeats(settings) if settings.alerting else 0,
        "queued": _queue_due(),
    }
    if any(stats.values()):
        log.info("alert tick: %s", stats)
    return stats


def _expire_leases() -> int:
    now = utcnow()
    with db.transaction() as session:
        return session.execute(
            update(AlertDelivery)
            .where(AlertDelivery.status == "sending", AlertDelivery.lease_until < now)
            .values(status="pending", lease_until=None, queued_at=None, next_attempt_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount


def _stand_down_handled() -> int:
    with db.transaction() as session:
        alert_ids = list(
            session.scalars(
                select(Alert.id)
                .join(Reply, Reply.id == Alert.reply_id)
                .where(Alert.status == "open", Reply.handled_at.is_not(None))
            )
        )
        return stand_down(session, alert_ids)


def _open_repeats(settings: Settings) -> int:
    """A new round for every reply still in the risk queue, unhandled, whose last alert is
    older than the repeat interval."""
    due_before = utcnow() - timedelta(minutes=settings.alert_repeat_minutes)
    with db.transaction() as session:
        due = session.execute(
            select(Reply.id, func.max(Alert.round))
            .join(Alert, Alert.reply_id == Reply.id)
            .where(Reply.queue == str(Queue.RISK), Reply.handled_at.is_(None))
            .group_by(Reply.id)
            .having(func.max(Alert.created_at) <= due_before)
        ).all()
    opened = []
    for reply_id, last_round in due:
        try:
            with db.transaction() as session:
                alert = open_alert(session, reply_id, round_=last_round + 1, settings=settings)
                opened.append(alert.id)
        except IntegrityError:
            log.info("reply %s: round %s opened elsewhere", reply_id, last_round + 1)
    for alert_id in opened:
        queue_alert(alert_id)
    return len(opened)


def _queue_due() -> int:
    """Queue jobs for deliveries that are due and not queued lately (a lost job, a retry
    after backoff)."""
    now = utcnow()
    with db.transaction() as session:
        alert_ids = set(
            session.scalars(
                update(AlertDelivery)
                .where(
                    AlertDelivery.status == "pending",
                    (AlertDelivery.next_attempt_at.is_(None))
                    | (AlertDelivery.next_attempt_at <= now),
                    (AlertDelivery.queued_at.is_(None))
                    | (AlertDelivery.queued_at < now - REQUEUE_AFTER),
                )
                .values(queued_at=now)
                .returning(AlertDelivery.alert_id)
                .execution_options(synchronize_session=False)
            )
        )
    return sum(1 for alert_id in sorted(alert_ids) if queue_alert(alert_id))


@dataclass
class AlertRound:
    """One alert round as the reply page shows it."""

    id: int
    round: int
    status: str
    created_at: datetime
    deliveries: list[AlertDelivery] = field(default_factory=list)


def alert_history(session: Session, reply_id: int) -> list[AlertRound]:
    """Every alert round about a reply, oldest first, with its deliveries."""
    rounds = [
        AlertRound(a.id, a.round, a.status, a.created_at)
        for a in session.scalars(
            select(Alert).where(Alert.reply_id == reply_id).order_by(Alert.round)
        )
    ]
    by_id = {r.id: r for r in rounds}
    if by_id:
        for delivery in session.scalars(
            select(AlertDelivery)
            .where(AlertDelivery.alert_id.in_(list(by_id)))
            .order_by(AlertDelivery.id)
        ):
            by_id[delivery.alert_id].deliveries.append(delivery)
    return rounds
