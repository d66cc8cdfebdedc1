"""A fresh database for a test: the schema the models describe, and the reference data.

SQLite: every test has a new file of its own. The first of a session is built (create_all,
then seeding) and a copy of it is kept; each later new file starts as a copy of that, a
file copy instead of some 40 ms of DDL and seeding per test.

PostgreSQL: the tests of a session share one database. While its schema is still exactly
the one create_all last built there (a migration test may leave another: a downgrade, an
older revision), its tables are emptied (``TRUNCATE … RESTART IDENTITY``) instead of being
dropped and created again; anything else is rebuilt. Then it is seeded.
"""

from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from messaging.db import Base, db
from messaging.seed import seed_reference_data

_seeded_sqlite: list[Path] = []  # the session's first seeded SQLite file, copied
_built: dict[str, str] = {}  # PostgreSQL URL -> fingerprint of the schema create_all built

# Every column, index, constraint and trigger of the tables in the current schema.
_FINGERPRINT = """
SELECT 'column', c.relname, a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
   AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'index', tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema()
UNION ALL
SELECT 'constraint', conrelid::regclass::text, conname || ' ' || pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
UNION ALL
SELECT 'trigger', tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal
ORDER BY 1, 2, 3
"""


def fresh_database(engine: Engine) -> None:
    """Give the app's database (``db``, bound to ``engine``) the models' schema, no rows
    but the reference data."""
    if engine.dialect.name == "sqlite":
        _fresh_sqlite(engine)
    else:
        _fresh_postgres(engine)


def _fresh_sqlite(engine: Engine) -> None:
    path = Path(str(engine.url.database))
    new = not inspect(engine).get_table_names()
    if new and _seeded_sqlite:
        db.session.remove()
        engine.dispose()
        for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(_seeded_sqlite[0], path)
        return
    _build_and_seed(engine)
    if new:
        with engine.connect() as conn:  # everything into the file itself, then copied
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        folder = Path(tempfile.mkdtemp(prefix="pester-seeded-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        shutil.copyfile(path, folder / "seeded.sqlite3")
        _seeded_sqlite.append(folder / "seeded.sqlite3")


def _fresh_postgres(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    if _built.get(url) == _fingerprint(engine):
        names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        _seed()
        return
    Base.metadata.drop_all(engine)
    _build_and_seed(engine)
    _built[url] = _fingerprint(engine)


def _fingerprint(engine: Engine) -> str:
    with engine.connect() as conn:
        rows = conn.execute(text(_FINGERPRINT)).all()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _build_and_seed(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    _seed()


def _seed() -> None:
    with db.transaction() as session:
        seed_reference_data(session)
    db.session.remove()
