"""Cross-force links: a force's numbers that other forces' seized lines also hold.

A number *appears* on a line as one of its contacts or as the line's own number. Another
force learns only that one of its numbers is "also on N lines in M other forces", which
forces those are and whom there to call: never their line references, names, saved contact
names or anything else of theirs. Matching uses only the keyed lookup hashes: no force's
numbers are decrypted for another, and no other force's row is loaded as an object. These
are deliberate reads across forces (:func:`messaging.tenancy.across_forces`), of hash,
force and line ids only; what leaves this module about other forces is counts and codes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from sqlalchemy import any_, func, literal, select, union, union_all
from sqlalchemy.orm import Session

from messaging.models import Contact, Force, Line
from messaging.records import cross_force_index
from messaging.tenancy import across_forces


def appearances() -> Any:
    """(phone_hash, force_id, line_id, role) for every contact and every line's own number."""
    return union_all(
        select(
            Contact.phone_hash.label("phone_hash"),
            Contact.force_id.label("force_id"),
            Contact.line_id.label("line_id"),
            literal("contact").label("role"),
        ).where(Contact.phone_hash.is_not(None)),
        select(
            Line.line_number_hash.label("phone_hash"),
            Line.force_id.label("force_id"),
            Line.id.label("line_id"),
            literal("line_number").label("role"),
        ).where(Line.line_number_hash.is_not(None)),
    ).subquery("appearances")


@dataclass(frozen=True)
class OtherForce:
    """Another force holding some of the numbers: who to call there, and how much they hold."""

    code: str
    name: str
    contact_name: str
    contact_email: str
    lines: int  # how many of its lines hold any of the numbers
    numbers: int  # how many of the numbers it holds


@dataclass
class LinkedNumber:
    """One of the force's numbers that other forces' lines hold too."""

    phone_hash: str
    own_lines: list[int]
    other_lines: int
    other_forces: list[str]  # codes

    def sentence(self) -> str:
        return also_on(self.other_lines, len(self.other_forces))


@dataclass
class CrossForceLinks:
    """What one force (or one of its lines) shares with other forces."""

    force_id: int
    numbers: list[LinkedNumber] = field(default_factory=list)
    forces: list[OtherForce] = field(default_factory=list)

    @property
    def other_lines(self) -> int:
        return sum(f.lines for f in self.forces)

    def sentence(self) -> str:
        return also_on(self.other_lines, len(self.forces))

    def as_json(self) -> dict[str, Any]:
        return {
            "numbers_linked": len(self.numbers),
            "other_lines": self.other_lines,
            "other_forces": len(self.forces),
            "summary": self.sentence() if self.numbers else "",
            "forces": [vars(f) for f in self.forces],
        }


def also_on(lines: int, forces: int) -> str:
    line_word = "line" if lines == 1 else "lines"
    force_word = "other force" if forces == 1 else "other forces"
    return f"also on {lines} {line_word} in {forces} {force_word}"


def cross_force_links(
    session: Session,
    force_id: int,
    *,
    line_id: int | None = None,
    phone_hashes: Iterable[str] | None = None,
) -> CrossForceLinks:
    """The force's numbers (or one line's, or these) that other forces' lines hold too."""
    found = appearances()
    mine_query = select(found.c.phone_hash, found.c.line_id).where(found.c.force_id == force_id)
    if line_id is not None:
        mine_query = mine_query.where(found.c.line_id == line_id)
    if phone_hashes is not None:
        mine_query = mine_query.where(found.c.phone_hash.in_(list(set(phone_hashes))))
    own: dict[str, set[int]] = defaultdict(set)
    for phone_hash, own_line in session.execute(across_forces(mine_query)):
        own[phone_hash].add(own_line)
    if not own:
        return CrossForceLinks(force_id)
    elsewhere = select(found.c.phone_hash, found.c.force_id, found.c.line_id).where(
        found.c.phone_hash.in_(mine_query.with_only_columns(found.c.phone_hash)),
        found.c.force_id != force_id,
    )
    rows = session.execute(across_forces(elsewhere.distinct())).all()
    return _links(session, force_id, own, rows)


