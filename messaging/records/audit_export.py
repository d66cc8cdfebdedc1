"""Reading the audit log: filters for the admin page, CSV / JSON exports, and evidence.

Exports carry each entry's hash and previous hash, so whoever receives one can check that
the entries link up. CSV cells that a spreadsheet would run as a formula are defused.

The evidence export (``jsonl``, from the command line only: it is the whole chain, across
every force) carries everything needed to recompute each entry's public digest and check
the signed checkpoints without pester or its keys: a header saying where in the chain it
starts and ends, then each entry's content exactly as hashed
(:mod:`messaging.records.audit_evidence` reads it and describes the format).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from messaging.csv_safety import safe_cell
from messaging.db import utcnow
from messaging.models import AuditEvent, AuditHead
from messaging.records.audit import CATEGORIES, GENESIS, entry_content
from messaging.records.audit_evidence import ExportHeader, entry_line
from messaging.tenancy import across_forces

FORMATS = ("csv", "json")  # what the admin page offers (a force's entries)
EVIDENCE_FORMAT = "jsonl"  # the whole chain, for checking offline: the command line only
COLUMNS = (
    "id",
    "at",
    "actor_id",
    "actor",
    "category",
    "action",
    "object_type",
    "object_id",
    "details",
    "recipient",
    "ip",
    "user_agent",
    "reason",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to show or export; every field is optional."""

    category: str = ""
    action: str = ""
    actor: str = ""  # a substring of the actor ("user:3", an email, "worker")
    object_type: str = ""
    object_id: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        if self.category and self.category not in CATEGORIES:
            raise ValueError(f"category must be one of {', '.join(sorted(CATEGORIES))}")

    def as_details(self) -> dict[str, str]:
        """The filter as audit details (what was asked for, never what was found)."""
        return {
            key: value.isoformat() if isinstance(value, datetime) else str(value)
            for key, value in self.__dict__.items()
            if value not in ("", None)
        }


def filtered(where: AuditFilter) -> Select[tuple[AuditEvent]]:
    query = select(AuditEvent)
    if where.category:
        query = query.where(AuditEvent.category == where.category)
    if where.action:
        query = query.where(AuditEvent.action == where.action)
    if where.actor:
        escaped = where.actor.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(AuditEvent.actor.ilike(f"%{escaped}%", escape="\\"))
    if where.object_type:
        query = query.where(AuditEvent.object_type == where.object_type)
    if where.object_id:
        query = query.where(AuditEvent.object_id == where.object_id)
    if where.since is not None:
        query = query.where(AuditEvent.at >= where.since)
    if where.until is not None:
        query = query.where(AuditEvent.at < where.until)
    return query


def page(
    session: Session, where: AuditFilter, *, before_id: int | None = None, size: int = 100
) -> list[AuditEvent]:
    """Newest first, ``size`` entries older than ``before_id`` (keyset paging)."""
    query = filtered(where)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(size)))


def as_row(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "actor": event.actor,
        "category": event.category,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "details": event.details,
        "recipient": event.recipient,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "reason": event.reason,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def entries(session: Session, where: AuditFilter) -> Iterator[dict[str, Any]]:
    """Matching entries oldest first, streamed."""
    query = filtered(where).order_by(AuditEvent.id)
    for event in session.scalars(query.execution_options(yield_per=1000)):
        yield as_row(event)


def csv_safe(value: Any) -> str:
    """A cell value a spreadsheet shows as text, never runs as a formula."""
    if value is None:
        return ""
    text = json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else str(value)
    return safe_cell(text)


def to_csv(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    """CSV text in chunks: a header, then one line an entry."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_safe(row[column]) for column in COLUMNS])
        yield buffer.getvalue()


def to_json(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    """One JSON array in chunks, an entry a line."""
    yield "["
    first = True
    for row in rows:
        yield ("\n" if first else ",\n") + json.dumps(row, sort_keys=True)
        first = False
    yield "\n]\n"


def export(session: Session, where: AuditFilter, fmt: str) -> Iterator[str]:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    rows = entries(session, where)
    return to_csv(rows) if fmt == "csv" else to_json(rows)


def evidence(session: Session, *, since: datetime | None, until: datetime | None) -> Iterator[str]:
    """The chain's entries written from ``since`` to before ``until`` (all of it when both
    are None), whole and in order, as an evidence export: a header, then an entry a line.

    Call it first in its session: on PostgreSQL it reads one snapshot, so a retention trim
    running meanwhile cannot take entries out between the header and the lines.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    head = session.get(AuditHead, 1)
    first_id, last_id = _evidence_range(session, head, since, until)
    between = (AuditEvent.id >= first_id, AuditEvent.id <= last_id)
    before = session.execute(
        across_forces(
            select(AuditEvent.hash, AuditEvent.digest)
            .where(AuditEvent.id < first_id)
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
    ).first()
    skipped = session.scalar(across_forces(select(func.count()).where(AuditEvent.id < first_id)))
    anchor = (head.anchor_hash, head.anchor_digest) if head else (GENESIS, GENESIS)
    start_hash, start_digest = (before[0], before[1]) if before else anchor
    count = session.scalar(across_forces(select(func.count()).where(*between))) or 0
    last = session.execute(
        across_forces(select(AuditEvent.hash, AuditEvent.digest).where(AuditEvent.id == last_id))
    ).first()
    if head is not None:
        head_hash, head_digest = head.last_hash, head.last_digest
    else:  # no head to compare with: the chain's check reports the missing installation
        head_hash, head_digest = (last[0], last[1]) if last else (GENESIS, GENESIS)
    trimmed = head.trimmed if head else 0
    yield ExportHeader(
        installation=head.installation_id if head else "",
        since=since.isoformat() if since else None,
        until=until.isoformat() if until else None,
        trimmed=trimmed,
        first_position=trimmed + (skipped or 0) + 1,
        start_hash=start_hash,
        start_digest=start_digest,
        head_hash=None if until else head_hash,
        head_digest=None if until else head_digest,
        entries=count,
        exported_at=utcnow().isoformat(),
    ).line()
    query = across_forces(select(AuditEvent).where(*between).order_by(AuditEvent.id))
    for event in session.scalars(query.execution_options(yield_per=1000)):
        yield entry_line(event.id, event.prev_hash, event.hash, event.digest, entry_content(event))


def _evidence_range(
    session: Session, head: AuditHead | None, since: datetime | None, until: datetime | None
) -> tuple[int, int]:
    """The first and last entry ids of an evidence export (first > last: no entries). The
    end is the head's newest entry, so entries appended meanwhile are left for the next."""
    newest = None
    if head is not None:
        newest = session.scalar(
            across_forces(select(AuditEvent.id).where(AuditEvent.hash == head.last_hash))
        )
    if newest is None:  # the head names no entry: export them all, and verify says so
        newest = session.scalar(across_forces(select(func.max(AuditEvent.id)))) or 0
    last_query = select(func.max(AuditEvent.id)).where(AuditEvent.id <= newest)
    first_query = select(func.min(AuditEvent.id))
    if until is not None:
        last_query = last_query.where(AuditEvent.at < until)
    if since is not None:
        first_query = first_query.where(AuditEvent.at >= since)
    last_id = session.scalar(across_forces(last_query)) or 0
    first_id = session.scalar(across_forces(first_query))
    return (newest + 1 if first_id is None else first_id), last_id
