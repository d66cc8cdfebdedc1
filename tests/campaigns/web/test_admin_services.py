"""The services directory: admins add, change and withdraw services campaigns can signpost."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from messaging.db import db
from messaging.models import Service
from tests.campaigns.web.helpers import (
    DRAMA,
    audit_actions,
    make_draft,
    page_problems,
    post,
    sign_in,
    version_id,
)
from tests.support.factories import make_contacts, make_line, make_service, make_user


def _admin(app: Flask):  # type: ignore[no-untyped-def]
    client = app.test_client()
    sign_in(client, make_user(role="admin"))
    return client


def test_a_service_needs_a_name_and_a_way_to_reach_it(app: Flask) -> None:
    client = _admin(app)
    response = post(client, "/admin/services/new", {"hours": "Mon-Fri 9am-5pm", "url": "not a url"})
    assert response.status_code == 422
    for field in ("name", "url"):
        assert f'href="#{field}"' in response.text
    assert 'value="Mon-Fri 9am-5pm"' in response.text
    no_route = post(client, "/admin/services/new", {"name": "Open Road"})
    assert "Give a phone number or a web address" in no_route.text


def test_adding_and_changing_a_service(app: Flask) -> None:
    client = _admin(app)
    response = post(
        client,
        "/admin/services/new",
        {
            "name": "Open Road Southend",
            "phone": "01702 123456",
            "url": "openroad.org.uk",
            "hours": "Mon-Fri 9am-5pm",
            "areas": "Southend",
        },
    )
    assert response.status_code == 302
    service = db.session.scalar(select(Service).where(Service.name == "Open Road Southend"))
    assert service.phone == "01702 123456" and not service.national
    listing = client.get("/admin/services/")
    assert "Open Road Southend" in listing.text and page_problems(listing.text) == []
    post(
        client,
        f"/admin/services/{service.id}/edit",
        {"name": "Open Road Southend", "phone": "01702 654321", "url": "openroad.org.uk"},
    )
    db.session.expire_all()
    assert db.session.get(Service, service.id).phone == "01702 654321"
    assert audit_actions(object_type="service") == ["service_added", "service_changed"]


def test_a_withdrawn_service_cannot_be_chosen_for_new_campaigns(app: Flask) -> None:
    client = _admin(app)
    service = make_service(name="Closed Service", phone="01234 567890")
    post(client, f"/admin/services/{service.id}/withdraw", {}, page="/admin/services/")
    assert db.session.get(Service, service.id).active is False
    officer = make_user(role="officer")
    line = make_line()
    make_contacts(line, DRAMA[:1])
    campaign = make_draft(officer, [line])
    theirs = app.test_client()
    sign_in(theirs, officer)
    step = theirs.get(f"/campaigns/{campaign.id}/message")
    assert "Closed Service" not in step.text
    refused = post(
        theirs,
        f"/campaigns/{campaign.id}/message",
        {
            "template_version_id": str(version_id()),
            "service_id": str(service.id),
            "force_name": "Testshire Police",
            "reply_route": "Reply STOP to opt out.",
        },
    )
    assert refused.status_code == 422
    assert "Choose a service from the list." in refused.text