def _links(
    session: Session,
    force_id: int,
    own: dict[str, set[int]],
    rows: Iterable[tuple[str, int, int]],
) -> CrossForceLinks:
    """Fold (hash, other force, other line) rows into the force's links."""
    by_number: dict[str, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for phone_hash, other_force, other_line in rows:
        by_number[phone_hash][other_force].add(other_line)
    if not by_number:
        return CrossForceLinks(force_id)
    forces = _forces(session, {f for per in by_number.values() for f in per})
    numbers: list[LinkedNumber] = []
    lines_of: dict[int, set[int]] = defaultdict(set)
    numbers_of: dict[int, int] = defaultdict(int)
    for phone_hash, per_force in by_number.items():
        numbers.append(
            LinkedNumber(
                phone_hash=phone_hash,
                own_lines=sorted(own.get(phone_hash, ())),
                other_lines=sum(len(lines) for lines in per_force.values()),
                other_forces=sorted(forces[f].code for f in per_force),
            )
        )
        for other_force, lines in per_force.items():
            lines_of[other_force] |= lines
            numbers_of[other_force] += 1
    numbers.sort(key=lambda n: (-n.other_lines, n.phone_hash))
    others = [
        OtherForce(
            code=forces[f].code,
            name=forces[f].name,
            contact_name=forces[f].contact_name,
            contact_email=forces[f].contact_email,
            lines=len(lines_of[f]),
            numbers=numbers_of[f],
        )
        for f in sorted(lines_of, key=lambda f: forces[f].code)
    ]
    return CrossForceLinks(force_id, numbers, others)


def _forces(session: Session, ids: set[int]) -> dict[int, Force]:
    return {f.id: f for f in session.scalars(select(Force).where(Force.id.in_(ids)))}


def numbers_across_forces(session: Session) -> dict[str, dict[int, set[int]]]:
    """(number → force → its lines) for every number that lines of two or more forces hold,
    as a contact or as a line's own number.

    The candidates are the numbers the national index lists
    (:mod:`messaging.records.cross_force_index`: those contacts of two or more forces hold)
    and every line's own number; who holds each is looked up along the (number, force)
    index, in one statement, and a candidate two forces do not hold (now) is dropped.
    PostgreSQL is given the candidates as one array (``= ANY(ARRAY(…))``, evaluated once),
    which it reads along the index; given ``IN (…)`` it can misjudge how few they are and
    scan every contact.
    """
    own_numbers = select(Line.line_number_hash).where(Line.line_number_hash.is_not(None))
    candidates = union(cross_force_index.listed(), own_numbers)
    holders = select(Contact.phone_hash, Contact.force_id, Contact.line_id)
    if session.get_bind().dialect.name == "postgresql":
        holders = holders.where(
            Contact.phone_hash == any_(func.array(candidates.scalar_subquery()))
        )
    else:
        holders = holders.where(Contact.phone_hash.in_(candidates))
    held: dict[str, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for phone_hash, force_id, line_id in session.execute(across_forces(holders)):
        held[phone_hash][force_id].add(line_id)
    lines = select(Line.line_number_hash, Line.force_id, Line.id)
    for phone_hash, force_id, line_id in session.execute(
        across_forces(lines.where(Line.line_number_hash.is_not(None)))
    ):
        held[phone_hash][force_id].add(line_id)
    return {number: per_force for number, per_force in held.items() if len(per_force) > 1}


def every_forces_links(session: Session) -> dict[int, CrossForceLinks]:
    """Every force's cross-force links at once, from one national pass
    (:func:`numbers_across_forces`): for the national picture and the benchmark."""
    shared = numbers_across_forces(session)
    forces = _forces(session, {f for per_force in shared.values() for f in per_force})
    codes = {force_id: force.code for force_id, force in forces.items()}
    found: dict[int, CrossForceLinks] = {}
    lines_of: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    numbers_of: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for phone_hash, per_force in shared.items():
        total = sum(map(len, per_force.values()))
        holders = sorted(per_force, key=codes.__getitem__)
        for force_id in holders:
            lines = per_force[force_id]
            links = found.get(force_id)
            if links is None:
                links = found[force_id] = CrossForceLinks(force_id)
            others = [f for f in holders if f != force_id]
            links.numbers.append(
                LinkedNumber(
                    phone_hash, sorted(lines), total - len(lines), [codes[f] for f in others]
                )
            )
            mine, counted = lines_of[force_id], numbers_of[force_id]
            for other in others:
                mine[other] |= per_force[other]
                counted[other] += 1
    for force_id, links in found.items():
        links.numbers.sort(key=lambda n: (-n.other_lines, n.phone_hash))
        links.forces = [
            OtherForce(
                code=forces[other].code,
                name=forces[other].name,
                contact_name=forces[other].contact_name,
                contact_email=forces[other].contact_email,
                lines=len(lines_of[force_id][other]),
                numbers=numbers_of[force_id][other],
            )
            for other in sorted(lines_of[force_id], key=codes.__getitem__)
        ]
    return found


def pair_counts(session: Session) -> dict[tuple[str, str], int]:
    """How many numbers each pair of forces shares (codes in order): counts, nothing else."""
    codes = dict(session.execute(select(Force.id, Force.code)).all())
    counts: Counter[tuple[str, str]] = Counter()
    for per_force in numbers_across_forces(session).values():
        counts.update(combinations(sorted(codes[f] for f in per_force), 2))
    return dict(counts)
