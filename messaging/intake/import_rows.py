"""Writing an import's rows: new contacts, every sighting's provenance, deduplicated logs.

Split from :mod:`messaging.intake.contact_import`, which decides what to write; this module only
writes it, in bulk (Core executemany is the fast path on SQLite and PostgreSQL alike).

These Core writes bypass the session's force scope (:mod:`messaging.tenancy`), so every row
carries the line's force explicitly, and every update names contact ids this import read
through its scoped session.
"""

from __future__ import annotations

import hashlib
import operator
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from messaging.db import utcnow
from messaging.intake.extractions.records import ExtractedInteraction, ExtractedNumber
from messaging.intake.phone_numbers import NormalisedNumber
from messaging.models import Contact, ContactSource, Interaction
from messaging.sealed_columns import give_ids, place_rows, row_sealer, sealed_column_names
from messaging.tenancy import scoped_by_caller

CHUNK = 5000


@dataclass
class Number:
    """One distinct valid number of a file, with everywhere the file mentions it."""

    normalised: NormalisedNumber
    phone_hash: str
    sightings: list[ExtractedNumber] = field(default_factory=list)
    interactions: list[ExtractedInteraction] = field(default_factory=list)

    @property
    def seen(self) -> int:
        return len(self.sightings) + len(self.interactions)


def interaction_key(
    phone_hash: str, kind: str, occurred_at: datetime | None, occurrence: int = 1
) -> str | None:
    """The event a log row records, the same whichever file of the line it came from.

    The number (as its keyed hash), the kind and the time to the second in UTC (exports of
    one handset differ in sub-seconds and zones, and one may lack the direction), and which
    occurrence of that in its file it is: a file that records two calls from a number in
    one second is believed, and another file holding either of them adds nothing. A row
    without a time has no key: it cannot be told from another, so it is kept.
    """
    if occurred_at is None:
        return None
    stamp = _second(occurred_at).isoformat()
    return hashlib.sha256(f"{phone_hash}|{kind}|{stamp}|{occurrence}".encode()).hexdigest()


def _second(occurred_at: datetime) -> datetime:
    return occurred_at.astimezone(UTC).replace(microsecond=0)


def insert_contacts(
    session: Session,
    line_id: int,
    new: list[Number],
    blocked: set[str],
    suppressed: set[str],
    *,
    force_id: int,
) -> dict[str, int]:
    """Insert the line's new contacts (of the line's force); returns their ids by phone hash."""
    if not new:
        return {}
    now = utcnow()
    rows = [
        {
            "force_id": force_id,
            "line_id": line_id,
            "phone_hash": n.phone_hash,
            "phone": n.normalised.e164,
            "kind": str(n.normalised.kind),
            "region": n.normalised.region,
            "textable": n.normalised.textable,
            "drama": n.normalised.drama,
            "suppressed_at_import": n.phone_hash in suppressed,
            "do_not_contact_at_import": n.phone_hash in blocked and n.phone_hash not in suppressed,
            "interactions": 0,
            "created_at": now,
        }
        for n in new
    ]
    _insert_many(session, Contact.__table__, rows)
    wanted = {n.phone_hash for n in new}
    return {
        phone_hash: cid
        for phone_hash, cid in session.execute(
            select(Contact.phone_hash, Contact.id).where(Contact.line_id == line_id)
        )
        if phone_hash in wanted
    }


def insert_sources(
    session: Session,
    import_id: int,
    numbers: dict[str, Number],
    ids: dict[str, int],
    *,
    force_id: int,
) -> None:
    """One provenance row per sighting: address-book entries and log parties alike."""
    rows = [
        _provenance(ids[phone_hash], import_id, s, label=_cut(s.label, 80), account=s.account)
        for phone_hash, number in numbers.items()
        for s in number.sightings
    ]
    rows += [
        _provenance(ids[phone_hash], import_id, i, label=log_label(i), account=None)
        for phone_hash, number in numbers.items()
        for i in number.interactions
    ]
    for row in rows:
        row["force_id"] = force_id
    _insert_many(session, ContactSource.__table__, rows)


def _provenance(
    contact_id: int,
    import_id: int,
    item: ExtractedNumber | ExtractedInteraction,
    *,
    label: str | None,
    account: str | None,
) -> dict[str, Any]:
    return {
        "contact_id": contact_id,
        "import_id": import_id,
        "position": item.position[:80],
        "raw": item.raw,
        "saved_name": item.saved_name,
        "label": label,
        "source_app": _cut(item.source_app, 80),
        "account": account,
        "deleted_state": _cut(item.deleted_state, 40),
    }


def _cut(text: str | None, length: int) -> str | None:
    """``text`` cut to the column's length; None when empty."""
    return text[:length] if text else None


def log_label(item: ExtractedInteraction) -> str:
    """How a log sighting is labelled in provenance: "call log, incoming"."""
    return f"{item.kind} log" + (f", {item.direction}" if item.direction else "")


