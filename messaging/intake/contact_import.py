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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from messaging.crypto import LOOKUP_HASH_LENGTH, lookup_hash
from messaging.intake.extractions import (
    ColumnMap,
    Extraction,
    ExtractionLimits,
    ExtractionRefused,
    extract,
)
from messaging.intake.extractions.limits import checked_file_size
from messaging.intake.import_rows import (
    Number,
    insert_contacts,
    insert_interactions,
    insert_sources,
)
from messaging.intake.phone_numbers import DEFAULT_TEXTABLE_REGIONS, normalise
from messaging.models import Contact, ContactImport, DoNotContact, Line, Suppression
from messaging.records import audit

log = logging.getLogger(__name__)
Progress = Callable[[str, float], None]
KINDS = ("mobile", "landline", "non_geographic", "invalid")
SAMPLE_ROWS = 10  # records the preview shows, to check the right values were read


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

    ``numbers_seen`` counts the values the parser read as phone numbers: address-book
    entries and the counterparts of calls and messages alike. ``by_kind`` counts distinct
    valid numbers by kind, and under ``invalid`` every value that failed to normalise plus
    every record the parser rejected (each also listed in ``rejected``). ``duplicates``
    counts sightings merged into a number already seen in this file or line, so every
    number seen is added, a duplicate or invalid. ``interactions`` counts the calls and
    messages stored; ``duplicate_interactions`` those already stored from another file of
    the line (or twice in this one), which are not counted again.

    ``sample`` (the first records, with their numbers) is for the preview page only and
    is never part of :meth:`as_json`, which is stored and logged as counts.
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
    duplicate_interactions: int = 0
    cross_line_lines: list[dict[str, Any]] = field(default_factory=list)  # id, reference, numbers
    rejected: list[dict[str, str]] = field(default_factory=list)
    already_imported: bool = False
    import_id: int | None = None
    columns: dict[str, Any] = field(default_factory=dict)
    sample: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("columns")
        data.pop("sample")
        return data


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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
    ip: str = "",
    user_agent: str = "",
    dry_run: bool = False,
    progress: Progress = _silent,
) -> ImportReport:
    """Import ``path`` into ``line`` in the caller's transaction (``dry_run``: preview only).

    ``progress(stage, fraction)`` is told what the import is doing, for a progress bar;
    ``ip`` and ``user_agent`` are those of the request that started it, for the audit log.
    """
    limits = limits or ExtractionLimits()
    try:
        checked_file_size(path, limits)  # refuse an oversized file before reading it at all
    except ExtractionRefused as exc:
        raise ImportRefused(str(exc.code), exc.message, exc.details) from exc
    sha = file_sha256(path)
    existing = _existing_import(session, line.id, sha)
    if existing is not None:
        return _already_imported(line, existing, filename)
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
        elsewhere: set[str] = set()
        for line_id, reference, phone_hash in session.execute(
            select(Line.id, Line.reference, Contact.phone_hash)
            .join(Contact, Contact.line_id == Line.id)
            .join(scratch, scratch.c.phone_hash == Contact.phone_hash)
            .where(Contact.line_id != line.id)
            .order_by(Line.reference)
        ):
            elsewhere.add(phone_hash)
            if not report.cross_line_lines or report.cross_line_lines[-1]["id"] != line_id:
                report.cross_line_lines.append(
                    {"id": line_id, "reference": reference, "numbers": 0}
                )
            report.cross_line_lines[-1]["numbers"] += 1
    for number in numbers.values():
        kind = str(number.normalised.kind)
        report.by_kind[kind] += 1
        report.textable += int(number.normalised.textable)
    report.suppressed = len(blocked)
    report.cross_line = len(elsewhere)
    new = [n for h, n in numbers.items() if h not in known]
    report.contacts_added = len(new)
    # Every valid sighting is a new contact or merged into one already seen.
    report.duplicates = sum(n.seen for n in numbers.values()) - len(new)
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
    try:
        with session.begin_nested():  # a savepoint: losing a race must not spoil the session
            session.add(record)
            session.flush()
    except IntegrityError:
        # Another confirm of the same file into this line committed first.
        existing = _existing_import(session, line.id, sha)
        if existing is None:
            raise
        log.info("import into line %s: the same file was imported concurrently", line.id)
        return _already_imported(line, existing, filename)
    report.import_id = record.id
    ids = dict(known)
    progress("writing contacts", 0.6)
    ids.update(insert_contacts(session, line.id, new, blocked, suppressed))
    progress("writing where each number came from", 0.8)
    insert_sources(session, record.id, numbers, ids)
    report.interactions, report.duplicate_interactions = insert_interactions(
        session, line.id, record.id, numbers, ids
    )
    record.summary = {k: v for k, v in report.as_json().items() if k != "rejected"}
    record.summary["rejected"] = len(report.rejected)
    audit.record_cross_line_links(  # combination (DPA 2018 s.62): linked to other lines
        session,
        line_id=line.id,
        import_id=record.id,
        phone_hashes=elsewhere,
        user_id=user_id,
        ip=ip,
        user_agent=user_agent,
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


def _existing_import(session: Session, line_id: int, sha: str) -> ContactImport | None:
    return session.scalar(
        select(ContactImport).where(
            ContactImport.line_id == line_id, ContactImport.file_sha256 == sha
        )
    )


def _already_imported(line: Line, existing: ContactImport, filename: str) -> ImportReport:
    report = ImportReport(
        line=line.reference, file_sha256=existing.file_sha256, format=existing.format
    )
    report.filename, report.already_imported, report.import_id = filename, True, existing.id
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
) -> dict[str, Number]:
    numbers: dict[str, Number] = {}
    hash_of: dict[str, str] = {}

    def resolve(position: str, raw: str) -> Number | None:
        report.numbers_seen += 1
        result = normalise(raw, textable_regions=regions)
        if len(report.sample) < SAMPLE_ROWS:
            report.sample.append(
                {
                    "position": position,
                    "raw": raw,
                    "kind": str(result.kind),
                    "e164": result.e164,
                    "reason": None if result.reason is None else str(result.reason),
                }
            )
        if result.e164 is None:
            # A withheld number or a short code in a log is no contact, but it is said so.
            report.by_kind["invalid"] += 1
            report.rejected.append({"position": position, "raw": raw, "reason": str(result.reason)})
            return None
        phone_hash = hash_of.get(result.e164)
        if phone_hash is None:
            phone_hash = hash_of[result.e164] = lookup_hash(result.e164)
        entry = numbers.get(phone_hash)
        if entry is None:
            entry = numbers[phone_hash] = Number(result, phone_hash)
        return entry

    for item in extraction.numbers:
        entry = resolve(item.position, item.raw)
        if entry is not None:
            entry.sightings.append(item)
    for log_item in extraction.interactions:
        entry = resolve(log_item.position, log_item.raw)
        if entry is not None:
            entry.interactions.append(log_item)
    for bad in extraction.rejected:
        report.by_kind["invalid"] += 1
        report.rejected.append(
            {"position": bad.position, "raw": bad.raw, "reason": str(bad.reason)}
        )
    return numbers
