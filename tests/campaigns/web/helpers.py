"""Helpers for the web pages' tests: forms with CSRF, ready-made campaigns, audit look-ups."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import select

from campaigns import lifecycle
from messaging import runtime
from messaging.db import db
from messaging.models import AuditEvent, Campaign, Line, MessageTemplate, Service, User
from tests.conftest import csrf_token
from tests.support.factories import login

DRAMA = [f"07700 900{n:03d}" for n in range(100, 120)]


def fresh_page(client: FlaskClient, url: str):  # type: ignore[no-untyped-def]
    """GET a page whose forms carry this client's own CSRF token.

    Flask-WTF caches the token in ``g``; should a test keep an app context pushed around
    its requests, the cached token would belong to another session (another client, or the
    one before signing in). Dropping it makes the page issue this client's own.
    """
    _forget_cached_csrf()
    return client.get(url)


def _forget_cached_csrf() -> None:
    if has_app_context():
        g.pop("csrf_token", None)


def sign_in(client: FlaskClient, user: User) -> None:
    _forget_cached_csrf()
    login(client, user)
    _forget_cached_csrf()


def post(client: FlaskClient, url: str, data: dict[str, Any], *, page: str | None = None):  # type: ignore[no-untyped-def]
    """POST a form the way a browser does: with the CSRF token of the page it is on."""
    token = csrf_token(fresh_page(client, page or url).text)
    return client.post(url, data={"csrf_token": token, **data})


def version_id(slug: str = "treatment_signposting") -> int:
    template = db.session.scalar(select(MessageTemplate).where(MessageTemplate.slug == slug))
    assert template is not None, slug
    return template.current.id


def service_id(name: str = "FRANK") -> int:
    found = db.session.scalar(select(Service.id).where(Service.name == name))
    assert found is not None, name
    return found


def make_draft(
    maker: User,
    lines: list[Line],
    *,
    slug: str = "treatment_signposting",
    sender: str = "+447700900000",
    **fields: Any,
) -> Campaign:
    """A complete draft campaign, built through the lifecycle as the wizard would."""
    values: dict[str, Any] = {
        "name": "Kestrel signposting",
        "line_ids": tuple(line.id for line in lines),
        "template_version_id": version_id(slug),
        "service_id": None,
        "sender": sender,
        "force_name": "Testshire Police",
        "reply_route": "Reply STOP to opt out.",
    }
    values.update(fields)
    campaign = lifecycle.create_campaign(db.session, lifecycle.CampaignDraft(**values), maker)
    db.session.commit()
    return campaign


def submitted(campaign: Campaign, maker: User) -> Campaign:
    lifecycle.submit(db.session, campaign, maker, settings=runtime.current().settings)
    db.session.commit()
    return campaign


def approved(campaign: Campaign, maker: User, approver: User) -> Campaign:
    submitted(campaign, maker)
    lifecycle.approve(db.session, campaign, approver, settings=runtime.current().settings)
    db.session.commit()
    return campaign


def audit_actions(**where: Any) -> list[str]:
    db.session.expire_all()
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    for name, value in where.items():
        query = query.where(getattr(AuditEvent, name) == value)
    return list(db.session.scalars(query))


def text_of(html: str) -> str:
    """The page's visible text with whitespace collapsed, for plain-language assertions."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'").strip()


class FormAudit(HTMLParser):
    """Collects what accessibility and CSRF checks need from a page's markup."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.fields: list[dict[str, str]] = []
        self.forms: list[dict[str, Any]] = []
        self.inline_scripts = 0
        self.style_attributes = 0
        self.script_sources: list[str] = []
        self._in_label: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.append(a["id"])
        if "style" in a:
            self.style_attributes += 1
        if tag == "label":
            self._in_label.append(a)
            if a.get("for"):
                self.label_for.add(a["for"])
        if tag == "script":
            if a.get("src"):
                self.script_sources.append(a["src"])
            else:
                self.inline_scripts += 1
        if tag == "form":
            self.forms.append({"method": a.get("method", "get").lower(), "csrf": False})
        if tag in ("input", "select", "textarea"):
            if tag == "input" and a.get("name") == "csrf_token" and self.forms:
                self.forms[-1]["csrf"] = True
            if a.get("type") not in ("hidden", "submit", "button"):
                self.fields.append({**a, "_tag": tag, "_wrapped": "1" if self._in_label else ""})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._in_label:
            self._in_label.pop()

    def problems(self) -> list[str]:
        found = []
        duplicates = {i for i in self.ids if self.ids.count(i) > 1}
        if duplicates:
            found.append(f"duplicate ids: {sorted(duplicates)}")
        for f in self.fields:
            labelled = f.get("id") in self.label_for or f["_wrapped"] or f.get("aria-label")
            if not labelled:
                found.append(f"{f['_tag']} name={f.get('name')!r} has no label")
        for form in self.forms:
            if form["method"] == "post" and not form["csrf"]:
                found.append("a POST form has no CSRF token")
        if self.inline_scripts:
            found.append("inline script (the CSP forbids it)")
        if self.style_attributes:
            found.append("style attribute (the CSP forbids it)")
        return found


def page_problems(html: str) -> list[str]:
    audit = FormAudit()
    audit.feed(html)
    return audit.problems()
