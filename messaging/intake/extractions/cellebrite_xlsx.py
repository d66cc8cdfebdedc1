"""Read a Cellebrite Excel export: the Contacts sheet, and Calls / SMS / Chats sheets if any.

Contacts: row 1 is a title, the header (``#``, ``Name``, ``Interaction Statuses``,
``Entries``, ``Source``, ``Account``) is on row 2 (looked for in the first rows, to be
tolerant), and each ``Entries`` cell lists ``Phone-Mobile: …`` / ``User ID-…: …`` lines:
one number per Phone-* line. A blank Source or "Phone" is the handset's own address book.

The workbook is read with openpyxl in read-only mode with formulas left as written: a formula
is never evaluated. A formula in an Entries or party cell rejects the row (reason
``formula``); one in a name, source or account cell is dropped. A numeric cell becomes its
digits (``7911123456.0`` → ``7911123456``), the way the number was most likely typed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl
from defusedxml import DefusedXmlException

from messaging.intake.extractions.cell_text import is_entries_cell, phone_entries
from messaging.intake.extractions.errors import ExtractionRefused, RefusalCode
from messaging.intake.extractions.headers import HeaderRole, classify_header, fold_header
from messaging.intake.extractions.limits import ExtractionLimits, check_record_count
from messaging.intake.extractions.log_rows import read_log_row
from messaging.intake.extractions.records import (
    ExtractedNumber,
    Extraction,
    RejectedRecord,
    RejectReason,
)
from messaging.intake.extractions.table_layout import LogLayout, log_layout
from messaging.intake.extractions.zip_guard import check_declared_sizes, open_zip

_HEADER_SEARCH_ROWS = 6
_LOG_SAMPLE_ROWS = 50
_RAW_LIMIT = 500
# Sheets whose rows are interactions, by a word in the sheet's name.
_LOG_SHEETS: tuple[tuple[str, str], ...] = (
    ("call", "call"),
    ("sms", "sms"),
    ("mms", "sms"),
    ("text message", "sms"),
    ("chat", "chat"),
    ("instant message", "chat"),
)

Row = Sequence[object]
# openpyxl's read-only worksheet class lives in a private module: typed loosely.
Sheet = Any


def extract_xlsx(path: Path, *, limits: ExtractionLimits) -> Extraction:
    """Read numbers from the Contacts sheet and interactions from any log sheets."""
    with open_zip(path, limits) as archive:
        check_declared_sizes(archive.infolist(), limits)
    # An open file, not the path: openpyxl refuses a path without an .xlsx suffix, and
    # uploads are stored under a random name with none.
    with path.open("rb") as handle:
        try:
            workbook = openpyxl.load_workbook(
                handle, read_only=True, data_only=False, keep_links=False
            )
        except Exception as exc:  # openpyxl raises many types for a damaged workbook
            raise _refusal_for(exc) from exc
        try:
            return _read_workbook(workbook, limits)
        except ExtractionRefused:
            raise
        except Exception as exc:  # damage found while streaming a sheet's rows
            raise _refusal_for(exc) from exc
        finally:
            workbook.close()


def _refusal_for(exc: BaseException) -> ExtractionRefused:
    """UNSAFE_XML if defusedxml stopped an entity trick anywhere in the chain, else corrupt."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, DefusedXmlException):
            return ExtractionRefused(RefusalCode.UNSAFE_XML)
        seen = seen.__cause__ or seen.__context__
    return ExtractionRefused(RefusalCode.CORRUPT_WORKBOOK)


def _read_workbook(workbook: openpyxl.Workbook, limits: ExtractionLimits) -> Extraction:
    titles = list(workbook.sheetnames)
    contacts_title = next((t for t in titles if fold_header(t) == "contacts"), None)
    if contacts_title is None:
        raise ExtractionRefused(RefusalCode.NO_CONTACTS_SHEET, details={"sheets": titles})
    extraction = Extraction("xlsx", 0, columns={"sheets": titles})
    _read_contacts(workbook[contacts_title], extraction, limits)
    logs: dict[str, object] = {}
    for title in titles:
        kind = _log_kind(title)
        if kind is not None:
            described = _read_log_sheet(workbook[title], kind, extraction, limits)
            if described is not None:
                logs[title] = described
    extraction.columns["logs"] = logs
    return extraction


def _read_contacts(sheet: Sheet, extraction: Extraction, limits: ExtractionLimits) -> None:
    title = sheet.title
    rows = _rows(sheet)
    header_row, header = _find_header(rows, _is_contacts_header)
    if header is None:
        raise ExtractionRefused(
            RefusalCode.COLUMNS_UNCLEAR,
            f"The {title} sheet has no header with Name and Entries columns.",
            {"sheet": title},
        )
    folded = [fold_header(cell) for cell in header]
    roles = [classify_header(cell) for cell in header]
    entries = _index(roles, HeaderRole.ENTRIES, HeaderRole.NUMBER)
    name = _index(roles, HeaderRole.NAME)
    source = _position_of(folded, "source", "source app", "app")
    account = _position_of(folded, "account")
    deleted = _position_of(folded, "deleted", "deleted state", "deleted status")
    extraction.columns["contacts"] = {
        "sheet": title,
        "header_row": header_row,
        "numbers": [header[entries]] if entries is not None else [],
        "name": header[name] if name is not None else None,
    }
    for number, row in rows:
        if not any(cell not in (None, "") for cell in row):
            continue
        extraction.records += 1
        check_record_count(extraction.records, limits)
        position = f"sheet {title} row {number}"
        value = _cell(row, entries)
        if value is not None and value.startswith("="):
            extraction.rejected.append(
                RejectedRecord(position, value[:_RAW_LIMIT], RejectReason.FORMULA)
            )
            continue
        found = _entries(value)
        if not found:
            extraction.rejected.append(
                RejectedRecord(position, _row_text(row), RejectReason.NO_NUMBER)
            )
            continue
        saved_name, app = _plain(row, name), _plain(row, source)
        owner_account, state = _plain(row, account), _plain(row, deleted)
        for label, raw in found:
            extraction.numbers.append(
                ExtractedNumber(position, raw, saved_name, label, app, owner_account, state)
            )


