"""SQLite's planner statistics: in a one-force installation, one line's contacts are read
through the line's index, not the force's (which would be every contact of every line)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import event, insert, select, text

from messaging.crypto import lookup_hash
from messaging.db import db
from messaging.intake.contact_import import import_contacts
from messaging.migrate import alembic_config, upgrade
from messaging.models import Contact, Line
from messaging.sending.reconcile import refresh_statistics_if_due
from messaging.tenancy import acting_for
from tests.support.factories import make_line

LINES = 30
CONTACTS_PER_LINE = 100


def _fill(lines: list[Line]) -> None:
    """Contacts straight into the table: the force's lines, 100 synthetic numbers each."""
    rows = [
        {
            "line_id": line.id,
            "force_id": line.force_id,
            "phone_hash": lookup_hash(f"+4477{index * 1000 + n:08d}"),
            "kind": "mobile",
        }
        for index, line in enumerate(lines)
        for n in range(CONTACTS_PER_LINE)
    ]
    db.session.connection().execute(insert(Contact), rows)
    db.session.commit()


def _scoped_statement(line: Line) -> tuple[str, Any]:
    """The SQL the force's scope really sends to list one line's contacts, and its values."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        with acting_for(line.force_id):
            db.session.scalars(select(Contact.phone_hash).where(Contact.line_id == line.id)).all()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    (statement, parameters), *_ = [s for s in sent if "FROM contacts" in s[0]]
    assert "force_id" in statement  # the scope's criterion is there
    return statement, parameters


def _plan(line: Line) -> str:
    statement, parameters = _scoped_statement(line)
    rows = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
    return " | ".join(row[3] for row in rows)


def test_after_an_import_one_lines_contacts_are_found_by_the_line_not_the_force(
    app: Flask, tmp_path: Path
) -> None:
    lines = [make_line() for _ in range(LINES)]
    _fill(lines)
    upload = tmp_path / "c.csv"
    upload.write_text("Name,Mobile\r\nJay,07700 900101\r\n", encoding="utf-8")
    import_contacts(db.session, lines[0], upload, filename=upload.name)
    db.session.commit()
    plan = _plan(lines[7])
    assert "line_id=?" in plan, plan
    assert "(force_id=?)" not in plan, plan  # the force alone: every contact it holds


def test_migrating_an_installation_that_holds_data_refreshes_its_statistics(app: Flask) -> None:
    _fill([make_line() for _ in range(3)])
    command.stamp(alembic_config(db.url), "head")  # the schema is current: nothing to run
    db.session.remove()
    upgrade(db.engine)  # what `pester migrate` runs on every deploy
    stat = db.session.scalar(
        text("SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_contacts_line_id'")
    )
    assert stat is not None and int(stat.split()[0]) == 3 * CONTACTS_PER_LINE


@pytest.mark.postgres
def test_the_tick_refreshes_statistics_at_most_hourly_and_only_on_sqlite(
    app: Flask, db_kind: str
) -> None:
    _fill([make_line() for _ in range(3)])
    if db_kind == "postgres":  # autovacuum keeps PostgreSQL's own
        assert refresh_statistics_if_due() is False
        return
    assert refresh_statistics_if_due() is True
    assert refresh_statistics_if_due() is False  # within the hour, whichever worker ticks
    counted = db.session.scalar(
        text("SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_contacts_line_id'")
    )
    assert counted is not None and int(counted.split()[0]) == 3 * CONTACTS_PER_LINE
