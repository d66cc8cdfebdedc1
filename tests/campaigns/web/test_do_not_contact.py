"""The do-not-contact list: normalised, encrypted, never shown in full, and never texted."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select, text

from messaging import runtime
from messaging.audience.recipients import RecipientsRule, count_recipients
from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.models import DoNotContact
from tests.campaigns.web.helpers import audit_actions, page_problems, post, sign_in, text_of
from tests.support.factories import make_contacts, make_line, make_user


def _admin(app: Flask):  # type: ignore[no-untyped-def]
    client = app.test_client()
    sign_in(client, make_user(role="admin"))
    return client


def test_a_number_is_normalised_stored_encrypted_and_shown_by_its_last_digits(app: Flask) -> None:
    client = _admin(app)
    response = post(
        client,
        "/admin/do-not-contact/add",
        {"number": "+44 (0)7700 900456", "reason": "DC Smith's work phone"},
        page="/admin/do-not-contact/",
    )
    assert response.status_code == 302
    entry = db.session.scalar(select(DoNotContact))
    assert entry.phone == "+447700900456"
    assert entry.phone_hash == lookup_hash("+447700900456")
    stored = db.session.execute(text("SELECT phone FROM do_not_contact")).scalar_one()
    assert b"7700900456" not in bytes(stored)
    page = client.get("/admin/do-not-contact/")
    assert "ending 456" in page.text
    for shown in ("7700900456", "7700 900456", "07700900", "900456"):
        assert shown not in page.text
    assert page_problems(page.text) == []
    assert "do_not_contact_added" in audit_actions(object_type="do_not_contact")
    assert all(
        "7700" not in str(d) for d in db.session.scalars(text("SELECT details FROM audit_events"))
    )


def test_a_bad_number_and_a_missing_reason_are_explained(app: Flask) -> None:
    client = _admin(app)
    response = post(
        client,
        "/admin/do-not-contact/add",
        {"number": "call me maybe"},
        page="/admin/do-not-contact/",
    )
    assert response.status_code == 422
    assert 'href="#reason"' in response.text
    response = post(
        client,
        "/admin/do-not-contact/add",
        {"number": "12345", "reason": "test"},
        page="/admin/do-not-contact/",
    )
    assert response.status_code == 422
    assert "That is not a valid phone number." in text_of(response.text)
    assert db.session.scalar(select(DoNotContact)) is None


def test_a_listed_number_is_not_a_recipient(app: Flask) -> None:
    line = make_line()
    make_contacts(line, ["07700 900201", "07700 900202"])
    client = _admin(app)
    post(
        client,
        "/admin/do-not-contact/add",
        {"number": "07700900202", "reason": "Known victim"},
        page="/admin/do-not-contact/",
    )
    rule = RecipientsRule(line_ids=(line.id,), allow_drama=True)
    assert count_recipients(db.session, rule) == 1
    assert runtime.current().settings.sms_gateway == "sandbox"


def test_checking_and_removing_a_number(app: Flask) -> None:
    client = _admin(app)
    post(
        client,
        "/admin/do-not-contact/add",
        {"number": "07700 900301", "reason": "Officer"},
        page="/admin/do-not-contact/",
    )
    again = post(
        client,
        "/admin/do-not-contact/add",
        {"number": "+447700900301", "reason": "Officer"},
        page="/admin/do-not-contact/",
    )
    assert again.status_code == 302
    assert len(db.session.scalars(select(DoNotContact)).all()) == 1
    found = post(
        client,
        "/admin/do-not-contact/check",
        {"check_number": "7700 900301"},
        page="/admin/do-not-contact/",
    )
    assert "is on the list" in text_of(found.text)
    missing = post(
        client,
        "/admin/do-not-contact/check",
        {"check_number": "07700 900302"},
        page="/admin/do-not-contact/",
    )
    assert "is not on the list" in text_of(missing.text)
    entry = db.session.scalar(select(DoNotContact))
    refused = post(client, f"/admin/do-not-contact/{entry.id}/remove", {"reason": ""})
    assert refused.status_code == 422
    assert 'id="reason-error"' in refused.text
    removed = post(client, f"/admin/do-not-contact/{entry.id}/remove", {"reason": "Left the force"})
    assert removed.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(DoNotContact)) is None
    actions = audit_actions(object_type="do_not_contact")
    assert "do_not_contact_checked" in actions and "do_not_contact_removed" in actions
