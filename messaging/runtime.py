"""Process-wide wiring for the pipeline: settings, database, Redis, cipher and gateway.

The web app and the workers both call :func:`configure` once at start-up; jobs and
services call :func:`current` instead of reaching for globals of their own.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from redis import Redis

from messaging import tenancy  # noqa: F401  (scopes every session by force)
from messaging.config import Settings
from messaging.crypto import configure_cipher
from messaging.db import db
from messaging.gateways.base import Gateway, GatewaySettings
from messaging.gateways.registry import build_gateway
from messaging.redis_conn import connect


@dataclass
class Runtime:
    settings: Settings
    _redis: Redis | None = None
    _gateway: Gateway | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def redis(self) -> Redis:
        """The Redis client; connecting is deferred so commands that need no queue work."""
        with self._lock:
            if self._redis is None:
                if self.settings.redis_url is None:
                    raise RuntimeError(
                        "REDIS_URL is not set: set it, or use `pester serve`, which starts "
                        "the bundled server"
                    )
                self._redis = connect(self.settings.redis_url)
            return self._redis

    def gateway(self) -> Gateway:
        """The configured SMS gateway, created on first use and shared by threads."""
        with self._lock:
            if self._gateway is None:
                self._gateway = build_gateway(gateway_settings(self.settings))
            return self._gateway

    def close(self) -> None:
        self.set_gateway(None)
        if self._redis is not None:
            self._redis.close()
            self._redis = None

    def set_gateway(self, gateway: Gateway | None) -> None:
        with self._lock:
            if self._gateway is not None and self._gateway is not gateway:
                self._gateway.close()
            self._gateway = gateway


_runtime: Runtime | None = None


def gateway_settings(settings: Settings) -> GatewaySettings:
    """Translate pester settings into the gateway layer's settings."""
    base_url = settings.sandbox_carrier_url if settings.sms_gateway == "sandbox" else None
    return GatewaySettings(
        name=settings.sms_gateway,
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token,
        base_url=base_url,
        timeout_s=settings.gateway_timeout_s,
        # One pooled connection per concurrent gateway call, or the pool churns connections.
        pool_size=max(64, settings.gateway_concurrency),
    )


def configure(settings: Settings) -> Runtime:
    """Wire this process to the configured database, Redis and keys."""
    global _runtime
    configure_cipher(
        settings.data_key,
        settings.old_data_keys,
        settings.lookup_key,
        accept_legacy=settings.accept_legacy_seals,
    )
    db.configure(settings.database_url)
    if _runtime is not None:
        _runtime.close()
    _runtime = Runtime(settings=settings)
    return _runtime


def current() -> Runtime:
    if _runtime is None:
        raise RuntimeError("pester runtime not configured: call messaging.runtime.configure()")
    return _runtime
