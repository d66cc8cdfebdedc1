"""The opt-out list on the web: by-hand additions, and an admin's undo with a reason."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from messaging.audience.suppression import blocked_hashes
from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.models import OutboxMessage, Suppression, SuppressionEvent
from tests.campaigns.replies.helpers import audit_entries, sign_in, store_reply
from tests.conftest import csrf_token
from tests.messaging.inbound.webhooks.helpers import make_campaign, make_outbox
from tests.support.factories import make_contacts, make_line, make_user

NUMBER = "+447700900801"


def _client(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, make_user(role=role))
    return client


def _add(client: FlaskClient, number: str, reason: str):
    page = client.get("/opt-outs/")
    return client.post(
        "/opt-outs/add",
        data={"csrf_token": csrf_token(page.text), "number": number, "reason": reason},
        follow_redirects=True,
    )


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_an_analyst_or_admin_adds_a_number_by_hand_and_its_queued_texts_stop(
    app: Flask, role: str
) -> None:
    make_user()
    line = make_line()
    (contact,) = make_contacts(line, [NUMBER])
    (queued,) = make_outbox(make_campaign([line]), [contact], status="pending")
    client = _client(app, role)
    page = _add(client, "07700 900801", "Phoned the force control room asking for no texts")
    assert "Number opted out" in page.text
    assert blocked_hashes(db.session, [lookup_hash(NUMBER)]) == {lookup_hash(NUMBER)}
    db.session.expire_all()
    assert db.session.get(OutboxMessage, queued.id).status == "suppressed"
    event = db.session.scalar(select(SuppressionEvent))
    assert (event.source, event.actor_id) == ("manual", event.actor_id)
    assert event.actor_id is not None and "control room" in event.reason
    assert [e.category for e in audit_entries("opt_out_added")] == ["alteration"]


@pytest.mark.parametrize(
    ("number", "reason", "message"),
    [
        ("not a number", "asked by email", "That is not a valid phone number."),
        ("07700 900801", "", "Give a reason"),
    ],
)
def test_a_bad_addition_gets_a_clear_message(app: Flask, number, reason, message) -> None:
    page = _add(_client(app, "analyst"), number, reason)
    assert message in page.text
    assert db.session.scalar(select(Suppression)) is None


def test_an_admin_lifts_an_opt_out_with_a_reason_and_can_reinstate_it(app: Flask) -> None:
    store_reply(NUMBER, "STOP")
    row = db.session.scalar(select(Suppression))
    admin = _client(app, "admin")
    page = admin.get(f"/opt-outs/{row.id}")
    assert "Lift this opt-out" in page.text
    token = csrf_token(page.text)

    refused = admin.post(
        f"/opt-outs/{row.id}/lift", data={"csrf_token": token, "reason": ""}, follow_redirects=True
    )
    assert "Give a reason" in refused.text
    db.session.expire_all()
    assert db.session.get(Suppression, row.id).active is True

    admin.post(
        f"/opt-outs/{row.id}/lift",
        data={"csrf_token": token, "reason": "STOP was sent by a child playing with the phone"},
    )
    db.session.expire_all()
    assert db.session.get(Suppression, row.id).active is False
    admin.post(
        f"/opt-outs/{row.id}/reinstate",
        data={"csrf_token": token, "reason": "Parent confirmed they do want the opt-out"},
    )
    db.session.expire_all()
    assert db.session.get(Suppression, row.id).active is True
    history = db.session.scalars(select(SuppressionEvent).order_by(SuppressionEvent.id)).all()
    assert [(e.action, e.source) for e in history] == [
        ("suppress", "reply"),
        ("unsuppress", "admin"),
        ("suppress", "admin"),
    ]
    assert "child playing" in history[1].reason
    assert [e.reason for e in audit_entries("opt_out_lifted")] == [
        "STOP was sent by a child playing with the phone"
    ]
    shown = admin.get(f"/opt-outs/{row.id}").text
    assert "child playing" in shown and "Parent confirmed" in shown


def test_an_analyst_cannot_undo_an_opt_out(app: Flask) -> None:
    store_reply(NUMBER, "STOP")
    row = db.session.scalar(select(Suppression))
    analyst = _client(app, "analyst")
    page = analyst.get(f"/opt-outs/{row.id}")
    assert page.status_code == 200 and "Lift this opt-out" not in page.text
    response = analyst.post(
        f"/opt-outs/{row.id}/lift", data={"csrf_token": csrf_token(page.text), "reason": "mistake"}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Suppression, row.id).active is True


@pytest.mark.parametrize("role", ["officer", "supervisor"])
def test_officers_and_supervisors_do_not_manage_opt_outs(app: Flask, role: str) -> None:
    assert _client(app, role).get("/opt-outs/").status_code == 403


def test_the_list_shows_and_finds_opt_outs(app: Flask) -> None:
    store_reply(NUMBER, "STOP")
    store_reply("+447700900802", "stop texting me")
    client = _client(app, "analyst")
    page = client.get("/opt-outs/")
    assert "2 opt-outs" in page.text and NUMBER in page.text
    found = client.get("/opt-outs/?q=07700+900802")
    assert "1 opt-out." in found.text and "+447700900802" in found.text and NUMBER not in found.text
    assert [e.category for e in audit_entries("opt_outs_viewed")] == ["consultation"] * 2
