"""Reference data: shipped templates and national services, added once."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask
from sqlalchemy import func, select

from messaging.content.sms_templates import SmsTemplate, load_shipped_templates
from messaging.db import db
from messaging.models import MessageTemplate, Service, TemplateVersion
from messaging.seed import seed_reference_data
from tests.support.factories import make_user


def test_every_shipped_template_and_national_service_is_seeded_once(app: Flask) -> None:
    before = db.session.scalar(select(func.count()).select_from(TemplateVersion))
    added = seed_reference_data(db.session)
    db.session.commit()
    assert added == {"templates": 0, "versions": 0, "services": 0, "local_edits_kept": 0}
    assert before == len(load_shipped_templates())
    names = set(db.session.scalars(select(Service.name)))
    assert {"FRANK", "Crimestoppers", "SafeCall"} <= names


def test_an_edit_made_in_the_web_app_survives_the_next_upgrade(app: Flask) -> None:
    template = db.session.scalar(
        select(MessageTemplate).where(MessageTemplate.slug == "line_closed")
    )
    edited = TemplateVersion(
        template_id=template.id,
        version=template.current.version + 1,
        body=template.current.body + " Edited locally.",
        placeholders=template.current.placeholders,
    )
    db.session.add(edited)
    db.session.commit()
    seed_reference_data(db.session)
    db.session.commit()
    db.session.refresh(template)
    assert template.current.body.endswith("Edited locally.")


def _release_with_new_wording(slug: str) -> list[SmsTemplate]:
    """The shipped templates as a later release might ship them: one with new wording."""
    return [
        replace(t, body=t.body.replace("Phones change hands", "Numbers get passed on"))
        if t.slug == slug
        else t
        for t in load_shipped_templates()
    ]


def _template(slug: str) -> MessageTemplate:
    template = db.session.scalar(select(MessageTemplate).where(MessageTemplate.slug == slug))
    db.session.refresh(template)
    return template


def test_new_shipped_wording_becomes_current_when_nobody_edited_the_template(app: Flask) -> None:
    before = _template("line_closed").current.version
    added = seed_reference_data(
        db.session, shipped_templates=_release_with_new_wording("line_closed")
    )
    db.session.commit()
    assert (added["versions"], added["local_edits_kept"]) == (1, 0)
    current = _template("line_closed").current
    assert current.version == before + 1
    assert "Numbers get passed on" in current.body and current.created_by_id is None


def test_new_shipped_wording_never_replaces_an_edit_made_in_the_web_app(app: Flask) -> None:
    editor = make_user(role="officer")
    template = _template("line_closed")
    db.session.add(
        TemplateVersion(
            template_id=template.id,
            version=template.current.version + 1,
            body=template.current.body + " Edited locally.",
            placeholders=template.current.placeholders,
            created_by_id=editor.id,
        )
    )
    db.session.commit()
    added = seed_reference_data(
        db.session, shipped_templates=_release_with_new_wording("line_closed")
    )
    db.session.commit()
    assert (added["versions"], added["local_edits_kept"]) == (0, 1)
    assert _template("line_closed").current.body.endswith("Edited locally.")
