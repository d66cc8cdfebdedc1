"""Reference data every installation starts with: shipped templates and national services."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from messaging.models import MessageTemplate, Service, TemplateVersion
from messaging.sms_templates import load_shipped_templates

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


def seed_reference_data(session: Session) -> dict[str, int]:
    """Add missing shipped templates (or a new version when a file's text is new) and services."""
    added = {"templates": 0, "versions": 0, "services": 0}
    for shipped in load_shipped_templates():
        template = session.scalar(
            select(MessageTemplate).where(MessageTemplate.slug == shipped.slug)
        )
        if template is None:
            template = MessageTemplate(
                slug=shipped.slug,
                name=shipped.name,
                purpose=shipped.purpose,
                description=shipped.description,
                shipped=True,
            )
            session.add(template)
            session.flush()
            added["templates"] += 1
        versions = list(
            session.scalars(
                select(TemplateVersion)
                .where(TemplateVersion.template_id == template.id)
                .order_by(TemplateVersion.version)
            )
        )
        # Add the shipped text only when no version has it: an edit made in the web app
        # is a newer version and must not be undone by the next `db upgrade`.
        if all(v.body != shipped.body for v in versions):
            session.add(
                TemplateVersion(
                    template_id=template.id,
                    version=versions[-1].version + 1 if versions else 1,
                    body=shipped.body,
                    placeholders=list(shipped.placeholders),
                )
            )
            added["versions"] += 1
    for service in NATIONAL_SERVICES:
        if session.scalar(select(Service.id).where(Service.name == service["name"])) is None:
            session.add(Service(national=True, **service))
            added["services"] += 1
    return added
