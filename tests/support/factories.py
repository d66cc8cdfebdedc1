"""App fixtures and factory functions (keyword defaults, real database rows)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import select

from campaigns.app import create_app
from campaigns.auth import create_user
from messaging.config import Settings, test_settings
from messaging.content.sms_templates import placeholders_used
from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.intake.phone_numbers import normalise
from messaging.models import (
    Contact,
    Force,
    Line,
    MessageTemplate,
    OutboxMessage,
    Reply,
    ReplyAnswer,
    Service,
    TemplateVersion,
    User,
)
from messaging.records import cross_force_index
from messaging.seed import ensure_a_force
from tests.support.schema import fresh_database

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


@pytest.fixture
def settings(tmp_path: Path, database_url: str, redis_db_url: str) -> Settings:
    return test_settings(tmp_path, database_url=database_url, redis_url=redis_db_url)


class IsolatingClient(FlaskClient):
    """A test client whose requests do not see each other's cached ``g`` values.

    Tests keep one app context pushed (so the test and its requests share the database
    session), which also shares ``g`` between requests; Flask-WTF caches the CSRF token in
    ``g``, so without this a second client would be handed the first client's token.
    """

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if has_app_context():
            g.pop("csrf_token", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    app.test_client_class = IsolatingClient
    with app.app_context():
        assert db.engine is not None
        fresh_database(db.engine)
        yield app
        db.session.remove()
    db.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def make_user(
    *,
    role: str = "officer",
    email: str | None = None,
    password: str = PASSWORD,
    force: Force | None = None,
) -> User:
    """A user of ``force`` (the installation's only force when not given)."""
    email = email or f"{role}{next(_counter)}@force.test"
    if force is None:
        ensure_a_force(db.session)
    user, _ = create_user(email, role, password=password, force_id=force.id if force else None)
    return user


def make_force(code: str, *, name: str = "", contact_name: str = "", **fields: object) -> Force:
    """A force (a second one makes the installation multi-force: rows then name theirs)."""
    force = Force(code=code, name=name or f"{code} Police", contact_name=contact_name, **fields)
    db.session.add(force)
    db.session.commit()
    return force


def make_line(
    *,
    reference: str | None = None,
    name: str = "Tony",
    force: Force | None = None,
    **fields: object,
) -> Line:
    if force is None:
        ensure_a_force(db.session)
    else:
        fields["force_id"] = force.id
    line = Line(reference=reference or f"LINE/{next(_counter)}", name=name, **fields)
    db.session.add(line)
    db.session.commit()
    return line


def make_contacts(line: Line, numbers: list[str]) -> list[Contact]:
    """Contacts straight into the database (bypassing import), normalised like an import,
    and listed in the national index of cross-force numbers as an import lists them."""
    contacts = []
    for raw in numbers:
        n = normalise(raw)
        assert n.e164, f"fixture number {raw!r} is invalid"
        contact = Contact(
            line_id=line.id,
            phone_hash=lookup_hash(n.e164),
            phone=n.e164,
            kind=str(n.kind),
            region=n.region,
            textable=n.textable,
            drama=n.drama,
        )
        db.session.add(contact)
        contacts.append(contact)
    db.session.commit()
    cross_force_index.recheck(db.session, [c.phone_hash for c in contacts if c.phone_hash])
    db.session.commit()
    return contacts


def make_service(
    *, force: Force | None = None, name: str = "Open Road", phone: str = "01702 123456", **fields
) -> Service:
    """A service of ``force``'s own (the installation's first force when not given)."""
    force_id = force.id if force else ensure_a_force(db.session).id
    service = Service(force_id=force_id, name=name, phone=phone, **fields)
    db.session.add(service)
    db.session.commit()
    return service


def make_template(
    *,
    force: Force | None = None,
    like: str | None = None,
    name: str | None = None,
    slug: str | None = None,
    purpose: str = "signposting",
    body: str = "{{ force_name }}: help is there if you want it. {{ reply_route }}",
) -> MessageTemplate:
    """A template of ``force``'s own (the first force when not given), with one version: a
    copy of the national template whose slug is ``like`` (its text, purpose and name with
    " (ours)"), or a new one."""
    force_id = force.id if force else ensure_a_force(db.session).id
    if like is not None:
        national = db.session.scalar(
            select(MessageTemplate).where(
                MessageTemplate.slug == like, MessageTemplate.force_id.is_(None)
            )
        )
        name = name or f"{national.name} (ours)"
        purpose, body = national.purpose, national.current.body
    name = name or f"Template {next(_counter)}"
    template = MessageTemplate(
        force_id=force_id,
        slug=slug or f"{like or 'template'}_ours_{next(_counter)}",
        name=name,
        purpose=purpose,
    )
    db.session.add(template)
    db.session.flush()
    placeholders = list(placeholders_used(body))
    db.session.add(
        TemplateVersion(template_id=template.id, version=1, body=body, placeholders=placeholders)
    )
    db.session.commit()
    return template


def make_answer(reply: Reply, user: User, text: str) -> tuple[ReplyAnswer, OutboxMessage]:
    """An analyst's free-text answer to ``reply``, approved, and its outbox row (as sent),
    through the ORM as ``messaging.inbound.answers`` writes them: the text sealed twice."""
    made = ReplyAnswer(
        reply_id=reply.id,
        phone_hash=reply.phone_hash,
        kind="free_text",
        body=text,
        state="approved",
        approval="responder",
        request_key=f"answer-{next(_counter)}".ljust(32, "0"),
        requested_by_id=user.id,
    )
    db.session.add(made)
    db.session.flush()
    row = OutboxMessage(
        answer_id=made.id,
        phone_hash=reply.phone_hash,
        to=reply.phone,
        body="",
        private_body=made.body,
        sender="+447700900000",
        segments=1,
        status="delivered",
    )
    db.session.add(row)
    db.session.commit()
    return made, row


def login(client: FlaskClient, user: User, password: str = PASSWORD) -> None:
    from tests.conftest import csrf_token

    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": user.email, "password": password, "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 302, response.text
