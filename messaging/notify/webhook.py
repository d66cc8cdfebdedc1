"""Signed JSON webhooks: a body, its HMAC-SHA256 signature, and the receiver's check.

The sender serialises the payload once, adds ``sent_at`` (Unix seconds) to it, and signs
the raw bytes it sends::

    X-Pester-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>
    X-Pester-Timestamp: <sent_at, the same number as in the body>

A receiver recomputes the HMAC over the raw body (before parsing it), compares in constant
time, and refuses a body whose ``sent_at`` is further than a few minutes from its clock
(:func:`verify`), so a captured request cannot be replayed later. Each payload carries an
``id`` of the caller's, unique per delivery, so a receiver can also drop exact repeats.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from messaging.notify.errors import DeliveryFailed

SIGNATURE_HEADER = "X-Pester-Signature"
TIMESTAMP_HEADER = "X-Pester-Timestamp"
MAX_SKEW_SECONDS = 300


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    secret: str = field(repr=False)

    def describe(self) -> str:
        """Scheme, host and path only: a query string may hold a token."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def encode(payload: dict[str, Any], *, now: float | None = None) -> bytes:
    """The exact bytes sent: the payload with ``sent_at``, compact, keys sorted."""
    stamped = {**payload, "sent_at": int(now if now is not None else time.time())}
    return json.dumps(stamped, sort_keys=True, separators=(",", ":")).encode()


def verify(
    secret: str,
    body: bytes,
    signature: str | None,
    *,
    now: float | None = None,
    max_skew: float = MAX_SKEW_SECONDS,
) -> dict[str, Any]:
    """The payload of a genuine, fresh request; ``ValueError`` (saying why) otherwise."""
    if not signature or not hmac.compare_digest(sign(secret, body), signature.strip()):
        raise ValueError("the signature does not match the body")
    payload = json.loads(body)
    sent_at = payload.get("sent_at") if isinstance(payload, dict) else None
    if not isinstance(sent_at, int):
        raise ValueError("the body has no sent_at time")
    if abs((now if now is not None else time.time()) - sent_at) > max_skew:
        raise ValueError("the request is too old (or from the future): a replay?")
    return payload


def post_json(
    target: WebhookTarget,
    payload: dict[str, Any],
    *,
    timeout: float = 10.0,
    session: requests.Session | None = None,
) -> int:
    """POST the signed payload; returns the HTTP status of a 2xx answer.

    Raises :class:`DeliveryFailed`: retryable for connection trouble, timeouts, 408, 429
    and 5xx; permanent for other answers (a receiver that refuses the signature says 401).
    """
    body = encode(payload)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(target.secret, body),
        TIMESTAMP_HEADER: str(json.loads(body)["sent_at"]),
        "User-Agent": "pester-notify/1",
    }
    poster = session or requests
    try:
        response = poster.post(
            target.url, data=body, headers=headers, timeout=timeout, allow_redirects=False
        )
    except requests.RequestException as exc:
        raise DeliveryFailed(type(exc).__name__, retryable=True) from None
    status = response.status_code
    response.close()
    if 200 <= status < 300:
        return status
    raise DeliveryFailed(f"HTTP {status}", retryable=status in (408, 429) or status >= 500)
