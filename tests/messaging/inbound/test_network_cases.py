"""The line network's edge cases, and its output against a plain reference computed from
every row of the force (the network reads only the numbers several lines hold and what
replies name: the two must agree edge for edge, in order)."""

from __future__ import annotations

import random
from collections import defaultdict
from itertools import combinations
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.inbound.network import line_network
from messaging.models import Contact, Line, Reply, ReplyNumber
from messaging.tenancy import TenancyError, acting_for
from tests.support.factories import make_contacts, make_force, make_line

_replies = iter(range(1, 10**6))


def _number(index: int) -> str:
    return f"+4477009{index:05d}"  # Ofcom's drama range, 07700 900000-900999


def _line(force: Any, reference: str, own: str | None = None) -> Line:
    if own is None:
        return make_line(force=force, reference=reference)
    return make_line(
        force=force, reference=reference, line_number=own, line_number_hash=lookup_hash(own)
    )


def _reply(force_id: int, line_id: int | None, replier: str | None, *named: str) -> Reply:
    reply = Reply(
        force_id=force_id,
        provider_id=f"SMCASE{next(_replies):028d}",
        phone_hash=lookup_hash(replier) if replier else replier,
        phone=replier or None,
        body="text",
        line_id=line_id,
        labels=[],
        risk_kinds=[],
        tags=[],
    )
    db.session.add(reply)
    db.session.flush()
    for number in named:
        db.session.add(
            ReplyNumber(reply_id=reply.id, phone_hash=lookup_hash(number), phone=number, link="new")
        )
    db.session.commit()
    return reply


def _edges(force_id: int, **options: Any) -> dict[tuple[str, str, str], Any]:
    return {
        (e.kind, e.source, e.target): e for e in line_network(db.session, force_id, **options).edges
    }


@pytest.mark.postgres
def test_a_lines_own_number_counts_once_and_is_named_as_the_line_not_a_contact(
    app: Flask,
) -> None:
    force = make_force("AAA")
    one = _line(force, "ONE", own=_number(1))
    two = _line(force, "TWO", own=_number(2))
    three = _line(force, "THREE")
    make_contacts(one, [_number(1), _number(2), _number(10)])  # its own number, TWO's
    make_contacts(two, [_number(1), _number(10)])
    make_contacts(three, [_number(2)])
    named = _reply(force.id, three.id, _number(50), _number(1))  # ONE's number, TWO's contact
    edges = _edges(force.id)
    assert edges[("shared_numbers", f"line:{one.id}", f"line:{two.id}")].numbers == 3
    assert edges[("shared_numbers", f"line:{one.id}", f"line:{three.id}")].numbers == 1
    assert edges[("shared_numbers", f"line:{two.id}", f"line:{three.id}")].numbers == 1
    by_line = edges[("reply_names_line", f"line:{three.id}", f"line:{one.id}")]
    by_contact = edges[("reply_names_contact", f"line:{three.id}", f"line:{two.id}")]
    assert by_line.replies == by_contact.replies == [named.id]
    assert by_contact.explanation == "1 reply from THREE's contacts give 1 of TWO's contacts"
    assert ("reply_names_contact", f"line:{three.id}", f"line:{one.id}") not in edges


@pytest.mark.postgres
def test_two_lines_with_the_same_own_number_share_it(app: Flask) -> None:
    force = make_force("AAA")
    one = _line(force, "ONE", own=_number(1))
    two = _line(force, "TWO", own=_number(1))
    shared = _edges(force.id)[("shared_numbers", f"line:{one.id}", f"line:{two.id}")]
    assert (shared.numbers, shared.explanation) == (1, "ONE and TWO share 1 number")


@pytest.mark.postgres
def test_possible_lines_count_distinct_repliers_of_every_line_and_of_none(app: Flask) -> None:
    force = make_force("AAA")
    other = make_force("BBB")
    one = _line(force, "ONE")
    two = _line(force, "TWO")
    make_contacts(one, [_number(10)])
    make_contacts(_line(other, "THEIRS"), [_number(30)])  # another force's: still unknown here
    a = _reply(force.id, one.id, _number(60), _number(30))
    b = _reply(force.id, None, _number(61), _number(30))  # no line: counts, draws no edge
    c = _reply(force.id, two.id, _number(60), _number(30), _number(31))  # same replier again
    _reply(force.id, two.id, None, _number(31))  # replier unknown: not counted
    _reply(force.id, two.id, "", _number(31))
    _reply(force.id, two.id, _number(62), _number(10))  # held by ONE: a pointer, not unknown
    _reply(force.id, one.id, _number(63), _number(10))  # held by its own line only: nothing
    network = line_network(db.session, force.id)
    assert [n.label for n in network.nodes] == ["ONE", "TWO", "possible new line 1"]
    possible = [e for e in network.edges if e.kind == "mentions_possible_line"]
    assert [(e.source, e.replies) for e in possible] == [
        (f"line:{one.id}", [a.id]),
        (f"line:{two.id}", [c.id]),
    ]
    assert possible[0].explanation == (
        "1 reply from ONE's contacts give a number 2 different people wrote and no line holds"
    )
    assert b.id not in {r for e in network.edges for r in e.replies}
    assert [e.kind for e in network.edges] == [
        "reply_names_contact",
        "mentions_possible_line",
        "mentions_possible_line",
    ]
    assert len(line_network(db.session, force.id, min_repliers=4).nodes) == 2
    assert len(line_network(db.session, force.id, min_repliers=1).nodes) == 4


