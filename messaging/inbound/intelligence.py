"""Reply intelligence across lines: possible new deal lines and links between seized lines.

Links are worked out when asked, from what pester knows now, not frozen when a reply came
in: a number that was "new" last week is a known line today once that line is registered.

* A number **appears in** a line when it is one of the line's contacts or the line's own
  number.
* A **possible new deal line** is a number written in replies by at least
  :data:`MIN_REPLIERS` different people that appears in no line.
* A **shared number** appears in two or more lines.
* A **pointer** is a reply from someone on line A that mentions a number appearing in
  line B (B is not A): "the new number is …" pointing from one line to another.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations

from sqlalchemy import distinct, func, literal, select, union_all
from sqlalchemy.orm import Session

from messaging.models import Contact, Line, Reply, ReplyNumber

MIN_REPLIERS = 2
MAX_ROWS = 500


def _appearances():  # type: ignore[no-untyped-def]
    """(hash, line_id, role) for every contact number and every line's own number."""
    return union_all(
        select(
            Contact.phone_hash.label("phone_hash"),
            Contact.line_id.label("line_id"),
            literal("contact").label("role"),
        ).where(Contact.phone_hash.is_not(None)),
        select(
            Line.line_number_hash.label("phone_hash"),
            Line.id.label("line_id"),
            literal("line_number").label("role"),
        ).where(Line.line_number_hash.is_not(None)),
    ).subquery("appearances")


@dataclass
class PossibleLine:
    phone_hash: str
    phone: str | None
    repliers: int
    replies: int
    first_seen: datetime
    last_seen: datetime
    from_lines: list[int] = field(default_factory=list)


def possible_new_lines(session: Session, *, min_repliers: int = MIN_REPLIERS) -> list[PossibleLine]:
    """New numbers mentioned by several different repliers, most repliers first."""
    known = _appearances()
    rows = session.execute(
        select(
            ReplyNumber.phone_hash,
            func.count(distinct(Reply.phone_hash)).label("repliers"),
            func.count(distinct(Reply.id)).label("replies"),
            func.min(Reply.received_at),
            func.max(Reply.received_at),
        )
        .join(Reply, Reply.id == ReplyNumber.reply_id)
        .where(ReplyNumber.phone_hash.not_in(select(known.c.phone_hash)))
        .group_by(ReplyNumber.phone_hash)
        .having(func.count(distinct(Reply.phone_hash)) >= min_repliers)
        .order_by(func.count(distinct(Reply.phone_hash)).desc(), ReplyNumber.phone_hash)
        .limit(MAX_ROWS)
    ).all()
    found = [
        PossibleLine(h, None, repliers, replies, first, last)
        for h, repliers, replies, first, last in rows
    ]
    _fill_phones_and_lines(session, found)
    return found


def _fill_phones_and_lines(session: Session, found: list[PossibleLine]) -> None:
    by_hash = {p.phone_hash: p for p in found}
    if not by_hash:
        return
    lines: dict[str, set[int]] = defaultdict(set)
    for phone_hash, phone, line_id in session.execute(
        select(ReplyNumber.phone_hash, ReplyNumber.phone, Reply.line_id)
        .join(Reply, Reply.id == ReplyNumber.reply_id)
        .where(ReplyNumber.phone_hash.in_(list(by_hash)))
    ):
        entry = by_hash[phone_hash]
        entry.phone = entry.phone or phone
        if line_id is not None:
            lines[phone_hash].add(line_id)
    for phone_hash, entry in by_hash.items():
        entry.from_lines = sorted(lines[phone_hash])


@dataclass
class SharedNumber:
    phone_hash: str
    phone: str | None
    lines: list[tuple[int, str]]  # (line id, role): contact or line_number


def shared_numbers(session: Session) -> list[SharedNumber]:
    """Numbers that appear in two or more seized lines (as a contact or as the line itself)."""
    appearances = _appearances()
    shared = (
        select(appearances.c.phone_hash)
        .group_by(appearances.c.phone_hash)
        .having(func.count(distinct(appearances.c.line_id)) >= 2)
        .limit(MAX_ROWS)
    )
    by_hash: dict[str, SharedNumber] = {}
    for phone_hash, line_id, role in session.execute(
        select(appearances.c.phone_hash, appearances.c.line_id, appearances.c.role)
        .where(appearances.c.phone_hash.in_(shared))
        .order_by(appearances.c.phone_hash, appearances.c.line_id)
    ):
        entry = by_hash.setdefault(phone_hash, SharedNumber(phone_hash, None, []))
        if (line_id, role) not in entry.lines:
            entry.lines.append((line_id, role))
    _fill_shared_phones(session, by_hash)
    return sorted(by_hash.values(), key=lambda s: (-len({i for i, _ in s.lines}), s.phone_hash))


