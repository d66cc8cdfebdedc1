"""Sealed columns in the database: each value bound to its table, column and row.

A column of type :class:`Encrypted` stores values sealed by :mod:`messaging.crypto` for one
place: its table, its column and its row's primary key. So the row's id must be known
before the value is written, and read back with it:

- **Reading.** The column is selected as ``"<row id>:" || ciphertext`` (a SQL expression
  the type adds wherever the column is selected, ORM or Core, RETURNING included), and the
  value opens only for that row; one moved or copied from elsewhere raises
  :class:`~messaging.crypto.MisplacedValueError`.
- **Writing through the ORM.** Before each flush, new rows of tables with sealed columns get
  their ids from the database (:func:`allocate_ids`) and every sealed value set on a row
  is tagged with the row's id (:class:`PlacedText`).
- **Writing in bulk (Core).** :func:`place_rows` does the same for a list of row dicts
  (:class:`Placed`).
  A plain string reaching a sealed column is refused (:class:`UnplacedValueError`): a value
  sealed without its row could be moved anywhere.

Ids come from the table's sequence on PostgreSQL (never reused, never in another
transaction's way), and on SQLite from the table's highest id once this transaction holds
the database's write lock (SQLite serialises writers, so nobody else can take them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import LargeBinary, MetaData, Table, event, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import Label
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from messaging.crypto import DecryptionError, Place, cipher

ID_SEPARATOR = b":"


class UnplacedValueError(ValueError):
    """A value for a sealed column came without the id of the row it belongs to."""


class PlacedText(str):
    """A plaintext to be sealed into row ``row_id`` (of whatever sealed column it is set on),
    as an ORM attribute: it stays a string for whoever reads the attribute afterwards."""

    row_id: int

    def __new__(cls, value: str, row_id: int) -> PlacedText:
        placed = super().__new__(cls, value)
        placed.row_id = int(row_id)
        return placed


class Placed(NamedTuple):
    """A plaintext and its row, for bulk rows (lighter than :class:`PlacedText`: an import
    holds hundreds of thousands at once)."""

    row_id: int
    text: str


class _RowAndValue(FunctionElement[bytes]):
    """``"<row id>:" || value``: a sealed column read together with its row's id."""

    inherit_cache = True
    name = "pester_row_and_value"

    def __init__(self, row: Any, value: Any, kind: Encrypted) -> None:
        super().__init__(row, value)
        self.type = kind


@compiles(_RowAndValue, "sqlite")
def _sqlite_row_and_value(element: _RowAndValue, compiler: Any, **kw: Any) -> str:
    row, value = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(CAST({row} AS TEXT) || ':' || {value} AS BLOB)"


@compiles(_RowAndValue)
def _row_and_value(element: _RowAndValue, compiler: Any, **kw: Any) -> str:
    row, value = (compiler.process(c, **kw) for c in element.clauses)
    return f"(convert_to(CAST({row} AS TEXT) || ':', 'UTF8') || {value})"


class Encrypted(TypeDecorator[str]):
    """A text column stored sealed for its place; reads return the plaintext."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, table: str = "", column: str = "") -> None:
        super().__init__()
        self.table = table
        self.column = column

    def column_expression(self, colexpr: Any) -> Any:
        column = colexpr
        while isinstance(column, Label):
            column = column.element
        source = getattr(column, "table", None)
        if source is None or "id" not in source.c:
            raise UnplacedValueError(f"{self.table}.{self.column} read without its row's id")
        return _RowAndValue(source.c.id, colexpr, self)

    def process_bind_param(self, value: str | Placed | None, dialect: Any) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, Placed):
            return cipher().seal(value.text, Place(self.table, self.column, value.row_id))
        if isinstance(value, PlacedText):
            return cipher().seal(value, Place(self.table, self.column, value.row_id))
        raise UnplacedValueError(
            f"{self.table}.{self.column}: a sealed value must name its row (set it on an "
            "ORM object, or give bulk rows their ids with place_rows)"
        )

    def process_result_value(self, value: bytes | None, dialect: Any) -> str | None:
        if value is None:
            return None
        row, _, blob = bytes(value).partition(ID_SEPARATOR)
        if not row.isdigit():
            raise DecryptionError(f"{self.table}.{self.column}: read without its row's id")
        return cipher().open(blob, Place(self.table, self.column, int(row)))


def place_sealed_columns(metadata: MetaData) -> None:
    """Tell each :class:`Encrypted` column's type where it is (called once for the models)."""
    for table in metadata.tables.values():
        for column in table.columns:
            kind = column.type
            if not isinstance(kind, Encrypted):
                continue
            if kind.table and (kind.table, kind.column) != (table.name, column.name):
                raise RuntimeError(f"one Encrypted type shared by {kind.table}.{kind.column}")
            kind.table, kind.column = table.name, column.name


