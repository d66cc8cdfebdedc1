"""Only the carrier's signed callbacks change anything; the signature covers the public URL."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from messaging.db import db
from messaging.models import DeliveryEvent, OutboxMessage, Reply
from tests.messaging.inbound.webhooks.conftest import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.messaging.inbound.webhooks.helpers import (
    inbound_params,
    make_campaign,
    make_outbox,
    new_sid,
    post_signed,
    sign,
    status_params,
)
from tests.support.factories import make_contacts, make_line, make_user

STATUS = "/webhooks/twilio/status"
INBOUND = "/webhooks/twilio/inbound"


@pytest.fixture
def message(app: Flask) -> OutboxMessage:
    make_user(role="officer")
    line = make_line()
    (row,) = make_outbox(make_campaign([line]), make_contacts(line, ["07700 900123"]))
    return row


def _nothing_changed(message: OutboxMessage) -> bool:
    db.session.expire_all()
    return (
        db.session.get(OutboxMessage, message.id).status == "queued"
        and db.session.scalar(select(func.count()).select_from(DeliveryEvent)) == 0
    )


def test_a_correctly_signed_callback_is_applied(client: FlaskClient, message: OutboxMessage):
    response = post_signed(client, STATUS, status_params(message.provider_id, "delivered"))
    assert response.status_code == 204
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "delivered"
    event = db.session.scalar(select(DeliveryEvent))
    assert (event.status, event.outbox_id, event.applied) == ("delivered", message.id, True)


def test_a_callback_without_a_signature_is_refused_and_changes_nothing(
    client: FlaskClient, message: OutboxMessage
):
    response = client.post(STATUS, data=status_params(message.provider_id, "delivered"))
    assert response.status_code == 403
    assert _nothing_changed(message)


@pytest.mark.parametrize("signature", ["", "not-base64-at-all", "é" * 28, "A" * 5000])
def test_a_malformed_signature_is_refused(client: FlaskClient, message: OutboxMessage, signature):
    params = status_params(message.provider_id, "delivered")
    response = client.post(STATUS, data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert _nothing_changed(message)


def test_a_callback_signed_with_the_wrong_token_is_refused(
    client: FlaskClient, message: OutboxMessage
):
    params = status_params(message.provider_id, "delivered")
    response = post_signed(client, STATUS, params, token="not-" + AUTH_TOKEN)
    assert response.status_code == 403
    assert _nothing_changed(message)


def test_a_callback_with_a_tampered_field_is_refused(client: FlaskClient, message: OutboxMessage):
    signed = status_params(message.provider_id, "delivered")
    tampered = {**signed, "MessageStatus": "failed", "ErrorCode": "30003"}
    signature = sign(AUTH_TOKEN, PUBLIC_BASE_URL + STATUS, signed)
    response = client.post(STATUS, data=tampered, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert _nothing_changed(message)


def test_a_callback_signed_for_another_url_is_refused(client: FlaskClient, message: OutboxMessage):
    params = status_params(message.provider_id, "delivered")
    response = post_signed(client, STATUS, params, signed_url="https://attacker.example" + STATUS)
    assert response.status_code == 403
    assert _nothing_changed(message)


def test_behind_a_proxy_the_public_url_counts_not_the_host_and_scheme_the_app_sees(
    app: Flask, message: OutboxMessage
):
    # The proxy terminates TLS and passes its own Host: the app sees http://internal-app:8000.
    behind_proxy = app.test_client()
    params = status_params(message.provider_id, "sent")
    seen_url = "http://internal-app:8000" + STATUS
    as_seen = behind_proxy.post(
        STATUS,
        base_url="http://internal-app:8000",
        data=params,
        headers={
            "X-Twilio-Signature": sign(AUTH_TOKEN, seen_url, params),
            "X-Forwarded-Proto": "https",
        },
    )
    assert as_seen.status_code == 403
    assert _nothing_changed(message)

    as_public = behind_proxy.post(
        STATUS,
        base_url="http://internal-app:8000",
        data=params,
        headers={
            "X-Twilio-Signature": sign(AUTH_TOKEN, PUBLIC_BASE_URL + STATUS, params),
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "pester.example.police.uk",
        },
    )
    assert as_public.status_code == 204
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "sent"


def test_the_query_string_is_part_of_what_is_signed(client: FlaskClient, message: OutboxMessage):
    params = status_params(message.provider_id, "sent")
    path = STATUS + "?campaign=7&attempt=1"
    without_query = client.post(
        path,
        data=params,
        headers={"X-Twilio-Signature": sign(AUTH_TOKEN, PUBLIC_BASE_URL + STATUS, params)},
    )
    assert without_query.status_code == 403
    with_query = client.post(
        path,
        data=params,
        headers={"X-Twilio-Signature": sign(AUTH_TOKEN, PUBLIC_BASE_URL + path, params)},
    )
    assert with_query.status_code == 204


def test_fields_the_carrier_adds_later_are_accepted_and_kept(
    client: FlaskClient, message: OutboxMessage
):
    params = {
        **status_params(message.provider_id, "delivered"),
        "RawDlrDoneDate": "2511251030",
        "ChannelToAddress": "+44770090XXXX",
        "SomeFieldFrom2031": "value",
    }
    assert post_signed(client, STATUS, params).status_code == 204
    event = db.session.scalar(select(DeliveryEvent))
    assert event.payload["SomeFieldFrom2031"] == "value"
    assert "To" not in event.payload and "From" not in event.payload  # no personal data kept


def test_a_request_too_large_is_refused_with_413_and_changes_nothing(
    client: FlaskClient, message: OutboxMessage
):
    params = {**status_params(message.provider_id, "delivered"), "Padding": "x" * 70_000}
    response = post_signed(client, STATUS, params)
    assert response.status_code == 413
    assert _nothing_changed(message)


def test_the_same_callback_twice_is_kept_twice_and_applied_once(
    client: FlaskClient, message: OutboxMessage
):
    params = status_params(message.provider_id, "delivered")
    assert post_signed(client, STATUS, params).status_code == 204
    assert post_signed(client, STATUS, params).status_code == 204
    events = db.session.scalars(select(DeliveryEvent).order_by(DeliveryEvent.id)).all()
    assert [e.applied for e in events] == [True, False]
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "delivered"


def test_an_unsigned_inbound_text_is_refused_and_not_stored(client: FlaskClient, app: Flask):
    params = inbound_params(new_sid(), "+447700900555", "STOP")
    response = client.post(INBOUND, data=params, headers={"X-Twilio-Signature": "bm90IGl0"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Reply)) == 0


def test_a_signed_inbound_text_is_answered_with_twiml(client: FlaskClient, app: Flask):
    response = post_signed(client, INBOUND, inbound_params(new_sid(), "+447700900555", "hello?"))
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.text.endswith("<Response></Response>")
    assert db.session.scalar(select(func.count()).select_from(Reply)) == 1