def insert_interactions(
    session: Session,
    line_id: int,
    import_id: int,
    numbers: dict[str, Number],
    ids: dict[str, int],
    *,
    force_id: int,
) -> tuple[int, int]:
    """Store each call or message once per line; returns (stored, already known).

    Then each touched contact's summary (how often, first and last seen) is recounted
    from the stored log, so it can never drift from it.
    """
    rows: list[dict[str, Any]] = []
    keys: set[str] = set()
    for phone_hash, number in numbers.items():
        occurrences: Counter[tuple[str, datetime]] = Counter()
        for item in number.interactions:
            key = None
            if item.occurred_at is not None:
                event = (item.kind, _second(item.occurred_at))
                occurrences[event] += 1
                key = interaction_key(phone_hash, *event, occurrences[event])
            if key is not None:
                keys.add(key)
            rows.append(
                {
                    "force_id": force_id,
                    "line_id": line_id,
                    "import_id": import_id,
                    "phone_hash": phone_hash,
                    "kind": item.kind,
                    "direction": item.direction,
                    "occurred_at": item.occurred_at,
                    "deleted_state": (item.deleted_state or None) and item.deleted_state[:40],
                    "natural_key": key,
                }
            )
    known = _known_keys(session, line_id, keys)
    fresh = [r for r in rows if r["natural_key"] is None or r["natural_key"] not in known]
    total = sum(len(n.interactions) for n in numbers.values())
    _insert_ignoring_known(session, fresh)
    _recount(session, line_id, [h for h, n in numbers.items() if n.interactions], ids)
    return len(fresh), total - len(fresh)


def _known_keys(session: Session, line_id: int, keys: set[str]) -> set[str]:
    wanted, known = list(keys), set()
    for start in range(0, len(wanted), CHUNK):
        known.update(
            session.scalars(
                select(Interaction.natural_key).where(
                    Interaction.line_id == line_id,
                    Interaction.natural_key.in_(wanted[start : start + CHUNK]),
                )
            )
        )
    return known


def _insert_ignoring_known(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert, skipping an event another import of the line stored meanwhile."""
    if not rows:
        return
    table = Interaction.__table__
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite if dialect == "sqlite" else None
    statement: Any = table.insert()
    if module is not None:
        statement = module.insert(table).on_conflict_do_nothing(
            index_elements=["line_id", "natural_key"]
        )
    statement = scoped_by_caller(statement)  # every row carries the line's force
    for start in range(0, len(rows), CHUNK):
        session.execute(statement, rows[start : start + CHUNK])


def _recount(session: Session, line_id: int, hashes: list[str], ids: dict[str, int]) -> None:
    if not hashes:
        return
    wanted = set(hashes)
    updates = [
        {"cid": ids[phone_hash], "n": count, "first": first, "last": last}
        for phone_hash, count, first, last in session.execute(
            select(
                Interaction.phone_hash,
                func.count(),
                func.min(Interaction.occurred_at),
                func.max(Interaction.occurred_at),
            )
            .where(Interaction.line_id == line_id)
            .group_by(Interaction.phone_hash)
        )
        if phone_hash in wanted and phone_hash in ids
    ]
    table = Contact.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("cid"))
        .values(
            interactions=bindparam("n"), first_seen=bindparam("first"), last_seen=bindparam("last")
        )
    )
    for start in range(0, len(updates), CHUNK):
        session.connection().execute(statement, updates[start : start + CHUNK])


def _insert_many(session: Session, table: Any, rows: Iterable[dict[str, Any]]) -> None:
    """Insert rows that all have the same keys, in chunks.

    Each row gets its id first, so its sealed values can be bound to it (see
    :mod:`messaging.sealed_columns`).
    """
    batch = list(rows)
    if not batch:
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        # PostgreSQL: Core's executemany batches the rows into multi-row INSERTs.
        place_rows(connection, table, batch)
        for start in range(0, len(batch), CHUNK):
            connection.execute(table.insert(), batch[start : start + CHUNK])
        return
    # SQLite: the driver's executemany is fast, and Core's generic per-row parameter
    # handling was a third of an import. Each column's own conversion (sealing for the row's
    # place, UTC times, booleans) is still applied to every value, as Core would.
    give_ids(connection, table, batch)
    dialect = connection.dialect
    compiled = table.insert().compile(dialect=dialect, column_keys=list(batch[0]))
    order = compiled.positiontup or list(batch[0])
    sealed = set(sealed_column_names(table))
    convert = [_converter(table, key, dialect, sealed=key in sealed) for key in order]
    for start in range(0, len(batch), CHUNK):
        params = [tuple(value(row) for value in convert) for row in batch[start : start + CHUNK]]
        connection.exec_driver_sql(compiled.string, params)


def _converter(
    table: Any, key: str, dialect: Any, *, sealed: bool
) -> Callable[[dict[str, Any]], Any]:
    """What the driver gets for column ``key`` of a row."""
    if sealed:
        return row_sealer(table, key)
    process = table.c[key].type.bind_processor(dialect)
    if process is None:
        return operator.itemgetter(key)
    return lambda row: process(row[key])
