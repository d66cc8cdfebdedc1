"""Re-sealing personal data under the current data key (``pester keys rotate``).

Every column of type :class:`~messaging.crypto.Encrypted` is found from the models, so a
column added later is rotated too. Values already sealed under the current key are left
alone; the rest are opened with whichever configured key sealed them (``PESTER_OLD_DATA_KEYS``)
and sealed again. Work is committed in batches, so an interrupted rotation simply resumes.
Only the encryption key rotates: the lookup key must not (opt-outs kept only as a hash
would stop matching).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import LargeBinary, Table, bindparam, select, type_coerce, update
from sqlalchemy.sql.schema import Column

from messaging.crypto import DecryptionError, Encrypted, cipher
from messaging.db import Base, db

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

    @property
    def total_resealed(self) -> int:
        return sum(self.resealed.values())

    def as_json(self) -> dict[str, object]:
        return {
            "dry_run": self.dry_run,
            "resealed": self.resealed,
            "already_current": self.current,
            "total_resealed": self.total_resealed,
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
    sealer = cipher()
    for table, column in encrypted_columns():
        name = f"{table.name}.{column.name}"
        report.resealed[name] = report.current[name] = 0
        (key,) = table.primary_key.columns
        raw = type_coerce(column, LargeBinary)
        last_id = None
        while True:
            with db.transaction() as session:
                query = select(key, raw).where(column.is_not(None)).order_by(key).limit(batch)
                if last_id is not None:
                    query = query.where(key > last_id)
                rows = session.execute(query).all()
                if not rows:
                    break
                last_id = rows[-1][0]
                stale = []
                for row_id, blob in rows:
                    blob = bytes(blob)
                    if not sealer.needs_rotation(blob):
                        report.current[name] += 1
                        continue
                    try:
                        plaintext = sealer.decrypt(blob)
                    except DecryptionError as exc:
                        raise RotationError(
                            f"{name} row {row_id}: {exc}; add the key it was sealed with to "
                            "PESTER_OLD_DATA_KEYS and run the rotation again"
                        ) from exc
                    stale.append({"row_id": row_id, "sealed": sealer.encrypt(plaintext)})
                report.resealed[name] += len(stale)
                if stale and not dry_run:
                    session.execute(
                        update(table)
                        .where(key == bindparam("row_id"))
                        .values({column.name: type_coerce(bindparam("sealed"), LargeBinary)}),
                        stale,
                    )
        if report.resealed[name]:
            log.info(
                "%s: %s values %s", name, report.resealed[name], "stale" if dry_run else "re-sealed"
            )
    return report
