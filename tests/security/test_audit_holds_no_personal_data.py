"""A whole day's work leaves an audit trail of ids and counts: never a number, a saved name
or a word of a reply, in any field of any entry (DPA 2018 s.62 logs metadata, not data).

Runs the real path: a line registered and an extraction imported on the web, a campaign
approved and sent by a real RQ worker through the sandbox carrier, signed receipts, a reply
naming another number, STOP, the analysts' reply log, conversation, exports and the API.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from messaging.db import db
from messaging.models import AuditEvent, MessageTemplate, OutboxMessage, Reply, Service
from messaging.sending.worker import run_worker
from tests.campaigns.api.helpers import bearer
from tests.conftest import csrf_token
from tests.support.factories import login, make_user
from tests.support.live import live_stack, wait_until

NUMBERS = ["+447700900131", "+447700900132", "+447700900133"]
NAMES = ["Daz Estate", "Big Kev", "Shaz Nan"]
MENTIONED = "+447700900139"  # a new number, not on any line
REPLY = "who is this? they make me run for them, new line is 07700 900139, also ring 07700900132"
# Any UK mobile written as digits, in E.164 or national form, outside a longer hex or number.
PHONE = re.compile(r"(?<![0-9A-Fa-f])(?:\+?44|0)7\d{3}\s?\d{6}(?![0-9A-Fa-f])")


def _forms(number: str) -> list[str]:
    national = "0" + number[3:]
    return [number, number[1:], national, national[:5] + " " + national[5:], number[-6:]]


def _post(client: FlaskClient, page_url: str, url: str, **data: object):  # type: ignore[no-untyped-def]
    page = client.get(page_url)
    return client.post(url, data={"csrf_token": csrf_token(page.text), **data})


def _officer_imports_and_launches(app: Flask, tmp_path: Path) -> int:
    with app.app_context():
        officer, supervisor = make_user(role="officer"), make_user(role="supervisor")
        template = db.session.scalar(
            select(MessageTemplate).where(MessageTemplate.slug == "treatment_signposting")
        )
        version_id = template.current.id
        frank_id = db.session.scalar(select(Service.id).where(Service.name == "FRANK"))
    officer_client = app.test_client()
    login(officer_client, officer)
    created = _post(officer_client, "/lines/new", "/lines/new", reference="OP-AUDIT/1", name="Tony")
    line_url = created.headers["Location"]
    line_id = int(line_url.rstrip("/").rsplit("/", 1)[-1])
    extraction = tmp_path / "contacts.csv"
    rows = [f"{name},0{n[3:]}" for name, n in zip(NAMES, NUMBERS, strict=True)]
    extraction.write_text("Name,Mobile\n" + "\n".join(rows) + "\n", encoding="utf-8")
    page = officer_client.get(line_url)
    with extraction.open("rb") as handle:
        preview = officer_client.post(
            f"/lines/{line_id}/import",
            data={"csrf_token": csrf_token(page.text), "format": "auto", "file": (handle, "c.csv")},
            content_type="multipart/form-data",
        )
    token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)
    done = officer_client.post(
        f"/lines/{line_id}/import/confirm",
        data={
            "csrf_token": csrf_token(preview.text),
            "token": token,
            "filename": "c.csv",
            "format": "auto",
        },
    )
    assert done.status_code == 200, done.text
    officer_client.get(f"/lines/{line_id}")
    response = _post(
        officer_client,
        "/campaigns/new",
        "/campaigns/new",
        name="Audit day",
        line_ids=[str(line_id)],
        template_version_id=str(version_id),
        service_id=str(frank_id),
        sender="+447700900000",
        force_name="Testshire Police",
        reply_route="Reply STOP to opt out.",
        urgent="on",
        urgency_reason="Test runs at any hour",
    )
    campaign_url = response.headers["Location"]
    campaign_id = int(campaign_url.rsplit("/", 1)[-1])
    _post(officer_client, campaign_url, f"/campaigns/{campaign_id}/submit")
    supervisor_client = app.test_client()
    login(supervisor_client, supervisor)
    _post(supervisor_client, campaign_url, f"/campaigns/{campaign_id}/approve", comment="ok")
    _post(officer_client, campaign_url, f"/campaigns/{campaign_id}/launch")
    return campaign_id


def _all_fields(entry: AuditEvent) -> str:
    return json.dumps(
        [
            entry.actor,
            entry.object_type,
            entry.object_id,
            entry.details,
            entry.recipient,
            entry.ip,
            entry.user_agent,
            entry.reason,
        ],
        default=str,
        ensure_ascii=False,
    )


def test_no_audit_entry_holds_a_number_a_name_or_reply_text(
    tmp_path: Path, database_url: str, redis_db_url: str
) -> None:
    with live_stack(
        tmp_path, database_url=database_url, redis_url=redis_db_url, send_rate_override=50.0
    ) as stack:
        app = stack.app
        campaign_id = _officer_imports_and_launches(app, tmp_path)
        with app.app_context():
            run_worker(burst=True, tick=False)

        def delivered() -> bool:
            with app.app_context():
                statuses = db.session.scalars(select(OutboxMessage.status)).all()
                db.session.remove()
                return statuses == ["delivered"] * len(NUMBERS)

        assert wait_until(delivered), "delivery receipts did not all arrive"
        for sender, body in ((NUMBERS[0], REPLY), (NUMBERS[2], "STOP")):
            answer = requests.post(
                f"{stack.carrier.base_url}/_sandbox/replies",
                json={"from": sender, "body": body},
                timeout=5,
            )
            assert answer.status_code == 200, answer.text
        with app.app_context():
            reply = db.session.scalar(select(Reply).where(Reply.campaign_id == campaign_id))
            assert reply is not None and reply.body == REPLY
            reply_id, phone_hash = reply.id, reply.phone_hash
            analyst = make_user(role="analyst")
            headers = bearer(analyst)

        analyst_client = app.test_client()
        login(analyst_client, analyst)
        assert REPLY[:20] in analyst_client.get("/replies/?q=run").text
        analyst_client.get(f"/replies/{reply_id}")
        analyst_client.get(f"/replies/numbers/{phone_hash}")
        _post(
            analyst_client,
            f"/replies/{reply_id}",
            f"/replies/{reply_id}/annotate",
            tags="kev, line-07700900139",
            notes=f"Kev on {MENTIONED}",
        )
        for fmt in ("csv", "json"):
            export = analyst_client.get(f"/replies/export/replies.{fmt}?q=run")
            assert export.status_code == 200 and NUMBERS[0] in export.text  # data does leave
        api = app.test_client()
        assert api.get("/api/v1/replies", headers=headers).status_code == 200
        assert api.get(f"/api/v1/replies/{reply_id}", headers=headers).status_code == 200
        api.post(f"/api/v1/replies/{reply_id}/labels", headers=headers, json={"tags": ["x"]})

        with app.app_context():
            entries = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
            actions = {e.action for e in entries}
            for expected in (
                "contacts_imported",
                "texts_sent_to_gateway",
                "reply_received",
                "reply_numbers_linked",
                "opt_out_added",
                "replies_viewed",
                "conversation_viewed",
                "reply_annotated",
                "replies_exported",
                "replies_listed",
                "reply_read",
                "reply_labelled",
            ):
                assert expected in actions, (expected, sorted(actions))
            forbidden = [f for n in (*NUMBERS, MENTIONED) for f in _forms(n)]
            forbidden += [*NAMES, "make me run", "who is this", "Kev on", "line-07700900139"]
            for entry in entries:
                text = _all_fields(entry)
                assert not PHONE.search(text), (entry.action, text)
                for value in forbidden:
                    assert value not in text, (entry.action, value, text)
