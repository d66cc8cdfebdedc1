"""Carrier webhooks: the signature every callback must carry, checked against the public URL.

Callbacks are untrusted. Each is verified against the URL the carrier was given (the
configured public base URL, not whatever Host a proxy passed on) before anything is read
from it. What a verified callback then does is elsewhere: a delivery receipt moves its
outbox message forward (:mod:`messaging.sending.receipts`); an inbound text becomes a reply
(:mod:`messaging.inbound.replies`).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from twilio.request_validator import RequestValidator


def public_url(base_url: str, path: str, query: str = "") -> str:
    """The URL the carrier signed: the configured public base, not what a proxy passed on."""
    url = base_url.rstrip("/") + path
    return f"{url}?{query}" if query else url


def signature_valid(
    auth_token: str, url: str, params: Mapping[str, str], signature: str | None
) -> bool:
    """True when ``signature`` is the carrier's HMAC of ``url`` and ``params``."""
    if not signature or not auth_token:
        return False
    validator = RequestValidator(auth_token)
    values = dict(params)
    # The URL as configured is what the carrier signs; validate() also tries it with and
    # without a default port, at three times the cost, so it is only the fallback.
    expected = validator.compute_signature(url, values).encode()
    if hmac.compare_digest(expected, signature.encode("utf-8", "replace")):
        return True
    return bool(validator.validate(url, values, signature))
