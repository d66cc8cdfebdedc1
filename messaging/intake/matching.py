"""Matching an import's numbers against what pester already holds, by keyed lookup hash.

For the numbers of one file: which are already contacts of the line, which have opted out
or are on the do-not-contact list (any force's: both are national), which are contacts of
the force's other lines (a cross-line link, which the import reports and audits), and which
other forces' contacts hold (for the national index: hashes only, nothing of theirs). The
hashes go into a temporary table so each question is one join, not an IN list of a hundred
thousand values.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.orm import Session

from messaging.crypto import LOOKUP_HASH_LENGTH
from messaging.models import Contact, DoNotContact, Line, Suppression
from messaging.tenancy import across_forces


@dataclass
class Matches:
    """What pester already knows of a file's numbers (all keyed by lookup hash)."""

    known: dict[str, int] = field(default_factory=dict)  # hash → the line's contact id
    suppressed: set[str] = field(default_factory=set)  # opted out
    blocked: set[str] = field(default_factory=set)  # opted out or do-not-contact
    elsewhere: set[str] = field(default_factory=set)  # contacts of other lines
    # contacts of other forces' lines (no more than that is learnt of them)
    other_forces: set[str] = field(default_factory=set)
    other_lines: list[dict[str, Any]] = field(default_factory=list)  # id, reference, numbers


def match_numbers(session: Session, line_id: int, hashes: list[str]) -> Matches:
    """Look up a file's numbers against the line, opt-outs, do-not-contact and other lines."""
    matches = Matches()
    with _scratch_hashes(session, hashes) as scratch:
        matches.known = dict(
            session.execute(
                select(Contact.phone_hash, Contact.id)
                .join(scratch, scratch.c.phone_hash == Contact.phone_hash)
                .where(Contact.line_id == line_id)
            ).all()
        )
        # Opt-outs and do-not-contact numbers are national: every force's count here.
        matches.suppressed = set(
            session.scalars(
                across_forces(
                    select(Suppression.phone_hash)
                    .join(scratch, scratch.c.phone_hash == Suppression.phone_hash)
                    .where(Suppression.active.is_(True))
                )
            )
        )
        matches.blocked = matches.suppressed | set(
            session.scalars(
                across_forces(
                    select(DoNotContact.phone_hash).join(
                        scratch, scratch.c.phone_hash == DoNotContact.phone_hash
                    )
                )
            )
        )
        _match_other_lines(session, line_id, scratch, matches)
        _match_other_forces(session, line_id, scratch, matches)
    return matches


def _match_other_forces(session: Session, line_id: int, scratch: Table, matches: Matches) -> None:
    """Numbers that contacts of other forces' lines hold: once the file is written, the
    national index lists them (:mod:`messaging.records.cross_force_index`)."""
    force_id = select(Line.force_id).where(Line.id == line_id).scalar_subquery()
    matches.other_forces = set(
        session.scalars(
            across_forces(
                select(Contact.phone_hash)
                .join(scratch, scratch.c.phone_hash == Contact.phone_hash)
                .where(Contact.force_id != force_id)
                .distinct()
            )
        )
    )


def _match_other_lines(session: Session, line_id: int, scratch: Table, matches: Matches) -> None:
    """Numbers that are contacts of other lines, and how many each other line shares."""
    for other_id, reference, phone_hash in session.execute(
        select(Line.id, Line.reference, Contact.phone_hash)
        .join(Contact, Contact.line_id == Line.id)
        .join(scratch, scratch.c.phone_hash == Contact.phone_hash)
        .where(Contact.line_id != line_id)
        .order_by(Line.reference)
    ):
        matches.elsewhere.add(phone_hash)
        if not matches.other_lines or matches.other_lines[-1]["id"] != other_id:
            matches.other_lines.append({"id": other_id, "reference": reference, "numbers": 0})
        matches.other_lines[-1]["numbers"] += 1


_SCRATCH = Table(
    "pester_import_hashes",
    MetaData(),
    Column("phone_hash", String(LOOKUP_HASH_LENGTH), primary_key=True),
    prefixes=["TEMPORARY"],
)


@contextmanager
def _scratch_hashes(session: Session, hashes: list[str]) -> Iterator[Table]:
    """A temporary table of the file's hashes, so lookups are joins, not huge IN lists."""
    connection = session.connection()
    connection.exec_driver_sql("DROP TABLE IF EXISTS pester_import_hashes")
    _SCRATCH.create(connection)
    try:
        for start in range(0, len(hashes), 10_000):
            connection.execute(
                _SCRATCH.insert(), [{"phone_hash": h} for h in hashes[start : start + 10_000]]
            )
        yield _SCRATCH
    finally:
        connection.exec_driver_sql("DROP TABLE IF EXISTS pester_import_hashes")
