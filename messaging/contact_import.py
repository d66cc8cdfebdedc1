"""Importing an extraction into a line: parse, normalise, de-duplicate, keep provenance.

One import is one transaction: a file that cannot be read changes nothing, a bad row is
reported and skipped, and the same file imported twice into a line adds nothing.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.orm import Session

from messaging import audit
from messaging.crypto import LOOKUP_HASH_LENGTH, lookup_hash
from messaging.db import utcnow
from messaging.extractions import (
    ColumnMap,
    Extraction,
    ExtractionLimits,
    ExtractionRefused,
    extract,
)
from messaging.extractions.limits import checked_file_size
from messaging.models import (
    Contact,
    ContactImport,
    ContactSource,
    DoNotContact,
    Interaction,
    Line,
    Suppression,
)
from messaging.phone_numbers import DEFAULT_TEXTABLE_REGIONS, NormalisedNumber, normalise

log = logging.getLogger(__name__)
Progress = Callable[[str, float], None]
KINDS = ("mobile", "landline", "non_geographic", "invalid")


class ImportRefused(Exception):
    """The whole file was refused; nothing was written."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}  # e.g. the headers, when the columns are unclear


@dataclass
class ImportReport:
    """What an import found and did (counts only, plus the rejected rows).

    ``numbers_seen`` counts the values the parser read as phone numbers; ``by_kind`` counts
    distinct valid numbers by kind, and under ``invalid`` every value that failed to
    normalise plus every record the parser rejected (each also listed in ``rejected``).
    ``duplicates`` counts sightings merged into a number already seen in this file or line.
    """

    line: str
    file_sha256: str
    format: str
    filename: str = ""
    records: int = 0
    numbers_seen: int = 0
    contacts_added: int = 0
    duplicates: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    textable: int = 0
    suppressed: int = 0
    cross_line: int = 0
    interactions: int = 0
    rejected: list[dict[str, str]] = field(default_factory=list)
    already_imported: bool = False
    import_id: int | None = None
    columns: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("columns")
        return data


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class _Number:
    normalised: NormalisedNumber
    phone_hash: str
    sightings: list[Any] = field(default_factory=list)
    interactions: list[Any] = field(default_factory=list)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a large import's objects.

    An import creates hundreds of thousands of small objects that live until it ends; the
    collector would walk them again and again for nothing (about a sixth of the time).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _silent(stage: str, fraction: float) -> None:
    """No progress reporting."""


