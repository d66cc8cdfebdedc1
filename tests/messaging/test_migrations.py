"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData

from messaging.crypto import cipher, configure_cipher
from messaging.db import Base, make_engine
from messaging.migrate import downgrade, is_current, upgrade


def _fresh(database_url: str):  # type: ignore[no-untyped-def]
    """An empty database. On PostgreSQL what is dropped is what is there (reflected), not
    what the models describe: a test that downgraded leaves an older schema, whose tables
    lack constraints the models' drop would drop first (outbox_messages.answer_id's, before
    0007). SQLite drops no constraints, and its file is the test's own."""
    engine = make_engine(database_url)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            existing = MetaData()
            existing.reflect(conn)
            existing.drop_all(conn)
        else:
            Base.metadata.drop_all(conn)
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    return engine


@pytest.fixture(autouse=True)
def _leave_the_database_empty(database_url: str):  # type: ignore[no-untyped-def]
    """A test here may leave an older schema (a downgrade, a failed upgrade) in the session's
    PostgreSQL database, which the next module's app fixture drops by the models: empty it."""
    yield
    if database_url.startswith("postgresql"):
        _fresh(database_url).dispose()


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


_BEFORE_FORCES = [
    "INSERT INTO users (id, email, display_name, role, password_hash, active,"
    " must_change_password, failed_logins, created_at)"
    " VALUES (1, 'o@force.test', 'o', 'officer', 'x', true, false, 0, CURRENT_TIMESTAMP)",
    "INSERT INTO lines (id, reference, name, force_area, operation, exhibit_reference,"
    " retention_days, created_at) VALUES (1, 'OP/1', 'Tony', '', '', '', 90, CURRENT_TIMESTAMP)",
    "INSERT INTO contacts (id, line_id, phone_hash, kind, textable, drama, suppressed_at_import,"
    " do_not_contact_at_import, interactions, created_at)"
    " VALUES (1, 1, 'h1', 'mobile', true, true, false, false, 0, CURRENT_TIMESTAMP)",
    "INSERT INTO campaigns (id, name, state, sender, placeholder_values, recipients_rule,"
    " urgent, urgency_reason, created_by_id, created_at, updated_at, review_comment,"
    " recipient_count, stop_reason, stop_code) VALUES (1, 'c', 'completed', 'S', '{}', '{}',"
    " false, '', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '', 1, '', '')",
    "INSERT INTO campaign_lines (campaign_id, line_id) VALUES (1, 1)",
    "INSERT INTO outbox_messages (id, campaign_id, contact_id, phone_hash, body, sender,"
    " segments, urgent, status, attempts, provider_id, created_at, updated_at)"
    " VALUES (1, 1, 1, 'h1', 'b', 'S', 1, false, 'delivered', 1, 'SM1', CURRENT_TIMESTAMP,"
    " CURRENT_TIMESTAMP)",
    "INSERT INTO delivery_events (id, provider_id, outbox_id, status, applied, payload,"
    " received_at) VALUES (1, 'SM1', 1, 'delivered', true, '{}', CURRENT_TIMESTAMP)",
    "INSERT INTO delivery_events (id, provider_id, status, applied, payload, received_at)"
    " VALUES (2, 'SM-unknown', 'delivered', false, '{}', CURRENT_TIMESTAMP)",
    "INSERT INTO replies (id, provider_id, phone_hash, to_sender, received_at, line_id,"
    " campaign_id, labels, risk_kinds, why, urgent, tags) VALUES (1, 'SMR', 'h1', 'S',"
    " CURRENT_TIMESTAMP, 1, 1, '[]', '[]', '{}', false, '[]')",
    "INSERT INTO suppressions (id, phone_hash, active, source, source_detail, created_at,"
    " updated_at) VALUES (1, 'h1', true, 'reply', 'reply 1', CURRENT_TIMESTAMP,"
    " CURRENT_TIMESTAMP)",
]


