"""Read contacts, or a call/message log, from a CSV or TSV file of any origin.

The file is streamed through the csv module (never loaded whole): encoding and delimiter
are sniffed from the first 64 KiB, columns are decided from the first rows (see
:mod:`table_layout`), and every later row becomes numbers, interactions or a rejected record.
Positions are spreadsheet rows: "row 1" is the first line (usually the header), blank lines
count, and a quoted cell spanning several lines is one row, as Excel shows it. Cells are
passed on as written (stripped of surrounding space), Excel damage included: repairing
``7.911123456E+09`` is the normaliser's job. A number cell starting with "=" is a formula
(or Excel's ``="07700…"`` trick) and is rejected with reason ``formula``, never evaluated.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import TextIO

from messaging.intake.extractions.cell_text import is_entries_cell, phone_entries
from messaging.intake.extractions.column_map import ColumnMap
from messaging.intake.extractions.csv_dialect import detect_delimiter, sample_rows
from messaging.intake.extractions.errors import ExtractionRefused, RefusalCode
from messaging.intake.extractions.limits import ExtractionLimits, check_record_count
from messaging.intake.extractions.log_rows import read_log_row
from messaging.intake.extractions.records import (
    ExtractedNumber,
    Extraction,
    RejectedRecord,
    RejectReason,
)
from messaging.intake.extractions.table_layout import ContactsLayout, TableLayout, detect_layout
from messaging.intake.extractions.text_encoding import (
    SAMPLE_BYTES,
    decode_head,
    read_head,
    sniff_encoding,
)

_HAS_DIGIT = re.compile(r"\d").search
_RAW_LIMIT = 500
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def extract_csv(
    path: Path, *, column_map: ColumnMap | None, limits: ExtractionLimits
) -> Extraction:
    """Read a delimited text file into numbers (contacts) or interactions (a log)."""
    head = read_head(path)
    encoding = sniff_encoding(path, head)
    complete = len(head) < SAMPLE_BYTES
    sample = decode_head(head, encoding)
    if not sample.strip():
        raise ExtractionRefused(RefusalCode.EMPTY_FILE)
    delimiter = detect_delimiter(sample, complete=complete)
    layout = detect_layout(sample_rows(sample, delimiter, complete=complete), column_map)
    columns = layout.describe() | {
        "delimiter": _DELIMITER_NAMES[delimiter],
        "encoding": encoding.label,
    }
    extraction = Extraction("csv", 0, columns=columns)
    try:
        with path.open("rb") as binary:
            text = io.TextIOWrapper(binary, encoding=encoding.codec, errors="replace", newline="")
            _read_rows(
                _BoundedLines(text, limits.max_line_chars), delimiter, layout, extraction, limits
            )
    except OSError as exc:
        raise ExtractionRefused(RefusalCode.UNREADABLE) from exc
    return extraction


class _BoundedLines:
    """Physical lines for csv.reader, none longer than the limit (the rest is skipped)."""

    def __init__(self, text: TextIO, max_chars: int) -> None:
        self._readline = text.readline
        self._max = max_chars
        self.too_long = False
        self.last = ""

    def __iter__(self) -> _BoundedLines:
        return self

    def __next__(self) -> str:
        line = self._readline(self._max + 1)
        if not line:
            raise StopIteration
        if len(line) > self._max and not line.endswith(("\n", "\r")):
            self.too_long = True
            while line and not line.endswith(("\n", "\r")):
                line = self._readline(self._max + 1)
            line = "\n"
        self.last = line
        return line


def _read_rows(
    lines: _BoundedLines,
    delimiter: str,
    layout: TableLayout,
    extraction: Extraction,
    limits: ExtractionLimits,
) -> None:
    reader = csv.reader(lines, delimiter=delimiter)
    rejected = extraction.rejected
    to_skip = layout.rows_before_data
    row_number = 0
    records = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:
            row = None
        row_number += 1
        position = f"row {row_number}"
        if row is not None and not lines.too_long:
            if not any(row):
                continue
            if to_skip and not any(cell.strip() for cell in row):
                continue  # blank the way the layout's sample saw it
        if to_skip:
            to_skip -= 1
            lines.too_long = False
            continue
        records += 1
        if records > limits.max_records:
            check_record_count(records, limits)
        if lines.too_long:
            lines.too_long = False
            rejected.append(RejectedRecord(position, "", RejectReason.LINE_TOO_LONG))
        elif row is None:
            rejected.append(
                RejectedRecord(position, lines.last[:_RAW_LIMIT], RejectReason.MALFORMED)
            )
        elif layout.contacts is not None:
            _read_contact_row(row, position, layout.contacts, extraction)
        elif layout.log is not None:
            interactions, rejection = read_log_row(row, layout.log, position)
            extraction.interactions.extend(interactions)
            if rejection is not None:
                rejected.append(rejection)
    extraction.records = records


def _read_contact_row(
    row: list[str], position: str, layout: ContactsLayout, extraction: Extraction
) -> None:
    name = _saved_name(row, layout)
    numbers = extraction.numbers
    found = refused = False
    width = len(row)
    for column in layout.numbers:
        if column.index >= width:
            continue
        value = row[column.index].strip()
        if not value:
            continue
        reason = _cell_problem(value)
        if reason is not None:
            extraction.rejected.append(RejectedRecord(position, value[:_RAW_LIMIT], reason))
            refused = True
        elif (
            ":" in value
            and (column.entries or "\n" in value)
            and is_entries_cell(value)
            and (entries := phone_entries(value))
        ):
            for entry in entries:
                numbers.append(
                    ExtractedNumber(position, entry.value, name, entry.label, None, None, None)
                )
            found = True
        elif _HAS_DIGIT(value):
            # Includes "mob: 07700 …": the normaliser strips such labels itself.
            numbers.append(ExtractedNumber(position, value, name, column.label, None, None, None))
            found = True
    if not found and not refused:
        raw = " | ".join(cell.strip() for cell in row if cell.strip())
        extraction.rejected.append(
            RejectedRecord(position, raw[:_RAW_LIMIT], RejectReason.NO_NUMBER)
        )


def _cell_problem(value: str) -> RejectReason | None:
    if value[0] == "=":
        return RejectReason.FORMULA
    if "\ufffd" in value:
        return RejectReason.UNDECODABLE
    return None


def _saved_name(row: list[str], layout: ContactsLayout) -> str | None:
    if layout.name is not None and layout.name < len(row):
        name = row[layout.name].strip()
        if name:
            return name
    parts = [
        row[index].strip()
        for index in (layout.first_name, layout.last_name)
        if index is not None and index < len(row)
    ]
    return " ".join(part for part in parts if part) or None
