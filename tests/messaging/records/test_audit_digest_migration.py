"""Migration 0008 backfills the public digests: entries written before it verify afterwards,
in the database and offline, against checkpoints signed before it and after."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text

from messaging.crypto import configure_cipher
from messaging.db import Database, UTCDateTime
from messaging.migrate import alembic_config, is_current, upgrade
from messaging.models import AuditEvent, AuditHead
from messaging.records import audit
from messaging.records.audit_anchors import verify_anchored
from messaging.records.audit_checkpoints import chain_state
from messaging.records.audit_evidence import verify_export
from messaging.records.audit_export import evidence
from messaging.records.audit_format import Checkpoint, read_checkpoint_files
from tests.messaging.test_migrations import _BEFORE_FORCES, _fresh, _old_audit_entries

_events = sa.table(
    "audit_events",
    *(sa.column(name, sa.String()) for name in ("actor", "category", "action", "prev_hash")),
    *(sa.column(name, sa.String()) for name in ("object_type", "object_id", "recipient", "ip")),
    *(sa.column(name, sa.String()) for name in ("user_agent", "reason", "hash")),
    sa.column("id", sa.Integer()),
    sa.column("at", UTCDateTime()),
    sa.column("actor_id", sa.Integer()),
    sa.column("details", sa.JSON()),
    sa.column("force_id", sa.Integer()),
    sa.column("chain_version", sa.Integer()),
)


def _write_at_0006(conn, prev: str, number: int, **fields: object) -> str:  # type: ignore[no-untyped-def]
    """An entry as pester wrote it at revision 0006 (chain version 2, keyed hash only)."""
    # With and without a fraction of a second: isoformat() writes them differently.
    at = datetime(2026, 2, number, 9, 30, 15, 123456 * (number % 2), tzinfo=UTC)
    content = {
        "at": at.isoformat(),
        "actor_id": None,
        "actor": "system",
        "category": "consultation",
        "action": "line_viewed",
        "object_type": "line",
        "object_id": str(number),
        "details": {"contacts": number, "note": "café"},
        "recipient": "",
        "ip": "",
        "user_agent": "",
        "reason": "",
        "force_id": 1,
        "chain_version": 2,
        **fields,
    }
    digest = audit.entry_hash(prev, content)
    values = {**content, "at": at, "prev_hash": prev, "hash": digest}
    conn.execute(sa.insert(_events).values(**values))
    return digest


def _trim_the_first_at_0006(conn) -> None:  # type: ignore[no-untyped-def]
    """Retention as 0006 did it: the anchor moves, and a trim record names it (no digest)."""
    first_id, first_hash = conn.execute(
        text("SELECT id, hash FROM audit_events ORDER BY id")
    ).first()
    conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": first_id})
    last = conn.execute(text("SELECT last_hash FROM audit_head")).scalar_one()
    details = {"removed": 1, "through_id": first_id, "anchor": first_hash, "trimmed_total": 1}
    last = _write_at_0006(
        conn, last, 9, category="erasure", action=audit.TRIM_ACTION, details=details
    )
    conn.execute(
        text("UPDATE audit_head SET anchor_hash = :a, trimmed = 1, last_hash = :l, entries = 5"),
        {"a": first_hash, "l": last},
    )


@pytest.mark.postgres
def test_0008_backfills_digests_so_entries_from_before_verify_offline_too(
    database_url: str, tmp_path: Path
) -> None:
    configure_cipher("migration-test-key")
    private = Ed25519PrivateKey.generate()
    engine = _fresh(database_url)
    database = Database()
    try:
        upgrade(engine, "0003")
        with engine.begin() as conn:
            for statement in _BEFORE_FORCES:
                conn.execute(text(statement))
            _old_audit_entries(conn, 3)  # chain version 1: their hash covers no force
        upgrade(engine, "0006")
        with engine.begin() as conn:
            last = conn.execute(text("SELECT last_hash FROM audit_head")).scalar_one()
            for number in (1, 2):
                last = _write_at_0006(conn, last, number)
            conn.execute(text("UPDATE audit_head SET last_hash = :l, entries = 5"), {"l": last})
            _trim_the_first_at_0006(conn)
        upgrade(engine)
        assert is_current(engine)

        database.configure(database_url)
        with database.transaction() as session:
            head = session.get(AuditHead, 1)
            entries = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
            assert [e.chain_version for e in entries] == [1, 1, 2, 2, 2]
            # Recomputed here from the start the trim left: the keyed anchor hash.
            assert head.anchor_digest == head.anchor_hash != audit.GENESIS
            prev = head.anchor_hash
            for event in entries:
                canonical = json.dumps(
                    audit.entry_content(event), sort_keys=True, separators=(",", ":")
                )
                prev = hashlib.sha256((prev + canonical).encode()).hexdigest()
                assert event.digest == prev
            assert head.last_digest == prev
            assert audit.verify(session).ok

        path = tmp_path / "checkpoints.jsonl"
        with database.transaction() as session:  # one signed as 0006 did, one as now
            state = chain_state(session)
            assert state is not None and state.entries == 6
            fields = {
                "installation": state.installation,
                "entries": state.entries,
                "head": state.head,
                "last_id": state.last_id,
                "last_at": state.last_at.isoformat() if state.last_at else None,
                "at": datetime.now(UTC).isoformat(),
            }
            old = Checkpoint(**fields, version=1).signed_by(private)
            new = Checkpoint(**fields, digest=state.digest).signed_by(private)
        path.write_text(old.line() + new.line())
        files = read_checkpoint_files([path])
        with database.transaction() as session:
            anchored = verify_anchored(session, files, [private.public_key()])
            audit.append(session, category="consultation", action="line_viewed", actor="t")
        assert anchored.ok and (anchored.checkpoints, anchored.unanchored) == (2, 0)

        export = tmp_path / "audit.jsonl"
        with database.transaction() as session:
            export.write_text("".join(evidence(session, since=None, until=None)))
            assert audit.verify(session).ok  # the entry written after it chains on
        with export.open() as lines:
            offline = verify_export(lines, files, [private.public_key()])
        assert offline.ok, offline.describe()
        assert (offline.entries, offline.checkpoints, offline.unanchored) == (6, 2, 1)
        assert offline.hash_only == 1  # the old checkpoint: its hash, its place

        command.downgrade(alembic_config(database_url), "0007")
        with engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("audit_events")}
        assert "digest" not in columns
    finally:
        database.dispose()
        engine.dispose()
