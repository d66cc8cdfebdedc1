"""The outcomes of an A/B campaign, counted per arm, on the page (as a table, no script
needed), in the comparison and through /api/v1/campaigns/{id}/outcomes."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from messaging.db import db
from messaging.inbound.conversions import record_conversion
from messaging.models import Campaign, MessageTemplate
from messaging.tenancy import acting_for
from tests.campaigns.api.helpers import bearer
from tests.campaigns.replies.helpers import sign_in, store_reply
from tests.messaging.inbound.webhooks.helpers import make_campaign, make_outbox
from tests.support.factories import make_contacts, make_force, make_line, make_user

NUMBERS = [f"+4477009004{i:02d}" for i in range(10)]


def _version(slug: str) -> int:
    return db.session.scalar(select(MessageTemplate).where(MessageTemplate.slug == slug)).current.id


def _ab_campaign() -> Campaign:
    """Ten texts sent, arms A and B alternating; replies and one conversion on top."""
    officer = make_user(role="officer")
    line = make_line()
    contacts = make_contacts(line, NUMBERS)
    campaign = make_campaign([line], name="Kestrel A/B", user=officer)
    campaign.snapshot = {
        "template_version_id": _version("treatment_signposting"),
        "template_version_b_id": _version("exploitation_safecall"),
        "arm_seed": 7,
    }
    campaign.template_version_b_id = _version("exploitation_safecall")
    rows = make_outbox(campaign, contacts, status="delivered")
    for index, row in enumerate(rows):
        row.arm = "AB"[index % 2]
    rows[9].status = "undelivered"
    db.session.commit()
    store_reply(NUMBERS[0], "i want to kill myself")  # A: risk
    store_reply(NUMBERS[2], "where can i get help with my drinking")  # A: help
    store_reply(NUMBERS[1], "STOP")  # B: opt-out
    store_reply(NUMBERS[3], "who is this")  # B: two replies, one person
    store_reply(NUMBERS[3], "hello??")
    analyst = make_user(role="analyst")
    assert record_conversion(
        db.session,
        phone_hash=rows[2].phone_hash,
        outbox_id=rows[2].id,
        kind="referred_to_service",
        user_id=analyst.id,
    )
    db.session.commit()
    return campaign


def _counts(arm: dict) -> dict[str, int]:
    return {name: m["count"] for name, m in arm["measures"].items()}


@pytest.mark.postgres
def test_the_api_counts_each_arm_with_wilson_intervals(client: FlaskClient) -> None:
    campaign = _ab_campaign()
    response = client.get(
        f"/api/v1/campaigns/{campaign.id}/outcomes", headers=bearer(make_user(role="officer"))
    )
    assert response.status_code == 200, response.text
    body = response.get_json()
    assert body["ab_test"] is True and body["interval"] == "wilson"
    arm_a, arm_b = body["arms"]
    assert (arm_a["arm"], arm_a["sent"], arm_b["arm"], arm_b["sent"]) == ("A", 5, "B", 5)
    assert _counts(arm_a) == {
        "delivered": 5,
        "replied": 2,
        "opted_out": 0,
        "help_seeking": 1,
        "risk_disclosures": 1,
        "referred_to_service": 1,
        "engaged_with_treatment": 0,
    }
    assert _counts(arm_b) == {
        "delivered": 4,
        "replied": 2,
        "opted_out": 1,
        "help_seeking": 0,
        "risk_disclosures": 0,
        "referred_to_service": 0,
        "engaged_with_treatment": 0,
    }
    replied = arm_a["measures"]["replied"]
    assert replied["rate"] == 0.4 and replied["ci95"] == [0.117621, 0.769276]
    assert _counts(body["total"])["replied"] == 4 and body["total"]["sent"] == 10
    assert arm_a["median_first_reply_seconds"] >= 0
    assert arm_a["template_version_id"] == _version("treatment_signposting")


def test_the_outcomes_page_is_a_table_that_needs_no_script(client: FlaskClient) -> None:
    campaign = _ab_campaign()
    sign_in(client, make_user(role="supervisor"))
    page = client.get(f"/campaigns/{campaign.id}/outcomes")
    assert page.status_code == 200
    html = page.text
    assert 'data-testid="outcomes-table"' in html and "Version A against version B" in html
    cell = html.split('data-testid="replied-A">', 1)[1].split("</td>", 1)[0]
    assert "2</span>" in cell and "of 5" in cell and "40.0%" in cell and "11.8%–76.9%" in cell
    assert "/static/vendor/chart.umd.js" in html and "cdn" not in html.lower()
    figures = client.get(f"/campaigns/{campaign.id}/outcomes.json").get_json()
    assert [g["arm"] for g in figures["groups"]] == ["A", "B", None]
    assert [m[0] for m in figures["measures"]][:2] == ["delivered", "replied"]
    listing = client.get("/outcomes")
    assert "Kestrel A/B" in listing.text and 'data-testid="versions-table"' in listing.text
    assert "Treatment signposting (FRANK) (version 1)" in listing.text


@pytest.mark.parametrize(("role", "status"), [("admin", 403), ("analyst", 200)])
def test_outcomes_need_their_permission(client: FlaskClient, role: str, status: int) -> None:
    campaign = _ab_campaign()
    sign_in(client, make_user(role=role))
    assert client.get(f"/campaigns/{campaign.id}/outcomes").status_code == status
    assert client.get("/outcomes").status_code == status
    assert client.get(f"/campaigns/{campaign.id}/outcomes.json").status_code == status


def test_no_campaign_is_a_404_in_the_api(client: FlaskClient) -> None:
    response = client.get(
        "/api/v1/campaigns/999/outcomes", headers=bearer(make_user(role="officer"))
    )
    assert response.status_code == 404


@pytest.mark.postgres
def test_each_force_compares_only_its_own_campaigns(client: FlaskClient) -> None:
    launched: dict[str, int] = {}
    officers = {}
    for code, name, numbers in (("KNT", "Kestrel", NUMBERS[:4]), ("ESX", "Osprey", NUMBERS[4:8])):
        force = make_force(code)
        with acting_for(force.id):
            officers[code] = make_user(role="officer", force=force)
            line = make_line(force=force)
            campaign = make_campaign([line], name=f"{name} campaign", user=officers[code])
            make_outbox(campaign, make_contacts(line, numbers), status="delivered")
            launched[code] = campaign.id
    sign_in(client, officers["KNT"])
    page = client.get("/outcomes").text
    assert "Kestrel campaign" in page and "Osprey campaign" not in page
    chart = client.get("/outcomes.json").get_json()
    assert [group["campaign_id"] for group in chart["groups"]] == [launched["KNT"]]
    assert client.get(f"/campaigns/{launched['KNT']}/outcomes").status_code == 200
    for path in (
        f"/campaigns/{launched['ESX']}/outcomes",
        f"/campaigns/{launched['ESX']}/outcomes.json",
    ):
        assert client.get(path).status_code == 404, path
    api = client.get(
        f"/api/v1/campaigns/{launched['ESX']}/outcomes", headers=bearer(officers["KNT"])
    )
    assert api.status_code == 404
