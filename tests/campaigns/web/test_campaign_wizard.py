"""The campaign wizard: four steps, inline errors, nothing lost, a draft carried between steps."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from messaging import runtime
from messaging.content.sms_encoding import inspect
from messaging.content.sms_templates import render
from messaging.db import db
from messaging.models import Campaign, CampaignState, MessageTemplate, TemplateVersion
from tests.campaigns.web.helpers import (
    DRAMA,
    audit_actions,
    make_draft,
    page_problems,
    post,
    service_id,
    sign_in,
    submitted,
    text_of,
    version_id,
)
from tests.support.factories import make_contacts, make_line, make_user


def _officer_with_line(app: Flask, numbers: int = 5):  # type: ignore[no-untyped-def]
    officer = make_user(role="officer")
    line = make_line(reference="OP-KESTREL/1", force_area="Testshire")
    make_contacts(line, DRAMA[:numbers])
    client = app.test_client()
    sign_in(client, officer)
    return officer, line, client


def test_step_one_refuses_an_empty_form_with_a_summary_and_inline_errors(app: Flask) -> None:
    _, _, client = _officer_with_line(app)
    response = post(client, "/campaigns/new", {"min_interactions": "-2"})
    assert response.status_code == 422
    html = response.text
    summary = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'href="#name"' in summary and "Give the campaign a name." in summary
    assert 'href="#line_ids"' in summary and "Choose at least one line." in summary
    assert 'href="#min_interactions"' in summary
    assert 'id="name-error"' in html and 'id="line_ids-error"' in html
    assert db.session.scalar(select(Campaign.id)) is None
    assert "<title>Error: " in html


def test_a_failed_step_keeps_what_the_officer_typed(app: Flask) -> None:
    _, line, client = _officer_with_line(app)
    response = post(
        client,
        "/campaigns/new",
        {"name": "Kestrel: FRANK", "min_interactions": "lots", "line_ids": str(line.id)},
    )
    assert response.status_code == 422
    assert 'value="Kestrel: FRANK"' in response.text
    assert re.search(rf'value="{line.id}"\s+checked', response.text)
    assert 'value="lots"' in response.text
    assert "Enter a whole number, or 0 for everyone." in response.text


def test_step_one_saves_a_draft_and_goes_to_the_message_step(app: Flask) -> None:
    officer, line, client = _officer_with_line(app)
    response = post(
        client,
        "/campaigns/new",
        {
            "name": "Kestrel signposting",
            "line_ids": str(line.id),
            "min_interactions": "0",
            "exclude_cross_line": "on",
        },
    )
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert response.headers["Location"].endswith(f"/campaigns/{campaign.id}/message")
    assert campaign.state == CampaignState.DRAFT
    assert campaign.created_by_id == officer.id
    assert [ln.id for ln in campaign.lines] == [line.id]
    assert campaign.recipients_rule["exclude_cross_line"] is True
    assert "campaign_created" in audit_actions(object_type="campaign")
    step_two = client.get(response.headers["Location"])
    assert step_two.status_code == 200
    assert "Step 2 of 4" in step_two.text
    assert "5</strong> textable numbers" in step_two.text  # the running summary


def test_the_message_step_says_which_field_a_template_needs(app: Flask) -> None:
    officer, line, client = _officer_with_line(app)
    campaign = make_draft(officer, [line])
    url = f"/campaigns/{campaign.id}/message"
    needs_service = post(
        client,
        url,
        {
            "template_version_id": str(version_id("treatment_local_service")),
            "force_name": "Testshire Police",
            "reply_route": "Reply STOP to opt out.",
        },
    )
    assert needs_service.status_code == 422
    assert 'id="service_id-error"' in needs_service.text
    assert "This template names a service: choose one." in needs_service.text
    needs_area = post(
        client,
        url,
        {
            "template_version_id": str(version_id("line_closed")),
            "force_name": "Testshire Police",
            "reply_route": "Reply STOP to opt out.",
        },
    )
    assert needs_area.status_code == 422
    assert 'id="area-error"' in needs_area.text
    # The radio the officer chose stays chosen.
    assert re.search(rf'value="{version_id("line_closed")}"[^>]*checked', needs_area.text)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).template_version_id == version_id()


def test_a_new_campaign_starts_from_the_forces_configured_sender(app: Flask) -> None:
    settings = runtime.current().settings
    runtime.configure(settings.with_overrides(twilio_from="+447700900555"))
    try:
        _officer, line, client = _officer_with_line(app)
        step_one = {"name": "Kestrel", "line_ids": str(line.id), "min_interactions": "0"}
        assert post(client, "/campaigns/new", step_one).status_code == 302
    finally:
        runtime.configure(settings)
    campaign = db.session.scalar(select(Campaign))
    assert campaign.sender == "+447700900555"
    page = client.get(f"/campaigns/{campaign.id}/sending")
    assert 'name="sender" type="text" value="+447700900555"' in page.text


def test_the_sender_step_refuses_a_generic_sender_id(app: Flask) -> None:
    officer, line, client = _officer_with_line(app)
    campaign = make_draft(officer, [line])
    response = post(client, f"/campaigns/{campaign.id}/sending", {"sender": "INFO"})
    assert response.status_code == 422
    assert "UK networks block generic sender IDs such as INFO." in text_of(response.text)
    assert 'id="sender-error"' in response.text
    assert 'value="INFO"' in response.text


def test_urgency_needs_a_reason(app: Flask) -> None:
    officer, line, client = _officer_with_line(app)
    campaign = make_draft(officer, [line])
    response = post(
        client, f"/campaigns/{campaign.id}/sending", {"sender": "+447700900000", "urgent": "on"}
    )
    assert response.status_code == 422
    assert "Say why this must go outside quiet hours." in response.text
    assert 'id="urgency_reason-error"' in response.text
    ok = post(
        client,
        f"/campaigns/{campaign.id}/sending",
        {"sender": "07700 900000", "urgent": "on", "urgency_reason": "Two deaths since Friday"},
    )
    assert ok.status_code == 302
    assert ok.headers["Location"].endswith(f"/campaigns/{campaign.id}")
    db.session.expire_all()
    saved = db.session.get(Campaign, campaign.id)
    assert saved.sender == "+447700900000"  # normalised for the carrier
    assert saved.urgent and saved.urgency_reason == "Two deaths since Friday"


def test_an_alphanumeric_sender_is_called_one_way(app: Flask) -> None:
    officer, line, client = _officer_with_line(app)
    campaign = make_draft(officer, [line], sender="TestPolice")
    page = client.get(f"/campaigns/{campaign.id}/sending")
    assert "One-way sender: nobody can reply" in text_of(page.text)


def test_one_way_text_without_another_route_cannot_be_submitted(app: Flask) -> None:
    officer, line, client = _officer_with_line(app)
    # The reply route is the only route in this text, and a name cannot receive STOP.
    campaign = make_draft(officer, [line], slug="exploitation_safecall", sender="TestPolice")
    template = db.session.scalar(
        select(MessageTemplate).where(MessageTemplate.slug == "exploitation_safecall")
    )
    bare = TemplateVersion(
        template_id=template.id,
        version=template.current.version + 1,
        body="{{ force_name }}: this number was in contact with a drug line. {{ reply_route }}",
    )
    db.session.add(bare)
    db.session.flush()
    campaign.template_version_id = bare.id
    db.session.commit()
    page = client.get(f"/campaigns/{campaign.id}")
    assert "An alphanumeric sender is one-way" in page.text
    assert "Submit for approval</button>" not in page.text
    assert f'href="/campaigns/{campaign.id}/sending?return_to=check"' in page.text
    refused = post(client, f"/campaigns/{campaign.id}/submit", {}, page=f"/campaigns/{campaign.id}")
    assert refused.status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == CampaignState.DRAFT


def test_the_check_page_shows_the_text_segments_recipients_and_cost(app: Flask) -> None:
    officer, line, client = _officer_with_line(app, numbers=7)
    campaign = make_draft(officer, [line])
    page = client.get(f"/campaigns/{campaign.id}")
    assert page.status_code == 200
    body = render(
        db.session.get(TemplateVersion, version_id()).body,
        {"force_name": "Testshire Police", "reply_route": "Reply STOP to opt out."},
    )
    info = inspect(body)
    text = text_of(page.text)
    assert "Step 4 of 4" in text
    assert body in text
    assert f"Encoding {info.encoding}" in text
    assert f"Segments per text {info.segments}" in text
    assert f"Left before the next segment {info.remaining_in_segment} characters" in text
    assert "Recipients 7" in text
    assert f"Total segments {7 * info.segments}" in text
    pounds = 7 * info.segments * app.extensions["pester.settings"].price_per_segment_pence / 100
    assert f"Estimated cost £{pounds:,.2f}" in text
    assert "Submit for approval" in text
    assert page_problems(page.text) == []


def test_change_links_return_to_the_check_page(app: Flask) -> None:
    officer, line, client = _officer_with_line(app)
    campaign = make_draft(officer, [line])
    page = client.get(f"/campaigns/{campaign.id}/message?return_to=check")
    assert 'name="return_to" value="check"' in page.text
    response = post(
        client,
        f"/campaigns/{campaign.id}/message",
        {
            "return_to": "check",
            "template_version_id": str(version_id("treatment_local_service")),
            "service_id": str(service_id("FRANK")),
            "force_name": "Testshire Police",
            "reply_route": "Reply STOP to opt out.",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/campaigns/{campaign.id}")
    check = client.get(f"/campaigns/{campaign.id}")
    assert "FRANK, 0300 123 6600" in check.text


def test_submitting_sends_it_for_approval(app: Flask) -> None:
    officer, line, client = _officer_with_line(app)
    campaign = make_draft(officer, [line])
    response = post(
        client, f"/campaigns/{campaign.id}/submit", {}, page=f"/campaigns/{campaign.id}"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == CampaignState.AWAITING_APPROVAL
    assert "campaign_submitted" in audit_actions(object_type="campaign")
    page = client.get(f"/campaigns/{campaign.id}")
    assert "Waiting for a supervisor to approve it" in page.text


def test_editing_a_submitted_campaign_withdraws_it_from_approval(app: Flask) -> None:
    officer, line, client = _officer_with_line(app)
    campaign = submitted(make_draft(officer, [line]), officer)
    page = client.get(f"/campaigns/{campaign.id}/recipients")
    assert "Saving a change withdraws it from approval" in page.text
    response = post(
        client,
        f"/campaigns/{campaign.id}/recipients",
        {"name": "Kestrel, renamed", "line_ids": str(line.id), "min_interactions": "0"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Campaign, campaign.id)
    assert saved.state == CampaignState.DRAFT
    assert saved.name == "Kestrel, renamed"
    assert saved.template_version_id == version_id()  # the other steps are untouched


def test_a_pinned_template_version_stays_chosen_after_the_template_changes(app: Flask) -> None:
    officer, line, client = _officer_with_line(app)
    campaign = make_draft(officer, [line])
    old = version_id()
    template = db.session.scalar(
        select(MessageTemplate).where(MessageTemplate.slug == "treatment_signposting")
    )
    db.session.add(
        TemplateVersion(
            template_id=template.id,
            version=template.current.version + 1,
            body="{{ force_name }}: new wording. FRANK 0300 123 6600. {{ reply_route }}",
        )
    )
    db.session.commit()
    page = client.get(f"/campaigns/{campaign.id}/message")
    assert re.search(rf'value="{old}"[^>]*checked', page.text)
    assert "kept from before" in page.text


def test_a_launched_campaign_cannot_be_edited(app: Flask) -> None:
    officer, line, client = _officer_with_line(app)
    campaign = make_draft(officer, [line])
    campaign.state = CampaignState.SENDING
    db.session.commit()
    response = client.get(f"/campaigns/{campaign.id}/message")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/campaigns/{campaign.id}")


def test_one_post_with_every_field_builds_the_whole_draft(app: Flask) -> None:
    _, line, client = _officer_with_line(app)
    response = post(
        client,
        "/campaigns/new",
        {
            "name": "All at once",
            "line_ids": str(line.id),
            "template_version_id": str(version_id()),
            "sender": "+447700900000",
            "force_name": "Testshire Police",
            "reply_route": "Reply STOP to opt out.",
        },
    )
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert response.headers["Location"].endswith(f"/campaigns/{campaign.id}")
    assert campaign.sender == "+447700900000"
    assert campaign.template_version_id == version_id()


def test_only_officers_build_campaigns(app: Flask) -> None:
    supervisor = make_user(role="supervisor")
    client = app.test_client()
    sign_in(client, supervisor)
    assert client.get("/campaigns/new").status_code == 403


def test_wizard_pages_have_labels_and_csrf(app: Flask) -> None:
    officer, line, client = _officer_with_line(app)
    campaign = make_draft(officer, [line])
    for path in (
        "/campaigns/new",
        f"/campaigns/{campaign.id}/recipients",
        f"/campaigns/{campaign.id}/message",
        f"/campaigns/{campaign.id}/sending",
        f"/campaigns/{campaign.id}",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert page_problems(page.text) == [], path
