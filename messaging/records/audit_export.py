"""Reading the audit log: filters for the admin page, and CSV / JSON exports.

Exports carry each entry's hash and previous hash, so whoever receives one can check that
the entries link up. CSV cells that a spreadsheet would run as a formula are defused.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from messaging.csv_safety import safe_cell
from messaging.models import AuditEvent
from messaging.records.audit import CATEGORIES

FORMATS = ("csv", "json")
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
