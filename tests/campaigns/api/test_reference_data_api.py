"""The API's services and templates are national ones and the force's own; a campaign may
name only those."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from messaging.db import db
from messaging.models import Campaign, MessageTemplate, Service
from messaging.tenancy import acting_for
from tests.campaigns.api.helpers import bearer, error_of
from tests.support.factories import make_force, make_line, make_service, make_template, make_user


@pytest.fixture
def two(app: Flask) -> dict[str, Any]:
    a, b = make_force("AAA"), make_force("BBB")
    officer = make_user(role="officer", force=a)
    theirs = make_template(force=b, name="Bravo wording")
    return {
        "a": a,
        "as_officer": bearer(officer),
        "line": make_line(force=a),
        "mine": make_service(force=a, name="Open Road Alpha"),
        "theirs": make_service(force=b, name="Open Road Bravo"),
        "their_version": theirs.current.id,
        "national_version": db.session.scalar(
            select(MessageTemplate).where(MessageTemplate.slug == "treatment_signposting")
        ).current.id,
    }


def _names(app: Flask, path: str, headers: dict[str, str]) -> dict[str, bool]:
    answer = app.test_client().get(path, headers=headers, query_string={"per_page": 100})
    assert answer.status_code == 200, answer.get_json()
    return {item["name"]: item["shared"] for item in answer.get_json()["items"]}


@pytest.mark.postgres
def test_lists_hold_national_rows_and_the_forces_own_marked_as_such(app: Flask, two) -> None:  # type: ignore[no-untyped-def]
    services = _names(app, "/api/v1/services", two["as_officer"])
    assert services["FRANK"] is True and services["Open Road Alpha"] is False
    assert "Open Road Bravo" not in services
    templates = _names(app, "/api/v1/templates", two["as_officer"])
    assert "Bravo wording" not in templates and all(templates.values())


@pytest.mark.postgres
def test_a_campaign_naming_another_forces_service_or_template_is_refused(app: Flask, two) -> None:  # type: ignore[no-untyped-def]
    body = {
        "name": "Signposting",
        "line_ids": [two["line"].id],
        "template_version_id": two["national_version"],
        "service_id": two["theirs"].id,
        "sender": "+447700900000",
        "force_name": "Alphashire Police",
        "reply_route": "Reply STOP to opt out.",
    }
    client = app.test_client()
    refused = client.post("/api/v1/campaigns", headers=two["as_officer"], json=body)
    assert refused.status_code == 422
    fields = error_of(refused)["fields"]
    assert "national service or one of your force's" in fields["service_id"][0]
    wrong_text = {**body, "service_id": two["mine"].id, "template_version_id": two["their_version"]}
    refused = client.post("/api/v1/campaigns", headers=two["as_officer"], json=wrong_text)
    assert refused.status_code == 422
    assert "of your force's" in error_of(refused)["fields"]["template_version_id"][0]
    with acting_for(two["a"].id):
        assert db.session.scalar(select(Campaign.id)) is None
    made = client.post(
        "/api/v1/campaigns", headers=two["as_officer"], json={**body, "service_id": two["mine"].id}
    )
    assert made.status_code == 201, made.get_json()
    assert db.session.get(Campaign, made.get_json()["id"]).service_id == two["mine"].id
    assert db.session.get(Service, two["theirs"].id).force_id != two["a"].id
