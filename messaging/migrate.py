"""Run Alembic migrations from code (the CLI, the dev server and tests use this)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from messaging.db import refresh_planner_statistics

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to ``revision``."""
    _migrate(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database schema back down to ``revision``."""
    _migrate(engine, command.downgrade, revision)


def _migrate(engine: Engine, step: Callable[[Config, str], None], revision: str) -> None:
    """Run ``step`` to ``revision`` in one transaction: a migration that fails half-way
    leaves the schema, its data and its recorded revision as they were."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    if engine.dialect.name == "sqlite":
        _migrate_sqlite(engine, config, step, revision)
        return
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        step(config, revision)
        refresh_planner_statistics(connection)


def _migrate_sqlite(
    engine: Engine, config: Config, step: Callable[[Config, str], None], revision: str
) -> None:
    """SQLite can undo DDL too, but Python's sqlite3 module commits before each DDL
    statement; here it is told to leave transactions alone, and the whole migration runs in
    one explicit transaction.

    Foreign keys are off meanwhile (SQLite alters a table by copying it, and dropping the old
    copy of a table others refer to would fail); that is set outside the transaction, since
    SQLite ignores the pragma inside one.
    """
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        if driver is None:
            raise RuntimeError("the SQLite connection was closed before migrating")
        implicit = driver.isolation_level
        driver.isolation_level = None  # the module starts and ends no transaction itself
        try:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.exec_driver_sql("BEGIN")
            try:
                config.attributes["connection"] = connection
                step(config, revision)
                refresh_planner_statistics(connection)
            except BaseException:
                connection.exec_driver_sql("ROLLBACK")
                raise
            connection.exec_driver_sql("COMMIT")
        finally:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            driver.isolation_level = implicit


def is_current(engine: Engine) -> bool:
    """True when the database is at the newest migration."""
    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))
    with engine.connect() as connection:
        heads = set(MigrationContext.configure(connection).get_current_heads())
    return heads == set(script.get_heads())
