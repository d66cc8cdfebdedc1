"""The SMS gateway interface every provider adapter implements, and the values it passes.

The error types live in ``errors`` and are re-exported here: callers import the whole
interface from this module.
"""

from __future__ import annotations

import abc
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from messaging.gateways.errors import (
    GatewayError,
    GatewayUnusable,
    OutcomeUnknown,
    PermanentError,
    RateLimited,
    RetryableError,
    SenderBlocked,
    classify_error,
)

__all__ = [
    "Gateway",
    "GatewayError",
    "GatewayMessage",
    "GatewayReceipt",
    "GatewaySettings",
    "GatewayUnusable",
    "OutcomeUnknown",
    "OutgoingSms",
    "PermanentError",
    "RateLimited",
    "RetryableError",
    "SenderBlocked",
    "classify_error",
    "is_drama_number",
    "is_messaging_service",
]

MIN_VALIDITY_S: Final = 1
MAX_VALIDITY_S: Final = 36_000  # Twilio queues at most 10 hours
# A look-up of texts sent since a moment starts this much earlier: our clock and the
# gateway's may differ.
LOOKUP_SINCE_MARGIN: Final = timedelta(minutes=5)

_E164 = re.compile(r"\+[1-9]\d{6,14}")
# Ofcom reserves 07700 900000–900999 for drama: no real handset can ever own one.
_DRAMA_RANGE = re.compile(r"\+447700900\d{3}")


def is_drama_number(e164: str) -> bool:
    """Whether an E.164 number is in Ofcom's drama range (+447700900000–+447700900999)."""
    return _DRAMA_RANGE.fullmatch(e164) is not None


def is_messaging_service(sender: str) -> bool:
    """Whether a sender is a Twilio Messaging Service SID rather than a number or ID."""
    return sender.startswith("MG")


@dataclass(frozen=True, slots=True)
class OutgoingSms:
    """One text to send: everything the gateway needs, nothing about the campaign.

    ``validity_period`` above Twilio's 10 hours is clamped to 36000 s (a worker computes it
    from a far not-after); below 1 s the text is already stale and is refused.
    """

    to: str
    body: str
    sender: str
    status_callback: str | None = None
    validity_period: int | None = None

    def __post_init__(self) -> None:
        if _E164.fullmatch(self.to) is None:
            raise ValueError("to must be an E.164 number")
        if not self.body:
            raise ValueError("body must not be empty")
        if not self.sender:
            raise ValueError("sender must not be empty")
        if self.validity_period is not None:
            if self.validity_period < MIN_VALIDITY_S:
                raise ValueError("validity_period must be at least 1 second")
            if self.validity_period > MAX_VALIDITY_S:
                object.__setattr__(self, "validity_period", MAX_VALIDITY_S)


@dataclass(frozen=True, slots=True)
class GatewayReceipt:
    """The gateway accepted a text: its id there and the first status it reported."""

    provider_id: str
    status: str


@dataclass(frozen=True, slots=True)
class GatewayMessage:
    """A text as the gateway knows it, for status checks and crash reconciliation."""

    provider_id: str
    to: str
    sender: str
    body: str
    status: str
    error_code: int | None
    date_created: datetime | None


@dataclass(frozen=True)
class GatewaySettings:
    """How to reach a gateway; ``base_url`` None means the provider's real API."""

    name: str = "sandbox"
    account_sid: str = ""
    auth_token: str = ""
    base_url: str | None = None
    timeout_s: float = 10.0
    pool_size: int = 64

    def __repr__(self) -> str:
        # The auth token must never reach a log through a repr.
        return (
            f"GatewaySettings(name={self.name!r}, account_sid={self.account_sid!r}, "
            f"auth_token='***', base_url={self.base_url!r}, timeout_s={self.timeout_s!r}, "
            f"pool_size={self.pool_size!r})"
        )


class Gateway(abc.ABC):
    """An SMS provider. Implementations are safe to call from many threads at once.

    Every method raises only ``GatewayError`` subclasses (see ``errors``) for provider and
    transport failures.
    """

    name: str
    allows_drama_range: bool

    @abc.abstractmethod
    def send(self, sms: OutgoingSms) -> GatewayReceipt:
        """Hand one text to the provider and return its id; raise a ``GatewayError`` if not."""

    @abc.abstractmethod
    def fetch(self, provider_id: str) -> GatewayMessage:
        """Return the provider's current view of one text."""

    @abc.abstractmethod
    def find_sent(self, *, to: str, sender: str, since: datetime) -> list[GatewayMessage]:
        """Return texts to ``to`` from ``sender`` created at or after ``since`` (newest first).

        Used to reconcile a crash between claiming a text and recording its provider id.
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Release pooled connections; the gateway must not be used afterwards."""

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