@_collector_paused()
def import_contacts(
    session: Session,
    line: Line,
    path: Path,
    *,
    filename: str,
    format: str = "auto",
    column_map: ColumnMap | None = None,
    limits: ExtractionLimits | None = None,
    textable_regions: frozenset[str] = DEFAULT_TEXTABLE_REGIONS,
    user_id: int | None = None,
    dry_run: bool = False,
    progress: Progress = _silent,
) -> ImportReport:
    """Import ``path`` into ``line`` in the caller's transaction (``dry_run``: preview only).

    ``progress(stage, fraction)`` is told what the import is doing, for a progress bar.
    """
    limits = limits or ExtractionLimits()
    try:
        checked_file_size(path, limits)  # refuse an oversized file before reading it at all
    except ExtractionRefused as exc:
        raise ImportRefused(str(exc.code), exc.message, exc.details) from exc
    sha = file_sha256(path)
    existing = session.scalar(
        select(ContactImport).where(
            ContactImport.line_id == line.id, ContactImport.file_sha256 == sha
        )
    )
    if existing is not None:
        report = ImportReport(line=line.reference, file_sha256=sha, format=existing.format)
        report.filename, report.already_imported, report.import_id = filename, True, existing.id
        return report
    try:
        progress("reading the file", 0.05)
        extraction = extract(
            path,
            filename=filename,
            format=format,
            column_map=column_map,
            limits=limits,
        )
    except ExtractionRefused as exc:
        raise ImportRefused(str(exc.code), exc.message, exc.details) from exc

    report = ImportReport(line=line.reference, file_sha256=sha, format=extraction.format)
    report.filename, report.records, report.columns = (
        filename,
        extraction.records,
        extraction.columns,
    )
    progress("normalising numbers", 0.3)
    numbers = _normalise_all(extraction, report, textable_regions)
    progress("checking opt-outs and other lines", 0.5)
    with _scratch_hashes(session, list(numbers)) as scratch:
        known = dict(
            session.execute(
                select(Contact.phone_hash, Contact.id)
                .join(scratch, scratch.c.phone_hash == Contact.phone_hash)
                .where(Contact.line_id == line.id)
            ).all()
        )
        suppressed = set(
            session.scalars(
                select(Suppression.phone_hash)
                .join(scratch, scratch.c.phone_hash == Suppression.phone_hash)
                .where(Suppression.active.is_(True))
            )
        )
        blocked = suppressed | set(
            session.scalars(
                select(DoNotContact.phone_hash).join(
                    scratch, scratch.c.phone_hash == DoNotContact.phone_hash
                )
            )
        )
        elsewhere = set(
            session.scalars(
                select(Contact.phone_hash)
                .distinct()
                .join(scratch, scratch.c.phone_hash == Contact.phone_hash)
                .where(Contact.line_id != line.id)
            )
        )
    for number in numbers.values():
        kind = str(number.normalised.kind)
        report.by_kind[kind] += 1
        report.textable += int(number.normalised.textable)
    report.suppressed = len(blocked)
    report.cross_line = len(elsewhere)
    sightings = sum(len(n.sightings) for n in numbers.values())
    report.duplicates = (
        sightings
        - sum(1 for n in numbers.values() if n.sightings)
        + sum(1 for h, n in numbers.items() if h in known and n.sightings)
    )
    new = [n for h, n in numbers.items() if h not in known]
    report.contacts_added = len(new)
    if dry_run:
        return report

    record = ContactImport(
        line_id=line.id,
        filename=filename[:255],
        file_sha256=sha,
        format=extraction.format,
        summary={},
        imported_by_id=user_id,
        rejected=json.dumps(report.rejected) if report.rejected else None,
    )
    session.add(record)
    session.flush()
    report.import_id = record.id
    ids = dict(known)
    progress("writing contacts", 0.6)
    ids.update(_insert_contacts(session, line.id, new, blocked, suppressed))
    progress("writing where each number came from", 0.8)
    _insert_sources(session, record.id, numbers, ids)
    report.interactions = _insert_interactions(session, line.id, record.id, numbers, ids)
    record.summary = {k: v for k, v in report.as_json().items() if k != "rejected"}
    record.summary["rejected"] = len(report.rejected)
    audit.record_cross_line_links(  # combination (DPA 2018 s.62): linked to other lines
        session, line_id=line.id, import_id=record.id, phone_hashes=elsewhere, user_id=user_id
    )
    log.info(
        "import %s into line %s: %s records, %s contacts added, %s rejected",
        record.id,
        line.id,
        report.records,
        report.contacts_added,
        len(report.rejected),
    )
    return report


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


def _normalise_all(
    extraction: Extraction, report: ImportReport, regions: frozenset[str]
) -> dict[str, _Number]:
    numbers: dict[str, _Number] = {}
    hash_of: dict[str, str] = {}

    def resolve(raw: str) -> _Number | NormalisedNumber:
        result = normalise(raw, textable_regions=regions)
        if result.e164 is None:
            return result
        phone_hash = hash_of.get(result.e164)
        if phone_hash is None:
            phone_hash = hash_of[result.e164] = lookup_hash(result.e164)
        entry = numbers.get(phone_hash)
        if entry is None:
            entry = numbers[phone_hash] = _Number(result, phone_hash)
        return entry

    for item in extraction.numbers:
        report.numbers_seen += 1
        entry = resolve(item.raw)
        if isinstance(entry, NormalisedNumber):
            report.by_kind["invalid"] += 1
            report.rejected.append(
                {"position": item.position, "raw": item.raw, "reason": str(entry.reason)}
            )
            continue
        entry.sightings.append(item)
    for item in extraction.interactions:
        entry = resolve(item.raw)
        if isinstance(entry, NormalisedNumber):
            continue  # a short code or a withheld number in a call log is not a contact
        entry.interactions.append(item)
    for bad in extraction.rejected:
        report.by_kind["invalid"] += 1
        report.rejected.append(
            {"position": bad.position, "raw": bad.raw, "reason": str(bad.reason)}
        )
    return numbers


