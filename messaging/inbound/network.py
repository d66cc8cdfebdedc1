"""A force's line network: its lines, linked by shared numbers and by what replies say.

Nodes are the force's seized lines, and possible new deal lines: numbers that several
different repliers wrote and that no line of the force holds. Every edge says why it is
there:

* ``shared_numbers`` (undirected): two lines hold the same numbers (as contacts, or one's
  own number among the other's contacts); how many.
* ``reply_names_line`` (directed): replies from a line's contacts give another line's own
  number; which replies.
* ``reply_names_contact`` (directed): replies from a line's contacts give a number that is
  a contact of another line; which replies, how many numbers.
* ``mentions_possible_line`` (directed): replies from a line's contacts give a possible new
  deal line; which replies.

Everything is read inside the force's scope (:mod:`messaging.tenancy`): other forces'
lines are never nodes here (they appear as cross-force links instead). The database does the
grouping: one pass over the force's contacts grouped by number keeps only the numbers on two
or more lines (their lines come back, not every number the force holds), and the numbers
replies name come back with the lines holding each. Pairs of lines are then counted from
those few numbers only, never by comparing every pair of lines.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from messaging.models import Contact, Line, Reply, ReplyNumber
from messaging.tenancy import TenancyError, acting_for, current_scope

MIN_REPLIERS = 2
MAX_REPLY_IDS = 50  # per edge, in the JSON; the count is always whole
CHUNK = 500  # numbers looked up at a time


@dataclass
class Node:
    id: str  # "line:12" or "possible:3"
    kind: str  # line, possible_line
    label: str
    line_id: int | None = None


@dataclass
class Edge:
    source: str
    target: str
    kind: str
    numbers: int = 0
    replies: list[int] = field(default_factory=list)
    explanation: str = ""

    def as_json(self) -> dict[str, Any]:
        data = vars(self).copy()
        data["reply_count"] = len(self.replies)
        data["replies"] = self.replies[:MAX_REPLY_IDS]
        return data


@dataclass
class Network:
    nodes: list[Node]
    edges: list[Edge]

    def as_json(self) -> dict[str, Any]:
        return {"nodes": [vars(n) for n in self.nodes], "edges": [e.as_json() for e in self.edges]}


def _line_node(line_id: int) -> str:
    return f"line:{line_id}"


@dataclass
class Findings:
    """What a network is drawn from, as rows: :func:`find` asks the database for them, and
    :func:`assemble` turns them into nodes and explained edges."""

    # (line, reference, its own number's hash or None) for every line of the force
    lines: list[tuple[int, str, str | None]]
    # (line, other line with a greater id, how many numbers both hold), in that order
    shared: list[tuple[int, int, int]]
    # (number, reply, the reply's line or None, the replier's hash or None, a line holding
    # the number as a contact or None when none does) for every number a reply names: one
    # row per line holding it
    mentions: list[tuple[str, int, int | None, str | None, int | None]]


def line_network(session: Session, force_id: int, *, min_repliers: int = MIN_REPLIERS) -> Network:
    """The force's network of lines (see the module docstring)."""
    return assemble(find(session, force_id), min_repliers=min_repliers)


def find(session: Session, force_id: int) -> Findings:
    """The rows the force's network is drawn from, grouped by the database.

    Every statement runs in the force's scope, which adds ``force_id = …`` for each entity
    it reads (:mod:`messaging.tenancy`), so none repeats it (a second copy of the term can
    steer SQLite's planner off ``ix_contacts_force_phone_line``, which the grouping and the
    mentions read alone, in number order).
    """
    with acting_for(force_id):
        if current_scope(session) != force_id:
            raise TenancyError(f"this session acts for {current_scope(session)!r}")
        lines = list(session.execute(select(Line.id, Line.reference, Line.line_number_hash)))
        several = list(session.execute(_on_several_lines()))
        wide = {number for _, _, number in lines if number}
        wide |= {number for number, count, _, _ in several if count > 2}
        holders = _holders(session, sorted(wide))
        mentions = list(session.execute(_mentions()))
    return Findings(lines, _shared_pairs(lines, several, holders), mentions)


def _on_several_lines() -> Any:
    """(number, how many lines, lowest line, highest line) for each number among the
    contacts of two or more lines, in one grouping pass (a line holds a number once among
    its contacts)."""
    return (
        select(
            Contact.phone_hash,
            func.count(),
            func.min(Contact.line_id),
            func.max(Contact.line_id),
        )
        .where(Contact.phone_hash.is_not(None))
        .group_by(Contact.phone_hash)
        .having(func.count() > 1)
    )


def _holders(session: Session, numbers: list[str]) -> list[Any]:
    """(number, line) for every contact holding one of ``numbers`` (the lines' own numbers
    and those on three lines or more), a chunk of numbers at a time."""
    rows: list[Any] = []
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start : start + CHUNK]
        rows += session.execute(
            select(Contact.phone_hash, Contact.line_id).where(Contact.phone_hash.in_(chunk))
        ).all()
    return rows


