"""What arrives from the carrier is audited (DPA 2018 s.62): a stored reply is collection,
numbers in it matched to known lines are combination, STOP / START / 21610 are alteration.
Entries hold ids, counts and labels, never numbers or text."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from messaging.db import db
from messaging.models import AuditEvent, Reply, Suppression
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
REPLIER = "+447700900461"
OTHER_LINES_CONTACT = "+447700900462"


def _entries(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def _text(client: FlaskClient, body: str) -> Reply:
    sid = new_sid()
    assert post_signed(client, INBOUND, inbound_params(sid, REPLIER, body)).status_code == 200
    return db.session.scalar(select(Reply).where(Reply.provider_id == sid))


def test_a_stored_reply_is_recorded_as_collection_with_ids_only(
    app: Flask, client: FlaskClient
) -> None:
    reply = _text(client, "who is this")
    (entry,) = _entries("reply_received")
    assert entry.category == "collection"
    assert entry.object_type == "reply" and entry.object_id == str(reply.id)
    assert entry.details["labels"] == ["wrong_number"]
    assert "who is this" not in str(entry.details)
    assert _entries("reply_numbers_linked") == []  # nothing written in it matched anything


def test_numbers_matched_to_another_lines_contacts_are_recorded_as_combination(
    app: Flask, client: FlaskClient
) -> None:
    make_user()
    other = make_line(reference="OP-OTHER")
    make_contacts(other, [OTHER_LINES_CONTACT])
    reply = _text(client, "new number is 07700 900462 and 07700 900999")
    (entry,) = _entries("reply_numbers_linked")
    assert entry.category == "combination"
    assert entry.object_id == str(reply.id)
    assert entry.details == {"known_lines": 0, "known_contacts": 1, "line_ids": [other.id]}
    assert "900462" not in str(entry.details)
    (received,) = _entries("reply_received")
    assert received.details["numbers_mentioned"] == 2


def test_stop_and_start_replies_are_recorded_as_alterations(
    app: Flask, client: FlaskClient
) -> None:
    stop = _text(client, "STOP")
    start = _text(client, "START")
    row = db.session.scalar(select(Suppression))
    added, lifted = _entries("opt_out_added"), _entries("opt_out_lifted")
    assert [(e.category, e.object_id) for e in added + lifted] == [
        ("alteration", str(row.id)),
        ("alteration", str(row.id)),
    ]
    assert added[0].details == {"source": "reply", "source_detail": f"reply {stop.id}"}
    assert lifted[0].details == {"source": "reply", "source_detail": f"reply {start.id}"}


def test_the_carriers_21610_is_recorded_as_an_alteration(app: Flask, client: FlaskClient) -> None:
    make_user()
    line = make_line()
    (contact,) = make_contacts(line, [REPLIER])
    (sent,) = make_outbox(make_campaign([line]), [contact])
    params = status_params(sent.provider_id, "failed", error_code=21610)
    assert post_signed(client, "/webhooks/twilio/status", params).status_code == 204
    (entry,) = _entries("opt_out_added")
    assert entry.category == "alteration" and entry.details["source"] == "error_code"
    assert REPLIER not in str(entry.details) and REPLIER[3:] not in str(entry.details)


def test_opt_outs_people_add_by_hand_are_left_to_the_view_to_audit(app: Flask) -> None:
    from messaging.audience.suppression import add_by_hand

    analyst = make_user(role="analyst")
    add_by_hand(db.session, REPLIER, actor_id=analyst.id, reason="asked by phone to the team")
    db.session.commit()
    # the view records who did it and from where; the model adds no anonymous duplicate
    assert _entries("opt_out_added") == []
