"""Reference data: shipped templates and national services, added once."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from messaging.db import db
from messaging.models import MessageTemplate, Service, TemplateVersion
from messaging.seed import seed_reference_data
from messaging.sms_templates import load_shipped_templates


def test_every_shipped_template_and_national_service_is_seeded_once(app: Flask) -> None:
    before = db.session.scalar(select(func.count()).select_from(TemplateVersion))
    added = seed_reference_data(db.session)
    db.session.commit()
    assert added == {"templates": 0, "versions": 0, "services": 0}
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