def sealed_column_names(table: Table) -> tuple[str, ...]:
    """The names of ``table``'s sealed columns."""
    return tuple(c.name for c in table.columns if isinstance(c.type, Encrypted))


def allocate_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """``count`` fresh primary keys for rows about to be inserted into ``table``."""
    if count <= 0:
        return []
    if connection.dialect.name == "postgresql":
        return list(
            connection.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"
                ),
                {"t": table.name, "n": count},
            )
        )
    # SQLite: a write that changes nothing takes the database's write lock, which this
    # transaction then keeps; until it commits nobody else can insert, so ids above the
    # highest are free. The connection remembers what it handed out and has not yet
    # inserted (two allocations before one insert must not overlap).
    connection.execute(text(f'DELETE FROM "{table.name}" WHERE 0'))  # noqa: S608 (model name)
    highest = connection.scalar(text(f'SELECT coalesce(max(id), 0) FROM "{table.name}"'))  # noqa: S608
    handed_out = connection.info.setdefault("pester_allocated_ids", {})
    first = max(int(highest), handed_out.get(table.name, 0)) + 1
    handed_out[table.name] = first + count - 1
    return list(range(first, first + count))


def give_ids(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Give bulk rows for ``table`` their ids where they have none."""
    missing = [row for row in rows if row.get("id") is None]
    for row, row_id in zip(missing, allocate_ids(connection, table, len(missing)), strict=True):
        row["id"] = row_id


def row_sealer(table: Table, name: str) -> Callable[[dict[str, Any]], bytes | None]:
    """Seal column ``name`` of a bulk row (one with its id) for its place, straight from the
    row: for a fast path that converts each column's values itself."""
    sealer, table_name = cipher(), table.name

    def seal(row: dict[str, Any]) -> bytes | None:
        value = row[name]
        return None if value is None else sealer.seal(value, Place(table_name, name, row["id"]))

    return seal


def place_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Give bulk rows for ``table`` their ids (where missing) and tag their sealed values."""
    names = sealed_column_names(table)
    if not names:
        return
    give_ids(connection, table, rows)
    for row in rows:
        for name in names:
            value = row.get(name)
            if value is not None:
                row[name] = Placed(row["id"], value)


def _sealed_attributes(mapper: Any) -> tuple[str, ...]:
    cached = mapper.__dict__.get("_pester_sealed")
    if cached is None:
        cached = tuple(
            prop.key
            for prop in mapper.column_attrs
            if any(isinstance(c.type, Encrypted) for c in prop.columns)
        )
        mapper._pester_sealed = cached
    return cached


def _tag(obj: Any, keys: Iterable[str], *, changed_only: bool) -> None:
    state = inspect(obj)
    for key in keys:
        value = state.dict.get(key)
        if value is None or (isinstance(value, PlacedText) and value.row_id == obj.id):
            continue
        if changed_only and not state.attrs[key].history.added:
            continue
        setattr(obj, key, PlacedText(value, obj.id))


@event.listens_for(Session, "before_flush")
def _place_flushed_rows(session: Session, _context: Any, _instances: Any) -> None:
    """New rows with sealed columns get their ids; sealed values set on rows get tagged."""
    new: dict[Table, list[Any]] = {}
    for obj in session.new:
        mapper = inspect(obj).mapper
        if _sealed_attributes(mapper):
            new.setdefault(mapper.local_table, []).append(obj)
    for table, objects in new.items():
        unnumbered = [o for o in objects if o.id is None]
        ids = allocate_ids(session.connection(), table, len(unnumbered))
        for obj, row_id in zip(unnumbered, ids, strict=True):
            obj.id = row_id
        for obj in objects:
            _tag(obj, _sealed_attributes(inspect(obj).mapper), changed_only=False)
    for obj in session.dirty:
        keys = _sealed_attributes(inspect(obj).mapper)
        if keys:
            _tag(obj, keys, changed_only=True)
