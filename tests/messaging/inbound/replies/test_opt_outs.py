"""Opt-outs end to end through the signed webhooks: STOP however it is written, START, 21610.

The 60-case phrasing table lives with the keyword module (tests/messaging/test_reply_keywords);
these check that a handful of phrasings reach the suppression list through the real path.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from messaging.audience.suppression import blocked_hashes
from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.models import OutboxMessage, Suppression, SuppressionEvent
from tests.messaging.inbound.webhooks.helpers import (
    inbound_params,
    make_campaign,
    make_outbox,
    new_sid,
    post_signed,
    status_params,
)
from tests.support.factories import make_contacts, make_line, make_user

INBOUND = "/webhooks/twilio/inbound"
STATUS = "/webhooks/twilio/status"
REPLIER = "+447700900401"
BYSTANDER = "+447700900402"


@pytest.fixture
def texts(app: Flask) -> dict[str, list[OutboxMessage]]:
    """The replier got a text; another campaign still has texts queued for them and for a
    bystander."""
    make_user()
    line = make_line()
    replier, bystander = make_contacts(line, [REPLIER, BYSTANDER])
    sent = make_outbox(make_campaign([line], name="sent"), [replier])
    queued = make_outbox(make_campaign([line], name="next"), [replier, bystander], status="pending")
    return {"sent": sent, "queued": queued}


def _reply(client: FlaskClient, body: str, from_: str = REPLIER):
    response = post_signed(client, INBOUND, inbound_params(new_sid(), from_, body))
    assert response.status_code == 200
    return response


def _statuses(rows: list[OutboxMessage]) -> list[str]:
    db.session.expire_all()
    return [db.session.get(OutboxMessage, r.id).status for r in rows]


@pytest.mark.parametrize(
    ("body", "opts_out"),
    [
        ("STOP", True),
        ("Stop!!", True),
        ("stop.", True),
        ("please stop texting me", True),
        ("remove me", True),
        ("UNSUBSCRIBE", True),
        ("don't stop helping me", False),
        ("I can't stop using, can you help", False),
        ("who is this?", False),
    ],
)
def test_opt_out_phrasing_reaches_the_global_list_and_cancels_queued_texts(
    client: FlaskClient, texts: dict, body: str, opts_out: bool
) -> None:
    _reply(client, body)
    suppression = db.session.scalar(
        select(Suppression).where(Suppression.phone_hash == lookup_hash(REPLIER))
    )
    assert (suppression is not None and suppression.active) is opts_out
    assert _statuses(texts["queued"]) == (
        ["suppressed", "pending"] if opts_out else ["pending"] * 2
    )
    if opts_out:
        event = db.session.scalar(select(SuppressionEvent))
        assert (event.action, event.source) == ("suppress", "reply")
        assert event.at is not None
        assert blocked_hashes(db.session, [lookup_hash(REPLIER)]) == {lookup_hash(REPLIER)}


@pytest.mark.postgres
@pytest.mark.parametrize("word", ["START", "unstop", "Yes"])
def test_start_unstop_and_yes_lift_the_opt_out(client: FlaskClient, texts: dict, word: str) -> None:
    _reply(client, "STOP")
    _reply(client, word)
    suppression = db.session.scalar(select(Suppression))
    db.session.refresh(suppression)
    assert suppression.active is False
    events = db.session.scalars(select(SuppressionEvent).order_by(SuppressionEvent.id)).all()
    assert [(e.action, e.source) for e in events] == [
        ("suppress", "reply"),
        ("unsuppress", "reply"),
    ]
    assert blocked_hashes(db.session, [lookup_hash(REPLIER)]) == set()
    # texts cancelled by the opt-out stay cancelled: lifting it never sends them after all
    assert _statuses(texts["queued"]) == ["suppressed", "pending"]


def test_yes_please_help_is_not_a_resubscription(client: FlaskClient, texts: dict) -> None:
    _reply(client, "STOP")
    _reply(client, "yes please help")
    assert db.session.scalar(select(Suppression.active)) is True


@pytest.mark.postgres
def test_error_21610_in_a_status_callback_suppresses_the_number(
    client: FlaskClient, texts: dict
) -> None:
    (sent,) = texts["sent"]
    params = status_params(sent.provider_id, "failed", error_code=21610)
    assert post_signed(client, STATUS, params).status_code == 204
    suppression = db.session.scalar(select(Suppression))
    assert (suppression.active, suppression.source) == (True, "error_code")
    assert "21610" in suppression.source_detail
    assert _statuses(texts["queued"]) == ["suppressed", "pending"]


def test_other_error_codes_do_not_suppress(client: FlaskClient, texts: dict) -> None:
    (sent,) = texts["sent"]
    params = status_params(sent.provider_id, "undelivered", error_code=30003)
    assert post_signed(client, STATUS, params).status_code == 204
    assert db.session.scalar(select(Suppression)) is None
