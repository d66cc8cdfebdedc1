"""API: the message templates and services a campaign can use (no personal data)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from campaigns.api.pagination import PageQuery, paginate
from campaigns.api.routes import Page, operation
from campaigns.api.schemas import ServiceOut, TemplateOut
from messaging.db import db
from messaging.models import MessageTemplate, Service


@operation(
    "/templates",
    tag="reference",
    summary="List active message templates",
    permission="templates:read",
    query=PageQuery,
    response=TemplateOut,
    paged=True,
)
def list_templates(query: dict[str, Any]) -> Page:
    """Active templates (national ones and your force's own) with their current version
    (``version_id`` is what a campaign's ``template_version_id`` takes)."""
    statement = (
        select(MessageTemplate)
        .where(MessageTemplate.active.is_(True), MessageTemplate.versions.any())
        .order_by(MessageTemplate.name, MessageTemplate.id)
    )
    rows, total = paginate(db.session, statement, page=query["page"], per_page=query["per_page"])
    items = [
        {
            "id": t.id,
            "slug": t.slug,
            "name": t.name,
            "purpose": t.purpose,
            "description": t.description,
            "version_id": t.current.id,
            "version": t.current.version,
            "body": t.current.body,
            "placeholders": [str(p) for p in t.current.placeholders or []],
            "shared": t.shared,
        }
        for t in rows
    ]
    return Page(items, query["page"], query["per_page"], total)


@operation(
    "/services",
    tag="reference",
    summary="List active services a message can signpost",
    permission="templates:read",
    query=PageQuery,
    response=ServiceOut,
    paged=True,
)
def list_services(query: dict[str, Any]) -> Page:
    """Active services (shared by every force, and your force's own), national ones first."""
    statement = (
        select(Service)
        .where(Service.active.is_(True))
        .order_by(Service.national.desc(), Service.name, Service.id)
    )
    rows, total = paginate(db.session, statement, page=query["page"], per_page=query["per_page"])
    return Page(rows, query["page"], query["per_page"], total)
