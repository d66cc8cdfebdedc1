"""Numbers written in replies, linked to what pester knows: on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.inbound.intelligence import (
    line_graph,
    mention_context,
    possible_new_lines,
    reply_pointers,
    shared_numbers,
)
from messaging.models import Line, Reply, ReplyNumber
from tests.messaging.inbound.webhooks.helpers import inbound_params, new_sid, post_signed
from tests.support.factories import make_contacts, make_line

INBOUND = "/webhooks/twilio/inbound"
TONY_PHONE = "+447700900500"  # the seized line Tony's own number
JAY_CONTACT = "+447700900511"  # a contact on line Jay
NEW_LINE = "+447700900599"  # a number no line knows


@pytest.fixture
def lines(app: Flask) -> dict[str, Line]:
    tony = make_line(name="Tony", line_number=TONY_PHONE, line_number_hash=lookup_hash(TONY_PHONE))
    jay = make_line(name="Jay")
    make_contacts(tony, ["+447700900501", "+447700900502", "+447700900503"])
    make_contacts(jay, [JAY_CONTACT, "+447700900503"])  # …503 is on both lines
    return {"tony": tony, "jay": jay}


def _reply(client: FlaskClient, from_: str, body: str) -> Reply:
    response = post_signed(client, INBOUND, inbound_params(new_sid(), from_, body))
    assert response.status_code == 200
    return db.session.scalar(select(Reply).order_by(Reply.id.desc()).limit(1))


@pytest.mark.postgres
def test_numbers_in_replies_link_to_a_known_line_a_known_contact_or_nothing(
    client: FlaskClient, lines: dict[str, Line]
) -> None:
    reply = _reply(
        client,
        "+447700900501",
        "tony's old phone was 07700 900500, the new guy is 07700-900-511, also try 077oo 9oo599",
    )
    mentions = db.session.scalars(
        select(ReplyNumber).where(ReplyNumber.reply_id == reply.id).order_by(ReplyNumber.id)
    ).all()
    assert [(m.phone, m.link, m.line_id) for m in mentions] == [
        (TONY_PHONE, "known_line", lines["tony"].id),
        (JAY_CONTACT, "known_contact", lines["jay"].id),
        (NEW_LINE, "new", None),
    ]
    assert "supply_intel" in reply.labels
    assert reply.line_id == lines["tony"].id


@pytest.mark.postgres
def test_a_new_number_from_several_repliers_is_a_possible_new_deal_line(
    client: FlaskClient, lines: dict[str, Line]
) -> None:
    _reply(client, "+447700900501", f"new number is {NEW_LINE}")
    assert possible_new_lines(db.session) == []  # one person is not yet a pattern
    _reply(client, "+447700900501", f"again: {NEW_LINE}")  # the same person twice still isn't
    assert possible_new_lines(db.session) == []
    _reply(client, JAY_CONTACT, "they text from 07700 900599 now")

    (candidate,) = possible_new_lines(db.session)
    assert (candidate.phone, candidate.repliers, candidate.replies) == (NEW_LINE, 2, 3)
    assert candidate.from_lines == sorted([lines["tony"].id, lines["jay"].id])
    context = mention_context(db.session, [lookup_hash(NEW_LINE)])[lookup_hash(NEW_LINE)]
    assert (context.link, context.repliers) == ("new", 2)

    # once the number is registered as a seized line it is no longer new
    make_line(name="New", line_number=NEW_LINE, line_number_hash=lookup_hash(NEW_LINE))
    assert possible_new_lines(db.session) == []
    assert mention_context(db.session, [lookup_hash(NEW_LINE)])[lookup_hash(NEW_LINE)].link == (
        "known_line"
    )


@pytest.mark.postgres
def test_shared_numbers_and_replies_pointing_between_lines(
    client: FlaskClient, lines: dict[str, Line]
) -> None:
    tony, jay = lines["tony"].id, lines["jay"].id
    make_contacts(lines["jay"], [TONY_PHONE])  # Tony's own phone is in Jay's contacts
    _reply(client, "+447700900502", f"ask {JAY_CONTACT}")  # Tony's contact points at Jay
    _reply(client, JAY_CONTACT, "tony is on 07700900500")  # Jay's contact points at Tony

    shared = {s.phone: s.lines for s in shared_numbers(db.session)}
    assert shared == {
        "+447700900503": [(tony, "contact"), (jay, "contact")],
        TONY_PHONE: [(tony, "line_number"), (jay, "contact")],
    }
    pointers = {(p.from_line, p.to_line, p.role): p.replies for p in reply_pointers(db.session)}
    assert pointers == {(tony, jay, "contact"): 1, (jay, tony, "line_number"): 1}
    graph = line_graph(shared_numbers(db.session), reply_pointers(db.session))
    assert graph.nodes == sorted([tony, jay])
    assert graph.shared == {(min(tony, jay), max(tony, jay)): 2}
    assert graph.pointers == {(tony, jay): 1, (jay, tony): 1}
