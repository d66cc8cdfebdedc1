"""Ways someone who can write the database might rewrite the audit trail's history.

The tamper suite's moves, shared by the check against the database
(``test_audit_checkpoints``) and the offline check of an export (``test_audit_evidence``):
each takes the ids of a 12-entry chain checkpointed after entries 4, 8 and 12, rewrites the
database, and returns the id of the first entry the check must name (None: the chain's end,
named in the problem).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, text, update

from messaging import runtime
from messaging.db import db
from messaging.models import AuditEvent, AuditHead
from messaging.records import audit
from messaging.records.audit_checkpoints import write_checkpoint
from messaging.records.audit_format import public_digest


def current_settings():  # type: ignore[no-untyped-def]
    return runtime.current().settings


def append_entries(n: int, start: int = 0) -> list[int]:
    ids = []
    with db.transaction() as session:
        for i in range(start, start + n):
            entry = audit.append(
                session,
                category="consultation",
                action="line_viewed",
                actor=f"user:{i}",
                object_type="line",
                object_id=i,
                details={"contacts": i},
            )
            ids.append(entry.id)
    return ids


def checkpointed_chain() -> list[int]:
    """12 entries, checkpointed after the 4th, 8th and 12th."""
    ids: list[int] = []
    for block in range(3):
        ids += append_entries(4, start=4 * block)
        assert write_checkpoint(current_settings()) is not None
    return ids


def row(entry_id: int) -> dict[str, object]:
    event = db.session.get(AuditEvent, entry_id)
    return {c.name: getattr(event, c.name) for c in AuditEvent.__table__.columns}


def forge(entries: list[dict[str, object]]) -> None:
    """Replace the whole table with ``entries``, re-chained with the chain's own key (a
    writer who holds every key) and their public digests recomputed, and the head rewritten
    to match."""
    db.session.execute(delete(AuditEvent))
    prev = prev_digest = audit.GENESIS
    for values in entries:
        event = AuditEvent(**{**values, "prev_hash": prev})
        content = audit.entry_content(event)
        event.hash = audit.entry_hash(prev, content)
        event.digest = public_digest(prev_digest, content)  # unkeyed: anyone can recompute it
        db.session.add(event)
        db.session.flush()
        prev, prev_digest = event.hash, event.digest
    db.session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(last_hash=prev, last_digest=prev_digest, entries=len(entries))
    )
    db.session.commit()


def _edit(ids: list[int]) -> int:
    db.session.execute(
        update(AuditEvent).where(AuditEvent.id == ids[5]).values(details={"contacts": 999})
    )
    db.session.commit()
    return ids[5]


def _delete(ids: list[int]) -> int:
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == ids[5]))
    db.session.commit()
    return ids[6]


def _reorder(ids: list[int]) -> int:
    fifth, sixth = row(ids[4]), row(ids[5])
    for target, source in ((ids[4], sixth), (ids[5], fifth)):
        values = {k: v for k, v in source.items() if k not in ("id", "hash")}
        db.session.execute(
            update(AuditEvent).where(AuditEvent.id == target).values(hash=f"x{target}", **values)
        )
    for target, source in ((ids[4], sixth), (ids[5], fifth)):
        db.session.execute(
            update(AuditEvent).where(AuditEvent.id == target).values(hash=source["hash"])
        )
    db.session.commit()
    return ids[4]


def _insert(ids: list[int]) -> int:
    # Make room after the 6th entry, then slip in an entry that links to it.
    db.session.execute(
        update(AuditEvent).where(AuditEvent.id > ids[5]).values(id=AuditEvent.id + 1000)
    )
    db.session.execute(
        update(AuditEvent).where(AuditEvent.id > 1000).values(id=AuditEvent.id - 999)
    )
    inserted = {**row(ids[5]), "id": ids[6], "actor": "user:nobody", "hash": "f" * 64}
    inserted["prev_hash"] = row(ids[5])["hash"]
    db.session.add(AuditEvent(**inserted))
    if db.session.get_bind().dialect.name == "postgresql":  # new entries after the moved ones
        db.session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('audit_events', 'id'),"
                " (SELECT max(id) FROM audit_events))"
            )
        )
    db.session.commit()
    return ids[6]


def _truncate_and_rewrite_head(ids: list[int]) -> int | None:
    db.session.execute(delete(AuditEvent).where(AuditEvent.id > ids[8]))
    ninth = row(ids[8])
    db.session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(last_hash=ninth["hash"], last_digest=ninth["digest"], entries=9)
    )
    db.session.commit()
    assert audit.verify(db.session).ok  # the chain alone cannot tell
    return None  # the first missing entry is the one after the 9th: named in the problem


def _forge_whole_chain(ids: list[int]) -> int:
    rows = [row(i) for i in ids]
    rows[4]["details"] = {"contacts": 0}  # the 5th entry rewritten, and all after re-chained
    forge([{k: v for k, v in r.items() if k not in ("prev_hash", "hash", "digest")} for r in rows])
    assert audit.verify(db.session).ok  # self-consistent: the chain alone cannot tell
    return ids[4]


def _replace_with_an_invented_chain(ids: list[int]) -> int:
    invented = [{**row(i), "action": "signed_in", "category": "access", "details": {}} for i in ids]
    forge(
        [{k: v for k, v in r.items() if k not in ("prev_hash", "hash", "digest")} for r in invented]
    )
    assert audit.verify(db.session).ok
    return ids[0]


def _cut_the_start(ids: list[int]) -> int:
    third = row(ids[2])
    db.session.execute(delete(AuditEvent).where(AuditEvent.id <= ids[2]))
    db.session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(anchor_hash=third["hash"], anchor_digest=third["digest"], trimmed=3, entries=9)
    )
    db.session.commit()
    return ids[3]


def _replace_the_head_and_everything(ids: list[int]) -> None:
    db.session.execute(delete(AuditEvent))
    db.session.execute(delete(AuditHead))
    db.session.commit()
    assert audit.verify(db.session).ok  # an empty log, as far as the chain can tell
    return None


TAMPERS: dict[str, Callable[[list[int]], int | None]] = {
    "edit": _edit,
    "delete": _delete,
    "reorder": _reorder,
    "insert": _insert,
    "truncate-and-rewrite-head": _truncate_and_rewrite_head,
    "forged-self-consistent-chain": _forge_whole_chain,
    "replaced-by-an-invented-chain": _replace_with_an_invented_chain,
    "start-cut-as-if-trimmed": _cut_the_start,
    "everything-deleted-head-and-all": _replace_the_head_and_everything,
}
