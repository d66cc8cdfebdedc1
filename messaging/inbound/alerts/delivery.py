"""The alert job: send one alert round through each channel that is due, and record it.

Each delivery is claimed (``pending`` → ``sending`` with a lease) in one conditional
UPDATE, so two workers given the same alert never both send a channel; the SMTP session or
webhook request happens outside any transaction; then every attempt is recorded, the
delivery is marked sent, scheduled again with backoff, or given up after
``PESTER_ALERT_MAX_ATTEMPTS``, and what went (or was given up) is audited. A worker that
dies mid-send leaves the lease to run out; the alert tick then offers the delivery again
(an alert may then arrive twice, which is better than not at all: each carries its id).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from messaging import runtime
from messaging.config import Settings
from messaging.db import db, utcnow
from messaging.inbound.alerts.content import AlertFacts, email_spec, facts_for, webhook_payload
from messaging.models import Alert, AlertAttempt, AlertDelivery, Force, Reply
from messaging.notify import (
    DeliveryFailed,
    WebhookTarget,
    parse_smtp_url,
    post_json,
    send_email,
)
from messaging.records import audit

log = logging.getLogger(__name__)
EMAIL = "email"
WEBHOOK = "webhook"
BACKOFF_SECONDS = (5, 15, 30, 60, 120, 300)  # after the 1st, 2nd, … failed attempt
LEASE_MARGIN_SECONDS = 30
FINAL = ("sent", "failed", "stood_down")


@dataclass(frozen=True)
class _Claimed:
    id: int
    channel: str
    attempts: int


@dataclass(frozen=True)
class _Tried:
    delivery: _Claimed
    started_at: datetime
    finished_at: datetime
    error: str = ""
    retryable: bool = False

    @property
    def ok(self) -> bool:
        return not self.error


def backoff(attempts: int) -> timedelta:
    """How long to wait after ``attempts`` failed attempts before the next one."""
    return timedelta(seconds=BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])


@dataclass(frozen=True)
class ChannelTarget:
    """Where one force's alert goes through one channel."""

    channel: str
    recipients: tuple[str, ...]  # e-mail addresses; none for the webhook
    description: str  # as recorded on the delivery: never a password or a URL's query


def channel_targets(settings: Settings, *, on_call_email: str = "") -> list[ChannelTarget]:
    """Each configured channel's target for an alert of a force whose on-call address is
    ``on_call_email``: the e-mail goes there when the force has one, else to
    ``PESTER_ALERT_TO``; the webhook is the installation's. The one place that decides."""
    targets = []
    if settings.alert_smtp_url:
        to = (on_call_email,) if on_call_email else settings.alert_to
        server = parse_smtp_url(settings.alert_smtp_url).describe()
        targets.append(ChannelTarget(EMAIL, to, f"{', '.join(to)} via {server}"[:255]))
    if settings.alert_webhook_url:
        webhook = WebhookTarget(settings.alert_webhook_url, settings.alert_webhook_secret)
        targets.append(ChannelTarget(WEBHOOK, (), webhook.describe()[:255]))
    return targets


def deliver_alert(alert_id: int) -> dict[str, int]:
    """RQ job: send alert ``alert_id`` through each channel still due. Safe to run twice."""
    settings = runtime.current().settings
    with db.transaction() as session:
        found = _facts(session, alert_id, settings)
        if found is None:
            return {"claimed": 0}
        facts, on_call_email = found
        if facts.handled:
            stood_down = stand_down(session, [alert_id])
            return {"claimed": 0, "stood_down": stood_down}
        lease = timedelta(seconds=2 * settings.alert_timeout_s + LEASE_MARGIN_SECONDS)
        claimed = _claim(session, alert_id, utcnow() + lease)
    targets = {t.channel: t for t in channel_targets(settings, on_call_email=on_call_email)}
    tried = [_try(delivery, facts, targets.get(delivery.channel), settings) for delivery in claimed]
    with db.transaction() as session:
        _record(session, facts, tried, settings)
    counts = {"claimed": len(claimed), "sent": sum(1 for t in tried if t.ok)}
    log.info("alert %s (reply %s): %s", alert_id, facts.reply_id, counts)
    return counts


def _facts(session: Session, alert_id: int, settings: Settings) -> tuple[AlertFacts, str] | None:
    """What the alert says, and its force's on-call address ("" when it has none)."""
    row = session.execute(
        select(
            Alert.round,
            Reply.id,
            Reply.risk_kinds,
            Reply.received_at,
            Reply.handled_at,
            Force.code,
            Force.on_call_email,
        )
        .join(Reply, Reply.id == Alert.reply_id)
        .outerjoin(Force, Force.id == Alert.force_id)
        .where(Alert.id == alert_id)
    ).first()
    if row is None:
        log.warning("alert %s not found", alert_id)
        return None
    facts = facts_for(
        alert_id=alert_id,
        reply_id=row.id,
        round_=row.round,
        risk_kinds=row.risk_kinds,
        received_at=row.received_at,
        handled=row.handled_at is not None,
        force_code=row.code or "",
        public_base_url=settings.public_base_url,
        repeat_minutes=settings.alert_repeat_minutes,
    )
    return facts, (row.on_call_email or "").strip()


