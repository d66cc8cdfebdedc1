"""Re-sealing personal data under the current data key (``pester keys rotate``).

Every column of type :class:`~messaging.sealed_columns.Encrypted` is found from the models, so
a column added later is rotated too. Values already sealed under the current key, bound to
their place, are left alone; the rest are opened with whichever configured key sealed them
(``PESTER_OLD_DATA_KEYS``) and sealed again, bound to their table, column and row. A value in
the old format (bound to its key only) is re-sealed only with ``PESTER_LEGACY_SEALS=accept``:
it carries no place of its own, so the rotation binds it to wherever it is now — the operator
vouches for that. A value that does not open where it is (moved from another row or column)
stops the rotation, naming the place. Work is committed in batches, so an interrupted
rotation simply resumes.

The web app, workers and the purge keep running during a rotation. Each value is written
back only if the stored ciphertext is still the one that was read (``UPDATE … WHERE id = ?
AND column = old``): a value edited meanwhile is already sealed under the current key, and
one purged meanwhile must stay purged, so neither is ever overwritten with the old data.
Only the encryption key rotates: the lookup key must not (opt-outs kept only as a hash
would stop matching).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import LargeBinary, Table, bindparam, select, type_coerce, update
from sqlalchemy.sql.schema import Column

from messaging.crypto import LEGACY_FORMAT, DecryptionError, MisplacedValueError, Place, cipher
from messaging.db import Base, db
from messaging.sealed_columns import Encrypted

log = logging.getLogger(__name__)
BATCH = 1000


class RotationError(RuntimeError):
    """A value could not be opened with any configured key; nothing after it was changed."""


@dataclass
class RotationReport:
    dry_run: bool
    # "table.column" → values re-sealed (or, for a dry run, needing it)
    resealed: dict[str, int] = field(default_factory=dict)
    current: dict[str, int] = field(default_factory=dict)  # already under the current key
    # edited or purged between the read and the write: left as they now are
    changed_meanwhile: dict[str, int] = field(default_factory=dict)

    @property
    def total_resealed(self) -> int:
        return sum(self.resealed.values())

    def as_json(self) -> dict[str, object]:
        return {
            "dry_run": self.dry_run,
            "resealed": self.resealed,
            "already_current": self.current,
            "total_resealed": self.total_resealed,
            "changed_meanwhile": sum(self.changed_meanwhile.values()),
        }


def encrypted_columns() -> list[tuple[Table, Column]]:
    """Every (table, column) whose values are sealed at rest."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, Encrypted):
                found.append((table, column))
    return found


def rotate(*, dry_run: bool = False, batch: int = BATCH) -> RotationReport:
    """Re-seal every stale value under the current key; returns counts per column."""
    report = RotationReport(dry_run=dry_run)
    for table, column in encrypted_columns():
        name = f"{table.name}.{column.name}"
        report.resealed[name] = report.current[name] = report.changed_meanwhile[name] = 0
        last_id = None
        while True:
            rows = _read_batch(table, column, after=last_id, batch=batch)
            if not rows:
                break
            last_id = rows[-1][0]
            stale = _reseal(table.name, column.name, rows, report)
            if not stale:
                continue
            if dry_run:
                report.resealed[name] += len(stale)
                continue
            written = _write_back(table, column, stale)
            report.resealed[name] += written
            report.changed_meanwhile[name] += len(stale) - written
        if report.resealed[name]:
            log.info(
                "%s: %s values %s", name, report.resealed[name], "stale" if dry_run else "re-sealed"
            )
        if report.changed_meanwhile[name]:
            log.info(
                "%s: %s values changed meanwhile, left alone", name, report.changed_meanwhile[name]
            )
    return report


def _read_batch(
    table: Table, column: Column, *, after: object, batch: int
) -> list[tuple[object, bytes]]:
    (key,) = table.primary_key.columns
    raw = type_coerce(column, LargeBinary)
    with db.transaction() as session:
        query = select(key, raw).where(column.is_not(None)).order_by(key).limit(batch)
        if after is not None:
            query = query.where(key > after)
        return [(row_id, bytes(blob)) for row_id, blob in session.execute(query)]


def _reseal(
    table: str, column: str, rows: list[tuple[object, bytes]], report: RotationReport
) -> list[dict[str, object]]:
    """The new ciphertext of each stale value, with the old one to match on write."""
    sealer = cipher()
    name = f"{table}.{column}"
    stale: list[dict[str, object]] = []
    for row_id, blob in rows:
        if not sealer.needs_rotation(blob):
            report.current[name] += 1
            continue
        place = Place(table, column, int(row_id))  # type: ignore[call-overload]
        try:
            if blob[:2] == LEGACY_FORMAT and sealer.accept_legacy:
                plaintext = sealer.open_legacy(blob, where=str(place))
            else:
                plaintext = sealer.open(blob, place)
        except MisplacedValueError as exc:
            raise RotationError(
                f"{exc}. Nothing after it was changed: find out how it got there (a restore, "
                "the audit log) and restore or erase it before rotating again"
            ) from exc
        except DecryptionError as exc:
            raise RotationError(f"{exc}; then run the rotation again") from exc
        stale.append({"row_id": row_id, "old": blob, "sealed": sealer.seal(plaintext, place)})
    return stale


def _write_back(table: Table, column: Column, stale: list[dict[str, object]]) -> int:
    """Store the re-sealed values whose ciphertext is unchanged; returns how many were."""
    (key,) = table.primary_key.columns
    raw = type_coerce(column, LargeBinary)
    with db.transaction() as session:
        result = session.execute(
            update(table)
            .where(key == bindparam("row_id"), raw == type_coerce(bindparam("old"), LargeBinary))
            .values({column.name: type_coerce(bindparam("sealed"), LargeBinary)}),
            stale,
        )
        return int(result.rowcount)
