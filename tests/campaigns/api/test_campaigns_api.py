"""Campaigns over the API: draft, preview, submit, approve or reject, launch, control."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from campaigns import lifecycle
from messaging.db import db
from messaging.models import Campaign, CampaignState, MessageTemplate, OutboxMessage, Service
from tests.campaigns.api.helpers import audit_entries, bearer, error_of
from tests.support.factories import make_contacts, make_line, make_user

NUMBERS = ["07700 900201", "07700 900202", "07700 900203"]


@pytest.fixture
def people(app: Flask) -> dict[str, Any]:
    officer, supervisor = make_user(role="officer"), make_user(role="supervisor")
    return {
        "officer": officer,
        "supervisor": supervisor,
        "as_officer": bearer(officer),
        "as_supervisor": bearer(supervisor),
        "as_analyst": bearer(make_user(role="analyst")),
    }


def _draft(line_ids: list[int], **overrides: Any) -> dict[str, Any]:
    template = db.session.scalar(
        select(MessageTemplate).where(MessageTemplate.slug == "treatment_signposting")
    )
    frank = db.session.scalar(select(Service).where(Service.name == "FRANK"))
    return {
        "name": "Signposting after OP-X",
        "line_ids": line_ids,
        "template_version_id": template.current.id,
        "service_id": frank.id,
        "sender": "+447700900000",
        "force_name": "Testshire Police",
        "reply_route": "Reply STOP to opt out.",
        **overrides,
    }


def _create(app: Flask, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = app.test_client().post("/api/v1/campaigns", headers=headers, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.mark.postgres
def test_a_campaign_goes_from_draft_to_sending_and_is_cancelled(
    app: Flask, people: dict[str, Any]
) -> None:
    line = make_line()
    make_contacts(line, NUMBERS)
    client = app.test_client()
    # Urgent, so it sends at once whatever the time of day (quiet hours do not apply).
    body = _draft([line.id], urgent=True, urgency_reason="Nitazene deaths this week.")
    created = _create(app, people["as_officer"], body)
    assert created["state"] == CampaignState.DRAFT
    assert created["line_ids"] == [line.id] and created["kinds"] == ["mobile"]
    cid = created["id"]

    preview = client.get(f"/api/v1/campaigns/{cid}/preview", headers=people["as_officer"])
    assert preview.status_code == 200
    assert preview.get_json()["problems"] == []
    assert preview.get_json()["recipients"] == len(NUMBERS)
    assert "Testshire Police" in preview.get_json()["body"]

    def act(action: str, who: str, **body: Any) -> Any:
        return client.post(
            f"/api/v1/campaigns/{cid}/{action}", headers=people[who], json=body or None
        )

    assert act("submit", "as_supervisor").status_code == 403
    submitted = act("submit", "as_officer")
    assert submitted.status_code == 200
    assert submitted.get_json()["state"] == CampaignState.AWAITING_APPROVAL

    assert act("approve", "as_officer").status_code == 403
    approved = act("approve", "as_supervisor", comment="Checked the wording.")
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["state"] == CampaignState.APPROVED
    assert approved.get_json()["approved_by_id"] == people["supervisor"].id
    assert approved.get_json()["snapshot_hash"]

    launched = act("launch", "as_officer")
    assert launched.status_code == 200, launched.get_json()
    assert launched.get_json()["state"] == CampaignState.SENDING
    assert launched.get_json()["recipient_count"] == len(NUMBERS)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == len(NUMBERS)
    (disclosed,) = audit_entries("campaign_launch")
    assert disclosed.category == "disclosure"

    status = client.get(f"/api/v1/campaigns/{cid}/status", headers=people["as_analyst"])
    assert status.status_code == 200
    assert status.get_json()["total"] == len(NUMBERS)
    assert status.get_json()["state"] == CampaignState.SENDING

    assert act("pause", "as_officer").get_json()["state"] == CampaignState.PAUSED
    assert act("resume", "as_supervisor").get_json()["state"] == CampaignState.SENDING
    cancelled = act("cancel", "as_officer", reason="Wrong line.")
    assert cancelled.get_json()["state"] == CampaignState.CANCELLED
    assert cancelled.get_json()["stop_reason"] == "Wrong line."
    final = client.get(f"/api/v1/campaigns/{cid}/status", headers=people["as_officer"])
    assert final.get_json()["cancelled"] == len(NUMBERS)


@pytest.mark.parametrize(
    ("action", "state"),
    [("pause", CampaignState.DRAFT), ("launch", CampaignState.DRAFT), ("resume", None)],
)
def test_a_step_the_state_does_not_allow_is_a_409_with_the_lifecycle_code(
    app: Flask, people: dict[str, Any], action: str, state: str | None
) -> None:
    line = make_line()
    cid = _create(app, people["as_officer"], _draft([line.id]))["id"]
    response = app.test_client().post(
        f"/api/v1/campaigns/{cid}/{action}", headers=people["as_officer"]
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "bad_state"
    assert db.session.get(Campaign, cid).state == CampaignState.DRAFT


def test_submitting_a_campaign_with_problems_says_what_they_are(
    app: Flask, people: dict[str, Any]
) -> None:
    line = make_line()  # no contacts: nobody to text
    cid = _create(app, people["as_officer"], _draft([line.id]))["id"]
    response = app.test_client().post(
        f"/api/v1/campaigns/{cid}/submit", headers=people["as_officer"]
    )
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "not_ready"
    assert "No contacts match" in error["message"]


def test_a_supervisor_cannot_approve_their_own_campaign(app: Flask, people: dict[str, Any]) -> None:
    line = make_line()
    make_contacts(line, NUMBERS)
    body = _draft([line.id])
    draft = lifecycle.CampaignDraft(**{**body, "line_ids": tuple(body["line_ids"])})
    campaign = lifecycle.create_campaign(db.session, draft, people["supervisor"])
    campaign.state = CampaignState.AWAITING_APPROVAL
    db.session.commit()
    response = app.test_client().post(
        f"/api/v1/campaigns/{campaign.id}/approve", headers=people["as_supervisor"]
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "same_person"


def test_rejecting_needs_a_comment_and_returns_the_campaign_to_draft(
    app: Flask, people: dict[str, Any]
) -> None:
    line = make_line()
    make_contacts(line, NUMBERS)
    cid = _create(app, people["as_officer"], _draft([line.id]))["id"]
    client = app.test_client()
    client.post(f"/api/v1/campaigns/{cid}/submit", headers=people["as_officer"])
    url = f"/api/v1/campaigns/{cid}/reject"
    missing = client.post(url, headers=people["as_supervisor"], json={"comment": "   "})
    assert missing.status_code == 422
    assert "comment" in error_of(missing)["fields"]
    rejected = client.post(url, headers=people["as_supervisor"], json={"comment": "Too long."})
    assert rejected.status_code == 200
    assert rejected.get_json()["state"] == CampaignState.DRAFT
    assert rejected.get_json()["review_comment"] == "Too long."


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"line_ids": [999]}, "line_ids"),
        ({"template_version_id": 999}, "template_version_id"),
        ({"service_id": 999}, "service_id"),
        ({"urgent": True}, "urgency_reason"),
        ({"not_before": "2026-01-02T09:00:00Z", "not_after": "2026-01-01T09:00:00Z"}, "not_after"),
        ({"not_before": "2026-01-02T09:00:00"}, "not_before"),  # no offset: ambiguous
        ({"not_before": "0001-01-01T00:00:00+05:00"}, "not_before"),
        ({"kinds": []}, "kinds"),
        ({"name": " \t "}, "name"),
        ({"name": "Nul\x00byte"}, "name"),
        ({"name": "lone \ud800 surrogate"}, "name"),
    ],
)
def test_a_bad_draft_is_refused_on_the_field_at_fault(
    app: Flask, people: dict[str, Any], overrides: dict[str, Any], field: str
) -> None:
    line = make_line()
    response = app.test_client().post(
        "/api/v1/campaigns", headers=people["as_officer"], json={**_draft([line.id]), **overrides}
    )
    assert response.status_code == 422
    assert field in error_of(response)["fields"]
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0


def test_times_with_offsets_are_stored_in_utc(app: Flask, people: dict[str, Any]) -> None:
    line = make_line()
    created = _create(
        app,
        people["as_officer"],
        _draft([line.id], not_before="2026-06-01T09:30:00+01:00", not_after=None),
    )
    assert created["not_before"].startswith("2026-06-01T08:30:00")
    assert created["not_before"].endswith("+00:00")


def test_the_list_filters_by_state(app: Flask, people: dict[str, Any]) -> None:
    line = make_line()
    make_contacts(line, NUMBERS)
    first = _create(app, people["as_officer"], _draft([line.id]))
    _create(app, people["as_officer"], _draft([line.id], name="Second"))
    client = app.test_client()
    client.post(f"/api/v1/campaigns/{first['id']}/submit", headers=people["as_officer"])
    page = client.get(
        "/api/v1/campaigns?state=awaiting_approval", headers=people["as_supervisor"]
    ).get_json()
    assert [c["id"] for c in page["items"]] == [first["id"]] and page["total"] == 1
