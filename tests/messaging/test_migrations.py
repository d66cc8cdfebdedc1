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