def _shared_pairs(
    lines: list[Any], several: list[Any], holders: list[Any]
) -> list[tuple[int, int, int]]:
    """(line, other line, how many numbers both hold), lines in order: a number's lines are
    its two from the grouping, or all it has (``holders``), and the line it is the own
    number of."""
    held: dict[str, set[int]] = {}
    for number, count, lowest, highest in several:
        if count == 2:
            held[number] = {lowest, highest}
    for number, line in holders:
        held.setdefault(number, set()).add(line)
    for line, _, number in lines:
        if number:
            held.setdefault(number, set()).add(line)
    pairs: dict[tuple[int, int], int] = defaultdict(int)
    for holding in held.values():
        if len(holding) > 1:
            for a, b in combinations(sorted(holding), 2):
                pairs[(a, b)] += 1
    return [(a, b, count) for (a, b), count in sorted(pairs.items())]


def _mentions() -> Any:
    """Every number the replies name, with each line holding it as a contact (or none)."""
    return (
        select(ReplyNumber.phone_hash, Reply.id, Reply.line_id, Reply.phone_hash, Contact.line_id)
        .join(Reply, Reply.id == ReplyNumber.reply_id)
        .outerjoin(Contact, Contact.phone_hash == ReplyNumber.phone_hash)
    )


def assemble(found: Findings, *, min_repliers: int = MIN_REPLIERS) -> Network:
    """Nodes and explained edges from the rows (see :class:`Findings`)."""
    references = {line: reference for line, reference, _ in found.lines}
    nodes = [Node(_line_node(i), "line", ref, i) for i, ref in sorted(references.items())]
    edges = [_shared_edge(a, b, count, references) for a, b, count in found.shared]
    edges += _pointer_edges(found, references)
    more_nodes, more_edges = _possible_edges(found, references, min_repliers)
    return Network(nodes + more_nodes, edges + more_edges)


def _shared_edge(a: int, b: int, count: int, references: dict[int, str]) -> Edge:
    word = "number" if count == 1 else "numbers"
    return Edge(
        _line_node(a),
        _line_node(b),
        "shared_numbers",
        numbers=count,
        explanation=f"{references[a]} and {references[b]} share {count} {word}",
    )


def _pointer_edges(found: Findings, references: dict[int, str]) -> list[Edge]:
    """Replies from a line's contacts giving another line's number: a line whose own number
    a reply gives is named as the line, even when the number is among its contacts too."""
    own_number = {line: number for line, _, number in found.lines if number}
    numbered: dict[str, list[int]] = defaultdict(list)
    for line, number in own_number.items():
        numbered[number].append(line)
    pointing: dict[tuple[int, int, str], tuple[set[int], set[str]]] = defaultdict(
        lambda: (set(), set())
    )
    for named, reply_id, from_line, _, holder in found.mentions:
        if from_line is None:
            continue
        targets = [(line, "reply_names_line") for line in numbered.get(named, ())]
        if holder is not None and own_number.get(holder) != named:
            targets.append((holder, "reply_names_contact"))
        for target, kind in targets:
            if target != from_line:
                replies, numbers = pointing[(from_line, target, kind)]
                replies.add(reply_id)
                numbers.add(named)
    return [
        _pointer_edge(a, b, kind, replies, numbers, references)
        for (a, b, kind), (replies, numbers) in sorted(pointing.items())
    ]


def _possible_edges(
    found: Findings, references: dict[int, str], min_repliers: int
) -> tuple[list[Node], list[Edge]]:
    """Possible new lines: numbers no line holds that at least ``min_repliers`` different
    people wrote (replies without a line count too), most repliers first, and the lines
    whose contacts named them."""
    own_numbers = {number for _, _, number in found.lines if number}
    replies_of: dict[str, dict[int | None, set[int]]] = defaultdict(lambda: defaultdict(set))
    writers: dict[str, set[str]] = defaultdict(set)
    for named, reply_id, from_line, replier, holder in found.mentions:
        if holder is None and named not in own_numbers:
            replies_of[named][from_line].add(reply_id)
            if replier:
                writers[named].add(replier)
    repliers = {h: len(writers[h]) for h in replies_of if len(writers[h]) >= min_repliers}
    nodes: list[Node] = []
    edges: list[Edge] = []
    for index, named in enumerate(sorted(repliers, key=lambda h: (-repliers[h], h)), start=1):
        node = Node(f"possible:{index}", "possible_line", f"possible new line {index}")
        nodes.append(node)
        for from_line, replies in sorted(replies_of[named].items(), key=lambda i: i[0] or 0):
            if from_line is None:
                continue
            count = len(replies)
            edges.append(
                Edge(
                    _line_node(from_line),
                    node.id,
                    "mentions_possible_line",
                    numbers=1,
                    replies=sorted(replies),
                    explanation=(
                        f"{count} {'reply' if count == 1 else 'replies'} from "
                        f"{references.get(from_line, from_line)}'s contacts give a number "
                        f"{repliers[named]} different people wrote and no line holds"
                    ),
                )
            )
    return nodes, edges


def _pointer_edge(
    a: int, b: int, kind: str, replies: set[int], numbers: set[str], references: dict[int, str]
) -> Edge:
    count = len(replies)
    said = "reply" if count == 1 else "replies"
    what = (
        f"{references[b]}'s own number"
        if kind == "reply_names_line"
        else f"{len(numbers)} of {references[b]}'s contacts"
    )
    return Edge(
        _line_node(a),
        _line_node(b),
        kind,
        numbers=len(numbers),
        replies=sorted(replies),
        explanation=f"{count} {said} from {references[a]}'s contacts give {what}",
    )
