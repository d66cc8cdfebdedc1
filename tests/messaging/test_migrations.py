"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from messaging.crypto import configure_cipher
from messaging.db import Base, make_engine
from messaging.migrate import is_current, upgrade


def _fresh(database_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    return engine


@pytest.mark.postgres
def test_migrations_match_the_models_exactly(database_url: str) -> None:
    configure_cipher("migration-test-key")
    engine = _fresh(database_url)
    try:
        upgrade(engine)
        assert is_current(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
        assert differences == []
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_upgrading_twice_changes_nothing(database_url: str) -> None:
    engine = _fresh(database_url)
    try:
        upgrade(engine)
        upgrade(engine)
        assert is_current(engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_interaction_provenance_migration_keeps_existing_log_rows(database_url: str) -> None:
    """0002 adds deleted_state and the per-event key to a table that already holds rows."""
    from sqlalchemy import text

    engine = _fresh(database_url)
    try:
        upgrade(engine, "0001")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO lines (id, reference, name, force_area, operation,"
                    " exhibit_reference, retention_days, created_at)"
                    " VALUES (1, 'L1', 'Tony', '', '', '', 90, CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO contact_imports (id, line_id, filename, file_sha256, format,"
                    " summary, created_at)"
                    " VALUES (1, 1, 'a.csv', 'abc', 'csv', '{}', CURRENT_TIMESTAMP)"
                )
            )
            for _ in range(2):  # rows from before the key: both kept, key left empty
                conn.execute(
                    text(
                        "INSERT INTO interactions (line_id, import_id, phone_hash, kind)"
                        " VALUES (1, 1, 'h', 'call')"
                    )
                )
        upgrade(engine)
        assert is_current(engine)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT deleted_state, natural_key FROM interactions")).all()
        assert [tuple(r) for r in rows] == [(None, None), (None, None)]
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_reply_queue_migration_files_existing_replies_by_their_labels(database_url: str) -> None:
    """0004 adds the queue and score; replies already stored get the queue their labels give
    (risk when urgent), and no score until they are re-triaged."""
    from sqlalchemy import text

    engine = _fresh(database_url)
    stored = [
        ("SM1", '["risk_disclosure", "opt_out"]', True),
        ("SM2", '["opt_out", "wrong_number"]', False),
        ("SM3", '["supply_intel", "wrong_number"]', False),
        ("SM4", '["other"]', False),
        ("SM5", "[]", False),
    ]
    try:
        upgrade(engine, "0003")
        with engine.begin() as conn:
            for sid, labels, urgent in stored:
                conn.execute(
                    text(
                        "INSERT INTO replies (provider_id, to_sender, received_at, labels,"
                        " risk_kinds, why, urgent, tags)"
                        " VALUES (:sid, '', CURRENT_TIMESTAMP, :labels, '[]', '{}', :urgent, '[]')"
                    ),
                    {"sid": sid, "labels": labels, "urgent": urgent},
                )
        upgrade(engine)
        assert is_current(engine)
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT provider_id, queue, score FROM replies ORDER BY provider_id")
            ).all()
        assert [tuple(r) for r in rows] == [
            ("SM1", "risk", None),
            ("SM2", "opt_out", None),
            ("SM3", "supply_intel", None),
            ("SM4", "other", None),
            ("SM5", "other", None),
        ]
    finally:
        engine.dispose()
