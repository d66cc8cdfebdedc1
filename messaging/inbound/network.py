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
lines are never nodes here (they appear as cross-force links instead). One pass over the
force's numbers builds a number → lines index, so the cost grows with the numbers held,
not with the pairs of lines.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from messaging.models import Contact, Line, Reply, ReplyNumber
from messaging.tenancy import acting_for

MIN_REPLIERS = 2
MAX_REPLY_IDS = 50  # per edge, in the JSON; the count is always whole


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


def line_network(session: Session, force_id: int, *, min_repliers: int = MIN_REPLIERS) -> Network:
    """The force's network of lines (see the module docstring)."""
    with acting_for(force_id):
        references = dict(
            session.execute(select(Line.id, Line.reference).where(Line.force_id == force_id)).all()
        )
        held: dict[str, dict[int, str]] = defaultdict(dict)  # hash → line → role
        for phone_hash, line_id in session.execute(
            select(Contact.phone_hash, Contact.line_id).where(
                Contact.force_id == force_id, Contact.phone_hash.is_not(None)
            )
        ):
            held[phone_hash][line_id] = "contact"
        for phone_hash, line_id in session.execute(
            select(Line.line_number_hash, Line.id).where(
                Line.force_id == force_id, Line.line_number_hash.is_not(None)
            )
        ):
            held[phone_hash][line_id] = "line_number"
        mentions = session.execute(
            select(ReplyNumber.phone_hash, Reply.id, Reply.line_id, Reply.phone_hash)
            .join(Reply, Reply.id == ReplyNumber.reply_id)
            .where(Reply.force_id == force_id)
            .order_by(Reply.id)
        ).all()
    nodes = [Node(_line_node(i), "line", ref, i) for i, ref in sorted(references.items())]
    edges = _shared_edges(held, references)
    more_nodes, more_edges = _reply_edges(held, mentions, references, min_repliers)
    return Network(nodes + more_nodes, edges + more_edges)


def _shared_edges(held: dict[str, dict[int, str]], references: dict[int, str]) -> list[Edge]:
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for lines in held.values():
        if len(lines) > 1:
            for a, b in combinations(sorted(lines), 2):
                shared[(a, b)] += 1
    edges = []
    for (a, b), count in sorted(shared.items()):
        word = "number" if count == 1 else "numbers"
        edges.append(
            Edge(
                _line_node(a),
                _line_node(b),
                "shared_numbers",
                numbers=count,
                explanation=f"{references[a]} and {references[b]} share {count} {word}",
            )
        )
    return edges


def _reply_edges(
    held: dict[str, dict[int, str]],
    mentions: list[Any],
    references: dict[int, str],
    min_repliers: int,
) -> tuple[list[Node], list[Edge]]:
    pointing: dict[tuple[int, int, str], tuple[set[int], set[str]]] = defaultdict(
        lambda: (set(), set())
    )
    unknown: dict[str, dict[int | None, set[int]]] = defaultdict(lambda: defaultdict(set))
    repliers: dict[str, set[str]] = defaultdict(set)
    for named, reply_id, from_line, replier in mentions:
        targets = held.get(named)
        if targets:
            for target, role in targets.items():
                if from_line is not None and target != from_line:
                    kind = "reply_names_line" if role == "line_number" else "reply_names_contact"
                    replies, numbers = pointing[(from_line, target, kind)]
                    replies.add(reply_id)
                    numbers.add(named)
            continue
        unknown[named][from_line].add(reply_id)
        if replier:
            repliers[named].add(replier)
    edges = [
        _pointer_edge(a, b, kind, replies, numbers, references)
        for (a, b, kind), (replies, numbers) in sorted(pointing.items())
    ]
    nodes: list[Node] = []
    candidates = [h for h in unknown if len(repliers[h]) >= min_repliers]
    candidates.sort(key=lambda h: (-len(repliers[h]), h))
    for index, named in enumerate(candidates, start=1):
        node = Node(f"possible:{index}", "possible_line", f"possible new line {index}")
        nodes.append(node)
        for from_line, replies in sorted(unknown[named].items(), key=lambda i: i[0] or 0):
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
                        f"{len(repliers[named])} different people wrote and no line holds"
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
