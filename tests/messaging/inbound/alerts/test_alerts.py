"""A reply in the risk queue alerts the on-call contact by e-mail and signed webhook, from
an RQ job, with nothing of the number or the text; repeats until someone marks it handled."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from messaging.db import db, utcnow
from messaging.inbound.alerts import alert_tick
from messaging.models import Alert, AlertAttempt, AlertDelivery, AuditEvent, Reply
from messaging.notify import SIGNATURE_HEADER, verify
from messaging.tenancy import acting_for
from tests.messaging.inbound.alerts.conftest import (
    ON_CALL,
    PUBLIC_BASE_URL,
    RISK_TEXT,
    WEBHOOK_SECRET,
    number_forms,
    reply_from,
    words_of,
    work,
)
from tests.messaging.inbound.webhooks.helpers import make_campaign, make_outbox
from tests.support.factories import login, make_contacts, make_force, make_line, make_user
from tests.support.receivers import SmtpSink, WebhookSink


def _deliveries(reply_id: int) -> list[AlertDelivery]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AlertDelivery)
            .join(Alert, Alert.id == AlertDelivery.alert_id)
            .where(Alert.reply_id == reply_id)
            .order_by(AlertDelivery.id)
        )
    )


@pytest.mark.postgres
def test_a_risk_reply_is_alerted_by_email_and_webhook_from_a_job_not_the_request(
    client: FlaskClient, texted: str, smtp: SmtpSink, hook: WebhookSink
) -> None:
    reply = reply_from(client, texted, RISK_TEXT)
    # The webhook request only stored the alert and queued its job: nothing went yet.
    assert smtp.received == [] and hook.received == []
    assert [(d.channel, d.status) for d in _deliveries(reply.id)] == [
        ("email", "pending"),
        ("webhook", "pending"),
    ]
    work()
    assert len(smtp.received) == 1 and len(hook.received) == 1
    mail = smtp.received[0]
    assert sorted(mail.rcpt_tos) == sorted(ON_CALL)
    text = mail.message.get_payload(decode=True).decode()
    assert f"Reply:     {reply.id}" in text
    assert f"{PUBLIC_BASE_URL}/replies/{reply.id}" in text
    assert "overdose" in text
    post = hook.received[0]
    payload = verify(WEBHOOK_SECRET, post.body, post.headers[SIGNATURE_HEADER])
    assert payload["reply_id"] == reply.id and payload["risk_kinds"] == ["overdose"]
    assert payload["url"] == f"{PUBLIC_BASE_URL}/replies/{reply.id}"
    assert payload["received_at"] == reply.received_at.isoformat()
    assert [d.status for d in _deliveries(reply.id)] == ["sent", "sent"]
    alert = db.session.scalar(select(Alert).where(Alert.reply_id == reply.id))
    assert alert.status == "sent" and alert.round == 1
    audits = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "risk_alert_sent")
    ).all()
    assert sorted(a.details["channel"] for a in audits) == ["email", "webhook"]
    assert {a.category for a in audits} == {"disclosure"}
    assert {a.object_id for a in audits} == {str(reply.id)}


def test_no_byte_of_an_alert_holds_the_number_or_the_words_of_the_reply(
    client: FlaskClient, texted: str, smtp: SmtpSink, hook: WebhookSink
) -> None:
    reply = reply_from(client, texted, RISK_TEXT)
    work()
    sent = [m.data for m in smtp.received] + [p.body for p in hook.received]
    sent += [json.dumps(p.headers).encode() for p in hook.received]
    assert len(sent) == 3
    forbidden = number_forms(texted) + words_of(RISK_TEXT)
    assert "Dave" in forbidden and "breathing" in forbidden
    for blob in sent:
        text = blob.decode("utf-8", "replace")
        for item in forbidden:
            assert item.lower() not in text.lower(), f"{item!r} leaked into an alert"
    audits = db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == str(reply.id)))
    for entry in audits:
        dumped = json.dumps([entry.details, entry.recipient, entry.reason])
        assert not any(item in dumped for item in [*number_forms(texted), "Dave", "breathing"])


def test_a_reply_that_is_not_a_risk_disclosure_alerts_nobody(
    client: FlaskClient, texted: str, smtp: SmtpSink, hook: WebhookSink
) -> None:
    reply_from(client, texted, "who is this?")
    reply_from(client, texted, "where can I get help with my drinking")
    work()
    alert_tick()
    work()
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 0
    assert smtp.received == [] and hook.received == []


def test_a_duplicate_webhook_opens_no_second_alert(
    client: FlaskClient, texted: str, smtp: SmtpSink
) -> None:
    from tests.messaging.inbound.webhooks.helpers import inbound_params, post_signed

    params = inbound_params("SM" + "d" * 32, texted, RISK_TEXT)
    for _ in range(3):
        assert post_signed(client, "/webhooks/twilio/inbound", params).status_code == 200
    work()
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 1
    assert len(smtp.received) == 1


def _age_alerts(minutes: float) -> None:
    """Time passes: every alert so far was opened ``minutes`` ago."""
    db.session.execute(update(Alert).values(created_at=utcnow() - timedelta(minutes=minutes)))
    db.session.commit()


@pytest.mark.postgres
def test_an_unhandled_reply_is_alerted_again_every_interval_until_marked_handled(
    app, client: FlaskClient, texted: str, smtp: SmtpSink, hook: WebhookSink
) -> None:  # type: ignore[no-untyped-def]
    reply = reply_from(client, texted, RISK_TEXT)
    work()
    assert alert_tick()["repeats"] == 0  # not yet 15 minutes
    _age_alerts(16)
    assert alert_tick()["repeats"] == 1
    work()
    assert len(smtp.received) == 2 and len(hook.received) == 2
    assert "reminder 1" in smtp.received[1].message["Subject"]
    assert json.loads(hook.received[1].body)["round"] == 2
    assert alert_tick()["repeats"] == 0  # the new round restarted the interval

    analyst = make_user(role="analyst")
    login(client, analyst)
    from tests.conftest import csrf_token

    page = client.get(f"/replies/{reply.id}")
    assert "Alerts" in page.text and "round 2" in page.text
    response = client.post(
        f"/replies/{reply.id}/handled", data={"csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 302
    assert "Handled in" in client.get("/replies/").text  # the log shows time-to-handle
    _age_alerts(60)
    assert alert_tick()["repeats"] == 0
    work()
    assert len(smtp.received) == 2 and len(hook.received) == 2
    rounds = db.session.scalars(select(Alert.round).where(Alert.reply_id == reply.id)).all()
    assert sorted(rounds) == [1, 2]


def test_a_round_not_yet_sent_when_the_reply_is_handled_is_stood_down(
    client: FlaskClient, texted: str, smtp: SmtpSink, hook: WebhookSink
) -> None:
    reply = reply_from(client, texted, RISK_TEXT)
    db.session.execute(update(Reply).where(Reply.id == reply.id).values(handled_at=utcnow()))
    db.session.commit()
    work()
    assert smtp.received == [] and hook.received == []
    assert {d.status for d in _deliveries(reply.id)} == {"stood_down"}
    assert db.session.scalar(select(Alert.status)) == "stood_down"


@pytest.mark.postgres
def test_two_workers_ticking_at_once_open_each_repeat_once(
    client: FlaskClient, texted: str
) -> None:
    reply = reply_from(client, texted, RISK_TEXT)
    work()
    _age_alerts(20)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def tick() -> None:
        try:
            barrier.wait()
            alert_tick()
        except BaseException as exc:  # pragma: no cover (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.expire_all()
    rounds = db.session.scalars(select(Alert.round).where(Alert.reply_id == reply.id)).all()
    assert sorted(rounds) == [1, 2]


def test_an_smtp_server_saying_try_later_is_tried_again_with_backoff(
    client: FlaskClient, texted: str, smtp: SmtpSink, hook: WebhookSink
) -> None:
    smtp.refuse_next = 2
    reply = reply_from(client, texted, RISK_TEXT)
    work()
    email = _deliveries(reply.id)[0]
    assert email.status == "pending" and email.attempts == 1 and email.last_error == "SMTP 451"
    assert email.next_attempt_at > utcnow()
    assert alert_tick()["queued"] == 0  # not due yet
    for expected_attempts in (2, 3):
        db.session.execute(update(AlertDelivery).values(next_attempt_at=utcnow()))
        db.session.commit()  # the backoff has passed
        assert alert_tick()["queued"] == 1
        work()
        assert _deliveries(reply.id)[0].attempts == expected_attempts
    assert [d.status for d in _deliveries(reply.id)] == ["sent", "sent"]
    assert len(smtp.received) == 1
    outcomes = db.session.scalars(
        select(AlertAttempt.ok)
        .where(AlertAttempt.delivery_id == email.id)
        .order_by(AlertAttempt.id)
    ).all()
    assert outcomes == [False, False, True]


def test_a_webhook_refusing_the_signature_is_given_up_and_audited(
    client: FlaskClient, texted: str, hook: WebhookSink
) -> None:
    hook.status = 401
    reply = reply_from(client, texted, RISK_TEXT)
    work()
    webhook = _deliveries(reply.id)[1]
    assert webhook.status == "failed" and webhook.last_error == "HTTP 401"
    assert db.session.scalar(select(Alert.status)) == "failed"
    failed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "risk_alert_failed"))
    assert failed.details["channel"] == "webhook" and failed.details["error"] == "HTTP 401"


def test_a_delivery_whose_worker_died_mid_send_is_sent_once_its_lease_ends(
    client: FlaskClient, texted: str, smtp: SmtpSink
) -> None:
    reply = reply_from(client, texted, RISK_TEXT)
    db.session.execute(
        update(AlertDelivery).values(
            status="sending", attempts=1, lease_until=utcnow() - timedelta(seconds=1)
        )
    )  # as a worker killed between its claim and the SMTP session leaves it
    db.session.commit()
    stats = alert_tick()
    assert stats["leases_expired"] == 2 and stats["queued"] == 1
    work()
    assert [d.status for d in _deliveries(reply.id)] == ["sent", "sent"]
    assert len(smtp.received) == 1


def test_a_job_lost_with_redis_is_queued_again_by_the_tick(
    client: FlaskClient, texted: str, smtp: SmtpSink, redis
) -> None:  # type: ignore[no-untyped-def]
    reply = reply_from(client, texted, RISK_TEXT)
    redis.flushdb()  # the queued job is gone
    work()
    assert smtp.received == []
    assert alert_tick()["queued"] == 0  # queued moments ago: give its job a chance
    db.session.execute(update(AlertDelivery).values(queued_at=utcnow() - timedelta(seconds=31)))
    db.session.commit()
    assert alert_tick()["queued"] == 1
    work()
    assert len(smtp.received) == 1
    assert {d.status for d in _deliveries(reply.id)} == {"sent"}


@pytest.mark.postgres
def test_an_alert_goes_to_its_forces_on_call_address_else_to_the_configured_one(
    client: FlaskClient, smtp: SmtpSink, hook: WebhookSink
) -> None:
    numbers = {"KNT": "+447700900311", "ESX": "+447700900312"}
    for code, on_call in (("KNT", "duty-desk@kent.test"), ("ESX", "")):
        force = make_force(code, on_call_email=on_call)
        with acting_for(force.id):
            officer = make_user(role="officer", force=force)
            line = make_line(force=force)
            make_outbox(make_campaign([line], user=officer), make_contacts(line, [numbers[code]]))
    replies = {code: reply_from(client, number, RISK_TEXT) for code, number in numbers.items()}
    work()
    by_reply = {int(m.message["X-Pester-Alert"]): m for m in smtp.received}
    alerts = {
        code: db.session.scalar(select(Alert).where(Alert.reply_id == reply.id))
        for code, reply in replies.items()
    }
    assert by_reply[alerts["KNT"].id].rcpt_tos == ["duty-desk@kent.test"]
    assert sorted(by_reply[alerts["ESX"].id].rcpt_tos) == sorted(ON_CALL)
    for code, reply in replies.items():
        assert alerts[code].force_id == reply.force_id
        rows = [*_deliveries(reply.id)]
        rows += db.session.scalars(
            select(AlertAttempt).where(AlertAttempt.delivery_id.in_([d.id for d in rows]))
        ).all()
        assert {row.force_id for row in rows} == {reply.force_id}
        mail = by_reply[alerts[code].id].message.get_payload(decode=True).decode()
        assert f"Force:     {code}" in mail
    targets = {d.target.split(" via ")[0] for d in _deliveries(replies["KNT"].id)}
    assert "duty-desk@kent.test" in targets
    codes = sorted(json.loads(p.body)["force"] for p in hook.received)
    assert codes == ["ESX", "KNT"]
    sent = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "risk_alert_sent"))
    assert {(e.object_id, e.force_id) for e in sent} == {
        (str(r.id), r.force_id) for r in replies.values()
    }
