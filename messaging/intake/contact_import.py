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

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from messaging.crypto import lookup_hash
from messaging.db import refresh_planner_statistics
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
from messaging.intake.matching import Matches, match_numbers
from messaging.intake.phone_numbers import DEFAULT_TEXTABLE_REGIONS, normalise
from messaging.models import ContactImport, Line
from messaging.records import audit, cross_force_index
from messaging.tenancy import acting_for

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

    @classmethod
    def of(cls, line: Line, sha: str, filename: str, extraction: Extraction) -> ImportReport:
        """An empty report for one file read into one line."""
        report = cls(line=line.reference, file_sha256=sha, format=extraction.format)
        report.filename, report.records = filename, extraction.records
        report.columns = extraction.columns
        return report

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("columns")
        data.pop("sample")
        return data

    def audit_details(self) -> dict[str, Any]:
        """What the audit log keeps of an import: ids and counts, never a number."""
        return {
            "import_id": self.import_id,
            "contacts_added": self.contacts_added,
            "numbers_seen": self.numbers_seen,
            "rejected": len(self.rejected),
            "file_sha256": self.file_sha256,
        }


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

    Read, normalise, match against the line, opt-outs and other lines, count; then record
    the import and write it. ``progress(stage, fraction)`` feeds a progress bar; ``ip`` and
    ``user_agent`` are the request's, for the audit log.
    """
    limits = limits or ExtractionLimits()
    _refuse_oversized(path, limits)
    sha = file_sha256(path)
    existing = _existing_import(session, line.id, sha)
    if existing is not None:
        return _already_imported(line, existing, filename)
    progress("reading the file", 0.05)
    extraction = _read(path, filename, format=format, column_map=column_map, limits=limits)
    report = ImportReport.of(line, sha, filename, extraction)
    progress("normalising numbers", 0.3)
    numbers = _normalise_all(extraction, report, textable_regions)
    progress("checking opt-outs and other lines", 0.5)
    # "Other lines" are the line's own force's, wherever the import runs (a worker, the CLI).
    with acting_for(line.force_id):
        matches = match_numbers(session, line.id, list(numbers))
        new = _count(report, numbers, matches)
        if dry_run:
            return report
        record, ours = _record_import(session, line, report, user_id=user_id)
        if not ours:  # another confirm of the same file into this line committed first
            log.info("import into line %s: the same file was imported concurrently", line.id)
            return _already_imported(line, record, filename)
        _write(session, record, numbers, new, matches, report, progress)
        cross_force_index.add(session, matches.other_forces)  # now on this force's line too
        audit.record_cross_line_links(  # combination (DPA 2018 s.62): linked to other lines
            session,
            line_id=line.id,
            import_id=record.id,
            phone_hashes=matches.elsewhere,
            user_id=user_id,
            ip=ip,
            user_agent=user_agent,
        )
    # The line may now hold most of the force's contacts: let SQLite's planner know, or
    # it can read the whole force's contacts to list this line's.
    refresh_planner_statistics(session.connection())
    return report


def _refuse_oversized(path: Path, limits: ExtractionLimits) -> None:
    """Refuse an oversized file before reading any of it."""
    try:
        checked_file_size(path, limits)
    except ExtractionRefused as exc:
        raise ImportRefused(str(exc.code), exc.message, exc.details) from exc


def _read(
    path: Path,
    filename: str,
    *,
    format: str,
    column_map: ColumnMap | None,
    limits: ExtractionLimits,
) -> Extraction:
    """Parse the extraction; a file that cannot be read is refused with the parser's reason."""
    try:
        return extract(path, filename=filename, format=format, column_map=column_map, limits=limits)
    except ExtractionRefused as exc:
        raise ImportRefused(str(exc.code), exc.message, exc.details) from exc


def _count(report: ImportReport, numbers: dict[str, Number], matches: Matches) -> list[Number]:
    """Fill in the report's counts; returns the numbers that are new to the line."""
    for number in numbers.values():
        report.by_kind[str(number.normalised.kind)] += 1
        report.textable += int(number.normalised.textable)
    report.suppressed = len(matches.blocked)
    report.cross_line = len(matches.elsewhere)
    report.cross_line_lines = matches.other_lines
    new = [n for h, n in numbers.items() if h not in matches.known]
    report.contacts_added = len(new)
    # Every valid sighting is a new contact or merged into one already seen.
    report.duplicates = sum(n.seen for n in numbers.values()) - len(new)
    return new


def _record_import(
    session: Session, line: Line, report: ImportReport, *, user_id: int | None
) -> tuple[ContactImport, bool]:
    """Add the import's own row (unique per line and file): (the row, True); or, when a
    concurrent confirm of the same file won the race, (that import's row, False)."""
    record = ContactImport(
        line_id=line.id,
        filename=report.filename[:255],
        file_sha256=report.file_sha256,
        format=report.format,
        summary={},
        imported_by_id=user_id,
        rejected=json.dumps(report.rejected) if report.rejected else None,
    )
    try:
        with session.begin_nested():  # a savepoint: losing a race must not spoil the session
            session.add(record)
            session.flush()
    except IntegrityError:
        existing = _existing_import(session, line.id, report.file_sha256)
        if existing is None:
            raise
        return existing, False
    report.import_id = record.id
    return record, True


def _write(
    session: Session,
    record: ContactImport,
    numbers: dict[str, Number],
    new: list[Number],
    matches: Matches,
    report: ImportReport,
    progress: Progress,
) -> None:
    """Write the new contacts, every sighting's provenance and the deduplicated logs."""
    ids = dict(matches.known)
    progress("writing contacts", 0.6)
    force_id = record.force_id
    ids.update(
        insert_contacts(
            session, record.line_id, new, matches.blocked, matches.suppressed, force_id=force_id
        )
    )
    progress("writing where each number came from", 0.8)
    insert_sources(session, record.id, numbers, ids, force_id=force_id)
    report.interactions, report.duplicate_interactions = insert_interactions(
        session, record.line_id, record.id, numbers, ids, force_id=force_id
    )
    record.summary = {k: v for k, v in report.as_json().items() if k != "rejected"}
    record.summary["rejected"] = len(report.rejected)
    log.info(
        "import %s into line %s: %s records, %s contacts added, %s rejected",
        record.id,
        record.line_id,
        report.records,
        report.contacts_added,
        len(report.rejected),
    )


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