def _claim(session: Session, alert_id: int, lease_until: datetime) -> list[_Claimed]:
    now = utcnow()
    rows = session.execute(
        update(AlertDelivery)
        .where(
            AlertDelivery.alert_id == alert_id,
            AlertDelivery.status == "pending",
            (AlertDelivery.next_attempt_at.is_(None)) | (AlertDelivery.next_attempt_at <= now),
        )
        .values(status="sending", lease_until=lease_until, attempts=AlertDelivery.attempts + 1)
        .returning(AlertDelivery.id, AlertDelivery.channel, AlertDelivery.attempts)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted((_Claimed(*row) for row in rows), key=lambda c: c.id)


def _try(
    delivery: _Claimed, facts: AlertFacts, target: ChannelTarget | None, settings: Settings
) -> _Tried:
    """One attempt through one channel; never raises."""
    started = utcnow()
    try:
        if target is None:
            raise DeliveryFailed(f"channel {delivery.channel} is not configured", retryable=False)
        if delivery.channel == EMAIL:
            spec = email_spec(facts, sender=settings.alert_from, to=target.recipients)
            server = parse_smtp_url(settings.alert_smtp_url)
            send_email(server, spec, timeout=settings.alert_timeout_s)
        elif delivery.channel == WEBHOOK:
            webhook = WebhookTarget(settings.alert_webhook_url, settings.alert_webhook_secret)
            payload = webhook_payload(facts, delivery_id=delivery.id)
            post_json(webhook, payload, timeout=settings.alert_timeout_s)
        else:
            raise DeliveryFailed(f"channel {delivery.channel} is not configured", retryable=False)
    except DeliveryFailed as exc:
        log.warning(
            "alert %s: %s attempt %s failed (%s)",
            facts.alert_id,
            delivery.channel,
            delivery.attempts,
            exc.reason,
        )
        return _Tried(delivery, started, utcnow(), exc.reason, exc.retryable)
    except Exception as exc:  # a bug or a misconfiguration: recorded, tried again later
        log.exception("alert %s: %s attempt failed unexpectedly", facts.alert_id, delivery.channel)
        return _Tried(delivery, started, utcnow(), type(exc).__name__, True)
    return _Tried(delivery, started, utcnow())


def _record(session: Session, facts: AlertFacts, tried: list[_Tried], settings: Settings) -> None:
    now = utcnow()
    for attempt in tried:
        delivery = attempt.delivery
        session.add(
            AlertAttempt(
                delivery_id=delivery.id,
                started_at=attempt.started_at,
                finished_at=attempt.finished_at,
                ok=attempt.ok,
                error=attempt.error,
            )
        )
        again = attempt.retryable and delivery.attempts < settings.alert_max_attempts
        status = "sent" if attempt.ok else "pending" if again else "failed"
        session.execute(
            update(AlertDelivery)
            .where(AlertDelivery.id == delivery.id, AlertDelivery.status == "sending")
            .values(
                status=status,
                lease_until=None,
                queued_at=None,
                last_error=attempt.error,
                sent_at=now if attempt.ok else None,
                next_attempt_at=now + backoff(delivery.attempts) if again else None,
            )
            .execution_options(synchronize_session=False)
        )
    session.flush()
    finish_alerts(session, [facts.alert_id])
    for attempt in tried:  # the audit head is the last lock this transaction takes
        if (
            attempt.ok
            or attempt.delivery.attempts >= settings.alert_max_attempts
            or (not attempt.retryable)
        ):
            _audit(session, facts, attempt)


def _audit(session: Session, facts: AlertFacts, attempt: _Tried) -> None:
    target, force_id = session.execute(
        select(AlertDelivery.target, AlertDelivery.force_id).where(
            AlertDelivery.id == attempt.delivery.id
        )
    ).one()
    details: dict[str, object] = {
        "alert_id": facts.alert_id,
        "round": facts.round,
        "channel": attempt.delivery.channel,
        "attempts": attempt.delivery.attempts,
        "risk_kinds": list(facts.risk_kinds),
    }
    if not attempt.ok:
        details["error"] = attempt.error
    audit.append(
        session,
        category="disclosure",
        action="risk_alert_sent" if attempt.ok else "risk_alert_failed",
        actor=audit.WORKER_ACTOR,
        object_type="reply",
        object_id=facts.reply_id,
        recipient=target or attempt.delivery.channel,
        details=details,
        force_id=force_id,
    )


def stand_down(session: Session, alert_ids: list[int]) -> int:
    """Stop what is still waiting to go for these alerts (their reply was handled)."""
    if not alert_ids:
        return 0
    stood = session.execute(
        update(AlertDelivery)
        .where(AlertDelivery.alert_id.in_(alert_ids), AlertDelivery.status == "pending")
        .values(status="stood_down", next_attempt_at=None, queued_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    finish_alerts(session, alert_ids)
    return stood


def finish_alerts(session: Session, alert_ids: list[int]) -> None:
    """Close open alerts whose every delivery is final: sent, failed or stood down."""
    now = utcnow()
    for alert_id in alert_ids:
        statuses = set(
            session.scalars(select(AlertDelivery.status).where(AlertDelivery.alert_id == alert_id))
        )
        if not statuses <= set(FINAL):
            continue
        outcome = (
            "failed" if "failed" in statuses else "sent" if "sent" in statuses else ("stood_down")
        )
        session.execute(
            update(Alert)
            .where(Alert.id == alert_id, Alert.status == "open")
            .values(status=outcome, finished_at=now)
            .execution_options(synchronize_session=False)
        )