def _old_audit_entries(conn, count: int) -> None:  # type: ignore[no-untyped-def]
    """Entries chained as before forces existed (their hash covers no force)."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    from messaging.records.audit import GENESIS, entry_hash

    prev = GENESIS
    for number in range(1, count + 1):
        at = datetime(2026, 1, number, tzinfo=UTC)
        fields = {
            "at": at.isoformat(),
            "actor_id": 1,
            "actor": "user:1 o@force.test",
            "category": "consultation",
            "action": "line_viewed",
            "object_type": "line",
            "object_id": "1",
            "details": {},
            "recipient": "",
            "ip": "",
            "user_agent": "",
            "reason": "",
        }
        digest = entry_hash(prev, fields)
        conn.execute(
            text(
                "INSERT INTO audit_events (at, actor_id, actor, category, action,"
                " object_type, object_id, details, recipient, ip, user_agent, reason, prev_hash,"
                " hash) VALUES (:at, 1, :actor, 'consultation', 'line_viewed', 'line', '1',"
                " '{}', '', '', '', '', :prev, :hash)"
            ),
            {"at": at, "actor": fields["actor"], "prev": prev, "hash": digest},
        )
        prev = digest
    conn.execute(
        text(
            "INSERT INTO audit_head (id, last_hash, entries, anchor_hash)"
            " VALUES (1, :last, :n, :genesis)"
        ),
        {"last": prev, "n": count, "genesis": GENESIS},
    )


@pytest.mark.postgres
def test_the_forces_migration_moves_an_installation_into_its_default_force(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from messaging.db import Database
    from messaging.models import AuditEvent, Line
    from messaging.records import audit
    from messaging.tenancy import acting_for

    configure_cipher("migration-test-key")
    engine = _fresh(database_url)
    try:
        upgrade(engine, "0003")
        with engine.begin() as conn:
            for statement in _BEFORE_FORCES:
                conn.execute(text(statement))
            _old_audit_entries(conn, 3)
        monkeypatch.setenv("PESTER_DEFAULT_FORCE", "wmp")
        monkeypatch.setenv("PESTER_DEFAULT_FORCE_NAME", "West Midlands Police")
        upgrade(engine)
        assert is_current(engine)
        with engine.connect() as conn:
            forces = conn.execute(text("SELECT id, code, name FROM forces")).all()
            assert forces == [(1, "WMP", "West Midlands Police")]
            for table in (
                "users",
                "lines",
                "contacts",
                "campaigns",
                "outbox_messages",
                "replies",
                "suppressions",
                "audit_events",
            ):
                owners = conn.execute(text(f"SELECT DISTINCT force_id FROM {table}")).scalars()  # noqa: S608
                assert list(owners) == [1], table
            events = dict(conn.execute(text("SELECT id, force_id FROM delivery_events")).all())
            assert events == {1: 1, 2: None}  # a callback about no known text has no force
            versions = conn.execute(text("SELECT DISTINCT chain_version FROM audit_events"))
            assert list(versions.scalars()) == [1]
        database = Database()
        database.configure(database_url)
        with database.transaction() as session:
            assert audit.verify(session).ok  # the old entries' hashes still hold
            appended = audit.append(
                session, category="consultation", action="line_viewed", actor="t"
            ).id
        with database.transaction() as session:
            check = audit.verify(session)
            assert check.ok and check.entries == 4
            newest = session.get(AuditEvent, appended)
            assert (newest.force_id, newest.chain_version) == (1, 2)
            newest.force_id = None  # the new entry's hash covers its force
        with database.transaction() as session:
            assert audit.verify(session).first_broken_id == appended
            session.add(Line(reference="OP/1", name="Again"))  # one force, as before
            with pytest.raises(IntegrityError):
                session.flush()
        with database.transaction() as session, acting_for(1):
            assert [line.reference for line in session.query(Line)] == ["OP/1"]
        database.dispose()
    finally:
        engine.dispose()


OLD_ERA = {  # written as pester wrote them before 0006: sealed, bound to the key only
    ("lines", "line_number"): "+447700900999",
    ("contacts", "phone"): "+447700900101",
    ("replies", "body"): "Who is this? new number +447700900199",
    ("replies", "notes"): "analyst's note",
    ("users", "totp_secret"): "JBSWY3DPEHPK3PXP",
}


def _old_era_rows(engine) -> None:  # type: ignore[no-untyped-def]
    """Rows of every kind 0006 re-seals, as a database before it held them (written at
    0003: 0004 moves them into the default force, sealed values untouched)."""
    from sqlalchemy import LargeBinary, bindparam, text

    seal = cipher().seal_legacy
    blob = {key: seal(value) for key, value in OLD_ERA.items()}
    statements = [
        (
            "INSERT INTO users (id, email, display_name, role, password_hash, active,"
            " must_change_password, failed_logins, created_at, totp_secret) VALUES (7,"
            " 'a@force.test', '', 'admin', 'x', true, false, 0, CURRENT_TIMESTAMP, :v)",
            blob[("users", "totp_secret")],
        ),
        (
            "INSERT INTO lines (id, reference, name, force_area, operation, exhibit_reference,"
            " retention_days, created_at, line_number) VALUES (3, 'L1', 'Tony', '', '', '',"
            " 90, CURRENT_TIMESTAMP, :v)",
            blob[("lines", "line_number")],
        ),
        (
            "INSERT INTO contacts (id, line_id, phone_hash, kind, textable, drama,"
            " suppressed_at_import, do_not_contact_at_import, interactions, created_at, phone)"
            " VALUES (11, 3, 'h', 'mobile', true, true, false, false, 0, CURRENT_TIMESTAMP, :v)",
            blob[("contacts", "phone")],
        ),
        (
            "INSERT INTO replies (id, provider_id, to_sender, received_at, labels, risk_kinds,"
            " why, urgent, tags, body) VALUES (5, 'SM1', '', CURRENT_TIMESTAMP, '[]', '[]',"
            " '{}', false, '[]', :v)",
            blob[("replies", "body")],
        ),
        ("UPDATE replies SET notes = :v WHERE id = 5", blob[("replies", "notes")]),
        (
            "INSERT INTO audit_head (id, last_hash, entries, anchor_hash) VALUES (1, :v, 0, :v)",
            "0" * 64,
        ),
    ]
    with engine.begin() as conn:
        for sql, value in statements:
            kind = LargeBinary() if isinstance(value, bytes) else None
            conn.execute(text(sql).bindparams(bindparam("v", type_=kind)), {"v": value})


def _stored(engine) -> dict[tuple[str, str], bytes]:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    found = {}
    with engine.connect() as conn:
        for table, column in OLD_ERA:
            value = conn.execute(text(f'SELECT "{column}" FROM {table}')).scalar_one()  # noqa: S608
            if value is not None:
                found[(table, column)] = bytes(value)
    return found


@pytest.mark.postgres
def test_0006_reseals_old_values_bound_to_their_place_and_downgrades_back(
    database_url: str,
) -> None:
    from sqlalchemy import select, text
    from sqlalchemy.orm import Session

    from messaging.crypto import BOUND_FORMAT, LEGACY_FORMAT, MisplacedValueError, cipher
    from messaging.models import AuditHead, Contact, Line, Reply, User

    configure_cipher("migration-test-key")
    engine = _fresh(database_url)
    try:
        upgrade(engine, "0003")
        _old_era_rows(engine)
        upgrade(engine)
        assert {blob[:2] for blob in _stored(engine).values()} == {BOUND_FORMAT}
        with Session(engine) as session:
            assert session.get(User, 7).totp_secret == OLD_ERA[("users", "totp_secret")]
            assert session.get(Line, 3).line_number == OLD_ERA[("lines", "line_number")]
            assert session.get(Contact, 11).phone == OLD_ERA[("contacts", "phone")]
            reply = session.get(Reply, 5)
            assert (reply.body, reply.notes) == (
                OLD_ERA[("replies", "body")],
                OLD_ERA[("replies", "notes")],
            )
            head = session.get(AuditHead, 1)
            assert head.trimmed == 0 and len(head.installation_id) == 36
        with engine.begin() as conn:  # bound now: the body moved into the notes won't open
            conn.execute(text("UPDATE replies SET notes = body"))
        with Session(engine) as session, pytest.raises(MisplacedValueError):
            session.scalars(select(Reply.notes)).all()
        with engine.begin() as conn:
            conn.execute(text("UPDATE replies SET notes = NULL"))

        command.downgrade(_config(engine), "0005")
        stored = _stored(engine)
        assert ("replies", "notes") not in stored  # emptied above
        assert {blob[:2] for blob in stored.values()} == {LEGACY_FORMAT}
        assert cipher().open_legacy(stored[("contacts", "phone")]) == OLD_ERA[("contacts", "phone")]
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_0006_needs_the_data_keys_when_there_is_data_to_reseal(database_url: str) -> None:
    import messaging.crypto

    configure_cipher("migration-test-key")
    engine = _fresh(database_url)
    try:
        upgrade(engine, "0003")
        _old_era_rows(engine)
        saved, messaging.crypto._cipher = messaging.crypto._cipher, None
        try:
            with pytest.raises(RuntimeError, match="needs the data keys"):
                upgrade(engine)
        finally:
            messaging.crypto._cipher = saved
        assert not is_current(engine)
        assert {blob[:2] for blob in _stored(engine).values()} == {b"p1"}  # nothing changed
    finally:
        engine.dispose()


def _config(engine):  # type: ignore[no-untyped-def]
    from messaging.migrate import alembic_config

    return alembic_config(engine.url.render_as_string(hide_password=False))


@pytest.mark.postgres
def test_reply_queue_migration_files_existing_replies_by_their_labels(database_url: str) -> None:
    """0005 adds the queue and score; replies already stored get the queue their labels give
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


