"""Every page of the web app, for every role that may see it: labels on every field, unique
ids, one h1, a CSRF token in every form that posts, nothing the CSP would block, and error
summaries at the top of a form that failed."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from messaging.audience.suppression import add_by_hand
from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.models import DoNotContact, MessageTemplate, Reply
from tests.campaigns.web.helpers import (
    DRAMA,
    approved,
    make_draft,
    page_problems,
    post,
    sign_in,
    submitted,
)
from tests.support.factories import (
    make_contacts,
    make_line,
    make_service,
    make_template,
    make_user,
)


def _world() -> dict[str, int]:
    officer = make_user(role="officer", email="maker@force.test")
    supervisor = make_user(role="supervisor", email="checker@force.test")
    line = make_line(reference="OP-A/1")
    make_contacts(line, DRAMA[:3])
    draft = make_draft(officer, [line], name="A draft")
    ready = approved(make_draft(officer, [line], name="Approved"), officer, supervisor)
    waiting = submitted(make_draft(officer, [line], name="Waiting"), officer)
    db.session.add(DoNotContact(phone_hash="x" * 40, phone="+447700900999", reason="test"))
    replier = DRAMA[0]
    reply = Reply(
        provider_id="SM" + "0" * 32,
        phone_hash=lookup_hash(replier),
        phone=replier,
        body="who is this? try 07700 900777",
        labels=["wrong_number", "supply_intel"],
    )
    db.session.add(reply)
    opt_out = add_by_hand(db.session, DRAMA[1], actor_id=officer.id, reason="asked by phone")
    db.session.commit()
    return {
        "reply": reply.id,
        "replier": lookup_hash(replier),
        "opt_out": opt_out.id,
        "line": line.id,
        "draft": draft.id,
        "approved": ready.id,
        "waiting": waiting.id,
        "template": make_template(like="treatment_signposting").id,
        "national_template": db.session.scalar(
            select(MessageTemplate.id).where(MessageTemplate.force_id.is_(None))
        ),
        "service": make_service().id,
        "dnc": db.session.scalar(select(DoNotContact.id)),
        "user": officer.id,
    }


PAGES = {
    "officer": [
        "/",
        "/lines/",
        "/lines/new",
        "/lines/{line}",
        "/campaigns/",
        "/campaigns/new",
        "/campaigns/{draft}",
        "/campaigns/{draft}/recipients",
        "/campaigns/{draft}/message",
        "/campaigns/{draft}/sending",
        "/campaigns/{approved}",
        "/templates/",
        "/templates/{template}",
        "/templates/new",
        "/templates/{template}/edit",
        "/templates/{national_template}",
    ],
    "supervisor": ["/", "/campaigns/{waiting}", "/campaigns/{waiting}/approval", "/lines/{line}"],
    "analyst": [
        "/",
        "/lines/",
        "/campaigns/{approved}",
        "/replies/",
        "/replies/?label=supply_intel&q=who",
        "/replies/{reply}",
        "/replies/numbers/{replier}",
        "/intelligence/",
        "/opt-outs/",
        "/opt-outs/{opt_out}",
    ],
    "admin": [
        "/",
        "/admin/",
        "/admin/users",
        "/admin/users/new",
        "/admin/users/{user}",
        "/admin/services/",
        "/admin/services/new",
        "/admin/services/{service}/edit",
        "/admin/do-not-contact/",
        "/admin/do-not-contact/{dnc}/remove",
        "/admin/retention/",
        "/admin/audit/",
        "/templates/",
    ],
}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_every_page_is_labelled_protected_and_csp_clean(app: Flask, role: str) -> None:
    ids = _world()
    client = app.test_client()
    sign_in(client, make_user(role=role))
    for template in PAGES[role]:
        path = template.format(**ids)
        page = client.get(path)
        assert page.status_code == 200, (path, page.status_code)
        assert page_problems(page.text) == [], path
        assert len(re.findall(r"<h1\b", page.text)) == 1, path
        assert re.search(r"<title>[^<]+ – pester</title>", page.text), path
        assert '<html lang="en-GB">' in page.text


@pytest.mark.parametrize(
    ("role", "path", "data"),
    [
        ("officer", "/campaigns/new", {"name": ""}),
        ("officer", "/lines/new", {"reference": ""}),
        ("admin", "/admin/users/new", {"email": "x"}),
        ("admin", "/admin/services/new", {"name": ""}),
        ("officer", "/templates/new", {"name": "", "action": "save"}),
    ],
)
def test_a_failed_form_starts_with_an_error_summary_linking_to_fields(
    app: Flask, role: str, path: str, data: dict[str, str]
) -> None:
    client = app.test_client()
    sign_in(client, make_user(role=role))
    page = post(client, path, data)
    assert page.status_code == 422
    main = page.text.split('<main id="main"', 1)[1]
    summary_at = main.index('class="error-summary"')
    assert summary_at < main.index("<form", main.index("</h1>")), path
    links = re.findall(r'<li><a href="#([a-z_]+)">', main[summary_at:])
    assert links, path
    for field in links:
        assert f'id="{field}"' in main, (path, field)
    assert "<title>Error: " in page.text
    assert page_problems(page.text) == []
