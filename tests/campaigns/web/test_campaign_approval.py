"""Approval: a second person approves exactly what they saw; the maker never approves."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from messaging.db import db
from messaging.models import Campaign, CampaignState, Service
from tests.campaigns.web.helpers import (
    DRAMA,
    approved,
    audit_actions,
    fresh_page,
    make_draft,
    page_problems,
    post,
    service_id,
    sign_in,
    submitted,
    text_of,
    version_id,
)
from tests.conftest import csrf_token
from tests.support.factories import make_contacts, make_line, make_user


def _awaiting(app: Flask):  # type: ignore[no-untyped-def]
    officer = make_user(role="officer")
    supervisor = make_user(role="supervisor")
    line = make_line()
    make_contacts(line, DRAMA[:4])
    campaign = submitted(
        make_draft(
            officer,
            [line],
            slug="treatment_local_service",
            service_id=service_id("FRANK"),
        ),
        officer,
    )
    client = app.test_client()
    sign_in(client, supervisor)
    return officer, supervisor, campaign, client


def test_the_supervisor_sees_exactly_what_will_be_sent(app: Flask) -> None:
    _, _, campaign, client = _awaiting(app)
    page = client.get(f"/campaigns/{campaign.id}/approval")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Testshire Police: we closed a drug line" in text
    assert "FRANK, 0300 123 6600 (24 hours), talktofrank.com" in text
    assert "Recipients 4" in text
    assert "Approve exactly this" in text
    assert page_problems(page.text) == []


def test_approval_freezes_the_snapshot_the_page_then_shows(app: Flask) -> None:
    _, supervisor, campaign, client = _awaiting(app)
    response = post(
        client,
        f"/campaigns/{campaign.id}/approve",
        {"comment": "Checked with the DI", "seen": _seen(client, campaign.id)},
        page=f"/campaigns/{campaign.id}/approval",
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Campaign, campaign.id)
    assert saved.state == CampaignState.APPROVED
    assert saved.approved_by_id == supervisor.id
    assert saved.review_comment == "Checked with the DI"
    # Editing the service afterwards changes nothing that was approved.
    frank = db.session.get(Service, service_id("FRANK"))
    frank.phone = "0300 000 0000"
    db.session.commit()
    page = client.get(f"/campaigns/{campaign.id}")
    assert "The approved message" in page.text
    assert "0300 123 6600" in page.text
    assert "0300 000 0000" not in page.text.split('data-testid="sms-body"')[1].split("</div>")[0]
    assert "campaign_approved" in audit_actions(object_type="campaign")


def _seen(client, campaign_id: int) -> str:  # type: ignore[no-untyped-def]
    page = fresh_page(client, f"/campaigns/{campaign_id}/approval")
    return re.search(r'name="seen" value="([0-9a-f]{64})"', page.text).group(1)


def test_a_change_after_the_page_was_loaded_stops_the_approval(app: Flask) -> None:
    _, _, campaign, client = _awaiting(app)
    page = fresh_page(client, f"/campaigns/{campaign.id}/approval")
    seen = re.search(r'name="seen" value="([0-9a-f]{64})"', page.text).group(1)
    frank = db.session.get(Service, service_id("FRANK"))
    frank.phone = "0300 999 9999"  # an admin edits the directory meanwhile
    db.session.commit()
    response = client.post(
        f"/campaigns/{campaign.id}/approve",
        data={"csrf_token": csrf_token(page.text), "seen": seen, "comment": ""},
    )
    assert response.status_code == 200
    assert "The campaign changed while you were looking at it" in response.text
    assert "0300 999 9999" in response.text  # the new version is shown for review
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == CampaignState.AWAITING_APPROVAL


def test_sending_back_needs_a_comment(app: Flask) -> None:
    officer, _, campaign, client = _awaiting(app)
    response = post(
        client,
        f"/campaigns/{campaign.id}/reject",
        {"comment": "  "},
        page=f"/campaigns/{campaign.id}/approval",
    )
    assert response.status_code == 422
    assert 'href="#comment"' in response.text and 'id="comment-error"' in response.text
    response = post(
        client,
        f"/campaigns/{campaign.id}/reject",
        {"comment": "Use the local service, not FRANK"},
        page=f"/campaigns/{campaign.id}/approval",
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Campaign, campaign.id)
    assert saved.state == CampaignState.DRAFT
    officer_client = app.test_client()
    sign_in(officer_client, officer)
    page = officer_client.get(f"/campaigns/{campaign.id}")
    assert "Sent back by the supervisor" in page.text
    assert "Use the local service, not FRANK" in page.text
    home = officer_client.get("/")
    assert "Sent back to you" in home.text


def test_the_maker_cannot_approve_their_own_campaign(app: Flask) -> None:
    # Someone who built a campaign as an officer and was later made a supervisor.
    maker = make_user(role="officer")
    line = make_line()
    make_contacts(line, DRAMA[:2])
    campaign = submitted(make_draft(maker, [line]), maker)
    maker.role = "supervisor"
    db.session.merge(maker)
    db.session.commit()
    client = app.test_client()
    sign_in(client, maker)
    page = client.get(f"/campaigns/{campaign.id}/approval")
    assert "a different supervisor must approve it" in page.text
    assert "Approve exactly this" not in page.text
    response = post(
        client, f"/campaigns/{campaign.id}/approve", {}, page=f"/campaigns/{campaign.id}"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == CampaignState.AWAITING_APPROVAL
    follow = client.get(response.headers["Location"])
    assert "a different supervisor must approve it" in follow.text
    assert f"/campaigns/{campaign.id}/approval" not in client.get("/").text


def test_other_supervisors_see_it_waiting_on_their_home_page(app: Flask) -> None:
    _, _, campaign, client = _awaiting(app)
    home = client.get("/")
    assert "Waiting for your approval" in home.text
    assert f'href="/campaigns/{campaign.id}/approval"' in home.text


def test_officers_and_analysts_cannot_approve(app: Flask) -> None:
    _, _, campaign, _ = _awaiting(app)
    for role in ("officer", "analyst"):
        client = app.test_client()
        sign_in(client, make_user(role=role))
        assert client.get(f"/campaigns/{campaign.id}/approval").status_code == 403


def test_an_approved_campaign_no_longer_offers_approval(app: Flask) -> None:
    officer = make_user(role="officer")
    supervisor = make_user(role="supervisor")
    line = make_line()
    make_contacts(line, DRAMA[:2])
    campaign = approved(make_draft(officer, [line]), officer, supervisor)
    other = app.test_client()
    sign_in(other, make_user(role="supervisor"))
    response = other.get(f"/campaigns/{campaign.id}/approval")
    assert response.status_code == 302
    assert db.session.scalar(select(Campaign.template_version_id)) == version_id()