def _fill_shared_phones(session: Session, by_hash: dict[str, SharedNumber]) -> None:
    if not by_hash:
        return
    hashes = list(by_hash)
    for phone_hash, phone in session.execute(
        select(Contact.phone_hash, Contact.phone).where(
            Contact.phone_hash.in_(hashes), Contact.phone.is_not(None)
        )
    ):
        by_hash[phone_hash].phone = by_hash[phone_hash].phone or phone
    for phone_hash, phone in session.execute(
        select(Line.line_number_hash, Line.line_number).where(
            Line.line_number_hash.in_(hashes), Line.line_number.is_not(None)
        )
    ):
        by_hash[phone_hash].phone = by_hash[phone_hash].phone or phone


@dataclass(frozen=True)
class Pointer:
    from_line: int
    to_line: int
    role: str  # the mentioned number is the target's contact, or its line_number
    replies: int
    numbers: int


def reply_pointers(session: Session) -> list[Pointer]:
    """Replies from one line's contacts that mention numbers of another line, counted."""
    target = _appearances()
    rows = session.execute(
        select(
            Reply.line_id,
            target.c.line_id,
            target.c.role,
            func.count(distinct(Reply.id)),
            func.count(distinct(ReplyNumber.phone_hash)),
        )
        .join(Reply, Reply.id == ReplyNumber.reply_id)
        .join(target, target.c.phone_hash == ReplyNumber.phone_hash)
        .where(Reply.line_id.is_not(None), Reply.line_id != target.c.line_id)
        .group_by(Reply.line_id, target.c.line_id, target.c.role)
        .order_by(func.count(distinct(Reply.id)).desc())
        .limit(MAX_ROWS)
    ).all()
    return [Pointer(*row) for row in rows]


@dataclass
class LineGraph:
    """Lines as nodes; shared numbers (undirected) and reply pointers (directed) as edges."""

    nodes: list[int]
    shared: dict[tuple[int, int], int]
    pointers: dict[tuple[int, int], int]


def line_graph(shared: list[SharedNumber], pointers: list[Pointer]) -> LineGraph:
    """Combine shared numbers and pointers into one graph of lines."""
    shared_edges: dict[tuple[int, int], int] = defaultdict(int)
    for number in shared:
        for a, b in combinations(sorted({line_id for line_id, _ in number.lines}), 2):
            shared_edges[(a, b)] += 1
    pointer_edges: dict[tuple[int, int], int] = defaultdict(int)
    for pointer in pointers:
        pointer_edges[(pointer.from_line, pointer.to_line)] += pointer.replies
    nodes = sorted({n for edge in [*shared_edges, *pointer_edges] for n in edge})
    return LineGraph(nodes, dict(shared_edges), dict(pointer_edges))


@dataclass
class MentionContext:
    """What pester knows now about a number written in replies."""

    as_line: list[int]  # lines whose own number it is
    as_contact: list[int]  # lines it is a contact of
    repliers: int  # different people who mentioned it

    @property
    def link(self) -> str:
        if self.as_line:
            return "known_line"
        return "known_contact" if self.as_contact else "new"


def mention_context(session: Session, phone_hashes: list[str]) -> dict[str, MentionContext]:
    """Current links and replier counts for numbers written in replies."""
    wanted = sorted(set(phone_hashes))
    found = {h: MentionContext([], [], 0) for h in wanted}
    if not wanted:
        return found
    appearances = _appearances()
    for phone_hash, line_id, role in session.execute(
        select(appearances.c.phone_hash, appearances.c.line_id, appearances.c.role)
        .where(appearances.c.phone_hash.in_(wanted))
        .order_by(appearances.c.line_id)
    ):
        bucket = (
            found[phone_hash].as_line if role == "line_number" else found[phone_hash].as_contact
        )
        if line_id not in bucket:
            bucket.append(line_id)
    for phone_hash, repliers in session.execute(
        select(ReplyNumber.phone_hash, func.count(distinct(Reply.phone_hash)))
        .join(Reply, Reply.id == ReplyNumber.reply_id)
        .where(ReplyNumber.phone_hash.in_(wanted))
        .group_by(ReplyNumber.phone_hash)
    ):
        found[phone_hash].repliers = repliers
    return found
