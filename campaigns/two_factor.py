"""The optional second factor: time-based one-time codes (TOTP, RFC 6238) with pyotp.

A code is accepted once: the 30-second step it belongs to is remembered in Redis for a
couple of minutes, so a code read over someone's shoulder cannot be replayed.
"""

from __future__ import annotations

import hmac
import logging
import re
import time

import pyotp
from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
ISSUER = "pester"
STEP_SECONDS = 30
DRIFT_STEPS = 1  # accept the previous and next code too: phone clocks drift
_CODE = re.compile(r"^\d{6}$")


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(email: str, secret: str) -> str:
    """The otpauth:// URI an authenticator app takes (typed in, or pasted)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def clean_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "")


def code_matches(secret: str, code: str, *, at: float | None = None) -> int | None:
    """The time step ``code`` is valid for (within the allowed drift), or None."""
    code = clean_code(code)
    if not _CODE.match(code):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if at is None else at
    for drift in range(-DRIFT_STEPS, DRIFT_STEPS + 1):
        moment = now + drift * STEP_SECONDS
        if hmac.compare_digest(totp.at(moment), code):
            return int(moment // STEP_SECONDS)
    return None


def verify(
    secret: str, code: str, *, user_id: int, redis: Redis | None, prefix: str = "pester"
) -> bool:
    """Check a code and spend it: the same step is never accepted twice for a user."""
    step = code_matches(secret, code)
    if step is None:
        return False
    if redis is None:
        return True  # no shared store to remember spent codes in (a warning was logged)
    try:
        fresh = redis.set(
            f"{prefix}:totp-used:{user_id}:{step}",
            "1",
            nx=True,
            ex=STEP_SECONDS * (2 * DRIFT_STEPS + 2),
        )
    except RedisError:
        log.exception("could not record a used one-time code; accepting it")
        return True
    return bool(fresh)
