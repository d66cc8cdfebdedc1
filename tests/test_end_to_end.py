"""The thin path, end to end on real parts: web app over HTTP, Redis, a real RQ worker,
the sandbox carrier through the twilio client, signed webhooks, and the reply log."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from messaging.db import db
from messaging.models import (
    Campaign,
    CampaignState,
    Contact,
    MessageTemplate,
    OutboxMessage,
    Reply,
    Service,
)
from messaging.sending.worker import run_worker
from tests.conftest import csrf_token
from tests.support.factories import login, make_user
from tests.support.live import live_stack, wait_until

NUMBERS = ["07700 900101", "+44 7700 900102", "7700900103", "+44 (0)7700 900104", "07700900105"]


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    rows = (
        ["Name,Mobile"] + [f"Contact {i},{n}" for i, n in enumerate(NUMBERS)] + ["Junk,not a phone"]
    )
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.postgres
def test_an_officer_campaign_reaches_phones_and_a_reply_reaches_the_analyst(
    tmp_path: Path, database_url: str, redis_db_url: str
) -> None:
    with live_stack(
        tmp_path, database_url=database_url, redis_url=redis_db_url, send_rate_override=50.0
    ) as stack:
        app = stack.app
        with app.app_context():
            officer = make_user(role="officer")
            supervisor = make_user(role="supervisor")
            analyst = make_user(role="analyst")
            template = db.session.scalar(
                select(MessageTemplate).where(MessageTemplate.slug == "treatment_signposting")
            )
            version_id = template.current.id
            frank = db.session.scalar(select(Service).where(Service.name == "FRANK"))

        officer_client = app.test_client()
        login(officer_client, officer)

        # register a line
        page = officer_client.get("/lines/new")
        response = officer_client.post(
            "/lines/new",
            data={
                "csrf_token": csrf_token(page.text),
                "reference": "OP-TEST/1",
                "name": "Tony",
                "force_area": "Testshire",
                "exhibit_reference": "EX-1",
            },
        )
        assert response.status_code == 302
        line_url = response.headers["Location"]
        line_id = int(line_url.rstrip("/").rsplit("/", 1)[-1])

        # upload, preview, confirm
        page = officer_client.get(line_url)
        with _csv(tmp_path).open("rb") as handle:
            preview = officer_client.post(
                f"/lines/{line_id}/import",
                data={
                    "csrf_token": csrf_token(page.text),
                    "format": "auto",
                    "file": (handle, "contacts.csv"),
                },
                content_type="multipart/form-data",
            )
        assert preview.status_code == 200, preview.text
        assert "Import 5 contacts" in preview.text
        token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)
        done = officer_client.post(
            f"/lines/{line_id}/import/confirm",
            data={
                "csrf_token": csrf_token(preview.text),
                "token": token,
                "filename": "contacts.csv",
                "format": "auto",
            },
        )
        assert done.status_code == 200
        assert "5 new contacts added" in done.text
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Contact)) == 5

        # build the campaign and submit it
        page = officer_client.get("/campaigns/new")
        response = officer_client.post(
            "/campaigns/new",
            data={
                "csrf_token": csrf_token(page.text),
                "name": "Test signposting",
                "line_ids": [str(line_id)],
                "template_version_id": str(version_id),
                "service_id": str(frank.id),
                "sender": "+447700900000",
                "force_name": "Testshire Police",
                "reply_route": "Reply STOP to opt out.",
                "urgent": "on",
                "urgency_reason": "End-to-end test runs at any hour",
            },
        )
        assert response.status_code == 302, response.text
        campaign_url = response.headers["Location"]
        campaign_id = int(campaign_url.rsplit("/", 1)[-1])
        page = officer_client.get(campaign_url)
        assert "Testshire Police" in page.text
        officer_client.post(
            f"/campaigns/{campaign_id}/submit", data={"csrf_token": csrf_token(page.text)}
        )

        # the maker cannot approve; a different supervisor can
        supervisor_client = app.test_client()
        login(supervisor_client, supervisor)
        page = supervisor_client.get(campaign_url)
        supervisor_client.post(
            f"/campaigns/{campaign_id}/approve",
            data={"csrf_token": csrf_token(page.text), "comment": "ok"},
        )
        with app.app_context():
            assert db.session.get(Campaign, campaign_id).state == CampaignState.APPROVED

        page = officer_client.get(campaign_url)
        officer_client.post(
            f"/campaigns/{campaign_id}/launch", data={"csrf_token": csrf_token(page.text)}
        )

        # a real RQ worker sends the batch through the twilio client to the sandbox carrier
        with app.app_context():
            run_worker(burst=True, tick=False)
            assert db.session.get(Campaign, campaign_id).state == CampaignState.COMPLETED

        sent = requests.get(f"{stack.carrier.base_url}/_sandbox/stats", timeout=5).json()
        assert sent["accepted"] == 5
        assert sorted(sent["per_recipient"].values()) == [1, 1, 1, 1, 1]

        # signed delivery receipts arrive through the status webhook
        def all_delivered() -> bool:
            with app.app_context():
                statuses = db.session.scalars(select(OutboxMessage.status)).all()
                db.session.remove()
                return statuses == ["delivered"] * 5

        assert wait_until(all_delivered), "delivery receipts did not all arrive"

        # a simulated reply appears in the analyst's reply log
        reply = requests.post(
            f"{stack.carrier.base_url}/_sandbox/replies",
            json={
                "from": "+447700900103",
                "body": "who is this? they are making me sell",
            },
            timeout=5,
        )
        assert reply.status_code == 200, reply.text
        with app.app_context():
            stored = db.session.scalar(select(Reply))
            assert stored.campaign_id == campaign_id
            assert "risk_disclosure" in stored.labels
        analyst_client = app.test_client()
        login(analyst_client, analyst)
        log_page = analyst_client.get("/replies/")
        assert "they are making me sell" in log_page.text
