"""The home page shows each person what needs them now."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from messaging.db import db, utcnow
from messaging.models import Reply
from tests.campaigns.web.helpers import DRAMA, approved, make_draft, page_problems, sign_in
from tests.support.factories import make_contacts, make_line, make_user


def test_analysts_see_urgent_replies_waiting_with_their_age(app: Flask) -> None:
    db.session.add_all(
        [
            Reply(
                provider_id="SMurgent",
                body="they're making me sell",
                urgent=True,
                risk_kinds=["exploitation"],
                labels=["risk_disclosure"],
                received_at=utcnow() - timedelta(minutes=95),
            ),
            Reply(
                provider_id="SMhandled",
                body="overdose last night",
                urgent=True,
                risk_kinds=["overdose"],
                handled_at=utcnow(),
            ),
        ]
    )
    db.session.commit()
    client = app.test_client()
    sign_in(client, make_user(role="analyst"))
    page = client.get("/")
    assert "Urgent replies waiting (1)" in page.text
    assert "exploitation" in page.text and "overdose" not in page.text
    assert "1 h 35 min" in page.text
    assert "making me sell" not in page.text  # the home page never shows reply text
    assert page_problems(page.text) == []


def test_officers_do_not_see_the_reply_panel(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, make_user(role="officer"))
    assert "Urgent replies" not in client.get("/").text


def test_home_lists_open_lines_campaign_states_and_work_to_do(app: Flask) -> None:
    officer = make_user(role="officer")
    supervisor = make_user(role="supervisor")
    line = make_line(reference="OP-KESTREL/1")
    make_contacts(line, DRAMA[:3])
    make_draft(officer, [line], name="Draft one")
    approved(make_draft(officer, [line], name="Ready one"), officer, supervisor)
    client = app.test_client()
    sign_in(client, officer)
    page = client.get("/")
    assert "OP-KESTREL/1" in page.text
    assert "Approved, ready to launch" in page.text and "Ready one" in page.text
    assert "Your drafts" in page.text and "Draft one" in page.text
    assert 'href="/campaigns/?state=draft"' in page.text
    assert "signed in" in page.text  # recent activity


def test_admins_see_no_personal_data_panels(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, make_user(role="admin"))
    page = client.get("/")
    assert page.status_code == 200
    assert "Open lines" not in page.text and "Urgent replies" not in page.text
    assert 'href="/admin/"' in page.text
