"""START / UNSTOP / YES lift only the opt-outs a person made themself.

Anyone holding a phone can text START. An opt-out an analyst or admin added by hand (the
person asked through another route), one an admin reinstated, and the do-not-contact list
must survive it; a STOP reply and the carrier's 21610 may be undone this way.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from messaging.audience.suppression import add_by_hand, blocked_hashes, lift, reinstate, suppress
from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.models import DoNotContact, Suppression, SuppressionEvent
from tests.messaging.inbound.webhooks.helpers import inbound_params, new_sid, post_signed
from tests.support.factories import make_user

INBOUND = "/webhooks/twilio/inbound"
NUMBER = "+447700900451"


def _text(client: FlaskClient, body: str) -> None:
    response = post_signed(client, INBOUND, inbound_params(new_sid(), NUMBER, body))
    assert response.status_code == 200


def _active() -> bool:
    db.session.expire_all()
    return db.session.scalar(select(Suppression.active))


@pytest.mark.postgres
@pytest.mark.parametrize("word", ["START", "unstop", "Yes"])
def test_a_start_reply_does_not_lift_an_opt_out_added_by_hand(
    app: Flask, client: FlaskClient, word: str
) -> None:
    analyst = make_user(role="analyst")
    add_by_hand(db.session, NUMBER, actor_id=analyst.id, reason="asked by phone to the team")
    db.session.commit()
    _text(client, word)
    assert _active() is True
    assert blocked_hashes(db.session, [lookup_hash(NUMBER)]) == {lookup_hash(NUMBER)}
    actions = db.session.scalars(select(SuppressionEvent.action)).all()
    assert actions == ["suppress"]


def test_a_start_reply_does_not_lift_an_opt_out_an_admin_reinstated(
    app: Flask, client: FlaskClient
) -> None:
    admin = make_user(role="admin")
    _text(client, "STOP")
    row = db.session.scalar(select(Suppression))
    lift(db.session, row.id, actor_id=admin.id, reason="lifted in error, undoing")
    reinstate(db.session, row.id, actor_id=admin.id, reason="person confirmed they want out")
    db.session.commit()
    _text(client, "START")
    assert _active() is True


def test_a_start_reply_lifts_an_opt_out_from_the_carriers_21610(
    app: Flask, client: FlaskClient
) -> None:
    suppress(db.session, NUMBER, source="error_code", detail="21610 on message 1")
    db.session.commit()
    _text(client, "START")
    assert _active() is False


def test_a_start_reply_never_takes_a_number_off_the_do_not_contact_list(
    app: Flask, client: FlaskClient
) -> None:
    admin = make_user(role="admin")
    db.session.add(
        DoNotContact(
            phone_hash=lookup_hash(NUMBER),
            phone=NUMBER,
            reason="known victim",
            added_by_id=admin.id,
        )
    )
    db.session.commit()
    _text(client, "STOP")
    _text(client, "START")
    assert _active() is False  # their own STOP is undone …
    # … but the do-not-contact entry is untouched and still blocks every text.
    assert db.session.scalar(select(DoNotContact.id)) is not None
    assert blocked_hashes(db.session, [lookup_hash(NUMBER)]) == {lookup_hash(NUMBER)}
