"""SMS templates in the UI: checked placeholders, a preview with segments, versions on edit."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from messaging.content.sms_encoding import inspect
from messaging.content.sms_templates import render
from messaging.db import db
from messaging.models import Campaign, MessageTemplate, TemplateVersion
from tests.campaigns.web.helpers import (
    DRAMA,
    audit_actions,
    make_draft,
    page_problems,
    post,
    sign_in,
    text_of,
)
from tests.support.factories import make_contacts, make_line, make_template, make_user

BODY = (
    "{{ force_name }}: a drug line in contact with this number was closed. This may not "
    "apply to you. Help: {{ service_name }} {{ service_phone }}. {{ reply_route }}"
)


def _writer(app: Flask, role: str = "officer"):  # type: ignore[no-untyped-def]
    client = app.test_client()
    sign_in(client, make_user(role=role))
    return client


def test_a_template_asking_for_the_recipients_name_is_refused(app: Flask) -> None:
    client = _writer(app)
    response = post(
        client,
        "/templates/new",
        {
            "name": "Personal",
            "purpose": "signposting",
            "body": "Hi {{ saved_name }}, {{ force_name }} here. {{ reply_route }}",
            "action": "save",
        },
    )
    assert response.status_code == 422
    assert "'saved_name' cannot be used in a message." in text_of(response.text)
    assert 'id="body-error"' in response.text and 'href="#body"' in response.text
    assert "Hi {{ saved_name }}" in response.text  # kept for correcting
    assert (
        db.session.scalar(select(MessageTemplate).where(MessageTemplate.name == "Personal")) is None
    )


def test_a_template_must_say_how_to_opt_out(app: Flask) -> None:
    client = _writer(app)
    response = post(
        client,
        "/templates/new",
        {
            "name": "No route",
            "purpose": "warning",
            "body": "{{ force_name }}: be careful.",
            "action": "save",
        },
    )
    assert response.status_code == 422
    assert "must tell people how to opt out" in response.text


def test_preview_shows_the_sample_text_encoding_and_segments_without_saving(app: Flask) -> None:
    client = _writer(app, role="admin")
    response = post(
        client,
        "/templates/new",
        {"name": "Local help", "purpose": "signposting", "body": BODY, "action": "preview"},
    )
    assert response.status_code == 200
    sample = re.search(r'data-testid="template-sample">([^<]+)<', response.text).group(1)
    assert sample.startswith("Essex Police: a drug line")
    expected = inspect(
        render(
            BODY,
            {
                "force_name": "Essex Police",
                "service_name": "Change Grow Live",
                "service_phone": "0300 123 4567",
                "reply_route": "Reply STOP to opt out.",
            },
        )
    )
    segments = re.search(r'data-testid="template-segments">(\d+)<', response.text).group(1)
    assert int(segments) == expected.segments
    assert f"Encoding {expected.encoding}" in text_of(response.text)
    assert (
        db.session.scalar(select(MessageTemplate).where(MessageTemplate.name == "Local help"))
        is None
    )
    assert page_problems(response.text) == []


def test_saving_then_editing_makes_a_new_version_and_campaigns_keep_theirs(app: Flask) -> None:
    client = _writer(app)
    saved = post(
        client,
        "/templates/new",
        {"name": "Local help", "purpose": "signposting", "body": BODY, "action": "save"},
    )
    assert saved.status_code == 302
    template = db.session.scalar(
        select(MessageTemplate).where(MessageTemplate.name == "Local help")
    )
    first = db.session.scalar(
        select(TemplateVersion).where(TemplateVersion.template_id == template.id)
    )
    assert first.version == 1
    assert first.placeholders == ["force_name", "service_name", "service_phone", "reply_route"]
    officer = make_user(role="officer")
    line = make_line()
    make_contacts(line, DRAMA[:1])
    campaign = make_draft(officer, [line], template_version_id=first.id, service_id=None)
    edited = post(
        client,
        f"/templates/{template.id}/edit",
        {
            "name": "Local help",
            "purpose": "signposting",
            "body": BODY.replace("was closed", "has been closed"),
            "action": "save",
        },
    )
    assert edited.status_code == 302
    versions = db.session.scalars(
        select(TemplateVersion)
        .where(TemplateVersion.template_id == template.id)
        .order_by(TemplateVersion.version)
    ).all()
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].body == BODY  # the old text is never changed
    assert db.session.get(Campaign, campaign.id).template_version_id == first.id
    db.session.expire_all()  # the test shares the requests' session: drop its cached collections
    page = client.get(f"/templates/{template.id}")
    assert "has been closed" in page.text
    assert audit_actions(object_type="template") == ["template_added", "template_changed"]


def test_saving_unchanged_text_adds_no_version(app: Flask) -> None:
    client = _writer(app, role="admin")
    template = make_template(like="treatment_signposting")
    before = template.current.version
    post(
        client,
        f"/templates/{template.id}/edit",
        {
            "name": template.name,
            "purpose": template.purpose,
            "description": template.description,
            "body": template.current.body,
            "action": "save",
        },
    )
    db.session.expire_all()
    assert db.session.get(MessageTemplate, template.id).current.version == before


def test_supervisors_read_templates_but_cannot_change_them(app: Flask) -> None:
    client = _writer(app, role="supervisor")
    template = db.session.scalar(select(MessageTemplate))
    assert client.get("/templates/").status_code == 200
    page = client.get(f"/templates/{template.id}")
    assert page.status_code == 200 and "Edit (makes version" not in page.text
    assert client.get("/templates/new").status_code == 403
    assert client.get(f"/templates/{template.id}/edit").status_code == 403
    analyst = _writer(app, role="analyst")
    assert analyst.get("/templates/").status_code == 403


def test_a_withdrawn_template_is_not_offered_to_new_campaigns(app: Flask) -> None:
    client = _writer(app, role="admin")
    template = make_template(like="line_closed")  # "Drug line closed (ours)"
    officer = make_user(role="officer")
    line = make_line()
    make_contacts(line, DRAMA[:1])
    campaign = make_draft(officer, [line])
    theirs = app.test_client()
    sign_in(theirs, officer)
    assert "Drug line closed (ours)" in theirs.get(f"/campaigns/{campaign.id}/message").text
    post(client, f"/templates/{template.id}/withdraw", {}, page=f"/templates/{template.id}")
    assert "Drug line closed (ours)" not in theirs.get(f"/campaigns/{campaign.id}/message").text


def test_two_people_saving_the_same_template_at_once_get_a_conflict_not_an_error(
    app: Flask, monkeypatch
) -> None:
    from markupsafe import escape

    from campaigns.views import templates_admin

    client = _writer(app, role="admin")
    template = make_template(like="treatment_signposting")
    template_id, before = template.id, template.current.version
    theirs = template.current.body + " Take care."
    validate = templates_admin._validate

    def someone_else_saves_first():  # type: ignore[no-untyped-def]
        # This request has read the template; the other person's save commits now.
        with db.transaction() as session:
            session.add(
                TemplateVersion(
                    template_id=template_id,
                    version=before + 1,
                    body=theirs,
                    placeholders=list(template.current.placeholders),
                    created_by_id=None,
                )
            )
        return validate()

    monkeypatch.setattr(templates_admin, "_validate", someone_else_saves_first)
    mine = template.current.body + " Stay safe."
    response = post(
        client,
        f"/templates/{template_id}/edit",
        {
            "name": template.name,
            "purpose": template.purpose,
            "description": template.description,
            "body": mine,
            "action": "save",
        },
    )
    assert response.status_code == 409
    assert f"Someone else saved this template (now version {before + 1})" in text_of(response.text)
    assert str(escape(mine)) in response.text  # kept, to apply again
    db.session.expire_all()
    versions = db.session.scalars(
        select(TemplateVersion)
        .where(TemplateVersion.template_id == template_id)
        .order_by(TemplateVersion.version)
    ).all()
    assert [v.body for v in versions][-1] == theirs  # theirs stands; mine was not saved
    assert versions[-1].version == before + 1


def test_two_people_creating_templates_with_one_name_at_once_get_a_conflict(
    app: Flask, monkeypatch
) -> None:
    from campaigns.views import templates_admin

    client = _writer(app)
    # The other person's template (of the same force) took the slug after this request
    # checked it was free.
    make_template(name="Their help", slug="local_help")
    monkeypatch.setattr(templates_admin, "_slug", lambda name: "local_help")
    response = post(
        client,
        "/templates/new",
        {"name": "Local help", "purpose": "signposting", "body": BODY, "action": "save"},
    )
    assert response.status_code == 409
    assert "A template with this name was saved a moment ago" in text_of(response.text)
    assert (
        db.session.scalar(select(MessageTemplate).where(MessageTemplate.name == "Local help"))
        is None
    )


def test_saving_an_edit_begun_before_someone_else_saved_is_refused_with_their_version_named(
    app: Flask,
) -> None:
    from markupsafe import escape

    template = make_template(like="line_closed")
    template_id, opened_at = template.id, template.current.version
    first, second = _writer(app, role="admin"), _writer(app, role="officer")
    form = first.get(f"/templates/{template_id}/edit").text
    assert f'name="base_version" value="{opened_at}"' in form
    fields = {
        "name": template.name,
        "purpose": template.purpose,
        "description": template.description,
        "base_version": str(opened_at),
        "action": "save",
    }
    theirs = template.current.body + " Take care."
    assert (
        post(second, f"/templates/{template_id}/edit", {**fields, "body": theirs}).status_code
        == 302
    )
    mine = template.current.body + " Stay safe."
    response = post(first, f"/templates/{template_id}/edit", {**fields, "body": mine})
    assert response.status_code == 409
    assert f"Someone else saved this template (now version {opened_at + 1})" in text_of(
        response.text
    )
    assert str(escape(mine)) in response.text  # kept, to apply again
    db.session.expire_all()
    current = db.session.get(MessageTemplate, template_id).current
    assert (current.version, current.body) == (opened_at + 1, theirs)
