"""Decide what a table's columns hold: contacts (numbers and names) or a call/message log.

Headers decide first (see :mod:`headers`); a file without a header row, or with headers in no
known language, is judged by its cells. When neither gives a clear answer the file is refused
with COLUMNS_UNCLEAR, listing the headers so the officer can choose a :class:`ColumnMap`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from messaging.intake.extractions.cell_text import (
    is_entries_cell,
    looks_like_number,
    parse_parties,
    party_key,
)
from messaging.intake.extractions.column_map import ColumnMap, names_header, resolve_column
from messaging.intake.extractions.errors import ExtractionRefused, RefusalCode
from messaging.intake.extractions.headers import HeaderRole, classify_header, fold_header

_NUMBER_ROLES = (HeaderRole.NUMBER, HeaderRole.ENTRIES, HeaderRole.PARTY)
_PARTY_ROLES = (HeaderRole.NUMBER, HeaderRole.ENTRIES, HeaderRole.PARTY)
_LOG_ROLES = (
    HeaderRole.DIRECTION,
    HeaderRole.TYPE,
    HeaderRole.DURATION,
    HeaderRole.FROM,
    HeaderRole.TO,
    HeaderRole.BODY,
)
_TIME_ROLES = (HeaderRole.TIMESTAMP, HeaderRole.DATE, HeaderRole.TIME)
# Share of a column's filled cells that must look like numbers for content detection.
_NUMERIC_SHARE = 0.6
_CONFIDENT_SHARE = 0.8
# Share of log rows one identifier must appear in to be taken as the line itself.
_OWNER_SHARE = 0.6
# Title lines looked through for a header below them.
_PREAMBLE_SEARCH = 5


@dataclass(frozen=True, slots=True)
class NumberColumn:
    """A column holding phone numbers."""

    index: int
    label: str | None  # its header, used as the number's label
    entries: bool  # cells are Cellebrite "Phone-Mobile: …" entries


@dataclass(frozen=True, slots=True)
class ContactsLayout:
    """Where a contacts table keeps numbers and names."""

    numbers: tuple[NumberColumn, ...]
    name: int | None = None
    first_name: int | None = None
    last_name: int | None = None


@dataclass(frozen=True, slots=True)
class LogLayout:
    """Where a call or message log keeps parties, times and directions."""

    parties: tuple[int, ...] = ()
    from_col: int | None = None
    to_col: int | None = None
    timestamp: int | None = None
    date: int | None = None
    time: int | None = None
    direction: int | None = None
    type: int | None = None
    default_kind: str = "call"
    owner_key: str | None = None  # party_key of the line's own number, when it shows
    deleted: int | None = None  # a "Deleted" column, as Cellebrite exports write it


@dataclass(frozen=True, slots=True)
class TableLayout:
    """What the columns of a table hold and how that was decided."""

    has_header: bool
    header: tuple[str, ...]
    detected_by: str  # "header" | "content" | "column_map"
    contacts: ContactsLayout | None = None
    log: LogLayout | None = None
    preamble_rows: int = 0  # title lines above the header, skipped

    @property
    def rows_before_data(self) -> int:
        """Non-blank rows to skip before the first data row: titles and the header."""
        return self.preamble_rows + (1 if self.has_header else 0)

    def describe(self) -> dict[str, object]:
        """Return the detected columns by header (or 1-based index), for the preview."""

        def name(index: int | None) -> str | None:
            if index is None:
                return None
            return self.header[index] if index < len(self.header) else str(index + 1)

        described: dict[str, object] = {
            "header": list(self.header) if self.has_header else None,
            "detected_by": self.detected_by,
            "title_rows": self.preamble_rows,
        }
        if self.contacts is not None:
            contacts = self.contacts
            described |= {
                "layout": "contacts",
                "numbers": [name(column.index) for column in contacts.numbers],
                "name": name(contacts.name),
                "first_name": name(contacts.first_name),
                "last_name": name(contacts.last_name),
            }
        if self.log is not None:
            log = self.log
            described |= {
                "layout": "log",
                "numbers": [
                    name(i) for i in (*log.parties, log.from_col, log.to_col) if i is not None
                ],
                "timestamp": name(log.timestamp) or name(log.date) or name(log.time),
                "direction": name(log.direction),
                "type": name(log.type),
                "default_kind": log.default_kind,
                "owner_seen": log.owner_key is not None,
            }
        return described


def detect_layout(
    rows: Sequence[Sequence[str]],
    column_map: ColumnMap | None = None,
    *,
    default_kind: str | None = None,
) -> TableLayout:
    """Decide the layout from a table's first rows (the first one maybe a header).

    Title lines above the header (Cellebrite writes "Contacts (120)" on row 1) are skipped
    and counted in ``preamble_rows``.
    """
    if not rows:
        raise ExtractionRefused(RefusalCode.COLUMNS_UNCLEAR, "The file holds no rows.")
    preamble = _preamble_rows(rows, column_map)
    if preamble:
        layout = detect_layout(rows[preamble:], column_map, default_kind=default_kind)
        return replace(layout, preamble_rows=preamble)
    first = [cell.strip() for cell in rows[0]]
    width = max(len(row) for row in rows)
    if column_map is not None:
        return _from_column_map(rows, first, width, column_map, default_kind)
    roles = [classify_header(cell) for cell in first]
    if any(roles) and not _mostly_numbers(first):
        return _from_header(rows, first, roles, default_kind)
    if _mostly_numbers(first) or any(looks_like_number(cell) for cell in first):
        numbers = _numeric_columns(rows, width, _NUMERIC_SHARE)
        if numbers:
            contacts = ContactsLayout(
                tuple(NumberColumn(i, None, False) for i in numbers), _text_column(rows, width)
            )
            return TableLayout(False, (), "content", contacts=contacts)
    numbers = _numeric_columns(rows[1:], width, _CONFIDENT_SHARE)
    if numbers:
        contacts = ContactsLayout(
            tuple(NumberColumn(i, first[i] if i < len(first) else None, False) for i in numbers),
            _text_column(rows[1:], width),
        )
        return TableLayout(True, tuple(first), "content", contacts=contacts)
    raise _unclear(first)


def _preamble_rows(rows: Sequence[Sequence[str]], column_map: ColumnMap | None) -> int:
    """How many title lines stand above a recognisable header (0 if none)."""
    for index, row in enumerate(rows[:_PREAMBLE_SEARCH]):
        cells = [cell.strip() for cell in row if cell.strip()]
        if column_map is not None and names_header(column_map, cells):
            return index
        if any(classify_header(cell) for cell in cells) and not _mostly_numbers(cells):
            return index
        if len(cells) > 2 or any(looks_like_number(cell) for cell in cells):
            return 0  # data, or a header in no known words: not a title line
    return 0


def _from_header(
    rows: Sequence[Sequence[str]],
    header: list[str],
    roles: list[HeaderRole | None],
    default_kind: str | None,
) -> TableLayout:
    def first_of(*wanted: HeaderRole) -> int | None:
        return next((i for i, role in enumerate(roles) if role in wanted), None)

    data = rows[1:]
    has_time = any(role in _TIME_ROLES for role in roles)
    if has_time and any(role in _LOG_ROLES for role in roles):
        log = log_layout(header, data, default_kind=default_kind)
        if log is not None:
            return TableLayout(True, tuple(header), "header", log=log)
    numbers = [
        NumberColumn(i, header[i], role is HeaderRole.ENTRIES)
        for i, role in enumerate(roles)
        if role in _NUMBER_ROLES
    ]
    detected_by = "header"
    if numbers:
        # A "Number" column of row counters next to a real "Mobile" column: keep the real one.
        holding = [column for column in numbers if _holds_numbers(data, column.index)]
        numbers = holding or numbers
    else:
        width = max(len(row) for row in rows)
        found = _numeric_columns(data, width, _CONFIDENT_SHARE)
        if not found:
            raise _unclear(header)
        numbers = [NumberColumn(i, header[i] if i < len(header) else None, False) for i in found]
        detected_by = "content"
    contacts = ContactsLayout(
        tuple(numbers),
        name=first_of(HeaderRole.NAME),
        first_name=first_of(HeaderRole.FIRST_NAME),
        last_name=first_of(HeaderRole.LAST_NAME),
    )
    return TableLayout(True, tuple(header), detected_by, contacts=contacts)


def log_layout(
    header: Sequence[str], data: Sequence[Sequence[str]], *, default_kind: str | None = None
) -> LogLayout | None:
    """Return a log layout from a header row, or None if no column names a party."""
    roles = [classify_header(cell) for cell in header]

    def first_of(*wanted: HeaderRole) -> int | None:
        return next((i for i, role in enumerate(roles) if role in wanted), None)

    log = LogLayout(
        parties=tuple(i for i, role in enumerate(roles) if role in _PARTY_ROLES),
        from_col=first_of(HeaderRole.FROM),
        to_col=first_of(HeaderRole.TO),
        timestamp=first_of(HeaderRole.TIMESTAMP),
        date=first_of(HeaderRole.DATE),
        time=first_of(HeaderRole.TIME),
        direction=first_of(HeaderRole.DIRECTION),
        type=first_of(HeaderRole.TYPE),
        default_kind=default_kind or _default_kind(roles),
        deleted=deleted_column(header),
    )
    if not log.parties and log.from_col is None and log.to_col is None:
        return None
    return _with_owner(log, data)


_DELETED_HEADERS = frozenset({"deleted", "deleted state", "deleted status", "deleted flag"})


def deleted_column(header: Sequence[str]) -> int | None:
    """The column saying whether a record was recovered as deleted, if the header has one."""
    return next((i for i, cell in enumerate(header) if fold_header(cell) in _DELETED_HEADERS), None)


def _from_column_map(
    rows: Sequence[Sequence[str]],
    first: list[str],
    width: int,
    column_map: ColumnMap,
    default_kind: str | None,
) -> TableLayout:
    has_header = names_header(column_map, first) or (
        any(classify_header(cell) for cell in first) and not _mostly_numbers(first)
    )
    header = first if has_header else []

    def column(key: str | None) -> int | None:
        return None if key is None else resolve_column(key, header, width)

    if not column_map.numbers:
        raise ExtractionRefused(RefusalCode.UNKNOWN_COLUMN, "Choose at least one number column.")
    numbers = [resolve_column(key, header, width) for key in column_map.numbers]
    if column_map.is_log:
        log = LogLayout(
            parties=tuple(numbers),
            timestamp=column(column_map.timestamp),
            direction=column(column_map.direction),
            default_kind=default_kind or "call",
            deleted=deleted_column(header),
        )
        data = rows[1:] if has_header else rows
        return TableLayout(has_header, tuple(header), "column_map", log=_with_owner(log, data))
    contacts = ContactsLayout(
        tuple(
            NumberColumn(i, header[i] if has_header else None, _holds_entries(rows, i))
            for i in numbers
        ),
        name=column(column_map.name),
    )
    return TableLayout(has_header, tuple(header), "column_map", contacts=contacts)


def _with_owner(log: LogLayout, data: Sequence[Sequence[str]]) -> LogLayout:
    """Find the line's own number: the identifier in most rows that name two parties.

    Rows naming one party (a log of the other side only) say nothing about the line.
    """
    columns = [i for i in (*log.parties, log.from_col, log.to_col) if i is not None]
    seen: Counter[str] = Counter()
    two_party_rows = 0
    for row in data:
        keys = {
            key
            for i in columns
            if i < len(row)
            for party in parse_parties(row[i])
            if (key := party_key(party.raw))
        }
        if len(keys) >= 2:
            two_party_rows += 1
            seen.update(keys)
    if two_party_rows < 2:
        return log
    key, count = seen.most_common(1)[0]
    if count >= _OWNER_SHARE * two_party_rows:
        return replace(log, owner_key=key)
    return log


def _default_kind(roles: list[HeaderRole | None]) -> str:
    if HeaderRole.BODY in roles and HeaderRole.DURATION not in roles:
        return "sms"
    return "call"


def _numeric_columns(rows: Sequence[Sequence[str]], width: int, share: float) -> list[int]:
    found = []
    for index in range(width):
        cells = [row[index].strip() for row in rows if index < len(row) and row[index].strip()]
        if cells and sum(looks_like_number(cell) for cell in cells) >= share * len(cells):
            found.append(index)
    return found


def _text_column(rows: Sequence[Sequence[str]], width: int) -> int | None:
    """The first column of words rather than numbers: most likely the saved name."""
    for index in range(width):
        cells = [row[index].strip() for row in rows if index < len(row) and row[index].strip()]
        wordy = [c for c in cells if any(ch.isalpha() for ch in c) and not looks_like_number(c)]
        if cells and len(wordy) >= _NUMERIC_SHARE * len(cells):
            return index
    return None


def _holds_numbers(rows: Sequence[Sequence[str]], index: int) -> bool:
    cells = [row[index] for row in rows if index < len(row) and row[index].strip()]
    return not cells or any(looks_like_number(c) or is_entries_cell(c) for c in cells)


def _holds_entries(rows: Sequence[Sequence[str]], index: int) -> bool:
    cells = [row[index] for row in rows if index < len(row) and ":" in row[index]]
    return bool(cells) and all(is_entries_cell(c) for c in cells)


def _mostly_numbers(cells: list[str]) -> bool:
    filled = [cell for cell in cells if cell]
    return bool(filled) and sum(looks_like_number(c) for c in filled) * 2 > len(filled)


def _unclear(header: list[str]) -> ExtractionRefused:
    return ExtractionRefused(RefusalCode.COLUMNS_UNCLEAR, details={"headers": header})
