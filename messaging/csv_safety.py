"""CSV that is safe to open in a spreadsheet: no cell is ever run as a formula.

The one place that decides what a spreadsheet would run: every export (reply log, import
reports) defuses its cells with :func:`safe_cell`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

# Excel, LibreOffice and Sheets treat a cell starting with one of these as a formula (a
# leading tab, CR or LF is skipped by some importers, which then see what follows; "|" starts
# a DDE call in older Excel).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "|")


def safe_cell(value: Any) -> Any:
    """The value as text a spreadsheet shows literally (a leading quote defuses a formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A whole CSV document (UTF-8 text, CRLF lines) with every cell defused."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue()
