"""The database extension: one engine and a scoped session, usable with or without Flask."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every pester table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite forgets zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web app, workers and webhooks read while one of them writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# SQLite plans without statistics unless told: given ``line_id = ? AND force_id = ?`` it
# may take the force_id index, which in a one-force installation is every row of the table
# (every line's contacts read to find one line's). ANALYZE over a bounded sample of each
# index (milliseconds at any size) tells it which index narrows. PostgreSQL's autovacuum
# keeps its own statistics.
PLANNER_SAMPLE_ROWS = 1000


def refresh_planner_statistics(connection: Connection) -> bool:
    """Refresh SQLite's query-planner statistics in ``connection``'s transaction (after
    migrating, after an import, hourly from the tick); nothing to do on PostgreSQL."""
    if connection.dialect.name != "sqlite":
        return False
    connection.exec_driver_sql(f"PRAGMA analysis_limit={PLANNER_SAMPLE_ROWS}")
    connection.exec_driver_sql("ANALYZE")
    return True


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with pester's per-dialect settings."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kwargs)


class PesterSession(Session):
    """pester's sessions: ``get`` also asks ``row_filters`` whether it may hand a row out.

    ``get`` answers from the identity map without any SQL when the row is already loaded,
    so statement-level filters (the force scope, :mod:`messaging.tenancy`) never see it.
    """

    row_filters: ClassVar[list[Callable[[Session, Any], bool]]] = []

    def get(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        found = super().get(entity, ident, **kwargs)
        if found is not None and not all(allowed(self, found) for allowed in self.row_filters):
            return None
        return found


class Database:
    """Holds the engine and a thread-scoped session; configured once per process."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._factory = sessionmaker(class_=PesterSession, expire_on_commit=False)
        self.session = scoped_session(self._factory)

    @property
    def url(self) -> str:
        if self.engine is None:
            raise RuntimeError("database not configured: call db.configure(url) first")
        return self.engine.url.render_as_string(hide_password=False)

    def configure(self, url: str) -> None:
        """Point the process at a database, replacing any earlier engine."""
        if self.engine is not None and self.engine.url.render_as_string(hide_password=False) == url:
            return
        self.dispose()
        self.engine = make_engine(url)
        self._factory.configure(bind=self.engine)

    def init_app(self, app: Any) -> None:
        """Configure from a Flask app and release the session at the end of each request."""
        self.configure(app.config["DATABASE_URL"])
        app.teardown_appcontext(lambda _exc: self.session.remove())

    def dispose(self) -> None:
        self.session.remove()
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None

    def after_fork(self) -> None:
        """Drop pooled connections inherited from a parent process without closing them."""
        if self.engine is not None:
            self.engine.dispose(close=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A fresh session in one transaction: committed on success, rolled back on error."""
        session = self._factory()
        try:
            with session.begin():
                yield session
        finally:
            session.close()


db = Database()
