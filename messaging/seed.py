"""Reference data every installation starts with: shipped templates and national services."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from messaging.content.sms_templates import SmsTemplate, load_shipped_templates
from messaging.models import Force, MessageTemplate, Service, TemplateVersion

log = logging.getLogger(__name__)

NATIONAL_SERVICES = (
    {
        "name": "FRANK",
        "phone": "0300 123 6600",
        "url": "talktofrank.com",
        "hours": "24 hours",
        "areas": "England and Wales",
    },
    {
        "name": "Crimestoppers",
        "phone": "0800 555 111",
        "url": "crimestoppers-uk.org",
        "hours": "24 hours",
        "areas": "UK",
    },
    {
        "name": "SafeCall",
        "phone": "116 000",
        "url": "missingpeople.org.uk/safecall",
        "hours": "24 hours",
        "areas": "UK",
    },
)


def ensure_a_force(session: Session, code: str = "DEFAULT") -> Force:
    """The installation's first force (``code``) when it has none yet; else its first one.

    Migrations create it on a database they build; this covers one made from the models.
    """
    first = session.scalar(select(Force).order_by(Force.id).limit(1))
    if first is None:
        first = Force(code=code, name=code)
        session.add(first)
        session.flush()
        log.info("created the default force %s", first.id)
    return first


def seed_reference_data(
    session: Session,
    *,
    shipped_templates: Sequence[SmsTemplate] | None = None,
    default_force: str = "DEFAULT",
) -> dict[str, int]:
    """Add missing shipped templates (or a new version when a file's text is new) and services,
    and the default force when there is no force at all.

    ``shipped_templates`` defaults to the files in ``templates/sms/``.
    """
    ensure_a_force(session, default_force)
    added = {"templates": 0, "versions": 0, "services": 0, "local_edits_kept": 0}
    if shipped_templates is None:
        shipped_templates = load_shipped_templates()
    for shipped in shipped_templates:
        _seed_template(session, shipped, added)
    for service in NATIONAL_SERVICES:
        national = select(Service.id).where(Service.name == service["name"])
        if session.scalar(national.where(Service.force_id.is_(None))) is None:
            session.add(Service(national=True, **service))
            added["services"] += 1
    return added


def _seed_template(session: Session, shipped: SmsTemplate, added: dict[str, int]) -> None:
    """Add a shipped template, or a new version when its file's text is new (never over a
    force's own edit); counts what it did in ``added``."""
    template = session.scalar(
        select(MessageTemplate).where(
            MessageTemplate.slug == shipped.slug, MessageTemplate.force_id.is_(None)
        )
    )
    if template is None:
        template = MessageTemplate(
            slug=shipped.slug,
            name=shipped.name,
            purpose=shipped.purpose,
            description=shipped.description,
            answers=list(shipped.answers),
            shipped=True,
        )
        session.add(template)
        session.flush()
        added["templates"] += 1
    elif template.shipped and list(template.answers or []) != list(shipped.answers):
        template.answers = list(shipped.answers)  # what a response suits is not text
    versions = list(
        session.scalars(
            select(TemplateVersion)
            .where(TemplateVersion.template_id == template.id)
            .order_by(TemplateVersion.version)
        )
    )
    if any(v.body == shipped.body for v in versions):
        return
    if versions and versions[-1].created_by_id is not None:
        # Someone edited this template (before templates were national or a force's own,
        # a force could edit a shipped one in the web app): its text stays current, and a
        # new release's wording never replaces it behind their back.
        log.info("template %s: new shipped text not applied over a local edit", template.id)
        added["local_edits_kept"] += 1
        return
    session.add(
        TemplateVersion(
            template_id=template.id,
            version=versions[-1].version + 1 if versions else 1,
            body=shipped.body,
            placeholders=list(shipped.placeholders),
        )
    )
    added["versions"] += 1
