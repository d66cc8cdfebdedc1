"""An officer's choice of columns, overriding detection when the headers are unclear."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from messaging.intake.extractions.errors import ExtractionRefused, RefusalCode
from messaging.intake.extractions.headers import fold_header


@dataclass(frozen=True)
class ColumnMap:
    """Columns to use, by header name or 1-based column index written as a string ("3")."""

    numbers: tuple[str, ...]
    name: str | None = None
    timestamp: str | None = None
    direction: str | None = None

    @property
    def is_log(self) -> bool:
        """True if the map describes a call or message log rather than contacts."""
        return self.timestamp is not None or self.direction is not None

    def names(self) -> list[str]:
        """Every column the map names, in order."""
        keys = [*self.numbers, self.name, self.timestamp, self.direction]
        return [key for key in keys if key is not None]


def names_header(column_map: ColumnMap, header: Sequence[str]) -> bool:
    """Return True if some column the map names by text is a cell of this (header) row."""
    cells = {cell.strip() for cell in header} | {fold_header(cell) for cell in header}
    return any(
        not key.strip().isdigit() and (key.strip() in cells or fold_header(key) in cells)
        for key in column_map.names()
    )


def resolve_column(key: str, header: Sequence[str], width: int) -> int:
    """Return the 0-based index of a mapped column, or refuse with UNKNOWN_COLUMN."""
    wanted = key.strip()
    for index, cell in enumerate(header):
        if cell.strip() == wanted:
            return index
    folded = fold_header(wanted)
    for index, cell in enumerate(header):
        if folded and fold_header(cell) == folded:
            return index
    if wanted.isdigit() and 1 <= int(wanted) <= width:
        return int(wanted) - 1
    raise ExtractionRefused(
        RefusalCode.UNKNOWN_COLUMN,
        f"There is no column {wanted!r} in the file.",
        {"column": wanted, "headers": list(header), "columns": width},
    )
