"""A campaign's page: launch, live progress, pause / resume / cancel, and the results."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from campaigns.results import bucket_series, campaign_results
from messaging import delivery_status as ds
from messaging.db import db, utcnow
from messaging.models import Campaign, CampaignState, Contact, OutboxMessage, Reply
from tests.campaigns.web.helpers import (
    DRAMA,
    approved,
    audit_actions,
    make_draft,
    page_problems,
    post,
    sign_in,
    text_of,
)
from tests.support.factories import make_contacts, make_line, make_user


def _approved(app: Flask, numbers: int = 6):  # type: ignore[no-untyped-def]
    officer = make_user(role="officer")
    supervisor = make_user(role="supervisor")
    line = make_line()
    make_contacts(line, DRAMA[:numbers])
    campaign = approved(
        make_draft(officer, [line], urgent=True, urgency_reason="tests run at any hour"),
        officer,
        supervisor,
    )
    client = app.test_client()
    sign_in(client, officer)
    return officer, supervisor, campaign, client


def test_launching_queues_the_texts_and_shows_live_progress(app: Flask) -> None:
    _, _, campaign, client = _approved(app)
    page = client.get(f"/campaigns/{campaign.id}")
    assert "Launch now" in page.text
    response = post(
        client, f"/campaigns/{campaign.id}/launch", {}, page=f"/campaigns/{campaign.id}"
    )
    assert response.status_code == 302
    page = client.get(f"/campaigns/{campaign.id}")
    assert "Launched: 6 texts queued." in page.text
    assert 'id="progress-bar"' in page.text and 'max="100" value="0' in page.text
    assert "/static/progress.js" in page.text
    assert "/static/vendor/chart.umd.js" in page.text and "/static/results.js" in page.text
    assert page_problems(page.text) == []
    progress = client.get(f"/campaigns/{campaign.id}/progress.json").get_json()
    assert progress["state"] == "sending"
    assert progress["total"] == 6 and progress["remaining"] == 6 and progress["percent"] == 0
    assert "campaign_launch" in audit_actions(object_type="campaign")


def test_pause_resume_and_cancel(app: Flask) -> None:
    _, _, campaign, client = _approved(app)
    url = f"/campaigns/{campaign.id}"
    post(client, f"{url}/launch", {}, page=url)
    assert "Pause</button>" in client.get(url).text
    post(client, f"{url}/pause", {}, page=url)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == CampaignState.PAUSED
    page = client.get(url)
    assert "Resume</button>" in page.text and "Pause</button>" not in page.text
    post(client, f"{url}/resume", {}, page=url)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == CampaignState.SENDING
    response = post(client, f"{url}/cancel", {"reason": "Wrong line chosen"}, page=url)
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Campaign, campaign.id)
    assert saved.state == CampaignState.CANCELLED
    statuses = set(
        db.session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.campaign_id == campaign.id)
        )
    )
    assert statuses == {ds.CANCELLED}
    page = client.get(url)
    assert "Cancelled. 6 texts not yet sent will not go." in page.text
    assert "Cancel campaign</button>" not in page.text
    actions = audit_actions(object_type="campaign")
    assert {"campaign_pause", "campaign_resume", "campaign_cancel"} <= set(actions)


def test_a_refused_action_says_why(app: Flask) -> None:
    _, _, campaign, client = _approved(app)
    url = f"/campaigns/{campaign.id}"
    response = post(client, f"{url}/pause", {}, page=url)  # not sending yet
    assert response.status_code == 302
    assert "Only a" in text_of(client.get(url).text)


def _outbox(campaign: Campaign, statuses: list[tuple[str, int | None]]) -> list[OutboxMessage]:
    contacts = db.session.scalars(select(Contact).order_by(Contact.id)).all()
    now = utcnow()
    rows = []
    for i, (status, code) in enumerate(statuses):
        contact = contacts[i]
        sent = now - timedelta(minutes=10 - i) if status in ds.AT_CARRIER else None
        row = OutboxMessage(
            campaign_id=campaign.id,
            contact_id=contact.id,
            phone_hash=contact.phone_hash,
            to=contact.phone,
            body="x",
            sender="+447700900000",
            segments=1,
            status=status,
            error_code=code,
            submitted_at=sent,
            final_at=sent + timedelta(seconds=5) if sent else None,
        )
        db.session.add(row)
        rows.append(row)
    db.session.commit()
    return rows


def test_results_count_the_funnel_and_failures_by_code(app: Flask) -> None:
    _, _, campaign, client = _approved(app, numbers=8)
    campaign.state = CampaignState.SENDING
    db.session.merge(campaign)
    db.session.commit()
    rows = _outbox(
        campaign,
        [
            ("delivered", None),
            ("delivered", None),
            ("read", None),
            ("sent", None),
            ("undelivered", 30003),
            ("failed", 30005),
            ("failed", 30005),
            (ds.SUPPRESSED, None),
        ],
    )
    for row, body, labels in (
        (rows[0], "STOP", ["opt_out"]),
        (rows[1], "who is this", ["other"]),
        (rows[1], "stop texting me", ["opt_out"]),
    ):
        db.session.add(
            Reply(
                provider_id=f"SM{row.id}{len(body)}",
                phone_hash=row.phone_hash,
                body=body,
                campaign_id=campaign.id,
                outbox_id=row.id,
                labels=labels,
            )
        )
    db.session.commit()
    results = campaign_results(db.session, campaign.id)
    assert results["funnel"] == {
        "recipients": 8,
        "accepted": 7,
        "delivered": 3,
        "replied": 2,
        "failed": 3,
        "opted_out": 2,
        "skipped": 1,
        "cancelled": 0,
        "unknown": 0,
        "waiting": 0,
    }
    assert results["failures"] == [
        {"code": 30005, "description": "unknown or inactive handset", "count": 2},
        {"code": 30003, "description": "destination unreachable", "count": 1},
    ]
    timeline = results["timeline"]
    assert sum(timeline["sent"]) == 7
    assert sum(timeline["delivered"]) == 3
    assert sum(timeline["replies"]) == 3
    from_json = client.get(f"/campaigns/{campaign.id}/results.json").get_json()
    assert from_json["funnel"] == results["funnel"]
    page = client.get(f"/campaigns/{campaign.id}")
    text = text_of(page.text)
    assert "Delivered 3 37.5%" in text
    assert "30005 unknown or inactive handset 2" in text
    assert 'id="funnel-chart"' in page.text and 'id="timeline-chart"' in page.text


def test_the_replies_link_shows_only_to_those_who_may_read_replies(app: Flask) -> None:
    _, _, campaign, client = _approved(app, numbers=2)
    campaign.state = CampaignState.SENDING
    db.session.merge(campaign)
    db.session.commit()
    _outbox(campaign, [("delivered", None), ("delivered", None)])
    assert "this campaign's replies" not in client.get(f"/campaigns/{campaign.id}").text
    analyst = app.test_client()
    sign_in(analyst, make_user(role="analyst"))
    page = analyst.get(f"/campaigns/{campaign.id}")
    assert f"/replies/?campaign={campaign.id}" in page.text


def test_timeline_buckets_hold_every_moment_once() -> None:
    start = utcnow().replace(microsecond=0)
    sent = [start + timedelta(seconds=s) for s in (0, 1, 2, 65, 400)]
    replies = [start + timedelta(seconds=3000)]
    series = bucket_series({"sent": sent, "replies": replies})
    assert sum(series["sent"]) == 5 and sum(series["replies"]) == 1
    assert len(series["labels"]) == len(series["sent"]) == len(series["replies"])
    assert len(series["labels"]) < 123
    assert bucket_series({"sent": []})["labels"] == []


def test_the_campaign_list_filters_by_state(app: Flask) -> None:
    officer, _, campaign, client = _approved(app, numbers=2)
    make_draft(officer, [db.session.get(Campaign, campaign.id).lines[0]], name="Still a draft")
    approved_only = client.get("/campaigns/?state=approved").text
    assert "Kestrel signposting" in approved_only and "Still a draft" not in approved_only
    everything = client.get("/campaigns/").text
    assert "Kestrel signposting" in everything and "Still a draft" in everything
