"""Cross-force links say who else holds a number and whom to call; a force's network
explains every edge."""

from __future__ import annotations

import pytest
from flask import Flask

from messaging.audience.cross_force import cross_force_links, every_forces_links, pair_counts
from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.inbound.network import line_network
from messaging.models import Reply, ReplyNumber
from tests.support.factories import make_contacts, make_force, make_line

SHARED = "+447700900611"


def _reply(force_id: int, line_id: int, replier: str, named: str) -> Reply:
    reply = Reply(
        force_id=force_id,
        provider_id=f"SM{replier[-4:]}{named[-4:]}".ljust(34, "0"),
        phone_hash=lookup_hash(replier),
        phone=replier,
        body=f"new number is {named}",
        line_id=line_id,
        labels=[],
        risk_kinds=[],
        tags=[],
    )
    db.session.add(reply)
    db.session.flush()
    db.session.add(
        ReplyNumber(reply_id=reply.id, phone_hash=lookup_hash(named), phone=named, link="new")
    )
    db.session.commit()
    return reply


@pytest.mark.postgres
def test_a_number_on_other_forces_lines_is_reported_with_their_codes_and_contacts(
    app: Flask,
) -> None:
    a = make_force("AAA", contact_name="DS Adams", contact_email="adams@aaa.test")
    b = make_force("BBB", contact_name="DS Brown", contact_email="brown@bbb.test")
    c = make_force("CCC", contact_name="DS Cole")
    line_a = make_line(force=a)
    make_contacts(line_a, [SHARED, "+447700900612"])
    for index, force in enumerate((b, b, c)):
        make_contacts(make_line(force=force, reference=f"SECRET-{index}"), [SHARED])
    links = cross_force_links(db.session, a.id, line_id=line_a.id)
    assert links.sentence() == "also on 3 lines in 2 other forces"
    assert [(f.code, f.contact_name, f.lines, f.numbers) for f in links.forces] == [
        ("BBB", "DS Brown", 2, 1),
        ("CCC", "DS Cole", 1, 1),
    ]
    assert [n.other_forces for n in links.numbers] == [["BBB", "CCC"]]
    assert "SECRET" not in repr(links.as_json())  # no other force's reference
    everyone = every_forces_links(db.session)
    assert everyone[a.id].sentence() == links.sentence()
    assert everyone[b.id].sentence() == "also on 2 lines in 2 other forces"
    assert pair_counts(db.session) == {("AAA", "BBB"): 1, ("AAA", "CCC"): 1, ("BBB", "CCC"): 1}


@pytest.mark.postgres
def test_the_line_network_explains_every_edge(app: Flask) -> None:
    force = make_force("AAA")
    one = make_line(force=force, reference="ONE")
    two = make_line(
        force=force,
        reference="TWO",
        line_number="+447700900699",
        line_number_hash=lookup_hash("+447700900699"),
    )
    other = make_line(force=make_force("BBB"), reference="THEIRS")
    make_contacts(one, ["+447700900601", "+447700900602"])
    make_contacts(two, ["+447700900601"])
    make_contacts(other, ["+447700900601", "+447700900602"])
    named = _reply(force.id, one.id, "+447700900602", "+447700900699")  # gives TWO's number
    new_a = _reply(force.id, one.id, "+447700900601", "+447700900677")
    new_b = _reply(force.id, one.id, "+447700900602", "+447700900677")
    network = line_network(db.session, force.id)
    assert [n.label for n in network.nodes] == ["ONE", "TWO", "possible new line 1"]
    edges = {(e.kind, e.source, e.target): e for e in network.edges}
    shared = edges[("shared_numbers", f"line:{one.id}", f"line:{two.id}")]
    assert (shared.numbers, shared.explanation) == (1, "ONE and TWO share 1 number")
    pointer = edges[("reply_names_line", f"line:{one.id}", f"line:{two.id}")]
    assert pointer.replies == [named.id]
    assert pointer.explanation == "1 reply from ONE's contacts give TWO's own number"
    possible = edges[("mentions_possible_line", f"line:{one.id}", "possible:1")]
    assert possible.replies == [new_a.id, new_b.id]
    assert "THEIRS" not in repr(network.as_json())  # another force's line is no node


@pytest.mark.postgres
def test_a_lines_own_number_among_another_forces_contacts_links_the_two_forces(
    app: Flask,
) -> None:
    a, b = make_force("AAA"), make_force("BBB")
    theirs = make_line(
        force=b, line_number="+447700900650", line_number_hash=lookup_hash("+447700900650")
    )
    ours = make_line(force=a)
    make_contacts(ours, ["+447700900650", "+447700900651"])
    make_contacts(make_line(force=a), ["+447700900651"])  # two of one force's lines: no link
    everyone = every_forces_links(db.session)
    assert [(n.own_lines, n.other_lines, n.other_forces) for n in everyone[a.id].numbers] == [
        ([ours.id], 1, ["BBB"])
    ]
    assert [(n.own_lines, n.other_forces) for n in everyone[b.id].numbers] == [
        ([theirs.id], ["AAA"])
    ]
    assert everyone[a.id].numbers[0].phone_hash == lookup_hash("+447700900650")
    assert pair_counts(db.session) == {("AAA", "BBB"): 1}
    assert everyone[a.id].sentence() == cross_force_links(db.session, a.id).sentence()
