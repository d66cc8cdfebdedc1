"""Finding (or starting) the real services tests run against."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from messaging.redis_conn import BundledRedis, reachable

MACHINE_REDIS = "redis://127.0.0.1:6379"
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def redis_server_url(data_dir: Path) -> tuple[str, Callable[[], None]]:
    """The machine's Redis when it answers, else a bundled Valkey server for the session."""
    url = os.environ.get("PESTER_TEST_REDIS_URL", MACHINE_REDIS)
    if reachable(url):
        return url.rstrip("/"), lambda: None
    server = BundledRedis(data_dir)
    started = server.start()
    print(f"\n[pester tests] no Redis at {url}: using the bundled server at {started}")
    return started, server.stop


def postgres_admin_url() -> str | None:
    url = os.environ.get("PESTER_TEST_POSTGRES_URL", POSTGRES_ADMIN)
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=2) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        print(f"\n[pester tests] PostgreSQL tests will skip: {url} unreachable ({exc})")
        return None
    return url