@pytest.mark.postgres
def test_0010_keeps_existing_reference_data_national_and_downgrades_back(
    database_url: str,
) -> None:
    """0010 adds force_id to services, templates and versions: rows already there stay
    national (NULL); slugs become unique per force; the downgrade refuses while a row is a
    force's own (the old schema would share it with every force), then drops the column."""
    from sqlalchemy import inspect as schema_of
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    now = "2026-01-01 00:00:00"
    engine = _fresh(database_url)
    try:
        upgrade(engine, "0009")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO services (id, name, phone, url, hours, areas, national, active,"
                    " created_at) VALUES (40, 'Open Road', '01702 123456', '', '', '', false,"
                    " true, :now)"
                ),
                {"now": now},
            )
            conn.execute(
                text(
                    "INSERT INTO message_templates (id, slug, name, purpose, description,"
                    " answers, shipped, active, created_at) VALUES (41, 'local', 'Local',"
                    " 'signposting', '', '[]', false, true, :now)"
                ),
                {"now": now},
            )
            conn.execute(
                text(
                    "INSERT INTO template_versions (id, template_id, version, body, placeholders,"
                    " created_at) VALUES (42, 41, 1, '{{ reply_route }}', '[]', :now)"
                ),
                {"now": now},
            )
        upgrade(engine)
        with engine.begin() as conn:
            for table, row in (
                ("services", 40),
                ("message_templates", 41),
                ("template_versions", 42),
            ):
                found = conn.execute(text(f"SELECT force_id FROM {table} WHERE id = {row}"))  # noqa: S608
                assert found.scalar_one() is None, table
            insert = (
                "INSERT INTO message_templates (id, slug, name, purpose, description, answers,"
                " shipped, active, created_at, force_id) VALUES (:id, 'local', 'Ours',"
                " 'signposting', '', '[]', false, true, :now, :force)"
            )
            conn.execute(text(insert), {"id": 43, "now": now, "force": 1})  # a force's own
        with engine.begin() as conn, pytest.raises(IntegrityError):  # national slugs: unique
            conn.execute(text(insert), {"id": 44, "now": now, "force": None})
        with pytest.raises(RuntimeError, match="belong to one force"):
            downgrade(engine, "0009")
        # The refused downgrade undid the steps it had taken (0011's, first): on SQLite too,
        # whose driver would otherwise have committed each DDL statement as it went.
        assert is_current(engine)
        assert "cross_force_numbers" in schema_of(engine).get_table_names()
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM message_templates WHERE id = 43"))
        downgrade(engine, "0009")
        for table in ("services", "message_templates", "template_versions"):
            columns = {c["name"] for c in schema_of(engine).get_columns(table)}
            assert "force_id" not in columns, table
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM template_versions")).scalar_one() == 1
        with engine.begin() as conn, pytest.raises(IntegrityError):  # one slug, as before
            conn.execute(
                text(
                    "INSERT INTO message_templates (id, slug, name, purpose, description,"
                    " answers, shipped, active, created_at) VALUES (45, 'local', 'Again',"
                    " 'signposting', '', '[]', false, true, :now)"
                ),
                {"now": now},
            )
        upgrade(engine)
        assert is_current(engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_0011_lists_the_numbers_two_forces_contacts_already_hold_and_downgrades_back(
    database_url: str,
) -> None:
    """0011 adds the national index of cross-force numbers, filled from the contacts that
    are there: a number two forces' contacts hold is listed; one on two lines of the same
    force, or on one force's line only, is not."""
    from sqlalchemy import inspect as schema_of
    from sqlalchemy import text

    tables = Base.metadata.tables
    engine = _fresh(database_url)
    try:
        upgrade(engine, "0010")
        with engine.begin() as conn:
            conn.execute(
                tables["forces"].insert(),
                [{"id": 11, "code": "AAA", "name": "A"}, {"id": 12, "code": "BBB", "name": "B"}],
            )
            conn.execute(
                tables["lines"].insert(),
                [
                    {"id": line, "force_id": force, "reference": f"L{line}", "name": "Tony"}
                    for line, force in ((1, 11), (2, 11), (3, 12))
                ],
            )
            held = (("shared", 1), ("shared", 3), ("ours", 1), ("ours", 2), ("alone", 3))
            conn.execute(
                tables["contacts"].insert(),
                [
                    {
                        "force_id": 11 if line < 3 else 12,
                        "line_id": line,
                        "phone_hash": number,
                        "kind": "mobile",
                    }
                    for number, line in held
                ],
            )
        upgrade(engine)
        with engine.begin() as conn:
            listed = conn.execute(text("SELECT phone_hash FROM cross_force_numbers")).scalars()
            assert list(listed) == ["shared"]
        downgrade(engine, "0010")
        assert "cross_force_numbers" not in schema_of(engine).get_table_names()
    finally:
        engine.dispose()