@pytest.mark.postgres
def test_possible_lines_are_ordered_by_repliers_then_number(app: Flask) -> None:
    force = make_force("AAA")
    line = _line(force, "ONE")
    first = _reply(force.id, line.id, _number(60), _number(30), _number(32))
    second = _reply(force.id, line.id, _number(61), _number(30), _number(32))
    third = _reply(force.id, line.id, _number(62), _number(32))
    fourth = _reply(force.id, line.id, _number(63), _number(31))
    fifth = _reply(force.id, line.id, _number(64), _number(31))
    network = line_network(db.session, force.id)
    assert [n.id for n in network.nodes[1:]] == ["possible:1", "possible:2", "possible:3"]
    tied = sorted(
        [
            (lookup_hash(_number(30)), [first.id, second.id]),
            (lookup_hash(_number(31)), [fourth.id, fifth.id]),
        ]
    )
    assert [(e.target, e.replies) for e in network.edges] == [
        ("possible:1", [first.id, second.id, third.id]),
        ("possible:2", tied[0][1]),
        ("possible:3", tied[1][1]),
    ]
    assert "3 different people" in network.edges[0].explanation


def _reference(force_id: int, min_repliers: int) -> tuple[list[Any], list[Any]]:
    """The network from every row of the force, folded in Python (nodes, edges), without the
    explanations (the cases above check those)."""
    with acting_for(force_id):
        references = dict(db.session.execute(select(Line.id, Line.reference)).all())
        held: dict[str, dict[int, str]] = defaultdict(dict)
        for phone_hash, line_id in db.session.execute(select(Contact.phone_hash, Contact.line_id)):
            held[phone_hash][line_id] = "contact"
        for phone_hash, line_id in db.session.execute(select(Line.line_number_hash, Line.id)):
            if phone_hash:
                held[phone_hash][line_id] = "line_number"
        mentions = db.session.execute(
            select(ReplyNumber.phone_hash, Reply.id, Reply.line_id, Reply.phone_hash)
            .join(Reply, Reply.id == ReplyNumber.reply_id)
            .order_by(Reply.id)
        ).all()
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for lines in held.values():
        for a, b in combinations(sorted(lines), 2):
            shared[(a, b)] += 1
    edges: list[Any] = [("shared_numbers", a, b, n, []) for (a, b), n in sorted(shared.items())]
    pointing: dict[Any, tuple[set[int], set[str]]] = defaultdict(lambda: (set(), set()))
    unknown: dict[str, dict[Any, set[int]]] = defaultdict(lambda: defaultdict(set))
    repliers: dict[str, set[str]] = defaultdict(set)
    for named, reply_id, from_line, replier in mentions:
        if named in held:
            for target, role in held[named].items():
                if from_line is not None and target != from_line:
                    kind = "reply_names_line" if role == "line_number" else "reply_names_contact"
                    pointing[(from_line, target, kind)][0].add(reply_id)
                    pointing[(from_line, target, kind)][1].add(named)
            continue
        unknown[named][from_line].add(reply_id)
        if replier:
            repliers[named].add(replier)
    for (a, b, kind), (replies, numbers) in sorted(pointing.items()):
        edges.append((kind, a, b, len(numbers), sorted(replies)))
    candidates = sorted(
        (h for h in unknown if len(repliers[h]) >= min_repliers),
        key=lambda h: (-len(repliers[h]), h),
    )
    nodes = [(f"line:{i}", ref) for i, ref in sorted(references.items())]
    for index, named in enumerate(candidates, start=1):
        nodes.append((f"possible:{index}", f"possible new line {index}"))
        for from_line, replies in sorted(unknown[named].items(), key=lambda i: i[0] or 0):
            if from_line is not None:
                edges.append(("mentions_possible_line", from_line, index, 1, sorted(replies)))
    return nodes, edges


def _as_reference(force_id: int, min_repliers: int) -> tuple[list[Any], list[Any]]:
    network = line_network(db.session, force_id, min_repliers=min_repliers)
    nodes = [(n.id, n.label) for n in network.nodes]
    edges = [
        (
            e.kind,
            int(e.source.split(":")[1]),
            int(e.target.split(":")[1]),
            e.numbers,
            e.replies,
        )
        for e in network.edges
    ]
    return nodes, edges


@pytest.mark.postgres
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_network_matches_a_fold_over_every_row(app: Flask, seed: int) -> None:
    rng = random.Random(seed)
    forces = [make_force("AAA"), make_force("BBB")]
    pool = [_number(i) for i in range(40)]
    lines: dict[int, list[Line]] = {f.id: [] for f in forces}
    for index in range(9):
        force = forces[index % 2]
        own = rng.choice(pool) if rng.random() < 0.6 else None
        line = _line(force, f"L{index}", own=own)
        lines[force.id].append(line)
        make_contacts(line, rng.sample(pool, rng.randrange(0, 12)))
    for _ in range(40):
        force = rng.choice(forces)
        line_id = rng.choice([*(line.id for line in lines[force.id]), None])
        replier = rng.choice([*pool[:10], None])
        named = rng.sample(pool + [_number(100 + i) for i in range(6)], rng.randrange(1, 3))
        _reply(force.id, line_id, replier, *named)
    for force in forces:
        for min_repliers in (1, 2, 3):
            assert _as_reference(force.id, min_repliers) == _reference(force.id, min_repliers)


@pytest.mark.postgres
def test_a_session_acting_for_another_force_draws_no_network(app: Flask) -> None:
    mine, theirs = make_force("AAA"), make_force("BBB")
    make_contacts(_line(theirs, "THEIRS"), [_number(1)])
    db.session.info["force_scope"] = theirs.id
    try:
        with pytest.raises(TenancyError):
            line_network(db.session, mine.id)
    finally:
        del db.session.info["force_scope"]
    assert [n.label for n in line_network(db.session, theirs.id).nodes] == ["THEIRS"]
