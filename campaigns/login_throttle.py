"""Sign-in rate limits in Redis: sliding windows of failures per address and per account.

They sit in front of the account lockout in the database: the lockout stops guessing one
account's password from anywhere; these stop one address spraying many accounts, and keep
an account's guesses slow across lockout periods. Shared by every web process through
Redis. Only failures count, so a police station's many officers behind one address are not
locked out by each other's successful sign-ins. When Redis cannot be reached the check is
skipped (and logged): the database lockout still applies, and nobody is shut out of the
service by a cache outage.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError

from messaging import runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Window:
    limit: int  # failures allowed within the window
    seconds: int


PER_ADDRESS = Window(limit=30, seconds=15 * 60)
PER_ACCOUNT = Window(limit=10, seconds=60 * 60)


class Throttled(Exception):
    """Too many failed sign-ins; ``retry_after`` seconds until the oldest one ages out."""

    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(scope)
        self.scope = scope
        self.retry_after = max(1, retry_after)


def _account_key(email: str) -> str:
    # Keyed by a digest so Redis holds no staff email addresses.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def shared_redis() -> Redis | None:
    """The runtime's Redis, or None when none is configured (the checks are then skipped)."""
    try:
        return runtime.current().redis
    except RuntimeError:
        log.warning("no Redis configured: sign-in rate limits and code replay checks are off")
        return None


class LoginThrottle:
    """Counts failed sign-ins per client address and per account in sliding windows."""

    def __init__(
        self,
        redis: Redis | None,
        *,
        prefix: str = "pester",
        per_address: Window = PER_ADDRESS,
        per_account: Window = PER_ACCOUNT,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.windows = {"address": per_address, "account": per_account}

    def _keys(self, address: str, email: str) -> dict[str, str]:
        return {
            "address": f"{self.prefix}:login-fail:ip:{address or 'unknown'}",
            "account": f"{self.prefix}:login-fail:acct:{_account_key(email)}",
        }

    def check(self, address: str, email: str) -> None:
        """Raise :class:`Throttled` if either window is full (before checking a password)."""
        if self.redis is None:
            return
        now = time.time()
        try:
            pipe = self.redis.pipeline()
            keys = self._keys(address, email)
            for scope, key in keys.items():
                pipe.zremrangebyscore(key, 0, now - self.windows[scope].seconds)
                pipe.zcard(key)
                pipe.zrange(key, 0, 0, withscores=True)
            results = pipe.execute()
        except RedisError:
            log.exception("sign-in rate limit unavailable; relying on the account lockout")
            return
        for index, scope in enumerate(keys):
            count, oldest = results[3 * index + 1], results[3 * index + 2]
            window = self.windows[scope]
            if count >= window.limit:
                retry = int(oldest[0][1] + window.seconds - now) + 1 if oldest else window.seconds
                raise Throttled(scope, retry)

    def failed(self, address: str, email: str) -> None:
        """Count one failed attempt (a wrong password or a wrong second-factor code)."""
        if self.redis is None:
            return
        now = time.time()
        member = f"{now:.6f}:{secrets.token_hex(4)}"
        try:
            pipe = self.redis.pipeline()
            for scope, key in self._keys(address, email).items():
                pipe.zadd(key, {member: now})
                pipe.expire(key, self.windows[scope].seconds)
            pipe.execute()
        except RedisError:
            log.exception("could not count a failed sign-in")

    def succeeded(self, email: str) -> None:
        """Clear the account's window (the address window keeps counting)."""
        if self.redis is None:
            return
        try:
            self.redis.delete(self._keys("", email)["account"])
        except RedisError:
            log.exception("could not clear an account's failed sign-ins")
