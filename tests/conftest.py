"""Shared fixtures: real Redis, real SQLite and PostgreSQL, the app, users and lines.

Redis: the machine's on 127.0.0.1:6379 when it answers, else the bundled Valkey server;
each test gets its own flushed database number. Databases: a fresh SQLite file per test;
tests marked ``postgres`` run a second time against a PostgreSQL database created for this
session (skipped, with the reason printed, when no PostgreSQL is reachable).
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

from tests.support.services import postgres_admin_url, redis_server_url

pytest_plugins = ["tests.support.factories"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_kind" in metafunc.fixturenames:
        kinds = ["sqlite"]
        if metafunc.definition.get_closest_marker("postgres"):
            kinds.append("postgres")
        metafunc.parametrize("db_kind", kinds, scope="function")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, stop = redis_server_url(tmp_path_factory.mktemp("valkey"))
    yield url
    stop()


@pytest.fixture
def redis_db_url(redis_url: str, worker_redis_db: int) -> Iterator[str]:
    url = f"{redis_url}/{worker_redis_db}"
    client = Redis.from_url(url)
    client.flushdb()
    client.close()
    yield url


@pytest.fixture(scope="session")
def worker_redis_db() -> int:
    # Separate pytest processes (xdist or parallel runs) use separate database numbers.
    return 1 + os.getpid() % 14


@pytest.fixture
def redis(redis_db_url: str) -> Iterator[Redis]:
    client = Redis.from_url(redis_db_url)
    yield client
    client.close()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    admin = postgres_admin_url()
    if admin is None:
        yield None
        return
    import psycopg

    name = f"pester_test_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db_kind() -> str:
    return "sqlite"  # replaced by parametrisation for tests marked postgres


@pytest.fixture
def database_url(db_kind: str, tmp_path: Path, postgres_database: str | None) -> str:
    if db_kind == "sqlite":
        return f"sqlite:///{tmp_path / 'pester.sqlite3'}"
    if postgres_database is None:
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432 (user postgres)")
    return postgres_database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)