def _insert_contacts(
    session: Session, line_id: int, new: list[_Number], blocked: set[str], suppressed: set[str]
) -> dict[str, int]:
    if not new:
        return {}
    now = utcnow()
    rows = [
        {
            "line_id": line_id,
            "phone_hash": n.phone_hash,
            "phone": n.normalised.e164,
            "kind": str(n.normalised.kind),
            "region": n.normalised.region,
            "textable": n.normalised.textable,
            "drama": n.normalised.drama,
            "suppressed_at_import": n.phone_hash in suppressed,
            "do_not_contact_at_import": n.phone_hash in blocked and n.phone_hash not in suppressed,
            "interactions": 0,
            "created_at": now,
        }
        for n in new
    ]
    # Core executemany without RETURNING is the fast path on both SQLite and PostgreSQL;
    # the new ids are read back in one query afterwards.
    table = Contact.__table__
    for start in range(0, len(rows), 5000):
        session.execute(table.insert(), rows[start : start + 5000])
    wanted = {n.phone_hash for n in new}
    return {
        phone_hash: cid
        for phone_hash, cid in session.execute(
            select(Contact.phone_hash, Contact.id).where(Contact.line_id == line_id)
        )
        if phone_hash in wanted
    }


def _insert_sources(
    session: Session, import_id: int, numbers: dict[str, _Number], ids: dict[str, int]
) -> None:
    rows = [
        {
            "contact_id": ids[phone_hash],
            "import_id": import_id,
            "position": s.position[:80],
            "raw": s.raw,
            "saved_name": s.saved_name,
            "label": (s.label or None) and s.label[:80],
            "source_app": (s.source_app or None) and s.source_app[:80],
            "account": s.account,
            "deleted_state": (s.deleted_state or None) and s.deleted_state[:40],
        }
        for phone_hash, number in numbers.items()
        for s in number.sightings
    ]
    for start in range(0, len(rows), 5000):
        session.execute(ContactSource.__table__.insert(), rows[start : start + 5000])


def _insert_interactions(
    session: Session, line_id: int, import_id: int, numbers: dict[str, _Number], ids: dict[str, int]
) -> int:
    rows = []
    for phone_hash, number in numbers.items():
        for item in number.interactions:
            rows.append(
                {
                    "line_id": line_id,
                    "import_id": import_id,
                    "phone_hash": phone_hash,
                    "kind": item.kind,
                    "direction": item.direction,
                    "occurred_at": item.occurred_at,
                }
            )
    for start in range(0, len(rows), 5000):
        session.execute(Interaction.__table__.insert(), rows[start : start + 5000])
    # Keep each contact's summary (how often, first and last seen) in step with its log.
    for phone_hash, number in numbers.items():
        if not number.interactions:
            continue
        contact = session.get(Contact, ids[phone_hash])
        if contact is None:
            continue
        stamps = [i.occurred_at for i in number.interactions if i.occurred_at is not None]
        if contact.first_seen is not None:
            stamps.append(contact.first_seen)
        if contact.last_seen is not None:
            stamps.append(contact.last_seen)
        contact.interactions += len(number.interactions)
        contact.first_seen = min(stamps, default=None)
        contact.last_seen = max(stamps, default=None)
    return len(rows)