def _read_log_sheet(
    sheet: Sheet, kind: str, extraction: Extraction, limits: ExtractionLimits
) -> dict[str, object] | None:
    title = sheet.title
    rows = _rows(sheet)
    header_row, header = _find_header(rows, _is_log_header)
    if header is None:
        return None  # a sheet of another shape: nothing to take from it
    sample: list[tuple[int, Row]] = []
    for item in rows:
        sample.append(item)
        if len(sample) >= _LOG_SAMPLE_ROWS:
            break
    texts = [[_cell(row, i) or "" for i in range(len(row))] for _, row in sample]
    layout = log_layout(header, texts, default_kind=kind)
    if layout is None:
        return None
    for number, row in itertools.chain(sample, rows):
        if not any(cell not in (None, "") for cell in row):
            continue
        extraction.records += 1
        check_record_count(extraction.records, limits)
        position = f"sheet {title} row {number}"
        formula = _formula_in_parties(row, layout)
        if formula is not None:
            extraction.rejected.append(RejectedRecord(position, formula, RejectReason.FORMULA))
            continue
        interactions, rejection = read_log_row(_log_cells(row), layout, position)
        extraction.interactions.extend(interactions)
        if rejection is not None:
            extraction.rejected.append(rejection)
    return {"header_row": header_row, "kind": kind, "header": header}


def _rows(sheet: Sheet) -> Iterator[tuple[int, Row]]:
    # The declared dimension can be wrong (or hostile): read the rows actually present.
    sheet.reset_dimensions()
    yield from enumerate(sheet.iter_rows(values_only=True), start=1)


def _find_header(
    rows: Iterator[tuple[int, Row]], accept: Callable[[list[str]], bool]
) -> tuple[int | None, list[str] | None]:
    for number, row in rows:
        header = [_cell(row, i) or "" for i in range(len(row))]
        if accept(header):
            return number, header
        if number >= _HEADER_SEARCH_ROWS:
            break
    return None, None


def _is_contacts_header(header: list[str]) -> bool:
    roles = {classify_header(cell) for cell in header}
    return HeaderRole.NAME in roles and bool(roles & {HeaderRole.ENTRIES, HeaderRole.NUMBER})


def _is_log_header(header: list[str]) -> bool:
    roles = {classify_header(cell) for cell in header}
    party = {HeaderRole.PARTY, HeaderRole.FROM, HeaderRole.TO, HeaderRole.NUMBER}
    timed = {HeaderRole.TIMESTAMP, HeaderRole.DATE, HeaderRole.TIME}
    return bool(roles & party) and bool(roles & timed)


def _entries(value: str | None) -> list[tuple[str | None, str]]:
    if value is None:
        return []
    if ":" in value and is_entries_cell(value):
        return [(entry.label, entry.value) for entry in phone_entries(value)]
    return [(None, value)] if any(c.isdigit() for c in value) else []


def _formula_in_parties(row: Row, layout: LogLayout) -> str | None:
    for index in (*layout.parties, layout.from_col, layout.to_col):
        value = _cell(row, index)
        if value is not None and value.startswith("="):
            return value[:_RAW_LIMIT]
    return None


def _log_cells(row: Row) -> list[object]:
    # Keep spreadsheet datetimes as they are; everything else becomes text.
    return [v if isinstance(v, datetime | time) else _cell(row, i) for i, v in enumerate(row)]


def _cell(row: Row, index: int | None) -> str | None:
    """A cell as text: numbers as their digits, blanks as None."""
    if index is None or index >= len(row):
        return None
    value = row[index]
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e18:
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _plain(row: Row, index: int | None) -> str | None:
    value = _cell(row, index)
    return None if value is None or value.startswith("=") else value


def _index(roles: list[HeaderRole | None], *wanted: HeaderRole) -> int | None:
    for role in wanted:
        if role in roles:
            return roles.index(role)
    return None


def _position_of(folded: list[str], *names: str) -> int | None:
    return next((i for i, cell in enumerate(folded) if cell in names), None)


def _log_kind(title: str) -> str | None:
    folded = fold_header(title)
    return next((kind for word, kind in _LOG_SHEETS if word in folded), None)


def _row_text(row: Row) -> str:
    cells = (_cell(row, i) for i in range(len(row)))
    return " | ".join(c for c in cells if c)[:_RAW_LIMIT]
