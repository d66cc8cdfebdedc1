"""The opt-out list over the API: list masked, add by hand, lift with a reason."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from messaging.audience.suppression import suppress
from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.models import Suppression, SuppressionEvent
from tests.campaigns.api.helpers import audit_entries, bearer, error_of
from tests.support.factories import make_user


@pytest.fixture
def analyst(app: Flask) -> dict[str, str]:
    return bearer(make_user(role="analyst"))


def test_adding_a_number_normalises_it_and_answers_it_masked(
    app: Flask, analyst: dict[str, str]
) -> None:
    response = app.test_client().post(
        "/api/v1/suppressions",
        headers=analyst,
        json={"phone": "07700 900401", "reason": "Asked by phone to stop."},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["active"] is True and "*" in body["number"]
    row = db.session.scalar(
        select(Suppression).where(Suppression.phone_hash == lookup_hash("+447700900401"))
    )
    assert row is not None and row.id == body["id"]
    (entry,) = audit_entries("suppression_added")
    assert entry.reason == "Asked by phone to stop."


def test_adding_an_already_opted_out_number_is_a_conflict(
    app: Flask, analyst: dict[str, str]
) -> None:
    suppress(db.session, "+447700900402", source="reply")
    db.session.commit()
    response = app.test_client().post(
        "/api/v1/suppressions",
        headers=analyst,
        json={"phone": "+44 7700 900402", "reason": "Asked again."},
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "already_suppressed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "12", "reason": "Asked by phone."}, "phone"),
        ({"phone": "07700 900403"}, "reason"),
        ({"phone": "07700 900403", "reason": "ok"}, "reason"),
        ({"phone": "call me", "reason": "Asked by phone."}, "phone"),
    ],
)
def test_a_bad_addition_is_refused_on_its_field(
    app: Flask, analyst: dict[str, str], body: dict[str, str], field: str
) -> None:
    response = app.test_client().post("/api/v1/suppressions", headers=analyst, json=body)
    assert response.status_code == 422
    assert field in error_of(response)["fields"]
    assert db.session.scalar(select(Suppression)) is None


def test_lifting_needs_a_reason_and_is_recorded(app: Flask, analyst: dict[str, str]) -> None:
    row = suppress(db.session, "+447700900404", source="reply")
    db.session.commit()
    client = app.test_client()
    url = f"/api/v1/suppressions/{row.id}/lift"
    assert client.post(url, headers=analyst, json={}).status_code == 422
    lifted = client.post(url, headers=analyst, json={"reason": "Sent START by letter."})
    assert lifted.status_code == 200, lifted.get_json()
    assert lifted.get_json()["active"] is False
    event = db.session.scalars(
        select(SuppressionEvent).where(SuppressionEvent.action == "unsuppress")
    ).one()
    assert event.reason == "Sent START by letter."
    again = client.post(url, headers=analyst, json={"reason": "Sent START by letter."})
    assert again.status_code == 409 and error_of(again)["code"] == "not_active"


@pytest.mark.postgres
def test_the_list_is_masked_filterable_and_audited(app: Flask, analyst: dict[str, str]) -> None:
    suppress(db.session, "+447700900405", source="reply")
    lifted = suppress(db.session, "+447700900406", source="reply")
    lifted.active = False
    db.session.commit()
    client = app.test_client()
    page = client.get("/api/v1/suppressions", headers=analyst).get_json()
    assert page["total"] == 2
    assert all(i["number"] not in ("+447700900405", "+447700900406") for i in page["items"])
    active = client.get("/api/v1/suppressions?active=true", headers=analyst).get_json()
    assert [i["number"][-3:] for i in active["items"]] == ["405"]
    assert audit_entries("suppressions_listed")[0].category == "disclosure"


def test_officers_cannot_touch_the_opt_out_list(app: Flask) -> None:
    headers = bearer(make_user(role="officer"))
    assert app.test_client().get("/api/v1/suppressions", headers=headers).status_code == 403
