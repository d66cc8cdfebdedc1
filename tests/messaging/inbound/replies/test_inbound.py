"""Inbound replies through the signed webhook: stored once, linked to what they answer."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from messaging import delivery_status as ds
from messaging.db import db
from messaging.inbound.replies import HELP_TEXT
from messaging.models import Reply, ReplyNumber, Service
from tests.messaging.inbound.webhooks.helpers import (
    inbound_params,
    make_campaign,
    make_outbox,
    new_sid,
    post_signed,
)
from tests.support.factories import make_contacts, make_line, make_user

INBOUND = "/webhooks/twilio/inbound"


def reply_in(client: FlaskClient, from_: str, body: str, *, to: str = "+447700900000", sid=None):
    response = post_signed(client, INBOUND, inbound_params(sid or new_sid(), from_, body, to=to))
    assert response.status_code == 200, response.text
    return response


@pytest.mark.postgres
def test_a_reply_is_stored_against_the_line_campaign_and_message_it_answers(
    client: FlaskClient, app: Flask
) -> None:
    make_user()
    first, second = make_line(name="Tony"), make_line(name="Jay")
    number = "+447700900201"
    (on_first,) = make_contacts(first, [number])
    (on_second,) = make_contacts(second, [number])
    from_a = make_campaign([first], name="A", sender="+447700900001")
    from_b = make_campaign([second], name="B", sender="+447700900002")
    (message_a,) = make_outbox(from_a, [on_first])
    (message_b,) = make_outbox(from_b, [on_second])

    reply_in(client, "07700 900201", "who is this?", to="+447700900001")
    reply_in(client, number, "who gave you my number", to="+447700900002")

    stored = db.session.scalars(select(Reply).order_by(Reply.id)).all()
    assert [(r.line_id, r.campaign_id, r.outbox_id) for r in stored] == [
        (first.id, from_a.id, message_a.id),
        (second.id, from_b.id, message_b.id),
    ]
    assert stored[0].phone == number  # normalised to E.164 before hashing and storing
    assert "wrong_number" in stored[0].labels
    assert stored[0].why["wrong_number"]


@pytest.mark.postgres
def test_a_reply_that_comes_while_its_text_is_at_the_gateway_answers_that_text(
    client: FlaskClient, app: Flask
) -> None:
    make_user()
    line = make_line()
    texted, waiting = "+447700900211", "+447700900212"
    in_flight, queued = make_contacts(line, [texted, waiting])
    campaign = make_campaign([line])
    (claimed,) = make_outbox(campaign, [in_flight], status=ds.CLAIMED)  # no carrier id yet
    make_outbox(campaign, [queued], status=ds.PENDING)  # not yet at the gateway

    reply_in(client, texted, "who is this?")
    reply_in(client, waiting, "who is this?")

    stored = db.session.scalars(select(Reply).order_by(Reply.id)).all()
    assert [(r.line_id, r.campaign_id, r.outbox_id) for r in stored] == [
        (line.id, campaign.id, claimed.id),
        (line.id, None, None),  # a text not yet sent answers nothing
    ]


def test_the_same_inbound_message_twice_is_stored_once(client: FlaskClient, app: Flask) -> None:
    sid = new_sid()
    reply_in(client, "+447700900301", "HELP", sid=sid)
    again = reply_in(client, "+447700900301", "HELP", sid=sid)
    assert db.session.scalar(select(func.count()).select_from(Reply)) == 1
    assert "<Message>" not in again.text  # the help text is not sent twice


def test_help_gets_the_help_text_as_twiml(client: FlaskClient, app: Flask) -> None:
    response = reply_in(client, "+447700900302", "help")
    assert response.mimetype == "application/xml"
    assert "<Response><Message>" in response.text
    assert "FRANK 0300 123 6600" in response.text
    assert HELP_TEXT.startswith("This number")


def test_a_risk_disclosure_is_urgent_and_says_why(client: FlaskClient, app: Flask) -> None:
    reply_in(client, "+447700900303", "they're making me sell for them and i'm 14")
    reply = db.session.scalar(select(Reply))
    assert reply.urgent is True
    assert "risk_disclosure" in reply.labels
    assert any(
        "exploitation" in reason or "child" in reason for reason in reply.why["risk_disclosure"]
    )
    assert reply.handled_at is None


def test_a_reply_from_a_number_never_texted_is_kept_against_its_line(
    client: FlaskClient, app: Flask
) -> None:
    line = make_line()
    make_contacts(line, ["+447700900304"])
    reply_in(client, "+447700900304", "hello?")
    reply = db.session.scalar(select(Reply))
    assert (reply.line_id, reply.campaign_id, reply.outbox_id) == (line.id, None, None)


def test_our_own_numbers_quoted_back_are_not_intelligence(client: FlaskClient, app: Flask) -> None:
    make_user()
    line = make_line()
    (contact,) = make_contacts(line, ["+447700900305"])
    service = Service(name="Local CGL", phone="0161 496 0000")
    db.session.add(service)
    db.session.commit()
    campaign = make_campaign([line], sender="+447700900009")
    campaign.service_id = service.id
    db.session.commit()
    make_outbox(campaign, [contact])

    reply_in(
        client,
        "+447700900305",
        "is 0161 496 0000 really them? you can call me on 07700 900305, or ring 07700 900009",
        to="+447700900009",
    )
    assert db.session.scalar(select(func.count()).select_from(ReplyNumber)) == 0
    assert "supply_intel" not in db.session.scalar(select(Reply)).labels


def test_an_inbound_text_without_a_message_id_is_refused(client: FlaskClient, app: Flask) -> None:
    params = inbound_params("", "+447700900306", "hi")
    assert post_signed(client, INBOUND, params).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Reply)) == 0
