"""Audit entries for actions that once went unrecorded, and for triage and approval events:
who, what (ids and counts), to whom for disclosures, never the data."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from campaigns.app import create_app
from campaigns.cli import main
from messaging import runtime
from messaging.db import db
from messaging.models import AuditEvent, User
from tests.campaigns.api.helpers import bearer, token_id
from tests.campaigns.replies.helpers import store_reply
from tests.campaigns.web.helpers import make_draft, post, service_id, sign_in, submitted
from tests.conftest import csrf_token
from tests.messaging.sending.conftest import (  # noqa: F401 (fixtures)
    Pipeline,
    carrier_config,
    drama,
    pipeline,
    pipeline_overrides,
)
from tests.support.factories import IsolatingClient, login, make_contacts, make_line, make_user

SENDER = "+447700900481"


def _entries(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_pester_user_add_is_recorded_with_who_ran_it(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        main, ["user", "add", "new.analyst@force.test", "--role", "analyst"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "new.analyst@force.test"))
    (entry,) = _entries("user_added")
    assert (entry.category, entry.object_type, entry.object_id) == (
        "administration",
        "user",
        str(user.id),
    )
    assert entry.actor.startswith("cli")
    assert entry.details == {"role": "analyst", "one_time_password": True}
    assert result.output.split("one-time password: ")[1].strip() not in str(entry.details)


def test_listing_lines_over_the_api_is_recorded_like_the_web_list(app: Flask) -> None:
    make_line(reference="OP-A/1")
    headers = bearer(make_user(role="officer"))
    response = app.test_client().get("/api/v1/lines?q=OP-A", headers=headers)
    assert response.status_code == 200
    (entry,) = _entries("lines_listed")
    assert entry.category == "disclosure"
    assert entry.recipient == f"api token {token_id(headers)}"
    assert entry.details["shown"] == 1 and entry.details["searched"] is True


def test_a_reply_export_names_who_received_it(app: Flask) -> None:
    make_contacts(make_line(), [SENDER])
    store_reply(SENDER, "who is this")
    analyst = make_user(role="analyst")
    client = app.test_client()
    sign_in(client, analyst)
    assert client.get("/replies/export/replies.csv").status_code == 200
    (entry,) = _entries("replies_exported")
    assert entry.recipient == f"user:{analyst.id} {analyst.email} (download)"
    assert entry.actor_id == analyst.id and entry.user_agent


def test_annotating_a_reply_is_an_alteration_with_counts_only(app: Flask) -> None:
    reply = store_reply(SENDER, "new line 07700 900482")
    client = app.test_client()
    sign_in(client, make_user(role="analyst"))
    page = client.get(f"/replies/{reply.id}")
    client.post(
        f"/replies/{reply.id}/annotate",
        data={"csrf_token": csrf_token(page.text), "tags": "intel, 07700900482", "notes": "x"},
    )
    (entry,) = _entries("reply_annotated")
    assert (entry.category, entry.object_id) == ("alteration", str(reply.id))
    assert entry.details == {"tags": 2, "notes": True}


def test_labelling_a_reply_over_the_api_is_an_alteration_with_counts_only(app: Flask) -> None:
    reply = store_reply(SENDER, "who is this")
    headers = bearer(make_user(role="analyst"))
    response = app.test_client().post(
        f"/api/v1/replies/{reply.id}/labels",
        headers=headers,
        json={"labels": ["hostile"], "tags": ["op-x", "t2"]},
    )
    assert response.status_code == 200
    (entry,) = _entries("reply_labelled")
    assert (entry.category, entry.object_id) == ("alteration", str(reply.id))
    assert entry.details == {"labels": 1, "tags": 2}


def test_sending_a_campaign_back_is_an_alteration_with_the_comment_as_reason(
    app: Flask,
) -> None:
    officer, supervisor = make_user(role="officer"), make_user(role="supervisor")
    line = make_line()
    make_contacts(line, [SENDER])
    campaign = submitted(
        make_draft(officer, [line], slug="treatment_local_service", service_id=service_id("FRANK")),
        officer,
    )
    client = app.test_client()
    sign_in(client, supervisor)
    response = post(
        client,
        f"/campaigns/{campaign.id}/reject",
        {"comment": "Use the local service"},
        page=f"/campaigns/{campaign.id}/approval",
    )
    assert response.status_code == 302
    (entry,) = _entries("campaign_rejected")
    assert (entry.category, entry.object_id) == ("alteration", str(campaign.id))
    assert entry.actor_id == supervisor.id and entry.reason == "Use the local service"


def test_a_test_send_is_a_disclosure_to_the_gateway(pipeline: Pipeline) -> None:  # noqa: F811
    own = drama(322)
    pipeline.officer.own_phone = own
    db.session.commit()
    campaign_id = pipeline.campaign([drama(101)], launch=False)
    app = create_app(pipeline.settings)
    app.test_client_class = IsolatingClient
    client = app.test_client()
    with app.app_context():
        login(client, pipeline.officer, "x" * 16)
        page = client.get("/campaigns/")
        response = client.post(
            f"/campaigns/{campaign_id}/test-send", data={"csrf_token": csrf_token(page.text)}
        )
        assert response.status_code == 302
    (entry,) = _entries("campaign_test_send")
    assert (entry.category, entry.object_id) == ("disclosure", str(campaign_id))
    assert entry.recipient == runtime.current().settings.sms_gateway
    assert entry.details["outcome"] == "sent"
    assert own not in str(entry.details) and own[3:] not in str(entry.details)
